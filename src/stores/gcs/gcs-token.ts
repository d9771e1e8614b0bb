// Access tokens for the Cloud Storage JSON API, with no SDK: a service-account key's JWT (RS256, signed with
// node:crypto) exchanged at the key's token_uri (RFC 7523 JWT-bearer grant), an authorized-user file's refresh token,
// or the GCE metadata server's token. A token is cached until 5 minutes before it expires, and renewed at once when
// the API refuses it (`invalidate`). Tokens and private keys never appear in messages.
import { createSign } from "node:crypto";
import { readFile } from "node:fs/promises";
import { StoreAuthError, StoreTransientError, StoreUnreachableError, networkErrorCode } from "../errors.ts";

export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
export const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
/** Read-only is all a source needs. */
export const GCS_READ_SCOPE = "https://www.googleapis.com/auth/devstorage.read_only";
/** A token is renewed this long before Google says it expires. */
export const RENEW_BEFORE_MS = 5 * 60_000;
const METADATA_HOST = "metadata.google.internal";

/** The parts of a service-account JSON key the token exchange uses. */
export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

/** Parses a key file's JSON text; the message never quotes the text (it holds a private key). */
export function parseServiceAccountKey(text: string, field = "source.auth.key"): ServiceAccountKey {
  let key: Record<string, unknown>;
  try {
    key = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new StoreAuthError(`GCS: ${field} is not JSON; give the service account's JSON key file as Google Cloud's console downloads it`);
  }
  if (key === null || typeof key !== "object" || key.type !== "service_account" || typeof key.client_email !== "string" || typeof key.private_key !== "string") {
    throw new StoreAuthError(
      `GCS: ${field} is not a service-account key (a JSON object with "type": "service_account", "client_email" and "private_key"); check ${field}`,
    );
  }
  return key as unknown as ServiceAccountKey;
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

/** The signed JWT assertion for `key`: iss = client_email, aud = the token_uri, one hour. */
export function signAssertion(key: ServiceAccountKey, scope: string, nowSeconds: number): string {
  const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", ...(key.private_key_id ? { kid: key.private_key_id } : {}) }));
  const claims = b64url(
    JSON.stringify({ iss: key.client_email, scope, aud: key.token_uri ?? GOOGLE_TOKEN_URI, iat: nowSeconds, exp: nowSeconds + 3600 }),
  );
  const signer = createSign("RSA-SHA256");
  signer.update(`${header}.${claims}`);
  return `${header}.${claims}.${signer.sign(key.private_key).toString("base64url")}`;
}

export interface TokenSource {
  /** A token valid for at least a few minutes more. */
  token(signal?: AbortSignal): Promise<string>;
  /** Forgets the cached token (the API refused it): the next `token()` gets a new one. */
  invalidate(): void;
}

interface TokenAnswer {
  access_token?: string;
  expires_in?: number;
  error?: string;
  error_description?: string;
}

async function postForm(url: string, form: Record<string, string>, what: string, signal?: AbortSignal): Promise<TokenAnswer & { status: number }> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
      signal,
    });
  } catch (err) {
    const net = networkErrorCode(err);
    if (net !== undefined) {
      throw new StoreUnreachableError(`GCS token endpoint ${url}: cannot connect (${net}); check ${what} and that it is reachable`, { cause: err });
    }
    throw err;
  }
  const text = await response.text();
  let body: TokenAnswer = {};
  try {
    body = JSON.parse(text) as TokenAnswer;
  } catch {
    // Not JSON: the status says what happened.
  }
  return { ...body, status: response.status };
}

function answerToken(answer: TokenAnswer & { status: number }, url: string, what: string): { token: string; expiresAt: number } {
  if (answer.status === 200 && typeof answer.access_token === "string") {
    return { token: answer.access_token, expiresAt: Date.now() + (answer.expires_in ?? 3600) * 1000 };
  }
  const why = `${answer.status} ${answer.error ?? ""}${answer.error_description ? `: ${answer.error_description}` : ""}`.trim();
  if (answer.status === 429 || answer.status >= 500) {
    throw new StoreTransientError(`GCS token endpoint ${url}: busy or failing (${why}); try again later`);
  }
  throw new StoreAuthError(`GCS token endpoint ${url}: credentials refused (${why}); check ${what}`);
}

