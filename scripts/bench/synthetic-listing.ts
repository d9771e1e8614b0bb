// Deterministic (seeded) synthetic listings for the planner benchmarks and tests: a data lake of Spark-style
// partitioned parquet files, `year=2003/month=07/day=14/part-00042-<uuid>.snappy.parquet`, as a source listing in a
// pseudo-random order (a seeded permutation, like an unsorted store listing) and a target listing sorted by name (as
// OCI lists). Memory stays O(1) whatever the size: every file's name, size and md5 derive from its index by hashing,
// and the permutation is a Feistel network over the index range.
//
// File i gets a class from its hash: `equal` (the target holds the same size and md5), `changed` (the target holds
// another size, or for small files sometimes the same size and another md5), or `new` (not in the target). Besides,
// a fraction of files have an older sibling in the target that no source maps to (same partition and part number,
// another uuid): target-only objects. Objects over 128 MiB carry a multipart md5 ("<base64>-<parts>"), as OCI
// reports them. Each day directory holds `filesPerDirectory` files; the source listing also yields the directory
// entries (year, month, day), as an ADLS recursive listing does.
import type { SourceEntry, TargetEntry } from "../../src/core/plan-types.ts";

export interface SyntheticOptions {
  /** Source files (directories come on top). */
  files: number;
  seed?: number;
  /** Fraction of files equal in the target (default 0.6). */
  equal?: number;
  /** Fraction of files changed in the target (default 0.1); the rest are new. */
  changed?: number;
  /** Fraction of files with a target-only sibling (default 0.3, so that the target has as many objects as the
   * source has files with the other defaults). */
  targetOnly?: number;
  /** Files per day directory (default 1,000; at most 100,000). */
  filesPerDirectory?: number;
  /** Source entries per page (default 5,000, ADLS's maximum). */
  sourcePageSize?: number;
  /** Target entries per page (default 1,000, OCI's maximum). */
  targetPageSize?: number;
  /** Yield directory entries in the source listing (default true). */
  directories?: boolean;
}

/** What a correct diff of the two listings must find (compare mode size-md5, no prefix, no filters). */
export interface SyntheticCounts {
  sourceFiles: number;
  sourceDirectories: number;
  targetObjects: number;
  new: number;
  update: number;
  equal: number;
  targetOnly: number;
  newBytes: number;
  updateBytes: number;
  equalBytes: number;
}

interface Resolved {
  files: number;
  seed: number;
  equalPer: number;
  changedPer: number;
  targetOnlyPer: number;
  perDir: number;
  sourcePageSize: number;
  targetPageSize: number;
  directories: boolean;
}

function resolve(o: SyntheticOptions): Resolved {
  const perDir = o.filesPerDirectory ?? 1000;
  if (!Number.isInteger(o.files) || o.files < 0) throw new Error(`synthetic listing: files must be a whole number ≥ 0 (got ${o.files})`);
  if (!Number.isInteger(perDir) || perDir < 1 || perDir > 100000) {
    throw new Error(`synthetic listing: filesPerDirectory must be 1..100000 (got ${perDir})`);
  }
  const equal = o.equal ?? 0.6;
  const changed = o.changed ?? 0.1;
  const targetOnly = o.targetOnly ?? 0.3;
  if (equal < 0 || changed < 0 || equal + changed > 1 || targetOnly < 0 || targetOnly > 1) {
    throw new Error("synthetic listing: equal and changed must be ≥ 0 with equal + changed ≤ 1, targetOnly 0..1");
  }
  return {
    files: o.files,
    seed: (o.seed ?? 1) >>> 0,
    equalPer: Math.round(equal * 1_000_000),
    changedPer: Math.round(changed * 1_000_000),
    targetOnlyPer: Math.round(targetOnly * 1_000_000),
    perDir,
    sourcePageSize: o.sourcePageSize ?? 5000,
    targetPageSize: o.targetPageSize ?? 1000,
    directories: o.directories ?? true,
  };
}

/** A 32-bit hash of (value, salt): murmur3's finaliser over a mix of both. */
function hash(value: number, salt: number): number {
  let h = (Math.imul(value ^ 0x9e3779b9, 0x85ebca6b) ^ salt) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  // Fold in the high part of large indices (beyond 2^32).
  const high = Math.floor(value / 4294967296);
  if (high !== 0) h = Math.imul(h ^ high, 0x27d4eb2d) ^ (h >>> 15);
  return h >>> 0;
}

const SALT_CLASS = 0x1234567;
const SALT_SIZE = 0x2345678;
const SALT_MD5 = 0x3456789;
const SALT_UUID = 0x456789a;
const SALT_SIBLING = 0x56789ab;
const SALT_OTHER = 0x6789abc;

type FileClass = "equal" | "changed" | "new";

function fileClass(r: Resolved, i: number): FileClass {
  const x = hash(i, r.seed ^ SALT_CLASS) % 1_000_000;
  if (x < r.equalPer) return "equal";
  if (x < r.equalPer + r.changedPer) return "changed";
  return "new";
}

