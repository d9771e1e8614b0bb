// Opens the source and target stores a validated config names: secrets resolved from their references, relative
// paths against the config file's directory, the OCI namespace looked up when the config leaves it out.
import type { ObjectStorageClient } from "oci-objectstorage";
import { type Lake2ociConfig, nodeSecretIo, resolveSecret } from "../config/index.ts";
import { ociConfigFile, ociConfigSection } from "../config/store-settings.ts";
import { type AdlsAuth, AdlsLister } from "./adls/adls-lister.ts";
import { StoreAuthError } from "./errors.ts";
import { ociNamespace, ociObjectStorageClient } from "./oci/oci-client.ts";
import { OciLister } from "./oci/oci-lister.ts";

export async function resolveAdlsAuth(config: Lake2ociConfig, baseDir: string): Promise<AdlsAuth> {
  const io = nodeSecretIo(baseDir);
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

export async function openSource(config: Lake2ociConfig, baseDir: string): Promise<AdlsLister> {
  const s = config.source;
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
