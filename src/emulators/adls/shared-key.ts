import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Azure Storage SharedKey authorization (https://learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key),
 * written from the published rules, independently of any SDK: the gateway verifies what clients send
 * and signs what it sends to Azurite with it.
 */

/** A request as seen on the wire: lowercase header names, the raw path and query exactly as sent. */
export interface SignableRequest {
  method: string;
  /** Raw request path, percent-encoded as sent, e.g. `/devstoreaccount1/fs/a%20b`. */
  path: string;
  /** Raw query string without the leading `?` ("" when none). */
  query: string;
  headers: Record<string, string | undefined>;
}

const STANDARD_HEADERS = [
  "content-encoding",
  "content-language",
  "content-length",
  "content-md5",
  "content-type",
  "date",
  "if-modified-since",
  "if-match",
  "if-none-match",
  "if-unmodified-since",
  "range",
];

type HeaderOrder = "codepoint" | "hyphen-insensitive";

function codepointCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The service sorts x-ms- headers with .NET's culture-aware comparison, where `-` carries no weight at
 * the first level; the SDKs imitate it. For header names (a-z, 0-9, `-`) comparing without hyphens
 * first, then by code point, gives the same order.
 */
function hyphenInsensitiveCompare(a: string, b: string): number {
  return codepointCompare(a.replaceAll("-", ""), b.replaceAll("-", "")) || codepointCompare(a, b);
}

function canonicalizedHeaders(headers: SignableRequest["headers"], order: HeaderOrder): string {
  const names = Object.keys(headers)
    .filter((name) => name.startsWith("x-ms-") && headers[name] !== undefined)
    .sort(order === "codepoint" ? codepointCompare : hyphenInsensitiveCompare);
  let out = "";
  for (const name of names) {
    // The SDKs sign values as sent (trimmed, inner whitespace kept); so does this.
    const value = (headers[name] ?? "").trim();
    out += `${name}:${value}\n`;
  }
  return out;
}

function decodeQueryComponent(value: string): string {
  const spaced = value.replace(/\+/g, "%20");
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Query parameters as name (lowercase) -> decoded values, in the order they came. */
export function parseQuery(query: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  if (!query) return params;
  for (const part of query.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const name = decodeQueryComponent(eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? "" : decodeQueryComponent(part.slice(eq + 1));
    const values = params.get(name);
    if (values) values.push(value);
    else params.set(name, [value]);
  }
  return params;
}

function canonicalizedResource(account: string, request: SignableRequest, keepEmptyValues: boolean): string {
  let out = `/${account}${request.path || "/"}`;
  const params = parseQuery(request.query);
  for (const name of [...params.keys()].sort()) {
    const values = params.get(name)!.filter((value) => keepEmptyValues || value !== "");
    if (values.length === 0) continue;
    out += `\n${name}:${values.sort().join(",")}`;
  }
  return out;
}

function standardHeaderLines(request: SignableRequest): string {
  return STANDARD_HEADERS.map((name) => {
    const value = request.headers[name] ?? "";
    // Since version 2015-02-21 a zero Content-Length is signed as an empty string.
    if (name === "content-length" && value === "0") return "";
    return value;
  }).join("\n");
}

/** The string to sign; `variant` picks among readings of the spec that SDKs differ on. */
export function sharedKeyStringToSign(
  account: string,
  request: SignableRequest,
  variant: { headerOrder: HeaderOrder; keepEmptyQueryValues: boolean } = { headerOrder: "hyphen-insensitive", keepEmptyQueryValues: false },
): string {
  return (
    `${request.method.toUpperCase()}\n${standardHeaderLines(request)}\n` +
    canonicalizedHeaders(request.headers, variant.headerOrder) +
    canonicalizedResource(account, request, variant.keepEmptyQueryValues)
  );
}

export function hmacSha256Base64(accountKey: string, text: string): string {
  return createHmac("sha256", Buffer.from(accountKey, "base64")).update(text, "utf8").digest("base64");
}

/** The Authorization header value for `request` signed with the account key. */
export function signSharedKey(account: string, accountKey: string, request: SignableRequest): string {
  return `SharedKey ${account}:${hmacSha256Base64(accountKey, sharedKeyStringToSign(account, request))}`;
}

export type SharedKeyCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks an `Authorization: SharedKey account:signature` header. SDKs differ in small ways the spec
 * leaves open (the order of x-ms- headers, whether a query parameter with an empty value is signed),
 * so every reading is tried; anything else must match exactly.
 */
export function verifySharedKey(account: string, accountKey: string, request: SignableRequest, authorization: string): SharedKeyCheck {
  const match = /^SharedKey ([^:\s]+):(\S+)$/.exec(authorization.trim());
  if (!match) return { ok: false, reason: "the Authorization header is not of the form 'SharedKey account:signature'" };
  if (match[1] !== account) return { ok: false, reason: `the Authorization header names account '${match[1]}', this emulator serves '${account}'` };
  const given = Buffer.from(match[2], "utf8");
  const tried = new Set<string>();
  for (const headerOrder of ["hyphen-insensitive", "codepoint"] as const) {
    for (const keepEmptyQueryValues of [false, true]) {
      const text = sharedKeyStringToSign(account, request, { headerOrder, keepEmptyQueryValues });
      if (tried.has(text)) continue;
      tried.add(text);
      const expected = Buffer.from(hmacSha256Base64(accountKey, text), "utf8");
      if (expected.length === given.length && timingSafeEqual(expected, given)) return { ok: true };
    }
  }
  return { ok: false, reason: "the signature does not match the request signed with the account key" };
}
