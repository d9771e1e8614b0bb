// `lake2oci deploy` against the local cloud's OCI emulator: uploads app.py whole and archive.zip in parts, skips files
// the bucket already has (by MD5, no write request at all), re-uploads what changed, writes the real URIs into the
// build's settings JSON, and refuses a bucket that does not exist with a message naming it.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { deterministicBytes } from "../../scripts/lib/seed-lake.ts";
import { startLocalCloud, type LocalCloud } from "../../src/emulators/local-cloud.ts";
import { dataflowApplication, type DataflowApplicationJson } from "../../src/packaging/dataflow-application.ts";
import { deployDataflow, MD5_METADATA } from "../../src/packaging/deploy-dataflow.ts";
import { PackagingError } from "../../src/packaging/packaging-error.ts";
import { ociObjectStorageClient } from "../../src/stores/oci/oci-client.ts";
import { repoRoot, runCommand } from "../helpers/python.ts";

const MiB = 1024 * 1024;
const WRITES = ["PutObject", "CreateMultipartUpload", "UploadPart", "CommitMultipartUpload"];

describe("lake2oci deploy on the local cloud", { timeout: 300_000 }, () => {
  let cloud: LocalCloud;
  let dist: string;
  const md5 = (b: Buffer) => createHash("md5").update(b).digest("base64");
  const writes = () => {
    const counts = cloud.oci.requestCounts();
    return Object.fromEntries(WRITES.map((k) => [k, counts[k] ?? 0]));
  };
  const deploy = (extra: Partial<Parameters<typeof deployDataflow>[0]> = {}) =>
    deployDataflow({
      distDir: dist,
      ociConfigFile: cloud.credentials.configFile,
      ociProfile: cloud.credentials.profile,
      endpoint: cloud.oci.url,
      partSize: MiB,
      ...extra,
    });

  before(async () => {
    cloud = await startLocalCloud();
    dist = await mkdtemp(join(tmpdir(), "lake2oci-deploy-test-"));
    const c = cloud.credentials;
    const oci = ociObjectStorageClient({ configFile: c.configFile, profile: c.profile, endpoint: cloud.oci.url });
    await oci.createBucket({ namespaceName: cloud.oci.namespace, createBucketDetails: { name: "dataflow-warehouse", compartmentId: c.tenancy } });
    await writeFile(join(dist, "app.py"), "print('lake2oci')\n");
    await writeFile(join(dist, "archive.zip"), deterministicBytes(3 * MiB + 12345, 7));
    const settings = dataflowApplication({ "source-account": "a" }, { python: "3.11", resourcePrincipal: true, prefix: "jobs/lake2oci" });
    await writeFile(join(dist, "dataflow-application.json"), JSON.stringify(settings));
  });

  after(async () => {
    await cloud?.stop();
    if (dist !== undefined) await rm(dist, { recursive: true, force: true });
  });

  it("uploads app.py whole and archive.zip in parts, where the build said, and fills in the namespace", async () => {
    cloud.oci.resetRequests();
    const result = await deploy();
    assert.equal(result.namespace, cloud.oci.namespace);
    assert.deepEqual(
      result.objects.map((o) => [o.uri, o.action, o.parts]),
      [
        [`oci://dataflow-warehouse@${cloud.oci.namespace}/jobs/lake2oci/app.py`, "uploaded", 0],
        [`oci://dataflow-warehouse@${cloud.oci.namespace}/jobs/lake2oci/archive.zip`, "uploaded", 4],
      ],
    );
    assert.deepEqual(writes(), { PutObject: 1, CreateMultipartUpload: 1, UploadPart: 4, CommitMultipartUpload: 1 });
    const c = cloud.credentials;
    const oci = ociObjectStorageClient({ configFile: c.configFile, profile: c.profile, endpoint: cloud.oci.url });
    for (const o of result.objects) {
      const local = await readFile(o.file);
      const got = await oci.getObject({ namespaceName: cloud.oci.namespace, bucketName: "dataflow-warehouse", objectName: o.object });
      const body = Buffer.from(await new Response(got.value as ReadableStream).arrayBuffer());
      assert.deepEqual(body, local, o.object);
      const head = await oci.headObject({ namespaceName: cloud.oci.namespace, bucketName: "dataflow-warehouse", objectName: o.object });
      assert.equal(head.opcMeta[`opc-meta-${MD5_METADATA}`], md5(local));
    }
    assert.ok(result.settingsUpdated);
    const settings = JSON.parse(await readFile(join(dist, "dataflow-application.json"), "utf8")) as DataflowApplicationJson;
    assert.equal(settings.fileUri, result.objects[0].uri);
    assert.equal(settings.archiveUri, result.objects[1].uri);
    assert.equal(settings.sparkVersion, "3.5.0", "the rest of the settings is kept");
  });

  it("sends nothing for files the bucket already has", async () => {
    cloud.oci.resetRequests();
    const result = await deploy();
    assert.deepEqual(result.objects.map((o) => o.action), ["unchanged", "unchanged"]);
    assert.deepEqual(writes(), { PutObject: 0, CreateMultipartUpload: 0, UploadPart: 0, CommitMultipartUpload: 0 });
    assert.equal(result.settingsUpdated, false);
  });

  it("re-uploads only what changed", async () => {
    await writeFile(join(dist, "app.py"), "print('lake2oci, changed')\n");
    cloud.oci.resetRequests();
    const result = await deploy();
    assert.deepEqual(result.objects.map((o) => o.action), ["uploaded", "unchanged"]);
    assert.deepEqual(writes(), { PutObject: 1, CreateMultipartUpload: 0, UploadPart: 0, CommitMultipartUpload: 0 });
  });

  it("refuses a bucket that does not exist, naming it", async () => {
    await assert.rejects(deploy({ bucket: "no-such-bucket" }), (err: unknown) => {
      assert.ok(err instanceof PackagingError);
      assert.match(err.message, /^bucket no-such-bucket does not exist in namespace \S+ .*oci os bucket create --name no-such-bucket/);
      return true;
    });
  });

  it("says to build first when the files are missing", async () => {
    await assert.rejects(deploy({ distDir: join(dist, "nothing-here") }), /app\.py and .*archive\.zip missing: build first/);
  });

  it("runs as `lake2oci deploy` and prints the oci:// URIs", async () => {
    const r = await runCommand(process.execPath, [
      "--import",
      "tsx",
      join(repoRoot, "src", "cli", "main.ts"),
      "deploy",
      "--dist",
      dist,
      "--oci-config",
      cloud.credentials.configFile,
      "--oci-profile",
      cloud.credentials.profile,
      "--endpoint",
      cloud.oci.url,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n").map((l) => l.split("  ")[0]), [
      `oci://dataflow-warehouse@${cloud.oci.namespace}/jobs/lake2oci/app.py`,
      `oci://dataflow-warehouse@${cloud.oci.namespace}/jobs/lake2oci/archive.zip`,
    ]);
    assert.match(r.stdout, /archive\.zip {2}unchanged/);
  });
});
