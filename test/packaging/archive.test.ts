// archive.zip from the cached wheels (no network: fill the cache first with
// `npx tsx scripts/build-archive.ts --fetch-only`): the layout Data Flow needs for Python 3.11 and for the original
// 3.6, byte-identical rebuilds, and the proof that the archive carries everything the job needs: the archive is
// unpacked and `spark-submit app.py` runs with PYTHONPATH set to its site-packages only, under a Python that has no
// packages at all (pyspark comes from Spark itself, as on Data Flow), migrating a lake on the local cloud, once with
// the OCI key shipped in the archive and once with a resource principal (the emulator checks the ST$ session token).
import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { writeEdgeCases, type SeededFile } from "../../scripts/lib/seed-lake.ts";
import { startLocalCloud, type LocalCloud } from "../../src/emulators/local-cloud.ts";
import { createResourcePrincipalIssuer, type ResourcePrincipalIssuer } from "../../src/emulators/oci/resource-principal.ts";
import { buildArchive } from "../../src/packaging/build-archive.ts";
import { buildDataflow, type BuildDataflowResult } from "../../src/packaging/build-dataflow.ts";
import { readDataflowConfig } from "../../src/packaging/dataflow-config.ts";
import { cachedWheels } from "../../src/packaging/wheels.ts";
import { ZipReader } from "../../src/packaging/zip-reader.ts";
import { ociObjectStorageClient } from "../../src/stores/oci/oci-client.ts";
import { repoRoot, requireVenv, runCommand } from "../helpers/python.ts";

