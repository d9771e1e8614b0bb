// `lake2oci deploy`: uploads a build's app.py and archive.zip to the dataflow bucket with the OCI SDK. Each object
// carries its file's MD5 as metadata (opc-meta-lake2oci-md5), so a file whose MD5 the object already has is not sent
// again. app.py goes in one PutObject with Content-MD5; archive.zip always as a multipart upload (parts of `partSize`,
// each with Content-MD5, a few in parallel), whose opc-multipart-md5 is checked against the parts' MD5s at commit;
// a failed upload is aborted. The bucket and the object names come from the build's dataflow-application.json
// (fileUri, archiveUri) unless given; the namespace is looked up when unknown, and written back into that file.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { open, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { ObjectStorageClient } from "oci-objectstorage";
import { StoreError } from "../stores/errors.ts";
import { ociNamespace, ociObjectStorageClient } from "../stores/oci/oci-client.ts";
import { classifyOciError } from "../stores/oci/oci-errors.ts";
import {
  APP_OBJECT,
  ARCHIVE_OBJECT,
  DEFAULT_DATAFLOW_BUCKET,
  type DataflowApplicationJson,
  NAMESPACE_PLACEHOLDER,
  SETTINGS_FILE,
  objectName,
  ociUri,
  parseOciUri,
} from "./dataflow-application.ts";
import { PackagingError } from "./packaging-error.ts";

export const MD5_METADATA = "lake2oci-md5";
export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
const PART_CONCURRENCY = 3;

export interface DeployOptions {
  /** The build's output directory (app.py, archive.zip, dataflow-application.json). */
  distDir: string;
  /** The OCI config file and profile of the person deploying. */
  ociConfigFile: string;
  ociProfile: string;
  /** Object Storage endpoint override (the local cloud). */
  endpoint?: string;
  region?: string;
  /** Default: from dataflow-application.json, else dataflow-warehouse. */
  bucket?: string;
  /** Default: from dataflow-application.json when known, else looked up. */
  namespace?: string;
  /** Folder in the bucket; default: from dataflow-application.json, else the bucket root. */
  prefix?: string;
  /** Multipart part size for archive.zip (default 16 MiB). */
  partSize?: number;
  log?: (line: string) => void;
}

export interface DeployedObject {
  file: string;
  object: string;
  uri: string;
  size: number;
  /** base64 MD5 of the file. */
  md5: string;
  action: "uploaded" | "unchanged";
  /** Parts sent (0 for a single PutObject or an unchanged object). */
  parts: number;
}

export interface DeployResult {
  namespace: string;
  bucket: string;
  objects: DeployedObject[];
  /** dataflow-application.json was rewritten with the real URIs. */
  settingsUpdated: boolean;
}

function md5File(file: string): string {
  return createHash("md5").update(readFileSync(file)).digest("base64");
}

/** Where the build said the objects go: bucket, namespace (unless the placeholder) and folder, from fileUri. */
function fromSettings(settings: DataflowApplicationJson | undefined): { bucket?: string; namespace?: string; prefix?: string } {
  const uri = settings === undefined ? undefined : parseOciUri(settings.fileUri);
  if (uri === undefined) return {};
  const slash = uri.name.lastIndexOf("/");
  return {
    bucket: uri.bucket,
    namespace: uri.namespace === NAMESPACE_PLACEHOLDER ? undefined : uri.namespace,
    prefix: slash < 0 ? "" : uri.name.slice(0, slash),
  };
}

async function currentMd5(client: ObjectStorageClient, namespaceName: string, bucketName: string, name: string): Promise<string | undefined> {
  try {
    const head = await client.headObject({ namespaceName, bucketName, objectName: name });
    return head.opcMeta?.[`opc-meta-${MD5_METADATA}`] ?? (head.opcMultipartMd5 ? undefined : head.contentMd5);
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/** base64(MD5 of the concatenated binary part MD5s) + "-" + count, as OCI computes a multipart object's MD5. */
export function multipartMd5(partMd5s: string[]): string {
  const h = createHash("md5");
  for (const m of partMd5s) h.update(Buffer.from(m, "base64"));
  return `${h.digest("base64")}-${partMd5s.length}`;
}

async function putWhole(client: ObjectStorageClient, ns: string, bucket: string, name: string, file: string, md5: string): Promise<void> {
  const body = readFileSync(file);
  await client.putObject({
    namespaceName: ns,
    bucketName: bucket,
    objectName: name,
    putObjectBody: body,
    contentLength: body.length,
    contentMD5: md5,
    contentType: "text/x-python",
    opcMeta: { [MD5_METADATA]: md5 },
  });
}

async function putMultipart(
  client: ObjectStorageClient,
  ns: string,
  bucket: string,
  name: string,
  file: string,
  md5: string,
  partSize: number,
): Promise<number> {
  const size = statSync(file).size;
  const count = Math.max(1, Math.ceil(size / partSize));
  if (count > 10_000) throw new PackagingError(`${file} needs ${count} parts of ${partSize} bytes; the limit is 10,000: use a larger part size`);
  const created = await client.createMultipartUpload({
    namespaceName: ns,
    bucketName: bucket,
    createMultipartUploadDetails: { object: name, contentType: "application/zip", metadata: { [`opc-meta-${MD5_METADATA}`]: md5 } },
  });
  const uploadId = created.multipartUpload.uploadId;
  const handle = await open(file, "r");
  try {
    const parts: { partNum: number; etag: string; md5: string }[] = new Array(count);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        const length = Math.min(partSize, size - i * partSize);
        const body = Buffer.alloc(length);
        await handle.read(body, 0, length, i * partSize);
        const partMd5 = createHash("md5").update(body).digest("base64");
        const r = await client.uploadPart({
          namespaceName: ns,
          bucketName: bucket,
          objectName: name,
          uploadId,
          uploadPartNum: i + 1,
          contentLength: length,
          uploadPartBody: body,
          contentMD5: partMd5,
        });
        parts[i] = { partNum: i + 1, etag: r.eTag, md5: partMd5 };
      }
    };
    await Promise.all(Array.from({ length: Math.min(PART_CONCURRENCY, count) }, worker));
    const committed = await client.commitMultipartUpload({
      namespaceName: ns,
      bucketName: bucket,
      objectName: name,
      uploadId,
      commitMultipartUploadDetails: { partsToCommit: parts.map((p) => ({ partNum: p.partNum, etag: p.etag })) },
    });
    const want = multipartMd5(parts.map((p) => p.md5));
    if (committed.opcMultipartMd5 !== undefined && committed.opcMultipartMd5 !== want) {
      throw new PackagingError(`${name}: the service reports opc-multipart-md5 ${committed.opcMultipartMd5}, the parts sent give ${want}; deploy again`);
    }
    return count;
  } catch (err) {
    await client.abortMultipartUpload({ namespaceName: ns, bucketName: bucket, objectName: name, uploadId }).catch(() => {});
    throw err;
  } finally {
    await handle.close();
  }
}

