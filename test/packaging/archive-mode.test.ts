// The archive's own file mode: an archive that carries a secret (a shipped OCI private key, entry mode 0600) is
// written 0600, even over an earlier 0644 archive or a leftover partial file; one without secrets stays 0644.
import assert from "node:assert/strict";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { FILE_MODE, SECRET_MODE, writeDeterministicZip } from "../../src/packaging/deterministic-zip.ts";

describe("archive file mode", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lake2oci-archive-mode-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
  const plain = { name: "site/app.py", mode: FILE_MODE, read: () => Buffer.from("print(1)\n") };
  const key = { name: "site/src/.oci/oci_api_key.pem", mode: SECRET_MODE, read: () => Buffer.from("-----BEGIN PRIVATE KEY-----\n") };

  it("is 0600 when an entry is a secret, over an earlier 0644 archive and a leftover partial", async () => {
    const out = join(dir, "archive.zip");
    await writeFile(out, "old", { mode: 0o644 });
    await writeFile(`${out}.partial`, "left by a killed build", { mode: 0o644 });
    await writeDeterministicZip(out, [plain, key]);
    assert.equal(await modeOf(out), 0o600);
  });

  it("stays 0644 without secrets", async () => {
    const out = join(dir, "plain.zip");
    await writeDeterministicZip(out, [plain]);
    assert.equal(await modeOf(out), 0o644 & ~process.umask());
  });
});
