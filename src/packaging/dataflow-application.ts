// The OCI Data Flow Application for a build: main file and archive URIs in the dataflow bucket, the Spark version
// of the archive's Python, and the job's arguments as `--name ${name}` pairs whose parameters default to the config's
// values (a run can override any of them; the same values are in archive.zip's job file). Written as the JSON that
// `oci data-flow application create --from-json file://...` reads (camelCase keys, as its
// --generate-full-command-json-input prints them); the compartment is given on that command line unless known here.
import type { JobValue } from "../config/job-values.ts";
import { JOB_PARAMETERS } from "../core/job-parameters.ts";
import { PYTHON_RUNTIMES, type DataflowPython } from "./wheels.ts";

/** Stands for the Object Storage namespace in URIs until it is known (lake2oci deploy fills it in). */
export const NAMESPACE_PLACEHOLDER = "NAMESPACE";
export const DEFAULT_DATAFLOW_BUCKET = "dataflow-warehouse";
export const APP_OBJECT = "app.py";
export const ARCHIVE_OBJECT = "archive.zip";
export const SETTINGS_FILE = "dataflow-application.json";

export interface ShapeConfig {
  ocpus: number;
  memoryInGBs: number;
}

export interface DataflowApplicationJson {
  compartmentId?: string;
  displayName: string;
  description: string;
  language: "PYTHON";
  type: "BATCH";
  sparkVersion: string;
  fileUri: string;
  archiveUri: string;
  arguments: string[];
  parameters: { name: string; value: string }[];
  configuration?: Record<string, string>;
  driverShape: string;
  driverShapeConfig: ShapeConfig;
  executorShape: string;
  executorShapeConfig: ShapeConfig;
  numExecutors: number;
}

export interface DataflowApplicationOptions {
  python: DataflowPython;
  /** The dataflow bucket app.py and archive.zip are uploaded to (default dataflow-warehouse). */
  bucket?: string;
  /** Its namespace; NAMESPACE until known. */
  namespace?: string;
  /** A folder in that bucket for both objects ("" = the bucket root). */
  prefix?: string;
  displayName?: string;
  compartmentId?: string;
  /** The run authenticates with its resource principal (no key shipped). */
  resourcePrincipal: boolean;
  shape?: string;
  ocpus?: number;
  memoryGb?: number;
  executors?: number;
}

/** `oci://bucket@namespace/name`, the URI form Data Flow reads. */
export function ociUri(bucket: string, namespace: string, name: string): string {
  return `oci://${bucket}@${namespace}/${name}`;
}

/** Splits `oci://bucket@namespace/name`; undefined when `uri` is not of that form. */
export function parseOciUri(uri: string): { bucket: string; namespace: string; name: string } | undefined {
  const m = /^oci:\/\/([^@/]+)@([^/]+)\/(.+)$/.exec(uri);
  return m === null ? undefined : { bucket: m[1], namespace: m[2], name: m[3] };
}

export function objectName(prefix: string | undefined, name: string): string {
  const p = (prefix ?? "").replace(/^\/+|\/+$/g, "");
  return p === "" ? name : `${p}/${name}`;
}

/** A Data Flow parameter name for a job parameter: word characters only (source-account -> source_account). */
export function dataflowParameterName(name: string): string {
  return name.replace(/-/g, "_");
}

/** A job value as one command-line argument, as the job parses it back (lists as compact JSON). */
export function argumentValue(value: JobValue): string {
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

/** The parameters the application exposes: every value the config sets, then dry-run (off), in the table's order. */
export function applicationParameters(job: Record<string, JobValue>): { option: string; name: string; value: string }[] {
  const out: { option: string; name: string; value: string }[] = [];
  for (const p of JOB_PARAMETERS) {
    const value = job[p.name] ?? (p.name === "dry-run" ? p.defaultValue : undefined);
    if (value === undefined) continue;
    out.push({ option: `--${p.name}`, name: dataflowParameterName(p.name), value: argumentValue(value) });
  }
  return out;
}

/** The source in a few characters, for the application's name. */
function sourceLabel(job: Record<string, JobValue>): string {
  const type = String(job["source-type"] ?? "adls");
  if (type === "adls") return `${String(job["source-account"] ?? "")}/${String(job["source-file-system"] ?? "")}`;
  if (type === "s3" || type === "gcs") return `${type}://${String(job["source-bucket"] ?? "")}`;
  return `${type}:${String(job["source-path"] ?? "")}`;
}

function sourceWords(job: Record<string, JobValue>): string {
  const words: Record<string, string> = {
    adls: "an ADLS Gen2 file system",
    s3: "an S3 bucket",
    gcs: "a Google Cloud Storage bucket",
    hdfs: "an HDFS directory",
    local: "a local directory",
  };
  return words[String(job["source-type"] ?? "adls")] ?? "a source store";
}

export function dataflowApplication(job: Record<string, JobValue>, options: DataflowApplicationOptions): DataflowApplicationJson {
  const bucket = options.bucket ?? DEFAULT_DATAFLOW_BUCKET;
  const namespace = options.namespace ?? NAMESPACE_PLACEHOLDER;
  const params = applicationParameters(job);
  const shape: ShapeConfig = { ocpus: options.ocpus ?? 1, memoryInGBs: options.memoryGb ?? 16 };
  const source = sourceLabel(job);
  const app: DataflowApplicationJson = {
    displayName: options.displayName ?? `lake2oci ${source} to ${String(job["target-bucket"] ?? "")}`,
    description: `lake2oci: copies ${sourceWords(job)} to OCI Object Storage (built by lake2oci build)`,
    language: "PYTHON",
    type: "BATCH",
    sparkVersion: PYTHON_RUNTIMES[options.python].sparkVersion,
    fileUri: ociUri(bucket, namespace, objectName(options.prefix, APP_OBJECT)),
    archiveUri: ociUri(bucket, namespace, objectName(options.prefix, ARCHIVE_OBJECT)),
    arguments: params.flatMap((p) => [p.option, `\${${p.name}}`]),
    parameters: params.map((p) => ({ name: p.name, value: p.value })),
    driverShape: options.shape ?? "VM.Standard.E4.Flex",
    driverShapeConfig: shape,
    executorShape: options.shape ?? "VM.Standard.E4.Flex",
    executorShapeConfig: shape,
    numExecutors: options.executors ?? 2,
  };
  if (options.resourcePrincipal) app.configuration = { "dataflow.auth": "resource_principal" };
  return options.compartmentId === undefined ? app : { compartmentId: options.compartmentId, ...app };
}
