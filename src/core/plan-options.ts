// Checking and preparing PlanOptions once, before any entry is looked at.
import { type NameFilter, compileNameFilter } from "./name-filter.ts";
import { normalizeTargetPrefix } from "./name-mapping.ts";
import { objectNameProblem } from "./object-name.ts";
import { quoteName } from "./quote-name.ts";
import type { CompareMode, PlanError, PlanOptions } from "./plan-types.ts";

/** Options ready for the diff: the prefix normalised, the patterns compiled. */
export interface PreparedPlan {
  options: PlanOptions;
  prefix: string;
  filter: NameFilter;
  /** False when there are no include/exclude patterns (every name selected, no matching needed). */
  filtering: boolean;
  compare: CompareMode;
  mirror: boolean;
  maxDeletions: number;
  strictNames: boolean;
}

export interface PreparedPlanResult {
  plan: PreparedPlan;
  /** Problems with the options, kind "invalid-options"; the plan must not be used when any. */
  errors: PlanError[];
}

/** The defaults: no prefix, no filters, compare size-md5, mirror off, at most 1,000 deletions once mirror is on,
 * names that cannot become objects planned as failed entries (strictNames off). */
export function defaultPlanOptions(): PlanOptions {
  return {
    targetPrefix: "",
    include: [],
    exclude: [],
    compare: "size-md5",
    mirror: false,
    maxDeletions: 1000,
    strictNames: false,
  };
}

function optionError(field: string, message: string): PlanError {
  return { kind: "invalid-options", names: [field], message: message };
}

/** Validates and prepares `options`. */
export function preparePlan(options: PlanOptions): PreparedPlanResult {
  const errors: PlanError[] = [];
  const prefix = normalizeTargetPrefix(options.targetPrefix);
  if (prefix.length > 0) {
    const problem = objectNameProblem(prefix);
    if (problem !== null) {
      errors.push(optionError("targetPrefix", `targetPrefix ${quoteName(prefix)} cannot start object names: ${problem}`));
    }
  }
  const compiled = compileNameFilter(options.include, options.exclude);
  for (const problem of compiled.errors) {
    errors.push(optionError(problem.field, problem.message));
  }
  const compare = options.compare;
  if (compare !== "size-md5" && compare !== "size" && compare !== "md5") {
    errors.push(optionError("compare", `compare ${quoteName(compare)} is not a compare mode: use "size-md5", "size" or "md5"`));
  }
  const max = options.maxDeletions;
  if (!(max >= 0) || Math.floor(max) !== max) {
    errors.push(optionError("maxDeletions", `maxDeletions ${max} must be a whole number, 0 or more`));
  }
  const strict = options.strictNames;
  if (strict !== true && strict !== false) {
    errors.push(optionError("strictNames", "strictNames must be true or false"));
  }
  const plan: PreparedPlan = {
    options: options,
    prefix: prefix,
    filter: compiled.filter,
    filtering: options.include.length > 0 || options.exclude.length > 0,
    compare: compare,
    mirror: options.mirror === true,
    maxDeletions: max,
    strictNames: strict === true,
  };
  return { plan: plan, errors: errors };
}
