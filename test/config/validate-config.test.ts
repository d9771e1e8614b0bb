import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatConfigErrors, type Lake2ociConfig, validateConfig } from "../../src/config/index.ts";

type Json = Record<string, unknown>;

/** The smallest valid LOCAL config. */
function minimalLocal(): Json {
  return {
    source: {
      type: "adls",
      accountName: "sourcedemo",
      fileSystem: "parquetfiles",
      auth: { method: "key", accountKey: "env:AZURE_STORAGE_KEY" },
    },
    target: { bucket: "target-azure", profile: "LOCAL" },
  };
}

/** Sets (or, with undefined, deletes) the value at a dotted path, creating objects on the way. */
function patch(doc: Json, changes: Record<string, unknown>): Json {
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split(".");
    let node = doc;
    for (const key of keys.slice(0, -1)) {
      if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
      node = node[key] as Json;
    }
    const last = keys[keys.length - 1];
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return doc;
}

function errorsOf(doc: unknown): string[] {
  const r = validateConfig(doc);
  assert.equal(r.ok, false, "expected the config to be refused");
  if (r.ok) return [];
  return formatConfigErrors(r.errors).split("\n");
}

function configOf(doc: unknown): Lake2ociConfig {
  const r = validateConfig(doc);
  if (!r.ok) assert.fail(`expected a valid config, got:\n${formatConfigErrors(r.errors)}`);
  return r.config;
}

describe("validateConfig: valid configs and defaults", () => {
  const cases: { name: string; given: Json; want: Lake2ociConfig }[] = [
    {
      name: "minimal LOCAL: every default applied",
      given: minimalLocal(),
      want: {
        source: {
          type: "adls",
          accountName: "sourcedemo",
          fileSystem: "parquetfiles",
          path: "",
          auth: { method: "key", accountKey: "env:AZURE_STORAGE_KEY" },
        },
        target: { bucket: "target-azure", profile: "LOCAL", prefix: "", configFile: "~/.oci/config" },
        log: { path: "./log_dataflow_app_migration.json" },
        filter: { include: ["**"], exclude: [] },
        compare: "size-md5",
        mirror: { enabled: false, maxDeletions: 1000 },
        strictNames: false,
      },
    },
    {
      name: "minimal DATAFLOW: log in the target bucket, no config file (resource principal)",
      given: patch(minimalLocal(), { "target.profile": "DATAFLOW" }),
      want: {
        source: {
          type: "adls",
          accountName: "sourcedemo",
          fileSystem: "parquetfiles",
          path: "",
          auth: { method: "key", accountKey: "env:AZURE_STORAGE_KEY" },
        },
        target: { bucket: "target-azure", profile: "DATAFLOW", prefix: "" },
        log: { bucket: "target-azure", object: "log/log_dataflow_app_migration.json" },
        filter: { include: ["**"], exclude: [] },
        compare: "size-md5",
        mirror: { enabled: false, maxDeletions: 1000 },
        strictNames: false,
      },
    },
    {
      name: "maximal LOCAL: oauth, overrides, paths normalised, $schema dropped",
      given: {
        $schema: "../src/config/lake2oci.schema.json",
        source: {
          type: "adls",
          accountName: "devstoreaccount1",
          fileSystem: "parquet-files-2",
          path: "/./raw//sales/",
          endpoint: "http://127.0.0.1:10000/devstoreaccount1/",
          auth: {
            method: "oauth",
            tenantId: "contoso.onmicrosoft.com",
            clientId: "72F988BF-86F1-41AF-91AB-2D7CD011DB47",
            clientSecret: "file:./secrets/client-secret",
            authorityHost: "http://127.0.0.1:8400",
          },
        },
        target: {
          bucket: "Target_Azure.v2",
          namespace: "axaxnpcrorw5",
          region: "me-dcc-muscat-1",
          profile: "LOCAL",
          configFile: "./oci/config",
          configProfile: "LOCAL",
          prefix: "./azure/parquetfiles/",
          endpoint: "http://127.0.0.1:10001",
        },
        log: { bucket: "logs", object: "/runs/log.json" },
        filter: { include: ["**/*.parquet", "{a,b}/[0-9]*"], exclude: ["_tmp/**"] },
        compare: "md5",
        mirror: { enabled: true, maxDeletions: 0 },
        run: {},
      },
      want: {
        source: {
          type: "adls",
          accountName: "devstoreaccount1",
          fileSystem: "parquet-files-2",
          path: "raw/sales",
          endpoint: "http://127.0.0.1:10000/devstoreaccount1",
          auth: {
            method: "oauth",
            tenantId: "contoso.onmicrosoft.com",
            clientId: "72F988BF-86F1-41AF-91AB-2D7CD011DB47",
            clientSecret: "file:./secrets/client-secret",
            authorityHost: "http://127.0.0.1:8400",
          },
        },
        target: {
          bucket: "Target_Azure.v2",
          namespace: "axaxnpcrorw5",
          region: "me-dcc-muscat-1",
          profile: "LOCAL",
          configFile: "./oci/config",
          configProfile: "LOCAL",
          prefix: "azure/parquetfiles",
          endpoint: "http://127.0.0.1:10001",
        },
        log: { bucket: "logs", object: "runs/log.json" },
        filter: { include: ["**/*.parquet", "{a,b}/[0-9]*"], exclude: ["_tmp/**"] },
        compare: "md5",
        mirror: { enabled: true, maxDeletions: 0 },
        strictNames: false,
        run: {},
      },
    },
    {
      name: "maximal DATAFLOW: sas from the vault, log object, $root file system",
      given: {
        source: {
          type: "adls",
          accountName: "sourcedemo",
          fileSystem: "$root",
          path: ".",
          endpoint: "https://sourcedemo.dfs.core.windows.net",
          auth: { method: "sas", sasToken: "vault:ocid1.vaultsecret.oc1.iad.amaaaaaaexampleuniqueid" },
        },
        target: { bucket: "target-azure", region: "us-ashburn-1", profile: "DATAFLOW", prefix: "azure" },
        log: { bucket: "target-azure", object: "log/run.json" },
        compare: "size",
      },
      want: {
        source: {
          type: "adls",
          accountName: "sourcedemo",
          fileSystem: "$root",
          path: "",
          endpoint: "https://sourcedemo.dfs.core.windows.net",
          auth: { method: "sas", sasToken: "vault:ocid1.vaultsecret.oc1.iad.amaaaaaaexampleuniqueid" },
        },
        target: { bucket: "target-azure", region: "us-ashburn-1", profile: "DATAFLOW", prefix: "azure" },
        log: { bucket: "target-azure", object: "log/run.json" },
        filter: { include: ["**"], exclude: [] },
        compare: "size",
        mirror: { enabled: false, maxDeletions: 1000 },
        strictNames: false,
      },
    },
  ];
  for (const { name, given, want } of cases) {
    it(name, () => {
      assert.deepEqual(configOf(given), want);
    });
  }

  it("does not modify its input", () => {
    const given = patch(minimalLocal(), { "source.path": "/a/b/" });
    const before = structuredClone(given);
    configOf(given);
    assert.deepEqual(given, before);
  });
});

