// Google Cloud Storage, the TypeScript half: the Cloud Storage JSON API over Node's fetch, no SDK (README.md says
// why), with tokens from gcs-token.ts. The job's half, gcs_store.py, is on OpenDAL.
// Order: objects.list's, the UTF-8 byte order of the names (= code point order), 1,000 entries a page at most.
// Version: the object's generation (a decimal string); reads send it back as ifGenerationMatch, so Cloud Storage itself
// refuses another version (412). MD5: md5Hash (base64) when the object has one; a composite object has only a crc32c.
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
import { type TokenSource, environmentTokens, serviceAccountTokens } from "./gcs-token.ts";

export const GCS_MAX_PAGE = 1000;
export const GCS_DEFAULT_ENDPOINT = "https://storage.googleapis.com";

export interface GcsLocation {
  bucket: string;
  /** The part of the bucket that is the store, a "directory" ("data/2024" = the objects under "data/2024/"); names are relative to it. */
  prefix?: string;
  /** The API origin, e.g. http://127.0.0.1:PORT for the local cloud. Default https://storage.googleapis.com. */
  endpoint?: string;
}

/** A service-account key's JSON text (resolved from its reference), or the environment's application default credentials. */
export type GcsAuth = { method: "serviceAccountKey"; key: string } | { method: "environment" };

/** The fields of a Cloud Storage object resource the lister reads. */
interface GcsObject {
  name: string;
  size?: string;
  md5Hash?: string;
  etag?: string;
  generation?: string;
  updated?: string;
}

interface GcsListPage {
  items?: GcsObject[];
  prefixes?: string[];
  nextPageToken?: string;
}

/** A refusal of the JSON API: its status and the error document's first reason. */
class GcsHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "GcsHttpError";
  }
}

function rootOf(prefix: string | undefined): string {
  const p = (prefix ?? "").replace(/^\/+|\/+$/g, "");
  return p === "" ? "" : `${p}/`;
}

const orderKey = (e: StoreEntry) => Buffer.from(e.isDirectory ? `${e.name}/` : e.name, "utf8");

export class GcsLister implements SourceStore {
  readonly description: string;
  private readonly root: string;
  private readonly endpoint: string;
  private readonly tokens: TokenSource;
  private readonly maxAttempts: number;

  constructor(
    private readonly location: GcsLocation,
    auth: GcsAuth,
    options: { maxAttempts?: number; tokens?: TokenSource } = {},
  ) {
    this.root = rootOf(location.prefix);
    this.endpoint = (location.endpoint ?? GCS_DEFAULT_ENDPOINT).replace(/\/+$/, "");
    this.description = `GCS gs://${location.bucket}/${this.root}${location.endpoint ? ` (${this.endpoint})` : ""}`;
    this.tokens = options.tokens ?? (auth.method === "serviceAccountKey" ? serviceAccountTokens(auth.key) : environmentTokens());
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  }

  /** A classified StoreError with a one-line message naming what to fix. */
  classify(err: unknown, name = ""): StoreError {
    if (err instanceof StoreError) return err;
    const where = name === "" ? this.description : `${this.description}: ${JSON.stringify(name)}`;
    const net = networkErrorCode(err);
    if (net !== undefined) {
      return new StoreUnreachableError(`${where}: cannot connect (${net}); check source.endpoint and that the service is reachable`, { cause: err });
    }
    if (!(err instanceof GcsHttpError)) return new StoreError(`${where}: ${String((err as Error)?.message ?? err).split("\n")[0].slice(0, 300)}`, "no-retry", { cause: err });
    const { statusCode: status, reason } = err;
    if (status === 401 || status === 403) {
      return new StoreAuthError(
        `${where}: credentials refused (${status} ${reason}); check source.auth (the service account's key) and its rights on the bucket (storage.objects.list, storage.objects.get)`,
        { cause: err },
      );
    }
    if (status === 404 && name === "") {
      return new StoreNotFoundError(`${where}: not found (404 ${reason}); check source.bucket`, { cause: err });
    }
    if (status === 429 || status >= 500) {
      return new StoreTransientError(`${where}: service busy or failing (${status} ${reason}); try again later`, { cause: err });
    }
    return new StoreError(`${where}: ${status} ${reason} ${err.message}`.replace(/\s+/g, " ").trim(), "no-retry", { cause: err });
  }

