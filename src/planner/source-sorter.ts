// The source side of the planner: takes mapped sources in any order and gives them back in merge order (object name
// in code point order, then source name), holding at most `runSize` of them in memory. Up to that many are sorted in
// memory; beyond, each full buffer is sorted and written to a run file in a temporary directory, and the runs are
// merged k ways (in passes of at most `maxOpenRuns` files). Temporary files are removed by dispose(), always.
//
// The MD5 and the version travel together, in the arena and in run files, as one field: the MD5, then a space and
// the version when it is known (an MD5 is base64, so it holds no space). A version holding a tab, line feed, carriage
// return or backslash (no store lists such a thing) is dropped: the file is then judged without its version.
//
// Run file format, one source per line, UTF-8: `<object name>\t<size>\t<md5[ version]>\t<source name>\n`, where the source name
// is left empty when it is the object name without the target prefix (always, with the core's mapping), and a
// backslash and a tab inside a name are written as `\\` and `\t`. Names never hold line feeds or carriage returns:
// those are invalid object names, rejected before sorting.
import { type ReadStream, createReadStream } from "node:fs";
import { type FileHandle, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareNames } from "../core/compare-names.ts";
import type { MappedSource } from "../core/plan-types.ts";
import { compareMapped } from "../core/sort-sources.ts";
import { ASCII, type FastBuffer, NEEDS_ESCAPE, SourceArena, sortArena } from "./byte-sort.ts";

export interface SorterTuning {
  /** Sources held in memory before a sorted run is written to disk. */
  runSize: number;
  /** Where the temporary directory for runs is made. */
  tempDir: string;
  /** Run files merged at once; more runs are first merged in passes. */
  maxOpenRuns: number;
}

export const DEFAULT_SORTER_TUNING: SorterTuning = { runSize: 2_000_000, tempDir: tmpdir(), maxOpenRuns: 64 };

/**
 * A sorted stream of sources that reads ahead in chunks. next() returns the next source, null at the end, or
 * undefined when the cursor must read first: then await fill() and call next() again. (Keeping next() synchronous
 * avoids an await per source on the hot path.)
 */
export interface SourceCursor {
  next(): MappedSource | null | undefined;
  fill(): Promise<void>;
  /** The object name last returned by next() holds no surrogate (so plain `<` orders it like compareNames). */
  plain: boolean;
}

/** Drains a cursor's next value, reading as needed. */
export async function nextSource(cursor: SourceCursor): Promise<MappedSource | null> {
  for (;;) {
    const value = cursor.next();
    if (value !== undefined) return value;
    await cursor.fill();
  }
}

/** Block of records decoded at once: independent loads in one tight loop let the CPU overlap their cache misses. */
const DECODE_BLOCK = 256;

class MemoryCursor implements SourceCursor {
  private at = 0;
  private block: MappedSource[] = [];
  private blockPlain: boolean[] = [];
  private blockAt = 0;
  plain = false;
  constructor(
    private readonly order: Uint32Array,
    private readonly arena: SourceArena,
    private readonly prefixLength: number,
    /** Source names that are not the object name without the prefix (none with the core's mapping). */
    private readonly explicitSources: Map<number, string>,
  ) {}

  next(): MappedSource | null {
    if (this.blockAt === this.block.length) {
      if (this.at >= this.order.length) return null;
      this.decodeBlock();
    }
    this.plain = this.blockPlain[this.blockAt];
    return this.block[this.blockAt++];
  }

  private decodeBlock(): void {
    const arena = this.arena;
    const end = Math.min(this.order.length, this.at + DECODE_BLOCK);
    this.block = [];
    this.blockPlain = [];
    this.blockAt = 0;
    for (let k = this.at; k < end; k++) {
      const ref = this.order[k];
      const targetName = arena.name(ref);
      const explicit = this.explicitSources.size === 0 ? undefined : this.explicitSources.get(ref);
      const sourceName = explicit ?? (this.prefixLength === 0 ? targetName : targetName.slice(this.prefixLength));
      const field = arena.md5(ref);
      const space = field.indexOf(" ");
      this.block.push(
        space < 0
          ? { sourceName, targetName, size: arena.size(ref), md5: field, version: "" }
          : { sourceName, targetName, size: arena.size(ref), md5: field.slice(0, space), version: field.slice(space + 1) },
      );
      this.blockPlain.push((arena.flags(ref) & ASCII) !== 0);
    }
    this.at = end;
  }

