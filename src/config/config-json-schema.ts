import type { JsonSchema } from "./schema-builder.ts";
import { lake2ociConfigSchema } from "./schema.ts";

/** The command that regenerates the committed JSON Schema file. */
export const CONFIG_SCHEMA_REGENERATE = "npx tsx scripts/gen-config-schema.ts";

/** The JSON Schema (draft 2020-12) of a config file, as committed in src/config/lake2oci.schema.json. */
export function configJsonSchema(): JsonSchema {
  return {
    $comment: `Generated from src/config/schema.ts by scripts/gen-config-schema.ts; do not edit. Regenerate with: ${CONFIG_SCHEMA_REGENERATE}`,
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "lake2oci config",
    ...lake2ociConfigSchema.toJsonSchema(),
  };
}
