// One request/response exchange of the OCI emulator: reading the body (streamed to a temp file while hashing, or
// buffered for small JSON bodies), sending responses (JSON, empty, or streamed), the OCI error body, byte counting
// for the request log, and the HTTP side of fault injection (bandwidth caps and dropped connections while a body is
// moving). Handlers never touch `req`/`res` directly for bodies.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { unlink } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { FaultDecision } from "../faults.ts";
import { OciServiceError } from "./errors.ts";
import { createPacer } from "./pacing.ts";

/** Thrown when the connection is gone (client went away, or a drop fault cut it): nothing more can be sent. */
export class ConnectionGone extends Error {
  constructor(message = "connection closed") {
    super(message);
    this.name = "ConnectionGone";
  }
}

export interface ReceivedBody {
  tmpFile: string;
  size: number;
  md5: Buffer;
  /** Base64 SHA-256 of the body, when requested. */
  sha256?: string;
}

export class Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly method: string;
  /** Raw path (percent-encoded) and raw query of the request target. */
  readonly rawPath: string;
  readonly rawQuery: string;
  decision: FaultDecision = { fired: [], latencyMs: 0 };
  bytesIn = 0;
  bytesOut = 0;
  /** The length of the response body being sent (set with its headers). */
  responseLength: number | undefined;
  aborted = false;
  errorCode?: string;
  /** Offset of the request-body byte a corrupt-body fault inverted (set once it was). */
  corruptedAt?: number;
  /** The MD5 a wrong-md5 fault answered instead of the true one (set once it was). */
  wrongMd5?: string;
  private readonly expectContinue: boolean;
  private continued = false;
  private bodyConsumed = false;

  constructor(req: IncomingMessage, res: ServerResponse, requestId: string, expectContinue: boolean) {
    this.req = req;
    this.res = res;
    this.requestId = requestId;
    this.expectContinue = expectContinue;
    this.method = (req.method ?? "GET").toUpperCase();
    const target = req.url ?? "/";
    const q = target.indexOf("?");
    this.rawPath = q < 0 ? target : target.slice(0, q);
    this.rawQuery = q < 0 ? "" : target.slice(q + 1);
  }

  get target(): string {
    return this.req.url ?? "/";
  }

  header(name: string): string | undefined {
    const v = this.req.headers[name];
    return Array.isArray(v) ? v.join(", ") : v;
  }

  /** Whether the request announces a body (Content-Length > 0 or chunked). */
  get hasBody(): boolean {
    const length = this.header("content-length");
    if (length !== undefined) return Number(length) > 0;
    return this.header("transfer-encoding") !== undefined;
  }

  private allowBody(): void {
    if (this.expectContinue && !this.continued) {
      this.continued = true;
      this.res.writeContinue();
    }
  }

  /** Cuts the connection now (drop faults). */
  dropConnection(): never {
    this.aborted = true;
    this.req.socket.destroy();
    throw new ConnectionGone("connection dropped by a fault rule");
  }

  private requestStages(): Transform[] {
    return this.decision.requestBytesPerSecond ? [createPacer(this.decision.requestBytesPerSecond)] : [];
  }

  /** Drop-during-request threshold, when a drop fault fired for the request body. */
  private get requestDropAt(): number | undefined {
    return this.decision.drop?.during === "request" ? (this.decision.drop.afterBytes ?? 0) : undefined;
  }

  /** The value of an MD5 response header (`opc-content-md5`, `opc-multipart-md5`): `trueMd5`, or the wrong one a
   * wrong-md5 fault asks for. */
  md5ToAnswer(trueMd5: string): string {
    const wrong = this.decision.wrongMd5;
    if (!wrong) return trueMd5;
    this.wrongMd5 = wrong.value ?? falsifyMd5(trueMd5);
    return this.wrongMd5;
  }

  /** Where a corrupt-body fault flips a byte of the request body (its offset, default the middle byte), if one fired. */
  private get corruptAt(): number | undefined {
    const corrupt = this.decision.corruptBody;
    if (!corrupt) return undefined;
    return corrupt.offset ?? Math.floor(Number(this.header("content-length") ?? 0) / 2);
  }

  /** Streams the body to `tmpFile`, hashing MD5 (and SHA-256 when asked); removes the file on any failure. A
   * corrupt-body fault inverts one byte as it arrives: the hashes and the file see the corrupted body. */
  async receiveToFile(tmpFile: string, wantSha256: boolean): Promise<ReceivedBody> {
    const dropAt = this.requestDropAt;
    if (dropAt === 0) this.dropConnection();
    this.allowBody();
    const md5 = createHash("md5");
    const sha = wantSha256 ? createHash("sha256") : undefined;
    const corruptAt = this.corruptAt;
    let size = 0;
    const tap = new Transform({
      transform: (received: Buffer, _encoding, callback) => {
        let chunk = received;
        if (dropAt !== undefined && size + chunk.length >= dropAt) {
          this.bytesIn += dropAt - size;
          this.aborted = true;
          this.req.socket.destroy();
          callback(new ConnectionGone("connection dropped by a fault rule"));
          return;
        }
        if (corruptAt !== undefined && corruptAt >= size && corruptAt < size + chunk.length) {
          chunk = Buffer.from(chunk);
          chunk[corruptAt - size] ^= 0xff;
          this.corruptedAt = corruptAt;
        }
        size += chunk.length;
        this.bytesIn += chunk.length;
        md5.update(chunk);
        sha?.update(chunk);
        callback(null, chunk);
      },
    });
    const out = createWriteStream(tmpFile, { flags: "wx" });
    try {
      await pipeline([this.req, ...this.requestStages(), tap, out]);
    } catch (err) {
      // A body that fails at once can reject the pipeline while the file is still being opened: it would appear
      // after the unlink and stay forever. The stream closes only once its open has finished.
      if (!out.closed) await new Promise<void>((resolve) => out.once("close", () => resolve()));
      await unlink(tmpFile).catch(() => {});
      if (this.req.socket.destroyed || this.req.destroyed || err instanceof ConnectionGone) {
        this.aborted = true;
        throw new ConnectionGone(`request body not received completely: ${(err as Error).message}`);
      }
      throw err;
    }
    this.bodyConsumed = true;
    return { tmpFile, size, md5: md5.digest(), sha256: sha?.digest("base64") };
  }

  /** Reads a small body into memory (JSON requests); 413 above `maxBytes`. */
  async receiveBuffer(maxBytes: number): Promise<Buffer> {
    const dropAt = this.requestDropAt;
    if (dropAt === 0) this.dropConnection();
    this.allowBody();
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      let source: Readable = this.req;
      for (const stage of this.requestStages()) {
        // pipeline (not pipe) so that an aborted request also ends the iteration below.
        pipeline(source, stage).catch(() => {});
        source = stage;
      }
      for await (const chunk of source) {
        const b = chunk as Buffer;
        if (dropAt !== undefined && size + b.length >= dropAt) {
          this.bytesIn += dropAt - size;
          this.dropConnection();
        }
        size += b.length;
        this.bytesIn += b.length;
        if (size > maxBytes) {
          throw new OciServiceError(413, "RequestEntityTooLarge", `The request body is larger than ${maxBytes} bytes`);
        }
        chunks.push(b);
      }
    } catch (err) {
      if (err instanceof OciServiceError || err instanceof ConnectionGone) throw err;
      this.aborted = true;
      throw new ConnectionGone(`request body not received completely: ${(err as Error).message}`);
    }
    this.bodyConsumed = true;
    return Buffer.concat(chunks);
  }

  /** Reads and discards an unread body so the connection can be reused. */
  private async drain(): Promise<void> {
    if (this.bodyConsumed || !this.hasBody || this.req.readableEnded) return;
    if (this.expectContinue && !this.continued) {
      // The client is waiting for 100 Continue and has not sent the body: answer and close instead of reading it.
      this.res.shouldKeepAlive = false;
      return;
    }
    this.bodyConsumed = true;
    this.req.resume();
    await new Promise<void>((resolve) => {
      if (this.req.readableEnded) return resolve();
      this.req.once("end", resolve);
      this.req.once("close", resolve);
    });
  }

  private commonHeaders(): Record<string, string> {
    const h: Record<string, string> = { "opc-request-id": this.requestId };
    const clientId = this.header("opc-client-request-id");
    if (clientId) h["opc-client-request-id"] = clientId;
    return h;
  }

  /** Sends a response; `body` may be a Buffer, a stream of exactly `length` bytes, or nothing. */
  async send(
    status: number,
    headers: Record<string, string | number>,
    body?: Buffer | { stream: Readable; length: number },
  ): Promise<void> {
    await this.drain();
    if (this.res.destroyed) throw new ConnectionGone();
    const isHead = this.method === "HEAD";
    const length = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.length;
    const drop = this.decision.drop?.during === "response" ? this.decision.drop : undefined;
    const noBody = isHead || status === 204 || status === 304 || length === 0;
    if (drop && noBody) {
      if (body && !Buffer.isBuffer(body)) body.stream.destroy();
      this.dropConnection();
    }
    this.responseLength = noBody ? 0 : length;
    this.res.writeHead(status, { ...this.commonHeaders(), ...headers });
    if (noBody) {
      if (body && !Buffer.isBuffer(body)) body.stream.destroy();
      this.res.end();
      return;
    }
    const pace = this.decision.responseBytesPerSecond;
    if (Buffer.isBuffer(body) && !drop && !pace) {
      this.bytesOut += body.length;
      this.res.end(body);
      return;
    }
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : (body as { stream: Readable }).stream;
    const limit = drop ? (drop.afterBytes ?? Math.max(1, Math.floor(length / 2))) : undefined;
    await this.pump(source, pace, limit);
  }

  private async pump(source: Readable, bytesPerSecond: number | undefined, limit: number | undefined): Promise<void> {
    const res = this.res;
    const paced = bytesPerSecond ? source.pipe(createPacer(bytesPerSecond)) : source;
    if (paced !== source) source.once("error", (err) => paced.destroy(err));
    const stop = () => {
      source.destroy();
      paced.destroy();
    };
    try {
      for await (const chunk of paced) {
        const b = chunk as Buffer;
        if (limit !== undefined && this.bytesOut + b.length >= limit) {
          const piece = b.subarray(0, limit - this.bytesOut);
          this.bytesOut += piece.length;
          if (piece.length > 0) await new Promise<void>((resolve) => res.write(piece, () => resolve()));
          stop();
          this.dropConnection();
        }
        this.bytesOut += b.length;
        if (!res.write(b)) await waitDrain(res);
        if (res.destroyed) {
          stop();
          throw new ConnectionGone();
        }
      }
    } catch (err) {
      stop();
      this.aborted = true;
      if (!res.destroyed) res.destroy();
      throw err instanceof ConnectionGone ? err : new ConnectionGone(`response stream failed: ${(err as Error).message}`);
    }
    res.end();
  }

  sendJson(status: number, value: unknown, headers: Record<string, string | number> = {}): Promise<void> {
    const body = Buffer.from(JSON.stringify(value), "utf8");
    return this.send(status, { "content-type": "application/json", "content-length": body.length, ...headers }, body);
  }

  /** Sends the OCI error body for `err` (an OciServiceError, or a 500 for anything else). */
  async sendError(err: unknown): Promise<void> {
    const e =
      err instanceof OciServiceError
        ? err
        : new OciServiceError(500, "InternalServerError", `The OCI emulator failed: ${(err as Error)?.message ?? String(err)}`);
    this.errorCode = e.code;
    if (this.res.headersSent) {
      this.aborted = true;
      this.res.destroy();
      return;
    }
    const body = Buffer.from(JSON.stringify({ code: e.code, message: e.message }), "utf8");
    const headers: Record<string, string | number> = { ...e.headers, "content-type": "application/json" };
    if (this.method !== "HEAD") headers["content-length"] = body.length;
    try {
      await this.send(e.status, headers, this.method === "HEAD" ? undefined : body);
    } catch (sendErr) {
      if (!(sendErr instanceof ConnectionGone)) throw sendErr;
    }
  }
}

/** A well-formed but wrong MD5: the first byte of the digest inverted; a multipart MD5 keeps its `-<count>`. */
export function falsifyMd5(md5: string): string {
  const dash = md5.indexOf("-");
  const digest = Buffer.from(dash < 0 ? md5 : md5.slice(0, dash), "base64");
  if (digest.length === 0) return "AAAAAAAAAAAAAAAAAAAAAA==";
  digest[0] ^= 0xff;
  return digest.toString("base64") + (dash < 0 ? "" : md5.slice(dash));
}

function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