  async fill(): Promise<void> {}
}

/** The MD5 field of a source: the MD5, and " <version>" when the version is known and safe to keep (see above). */
export function packMd5(source: MappedSource): string {
  const version = source.version;
  if (version === "") return source.md5;
  for (let i = 0; i < version.length; i++) {
    const c = version.charCodeAt(i);
    if (c === 0x09 || c === 0x0a || c === 0x0d || c === 0x5c) return source.md5;
  }
  return `${source.md5} ${version}`;
}

function unescapeField(field: string): string {
  if (field.indexOf("\\") < 0) return field;
  let out = "";
  for (let i = 0; i < field.length; i++) {
    const c = field[i];
    if (c === "\\" && i + 1 < field.length) {
      const d = field[++i];
      out += d === "t" ? "\t" : d;
    } else {
      out += c;
    }
  }
  return out;
}

/** Reads a run file, parsing lines at the byte level (names decode as Latin-1 when ASCII). */
class FileCursor implements SourceCursor {
  private buffer: FastBuffer = Buffer.alloc(0) as FastBuffer;
  private at = 0;
  private done = false;
  private readonly chunks: AsyncIterator<Buffer>;
  private readonly stream: ReadStream;
  plain = false;

  constructor(
    readonly path: string,
    private readonly prefix: string,
    chunkBytes: number,
  ) {
    this.stream = createReadStream(path, { highWaterMark: chunkBytes });
    this.chunks = this.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** Stops reading and releases the file. */
  close(): void {
    this.stream.destroy();
  }

  next(): MappedSource | null | undefined {
    const b = this.buffer;
    const n = b.length;
    const start = this.at;
    // Fields: name TAB size TAB md5 TAB source NEWLINE.
    let p = start;
    let high = 0;
    let escaped = false;
    while (p < n && b[p] !== TAB) {
      high |= b[p];
      if (b[p] === BACKSLASH) escaped = true;
      p++;
    }
    const t1 = p;
    let size = 0;
    for (p = t1 + 1; p < n && b[p] !== TAB; p++) size = size * 10 + (b[p] - 0x30);
    const t2 = p;
    let md5High = 0;
    for (p = t2 + 1; p < n && b[p] !== TAB; p++) md5High |= b[p];
    const t3 = p;
    let sourceEscaped = false;
    for (p = t3 + 1; p < n && b[p] !== NEWLINE; p++) if (b[p] === BACKSLASH) sourceEscaped = true;
    if (p >= n) {
      // No whole line left: at the end of the file that is the end (a run file ends with a newline).
      return this.done ? null : undefined;
    }
    this.at = p + 1;
    let targetName = high < 0x80 ? b.latin1Slice(start, t1) : b.utf8Slice(start, t1);
    if (escaped) targetName = unescapeField(targetName);
    // A 4-byte UTF-8 sequence (lead byte 0xF0 and up) is an astral character: a surrogate pair in JavaScript.
    this.plain = high < 0x80 || !hasAstral(b, start, t1);
    const sourceName =
      t3 + 1 === p ? targetName.slice(this.prefix.length) : sourceEscaped ? unescapeField(b.utf8Slice(t3 + 1, p)) : b.utf8Slice(t3 + 1, p);
    const field = md5High < 0x80 ? b.latin1Slice(t2 + 1, t3) : b.utf8Slice(t2 + 1, t3);
    const space = field.indexOf(" ");
    if (space < 0) return { sourceName, targetName, size, md5: field, version: "" };
    return { sourceName, targetName, size, md5: field.slice(0, space), version: field.slice(space + 1) };
  }

  async fill(): Promise<void> {
    const { value, done } = await this.chunks.next();
    const rest = this.buffer.subarray(this.at);
    if (done) {
      this.done = true;
      return;
    }
    this.buffer = (rest.length === 0 ? value : Buffer.concat([rest, value])) as FastBuffer;
    this.at = 0;
  }
}

function hasAstral(bytes: Buffer, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (bytes[k] >= 0xf0) return true;
  return false;
}

interface HeapItem {
  cursor: SourceCursor;
  head: MappedSource;
  /** The head's object name holds no surrogate. */
  plain: boolean;
}

/** Merge order of two heads: native string order when neither name has a surrogate (then it equals compareNames),
 * compareMapped otherwise. */
function before(a: HeapItem, b: HeapItem): boolean {
  if (a.plain && b.plain) {
    const x = a.head.targetName;
    const y = b.head.targetName;
    if (x !== y) return x < y;
    return compareNames(a.head.sourceName, b.head.sourceName) < 0;
  }
  return compareMapped(a.head, b.head) < 0;
}

/** k-way merge of sorted cursors, with a binary heap ordered by compareMapped. */
class MergeCursor implements SourceCursor {
  private readonly heap: HeapItem[] = [];
  plain = false;
  private pending: SourceCursor[] = [];

