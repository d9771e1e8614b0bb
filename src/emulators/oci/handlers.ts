// The Object Storage operations the emulator serves, one function per operation, over the store. Each checks its
// inputs the way the service does and answers with the service's status codes, headers and JSON shapes (the field
// names are those of the SDK models: Bucket, BucketSummary, ListObjects, MultipartUpload, MultipartUploadPartSummary).
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { unlink } from "node:fs/promises";
import { invalidParameter, missingParameter, objectNotFound, OciServiceError, uploadNotFound } from "./errors.ts";
import type { Exchange } from "./exchange.ts";
import { listNames } from "./listing.ts";
import { compareNames, integerParam, parseQuery, validateBucketName, validateObjectName } from "./names.ts";
import type { Route } from "./routes.ts";
import type {
  BucketRecord,
  BucketState,
  ContentHeaders,
  ObjectStore,
  PartRecord,
  Precondition,
  StoredObject,
  UploadRecord,
} from "./store.ts";

export interface HandlerContext {
  store: ObjectStore;
  namespace: string;
  /** The verified keyId of the caller (`tenancy/user/fingerprint`). */
  keyId: string;
  /** The base64 SHA-256 the signed `x-content-sha256` header promises for the body, if it was signed. */
  bodyHashToCheck?: string;
}

const MAX_JSON_BODY = 16 * 1024 * 1024;
const MAX_PARTS = 10_000;
const LIST_LIMIT = 1000;
const OBJECT_FIELDS = ["name", "size", "etag", "md5", "timeCreated", "timeModified", "storageTier", "archivalState"];

const httpDate = (iso: string) => new Date(iso).toUTCString();

function ocid(kind: string): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const bytes = randomBytes(52);
  let tail = "";
  for (const b of bytes) tail += alphabet[b & 31];
  return `ocid1.${kind}.oc1.iad.aaaaaaaa${tail}`;
}

function checkNamespace(ctx: HandlerContext, route: Route): void {
  if (route.namespace !== ctx.namespace) {
    throw new OciServiceError(
      404,
      "NamespaceNotFound",
      `You do not have authorization to perform this request, or the namespace '${route.namespace}' could not be found`,
    );
  }
}

function bucketOf(ctx: HandlerContext, route: Route): BucketState {
  checkNamespace(ctx, route);
  return ctx.store.requireBucket(ctx.namespace, route.bucket as string);
}

function verifyBodyHash(ctx: HandlerContext, actualBase64: string | undefined): void {
  if (ctx.bodyHashToCheck !== undefined && ctx.bodyHashToCheck !== actualBase64) {
    throw new OciServiceError(401, "NotAuthenticated", "The x-content-sha256 header does not match the SHA-256 of the request body");
  }
}

async function readJson(ex: Exchange, ctx: HandlerContext): Promise<Record<string, unknown>> {
  const body = await ex.receiveBuffer(MAX_JSON_BODY);
  verifyBodyHash(ctx, createHash("sha256").update(body).digest("base64"));
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new OciServiceError(400, "InvalidParameter", `The request body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidParameter("The request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw invalidParameter(`'${field}' must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== "string") throw invalidParameter(`'${field}.${k}' must be a string`);
    out[k] = v;
  }
  return out;
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalidParameter(`'${field}' must be a string`);
  return v;
}

/** Page tokens are opaque to clients; here they are base64url of the key to resume at. */
const encodePage = (key: string) => Buffer.from(key, "utf8").toString("base64url");
function decodePage(query: URLSearchParams): string | undefined {
  const page = query.get("page");
  if (page === null) return undefined;
  if (!/^[A-Za-z0-9_-]*$/.test(page)) throw invalidParameter(`The 'page' token '${page}' is not valid`);
  return Buffer.from(page, "base64url").toString("utf8");
}

function limitParam(query: URLSearchParams): number {
  return integerParam(query, "limit", 1, LIST_LIMIT) ?? LIST_LIMIT;
}

// ---- conditional requests ----

