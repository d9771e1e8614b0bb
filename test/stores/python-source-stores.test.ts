// The Python halves of the source stores (src/stores/local/local_store.py, src/stores/s3/s3_store.py,
// src/stores/hdfs/hdfs_store.py, src/stores/gcs/gcs_store.py, src/stores/adls/adls_store.py) against the local cloud,
// the way test/python-sdk.test.ts runs the SDK tests: one local cloud with S3, HDFS (two entries a listing page), GCS
// (memory backend) and ADLS with its OAuth side (the local Entra token endpoint and the account over TLS), pytest from
// .venv on test/python/stores/test_source_stores.py (the same cases as source-stores.conformance.test.ts). The CA of
// the TLS endpoints is the pytest process's SSL_CERT_FILE: OpenDAL's HTTP client reads it once per process.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startLocalCloud, type LocalCloud, type LocalOAuth } from "../../src/emulators/local-cloud.ts";
import { repoRoot, requireVenv, runCommand } from "../helpers/python.ts";

/** The OAuth side of the local cloud as test_source_stores.py reads it. */
function oauthEnv(oauth: LocalOAuth): Record<string, string> {
  return {
    LAKE2OCI_ADLS_OAUTH_URL: oauth.accountUrl,
    LAKE2OCI_ADLS_AUTHORITY_HOST: oauth.authorityHost,
    LAKE2OCI_ADLS_TENANT_ID: oauth.tenantId,
    LAKE2OCI_ADLS_CLIENT_ID: oauth.clientId,
    LAKE2OCI_ADLS_CLIENT_SECRET: oauth.clientSecret,
    SSL_CERT_FILE: oauth.caFile,
  };
}

describe("source stores, Python halves, against the local cloud", () => {
  let cloud: LocalCloud;
  before(async () => {
    requireVenv();
    cloud = await startLocalCloud({
      s3: true,
      hdfs: { conf: { "dfs.ls.limit": "2" } },
      gcs: { backend: "memory" },
      adlsOAuth: true,
    });
  });
  after(async () => {
    await cloud?.stop();
  });

  it("test_source_stores.py", { timeout: 300_000 }, async () => {
    const file = join(repoRoot, "test", "python", "stores", "test_source_stores.py");
    const r = await runCommand(
      requireVenv(),
      ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "console_output_style=classic", file],
      { env: { ...cloud.env(), ...oauthEnv(cloud.oauth as LocalOAuth), PYTHONDONTWRITEBYTECODE: "1", RUST_BACKTRACE: "0" } },
    );
    const tail = (r.stdout + r.stderr).trim().split("\n").slice(-60).join("\n");
    assert.equal(r.code, 0, `pytest failed:\n${tail}`);
    const passed = Number(/(\d+) passed/.exec(r.stdout)?.[1] ?? 0);
    assert.ok(passed >= 30, `pytest ran ${passed} cases, not the 30 or more of the file:\n${tail}`);
    assert.doesNotMatch(r.stdout, /skipped|xfail/, `no case may be skipped:\n${tail}`);
  });
});
