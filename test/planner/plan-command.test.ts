// `lake2oci plan` end to end on the local cloud: a lake of 12,000 files where some are already copied (the object
// carries the source etag it was copied from, as the job writes it), some hold the same size with nothing proving
// them unchanged (no metadata: copied again), some changed, some new, and some objects exist only in the target.
// Without an equality state the plan warns once and rebuilds it with HEAD requests; with one, it reads it. The plan must be right file by file and its summary must add
// up; bad configs and unreachable stores must give one clear line each.
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startLocalCloud, type LocalCloud } from "../../src/emulators/local-cloud.ts";
import { readPlan } from "../../src/planner/plan-file.ts";
import { ociObjectStorageClient } from "../../src/stores/oci/oci-client.ts";
import { pool } from "../../scripts/lib/seed-lake.ts";
import { repoRoot, runCommand } from "../helpers/python.ts";

const FILES = 12_000;
type Kind = "equal" | "update" | "new";
const kindOf = (i: number): Kind => (i % 10 < 6 ? "equal" : i % 10 < 8 ? "update" : "new");
/** An equal object written without the job's metadata: the same bytes, but nothing shows it. */
const bare = (i: number) => i % 10 === 5;
const statusOf = (i: number): Kind => (bare(i) ? "update" : kindOf(i));
const nameOf = (i: number) => `lake/year=${2020 + (i % 4)}/month=${String((i % 12) + 1).padStart(2, "0")}/part-${String(i).padStart(5, "0")} ü.parquet`;
const sizeOf = (i: number) => (i % 97 === 0 ? 0 : 10 + (i % 50));
const TARGET_ONLY = ["lake/orphan-1.parquet", "lake/zz/orphan-2.parquet", "lake/year=2020/orphan 3.parquet"];

