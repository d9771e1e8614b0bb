// The "raw pipe" limit of a copy from ADLS Gen2 to OCI Object Storage: each file (or part) is one HTTP GET from the
// ADLS endpoint, signed here with SharedKey, whose response body is piped straight into one signed OCI PUT
// (PutObject, or UploadPart of a multipart upload for large files), N streams at a time, over node:http with no SDK
// in between and no hashing on the client (the emulator computes the MD5s; the benchmark verifies the copies
// afterwards). What it measures is what the wire and the two services allow, the ceiling a real copier is judged by.
//
// Usage: tsx scripts/bench/raw-pipe.ts --manifest FILE [--streams 32] [--part-size-mib 64] [--multipart-threshold-mib 128]
// The manifest (JSON, written by job-bench.ts):
//   { "source": { "accountUrl", "accountName", "fileSystem" },
//     "target": { "endpoint", "namespace", "configFile", "profile", "bucket", "prefix" },
//     "files": [{ "name", "size" }, ...] }
// The ADLS account key comes from the environment variable LAKE2OCI_BENCH_ADLS_KEY (never from the command line).
// Prints one JSON line {files, bytes, seconds, streams, requests}; exits 1 naming the first failed file.
import { readFileSync } from "node:fs";
import { Agent, type IncomingMessage, request } from "node:http";
import { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { signSharedKey } from "../../src/emulators/adls/shared-key.ts";
import { RawOciClient, readOciProfile } from "./oci-raw-client.ts";

const ADLS_KEY_VARIABLE = "LAKE2OCI_BENCH_ADLS_KEY";
const MIB = 1024 * 1024;
const AZURE_VERSION = "2021-08-06";

interface Manifest {
  source: { accountUrl: string; accountName: string; fileSystem: string };
  target: { endpoint: string; namespace: string; configFile: string; profile: string; bucket: string; prefix: string };
  files: { name: string; size: number }[];
}

/** A blob GET signed with SharedKey (the same signing the DFS gateway uses towards Azurite). */
class RawBlobReader {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;
  private readonly basePath: string;

  constructor(
    accountUrl: string,
    private readonly account: string,
    private readonly accountKey: string,
    maxSockets: number,
  ) {
    const url = new URL(accountUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /** GET of bytes [start, start+length) of `name` in `fileSystem`; resolves with the response (status checked). */
  get(fileSystem: string, name: string, start: number, length: number): Promise<IncomingMessage> {
    const path = `${this.basePath}/${encodeURIComponent(fileSystem)}/${name.split("/").map(encodeURIComponent).join("/")}`;
    const headers: Record<string, string> = {
      "x-ms-date": new Date().toUTCString(),
      "x-ms-version": AZURE_VERSION,
      "x-ms-range": `bytes=${start}-${start + length - 1}`,
    };
    headers.authorization = signSharedKey(this.account, this.accountKey, { method: "GET", path, query: "", headers });
    return new Promise((resolve, reject) => {
      const req = request({ host: this.host, port: this.port, method: "GET", path, headers, agent: this.agent }, (res) => {
        if (res.statusCode !== 200 && res.statusCode !== 206) {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => reject(new Error(`GET ${name} bytes ${start}+${length}: ${res.statusCode} ${Buffer.concat(chunks).toString("utf8").slice(0, 300)}`)));
          return;
        }
        const got = Number(res.headers["content-length"]);
        if (got !== length) {
          res.destroy();
          reject(new Error(`GET ${name} bytes ${start}+${length}: the answer has ${got} bytes`));
          return;
        }
        resolve(res);
      });
      req.on("error", reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Runs `work` over `items` with at most `limit` in flight; the first failure stops new work and is thrown. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failure ??= error;
      }
    }
  });
  await Promise.all(runners);
  if (failure !== undefined) throw failure;
}

interface Piece {
  name: string;
  target: string;
  start: number;
  length: number;
  /** Multipart only. */
  upload?: { id: string; partNum: number; etags: Map<number, string> };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      manifest: { type: "string" },
      streams: { type: "string", default: "32" },
      "part-size-mib": { type: "string", default: "64" },
      "multipart-threshold-mib": { type: "string", default: "128" },
    },
  });
  if (!values.manifest) throw new Error("raw-pipe: --manifest FILE is required");
  const streams = Number(values.streams);
  const partSize = Number(values["part-size-mib"]) * MIB;
  const threshold = Number(values["multipart-threshold-mib"]) * MIB;
  for (const [flag, v] of [["--streams", streams], ["--part-size-mib", partSize], ["--multipart-threshold-mib", threshold]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`raw-pipe: ${flag} must be a positive integer`);
  }
  const key = process.env[ADLS_KEY_VARIABLE];
  if (!key) throw new Error(`raw-pipe: set ${ADLS_KEY_VARIABLE} to the ADLS account key`);
  const manifest = JSON.parse(readFileSync(values.manifest, "utf8")) as Manifest;
  const t = manifest.target;
  const oci = new RawOciClient(t.endpoint, readOciProfile(t.configFile, t.profile), t.namespace, streams + 8);
  const adls = new RawBlobReader(manifest.source.accountUrl, manifest.source.accountName, key, streams + 8);
  const bucketPath = `/n/${encodeURIComponent(t.namespace)}/b/${encodeURIComponent(t.bucket)}`;
  let requests = 0;

  const started = performance.now();
  const pieces: Piece[] = [];
  const uploads: { target: string; id: string; etags: Map<number, string>; parts: number }[] = [];
  const large = manifest.files.filter((f) => f.size >= threshold && f.size > 0);
  await pool(large, streams, async (f) => {
    const target = `${t.prefix}${f.name}`;
    const created = (await oci.json("POST", `${bucketPath}/u`, { object: target })) as { uploadId: string };
    requests++;
    const etags = new Map<number, string>();
    const parts = Math.ceil(f.size / partSize);
    uploads.push({ target, id: created.uploadId, etags, parts });
    for (let p = 0; p < parts; p++) {
      const start = p * partSize;
      pieces.push({ name: f.name, target, start, length: Math.min(partSize, f.size - start), upload: { id: created.uploadId, partNum: p + 1, etags } });
    }
  });
  for (const f of manifest.files) {
    if (f.size < threshold || f.size === 0) pieces.push({ name: f.name, target: `${t.prefix}${f.name}`, start: 0, length: f.size });
  }

  await pool(pieces, streams, async (piece) => {
    let path = oci.objectPath(t.bucket, piece.target);
    if (piece.upload) {
      path = `${bucketPath}/u/${encodeURIComponent(piece.target)}?uploadId=${encodeURIComponent(piece.upload.id)}&uploadPartNum=${piece.upload.partNum}`;
    }
    let body: Readable = Readable.from([]);
    if (piece.length > 0) {
      body = await adls.get(manifest.source.fileSystem, piece.name, piece.start, piece.length);
      requests++;
    }
    const res = await oci.send("PUT", path, { body, contentLength: piece.length });
    requests++;
    const text = await readAll(res);
    if (res.statusCode !== 200) throw new Error(`PUT ${piece.target}${piece.upload ? ` part ${piece.upload.partNum}` : ""}: ${res.statusCode} ${text.slice(0, 300)}`);
    if (piece.upload) piece.upload.etags.set(piece.upload.partNum, String(res.headers.etag));
  });

  await pool(uploads, streams, async (u) => {
    const partsToCommit = [...Array(u.parts).keys()].map((i) => ({ partNum: i + 1, etag: u.etags.get(i + 1) as string }));
    await oci.json("POST", `${bucketPath}/u/${encodeURIComponent(u.target)}?uploadId=${encodeURIComponent(u.id)}`, { partsToCommit });
    requests++;
  });
  const seconds = (performance.now() - started) / 1000;
  oci.close();
  adls.close();
  const bytes = manifest.files.reduce((sum, f) => sum + f.size, 0);
  console.log(JSON.stringify({ files: manifest.files.length, bytes, seconds, streams, partSize, requests }));
}

main().catch((error: unknown) => {
  console.error(`raw-pipe: ${(error as Error).message}`);
  process.exit(1);
});
