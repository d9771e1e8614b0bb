// The planner's scale benchmark: the engine (src/planner/diff-streams.ts) diffing synthetic listings
// (synthetic-listing.ts: shuffled source side, sorted target side, 60% equal / 10% changed / 30% new files plus
// 30% target-only objects) at 1,000,000 x 1,000,000 and 10,000,000 x 10,000,000 entries, and a naive baseline (a Map
// of every target object, then one lookup per source file, no sort, output in source order) at 1,000,000.
// Each case runs in a child process of its own so that its peak RSS (process.resourceUsage().maxRSS) is its own.
//
// Time is wall time of the whole diff, listings included; the time spent inside the synthetic listing generators
// is measured on its own and subtracted to give the engine's time (a real lister's time, spent on the network and
// in JSON parsing, is not the planner's). CPU time is printed too: on a shared machine it varies less than wall time.
// Every case checks its totals against what the generator announces (syntheticCounts), outside the timed part.
//
// Targets (issue 3): 1M x 1M in under 3 s and under 600 MB peak RSS; 10M x 10M under 1.5 GB peak RSS.
// Prints a table and, last, one JSON line {"bench":"diff-bench","results":[...]}.
// Usage: tsx scripts/bench/diff-bench.ts [--quick] [--cases engine-1m,baseline-1m,engine-10m,plan-file-1m]
//   --quick  runs 100,000 and 1,000,000 instead of 1,000,000 and 10,000,000 (a smoke run of a few seconds)
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { judgeFile } from "../../src/core/judge-file.ts";
import { defaultPlanOptions } from "../../src/core/plan-options.ts";
import { emptySummary, tallyEntry } from "../../src/core/plan-summary.ts";
import type { PlanEntry, PlanSummary, TargetEntry } from "../../src/core/plan-types.ts";
import { diffStreams, type EngineStats } from "../../src/planner/diff-streams.ts";
import { writePlan } from "../../src/planner/plan-file.ts";
import { type SyntheticOptions, syntheticCounts, syntheticSource, syntheticTarget } from "./synthetic-listing.ts";

type CaseKind = "engine" | "baseline" | "plan-file";

interface CaseSpec {
  name: string;
  kind: CaseKind;
  files: number;
  /** Limits the result is judged against (null: reported only). */
  maxSeconds: number | null;
  maxRssMB: number | null;
}

interface CaseResult {
  name: string;
  kind: CaseKind;
  files: number;
  sourceEntries: number;
  targetEntries: number;
  planEntries: number;
  wallSeconds: number;
  /** Wall time minus the time spent inside the synthetic listing generators. */
  engineSeconds: number;
  generatorSeconds: number;
  cpuSeconds: number;
  peakRssMB: number;
  spilledRuns: number;
  phases: { sourcePhaseSeconds: number; sortSeconds: number; mergeSeconds: number } | null;
  planFileMB: number | null;
  totalsMatch: boolean;
  maxSeconds: number | null;
  maxRssMB: number | null;
  /** Null when no limit applies. */
  withinLimits: boolean | null;
}

const SEED = 20231124;

/** Sums the time spent inside an async iterable's next(): the listing generator's own work. */
function timed<T>(pages: AsyncIterable<T>, clock: { ms: number }): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const inner = pages[Symbol.asyncIterator]();
      return {
        async next() {
          const started = performance.now();
          const result = await inner.next();
          clock.ms += performance.now() - started;
          return result;
        },
        async return(value?: unknown) {
          await inner.return?.(value);
          return { done: true as const, value: undefined };
        },
      };
    },
  };
}