  constructor(cursors: SourceCursor[]) {
    this.pending = cursors.slice();
  }

  next(): MappedSource | null | undefined {
    if (this.pending.length > 0) return undefined;
    const heap = this.heap;
    if (heap.length === 0) return null;
    const top = heap[0];
    const result = top.head;
    this.plain = top.plain;
    const following = top.cursor.next();
    if (following === undefined || following === null) {
      const last = heap.pop() as HeapItem;
      if (heap.length > 0) {
        heap[0] = last;
        this.down(0);
      }
      if (following === undefined) this.pending.push(top.cursor);
    } else {
      top.head = following;
      top.plain = top.cursor.plain;
      this.down(0);
    }
    return result;
  }

  async fill(): Promise<void> {
    const waiting = this.pending;
    this.pending = [];
    for (const cursor of waiting) {
      const head = await nextSource(cursor);
      if (head !== null) this.push({ cursor, head, plain: cursor.plain });
    }
  }

  private push(item: HeapItem): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = item;
  }

  private down(start: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[start];
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap[child + 1], heap[child])) child++;
      if (!before(heap[child], item)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = item;
  }
}

const TAB = 0x09;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/** Writes run lines to a file in large chunks, straight from arena bytes or from strings. */
class RunWriter {
  private readonly out = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    private readonly prefix: string,
  ) {}

  static async create(path: string, prefix: string): Promise<RunWriter> {
    return new RunWriter(path, await open(path, "wx"), prefix);
  }

  /** Room for a line of at most `bytes` bytes; when it returns true, flush() must be awaited first. */
  needsFlush(bytes: number): boolean {
    return this.used + bytes > this.out.length;
  }

  private putEscaped(bytes: Buffer, from: number, to: number): void {
    const out = this.out;
    let p = this.used;
    for (let k = from; k < to; k++) {
      const b = bytes[k];
      if (b === TAB) {
        out[p++] = BACKSLASH;
        out[p++] = 0x74;
      } else if (b === BACKSLASH) {
        out[p++] = BACKSLASH;
        out[p++] = BACKSLASH;
      } else {
        out[p++] = b;
      }
    }
    this.used = p;
  }

  private putNumber(value: number): void {
    const out = this.out;
    if (value < 1e9) {
      // Small integers: 32-bit arithmetic.
      let v = value | 0;
      let width = 1;
      for (let bound = 10; bound <= v; bound *= 10) width++;
      const end = this.used + width;
      for (let p = end - 1; p >= this.used; p--) {
        const q = (v / 10) | 0;
        out[p] = 0x30 + v - q * 10;
        v = q;
      }
      this.used = end;
      return;
    }
    let width = 1;
    for (let bound = 10; bound <= value; bound *= 10) width++;
    const digits = this.used + width;
    let v = value;
    for (let p = digits - 1; p >= this.used; p--) {
      this.out[p] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    }
    this.used = digits;
  }

  /** Line bytes a record can take at most (escaping doubles a byte; a size has at most 16 digits). */
  static recordRoom(arena: SourceArena, ref: number, explicitSource: string | undefined): number {
    const source = explicitSource === undefined ? 0 : Buffer.byteLength(explicitSource) * 2;
    return 2 * arena.nameLength(ref) + arena.md5Length(ref) + source + 24;
  }

  /** `<name>\t<size>\t<md5>\t<source or empty>\n` from the arena; the caller made room. */
  addRecord(arena: SourceArena, ref: number, explicitSource: string | undefined): void {
    const chunk = arena.chunkOf(ref);
    const s = arena.nameStart(ref);
    const nameEnd = s + arena.nameLength(ref);
    const out = this.out;
    if ((arena.flags(ref) & NEEDS_ESCAPE) !== 0) {
      this.putEscaped(chunk, s, nameEnd);
    } else {
      let p = this.used;
      for (let k = s; k < nameEnd; k++) out[p++] = chunk[k];
      this.used = p;
    }
    out[this.used++] = TAB;
    this.putNumber(arena.size(ref));
    out[this.used++] = TAB;
    let p = this.used;
    const md5End = nameEnd + arena.md5Length(ref);
    for (let k = nameEnd; k < md5End; k++) out[p++] = chunk[k];
    this.used = p;
    out[this.used++] = TAB;
    if (explicitSource !== undefined) {
      const bytes = Buffer.from(explicitSource, "utf8");
      this.putEscaped(bytes, 0, bytes.length);
    }
    this.out[this.used++] = NEWLINE;
  }

  /** A line from a merged source (the intermediate merge passes); the caller made room (see sourceRoom). */
  addSource(source: MappedSource): void {
    const target = Buffer.from(source.targetName, "utf8");
    this.putEscaped(target, 0, target.length);
    this.out[this.used++] = TAB;
    this.putNumber(source.size);
    this.out[this.used++] = TAB;
    this.used += this.out.write(packMd5(source), this.used, "utf8");
    this.out[this.used++] = TAB;
    if (!impliedSource(this.prefix, source.sourceName, source.targetName)) {
      const bytes = Buffer.from(source.sourceName, "utf8");
      this.putEscaped(bytes, 0, bytes.length);
    }
    this.out[this.used++] = NEWLINE;
  }

  static sourceRoom(source: MappedSource): number {
    return 3 * (2 * source.targetName.length + source.md5.length + source.version.length + 2 * source.sourceName.length) + 25;
  }

  async flush(): Promise<void> {
    let done = 0;
    while (done < this.used) {
      const { bytesWritten } = await this.file.write(this.out, done, this.used - done);
      done += bytesWritten;
    }
    this.used = 0;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.file.close();
  }
}

