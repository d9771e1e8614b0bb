// Constructs outside the translatable subset fail the build with file:line, what, and what to write instead. Each
// case is a small TypeScript file (valid TypeScript: the type checker runs first) written to a temporary folder;
// one inspection reports them all, and the messages are compared exactly.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { inspectCore } from "../../codegen/inspect-core.ts";
import { UnsupportedConstructError } from "../../codegen/unsupported.ts";

interface Case {
  name: string;
  /** The file's text; the construct is on the line the message names. */
  given: string;
  want: string[];
}

const CASES: Case[] = [
  {
    name: "switch",
    given: 'export function f(x: string): number {\n  switch (x) {\n    case "a":\n      return 1;\n  }\n  return 0;\n}\n',
    want: ["switch.ts:2: a switch statement does not translate to Python; write if / else if / else"],
  },
  {
    name: "class",
    given: "export class Box {\n  size = 1;\n}\n",
    want: ["class.ts:1: a class does not translate to Python; use an interface and plain functions"],
  },
  {
    name: "enum",
    given: "export enum Kind {\n  A,\n  B,\n}\n",
    want: ['enum.ts:1: an enum does not translate to Python; use a string-literal union type (type Kind = "a" | "b") and constants'],
  },
  {
    name: "regex",
    given: "export function f(s: string): boolean {\n  return /a+/.test(s);\n}\n",
    want: ["regex.ts:2: a regular expression does not translate to Python; match by hand with string methods (as glob.ts does)"],
  },
  {
    name: "try",
    given: "export function f(): number {\n  try {\n    return 1;\n  } catch {\n    return 2;\n  }\n}\n",
    want: ["try.ts:2: try/catch does not translate to Python; the core returns errors as values (see PlanError); check before acting"],
  },
  {
    name: "loose-equality",
    given: "export function f(a: number, b: number): boolean {\n  // biome-ignore lint/suspicious/noDoubleEquals: the case\n  return a == b;\n}\n",
    want: ["loose-equality.ts:3: == (with type coercion) does not translate to Python; use === or !=="],
  },
  {
    name: "bitwise",
    given: "export function f(a: number): number {\n  return a >> 1;\n}\n",
    want: [
      "bitwise.ts:2: the bitwise operator >> (32-bit in JavaScript, unbounded in Python) does not translate to Python; use arithmetic: Math.floor(x / 2 ** k), x % m, x * 2 ** k",
    ],
  },
  {
    name: "for-in",
    given: "export function f(o: Record<string, number>): number {\n  let n = 0;\n  for (const k in o) {\n    n += k.length;\n  }\n  return n;\n}\n",
    want: ["for-in.ts:3: a for...in loop does not translate to Python; write for (const key of Object.keys(obj))"],
  },
  {
    name: "do-while",
    given: "export function f(n: number): number {\n  let i = 0;\n  do {\n    i += 1;\n  } while (i < n);\n  return i;\n}\n",
    want: ["do-while.ts:3: a do...while loop does not translate to Python; write while (true) { ...; if (!(condition)) break; }"],
  },
  {
    name: "for-each",
    given: "export function f(xs: number[]): number {\n  let n = 0;\n  xs.forEach((x) => {\n    n += x;\n  });\n  return n;\n}\n",
    want: ["for-each.ts:3: forEach does not translate to Python; write for (const x of items) { ... }"],
  },
  {
    name: "reduce",
    given: "export function f(xs: number[]): number {\n  return xs.reduce((a, b) => a + b, 0);\n}\n",
    want: ["reduce.ts:2: reduce does not translate to Python; write a for-of loop that accumulates into a let"],
  },
  {
    name: "sort-without-comparator",
    given: "export function f(xs: string[]): string[] {\n  return xs.sort();\n}\n",
    want: [
      "sort-without-comparator.ts:2: sort() without a comparator (it compares as strings) does not translate to Python; pass a comparator, e.g. compareNames",
    ],
  },
  {
    name: "array-truthiness",
    given: "export function f(xs: number[]): number {\n  if (xs) {\n    return 1;\n  }\n  return 0;\n}\n",
    want: [
      "array-truthiness.ts:2: testing an object or array for truth (always true in JavaScript, false when empty in Python) does not translate to Python; compare explicitly, e.g. items.length > 0 or x !== null",
    ],
  },
  {
    name: "random",
    given: "export function f(): number {\n  return Math.random();\n}\n",
    want: ["random.ts:2: Math.random() does not translate to Python; the core is deterministic: take the value as a parameter"],
  },
  {
    name: "module-let",
    given: "let counter = 0;\nexport function f(): number {\n  return counter;\n}\n",
    want: ["module-let.ts:1: a module-level let does not translate to Python; the core keeps no module state: use const"],
  },
  {
    name: "outside-import",
    given: 'import { X } from "./elsewhere/thing.ts";\nexport const Y = X;\n',
    want: [
      'outside-import.ts:1: importing "./elsewhere/thing.ts" does not translate to Python; the core is pure: import only the other translated files (./name.ts)',
      "outside-import.ts:2: X, declared outside the translated files does not translate to Python; import only from the translated files (./name.ts)",
    ],
  },
  {
    name: "increment-in-expression",
    given: "export function f(xs: number[]): number {\n  let i = 0;\n  return xs[i++];\n}\n",
    want: ["increment-in-expression.ts:3: i++ inside an expression does not translate to Python; increment in a statement of its own (i += 1;)"],
  },
  {
    name: "assignment-in-expression",
    given: "export function f(): number {\n  let x = 0;\n  if ((x = 2) > 1) {\n    return x;\n  }\n  return 0;\n}\n",
    want: ["assignment-in-expression.ts:3: an assignment inside an expression does not translate to Python; assign in a statement of its own"],
  },
  {
    name: "label",
    given: "export function f(): number {\n  outer: for (const a of [1]) {\n    for (const b of [2]) {\n      if (a < b) break outer;\n    }\n  }\n  return 0;\n}\n",
    want: ["label.ts:2: a labelled statement does not translate to Python; move the inner loop into a function and return"],
  },
  {
    name: "new-date",
    given: "export function f(): number {\n  return new Date(0).getTime();\n}\n",
    want: [
      "new-date.ts:2: new Date(...) does not translate to Python; the core has no classes: use object literals, [], new Map() or new Set()",
    ],
  },
  {
    name: "nullable-in-template",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the TypeScript source of the case holds a template.
    given: "export function f(name: string | null): string {\n  return `name: ${name}`;\n}\n",
    want: [
      'nullable-in-template.ts:2: converting a string | null to text does not translate to Python; convert strings, numbers and booleans only; for a possible null write x === null ? "null" : String(x)',
    ],
  },
  {
    name: "mixed-order",
    given: "export function f(a: string | number, b: string | number): boolean {\n  return a < b;\n}\n",
    want: [
      "mixed-order.ts:2: < between a string | number and a string | number does not translate to Python; compare two numbers or two strings that cannot be null",
    ],
  },
  {
    name: "optional-chain-continued",
    given: "interface A {\n  b: { c: number };\n}\nexport function f(a: A | null): number | undefined {\n  return a?.b.c;\n}\n",
    want: [
      "optional-chain-continued.ts:5: an optional chain (?.) that goes on or starts from a computed value does not translate to Python; check for null with if, then read the fields",
    ],
  },
  {
    name: "json",
    given: "export function f(x: number[]): string {\n  return JSON.stringify(x);\n}\n",
    want: ["json.ts:2: JSON.stringify(...) does not translate to Python; the core has no I/O or serialisation: return plain objects"],
  },
  {
    name: "object-keyed-map",
    given: "export function f(): number {\n  const m = new Map<number[], number>();\n  return m.size;\n}\n",
    want: ["object-keyed-map.ts:2: a Map keyed by number[] does not translate to Python; key it by a string or a number (an id or a name)"],
  },
  {
    name: "async",
    given: "export async function f(): Promise<number> {\n  return 1;\n}\n",
    want: ["async.ts:1: an async function does not translate to Python; the core is synchronous: make it a plain function"],
  },
  {
    name: "locale-compare",
    given: "export function f(a: string, b: string): number {\n  return a.localeCompare(b);\n}\n",
    want: ["locale-compare.ts:2: localeCompare (its order depends on the locale) does not translate to Python; use compareNames (code point order)"],
  },
  {
    name: "callback-arity",
    given: "function twice(x: number, i: number): number {\n  return x * i;\n}\nexport function f(xs: number[]): number[] {\n  return xs.map(twice);\n}\n",
    want: [
      "callback-arity.ts:5: passing a function that takes more than one parameter as a callback does not translate to Python; pass an arrow function: (x) => f(x)",
    ],
  },
  {
    name: "push-value",
    given: "export function f(xs: number[]): number {\n  return xs.push(1);\n}\n",
    want: ["push-value.ts:2: using the value of push() does not translate to Python; call push() in a statement of its own"],
  },
  {
    name: "unary-plus",
    given: "export function f(s: string): number {\n  return +s;\n}\n",
    want: ["unary-plus.ts:2: the unary + here does not translate to Python; use - on numbers only, and no + coercion"],
  },
  {
    name: "var",
    given: "export function f(): number {\n  var x = 1;\n  return x;\n}\n",
    want: ["var.ts:2: a var declaration does not translate to Python; use const or let"],
  },
  {
    name: "throw-value",
    given: 'export function f(): number {\n  throw "bad";\n}\n',
    want: [
      "throw-value.ts:2: throwing anything but new Error(message) does not translate to Python; throw new Error(message), or return the error",
    ],
  },
  {
    name: "this",
    given: "export function f(this: { n: number }): number {\n  return this.n;\n}\n",
    want: [
      "this.ts:2: this does not translate to Python; use plain functions that take the object as a parameter",
    ],
  },
  {
    name: "nullable-concatenation",
    given: "export function f(a: string, b: number | null): string {\n  return a + b;\n}\n",
    want: [
      'nullable-concatenation.ts:2: converting a number | null to text does not translate to Python; convert strings, numbers and booleans only; for a possible null write x === null ? "null" : String(x)',
    ],
  },
  {
    name: "record-write",
    given: "export function f(counts: Record<string, number>, key: string): void {\n  counts[key] = 1;\n}\n",
    want: [
      "record-write.ts:2: writing a computed key into an object does not translate to Python; use a Map: JavaScript puts integer-like keys of an object first, Python keeps insertion order",
    ],
  },
  {
    name: "record-keys",
    given: "export function f(counts: Record<string, number>): string[] {\n  return Object.keys(counts);\n}\n",
    want: [
      "record-keys.ts:2: Object.keys of a record (an object used as a map) does not translate to Python; use a Map: JavaScript puts integer-like keys of an object first, Python keeps insertion order",
    ],
  },
  {
    name: "integer-key",
    given: 'export function f(): Record<string, number> {\n  return { b: 1, "2": 2 };\n}\n',
    want: [
      "integer-key.ts:2: an integer-like key in an object literal does not translate to Python; use a Map: JavaScript puts integer-like keys of an object first, Python keeps insertion order",
    ],
  },
  {
    name: "loop-closure",
    given:
      "export function f(xs: number[]): (() => number)[] {\n  const out: (() => number)[] = [];\n  for (const x of xs) {\n    out.push(() => x);\n  }\n  return out;\n}\n",
    want: [
      "loop-closure.ts:4: a function made in a loop that reads the loop's variables (a Python closure sees their last value) does not translate to Python; define the function outside the loop and pass the values as arguments",
    ],
  },
];

