// The verdict for a source file whose object name exists in the target: `update` or `equal`, with the reason.
import type { CompareMode, MappedSource, Status, TargetEntry } from "./plan-types.ts";

export interface Verdict {
  status: Status;
  reason: string;
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
  /** "listing", "metadata" (opc-meta-lake2oci-source-md5), or why it is unknown: "multipart" / "absent". */
  origin: string;
}

function targetDigest(target: TargetEntry): TargetDigest {
  const listed = knownMd5(target.md5);
  if (listed !== "" && !isMultipartMd5(listed)) {
    return { md5: listed, origin: "listing" };
  }
  const recorded = knownMd5(target.sourceMd5);
  if (recorded !== "") {
    return { md5: recorded, origin: "metadata" };
  }
  if (listed !== "") {
    return { md5: "", origin: "multipart" };
  }
  return { md5: "", origin: "absent" };
}

function unknownText(sourceMd5: string, digest: TargetDigest): string {
  const targetWhy = digest.origin === "multipart" ? "multipart upload without source-md5 metadata" : "";
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

/** Compares a source file with the object of the same name under `mode`. */
export function judgeFile(source: MappedSource, target: TargetEntry, mode: CompareMode): Verdict {
  if (source.size !== target.size) {
    return {
      status: "update",
      reason: `size differs: source ${source.size} B, target ${target.size} B`,
    };
  }
  if (mode === "size") {
    return { status: "equal", reason: "same size (compare mode size)" };
  }
  const digest = targetDigest(target);
  const via = digest.origin === "metadata" ? " (target md5 from source-md5 metadata)" : "";
  if (source.md5 !== "" && digest.md5 !== "") {
    if (source.md5 === digest.md5) {
      return { status: "equal", reason: `same size and md5${via}` };
    }
    return { status: "update", reason: `md5 differs${via}` };
  }
  const unknown = unknownText(source.md5, digest);
  if (mode === "md5") {
    return { status: "update", reason: `${unknown}; compare mode md5 copies it again` };
  }
  return { status: "equal", reason: `same size (${unknown})` };
}
