// The gateway's own SharedKey and SAS checks, as units: the string-to-sign built from the
// published rules, the readings of the spec that SDKs differ on, and shared access signatures made
// by the real SDK's generators (service SAS for a filesystem, file and directory, account SAS,
// current and older signed versions) accepted, and tampered, expired or insufficient ones refused.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  DataLakeSASPermissions,
  DirectorySASPermissions,
  FileSystemSASPermissions,
  generateAccountSASQueryParameters,
  generateDataLakeSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-file-datalake";
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME } from "../../src/emulators/adls/index.ts";
import { type SasRequirement, verifySas } from "../../src/emulators/adls/sas.ts";
import { hmacSha256Base64, parseQuery, type SignableRequest, sharedKeyStringToSign, verifySharedKey } from "../../src/emulators/adls/shared-key.ts";

const account = DEV_ACCOUNT_NAME;
const key = DEV_ACCOUNT_KEY;
const date = "Mon, 02 Sep 2024 10:00:00 GMT";
const empty11 = "\n".repeat(11);

describe("SharedKey string-to-sign", () => {
  const cases: { name: string; given: SignableRequest; want: string }[] = [
    {
      name: "a listPaths GET: query names lowercased and sorted, values decoded",
      given: {
        method: "get",
        path: "/devstoreaccount1/fs1",
        query: "resource=filesystem&recursive=true&directory=a%20b%2Fc&maxResults=10",
        headers: { "x-ms-date": date, "x-ms-version": "2023-11-03", "user-agent": "not signed" },
      },
      want: `GET${empty11}\nx-ms-date:${date}\nx-ms-version:2023-11-03\n/devstoreaccount1/devstoreaccount1/fs1\ndirectory:a b/c\nmaxresults:10\nrecursive:true\nresource:filesystem`,
    },
    {
      name: "an append PATCH: Content-Length and Content-MD5 in their places, the path as sent",
      given: {
        method: "PATCH",
        path: "/devstoreaccount1/fs1/dir%20x/f%2B1.txt",
        query: "action=append&position=0",
        headers: { "content-length": "5", "content-md5": "XUFAKrxLKna5cZ2REBfFkg==", "x-ms-version": "2023-11-03", "x-ms-date": date },
      },
      want: `PATCH\n\n\n5\nXUFAKrxLKna5cZ2REBfFkg==${"\n".repeat(8)}x-ms-date:${date}\nx-ms-version:2023-11-03\n/devstoreaccount1/devstoreaccount1/fs1/dir%20x/f%2B1.txt\naction:append\nposition:0`,
    },
    {
      name: "a zero Content-Length is signed empty; conditional headers and Range in their places",
      given: {
        method: "PUT",
        path: "/devstoreaccount1/fs1/f",
        query: "resource=file",
        headers: { "content-length": "0", "if-none-match": "*", range: "bytes=0-1", "x-ms-date": date },
      },
      want: `PUT${"\n".repeat(9)}*\n\nbytes=0-1\nx-ms-date:${date}\n/devstoreaccount1/devstoreaccount1/fs1/f\nresource:file`,
    },
    {
      name: "a repeated query parameter: values sorted and joined with commas",
      given: { method: "GET", path: "/devstoreaccount1/c", query: "comp=list&include=snapshots&include=metadata", headers: { "x-ms-date": date } },
      want: `GET${empty11}\nx-ms-date:${date}\n/devstoreaccount1/devstoreaccount1/c\ncomp:list\ninclude:metadata,snapshots`,
    },
  ];
  for (const { name, given, want } of cases) {
    it(name, () => {
      assert.equal(sharedKeyStringToSign(account, given), want);
    });
  }

  it("parses queries into lowercase names and decoded values", () => {
    assert.deepEqual([...parseQuery("A=1&b=x%2By&b=z+w&flag")], [
      ["a", ["1"]],
      ["b", ["x+y", "z w"]],
      ["flag", [""]],
    ]);
  });
});

