import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { collectFailedNames, emptySummary } from "../../src/core/plan-summary.ts";
import { formatSummaryTable } from "../../src/core/summary-table.ts";

describe("formatSummaryTable", () => {
  it("lays out files, human sizes and exact bytes per line", () => {
    const summary = emptySummary();
    summary.new = { files: 298939, bytes: 12244665140664 };
    summary.update = { files: 1, bytes: 1536 };
    summary.equal = { files: 0, bytes: 0 };
    summary.targetOnly = { files: 2, bytes: 10995116277760 };
    summary.copy = { files: 298940, bytes: 12244665142200 };
    summary.delete = { files: 2, bytes: 10995116277760 };
    summary.directories = 1039;
    summary.excluded = 3;
    summary.outOfScope = 1;
    summary.errors = 2;
    assert.equal(
      formatSummaryTable(summary),
      [
        "                     files        size                 bytes",
        "new                298,939    11.1 TiB    12,244,665,140,664",
        "update                   1     1.5 KiB                 1,536",
        "equal                    0         0 B                     0",
        "target-only              2    10.0 TiB    10,995,116,277,760",
        "to copy            298,940    11.1 TiB    12,244,665,142,200",
        "to delete                2    10.0 TiB    10,995,116,277,760",
        "skipped: 1,039 source directories, 3 excluded source files, 1 target objects out of scope",
        "plan errors: 2 (the plan is invalid and cannot be applied)",
      ].join("\n"),
    );
  });

  it("says when the plan is valid", () => {
    assert.match(formatSummaryTable(emptySummary()), /\nplan errors: 0 \(the plan is valid\)$/);
  });

  it("shows the hash and failed rows when there are such entries, and lists failed names (20, then how many more)", () => {
    const summary = emptySummary();
    summary.update = { files: 2, bytes: 10 };
    summary.hash = { files: 2, bytes: 10 };
    summary.new = { files: 23, bytes: 23 };
    summary.failed = { files: 23, bytes: 23 };
    const names: string[] = [];
    collectFailedNames(names, [
      { sourceName: "ok", sourceSize: 1, targetName: "ok", targetSize: null, status: "new", action: "copy", evidence: "absent", reason: "" },
    ]);
    for (let i = 0; i < 23; i++) {
      const name = i === 0 ? "bad\nname" : `f${i}`;
      collectFailedNames(names, [{ sourceName: name, sourceSize: 1, targetName: name, targetSize: null, status: "new", action: "fail", evidence: "absent", reason: "" }]);
    }
    assert.equal(names.length, 20);
    const lines = formatSummaryTable(summary, names).split("\n");
    assert.equal(lines[6], "to hash                  2        10 B                    10");
    assert.equal(lines[8], "failed                  23        23 B                    23");
    assert.equal(lines[10], "failed: 23 source files cannot become objects and are not copied (fix or exclude them):");
    assert.equal(lines[11], '  "bad\\nname"');
    assert.equal(lines[30], '  "f19"');
    assert.equal(lines[31], "  and 3 more");
    assert.equal(lines[32], "plan errors: 0 (the plan is valid)");
  });

  it("lists every failed name when there are 20 or fewer", () => {
    const summary = emptySummary();
    summary.failed = { files: 1, bytes: 0 };
    assert.match(formatSummaryTable(summary, ["x"]), /\n {2}"x"\nplan errors: 0/);
  });
});
