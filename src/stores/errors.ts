// Store errors, classified by what the caller should do: retry (transient: throttling, 5xx, network), fatal (the
// run cannot succeed until the user fixes something: credentials, a missing file system or bucket, an unreachable
// endpoint), no-retry (this one item failed for good). Messages are one line naming the store and what to fix.

import type { NetworkFailure, StoreProblemKind } from "../core/store-problem.ts";

export type ErrorAction = "retry" | "fatal" | "no-retry";

export class StoreError extends Error {
  readonly action: ErrorAction;
  /** The store that answered (set by classifyAdlsError / classifyOciError). */
  side?: "source" | "target";
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

/** The container (ADLS file system, OCI or S3 bucket, OCI namespace, local directory) does not exist. */
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

/** The file is no longer the version the caller planned on (changed, or gone): this one item must be planned again. */
export class StoreVersionChangedError extends StoreError {
  readonly storeName: string;
  readonly expected: string;
  /** The version found, or null when the file is gone. */
  readonly found: string | null;
  constructor(message: string, detail: { name: string; expected: string; found: string | null }, options: { cause?: unknown } = {}) {
    super(message, "no-retry", options);
    this.name = "StoreVersionChangedError";
    this.storeName = detail.name;
    this.expected = detail.expected;
    this.found = detail.found;
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

/** How a network error code fails, in the words the core's store problems use (the job classifies the same way). */
export function networkFailure(code: string | undefined): NetworkFailure {
  if (code === undefined) return "";
  if (code === "ECONNREFUSED") return "refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "dns";
  if (code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT") return "timeout";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "reset";
  return "other";
}

/** What the core needs of a store error to word it (src/core/store-problem.ts); the caller adds the names. */
export interface StoreProblemFacts {
  kind: StoreProblemKind;
  side: "source" | "target";
  status: number | null;
  code: string;
  network: NetworkFailure;
}

/**
 * The store problem a StoreError is (a missing bucket, namespace, file system or path; an unreachable endpoint; refused
 * credentials), or null: transient and other errors, and problems met before any request (a missing OCI config file),
 * which keep their own message.
 */
export function storeProblemFacts(err: StoreError): StoreProblemFacts | null {
  if (err.side === undefined) return null;
  const cause = (err.cause ?? {}) as {
    statusCode?: number;
    serviceCode?: string;
    code?: string;
    name?: string;
    details?: { errorCode?: string };
  };
  const status = typeof cause.statusCode === "number" && cause.statusCode > 0 ? cause.statusCode : null;
  const code = (err.side === "target" ? cause.serviceCode : (cause.details?.errorCode ?? cause.code)) ?? "";
  const facts = { side: err.side, status, code: status === null ? "" : code, network: "" as NetworkFailure };
  if (err instanceof StoreUnreachableError) {
    const net = networkFailure(networkErrorCode(err));
    return { ...facts, kind: "unreachable", status: null, code: "", network: net === "" ? "other" : net };
  }
  if (err instanceof StoreAuthError) {
    if (status === 401 || status === 403) return { ...facts, kind: "auth-refused" };
    // An OAuth token refused (azure-identity); the job's Python SDK names it ClientAuthenticationError.
    if (cause.name === "AuthenticationError") return { ...facts, kind: "auth-refused", code: "ClientAuthenticationError" };
    return null;
  }
  if (err instanceof StoreNotFoundError && status === 404) {
    if (err.side === "source") return { ...facts, kind: code === "PathNotFound" ? "path-not-found" : "file-system-not-found" };
    return { ...facts, kind: code === "NamespaceNotFound" ? "namespace-not-found" : "bucket-not-found" };
  }
  return null;
}
