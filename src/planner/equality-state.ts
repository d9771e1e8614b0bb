// The equality state on the workstation side (contract C2; the job's side is src/job/state.py): where
// it is for a config, reading it in bulk, and — when it is missing while the target has objects — rebuilding what
// the diff needs from the objects' metadata with one HEAD request per same-size candidate (16 at once), after one
// warning line. The records are applied to the target listing with the core's applyState.
//
// Memory: the state is read into a Map (one record per object of the target; the simplest correct join with the
// streamed listing — the listing and the state are both in name order, so a merge join would hold O(1), not done
// yet). Rebuilding needs the size of each selected source by object name before the first target page: the sources
// are recorded as they stream into the engine (diffStreams consumes every source before it pulls a target page), a
// Map as large as the source listing, only on that first run without a state.
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import type { ObjectStorageClient } from "oci-objectstorage";
import type { Lake2ociConfig } from "../config/index.ts";
import { resolveLocalPath } from "../config/local-path.ts";
import { STATE_KIND, STATE_VERSION, applyState, stateName } from "../core/equality-state.ts";
import { targetNameFor } from "../core/name-mapping.ts";
import type { SourceEntry, StateRecord, TargetEntry } from "../core/plan-types.ts";
import { classifyOciError } from "../stores/oci/oci-errors.ts";

export const STATE_HEAD_CONCURRENCY = 16;

export type StateLocation = { kind: "file"; path: string } | { kind: "object"; namespace: string; bucket: string; object: string };

/** Where the job keeps the state of this config's target (namespace: the target's, looked up; prefix: normalised). */
export function stateLocationFor(config: Lake2ociConfig, baseDir: string, namespace: string, prefix: string): StateLocation {
  const log = config.log;
  if ("path" in log) {
    const path = resolveLocalPath(log.path, baseDir, homedir());
    return { kind: "file", path: stateName(path, namespace, config.target.bucket, prefix) };
  }
  return { kind: "object", namespace, bucket: log.bucket, object: stateName(log.object, namespace, config.target.bucket, prefix) };
}

export function describeStateLocation(location: StateLocation): string {
  return location.kind === "file" ? location.path : `oci://${location.bucket}@${location.namespace}/${location.object}`;
}

/** The one warning line of C2. */
export function missingStateWarning(where: string): string {
  return `lake2oci: no equality state at ${where}; rebuilding it from the objects' metadata (one HEAD request per same-size object)`;
}

export class StateFormatError extends Error {
  override name = "StateFormatError";
}

/** The records of a state's text by object name; StateFormatError when it is not the state of this target. */
export function parseState(text: string, where: string, namespace: string, bucket: string, prefix: string): Map<string, StateRecord> {
  const lines = text.split("\n");
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(lines[0]) as Record<string, unknown>;
  } catch {
    throw new StateFormatError(`${where} line 1 is not JSON`);
  }
  if (header === null || typeof header !== "object" || header.kind !== STATE_KIND || header.version !== STATE_VERSION) {
    throw new StateFormatError(`${where} is not a lake2oci equality state (kind ${STATE_KIND}, version ${STATE_VERSION})`);
  }
  const want: Record<string, string> = { namespace, bucket, prefix };
  for (const field of ["namespace", "bucket", "prefix"]) {
    if (header[field] !== want[field]) {
      throw new StateFormatError(`${where} is the state of ${field} ${JSON.stringify(header[field])}, not ${JSON.stringify(want[field])}`);
    }
  }
  const records = new Map<string, StateRecord>();
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(lines[i]) as Record<string, unknown>;
    } catch {
      throw new StateFormatError(`${where} line ${i + 1} is not JSON`);
    }
    if (typeof r?.name !== "string" || typeof r.size !== "number" || typeof r.md5 !== "string") {
      throw new StateFormatError(`${where} line ${i + 1} is not a state record`);
    }
    records.set(r.name, {
      name: r.name,
      size: r.size,
      md5: r.md5,
      sourceVersion: typeof r.sourceVersion === "string" ? r.sourceVersion : null,
      sourceMd5: typeof r.sourceMd5 === "string" ? r.sourceMd5 : null,
    });
  }
  return records;
}