describe("validateConfig: each rule's message", () => {
  const cases: { name: string; given: Record<string, unknown>; want: string }[] = [
    // required fields, types, enums
    {
      name: "missing source field",
      given: { "source.accountName": undefined },
      want: `source.accountName: is required. Add "accountName": "sourcedemo"`,
    },
    {
      name: "missing target",
      given: { target: undefined },
      want: `target: is required. Add "target" (an object)`,
    },
    {
      name: "missing auth",
      given: { "source.auth": undefined },
      want: `source.auth: is required. Add "auth": { "method": "key" | "oauth" | "sas", … }`,
    },
    {
      name: "missing auth method",
      given: { "source.auth": { accountKey: "env:K" } },
      want: `source.auth.method: is required. Add "method": one of "key", "oauth", "sas"`,
    },
    {
      name: "unknown auth method, near miss",
      given: { "source.auth": { method: "keys", accountKey: "env:K" } },
      want: `source.auth.method: must be one of "key", "oauth", "sas", got "keys". Write "key"`,
    },
    {
      name: "missing source type",
      given: { "source.type": undefined },
      want: `source.type: is required. Add "type": one of "adls", "s3", "gcs", "hdfs", "local"`,
    },
    {
      name: "unknown source type",
      given: { "source.type": "azure" },
      want: `source.type: must be one of "adls", "s3", "gcs", "hdfs", "local", got "azure". Write one of "adls", "s3", "gcs", "hdfs", "local"`,
    },
    {
      name: "wrong type: number for a string",
      given: { "target.bucket": 42 },
      want: `target.bucket: must be a string, got an integer. Write a string, e.g. "target-azure"`,
    },
    {
      name: "wrong type: string for an object",
      given: { source: "adls://sourcedemo" },
      want: `source: must be an object, got a string. Write a JSON object with "type": one of "adls", "s3", "gcs", "hdfs", "local"`,
    },
    {
      name: "wrong type: boolean as a string",
      given: { "mirror.enabled": "true" },
      want: `mirror.enabled: must be true or false, got a string. Write true or false (without quotes)`,
    },
    {
      name: "wrong type: array of strings",
      given: { "filter.include": "**/*.parquet" },
      want: `filter.include: must be an array, got a string. Write an array, e.g. ["**/*.parquet"]`,
    },
    {
      name: "profile in the wrong case",
      given: { "target.profile": "dataflow" },
      want: `target.profile: must be one of "LOCAL", "DATAFLOW", got "dataflow". Write "DATAFLOW" (values are case-sensitive)`,
    },
    {
      name: "compare mode unknown",
      given: { compare: "checksum" },
      want: `compare: must be one of "size-md5", "size", "md5", got "checksum". Write one of "size-md5", "size", "md5"`,
    },
    {
      name: "maxDeletions negative",
      given: { "mirror.enabled": true, "mirror.maxDeletions": -1 },
      want: `mirror.maxDeletions: must be 0 or more, got -1. Write an integer 0 or more`,
    },
    {
      name: "maxDeletions not an integer",
      given: { "mirror.maxDeletions": 1.5 },
      want: `mirror.maxDeletions: must be an integer, got a number. Write an integer`,
    },
    // unknown fields
    {
      name: "typo: closest known field suggested",
      given: { "target.bukcet": "x" },
      want: `target.bukcet: is not a known field. Did you mean "bucket"? (known fields of target: bucket, namespace, region, profile, configFile, configProfile, prefix, endpoint)`,
    },
    {
      name: "typo: case only",
      given: { "source.accountname": "x" },
      want: `source.accountname: is not a known field. Did you mean "accountName"? (known fields of source: type, accountName, fileSystem, path, endpoint, auth)`,
    },
    {
      name: "unknown field, nothing close",
      given: { "mirror.dryRun": true },
      want: `mirror.dryRun: is not a known field. Remove it (known fields of mirror: enabled, maxDeletions)`,
    },
    {
      name: "run has no fields yet",
      given: { "run.concurrency": 8 },
      want: `run.concurrency: is not a known field. Remove it (run has no fields yet)`,
    },
    {
      name: "field of another auth method",
      given: { "source.auth.sasToken": "env:SAS" },
      want: `source.auth.sasToken: is not a field of "method": "key". Remove it, or switch to "method": "sas", which uses it`,
    },
    {
      name: "the original directory parameter",
      given: { "source.directory": "." },
      want: `source.directory: is not a field: the original par_az_sac_file_directory is part of source.path. Join it to the path, e.g. "path": "raw/sales" for path "raw" and directory "sales" ("." adds nothing)`,
    },
    {
      name: "an original parameter name at the top level",
      given: { par_oci_obj_ociProfileName: "LOCAL" },
      want: `par_oci_obj_ociProfileName: is a parameter of the original app.py, not a field. Write it as target.profile`,
    },
    // names
    {
      name: "account name with capitals",
      given: { "source.accountName": "SourceDemo" },
      want: `source.accountName: must be 3-24 lowercase letters and digits, got "SourceDemo". Write it in lowercase, "sourcedemo"`,
    },
    {
      name: "account name given as a host",
      given: { "source.accountName": "sourcedemo.dfs.core.windows.net" },
      want: `source.accountName: must be 3-24 lowercase letters and digits, got "sourcedemo.dfs.core.windows.net". Write only the account name, "sourcedemo"`,
    },
    {
      name: "account name too short",
      given: { "source.accountName": "ab" },
      want: `source.accountName: must be 3-24 lowercase letters and digits, got "ab". Write the storage account name as the Azure portal shows it, e.g. "sourcedemo"`,
    },
    {
      name: "file system with double hyphen",
      given: { "source.fileSystem": "parquet--files" },
      want: `source.fileSystem: must not contain two hyphens in a row, got "parquet--files". Write the file system (container) name as the Azure portal shows it, e.g. "parquetfiles"`,
    },
    {
      name: "file system ending in a hyphen",
      given: { "source.fileSystem": "parquet-" },
      want: `source.fileSystem: must start and end with a letter or digit, got "parquet-". Write the file system (container) name as the Azure portal shows it, e.g. "parquetfiles"`,
    },
    {
      name: "file system too short",
      given: { "source.fileSystem": "pq" },
      want: `source.fileSystem: must be 3-63 characters long, got 2 characters. Write the file system (container) name as the Azure portal shows it, e.g. "parquetfiles"`,
    },
    {
      name: "file system with capitals",
      given: { "source.fileSystem": "ParquetFiles" },
      want: `source.fileSystem: must be lowercase, got "ParquetFiles". Write "parquetfiles"`,
    },
    {
      name: "file system with a folder",
      given: { "source.fileSystem": "parquetfiles/raw" },
      want: `source.fileSystem: must be a file system name without "/", got "parquetfiles/raw". Write the folder part in source.path instead`,
    },
    {
      name: "file system with an underscore",
      given: { "source.fileSystem": "parquet_files" },
      want: `source.fileSystem: may contain only lowercase letters, digits and hyphens, got "parquet_files". Write the file system (container) name as the Azure portal shows it, e.g. "parquetfiles"`,
    },
    {
      name: "bucket with a space",
      given: { "target.bucket": "target azure" },
      want: `target.bucket: may contain only letters, digits, hyphens, underscores and periods, got "target azure". Write the bucket name as the OCI Console shows it, e.g. "target-azure"`,
    },
    {
      name: "bucket empty",
      given: { "target.bucket": "" },
      want: `target.bucket: must not be empty. Write the bucket name as the OCI Console shows it, e.g. "target-azure"`,
    },
    {
      name: "bucket too long",
      given: { "target.bucket": "b".repeat(257) },
      want: `target.bucket: must be at most 256 characters long, got 257. Write the bucket name as the OCI Console shows it, e.g. "target-azure"`,
    },
    {
      name: "region key instead of identifier",
      given: { "target.region": "IAD" },
      want: `target.region: is not an OCI region identifier, got "IAD". Write the region identifier, not the region key: e.g. "us-ashburn-1" for IAD`,
    },
    {
      name: "region in capitals",
      given: { "target.region": "US-ASHBURN-1" },
      want: `target.region: is not an OCI region identifier, got "US-ASHBURN-1". Write it in lowercase, "us-ashburn-1"`,
    },
    {
      name: "region without its number",
      given: { "target.region": "us-ashburn" },
      want: `target.region: is not an OCI region identifier, got "us-ashburn". Write a region identifier such as "us-ashburn-1" or "sa-saopaulo-1"`,
    },
    {
      name: "namespace with capitals",
      given: { "target.namespace": "MyTenancy" },
      want: `target.namespace: must be 1-128 lowercase letters, digits, hyphens or underscores, got "MyTenancy". Copy it from the OCI Console (Tenancy details, Object Storage namespace), or remove it to look it up`,
    },
    {
      name: "tenant id placeholder from the original app",
      given: {
        "source.auth": {
          method: "oauth",
          tenantId: "********-****-****-****-***********",
          clientId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
          clientSecret: "env:AZURE_CLIENT_SECRET",
        },
      },
      want: `source.auth.tenantId: must be a directory (tenant) ID: a GUID or a domain name (got 35 characters that are neither). Copy the Directory (tenant) ID from the app registration's overview in the Azure portal`,
    },
    {
      name: "client id not a GUID",
      given: {
        "source.auth": {
          method: "oauth",
          tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
          clientId: "my-app",
          clientSecret: "env:AZURE_CLIENT_SECRET",
        },
      },
      want: `source.auth.clientId: must be an application (client) ID, a GUID (got 6 characters that are not one). Copy the Application (client) ID from the app registration's overview in the Azure portal`,
    },
    // endpoints
    {
      name: "endpoint not a URL",
      given: { "source.endpoint": "127.0.0.1:10000" },
      want: `source.endpoint: is not a URL. Write an http:// or https:// URL, e.g. "http://127.0.0.1:10000/devstoreaccount1"`,
    },
    {
      name: "endpoint of another scheme",
      given: { "target.endpoint": "ftp://127.0.0.1:10001" },
      want: `target.endpoint: must be an http:// or https:// URL, not ftp:. Write an http:// or https:// URL, e.g. "https://objectstorage.us-ashburn-1.oraclecloud.com"`,
    },
    {
      name: "endpoint without a scheme",
      given: { "target.endpoint": "localhost" },
      want: `target.endpoint: is not a URL. Write an http:// or https:// URL, e.g. "http://127.0.0.1:10000/devstoreaccount1"`,
    },
    {
      name: "endpoint with a SAS query",
      given: { "source.endpoint": "https://sourcedemo.dfs.core.windows.net/?sv=2022-11-02&sig=abc" },
      want: `source.endpoint: must not contain a query string or fragment (a SAS token there would be a secret in the config). Remove everything from ? on; a SAS token goes in source.auth.sasToken as env:NAME`,
    },
    {
      name: "endpoint with credentials",
      given: { "target.endpoint": "http://user:pw@127.0.0.1:10001" },
      want: `target.endpoint: must not contain a user name or password. Remove them from the URL; credentials go in the auth fields as env:NAME references`,
    },
    {
      name: "endpoint names another account",
      given: { "source.endpoint": "https://otheraccount.dfs.core.windows.net" },
      want: `source.endpoint: names the account "otheraccount", but accountName is "sourcedemo". Make them agree, or remove endpoint to use https://sourcedemo.dfs.core.windows.net`,
    },
    // secrets
    {
      name: "inline account key",
      given: { "source.auth.accountKey": "3MKEQ7dBY4e6xeIsw4uEBXR9gG1QuZa2T64uoNyyktINq==" },
      want: `source.auth.accountKey: looks like an inline secret. Put it in an environment variable and write env:NAME (or file:PATH for a file, vault:OCID for an OCI Vault secret)`,
    },
    {
      name: "inline SAS URL",
      given: { "source.auth": { method: "sas", sasToken: "https://sourcedemo.blob.core.windows.net/?sv=1&sig=x" } },
      want: `source.auth.sasToken: looks like an inline secret. Put it in an environment variable and write env:NAME (or file:PATH for a file, vault:OCID for an OCI Vault secret)`,
    },
    {
      name: "reference scheme in capitals",
      given: { "source.auth.accountKey": "ENV:AZURE_STORAGE_KEY" },
      want: `source.auth.accountKey: uses an unknown reference scheme. Write env:NAME, file:PATH or vault:OCID (the scheme is lowercase)`,
    },
    {
      name: "env reference with a bad name",
      given: { "source.auth.accountKey": "env:1KEY" },
      want: `source.auth.accountKey: is an env: reference with an invalid variable name. Write env:NAME where NAME has letters, digits and underscores and does not start with a digit`,
    },
    {
      name: "file reference without a path",
      given: { "source.auth.accountKey": "file:" },
      want: `source.auth.accountKey: is a file: reference without a path. Write file:PATH, e.g. file:./secrets/azure-key`,
    },
    {
      name: "vault reference without a secret OCID",
      given: { "source.auth.accountKey": "vault:ocid1.vault.oc1.iad.abc" },
      want: `source.auth.accountKey: is a vault: reference without a valid secret OCID. Write vault:ocid1.vaultsecret.<realm>.<region>..<unique id>, copied from the secret's page in the OCI Console`,
    },
    {
      name: "empty secret",
      given: { "source.auth.accountKey": "" },
      want: `source.auth.accountKey: is empty. Write a secret reference: env:NAME, file:PATH or vault:OCID`,
    },
    // paths and globs
    {
      name: "source path climbing out",
      given: { "source.path": "raw/../../etc" },
      want: `source.path: must not contain ".." segments. Write the path from the root without "..", e.g. "raw/sales"`,
    },
    {
      name: "target prefix climbing out",
      given: { "target.prefix": "../x" },
      want: `target.prefix: must not contain ".." segments. Write the path from the root without "..", e.g. "azure/parquetfiles"`,
    },
    {
      name: "include empty",
      given: { "filter.include": [] },
      want: `filter.include: is empty, so nothing would be copied. Remove it to copy everything, or list globs such as "**/*.parquet"`,
    },
    {
      name: "glob with a leading slash",
      given: { "filter.exclude": ["_tmp/**", "/logs/**"] },
      want: `filter.exclude[1]: must not start with "/" (globs match names relative to the file system root). Write "logs/**"`,
    },
    {
      name: "glob with an unclosed bracket",
      given: { "filter.include": ["[a-z.parquet"] },
      want: `filter.include[0]: is not a valid glob: the character class '[' at character 0 is not closed with ']'. See the glob syntax in src/config/README.md`,
    },
    {
      name: "empty glob",
      given: { "filter.include": [""] },
      want: `filter.include[0]: must not be empty. Remove it, or write a glob such as "**/*.parquet"`,
    },
    // the log and the profile
    {
      name: "DATAFLOW with a local log path",
      given: { "target.profile": "DATAFLOW", log: { path: "./log.json" } },
      want: `log.path: is a local file, but profile DATAFLOW runs on OCI Data Flow, where local files are lost when the run ends. Write the log to a bucket: "log": { "bucket": "target-azure", "object": "log/log_dataflow_app_migration.json" }`,
    },
    {
      name: "log bucket without object",
      given: { log: { bucket: "target-azure" } },
      want: `log.object: is required when log.bucket is set. Add "object": "log/log_dataflow_app_migration.json"`,
    },
    {
      name: "log object without bucket",
      given: { log: { object: "log/x.json" } },
      want: `log.bucket: is required when log.object is set. Add "bucket": the bucket for the log, e.g. the target bucket`,
    },
    {
      name: "log path and bucket together",
      given: { log: { path: "./x.json", bucket: "b", object: "x.json" } },
      want: `log.path: cannot be combined with log.bucket or log.object. Keep either "path" (a local file) or "bucket" and "object" (an object in OCI)`,
    },
    {
      name: "log without a destination",
      given: { log: {} },
      want: `log: names no destination. Write { "path": "./log_dataflow_app_migration.json" } or { "bucket": …, "object": … }, or remove "log" for the default`,
    },
    {
      name: "log object that is only slashes",
      given: { log: { bucket: "b", object: "/" } },
      want: `log.object: must name an object. Write e.g. "log/log_dataflow_app_migration.json"`,
    },
    {
      name: "empty config file path",
      given: { "target.configFile": " " },
      want: `target.configFile: must not be empty. Write the path of the OCI config file, e.g. "~/.oci/config"`,
    },
    {
      name: "config profile with brackets",
      given: { "target.configProfile": "[DEFAULT]" },
      want: `target.configProfile: must be a section name without brackets or line breaks. Write e.g. "DEFAULT"`,
    },
  ];
  for (const { name, given, want } of cases) {
    it(name, () => {
      assert.deepEqual(errorsOf(patch(minimalLocal(), given)), [want]);
    });
  }

  it("refuses a document that is not an object", () => {
    assert.deepEqual(errorsOf([]), [
      "(root): must be an object, got an array. Write a JSON object { … } with the fields $schema, source, target, log, filter, compare, mirror, strictNames, run",
    ]);
    assert.deepEqual(errorsOf(null), [
      "(root): must be an object, got null. Write a JSON object { … } with the fields $schema, source, target, log, filter, compare, mirror, strictNames, run",
    ]);
  });
});

