// `lake2oci plan` on store problems against the local cloud (a missing bucket, file system or path, a wrong OCI key, a
// closed port on either side, a wrong ADLS key): one line, exit 2, exactly the words of the matching case of
// test/vectors/store-problems.json with the live endpoint and names put in (the job prints the same line:
// test/python/test_runtime_preflight.py).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { type StoreProblemInfo, storeProblemInfo, storeProblemMessage } from "../../src/core/store-problem.ts";
import { type LocalCloud, startLocalCloud } from "../../src/emulators/local-cloud.ts";
import { ociObjectStorageClient } from "../../src/stores/oci/oci-client.ts";
import { repoRoot, runCommand } from "../helpers/python.ts";

const cli = join(repoRoot, "dist", "cli.js");
const vectors = JSON.parse(readFileSync(join(repoRoot, "test", "vectors", "store-problems.json"), "utf8")) as {
  cases: { name: string; given: StoreProblemInfo; want: string }[];
};

/** The vector case's line with the live values put in (the case itself words as its `want` says). */
function expected(name: string, live: Partial<StoreProblemInfo>): string {
  const c = vectors.cases.find((x) => x.name === name);
  assert.ok(c, `no case ${name} in store-problems.json`);
  const info = { ...storeProblemInfo(c.given.kind, c.given.side), ...c.given };
  assert.equal(storeProblemMessage(info), c.want);
  return storeProblemMessage({ ...info, ...live });
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe("lake2oci plan: store problems are one line, the job's words, exit 2", { timeout: 180_000 }, () => {
  let cloud: LocalCloud;
  let dir: string;
  const bucket = "sp-bucket";
  const fileSystem = "sp-files";

  before(async () => {
    const b = await runCommand(process.execPath, [join(repoRoot, "scripts", "build-cli.mjs")]);
    assert.equal(b.code, 0, b.stderr);
    cloud = await startLocalCloud();
    dir = mkdtempSync(join(tmpdir(), "lake2oci-sp-"));
    const oci = ociObjectStorageClient({ configFile: cloud.credentials.configFile, profile: "DEFAULT", endpoint: cloud.oci.url });
    await oci.createBucket({
      namespaceName: cloud.oci.namespace,
      createBucketDetails: { name: bucket, compartmentId: "ocid1.compartment.oc1..aaaaaaaalake2ocitest" },
    });
    const adls = new DataLakeServiceClient(cloud.adls.accountUrl, new StorageSharedKeyCredential(cloud.adls.accountName, cloud.adls.accountKey));
    const fs = adls.getFileSystemClient(fileSystem);
    await fs.create();
    const file = fs.getFileClient("raw/a.txt");
    await file.create();
    await file.append(Buffer.from("abc"), 0, 3);
    await file.flush(3);
  });

  after(async () => {
    await cloud?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function plan(name: string, change: { source?: Record<string, unknown>; target?: Record<string, unknown> }, env: Record<string, string> = {}) {
    const config = {
      source: {
        type: "adls",
        accountName: cloud.adls.accountName,
        fileSystem,
        endpoint: cloud.adls.accountUrl,
        auth: { method: "key", accountKey: "env:LAKE2OCI_SP_KEY" },
        ...change.source,
      },
      target: { bucket, profile: "LOCAL", configFile: cloud.credentials.configFile, configProfile: "DEFAULT", endpoint: cloud.oci.url, ...change.target },
      log: { path: "./log.json" },
    };
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(config));
    const r = await runCommand(process.execPath, [cli, "plan", "--config", file, "--out", join(dir, `${name}.jsonl`)], {
      env: { LAKE2OCI_SP_KEY: cloud.adls.accountKey, ...env },
    });
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("lake2oci"));
    assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
    assert.equal(lines.length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    return lines[0];
  }

  it("the good config plans (exit 0)", async () => {
    const file = join(dir, "good.json");
    writeFileSync(
      file,
      JSON.stringify({
        source: { type: "adls", accountName: cloud.adls.accountName, fileSystem, path: "raw", endpoint: cloud.adls.accountUrl, auth: { method: "key", accountKey: "env:LAKE2OCI_SP_KEY" } },
        target: { bucket, profile: "LOCAL", configFile: cloud.credentials.configFile, configProfile: "DEFAULT", endpoint: cloud.oci.url },
      }),
    );
    const r = await runCommand(process.execPath, [cli, "plan", "--config", file, "--out", join(dir, "good.jsonl")], { env: { LAKE2OCI_SP_KEY: cloud.adls.accountKey } });
    assert.equal(r.code, 0, r.stderr);
  });

  it("missing bucket", async () => {
    const line = await plan("bucket", { target: { bucket: "no-such-bucket" } });
    assert.equal(line, expected("missing bucket (local cloud)", { endpoint: cloud.oci.url, namespace: "" }));
  });

  it("missing file system", async () => {
    const line = await plan("fs", { source: { fileSystem: "no-such-fs" } });
    assert.equal(line, expected("missing file system (local cloud)", { endpoint: cloud.adls.accountUrl }));
  });

  it("missing path, named", async () => {
    const line = await plan("path", { source: { path: "raw/no-such-dir" } });
    assert.equal(line, expected("missing path (local cloud)", { endpoint: cloud.adls.accountUrl, fileSystem }));
  });

  it("wrong OCI key (a config whose key file is another key)", async () => {
    const line = await plan("ocikey", { target: { configFile: cloud.credentials.wrongConfigFile } });
    assert.equal(line, expected("wrong OCI key (local cloud)", { endpoint: cloud.oci.url, namespace: "", bucket }));
  });

  it("unreachable OCI endpoint (a closed port)", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const line = await plan("ociport", { target: { endpoint } });
    assert.equal(line, expected("OCI endpoint refused (closed port)", { endpoint, namespace: "", bucket }));
  });

  it("unreachable ADLS endpoint (a closed port)", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}/${cloud.adls.accountName}`;
    const line = await plan("adlsport", { source: { endpoint } });
    assert.equal(line, expected("ADLS endpoint refused (closed port)", { endpoint, fileSystem }));
  });

  it("wrong ADLS key", async () => {
    const wrong = randomBytes(64).toString("base64");
    const line = await plan("adlskey", {}, { LAKE2OCI_SP_KEY: wrong });
    assert.ok(!line.includes(wrong));
    assert.equal(line, expected("wrong ADLS key (local cloud)", { endpoint: cloud.adls.accountUrl, fileSystem }));
  });
});
