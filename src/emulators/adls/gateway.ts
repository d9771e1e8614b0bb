import { randomUUID } from "node:crypto";
import http from "node:http";
import { BlobApi, propertiesFromHeaders } from "./blob-api.ts";
import { DFS_SERVICE_VERSION, DfsError, writeError } from "./dfs-error.ts";
import { listPaths, MAX_RESULTS_LIMIT } from "./list-paths.ts";
import { requireLoopbackHost } from "./loopback.ts";
import { type Headers, type OperationResult, PathOperations } from "./path-operations.ts";
import { isFolderMarker, quotedEtag } from "./path-entry.ts";
import { type SasRequirement, verifySas } from "./sas.ts";
import { parseQuery, signSharedKey, verifySharedKey } from "./shared-key.ts";
import { listen } from "../listen.ts";

/**
 * The DFS gateway: one HTTP port in front of Azurite that serves the ADLS Gen2 DFS calls itself
 * (over Azurite's Blob API) and passes every other request through to Azurite unchanged, streaming
 * bodies both ways. Both SDKs send their DFS and Blob calls to the same host:port when the account
 * URL is http://127.0.0.1:PORT/<account>, so clients need nothing but the gateway's URL.
 *
 * Authentication: SharedKey and account-key SAS are verified here on the calls served here
 * (403 AuthenticationFailed otherwise); passed-through calls are verified by Azurite itself.
 * With `tokenVerifier`, `Authorization: Bearer` requests are accepted when it returns true, served
 * or forwarded to Azurite re-signed with SharedKey (Azurite cannot check OAuth over http).
 */

export interface DfsGatewayOptions {
  /** Azurite's origin, e.g. http://127.0.0.1:10000 (loopback only). */
  upstream: string;
  accountName: string;
  accountKey: string;
  host?: string;
  port?: number;
  tokenVerifier?: (token: string) => Promise<boolean>;
  /**
   * Milliseconds to wait before handling every request, served or passed through (default 0): what a cloud round
   * trip costs, for benchmarks. Changeable while running with `setLatencyMs`.
   */
  latencyMs?: number;
}

export interface DfsGateway {
  /** The account URL clients use: http://HOST:PORT/<account>. */
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Requests received so far, by operation (listPaths, createFile, append, ..., passthrough:GET, ...). */
  requestCounts(): Record<string, number>;
  /** Sets the latency added to every request from now on (0 turns it off). */
  setLatencyMs(ms: number): void;
}

function checkLatency(ms: unknown, field: string): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    throw new Error(`${field} must be a number of milliseconds, 0 or more (got ${String(ms)})`);
  }
  return ms;
}

/** How far x-ms-date / Date may be from the gateway's clock, as the service allows. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const KEEP_ALIVE_MS = 65_000;

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "expect"]);

interface ParsedRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  query: Map<string, string[]>;
  /** Decoded; undefined when the path is not `/<our account>/...` or cannot be decoded. */
  container?: string;
  /** Decoded path inside the filesystem, without leading or trailing `/` ("" for the filesystem). */
  path: string;
  headers: Headers;
}

/** A call the gateway answers itself. */
interface ServedCall {
  name: string;
  /** Error shape: the DFS endpoint's JSON, or the Blob endpoint's XML. */
  shape: "dfs" | "blob";
  sas: Omit<SasRequirement, "container">;
  run(request: http.IncomingMessage, response: http.ServerResponse, parsed: ParsedRequest): Promise<void>;
}

function flatHeaders(request: http.IncomingMessage): Headers {
  const headers: Headers = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  return headers;
}

function parseRequest(request: http.IncomingMessage, account: string): ParsedRequest {
  const url = request.url ?? "/";
  const q = url.indexOf("?");
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? "" : url.slice(q + 1);
  const parsed: ParsedRequest = {
    method: (request.method ?? "GET").toUpperCase(),
    rawPath,
    rawQuery,
    query: parseQuery(rawQuery),
    path: "",
    headers: flatHeaders(request),
  };
  const segments = rawPath.split("/");
  try {
    if (decodeURIComponent(segments[1] ?? "") !== account) return parsed;
    const container = decodeURIComponent(segments[2] ?? "");
    if (!container) return parsed;
    parsed.container = container;
    parsed.path = segments
      .slice(3)
      .map((segment) => decodeURIComponent(segment))
      .join("/")
      .replace(/^\/+|\/+$/g, "");
  } catch {
    parsed.container = undefined;
  }
  return parsed;
}

