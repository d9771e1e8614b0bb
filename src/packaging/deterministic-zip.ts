// Writes a zip with archiver whose bytes depend only on the files given: entries sorted by name (byte order), with a
// directory entry for every parent, one fixed timestamp (1980-01-01 00:00:00, the earliest a zip can hold, in UTC so
// the time zone of the machine does not matter), fixed permissions (directories 0755, files 0644, or 0600 for
// secrets), fixed compression. The same inputs therefore give a byte-identical archive on any machine. An archive that
// carries a secret (an entry of mode 0600, e.g. a shipped OCI private key) is itself written 0600.
import archiver from "archiver";
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, rename, rm } from "node:fs/promises";

export const ZIP_EPOCH = new Date(Date.UTC(1980, 0, 1, 0, 0, 0));
export const DIRECTORY_MODE = 0o755;
export const FILE_MODE = 0o644;
export const SECRET_MODE = 0o600;
const MAX_PENDING = 64;

export interface ZipInput {
  /** The entry name, forward slashes, no leading slash. */
  name: string;
  mode: number;
  read(): Buffer;
}

export interface WrittenZip {
  file: string;
  bytes: number;
  sha256: string;
  /** Entries written, directories included. */
  entries: number;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Every entry of the zip (directories, then files within them, all in byte order), without reading any file. */
export function zipEntryNames(files: readonly ZipInput[]): { name: string; directory: boolean }[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.name.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(`${parts.slice(0, i).join("/")}/`);
  }
  return [
    ...[...dirs].map((name) => ({ name, directory: true })),
    ...files.map((f) => ({ name: f.name, directory: false })),
  ].sort((a, b) => compareBytes(a.name, b.name));
}

/** Writes `files` to `out` (through `out`.partial, renamed when complete). `level` is the deflate level (default 6). */
export async function writeDeterministicZip(out: string, files: readonly ZipInput[], options: { level?: number } = {}): Promise<WrittenZip> {
  const seen = new Set<string>();
  for (const f of files) {
    if (f.name === "" || f.name.startsWith("/") || f.name.endsWith("/") || f.name.split("/").includes("..")) {
      throw new Error(`zip entry name ${JSON.stringify(f.name)} is not a relative file path`);
    }
    if (seen.has(f.name)) throw new Error(`zip entry ${f.name} is given twice`);
    seen.add(f.name);
  }
  const byName = new Map(files.map((f) => [f.name, f]));
  const partial = `${out}.partial`;
  // Created afresh with its final mode: the secret's bytes never sit in a file others can read.
  const fileMode = files.some((f) => f.mode === SECRET_MODE) ? SECRET_MODE : FILE_MODE;
  await rm(partial, { force: true });
  const zip = archiver("zip", { zlib: { level: options.level ?? 6 }, forceLocalTime: false, forceZip64: false });
  const output = createWriteStream(partial, { mode: fileMode });
  const hash = createHash("sha256");
  let bytes = 0;
  zip.on("data", (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  const done = new Promise<void>((resolve, reject) => {
    output.on("close", () => resolve());
    output.on("error", reject);
    zip.on("error", reject);
    zip.on("warning", reject);
  });
  // Awaited below; a failure while entries are still being appended must not go unhandled meanwhile.
  done.catch(() => {});
  zip.pipe(output);
  // Buffers go through archiver fastest; at most MAX_PENDING are read ahead, so memory stays small.
  let processed = 0;
  let wake: (() => void) | undefined;
  let failure: unknown;
  const wakeUp = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  zip.on("entry", () => {
    processed++;
    wakeUp();
  });
  zip.on("error", (err) => {
    failure = err;
    wakeUp();
  });
  const names = zipEntryNames(files);
  let appended = 0;
  try {
    for (const e of names) {
      while (appended - processed >= MAX_PENDING && failure === undefined) await new Promise<void>((r) => (wake = r));
      if (failure !== undefined) throw failure;
      const f = e.directory ? undefined : byName.get(e.name)!;
      zip.append(f === undefined ? Buffer.alloc(0) : f.read(), { name: e.name, date: ZIP_EPOCH, mode: f?.mode ?? DIRECTORY_MODE });
      appended++;
    }
  } catch (err) {
    zip.abort();
    output.destroy();
    await rm(partial, { force: true });
    throw err;
  }
  try {
    await zip.finalize();
    await done;
  } catch (err) {
    zip.abort();
    output.destroy();
    await rm(partial, { force: true });
    throw err;
  }
  await chmod(partial, fileMode);
  await rename(partial, out);
  return { file: out, bytes, sha256: hash.digest("hex"), entries: names.length };
}
