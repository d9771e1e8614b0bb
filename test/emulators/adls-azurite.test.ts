// The Azurite launcher: starts the blob service on a free loopback port with data on disk, refuses
// other hosts, reports a clear error when Azurite cannot start, and leaves no process behind —
// neither after stop() nor when the parent process is killed.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { startAzurite } from "../../src/emulators/adls/azurite.ts";
import { BlobApi } from "../../src/emulators/adls/blob-api.ts";
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME } from "../../src/emulators/adls/index.ts";

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

describe("startAzurite", () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lake2oci-azurite-"));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("starts on a free loopback port, keeps data on disk, and stops", async () => {
    const location = join(dir, "data");
    const azurite = await startAzurite({ location });
    try {
      assert.equal(azurite.host, "127.0.0.1");
      assert.ok(azurite.port > 0);
      assert.equal(azurite.url, `http://127.0.0.1:${azurite.port}`);
      const api = new BlobApi({ upstream: azurite.url, account: DEV_ACCOUNT_NAME, accountKey: DEV_ACCOUNT_KEY });
      try {
        assert.equal(await api.createContainer("launcher"), true);
        await api.putBlob("launcher", "kept.txt", Buffer.from("on disk"));
        assert.equal((await api.getProperties("launcher", "kept.txt"))?.contentLength, 7);
      } finally {
        api.close();
      }
    } finally {
      await azurite.stop();
    }
    assert.equal(await canConnect(azurite.port), false, "the port is closed after stop()");
    await azurite.stop();

    const again = await startAzurite({ location });
    const api = new BlobApi({ upstream: again.url, account: DEV_ACCOUNT_NAME, accountKey: DEV_ACCOUNT_KEY });
    try {
      assert.equal((await api.getProperties("launcher", "kept.txt"))?.contentLength, 7, "a restart on the same location sees the data");
    } finally {
      api.close();
      await again.stop();
    }
  });

  it("refuses hosts that are not loopback before starting anything", async () => {
    for (const host of ["0.0.0.0", "10.1.2.3", "example.com", "::"]) {
      await assert.rejects(startAzurite({ location: join(dir, "never"), host }), /startAzurite: host must be a loopback address/);
    }
    await assert.rejects(startAzurite({ location: join(dir, "never"), port: 70_000 }), /port must be an integer from 0 to 65535/);
  });

  it("fails with Azurite's own output when the port is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await assert.rejects(startAzurite({ location: join(dir, "busy"), port }), (error: Error) => {
        assert.match(error.message, /Azurite exited before listening/);
        assert.match(error.message, /EADDRINUSE/);
        return true;
      });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("leaves no Azurite running when the parent process is killed", async () => {
    const script = join(dir, "parent.mts");
    await writeFile(
      script,
      [
        `import { startAzurite } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, "../../src/emulators/adls/azurite.ts")).href)};`,
        `const azurite = await startAzurite({ location: ${JSON.stringify(join(dir, "orphan"))} });`,
        'console.log("PORT " + azurite.port);',
        "setInterval(() => {}, 60_000);",
      ].join("\n"),
    );
    const parent = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "pipe"], cwd: join(import.meta.dirname, "../..") });
    let stderr = "";
    parent.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      parent.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /PORT (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      parent.once("exit", (code) => reject(new Error(`the parent exited (${code}) before starting Azurite: ${stderr}`)));
    });
    try {
      assert.equal(await canConnect(port), true);
      parent.kill("SIGKILL");
      assert.equal(await waitUntil(async () => !(await canConnect(port)), 10_000), true, "Azurite still listens after its parent was killed");
    } finally {
      parent.kill("SIGKILL");
    }
  });
});
