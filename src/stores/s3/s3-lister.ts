// S3 and S3-compatible stores (MinIO, Ceph, Wasabi, appliances): the TypeScript half on @aws-sdk/client-s3, because
// OpenDAL's Node binding 0.47.11 lists names only (no size, ETag or time: one HEAD per object), returns a whole
// listing as one array and reads only from the start of an object (README.md says more). The job's half,
// s3_store.py, is on OpenDAL.
// Order: ListObjectsV2's, the UTF-8 byte order of the keys (= code point order), 1,000 keys a page at most.
// Version: the ETag as S3 sends it, quotes included (what If-Match takes back). MD5: the ETag's hex, as base64, only
// when the ETag is 32 hex digits; a multipart upload's ETag has "-<parts>" and is no MD5 of the content.
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  S3Client,
  type S3ClientConfig,
  type _Object,
} from "@aws-sdk/client-s3";
import {
  StoreAuthError,
  StoreError,
  StoreNotFoundError,
  StoreTransientError,
  StoreUnreachableError,
  StoreVersionChangedError,
  networkErrorCode,
} from "../errors.ts";
import type { ByteRange, ChildrenOptions, ListOptions, SourceStore, StatResult, StoreEntry } from "../store.ts";

export interface S3Location {
  bucket: string;
  region: string;
  /** The part of the bucket that is the store, a "directory" ("data/2024" = the keys under "data/2024/"); names are relative to it. */
  prefix?: string;
  /** For S3-compatible stores and the local cloud, e.g. http://127.0.0.1:PORT. Default: AWS's endpoint for the region. */
  endpoint?: string;
  /** Path-style addressing (https://host/bucket/key) instead of virtual-hosted (https://bucket.host/key). */
  pathStyle?: boolean;
  /** Without keys: the shared config/credentials files' profile the default chain reads (default AWS_PROFILE, else default). */
  profile?: string;
}

/** Keys with their secrets resolved; absent: the AWS SDK's default chain (environment, profile, instance role). */
export interface S3Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const S3_MAX_PAGE = 1000;

/** Refusals of the credentials themselves; S3 answers a malformed session token 400 InvalidToken. */
const authCodes = new Set(["InvalidToken", "ExpiredToken", "TokenRefreshRequired", "CredentialsProviderError"]);

/** The base64 MD5 an ETag stands for, or undefined when it stands for none (multipart: "<hex>-<parts>"). */
export function md5FromEtag(etag: string | undefined): string | undefined {
  const hex = (etag ?? "").replace(/^W\//, "").replace(/"/g, "");
  return /^[0-9a-fA-F]{32}$/.test(hex) ? Buffer.from(hex, "hex").toString("base64") : undefined;
}

function rootOf(prefix: string | undefined): string {
  const p = (prefix ?? "").replace(/^\/+|\/+$/g, "");
  return p === "" ? "" : `${p}/`;
}

export function s3Client(location: S3Location, keys?: S3Keys, options: { maxAttempts?: number } = {}): S3Client {
  // The pinned SDK runs on Node 20 (package.json engines) but warns on every run that later ones will need Node 22:
  // a warning about other versions, kept out of the users' output unless they set the variable themselves.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const config: S3ClientConfig = {
    region: location.region,
    forcePathStyle: location.pathStyle === true,
    maxAttempts: options.maxAttempts ?? 3,
  };
  if (location.endpoint !== undefined) config.endpoint = location.endpoint;
  if (keys !== undefined) config.credentials = { ...keys };
  else if (location.profile !== undefined) config.profile = location.profile;
  return new S3Client(config);
}

interface S3Failure {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

export class S3Lister implements SourceStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly root: string;

  constructor(
    private readonly location: S3Location,
    keys?: S3Keys,
    options: { maxAttempts?: number } = {},
  ) {
    this.root = rootOf(location.prefix);
    this.description = `S3 s3://${location.bucket}/${this.root} (${location.endpoint ?? location.region})`;
    this.client = s3Client(location, keys, options);
  }

