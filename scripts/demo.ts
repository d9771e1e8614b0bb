// `npm run demo`: the whole job end to end on the local cloud. Starts the local cloud, seeds a small lake (real
// parquet written by Spark, plus the edge cases a migration must get right), builds dist/app.py, runs
// `spark-submit dist/app.py` on it, prints the summary and where the log is, runs it again to show every file `equal`,
// and stops the local cloud. The log and the job file stay in .cache/demo/ for a look afterwards.
// Options: --rows-per-file N (default 200,000: about 300 MB of parquet), --keep (keep the local cloud's data too),
// --source adls|s3|gcs|hdfs|local (default adls: where the lake is; s3 is moto's server with signatures checked, gcs
// fake-gcs-server behind a front that checks service-account tokens, hdfs a real MiniDFSCluster read over RPC, local
// a directory).
import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildApp } from "../codegen/build-app.ts";
import { startLocalCloud } from "../src/emulators/local-cloud.ts";
import { ociObjectStorageClient } from "../src/stores/oci/oci-client.ts";
import { readFile } from "node:fs/promises";
import { relative, sep } from "node:path";
import { deterministicBytes, EDGE_CASE_NAMES, uploadTree, walk, writeEdgeCases } from "./lib/seed-lake.ts";
import { SOURCE_KINDS, type SourceKind, sourceJobValues, sourceLake } from "./lib/source-lakes.ts";
import { ADLS_KEY_ENV, appPy, localJobValues, repoRoot, sparkSubmit, venvBin, writeJobFile } from "./lib/spark-job.ts";

const { values } = parseArgs({
  options: {
    "rows-per-file": { type: "string", default: "200000" },
    keep: { type: "boolean", default: false },
    source: { type: "string", default: "adls" },
  },
});
const source = values.source as SourceKind;
if (!SOURCE_KINDS.includes(source)) {
  console.error(`demo: --source must be one of ${SOURCE_KINDS.join(", ")}, got ${JSON.stringify(values.source)}`);
  process.exit(2);
}
const rowsPerFile = Number(values["rows-per-file"]);
const step = (s: string) => console.log(`\n== ${s}`);

step("Python environment (.venv with pyspark, oci, azure SDKs)");
const setup = spawnSync("bash", [join(repoRoot, "scripts", "setup-python.sh")], { stdio: "inherit" });
if (setup.status !== 0) process.exit(setup.status ?? 1);

step("building dist/app.py from src/core and src/job");
{
  const text = buildApp();
  const current = existsSync(appPy) ? readFileSync(appPy, "utf8") : "";
  if (current !== text) writeFileSync(appPy, text);
  console.log(current === text ? "dist/app.py is up to date" : "dist/app.py regenerated");
}

const out = join(repoRoot, ".cache", "demo");
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const work = await mkdtemp(join(tmpdir(), "lake2oci-demo-"));
const cloud = await startLocalCloud({ ...(values.keep ? { dir: join(out, "cloud") } : {}), s3: source === "s3", gcs: source === "gcs", hdfs: source === "hdfs" });
let exitCode = 0;
try {
  const stores = { adls: `ADLS ${cloud.adls.accountUrl}`, s3: `S3 ${cloud.s3?.url}`, gcs: `GCS ${cloud.gcs?.url}`, hdfs: `HDFS ${cloud.hdfs?.rpcUrl}`, local: "a local directory" };
  step(`local cloud: OCI emulator ${cloud.oci.url}, source ${stores[source]}`);

  step(`writing parquet with Spark (8 partitions x 3 years, ${rowsPerFile.toLocaleString("en-US")} rows each)`);
  const pq = spawnSync(join(venvBin, "python"), [join(repoRoot, "scripts", "make-parquet.py"), join(work, "parquet"), "--files", "8", "--rows-per-file", String(rowsPerFile)], {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    env: { ...process.env, SPARK_LOCAL_IP: "127.0.0.1" },
  });
  if (pq.status !== 0) throw new Error("make-parquet.py failed (see above)");
  const made = JSON.parse(pq.stdout.trim().split("\n").pop() ?? "{}") as { files: number; bytes: number };
  console.log(`${made.files} parquet files, ${(made.bytes / 1e6).toFixed(0)} MB`);

  const c = cloud.credentials;
  const oci = ociObjectStorageClient({ configFile: c.configFile, profile: c.profile, endpoint: cloud.oci.url });
  const bucket = source === "adls" ? "target-azure" : `target-${source}`;
  await oci.createBucket({ namespaceName: cloud.oci.namespace, createBucketDetails: { name: bucket, compartmentId: c.tenancy } });
  const logPath = join(out, "log_dataflow_app_migration.json");
  let jobValues: Record<string, unknown>;
  let env: Record<string, string>;
  if (source === "adls") {
    step("seeding ADLS Gen2: file system 'parquetfiles'");
    const { accountName, accountKey, accountUrl } = cloud.adls;
    const fs = new DataLakeServiceClient(accountUrl, new StorageSharedKeyCredential(accountName, accountKey)).getFileSystemClient("parquetfiles");
    await fs.create();
    const seeded = await uploadTree(fs, join(work, "parquet"), "directory_name", 4);
    const edges = await writeEdgeCases(fs);
    console.log(`${seeded.length} parquet files under directory_name/ and ${edges.length} edge cases (zero bytes, spaces, unicode, %, +, #)`);
    jobValues = localJobValues(cloud, { fileSystem: "parquetfiles", bucket, logPath });
    env = { [ADLS_KEY_ENV]: accountKey };
  } else {
    const lake = await sourceLake(cloud, source, "parquetfiles");
    step(`seeding ${lake.where}`);
    const paths = await walk(join(work, "parquet"));
    for (const p of paths) await lake.put(["directory_name", ...relative(join(work, "parquet"), p).split(sep)].join("/"), await readFile(p));
    for (const [i, name] of EDGE_CASE_NAMES.entries()) await lake.put(name, name.includes("empty") ? Buffer.alloc(0) : deterministicBytes(1000 + i * 777, 100 + i));
    console.log(`${paths.length} parquet files under directory_name/ and ${EDGE_CASE_NAMES.length} edge cases (zero bytes, spaces, unicode, %, +, #)`);
    jobValues = sourceJobValues(cloud, lake, bucket, logPath);
    env = lake.env;
  }
  const jobFile = await writeJobFile(join(out, "lake2oci-job.json"), jobValues);

  for (const [i, title] of [
    [1, "first run: everything is new"],
    [2, "second run: everything is equal, nothing is written"],
  ] as const) {
    step(`spark-submit dist/app.py --job-file ${jobFile}   (${title})`);
    cloud.oci.resetRequests();
    const started = Date.now();
    const run = await sparkSubmit(["--job-file", jobFile], { echo: true, env });
    const counts = cloud.oci.requestCounts();
    const writes = ["PutObject", "UploadPart", "CreateMultipartUpload", "CommitMultipartUpload"].reduce((n, k) => n + (counts[k] ?? 0), 0);
    console.log(`run ${i}: exit ${run.code} in ${((Date.now() - started) / 1000).toFixed(1)} s; write requests at the OCI emulator: ${writes}`);
    if (run.code !== 0) {
      console.error(run.stderr.split("\n").filter((l) => !/ (INFO|WARN) /.test(l)).slice(-40).join("\n"));
      exitCode = run.code ?? 1;
      break;
    }
  }
  step(`the migration log (seed format, JSON array): ${logPath}`);
} finally {
  await cloud.stop();
  await rm(work, { recursive: true, force: true });
}
process.exit(exitCode);