export async function deployDataflow(options: DeployOptions): Promise<DeployResult> {
  const log = options.log ?? (() => {});
  const settingsFile = join(options.distDir, SETTINGS_FILE);
  const files = [join(options.distDir, APP_OBJECT), join(options.distDir, ARCHIVE_OBJECT)];
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new PackagingError(`${missing.join(" and ")} missing: build first (npm run build:dataflow -- --config FILE, or lake2oci build)`);
  }
  let settings: DataflowApplicationJson | undefined;
  if (existsSync(settingsFile)) {
    try {
      settings = JSON.parse(readFileSync(settingsFile, "utf8")) as DataflowApplicationJson;
    } catch {
      throw new PackagingError(`${settingsFile} is not JSON: build again`);
    }
  }
  const planned = fromSettings(settings);
  const bucket = options.bucket ?? planned.bucket ?? DEFAULT_DATAFLOW_BUCKET;
  const prefix = options.prefix ?? planned.prefix ?? "";
  let client: ObjectStorageClient;
  try {
    client = ociObjectStorageClient({
      configFile: options.ociConfigFile,
      profile: options.ociProfile,
      endpoint: options.endpoint,
      region: options.region,
    });
  } catch (err) {
    if (err instanceof StoreError) throw new PackagingError(err.message, { cause: err });
    throw err;
  }
  const where = (what: string) => `${what} (bucket ${bucket})`;
  try {
    const namespace = options.namespace ?? planned.namespace ?? (await ociNamespace(client, "GetNamespace"));
    try {
      await client.headBucket({ namespaceName: namespace, bucketName: bucket });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) {
        throw new PackagingError(
          `bucket ${bucket} does not exist in namespace ${namespace} (or this user cannot see it): create it ` +
            `(oci os bucket create --name ${bucket} --compartment-id <compartment OCID>) or pass --bucket`,
        );
      }
      throw err;
    }
    const objects: DeployedObject[] = [];
    for (const file of files) {
      const name = objectName(prefix, basename(file));
      const size = statSync(file).size;
      const md5 = md5File(file);
      const uri = ociUri(bucket, namespace, name);
      const have = await currentMd5(client, namespace, bucket, name);
      if (have === md5) {
        log(`${basename(file)} unchanged: ${uri}`);
        objects.push({ file, object: name, uri, size, md5, action: "unchanged", parts: 0 });
        continue;
      }
      let parts = 0;
      if (basename(file) === ARCHIVE_OBJECT) parts = await putMultipart(client, namespace, bucket, name, file, md5, options.partSize ?? DEFAULT_PART_SIZE);
      else await putWhole(client, namespace, bucket, name, file, md5);
      log(`${basename(file)} uploaded${parts > 0 ? ` in ${parts} parts` : ""}: ${uri}`);
      objects.push({ file, object: name, uri, size, md5, action: "uploaded", parts });
    }
    let settingsUpdated = false;
    if (settings !== undefined) {
      const fileUri = objects[0].uri;
      const archiveUri = objects[1].uri;
      if (settings.fileUri !== fileUri || settings.archiveUri !== archiveUri) {
        await writeFile(settingsFile, `${JSON.stringify({ ...settings, fileUri, archiveUri }, null, 2)}\n`);
        settingsUpdated = true;
      }
    }
    return { namespace, bucket, objects, settingsUpdated };
  } catch (err) {
    if (err instanceof PackagingError) throw err;
    throw new PackagingError(classifyOciError(err, where("deploy")).message, { cause: err });
  }
}
