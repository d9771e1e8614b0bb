// The real listers against the local cloud (issue 3): 50,000 files in ADLS Gen2 (through the DFS gateway) and 50,000
// objects in the OCI emulator, listed page by page with AdlsLister (5,000 a page) and OciLister (1,000 a page),
// then diffed by the planner engine. Prints entries/s per side and peak RSS, then one JSON line.
//
// The local cloud runs in a child process (`lake2oci emulators --json --dir`), so that this process holds only the
// listers and the diff: its peak RSS is the planner's, and the emulators' CPU is not counted as the listers'.
//
// Seeding is the slow part, and not what is measured: Azurite's metadata store looks each new blob up with a scan, so
// writing N blobs costs O(N^2) (50,000 take many minutes on two cores). The seeded local cloud is therefore kept in
// .cache/bench/lister-N/ and reused by later runs (a marker file is written only once seeding completed; a run whose
// listing does not hold exactly N files on each side reseeds). --fresh seeds again regardless.
// Usage: tsx scripts/bench/lister-bench.ts [--files 50000] [--fresh]
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { preparePlan } from "../../src/core/plan-options.ts";
import type { SourceEntry, TargetEntry } from "../../src/core/plan-types.ts";
import { diffStreams } from "../../src/planner/diff-streams.ts";
import { AdlsLister } from "../../src/stores/adls/adls-lister.ts";
import { ociObjectStorageClient } from "../../src/stores/oci/oci-client.ts";
import { OciLister } from "../../src/stores/oci/oci-lister.ts";
import { pool } from "../lib/seed-lake.ts";

const { values } = parseArgs({ options: { files: { type: "string", default: "50000" }, fresh: { type: "boolean" } } });
const files = Number(values.files);
if (!Number.isInteger(files) || files < 1) throw new Error(`--files must be a whole number of files, 1 or more (got ${values.files})`);
const cacheDir = join(import.meta.dirname, "..", "..", ".cache", "bench", `lister-${files}`);
const marker = join(cacheDir, "seeded.json");
if (values.fresh || !existsSync(marker)) await rm(cacheDir, { recursive: true, force: true });
const reuse = existsSync(marker);
const name = (i: number) => `lake/year=${2020 + (i % 5)}/month=${String((i % 12) + 1).padStart(2, "0")}/part-${String(i).padStart(6, "0")}.parquet`;

