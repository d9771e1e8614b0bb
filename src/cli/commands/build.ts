// `lake2oci build --config FILE [options]` (also `npm run build:dataflow`, through scripts/build-dataflow.ts): validates
// the config, writes dist/app.py, dist/archive.zip and dist/dataflow-application.json, and prints what to upload where
// and the Data Flow Application settings. Exit 0 when built, 2 for a refused config or bad options, 1 otherwise.
import { chmod, writeFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { formatConfigErrors, loadConfig } from "../../config/index.ts";
import { jobFile, jobValuesFromConfig } from "../../config/job-values.ts";
import { JOB_FILE_NAME } from "../../core/job-parameters.ts";
import { buildDataflow, buildReport } from "../../packaging/build-dataflow.ts";
import { PackagingError } from "../../packaging/packaging-error.ts";
import { parsePython } from "../../packaging/wheels.ts";
import { CliError } from "../cli-error.ts";
import { commandArgs } from "../command-args.ts";

const help = (defaultConfig?: string) => `usage: lake2oci build --config FILE [options]

A LOCAL config: writes its job file (${JOB_FILE_NAME}, or --job-file PATH), the parameters of dist/app.py, for
  PYSPARK_PYTHON=.venv/bin/python .venv/bin/spark-submit dist/app.py --job-file ${JOB_FILE_NAME}
(lake2oci run --config FILE does all of it)

A DATAFLOW config: builds what an OCI Data Flow run needs: dist/app.py, dist/archive.zip (the Python packages for Data Flow's
Linux x86_64 runtime, downloaded once into .cache/, and the config's job file) and dist/dataflow-application.json
(accepted by: oci data-flow application create --from-json file://dist/dataflow-application.json).

  --config FILE          the lake2oci config, any profile${defaultConfig === undefined ? "" : ` (default ${defaultConfig})`}
  --job-file PATH        also (LOCAL: only) write the job file there (LOCAL default ./${JOB_FILE_NAME})
  --python 3.11|3.6      the runtime's Python: 3.11 for Spark 3.5.0 (default), 3.6 for the original Spark 2.4.4 layout
  --strict               refuse to put an OCI API private key in archive.zip (config-file auth)
  --out DIR              output directory (default dist)
  --bucket NAME          the bucket for app.py and archive.zip (default dataflow-warehouse)
  --namespace NS         its Object Storage namespace (default target.namespace; else lake2oci deploy fills it in)
  --prefix PATH          a folder in that bucket for both files (default: the bucket root)
  --compartment-id OCID  put the compartment in the settings JSON
  --name NAME            the application's display name
  --offline              use only the wheels already in .cache/ (never run pip download)
  --no-codegen           copy the committed dist/app.py instead of running the generator
  --debug                show stack traces`;

export async function run(argv: string[], defaults: { config?: string } = {}): Promise<number> {
  const values = commandArgs(
    argv,
    {
      config: { type: "string", short: "c" },
      python: { type: "string" },
      strict: { type: "boolean" },
      out: { type: "string", short: "o" },
      bucket: { type: "string" },
      namespace: { type: "string" },
      prefix: { type: "string" },
      "compartment-id": { type: "string" },
      name: { type: "string" },
      offline: { type: "boolean" },
      "no-codegen": { type: "boolean" },
      "job-file": { type: "string" },
    },
    help(defaults.config),
  );
  if (values === null) return 0;
  const configFile = (values.config as string | undefined) ?? defaults.config;
  if (configFile === undefined) throw new CliError(`--config FILE is required\n\n${help()}`, { exitCode: 2 });
  const loaded = await loadConfig(configFile);
  if (loaded.ok) {
    const jobPath = values["job-file"] as string | undefined;
    if (loaded.config.target.profile === "LOCAL" || jobPath !== undefined) {
      const out = resolve(jobPath ?? JOB_FILE_NAME);
      const job = jobFile(jobValuesFromConfig(loaded.config, loaded.baseDir));
      // Secrets are references, but the file names the config's paths and accounts: private, as the task logs are.
      await writeFile(out, `${JSON.stringify(job, null, 2)}\n`, { mode: 0o600 });
      await chmod(out, 0o600);
      console.log(`job file: ${out}`);
      if (loaded.config.target.profile === "LOCAL") {
        for (const w of loaded.warnings) console.error(`warning: ${formatConfigErrors([w])}`);
        const rel = relative(process.cwd(), out) || out;
        console.log(`run it:   PYSPARK_PYTHON=.venv/bin/python .venv/bin/spark-submit --master 'local[*]' dist/app.py --job-file ${rel}`);
        console.log(`          (or: npx lake2oci run --config ${configFile}, which also sets the project's Python for Spark)`);
        return 0;
      }
    }
  }
  try {
    const python = parsePython((values.python as string | undefined) ?? "3.11");
    if (defaults.config !== undefined && values.config === undefined) console.error(`lake2oci build: using the sample config ${relative(process.cwd(), configFile) || configFile} (pass --config FILE for yours)`);
    const result = await buildDataflow({
      configFile,
      python,
      strict: values.strict === true,
      outDir: values.out as string | undefined,
      bucket: values.bucket as string | undefined,
      namespace: values.namespace as string | undefined,
      prefix: values.prefix as string | undefined,
      compartmentId: values["compartment-id"] as string | undefined,
      displayName: values.name as string | undefined,
      fetch: values.offline !== true,
      regenerateApp: values["no-codegen"] !== true,
      log: (line) => console.error(`lake2oci build: ${line}`),
    });
    for (const w of result.warnings) console.error(`warning: ${w}`);
    console.log(buildReport(result));
    return 0;
  } catch (err) {
    if (err instanceof PackagingError) throw new CliError(err.message, { exitCode: err.exitCode, cause: err });
    throw err;
  }
}
