// `lake2oci run --config FILE` end to end (one spark-submit run, local[1]) on a local cloud seeded the way
// `lake2oci emulators --seed` seeds it; `lake2oci build` on a LOCAL config; app.py --help naming --job-file; the line
// for a missing .venv.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildApp } from "../../codegen/build-app.ts";
import { missingForSpark, runPaths } from "../../src/cli/commands/run.ts";
import { SEED_BUCKET, SEED_FILE_SYSTEM, seedFiles, seedLocalCloud } from "../../src/cli/local-seed.ts";
import { type LocalCloud, startLocalCloud } from "../../src/emulators/local-cloud.ts";
import { ociObjectStorageClient } from "../../src/stores/oci/oci-client.ts";
import { repoRoot, requireVenv, runCommand } from "../helpers/python.ts";

const cli = join(repoRoot, "dist", "cli.js");

describe("lake2oci run", { timeout: 600_000 }, () => {
  let cloud: LocalCloud;
  let dir: string;

  before(async () => {
    requireVenv();
    const b = await runCommand(process.execPath, [join(repoRoot, "scripts", "build-cli.mjs")]);
    assert.equal(b.code, 0, b.stderr);
    // The job run is the generated one (npm run build:app), current with the sources.
    const app = join(repoRoot, "dist", "app.py");
    const text = buildApp();
    if (!existsSync(app) || readFileSync(app, "utf8") !== text) writeFileSync(app, text);
    cloud = await startLocalCloud();
    dir = mkdtempSync(join(tmpdir(), "lake2oci-run-test-"));
  });

  after(async () => {
    await cloud?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function config(extra: Record<string, unknown> = {}): string {
    writeFileSync(join(dir, "adls-key"), `${cloud.adls.accountKey}\n`, { mode: 0o600 });
    mkdirSync(join(dir, "logs"), { recursive: true });
    const file = join(dir, "config.json");
    writeFileSync(
      file,
      JSON.stringify({
        source: { type: "adls", accountName: cloud.adls.accountName, fileSystem: SEED_FILE_SYSTEM, endpoint: cloud.adls.accountUrl, auth: { method: "key", accountKey: "file:adls-key" } },
        target: { bucket: SEED_BUCKET, profile: "LOCAL", configFile: cloud.credentials.configFile, endpoint: cloud.oci.url, prefix: "copied" },
        log: { path: "./logs/migration-log.json" },
        ...extra,
      }),
    );
    return file;
  }

  it("copies the seeded lake under spark-submit, exits 0 and names the log", async () => {
    const seeded = await seedLocalCloud(cloud);
    assert.equal(seeded.files, seedFiles().length);
    const file = config();
    const r = await runCommand(process.execPath, [cli, "run", "--config", file, "--master", "local[1]"], { cwd: dir, timeoutMs: 500_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const logLine = r.stderr.split("\n").find((l) => l.startsWith("lake2oci run: log "));
    assert.ok(logLine, r.stderr);
    const logPath = logLine.slice("lake2oci run: log ".length).split(";")[0];
    assert.equal(logPath, join(dir, "logs", "migration-log.json"));
    assert.ok(existsSync(logPath), `${logPath} does not exist`);
    const records = JSON.parse(readFileSync(logPath, "utf8")) as { source_name: string; outcome: string }[];
    assert.deepEqual(records.map((x) => x.outcome).sort(), seedFiles().map(() => "copied"));

    const oci = ociObjectStorageClient({ configFile: cloud.credentials.configFile, profile: "DEFAULT", endpoint: cloud.oci.url });
    const listed = await oci.listObjects({ namespaceName: cloud.oci.namespace, bucketName: SEED_BUCKET, prefix: "copied/", fields: "name,size" });
    const objects = new Map((listed.listObjects.objects ?? []).map((o) => [o.name, o.size]));
    for (const f of seedFiles()) assert.equal(objects.get(`copied/${f.name}`), f.data.length, `copied/${f.name}`);
    assert.equal(objects.size, seedFiles().length);
  });

  it("lake2oci build writes the job file of a LOCAL config (0600), with absolute paths", async () => {
    const file = config();
    const out = join(dir, "job.json");
    const r = await runCommand(process.execPath, [cli, "build", "--config", file, "--job-file", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /PYSPARK_PYTHON=\.venv\/bin\/python \.venv\/bin\/spark-submit/);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const job = JSON.parse(readFileSync(out, "utf8")) as Record<string, unknown>;
    assert.equal(job["source-account-key"], `file:${join(dir, "adls-key")}`);
    assert.equal(job["log-path"], join(dir, "logs", "migration-log.json"));
    assert.equal(job["target-config-profile"], "DEFAULT");
  });

  it("app.py --help lists --job-file", async () => {
    const r = await runCommand(requireVenv(), [join(repoRoot, "dist", "app.py"), "--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /--job-file\s+path/);
  });

  it("says to run npm run setup:python when .venv is missing, and refuses a bad config with exit 2", async () => {
    const paths = { ...runPaths(repoRoot), python: join(dir, "nope", "python"), sparkSubmit: join(dir, "nope", "spark-submit") };
    assert.match(missingForSpark(paths) ?? "", /npm run setup:python/);
    assert.match(missingForSpark(runPaths(repoRoot), { ...process.env, JAVA_HOME: join(dir, "no-java") }) ?? "", /Java is missing.*JAVA_HOME/);
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ source: { type: "adls" } }));
    const r = await runCommand(process.execPath, [cli, "run", "--config", join(dir, "bad.json")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is not a valid config/);
  });
});