const MiB = 1024 * 1024;

/** 1 KiB · 2^(19·k/65536) for k in 0..65535: a log-uniform size table from 1 KiB to 512 MiB. */
const SIZE_TABLE = Float64Array.from({ length: 65536 }, (_, k) => Math.floor(1024 * 2 ** ((19 * k) / 65536)));

/** Log-uniform between 1 KiB and 512 MiB (plus a little jitter); about one file in 997 is empty. */
function fileSize(r: Resolved, i: number): number {
  const h = hash(i, r.seed ^ SALT_SIZE);
  if (h % 997 === 0) return 0;
  return SIZE_TABLE[h >>> 16] + (h & 0x3ff);
}

function hasSibling(r: Resolved, i: number): boolean {
  return hash(i, r.seed ^ SALT_SIBLING) % 1_000_000 < r.targetOnlyPer;
}

const HEX = "0123456789abcdef";
const scratch = Buffer.alloc(256);

function putDigits(at: number, value: number, width: number): number {
  let v = value;
  for (let k = width - 1; k >= 0; k--) {
    scratch[at + k] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return at + width;
}

function putAscii(at: number, text: string): number {
  for (let k = 0; k < text.length; k++) scratch[at + k] = text.charCodeAt(k);
  return at + text.length;
}

function putHex(at: number, value: number, digits: number): number {
  for (let k = digits - 1; k >= 0; k--) {
    scratch[at + k] = HEX.charCodeAt(value & 15);
    value >>>= 4;
  }
  return at + digits;
}

/** Where file i lives: year=YYYY/month=MM/day=DD/ (28-day months, 12 months a year, from 2000). */
function dayOf(r: Resolved, i: number): number {
  return Math.floor(i / r.perDir);
}

function putDayPath(at: number, day: number, depth: number): number {
  let p = putAscii(at, "year=");
  p = putDigits(p, 2000 + Math.floor(day / 336), 4);
  if (depth < 2) return p;
  p = putAscii(p, "/month=");
  p = putDigits(p, 1 + Math.floor((day % 336) / 28), 2);
  if (depth < 3) return p;
  p = putAscii(p, "/day=");
  return putDigits(p, 1 + (day % 28), 2);
}

/** The name of file i, or of its target-only sibling (another uuid). Flat one-byte strings, like JSON.parse makes. */
function fileName(r: Resolved, i: number, sibling: boolean): string {
  let p = putDayPath(0, dayOf(r, i), 3);
  p = putAscii(p, "/part-");
  p = putDigits(p, i % r.perDir, 5);
  scratch[p++] = 45;
  const salt = r.seed ^ (sibling ? SALT_SIBLING : SALT_UUID);
  p = putHex(p, hash(i, salt), 8);
  scratch[p++] = 45;
  const b = hash(i, salt ^ 0x1111);
  p = putHex(p, b >>> 16, 4);
  scratch[p++] = 45;
  p = putHex(p, b & 0xffff, 4);
  scratch[p++] = 45;
  const c = hash(i, salt ^ 0x2222);
  p = putHex(p, c >>> 16, 4);
  scratch[p++] = 45;
  p = putHex(p, c & 0xffff, 4);
  p = putHex(p, hash(i, salt ^ 0x3333), 8);
  p = putAscii(p, ".snappy.parquet");
  return scratch.toString("latin1", 0, p);
}

function md5Of(i: number, salt: number): string {
  for (let k = 0; k < 4; k++) scratch.writeUInt32BE(hash(i, salt ^ (k * 0x01010101)), 200 + 4 * k);
  return scratch.toString("base64", 200, 216);
}

function multipartMd5(i: number, salt: number, size: number): string {
  const parts = Math.ceil(size / (128 * MiB));
  return `${md5Of(i, salt ^ 0x7777).slice(0, 22)}==-${parts}`;
}

/** Largest power of 4 ≥ n, as 2^(2·half): the Feistel domain. */
function feistelHalfBits(n: number): number {
  let half = 1;
  while (2 ** (2 * half) < n) half++;
  return half;
}

/**
 * A seeded permutation of [0, n): a 4-round Feistel network over 2^(2·half), cycle-walked into range (at most four
 * tries on average). Bit operations: n is below 2^30 here (half ≤ 15).
 */
function permute(p: number, n: number, half: number, seed: number): number {
  const mask = (1 << half) - 1;
  let x = p;
  do {
    let left = x >>> half;
    let right = x & mask;
    for (let round = 0; round < 4; round++) {
      const next = (left + hash(right, seed ^ Math.imul(round, 0x3c6ef372))) & mask;
      left = right;
      right = next;
    }
    x = (left << half) | right;
  } while (x >= n);
  return x;
}

/** The source listing: every file once, in a seeded pseudo-random order, plus directory entries. */
export async function* syntheticSource(options: SyntheticOptions): AsyncGenerator<SourceEntry[]> {
  const r = resolve(options);
  if (r.files >= 2 ** 30) throw new Error("synthetic listing: at most 2^30 files");
  const half = feistelHalfBits(Math.max(r.files, 2));
  const days = Math.ceil(r.files / r.perDir);
  let page: SourceEntry[] = [];
  for (let p = 0; p < r.files; p++) {
    if (r.directories && p % r.perDir === 0) {
      // One day directory (and its month and year when new) every perDir entries: interleaved, as ADLS lists.
      const day = p / r.perDir;
      if (day < days) {
        if (day % 336 === 0) page.push({ name: scratchString(putDayPath(0, day, 1)), size: 0, isDirectory: true });
        if (day % 28 === 0) page.push({ name: scratchString(putDayPath(0, day, 2)), size: 0, isDirectory: true });
        page.push({ name: scratchString(putDayPath(0, day, 3)), size: 0, isDirectory: true });
      }
    }
    const i = permute(p, r.files, half, r.seed);
    page.push({ name: fileName(r, i, false), size: fileSize(r, i), md5: md5Of(i, r.seed ^ SALT_MD5), isDirectory: false });
    if (page.length >= r.sourcePageSize) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

function scratchString(end: number): string {
  return scratch.toString("latin1", 0, end);
}

/** The target object for file i (class equal or changed). */
function targetFor(r: Resolved, i: number, cls: FileClass): TargetEntry {
  const size = fileSize(r, i);
  const name = fileName(r, i, false);
  const sourceMd5 = md5Of(i, r.seed ^ SALT_MD5);
  if (cls === "equal") {
    return { name, size, md5: size > 128 * MiB ? multipartMd5(i, r.seed, size) : sourceMd5 };
  }
  // Changed: another size for large files (multipart md5s cannot show a content change) and every other small
  // file; the same size with another md5 for the rest.
  if (size > 128 * MiB || size === 0 || hash(i, r.seed ^ SALT_OTHER) % 2 === 0) {
    const other = size + 1 + (hash(i, r.seed ^ SALT_OTHER) % 4096);
    return { name, size: other, md5: other > 128 * MiB ? multipartMd5(i, r.seed ^ 1, other) : md5Of(i, r.seed ^ SALT_OTHER) };
  }
  return { name, size, md5: md5Of(i, r.seed ^ SALT_OTHER) };
}

function siblingFor(r: Resolved, i: number): TargetEntry {
  const size = fileSize(r, i ^ 1);
  return { name: fileName(r, i, true), size, md5: md5Of(i, r.seed ^ SALT_SIBLING) };
}

/** The target listing, sorted by name (file index order is name order; a sibling sorts by its uuid). */
export async function* syntheticTarget(options: SyntheticOptions): AsyncGenerator<TargetEntry[]> {
  const r = resolve(options);
  let page: TargetEntry[] = [];
  for (let i = 0; i < r.files; i++) {
    const cls = fileClass(r, i);
    const own = cls === "new" ? null : targetFor(r, i, cls);
    const sibling = hasSibling(r, i) ? siblingFor(r, i) : null;
    const first = own !== null && sibling !== null && sibling.name < own.name ? sibling : own;
    const second = first === sibling ? own : sibling;
    for (const entry of [first, second]) {
      if (entry === null) continue;
      page.push(entry);
      if (page.length === r.targetPageSize) {
        yield page;
        page = [];
      }
    }
  }
  if (page.length > 0) yield page;
}

/** The totals a correct diff finds, computed from the classes alone (no names built). */
export function syntheticCounts(options: SyntheticOptions): SyntheticCounts {
  const r = resolve(options);
  const counts: SyntheticCounts = {
    sourceFiles: r.files,
    sourceDirectories: 0,
    targetObjects: 0,
    new: 0,
    update: 0,
    equal: 0,
    targetOnly: 0,
    newBytes: 0,
    updateBytes: 0,
    equalBytes: 0,
  };
  if (r.directories) {
    const days = Math.ceil(r.files / r.perDir);
    counts.sourceDirectories = days + Math.ceil(days / 28) + Math.ceil(days / 336);
  }
  for (let i = 0; i < r.files; i++) {
    const cls = fileClass(r, i);
    const size = fileSize(r, i);
    // An equal object over 128 MiB lists a multipart md5: with no equality state nothing shows it unchanged, so the
    // diff copies it again (update, evidence none).
    if (cls === "equal" && size <= 128 * MiB) {
      counts.equal++;
      counts.equalBytes += size;
    } else if (cls === "changed" || cls === "equal") {
      counts.update++;
      counts.updateBytes += size;
    } else {
      counts.new++;
      counts.newBytes += size;
    }
    if (cls !== "new") counts.targetObjects++;
    if (hasSibling(r, i)) {
      counts.targetOnly++;
      counts.targetObjects++;
    }
  }
  return counts;
}
