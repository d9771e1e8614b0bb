import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { diffListings } from "../../src/core/diff-listings.ts";
import { defaultPlanOptions } from "../../src/core/plan-options.ts";
import type { PlanEntry, PlanError, PlanOptions, SourceEntry, TargetEntry } from "../../src/core/plan-types.ts";
import { type PlanBatch, diffStreams } from "../../src/planner/diff-streams.ts";
import { PlanFileError, readPlan, writePlan } from "../../src/planner/plan-file.ts";

async function* pages<T>(items: T[]): AsyncGenerator<T[]> {
  yield items;
}

const sources: SourceEntry[] = [
  { name: "b.parquet", size: 10, md5: "AAAAAAAAAAAAAAAAAAAAAA==" },
  { name: "a.parquet", size: 5 },
  { name: "dir", size: 0, isDirectory: true },
  { name: "bad\nname", size: 1 },
  { name: "tab\tand \"quotes\" 😀", size: 2 },
];
const targets: TargetEntry[] = [
  { name: "a.parquet", size: 5 },
  { name: "old.parquet", size: 7, md5: "QkJCQkJCQkJCQkJCQkJCQg==-2" },
];
const options: PlanOptions = { ...defaultPlanOptions(), mirror: true, maxDeletions: 5, strictNames: true };

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "lake2oci-plan-file-test-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(path: string) {
  const plan = await readPlan(path);
  const entries: PlanEntry[] = [];
  const errors: PlanError[] = [];
  for await (const record of plan.records()) {
    if (record.entry !== undefined) entries.push(record.entry);
    else errors.push(record.error);
  }
  return { header: plan.header, entries, errors };
}

describe("plan file", () => {
  it("round-trips a plan: header with totals first, entries, then errors", async () => {
    const path = join(dir, "plan.jsonl");
    const summary = await writePlan(path, diffStreams(pages(sources), pages(targets), options), { options, meta: { source: "test" } });
    const want = diffListings(sources, targets, options);
    assert.deepEqual(summary, want.summary);
    const got = await readAll(path);
    assert.deepEqual(got.entries, want.entries);
    assert.deepEqual(got.errors, want.errors);
    assert.deepEqual(got.header, {
      kind: "lake2oci-plan",
      version: 1,
      valid: false,
      entries: want.entries.length,
      errors: 1,
      summary: want.summary,
      options,
      meta: { source: "test" },
    });
    const lines = (await readFile(path, "utf8")).split("\n");
    assert.equal(lines.length, 1 + want.entries.length + 1 + 1, "header, entries, one error, final newline");
    assert.match(lines[0], /^\{"kind":"lake2oci-plan","version":1,"valid":false,"entries":4,"errors":1,.*\} +$/);
    assert.equal(lines[1], JSON.stringify(want.entries[0]));
    assert.equal(lines.at(-2), JSON.stringify({ error: want.errors[0] }));
    assert.deepEqual(await readdir(dir), ["plan.jsonl"], "temporary files left behind");
  });

  it("writes a valid plan as valid, and overwrites an older plan", async () => {
    const path = join(dir, "plan.jsonl");
    const fine = sources.filter((s) => !s.name.includes("\n"));
    await writePlan(path, diffStreams(pages(fine), pages(targets), options), { options });
    const got = await readAll(path);
    assert.equal(got.header.valid, true);
    assert.equal(got.header.errors, 0);
    assert.deepEqual(got.header.meta, {});
  });

  it("leaves nothing behind when the stream fails, and keeps the previous plan", async () => {
    const path = join(dir, "plan.jsonl");
    const before = await readFile(path, "utf8");
    async function* failing(): AsyncGenerator<PlanBatch> {
      yield { entries: [], errors: [], summary: null, stats: null };
      throw new Error("lister died");
    }
    await assert.rejects(writePlan(path, failing(), { options }), /lister died/);
    assert.equal(await readFile(path, "utf8"), before);
    assert.deepEqual(await readdir(dir), ["plan.jsonl"]);
  });

  it("refuses a stream that ends without its summary", async () => {
    async function* unfinished(): AsyncGenerator<PlanBatch> {
      yield { entries: [], errors: [], summary: null, stats: null };
    }
    await assert.rejects(writePlan(join(dir, "other.jsonl"), unfinished(), { options }), /ended without its summary/);
    assert.deepEqual(await readdir(dir), ["plan.jsonl"]);
  });

  it("refuses a truncated plan", async () => {
    const path = join(dir, "truncated.jsonl");
    await writePlan(path, diffStreams(pages(sources), pages(targets), options), { options });
    // Cut the last line (the error) off, at a byte offset.
    const bytes = await readFile(path);
    await truncate(path, bytes.lastIndexOf(0x0a, bytes.length - 2) + 1);
    await assert.rejects(readAll(path), (e: unknown) => e instanceof PlanFileError && /truncated or altered: its header announces 4 entries and 1 errors, the file holds 4 and 0/.test(e.message));
  });

  const badFiles: { name: string; text: string; want: RegExp }[] = [
    { name: "empty", text: "", want: /is empty/ },
    { name: "not JSON", text: "hello\n", want: /line 1: not a plan line/ },
    { name: "another kind", text: '{"kind":"something"}\n', want: /not a lake2oci plan header/ },
    { name: "a newer version", text: '{"kind":"lake2oci-plan","version":2}\n', want: /version 2 is not supported/ },
    { name: "no totals", text: '{"kind":"lake2oci-plan","version":1}\n', want: /lacks its totals/ },
  ];
  for (const c of badFiles) {
    it(`refuses a file that is ${c.name}`, async () => {
      const path = join(dir, `bad-${c.name.replaceAll(" ", "-")}.jsonl`);
      await writeFile(path, c.text);
      await assert.rejects(readPlan(path), (e: unknown) => e instanceof PlanFileError && c.want.test(e.message));
    });
  }

  it("names a missing file", async () => {
    await assert.rejects(readPlan(join(dir, "nope.jsonl")), (e: unknown) => e instanceof PlanFileError && /nope\.jsonl cannot be read/.test(e.message));
  });
});
