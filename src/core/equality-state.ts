// The equality state: what lake2oci knows about the objects it wrote that an object listing does not say (listings
// carry no metadata): for each object, the source version and source MD5 it was copied from. Kept beside the
// migration log, one file (or object) per target namespace + bucket + prefix, JSON lines sorted by object name:
//   {"kind":"lake2oci-state","version":1,"namespace":…,"bucket":…,"prefix":…,"runId":…}
//   {"name":…,"size":…,"md5":…,"sourceVersion":…|null,"sourceMd5":…|null}   (one per object)
// where `md5` is the object's md5 as OCI listed it after the copy (multipart "<base64>-<n>" included). The job writes
// it as a run finishes; every plan reads it and applies each record to the object of that name as listed now.
import { knownMd5 } from "./judge-file.ts";
import type { StateRecord, TargetEntry } from "./plan-types.ts";

/** The `kind` of the state's first line. */
export const STATE_KIND = "lake2oci-state";
/** The `version` of the state's first line. */
export const STATE_VERSION = 1;

/**
 * The target entry with `sourceVersion` and `sourceMd5` from `record`, when the record still describes the object
 * as listed: the same name, the same size and the same listed md5 (an object rewritten since, by anyone, lists
 * another md5, so its record no longer applies). Otherwise the entry as given. An object listed without an md5
 * cannot be matched and gets nothing.
 */
export function applyState(target: TargetEntry, record: StateRecord | null): TargetEntry {
  if (record === null) {
    return target;
  }
  const listed = knownMd5(target.md5);
  if (record.name !== target.name || record.size !== target.size || listed === "" || record.md5 !== listed) {
    return target;
  }
  return {
    name: target.name,
    size: target.size,
    md5: listed,
    sourceMd5: record.sourceMd5,
    sourceVersion: record.sourceVersion,
  };
}

/**
 * The name of the state of one target, beside the log: `<logName>.state/<bucket>@<namespace>/<prefix>.jsonl`, the
 * prefix (the normalised target prefix, as preparePlan gives it) encoded with encodeURIComponent, or `_root` when
 * there is none. `logName` is the log's path (a local log) or object name.
 */
export function stateName(logName: string, namespace: string, bucket: string, prefix: string): string {
  const encoded = prefix === "" ? "_root" : encodeURIComponent(prefix);
  return `${logName}.state/${bucket}@${namespace}/${encoded}.jsonl`;
}
