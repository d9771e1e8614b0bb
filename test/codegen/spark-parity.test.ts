// The diff on Spark (src/job/spark_plan.py diff_on_spark, as flattened into dist/app.py) against the TypeScript core:
// every case of test/vectors/diff.json and 10,000 seeded random diff cases (listings with duplicates, unsorted
// targets, collisions, invalid names, filters, mirror and its guard, equality state), all computed in one
// `spark-submit --master local[2]` run, each case a plan of its own, its listings spread over partitions. Every case
// must give the same entries (in order), errors (in order) and summary as diffListings. Try other seeds with
//   LAKE2OCI_PARITY_SEED=123 node --import tsx --test test/codegen/spark-parity.test.ts
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { appPy, repoRoot, sparkSubmit } from "../../scripts/lib/spark-job.ts";
import { requireVenv } from "../helpers/python.ts";
import { randomDiffCases } from "./random-cases.ts";
import { diffCase } from "./vector-drivers.ts";

const SEED = Number(process.env.LAKE2OCI_PARITY_SEED ?? "20261207");
const RANDOM_CASES = 10000;

interface Case {
  id: number;
  label: string;
  // biome-ignore lint/suspicious/noExplicitAny: the diffCase driver's untyped JSON input.
  given: any;
}

describe("the diff on Spark gives what the TypeScript core gives", { timeout: 900_000 }, () => {
  let scratch: string;
  const cases: Case[] = [];
  const got = new Map<number, unknown>();

  before(async () => {
    requireVenv();
    scratch = mkdtempSync(join(tmpdir(), "lake2oci-spark-parity-"));
    const vectors = JSON.parse(readFileSync(join(repoRoot, "test/vectors/diff.json"), "utf8")).cases;
    for (const v of vectors) cases.push({ id: cases.length, label: `diff.json: ${v.name}`, given: v.given });
    randomDiffCases(SEED, RANDOM_CASES).forEach((given, i) => {
      cases.push({ id: cases.length, label: `random case ${i} (seed ${SEED})`, given });
    });
    const input = join(scratch, "cases.jsonl");
    writeFileSync(
      input,
      cases
        .map((c) =>
          JSON.stringify({ id: c.id, options: c.given.options ?? {}, sources: c.given.sources, targets: c.given.targets, state: c.given.state ?? null }),
        )
        .join("\n"),
    );
    const output = join(scratch, "results.jsonl");
    const run = await sparkSubmit([appPy, input, output], {
      script: join(repoRoot, "test/python/spark_diff_runner.py"),
      timeoutMs: 840_000,
    });
    assert.equal(run.code, 0, `spark-submit failed:\n${run.stderr.slice(-4000)}`);
    for (const line of readFileSync(output, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      const r = JSON.parse(line);
      got.set(r.id, { entries: r.entries, errors: r.errors, summary: r.summary });
    }
  });

  after(() => {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  it(`covers the vectors and ${RANDOM_CASES.toLocaleString("en-US")} random cases, with every kind of outcome`, () => {
    assert.equal(got.size, cases.length);
    assert.ok(cases.length >= RANDOM_CASES);
    const kinds = new Set<string>();
    for (const c of cases) {
      const want = diffCase(c.given);
      for (const e of want.errors) kinds.add(`error:${e.kind}`);
      for (const e of want.entries) kinds.add(`action:${e.action}`);
    }
    for (const kind of ["error:invalid-options", "error:invalid-listing", "error:invalid-name", "error:collision", "error:too-many-deletions"]) {
      assert.ok(kinds.has(kind), `no case gives ${kind}`);
    }
    for (const action of ["copy", "skip", "delete", "keep", "hash", "fail"]) assert.ok(kinds.has(`action:${action}`), `no case plans ${action}`);
  });

  it("every case: the same entries, errors and summary as diffListings", () => {
    let compared = 0;
    for (const c of cases) {
      const want = JSON.parse(JSON.stringify(diffCase(c.given)));
      assert.deepEqual(got.get(c.id), want, `${c.label} differs on Spark; input: ${JSON.stringify(c.given)}`);
      compared++;
    }
    assert.equal(compared, cases.length);
  });
});
