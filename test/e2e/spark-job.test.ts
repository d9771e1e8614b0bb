// The Spark job end to end: `spark-submit --master local[2] dist/app.py` against the local cloud, on a lake of 300
// files (real parquet written by Spark, zero-byte files, deep nesting, names with spaces, unicode, `%`, `+` and `#`,
// and one 300 MiB file spread over several Spark tasks). One cloud and one lake serve every run, in order:
//   a. the first copy: every object byte-identical to its source, a log of 300 records in the original's format;
//   b. the same run again: all `equal`, not one write request reaches OCI, its own log of 300 `equal` records;
//   c. 5 files changed and 3 added: exactly those 8 copied, as `update` and `new`;
//   e. 10% of PUTs and part uploads answered 503 or 429 (Retry-After 1): everything copied, retries in the log;
//   f. the job killed midway and run again: refused while the killed run's lease lives, then with --break-lease
//      everything copied, no multipart upload left open, each run in its own log;
//   g. two runs started together: one copies, the other refuses with the lease line and exit 2, no record lost;
//   h. a plan made by `lake2oci plan` applied with --plan: exactly its entries copied, a file changed or deleted
//      between plan and apply logged failed in those words, a plan for another bucket refused.
// Each run writes its own log, <stem>.<run id>.json; the configured name holds the latest run's.
// (d, OAuth, is oauth.test.ts: it needs the TLS side of the local cloud.)
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pool } from "../../scripts/lib/seed-lake.ts";
import { ADLS_KEY_ENV, localJobValues, type SparkRun, sparkSubmit, writeJobFile } from "../../scripts/lib/spark-job.ts";
import { type LocalCloud, startLocalCloud } from "../../src/emulators/local-cloud.ts";
import { readPlan } from "../../src/planner/plan-file.ts";
import type { PlanEntry } from "../../src/core/plan-types.ts";
import { repoRoot, runCommand } from "../helpers/python.ts";
import {
  assertBucketMatches,
  assertRecordShape,
  azuriteContainer,
  type Bucket,
  createBucket,
  generatedFiles,
  type LakeFile,
  listBucket,
  type LogRecord,
  makeParquet,
  MIB,
  objectMd5,
  openUploads,
  outputTail,
  pendingRecords,
  putBigFile,
  putFile,
  readLog,
  runIdOf,
  runLogPath,
  runPlanPath,
  uploadParquet,
} from "./e2e-lake.ts";