interface CloudInfo {
  ociEndpoint: string;
  ociNamespace: string;
  ociConfigFile: string;
  ociProfile: string;
  adlsAccountUrl: string;
  adlsAccountName: string;
  adlsAccountKey: string;
  azuriteBlobUrl: string;
}
const root = join(import.meta.dirname, "..", "..");
const child = spawn(process.execPath, ["--import", "tsx", join(root, "src", "cli", "main.ts"), "emulators", "--json", "--dir", cacheDir], {
  cwd: root,
  stdio: ["ignore", "pipe", "inherit"],
});
const cloud = await new Promise<CloudInfo>((resolve, reject) => {
  const lines = createInterface({ input: child.stdout });
  lines.once("line", (line) => resolve(JSON.parse(line) as CloudInfo));
  child.once("exit", (code) => reject(new Error(`lake2oci emulators exited (${code}) before printing its endpoints`)));
});
let complete = false;
try {
  const { adlsAccountName: accountName, adlsAccountKey: accountKey, adlsAccountUrl: accountUrl } = cloud;
  // Seeding and the direct listing go to Azurite itself (its Blob endpoint), not through the gateway.
  const blobs = new BlobServiceClient(cloud.azuriteBlobUrl, new StorageSharedKeyCredential(accountName, accountKey));
  const container = blobs.getContainerClient("bench");
  const oci = ociObjectStorageClient({ configFile: cloud.ociConfigFile, profile: cloud.ociProfile, endpoint: cloud.ociEndpoint });
  const ns = cloud.ociNamespace;
  const tenancy = /^tenancy\s*=\s*(\S+)/m.exec(readFileSync(cloud.ociConfigFile, "utf8"))?.[1] ?? "";
  if (reuse) {
    console.log(`reusing the local cloud seeded with ${files.toLocaleString("en-US")} files on each side in ${cacheDir} (--fresh seeds again)`);
  } else {
    await container.create();
    await oci.createBucket({ namespaceName: ns, createBucketDetails: { name: "bench", compartmentId: tenancy } });
    const seedStart = performance.now();
    const body = Buffer.alloc(16, 1);
    await pool([...Array(files).keys()], 32, async (i) => {
      await container.getBlockBlobClient(name(i)).upload(body, body.length);
      await oci.putObject({ namespaceName: ns, bucketName: "bench", objectName: name(i), putObjectBody: body, contentLength: body.length });
    });
    const seedSeconds = (performance.now() - seedStart) / 1000;
    console.log(`seeded ${files.toLocaleString("en-US")} files on each side in ${seedSeconds.toFixed(1)} s`);
    await writeFile(marker, JSON.stringify({ files, seedSeconds }));
  }

  const measure = async (label: string, pages: AsyncIterable<unknown[]>) => {
    const t0 = performance.now();
    let n = 0;
    let p = 0;
    for await (const page of pages) {
      n += page.length;
      p++;
    }
    const s = (performance.now() - t0) / 1000;
    const { rss, heapUsed } = process.memoryUsage();
    console.log(`${label.padEnd(28)} ${n.toLocaleString("en-US").padStart(8)} entries in ${p} pages, ${s.toFixed(2)} s, ${Math.round(n / s).toLocaleString("en-US")} entries/s; RSS now ${Math.round(rss / 2 ** 20)} MB, heap ${Math.round(heapUsed / 2 ** 20)} MB`);
    return { label, entries: n, pages: p, seconds: s, perSecond: n / s };
  };
  const adls = new AdlsLister({ accountName, fileSystem: "bench", endpoint: accountUrl }, { method: "key", accountKey });
  const target = new OciLister(oci, { namespace: ns, bucket: "bench" });
  const results = [await measure("ADLS listPaths (gateway)", adls.listPages()), await measure("OCI ListObjects", target.listPages())];

  const options = { targetPrefix: "", include: [], exclude: [], compare: "size-md5" as const, mirror: false, maxDeletions: 1000, strictNames: false };
  preparePlan(options);
  const src = (async function* () {
    for await (const page of adls.listPages()) yield page.map((e): SourceEntry => ({ name: e.name, size: e.size, md5: e.md5 ?? null, isDirectory: e.isDirectory }));
  })();
  const tgt = (async function* () {
    for await (const page of target.listPages()) yield page.map((e): TargetEntry => ({ name: e.name, size: e.size, md5: e.md5 ?? null }));
  })();
  // RSS sampled while planning (the process's lifetime peak would include seeding, when this run seeded).
  const rssBefore = process.memoryUsage().rss;
  let planPeakRss = rssBefore;
  const sampler = setInterval(() => {
    planPeakRss = Math.max(planPeakRss, process.memoryUsage().rss);
  }, 25);
  const t0 = performance.now();
  let equal = 0;
  for await (const batch of diffStreams(src, tgt, options)) if (batch.summary) equal = batch.summary.equal.files;
  const planSeconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  planPeakRss = Math.max(planPeakRss, process.memoryUsage().rss);
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  console.log(
    `plan (both listings + diff)   ${planSeconds.toFixed(2)} s, ${equal.toLocaleString("en-US")} equal; RSS ${mb(rssBefore)} MB before, ${mb(planPeakRss)} MB at most while planning`,
  );
  if (equal !== files) throw new Error(`expected ${files} equal files, got ${equal}${reuse ? ` (the cached local cloud in ${cacheDir} is stale: run again with --fresh)` : ""}`);
  complete = true;
  // Azurite's own List Blobs (flat, 5,000 a page), without the gateway, last (the Blob SDK's XML pages take memory of
  // their own): how much of the ADLS figure is Azurite.
  const azuritePages = (async function* () {
    for await (const page of container.listBlobsFlat().byPage({ maxPageSize: 5000 })) yield page.segment.blobItems;
  })();
  results.push(await measure("Azurite List Blobs (direct)", azuritePages));
  console.log(JSON.stringify({ bench: "lister-bench", files, reusedSeed: reuse, results, planSeconds, rssBeforePlanMb: mb(rssBefore), planPeakRssMb: mb(planPeakRss) }));
} finally {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGINT");
  await exited;
  if (!complete) await rm(marker, { force: true });
}
