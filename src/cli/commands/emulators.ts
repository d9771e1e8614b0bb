// `lake2oci emulators`: runs the local cloud in the foreground until Ctrl-C (SIGINT) or SIGTERM, printing what a
// client needs: endpoints, the ADLS dev account and its (public, well-known) key, the OCI config file and profile.
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startLocalCloud, type LocalCloud } from "../../emulators/local-cloud.ts";
import { CliError } from "../cli-error.ts";
import { commandArgs } from "../command-args.ts";
import { SEED_BUCKET, SEED_FILE_SYSTEM, seedLocalCloud } from "../local-seed.ts";

/** The ADLS dev account key, written into the data directory so configs can say `file:<dir>/adls-account-key`. */
export const ADLS_KEY_FILE = "adls-account-key";

const help = `usage: lake2oci emulators [--dir DIR] [--oci-port N] [--adls-port N] [--s3] [--hdfs] [--gcs] [--seed] [--json]

Starts the local cloud on 127.0.0.1 and keeps it running until Ctrl-C:
  OCI Object Storage emulator (signature-checking, faults at <oci>/_emulator/faults)
  ADLS Gen2: Azurite (Blob) behind the lake2oci DFS gateway

  --dir DIR       keep data and the generated OCI key/config in DIR (default: a temporary directory, removed on exit);
                  DIR/oci-credentials/config is the OCI config file, DIR/${ADLS_KEY_FILE} holds the ADLS dev key
  --oci-port N    OCI emulator port (default: a free port)
  --adls-port N   ADLS gateway port (default: a free port)
  --s3            also S3: moto's server with SigV4 signatures checked against the keys it issued (written to a
                  file, mode 0600; one bucket, lake)
  --hdfs          also start a real HDFS: Hadoop 3.3.4's MiniDFSCluster with WebHDFS, user lake, home /user/lake
                  (a JVM; installed on first use by scripts/setup-hdfs.sh, which needs a JDK 17+ and Maven)
  --gcs           also GCS: fake-gcs-server behind a front that takes only tokens from its own token endpoint
                  (a service-account key file is written for it; its token_uri is that endpoint)
  --seed          create the file system ${SEED_FILE_SYSTEM} with a few sample files and the bucket ${SEED_BUCKET}
                  (what examples/local-cloud.json migrates; left as they are when they exist already)
  --json          print the endpoints as one JSON object instead of text`;

function parsePort(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new CliError(`${flag} must be a port number from 0 to 65535, got '${value}'`, { exitCode: 2 });
  }
  return n;
}

export function describe(cloud: LocalCloud): Record<string, string> {
  const c = cloud.credentials;
  return {
    ociEndpoint: cloud.oci.url,
    ociNamespace: cloud.oci.namespace,
    ociConfigFile: c.configFile,
    ociProfile: c.profile,
    ociFaultControl: `${cloud.oci.url}/_emulator/faults`,
    adlsAccountUrl: cloud.adls.accountUrl,
    adlsAccountName: cloud.adls.accountName,
    adlsAccountKey: cloud.adls.accountKey,
    adlsConnectionString: cloud.adls.connectionString,
    adlsAccountKeyFile: join(cloud.dir, ADLS_KEY_FILE),
    // Azurite's own Blob endpoint, behind the gateway: for fast seeding and for measuring Azurite alone.
    azuriteBlobUrl: `http://127.0.0.1:${cloud.adls.azuritePort}/${cloud.adls.accountName}`,
    ...(cloud.s3
      ? { s3Endpoint: cloud.s3.url, s3Region: cloud.s3.region, s3Bucket: cloud.s3.bucket, s3AccessKeyId: cloud.s3.keys.accessKeyId, s3KeysFile: join(cloud.dir, "s3", "s3-keys.json") }
      : {}),
    ...(cloud.hdfs
      ? { hdfsRpcUrl: cloud.hdfs.rpcUrl, hdfsWebhdfsUrl: cloud.hdfs.webhdfsUrl, hdfsUser: cloud.hdfs.user, hdfsHome: cloud.hdfs.home }
      : {}),
    ...(cloud.gcs ? { gcsEndpoint: cloud.gcs.url, gcsProject: cloud.gcs.projectId, gcsKeyFile: cloud.gcs.keyFile, gcsTokenUri: cloud.gcs.tokenUri } : {}),
    dataDir: cloud.dir,
  };
}

