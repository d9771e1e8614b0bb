import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseJsonc } from "../../src/config/jsonc.ts";

describe("parseJsonc: values", () => {
  const cases: { name: string; given: string; want: unknown }[] = [
    { name: "plain JSON", given: `{"a": [1, -2.5e3, "x\\n\\u00e9", true, false, null], "b": {}}`, want: { a: [1, -2500, "x\né", true, false, null], b: {} } },
    { name: "line comments", given: `// head\n{\n  "a": 1, // trailing\n  "b": "//not a comment"\n}\n`, want: { a: 1, b: "//not a comment" } },
    { name: "block comments", given: `/* a\n b */ {"a": /* inline */ 1}`, want: { a: 1 } },
    { name: "byte order mark", given: `\ufeff{"a": 1}`, want: { a: 1 } },
    { name: "empty array and nested", given: `[[], [{}], " "]`, want: [[], [{}], " "] },
    { name: "top-level scalar", given: ` "x" `, want: "x" },
  ];
  for (const { name, given, want } of cases) {
    it(name, () => {
      assert.deepEqual(parseJsonc(given), { ok: true, value: want });
    });
  }

  it("keeps __proto__ as an ordinary key", () => {
    const r = parseJsonc(`{"__proto__": {"polluted": true}}`);
    assert.ok(r.ok);
    const value = r.value as Record<string, unknown>;
    assert.deepEqual(Object.keys(value), ["__proto__"]);
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe("parseJsonc: syntax errors with line and column", () => {
  const cases: { name: string; given: string; want: { line: number; column: number; message: string } }[] = [
    { name: "missing comma", given: `{\n  "a": 1\n  "b": 2\n}`, want: { line: 3, column: 3, message: "expected , or } after a property value" } },
    { name: "trailing comma in an object", given: `{"a": 1,\n}`, want: { line: 2, column: 1, message: "trailing comma before }" } },
    { name: "trailing comma in an array", given: `[1, 2, ]`, want: { line: 1, column: 8, message: "trailing comma before ]" } },
    { name: "unquoted key", given: `{ a: 1 }`, want: { line: 1, column: 3, message: "expected a property name in double quotes" } },
    { name: "single quotes", given: `{"a": 'x'}`, want: { line: 1, column: 7, message: "strings must be in double quotes" } },
    { name: "missing colon", given: `{"a" 1}`, want: { line: 1, column: 6, message: "expected : after a property name" } },
    { name: "duplicate key", given: `{"a": 1,\n "a": 2}`, want: { line: 2, column: 2, message: `duplicate property "a"` } },
    { name: "unterminated string", given: `{"a": "abc\n}`, want: { line: 1, column: 7, message: "unterminated string" } },
    { name: "bad escape", given: `["\\x"]`, want: { line: 1, column: 3, message: "invalid escape sequence in a string" } },
    { name: "tab in a string", given: `["a\tb"]`, want: { line: 1, column: 4, message: "control character in a string: write it as an escape such as \\t" } },
    { name: "unterminated comment", given: `{"a": 1} /* x`, want: { line: 1, column: 10, message: "unterminated /* comment" } },
    { name: "end of file", given: `{"a": [1, 2`, want: { line: 1, column: 12, message: "unexpected end of file: expected , or ] after an array element" } },
    { name: "empty file", given: ``, want: { line: 1, column: 1, message: "unexpected end of file: expected a value" } },
    { name: "bare word", given: `{"a": yes}`, want: { line: 1, column: 7, message: "expected a value (a string, number, object, array, true, false or null)" } },
    { name: "leading zero", given: `[01]`, want: { line: 1, column: 3, message: "expected , or ] after an array element" } },
    { name: "text after the value", given: `{} {}`, want: { line: 1, column: 4, message: "unexpected text after the end of the JSON value" } },
  ];
  for (const { name, given, want } of cases) {
    it(name, () => {
      assert.deepEqual(parseJsonc(given), { ok: false, ...want });
    });
  }

  it("does not quote the text in its messages", () => {
    const secret = "Zq8vK2mW9xR4tY7u";
    for (const text of [`{"k": ${secret}}`, `{"k": "${secret}" "x": 1}`, `{${secret}: 1}`]) {
      const r = parseJsonc(text);
      assert.equal(r.ok, false);
      if (!r.ok) assert.ok(!r.message.includes(secret.slice(0, 4)), r.message);
    }
  });
});
