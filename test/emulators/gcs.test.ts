// The local GCS driven with Google's own protocol, written here from the published API (no client library): a
// service-account JWT signed with node:crypto from the key file the emulator wrote, exchanged at its token endpoint;
// then the JSON API through the front: media, multipart and resumable uploads, listing with prefix, delimiter and
// pages of one, object metadata (md5Hash, crc32c, generation, size), whole and ranged downloads, generation
// preconditions, edge names; and the refusals Google answers for tampered assertions and missing or forged tokens.
import assert from "node:assert/strict";
import { createHash, createPrivateKey, generateKeyPairSync, sign } from "node:crypto";
import { spawn } from "node:child_process";
import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { ensureFakeGcsServer, type GcsEmulator, JWT_BEARER_GRANT, startGcsEmulator } from "../../src/emulators/gcs/index.ts";

const FULL_CONTROL = "https://www.googleapis.com/auth/devstorage.full_control";
const READ_ONLY = "https://www.googleapis.com/auth/devstorage.read_only";

interface KeyFile {
  type: string;
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  token_uri: string;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A JWT-bearer assertion as google-auth makes it from a key file; `claims` and `header` override its fields. */
function assertion(key: KeyFile, options: { claims?: Record<string, unknown>; header?: Record<string, unknown>; privateKey?: string } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url({ alg: "RS256", typ: "JWT", kid: key.private_key_id, ...options.header });
  const claims = b64url({ iss: key.client_email, scope: FULL_CONTROL, aud: key.token_uri, iat: now, exp: now + 3600, ...options.claims });
  const signature = sign("sha256", Buffer.from(`${header}.${claims}`), createPrivateKey(options.privateKey ?? key.private_key));
  return `${header}.${claims}.${signature.toString("base64url")}`;
}

async function tokenRequest(key: KeyFile, jwt: string, grantType = JWT_BEARER_GRANT): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(key.token_uri, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: grantType, assertion: jwt }),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

