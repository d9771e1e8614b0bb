// `plan` as a library: config -> stores -> streamed diff -> plan file. The CLI (src/cli/commands/plan.ts) adds
// progress and printing; tests call this directly.
import type { Lake2ociConfig } from "../config/index.ts";
import type { PlanOptions, PlanSummary, SourceEntry, TargetEntry } from "../core/plan-types.ts";
import { preparePlan } from "../core/plan-options.ts";
import { openSource, openTarget, sourceListPrefix, sourceMeta } from "../stores/from-config.ts";
import { classifyOciError } from "../stores/oci/oci-errors.ts";
import type { StoreEntry } from "../stores/store.ts";
import { type EngineStats, type EngineTuning, diffStreams } from "./diff-streams.ts";
import { type StateStats, describeStateLocation, readState, stateJoin, stateLocationFor } from "./equality-state.ts";
import { writePlan } from "./plan-file.ts";

export interface ListingProgress {
  side: "source" | "target";
  entries: number;
  done: boolean;
}

export interface PlanFromConfigResult {
  summary: PlanSummary;
  stats: EngineStats | null;
  source: string;
  target: string;
  namespace: string;
  /** The equality state: where it is, and whether it was read or rebuilt (HEAD requests). */
  state: StateStats & { where: string };
}

export function planOptionsFromConfig(config: Lake2ociConfig): PlanOptions {
  return {
    targetPrefix: config.target.prefix ?? "",
    include: config.filter?.include ?? [],
    exclude: config.filter?.exclude ?? [],
    compare: config.compare ?? "size-md5",
    mirror: config.mirror?.enabled ?? false,
    maxDeletions: config.mirror?.maxDeletions ?? 1000,
    strictNames: config.strictNames ?? false,
  };
}

async function* counted<T>(
  pages: AsyncIterable<StoreEntry[]>,
  map: (e: StoreEntry) => T,
  side: ListingProgress["side"],
  onProgress?: (p: ListingProgress) => void,
): AsyncIterable<T[]> {
  let entries = 0;
  for await (const page of pages) {
    entries += page.length;
    onProgress?.({ side, entries, done: false });
    yield page.map(map);
  }
  onProgress?.({ side, entries, done: true });
}

/** Lists both sides of `config`, diffs them and writes the plan to `out`. Throws StoreErrors for store problems. */
export async function planFromConfig(
  config: Lake2ociConfig,
  baseDir: string,
  out: string,
  options: {
    onProgress?: (p: ListingProgress) => void;
    tuning?: EngineTuning;
    meta?: Record<string, unknown>;
    /** Warning lines (a missing equality state); default: standard error. */
    onWarning?: (line: string) => void;
  } = {},
): Promise<PlanFromConfigResult> {
  const planOptions = planOptionsFromConfig(config);
  const source = await openSource(config, baseDir);
  const target = await openTarget(config, baseDir);
  // A missing bucket or refused credentials are found before the source is listed (one request; the job's preflight
  // makes the same check), not after a listing that may take hours.
  try {
    await target.client.getBucket({ namespaceName: target.namespace, bucketName: config.target.bucket });
  } catch (err) {
    throw classifyOciError(err, target.lister.description);
  }
  const prefix = preparePlan(planOptions).plan.prefix;
  // The equality state beside the log (C2): read in bulk, or rebuilt by HEAD requests when missing.
  const warn = options.onWarning ?? ((line: string) => process.stderr.write(`${line}\n`));
  const location = stateLocationFor(config, baseDir, target.namespace, prefix);
  const where = describeStateLocation(location);
  const targetKey = { namespace: target.namespace, bucket: config.target.bucket, prefix };
  const state = await readState(location, target.client, targetKey, warn);
  const join = stateJoin(state, { where, client: target.client, ...targetKey, warn });
  const sources = counted<SourceEntry>(
    source.listPages({ prefix: sourceListPrefix(config) }),
    (e) => ({ name: e.name, size: e.size, md5: e.md5 ?? null, version: e.version ?? null, isDirectory: e.isDirectory }),
    "source",
    options.onProgress,
  );
  const targets = counted<TargetEntry>(
    target.lister.listPages({ prefix }),
    (e) => ({ name: e.name, size: e.size, md5: e.md5 ?? null }),
    "target",
    options.onProgress,
  );
  let stats: EngineStats | null = null;
  const batches = (async function* () {
    for await (const b of diffStreams(join.sources(sources), join.targets(targets), planOptions, options.tuning)) {
      if (b.stats !== null) stats = b.stats;
      yield b;
    }
  })();
  const summary = await writePlan(out, batches, {
    options: planOptions,
    // The plan header's meta (contract C3): what the job checks a plan against before it applies it (--plan).
    meta: {
      source: sourceMeta(config, baseDir),
      target: { namespace: target.namespace, bucket: config.target.bucket, prefix },
      createdBy: "lake2oci plan",
      ...options.meta,
    },
  });
  return {
    summary,
    stats,
    source: source.description,
    target: target.lister.description,
    namespace: target.namespace,
    state: { ...join.stats, where },
  };
}
