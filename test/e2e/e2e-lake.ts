// Shared pieces of the end-to-end tests of the Spark job: a seeded lake (real parquet from Spark plus generated files
// with the names a migration must get right), written straight through Azurite's Blob API; the OCI bucket checks
// (every object byte-identical to its source, MD5 of a streamed GET); and readers for the migration log and the
// job's output.
import { BlobServiceClient, type ContainerClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { ObjectStorageClient } from "oci-objectstorage";
import { deterministicBytes, deterministicStream, EDGE_CASE_NAMES, pool } from "../../scripts/lib/seed-lake.ts";
import type { LocalCloud } from "../../src/emulators/local-cloud.ts";
import { ociObjectStorageClient } from "../../src/stores/oci/oci-client.ts";
import { repoRoot, venvPython } from "../helpers/python.ts";

/** One source file as seeded: its name in the file system, its size and the base64 MD5 of its bytes. */
export interface LakeFile {
  name: string;
  size: number;
  md5: string;
}

export const MIB = 1024 * 1024;

/** The first ten fields of every log record, in this order (the original job's; `targe_` is its spelling). */
export const FIRST_TEN = [
  "source_name",
  "source_size",
  "targe_name",
  "targe_size",
  "start_date",
  "end_date",
  "run_time",
  "run_date",
  "run_id",
  "status",
] as const;

export interface LogRecord {
  source_name: string;
  source_size: number;
  targe_name: string;
  targe_size: number | null;
  start_date: string;
  end_date: string;
  run_time: string;
  run_date: string;
  run_id: string;
  status: string;
  outcome: string;
  source_md5: string | null;
  source_version: string | null;
  target_md5: string | null;
  verified: boolean;
  evidence: string | null;
  attempts: number;
  error: string | null;
  bytes_per_second: number | null;
}

const md5 = (data: Buffer) => createHash("md5").update(data).digest("base64");

/** A Blob API client on Azurite itself (not the gateway): one request a small file, the fastest way to seed. */
export function azuriteContainer(cloud: LocalCloud, fileSystem: string): ContainerClient {
  const { accountName, accountKey } = cloud.adls;
  const blobs = new BlobServiceClient(`http://127.0.0.1:${cloud.adls.azuritePort}/${accountName}`, new StorageSharedKeyCredential(accountName, accountKey));
  return blobs.getContainerClient(fileSystem);
}

/** Writes `data` as the file `name` and returns what was written. */
export async function putFile(fs: ContainerClient, name: string, data: Buffer): Promise<LakeFile> {
  await fs.getBlockBlobClient(name).upload(data, data.length);
  return { name, size: data.length, md5: md5(data) };
}

/**
 * Streams `size` deterministic bytes into `name` (blocks of 8 MiB), hashing them on the way; also gives the
 * opc-multipart-md5 OCI reports for the file uploaded in parts of `partSize` bytes.
 */
export async function putBigFile(fs: ContainerClient, name: string, size: number, seed: number, partSize: number): Promise<LakeFile & { multipartMd5: string }> {
  const whole = createHash("md5");
  const parts: Buffer[] = [];
  let part = createHash("md5");
  let inPart = 0;
  const stream = deterministicStream(size, seed, (chunk) => {
    whole.update(chunk);
    for (let at = 0; at < chunk.length; ) {
      const take = Math.min(partSize - inPart, chunk.length - at);
      part.update(chunk.subarray(at, at + take));
      inPart += take;
      at += take;
      if (inPart === partSize) {
        parts.push(part.digest());
        part = createHash("md5");
        inPart = 0;
      }
    }
  });
  await fs.getBlockBlobClient(name).uploadStream(stream, 8 * MIB, 4);
  if (inPart > 0) parts.push(part.digest());
  const multipartMd5 = `${createHash("md5").update(Buffer.concat(parts)).digest("base64")}-${parts.length}`;
  return { name, size, md5: whole.digest("base64"), multipartMd5 };
}

/** Runs scripts/make-parquet.py (Spark's own parquet writer) into `dir`; resolves with the files written. */
export function makeParquet(dir: string, files: number, rowsPerFile: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(venvPython, [join(repoRoot, "scripts", "make-parquet.py"), dir, "--files", String(files), "--rows-per-file", String(rowsPerFile)], {
      cwd: repoRoot,
      env: { ...process.env, SPARK_LOCAL_IP: "127.0.0.1", PYTHONDONTWRITEBYTECODE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`make-parquet.py exited with ${code}:\n${err.split("\n").slice(-30).join("\n")}`));
        return;
      }
      const walk = (d: string): string[] =>
        readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.isFile() ? [join(d, e.name)] : []));
      const paths = walk(dir).sort();
      const summary = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { files?: number };
      if (summary.files !== paths.length || paths.some((p) => !p.endsWith(".parquet"))) {
        reject(new Error(`make-parquet.py reported ${out.trim()} but ${dir} holds ${paths.length} files`));
        return;
      }
      resolve(paths);
    });
  });
}

