import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { diffListings } from "../../src/core/diff-listings.ts";
import { defaultPlanOptions } from "../../src/core/plan-options.ts";
import type { PlanEntry, PlanError, PlanOptions, PlanSummary, SourceEntry, TargetEntry } from "../../src/core/plan-types.ts";
import { type EngineStats, type EngineTuning, TargetListingError, diffStreams } from "../../src/planner/diff-streams.ts";
import { randomName, seededRandom } from "../core/seeded-random.ts";
import diffVectors from "../vectors/diff.json" with { type: "json" };

async function* pages<T>(items: T[], size: number): AsyncGenerator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

interface Collected {
  entries: PlanEntry[];
  errors: PlanError[];
  summary: PlanSummary | null;
  stats: EngineStats | null;
  batches: number;
}

async function collect(sources: SourceEntry[], targets: TargetEntry[], options: PlanOptions, tuning: EngineTuning, pageSize = 3): Promise<Collected> {
  const out: Collected = { entries: [], errors: [], summary: null, stats: null, batches: 0 };
  for await (const batch of diffStreams(pages(sources, pageSize), pages(targets, pageSize), options, tuning)) {
    out.entries.push(...batch.entries);
    out.errors.push(...batch.errors);
    out.batches++;
    if (batch.summary !== null) {
      assert.equal(out.summary, null, "two batches carry a summary");
      out.summary = batch.summary;
      out.stats = batch.stats;
    }
  }
  return out;
}

let temp = "";
before(async () => {
  temp = await mkdtemp(join(tmpdir(), "lake2oci-engine-test-"));
});
after(async () => {
  await rm(temp, { recursive: true, force: true });
});

describe("diffStreams gives exactly what diffListings gives", () => {
  for (const c of diffVectors.cases) {
    it(`vector: ${c.name}`, async () => {
      const options = { ...defaultPlanOptions(), ...c.given.options } as PlanOptions;
      const sources = c.given.sources as SourceEntry[];
      const targets = c.given.targets as TargetEntry[];
      const want = diffListings(sources, targets, options);
      const listingError = want.errors.find((e) => e.kind === "invalid-listing");
      // Sources reversed and in pages of 3, tiny runs: the order and the spills must not matter.
      const run = collect(sources.slice().reverse(), targets, options, { runSize: 2, maxOpenRuns: 2, tempDir: temp, batchSize: 2 });
      if (listingError !== undefined) {
        await assert.rejects(run, (e: unknown) => e instanceof TargetListingError && e.message === `planner: ${listingError.message}`);
        return;
      }
      const got = await run;
      assert.deepEqual(got.entries, want.entries);
      // Invalid-name errors follow source listing order, which was reversed here.
      const order = (errors: PlanError[]) => errors.map((e) => JSON.stringify(e)).sort();
      assert.deepEqual(order(got.errors), order(want.errors));
      assert.deepEqual(got.summary, want.summary);
    });
  }

  it("random listings, with and without spilling, with multi-pass merges", async () => {
    const random = seededRandom(8675309);
    const alphabet = ["a", "b", "/", "é", "😀", "\ufffd", "\t", "\\"];
    for (let round = 0; round < 25; round++) {
      const names = new Set<string>();
      const sources: SourceEntry[] = [];
      const count = random.below(400);
      for (let i = 0; i < count; i++) {
        const name = `d${random.below(3)}/${randomName(random, 4, alphabet)}`;
        names.add(name);
        sources.push({ name, size: random.below(3), md5: random.below(2) === 0 ? "" : random.pick(["x", "y"]), isDirectory: random.below(20) === 0 });
      }
      const targetNames = new Set<string>();
      for (const name of names) if (random.below(2) === 0) targetNames.add(name);
      for (let i = 0; i < count / 3; i++) targetNames.add(`d${random.below(4)}/${randomName(random, 4, alphabet)}`);
      const targets = Array.from(targetNames)
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
        .map((name) => ({ name, size: random.below(3), md5: random.pick(["x", "y", "x-2"]) }));
      const options: PlanOptions = {
        ...defaultPlanOptions(),
        targetPrefix: random.pick(["", "d1", "pre/fix"]),
        exclude: random.below(2) === 0 ? ["**/b*"] : [],
        mirror: random.below(2) === 0,
        maxDeletions: random.below(40),
        compare: random.pick(["size-md5", "size", "md5"] as const),
      };
      const want = diffListings(sources, targets, options);
      for (const tuning of [{}, { runSize: 7, maxOpenRuns: 3 }, { runSize: 50, maxOpenRuns: 64 }]) {
        const got = await collect(sources, targets, options, { ...tuning, tempDir: temp }, 1 + random.below(20));
        assert.deepEqual(got.entries, want.entries, `round ${round} ${JSON.stringify(tuning)}`);
        assert.deepEqual(got.errors, want.errors);
        assert.deepEqual(got.summary, want.summary);
      }
    }
  });
});

