import type { ConfigError } from "./config-error.ts";
import { formatPath, INVALID, type Issue, ParseContext } from "./schema-builder.ts";
import { type Lake2ociConfig, lake2ociConfigSchema } from "./schema.ts";

export type ValidateConfigResult =
  | { ok: true; config: Lake2ociConfig; warnings: ConfigError[] }
  | { ok: false; errors: ConfigError[]; warnings: ConfigError[] };

/**
 * Checks parsed JSON against the config schema and applies the defaults. Every problem is reported, not only the
 * first; warnings (e.g. an API key shipped to Data Flow) do not refuse the config. Pure: no I/O.
 */
export function validateConfig(json: unknown): ValidateConfigResult {
  const ctx = new ParseContext();
  const value = lake2ociConfigSchema.parse(json, [], ctx);
  const warnings = ctx.warnings.map(toConfigError);
  if (ctx.issues.length > 0 || value === INVALID) {
    return { ok: false, errors: ctx.issues.map(toConfigError), warnings };
  }
  return { ok: true, config: value, warnings };
}

function toConfigError(issue: Issue): ConfigError {
  return { field: formatPath(issue.path), problem: issue.problem, fix: issue.fix };
}
