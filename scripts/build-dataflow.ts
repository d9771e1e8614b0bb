// `npm run build:dataflow [-- --config FILE] [options]`: `lake2oci build` with the documented sample config
// (examples/azure-to-oci-dataflow.json) when no --config is given. Writes dist/app.py, dist/archive.zip and
// dist/dataflow-application.json; see docs/dataflow.md. `--help` lists the options.
import { join } from "node:path";
import { CliError } from "../src/cli/cli-error.ts";
import { run } from "../src/cli/commands/build.ts";
import { findRepoRoot } from "../src/packaging/repo-root.ts";

const sample = join(findRepoRoot(), "examples", "azure-to-oci-dataflow.json");
try {
  process.exitCode = await run(process.argv.slice(2), { config: sample });
} catch (err) {
  if (!(err instanceof CliError)) throw err;
  console.error(`build:dataflow: ${err.message}`);
  process.exitCode = err.exitCode;
}
