// The OCI emulator's resource-principal support: requests signed with keyId "ST$<token>" are accepted when the token
// comes from a trusted issuer, has not expired, and the request is signed with the session key its jwk claim
// carries; every other case is a 401 saying why, without the token. Then the OCI Python SDK's resource-principal
// signer (OCI_RESOURCE_PRINCIPAL_VERSION=2.2, token and key as values or as files) against the emulator, and the
// job runtime's oci_client("DATAFLOW") doing real object operations with no config file at all.
import assert from "node:assert/strict";
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createResourcePrincipalIssuer, type ResourcePrincipalIssuer } from "../../src/emulators/oci/resource-principal.ts";
import { createBucket, errorBody, rawRequest, startTestEmulator, type TestEmulator, uniqueBucket } from "../emulators/oci-helpers.ts";
import { repoRoot, requireVenv, runCommand } from "../helpers/python.ts";

describe("resource-principal session tokens at the OCI emulator", { timeout: 300_000 }, () => {
  let t: TestEmulator;
  let issuer: ResourcePrincipalIssuer;
  let bucket: string;
  let dir: string;

  before(async () => {
    issuer = createResourcePrincipalIssuer();
    t = await startTestEmulator({ sessionTokenIssuers: [issuer.publicKeyPem] });
    bucket = uniqueBucket("rp");
    await createBucket(t, bucket);
    dir = await mkdtemp(join(tmpdir(), "lake2oci-rp-test-"));
  });

  after(async () => {
    await t?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const signedWith = (token: string, keyPem: string) => ({ keyId: `ST$${token}`, key: createPrivateKey(keyPem) });

  it("accepts a valid token signed with its session key, and refuses the others saying why", async () => {
    const target = `/n/${t.namespace}/b/${bucket}/o`;
    const good = issuer.issue();
    const expired = issuer.issue({ ttlSeconds: -60 });
    const stranger = createResourcePrincipalIssuer().issue();
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const [h, p, s] = good.token.split(".");
    const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: claims.exp as number + 86_400 })).toString("base64url")}.${s}`;
    const noJwk = issuer.issue({ claims: { jwk: undefined } });
    const notRsa = issuer.issue({ claims: { jwk: JSON.stringify({ kty: "EC", crv: "P-256", x: "AA", y: "AA" }) } });
    const cases: { name: string; given: { keyId: string; key: ReturnType<typeof createPrivateKey> }; status: number; message?: RegExp }[] = [
      { name: "valid", given: signedWith(good.token, good.privateKeyPem), status: 200 },
      { name: "expired", given: signedWith(expired.token, expired.privateKeyPem), status: 401, message: /the token has expired/ },
      { name: "untrusted issuer", given: signedWith(stranger.token, stranger.privateKeyPem), status: 401, message: /not signed by a trusted issuer/ },
      { name: "claims changed after signing", given: signedWith(tampered, good.privateKeyPem), status: 401, message: /not signed by a trusted issuer/ },
      { name: "request signed with another key", given: signedWith(good.token, other), status: 401, message: /does not verify with the key of this keyId/ },
      { name: "not a JWT", given: signedWith("not-a-token", good.privateKeyPem), status: 401, message: /not a JWT/ },
      { name: "no jwk claim", given: signedWith(noJwk.token, noJwk.privateKeyPem), status: 401, message: /no jwk claim holding an RSA public key/ },
      { name: "jwk not RSA", given: signedWith(notRsa.token, notRsa.privateKeyPem), status: 401, message: /no jwk claim holding an RSA public key/ },
    ];
    for (const c of cases) {
      const res = await rawRequest(t, { method: "GET", target, ...c.given });
      assert.equal(res.status, c.status, `${c.name}: ${res.body.toString()}`);
      if (c.message !== undefined) {
        const body = errorBody(res);
        assert.equal(body.code, "NotAuthenticated", c.name);
        assert.match(body.message, c.message, c.name);
        assert.ok(!body.message.includes(good.token.slice(0, 40)), `${c.name}: the message holds no token`);
      }
    }
  });

  it("serves the OCI Python SDK's resource-principal signer (token and key as values, then as files)", async () => {
    const python = requireVenv();
    const script = [
      "import oci, sys",
      "s = oci.auth.signers.get_resource_principals_signer()",
      "c = oci.object_storage.ObjectStorageClient({'region': s.region}, signer=s, service_endpoint=sys.argv[1], retry_strategy=oci.retry.NoneRetryStrategy())",
      "ns = c.get_namespace().data",
      "c.put_object(ns, sys.argv[2], sys.argv[3], b'resource principal')",
      "print(ns, c.get_object(ns, sys.argv[2], sys.argv[3]).data.content.decode(), s.tenancy_id)",
    ].join("\n");
    const session = issuer.issue({ tenancy: "ocid1.tenancy.oc1..aaaaaaaarptenancy" });
    for (const [how, env] of [
      ["values", session.env()],
      ["files", await session.writeFiles(dir)],
    ] as const) {
      const r = await runCommand(python, ["-c", script, t.emulator.url, bucket, `by-${how}.txt`], { env });
      assert.equal(r.code, 0, `${how}: ${r.stderr}`);
      assert.equal(r.stdout.trim(), `${t.namespace} resource principal ocid1.tenancy.oc1..aaaaaaaarptenancy`, how);
    }
    const bad = createResourcePrincipalIssuer().issue();
    const refused = await runCommand(python, ["-c", script, t.emulator.url, bucket, "refused.txt"], { env: bad.env() });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /'status': 401/);
  });

  it("lets the job's runtime sign as the run's resource principal (profile DATAFLOW, no config file)", async () => {
    const python = requireVenv();
    const script = [
      "import sys",
      `sys.path.insert(0, ${JSON.stringify(join(repoRoot, "test", "python"))})`,
      "from runtime_loader import load_runtime",
      "rt = load_runtime('oci_store')",
      "c = rt.oci_client('DATAFLOW', endpoint=sys.argv[1], search_paths=[])",
      "ns = rt.object_storage_namespace(c)",
      "c.put_object(ns, sys.argv[2], 'runtime/one.txt', b'1')",
      "print(sorted(o['name'] for o in rt.list_target(c, ns, sys.argv[2], 'runtime/')))",
    ].join("\n");
    const session = issuer.issue();
    const r = await runCommand(python, ["-c", script, t.emulator.url, bucket], { env: session.env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "['runtime/one.txt']");
  });
});
