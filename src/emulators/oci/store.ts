// The emulator's storage: buckets, objects and multipart uploads. Metadata lives in memory (per bucket a sorted name
// array for listing plus a map) and is persisted to `<dataDir>/index.json` shortly after each change (atomic
// rename). Content lives in blob files named by random ids (`blobs/<2 hex>/<32 hex>`), never by object name, so any
// name works. A single-part object is one blob; a multipart object is the list of its part blobs, so committing
// does not copy data. Uploads are first written to `tmp/` and renamed into place only when complete and verified;
// blobs that an index change makes unreachable are deleted once no reader has them open.
import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { bucketNotFound, OciServiceError } from "./errors.ts";
import { NameIndex } from "./name-index.ts";
import { compareNames } from "./names.ts";

export interface BlobRef {
  id: string;
  size: number;
}

/** Headers kept with an object and returned on GET/HEAD. */
export interface ContentHeaders {
  contentType: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  cacheControl?: string;
}

export interface StoredObject extends ContentHeaders {
  name: string;
  size: number;
  /** Base64 MD5 of the content, for objects written by PutObject. */
  md5?: string;
  /** `<base64 MD5 of the parts' MD5s>-<part count>`, for objects written by a multipart commit. */
  multipartMd5?: string;
  etag: string;
  versionId: string;
  timeCreated: string;
  timeModified: string;
  /** `opc-meta-*` metadata, keys lowercased with their prefix. */
  metadata: Record<string, string>;
  blobs: BlobRef[];
}

export interface BucketRecord {
  namespace: string;
  name: string;
  id: string;
  compartmentId: string;
  createdBy: string;
  timeCreated: string;
  etag: string;
  metadata: Record<string, string>;
  publicAccessType: string;
  storageTier: string;
  objectEventsEnabled: boolean;
  versioning: string;
  freeformTags: Record<string, string>;
  definedTags: Record<string, Record<string, unknown>>;
}

export interface PartRecord {
  partNumber: number;
  etag: string;
  md5: string;
  size: number;
  blob: BlobRef;
  lastModified: string;
}

export interface UploadRecord extends ContentHeaders {
  uploadId: string;
  object: string;
  timeCreated: string;
  storageTier: string;
  metadata: Record<string, string>;
  parts: Map<number, PartRecord>;
}

export interface BucketState {
  record: BucketRecord;
  /** Object names, for listing in UTF-8 byte order. */
  names: NameIndex;
  objects: Map<string, StoredObject>;
  uploads: Map<string, UploadRecord>;
}

interface IndexFile {
  version: 1;
  buckets: (BucketRecord & { objects: StoredObject[]; uploads: (Omit<UploadRecord, "parts"> & { parts: PartRecord[] })[] })[];
}

/** A conditional-request check run at the moment a write becomes visible. */
export type Precondition = (current: StoredObject | undefined) => void;

export class ObjectStore {
  readonly dataDir: string;
  private readonly buckets = new Map<string, BucketState>();
  private readonly readers = new Map<string, number>();
  private readonly doomed = new Set<string>();
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> | undefined;
  private dirty = false;
  private lastSaveMs = 0;
  private closed = false;

  private constructor(dataDir: string) {
    this.dataDir = dataDir;
  }

