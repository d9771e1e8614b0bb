// One step of the streaming diff: given the next source group and the next target object, the verdict for whichever
// comes first by name. The caller keeps the two heads and advances them as told; the step holds no state, so the
// same function drives an in-memory merge (diff-listings.ts) and the planner's merge over spilled runs.
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
import type { Action, MappedSource, PlanEntry, PlanError, TargetEntry } from "./plan-types.ts";

export interface MergeStep {
  entry: PlanEntry | null;
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
  return { entry: entry, error: error, takeSources: takeSources, takeTarget: takeTarget, outOfScope: false };
}

function targetOnly(target: TargetEntry, plan: PreparedPlan): PlanEntry {
  const md5 = knownMd5(target.md5);
  if (plan.mirror) {
    return makePlanEntry(null, null, "", target.name, target.size, md5, "target-only", "delete", "not in the source; deleted (mirror is on)");
  }
  return makePlanEntry(null, null, "", target.name, target.size, md5, "target-only", "keep", "not in the source; kept (mirror is off)");
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

function sourceEntry(source: MappedSource, target: TargetEntry | null, plan: PreparedPlan): PlanEntry {
  if (target === null) {
    return makePlanEntry(source.sourceName, source.size, source.md5, source.targetName, null, "", "new", "copy", "no object of that name in the target");
  }
  const verdict = judgeFile(source, target, plan.compare);
  let action: Action = "copy";
  if (verdict.status === "equal") {
    action = "skip";
  }
  return makePlanEntry(source.sourceName, source.size, source.md5, source.targetName, target.size, knownMd5(target.md5), verdict.status, action, verdict.reason);
}

/** The next verdict; when both sides are exhausted it consumes nothing and the merge is over. */
export function mergeStep(group: MappedSource[], target: TargetEntry | null, plan: PreparedPlan): MergeStep {
  if (target !== null) {
    const order = group.length === 0 ? -1 : compareNames(target.name, group[0].targetName);
    if (order < 0) {
      const relative = relativeToPrefix(plan.prefix, target.name);
      // Out of scope: not under the prefix, the prefix's own folder marker ("backup/"), or filtered out.
      if (relative === null || relative === "" || (plan.filtering && !filterSelects(plan.filter, relative))) {
        return { entry: null, error: null, takeSources: false, takeTarget: true, outOfScope: true };
      }
      return step(targetOnly(target, plan), null, false, true);
    }
    if (order === 0) {
      if (group.length > 1) {
        return step(null, collision(group, true), true, true);
      }
      return step(sourceEntry(group[0], target, plan), null, true, true);
    }
  }
  if (group.length === 0) {
    return step(null, null, false, false);
  }
  if (group.length > 1) {
    return step(null, collision(group, false), true, false);
  }
  return step(sourceEntry(group[0], null, plan), null, true, false);
}
