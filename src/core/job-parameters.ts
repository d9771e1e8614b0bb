// The parameters of the Spark job (dist/app.py): one table, read by the TypeScript side (the build writes a job
// file of values from a config; Data Flow application arguments are made from it) and, translated, by the job
// itself (defaults, types, help). Each is passed to app.py as `--name value`; a job file given with `--job-file`
// (or found beside app.py / in the archive as lake2oci-job.json) supplies values over the defaults, and arguments
// override both. Secret parameters hold references (env:NAME, file:PATH, vault:OCID), never values.

/** `list`: comma-separated or a JSON array on the command line. */
export type JobParameterType = "string" | "integer" | "boolean" | "list";

export interface JobParameter {
  name: string;
  type: JobParameterType;
  /** "" / 0 / false / [] when there is no default. */
  defaultValue: string | number | boolean | string[];
  /** The job refuses to start without a value. */
  required: boolean;
  /** Holds a secret reference. */
  secret: boolean;
  description: string;
}

export const JOB_FILE_NAME = "lake2oci-job.json";

export const JOB_PARAMETERS: JobParameter[] = [
  { name: "source-type", type: "string", defaultValue: "adls", required: true, secret: false, description: "the source store: adls, s3, gcs, hdfs or local" },
  { name: "source-account", type: "string", defaultValue: "", required: false, secret: false, description: "ADLS Gen2 storage account name (adls)" },
  { name: "source-file-system", type: "string", defaultValue: "", required: false, secret: false, description: "ADLS Gen2 file system (container) (adls)" },
  { name: "source-path", type: "string", defaultValue: "", required: false, secret: false, description: "adls: directory to migrate (empty = the whole file system); local and hdfs: the directory to migrate, absolute" },
  { name: "source-endpoint", type: "string", defaultValue: "", required: false, secret: false, description: "endpoint override: ADLS account URL (default https://<account>.dfs.core.windows.net), S3-compatible or GCS API endpoint" },
  { name: "source-auth", type: "string", defaultValue: "key", required: true, secret: false, description: "adls: key, oauth or sas; s3: keys or environment; gcs: serviceAccountKey or environment (local and hdfs: not used)" },
  { name: "source-reader", type: "string", defaultValue: "opendal", required: false, secret: false, description: "adls: what reads the files: opendal (Apache OpenDAL's azdls, a sixth of the CPU per file) or sdk (the Azure SDK); the listing is the Azure SDK's either way" },
  { name: "source-bucket", type: "string", defaultValue: "", required: false, secret: false, description: "S3 or GCS bucket (s3, gcs)" },
  { name: "source-prefix", type: "string", defaultValue: "", required: false, secret: false, description: "the part of the bucket to migrate, a directory (s3, gcs; empty = the whole bucket)" },
  { name: "source-region", type: "string", defaultValue: "", required: false, secret: false, description: "AWS region of the bucket (s3)" },
  { name: "source-path-style", type: "boolean", defaultValue: false, required: false, secret: false, description: "path-style requests (s3: MinIO, Ceph and other S3-compatible stores)" },
  { name: "source-access-key-id", type: "string", defaultValue: "", required: false, secret: false, description: "access key ID (s3, auth keys)" },
  { name: "source-secret-access-key", type: "string", defaultValue: "", required: false, secret: true, description: "reference to the secret access key (s3, auth keys)" },
  { name: "source-session-token", type: "string", defaultValue: "", required: false, secret: true, description: "reference to a session token (s3, auth keys with temporary credentials)" },
  { name: "source-aws-profile", type: "string", defaultValue: "", required: false, secret: false, description: "AWS profile of the environment chain (s3, auth environment)" },
  { name: "source-service-account-key", type: "string", defaultValue: "", required: false, secret: true, description: "reference to the service account's JSON key (gcs, auth serviceAccountKey)" },
  { name: "source-name-node", type: "string", defaultValue: "", required: false, secret: false, description: "the NameNode's RPC URI, hdfs://host:port (hdfs)" },
  { name: "source-user", type: "string", defaultValue: "", required: false, secret: false, description: "the user HDFS requests are made as (hdfs; default the process's user)" },
  { name: "source-account-key", type: "string", defaultValue: "", required: false, secret: true, description: "reference to the account key (auth key)" },
  { name: "source-tenant-id", type: "string", defaultValue: "", required: false, secret: false, description: "directory (tenant) ID (auth oauth)" },
  { name: "source-client-id", type: "string", defaultValue: "", required: false, secret: false, description: "application (client) ID (auth oauth)" },
  { name: "source-client-secret", type: "string", defaultValue: "", required: false, secret: true, description: "reference to the client secret (auth oauth)" },
  { name: "source-authority-host", type: "string", defaultValue: "", required: false, secret: false, description: "token authority override (auth oauth)" },
  { name: "source-sas-token", type: "string", defaultValue: "", required: false, secret: true, description: "reference to the SAS token (auth sas)" },
  { name: "target-bucket", type: "string", defaultValue: "", required: true, secret: false, description: "OCI bucket receiving the files" },
  { name: "target-namespace", type: "string", defaultValue: "", required: false, secret: false, description: "Object Storage namespace (looked up when empty)" },
  { name: "target-region", type: "string", defaultValue: "", required: false, secret: false, description: "OCI region (default: the config file's or the run's)" },
  { name: "target-profile", type: "string", defaultValue: "LOCAL", required: true, secret: false, description: "LOCAL (config file + API key) or DATAFLOW (resource principal, or a config file in the archive)" },
  { name: "target-config-file", type: "string", defaultValue: "", required: false, secret: false, description: "OCI config file (LOCAL default ~/.oci/config)" },
  { name: "target-config-profile", type: "string", defaultValue: "", required: false, secret: false, description: "section of the OCI config file (default DEFAULT; DATAFLOW archive config: DATAFLOW)" },
  { name: "target-prefix", type: "string", defaultValue: "", required: false, secret: false, description: "folder in the bucket for the files" },
  { name: "target-endpoint", type: "string", defaultValue: "", required: false, secret: false, description: "Object Storage endpoint override" },
  { name: "log-path", type: "string", defaultValue: "", required: false, secret: false, description: "local migration log file (LOCAL)" },
  { name: "log-bucket", type: "string", defaultValue: "", required: false, secret: false, description: "bucket of the migration log object" },
  { name: "log-object", type: "string", defaultValue: "", required: false, secret: false, description: "migration log object name" },
  { name: "include", type: "list", defaultValue: [], required: false, secret: false, description: "globs of source names to copy (empty = all)" },
  { name: "exclude", type: "list", defaultValue: [], required: false, secret: false, description: "globs of source names to leave out" },
  { name: "compare", type: "string", defaultValue: "size-md5", required: false, secret: false, description: "size-md5, size or md5" },
  { name: "mirror", type: "boolean", defaultValue: false, required: false, secret: false, description: "delete target objects under the prefix that have no source" },
  { name: "max-deletions", type: "integer", defaultValue: 1000, required: false, secret: false, description: "with mirror: refuse a plan deleting more objects" },
  { name: "tasks", type: "integer", defaultValue: 0, required: false, secret: false, description: "Spark tasks to split the copy into (0 = 3 per executor core)" },
  { name: "list-parallelism", type: "integer", defaultValue: 0, required: false, secret: false, description: "listing units to split each store into, listed by the executors (0 = 24 per executor core; 1 = one sequential listing on the driver)" },
  { name: "list-split-entries", type: "integer", defaultValue: 50000, required: false, secret: false, description: "a listing unit that lists more entries than this is split again (its directory listed one level down, or the rest of its name range cut)" },
  { name: "threads", type: "integer", defaultValue: 8, required: false, secret: false, description: "concurrent small-file copies per task" },
  { name: "part-threads", type: "integer", defaultValue: 4, required: false, secret: false, description: "concurrent part uploads per large file" },
  { name: "multipart-threshold-mib", type: "integer", defaultValue: 128, required: false, secret: false, description: "files of this size and above go in parts" },
  { name: "part-size-mib", type: "integer", defaultValue: 8, required: false, secret: false, description: "smallest part size (grows to keep at most 10,000 parts)" },
  { name: "max-attempts", type: "integer", defaultValue: 6, required: false, secret: false, description: "attempts per request before a file fails" },
  { name: "strict-names", type: "boolean", defaultValue: false, required: false, secret: false, description: "refuse the whole run when a source name cannot become an object (default: those files fail, the rest is copied)" },
  { name: "plan", type: "string", defaultValue: "", required: false, secret: false, description: "apply this plan (a local path or oci://bucket@namespace/object, written by lake2oci plan or an earlier run) instead of listing the source" },
  { name: "break-lease", type: "boolean", defaultValue: false, required: false, secret: false, description: "take over the run lease of a run that crashed (refused runs name the holder)" },
  { name: "lease-seconds", type: "integer", defaultValue: 300, required: false, secret: false, description: "how long the run lease lasts without renewal (renewed while the run goes)" },
  { name: "max-minutes", type: "integer", defaultValue: 0, required: false, secret: false, description: "after this many minutes from the run's start no new file or part starts; what is left is logged stopped, the run exits 3 and the next run continues (0 = automatic: DATAFLOW 1410, half an hour under the 24-hour limit of a run signing with its delegation token, or 43170 with a resource principal; LOCAL none)" },
  { name: "debug", type: "boolean", defaultValue: false, required: false, secret: false, description: "print the stack trace of an error (secrets stay redacted)" },
  { name: "dry-run", type: "boolean", defaultValue: false, required: false, secret: false, description: "plan and log (outcome planned) without writing to the target" },
];
