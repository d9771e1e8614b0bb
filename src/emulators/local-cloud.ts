// The whole local cloud: the OCI Object Storage emulator and ADLS Gen2 (Azurite behind the DFS gateway), on free
// loopback ports, with a fresh OCI API key and config file. Used by the tests, the benchmarks, the demo and
// `lake2oci emulators`. Everything lives under one directory, removed on stop unless it was given by the caller.
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startAdlsEmulator, type AdlsEmulator } from "./adls/index.ts";
import { createDevCredentials, type DevCredentials } from "./oci/dev-credentials.ts";
import { startOciEmulator, type OciEmulator } from "./oci/server.ts";
import type { FaultRule } from "./faults.ts";

export interface LocalCloudOptions {
  /** Keep data here (created if absent, kept on stop). Default: a new temporary directory, removed on stop. */
  dir?: string;
  ociPort?: number;
  adlsPort?: number;
  namespace?: string;
  ociFaults?: FaultRule[];
}

export interface LocalCloud {
  dir: string;
  oci: OciEmulator;
  adls: AdlsEmulator;
  credentials: DevCredentials;
  /** Environment variables describing the local cloud (what the Python tests and scripts read). */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const owned = options.dir === undefined;
  const dir = owned ? await mkdtemp(join(tmpdir(), "lake2oci-cloud-")) : resolve(options.dir as string);
  await mkdir(dir, { recursive: true });
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    started.length = 0;
    if (owned) await rm(dir, { recursive: true, force: true });
  };
  try {
    const credentials = await createDevCredentials(join(dir, "oci-credentials"));
    const oci = await startOciEmulator({
      dataDir: join(dir, "oci-data"),
      port: options.ociPort ?? 0,
      namespace: options.namespace,
      ociConfigFile: credentials.configFile,
      faults: options.ociFaults,
    });
    started.push(oci);
    const adls = await startAdlsEmulator({ dataDir: join(dir, "azurite"), port: options.adlsPort ?? 0 });
    started.push(adls);
    let stopped: Promise<void> | undefined;
    return {
      dir,
      oci,
      adls,
      credentials,
      env: () => ({
        LAKE2OCI_OCI_ENDPOINT: oci.url,
        LAKE2OCI_OCI_NAMESPACE: oci.namespace,
        LAKE2OCI_OCI_CONFIG: credentials.configFile,
        LAKE2OCI_OCI_WRONG_CONFIG: credentials.wrongConfigFile,
        LAKE2OCI_OCI_PROFILE: credentials.profile,
        LAKE2OCI_ADLS_URL: adls.accountUrl,
        LAKE2OCI_ADLS_ACCOUNT: adls.accountName,
        LAKE2OCI_ADLS_KEY: adls.accountKey,
      }),
      stop: () => {
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
