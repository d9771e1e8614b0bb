// Store problems: one line for each problem with a store that the person running lake2oci must fix (a missing bucket,
// namespace, file system or path; an endpoint that cannot be reached; credentials refused), the same words in
// `lake2oci plan` (TypeScript) and in the job (its Python translation). Each language classifies its SDK's error into
// a StoreProblemInfo (kind, side, status/code or the network failure) and this file words it:
//   lake2oci: <what failed, naming the bucket / file system / path / endpoint>: <detail>; fix <config field> (<job parameter>)
// Shared cases: test/vectors/store-problems.json.
import { quoteName } from "./quote-name.ts";

export type StoreProblemKind =
  | "bucket-not-found"
  | "namespace-not-found"
  | "file-system-not-found"
  | "path-not-found"
  | "unreachable"
  | "auth-refused";

/** Which store: the ADLS source, the OCI target, or the bucket of the migration log (a LOCAL log is a file). */
export type StoreSide = "source" | "target" | "log";

/** How a connection failed, as each language's classifier names it ("" when the failure was an HTTP answer). */
export type NetworkFailure = "" | "refused" | "dns" | "timeout" | "reset" | "tls" | "other";

export interface StoreProblemInfo {
  kind: StoreProblemKind;
  side: StoreSide;
  /** ADLS: the storage account, file system and directory (source.path; "" = the file system root). */
  account: string;
  fileSystem: string;
  path: string;
  /** The endpoint the client talked to (URL without credentials); "" when unknown. */
  endpoint: string;
  /** The endpoint came from the config (source.endpoint / target.endpoint) rather than the account or region. */
  endpointSet: boolean;
  /** OCI: the namespace ("" when not known yet) and the bucket (the log's bucket for side "log"). */
  namespace: string;
  bucket: string;
  /** source: the auth method (key, sas, oauth); target and log: the profile (LOCAL, DATAFLOW). */
  auth: string;
  /** The HTTP status of the answer, null when there was none (a network failure, an SDK auth error). */
  status: number | null;
  /** The service's error code (BucketNotFound, PathNotFound, AuthenticationFailed...) or the SDK error's name. */
  code: string;
  network: NetworkFailure;
}

/** A StoreProblemInfo with every field empty but kind and side, for callers to fill in. */
export function storeProblemInfo(kind: StoreProblemKind, side: StoreSide): StoreProblemInfo {
  return {
    kind: kind,
    side: side,
    account: "",
    fileSystem: "",
    path: "",
    endpoint: "",
    endpointSet: false,
    namespace: "",
    bucket: "",
    auth: "",
    status: null,
    code: "",
    network: "",
  };
}

function networkWords(network: NetworkFailure): string {
  if (network === "refused") {
    return "connection refused";
  }
  if (network === "dns") {
    return "host name not found";
  }
  if (network === "timeout") {
    return "timed out";
  }
  if (network === "reset") {
    return "connection reset";
  }
  if (network === "tls") {
    return "TLS handshake failed";
  }
  return "cannot connect";
}

/** The detail after the colon: the HTTP status and code, else the network failure, else the code, else "refused". */
export function storeProblemDetail(p: StoreProblemInfo): string {
  if (p.status !== null) {
    return p.code === "" ? `HTTP ${p.status}` : `HTTP ${p.status} ${p.code}`;
  }
  if (p.network !== "") {
    return networkWords(p.network);
  }
  if (p.code !== "") {
    return p.code;
  }
  return "refused";
}

function inNamespace(p: StoreProblemInfo): string {
  return p.namespace === "" ? "" : ` in namespace ${quoteName(p.namespace)}`;
}

function at(p: StoreProblemInfo): string {
  return p.endpoint === "" ? "" : ` at ${p.endpoint}`;
}

/** What failed, naming the store's bucket / file system / path / endpoint. */
export function storeProblemWhat(p: StoreProblemInfo): string {
  const adls = `ADLS account ${quoteName(p.account)}`;
  if (p.kind === "bucket-not-found") {
    const which = p.side === "log" ? "OCI bucket of the migration log" : "OCI bucket";
    return `${which} ${quoteName(p.bucket)}${inNamespace(p)} not found`;
  }
  if (p.kind === "namespace-not-found") {
    return `OCI namespace ${quoteName(p.namespace)} not found`;
  }
  if (p.kind === "file-system-not-found") {
    return `ADLS file system ${quoteName(p.fileSystem)} not found in account ${quoteName(p.account)}`;
  }
  if (p.kind === "path-not-found") {
    return `ADLS path ${quoteName(p.path)} not found in file system ${quoteName(p.fileSystem)} of account ${quoteName(p.account)}`;
  }
  if (p.kind === "unreachable") {
    if (p.side === "source") {
      return `${adls}${at(p)} unreachable`;
    }
    return `OCI Object Storage${at(p)} unreachable`;
  }
  if (p.side === "source") {
    return `${adls}${at(p)} refused the credentials (file system ${quoteName(p.fileSystem)})`;
  }
  const which = p.side === "log" ? "the migration log's bucket" : "bucket";
  return `OCI Object Storage${at(p)} refused the credentials (${which} ${quoteName(p.bucket)}${inNamespace(p)})`;
}

/** The config field and job parameter to fix: `<field> (<parameter>)`. */
export function storeProblemFix(p: StoreProblemInfo): string {
  if (p.kind === "bucket-not-found") {
    return p.side === "log" ? "log.bucket (--log-bucket)" : "target.bucket (--target-bucket)";
  }
  if (p.kind === "namespace-not-found") {
    return "target.namespace (--target-namespace)";
  }
  if (p.kind === "file-system-not-found") {
    return "source.fileSystem (--source-file-system)";
  }
  if (p.kind === "path-not-found") {
    return "source.path (--source-path)";
  }
  if (p.kind === "unreachable") {
    if (p.side === "source") {
      return p.endpointSet ? "source.endpoint (--source-endpoint)" : "source.accountName (--source-account)";
    }
    return p.endpointSet ? "target.endpoint (--target-endpoint)" : "target.region (--target-region)";
  }
  if (p.side === "source") {
    if (p.auth === "sas") {
      return "source.auth.sasToken (--source-sas-token)";
    }
    if (p.auth === "oauth") {
      return "source.auth.tenantId, clientId, clientSecret (--source-tenant-id, --source-client-id, --source-client-secret)";
    }
    return "source.auth.accountKey (--source-account-key)";
  }
  if (p.auth === "DATAFLOW") {
    return "the Data Flow run's policies, or target.configFile and target.configProfile (--target-config-file, --target-config-profile)";
  }
  return "target.configFile and target.configProfile, the user, fingerprint and key_file there (--target-config-file, --target-config-profile)";
}

/** The one line for a store problem. */
export function storeProblemMessage(p: StoreProblemInfo): string {
  return `lake2oci: ${storeProblemWhat(p)}: ${storeProblemDetail(p)}; fix ${storeProblemFix(p)}`;
}
