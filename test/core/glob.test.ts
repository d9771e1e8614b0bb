import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileGlob, globMatches, matchGlob } from "../../src/core/glob.ts";
import { seededRandom } from "./seeded-random.ts";

/**
 * An independent reading of the documented semantics as a regular expression (tests may use them; the core may
 * not), to compare against on random patterns.
 */
function referenceRegExp(pattern: string): RegExp {
  let re = "";
  let i = 0;
  let segmentStart = true;
  const chars = Array.from(pattern);
  while (i < chars.length) {
    const c = chars[i];
    if (c === "*") {
      let j = i;
      while (j < chars.length && chars[j] === "*") j++;
      if (j - i === 1) {
        re += "[^/]*";
        segmentStart = false;
        i = j;
      } else if (segmentStart && chars[j] === "/") {
        re += "(?:[^/]*/)*";
        i = j + 1;
      } else {
        re += "[\\s\\S]*";
        segmentStart = false;
        i = j;
      }
      continue;
    }
    if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    segmentStart = c === "/";
    i++;
  }
  return new RegExp(`^${re}$`, "u");
}

describe("glob matching", () => {
  it("agrees with a regular-expression reading of the rules on random patterns (*, **, **/, ?)", () => {
    const random = seededRandom(31337);
    const patternParts = ["a", "b", "/", "*", "**", "**/", "?", ".", "😀"];
    const nameParts = ["a", "b", "/", ".", "😀", "ab", "a/b"];
    for (let n = 0; n < 6000; n++) {
      let pattern = "";
      const parts = 1 + random.below(6);
      for (let k = 0; k < parts; k++) pattern += random.pick(patternParts);
      let name = "";
      const nameLength = random.below(7);
      for (let k = 0; k < nameLength; k++) name += random.pick(nameParts);
      const want = referenceRegExp(pattern).test(name);
      assert.equal(matchGlob(pattern, name), want, `pattern ${JSON.stringify(pattern)} name ${JSON.stringify(name)}`);
    }
  });

  it("stays fast on patterns that make backtracking matchers explode", () => {
    const started = performance.now();
    const glob = compileGlob(`${"*a".repeat(30)}*b`);
    assert.equal(globMatches(glob, "a".repeat(2000)), false);
    assert.ok(performance.now() - started < 2000, "took over 2 s");
  });

  const tokenCases: { pattern: string; want: string[] }[] = [
    { pattern: "a*", want: ["literal", "star"] },
    { pattern: "**/x", want: ["dirs", "literal"] },
    { pattern: "a/**/b", want: ["literal", "literal", "dirs", "literal"] },
    { pattern: "a/**", want: ["literal", "literal", "globstar"] },
    { pattern: "a**/b", want: ["literal", "globstar", "literal", "literal"] },
    { pattern: "[a-c]?", want: ["class", "one"] },
    { pattern: "\\*", want: ["literal"] },
  ];
  for (const c of tokenCases) {
    it(`compiles ${JSON.stringify(c.pattern)} to ${c.want.join(", ")}`, () => {
      const glob = compileGlob(c.pattern);
      assert.equal(glob.error, "");
      assert.deepEqual(
        glob.tokens.map((t) => t.kind),
        c.want,
      );
    });
  }

  it("marks only wildcard-free, escape-free patterns as literal", () => {
    assert.equal(compileGlob("a/b.parquet").literal, true);
    assert.equal(compileGlob("a/*.parquet").literal, false);
    assert.equal(compileGlob("a\\*b").literal, false);
    assert.equal(matchGlob("a\\*b", "a*b"), true);
  });
});