/** The naive approach: every target in a Map, one lookup per source, the rest target-only. Same verdicts. */
async function naiveDiff(listing: SyntheticOptions, clock: { ms: number }): Promise<{ summary: PlanSummary; entries: number }> {
  const byName = new Map<string, TargetEntry>();
  for await (const page of timed(syntheticTarget(listing), clock)) for (const t of page) byName.set(t.name, t);
  const summary = emptySummary();
  let entries = 0;
  const batch: PlanEntry[] = [];
  const flush = () => {
    for (const e of batch) tallyEntry(summary, e);
    entries += batch.length;
    batch.length = 0;
  };
  for await (const page of timed(syntheticSource(listing), clock)) {
    for (const s of page) {
      if (s.isDirectory) {
        summary.directories++;
        continue;
      }
      const md5 = s.md5 ?? "";
      const t = byName.get(s.name);
      if (t === undefined) {
        batch.push({ sourceName: s.name, sourceSize: s.size, targetName: s.name, targetSize: null, status: "new", action: "copy", evidence: "absent", reason: "no object of that name in the target" });
      } else {
        byName.delete(s.name);
        const v = judgeFile({ sourceName: s.name, targetName: s.name, size: s.size, md5, version: "" }, t, "size-md5");
        batch.push({ sourceName: s.name, sourceSize: s.size, targetName: t.name, targetSize: t.size, status: v.status, action: v.action, evidence: v.evidence, reason: v.reason });
      }
      if (batch.length >= 8192) flush();
    }
  }
  for (const t of byName.values()) {
    batch.push({ sourceName: null, sourceSize: null, targetName: t.name, targetSize: t.size, status: "target-only", action: "keep", evidence: "absent", reason: "not in the source; kept (mirror is off)" });
    if (batch.length >= 8192) flush();
  }
  flush();
  return { summary, entries };
}

