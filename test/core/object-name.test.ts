import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_OBJECT_NAME_BYTES, objectNameProblem } from "../../src/core/object-name.ts";
import { utf8Length } from "../../src/core/utf8-length.ts";
import { randomName, seededRandom } from "./seeded-random.ts";

describe("utf8Length and objectNameProblem on random names", () => {
  it("utf8Length equals Buffer.byteLength for well-formed names", () => {
    const random = seededRandom(99);
    for (let n = 0; n < 5000; n++) {
      const name = randomName(random, 40);
      assert.equal(utf8Length(name), Buffer.byteLength(name, "utf8"), JSON.stringify(name));
    }
  });

  it("a well-formed name without NUL, LF or CR is refused exactly when it is empty or over 1,024 bytes", () => {
    const random = seededRandom(5);
    const wide = ["😀", "中", "é", "a", "/", "\ufffd"];
    for (let n = 0; n < 3000; n++) {
      // Lengths around the limit: up to 300 characters of up to 4 bytes.
      const name = randomName(random, 300, wide);
      const bytes = Buffer.byteLength(name, "utf8");
      const refused = objectNameProblem(name) !== null;
      assert.equal(refused, bytes === 0 || bytes > MAX_OBJECT_NAME_BYTES, `${bytes} bytes`);
    }
  });

  it("names the byte count when too long", () => {
    assert.equal(objectNameProblem("😀".repeat(257)), "it is 1028 bytes of UTF-8, more than OCI's limit of 1024");
  });
});