const ADLS_KEY_ENV = "LAKE2OCI_ARCHIVE_TEST_ADLS_KEY";
const SITE311 = "python/lib/python3.11/site-packages";
const SITE36 = "python/lib/python3.6/site-packages";
let sparkHome = "";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** spark-submit APP with a given Python and PYTHONPATH only; the process group is killed on timeout. */
function sparkSubmit(app: string, python: string, pythonPath: string, env: Record<string, string>, timeoutMs = 240_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const conf = ["spark.ui.enabled=false", "spark.ui.showConsoleProgress=false", "spark.driver.host=127.0.0.1", "spark.driver.bindAddress=127.0.0.1", "spark.task.maxFailures=1"];
    const child = spawn(join(repoRoot, ".venv", "bin", "spark-submit"), ["--master", "local[2]", ...conf.flatMap((c) => ["--conf", c]), app], {
      cwd: tmpdir(),
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? tmpdir(),
        ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}),
        SPARK_HOME: sparkHome,
        PYSPARK_PYTHON: python,
        PYSPARK_DRIVER_PYTHON: python,
        PYTHONPATH: pythonPath,
        PYTHONNOUSERSITE: "1",
        PYTHONDONTWRITEBYTECODE: "1",
        SPARK_LOCAL_IP: "127.0.0.1",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const show = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.split("\n").filter((l) => !/ (INFO|WARN) /.test(l)).slice(-40).join("\n")}`;

/** The e_machine of an ELF shared object (62 = x86-64). */
function elfMachine(data: Buffer): number {
  assert.equal(data.subarray(0, 4).toString("latin1"), "\x7fELF");
  return data.readUInt16LE(18);
}

describe("archive.zip for OCI Data Flow", { timeout: 900_000 }, () => {
  let cloud: LocalCloud;
  let dir: string;
  let bare: string;
  let issuer: ResourcePrincipalIssuer;
  let seeded: SeededFile[];
  let keyConfig: string;
  let rpConfig: string;
  let keyBuild: BuildDataflowResult;

  const configFor = (bucket: string, target: Record<string, unknown>) => ({
    source: {
      type: "adls",
      accountName: cloud.adls.accountName,
      fileSystem: "lake",
      endpoint: cloud.adls.accountUrl,
      auth: { method: "key", accountKey: `env:${ADLS_KEY_ENV}` },
    },
    target: { bucket, profile: "DATAFLOW", namespace: cloud.oci.namespace, endpoint: cloud.oci.url, prefix: "copied", ...target },
    log: { bucket, object: "log/migration.json" },
  });

  before(async () => {
    // Fails with the command that fills the cache when it is empty.
    cachedWheels(repoRoot, "3.11");
    cachedWheels(repoRoot, "3.6");
    const venvPython = requireVenv();
    // The archive holds CPython 3.11 builds (Data Flow's Python): the unpacked archive runs under the same version.
    const probe = await runCommand(venvPython, ["-c", "import os, sys, pyspark; print('%d.%d' % sys.version_info[:2]); print(os.path.dirname(pyspark.__file__))"]);
    const [version, pysparkDir] = probe.stdout.trim().split("\n");
    assert.equal(version, "3.11", `the project's .venv runs Python ${version}; this test needs 3.11, Data Flow's (LAKE2OCI_PYTHON=python3.11 npm run setup:python)`);
    sparkHome = pysparkDir;
    dir = await mkdtemp(join(tmpdir(), "lake2oci-archive-test-"));
    bare = join(dir, "bare-python");
    const venv = await runCommand(venvPython, ["-m", "venv", "--without-pip", bare]);
    assert.equal(venv.code, 0, venv.stderr);
    cloud = await startLocalCloud();
    issuer = createResourcePrincipalIssuer();
    cloud.oci.trustSessionTokenIssuer(issuer.publicKeyPem);
    const { accountName, accountKey, accountUrl } = cloud.adls;
    const fs = new DataLakeServiceClient(accountUrl, new StorageSharedKeyCredential(accountName, accountKey)).getFileSystemClient("lake");
    await fs.create();
    seeded = await writeEdgeCases(fs);
    const c = cloud.credentials;
    const oci = ociObjectStorageClient({ configFile: c.configFile, profile: c.profile, endpoint: cloud.oci.url });
    for (const name of ["target-key", "target-rp"]) {
      await oci.createBucket({ namespaceName: cloud.oci.namespace, createBucketDetails: { name, compartmentId: c.tenancy } });
    }
    keyConfig = join(dir, "key.json");
    await writeFile(keyConfig, JSON.stringify(configFor("target-key", { configFile: c.configFile, configProfile: c.profile })));
    rpConfig = join(dir, "rp.json");
    await writeFile(rpConfig, JSON.stringify(configFor("target-rp", {})));
  });

  after(async () => {
    await cloud?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const build = (configFile: string, outDir: string) =>
    buildDataflow({ configFile, outDir, fetch: false, regenerateApp: false, root: repoRoot });

  it("Python 3.11: the packager's layout, the job file, the key only as asked, nothing else; twice the same bytes", async () => {
    const [first, again] = await Promise.all([build(keyConfig, join(dir, "key-1")), build(keyConfig, join(dir, "key-2"))]);
    keyBuild = first;
    assert.equal(again.archive.sha256, keyBuild.archive.sha256);
    assert.deepEqual(await readFile(again.archive.file), await readFile(keyBuild.archive.file));

    const zip = ZipReader.open(keyBuild.archive.file);
    const names = zip.entries.map((e) => e.name);
    assert.deepEqual(names, [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))), "entries in byte order");
    for (const n of names) {
      assert.ok(`${SITE311}/`.startsWith(n) || n.startsWith(`${SITE311}/`), n);
      assert.doesNotMatch(n, /(^|\/)__pycache__\/|\.py[co]$|(^|\/)tests\//, n);
    }
    for (const want of [
      "oci/__init__.py",
      "oci/object_storage/object_storage_client.py",
      "oci/auth/signers/ephemeral_resource_principals_signer.py",
      "azure/storage/filedatalake/__init__.py",
      "azure/identity/__init__.py",
      "oci-2.189.0.dist-info/METADATA",
      "azure_storage_file_datalake-12.26.1.dist-info/METADATA",
      "azure_identity-1.27.0.dist-info/METADATA",
      "lake2oci-job.json",
      "src/.oci/config",
      "src/.oci/oci_api_key.pem",
    ]) {
      assert.ok(names.includes(`${SITE311}/${want}`), `missing ${want}`);
    }
    assert.deepEqual(keyBuild.archive.shippedEntries, [`${SITE311}/src/.oci/config`, `${SITE311}/src/.oci/oci_api_key.pem`]);
    assert.equal(names.filter((n) => n.includes("/src/")).length, 4, "src/, src/.oci/, the config and the key, nothing more");
    const entry = (name: string) => zip.entries.find((e) => e.name === `${SITE311}/${name}`)!;
    assert.equal(entry("src/.oci/config").unixMode & 0o777, 0o600);
    assert.equal(entry("src/.oci/oci_api_key.pem").unixMode & 0o777, 0o600);
    assert.equal(entry("lake2oci-job.json").unixMode & 0o777, 0o644);
    assert.deepEqual(zip.read(entry("src/.oci/oci_api_key.pem")), readFileSync(cloud.credentials.keyFile));
    const shipped = zip.read(entry("src/.oci/config")).toString();
    assert.match(shipped, /^\[LOCAL\]$/m);
    assert.doesNotMatch(shipped, /^\[DEFAULT\]$/m);
    assert.match(shipped, new RegExp(`^key_file=/opt/dataflow/${SITE311}/src/\\.oci/oci_api_key\\.pem$`, "m"));
    const job = JSON.parse(zip.read(entry("lake2oci-job.json")).toString()) as Record<string, unknown>;
    const { job: wantJob } = await readDataflowConfig(keyConfig, { python: "3.11" });
    assert.deepEqual(job, wantJob);
    assert.equal(job["target-profile"], "DATAFLOW");
    assert.equal(job["target-config-profile"], "LOCAL");
    // Native code is for Linux x86_64 and CPython 3.11.
    const natives = zip.entries.filter((e) => e.name.endsWith(".so"));
    assert.ok(natives.length >= 5, `${natives.length} shared objects`);
    for (const so of natives) {
      assert.equal(elfMachine(zip.read(so)), 62, so.name);
      assert.doesNotMatch(so.name, /cpython-3(?!11)\d+-/, so.name);
    }
    assert.ok(names.some((n) => /cffi_backend\.cpython-311-x86_64-linux-gnu\.so$/.test(n)));
    // app.py is the committed one, never config-specific; the settings JSON goes with it.
    assert.deepEqual(await readFile(keyBuild.app.file), await readFile(join(repoRoot, "dist", "app.py")));
    const settings = JSON.parse(await readFile(keyBuild.settingsFile, "utf8")) as Record<string, unknown>;
    assert.equal(settings.sparkVersion, "3.5.0");
    assert.equal(settings.configuration, undefined, "a shipped key: no dataflow.auth");
    assert.ok(keyBuild.warnings.some((w) => w.startsWith("archive.zip holds an OCI API private key")));
  });

  it("Python 3.6: the original python3.6 layout with packages built for CPython 3.6", async () => {
    const wheels = cachedWheels(repoRoot, "3.6");
    const { job } = await readDataflowConfig(rpConfig, { python: "3.6" });
    const archive = await buildArchive({ python: "3.6", wheels, out: join(dir, "py36.zip"), jobFile: job });
    const zip = ZipReader.open(archive.file);
    const names = zip.entries.map((e) => e.name);
    for (const n of names) assert.ok(`${SITE36}/`.startsWith(n) || n.startsWith(`${SITE36}/`), n);
    for (const want of ["oci/__init__.py", "azure/storage/filedatalake/__init__.py", "azure/identity/__init__.py", "oci-2.168.1.dist-info/METADATA", "lake2oci-job.json"]) {
      assert.ok(names.includes(`${SITE36}/${want}`), `missing ${want}`);
    }
    assert.ok(!names.some((n) => n.includes("/src/.oci/")), "no key without config-file auth");
    const natives = zip.entries.filter((e) => e.name.endsWith(".so"));
    assert.ok(natives.some((e) => /cpython-36m-x86_64-linux-gnu\.so$/.test(e.name)), "cffi for CPython 3.6");
    for (const so of natives) assert.equal(elfMachine(zip.read(so)), 62, so.name);
  });

  async function unpack(archive: string, name: string): Promise<string> {
    const out = join(dir, name);
    const r = await runCommand(join(bare, "bin", "python"), ["-m", "zipfile", "-e", archive, out]);
    assert.equal(r.code, 0, r.stderr);
    return join(out, SITE311);
  }

  async function checkMigrated(bucket: string): Promise<void> {
    const c = cloud.credentials;
    const oci = ociObjectStorageClient({ configFile: c.configFile, profile: c.profile, endpoint: cloud.oci.url });
    const listed = await oci.listObjects({ namespaceName: cloud.oci.namespace, bucketName: bucket, fields: "name,size,md5" });
    const got = new Map(listed.listObjects.objects.map((o) => [o.name, o]));
    for (const f of seeded) {
      const o = got.get(`copied/${f.name}`);
      assert.ok(o, `copied/${f.name} is missing in ${bucket}`);
      assert.equal(o.size, f.size, f.name);
      assert.equal(o.md5, f.md5, f.name);
    }
    const log = await oci.getObject({ namespaceName: cloud.oci.namespace, bucketName: bucket, objectName: "log/migration.json" });
    const text = Buffer.from(await new Response(log.value as ReadableStream).arrayBuffer()).toString("utf8");
    const records = JSON.parse(text) as { source_name: string; status: string; outcome: string }[];
    assert.deepEqual(records.map((r) => r.source_name).sort(), seeded.map((f) => f.name).sort());
    for (const r of records) assert.deepEqual([r.status, r.outcome], ["new", "copied"], r.source_name);
  }

  it("the unpacked archive alone runs the migration (the key shipped in it)", async () => {
    assert.ok(keyBuild !== undefined, "the 3.11 build ran");
    const site = await unpack(keyBuild.archive.file, "key-unpacked");
    const python = join(bare, "bin", "python");
    // The Python has none of the job's packages until PYTHONPATH names the archive's site-packages.
    const without = await runCommand(python, ["-c", "import oci"], { env: { PYTHONPATH: "", PYTHONNOUSERSITE: "1" } });
    assert.notEqual(without.code, 0, "the bare Python must not have oci");
    const withSite = await runCommand(python, ["-c", "import oci, azure.storage.filedatalake, azure.identity; print(oci.__file__)"], {
      env: { PYTHONPATH: site, PYTHONNOUSERSITE: "1" },
    });
    assert.equal(withSite.code, 0, withSite.stderr);
    assert.ok(withSite.stdout.startsWith(site), withSite.stdout);

    const run = await sparkSubmit(keyBuild.app.file, python, site, { [ADLS_KEY_ENV]: cloud.adls.accountKey });
    assert.equal(run.code, 0, show(run));
    assert.match(run.stdout, new RegExp(`job file ${site.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/lake2oci-job\\.json`));
    assert.match(run.stderr, /API key of \[LOCAL\] in .*src\/\.oci\/config, shipped inside the archive/);
    await checkMigrated("target-key");
  });

  it("the unpacked archive runs with the run's resource principal, no key anywhere", async () => {
    const rpBuild = await build(rpConfig, join(dir, "rp"));
    assert.deepEqual(rpBuild.archive.shippedEntries, []);
    assert.ok(!ZipReader.open(rpBuild.archive.file).entries.some((e) => e.name.includes("/src/")), "no src/ in the archive");
    assert.deepEqual(rpBuild.settings.configuration, { "dataflow.auth": "resource_principal" });
    const site = await unpack(rpBuild.archive.file, "rp-unpacked");
    assert.ok(!existsSync(join(site, "src")));
    const session = issuer.issue({ tenancy: cloud.credentials.tenancy });
    const tokenDir = await mkdtemp(join(dir, "rp-token-"));
    const env = await session.writeFiles(tokenDir);
    const run = await sparkSubmit(rpBuild.app.file, join(bare, "bin", "python"), site, { ...env, [ADLS_KEY_ENV]: cloud.adls.accountKey });
    assert.equal(run.code, 0, show(run));
    assert.doesNotMatch(run.stderr, /shipped inside the archive/);
    await checkMigrated("target-rp");
    // The emulator took the session token: a token from an issuer it does not trust is refused.
    const stranger = createResourcePrincipalIssuer().issue();
    const refused = await runCommand(
      join(bare, "bin", "python"),
      [
        "-c",
        "import oci,sys\ns=oci.auth.signers.get_resource_principals_signer()\n" +
          "c=oci.object_storage.ObjectStorageClient({'region':s.region},signer=s,service_endpoint=sys.argv[1],retry_strategy=oci.retry.NoneRetryStrategy())\n" +
          "try:\n  c.get_namespace()\nexcept oci.exceptions.ServiceError as e:\n  print(e.status, e.message)\n",
        cloud.oci.url,
      ],
      { env: { ...stranger.env(), PYTHONPATH: site, PYTHONNOUSERSITE: "1" } },
    );
    assert.equal(refused.code, 0, refused.stderr);
    assert.match(refused.stdout, /^401 Refused session-token keyId: the token is not signed by a trusted issuer/);
  });
});