function etagList(value: string): string[] {
  return value.split(",").map((s) => s.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1"));
}

/** If-Match / If-None-Match for writes: If-None-Match only accepts `*`. */
function writePreconditions(ex: Exchange): Precondition | undefined {
  const ifMatch = ex.header("if-match");
  const ifNoneMatch = ex.header("if-none-match");
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== "*") {
    throw invalidParameter("The only allowed value of If-None-Match on a write is '*'");
  }
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  return (current) => {
    if (ifNoneMatch !== undefined && current) {
      throw new OciServiceError(412, "IfNoneMatchFailed", `The object '${current.name}' already exists (If-None-Match: *)`);
    }
    if (ifMatch !== undefined) {
      const wanted = etagList(ifMatch);
      if (!current || !(wanted.includes("*") || wanted.includes(current.etag))) {
        throw new OciServiceError(412, "IfMatchFailed", "The If-Match header does not match the current entity tag of the object");
      }
    }
  };
}

// ---- content headers ----

function contentHeadersFrom(ex: Exchange): ContentHeaders {
  return {
    contentType: ex.header("content-type") || "application/octet-stream",
    contentEncoding: ex.header("content-encoding"),
    contentLanguage: ex.header("content-language"),
    contentDisposition: ex.header("content-disposition"),
    cacheControl: ex.header("cache-control"),
  };
}

