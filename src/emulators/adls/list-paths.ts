import { type BlobApi, BlobApiError, type ListedBlob } from "./blob-api.ts";
import { DfsError } from "./dfs-error.ts";
import { ancestorsOf, implicitDirectoryProperties, isAncestorOrSelf, isFolderMarker, listEntry } from "./path-entry.ts";

/**
 * Filesystem "List Paths" over Azurite's List Blobs.
 *
 * Order (differs from real ADLS Gen2, see docs/emulators.md): paths come in the order of the Blob
 * listing, i.e. by full name in JavaScript string (UTF-16 code unit) order with `/` an ordinary
 * character, except that a directory with no marker blob (implicit) is placed just before its first
 * descendant. Every directory comes before all of its descendants and appears exactly once.
 * An implicit directory's dates are its filesystem's last-modified time (it has no blob of its own).
 * Real HNS accounts return a depth-first order (a directory's subtree before later siblings); the two
 * agree unless a name continues a sibling directory's name with a character below `/`
 * (space ! " # $ % & ' ( ) * + , - .), e.g. `data.csv` next to `data/part-0`.
 *
 * Continuation tokens are opaque to clients: base64url JSON holding the Azurite marker (Azurite's
 * markers are the last blob name listed, listing resumes after it) and what is needed to emit each
 * directory once across pages.
 */

export const MAX_RESULTS_LIMIT = 5_000;

export interface ListPathsOptions {
  recursive: boolean;
  /** Directory to list ("" = filesystem root), without leading or trailing `/`. */
  directory: string;
  maxResults: number;
  continuation?: string;
}

export interface ListPathsResult {
  paths: Record<string, string>[];
  continuation?: string;
}

interface Token {
  /** Which listing the token belongs to. */
  q: string;
  /** Azurite marker: the last blob name fully consumed. */
  m: string;
  /** Recursive: the last path emitted (its ancestors were all emitted). */
  p?: string;
  /** Directories emitted from a marker blob whose subtree has not been reached yet. */
  s: string[];
}

function queryKey(options: ListPathsOptions): string {
  return `${options.recursive ? "r" : "n"}:${options.directory}`;
}

function encodeToken(token: Token): string {
  return Buffer.from(JSON.stringify(token), "utf8").toString("base64url");
}

function decodeToken(value: string, options: ListPathsOptions): Token {
  let token: Token;
  try {
    token = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
  } catch {
    throw DfsError.invalidQueryParameter("continuation", value, "not a continuation token this emulator issued");
  }
  if (typeof token?.m !== "string" || !Array.isArray(token.s) || token.q !== queryKey(options)) {
    throw DfsError.invalidQueryParameter("continuation", value, "the token belongs to another listing (directory or recursive differ)");
  }
  return token;
}

/** Drops marker directories whose subtree the listing has moved past. */
function prune(pending: string[], name: string): string[] {
  return pending.filter((directory) => !(name >= `${directory}/`));
}

type Filesystem = { lastModified: string };

