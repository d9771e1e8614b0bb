// The local cloud's Google Cloud Storage: fake-gcs-server (filesystem backend, on a private loopback port) behind a
// front that serves a Google-compatible OAuth2 token endpoint and lets through only requests carrying a bearer token
// it issued. Clients get the front's origin as their API endpoint and a service-account key file whose token_uri is
// the front's /token; the private key exists only in that file. See docs/emulators.md (Google Cloud Storage).
import { isIP } from "node:net";
import { join, resolve } from "node:path";
import { startFakeGcsServer } from "./fake-gcs-server.ts";
import { startGcsFront } from "./front.ts";
import { writeServiceAccountKey } from "./service-account.ts";
import { createTokenService } from "./token-endpoint.ts";

export { ensureFakeGcsServer, FAKE_GCS_SERVER_BINARY } from "./fake-gcs-server.ts";
export { JWT_BEARER_GRANT } from "./token-endpoint.ts";

export interface GcsEmulatorOptions {
  /** Objects go under dataDir/objects, key files under dataDir/credentials. */
  dataDir: string;
  /** Loopback only (default 127.0.0.1). */
  host?: string;
  /** The front's port; 0 or absent: a free one. fake-gcs-server always gets a free private port. */
  port?: number;
  /** The project named in the key file (default "lake2oci-local"). */
  projectId?: string;
  /** Seconds an access token lives (default 3599, as Google). */
  tokenLifetimeSeconds?: number;
  /**
   * fake-gcs-server's storage: "filesystem" (default; objects kept under dataDir/objects, but names it cannot map to
   * files are refused: see docs/emulators.md) or "memory" (nothing kept on stop; directory markers and an object
   * beside a folder of the same name work).
   */
  backend?: "filesystem" | "memory";
}

export interface GcsEmulator {
  /** http://127.0.0.1:PORT — the API endpoint to give clients (STORAGE_EMULATOR_HOST, api_endpoint, ...). */
  url: string;
  port: number;
  /** fake-gcs-server's private port (it checks no credentials: never give it to a client). */
  backendPort: number;
  /** url + "/token": the token_uri written in the key file. */
  tokenUri: string;
  projectId: string;
  /** The service account's JSON key file (mode 0600): the only credentials the front accepts tokens for. */
  keyFile: string;
  clientEmail: string;
  /** A key file for the same client_email and private_key_id with another private key: the token endpoint refuses it. */
  wrongKeyFile: string;
  /** Ends every access token issued so far (for tests of expiry). */
  expireTokens(): void;
  requestCounts(): Record<string, number>;
  stop(): Promise<void>;
}

function requireLoopback(host: string | undefined): string {
  const value = host ?? "127.0.0.1";
  if (value === "localhost" || value === "::1" || (isIP(value) === 4 && value.startsWith("127."))) return value;
  throw new Error(
    `startGcsEmulator: host must be a loopback address (127.0.0.1, another 127.x.x.x, ::1 or localhost), got ${JSON.stringify(value)}: ` +
      "fake-gcs-server checks no credentials and must not be reachable from other machines",
  );
}

export async function startGcsEmulator(options: GcsEmulatorOptions): Promise<GcsEmulator> {
  if (!options.dataDir) throw new Error("startGcsEmulator: dataDir is required");
  const host = requireLoopback(options.host);
  const dataDir = resolve(options.dataDir);
  const projectId = options.projectId ?? "lake2oci-local";
  const front = await startGcsFront({ host, port: options.port });
  try {
    const tokenUri = `${front.origin}/token`;
    const credentials = join(dataDir, "credentials");
    const key = await writeServiceAccountKey({ dir: credentials, fileName: "service-account.json", projectId, name: "lake2oci-local", tokenUri });
    const wrong = await writeServiceAccountKey({
      dir: credentials,
      fileName: "service-account-wrong-key.json",
      projectId,
      name: "lake2oci-local",
      tokenUri,
      impersonate: key.account,
    });
    const tokens = createTokenService({ accounts: [key.account], tokenUri, lifetimeSeconds: options.tokenLifetimeSeconds });
    const kind = options.backend ?? "filesystem";
    const backend = await startFakeGcsServer({ dataDir: join(dataDir, "objects"), host, publicOrigin: front.origin, backend: kind });
    front.attach({ tokens, upstream: backend.url, kind });
    let stopping: Promise<void> | undefined;
    return {
      url: front.origin,
      port: front.port,
      backendPort: backend.port,
      tokenUri,
      projectId,
      keyFile: key.path,
      clientEmail: key.account.clientEmail,
      wrongKeyFile: wrong.path,
      expireTokens: () => tokens.expireAll(),
      requestCounts: () => front.requestCounts(),
      stop() {
        stopping ??= Promise.all([front.stop(), backend.stop()]).then(() => undefined);
        return stopping;
      },
    };
  } catch (error) {
    await front.stop();
    throw error;
  }
}
