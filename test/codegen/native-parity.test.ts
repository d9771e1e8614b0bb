// Native equivalents (codegen/shims/native.py): each replaces its function in the emitted core, was checked against
// the current translation (its pin), and returns what its translated twin returns on at least 10,000 seeded random
// inputs each, compared in Python in the module as emitted (test/codegen/native_twins.py). The comparison is shown
// to fail: with a bug planted in every native, it finds a difference for each. The header and signature checks of
// the mechanism give their exact messages.
import assert from "node:assert/strict";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { APP_FILE, buildApp } from "../../codegen/build-app.ts";
import { NATIVES_FILE, type NativeBlock, emitCore, emitCoreModule, loadNatives, nativePin, selectNatives, twinName } from "../../codegen/emit-core.ts";
import { inspectCore, repoRoot } from "../../codegen/inspect-core.ts";
import type { CoreModel, PyDef } from "../../codegen/model.ts";
import { requireVenv, runCommand } from "../helpers/python.ts";

const here = dirname(fileURLToPath(import.meta.url));
const twinsScript = join(here, "native_twins.py");
const SEED = Number(process.env.LAKE2OCI_PARITY_SEED ?? "20241124");
const CASES = 10000;

interface TwinReport {
  results: Record<string, { cases: number; differ: number; example: string }>;
  missing: string[];
}

