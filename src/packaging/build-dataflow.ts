// `npm run build:dataflow` / `lake2oci build`: everything an OCI Data Flow run of a config needs, in one output
// directory (dist/ by default): app.py (the job, the same for every config), archive.zip (the Python packages for the
// runtime, the config's job file, and the OCI key only when the config ships one) and dataflow-application.json (the
// Application: URIs, Spark version, arguments with ${parameters} and their defaults). The config is validated first;
// nothing is written for a config that is refused.
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { type ArchiveResult, buildArchive } from "./build-archive.ts";
import {
  ARCHIVE_OBJECT,
  type DataflowApplicationJson,
  NAMESPACE_PLACEHOLDER,
  SETTINGS_FILE,
  applicationParameters,
  dataflowApplication,
} from "./dataflow-application.ts";
import { type DataflowConfig, readDataflowConfig } from "./dataflow-config.ts";
import { type EmittedApp, emitApp } from "./emit-app.ts";
import { findRepoRoot } from "./repo-root.ts";
import { type DataflowPython, type WheelSet, cachedWheels, fetchWheels } from "./wheels.ts";

export interface BuildDataflowOptions {
  configFile: string;
  /** The lake2oci checkout (default: the one this code is in). */
  root?: string;
  /** Default <root>/dist. */
  outDir?: string;
  python?: DataflowPython;
  strict?: boolean;
  /** Download missing wheels with pip (default true); false fails with how to fetch them. */
  fetch?: boolean;
  /** Run the code generator for app.py (default true); false copies the committed dist/app.py. */
  regenerateApp?: boolean;
  bucket?: string;
  namespace?: string;
  prefix?: string;
  displayName?: string;
  compartmentId?: string;
  /** Deflate level of archive.zip (default 6). */
  level?: number;
  log?: (line: string) => void;
}

export interface BuildDataflowResult {
  app: EmittedApp;
  archive: ArchiveResult;
  settingsFile: string;
  settings: DataflowApplicationJson;
  config: DataflowConfig;
  warnings: string[];
}

export async function buildDataflow(options: BuildDataflowOptions): Promise<BuildDataflowResult> {
  const root = options.root ?? findRepoRoot();
  const python = options.python ?? "3.11";
  const log = options.log ?? (() => {});
  const config = await readDataflowConfig(options.configFile, { python, strict: options.strict });
  const wheels: WheelSet = options.fetch === false ? cachedWheels(root, python) : await fetchWheels(root, python, { log });
  const outDir = resolve(options.outDir ?? join(root, "dist"));
  await mkdir(outDir, { recursive: true });
  const app = emitApp(root, outDir, { regenerate: options.regenerateApp });
  log(`building ${join(outDir, ARCHIVE_OBJECT)} from ${wheels.wheels.length} wheels (Python ${python})`);
  const archive = await buildArchive({
    python,
    wheels,
    out: join(outDir, ARCHIVE_OBJECT),
    jobFile: config.job,
    shipped: config.shipped,
    level: options.level,
  });
  const settings = dataflowApplication(config.job, {
    python,
    bucket: options.bucket,
    namespace: options.namespace ?? config.config.target.namespace,
    prefix: options.prefix,
    displayName: options.displayName,
    compartmentId: options.compartmentId,
    resourcePrincipal: config.shipped === undefined,
  });
  const settingsFile = join(outDir, SETTINGS_FILE);
  await writeFile(settingsFile, `${JSON.stringify(settings, null, 2)}\n`);
  return { app, archive, settingsFile, settings, config, warnings: config.warnings };
}

/** A shell word: bare when safe, else single-quoted. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function megabytes(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** What the build prints: the files, what to upload where, the Application's settings, how to create it and run locally. */
export function buildReport(result: BuildDataflowResult, cwd: string = process.cwd()): string {
  const rel = (p: string) => {
    const r = relative(cwd, p);
    return r.startsWith("..") ? p : r;
  };
  const s = result.settings;
  const a = result.archive;
  const appFile = rel(result.app.file);
  const lines: string[] = [];
  lines.push(`${appFile} (${result.app.state})`);
  lines.push(
    `${rel(a.file)}: ${a.entries.toLocaleString("en-US")} entries, ${megabytes(a.bytes)}, Python ${a.python} packages under ${a.sitePackages}/, sha256 ${a.sha256}`,
  );
  if (a.shippedEntries.length > 0) lines.push(`  with the OCI config and API private key: ${a.shippedEntries.join(", ")}`);
  lines.push(`${rel(result.settingsFile)}: the Data Flow Application settings`);
  lines.push("");
  lines.push("Upload (lake2oci deploy does it, and fills in the namespace):");
  lines.push(`  ${appFile}  ->  ${s.fileUri}`);
  lines.push(`  ${rel(a.file)}  ->  ${s.archiveUri}`);
  if (s.fileUri.includes(`@${NAMESPACE_PLACEHOLDER}/`)) {
    lines.push(`  (${NAMESPACE_PLACEHOLDER}: your Object Storage namespace; pass --namespace, set target.namespace, or let lake2oci deploy look it up)`);
  }
  lines.push("");
  lines.push("Data Flow Application:");
  lines.push(`  Language         Python (Spark ${s.sparkVersion})`);
  lines.push(`  Main file URI    ${s.fileUri}`);
  lines.push(`  Archive URI      ${s.archiveUri}`);
  lines.push(`  Arguments        ${s.arguments.join(" ")}`);
  lines.push("  Parameters       (defaults; a run can override each)");
  const width = Math.max(...s.parameters.map((p) => p.name.length));
  for (const p of s.parameters) lines.push(`    ${p.name.padEnd(width)}  ${p.value === "" ? '""' : p.value}`);
  if (s.configuration !== undefined) {
    for (const [k, v] of Object.entries(s.configuration)) lines.push(`  Spark config     ${k}=${v}`);
  } else {
    lines.push("  Spark config     (none: the run signs with the API key shipped in archive.zip)");
  }
  lines.push(`  Shapes           driver and ${s.numExecutors} executors ${s.executorShape}, ${s.executorShapeConfig.ocpus} OCPU, ${s.executorShapeConfig.memoryInGBs} GB`);
  lines.push("");
  lines.push("Create the application:");
  lines.push(
    `  oci data-flow application create --from-json file://${rel(result.settingsFile)}${s.compartmentId === undefined ? " --compartment-id <compartment OCID>" : ""}`,
  );
  lines.push("Run the same job on this machine, with the same arguments:");
  const params = applicationParameters(result.config.job);
  lines.push(`  spark-submit ${appFile} ${params.map((p) => `${p.option} ${shellWord(p.value)}`).join(" ")}`);
  lines.push("  (on this machine, add --target-profile LOCAL --target-config-profile DEFAULT to sign with ~/.oci/config)");
  return lines.join("\n");
}
