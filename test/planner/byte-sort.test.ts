import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareNames } from "../../src/core/compare-names.ts";
import { SourceArena, sameName, sortArena } from "../../src/planner/byte-sort.ts";
import { TRICKY_CHARACTERS, randomName, seededRandom } from "../core/seeded-random.ts";

function sortedByArena(names: string[]): string[] {
  const arena = new SourceArena(4);
  const refs = names.map((name, i) => arena.add(name, i % 3 === 0 ? "" : i % 3 === 1 ? `md5-${i}` : `md5-é${i}`, i * 1e9));
  const { order, ties } = sortArena(arena);
  // The arena gives back what it holds, as toString would decode it.
  for (const [i, name] of names.entries()) {
    const ref = refs[i];
    assert.equal(arena.name(ref), name);
    const start = arena.nameStart(ref);
    assert.equal(arena.name(ref), arena.chunkOf(ref).toString("utf8", start, start + arena.nameLength(ref)));
    assert.equal(arena.md5(ref), i % 3 === 0 ? "" : i % 3 === 1 ? `md5-${i}` : `md5-é${i}`);
    assert.equal(arena.size(ref), i * 1e9);
  }
  const sorted = Array.from(order, (ref) => arena.name(ref));
  // The tie ranges are exactly the runs of equal names.
  const runs: number[] = [];
  for (let k = 1, run = 0; k <= sorted.length; k++) {
    if (k === sorted.length || sorted[k] !== sorted[k - 1]) {
      if (k - run > 1) runs.push(run, k);
      run = k;
    }
  }
  const pairs = (flat: number[]) => Array.from({ length: flat.length / 2 }, (_, p) => `${flat[2 * p]}-${flat[2 * p + 1]}`).sort();
  assert.deepEqual(pairs(ties), pairs(runs));
  return sorted;
}

describe("byte sort (UTF-8 arena, multikey quicksort)", () => {
  it("gives compareNames order on random names with shared prefixes, astral characters and duplicates", () => {
    const random = seededRandom(424242);
    const alphabet = TRICKY_CHARACTERS.filter((c) => c !== "\t");
    for (let round = 0; round < 40; round++) {
      const names: string[] = [];
      const count = random.below(3000);
      // Whole characters only: a cut surrogate pair would be an invalid name, which never reaches the sort.
      const stem = Array.from(randomName(random, 12, alphabet));
      for (let i = 0; i < count; i++) {
        // Long shared stems exercise the six-byte words; short tails and repeats exercise ends and ties.
        const head = stem.slice(0, random.below(stem.length + 1)).join("");
        names.push(random.below(4) === 0 && names.length > 0 ? random.pick(names) : head + randomName(random, 5, alphabet));
      }
      assert.deepEqual(sortedByArena(names), names.slice().sort(compareNames));
    }
  });

  const cases: { name: string; given: string[]; want: string[] }[] = [
    { name: "nothing", given: [], want: [] },
    { name: "names ending inside a six-byte word", given: ["abcdefg", "abc", "abcdef", "ab", "abcdefgh"], want: ["ab", "abc", "abcdef", "abcdefg", "abcdefgh"] },
    { name: "U+FFFD before astral (UTF-8 order)", given: ["😀", "\ufffd", "\ue000", "z"], want: ["z", "\ue000", "\ufffd", "😀"] },
    { name: "empty name first", given: ["a", "", "b"], want: ["", "a", "b"] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(sortedByArena(c.given), c.want));

  it("refuses a name with NUL (it would break the end-of-name marker)", () => {
    assert.throws(() => new SourceArena().add("a\0b", "", 1), /NUL/);
  });

  it("spreads records over 16 MiB chunks without splitting one", () => {
    const arena = new SourceArena();
    const name = "x".repeat(1000);
    const refs: number[] = [];
    for (let i = 0; i < 40000; i++) refs.push(arena.add(`${name}${i}`, "AAAAAAAAAAAAAAAAAAAAAA==", i));
    assert.ok(arena.chunks.length >= 3);
    assert.equal(arena.name(refs[39999]), `${name}39999`);
    assert.equal(arena.md5(refs[20000]), "AAAAAAAAAAAAAAAAAAAAAA==");
    assert.equal(arena.size(refs[30000]), 30000);
    assert.equal(sameName(arena, refs[1], refs[1]), true);
    assert.equal(sameName(arena, refs[1], refs[2]), false);
    assert.equal(sortArena(arena).order.length, 40000);
  });
});
