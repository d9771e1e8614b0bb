// The translated core in Python, with and without its native equivalents (codegen/shims/native.py): the time the
// Spark driver spends in diff_listings and partition_plan for a synthetic lake (synthetic-listing.ts: shuffled source
// side with directories, sorted target side), and the same diff in Node for reference. Two diffs: the defaults
// (no filters), and with a target prefix, an include and two exclude patterns (every name goes through the glob
// matcher). Each Python variant runs in a process of its own; the two must produce the same plan (checked outside
// the timed part, by a digest of the JSON of the results). A figure is the best of three runs when a run takes under
// 5 s (the translation alone takes minutes at 200,000 files: one run), each after a full garbage collection.
// partition_plan has no native: its ratio shows the noise of the machine.
//
// Prints a table and, last, one JSON line {"bench":"core-python-bench","results":[...],"speedup":{...}}.
// Usage: tsx scripts/bench/core-python-bench.ts [--files N] [--quick]   (default 200,000 files; --quick: 20,000)
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { emitCoreModule } from "../../codegen/emit-core.ts";
import { inspectCore } from "../../codegen/inspect-core.ts";
import { diffListings } from "../../src/core/diff-listings.ts";
import { defaultPartitionOptions, partitionPlan } from "../../src/core/partition.ts";
import { defaultPlanOptions } from "../../src/core/plan-options.ts";
import type { PlanOptions, SourceEntry, TargetEntry } from "../../src/core/plan-types.ts";
import { syntheticSource, syntheticTarget } from "./synthetic-listing.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SEED = 20231124;
const TASKS = 24;

/** The filtered diff's options (over the defaults): every source name is matched against three globs. */
const FILTERED: Partial<PlanOptions> = {
  targetPrefix: "backup/",
  include: ["**/*.parquet"],
  exclude: ["year=2001/**", "**/part-0000?-*"],
};

interface Timing {
  variant: string;
  diffSeconds: number;
  filteredDiffSeconds: number;
  partitionSeconds: number;
  entries: number;
  filteredEntries: number;
  digest: string;
}

// Loads the listing, times the two diffs and the partitioning, prints one JSON line.
const PYTHON_RUNNER = `
import gc, hashlib, importlib, json, sys, time
sys.path.insert(0, sys.argv[1])
core = importlib.import_module(sys.argv[2])
data = json.load(open(sys.argv[3]))
filtered_options = json.loads(sys.argv[4])
tasks = int(sys.argv[5])

def timed(call):
    # The best of three runs when one is short (under 5 s), to damp noise from a shared machine; each starts after a
    # full collection, with the previous run's result freed.
    best = None
    result = None
    for _ in range(3):
        result = None
        gc.collect()
        started = time.perf_counter()
        result = call()
        took = time.perf_counter() - started
        best = took if best is None else min(best, took)
        if took >= 5:
            break
    return best, result

options = core.default_plan_options()
diff_seconds, plan = timed(lambda: core.diff_listings(data["sources"], data["targets"], options))
partition_seconds, parts = timed(lambda: core.partition_plan(plan["entries"], core.default_partition_options(tasks)))
filtered = {**core.default_plan_options(), **filtered_options}
filtered_seconds, filtered_plan = timed(lambda: core.diff_listings(data["sources"], data["targets"], filtered))
digest = hashlib.sha256(json.dumps([plan, filtered_plan, parts], sort_keys=True).encode("utf-8", "surrogatepass")).hexdigest()
print(json.dumps({"diffSeconds": diff_seconds, "filteredDiffSeconds": filtered_seconds,
                  "partitionSeconds": partition_seconds, "entries": len(plan["entries"]),
                  "filteredEntries": len(filtered_plan["entries"]), "digest": digest[:16]}))
`;

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) for (const item of page) out.push(item);
  return out;
}