describe("verifySharedKey", () => {
  const request: SignableRequest = {
    method: "GET",
    path: "/devstoreaccount1/fs1",
    query: "resource=filesystem&recursive=true&continuation=",
    headers: { "x-ms-date": date, "x-ms-ab": "1", "x-ms-a-z": "2" },
  };
  const signed = (text: string, signingKey = key) => `SharedKey ${account}:${hmacSha256Base64(signingKey, text)}`;

  it("accepts every reading SDKs use: .NET or code-point header order, empty query values signed or not", () => {
    for (const headerOrder of ["hyphen-insensitive", "codepoint"] as const) {
      for (const keepEmptyQueryValues of [false, true]) {
        const authorization = signed(sharedKeyStringToSign(account, request, { headerOrder, keepEmptyQueryValues }));
        assert.deepEqual(verifySharedKey(account, key, request, authorization), { ok: true }, `${headerOrder}, keepEmpty=${keepEmptyQueryValues}`);
      }
    }
    const orders = ["hyphen-insensitive", "codepoint"] as const;
    const texts = orders.map((headerOrder) => sharedKeyStringToSign(account, request, { headerOrder, keepEmptyQueryValues: false }));
    assert.notEqual(texts[0], texts[1], "the two header orders differ for x-ms-ab and x-ms-a-z");
  });

  it("refuses another key, another request, another account and malformed headers", () => {
    const text = sharedKeyStringToSign(account, request);
    const otherKey = Buffer.from("another key entirely").toString("base64");
    assert.equal(verifySharedKey(account, key, request, signed(text, otherKey)).ok, false);
    assert.equal(verifySharedKey(account, key, { ...request, query: "resource=filesystem&recursive=false" }, signed(text)).ok, false);
    assert.equal(verifySharedKey(account, key, { ...request, headers: { ...request.headers, "x-ms-ab": "changed" } }, signed(text)).ok, false);
    assert.deepEqual(verifySharedKey(account, key, request, `SharedKey other:${hmacSha256Base64(key, text)}`), {
      ok: false,
      reason: "the Authorization header names account 'other', this emulator serves 'devstoreaccount1'",
    });
    assert.deepEqual(verifySharedKey(account, key, request, "Basic abc"), {
      ok: false,
      reason: "the Authorization header is not of the form 'SharedKey account:signature'",
    });
  });
});

