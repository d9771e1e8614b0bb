// Opens the source and target stores a validated config names: secrets resolved from their references, relative
// paths against the config file's directory, the OCI namespace looked up when the config leaves it out.
import type { ObjectStorageClient } from "oci-objectstorage";
import { type Lake2ociConfig, nodeSecretIo, resolveSecret } from "../config/index.ts";
import { ociConfigFile, ociConfigSection } from "../config/store-settings.ts";
import { homedir } from "node:os";
import { resolveLocalPath } from "../config/local-path.ts";
import { type AdlsAuth, AdlsLister } from "./adls/adls-lister.ts";
import { GcsLister } from "./gcs/gcs-lister.ts";
import { HdfsLister } from "./hdfs/hdfs-lister.ts";
import { LocalLister } from "./local/local-lister.ts";
import { type S3Keys, S3Lister } from "./s3/s3-lister.ts";
import type { StoreLister } from "./store.ts";
import { StoreAuthError } from "./errors.ts";
import { ociNamespace, ociObjectStorageClient } from "./oci/oci-client.ts";
import { OciLister } from "./oci/oci-lister.ts";

export async function resolveAdlsAuth(config: Lake2ociConfig, baseDir: string): Promise<AdlsAuth> {
  const io = nodeSecretIo(baseDir);
  if (config.source.type !== "adls") throw new Error(`resolveAdlsAuth: source.type is ${config.source.type}`);
  const a = config.source.auth;
  if (a.method === "key") return { method: "key", accountKey: await resolveSecret(a.accountKey, io, "source.auth.accountKey") };
  if (a.method === "sas") return { method: "sas", sasToken: await resolveSecret(a.sasToken, io, "source.auth.sasToken") };
  return {
    method: "oauth",
    tenantId: a.tenantId,
    clientId: a.clientId,
    clientSecret: await resolveSecret(a.clientSecret, io, "source.auth.clientSecret"),
    authorityHost: a.authorityHost,
  };
}

/** What the source's lister lists: ADLS under source.path (names from the file system's root); S3, GCS, HDFS and
 * local from their root (source.prefix, source.path), names relative to it. */
export function sourceListPrefix(config: Lake2ociConfig): string {
  return config.source.type === "adls" ? (config.source.path ?? "") : "";
}

/** The source as the plan header's meta names it (contract C3). */
export function sourceMeta(config: Lake2ociConfig, baseDir: string): Record<string, unknown> {
  const s = config.source;
  if (s.type === "adls") return { type: s.type, account: s.accountName, fileSystem: s.fileSystem, path: s.path ?? "" };
  if (s.type === "s3") return { type: s.type, bucket: s.bucket, prefix: s.prefix ?? "", endpoint: s.endpoint ?? null };
  if (s.type === "gcs") return { type: s.type, bucket: s.bucket, prefix: s.prefix ?? "", endpoint: s.endpoint ?? null };
  if (s.type === "hdfs") return { type: s.type, nameNode: s.nameNode, webhdfs: s.webhdfs, path: s.path, user: s.user ?? null };
  return { type: s.type, path: resolveLocalPath(s.path, baseDir, homedir()) };
}

export async function openSource(config: Lake2ociConfig, baseDir: string): Promise<StoreLister> {
  const s = config.source;
  if (s.type === "local") return new LocalLister({ path: resolveLocalPath(s.path, baseDir, homedir()) });
  if (s.type === "s3") {
    const io = nodeSecretIo(baseDir);
    const a = s.auth;
    let keys: S3Keys | undefined;
    if (a.method === "keys") {
      keys = {
        accessKeyId: a.accessKeyId,
        secretAccessKey: await resolveSecret(a.secretAccessKey, io, "source.auth.secretAccessKey"),
      };
      if (a.sessionToken !== undefined) keys.sessionToken = await resolveSecret(a.sessionToken, io, "source.auth.sessionToken");
    }
    const profile = a.method === "environment" ? a.profile : undefined;
    return new S3Lister({ bucket: s.bucket, region: s.region, prefix: s.prefix, endpoint: s.endpoint, pathStyle: s.pathStyle, profile }, keys);
  }
  if (s.type === "gcs") {
    const auth =
      s.auth.method === "serviceAccountKey"
        ? { method: "serviceAccountKey" as const, key: await resolveSecret(s.auth.key, nodeSecretIo(baseDir), "source.auth.key") }
        : { method: "environment" as const };
    return new GcsLister({ bucket: s.bucket, prefix: s.prefix, endpoint: s.endpoint }, auth);
  }
  // `lake2oci plan` lists HDFS over WebHDFS; the job reads over RPC (source.nameNode).
  if (s.type === "hdfs") return new HdfsLister({ nameNode: s.webhdfs, path: s.path, user: s.user });
  return new AdlsLister(
    { accountName: s.accountName, fileSystem: s.fileSystem, endpoint: s.endpoint },
    await resolveAdlsAuth(config, baseDir),
  );
}

export interface OpenTarget {
  client: ObjectStorageClient;
  namespace: string;
  lister: OciLister;
}

/** The OCI side from this machine: always through an OCI config file (a DATAFLOW config's, or ~/.oci/config). */
export async function openTarget(config: Lake2ociConfig, baseDir: string): Promise<OpenTarget> {
  const t = config.target;
  // The same file and section the job reads (src/config/store-settings.ts).
  const resolved = ociConfigFile(config, baseDir);
  const profile = ociConfigSection(config);
  let client: ObjectStorageClient;
  try {
    client = ociObjectStorageClient({ configFile: resolved, profile, endpoint: t.endpoint, region: t.region });
  } catch (err) {
    if (err instanceof StoreAuthError && t.configFile === undefined) {
      throw new StoreAuthError(
        `${err.message} (profile ${t.profile} sets no target.configFile; this command runs here, not on Data Flow, so it reads ~/.oci/config)`,
        { cause: err },
      );
    }
    throw err;
  }
  const namespace = t.namespace ?? (await ociNamespace(client, `OCI Object Storage (${client.endpoint})`));
  return { client, namespace, lister: new OciLister(client, { namespace, bucket: t.bucket }) };
}