/** CRC32C (Castagnoli), big-endian, base64: the form of GCS's crc32c field. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();
function crc32c(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString("base64");
}
function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

const md5 = (data: Buffer) => createHash("md5").update(data).digest("base64");
const enc = encodeURIComponent;

interface ObjectResource {
  name: string;
  bucket: string;
  size: string;
  md5Hash?: string;
  crc32c: string;
  generation: string;
  metageneration: string;
  contentType?: string;
  metadata?: Record<string, string>;
}

describe("local GCS (fake-gcs-server behind the token-checking front)", () => {
  let dir: string;
  let gcs: GcsEmulator;
  let key: KeyFile;
  let token: string;
  const bucket = "lake2oci-gcs-test";
  const auth = () => ({ authorization: `Bearer ${token}` });
  const api = (path: string, init: RequestInit = {}) => fetch(`${gcs.url}${path}`, { ...init, headers: { ...auth(), ...(init.headers as Record<string, string>) } });

  async function freshToken(scope = FULL_CONTROL): Promise<string> {
    const r = await tokenRequest(key, assertion(key, { claims: { scope } }));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.access_token as string;
  }

  async function mediaUpload(name: string, data: Buffer, query = ""): Promise<Response> {
    return api(`/upload/storage/v1/b/${bucket}/o?uploadType=media&name=${enc(name)}${query}`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: data,
    });
  }

  async function stat(name: string): Promise<ObjectResource> {
    const r = await api(`/storage/v1/b/${bucket}/o/${enc(name)}`);
    assert.equal(r.status, 200, `stat ${name}: ${r.status}`);
    return (await r.json()) as ObjectResource;
  }

  async function download(name: string, headers: Record<string, string> = {}, query = ""): Promise<Response> {
    return api(`/storage/v1/b/${bucket}/o/${enc(name)}?alt=media${query}`, { headers });
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lake2oci-gcs-"));
    gcs = await startGcsEmulator({ dataDir: dir });
    key = JSON.parse(await readFile(gcs.keyFile, "utf8")) as KeyFile;
    token = await freshToken();
    const r = await api(`/storage/v1/b?project=${enc(gcs.projectId)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: bucket }),
    });
    assert.equal(r.status, 200, await r.text());
  });

  after(async () => {
    await gcs?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe("the key file and the token endpoint", () => {
    it("writes a service-account key whose token_uri is the front's token endpoint", async () => {
      assert.equal(key.type, "service_account");
      assert.equal(key.client_email, gcs.clientEmail);
      assert.match(key.client_email, /^[a-z0-9-]+@lake2oci-local\.iam\.gserviceaccount\.com$/);
      assert.match(key.private_key_id, /^[0-9a-f]{40}$/);
      assert.match(key.private_key, /^-----BEGIN PRIVATE KEY-----\n/);
      assert.equal(key.token_uri, `${gcs.url}/token`);
      assert.equal(gcs.tokenUri, key.token_uri);
      assert.match(await readFile(gcs.keyFile, "utf8"), /^\{"\/\/": "generated by/);
    });

    it("answers a signed JWT-bearer assertion with a Bearer access token", async () => {
      const r = await tokenRequest(key, assertion(key));
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys(r.body).sort(), ["access_token", "expires_in", "token_type"]);
      assert.equal(r.body.token_type, "Bearer");
      assert.equal(r.body.expires_in, 3599);
      assert.match(r.body.access_token as string, /^ya29\./);
    });

    it("accepts Google's own token URL as the audience (google-auth signs that whatever token_uri says)", async () => {
      const r = await tokenRequest(key, assertion(key, { claims: { aud: "https://oauth2.googleapis.com/token" } }));
      assert.equal(r.status, 200);
      assert.equal(r.body.token_type, "Bearer");
    });

    const wrongKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const now = Math.floor(Date.now() / 1000);
    const refusals: { name: string; jwt: (k: KeyFile) => string; grant?: string; want: { status: number; body: Record<string, unknown> } }[] = [
      {
        name: "a tampered assertion (claims changed after signing)",
        jwt: (k) => {
          const [h, , s] = assertion(k).split(".");
          return `${h}.${b64url({ iss: k.client_email, scope: FULL_CONTROL, aud: k.token_uri, iat: now, exp: now + 7200 })}.${s}`;
        },
        want: { status: 400, body: { error: "invalid_grant", error_description: "Invalid JWT Signature." } },
      },
      {
        name: "an assertion signed with another key for the same account",
        jwt: (k) => assertion(k, { privateKey: wrongKey }),
        want: { status: 400, body: { error: "invalid_grant", error_description: "Invalid JWT Signature." } },
      },
      {
        name: "an assertion naming a key id the account does not have",
        jwt: (k) => assertion(k, { header: { kid: "0".repeat(40) } }),
        want: { status: 400, body: { error: "invalid_grant", error_description: "Invalid JWT Signature." } },
      },
      {
        name: "an assertion that is not RS256",
        jwt: (k) => assertion(k, { header: { alg: "none" } }),
        want: { status: 400, body: { error: "invalid_grant", error_description: "Invalid JWT Signature." } },
      },
      {
        name: "an unknown service account",
        jwt: (k) => assertion(k, { claims: { iss: "someone@other-project.iam.gserviceaccount.com" } }),
        want: { status: 400, body: { error: "invalid_grant", error_description: "Invalid grant: account not found" } },
      },
      {
        name: "an expired assertion",
        jwt: (k) => assertion(k, { claims: { iat: now - 7200, exp: now - 3600 } }),
        want: {
          status: 400,
          body: {
            error: "invalid_grant",
            error_description:
              "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
          },
        },
      },
      {
        name: "an assertion living longer than an hour",
        jwt: (k) => assertion(k, { claims: { exp: now + 7200 } }),
        want: {
          status: 400,
          body: {
            error: "invalid_grant",
            error_description:
              "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
          },
        },
      },
      {
        name: "an assertion for another audience",
        jwt: (k) => assertion(k, { claims: { aud: "https://example.com/token" } }),
        want: { status: 400, body: { error: "invalid_grant", error_description: "Invalid JWT: Failed audience check. The right audience is https://oauth2.googleapis.com/token" } },
      },
      {
        name: "an assertion without a scope",
        jwt: (k) => assertion(k, { claims: { scope: undefined } }),
        want: { status: 400, body: { error: "invalid_scope", error_description: "Invalid OAuth scope or ID token audience provided." } },
      },
      {
        name: "another grant type",
        jwt: (k) => assertion(k),
        grant: "client_credentials",
        want: { status: 400, body: { error: "unsupported_grant_type", error_description: "Invalid grant_type: client_credentials" } },
      },
    ];
    for (const { name, jwt, grant, want } of refusals) {
      it(`refuses ${name}`, async () => {
        const before = gcs.requestCounts().token ?? 0;
        const r = await tokenRequest(key, jwt(key), grant);
        assert.deepEqual(r, want);
        assert.equal(gcs.requestCounts().token ?? 0, before, "no token issued");
      });
    }

    it("refuses the wrong-key file it wrote for negative tests", async () => {
      const wrong = JSON.parse(await readFile(gcs.wrongKeyFile, "utf8")) as KeyFile;
      assert.equal(wrong.client_email, key.client_email);
      assert.equal(wrong.private_key_id, key.private_key_id);
      assert.deepEqual(await tokenRequest(wrong, assertion(wrong)), {
        status: 400,
        body: { error: "invalid_grant", error_description: "Invalid JWT Signature." },
      });
    });
  });

  describe("the JSON API refuses requests without a valid token, as Google does", () => {
    const invalid = {
      error: {
        code: 401,
        message: "Invalid Credentials",
        errors: [{ message: "Invalid Credentials", domain: "global", reason: "authError", locationType: "header", location: "Authorization" }],
      },
    };
    const anonymous = (permission: string, resource: string) => {
      const message = `Anonymous caller does not have ${permission} access to the Google Cloud Storage ${resource}. Permission '${permission}' denied on resource (or it may not exist).`;
      return { error: { code: 401, message, errors: [{ message, domain: "global", reason: "required", locationType: "header", location: "Authorization" }] } };
    };
    const cases: { name: string; path: string; method?: string; headers: Record<string, string>; want: unknown }[] = [
      { name: "a listing without Authorization", path: `/storage/v1/b/${bucket}/o`, headers: {}, want: anonymous("storage.objects.list", "bucket") },
      { name: "a metadata read without Authorization", path: `/storage/v1/b/${bucket}/o/x`, headers: {}, want: anonymous("storage.objects.get", "object") },
      { name: "a download without Authorization", path: `/download/storage/v1/b/${bucket}/o/x?alt=media`, headers: {}, want: anonymous("storage.objects.get", "object") },
      {
        name: "an upload without Authorization",
        path: `/upload/storage/v1/b/${bucket}/o?uploadType=media&name=x`,
        method: "POST",
        headers: {},
        want: anonymous("storage.objects.create", "bucket"),
      },
      { name: "a forged bearer token", path: `/storage/v1/b/${bucket}/o`, headers: { authorization: "Bearer ya29.forged-token" }, want: invalid },
      { name: "an empty bearer token", path: `/storage/v1/b/${bucket}/o`, headers: { authorization: "Bearer " }, want: invalid },
      { name: "Basic credentials", path: `/storage/v1/b/${bucket}/o`, headers: { authorization: "Basic dXNlcjpwYXNz" }, want: invalid },
    ];
    for (const c of cases) {
      it(`refuses ${c.name} with 401 and Google's body`, async () => {
        const forwarded = gcs.requestCounts().forwarded ?? 0;
        const r = await fetch(`${gcs.url}${c.path}`, { method: c.method ?? "GET", headers: c.headers, body: c.method === "POST" ? "data" : undefined });
        assert.equal(r.status, 401);
        assert.equal(r.headers.get("www-authenticate"), 'Bearer realm="https://accounts.google.com/"');
        assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
        assert.deepEqual(await r.json(), c.want);
        assert.equal(gcs.requestCounts().forwarded ?? 0, forwarded, "nothing reached fake-gcs-server");
      });
    }

    it("refuses a token once it has expired", async () => {
      const short = await freshToken();
      const ok = await fetch(`${gcs.url}/storage/v1/b/${bucket}/o`, { headers: { authorization: `Bearer ${short}` } });
      assert.equal(ok.status, 200);
      await ok.arrayBuffer();
      gcs.expireTokens();
      const r = await fetch(`${gcs.url}/storage/v1/b/${bucket}/o`, { headers: { authorization: `Bearer ${short}` } });
      assert.equal(r.status, 401);
      assert.deepEqual(await r.json(), invalid);
      token = await freshToken(); // the suite's own token expired with the others
    });

    it("lets a read-only token read but not write (403 Insufficient Permission)", async () => {
      const readOnly = await freshToken(READ_ONLY);
      const list = await fetch(`${gcs.url}/storage/v1/b/${bucket}/o`, { headers: { authorization: `Bearer ${readOnly}` } });
      assert.equal(list.status, 200);
      await list.arrayBuffer();
      const put = await fetch(`${gcs.url}/upload/storage/v1/b/${bucket}/o?uploadType=media&name=ro.txt`, {
        method: "POST",
        headers: { authorization: `Bearer ${readOnly}` },
        body: "no",
      });
      assert.equal(put.status, 403);
      assert.deepEqual(await put.json(), {
        error: { code: 403, message: "Insufficient Permission", errors: [{ message: "Insufficient Permission", domain: "global", reason: "insufficientPermissions" }] },
      });
    });

    it("serves nothing but the JSON API: fake-gcs-server's internal routes stay closed", async () => {
      for (const path of ["/_internal/healthcheck", "/storage/v1/../_internal/healthcheck", `/${bucket}/x`]) {
        const r = await api(path);
        assert.equal(r.status, 404, path);
        assert.equal(((await r.json()) as { error: { errors: { reason: string }[] } }).error.errors[0].reason, "notFound");
      }
      const del = await api("/_internal/delete_all", { method: "POST" });
      assert.equal(del.status, 404);
      await del.arrayBuffer();
    });
  });

  describe("objects through the front", () => {
    const edgeNames = [
      "edge/with space.txt",
      "edge/caf\u00e9-nfc.txt",
      "edge/cafe\u0301-nfd.txt",
      "edge/percent%41.txt",
      "edge/plus+sign.txt",
      "edge/hash#mark.txt",
      "edge/question?mark.txt",
      "edge/\u65e5\u672c\u8a9e.txt",
      "edge/empty.bin",
    ];
    const contentOf = (name: string) => (name.endsWith("empty.bin") ? Buffer.alloc(0) : Buffer.from(`content of ${name}\n`, "utf8"));

    it("uploads (media) and reads back edge names byte for byte, with md5Hash, crc32c, size and generation", async () => {
      for (const name of edgeNames) {
        const data = contentOf(name);
        const r = await mediaUpload(name, data);
        assert.equal(r.status, 200, `${name}: ${r.status}`);
        const created = (await r.json()) as ObjectResource;
        assert.equal(created.name, name);
        const meta = await stat(name);
        assert.equal(meta.name, name);
        assert.equal(meta.bucket, bucket);
        assert.equal(meta.size, String(data.length));
        assert.equal(meta.md5Hash, md5(data));
        assert.equal(meta.crc32c, crc32c(data));
        assert.match(meta.generation, /^[1-9][0-9]*$/);
        assert.equal(meta.generation, created.generation);
        const got = await download(name);
        assert.equal(got.status, 200);
        assert.deepEqual(Buffer.from(await got.arrayBuffer()), data, name);
        const viaDownloadPath = await api(`/download/storage/v1/b/${bucket}/o/${enc(name)}?alt=media`);
        assert.equal(viaDownloadPath.status, 200);
        assert.deepEqual(Buffer.from(await viaDownloadPath.arrayBuffer()), data, name);
      }
      // NFC and NFD spellings are two objects, not one.
      assert.notEqual((await stat("edge/caf\u00e9-nfc.txt")).name, (await stat("edge/cafe\u0301-nfd.txt")).name);
    });

    it("lists a prefix in UTF-8 byte order, whole and in pages of one", async () => {
      const want = [...edgeNames].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      const whole = await api(`/storage/v1/b/${bucket}/o?prefix=edge/`);
      assert.equal(whole.status, 200);
      const all = (await whole.json()) as { items: ObjectResource[]; nextPageToken?: string };
      assert.deepEqual(
        all.items.map((o) => o.name),
        want,
      );
      assert.equal(all.nextPageToken, undefined);
      const paged: string[] = [];
      let pageToken: string | undefined;
      let pages = 0;
      do {
        const r = await api(`/storage/v1/b/${bucket}/o?prefix=edge/&maxResults=1${pageToken ? `&pageToken=${enc(pageToken)}` : ""}`);
        assert.equal(r.status, 200);
        const page = (await r.json()) as { items?: ObjectResource[]; nextPageToken?: string };
        assert.ok((page.items ?? []).length <= 1);
        paged.push(...(page.items ?? []).map((o) => o.name));
        pageToken = page.nextPageToken;
        pages++;
        assert.ok(pages <= want.length + 1, "paging terminates");
      } while (pageToken);
      assert.deepEqual(paged, want);
    });

    it("lists the children of a prefix with a delimiter: objects in items, sub-prefixes in prefixes", async () => {
      for (const name of ["tree/a.txt", "tree/sub1/x.txt", "tree/sub1/deeper/y.txt", "tree/sub2/z.txt", "tree/z.txt"]) {
        const r = await mediaUpload(name, Buffer.from(name));
        assert.equal(r.status, 200);
        await r.arrayBuffer();
      }
      const r = await api(`/storage/v1/b/${bucket}/o?prefix=tree/&delimiter=/`);
      assert.equal(r.status, 200);
      const listing = (await r.json()) as { items: ObjectResource[]; prefixes: string[] };
      assert.deepEqual(
        listing.items.map((o) => o.name),
        ["tree/a.txt", "tree/z.txt"],
      );
      assert.deepEqual(listing.prefixes, ["tree/sub1/", "tree/sub2/"]);
      // Pages of one: maxResults bounds items and prefixes together, each entry once, in name order.
      const pages: { items: string[]; prefixes: string[] }[] = [];
      let pageToken: string | undefined;
      do {
        const p = await api(`/storage/v1/b/${bucket}/o?prefix=tree/&delimiter=/&maxResults=1${pageToken ? `&pageToken=${enc(pageToken)}` : ""}`);
        assert.equal(p.status, 200);
        const page = (await p.json()) as { items?: ObjectResource[]; prefixes?: string[]; nextPageToken?: string };
        pages.push({ items: (page.items ?? []).map((o) => o.name), prefixes: page.prefixes ?? [] });
        pageToken = page.nextPageToken;
        assert.ok(pages.length <= 10, "paging terminates");
      } while (pageToken);
      assert.deepEqual(pages, [
        { items: ["tree/a.txt"], prefixes: [] },
        { items: [], prefixes: ["tree/sub1/"] },
        { items: [], prefixes: ["tree/sub2/"] },
        { items: ["tree/z.txt"], prefixes: [] },
      ]);
      const two = await api(`/storage/v1/b/${bucket}/o?prefix=tree/&delimiter=/&maxResults=2`);
      const first = (await two.json()) as { items?: ObjectResource[]; prefixes?: string[]; nextPageToken?: string };
      assert.deepEqual([first.items?.map((o) => o.name), first.prefixes], [["tree/a.txt"], ["tree/sub1/"]]);
      assert.ok(first.nextPageToken);
      const badToken = await api(`/storage/v1/b/${bucket}/o?prefix=tree/&delimiter=/&pageToken=not-a-token`);
      assert.equal(badToken.status, 400);
      await badToken.arrayBuffer();
      const missingBucket = await api(`/storage/v1/b/no-such-bucket/o?delimiter=/&maxResults=1`);
      assert.equal(missingBucket.status, 404);
      await missingBucket.arrayBuffer();
    });

    it("uploads multipart (metadata and media in one multipart/related body)", async () => {
      const name = "multi/part #1+.bin";
      const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
      const boundary = "lake2oci_boundary_4b1d";
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n`),
        Buffer.from(JSON.stringify({ name, contentType: "application/x-test", metadata: { origin: "adls" } })),
        Buffer.from(`\r\n--${boundary}\r\nContent-Type: application/x-test\r\n\r\n`),
        data,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const r = await api(`/upload/storage/v1/b/${bucket}/o?uploadType=multipart`, {
        method: "POST",
        headers: { "content-type": `multipart/related; boundary=${boundary}` },
        body,
      });
      assert.equal(r.status, 200, await r.clone().text());
      await r.arrayBuffer();
      const meta = await stat(name);
      assert.equal(meta.size, "1000");
      assert.equal(meta.md5Hash, md5(data));
      assert.equal(meta.crc32c, crc32c(data));
      assert.equal(meta.contentType, "application/x-test");
      assert.deepEqual(meta.metadata, { origin: "adls" });
      assert.deepEqual(Buffer.from(await (await download(name)).arrayBuffer()), data);
    });

    it("uploads resumably, the session URL pointing back at the front (which still wants the token)", async () => {
      const name = "resumable/big.bin";
      const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
      const start = await api(`/upload/storage/v1/b/${bucket}/o?uploadType=resumable&name=${enc(name)}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-upload-content-type": "application/octet-stream" },
        body: "{}",
      });
      assert.equal(start.status, 200);
      await start.arrayBuffer();
      const location = start.headers.get("location") ?? "";
      assert.ok(location.startsWith(`${gcs.url}/upload/storage/v1/b/${bucket}/o?`), location);
      const anonymous = await fetch(location, { method: "PUT", body: data });
      assert.equal(anonymous.status, 401);
      await anonymous.arrayBuffer();
      const put = await fetch(location, { method: "PUT", headers: auth(), body: data });
      assert.equal(put.status, 200);
      await put.arrayBuffer();
      const meta = await stat(name);
      assert.equal(meta.size, String(data.length));
      assert.equal(meta.md5Hash, md5(data));
    });

    it("serves ranged downloads (206, Content-Range), on a large object streamed through the front", async () => {
      const name = "range/data.bin";
      const data = Buffer.alloc(8 * 1024 * 1024);
      for (let i = 0; i < data.length; i += 4) data.writeUInt32BE(i, i);
      const up = await mediaUpload(name, data);
      assert.equal(up.status, 200);
      await up.arrayBuffer();
      const cases = [
        { range: "bytes=0-0", start: 0, end: 0 },
        { range: "bytes=1000-1999", start: 1000, end: 1999 },
        { range: `bytes=${5 * 1024 * 1024 + 3}-${6 * 1024 * 1024}`, start: 5 * 1024 * 1024 + 3, end: 6 * 1024 * 1024 },
        { range: `bytes=${data.length - 10}-`, start: data.length - 10, end: data.length - 1 },
      ];
      for (const c of cases) {
        const r = await download(name, { range: c.range });
        assert.equal(r.status, 206, c.range);
        assert.equal(r.headers.get("content-range"), `bytes ${c.start}-${c.end}/${data.length}`);
        assert.deepEqual(Buffer.from(await r.arrayBuffer()), data.subarray(c.start, c.end + 1), c.range);
      }
      const whole = await download(name);
      assert.equal(whole.status, 200);
      assert.equal(md5(Buffer.from(await whole.arrayBuffer())), md5(data));
    });

    it("refuses writes and reads with 412 when the generation changed", async () => {
      const name = "cond/obj.txt";
      const first = (await (await mediaUpload(name, Buffer.from("first"))).json()) as ObjectResource;
      const second = (await (await mediaUpload(name, Buffer.from("second"))).json()) as ObjectResource;
      assert.notEqual(first.generation, second.generation);
      const conditionNotMet = { message: "At least one of the pre-conditions you specified did not hold.", reason: "conditionNotMet" };

      const staleWrite = await mediaUpload(name, Buffer.from("third"), `&ifGenerationMatch=${first.generation}`);
      assert.equal(staleWrite.status, 412);
      const staleBody = (await staleWrite.json()) as { error: { code: number; message: string; errors: { reason: string }[] } };
      assert.equal(staleBody.error.code, 412);
      assert.equal(staleBody.error.errors[0].reason, conditionNotMet.reason);
      const createOnly = await mediaUpload(name, Buffer.from("third"), "&ifGenerationMatch=0");
      assert.equal(createOnly.status, 412);
      await createOnly.arrayBuffer();
      assert.equal((await stat(name)).generation, second.generation, "nothing was written");

      for (const read of [
        () => download(name, {}, `&ifGenerationMatch=${first.generation}`),
        () => download(name, { range: "bytes=0-2" }, `&ifGenerationMatch=${first.generation}`),
        () => api(`/storage/v1/b/${bucket}/o/${enc(name)}?ifGenerationMatch=${first.generation}`),
        () => api(`/download/storage/v1/b/${bucket}/o/${enc(name)}?alt=media&ifGenerationMatch=${first.generation}`),
      ]) {
        const r = await read();
        assert.equal(r.status, 412);
        const body = (await r.json()) as { error: { code: number; message: string; errors: { reason: string; message: string }[] } };
        assert.equal(body.error.code, 412);
        assert.equal(body.error.message, conditionNotMet.message);
        assert.equal(body.error.errors[0].reason, conditionNotMet.reason);
      }
      const current = await download(name, { range: "bytes=0-2" }, `&ifGenerationMatch=${second.generation}`);
      assert.equal(current.status, 206);
      assert.equal(await current.text(), "sec");
      const notModified = await download(name, {}, `&ifGenerationNotMatch=${second.generation}`);
      assert.equal(notModified.status, 304);
      const missing = await download("cond/absent.txt", {}, "&ifGenerationMatch=1");
      assert.equal(missing.status, 404);
      await missing.arrayBuffer();
    });
  });

  describe("names the filesystem backend cannot keep apart are refused, not stored elsewhere", () => {
    const refusedName = (name: string) => ({
      error: {
        code: 400,
        message: `The local GCS cannot store the object name ${JSON.stringify(name)}: fake-gcs-server's filesystem backend would map its empty, '.' or '..' segment to another path (docs/emulators.md).`,
        errors: [
          {
            message: `The local GCS cannot store the object name ${JSON.stringify(name)}: fake-gcs-server's filesystem backend would map its empty, '.' or '..' segment to another path (docs/emulators.md).`,
            domain: "global",
            reason: "invalid",
          },
        ],
      },
    });
    for (const name of ["../../../escaped.txt", "a/../b.txt", "./x.txt", "a//b.txt", "/lead.txt"]) {
      it(`refuses ${JSON.stringify(name)} in a media upload, a multipart upload, a resumable start and a path`, async () => {
        const media = await mediaUpload(name, Buffer.from("x"));
        assert.equal(media.status, 400);
        assert.deepEqual(await media.json(), refusedName(name));
        const boundary = "b0undary";
        const multipart = await api(`/upload/storage/v1/b/${bucket}/o?uploadType=multipart`, {
          method: "POST",
          headers: { "content-type": `multipart/related; boundary=${boundary}` },
          body: `--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ name })}\r\n--${boundary}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${boundary}--\r\n`,
        });
        assert.equal(multipart.status, 400);
        assert.deepEqual(await multipart.json(), refusedName(name));
        const resumable = await api(`/upload/storage/v1/b/${bucket}/o?uploadType=resumable`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name }),
        });
        assert.equal(resumable.status, 400);
        assert.deepEqual(await resumable.json(), refusedName(name));
        const read = await api(`/storage/v1/b/${bucket}/o/${enc(name)}`);
        assert.equal(read.status, 400);
        await read.arrayBuffer();
      });
    }

    const invalid = (message: string) => ({ error: { code: 400, message, errors: [{ message, domain: "global", reason: "invalid" }] } });
    const fsLimit = (name: string, what: string) =>
      invalid(`The local GCS cannot store the object name ${JSON.stringify(name)}: fake-gcs-server's filesystem backend ${what} (docs/emulators.md).`);
    const writeRefusals: { name: string; want: unknown }[] = [
      {
        name: "cr\rlf\n.txt",
        want: invalid('The object name "cr\\rlf\\n.txt" is not valid: object names cannot contain carriage return or line feed characters.'),
      },
      { name: "..", want: invalid('The object name ".." is not valid: "." and ".." are not object names.') },
      { name: "folder/", want: fsLimit("folder/", "cannot keep a directory marker (a name ending in '/')") },
      { name: `long/${"x".repeat(256)}`, want: fsLimit(`long/${"x".repeat(256)}`, "cannot keep a path segment longer than 255 bytes") },
    ];
    for (const { name, want } of writeRefusals) {
      it(`refuses to write ${JSON.stringify(name.slice(0, 20))} with 400`, async () => {
        const r = await mediaUpload(name, Buffer.alloc(0));
        assert.equal(r.status, 400);
        assert.deepEqual(await r.json(), want);
      });
    }

    it("checks compose's source names too, and still composes good ones", async () => {
      for (const name of ["compose/a", "compose/b"]) {
        const r = await mediaUpload(name, Buffer.from(name));
        assert.equal(r.status, 200);
        await r.arrayBuffer();
      }
      const compose = (sources: string[]) =>
        api(`/storage/v1/b/${bucket}/o/${enc("compose/ab")}/compose`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ sourceObjects: sources.map((name) => ({ name })), destination: { contentType: "text/plain" } }),
        });
      const bad = await compose(["compose/a", "../../../../etc/hostname"]);
      assert.equal(bad.status, 400);
      assert.deepEqual(await bad.json(), refusedName("../../../../etc/hostname"));
      const good = await compose(["compose/a", "compose/b"]);
      assert.equal(good.status, 200, await good.clone().text());
      await good.arrayBuffer();
      assert.equal(await (await download("compose/ab")).text(), "compose/acompose/b");
    });

    it("refuses invalid bucket names in paths (a bucket '..' would be the directory above the data)", async () => {
      for (const [path, method, bucketName] of [
        ["/storage/v1/b/%2E%2E/o", "GET", ".."],
        ["/upload/storage/v1/b/%2e%2e/o?uploadType=media&name=credentials%2Fservice-account.json", "POST", ".."],
        ["/storage/v1/b/Upper/o/x", "GET", "Upper"],
        ["/download/storage/v1/b/ab/o/x?alt=media", "GET", "ab"],
      ]) {
        // node:http sends the path as written (fetch would resolve "%2E%2E" as a dot segment before sending).
        const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.request({ host: "127.0.0.1", port: gcs.port, method, path, headers: auth() }, (res) => {
            let body = "";
            res.on("data", (c: Buffer) => {
              body += c.toString("utf8");
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on("error", reject);
          req.end(method === "POST" ? "x" : undefined);
        });
        assert.equal(r.status, 400, path);
        const message = `Invalid bucket name: '${bucketName}'`;
        assert.deepEqual(JSON.parse(r.body), { error: { code: 400, message, errors: [{ message, domain: "global", reason: "invalid" }] } });
      }
      assert.match(await readFile(gcs.keyFile, "utf8"), /"type": "service_account"/);
    });

    it("answers 400, not a retried 500, for an object beside a folder of the same name", async () => {
      const conflict = invalid(
        'The local GCS cannot store both an object and objects under it as a folder ("a" and "a/..."): ' +
          "fake-gcs-server's filesystem backend keeps objects as files (docs/emulators.md).",
      );
      for (const [first, second] of [
        ["clash/file", "clash/file/under"],
        ["clash2/dir/under", "clash2/dir"],
      ]) {
        const ok = await mediaUpload(first, Buffer.from("1"));
        assert.equal(ok.status, 200);
        await ok.arrayBuffer();
        const r = await mediaUpload(second, Buffer.from("2"));
        assert.equal(r.status, 400, second);
        assert.deepEqual(await r.json(), conflict);
      }
    });

    it("still takes a multipart upload whose name is fine, its body sent on whole", async () => {
      const name = "names/ok.txt";
      const boundary = "b0undary";
      const r = await api(`/upload/storage/v1/b/${bucket}/o?uploadType=multipart`, {
        method: "POST",
        headers: { "content-type": `multipart/related; boundary=${boundary}` },
        body: `--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ name })}\r\n--${boundary}\r\nContent-Type: text/plain\r\n\r\nhello\r\n--${boundary}--\r\n`,
      });
      assert.equal(r.status, 200);
      await r.arrayBuffer();
      assert.equal(await (await download(name)).text(), "hello");
    });
  });

  it("with the memory backend keeps directory markers and an object beside a folder of the same name", async () => {
    const mem = await startGcsEmulator({ dataDir: join(dir, "memory"), backend: "memory" });
    try {
      const memKey = JSON.parse(await readFile(mem.keyFile, "utf8")) as KeyFile;
      const r = await tokenRequest(memKey, assertion(memKey));
      const headers = { authorization: `Bearer ${r.body.access_token as string}` };
      const created = await fetch(`${mem.url}/storage/v1/b?project=${enc(mem.projectId)}`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ name: "mem" }),
      });
      assert.equal(created.status, 200);
      await created.arrayBuffer();
      for (const name of ["dir/", "dir/a", "dir/a/b"]) {
        const up = await fetch(`${mem.url}/upload/storage/v1/b/mem/o?uploadType=media&name=${enc(name)}`, { method: "POST", headers, body: name === "dir/" ? "" : name });
        assert.equal(up.status, 200, name);
        await up.arrayBuffer();
      }
      const list = (await (await fetch(`${mem.url}/storage/v1/b/mem/o`, { headers })).json()) as { items: ObjectResource[] };
      assert.deepEqual(
        list.items.map((o) => [o.name, o.size]),
        [
          ["dir/", "0"],
          ["dir/a", "5"],
          ["dir/a/b", "7"],
        ],
      );
    } finally {
      await mem.stop();
    }
  });

  it("stops: the front and fake-gcs-server no longer listen", async () => {
    const other = await startGcsEmulator({ dataDir: join(dir, "second") });
    const ports = [other.port, other.backendPort];
    const r = await fetch(`${other.url}/storage/v1/b/x/o`);
    assert.equal(r.status, 401);
    await r.arrayBuffer();
    await other.stop();
    for (const port of ports) assert.equal(await canConnect(port), false, `port ${port} closed`);
  });

  it("leaves no fake-gcs-server running when the parent process is killed", async () => {
    const script = join(dir, "parent.mts");
    const index = pathToFileURL(join(import.meta.dirname, "../../src/emulators/gcs/index.ts")).href;
    await writeFile(
      script,
      [
        `import { startGcsEmulator } from ${JSON.stringify(index)};`,
        `const gcs = await startGcsEmulator({ dataDir: ${JSON.stringify(join(dir, "orphan"))} });`,
        'console.log("PORT " + gcs.backendPort);',
        "setInterval(() => {}, 60_000);",
      ].join("\n"),
    );
    const parent = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "pipe"], cwd: join(import.meta.dirname, "../..") });
    let stderr = "";
    parent.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        parent.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const match = /PORT (\d+)/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        parent.once("exit", (code) => reject(new Error(`the parent exited (${code}) before starting the emulator: ${stderr}`)));
      });
      assert.equal(await canConnect(port), true);
      parent.kill("SIGKILL");
      assert.equal(await waitUntil(async () => !(await canConnect(port)), 10_000), true, "fake-gcs-server still listens after its parent was killed");
    } finally {
      parent.kill("SIGKILL");
    }
  });

  it("names the missing binary when LAKE2OCI_FAKE_GCS_SERVER points nowhere", () => {
    const saved = process.env.LAKE2OCI_FAKE_GCS_SERVER;
    process.env.LAKE2OCI_FAKE_GCS_SERVER = join(dir, "no-such-binary");
    try {
      assert.throws(() => ensureFakeGcsServer(), { message: `LAKE2OCI_FAKE_GCS_SERVER names ${join(dir, "no-such-binary")}, which does not exist` });
    } finally {
      if (saved === undefined) delete process.env.LAKE2OCI_FAKE_GCS_SERVER;
      else process.env.LAKE2OCI_FAKE_GCS_SERVER = saved;
    }
  });

  it("refuses a host that is not loopback", async () => {
    await assert.rejects(startGcsEmulator({ dataDir: join(dir, "third"), host: "0.0.0.0" }), /must be a loopback address/);
  });
});
