// The lake2oci config schema: the one source of the config's TypeScript type, its validation and the JSON Schema
// file for editors (src/config/lake2oci.schema.json, written by scripts/gen-config-schema.ts). README.md beside this
// file documents each field with an example.

import { compileGlob } from "../core/glob.ts";
import {
  DEFAULT_ADLS_DFS_HOST_SUFFIX,
  DEFAULT_COMPARE,
  DEFAULT_DATAFLOW_LOG_OBJECT,
  DEFAULT_FILTER_EXCLUDE,
  DEFAULT_FILTER_INCLUDE,
  DEFAULT_LOCAL_LOG_PATH,
  DEFAULT_MIRROR_ENABLED,
  DEFAULT_MIRROR_MAX_DELETIONS,
  DEFAULT_OCI_CONFIG_FILE,
  DEFAULT_OCI_CONFIG_PROFILE,
  DEFAULT_SOURCE_PATH,
  DEFAULT_STRICT_NAMES,
  DEFAULT_TARGET_PREFIX,
} from "./defaults.ts";
import {
  accessKeyIdRule,
  accountNameRule,
  awsRegionRule,
  bucketRule,
  checkEndpoint,
  clientIdRule,
  ENDPOINT_PATTERN,
  fileSystemRule,
  gcsBucketRule,
  hdfsNameNodeRule,
  hdfsPathRule,
  hdfsUserRule,
  namespaceRule,
  regionRule,
  s3BucketRule,
  tenantIdRule,
} from "./field-rules.ts";
import { type Infer, type Problem, s } from "./schema-builder.ts";
import { parseSecretRef, SECRET_REF_PATTERN } from "./secret-ref.ts";
import { normalizeStorePath } from "./store-path.ts";

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

function secretRef(description: string, example: string) {
  return s.string({
    description: `${description} A secret reference: env:NAME, file:PATH (relative to this config file) or vault:OCID (an OCI Vault secret, read by the job on OCI). Inline secrets are refused.`,
    example,
    secret: true,
    pattern: SECRET_REF_PATTERN,
    check: (value) => {
      const r = parseSecretRef(value);
      return "ref" in r ? undefined : r;
    },
  });
}

function endpoint(description: string, example: string) {
  return s.string({
    description,
    example,
    format: "uri",
    pattern: ENDPOINT_PATTERN,
    // The value may carry a SAS token by mistake: messages about it never echo it.
    secret: true,
    check: (value) => {
      const r = checkEndpoint(value);
      return "problem" in r ? r : undefined;
    },
    normalize: checkEndpoint,
  });
}

function storePath(description: string, example: string) {
  return s.string({ description, example, normalize: (v) => normalizeStorePath(v, example) });
}

const nonEmpty = (what: string, example: string) => (value: string): Problem =>
  value.trim().length === 0 ? { problem: "must not be empty", fix: `write ${what}, e.g. ${JSON.stringify(example)}` } : undefined;

