import type { ConfigError } from "./config-error.ts";

/** One line per problem, in the order found: `<field>: <problem>. <Fix>` (the fix's first letter capitalised). */
export function formatConfigErrors(errors: readonly ConfigError[]): string {
  return errors.map((e) => `${e.field}: ${e.problem}. ${e.fix.charAt(0).toUpperCase()}${e.fix.slice(1)}`).join("\n");
}
