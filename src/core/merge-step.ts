// One step of the streaming diff: given the next source group and the next target object, the verdict for whichever
// comes first by name. The caller keeps the two heads and advances them as told; the step holds no state, so the
// same function drives an in-memory merge (diff-listings.ts) and the planner's merge over spilled runs.
//
// With strictNames off, a name that cannot become an object (a source carrying its `problem`, see source-intake.ts)
// and a collision group give entries with action `fail` (one per source) instead of plan errors.
//
// `group` holds every remaining source with the smallest object name (usually one; more is a collision), in source
// name order, or is empty when the sources are exhausted. `target` is the next object of the target listing (sorted
// by compareNames, as OCI lists), or null when exhausted.
import { compareNames } from "./compare-names.ts";
import { judgeFile, knownMd5 } from "./judge-file.ts";
import { filterSelects } from "./name-filter.ts";
import { relativeToPrefix } from "./name-mapping.ts";
import { quoteName } from "./quote-name.ts";
import type { PreparedPlan } from "./plan-options.ts";
import { makePlanEntry } from "./plan-entry.ts";
import type { MappedSource, PlanEntry, PlanError, TargetEntry } from "./plan-types.ts";

export interface MergeStep {
  entry: PlanEntry | null;
  /** Several entries at once (a group of sources failed together, strictNames off), or null; `entry` is null then. */
  entries: PlanEntry[] | null;
  error: PlanError | null;
  /** The whole group is consumed. */
  takeSources: boolean;
  /** The target head is consumed. */
  takeTarget: boolean;
  /** The consumed target is outside the migration (not under the prefix, the prefix's folder marker object, or
   * filtered out): no entry. */
  outOfScope: boolean;
}

function step(entry: PlanEntry | null, error: PlanError | null, takeSources: boolean, takeTarget: boolean): MergeStep {
  return { entry: entry, entries: null, error: error, takeSources: takeSources, takeTarget: takeTarget, outOfScope: false };
}

function targetOnly(target: TargetEntry, plan: PreparedPlan): PlanEntry {
  const md5 = knownMd5(target.md5);
  if (plan.mirror) {
    return makePlanEntry(null, null, "", "", target.name, target.size, md5, "target-only", "delete", "absent", "not in the source; deleted (mirror is on)");
  }
  return makePlanEntry(null, null, "", "", target.name, target.size, md5, "target-only", "keep", "absent", "not in the source; kept (mirror is off)");
}

function collision(group: MappedSource[], targetExists: boolean): PlanError {
  const names: string[] = [];
  const quoted: string[] = [];
  for (const source of group) {
    names.push(source.sourceName);
    quoted.push(quoteName(source.sourceName));
  }
  const kept = targetExists ? "; the existing object is left as it is" : "";
  return {
    kind: "collision",
    names: names,
    message: `${group.length} source files map to the object name ${quoteName(group[0].targetName)} (${quoted.join(", ")}); none of them is copied${kept}`,
  };
}

/** One entry with action fail: the source cannot be copied to its object name, for `reason`. */
function failEntry(source: MappedSource, target: TargetEntry | null, reason: string): PlanEntry {
  if (target === null) {
    return makePlanEntry(source.sourceName, source.size, source.md5, source.version, source.targetName, null, "", "new", "fail", "absent", reason);
  }
  return makePlanEntry(source.sourceName, source.size, source.md5, source.version, source.targetName, target.size, knownMd5(target.md5), "update", "fail", "absent", reason);
}

/** The problem a source carries (strictNames off), or "". */
function problemOf(source: MappedSource): string {
  const problem = source.problem;
  if (problem === undefined || problem === null) {
    return "";
  }
  return problem;
}

/** A total order of sources with the same object name (source name, then size, md5, version), so that a failed
 * group's entries come out the same whatever order sorting left ties in (the planner's sort is not stable). */
function sourceOrder(a: MappedSource, b: MappedSource): number {
  const byName = compareNames(a.sourceName, b.sourceName);
  if (byName !== 0) {
    return byName;
  }
  if (a.size !== b.size) {
    return a.size < b.size ? -1 : 1;
  }
  if (a.md5 !== b.md5) {
    return a.md5 < b.md5 ? -1 : 1;
  }
  if (a.version !== b.version) {
    return a.version < b.version ? -1 : 1;
  }
  return 0;
}

/** The step for a group whose sources all fail (a name that cannot be an object, or a collision; strictNames off). */
function failedGroup(group: MappedSource[], target: TargetEntry | null, collisionMessage: string): MergeStep {
  // Insertion sort: groups are small, and the core sorts without Array.prototype.sort.
  const ordered: MappedSource[] = [];
  for (const source of group) {
    ordered.push(source);
    let at = ordered.length - 1;
    while (at > 0 && sourceOrder(ordered[at - 1], source) > 0) {
      ordered[at] = ordered[at - 1];
      at -= 1;
    }
    ordered[at] = source;
  }
  const entries: PlanEntry[] = [];
  for (const source of ordered) {
    const problem = problemOf(source);
    entries.push(failEntry(source, target, problem !== "" ? problem : collisionMessage));
  }
  return { entry: null, entries: entries, error: null, takeSources: true, takeTarget: target !== null, outOfScope: false };
}

function sourceEntry(source: MappedSource, target: TargetEntry | null, plan: PreparedPlan): PlanEntry {
  const problem = problemOf(source);
  if (problem !== "") {
    return failEntry(source, target, problem);
  }
  if (target === null) {
    return makePlanEntry(source.sourceName, source.size, source.md5, source.version, source.targetName, null, "", "new", "copy", "absent", "no object of that name in the target");
  }
  const verdict = judgeFile(source, target, plan.compare);
  return makePlanEntry(
    source.sourceName,
    source.size,
    source.md5,
    source.version,
    source.targetName,
    target.size,
    knownMd5(target.md5),
    verdict.status,
    verdict.action,
    verdict.evidence,
    verdict.reason,
  );
}

/** The next verdict; when both sides are exhausted it consumes nothing and the merge is over. */
export function mergeStep(group: MappedSource[], target: TargetEntry | null, plan: PreparedPlan): MergeStep {
  if (target !== null) {
    const order = group.length === 0 ? -1 : compareNames(target.name, group[0].targetName);
    if (order < 0) {
      const relative = relativeToPrefix(plan.prefix, target.name);
      // Out of scope: not under the prefix, the prefix's own folder marker ("backup/"), or filtered out.
      if (relative === null || relative === "" || (plan.filtering && !filterSelects(plan.filter, relative))) {
        return { entry: null, entries: null, error: null, takeSources: false, takeTarget: true, outOfScope: true };
      }
      return step(targetOnly(target, plan), null, false, true);
    }
    if (order === 0) {
      if (group.length > 1) {
        const error = collision(group, true);
        if (!plan.strictNames) {
          return failedGroup(group, target, error.message);
        }
        return step(null, error, true, true);
      }
      return step(sourceEntry(group[0], target, plan), null, true, true);
    }
  }
  if (group.length === 0) {
    return step(null, null, false, false);
  }
  if (group.length > 1) {
    const error = collision(group, false);
    if (!plan.strictNames) {
      return failedGroup(group, null, error.message);
    }
    return step(null, error, true, false);
  }
  return step(sourceEntry(group[0], null, plan), null, true, false);
}
