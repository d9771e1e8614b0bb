// One conformance suite for every store's lister (design.md, convention 1), run against the local cloud. Each store
// supplies a fixture: how to seed files with the real SDK, and listers with good, wrong and missing settings.
import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startLocalCloud, type LocalCloud } from "../../src/emulators/local-cloud.ts";
import { AdlsLister } from "../../src/stores/adls/adls-lister.ts";
import { StoreAuthError, StoreNotFoundError, StoreUnreachableError } from "../../src/stores/errors.ts";
import { ociObjectStorageClient, ociNamespace } from "../../src/stores/oci/oci-client.ts";
import { OciLister } from "../../src/stores/oci/oci-lister.ts";
import type { StoreEntry, StoreLister } from "../../src/stores/store.ts";

interface StoreFixture {
  name: string;
  /** Whether listings are sorted by name (code point order). */
  sorted: boolean;
  /** Whether directories appear as entries. */
  hasDirectories: boolean;
  seed(files: Record<string, Buffer>): Promise<void>;
  lister(): StoreLister;
  wrongCredentials(): StoreLister;
  missingContainer(): StoreLister;
  unreachable(): StoreLister;
}

const files: Record<string, Buffer> = {
  "top.parquet": Buffer.from("PAR1-top-PAR1"),
  "empty.bin": Buffer.alloc(0),
  "a/b/c/deep.parquet": Buffer.alloc(70_000, 7),
  "a/sibling.txt": Buffer.from("sibling"),
  "dir with space/file name.csv": Buffer.from("x,y\n1,2\n"),
  "unicode/ñandú-日本-😀.json": Buffer.from('{"k":"v"}'),
  "odd/100%+plus#hash.dat": Buffer.from("odd"),
  "we#ird&dir+=%20/x?y=1&z.dat": Buffer.from("weird"),
};
for (let i = 0; i < 25; i++) files[`many/part-${String(i).padStart(5, "0")}.parquet`] = Buffer.alloc(i, i);

