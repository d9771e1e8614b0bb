// Holding and sorting many sources compactly. A buffered source lives only in typed memory, as one record in a
// 16 MiB chunk: a 13-byte header (name length, md5 length, flags, size) followed by the object name and the MD5 as
// UTF-8. A record is addressed by a 32-bit reference, chunk << 24 | offset. No JavaScript string or object per
// source stays alive, so the garbage collector neither copies nor scans them and the lister's strings die young;
// and everything about a record sits together, so visiting records in sorted (random) order costs about one cache
// miss each instead of one per field.
//
// Sorting: multikey (three-way radix) quicksort of the references over the name bytes. UTF-8 byte order is Unicode
// code point order, the order of compareNames (src/core/compare-names.ts) and of OCI listings, for every name without
// unpaired surrogates (invalid object names, refused before they reach the planner's sort). Comparing bytes in
// typed arrays avoids the pointer chasing of a comparison sort over JavaScript strings, which dominates at a million
// names.

/**
 * Node's native string codecs on Buffer, which Buffer#toString and Buffer#write wrap (argument checks and an
 * encoding switch that cost more than the copy for short names). Present on every Buffer since Node 0.x; the
 * byte-sort tests check them against toString.
 */
export interface FastBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
  utf8Write(text: string, offset: number): number;
  latin1Write(text: string, offset: number): number;
}

/** Flag: the name is all ASCII (it decodes as Latin-1, the fastest path, and holds no surrogate). */
export const ASCII = 1;
/** Flag: the name holds a tab or a backslash (run files escape them). */
export const NEEDS_ESCAPE = 2;
/** Flag: the MD5 is all ASCII. */
const MD5_ASCII = 4;

/** Bytes per chunk (offsets take 24 bits of a reference); a record never spans two chunks. */
const CHUNK_BITS = 24;
const CHUNK = 1 << CHUNK_BITS;
const OFFSET_MASK = CHUNK - 1;
/** At most 256 chunks: references are 32-bit. */
const MAX_CHUNKS = 256;
/** Header: name length (2), md5 length (2), flags (1), size (8, little-endian double). */
const HEADER = 13;
/** Longest record accepted: names are ≤ 1,024 bytes once checked, MD5 strings are short. */
const MAX_RECORD = 64 * 1024;

/** Buffered sources, each a record addressed by a reference (see the file comment). */
export class SourceArena {
  readonly chunks: FastBuffer[] = [];
  /** References of the records, in the order they were added. */
  refs: Uint32Array;
  count = 0;
  private used = CHUNK;

  constructor(expected = 1024) {
    this.refs = new Uint32Array(expected);
  }

  /** Appends a source; returns its reference. Names must hold no NUL (see wordAt) and be at most 1,024 bytes. */
  add(name: string, md5: string, size: number): number {
    if (name.indexOf("\0") >= 0) throw new Error("planner: a name with a NUL character reached the sort (names are checked before)");
    // A UTF-16 unit takes at most 3 UTF-8 bytes (a surrogate pair, 2 units, takes 4).
    const room = HEADER + (name.length + md5.length) * 3;
    if (room > MAX_RECORD) throw new Error(`planner: a source record of up to ${room} bytes exceeds ${MAX_RECORD}`);
    if (this.used + room > CHUNK) {
      if (this.chunks.length === MAX_CHUNKS) {
        throw new Error(`planner: a sort run holds more than ${(MAX_CHUNKS * CHUNK) / 2 ** 30} GiB of names; use a smaller run size`);
      }
      this.chunks.push(Buffer.allocUnsafe(CHUNK) as FastBuffer);
      this.used = 0;
    }
    if (this.count === this.refs.length) {
      const refs = new Uint32Array(Math.max(1024, Math.floor(this.refs.length * 1.5)));
      refs.set(this.refs);
      this.refs = refs;
    }
    const chunkIndex = this.chunks.length - 1;
    const chunk = this.chunks[chunkIndex];
    const at = this.used;
    const nameBytes = chunk.utf8Write(name, at + HEADER);
    const md5Bytes = md5.length === 0 ? 0 : chunk.utf8Write(md5, at + HEADER + nameBytes);
    // Every non-ASCII character takes more UTF-8 bytes than UTF-16 units, so equal counts mean all ASCII.
    const flags =
      (nameBytes === name.length ? ASCII : 0) |
      (name.indexOf("\t") >= 0 || name.indexOf("\\") >= 0 ? NEEDS_ESCAPE : 0) |
      (md5Bytes === md5.length ? MD5_ASCII : 0);
    chunk[at] = nameBytes & 0xff;
    chunk[at + 1] = nameBytes >>> 8;
    chunk[at + 2] = md5Bytes & 0xff;
    chunk[at + 3] = md5Bytes >>> 8;
    chunk[at + 4] = flags;
    chunk.writeDoubleLE(size, at + 5);
    this.used = at + HEADER + nameBytes + md5Bytes;
    const ref = chunkIndex * CHUNK + at;
    this.refs[this.count++] = ref;
    return ref;
  }

