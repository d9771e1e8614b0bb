import assert from "node:assert/strict";
import http from "node:http";
import { dirname } from "node:path";

/** A plain WebHDFS client (not the lister under test) that seeds and changes the local HDFS. */
export class WebHdfsSeeder {
  constructor(
    readonly origin: string,
    readonly user: string,
  ) {}
  url(path: string, op: string, params: Record<string, string> = {}): string {
    const encoded = path.split("/").map(encodeURIComponent).join("/");
    return `${this.origin}/webhdfs/v1${encoded}?${new URLSearchParams({ op, "user.name": this.user, ...params })}`;
  }
  request(method: string, url: string, body?: Buffer): Promise<{ status: number; location?: string; text: string }> {
    return new Promise((resolve, reject) => {
      const headers = body === undefined ? {} : { "content-type": "application/octet-stream", "content-length": String(body.length) };
      const req = http.request(url, { method, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  }
  async ok(method: string, path: string, op: string, params: Record<string, string> = {}): Promise<void> {
    const r = await this.request(method, this.url(path, op, params));
    assert.equal(r.status, 200, `${op} ${path}: ${r.text.slice(0, 300)}`);
  }
  /** CREATE through the DataNode redirect; an NFD name is written as another name and renamed (the redirect is NFC). */
  async create(path: string, data: Buffer, params: Record<string, string> = {}): Promise<void> {
    const staging = path.normalize("NFC") === path ? path : `${dirname(path)}/.staging`;
    const first = await this.request("PUT", this.url(staging, "CREATE", { overwrite: "true", ...params }));
    assert.equal(first.status, 307, `CREATE ${path}: ${first.text.slice(0, 300)}`);
    const second = await this.request("PUT", first.location!, data);
    assert.equal(second.status, 201, `CREATE ${path} at the DataNode: ${second.text.slice(0, 300)}`);
    if (staging !== path) await this.ok("PUT", staging, "RENAME", { destination: path });
  }
}
