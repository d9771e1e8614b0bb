import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareNames } from "../../src/core/compare-names.ts";
import { diffListings } from "../../src/core/diff-listings.ts";
import { defaultPlanOptions } from "../../src/core/plan-options.ts";
import type { SourceEntry, TargetEntry } from "../../src/core/plan-types.ts";
import { type SyntheticOptions, syntheticCounts, syntheticSource, syntheticTarget } from "../../scripts/bench/synthetic-listing.ts";

async function all<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

describe("synthetic listings", () => {
  const options: SyntheticOptions = { files: 5000, seed: 3, filesPerDirectory: 400, sourcePageSize: 700, targetPageSize: 300 };

  it("are deterministic for a seed, and differ between seeds", async () => {
    assert.deepEqual(await all(syntheticSource(options)), await all(syntheticSource(options)));
    assert.deepEqual(await all(syntheticTarget(options)), await all(syntheticTarget(options)));
    const other = await all(syntheticSource({ ...options, seed: 4 }));
    assert.notDeepEqual(other, await all(syntheticSource(options)));
  });

  it("list every file once on the source side, not in name order, with Spark-style names", async () => {
    const sources = await all(syntheticSource(options));
    const files = sources.filter((s) => !s.isDirectory);
    assert.equal(files.length, 5000);
    assert.equal(new Set(files.map((s) => s.name)).size, 5000);
    const names = files.map((s) => s.name);
    assert.notDeepEqual(names, names.slice().sort(compareNames));
    assert.match(names[0], /^year=20\d\d\/month=(0[1-9]|1[0-2])\/day=\d\d\/part-\d{5}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.snappy\.parquet$/);
    assert.ok(sources.some((s) => s.isDirectory === true && s.name === "year=2000/month=01/day=01"));
  });

  it("list the target side strictly sorted, in pages of the asked size", async () => {
    let previous: string | null = null;
    for await (const page of syntheticTarget(options)) {
      assert.ok(page.length <= 300);
      for (const t of page) {
        if (previous !== null) assert.ok(compareNames(previous, t.name) < 0, `${previous} then ${t.name}`);
        previous = t.name;
      }
    }
  });

  it("hold the mix syntheticCounts announces, as the reference diff finds it", async () => {
    const sources: SourceEntry[] = await all(syntheticSource(options));
    const targets: TargetEntry[] = await all(syntheticTarget(options));
    const counts = syntheticCounts(options);
    const { summary, errors } = diffListings(sources, targets, defaultPlanOptions());
    assert.deepEqual(errors, []);
    assert.deepEqual(
      { new: summary.new, update: summary.update, equal: summary.equal, targetOnly: summary.targetOnly.files, directories: summary.directories, targets: targets.length },
      {
        new: { files: counts.new, bytes: counts.newBytes },
        update: { files: counts.update, bytes: counts.updateBytes },
        equal: { files: counts.equal, bytes: counts.equalBytes },
        targetOnly: counts.targetOnly,
        directories: counts.sourceDirectories,
        targets: counts.targetObjects,
      },
    );
    // The default mix: about 60% equal, 10% changed, 30% new, 30% target-only; equal objects over 128 MiB (a
    // multipart md5, no equality state) are planned as updates.
    assert.ok(counts.equal / 5000 > 0.4 && Math.abs((counts.equal + counts.update) / 5000 - 0.7) < 0.03);
    assert.ok(Math.abs(counts.targetOnly / 5000 - 0.3) < 0.03);
  });
});