  /** Opens (or creates) the store in dataDir, loads the index, and removes temp files and unreferenced blobs. */
  static async open(dataDir: string): Promise<ObjectStore> {
    const store = new ObjectStore(dataDir);
    await rm(join(dataDir, "tmp"), { recursive: true, force: true });
    await mkdir(join(dataDir, "tmp"), { recursive: true });
    const fanout = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
    await Promise.all(fanout.map((d) => mkdir(join(dataDir, "blobs", d), { recursive: true })));
    await store.load();
    await store.collectGarbage(fanout);
    return store;
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(join(this.dataDir, "index.json"), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    let index: IndexFile;
    try {
      index = JSON.parse(text) as IndexFile;
    } catch (err) {
      throw new Error(`OCI emulator: ${join(this.dataDir, "index.json")} is not valid JSON (${(err as Error).message}); move it away to start empty`);
    }
    for (const b of index.buckets) {
      const { objects, uploads, ...record } = b;
      const state: BucketState = { record, names: new NameIndex(), objects: new Map(), uploads: new Map() };
      for (const o of objects) state.objects.set(o.name, o);
      state.names = new NameIndex([...state.objects.keys()].sort(compareNames));
      for (const u of uploads) {
        state.uploads.set(u.uploadId, { ...u, parts: new Map(u.parts.map((p) => [p.partNumber, p])) });
      }
      this.buckets.set(record.name, state);
    }
  }

  private async collectGarbage(fanout: string[]): Promise<void> {
    const live = new Set<string>();
    for (const b of this.buckets.values()) {
      for (const o of b.objects.values()) for (const blob of o.blobs) live.add(blob.id);
      for (const u of b.uploads.values()) for (const p of u.parts.values()) live.add(p.blob.id);
    }
    for (const d of fanout) {
      for (const f of await readdir(join(this.dataDir, "blobs", d))) {
        if (!live.has(f)) await unlink(join(this.dataDir, "blobs", d, f)).catch(() => {});
      }
    }
  }

  /** A fresh path under tmp/ for an incoming body. */
  tmpPath(): string {
    return join(this.dataDir, "tmp", randomUUID());
  }

  private blobPath(id: string): string {
    return join(this.dataDir, "blobs", id.slice(0, 2), id);
  }

  /** Moves a completed temp file into the blob area and returns its reference. */
  async adoptTemp(tmpFile: string, size: number): Promise<BlobRef> {
    const id = randomUUID().replace(/-/g, "");
    await rename(tmpFile, this.blobPath(id));
    return { id, size };
  }

  /** Deletes a blob now, or when its last reader finishes. */
  discardBlob(id: string): void {
    if ((this.readers.get(id) ?? 0) > 0) {
      this.doomed.add(id);
      return;
    }
    unlink(this.blobPath(id)).catch(() => {});
  }

  private acquire(id: string): void {
    this.readers.set(id, (this.readers.get(id) ?? 0) + 1);
  }

  private release(id: string): void {
    const n = (this.readers.get(id) ?? 1) - 1;
    if (n > 0) {
      this.readers.set(id, n);
      return;
    }
    this.readers.delete(id);
    if (this.doomed.delete(id)) unlink(this.blobPath(id)).catch(() => {});
  }

  /**
   * Streams bytes [start, end] (inclusive) of an object. The blobs are pinned synchronously, so a concurrent
   * overwrite or delete cannot remove them while this stream is open.
   */
  openRange(object: StoredObject, start: number, end: number): Readable {
    const blobs = object.blobs.slice();
    for (const b of blobs) this.acquire(b.id);
    let released = false;
    const releaseAll = () => {
      if (released) return;
      released = true;
      for (const b of blobs) this.release(b.id);
    };
    const store = this;
    async function* chunks(): AsyncGenerator<Buffer> {
      let offset = 0;
      for (const blob of blobs) {
        const blobStart = offset;
        const blobEnd = offset + blob.size - 1;
        offset += blob.size;
        if (blob.size === 0 || blobEnd < start || blobStart > end) continue;
        const from = Math.max(start, blobStart) - blobStart;
        const to = Math.min(end, blobEnd) - blobStart;
        const stream = createReadStream(store.blobPath(blob.id), { start: from, end: to, highWaterMark: 256 * 1024 });
        try {
          for await (const chunk of stream) yield chunk as Buffer;
        } finally {
          stream.destroy();
        }
      }
    }
    const readable = Readable.from(chunks(), { objectMode: false });
    readable.once("close", releaseAll);
    return readable;
  }

  // ---- buckets ----

  bucket(name: string): BucketState | undefined {
    return this.buckets.get(name);
  }

  requireBucket(namespace: string, name: string): BucketState {
    const b = this.buckets.get(name);
    if (!b) throw bucketNotFound(namespace, name);
    return b;
  }

  createBucket(record: BucketRecord): BucketState {
    if (this.buckets.has(record.name)) {
      throw new OciServiceError(409, "BucketAlreadyExists", `Either the bucket '${record.name}' in namespace '${record.namespace}' already exists or you are not authorized to create it`);
    }
    const state: BucketState = { record, names: new NameIndex(), objects: new Map(), uploads: new Map() };
    this.buckets.set(record.name, state);
    this.changed();
    return state;
  }

  /** Buckets sorted by name. */
  listBuckets(): BucketRecord[] {
    return [...this.buckets.values()].map((b) => b.record).sort((a, b) => compareNames(a.name, b.name));
  }

  deleteBucket(namespace: string, name: string): void {
    const b = this.requireBucket(namespace, name);
    if (b.objects.size > 0 || b.uploads.size > 0) {
      throw new OciServiceError(
        409,
        "BucketNotEmpty",
        `Bucket named '${name}' is not empty (${b.objects.size} objects, ${b.uploads.size} multipart uploads). Delete all objects and uploads first.`,
      );
    }
    this.buckets.delete(name);
    this.changed();
  }

  // ---- objects ----

  /**
   * Makes `object` the current version of its name in the bucket (which must still be the same bucket: a bucket
   * deleted and recreated meanwhile counts as gone). Runs `precondition` against the current version first; on any
   * failure the new blobs are discarded. Replaced blobs are discarded.
   */
  commitObject(namespace: string, bucketId: string, bucketName: string, object: StoredObject, precondition?: Precondition): void {
    try {
      const b = this.buckets.get(bucketName);
      if (!b || b.record.id !== bucketId) throw bucketNotFound(namespace, bucketName);
      const current = b.objects.get(object.name);
      precondition?.(current);
      if (current) {
        for (const blob of current.blobs) this.discardBlob(blob.id);
      } else {
        b.names.add(object.name);
      }
      b.objects.set(object.name, object);
      this.changed();
    } catch (err) {
      for (const blob of object.blobs) this.discardBlob(blob.id);
      throw err;
    }
  }

  deleteObject(bucket: BucketState, name: string): void {
    const current = bucket.objects.get(name);
    if (!current) return;
    bucket.objects.delete(name);
    bucket.names.remove(name);
    for (const blob of current.blobs) this.discardBlob(blob.id);
    this.changed();
  }

  // ---- multipart uploads ----

  addUpload(bucket: BucketState, upload: UploadRecord): void {
    bucket.uploads.set(upload.uploadId, upload);
    this.changed();
  }

  /** Records a part (replacing an earlier one with the same number), if the upload still exists. */
  commitPart(bucketName: string, bucketId: string, uploadId: string, part: PartRecord): boolean {
    const b = this.buckets.get(bucketName);
    const upload = b && b.record.id === bucketId ? b.uploads.get(uploadId) : undefined;
    if (!upload) {
      this.discardBlob(part.blob.id);
      return false;
    }
    const previous = upload.parts.get(part.partNumber);
    if (previous) this.discardBlob(previous.blob.id);
    upload.parts.set(part.partNumber, part);
    this.changed();
    return true;
  }

  /** Removes an upload; its parts' blobs are discarded except those listed in `keep`. */
  removeUpload(bucket: BucketState, uploadId: string, keep: ReadonlySet<string> = new Set()): void {
    const upload = bucket.uploads.get(uploadId);
    if (!upload) return;
    bucket.uploads.delete(uploadId);
    for (const p of upload.parts.values()) if (!keep.has(p.blob.id)) this.discardBlob(p.blob.id);
    this.changed();
  }

  // ---- persistence ----

  private changed(): void {
    this.dirty = true;
    if (this.saveTimer || this.closed) return;
    // Saving the whole index costs time proportional to its size; space saves out accordingly.
    const delay = Math.max(200, this.lastSaveMs * 5);
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.save();
    }, delay);
    this.saveTimer.unref();
  }

  private snapshot(): IndexFile {
    return {
      version: 1,
      buckets: [...this.buckets.values()].map((b) => ({
        ...b.record,
        objects: b.names.sorted().map((n) => b.objects.get(n) as StoredObject),
        uploads: [...b.uploads.values()].map((u) => ({ ...u, parts: [...u.parts.values()] })),
      })),
    };
  }

  /** Writes the index now if anything changed (waits for a save already running). */
  async save(): Promise<void> {
    while (this.saving) await this.saving;
    if (!this.dirty) return;
    this.dirty = false;
    const started = Date.now();
    const file = join(this.dataDir, "index.json");
    const tmp = `${file}.${randomUUID()}.tmp`;
    this.saving = (async () => {
      try {
        await writeFile(tmp, JSON.stringify(this.snapshot()));
        await rename(tmp, file);
      } catch (err) {
        this.dirty = true;
        await unlink(tmp).catch(() => {});
        if (!this.closed) process.emitWarning(`OCI emulator: saving ${file} failed: ${(err as Error).message}`);
      }
    })();
    try {
      await this.saving;
    } finally {
      this.saving = undefined;
      this.lastSaveMs = Date.now() - started;
    }
  }

  /** Flushes the index and stops scheduling saves. */
  async close(): Promise<void> {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    await this.save();
    this.closed = true;
  }
}
