// The verdict for a source file whose object name exists in the target: `update` or `equal`, the action, what the
// verdict rests on (the evidence), and the reason. Evidence, strongest first, all of it known without a request per
// file: sizes; the source MD5 against the target's comparable MD5 (its listed single-part md5, else the source MD5
// it was copied from, from the equality state); the source version against the version the object was copied from
// (the equality state). With none of them a same-size file is copied again (size-md5) or hashed by the job (md5,
// when the target's MD5 is comparable).
import type { Action, CompareMode, Evidence, MappedSource, Status, TargetEntry } from "./plan-types.ts";

export interface Verdict {
  status: Status;
  action: Action;
  evidence: Evidence;
  reason: string;
}

function verdict(status: Status, evidence: Evidence, reason: string): Verdict {
  const action: Action = status === "equal" ? "skip" : "copy";
  return { status: status, action: action, evidence: evidence, reason: reason };
}

/** A listed MD5 or "" when absent. */
export function knownMd5(value: string | null | undefined): string {
  if (value === undefined || value === null) {
    return "";
  }
  return value;
}

/** True for OCI's multipart md5 ("<base64>-<parts>"); base64 never holds "-". */
export function isMultipartMd5(md5: string): boolean {
  return md5.indexOf("-") >= 0;
}

/** The target's MD5 comparable with a source MD5, and where it came from. */
interface TargetDigest {
  md5: string;
  /** "listing", "state" (the source MD5 the object was copied from), or why it is unknown: "multipart" /
   * "absent". */
  origin: string;
}

function targetDigest(target: TargetEntry): TargetDigest {
  const listed = knownMd5(target.md5);
  if (listed !== "" && !isMultipartMd5(listed)) {
    return { md5: listed, origin: "listing" };
  }
  const recorded = knownMd5(target.sourceMd5);
  if (recorded !== "") {
    return { md5: recorded, origin: "state" };
  }
  if (listed !== "") {
    return { md5: "", origin: "multipart" };
  }
  return { md5: "", origin: "absent" };
}

function unknownText(sourceMd5: string, digest: TargetDigest): string {
  const targetWhy = digest.origin === "multipart" ? "multipart upload without a recorded source md5" : "";
  if (sourceMd5 === "" && digest.md5 === "") {
    if (targetWhy !== "") {
      return `md5 unknown on both sides; target: ${targetWhy}`;
    }
    return "md5 unknown on both sides";
  }
  if (sourceMd5 === "") {
    return "md5 unknown on source";
  }
  if (targetWhy !== "") {
    return `md5 unknown on target: ${targetWhy}`;
  }
  return "md5 unknown on target";
}

/**
 * A version without the quotes and weak-validator prefix HTTP puts around an etag: the same file lists as 0x8D1 in a
 * JSON listing and as "0x8D1" in a properties response (the job records what it read), so versions are compared bare.
 */
export function bareVersion(version: string): string {
  let v = version;
  if (v.startsWith("W/")) {
    v = v.slice(2);
  }
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    v = v.slice(1, v.length - 1);
  }
  return v;
}

/** Compares a source file with the object of the same name under `mode`. */
export function judgeFile(source: MappedSource, target: TargetEntry, mode: CompareMode): Verdict {
  if (source.size !== target.size) {
    return verdict("update", "size", `size differs: source ${source.size} B, target ${target.size} B`);
  }
  if (mode === "size") {
    return verdict("equal", "size", "same size (compare mode size)");
  }
  const digest = targetDigest(target);
  const via = digest.origin === "state" ? " (target md5 from the equality state)" : "";
  if (source.md5 !== "" && digest.md5 !== "") {
    if (source.md5 === digest.md5) {
      return verdict("equal", "md5", `same size and md5${via}`);
    }
    return verdict("update", "md5", `md5 differs${via}`);
  }
  const copiedFrom = knownMd5(target.sourceVersion);
  if (source.version !== "" && copiedFrom !== "") {
    if (bareVersion(source.version) === bareVersion(copiedFrom)) {
      return verdict("equal", "version", "same size and the source version the object was copied from");
    }
    return verdict("update", "version", "the source version differs from the one the object was copied from");
  }
  const unknown = unknownText(source.md5, digest);
  if (mode === "md5" && digest.md5 !== "") {
    return {
      status: "update",
      action: "hash",
      evidence: "none",
      reason: `${unknown}; compare mode md5 hashes the source and copies it only when it differs`,
    };
  }
  if (mode === "md5") {
    return verdict("update", "none", `${unknown}; compare mode md5 copies it again`);
  }
  return verdict("update", "none", `same size, but nothing shows it unchanged (${unknown}, no recorded source version); copied again`);
}