  chunkOf(ref: number): FastBuffer {
    return this.chunks[ref >>> CHUNK_BITS];
  }

  nameLength(ref: number): number {
    const chunk = this.chunks[ref >>> CHUNK_BITS];
    const at = ref & OFFSET_MASK;
    return chunk[at] | (chunk[at + 1] << 8);
  }

  flags(ref: number): number {
    return this.chunks[ref >>> CHUNK_BITS][(ref & OFFSET_MASK) + 4];
  }

  size(ref: number): number {
    return this.chunks[ref >>> CHUNK_BITS].readDoubleLE((ref & OFFSET_MASK) + 5);
  }

  /** Where the name bytes start in chunkOf(ref). */
  nameStart(ref: number): number {
    return (ref & OFFSET_MASK) + HEADER;
  }

  md5Length(ref: number): number {
    const chunk = this.chunks[ref >>> CHUNK_BITS];
    const at = ref & OFFSET_MASK;
    return chunk[at + 2] | (chunk[at + 3] << 8);
  }

  name(ref: number): string {
    const chunk = this.chunks[ref >>> CHUNK_BITS];
    const at = ref & OFFSET_MASK;
    const start = at + HEADER;
    const end = start + (chunk[at] | (chunk[at + 1] << 8));
    return (chunk[at + 4] & ASCII) !== 0 ? chunk.latin1Slice(start, end) : chunk.utf8Slice(start, end);
  }

  md5(ref: number): string {
    const chunk = this.chunks[ref >>> CHUNK_BITS];
    const at = ref & OFFSET_MASK;
    const length = chunk[at + 2] | (chunk[at + 3] << 8);
    if (length === 0) return "";
    const start = at + HEADER + (chunk[at] | (chunk[at + 1] << 8));
    return (chunk[at + 4] & MD5_ASCII) !== 0 ? chunk.latin1Slice(start, start + length) : chunk.utf8Slice(start, start + length);
  }
}

function compareFrom(arena: SourceArena, a: number, b: number, depth: number): number {
  const ca = arena.chunks[a >>> CHUNK_BITS];
  const cb = arena.chunks[b >>> CHUNK_BITS];
  const oa = a & OFFSET_MASK;
  const ob = b & OFFSET_MASK;
  const la = ca[oa] | (ca[oa + 1] << 8);
  const lb = cb[ob] | (cb[ob + 1] << 8);
  const sa = oa + HEADER;
  const sb = ob + HEADER;
  const n = Math.min(la, lb);
  for (let k = depth; k < n; k++) {
    const x = ca[sa + k];
    const y = cb[sb + k];
    if (x !== y) return x < y ? -1 : 1;
  }
  return la === lb ? 0 : la < lb ? -1 : 1;
}

const SMALL = 24;
/** Bytes compared per partitioning pass: six bytes fit exactly in a double (48 bits). */
const WORD = 6;

/**
 * The WORD name bytes of record `ref` from `depth`, big-endian in one number, 0 past the end of the name. Since
 * names hold no NUL (0x00 is refused in object names, and UTF-8 only makes a 0 byte for NUL), a 0 byte only ever
 * means "ended", so numeric order of words is byte order of names, with a shorter name first.
 */
function wordAt(arena: SourceArena, ref: number, depth: number): number {
  const bytes = arena.chunks[ref >>> CHUNK_BITS];
  const at = ref & OFFSET_MASK;
  const s = at + HEADER + depth;
  const left = (bytes[at] | (bytes[at + 1] << 8)) - depth;
  if (left >= WORD) {
    return bytes[s] * 0x10000000000 + bytes[s + 1] * 0x100000000 + bytes[s + 2] * 0x1000000 + ((bytes[s + 3] << 16) | (bytes[s + 4] << 8) | bytes[s + 5]);
  }
  let word = 0;
  for (let k = 0; k < WORD; k++) word = word * 256 + (k < left ? bytes[s + k] : 0);
  return word;
}