  /** A classified StoreError with a one-line message naming what to fix. */
  classify(err: unknown, name = ""): StoreError {
    if (err instanceof StoreError) return err;
    const e = err as S3Failure;
    const status = e.$metadata?.httpStatusCode;
    const code = e.Code ?? e.name ?? "";
    const where = name === "" ? this.description : `${this.description}: ${JSON.stringify(name)}`;
    const net = networkErrorCode(err);
    if (net !== undefined) {
      return new StoreUnreachableError(`${where}: cannot connect (${net}); check source.endpoint and that the service is reachable`, { cause: err });
    }
    if (status === 401 || status === 403 || authCodes.has(code)) {
      return new StoreAuthError(
        `${where}: credentials refused (${status ?? ""} ${code}); check source.auth (access key, secret, session token) and the key's rights on the bucket`.replace(/\( /, "("),
        { cause: err },
      );
    }
    if (code === "NoSuchBucket") {
      return new StoreNotFoundError(`${where}: not found (NoSuchBucket); check source.bucket and source.region`, { cause: err });
    }
    if (status === 404) return new StoreNotFoundError(`${where}: not found (${code || "404"}); check source.prefix`, { cause: err });
    if (status === 429 || status === 503 || (status !== undefined && status >= 500)) {
      return new StoreTransientError(`${where}: service busy or failing (${status} ${code}); try again later`, { cause: err });
    }
    const first = String(e.message ?? err).split("\n")[0].slice(0, 300);
    return new StoreError(`${where}: ${status ?? ""} ${code} ${first}`.replace(/\s+/g, " "), "no-retry", { cause: err });
  }

  private toEntry(o: _Object): StoreEntry | undefined {
    const key = o.Key ?? "";
    if (!key.startsWith(this.root) || key === this.root) return undefined;
    const name = key.slice(this.root.length);
    const modified = (o.LastModified ?? new Date(0)).toISOString();
    // A "dir/" object is the directory marker that consoles and Hadoop's S3A write: a directory, not a file.
    if (name.endsWith("/")) return { name: name.slice(0, -1), size: 0, modified, isDirectory: true };
    return { name, size: o.Size ?? 0, md5: md5FromEtag(o.ETag), etag: o.ETag, version: o.ETag, modified, isDirectory: false };
  }

  private async *pages(prefix: string, delimiter: string | undefined, pageSize: number | undefined, signal?: AbortSignal) {
    const maxKeys = Math.min(Math.max(1, pageSize ?? S3_MAX_PAGE), S3_MAX_PAGE);
    let token: string | undefined;
    do {
      signal?.throwIfAborted();
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.location.bucket,
            Prefix: prefix === "" ? undefined : prefix,
            Delimiter: delimiter,
            MaxKeys: maxKeys,
            ContinuationToken: token,
          }),
          { abortSignal: signal },
        );
      } catch (err) {
        throw this.classify(err);
      }
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** Every object whose name starts with `prefix` (a name prefix, as S3 has it), `dir/` markers as directories. */
  async *listPages(options: ListOptions = {}): AsyncIterable<StoreEntry[]> {
    for await (const page of this.pages(this.root + (options.prefix ?? ""), undefined, options.pageSize, options.signal)) {
      const entries: StoreEntry[] = [];
      for (const o of page.Contents ?? []) {
        const e = this.toEntry(o);
        if (e !== undefined) entries.push(e);
      }
      yield entries;
    }
  }

  async *listChildren(prefix: string, options: ChildrenOptions = {}): AsyncIterable<StoreEntry[]> {
    const dir = prefix.replace(/^\/+|\/+$/g, "");
    const full = this.root + (dir === "" ? "" : `${dir}/`);
    for await (const page of this.pages(full, "/", options.pageSize, options.signal)) {
      const entries: StoreEntry[] = [];
      for (const p of page.CommonPrefixes ?? []) {
        const name = (p.Prefix ?? "").slice(this.root.length, -1);
        if (name !== "") entries.push({ name, size: 0, modified: new Date(0).toISOString(), isDirectory: true });
      }
      for (const o of page.Contents ?? []) {
        if (o.Key === full) continue; // the directory's own marker
        const e = this.toEntry(o);
        if (e !== undefined) entries.push(e);
      }
      // S3 returns the prefixes and the objects of a page apart; merged back into key order here.
      entries.sort((a, b) => Buffer.compare(Buffer.from(a.isDirectory ? `${a.name}/` : a.name), Buffer.from(b.isDirectory ? `${b.name}/` : b.name)));
      yield entries;
    }
  }

  async stat(name: string): Promise<StatResult> {
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.root + name }));
      const modified = (h.LastModified ?? new Date(0)).toISOString();
      return {
        found: true,
        entry: { name, size: h.ContentLength ?? 0, md5: md5FromEtag(h.ETag), etag: h.ETag, version: h.ETag, modified, isDirectory: false },
      };
    } catch (err) {
      const e = err as S3Failure;
      // HEAD answers 404 with no body, for a missing key and for a missing bucket alike.
      if (e.$metadata?.httpStatusCode === 404) return { found: false, name };
      throw this.classify(err, name);
    }
  }

  async *readRange(name: string, range: ByteRange): AsyncIterable<Uint8Array> {
    const changed = async () => {
      const now = await this.stat(name);
      const found = now.found ? (now.entry.version ?? null) : null;
      return new StoreVersionChangedError(
        `${this.description}: ${JSON.stringify(name)} changed since it was listed (version ${range.version}, now ${found ?? "gone"}); plan it again`,
        { name, expected: range.version, found },
      );
    };
    const key = this.root + name;
    if (range.length <= 0) {
      // No bytes to fetch: the version alone is checked.
      try {
        await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: key, IfMatch: range.version }));
        return;
      } catch (err) {
        const status = (err as S3Failure).$metadata?.httpStatusCode;
        if (status === 412 || status === 404) throw await changed();
        throw this.classify(err, name);
      }
    }
    let body: AsyncIterable<Uint8Array>;
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.location.bucket,
          Key: key,
          Range: `bytes=${range.offset}-${range.offset + range.length - 1}`,
          IfMatch: range.version,
        }),
        { abortSignal: range.signal },
      );
      body = out.Body as AsyncIterable<Uint8Array>;
    } catch (err) {
      const e = err as S3Failure;
      const status = e.$metadata?.httpStatusCode;
      if (status === 412 || e.name === "NoSuchKey") throw await changed();
      if (status === 416) {
        // A range past the end (a zero-byte object has no byte 0): nothing to read, if the version holds.
        const now = await this.stat(name);
        if (now.found && now.entry.version === range.version && range.offset >= now.entry.size) return;
        throw await changed();
      }
      throw this.classify(err, name);
    }
    try {
      for await (const chunk of body) yield chunk;
    } catch (err) {
      throw this.classify(err, name);
    }
  }
}
