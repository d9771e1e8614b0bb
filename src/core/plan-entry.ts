// Building plan entries with one fixed key order (sourceName, sourceSize, sourceMd5?, sourceVersion?, targetName,
// targetSize, targetMd5?, status, action, evidence, reason), so that serialising an entry gives the same line in every
// language (object and dict key order is insertion order). An optional field is present only when known ("" =
// unknown). One literal per combination keeps every entry's shape fixed (no deletes, no spreads on the hot path).
import type { Action, Evidence, PlanEntry, Status } from "./plan-types.ts";

/** A plan entry; sourceMd5/sourceVersion/targetMd5 "" leave the field out. */
export function makePlanEntry(
  sourceName: string | null,
  sourceSize: number | null,
  sourceMd5: string,
  sourceVersion: string,
  targetName: string,
  targetSize: number | null,
  targetMd5: string,
  status: Status,
  action: Action,
  evidence: Evidence,
  reason: string,
): PlanEntry {
  if (sourceMd5 !== "" && sourceVersion !== "" && targetMd5 !== "") {
    return {
      sourceName: sourceName,
      sourceSize: sourceSize,
      sourceMd5: sourceMd5,
      sourceVersion: sourceVersion,
      targetName: targetName,
      targetSize: targetSize,
      targetMd5: targetMd5,
      status: status,
      action: action,
      evidence: evidence,
      reason: reason,
    };
  }
  if (sourceMd5 !== "" && sourceVersion !== "" && targetMd5 === "") {
    return {
      sourceName: sourceName,
      sourceSize: sourceSize,
      sourceMd5: sourceMd5,
      sourceVersion: sourceVersion,
      targetName: targetName,
      targetSize: targetSize,
      status: status,
      action: action,
      evidence: evidence,
      reason: reason,
    };
  }
  if (sourceMd5 !== "" && sourceVersion === "" && targetMd5 !== "") {
    return {
      sourceName: sourceName,
      sourceSize: sourceSize,
      sourceMd5: sourceMd5,
      targetName: targetName,
      targetSize: targetSize,
      targetMd5: targetMd5,
      status: status,
      action: action,
      evidence: evidence,
      reason: reason,
    };
  }
  if (sourceMd5 !== "" && sourceVersion === "" && targetMd5 === "") {
    return {
      sourceName: sourceName,
      sourceSize: sourceSize,
      sourceMd5: sourceMd5,
      targetName: targetName,
      targetSize: targetSize,
      status: status,
      action: action,
      evidence: evidence,
      reason: reason,
    };
  }
  if (sourceMd5 === "" && sourceVersion !== "" && targetMd5 !== "") {
    return {
      sourceName: sourceName,
      sourceSize: sourceSize,
      sourceVersion: sourceVersion,
      targetName: targetName,
      targetSize: targetSize,
      targetMd5: targetMd5,
      status: status,
      action: action,
      evidence: evidence,
      reason: reason,
    };
  }
  if (sourceMd5 === "" && sourceVersion !== "" && targetMd5 === "") {
    return {
      sourceName: sourceName,
      sourceSize: sourceSize,
      sourceVersion: sourceVersion,
      targetName: targetName,
      targetSize: targetSize,
      status: status,
      action: action,
      evidence: evidence,
      reason: reason,
    };
  }
  if (sourceMd5 === "" && sourceVersion === "" && targetMd5 !== "") {
    return {
      sourceName: sourceName,
      sourceSize: sourceSize,
      targetName: targetName,
      targetSize: targetSize,
      targetMd5: targetMd5,
      status: status,
      action: action,
      evidence: evidence,
      reason: reason,
    };
  }
  return {
    sourceName: sourceName,
    sourceSize: sourceSize,
    targetName: targetName,
    targetSize: targetSize,
    status: status,
    action: action,
    evidence: evidence,
    reason: reason,
  };
}
