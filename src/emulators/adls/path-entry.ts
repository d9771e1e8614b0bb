import { createHash } from "node:crypto";
import type { BlobProperties } from "./blob-api.ts";

/**
 * How a hierarchical-namespace account looks from the Blob side, and how its paths look in DFS
 * answers. A directory is a zero-length block blob with metadata hdi_isfolder=true (a "marker");
 * a directory that has descendants but no marker (its files were written through the Blob API) is
 * "implicit" and is shown as a directory all the same, as HNS would have created it.
 */

export const FOLDER_METADATA_KEY = "hdi_isfolder";
export const DEFAULT_OWNER = "$superuser";
export const DEFAULT_GROUP = "$superuser";
/** What a new path gets on a real account with the default umask 027. */
export const DIRECTORY_PERMISSIONS = "rwxr-x---";
export const FILE_PERMISSIONS = "rw-r-----";

export function isFolderMarker(properties: BlobProperties): boolean {
  return (properties.metadata[FOLDER_METADATA_KEY] ?? "").toLowerCase() === "true";
}

/** Windows file time (100 ns ticks since 1601-01-01 UTC) as a decimal string, as listPaths reports creationTime. */
export function windowsFileTime(rfc1123: string | undefined): string | undefined {
  if (!rfc1123) return undefined;
  const ms = Date.parse(rfc1123);
  if (Number.isNaN(ms)) return undefined;
  return ((BigInt(ms) + 11_644_473_600_000n) * 10_000n).toString();
}

/** Etags in listPaths bodies carry no quotes; in headers they do. */
export function unquotedEtag(etag: string): string {
  return etag.replace(/^"|"$/g, "");
}

export function quotedEtag(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

/**
 * Properties for an implicit directory. It has no blob of its own, so its dates are its filesystem's
 * last-modified time (stable, and the same in listings and HEAD answers) and its etag is derived from
 * its name.
 */
export function implicitDirectoryProperties(name: string, filesystem: { lastModified: string }): BlobProperties {
  const digest = createHash("sha256").update(`implicit-directory:${name}`).digest("hex").slice(0, 15).toUpperCase();
  return {
    contentLength: 0,
    etag: `0x${digest}`,
    lastModified: filesystem.lastModified,
    creationTime: filesystem.lastModified,
    metadata: { [FOLDER_METADATA_KEY]: "true" },
  };
}

/** One element of listPaths' `paths` array, with string values as the service sends them. */
export function listEntry(name: string, isDirectory: boolean, properties: BlobProperties): Record<string, string> {
  const entry: Record<string, string> = {
    contentLength: String(isDirectory ? 0 : properties.contentLength),
  };
  const created = windowsFileTime(properties.creationTime);
  if (created) entry.creationTime = created;
  entry.etag = unquotedEtag(properties.etag);
  entry.expiryTime = "0";
  entry.group = DEFAULT_GROUP;
  if (isDirectory) entry.isDirectory = "true";
  entry.lastModified = properties.lastModified;
  entry.name = name;
  entry.owner = DEFAULT_OWNER;
  entry.permissions = isDirectory ? DIRECTORY_PERMISSIONS : FILE_PERMISSIONS;
  return entry;
}

/** User metadata as DFS x-ms-properties: `name=base64(value)` pairs, the folder flag left out. */
export function metadataToDfsProperties(metadata: Record<string, string>): string {
  return Object.entries(metadata)
    .filter(([name]) => name !== FOLDER_METADATA_KEY)
    .map(([name, value]) => `${name}=${Buffer.from(value, "utf8").toString("base64")}`)
    .join(",");
}

/** Parses DFS x-ms-properties into blob metadata; throws a message naming the bad pair. */
export function dfsPropertiesToMetadata(header: string | undefined): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (!header) return metadata;
  for (const pair of header.split(",")) {
    const trimmed = pair.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf("=");
    if (eq <= 0) throw new Error(`x-ms-properties: "${trimmed}" is not name=base64value`);
    const name = trimmed.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`x-ms-properties: "${name}" is not a valid property name (a C# identifier)`);
    const value = Buffer.from(trimmed.slice(eq + 1), "base64").toString("utf8");
    // Blob metadata travels in HTTP headers, so the emulator keeps to what a header can carry.
    if (!/^[\x20-\x7e]*$/.test(value)) throw new Error(`x-ms-properties: the value of "${name}" must be printable ASCII in this emulator`);
    metadata[name.toLowerCase()] = value;
  }
  return metadata;
}

/** Splits "a/b/c" into its proper ancestors ["a", "a/b"]. */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) out.push(path.slice(0, i));
  return out;
}

/** True when `ancestor` is `path` itself or one of its ancestors. */
export function isAncestorOrSelf(ancestor: string, path: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}
