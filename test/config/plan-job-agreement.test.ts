// `lake2oci plan` and the job resolve every value and default the same way. For each example config (and variants
// that leave the defaults to the tools), the plan's inputs (planOptionsFromConfig, and what src/stores/from-config.ts
// opens: src/config/store-settings.ts) are compared field by field with what the job makes of the job file the config
// gives (jobValuesFromConfig + jobFile, read by the generated app.py's own job_defaults / parse_params /
// copy_params, with its defaults from the job parameter table and local_config_location for the OCI config file).
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildApp } from "../../codegen/build-app.ts";
import { type Lake2ociConfig, loadConfig, resolveLocalPath } from "../../src/config/index.ts";
import { jobFile, jobValuesFromConfig } from "../../src/config/job-values.ts";
import { adlsEndpoint, ociConfigFile, ociConfigSection } from "../../src/config/store-settings.ts";
import { normalizeTargetPrefix } from "../../src/core/name-mapping.ts";
import { planOptionsFromConfig } from "../../src/planner/plan-from-config.ts";
import { sourceMeta } from "../../src/stores/from-config.ts";
import { repoRoot, requireVenv, runCommand } from "../helpers/python.ts";

const examples = join(repoRoot, "examples");

/** Variants that leave out what the tools must default the same way (the configProfile default among them). */
const variants: Record<string, unknown> = {
  "local-defaults.json": {
    source: { type: "adls", accountName: "acct1", fileSystem: "fs-one", auth: { method: "sas", sasToken: "file:secrets/sas.txt" } },
    target: { bucket: "b1", profile: "LOCAL" },
  },
  "local-everything.json": {
    source: {
      type: "adls",
      accountName: "acct2",
      fileSystem: "fs-two",
      path: "/raw/sales/",
      endpoint: "http://127.0.0.1:10000/acct2",
      auth: { method: "oauth", tenantId: "contoso.onmicrosoft.com", clientId: "00000000-0000-0000-0000-000000000001", clientSecret: "env:SECRET_X", authorityHost: "https://127.0.0.1:9999" },
    },
    target: { bucket: "b2", namespace: "ns2", region: "eu-frankfurt-1", profile: "LOCAL", configFile: "oci/config", configProfile: "OTHER", prefix: "/a//b/", endpoint: "http://127.0.0.1:10001" },
    log: { bucket: "logs", object: "log/x.json" },
    filter: { include: ["**/*.parquet"], exclude: ["_tmp/**"] },
    compare: "md5",
    mirror: { enabled: true, maxDeletions: 7 },
    strictNames: true,
  },
  "s3-keys.json": {
    source: {
      type: "s3",
      bucket: "sales-lake",
      prefix: "/exports/2024/",
      region: "eu-west-1",
      endpoint: "http://127.0.0.1:9000",
      pathStyle: true,
      auth: { method: "keys", accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "file:secrets/s3.txt", sessionToken: "env:AWS_TOKEN_X" },
    },
    target: { bucket: "b4", profile: "LOCAL" },
  },
  "s3-environment.json": {
    source: { type: "s3", bucket: "sales-lake", region: "us-east-1", auth: { method: "environment", profile: "migration" } },
    target: { bucket: "b5", profile: "DATAFLOW", region: "us-ashburn-1" },
    log: { bucket: "b5", object: "log/l.json" },
  },
  "gcs-key.json": {
    source: { type: "gcs", bucket: "gcs-lake", prefix: "raw", endpoint: "http://127.0.0.1:4443", auth: { method: "serviceAccountKey", key: "file:sa.json" } },
    target: { bucket: "b6", profile: "LOCAL" },
  },
  "gcs-environment.json": {
    source: { type: "gcs", bucket: "gcs-lake", auth: { method: "environment" } },
    target: { bucket: "b7", profile: "LOCAL" },
  },
  "hdfs.json": {
    source: { type: "hdfs", nameNode: "hdfs://127.0.0.1:8020", webhdfs: "http://127.0.0.1:9870", path: "/user/etl/lake/", user: "etl" },
    target: { bucket: "b8", profile: "LOCAL" },
  },
  "local-directory.json": {
    source: { type: "local", path: "./lake" },
    target: { bucket: "b9", profile: "LOCAL" },
  },
  "dataflow-shipped-config.json": {
    source: { type: "adls", accountName: "acct3", fileSystem: "fs-three", auth: { method: "key", accountKey: "vault:ocid1.vaultsecret.oc1.iad.amaaaaaaexample" } },
    target: { bucket: "b3", profile: "DATAFLOW", configFile: "~/.oci/config", region: "us-ashburn-1" },
    log: { bucket: "b3", object: "log/l.json" },
    compare: "size",
  },
};

/** A secret reference as the plan resolves it: file: paths against the config's directory. */
function planRef(ref: string, baseDir: string): string {
  return ref.startsWith("file:") ? `file:${resolveLocalPath(ref.slice(5), baseDir, homedir())}` : ref;
}

