// ADLS Gen2 lister: @azure/storage-file-datalake listPaths, recursive, up to 5,000 paths per page (the service
// maximum), following the continuation token to the end.
// Order: the service's. Real HNS accounts return each directory before its contents; the local gateway returns
// blob-name order. Neither is sorted by target name, so the planner sorts the source side itself.
import { ClientSecretCredential } from "@azure/identity";
import {
  AnonymousCredential,
  DataLakeServiceClient,
  type DataLakeFileSystemClient,
  StorageSharedKeyCredential,
} from "@azure/storage-file-datalake";
import {
  StoreAuthError,
  StoreError,
  StoreNotFoundError,
  StoreTransientError,
  StoreUnreachableError,
  networkErrorCode,
} from "../errors.ts";
import type { ListOptions, StoreEntry, StoreLister } from "../store.ts";

/** Azure credentials with their secrets already resolved (from env:/file:/vault: references). */
export type AdlsAuth =
  | { method: "key"; accountKey: string }
  | { method: "oauth"; tenantId: string; clientId: string; clientSecret: string; authorityHost?: string }
  | { method: "sas"; sasToken: string };

export interface AdlsLocation {
  accountName: string;
  fileSystem: string;
  /** Default https://<account>.dfs.core.windows.net; the local cloud's is http://127.0.0.1:PORT/devstoreaccount1. */
  endpoint?: string;
}

export const ADLS_MAX_PAGE = 5000;

export function adlsAccountUrl(location: AdlsLocation): string {
  return (location.endpoint ?? `https://${location.accountName}.dfs.core.windows.net`).replace(/\/+$/, "");
}

/** A file system client for the location, with the client's own retries kept short (the caller classifies). */
export function adlsFileSystemClient(location: AdlsLocation, auth: AdlsAuth): DataLakeFileSystemClient {
  const url = adlsAccountUrl(location);
  const options = { retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000 } };
  let service: DataLakeServiceClient;
  if (auth.method === "key") {
    service = new DataLakeServiceClient(url, new StorageSharedKeyCredential(location.accountName, auth.accountKey), options);
  } else if (auth.method === "oauth") {
    const credential = new ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret, {
      authorityHost: auth.authorityHost,
      disableInstanceDiscovery: auth.authorityHost !== undefined,
    });
    service = new DataLakeServiceClient(url, credential, options);
  } else {
    const sas = auth.sasToken.startsWith("?") ? auth.sasToken.slice(1) : auth.sasToken;
    service = new DataLakeServiceClient(`${url}?${sas}`, new AnonymousCredential(), options);
  }
  return service.getFileSystemClient(location.fileSystem);
}

/** Turns an Azure SDK error into a classified StoreError with a one-line message naming what to fix. */
export function classifyAdlsError(err: unknown, where: string): StoreError {
  const classified = classifyAdls(err, where);
  classified.side ??= "source";
  return classified;
}

function classifyAdls(err: unknown, where: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as { statusCode?: number; code?: string; details?: { errorCode?: string }; message?: string; name?: string };
  const status = e.statusCode;
  const code = e.details?.errorCode ?? e.code ?? "";
  const net = networkErrorCode(err);
  if (net !== undefined || (status === undefined && e.code === "REQUEST_SEND_ERROR")) {
    return new StoreUnreachableError(
      `${where}: cannot connect (${net ?? e.code}); check source.endpoint / the account name and that the service is reachable`,
      { cause: err },
    );
  }
  if (e.name === "AuthenticationError" || e.name === "CredentialUnavailableError") {
    return new StoreAuthError(
      `${where}: could not get an OAuth token (${firstLine(e.message)}); check source.auth tenantId, clientId and clientSecret`,
      { cause: err },
    );
  }
  if (status === 401 || status === 403) {
    return new StoreAuthError(
      `${where}: credentials refused (${status} ${code || "AuthenticationFailed"}); check source.auth (account key, SAS token or service principal and its role on the file system)`,
      { cause: err },
    );
  }
  if (status === 404) {
    return new StoreNotFoundError(
      `${where}: not found (${code || "404"}); check source.fileSystem and source.path`,
      { cause: err },
    );
  }
  if (status === 429 || (status !== undefined && status >= 500)) {
    return new StoreTransientError(`${where}: service busy or failing (${status} ${code}); try again later`, { cause: err });
  }
  return new StoreError(`${where}: ${status ?? ""} ${code} ${firstLine(e.message)}`.replace(/\s+/g, " "), "no-retry", {
    cause: err,
  });
}

function firstLine(s: string | undefined): string {
  return (s ?? "").split("\n")[0].slice(0, 300);
}

export class AdlsLister implements StoreLister {
  readonly description: string;
  private readonly fs: DataLakeFileSystemClient;

  constructor(location: AdlsLocation, auth: AdlsAuth) {
    this.description = `ADLS abfss://${location.fileSystem}@${location.accountName} (${adlsAccountUrl(location)})`;
    this.fs = adlsFileSystemClient(location, auth);
  }

  async *listPages(options: ListOptions = {}): AsyncIterable<StoreEntry[]> {
    const maxPageSize = Math.min(Math.max(1, options.pageSize ?? ADLS_MAX_PAGE), ADLS_MAX_PAGE);
    const path = (options.prefix ?? "").replace(/^\/+|\/+$/g, "");
    const pages = this.fs
      .listPaths({ recursive: true, path: path === "" ? undefined : path, abortSignal: options.signal })
      .byPage({ maxPageSize });
    try {
      for await (const page of pages) {
        const entries: StoreEntry[] = [];
        for (const p of page.pathItems ?? []) {
          if (p.name === undefined) continue;
          entries.push({
            name: p.name.replace(/^\/+/, ""),
            size: p.isDirectory ? 0 : (p.contentLength ?? 0),
            etag: p.etag,
            version: p.isDirectory === true ? undefined : p.etag,
            modified: (p.lastModified ?? new Date(0)).toISOString(),
            isDirectory: p.isDirectory === true,
          });
        }
        yield entries;
      }
    } catch (err) {
      throw classifyAdlsError(err, this.description);
    }
  }
}
