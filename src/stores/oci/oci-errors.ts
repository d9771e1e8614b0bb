// Maps oci-objectstorage errors (OciError: statusCode, serviceCode) and network failures to StoreErrors.
import {
  StoreAuthError,
  StoreError,
  StoreNotFoundError,
  StoreTransientError,
  StoreUnreachableError,
  networkErrorCode,
} from "../errors.ts";

export function classifyOciError(err: unknown, where: string): StoreError {
  const classified = classify(err, where);
  classified.side ??= "target";
  return classified;
}

function classify(err: unknown, where: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as { statusCode?: number; serviceCode?: string; message?: string };
  const status = e.statusCode;
  const code = e.serviceCode ?? "";
  const net = networkErrorCode(err);
  if (net !== undefined || status === -1 || (status === undefined && /fetch failed/i.test(e.message ?? ""))) {
    return new StoreUnreachableError(
      `${where}: cannot connect (${net ?? "fetch failed"}); check target.endpoint / target.region and that the service is reachable`,
      { cause: err },
    );
  }
  if (status === 401 || status === 403) {
    return new StoreAuthError(
      `${where}: request refused (${status} ${code}); check the OCI config file profile (user, fingerprint, key_file) and the policies on the bucket`,
      { cause: err },
    );
  }
  if (status === 404) {
    const what = code === "NamespaceNotFound" ? "target.namespace" : "target.bucket (and target.namespace)";
    return new StoreNotFoundError(`${where}: not found (${code || "404"}); check ${what}`, { cause: err });
  }
  if (status === 429 || (status !== undefined && status >= 500)) {
    return new StoreTransientError(`${where}: service busy or failing (${status} ${code}); try again later`, { cause: err });
  }
  const msg = (e.message ?? "").split("\n")[0].slice(0, 300);
  return new StoreError(`${where}: ${status ?? ""} ${code} ${msg}`.replace(/\s+/g, " ").trim(), "no-retry", { cause: err });
}
