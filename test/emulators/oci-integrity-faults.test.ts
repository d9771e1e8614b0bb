// The two integrity faults of the OCI emulator, as a client sees them: `corrupt-body` (a byte of the request body
// inverted in transit: what is stored, and the MD5 answered, differ from what was sent; with Content-MD5 the service's
// 400 UnmatchedContentMD5) and `wrong-md5` (stored correctly, a wrong opc-content-md5 / opc-multipart-md5 answered).
// These are what the job's checks of every copy are tested with (test/python/test_runtime_verify.py).
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { after, before, describe, it } from "node:test";
import { createFaultController, type FaultRule } from "../../src/emulators/faults.ts";
import { falsifyMd5 } from "../../src/emulators/oci/exchange.ts";
import { bodyBytes, createBucket, md5Base64, sdkError, startTestEmulator, type TestEmulator, uniqueBucket } from "./oci-helpers.ts";

const put = { method: "PUT", path: "/n/ns/b/bkt/o/x", operation: "PutObject" };

/** The multipart MD5 OCI answers for parts with these bodies. */
function multipartMd5(parts: Buffer[]): string {
  const digest = createHash("md5");
  for (const p of parts) digest.update(createHash("md5").update(p).digest());
  return `${digest.digest("base64")}-${parts.length}`;
}

