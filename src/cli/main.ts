#!/usr/bin/env node
// The `lake2oci` command. Each subcommand lives in src/cli/commands/<name>.ts and exports `run(argv)`, returning the
// process exit code. Errors reach the user as one line; `--debug` (or LAKE2OCI_DEBUG=1) adds the stack trace.
import { CliError } from "./cli-error.ts";
import { JobSourceError } from "../config/job-values.ts";
import { run as build } from "./commands/build.ts";
import { run as deploy } from "./commands/deploy.ts";
import { run as emulators } from "./commands/emulators.ts";
import { run as plan } from "./commands/plan.ts";
import { run as runJob } from "./commands/run.ts";

type Command = { summary: string; run: (argv: string[], options: { debug: boolean }) => Promise<number> };

const commands: Record<string, Command> = {
  build: {
    summary: "write the job file for a config; for DATAFLOW also dist/app.py, dist/archive.zip and the application settings",
    run: (argv) => build(argv),
  },
  deploy: {
    summary: "upload dist/app.py and dist/archive.zip to the dataflow bucket (unchanged files are skipped)",
    run: deploy,
  },
  emulators: {
    summary: "start the local cloud (OCI Object Storage emulator, Azurite + DFS gateway) in the foreground",
    run: emulators,
  },
  plan: {
    summary: "list the source and the target, diff them, and write the plan (what will be copied, and why)",
    run: plan,
  },
  run: {
    summary: "run the Spark job (dist/app.py) for a config under the project's spark-submit, and say where its log is",
    run: (argv, options) => runJob(argv, options),
  },
};

function usage(): string {
  const lines = ["usage: lake2oci <command> [options]", "", "commands:"];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(12)}${c.summary}`);
  lines.push("", "`lake2oci <command> --help` describes a command's options.");
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    console.error(`lake2oci: unknown command '${name}'.\n\n${usage()}`);
    return 2;
  }
  const debug = rest.includes("--debug") || process.env.LAKE2OCI_DEBUG === "1";
  try {
    return await command.run(
      rest.filter((a) => a !== "--debug"),
      { debug },
    );
  } catch (err) {
    if (err instanceof JobSourceError) {
      console.error(`lake2oci ${name}: ${err.message}`);
      return 2;
    }
    if (err instanceof CliError) {
      console.error(err.whole ? err.message : `lake2oci ${name}: ${err.message}`);
      if (debug && err.cause) console.error(err.cause);
      return err.exitCode;
    }
    console.error(`lake2oci ${name}: ${err instanceof Error ? err.message : String(err)}`);
    if (debug) console.error(err);
    else console.error("(run again with --debug for the stack trace)");
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
