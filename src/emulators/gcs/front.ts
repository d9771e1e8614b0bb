// The front of the local GCS: one loopback HTTP server that is the only way in. It serves
//   POST /token                      the Google OAuth2 token endpoint (JWT-bearer grant, token-endpoint.ts)
//   /storage/v1/...                  the Cloud Storage JSON API,
//   /upload/storage/v1/...           its media, multipart and resumable uploads,
//   /download/storage/v1/...         and its media downloads,
// forwarding the last three to fake-gcs-server only with a bearer token the token endpoint issued and that has not
// expired, and refusing everything else with Google's JSON errors. Bodies are streamed both ways (nothing is
// buffered whole); every request header but Authorization and the hop-by-hop ones reaches fake-gcs-server (Range,
// If-*, Content-Type, ...), every response header comes back.
// fake-gcs-server honours generation preconditions on writes only; on reads (object metadata and media) the front
// checks ifGenerationMatch / ifGenerationNotMatch / ifMetagenerationMatch / ifMetagenerationNotMatch itself against
// the object's current metadata and pins the read to that generation, so a changed object is never read instead.
// Listings with a delimiter are paged by the front (list-pages.ts): fake-gcs-server repeats prefixes across pages.
import http from "node:http";
import { listen } from "../listen.ts";
import {
  type ApiErrorItem,
  BEARER_CHALLENGE,
  invalidCredentials,
  loginRequired,
  notFound,
  OAuthError,
  sendApiError,
  sendJson,
  sendOAuthError,
} from "./google-errors.ts";
import { cutPage, pagesWithDelimiter, wholeListingTarget } from "./list-pages.ts";
import { type Backend, type BodyPeek, bucketNameProblem, bucketsInTarget, namesInTarget, objectNameProblem, peekUploadName } from "./object-names.ts";
import type { TokenGrant, TokenService } from "./token-endpoint.ts";

const MAX_FORM_BYTES = 64 * 1024;
const KEEP_ALIVE_MS = 65_000;
const API_PREFIXES = ["/storage/v1/", "/upload/storage/v1/", "/download/storage/v1/"];
// Request and response headers that belong to one connection (and Expect, which Node has already answered).
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "expect"]);

const FULL_SCOPES = [
  "https://www.googleapis.com/auth/devstorage.full_control",
  "https://www.googleapis.com/auth/devstorage.read_write",
  "https://www.googleapis.com/auth/cloud-platform",
];
const READ_SCOPES = ["https://www.googleapis.com/auth/devstorage.read_only", "https://www.googleapis.com/auth/cloud-platform.read-only"];

export interface GcsFront {
  /** http://127.0.0.1:PORT */
  origin: string;
  port: number;
  /** Starts serving: until then every request answers 503. */
  attach(backend: { tokens: TokenService; upstream: string; kind: Backend }): void;
  /** Requests so far by outcome: token, token-refused, forwarded, unauthenticated, refused-scope, not-found. */
  requestCounts(): Record<string, number>;
  stop(): Promise<void>;
}

/** The permission and resource kind Google names when an anonymous caller is refused (see loginRequired). */
function anonymousCheck(method: string, path: string): { permission: string; resource: string } | undefined {
  if (path.startsWith("/upload/storage/v1/b/")) return { permission: "storage.objects.create", resource: "bucket" };
  if (path.startsWith("/download/storage/v1/b/")) return { permission: "storage.objects.get", resource: "object" };
  const m = /^\/storage\/v1\/b\/[^/]+(\/o(\/.*)?)?$/.exec(path);
  if (!m) return undefined;
  if (m[1] === undefined) return { permission: method === "GET" ? "storage.buckets.get" : "storage.buckets.update", resource: "bucket" };
  if (m[2] === undefined) return { permission: "storage.objects.list", resource: "bucket" };
  if (method === "DELETE") return { permission: "storage.objects.delete", resource: "object" };
  return { permission: method === "GET" || method === "HEAD" ? "storage.objects.get" : "storage.objects.update", resource: "object" };
}

function scopeAllows(grant: TokenGrant, method: string): boolean {
  if (grant.scopes.some((s) => FULL_SCOPES.includes(s))) return true;
  return (method === "GET" || method === "HEAD") && grant.scopes.some((s) => READ_SCOPES.includes(s));
}