async function listRecursive(api: BlobApi, container: string, filesystem: Filesystem, options: ListPathsOptions, token: Token): Promise<ListPathsResult> {
  const prefix = options.directory ? `${options.directory}/` : "";
  const paths: Record<string, string>[] = [];
  let marker = token.m;
  let previous = token.p ?? "";
  let pending = token.s;
  const emitted = (directory: string) => pending.includes(directory) || (previous !== "" && isAncestorOrSelf(directory, previous));
  for (;;) {
    const page = await api.listBlobs(container, { prefix, marker, maxResults: Math.min(MAX_RESULTS_LIMIT, options.maxResults - paths.length) });
    let consumed = 0;
    for (const blob of page.blobs) {
      const relativeStart = prefix.length;
      const missing = ancestorsOf(blob.name).filter((directory) => directory.length > relativeStart && !emitted(directory));
      let full = false;
      for (const directory of missing) {
        if (paths.length >= options.maxResults) {
          full = true;
          break;
        }
        paths.push(listEntry(directory, true, implicitDirectoryProperties(directory, filesystem)));
        previous = directory;
      }
      if (full) break;
      if (blob.name.endsWith("/")) {
        // A "dir/" blob (some Blob tools write them) only says that its directory exists.
        marker = blob.name;
        consumed += 1;
        continue;
      }
      if (paths.length >= options.maxResults) break;
      const isDirectory = isFolderMarker(blob.properties);
      paths.push(listEntry(blob.name, isDirectory, blob.properties));
      pending = prune(pending, blob.name);
      if (isDirectory) pending.push(blob.name);
      previous = blob.name;
      marker = blob.name;
      consumed += 1;
    }
    const more = consumed < page.blobs.length || (page.nextMarker !== "" && page.blobs.length > 0);
    if (!more) return { paths };
    if (paths.length >= options.maxResults) {
      return { paths, continuation: encodeToken({ q: queryKey(options), m: marker, p: previous, s: pending }) };
    }
  }
}

async function listOneLevel(api: BlobApi, container: string, filesystem: Filesystem, options: ListPathsOptions, token: Token): Promise<ListPathsResult> {
  const prefix = options.directory ? `${options.directory}/` : "";
  const paths: Record<string, string>[] = [];
  let marker = token.m;
  let pending = token.s;
  for (;;) {
    const page = await api.listBlobs(container, { prefix, delimiter: "/", marker, maxResults: Math.min(MAX_RESULTS_LIMIT, options.maxResults - paths.length) });
    // Azurite answers blobs and prefixes apart; merged by name they are the page in listing order.
    const items: { name: string; blob?: ListedBlob }[] = [
      ...page.blobs.map((blob) => ({ name: blob.name, blob })),
      ...page.prefixes.map((name) => ({ name })),
    ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const item of items) {
      if (item.blob?.name.endsWith("/")) continue;
      if (item.blob) {
        const isDirectory = isFolderMarker(item.blob.properties);
        paths.push(listEntry(item.blob.name, isDirectory, item.blob.properties));
        pending = prune(pending, item.name);
        if (isDirectory) pending.push(item.blob.name);
      } else {
        const directory = item.name.slice(0, -1);
        // A directory with a marker blob was listed with it; its prefix only repeats it.
        if (!pending.includes(directory)) paths.push(listEntry(directory, true, implicitDirectoryProperties(directory, filesystem)));
        pending = prune(pending, item.name);
      }
    }
    marker = page.nextMarker;
    if (marker === "" || items.length === 0) return { paths };
    if (paths.length >= options.maxResults) return { paths, continuation: encodeToken({ q: queryKey(options), m: marker, s: pending }) };
  }
}

/**
 * Lists `container` as DFS List Paths does. Throws DfsError FilesystemNotFound / PathNotFound, or
 * InvalidQueryParameterValue for a foreign continuation token.
 */
export async function listPaths(api: BlobApi, container: string, options: ListPathsOptions): Promise<ListPathsResult> {
  const token: Token = options.continuation ? decodeToken(options.continuation, options) : { q: queryKey(options), m: "", s: [] };
  let result: ListPathsResult;
  try {
    const filesystem = await api.getContainerProperties(container);
    result = options.recursive
      ? await listRecursive(api, container, filesystem, options, token)
      : await listOneLevel(api, container, filesystem, options, token);
  } catch (error) {
    if (error instanceof BlobApiError && error.code === "ContainerNotFound") throw DfsError.filesystemNotFound();
    throw error;
  }
  if (options.directory && !options.continuation && result.paths.length === 0) {
    // Nothing under it: it exists only as an empty directory's marker blob.
    const marker = await api.getProperties(container, options.directory);
    if (!marker) throw DfsError.pathNotFound();
    if (!isFolderMarker(marker)) return { paths: [listEntry(options.directory, false, marker)] };
  }
  return result;
}