const FILES = 300;
const PARQUET_FILES = 30; // make-parquet writes 3 year folders of 30 files: 90 parquet files
const BIG = "big/three hundred MiB.bin";
const BIG_SIZE = 300 * MIB;
const PART_SIZE = 8 * MIB;
const TASKS = 4;
/** Every request that writes to OCI: none may come when nothing changed. */
const WRITES = ["PutObject", "UploadPart", "CreateMultipartUpload", "CommitMultipartUpload", "AbortMultipartUpload", "ListMultipartUploads"];
const LEASE_LINE =
  /^lake2oci: another run \((\d{20}) on (\S+), pid (\d+)\) holds the lease (.+\.lease) until (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC; wait for it, or after a crash run again with --break-lease$/;
const escapeRe = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const mode = (path: string) => statSync(path).mode & 0o777;
/** The job's `lake2oci:` lines but its first (`lake2oci: run <id>`); spark-submit passes the driver's stderr on. */
const jobLines = (run: SparkRun) =>
  (run.stdout + run.stderr).split("\n").filter((l) => l.startsWith("lake2oci:") && !l.startsWith("lake2oci: run "));

describe("spark-submit dist/app.py against the local cloud", { timeout: 900_000 }, () => {
  let cloud: LocalCloud;
  let dir: string;
  let target: Bucket;
  /** The lake as it is now, by name. */
  const lake = new Map<string, LakeFile>();
  let bigMultipartMd5 = "";
  const mainLog = () => join(dir, "migration-log.json");

  const jobFile = (name: string, bucket: string, logPath: string, extra: Record<string, unknown> = {}) =>
    writeJobFile(
      join(dir, `${name}.json`),
      localJobValues(cloud, { fileSystem: "lake", bucket, logPath, extra: { tasks: TASKS, "part-size-mib": PART_SIZE / MIB, ...extra } }),
    );
  const submit = (job: string, options: { onStdout?: (chunk: string, kill: () => void) => void } = {}): Promise<SparkRun> =>
    sparkSubmit(["--job-file", job], { env: { [ADLS_KEY_ENV]: cloud.adls.accountKey }, timeoutMs: 300_000, ...options });

  before(async () => {
    cloud = await startLocalCloud();
    dir = await mkdtemp(join(tmpdir(), "lake2oci-e2e-"));
    // Spark writes the parquet while the other files are seeded.
    const parquet = makeParquet(join(dir, "parquet"), PARQUET_FILES, 3000);
    const fs = azuriteContainer(cloud, "lake");
    await fs.create();
    const generated = generatedFiles(FILES - 3 * PARQUET_FILES - 1);
    for (const f of await pool(generated, 16, (g) => putFile(fs, g.name, g.data))) lake.set(f.name, f);
    const big = await putBigFile(fs, BIG, BIG_SIZE, 42, PART_SIZE);
    lake.set(big.name, big);
    bigMultipartMd5 = big.multipartMd5;
    for (const f of await uploadParquet(fs, join(dir, "parquet"), await parquet, "warehouse")) lake.set(f.name, f);
    assert.equal(lake.size, FILES, "the seeded lake has 300 files");
    target = await createBucket(cloud, "target");
  });

  after(async () => {
    await cloud?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  let runA = "";

  it("a. copies 300 files byte for byte, the 300 MiB one spread over Spark tasks, and logs 300 records", { timeout: 400_000 }, async () => {
    cloud.oci.resetRequests();
    const run = await submit(await jobFile("a", "target", mainLog()));
    assert.equal(run.code, 0, outputTail(run));
    // A lake that fits in one listing page per side is listed by that one request, not in Spark units.
    assert.match(run.stdout, /^lake2oci: listing source: [\d,]+ entries \(done\), .*one page, listed on the driver$/m);
    assert.match(run.stdout, /^lake2oci: listing target: 0 entries \(done\), .*one page, listed on the driver$/m);
    const runId = runIdOf(run.stdout);
    // What the job sent OCI (taken before the checks below read the objects back).
    const counts = cloud.oci.requestCounts();
    const bigRequests = cloud.oci.requests().filter((q) => q.object === BIG);

    await assertBucketMatches(target, lake.values());
    assert.deepEqual(await openUploads(target), [], "no multipart upload left open");

    const log = readLog(mainLog());
    runA = runId;
    assert.deepEqual(readLog(runLogPath(mainLog(), runId)), log, "the run's own log, copied to the configured name");
    assert.equal(mode(mainLog()), 0o600);
    assert.equal(mode(runLogPath(mainLog(), runId)), 0o600);
    assert.ok(existsSync(runPlanPath(mainLog(), runId)), "the run's plan beside its log");
    assert.ok(!existsSync(`${mainLog()}.runs`), "no task log left");
    assert.ok(!existsSync(`${mainLog()}.lease`), "the lease is released");
    assert.equal(log.length, FILES, "one record per file, directories not recorded");
    assert.deepEqual(new Set(log.map((r) => r.source_name)), new Set(lake.keys()), "every file has its record");
    for (const r of log) {
      const f = lake.get(r.source_name) as LakeFile;
      assertRecordShape(r, runId);
      assert.equal(r.source_size, f.size, `${r.source_name}: source_size`);
      assert.equal(r.targe_size, f.size, `${r.source_name}: targe_size`);
      assert.equal(r.status, "new", `${r.source_name}: status`);
      assert.equal(r.outcome, "copied", `${r.source_name}: outcome`);
      assert.equal(r.verified, true, `${r.source_name}: verified`);
      assert.equal(r.error, null, `${r.source_name}: error`);
      assert.equal(r.attempts, 1, `${r.source_name}: attempts (no fault was injected)`);
      if (r.source_name === BIG) assert.equal(r.target_md5, bigMultipartMd5, "the big file's opc-multipart-md5");
      else assert.equal(r.target_md5, f.md5, `${r.source_name}: target_md5`);
    }

    // The big file went up as one multipart upload whose parts came from several Spark tasks.
    const parts = Math.ceil(BIG_SIZE / PART_SIZE);
    const committed = new RegExp(`^lake2oci: committed ${BIG}: (\\d+) parts uploaded by (\\d+) Spark task\\(s\\)$`, "m").exec(run.stdout);
    assert.ok(committed, `the job reports the commit of ${BIG}:\n${run.stdout}`);
    assert.equal(Number(committed[1]), parts);
    assert.ok(Number(committed[2]) > 1, `the parts of ${BIG} were spread over ${committed[2]} task(s)`);
    assert.equal(counts.CreateMultipartUpload, 1, "one multipart upload");
    assert.equal(counts.UploadPart, parts);
    assert.equal(counts.CommitMultipartUpload, 1);
    assert.deepEqual(
      [...new Set(bigRequests.map((q) => `${q.operation} ${q.status}`))].sort(),
      ["CommitMultipartUpload 200", "UploadPart 200"],
      "the big file's parts and commit, all accepted, and no PutObject",
    );
    assert.equal(counts.PutObject, FILES - 1, "one PutObject per file below the multipart threshold");
  });

  it("b. a second run finds all 300 files equal, sends OCI not one write and writes its own log of 300 equal records", { timeout: 200_000 }, async () => {
    const logA = readFileSync(runLogPath(mainLog(), runA), "utf8");
    cloud.oci.resetRequests();
    const run = await submit(await jobFile("b", "target", mainLog()));
    assert.equal(run.code, 0, outputTail(run));
    const runId = runIdOf(run.stdout);
    const counts = cloud.oci.requestCounts();

    const mine = readLog(runLogPath(mainLog(), runId));
    assert.equal(mine.length, FILES, "the no-op run records every file, in its own log");
    assert.deepEqual(readLog(mainLog()), mine, "the configured name holds the latest run's log");
    assert.equal(readFileSync(runLogPath(mainLog(), runA), "utf8"), logA, "the first run's log is not rewritten");
    for (const op of WRITES) assert.equal(counts[op], undefined, `no ${op} (requests: ${JSON.stringify(counts)})`);
    for (const r of mine) {
      assertRecordShape(r, runId);
      assert.equal(r.status, "equal", `${r.source_name}: status`);
      assert.equal(r.outcome, "skipped", `${r.source_name}: outcome`);
      assert.equal(r.targe_size, (lake.get(r.source_name) as LakeFile).size, `${r.source_name}: targe_size`);
    }
  });

  it("c. copies exactly the 5 changed and 3 added files, as update and new", { timeout: 200_000 }, async () => {
    const fs = azuriteContainer(cloud, "lake");
    const parquetNames = [...lake.keys()].filter((n) => n.endsWith(".parquet") && n.startsWith("warehouse/")).sort();
    const emptyName = "edge/empty.parquet";
    const changed = [parquetNames[0], emptyName, "edge/percent 100%.csv", "edge/ünïcödé/日本語-データ-😀.parquet", "misc/plus+dir/a+b=2.txt"];
    // A parquet file replaced by another one's bytes plus a footer-sized tail (other size), an empty file filled,
    // and the others grown: every changed file has a size of its own, as a rewritten file has.
    const otherParquet = lake.get(parquetNames[1]) as LakeFile;
    for (const name of changed) assert.ok(lake.has(name), `${name} is in the lake`);
    const newContent = (name: string, i: number) => Buffer.concat([Buffer.from(`changed ${name} ${i}\n`), Buffer.alloc((lake.get(name) as LakeFile).size + 17 * (i + 1), i + 1)]);
    for (const [i, name] of changed.entries()) {
      const data = i === 0 ? Buffer.concat([Buffer.alloc(otherParquet.size, 7), Buffer.from("PAR1")]) : newContent(name, i);
      assert.notEqual(data.length, (lake.get(name) as LakeFile).size);
      lake.set(name, await putFile(fs, name, data));
    }
    const added = ["warehouse/sales/year=2024/part-new ü+%.parquet", "edge/new file.txt", "raw/new/deep/nested/z.dat"];
    for (const [i, name] of added.entries()) {
      assert.ok(!lake.has(name));
      lake.set(name, await putFile(fs, name, Buffer.alloc(1000 + i * 4096, 40 + i)));
    }

    cloud.oci.resetRequests();
    const run = await submit(await jobFile("c", "target", mainLog()));
    assert.equal(run.code, 0, outputTail(run));
    const runId = runIdOf(run.stdout);
    const counts = cloud.oci.requestCounts();
    assert.equal(counts.PutObject, 8, `8 PutObject (requests: ${JSON.stringify(counts)})`);
    assert.equal(counts.UploadPart, undefined, "the big file is not sent again");
    const puts = cloud.oci.requests().filter((q) => q.operation === "PutObject").map((q) => q.object);
    assert.deepEqual(new Set(puts), new Set([...changed, ...added]));

    const mine = readLog(mainLog());
    assert.deepEqual(readLog(runLogPath(mainLog(), runId)), mine);
    assert.equal(mine.length, FILES + added.length);
    const by = (status: string, outcome: string) =>
      mine
        .filter((r) => r.status === status && r.outcome === outcome)
        .map((r) => r.source_name)
        .sort();
    assert.deepEqual(by("update", "copied"), [...changed].sort());
    assert.deepEqual(by("new", "copied"), [...added].sort());
    assert.equal(by("equal", "skipped").length, FILES - changed.length);
    for (const r of mine) {
      assertRecordShape(r, runId);
      if (r.outcome === "copied") {
        assert.equal(r.verified, true, r.source_name);
        assert.equal(r.targe_size, (lake.get(r.source_name) as LakeFile).size, `${r.source_name}: targe_size is the new size`);
      }
    }
    await assertBucketMatches(target, lake.values());
  });

  it("e. with 10% of PUTs and part uploads answered 503 or 429, copies everything and logs the retries", { timeout: 400_000 }, async () => {
    const bucket = await createBucket(cloud, "target-faults");
    const ids: Record<string, string> = {};
    let seed = 11;
    for (const operation of ["PutObject", "UploadPart"]) {
      for (const status of [503, 429]) {
        ids[`${operation} ${status}`] = cloud.oci.faults.add({
          operation,
          path: "/b/target-faults/",
          fraction: 0.05,
          seed: seed++,
          effect: { kind: "status", status, retryAfterSeconds: 1 },
        });
      }
    }
    const logPath = join(dir, "faults-log.json");
    cloud.oci.resetRequests();
    let run: SparkRun;
    try {
      run = await submit(await jobFile("e", "target-faults", logPath));
    } finally {
      for (const id of Object.values(ids)) cloud.oci.faults.remove(id);
    }
    assert.equal(run.code, 0, outputTail(run));
    const runId = runIdOf(run.stdout);
    const faulted = cloud.oci.requests().filter((q) => q.faults !== undefined && q.faults.length > 0);
    const firedOn = (operation: string, status: number) => faulted.filter((q) => q.operation === operation && q.status === status).length;
    for (const op of ["PutObject", "UploadPart"]) {
      assert.ok(firedOn(op, 503) + firedOn(op, 429) > 0, `some ${op} requests were refused`);
    }
    assert.ok(faulted.every((q) => q.status === 503 || q.status === 429));
    const puts = cloud.oci.requests().filter((q) => q.operation === "PutObject" || q.operation === "UploadPart");
    const share = faulted.length / puts.length;
    assert.ok(share > 0.04 && share < 0.2, `about 10% of PUTs refused (${faulted.length} of ${puts.length})`);

    await assertBucketMatches(bucket, lake.values());
    assert.deepEqual(await openUploads(bucket), []);
    const log = readLog(logPath);
    assert.equal(log.length, lake.size);
    for (const r of log) {
      assertRecordShape(r, runId);
      assert.equal(r.outcome, "copied", `${r.source_name}: ${r.error}`);
      assert.equal(r.verified, true);
    }
    // Each refused request cost its file one more attempt.
    const retried = log.filter((r) => r.attempts > 1);
    assert.ok(retried.length > 0, "some records show more than one attempt");
    const extra = log.reduce((n, r) => n + (r.attempts - 1), 0);
    assert.equal(extra, faulted.length, "the retries in the log add up to the refused requests");
    const big = log.find((r) => r.source_name === BIG) as LogRecord;
    assert.equal(big.attempts, 1 + faulted.filter((q) => q.object === BIG).length, "the big file's retries are its refused parts");
  });

  it("f. killed midway, the job runs again to the end: nothing corrupt, no upload left open, both runs logged", { timeout: 400_000 }, async () => {
    const bucket = await createBucket(cloud, "target-killed");
    const logPath = join(dir, "killed-log.json");
    const job = await jobFile("f", "target-killed", logPath);
    cloud.oci.resetRequests();
    let kill: (() => void) | undefined;
    let killedAt: { records: number; parts: number } | undefined;
    const first = submit(job, {
      onStdout: (_chunk, k) => {
        kill = k;
      },
    });
    // Kill the whole process group once some files are logged and the big file's upload is under way.
    const watcher = (async () => {
      for (;;) {
        await new Promise((r) => setTimeout(r, 100));
        if (killedAt) return;
        const parts = cloud.oci.requestCounts().UploadPart ?? 0;
        const records = await pendingRecords(logPath);
        if (kill && records >= 10 && parts >= 2) {
          killedAt = { records, parts };
          kill();
          return;
        }
      }
    })();
    const firstRun = await first;
    killedAt ??= { records: -1, parts: -1 };
    await watcher;
    assert.ok(killedAt.records >= 10, `the first run was killed midway (it ended on its own: ${firstRun.code}):\n${outputTail(firstRun)}`);
    assert.equal(firstRun.signal ?? "SIGKILL", "SIGKILL");
    assert.notEqual(firstRun.code, 0);
    const firstId = runIdOf(firstRun.stdout);
    const leftOpen = await openUploads(bucket);
    assert.deepEqual(leftOpen.map((u) => u.object), [BIG], "the killed run left the big file's upload open");
    // What the killed run left in the bucket is whole: every object there is byte-identical to its source.
    const leftBehind = await listBucket(bucket);
    assert.ok(leftBehind.size > 0 && leftBehind.size < lake.size, `the killed run copied some files (${leftBehind.size})`);
    await pool([...leftBehind.keys()], 8, async (name) => {
      const f = lake.get(name);
      assert.ok(f, `${name} has a source file`);
      assert.deepEqual(await objectMd5(bucket, name), { md5: f.md5, size: f.size }, `${name} is complete`);
    });

    // The killed run's lease still lives: a run now refuses, names it, and writes nothing.
    const refused = await submit(job);
    assert.equal(refused.code, 2, outputTail(refused));
    const lines = jobLines(refused);
    assert.equal(lines.length, 1, `one line says why:\n${outputTail(refused)}`);
    const held = LEASE_LINE.exec(lines[0]);
    assert.ok(held, lines[0]);
    assert.equal(held[1], firstId, "the line names the killed run");
    assert.equal(held[4], `${logPath}.lease`);
    assert.ok(!existsSync(runLogPath(logPath, runIdOf(refused.stdout))), "the refused run wrote no log");

    const second = await submit(await jobFile("f-break", "target-killed", logPath, { "break-lease": true }));
    assert.equal(second.code, 0, outputTail(second));
    const secondId = runIdOf(second.stdout);
    assert.match(second.stdout, /aborted 1 multipart upload\(s\) left open by an earlier run/);
    assert.match(second.stdout, new RegExp(`^lake2oci: run ${firstId} ended before writing its log: its \\d+ records are now in `, "m"));
    assert.deepEqual(await openUploads(bucket), [], "no multipart upload left open");
    await assertBucketMatches(bucket, lake.values());

    // Each run in its own log: the killed run's task logs were folded into its own, the second run's is also at
    // the configured name.
    const firstRecords = readLog(runLogPath(logPath, firstId));
    const secondRecords = readLog(logPath);
    assert.deepEqual(readLog(runLogPath(logPath, secondId)), secondRecords);
    assert.ok(!existsSync(`${logPath}.runs`), "no task log left");
    assert.ok(firstRecords.length >= killedAt.records, `the killed run's ${killedAt.records} finished records are in its log (${firstRecords.length})`);
    for (const r of firstRecords) {
      assertRecordShape(r, firstId);
      assert.equal(r.outcome, "copied", `${r.source_name}: the killed run logged only finished copies`);
      assert.equal(r.verified, true);
    }
    assert.equal(secondRecords.length, lake.size);
    const copiedFirst = new Set(firstRecords.map((r) => r.source_name));
    for (const r of secondRecords) {
      assertRecordShape(r, secondId);
      if (copiedFirst.has(r.source_name)) assert.equal(r.status, "equal", `${r.source_name}: copied by the killed run, equal now`);
      assert.ok(
        (r.status === "equal" && r.outcome === "skipped") || (r.status === "new" && r.outcome === "copied" && r.verified),
        `${r.source_name}: ${r.status}/${r.outcome}`,
      );
    }
    const big = secondRecords.find((r) => r.source_name === BIG) as LogRecord;
    assert.deepEqual([big.status, big.outcome, big.target_md5], ["new", "copied", bigMultipartMd5], "the big file is copied whole by the second run");
  });

  it("g. two runs started together: one copies, the other refuses with the lease line and exit 2, no record lost", { timeout: 400_000 }, async () => {
    const bucket = await createBucket(cloud, "target-together");
    const logPath = join(dir, "together-log.json");
    const job = await jobFile("g", "target-together", logPath, { "source-path": "warehouse" });
    const files = [...lake.values()].filter((f) => f.name.startsWith("warehouse/"));
    const runs = await Promise.all([submit(job), submit(job)]);
    const codes = runs.map((r) => r.code).sort();
    assert.deepEqual(codes, [0, 2], runs.map((r) => outputTail(r)).join("\n----\n"));
    const winner = runs.find((r) => r.code === 0) as SparkRun;
    const loser = runs.find((r) => r.code === 2) as SparkRun;
    const winnerId = runIdOf(winner.stdout);
    const loserId = runIdOf(loser.stdout);
    const lines = jobLines(loser);
    assert.equal(lines.length, 1, `one line says why:\n${outputTail(loser)}`);
    const held = LEASE_LINE.exec(lines[0]);
    assert.ok(held, lines[0]);
    assert.equal(held[1], winnerId, "the refusal names the run that holds the lease");
    assert.equal(held[4], `${logPath}.lease`);

    await assertBucketMatches(bucket, files);
    const log = readLog(logPath);
    assert.deepEqual(readLog(runLogPath(logPath, winnerId)), log);
    assert.equal(log.length, files.length, "one record per file: none lost");
    assert.deepEqual(new Set(log.map((r) => r.source_name)), new Set(files.map((f) => f.name)));
    for (const r of log) {
      assertRecordShape(r, winnerId);
      assert.deepEqual([r.status, r.outcome, r.verified], ["new", "copied", true], r.source_name);
    }
    assert.ok(!existsSync(runLogPath(logPath, loserId)), "the refused run wrote no log");
    assert.ok(!existsSync(`${logPath}.runs`), "no task log left");
    assert.ok(!existsSync(`${logPath}.lease`), "the lease is released");
  });

  it("h. a plan made by `lake2oci plan` applied with --plan copies exactly its entries; files changed or deleted since are logged failed in those words", { timeout: 400_000 }, async () => {
    const bucket = await createBucket(cloud, "target-plan");
    const config = {
      source: {
        type: "adls",
        accountName: cloud.adls.accountName,
        fileSystem: "lake",
        path: "misc",
        endpoint: cloud.adls.accountUrl,
        auth: { method: "key", accountKey: `env:${ADLS_KEY_ENV}` },
      },
      target: {
        bucket: "target-plan",
        namespace: cloud.oci.namespace,
        profile: "LOCAL",
        configFile: cloud.credentials.configFile,
        configProfile: cloud.credentials.profile,
        endpoint: cloud.oci.url,
      },
    };
    const configPath = join(dir, "plan-config.json");
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const planPath = join(dir, "misc-plan.jsonl");
    const made = await runCommand(process.execPath, ["--import", "tsx", join(repoRoot, "src", "cli", "main.ts"), "plan", "--config", configPath, "--out", planPath], {
      env: { [ADLS_KEY_ENV]: cloud.adls.accountKey },
    });
    assert.equal(made.code, 0, made.stderr);
    const plan = await readPlan(planPath);
    const entries: PlanEntry[] = [];
    for await (const r of plan.records()) if (r.entry) entries.push(r.entry);
    const inPlan = [...lake.values()].filter((f) => f.name.startsWith("misc/"));
    assert.deepEqual(new Set(entries.map((e) => e.sourceName)), new Set(inPlan.map((f) => f.name)));
    assert.ok(entries.every((e) => e.action === "copy" && e.status === "new"));

    // Between plan and apply: one file rewritten (another size), one deleted, one added (not in the plan).
    const fs = azuriteContainer(cloud, "lake");
    const small = inPlan.filter((f) => f.size > 0 && f.size < MIB).map((f) => f.name).sort();
    const [changed, deleted] = small;
    lake.set(changed, await putFile(fs, changed, Buffer.alloc((lake.get(changed) as LakeFile).size + 3, 9)));
    await fs.getBlockBlobClient(deleted).delete();
    lake.delete(deleted);
    const added = "misc/added after planning.txt";
    lake.set(added, await putFile(fs, added, Buffer.from("not in the plan")));

    const logPath = join(dir, "plan-log.json");
    // A plan for another target is refused before anything is written.
    const other = await submit(await jobFile("h-other", "target", logPath, { "source-path": "misc", plan: planPath }));
    assert.equal(other.code, 2, outputTail(other));
    const lines = jobLines(other);
    assert.equal(lines.length, 1, outputTail(other));
    assert.equal(lines[0], `lake2oci: plan ${planPath} was made for target.bucket "target-plan", this run has "target"; plan again, or run with the plan's settings`);

    const run = await submit(await jobFile("h", "target-plan", logPath, { "source-path": "misc", plan: planPath }));
    assert.equal(run.code, 1, outputTail(run));
    assert.match(run.stdout, new RegExp(`^lake2oci: applying plan ${escapeRe(planPath)} \\(${entries.length} entries, made by lake2oci plan\\); the source is not listed$`, "m"));
    const runId = runIdOf(run.stdout);
    const log = readLog(logPath);
    assert.deepEqual(new Set(log.map((r) => r.source_name)), new Set(entries.map((e) => e.sourceName)), "one record per plan entry, the added file not among them");
    const by = new Map(log.map((r) => [r.source_name, r]));
    const changedRecord = by.get(changed) as LogRecord;
    assert.equal(changedRecord.outcome, "failed");
    assert.match(changedRecord.error ?? "", new RegExp(`source ${escapeRe(changed)} changed since it was planned \\(.+\\); plan again$`));
    const deletedRecord = by.get(deleted) as LogRecord;
    assert.equal(deletedRecord.outcome, "failed");
    assert.match(deletedRecord.error ?? "", new RegExp(`source ${escapeRe(deleted)} was deleted since it was planned$`));
    for (const r of log) {
      assertRecordShape(r, runId);
      if (r.source_name !== changed && r.source_name !== deleted) assert.deepEqual([r.outcome, r.verified], ["copied", true], `${r.source_name}: ${r.error}`);
    }
    const copied = inPlan.filter((f) => f.name !== changed && f.name !== deleted);
    await assertBucketMatches(bucket, copied);
  });
});
