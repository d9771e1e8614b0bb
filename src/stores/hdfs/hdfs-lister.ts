// HDFS, the TypeScript half: WebHDFS's REST API over node:http, because OpenDAL's Node binding 0.47.11 lists names
// only and reads only from the start of a file (src/stores/s3/README.md); the job's half, hdfs_store.py, is on
// OpenDAL's hdfs_native (RPC). README.md says more.
// Order: a depth-first walk, each directory just before its contents, a directory's children in HDFS's own order (UTF-8
// bytes compared as Java's signed bytes: names with a non-ASCII byte before ASCII ones), LISTSTATUS_BATCH page by page,
// so memory holds one server page per directory level. Not code point order (the planner sorts sources itself).
// Version: "<length>@<modificationTime ms>"; HDFS keeps no MD5 (GETFILECHECKSUM is not the content's MD5).
// Reads: OPEN at the NameNode, then the DataNode it redirects to — with the path as this lister encoded it, because the
// NameNode's redirect turns an NFD path into NFC (java.net.URI) and would read another file (docs/emulators.md).
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
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

export interface HdfsLocation {
  /** The NameNode's WebHDFS address, http(s)://host:port (9870 on Hadoop 3; 50070 on Hadoop 2). */
  nameNode: string;
  /** The directory that is the store, absolute ("/data/lake"); names are relative to it. Default "/". */
  path?: string;
  /** Simple auth's user (`user.name=`); without it the NameNode acts as its static user (dr.who). */
  user?: string;
}

/** Entries per page when the caller names no page size (each server page is at most dfs.ls.limit, 1,000 by default). */
export const HDFS_PAGE = 1000;
const REQUEST_TIMEOUT_MS = 60_000;

/** WebHDFS's FileStatus, as LISTSTATUS_BATCH and GETFILESTATUS give it. */
interface FileStatus {
  pathSuffix: string;
  type: "FILE" | "DIRECTORY" | "SYMLINK";
  length: number;
  modificationTime: number;
}

interface RemoteException {
  exception?: string;
  javaClassName?: string;
  message?: string;
}

/** An HTTP answer that is not the one expected, with WebHDFS's RemoteException when it sent one. */
class WebHdfsFailure extends Error {
  constructor(
    readonly status: number,
    readonly remote: RemoteException,
  ) {
    super(`${status} ${remote.exception ?? ""}: ${remote.message ?? ""}`);
    this.name = "WebHdfsFailure";
  }
}

export function hdfsVersion(length: number, modificationTime: number): string {
  return `${length}@${modificationTime}`;
}

/** Each segment percent-encoded (spaces, %, +, #, ? and any Unicode go through as the exact bytes). */
function encodePath(path: string): string {
  return path
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
}

function trimSlashes(p: string): string {
  return p.replace(/^\/+|\/+$/g, "");
}