describe("validateConfig: all problems at once", () => {
  it("reports every problem of a bad config, in document order, in one pass", () => {
    const given = {
      source: {
        type: "adls",
        acountName: "sourcedemo",
        fileSystem: "Parquet_Files",
        path: "../x",
        auth: { method: "oauth", clientSecret: "p4ssw0rd-inline" },
      },
      target: { bucket: "target/azure", profile: "DATAFLOW", region: "IAD" },
      log: { path: "./log.json" },
      compare: "sizes",
      mirror: { enabled: "yes", maxDeletions: -5 },
    };
    assert.deepEqual(errorsOf(given), [
      `source.accountName: is required. Add "accountName": "sourcedemo"`,
      `source.fileSystem: may contain only lowercase letters, digits and hyphens, got "Parquet_Files". Write the file system (container) name as the Azure portal shows it, e.g. "parquetfiles"`,
      `source.path: must not contain ".." segments. Write the path from the root without "..", e.g. "raw/sales"`,
      `source.auth.tenantId: is required. Add "tenantId": "00000000-0000-0000-0000-000000000000"`,
      `source.auth.clientId: is required. Add "clientId": "00000000-0000-0000-0000-000000000000"`,
      `source.auth.clientSecret: looks like an inline secret. Put it in an environment variable and write env:NAME (or file:PATH for a file, vault:OCID for an OCI Vault secret)`,
      `source.acountName: is not a known field. Did you mean "accountName"? (known fields of source: type, accountName, fileSystem, path, endpoint, auth)`,
      `target.bucket: must be a bucket name without "/", got "target/azure". Write the folder part in target.prefix (or, for the log, in log.object)`,
      `target.region: is not an OCI region identifier, got "IAD". Write the region identifier, not the region key: e.g. "us-ashburn-1" for IAD`,
      `compare: must be one of "size-md5", "size", "md5", got "sizes". Write "size"`,
      `mirror.enabled: must be true or false, got a string. Write true or false (without quotes)`,
      `mirror.maxDeletions: must be 0 or more, got -5. Write an integer 0 or more`,
      `log.path: is a local file, but profile DATAFLOW runs on OCI Data Flow, where local files are lost when the run ends. Write the log to a bucket: "log": { "bucket": "target-azure", "object": "log/log_dataflow_app_migration.json" }`,
    ]);
  });

  it("returns the errors as structured fields", () => {
    const r = validateConfig(patch(minimalLocal(), { "target.profile": "CLOUD", "source.auth.accountKey": "abc" }));
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(r.errors, [
      {
        field: "source.auth.accountKey",
        problem: "looks like an inline secret",
        fix: "put it in an environment variable and write env:NAME (or file:PATH for a file, vault:OCID for an OCI Vault secret)",
      },
      {
        field: "target.profile",
        problem: `must be one of "LOCAL", "DATAFLOW", got "CLOUD"`,
        fix: `write one of "LOCAL", "DATAFLOW"`,
      },
    ]);
  });
});

