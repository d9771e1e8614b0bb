import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isMultipartMd5, judgeFile, knownMd5 } from "../../src/core/judge-file.ts";
import type { CompareMode, MappedSource, TargetEntry } from "../../src/core/plan-types.ts";

const A = "AAAAAAAAAAAAAAAAAAAAAA==";
const B = "QkJCQkJCQkJCQkJCQkJCQg==";
const MP = "QkJCQkJCQkJCQkJCQkJCQg==-12";

function source(size: number, md5: string): MappedSource {
  return { sourceName: "f", targetName: "f", size, md5 };
}

describe("judgeFile", () => {
  const cases: { name: string; given: { mode: CompareMode; source: MappedSource; target: TargetEntry }; want: { status: string; reason: string } }[] = [
    { name: "size wins over md5 in every mode (size-md5)", given: { mode: "size-md5", source: source(2, A), target: { name: "f", size: 3, md5: A } }, want: { status: "update", reason: "size differs: source 2 B, target 3 B" } },
    { name: "size wins over md5 in every mode (md5)", given: { mode: "md5", source: source(2, A), target: { name: "f", size: 3, md5: A } }, want: { status: "update", reason: "size differs: source 2 B, target 3 B" } },
    { name: "size mode ignores a differing md5", given: { mode: "size", source: source(2, A), target: { name: "f", size: 2, md5: B } }, want: { status: "equal", reason: "same size (compare mode size)" } },
    { name: "same md5", given: { mode: "size-md5", source: source(2, A), target: { name: "f", size: 2, md5: A } }, want: { status: "equal", reason: "same size and md5" } },
    { name: "md5 differs", given: { mode: "size-md5", source: source(2, A), target: { name: "f", size: 2, md5: B } }, want: { status: "update", reason: "md5 differs" } },
    { name: "multipart md5 alone is unknown", given: { mode: "size-md5", source: source(2, A), target: { name: "f", size: 2, md5: MP } }, want: { status: "equal", reason: "same size (md5 unknown on target: multipart upload without source-md5 metadata)" } },
    { name: "metadata md5 is used for multipart objects", given: { mode: "md5", source: source(2, A), target: { name: "f", size: 2, md5: MP, sourceMd5: A } }, want: { status: "equal", reason: "same size and md5 (target md5 from source-md5 metadata)" } },
    { name: "metadata md5 without a listed md5", given: { mode: "size-md5", source: source(2, A), target: { name: "f", size: 2, sourceMd5: B } }, want: { status: "update", reason: "md5 differs (target md5 from source-md5 metadata)" } },
    { name: "md5 mode with no md5 on either side", given: { mode: "md5", source: source(0, ""), target: { name: "f", size: 0 } }, want: { status: "update", reason: "md5 unknown on both sides; compare mode md5 copies it again" } },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(judgeFile(c.given.source, c.given.target, c.given.mode), c.want));
  }

  const md5Cases: { given: string | null | undefined; known: string; multipart: boolean }[] = [
    { given: undefined, known: "", multipart: false },
    { given: null, known: "", multipart: false },
    { given: "", known: "", multipart: false },
    { given: A, known: A, multipart: false },
    { given: MP, known: MP, multipart: true },
  ];
  for (const c of md5Cases) {
    it(`knownMd5/isMultipartMd5 of ${JSON.stringify(c.given)}`, () => {
      assert.equal(knownMd5(c.given), c.known);
      assert.equal(isMultipartMd5(knownMd5(c.given)), c.multipart);
    });
  }
});
