// Starts the local HDFS: MiniHdfs.java (Hadoop's MiniDFSCluster, one NameNode and one DataNode) as a child JVM, all
// of its listeners on 127.0.0.1 and on free ports, and waits for the one JSON line it prints when ready. Installs it
// first (scripts/setup-hdfs.sh) when .cache/hdfs is missing or stale.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { findRepoRoot } from "../../packaging/repo-root.ts";

/** A running MiniDFSCluster. */
export interface MiniHdfsProcess {
  /** The NameNode's RPC URI, hdfs://127.0.0.1:PORT (fs.defaultFS for Hadoop clients, hdfs_native). */
  rpcUrl: string;
  /** The NameNode's HTTP origin, http://127.0.0.1:PORT; WebHDFS is under /webhdfs/v1. */
  webhdfsUrl: string;
  /** The user the NameNode runs as: HDFS's superuser. */
  superuser: string;
  /** The JVM's process id. */
  pid: number;
  stop(): Promise<void>;
}

export interface MiniHdfsOptions {
  /** Where the NameNode and DataNode keep their data: formatted when new, reused (data kept) otherwise. */
  dataDir: string;
  /** Users given a home directory /user/NAME (owner NAME, group NAME, mode 755). */
  homes?: string[];
  /** The superuser's name (the JVM's HADOOP_USER_NAME). Default `hdfs`, as on a packaged cluster. */
  superuser?: string;
  /**
   * Hadoop settings for the cluster, e.g. `{ "dfs.ls.limit": "1" }` (WebHDFS LISTSTATUS_BATCH page size). Keys about
   * addresses, hosts, security, permissions and auth are refused (the launcher fixes them).
   */
  conf?: Record<string, string>;
  /** Maximum JVM heap in MiB (default 512). */
  heapMb?: number;
  /** Milliseconds to wait for the ready line (default 90 s: the first start on a cold machine is slow). */
  startTimeoutMs?: number;
}

const STOP_GRACE_MS = 15_000;
/** The same keys MiniHdfs.java refuses in --conf. */
const PINNED_KEYS = /address|bind-host|hostname|dns\.|security|permissions|authentication|group\.mapping|webhdfs\.enabled/;
const USER_NAME = /^[a-z_][a-z0-9_.-]{0,31}$/;

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every JVM still running when this process exits normally (the JVM's stdin watch covers crashes). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of liveChildren) child.kill("SIGKILL");
  });
}

const installing = new Map<string, Promise<{ classpath: string; log4j: string }>>();

/**
 * Runs scripts/setup-hdfs.sh (with --check first): resolves when the jars and the compiled launcher are in place.
 * Concurrent calls in one process share one run.
 */
export function ensureMiniHdfsInstalled(root: string = findRepoRoot()): Promise<{ classpath: string; log4j: string }> {
  let pending = installing.get(root);
  if (!pending) {
    pending = install(root).finally(() => installing.delete(root));
    installing.set(root, pending);
  }
  return pending;
}

async function install(root: string): Promise<{ classpath: string; log4j: string }> {
  const script = join(root, "scripts", "setup-hdfs.sh");
  const cache = join(root, ".cache", "hdfs");
  const paths = { classpath: `${join(cache, "classes")}:${join(cache, "lib", "*")}`, log4j: join(root, "src", "emulators", "hdfs", "log4j.properties") };
  if ((await run("bash", [script, "--check"])).code === 0) return paths;
  process.stderr.write("local HDFS: installing it first (bash scripts/setup-hdfs.sh: Hadoop jars from Maven Central, javac)\n");
  const setup = await run("bash", [script, "--quiet"]);
  if (setup.code !== 0) {
    throw new Error(`cannot install the local HDFS: bash scripts/setup-hdfs.sh exited ${setup.code}:\n${setup.output.trim()}`);
  }
  return paths;
}

