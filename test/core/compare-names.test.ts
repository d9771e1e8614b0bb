import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareNames, hasSurrogates } from "../../src/core/compare-names.ts";
import { codePointsOf } from "../../src/core/code-points.ts";
import { randomName, seededRandom } from "./seeded-random.ts";

function codePointOrder(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return Math.sign(x[i] - y[i]);
  return Math.sign(x.length - y.length);
}

describe("compareNames", () => {
  it("agrees with UTF-8 byte order and code point order on random tricky names", () => {
    const random = seededRandom(20231124);
    for (let n = 0; n < 20000; n++) {
      // Shared prefixes make the first difference land anywhere, including inside astral characters.
      const prefix = randomName(random, 3);
      const a = prefix + randomName(random, 4);
      const b = prefix + randomName(random, 4);
      const want = Math.sign(Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
      assert.equal(Math.sign(compareNames(a, b)), want, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      assert.equal(codePointOrder(a, b), want);
    }
  });

  it("plain < is the same order whenever neither name has a surrogate (the planner's fast path)", () => {
    const random = seededRandom(7);
    const bmp = ["a", "/", "é", "\ud7ff", "\ue000", "\ufffd", "\uffff", "0"];
    for (let n = 0; n < 5000; n++) {
      const a = randomName(random, 6, bmp);
      const b = randomName(random, 6, bmp);
      assert.equal(hasSurrogates(a) || hasSurrogates(b), false);
      const native = a < b ? -1 : a > b ? 1 : 0;
      assert.equal(Math.sign(compareNames(a, b)), native);
    }
  });

  const cases: { given: string; want: boolean }[] = [
    { given: "", want: false },
    { given: "plain/ascii.parquet", want: false },
    { given: "\ufffd\uffff\ue000", want: false },
    { given: "x😀", want: true },
    { given: "\ud800", want: true },
    { given: "\udfff", want: true },
  ];
  for (const c of cases) {
    it(`hasSurrogates(${JSON.stringify(c.given)}) is ${c.want}`, () => assert.equal(hasSurrogates(c.given), c.want));
  }
});

describe("codePointsOf", () => {
  const cases: { name: string; given: string; want: number[] }[] = [
    { name: "empty", given: "", want: [] },
    { name: "ASCII", given: "ab/", want: [0x61, 0x62, 0x2f] },
    { name: "astral pair", given: "a😀b", want: [0x61, 0x1f600, 0x62] },
    { name: "highest code point", given: "\u{10ffff}", want: [0x10ffff] },
    { name: "unpaired high surrogate", given: "\ud800a", want: [0xd800, 0x61] },
    { name: "unpaired low surrogate", given: "\udc00", want: [0xdc00] },
    { name: "high surrogate at the end", given: "a\ud83d", want: [0x61, 0xd83d] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(codePointsOf(c.given), c.want));
});