function byCodePoint(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

async function collect(lister: StoreLister, opts: { prefix?: string; pageSize?: number } = {}) {
  const pages: StoreEntry[][] = [];
  for await (const page of lister.listPages(opts)) pages.push(page);
  return pages;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  assert.fail("expected the listing to fail");
}

let cloud: LocalCloud;
const fixtures: StoreFixture[] = [];

before(async () => {
  cloud = await startLocalCloud();
  const { accountName, accountKey, accountUrl } = cloud.adls;
  const adlsSvc = new DataLakeServiceClient(accountUrl, new StorageSharedKeyCredential(accountName, accountKey));
  await adlsSvc.getFileSystemClient("conformance").create();
  const adlsLoc = { accountName, fileSystem: "conformance", endpoint: accountUrl };
  fixtures.push({
    name: "adls",
    sorted: false,
    hasDirectories: true,
    async seed(fs) {
      const fsc = adlsSvc.getFileSystemClient("conformance");
      for (const [name, data] of Object.entries(fs)) await fsc.getFileClient(name).upload(data);
    },
    lister: () => new AdlsLister(adlsLoc, { method: "key", accountKey }),
    wrongCredentials: () =>
      new AdlsLister(adlsLoc, { method: "key", accountKey: Buffer.alloc(64, 1).toString("base64") }),
    missingContainer: () => new AdlsLister({ ...adlsLoc, fileSystem: "no-such-fs" }, { method: "key", accountKey }),
    unreachable: () =>
      new AdlsLister({ ...adlsLoc, endpoint: "http://127.0.0.1:9/devstoreaccount1" }, { method: "key", accountKey }),
  });

  const c = cloud.credentials;
  const client = ociObjectStorageClient({ configFile: c.configFile, profile: c.profile, endpoint: cloud.oci.url });
  const namespace = await ociNamespace(client, "OCI emulator");
  await client.createBucket({ namespaceName: namespace, createBucketDetails: { name: "conformance", compartmentId: c.tenancy } });
  fixtures.push({
    name: "oci",
    sorted: true,
    hasDirectories: false,
    async seed(fs) {
      for (const [name, data] of Object.entries(fs)) {
        await client.putObject({ namespaceName: namespace, bucketName: "conformance", objectName: name, putObjectBody: data, contentLength: data.length });
      }
    },
    lister: () => new OciLister(client, { namespace, bucket: "conformance" }),
    wrongCredentials: () =>
      new OciLister(ociObjectStorageClient({ configFile: c.wrongConfigFile, profile: "DEFAULT", endpoint: cloud.oci.url, maxAttempts: 1 }), {
        namespace,
        bucket: "conformance",
      }),
    missingContainer: () => new OciLister(client, { namespace, bucket: "no-such-bucket" }),
    unreachable: () =>
      new OciLister(ociObjectStorageClient({ configFile: c.configFile, profile: c.profile, endpoint: "http://127.0.0.1:9", maxAttempts: 1 }), {
        namespace,
        bucket: "conformance",
      }),
  });
  for (const f of fixtures) await f.seed(files);
});

after(async () => {
  await cloud?.stop();
});

for (const storeName of ["adls", "oci"]) {
  describe(`store conformance: ${storeName}`, () => {
    const fx = () => fixtures.find((f) => f.name === storeName)!;

    it("lists every file once with its exact size, zero-byte files included", async () => {
      const entries = (await collect(fx().lister())).flat();
      const got = new Map(entries.filter((e) => !e.isDirectory).map((e) => [e.name, e.size]));
      assert.equal(entries.filter((e) => !e.isDirectory).length, got.size, "no file listed twice");
      assert.deepEqual(
        [...got.entries()].sort((a, b) => byCodePoint(a[0], b[0])),
        Object.entries(files).map(([n, d]) => [n, d.length] as const).sort((a, b) => byCodePoint(a[0], b[0])),
      );
      for (const e of entries) {
        assert.ok(!e.name.startsWith("/"), `${e.name} is relative to the store root`);
        assert.ok(!Number.isNaN(Date.parse(e.modified)), `${e.name} has an ISO modified time`);
      }
    });

    it("reports directories as directories, or none at all", async () => {
      const dirs = (await collect(fx().lister())).flat().filter((e) => e.isDirectory).map((e) => e.name);
      if (fx().hasDirectories) {
        for (const d of ["a", "a/b", "a/b/c", "dir with space", "unicode", "many"]) assert.ok(dirs.includes(d), `directory ${d}`);
      } else assert.deepEqual(dirs, []);
    });

    it("pages at the requested size and loses nothing across pages", async () => {
      const pages = await collect(fx().lister(), { pageSize: 7 });
      assert.ok(pages.length > 3, `several pages (got ${pages.length})`);
      for (const p of pages) assert.ok(p.length <= 7, "page within the requested size");
      const names = pages.flat().filter((e) => !e.isDirectory).map((e) => e.name);
      assert.equal(new Set(names).size, Object.keys(files).length);
    });

    it("resumes after every name, however odd (page size 1: each name is the next page's start)", async () => {
      const names = (await collect(fx().lister(), { pageSize: 1 })).flat().filter((e) => !e.isDirectory).map((e) => e.name);
      assert.deepEqual([...names].sort(byCodePoint), Object.keys(files).sort(byCodePoint));
    });

    // A directory on ADLS, a name prefix on OCI: the directories below are both, the names only the latter.
    for (const [prefix, onlyNames] of [
      ["we#ird&dir+=%20", false],
      ["dir with space", false],
      ["unicode", false],
      ["odd/100%+plus#hash", true],
      ["unicode/ñandú-日本-😀", true],
    ] as const) {
      it(`restricts the listing to the prefix ${JSON.stringify(prefix)}, sent exactly`, async () => {
        if (onlyNames && fx().hasDirectories) {
          // ADLS lists directories: a prefix of names that is no directory is not found, said plainly.
          assert.ok((await rejection(collect(fx().lister(), { prefix }))) instanceof StoreNotFoundError);
          return;
        }
        const names = (await collect(fx().lister(), { prefix })).flat().filter((e) => !e.isDirectory).map((e) => e.name);
        assert.deepEqual(names.sort(byCodePoint), Object.keys(files).filter((n) => n.startsWith(prefix)).sort(byCodePoint));
        assert.ok(names.length > 0);
      });
    }

    it("lists in its documented order", async () => {
      const names = (await collect(fx().lister())).flat().map((e) => e.name);
      if (fx().sorted) assert.deepEqual(names, [...names].sort(byCodePoint));
      else assert.equal(new Set(names).size, names.length);
    });

    it("restricts the listing to a prefix", async () => {
      const names = (await collect(fx().lister(), { prefix: "a/b" })).flat().filter((e) => !e.isDirectory).map((e) => e.name);
      assert.deepEqual(names, ["a/b/c/deep.parquet"]);
    });

    it("names a missing file system or bucket", async () => {
      const err = await rejection(collect(fx().missingContainer()));
      assert.ok(err instanceof StoreNotFoundError, `${err}`);
      assert.match(err.message, storeName === "adls" ? /no-such-fs.*check source\.fileSystem/ : /no-such-bucket.*check target\.bucket/);
    });

    it("says the credentials were refused", async () => {
      const err = await rejection(collect(fx().wrongCredentials()));
      assert.ok(err instanceof StoreAuthError, `${err}`);
      assert.match(err.message, /refused/);
    });

    it("says the endpoint cannot be reached", { timeout: 30_000 }, async () => {
      const err = await rejection(collect(fx().unreachable()));
      assert.ok(err instanceof StoreUnreachableError, `${err}`);
      assert.match(err.message, /cannot connect/);
    });
  });
}
