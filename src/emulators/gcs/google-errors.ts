// The error bodies Google answers with, written from its published shapes (not from any client library):
//   OAuth2 token endpoint: 400 {"error": "invalid_grant", "error_description": "..."}
//   Cloud Storage JSON API: {"error": {"code": N, "message": "...", "errors": [{"message", "domain", "reason", ...}]}}
import type http from "node:http";

/** A refusal of the OAuth2 token endpoint (RFC 6749 section 5.2 body, Google's descriptions). */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }
}

/** One entry of a JSON API error's `errors` list. */
export interface ApiErrorItem {
  message: string;
  domain: string;
  reason: string;
  locationType?: string;
  location?: string;
}

export function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=UTF-8",
    "content-length": String(Buffer.byteLength(text)),
    "cache-control": "no-cache, no-store, max-age=0, must-revalidate",
    pragma: "no-cache",
    ...headers,
  });
  response.end(text);
}

export function sendOAuthError(response: http.ServerResponse, e: OAuthError): void {
  sendJson(response, e.status, { error: e.error, error_description: e.description });
}

/** The JSON API's error document: the first item's message is the top-level message, as Google answers. */
export function sendApiError(response: http.ServerResponse, status: number, items: ApiErrorItem[], headers: Record<string, string> = {}): void {
  sendJson(response, status, { error: { code: status, message: items[0]?.message ?? "", errors: items } }, headers);
}

/** Google's challenge on a 401 from a googleapis.com API. */
export const BEARER_CHALLENGE = { "www-authenticate": 'Bearer realm="https://accounts.google.com/"' };

/** 401 for a request with an Authorization header that is not a valid, unexpired access token. */
export function invalidCredentials(): ApiErrorItem {
  return { message: "Invalid Credentials", domain: "global", reason: "authError", locationType: "header", location: "Authorization" };
}

/**
 * 401 for a request without credentials. Google names the permission the anonymous caller lacked and the kind of
 * resource; `permission` is e.g. "storage.objects.get", `resource` "object" or "bucket"; unknown calls get the
 * generic "Login Required." of the JSON API's documentation.
 */
export function loginRequired(check?: { permission: string; resource: string }): ApiErrorItem {
  const message = check
    ? `Anonymous caller does not have ${check.permission} access to the Google Cloud Storage ${check.resource}. ` +
      `Permission '${check.permission}' denied on resource (or it may not exist).`
    : "Login Required.";
  return { message, domain: "global", reason: "required", locationType: "header", location: "Authorization" };
}

export function notFound(message = "Not Found"): ApiErrorItem {
  return { message, domain: "global", reason: "notFound" };
}
