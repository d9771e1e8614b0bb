// The translator's fixtures (test/codegen/fixtures/*.ts) run in TypeScript and, translated, in Python: every case
// must give the same value (or the same error message) in both. The inputs stress the semantic differences the
// translation handles: UTF-16 versus code points, number formatting, division and remainders, truthiness, None.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type GeneratedModule, type Outcome, PythonSession, comparable, generateModule, tsOutcome } from "./python-session.ts";

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE_FILES = readdirSync(join(here, "fixtures"))
  .filter((f) => f.endsWith(".ts"))
  .sort()
  .map((f) => `test/codegen/fixtures/${f}`);

const STRINGS = [
  "",
  "a",
  "abc",
  "a,b,,c",
  "  padded\t",
  "é",
  "e\u0301",
  "😀",
  "a😀b😁",
  "\ufffd",
  "\ud800",
  "x\udc00y",
  "中文/路径",
  "ß",
  "İ",
  "\u00a0x\u00a0",
  "\u1680 \ufeff",
  "\u001c x \u0085",
  "a$b$&c",
];

const ITEMS = [
  { name: "b", size: 2 },
  { name: "a", size: 2, tag: "t" },
  { name: "😀", size: 0 },
  { name: "c", size: 300 },
];

interface Case {
  file: string;
  fn: string;
  args: unknown[];
}

function cases(): Case[] {
  const out: Case[] = [];
  const add = (file: string, fn: string, ...argLists: unknown[][]) => {
    for (const args of argLists) out.push({ file: `test/codegen/fixtures/${file}.ts`, fn, args });
  };
  const each = (f: (s: string) => unknown[]) => STRINGS.map(f);
  add("strings", "lengths", ...each((s) => [s]));
  add("strings", "slices", ...each((s) => [s, 1, 3]), ...each((s) => [s, 0, 100]), ...each((s) => [s, 2, 1]));
  add("strings", "searching", ...each((s) => [s, "a"]), ...each((s) => [s, ""]), ...each((s) => [s, "😀"]), ...each((s) => [s, "\ude00"]));
  add("strings", "casing", ...each((s) => [s]));
  add("strings", "splitting", ...each((s) => [s, ","]), ...each((s) => [s, ""]), ...each((s) => [s, "😀"]));
  add("strings", "replacing", ...each((s) => [s, "a", "$&-$$"]), ...each((s) => [s, "", "_"]), ...each((s) => [s, "😀", "x"]));
  add("strings", "padding", ...each((s) => [s, 5]), ...each((s) => [s, 0]));
  add("strings", "describeFile", ["f", 3, true], ["😀", 2.5, false], ["x", 1e21, true], ["y", 0.1, false]);
  add("strings", "concatenation", ["a", 1], ["", 0.1], ["z", -0], ["😀", 1e-7]);
  add("strings", "pieces", ...each((s) => [s]));
  add("strings", "codePoints", ...each((s) => [s]));
  add("strings", "order", ["a", "b"], ["\ufffd", "😀"], ["😀", "\uffff"], ["", ""], ["ab", "a"], ["\ue000", "\ud800"]);
  add("strings", "fromCodes", [0xd83d, 0xde00], [65, 66], [0xd800, 65]);
  add("strings", "characterAt", ...each((s) => [s, 0]), ...each((s) => [s, 1]), ...each((s) => [s, 10]));
  add("strings", "normalized", ["e\u0301"], ["é"], ["Å"]);

  add("numbers", "arithmetic", [7, 2], [-7, 2], [7, -2], [1.5, 0.5], [10, 3], [0.1, 0.2], [2 ** 52, 3], [10995116277760, 1048576]);
  add("numbers", "rounding", [2.5], [-2.5], [0.49999999999999994], [-0.5], [3], [1.7], [-1.7]);
  add("numbers", "extremes", [[1, 2, 3]], [[]], [[-1.5, 2]]);
  add("numbers", "checks", [3], [3.5], [2 ** 53], [-1], [1e300]);
  add("numbers", "formatted", [3], [0.1], [1e-7], [123456789], [-5.5], [2 ** 53], [1e21], [1 / 3]);
  add("numbers", "hypotenuse", [3, 4], [1, 1]);
  add("numbers", "power", [2, 10], [2, -1], [2, 0.5]);
  add("numbers", "counting", [5], [0], [3]);

  add("collections", "stack", [[]], [[5, 6]]);
  add("collections", "searchList", [["a", "b", "c"], "b"], [[], "x"], [["😀"], "😀"]);
  add("collections", "transform", [ITEMS], [[]]);
  add("collections", "predicates", [ITEMS], [[]]);
  add("collections", "finding", [ITEMS, "a"], [ITEMS, "zz"]);
  add("collections", "sortedNames", [ITEMS], [[...ITEMS].reverse()]);
  add("collections", "reversed", [[1, 2, 3]], [[]]);
  add("collections", "numbered", [["x", "😀"]]);
  add("collections", "wordCounts", [["a", "b", "a", "skip", "😀"]], [[]]);
  add("collections", "unique", [["b", "a", "b", "drop"]]);
  add("collections", "fields", [ITEMS[0]], [ITEMS[1]]);
  add("collections", "withTag", [ITEMS[0], "new"], [ITEMS[1], "😀"]);
  add("collections", "lookup", [{ a: 1, b: 2 }, "a"], [{}, "x"]);
  add("collections", "pairs", [["x", 3]], [["😀", 0.5]]);
  add("collections", "shapeNames", [[{ kind: "red", sides: 3 }]]);

  add("control", "classify", [-1], [0], [5], [50]);
  add("control", "evens", [10], [0], [1]);
  add("control", "growing", [[5, 200, 15]], [[]]);
  add("control", "ranges", [3], [0], [1]);
  add("control", "firstRepeat", [["a", "b", "a"]], [[]], [["x"]]);
  add("control", "closures", [[1, 2, 3]], [[]]);
  add("control", "shadowing", [[1, 2]], [[]]);
  add("control", "choices", ["", 0, null], ["n", 3, { name: "i", size: 2 }], ["n", 0, { name: "i", size: 0, tag: "t" }]);
  add("control", "kind", ["abc"], [4], ["😀"]);
  add("control", "greet", ["ann"], ["bob", "hi"], ["cy", "yo", "!"]);
  add("control", "sum", [], [1, 2, 3], [0.1, 0.2]);
  add("control", "mustBePositive", [3], [-1], [-0.5]);
  add("control", "flags", [true, true], [false, false]);
  add("control", "perRow", [[[1, 5, 9], [], [2, 2]], 2], [[[10]], 0]);

  add("types", "makeSquare", [2]);
  add("types", "describeShape", [{ kind: "red", sides: 3 }], [{ kind: "blue", sides: 4, label: "sq" }], [{ kind: "green", sides: 5, label: null }]);
  add("types", "scoreDemo", [["tri", "unit", "none", "tri"]], [[]]);
  add("types", "odd", [{ from: "x", "a-b": 2 }]);
  add("types", "isColor", ["red"], ["pink"]);
  return out;
}

