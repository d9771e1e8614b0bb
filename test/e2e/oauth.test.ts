// The Spark job reading ADLS with an account key and with OAuth (a service principal's client secret), end to end
// against the local cloud started with `adlsOAuth`: the ADLS account over TLS (a CA made for the run, trusted by the
// job through REQUESTS_CA_BUNDLE) and a local Microsoft Entra token endpoint. Nothing in the job is switched off for
// the local run: azure-identity gets an https authority and the storage SDK sends its bearer tokens over TLS.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pool } from "../../scripts/lib/seed-lake.ts";
import { ADLS_KEY_ENV, localJobValues, sparkSubmit, writeJobFile } from "../../scripts/lib/spark-job.ts";
import { type LocalCloud, type LocalOAuth, startLocalCloud } from "../../src/emulators/local-cloud.ts";
import {
  assertBucketMatches,
  assertRecordShape,
  azuriteContainer,
  type Bucket,
  createBucket,
  generatedFiles,
  type LakeFile,
  listBucket,
  MIB,
  outputTail,
  putBigFile,
  putFile,
  readLog,
  runIdOf,
} from "./e2e-lake.ts";

const SECRET_ENV = "LAKE2OCI_TEST_CLIENT_SECRET";
const BIG = "big/twenty MiB.bin";

