// `lake2oci emulators --seed`: a small sample lake for the README's local run (examples/local-cloud.json): the file
// system `parquetfiles` with a few files (nested, a space and non-ASCII in names, one empty file) and the empty bucket
// `target-azure`. Written once: a file system or bucket that already exists (a kept --dir) is left as it is, so a
// second start does not change the lake under an earlier run's state.
import { createHash } from "node:crypto";
import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import type { LocalCloud } from "../emulators/local-cloud.ts";
import { ociObjectStorageClient } from "../stores/oci/oci-client.ts";

export const SEED_FILE_SYSTEM = "parquetfiles";
export const SEED_BUCKET = "target-azure";

/** The sample files: name -> content (deterministic). */
export function seedFiles(): { name: string; data: Buffer }[] {
  const text = (name: string, lines: number) =>
    Buffer.from(Array.from({ length: lines }, (_, i) => `${name},${i},${createHash("md5").update(`${name}${i}`).digest("hex")}`).join("\n"));
  return [
    { name: "directory_name/year=2023/part-00000.csv", data: text("2023", 400) },
    { name: "directory_name/year=2024/part-00000.csv", data: text("2024", 600) },
    { name: "directory_name/year=2024/part-00001.csv", data: text("2024b", 300) },
    { name: "directory_name/_SUCCESS", data: Buffer.alloc(0) },
    { name: "edge/name with spaces.txt", data: text("spaces", 10) },
    { name: "edge/ünïcödé-データ.json", data: Buffer.from(JSON.stringify({ hello: "wörld" })) },
  ];
}

export interface SeedResult {
  files: number;
  bytes: number;
  createdFileSystem: boolean;
  createdBucket: boolean;
}

function status(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

export async function seedLocalCloud(cloud: LocalCloud): Promise<SeedResult> {
  const { accountName, accountKey, accountUrl } = cloud.adls;
  const fs = new DataLakeServiceClient(accountUrl, new StorageSharedKeyCredential(accountName, accountKey)).getFileSystemClient(SEED_FILE_SYSTEM);
  let createdFileSystem = true;
  try {
    await fs.create();
  } catch (err) {
    if (status(err) !== 409) throw err;
    createdFileSystem = false;
  }
  let files = 0;
  let bytes = 0;
  if (createdFileSystem) {
    for (const f of seedFiles()) {
      await fs.getFileClient(f.name).upload(f.data);
      files++;
      bytes += f.data.length;
    }
  }
  const c = cloud.credentials;
  const oci = ociObjectStorageClient({ configFile: c.configFile, profile: "DEFAULT", endpoint: cloud.oci.url });
  let createdBucket = true;
  try {
    await oci.createBucket({ namespaceName: cloud.oci.namespace, createBucketDetails: { name: SEED_BUCKET, compartmentId: c.tenancy } });
  } catch (err) {
    if (status(err) !== 409) throw err;
    createdBucket = false;
  }
  return { files, bytes, createdFileSystem, createdBucket };
}
