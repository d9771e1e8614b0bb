import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileNameFilter, filterSelects } from "../../src/core/name-filter.ts";

describe("include/exclude", () => {
  const cases: { name: string; given: { include: string[]; exclude: string[]; name: string }; want: boolean }[] = [
    { name: "no patterns: everything", given: { include: [], exclude: [], name: "a/b" }, want: true },
    { name: "include matches", given: { include: ["**/*.parquet"], exclude: [], name: "a/b.parquet" }, want: true },
    { name: "include does not match", given: { include: ["**/*.parquet"], exclude: [], name: "a/b.csv" }, want: false },
    { name: "any include suffices", given: { include: ["x", "**/*.csv"], exclude: [], name: "a/b.csv" }, want: true },
    { name: "exclude only", given: { include: [], exclude: ["**/_SUCCESS"], name: "d/_SUCCESS" }, want: false },
    { name: "exclude wins over include", given: { include: ["d/**"], exclude: ["**/*.tmp"], name: "d/x.tmp" }, want: false },
    { name: "literal include", given: { include: ["exact/name.txt"], exclude: [], name: "exact/name.txt" }, want: true },
    { name: "literal exclude", given: { include: [], exclude: ["exact/name.txt"], name: "exact/name.txt" }, want: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const compiled = compileNameFilter(c.given.include, c.given.exclude);
      assert.deepEqual(compiled.errors, []);
      assert.equal(filterSelects(compiled.filter, c.given.name), c.want);
    });
  }

  it("reports every invalid pattern with its list and index", () => {
    const compiled = compileNameFilter(["ok", "[x"], ["", "fine/*"]);
    assert.deepEqual(compiled.errors, [
      { field: "include", message: "include[1] \"[x\" is not a valid pattern: the character class '[' at character 0 is not closed with ']'" },
      { field: "exclude", message: 'exclude[0] "" is not a valid pattern: the pattern is empty' },
    ]);
  });
});
