// The S3 side of the local cloud: moto's server (PyPI moto[server], installed into .venv by scripts/setup-python.sh)
// started from the .venv's Python on a free 127.0.0.1 port through moto_server.py beside this file, which issues IAM
// keys before switching moto's signature checks on. Shares no code with src/stores: the clients sign, moto checks.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { findRepoRoot } from "../../packaging/repo-root.ts";

export interface S3Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3Emulator {
  /** http://127.0.0.1:PORT: the endpoint, path-style (http://127.0.0.1:PORT/<bucket>/<key>). */
  url: string;
  port: number;
  region: string;
  /** A bucket created at start, empty. */
  bucket: string;
  /** Long-term keys of an IAM user allowed s3:* (moto's IAM issued them). */
  keys: S3Keys;
  /** Temporary keys of an assumed role: they work only with their session token. */
  session: S3Keys & { sessionToken: string };
  /** Every request waits `ms` before it is handled from now on (a cloud round trip, for benchmarks; 0: off). */
  setLatencyMs(ms: number): void;
  stop(): Promise<void>;
}

export interface S3EmulatorOptions {
  /** Where moto_server.py writes the issued keys (mode 0600). */
  dir: string;
  port?: number;
  region?: string;
  bucket?: string;
  /** The Python with moto[server]; default <repo>/.venv/bin/python. */
  python?: string;
}

const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const LISTENING = /^listening (\d+)$/m;

export async function startS3Emulator(options: S3EmulatorOptions): Promise<S3Emulator> {
  const root = findRepoRoot();
  const python = options.python ?? join(root, ".venv", "bin", "python");
  if (!existsSync(python)) {
    throw new Error(`${python} is missing: the S3 emulator runs moto from the project's Python environment; run \`npm run setup:python\``);
  }
  const region = options.region ?? "eu-west-1";
  const bucket = options.bucket ?? "lake";
  await mkdir(options.dir, { recursive: true });
  const credentialsFile = join(options.dir, "s3-keys.json");
  // From the checkout's root, so that the bundled CLI (dist/cli.js) finds it too.
  const script = join(root, "src", "emulators", "s3", "moto_server.py");
  const args = [script, "--port", String(options.port ?? 0), "--region", region, "--bucket", bucket, "--credentials", credentialsFile];
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1" };
  // moto reads these at import; the launcher sets what it needs itself.
  delete env.INITIAL_NO_AUTH_ACTION_COUNT;
  delete env.TEST_SERVER_MODE;
  const child = spawn(python, args, { stdio: ["pipe", "pipe", "pipe"], env });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-8_000);
  };
  child.stderr?.on("data", keep);
  let port: number;
  try {
    port = await waitForPort(child, keep, () => output);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  child.stdout?.resume();
  const issued = JSON.parse(await readFile(credentialsFile, "utf8")) as S3Keys & { session: S3Emulator["session"] };
  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    region,
    bucket,
    keys: { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey },
    session: issued.session,
    setLatencyMs: (ms) => {
      if (!Number.isFinite(ms) || ms < 0) throw new Error(`setLatencyMs: ms must be a number >= 0, got ${ms}`);
      child.stdin?.write(`latency ${ms}\n`);
    },
    stop: () => {
      stopping ??= stopChild(child, exited);
      return stopping;
    },
  };
}

function waitForPort(child: ChildProcess, keep: (chunk: Buffer) => void, output: () => string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(
      () => done(new Error(`moto's S3 server did not start within ${START_TIMEOUT_MS / 1000} s. Its output:\n${output()}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      keep(chunk);
      stdout += chunk.toString("utf8");
      const m = LISTENING.exec(stdout);
      if (m) done(undefined, Number(m[1]));
    };
    const onExit = (code: number | null) =>
      done(new Error(`moto's S3 server exited (code ${code}) before listening. Its output:\n${output()}`));
    function done(err: Error | undefined, port?: number) {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      if (err) reject(err);
      else resolve(port as number);
    }
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
