// Totals of a plan, accumulated one entry at a time (O(1) state), and the mirror deletion guard checked at the end.
import type { MergeStep } from "./merge-step.ts";
import type { PreparedPlan } from "./plan-options.ts";
import type { PlanEntry, PlanError, PlanSummary, Tally } from "./plan-types.ts";
import type { IntakeKind } from "./source-intake.ts";

/** How many names of failed entries the summary table lists. */
export const FAILED_NAMES_LISTED = 20;

function zero(): Tally {
  return { files: 0, bytes: 0 };
}

/** All totals zero. */
export function emptySummary(): PlanSummary {
  return {
    new: zero(),
    update: zero(),
    equal: zero(),
    targetOnly: zero(),
    copy: zero(),
    hash: zero(),
    delete: zero(),
    failed: zero(),
    errors: 0,
    directories: 0,
    excluded: 0,
    outOfScope: 0,
  };
}

function add(tally: Tally, bytes: number): void {
  tally.files += 1;
  tally.bytes += bytes;
}

/** Counts one plan entry into `summary`. */
export function tallyEntry(summary: PlanSummary, entry: PlanEntry): void {
  if (entry.status === "target-only") {
    const size = entry.targetSize === null ? 0 : entry.targetSize;
    add(summary.targetOnly, size);
    if (entry.action === "delete") {
      add(summary.delete, size);
    }
    return;
  }
  const bytes = entry.sourceSize === null ? 0 : entry.sourceSize;
  if (entry.status === "new") {
    add(summary.new, bytes);
  } else if (entry.status === "update") {
    add(summary.update, bytes);
  } else {
    add(summary.equal, bytes);
  }
  if (entry.action === "copy") {
    add(summary.copy, bytes);
  } else if (entry.action === "hash") {
    add(summary.hash, bytes);
  } else if (entry.action === "fail") {
    add(summary.failed, bytes);
  }
}

/**
 * Adds the source names of `entries` with action fail to `names` while it holds fewer than FAILED_NAMES_LISTED: what
 * the summary table lists (call it on each batch of a streamed plan, or once on a whole one).
 */
export function collectFailedNames(names: string[], entries: PlanEntry[]): void {
  for (const entry of entries) {
    if (names.length >= FAILED_NAMES_LISTED) {
      return;
    }
    if (entry.action === "fail" && entry.sourceName !== null) {
      names.push(entry.sourceName);
    }
  }
}

/** Counts a plan error. */
export function tallyError(summary: PlanSummary): void {
  summary.errors += 1;
}

/** Counts what intake did with one source entry (files are counted later, by their plan entry). */
export function tallyIntake(summary: PlanSummary, kind: IntakeKind): void {
  if (kind === "directory") {
    summary.directories += 1;
  } else if (kind === "excluded") {
    summary.excluded += 1;
  }
}

/** Counts everything one merge step produced. */
export function tallyStep(summary: PlanSummary, step: MergeStep): void {
  if (step.entry !== null) {
    tallyEntry(summary, step.entry);
  }
  if (step.entries !== null) {
    for (const entry of step.entries) {
      tallyEntry(summary, entry);
    }
  }
  if (step.error !== null) {
    tallyError(summary);
  }
  if (step.outOfScope) {
    summary.outOfScope += 1;
  }
}

/**
 * With mirror on, a plan that would delete more than maxDeletions objects is invalid as a whole (never cut short):
 * the error to add at the end, or null. Call once every entry is tallied.
 */
export function deletionGuard(summary: PlanSummary, plan: PreparedPlan): PlanError | null {
  if (!plan.mirror || summary.delete.files <= plan.maxDeletions) {
    return null;
  }
  let objects = "objects";
  if (summary.delete.files === 1) {
    objects = "object";
  }
  return {
    kind: "too-many-deletions",
    names: [],
    message: `mirror would delete ${summary.delete.files} ${objects} (${summary.delete.bytes} B), more than maxDeletions ${plan.maxDeletions}; check the target prefix, then raise maxDeletions or turn mirror off`,
  };
}

function addTally(into: Tally, other: Tally): void {
  into.files += other.files;
  into.bytes += other.bytes;
}

/** Adds every total of `other` into `into`: the summaries of parts of a plan (Spark partitions) make the plan's. */
export function addSummary(into: PlanSummary, other: PlanSummary): void {
  addTally(into.new, other.new);
  addTally(into.update, other.update);
  addTally(into.equal, other.equal);
  addTally(into.targetOnly, other.targetOnly);
  addTally(into.copy, other.copy);
  addTally(into.hash, other.hash);
  addTally(into.delete, other.delete);
  addTally(into.failed, other.failed);
  into.errors += other.errors;
  into.directories += other.directories;
  into.excluded += other.excluded;
  into.outOfScope += other.outOfScope;
}
