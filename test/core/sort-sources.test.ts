import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MappedSource } from "../../src/core/plan-types.ts";
import { compareMapped, sortSources } from "../../src/core/sort-sources.ts";
import { randomName, seededRandom } from "./seeded-random.ts";

describe("sortSources", () => {
  it("sorts by object name then source name, like a comparison sort with compareMapped, without changing its input", () => {
    const random = seededRandom(11);
    for (let round = 0; round < 50; round++) {
      const input: MappedSource[] = [];
      const count = random.below(200);
      for (let i = 0; i < count; i++) {
        const targetName = randomName(random, 3);
        input.push({ sourceName: randomName(random, 2), targetName, size: i, md5: "", version: "" });
      }
      const before = input.slice();
      const got = sortSources(input);
      assert.deepEqual(input, before);
      assert.deepEqual(got, before.slice().sort(compareMapped));
    }
  });

  it("keeps equal entries in input order (stable)", () => {
    const a: MappedSource = { sourceName: "s", targetName: "t", size: 1, md5: "", version: "" };
    const b: MappedSource = { sourceName: "s", targetName: "t", size: 2, md5: "", version: "" };
    const got = sortSources([a, { sourceName: "0", targetName: "0", size: 0, md5: "", version: "" }, b]);
    assert.equal(got[1], a);
    assert.equal(got[2], b);
  });
});
