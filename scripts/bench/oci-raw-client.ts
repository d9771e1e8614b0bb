// A minimal OCI Object Storage client over node:http with the request signing done here, for benchmarks that must
// measure the wire and the server rather than an SDK (e.g. emulator throughput, the "raw pipe" limit). It signs as
// the OCI SDKs do (draft-cavage rsa-sha256; PutObject/UploadPart sign only date, (request-target), host).
import { createHash, createPrivateKey, createSign, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent, request, type IncomingMessage } from "node:http";
import type { Readable } from "node:stream";

export interface OciProfile {
  tenancy: string;
  user: string;
  fingerprint: string;
  keyFile: string;
}

/** Reads one profile of an OCI config file (INI). */
export function readOciProfile(configFile: string, profile: string): OciProfile {
  const lines = readFileSync(configFile, "utf8").split(/\r?\n/);
  let current = "";
  const values: Record<string, string> = {};
  for (const line of lines) {
    const t = line.trim();
    if (t.startsWith("[") && t.endsWith("]")) current = t.slice(1, -1);
    else if (current === profile && t.includes("=")) {
      const i = t.indexOf("=");
      values[t.slice(0, i).trim()] = t.slice(i + 1).trim();
    }
  }
  for (const k of ["tenancy", "user", "fingerprint", "key_file"]) {
    if (!values[k]) throw new Error(`${configFile} [${profile}]: missing ${k}`);
  }
  return { tenancy: values.tenancy, user: values.user, fingerprint: values.fingerprint, keyFile: values.key_file };
}

export class RawOciClient {
  readonly agent: Agent;
  private readonly key: KeyObject;
  private readonly keyId: string;
  private readonly host: string;
  private readonly port: number;

  constructor(
    readonly endpoint: string,
    profile: OciProfile,
    readonly namespace: string,
    maxSockets = 64,
  ) {
    const u = new URL(endpoint);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.key = createPrivateKey(readFileSync(profile.keyFile));
    this.keyId = `${profile.tenancy}/${profile.user}/${profile.fingerprint}`;
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  objectPath(bucket: string, name: string): string {
    return `/n/${encodeURIComponent(this.namespace)}/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(name)}`;
  }

  private sign(method: string, path: string, headers: Record<string, string>, bodyHeaders: boolean): void {
    headers.date = new Date().toUTCString();
    headers.host = `${this.host}:${this.port}`;
    const names = ["date", "(request-target)", "host"];
    if (bodyHeaders) names.push("content-type", "content-length", "x-content-sha256");
    const signingString = names
      .map((n) => (n === "(request-target)" ? `${n}: ${method.toLowerCase()} ${path}` : `${n}: ${headers[n]}`))
      .join("\n");
    const signature = createSign("RSA-SHA256").update(signingString).sign(this.key, "base64");
    headers.authorization =
      `Signature version="1",keyId="${this.keyId}",algorithm="rsa-sha256",` +
      `headers="${names.join(" ")}",signature="${signature}"`;
  }

  /** Sends a signed request; `body` is a Buffer (signed body headers) or a stream (PutObject/UploadPart style). */
  send(
    method: string,
    path: string,
    options: { body?: Buffer | Readable; contentLength?: number; headers?: Record<string, string> } = {},
  ): Promise<IncomingMessage> {
    const headers: Record<string, string> = { ...options.headers };
    const streaming = options.body !== undefined && !Buffer.isBuffer(options.body);
    if (Buffer.isBuffer(options.body)) {
      headers["content-type"] ??= "application/json";
      headers["content-length"] = String(options.body.length);
      headers["x-content-sha256"] = createHash("sha256").update(options.body).digest("base64");
    } else if (streaming) {
      if (options.contentLength === undefined) throw new Error("a streamed body needs contentLength");
      headers["content-length"] = String(options.contentLength);
    }
    this.sign(method, path, headers, Buffer.isBuffer(options.body));
    return new Promise((resolve, reject) => {
      const req = request({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, resolve);
      req.on("error", reject);
      if (options.body === undefined) req.end();
      else if (Buffer.isBuffer(options.body)) req.end(options.body);
      else {
        options.body.on("error", (e) => req.destroy(e));
        options.body.pipe(req);
      }
    });
  }

  /** Sends and reads the whole (small) response; throws on a non-2xx status with the OCI error code. */
  async json(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.send(method, path, body === undefined ? {} : { body: Buffer.from(JSON.stringify(body)) });
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    if ((res.statusCode ?? 0) >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  close(): void {
    this.agent.destroy();
  }
}