async function bodyText(body: unknown): Promise<string> {
  if (body === null || body === undefined) return "";
  if (typeof (body as ReadableStream).getReader === "function") return await new Response(body as ReadableStream).text();
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

/** The state's text, or null when there is none. */
export async function readStateText(location: StateLocation, client: ObjectStorageClient): Promise<string | null> {
  if (location.kind === "file") {
    try {
      return await readFile(location.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }
  try {
    const response = await client.getObject({
      namespaceName: location.namespace,
      bucketName: location.bucket,
      objectName: location.object,
    });
    return await bodyText(response.value);
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw classifyOciError(err, `OCI oci://${location.bucket}@${location.namespace} (${client.endpoint})`);
  }
}

/**
 * The state of the target, or null when it is missing. A state that is not this target's is reported through
 * `warn` and counts as missing.
 */
export async function readState(
  location: StateLocation,
  client: ObjectStorageClient,
  target: { namespace: string; bucket: string; prefix: string },
  warn: (line: string) => void,
): Promise<Map<string, StateRecord> | null> {
  const where = describeStateLocation(location);
  const text = await readStateText(location, client);
  if (text === null) return null;
  try {
    return parseState(text, where, target.namespace, target.bucket, target.prefix);
  } catch (err) {
    if (err instanceof StateFormatError) {
      warn(`lake2oci: ignoring the equality state: ${err.message}`);
      return null;
    }
    throw err;
  }
}

/** The record an object's metadata gives (opc-meta-lake2oci-source-etag / -md5), or null. */
export async function headRecord(
  client: ObjectStorageClient,
  namespace: string,
  bucket: string,
  target: TargetEntry,
): Promise<StateRecord | null> {
  const listed = target.md5 ?? "";
  if (listed === "") return null;
  let head: Awaited<ReturnType<ObjectStorageClient["headObject"]>>;
  try {
    head = await client.headObject({ namespaceName: namespace, bucketName: bucket, objectName: target.name });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw classifyOciError(err, `OCI oci://${bucket}@${namespace} (${client.endpoint})`);
  }
  const md5 = head.opcMultipartMd5 ?? head.contentMd5;
  if (md5 !== listed || (head.contentLength !== undefined && head.contentLength !== target.size)) return null;
  const meta: Record<string, string> = {};
  // The SDK keys them with their "opc-meta-" prefix.
  for (const [k, v] of Object.entries(head.opcMeta ?? {})) meta[k.toLowerCase().replace(/^opc-meta-/, "")] = v;
  const sourceVersion = meta["lake2oci-source-etag"] ?? null;
  const sourceMd5 = meta["lake2oci-source-md5"] ?? null;
  if (sourceVersion === null && sourceMd5 === null) return null;
  return { name: target.name, size: target.size, md5: listed, sourceVersion, sourceMd5 };
}

/** Runs `work` over `items` with at most `limit` at once, results in input order. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface StateStats {
  /** "read", "rebuilt" or "none" (no objects, nothing to rebuild). */
  state: "read" | "rebuilt" | "none";
  records: number;
  headRequests: number;
}

/**
 * Applies the state to target pages. With `state` null (missing), records the selected sources' sizes as they pass
 * (`sources` wraps the source pages), and on the first target page with objects prints the warning and HEADs the
 * same-size candidates of each page (at most `concurrency` at once).
 */
export function stateJoin(
  state: Map<string, StateRecord> | null,
  options: {
    where: string;
    client: ObjectStorageClient;
    namespace: string;
    bucket: string;
    prefix: string;
    warn: (line: string) => void;
    concurrency?: number;
  },
): {
  sources: (pages: AsyncIterable<SourceEntry[]>) => AsyncIterable<SourceEntry[]>;
  targets: (pages: AsyncIterable<TargetEntry[]>) => AsyncIterable<TargetEntry[]>;
  stats: StateStats;
} {
  const stats: StateStats = { state: state === null ? "none" : "read", records: state?.size ?? 0, headRequests: 0 };
  const sizes = new Map<string, number>();
  const sources = async function* (pages: AsyncIterable<SourceEntry[]>): AsyncIterable<SourceEntry[]> {
    for await (const page of pages) {
      if (state === null) {
        for (const s of page) if (s.isDirectory !== true) sizes.set(targetNameFor(options.prefix, s.name), s.size);
      }
      yield page;
    }
  };
  const targets = async function* (pages: AsyncIterable<TargetEntry[]>): AsyncIterable<TargetEntry[]> {
    let warned = false;
    for await (const page of pages) {
      if (state !== null) {
        yield page.map((t) => {
          const record = state.get(t.name);
          return record === undefined ? t : applyState(t, record);
        });
        continue;
      }
      if (page.length === 0) {
        yield page;
        continue;
      }
      if (!warned) {
        options.warn(missingStateWarning(options.where));
        warned = true;
        stats.state = "rebuilt";
      }
      const candidates = page.filter((t) => sizes.get(t.name) === t.size);
      stats.headRequests += candidates.length;
      const records = await mapLimited(candidates, options.concurrency ?? STATE_HEAD_CONCURRENCY, (t) =>
        headRecord(options.client, options.namespace, options.bucket, t),
      );
      const byName = new Map<string, StateRecord>();
      for (const r of records) if (r !== null) byName.set(r.name, r);
      stats.records += byName.size;
      yield page.map((t) => {
        const record = byName.get(t.name);
        return record === undefined ? t : applyState(t, record);
      });
    }
  };
  return { sources, targets, stats };
}
