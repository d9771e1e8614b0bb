import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { configJsonSchema, formatConfigErrors, loadConfig } from "../../src/config/index.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const schemaFile = join(root, "src", "config", "lake2oci.schema.json");
const generator = join(root, "scripts", "gen-config-schema.ts");

function runGenerator(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", generator, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
}

describe("the JSON Schema file", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lake2oci-schema-test-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is up to date (gen-config-schema --check)", () => {
    const r = runGenerator(["--check"]);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /lake2oci\.schema\.json is up to date/);
  });

  it("--check exits 1 on a stale file and names the command that regenerates it", async () => {
    const stale = join(dir, "stale.schema.json");
    await writeFile(stale, (await readFile(schemaFile, "utf8")).replace(`"size-md5"`, `"sha256"`));
    const r = runGenerator(["--check", "--file", stale]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /stale\.schema\.json is stale \(src\/config\/schema\.ts changed\)\. Regenerate it with: npx tsx scripts\/gen-config-schema\.ts/);
  });

  it("regenerates the committed bytes", async () => {
    const out = join(dir, "fresh.schema.json");
    const r = runGenerator(["--file", out]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await readFile(out, "utf8"), await readFile(schemaFile, "utf8"));
  });

  it("says it is generated and how to regenerate, and is draft 2020-12", async () => {
    const schema = JSON.parse(await readFile(schemaFile, "utf8"));
    assert.equal(Object.keys(schema)[0], "$comment");
    assert.match(schema.$comment, /^Generated from src\/config\/schema\.ts by scripts\/gen-config-schema\.ts; do not edit\./);
    assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
  });

  it("closes every object (additionalProperties: false) and describes every field", () => {
    const open: string[] = [];
    const undescribed: string[] = [];
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) {
        node.forEach((n, i) => {
          walk(n, `${where}[${i}]`);
        });
        return;
      }
      if (typeof node !== "object" || node === null) return;
      const n = node as Record<string, unknown>;
      const props = n.properties as Record<string, Record<string, unknown>> | undefined;
      // A union's own node only names the tag; its variants (under oneOf) are the closed objects. Conditions
      // (if/then/not fragments) have no "type".
      if (n.type === "object" && props !== undefined && n.oneOf === undefined && n.additionalProperties !== false) {
        open.push(where);
      }
      for (const [key, value] of Object.entries(n)) {
        if (key === "properties") {
          for (const [name, prop] of Object.entries(value as Record<string, Record<string, unknown>>)) {
            if (n.type === "object" && n.additionalProperties === false && prop.description === undefined && prop.const === undefined) {
              undescribed.push(`${where}.${name}`);
            }
            walk(prop, `${where}.${name}{}`);
          }
        } else {
          walk(value, `${where}/${key}`);
        }
      }
    };
    walk(configJsonSchema(), "{}");
    assert.deepEqual(open, []);
    assert.deepEqual(undescribed, []);
  });
});

describe("the example configs", async () => {
  const examplesDir = join(root, "examples");
  const files = (await readdir(examplesDir)).filter((f) => f.endsWith(".json")).sort();

  it("exist: a local-cloud one and real Azure/OCI ones", () => {
    assert.ok(files.includes("local-cloud.json"), files.join(", "));
    assert.ok(files.length >= 2, files.join(", "));
  });

  for (const file of files) {
    it(`${file} validates without warnings and points at the schema`, async () => {
      const r = await loadConfig(join(examplesDir, file));
      if (!r.ok) assert.fail(formatConfigErrors(r.errors));
      assert.deepEqual(r.warnings, []);
      const raw = JSON.parse(await readFile(join(examplesDir, file), "utf8"));
      assert.equal(raw.$schema, "../src/config/lake2oci.schema.json");
    });
  }
});
