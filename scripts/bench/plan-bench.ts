// The planning benchmark (issue 11, deliverable 6): planning a synthetic lake (synthetic_store.py, the shape of
// synthetic-listing.ts) on Spark (dist/app.py's diff_on_spark under spark-submit --master local[2]; listings made on
// the executors, entries drained partition-wise to JSON-lines files, only counts on the driver) against today's
// driver path (both listings as Python lists in one process, then diff_listings: src/job/planning.py make_plan), run
// by plan_bench.py. Resident memory is read from /proc every 200 ms (VmHWM, so peaks between samples count): the
// baseline's process; under spark-submit the driver's Python process, the driver JVM (the local executor lives in it)
// and each PySpark worker (and their daemon; the maximum over them is reported).
//
// Figures. "plan" time: for Spark, from the call of diff_on_spark to the last entry written (listing on the
// executors included: the RDDs are lazy); for the baseline, listing into lists plus diff_listings ("diff only" is
// diff_listings alone, the listing being free there). With --listing-timing (default on) the Spark run first times a
// count of both RDDs: the synthetic store's own CPU cost on the executors. Targets: Spark >= 3x faster than the
// baseline (plan time; the diff-only ratio is printed beside it), driver Python RSS < 600 MB, each Python worker
// < 1 GB; 10,000,000 x 10,000,000 (--huge) completes with the same bounds. The summary of every run is checked against
// the store's expected counts; the bench exits 1 when one is wrong. The load average (1 minute) is printed with each
// run: on two cores, above 2 means the machine was shared.
//
// Usage: tsx scripts/bench/plan-bench.ts [--files N] [--huge] [--no-baseline] [--app FILE] [--partitions N]
//          [--driver-memory 2g] [--worker-memory 512m] [--no-listing-timing] [--check-order] [--stages]
//   --stages   also print where the Spark run's time goes: each stage (from Spark's event log) with its wall time, its
//              tasks' run time and shuffle bytes, the call site naming the line of app.py that started its job
//   --state    measure the equality state's read instead: a state of --files objects (kept in .cache/bench/plan-state)
//              read whole into a dict on one process (the baseline, the job before session 5) and by the executors in
//              byte ranges (read_state_on_spark); the driver's memory is the figure
//   --profile  profile the Python workers (spark.python.profile: one cProfile per RDD, pickling included) and print
//              the costliest functions of each of the costliest RDDs (the profiler slows the run: not for figures)
// Prints a table and, last, one JSON line {"bench":"plan-bench", ...}.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { appPy, repoRoot, venvBin } from "../lib/spark-job.ts";
import { commandLine, descendants, memoryOf, processTree } from "./proc-tree.ts";

const here = join(repoRoot, "scripts", "bench");
const python = join(venvBin, "python");
const MB = 1024 * 1024;

const { values: flags } = parseArgs({
  options: {
    files: { type: "string", default: "1000000" },
    huge: { type: "boolean", default: false },
    "no-baseline": { type: "boolean", default: false },
    app: { type: "string", default: appPy },
    partitions: { type: "string", default: "0" },
    "driver-memory": { type: "string", default: "2g" },
    "worker-memory": { type: "string", default: "512m" },
    "no-listing-timing": { type: "boolean", default: false },
    "check-order": { type: "boolean", default: false },
    stages: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    state: { type: "boolean", default: false },
  },
});
/** --state: read an equality state of --files objects (written once, kept here) instead of planning. */
const stateDir = join(repoRoot, ".cache", "bench", "plan-state");
const stateArgs = flags.state ? ["--state", "--out", stateDir] : [];
const files = Number(flags.files);
if (!Number.isInteger(files) || files < 1) throw new Error(`--files must be a whole number >= 1 (got ${flags.files})`);

/** The Spark settings of the run (beside local[2], the UI off and everything bound to 127.0.0.1). */
const SPARK_CONF: Record<string, string> = {
  // The Python worker's memory before PySpark's groupByKey and sortByKey spill to disk (per worker).
  "spark.python.worker.memory": flags["worker-memory"],
  "spark.python.worker.reuse": "true",
  "spark.task.maxFailures": "1",
};

interface Sampled {
  code: number | null;
  wallSeconds: number;
  stdout: string;
  stderr: string;
  /** Peak RSS (bytes) per role: for "worker", the maximum over the worker processes. */
  peaks: Record<string, number>;
  workers: number;
  loadBefore: number;
  loadAfter: number;
}

/** The role of a process under the run, from its command line. */
function roleOf(cmd: string): string | undefined {
  if (/\bjava\b/.test(cmd) || cmd.includes("org.apache.spark.deploy.SparkSubmit")) return "jvm";
  if (cmd.includes("plan_bench.py")) return "driver";
  if (cmd.includes("pyspark.daemon") || cmd.includes("pyspark/worker") || cmd.includes("pyspark.worker")) return "worker";
  return undefined;
}

