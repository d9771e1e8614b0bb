// How a config's stores are reached, resolved once for every consumer: `lake2oci plan` opens its clients with it
// (src/stores/from-config.ts) and the job values use the same defaults (job-values.ts), so plan and job read the same
// OCI config file section, endpoints and paths. test/config/plan-job-agreement.test.ts compares both, field by field.
import { homedir } from "node:os";
import { DEFAULT_OCI_CONFIG_FILE, DEFAULT_OCI_CONFIG_PROFILE } from "./defaults.ts";
import { resolveLocalPath } from "./local-path.ts";
import type { Lake2ociConfig } from "./schema.ts";

/**
 * The section of the OCI config file that is read: target.configProfile, else DEFAULT (the OCI SDKs' default), except
 * for a DATAFLOW config that ships its config file in archive.zip, whose section is DATAFLOW (the original workflow's).
 */
export function ociConfigSection(config: Lake2ociConfig): string {
  const t = config.target;
  if (t.configProfile !== undefined) return t.configProfile;
  return t.profile === "DATAFLOW" && t.configFile !== undefined ? "DATAFLOW" : DEFAULT_OCI_CONFIG_PROFILE;
}

/** The OCI config file read on this machine (absolute): target.configFile, else ~/.oci/config. */
export function ociConfigFile(config: Lake2ociConfig, baseDir: string): string {
  return resolveLocalPath(config.target.configFile ?? DEFAULT_OCI_CONFIG_FILE, baseDir, homedir());
}

/** The ADLS endpoint: source.endpoint, else the account's DFS endpoint. */
export function adlsEndpoint(config: Lake2ociConfig): string {
  const s = config.source;
  if (s.type !== "adls") throw new Error(`adlsEndpoint: source.type is ${JSON.stringify(s.type)}, not "adls"`);
  return s.endpoint ?? `https://${s.accountName}.dfs.core.windows.net`;
}
