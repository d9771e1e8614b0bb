// Normal form of a path inside a store (source.path, target.prefix, log.object): segments joined by single slashes,
// no leading or trailing slash, no "." segments; "" is the root. ".." is refused: stores have no parent directories,
// and a name that climbs out of its prefix would land somewhere unexpected.

export function normalizeStorePath(
  raw: string,
  example: string,
): { value: string } | { problem: string; fix: string } {
  const segments = raw.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) {
    return {
      problem: `must not contain ".." segments`,
      fix: `write the path from the root without "..", e.g. ${JSON.stringify(example)}`,
    };
  }
  return { value: segments.join("/") };
}
