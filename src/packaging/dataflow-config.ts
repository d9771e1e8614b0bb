// A lake2oci config read for a Data Flow build: validated (every problem at once, as `lake2oci plan` reports them),
// profile DATAFLOW, the job parameter values it gives, and the OCI config and key to ship when it chose config-file
// auth. What would surprise on Data Flow is said as a warning: an API private key inside archive.zip (refused with
// `strict`), and secret references that only resolve on this machine.
import { type Lake2ociConfig, formatConfigErrors, loadConfig, parseSecretRef } from "../config/index.ts";
import { type JobValue, jobFile, jobValuesFromConfig } from "../config/job-values.ts";
import { resolveLocalPath } from "../config/local-path.ts";
import { JOB_PARAMETERS } from "../core/job-parameters.ts";
import { homedir } from "node:os";
import { dataflowSitePackages } from "./build-archive.ts";
import { PackagingError } from "./packaging-error.ts";
import { type ShippedOciConfig, shippedOciConfig } from "./shipped-oci-config.ts";
import type { DataflowPython } from "./wheels.ts";

export interface DataflowConfig {
  /** The config file, absolute. */
  file: string;
  baseDir: string;
  config: Lake2ociConfig;
  /** Every job parameter value the config gives. */
  values: Record<string, JobValue>;
  /** The values that differ from the parameters' defaults: lake2oci-job.json. */
  job: Record<string, JobValue>;
  /** Config-file auth: what goes to src/.oci/ in the archive. */
  shipped?: ShippedOciConfig;
  /** One line each. */
  warnings: string[];
}

export interface DataflowConfigOptions {
  python: DataflowPython;
  /** Refuse a build that would ship an API private key. */
  strict?: boolean;
}

export async function readDataflowConfig(configFile: string, options: DataflowConfigOptions): Promise<DataflowConfig> {
  const loaded = await loadConfig(configFile);
  // The schema's own configFile warning is replaced below by one naming the key.
  const warnings = loaded.warnings.filter((w) => w.field !== "target.configFile").map((w) => formatConfigErrors([w]));
  if (!loaded.ok) {
    throw new PackagingError(`${configFile} is not a valid config:\n${formatConfigErrors(loaded.errors)}`, { exitCode: 2 });
  }
  const { config, baseDir } = loaded;
  const t = config.target;
  if (t.profile !== "DATAFLOW") {
    throw new PackagingError(
      `${configFile}: target.profile is ${JSON.stringify(t.profile)}, but this build is for OCI Data Flow: write "profile": "DATAFLOW" ` +
        "(a LOCAL config runs on this machine: spark-submit dist/app.py --job-file FILE)",
      { exitCode: 2 },
    );
  }
  const values = jobValuesFromConfig(config, baseDir);
  const job = jobFile(values);

  let shipped: ShippedOciConfig | undefined;
  if (t.configFile !== undefined) {
    const path = resolveLocalPath(t.configFile, baseDir, homedir());
    const section = t.configProfile ?? "DATAFLOW";
    if (options.strict) {
      throw new PackagingError(
        `--strict: target.configFile (${path}, section [${section}]) would put an OCI API private key inside archive.zip. ` +
          "Remove target.configFile so the run uses its resource principal (dataflow.auth=resource_principal), or build without --strict",
        { exitCode: 2 },
      );
    }
    shipped = shippedOciConfig(path, section, dataflowSitePackages(options.python));
    warnings.push(
      `archive.zip holds an OCI API private key: ${shipped.keyFile ?? "key_content"} of [${section}] in ${path}. ` +
        "Anyone who can read archive.zip in the bucket can act as that user. " +
        "Resource principal is safer: remove target.configFile, give the Data Flow run's dynamic group a policy for the buckets, " +
        "and the application is set to dataflow.auth=resource_principal (--strict refuses builds that ship a key)",
    );
  }

  for (const p of JOB_PARAMETERS) {
    const value = values[p.name];
    if (!p.secret || typeof value !== "string" || value === "") continue;
    const parsed = parseSecretRef(value);
    if (!("ref" in parsed)) continue;
    if (parsed.ref.scheme === "env") {
      warnings.push(
        `--${p.name} is ${value}: the Data Flow run reads it from its own environment, which nothing here sets; a vault:OCID reference works on Data Flow`,
      );
    } else if (parsed.ref.scheme === "file") {
      warnings.push(
        `--${p.name} is a file on this machine (${value}), which the Data Flow run does not have; a vault:OCID reference works on Data Flow`,
      );
    }
  }
  if (options.python === "3.6") {
    warnings.push(
      "Python 3.6 (Spark 2.4.4) archive: the layout of the original workflow, with requirements-py36.txt; dist/app.py itself needs Python 3.11 (Spark 3.5.0)",
    );
  }
  return { file: loaded.file, baseDir, config, values, job, shipped, warnings };
}