/** Caches one token until RENEW_BEFORE_MS before it expires; concurrent callers share one request. */
class CachedTokenSource implements TokenSource {
  private current?: { token: string; expiresAt: number };
  private pending?: Promise<{ token: string; expiresAt: number }>;
  constructor(private readonly fetchToken: (signal?: AbortSignal) => Promise<{ token: string; expiresAt: number }>) {}
  async token(signal?: AbortSignal): Promise<string> {
    if (this.current && this.current.expiresAt - RENEW_BEFORE_MS > Date.now()) return this.current.token;
    this.pending ??= this.fetchToken(signal).finally(() => {
      this.pending = undefined;
    });
    this.current = await this.pending;
    return this.current.token;
  }
  invalidate(): void {
    this.current = undefined;
  }
}

/** Tokens from a service-account key (its JSON text). */
export function serviceAccountTokens(keyText: string, field = "source.auth.key"): TokenSource {
  const key = parseServiceAccountKey(keyText, field);
  const uri = key.token_uri ?? GOOGLE_TOKEN_URI;
  return new CachedTokenSource(async (signal) => {
    const assertion = signAssertion(key, GCS_READ_SCOPE, Math.floor(Date.now() / 1000));
    return answerToken(await postForm(uri, { grant_type: JWT_BEARER_GRANT, assertion }, field, signal), uri, field);
  });
}

/**
 * The environment's application default credentials: the file GOOGLE_APPLICATION_CREDENTIALS names (a service-account
 * key, or an authorized-user file from `gcloud auth application-default login`), else the GCE metadata server's token
 * for the instance's service account (GCE_METADATA_HOST overrides its host). Only the key-file path is tested here.
 */
export function environmentTokens(env: NodeJS.ProcessEnv = process.env): TokenSource {
  const what = "source.auth (method environment: GOOGLE_APPLICATION_CREDENTIALS, or the instance's service account)";
  let inner: TokenSource | undefined;
  const resolve = async (): Promise<TokenSource> => {
    if (inner) return inner;
    const file = env.GOOGLE_APPLICATION_CREDENTIALS;
    if (file) {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (err) {
        throw new StoreAuthError(`GCS: cannot read the file GOOGLE_APPLICATION_CREDENTIALS names (${(err as NodeJS.ErrnoException).code ?? "error"}); check the variable`, { cause: err });
      }
      let parsed: Record<string, string>;
      try {
        parsed = JSON.parse(text) as Record<string, string>;
      } catch {
        throw new StoreAuthError("GCS: the file GOOGLE_APPLICATION_CREDENTIALS names is not JSON; check the variable");
      }
      if (parsed.type === "authorized_user") {
        const uri = parsed.token_uri ?? GOOGLE_TOKEN_URI;
        const form = { grant_type: "refresh_token", client_id: parsed.client_id, client_secret: parsed.client_secret, refresh_token: parsed.refresh_token };
        inner = new CachedTokenSource(async (signal) => answerToken(await postForm(uri, form, what, signal), uri, what));
      } else {
        inner = serviceAccountTokens(text, "GOOGLE_APPLICATION_CREDENTIALS");
      }
      return inner;
    }
    const host = env.GCE_METADATA_HOST ?? METADATA_HOST;
    const url = `http://${host}/computeMetadata/v1/instance/service-accounts/default/token`;
    inner = new CachedTokenSource(async (signal) => {
      let response: Response;
      try {
        response = await fetch(url, { headers: { "metadata-flavor": "Google" }, signal });
      } catch (err) {
        throw new StoreAuthError(
          `GCS: no credentials in the environment (GOOGLE_APPLICATION_CREDENTIALS is not set and the metadata server ${host} cannot be reached: ${networkErrorCode(err) ?? "error"}); set GOOGLE_APPLICATION_CREDENTIALS or use source.auth method serviceAccountKey`,
          { cause: err },
        );
      }
      const body = (await response.json().catch(() => ({}))) as TokenAnswer;
      return answerToken({ ...body, status: response.status }, url, what);
    });
    return inner;
  };
  return {
    async token(signal) {
      return (await resolve()).token(signal);
    },
    invalidate() {
      inner?.invalidate();
    },
  };
}