  private objectUrl(name: string, query: Record<string, string> = {}): string {
    const q = new URLSearchParams(query).toString();
    return `${this.endpoint}/storage/v1/b/${encodeURIComponent(this.location.bucket)}/o/${encodeURIComponent(name)}${q ? `?${q}` : ""}`;
  }

  /**
   * One API call with a bearer token: a refused token (401) is renewed once (it may have expired or been revoked
   * early); 429, 5xx and a reset connection are retried with backoff, up to maxAttempts. Non-2xx answers throw
   * GcsHttpError, except those `accept` lets through.
   */
  private async call(url: string, init: { headers?: Record<string, string>; signal?: AbortSignal }, accept: number[] = []): Promise<Response> {
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        const token = await this.tokens.token(init.signal);
        response = await fetch(url, { headers: { ...init.headers, authorization: `Bearer ${token}` }, signal: init.signal });
      } catch (err) {
        const net = networkErrorCode(err);
        if ((net === "ECONNRESET" || net === "UND_ERR_SOCKET") && attempt < this.maxAttempts) {
          await this.backoff(attempt, init.signal);
          continue;
        }
        throw err;
      }
      if (response.ok || accept.includes(response.status)) return response;
      const text = await response.text();
      if (response.status === 401 && !renewed) {
        renewed = true;
        this.tokens.invalidate();
        attempt--;
        continue;
      }
      if ((response.status === 429 || response.status >= 500) && attempt < this.maxAttempts) {
        await this.backoff(attempt, init.signal);
        continue;
      }
      throw this.httpError(response.status, text);
    }
  }

  private httpError(status: number, text: string): GcsHttpError {
    let reason = "";
    let message = "";
    try {
      const doc = JSON.parse(text) as { error?: { message?: string; errors?: { reason?: string }[] } };
      reason = doc.error?.errors?.[0]?.reason ?? "";
      message = doc.error?.message ?? "";
    } catch {
      message = text.split("\n")[0].slice(0, 200);
    }
    return new GcsHttpError(status, reason, message);
  }

  private backoff(attempt: number, signal?: AbortSignal): Promise<void> {
    const ms = Math.min(2000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });
  }

  private toEntry(o: GcsObject): StoreEntry | undefined {
    if (!o.name.startsWith(this.root) || o.name === this.root) return undefined;
    const name = o.name.slice(this.root.length);
    const modified = new Date(o.updated ?? 0).toISOString();
    // A "dir/" object is the directory marker the console's "Create folder" writes: a directory, not a file.
    if (name.endsWith("/")) return { name: name.slice(0, -1), size: 0, modified, isDirectory: true };
    const entry: StoreEntry = { name, size: Number(o.size ?? 0), etag: o.etag, version: o.generation, modified, isDirectory: false };
    if (o.md5Hash) entry.md5 = o.md5Hash;
    return entry;
  }

  private async *pages(prefix: string, delimiter: string | undefined, pageSize: number | undefined, signal?: AbortSignal): AsyncIterable<GcsListPage> {
    const maxResults = String(Math.min(Math.max(1, pageSize ?? GCS_MAX_PAGE), GCS_MAX_PAGE));
    let pageToken: string | undefined;
    do {
      signal?.throwIfAborted();
      const query: Record<string, string> = { maxResults };
      if (prefix !== "") query.prefix = prefix;
      if (delimiter !== undefined) query.delimiter = delimiter;
      if (pageToken !== undefined) query.pageToken = pageToken;
      const fields = "items(name,size,md5Hash,etag,generation,updated),prefixes,nextPageToken";
      const url = `${this.endpoint}/storage/v1/b/${encodeURIComponent(this.location.bucket)}/o?${new URLSearchParams({ ...query, fields })}`;
      let page: GcsListPage;
      try {
        page = (await (await this.call(url, { signal })).json()) as GcsListPage;
      } catch (err) {
        throw this.classify(err);
      }
      yield page;
      pageToken = page.nextPageToken || undefined;
    } while (pageToken !== undefined);
  }

  /** Every object whose name starts with `prefix` (a name prefix, as Cloud Storage has it), `dir/` markers as directories. */
  async *listPages(options: ListOptions = {}): AsyncIterable<StoreEntry[]> {
    for await (const page of this.pages(this.root + (options.prefix ?? ""), undefined, options.pageSize, options.signal)) {
      const entries: StoreEntry[] = [];
      for (const o of page.items ?? []) {
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
      for (const p of page.prefixes ?? []) {
        const name = p.slice(this.root.length, -1);
        if (name !== "") entries.push({ name, size: 0, modified: new Date(0).toISOString(), isDirectory: true });
      }
      for (const o of page.items ?? []) {
        if (o.name === full) continue; // the directory's own marker
        const e = this.toEntry(o);
        if (e !== undefined) entries.push(e);
      }
      // The API returns a page's prefixes and objects apart; merged back into name order here.
      entries.sort((a, b) => Buffer.compare(orderKey(a), orderKey(b)));
      yield entries;
    }
  }

  async stat(name: string): Promise<StatResult> {
    let response: Response;
    try {
      response = await this.call(this.objectUrl(this.root + name, { fields: "name,size,md5Hash,etag,generation,updated" }), {}, [404]);
    } catch (err) {
      throw this.classify(err, name);
    }
    // objects.get answers 404 for a missing object and a missing bucket alike.
    if (response.status === 404) {
      await response.body?.cancel();
      return { found: false, name };
    }
    const entry = this.toEntry((await response.json()) as GcsObject);
    if (entry === undefined || entry.isDirectory) return { found: false, name };
    return { found: true, entry };
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
    const conditional = { ifGenerationMatch: range.version };
    let response: Response;
    try {
      if (range.length <= 0) {
        // No bytes to fetch: the version alone is checked, on the metadata.
        const meta = await this.call(this.objectUrl(key, { ...conditional, fields: "generation" }), { signal: range.signal }, [404, 412]);
        await meta.body?.cancel();
        if (meta.status === 404 || meta.status === 412) throw await changed();
        return;
      }
      response = await this.call(
        this.objectUrl(key, { alt: "media", ...conditional }),
        { headers: { range: `bytes=${range.offset}-${range.offset + range.length - 1}`, "accept-encoding": "identity" }, signal: range.signal },
        [404, 412, 416],
      );
    } catch (err) {
      throw this.classify(err, name);
    }
    if (response.status === 404 || response.status === 412) {
      await response.body?.cancel();
      throw await changed();
    }
    if (response.status === 416) {
      // A range past the end (a zero-byte object has no byte 0): nothing to read, if the version holds.
      await response.body?.cancel();
      const now = await this.stat(name);
      if (now.found && now.entry.version === range.version && range.offset >= now.entry.size) return;
      throw await changed();
    }
    if (response.status !== 206 && range.offset > 0) {
      // A server that ignored Range sent the whole object: refused rather than misread.
      await response.body?.cancel();
      throw new StoreError(`${this.description}: ${JSON.stringify(name)}: the ranged read was answered ${response.status}, not 206`, "retry");
    }
    let left = range.length;
    try {
      for await (const chunk of response.body ?? []) {
        const bytes = chunk as Uint8Array;
        if (bytes.length >= left) {
          if (left > 0) yield bytes.subarray(0, left);
          left = 0;
          break;
        }
        left -= bytes.length;
        yield bytes;
      }
    } catch (err) {
      throw this.classify(err, name);
    } finally {
      if (left === 0) await response.body?.cancel().catch(() => {});
    }
  }
}
