// Partitioning the copy work of a plan into Spark tasks, by bytes. The driver parallelizes the tasks (one Spark
// partition each); Spark hands them to executor cores as cores free up, so a few tasks per core absorb uneven
// speeds while each task still holds enough work to keep its transfers busy.
//
// Work units: entries with action copy, hash and fail are carried out by tasks. A `hash` entry is always one "whole"
// unit (its task reads the file, then copies it only when it differs), costing its size; a `fail` entry is one
// "whole" unit of length 0 (logged failed, no request). For copies: a file below `multipartThreshold` is one "whole" unit (one PUT). A larger file is uploaded in parts
// (OCI multipart: part numbers 1..10,000, objects up to 10 TiB); its parts are split into ranges of about one task's
// share of the bytes, so one huge file is spread over several tasks, and the driver commits the upload once every
// range is uploaded. Each unit costs its bytes plus `fileCost` (what one object request costs, in bytes of
// transfer), so a million tiny files are not all given to one task.
//
// Units keep the plan's order (object name order); unit u goes to task floor(midpoint(u) / share), where midpoint
// is the cost of the units before it plus half its own and share = total cost / targetTasks. So consecutive small
// files stay together, at most targetTasks tasks are made (empty ones are dropped, indexes count the others), and
// the same plan and options always give the same tasks. All arithmetic is exact below 2^53 bytes.
import type { PlanEntry } from "./plan-types.ts";
import { quoteName } from "./quote-name.ts";

export const MIB = 1048576;

/** OCI multipart uploads number their parts 1..10,000. */
export const MAX_PART_COUNT = 10000;

/** OCI's largest object: 10 TiB. */
export const MAX_OBJECT_SIZE = 10995116277760;

/** OCI's largest part: 50 GiB. */
export const MAX_PART_SIZE = 53687091200;

/** Tasks per executor core when the run does not say (see targetTaskCount). */
export const DEFAULT_TASKS_PER_CORE = 3;

/** Files of this size and above are uploaded in parts. */
export const DEFAULT_MULTIPART_THRESHOLD = 128 * MIB;

/** The smallest part of a multipart upload (parts grow when a file would need more than 10,000). */
export const DEFAULT_MIN_PART_SIZE = 8 * MIB;

/** One object request costs about as much as transferring this many bytes. */
export const DEFAULT_FILE_COST = MIB;

export interface PartitionOptions {
  /** How many tasks to aim for; at most this many are made. Usually targetTaskCount(executors, cores, perCore). */
  targetTasks: number;
  /** Files of at least this many bytes are uploaded in parts and may be spread over tasks; smaller ones go whole. */
  multipartThreshold: number;
  /** The smallest part size, rounded up to a whole MiB; larger when a file would need more than 10,000 parts. */
  minPartSize: number;
  /** The cost of one object request in bytes of transfer; balances many small files against a few large ones. */
  fileCost: number;
}

/** `whole`: the file in one PUT. `parts`: a range of the parts of a multipart upload. */
export type UnitKind = "whole" | "parts";

export interface CopyUnit {
  kind: UnitKind;
  sourceName: string;
  targetName: string;
  /** The size of the whole file. */
  size: number;
  /** The bytes of the source this unit copies: [offset, offset + length). */
  offset: number;
  length: number;
  /** For "parts": the upload's part size and part count; 0 for "whole". */
  partSize: number;
  partCount: number;
  /** For "parts": the parts this unit uploads, firstPart..lastPart (1-based, inclusive); 0 for "whole". */
  firstPart: number;
  lastPart: number;
}

export interface CopyTask {
  /** 0, 1, 2, ... in order. */
  index: number;
  /** In plan order. */
  units: CopyUnit[];
  /** Bytes to copy. */
  bytes: number;
  /** Bytes plus fileCost per unit: what the partitioning balances. */
  cost: number;
}

/** A file uploaded in parts: created before its tasks run, committed by the driver after all of them. */
export interface MultipartUpload {
  sourceName: string;
  targetName: string;
  size: number;
  partSize: number;
  partCount: number;
  /** The tasks uploading its parts, ascending. */
  tasks: number[];
}

export interface PartitionResult {
  tasks: CopyTask[];
  /** In plan order. */
  uploads: MultipartUpload[];
  /** Entries the tasks carry out (actions copy, hash and fail) and their bytes (a fail entry's count 0). */
  files: number;
  bytes: number;
  /** Invalid options or entries; when there are any, there are no tasks and no uploads. */
  errors: string[];
}

