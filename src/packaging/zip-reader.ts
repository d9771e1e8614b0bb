// Reads a zip file (a Python wheel, or an archive.zip this project built) from its central directory: the entry
// list and each entry's bytes. Enough of the format for wheels: stored and deflated entries, zip64 sizes and
// offsets, no encryption, no multi-disk archives. The whole file is held in memory (the largest wheel the job needs
// is under 50 MB).
import { readFileSync } from "node:fs";
import * as zlib from "node:zlib";

export interface ZipEntry {
  /** The name as stored (forward slashes; directories end with "/"). */
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  /** The DOS date and time fields, as stored. */
  dosTime: number;
  dosDate: number;
  /** The high 16 bits of the external attributes: the Unix mode, when the creator was Unix. */
  unixMode: number;
  localHeaderOffset: number;
}

export class ZipFormatError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: not a readable zip file: ${problem}`);
    this.name = "ZipFormatError";
  }
}

const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export class ZipReader {
  readonly entries: ZipEntry[];
  private readonly buffer: Buffer;

  private constructor(
    readonly file: string,
    buffer: Buffer,
  ) {
    this.buffer = buffer;
    this.entries = this.readCentralDirectory();
  }

  static open(file: string): ZipReader {
    return new ZipReader(file, readFileSync(file));
  }

  static fromBuffer(name: string, buffer: Buffer): ZipReader {
    return new ZipReader(name, buffer);
  }

  /** The uncompressed bytes of an entry, checked against its CRC-32. */
  read(entry: ZipEntry): Buffer {
    const b = this.buffer;
    const at = entry.localHeaderOffset;
    if (at + 30 > b.length || b.readUInt32LE(at) !== LOCAL) this.fail(`no local header for ${entry.name}`);
    const start = at + 30 + b.readUInt16LE(at + 26) + b.readUInt16LE(at + 28);
    const raw = b.subarray(start, start + entry.compressedSize);
    if (raw.length !== entry.compressedSize) this.fail(`${entry.name} is truncated`);
    let data: Buffer;
    if (entry.method === 0) data = raw;
    else if (entry.method === 8) data = zlib.inflateRawSync(raw);
    else this.fail(`${entry.name} uses compression method ${entry.method} (only stored and deflated are read)`);
    if (data.length !== entry.size) this.fail(`${entry.name} inflates to ${data.length} bytes, not ${entry.size}`);
    if (crc32(data) !== entry.crc32) this.fail(`${entry.name} fails its CRC-32 check`);
    return data;
  }

  private fail(problem: string): never {
    throw new ZipFormatError(this.file, problem);
  }

  private readCentralDirectory(): ZipEntry[] {
    const b = this.buffer;
    let eocd = -1;
    for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 0xffff); i--) {
      if (b.readUInt32LE(i) === EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) this.fail("no end of central directory record");
    let count = b.readUInt16LE(eocd + 10);
    let size = b.readUInt32LE(eocd + 12);
    let offset = b.readUInt32LE(eocd + 16);
    if ((count === 0xffff || offset === 0xffffffff || size === 0xffffffff) && eocd >= 20) {
      const locator = eocd - 20;
      if (b.readUInt32LE(locator) === ZIP64_LOCATOR) {
        const z = Number(b.readBigUInt64LE(locator + 8));
        if (b.readUInt32LE(z) !== ZIP64_EOCD) this.fail("bad zip64 end of central directory record");
        count = Number(b.readBigUInt64LE(z + 32));
        size = Number(b.readBigUInt64LE(z + 40));
        offset = Number(b.readBigUInt64LE(z + 48));
      }
    }
    const entries: ZipEntry[] = [];
    let p = offset;
    for (let n = 0; n < count; n++) {
      if (p + 46 > b.length || b.readUInt32LE(p) !== CENTRAL) this.fail(`central directory entry ${n} is damaged`);
      const flags = b.readUInt16LE(p + 8);
      if ((flags & 1) !== 0) this.fail("encrypted entries are not supported");
      const nameLength = b.readUInt16LE(p + 28);
      const extraLength = b.readUInt16LE(p + 30);
      const commentLength = b.readUInt16LE(p + 32);
      const entry: ZipEntry = {
        name: b.toString("utf8", p + 46, p + 46 + nameLength),
        method: b.readUInt16LE(p + 10),
        dosTime: b.readUInt16LE(p + 12),
        dosDate: b.readUInt16LE(p + 14),
        crc32: b.readUInt32LE(p + 16),
        compressedSize: b.readUInt32LE(p + 20),
        size: b.readUInt32LE(p + 24),
        unixMode: b.readUInt32LE(p + 38) >>> 16,
        localHeaderOffset: b.readUInt32LE(p + 42),
      };
      readZip64Extra(b.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength), entry);
      entries.push(entry);
      p += 46 + nameLength + extraLength + commentLength;
    }
    if (p - offset !== size) this.fail("the central directory size does not match its entries");
    return entries;
  }
}

/** Replaces the 0xffffffff placeholders of an entry by the values of its zip64 extra field (id 0x0001). */
function readZip64Extra(extra: Buffer, entry: ZipEntry): void {
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = extra.readUInt16LE(p);
    const length = extra.readUInt16LE(p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      const next = () => {
        const v = Number(extra.readBigUInt64LE(q));
        q += 8;
        return v;
      };
      if (entry.size === 0xffffffff) entry.size = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
      return;
    }
    p += 4 + length;
  }
}

let table: Uint32Array | undefined;

/** CRC-32 (IEEE), as zip stores it: zlib's (Node 20.15+), else computed here. */
export function crc32(data: Buffer): number {
  if (typeof zlib.crc32 === "function") return zlib.crc32(data) >>> 0;
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
