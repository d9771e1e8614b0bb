// The parallel listing end to end: `spark-submit dist/app.py` on the local cloud, a lake where one directory holds
// most of the files (big/: 240 files of its own and 4 subdirectories of 10) beside a few small ones, and a bucket that
// already holds 1,170 objects (1,140 under big/: 90 of the lake's files and 1,050 target-only ones; 30 under old/).
// The job lists both sides in 2 units on Spark with a split threshold of 20 entries, so big/ and the bucket's range
// holding big/ are found huge and split again (a range is split at a page boundary: OCI pages hold 1,000 objects):
//   a. the job copies every file, byte for byte, in 2 listing rounds on each side; the log has one record per file;
//   b. the next run (still in units) and a run with one sequential listing (--list-parallelism 1) write the same
//      plan, entry for entry, and nothing to the target.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { deterministicBytes, pool } from "../../scripts/lib/seed-lake.ts";
import { ADLS_KEY_ENV, localJobValues, type SparkRun, sparkSubmit, writeJobFile } from "../../scripts/lib/spark-job.ts";
import { type LocalCloud, startLocalCloud } from "../../src/emulators/local-cloud.ts";
import {
  assertBucketMatches,
  azuriteContainer,
  type Bucket,
  createBucket,
  type LakeFile,
  outputTail,
  putFile,
  readLog,
  runIdOf,
  runPlanPath,
} from "./e2e-lake.ts";

const ROUNDS = /^lake2oci: listing (source|target): ([\d,]+) entries \(done\), .* in (\d+) round\(s\)$/gm;

function lakeNames(): string[] {
  const names: string[] = [];
  for (let i = 0; i < 240; i++) names.push(`big/part-${String(i).padStart(3, "0")}.parquet`);
  for (let d = 0; d < 4; d++) for (let i = 0; i < 10; i++) names.push(`big/sub${d}/f${i}.csv`);
  for (let d = 0; d < 3; d++) for (let i = 0; i < 2; i++) names.push(`small${d}/x${i}.json`);
  names.push("top.txt");
  return names;
}

/** The plan file's entry lines (its header names the run and differs). */
async function planEntries(path: string): Promise<string[]> {
  const lines = (await readFile(path, "utf8")).split("\n").filter((l) => l.trim() !== "");
  return lines.slice(1);
}

describe("listing a lake where one directory holds most of the files, in units on Spark", { timeout: 900_000 }, () => {
  let cloud: LocalCloud;
  let dir: string;
  let target: Bucket;
  const lake = new Map<string, LakeFile>();
  const log = () => join(dir, "listing-log.json");
  const targetOnly = (name: string) => name.startsWith("old/") || name.startsWith("big/zz-");

  const submit = async (name: string, extra: Record<string, unknown>): Promise<SparkRun> => {
    const file = await writeJobFile(
      join(dir, `${name}.json`),
      localJobValues(cloud, { fileSystem: "lake", bucket: "listing", logPath: log(), extra: { tasks: 2, ...extra } }),
    );
    return sparkSubmit(["--job-file", file], { env: { [ADLS_KEY_ENV]: cloud.adls.accountKey }, timeoutMs: 300_000 });
  };

  before(async () => {
    cloud = await startLocalCloud();
    dir = await mkdtemp(join(tmpdir(), "lake2oci-listing-"));
    const fs = azuriteContainer(cloud, "lake");
    await fs.create();
    const files = lakeNames().map((name, i) => ({ name, data: deterministicBytes(300 + ((i * 37) % 500), 40 + i) }));
    for (const f of await pool(files, 8, (g) => putFile(fs, g.name, g.data))) lake.set(f.name, f);
    target = await createBucket(cloud, "listing");
    // Objects already there: 90 of big/'s files (60 with the same bytes, 30 with other bytes of the same size) and
    // 30 objects no source file maps to.
    const put = (name: string, body: Buffer) =>
      target.client.putObject({ namespaceName: target.namespace, bucketName: target.name, objectName: name, putObjectBody: body, contentLength: body.length });
    await pool(files.slice(0, 90), 8, (f, i) => put(f.name, i < 60 ? f.data : Buffer.alloc(f.data.length, 7)));
    const others = [
      ...Array.from({ length: 30 }, (_, i) => `old/${String(i).padStart(2, "0")}.bin`),
      ...Array.from({ length: 1050 }, (_, i) => `big/zz-${String(i).padStart(4, "0")}.bin`),
    ];
    await pool(others, 16, (name) => put(name, Buffer.from(name)));
  });

  after(async () => {
    await cloud?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  let firstPlanRun = "";

  it("a. copies every file byte for byte, big/ and the bucket split again in a second listing round", async () => {
    const run = await submit("a", { "list-parallelism": 2, "list-split-entries": 20 });
    assert.equal(run.code, 0, outputTail(run));
    const rounds = new Map([...run.stdout.matchAll(ROUNDS)].map((m) => [m[1], { entries: Number(m[2].replaceAll(",", "")), rounds: Number(m[3]) }]));
    // Source entries: 287 files and the directories big, big/sub0..3, small0..2.
    assert.deepEqual(rounds.get("source"), { entries: lake.size + 8, rounds: 2 }, outputTail(run));
    assert.equal(rounds.get("target")?.entries, 1170);
    assert.ok((rounds.get("target")?.rounds ?? 0) >= 2, `the target's big range was split again:\n${outputTail(run)}`);
    const records = readLog(log());
    assert.equal(records.length, lake.size, "one record per source file");
    assert.deepEqual([...new Set(records.map((r) => r.outcome))], ["copied"], "every file copied (none has evidence of equality yet)");
    assert.equal(records.filter((r) => r.status === "update").length, 90);
    await assertBucketMatches(target, lake.values(), { others: targetOnly });
    firstPlanRun = runIdOf(run.stdout);
  });

  it("b. in units or in one sequential listing, the next runs plan the same, entry for entry, and write nothing", async () => {
    assert.ok(firstPlanRun, "a. ran");
    const units = await submit("b", { "list-parallelism": 2, "list-split-entries": 20 });
    assert.equal(units.code, 0, outputTail(units));
    cloud.oci.resetRequests();
    const sequential = await submit("c", { "list-parallelism": 1 });
    assert.equal(sequential.code, 0, outputTail(sequential));
    assert.match(sequential.stdout, /^lake2oci: listing source: [\d,]+ entries \(done\), .*one sequential listing$/m);
    const counts = cloud.oci.requestCounts();
    assert.equal((counts.PutObject ?? 0) + (counts.CreateMultipartUpload ?? 0) + (counts.DeleteObject ?? 0), 0, "nothing written");
    const a = await planEntries(runPlanPath(log(), runIdOf(units.stdout)));
    const b = await planEntries(runPlanPath(log(), runIdOf(sequential.stdout)));
    assert.equal(a.length, lake.size + 1080, "one entry per source file and per target-only object");
    assert.deepEqual(a, b);
    assert.ok(
      a.every((line) => {
        const e = JSON.parse(line);
        return e.action === (targetOnly(e.targetName) ? "keep" : "skip");
      }),
      "every file equal, the target-only objects kept",
    );
  });
});
