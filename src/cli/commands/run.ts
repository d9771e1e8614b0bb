// `lake2oci run --config FILE [--dry-run] [--master URL] [-- job arguments]`: the config is the one input. Validates
// it, derives the job parameter values from it (any profile: the values `lake2oci build` writes), writes them to a job
// file (0600, in a private temporary directory, removed afterwards), runs dist/app.py under the project's spark-submit
// (.venv) with the project's Python for the driver and the workers, streams its output, says where the log is, and
// exits with the job's status (0 all done, 1 some file failed, 2 a problem to fix first, 3 stopped at --max-minutes:
// run again to continue).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatConfigErrors, loadConfig } from "../../config/index.ts";
import { jobFile, jobValuesFromConfig } from "../../config/job-values.ts";
import type { Lake2ociConfig } from "../../config/schema.ts";
import { JOB_FILE_NAME } from "../../core/job-parameters.ts";
import { findRepoRoot } from "../../packaging/repo-root.ts";
import { CliError } from "../cli-error.ts";
import { commandArgs } from "../command-args.ts";

const help = `usage: lake2oci run --config FILE [--dry-run] [--master URL] [--debug] [-- job arguments]

Runs the Spark job (dist/app.py) for a config under the project's spark-submit (.venv): the config's values go to
the job in a job file (${JOB_FILE_NAME}), secrets as references. Prints the job's output and where its log is; exits
with the job's status (0 all done, 1 some file failed, 2 a problem to fix first, 3 the run reached --max-minutes:
run again to continue).

  --config FILE    the lake2oci config (see src/config/README.md), any profile
  --dry-run        plan and log without writing to the target
  --master URL     Spark master (default local[*]; e.g. local[2], spark://host:7077)
  --debug          the job prints stack traces; the job file is kept and named
  -- ARGS          more job arguments, after the config's (e.g. -- --threads 16); see spark-submit dist/app.py --help`;

const SETUP = "npm run setup:python";

export interface RunPaths {
  root: string;
  sparkSubmit: string;
  python: string;
  app: string;
}

export function runPaths(root: string = findRepoRoot()): RunPaths {
  const bin = join(root, ".venv", "bin");
  return { root, sparkSubmit: join(bin, "spark-submit"), python: join(bin, "python"), app: join(root, "dist", "app.py") };
}

/** What is missing to run the job here, one message, or null when nothing is. */
export function missingForSpark(paths: RunPaths, env: NodeJS.ProcessEnv = process.env): string | null {
  if (!existsSync(paths.python) || !existsSync(paths.sparkSubmit)) {
    return `the project's Python environment (${join(paths.root, ".venv")}, with pyspark) is missing: run \`${SETUP}\` in ${paths.root}`;
  }
  const javaHome = env.JAVA_HOME;
  const java = javaHome !== undefined && javaHome !== "" ? join(javaHome, "bin", "java") : "java";
  const r = spawnSync(java, ["-version"], { encoding: "utf8", env });
  if (r.error !== undefined || r.status !== 0) {
    return `Java is missing (${javaHome ? `JAVA_HOME=${javaHome} has no bin/java` : "no java on PATH"}): Spark needs Java 17 or newer. Install it (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME, then \`${SETUP}\` checks the rest`;
  }
  if (!existsSync(paths.app)) return `${paths.app} is missing: run \`npm run build:app\``;
  return null;
}

/** Where the config's migration log goes, as the person running lake2oci would look for it. */
export function logWhere(config: Lake2ociConfig, values: Record<string, unknown>): string {
  if (typeof values["log-path"] === "string" && values["log-path"] !== "") return values["log-path"];
  const ns = config.target.namespace ?? "<namespace>";
  return `oci://${String(values["log-bucket"] || config.target.bucket)}@${ns}/${String(values["log-object"])}`;
}

/** The spark-submit arguments: a local master binds to 127.0.0.1 only, the UI is off. */
export function sparkArgs(master: string, app: string, jobArgs: string[]): string[] {
  const args = ["--master", master, "--conf", "spark.ui.enabled=false", "--conf", "spark.ui.showConsoleProgress=false"];
  if (master.startsWith("local")) {
    args.push("--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1");
  }
  return [...args, app, ...jobArgs];
}

export async function run(argv: string[], options: { debug?: boolean } = {}): Promise<number> {
  const dashes = argv.indexOf("--");
  const extra = dashes >= 0 ? argv.slice(dashes + 1) : [];
  const values = commandArgs(
    dashes >= 0 ? argv.slice(0, dashes) : argv,
    {
      config: { type: "string", short: "c" },
      "dry-run": { type: "boolean" },
      master: { type: "string" },
    },
    help,
  );
  if (values === null) return 0;
  if (values.config === undefined) throw new CliError(`--config FILE is required\n\n${help}`, { exitCode: 2 });
  const debug = options.debug === true;
  const loaded = await loadConfig(values.config);
  for (const w of loaded.warnings) console.error(`warning: ${formatConfigErrors([w])}`);
  if (!loaded.ok) {
    console.error(`lake2oci run: ${values.config} is not a valid config:\n${formatConfigErrors(loaded.errors)}`);
    return 2;
  }
  const paths = runPaths();
  const missing = missingForSpark(paths);
  if (missing !== null) throw new CliError(missing, { exitCode: 2 });

  const jobValues = jobValuesFromConfig(loaded.config, loaded.baseDir);
  const dir = await mkdtemp(join(tmpdir(), "lake2oci-run-"));
  const file = join(dir, JOB_FILE_NAME);
  await writeFile(file, `${JSON.stringify(jobFile(jobValues), null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  const jobArgs = ["--job-file", file];
  if (values["dry-run"]) jobArgs.push("--dry-run");
  if (debug) jobArgs.push("--debug");
  jobArgs.push(...extra);
  const master = values.master ?? "local[*]";
  const where = logWhere(loaded.config, jobValues);
  console.error(`lake2oci run: ${loaded.file} -> spark-submit --master ${master} dist/app.py${debug ? ` (job file ${file})` : ""}`);

  const env: NodeJS.ProcessEnv = { ...process.env, PYSPARK_PYTHON: paths.python, PYSPARK_DRIVER_PYTHON: paths.python };
  if (master.startsWith("local")) env.SPARK_LOCAL_IP = "127.0.0.1";
  let code: number;
  try {
    code = await new Promise<number>((resolve, reject) => {
      const child = spawn(paths.sparkSubmit, sparkArgs(master, paths.app, jobArgs), { cwd: process.cwd(), env, stdio: "inherit" });
      const forward = (signal: NodeJS.Signals) => child.kill(signal);
      process.on("SIGTERM", forward);
      child.on("error", reject);
      child.on("close", (status, signal) => {
        process.off("SIGTERM", forward);
        resolve(status ?? (signal === "SIGINT" ? 130 : 1));
      });
    });
  } finally {
    if (!debug) await rm(dir, { recursive: true, force: true });
  }
  const exists = !where.startsWith("oci://") && existsSync(where);
  const state = where.startsWith("oci://") ? "" : exists ? "" : " (not written)";
  console.error(`lake2oci run: log ${where}${state}; exit ${code}`);
  return code;
}
