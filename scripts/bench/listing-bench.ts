// The job's parallel listing (issue 11, deliverable 1) against one sequential lister: N files in D directories
// (lake/d=NNN/part-NNNNNN.parquet) in ADLS Gen2 (through the DFS gateway) and the same N objects in an OCI bucket,
// with L ms added to every request by both emulators (a cloud round trip). Each way is a Python process over
// dist/app.py (scripts/bench/listing_bench.py): `sequential` (list_source / list_target, page by page), `pool` (the
// job's listing units run without Spark on a thread pool of the same width as Spark's), `spark` (spark-submit
// --master local[2]: the units listed by the executors into RDDs, collected). Prints a table, then one JSON line.
//
// The local cloud runs in its own process (bench-cloud.ts). Seeding goes through Azurite's Blob API and costs O(N^2)
// (its metadata store scans on every new blob): the seeded cloud is kept in .cache/bench/listing-N-D/ (a marker is
// written once seeding completed) and reused; --fresh seeds again.
// Usage: tsx scripts/bench/listing-bench.ts [--files 20000] [--dirs 100] [--latency-ms 20] [--ways sequential,pool,spark]
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { pool } from "../lib/seed-lake.ts";
import { RawOciClient, readOciProfile } from "./oci-raw-client.ts";

const { values } = parseArgs({
  options: {
    files: { type: "string", default: "20000" },
    dirs: { type: "string", default: "100" },
    "latency-ms": { type: "string", default: "20" },
    ways: { type: "string", default: "sequential,pool,spark" },
    fresh: { type: "boolean" },
  },
});
const files = Number(values.files);
const dirs = Number(values.dirs);
const latencyMs = Number(values["latency-ms"]);
const ways = String(values.ways).split(",");
const root = join(import.meta.dirname, "..", "..");
const cacheDir = join(root, ".cache", "bench", `listing-${files}-${dirs}`);
const marker = join(cacheDir, "seeded.json");
if (values.fresh || !existsSync(marker)) await rm(cacheDir, { recursive: true, force: true });
const reuse = existsSync(marker);
const name = (i: number) => `lake/d=${String(i % dirs).padStart(4, "0")}/part-${String(i).padStart(6, "0")}.parquet`;

const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "bench-cloud.ts"), "--dir", cacheDir], {
  cwd: root,
  stdio: ["pipe", "pipe", "inherit"],
});
const lines = createInterface({ input: child.stdout });
const waiting: ((v: Record<string, unknown>) => void)[] = [];
const cloud = await new Promise<Record<string, string>>((resolve, reject) => {
  lines.once("line", (line) => resolve(JSON.parse(line)));
  child.once("exit", (code) => reject(new Error(`bench-cloud.ts exited (${code}) before printing its endpoints`)));
});
lines.on("line", (line) => waiting.shift()?.(JSON.parse(line)));
const command = (value: Record<string, unknown>) =>
  new Promise<Record<string, unknown>>((resolve) => {
    waiting.push(resolve);
    child.stdin.write(`${JSON.stringify(value)}\n`);
  });

