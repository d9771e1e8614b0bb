// The local Google OAuth2 token endpoint's logic: the JWT-bearer grant (RFC 7523) that google-auth libraries use with
// a service-account key. The client posts grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer and assertion=<JWT>,
// the JWT signed RS256 with the account's private key: header {alg, typ, kid = private_key_id}, claims {iss =
// client_email, scope, aud = Google's token URL (or token_uri), iat, exp <= iat + 3600}. The endpoint checks the signature against the public
// key of the account it issued, then iss/aud/iat/exp and the scope, and answers an opaque access token, as Google does
// (tokens are random, kept in memory with their expiry and scopes; they are never logged).
import { randomBytes, verify } from "node:crypto";
import { OAuthError } from "./google-errors.ts";
import type { ServiceAccount } from "./service-account.ts";

export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/** Google's limit on an assertion's lifetime (exp - iat). */
const MAX_ASSERTION_SECONDS = 3600;
const CLOCK_SKEW_SECONDS = 300;
/**
 * Audiences Google's token endpoint accepts. google-auth (Python) always signs aud = oauth2.googleapis.com/token,
 * whatever the key file's token_uri says; the local endpoint also accepts its own URL.
 */
export const GOOGLE_TOKEN_AUDIENCES = [
  "https://oauth2.googleapis.com/token",
  "https://www.googleapis.com/oauth2/v4/token",
  "https://accounts.google.com/o/oauth2/token",
];

const SHORT_LIVED =
  "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.";

/** What an issued access token grants. */
export interface TokenGrant {
  clientEmail: string;
  scopes: string[];
  /** Unix seconds. */
  expiresAt: number;
}

export interface TokenService {
  /** Answers a token request's form; throws OAuthError with Google's error and description when it refuses. */
  exchange(form: URLSearchParams): { access_token: string; expires_in: number; token_type: "Bearer" };
  /** The grant of a token this service issued and that has not expired; undefined otherwise. */
  check(accessToken: string): TokenGrant | undefined;
  /** Makes every token issued so far expire now (for tests of expiry). */
  expireAll(): void;
}

function decodeSegment(segment: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw new Error("not base64url");
  const value = JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as unknown;
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error("not a JSON object");
  return value as Record<string, unknown>;
}

export function createTokenService(options: {
  accounts: ServiceAccount[];
  /** The token_uri written in the key files: an audience accepted besides Google's (GOOGLE_TOKEN_AUDIENCES). */
  tokenUri: string;
  /** Seconds an access token lives; default 3599 (Google answers expires_in 3599). */
  lifetimeSeconds?: number;
  now?: () => number;
}): TokenService {
  const lifetime = options.lifetimeSeconds ?? 3599;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const tokens = new Map<string, TokenGrant>();

  function verifyAssertion(assertion: string): { account: ServiceAccount; scopes: string[] } {
    const parts = assertion.split(".");
    if (parts.length !== 3) throw new OAuthError(400, "invalid_grant", "Invalid JWT: the assertion is not a signed JWT (three base64url parts).");
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = decodeSegment(parts[0]);
      claims = decodeSegment(parts[1]);
    } catch {
      throw new OAuthError(400, "invalid_grant", "Invalid JWT: the header or claims are not base64url-encoded JSON.");
    }
    const account = options.accounts.find((a) => a.clientEmail === claims.iss);
    if (!account) throw new OAuthError(400, "invalid_grant", "Invalid grant: account not found");
    // Google picks the key by kid; an assertion without kid is checked against the account's key all the same.
    const signedWithKnownKey = header.kid === undefined || header.kid === account.privateKeyId;
    const signatureOk =
      header.alg === "RS256" &&
      signedWithKnownKey &&
      /^[A-Za-z0-9_-]+$/.test(parts[2]) &&
      verify("sha256", Buffer.from(`${parts[0]}.${parts[1]}`), account.publicKey, Buffer.from(parts[2], "base64url"));
    if (!signatureOk) throw new OAuthError(400, "invalid_grant", "Invalid JWT Signature.");
    const t = now();
    const { iat, exp } = claims;
    if (typeof iat !== "number" || typeof exp !== "number" || exp <= iat || exp - iat > MAX_ASSERTION_SECONDS) {
      throw new OAuthError(400, "invalid_grant", SHORT_LIVED);
    }
    if (iat > t + CLOCK_SKEW_SECONDS || exp < t - CLOCK_SKEW_SECONDS) throw new OAuthError(400, "invalid_grant", SHORT_LIVED);
    if (typeof claims.aud !== "string" || !(claims.aud === options.tokenUri || GOOGLE_TOKEN_AUDIENCES.includes(claims.aud))) {
      throw new OAuthError(400, "invalid_grant", `Invalid JWT: Failed audience check. The right audience is ${GOOGLE_TOKEN_AUDIENCES[0]}`);
    }
    const scopes = typeof claims.scope === "string" ? claims.scope.split(/\s+/).filter((s) => s !== "") : [];
    if (scopes.length === 0) throw new OAuthError(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
    return { account, scopes };
  }

  return {
    exchange(form) {
      const grant = form.get("grant_type");
      if (grant !== JWT_BEARER_GRANT) throw new OAuthError(400, "unsupported_grant_type", `Invalid grant_type: ${grant ?? ""}`);
      const assertion = form.get("assertion");
      if (!assertion) throw new OAuthError(400, "invalid_request", "Missing required parameter: assertion");
      const { account, scopes } = verifyAssertion(assertion);
      const t = now();
      for (const [token, g] of tokens) if (g.expiresAt <= t) tokens.delete(token);
      const accessToken = `ya29.local.${randomBytes(48).toString("base64url")}`;
      tokens.set(accessToken, { clientEmail: account.clientEmail, scopes, expiresAt: t + lifetime });
      return { access_token: accessToken, expires_in: lifetime, token_type: "Bearer" };
    },
    check(accessToken) {
      const grant = tokens.get(accessToken);
      if (!grant) return undefined;
      if (grant.expiresAt <= now()) {
        tokens.delete(accessToken);
        return undefined;
      }
      return grant;
    },
    expireAll() {
      const t = now();
      for (const g of tokens.values()) g.expiresAt = Math.min(g.expiresAt, t);
    },
  };
}
