// The first step for each source listing entry: skip directories, apply include/exclude, map the name, check it.
import { filterSelects } from "./name-filter.ts";
import { targetNameFor } from "./name-mapping.ts";
import { objectNameProblem } from "./object-name.ts";
import { quoteName } from "./quote-name.ts";
import { knownMd5 } from "./judge-file.ts";
import type { PreparedPlan } from "./plan-options.ts";
import type { MappedSource, PlanError, SourceEntry } from "./plan-types.ts";

/** `invalid`: a name that cannot become an object under strictNames (a plan error); `failed`: the same without
 * strictNames (a source carrying its problem, planned as an entry with action fail). */
export type IntakeKind = "file" | "directory" | "excluded" | "invalid" | "failed";

export interface SourceIntake {
  kind: IntakeKind;
  /** Set for "file" and "failed" (then with `problem`). */
  source: MappedSource | null;
  /** Set for "invalid" (kind "invalid-name"). */
  error: PlanError | null;
}

/** What becomes of one source entry. */
export function intakeSource(entry: SourceEntry, plan: PreparedPlan): SourceIntake {
  if (entry.isDirectory === true) {
    return { kind: "directory", source: null, error: null };
  }
  if (plan.filtering && !filterSelects(plan.filter, entry.name)) {
    return { kind: "excluded", source: null, error: null };
  }
  const targetName = targetNameFor(plan.prefix, entry.name);
  const problem = objectNameProblem(targetName);
  const md5 = knownMd5(entry.md5);
  const version = knownMd5(entry.version);
  if (problem !== null) {
    const message = `source ${quoteName(entry.name)} maps to the object name ${quoteName(targetName)}, which OCI refuses: ${problem}; exclude the file or rename it`;
    if (!plan.strictNames) {
      const failed: MappedSource = {
        sourceName: entry.name,
        targetName: targetName,
        size: entry.size,
        md5: md5,
        version: version,
        problem: message,
      };
      return { kind: "failed", source: failed, error: null };
    }
    const error: PlanError = { kind: "invalid-name", names: [entry.name], message: message };
    return { kind: "invalid", source: null, error: error };
  }
  const source: MappedSource = { sourceName: entry.name, targetName: targetName, size: entry.size, md5: md5, version: version };
  return { kind: "file", source: source, error: null };
}