let complete = false;
try {
  if (reuse) {
    console.log(`reusing the local cloud seeded with ${files.toLocaleString("en-US")} files in ${dirs} directories (${cacheDir}; --fresh seeds again)`);
  } else {
    const blobs = new BlobServiceClient(cloud.azuriteUrl, new StorageSharedKeyCredential(cloud.adlsAccountName, cloud.adlsAccountKey));
    const container = blobs.getContainerClient("bench");
    await container.create();
    const profile = readOciProfile(cloud.ociConfigFile, cloud.ociProfile);
    const oci = new RawOciClient(cloud.ociEndpoint, profile, cloud.ociNamespace);
    await oci.json("POST", `/n/${cloud.ociNamespace}/b/`, { name: "bench", compartmentId: cloud.ociTenancy });
    const t0 = performance.now();
    const body = Buffer.alloc(16, 1);
    let done = 0;
    await pool([...Array(files).keys()], 32, async (i) => {
      await container.getBlockBlobClient(name(i)).upload(body, body.length);
      const res = await oci.send("PUT", oci.objectPath("bench", name(i)), { body: Readable.from([body]), contentLength: body.length });
      res.resume();
      if ((res.statusCode ?? 500) >= 300) throw new Error(`PUT ${name(i)}: ${res.statusCode}`);
      if (++done % 5000 === 0) console.log(`seeded ${done} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    });
    const seedSeconds = (performance.now() - t0) / 1000;
    console.log(`seeded ${files.toLocaleString("en-US")} files on each side in ${seedSeconds.toFixed(1)} s`);
    await writeFile(marker, JSON.stringify({ files, dirs, seedSeconds }));
  }
  await command({ latencyMs });
  const python = join(root, ".venv", "bin", "python");
  const sparkSubmit = join(root, ".venv", "bin", "spark-submit");
  const env = {
    ...process.env,
    PATH: `${join(root, ".venv", "bin")}:${process.env.PATH}`,
    PYSPARK_PYTHON: python,
    PYSPARK_DRIVER_PYTHON: python,
    SPARK_LOCAL_IP: "127.0.0.1",
    LISTING_BENCH: JSON.stringify(cloud),
    LISTING_BENCH_KEY: cloud.adlsAccountKey,
    PYTHONDONTWRITEBYTECODE: "1",
  };
  const script = join(import.meta.dirname, "listing_bench.py");
  const results: Record<string, unknown>[] = [];
  for (const way of ways) {
    for (const side of ["source", "target"]) {
      const cmd =
        way === "spark"
          ? [sparkSubmit, "--master", "local[2]", "--conf", "spark.ui.enabled=false", "--conf", "spark.ui.showConsoleProgress=false", "--py-files", join(root, "dist", "app.py"), script, way, side]
          : [python, script, way, side];
      const r = spawnSync(cmd[0], cmd.slice(1), { env, encoding: "utf8", cwd: root, maxBuffer: 64 * 1024 * 1024 });
      const last = r.stdout.trim().split("\n").pop() ?? "";
      if (r.status !== 0 || !last.startsWith("{")) throw new Error(`${way} ${side} failed (${r.status}):\n${r.stdout}\n${r.stderr.slice(-3000)}`);
      const got = JSON.parse(last) as Record<string, unknown>;
      results.push(got);
      console.log(`${way.padEnd(10)} ${side.padEnd(6)} ${String(got.entries).padStart(8)} entries ${Number(got.seconds).toFixed(2).padStart(7)} s` +
        `${got.startSeconds !== undefined ? ` (+${Number(got.startSeconds).toFixed(1)} s Spark start)` : ""}, units ${got.units ?? "-"}, rounds ${got.rounds ?? "-"}`);
    }
  }
  const bySide = (side: string, way: string) => results.find((r) => r.side === side && r.way === way);
  const ratios: Record<string, number> = {};
  for (const side of ["source", "target"]) {
    const seq = bySide(side, "sequential");
    for (const way of ways.filter((w) => w !== "sequential")) {
      const other = bySide(side, way);
      if (seq && other) ratios[`${side}:${way}`] = Number(seq.seconds) / Number(other.seconds);
    }
  }
  for (const [k, v] of Object.entries(ratios)) console.log(`speed-up ${k}: ${v.toFixed(2)}x`);
  const counts = new Set(results.map((r) => `${r.side}:${r.entries}:${r.digest}`));
  if (counts.size !== 2) throw new Error(`the ways disagree: ${[...counts].join(" ")}`);
  complete = true;
  console.log(JSON.stringify({ bench: "listing-bench", files, dirs, latencyMs, reusedSeed: reuse, results, ratios }));
} finally {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.stdin.end();
  await exited;
  if (!complete && !reuse) await rm(marker, { force: true });
}
