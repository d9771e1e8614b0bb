// The lake2oci config: schema, types, validation, loading, secret references and defaults.

export type { ConfigError } from "./config-error.ts";
export * from "./defaults.ts";
export { formatConfigErrors } from "./format-config-errors.ts";
export { type LoadConfigResult, loadConfig } from "./load-config.ts";
export { resolveLocalPath } from "./local-path.ts";
export type { Infer } from "./schema-builder.ts";
export {
  type AdlsAuth,
  type CompareMode,
  type Lake2ociConfig,
  type LogDestination,
  lake2ociConfigSchema,
  ORIGINAL_PARAMETERS,
  type OciProfile,
  type SourceConfig,
  type TargetConfig,
} from "./schema.ts";
export { parseSecretRef, type SecretRef } from "./secret-ref.ts";
export { nodeSecretIo, resolveSecret, type SecretErrorCode, type SecretIo, SecretResolutionError } from "./secrets.ts";
export { type ValidateConfigResult, validateConfig } from "./validate-config.ts";
export { configJsonSchema } from "./config-json-schema.ts";
