// Builds the oci-objectstorage client from an OCI config file profile (LOCAL) with an optional endpoint override
// (the local cloud), and looks up the namespace when the config leaves it out.
import * as common from "oci-common";
import { ObjectStorageClient } from "oci-objectstorage";
import { existsSync } from "node:fs";
import { StoreAuthError } from "../errors.ts";
import { classifyOciError } from "./oci-errors.ts";

export interface OciClientOptions {
  configFile: string;
  profile: string;
  /** Default: the region's public endpoint; the local cloud's is http://127.0.0.1:PORT. */
  endpoint?: string;
  region?: string;
  /** Attempts per call, including the first (the SDK default is 8, far too slow to report a dead endpoint). */
  maxAttempts?: number;
}

export function ociObjectStorageClient(options: OciClientOptions): ObjectStorageClient {
  if (!existsSync(options.configFile)) {
    throw new StoreAuthError(
      `OCI config file ${options.configFile} does not exist; set target.configFile to your OCI config (see https://docs.oracle.com/iaas/Content/API/Concepts/sdkconfig.htm)`,
    );
  }
  let provider: common.ConfigFileAuthenticationDetailsProvider;
  try {
    provider = new common.ConfigFileAuthenticationDetailsProvider(options.configFile, options.profile);
  } catch (err) {
    throw new StoreAuthError(
      `OCI config file ${options.configFile}, profile [${options.profile}]: ${(err as Error).message.split("\n")[0]}`,
      { cause: err },
    );
  }
  const client = new ObjectStorageClient(
    { authenticationDetailsProvider: provider },
    {
      retryConfiguration: {
        terminationStrategy: new common.MaxAttemptsTerminationStrategy(options.maxAttempts ?? 3),
        delayStrategy: new common.ExponentialBackoffDelayStrategy(4),
      },
    },
  );
  if (options.endpoint !== undefined) client.endpoint = options.endpoint.replace(/\/+$/, "");
  else if (options.region !== undefined) client.regionId = options.region;
  return client;
}

/** The tenancy's Object Storage namespace (GetNamespace). */
export async function ociNamespace(client: ObjectStorageClient, where: string): Promise<string> {
  try {
    return (await client.getNamespace({})).value;
  } catch (err) {
    throw classifyOciError(err, where);
  }
}
