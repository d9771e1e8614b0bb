// A local Microsoft Entra ID token endpoint for the local cloud: what `ClientSecretCredential` (azure-identity, MSAL)
// talks to when its authority is this server. Over TLS only, like Entra (the SDKs refuse a non-https authority):
// give it a certificate from createLocalCa and have the client trust the CA.
//
// Served (the subset MSAL's client-credentials flow uses, with Entra's paths, fields and error shape):
//   GET  /common/discovery/instance?authorization_endpoint=...   instance discovery (MSAL skips it when told to)
//   GET  /{tenant}/v2.0/.well-known/openid-configuration         tenant discovery (and the v1 path without /v2.0)
//   GET  /{tenant}/discovery/v2.0/keys, /common/discovery/keys   the signing key (JWKS)
//   POST /{tenant}/oauth2/v2.0/token                              grant_type=client_credentials, client_id and
//        client_secret (in the form or as HTTP Basic), scope=<resource>/.default
// The access token is a JWT signed RS256 with a key made at start, shaped like Entra's v1 storage tokens (aud the
// resource, iss https://sts.windows.net/{tenant}/, tid, appid, oid, iat/nbf/exp). verifyToken checks all of that and
// is what the DFS gateway takes as its `tokenVerifier`. Client secrets are compared in constant time and never
// logged or echoed; refused requests answer with Entra's AADSTS codes (e.g. 7000215 for a wrong secret).
import { createHash, generateKeyPairSync, type KeyObject, randomUUID, sign, timingSafeEqual, verify } from "node:crypto";
import https from "node:https";
import type http from "node:http";
import { requireLoopbackHost } from "./loopback.ts";
import { listen } from "../listen.ts";

/** A service principal (app registration with a client secret) of a tenant. */
export interface TokenClient {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface TokenIssuerOptions {
  /** The server's TLS key and certificate (PEM), e.g. from createLocalCa. */
  tls: { key: string; cert: string };
  /** The service principals that may get tokens; their tenants are the known tenants. */
  clients: TokenClient[];
  host?: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Seconds a token is valid; default 3599 (as Entra). */
  lifetimeSeconds?: number;
  /** Resources a token may be asked for (scope `<resource>/.default`); default the Azure Storage resource. */
  resources?: string[];
}

export interface TokenIssuer {
  /** https://HOST:PORT: the authority host to give clients (tenant paths go under it). */
  url: string;
  port: number;
  /** True for a token this issuer signed, for a known tenant and resource, not expired (5 minutes of skew). */
  verifyToken(token: string): Promise<boolean>;
  /** Requests so far by kind: token (issued), refused, openid-configuration, instance-discovery, keys, not-found. */
  requestCounts(): Record<string, number>;
  stop(): Promise<void>;
}

export const STORAGE_RESOURCE = "https://storage.azure.com";
const CLOCK_SKEW_SECONDS = 300;
const MAX_FORM_BYTES = 64 * 1024;
const KEEP_ALIVE_MS = 65_000;

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");
const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));
const normalizeResource = (r: string) => r.replace(/\/+$/, "");

class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    description: string,
  ) {
    super(`AADSTS${code}: ${description}`);
  }
}

function readForm(request: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_FORM_BYTES) {
        reject(new EntraError(400, "invalid_request", 90014, "The request body is too large."));
        request.resume();
        return;
      }
      chunks.push(c);
    });
    request.on("end", () => resolve(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
    request.on("error", reject);
  });
}

