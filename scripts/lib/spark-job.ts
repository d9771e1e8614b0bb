// Runs the Spark job (dist/app.py) under the project's spark-submit (.venv) against a local cloud: writes the job
// file (the parameters a `lake2oci build` would write for this lake) and starts spark-submit with local[N].
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LocalCloud } from "../../src/emulators/local-cloud.ts";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const venvBin = join(repoRoot, ".venv", "bin");
export const appPy = join(repoRoot, "dist", "app.py");
/** The environment variable the job files written here name for the ADLS account key (a reference, never a value). */
export const ADLS_KEY_ENV = "LAKE2OCI_LOCAL_ADLS_KEY";

export interface LocalJobOptions {
  fileSystem: string;
  bucket: string;
  logPath: string;
  sourcePath?: string;
  targetPrefix?: string;
  extra?: Record<string, unknown>;
}

/** The job parameter values for a run against the local cloud (LOCAL profile, the cloud's OCI config file). */
export function localJobValues(cloud: LocalCloud, o: LocalJobOptions): Record<string, unknown> {
  return {
    "source-account": cloud.adls.accountName,
    "source-file-system": o.fileSystem,
    "source-path": o.sourcePath ?? "",
    "source-endpoint": cloud.adls.accountUrl,
    "source-auth": "key",
    "source-account-key": `env:${ADLS_KEY_ENV}`,
    "target-bucket": o.bucket,
    "target-namespace": cloud.oci.namespace,
    "target-profile": "LOCAL",
    "target-config-file": cloud.credentials.configFile,
    "target-config-profile": cloud.credentials.profile,
    "target-prefix": o.targetPrefix ?? "",
    "target-endpoint": cloud.oci.url,
    "log-path": o.logPath,
    ...o.extra,
  };
}

export async function writeJobFile(path: string, values: Record<string, unknown>): Promise<string> {
  await writeFile(path, `${JSON.stringify(values, null, 2)}\n`);
  return path;
}

export interface SparkRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SparkRunOptions {
  /** local[N]; default 2. */
  cores?: number;
  env?: Record<string, string>;
  /** Echo the job's output as it runs. */
  echo?: boolean;
  timeoutMs?: number;
  /** Called with each stdout chunk; may kill the run (e.g. to test a crash midway). */
  onStdout?: (chunk: string, kill: () => void) => void;
  /** The Python file to run instead of dist/app.py (a test's own driver of the job's runtime). */
  script?: string;
}

/** `spark-submit --master local[N] dist/app.py ARGS` (or options.script), with the project's Python for driver and workers. */
export function sparkSubmit(args: string[], options: SparkRunOptions = {}): Promise<SparkRun> {
  return new Promise((resolve, reject) => {
    const python = join(venvBin, "python");
    const child = spawn(
      join(venvBin, "spark-submit"),
      [
        "--master",
        `local[${options.cores ?? 2}]`,
        "--conf",
        "spark.ui.enabled=false",
        "--conf",
        "spark.ui.showConsoleProgress=false",
        "--conf",
        "spark.driver.host=127.0.0.1",
        "--conf",
        "spark.driver.bindAddress=127.0.0.1",
        "--conf",
        "spark.python.worker.reuse=true",
        "--conf",
        "spark.task.maxFailures=1",
        options.script ?? appPy,
        ...args,
      ],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          PYSPARK_PYTHON: python,
          PYSPARK_DRIVER_PYTHON: python,
          SPARK_LOCAL_IP: "127.0.0.1",
          PYTHONDONTWRITEBYTECODE: "1",
          ...options.env,
        },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      },
    );
    let stdout = "";
    let stderr = "";
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    child.stdout.on("data", (d: Buffer) => {
      const s = d.toString();
      stdout += s;
      if (options.echo) process.stdout.write(s);
      options.onStdout?.(s, kill);
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(kill, options.timeoutMs ?? 600_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
