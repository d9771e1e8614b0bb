// How each list of test/vectors/*.json is run: one function per list, turning a case's `given` into the shape of
// its `want`. This file is translated to Python together with src/core, so both languages run the very same driver
// code (see test/codegen/parity.test.ts, which maps each file and list to its driver).
import { codePointsOf } from "../../src/core/code-points.ts";
import { compareNames, hasSurrogates } from "../../src/core/compare-names.ts";
import { type DiffResult, diffListings } from "../../src/core/diff-listings.ts";
import { applyState, stateName } from "../../src/core/equality-state.ts";
import { compileGlob, globMatches } from "../../src/core/glob.ts";
import { normalizeTargetPrefix, relativeToPrefix, targetNameFor } from "../../src/core/name-mapping.ts";
import { objectNameProblem } from "../../src/core/object-name.ts";
import { type PartitionOptions, type PartitionResult, defaultPartitionOptions, partitionPlan } from "../../src/core/partition.ts";
import { defaultPlanOptions } from "../../src/core/plan-options.ts";
import type { MappedSource, PlanEntry, PlanOptions, SourceEntry, StateRecord, TargetEntry } from "../../src/core/plan-types.ts";
import { quoteName } from "../../src/core/quote-name.ts";
import { sortSources } from "../../src/core/sort-sources.ts";
import { type StoreProblemInfo, storeProblemInfo, storeProblemMessage } from "../../src/core/store-problem.ts";
import { formatBytes, groupDigits } from "../../src/core/summary-table.ts";
import { utf8Length } from "../../src/core/utf8-length.ts";

function sign(x: number): number {
  return x < 0 ? -1 : x > 0 ? 1 : 0;
}

/** compare-names.json: the sign of compareNames(a, b). */
export function compareNamesCase(given: { a: string; b: string }): number {
  return sign(compareNames(given.a, given.b));
}

/** sort-names.json: the names sorted with compareNames. */
export function sortNamesCase(given: { names: string[] }): string[] {
  return [...given.names].sort(compareNames);
}

/** object-names.json. */
export function objectNamesCase(given: { name: string }): { utf8Length: number; problem: string | null } {
  return { utf8Length: utf8Length(given.name), problem: objectNameProblem(given.name) };
}

/** glob.json. */
export function globCase(given: { pattern: string; name: string }): { error: string; matches: boolean } {
  const glob = compileGlob(given.pattern);
  return { error: glob.error, matches: globMatches(glob, given.name) };
}

/** name-mapping.json, list "mapping". */
export function mappingCase(given: { prefix: string; sourceName: string }): { prefix: string; targetName: string } {
  const prefix = normalizeTargetPrefix(given.prefix);
  return { prefix: prefix, targetName: targetNameFor(prefix, given.sourceName) };
}

/** name-mapping.json, list "scope". */
export function scopeCase(given: { prefix: string; objectName: string }): { relative: string | null } {
  return { relative: relativeToPrefix(normalizeTargetPrefix(given.prefix), given.objectName) };
}

/** format.json, list "formatBytes". */
export function formatBytesCase(given: { bytes: number }): string {
  return formatBytes(given.bytes);
}

/** format.json, list "groupDigits". */
export function groupDigitsCase(given: { count: number }): string {
  return groupDigits(given.count);
}

/** format.json, list "quoteName". */
export function quoteNameCase(given: { name: string }): string {
  return quoteName(given.name);
}

/** diff.json: the options merged over defaultPlanOptions(); `state` (optional) applied to the targets by name first. */
export function diffCase(given: {
  options: Partial<PlanOptions>;
  sources: SourceEntry[];
  targets: TargetEntry[];
  state?: StateRecord[];
}): DiffResult {
  const options: PlanOptions = { ...defaultPlanOptions(), ...given.options };
  const state = given.state;
  if (state === undefined || state === null) {
    return diffListings(given.sources, given.targets, options);
  }
  const records = new Map<string, StateRecord>();
  for (const record of state) {
    records.set(record.name, record);
  }
  const targets: TargetEntry[] = [];
  for (const target of given.targets) {
    const record = records.get(target.name);
    targets.push(applyState(target, record === undefined ? null : record));
  }
  return diffListings(given.sources, targets, options);
}

/** apply-state.json: applyState(target, record). */
export function applyStateCase(given: { target: TargetEntry; record: StateRecord | null }): TargetEntry {
  return applyState(given.target, given.record);
}

/** state-name.json: stateName(logName, namespace, bucket, prefix). */
export function stateNameCase(given: { logName: string; namespace: string; bucket: string; prefix: string }): string {
  return stateName(given.logName, given.namespace, given.bucket, given.prefix);
}

/** partition.json: the options merged over defaultPartitionOptions(4). */
export function partitionCase(given: { entries: PlanEntry[]; options: Partial<PartitionOptions> }): PartitionResult {
  const options: PartitionOptions = { ...defaultPartitionOptions(4), ...given.options };
  return partitionPlan(given.entries, options);
}

/** store-problems.json: the fields given merged over storeProblemInfo(kind, side), worded. */
export function storeProblemCase(given: StoreProblemInfo): string {
  const p: StoreProblemInfo = { ...storeProblemInfo(given.kind, given.side), ...given };
  return storeProblemMessage(p);
}

/** Random parity only: sortSources (its size fields number the input, so that the order of equal names shows). */
export function sortSourcesCase(given: { sources: MappedSource[] }): MappedSource[] {
  return sortSources(given.sources);
}

/** Random parity only: hasSurrogates. */
export function hasSurrogatesCase(given: { name: string }): boolean {
  return hasSurrogates(given.name);
}

/** Random parity only: codePointsOf. */
export function codePointsCase(given: { name: string }): number[] {
  return codePointsOf(given.name);
}
