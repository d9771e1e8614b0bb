// Sorting of mapped sources into merge order: by object name (compareNames), then by source name, so that a
// collision group lists its sources in a fixed order. A plain, stable bottom-up merge sort (the core has no
// Array.prototype.sort: its comparator semantics differ between the languages the core is translated to). The
// planner sorts large inputs itself, with the same order.
import { compareNames } from "./compare-names.ts";
import type { MappedSource } from "./plan-types.ts";

/** Merge order of two mapped sources: negative, 0 or positive. */
export function compareMapped(a: MappedSource, b: MappedSource): number {
  const byTarget = compareNames(a.targetName, b.targetName);
  if (byTarget !== 0) {
    return byTarget;
  }
  return compareNames(a.sourceName, b.sourceName);
}

/** A new array with the sources in merge order; the input is not changed. */
export function sortSources(sources: MappedSource[]): MappedSource[] {
  let current = sources.slice(0);
  const n = current.length;
  let width = 1;
  while (width < n) {
    const merged: MappedSource[] = [];
    let low = 0;
    while (low < n) {
      const middle = Math.min(low + width, n);
      const high = Math.min(low + 2 * width, n);
      let i = low;
      let j = middle;
      while (i < middle && j < high) {
        if (compareMapped(current[j], current[i]) < 0) {
          merged.push(current[j]);
          j += 1;
        } else {
          merged.push(current[i]);
          i += 1;
        }
      }
      while (i < middle) {
        merged.push(current[i]);
        i += 1;
      }
      while (j < high) {
        merged.push(current[j]);
        j += 1;
      }
      low = high;
    }
    current = merged;
    width = width * 2;
  }
  return current;
}
