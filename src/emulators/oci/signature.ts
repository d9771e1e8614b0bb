// Verification of OCI request signatures (draft-cavage HTTP signatures, rsa-sha256), written from the protocol, not
// from either SDK. The Authorization header is `Signature k="v",...` with keyId, algorithm, headers, signature and
// optionally version="1", in any order. The signing string is each named header as `name: value` joined by "\n",
// where `(request-target)` is `<lowercase method> <path and query exactly as sent>`.
//
// Which headers must be signed: always `(request-target)`, `host` and `date` or `x-date`; for POST/PUT/PATCH with a
// body also `content-type`, `content-length` and `x-content-sha256`, except on operations that stream a body
// (PutObject, UploadPart). The body's SHA-256 is checked against `x-content-sha256` by the caller once the body has
// been read (see `bodyHashToCheck`).
//
// Keys are found through KeyResolvers, chosen by the keyId's form: API keys (`tenancy/user/fingerprint`, here) and
// resource-principal session tokens (`ST$<token>`, session-tokens.ts). A resolver may throw a 401 of its own to say
// why a keyId is refused.
import { verify as cryptoVerify, type KeyObject } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { notAuthenticated } from "./errors.ts";

export interface KeyResolver {
  /** Short name used in error messages, e.g. "API key". */
  readonly kind: string;
  /** Whether this resolver is responsible for the keyId's form. */
  handles(keyId: string): boolean;
  /** The public key for the keyId, or undefined when unknown. */
  publicKey(keyId: string): KeyObject | undefined;
}

/** API-key keyIds: `<tenancy OCID>/<user OCID>/<fingerprint>`. */
export class ApiKeyResolver implements KeyResolver {
  readonly kind = "API key";
  private readonly keys = new Map<string, KeyObject>();

  add(keyId: string, publicKey: KeyObject): void {
    this.keys.set(keyId, publicKey);
  }

  handles(keyId: string): boolean {
    return !keyId.startsWith("ST$") && keyId.split("/").length === 3;
  }

  publicKey(keyId: string): KeyObject | undefined {
    return this.keys.get(keyId);
  }

  get size(): number {
    return this.keys.size;
  }
}

export interface SignedRequest {
  method: string;
  /** The request target exactly as received (path and query). */
  target: string;
  headers: IncomingHttpHeaders;
  /** True when the body headers must be signed (POST/PUT/PATCH other than PutObject/UploadPart). */
  requireBodyHeaders: boolean;
}

export interface VerifiedSignature {
  keyId: string;
  /** Lowercased names of the signed headers. */
  signedHeaders: string[];
  /** When set, the body's base64 SHA-256 must equal this value (the request is rejected with 401 otherwise). */
  bodyHashToCheck?: string;
}

export interface SignatureVerifierOptions {
  resolvers: KeyResolver[];
  maxClockSkewSeconds: number;
  now?: () => number;
}

/** Parses `Signature a="b",c="d"`; values may contain commas, so the split is on the quoted form. */
export function parseSignatureHeader(value: string): Map<string, string> {
  const m = /^Signature\s+(.*)$/is.exec(value.trim());
  if (!m) throw notAuthenticated("The Authorization header is not an OCI request signature (expected 'Signature keyId=...')");
  const params = new Map<string, string>();
  const re = /\s*([A-Za-z]+)\s*=\s*"([^"]*)"\s*(,|$)/y;
  const rest = m[1];
  let pos = 0;
  while (pos < rest.length) {
    re.lastIndex = pos;
    const p = re.exec(rest);
    if (!p) throw notAuthenticated("The Authorization header is malformed: expected a comma-separated list of name=\"value\"");
    params.set(p[1], p[2]);
    pos = re.lastIndex;
  }
  return params;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(", ") : v;
}

export function createSignatureVerifier(options: SignatureVerifierOptions): (request: SignedRequest) => VerifiedSignature {
  const now = options.now ?? Date.now;
  return (request) => {
    const authorization = headerValue(request.headers, "authorization");
    if (!authorization) throw notAuthenticated("The required information to complete authentication was not provided (no Authorization header)");
    const params = parseSignatureHeader(authorization);
    const version = params.get("version");
    if (version !== undefined && version !== "1") throw notAuthenticated(`Unsupported signature version '${version}'`);
    const keyId = params.get("keyId");
    const algorithm = params.get("algorithm");
    const headerList = params.get("headers");
    const signature = params.get("signature");
    if (!keyId || !signature || !headerList) {
      throw notAuthenticated("The Authorization header must carry keyId, headers and signature");
    }
    if (algorithm !== undefined && algorithm.toLowerCase() !== "rsa-sha256") {
      throw notAuthenticated(`Unsupported signature algorithm '${algorithm}' (only rsa-sha256)`);
    }
    const signedHeaders = headerList
      .trim()
      .split(/\s+/)
      .map((h) => h.toLowerCase());
    const signed = new Set(signedHeaders);

    const required = ["(request-target)", "host"];
    if (request.requireBodyHeaders) required.push("content-type", "content-length", "x-content-sha256");
    const missing = required.filter((h) => !signed.has(h));
    if (!signed.has("date") && !signed.has("x-date")) missing.push("date or x-date");
    if (missing.length > 0) throw notAuthenticated(`The signature must include the headers: ${missing.join(", ")}`);

    const dateHeader = signed.has("x-date") ? "x-date" : "date";
    const dateValue = headerValue(request.headers, dateHeader);
    const when = dateValue === undefined ? Number.NaN : Date.parse(dateValue);
    if (Number.isNaN(when)) throw notAuthenticated(`The '${dateHeader}' header is missing or not a valid HTTP date`);
    const skew = Math.abs(now() - when) / 1000;
    if (skew > options.maxClockSkewSeconds) {
      throw notAuthenticated(
        `The request date ${dateValue} is ${Math.round(skew)} s away from the server time; the limit is ${options.maxClockSkewSeconds} s`,
      );
    }

    const lines: string[] = [];
    for (const name of signedHeaders) {
      if (name === "(request-target)") {
        lines.push(`(request-target): ${request.method.toLowerCase()} ${request.target}`);
        continue;
      }
      const value = headerValue(request.headers, name);
      if (value === undefined) throw notAuthenticated(`The signed header '${name}' is not present in the request`);
      lines.push(`${name}: ${value}`);
    }

    const resolver = options.resolvers.find((r) => r.handles(keyId));
    if (!resolver) {
      const hint = keyId.startsWith("ST$") ? " (session-token keyIds are not supported by this emulator yet)" : "";
      throw notAuthenticated(`The keyId has a form no configured key source accepts${hint}`);
    }
    const publicKey = resolver.publicKey(keyId);
    if (!publicKey) throw notAuthenticated(`The ${resolver.kind} '${keyId}' is not known to this service`);
    let ok = false;
    try {
      ok = cryptoVerify("sha256", Buffer.from(lines.join("\n"), "utf8"), publicKey, Buffer.from(signature, "base64"));
    } catch {
      ok = false;
    }
    if (!ok) throw notAuthenticated("The request signature does not verify with the key of this keyId");

    const bodyHash = signed.has("x-content-sha256") ? headerValue(request.headers, "x-content-sha256") : undefined;
    return { keyId, signedHeaders, bodyHashToCheck: bodyHash };
  };
}
