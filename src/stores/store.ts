// The one interface every store implements (adls and oci now; s3, gcs, hdfs, local later): a lister that yields the
// store's entries page by page. Each store documents the order of its pages in its lister.

/** One listed path. `name` is relative to the store root (file system / bucket), never starts with "/". */
export interface StoreEntry {
  name: string;
  /** Bytes; 0 for directories. */
  size: number;
  /** Base64 MD5 of the content when the store knows it (OCI multipart objects: "<base64>-<parts>"). */
  md5?: string;
  etag?: string;
  /** The store's version of a file as listed (ADLS: the etag as listed), for the equality state (src/core). */
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
