// The first step for each source listing entry: skip directories, apply include/exclude, map the name, check it.
import { filterSelects } from "./name-filter.ts";
import { targetNameFor } from "./name-mapping.ts";
import { objectNameProblem } from "./object-name.ts";
import { quoteName } from "./quote-name.ts";
import { knownMd5 } from "./judge-file.ts";
import type { PreparedPlan } from "./plan-options.ts";
import type { MappedSource, PlanError, SourceEntry } from "./plan-types.ts";

export type IntakeKind = "file" | "directory" | "excluded" | "invalid";

export interface SourceIntake {
  kind: IntakeKind;
  /** Set for "file". */
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
  if (problem !== null) {
    const error: PlanError = {
      kind: "invalid-name",
      names: [entry.name],
      message: `source ${quoteName(entry.name)} maps to the object name ${quoteName(targetName)}, which OCI refuses: ${problem}; exclude the file or rename it`,
    };
    return { kind: "invalid", source: null, error: error };
  }
  const source: MappedSource = { sourceName: entry.name, targetName: targetName, size: entry.size, md5: knownMd5(entry.md5) };
  return { kind: "file", source: source, error: null };
}
