import { type ChildProcess, spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { requireLoopbackHost } from "./loopback.ts";

/** A running Azurite blob service (a child process). `url` is its origin, e.g. `http://127.0.0.1:10000`;
 * the dev account lives under `${url}/devstoreaccount1`. */
export interface AzuriteProcess {
  url: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

/**
 * The child runs Azurite's blob entry point through this wrapper so that it exits when our end of
 * its stdin closes: that happens however the parent dies (even SIGKILL), so no Azurite is orphaned.
 */
const CHILD_WRAPPER = [
  'process.stdin.on("end", () => process.exit(0));',
  'process.stdin.on("error", () => process.exit(0));',
  "process.stdin.resume();",
  // Unreferenced, so the watch itself never keeps the child alive after Azurite closes on SIGTERM.
  "process.stdin.unref?.();",
  "require(process.argv[1]);",
].join("\n");

const LISTENING = /successfully listens on http:\/\/(\S+):(\d+)/;

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every Azurite still running when this process exits normally (the stdin watch covers crashes). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of liveChildren) child.kill("SIGKILL");
  });
}

function resolveAzuriteBlobMain(): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve("azurite/dist/src/blob/main.js");
  } catch (error) {
    throw new Error(
      "cannot find the azurite package (azurite/dist/src/blob/main.js): run `npm install` in the repository (azurite is a devDependency)",
      { cause: error },
    );
  }
}

/**
 * Starts Azurite's blob service on loopback with its data under `location`.
 * Port 0 (the default) lets the OS pick a free port; the real port is read from Azurite's
 * "successfully listens on" line. Rejects after 20 s, or when the child exits first, with its output.
 */
export async function startAzurite(options: { location: string; host?: string; port?: number }): Promise<AzuriteProcess> {
  const host = requireLoopbackHost(options.host, "startAzurite: host");
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`startAzurite: port must be an integer from 0 to 65535, got ${port}`);
  }
  if (!options.location) throw new Error("startAzurite: location (the data directory) is required");
  await mkdir(options.location, { recursive: true });
  const main = resolveAzuriteBlobMain();
  const args = [
    "-e",
    CHILD_WRAPPER,
    "--",
    main,
    "--blobHost",
    host,
    "--blobPort",
    String(port),
    "--location",
    options.location,
    "--skipApiVersionCheck",
    "--loose",
    "--disableTelemetry",
  ];
  // Azurite serves only the dev account unless AZURITE_ACCOUNTS says otherwise; the gateway signs with that account.
  const env = { ...process.env };
  delete env.AZURITE_ACCOUNTS;
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"], env });
  liveChildren.add(child);
  installExitHook();
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      liveChildren.delete(child);
      resolve();
    });
  });

  let output = "";
  const keepOutput = (chunk: Buffer) => {
    // Only the tail matters for an error message; cap it so a chatty child cannot grow memory.
    output = (output + chunk.toString("utf8")).slice(-8_000);
  };
  child.stderr?.on("data", keepOutput);

  const listening = await new Promise<{ host: string; port: number }>((resolve, reject) => {
    let stdoutBuffer = "";
    const timer = setTimeout(() => {
      fail(new Error(`Azurite did not start listening within ${START_TIMEOUT_MS / 1000} s on ${host}:${port}. Its output:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      keepOutput(chunk);
      stdoutBuffer += chunk.toString("utf8");
      const match = LISTENING.exec(stdoutBuffer);
      if (match) {
        cleanup();
        resolve({ host: match[1].replace(/^\[|\]$/g, ""), port: Number(match[2]) });
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      fail(new Error(`Azurite exited before listening (code ${code}, signal ${signal}) on ${host}:${port}. Its output:\n${output}`));
    };
    const onError = (error: Error) => fail(new Error(`cannot start Azurite with ${process.execPath}: ${error.message}`, { cause: error }));
    function cleanup() {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      child.off("error", onError);
    }
    function fail(error: Error) {
      cleanup();
      child.kill("SIGKILL");
      reject(error);
    }
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
    child.once("error", onError);
  });
  // Keep draining its stdout so the child never blocks on a full pipe.
  child.stdout?.on("data", () => {});

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${listening.host.includes(":") ? `[${listening.host}]` : listening.host}:${listening.port}`,
    host: listening.host,
    port: listening.port,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
          await exited;
          clearTimeout(timer);
        }
        child.stdin?.destroy();
      })();
      return stopping;
    },
  };
}