/** Uploads every parquet file under `dir` as `<prefix>/<path relative to dir>`. */
export async function uploadParquet(fs: ContainerClient, dir: string, paths: string[], prefix: string): Promise<LakeFile[]> {
  return pool(paths, 8, async (p) => {
    const data = await readFile(p);
    assert.equal(data.subarray(0, 4).toString("latin1"), "PAR1", `${p} is a parquet file`);
    return putFile(fs, [prefix, ...relative(dir, p).split(sep)].filter((x) => x !== "").join("/"), data);
  });
}

/**
 * The generated files of the lake besides the parquet and the big file: the edge cases of scripts/lib/seed-lake.ts
 * (zero bytes, deep nesting, spaces, unicode, `%`, `+`, `#`) and `count - 8` more in nested folders, every 9th empty,
 * a few of a few MiB (bigger than one download chunk, so streamed), names with spaces, unicode, `%` and `+`.
 */
export function generatedFiles(count: number): { name: string; data: Buffer }[] {
  const out: { name: string; data: Buffer }[] = EDGE_CASE_NAMES.map((name, i) => ({
    name,
    data: name.includes("empty") ? Buffer.alloc(0) : deterministicBytes(1000 + i * 777, 100 + i),
  }));
  const shapes = [
    (i: number) => `logs/2024/${String((i % 12) + 1).padStart(2, "0")}/day ${i % 28}/event-${i}.json`,
    (i: number) => `misc/ünïcödé ${i % 5}/fïlé+${i} 50%.csv`,
    (i: number) => `misc/plus+dir/a+b=${i}.txt`,
    (i: number) => `raw/日本/データ ${i}/part %${i}.bin`,
    (i: number) => `raw/deep/a/b/c/d/e/f/${i}.dat`,
  ];
  for (let i = 0; out.length < count; i++) {
    const name = shapes[i % shapes.length](i);
    const size = i % 9 === 0 ? 0 : i % 50 === 7 ? 5 * MIB + i : 200 + ((i * 7919) % 60_000);
    out.push({ name, data: deterministicBytes(size, 1000 + i) });
  }
  return out;
}

export interface Bucket {
  client: ObjectStorageClient;
  namespace: string;
  name: string;
}

export async function createBucket(cloud: LocalCloud, name: string): Promise<Bucket> {
  const c = cloud.credentials;
  const client = ociObjectStorageClient({ configFile: c.configFile, profile: c.profile, endpoint: cloud.oci.url });
  await client.createBucket({ namespaceName: cloud.oci.namespace, createBucketDetails: { name, compartmentId: c.tenancy } });
  return { client, namespace: cloud.oci.namespace, name };
}

/** name -> size of every object in the bucket (all pages). */
export async function listBucket(b: Bucket): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let start: string | undefined;
  do {
    const r = await b.client.listObjects({ namespaceName: b.namespace, bucketName: b.name, fields: "name,size", start, limit: 1000 });
    for (const o of r.listObjects.objects) out.set(o.name, Number(o.size));
    start = r.listObjects.nextStartWith;
  } while (start);
  return out;
}

/** Base64 MD5 of an object's bytes, from a streamed GET. */
export async function objectMd5(b: Bucket, name: string): Promise<{ md5: string; size: number }> {
  const got = await b.client.getObject({ namespaceName: b.namespace, bucketName: b.name, objectName: name });
  const h = createHash("md5");
  let size = 0;
  const body = got.value as unknown;
  if (typeof body === "string") {
    const data = Buffer.from(body, "utf8");
    h.update(data);
    size = data.length;
  } else if (body !== null && body !== undefined) {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      h.update(chunk);
      size += chunk.length;
    }
  }
  return { md5: h.digest("base64"), size };
}

/** Asserts the bucket holds exactly one object per source file (under `prefix`), each byte-identical to its source. */
export async function assertBucketMatches(b: Bucket, files: Iterable<LakeFile>, options: { prefix?: string; others?: (name: string) => boolean } = {}): Promise<void> {
  const prefix = options.prefix ?? "";
  const want = new Map([...files].map((f) => [prefix + f.name, f]));
  const listed = await listBucket(b);
  const unexpected = [...listed.keys()].filter((n) => !want.has(n) && !options.others?.(n));
  assert.deepEqual(unexpected, [], "no object without a source file");
  const missing = [...want.keys()].filter((n) => !listed.has(n));
  assert.deepEqual(missing, [], "every source file has its object");
  await pool([...want.values()], 8, async (f) => {
    const name = prefix + f.name;
    assert.equal(listed.get(name), f.size, `${name}: listed size`);
    const got = await objectMd5(b, name);
    assert.equal(got.size, f.size, `${name}: bytes downloaded`);
    assert.equal(got.md5, f.md5, `${name}: MD5 of the object's bytes equals the source's`);
  });
}

