// The OAuth side of the local cloud on its own: the CA (createLocalCa), the local Entra token endpoint
// (startTokenIssuer) with Entra's discovery documents, client-credentials grant and error answers, its token check
// (the gateway's tokenVerifier), and the TLS front of the ADLS gateway, which lets bearer tokens through only when
// they are this issuer's.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";
import { after, before, describe, it } from "node:test";
import { createLocalCa, type LocalCa } from "../../src/emulators/adls/local-ca.ts";
import { startTokenIssuer, type TokenIssuer } from "../../src/emulators/adls/token-issuer.ts";
import { type LocalCloud, type LocalOAuth, startLocalCloud } from "../../src/emulators/local-cloud.ts";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One https request trusting `ca` (none: the system's CAs), on a fresh connection. */
function request(url: string, options: { ca?: string; method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: options.method ?? "GET", headers: options.headers, ca: options.ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

const form = (values: Record<string, string>) => new URLSearchParams(values).toString();
const FORM = { "content-type": "application/x-www-form-urlencoded" };
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;

describe("the local OAuth endpoints", { timeout: 60_000 }, () => {
  let ca: LocalCa;
  let issuer: TokenIssuer;
  let other: TokenIssuer;
  const principal = { tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", clientId: "0a1b2c3d-0000-4000-8000-00000000abcd", clientSecret: "s3cr3t~value.1234" };

  before(async () => {
    ca = createLocalCa();
    issuer = await startTokenIssuer({ tls: ca, clients: [principal] });
    other = await startTokenIssuer({ tls: ca, clients: [principal] });
  });
  after(async () => {
    await issuer?.stop();
    await other?.stop();
  });

  const tokenUrl = () => `${issuer.url}/${principal.tenantId}/oauth2/v2.0/token`;
  const grant = (values: Record<string, string>, headers: Record<string, string> = {}) =>
    request(tokenUrl(), { ca: ca.caCert, method: "POST", headers: { ...FORM, ...headers }, body: form(values) });
  const good = { grant_type: "client_credentials", client_id: principal.clientId, client_secret: principal.clientSecret, scope: "https://storage.azure.com/.default" };

  it("makes a CA and a server certificate for the loopback names that verify against it", () => {
    const caCert = new X509Certificate(ca.caCert);
    const server = new X509Certificate(ca.cert);
    assert.equal(caCert.ca, true);
    assert.equal(server.ca, false);
    assert.ok(server.checkIssued(caCert) && server.verify(caCert.publicKey), "signed by the CA");
    assert.ok(caCert.verify(caCert.publicKey), "the CA is self-signed");
    assert.equal(server.checkIP("127.0.0.1"), "127.0.0.1");
    assert.equal(server.checkIP("::1"), "::1");
    assert.equal(server.checkHost("localhost"), "localhost");
    assert.equal(server.checkIP("10.0.0.1"), undefined);
    assert.ok(new Date(server.validFrom) <= new Date() && new Date() < new Date(server.validTo));
    assert.throws(() => createLocalCa({ hosts: [] }), /hosts must name at least one/);
  });

  it("is refused by a client that does not trust the CA", async () => {
    await assert.rejects(request(`${issuer.url}/${principal.tenantId}/v2.0/.well-known/openid-configuration`), /self[- ]signed|unable to (get|verify)/i);
  });

  it("serves instance and tenant discovery as MSAL reads them", async () => {
    const id = await request(`${issuer.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${issuer.url}/${principal.tenantId}/oauth2/v2.0/authorize`)}`, { ca: ca.caCert });
    assert.equal(id.status, 200);
    assert.equal(JSON.parse(id.body).tenant_discovery_endpoint, `${issuer.url}/${principal.tenantId}/v2.0/.well-known/openid-configuration`);
    const oidc = await request(`${issuer.url}/${principal.tenantId}/v2.0/.well-known/openid-configuration`, { ca: ca.caCert });
    assert.equal(oidc.status, 200);
    const config = JSON.parse(oidc.body);
    assert.equal(config.token_endpoint, tokenUrl());
    assert.equal(config.authorization_endpoint, `${issuer.url}/${principal.tenantId}/oauth2/v2.0/authorize`);
    assert.equal(config.issuer, `${issuer.url}/${principal.tenantId}/v2.0`);
    const keys = await request(config.jwks_uri, { ca: ca.caCert });
    assert.equal(JSON.parse(keys.body).keys[0].kty, "RSA");
    const unknown = await request(`${issuer.url}/not-a-tenant/v2.0/.well-known/openid-configuration`, { ca: ca.caCert });
    assert.equal(unknown.status, 400);
    assert.match(JSON.parse(unknown.body).error_description, /^AADSTS90002: Tenant 'not-a-tenant' not found/);
  });

  it("issues a storage token for the client credentials, in the form or as HTTP Basic", async () => {
    for (const [how, answer] of [
      ["form", await grant(good)],
      ["basic", await grant({ grant_type: "client_credentials", scope: good.scope }, { authorization: `Basic ${Buffer.from(`${principal.clientId}:${principal.clientSecret}`).toString("base64")}` })],
    ] as const) {
      assert.equal(answer.status, 200, `${how}: ${answer.body}`);
      const body = JSON.parse(answer.body);
      assert.equal(body.token_type, "Bearer");
      assert.equal(body.expires_in, 3599);
      assert.equal(answer.headers["cache-control"], "no-store, no-cache");
      const claims = claimsOf(body.access_token);
      assert.equal(claims.aud, "https://storage.azure.com");
      assert.equal(claims.iss, `https://sts.windows.net/${principal.tenantId}/`);
      assert.equal(claims.tid, principal.tenantId);
      assert.equal(claims.appid, principal.clientId);
      assert.ok((claims.exp as number) > Date.now() / 1000);
      assert.equal(await issuer.verifyToken(body.access_token), true, `${how}: the issuer accepts its token`);
      assert.equal(await other.verifyToken(body.access_token), false, `${how}: another issuer's key does not verify it`);
      assert.ok(!answer.body.includes(principal.clientSecret), "the secret is not echoed");
    }
  });

  it("refuses bad requests with Entra's errors", async () => {
    const cases: { given: Record<string, string>; want: { status: number; error: string; code: number } }[] = [
      { given: { ...good, client_secret: "wrong" }, want: { status: 401, error: "invalid_client", code: 7000215 } },
      { given: { ...good, client_secret: "" }, want: { status: 401, error: "invalid_client", code: 7000216 } },
      { given: { ...good, client_id: "someone-else" }, want: { status: 400, error: "unauthorized_client", code: 700016 } },
      { given: { ...good, grant_type: "password" }, want: { status: 400, error: "unsupported_grant_type", code: 70003 } },
      { given: { ...good, scope: "https://storage.azure.com/user_impersonation" }, want: { status: 400, error: "invalid_scope", code: 1002012 } },
      { given: { ...good, scope: "https://vault.azure.net/.default" }, want: { status: 400, error: "invalid_resource", code: 500011 } },
    ];
    for (const { given, want } of cases) {
      const answer = await grant(given);
      const body = JSON.parse(answer.body);
      const label = JSON.stringify(given);
      assert.equal(answer.status, want.status, label);
      assert.equal(body.error, want.error, label);
      assert.deepEqual(body.error_codes, [want.code], label);
      assert.match(body.error_description, new RegExp(`^AADSTS${want.code}: `), label);
      assert.ok(!answer.body.includes(principal.clientSecret), `${label}: the secret is not echoed`);
    }
    const otherTenant = await request(`${issuer.url}/00000000-0000-0000-0000-000000000000/oauth2/v2.0/token`, { ca: ca.caCert, method: "POST", headers: FORM, body: form(good) });
    assert.equal(otherTenant.status, 400);
    assert.equal(JSON.parse(otherTenant.body).error_codes[0], 90002);
  });

  it("verifies only its own, untampered tokens", async () => {
    const token = JSON.parse((await grant(good)).body).access_token as string;
    const [h, p, s] = token.split(".");
    const claims = claimsOf(token);
    const forged = Buffer.from(JSON.stringify({ ...claims, appid: "attacker" })).toString("base64url");
    const cases: [string, string][] = [
      ["tampered claims", `${h}.${forged}.${s}`],
      ["no signature", `${h}.${p}.`],
      ["not a JWT", "abc"],
      ["empty", ""],
    ];
    for (const [label, given] of cases) assert.equal(await issuer.verifyToken(given), false, label);
    assert.equal(await issuer.verifyToken(token), true);
  });
});

describe("the local cloud with adlsOAuth", { timeout: 60_000 }, () => {
  let cloud: LocalCloud;
  let oauth: LocalOAuth;
  before(async () => {
    cloud = await startLocalCloud({ adlsOAuth: true });
    oauth = cloud.oauth as LocalOAuth;
  });
  after(async () => {
    await cloud?.stop();
  });

  /** A storage token from the token endpoint at `url` (trusting `ca`) for the cloud's service principal. */
  const token = async (url: string, ca: string, secret: string) => {
    const answer = await request(`${url}/${oauth.tenantId}/oauth2/v2.0/token`, {
      ca,
      method: "POST",
      headers: FORM,
      body: form({ grant_type: "client_credentials", client_id: oauth.clientId, client_secret: secret, scope: "https://storage.azure.com/.default" }),
    });
    assert.equal(answer.status, 200, answer.body);
    return JSON.parse(answer.body).access_token as string;
  };

  it("serves the account over TLS and accepts the bearer tokens of its own token endpoint only", async () => {
    const ca = readFileSync(oauth.caFile, "utf8");
    assert.match(oauth.accountUrl, /^https:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
    const list = (bearer: string) =>
      request(`${oauth.accountUrl}?comp=list`, { ca, headers: { authorization: `Bearer ${bearer}`, "x-ms-version": "2021-06-08", "x-ms-date": new Date().toUTCString() } });
    const ok = await list(await token(oauth.authorityHost, ca, oauth.clientSecret));
    assert.equal(ok.status, 200, ok.body);
    assert.match(ok.body, /<EnumerationResults/);
    assert.equal(oauth.issuer.requestCounts().token, 1);

    // The same tenant and client id at another token endpoint (another signing key): its token is refused.
    const strangerCa = createLocalCa();
    const stranger = await startTokenIssuer({ tls: strangerCa, clients: [{ tenantId: oauth.tenantId, clientId: oauth.clientId, clientSecret: "other-secret" }] });
    try {
      const refused = await list(await token(stranger.url, strangerCa.caCert, "other-secret"));
      assert.equal(refused.status, 403);
      assert.match(refused.body, /AuthenticationFailed/);
    } finally {
      await stranger.stop();
    }
    assert.equal((await list("not-a-token")).status, 403);
    await assert.rejects(request(`${oauth.accountUrl}?comp=list`), /self[- ]signed|unable to (get|verify)/i, "a client that does not trust the CA cannot connect");
  });
});
