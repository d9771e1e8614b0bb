// The Spark job from each source store other than ADLS (issue 12, deliverable 6): `spark-submit dist/app.py` with
// --source-type local, s3 (moto, signatures checked), gcs (fake-gcs-server behind a front that checks the tokens of a
// service-account key) and hdfs (a real MiniDFSCluster over RPC), into the local OCI.
// One local cloud and one lake (parquet written by Spark, the edge names, small files, one file spread over Spark
// tasks in parts), seeded into each store. Per store, three runs:
//   1. the first copy: every object byte-identical to its source, every copy MD5-verified, the log right;
//   2. the same run again: every file `equal`, not one write request reaches OCI;
//   3. after one file is rewritten with other bytes of the same size: exactly that file copied again (`update`), every
//      other file `equal`, and not one other write request reaches OCI.
// (ADLS, the default source, is spark-job.test.ts.)
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { after, before, describe, it } from "node:test";
import { deterministicBytes, pool } from "../../scripts/lib/seed-lake.ts";
import { md5Base64, type SourceKind, sourceJobValues, sourceLake } from "../../scripts/lib/source-lakes.ts";
import { sparkSubmit, writeJobFile } from "../../scripts/lib/spark-job.ts";
import { type LocalCloud, startLocalCloud } from "../../src/emulators/local-cloud.ts";
import {
  assertBucketMatches,
  assertRecordShape,
  createBucket,
  generatedFiles,
  type LakeFile,
  makeParquet,
  MIB,
  openUploads,
  outputTail,
  readLog,
  runIdOf,
} from "./e2e-lake.ts";

const BIG = "big/twenty four MiB.bin";
const PART_SIZE = 8 * MIB;
const BIG_SIZE = 3 * PART_SIZE;
const WRITES = ["PutObject", "UploadPart", "CreateMultipartUpload", "CommitMultipartUpload", "AbortMultipartUpload", "DeleteObject"];

/** The multipart MD5 OCI reports for `data` uploaded in parts of `partSize`. */
function multipartMd5(data: Buffer, partSize: number): string {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += partSize) parts.push(Buffer.from(md5Base64(data.subarray(at, at + partSize)), "base64"));
  return `${md5Base64(Buffer.concat(parts))}-${parts.length}`;
}

describe("spark-submit dist/app.py from S3, GCS, HDFS and a local directory", { timeout: 1_200_000 }, () => {
  let cloud: LocalCloud;
  let dir: string;
  /** The lake: name -> bytes. */
  const files = new Map<string, Buffer>();

  before(async () => {
    cloud = await startLocalCloud({ s3: true, gcs: true, hdfs: true });
    dir = await mkdtemp(join(tmpdir(), "lake2oci-e2e-sources-"));
    const parquetDir = join(dir, "parquet");
    for (const p of await makeParquet(parquetDir, 2, 2000)) {
      files.set(["warehouse", ...relative(parquetDir, p).split(sep)].join("/"), await readFile(p));
    }
    for (const g of generatedFiles(30)) files.set(g.name, g.data);
    files.set(BIG, deterministicBytes(BIG_SIZE, 12));
  });

  after(async () => {
    await cloud?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const kind of ["local", "s3", "gcs", "hdfs"] as SourceKind[]) {
    it(`${kind}: copies the lake byte for byte and MD5-verified, then nothing, then only a same-size rewrite`, { timeout: 400_000 }, async () => {
      const lake = await sourceLake(cloud, kind, "lake");
      await pool([...files], 8, ([name, data]) => lake.put(name, data));
      const bucket = await createBucket(cloud, `from-${kind}`);
      const logPath = join(dir, `${kind}-log.json`);
      const extra = { tasks: 3, "part-size-mib": PART_SIZE / MIB, "multipart-threshold-mib": 16 };
      const submit = async (name: string) =>
        sparkSubmit(["--job-file", await writeJobFile(join(dir, `${kind}-${name}.json`), sourceJobValues(cloud, lake, bucket.name, logPath, extra))], {
          env: lake.env,
          timeoutMs: 300_000,
        });
      const expected = (): LakeFile[] => [...files].map(([name, data]) => ({ name, size: data.length, md5: md5Base64(data) }));

      // 1. The first copy.
      cloud.oci.resetRequests();
      const first = await submit("first");
      assert.equal(first.code, 0, outputTail(first));
      const counts = cloud.oci.requestCounts();
      await assertBucketMatches(bucket, expected());
      assert.deepEqual(await openUploads(bucket), [], "no multipart upload left open");
      const committed = new RegExp(`^lake2oci: committed ${BIG}: 3 parts uploaded by (\\d+) Spark task\\(s\\)$`, "m").exec(first.stdout);
      assert.ok(committed, `the job reports the commit of ${BIG}:\n${first.stdout}`);
      assert.equal(counts.UploadPart, 3, "the big file in 3 parts");
      assert.equal(counts.PutObject, files.size - 1, "one PutObject per other file");
      const runId = runIdOf(first.stdout);
      const log = readLog(logPath);
      assert.equal(log.length, files.size, "one record per file");
      for (const r of log) {
        const data = files.get(r.source_name);
        assert.ok(data !== undefined, `${r.source_name} is a file of the lake`);
        assertRecordShape(r, runId);
        assert.equal(r.status, "new", `${r.source_name}: status`);
        assert.equal(r.outcome, "copied", `${r.source_name}: outcome`);
        assert.equal(r.verified, true, `${r.source_name}: verified`);
        assert.equal(r.source_size, data.length, `${r.source_name}: source_size`);
        assert.equal(r.target_md5, r.source_name === BIG ? multipartMd5(data, PART_SIZE) : md5Base64(data), `${r.source_name}: target_md5`);
        assert.equal(r.error, null, `${r.source_name}: error`);
      }

      // 2. Nothing changed: nothing is written.
      cloud.oci.resetRequests();
      const rerun = await submit("rerun");
      assert.equal(rerun.code, 0, outputTail(rerun));
      const none = cloud.oci.requestCounts();
      for (const op of WRITES) assert.equal(none[op], undefined, `no ${op} on a rerun (requests: ${JSON.stringify(none)})`);
      for (const r of readLog(logPath)) assert.deepEqual([r.status, r.outcome], ["equal", "skipped"], `${r.source_name}: status and outcome`);

      // 3. One parquet file rewritten with other bytes of the same size.
      const changed = [...files.keys()].filter((n) => n.endsWith(".parquet") && n.startsWith("warehouse/")).sort()[0];
      const old = files.get(changed) as Buffer;
      const rewritten = Buffer.from(old);
      for (let i = 100; i < 200 && i < rewritten.length; i++) rewritten[i] ^= 0xff;
      assert.equal(rewritten.length, old.length);
      await lake.put(changed, rewritten);
      files.set(changed, rewritten);
      cloud.oci.resetRequests();
      const second = await submit("second");
      assert.equal(second.code, 0, outputTail(second));
      const writes = cloud.oci.requestCounts();
      assert.equal(writes.PutObject, 1, `only the rewritten file is sent (requests: ${JSON.stringify(writes)})`);
      for (const op of WRITES.filter((w) => w !== "PutObject")) assert.equal(writes[op], undefined, `no ${op}`);
      const again = readLog(logPath);
      assert.equal(again.length, files.size);
      for (const r of again) {
        const want = r.source_name === changed ? ["update", "copied"] : ["equal", "skipped"];
        assert.deepEqual([r.status, r.outcome], want, `${r.source_name}: status and outcome`);
      }
      await assertBucketMatches(bucket, expected());
    });
  }
});
