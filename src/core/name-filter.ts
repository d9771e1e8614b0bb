// Include/exclude selection of source names (patterns: see glob.ts). Rules: an empty include list selects every
// name; otherwise a name must match at least one include pattern. A name matching any exclude pattern is never
// selected: exclude wins over include. The same rule decides which target objects are in scope (their name relative
// to the target prefix), so mirror never deletes an object the filters put outside the migration.
import { codePointsOf } from "./code-points.ts";
import { quoteName } from "./quote-name.ts";
import { type CompiledGlob, compileGlob, globMatches, globMatchesPoints } from "./glob.ts";

export interface NameFilter {
  include: CompiledGlob[];
  exclude: CompiledGlob[];
}

export interface PatternError {
  /** "include" or "exclude". */
  field: string;
  /** A message naming the list and index, e.g. `exclude[1] "[a-" is not a valid pattern: ...`. */
  message: string;
}

export interface NameFilterResult {
  filter: NameFilter;
  errors: PatternError[];
}

function compileList(field: string, patterns: string[], errors: PatternError[]): CompiledGlob[] {
  const compiled: CompiledGlob[] = [];
  let index = 0;
  for (const pattern of patterns) {
    const glob = compileGlob(pattern);
    if (glob.error !== "") {
      errors.push({ field: field, message: `${field}[${index}] ${quoteName(pattern)} is not a valid pattern: ${glob.error}` });
    }
    compiled.push(glob);
    index += 1;
  }
  return compiled;
}

/** Compiles both lists; the filter is only meaningful when `errors` is empty. */
export function compileNameFilter(include: string[], exclude: string[]): NameFilterResult {
  const errors: PatternError[] = [];
  const inc = compileList("include", include, errors);
  const exc = compileList("exclude", exclude, errors);
  return { filter: { include: inc, exclude: exc }, errors: errors };
}

/** Whether any pattern of `globs` matches; decodes the name at most once. */
function anyMatches(globs: CompiledGlob[], name: string): boolean {
  let points: number[] = [];
  let decoded = false;
  for (const glob of globs) {
    if (glob.literal) {
      if (globMatches(glob, name)) {
        return true;
      }
      continue;
    }
    if (!decoded) {
      points = codePointsOf(name);
      decoded = true;
    }
    if (globMatchesPoints(glob, points)) {
      return true;
    }
  }
  return false;
}

/** True when `name` (relative to the file system root) is selected by the filter. */
export function filterSelects(filter: NameFilter, name: string): boolean {
  if (filter.include.length > 0 && !anyMatches(filter.include, name)) {
    return false;
  }
  if (filter.exclude.length > 0 && anyMatches(filter.exclude, name)) {
    return false;
  }
  return true;
}