/** True when the source name is the object name without the prefix: then run files and memory leave it out. */
function impliedSource(prefix: string, sourceName: string, targetName: string): boolean {
  return targetName.length === prefix.length + sourceName.length && targetName.startsWith(prefix) && targetName.endsWith(sourceName);
}

export class SourceSorter {
  private arena = new SourceArena();
  /** Source names that are not the object name without the prefix, by arena reference (none with the core's mapping). */
  private explicitSources = new Map<number, string>();
  private readonly runs: string[] = [];
  private dir: string | null = null;
  private files = 0;
  private readonly opened: FileCursor[] = [];
  /** Sources accepted so far. */
  count = 0;

  constructor(
    private readonly prefix: string,
    private readonly tuning: SorterTuning = DEFAULT_SORTER_TUNING,
  ) {
    if (!(tuning.runSize >= 1) || !(tuning.maxOpenRuns >= 2)) {
      throw new Error(`planner: runSize must be ≥ 1 and maxOpenRuns ≥ 2 (got ${tuning.runSize}, ${tuning.maxOpenRuns})`);
    }
  }

  /** Adds a source; when it returns true the buffer is full and spill() must be awaited before the next add. */
  add(source: MappedSource): boolean {
    const ref = this.arena.add(source.targetName, packMd5(source), source.size);
    if (!impliedSource(this.prefix, source.sourceName, source.targetName)) this.explicitSources.set(ref, source.sourceName);
    this.count++;
    return this.arena.count >= this.tuning.runSize;
  }