/** What `lake2oci plan` uses, in the comparison's shape. */
/** A source other than ADLS as `lake2oci plan` opens it (src/stores/from-config.ts), and the meta its plans carry. */
function otherSource(config: Lake2ociConfig, baseDir: string): Record<string, unknown> {
  const s = config.source;
  const meta = { ...sourceMeta(config, baseDir) };
  for (const k of ["path", "prefix"]) if (typeof meta[k] === "string") meta[k] = (meta[k] as string).replace(/^\/+|\/+$/g, "");
  if (s.type === "s3") {
    const a = s.auth;
    const auth =
      a.method === "keys"
        ? { accessKeyId: a.accessKeyId, secretAccessKey: planRef(a.secretAccessKey, baseDir), ...(a.sessionToken ? { sessionToken: planRef(a.sessionToken, baseDir) } : {}) }
        : { ...(a.profile ? { profile: a.profile } : {}) };
    return { meta, settings: { bucket: s.bucket, prefix: s.prefix ?? "", region: s.region, endpoint: s.endpoint ?? null, pathStyle: s.pathStyle ?? false, auth: a.method, ...auth } };
  }
  if (s.type === "gcs") {
    const key = s.auth.method === "serviceAccountKey" ? { key: planRef(s.auth.key, baseDir) } : {};
    return { meta, settings: { bucket: s.bucket, prefix: s.prefix ?? "", endpoint: s.endpoint ?? null, auth: s.auth.method, ...key } };
  }
  if (s.type === "hdfs") return { meta, settings: { nameNode: s.nameNode, path: s.path, user: s.user ?? null } };
  if (s.type === "local") return { meta, settings: { path: resolveLocalPath(s.path, baseDir, homedir()) } };
  throw new Error(`otherSource: ${s.type}`);
}

function planSide(config: Lake2ociConfig, baseDir: string): Record<string, unknown> {
  const s = config.source;
  const t = config.target;
  if (s.type !== "adls") {
    const options = planOptionsFromConfig(config);
    return { source: otherSource(config, baseDir), target: null, options: { ...options, targetPrefix: normalizeTargetPrefix(options.targetPrefix) } };
  }
  const a = s.auth;
  const secrets =
    a.method === "key"
      ? { accountKey: planRef(a.accountKey, baseDir) }
      : a.method === "sas"
        ? { sasToken: planRef(a.sasToken, baseDir) }
        : { tenantId: a.tenantId, clientId: a.clientId, clientSecret: planRef(a.clientSecret, baseDir), authorityHost: a.authorityHost ?? "" };
  // A DATAFLOW config without a config file: the plan signs as this machine's ~/.oci/config [DEFAULT], the job as the
  // Data Flow run's resource principal; nothing to compare. With one, the job reads the copy archive.zip ships (found
  // at run time): only the section compares.
  const fileAuth = t.profile === "LOCAL" || t.configFile !== undefined;
  const options = planOptionsFromConfig(config);
  return {
    source: { account: s.accountName, fileSystem: s.fileSystem, path: s.path ?? "", endpoint: adlsEndpoint(config), auth: a.method, ...secrets },
    target: {
      profile: t.profile,
      configFile: t.profile === "LOCAL" ? ociConfigFile(config, baseDir) : null,
      configProfile: fileAuth ? ociConfigSection(config) : null,
      endpoint: t.endpoint ?? "",
      region: t.region ?? "",
      namespace: t.namespace ?? "",
      bucket: t.bucket,
    },
    options: { ...options, targetPrefix: normalizeTargetPrefix(options.targetPrefix) },
  };
}

