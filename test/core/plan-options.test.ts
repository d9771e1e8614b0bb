import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultPlanOptions, preparePlan } from "../../src/core/plan-options.ts";
import type { PlanOptions } from "../../src/core/plan-types.ts";

describe("plan options", () => {
  it("defaults: no prefix, no filters, size-md5, mirror off, 1,000 deletions at most, strictNames off", () => {
    assert.deepEqual(defaultPlanOptions(), { targetPrefix: "", include: [], exclude: [], compare: "size-md5", mirror: false, maxDeletions: 1000, strictNames: false });
  });

  const cases: { name: string; given: Partial<PlanOptions>; want: { prefix: string; filtering: boolean; mirror: boolean; errors: string[] } }[] = [
    { name: "defaults", given: {}, want: { prefix: "", filtering: false, mirror: false, errors: [] } },
    { name: "prefix normalised", given: { targetPrefix: "//lake/raw//" }, want: { prefix: "lake/raw/", filtering: false, mirror: false, errors: [] } },
    { name: "include turns filtering on", given: { include: ["**"] }, want: { prefix: "", filtering: true, mirror: false, errors: [] } },
    { name: "exclude turns filtering on", given: { exclude: ["x"] }, want: { prefix: "", filtering: true, mirror: false, errors: [] } },
    { name: "mirror", given: { mirror: true, maxDeletions: 0 }, want: { prefix: "", filtering: false, mirror: true, errors: [] } },
    {
      name: "a prefix over the name limit",
      given: { targetPrefix: "p".repeat(1024) },
      want: { prefix: `${"p".repeat(1024)}/`, filtering: false, mirror: false, errors: ["targetPrefix"] },
    },
    { name: "NaN maxDeletions", given: { maxDeletions: Number.NaN }, want: { prefix: "", filtering: false, mirror: false, errors: ["maxDeletions"] } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { plan, errors } = preparePlan({ ...defaultPlanOptions(), ...c.given });
      assert.deepEqual(
        { prefix: plan.prefix, filtering: plan.filtering, mirror: plan.mirror, errors: errors.map((e) => e.names[0]) },
        c.want,
      );
    });
  }
});
