// Source name -> object name. Seed-compatible: the object name is the source path relative to the file system root
// (the file system's own name is not part of it), with the configured target prefix in front. Source names never
// start with "/" (the listers' contract); object names never do either.

/**
 * The prefix as it is put in front of names: leading and trailing "/" removed, then exactly one "/" appended when
 * anything is left. "", "/" and "//" all mean no prefix; "backup", "/backup/" and "backup//" all give "backup/".
 * Slashes inside ("a//b") are kept: they are part of the object names the user asked for.
 */
export function normalizeTargetPrefix(prefix: string): string {
  let start = 0;
  let end = prefix.length;
  while (start < end && prefix.charCodeAt(start) === 0x2f) {
    start += 1;
  }
  while (end > start && prefix.charCodeAt(end - 1) === 0x2f) {
    end -= 1;
  }
  if (start === end) {
    return "";
  }
  return prefix.slice(start, end) + "/";
}

/** The object name for a source name, given a prefix from normalizeTargetPrefix. */
export function targetNameFor(normalizedPrefix: string, sourceName: string): string {
  return normalizedPrefix + sourceName;
}

/**
 * The source-relative name of an object (the inverse of targetNameFor), or null when the object is not under the
 * prefix and so outside the migration.
 */
export function relativeToPrefix(normalizedPrefix: string, objectName: string): string | null {
  if (normalizedPrefix.length === 0) {
    return objectName;
  }
  if (!objectName.startsWith(normalizedPrefix)) {
    return null;
  }
  return objectName.slice(normalizedPrefix.length);
}