describe("the Spark job with key auth and OAuth over TLS", { timeout: 600_000 }, () => {
  let cloud: LocalCloud;
  let oauth: LocalOAuth;
  let dir: string;
  const lake = new Map<string, LakeFile>();

  before(async () => {
    cloud = await startLocalCloud({ adlsOAuth: true });
    oauth = cloud.oauth as LocalOAuth;
    dir = await mkdtemp(join(tmpdir(), "lake2oci-e2e-oauth-"));
    const fs = azuriteContainer(cloud, "lake");
    await fs.create();
    for (const f of await pool(generatedFiles(20), 8, (g) => putFile(fs, g.name, g.data))) lake.set(f.name, f);
    // Above the multipart threshold set below: parts are read (with the token) in the tasks too.
    const big = await putBigFile(fs, BIG, 20 * MIB, 7, 8 * MIB);
    lake.set(big.name, big);
  });

  after(async () => {
    await cloud?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Job values reading the https account URL; `auth` holds the source-auth parameters. */
  const job = (name: string, bucket: string, auth: Record<string, unknown>) =>
    writeJobFile(
      join(dir, `${name}.json`),
      localJobValues(cloud, {
        fileSystem: "lake",
        bucket,
        logPath: join(dir, `${name}-log.json`),
        extra: { "source-endpoint": oauth.accountUrl, "multipart-threshold-mib": 16, "part-size-mib": 8, tasks: 2, ...auth },
      }),
    );
  const oauthParams = () => ({
    "source-auth": "oauth",
    "source-account-key": "",
    "source-tenant-id": oauth.tenantId,
    "source-client-id": oauth.clientId,
    "source-client-secret": `env:${SECRET_ENV}`,
    "source-authority-host": oauth.authorityHost,
  });
  const submit = (jobFile: string, env: Record<string, string>) =>
    sparkSubmit(["--job-file", jobFile], { env: { REQUESTS_CA_BUNDLE: oauth.caFile, ...env }, timeoutMs: 240_000 });

  const assertCopied = async (b: Bucket, logPath: string, runId: string) => {
    await assertBucketMatches(b, lake.values());
    const log = readLog(logPath);
    assert.equal(log.length, lake.size);
    for (const r of log) {
      assertRecordShape(r, runId);
      assert.deepEqual([r.status, r.outcome, r.verified], ["new", "copied", true], r.source_name);
    }
  };

  it("copies the lake with the account key over TLS", { timeout: 240_000 }, async () => {
    const b = await createBucket(cloud, "by-key");
    const run = await submit(await job("key", "by-key", {}), { [ADLS_KEY_ENV]: cloud.adls.accountKey });
    assert.equal(run.code, 0, outputTail(run));
    await assertCopied(b, join(dir, "key-log.json"), runIdOf(run.stdout));
  });

  it("copies the lake with OAuth: tokens from the local Entra endpoint, checked by the ADLS gateway", { timeout: 240_000 }, async () => {
    const b = await createBucket(cloud, "by-oauth");
    const before = oauth.issuer.requestCounts();
    const run = await submit(await job("oauth", "by-oauth", oauthParams()), { [SECRET_ENV]: oauth.clientSecret });
    assert.equal(run.code, 0, outputTail(run));
    await assertCopied(b, join(dir, "oauth-log.json"), runIdOf(run.stdout));
    const counts = oauth.issuer.requestCounts();
    // The driver and each Spark task get their own token (SDK clients are made per task).
    assert.ok((counts.token ?? 0) - (before.token ?? 0) >= 2, `tokens were issued: ${JSON.stringify(counts)}`);
    assert.equal(counts.refused ?? 0, before.refused ?? 0, "no token request was refused");
    assert.ok(!(run.stdout + run.stderr).includes(oauth.clientSecret), "the secret is never printed");
  });

  // spark-submit hands the Python driver's stderr on with its stdout: the message is looked for in both.
  const refusal = (run: { stdout: string; stderr: string }) => {
    const output = run.stdout + run.stderr;
    const lines = output.split("\n").filter((l) => l.startsWith("lake2oci:") && !l.startsWith("lake2oci: run "));
    assert.equal(lines.length, 1, `one line says what is wrong:\n${outputTail(run)}`);
    assert.doesNotMatch(output, /Traceback/, "no stack trace");
    return { line: lines[0], output };
  };

  it("fails with exit 2 and a message naming the OAuth settings when the client secret is wrong", { timeout: 240_000 }, async () => {
    const b = await createBucket(cloud, "wrong-secret");
    const wrong = "wrong-Secret-value-0123456789";
    const refusedBefore = oauth.issuer.requestCounts().refused ?? 0;
    const run = await submit(await job("wrong", "wrong-secret", oauthParams()), { [SECRET_ENV]: wrong });
    assert.equal(run.code, 2, outputTail(run));
    const { line, output } = refusal(run);
    assert.match(line, /^lake2oci: ADLS account "devstoreaccount1" at \S+ refused the credentials \(file system "lake"\)/);
    assert.match(line, /AADSTS7000215: Invalid client secret provided/);
    assert.match(line, /fix source\.auth\.tenantId, clientId, clientSecret \(--source-tenant-id, --source-client-id, --source-client-secret\)$/);
    for (const secret of [wrong, oauth.clientSecret]) assert.ok(!output.includes(secret), "no secret in the output");
    assert.ok((oauth.issuer.requestCounts().refused ?? 0) > refusedBefore, "the token endpoint refused the secret");
    assert.equal((await listBucket(b)).size, 0, "nothing was written");
  });

  it("fails with exit 2 and a message naming the key settings when the account key is wrong", { timeout: 240_000 }, async () => {
    const b = await createBucket(cloud, "wrong-key");
    const wrong = Buffer.alloc(64, 9).toString("base64");
    const run = await submit(await job("wrong-key", "wrong-key", {}), { [ADLS_KEY_ENV]: wrong });
    assert.equal(run.code, 2, outputTail(run));
    const { line, output } = refusal(run);
    assert.match(line, /^lake2oci: ADLS account "devstoreaccount1" at \S+ refused the credentials \(file system "lake"\): HTTP 403 AuthenticationFailed/);
    assert.match(line, /fix source\.auth\.accountKey \(--source-account-key\)$/);
    for (const secret of [wrong, cloud.adls.accountKey]) assert.ok(!output.includes(secret), "no key in the output");
    assert.equal((await listBucket(b)).size, 0, "nothing was written");
  });
});
