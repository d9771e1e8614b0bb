// The target listing must come in strictly increasing compareNames order (OCI lists objects so). The diff cannot
// repair a violation without holding the whole listing, and a duplicate name would otherwise look like a target-only
// object (and be deleted under mirror), so a violation stops planning.
import { compareNames } from "./compare-names.ts";
import { quoteName } from "./quote-name.ts";

/** Why `name` may not follow `previous` in a target listing, or null when it may. `previous` null: first entry. */
export function targetOrderProblem(previous: string | null, name: string): string | null {
  if (previous === null) {
    return null;
  }
  const order = compareNames(previous, name);
  if (order < 0) {
    return null;
  }
  if (order === 0) {
    return `the target listing holds the object name ${quoteName(name)} twice; a listing must name each object once`;
  }
  return `the target listing is not in name order: ${quoteName(name)} comes after ${quoteName(previous)}; object listings must be sorted by name in code point (UTF-8 byte) order`;
}