async function readBody(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export class HdfsLister implements SourceStore {
  readonly description: string;
  private readonly origin: URL;
  private readonly root: string;
  private readonly user: string | undefined;
  private readonly agent: http.Agent;
  private rootChecked = false;

  constructor(location: HdfsLocation) {
    this.origin = new URL(location.nameNode);
    if (this.origin.protocol !== "http:" && this.origin.protocol !== "https:") {
      throw new StoreError(`HDFS ${location.nameNode}: source.webhdfs must be the NameNode's WebHDFS address, http(s)://host:port`, "fatal");
    }
    const root = trimSlashes(location.path ?? "/");
    this.root = root === "" ? "/" : `/${root}`;
    this.user = location.user;
    this.description = `HDFS ${this.origin.origin}${this.root} (WebHDFS)`;
    const Agent = this.origin.protocol === "https:" ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 16 });
  }

  /** The absolute HDFS path of a name relative to the root. */
  private full(name: string): string {
    const clean = trimSlashes(name);
    if (clean === "") return this.root;
    return this.root === "/" ? `/${clean}` : `${this.root}/${clean}`;
  }

  private url(path: string, op: string, params: Record<string, string> = {}): string {
    const query = new URLSearchParams({ op, ...params });
    if (this.user !== undefined) query.set("user.name", this.user);
    return `${this.origin.origin}/webhdfs/v1${encodePath(path)}?${query}`;
  }

  private send(method: string, url: string, signal?: AbortSignal): Promise<IncomingMessage> {
    const lib = url.startsWith("https:") ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { method, agent: this.agent, signal, timeout: REQUEST_TIMEOUT_MS }, resolve);
      req.on("timeout", () => req.destroy(Object.assign(new Error("ETIMEDOUT: no answer"), { code: "ETIMEDOUT" })));
      req.on("error", reject);
      req.end();
    });
  }

  /** A JSON answer of the NameNode; another status becomes a WebHdfsFailure. */
  private async json<T>(path: string, op: string, params: Record<string, string> = {}, signal?: AbortSignal): Promise<T> {
    const res = await this.send("GET", this.url(path, op, params), signal);
    const body = await readBody(res);
    if (res.statusCode !== 200) throw this.failure(res.statusCode ?? 0, body);
    return JSON.parse(body.toString("utf8")) as T;
  }

  private failure(status: number, body: Buffer): WebHdfsFailure {
    let remote: RemoteException = {};
    try {
      remote = (JSON.parse(body.toString("utf8")) as { RemoteException?: RemoteException }).RemoteException ?? {};
    } catch {
      remote = { message: body.toString("utf8").split("\n")[0].slice(0, 300) };
    }
    return new WebHdfsFailure(status, remote);
  }

  /** A classified StoreError with a one-line message naming what to fix. */
  classify(err: unknown, name = ""): StoreError {
    if (err instanceof StoreError) return err;
    const where = name === "" ? this.description : `${this.description}: ${JSON.stringify(name)}`;
    const net = networkErrorCode(err);
    if (net !== undefined) {
      return new StoreUnreachableError(`${where}: cannot connect (${net}); check source.webhdfs and that the NameNode's WebHDFS is reachable`, { cause: err });
    }
    if (err instanceof WebHdfsFailure) {
      const exception = err.remote.exception ?? "";
      const detail = `${exception}${err.remote.message ? `: ${err.remote.message}` : ""}`.split("\n")[0].slice(0, 300);
      if (exception === "AccessControlException" || exception === "AuthorizationException" || err.status === 401 || err.status === 403) {
        if (exception === "StandbyException") {
          return new StoreTransientError(`${where}: the NameNode is not active (${detail}); check source.webhdfs (the active NameNode) or try again later`, { cause: err });
        }
        return new StoreAuthError(
          `${where}: permission refused to user ${this.user ?? "(none: dr.who)"} (${err.status} ${detail}); check source.user and the path's permissions`,
          { cause: err },
        );
      }
      if (exception === "FileNotFoundException" || err.status === 404) {
        return new StoreNotFoundError(`${where}: not found (${detail || "404"}); check source.path`, { cause: err });
      }
      if (["SafeModeException", "RetriableException", "StandbyException"].includes(exception) || err.status === 429 || err.status >= 500) {
        return new StoreTransientError(`${where}: NameNode busy or failing (${err.status} ${detail}); try again later`, { cause: err });
      }
      return new StoreError(`${where}: ${err.status} ${detail}`, "no-retry", { cause: err });
    }
    const msg = (err as { message?: unknown })?.message;
    return new StoreError(`${where}: ${String(msg ?? err).split("\n")[0].slice(0, 300)}`, "no-retry", { cause: err });
  }

  private async fileStatus(path: string, signal?: AbortSignal): Promise<FileStatus> {
    return (await this.json<{ FileStatus: FileStatus }>(path, "GETFILESTATUS", {}, signal)).FileStatus;
  }

  private entry(name: string, s: FileStatus): StoreEntry {
    const modified = new Date(s.modificationTime).toISOString();
    if (s.type === "DIRECTORY") return { name, size: 0, modified, isDirectory: true };
    return { name, size: s.length, version: hdfsVersion(s.length, s.modificationTime), modified, isDirectory: false };
  }

  /** The root, and a prefix, must be directories: LISTSTATUS_BATCH of a file lists the file, of nothing a 404. */
  private async requireDirectory(dir: string, signal?: AbortSignal): Promise<void> {
    if (dir === "" && this.rootChecked) return;
    let s: FileStatus;
    try {
      s = await this.fileStatus(this.full(dir), signal);
    } catch (err) {
      throw this.classify(err, dir);
    }
    const where = dir === "" ? this.description : `${this.description}: ${JSON.stringify(dir)}`;
    if (s.type !== "DIRECTORY") throw new StoreNotFoundError(`${where}: not a directory; check source.path`);
    if (dir === "") this.rootChecked = true;
  }

  /** A directory's children in HDFS's order, one LISTSTATUS_BATCH page at a time. */
  private async *batches(dir: string, signal?: AbortSignal): AsyncGenerator<StoreEntry[]> {
    let startAfter: string | undefined;
    for (;;) {
      signal?.throwIfAborted();
      type Batch = { DirectoryListing: { partialListing: { FileStatuses: { FileStatus: FileStatus[] } }; remainingEntries: number } };
      let batch: Batch["DirectoryListing"];
      try {
        const params: Record<string, string> = startAfter === undefined ? {} : { startAfter };
        batch = (await this.json<Batch>(this.full(dir), "LISTSTATUS_BATCH", params, signal)).DirectoryListing;
      } catch (err) {
        throw this.classify(err, dir);
      }
      const statuses = batch.partialListing.FileStatuses.FileStatus;
      const page: StoreEntry[] = [];
      for (const s of statuses) {
        // Symbolic links (off by default in HDFS) are left out, not followed.
        if (s.type !== "FILE" && s.type !== "DIRECTORY") continue;
        page.push(this.entry(dir === "" ? s.pathSuffix : `${dir}/${s.pathSuffix}`, s));
      }
      yield page;
      if (batch.remainingEntries === 0 || statuses.length === 0) return;
      startAfter = statuses[statuses.length - 1].pathSuffix;
    }
  }

  private async *walk(dir: string, signal?: AbortSignal): AsyncGenerator<StoreEntry> {
    for await (const page of this.batches(dir, signal)) {
      for (const e of page) {
        yield e;
        if (e.isDirectory) yield* this.walk(e.name, signal);
      }
    }
  }

  private async *paged(entries: AsyncIterable<StoreEntry>, pageSize: number | undefined): AsyncGenerator<StoreEntry[]> {
    const size = Math.max(1, pageSize ?? HDFS_PAGE);
    let page: StoreEntry[] = [];
    for await (const e of entries) {
      page.push(e);
      if (page.length === size) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  /** Every entry under the directory `prefix` ("" = all), directories included, in the walk order above. */
  async *listPages(options: ListOptions = {}): AsyncIterable<StoreEntry[]> {
    const prefix = trimSlashes(options.prefix ?? "");
    await this.requireDirectory("", options.signal);
    if (prefix !== "") await this.requireDirectory(prefix, options.signal);
    yield* this.paged(this.walk(prefix, options.signal), options.pageSize);
  }

  async *listChildren(prefix: string, options: ChildrenOptions = {}): AsyncIterable<StoreEntry[]> {
    const dir = trimSlashes(prefix);
    await this.requireDirectory("", options.signal);
    if (dir !== "") await this.requireDirectory(dir, options.signal);
    const all = async function* (pages: AsyncIterable<StoreEntry[]>) {
      for await (const p of pages) yield* p;
    };
    yield* this.paged(all(this.batches(dir, options.signal)), options.pageSize);
  }

  async stat(name: string): Promise<StatResult> {
    const clean = trimSlashes(name);
    try {
      return { found: true, entry: this.entry(clean, await this.fileStatus(this.full(clean))) };
    } catch (err) {
      // A missing file and a missing root answer the same 404; a listing names a missing root.
      if (err instanceof WebHdfsFailure && err.remote.exception === "FileNotFoundException") return { found: false, name: clean };
      throw this.classify(err, clean);
    }
  }

  /** The file's version now, its length, or null when it is gone (or became a directory). */
  private async versionNow(name: string, signal?: AbortSignal): Promise<{ version: string | null; length: number }> {
    try {
      const s = await this.fileStatus(this.full(name), signal);
      if (s.type !== "FILE") return { version: null, length: 0 };
      return { version: hdfsVersion(s.length, s.modificationTime), length: s.length };
    } catch (err) {
      if (err instanceof WebHdfsFailure && err.remote.exception === "FileNotFoundException") return { version: null, length: 0 };
      throw this.classify(err, name);
    }
  }

  /**
   * OPEN's second step: the DataNode the NameNode chose, asked for this lister's own encoding of the path. The redirect
   * must name the same path up to Unicode normalization (WebHDFS writes it in NFC); anything else is refused.
   */
  private async open(name: string, offset: number, length: number, signal?: AbortSignal): Promise<IncomingMessage> {
    const path = this.full(name);
    const first = await this.send("GET", this.url(path, "OPEN", { offset: String(offset), length: String(length) }), signal);
    const firstBody = await readBody(first);
    if (first.statusCode !== 307 || first.headers.location === undefined) throw this.failure(first.statusCode ?? 0, firstBody);
    const target = new URL(first.headers.location, this.origin);
    const prefix = "/webhdfs/v1";
    let redirected = "";
    try {
      redirected = decodeURIComponent(target.pathname.startsWith(prefix) ? target.pathname.slice(prefix.length) : target.pathname);
    } catch {
      redirected = target.pathname;
    }
    if (redirected.normalize("NFC") !== path.normalize("NFC")) {
      throw new StoreError(`${this.description}: ${JSON.stringify(name)}: WebHDFS redirected OPEN to another path (${JSON.stringify(redirected)}); not read`, "no-retry");
    }
    target.pathname = `${prefix}${encodePath(path)}`;
    const second = await this.send("GET", target.href, signal);
    if (second.statusCode !== 200) throw this.failure(second.statusCode ?? 0, await readBody(second));
    return second;
  }

  async *readRange(name: string, range: ByteRange): AsyncIterable<Uint8Array> {
    const clean = trimSlashes(name);
    const changed = (found: string | null) =>
      new StoreVersionChangedError(
        `${this.description}: ${JSON.stringify(clean)} changed since it was listed (version ${range.version}, now ${found ?? "gone"}); plan it again`,
        { name: clean, expected: range.version, found },
      );
    const before = await this.versionNow(clean, range.signal);
    if (before.version !== range.version) throw changed(before.version);
    const length = Math.max(0, Math.min(range.length, before.length - range.offset));
    if (length > 0) {
      let body: IncomingMessage;
      try {
        body = await this.open(clean, range.offset, length, range.signal);
      } catch (err) {
        if (err instanceof WebHdfsFailure && err.remote.exception === "FileNotFoundException") throw changed(null);
        throw this.classify(err, clean);
      }
      try {
        for await (const chunk of body) yield chunk as Buffer;
      } catch (err) {
        throw this.classify(err, clean);
      }
    }
    const after = await this.versionNow(clean, range.signal);
    if (after.version !== range.version) throw changed(after.version);
  }
}
