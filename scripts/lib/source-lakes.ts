// A lake in each source store of the local cloud, for the end-to-end tests, the demo and the job benchmark: a writer
// that puts files into the store (local directory, S3 on moto, GCS on fake-gcs-server behind its token-checking front,
// HDFS on the MiniDFSCluster, ADLS on Azurite) through
// that store's own protocol, and the job parameters that point `spark-submit dist/app.py` at it. Secrets stay
// references: `env` holds the variables they name, to be given to spark-submit's environment.
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { mkdir, rm, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { LocalCloud } from "../../src/emulators/local-cloud.ts";
import { s3Client } from "../../src/stores/s3/s3-lister.ts";
import { ADLS_KEY_ENV } from "./spark-job.ts";
import { GcsSeeder } from "./gcs-seeder.ts";
import { WebHdfsSeeder } from "./webhdfs.ts";

export const SOURCE_KINDS = ["adls", "s3", "gcs", "hdfs", "local"] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** The variable the S3 secret reference of a local run names. */
export const S3_SECRET_ENV = "LAKE2OCI_LOCAL_S3_SECRET";

export interface SourceLake {
  kind: SourceKind;
  /** Where the lake is, for messages: s3://lake/exports/, hdfs://.../user/lake/lake, /tmp/.../lake. */
  where: string;
  /** Writes (or replaces) the file `name` (relative to the lake's root). A replaced file gets a later mtime where
   * the store keeps one, as a rewrite by a writer would. */
  put(name: string, data: Buffer): Promise<void>;
  remove(name: string): Promise<void>;
  /** The source parameters of the job (--source-type and the rest), secrets as env: references. */
  jobValues: Record<string, unknown>;
  /** The environment the references need (give it to spark-submit). */
  env: Record<string, string>;
}

export function md5Base64(data: Buffer): string {
  return createHash("md5").update(data).digest("base64");
}

/**
 * A lake in the store `kind` of `cloud`, named `name` (a directory of the local cloud's dir, of the HDFS user's home,
 * a prefix of the S3 bucket, or an ADLS file system). The cloud must have been started with that store
 * (startLocalCloud({ s3: true, hdfs: true })).
 */
export async function sourceLake(cloud: LocalCloud, kind: SourceKind, name: string): Promise<SourceLake> {
  if (kind === "local") {
    const root = join(cloud.dir, "local-lakes", name);
    await mkdir(root, { recursive: true });
    let bump = 0;
    return {
      kind,
      where: root,
      async put(file, data) {
        const path = join(root, file);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, data);
        // A later mtime than any before, even on a coarse clock: a rewrite is a new version.
        bump += 1;
        const at = new Date(Date.now() + bump * 1000);
        await utimes(path, at, at);
      },
      remove: (file) => rm(join(root, file)),
      jobValues: { "source-type": "local", "source-path": root },
      env: {},
    };
  }
  if (kind === "s3") {
    const s3 = cloud.s3;
    if (s3 === undefined) throw new Error("sourceLake: start the local cloud with { s3: true }");
    const location = { bucket: s3.bucket, region: s3.region, endpoint: s3.url, pathStyle: true };
    const client = s3Client(location, s3.keys);
    const prefix = `${name}/`;
    return {
      kind,
      where: `s3://${s3.bucket}/${prefix} (${s3.url})`,
      async put(file, data) {
        await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: prefix + file, Body: data }));
      },
      async remove(file) {
        await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: prefix + file }));
      },
      jobValues: {
        "source-type": "s3",
        "source-bucket": s3.bucket,
        "source-prefix": name,
        "source-region": s3.region,
        "source-endpoint": s3.url,
        "source-path-style": true,
        "source-auth": "keys",
        "source-access-key-id": s3.keys.accessKeyId,
        "source-secret-access-key": `env:${S3_SECRET_ENV}`,
      },
      env: { [S3_SECRET_ENV]: s3.keys.secretAccessKey },
    };
  }
  if (kind === "gcs") {
    const gcs = cloud.gcs;
    if (gcs === undefined) throw new Error("sourceLake: start the local cloud with { gcs: true }");
    const bucket = `${name}-gcs`.toLowerCase();
    const seeder = new GcsSeeder(gcs.url, gcs.keyFile, bucket);
    await seeder.authorize();
    await seeder.createBucket();
    return {
      kind,
      where: `gs://${bucket}/ (${gcs.url})`,
      put: (file, data) => seeder.put(file, data),
      remove: (file) => seeder.remove(file),
      jobValues: {
        "source-type": "gcs",
        "source-bucket": bucket,
        "source-endpoint": gcs.url,
        "source-auth": "serviceAccountKey",
        "source-service-account-key": `file:${gcs.keyFile}`,
      },
      env: {},
    };
  }
  if (kind === "hdfs") {
    const hdfs = cloud.hdfs;
    if (hdfs === undefined) throw new Error("sourceLake: start the local cloud with { hdfs: true }");
    const root = `${hdfs.home}/${name}`;
    const seeder = new WebHdfsSeeder(hdfs.webhdfsUrl, hdfs.user);
    await seeder.ok("PUT", root, "MKDIRS");
    let bump = 0;
    return {
      kind,
      where: `${hdfs.rpcUrl}${root}`,
      async put(file, data) {
        await seeder.create(`${root}/${file}`, data);
        bump += 1;
        await seeder.ok("PUT", `${root}/${file}`, "SETTIMES", { modificationtime: String(Date.now() + bump * 1000) });
      },
      remove: (file) => seeder.ok("DELETE", `${root}/${file}`, "DELETE"),
      jobValues: { "source-type": "hdfs", "source-name-node": hdfs.rpcUrl, "source-path": root, "source-user": hdfs.user },
      env: {},
    };
  }
  const { DataLakeServiceClient, StorageSharedKeyCredential } = await import("@azure/storage-file-datalake");
  const { accountName, accountKey, accountUrl } = cloud.adls;
  const fs = new DataLakeServiceClient(accountUrl, new StorageSharedKeyCredential(accountName, accountKey)).getFileSystemClient(name);
  await fs.createIfNotExists();
  return {
    kind,
    where: `abfss://${name}@${accountName} (${accountUrl})`,
    async put(file, data) {
      await fs.getFileClient(file).upload(data);
    },
    async remove(file) {
      await fs.getFileClient(file).delete();
    },
    jobValues: {
      "source-type": "adls",
      "source-account": accountName,
      "source-file-system": name,
      "source-endpoint": accountUrl,
      "source-auth": "key",
      "source-account-key": `env:${ADLS_KEY_ENV}`,
    },
    env: { [ADLS_KEY_ENV]: accountKey },
  };
}

/** The job parameters of a LOCAL run from `lake` into `bucket` of the local cloud's OCI, the log at `logPath`. */
export function sourceJobValues(cloud: LocalCloud, lake: SourceLake, bucket: string, logPath: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...lake.jobValues,
    "target-bucket": bucket,
    "target-namespace": cloud.oci.namespace,
    "target-profile": "LOCAL",
    "target-config-file": cloud.credentials.configFile,
    "target-config-profile": cloud.credentials.profile,
    "target-endpoint": cloud.oci.url,
    "log-path": logPath,
    ...extra,
  };
}
