// The whole local cloud: the OCI Object Storage emulator and ADLS Gen2 (Azurite behind the DFS gateway), and on request
// S3 (moto's server), HDFS (a real MiniDFSCluster) and GCS (fake-gcs-server behind a token-checking front), on free
// loopback ports, with a fresh OCI API key and config file. Used by the tests, the benchmarks, the demo and
// `lake2oci emulators`. Everything lives under one directory, removed on stop unless it was given by the caller.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startAdlsEmulator, type AdlsEmulator } from "./adls/index.ts";
import { startGcsEmulator, type GcsEmulator } from "./gcs/index.ts";
import { createLocalCa } from "./adls/local-ca.ts";
import { startTlsFront } from "./adls/tls-front.ts";
import { startTokenIssuer, type TokenIssuer } from "./adls/token-issuer.ts";
import { type HdfsEmulator, type HdfsOptions, startHdfsEmulator } from "./hdfs/index.ts";
import { createDevCredentials, type DevCredentials } from "./oci/dev-credentials.ts";
import { startOciEmulator, type OciEmulator } from "./oci/server.ts";
import { startS3Emulator, type S3Emulator } from "./s3/moto.ts";
import type { FaultRule } from "./faults.ts";

export interface LocalCloudOptions {
  /** Keep data here (created if absent, kept on stop). Default: a new temporary directory, removed on stop. */
  dir?: string;
  ociPort?: number;
  adlsPort?: number;
  namespace?: string;
  ociFaults?: FaultRule[];
  /**
   * Also serve ADLS over TLS with OAuth: a CA made for this cloud, a local Microsoft Entra token endpoint with one
   * service principal, and an https account URL whose bearer tokens the gateway checks with that endpoint. The
   * plain-http account URL keeps working as before. See `LocalCloud.oauth`.
   */
  adlsOAuth?: boolean;
  /** Also start S3 (moto's server from .venv, signatures checked, one empty bucket). See `LocalCloud.s3`. */
  s3?: boolean;
  /**
   * Also start a real HDFS (Hadoop's MiniDFSCluster with WebHDFS, a JVM; installed on first use by
   * scripts/setup-hdfs.sh). Off by default: it takes seconds to start and ~0.5 GB of memory. An object sets its
   * options (user, Hadoop settings such as `dfs.ls.limit`). See `LocalCloud.hdfs`.
   */
  hdfs?: boolean | HdfsOptions;
  /**
   * Also start the local GCS (fake-gcs-server behind a token-checking front); see `LocalCloud.gcs`. An object picks
   * fake-gcs-server's backend: "memory" keeps directory markers (`dir/` objects), which the default "filesystem"
   * refuses (docs/emulators.md).
   */
  gcs?: boolean | { backend?: "filesystem" | "memory" };
}

/** The OAuth side of a local cloud started with `adlsOAuth`. */
export interface LocalOAuth {
  /** https://127.0.0.1:PORT/devstoreaccount1: the same account as `adls.accountUrl`, over TLS. */
  accountUrl: string;
  /** The token endpoint's authority host, https://127.0.0.1:PORT (azure-identity's `authority`). */
  authorityHost: string;
  tenantId: string;
  clientId: string;
  /** The service principal's secret (random per cloud). */
  clientSecret: string;
  /** PEM file of the CA that signed both TLS endpoints: trust it (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, Node's `ca`). */
  caFile: string;
  issuer: TokenIssuer;
}