async function runSampled(command: string[], env: Record<string, string>): Promise<Sampled> {
  const loadBefore = os.loadavg()[0];
  const started = performance.now();
  const child = spawn(command[0], command.slice(1), {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    stdout += `${line}\n`;
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 4 * MB) stderr = stderr.slice(-MB);
  });
  const peaks: Record<string, number> = {};
  const workerPids = new Set<number>();
  const sample = () => {
    if (child.pid === undefined) return;
    const pids = [child.pid, ...processTree(child.pid).map((p) => p.pid)];
    for (const pid of pids) {
      // Read each time: a process forked by the JVM shows the JVM's command line until it execs.
      const cmd = commandLine(pid);
      if (cmd === "") continue;
      const role = pid === child.pid && command[0] === python ? "driver" : roleOf(cmd);
      if (role === undefined) continue;
      if (role === "worker") workerPids.add(pid);
      const m = memoryOf(pid);
      peaks[role] = Math.max(peaks[role] ?? 0, m.peak, m.rss);
    }
  };
  const sampler = setInterval(sample, 200);
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  clearInterval(sampler);
  return {
    code,
    wallSeconds: (performance.now() - started) / 1000,
    stdout,
    stderr,
    peaks,
    workers: workerPids.size,
    loadBefore,
    loadAfter: os.loadavg()[0],
  };
}

function lastJson(out: string): Record<string, unknown> {
  const line = out.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (!line) throw new Error("plan_bench.py printed no JSON line");
  return JSON.parse(line) as Record<string, unknown>;
}

function otherSparkSubmits(): number {
  return descendants(1).filter((pid) => commandLine(pid).includes("org.apache.spark.deploy.SparkSubmit")).length;
}

interface Row {
  way: string;
  files: number;
  planSeconds: number;
  diffOnlySeconds?: number;
  listingSeconds?: number;
  sparkDiffSeconds?: number;
  drainSeconds?: number;
  wallSeconds: number;
  driverPythonMb: number;
  driverJvmMb?: number;
  maxWorkerMb?: number;
  workers?: number;
  entries: number;
  summaryOk: boolean;
  load: string;
  problems: string[];
}

async function baseline(n: number, app: string): Promise<Row> {
  process.stderr.write(`plan-bench: baseline (${flags.state ? "the state read whole" : "diff_listings in one process"}), ${n.toLocaleString("en")} files...\n`);
  const r = await runSampled([python, join(here, "plan_bench.py"), "--baseline", "--app", app, "--files", String(n), ...stateArgs], {
    PYTHONDONTWRITEBYTECODE: "1",
  });
  if (r.code !== 0 && r.code !== 1) throw new Error(`the baseline failed (exit ${r.code}):\n${r.stderr.slice(-3000)}`);
  const j = lastJson(r.stdout);
  return {
    way: flags.state ? "baseline state (read_equality_state: one dict)" : "baseline (driver lists, diff_listings)",
    files: n,
    planSeconds: Number(j.totalSeconds),
    diffOnlySeconds: Number(j.diffSeconds),
    listingSeconds: Number(j.listingSeconds),
    wallSeconds: r.wallSeconds,
    driverPythonMb: (r.peaks.driver ?? 0) / MB,
    entries: Number(j.entries),
    summaryOk: Boolean(j.summaryOk),
    load: `${r.loadBefore.toFixed(2)} -> ${r.loadAfter.toFixed(2)}`,
    problems: j.problems as string[],
  };
}

