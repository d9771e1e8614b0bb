// Golden file: the whole Python module generated from the translator's fixtures (test/codegen/fixtures/*.ts) is
// compared with test/codegen/golden/fixtures.py, so any change in the emitted Python shows up in review. After an
// intended change, regenerate it with: LAKE2OCI_UPDATE_GOLDEN=1 node --import tsx --test test/codegen/golden.test.ts
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { emitCoreModule } from "../../codegen/emit-core.ts";
import { inspectCore } from "../../codegen/inspect-core.ts";
import { requireVenv, runCommand } from "../helpers/python.ts";
import { CORE_RUFF_ARGS } from "./python-session.ts";

const here = dirname(fileURLToPath(import.meta.url));
const golden = join(here, "golden", "fixtures.py");
const fixtures = readdirSync(join(here, "fixtures"))
  .filter((f) => f.endsWith(".ts"))
  .sort()
  .map((f) => `test/codegen/fixtures/${f}`);

describe("golden: the Python generated from the fixtures", () => {
  const text = emitCoreModule(inspectCore({ files: fixtures }));

  it("equals test/codegen/golden/fixtures.py", () => {
    if (process.env.LAKE2OCI_UPDATE_GOLDEN === "1") writeFileSync(golden, text);
    assert.ok(existsSync(golden), `${golden} is missing: run with LAKE2OCI_UPDATE_GOLDEN=1 to write it`);
    assert.equal(text, readFileSync(golden, "utf8"), "the generated Python changed: review it, then update the golden file");
  });

  it("compiles and passes ruff with no warnings", async () => {
    const python = requireVenv();
    const compiled = await runCommand(python, ["-m", "py_compile", golden], { env: { PYTHONPYCACHEPREFIX: tmpdir() } });
    assert.equal(compiled.code, 0, compiled.stderr);
    const lint = await runCommand(python, ["-m", "ruff", "check", ...CORE_RUFF_ARGS, golden]);
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
  });
});