export interface LocalCloud {
  dir: string;
  oci: OciEmulator;
  adls: AdlsEmulator;
  credentials: DevCredentials;
  /** Present when started with `adlsOAuth`. */
  oauth?: LocalOAuth;
  /** Present when started with `s3`. */
  s3?: S3Emulator;
  /** Present when started with `hdfs`. */
  hdfs?: HdfsEmulator;
  /** Present when started with `gcs`. */
  gcs?: GcsEmulator;
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
  // The JVM starts in the background while the rest comes up; its stop is registered once it is ready.
  const hdfsOptions = options.hdfs === true ? {} : options.hdfs || undefined;
  const hdfsStarting = hdfsOptions ? startHdfsEmulator({ dataDir: join(dir, "hdfs"), ...hdfsOptions }) : undefined;
  hdfsStarting?.catch(() => {});
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
    // With adlsOAuth: the token endpoint first (the gateway checks tokens with it), the TLS front last.
    const oauthSetup = options.adlsOAuth
      ? { ca: createLocalCa(), principal: { tenantId: randomUUID(), clientId: randomUUID(), clientSecret: randomBytes(30).toString("base64url") } }
      : undefined;
    const issuer = oauthSetup ? await startTokenIssuer({ tls: oauthSetup.ca, clients: [oauthSetup.principal] }) : undefined;
    if (issuer) started.push(issuer);
    const adls = await startAdlsEmulator({ dataDir: join(dir, "azurite"), port: options.adlsPort ?? 0, tokenVerifier: issuer?.verifyToken });
    started.push(adls);
    let oauth: LocalOAuth | undefined;
    if (oauthSetup && issuer) {
      const front = await startTlsFront({ tls: oauthSetup.ca, upstreamPort: adls.gatewayPort });
      started.push(front);
      const caFile = join(dir, "local-ca.pem");
      await writeFile(caFile, oauthSetup.ca.caCert);
      oauth = { accountUrl: `${front.origin}/${adls.accountName}`, authorityHost: issuer.url, ...oauthSetup.principal, caFile, issuer };
    }
    let s3: S3Emulator | undefined;
    if (options.s3) {
      s3 = await startS3Emulator({ dir: join(dir, "s3") });
      started.push(s3);
    }
    const hdfs = hdfsStarting ? await hdfsStarting : undefined;
    if (hdfs) started.push(hdfs);
    const gcs = options.gcs
      ? await startGcsEmulator({ dataDir: join(dir, "gcs"), ...(options.gcs === true ? {} : options.gcs) })
      : undefined;
    if (gcs) started.push(gcs);
    let stopped: Promise<void> | undefined;
    return {
      dir,
      oci,
      adls,
      credentials,
      oauth,
      s3,
      hdfs,
      gcs,
      env: () => ({
        LAKE2OCI_OCI_ENDPOINT: oci.url,
        LAKE2OCI_OCI_NAMESPACE: oci.namespace,
        LAKE2OCI_OCI_CONFIG: credentials.configFile,
        LAKE2OCI_OCI_WRONG_CONFIG: credentials.wrongConfigFile,
        LAKE2OCI_OCI_PROFILE: credentials.profile,
        LAKE2OCI_ADLS_URL: adls.accountUrl,
        LAKE2OCI_ADLS_ACCOUNT: adls.accountName,
        LAKE2OCI_ADLS_KEY: adls.accountKey,
        ...(s3 === undefined
          ? {}
          : {
              LAKE2OCI_S3_ENDPOINT: s3.url,
              LAKE2OCI_S3_REGION: s3.region,
              LAKE2OCI_S3_BUCKET: s3.bucket,
              LAKE2OCI_S3_ACCESS_KEY_ID: s3.keys.accessKeyId,
              LAKE2OCI_S3_SECRET_ACCESS_KEY: s3.keys.secretAccessKey,
              LAKE2OCI_S3_SESSION_ACCESS_KEY_ID: s3.session.accessKeyId,
              LAKE2OCI_S3_SESSION_SECRET_ACCESS_KEY: s3.session.secretAccessKey,
              LAKE2OCI_S3_SESSION_TOKEN: s3.session.sessionToken,
            }),
        ...(hdfs
          ? {
              LAKE2OCI_HDFS_RPC: hdfs.rpcUrl,
              LAKE2OCI_HDFS_WEBHDFS: hdfs.webhdfsUrl,
              LAKE2OCI_HDFS_USER: hdfs.user,
              LAKE2OCI_HDFS_HOME: hdfs.home,
            }
          : {}),
        ...(gcs
          ? {
              LAKE2OCI_GCS_ENDPOINT: gcs.url,
              LAKE2OCI_GCS_PROJECT: gcs.projectId,
              LAKE2OCI_GCS_KEY_FILE: gcs.keyFile,
              LAKE2OCI_GCS_WRONG_KEY_FILE: gcs.wrongKeyFile,
            }
          : {}),
      }),
      stop: () => {
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (err) {
    // A JVM still starting is stopped too once it is up (or has failed).
    const late = await hdfsStarting?.catch(() => undefined);
    if (late && !started.includes(late)) started.push(late);
    await stopAll();
    throw err;
  }
}
