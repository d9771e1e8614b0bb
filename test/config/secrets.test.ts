import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { resolveLocalPath, resolveSecret, type SecretIo, SecretResolutionError } from "../../src/config/index.ts";

const SECRET = "Zq8vK2mW9xR4tY7u";

/** An environment and a file system held in maps; records which files were read. */
function fakeIo(env: Record<string, string>, files: Record<string, string>): SecretIo & { read: string[] } {
  const read: string[] = [];
  return {
    read,
    getEnv: (name) => env[name],
    readFile: async (path) => {
      read.push(path);
      if (!Object.hasOwn(files, path)) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: "ENOENT" });
      return files[path];
    },
    baseDir: "/work/configs",
    homeDir: "/home/me",
  };
}

describe("resolveSecret", () => {
  const io = fakeIo(
    { AZURE_STORAGE_KEY: SECRET, EMPTY: "" },
    {
      "/work/configs/secrets/key": `${SECRET}\n`,
      "/work/configs/secrets/crlf": `${SECRET}\r\n`,
      "/etc/key": SECRET,
      "/home/me/.lake2oci/key": SECRET,
      "/work/configs/empty": "\n",
    },
  );

  const ok: { given: string; want: string }[] = [
    { given: "env:AZURE_STORAGE_KEY", want: SECRET },
    { given: "file:./secrets/key", want: SECRET },
    { given: "file:secrets/crlf", want: SECRET },
    { given: "file:/etc/key", want: SECRET },
    { given: "file:~/.lake2oci/key", want: SECRET },
  ];
  for (const { given, want } of ok) {
    it(`resolves ${given}`, async () => {
      assert.equal(await resolveSecret(given, io), want);
    });
  }

  const failing: { given: string; field?: string; code: string; message: string }[] = [
    {
      given: "env:MISSING",
      field: "source.auth.accountKey",
      code: "env-unset",
      message:
        "source.auth.accountKey: environment variable MISSING is not set (from env:MISSING). Set it in the environment that runs lake2oci",
    },
    {
      given: "env:EMPTY",
      code: "env-empty",
      message: "environment variable EMPTY is empty (from env:EMPTY). Set it to the secret",
    },
    {
      given: "file:./nope",
      code: "file-unreadable",
      message:
        "cannot read the secret file /work/configs/nope (from file:./nope): ENOENT. Check the path; relative paths resolve against /work/configs",
    },
    {
      given: "file:empty",
      code: "file-empty",
      message: "the secret file /work/configs/empty is empty (from file:empty). Write the secret into it",
    },
    {
      given: "vault:ocid1.vaultsecret.oc1.iad.amaaaaaaexample",
      field: "source.auth.clientSecret",
      code: "vault-needs-oci",
      message:
        "source.auth.clientSecret: vault:ocid1.vaultsecret.oc1.iad.amaaaaaaexample is resolved by the job at run time on OCI (needs network access to the OCI Vault); it cannot be read here. Use env: or file: for commands that run on this machine",
    },
    {
      given: SECRET,
      field: "source.auth.sasToken",
      code: "not-a-reference",
      message:
        "source.auth.sasToken: the value is not a secret reference (looks like an inline secret; the value is not shown). Put it in an environment variable and write env:NAME (or file:PATH for a file, vault:OCID for an OCI Vault secret)",
    },
  ];
  for (const { given, field, code, message } of failing) {
    it(`refuses ${given === SECRET ? "an inline secret" : given} (${code})`, async () => {
      await assert.rejects(resolveSecret(given, io, field), (e: unknown) => {
        assert.ok(e instanceof SecretResolutionError);
        assert.equal(e.code, code);
        assert.equal(e.message, message);
        assert.ok(!e.message.includes(SECRET));
        return true;
      });
    });
  }

  it("reads no file for an env: or vault: reference", async () => {
    const fresh = fakeIo({ A: "x" }, {});
    await resolveSecret("env:A", fresh);
    await assert.rejects(resolveSecret("vault:ocid1.vaultsecret.oc1.iad.x1", fresh));
    assert.deepEqual(fresh.read, []);
  });
});

describe("resolveLocalPath", () => {
  const cases: { given: string; want: string }[] = [
    { given: "./oci/config", want: join("/work/configs", "oci/config") },
    { given: "oci/config", want: join("/work/configs", "oci/config") },
    { given: "../x", want: "/work/x" },
    { given: "/etc/oci", want: "/etc/oci" },
    { given: "~/.oci/config", want: "/home/me/.oci/config" },
    { given: "~", want: "/home/me" },
  ];
  for (const { given, want } of cases) {
    it(`${given} -> ${want}`, () => {
      assert.equal(resolveLocalPath(given, "/work/configs", "/home/me"), want);
    });
  }
});