/** The number of tasks to aim for: tasksPerCore for every executor core, at least 1. */
export function targetTaskCount(executors: number, coresPerExecutor: number, tasksPerCore: number): number {
  return Math.max(1, Math.floor(executors * coresPerExecutor * tasksPerCore));
}

/** The default options, aiming at `targetTasks` tasks. */
export function defaultPartitionOptions(targetTasks: number): PartitionOptions {
  return {
    targetTasks: targetTasks,
    multipartThreshold: DEFAULT_MULTIPART_THRESHOLD,
    minPartSize: DEFAULT_MIN_PART_SIZE,
    fileCost: DEFAULT_FILE_COST,
  };
}

/**
 * The part size for a file of `size` bytes: the smallest whole number of MiB that is at least `minPartSize` and
 * keeps the file within MAX_PART_COUNT parts (1,049 MiB for a 10 TiB file).
 */
export function partSizeFor(size: number, minPartSize: number): number {
  const needed = Math.ceil(size / MAX_PART_COUNT);
  const part = Math.max(minPartSize, needed);
  return Math.ceil(part / MIB) * MIB;
}

function isWhole(value: number): boolean {
  return value >= 0 && Math.floor(value) === value;
}

/** Why `options` cannot be used, one message per field; empty when they can. */
export function partitionOptionProblems(options: PartitionOptions): string[] {
  const problems: string[] = [];
  if (!isWhole(options.targetTasks) || options.targetTasks < 1) {
    problems.push(`partition: targetTasks must be a whole number, 1 or more (got ${options.targetTasks})`);
  }
  if (!isWhole(options.multipartThreshold) || options.multipartThreshold < 1) {
    problems.push(`partition: multipartThreshold must be a whole number of bytes, 1 or more (got ${options.multipartThreshold})`);
  }
  if (!isWhole(options.minPartSize) || options.minPartSize < 1 || options.minPartSize > MAX_PART_SIZE) {
    problems.push(
      `partition: minPartSize must be a whole number of bytes from 1 to ${MAX_PART_SIZE} (50 GiB, OCI's largest part) (got ${options.minPartSize})`,
    );
  }
  if (!isWhole(options.fileCost)) {
    problems.push(`partition: fileCost must be a whole number of bytes, 0 or more (got ${options.fileCost})`);
  }
  return problems;
}

/** Why a plan entry the tasks carry out (copy, hash, fail) cannot be partitioned, or null; `position`: its index in the plan. */
export function copyProblem(entry: PlanEntry, position: number): string | null {
  const size = entry.sourceSize;
  if (entry.sourceName === null || size === null) {
    return `partition: plan entry ${position} (${quoteName(entry.targetName)}) is a ${entry.action} without a source name or size`;
  }
  if (entry.action === "fail") {
    return null;
  }
  if (!isWhole(size)) {
    return `partition: plan entry ${position} (${quoteName(entry.sourceName)}) has the size ${size}, which is not a whole number of bytes`;
  }
  if (size > MAX_OBJECT_SIZE) {
    return `partition: ${quoteName(entry.sourceName)} is ${size} bytes, more than OCI's object size limit of ${MAX_OBJECT_SIZE} bytes (10 TiB)`;
  }
  return null;
}

function wholeUnit(sourceName: string, targetName: string, size: number): CopyUnit {
  return {
    kind: "whole",
    sourceName: sourceName,
    targetName: targetName,
    size: size,
    offset: 0,
    length: size,
    partSize: 0,
    partCount: 0,
    firstPart: 0,
    lastPart: 0,
  };
}

/**
 * The units of one file of the plan's work: one "whole" unit, or, for a copy of at least multipartThreshold bytes
 * that needs more than one part, its parts cut into ranges of about `share` bytes (one task's share of the cost).
 * `mode` is the entry's action (copy, hash or fail); `size` 0 for fail.
 */
