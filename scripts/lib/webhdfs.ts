// A plain WebHDFS client for seeding and changing the local HDFS in tests, the demo and benchmarks (not the lister
// under test: src/stores/hdfs/hdfs-lister.ts is). Simple auth (`user.name=`), as the local MiniDFSCluster runs.
import http from "node:http";
import { dirname } from "node:path";

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

  /** An operation that must answer 200 (MKDIRS, SETTIMES, DELETE, RENAME, ...). */
  async ok(method: string, path: string, op: string, params: Record<string, string> = {}): Promise<void> {
    const r = await this.request(method, this.url(path, op, params));
    if (r.status !== 200) throw new Error(`WebHDFS ${op} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
  }

  /** CREATE through the DataNode redirect; an NFD name is written as another name and renamed (the redirect is NFC). */
  async create(path: string, data: Buffer, params: Record<string, string> = {}): Promise<void> {
    const staging = path.normalize("NFC") === path ? path : `${dirname(path)}/.staging`;
    const first = await this.request("PUT", this.url(staging, "CREATE", { overwrite: "true", ...params }));
    if (first.status !== 307 || first.location === undefined) throw new Error(`WebHDFS CREATE ${path}: ${first.status} ${first.text.slice(0, 300)}`);
    const second = await this.request("PUT", first.location, data);
    if (second.status !== 201) throw new Error(`WebHDFS CREATE ${path} at the DataNode: ${second.status} ${second.text.slice(0, 300)}`);
    if (staging !== path) await this.ok("PUT", staging, "RENAME", { destination: path });
  }
}
