// The records of planning: what the listers give the diff, what the diff gives the plan, and the options that steer
// it. Shared by the planner, the plan file, the Spark job (through the Python translation) and the migration log.
// Sizes are integral byte counts (objects are at most 10 TiB; totals stay exact below 2^53 bytes, 8 PiB).
// MD5s are base64 of the 16-byte digest, as ADLS (Content-MD5) and OCI (md5) report them; OCI multipart objects
// report "<base64>-<part count>", which is not an MD5 of the content.

/** `new`: no object of that name; `update`: the object differs; `equal`: same size, and same MD5 where both sides
 * know one; `target-only`: an object in scope that no source file maps to. */
export type Status = "new" | "update" | "equal" | "target-only";

/** `copy` for new and update, `skip` for equal, `delete` for target-only when mirror is on, `keep` otherwise;
 * `hash` (compare md5, the source MD5 unknown, the target's comparable): the job reads and hashes the source, skips
 * it when equal and copies it otherwise; `fail`: the name cannot become an object (strictNames off), logged failed. */
export type Action = "copy" | "skip" | "delete" | "keep" | "hash" | "fail";

/** What a verdict rests on: `absent` (no object of that name, or no source), `size`, `md5`, `version` (the source
 * version against the one the object was copied from), `content` (the job hashed the source), `none` (nothing shows
 * a same-size file unchanged). */
export type Evidence = "absent" | "size" | "md5" | "version" | "content" | "none";

/**
 * How `update` and `equal` are told apart (judge-file.ts): different sizes -> update in every mode.
 * - `size`: size only (what the original job did).
 * - `size-md5` (default): the source MD5 against the target's comparable MD5; else the source version against the
 *   version the object was copied from (the equality state); else update (nothing proves the file unchanged).
 * - `md5`: the same, but with no evidence and a comparable target MD5 the job hashes the source (action `hash`).
 */
export type CompareMode = "size-md5" | "size" | "md5";

export type PlanErrorKind = "invalid-options" | "invalid-listing" | "invalid-name" | "collision" | "too-many-deletions";

/** One source listing entry (a store's listing, reduced to what planning needs). */
export interface SourceEntry {
  /** Relative to the file system root; never starts with "/". */
  name: string;
  size: number;
  md5?: string | null;
  /** The store's version of the file as listed (ADLS: the etag as listed); null or absent when unknown. */
  version?: string | null;
  /** Directories are skipped (object storage has none); zero-byte files are planned like any other. */
  isDirectory?: boolean;
}

/** One target listing entry (an OCI object). */
export interface TargetEntry {
  name: string;
  size: number;
  md5?: string | null;
  /** The source MD5 the object was copied from (the equality state, applied by applyState). */
  sourceMd5?: string | null;
  /** The source version the object was copied from (the equality state, applied by applyState). */
  sourceVersion?: string | null;
}

/** A selected source file with its object name; md5 and version are "" when unknown. */
export interface MappedSource {
  sourceName: string;
  targetName: string;
  size: number;
  md5: string;
  version: string;
  /** strictNames off: why the object name cannot be an object (the invalid-name message); absent for good names. */
  problem?: string;
}

/** One line of the plan: one source file, or one target-only object. */
export interface PlanEntry {
  /** null for target-only objects. */
  sourceName: string | null;
  sourceSize: number | null;
  /** Present when the source knows its MD5. */
  sourceMd5?: string;
  /** Present when the source listing gives the file's version. */
  sourceVersion?: string;
  targetName: string;
  /** null when there is no object of that name. */
  targetSize: number | null;
  /** The object's listed md5 as OCI reports it (may be a multipart "<base64>-<n>"), when known. */
  targetMd5?: string;
  status: Status;
  action: Action;
  /** What the verdict rests on. */
  evidence: Evidence;
  /** Why, for people: e.g. "size differs: source 120 B, target 100 B". */
  reason: string;
}

/** Something that makes the plan invalid. No plan with errors may be applied. */
export interface PlanError {
  kind: PlanErrorKind;
  /** invalid-name: the source name; collision: every source name involved, in name order; invalid-options: the
   * option field; invalid-listing: the offending object name; too-many-deletions: none. */
  names: string[];
  message: string;
}

/** Options of the diff; the config layer maps the config file onto these. */
export interface PlanOptions {
  /** Put in front of every object name (normalised, see name-mapping.ts); "" for none. */
  targetPrefix: string;
  /** Glob patterns (see glob.ts) over source names relative to the file system root; empty = everything. */
  include: string[];
  /** Glob patterns; a name matching any is left out, even when an include pattern matches it. */
  exclude: string[];
  compare: CompareMode;
  /** Delete target-only objects under the prefix. Off by default. */
  mirror: boolean;
  /** With mirror on: the plan is invalid when it would delete more objects than this. An integer ≥ 0. */
  maxDeletions: number;
  /** Names that cannot become objects (invalid, collisions) are plan errors (nothing is copied) when true; when
   * false (the default) they become entries with action `fail` and the rest is planned. */
  strictNames: boolean;
}

export interface Tally {
  files: number;
  bytes: number;
}

/** Totals of a plan. Bytes of new/update/equal/copy are source sizes; of targetOnly/delete, object sizes. */
export interface PlanSummary {
  new: Tally;
  update: Tally;
  equal: Tally;
  targetOnly: Tally;
  /** Entries with action copy. */
  copy: Tally;
  /** Entries with action hash (compare md5: the job hashes the source, copies it when it differs). */
  hash: Tally;
  /** target-only objects to delete (mirror on); 0 when mirror is off. */
  delete: Tally;
  /** Entries with action fail (names that cannot become objects, strictNames off). */
  failed: Tally;
  /** Plan errors; the plan is valid only when this is 0. */
  errors: number;
  /** Source directories skipped. */
  directories: number;
  /** Source files left out by include/exclude. */
  excluded: number;
  /** Target objects outside the migration: not under the prefix, the prefix's own folder marker object, or left out
   * by include/exclude. */
  outOfScope: number;
}

/** One line of the equality state (see equality-state.ts): an object as lake2oci left it. */
export interface StateRecord {
  name: string;
  size: number;
  /** The object's md5 as OCI lists it after the copy (multipart "<base64>-<n>" included). */
  md5: string;
  sourceVersion: string | null;
  sourceMd5: string | null;
}