/** The best of three runs, in seconds. */
function seconds(call: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    call();
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return best;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { files: { type: "string" }, quick: { type: "boolean" } } });
  const files = Number(values.files ?? (values.quick ? "20000" : "200000"));
  if (!Number.isInteger(files) || files < 1) {
    process.stderr.write(`core-python-bench: --files must be a whole number, 1 or more (got ${values.files})\n`);
    return 2;
  }
  const python = join(root, ".venv", "bin", "python");
  if (!existsSync(python)) {
    process.stderr.write(`core-python-bench: ${python} is missing: run \`npm run setup:python\`\n`);
    return 2;
  }
  const listing = { files, seed: SEED };
  const sources: SourceEntry[] = await collect(syntheticSource(listing));
  const targets: TargetEntry[] = await collect(syntheticTarget(listing));

  const nodeOptions = defaultPlanOptions();
  const nodePlan = diffListings(sources, targets, nodeOptions);
  const nodeDiff = seconds(() => diffListings(sources, targets, nodeOptions));
  const nodeFiltered = seconds(() => diffListings(sources, targets, { ...defaultPlanOptions(), ...FILTERED }));
  const nodePartition = seconds(() => partitionPlan(nodePlan.entries, defaultPartitionOptions(TASKS)));

  const dir = mkdtempSync(join(tmpdir(), "lake2oci-core-bench-"));
  try {
    const model = inspectCore({ root });
    writeFileSync(join(dir, "core_native.py"), emitCoreModule(model, root));
    writeFileSync(join(dir, "core_translated.py"), emitCoreModule(model, root, { natives: false }));
    writeFileSync(join(dir, "runner.py"), PYTHON_RUNNER);
    writeFileSync(join(dir, "listing.json"), JSON.stringify({ sources, targets }));
    const timings: Timing[] = [];
    for (const [variant, module] of [
      ["python, natives", "core_native"],
      ["python, translation only", "core_translated"],
    ]) {
      process.stderr.write(`core-python-bench: ${variant}, ${files} files...\n`);
      const args = [join(dir, "runner.py"), dir, module, join(dir, "listing.json"), JSON.stringify(FILTERED), String(TASKS)];
      const run = spawnSync(python, args, { encoding: "utf8", maxBuffer: 1 << 20 });
      if (run.status !== 0) {
        process.stderr.write(`core-python-bench: ${variant} failed (exit ${run.status}):\n${run.stderr}\n`);
        return 1;
      }
      timings.push({ variant, ...(JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as Omit<Timing, "variant">) });
    }
    const [native, translated] = timings;
    const samePlan = native.digest === translated.digest;
    const ratio = (a: number, b: number) => Math.round((a / b) * 10) / 10;
    const speedup = {
      diff: ratio(translated.diffSeconds, native.diffSeconds),
      filteredDiff: ratio(translated.filteredDiffSeconds, native.filteredDiffSeconds),
      partitionNoNative: ratio(translated.partitionSeconds, native.partitionSeconds),
    };
    const rows = [
      ...timings.map((t) => [t.variant, t.diffSeconds, t.filteredDiffSeconds, t.partitionSeconds]),
      ["node (TypeScript core)", nodeDiff, nodeFiltered, nodePartition],
    ];
    const fmt = (x: string | number) => (typeof x === "number" ? `${x.toFixed(2)} s` : x).padEnd(26);
    process.stdout.write(
      `core in Python: ${sources.length} source entries, ${targets.length} target objects, ${native.entries} plan entries\n`,
    );
    process.stdout.write(`${["", "diff_listings", "diff_listings, filtered", "partition_plan"].map(fmt).join("")}\n`);
    for (const r of rows) process.stdout.write(`${r.map(fmt).join("")}\n`);
    process.stdout.write(
      `speed-up of the natives: diff ${speedup.diff}x, filtered diff ${speedup.filteredDiff}x ` +
        `(partition_plan, which has none: ${speedup.partitionNoNative}x); ` +
        `same plans: ${samePlan ? "yes" : "NO"}\n`,
    );
    const nodeRow = { variant: "node", diffSeconds: nodeDiff, filteredDiffSeconds: nodeFiltered, partitionSeconds: nodePartition };
    process.stdout.write(`${JSON.stringify({ bench: "core-python-bench", files, results: [...timings, nodeRow], speedup, samePlan })}\n`);
    return samePlan ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
