// fake-gcs-server (github.com/fsouza/fake-gcs-server, a Go program) as a child process: filesystem backend, plain
// http, bound to loopback on a private port. It checks no credentials at all, so only the front (front.ts) may talk
// to it; its port is never handed to a client. The binary is built by scripts/setup-gcs.sh into .cache/gcs/bin and,
// when missing, built on demand here by running that script.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const FAKE_GCS_SERVER_BINARY = join(ROOT, ".cache", "gcs", "bin", "fake-gcs-server");
const SETUP_SCRIPT = join(ROOT, "scripts", "setup-gcs.sh");
const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

/**
 * The child is started through a small Node wrapper that kills fake-gcs-server when our end of its stdin closes,
 * which happens however this process ends (even SIGKILL): no fake-gcs-server is left behind.
 */
const WRAPPER = [
  'const { spawn } = require("node:child_process");',
  'const child = spawn(process.argv[1], process.argv.slice(2), { stdio: ["ignore", "inherit", "inherit"] });',
  'const end = () => { if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM"); };',
  'process.stdin.on("end", end); process.stdin.on("error", end); process.stdin.resume();',
  'process.on("SIGTERM", end); process.on("SIGINT", end);',
  'child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));',
  'child.on("error", (e) => { console.error("cannot start " + process.argv[1] + ": " + e.message); process.exit(127); });',
].join("\n");

/** The binary's path, building it with scripts/setup-gcs.sh first when it is missing. */
export function ensureFakeGcsServer(): string {
  const override = process.env.LAKE2OCI_FAKE_GCS_SERVER;
  if (override) {
    if (!existsSync(override)) throw new Error(`LAKE2OCI_FAKE_GCS_SERVER names ${override}, which does not exist`);
    return override;
  }
  if (existsSync(FAKE_GCS_SERVER_BINARY)) return FAKE_GCS_SERVER_BINARY;
  const r = spawnSync("bash", [SETUP_SCRIPT, "--quiet"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0 || !existsSync(FAKE_GCS_SERVER_BINARY)) {
    throw new Error(
      `fake-gcs-server is not installed (${FAKE_GCS_SERVER_BINARY}) and building it failed: ` +
        `run \`bash scripts/setup-gcs.sh\` (it needs Go, see its header). Its output:\n${(r.stderr || r.stdout || String(r.error ?? "")).slice(-4000)}`,
    );
  }
  return FAKE_GCS_SERVER_BINARY;
}

/** A port free right now on host (the OS's pick); fake-gcs-server cannot report a port it chose itself. */
async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error(`no free port on ${host}`);
  return address.port;
}

export interface FakeGcsServerProcess {
  /** http://127.0.0.1:PORT — private: for the front only. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Ends the wrapper's stdin (it then stops fake-gcs-server and exits); SIGKILL after a grace period. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.stdin?.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
  child.stdin?.destroy();
}

async function waitHealthy(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`fake-gcs-server exited at start (code ${child.exitCode}, signal ${child.signalCode}). Its output:\n${output()}`);
    }
    try {
      const r = await fetch(`${url}/_internal/healthcheck`, { signal: AbortSignal.timeout(1_000) });
      await r.arrayBuffer();
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`fake-gcs-server did not answer its health check within ${START_TIMEOUT_MS / 1000} s on ${url}. Its output:\n${output()}`);
}

/**
 * Starts fake-gcs-server on host (loopback) with its objects under `dataDir`. `publicOrigin` is the front's origin:
 * fake-gcs-server routes by the Host header it is given and writes that origin into upload Locations and links.
 */
export async function startFakeGcsServer(options: {
  dataDir: string;
  host: string;
  publicOrigin: string;
  /** "filesystem" (default): objects under dataDir, kept across restarts; "memory": nothing on disk. */
  backend?: "filesystem" | "memory";
}): Promise<FakeGcsServerProcess> {
  const binary = ensureFakeGcsServer();
  await mkdir(options.dataDir, { recursive: true });
  const publicHost = new URL(options.publicOrigin).host;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort(options.host);
    const args = [
      "-e",
      WRAPPER,
      binary,
      "-scheme",
      "http",
      "-host",
      options.host,
      "-port",
      String(port),
      ...((options.backend ?? "filesystem") === "filesystem" ? ["-backend", "filesystem", "-filesystem-root", options.dataDir] : ["-backend", "memory"]),
      "-public-host",
      publicHost,
      "-external-url",
      options.publicOrigin,
      "-log-level",
      "warn",
    ];
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] });
    // No exit hook: when this process ends, the wrapper's stdin closes and it stops fake-gcs-server itself.
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-8_000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
    try {
      await waitHealthy(url, child, () => output);
    } catch (error) {
      await stopChild(child, exited);
      lastError = error as Error;
      if (/address already in use/i.test(output)) continue; // the port was taken between our check and its bind
      throw error;
    }
    let stopping: Promise<void> | undefined;
    return {
      url,
      port,
      stop() {
        stopping ??= stopChild(child, exited);
        return stopping;
      },
    };
  }
  throw lastError ?? new Error("fake-gcs-server could not start");
}
