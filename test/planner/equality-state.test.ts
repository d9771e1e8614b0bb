// The planner's side of the equality state (src/planner/equality-state.ts): where it is for a config, what counts as
// a state of this target, and joining it with the streamed listings (no store needed: a state given, or none and
// no objects). Reading it from a file or an object and rebuilding it by HEAD requests run against the local cloud in
// plan-command.test.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Lake2ociConfig } from "../../src/config/index.ts";
import type { SourceEntry, StateRecord, TargetEntry } from "../../src/core/plan-types.ts";
import { StateFormatError, parseState, stateJoin, stateLocationFor } from "../../src/planner/equality-state.ts";

const A = "AAAAAAAAAAAAAAAAAAAAAA==";

function config(log: Lake2ociConfig["log"]): Lake2ociConfig {
  return { target: { bucket: "lake" }, log } as unknown as Lake2ociConfig;
}

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

async function* pagesOf<T>(...pages: T[][]): AsyncIterable<T[]> {
  for (const p of pages) yield p;
}

describe("equality state (planner)", () => {
  it("lives beside the log: a file beside a local log (resolved like the job's), an object beside a log object", () => {
    assert.deepEqual(stateLocationFor(config({ path: "./logs/log.json" }), "/cfg", "ns", "backup/"), {
      kind: "file",
      path: "/cfg/logs/log.json.state/lake@ns/backup%2F.jsonl",
    });
    assert.deepEqual(stateLocationFor(config({ bucket: "logs", object: "log/l.json" }), "/cfg", "ns", ""), {
      kind: "object",
      namespace: "ns",
      bucket: "logs",
      object: "log/l.json.state/lake@ns/_root.jsonl",
    });
  });

  it("reads records by name and refuses another target's state", () => {
    const header = { kind: "lake2oci-state", version: 1, namespace: "ns", bucket: "lake", prefix: "", runId: "1" };
    const record = { name: "a", size: 5, md5: A, sourceVersion: "v1", sourceMd5: null };
    const text = `${JSON.stringify(header)}\n${JSON.stringify(record)}\n`;
    assert.deepEqual([...parseState(text, "w", "ns", "lake", "").values()], [record]);
    assert.throws(() => parseState(text, "w", "ns", "other", ""), StateFormatError);
    assert.throws(() => parseState("{}\n", "w", "ns", "lake", ""), /not a lake2oci equality state/);
    assert.throws(() => parseState(`${JSON.stringify(header)}\n{"name":1}\n`, "w", "ns", "lake", ""), /line 2 is not a state record/);
  });

  it("applies a state's records to the target pages, only where they still describe the object", async () => {
    const state = new Map<string, StateRecord>([
      ["a", { name: "a", size: 5, md5: A, sourceVersion: "v1", sourceMd5: null }],
      ["b", { name: "b", size: 5, md5: "x-2", sourceVersion: "v1", sourceMd5: null }],
    ]);
    const warnings: string[] = [];
    const join = stateJoin(state, {
      where: "w",
      client: null as never,
      namespace: "ns",
      bucket: "lake",
      prefix: "",
      warn: (l) => warnings.push(l),
    });
    const targets: TargetEntry[] = [
      { name: "a", size: 5, md5: A },
      { name: "b", size: 5, md5: A },
    ];
    const got = await collect(join.targets(pagesOf(targets)));
    assert.deepEqual(got, [{ name: "a", size: 5, md5: A, sourceMd5: null, sourceVersion: "v1" }, targets[1]]);
    assert.deepEqual(warnings, []);
    assert.deepEqual(join.stats, { state: "read", records: 2, headRequests: 0 });
  });

  it("without a state and without objects: no warning, no request", async () => {
    const warnings: string[] = [];
    const join = stateJoin(null, { where: "w", client: null as never, namespace: "ns", bucket: "lake", prefix: "", warn: (l) => warnings.push(l) });
    const sources: SourceEntry[] = [{ name: "a", size: 5 }];
    assert.deepEqual(await collect(join.sources(pagesOf(sources))), sources);
    assert.deepEqual(await collect(join.targets(pagesOf<TargetEntry>([]))), []);
    assert.deepEqual(warnings, []);
    assert.deepEqual(join.stats, { state: "none", records: 0, headRequests: 0 });
  });
});
