// The OCI Object Storage emulator: a node:http server on loopback that speaks the REST subset the OCI SDKs use for
// data transfer (namespace, buckets, objects, listing, multipart uploads), verifies OCI request signatures against
// the keys of an OCI config file (or given public keys) and resource-principal session tokens of trusted issuers
// (session-tokens.ts), keeps data on disk, and lets tests inject faults and read
// a log of what reached it. docs/emulators.md lists what it implements and how it differs from the real service.
//
// Request pipeline: route -> faults (latency, status, drop) -> signature -> operation. Faults come before the
// signature check, as a load balancer's errors would.
import { createPublicKey, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createFaultController, type FaultController, type FaultRule } from "../faults.ts";
import { loadConfigKeys } from "./config-keys.ts";
import { CONTROL_PREFIX, handleControl } from "./control.ts";
import { defaultCodeForStatus, OciServiceError } from "./errors.ts";
import { ConnectionGone, Exchange } from "./exchange.ts";
import { handlers } from "./handlers.ts";
import { RequestLog, type RequestRecord } from "./request-log.ts";
import { resolveRoute, type Route } from "./routes.ts";
import { SessionTokenResolver } from "./session-tokens.ts";
import { ApiKeyResolver, createSignatureVerifier } from "./signature.ts";
import { ObjectStore } from "./store.ts";
import { listen } from "../listen.ts";

export type { FaultRule } from "../faults.ts";
export type { RequestRecord } from "./request-log.ts";

export interface OciEmulatorOptions {
  /** Where objects and the index live (created if absent). */
  dataDir: string;
  /** Default "127.0.0.1"; anything that is not a loopback address is refused. */
  host?: string;
  /** Default 0 = a free port. */
  port?: number;
  /** Default "lake2oci". */
  namespace?: string;
  /** Every API-key profile in it becomes an accepted key. */
  ociConfigFile?: string;
  publicKeys?: { keyId: string; publicKeyPem: string }[];
  /** PEM public keys of session-token issuers: requests signed with keyId "ST$<token>" of theirs are accepted. */
  sessionTokenIssuers?: string[];
  faults?: FaultRule[];
  /** Default 300. */
  maxClockSkewSeconds?: number;
}

export interface OciEmulator {
  /** "http://127.0.0.1:PORT" */
  url: string;
  port: number;
  namespace: string;
  faults: FaultController;
  requests(): RequestRecord[];
  requestCounts(): Record<string, number>;
  resetRequests(): void;
  /** Accept resource-principal session tokens signed by this issuer key (PEM), from now on. */
  trustSessionTokenIssuer(publicKeyPem: string): void;
  stop(): Promise<void>;
}

/** Operations whose body is streamed and therefore exempt from signing content-type/length/sha256. */
const STREAMING_OPERATIONS = new Set(["PutObject", "UploadPart"]);

