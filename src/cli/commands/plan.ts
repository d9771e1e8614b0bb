// `lake2oci plan --config FILE [--out FILE] [--json]`: lists the source and the target, diffs them and writes the
// plan (JSON lines: a header with totals, one line per file, then the plan errors). Progress on stderr while listing,
// the summary at the end. Exit 0 for a valid plan, 1 with the plan errors listed otherwise, 2 for a bad config or a
// store problem (one line, the job's words: src/core/store-problem.ts).
import { resolve } from "node:path";
import { formatConfigErrors, loadConfig } from "../../config/index.ts";
import { collectFailedNames, FAILED_NAMES_LISTED } from "../../core/plan-summary.ts";
import { formatSummaryTable } from "../../core/summary-table.ts";
import { readPlan } from "../../planner/plan-file.ts";
import { type ListingProgress, planFromConfig } from "../../planner/plan-from-config.ts";
import { StoreAuthError, StoreError, StoreNotFoundError, StoreUnreachableError } from "../../stores/errors.ts";
import { CliError } from "../cli-error.ts";
import { commandArgs } from "../command-args.ts";
import { storeProblemLine } from "../store-problem-line.ts";

const help = `usage: lake2oci plan --config FILE [--out FILE] [--json]

Lists the source (ADLS Gen2) and the target (OCI bucket), compares them file by file, and writes the plan.

  --config FILE   the lake2oci config (see src/config/README.md)
  --out FILE      where to write the plan (default: lake2oci-plan.jsonl in the current directory)
  --json          print the plan header (totals, validity) as JSON on stdout instead of the table
  --debug         show stack traces`;

const MAX_ERRORS_SHOWN = 50;

function progressPrinter(): { update(p: ListingProgress): void; end(): void } {
  const tty = process.stderr.isTTY === true;
  const started = performance.now();
  const counts = { source: 0, target: 0 };
  const done = { source: false, target: false };
  let last = 0;
  const line = () => {
    const secs = (performance.now() - started) / 1000;
    const rate = Math.round((counts.source + counts.target) / Math.max(secs, 0.001));
    return `listing: source ${counts.source.toLocaleString("en-US")}${done.source ? " (done)" : ""}, target ${counts.target.toLocaleString("en-US")}${done.target ? " (done)" : ""} entries, ${rate.toLocaleString("en-US")} entries/s, ${secs.toFixed(1)} s`;
  };
  return {
    update(p) {
      counts[p.side] = p.entries;
      done[p.side] = p.done;
      const now = performance.now();
      if (now - last < (tty ? 250 : 5000) && !p.done) return;
      last = now;
      process.stderr.write(tty ? `\r${line()}\x1b[K` : `${line()}\n`);
    },
    end() {
      process.stderr.write(tty ? `\r${line()}\x1b[K\n` : `${line()}\n`);
    },
  };
}

export async function run(argv: string[]): Promise<number> {
  const values = commandArgs(
    argv,
    {
      config: { type: "string", short: "c" },
      out: { type: "string", short: "o" },
      json: { type: "boolean" },
    },
    help,
  );
  if (values === null) return 0;
  if (values.config === undefined) throw new CliError(`--config FILE is required\n\n${help}`, { exitCode: 2 });
  const loaded = await loadConfig(values.config);
  for (const w of loaded.warnings) console.error(`warning: ${formatConfigErrors([w])}`);
  if (!loaded.ok) {
    console.error(`lake2oci plan: ${values.config} is not a valid config:\n${formatConfigErrors(loaded.errors)}`);
    return 2;
  }
  const out = resolve(values.out ?? "lake2oci-plan.jsonl");
  const progress = progressPrinter();
  let result: Awaited<ReturnType<typeof planFromConfig>>;
  try {
    result = await planFromConfig(loaded.config, loaded.baseDir, out, { onProgress: (p) => progress.update(p) });
  } catch (err) {
    progress.end();
    // A missing bucket, file system or path, an unreachable endpoint, refused credentials: the job's line, exit 2.
    const line = await storeProblemLine(err, loaded.config);
    if (line !== null) throw new CliError(line, { exitCode: 2, cause: err, whole: true });
    // The other sources' listers word their problems themselves (src/stores/<name>/): still a store problem, exit 2.
    const problem = err instanceof StoreAuthError || err instanceof StoreNotFoundError || err instanceof StoreUnreachableError;
    if (problem && loaded.config.source.type !== "adls") throw new CliError(err.message, { exitCode: 2, cause: err });
    if (err instanceof StoreError) throw new CliError(err.message, { cause: err });
    throw err;
  }
  progress.end();
  const plan = await readPlan(out);
  if (values.json) console.log(JSON.stringify(plan.header));
  else {
    console.log(`plan: ${out}`);
    console.log(`from ${result.source}\nto   ${result.target}\n`);
    // Names that cannot become objects are listed under the table (the first few, read back from the plan).
    const failed: string[] = [];
    if (result.summary.failed.files > 0) {
      for await (const r of plan.records()) {
        if (r.entry !== undefined && r.entry.action === "fail") collectFailedNames(failed, [r.entry]);
        if (failed.length >= result.summary.failed.files || failed.length >= FAILED_NAMES_LISTED) break;
      }
    }
    console.log(formatSummaryTable(result.summary, failed));
  }
  if (plan.header.valid) return 0;
  let shown = 0;
  for await (const r of plan.records()) {
    if (r.error === undefined) continue;
    if (shown++ < MAX_ERRORS_SHOWN) console.error(`plan error (${r.error.kind}): ${r.error.message}`);
  }
  if (shown > MAX_ERRORS_SHOWN) console.error(`… and ${shown - MAX_ERRORS_SHOWN} more plan errors (all in ${out})`);
  return 1;
}
