// Runs every shared vector in test/vectors through the TypeScript core (the Python translation runs the same files).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { compareNames } from "../../src/core/compare-names.ts";
import { diffListings } from "../../src/core/diff-listings.ts";
import { applyState, stateName } from "../../src/core/equality-state.ts";
import { compileGlob, globMatches } from "../../src/core/glob.ts";
import { normalizeTargetPrefix, relativeToPrefix, targetNameFor } from "../../src/core/name-mapping.ts";
import { objectNameProblem } from "../../src/core/object-name.ts";
import { defaultPlanOptions } from "../../src/core/plan-options.ts";
import type { PlanOptions, SourceEntry, StateRecord, TargetEntry } from "../../src/core/plan-types.ts";
import { quoteName } from "../../src/core/quote-name.ts";
import { formatBytes, groupDigits } from "../../src/core/summary-table.ts";
import { utf8Length } from "../../src/core/utf8-length.ts";

const vectors = join(dirname(fileURLToPath(import.meta.url)), "..", "vectors");

interface Case<G, W> {
  name: string;
  given: G;
  want: W;
}

function load(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(vectors, file), "utf8")) as Record<string, unknown>;
}

function cases<G, W>(file: string, list = "cases"): Case<G, W>[] {
  const all = load(file)[list] as Case<G, W>[] | undefined;
  assert.ok(Array.isArray(all) && all.length > 0, `${file} has no "${list}" cases`);
  return all;
}

describe("vectors: compare-names.json", () => {
  for (const c of cases<{ a: string; b: string }, number>("compare-names.json")) {
    it(c.name, () => {
      assert.equal(Math.sign(compareNames(c.given.a, c.given.b)), c.want);
      assert.equal(Math.sign(compareNames(c.given.b, c.given.a)), c.want === 0 ? 0 : -c.want);
    });
  }
});

describe("vectors: sort-names.json", () => {
  for (const c of cases<{ names: string[] }, string[]>("sort-names.json")) {
    it(c.name, () => {
      assert.deepEqual([...c.given.names].sort(compareNames), c.want);
    });
  }
});

describe("vectors: object-names.json", () => {
  for (const c of cases<{ name: string }, { utf8Length: number; problem: string | null }>("object-names.json")) {
    it(c.name, () => {
      assert.deepEqual({ utf8Length: utf8Length(c.given.name), problem: objectNameProblem(c.given.name) }, c.want);
    });
  }
});

describe("vectors: glob.json", () => {
  for (const c of cases<{ pattern: string; name: string }, { error: string; matches: boolean }>("glob.json")) {
    it(c.name, () => {
      const glob = compileGlob(c.given.pattern);
      assert.deepEqual({ error: glob.error, matches: globMatches(glob, c.given.name) }, c.want);
    });
  }
});

describe("vectors: name-mapping.json", () => {
  for (const c of cases<{ prefix: string; sourceName: string }, { prefix: string; targetName: string }>(
    "name-mapping.json",
    "mapping",
  )) {
    it(`mapping: ${c.name}`, () => {
      const prefix = normalizeTargetPrefix(c.given.prefix);
      assert.deepEqual({ prefix, targetName: targetNameFor(prefix, c.given.sourceName) }, c.want);
    });
  }
  for (const c of cases<{ prefix: string; objectName: string }, { relative: string | null }>("name-mapping.json", "scope")) {
    it(`scope: ${c.name}`, () => {
      assert.deepEqual({ relative: relativeToPrefix(normalizeTargetPrefix(c.given.prefix), c.given.objectName) }, c.want);
    });
  }
});

describe("vectors: format.json", () => {
  for (const c of cases<{ bytes: number }, string>("format.json", "formatBytes")) {
    it(`formatBytes ${c.name}`, () => assert.equal(formatBytes(c.given.bytes), c.want));
  }
  for (const c of cases<{ count: number }, string>("format.json", "groupDigits")) {
    it(`groupDigits ${c.name}`, () => assert.equal(groupDigits(c.given.count), c.want));
  }
  for (const c of cases<{ name: string }, string>("format.json", "quoteName")) {
    it(`quoteName ${c.name}`, () => assert.equal(quoteName(c.given.name), c.want));
  }
});

interface DiffGiven {
  options: Partial<PlanOptions>;
  sources: SourceEntry[];
  targets: TargetEntry[];
  state?: StateRecord[];
}

describe("vectors: diff.json", () => {
  for (const c of cases<DiffGiven, unknown>("diff.json")) {
    it(c.name, () => {
      const options: PlanOptions = { ...defaultPlanOptions(), ...c.given.options };
      const records = new Map((c.given.state ?? []).map((r) => [r.name, r]));
      const targets = c.given.targets.map((t) => applyState(t, records.get(t.name) ?? null));
      const got = diffListings(c.given.sources, targets, options);
      // Compare through JSON so that absent optional fields must be absent (not undefined).
      assert.deepEqual(JSON.parse(JSON.stringify(got)), c.want);
    });
  }
});

describe("vectors: apply-state.json", () => {
  for (const c of cases<{ target: TargetEntry; record: StateRecord | null }, unknown>("apply-state.json")) {
    it(c.name, () => {
      const target = structuredClone(c.given.target);
      assert.deepEqual(JSON.parse(JSON.stringify(applyState(target, c.given.record))), c.want);
      assert.deepEqual(target, c.given.target, "applyState leaves its input as it is");
    });
  }
});

describe("vectors: state-name.json", () => {
  for (const c of cases<{ logName: string; namespace: string; bucket: string; prefix: string }, string>("state-name.json")) {
    it(c.name, () => assert.equal(stateName(c.given.logName, c.given.namespace, c.given.bucket, c.given.prefix), c.want));
  }
});
