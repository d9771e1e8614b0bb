// `lake2oci deploy [options]`: uploads dist/app.py and dist/archive.zip (from `lake2oci build`) to the dataflow
// bucket, skipping what the bucket already has (by MD5), and prints their oci:// URIs. Exit 0 when both are in place,
// 2 for bad options, 1 otherwise.
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { deployDataflow } from "../../packaging/deploy-dataflow.ts";
import { PackagingError } from "../../packaging/packaging-error.ts";
import { CliError } from "../cli-error.ts";
import { commandArgs } from "../command-args.ts";

const help = `usage: lake2oci deploy [options]

Uploads app.py and archive.zip of a build to the dataflow bucket (archive.zip as a multipart upload), skipping the
files the bucket already holds unchanged (same MD5), and prints their oci:// URIs. The bucket and folder are the
ones the build wrote into dataflow-application.json (default dataflow-warehouse); the namespace is looked up, and
written into that file.

  --dist DIR             the build's output directory (default dist)
  --oci-config FILE      your OCI config file (default ~/.oci/config)
  --oci-profile NAME     its profile (default DEFAULT)
  --bucket NAME          the bucket (default: the build's, else dataflow-warehouse)
  --namespace NS         the Object Storage namespace (default: looked up)
  --prefix PATH          a folder in the bucket (default: the build's, else the bucket root)
  --region REGION        the region (default: the profile's)
  --endpoint URL         an Object Storage endpoint override (e.g. the local cloud's)
  --part-size-mib N      archive.zip part size (default 16)
  --debug                show stack traces`;

export async function run(argv: string[]): Promise<number> {
  const values = commandArgs(
    argv,
    {
      dist: { type: "string" },
      "oci-config": { type: "string" },
      "oci-profile": { type: "string" },
      bucket: { type: "string" },
      namespace: { type: "string" },
      prefix: { type: "string" },
      region: { type: "string" },
      endpoint: { type: "string" },
      "part-size-mib": { type: "string" },
    },
    help,
  );
  if (values === null) return 0;
  let partSize: number | undefined;
  if (values["part-size-mib"] !== undefined) {
    const mib = Number(values["part-size-mib"]);
    if (!Number.isInteger(mib) || mib < 1 || mib > 5120) throw new CliError("--part-size-mib must be a whole number from 1 to 5120", { exitCode: 2 });
    partSize = mib * 1024 * 1024;
  }
  const configFile = (values["oci-config"] as string | undefined) ?? join(homedir(), ".oci", "config");
  try {
    const result = await deployDataflow({
      distDir: resolve((values.dist as string | undefined) ?? "dist"),
      ociConfigFile: configFile.startsWith("~/") ? join(homedir(), configFile.slice(2)) : resolve(configFile),
      ociProfile: (values["oci-profile"] as string | undefined) ?? "DEFAULT",
      bucket: values.bucket as string | undefined,
      namespace: values.namespace as string | undefined,
      prefix: values.prefix as string | undefined,
      region: values.region as string | undefined,
      endpoint: values.endpoint as string | undefined,
      partSize,
    });
    for (const o of result.objects) {
      const how = o.action === "unchanged" ? "unchanged" : o.parts > 0 ? `uploaded in ${o.parts} parts` : "uploaded";
      console.log(`${o.uri}  ${how} (${o.size.toLocaleString("en-US")} bytes, md5 ${o.md5})`);
    }
    if (result.settingsUpdated) console.log(`dataflow-application.json now names these URIs (namespace ${result.namespace})`);
    return 0;
  } catch (err) {
    if (err instanceof PackagingError) throw new CliError(err.message, { exitCode: err.exitCode, cause: err });
    throw err;
  }
}