describe("validateConfig: warnings", () => {
  const cases: { name: string; given: Record<string, unknown>; want: string[] }[] = [
    {
      name: "DATAFLOW with a config file ships the API key",
      given: { "target.profile": "DATAFLOW", "target.configFile": "./oci/config" },
      want: [
        "target.configFile: ships the OCI config file and its API private key inside archive.zip. Remove it to use the Data Flow run's resource principal (give its dynamic group access to the buckets)",
      ],
    },
    {
      name: "mirror with the default DATAFLOW log under the target prefix",
      given: { "target.profile": "DATAFLOW", "mirror.enabled": true },
      want: [
        `mirror.enabled: would treat the log object "log/log_dataflow_app_migration.json" as a target-only object to delete, as it lies under target.prefix in the target bucket. Write the log to another bucket or outside target.prefix`,
      ],
    },
    {
      name: "mirror with the log outside the target prefix",
      given: { "target.prefix": "data", "mirror.enabled": true, log: { bucket: "target-azure", object: "log/x.json" } },
      want: [],
    },
    {
      name: "mirror with the log in another bucket",
      given: { "mirror.enabled": true, log: { bucket: "logs", object: "log/x.json" } },
      want: [],
    },
  ];
  for (const { name, given, want } of cases) {
    it(name, () => {
      const r = validateConfig(patch(minimalLocal(), given));
      assert.equal(r.ok, true, r.ok ? "" : formatConfigErrors(r.errors));
      assert.deepEqual(r.warnings.length === 0 ? [] : formatConfigErrors(r.warnings).split("\n"), want);
    });
  }
});

