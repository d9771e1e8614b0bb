// Randomized parity: 12,000 seeded cases across compareNames, sorting, object names, code points, globs, name
// mapping, formatting, the diff and partitioning run through the TypeScript core and its Python translation as
// emitted, native equivalents included (one Python process for all of them). The first difference stops the run;
// it is shrunk to a small failing case, printed with the seed. The seed is fixed so that CI is reproducible; try
// others with
//   LAKE2OCI_PARITY_SEED=123 node --import tsx --test test/codegen/random-parity.test.ts
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { defaultCoreFiles } from "../../codegen/inspect-core.ts";
import { type GeneratedModule, PythonSession, comparable, generateModule, tsOutcome } from "./python-session.ts";
import { randomCases, shrink } from "./random-cases.ts";
import {
  applyStateCase,
  codePointsCase,
  compareNamesCase,
  diffCase,
  formatBytesCase,
  globCase,
  groupDigitsCase,
  hasSurrogatesCase,
  mappingCase,
  objectNamesCase,
  partitionCase,
  quoteNameCase,
  scopeCase,
  sortNamesCase,
  sortSourcesCase,
  stateNameCase,
} from "./vector-drivers.ts";

const DRIVER_FILE = "test/codegen/vector-drivers.ts";
const SEED = Number(process.env.LAKE2OCI_PARITY_SEED ?? "20241124");
const COUNT = 12000;

// biome-ignore lint/suspicious/noExplicitAny: random cases are untyped JSON shaped for their driver.
const FUNCTIONS: Record<string, (given: any) => unknown> = {
  compareNamesCase,
  sortNamesCase,
  sortSourcesCase,
  hasSurrogatesCase,
  codePointsCase,
  objectNamesCase,
  globCase,
  mappingCase,
  scopeCase,
  formatBytesCase,
  groupDigitsCase,
  quoteNameCase,
  diffCase,
  partitionCase,
  applyStateCase,
  stateNameCase,
};

describe("random parity: TypeScript core and generated Python agree", () => {
  let module: GeneratedModule;
  let session: PythonSession;

  before(() => {
    module = generateModule([...defaultCoreFiles(), DRIVER_FILE], "core_random");
    session = new PythonSession(module);
  });

  after(async () => {
    await session?.close();
    module?.remove();
  });

  it("the generator is reproducible and covers every driver", () => {
    assert.deepEqual(randomCases(SEED, 200), randomCases(SEED, 200));
    assert.notDeepEqual(randomCases(SEED, 50), randomCases(SEED + 1, 50));
    const drivers = new Set(randomCases(SEED, COUNT).map((c) => c.driver));
    assert.deepEqual([...drivers].sort(), Object.keys(FUNCTIONS).sort());
  });

  it("the shrinker finds a small failing case", async () => {
    const failing = { items: [5, 7, 9, 11], label: "abc😀" };
    const small = await shrink(failing, async (v) => JSON.stringify(v).includes("7"));
    assert.deepEqual(small, { items: [7], label: "" });
  });

  it(`${COUNT} cases (seed ${SEED})`, async (t) => {
    const cases = randomCases(SEED, COUNT);
    const ts = (driver: string, given: unknown) => comparable(tsOutcome(() => FUNCTIONS[driver](structuredClone(given))));
    const py = await session.callAll(cases.map((c) => ({ fn: module.pyName(DRIVER_FILE, c.driver), args: [c.given] })));
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      const want = ts(c.driver, c.given);
      if (comparable(py[i]) === want) continue;
      const differs = async (given: unknown) =>
        comparable(await session.call(module.pyName(DRIVER_FILE, c.driver), [given])) !== ts(c.driver, given);
      const small = await shrink(c.given, differs);
      const smallPy = await session.call(module.pyName(DRIVER_FILE, c.driver), [small]);
      assert.fail(
        `seed ${SEED}, case ${i} (${c.driver}): TypeScript and Python differ.\n` +
          `smallest failing case: ${c.driver}(${JSON.stringify(small)})\n` +
          `  TypeScript: ${ts(c.driver, small)}\n  Python:     ${comparable(smallPy)}\n` +
          `original case: ${JSON.stringify(c.given)}`,
      );
    }
    t.diagnostic(`seed ${SEED}: ${cases.length} cases agree`);
  });
});