function checkLoopback(host: string): void {
  const loopback = host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));
  if (!loopback) {
    throw new Error(`OCI emulator: host '${host}' is not a loopback address; use 127.0.0.1 (the emulator never listens on a network)`);
  }
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export async function startOciEmulator(options: OciEmulatorOptions): Promise<OciEmulator> {
  if (!options || typeof options.dataDir !== "string" || options.dataDir === "") {
    throw new Error("OCI emulator: options.dataDir is required (the directory for objects and the index)");
  }
  const host = options.host ?? "127.0.0.1";
  checkLoopback(host);
  const namespace = options.namespace ?? "lake2oci";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(namespace)) {
    throw new Error(`OCI emulator: namespace '${namespace}' is not valid; use letters, digits, '-' or '_'`);
  }
  const maxClockSkewSeconds = options.maxClockSkewSeconds ?? 300;

  const apiKeys = new ApiKeyResolver();
  if (options.ociConfigFile) {
    for (const key of loadConfigKeys(options.ociConfigFile)) apiKeys.add(key.keyId, key.publicKey);
  }
  for (const [i, k] of (options.publicKeys ?? []).entries()) {
    try {
      apiKeys.add(k.keyId, createPublicKey(k.publicKeyPem));
    } catch (err) {
      throw new Error(`OCI emulator: publicKeys[${i}] (${k.keyId}): not a valid PEM public key: ${(err as Error).message}`);
    }
  }
  const sessionTokens = new SessionTokenResolver();
  for (const [i, pem] of (options.sessionTokenIssuers ?? []).entries()) {
    try {
      sessionTokens.trust(pem);
    } catch (err) {
      throw new Error(`OCI emulator: sessionTokenIssuers[${i}]: not a valid PEM public key: ${(err as Error).message}`);
    }
  }
  if (apiKeys.size === 0 && sessionTokens.size === 0) {
    throw new Error(
      "OCI emulator: no keys to accept; pass ociConfigFile (an OCI config with API-key profiles), publicKeys or sessionTokenIssuers",
    );
  }
  const verify = createSignatureVerifier({ resolvers: [apiKeys, sessionTokens], maxClockSkewSeconds });
  const faults = createFaultController(options.faults ?? []);
  const log = new RequestLog();
  const store = await ObjectStore.open(resolve(options.dataDir));
  let requestCounter = 0;
  const requestPrefix = randomBytes(4).toString("hex");
  // Data-plane exchanges not logged yet. A client can read a response to its end before the server's "close" (which
  // logs it) has run — a file's stream ends only after one more read finds its end: the control endpoint waits for
  // the delivered ones (settleLog), so that the log it returns or resets holds every response its caller received.
  const unlogged = new Set<Exchange>();
  /** Whether the client may already hold the whole response: ended, or every byte of its Content-Length sent. */
  const delivered = (ex: Exchange) => {
    if (ex.res.writableEnded) return true;
    return ex.res.headersSent && ex.responseLength !== undefined && ex.bytesOut >= ex.responseLength;
  };
  async function settleLog(): Promise<void> {
    const ended = [...unlogged].filter(delivered).map((ex) => ex.res);
    if (ended.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(ended.map((r) => new Promise<void>((resolve) => r.once("close", () => resolve())))),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 2_000);
      }),
    ]);
    clearTimeout(timer);
  }

  async function serve(ex: Exchange): Promise<void> {
    let route: Route = { operation: "Unsupported" };
    const record: RequestRecord = {
      time: new Date().toISOString(),
      requestId: ex.requestId,
      method: ex.method,
      rawPath: ex.rawPath,
      query: ex.rawQuery,
      operation: "Unsupported",
      status: 0,
      bytesIn: 0,
      bytesOut: 0,
    };
    unlogged.add(ex);
    ex.res.once("close", () => {
      unlogged.delete(ex);
      record.status = ex.res.headersSent ? ex.res.statusCode : 0;
      record.bytesIn = ex.bytesIn;
      record.bytesOut = ex.bytesOut;
      if (ex.decision.fired.length > 0) record.faults = ex.decision.fired;
      if (ex.aborted || !ex.res.writableFinished) record.aborted = true;
      if (ex.errorCode) record.errorCode = ex.errorCode;
      if (ex.corruptedAt !== undefined) record.corruptedAt = ex.corruptedAt;
      if (ex.wrongMd5 !== undefined) record.wrongMd5 = ex.wrongMd5;
      log.add(record);
    });
    try {
      route = resolveRoute(ex.method, ex.rawPath);
    } catch (err) {
      await ex.sendError(err);
      return;
    }
    record.operation = route.operation;
    if (route.bucket !== undefined) record.bucket = route.bucket;
    if (route.object !== undefined) record.object = route.object;

    ex.decision = faults.decide({ method: ex.method, path: safeDecode(ex.rawPath), operation: route.operation });
    if (ex.decision.latencyMs > 0) await sleep(ex.decision.latencyMs);
    const drop = ex.decision.drop;
    if (drop?.during === "request" && (!ex.hasBody || (drop.afterBytes ?? 0) === 0)) ex.dropConnection();
    const status = ex.decision.status;
    if (status) {
      const headers: Record<string, string> = {};
      if (status.retryAfterSeconds !== undefined) headers["retry-after"] = String(status.retryAfterSeconds);
      throw new OciServiceError(
        status.status,
        status.code ?? defaultCodeForStatus(status.status),
        status.message ?? `Injected fault: ${status.status} for ${route.operation}`,
        headers,
      );
    }

    const signed = verify({
      method: ex.method,
      target: ex.target,
      headers: ex.req.headers,
      requireBodyHeaders: ["POST", "PUT", "PATCH"].includes(ex.method) && !STREAMING_OPERATIONS.has(route.operation),
    });
    if (route.operation === "Unsupported") {
      throw new OciServiceError(501, "NotImplemented", `The OCI emulator does not implement ${ex.method} ${ex.rawPath}`);
    }
    // A session token is a credential: operations see the principal it stands for, never the token.
    const keyId = sessionTokens.handles(signed.keyId) ? sessionTokens.principal(signed.keyId) : signed.keyId;
    await handlers[route.operation](ex, { store, namespace, keyId, bodyHashToCheck: signed.bodyHashToCheck }, route);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): Promise<void> {
    const ex = new Exchange(req, res, `${requestPrefix}/${(++requestCounter).toString(36).toUpperCase()}`, expectContinue);
    try {
      if (ex.rawPath === CONTROL_PREFIX || ex.rawPath.startsWith(`${CONTROL_PREFIX}/`)) {
        await handleControl(ex, { namespace, faults, log, settleLog });
      } else {
        await serve(ex);
      }
    } catch (err) {
      if (err instanceof ConnectionGone) return;
      await ex.sendError(err).catch(() => res.destroy());
    }
  }

  const server = createServer();
  // SDKs reuse connections for a long time; a short keep-alive makes them hit closed sockets ("fetch failed").
  server.keepAliveTimeout = 75_000;
  server.headersTimeout = 80_000;
  server.requestTimeout = 0;
  server.on("request", (req, res) => void handle(req, res, false));
  server.on("checkContinue", (req, res) => void handle(req, res, true));
  server.on("clientError", (_err, socket) => socket.destroy());

  const port = await listen(server, options.port ?? 0, host);
  const urlHost = host.includes(":") ? `[${host}]` : host;

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    namespace,
    faults,
    requests: () => log.list(),
    requestCounts: () => log.countsByOperation(),
    resetRequests: () => log.reset(),
    trustSessionTokenIssuer: (publicKeyPem) => sessionTokens.trust(publicKeyPem),
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeAllConnections();
        await closed;
        await store.close();
      })();
      return stopping;
    },
  };
}
