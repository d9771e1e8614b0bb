// `lake2oci emulators`: runs the local cloud in the foreground until Ctrl-C (SIGINT) or SIGTERM, printing what a
// client needs: endpoints, the ADLS dev account and its (public, well-known) key, the OCI config file and profile.
import { startLocalCloud, type LocalCloud } from "../../emulators/local-cloud.ts";
import { CliError } from "../cli-error.ts";
import { commandArgs } from "../command-args.ts";

const help = `usage: lake2oci emulators [--dir DIR] [--oci-port N] [--adls-port N] [--json]

Starts the local cloud on 127.0.0.1 and keeps it running until Ctrl-C:
  OCI Object Storage emulator (signature-checking, faults at <oci>/_emulator/faults)
  ADLS Gen2: Azurite (Blob) behind the lake2oci DFS gateway

  --dir DIR       keep data and the generated OCI key/config in DIR (default: a temporary directory, removed on exit)
  --oci-port N    OCI emulator port (default: a free port)
  --adls-port N   ADLS gateway port (default: a free port)
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
    // Azurite's own Blob endpoint, behind the gateway: for fast seeding and for measuring Azurite alone.
    azuriteBlobUrl: `http://127.0.0.1:${cloud.adls.azuritePort}/${cloud.adls.accountName}`,
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
      json: { type: "boolean" },
    },
    help,
  );
  if (values === null) return 0;
  const cloud = await startLocalCloud({
    dir: values.dir,
    ociPort: parsePort(values["oci-port"], "--oci-port"),
    adlsPort: parsePort(values["adls-port"], "--adls-port"),
  });
  const d = describe(cloud);
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
  key            ${d.adlsAccountKey}   (Azurite's public development key)
  connection     ${d.adlsConnectionString}

data           ${d.dataDir}${values.dir ? "" : " (removed on exit)"}`);
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