function metadataFromHeaders(ex: Exchange): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(ex.req.headers)) {
    if (name.startsWith("opc-meta-") && value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function parseContentMd5(ex: Exchange): Buffer | undefined {
  const raw = ex.header("content-md5");
  if (raw === undefined) return undefined;
  const bytes = Buffer.from(raw.trim(), "base64");
  if (bytes.length !== 16 || bytes.toString("base64") !== raw.trim()) {
    throw invalidParameter(`The Content-MD5 header '${raw}' is not the base64 encoding of a 16-byte MD5 digest`);
  }
  return bytes;
}

function requireContentLength(ex: Exchange): void {
  if (ex.header("content-length") === undefined) {
    throw new OciServiceError(411, "ContentLengthRequired", "The Content-Length header is required (chunked bodies are not accepted)");
  }
}

/** Receives a body to a blob, checks Content-MD5 and x-content-sha256; returns the blob and its MD5. */
async function receiveBlob(ex: Exchange, ctx: HandlerContext) {
  requireContentLength(ex);
  const expectedMd5 = parseContentMd5(ex);
  const body = await ex.receiveToFile(ctx.store.tmpPath(), ctx.bodyHashToCheck !== undefined);
  try {
    if (expectedMd5 && !expectedMd5.equals(body.md5)) {
      throw new OciServiceError(
        400,
        "UnmatchedContentMD5",
        `The computed MD5 of the request body (${body.md5.toString("base64")}) does not match the Content-MD5 header (${expectedMd5.toString("base64")})`,
      );
    }
    verifyBodyHash(ctx, body.sha256);
  } catch (err) {
    await unlink(body.tmpFile).catch(() => {});
    throw err;
  }
  const blob = await ctx.store.adoptTemp(body.tmpFile, body.size);
  return { blob, md5: body.md5.toString("base64") };
}

// ---- namespace and buckets ----

async function getNamespace(ex: Exchange, ctx: HandlerContext): Promise<void> {
  await ex.sendJson(200, ctx.namespace);
}

function bucketJson(b: BucketState, fields: string[] = []) {
  const r = b.record;
  const out: Record<string, unknown> = {
    namespace: r.namespace,
    name: r.name,
    compartmentId: r.compartmentId,
    metadata: r.metadata,
    createdBy: r.createdBy,
    timeCreated: r.timeCreated,
    etag: r.etag,
    publicAccessType: r.publicAccessType,
    storageTier: r.storageTier,
    objectEventsEnabled: r.objectEventsEnabled,
    freeformTags: r.freeformTags,
    definedTags: r.definedTags,
    replicationEnabled: false,
    isReadOnly: false,
    id: r.id,
    versioning: r.versioning,
    autoTiering: "Disabled",
  };
  if (fields.includes("approximateCount")) out.approximateCount = b.objects.size;
  if (fields.includes("approximateSize")) {
    let size = 0;
    for (const o of b.objects.values()) size += o.size;
    out.approximateSize = size;
  }
  return out;
}

async function createBucket(ex: Exchange, ctx: HandlerContext, route: Route): Promise<void> {
  checkNamespace(ctx, route);
  const body = await readJson(ex, ctx);
  const name = validateBucketName(body.name);
  const compartmentId = optionalString(body, "compartmentId");
  if (!compartmentId) throw missingParameter("The bucket 'compartmentId' is required");
  const versioning = optionalString(body, "versioning") ?? "Disabled";
  if (versioning !== "Disabled") {
    throw new OciServiceError(501, "NotImplemented", "The OCI emulator does not implement bucket versioning; create the bucket with versioning 'Disabled'");
  }
  const record: BucketRecord = {
    namespace: ctx.namespace,
    name,
    id: ocid("bucket"),
    compartmentId,
    createdBy: ctx.keyId.split("/")[1] ?? ctx.keyId,
    timeCreated: new Date().toISOString(),
    etag: randomUUID(),
    metadata: stringMap(body.metadata, "metadata"),
    publicAccessType: optionalString(body, "publicAccessType") ?? "NoPublicAccess",
    storageTier: optionalString(body, "storageTier") ?? "Standard",
    objectEventsEnabled: body.objectEventsEnabled === true,
    versioning,
    freeformTags: stringMap(body.freeformTags, "freeformTags"),
    definedTags: (body.definedTags as Record<string, Record<string, unknown>>) ?? {},
  };
  const state = ctx.store.createBucket(record);
  await ex.sendJson(200, bucketJson(state), { etag: record.etag, location: `/n/${encodeURIComponent(ctx.namespace)}/b/${encodeURIComponent(name)}` });
}

async function listBuckets(ex: Exchange, ctx: HandlerContext, route: Route): Promise<void> {
  checkNamespace(ctx, route);
  const query = parseQuery(ex.rawQuery);
  const compartmentId = query.get("compartmentId");
  if (!compartmentId) throw missingParameter("The 'compartmentId' query parameter is required to list buckets");
  const limit = limitParam(query);
  const after = decodePage(query);
  const all = ctx.store.listBuckets().filter((b) => b.compartmentId === compartmentId && (after === undefined || compareNames(b.name, after) > 0));
  const page = all.slice(0, limit);
  const headers: Record<string, string> = {};
  if (all.length > limit) headers["opc-next-page"] = encodePage(page[page.length - 1].name);
  await ex.sendJson(
    200,
    page.map((r) => ({
      namespace: r.namespace,
      name: r.name,
      compartmentId: r.compartmentId,
      createdBy: r.createdBy,
      timeCreated: r.timeCreated,
      etag: r.etag,
      freeformTags: r.freeformTags,
      definedTags: r.definedTags,
    })),
    headers,
  );
}

async function getBucket(ex: Exchange, ctx: HandlerContext, route: Route): Promise<void> {
  const b = bucketOf(ctx, route);
  const fields = (parseQuery(ex.rawQuery).get("fields") ?? "").split(",").map((f) => f.trim());
  if (ex.method === "HEAD") {
    await ex.send(200, { etag: b.record.etag });
    return;
  }
  await ex.sendJson(200, bucketJson(b, fields), { etag: b.record.etag });
}

async function deleteBucket(ex: Exchange, ctx: HandlerContext, route: Route): Promise<void> {
  checkNamespace(ctx, route);
  const b = ctx.store.requireBucket(ctx.namespace, route.bucket as string);
  const ifMatch = ex.header("if-match");
  if (ifMatch !== undefined && !etagList(ifMatch).includes(b.record.etag)) {
    throw new OciServiceError(412, "IfMatchFailed", "The If-Match header does not match the current entity tag of the bucket");
  }
  ctx.store.deleteBucket(ctx.namespace, route.bucket as string);
  await ex.send(204, {});
}

// ---- objects ----

function objectHeaders(o: StoredObject): Record<string, string | number> {
  const h: Record<string, string | number> = {
    etag: o.etag,
    "last-modified": httpDate(o.timeModified),
    "content-type": o.contentType,
    "accept-ranges": "bytes",
    "storage-tier": "Standard",
    "version-id": o.versionId,
  };
  if (o.multipartMd5 !== undefined) h["opc-multipart-md5"] = o.multipartMd5;
  else if (o.md5 !== undefined) {
    h["content-md5"] = o.md5;
    h["opc-content-md5"] = o.md5;
  }
  if (o.contentEncoding) h["content-encoding"] = o.contentEncoding;
  if (o.contentLanguage) h["content-language"] = o.contentLanguage;
  if (o.contentDisposition) h["content-disposition"] = o.contentDisposition;
  if (o.cacheControl) h["cache-control"] = o.cacheControl;
  for (const [k, v] of Object.entries(o.metadata)) h[k] = v;
  return h;
}

async function putObject(ex: Exchange, ctx: HandlerContext, route: Route): Promise<void> {
  const b = bucketOf(ctx, route);
  const name = validateObjectName(route.object as string);
  const precondition = writePreconditions(ex);
  precondition?.(b.objects.get(name));
  const headers = contentHeadersFrom(ex);
  const metadata = metadataFromHeaders(ex);
  const { blob, md5 } = await receiveBlob(ex, ctx);
  const now = new Date().toISOString();
  const object: StoredObject = {
    name,
    size: blob.size,
    md5,
    etag: randomUUID(),
    versionId: randomUUID(),
    timeCreated: now,
    timeModified: now,
    ...headers,
    metadata,
    blobs: [blob],
  };
  ctx.store.commitObject(ctx.namespace, b.record.id, b.record.name, object, precondition);
  await ex.send(200, {
    etag: object.etag,
    "opc-content-md5": ex.md5ToAnswer(md5),
    "last-modified": httpDate(now),
    "version-id": object.versionId,
    "content-length": 0,
  });
}

/** Parses a single `bytes=` range against `size`; returns [start, end] inclusive, or throws 416. */
function parseRange(value: string, size: number): [number, number] {
  const unsatisfiable = (why: string) =>
    new OciServiceError(416, "InvalidRange", `The Range header '${value}' ${why} (object size ${size})`, {
      "content-range": `bytes */${size}`,
    });
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(value);
  if (!m || (m[1] === "" && m[2] === "")) throw unsatisfiable("is not a single 'bytes=start-end' range");
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) throw unsatisfiable("selects no bytes");
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== "" && Number(m[2]) < start) throw unsatisfiable("ends before it starts");
  if (start >= size) throw unsatisfiable("starts at or after the end of the object");
  return [start, end];
}

