// Multipart uploads against the OCI emulator with the real TypeScript SDK: the SDK's UploadManager on a ~45 MiB
// stream (several parts), and every multipart call by hand, with opc-multipart-md5 recomputed here.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { UploadManager } from "oci-objectstorage";
import { bodyBytes, createBucket, md5Base64, rawRequest, sdkError, startTestEmulator, type TestEmulator, uniqueBucket } from "./oci-helpers.ts";

/** OCI's multipart MD5: base64(MD5(concatenation of each part's binary MD5)) + "-" + part count. */
function multipartMd5(parts: Buffer[]): string {
  const h = createHash("md5");
  for (const p of parts) h.update(createHash("md5").update(p).digest());
  return `${h.digest("base64")}-${parts.length}`;
}

describe("OCI emulator: multipart uploads", () => {
  let t: TestEmulator;
  let bucket: string;
  before(async () => {
    t = await startTestEmulator();
    bucket = uniqueBucket("multipart");
    await createBucket(t, bucket);
  });
  after(async () => {
    await t?.stop();
  });

  const base = () => ({ namespaceName: t.namespace, bucketName: bucket });

  it("takes a ~45 MiB stream through the SDK's UploadManager in several parts", { timeout: 120_000 }, async () => {
    const size = 45 * 1024 * 1024 + 12345;
    const data = randomBytes(size);
    const partSize = 20 * 1024 * 1024; // the TS UploadManager's default part size
    t.emulator.resetRequests();
    const manager = new UploadManager(t.client, { enforceMD5: true });
    const stream = Readable.from(
      (function* () {
        for (let off = 0; off < size; off += 1024 * 1024) yield data.subarray(off, Math.min(size, off + 1024 * 1024));
      })(),
    );
    const res = await manager.upload({
      content: { stream },
      requestDetails: { ...base(), objectName: "big/stream.bin", opcMeta: { origin: "test" } },
    });
    const counts = t.emulator.requestCounts();
    assert.equal(counts.CreateMultipartUpload, 1);
    assert.equal(counts.UploadPart, 3);
    assert.equal(counts.CommitMultipartUpload, 1);
    assert.equal(counts.PutObject, undefined, "not one PutObject");
    const parts = [0, 1, 2].map((i) => data.subarray(i * partSize, Math.min(size, (i + 1) * partSize)));
    const expected = multipartMd5(parts);
    assert.equal(res.multipartMd5, expected);

    const got = await t.client.getObject({ ...base(), objectName: "big/stream.bin" });
    assert.equal(got.opcMultipartMd5, expected);
    assert.equal(got.contentMd5, undefined, "multipart objects have no content MD5");
    assert.equal(got.contentLength, size);
    assert.deepEqual(got.opcMeta, { "opc-meta-origin": "test" });
    const body = await bodyBytes(got.value);
    assert.equal(body.length, size);
    assert.ok(body.equals(data), "downloaded bytes equal the uploaded ones");

    const list = await t.client.listObjects({ ...base(), prefix: "big/", fields: "name,size,md5" });
    assert.deepEqual(list.listObjects.objects, [{ name: "big/stream.bin", size, md5: expected }]);
    const uploads = await t.client.listMultipartUploads(base());
    assert.deepEqual(uploads.items, [], "the committed upload is gone");
  });

  it("creates, uploads, lists, commits (with an excluded part) by hand", async () => {
    const name = "by hand/ü+%.bin";
    const created = await t.client.createMultipartUpload({
      ...base(),
      createMultipartUploadDetails: { object: name, contentType: "application/x-parquet", metadata: { "opc-meta-src": "adls" } },
    });
    const uploadId = created.multipartUpload.uploadId;
    assert.equal(created.multipartUpload.object, name);
    assert.equal(created.multipartUpload.bucket, bucket);
    assert.equal(created.multipartUpload.namespace, t.namespace);

    const bodies = [randomBytes(300_000), randomBytes(200_000), Buffer.from("third and last part"), randomBytes(1000)];
    const etags: string[] = [];
    for (const [i, body] of bodies.entries()) {
      const res = await t.client.uploadPart({
        ...base(),
        objectName: name,
        uploadId,
        uploadPartNum: i + 1,
        uploadPartBody: body,
        contentLength: body.length,
        contentMD5: md5Base64(body),
      });
      assert.equal(res.opcContentMd5, md5Base64(body));
      etags.push(res.eTag as string);
    }
    // Re-uploading a part number replaces it.
    const replacement = randomBytes(150_000);
    const again = await t.client.uploadPart({
      ...base(),
      objectName: name,
      uploadId,
      uploadPartNum: 2,
      uploadPartBody: replacement,
      contentLength: replacement.length,
    });
    bodies[1] = replacement;
    etags[1] = again.eTag as string;

    const listed = await t.client.listMultipartUploadParts({ ...base(), objectName: name, uploadId });
    assert.deepEqual(
      listed.items,
      bodies.map((b, i) => ({ partNumber: i + 1, etag: etags[i], md5: md5Base64(b), size: b.length })),
    );
    const page1 = await t.client.listMultipartUploadParts({ ...base(), objectName: name, uploadId, limit: 3 });
    assert.deepEqual(
      page1.items.map((p) => p.partNumber),
      [1, 2, 3],
    );
    assert.ok(page1.opcNextPage);
    const page2 = await t.client.listMultipartUploadParts({ ...base(), objectName: name, uploadId, limit: 3, page: page1.opcNextPage });
    assert.deepEqual(
      page2.items.map((p) => p.partNumber),
      [4],
    );
    assert.equal(page2.opcNextPage, undefined);

    const uploads = await t.client.listMultipartUploads(base());
    assert.ok(uploads.items.some((u) => u.uploadId === uploadId && u.object === name));

    const committed = await t.client.commitMultipartUpload({
      ...base(),
      objectName: name,
      uploadId,
      commitMultipartUploadDetails: {
        partsToCommit: [3, 1, 2].map((n) => ({ partNum: n, etag: etags[n - 1] })),
        partsToExclude: [4],
      },
    });
    const kept = bodies.slice(0, 3);
    const expected = multipartMd5(kept);
    assert.equal(committed.opcMultipartMd5, expected);

    const head = await t.client.headObject({ ...base(), objectName: name });
    assert.equal(head.opcMultipartMd5, expected);
    assert.equal(head.contentMd5, undefined);
    assert.equal(head.contentType, "application/x-parquet");
    assert.deepEqual(head.opcMeta, { "opc-meta-src": "adls" });
    const got = await t.client.getObject({ ...base(), objectName: name });
    assert.ok((await bodyBytes(got.value)).equals(Buffer.concat(kept)));

    // A range that spans the boundary between two parts.
    const ranged = await rawRequest(t, {
      method: "GET",
      target: `/n/${t.namespace}/b/${bucket}/o/${encodeURIComponent(name)}`,
      headers: { range: "bytes=299990-300009" },
    });
    assert.equal(ranged.status, 206);
    assert.ok(ranged.body.equals(Buffer.concat(kept).subarray(299_990, 300_010)));

    const err = await sdkError(t.client.listMultipartUploadParts({ ...base(), objectName: name, uploadId }));
    assert.deepEqual([err.statusCode, err.serviceCode], [404, "NoSuchUpload"]);
  });

  it("aborts an upload and then refuses its parts", async () => {
    const created = await t.client.createMultipartUpload({ ...base(), createMultipartUploadDetails: { object: "aborted" } });
    const uploadId = created.multipartUpload.uploadId;
    await t.client.uploadPart({ ...base(), objectName: "aborted", uploadId, uploadPartNum: 1, uploadPartBody: "x", contentLength: 1 });
    await t.client.abortMultipartUpload({ ...base(), objectName: "aborted", uploadId });
    const uploads = await t.client.listMultipartUploads(base());
    assert.ok(!uploads.items.some((u) => u.uploadId === uploadId));
    for (const call of [
      () => t.client.uploadPart({ ...base(), objectName: "aborted", uploadId, uploadPartNum: 2, uploadPartBody: "y", contentLength: 1 }),
      () => t.client.abortMultipartUpload({ ...base(), objectName: "aborted", uploadId }),
      () =>
        t.client.commitMultipartUpload({
          ...base(),
          objectName: "aborted",
          uploadId,
          commitMultipartUploadDetails: { partsToCommit: [{ partNum: 1, etag: "x" }] },
        }),
    ]) {
      const err = await sdkError(call());
      assert.deepEqual([err.statusCode, err.serviceCode], [404, "NoSuchUpload"]);
    }
    const missing = await sdkError(t.client.headObject({ ...base(), objectName: "aborted" }));
    assert.equal(missing.statusCode, 404);
  });

  it("rejects bad part numbers, MD5 mismatches, unknown uploads and inconsistent commits", async () => {
    const created = await t.client.createMultipartUpload({ ...base(), createMultipartUploadDetails: { object: "errs" } });
    const uploadId = created.multipartUpload.uploadId;
    const p1 = await t.client.uploadPart({ ...base(), objectName: "errs", uploadId, uploadPartNum: 1, uploadPartBody: "one", contentLength: 3 });
    await t.client.uploadPart({ ...base(), objectName: "errs", uploadId, uploadPartNum: 2, uploadPartBody: "two", contentLength: 3 });
    const part = (n: number, extra: Record<string, unknown> = {}) =>
      t.client.uploadPart({ ...base(), objectName: "errs", uploadId, uploadPartNum: n, uploadPartBody: "zz", contentLength: 2, ...extra });
    const commit = (details: Record<string, unknown>) =>
      t.client.commitMultipartUpload({ ...base(), objectName: "errs", uploadId, commitMultipartUploadDetails: details as never });
    const cases: { name: string; given: () => Promise<unknown>; want: [number, string] }[] = [
      { name: "part number 0", given: () => part(0), want: [400, "InvalidParameter"] },
      { name: "part number 10001", given: () => part(10_001), want: [400, "InvalidParameter"] },
      { name: "part MD5 mismatch", given: () => part(3, { contentMD5: md5Base64("other") }), want: [400, "UnmatchedContentMD5"] },
      {
        name: "unknown upload id",
        given: () => t.client.uploadPart({ ...base(), objectName: "errs", uploadId: "nope", uploadPartNum: 1, uploadPartBody: "z", contentLength: 1 }),
        want: [404, "NoSuchUpload"],
      },
      {
        name: "upload id of another object",
        given: () => t.client.uploadPart({ ...base(), objectName: "other", uploadId, uploadPartNum: 1, uploadPartBody: "z", contentLength: 1 }),
        want: [404, "NoSuchUpload"],
      },
      { name: "no parts", given: () => commit({ partsToCommit: [] }), want: [400, "MissingParameter"] },
      { name: "wrong etag", given: () => commit({ partsToCommit: [{ partNum: 1, etag: "bad" }], partsToExclude: [2] }), want: [400, "InvalidParameter"] },
      { name: "part never uploaded", given: () => commit({ partsToCommit: [{ partNum: 1, etag: p1.eTag }, { partNum: 9, etag: "x" }], partsToExclude: [2] }), want: [400, "InvalidParameter"] },
      { name: "uploaded part not listed", given: () => commit({ partsToCommit: [{ partNum: 1, etag: p1.eTag }] }), want: [400, "InvalidParameter"] },
      {
        name: "metadata key without opc-meta-",
        given: () => t.client.createMultipartUpload({ ...base(), createMultipartUploadDetails: { object: "m", metadata: { plain: "x" } } }),
        want: [400, "InvalidParameter"],
      },
    ];
    for (const c of cases) {
      const err = await sdkError(c.given());
      assert.deepEqual([err.statusCode, err.serviceCode], c.want, `${c.name}: ${err.message}`);
    }
    // The upload survived every refused call.
    const parts = await t.client.listMultipartUploadParts({ ...base(), objectName: "errs", uploadId });
    assert.deepEqual(
      parts.items.map((p) => p.partNumber),
      [1, 2],
    );
    await t.client.abortMultipartUpload({ ...base(), objectName: "errs", uploadId });
  });

  it("applies If-None-Match: * at commit time", async () => {
    await t.client.putObject({ ...base(), objectName: "exists", putObjectBody: "x", contentLength: 1 });
    const created = await t.client.createMultipartUpload({ ...base(), createMultipartUploadDetails: { object: "exists" } });
    const uploadId = created.multipartUpload.uploadId;
    const p = await t.client.uploadPart({ ...base(), objectName: "exists", uploadId, uploadPartNum: 1, uploadPartBody: "y", contentLength: 1 });
    const err = await sdkError(
      t.client.commitMultipartUpload({
        ...base(),
        objectName: "exists",
        uploadId,
        ifNoneMatch: "*",
        commitMultipartUploadDetails: { partsToCommit: [{ partNum: 1, etag: p.eTag as string }] },
      }),
    );
    assert.deepEqual([err.statusCode, err.serviceCode], [412, "IfNoneMatchFailed"]);
    assert.equal((await bodyBytes((await t.client.getObject({ ...base(), objectName: "exists" })).value)).toString(), "x");
    await t.client.abortMultipartUpload({ ...base(), objectName: "exists", uploadId });
  });
});