describe("native equivalents", () => {
  let model: CoreModel;
  let natives: NativeBlock[];
  let scratch: string;

  before(() => {
    model = inspectCore();
    natives = loadNatives().filter((b) => b.kind === "native");
    scratch = mkdtempSync(join(tmpdir(), "lake2oci-native-"));
    writeFileSync(join(scratch, "lake2oci_core.py"), emitCoreModule(model));
  });

  after(() => {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  const runTwins = async (extra: string[]): Promise<TwinReport> => {
    const args = [twinsScript, scratch, "lake2oci_core", String(SEED), String(CASES), ...natives.map((b) => b.name), ...extra];
    const run = await runCommand(requireVenv(), args, { timeoutMs: 240_000 });
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as TwinReport;
  };

  it("are the short list the core uses, each replacing its function in dist/app.py", () => {
    const names = natives.map((b) => b.name);
    assert.deepEqual(names, [
      "compare_names",
      "has_surrogates",
      "utf8_length",
      "object_name_problem",
      "sort_sources",
      "code_points_of",
      "glob_matches_points",
    ]);
    assert.deepEqual(emitCore(model).natives.sort(), [...names].sort());
    const app = readFileSync(join(repoRoot, APP_FILE), "utf8");
    for (const n of names) {
      assert.equal(app.split(`\ndef ${n}(`).length, 2, `dist/app.py defines ${n} once (the native)`);
      assert.equal(app.split(`\ndef ${twinName(n)}(`).length, 2, `dist/app.py defines ${twinName(n)} once (the translation)`);
    }
  });

  it("were each checked against the current translation of their function (pin)", () => {
    const stale = natives
      .filter((b) => b.pin !== nativePin(model, b.name))
      .map((b) => `${b.name}: pin ${b.pin}, translation now ${nativePin(model, b.name)}`);
    assert.deepEqual(
      stale,
      [],
      `the translation of these functions changed since their native equivalent was checked: make sure each native in ${NATIVES_FILE} ` +
        "still returns what the translation does (the argument above it, then this test), then put the new pin in its header " +
        "(`npx tsx codegen/build-app.ts --native-pins` lists them)",
    );
  });

  it(`each returns what its translated twin returns on ${CASES} random inputs`, async () => {
    const report = await runTwins([]);
    assert.deepEqual(report.missing, [], `add an input generator for these natives to GENERATORS in ${twinsScript}`);
    for (const b of natives) {
      const r = report.results[b.name];
      assert.ok(r !== undefined, `no result for ${b.name}`);
      assert.equal(r.cases, CASES);
      assert.equal(r.differ, 0, `seed ${SEED}: ${b.name} differs from ${twinName(b.name)} in ${r.differ} cases, e.g. ${r.example}`);
    }
  });

  it("the comparison finds a bug planted in each native", async () => {
    const report = await runTwins(["--mutate"]);
    for (const b of natives) {
      assert.ok((report.results[b.name]?.differ ?? 0) > 0, `the planted bug in ${b.name} went unnoticed: ${JSON.stringify(report.results[b.name])}`);
    }
  });

  it("can be left out: the translation alone, under the public names", () => {
    const plain = emitCore(model, repoRoot, { natives: false });
    assert.deepEqual(plain.natives, []);
    assert.ok(!plain.body.includes("_translated_"));
    assert.ok(plain.body.includes("\ndef compare_names(a: str, b: str) -> float:\n"));
    assert.ok(!plain.body.includes("_SURROGATE_CHAR"));
  });
});

describe("native pins", () => {
  const model = inspectCore();
  const withDef = (name: string, change: (def: PyDef) => PyDef): CoreModel => ({
    ...model,
    files: model.files.map((f) => ({
      ...f,
      decls: f.decls.map((d) => (d.k === "function" && d.def.name === name ? { ...d, def: change(d.def) } : d)),
    })),
  });
  const cases: { name: string; given: CoreModel; pinOf: string; changes: boolean }[] = [
    { name: "the same translation", given: model, pinOf: "compare_names", changes: false },
    { name: "another docstring", given: withDef("compare_names", (d) => ({ ...d, doc: "Reworded." })), pinOf: "compare_names", changes: false },
    {
      name: "a comment added to the body",
      given: withDef("compare_names", (d) => ({ ...d, body: [{ k: "comment", lines: ["why"] }, ...d.body] })),
      pinOf: "compare_names",
      changes: false,
    },
    { name: "another body", given: withDef("compare_names", (d) => ({ ...d, body: d.body.slice(1) })), pinOf: "compare_names", changes: true },
    {
      name: "a function it calls, called through another (compare_mapped)",
      given: withDef("_code_point_order_key", (d) => ({ ...d, body: d.body.slice(1) })),
      pinOf: "sort_sources",
      changes: true,
    },
    { name: "a function it does not call", given: withDef("quote_name", (d) => ({ ...d, body: [] })), pinOf: "compare_names", changes: false },
    {
      name: "a constant it reads (MAX_OBJECT_NAME_BYTES)",
      given: {
        ...model,
        files: model.files.map((f) => ({
          ...f,
          decls: f.decls.map((d) => (d.k === "const" && d.name === "MAX_OBJECT_NAME_BYTES" ? { ...d, value: { k: "num" as const, text: "2048" } } : d)),
        })),
      },
      pinOf: "object_name_problem",
      changes: true,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.changes ? "another" : "the same"} pin`, () => {
      assert.equal(nativePin(c.given, c.pinOf) !== nativePin(model, c.pinOf), c.changes);
    });
  }
});

describe("native blocks that do not fit give clear errors", () => {
  const model = inspectCore();
  let root: string;

  before(() => {
    root = mkdtempSync(join(tmpdir(), "lake2oci-native-blocks-"));
  });

  after(() => {
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  const select = (text: string) => {
    writeFileSync(join(root, "native.py"), text);
    return selectNatives(model, loadNatives(root, "native.py"));
  };

  const cases: { name: string; given: string; want: string }[] = [
    {
      name: "a malformed header",
      given: "# native: compare_names pin: 0\ndef compare_names(a, b):\n    return 0\n",
      want:
        'codegen: native.py:1: malformed block header; write "# native: NAME (src/core/FILE.ts) pin: HASH [needs: ...] [imports: ...]" ' +
        'or "# native-helper: NAME [needs: ...] [imports: ...]"',
    },
    {
      name: "no pin",
      given: "# native: compare_names (src/core/compare-names.ts)\ndef compare_names(a, b):\n    return 0\n",
      want: "codegen: native.py:1: the native compare_names needs one pin: HASH (see nativePin)",
    },
    {
      name: "an unknown option",
      given: "# native: compare_names (src/core/compare-names.ts) pin: 0 uses: x\ndef compare_names(a, b):\n    return 0\n",
      want: "codegen: native.py:1: unknown header option uses: (use pin:, needs: or imports:)",
    },
    {
      name: "a function the file does not declare",
      given: "# native: compare_name (src/core/compare-names.ts) pin: 0\ndef compare_name(a, b):\n    return 0\n",
      want:
        "codegen: native.py:1: the native compare_name replaces a function of src/core/compare-names.ts, which has no " +
        "function compare_name (renamed or removed?): rename the block to the function's Python name, or remove it",
    },
    {
      name: "no def of that name in the block",
      given: "# native: compare_names (src/core/compare-names.ts) pin: 0\ndef other(a, b):\n    return 0\n",
      want: "codegen: native.py:1: the native block compare_names defines no top-level def compare_names(...)",
    },
    {
      name: "other parameters",
      given: "# native: compare_names (src/core/compare-names.ts) pin: 0\ndef compare_names(x: str, y: str) -> float:\n    return 0\n",
      want:
        "codegen: native.py:1: the native compare_names(x, y) must take the parameters of its translation, compare_names(a, b)",
    },
    {
      name: "a helper that is not there",
      given: "# native: compare_names (src/core/compare-names.ts) pin: 0 needs: nothing\ndef compare_names(a, b):\n    return 0\n",
      want: "codegen: native.py:1: compare_names needs nothing, which is no native-helper block",
    },
    {
      name: "two blocks of one name",
      given: "# native-helper: h\nX = 1\n# native-helper: h\nY = 2\n",
      want: "codegen: native.py:3: a second block named h",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(() => select(c.given), (e: Error) => {
        assert.equal(e.message, c.want);
        return true;
      });
    });
  }

  it("dist/app.py is not built while a native's file is not translated (renamed or removed)", () => {
    const copy = join(root, "repo");
    for (const dir of ["src/core", "src/config", "codegen/shims", "src/job"]) {
      cpSync(join(repoRoot, dir), join(copy, dir), { recursive: true });
    }
    writeFileSync(join(copy, "package.json"), '{ "type": "module" }\n');
    const lines = readFileSync(join(copy, NATIVES_FILE), "utf8").split("\n").length;
    appendFileSync(join(copy, NATIVES_FILE), "\n# native: f (src/core/absent.ts) pin: 0\ndef f(a):\n    return a\n");
    assert.throws(() => buildApp({ root: copy }), {
      message:
        `codegen: ${NATIVES_FILE}:${lines + 1}: the native f replaces a function of src/core/absent.ts, which is not among the ` +
        "translated files: fix the file name in its header, or remove the block",
    });
  });

  it("a native whose file is not translated does not apply to a module of other files", () => {
    const picked = select("# native: f (src/core/absent.ts) pin: 0\ndef f(a):\n    return a\n");
    assert.deepEqual([...picked.natives.keys()], []);
    assert.deepEqual(picked.helpers, []);
  });

  it("a native that fits applies, with the helpers it needs and theirs", () => {
    const picked = select(
      "# native-helper: a needs: b\nA = B\n# native-helper: b imports: re\nB = re\n# native-helper: unused\nC = 3\n" +
        "# native: compare_names (src/core/compare-names.ts) pin: 0 needs: a\ndef compare_names(a: str, b: str) -> float:\n    return 0\n",
    );
    assert.deepEqual([...picked.natives.keys()], ["compare_names"]);
    assert.deepEqual(
      picked.helpers.map((h) => [h.name, h.imports]),
      [
        ["a", []],
        ["b", ["re"]],
      ],
    );
  });
});
