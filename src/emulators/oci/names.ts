// Names as the emulator sees them: decoding the raw path segments and query values of a request, validating bucket
// and object names, and ordering object names. Written independently of the client side on purpose (an emulator that
// shared the client's encoding would agree with its bugs).
import { invalidParameter, OciServiceError } from "./errors.ts";

/**
 * Orders two names by the bytes of their UTF-8 encoding, which is code point order. JavaScript's `<` compares UTF-16
 * code units instead, which disagrees for characters above U+FFFF against U+E000..U+FFFF; this maps the units so the
 * comparison is by code point without encoding either string.
 */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800..DFFF) encode code points >= 0x10000: move them above E000..FFFF.
    if (x >= 0xd800) x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
    if (y >= 0xd800) y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    return x - y;
  }
  return a.length - b.length;
}

/** Index of the first element of `sorted` that is >= `name` (or > `name` when `after`). */
export function lowerBound(sorted: readonly string[], name: string, after = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareNames(sorted[mid], name);
    if (c < 0 || (after && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Decodes a percent-encoded path part into a name. The SDKs encode `/` as %2F; older Python SDKs (before 2.168.3)
 * sent `/` raw, which simply stays `/`. `+` is a literal plus in a path (only query strings use it for space).
 */
export function decodePathPart(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new OciServiceError(400, "InvalidParameter", `The ${what} in the request path is not valid percent-encoded UTF-8: '${raw}'`);
  }
}

/**
 * Parses a raw query string the way a form decoder does (`+` is a space, %XX decoded). The TypeScript SDK does not
 * encode query values at all, so a name with `+`, `&` or `#` in `prefix`/`start` reaches the real service mangled
 * too; the emulator reproduces that rather than guessing what the client meant.
 */
export function parseQuery(raw: string): URLSearchParams {
  return new URLSearchParams(raw);
}

const BUCKET_NAME = /^[A-Za-z0-9._-]{1,256}$/;

export function validateBucketName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0) {
    throw new OciServiceError(400, "MissingParameter", "The bucket 'name' is required");
  }
  if (!BUCKET_NAME.test(name)) {
    throw new OciServiceError(
      400,
      "InvalidBucketName",
      `The bucket name '${name}' is not valid: use 1 to 256 letters, numbers, dashes, underscores and periods`,
    );
  }
  return name;
}

/** Object names: 1..1024 bytes of UTF-8, no NUL, CR or LF (OCI's documented limits). */
export function validateObjectName(name: string): string {
  if (name.length === 0) throw new OciServiceError(400, "InvalidObjectName", "The object name must not be empty");
  if (Buffer.byteLength(name, "utf8") > 1024) {
    throw new OciServiceError(400, "InvalidObjectName", "The object name is longer than 1024 bytes of UTF-8");
  }
  if (/[\0\r\n]/.test(name)) {
    throw new OciServiceError(400, "InvalidObjectName", "The object name must not contain NUL, carriage return or line feed");
  }
  if (/[\ud800-\udfff]/u.test(name)) {
    throw new OciServiceError(400, "InvalidObjectName", "The object name is not valid UTF-8 (lone surrogate)");
  }
  return name;
}

/** Reads a positive integer query parameter; absent -> undefined; anything else -> 400 naming the parameter. */
export function integerParam(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw)) throw invalidParameter(`The '${name}' query parameter must be an integer, got '${raw}'`);
  const n = Number(raw);
  if (n < min || n > max) throw invalidParameter(`The '${name}' query parameter must be between ${min} and ${max}, got ${n}`);
  return n;
}
