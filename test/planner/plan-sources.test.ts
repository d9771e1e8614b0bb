// `lake2oci plan` from the sources beyond ADLS, end to end on the local cloud: an S3 bucket (moto's server, signatures
// checked), a GCS bucket (fake-gcs-server behind the token-checking front, a service-account key), an HDFS directory
// (MiniDFSCluster, listed over WebHDFS) and a local directory holding the same small lake, planned against one OCI
// bucket where some objects hold the same bytes, some another size, and one exists only there. S3 and GCS list an MD5
// (S3's single-part ETag, GCS's md5Hash), so the same bytes are `equal` on MD5; HDFS and a local directory list none,
// so a same-size object is copied again unless the equality state proves it. A wrong S3 secret or GCS key is one line
// naming source.auth; and `lake2oci run` applies each plan with the Spark job, which checks that the plan was made for
// its source.
import { PutObjectCommand } from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startLocalCloud, type LocalCloud } from "../../src/emulators/local-cloud.ts";
import { readPlan } from "../../src/planner/plan-file.ts";
import { ociObjectStorageClient } from "../../src/stores/oci/oci-client.ts";
import { s3Client } from "../../src/stores/s3/s3-lister.ts";
import { GcsSeeder } from "../../scripts/lib/gcs-seeder.ts";
import { repoRoot, runCommand } from "../helpers/python.ts";
import { WebHdfsSeeder } from "../../scripts/lib/webhdfs.ts";

/** name -> [content, what the target holds: "same" bytes, "other" size, or nothing]. */
const LAKE: Record<string, [Buffer, "same" | "other" | "none"]> = {
  "sales/year=2024/part-00000 ü.parquet": [Buffer.from("PAR1 one PAR1"), "same"],
  "sales/year=2024/part-00001.parquet": [Buffer.from("PAR1 two PAR1"), "other"],
  "sales/year=2025/part-00002.parquet": [Buffer.from("PAR1 three PAR1"), "none"],
  "odd/100%+plus#hash?.csv": [Buffer.from("a,b\n1,2\n"), "same"],
  "empty.bin": [Buffer.alloc(0), "none"],
};
const TARGET_ONLY = "lake/orphan.parquet";

interface Entry {
  targetName: string;
  status: string;
  action: string;
  evidence: string;
  sourceSize: number | null;
  sourceVersion?: string;
}

