import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultPlanOptions, preparePlan } from "../../src/core/plan-options.ts";
import { addSummary, deletionGuard, emptySummary, tallyEntry, tallyError, tallyIntake } from "../../src/core/plan-summary.ts";
import type { PlanEntry } from "../../src/core/plan-types.ts";

const entry = (status: PlanEntry["status"], action: PlanEntry["action"], sourceSize: number | null, targetSize: number | null): PlanEntry => ({
  sourceName: sourceSize === null ? null : "s",
  sourceSize,
  targetName: "t",
  targetSize,
  status,
  action,
  evidence: "absent",
  reason: "r",
});

describe("plan summary", () => {
  it("adds the summaries of parts of a plan into the summary of the whole, every total", () => {
    const entries = [entry("new", "copy", 10, null), entry("update", "hash", 20, 5), entry("equal", "skip", 30, 30), entry("new", "fail", 7, null)];
    const more = [entry("target-only", "delete", null, 40), entry("target-only", "keep", null, 50), entry("new", "copy", 3, null)];
    const whole = emptySummary();
    const a = emptySummary();
    const b = emptySummary();
    for (const e of entries) {
      tallyEntry(whole, e);
      tallyEntry(a, e);
    }
    for (const e of more) {
      tallyEntry(whole, e);
      tallyEntry(b, e);
    }
    for (const kind of ["directory", "excluded"] as const) {
      tallyIntake(whole, kind);
      tallyIntake(b, kind);
    }
    tallyError(whole);
    tallyError(a);
    whole.outOfScope += 2;
    b.outOfScope += 2;
    const sum = emptySummary();
    addSummary(sum, a);
    addSummary(sum, b);
    assert.deepEqual(sum, whole);
    assert.equal(sum.copy.files, 2);
    assert.equal(sum.targetOnly.bytes, 90);
  });

  it("tallies files and bytes per status, copy and delete", () => {
    const summary = emptySummary();
    tallyEntry(summary, entry("new", "copy", 10, null));
    tallyEntry(summary, entry("update", "copy", 20, 5));
    tallyEntry(summary, entry("equal", "skip", 30, 30));
    tallyEntry(summary, entry("target-only", "delete", null, 40));
    tallyEntry(summary, entry("target-only", "keep", null, 50));
    tallyIntake(summary, "directory");
    tallyIntake(summary, "excluded");
    tallyIntake(summary, "excluded");
    tallyIntake(summary, "file");
    assert.deepEqual(summary, {
      new: { files: 1, bytes: 10 },
      update: { files: 1, bytes: 20 },
      equal: { files: 1, bytes: 30 },
      targetOnly: { files: 2, bytes: 90 },
      copy: { files: 2, bytes: 30 },
      hash: { files: 0, bytes: 0 },
      delete: { files: 1, bytes: 40 },
      failed: { files: 0, bytes: 0 },
      errors: 0,
      directories: 1,
      excluded: 2,
      outOfScope: 0,
    });
  });

  const guardCases: { name: string; given: { mirror: boolean; maxDeletions: number; deletes: number }; want: string | null }[] = [
    { name: "mirror off never errs", given: { mirror: false, maxDeletions: 0, deletes: 5 }, want: null },
    { name: "at the limit", given: { mirror: true, maxDeletions: 5, deletes: 5 }, want: null },
    {
      name: "over the limit",
      given: { mirror: true, maxDeletions: 4, deletes: 5 },
      want: "mirror would delete 5 objects (50 B), more than maxDeletions 4; check the target prefix, then raise maxDeletions or turn mirror off",
    },
  ];
  for (const c of guardCases) {
    it(`deletion guard: ${c.name}`, () => {
      const summary = emptySummary();
      for (let i = 0; i < c.given.deletes; i++) tallyEntry(summary, entry("target-only", "delete", null, 10));
      const prepared = preparePlan({ ...defaultPlanOptions(), mirror: c.given.mirror, maxDeletions: c.given.maxDeletions });
      const guard = deletionGuard(summary, prepared.plan);
      assert.equal(guard === null ? null : guard.message, c.want);
    });
  }
});
