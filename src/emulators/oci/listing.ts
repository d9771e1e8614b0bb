// ListObjects over a sorted array of names, as OCI pages it: names in UTF-8 byte order, filtered by prefix, start
// (inclusive), startAfter (exclusive) and end (exclusive); with a delimiter, names that contain it after the prefix
// are rolled up into `prefixes`. Objects and prefixes together count against `limit`; when more remain,
// `nextStartWith` is the next name (or rolled-up prefix) to pass as `start`. Positioning is a binary search, so a
// page costs O(log n + limit + prefixes skipped) however large the bucket.
import { compareNames, lowerBound } from "./names.ts";

export interface ListParams {
  prefix?: string;
  start?: string;
  startAfter?: string;
  end?: string;
  delimiter?: string;
  limit: number;
}

export interface ListPage {
  names: string[];
  prefixes: string[];
  nextStartWith?: string;
}

/** The smallest string greater than every string that starts with `p` (p is non-empty). */
function prefixSuccessor(p: string): string {
  const last = p.charCodeAt(p.length - 1);
  return p.slice(0, -1) + String.fromCharCode(last + 1);
}

export function listNames(sorted: readonly string[], params: ListParams): ListPage {
  const prefix = params.prefix ?? "";
  let i = lowerBound(sorted, prefix);
  if (params.start !== undefined) i = Math.max(i, lowerBound(sorted, params.start));
  if (params.startAfter !== undefined) i = Math.max(i, lowerBound(sorted, params.startAfter, true));
  const page: ListPage = { names: [], prefixes: [] };
  let count = 0;
  while (i < sorted.length) {
    const name = sorted[i];
    if (params.end !== undefined && compareNames(name, params.end) >= 0) break;
    if (!name.startsWith(prefix)) break;
    if (params.delimiter) {
      const k = name.indexOf(params.delimiter, prefix.length);
      if (k >= 0) {
        const rolled = name.slice(0, k + params.delimiter.length);
        if (count === params.limit) {
          page.nextStartWith = rolled;
          break;
        }
        page.prefixes.push(rolled);
        count++;
        i = lowerBound(sorted, prefixSuccessor(rolled));
        continue;
      }
    }
    if (count === params.limit) {
      page.nextStartWith = name;
      break;
    }
    page.names.push(name);
    count++;
    i++;
  }
  return page;
}
