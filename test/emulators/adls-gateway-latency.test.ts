// The DFS gateway's latency option (what a cloud round trip costs, for benchmarks): every request, served or passed
// through, waits `latencyMs` before it is handled; it can be changed while the gateway runs; a request body waits
// in the socket meanwhile and arrives whole. The upstream here is a stub HTTP server standing in for Azurite.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME } from "../../src/emulators/adls/index.ts";
import { type DfsGateway, startDfsGateway } from "../../src/emulators/adls/gateway.ts";

interface Answer {
  status: number;
  body: string;
  ms: number;
}

function send(url: string, method: string, body?: Buffer): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent: false, headers: body ? { "content-length": String(body.length) } : {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), ms: performance.now() - started }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

describe("DFS gateway latency", () => {
  let upstream: http.Server;
  let gateway: DfsGateway;
  /** What the stub upstream received: method and body length of each passed-through request. */
  const received: string[] = [];

  before(async () => {
    upstream = http.createServer((request, response) => {
      let length = 0;
      request.on("data", (c: Buffer) => {
        length += c.length;
      });
      request.on("end", () => {
        received.push(`${request.method} ${length}`);
        response.writeHead(200, { "content-type": "text/plain" });
        response.end(`upstream got ${length} bytes`);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    gateway = await startDfsGateway({
      upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      accountName: DEV_ACCOUNT_NAME,
      accountKey: DEV_ACCOUNT_KEY,
    });
  });

  after(async () => {
    await gateway?.stop();
    upstream?.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it("delays passed-through and served requests by the latency set while running, and by nothing at 0", async () => {
    const cases: { given: { latencyMs: number; method: string; path: string; body?: Buffer }; want: { status: number; body?: string } }[] = [
      { given: { latencyMs: 250, method: "GET", path: "/fs/dir/file.bin" }, want: { status: 200, body: "upstream got 0 bytes" } },
      { given: { latencyMs: 250, method: "PUT", path: "/fs/dir/blob.bin", body: Buffer.alloc(300_000, 7) }, want: { status: 200, body: "upstream got 300000 bytes" } },
      // Served by the gateway itself (List Paths); refused for want of credentials, after the wait all the same.
      { given: { latencyMs: 250, method: "GET", path: "/fs?resource=filesystem&recursive=true" }, want: { status: 401 } },
      { given: { latencyMs: 0, method: "GET", path: "/fs/dir/file.bin" }, want: { status: 200, body: "upstream got 0 bytes" } },
    ];
    for (const { given, want } of cases) {
      gateway.setLatencyMs(given.latencyMs);
      const answer = await send(`${gateway.url}${given.path}`, given.method, given.body);
      assert.equal(answer.status, want.status, `${given.method} ${given.path}`);
      if (want.body !== undefined) assert.equal(answer.body, want.body);
      if (given.latencyMs > 0) assert.ok(answer.ms >= given.latencyMs - 5, `${given.method} ${given.path} took ${answer.ms.toFixed(0)} ms, less than ${given.latencyMs} ms`);
      else assert.ok(answer.ms < 200, `without latency ${given.method} ${given.path} took ${answer.ms.toFixed(0)} ms`);
    }
    assert.deepEqual(received, ["GET 0", "PUT 300000", "GET 0"]);
  });

  it("refuses a latency that is not a number of milliseconds, 0 or more", async () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => gateway.setLatencyMs(bad), { message: `setLatencyMs must be a number of milliseconds, 0 or more (got ${bad})` });
    }
    await assert.rejects(
      startDfsGateway({ upstream: "http://127.0.0.1:9", accountName: DEV_ACCOUNT_NAME, accountKey: DEV_ACCOUNT_KEY, latencyMs: -5 }),
      { message: "startDfsGateway: latencyMs must be a number of milliseconds, 0 or more (got -5)" },
    );
  });
});