describe("fixtures: TypeScript and the generated Python agree", () => {
  let module: GeneratedModule;
  let session: PythonSession;
  const all = cases();
  const ts: Outcome[] = [];
  let py: Outcome[] = [];

  before(async () => {
    module = generateModule(FIXTURE_FILES, "fixtures_under_test");
    session = new PythonSession(module);
    const calls = [];
    for (const c of all) {
      const mod = (await import(join(here, "..", "..", c.file))) as Record<string, (...args: unknown[]) => unknown>;
      // Both languages get the arguments as JSON gives them.
      ts.push(tsOutcome(() => mod[c.fn](...(JSON.parse(JSON.stringify(c.args)) as unknown[]))));
      calls.push({ fn: module.pyName(c.file, c.fn), args: c.args });
    }
    py = await session.callAll(calls);
  });

  after(async () => {
    await session?.close();
    module?.remove();
  });

  it("covers every exported function of the fixtures", () => {
    // score() takes a Map, which JSON cannot carry: scoreDemo() calls it.
    const indirect = new Set(["test/codegen/fixtures/types.ts:score"]);
    const functions = module.model.exports
      .filter((e) => e.kind === "function")
      .map((e) => `${e.file}:${e.ts}`)
      .filter((f) => !indirect.has(f));
    const called = new Set(all.map((c) => `${c.file}:${c.fn}`));
    assert.deepEqual(
      functions.filter((f) => !called.has(f)),
      [],
    );
  });

  all.forEach((c, i) => {
    it(`${c.fn}(${JSON.stringify(c.args)})`, () => {
      assert.equal(comparable(py[i]), comparable(ts[i]), `${c.file} ${c.fn}: Python ${JSON.stringify(py[i])}`);
    });
  });
});
