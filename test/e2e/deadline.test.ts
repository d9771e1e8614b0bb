// A run stopped by its deadline and continued: `spark-submit dist/app.py` on the local cloud, a lake of 40 small files
// and one 40 MiB file copied in parts of 8 MiB, OCI slowed (every PutObject and UploadPart waits seconds) so that
// `--max-minutes 1` stops the run midway:
//   a. the run exits 3 and says how many files and bytes are left; the log has one record per file, each copied or
//      stopped; no multipart upload is left open; every object present is byte-identical to its source (nothing
//      half-written);
//   b. a second run without the limit copies only what was left (PutObject counted at the emulator), exits 0, and the
//      bucket matches the lake.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
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
  listBucket,
  MIB,
  objectMd5,
  openUploads,
  outputTail,
  putBigFile,
  putFile,
  readLog,
} from "./e2e-lake.ts";

const SMALL = 40;
const BIG = "big/forty.bin";
const LEFT = /^lake2oci: (\d+) file\(s\) \(([\d,]+) bytes\) left for the next run: run again to continue$/m;

describe("a run stopped by --max-minutes and continued (spark-submit dist/app.py on the local cloud)", { timeout: 600_000 }, () => {
  let cloud: LocalCloud;
  let dir: string;
  let target: Bucket;
  const lake = new Map<string, LakeFile>();
  const log = () => join(dir, "deadline-log.json");
  let stopped: string[] = [];

  const job = (name: string, extra: Record<string, unknown>) =>
    writeJobFile(
      join(dir, `${name}.json`),
      localJobValues(cloud, {
        fileSystem: "lake",
        bucket: "deadline",
        logPath: log(),
        extra: { tasks: 2, threads: 2, "part-threads": 1, "part-size-mib": 8, "multipart-threshold-mib": 16, ...extra },
      }),
    );
  const submit = async (file: string): Promise<SparkRun> =>
    sparkSubmit(["--job-file", file], { env: { [ADLS_KEY_ENV]: cloud.adls.accountKey }, timeoutMs: 300_000 });

  before(async () => {
    cloud = await startLocalCloud();
    dir = await mkdtemp(join(tmpdir(), "lake2oci-deadline-"));
    const fs = azuriteContainer(cloud, "lake");
    await fs.create();
    const small = Array.from({ length: SMALL }, (_, i) => ({
      name: `small/${String(i).padStart(2, "0")}.dat`,
      data: deterministicBytes(2000 + i * 311, 500 + i),
    }));
    for (const f of await pool(small, 8, (g) => putFile(fs, g.name, g.data))) lake.set(f.name, f);
    const big = await putBigFile(fs, BIG, 40 * MIB, 9, 8 * MIB);
    lake.set(big.name, big);
    target = await createBucket(cloud, "deadline");
  });

  after(async () => {
    await cloud?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("a. stops new work at the deadline, exits 3, says what is left, and leaves nothing half-written", { timeout: 300_000 }, async () => {
    // 4 small copies at a time (2 tasks x 2 threads), 6 s each: about a minute of copying, more than the minute the
    // run has once Spark is up. One part at a time, each received at 350 kB/s (24 s for 8 MiB; a bandwidth cap rather
    // than a latency, which would stall the client's send past its 10 s connect timeout): the 5 parts of the big file
    // need 2 minutes, so its upload is cut short (the part in flight finishes, none starts after the deadline) or never
    // started, and aborted either way.
    const slowPuts = cloud.oci.faults.add({ operation: "PutObject", path: "^/n/[^/]+/b/deadline/", effect: { kind: "latency", ms: 6000 } });
    const slowParts = cloud.oci.faults.add({ operation: "UploadPart", path: "^/n/[^/]+/b/deadline/", effect: { kind: "bandwidth", bytesPerSecond: 350_000, direction: "request" } });
    cloud.oci.resetRequests();
    let run: SparkRun;
    try {
      run = await submit(await job("a", { "max-minutes": 1 }));
    } finally {
      cloud.oci.faults.remove(slowPuts);
      cloud.oci.faults.remove(slowParts);
    }
    assert.equal(run.code, 3, outputTail(run));
    const left = LEFT.exec(run.stdout);
    assert.ok(left, `the summary says what is left:\n${outputTail(run)}`);
    assert.match(run.stdout, /^lake2oci: no new file or part starts after .* \(--max-minutes 1\)/m);

    const records = readLog(log());
    assert.equal(records.length, SMALL + 1, "one record per source file");
    const outcomes = new Map(records.map((r) => [r.source_name, r.outcome]));
    const copied = records.filter((r) => r.outcome === "copied");
    const rest = records.filter((r) => r.outcome === "stopped");
    assert.equal(copied.length + rest.length, SMALL + 1, `every file copied or stopped: ${JSON.stringify([...outcomes])}`);
    assert.ok(copied.length >= 1, "the run copied something before its deadline");
    assert.ok(rest.length >= 1, "the deadline left files for the next run");
    assert.equal(Number(left[1]), rest.length, "the summary counts the stopped files");
    assert.equal(Number(left[2].replaceAll(",", "")), rest.reduce((n, r) => n + r.source_size, 0), "and their bytes");
    for (const r of rest) {
      assert.match(r.error ?? "", /the run reached --max-minutes 1$/, `${r.source_name}: why it was not done`);
      assert.equal(r.verified, false);
    }
    for (const r of copied) assert.equal(r.verified, true, `${r.source_name}: verified`);

    assert.equal(outcomes.get(BIG), "stopped", "the big file's upload could not be complete by the deadline");
    const counts = cloud.oci.requestCounts();
    if ((counts.CreateMultipartUpload ?? 0) > 0) assert.ok((counts.AbortMultipartUpload ?? 0) >= 1, "its upload was aborted");
    assert.equal(counts.CommitMultipartUpload ?? 0, 0, "nothing incomplete was committed");
    assert.deepEqual(await openUploads(target), [], "no multipart upload left open");
    const listed = await listBucket(target);
    assert.deepEqual([...listed.keys()].sort(), copied.map((r) => r.targe_name).sort(), "exactly the copied files have objects");
    await pool([...listed.keys()], 8, async (name) => {
      const want = lake.get(name) as LakeFile;
      const got = await objectMd5(target, name);
      assert.deepEqual(got, { md5: want.md5, size: want.size }, `${name}: byte-identical to its source`);
    });
    stopped = rest.map((r) => r.source_name);
    console.log(`deadline: ${copied.length} copied, ${rest.length} stopped (${BIG}: ${outcomes.get(BIG)})`);
  });

  it("b. the next run copies only what was left and the bucket matches the lake", { timeout: 300_000 }, async () => {
    assert.ok(stopped.length > 0, "a. left files for this run");
    cloud.oci.resetRequests();
    const run = await submit(await job("b", {}));
    assert.equal(run.code, 0, outputTail(run));
    assert.doesNotMatch(run.stdout, LEFT);
    const counts = cloud.oci.requestCounts();
    const smallLeft = stopped.filter((n) => n !== BIG).length;
    assert.equal(counts.PutObject ?? 0, smallLeft, "one PutObject per small file left, none for the others");
    assert.equal(counts.CreateMultipartUpload ?? 0, stopped.includes(BIG) ? 1 : 0, "the split file only if it was left");
    const records = readLog(log());
    assert.equal(records.length, SMALL + 1);
    for (const r of records) {
      const want = stopped.includes(r.source_name) ? "copied" : "skipped";
      assert.equal(r.outcome, want, `${r.source_name}: ${want}`);
      if (want === "skipped") assert.equal(r.status, "equal", `${r.source_name}: equal after the first run`);
    }
    await assertBucketMatches(target, lake.values());
    assert.deepEqual(await openUploads(target), []);
  });
});