describe("validateConfig: secrets are never echoed", () => {
  // Distinctive values in every field that may hold a secret, each wrong in a way that produces a message.
  const secret = "Zq8vK2mW9xR4tY7u";
  const cases: { name: string; given: Record<string, unknown> }[] = [
    { name: "inline account key", given: { "source.auth.accountKey": secret } },
    { name: "inline key with a colon", given: { "source.auth.accountKey": `${secret}:${secret}` } },
    { name: "mistyped scheme", given: { "source.auth.accountKey": `Env:${secret}` } },
    { name: "env reference with the secret as a bad name", given: { "source.auth.accountKey": `env:${secret}-x` } },
    { name: "vault reference with the secret", given: { "source.auth.accountKey": `vault:${secret}` } },
    {
      name: "oauth secret inline, secret pasted in clientId",
      given: { "source.auth": { method: "oauth", tenantId: secret, clientId: secret, clientSecret: secret } },
    },
    { name: "sas inline", given: { "source.auth": { method: "sas", sasToken: `sv=2022&sig=${secret}` } } },
    { name: "SAS in the source endpoint", given: { "source.endpoint": `https://sourcedemo.dfs.core.windows.net/?sig=${secret}` } },
    { name: "password in the target endpoint", given: { "target.endpoint": `https://u:${secret}@objectstorage.example` } },
    { name: "secret as a non-URL endpoint", given: { "target.endpoint": secret } },
    { name: "secret given as a number", given: { "source.auth.accountKey": 12345678 } },
  ];
  for (const { name, given } of cases) {
    it(name, () => {
      const lines = errorsOf(patch(minimalLocal(), given));
      assert.ok(lines.length > 0);
      for (const line of lines) {
        assert.ok(!line.includes(secret.slice(0, 8)), `message echoes the secret: ${line}`);
        assert.ok(!line.includes("12345678"), `message echoes the value: ${line}`);
      }
    });
  }
});

