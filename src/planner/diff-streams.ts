// The planner engine: the core diff (src/core) driven over two listings of any size, producing the plan as a stream
// of batches with bounded memory.
//
// - Sources come in any order (an ADLS listing is not sorted by object name). Each entry goes through the core's
//   intake (directories skipped, include/exclude, name mapping, name check); selected files are sorted by object
//   name in memory up to `runSize`, beyond that in sorted runs on disk merged k ways (source-sorter.ts).
// - Targets are streamed page by page and must come strictly sorted by name in code point order, as OCI lists them.
//   A listing out of order (or naming an object twice) cannot be planned from without holding it all, so the engine
//   stops with a TargetListingError instead of sorting it.
// - Entries come out in object name order; plan errors in the order the reference diff (diff-listings.ts) gives:
//   invalid names in source listing order, then collisions in name order, then the mirror deletion guard. Given the
//   same inputs the engine yields exactly the entries, errors and summary of diffListings.
// - Without strictNames, sources whose object name cannot be an object (source-intake.ts, kind "failed") stay out of
//   the byte sort (their names may hold what run files cannot: NUL, line breaks, unpaired surrogates): they are held
//   in memory, sorted with the core's sortSources and merged in by object name (no valid name equals an invalid one,
//   so they never share a group with a valid source).
// Memory: the sort buffer (`runSize` sources), the failed sources, one target page, and one batch of output. Temporary run files are
// removed when the stream ends, fails, or is abandoned (the generator's finally).
import { compareNames } from "../core/compare-names.ts";
import { mergeStep } from "../core/merge-step.ts";
import { preparePlan } from "../core/plan-options.ts";
import { deletionGuard, emptySummary, tallyError, tallyIntake, tallyStep } from "../core/plan-summary.ts";
import type {
  MappedSource,
  PlanEntry,
  PlanError,
  PlanOptions,
  PlanSummary,
  SourceEntry,
  TargetEntry,
} from "../core/plan-types.ts";
import { sortSources } from "../core/sort-sources.ts";
import { intakeSource } from "../core/source-intake.ts";
import { targetOrderProblem } from "../core/target-order.ts";
import { DEFAULT_SORTER_TUNING, type SorterTuning, SourceSorter, nextSource } from "./source-sorter.ts";

/** The target listing broke the order the diff relies on. Not retryable: the lister (or the store) is wrong. */
export class TargetListingError extends Error {
  override name = "TargetListingError";
}

export interface EngineTuning extends Partial<SorterTuning> {
  /** Entries per yielded batch (default 1,024: small batches die young, before the garbage collector copies them). */
  batchSize?: number;
}

export interface EngineStats {
  sourceEntries: number;
  targetEntries: number;
  /** Sorted runs written to disk (0 when the sources fit in memory). */
  spilledRuns: number;
  /** Wall time reading and sorting the sources (including spills and the time the source listing takes). */
  sourcePhaseMs: number;
  /** Wall time of the final in-memory sort and the merge set-up. */
  sortMs: number;
  /** Wall time merging with the targets (including the time the target listing and the consumer take). */
  mergeMs: number;
}

/** A slice of the plan. Only the last batch carries `summary` and `stats`. */
export interface PlanBatch {
  entries: PlanEntry[];
  errors: PlanError[];
  summary: PlanSummary | null;
  stats: EngineStats | null;
}

function lookaheadPlaceholder(): MappedSource {
  return { sourceName: "", targetName: "", size: 0, md5: "", version: "" };
}

