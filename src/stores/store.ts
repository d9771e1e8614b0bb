// The store contract. Every store has a lister that yields its entries page by page (adls, oci, s3, gcs, hdfs, local);
// a source store (s3, gcs, hdfs, local) also lists the children of a directory (for the parallel listing), stats one
// name and reads a byte range on a given version. Each store documents the order of its pages in its lister.
// The job's Python stores follow the same contract: src/stores/store.py.

/** One listed path. `name` is relative to the store root (file system / bucket), never starts with "/". */
export interface StoreEntry {
  /** A directory's name has no trailing "/" (S3's `dir/` marker object is listed as the directory `dir`). */
  name: string;
  /** Bytes; 0 for directories. */
  size: number;
  /** Base64 MD5 of the content when the store knows it (OCI multipart objects: "<base64>-<parts>"). */
  md5?: string;
  etag?: string;
  /**
   * The store's version of a file as listed (ADLS: the etag as listed; S3: the ETag; GCS: the generation; local: size and mtime; HDFS: length and mtime), for the
   * equality state (src/core) and for `readRange`, which refuses to read another version.
   */
  version?: string;
  /** ISO 8601 UTC. */
  modified: string;
  isDirectory: boolean;
}

export interface ListOptions {
  /** Only entries under this path (ADLS: a directory; OCI: a name prefix). "" = everything. */
  prefix?: string;
  /** Entries per request; each store caps it at its service maximum. */
  pageSize?: number;
  signal?: AbortSignal;
}

export interface StoreLister {
  /** For messages: e.g. "ADLS abfss://fs@account (http://127.0.0.1:1234/devstoreaccount1)". */
  readonly description: string;
  listPages(options?: ListOptions): AsyncIterable<StoreEntry[]>;
}

export interface ChildrenOptions {
  /** Entries per request; each store caps it at its service maximum. */
  pageSize?: number;
  signal?: AbortSignal;
}

/** What `stat` found: the entry, or a named "not found" (a missing name is an answer, not an error). */
export type StatResult = { found: true; entry: StoreEntry } | { found: false; name: string };

export interface ByteRange {
  /** First byte, from 0. */
  offset: number;
  /** Bytes to read; the range is cut at the end of the file. */
  length: number;
  /** The version the caller planned on (StoreEntry.version): another one is refused with StoreVersionChangedError. */
  version: string;
  signal?: AbortSignal;
}

/** A store the job reads from: the lister plus what the parallel listing and the copy need. */
export interface SourceStore extends StoreLister {
  /**
   * The immediate children of the directory `prefix` ("" = the root): files, and directories (S3: common prefixes)
   * to list next, in pages. Entries' names are full names from the root, as in `listPages`.
   */
  listChildren(prefix: string, options?: ChildrenOptions): AsyncIterable<StoreEntry[]>;
  stat(name: string): Promise<StatResult>;
  /**
   * The bytes of [offset, offset + length) of `name`, streamed, only while the file is the given version: a file that
   * changed or went away before (or, where the store can only tell after, during) the read makes the stream throw
   * StoreVersionChangedError instead of ending, so what was read must not be used.
   */
  readRange(name: string, range: ByteRange): AsyncIterable<Uint8Array>;
}