/** Open multipart uploads of the bucket (all pages). */
export async function openUploads(b: Bucket): Promise<{ object: string; uploadId: string }[]> {
  const out: { object: string; uploadId: string }[] = [];
  let page: string | undefined;
  do {
    const r = await b.client.listMultipartUploads({ namespaceName: b.namespace, bucketName: b.name, page, limit: 1000 });
    for (const u of r.items) out.push({ object: u.object, uploadId: u.uploadId });
    page = r.opcNextPage;
  } while (page);
  return out;
}

/** The migration log: a JSON array of records. */
export function readLog(path: string): LogRecord[] {
  const value = JSON.parse(readFileSync(path, "utf8")) as unknown;
  assert.ok(Array.isArray(value), `${path} holds a JSON array`);
  return value as LogRecord[];
}

/** Run `runId`'s own log beside the configured log name: migration-log.json -> migration-log.<runId>.json. */
export function runLogPath(logPath: string, runId: string): string {
  const m = /^(.*?)(\.[^./]*)?$/.exec(logPath) as RegExpExecArray;
  return `${m[1]}.${runId}${m[2] ?? ""}`;
}

/** The plan a run wrote beside its own log: <run log without .json>.plan.jsonl. */
export function runPlanPath(logPath: string, runId: string): string {
  return runLogPath(logPath, runId).replace(/\.json$/, "") + ".plan.jsonl";
}

/** Records appended so far by a running job (its .runs JSON lines), any run. */
export async function pendingRecords(logPath: string): Promise<number> {
  const runs = `${logPath}.runs`;
  if (!existsSync(runs)) return 0;
  let n = 0;
  for (const run of await readdir(runs)) {
    const dir = join(runs, run);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of await readdir(dir)) {
      if (!f.endsWith(".jsonl")) continue;
      const text = await readFile(join(dir, f), "utf8").catch(() => "");
      n += text.split("\n").filter((l) => l.trim() !== "").length;
    }
  }
  return n;
}

/** The run id the job printed first (`lake2oci: run <id>`). */
export function runIdOf(stdout: string): string {
  const m = /^lake2oci: run (\d{20})\b/m.exec(stdout);
  assert.ok(m, `the job printed its run id:\n${stdout}`);
  return m[1];
}

/** The job's output lines worth showing when a run fails (Spark's INFO chatter left out). */
export function outputTail(run: { stdout: string; stderr: string }, lines = 40): string {
  const err = run.stderr
    .split("\n")
    .filter((l) => !/ (INFO|WARN) /.test(l))
    .slice(-lines)
    .join("\n");
  return `--- stdout\n${run.stdout.split("\n").slice(-lines).join("\n")}\n--- stderr\n${err}`;
}

const DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const RUN_TIME = /^\d+:[0-5]\d:[0-5]\d$/;
const RUN_ID = /^\d{20}$/;

/**
 * Asserts the shape every log record must have: the first ten keys in order, with their formats; the record's run
 * id, and the target name and size of that same file.
 */
export function assertRecordShape(r: LogRecord, runId: string, prefix = ""): void {
  const where = `record of ${r.source_name}`;
  assert.deepEqual(Object.keys(r).slice(0, 10), [...FIRST_TEN], `${where}: the first ten fields`);
  assert.match(r.start_date, DATE, `${where}: start_date`);
  assert.match(r.end_date, DATE, `${where}: end_date`);
  assert.match(r.run_date, DATE, `${where}: run_date`);
  assert.match(r.run_time, RUN_TIME, `${where}: run_time`);
  assert.match(r.run_id, RUN_ID, `${where}: run_id`);
  assert.equal(r.run_id, runId, `${where}: run_id`);
  assert.ok(r.start_date <= r.end_date, `${where}: start_date before end_date`);
  assert.equal(r.targe_name, prefix + r.source_name, `${where}: targe_name is that file's object`);
  // run_date is the run's start: "YYYY-MM-DD HH:MM:SS" of the run id's first 14 digits.
  const d = r.run_id;
  assert.equal(r.run_date, `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)} ${d.slice(8, 10)}:${d.slice(10, 12)}:${d.slice(12, 14)}`, `${where}: run_date`);
}
