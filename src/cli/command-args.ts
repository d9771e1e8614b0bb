// A subcommand's options, parsed the same way by every command: `--help`/`-h` prints its usage; an unknown option
// or a missing value is a CliError (exit 2) followed by the usage.
import { type ParseArgsConfig, parseArgs } from "node:util";
import { CliError } from "./cli-error.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;
const HELP = { help: { type: "boolean", short: "h" } } as const;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O & typeof HELP }>>;

/** The values of argv's options, or null when --help was asked for (the usage is printed then). */
export function commandArgs<O extends Options>(argv: string[], options: O, usage: string): Parsed<O>["values"] | null {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, ...HELP } });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${usage}`, { exitCode: 2 });
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    return null;
  }
  return parsed.values;
}