function param(parsed: ParsedRequest, name: string): string | undefined {
  return parsed.query.get(name)?.[0];
}

/** Only these query parameters may appear on a plain Blob HEAD/DELETE the gateway interprets. */
function onlyBenignParams(parsed: ParsedRequest): boolean {
  const sasParams = new Set(["sv", "ss", "srt", "sp", "se", "st", "spr", "sig", "sip", "sr", "sdd", "ses", "si", "skoid", "sktid", "skt", "ske", "sks", "skv"]);
  return [...parsed.query.keys()].every((name) => name === "timeout" || sasParams.has(name));
}

function wantsJson(parsed: ParsedRequest): boolean {
  return (parsed.headers.accept ?? "").includes("json");
}

export async function startDfsGateway(options: DfsGatewayOptions): Promise<DfsGateway> {
  const host = requireLoopbackHost(options.host, "startDfsGateway: host");
  const upstream = new URL(options.upstream);
  requireLoopbackHost(upstream.hostname.replace(/^\[|\]$/g, ""), "startDfsGateway: upstream");
  if (!options.accountName) throw new Error("startDfsGateway: accountName is required");
  if (!options.accountKey || Buffer.from(options.accountKey, "base64").length === 0) {
    throw new Error("startDfsGateway: accountKey must be the account's base64 key");
  }
  let latencyMs = checkLatency(options.latencyMs ?? 0, "startDfsGateway: latencyMs");
  const account = options.accountName;
  const api = new BlobApi({ upstream: options.upstream, account, accountKey: options.accountKey });
  const operations = new PathOperations(api);
  const passthroughAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const counts: Record<string, number> = {};
  const count = (name: string) => {
    counts[name] = (counts[name] ?? 0) + 1;
  };

  function sendResult(response: http.ServerResponse, parsed: ParsedRequest, result: OperationResult, body?: string): void {
    const headers: Record<string, string> = {
      "x-ms-request-id": randomUUID(),
      "x-ms-version": DFS_SERVICE_VERSION,
      ...result.headers,
    };
    const clientRequestId = parsed.headers["x-ms-client-request-id"];
    if (clientRequestId) headers["x-ms-client-request-id"] = clientRequestId;
    if (body !== undefined) {
      headers["content-type"] = "application/json;charset=utf-8";
      headers["content-length"] = String(Buffer.byteLength(body));
    } else if (headers["content-length"] === undefined) {
      headers["content-length"] = "0";
    }
    response.writeHead(result.status, headers);
    if (parsed.method === "HEAD" || body === undefined) response.end();
    else response.end(body);
  }

  /** Throws DfsError unless the request is authenticated for `call`. */
  async function authenticate(request: http.IncomingMessage, parsed: ParsedRequest, requirement: SasRequirement): Promise<void> {
    const authorization = parsed.headers.authorization;
    if (authorization?.startsWith("Bearer ")) {
      if (!options.tokenVerifier) throw DfsError.authenticationFailed("Bearer tokens are not accepted: the emulator was started without a tokenVerifier");
      let accepted = false;
      try {
        accepted = await options.tokenVerifier(authorization.slice("Bearer ".length).trim());
      } catch (error) {
        throw DfsError.authenticationFailed(`the token verifier failed: ${(error as Error).message}`);
      }
      if (!accepted) throw DfsError.authenticationFailed("the bearer token was rejected by the token verifier");
      return;
    }
    if (authorization) {
      const date = parsed.headers["x-ms-date"] ?? parsed.headers.date;
      if (!date) throw DfsError.authenticationFailed("the request has neither x-ms-date nor Date");
      const at = Date.parse(date);
      if (Number.isNaN(at)) throw DfsError.authenticationFailed(`x-ms-date "${date}" is not an RFC 1123 date`);
      if (Math.abs(Date.now() - at) > MAX_CLOCK_SKEW_MS) throw DfsError.authenticationFailed(`Request date header too old or too far ahead: ${date}`);
      const check = verifySharedKey(
        account,
        options.accountKey,
        { method: parsed.method, path: parsed.rawPath, query: parsed.rawQuery, headers: parsed.headers },
        authorization,
      );
      if (!check.ok) throw DfsError.authenticationFailed(check.reason);
      return;
    }
    if (parsed.query.has("sig")) {
      const check = verifySas(account, options.accountKey, parsed.query, requirement, new Date(), request.socket.remoteAddress);
      if (!check.ok) throw new DfsError(check.status, check.code, `Server failed to authenticate the request. (${check.reason})`);
      return;
    }
    throw DfsError.noAuthentication();
  }

  /** Classifies a request: a call served here, or undefined to pass it through. */
  function classify(parsed: ParsedRequest): ServedCall | undefined {
    if (parsed.container === undefined) return undefined;
    const container = parsed.container;
    const { method, path } = parsed;
    if (!path) {
      if (method === "GET" && param(parsed, "resource") === "filesystem") {
        return {
          name: "listPaths",
          shape: "dfs",
          sas: { path: (param(parsed, "directory") ?? "").replace(/^\/+|\/+$/g, ""), anyOf: "l", resourceType: "c" },
          run: async (_request, response) => {
            const recursiveValue = param(parsed, "recursive");
            if (recursiveValue === undefined) throw DfsError.missingQueryParameter("recursive");
            if (recursiveValue !== "true" && recursiveValue !== "false") throw DfsError.invalidQueryParameter("recursive", recursiveValue, "must be true or false");
            if (param(parsed, "beginfrom") !== undefined) throw DfsError.notImplemented("listPaths beginFrom (startFrom)");
            const maxValue = param(parsed, "maxresults");
            let maxResults = MAX_RESULTS_LIMIT;
            if (maxValue !== undefined && maxValue !== "") {
              if (!/^\d+$/.test(maxValue) || Number(maxValue) < 1) throw DfsError.invalidQueryParameter("maxResults", maxValue, "must be a positive integer");
              maxResults = Math.min(Number(maxValue), MAX_RESULTS_LIMIT);
            }
            const result = await listPaths(api, container, {
              recursive: recursiveValue === "true",
              directory: (param(parsed, "directory") ?? "").replace(/^\/+|\/+$/g, ""),
              maxResults,
              continuation: param(parsed, "continuation") || undefined,
            });
            const headers: Record<string, string> = {};
            if (result.continuation) headers["x-ms-continuation"] = result.continuation;
            sendResult(response, parsed, { status: 200, headers }, JSON.stringify({ paths: result.paths }));
          },
        };
      }
      return undefined;
    }
    if (method === "PUT" && parsed.headers["x-ms-rename-source"] !== undefined) {
      return {
        name: "rename",
        shape: "dfs",
        sas: { path, anyOf: "m", resourceType: "o" },
        run: async () => {
          throw DfsError.notImplemented("rename (x-ms-rename-source)");
        },
      };
    }
    const resource = param(parsed, "resource");
    if (method === "PUT" && (resource === "file" || resource === "directory")) {
      return {
        name: resource === "file" ? "createFile" : "createDirectory",
        shape: "dfs",
        sas: { path, anyOf: "cw", resourceType: "o" },
        run: async (_request, response) => sendResult(response, parsed, await operations.create(container, path, resource, parsed.headers)),
      };
    }
    if (method === "PATCH") {
      const action = param(parsed, "action");
      if (action === "append") {
        return {
          name: "append",
          shape: "dfs",
          sas: { path, anyOf: "aw", resourceType: "o" },
          run: async (request, response) => sendResult(response, parsed, await operations.append(container, path, parsed.query, parsed.headers, request)),
        };
      }
      if (action === "flush") {
        return {
          name: "flush",
          shape: "dfs",
          sas: { path, anyOf: "w", resourceType: "o" },
          run: async (_request, response) => sendResult(response, parsed, await operations.flush(container, path, parsed.query, parsed.headers)),
        };
      }
      return {
        name: `update:${action ?? "(none)"}`,
        shape: "dfs",
        sas: { path, anyOf: "w", resourceType: "o" },
        run: async () => {
          if (action === undefined) throw DfsError.missingQueryParameter("action");
          throw DfsError.notImplemented(`PATCH action=${action}`);
        },
      };
    }
    if (method === "HEAD") {
      const action = param(parsed, "action");
      if (action === "getStatus" || action === "getAccessControl") {
        return {
          name: action,
          shape: "dfs",
          sas: { path, anyOf: "re", resourceType: "o" },
          run: async (_request, response) => sendResult(response, parsed, await operations.status(container, path, action)),
        };
      }
      return undefined;
    }
    if (method === "DELETE") {
      const recursiveValue = param(parsed, "recursive");
      // DFS deletes carry recursive / paginated (the Node SDK sends paginated=false even for files)
      // and ask for JSON; a Blob delete has neither.
      const dfsParams = ["recursive", "paginated", "continuation"].some((name) => parsed.query.has(name));
      if (dfsParams || (wantsJson(parsed) && onlyBenignParams(parsed))) {
        return {
          name: "delete",
          shape: "dfs",
          sas: { path, anyOf: "d", resourceType: "o" },
          run: async (_request, response) => {
            if (recursiveValue !== undefined && recursiveValue !== "true" && recursiveValue !== "false") {
              throw DfsError.invalidQueryParameter("recursive", recursiveValue, "must be true or false");
            }
            await operations.delete(container, path, recursiveValue === "true", parsed.headers);
            sendResult(response, parsed, { status: 200, headers: {} });
          },
        };
      }
    }
    return undefined;
  }

  /**
   * Headers to send upstream: hop-by-hop ones dropped. Host stays the client's (a loopback address,
   * so Azurite still reads the account from the path), so URLs Azurite writes into answers
   * (ServiceEndpoint in listings) name the gateway.
   */
  function upstreamHeaders(request: http.IncomingMessage, parsed: ParsedRequest, resign: boolean): Record<string, string> | string[] {
    if (!resign) {
      const raw: string[] = [];
      for (let i = 0; i < request.rawHeaders.length; i += 2) {
        const name = request.rawHeaders[i];
        const lower = name.toLowerCase();
        if (HOP_BY_HOP.has(lower)) continue;
        raw.push(name, request.rawHeaders[i + 1]);
      }
      return raw;
    }
    // A verified bearer request: Azurite gets the same request signed with the account key.
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(parsed.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name) || name === "authorization") continue;
      headers[name] = value;
    }
    headers["x-ms-date"] ??= new Date().toUTCString();
    headers.authorization = signSharedKey(account, options.accountKey, { method: parsed.method, path: parsed.rawPath, query: parsed.rawQuery, headers });
    return headers;
  }

  /**
   * Forwards the request to Azurite and streams the answer back. `augment` may add headers to a
   * 200 answer, or replace a 404 answer (returns true when it wrote the response itself).
   */
  function passThrough(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    parsed: ParsedRequest,
    resign: boolean,
    augment?: (upstreamResponse: http.IncomingMessage) => Promise<Record<string, string> | "handled" | undefined>,
  ): void {
    const upstreamRequest = http.request({
      host: upstream.hostname.replace(/^\[|\]$/g, ""),
      port: upstream.port,
      method: parsed.method,
      path: request.url,
      headers: upstreamHeaders(request, parsed, resign),
      agent: passthroughAgent,
    });
    upstreamRequest.on("response", (upstreamResponse) => {
      const forward = (extra: Record<string, string> | undefined) => {
        const raw: string[] = [];
        for (let i = 0; i < upstreamResponse.rawHeaders.length; i += 2) {
          const lower = upstreamResponse.rawHeaders[i].toLowerCase();
          if (HOP_BY_HOP.has(lower)) continue;
          raw.push(upstreamResponse.rawHeaders[i], upstreamResponse.rawHeaders[i + 1]);
        }
        for (const [name, value] of Object.entries(extra ?? {})) raw.push(name, value);
        response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.statusMessage, raw);
        upstreamResponse.pipe(response);
      };
      if (!augment) {
        forward(undefined);
        return;
      }
      augment(upstreamResponse).then(
        (extra) => {
          if (extra === "handled") {
            upstreamResponse.resume();
            return;
          }
          forward(extra);
        },
        (error: unknown) => {
          upstreamResponse.resume();
          writeError(response, parsed.method, error instanceof DfsError ? error : new DfsError(500, "InternalError", String(error)), "blob");
        },
      );
    });
    upstreamRequest.on("error", (error) => {
      if (!response.headersSent) {
        writeError(response, parsed.method, new DfsError(502, "UpstreamUnavailable", `the gateway could not reach Azurite at ${upstream.origin}: ${error.message}`), "blob");
      } else {
        response.destroy(error);
      }
    });
    // A client that goes away mid-transfer must not leave the upstream transfer running.
    response.on("close", () => {
      if (!response.writableFinished) upstreamRequest.destroy();
    });
    request.pipe(upstreamRequest);
  }

  /** A plain HEAD on a path: Azurite's answer plus the DFS headers; an implicit directory is answered here. */
  function headWithDfsView(request: http.IncomingMessage, response: http.ServerResponse, parsed: ParsedRequest, resign: boolean): void {
    const container = parsed.container as string;
    passThrough(request, response, parsed, resign, async (upstreamResponse) => {
      if (upstreamResponse.statusCode === 200) {
        const properties = propertiesFromHeaders(upstreamResponse.headers);
        return PathOperations.dfsHeadersFor(properties, isFolderMarker(properties));
      }
      if (upstreamResponse.statusCode !== 404 || upstreamResponse.headers["x-ms-error-code"] !== "BlobNotFound") return undefined;
      const target = await operations.resolve(container, parsed.path);
      if (target.kind !== "directory") return undefined;
      const properties = target.properties;
      const headers: Record<string, string> = {
        "content-length": "0",
        "content-type": "application/octet-stream",
        etag: quotedEtag(properties.etag),
        "last-modified": properties.lastModified,
        "x-ms-blob-type": "BlockBlob",
        "x-ms-meta-hdi_isfolder": "true",
        "x-ms-lease-state": "available",
        "x-ms-lease-status": "unlocked",
        "x-ms-server-encrypted": "false",
        "x-ms-request-id": randomUUID(),
        "x-ms-version": DFS_SERVICE_VERSION,
        "accept-ranges": "bytes",
        ...PathOperations.dfsHeadersFor(properties, true),
      };
      if (properties.creationTime) headers["x-ms-creation-time"] = properties.creationTime;
      response.writeHead(200, headers);
      response.end();
      return "handled";
    });
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const parsed = parseRequest(request, account);
    const authorization = parsed.headers.authorization;
    const isBearer = authorization?.startsWith("Bearer ") === true;
    const served = classify(parsed);
    if (served) {
      count(served.name);
      try {
        await authenticate(request, parsed, { container: parsed.container as string, ...served.sas });
        await served.run(request, response, parsed);
      } catch (error) {
        request.resume();
        const dfsError = error instanceof DfsError ? error : new DfsError(500, "InternalError", `the gateway failed: ${(error as Error).message}`);
        writeError(response, parsed.method, dfsError, served.shape);
      }
      return;
    }
    // Blob calls: Azurite checks them, except bearer tokens, which are checked here and re-signed.
    let resign = false;
    if (isBearer && options.tokenVerifier) {
      try {
        await authenticate(request, parsed, { container: parsed.container ?? "", path: parsed.path, anyOf: "", resourceType: "o" });
        resign = true;
      } catch (error) {
        count(`passthrough:${parsed.method}`);
        request.resume();
        writeError(response, parsed.method, error as DfsError, "blob");
        return;
      }
    }
    if (parsed.container !== undefined && parsed.path && onlyBenignParams(parsed)) {
      if (parsed.method === "HEAD") {
        count("getProperties");
        headWithDfsView(request, response, parsed, resign);
        return;
      }
      if (parsed.method === "DELETE") {
        // A Blob delete of a directory: in a hierarchical namespace it is a directory delete.
        count("delete");
        const container = parsed.container;
        try {
          if (!resign) await authenticate(request, parsed, { container, path: parsed.path, anyOf: "d", resourceType: "o" });
          const target = await operations.resolve(container, parsed.path);
          if (target.kind === "directory") {
            await operations.delete(container, parsed.path, false, parsed.headers);
            sendResult(response, parsed, { status: 202, headers: { "x-ms-delete-type-permanent": "true" } });
            return;
          }
        } catch (error) {
          request.resume();
          writeError(response, parsed.method, error instanceof DfsError ? error : new DfsError(500, "InternalError", String(error)), "blob");
          return;
        }
        passThrough(request, response, parsed, resign);
        return;
      }
    }
    count(`passthrough:${parsed.method}`);
    passThrough(request, response, parsed, resign);
  }

  const server = http.createServer((request, response) => {
    const run = () =>
      handle(request, response).catch((error: unknown) => {
        writeError(response, request.method ?? "GET", new DfsError(500, "InternalError", `the gateway failed: ${(error as Error).message}`));
      });
    // The body waits, unread, in the socket meanwhile.
    if (latencyMs > 0) setTimeout(run, latencyMs);
    else run();
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  // Uploads and downloads of large files may take long; only idle connections time out.
  server.requestTimeout = 0;

  const port = await listen(server, options.port ?? 0, host);
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}/${account}`,
    port,
    requestCounts: () => ({ ...counts }),
    setLatencyMs(ms: number) {
      latencyMs = checkLatency(ms, "setLatencyMs");
    },
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        passthroughAgent.destroy();
        api.close();
      });
      return stopping;
    },
  };
}
