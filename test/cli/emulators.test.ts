// `lake2oci emulators` through the esbuild bundle (dist/cli.js): starts, prints working endpoints, stops on SIGINT
// and removes its temporary data.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { repoRoot, runCommand } from "../helpers/python.ts";

const cli = join(repoRoot, "dist", "cli.js");

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("lake2oci emulators", () => {
  before(async () => {
    const b = await runCommand(process.execPath, [join(repoRoot, "scripts", "build-cli.mjs")]);
    assert.equal(b.code, 0, b.stderr);
  });

  it("bundle starts without a TypeScript loader and prints usage", async () => {
    const r = await runCommand(process.execPath, [cli, "--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /emulators/);
    assert.match(readFileSync(cli, "utf8").split("\n")[0], /^#!\/usr\/bin\/env node/);
  });

  it("rejects a bad port with a message naming the flag", async () => {
    const r = await runCommand(process.execPath, [cli, "emulators", "--oci-port", "99999"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--oci-port must be a port number/);
  });

  it("runs the local cloud (with --s3) until SIGINT, then stops cleanly", { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, [cli, "emulators", "--json", "--s3"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    const info = await new Promise<Record<string, string>>((resolve, reject) => {
      child.stdout.on("data", (d) => {
        out += d;
        const nl = out.indexOf("\n");
        if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
      });
      child.on("exit", (code) => reject(new Error(`exited ${code} before printing endpoints: ${err}`)));
    });
    try {
      assert.match(info.ociEndpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(info.adlsAccountUrl, /^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
      assert.ok(existsSync(info.ociConfigFile), "the printed OCI config file exists");
      assert.match(readFileSync(info.ociConfigFile, "utf8"), /^\[LOCAL\]/m);
      // Unsigned requests are refused by the OCI emulator; the gateway answers too.
      assert.equal(await httpStatus(`${info.ociEndpoint}/n/`), 401);
      assert.ok((await httpStatus(`${info.adlsAccountUrl}?comp=list`)) >= 400);
      // S3: the access key ID printed, its secret only in the keys file (owner only); unsigned requests refused.
      assert.match(info.s3Endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(statSync(info.s3KeysFile).mode & 0o777, 0o600);
      const keys = JSON.parse(readFileSync(info.s3KeysFile, "utf8")) as { accessKeyId: string; secretAccessKey: string };
      assert.equal(keys.accessKeyId, info.s3AccessKeyId);
      assert.ok(!out.includes(keys.secretAccessKey), "the S3 secret is not printed");
      assert.equal(await httpStatus(`${info.s3Endpoint}/${info.s3Bucket}?list-type=2`), 403);
    } finally {
      child.kill("SIGINT");
    }
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    assert.equal(code, 0, err);
    assert.equal(existsSync(info.dataDir), false, "temporary data directory removed on exit");
  });
});