describe("lake2oci plan from S3, GCS, HDFS and a local directory", { timeout: 300_000 }, () => {
  let cloud: LocalCloud;
  let dir: string;
  let target: Record<string, unknown>;
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCommand(process.execPath, ["--import", "tsx", join(repoRoot, "src", "cli", "main.ts"), ...args], {
      env: { TEST_S3_SECRET: cloud.s3?.keys.secretAccessKey ?? "", ...env },
    });
  const writeConfig = async (name: string, source: Record<string, unknown>) => {
    const p = join(dir, name);
    await writeFile(p, JSON.stringify({ source, target, log: { path: "./log.json" } }, null, 2));
    return p;
  };
  const s3Source = () => {
    const s3 = cloud.s3 as NonNullable<LocalCloud["s3"]>;
    return {
      type: "s3",
      bucket: s3.bucket,
      region: s3.region,
      prefix: "lake-root",
      endpoint: s3.url,
      pathStyle: true,
      auth: { method: "keys", accessKeyId: s3.keys.accessKeyId, secretAccessKey: "env:TEST_S3_SECRET" },
    };
  };
  const gcsSource = () => ({
    type: "gcs",
    bucket: "plan-lake",
    prefix: "lake-root",
    endpoint: cloud.gcs?.url,
    auth: { method: "serviceAccountKey", key: `file:${cloud.gcs?.keyFile}` },
  });
  const hdfsSource = () => ({
    type: "hdfs",
    nameNode: cloud.hdfs?.rpcUrl,
    webhdfs: cloud.hdfs?.webhdfsUrl,
    path: `${cloud.hdfs?.home}/lake-root`,
    user: cloud.hdfs?.user,
  });
  const planOf = async (out: string) => {
    const plan = await readPlan(out);
    const byName = new Map<string, Entry>();
    for await (const rec of plan.records()) {
      assert.equal(rec.error, undefined, `unexpected plan error ${JSON.stringify(rec.error)}`);
      if (rec.entry) byName.set(rec.entry.targetName, rec.entry as Entry);
    }
    return { header: plan.header, byName };
  };

  before(async () => {
    cloud = await startLocalCloud({ s3: true, gcs: true, hdfs: true });
    dir = await mkdtemp(join(tmpdir(), "lake2oci-plan-sources-"));
    const s3 = cloud.s3 as NonNullable<LocalCloud["s3"]>;
    const seeder = s3Client({ bucket: s3.bucket, region: s3.region, endpoint: s3.url, pathStyle: true }, s3.keys);
    const c = cloud.credentials;
    const oci = ociObjectStorageClient({ configFile: c.configFile, profile: c.profile, endpoint: cloud.oci.url });
    const ns = cloud.oci.namespace;
    await oci.createBucket({ namespaceName: ns, createBucketDetails: { name: "target", compartmentId: c.tenancy } });
    const put = (name: string, body: Buffer) =>
      oci.putObject({ namespaceName: ns, bucketName: "target", objectName: name, putObjectBody: body, contentLength: body.length });
    const gcs = new GcsSeeder(cloud.gcs!.url, cloud.gcs!.keyFile, "plan-lake");
    await gcs.authorize();
    await gcs.createBucket();
    const web = new WebHdfsSeeder(cloud.hdfs!.webhdfsUrl, cloud.hdfs!.user);
    for (const [name, [body, held]] of Object.entries(LAKE)) {
      await gcs.put(`lake-root/${name}`, body);
      await web.create(`${cloud.hdfs!.home}/lake-root/${name}`, body);
      await seeder.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `lake-root/${name}`, Body: body }));
      const file = join(dir, "local-lake", name);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, body);
      if (held === "same") await put(`lake/${name}`, body);
      if (held === "other") await put(`lake/${name}`, Buffer.concat([body, Buffer.from("+")]));
    }
    // Outside the configured prefix: not part of the S3 source.
    await seeder.send(new PutObjectCommand({ Bucket: s3.bucket, Key: "elsewhere/not-mine.parquet", Body: Buffer.from("x") }));
    await gcs.put("elsewhere/not-mine.parquet", Buffer.from("x"));
    await web.create(`${cloud.hdfs!.home}/elsewhere/not-mine.parquet`, Buffer.from("x"));
    await put(TARGET_ONLY, Buffer.from("orphan"));
    target = { bucket: "target", namespace: ns, prefix: "lake", profile: "LOCAL", configFile: c.configFile, configProfile: c.profile, endpoint: cloud.oci.url };
  });

  after(async () => {
    await cloud?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("plans an S3 prefix: the same bytes equal on MD5 (the ETag), another size copied, new files copied", async () => {
    const out = join(dir, "s3-plan.jsonl");
    const r = await cli(["plan", "--config", await writeConfig("s3.json", s3Source()), "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    const { header, byName } = await planOf(out);
    for (const [name, [body, held]] of Object.entries(LAKE)) {
      const e = byName.get(`lake/${name}`);
      assert.ok(e, `lake/${name} is in the plan`);
      const want = held === "same" ? ["equal", "skip", "md5"] : held === "other" ? ["update", "copy", "size"] : ["new", "copy", "absent"];
      assert.deepEqual([e.status, e.action, e.evidence], want, `${name}: ${JSON.stringify(e)}`);
      assert.equal(e.sourceSize, body.length);
      assert.ok(e.sourceVersion, `${name} carries its ETag as its version`);
    }
    assert.equal(byName.get(TARGET_ONLY)?.status, "target-only");
    assert.equal(byName.size, Object.keys(LAKE).length + 1, "nothing outside source.prefix is listed");
    assert.deepEqual(header.meta.source, { type: "s3", bucket: cloud.s3?.bucket, prefix: "lake-root", endpoint: cloud.s3?.url });
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(cloud.s3?.keys.secretAccessKey ?? "^$"));
  });

  it("plans a local directory: no MD5 listed, so a same-size object is copied again (nothing proves it unchanged)", async () => {
    const out = join(dir, "local-plan.jsonl");
    const r = await cli(["plan", "--config", await writeConfig("local.json", { type: "local", path: "./local-lake" }), "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    const { header, byName } = await planOf(out);
    for (const [name, [body, held]] of Object.entries(LAKE)) {
      const e = byName.get(`lake/${name}`);
      assert.ok(e, `lake/${name} is in the plan`);
      const want = held === "same" ? ["update", "copy", "none"] : held === "other" ? ["update", "copy", "size"] : ["new", "copy", "absent"];
      assert.deepEqual([e.status, e.action, e.evidence], want, `${name}: ${JSON.stringify(e)}`);
      assert.equal(e.sourceSize, body.length);
    }
    assert.equal(byName.size, Object.keys(LAKE).length + 1);
    assert.deepEqual(header.meta.source, { type: "local", path: join(dir, "local-lake") });
  });

  it("plans a GCS prefix: the same bytes equal on MD5 (md5Hash), another size copied, new files copied; versions are generations", async () => {
    const out = join(dir, "gcs-plan.jsonl");
    const r = await cli(["plan", "--config", await writeConfig("gcs.json", gcsSource()), "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    const { header, byName } = await planOf(out);
    for (const [name, [body, held]] of Object.entries(LAKE)) {
      const e = byName.get(`lake/${name}`);
      assert.ok(e, `lake/${name} is in the plan`);
      const want = held === "same" ? ["equal", "skip", "md5"] : held === "other" ? ["update", "copy", "size"] : ["new", "copy", "absent"];
      assert.deepEqual([e.status, e.action, e.evidence], want, `${name}: ${JSON.stringify(e)}`);
      assert.equal(e.sourceSize, body.length);
      assert.match(e.sourceVersion ?? "", /^\d+$/, `${name} carries its generation as its version`);
    }
    assert.equal(byName.get(TARGET_ONLY)?.status, "target-only");
    assert.equal(byName.size, Object.keys(LAKE).length + 1, "nothing outside source.prefix is listed");
    assert.deepEqual(header.meta.source, { type: "gcs", bucket: "plan-lake", prefix: "lake-root", endpoint: cloud.gcs?.url });
  });

  it("plans an HDFS directory: no MD5 listed, so a same-size object is copied again; versions are length@mtime", async () => {
    const out = join(dir, "hdfs-plan.jsonl");
    const r = await cli(["plan", "--config", await writeConfig("hdfs.json", hdfsSource()), "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    const { header, byName } = await planOf(out);
    for (const [name, [body, held]] of Object.entries(LAKE)) {
      const e = byName.get(`lake/${name}`);
      assert.ok(e, `lake/${name} is in the plan`);
      const want = held === "same" ? ["update", "copy", "none"] : held === "other" ? ["update", "copy", "size"] : ["new", "copy", "absent"];
      assert.deepEqual([e.status, e.action, e.evidence], want, `${name}: ${JSON.stringify(e)}`);
      assert.equal(e.sourceSize, body.length);
      assert.match(e.sourceVersion ?? "", /^\d+@\d+$/);
    }
    assert.equal(byName.size, Object.keys(LAKE).length + 1);
    assert.deepEqual(header.meta.source, {
      type: "hdfs",
      nameNode: cloud.hdfs?.rpcUrl,
      webhdfs: cloud.hdfs?.webhdfsUrl,
      path: `${cloud.hdfs?.home}/lake-root`,
      user: cloud.hdfs?.user,
    });
  });

  it("a GCS key the token endpoint refuses is one line naming source.auth.key, exit 2, no secret, no plan", async () => {
    const out = join(dir, "gcs-refused.jsonl");
    const source = { ...gcsSource(), auth: { method: "serviceAccountKey", key: `file:${cloud.gcs?.wrongKeyFile}` } };
    const r = await cli(["plan", "--config", await writeConfig("gcs-bad.json", source), "--out", out]);
    assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /credentials refused \(400 invalid_grant: Invalid JWT Signature\.\); check source\.auth\.key/);
    assert.doesNotMatch(r.stderr, /PRIVATE KEY|ya29\./);
    await assert.rejects(readPlan(out));
  });

  it("a wrong S3 secret is one line naming source.auth, exit 2, and no plan", async () => {
    const out = join(dir, "refused.jsonl");
    const r = await cli(["plan", "--config", await writeConfig("bad.json", s3Source()), "--out", out], { TEST_S3_SECRET: "not-the-secret" });
    assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /credentials refused \(403 SignatureDoesNotMatch\); check source\.auth/);
    assert.doesNotMatch(r.stderr, /not-the-secret/);
    await assert.rejects(readPlan(out));
  });

  it("`lake2oci run` applies each plan with the Spark job: the plan fits the run, and the target then holds every file", { timeout: 240_000 }, async () => {
    for (const [name, source, plan] of [
      ["s3-run.json", s3Source(), "s3-plan.jsonl"],
      ["gcs-run.json", gcsSource(), "gcs-plan.jsonl"],
      ["hdfs-run.json", hdfsSource(), "hdfs-plan.jsonl"],
      ["local-run.json", { type: "local", path: "./local-lake" }, "local-plan.jsonl"],
    ] as const) {
      const r = await cli(["run", "--config", await writeConfig(name, source), "--master", "local[2]", "--", "--plan", join(dir, plan)]);
      assert.equal(r.code, 0, `${name}: ${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
      assert.match(r.stdout, /^lake2oci: plan .* applied|^lake2oci: copying \d+ files/m, `${name}: the job applied the plan`);
      const c = cloud.credentials;
      const oci = ociObjectStorageClient({ configFile: c.configFile, profile: c.profile, endpoint: cloud.oci.url });
      for (const [file, [body]] of Object.entries(LAKE)) {
        const got = await oci.getObject({ namespaceName: cloud.oci.namespace, bucketName: "target", objectName: `lake/${file}` });
        const chunks: Buffer[] = [];
        for await (const chunk of got.value as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
        assert.deepEqual(Buffer.concat(chunks), body, `${name}: lake/${file} holds the source's bytes`);
      }
    }
  });
});