const PY = `
import importlib.util, json, os, sys
spec = importlib.util.spec_from_file_location("lake2oci_app", sys.argv[1])
app = importlib.util.module_from_spec(spec)
spec.loader.exec_module(app)
out = {}
for f in sys.argv[2:]:
    defaults, used, rest = app.job_defaults(["--job-file", f])
    p = app.parse_params(rest, defaults)
    cp = app.copy_params(p, "20240101000000000000", None)
    t = cp["target"]
    options = {"targetPrefix": app.normalize_target_prefix(p["target-prefix"]), "include": list(p["include"]),
               "exclude": list(p["exclude"]), "compare": p["compare"], "mirror": bool(p["mirror"]),
               "maxDeletions": int(p["max-deletions"]), "strictNames": bool(p["strict-names"])}
    s = cp["source"]
    if s["type"] != "adls":
        auth = dict(s.get("auth") or {})
        kind = auth.pop("kind", None)
        names = {"access_key_id": "accessKeyId", "secret_access_key": "secretAccessKey",
                 "session_token": "sessionToken", "profile": "profile", "service_account_key": "key"}
        settings = {"s3": lambda: {"bucket": s["bucket"], "prefix": s["prefix"], "region": s["region"],
                                   "endpoint": s["endpoint"], "pathStyle": s["path_style"], "auth": kind},
                    "gcs": lambda: {"bucket": s["bucket"], "prefix": s["prefix"], "endpoint": s["endpoint"],
                                    "auth": kind},
                    "hdfs": lambda: {"nameNode": s["name_node"], "path": s["path"], "user": s["user"]},
                    "local": lambda: {"path": s["path"]}}[s["type"]]()
        settings.update({names[k]: v for k, v in auth.items()})
        out[f] = {"source": {"meta": app.source_meta(p), "settings": settings}, "target": None, "options": options}
        continue
    auth = dict(cp["source"]["auth"])
    kind = auth.pop("kind")
    names = {"account_key": "accountKey", "sas_token": "sasToken", "tenant_id": "tenantId", "client_id": "clientId",
             "client_secret": "clientSecret", "authority": "authorityHost"}
    secrets = {names[k]: v for k, v in auth.items()}
    if kind == "oauth":
        secrets.setdefault("authorityHost", "")
    if t["profile"] == "LOCAL":
        config_file, section = app.local_config_location(t.get("config_file"), t.get("config_profile"))
    else:  # DATAFLOW: the archive's config file, when one is shipped (the TypeScript side keeps the section then)
        config_file, section = None, t.get("config_profile") or "DATAFLOW"
    account = cp["source"]["account_name"]
    out[f] = {
        "source": {"account": account, "fileSystem": cp["source"]["file_system"], "path": p["source-path"],
                   "endpoint": cp["source"]["endpoint"] or f"https://{account}.dfs.core.windows.net", "auth": kind,
                   **secrets},
        "target": {"profile": t["profile"], "configFile": config_file, "configProfile": section,
                   "endpoint": t.get("endpoint") or "", "region": t.get("region") or "",
                   "namespace": t.get("namespace") or "", "bucket": t["bucket"]},
        "options": options,
    }
print(json.dumps(out))
`;

describe("plan and job resolve each config the same way", { timeout: 300_000 }, () => {
  let dir: string;
  const cases: { name: string; plan: Record<string, unknown>; jobFile: string; config: Lake2ociConfig }[] = [];
  let job: Record<string, Record<string, unknown>> = {};

  before(async () => {
    requireVenv();
    dir = mkdtempSync(join(tmpdir(), "lake2oci-agree-"));
    const files = readdirSync(examples)
      .filter((f) => f.endsWith(".json"))
      .map((f) => join(examples, f));
    for (const [name, body] of Object.entries(variants)) {
      const f = join(dir, name);
      writeFileSync(f, JSON.stringify(body));
      files.push(f);
    }
    for (const file of files) {
      const loaded = await loadConfig(file);
      assert.ok(loaded.ok, `${file}: ${JSON.stringify(!loaded.ok && loaded.errors)}`);
      const jf = join(dir, `job-${cases.length}.json`);
      writeFileSync(jf, JSON.stringify(jobFile(jobValuesFromConfig(loaded.config, loaded.baseDir))));
      cases.push({ name: file.replace(`${repoRoot}/`, ""), plan: planSide(loaded.config, loaded.baseDir), jobFile: jf, config: loaded.config });
    }
    const app = join(dir, "app.py");
    writeFileSync(app, buildApp());
    const r = await runCommand(requireVenv(), ["-c", PY, app, ...cases.map((c) => c.jobFile)]);
    assert.equal(r.code, 0, r.stderr);
    job = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}");
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("covers every example config", () => {
    assert.ok(cases.filter((c) => c.name.startsWith("examples/")).length >= 3);
  });

  for (const section of ["source", "target", "options"] as const) {
    it(`${section}: the same fields and values`, () => {
      for (const c of cases) {
        const jobSide = job[c.jobFile]?.[section] as Record<string, unknown> | null;
        if (jobSide === null) continue; // the target of another source's variants: the ADLS cases compare it
        const got = { ...jobSide };
        if (section === "target" && c.config.target.profile === "DATAFLOW" && c.config.target.configFile === undefined) got.configProfile = null;
        if (section === "source" && c.config.source.type !== "adls") {
          // The job's plan meta names what it checks a plan against: each such field as `lake2oci plan` writes it.
          const planMeta = (c.plan.source as { meta: Record<string, unknown> }).meta;
          const jobMeta = got.meta as Record<string, unknown>;
          for (const [k, v] of Object.entries(jobMeta)) assert.deepEqual(v, planMeta[k], `${c.name}: meta.source.${k} (job vs plan)`);
          assert.deepEqual(got.settings, (c.plan.source as { settings: unknown }).settings, `${c.name}: source settings differ (job vs plan)`);
          continue;
        }
        assert.deepEqual(got, c.plan[section], `${c.name}: ${section} differs (job vs plan)`);
      }
    });
  }

  it("a LOCAL config without configProfile reads [DEFAULT] in both", () => {
    const c = cases.find((x) => x.name.endsWith("local-defaults.json"));
    assert.ok(c);
    assert.equal((c.plan.target as { configProfile: string }).configProfile, "DEFAULT");
    assert.equal((job[c.jobFile].target as { configProfile: string }).configProfile, "DEFAULT");
    assert.equal((job[c.jobFile].target as { configFile: string }).configFile, join(homedir(), ".oci", "config"));
  });
});