describe("validateConfig: S3 and local sources", () => {
  const s3 = (source: Json = {}): Json =>
    patch(minimalLocal(), {
      source: {
        type: "s3",
        bucket: "sales-lake",
        region: "us-east-1",
        auth: { method: "keys", accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "env:AWS_SECRET_ACCESS_KEY" },
        ...source,
      },
    });

  it("takes an S3 source with its defaults, and an S3-compatible one with endpoint, path style and a session token", () => {
    const plain = configOf(s3()).source;
    assert.deepEqual(plain, {
      type: "s3",
      bucket: "sales-lake",
      region: "us-east-1",
      prefix: "",
      pathStyle: false,
      auth: { method: "keys", accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "env:AWS_SECRET_ACCESS_KEY" },
    });
    const compatible = configOf(
      s3({
        prefix: "/raw/sales/",
        endpoint: "http://127.0.0.1:9000/",
        pathStyle: true,
        auth: { method: "keys", accessKeyId: "MINIOACCESSKEY0001", secretAccessKey: "file:minio.secret", sessionToken: "env:AWS_SESSION_TOKEN" },
      }),
    ).source;
    assert.equal(compatible.type === "s3" && compatible.prefix, "raw/sales");
    assert.equal(compatible.type === "s3" && compatible.endpoint, "http://127.0.0.1:9000");
    const chain = configOf(s3({ auth: { method: "environment", profile: "migration" } })).source;
    assert.deepEqual(chain.type === "s3" && chain.auth, { method: "environment", profile: "migration" });
  });

  it("refuses a wrong S3 source field by field, naming each and what to write", () => {
    const lines = errorsOf(
      s3({ bucket: "s3://Sales-Lake/raw", region: "US-EAST-1", auth: { method: "keys", accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" } }),
    );
    const text = lines.join("\n");
    assert.match(text, /source\.bucket: must be a bucket name, not a URL, got "s3:\/\/Sales-Lake\/raw"\. Write "bucket": "Sales-Lake" and the rest in source\.prefix, "raw"/);
    assert.match(text, /source\.region: is not an AWS region code, got "US-EAST-1"\. Write it in lowercase, "us-east-1"/);
    assert.match(text, /source\.auth\.secretAccessKey: /);
    assert.doesNotMatch(text, /wJalrXUtnFEMI/, "an inline secret is never echoed");
    assert.match(errorsOf(s3({ region: undefined })).join("\n"), /source\.region: is required/);
    assert.match(errorsOf(s3({ auth: { method: "password" } })).join("\n"), /source\.auth\.method: .*"keys".*"environment"/);
    assert.match(errorsOf(s3({ bucket: "Sales_Lake" })).join("\n"), /source\.bucket: must be lowercase, got "Sales_Lake"/);
    assert.match(errorsOf(s3({ accountName: "sourcedemo" })).join("\n"), /source\.accountName: /);
  });

  it("takes a local directory and refuses an empty one", () => {
    const local = configOf(patch(minimalLocal(), { source: { type: "local", path: "./lake" } })).source;
    assert.deepEqual(local, { type: "local", path: "./lake" });
    assert.match(errorsOf(patch(minimalLocal(), { source: { type: "local", path: " " } })).join("\n"), /source\.path: must not be empty/);
    assert.match(errorsOf(patch(minimalLocal(), { source: { type: "ftp", host: "b" } })).join("\n"), /source\.type: .*"adls".*"s3".*"gcs".*"hdfs".*"local"/);
  });
});

describe("validateConfig: GCS and HDFS sources", () => {
  const gcs = (source: Json = {}): Json =>
    patch(minimalLocal(), {
      source: { type: "gcs", bucket: "sales-lake", auth: { method: "serviceAccountKey", key: "file:sa.json" }, ...source },
    });
  const hdfs = (source: Json = {}): Json =>
    patch(minimalLocal(), {
      source: { type: "hdfs", nameNode: "hdfs://namenode:8020", webhdfs: "http://namenode:9870", path: "/data/lake", ...source },
    });

  it("takes a GCS source with a key reference or the environment, its prefix normalised and its endpoint", () => {
    assert.deepEqual(configOf(gcs()).source, {
      type: "gcs",
      bucket: "sales-lake",
      prefix: "",
      auth: { method: "serviceAccountKey", key: "file:sa.json" },
    });
    const local = configOf(gcs({ prefix: "/raw/sales/", endpoint: "http://127.0.0.1:4443/", auth: { method: "environment" } })).source;
    assert.equal(local.type === "gcs" && local.prefix, "raw/sales");
    assert.equal(local.type === "gcs" && local.endpoint, "http://127.0.0.1:4443");
    assert.deepEqual(local.type === "gcs" && local.auth, { method: "environment" });
    for (const bucket of ["a.b.c", "my_bucket-1", "x".repeat(63), `${"x".repeat(63)}.${"y".repeat(63)}`]) {
      assert.equal(configOf(gcs({ bucket })).source.type, "gcs", bucket);
    }
  });

  it("refuses a wrong GCS source field by field, naming each and what to write", () => {
    const text = (source: Json) => errorsOf(gcs(source)).join("\n");
    assert.match(text({ bucket: "gs://sales-lake/raw/" }), /source\.bucket: must be a bucket name, not a URL, got "gs:\/\/sales-lake\/raw\/"\. Write "bucket": "sales-lake" and the rest in source\.prefix, "raw"/);
    assert.match(text({ bucket: "Sales-Lake" }), /source\.bucket: must be lowercase, got "Sales-Lake"\. Write "sales-lake"/);
    assert.match(text({ bucket: "ab" }), /source\.bucket: must be 3-63 characters long \(up to 222 with dots\), got 2/);
    assert.match(text({ bucket: "x".repeat(64) }), /source\.bucket: must be 3-63 characters long/);
    assert.match(text({ bucket: "-lake" }), /source\.bucket: must start and end with a letter or digit/);
    assert.match(text({ bucket: "goog-lake" }), /source\.bucket: must not start with "goog" or contain "google"/);
    assert.match(text({ bucket: "my-google-lake" }), /source\.bucket: must not start with "goog" or contain "google"/);
    assert.match(text({ bucket: "192.168.5.4" }), /source\.bucket: must not be an IP address/);
    assert.match(text({ bucket: "sales lake" }), /source\.bucket: may hold only lowercase letters, digits, "-", "_" and "\."/);
    assert.match(text({ auth: { method: "serviceAccountKey", key: '{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----"}' } }), /source\.auth\.key: /);
    assert.doesNotMatch(text({ auth: { method: "serviceAccountKey", key: '{"private_key":"-----BEGIN PRIVATE KEY-----"}' } }), /BEGIN PRIVATE KEY/, "an inline key is never echoed");
    assert.match(text({ auth: { method: "serviceAccountKey" } }), /source\.auth\.key: is required/);
    assert.match(text({ auth: { method: "oauth" } }), /source\.auth\.method: .*"serviceAccountKey".*"environment"/);
    assert.match(text({ endpoint: "ftp://x" }), /source\.endpoint: must be an http:\/\/ or https:\/\/ URL/);
    assert.match(text({ region: "us-east-1" }), /source\.region: is not a field of "type": "gcs"\. Remove it, or switch to "type": "s3", which uses it/);
  });

  it("takes an HDFS source: the RPC URI for the job, the WebHDFS address for plan, an absolute path, a user", () => {
    assert.deepEqual(configOf(hdfs({ user: "etl" })).source, {
      type: "hdfs",
      nameNode: "hdfs://namenode:8020",
      webhdfs: "http://namenode:9870",
      path: "/data/lake",
      user: "etl",
    });
    assert.equal(configOf(hdfs({ webhdfs: "https://namenode:9871/" })).source.type === "hdfs", true);
  });

  it("refuses a wrong HDFS source field by field, naming each and what to write", () => {
    const text = (source: Json) => errorsOf(hdfs(source)).join("\n");
    assert.match(text({ nameNode: "http://namenode:9870" }), /source\.nameNode: must be the NameNode's RPC URI \(hdfs:\/\/\), got an http URL\. Write the NameNode's RPC URI, e\.g\. "hdfs:\/\/namenode\.example\.com:8020".*; the WebHDFS address goes in source\.webhdfs/);
    assert.match(text({ nameNode: "hdfs://namenode:8020/data/lake" }), /source\.nameNode: must name the NameNode only, not a path.*the directory goes in source\.path/);
    assert.match(text({ nameNode: "namenode:8020" }), /source\.nameNode: is not an hdfs:\/\/host:port URI, got "namenode:8020"/);
    assert.match(text({ webhdfs: undefined }), /source\.webhdfs: is required/);
    assert.match(text({ webhdfs: "hdfs://namenode:8020" }), /source\.webhdfs: must be an http:\/\/ or https:\/\/ URL/);
    assert.match(text({ path: "data/lake" }), /source\.path: must be an absolute path, starting with "\/", got "data\/lake"\. Write "\/data\/lake"/);
    assert.match(text({ path: "/data/../etc" }), /source\.path: must not hold "\." or "\.\." segments/);
    assert.match(text({ path: undefined }), /source\.path: is required/);
    assert.match(text({ user: "etl user" }), /source\.user: must be a user name/);
    assert.match(text({ auth: { method: "kerberos" } }), /source\.auth: is not a field of "type": "hdfs"/);
  });
});