const READ_CONDITIONS = ["ifGenerationMatch", "ifGenerationNotMatch", "ifMetagenerationMatch", "ifMetagenerationNotMatch"];

/** The bucket and object path segments (still encoded) of an object read, or undefined for any other call. */
function objectRead(method: string, path: string): { bucket: string; object: string } | undefined {
  if (method !== "GET" && method !== "HEAD") return undefined;
  const m = /^(?:\/download)?\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path);
  if (!m || m[2].endsWith("/acl") || m[2].includes("/acl/")) return undefined;
  return { bucket: m[1], object: m[2] };
}

/** GET on the upstream, the body read whole (object metadata only: small). */
function upstreamJson(upstream: URL, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: upstream.hostname, port: upstream.port, method: "GET", path, headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

function conditionNotMet(): ApiErrorItem {
  const message = "At least one of the pre-conditions you specified did not hold.";
  return { message, domain: "global", reason: "conditionNotMet", locationType: "header", location: "If-Match" };
}

function readForm(request: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_FORM_BYTES) {
        request.removeAllListeners("data");
        request.resume();
        reject(new OAuthError(400, "invalid_request", "The request body is too large."));
        return;
      }
      chunks.push(c);
    });
    request.on("end", () => resolve(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
    request.on("error", reject);
  });
}

