// One plan format in both languages: a plan written by writePlan (what `lake2oci plan` writes) is read by the job's
// reader (src/job/plan_file.py, through the .venv python), and a plan written by the job's writer is read by
// readPlan, entries, errors and header alike.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { defaultPlanOptions } from "../../src/core/plan-options.ts";
import type { PlanEntry, PlanError, PlanOptions, SourceEntry, TargetEntry } from "../../src/core/plan-types.ts";
import { diffStreams } from "../../src/planner/diff-streams.ts";
import { readPlan, writePlan } from "../../src/planner/plan-file.ts";
import { repoRoot, requireVenv, runCommand } from "../helpers/python.ts";

async function* pages<T>(items: T[]): AsyncGenerator<T[]> {
  yield items;
}

const sources: SourceEntry[] = [
  { name: "b.parquet", size: 10, md5: "AAAAAAAAAAAAAAAAAAAAAA==" },
  { name: "a.parquet", size: 5 },
  { name: "tab\tand \"quotes\" 😀 é", size: 2 },
];
const targets: TargetEntry[] = [
  { name: "a.parquet", size: 5 },
  { name: "old.parquet", size: 7, md5: "QkJCQkJCQkJCQkJCQkJCQg==-2" },
];
const options: PlanOptions = { ...defaultPlanOptions(), mirror: true, maxDeletions: 0 };
const meta = {
  source: { type: "adls", account: "acct", fileSystem: "fs", path: "" },
  target: { namespace: "ns", bucket: "b", prefix: "" },
  createdBy: "lake2oci plan",
};

// Reads a plan with the job's reader and prints {header, records} as JSON; or writes one from such JSON.
const PY = `
import json, sys
sys.path.insert(0, ${JSON.stringify(join(repoRoot, "test", "python"))})
from runtime_loader import load_runtime
rt = load_runtime("plan_file")
mode, path = sys.argv[1], sys.argv[2]
if mode == "read":
    with rt.read_plan(rt.parse_plan_location(path)) as plan:
        print(json.dumps({"header": plan.header, "records": list(plan.records())}))
else:
    given = json.loads(open(sys.argv[3], encoding="utf-8").read())
    rt.write_plan(rt.parse_plan_location(path), given["entries"], given["errors"], given["summary"], given["options"],
                  given["meta"])
`;

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "lake2oci-plan-python-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readWithNode(path: string) {
  const plan = await readPlan(path);
  const records: ({ entry: PlanEntry } | { error: PlanError })[] = [];
  for await (const r of plan.records()) records.push(r.entry ? { entry: r.entry } : { error: r.error as PlanError });
  return { header: plan.header, records };
}

async function python(args: string[]) {
  const r = await runCommand(requireVenv(), ["-c", PY, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

describe("plan files across the two languages", () => {
  it("a plan written by writePlan is read by the job's reader", async () => {
    const path = join(dir, "from-node.jsonl");
    await writePlan(path, diffStreams(pages(sources), pages(targets), options), { options, meta });
    const fromNode = await readWithNode(path);
    assert.ok(fromNode.records.some((r) => "error" in r), "the case includes a plan error (too many deletions)");
    const fromPython = JSON.parse(await python(["read", path]));
    assert.deepEqual(fromPython, JSON.parse(JSON.stringify(fromNode)));
  });

  it("a plan written by the job's writer is read by readPlan", async () => {
    const source = join(dir, "from-node-2.jsonl");
    await writePlan(source, diffStreams(pages(sources), pages(targets), options), { options, meta });
    const want = await readWithNode(source);
    const input = join(dir, "input.json");
    const entries = want.records.flatMap((r) => ("entry" in r ? [r.entry] : []));
    const errors = want.records.flatMap((r) => ("error" in r ? [r.error] : []));
    const { writeFile } = await import("node:fs/promises");
    await writeFile(input, JSON.stringify({ entries, errors, summary: want.header.summary, options, meta: { ...meta, createdBy: "app.py" } }));
    const path = join(dir, "from-python.jsonl");
    await python(["write", path, input]);
    const got = await readWithNode(path);
    assert.deepEqual(got.records, want.records);
    assert.deepEqual({ ...got.header, meta: want.header.meta }, want.header);
    assert.equal(got.header.meta.createdBy, "app.py");
  });
});
