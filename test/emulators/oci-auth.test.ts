// Request-signature verification of the OCI emulator: the real SDK with the right and the wrong key, and raw requests
// signed here (node:crypto) to probe dates, required headers, body hashes, tampering and key sources.
import assert from "node:assert/strict";
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { keyFingerprint, loadConfigKeys } from "../../src/emulators/oci/config-keys.ts";
import { startOciEmulator } from "../../src/emulators/oci/server.ts";
import {
  createBucket,
  errorBody,
  keyIdOf,
  rawRequest,
  sdkError,
  startTestEmulator,
  type TestEmulator,
  uniqueBucket,
} from "./oci-helpers.ts";

describe("OCI emulator: request signatures", () => {
  let t: TestEmulator;
  let bucket: string;
  before(async () => {
    t = await startTestEmulator();
    bucket = uniqueBucket("auth");
    await createBucket(t, bucket);
  });
  after(async () => {
    await t?.stop();
  });

  it("refuses the SDK signing with a key the emulator does not know (same keyId, other key)", async () => {
    const wrong = t.newClient(t.credentials.wrongConfigFile, "WRONG");
    for (const call of [
      () => wrong.getNamespace({}),
      () => wrong.putObject({ namespaceName: t.namespace, bucketName: bucket, objectName: "w", putObjectBody: "w", contentLength: 1 }),
      () => wrong.createBucket({ namespaceName: t.namespace, createBucketDetails: { name: "w", compartmentId: t.credentials.tenancy } }),
    ]) {
      const err = await sdkError(call());
      assert.deepEqual([err.statusCode, err.serviceCode], [401, "NotAuthenticated"]);
    }
    const err = await sdkError(t.client.getObject({ namespaceName: t.namespace, bucketName: bucket, objectName: "w" }));
    assert.equal(err.statusCode, 404, "the refused put stored nothing");
  });

  it("accepts a correctly signed raw request with date or x-date", async () => {
    for (const xDate of [false, true]) {
      const res = await rawRequest(t, { method: "GET", target: `/n/${t.namespace}/b/${bucket}/o`, xDate });
      assert.equal(res.status, 200, res.body.toString());
    }
  });

  it("answers 401 NotAuthenticated for every way a signature can be wrong", async () => {
    const target = `/n/${t.namespace}/b/${bucket}/o`;
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const cases: { name: string; given: Parameters<typeof rawRequest>[1] }[] = [
      { name: "no Authorization header", given: { method: "GET", target, unsigned: true } },
      { name: "date 10 minutes old", given: { method: "GET", target, date: new Date(Date.now() - 10 * 60_000) } },
      { name: "date 10 minutes ahead", given: { method: "GET", target, date: new Date(Date.now() + 10 * 60_000) } },
      { name: "host not signed", given: { method: "GET", target, signedHeaders: ["date", "(request-target)"] } },
      { name: "request-target not signed", given: { method: "GET", target, signedHeaders: ["date", "host"] } },
      { name: "no date signed", given: { method: "GET", target, signedHeaders: ["(request-target)", "host"] } },
      { name: "signed another path", given: { method: "GET", target, signTarget: `/n/${t.namespace}/b/other/o` } },
      { name: "signed another query", given: { method: "GET", target: `${target}?prefix=a`, signTarget: `${target}?prefix=b` } },
      { name: "unknown keyId", given: { method: "GET", target, keyId: `${t.credentials.tenancy}/${t.credentials.user}/00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff` } },
      { name: "right keyId, other key", given: { method: "GET", target, key: other.privateKey } },
      { name: "session-token keyId", given: { method: "GET", target, keyId: "ST$eyJhbGciOi.fake.token" } },
      {
        name: "POST without the body headers signed",
        given: {
          method: "POST",
          target: `/n/${t.namespace}/b/`,
          body: JSON.stringify({ name: "x", compartmentId: t.credentials.tenancy }),
          signedHeaders: ["date", "(request-target)", "host"],
        },
      },
      {
        name: "x-content-sha256 that is not the body's",
        given: {
          method: "POST",
          target: `/n/${t.namespace}/b/`,
          body: JSON.stringify({ name: "x", compartmentId: t.credentials.tenancy }),
          headers: { "x-content-sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
        },
      },
    ];
    for (const c of cases) {
      const res = await rawRequest(t, c.given);
      assert.equal(res.status, 401, `${c.name}: ${res.body.toString()}`);
      assert.equal(errorBody(res).code, "NotAuthenticated", c.name);
    }
    const token = await rawRequest(t, { method: "GET", target, keyId: "ST$eyJhbGciOi.fake.token" });
    assert.match(errorBody(token).message, /session-token/);
    const list = await t.client.listBuckets({ namespaceName: t.namespace, compartmentId: t.credentials.tenancy });
    assert.ok(!list.items.some((b) => b.name === "x"), "no refused CreateBucket took effect");
  });

  it("accepts a date within the allowed skew and compares header names case-insensitively", async () => {
    const res = await rawRequest(t, { method: "GET", target: `/n/${t.namespace}/b/${bucket}/o`, date: new Date(Date.now() - 4 * 60_000) });
    assert.equal(res.status, 200);
    // The TypeScript SDK lists "Content-Type Content-Length" with capitals in headers="...".
    const body = JSON.stringify({ name: uniqueBucket("caps"), compartmentId: t.credentials.tenancy });
    const created = await rawRequest(t, {
      method: "POST",
      target: `/n/${t.namespace}/b`,
      body,
      signedHeaders: ["date", "(request-target)", "host", "Content-Type", "Content-Length", "x-content-sha256"],
    });
    assert.equal(created.status, 200, created.body.toString());
  });

  it("signs PutObject and UploadPart with the minimal set only", async () => {
    const res = await rawRequest(t, {
      method: "PUT",
      target: `/n/${t.namespace}/b/${bucket}/o/minimal`,
      body: "minimal",
      signBody: false,
    });
    assert.equal(res.status, 200, res.body.toString());
    const bad = await rawRequest(t, {
      method: "PUT",
      target: `/n/${t.namespace}/b/${bucket}/o/minimal-bad-sha`,
      body: "minimal",
      headers: { "x-content-sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
    });
    assert.equal(bad.status, 401, "a signed x-content-sha256 is checked on streamed bodies too");
  });
});

describe("OCI emulator: key sources", () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator();
  });
  after(async () => {
    await t?.stop();
  });

  it("derives the fingerprint from the config's key, as the SDKs do", () => {
    const keys = loadConfigKeys(t.credentials.configFile);
    assert.deepEqual(
      keys.map((k) => k.profile),
      ["DEFAULT", "LOCAL"],
    );
    for (const k of keys) {
      assert.equal(k.keyId, keyIdOf(t.credentials));
      assert.equal(keyFingerprint(k.publicKey), t.credentials.fingerprint);
    }
    assert.match(t.credentials.tenancy, /^ocid1\.tenancy\.oc1\.\.aaaaaaaa[a-z2-7]{52}$/);
    assert.match(t.credentials.user, /^ocid1\.user\.oc1\.\.aaaaaaaa[a-z2-7]{52}$/);
    assert.match(t.credentials.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  });

  it("accepts a pass-phrase protected key_file and explicit public keys", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const encrypted = privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "s3cret" });
    const keyFile = join(t.dir, "encrypted.pem");
    await writeFile(keyFile, encrypted);
    const fingerprint = keyFingerprint(publicKey);
    const tenancy = "ocid1.tenancy.oc1..aaaaaaaapassphrasetestpassphrasetestpassphrasetestpass";
    const user = "ocid1.user.oc1..aaaaaaaapassphrasetestpassphrasetestpassphrasetestpassp";
    const config = join(t.dir, "config-passphrase");
    await writeFile(config, `[DEFAULT]\nuser=${user}\nfingerprint=${fingerprint}\ntenancy=${tenancy}\nregion=us-ashburn-1\nkey_file=encrypted.pem\npass_phrase=s3cret\n`);

    const explicit = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const explicitKeyId = `${tenancy}/${user}/${keyFingerprint(explicit.publicKey)}`;
    const emulator = await startOciEmulator({
      dataDir: join(t.dir, "passphrase-data"),
      ociConfigFile: config,
      publicKeys: [{ keyId: explicitKeyId, publicKeyPem: explicit.publicKey.export({ type: "spki", format: "pem" }) as string }],
    });
    try {
      const viaConfig = await rawRequest(
        { ...t, emulator },
        { method: "GET", target: "/n/", key: createPrivateKey({ key: encrypted, passphrase: "s3cret" }), keyId: `${tenancy}/${user}/${fingerprint}` },
      );
      assert.equal(viaConfig.status, 200, viaConfig.body.toString());
      const viaExplicit = await rawRequest({ ...t, emulator }, { method: "GET", target: "/n/", key: explicit.privateKey, keyId: explicitKeyId });
      assert.equal(viaExplicit.status, 200, viaExplicit.body.toString());
      const notMine = await rawRequest({ ...t, emulator }, { method: "GET", target: "/n/" });
      assert.equal(notMine.status, 401, "the dev credentials are not registered with this emulator");
    } finally {
      await emulator.stop();
    }
  });

  it("refuses to start with a broken key configuration, naming what to fix", async () => {
    const mismatched = join(t.dir, "config-mismatch");
    await writeFile(
      mismatched,
      `[LOCAL]\nuser=${t.credentials.user}\nfingerprint=00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff\ntenancy=${t.credentials.tenancy}\nregion=us-ashburn-1\nkey_file=${t.credentials.keyFile}\n`,
    );
    const noKeys = join(t.dir, "config-empty");
    await writeFile(noKeys, "[DEFAULT]\nregion=us-ashburn-1\n");
    const dataDir = join(t.dir, "never");
    const cases: { given: Parameters<typeof startOciEmulator>[0]; want: RegExp }[] = [
      { given: { dataDir, ociConfigFile: mismatched }, want: /\[LOCAL\]: fingerprint 00:11.* does not match/ },
      { given: { dataDir, ociConfigFile: noKeys }, want: /no keys to accept/ },
      { given: { dataDir, ociConfigFile: join(t.dir, "missing-config") }, want: /cannot read ociConfigFile/ },
      { given: { dataDir, ociConfigFile: t.credentials.configFile, host: "0.0.0.0" }, want: /not a loopback address/ },
      { given: { dataDir, publicKeys: [{ keyId: "a/b/c", publicKeyPem: "not a key" }] }, want: /publicKeys\[0\]/ },
    ];
    for (const c of cases) {
      await assert.rejects(startOciEmulator(c.given), c.want);
    }
  });
});