export async function run(argv: string[]): Promise<number> {
  const values = commandArgs(
    argv,
    {
      dir: { type: "string" },
      "oci-port": { type: "string" },
      "adls-port": { type: "string" },
      s3: { type: "boolean" },
      hdfs: { type: "boolean" },
      gcs: { type: "boolean" },
      seed: { type: "boolean" },
      json: { type: "boolean" },
    },
    help,
  );
  if (values === null) return 0;
  const cloud = await startLocalCloud({
    dir: values.dir,
    ociPort: parsePort(values["oci-port"], "--oci-port"),
    adlsPort: parsePort(values["adls-port"], "--adls-port"),
    s3: values.s3 === true,
    hdfs: values.hdfs === true,
    gcs: values.gcs === true,
  });
  const d = describe(cloud);
  // Azurite's public development key (not a secret), in a file a config can reference: file:<dir>/adls-account-key.
  await writeFile(d.adlsAccountKeyFile, `${cloud.adls.accountKey}\n`, { mode: 0o600 });
  await chmod(d.adlsAccountKeyFile, 0o600);
  let seeded = "";
  if (values.seed) {
    try {
      const r = await seedLocalCloud(cloud);
      seeded = r.createdFileSystem
        ? `seeded         file system ${SEED_FILE_SYSTEM} (${r.files} files, ${r.bytes} bytes), bucket ${SEED_BUCKET}${r.createdBucket ? "" : " (already there)"}`
        : `seeded         file system ${SEED_FILE_SYSTEM} and bucket ${SEED_BUCKET} already there, left as they are`;
    } catch (err) {
      await cloud.stop();
      throw new CliError(`--seed failed: ${(err as Error).message}`, { cause: err });
    }
  }
  if (values.json) {
    console.log(JSON.stringify(d));
  } else {
    console.log(`lake2oci local cloud is running (Ctrl-C stops it)

OCI Object Storage emulator
  endpoint       ${d.ociEndpoint}
  namespace      ${d.ociNamespace}
  config file    ${d.ociConfigFile}   (profile ${d.ociProfile}; also DEFAULT)
  faults         POST/GET/DELETE ${d.ociFaultControl}
  TypeScript:    client.endpoint = "${d.ociEndpoint}"
  Python:        ObjectStorageClient(oci.config.from_file("${d.ociConfigFile}", "${d.ociProfile}"), service_endpoint="${d.ociEndpoint}")

ADLS Gen2 (Azurite + DFS gateway)
  account URL    ${d.adlsAccountUrl}
  account        ${d.adlsAccountName}
  key            ${d.adlsAccountKey}   (Azurite's public development key; also in ${d.adlsAccountKeyFile})
  connection     ${d.adlsConnectionString}
${
  d.s3Endpoint === undefined
    ? ""
    : `
S3 (moto's server, signatures checked; path-style)
  endpoint       ${d.s3Endpoint}   (region ${d.s3Region})
  bucket         ${d.s3Bucket}
  access key ID  ${d.s3AccessKeyId}   (its secret, and a session's, in ${d.s3KeysFile})
`
}${
  d.hdfsRpcUrl === undefined
    ? ""
    : `
HDFS (Hadoop 3.3.4 MiniDFSCluster, simple auth)
  RPC            ${d.hdfsRpcUrl}
  WebHDFS        ${d.hdfsWebhdfsUrl}/webhdfs/v1   (user.name=${d.hdfsUser})
  user, home     ${d.hdfsUser}, ${d.hdfsHome}   (superuser hdfs)
`
}${
  d.gcsEndpoint
    ? `
GCS (fake-gcs-server behind the token-checking front)
  endpoint       ${d.gcsEndpoint}   (api_endpoint / STORAGE_EMULATOR_HOST)
  project        ${d.gcsProject}
  key file       ${d.gcsKeyFile}   (service account; token_uri ${d.gcsTokenUri})
`
    : ""
}
data           ${d.dataDir}${values.dir ? "" : " (removed on exit)"}${seeded === "" ? "" : `\n${seeded}`}`);
  }
  await new Promise<void>((resolveStop) => {
    const onSignal = () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolveStop();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  if (!values.json) console.log("\nstopping the local cloud…");
  await cloud.stop();
  if (!values.json) console.log("stopped.");
  return 0;
}
