import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mergeStep } from "../../src/core/merge-step.ts";
import { defaultPlanOptions, preparePlan } from "../../src/core/plan-options.ts";
import type { MappedSource, PlanOptions, TargetEntry } from "../../src/core/plan-types.ts";

function plan(options: Partial<PlanOptions> = {}) {
  const prepared = preparePlan({ ...defaultPlanOptions(), ...options });
  assert.deepEqual(prepared.errors, []);
  return prepared.plan;
}

function src(name: string, size = 1, md5 = ""): MappedSource {
  return { sourceName: name, targetName: name, size, md5, version: "" };
}

describe("mergeStep", () => {
  const cases: {
    name: string;
    given: { group: MappedSource[]; target: TargetEntry | null; options?: Partial<PlanOptions> };
    want: { status: string | null; error: string | null; takeSources: boolean; takeTarget: boolean; outOfScope: boolean };
  }[] = [
    { name: "both exhausted: the end", given: { group: [], target: null }, want: { status: null, error: null, takeSources: false, takeTarget: false, outOfScope: false } },
    { name: "source only", given: { group: [src("a")], target: null }, want: { status: "new", error: null, takeSources: true, takeTarget: false, outOfScope: false } },
    { name: "target only", given: { group: [], target: { name: "a", size: 1 } }, want: { status: "target-only", error: null, takeSources: false, takeTarget: true, outOfScope: false } },
    { name: "target first", given: { group: [src("b")], target: { name: "a", size: 1 } }, want: { status: "target-only", error: null, takeSources: false, takeTarget: true, outOfScope: false } },
    { name: "source first", given: { group: [src("a")], target: { name: "b", size: 1 } }, want: { status: "new", error: null, takeSources: true, takeTarget: false, outOfScope: false } },
    { name: "same name, nothing proves it unchanged", given: { group: [src("a")], target: { name: "a", size: 1 } }, want: { status: "update", error: null, takeSources: true, takeTarget: true, outOfScope: false } },
    { name: "same name, compare size", given: { group: [src("a")], target: { name: "a", size: 1 }, options: { compare: "size" } }, want: { status: "equal", error: null, takeSources: true, takeTarget: true, outOfScope: false } },
    { name: "collision, no object (strictNames)", given: { group: [src("a"), src("a")], target: { name: "b", size: 1 }, options: { strictNames: true } }, want: { status: null, error: "collision", takeSources: true, takeTarget: false, outOfScope: false } },
    { name: "collision with the object (strictNames)", given: { group: [src("a"), src("a")], target: { name: "a", size: 1 }, options: { strictNames: true } }, want: { status: null, error: "collision", takeSources: true, takeTarget: true, outOfScope: false } },
    { name: "collision, no object: fail entries", given: { group: [src("a"), src("a")], target: { name: "b", size: 1 } }, want: { status: null, error: null, takeSources: true, takeTarget: false, outOfScope: false } },
    { name: "collision with the object: fail entries", given: { group: [src("a"), src("a")], target: { name: "a", size: 1 } }, want: { status: null, error: null, takeSources: true, takeTarget: true, outOfScope: false } },
    { name: "object outside the prefix", given: { group: [], target: { name: "other/a", size: 1 }, options: { targetPrefix: "p" } }, want: { status: null, error: null, takeSources: false, takeTarget: true, outOfScope: true } },
    { name: "the prefix's folder marker", given: { group: [], target: { name: "p/", size: 0 }, options: { targetPrefix: "p" } }, want: { status: null, error: null, takeSources: false, takeTarget: true, outOfScope: true } },
    { name: "object excluded by a pattern", given: { group: [], target: { name: "x.tmp", size: 1 }, options: { exclude: ["*.tmp"] } }, want: { status: null, error: null, takeSources: false, takeTarget: true, outOfScope: true } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const step = mergeStep(c.given.group, c.given.target, plan(c.given.options));
      assert.deepEqual(
        {
          status: step.entry === null ? null : step.entry.status,
          error: step.error === null ? null : step.error.kind,
          takeSources: step.takeSources,
          takeTarget: step.takeTarget,
          outOfScope: step.outOfScope,
        },
        c.want,
      );
    });
  }

  it("writes entries with one key order, md5 fields only when known", () => {
    const withBoth = mergeStep([src("a", 1, "AAAAAAAAAAAAAAAAAAAAAA==")], { name: "a", size: 1, md5: "QkJCQkJCQkJCQkJCQkJCQg==" }, plan());
    assert.deepEqual(Object.keys(withBoth.entry ?? {}), ["sourceName", "sourceSize", "sourceMd5", "targetName", "targetSize", "targetMd5", "status", "action", "evidence", "reason"]);
    const withNone = mergeStep([src("a")], null, plan());
    assert.deepEqual(Object.keys(withNone.entry ?? {}), ["sourceName", "sourceSize", "targetName", "targetSize", "status", "action", "evidence", "reason"]);
    const withVersion = mergeStep([{ ...src("a", 1, "AAAAAAAAAAAAAAAAAAAAAA=="), version: "v1" }], { name: "a", size: 1, md5: "x-2" }, plan());
    assert.deepEqual(Object.keys(withVersion.entry ?? {}), ["sourceName", "sourceSize", "sourceMd5", "sourceVersion", "targetName", "targetSize", "targetMd5", "status", "action", "evidence", "reason"]);
  });

  it("a collision without strictNames gives one fail entry per source, status update when the object exists", () => {
    const step = mergeStep([{ ...src("a"), sourceName: "A" }, src("a")], { name: "a", size: 7 }, plan());
    assert.equal(step.entry, null);
    assert.deepEqual(
      (step.entries ?? []).map((e) => [e.sourceName, e.status, e.action, e.evidence, e.targetSize]),
      [
        ["A", "update", "fail", "absent", 7],
        ["a", "update", "fail", "absent", 7],
      ],
    );
    assert.match(step.entries?.[0].reason ?? "", /^2 source files map to the object name "a"/);
  });
});
