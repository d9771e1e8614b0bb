// Fault injection: the protocol-agnostic decision logic (src/emulators/faults.ts), then each fault mode as a client of
// the OCI emulator sees it, set through the Node API, at start, and through the /_emulator/ control endpoint; and the
// request log.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createFaultController, type FaultRule } from "../../src/emulators/faults.ts";
import {
  bodyBytes,
  createBucket,
  errorBody,
  rawRequest,
  sdkError,
  startTestEmulator,
  type TestEmulator,
  uniqueBucket,
} from "./oci-helpers.ts";

const put = { method: "PUT", path: "/n/ns/b/bkt/o/x", operation: "PutObject" };
const get = { method: "GET", path: "/n/ns/b/bkt/o/x", operation: "GetObject" };
const status503 = { kind: "status", status: 503 } as const;

describe("fault rules: matching and firing", () => {
  it("fires on the n-th, every k-th, or every matching request, up to `times`", () => {
    const cases: { given: FaultRule; requests: number; want: boolean[] }[] = [
      { given: { nth: 3, effect: status503 }, requests: 5, want: [false, false, true, false, false] },
      { given: { every: 2, effect: status503 }, requests: 6, want: [false, true, false, true, false, true] },
      { given: { effect: status503 }, requests: 3, want: [true, true, true] },
      { given: { times: 2, effect: status503 }, requests: 4, want: [true, true, false, false] },
      { given: { every: 2, times: 1, effect: status503 }, requests: 6, want: [false, true, false, false, false, false] },
    ];
    for (const c of cases) {
      const faults = createFaultController([c.given]);
      const fired = Array.from({ length: c.requests }, () => faults.decide(put).status !== undefined);
      assert.deepEqual(fired, c.want, JSON.stringify(c.given));
    }
  });

  it("matches method, operation and a path regex, and counts only matching requests", () => {
    const cases: { given: Partial<FaultRule>; want: [boolean, boolean] }[] = [
      { given: { method: "put" }, want: [true, false] },
      { given: { operation: "GetObject" }, want: [false, true] },
      { given: { path: "/o/x$" }, want: [true, true] },
      { given: { path: "^/n/ns/b/other/" }, want: [false, false] },
      { given: { method: "GET", operation: "PutObject" }, want: [false, false] },
    ];
    for (const c of cases) {
      const faults = createFaultController([{ ...c.given, effect: status503 }]);
      assert.deepEqual([faults.decide(put).status !== undefined, faults.decide(get).status !== undefined], c.want, JSON.stringify(c.given));
    }
    const faults = createFaultController([{ operation: "PutObject", nth: 2, effect: status503 }]);
    assert.equal(faults.decide(get).status, undefined);
    assert.equal(faults.decide(put).status, undefined);
    assert.equal(faults.decide(get).status, undefined);
    assert.ok(faults.decide(put).status, "the second PutObject, not the second request");
    assert.deepEqual(
      faults.list().map((r) => [r.matched, r.fired]),
      [[2, 1]],
    );
  });

  it("fires a seeded fraction reproducibly", () => {
    const run = (seed: number) => {
      const faults = createFaultController([{ fraction: 0.3, seed, effect: status503 }]);
      return Array.from({ length: 1000 }, () => faults.decide(put).status !== undefined);
    };
    const a = run(42);
    assert.deepEqual(run(42), a, "same seed, same requests fail");
    assert.notDeepEqual(run(43), a, "another seed, another pattern");
    const count = a.filter(Boolean).length;
    assert.ok(count > 240 && count < 360, `about 30% of 1000 fired, got ${count}`);
  });

  it("combines effects: first status and drop, summed latency, lowest bandwidth per direction", () => {
    const faults = createFaultController([
      { effect: { kind: "latency", ms: 10 } },
      { effect: { kind: "latency", ms: 5 } },
      { effect: { kind: "status", status: 429, retryAfterSeconds: 2 } },
      { effect: { kind: "status", status: 500 } },
      { effect: { kind: "bandwidth", bytesPerSecond: 1000, direction: "both" } },
      { effect: { kind: "bandwidth", bytesPerSecond: 500 } },
      { effect: { kind: "drop", during: "response", afterBytes: 7 } },
    ]);
    const d = faults.decide(put);
    assert.equal(d.latencyMs, 15);
    assert.equal(d.status?.status, 429);
    assert.equal(d.requestBytesPerSecond, 1000);
    assert.equal(d.responseBytesPerSecond, 500);
    assert.deepEqual(d.drop, { kind: "drop", during: "response", afterBytes: 7 });
    assert.equal(d.fired.length, 7);
  });

  it("adds, lists, removes and clears rules, and refuses invalid ones with the field named", () => {
    const faults = createFaultController();
    const id = faults.add({ operation: "PutObject", effect: status503 });
    const named = faults.add({ id: "mine", effect: { kind: "latency", ms: 1 } });
    assert.equal(named, "mine");
    assert.deepEqual(
      faults.list().map((r) => r.id),
      [id, "mine"],
    );
    assert.equal(faults.remove(id), true);
    assert.equal(faults.remove(id), false);
    faults.clear();
    assert.deepEqual(faults.list(), []);
    const invalid: { given: unknown; want: RegExp }[] = [
      { given: {}, want: /"effect" is required/ },
      { given: { effect: { kind: "explode" } }, want: /effect.kind must be/ },
      { given: { effect: { kind: "status", status: 200 } }, want: /400..599/ },
      { given: { effect: status503, nth: 0 }, want: /"nth" must be an integer >= 1/ },
      { given: { effect: status503, fraction: 2 }, want: /"fraction"/ },
      { given: { effect: status503, nth: 1, every: 2 }, want: /only one of/ },
      { given: { effect: status503, path: "(" }, want: /"path" is not a valid regular expression/ },
      { given: { effect: status503, colour: "red" }, want: /unknown field "colour"/ },
      { given: { effect: { kind: "drop", during: "later" } }, want: /effect.during/ },
      { given: { effect: { kind: "bandwidth", bytesPerSecond: 0 } }, want: /bytesPerSecond/ },
      { given: { id: "mine", effect: status503 }, want: /already in use/ },
    ];
    faults.add({ id: "mine", effect: status503 });
    for (const c of invalid) assert.throws(() => faults.add(c.given as FaultRule), c.want, JSON.stringify(c.given));
  });
});

