// Local store: a directory on this machine (NFS and other mounts included), through OpenDAL's fs service (npm
// `opendal`, pinned at 0.47.11: 0.49 needs glibc 2.38). Names are relative to the directory, "/"-separated.
// Order: code point order of the full names (a depth-first walk, each directory's children sorted by their UTF-8
// bytes with "/" after a directory's name), the order S3 and OCI list in; each directory comes just before its
// contents. Version: size and mtime (microseconds), "<size>@<mtime µs since the epoch>": see README.md.
// Listings hold regular files and directories only: symbolic links (not followed: loops, names outside the directory),
// sockets, FIFOs and devices are left out, told apart with lstat (OpenDAL's entries do not say); an entry that goes
// away while the directory is listed is left out too. Ranged reads go through node:fs: OpenDAL 0.47's Node reader can
// only read from the start of a file.
import { type BigIntStats, createReadStream, type Stats } from "node:fs";
import { lstat, open, stat as fsStat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Operator } from "opendal";
import { StoreAuthError, StoreError, StoreNotFoundError, StoreVersionChangedError } from "../errors.ts";
import type { ByteRange, ChildrenOptions, ListOptions, SourceStore, StatResult, StoreEntry } from "../store.ts";

export interface LocalLocation {
  /** The directory whose contents are the store (absolute, or relative to the working directory). */
  path: string;
}

/** Entries per page when the caller names no page size. */
export const LOCAL_PAGE = 1000;

/** The version of a local file: its size and mtime in whole microseconds (what Python's datetime keeps). */
export function localVersion(size: number | bigint, mtimeMicros: bigint): string {
  return `${size}@${mtimeMicros}`;
}

/** Microseconds since the epoch of an RFC 3339 time as OpenDAL writes it (nanosecond fraction, +00:00). */
export function rfc3339Micros(text: string): bigint {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (m === null) throw new Error(`not an RFC 3339 time: ${JSON.stringify(text)}`);
  const seconds = BigInt(Date.parse(`${m[1]}${m[3] === "Z" ? "Z" : m[3]}`) / 1000);
  const fraction = BigInt((m[2] ?? "").padEnd(6, "0").slice(0, 6));
  return seconds * 1_000_000n + fraction;
}

function isoFromMicros(micros: bigint): string {
  return new Date(Number(micros / 1000n)).toISOString();
}

function statsVersion(s: BigIntStats): string {
  return localVersion(s.size, s.mtimeNs / 1000n);
}

/** UTF-8 byte order (= code point order), a directory sorting as its name followed by "/". */
function walkOrder(a: { key: Buffer }, b: { key: Buffer }): number {
  return Buffer.compare(a.key, b.key);
}

function trimSlashes(p: string): string {
  return p.replace(/^\/+|\/+$/g, "");
}

/** An OpenDAL error's kind: the word its message starts with (NotFound, PermissionDenied, ...). */
function opendalKind(err: unknown): string {
  const msg = (err as { message?: unknown })?.message;
  return typeof msg === "string" ? (/^(\w+) /.exec(msg)?.[1] ?? "") : "";
}

export class LocalLister implements SourceStore {
  readonly description: string;
  private readonly root: string;
  private operator: Operator | undefined;

  constructor(location: LocalLocation) {
    this.root = resolve(location.path);
    this.description = `local directory ${this.root}`;
  }

  /** The operator, once the directory is known to exist (OpenDAL's fs service would create a missing root). */
  private async op(): Promise<Operator> {
    if (this.operator !== undefined) return this.operator;
    let s: Stats;
    try {
      s = await fsStat(this.root);
    } catch (err) {
      throw this.classify(err, "");
    }
    if (!s.isDirectory()) throw new StoreNotFoundError(`${this.description}: not a directory; check source.path`);
    this.operator = new Operator("fs", { root: this.root });
    return this.operator;
  }

  private classify(err: unknown, name: string): StoreError {
    if (err instanceof StoreError) return err;
    const code = (err as { code?: unknown })?.code;
    const kind = opendalKind(err);
    const where = name === "" ? this.description : `${this.description}: ${JSON.stringify(name)}`;
    if (code === "ENOENT" || code === "ENOTDIR" || kind === "NotFound") {
      return new StoreNotFoundError(`${where}: not found; check source.path`, { cause: err });
    }
    if (code === "EACCES" || code === "EPERM" || kind === "PermissionDenied") {
      return new StoreAuthError(`${where}: permission refused; check that this user may read it`, { cause: err });
    }
    const msg = (err as { message?: unknown })?.message;
    return new StoreError(`${where}: ${String(msg ?? err).split("\n")[0].slice(0, 300)}`, "no-retry", { cause: err });
  }

  private async entry(op: Operator, name: string, isDirectory: boolean): Promise<StoreEntry> {
    const m = await op.stat(isDirectory ? `${name}/` : name);
    const micros = rfc3339Micros(m.lastModified ?? "1970-01-01T00:00:00Z");
    if (isDirectory) return { name, size: 0, modified: isoFromMicros(micros), isDirectory: true };
    const size = Number(m.contentLength ?? 0n);
    return { name, size, version: localVersion(size, micros), modified: isoFromMicros(micros), isDirectory: false };
  }

