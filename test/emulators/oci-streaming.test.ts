// The OCI emulator streams bodies to and from disk: a 256 MiB upload and download through an emulator running in a
// child process must not raise that process's peak RSS (VmHWM) by anything near the object size. Also: stop() is
// prompt with idle keep-alive connections and with a transfer in flight.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Agent, request as httpRequest } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createBucket, rawRequest, signedHeaders, startTestEmulator, type TestEmulator, uniqueBucket } from "./oci-helpers.ts";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const MiB = 1024 * 1024;

/** Peak resident set size of a process, in bytes (Linux /proc). */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  if (!m) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** Deterministic 1 MiB chunks (index stamped in), so both ends can hash without keeping the object. */
function chunk(base: Buffer, i: number): Buffer {
  const c = Buffer.from(base);
  c.writeUInt32BE(i, 0);
  return c;
}

describe("OCI emulator: streaming and shutdown", () => {
  let t: TestEmulator;
  let child: ChildProcess;
  let childUrl: string;
  before(async () => {
    t = await startTestEmulator();
    const script = [
      `import { startOciEmulator } from ${JSON.stringify(join(repoRoot, "src/emulators/oci/server.ts"))};`,
      `const e = await startOciEmulator({ dataDir: ${JSON.stringify(join(t.dir, "child-data"))}, ociConfigFile: ${JSON.stringify(t.credentials.configFile)} });`,
      `process.stdout.write(e.url + "\\n");`,
      `process.on("SIGTERM", () => e.stop().then(() => process.exit(0)));`,
    ].join("\n");
    child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"],
    });
    childUrl = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(out.trim());
      });
      child.once("exit", (code) => reject(new Error(`emulator child exited with ${code}`)));
    });
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    await t?.stop();
  });

  it("keeps peak RSS far below the size of a 256 MiB upload and download", { timeout: 120_000 }, async () => {
    const remote = { emulator: { url: childUrl } as TestEmulator["emulator"], credentials: t.credentials };
    const bucket = uniqueBucket("stream");
    const created = await rawRequest(remote, {
      method: "POST",
      target: "/n/lake2oci/b",
      body: JSON.stringify({ name: bucket, compartmentId: t.credentials.tenancy }),
    });
    assert.equal(created.status, 200, created.body.toString());
    const pid = child.pid as number;
    const before = await peakRss(pid);

    const chunks = 256;
    const base = createHash("sha512").update("seed").digest();
    const seed = Buffer.alloc(MiB);
    for (let off = 0; off < MiB; off += base.length) base.copy(seed, off);
    const target = `/n/lake2oci/b/${bucket}/o/big.bin`;
    const sent = createHash("md5");
    const url = new URL(childUrl);
    const putStatus = await new Promise<number>((resolve, reject) => {
      const headers = signedHeaders(
        remote,
        { method: "PUT", target, signBody: false, headers: { "content-length": String(chunks * MiB), "content-type": "application/octet-stream" } },
      );
      const req = httpRequest({ host: url.hostname, port: url.port, method: "PUT", path: target, headers, agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      void (async () => {
        for (let i = 0; i < chunks; i++) {
          const c = chunk(seed, i);
          sent.update(c);
          if (!req.write(c)) await new Promise((r) => req.once("drain", r));
        }
        req.end();
      })();
    });
    assert.equal(putStatus, 200);

    const received = createHash("md5");
    let length = 0;
    await new Promise<void>((resolve, reject) => {
      const headers = signedHeaders(remote, { method: "GET", target });
      const req = httpRequest({ host: url.hostname, port: url.port, method: "GET", path: target, headers, agent: false }, (res) => {
        res.on("data", (d: Buffer) => {
          received.update(d);
          length += d.length;
        });
        res.on("end", resolve);
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(length, chunks * MiB);
    assert.equal(received.digest("base64"), sent.digest("base64"));
    const growth = (await peakRss(pid)) - before;
    assert.ok(growth < 96 * MiB, `peak RSS grew by ${(growth / MiB).toFixed(1)} MiB for a 256 MiB object`);
  });

  it("stops promptly with an idle keep-alive connection and with a download in flight", async () => {
    const own = await startTestEmulator({ faults: [{ operation: "GetObject", effect: { kind: "bandwidth", bytesPerSecond: 64 * 1024 } }] });
    const bucket = uniqueBucket("stop");
    await createBucket(own, bucket);
    await own.client.putObject({ namespaceName: own.namespace, bucketName: bucket, objectName: "slow", putObjectBody: Buffer.alloc(MiB), contentLength: MiB });
    const agent = new Agent({ keepAlive: true });
    const url = new URL(own.emulator.url);
    const idle = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path: "/_emulator/health", agent }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(idle, 200);
    const target = `/n/${own.namespace}/b/${bucket}/o/slow`;
    const inFlight = new Promise<string>((resolve) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: target, headers: signedHeaders(own, { method: "GET", target }), agent: false },
        (res) => {
          res.resume();
          res.on("end", () => resolve("completed"));
          res.on("error", () => resolve("cut"));
          res.on("aborted", () => resolve("cut"));
        },
      );
      req.on("error", () => resolve("cut"));
      req.end();
    });
    await new Promise((r) => setTimeout(r, 200));
    const started = performance.now();
    await own.stop();
    const elapsed = performance.now() - started;
    agent.destroy();
    assert.ok(elapsed < 5000, `stop() took ${elapsed.toFixed(0)} ms`);
    assert.equal(await inFlight, "cut", "a 1 MiB download at 64 KiB/s cannot have completed");
  });
});
