// What the job says can be trusted: `spark-submit dist/app.py` on the local cloud, one small lake, runs in order:
//   a. the first copy: everything new, copied and verified;
//   b. the same lake again under each compare mode (size-md5, size, md5): all `equal`, each record naming its
//      evidence, and not one write request reaching OCI;
//   c. three files changed in place with the same size, each written another way (a DFS upload through the gateway,
//      Put Blob with a Content-MD5, Put Block List): exactly those three copied on the next run (default compare);
//   d. the equality state removed: the next run says it rebuilds it from the objects' metadata and writes nothing;
//   e. one name OCI refuses (1,025 bytes and more): the rest of the lake is copied, that file is logged failed with
//      the reason, the run exits 1;
//   f. store problems (missing bucket, file system, source path; unreachable endpoint; refused OCI key): one
//      `lake2oci:` line naming what to fix, exit 2, no traceback, nothing written.
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { pool } from "../../scripts/lib/seed-lake.ts";
import { ADLS_KEY_ENV, localJobValues, type SparkRun, sparkSubmit, writeJobFile } from "../../scripts/lib/spark-job.ts";
import { type LocalCloud, startLocalCloud } from "../../src/emulators/local-cloud.ts";
import {
  assertBucketMatches,
  azuriteContainer,
  type Bucket,
  createBucket,
  generatedFiles,
  type LakeFile,
  listBucket,
  type LogRecord,
  outputTail,
  putFile,
  readLog,
  runIdOf,
} from "./e2e-lake.ts";

const FILES = 24;
/** Every request that writes to OCI: none may come when nothing changed. */
const WRITES = ["PutObject", "UploadPart", "CreateMultipartUpload", "CommitMultipartUpload", "AbortMultipartUpload", "DeleteObject"];
const md5 = (data: Buffer) => createHash("md5").update(data).digest("base64");

interface Rec extends LogRecord {
  evidence: string;
  source_version: string | null;
}