  /** The entry of a listed child, or undefined when it went away since its directory was listed. */
  private async listedEntry(op: Operator, name: string, isDirectory: boolean): Promise<StoreEntry | undefined> {
    try {
      return await this.entry(op, name, isDirectory);
    } catch (err) {
      if (opendalKind(err) === "NotFound") return undefined;
      throw this.classify(err, name);
    }
  }

  /** The regular files and directories in a directory ("" = the root) in walk order, as names from the root. */
  private async children(op: Operator, dir: string): Promise<{ name: string; isDirectory: boolean; key: Buffer }[]> {
    const listed = await op.list(dir === "" ? "" : `${dir}/`);
    const own = dir === "" ? "/" : `${dir}/`;
    const out: { name: string; isDirectory: boolean; key: Buffer }[] = [];
    for (const e of listed) {
      const p = e.path();
      if (p === own || p === "/" || p === "") continue;
      const name = p.endsWith("/") ? p.slice(0, -1) : p;
      const kind = await lstat(join(this.root, name)).catch((err: { code?: string }) => {
        if (err.code === "ENOENT") return undefined;
        throw err;
      });
      if (kind === undefined || !(kind.isFile() || kind.isDirectory())) continue;
      const isDirectory = kind.isDirectory();
      out.push({ name, isDirectory, key: Buffer.from(isDirectory ? `${name}/` : name, "utf8") });
    }
    return out.sort(walkOrder);
  }

  private async *walk(op: Operator, dir: string, signal?: AbortSignal): AsyncGenerator<StoreEntry> {
    for (const child of await this.children(op, dir)) {
      signal?.throwIfAborted();
      const e = await this.listedEntry(op, child.name, child.isDirectory);
      if (e === undefined) continue;
      yield e;
      if (child.isDirectory) yield* this.walk(op, child.name, signal);
    }
  }

  /** Every entry under the directory `prefix` ("" = all), directories included; a missing prefix is not found. */
  async *listPages(options: ListOptions = {}): AsyncIterable<StoreEntry[]> {
    const pageSize = Math.max(1, options.pageSize ?? LOCAL_PAGE);
    const prefix = trimSlashes(options.prefix ?? "");
    let page: StoreEntry[] = [];
    try {
      const op = await this.op();
      if (prefix !== "") await this.requireDirectory(op, prefix);
      for await (const e of this.walk(op, prefix, options.signal)) {
        page.push(e);
        if (page.length === pageSize) {
          yield page;
          page = [];
        }
      }
    } catch (err) {
      throw this.classify(err, prefix);
    }
    if (page.length > 0) yield page;
  }

  async *listChildren(prefix: string, options: ChildrenOptions = {}): AsyncIterable<StoreEntry[]> {
    const pageSize = Math.max(1, options.pageSize ?? LOCAL_PAGE);
    const dir = trimSlashes(prefix);
    let page: StoreEntry[] = [];
    try {
      const op = await this.op();
      if (dir !== "") await this.requireDirectory(op, dir);
      for (const child of await this.children(op, dir)) {
        options.signal?.throwIfAborted();
        const e = await this.listedEntry(op, child.name, child.isDirectory);
        if (e === undefined) continue;
        page.push(e);
        if (page.length === pageSize) {
          yield page;
          page = [];
        }
      }
    } catch (err) {
      throw this.classify(err, dir);
    }
    if (page.length > 0) yield page;
  }

  private async requireDirectory(op: Operator, dir: string): Promise<void> {
    // OpenDAL lists a missing directory as empty: ask first.
    const m = await op.stat(`${dir}/`);
    if (!m.isDirectory()) throw new StoreNotFoundError(`${this.description}: ${JSON.stringify(dir)} is not a directory; check source.path`);
  }

  async stat(name: string): Promise<StatResult> {
    const clean = trimSlashes(name);
    try {
      const op = await this.op();
      const m = await op.stat(clean);
      return { found: true, entry: await this.entry(op, clean, m.isDirectory()) };
    } catch (err) {
      if (opendalKind(err) === "NotFound") return { found: false, name: clean };
      throw this.classify(err, clean);
    }
  }

  async *readRange(name: string, range: ByteRange): AsyncIterable<Uint8Array> {
    const clean = trimSlashes(name);
    await this.op();
    const path = resolve(this.root, clean);
    if (!path.startsWith(`${this.root}/`)) throw new StoreError(`${this.description}: ${JSON.stringify(name)} is outside the directory`, "no-retry");
    const changed = (found: string | null) =>
      new StoreVersionChangedError(
        `${this.description}: ${JSON.stringify(clean)} changed since it was listed (version ${range.version}, now ${found ?? "gone"}); plan it again`,
        { name: clean, expected: range.version, found },
      );
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, "r");
    } catch (err) {
      if ((err as { code?: unknown }).code === "ENOENT") throw changed(null);
      throw this.classify(err, clean);
    }
    try {
      // The version is checked on the open file itself, before and after the read: a rename over it cannot slip in.
      const before = statsVersion(await handle.stat({ bigint: true }));
      if (before !== range.version) throw changed(before);
      if (range.length > 0) {
        const stream = createReadStream("", {
          fd: handle.fd,
          start: range.offset,
          end: range.offset + range.length - 1,
          autoClose: false,
          signal: range.signal,
        });
        for await (const chunk of stream) yield chunk as Buffer;
      }
      const after = statsVersion(await handle.stat({ bigint: true }));
      if (after !== range.version) throw changed(after);
    } finally {
      await handle.close();
    }
  }
}