/** Offsets where two equal-length buffers differ. */
function differences(a: Buffer, b: Buffer): number[] {
  assert.equal(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

describe("integrity fault rules: validation and decision", () => {
  it("accepts corrupt-body and wrong-md5 and puts the first of each in the decision", () => {
    const faults = createFaultController([
      { id: "c1", effect: { kind: "corrupt-body", offset: 7 } },
      { id: "c2", effect: { kind: "corrupt-body" } },
      { id: "w1", effect: { kind: "wrong-md5", value: "AAAAAAAAAAAAAAAAAAAAAA==" } },
      { id: "w2", effect: { kind: "wrong-md5" } },
    ]);
    const d = faults.decide(put);
    assert.deepEqual(d.fired, ["c1", "c2", "w1", "w2"]);
    assert.deepEqual(d.corruptBody, { kind: "corrupt-body", offset: 7 });
    assert.deepEqual(d.wrongMd5, { kind: "wrong-md5", value: "AAAAAAAAAAAAAAAAAAAAAA==" });
    assert.equal(d.status, undefined);
  });

  it("refuses invalid parameters with the field named", () => {
    const invalid: { given: unknown; want: RegExp }[] = [
      { given: { effect: { kind: "corrupt-body", offset: -1 } }, want: /effect.offset must be an integer >= 0/ },
      { given: { effect: { kind: "corrupt-body", offset: 1.5 } }, want: /effect.offset/ },
      { given: { effect: { kind: "wrong-md5", value: 5 } }, want: /effect.value must be a string/ },
      { given: { effect: { kind: "flip" } }, want: /"corrupt-body" or "wrong-md5"/ },
    ];
    const faults = createFaultController();
    for (const c of invalid) assert.throws(() => faults.add(c.given as FaultRule), c.want, JSON.stringify(c.given));
  });

  it("falsifies an MD5 into another well-formed one, keeping a multipart count", () => {
    const md5 = md5Base64("abc");
    const wrong = falsifyMd5(md5);
    assert.notEqual(wrong, md5);
    assert.equal(Buffer.from(wrong, "base64").length, 16);
    assert.equal(differences(Buffer.from(wrong, "base64"), Buffer.from(md5, "base64")).length, 1);
    const multi = falsifyMd5(`${md5}-12`);
    assert.equal(multi, `${wrong}-12`);
  });
});

describe("OCI emulator: integrity faults as clients see them", () => {
  let t: TestEmulator;
  let bucket: string;
  before(async () => {
    t = await startTestEmulator();
    bucket = uniqueBucket("integrity");
    await createBucket(t, bucket);
  });
  after(async () => {
    await t?.stop();
  });
  const base = () => ({ namespaceName: t.namespace, bucketName: bucket });
  const read = async (objectName: string) => bodyBytes((await t.client.getObject({ ...base(), objectName })).value);
  const lastRecord = (operation: string) => t.emulator.requests().filter((r) => r.operation === operation).at(-1);

  it("corrupt-body on PutObject: the middle byte is stored inverted and the MD5 answered is the stored one's", async () => {
    t.emulator.faults.add({ operation: "PutObject", path: "/o/corrupt/", effect: { kind: "corrupt-body" } });
    const sent = randomBytes(300_001);
    const res = await t.client.putObject({ ...base(), objectName: "corrupt/middle", putObjectBody: sent, contentLength: sent.length });
    const stored = await read("corrupt/middle");
    assert.deepEqual(differences(stored, sent), [150_000], "one byte, the middle one, differs");
    assert.equal(stored[150_000], sent[150_000] ^ 0xff);
    assert.equal(res.opcContentMd5, md5Base64(stored), "the MD5 answered is that of what was stored");
    assert.notEqual(res.opcContentMd5, md5Base64(sent), "... which is not the MD5 of what was sent");
    const head = await t.client.headObject({ ...base(), objectName: "corrupt/middle" });
    assert.equal(head.contentMd5, md5Base64(stored));
    assert.equal(lastRecord("PutObject")?.corruptedAt, 150_000);
    // Other objects are not matched by the rule's path.
    await t.client.putObject({ ...base(), objectName: "intact", putObjectBody: sent, contentLength: sent.length });
    assert.ok((await read("intact")).equals(sent));
    t.emulator.faults.clear();
  });

  it("corrupt-body with Content-MD5 sent: 400 UnmatchedContentMD5 with OCI's message, nothing stored", async () => {
    t.emulator.faults.add({ operation: "PutObject", effect: { kind: "corrupt-body", offset: 0 } });
    const sent = Buffer.from("a small file, sent with its MD5");
    const err = await sdkError(
      t.client.putObject({ ...base(), objectName: "with-md5", putObjectBody: sent, contentLength: sent.length, contentMD5: md5Base64(sent) }),
    );
    assert.equal(err.statusCode, 400);
    assert.equal(err.serviceCode, "UnmatchedContentMD5");
    const corrupted = Buffer.from(sent);
    corrupted[0] ^= 0xff;
    assert.match(
      err.message,
      new RegExp(`The computed MD5 of the request body \\(${escapeRegExp(md5Base64(corrupted))}\\) does not match the Content-MD5 header \\(${escapeRegExp(md5Base64(sent))}\\)`),
    );
    const missing = await sdkError(t.client.headObject({ ...base(), objectName: "with-md5" }));
    assert.equal(missing.statusCode, 404);
    t.emulator.faults.clear();
  });

  it("corrupt-body fires as selected: `times` 1 corrupts the first upload only; a body shorter than offset arrives intact", async () => {
    t.emulator.faults.add({ id: "once", operation: "PutObject", times: 1, effect: { kind: "corrupt-body", offset: 3 } });
    const sent = Buffer.from("0123456789");
    await t.client.putObject({ ...base(), objectName: "once", putObjectBody: sent, contentLength: sent.length });
    assert.deepEqual(differences(await read("once"), sent), [3]);
    await t.client.putObject({ ...base(), objectName: "once", putObjectBody: sent, contentLength: sent.length });
    assert.ok((await read("once")).equals(sent), "the retry is stored intact");
    assert.deepEqual(
      t.emulator.faults.list().map((r) => [r.id, r.matched, r.fired]),
      [["once", 2, 1]],
    );
    t.emulator.faults.clear();
    t.emulator.faults.add({ operation: "PutObject", effect: { kind: "corrupt-body", offset: 10 } });
    await t.client.putObject({ ...base(), objectName: "short", putObjectBody: sent, contentLength: sent.length });
    assert.ok((await read("short")).equals(sent));
    assert.equal(lastRecord("PutObject")?.corruptedAt, undefined);
    t.emulator.faults.clear();
  });

  it("corrupt-body on UploadPart: the part is stored corrupted, its MD5 answered and listed is the stored one's", async () => {
    const name = "parts/corrupt";
    const created = await t.client.createMultipartUpload({ ...base(), createMultipartUploadDetails: { object: name } });
    const uploadId = created.multipartUpload.uploadId;
    t.emulator.faults.add({ operation: "UploadPart", nth: 2, effect: { kind: "corrupt-body", offset: 5 } });
    const bodies = [randomBytes(70_000), randomBytes(70_000)];
    const answered: string[] = [];
    const etags: string[] = [];
    for (const [i, body] of bodies.entries()) {
      const res = await t.client.uploadPart({ ...base(), objectName: name, uploadId, uploadPartNum: i + 1, uploadPartBody: body, contentLength: body.length });
      answered.push(res.opcContentMd5 as string);
      etags.push(res.eTag as string);
    }
    const corrupted = Buffer.from(bodies[1]);
    corrupted[5] ^= 0xff;
    assert.deepEqual(answered, [md5Base64(bodies[0]), md5Base64(corrupted)]);
    const listed = await t.client.listMultipartUploadParts({ ...base(), objectName: name, uploadId });
    assert.deepEqual(
      listed.items.map((p) => p.md5),
      [md5Base64(bodies[0]), md5Base64(corrupted)],
    );
    const committed = await t.client.commitMultipartUpload({
      ...base(),
      objectName: name,
      uploadId,
      commitMultipartUploadDetails: { partsToCommit: etags.map((etag, i) => ({ partNum: i + 1, etag })) },
    });
    assert.equal(committed.opcMultipartMd5, multipartMd5([bodies[0], corrupted]));
    assert.notEqual(committed.opcMultipartMd5, multipartMd5(bodies));
    assert.deepEqual(differences(await read(name), Buffer.concat(bodies)), [70_005]);
    t.emulator.faults.clear();
  });

  it("wrong-md5 on PutObject: stored correctly, a wrong opc-content-md5 answered (a given value, or the true one falsified)", async () => {
    const sent = randomBytes(50_000);
    t.emulator.faults.add({ operation: "PutObject", nth: 1, effect: { kind: "wrong-md5" } });
    const res = await t.client.putObject({ ...base(), objectName: "wrong", putObjectBody: sent, contentLength: sent.length });
    assert.equal(res.opcContentMd5, falsifyMd5(md5Base64(sent)));
    assert.ok((await read("wrong")).equals(sent), "the bytes stored are the bytes sent");
    const head = await t.client.headObject({ ...base(), objectName: "wrong" });
    assert.equal(head.contentMd5, md5Base64(sent), "HEAD answers the true MD5");
    assert.equal(lastRecord("PutObject")?.wrongMd5, res.opcContentMd5);
    t.emulator.faults.clear();

    t.emulator.faults.add({ operation: "PutObject", effect: { kind: "wrong-md5", value: "1B2M2Y8AsgTpgAmY7PhCfg==" } });
    const small = Buffer.from("sent with its MD5");
    const withMd5 = await t.client.putObject({
      ...base(),
      objectName: "wrong-small",
      putObjectBody: small,
      contentLength: small.length,
      contentMD5: md5Base64(small),
    });
    assert.equal(withMd5.opcContentMd5, "1B2M2Y8AsgTpgAmY7PhCfg==");
    assert.ok((await read("wrong-small")).equals(small));
    t.emulator.faults.clear();
  });

  it("wrong-md5 on UploadPart and CommitMultipartUpload: parts and object stored correctly, wrong MD5s answered", async () => {
    const name = "parts/wrong";
    const created = await t.client.createMultipartUpload({ ...base(), createMultipartUploadDetails: { object: name } });
    const uploadId = created.multipartUpload.uploadId;
    t.emulator.faults.add({ operation: "UploadPart", times: 1, effect: { kind: "wrong-md5" } });
    t.emulator.faults.add({ operation: "CommitMultipartUpload", effect: { kind: "wrong-md5" } });
    const bodies = [randomBytes(40_000), randomBytes(30_000)];
    const answered: string[] = [];
    const etags: string[] = [];
    for (const [i, body] of bodies.entries()) {
      const res = await t.client.uploadPart({ ...base(), objectName: name, uploadId, uploadPartNum: i + 1, uploadPartBody: body, contentLength: body.length });
      answered.push(res.opcContentMd5 as string);
      etags.push(res.eTag as string);
    }
    assert.deepEqual(answered, [falsifyMd5(md5Base64(bodies[0])), md5Base64(bodies[1])], "times: 1 falsified the first part's only");
    const listed = await t.client.listMultipartUploadParts({ ...base(), objectName: name, uploadId });
    assert.deepEqual(
      listed.items.map((p) => p.md5),
      bodies.map(md5Base64),
      "the parts' MD5s as stored are right",
    );
    const committed = await t.client.commitMultipartUpload({
      ...base(),
      objectName: name,
      uploadId,
      commitMultipartUploadDetails: { partsToCommit: etags.map((etag, i) => ({ partNum: i + 1, etag })) },
    });
    const truth = multipartMd5(bodies);
    assert.equal(committed.opcMultipartMd5, falsifyMd5(truth));
    assert.match(committed.opcMultipartMd5 as string, /-2$/);
    const head = await t.client.headObject({ ...base(), objectName: name });
    assert.equal(head.opcMultipartMd5, truth, "HEAD answers the true multipart MD5");
    assert.ok((await read(name)).equals(Buffer.concat(bodies)));
    // Operations that answer no MD5 are not affected.
    const listing = await t.client.listObjects({ ...base(), prefix: name, fields: "name,md5" });
    assert.deepEqual(listing.listObjects.objects, [{ name, md5: truth }]);
    t.emulator.faults.clear();
  });

  it("is set through the control endpoint like every other fault", async () => {
    const url = new URL(t.emulator.url);
    const rule = JSON.stringify({ operation: "PutObject", path: "/o/ctl$", times: 1, effect: { kind: "corrupt-body", offset: 1 } });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, method: "POST", path: "/_emulator/faults", agent: false, headers: { "content-type": "application/json" } },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(rule);
    });
    assert.equal(status, 201);
    const sent = Buffer.from("control endpoint");
    await t.client.putObject({ ...base(), objectName: "ctl", putObjectBody: sent, contentLength: sent.length });
    assert.deepEqual(differences(await read("ctl"), sent), [1]);
    assert.deepEqual(
      t.emulator.faults.list().map((r) => [r.matched, r.fired]),
      [[1, 1]],
    );
    t.emulator.faults.clear();
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
