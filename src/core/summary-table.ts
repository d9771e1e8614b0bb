// The plan summary as a plain-text table for people (the CLI after planning, the job's report). Rows "to hash" and
// "failed" appear only when some entries have those actions; failed names are listed (up to 20, then "and N more"). Sizes in binary
// units with one decimal, truncated (never rounded up: "1023.9 KiB", not "1024.0 KiB"); counts with thousands
// separators.
import type { PlanSummary, Tally } from "./plan-types.ts";
import { quoteName } from "./quote-name.ts";

const UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/** "512 B", "1.5 KiB", "10.0 TiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  let unit = 0;
  let scale = 1024;
  while (unit < UNITS.length - 1 && bytes >= scale * 1024) {
    scale = scale * 1024;
    unit += 1;
  }
  const whole = Math.floor(bytes / scale);
  const tenth = Math.floor(((bytes - whole * scale) * 10) / scale);
  return `${whole}.${tenth} ${UNITS[unit]}`;
}

/** "1,234,567" for a whole number ≥ 0. */
export function groupDigits(count: number): string {
  const digits = `${count}`;
  const parts: string[] = [];
  let end = digits.length;
  while (end > 3) {
    parts.push(digits.slice(end - 3, end));
    end -= 3;
  }
  parts.push(digits.slice(0, end));
  const ordered: string[] = [];
  let i = parts.length - 1;
  while (i >= 0) {
    ordered.push(parts[i]);
    i -= 1;
  }
  return ordered.join(",");
}

function padLeft(text: string, width: number): string {
  let out = text;
  while (out.length < width) {
    out = " " + out;
  }
  return out;
}

function padRight(text: string, width: number): string {
  let out = text;
  while (out.length < width) {
    out = out + " ";
  }
  return out;
}

function row(label: string, tally: Tally): string {
  return `${padRight(label, 12)}${padLeft(groupDigits(tally.files), 14)}${padLeft(formatBytes(tally.bytes), 12)}${padLeft(groupDigits(tally.bytes), 22)}`;
}

/**
 * The summary table, lines joined by "\n" (no trailing newline). `failedNames`: the source names of the first failed
 * entries (collectFailedNames in plan-summary.ts), listed under the table with how many more there are.
 */
export function formatSummaryTable(summary: PlanSummary, failedNames: string[] = []): string {
  const lines: string[] = [];
  lines.push(`${padRight("", 12)}${padLeft("files", 14)}${padLeft("size", 12)}${padLeft("bytes", 22)}`);
  lines.push(row("new", summary.new));
  lines.push(row("update", summary.update));
  lines.push(row("equal", summary.equal));
  lines.push(row("target-only", summary.targetOnly));
  lines.push(row("to copy", summary.copy));
  if (summary.hash.files > 0) {
    lines.push(row("to hash", summary.hash));
  }
  lines.push(row("to delete", summary.delete));
  if (summary.failed.files > 0) {
    lines.push(row("failed", summary.failed));
  }
  lines.push(
    `skipped: ${groupDigits(summary.directories)} source directories, ${groupDigits(summary.excluded)} excluded source files, ${groupDigits(summary.outOfScope)} target objects out of scope`,
  );
  if (summary.failed.files > 0) {
    lines.push(`failed: ${groupDigits(summary.failed.files)} source files cannot become objects and are not copied (fix or exclude them):`);
    for (const name of failedNames) {
      lines.push(`  ${quoteName(name)}`);
    }
    const more = summary.failed.files - failedNames.length;
    if (more > 0) {
      lines.push(`  and ${groupDigits(more)} more`);
    }
  }
  if (summary.errors === 0) {
    lines.push("plan errors: 0 (the plan is valid)");
  } else {
    lines.push(`plan errors: ${groupDigits(summary.errors)} (the plan is invalid and cannot be applied)`);
  }
  return lines.join("\n");
}
