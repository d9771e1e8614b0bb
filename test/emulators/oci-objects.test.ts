// Conformance of the OCI emulator with the real TypeScript SDK: namespace, buckets, objects, ranges, metadata,
// conditional requests, names that need encoding, and listing (paging, prefix, delimiter, fields, start/end).
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as common from "oci-common";
import { startOciEmulator } from "../../src/emulators/oci/server.ts";
import {
  bodyBytes,
  createBucket,
  errorBody,
  md5Base64,
  rawRequest,
  sdkError,
  startTestEmulator,
  type TestEmulator,
  uniqueBucket,
} from "./oci-helpers.ts";

describe("OCI emulator: namespace and buckets", () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator();
  });
  after(async () => {
    await t?.stop();
  });

  it("returns the namespace as a JSON string", async () => {
    const res = await t.client.getNamespace({});
    assert.equal(res.value, "lake2oci");
    const raw = await rawRequest(t, { method: "GET", target: "/n/" });
    assert.equal(raw.status, 200);
    assert.equal(raw.body.toString(), '"lake2oci"');
    assert.ok(raw.headers["opc-request-id"], "every response carries opc-request-id");
  });

  it("creates, gets, heads, lists and deletes buckets", async () => {
    const names = [uniqueBucket("crud-a"), uniqueBucket("crud-b"), uniqueBucket("crud-c")];
    for (const name of names) await createBucket(t, name);
    const got = await t.client.getBucket({ namespaceName: t.namespace, bucketName: names[0] });
    assert.equal(got.bucket.name, names[0]);
    assert.equal(got.bucket.namespace, t.namespace);
    assert.equal(got.bucket.compartmentId, t.credentials.tenancy);
    assert.equal(got.bucket.createdBy, t.credentials.user);
    assert.ok(got.eTag);
    const head = await t.client.headBucket({ namespaceName: t.namespace, bucketName: names[0] });
    assert.equal(head.eTag, got.eTag);

    const seen: string[] = [];
    let page: string | undefined;
    let pages = 0;
    do {
      const res = await t.client.listBuckets({ namespaceName: t.namespace, compartmentId: t.credentials.tenancy, limit: 2, page });
      assert.ok(res.items.length <= 2);
      seen.push(...res.items.map((b) => b.name));
      page = res.opcNextPage;
      pages++;
    } while (page);
    assert.ok(pages >= 2, "three buckets with limit 2 take two pages");
    for (const name of names) assert.ok(seen.includes(name), `${name} listed`);
    const other = await t.client.listBuckets({ namespaceName: t.namespace, compartmentId: "ocid1.compartment.oc1..other" });
    assert.deepEqual(other.items, []);

    for (const name of names) await t.client.deleteBucket({ namespaceName: t.namespace, bucketName: name });
    const err = await sdkError(t.client.getBucket({ namespaceName: t.namespace, bucketName: names[0] }));
    assert.equal(err.statusCode, 404);
    assert.equal(err.serviceCode, "BucketNotFound");
  });

  it("answers bucket errors with the service's codes", async () => {
    const name = uniqueBucket("errors");
    await createBucket(t, name);
    const cases: { given: () => Promise<unknown>; want: [number, string] }[] = [
      { given: () => createBucket(t, name), want: [409, "BucketAlreadyExists"] },
      { given: () => t.client.getBucket({ namespaceName: t.namespace, bucketName: "no-such-bucket" }), want: [404, "BucketNotFound"] },
      { given: () => t.client.deleteBucket({ namespaceName: t.namespace, bucketName: "no-such-bucket" }), want: [404, "BucketNotFound"] },
      { given: () => t.client.getBucket({ namespaceName: "othernamespace", bucketName: name }), want: [404, "NamespaceNotFound"] },
      { given: () => createBucket(t, "bad name!"), want: [400, "InvalidBucketName"] },
      {
        given: () => t.client.listObjects({ namespaceName: t.namespace, bucketName: "no-such-bucket" }),
        want: [404, "BucketNotFound"],
      },
    ];
    for (const c of cases) {
      const err = await sdkError(c.given());
      assert.deepEqual([err.statusCode, err.serviceCode], c.want, err.message);
    }
  });

  it("refuses to delete a bucket that holds objects or multipart uploads", async () => {
    const name = uniqueBucket("notempty");
    await createBucket(t, name);
    await t.client.putObject({ namespaceName: t.namespace, bucketName: name, objectName: "x", putObjectBody: "x", contentLength: 1 });
    let err = await sdkError(t.client.deleteBucket({ namespaceName: t.namespace, bucketName: name }));
    assert.deepEqual([err.statusCode, err.serviceCode], [409, "BucketNotEmpty"]);
    await t.client.deleteObject({ namespaceName: t.namespace, bucketName: name, objectName: "x" });
    const upload = await t.client.createMultipartUpload({
      namespaceName: t.namespace,
      bucketName: name,
      createMultipartUploadDetails: { object: "y" },
    });
    err = await sdkError(t.client.deleteBucket({ namespaceName: t.namespace, bucketName: name }));
    assert.deepEqual([err.statusCode, err.serviceCode], [409, "BucketNotEmpty"]);
    await t.client.abortMultipartUpload({
      namespaceName: t.namespace,
      bucketName: name,
      objectName: "y",
      uploadId: upload.multipartUpload.uploadId,
    });
    await t.client.deleteBucket({ namespaceName: t.namespace, bucketName: name });
  });

  it("serves another namespace when configured", async () => {
    const other = await startOciEmulator({
      dataDir: join(t.dir, "other-ns"),
      ociConfigFile: t.credentials.configFile,
      namespace: "customns",
    });
    try {
      const client = t.newClient();
      client.endpoint = other.url;
      assert.equal((await client.getNamespace({})).value, "customns");
    } finally {
      await other.stop();
    }
  });
});