  /** How many runs went to disk (for reports and tests). */
  get spilledRuns(): number {
    return this.files;
  }

  /** The buffered sources in merge order, as arena references. */
  private sortBuffer(): Uint32Array {
    const arena = this.arena;
    const { order, ties } = sortArena(arena);
    // Equal object names (collisions) come in unspecified order; order each group by source name.
    for (let t = 0; t < ties.length; t += 2) {
      const group = Array.from(order.subarray(ties[t], ties[t + 1]));
      const sourceOf = (k: number) => this.explicitSources.get(k) ?? arena.name(k).slice(this.prefix.length);
      group.sort((a, b) => compareNames(sourceOf(a), sourceOf(b)));
      order.set(group, ties[t]);
    }
    return order;
  }

  private async tempPath(): Promise<string> {
    if (this.dir === null) this.dir = await mkdtemp(join(this.tuning.tempDir, "lake2oci-plan-"));
    return join(this.dir, `run-${String(this.files++).padStart(6, "0")}.txt`);
  }

  /** Sorts the buffer and writes it as a run file. */
  async spill(): Promise<void> {
    const arena = this.arena;
    if (arena.count === 0) return;
    const order = this.sortBuffer();
    const writer = await RunWriter.create(await this.tempPath(), this.prefix);
    for (let k = 0; k < order.length; k++) {
      const ref = order[k];
      const explicit = this.explicitSources.size === 0 ? undefined : this.explicitSources.get(ref);
      if (writer.needsFlush(RunWriter.recordRoom(arena, ref, explicit))) await writer.flush();
      writer.addRecord(arena, ref, explicit);
    }
    await writer.close();
    this.runs.push(writer.path);
    this.resetBuffer();
  }

  private memoryCursor(order: Uint32Array): MemoryCursor {
    return new MemoryCursor(order, this.arena, this.prefix.length, this.explicitSources);
  }

  private resetBuffer(): void {
    this.arena = new SourceArena();
    this.explicitSources = new Map();
  }

  private openRun(path: string, openCount: number): FileCursor {
    // Read-ahead per run shrinks as more runs are open at once (about 64 MiB in total).
    const chunk = Math.max(64 * 1024, Math.min(1024 * 1024, Math.floor((64 * 1024 * 1024) / openCount)));
    const cursor = new FileCursor(path, this.prefix, chunk);
    this.opened.push(cursor);
    return cursor;
  }

  /**
   * Every source added, in merge order. The last buffer stays in memory; when runs were spilled, at most
   * maxOpenRuns - 1 of them are merged with it at once (earlier passes merge runs into longer runs).
   */
  async finish(): Promise<SourceCursor> {
    const memory = this.memoryCursor(this.sortBuffer());
    if (this.runs.length === 0) return memory;
    let runs = this.runs.slice();
    const width = this.tuning.maxOpenRuns;
    while (runs.length > width - 1) {
      const merged: string[] = [];
      for (let k = 0; k < runs.length; k += width) {
        const group = runs.slice(k, k + width);
        if (group.length === 1) {
          merged.push(group[0]);
          continue;
        }
        const writer = await RunWriter.create(await this.tempPath(), this.prefix);
        const cursor = new MergeCursor(group.map((path) => this.openRun(path, group.length)));
        for (let s = await nextSource(cursor); s !== null; s = await nextSource(cursor)) {
          if (writer.needsFlush(RunWriter.sourceRoom(s))) await writer.flush();
          writer.addSource(s);
        }
        await writer.close();
        for (const path of group) await rm(path, { force: true });
        merged.push(writer.path);
      }
      runs = merged;
    }
    const cursors: SourceCursor[] = runs.map((path) => this.openRun(path, runs.length));
    cursors.push(memory);
    return new MergeCursor(cursors);
  }

  /** Removes the temporary directory and everything in it. Safe to call more than once. */
  async dispose(): Promise<void> {
    for (const cursor of this.opened) cursor.close();
    this.opened.length = 0;
    this.resetBuffer();
    if (this.dir !== null) {
      const dir = this.dir;
      this.dir = null;
      await rm(dir, { recursive: true, force: true });
    }
  }
}