describe("diffStreams mechanics", () => {
  const sources = Array.from({ length: 100 }, (_, i): SourceEntry => ({ name: `f${String(i).padStart(3, "0")}`, size: i }));

  it("spills runs when the sources exceed runSize and reports it", async () => {
    const got = await collect(sources, [], defaultPlanOptions(), { runSize: 30, tempDir: temp }, 7);
    assert.equal(got.stats?.spilledRuns, 3);
    assert.equal(got.stats?.sourceEntries, 100);
    assert.equal(got.entries.length, 100);
    assert.deepEqual(await readdir(temp), [], "run files left behind");
  });

  it("yields batches of at most batchSize entries", async () => {
    let largest = 0;
    for await (const batch of diffStreams(pages(sources, 10), pages([], 1), defaultPlanOptions(), { batchSize: 16 })) {
      largest = Math.max(largest, batch.entries.length);
    }
    assert.equal(largest, 16);
  });

  it("removes its run files when the consumer stops early", async () => {
    const stream = diffStreams(pages(sources, 10), pages([], 1), defaultPlanOptions(), { runSize: 10, batchSize: 5, tempDir: temp });
    for await (const _ of stream) break;
    assert.deepEqual(await readdir(temp), []);
  });

  it("stops with TargetListingError on an unsorted target listing, and cleans up", async () => {
    const targets: TargetEntry[] = [{ name: "f050", size: 1 }, { name: "f010", size: 1 }];
    await assert.rejects(collect(sources, targets, defaultPlanOptions(), { runSize: 10, tempDir: temp }), {
      name: "TargetListingError",
      message: 'planner: the target listing is not in name order: "f010" comes after "f050"; object listings must be sorted by name in code point (UTF-8 byte) order',
    });
    assert.deepEqual(await readdir(temp), []);
  });

  it("passes a failing source listing's error through, and cleans up", async () => {
    async function* failing(): AsyncGenerator<SourceEntry[]> {
      yield sources.slice(0, 50);
      throw new Error("listing failed: 503");
    }
    const stream = diffStreams(failing(), pages([], 1), defaultPlanOptions(), { runSize: 10, tempDir: temp });
    await assert.rejects(async () => {
      for await (const _ of stream) {
        // drain
      }
    }, /listing failed: 503/);
    assert.deepEqual(await readdir(temp), []);
  });

  it("reports invalid options as plan errors without reading the listings", async () => {
    let read = false;
    async function* untouched(): AsyncGenerator<SourceEntry[]> {
      read = true;
      yield [];
    }
    const got: PlanError[] = [];
    for await (const batch of diffStreams(untouched(), pages([], 1), { ...defaultPlanOptions(), compare: "crc" as never })) got.push(...batch.errors);
    assert.equal(read, false);
    assert.deepEqual(got.map((e) => e.kind), ["invalid-options"]);
  });
});