describe("lake2oci plan on the local cloud", { timeout: 600_000 }, () => {
  let cloud: LocalCloud;
  let dir: string;
  let config: Record<string, unknown>;
  const cli = (args: string[]) =>
    runCommand(process.execPath, ["--import", "tsx", join(repoRoot, "src", "cli", "main.ts"), ...args], {
      env: { TEST_ADLS_KEY: cloud.adls.accountKey },
    });

  before(async () => {
    cloud = await startLocalCloud();
    dir = await mkdtemp(join(tmpdir(), "lake2oci-plan-test-"));
    const { accountName, accountKey, accountUrl } = cloud.adls;
    // Seeded through Azurite's Blob API (one request a file; files written so are files of the HNS file system too).
    const blobs = new BlobServiceClient(`http://127.0.0.1:${cloud.adls.azuritePort}/${accountName}`, new StorageSharedKeyCredential(accountName, accountKey));
    const fs = blobs.getContainerClient("lake-fs");
    await fs.create();
    const c = cloud.credentials;
    const oci = ociObjectStorageClient({ configFile: c.configFile, profile: c.profile, endpoint: cloud.oci.url });
    const ns = cloud.oci.namespace;
    await oci.createBucket({ namespaceName: ns, createBucketDetails: { name: "target", compartmentId: c.tenancy } });
    const put = (name: string, size: number, etag?: string) =>
      oci.putObject({
        namespaceName: ns,
        bucketName: "target",
        objectName: name,
        putObjectBody: Buffer.alloc(size, 1),
        contentLength: size,
        opcMeta: etag === undefined ? undefined : { "lake2oci-source-etag": etag },
      });
    await pool([...Array(FILES).keys()], 32, async (i) => {
      const uploaded = await fs.getBlockBlobClient(nameOf(i)).upload(Buffer.alloc(sizeOf(i), 1), sizeOf(i));
      const k = kindOf(i);
      if (k === "equal") await put(nameOf(i), sizeOf(i), bare(i) ? undefined : uploaded.etag);
      if (k === "update") await put(nameOf(i), sizeOf(i) + 1);
    });
    for (const n of TARGET_ONLY) await put(n, 5);
    config = {
      source: {
        type: "adls",
        accountName,
        fileSystem: "lake-fs",
        endpoint: accountUrl,
        auth: { method: "key", accountKey: "env:TEST_ADLS_KEY" },
      },
      target: { bucket: "target", namespace: ns, profile: "LOCAL", configFile: c.configFile, configProfile: c.profile, endpoint: cloud.oci.url },
    };
  });

  after(async () => {
    await cloud?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const writeConfig = async (name: string, value: unknown) => {
    const p = join(dir, name);
    await writeFile(p, JSON.stringify(value, null, 2));
    return p;
  };

  it("plans 12,000 files right, file by file, and the summary adds up", { timeout: 120_000 }, async () => {
    const out = join(dir, "plan.jsonl");
    const r = await cli(["plan", "--config", await writeConfig("ok.json", config), "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    const stateFile = join(dir, "log_dataflow_app_migration.json.state", `target@${cloud.oci.namespace}`, "_root.jsonl");
    const warnings = r.stderr.split("\n").filter((l) => l.startsWith("lake2oci: no equality state"));
    assert.deepEqual(warnings, [
      `lake2oci: no equality state at ${stateFile}; rebuilding it from the objects' metadata (one HEAD request per same-size object)`,
    ]);
    assert.match(r.stderr, /listing: source [\d,]+ \(done\), target [\d,]+ \(done\)/);
    assert.match(r.stdout, /plan errors: 0/);
    const plan = await readPlan(out);
    const byName = new Map<
      string,
      { status: string; action: string; evidence: string; sourceSize: number | null; targetSize: number | null; sourceVersion?: string }
    >();
    for await (const rec of plan.records()) {
      assert.equal(rec.error, undefined, `unexpected plan error ${JSON.stringify(rec.error)}`);
      if (rec.entry) byName.set(rec.entry.targetName, rec.entry);
    }
    const want = { new: 0, update: 0, equal: 0 };
    for (let i = 0; i < FILES; i++) {
      const e = byName.get(nameOf(i));
      assert.ok(e, `${nameOf(i)} is in the plan`);
      const k = kindOf(i);
      want[statusOf(i)]++;
      assert.equal(e.status, statusOf(i), `${nameOf(i)}: ${JSON.stringify(e)}`);
      assert.equal(e.action, statusOf(i) === "equal" ? "skip" : "copy", nameOf(i));
      assert.equal(e.evidence, k === "new" ? "absent" : k === "update" ? "size" : bare(i) ? "none" : "version", nameOf(i));
      assert.ok(e.sourceVersion, `${nameOf(i)} carries its listed version`);
      assert.equal(e.sourceSize, sizeOf(i));
      assert.equal(e.targetSize, k === "new" ? null : k === "update" ? sizeOf(i) + 1 : sizeOf(i));
    }
    for (const n of TARGET_ONLY) assert.equal(byName.get(n)?.status, "target-only", n);
    assert.equal(byName.size, FILES + TARGET_ONLY.length);
    const s = plan.header.summary;
    assert.equal(s.new.files, want.new);
    assert.equal(s.update.files, want.update);
    assert.equal(s.equal.files, want.equal);
    assert.equal(s.targetOnly.files, TARGET_ONLY.length);
    assert.equal(s.copy.files, want.new + want.update);
    let bytesToCopy = 0;
    for (let i = 0; i < FILES; i++) if (statusOf(i) !== "equal") bytesToCopy += sizeOf(i);
    assert.equal(s.copy.bytes, bytesToCopy);
    assert.equal(plan.header.valid, true);

    // With a state beside the log, the plan reads it (no warning, no HEAD): a record that still describes the object
    // gives its version; a bare object with a record is equal too.
    const etagOf = new Map<string, string>();
    for (const [name, e] of byName) if (e.sourceVersion !== undefined) etagOf.set(name, e.sourceVersion);
    const records: string[] = [];
    const oci = ociObjectStorageClient({ configFile: cloud.credentials.configFile, profile: cloud.credentials.profile, endpoint: cloud.oci.url });
    for (const i of [5, 15]) {
      const head = await oci.headObject({ namespaceName: cloud.oci.namespace, bucketName: "target", objectName: nameOf(i) });
      records.push(JSON.stringify({ name: nameOf(i), size: sizeOf(i), md5: head.contentMd5, sourceVersion: etagOf.get(nameOf(i)), sourceMd5: null }));
    }
    records.sort();
    const header = { kind: "lake2oci-state", version: 1, namespace: cloud.oci.namespace, bucket: "target", prefix: "", runId: "20260101000000000000" };
    await mkdir(dirname(stateFile), { recursive: true });
    await writeFile(stateFile, `${[JSON.stringify(header), ...records].join("\n")}\n`);
    const again = await cli(["plan", "--config", join(dir, "ok.json"), "--out", join(dir, "again.jsonl")]);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /no equality state/);
    const second = await readPlan(join(dir, "again.jsonl"));
    const got = new Map<string, { status: string; evidence: string }>();
    for await (const rec of second.records()) if (rec.entry) got.set(rec.entry.targetName, rec.entry);
    for (const i of [5, 15]) assert.deepEqual([got.get(nameOf(i))?.status, got.get(nameOf(i))?.evidence], ["equal", "version"], nameOf(i));
    // Objects the state does not name are judged without evidence now (the state is what the job keeps).
    assert.deepEqual([got.get(nameOf(0))?.status, got.get(nameOf(0))?.evidence], ["update", "none"]);
  });

  it("refuses a mirror plan over its deletion guard, listing the plan error", { timeout: 120_000 }, async () => {
    const r = await cli(["plan", "--config", await writeConfig("mirror.json", { ...config, mirror: { enabled: true, maxDeletions: 2 } }), "--out", join(dir, "m.jsonl")]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /plan error \(too-many-deletions\)/);
  });

  it("names every bad field of a config at once", async () => {
    const bad = {
      source: { type: "adls", accountName: "Bad_Name", fileSystem: "lake-fs", auth: { method: "key", accountKey: "c2VjcmV0LXZhbHVlLXRoYXQtaXMtaW5saW5lLTEyMzQ1Njc4OTA=" } },
      target: { bucket: "target", profile: "local" },
    };
    const r = await cli(["plan", "--config", await writeConfig("bad.json", bad)]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /source\.accountName:/);
    assert.match(r.stderr, /source\.auth\.accountKey: looks like an inline secret/);
    assert.match(r.stderr, /target\.profile: must be one of "LOCAL", "DATAFLOW"/);
    assert.doesNotMatch(r.stderr, /c2VjcmV0/, "the secret is never echoed");
  });

  it("says in one line when a store is unreachable, the key is wrong, or the bucket is missing", { timeout: 60_000 }, async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["unreachable.json", { ...config, source: { ...(config.source as object), endpoint: "http://127.0.0.1:9/devstoreaccount1" } }, /ADLS account .* unreachable: connection refused; fix source\.endpoint/],
      ["wrongkey.json", { ...config, source: { ...(config.source as object), auth: { method: "key", accountKey: "env:WRONG_KEY" } } }, /ADLS account .*refused the credentials.*fix source\.auth\.accountKey/],
      ["nobucket.json", { ...config, target: { ...(config.target as object), bucket: "missing-bucket" } }, /OCI bucket "missing-bucket" in namespace "\S+" not found.*fix target\.bucket \(--target-bucket\)/],
    ];
    for (const [file, cfg, want] of cases) {
      const r = await runCommand(process.execPath, ["--import", "tsx", join(repoRoot, "src", "cli", "main.ts"), "plan", "--config", await writeConfig(file, cfg), "--out", join(dir, `${file}.jsonl`)], {
        env: { TEST_ADLS_KEY: cloud.adls.accountKey, WRONG_KEY: Buffer.alloc(64, 3).toString("base64") },
      });
      assert.equal(r.code, 2, `${file}: ${r.stderr}`);
      assert.match(r.stderr, want, file);
      if (file === "nobucket.json") assert.doesNotMatch(r.stdout + r.stderr, /listing: source [1-9]/, "a missing bucket is found before the source is listed");
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${file}: no stack trace`);
      assert.equal(r.stderr.trim().split("\n").filter((l) => l.startsWith("lake2oci")).length, 1, `${file}: ${r.stderr}`);
    }
  });
});
