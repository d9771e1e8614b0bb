// Conformance of the local cloud with the real Python SDKs (oci, azure-storage-file-datalake, google-cloud-storage)
// from .venv: starts one local cloud (GCS included) and runs each pytest file of test/python against it, one Node
// test per file.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startLocalCloud, type LocalCloud } from "../src/emulators/local-cloud.ts";
import { repoRoot, requireVenv, runCommand } from "./helpers/python.ts";

const pyDir = join(repoRoot, "test", "python");
const files = readdirSync(pyDir).filter((f) => /^test_.*\.py$/.test(f)).sort();

describe("Python SDKs against the local cloud", () => {
  let cloud: LocalCloud;
  before(async () => {
    requireVenv();
    cloud = await startLocalCloud({ gcs: true });
  });
  after(async () => {
    await cloud?.stop();
  });

  it("has pytest files to run", () => {
    assert.ok(files.length > 0, `no test_*.py in ${pyDir}`);
  });

  for (const file of files) {
    it(file, { timeout: 600_000 }, async () => {
      const r = await runCommand(
        requireVenv(),
        ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "console_output_style=classic", join(pyDir, file)],
        { env: { ...cloud.env(), PYTHONDONTWRITEBYTECODE: "1" } },
      );
      const tail = (r.stdout + r.stderr).trim().split("\n").slice(-60).join("\n");
      assert.equal(r.code, 0, `pytest ${file} failed:\n${tail}`);
      assert.match(r.stdout, /\d+ passed/, `pytest ${file} ran no test:\n${tail}`);
    });
  }
});
