// Unit tests of the OCI emulator's name ordering, name index and listing, away from HTTP.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { listNames } from "../../src/emulators/oci/listing.ts";
import { NameIndex } from "../../src/emulators/oci/name-index.ts";
import { compareNames, lowerBound } from "../../src/emulators/oci/names.ts";

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

describe("compareNames", () => {
  it("agrees with the order of the UTF-8 bytes", () => {
    const names = ["", "a", "ab", "b", "Z", "é", "\u00ff", "\u0100", "\uD7FF", "\uE000", "\uFFFD", "\uFFFF", "\u{10000}", "\u{1F600}", "\u{10FFFF}", "a/b", "a b"];
    for (const x of names) {
      for (const y of names) {
        assert.equal(Math.sign(compareNames(x, y)), Math.sign(byBytes(x, y)), `${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
      }
    }
  });

  it("finds lower bounds inclusively and exclusively", () => {
    const sorted = ["a", "b", "b", "c"];
    const cases: { given: [string, boolean]; want: number }[] = [
      { given: ["b", false], want: 1 },
      { given: ["b", true], want: 3 },
      { given: ["", false], want: 0 },
      { given: ["d", false], want: 4 },
      { given: ["bb", false], want: 3 },
    ];
    for (const c of cases) assert.equal(lowerBound(sorted, c.given[0], c.given[1]), c.want, JSON.stringify(c.given));
  });
});

describe("NameIndex", () => {
  it("merges pending adds and removes into byte order, in any interleaving", () => {
    const index = new NameIndex(["b", "d"]);
    index.add("a");
    index.add("\u{1F600}");
    index.add("\uE000");
    index.remove("b");
    index.add("b");
    index.remove("d");
    index.add("c");
    index.remove("c");
    assert.equal(index.size, 4);
    assert.deepEqual(index.sorted(), ["a", "b", "\uE000", "\u{1F600}"]);
    index.remove("a");
    index.add("z");
    assert.deepEqual(index.sorted(), ["b", "z", "\uE000", "\u{1F600}"]);
    assert.equal(index.size, 4);
  });
});

describe("listNames", () => {
  const names = ["a", "b/1", "b/2", "b/c/3", "b0", "c/d/e", "f"];
  it("pages objects and rolled-up prefixes together under one limit", () => {
    const cases: { given: Parameters<typeof listNames>[1]; want: ReturnType<typeof listNames> }[] = [
      { given: { limit: 10 }, want: { names, prefixes: [] } },
      { given: { limit: 3 }, want: { names: ["a", "b/1", "b/2"], prefixes: [], nextStartWith: "b/c/3" } },
      { given: { limit: 10, delimiter: "/" }, want: { names: ["a", "b0", "f"], prefixes: ["b/", "c/"] } },
      { given: { limit: 2, delimiter: "/" }, want: { names: ["a"], prefixes: ["b/"], nextStartWith: "b0" } },
      { given: { limit: 10, delimiter: "/", prefix: "b/" }, want: { names: ["b/1", "b/2"], prefixes: ["b/c/"] } },
      { given: { limit: 10, startAfter: "b/2", end: "c" }, want: { names: ["b/c/3", "b0"], prefixes: [] } },
      { given: { limit: 10, start: "b/2", startAfter: "a" }, want: { names: ["b/2", "b/c/3", "b0", "c/d/e", "f"], prefixes: [] } },
      { given: { limit: 10, prefix: "b/", start: "a" }, want: { names: ["b/1", "b/2", "b/c/3"], prefixes: [] } },
      { given: { limit: 10, prefix: "c", delimiter: "/" }, want: { names: [], prefixes: ["c/"] } },
    ];
    for (const c of cases) assert.deepEqual(listNames(names, c.given), c.want, JSON.stringify(c.given));
  });
});
