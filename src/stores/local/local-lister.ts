// Local store: a directory on this machine (NFS and other mounts included), through node:fs (not OpenDAL's Node
// binding: see README.md). Names are relative to the directory, "/"-separated.
// Order: code point order of the full names (a depth-first walk, each directory's children sorted by their UTF-8
// bytes with "/" after a directory's name), the order S3 and OCI list in; each directory comes just before its
// contents. Version: size and mtime (microseconds), "<size>@<mtime µs since the epoch>": see README.md.
// Listings hold regular files and directories only: symbolic links (not followed: loops, names outside the directory),
// sockets, FIFOs and devices are left out, told apart with lstat (a directory entry's type is not known on every file
// system); an entry that goes away while the directory is listed is left out too.
import { type BigIntStats, createReadStream, type Stats } from "node:fs";
import { lstat, open, readdir, stat as fsStat } from "node:fs/promises";
import { join, resolve } from "node:path";
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

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

export class LocalLister implements SourceStore {
  readonly description: string;
  private readonly root: string;
  private checked = false;

  constructor(location: LocalLocation) {
    this.root = resolve(location.path);
    this.description = `local directory ${this.root}`;
  }

  /** Checks once that the directory exists and is one. */
  private async op(): Promise<void> {
    if (this.checked) return;
    let s: Stats;
    try {
      s = await fsStat(this.root);
    } catch (err) {
      throw this.classify(err, "");
    }
    if (!s.isDirectory()) throw new StoreNotFoundError(`${this.description}: not a directory; check source.path`);
    this.checked = true;
  }

  /** The absolute path of a name, refused when it would leave the directory. */
  private pathOf(name: string): string {
    const path = resolve(this.root, name);
    if (path !== this.root && !path.startsWith(`${this.root}/`)) {
      throw new StoreError(`${this.description}: ${JSON.stringify(name)} is outside the directory`, "no-retry");
    }
    return path;
  }

  private classify(err: unknown, name: string): StoreError {
    if (err instanceof StoreError) return err;
    const code = (err as { code?: unknown })?.code;
    const where = name === "" ? this.description : `${this.description}: ${JSON.stringify(name)}`;
    if (isMissing(err)) {
      return new StoreNotFoundError(`${where}: not found; check source.path`, { cause: err });
    }
    if (code === "EACCES" || code === "EPERM") {
      return new StoreAuthError(`${where}: permission refused; check that this user may read it`, { cause: err });
    }
    const msg = (err as { message?: unknown })?.message;
    return new StoreError(`${where}: ${String(msg ?? err).split("\n")[0].slice(0, 300)}`, "no-retry", { cause: err });
  }

  private async entry(name: string): Promise<StoreEntry> {
    const m = await fsStat(this.pathOf(name), { bigint: true });
    const micros = m.mtimeNs / 1000n;
    if (m.isDirectory()) return { name, size: 0, modified: isoFromMicros(micros), isDirectory: true };
    const size = Number(m.size);
    return { name, size, version: localVersion(size, micros), modified: isoFromMicros(micros), isDirectory: false };
  }

  /** The entry of a listed child, or undefined when it went away since its directory was listed. */
  private async listedEntry(name: string, isDirectory: boolean): Promise<StoreEntry | undefined> {
    try {
      const e = await this.entry(name);
      return e.isDirectory === isDirectory ? e : undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.classify(err, name);
    }
  }

  /** The regular files and directories in a directory ("" = the root) in walk order, as names from the root. */
  private async children(dir: string): Promise<{ name: string; isDirectory: boolean; key: Buffer }[]> {
    const listed = await readdir(dir === "" ? this.root : this.pathOf(dir));
    const out: { name: string; isDirectory: boolean; key: Buffer }[] = [];
    for (const child of listed) {
      const name = dir === "" ? child : `${dir}/${child}`;
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

  private async *walk(dir: string, signal?: AbortSignal): AsyncGenerator<StoreEntry> {
    for (const child of await this.children(dir)) {
      signal?.throwIfAborted();
      const e = await this.listedEntry(child.name, child.isDirectory);
      if (e === undefined) continue;
      yield e;
      if (child.isDirectory) yield* this.walk(child.name, signal);
    }
  }

  /** Every entry under the directory `prefix` ("" = all), directories included; a missing prefix is not found. */
  async *listPages(options: ListOptions = {}): AsyncIterable<StoreEntry[]> {
    const pageSize = Math.max(1, options.pageSize ?? LOCAL_PAGE);
    const prefix = trimSlashes(options.prefix ?? "");
    let page: StoreEntry[] = [];
    try {
      await this.op();
      if (prefix !== "") await this.requireDirectory(prefix);
      for await (const e of this.walk(prefix, options.signal)) {
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
      await this.op();
      if (dir !== "") await this.requireDirectory(dir);
      for (const child of await this.children(dir)) {
        options.signal?.throwIfAborted();
        const e = await this.listedEntry(child.name, child.isDirectory);
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

  private async requireDirectory(dir: string): Promise<void> {
    const m = await fsStat(this.pathOf(dir));
    if (!m.isDirectory()) throw new StoreNotFoundError(`${this.description}: ${JSON.stringify(dir)} is not a directory; check source.path`);
  }

  async stat(name: string): Promise<StatResult> {
    const clean = trimSlashes(name);
    try {
      await this.op();
      return { found: true, entry: await this.entry(clean) };
    } catch (err) {
      if (isMissing(err)) return { found: false, name: clean };
      throw this.classify(err, clean);
    }
  }

  async *readRange(name: string, range: ByteRange): AsyncIterable<Uint8Array> {
    const clean = trimSlashes(name);
    await this.op();
    const path = this.pathOf(clean);
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
