// The Python halves of the source stores (src/stores/local/local_store.py, src/stores/s3/s3_store.py,
// src/stores/hdfs/hdfs_store.py, src/stores/gcs/gcs_store.py) against the local cloud, the way test/python-sdk.test.ts
// runs the SDK tests: one local cloud with S3, HDFS (two entries a listing page) and GCS (memory backend), pytest
// from .venv on test/python/stores/test_source_stores.py (the same cases as source-stores.conformance.test.ts).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startLocalCloud, type LocalCloud } from "../../src/emulators/local-cloud.ts";
import { repoRoot, requireVenv, runCommand } from "../helpers/python.ts";

describe("source stores, Python halves, against the local cloud", () => {
  let cloud: LocalCloud;
  before(async () => {
    requireVenv();
    cloud = await startLocalCloud({ s3: true, hdfs: { conf: { "dfs.ls.limit": "2" } }, gcs: { backend: "memory" } });
  });
  after(async () => {
    await cloud?.stop();
  });

  it("test_source_stores.py", { timeout: 300_000 }, async () => {
    const file = join(repoRoot, "test", "python", "stores", "test_source_stores.py");
    const r = await runCommand(
      requireVenv(),
      ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "console_output_style=classic", file],
      { env: { ...cloud.env(), PYTHONDONTWRITEBYTECODE: "1", RUST_BACKTRACE: "0" } },
    );
    const tail = (r.stdout + r.stderr).trim().split("\n").slice(-60).join("\n");
    assert.equal(r.code, 0, `pytest failed:\n${tail}`);
    const passed = Number(/(\d+) passed/.exec(r.stdout)?.[1] ?? 0);
    assert.ok(passed >= 30, `pytest ran ${passed} cases, not the 30 or more of the file:\n${tail}`);
    assert.doesNotMatch(r.stdout, /skipped|xfail/, `no case may be skipped:\n${tail}`);
  });
});