export function fileUnits(sourceName: string, targetName: string, size: number, mode: string, share: number, options: PartitionOptions): CopyUnit[] {
  const partSize = partSizeFor(size, options.minPartSize);
  if (mode !== "copy" || size < options.multipartThreshold || size <= partSize) {
    return [wholeUnit(sourceName, targetName, size)];
  }
  const partCount = Math.ceil(size / partSize);
  const ranges = Math.min(partCount, Math.max(1, Math.ceil(size / share)));
  const perRange = Math.ceil(partCount / ranges);
  const units: CopyUnit[] = [];
  let first = 1;
  while (first <= partCount) {
    const last = Math.min(first + perRange - 1, partCount);
    const offset = (first - 1) * partSize;
    const end = Math.min(last * partSize, size);
    units.push({
      kind: "parts",
      sourceName: sourceName,
      targetName: targetName,
      size: size,
      offset: offset,
      length: end - offset,
      partSize: partSize,
      partCount: partCount,
      firstPart: first,
      lastPart: last,
    });
    first = last + 1;
  }
  return units;
}

/**
 * The task slot (0 .. targetTasks - 1) of a unit costing `cost` whose predecessors in plan order cost `before`, out of
 * `total`: where the unit's midpoint falls among targetTasks equal shares. Nothing to weigh (total 0: only empty
 * files, fileCost 0): slot 0 takes them all.
 */
export function taskSlot(before: number, cost: number, total: number, targetTasks: number): number {
  if (total <= 0) {
    return 0;
  }
  return Math.min(targetTasks - 1, Math.floor(((before + cost / 2) * targetTasks) / total));
}

/** Splits the plan's work (entries with action copy, hash or fail) into at most options.targetTasks tasks. */
export function partitionPlan(entries: PlanEntry[], options: PartitionOptions): PartitionResult {
  const errors = partitionOptionProblems(options);
  const sources: string[] = [];
  const targets: string[] = [];
  const sizes: number[] = [];
  // Per file: "copy" (whole or parts by size), "hash" (always whole), "fail" (whole, length 0).
  const modes: string[] = [];
  let position = 0;
  for (const entry of entries) {
    if (entry.action === "copy" || entry.action === "hash" || entry.action === "fail") {
      const problem = copyProblem(entry, position);
      if (problem !== null) {
        errors.push(problem);
      } else if (entry.sourceName !== null && entry.sourceSize !== null) {
        sources.push(entry.sourceName);
        targets.push(entry.targetName);
        sizes.push(entry.action === "fail" ? 0 : entry.sourceSize);
        modes.push(entry.action);
      }
    }
    position += 1;
  }
  if (errors.length > 0) {
    return { tasks: [], uploads: [], files: 0, bytes: 0, errors: errors };
  }
  const files = sizes.length;
  let bytes = 0;
  for (const size of sizes) {
    bytes += size;
  }
  // One task's share of the cost; a multipart file is cut into ranges of about this many bytes.
  const share = (bytes + files * options.fileCost) / options.targetTasks;

  const units: CopyUnit[] = [];
  const uploads: MultipartUpload[] = [];
  // For each unit, the index of its upload in `uploads`, or -1 for a whole file.
  const uploadOf: number[] = [];
  for (let f = 0; f < files; f++) {
    const fileUnitsOfF = fileUnits(sources[f], targets[f], sizes[f], modes[f], share, options);
    const first = fileUnitsOfF[0];
    if (first.kind === "parts") {
      uploads.push({ sourceName: first.sourceName, targetName: first.targetName, size: first.size, partSize: first.partSize, partCount: first.partCount, tasks: [] });
    }
    for (const unit of fileUnitsOfF) {
      units.push(unit);
      uploadOf.push(unit.kind === "parts" ? uploads.length - 1 : -1);
    }
  }

  let total = 0;
  for (const unit of units) {
    total += unit.length + options.fileCost;
  }
  const tasks: CopyTask[] = [];
  let before = 0;
  let slot = -1;
  for (let u = 0; u < units.length; u++) {
    const unit = units[u];
    const cost = unit.length + options.fileCost;
    const wanted = taskSlot(before, cost, total, options.targetTasks);
    if (wanted !== slot) {
      tasks.push({ index: tasks.length, units: [], bytes: 0, cost: 0 });
      slot = wanted;
    }
    const task = tasks[tasks.length - 1];
    task.units.push(unit);
    task.bytes += unit.length;
    task.cost += cost;
    const upload = uploadOf[u];
    if (upload >= 0) {
      const holders = uploads[upload].tasks;
      if (holders.length === 0 || holders[holders.length - 1] !== task.index) {
        holders.push(task.index);
      }
    }
    before += cost;
  }
  return { tasks: tasks, uploads: uploads, files: files, bytes: bytes, errors: [] };
}
