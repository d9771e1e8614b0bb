// The values a config gives the Spark job's parameters (src/core/job-parameters.ts): what the build writes to the
// job file (lake2oci-job.json) and what the Data Flow application's arguments default to. Secrets stay references.
import { homedir } from "node:os";
import { JOB_PARAMETERS } from "../core/job-parameters.ts";
import { resolveLocalPath } from "./local-path.ts";
import { ociConfigSection } from "./store-settings.ts";
import type { Lake2ociConfig } from "./schema.ts";

export type JobValue = string | number | boolean | string[];

/** A config whose source the Spark job of this version cannot read. */
export class JobSourceError extends Error {
  readonly field = "source.type";
  constructor(type: string) {
    super(
      `source.type ${JSON.stringify(type)}: the Spark job of this version cannot read ${JSON.stringify(type)} sources`,
    );
    this.name = "JobSourceError";
  }
}

/** The source's parameters, by source type (secrets stay references). */
function sourceValues(config: Lake2ociConfig, path: (p: string) => string): Record<string, JobValue> {
  const s = config.source;
  if (s.type === "local") return { "source-path": path(s.path) };
  if (s.type === "s3") {
    const v: Record<string, JobValue> = {
      "source-bucket": s.bucket,
      "source-prefix": s.prefix ?? "",
      "source-region": s.region,
      "source-endpoint": s.endpoint ?? "",
      "source-path-style": s.pathStyle ?? false,
      "source-auth": s.auth.method,
    };
    if (s.auth.method === "keys") {
      v["source-access-key-id"] = s.auth.accessKeyId;
      v["source-secret-access-key"] = s.auth.secretAccessKey;
      if (s.auth.sessionToken !== undefined) v["source-session-token"] = s.auth.sessionToken;
    } else if (s.auth.profile !== undefined) v["source-aws-profile"] = s.auth.profile;
    return v;
  }
  if (s.type === "gcs") {
    const v: Record<string, JobValue> = {
      "source-bucket": s.bucket,
      "source-prefix": s.prefix ?? "",
      "source-endpoint": s.endpoint ?? "",
      "source-auth": s.auth.method,
    };
    if (s.auth.method === "serviceAccountKey") v["source-service-account-key"] = s.auth.key;
    return v;
  }
  if (s.type === "hdfs") {
    const v: Record<string, JobValue> = { "source-name-node": s.nameNode, "source-path": s.path };
    if (s.user !== undefined) v["source-user"] = s.user;
    return v;
  }
  if (s.type !== "adls") throw new JobSourceError((s as { type: string }).type);
  const v: Record<string, JobValue> = {
    "source-account": s.accountName,
    "source-file-system": s.fileSystem,
    "source-path": s.path ?? "",
    "source-endpoint": s.endpoint ?? "",
    "source-auth": s.auth.method,
  };
  const a = s.auth;
  if (a.method === "key") v["source-account-key"] = a.accountKey;
  else if (a.method === "sas") v["source-sas-token"] = a.sasToken;
  else {
    v["source-tenant-id"] = a.tenantId;
    v["source-client-id"] = a.clientId;
    v["source-client-secret"] = a.clientSecret;
    if (a.authorityHost !== undefined) v["source-authority-host"] = a.authorityHost;
  }
  return v;
}

/**
 * Job parameter values from a validated config. Local paths (LOCAL runs) are made absolute against the config
 * file's directory, so the job finds them wherever spark-submit runs. A DATAFLOW config file is not passed: the
 * job finds the copy shipped in archive.zip (src/.oci/config) itself.
 */
export function jobValuesFromConfig(config: Lake2ociConfig, baseDir: string): Record<string, JobValue> {
  const s = config.source;
  const t = config.target;
  const local = t.profile === "LOCAL";
  const path = (p: string) => resolveLocalPath(p, baseDir, homedir());
  const v: Record<string, JobValue> = {
    "source-type": s.type,
    ...sourceValues(config, path),
    "target-bucket": t.bucket,
    "target-namespace": t.namespace ?? "",
    "target-region": t.region ?? "",
    "target-profile": t.profile,
    "target-config-file": local && t.configFile !== undefined ? path(t.configFile) : "",
    // Written out, resolved as `lake2oci plan` resolves it (store-settings.ts): DEFAULT unless the config says. A
    // DATAFLOW run without a config file signs as its resource principal; a config file in the archive is [DATAFLOW].
    "target-config-profile": !local && t.configFile === undefined ? (t.configProfile ?? "DATAFLOW") : ociConfigSection(config),
    "target-prefix": t.prefix ?? "",
    "target-endpoint": t.endpoint ?? "",
    include: config.filter?.include ?? [],
    exclude: config.filter?.exclude ?? [],
    compare: config.compare ?? "size-md5",
    mirror: config.mirror?.enabled ?? false,
    "max-deletions": config.mirror?.maxDeletions ?? 1000,
    "strict-names": config.strictNames ?? false,
  };
  // file: references resolve against the config file's directory; the job may run elsewhere.
  for (const p of JOB_PARAMETERS) {
    const value = v[p.name];
    if (p.secret && typeof value === "string" && value.startsWith("file:")) v[p.name] = `file:${path(value.slice(5))}`;
  }
  if ("path" in config.log) v["log-path"] = path(config.log.path);
  else {
    v["log-bucket"] = config.log.bucket;
    v["log-object"] = config.log.object;
  }
  return v;
}

/** The job file: the values that differ from the parameters' defaults, in the table's order. */
export function jobFile(values: Record<string, JobValue>): Record<string, JobValue> {
  const out: Record<string, JobValue> = {};
  for (const p of JOB_PARAMETERS) {
    const value = values[p.name];
    if (value === undefined) continue;
    if (JSON.stringify(value) === JSON.stringify(p.defaultValue)) continue;
    out[p.name] = value;
  }
  return out;
}
