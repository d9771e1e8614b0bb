import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isMultipartMd5, judgeFile, knownMd5 } from "../../src/core/judge-file.ts";
import type { CompareMode, MappedSource, TargetEntry } from "../../src/core/plan-types.ts";

const A = "AAAAAAAAAAAAAAAAAAAAAA==";
const B = "QkJCQkJCQkJCQkJCQkJCQg==";
const MP = "QkJCQkJCQkJCQkJCQkJCQg==-12";

function source(size: number, md5: string, version = ""): MappedSource {
  return { sourceName: "f", targetName: "f", size, md5, version };
}

type Want = { status: string; action: string; evidence: string; reason: string };

describe("judgeFile", () => {
  const cases: { name: string; given: { mode: CompareMode; source: MappedSource; target: TargetEntry }; want: Want }[] = [
    { name: "size wins over md5 in every mode (size-md5)", given: { mode: "size-md5", source: source(2, A), target: { name: "f", size: 3, md5: A } }, want: { status: "update", action: "copy", evidence: "size", reason: "size differs: source 2 B, target 3 B" } },
    { name: "size wins over md5 in every mode (md5)", given: { mode: "md5", source: source(2, A), target: { name: "f", size: 3, md5: A } }, want: { status: "update", action: "copy", evidence: "size", reason: "size differs: source 2 B, target 3 B" } },
    { name: "size mode ignores a differing md5", given: { mode: "size", source: source(2, A), target: { name: "f", size: 2, md5: B } }, want: { status: "equal", action: "skip", evidence: "size", reason: "same size (compare mode size)" } },
    { name: "same md5", given: { mode: "size-md5", source: source(2, A), target: { name: "f", size: 2, md5: A } }, want: { status: "equal", action: "skip", evidence: "md5", reason: "same size and md5" } },
    { name: "md5 differs", given: { mode: "size-md5", source: source(2, A), target: { name: "f", size: 2, md5: B } }, want: { status: "update", action: "copy", evidence: "md5", reason: "md5 differs" } },
    { name: "multipart md5 alone proves nothing: copied", given: { mode: "size-md5", source: source(2, A), target: { name: "f", size: 2, md5: MP } }, want: { status: "update", action: "copy", evidence: "none", reason: "same size, but nothing shows it unchanged (md5 unknown on target: multipart upload without a recorded source md5, no recorded source version); copied again" } },
    { name: "the state's source md5 is used for multipart objects", given: { mode: "md5", source: source(2, A), target: { name: "f", size: 2, md5: MP, sourceMd5: A } }, want: { status: "equal", action: "skip", evidence: "md5", reason: "same size and md5 (target md5 from the equality state)" } },
    { name: "the state's source md5 without a listed md5", given: { mode: "size-md5", source: source(2, A), target: { name: "f", size: 2, sourceMd5: B } }, want: { status: "update", action: "copy", evidence: "md5", reason: "md5 differs (target md5 from the equality state)" } },
    { name: "md5 mode with no md5 on either side", given: { mode: "md5", source: source(0, ""), target: { name: "f", size: 0 } }, want: { status: "update", action: "copy", evidence: "none", reason: "md5 unknown on both sides; compare mode md5 copies it again" } },
    { name: "same version as copied", given: { mode: "size-md5", source: source(2, "", "v1"), target: { name: "f", size: 2, md5: MP, sourceVersion: "v1" } }, want: { status: "equal", action: "skip", evidence: "version", reason: "same size and the source version the object was copied from" } },
    { name: "version changed", given: { mode: "md5", source: source(2, "", "v2"), target: { name: "f", size: 2, md5: MP, sourceVersion: "v1" } }, want: { status: "update", action: "copy", evidence: "version", reason: "the source version differs from the one the object was copied from" } },
    { name: "md5 beats version", given: { mode: "size-md5", source: source(2, A, "v2"), target: { name: "f", size: 2, md5: A, sourceVersion: "v1" } }, want: { status: "equal", action: "skip", evidence: "md5", reason: "same size and md5" } },
    { name: "md5 mode hashes when the target md5 is comparable", given: { mode: "md5", source: source(2, ""), target: { name: "f", size: 2, md5: A } }, want: { status: "update", action: "hash", evidence: "none", reason: "md5 unknown on source; compare mode md5 hashes the source and copies it only when it differs" } },
    { name: "size-md5 without evidence copies", given: { mode: "size-md5", source: source(2, "", "v1"), target: { name: "f", size: 2, md5: A } }, want: { status: "update", action: "copy", evidence: "none", reason: "same size, but nothing shows it unchanged (md5 unknown on source, no recorded source version); copied again" } },
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
