import { startAzurite } from "./azurite.ts";
import { startDfsGateway } from "./gateway.ts";
import { requireLoopbackHost } from "./loopback.ts";

export { type AzuriteProcess, startAzurite } from "./azurite.ts";
export { type DfsGateway, type DfsGatewayOptions, startDfsGateway } from "./gateway.ts";

/** Azurite's development account: the name and the key published in its README. */
export const DEV_ACCOUNT_NAME = "devstoreaccount1";
export const DEV_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** The whole ADLS Gen2 side of the local cloud: Azurite plus the DFS gateway in front of it. */
export interface AdlsEmulator {
  /** http://127.0.0.1:GATEWAY_PORT/devstoreaccount1 — give this to the SDKs (DFS and Blob calls alike). */
  accountUrl: string;
  accountName: string;
  accountKey: string;
  /** A storage connection string whose BlobEndpoint is the gateway. */
  connectionString: string;
  gatewayPort: number;
  azuritePort: number;
  /** Sets the latency the gateway adds to every request (see DfsGatewayOptions.latencyMs). */
  setLatencyMs(ms: number): void;
  stop(): Promise<void>;
}

/**
 * Starts Azurite (data under `dataDir`, on a free loopback port) and the DFS gateway in front of it
 * (on `port`, 0 or absent for a free one). Both bind `host`, which must be loopback.
 */
export async function startAdlsEmulator(options: {
  dataDir: string;
  host?: string;
  port?: number;
  tokenVerifier?: (token: string) => Promise<boolean>;
  /** Milliseconds the gateway waits before every request (default 0); see DfsGatewayOptions.latencyMs. */
  latencyMs?: number;
}): Promise<AdlsEmulator> {
  const host = requireLoopbackHost(options.host, "startAdlsEmulator: host");
  const azurite = await startAzurite({ location: options.dataDir, host });
  let gateway: Awaited<ReturnType<typeof startDfsGateway>>;
  try {
    gateway = await startDfsGateway({
      upstream: azurite.url,
      accountName: DEV_ACCOUNT_NAME,
      accountKey: DEV_ACCOUNT_KEY,
      host,
      port: options.port,
      tokenVerifier: options.tokenVerifier,
      latencyMs: options.latencyMs,
    });
  } catch (error) {
    await azurite.stop();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    accountUrl: gateway.url,
    accountName: DEV_ACCOUNT_NAME,
    accountKey: DEV_ACCOUNT_KEY,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT_NAME};AccountKey=${DEV_ACCOUNT_KEY};BlobEndpoint=${gateway.url};`,
    gatewayPort: gateway.port,
    azuritePort: azurite.port,
    setLatencyMs: (ms) => gateway.setLatencyMs(ms),
    stop() {
      stopping ??= Promise.all([gateway.stop(), azurite.stop()]).then(() => undefined);
      return stopping;
    },
  };
}