/** Diffs a source listing against a target listing; see the file comment for the contract. */
export async function* diffStreams(
  sources: AsyncIterable<SourceEntry[]>,
  targets: AsyncIterable<TargetEntry[]>,
  options: PlanOptions,
  tuning: EngineTuning = {},
): AsyncGenerator<PlanBatch> {
  const batchSize = tuning.batchSize ?? 1024;
  const stats: EngineStats = { sourceEntries: 0, targetEntries: 0, spilledRuns: 0, sourcePhaseMs: 0, sortMs: 0, mergeMs: 0 };
  const started = performance.now();
  const summary = emptySummary();
  const prepared = preparePlan(options);
  if (prepared.errors.length > 0) {
    for (const _ of prepared.errors) tallyError(summary);
    yield { entries: [], errors: prepared.errors, summary, stats };
    return;
  }
  const plan = prepared.plan;
  const sorter = new SourceSorter(plan.prefix, {
    runSize: tuning.runSize ?? DEFAULT_SORTER_TUNING.runSize,
    tempDir: tuning.tempDir ?? DEFAULT_SORTER_TUNING.tempDir,
    maxOpenRuns: tuning.maxOpenRuns ?? DEFAULT_SORTER_TUNING.maxOpenRuns,
  });
  const targetPages = targets[Symbol.asyncIterator]();
  try {
    let errors: PlanError[] = [];
    const failing: MappedSource[] = [];
    for await (const page of sources) {
      stats.sourceEntries += page.length;
      for (const entry of page) {
        const intake = intakeSource(entry, plan);
        if (intake.source !== null) {
          if (intake.kind === "failed") failing.push(intake.source);
          else if (sorter.add(intake.source)) await sorter.spill();
          continue;
        }
        tallyIntake(summary, intake.kind);
        if (intake.error !== null) {
          errors.push(intake.error);
          tallyError(summary);
        }
      }
      if (errors.length >= batchSize) {
        yield { entries: [], errors, summary: null, stats: null };
        errors = [];
      }
    }
    const sortStarted = performance.now();
    stats.sourcePhaseMs = sortStarted - started;
    const sorted = await sorter.finish();
    const failed = sortSources(failing);
    let nextFailed = 0;
    stats.spilledRuns = sorter.spilledRuns;
    const mergeStarted = performance.now();
    stats.sortMs = mergeStarted - sortStarted;

    let page: TargetEntry[] = [];
    let at = 0;
    let previous: string | null = null;
    const pullPage = async (): Promise<TargetEntry | null> => {
      for (;;) {
        const next = await targetPages.next();
        if (next.done) return null;
        if (next.value.length > 0) {
          page = next.value;
          at = 0;
          stats.targetEntries += page.length;
          return page[0];
        }
      }
    };
    const checked = (target: TargetEntry | null): TargetEntry | null => {
      if (target === null) return null;
      const problem = targetOrderProblem(previous, target.name);
      if (problem !== null) throw new TargetListingError(`planner: ${problem}`);
      previous = target.name;
      return target;
    };

    let target = checked(await pullPage());
    let entries: PlanEntry[] = [];
    // The group of sources with the next object name: NONE (sources exhausted or consumed), the reused one-element
    // array (the usual case), or a fresh array for a collision.
    const NONE: MappedSource[] = [];
    const single: MappedSource[] = [lookaheadPlaceholder()];
    let group = NONE;
    let lookahead = await nextSource(sorted);
    for (;;) {
      if (
        group === NONE &&
        nextFailed < failed.length &&
        (lookahead === null || compareNames(failed[nextFailed].targetName, lookahead.targetName) < 0)
      ) {
        const name = failed[nextFailed].targetName;
        group = [];
        while (nextFailed < failed.length && failed[nextFailed].targetName === name) group.push(failed[nextFailed++]);
      }
      if (group === NONE && lookahead !== null) {
        const first: MappedSource = lookahead;
        for (;;) {
          const following = sorted.next();
          if (following === undefined) {
            await sorted.fill();
            continue;
          }
          if (following !== null && following.targetName === first.targetName) {
            if (group === NONE) group = [first];
            group.push(following);
            continue;
          }
          lookahead = following;
          break;
        }
        if (group === NONE) {
          single[0] = first;
          group = single;
        }
      }
      const step = mergeStep(group, target, plan);
      if (!step.takeSources && !step.takeTarget) break;
      tallyStep(summary, step);
      if (step.entry !== null) entries.push(step.entry);
      if (step.entries !== null) for (const e of step.entries) entries.push(e);
      if (step.error !== null) errors.push(step.error);
      if (step.takeSources) group = NONE;
      if (step.takeTarget) {
        at++;
        target = checked(at < page.length ? page[at] : await pullPage());
      }
      if (entries.length >= batchSize) {
        yield { entries, errors, summary: null, stats: null };
        entries = [];
        errors = [];
      }
    }
    const guard = deletionGuard(summary, plan);
    if (guard !== null) {
      errors.push(guard);
      tallyError(summary);
    }
    stats.mergeMs = performance.now() - mergeStarted;
    yield { entries, errors, summary, stats };
  } finally {
    await targetPages.return?.();
    await sorter.dispose();
  }
}