export async function startGcsFront(options: { host: string; port?: number }): Promise<GcsFront> {
  let backend: { tokens: TokenService; upstream: URL; kind: Backend } | undefined;
  const counts: Record<string, number> = {};
  const count = (kind: string) => {
    counts[kind] = (counts[kind] ?? 0) + 1;
  };
  let origin = "";

  async function token(request: http.IncomingMessage, response: http.ServerResponse, tokens: TokenService): Promise<void> {
    try {
      if (request.method !== "POST") {
        request.resume();
        throw new OAuthError(405, "invalid_request", `Method ${request.method} is not allowed on the token endpoint; use POST.`);
      }
      const type = (request.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
      const form = await readForm(request);
      if (type !== "application/x-www-form-urlencoded") {
        throw new OAuthError(400, "invalid_request", "The token request must be application/x-www-form-urlencoded.");
      }
      const answer = tokens.exchange(form);
      count("token");
      sendJson(response, 200, answer);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      count("token-refused");
      sendOAuthError(response, error);
    }
  }

  function refuse(request: http.IncomingMessage, response: http.ServerResponse, status: number, item: ApiErrorItem, kind: string): void {
    request.resume();
    count(kind);
    sendApiError(response, status, [item], status === 401 ? BEARER_CHALLENGE : {});
  }

  /**
   * Checks a read's generation preconditions against the object's metadata. Returns the path to forward (pinned to
   * the generation checked), or undefined when it has answered (412, 304, or the metadata call's own error).
   */
  async function checkReadConditions(request: http.IncomingMessage, response: http.ServerResponse, upstream: URL): Promise<string | undefined> {
    const url = new URL(request.url ?? "/", "http://front");
    const read = objectRead((request.method ?? "GET").toUpperCase(), url.pathname);
    if (!read || !READ_CONDITIONS.some((c) => url.searchParams.has(c))) return request.url;
    const generation = url.searchParams.get("generation");
    const metaPath = `/storage/v1/b/${read.bucket}/o/${read.object}${generation ? `?generation=${encodeURIComponent(generation)}` : ""}`;
    const meta = await upstreamJson(upstream, metaPath, new URL(origin).host);
    if (meta.status !== 200) {
      request.resume();
      response.writeHead(meta.status, { "content-type": "application/json; charset=UTF-8", "content-length": String(Buffer.byteLength(meta.body)) });
      response.end(meta.body);
      return undefined;
    }
    const object = JSON.parse(meta.body) as { generation?: string; metageneration?: string };
    const q = (name: string) => url.searchParams.get(name);
    const failed =
      (q("ifGenerationMatch") !== null && q("ifGenerationMatch") !== object.generation) ||
      (q("ifMetagenerationMatch") !== null && q("ifMetagenerationMatch") !== object.metageneration);
    if (failed) {
      refuse(request, response, 412, conditionNotMet(), "precondition-failed");
      return undefined;
    }
    const notModified =
      (q("ifGenerationNotMatch") !== null && q("ifGenerationNotMatch") === object.generation) ||
      (q("ifMetagenerationNotMatch") !== null && q("ifMetagenerationNotMatch") === object.metageneration);
    if (notModified) {
      request.resume();
      count("not-modified");
      response.writeHead(304, { etag: `"${object.generation ?? ""}"` });
      response.end();
      return undefined;
    }
    for (const c of READ_CONDITIONS) url.searchParams.delete(c);
    if (!generation && object.generation) url.searchParams.set("generation", object.generation);
    return `${url.pathname}${url.search}`;
  }

  /**
   * fake-gcs-server answers 500 (which clients retry for minutes) when a write needs a file where its filesystem
   * backend has a directory or the other way round ("a" and "a/b" both objects): answered as a 400 naming the limit.
   */
  function translateFilesystemConflict(incoming: http.IncomingMessage, response: http.ServerResponse, headers: http.OutgoingHttpHeaders): void {
    const chunks: Buffer[] = [];
    incoming.on("data", (c: Buffer) => chunks.push(c));
    incoming.on("error", () => response.destroy());
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      if (/not a directory|file exists|is a directory/.test(body.toString("utf8"))) {
        count("refused-conflict");
        const message =
          "The local GCS cannot store both an object and objects under it as a folder (\"a\" and \"a/...\"): " +
          "fake-gcs-server's filesystem backend keeps objects as files (docs/emulators.md).";
        sendApiError(response, 400, [{ message, domain: "global", reason: "invalid" }]);
        return;
      }
      response.writeHead(500, { ...headers, "content-length": String(body.length) });
      response.end(body);
    });
  }

  /** Answers a listing with a delimiter and maxResults or pageToken from the whole listing; false for other calls. */
  async function pagedListing(request: http.IncomingMessage, response: http.ServerResponse, upstream: URL): Promise<boolean> {
    const url = new URL(request.url ?? "/", "http://front");
    if (!pagesWithDelimiter((request.method ?? "GET").toUpperCase(), url.pathname, url.searchParams)) return false;
    request.resume();
    count("forwarded");
    const whole = await upstreamJson(upstream, wholeListingTarget(url.pathname, url.searchParams), new URL(origin).host);
    if (whole.status !== 200) {
      response.writeHead(whole.status, { "content-type": "application/json; charset=UTF-8", "content-length": String(Buffer.byteLength(whole.body)) });
      response.end(whole.body);
      return true;
    }
    const page = cutPage(JSON.parse(whole.body), url.searchParams);
    if (page.status === 400) sendApiError(response, 400, [{ message: page.message, domain: "global", reason: "invalid" }]);
    else sendJson(response, 200, page.body);
    return true;
  }

  /** Refuses (400) an invalid bucket name, or an object name the backend cannot keep; returns the body read to find it, if any. */
  async function checkNames(request: http.IncomingMessage, response: http.ServerResponse): Promise<{ ok: boolean; peek?: BodyPeek }> {
    const badBucket = bucketsInTarget(request.url ?? "/")
      .map(bucketNameProblem)
      .find((p) => p !== undefined);
    if (badBucket !== undefined) {
      refuse(request, response, 400, { message: badBucket, domain: "global", reason: "invalid" }, "refused-name");
      return { ok: false };
    }
    const names = namesInTarget(request.url ?? "/");
    let peek: BodyPeek | undefined;
    const query = new URLSearchParams((request.url ?? "").split("?", 2)[1] ?? "");
    const uploadType = query.get("uploadType");
    if (request.method === "POST" && (request.url ?? "").startsWith("/upload/") && !query.has("name") && (uploadType === "multipart" || uploadType === "resumable")) {
      peek = await peekUploadName(request, uploadType);
      if (peek.name !== undefined) names.push(peek.name);
    } else if (request.method === "POST" && /^\/storage\/v1\/b\/[^/]+\/o\/[^/]+\/compose$/.test((request.url ?? "").split("?", 1)[0])) {
      peek = await peekUploadName(request, "compose");
    }
    const write = request.method !== "GET" && request.method !== "HEAD";
    const kind = backend?.kind ?? "filesystem";
    const problems = [
      ...names.map((n) => objectNameProblem(n, kind, write)),
      ...(peek?.sources ?? []).map((n) => objectNameProblem(n, kind, false)),
    ].filter((p) => p !== undefined);
    if (problems.length === 0) return { ok: true, peek };
    refuse(request, response, 400, { message: problems[0], domain: "global", reason: "invalid" }, "refused-name");
    return { ok: false };
  }

  async function forward(request: http.IncomingMessage, response: http.ServerResponse, upstream: URL): Promise<void> {
    const named = await checkNames(request, response);
    if (!named.ok) return;
    if (await pagedListing(request, response, upstream)) return;
    const path = await checkReadConditions(request, response, upstream);
    if (path === undefined) return;
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name) || name === "authorization" || name === "host") continue;
      headers[name] = value;
    }
    // fake-gcs-server routes by Host and was told the front's host is its public host.
    headers.host = new URL(origin).host;
    count("forwarded");
    const outgoing = http.request(
      { host: upstream.hostname, port: upstream.port, method: request.method, path, headers },
      (incoming) => {
        const back: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(incoming.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) back[name] = value;
        }
        if (incoming.statusCode === 500 && backend?.kind === "filesystem" && request.method !== "GET" && request.method !== "HEAD") {
          translateFilesystemConflict(incoming, response, back);
          return;
        }
        response.writeHead(incoming.statusCode ?? 502, back);
        incoming.pipe(response);
        incoming.on("error", () => response.destroy());
      },
    );
    outgoing.on("error", (error) => {
      if (!response.headersSent) {
        sendApiError(response, 502, [{ message: `The local GCS backend (fake-gcs-server) failed: ${error.message}`, domain: "global", reason: "backendError" }]);
      } else {
        response.destroy();
      }
    });
    // A client that goes away mid-transfer ends the upstream exchange too.
    response.on("close", () => {
      if (!response.writableFinished) outgoing.destroy();
    });
    if (named.peek?.ended) {
      outgoing.end(named.peek.head);
      return;
    }
    if (named.peek) outgoing.write(named.peek.head);
    request.pipe(outgoing);
    request.resume();
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (!backend) {
      request.resume();
      sendApiError(response, 503, [{ message: "The local GCS is starting.", domain: "global", reason: "backendError" }]);
      return;
    }
    const rawPath = (request.url ?? "/").split("?")[0];
    const method = (request.method ?? "GET").toUpperCase();
    if (rawPath === "/token") return token(request, response, backend.tokens);
    const served = API_PREFIXES.some((p) => rawPath.startsWith(p)) && !rawPath.split("/").some((s) => s === "." || s === "..");
    if (!served) return refuse(request, response, 404, notFound(`${method} ${rawPath} is not served by the local GCS`), "not-found");
    const authorization = request.headers.authorization;
    if (authorization === undefined) {
      return refuse(request, response, 401, loginRequired(anonymousCheck(method, rawPath)), "unauthenticated");
    }
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const grant = bearer ? backend.tokens.check(bearer[1]) : undefined;
    if (!grant) return refuse(request, response, 401, invalidCredentials(), "unauthenticated");
    if (!scopeAllows(grant, method)) {
      return refuse(request, response, 403, { message: "Insufficient Permission", domain: "global", reason: "insufficientPermissions" }, "refused-scope");
    }
    await forward(request, response, backend.upstream);
  }

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      request.resume();
      if (response.headersSent) {
        response.destroy();
        return;
      }
      sendApiError(response, 500, [{ message: `The local GCS front failed: ${(error as Error).message}`, domain: "global", reason: "backendError" }]);
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  const port = await listen(server, options.port ?? 0, options.host);
  origin = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;

  let stopping: Promise<void> | undefined;
  return {
    origin,
    port,
    attach({ tokens, upstream, kind }) {
      backend = { tokens, upstream: new URL(upstream), kind };
    },
    requestCounts: () => ({ ...counts }),
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}