describe("verifySas with signatures from the SDK's generators", () => {
  const credential = new StorageSharedKeyCredential(account, key);
  const now = new Date();
  const expiresOn = new Date(now.getTime() + 3600_000);
  const query = (sas: string) => parseQuery(sas);
  const check = (sas: string, requirement: Omit<SasRequirement, "container"> & { container?: string }, at = now) =>
    verifySas(account, key, query(sas), { container: "fs1", ...requirement }, at, "127.0.0.1");

  it("checks a filesystem SAS (sr=c) for the filesystem and its paths, with its permissions", () => {
    const sas = generateDataLakeSASQueryParameters({ fileSystemName: "fs1", permissions: FileSystemSASPermissions.parse("rl"), expiresOn }, credential).toString();
    assert.deepEqual(check(sas, { path: "", anyOf: "l", resourceType: "c" }), { ok: true });
    assert.deepEqual(check(sas, { path: "a/b.txt", anyOf: "re", resourceType: "o" }), { ok: true });
    const denied = check(sas, { path: "a/b.txt", anyOf: "cw", resourceType: "o" });
    assert.equal(denied.ok ? "" : denied.code, "AuthorizationPermissionMismatch");
    const otherFilesystem = check(sas, { container: "fs2", path: "", anyOf: "l", resourceType: "c" });
    assert.equal(otherFilesystem.ok ? "" : otherFilesystem.code, "AuthenticationFailed");
  });

  it("checks a file SAS (sr=b) for that file only", () => {
    const sas = generateDataLakeSASQueryParameters(
      { fileSystemName: "fs1", pathName: "dir/f.txt", permissions: DataLakeSASPermissions.parse("rw"), expiresOn },
      credential,
    ).toString();
    assert.deepEqual(check(sas, { path: "dir/f.txt", anyOf: "w", resourceType: "o" }), { ok: true });
    const other = check(sas, { path: "dir/g.txt", anyOf: "w", resourceType: "o" });
    assert.equal(other.ok ? "" : other.code, "AuthenticationFailed");
  });

  it("checks a directory SAS (sr=d, sdd) for paths under that directory", () => {
    const sas = generateDataLakeSASQueryParameters(
      { fileSystemName: "fs1", pathName: "dir/sub", isDirectory: true, permissions: DirectorySASPermissions.parse("rwl"), expiresOn },
      credential,
    ).toString();
    assert.match(sas, /sr=d/);
    assert.deepEqual(check(sas, { path: "dir/sub/x/y.txt", anyOf: "w", resourceType: "o" }), { ok: true });
    assert.deepEqual(check(sas, { path: "dir/sub", anyOf: "l", resourceType: "c" }), { ok: true });
    for (const path of ["dir/other/y.txt", "dir"]) {
      const result = check(sas, { path, anyOf: "w", resourceType: "o" });
      assert.equal(result.ok, false, path);
    }
  });

  it("checks an account SAS: services, resource types, permissions", () => {
    const sas = generateAccountSASQueryParameters(
      {
        expiresOn,
        permissions: AccountSASPermissions.parse("rl"),
        services: AccountSASServices.parse("b").toString(),
        resourceTypes: AccountSASResourceTypes.parse("c").toString(),
      },
      credential,
    ).toString();
    assert.deepEqual(check(sas, { path: "", anyOf: "l", resourceType: "c" }), { ok: true });
    const objects = check(sas, { path: "f.txt", anyOf: "r", resourceType: "o" });
    assert.equal(objects.ok ? "" : objects.code, "AuthorizationResourceTypeMismatch");
    const tampered = sas.replace("sp=rl", "sp=rwl");
    const result = check(tampered, { path: "", anyOf: "l", resourceType: "c" });
    assert.equal(result.ok ? "" : result.code, "AuthenticationFailed");
  });

  it("accepts the older string-to-sign layouts the signed version selects", () => {
    for (const version of ["2016-05-31", "2019-12-12", "2020-12-06"]) {
      const sas = generateDataLakeSASQueryParameters({ version, fileSystemName: "fs1", permissions: FileSystemSASPermissions.parse("l"), expiresOn }, credential).toString();
      assert.deepEqual(check(sas, { path: "", anyOf: "l", resourceType: "c" }), { ok: true }, version);
    }
  });

  it("refuses expired, not yet valid, https-only, and unverifiable signatures with reasons", () => {
    const sas = generateDataLakeSASQueryParameters(
      { fileSystemName: "fs1", permissions: FileSystemSASPermissions.parse("l"), startsOn: new Date(now.getTime() - 60_000), expiresOn },
      credential,
    ).toString();
    const requirement = { path: "", anyOf: "l", resourceType: "c" as const };
    const late = check(sas, requirement, new Date(expiresOn.getTime() + 1_000));
    assert.match(late.ok ? "" : late.reason, /Signed expiry time/);
    const early = check(sas, requirement, new Date(now.getTime() - 3600_000));
    assert.match(early.ok ? "" : early.reason, /Signed start time/);
    const https = generateDataLakeSASQueryParameters(
      { fileSystemName: "fs1", permissions: FileSystemSASPermissions.parse("l"), expiresOn, protocol: "https" as never },
      credential,
    ).toString();
    const protocol = check(https, requirement);
    assert.equal(protocol.ok ? "" : protocol.code, "AuthorizationProtocolMismatch");
    const delegated = check(`${sas}&skoid=00000000-0000-0000-0000-000000000000`, requirement);
    assert.match(delegated.ok ? "" : delegated.reason, /user delegation SAS cannot be verified/);
    const stored = check(`${sas}&si=policy1`, requirement);
    assert.match(stored.ok ? "" : stored.reason, /stored access policy/);
  });
});
