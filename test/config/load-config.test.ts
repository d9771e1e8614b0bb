import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { formatConfigErrors, loadConfig } from "../../src/config/index.ts";

describe("loadConfig", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lake2oci-config-test-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const valid = `{
  // comments are allowed
  "source": {
    "type": "adls", "accountName": "sourcedemo", "fileSystem": "parquetfiles",
    "auth": { "method": "key", "accountKey": "env:AZURE_STORAGE_KEY" } /* key auth */
  },
  "target": { "bucket": "target-azure", "profile": "LOCAL" }
}
`;

  it("reads a config with comments and tells where it lives", async () => {
    const file = join(dir, "ok.json");
    await writeFile(file, valid);
    const r = await loadConfig(file);
    if (!r.ok) assert.fail(formatConfigErrors(r.errors));
    assert.equal(r.file, file);
    assert.equal(r.baseDir, dir);
    assert.equal(r.config.source.type === "adls" && r.config.source.accountName, "sourcedemo");
    assert.deepEqual(r.config.log, { path: "./log_dataflow_app_migration.json" });
    assert.deepEqual(r.warnings, []);
  });

  it("reports every validation problem of the file", async () => {
    const file = join(dir, "bad.json");
    await writeFile(file, valid.replace(`"LOCAL"`, `"local"`).replace(`"env:AZURE_STORAGE_KEY"`, `"abc=="`));
    const r = await loadConfig(file);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(
      formatConfigErrors(r.errors),
      [
        "source.auth.accountKey: looks like an inline secret. Put it in an environment variable and write env:NAME (or file:PATH for a file, vault:OCID for an OCI Vault secret)",
        `target.profile: must be one of "LOCAL", "DATAFLOW", got "local". Write "LOCAL" (values are case-sensitive)`,
      ].join("\n"),
    );
  });

  it("names the file, line and column of a syntax error", async () => {
    const file = join(dir, "syntax.json");
    await writeFile(file, valid.replace(`"profile": "LOCAL" }`, `"profile": "LOCAL", }`));
    const r = await loadConfig(file);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(
      formatConfigErrors(r.errors),
      `${file}:7:61: trailing comma before }. Correct the JSON there (// and /* */ comments are allowed; trailing commas are not)`,
    );
  });

  it("names a missing file", async () => {
    const file = join(dir, "nope.json");
    const r = await loadConfig(file);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(
      formatConfigErrors(r.errors),
      `${file}: no such config file. Check the path (it was looked for at ${file}), or start from one in examples/`,
    );
  });

  it("names a directory given as the file", async () => {
    const sub = join(dir, "sub");
    await mkdir(sub, { recursive: true });
    const r = await loadConfig(sub);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(formatConfigErrors(r.errors), `${sub}: is a directory, not a config file. Pass the path of the JSON config file`);
  });
});
