// Building plan entries with one fixed key order (sourceName, sourceSize, sourceMd5?, targetName, targetSize,
// targetMd5?, status, action, reason), so that serialising an entry gives the same line in every language (object
// and dict key order is insertion order). An MD5 field is present only when known ("" = unknown).
import type { Action, PlanEntry, Status } from "./plan-types.ts";

/** A plan entry; sourceMd5/targetMd5 "" leave the field out. */
export function makePlanEntry(
  sourceName: string | null,
  sourceSize: number | null,
  sourceMd5: string,
  targetName: string,
  targetSize: number | null,
  targetMd5: string,
  status: Status,
  action: Action,
  reason: string,
): PlanEntry {
  if (sourceMd5 !== "" && targetMd5 !== "") {
    return {
      sourceName: sourceName,
      sourceSize: sourceSize,
      sourceMd5: sourceMd5,
      targetName: targetName,
      targetSize: targetSize,
      targetMd5: targetMd5,
      status: status,
      action: action,
      reason: reason,
    };
  }
  if (sourceMd5 !== "") {
    return {
      sourceName: sourceName,
      sourceSize: sourceSize,
      sourceMd5: sourceMd5,
      targetName: targetName,
      targetSize: targetSize,
      status: status,
      action: action,
      reason: reason,
    };
  }
  if (targetMd5 !== "") {
    return {
      sourceName: sourceName,
      sourceSize: sourceSize,
      targetName: targetName,
      targetSize: targetSize,
      targetMd5: targetMd5,
      status: status,
      action: action,
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
    reason: reason,
  };
}
