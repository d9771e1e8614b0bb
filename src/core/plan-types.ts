// The records of planning: what the listers give the diff, what the diff gives the plan, and the options that steer
// it. Shared by the planner, the plan file, the Spark job (through the Python translation) and the migration log.
// Sizes are integral byte counts (objects are at most 10 TiB; totals stay exact below 2^53 bytes, 8 PiB).
// MD5s are base64 of the 16-byte digest, as ADLS (Content-MD5) and OCI (md5) report them; OCI multipart objects
// report "<base64>-<part count>", which is not an MD5 of the content.

/** `new`: no object of that name; `update`: the object differs; `equal`: same size, and same MD5 where both sides
 * know one; `target-only`: an object in scope that no source file maps to. */
export type Status = "new" | "update" | "equal" | "target-only";

/** `copy` for new and update, `skip` for equal, `delete` for target-only when mirror is on, `keep` otherwise. */
export type Action = "copy" | "skip" | "delete" | "keep";

/**
 * How `update` and `equal` are told apart:
 * - `size-md5` (default): different sizes -> update; same size -> equal unless both MD5s are known and differ.
 * - `size`: size only (what the original job did).
 * - `md5`: same size and both MD5s known and equal -> equal; an MD5 unknown on either side -> update.
 */
export type CompareMode = "size-md5" | "size" | "md5";

export type PlanErrorKind = "invalid-options" | "invalid-listing" | "invalid-name" | "collision" | "too-many-deletions";

/** One source listing entry (a store's listing, reduced to what planning needs). */
export interface SourceEntry {
  /** Relative to the file system root; never starts with "/". */
  name: string;
  size: number;
  md5?: string | null;
  /** Directories are skipped (object storage has none); zero-byte files are planned like any other. */
  isDirectory?: boolean;
}

/** One target listing entry (an OCI object). */
export interface TargetEntry {
  name: string;
  size: number;
  md5?: string | null;
  /** The object's `opc-meta-lake2oci-source-md5` metadata, written by our job: the source MD5 it was copied from. */
  sourceMd5?: string | null;
}

/** A selected source file with its object name; md5 is "" when unknown. */
export interface MappedSource {
  sourceName: string;
  targetName: string;
  size: number;
  md5: string;
}

/** One line of the plan: one source file, or one target-only object. */
export interface PlanEntry {
  /** null for target-only objects. */
  sourceName: string | null;
  sourceSize: number | null;
  /** Present when the source knows its MD5. */
  sourceMd5?: string;
  targetName: string;
  /** null when there is no object of that name. */
  targetSize: number | null;
  /** The object's listed md5 as OCI reports it (may be a multipart "<base64>-<n>"), when known. */
  targetMd5?: string;
  status: Status;
  action: Action;
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
  /** new + update. */
  copy: Tally;
  /** target-only objects to delete (mirror on); 0 when mirror is off. */
  delete: Tally;
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
