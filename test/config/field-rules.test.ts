// Each named value's pattern (what editors check, from the JSON Schema) and check (what lake2oci checks, with the
// worded message) must accept and refuse the same values.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  accountNameRule,
  bucketRule,
  checkEndpoint,
  clientIdRule,
  ENDPOINT_PATTERN,
  type FieldRule,
  fileSystemRule,
  namespaceRule,
  regionRule,
  tenantIdRule,
} from "../../src/config/field-rules.ts";
import { parseSecretRef, SECRET_REF_PATTERN } from "../../src/config/secret-ref.ts";

const rules: { name: string; rule: FieldRule; valid: string[]; invalid: string[] }[] = [
  {
    name: "account name",
    rule: accountNameRule,
    valid: ["sourcedemo", "abc", "devstoreaccount1", "a".repeat(24)],
    invalid: ["ab", "a".repeat(25), "Source", "source-demo", "source_demo", "sourcedemo.dfs.core.windows.net", ""],
  },
  {
    name: "file system",
    rule: fileSystemRule,
    valid: ["parquetfiles", "abc", "a-b-c", "0ab", "a".repeat(63), "$root", "$logs", "$web"],
    invalid: ["ab", "a".repeat(64), "-abc", "abc-", "a--b", "Parquet", "a_b", "a/b", "$other", "", "ab c"],
  },
  {
    name: "bucket",
    rule: bucketRule,
    valid: ["target-azure", "a", "A.b_c-1", "b".repeat(256)],
    invalid: ["", "b".repeat(257), "a/b", "a b", "a:b", "ñ"],
  },
  {
    name: "region",
    rule: regionRule,
    valid: ["us-ashburn-1", "sa-saopaulo-1", "me-dcc-muscat-1", "us-gov-ashburn-1", "uk-london-1"],
    invalid: ["IAD", "us-ashburn", "US-ASHBURN-1", "us_ashburn_1", "ashburn-1", "", "us-ashburn-1 "],
  },
  {
    name: "namespace",
    rule: namespaceRule,
    valid: ["axaxnpcrorw5", "my-tenancy", "a", "tenancy_2"],
    invalid: ["", "Upper", "-lead", "a".repeat(129), "a.b"],
  },
  {
    name: "tenant id",
    rule: tenantIdRule,
    valid: ["72f988bf-86f1-41af-91ab-2d7cd011db47", "72F988BF-86F1-41AF-91AB-2D7CD011DB47", "contoso.onmicrosoft.com"],
    invalid: ["********-****-****-****-***********", "contoso", "72f988bf86f141af91ab2d7cd011db47", "", "-a.com"],
  },
  {
    name: "client id",
    rule: clientIdRule,
    valid: ["72f988bf-86f1-41af-91ab-2d7cd011db47"],
    invalid: ["contoso.onmicrosoft.com", "72f988bf-86f1-41af-91ab-2d7cd011db4", "", "my-app"],
  },
];

describe("field rules: pattern and check agree", () => {
  for (const { name, rule, valid, invalid } of rules) {
    it(`${name}: accepts ${valid.length}, refuses ${invalid.length}`, () => {
      for (const v of valid) {
        assert.equal(rule.check(v), undefined, `check refused valid ${JSON.stringify(v)}`);
        assert.ok(rule.pattern.test(v), `pattern refused valid ${JSON.stringify(v)}`);
      }
      for (const v of invalid) {
        assert.notEqual(rule.check(v), undefined, `check accepted invalid ${JSON.stringify(v)}`);
        assert.ok(!rule.pattern.test(v), `pattern accepted invalid ${JSON.stringify(v)}`);
      }
    });
  }

  it("endpoints", () => {
    const cases: { given: string; want: string | "refused" }[] = [
      { given: "http://127.0.0.1:10000/devstoreaccount1", want: "http://127.0.0.1:10000/devstoreaccount1" },
      { given: "http://127.0.0.1:10000/devstoreaccount1/", want: "http://127.0.0.1:10000/devstoreaccount1" },
      { given: "https://objectstorage.us-ashburn-1.oraclecloud.com", want: "https://objectstorage.us-ashburn-1.oraclecloud.com" },
      { given: "http://localhost:8080", want: "http://localhost:8080" },
      { given: "ftp://127.0.0.1", want: "refused" },
      { given: "127.0.0.1:10000", want: "refused" },
      { given: "http://u:p@host", want: "refused" },
      { given: "https://host/?sig=x", want: "refused" },
      { given: "https://host/#x", want: "refused" },
      { given: "https://host/?", want: "refused" },
      { given: "", want: "refused" },
    ];
    for (const { given, want } of cases) {
      const r = checkEndpoint(given);
      if (want === "refused") {
        assert.ok("problem" in r, `accepted ${given}`);
        assert.ok(!ENDPOINT_PATTERN.test(given), `pattern accepted ${given}`);
      } else {
        assert.deepEqual(r, { value: want });
        assert.ok(ENDPOINT_PATTERN.test(given), `pattern refused ${given}`);
      }
    }
  });

  it("secret references", () => {
    const cases: { given: string; want: unknown }[] = [
      { given: "env:AZURE_STORAGE_KEY", want: { scheme: "env", name: "AZURE_STORAGE_KEY" } },
      { given: "env:_k1", want: { scheme: "env", name: "_k1" } },
      { given: "file:./secrets/key", want: { scheme: "file", path: "./secrets/key" } },
      { given: "file:/abs path/key", want: { scheme: "file", path: "/abs path/key" } },
      {
        given: "vault:ocid1.vaultsecret.oc1.iad.amaaaaaa",
        want: { scheme: "vault", ocid: "ocid1.vaultsecret.oc1.iad.amaaaaaa" },
      },
      {
        given: "vault:ocid1.vaultsecret.oc1..amaaaaaa",
        want: { scheme: "vault", ocid: "ocid1.vaultsecret.oc1..amaaaaaa" },
      },
      { given: "env:", want: "refused" },
      { given: "env:1A", want: "refused" },
      { given: "env:A-B", want: "refused" },
      { given: "file:", want: "refused" },
      { given: "file:  ", want: "refused" },
      { given: "vault:ocid1.vault.oc1.iad.x", want: "refused" },
      { given: "vault:ocid1.vaultsecret.oc1", want: "refused" },
      { given: "ENV:A", want: "refused" },
      { given: "3MKEQ7dBY4e6xeIsw4uEBXR9gG1QuZa2T64uoNyyktINq==", want: "refused" },
      { given: "?sv=2022-11-02&se=2024-01-01T00:00:00Z&sig=x", want: "refused" },
      { given: "", want: "refused" },
    ];
    for (const { given, want } of cases) {
      const r = parseSecretRef(given);
      if (want === "refused") {
        assert.ok("problem" in r, `accepted ${given}`);
        assert.ok(!SECRET_REF_PATTERN.test(given), `pattern accepted ${given}`);
      } else {
        assert.deepEqual(r, { ref: want });
        assert.ok(SECRET_REF_PATTERN.test(given), `pattern refused ${given}`);
      }
    }
  });
});