function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-8_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.once("error", (error) => resolve({ code: 127, output: `${output}${error.message}` }));
    child.once("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * Starts MiniHdfs on 127.0.0.1 with its data under `dataDir`. Rejects when the JVM exits before its ready line or
 * does not print it in time, with the tail of its output.
 */
export async function startMiniHdfs(options: MiniHdfsOptions): Promise<MiniHdfsProcess> {
  if (!options.dataDir) throw new Error("startMiniHdfs: dataDir is required");
  const superuser = options.superuser ?? "hdfs";
  const homes = options.homes ?? [];
  for (const name of [superuser, ...homes]) {
    if (!USER_NAME.test(name)) throw new Error(`startMiniHdfs: ${JSON.stringify(name)} is not a user name (${USER_NAME})`);
  }
  const conf = Object.entries(options.conf ?? {});
  for (const [key] of conf) {
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(key) || PINNED_KEYS.test(key)) {
      throw new Error(`startMiniHdfs: conf ${JSON.stringify(key)} cannot be set: addresses, hosts, security, permissions and auth are fixed`);
    }
  }
  const heapMb = options.heapMb ?? 512;
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const { classpath, log4j } = await ensureMiniHdfsInstalled();
  await mkdir(options.dataDir, { recursive: true });
  // The HTTP servers sign their auth cookie with this file's secret (without one they warn and use a random one).
  const secret = join(options.dataDir, "http-auth-signature-secret");
  await writeFile(secret, randomBytes(32).toString("base64url"), { mode: 0o600 });
  const args = [
    `-Xmx${heapMb}m`,
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    // Every listener is an IPv4 socket on 127.0.0.1 (not an IPv6 socket bound to ::ffff:127.0.0.1).
    "-Djava.net.preferIPv4Stack=true",
    // WebHDFS's Jersey 1 builds its WADL with JAXB, which defines classes through ClassLoader.defineClass.
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    `-Dlog4j.configuration=${pathToFileURL(log4j).href}`,
    "-cp",
    classpath,
    "MiniHdfs",
    "--dir",
    options.dataDir,
    ...homes.flatMap((user) => ["--home", user]),
    "--http-secret",
    secret,
    ...conf.flatMap(([key, value]) => ["--conf", `${key}=${value}`]),
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, HADOOP_USER_NAME: superuser };
  delete env.HADOOP_CONF_DIR;
  delete env.HADOOP_HOME;
  const child = spawn("java", args, { stdio: ["pipe", "pipe", "pipe"], env });
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
    output = (output + chunk.toString("utf8")).slice(-8_000);
  };
  child.stderr?.on("data", keepOutput);

  const ready = await new Promise<{ rpc: string; webhdfs: string; superuser: string }>((resolve, reject) => {
    let stdoutBuffer = "";
    const timer = setTimeout(() => fail(new Error(`the local HDFS did not start within ${timeoutMs / 1000} s. Its output:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      stdoutBuffer += chunk.toString("utf8");
      const newline = stdoutBuffer.indexOf("\n");
      if (newline < 0) return;
      const line = stdoutBuffer.slice(0, newline);
      try {
        const parsed = JSON.parse(line) as { rpc?: unknown; webhdfs?: unknown; superuser?: unknown };
        if (typeof parsed.rpc !== "string" || typeof parsed.webhdfs !== "string" || typeof parsed.superuser !== "string") {
          throw new Error("missing fields");
        }
        cleanup();
        resolve({ rpc: parsed.rpc, webhdfs: parsed.webhdfs, superuser: parsed.superuser });
      } catch {
        fail(new Error(`the local HDFS printed ${JSON.stringify(line)} instead of its ready line. Its output:\n${output}`));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      fail(new Error(`the local HDFS exited before it was ready (code ${code}, signal ${signal}). Its output:\n${output}`));
    };
    const onError = (error: Error) =>
      fail(new Error(`cannot start java for the local HDFS: ${error.message} (install a JDK 17+, then bash scripts/setup-hdfs.sh)`, { cause: error }));
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
  // Keep draining its output so the JVM never blocks on a full pipe.
  child.stdout?.on("data", () => {});

  let stopping: Promise<void> | undefined;
  return {
    rpcUrl: ready.rpc,
    webhdfsUrl: ready.webhdfs,
    superuser: ready.superuser,
    pid: child.pid as number,
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
