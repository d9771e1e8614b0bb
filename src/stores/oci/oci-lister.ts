// OCI Object Storage lister: ListObjects with the fields the diff needs (name, size, md5, etag, timeModified), 1,000
// per page (the service maximum), following nextStartWith to the end.
// Order: OCI lists in the byte order of the UTF-8 names (= Unicode code point order), i.e. sorted by name.
import type { ObjectStorageClient } from "oci-objectstorage";
import type { ListOptions, StoreEntry, StoreLister } from "../store.ts";
import { classifyOciError } from "./oci-errors.ts";

export const OCI_MAX_PAGE = 1000;

export interface OciLocation {
  namespace: string;
  bucket: string;
}

export class OciLister implements StoreLister {
  readonly description: string;

  constructor(
    private readonly client: ObjectStorageClient,
    private readonly location: OciLocation,
  ) {
    this.description = `OCI oci://${location.bucket}@${location.namespace} (${client.endpoint})`;
  }

  async *listPages(options: ListOptions = {}): AsyncIterable<StoreEntry[]> {
    const limit = Math.min(Math.max(1, options.pageSize ?? OCI_MAX_PAGE), OCI_MAX_PAGE);
    const prefix = options.prefix ?? "";
    let start: string | undefined;
    do {
      options.signal?.throwIfAborted();
      let page: Awaited<ReturnType<ObjectStorageClient["listObjects"]>>;
      try {
        page = await this.client.listObjects({
          namespaceName: this.location.namespace,
          bucketName: this.location.bucket,
          // The TypeScript SDK puts query values into the URL as they are (oci-common's request-generator does not
          // encode them): a name with &, #, + or % would be cut or changed. Encoded here, they reach the service intact.
          prefix: prefix === "" ? undefined : encodeURIComponent(prefix),
          start: start === undefined ? undefined : encodeURIComponent(start),
          limit,
          fields: "name,size,md5,etag,timeModified",
        });
      } catch (err) {
        throw classifyOciError(err, this.description);
      }
      const entries: StoreEntry[] = page.listObjects.objects.map((o) => ({
        name: o.name,
        size: o.size ?? 0,
        md5: o.md5,
        etag: o.etag,
        modified: new Date(o.timeModified ?? 0).toISOString(),
        isDirectory: false,
      }));
      yield entries;
      start = page.listObjects.nextStartWith;
    } while (start !== undefined && start !== "");
  }
}