const NAME_CLASH = {
  "clash-a.ts": "export function sizeOf(x: number): number {\n  return x;\n}\n",
  "clash-b.ts": "export function size_of(x: number): number {\n  return x;\n}\n",
};

describe("constructs outside the subset are named with file, line and what to write instead", () => {
  let root: string;
  let problems: string[] = [];
  let typeErrors: string[] = [];

  before(() => {
    root = mkdtempSync(join(tmpdir(), "lake2oci-unsupported-"));
    writeFileSync(join(root, "package.json"), '{ "type": "module" }\n');
    mkdirSync(join(root, "elsewhere"));
    writeFileSync(join(root, "elsewhere", "thing.ts"), "export const X = 1;\n");
    // Every case declares a function f: numbered, so that the names do not clash in the shared Python namespace.
    CASES.forEach((c, i) => {
      writeFileSync(join(root, `${c.name}.ts`), c.given.replace("function f(", `function f${i}(`));
    });
    for (const [file, text] of Object.entries(NAME_CLASH)) writeFileSync(join(root, file), text);
    writeFileSync(join(root, "type-error.ts"), 'export function f(): number {\n  const x: number = "a";\n  return x;\n}\n');
    // The core is compiled without DOM or Node types: console does not even exist there.
    writeFileSync(join(root, "console.ts"), 'export function f(): void {\n  console.log("x");\n}\n');
    const collect = (files: string[]): string[] => {
      try {
        inspectCore({ root, files });
      } catch (error) {
        if (error instanceof UnsupportedConstructError) return error.message.split("\n").slice(1);
        throw error;
      }
      return [];
    };
    problems = collect([...CASES.map((c) => `${c.name}.ts`), ...Object.keys(NAME_CLASH)]);
    typeErrors = collect(["console.ts", "type-error.ts"]);
  });

  after(() => {
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(c.name, () => {
      assert.deepEqual(
        problems.filter((p) => p.startsWith(`${c.name}.ts:`)),
        c.want,
      );
    });
  }

  it("exported names that become the same Python name", () => {
    assert.deepEqual(
      problems.filter((p) => p.startsWith("clash-")),
      [
        "clash-b.ts:1: the name size_of becomes size_of in Python, which clash-a.ts also declares (sizeOf); the translated files share one Python namespace: rename one of them",
      ],
    );
  });

  it("reports nothing else", () => {
    const known = [...CASES.map((c) => `${c.name}.ts:`), "clash-"];
    assert.deepEqual(
      problems.filter((p) => !known.some((k) => p.startsWith(k))),
      [],
    );
  });

  it("refuses code that does not type-check, with the TypeScript message", () => {
    assert.deepEqual(typeErrors, [
      "console.ts:2: TypeScript error TS2584: Cannot find name 'console'. Do you need to change your target library? Try changing the 'lib' compiler option to include 'dom'; the translation needs type-correct code",
      "type-error.ts:2: TypeScript error TS2322: Type 'string' is not assignable to type 'number'; the translation needs type-correct code",
    ]);
  });
});