async function spark(n: number, app: string): Promise<Row> {
  const others = otherSparkSubmits();
  if (others > 0) process.stderr.write(`plan-bench: warning: ${others} other spark-submit running: the figures are shared\n`);
  process.stderr.write(`plan-bench: Spark (${flags.state ? "read_state_on_spark" : "diff_on_spark"}, local[2]), ${n.toLocaleString("en")} files...\n`);
  const out = mkdtempSync(join(os.tmpdir(), "lake2oci-plan-bench-"));
  try {
    const eventLog = join(out, "events");
    const stageConf: Record<string, string> = flags.stages
      ? { "spark.eventLog.enabled": "true", "spark.eventLog.dir": `file://${eventLog}` }
      : {};
    if (flags.stages) mkdirSync(eventLog);
    const profileDir = join(out, "profiles");
    if (flags.profile) stageConf["spark.python.profile"] = "true";
    const conf = Object.entries({ ...SPARK_CONF, ...stageConf }).flatMap(([k, v]) => ["--conf", `${k}=${v}`]);
    const r = await runSampled(
      [
        join(venvBin, "spark-submit"),
        ...["--master", "local[2]", "--driver-memory", flags["driver-memory"]],
        ...["--conf", "spark.ui.enabled=false", "--conf", "spark.ui.showConsoleProgress=false"],
        ...["--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1"],
        ...conf,
        ...["--py-files", `${app},${join(here, "synthetic_store.py")}`],
        join(here, "plan_bench.py"),
        ...["--app", app, "--files", String(n), "--partitions", flags.partitions],
        ...(flags.state ? stateArgs : ["--out", join(out, "entries")]),
        ...(flags["no-listing-timing"] ? [] : ["--listing-timing"]),
        ...(flags["check-order"] ? ["--check-order"] : []),
        ...(flags.profile ? ["--profile-dir", profileDir] : []),
      ],
      {
        PYSPARK_PYTHON: python,
        PYSPARK_DRIVER_PYTHON: python,
        SPARK_LOCAL_IP: "127.0.0.1",
        PYTHONDONTWRITEBYTECODE: "1",
        PYTHONUNBUFFERED: "1",
      },
    );
    if (r.code !== 0 && r.code !== 1) {
      throw new Error(`the Spark run failed (exit ${r.code}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-4000)}`);
    }
    const j = lastJson(r.stdout);
    if (flags.stages) printStages(eventLog);
    if (flags.profile) printProfiles(profileDir);
    return {
      way: flags.state ? "spark state (read_state_on_spark, local[2])" : "spark (diff_on_spark, local[2])",
      files: n,
      planSeconds: Number(j.totalSeconds),
      listingSeconds: j.listingSeconds === undefined ? undefined : Number(j.listingSeconds),
      sparkDiffSeconds: Number(j.diffSeconds),
      drainSeconds: Number(j.drainSeconds),
      wallSeconds: r.wallSeconds,
      driverPythonMb: (r.peaks.driver ?? 0) / MB,
      driverJvmMb: (r.peaks.jvm ?? 0) / MB,
      maxWorkerMb: (r.peaks.worker ?? 0) / MB,
      workers: r.workers,
      entries: Number(j.entries),
      summaryOk: Boolean(j.summaryOk),
      load: `${r.loadBefore.toFixed(2)} -> ${r.loadAfter.toFixed(2)}`,
      problems: j.problems as string[],
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Each stage of the run from Spark's event log: wall time, the sum of its tasks' run time, shuffle bytes, call site. */
function printStages(dir: string): void {
  const metric = (info: Record<string, unknown>, name: string) =>
    Number(((info.Accumulables as { Name: string; Value: unknown }[]) ?? []).find((a) => a.Name === name)?.Value ?? 0);
  const rows: string[] = [];
  let total = 0;
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
      if (!line.includes('"SparkListenerStageCompleted"')) continue;
      const info = (JSON.parse(line) as { "Stage Info": Record<string, unknown> })["Stage Info"];
      const wall = (Number(info["Completion Time"]) - Number(info["Submission Time"])) / 1000;
      total += wall;
      const run = metric(info, "internal.metrics.executorRunTime") / 1000;
      const read = metric(info, "internal.metrics.shuffle.read.remoteBytesRead") + metric(info, "internal.metrics.shuffle.read.localBytesRead");
      const written = metric(info, "internal.metrics.shuffle.write.bytesWritten");
      const name = String(info["Stage Name"]).replace(repoRoot, "").replace(/\/tmp\/[^ ]*\//, "");
      rows.push(
        `  stage ${String(info["Stage ID"]).padStart(3)} ${wall.toFixed(1).padStart(7)} s wall ${run.toFixed(1).padStart(7)} s tasks ` +
          `${String(info["Number of Tasks"]).padStart(4)} tasks  shuffle read ${(read / MB).toFixed(0).padStart(5)} MB ` +
          `written ${(written / MB).toFixed(0).padStart(5)} MB  ${name}`,
      );
    }
  }
  process.stdout.write(`stages of the Spark run (sum of stage wall times ${total.toFixed(1)} s):\n${rows.join("\n")}\n`);
}

/** The costliest functions (own time) of the five costliest RDDs of Python work, from the workers' profiles. */
const PROFILE_REPORT = `
import glob, io, os, pstats, sys
stats = [(pstats.Stats(f), os.path.basename(f)) for f in glob.glob(sys.argv[1] + "/*.pstats")]
stats.sort(key=lambda s: -s[0].total_tt)
print("  Python time of the workers, per RDD: " + ", ".join("%s %.1f s" % (n[:-7], s.total_tt) for s, n in stats))
for st, name in stats[:5]:
    out = io.StringIO()
    st.stream = out
    st.strip_dirs().sort_stats("tottime").print_stats(8)
    lines = [l for l in out.getvalue().splitlines() if l.strip() and "function calls" not in l and "Ordered by" not in l
             and "List reduced" not in l and not l.strip().endswith(".pstats")]
    print("  %s (%.1f s):" % (name[:-7], st.total_tt))
    print("\n".join("    " + l[:150] for l in lines))
`;

function printProfiles(dir: string): void {
  const r = spawnSync(python, ["-c", PROFILE_REPORT, dir], { encoding: "utf8" });
  process.stdout.write(`profile of the Spark run's Python workers:\n${r.stdout}${r.stderr}`);
}

async function main(): Promise<number> {
  const app = flags.app;
  if (!existsSync(python)) {
    process.stderr.write(`plan-bench: ${python} is missing: run \`npm run setup:python\`\n`);
    return 2;
  }
  if (!existsSync(app) || !/^def diff_on_spark\(/m.test(readFileSync(app, "utf8"))) {
    process.stderr.write(`plan-bench: ${app} has no diff_on_spark: run \`npm run build:app\` (or give --app)\n`);
    return 2;
  }
  const rows: Row[] = [];
  if (!flags["no-baseline"]) rows.push(await baseline(files, app));
  rows.push(await spark(files, app));
  if (flags.huge) rows.push(await spark(10_000_000, app));

  const fmt = (x: number | undefined, digits = 1) => (x === undefined || Number.isNaN(x) ? "-" : x.toFixed(digits));
  const header = ["way", "files", "plan s", "diff only s", "listing s", "diff_on_spark s", "drain s", "wall s", "driver py MB", "JVM MB", "max worker MB", "entries", "ok", "load"];
  process.stdout.write(`${header.join(" | ")}\n`);
  for (const r of rows) {
    process.stdout.write(
      `${[
        r.way,
        r.files.toLocaleString("en"),
        fmt(r.planSeconds),
        fmt(r.diffOnlySeconds),
        fmt(r.listingSeconds),
        fmt(r.sparkDiffSeconds),
        fmt(r.drainSeconds),
        fmt(r.wallSeconds),
        fmt(r.driverPythonMb, 0),
        fmt(r.driverJvmMb, 0),
        fmt(r.maxWorkerMb, 0),
        r.entries.toLocaleString("en"),
        r.summaryOk ? "yes" : "NO",
        r.load,
      ].join(" | ")}\n`,
    );
    for (const p of r.problems) process.stdout.write(`  problem: ${p}\n`);
  }
  const base = rows.find((r) => r.way.startsWith("baseline"));
  const main1 = rows.find((r) => r.way.startsWith("spark") && r.files === files);
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? Math.round((a / b) * 100) / 100 : undefined);
  const targets = {
    speedup: ratio(base?.planSeconds, main1?.planSeconds),
    speedupDiffOnly: ratio(base?.diffOnlySeconds, main1?.planSeconds),
    driverPythonMb: main1 ? Math.round(main1.driverPythonMb) : undefined,
    maxWorkerMb: main1 ? Math.round(main1.maxWorkerMb ?? 0) : undefined,
  };
  const met = {
    speedup: targets.speedup === undefined || flags.state ? undefined : targets.speedup >= 3,
    driverPython: rows.filter((r) => r.way.startsWith("spark")).every((r) => r.driverPythonMb < 600),
    worker: rows.filter((r) => r.way.startsWith("spark")).every((r) => (r.maxWorkerMb ?? 0) < 1024),
  };
  if (flags.state) {
    process.stdout.write(
      `state of ${files.toLocaleString("en")} objects: driver Python ${fmt(main1?.driverPythonMb, 0)} MB on Spark, ` +
        `${fmt(base?.driverPythonMb, 0)} MB read whole; read in ${fmt(main1?.planSeconds)} s on Spark, ${fmt(base?.planSeconds)} s whole\n`,
    );
  } else process.stdout.write(
    `targets: speed-up ${targets.speedup ?? "-"}x (>= 3x; diff_listings alone ${targets.speedupDiffOnly ?? "-"}x), ` +
      `driver Python ${targets.driverPythonMb ?? "-"} MB (< 600), max worker ${targets.maxWorkerMb ?? "-"} MB (< 1024)` +
      `${flags.huge ? "; 10,000,000 within the same bounds" : ""}: ` +
      `${met.speedup === false || !met.driverPython || !met.worker ? "NOT MET" : "met"}\n`,
  );
  process.stdout.write(
    `${JSON.stringify({ bench: "plan-bench", files, sparkConf: { ...SPARK_CONF, "spark.driver.memory": flags["driver-memory"] }, partitions: Number(flags.partitions), results: rows, targets, met })}\n`,
  );
  return rows.every((r) => r.summaryOk) ? 0 : 1;
}

process.exitCode = await main();
