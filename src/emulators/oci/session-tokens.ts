// Resource-principal session tokens (RPST) for the OCI emulator: requests signed with keyId="ST$<token>", as the
// OCI SDKs' resource-principal signers send them (Python: oci.auth.signers.get_resource_principals_signer() with
// OCI_RESOURCE_PRINCIPAL_VERSION=2.2). The token is a JWT (RS256) issued by the identity service; it carries the
// session's public key in its `jwk` claim (a JSON string, as OCI's tokens hold it, or an object), and the request
// signature is checked with that key. The emulator accepts a token when its signature verifies with a trusted issuer
// key, it has not expired and its jwk is an RSA public key. Messages never contain the token.
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { notAuthenticated } from "./errors.ts";
import type { KeyResolver } from "./signature.ts";

export const SESSION_TOKEN_PREFIX = "ST$";

export interface SessionTokenClaims {
  exp?: number;
  iat?: number;
  jwk?: unknown;
  [claim: string]: unknown;
}

function decodePart(part: string, what: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw notAuthenticated(`Refused session-token keyId: the token's ${what} is not a base64url JSON object`);
}

export class SessionTokenResolver implements KeyResolver {
  readonly kind = "session token";
  private readonly issuers: KeyObject[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Accept tokens signed by this issuer key (a PEM public key, or a KeyObject). */
  trust(issuerPublicKey: string | KeyObject): void {
    this.issuers.push(typeof issuerPublicKey === "string" ? createPublicKey(issuerPublicKey) : issuerPublicKey);
  }

  get size(): number {
    return this.issuers.length;
  }

  handles(keyId: string): boolean {
    return keyId.startsWith(SESSION_TOKEN_PREFIX);
  }

  /** The session public key of a valid token; throws a 401 saying what is wrong with the token otherwise. */
  publicKey(keyId: string): KeyObject {
    const claims = this.verifiedClaims(keyId.slice(SESSION_TOKEN_PREFIX.length));
    let jwk = claims.jwk;
    if (typeof jwk === "string") {
      try {
        jwk = JSON.parse(jwk) as unknown;
      } catch {
        throw notAuthenticated("Refused session-token keyId: the token's jwk claim is not JSON");
      }
    }
    if (jwk === null || typeof jwk !== "object" || (jwk as { kty?: unknown }).kty !== "RSA") {
      throw notAuthenticated("Refused session-token keyId: the token has no jwk claim holding an RSA public key");
    }
    const { kty, n, e } = jwk as { kty: string; n?: unknown; e?: unknown };
    if (typeof n !== "string" || typeof e !== "string") throw notAuthenticated("Refused session-token keyId: the token's jwk lacks n or e");
    try {
      return createPublicKey({ key: { kty, n, e }, format: "jwk" });
    } catch {
      throw notAuthenticated("Refused session-token keyId: the token's jwk is not a valid RSA public key");
    }
  }

  /**
   * The caller a valid token stands for, in the `tenancy/principal/...` shape of API-key keyIds (the emulator records
   * the principal as a bucket's creator): `<res_tenant>/<sub>/session`. Never the token itself.
   */
  principal(keyId: string): string {
    const claims = this.verifiedClaims(keyId.slice(SESSION_TOKEN_PREFIX.length));
    return `${String(claims.res_tenant ?? "tenancy")}/${String(claims.sub ?? "resource")}/session`;
  }

  /** The claims of a token signed by a trusted issuer and not expired. */
  verifiedClaims(token: string): SessionTokenClaims {
    const parts = token.split(".");
    if (parts.length !== 3) throw notAuthenticated("Refused session-token keyId: the token is not a JWT (header.payload.signature)");
    const header = decodePart(parts[0], "header");
    if (header.alg !== "RS256") throw notAuthenticated(`Refused session-token keyId: the token's algorithm must be RS256, not ${String(header.alg)}`);
    const claims = decodePart(parts[1], "payload") as SessionTokenClaims;
    if (this.issuers.length === 0) throw notAuthenticated("Refused session-token keyId: this service trusts no session-token issuer");
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`, "ascii");
    const signature = Buffer.from(parts[2], "base64url");
    const verifies = (key: KeyObject) => {
      try {
        return verify("sha256", signed, key, signature);
      } catch {
        return false;
      }
    };
    if (!this.issuers.some(verifies)) {
      throw notAuthenticated("Refused session-token keyId: the token is not signed by a trusted issuer");
    }
    if (typeof claims.exp !== "number") throw notAuthenticated("Refused session-token keyId: the token has no exp claim");
    if (claims.exp * 1000 <= this.now()) throw notAuthenticated("Refused session-token keyId: the token has expired");
    return claims;
  }
}
