import type { Readable } from "node:stream";
import { type BlobApi, BlobApiError, type BlobHttpHeaders, type BlobProperties, type ConditionHeaders } from "./blob-api.ts";
import { DfsError } from "./dfs-error.ts";
import {
  ancestorsOf,
  DEFAULT_GROUP,
  DEFAULT_OWNER,
  DIRECTORY_PERMISSIONS,
  dfsPropertiesToMetadata,
  FILE_PERMISSIONS,
  FOLDER_METADATA_KEY,
  implicitDirectoryProperties,
  isFolderMarker,
  metadataToDfsProperties,
  quotedEtag,
} from "./path-entry.ts";

/**
 * The DFS path operations (create, append, flush, delete, status) over Azurite's Blob API.
 *
 * Files are block blobs. An append stages one block whose id encodes its byte position
 * (`dfs-` + 20 decimal digits, base64), so a flush can commit, in position order, the staged
 * blocks that exactly cover [committed length, position) — whatever order parallel appends came in.
 */

const DELETE_CONCURRENCY = 16;

export function blockIdFor(position: number): string {
  return Buffer.from(`dfs-${String(position).padStart(20, "0")}`, "utf8").toString("base64");
}

export function positionOfBlockId(blockId: string): number | undefined {
  const text = Buffer.from(blockId, "base64").toString("utf8");
  const match = /^dfs-(\d{20})$/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Request headers, lowercase names, as the operations read them. */
export type Headers = Record<string, string | undefined>;

export interface OperationResult {
  status: number;
  headers: Record<string, string>;
}

function conditionsFrom(headers: Headers): ConditionHeaders {
  const out: ConditionHeaders = {};
  for (const name of ["if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "x-ms-lease-id"] as const) {
    const value = headers[name];
    if (value) out[name] = value;
  }
  return out;
}

/** DFS sends a path's HTTP properties as x-ms-content-* / x-ms-cache-control request headers. */
function httpHeadersFrom(headers: Headers): BlobHttpHeaders {
  return {
    contentType: headers["x-ms-content-type"],
    contentEncoding: headers["x-ms-content-encoding"],
    contentLanguage: headers["x-ms-content-language"],
    contentDisposition: headers["x-ms-content-disposition"],
    cacheControl: headers["x-ms-cache-control"],
    contentMd5: headers["x-ms-content-md5"],
  };
}

function metadataFrom(headers: Headers): Record<string, string> {
  try {
    return dfsPropertiesToMetadata(headers["x-ms-properties"]);
  } catch (error) {
    throw DfsError.invalidHeader("x-ms-properties", (error as Error).message);
  }
}

/** Translates Azurite's answers on a DFS call into the DFS error the service would give. */
function translate(error: unknown): never {
  if (error instanceof BlobApiError) {
    if (error.code === "ContainerNotFound") throw DfsError.filesystemNotFound();
    if (error.code === "BlobAlreadyExists") throw DfsError.pathAlreadyExists();
    if (error.status === 412 || error.code === "ConditionNotMet") throw DfsError.conditionNotMet();
    if (error.code === "BlobNotFound") throw DfsError.pathNotFound();
    if (error.code === "LeaseIdMissing" || error.code === "LeaseIdMismatchWithBlobOperation" || error.code === "LeaseNotPresentWithBlobOperation") {
      throw new DfsError(error.status, error.code, error.message);
    }
    if (error.code === "Md5Mismatch") throw new DfsError(400, "Md5Mismatch", "The MD5 value specified in the request did not match with the MD5 value calculated by the server.");
    throw new DfsError(error.status >= 400 ? error.status : 500, error.code || "InternalError", error.message);
  }
  throw error;
}

function resultHeaders(etag: string, lastModified: string): Record<string, string> {
  return { etag: quotedEtag(etag), "last-modified": lastModified, "x-ms-request-server-encrypted": "false" };
}

function parsePosition(value: string | undefined): number {
  if (value === undefined) throw DfsError.missingQueryParameter("position");
  if (!/^\d+$/.test(value)) throw DfsError.invalidQueryParameter("position", value, "must be a non-negative integer");
  const position = Number(value);
  if (!Number.isSafeInteger(position)) throw DfsError.invalidQueryParameter("position", value, "is too large");
  return position;
}

/** What is at a path: a file blob, a directory (marker or implicit), or nothing. */
export type PathKind =
  | { kind: "file"; properties: BlobProperties }
  | { kind: "directory"; properties: BlobProperties; implicit: boolean }
  | { kind: "none" };

export class PathOperations {
  private readonly api: BlobApi;

  constructor(api: BlobApi) {
    this.api = api;
  }

  /** Resolves a path: its blob, else an implicit directory found through its first descendant. */
  async resolve(container: string, path: string): Promise<PathKind> {
    try {
      const properties = await this.api.getProperties(container, path);
      if (properties) return isFolderMarker(properties) ? { kind: "directory", properties, implicit: false } : { kind: "file", properties };
      const page = await this.api.listBlobs(container, { prefix: `${path}/`, maxResults: 1 });
      if (page.blobs.length > 0) {
        const filesystem = await this.api.getContainerProperties(container);
        return { kind: "directory", properties: implicitDirectoryProperties(path, filesystem), implicit: true };
      }
      return { kind: "none" };
    } catch (error) {
      translate(error);
    }
  }

  /** Creates marker blobs for the missing ancestors of `path`, as HNS does for a new path. */
  private async ensureParents(container: string, path: string): Promise<void> {
    const ancestors = ancestorsOf(path);
    const kinds = await Promise.all(ancestors.map((ancestor) => this.api.getProperties(container, ancestor)));
    for (let i = 0; i < ancestors.length; i++) {
      const properties = kinds[i];
      if (properties && !isFolderMarker(properties)) throw DfsError.pathConflict();
    }
    await Promise.all(
      ancestors.map(async (ancestor, i) => {
        if (kinds[i]) return;
        try {
          await this.api.putBlockList(container, ancestor, [], { metadata: { [FOLDER_METADATA_KEY]: "true" }, conditions: { "if-none-match": "*" } });
        } catch (error) {
          // Created meanwhile by a concurrent call: that is what we wanted.
          if (!(error instanceof BlobApiError && error.code === "BlobAlreadyExists")) throw error;
        }
      }),
    );
  }

  /** PUT ?resource=file|directory. Overwrites a file unless If-None-Match: * says not to. */
  async create(container: string, path: string, resource: "file" | "directory", headers: Headers): Promise<OperationResult> {
    const conditions = conditionsFrom(headers);
    const metadata = metadataFrom(headers);
    const existing = await this.resolve(container, path);
    if (existing.kind !== "none" && conditions["if-none-match"] === "*") throw DfsError.pathAlreadyExists();
    if (existing.kind === "directory" && resource === "file") throw DfsError.pathConflict();
    if (existing.kind === "file" && resource === "directory") throw DfsError.pathConflict();
    try {
      await this.ensureParents(container, path);
      // Put Block List with no blocks (not Put Blob): it also discards blocks staged by an earlier,
      // unfinished upload, which Azurite's Put Blob keeps.
      const done = await this.api.putBlockList(container, path, [], {
        metadata: resource === "directory" ? { ...metadata, [FOLDER_METADATA_KEY]: "true" } : metadata,
        httpHeaders: httpHeadersFrom(headers),
        conditions,
      });
      return { status: 201, headers: { ...resultHeaders(done.etag, done.lastModified), "content-length": "0" } };
    } catch (error) {
      translate(error);
    }
  }

  /** PATCH ?action=append&position=P: stages the body as the block for position P. */
  async append(
    container: string,
    path: string,
    query: Map<string, string[]>,
    headers: Headers,
    body: Readable,
  ): Promise<OperationResult> {
    const position = parsePosition(query.get("position")?.[0]);
    if (headers["x-ms-structured-body"]) throw DfsError.notImplemented("structured message bodies (x-ms-structured-body, CRC64 upload validation)");
    const lengthHeader = headers["content-length"];
    if (lengthHeader === undefined) throw new DfsError(411, "MissingContentLengthHeader", "The Content-Length header is required for append.");
    const length = Number(lengthHeader);
    if (!Number.isSafeInteger(length) || length < 0) throw DfsError.invalidHeader("Content-Length", `"${lengthHeader}" is not a length`);
    if (length === 0) throw new DfsError(400, "InvalidRequestContent", "The request content is invalid: append needs a non-empty body.");
    let committedLength = 0;
    try {
      const properties = await this.api.getProperties(container, path);
      if (properties && isFolderMarker(properties)) throw DfsError.pathConflict();
      committedLength = properties?.contentLength ?? 0;
    } catch (error) {
      translate(error);
    }
    if (position < committedLength) {
      throw DfsError.invalidFlushPosition(`append at ${position} is before the end of the flushed data (${committedLength} bytes)`);
    }
    const extra: Record<string, string> = {};
    if (headers["content-md5"]) extra["content-md5"] = headers["content-md5"];
    if (headers["x-ms-lease-id"]) extra["x-ms-lease-id"] = headers["x-ms-lease-id"];
    try {
      await this.api.putBlock(container, path, blockIdFor(position), { stream: body, length }, extra);
    } catch (error) {
      translate(error);
    }
    const result: OperationResult = { status: 202, headers: { "x-ms-request-server-encrypted": "false" } };
    if (headers["content-md5"]) result.headers["content-md5"] = headers["content-md5"];
    if (query.get("flush")?.[0] === "true") {
      const flushed = await this.commit(container, path, position + length, new Map(), headers);
      return { status: 202, headers: { ...result.headers, ...flushed.headers } };
    }
    return result;
  }

  /** PATCH ?action=flush&position=N: commits the appended blocks covering [0, N) in order. */
  async flush(container: string, path: string, query: Map<string, string[]>, headers: Headers): Promise<OperationResult> {
    const position = parsePosition(query.get("position")?.[0]);
    const contentLength = headers["content-length"];
    if (contentLength !== undefined && contentLength !== "0") throw new DfsError(400, "InvalidRequestContent", "The request content is invalid: flush takes no body.");
    return this.commit(container, path, position, query, headers);
  }

  private async commit(container: string, path: string, position: number, query: Map<string, string[]>, headers: Headers): Promise<OperationResult> {
    try {
      const blocks = await this.api.getBlockList(container, path);
      if (!blocks) throw DfsError.pathNotFound();
      const properties = await this.api.getProperties(container, path);
      if (properties && isFolderMarker(properties)) throw DfsError.pathConflict();
      const committedLength = properties?.contentLength ?? 0;
      if (position < committedLength) {
        throw DfsError.invalidFlushPosition(`flush position ${position} is before the end of the flushed data (${committedLength} bytes)`);
      }
      let ids = blocks.committed.map((block) => block.name);
      const ours = blocks.committed.every((block) => positionOfBlockId(block.name) !== undefined);
      const coveredByBlocks = blocks.committed.reduce((sum, block) => sum + block.size, 0) === committedLength;
      if (committedLength > 0 && (!ours || !coveredByBlocks || blocks.committed.length === 0)) {
        // Data written through the Blob API without our block ids: stage it as our first block.
        const existing = await this.api.openRead(container, path);
        await this.api.putBlock(container, path, blockIdFor(0), { stream: existing, length: committedLength });
        ids = [blockIdFor(0)];
      }
      const staged = new Map<number, number>();
      for (const block of blocks.uncommitted) {
        const at = positionOfBlockId(block.name);
        if (at !== undefined) staged.set(at, block.size);
      }
      let at = committedLength;
      while (at < position) {
        const size = staged.get(at);
        if (size === undefined) throw DfsError.invalidFlushPosition(`no data was appended at position ${at} (flush position ${position})`);
        ids.push(blockIdFor(at));
        staged.delete(at);
        at += size;
      }
      if (at !== position) throw DfsError.invalidFlushPosition(`the appended data ends at ${at}, not at the flush position ${position}`);
      if (query.get("retainuncommitteddata")?.[0] === "true" && [...staged.keys()].some((p) => p >= position)) {
        throw DfsError.notImplemented("retainUncommittedData=true with data appended beyond the flush position");
      }
      const given = httpHeadersFrom(headers);
      // Properties the flush does not set keep their values; the MD5 is only ever the caller's.
      const httpHeaders: BlobHttpHeaders = {
        contentType: given.contentType ?? properties?.contentType,
        contentEncoding: given.contentEncoding ?? properties?.contentEncoding,
        contentLanguage: given.contentLanguage ?? properties?.contentLanguage,
        contentDisposition: given.contentDisposition ?? properties?.contentDisposition,
        cacheControl: given.cacheControl ?? properties?.cacheControl,
        contentMd5: given.contentMd5,
      };
      // A file made by create() already has its parents; one made by append+flush alone does not.
      if (!properties) await this.ensureParents(container, path);
      const done = await this.api.putBlockList(container, path, ids, {
        metadata: properties?.metadata ?? {},
        httpHeaders,
        conditions: conditionsFrom(headers),
      });
      return { status: 200, headers: { ...resultHeaders(done.etag, done.lastModified), "content-length": "0" } };
    } catch (error) {
      translate(error);
    }
  }

  /**
   * Deletes a file, or a directory (its subtree when `recursive`, else only when empty: 409
   * DirectoryNotEmpty). Not atomic, unlike the service: blobs are deleted one by one.
   */
  async delete(container: string, path: string, recursive: boolean, headers: Headers): Promise<void> {
    const conditions = conditionsFrom(headers);
    const target = await this.resolve(container, path);
    try {
      if (target.kind === "none") throw DfsError.pathNotFound();
      if (target.kind === "file") {
        if (!(await this.api.deleteBlob(container, path, conditions))) throw DfsError.pathNotFound();
        return;
      }
      const ifMatch = conditions["if-match"];
      if (ifMatch && ifMatch !== "*" && quotedEtag(ifMatch) !== quotedEtag(target.properties.etag)) throw DfsError.conditionNotMet();
      if (conditions["if-none-match"] === "*" || (conditions["if-none-match"] && quotedEtag(conditions["if-none-match"]) === quotedEtag(target.properties.etag))) {
        throw DfsError.conditionNotMet();
      }
      const prefix = `${path}/`;
      const first = await this.api.listBlobs(container, { prefix, maxResults: 1 });
      if (first.blobs.length > 0 && !recursive) throw DfsError.directoryNotEmpty();
      for (;;) {
        const page = await this.api.listBlobs(container, { prefix, maxResults: 1_000 });
        if (page.blobs.length === 0) break;
        for (let i = 0; i < page.blobs.length; i += DELETE_CONCURRENCY) {
          await Promise.all(page.blobs.slice(i, i + DELETE_CONCURRENCY).map((blob) => this.api.deleteBlob(container, blob.name)));
        }
      }
      if (!target.implicit) await this.api.deleteBlob(container, path);
    } catch (error) {
      translate(error);
    }
  }

  /** HEAD ?action=getStatus|getAccessControl: system properties and a plausible POSIX ACL. */
  async status(container: string, path: string, action: "getStatus" | "getAccessControl"): Promise<OperationResult> {
    const target = await this.resolve(container, path);
    if (target.kind === "none") throw DfsError.pathNotFound();
    const isDirectory = target.kind === "directory";
    const permissions = isDirectory ? DIRECTORY_PERMISSIONS : FILE_PERMISSIONS;
    const headers: Record<string, string> = {
      etag: quotedEtag(target.properties.etag),
      "last-modified": target.properties.lastModified,
      "x-ms-owner": DEFAULT_OWNER,
      "x-ms-group": DEFAULT_GROUP,
      "x-ms-permissions": permissions,
    };
    if (action === "getAccessControl") {
      headers["x-ms-acl"] = `user::${permissions.slice(0, 3)},group::${permissions.slice(3, 6)},other::${permissions.slice(6, 9)}`;
    } else {
      headers["x-ms-resource-type"] = isDirectory ? "directory" : "file";
      headers["content-length"] = String(isDirectory ? 0 : target.properties.contentLength);
    }
    return { status: 200, headers };
  }

  /** Headers a plain HEAD answer gains so the DFS view of the path shows too. */
  static dfsHeadersFor(properties: BlobProperties, isDirectory: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      "x-ms-resource-type": isDirectory ? "directory" : "file",
      "x-ms-owner": DEFAULT_OWNER,
      "x-ms-group": DEFAULT_GROUP,
      "x-ms-permissions": isDirectory ? DIRECTORY_PERMISSIONS : FILE_PERMISSIONS,
    };
    const dfsProperties = metadataToDfsProperties(properties.metadata);
    if (dfsProperties) headers["x-ms-properties"] = dfsProperties;
    return headers;
  }
}
