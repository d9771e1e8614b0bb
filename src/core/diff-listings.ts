// The whole diff over two in-memory listings: the reference the test vectors pin down, and what small inputs use.
// The planner's engine (src/planner) produces the same entries, errors and summary from streams of any size.
//
// Sources may come in any order. Targets must come strictly sorted by name, as OCI lists them (target-order.ts);
// otherwise, and when the options are invalid, the result is those errors alone, with no entries.
import { mergeStep } from "./merge-step.ts";
import { preparePlan } from "./plan-options.ts";
import { deletionGuard, emptySummary, tallyError, tallyIntake, tallyStep } from "./plan-summary.ts";
import type { MappedSource, PlanEntry, PlanError, PlanOptions, PlanSummary, SourceEntry, TargetEntry } from "./plan-types.ts";
import { sortSources } from "./sort-sources.ts";
import { intakeSource } from "./source-intake.ts";
import { targetOrderProblem } from "./target-order.ts";

export interface DiffResult {
  /** In object name order (a failed collision group: its sources in source name order). */
  entries: PlanEntry[];
  /** Either invalid-options errors alone, or one invalid-listing error alone, or: invalid-name in source listing
   * order, then collisions in name order, then too-many-deletions. */
  errors: PlanError[];
  summary: PlanSummary;
}

/** Diffs a source listing against a target listing under `options`. */
export function diffListings(sources: SourceEntry[], targets: TargetEntry[], options: PlanOptions): DiffResult {
  const summary = emptySummary();
  const entries: PlanEntry[] = [];
  const errors: PlanError[] = [];
  const prepared = preparePlan(options);
  if (prepared.errors.length > 0) {
    for (const error of prepared.errors) {
      errors.push(error);
      tallyError(summary);
    }
    return { entries: entries, errors: errors, summary: summary };
  }
  const plan = prepared.plan;
  let previous: string | null = null;
  for (const target of targets) {
    const problem = targetOrderProblem(previous, target.name);
    if (problem !== null) {
      errors.push({ kind: "invalid-listing", names: [target.name], message: problem });
      tallyError(summary);
      return { entries: entries, errors: errors, summary: summary };
    }
    previous = target.name;
  }
  const mapped: MappedSource[] = [];
  for (const source of sources) {
    const intake = intakeSource(source, plan);
    tallyIntake(summary, intake.kind);
    if (intake.error !== null) {
      errors.push(intake.error);
      tallyError(summary);
    }
    if (intake.source !== null) {
      mapped.push(intake.source);
    }
  }
  const sorted = sortSources(mapped);
  let s = 0;
  let t = 0;
  let group: MappedSource[] = [];
  while (true) {
    if (group.length === 0 && s < sorted.length) {
      group.push(sorted[s]);
      s += 1;
      while (s < sorted.length && sorted[s].targetName === group[0].targetName) {
        group.push(sorted[s]);
        s += 1;
      }
    }
    const target = t < targets.length ? targets[t] : null;
    const next = mergeStep(group, target, plan);
    if (!next.takeSources && !next.takeTarget) {
      break;
    }
    tallyStep(summary, next);
    if (next.entry !== null) {
      entries.push(next.entry);
    }
    if (next.entries !== null) {
      for (const entry of next.entries) {
        entries.push(entry);
      }
    }
    if (next.error !== null) {
      errors.push(next.error);
    }
    if (next.takeSources) {
      group = [];
    }
    if (next.takeTarget) {
      t += 1;
    }
  }
  const guard = deletionGuard(summary, plan);
  if (guard !== null) {
    errors.push(guard);
    tallyError(summary);
  }
  return { entries: entries, errors: errors, summary: summary };
}