async function getObject(ex: Exchange, ctx: HandlerContext, route: Route): Promise<void> {
  const b = bucketOf(ctx, route);
  const name = route.object as string;
  const o = b.objects.get(name);
  if (!o) throw objectNotFound(b.record.name, name);
  const ifMatch = ex.header("if-match");
  if (ifMatch !== undefined && !etagList(ifMatch).some((t) => t === "*" || t === o.etag)) {
    throw new OciServiceError(412, "IfMatchFailed", "The If-Match header does not match the current entity tag of the object");
  }
  const ifNoneMatch = ex.header("if-none-match");
  if (ifNoneMatch !== undefined && etagList(ifNoneMatch).some((t) => t === "*" || t === o.etag)) {
    await ex.send(304, { etag: o.etag, "last-modified": httpDate(o.timeModified) });
    return;
  }
  const headers = objectHeaders(o);
  const range = ex.header("range");
  let status = 200;
  let start = 0;
  let end = o.size - 1;
  if (range !== undefined) {
    [start, end] = parseRange(range, o.size);
    status = 206;
    headers["content-range"] = `bytes ${start}-${end}/${o.size}`;
  }
  const length = o.size === 0 ? 0 : end - start + 1;
  headers["content-length"] = length;
  if (ex.method === "HEAD" || length === 0) {
    await ex.send(status, headers);
    return;
  }
  await ex.send(status, headers, { stream: ctx.store.openRange(o, start, end), length });
}

async function deleteObject(ex: Exchange, ctx: HandlerContext, route: Route): Promise<void> {
  const b = bucketOf(ctx, route);
  const name = route.object as string;
  const o = b.objects.get(name);
  if (!o) throw objectNotFound(b.record.name, name);
  const ifMatch = ex.header("if-match");
  if (ifMatch !== undefined && !etagList(ifMatch).some((t) => t === "*" || t === o.etag)) {
    throw new OciServiceError(412, "IfMatchFailed", "The If-Match header does not match the current entity tag of the object");
  }
  ctx.store.deleteObject(b, name);
  await ex.send(204, { "last-modified": httpDate(new Date().toISOString()) });
}

