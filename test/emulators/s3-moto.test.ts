// The local cloud's S3 (src/emulators/s3): moto's server from .venv on 127.0.0.1, checking SigV4 signatures against
// the keys its IAM issued at start. Driven with the AWS SDK and plain HTTP, not with src/stores.
import { ListObjectsV2Command, PutObjectCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startS3Emulator, type S3Emulator, type S3Keys } from "../../src/emulators/s3/moto.ts";

function client(s3: S3Emulator, credentials: S3Keys & { sessionToken?: string }): S3Client {
  return new S3Client({ region: s3.region, endpoint: s3.url, forcePathStyle: true, credentials, maxAttempts: 1 });
}

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  assert.fail("expected the request to be refused");
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("S3 emulator (moto, signatures checked)", () => {
  let dir: string;
  let s3: S3Emulator;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lake2oci-s3-"));
    s3 = await startS3Emulator({ dir });
  });
  after(async () => {
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("listens on 127.0.0.1 and has its bucket, empty", async () => {
    assert.match(s3.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const out = await client(s3, s3.keys).send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    assert.equal(out.KeyCount, 0);
  });

  it("keeps the keys it issued in a file only its owner reads", async () => {
    assert.equal((await stat(join(dir, "s3-keys.json"))).mode & 0o777, 0o600);
    assert.match(s3.keys.accessKeyId, /^AKIA/);
    assert.match(s3.session.accessKeyId, /^ASIA/);
  });

  it("stores and returns objects for signed requests", async () => {
    const c = client(s3, s3.keys);
    await c.send(new PutObjectCommand({ Bucket: s3.bucket, Key: "dir/a b+c#d?.txt", Body: "hello" }));
    const got = await c.send(new GetObjectCommand({ Bucket: s3.bucket, Key: "dir/a b+c#d?.txt", Range: "bytes=1-3" }));
    assert.equal(await got.Body?.transformToString(), "ell");
  });

  it("answers a wrong secret 403 SignatureDoesNotMatch", async () => {
    // Another first character (a random secret may start with "x" itself).
    const secret = s3.keys.secretAccessKey;
    const wrong = { ...s3.keys, secretAccessKey: `${secret.startsWith("x") ? "y" : "x"}${secret.slice(1)}` };
    assert.notEqual(wrong.secretAccessKey, secret);
    assert.deepEqual(await failure(client(s3, wrong).send(new ListObjectsV2Command({ Bucket: s3.bucket }))), {
      name: "SignatureDoesNotMatch",
      status: 403,
    });
  });

  it("answers a key it never issued 403 InvalidAccessKeyId", async () => {
    const unknown = { ...s3.keys, accessKeyId: "AKIAIOSFODNN7EXAMPLE" };
    assert.deepEqual(await failure(client(s3, unknown).send(new ListObjectsV2Command({ Bucket: s3.bucket }))), {
      name: "InvalidAccessKeyId",
      status: 403,
    });
  });

  it("takes temporary keys with their session token only", async () => {
    const out = await client(s3, s3.session).send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    assert.ok((out.KeyCount ?? 0) >= 0);
    const bad = { ...s3.session, sessionToken: "forged" };
    assert.deepEqual(await failure(client(s3, bad).send(new ListObjectsV2Command({ Bucket: s3.bucket }))), {
      name: "InvalidToken",
      status: 400,
    });
  });

  it("answers an unsigned request 403 AccessDenied", async () => {
    const r = await fetch(`${s3.url}/${s3.bucket}?list-type=2`);
    assert.equal(r.status, 403);
    assert.match(await r.text(), /<Code>AccessDenied<\/Code>/);
  });

  it("makes every request wait the latency set (a cloud round trip, for benchmarks), and stops waiting at 0", async () => {
    const c = client(s3, s3.keys);
    const timed = async () => {
      const started = performance.now();
      await c.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
      return performance.now() - started;
    };
    await timed();
    s3.setLatencyMs(300);
    // The command reaches the server through its stdin: the first request after it may still be quick.
    let slow = 0;
    for (let i = 0; i < 20 && slow < 300; i++) slow = await timed();
    assert.ok(slow >= 300, `a request took ${slow.toFixed(0)} ms with 300 ms of latency set`);
    s3.setLatencyMs(0);
    let quick = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 20 && quick >= 300; i++) quick = await timed();
    assert.ok(quick < 300, `a request took ${quick.toFixed(0)} ms with the latency off`);
  });

  it("stops: the port closes", async () => {
    const other = await startS3Emulator({ dir: join(dir, "second") });
    assert.ok(await portOpen(other.port));
    await other.stop();
    assert.equal(await portOpen(other.port), false);
  });
});
