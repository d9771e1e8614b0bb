// Emulator throughput: the local cloud must not be what limits later benchmarks. Measures PUT and GET of 1 GiB
// through the OCI emulator on one stream and on 8 streams (8 objects / 8 ranges of 128 MiB), and GET of a 1 GiB
// file from ADLS through the DFS gateway (passthrough to Azurite) and from Azurite directly, one stream and 8 ranges.
// Data is generated in memory (no disk reads on the client side) and discarded on receipt.
// Prints a table and, last, one JSON line {bench:"emulator-throughput", results:[...]}.
// Usage: tsx scripts/bench/emulator-throughput.ts [--mib 1024]
import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { startLocalCloud } from "../../src/emulators/local-cloud.ts";
import { RawOciClient, readOciProfile } from "./oci-raw-client.ts";

const { values } = parseArgs({ options: { mib: { type: "string", default: "1024" } } });
const totalMiB = Number(values.mib);
if (!Number.isInteger(totalMiB) || totalMiB < 8 || totalMiB % 8 !== 0) {
  throw new Error(`--mib must be a multiple of 8, at least 8 (got ${values.mib})`);
}
const MiB = 1024 * 1024;
const total = totalMiB * MiB;
const chunk = Buffer.alloc(MiB, 0x5a);
for (let i = 0; i < chunk.length; i += 4096) chunk.writeUInt32BE(i, i);

/** A stream of `size` bytes made from a reused 1 MiB chunk. */
function generated(size: number): Readable {
  let left = size;
  return new Readable({
    highWaterMark: 4 * MiB,
    read() {
      if (left <= 0) return this.push(null);
      const n = Math.min(left, chunk.length);
      left -= n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
}

async function drain(stream: NodeJS.ReadableStream): Promise<number> {
  let n = 0;
  for await (const c of stream) n += (c as Buffer).length;
  return n;
}

interface Result {
  name: string;
  streams: number;
  bytes: number;
  seconds: number;
  mbPerSecond: number;
}
const results: Result[] = [];
async function measure(name: string, streams: number, work: () => Promise<number>): Promise<void> {
  const t0 = performance.now();
  const bytes = await work();
  const seconds = (performance.now() - t0) / 1000;
  if (bytes !== total) throw new Error(`${name}: moved ${bytes} bytes, expected ${total}`);
  const r = { name, streams, bytes, seconds, mbPerSecond: bytes / 1e6 / seconds };
  results.push(r);
  console.log(`${name.padEnd(34)} ${String(streams).padStart(2)} stream(s)  ${r.mbPerSecond.toFixed(0).padStart(6)} MB/s  (${seconds.toFixed(2)} s)`);
}

const cloud = await startLocalCloud();
try {
  const oci = new RawOciClient(cloud.oci.url, readOciProfile(cloud.credentials.configFile, cloud.credentials.profile), cloud.oci.namespace);
  await oci.json("POST", `/n/${cloud.oci.namespace}/b/`, { name: "bench", compartmentId: cloud.credentials.tenancy });
  const put = async (name: string, size: number) => {
    const res = await oci.send("PUT", oci.objectPath("bench", name), { body: generated(size), contentLength: size });
    await drain(res);
    if (res.statusCode !== 200) throw new Error(`PUT ${name}: ${res.statusCode}`);
    return size;
  };
  const get = async (name: string, start: number, size: number) => {
    const res = await oci.send("GET", oci.objectPath("bench", name), {
      headers: { range: `bytes=${start}-${start + size - 1}` },
    });
    if (res.statusCode !== 206) throw new Error(`GET ${name}: ${res.statusCode}`);
    return drain(res);
  };
  const part = total / 8;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  await measure("OCI emulator PUT", 1, () => put("one-gib", total));
  await measure("OCI emulator PUT", 8, async () => sum(await Promise.all([...Array(8).keys()].map((i) => put(`part-${i}`, part)))));
  await measure("OCI emulator GET", 1, () => get("one-gib", 0, total));
  await measure("OCI emulator GET (ranges)", 8, async () => sum(await Promise.all([...Array(8).keys()].map((i) => get("one-gib", i * part, part)))));
  oci.close();

  const credential = new StorageSharedKeyCredential(cloud.adls.accountName, cloud.adls.accountKey);
  const viaGateway = new DataLakeServiceClient(cloud.adls.accountUrl, credential);
  const direct = new DataLakeServiceClient(`http://127.0.0.1:${cloud.adls.azuritePort}/${cloud.adls.accountName}`, credential);
  const fs = viaGateway.getFileSystemClient("bench");
  await fs.create();
  const file = fs.getFileClient("dir/one-gib.bin");
  await file.uploadStream(generated(total), { chunkSize: 8 * MiB, maxConcurrency: 4 });
  for (const [label, svc] of [["ADLS GET via DFS gateway", viaGateway], ["ADLS GET Azurite direct", direct]] as const) {
    const f = svc.getFileSystemClient("bench").getFileClient("dir/one-gib.bin");
    await measure(label, 1, async () => drain((await f.read(0, total)).readableStreamBody!));
    await measure(`${label} (ranges)`, 8, async () =>
      sum(await Promise.all([...Array(8).keys()].map(async (i) => drain((await f.read(i * part, part)).readableStreamBody!)))),
    );
  }
} finally {
  await cloud.stop();
}
console.log(JSON.stringify({ bench: "emulator-throughput", totalMiB, results }));
