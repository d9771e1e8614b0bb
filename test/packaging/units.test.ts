// The packaging pieces that need no wheels and no cloud: which wheel entries land in site-packages, the deterministic
// zip writer (read back with the project's zip reader), the Data Flow application JSON, the multipart MD5, and the
// refusals of configs a Data Flow build must not accept (inline secrets, a LOCAL profile, a key file that does not
// exist, a fingerprint that is not the key's, --strict with a shipped key).
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { archiveSitePackages, dataflowSitePackages, lake2ociFiles } from "../../src/packaging/build-archive.ts";
import {
  applicationParameters,
  argumentValue,
  dataflowApplication,
  dataflowParameterName,
  ociUri,
  parseOciUri,
} from "../../src/packaging/dataflow-application.ts";
import { readDataflowConfig } from "../../src/packaging/dataflow-config.ts";
import { multipartMd5 } from "../../src/packaging/deploy-dataflow.ts";
import { writeDeterministicZip, ZIP_EPOCH, zipEntryNames } from "../../src/packaging/deterministic-zip.ts";
import { PackagingError } from "../../src/packaging/packaging-error.ts";
import { sitePackagesPath } from "../../src/packaging/site-packages.ts";
import { crc32, ZipReader } from "../../src/packaging/zip-reader.ts";
import { repoRoot, runCommand } from "../helpers/python.ts";

describe("site-packages paths of wheel entries", () => {
  const cases: { given: string; want: string | undefined }[] = [
    { given: "oci/__init__.py", want: "oci/__init__.py" },
    { given: "oci-2.189.0.dist-info/METADATA", want: "oci-2.189.0.dist-info/METADATA" },
    { given: "cffi/_cffi_backend.cpython-311-x86_64-linux-gnu.so", want: "cffi/_cffi_backend.cpython-311-x86_64-linux-gnu.so" },
    { given: "pkg-1.0.data/purelib/pkg/mod.py", want: "pkg/mod.py" },
    { given: "pkg-1.0.data/platlib/pkg/_ext.so", want: "pkg/_ext.so" },
    { given: "pkg-1.0.data/scripts/pkg-cli", want: undefined },
    { given: "pkg-1.0.data/headers/pkg.h", want: undefined },
    { given: "pkg-1.0.data/data/share/doc.txt", want: undefined },
    { given: "pkg/__pycache__/mod.cpython-311.pyc", want: undefined },
    { given: "pkg/mod.pyc", want: undefined },
    { given: "certifi/tests/test_certify.py", want: undefined },
    { given: "tests/__init__.py", want: undefined },
    { given: "test/conftest.py", want: undefined },
    { given: "pkg/testing.py", want: "pkg/testing.py" },
    { given: "pkg/test.py", want: "pkg/test.py" },
    { given: "pkg/", want: undefined },
    { given: "../evil.py", want: undefined },
    { given: "pkg/../../evil.py", want: undefined },
  ];
  for (const c of cases) {
    it(`${c.given} -> ${c.want ?? "(left out)"}`, () => assert.equal(sitePackagesPath(c.given), c.want));
  }
});