/** JSON call to the unsigned control endpoint. */
function control(t: TestEmulator, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const url = new URL(t.emulator.url);
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        agent: false,
        headers: data ? { "content-type": "application/json", "content-length": data.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

describe("OCI emulator: faults as clients see them", () => {
  let t: TestEmulator;
  let bucket: string;
  before(async () => {
    t = await startTestEmulator({ faults: [{ id: "from-start", operation: "GetBucket", nth: 1, effect: { kind: "status", status: 500 } }] });
    bucket = uniqueBucket("faults");
    await createBucket(t, bucket);
    await t.client.putObject({ namespaceName: t.namespace, bucketName: bucket, objectName: "half-mib", putObjectBody: randomBytes(512 * 1024), contentLength: 512 * 1024 });
  });
  after(async () => {
    await t?.stop();
  });
  const base = () => ({ namespaceName: t.namespace, bucketName: bucket });

  it("applies rules given at start", async () => {
    const err = await sdkError(t.client.getBucket(base()));
    assert.deepEqual([err.statusCode, err.serviceCode], [500, "InternalServerError"]);
    await t.client.getBucket(base());
    t.emulator.faults.clear();
  });

  it("answers 503 and 429 with Retry-After and the OCI error body", async () => {
    const id = t.emulator.faults.add({ operation: "HeadObject", effect: { kind: "status", status: 503, retryAfterSeconds: 3 } });
    let err = await sdkError(t.client.headObject({ ...base(), objectName: "half-mib" }));
    assert.equal(err.statusCode, 503);
    const raw503 = await rawRequest(t, { method: "HEAD", target: `/n/${t.namespace}/b/${bucket}/o/half-mib` });
    assert.equal(raw503.status, 503);
    assert.equal(raw503.headers["retry-after"], "3");
    t.emulator.faults.remove(id);

    t.emulator.faults.add({ id: "throttle", operation: "ListObjects", times: 1, effect: { kind: "status", status: 429, retryAfterSeconds: 1, message: "slow down" } });
    const raw429 = await rawRequest(t, { method: "GET", target: `/n/${t.namespace}/b/${bucket}/o` });
    assert.equal(raw429.status, 429);
    assert.equal(raw429.headers["retry-after"], "1");
    assert.deepEqual(errorBody(raw429), { code: "TooManyRequests", message: "slow down" });
    const afterwards = await t.client.listObjects(base());
    assert.ok(afterwards.listObjects.objects.length > 0, "times: 1 let the next call through");
    t.emulator.faults.clear();

    t.emulator.faults.add({ operation: "PutObject", nth: 1, effect: { kind: "status", status: 500, code: "InternalError" } });
    err = await sdkError(t.client.putObject({ ...base(), objectName: "status-put", putObjectBody: "abc", contentLength: 3 }));
    assert.deepEqual([err.statusCode, err.serviceCode], [500, "InternalError"]);
    const missing = await sdkError(t.client.headObject({ ...base(), objectName: "status-put" }));
    assert.equal(missing.statusCode, 404, "the failed put stored nothing");
    await t.client.putObject({ ...base(), objectName: "status-put", putObjectBody: "abc", contentLength: 3 });
    t.emulator.faults.clear();
  });

  it("drops the connection in the middle of a response body", async () => {
    t.emulator.faults.add({ operation: "GetObject", times: 1, effect: { kind: "drop", during: "response", afterBytes: 100_000 } });
    await assert.rejects(async () => {
      const got = await t.client.getObject({ ...base(), objectName: "half-mib" });
      await bodyBytes(got.value);
    });
    const record = t.emulator.requests().filter((r) => r.operation === "GetObject").at(-1);
    assert.equal(record?.status, 200);
    assert.equal(record?.aborted, true);
    assert.equal(record?.bytesOut, 100_000);
    const again = await t.client.getObject({ ...base(), objectName: "half-mib" });
    assert.equal((await bodyBytes(again.value)).length, 512 * 1024);
  });

  it("drops the connection in the middle of a request body and keeps nothing of it", async () => {
    t.emulator.faults.add({ operation: "PutObject", times: 1, effect: { kind: "drop", during: "request", afterBytes: 64 * 1024 } });
    const body = randomBytes(1024 * 1024);
    await assert.rejects(t.client.putObject({ ...base(), objectName: "dropped", putObjectBody: body, contentLength: body.length }));
    const err = await sdkError(t.client.headObject({ ...base(), objectName: "dropped" }));
    assert.equal(err.statusCode, 404);
    const record = t.emulator.requests().filter((r) => r.operation === "PutObject").at(-1);
    assert.equal(record?.aborted, true);
    assert.equal(record?.status, 0);
    assert.ok((record?.bytesIn ?? 0) <= 64 * 1024);
    // The client sees the connection drop at once; the emulator removes the partial body right after (bounded wait).
    const tmp = join(t.dir, "data", "tmp");
    for (let i = 0; i < 100 && (await readdir(tmp)).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await readdir(tmp), [], "no temp file left behind");
  });

  it("adds latency", async () => {
    t.emulator.faults.add({ id: "slow", operation: "HeadObject", effect: { kind: "latency", ms: 300 } });
    const started = performance.now();
    await t.client.headObject({ ...base(), objectName: "half-mib" });
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 240, `took ${elapsed.toFixed(0)} ms, expected at least 80% of 300 ms`);
    t.emulator.faults.remove("slow");
  });

  it("caps bandwidth of responses and of request bodies", async () => {
    t.emulator.faults.add({ id: "down", operation: "GetObject", effect: { kind: "bandwidth", bytesPerSecond: 1024 * 1024 } });
    let started = performance.now();
    const got = await t.client.getObject({ ...base(), objectName: "half-mib" });
    assert.equal((await bodyBytes(got.value)).length, 512 * 1024);
    let elapsed = performance.now() - started;
    assert.ok(elapsed >= 400, `512 KiB at 1 MiB/s took ${elapsed.toFixed(0)} ms, expected at least 80% of 500 ms`);
    t.emulator.faults.remove("down");

    t.emulator.faults.add({ id: "up", operation: "PutObject", effect: { kind: "bandwidth", bytesPerSecond: 512 * 1024, direction: "request" } });
    const body = randomBytes(256 * 1024);
    started = performance.now();
    await t.client.putObject({ ...base(), objectName: "slow-up", putObjectBody: body, contentLength: body.length });
    elapsed = performance.now() - started;
    assert.ok(elapsed >= 400, `256 KiB at 512 KiB/s took ${elapsed.toFixed(0)} ms, expected at least 80% of 500 ms`);
    t.emulator.faults.remove("up");
  });

  it("manages faults and reads the request log through the /_emulator/ control endpoint", async () => {
    assert.equal((await control(t, "DELETE", "/_emulator/faults")).status, 204);
    assert.deepEqual((await control(t, "GET", "/_emulator/faults")).json, []);
    const created = await control(t, "POST", "/_emulator/faults", { operation: "GetNamespace", effect: { kind: "status", status: 503 } });
    assert.equal(created.status, 201);
    const id = (created.json as { id: string }).id;
    const err = await sdkError(t.client.getNamespace({}));
    assert.equal(err.statusCode, 503);
    const listed = await control(t, "GET", "/_emulator/faults");
    assert.deepEqual(
      (listed.json as { id: string; matched: number; fired: number }[]).map((r) => [r.id, r.matched, r.fired]),
      [[id, 1, 1]],
    );
    assert.equal((await control(t, "DELETE", `/_emulator/faults/${id}`)).status, 204);
    assert.equal((await control(t, "DELETE", `/_emulator/faults/${id}`)).status, 404);
    assert.equal((await t.client.getNamespace({})).value, t.namespace);
    const invalid = await control(t, "POST", "/_emulator/faults", { effect: { kind: "status", status: 200 } });
    assert.equal(invalid.status, 400);
    assert.match((invalid.json as { message: string }).message, /400..599/);

    assert.equal((await control(t, "DELETE", "/_emulator/requests")).status, 204);
    await t.client.putObject({ ...base(), objectName: "logged", putObjectBody: "12345", contentLength: 5 });
    await bodyBytes((await t.client.getObject({ ...base(), objectName: "logged" })).value);
    const log = (await control(t, "GET", "/_emulator/requests")).json as {
      counts: Record<string, number>;
      requests: { operation: string; bucket: string; object: string; status: number; bytesIn: number; bytesOut: number; method: string; rawPath: string }[];
    };
    assert.deepEqual(log.counts, { GetObject: 1, PutObject: 1 }, "control requests are not logged");
    const [putRecord, getRecord] = log.requests;
    assert.deepEqual(
      [putRecord.method, putRecord.operation, putRecord.bucket, putRecord.object, putRecord.status, putRecord.bytesIn],
      ["PUT", "PutObject", bucket, "logged", 200, 5],
    );
    assert.equal(putRecord.rawPath, `/n/${t.namespace}/b/${bucket}/o/logged`);
    assert.deepEqual([getRecord.operation, getRecord.status, getRecord.bytesOut], ["GetObject", 200, 5]);
    const onlyPuts = (await control(t, "GET", "/_emulator/requests?operation=PutObject")).json as { requests: unknown[] };
    assert.equal(onlyPuts.requests.length, 1);
    assert.deepEqual(t.emulator.requestCounts(), { GetObject: 1, PutObject: 1 });
    t.emulator.resetRequests();
    assert.deepEqual(t.emulator.requests(), []);
    assert.deepEqual(t.emulator.requestCounts(), {});
    const health = await control(t, "GET", "/_emulator/health");
    assert.deepEqual(health.json, { namespace: t.namespace });
  });
});