export interface SortedArena {
  /** Record references in name byte order. */
  order: Uint32Array;
  /** [from, to) ranges of `order` holding equal names (in unspecified relative order), flattened. */
  ties: number[];
}

/**
 * The arena's record references in name byte order. Equal names end up next to each other in unspecified relative
 * order; `ties` lists those ranges so that the caller can order them.
 *
 * Multikey quicksort on six-byte words, with the word of each entry cached beside it: a partition round reads the
 * cache sequentially and the arena is read (a random access, a likely cache miss) only once per record per depth.
 * Partition by the word at `depth`; sort the smaller and larger parts at the same depth (their cached words stay
 * valid) and the equal part from depth + 6 (after refilling its cache), unless the word shows the names ended: then
 * they are all equal.
 */
export function sortArena(arena: SourceArena): SortedArena {
  const n = arena.count;
  const idx = arena.refs.slice(0, n);
  const cache = new Float64Array(n);
  for (let i = 0; i < n; i++) cache[i] = wordAt(arena, idx[i], 0);
  const ties: number[] = [];
  // Explicit stack of (lo, hi, depth, cached) partitions: recursion depth could reach the longest name length.
  const stack: number[] = [0, n, 0, 1];
  while (stack.length > 0) {
    const cached = stack.pop() as number;
    const depth = stack.pop() as number;
    const hi = stack.pop() as number;
    const lo = stack.pop() as number;
    if (cached === 0) {
      for (let k = lo; k < hi; k++) cache[k] = wordAt(arena, idx[k], depth);
    }
    if (hi - lo < SMALL) {
      sortLeaf(arena, idx, cache, lo, hi, depth, ties);
      continue;
    }
    const a = cache[lo];
    const b = cache[(lo + hi) >>> 1];
    const c = cache[hi - 1];
    // Median of the three.
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    let lt = lo;
    let gt = hi - 1;
    let i = lo;
    while (i <= gt) {
      const v = cache[i];
      if (v < pivot) {
        const t = idx[lt];
        idx[lt] = idx[i];
        idx[i] = t;
        cache[i] = cache[lt];
        cache[lt] = v;
        lt++;
        i++;
      } else if (v > pivot) {
        const t = idx[gt];
        idx[gt] = idx[i];
        idx[i] = t;
        cache[i] = cache[gt];
        cache[gt] = v;
        gt--;
      } else {
        i++;
      }
    }
    if (lt - lo > 1) stack.push(lo, lt, depth, 1);
    if (hi - gt - 1 > 1) stack.push(gt + 1, hi, depth, 1);
    // The equal part shares WORD bytes from `depth`; when the pivot word ends in 0 those names ended: all equal.
    if (gt + 1 - lt > 1) {
      if (pivot % 256 !== 0) stack.push(lt, gt + 1, depth + WORD, 0);
      else ties.push(lt, gt + 1);
    }
  }
  return { order: idx, ties };
}

/** Insertion sort of a small partition by cached word (equal words that did not end compare on in the arena); the
 * runs of equal names it finds are ties. */
function sortLeaf(arena: SourceArena, idx: Uint32Array, cache: Float64Array, lo: number, hi: number, depth: number, ties: number[]): void {
  for (let i = lo + 1; i < hi; i++) {
    const v = idx[i];
    const w = cache[i];
    let j = i;
    while (j > lo) {
      const u = cache[j - 1];
      if (u < w || (u === w && (w % 256 === 0 || compareFrom(arena, idx[j - 1], v, depth + WORD) <= 0))) break;
      idx[j] = idx[j - 1];
      cache[j] = u;
      j--;
    }
    idx[j] = v;
    cache[j] = w;
  }
  let run = lo;
  for (let k = lo + 1; k <= hi; k++) {
    const same = k < hi && cache[k] === cache[k - 1] && (cache[k] % 256 === 0 || compareFrom(arena, idx[k - 1], idx[k], depth + WORD) === 0);
    if (!same) {
      if (k - run > 1) ties.push(run, k);
      run = k;
    }
  }
}

/** Whether records a and b (references) have the same name bytes. */
export function sameName(arena: SourceArena, a: number, b: number): boolean {
  return compareFrom(arena, a, b, 0) === 0;
}