describe("the job's verdicts can be trusted (spark-submit dist/app.py on the local cloud)", { timeout: 900_000 }, () => {
  let cloud: LocalCloud;
  let dir: string;
  let target: Bucket;
  const lake = new Map<string, LakeFile>();
  const log = () => join(dir, "trust-log.json");

  const job = (name: string, extra: Record<string, unknown> = {}, o: { bucket?: string; fileSystem?: string; sourcePath?: string } = {}) =>
    writeJobFile(
      join(dir, `${name}.json`),
      localJobValues(cloud, {
        fileSystem: o.fileSystem ?? "lake",
        bucket: o.bucket ?? "trusted",
        logPath: log(),
        sourcePath: o.sourcePath,
        extra: { tasks: 2, ...extra },
      }),
    );
  const submit = (file: string): Promise<SparkRun> =>
    sparkSubmit(["--job-file", file], { env: { [ADLS_KEY_ENV]: cloud.adls.accountKey }, timeoutMs: 300_000 });
  const records = (): Rec[] => readLog(log()) as Rec[];
  const writes = () => {
    const counts = cloud.oci.requestCounts();
    return Object.fromEntries(WRITES.filter((op) => counts[op] !== undefined).map((op) => [op, counts[op]]));
  };

  before(async () => {
    cloud = await startLocalCloud();
    dir = await mkdtemp(join(tmpdir(), "lake2oci-trust-"));
    const fs = azuriteContainer(cloud, "lake");
    await fs.create();
    for (const f of await pool(generatedFiles(FILES), 8, (g) => putFile(fs, g.name, g.data))) lake.set(f.name, f);
    target = await createBucket(cloud, "trusted");
  });

  after(async () => {
    await cloud?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("a. copies the lake, every file new, copied and verified", async () => {
    const run = await submit(await job("a"));
    assert.equal(run.code, 0, outputTail(run));
    const runId = runIdOf(run.stdout);
    await assertBucketMatches(target, lake.values());
    const got = records();
    assert.equal(got.length, FILES);
    for (const r of got) {
      assert.equal(r.run_id, runId);
      assert.equal(r.status, "new", `${r.source_name}: status`);
      assert.equal(r.outcome, "copied", `${r.source_name}: outcome`);
      assert.equal(r.verified, true, `${r.source_name}: verified`);
      assert.equal(r.evidence, "absent", `${r.source_name}: a new file's verdict rests on the object's absence`);
      assert.ok(r.source_version, `${r.source_name}: the source version copied is logged`);
    }
  });

  for (const [compare, evidence] of [
    ["size-md5", "version"],
    ["size", "size"],
    ["md5", "version"],
  ] as const) {
    it(`b. an unchanged lake under compare ${compare}: all equal (evidence ${evidence}), no write reaches OCI`, async () => {
      const file = await job(`b-${compare}`, { compare });
      cloud.oci.resetRequests();
      const run = await submit(file);
      assert.equal(run.code, 0, outputTail(run));
      assert.deepEqual(writes(), {}, `no write request (compare ${compare})`);
      const runId = runIdOf(run.stdout);
      const got = records();
      assert.equal(got.length, FILES, "the no-op run logs every file, in its own log");
      for (const r of got) {
        assert.equal(r.run_id, runId);
        assert.equal(r.status, "equal", `${r.source_name}: status`);
        assert.equal(r.outcome, "skipped", `${r.source_name}: outcome`);
        assert.equal(r.evidence, evidence, `${r.source_name}: evidence`);
      }
    });
  }

  it("c. a same-size change written three ways is copied on the next run, and nothing else", async () => {
    const names = [...lake.values()].filter((f) => f.size > 100 && f.size < 100_000).map((f) => f.name);
    const [viaDfs, viaPutBlob, viaBlockList] = [names[0], names[1], names[2]];
    const changed = (name: string) => {
      const old = lake.get(name) as LakeFile;
      const data = Buffer.alloc(old.size, 0x5a);
      data.write(`changed ${name}`);
      lake.set(name, { name, size: data.length, md5: md5(data) });
      return data;
    };
    // 1. A DFS upload through the gateway (create, append, flush), as Azure Storage Explorer or a Spark job writes.
    const dfs = new DataLakeServiceClient(cloud.adls.accountUrl, new StorageSharedKeyCredential(cloud.adls.accountName, cloud.adls.accountKey));
    await dfs.getFileSystemClient("lake").getFileClient(viaDfs).upload(changed(viaDfs));
    // 2. Put Blob with a Content-MD5 (the Blob API; the service keeps the MD5).
    const blobs = azuriteContainer(cloud, "lake");
    const second = changed(viaPutBlob);
    await blobs.getBlockBlobClient(viaPutBlob).upload(second, second.length, {
      blobHTTPHeaders: { blobContentMD5: createHash("md5").update(second).digest() },
    });
    // 3. Put Block + Put Block List.
    const third = changed(viaBlockList);
    const block = Buffer.from("block-000").toString("base64");
    await blobs.getBlockBlobClient(viaBlockList).stageBlock(block, third, third.length);
    await blobs.getBlockBlobClient(viaBlockList).commitBlockList([block]);

    const run = await submit(await job("c"));
    assert.equal(run.code, 0, outputTail(run));
    await assertBucketMatches(target, lake.values());
    const got = records();
    const copied = got.filter((r) => r.outcome === "copied").map((r) => r.source_name).sort();
    assert.deepEqual(copied, [viaDfs, viaPutBlob, viaBlockList].sort(), "exactly the three changed files are copied");
    for (const r of got.filter((x) => x.outcome === "copied")) {
      assert.equal(r.status, "update", `${r.source_name}: status`);
      assert.ok(["version", "md5"].includes(r.evidence), `${r.source_name}: the change is seen by its version (or MD5), got ${r.evidence}`);
      assert.equal(r.verified, true);
    }
  });

  it("d. without its equality state the next run rebuilds it from the objects' metadata and writes nothing", async () => {
    const stateDir = `${log()}.state`;
    assert.ok(existsSync(stateDir), `the state is kept beside the log (${stateDir})`);
    await rm(stateDir, { recursive: true, force: true });
    const file = await job("d");
    cloud.oci.resetRequests();
    const run = await submit(file);
    assert.equal(run.code, 0, outputTail(run));
    assert.match(run.stdout + run.stderr, /no equality state at .*rebuilding it from the objects' metadata/);
    assert.deepEqual(writes(), {}, "no write request");
    assert.ok((cloud.oci.requestCounts().HeadObject ?? 0) > 0, "the metadata was read with HEAD requests");
    for (const r of records()) assert.equal(r.status, "equal", `${r.source_name}: status`);
    assert.ok(existsSync(stateDir), "the state is written again");
  });

  it("d2. compare md5 over objects another tool wrote: same bytes are hashed and kept, a same-size change is copied", async () => {
    // Another tool (the original job, say) put four of the files: three with the source's bytes, one same-size other.
    const foreign = await createBucket(cloud, "foreign");
    const small = [...lake.values()].filter((f) => f.size > 100 && f.size < 100_000).slice(0, 4);
    const fs = azuriteContainer(cloud, "lake");
    for (const [i, f] of small.entries()) {
      const bytes = Buffer.from(await fs.getBlockBlobClient(f.name).downloadToBuffer());
      if (i === 3) bytes[0] ^= 0xff;
      await foreign.client.putObject({ namespaceName: foreign.namespace, bucketName: foreign.name, objectName: f.name, putObjectBody: bytes, contentLength: bytes.length });
    }
    const file = await job("d2", { compare: "md5" }, { bucket: "foreign" });
    cloud.oci.resetRequests();
    const run = await submit(file);
    assert.equal(run.code, 0, outputTail(run));
    assert.equal(cloud.oci.requestCounts().PutObject, FILES - 3, "every file but the three equal ones is put");
    await assertBucketMatches(foreign, lake.values());
    const got = new Map(records().map((r) => [r.source_name, r]));
    for (const f of small.slice(0, 3)) {
      const r = got.get(f.name) as Rec;
      assert.deepEqual([r.status, r.outcome, r.evidence], ["equal", "skipped", "content"], `${f.name}: hashed and found equal`);
    }
    const changed = got.get(small[3].name) as Rec;
    assert.deepEqual([changed.status, changed.outcome, changed.evidence], ["update", "copied", "content"], "the same-size change is copied");
    // What the hashing proved is kept in the state: the next run (default compare) writes nothing.
    const again = await job("d2-again", {}, { bucket: "foreign" });
    cloud.oci.resetRequests();
    const second = await submit(again);
    assert.equal(second.code, 0, outputTail(second));
    assert.deepEqual(writes(), {}, "no write request");
  });

  it("e. a name OCI refuses fails alone: the rest is copied, the run exits 1", async () => {
    const fs = azuriteContainer(cloud, "odd");
    await fs.create();
    const odd = new Map<string, LakeFile>();
    for (let i = 0; i < 6; i++) {
      const f = await putFile(fs, `ok/file-${i}.txt`, Buffer.from(`file ${i}\n`.repeat(i + 1)));
      odd.set(f.name, f);
    }
    const longName = `long/${"é".repeat(520)}.txt`; // 1,049 bytes in UTF-8: OCI allows 1,024
    await putFile(fs, longName, Buffer.from("too long a name"));
    const bucket = await createBucket(cloud, "odd-names");
    const run = await submit(await job("e", {}, { fileSystem: "odd", bucket: "odd-names" }));
    assert.equal(run.code, 1, outputTail(run));
    assert.ok(run.stdout.includes("long/éééé"), `the plan summary lists the refused name\n${outputTail(run)}`);
    await assertBucketMatches(bucket, odd.values());
    const got = records();
    assert.equal(got.length, 7);
    const bad = got.find((r) => r.source_name === longName) as Rec;
    assert.ok(bad, "the refused file has its record");
    assert.equal(bad.outcome, "failed");
    assert.equal(bad.verified, false);
    assert.match(bad.error ?? "", /1,?0\d\d bytes|too long|longer than/, "the error says why");
    assert.equal(got.filter((r) => r.outcome === "copied").length, 6);
    assert.deepEqual([...(await listBucket(bucket)).keys()].sort(), [...odd.keys()].sort());
  });

  describe("f. store problems: one line, exit 2, nothing written", () => {
    const expectProblem = async (name: string, values: () => Promise<string>, want: RegExp, env: Record<string, string> = {}) => {
      const file = await values();
      cloud.oci.resetRequests();
      const run = await sparkSubmit(["--job-file", file], { env: { [ADLS_KEY_ENV]: cloud.adls.accountKey, ...env }, timeoutMs: 120_000 });
      const all = `${run.stdout}\n${run.stderr}`;
      assert.equal(run.code, 2, `${name}: exit 2\n${outputTail(run)}`);
      assert.doesNotMatch(all, /Traceback/, `${name}: no traceback`);
      const lines = all.split("\n").filter((l) => l.startsWith("lake2oci: ") && want.test(l));
      assert.equal(lines.length, 1, `${name}: one line matching ${want}\n${outputTail(run)}`);
      assert.deepEqual(writes(), {}, `${name}: nothing written`);
    };

    it("a missing bucket names the bucket and target.bucket", () =>
      expectProblem("missing bucket", () => job("f-bucket", {}, { bucket: "no-such-bucket" }), /no-such-bucket.*target\.bucket/));

    it("a missing file system names it and source.fileSystem", () =>
      expectProblem("missing file system", () => job("f-fs", {}, { fileSystem: "no-such-fs" }), /no-such-fs.*source\.fileSystem/));

    it("a missing source path names the path and source.path", () =>
      expectProblem("missing path", () => job("f-path", {}, { sourcePath: "no/such/dir" }), /no\/such\/dir.*source\.path/));

    it("an unreachable OCI endpoint names the endpoint and target.endpoint", async () => {
      const port = await new Promise<number>((resolve) => {
        const s = createServer();
        s.listen(0, "127.0.0.1", () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => resolve(p));
        });
      });
      await expectProblem("unreachable", () => job("f-endpoint", { "target-endpoint": `http://127.0.0.1:${port}` }), new RegExp(`127\\.0\\.0\\.1:${port}.*target\\.endpoint`));
    });

    it("a refused OCI key names target.configFile", async () => {
      const config = readFileSync(cloud.credentials.configFile, "utf8");
      const other = join(dir, "other-key.pem");
      const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      writeFileSync(other, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
      const wrong = join(dir, "wrong-oci-config");
      writeFileSync(wrong, config.replace(/^key_file\s*=.*$/gm, `key_file=${other}`), { mode: 0o600 });
      await expectProblem("refused key", () => job("f-key", { "target-config-file": wrong }), /target\.configFile/);
    });
  });
});
