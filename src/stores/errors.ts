// Store errors, classified by what the caller should do: retry (transient: throttling, 5xx, network), fatal (the
// run cannot succeed until the user fixes something: credentials, a missing file system or bucket, an unreachable
// endpoint), no-retry (this one item failed for good). Messages are one line naming the store and what to fix.

export type ErrorAction = "retry" | "fatal" | "no-retry";

export class StoreError extends Error {
  readonly action: ErrorAction;
  constructor(message: string, action: ErrorAction, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "StoreError";
    this.action = action;
  }
}

/** Credentials refused (401/403) or not obtainable. */
export class StoreAuthError extends StoreError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, "fatal", options);
    this.name = "StoreAuthError";
  }
}

/** The container (ADLS file system, OCI bucket or namespace) does not exist. */
export class StoreNotFoundError extends StoreError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, "fatal", options);
    this.name = "StoreNotFoundError";
  }
}

/** No connection to the endpoint (refused, DNS, TLS, timeout) after the client's own retries. */
export class StoreUnreachableError extends StoreError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, "fatal", options);
    this.name = "StoreUnreachableError";
  }
}

/** Throttled (429/503) or a transient server fault (5xx): worth retrying with backoff. */
export class StoreTransientError extends StoreError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, "retry", options);
    this.name = "StoreTransientError";
  }
}

const networkCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/** The network error code (ECONNREFUSED, ...) somewhere in an error's cause chain, if any. */
export function networkErrorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 6 && e !== null && typeof e === "object"; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && networkCodes.has(code)) return code;
    const msg = (e as { message?: unknown }).message;
    if (typeof msg === "string") {
      for (const c of networkCodes) if (msg.includes(c)) return c;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