/** A glob over source names relative to the file system root, checked by the core's own glob compiler (src/core/glob.ts). */
function checkGlob(value: string): Problem {
  if (value.length === 0) return { problem: "must not be empty", fix: `remove it, or write a glob such as "**/*.parquet"` };
  if (value.startsWith("/")) {
    return {
      problem: `must not start with "/" (globs match names relative to the file system root)`,
      fix: `write ${JSON.stringify(value.replace(/^\/+/, ""))}`,
    };
  }
  const error = compileGlob(value).error;
  if (error !== "") return { problem: `is not a valid glob: ${error}`, fix: "see the glob syntax in src/config/README.md" };
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// source

const keyAuth = s.object(
  {
    method: s.literal("key", { description: "Shared key: the storage account's access key." }),
    accountKey: secretRef("The storage account access key (par_az_key_storage_account_key).", "env:AZURE_STORAGE_KEY"),
  },
  { description: "Authenticate with the storage account's access key." },
);

const oauthAuth = s.object(
  {
    method: s.literal("oauth", { description: "OAuth 2.0 client credentials of a service principal." }),
    tenantId: s.string({
      description: "The directory (tenant) ID: a GUID or a domain (par_az_oau_tenant_id).",
      example: "00000000-0000-0000-0000-000000000000",
      pattern: tenantIdRule.pattern,
      check: tenantIdRule.check,
    }),
    clientId: s.string({
      description: "The application (client) ID of the service principal, a GUID (par_az_oau_client_id).",
      example: "00000000-0000-0000-0000-000000000000",
      pattern: clientIdRule.pattern,
      check: clientIdRule.check,
    }),
    clientSecret: secretRef("The service principal's client secret (par_az_oau_client_secret).", "env:AZURE_CLIENT_SECRET"),
    authorityHost: s.optional(
      endpoint(
        "Override of the Microsoft Entra authority host (default https://login.microsoftonline.com); for a local token server.",
        "http://127.0.0.1:8400",
      ),
    ),
  },
  { description: "Authenticate as a service principal (OAuth client secret), as the original par_az_oau = True." },
);

const sasAuth = s.object(
  {
    method: s.literal("sas", { description: "A shared access signature." }),
    sasToken: secretRef("The SAS token (the query string, with or without the leading ?).", "env:AZURE_STORAGE_SAS"),
  },
  { description: "Authenticate with a SAS token (needs read and list permissions on the file system)." },
);

const adlsAuth = s.union(
  "method",
  { key: keyAuth, oauth: oauthAuth, sas: sasAuth },
  { description: "How lake2oci authenticates to Azure: key, oauth or sas." },
);

const adlsSource = s.object(
  {
    type: s.literal("adls", { description: "Azure Data Lake Storage Gen2." }),
    accountName: s.string({
      description: "The storage account name (par_az_sac_storage_account_name): 3-24 lowercase letters and digits.",
      example: "sourcedemo",
      pattern: accountNameRule.pattern,
      check: accountNameRule.check,
    }),
    fileSystem: s.string({
      description: "The file system, i.e. blob container (par_az_sac_file_system).",
      example: "parquetfiles",
      pattern: fileSystemRule.pattern,
      check: fileSystemRule.check,
    }),
    path: s.default(
      storePath(
        "The directory inside the file system to migrate, e.g. \"raw/sales\" (the original par_az_sac_path and par_az_sac_file_directory joined); \"\" is the whole file system. Names in the target and in the log are relative to it.",
        "raw/sales",
      ),
      DEFAULT_SOURCE_PATH,
    ),
    endpoint: s.optional(
      endpoint(
        "Override of the account's DFS endpoint (default https://<accountName>.dfs.core.windows.net), e.g. the local cloud's.",
        "http://127.0.0.1:10000/devstoreaccount1",
      ),
    ),
    auth: adlsAuth,
  },
  {
    description: "An ADLS Gen2 file system (or a directory in it).",
    hints: {
      directory: {
        problem: "is not a field: the original par_az_sac_file_directory is part of source.path",
        fix: `join it to the path, e.g. "path": "raw/sales" for path "raw" and directory "sales" ("." adds nothing)`,
      },
      fileDirectory: {
        problem: "is not a field: the original par_az_sac_file_directory is part of source.path",
        fix: `join it to the path, e.g. "path": "raw/sales" for path "raw" and directory "sales" ("." adds nothing)`,
      },
    },
    check(v, ctx) {
      if (v.endpoint === undefined || v.accountName === undefined) return;
      const host = new URL(v.endpoint).hostname;
      if (host.endsWith(".core.windows.net")) {
        const named = host.split(".")[0];
        if (named !== v.accountName) {
          ctx.report(
            ["endpoint"],
            `names the account ${JSON.stringify(named)}, but accountName is ${JSON.stringify(v.accountName)}`,
            `make them agree, or remove endpoint to use https://${v.accountName}${DEFAULT_ADLS_DFS_HOST_SUFFIX}`,
          );
        }
      }
    },
  },
);

const s3KeysAuth = s.object(
  {
    method: s.literal("keys", { description: "An access key: its ID, its secret and, for temporary credentials, a session token." }),
    accessKeyId: s.string({
      description: "The access key ID (an identifier, not a secret).",
      example: "AKIAIOSFODNN7EXAMPLE",
      pattern: accessKeyIdRule.pattern,
      check: accessKeyIdRule.check,
      secret: true,
    }),
    secretAccessKey: secretRef("The secret access key.", "env:AWS_SECRET_ACCESS_KEY"),
    sessionToken: s.optional(secretRef("The session token of temporary credentials (STS).", "env:AWS_SESSION_TOKEN")),
  },
  { description: "Authenticate with an access key (and a session token for temporary credentials)." },
);

const s3EnvironmentAuth = s.object(
  {
    method: s.literal("environment", {
      description:
        "The standard AWS chain where the command runs: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, then the shared config and credentials files (AWS_PROFILE or `profile`), then the instance or container role.",
    }),
    profile: s.optional(
      s.string({ description: "The profile of ~/.aws/config and ~/.aws/credentials to use (default: AWS_PROFILE, else default).", example: "migration" }),
    ),
  },
  { description: "Authenticate with the standard AWS credential chain of the machine that runs the command." },
);

const s3Source = s.object(
  {
    type: s.literal("s3", { description: "Amazon S3, or an S3-compatible store (MinIO, Ceph, Wasabi, on-premises appliances) with endpoint and pathStyle." }),
    bucket: s.string({
      description: "The S3 bucket.",
      example: "sales-lake",
      pattern: s3BucketRule.pattern,
      check: s3BucketRule.check,
    }),
    prefix: s.default(
      storePath(
        "The folder of the bucket to migrate, e.g. \"raw/sales\" (the keys under \"raw/sales/\"); \"\" is the whole bucket. Names in the target and in the log are relative to it.",
        "raw/sales",
      ),
      DEFAULT_SOURCE_PATH,
    ),
    region: s.string({
      description: "The bucket's AWS region (an S3-compatible store: the region it expects, often us-east-1).",
      example: "us-east-1",
      pattern: awsRegionRule.pattern,
      check: awsRegionRule.check,
    }),
    endpoint: s.optional(
      endpoint(
        "Override of the S3 endpoint (default AWS's for the region), for an S3-compatible store or the local cloud.",
        "http://127.0.0.1:9000",
      ),
    ),
    pathStyle: s.default(
      s.boolean({
        description:
          "Path-style requests (https://host/bucket/key) instead of virtual-hosted ones (https://bucket.host/key): most S3-compatible stores need it.",
      }),
      false,
    ),
    auth: s.union(
      "method",
      { keys: s3KeysAuth, environment: s3EnvironmentAuth },
      { description: "How lake2oci authenticates to S3: keys or environment." },
    ),
  },
  { description: "An S3 bucket (or a folder in it)." },
);

const gcsKeyAuth = s.object(
  {
    method: s.literal("serviceAccountKey", { description: "A service account's JSON key file, as Google Cloud's console downloads it." }),
    key: secretRef(
      "The service account's JSON key (its whole text: file:sa.json for the key file).",
      "file:service-account.json",
    ),
  },
  { description: "Authenticate with a service account's JSON key." },
);

const gcsEnvironmentAuth = s.object(
  {
    method: s.literal("environment", {
      description:
        "The application default credentials where the command runs: the key file GOOGLE_APPLICATION_CREDENTIALS names, else the VM's service account (the metadata server).",
    }),
  },
  { description: "Authenticate with the application default credentials of the machine that runs the command." },
);

const gcsSource = s.object(
  {
    type: s.literal("gcs", { description: "Google Cloud Storage." }),
    bucket: s.string({
      description: "The Cloud Storage bucket.",
      example: "sales-lake",
      pattern: gcsBucketRule.pattern,
      check: gcsBucketRule.check,
    }),
    prefix: s.default(
      storePath(
        "The folder of the bucket to migrate, e.g. \"raw/sales\" (the objects under \"raw/sales/\"); \"\" is the whole bucket. Names in the target and in the log are relative to it.",
        "raw/sales",
      ),
      DEFAULT_SOURCE_PATH,
    ),
    endpoint: s.optional(
      endpoint("Override of the Cloud Storage JSON API's origin (default https://storage.googleapis.com), e.g. the local cloud's.", "http://127.0.0.1:4443"),
    ),
    auth: s.union(
      "method",
      { serviceAccountKey: gcsKeyAuth, environment: gcsEnvironmentAuth },
      { description: "How lake2oci authenticates to Cloud Storage: serviceAccountKey or environment." },
    ),
  },
  { description: "A Cloud Storage bucket (or a folder in it)." },
);

const hdfsSource = s.object(
  {
    type: s.literal("hdfs", { description: "A directory of an HDFS cluster (Apache Hadoop, Cloudera), simple auth (no Kerberos in this version)." }),
    nameNode: s.string({
      description: "The NameNode's RPC URI, hdfs://host:port (core-site.xml's fs.defaultFS): what the Spark job reads through.",
      example: "hdfs://namenode.example.com:8020",
      pattern: hdfsNameNodeRule.pattern,
      check: hdfsNameNodeRule.check,
    }),
    webhdfs: endpoint(
      "The NameNode's WebHDFS address, http(s)://host:port (9870 on Hadoop 3, 50070 on Hadoop 2): what `lake2oci plan` lists through.",
      "http://namenode.example.com:9870",
    ),
    path: s.string({
      description: "The directory to migrate, an absolute HDFS path. Names in the target and in the log are relative to it.",
      example: "/data/lake",
      pattern: hdfsPathRule.pattern,
      check: hdfsPathRule.check,
    }),
    user: s.optional(
      s.string({
        description: "The user to act as (simple auth). Default: the cluster's static user over WebHDFS (dr.who), HADOOP_USER_NAME or the OS user in the job.",
        example: "etl",
        pattern: hdfsUserRule.pattern,
        check: hdfsUserRule.check,
      }),
    ),
  },
  { description: "An HDFS directory (simple auth)." },
);

const localSource = s.object(
  {
    type: s.literal("local", { description: "A directory of this machine's file system (a local disk or an NFS mount)." }),
    path: s.string({
      description:
        "The directory to migrate, relative to this config file; \"~/\" is the home directory. Names in the target and in the log are relative to it. Under spark-submit on a cluster every executor must see it at the same path (an NFS mount).",
      example: "./lake",
      check: nonEmpty("the directory", "./lake"),
    }),
  },
  { description: "A local directory (or an NFS mount)." },
);

const source = s.union(
  "type",
  { adls: adlsSource, s3: s3Source, gcs: gcsSource, hdfs: hdfsSource, local: localSource },
  {
    description:
      "Where the files come from: \"adls\" (Azure Data Lake Storage Gen2), \"s3\" (Amazon S3 and S3-compatible stores), \"gcs\" (Google Cloud Storage), \"hdfs\" (an HDFS cluster) or \"local\" (a directory).",
  },
);

// ---------------------------------------------------------------------------------------------------------------
// target

const profiles = ["LOCAL", "DATAFLOW"] as const;

const target = s.object(
  {
    bucket: s.string({
      description: "The OCI Object Storage bucket that receives the files (par_oci_obj_bucket_name).",
      example: "target-azure",
      pattern: bucketRule.pattern,
      check: bucketRule.check,
    }),
    namespace: s.optional(
      s.string({
        description: "The Object Storage namespace; looked up with GetNamespace when absent.",
        example: "axaxnpcrorw5",
        pattern: namespaceRule.pattern,
        check: namespaceRule.check,
      }),
    ),
    region: s.optional(
      s.string({
        description:
          "The OCI region identifier. When absent: the region of the OCI config file's profile, or of the Data Flow run.",
        example: "us-ashburn-1",
        pattern: regionRule.pattern,
        check: regionRule.check,
      }),
    ),
    profile: s.enum(profiles, {
      description:
        "Where the job runs (par_oci_obj_ociProfileName): LOCAL under spark-submit on this machine, with an OCI config file and API key; DATAFLOW on OCI Data Flow, with the run's resource principal unless configFile is set.",
      example: "LOCAL",
    }),
    configFile: s.optional(
      s.string({
        description: `The OCI config file (par_oci_obj_ociConfigFilePath), relative to this config file; "~/" is the home directory. LOCAL: defaults to ${DEFAULT_OCI_CONFIG_FILE}. DATAFLOW: optional; when set, the file and its key are shipped in archive.zip (a warning), else the run's resource principal is used.`,
        example: DEFAULT_OCI_CONFIG_FILE,
        check: nonEmpty("the path of the OCI config file", DEFAULT_OCI_CONFIG_FILE),
      }),
    ),
    configProfile: s.optional(
      s.string({
        description: `The section of the OCI config file to read; defaults to ${DEFAULT_OCI_CONFIG_PROFILE}. (The original app read the section named like the profile: write "LOCAL" or "DATAFLOW" to keep its config file.)`,
        example: DEFAULT_OCI_CONFIG_PROFILE,
        pattern: /^[^[\]\r\n]+$/,
        check: (v) =>
          /^[^[\]\r\n]+$/.test(v)
            ? undefined
            : { problem: "must be a section name without brackets or line breaks", fix: `write e.g. "DEFAULT"` },
      }),
    ),
    prefix: s.default(
      storePath(
        "The folder in the bucket that receives the files: an object is named <prefix>/<name relative to the file system root>. \"\" is the bucket root.",
        "azure/parquetfiles",
      ),
      DEFAULT_TARGET_PREFIX,
    ),
    endpoint: s.optional(
      endpoint(
        "Override of the Object Storage endpoint (default https://objectstorage.<region>.oraclecloud.com), e.g. the local cloud's.",
        "http://127.0.0.1:10001",
      ),
    ),
  },
  {
    description: "The OCI Object Storage bucket the files go to, and how the job authenticates to OCI.",
    hints: {
      ociProfileName: { problem: "is not a field", fix: `write "profile": "LOCAL" or "DATAFLOW"` },
      ociConfigFilePath: { problem: "is not a field", fix: `write "configFile"` },
    },
  },
);

// ---------------------------------------------------------------------------------------------------------------
// log

const logObject = s.object(
  {
    path: s.optional(
      s.string({
        description: `A local file for the log (LOCAL only), relative to this config file. Default for LOCAL: ${DEFAULT_LOCAL_LOG_PATH}.`,
        example: DEFAULT_LOCAL_LOG_PATH,
        check: nonEmpty("the path of the log file", DEFAULT_LOCAL_LOG_PATH),
      }),
    ),
    bucket: s.optional(
      s.string({
        description: "The bucket for the log object (par_utl_log_bucket_name); same namespace as the target.",
        example: "target-azure",
        pattern: bucketRule.pattern,
        check: bucketRule.check,
      }),
    ),
    object: s.optional(
      s.string({
        description: `The log object's name (par_utl_log_object_name). Default for DATAFLOW: ${DEFAULT_DATAFLOW_LOG_OBJECT} in the target bucket.`,
        example: DEFAULT_DATAFLOW_LOG_OBJECT,
        normalize: (v) => {
          const n = normalizeStorePath(v, DEFAULT_DATAFLOW_LOG_OBJECT);
          if ("value" in n && n.value === "") {
            return { problem: "must name an object", fix: `write e.g. ${JSON.stringify(DEFAULT_DATAFLOW_LOG_OBJECT)}` };
          }
          return n;
        },
      }),
    ),
  },
  {
    description: `Where the migration log goes: a local file { "path" } (LOCAL) or an object { "bucket", "object" } (either profile). Default: ${DEFAULT_LOCAL_LOG_PATH} for LOCAL; ${DEFAULT_DATAFLOW_LOG_OBJECT} in the target bucket for DATAFLOW.`,
    jsonSchema: {
      oneOf: [
        { required: ["path"], not: { anyOf: [{ required: ["bucket"] }, { required: ["object"] }] } },
        { required: ["bucket", "object"], not: { required: ["path"] } },
      ],
    },
    check(_v, ctx) {
      const hasPath = ctx.given.path !== undefined;
      const hasBucket = ctx.given.bucket !== undefined;
      const hasObject = ctx.given.object !== undefined;
      if (hasPath && (hasBucket || hasObject)) {
        ctx.report(
          ["path"],
          "cannot be combined with log.bucket or log.object",
          `keep either "path" (a local file) or "bucket" and "object" (an object in OCI)`,
        );
      } else if (hasBucket && !hasObject) {
        ctx.report(
          ["object"],
          "is required when log.bucket is set",
          `add "object": ${JSON.stringify(DEFAULT_DATAFLOW_LOG_OBJECT)}`,
        );
      } else if (hasObject && !hasBucket) {
        ctx.report(
          ["bucket"],
          "is required when log.object is set",
          `add "bucket": the bucket for the log, e.g. the target bucket`,
        );
      }
    },
  },
);

/** Where the log goes, once validated: a local file, or an object in the target's namespace. */
export type LogDestination = { path: string } | { bucket: string; object: string };

const log = logObject.transform((v, path, ctx): LogDestination => {
  if (v.path !== undefined) return { path: v.path };
  if (v.bucket !== undefined && v.object !== undefined) return { bucket: v.bucket, object: v.object };
  ctx.report(
    path,
    "names no destination",
    `write { "path": ${JSON.stringify(DEFAULT_LOCAL_LOG_PATH)} } or { "bucket": …, "object": … }, or remove "log" for the default`,
  );
  return { path: "" };
});

// ---------------------------------------------------------------------------------------------------------------
// filter, compare, mirror, run

const filter = s.object(
  {
    include: s.default(
      s.array(s.string({ description: "A glob.", example: "**/*.parquet", check: checkGlob }), {
        description:
          "Globs of the names (relative to the file system root) to copy: * and ? match within a path segment, ** any number of segments, [abc] one character. Default: everything.",
        example: ["**/*.parquet"],
        nonEmpty: {
          problem: "is empty, so nothing would be copied",
          fix: `remove it to copy everything, or list globs such as "**/*.parquet"`,
        },
      }),
      DEFAULT_FILTER_INCLUDE,
    ),
    exclude: s.default(
      s.array(s.string({ description: "A glob.", example: "_tmp/**", check: checkGlob }), {
        description: "Globs of the names (relative to the file system root) to leave out, even when included. Default: none.",
        example: ["_tmp/**", "**/_SUCCESS"],
      }),
      DEFAULT_FILTER_EXCLUDE,
    ),
  },
  { description: "Which source files take part, by name." },
);

const compareModes = ["size-md5", "size", "md5"] as const;

const compare = s.default(
  s.enum(compareModes, {
    description:
      "How a source file and a target object of the same name are found equal: size-md5 (same size, and same MD5 where both sides know one), size (size only, as the original app), md5 (same MD5; a side without one counts as different).",
    example: DEFAULT_COMPARE,
  }),
  DEFAULT_COMPARE,
);

const mirror = s.default(
  s.object(
    {
      enabled: s.default(
        s.boolean({ description: "Delete target objects (under target.prefix) that are not in the source." }),
        DEFAULT_MIRROR_ENABLED,
      ),
      maxDeletions: s.default(
        s.integer({
          description: "A plan that would delete more objects than this is refused (a guard against a wrong path).",
          min: 0,
        }),
        DEFAULT_MIRROR_MAX_DELETIONS,
      ),
    },
    { description: "Mirror mode: make the target match the source, deleting what the source lacks. Off by default." },
  ),
  {},
);

const strictNames = s.default(
  s.boolean({
    description:
      "Refuse the whole plan (nothing is copied) when a source name cannot become an object name (too long, characters OCI refuses, two files mapping to one name). Off by default: those files are logged failed with the reason and the rest is copied.",
  }),
  DEFAULT_STRICT_NAMES,
);

const run = s.optional(
  s.object(
    {},
    { description: "Run tuning (concurrency, part sizes, …). Reserved: no fields are defined yet." },
  ),
);

// ---------------------------------------------------------------------------------------------------------------
// The whole config

/** Where each parameter of the original app.py went (a key named like one gets this hint). */
export const ORIGINAL_PARAMETERS: Record<string, string> = {
  par_az_sac_storage_account_name: "source.accountName",
  par_az_sac_file_system: "source.fileSystem",
  par_az_sac_path: "source.path",
  par_az_sac_file_directory: "source.path (joined to the path)",
  par_az_oau: `source.auth.method ("oauth" for True, "key" for False)`,
  par_az_oau_tenant_id: "source.auth.tenantId",
  par_az_oau_client_id: "source.auth.clientId",
  par_az_oau_client_secret: "source.auth.clientSecret, as a reference such as env:AZURE_CLIENT_SECRET",
  par_az_key_storage_account_key: "source.auth.accountKey, as a reference such as env:AZURE_STORAGE_KEY",
  par_oci_obj_bucket_name: "target.bucket",
  par_oci_obj_ociProfileName: "target.profile",
  par_oci_obj_ociConfigFilePath: "target.configFile",
  par_oci_obj_namespace_name: "target.namespace (or leave it out to look it up)",
  par_utl_log_bucket_name: "log.bucket",
  par_utl_log_object_name: "log.object (DATAFLOW) or log.path (LOCAL)",
};

const configObject = s.object(
  {
    $schema: s.optional(
      s.string({ description: "The JSON Schema of this file, for editors.", example: "./lake2oci.schema.json" }),
    ),
    source,
    target,
    log: s.optional(log),
    filter: s.default(filter, {}),
    compare,
    mirror,
    strictNames,
    run,
  },
  {
    description: "A lake2oci migration: what to copy from where to where, and how.",
    hints: Object.fromEntries(
      Object.entries(ORIGINAL_PARAMETERS).map(([name, field]) => [
        name,
        { problem: "is a parameter of the original app.py, not a field", fix: `write it as ${field}` },
      ]),
    ),
    jsonSchema: {
      if: {
        required: ["target"],
        properties: { target: { required: ["profile"], properties: { profile: { const: "DATAFLOW" } } } },
      },
      // biome-ignore lint/suspicious/noThenProperty: "then" is a JSON Schema keyword.
      then: { properties: { log: { not: { required: ["path"] } } } },
    },
    check(v, ctx) {
      const profile = v.target?.profile;
      const logDest = v.log;
      if (profile === "DATAFLOW" && logDest !== undefined && "path" in logDest && logDest.path !== "") {
        ctx.report(
          ["log", "path"],
          "is a local file, but profile DATAFLOW runs on OCI Data Flow, where local files are lost when the run ends",
          `write the log to a bucket: "log": { "bucket": ${JSON.stringify(v.target?.bucket ?? "target-azure")}, "object": ${JSON.stringify(DEFAULT_DATAFLOW_LOG_OBJECT)} }`,
        );
      }
      if (profile === "DATAFLOW" && v.target?.configFile !== undefined) {
        ctx.warn(
          ["target", "configFile"],
          "ships the OCI config file and its API private key inside archive.zip",
          "remove it to use the Data Flow run's resource principal (give its dynamic group access to the buckets)",
        );
      }
      const logBucket = logDest !== undefined && "bucket" in logDest ? logDest.bucket : undefined;
      const logObjectName = logDest !== undefined && "object" in logDest ? logDest.object : undefined;
      const defaultLog = logDest === undefined && profile === "DATAFLOW";
      const bucket = defaultLog ? v.target?.bucket : logBucket;
      const objectName = defaultLog ? DEFAULT_DATAFLOW_LOG_OBJECT : logObjectName;
      const prefix = v.target?.prefix ?? "";
      if (
        v.mirror?.enabled === true &&
        bucket !== undefined &&
        bucket === v.target?.bucket &&
        objectName !== undefined &&
        (prefix === "" || objectName.startsWith(`${prefix}/`))
      ) {
        ctx.warn(
          ["mirror", "enabled"],
          `would treat the log object ${JSON.stringify(objectName)} as a target-only object to delete, as it lies under target.prefix in the target bucket`,
          "write the log to another bucket or outside target.prefix",
        );
      }
    },
  },
);

type ConfigObject = Infer<typeof configObject>;

/** A validated lake2oci config, with every default applied. */
export type Lake2ociConfig = Omit<ConfigObject, "$schema" | "log"> & { log: LogDestination };

/**
 * The schema of a lake2oci config file. Defaults that depend on the profile are applied here: the log destination,
 * and the OCI config file of a LOCAL run.
 */
export const lake2ociConfigSchema = configObject.transform((v): Lake2ociConfig => {
  const { $schema: _schema, log: logDest, ...rest } = v;
  const local = rest.target.profile === "LOCAL";
  const target =
    local && rest.target.configFile === undefined ? { ...rest.target, configFile: DEFAULT_OCI_CONFIG_FILE } : rest.target;
  const resolvedLog: LogDestination =
    logDest ??
    (local ? { path: DEFAULT_LOCAL_LOG_PATH } : { bucket: rest.target.bucket, object: DEFAULT_DATAFLOW_LOG_OBJECT });
  return { ...rest, target, log: resolvedLog };
});

export type SourceConfig = Lake2ociConfig["source"];
export type AdlsAuth = Infer<typeof adlsAuth>;
export type TargetConfig = Lake2ociConfig["target"];
export type CompareMode = (typeof compareModes)[number];
export type OciProfile = (typeof profiles)[number];
