import assert from "node:assert/strict";
import { createSign } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * A plain JSON API client (not the lister under test) that seeds and changes the local GCS: its own JWT, signed with
 * the emulator's key file, for a full-control token.
 */
export class GcsSeeder {
  private token = "";
  constructor(
    readonly origin: string,
    readonly keyFile: string,
    readonly bucket: string,
  ) {}
  async authorize(): Promise<void> {
    const key = JSON.parse(readFileSync(this.keyFile, "utf8")) as { client_email: string; private_key: string; token_uri: string };
    const now = Math.floor(Date.now() / 1000);
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const claims = { iss: key.client_email, scope: "https://www.googleapis.com/auth/devstorage.full_control", aud: key.token_uri, iat: now, exp: now + 3600 };
    const unsigned = `${part({ alg: "RS256", typ: "JWT" })}.${part(claims)}`;
    const signature = createSign("RSA-SHA256").update(unsigned).sign(key.private_key).toString("base64url");
    const r = await fetch(key.token_uri, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: `${unsigned}.${signature}` }),
    });
    assert.equal(r.status, 200, await r.clone().text());
    this.token = ((await r.json()) as { access_token: string }).access_token;
  }
  private async call(method: string, path: string, body?: Buffer | string, type?: string): Promise<void> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (type !== undefined) headers["content-type"] = type;
    const r = await fetch(`${this.origin}${path}`, { method, headers, body });
    const text = await r.text();
    assert.ok(r.ok, `${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
  }
  createBucket(): Promise<void> {
    return this.call("POST", "/storage/v1/b?project=lake2oci-local", JSON.stringify({ name: this.bucket }), "application/json");
  }
  put(name: string, data: Buffer): Promise<void> {
    const q = new URLSearchParams({ uploadType: "media", name });
    return this.call("POST", `/upload/storage/v1/b/${this.bucket}/o?${q}`, data, "application/octet-stream");
  }
  remove(name: string): Promise<void> {
    return this.call("DELETE", `/storage/v1/b/${this.bucket}/o/${encodeURIComponent(name)}`);
  }
}
