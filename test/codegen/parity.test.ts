// Parity on the shared vectors: every case of every test/vectors/*.json runs through the TypeScript core and through
// its Python translation (one Python process per vector file), and the two results must be identical, and equal
// to the case's `want`. The vectors carry no function name: DRIVERS maps each file and list to the function of
// test/codegen/vector-drivers.ts that runs it (translated together with src/core, so both languages run the same
// driver). A vector file or list without a driver fails the test: add one.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { defaultCoreFiles } from "../../codegen/inspect-core.ts";
import { type GeneratedModule, type Outcome, PythonSession, comparable, generateModule, tsOutcome } from "./python-session.ts";
import {
  applyStateCase,
  compareNamesCase,
  diffCase,
  formatBytesCase,
  globCase,
  groupDigitsCase,
  mappingCase,
  objectNamesCase,
  partitionCase,
  quoteNameCase,
  scopeCase,
  sortNamesCase,
  storeProblemCase,
  stateNameCase,
} from "./vector-drivers.ts";

const here = dirname(fileURLToPath(import.meta.url));
const vectorDir = join(here, "..", "vectors");
const DRIVER_FILE = "test/codegen/vector-drivers.ts";

// biome-ignore lint/suspicious/noExplicitAny: each driver takes its own case shape; the vectors are untyped JSON.
type Driver = (given: any) => unknown;

/** The drivers by name (their exported TypeScript names, which model.exports maps to Python names). */
const FUNCTIONS: Record<string, Driver> = {
  compareNamesCase,
  sortNamesCase,
  objectNamesCase,
  globCase,
  mappingCase,
  scopeCase,
  formatBytesCase,
  groupDigitsCase,
  quoteNameCase,
  diffCase,
  partitionCase,
  storeProblemCase,
  applyStateCase,
  stateNameCase,
};

/** vector file -> list -> driver. */
const DRIVERS: Record<string, Record<string, string>> = {
  "compare-names.json": { cases: "compareNamesCase" },
  "sort-names.json": { cases: "sortNamesCase" },
  "object-names.json": { cases: "objectNamesCase" },
  "glob.json": { cases: "globCase" },
  "name-mapping.json": { mapping: "mappingCase", scope: "scopeCase" },
  "format.json": { formatBytes: "formatBytesCase", groupDigits: "groupDigitsCase", quoteName: "quoteNameCase" },
  "diff.json": { cases: "diffCase" },
  "partition.json": { cases: "partitionCase" },
  "apply-state.json": { cases: "applyStateCase" },
  "state-name.json": { cases: "stateNameCase" },
  "store-problems.json": { cases: "storeProblemCase" },
};

interface VectorCase {
  name: string;
  given: unknown;
  want: unknown;
}

const vectorFiles = readdirSync(vectorDir)
  .filter((f) => f.endsWith(".json"))
  .sort();

function listsOf(file: string): [string, VectorCase[]][] {
  const doc = JSON.parse(readFileSync(join(vectorDir, file), "utf8")) as Record<string, unknown>;
  return Object.entries(doc).filter((e): e is [string, VectorCase[]] => Array.isArray(e[1]));
}

describe("parity: test/vectors through TypeScript and the generated Python", () => {
  let module: GeneratedModule;

  before(() => {
    module = generateModule([...defaultCoreFiles(), DRIVER_FILE], "core_with_drivers");
  });

  after(() => module?.remove());

  it("has a driver for every vector file and list", () => {
    const missing: string[] = [];
    for (const file of vectorFiles) {
      for (const [list] of listsOf(file)) {
        if (DRIVERS[file]?.[list] === undefined) missing.push(`${file} "${list}"`);
      }
    }
    for (const lists of Object.values(DRIVERS)) {
      for (const fn of Object.values(lists)) if (FUNCTIONS[fn] === undefined) missing.push(`function ${fn}`);
    }
    assert.deepEqual(missing, [], "add a driver in test/codegen/vector-drivers.ts, FUNCTIONS and DRIVERS");
  });

  for (const file of vectorFiles) {
    describe(file, () => {
      const cases: { list: string; c: VectorCase; driver: string }[] = [];
      for (const [list, items] of listsOf(file)) {
        const driver = DRIVERS[file]?.[list];
        if (driver !== undefined) for (const c of items) cases.push({ list, c, driver });
      }
      const ts: Outcome[] = [];
      let py: Outcome[] = [];

      before(async () => {
        const session = new PythonSession(module);
        try {
          for (const x of cases) {
            const run = FUNCTIONS[x.driver];
            ts.push(tsOutcome(() => run(structuredClone(x.c.given))));
          }
          py = await session.callAll(cases.map((x) => ({ fn: module.pyName(DRIVER_FILE, x.driver), args: [x.c.given] })));
        } finally {
          await session.close();
        }
      });

      cases.forEach((x, i) => {
        it(`${x.list}: ${x.c.name}`, () => {
          assert.equal(comparable(py[i]), comparable(ts[i]), `Python and TypeScript differ; Python: ${JSON.stringify(py[i])}`);
          assert.ok("ok" in py[i], `Python failed: ${JSON.stringify(py[i])}`);
          assert.deepEqual((py[i] as { ok: unknown }).ok, x.c.want);
        });
      });
    });
  }
});