async function runCase(spec: CaseSpec): Promise<CaseResult> {
  const listing: SyntheticOptions = { files: spec.files, seed: SEED };
  const clock = { ms: 0 };
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  let summary: PlanSummary | null = null;
  let stats: EngineStats | null = null;
  let planEntries = 0;
  let planFileMB: number | null = null;
  if (spec.kind === "baseline") {
    const naive = await naiveDiff(listing, clock);
    summary = naive.summary;
    planEntries = naive.entries;
  } else if (spec.kind === "engine") {
    for await (const batch of diffStreams(timed(syntheticSource(listing), clock), timed(syntheticTarget(listing), clock), defaultPlanOptions())) {
      planEntries += batch.entries.length;
      if (batch.summary !== null) {
        summary = batch.summary;
        stats = batch.stats;
      }
    }
  } else {
    const dir = await mkdtemp(join(tmpdir(), "lake2oci-bench-plan-"));
    try {
      const path = join(dir, "plan.jsonl");
      const options = defaultPlanOptions();
      const stream = diffStreams(timed(syntheticSource(listing), clock), timed(syntheticTarget(listing), clock), options);
      async function* counted() {
        for await (const batch of stream) {
          planEntries += batch.entries.length;
          if (batch.stats !== null) stats = batch.stats;
          yield batch;
        }
      }
      summary = await writePlan(path, counted(), { options });
      planFileMB = (await stat(path)).size / 1e6;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  if (summary === null) throw new Error(`${spec.name}: the diff ended without a summary`);
  const want = syntheticCounts(listing);
  const totalsMatch =
    summary.new.files === want.new &&
    summary.new.bytes === want.newBytes &&
    summary.update.files === want.update &&
    summary.update.bytes === want.updateBytes &&
    summary.equal.files === want.equal &&
    summary.equal.bytes === want.equalBytes &&
    summary.targetOnly.files === want.targetOnly &&
    summary.directories === want.sourceDirectories &&
    planEntries === want.new + want.update + want.equal + want.targetOnly;
  const engineSeconds = (wallMs - clock.ms) / 1000;
  const limited = spec.maxSeconds !== null || spec.maxRssMB !== null;
  const s = stats as EngineStats | null;
  return {
    name: spec.name,
    kind: spec.kind,
    files: spec.files,
    sourceEntries: want.sourceFiles + want.sourceDirectories,
    targetEntries: want.targetObjects,
    planEntries,
    wallSeconds: wallMs / 1000,
    engineSeconds,
    generatorSeconds: clock.ms / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMB,
    spilledRuns: s === null ? 0 : s.spilledRuns,
    phases: s === null ? null : { sourcePhaseSeconds: s.sourcePhaseMs / 1000, sortSeconds: s.sortMs / 1000, mergeSeconds: s.mergeMs / 1000 },
    planFileMB,
    totalsMatch,
    maxSeconds: spec.maxSeconds,
    maxRssMB: spec.maxRssMB,
    withinLimits: limited
      ? totalsMatch && (spec.maxSeconds === null || engineSeconds < spec.maxSeconds) && (spec.maxRssMB === null || peakRssMB < spec.maxRssMB)
      : null,
  };
}

function allCases(quick: boolean): CaseSpec[] {
  const small = quick ? 100_000 : 1_000_000;
  const large = quick ? 1_000_000 : 10_000_000;
  const tag = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}m` : `${n / 1000}k`);
  return [
    { name: `engine-${tag(small)}`, kind: "engine", files: small, maxSeconds: quick ? null : 3, maxRssMB: quick ? null : 600 },
    { name: `baseline-${tag(small)}`, kind: "baseline", files: small, maxSeconds: null, maxRssMB: null },
    { name: `plan-file-${tag(small)}`, kind: "plan-file", files: small, maxSeconds: null, maxRssMB: null },
    { name: `engine-${tag(large)}`, kind: "engine", files: large, maxSeconds: null, maxRssMB: quick ? null : 1500 },
  ];
}

function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: "boolean", default: false }, cases: { type: "string" }, child: { type: "string" } },
  });
  if (values.child !== undefined) {
    const result = await runCase(JSON.parse(values.child) as CaseSpec);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  let cases = allCases(values.quick === true);
  if (values.cases !== undefined) {
    const wanted = values.cases.split(",");
    for (const w of wanted) {
      if (!cases.some((c) => c.name === w)) throw new Error(`diff-bench: no case '${w}' (have: ${cases.map((c) => c.name).join(", ")})`);
    }
    cases = cases.filter((c) => wanted.includes(c.name));
  }
  const self = fileURLToPath(import.meta.url);
  const results: CaseResult[] = [];
  console.log("case             files       wall s  engine s  listing s  cpu s  peak RSS MB  runs  totals  limits");
  for (const spec of cases) {
    const child = spawnSync(process.execPath, ["--import", "tsx", self, "--child", JSON.stringify(spec)], {
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (child.status !== 0) throw new Error(`diff-bench: case ${spec.name} failed (exit ${child.status}, signal ${child.signal})`);
    const result = JSON.parse(child.stdout.trim().split("\n").at(-1) as string) as CaseResult;
    results.push(result);
    const limits =
      result.withinLimits === null
        ? "-"
        : `${result.withinLimits ? "met" : "MISSED"} (<${result.maxSeconds ?? "-"} s, <${result.maxRssMB} MB)`;
    console.log(
      `${result.name.padEnd(14)} ${String(result.files).padStart(10)}  ${fmt(result.wallSeconds).padStart(7)}  ${fmt(result.engineSeconds).padStart(8)}  ${fmt(result.generatorSeconds).padStart(9)}  ${fmt(result.cpuSeconds, 1).padStart(5)}  ${fmt(result.peakRssMB, 0).padStart(11)}  ${String(result.spilledRuns).padStart(4)}  ${result.totalsMatch ? "ok" : "WRONG"}    ${limits}`,
    );
    if (result.phases !== null) {
      const p = result.phases;
      console.log(`  phases: sources read+sorted into runs ${fmt(p.sourcePhaseSeconds)} s, final sort ${fmt(p.sortSeconds)} s, merge ${fmt(p.mergeSeconds)} s${result.planFileMB === null ? "" : `; plan file ${fmt(result.planFileMB, 0)} MB`}`);
    }
  }
  const engine = results.find((r) => r.kind === "engine");
  const baseline = results.find((r) => r.kind === "baseline" && engine !== undefined && r.files === engine.files);
  let ratio: { engineTimeOverBaseline: number; engineRssOverBaseline: number } | null = null;
  if (engine !== undefined && baseline !== undefined) {
    ratio = { engineTimeOverBaseline: engine.engineSeconds / baseline.engineSeconds, engineRssOverBaseline: engine.peakRssMB / baseline.peakRssMB };
    console.log(
      `engine vs naive baseline at ${engine.files} files: time x${fmt(ratio.engineTimeOverBaseline)}, peak RSS x${fmt(ratio.engineRssOverBaseline)} (the baseline holds every target in memory and gives no name order; it cannot scale to 100M)`,
    );
  }
  console.log(JSON.stringify({ bench: "diff-bench", results, ratio }));
  if (results.some((r) => !r.totalsMatch)) process.exitCode = 1;
}

await main();