/** A stable object id for a client (Entra gives each service principal one). */
function objectId(client: TokenClient): string {
  const h = createHash("sha256").update(`${client.tenantId}/${client.clientId}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function startTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const host = requireLoopbackHost(options.host, "startTokenIssuer: host");
  if (!options.tls?.key || !options.tls?.cert) throw new Error("startTokenIssuer: tls.key and tls.cert are required (PEM; see createLocalCa)");
  if (!Array.isArray(options.clients) || options.clients.length === 0) throw new Error("startTokenIssuer: clients must name at least one service principal");
  for (const [i, c] of options.clients.entries()) {
    for (const field of ["tenantId", "clientId", "clientSecret"] as const) {
      if (typeof c[field] !== "string" || c[field] === "") throw new Error(`startTokenIssuer: clients[${i}].${field} must be a non-empty string`);
    }
  }
  const lifetime = options.lifetimeSeconds ?? 3599;
  if (!Number.isInteger(lifetime) || lifetime < 1) throw new Error(`startTokenIssuer: lifetimeSeconds must be a positive integer, got ${lifetime}`);
  const resources = (options.resources ?? [STORAGE_RESOURCE]).map(normalizeResource);
  const tenants = new Set(options.clients.map((c) => c.tenantId));
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = publicKey.export({ format: "jwk" }) as { n: string; e: string };
  const kid = b64url(createHash("sha1").update(publicKey.export({ type: "spki", format: "der" })).digest());
  const counts: Record<string, number> = {};
  const count = (kind: string) => {
    counts[kind] = (counts[kind] ?? 0) + 1;
  };
  let origin = "";
  const issuerOf = (tenant: string) => `https://sts.windows.net/${tenant}/`;

  function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": String(Buffer.byteLength(text)),
      "cache-control": "no-store, no-cache",
      pragma: "no-cache",
      "x-ms-request-id": randomUUID(),
    });
    response.end(text);
  }

  function sendError(response: http.ServerResponse, e: EntraError): void {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date().toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
    sendJson(response, e.status, {
      error: e.error,
      error_description: `${e.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [e.code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${origin}/error?code=${e.code}`,
    });
  }

  function requireTenant(tenant: string): void {
    if (!tenants.has(tenant)) {
      throw new EntraError(400, "invalid_request", 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
  }

  function openidConfiguration(tenant: string, v2: boolean): unknown {
    const base = `${origin}/${tenant}`;
    return {
      token_endpoint: v2 ? `${base}/oauth2/v2.0/token` : `${base}/oauth2/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: v2 ? `${base}/discovery/v2.0/keys` : `${origin}/common/discovery/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: v2 ? `${base}/v2.0` : issuerOf(tenant),
      request_uri_parameter_supported: false,
      authorization_endpoint: v2 ? `${base}/oauth2/v2.0/authorize` : `${base}/oauth2/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      tenant_region_scope: null,
      cloud_instance_name: new URL(origin).host,
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: "graph.microsoft.com",
    };
  }

  function issueToken(client: TokenClient, resource: string): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: "JWT", alg: "RS256", x5t: kid, kid };
    const oid = objectId(client);
    const payload = {
      aud: resource,
      iss: issuerOf(client.tenantId),
      iat: now,
      nbf: now,
      exp: now + lifetime,
      appid: client.clientId,
      appidacr: "1",
      idp: issuerOf(client.tenantId),
      oid,
      sub: oid,
      tid: client.tenantId,
      uti: b64url(randomUUID()),
      ver: "1.0",
    };
    const signed = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    return `${signed}.${b64url(sign("sha256", Buffer.from(signed), privateKey))}`;
  }

  async function token(request: http.IncomingMessage, response: http.ServerResponse, tenant: string): Promise<void> {
    const type = (request.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    const form = await readForm(request);
    if (type !== "application/x-www-form-urlencoded") {
      throw new EntraError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
    }
    requireTenant(tenant);
    const grant = form.get("grant_type");
    if (!grant) throw new EntraError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
    if (grant !== "client_credentials") {
      throw new EntraError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grant}'.`);
    }
    let clientId = form.get("client_id") ?? "";
    let secret = form.get("client_secret");
    const basic = /^Basic\s+(.+)$/i.exec(request.headers.authorization ?? "");
    if (basic) {
      const decoded = Buffer.from(basic[1], "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) {
        clientId ||= decodeURIComponent(decoded.slice(0, colon));
        secret ??= decodeURIComponent(decoded.slice(colon + 1));
      }
    }
    if (!clientId) throw new EntraError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
    const scope = form.get("scope") ?? "";
    const scopes = scope.split(/\s+/).filter((s) => s !== "");
    if (scopes.length !== 1 || !scopes[0].endsWith("/.default")) {
      throw new EntraError(
        400,
        "invalid_scope",
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const resource = normalizeResource(scopes[0].slice(0, -"/.default".length));
    if (!resources.includes(resource)) {
      throw new EntraError(400, "invalid_resource", 500011, `The resource principal named ${resource} was not found in the tenant named ${tenant}.`);
    }
    const client = options.clients.find((c) => c.tenantId === tenant && c.clientId === clientId);
    if (!client) {
      throw new EntraError(400, "unauthorized_client", 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`);
    }
    if (secret === undefined || secret === null || secret === "") {
      throw new EntraError(401, "invalid_client", 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
    }
    if (!sameSecret(secret, client.clientSecret)) {
      throw new EntraError(
        401,
        "invalid_client",
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    }
    count("token");
    sendJson(response, 200, { token_type: "Bearer", expires_in: lifetime, ext_expires_in: lifetime, access_token: issueToken(client, resource) });
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", origin);
    const segments = url.pathname.split("/").filter((s) => s !== "");
    const method = (request.method ?? "GET").toUpperCase();
    const path = segments.join("/");
    if (method === "GET" && path === "common/discovery/instance") {
      count("instance-discovery");
      // The tenant is the first path segment of the authorization endpoint MSAL asks about.
      const endpoint = url.searchParams.get("authorization_endpoint") ?? "";
      let tenant = "common";
      try {
        tenant = new URL(endpoint).pathname.split("/").filter((s) => s !== "")[0] ?? "common";
      } catch {
        // keep "common"
      }
      const here = new URL(origin).host;
      sendJson(response, 200, {
        tenant_discovery_endpoint: `${origin}/${tenant}/v2.0/.well-known/openid-configuration`,
        "api-version": "1.1",
        metadata: [{ preferred_network: here, preferred_cache: here, aliases: [here] }],
      });
      return;
    }
    if (method === "GET" && (path === "common/discovery/keys" || (segments.length === 4 && path.endsWith("/discovery/v2.0/keys")))) {
      count("keys");
      sendJson(response, 200, { keys: [{ kty: "RSA", use: "sig", kid, x5t: kid, n: jwk.n, e: jwk.e }] });
      return;
    }
    const wellKnown = /^([^/]+)(\/v2\.0)?\/\.well-known\/openid-configuration$/.exec(path);
    if (method === "GET" && wellKnown) {
      count("openid-configuration");
      requireTenant(decodeURIComponent(wellKnown[1]));
      sendJson(response, 200, openidConfiguration(decodeURIComponent(wellKnown[1]), wellKnown[2] !== undefined));
      return;
    }
    const tokenPath = /^([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (tokenPath) {
      if (method !== "POST") throw new EntraError(405, "invalid_request", 900561, "The endpoint only accepts POST requests.");
      await token(request, response, decodeURIComponent(tokenPath[1]));
      return;
    }
    count("not-found");
    request.resume();
    sendJson(response, 404, { error: "not_found", error_description: `${method} ${url.pathname} is not served by the local token endpoint` });
  }

  const server = https.createServer({ key: options.tls.key, cert: options.tls.cert }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      request.resume();
      if (error instanceof EntraError) {
        count("refused");
        sendError(response, error);
      } else {
        sendError(response, new EntraError(500, "server_error", 50000, `The local token endpoint failed: ${(error as Error).message}`));
      }
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  const port = await listen(server, options.port ?? 0, host);
  origin = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;

  const verifier = (token: string, key: KeyObject): boolean => {
    const parts = token.split(".");
    if (parts.length !== 3) return false;
    const header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8")) as Record<string, unknown>;
    if (header.alg !== "RS256" || header.kid !== kid) return false;
    if (!verify("sha256", Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2], "base64url"))) return false;
    const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.tid !== "string" || !tenants.has(claims.tid) || claims.iss !== issuerOf(claims.tid)) return false;
    if (typeof claims.aud !== "string" || !resources.includes(normalizeResource(claims.aud))) return false;
    if (typeof claims.exp !== "number" || claims.exp + CLOCK_SKEW_SECONDS <= now) return false;
    if (typeof claims.nbf !== "number" || claims.nbf - CLOCK_SKEW_SECONDS > now) return false;
    return options.clients.some((c) => c.tenantId === claims.tid && c.clientId === claims.appid);
  };

  let stopping: Promise<void> | undefined;
  return {
    url: origin,
    port,
    verifyToken: async (token) => {
      try {
        return verifier(token, publicKey);
      } catch {
        return false; // not a JWT at all
      }
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