function optionalQuery(query: URLSearchParams, name: string): string | undefined {
  const v = query.get(name);
  return v === null ? undefined : v;
}

async function listObjects(ex: Exchange, ctx: HandlerContext, route: Route): Promise<void> {
  const b = bucketOf(ctx, route);
  const query = parseQuery(ex.rawQuery);
  const delimiter = optionalQuery(query, "delimiter");
  if (delimiter !== undefined && delimiter !== "/") {
    throw invalidParameter(`The delimiter '${delimiter}' is not supported; only '/' is`);
  }
  const fields = new Set(["name"]);
  const rawFields = optionalQuery(query, "fields");
  if (rawFields !== undefined) {
    for (const f of rawFields.split(",")) {
      const wanted = f.trim();
      if (wanted === "") continue;
      const known = OBJECT_FIELDS.find((k) => k.toLowerCase() === wanted.toLowerCase());
      if (!known) throw invalidParameter(`The field '${wanted}' is not one of ${OBJECT_FIELDS.join(", ")}`);
      fields.add(known);
    }
  }
  const page = listNames(b.names.sorted(), {
    prefix: optionalQuery(query, "prefix"),
    start: optionalQuery(query, "start"),
    startAfter: optionalQuery(query, "startAfter"),
    end: optionalQuery(query, "end"),
    delimiter: delimiter || undefined,
    limit: limitParam(query),
  });
  const objects = page.names.map((n) => {
    const o = b.objects.get(n) as StoredObject;
    const out: Record<string, unknown> = { name: o.name };
    if (fields.has("size")) out.size = o.size;
    if (fields.has("md5")) out.md5 = o.multipartMd5 ?? o.md5;
    if (fields.has("timeCreated")) out.timeCreated = o.timeCreated;
    if (fields.has("etag")) out.etag = o.etag;
    if (fields.has("storageTier")) out.storageTier = "Standard";
    if (fields.has("timeModified")) out.timeModified = o.timeModified;
    return out;
  });
  const body: Record<string, unknown> = { objects };
  if (delimiter) body.prefixes = page.prefixes;
  if (page.nextStartWith !== undefined) body.nextStartWith = page.nextStartWith;
  await ex.sendJson(200, body);
}

// ---- multipart uploads ----

function uploadJson(ctx: HandlerContext, b: BucketState, u: UploadRecord) {
  return {
    namespace: ctx.namespace,
    bucket: b.record.name,
    object: u.object,
    uploadId: u.uploadId,
    timeCreated: u.timeCreated,
    storageTier: u.storageTier,
  };
}

function requireUpload(ex: Exchange, b: BucketState, route: Route): UploadRecord {
  const uploadId = parseQuery(ex.rawQuery).get("uploadId");
  if (!uploadId) throw missingParameter("The 'uploadId' query parameter is required");
  const u = b.uploads.get(uploadId);
  if (!u || u.object !== route.object) throw uploadNotFound(b.record.name, route.object as string, uploadId);
  return u;
}

async function createMultipartUpload(ex: Exchange, ctx: HandlerContext, route: Route): Promise<void> {
  const b = bucketOf(ctx, route);
  const body = await readJson(ex, ctx);
  const object = optionalString(body, "object");
  if (!object) throw missingParameter("The multipart upload 'object' name is required");
  validateObjectName(object);
  writePreconditions(ex)?.(b.objects.get(object));
  const metadata = stringMap(body.metadata, "metadata");
  const lowered: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (!k.toLowerCase().startsWith("opc-meta-")) throw invalidParameter(`The metadata key '${k}' must start with 'opc-meta-'`);
    lowered[k.toLowerCase()] = v;
  }
  const upload: UploadRecord = {
    uploadId: randomUUID(),
    object,
    timeCreated: new Date().toISOString(),
    storageTier: optionalString(body, "storageTier") ?? "Standard",
    contentType: optionalString(body, "contentType") ?? "application/octet-stream",
    contentEncoding: optionalString(body, "contentEncoding"),
    contentLanguage: optionalString(body, "contentLanguage"),
    contentDisposition: optionalString(body, "contentDisposition"),
    cacheControl: optionalString(body, "cacheControl"),
    metadata: lowered,
    parts: new Map(),
  };
  ctx.store.addUpload(b, upload);
  await ex.sendJson(200, uploadJson(ctx, b, upload), {
    location: `/n/${encodeURIComponent(ctx.namespace)}/b/${encodeURIComponent(b.record.name)}/u/${encodeURIComponent(object)}?uploadId=${upload.uploadId}`,
  });
}