describe("OCI emulator: objects", () => {
  let t: TestEmulator;
  let bucket: string;
  before(async () => {
    t = await startTestEmulator();
    bucket = uniqueBucket("objects");
    await createBucket(t, bucket);
  });
  after(async () => {
    await t?.stop();
  });

  const put = (objectName: string, body: string | Buffer, extra: Record<string, unknown> = {}) =>
    t.client.putObject({
      namespaceName: t.namespace,
      bucketName: bucket,
      objectName,
      putObjectBody: body,
      contentLength: Buffer.byteLength(body),
      ...extra,
    });
  const get = (objectName: string, extra: Record<string, unknown> = {}) =>
    t.client.getObject({ namespaceName: t.namespace, bucketName: bucket, objectName, ...extra });

  it("puts, gets, heads and deletes an object with its MD5, etag, dates and content headers", async () => {
    const content = "hello, object storage";
    const startedAt = Date.now();
    const res = await put("greeting.txt", content, {
      contentType: "text/plain",
      contentEncoding: "identity",
      contentLanguage: "en",
      cacheControl: "no-cache",
      contentDisposition: "inline",
    });
    assert.equal(res.opcContentMd5, md5Base64(content));
    assert.ok(res.eTag);
    // The TS SDK formats lastModified in local time with a "Z" and unpadded hours, so read the raw header.
    const rawHead = await rawRequest(t, { method: "HEAD", target: `/n/${t.namespace}/b/${bucket}/o/greeting.txt` });
    const lastModified = Date.parse(rawHead.headers["last-modified"] as string);
    assert.ok(Math.abs(lastModified - startedAt) < 5000, `last-modified ${rawHead.headers["last-modified"]}`);

    const got = await get("greeting.txt");
    assert.equal((await bodyBytes(got.value)).toString(), content);
    assert.equal(got.contentLength, content.length);
    assert.equal(got.contentMd5, md5Base64(content));
    assert.equal(got.eTag, res.eTag);
    assert.equal(got.contentType, "text/plain");
    assert.equal(got.contentEncoding, "identity");
    assert.equal(got.contentLanguage, "en");
    assert.equal(got.cacheControl, "no-cache");
    assert.equal(got.contentDisposition, "inline");

    const head = await t.client.headObject({ namespaceName: t.namespace, bucketName: bucket, objectName: "greeting.txt" });
    assert.equal(head.contentLength, content.length);
    assert.equal(head.contentMd5, md5Base64(content));
    assert.equal(head.eTag, res.eTag);

    await t.client.deleteObject({ namespaceName: t.namespace, bucketName: bucket, objectName: "greeting.txt" });
    for (const call of [
      () => get("greeting.txt"),
      () => t.client.deleteObject({ namespaceName: t.namespace, bucketName: bucket, objectName: "greeting.txt" }),
    ]) {
      const err = await sdkError(call());
      assert.deepEqual([err.statusCode, err.serviceCode], [404, "ObjectNotFound"]);
    }
    const headErr = await sdkError(t.client.headObject({ namespaceName: t.namespace, bucketName: bucket, objectName: "greeting.txt" }));
    assert.equal(headErr.statusCode, 404);
  });

  it("stores zero-byte objects", async () => {
    const res = await put("empty", "");
    assert.equal(res.opcContentMd5, md5Base64(""));
    const got = await get("empty");
    assert.equal((await bodyBytes(got.value ?? "")).length, 0);
    assert.equal(got.contentLength, 0);
  });

  it("replaces an object on a second put", async () => {
    const first = await put("replaced", "one");
    const second = await put("replaced", "two!");
    assert.notEqual(first.eTag, second.eTag);
    assert.equal((await bodyBytes((await get("replaced")).value)).toString(), "two!");
  });

  it("keeps opc-meta-* metadata and returns it on GET and HEAD but not in listings", async () => {
    await put("with-meta", "m", { opcMeta: { source: "adls", "source-md5": "abc==" } });
    const got = await get("with-meta");
    assert.deepEqual(got.opcMeta, { "opc-meta-source": "adls", "opc-meta-source-md5": "abc==" });
    const head = await t.client.headObject({ namespaceName: t.namespace, bucketName: bucket, objectName: "with-meta" });
    assert.deepEqual(head.opcMeta, { "opc-meta-source": "adls", "opc-meta-source-md5": "abc==" });
    const list = await t.client.listObjects({
      namespaceName: t.namespace,
      bucketName: bucket,
      prefix: "with-meta",
      fields: "name,size,md5,etag,timeCreated,timeModified",
    });
    assert.deepEqual(Object.keys(list.listObjects.objects[0]).sort(), ["etag", "md5", "name", "size", "timeCreated", "timeModified"]);
  });

  it("serves byte ranges with 206 and Content-Range, and 416 for unsatisfiable ones", async () => {
    await put("digits", "0123456789");
    const sdkCases: { given: [number, number]; want: string }[] = [
      { given: [0, 3], want: "0123" },
      { given: [2, 2], want: "2" },
      { given: [7, 1000], want: "789" },
    ];
    for (const c of sdkCases) {
      const got = await get("digits", { range: new common.Range(c.given[0], c.given[1], null) });
      assert.equal((await bodyBytes(got.value)).toString(), c.want, `range ${c.given}`);
      assert.equal(got.contentLength, c.want.length);
    }
    const rawCases: { given: string; want: { status: number; body?: string; contentRange: string } }[] = [
      { given: "bytes=0-3", want: { status: 206, body: "0123", contentRange: "bytes 0-3/10" } },
      { given: "bytes=-4", want: { status: 206, body: "6789", contentRange: "bytes 6-9/10" } },
      { given: "bytes=5-", want: { status: 206, body: "56789", contentRange: "bytes 5-9/10" } },
      { given: "bytes=-100", want: { status: 206, body: "0123456789", contentRange: "bytes 0-9/10" } },
      { given: "bytes=10-20", want: { status: 416, contentRange: "bytes */10" } },
      { given: "bytes=5-2", want: { status: 416, contentRange: "bytes */10" } },
      { given: "bytes=undefined-undefined", want: { status: 416, contentRange: "bytes */10" } },
    ];
    for (const c of rawCases) {
      const res = await rawRequest(t, {
        method: "GET",
        target: `/n/${t.namespace}/b/${bucket}/o/digits`,
        headers: { range: c.given },
      });
      assert.equal(res.status, c.want.status, c.given);
      assert.equal(res.headers["content-range"], c.want.contentRange, c.given);
      if (c.want.body !== undefined) assert.equal(res.body.toString(), c.want.body, c.given);
      else assert.equal(errorBody(res).code, "InvalidRange");
    }
    const err = await sdkError(get("digits", { range: new common.Range(100, 200, null) }));
    assert.deepEqual([err.statusCode, err.serviceCode], [416, "InvalidRange"]);
  });

  it("rejects a body whose MD5 differs from Content-MD5 and stores nothing", async () => {
    const err = await sdkError(put("md5-bad", "payload", { contentMD5: md5Base64("something else") }));
    assert.deepEqual([err.statusCode, err.serviceCode], [400, "UnmatchedContentMD5"]);
    const missing = await sdkError(get("md5-bad"));
    assert.equal(missing.statusCode, 404);
    const ok = await put("md5-good", "payload", { contentMD5: md5Base64("payload") });
    assert.equal(ok.opcContentMd5, md5Base64("payload"));
    const tmp = await readdir(join(t.dir, "data", "tmp"));
    assert.deepEqual(tmp, [], "no temp file left behind");
  });

  it("honours If-None-Match: * and If-Match on writes, deletes and reads", async () => {
    const first = await put("conditional", "v1", { ifNoneMatch: "*" });
    let err = await sdkError(put("conditional", "v2", { ifNoneMatch: "*" }));
    assert.deepEqual([err.statusCode, err.serviceCode], [412, "IfNoneMatchFailed"]);
    err = await sdkError(put("conditional", "v2", { ifMatch: "not-the-etag" }));
    assert.deepEqual([err.statusCode, err.serviceCode], [412, "IfMatchFailed"]);
    const second = await put("conditional", "v2", { ifMatch: first.eTag });
    err = await sdkError(
      t.client.deleteObject({ namespaceName: t.namespace, bucketName: bucket, objectName: "conditional", ifMatch: first.eTag }),
    );
    assert.deepEqual([err.statusCode, err.serviceCode], [412, "IfMatchFailed"]);
    assert.equal((await bodyBytes((await get("conditional")).value)).toString(), "v2", "object survived the refused delete");
    err = await sdkError(get("conditional", { ifMatch: first.eTag }));
    assert.deepEqual([err.statusCode, err.serviceCode], [412, "IfMatchFailed"]);
    const notModified = await rawRequest(t, {
      method: "GET",
      target: `/n/${t.namespace}/b/${bucket}/o/conditional`,
      headers: { "if-none-match": second.eTag as string },
    });
    assert.equal(notModified.status, 304);
    await t.client.deleteObject({ namespaceName: t.namespace, bucketName: bucket, objectName: "conditional", ifMatch: second.eTag });
  });

  it("round-trips names with /, spaces, unicode, %, #, ?, + byte for byte", async () => {
    const names = [
      "a/b/c.parquet",
      "with space/and  two",
      "ünïcödé/日本語/😀.txt",
      "100%",
      "%2F-literal-percent-2F",
      "#hash",
      "what?",
      "a+b=c&d",
      "mixed /%#?+ end",
      "trailing/",
      "  leading-spaces",
      "semi;colon,comma'quote\"",
    ];
    const b = uniqueBucket("names");
    await createBucket(t, b);
    for (const name of names) {
      await t.client.putObject({ namespaceName: t.namespace, bucketName: b, objectName: name, putObjectBody: name, contentLength: Buffer.byteLength(name) });
    }
    for (const name of names) {
      const got = await t.client.getObject({ namespaceName: t.namespace, bucketName: b, objectName: name });
      assert.equal((await bodyBytes(got.value)).toString(), name, `content of ${JSON.stringify(name)}`);
    }
    const list = await t.client.listObjects({ namespaceName: t.namespace, bucketName: b });
    const want = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual(
      list.listObjects.objects.map((o) => o.name),
      want,
    );
    const records = t.emulator.requests().filter((r) => r.operation === "PutObject" && r.bucket === b);
    assert.deepEqual(
      records.map((r) => r.object),
      names,
    );
  });

  it("accepts `/` sent raw in the path (Python SDK before 2.168.3) and %2E for dot segments", async () => {
    let res = await rawRequest(t, { method: "PUT", target: `/n/${t.namespace}/b/${bucket}/o/raw/slash/name.txt`, body: "raw", signBody: false });
    assert.equal(res.status, 200, res.body.toString());
    const got = await get("raw/slash/name.txt");
    assert.equal((await bodyBytes(got.value)).toString(), "raw");
    res = await rawRequest(t, { method: "PUT", target: `/n/${t.namespace}/b/${bucket}/o/%2E%2E`, body: "dots", signBody: false });
    assert.equal(res.status, 200, res.body.toString());
    // The SDKs cannot address "..": WHATWG URL parsing folds the dot segment away, so read it raw too.
    const dots = await rawRequest(t, { method: "GET", target: `/n/${t.namespace}/b/${bucket}/o/%2E%2E` });
    assert.equal(dots.body.toString(), "dots");
    res = await rawRequest(t, { method: "GET", target: `/n/${t.namespace}/b/${bucket}/o/bad%ZZescape` });
    assert.equal(res.status, 400);
  });

  it("keeps objects across a restart on the same data directory", async () => {
    const dataDir = join(t.dir, "restart");
    const first = await startOciEmulator({ dataDir, ociConfigFile: t.credentials.configFile });
    const client = t.newClient();
    client.endpoint = first.url;
    await client.createBucket({ namespaceName: first.namespace, createBucketDetails: { name: "kept", compartmentId: t.credentials.tenancy } });
    const res = await client.putObject({ namespaceName: first.namespace, bucketName: "kept", objectName: "a/b", putObjectBody: "persisted", contentLength: 9, opcMeta: { k: "v" } });
    await first.stop();
    const second = await startOciEmulator({ dataDir, ociConfigFile: t.credentials.configFile });
    try {
      client.endpoint = second.url;
      const got = await client.getObject({ namespaceName: second.namespace, bucketName: "kept", objectName: "a/b" });
      assert.equal((await bodyBytes(got.value)).toString(), "persisted");
      assert.equal(got.eTag, res.eTag);
      assert.deepEqual(got.opcMeta, { "opc-meta-k": "v" });
    } finally {
      await second.stop();
    }
  });
});