describe("deterministic zip", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lake2oci-zip-test-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const files = (order: string[]) =>
    order.map((name) => ({ name, mode: name.endsWith("secret") ? 0o600 : 0o644, read: () => Buffer.from(`content of ${name}\n`.repeat(50)) }));
  const names = ["b/z.txt", "a/y/x.py", "a/y/secret", "a.txt", "a/empty", "ü/日本.txt"];

  it("lists every parent directory, entries in byte order", () => {
    assert.deepEqual(
      zipEntryNames(files(names)).map((e) => e.name),
      ["a.txt", "a/", "a/empty", "a/y/", "a/y/secret", "a/y/x.py", "b/", "b/z.txt", "ü/", "ü/日本.txt"],
    );
  });

  it("writes the same bytes for the same files in any order, with fixed times and modes", async () => {
    const one = await writeDeterministicZip(join(dir, "one.zip"), files(names));
    const two = await writeDeterministicZip(join(dir, "two.zip"), files([...names].reverse()));
    assert.equal(one.sha256, two.sha256);
    assert.deepEqual(await readFile(one.file), await readFile(two.file));
    assert.equal(one.entries, 10);
    const zip = ZipReader.open(one.file);
    assert.deepEqual(
      zip.entries.map((e) => e.name),
      zipEntryNames(files(names)).map((e) => e.name),
    );
    // DOS date of 1980-01-01 00:00:00: year 0, month 1, day 1; time 0.
    const dosDate = ((ZIP_EPOCH.getUTCFullYear() - 1980) << 9) | ((ZIP_EPOCH.getUTCMonth() + 1) << 5) | ZIP_EPOCH.getUTCDate();
    for (const e of zip.entries) {
      assert.equal(e.dosDate, dosDate, e.name);
      assert.equal(e.dosTime, 0, e.name);
      const want = e.name.endsWith("/") ? 0o40755 : e.name.endsWith("secret") ? 0o100600 : 0o100644;
      assert.equal(e.unixMode, want, `${e.name} mode ${e.unixMode.toString(8)}`);
      if (!e.name.endsWith("/")) assert.equal(zip.read(e).toString(), `content of ${e.name}\n`.repeat(50));
    }
  });

  it("refuses entry names that are not relative file paths, and duplicates", async () => {
    for (const bad of ["/abs", "a/../b", "dir/", ""]) {
      await assert.rejects(writeDeterministicZip(join(dir, "bad.zip"), [{ name: bad, mode: 0o644, read: () => Buffer.alloc(0) }]), /not a relative file path/);
    }
    const dup = [...files(["x"]), ...files(["x"])];
    await assert.rejects(writeDeterministicZip(join(dir, "bad.zip"), dup), /given twice/);
  });

  it("computes the CRC-32 zip stores", () => {
    assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
    assert.equal(crc32(Buffer.alloc(0)), 0);
  });
});

describe("Data Flow application settings", () => {
  const job = {
    "source-account": "sourcedemo",
    "source-file-system": "parquetfiles",
    "source-auth": "oauth",
    "target-bucket": "target-azure",
    "target-profile": "DATAFLOW",
    include: ["**/*.parquet"],
    mirror: true,
    "max-deletions": 50,
  };

  it("names parameters with word characters only and writes values as the job reads them", () => {
    assert.equal(dataflowParameterName("source-file-system"), "source_file_system");
    const cases: { given: unknown; want: string }[] = [
      { given: ["**/*.parquet", "a b/*"], want: '["**/*.parquet","a b/*"]' },
      { given: true, want: "true" },
      { given: 50, want: "50" },
      { given: "", want: "" },
    ];
    for (const c of cases) assert.equal(argumentValue(c.given as never), c.want);
  });

  it("exposes every config value and dry-run as Data Flow parameters with defaults", () => {
    const app = dataflowApplication(job, { python: "3.11", resourcePrincipal: true, namespace: "ns1", prefix: "/jobs/lake2oci/" });
    assert.equal(app.language, "PYTHON");
    assert.equal(app.sparkVersion, "3.5.0");
    assert.equal(app.fileUri, "oci://dataflow-warehouse@ns1/jobs/lake2oci/app.py");
    assert.equal(app.archiveUri, "oci://dataflow-warehouse@ns1/jobs/lake2oci/archive.zip");
    assert.deepEqual(app.configuration, { "dataflow.auth": "resource_principal" });
    assert.equal(app.compartmentId, undefined);
    const params = applicationParameters(job);
    assert.deepEqual(
      params.map((p) => p.option),
      ["--source-account", "--source-file-system", "--source-auth", "--target-bucket", "--target-profile", "--include", "--mirror", "--max-deletions", "--dry-run"],
    );
    assert.deepEqual(app.arguments.slice(0, 4), ["--source-account", `\${source_account}`, "--source-file-system", `\${source_file_system}`]);
    assert.equal(app.arguments.length, 2 * params.length);
    for (let i = 0; i < params.length; i++) {
      assert.equal(app.arguments[2 * i], params[i].option);
      assert.equal(app.arguments[2 * i + 1], `\${${params[i].name}}`);
      assert.match(params[i].name, /^\w+$/);
      assert.deepEqual(app.parameters[i], { name: params[i].name, value: params[i].value });
    }
    assert.deepEqual(app.parameters.at(-1), { name: "dry_run", value: "false" });
  });

  it("leaves dataflow.auth out when a key is shipped, and uses Spark 2.4.4 for Python 3.6", () => {
    const app = dataflowApplication(job, { python: "3.6", resourcePrincipal: false, compartmentId: "ocid1.compartment.oc1..aaaa" });
    assert.equal(app.configuration, undefined);
    assert.equal(app.sparkVersion, "2.4.4");
    assert.equal(app.compartmentId, "ocid1.compartment.oc1..aaaa");
    assert.equal(app.fileUri, "oci://dataflow-warehouse@NAMESPACE/app.py");
  });

  it("reads oci:// URIs back", () => {
    assert.deepEqual(parseOciUri(ociUri("b", "ns", "p/q/app.py")), { bucket: "b", namespace: "ns", name: "p/q/app.py" });
    assert.equal(parseOciUri("https://example.com/x"), undefined);
  });

  it("places the archive's files under the runtime's site-packages", () => {
    assert.equal(archiveSitePackages("3.11"), "python/lib/python3.11/site-packages");
    assert.equal(archiveSitePackages("3.6"), "python/lib/python3.6/site-packages");
    assert.equal(dataflowSitePackages("3.6"), "/opt/dataflow/python/lib/python3.6/site-packages");
    assert.deepEqual(lake2ociFiles({}), []);
    const [jobFile] = lake2ociFiles({ jobFile: { "source-account": "a" } });
    assert.equal(jobFile.path, "lake2oci-job.json");
    assert.deepEqual(JSON.parse(jobFile.read().toString()), { "source-account": "a" });
  });
});