async function uploadPart(ex: Exchange, ctx: HandlerContext, route: Route): Promise<void> {
  const b = bucketOf(ctx, route);
  const u = requireUpload(ex, b, route);
  const query = parseQuery(ex.rawQuery);
  const partNumber = integerParam(query, "uploadPartNum", 1, MAX_PARTS);
  if (partNumber === undefined) throw missingParameter("The 'uploadPartNum' query parameter is required");
  const { blob, md5 } = await receiveBlob(ex, ctx);
  const part: PartRecord = { partNumber, etag: randomUUID(), md5, size: blob.size, blob, lastModified: new Date().toISOString() };
  if (!ctx.store.commitPart(b.record.name, b.record.id, u.uploadId, part)) {
    throw uploadNotFound(b.record.name, u.object, u.uploadId);
  }
  await ex.send(200, { etag: part.etag, "opc-content-md5": ex.md5ToAnswer(md5), "content-length": 0 });
}

async function listParts(ex: Exchange, ctx: HandlerContext, route: Route): Promise<void> {
  const b = bucketOf(ctx, route);
  const u = requireUpload(ex, b, route);
  const query = parseQuery(ex.rawQuery);
  const limit = limitParam(query);
  const pageKey = decodePage(query);
  const from = pageKey === undefined ? 1 : Number(pageKey);
  if (!Number.isInteger(from)) throw invalidParameter("The 'page' token is not valid");
  const parts = [...u.parts.values()].filter((p) => p.partNumber >= from).sort((x, y) => x.partNumber - y.partNumber);
  const page = parts.slice(0, limit);
  const headers: Record<string, string> = {};
  if (parts.length > limit) headers["opc-next-page"] = encodePage(String(parts[limit].partNumber));
  await ex.sendJson(
    200,
    page.map((p) => ({ partNumber: p.partNumber, etag: p.etag, md5: p.md5, size: p.size })),
    headers,
  );
}