describe("OCI emulator: listing", () => {
  let t: TestEmulator;
  let big: string;
  let small: string;
  const bigNames: string[] = [];
  before(async () => {
    t = await startTestEmulator();
    big = uniqueBucket("list-big");
    small = uniqueBucket("list-small");
    await createBucket(t, big);
    await createBucket(t, small);
    for (let i = 0; i < 1205; i++) bigNames.push(`part-${String(i).padStart(5, "0")}.parquet`);
    const queue = [...bigNames];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
          await t.client.putObject({ namespaceName: t.namespace, bucketName: big, objectName: name, putObjectBody: "x", contentLength: 1 });
        }
      }),
    );
    for (const name of ["a.txt", "dir/x.txt", "dir/y.txt", "dir/sub/z.txt", "dir2/w.txt", "e.txt", "f/g/h.txt"]) {
      await t.client.putObject({ namespaceName: t.namespace, bucketName: small, objectName: name, putObjectBody: name, contentLength: name.length });
    }
  });
  after(async () => {
    await t?.stop();
  });

  it("returns names only by default, at most 1,000, with nextStartWith to continue", async () => {
    const first = await t.client.listObjects({ namespaceName: t.namespace, bucketName: big });
    assert.equal(first.listObjects.objects.length, 1000);
    assert.deepEqual(Object.keys(first.listObjects.objects[0]), ["name"]);
    assert.equal(first.listObjects.nextStartWith, bigNames[1000]);
    const second = await t.client.listObjects({ namespaceName: t.namespace, bucketName: big, start: first.listObjects.nextStartWith });
    assert.equal(second.listObjects.objects.length, 205);
    assert.equal(second.listObjects.nextStartWith, undefined);
    assert.deepEqual(
      [...first.listObjects.objects, ...second.listObjects.objects].map((o) => o.name),
      bigNames,
    );
  });

  it("pages with a smaller limit and refuses a limit above 1,000", async () => {
    const seen: string[] = [];
    let start: string | undefined;
    let pages = 0;
    do {
      const res = await t.client.listObjects({ namespaceName: t.namespace, bucketName: big, limit: 300, start, fields: "name,size" });
      assert.ok(res.listObjects.objects.length <= 300);
      for (const o of res.listObjects.objects) assert.equal(o.size, 1);
      seen.push(...res.listObjects.objects.map((o) => o.name));
      start = res.listObjects.nextStartWith;
      pages++;
    } while (start);
    assert.equal(pages, 5);
    assert.deepEqual(seen, bigNames);
    const err = await sdkError(t.client.listObjects({ namespaceName: t.namespace, bucketName: big, limit: 1001 }));
    assert.deepEqual([err.statusCode, err.serviceCode], [400, "InvalidParameter"]);
  });

  it("filters by prefix, start, startAfter and end, and rolls up prefixes with a delimiter", async () => {
    const cases: { given: Record<string, string | number>; want: { names: string[]; prefixes?: string[]; next?: string } }[] = [
      { given: {}, want: { names: ["a.txt", "dir/sub/z.txt", "dir/x.txt", "dir/y.txt", "dir2/w.txt", "e.txt", "f/g/h.txt"] } },
      { given: { prefix: "dir/" }, want: { names: ["dir/sub/z.txt", "dir/x.txt", "dir/y.txt"] } },
      { given: { delimiter: "/" }, want: { names: ["a.txt", "e.txt"], prefixes: ["dir/", "dir2/", "f/"] } },
      { given: { prefix: "dir/", delimiter: "/" }, want: { names: ["dir/x.txt", "dir/y.txt"], prefixes: ["dir/sub/"] } },
      { given: { start: "dir/x.txt" }, want: { names: ["dir/x.txt", "dir/y.txt", "dir2/w.txt", "e.txt", "f/g/h.txt"] } },
      { given: { startAfter: "dir/x.txt" }, want: { names: ["dir/y.txt", "dir2/w.txt", "e.txt", "f/g/h.txt"] } },
      { given: { start: "b", end: "dir2" }, want: { names: ["dir/sub/z.txt", "dir/x.txt", "dir/y.txt"] } },
      { given: { limit: 2 }, want: { names: ["a.txt", "dir/sub/z.txt"], next: "dir/x.txt" } },
      { given: { delimiter: "/", limit: 2 }, want: { names: ["a.txt"], prefixes: ["dir/"], next: "dir2/" } },
      { given: { delimiter: "/", start: "dir2/" }, want: { names: ["e.txt"], prefixes: ["dir2/", "f/"] } },
      { given: { prefix: "zzz" }, want: { names: [] } },
    ];
    for (const c of cases) {
      const res = await t.client.listObjects({ namespaceName: t.namespace, bucketName: small, ...c.given });
      const label = JSON.stringify(c.given);
      assert.deepEqual(
        res.listObjects.objects.map((o) => o.name),
        c.want.names,
        label,
      );
      assert.deepEqual(res.listObjects.prefixes, c.want.prefixes, label);
      assert.equal(res.listObjects.nextStartWith, c.want.next, label);
    }
  });

  it("returns the requested fields with real values", async () => {
    const res = await t.client.listObjects({
      namespaceName: t.namespace,
      bucketName: small,
      prefix: "a.txt",
      fields: "name,size,md5,etag,timeCreated,timeModified,storageTier",
    });
    const o = res.listObjects.objects[0];
    const head = await t.client.headObject({ namespaceName: t.namespace, bucketName: small, objectName: "a.txt" });
    assert.equal(o.size, 5);
    assert.equal(o.md5, md5Base64("a.txt"));
    assert.equal(o.etag, head.eTag);
    assert.equal(o.storageTier, "Standard");
    assert.ok(Number.isFinite(new Date(o.timeCreated as unknown as string).getTime()));
    assert.ok(Number.isFinite(new Date(o.timeModified as unknown as string).getTime()));
    const err = await sdkError(t.client.listObjects({ namespaceName: t.namespace, bucketName: small, fields: "name,colour" }));
    assert.deepEqual([err.statusCode, err.serviceCode], [400, "InvalidParameter"]);
  });

  it("orders names by their UTF-8 bytes, not by UTF-16 code units", async () => {
    const b = uniqueBucket("order");
    await createBucket(t, b);
    // U+E000 and U+FFFD sort below U+1F600 in UTF-8, but above it in UTF-16 (surrogate D83D).
    const names = ["z", "\u{1F600}", "\uE000", "\uFFFD", "é", "Z", "a b", "a/b", "a-b", "a"];
    for (const name of names) {
      await t.client.putObject({ namespaceName: t.namespace, bucketName: b, objectName: name, putObjectBody: "x", contentLength: 1 });
    }
    const res = await t.client.listObjects({ namespaceName: t.namespace, bucketName: b });
    const want = [...names].sort((x, y) => Buffer.compare(Buffer.from(x, "utf8"), Buffer.from(y, "utf8")));
    assert.deepEqual(
      res.listObjects.objects.map((o) => o.name),
      want,
    );
    assert.notDeepEqual(want, [...names].sort(), "the case distinguishes byte order from code-unit order");
    const after = await t.client.listObjects({ namespaceName: t.namespace, bucketName: b, start: "\uFFFD" });
    assert.deepEqual(
      after.listObjects.objects.map((o) => o.name),
      ["\uFFFD", "\u{1F600}"],
    );
  });
});