describe("multipart MD5", () => {
  it("is the MD5 of the parts' binary MD5s, with the part count", () => {
    const parts = [Buffer.from("part one"), Buffer.from("part two")];
    const md5s = parts.map((p) => createHash("md5").update(p).digest("base64"));
    const inner = createHash("md5").update(Buffer.concat(parts.map((p) => createHash("md5").update(p).digest()))).digest("base64");
    assert.equal(multipartMd5(md5s), `${inner}-2`);
  });
});

describe("configs a Data Flow build refuses", () => {
  let dir: string;
  let keyFile: string;
  let fingerprint: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lake2oci-build-config-test-"));
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    keyFile = join(dir, "api_key.pem");
    await writeFile(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    fingerprint = createHash("md5").update(publicKey.export({ type: "spki", format: "der" })).digest("hex").match(/../g)!.join(":");
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const base = (target: Record<string, unknown> = {}, auth: Record<string, unknown> = { method: "key", accountKey: "vault:ocid1.vaultsecret.oc1.iad.amaaaaaaexample" }) => ({
    source: { type: "adls", accountName: "sourcedemo", fileSystem: "parquetfiles", auth },
    target: { bucket: "target-azure", profile: "DATAFLOW", ...target },
  });
  const ociConfig = (fields: Record<string, string>) =>
    `[DEFAULT]\nregion=us-ashburn-1\n\n[DATAFLOW]\n${Object.entries(fields)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n")}\n`;
  const user = "ocid1.user.oc1..aaaaaaaaexampleuser";
  const tenancy = "ocid1.tenancy.oc1..aaaaaaaaexampletenancy";

  async function refusal(config: unknown, files: Record<string, string> = {}, strict = false): Promise<PackagingError> {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const file = join(dir, "lake2oci.json");
    await writeFile(file, JSON.stringify(config));
    try {
      await readDataflowConfig(file, { python: "3.11", strict });
    } catch (err) {
      assert.ok(err instanceof PackagingError, String(err));
      return err;
    }
    assert.fail("the config was accepted");
  }

  const cases: { name: string; config: () => unknown; files?: () => Record<string, string>; strict?: boolean; want: RegExp; exitCode: number }[] = [
    {
      name: "an inline account key",
      config: () => base({}, { method: "key", accountKey: "3MKEQ7dBY4e6xeIsw4uEBXR9gG1QuZa2T64uoNyyktINqaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa==" }),
      want: /source\.auth\.accountKey: looks like an inline secret/,
      exitCode: 2,
    },
    { name: "a LOCAL profile", config: () => ({ ...base(), target: { bucket: "b", profile: "LOCAL" } }), want: /target\.profile is "LOCAL".*"profile": "DATAFLOW"/, exitCode: 2 },
    { name: "an OCI config file that does not exist", config: () => base({ configFile: "./no-such-config" }), want: /target\.configFile .*no-such-config does not exist/, exitCode: 1 },
    {
      name: "a key file that does not exist",
      config: () => base({ configFile: "./oci-config" }),
      files: () => ({ "oci-config": ociConfig({ user, tenancy, fingerprint, key_file: "./missing_key.pem" }) }),
      want: /\[DATAFLOW\]: key_file \.\/missing_key\.pem does not exist/,
      exitCode: 1,
    },
    {
      name: "a section that is not in the OCI config file",
      config: () => base({ configFile: "./oci-config", configProfile: "PROD" }),
      files: () => ({ "oci-config": ociConfig({ user, tenancy, fingerprint, key_file: keyFile }) }),
      want: /has no \[PROD\] section \(sections: \[DEFAULT\], \[DATAFLOW\]\)/,
      exitCode: 1,
    },
    {
      name: "a fingerprint that is not the key's",
      config: () => base({ configFile: "./oci-config" }),
      files: () => ({ "oci-config": ociConfig({ user, tenancy, fingerprint: "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff", key_file: keyFile }) }),
      want: /fingerprint 00:11:.* is not the fingerprint of the key/,
      exitCode: 1,
    },
    {
      name: "a missing user",
      config: () => base({ configFile: "./oci-config" }),
      files: () => ({ "oci-config": ociConfig({ tenancy, fingerprint, key_file: keyFile }) }),
      want: /\[DATAFLOW\] lacks user/,
      exitCode: 1,
    },
    {
      name: "--strict with a shipped key",
      config: () => base({ configFile: "./oci-config" }),
      files: () => ({ "oci-config": ociConfig({ user, tenancy, fingerprint, key_file: keyFile }) }),
      strict: true,
      want: /--strict: target\.configFile .* would put an OCI API private key inside archive\.zip/,
      exitCode: 2,
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, async () => {
      const err = await refusal(c.config(), c.files?.() ?? {}, c.strict);
      assert.match(err.message, c.want);
      assert.equal(err.exitCode, c.exitCode);
    });
  }

  it("never echoes the inline secret", async () => {
    const secret = "3MKEQ7dBY4e6xeIsw4uEBXR9gG1QuZa2T64uoNyyktINqbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb==";
    const err = await refusal(base({}, { method: "key", accountKey: secret }));
    assert.ok(!err.message.includes(secret.slice(0, 12)));
  });

  it("ships only the section used and its key, and says so plainly", async () => {
    await writeFile(
      join(dir, "oci-config"),
      `${ociConfig({ user, tenancy, fingerprint, key_file: "api_key.pem", pass_phrase: "" })}\n[OTHER]\nuser=${user}\nkey_file=/elsewhere/other.pem\n`,
    );
    const file = join(dir, "lake2oci.json");
    await writeFile(file, JSON.stringify(base({ configFile: "./oci-config" })));
    const c = await readDataflowConfig(file, { python: "3.11" });
    assert.ok(c.shipped !== undefined);
    assert.equal(c.shipped.keyFile, keyFile);
    assert.equal(c.shipped.keyName, "api_key.pem");
    assert.deepEqual(c.shipped.key, await readFile(keyFile));
    assert.doesNotMatch(c.shipped.configText, /OTHER|other\.pem/);
    assert.match(c.shipped.configText, /^\[DATAFLOW\]$/m);
    assert.match(c.shipped.configText, /^region=us-ashburn-1$/m);
    assert.match(c.shipped.configText, /^key_file=\/opt\/dataflow\/python\/lib\/python3\.11\/site-packages\/src\/\.oci\/api_key\.pem$/m);
    assert.equal(c.job["target-config-profile"], "DATAFLOW");
    assert.equal(c.job["target-config-file"], undefined);
    const warning = c.warnings.find((w) => w.startsWith("archive.zip holds an OCI API private key"));
    assert.ok(warning, c.warnings.join("\n"));
    assert.match(warning, /Resource principal is safer/);
  });

  it("is refused by `lake2oci build` with the problem on one line and nothing built", async () => {
    const file = join(dir, "inline.json");
    await writeFile(file, JSON.stringify(base({}, { method: "key", accountKey: "3MKEQ7dBY4e6xeIsw4uEBXR9gG1QuZa2T64uoNyyktINqccccccccccccccccccccccccccccccccccccc==" })));
    const out = join(dir, "out");
    const r = await runCommand(process.execPath, ["--import", "tsx", join(repoRoot, "src", "cli", "main.ts"), "build", "--config", file, "--out", out, "--offline"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^lake2oci build: .*inline\.json is not a valid config:\nsource\.auth\.accountKey: looks like an inline secret/m);
    assert.ok(!existsSync(out), "nothing written");
  });

  it("accepts the documented sample config with no key to ship", async () => {
    const c = await readDataflowConfig(join(repoRoot, "examples", "azure-to-oci-dataflow.json"), { python: "3.11", strict: true });
    assert.equal(c.shipped, undefined);
    assert.equal(c.job["source-client-secret"], "vault:ocid1.vaultsecret.oc1.iad.amaaaaaareplacewiththeocidofyoursecret");
    assert.deepEqual(c.warnings, []);
  });
});
