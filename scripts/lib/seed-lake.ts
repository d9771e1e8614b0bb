// Seeds a lake on ADLS (the local cloud's, or any) for the demo, the end-to-end tests and the benchmarks: real
// parquet written by Spark (scripts/make-parquet.py) plus the edge cases a migration must get right.
import type { DataLakeFileSystemClient } from "@azure/storage-file-datalake";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { Readable } from "node:stream";

export interface SeededFile {
  name: string;
  size: number;
  md5: string; // base64
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i], i);
    }
  });
  await Promise.all(runners);
  return out;
}

export async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

async function md5OfFile(path: string): Promise<string> {
  const h = createHash("md5");
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest("base64");
}

/** Uploads every file under localDir to `<prefix>/<relative path>` on the file system. */
export async function uploadTree(
  fs: DataLakeFileSystemClient,
  localDir: string,
  prefix: string,
  concurrency = 8,
): Promise<SeededFile[]> {
  const paths = await walk(localDir);
  return pool(paths, concurrency, async (p) => {
    const name = [prefix, relative(localDir, p).split(sep).join("/")].filter((s) => s !== "").join("/");
    const size = (await stat(p)).size;
    await fs.getFileClient(name).uploadFile(p, { chunkSize: 8 * 1024 * 1024, maxConcurrency: 4 });
    return { name, size, md5: await md5OfFile(p) };
  });
}

/** Deterministic pseudo-random bytes (xorshift), so contents differ from file to file without a seed store. */
export function deterministicBytes(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeUInt32LE(x >>> 0, i);
  }
  for (; i < size; i++) b[i] = i & 0xff;
  return b;
}

/** A stream of `size` deterministic bytes made of 1 MiB blocks, for big files without holding them in memory. */
export function deterministicStream(size: number, seed: number, onChunk?: (chunk: Buffer) => void): Readable {
  const block = deterministicBytes(1024 * 1024, seed);
  let sent = 0;
  let n = 0;
  return new Readable({
    read() {
      if (sent >= size) return this.push(null);
      const len = Math.min(block.length, size - sent);
      const chunk = Buffer.from(block.subarray(0, len));
      if (len >= 4) chunk.writeUInt32LE(n++ >>> 0, 0); // every block differs
      sent += len;
      onChunk?.(chunk);
      this.push(chunk);
    },
  });
}

/** The names every migration test needs: zero-byte files, nesting, spaces, unicode, `%`, `+`, `#`. */
export const EDGE_CASE_NAMES = [
  "edge/empty.parquet",
  "edge/also empty.txt",
  "edge/a/b/c/d/deeply-nested.csv",
  "edge/name with spaces.parquet",
  "edge/ünïcödé/日本語-データ-😀.parquet",
  "edge/percent 100%.csv",
  "edge/plus+sign+name.json",
  "edge/hash#and?query.txt",
];

/** Writes the edge-case files (small, deterministic; the first two are zero bytes). */
export async function writeEdgeCases(fs: DataLakeFileSystemClient): Promise<SeededFile[]> {
  return pool(EDGE_CASE_NAMES, 4, async (name, i) => {
    const data = name.includes("empty") ? Buffer.alloc(0) : deterministicBytes(1000 + i * 777, 100 + i);
    await fs.getFileClient(name).upload(data);
    return { name, size: data.length, md5: createHash("md5").update(data).digest("base64") };
  });
}

/** Writes one big file streamed from deterministic bytes (e.g. 300 MiB, to be split across tasks). */
export async function writeBigFile(fs: DataLakeFileSystemClient, name: string, size: number, seed = 42): Promise<SeededFile> {
  const h = createHash("md5");
  const src = deterministicStream(size, seed, (c) => h.update(c));
  await fs.getFileClient(name).uploadStream(src, { chunkSize: 8 * 1024 * 1024, maxConcurrency: 4 });
  return { name, size, md5: h.digest("base64") };
}