async function commitMultipartUpload(ex: Exchange, ctx: HandlerContext, route: Route): Promise<void> {
  const b = bucketOf(ctx, route);
  const u = requireUpload(ex, b, route);
  const precondition = writePreconditions(ex);
  const body = await readJson(ex, ctx);
  const toCommit = body.partsToCommit;
  if (!Array.isArray(toCommit) || toCommit.length === 0) {
    throw missingParameter("'partsToCommit' must be a non-empty array of {partNum, etag}");
  }
  const toExclude = body.partsToExclude ?? [];
  if (!Array.isArray(toExclude) || !toExclude.every((n) => Number.isInteger(n))) {
    throw invalidParameter("'partsToExclude' must be an array of part numbers");
  }
  // The body was read asynchronously: from here on everything is synchronous, so the upload cannot change under us.
  const current = b.uploads.get(u.uploadId);
  if (current !== u || ctx.store.bucket(b.record.name) !== b) throw uploadNotFound(b.record.name, u.object, u.uploadId);
  const chosen: PartRecord[] = [];
  const seen = new Set<number>();
  for (const entry of toCommit) {
    const e = entry as Record<string, unknown>;
    const partNum = e?.partNum;
    if (!Number.isInteger(partNum) || (partNum as number) < 1 || (partNum as number) > MAX_PARTS) {
      throw invalidParameter(`Each entry of 'partsToCommit' needs a 'partNum' between 1 and ${MAX_PARTS}, got ${JSON.stringify(partNum)}`);
    }
    const n = partNum as number;
    if (seen.has(n)) throw invalidParameter(`Part ${n} is listed more than once in 'partsToCommit'`);
    seen.add(n);
    const part = u.parts.get(n);
    if (!part) throw invalidParameter(`Part ${n} of upload '${u.uploadId}' was never uploaded`);
    if (typeof e.etag !== "string" || etagList(e.etag)[0] !== part.etag) {
      throw invalidParameter(`The etag given for part ${n} does not match the etag of the uploaded part`);
    }
    chosen.push(part);
  }
  for (const n of toExclude as number[]) {
    if (seen.has(n)) throw invalidParameter(`Part ${n} is in both 'partsToCommit' and 'partsToExclude'`);
  }
  const excluded = new Set(toExclude as number[]);
  for (const n of u.parts.keys()) {
    if (!seen.has(n) && !excluded.has(n)) {
      throw invalidParameter(`Uploaded part ${n} must be listed in either 'partsToCommit' or 'partsToExclude'`);
    }
  }
  chosen.sort((x, y) => x.partNumber - y.partNumber);
  precondition?.(b.objects.get(u.object));
  const digest = createHash("md5");
  for (const p of chosen) digest.update(Buffer.from(p.md5, "base64"));
  const multipartMd5 = `${digest.digest("base64")}-${chosen.length}`;
  const now = new Date().toISOString();
  const object: StoredObject = {
    name: u.object,
    size: chosen.reduce((s, p) => s + p.size, 0),
    multipartMd5,
    etag: randomUUID(),
    versionId: randomUUID(),
    timeCreated: now,
    timeModified: now,
    contentType: u.contentType,
    contentEncoding: u.contentEncoding,
    contentLanguage: u.contentLanguage,
    contentDisposition: u.contentDisposition,
    cacheControl: u.cacheControl,
    metadata: u.metadata,
    blobs: chosen.map((p) => p.blob),
  };
  ctx.store.removeUpload(b, u.uploadId, new Set(object.blobs.map((x) => x.id)));
  ctx.store.commitObject(ctx.namespace, b.record.id, b.record.name, object);
  await ex.send(200, {
    "opc-multipart-md5": ex.md5ToAnswer(multipartMd5),
    etag: object.etag,
    "last-modified": httpDate(now),
    "version-id": object.versionId,
    "content-length": 0,
  });
}

async function abortMultipartUpload(ex: Exchange, ctx: HandlerContext, route: Route): Promise<void> {
  const b = bucketOf(ctx, route);
  const u = requireUpload(ex, b, route);
  ctx.store.removeUpload(b, u.uploadId);
  await ex.send(204, {});
}

async function listMultipartUploads(ex: Exchange, ctx: HandlerContext, route: Route): Promise<void> {
  const b = bucketOf(ctx, route);
  const query = parseQuery(ex.rawQuery);
  const limit = limitParam(query);
  const after = decodePage(query);
  const key = (u: UploadRecord) => `${u.object}\u0000${u.timeCreated}\u0000${u.uploadId}`;
  const all = [...b.uploads.values()]
    .sort((x, y) => compareNames(key(x), key(y)))
    .filter((u) => after === undefined || compareNames(key(u), after) > 0);
  const page = all.slice(0, limit);
  const headers: Record<string, string> = {};
  if (all.length > limit) headers["opc-next-page"] = encodePage(key(page[page.length - 1]));
  await ex.sendJson(
    200,
    page.map((u) => uploadJson(ctx, b, u)),
    headers,
  );
}

type Handler = (ex: Exchange, ctx: HandlerContext, route: Route) => Promise<void>;

export const handlers: Record<Exclude<Route["operation"], "Unsupported">, Handler> = {
  GetNamespace: getNamespace,
  CreateBucket: createBucket,
  ListBuckets: listBuckets,
  GetBucket: getBucket,
  HeadBucket: getBucket,
  DeleteBucket: deleteBucket,
  ListObjects: listObjects,
  PutObject: putObject,
  GetObject: getObject,
  HeadObject: getObject,
  DeleteObject: deleteObject,
  CreateMultipartUpload: createMultipartUpload,
  ListMultipartUploads: listMultipartUploads,
  UploadPart: uploadPart,
  ListMultipartUploadParts: listParts,
  CommitMultipartUpload: commitMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
};
