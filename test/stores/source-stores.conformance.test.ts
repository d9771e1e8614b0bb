// The source stores' contract (src/stores/store.ts SourceStore), the same cases for each: local (a directory), S3
// (moto's server in the local cloud, signatures checked), HDFS (the local cloud's MiniDFSCluster over WebHDFS, two
// entries a LISTSTATUS_BATCH page) and GCS (fake-gcs-server behind the token-checking front, memory backend so that
// directory markers can be kept). One local cloud for the file, each store seeded once.
// The Python halves run the same cases: test/python/stores/test_source_stores.py.
import { PutObjectCommand } from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startLocalCloud, type LocalCloud } from "../../src/emulators/local-cloud.ts";
import {
  StoreAuthError,
  StoreNotFoundError,
  StoreUnreachableError,
  StoreVersionChangedError,
} from "../../src/stores/errors.ts";
import { GcsLister } from "../../src/stores/gcs/gcs-lister.ts";
import { HdfsLister } from "../../src/stores/hdfs/hdfs-lister.ts";
import { LocalLister } from "../../src/stores/local/local-lister.ts";
import { S3Lister, s3Client } from "../../src/stores/s3/s3-lister.ts";
import type { SourceStore, StoreEntry } from "../../src/stores/store.ts";
import { GcsSeeder } from "../../scripts/lib/gcs-seeder.ts";
import { repoRoot, requireVenv, runCommand } from "../helpers/python.ts";
import { WebHdfsSeeder } from "../../scripts/lib/webhdfs.ts";

const NFC = "unicode/caf\u00e9.txt";
const NFD = "unicode/cafe\u0301.txt";
const files: Record<string, Buffer> = {
  "top.parquet": Buffer.from("PAR1-top-PAR1"),
  "empty.bin": Buffer.alloc(0),
  "a/b/c/deep.parquet": Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 251)),
  "a/sibling.txt": Buffer.from("sibling"),
  "dir with space/file name.csv": Buffer.from("x,y\n1,2\n"),
  [NFC]: Buffer.from("composed"),
  [NFD]: Buffer.from("decomposed!"),
  "unicode/ñandú-日本-😀.json": Buffer.from('{"k":"v"}'),
  "odd/100%+plus#hash?.dat": Buffer.from("odd name"),
  "mutable.txt": Buffer.from("version one"),
  "doomed.txt": Buffer.from("to be deleted"),
  "during.txt": Buffer.from("first version"),
};
for (let i = 0; i < 5; i++) files[`many/part-${String(i).padStart(5, "0")}.parquet`] = Buffer.alloc(i + 1, i);
/** Symbolic links the local store leaves out (name → target), with the FIFO "a-fifo". */
const LINKS = [
  ["file-link", "top.parquet"],
  ["dir-link", "a"],
  ["a/b/loop", ".."],
  ["broken-link", "nowhere"],
] as const;
/** An empty directory: a `dir/` marker object on S3, a directory on disk. */
const MARKER = "markers/empty-dir";

type StoreName = "local" | "s3" | "hdfs" | "gcs";

interface Fixture {
  name: StoreName;
  /** The same store in Python (src/stores/<name>/<name>_store.py): the expression that builds it. */
  python: { code: string; env: Record<string, string> };
  store: () => SourceStore;
  /** Directories every listing must show (S3 shows only those with a marker object). */
  directories: string[];
  md5: boolean;
  /** Replaces a file's content, same size. */
  rewrite(name: string, data: Buffer): Promise<void>;
  remove(name: string): Promise<void>;
}

/** Java's compare of UTF-8 bytes as signed bytes: HDFS's order of a directory's children (non-ASCII before ASCII). */
function signedBytes(a: string, b: string): number {
  const x = Int8Array.from(Buffer.from(a, "utf8"));
  const y = Int8Array.from(Buffer.from(b, "utf8"));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}
/** HDFS's walk order: each directory before its contents, siblings in signed-byte order. */
function hdfsWalkOrder(a: StoreEntry, b: StoreEntry): number {
  const x = a.name.split("/");
  const y = b.name.split("/");
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return signedBytes(x[i], y[i]);
  return x.length - y.length;
}


const GCS_BUCKET = "lake2oci-source";

const orderKey = (e: StoreEntry) => Buffer.from(e.isDirectory ? `${e.name}/` : e.name, "utf8");
const byKey = (a: StoreEntry, b: StoreEntry) => Buffer.compare(orderKey(a), orderKey(b));
const sortedNames = (names: string[]) => [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

async function collect(pages: AsyncIterable<StoreEntry[]>): Promise<StoreEntry[][]> {
  const out: StoreEntry[][] = [];
  for await (const p of pages) out.push(p);
  return out;
}
async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  assert.fail("expected a failure");
}
const fileNames = (entries: StoreEntry[]) => entries.filter((e) => !e.isDirectory).map((e) => e.name);

let cloud: LocalCloud;
const fixtures = new Map<string, Fixture>();
const extra = new Map<string, () => SourceStore>();

before(async () => {
  // Two entries a LISTSTATUS_BATCH page, so the HDFS lister pages within every directory.
  cloud = await startLocalCloud({ s3: true, hdfs: { conf: { "dfs.ls.limit": "2" } }, gcs: { backend: "memory" } });
  const s3 = cloud.s3!;

  const root = join(cloud.dir, "local-store");
  for (const [name, data] of Object.entries(files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), data);
  }
  await mkdir(join(root, MARKER), { recursive: true });
  // Left out of local listings: symbolic links (to a file, to a directory, in a loop, broken) and a FIFO.
  for (const [link, target] of LINKS) await symlink(target, join(root, link));
  assert.equal(spawnSync("mkfifo", [join(root, "a-fifo")]).status, 0, "mkfifo");
  fixtures.set("local", {
    name: "local",
    store: () => new LocalLister({ path: root }),
    python: { code: "LocalStore(os.environ['STORE_ROOT'])", env: { STORE_ROOT: root } },
    directories: ["a", "a/b", "a/b/c", "dir with space", "many", "markers", MARKER, "odd", "unicode"],
    md5: false,
    async rewrite(name, data) {
      await writeFile(join(root, name), data);
      // A later mtime even on a coarse clock.
      const later = new Date(Date.now() + 2000);
      await utimes(join(root, name), later, later);
    },
    remove: (name) => rm(join(root, name)),
  });
  extra.set("local-missing", () => new LocalLister({ path: join(root, "no-such-dir") }));
  extra.set("local-sub", () => new LocalLister({ path: join(root, "a") }));

  const location = { bucket: s3.bucket, region: s3.region, endpoint: s3.url, pathStyle: true };
  const seeder = s3Client(location, s3.keys);
  const put = (key: string, body: Buffer) => seeder.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
  for (const [name, data] of Object.entries(files)) await put(name, data);
  await put(`${MARKER}/`, Buffer.alloc(0));
  fixtures.set("s3", {
    name: "s3",
    store: () => new S3Lister(location, s3.keys),
    python: {
      code:
        "S3Store(bucket=os.environ['LAKE2OCI_S3_BUCKET'], region=os.environ['LAKE2OCI_S3_REGION'], " +
        "endpoint=os.environ['LAKE2OCI_S3_ENDPOINT'], path_style=True, access_key_id=os.environ['LAKE2OCI_S3_ACCESS_KEY_ID'], " +
        "secret_access_key=os.environ['LAKE2OCI_S3_SECRET_ACCESS_KEY'])",
      env: cloud.env(),
    },
    directories: [MARKER],
    md5: true,
    rewrite: async (name, data) => {
      await put(name, data);
    },
    remove: async (name) => {
      const { DeleteObjectCommand } = await import("@aws-sdk/client-s3");
      await seeder.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: name }));
    },
  });
  extra.set("s3-wrong-secret", () => new S3Lister(location, { ...s3.keys, secretAccessKey: `${s3.keys.secretAccessKey.slice(0, -1)}${s3.keys.secretAccessKey.endsWith("A") ? "B" : "A"}` }, { maxAttempts: 1 }));
  extra.set("s3-unknown-key", () => new S3Lister(location, { ...s3.keys, accessKeyId: "AKIAIOSFODNN7EXAMPLE" }, { maxAttempts: 1 }));
  extra.set("s3-session", () => new S3Lister(location, s3.session));
  extra.set("s3-session-bad-token", () => new S3Lister(location, { ...s3.session, sessionToken: "not-the-token" }, { maxAttempts: 1 }));
  extra.set("s3-missing-bucket", () => new S3Lister({ ...location, bucket: "no-such-bucket" }, s3.keys, { maxAttempts: 1 }));
  extra.set("s3-sub", () => new S3Lister({ ...location, prefix: "a" }, s3.keys));
  extra.set("s3-unreachable", () => new S3Lister({ ...location, endpoint: "http://127.0.0.1:9" }, s3.keys, { maxAttempts: 1 }));

  const hdfs = cloud.hdfs!;
  const hdfsRoot = `${hdfs.home}/store`;
  const hdfsSeeder = new WebHdfsSeeder(hdfs.webhdfsUrl, hdfs.user);
  for (const [name, data] of Object.entries(files)) await hdfsSeeder.create(`${hdfsRoot}/${name}`, data);
  await hdfsSeeder.ok("PUT", `${hdfsRoot}/${MARKER}`, "MKDIRS");
  // Another user's refusal: a directory only its owner may enter.
  await hdfsSeeder.create(`${hdfs.home}/private/secret.txt`, Buffer.from("owner only"));
  await hdfsSeeder.ok("PUT", `${hdfs.home}/private`, "SETPERMISSION", { permission: "700" });
  const hdfsLocation = { nameNode: hdfs.webhdfsUrl, path: hdfsRoot, user: hdfs.user };
  fixtures.set("hdfs", {
    name: "hdfs",
    store: () => new HdfsLister(hdfsLocation),
    python: {
      code: "HdfsStore(os.environ['LAKE2OCI_HDFS_RPC'], os.environ['HDFS_STORE_ROOT'], user=os.environ['LAKE2OCI_HDFS_USER'])",
      env: { ...cloud.env(), HDFS_STORE_ROOT: hdfsRoot },
    },
    directories: ["a", "a/b", "a/b/c", "dir with space", "many", "markers", MARKER, "odd", "unicode"],
    md5: false,
    async rewrite(name, data) {
      await hdfsSeeder.create(`${hdfsRoot}/${name}`, data);
      // A later modification time even if both writes fall in one millisecond.
      await hdfsSeeder.ok("PUT", `${hdfsRoot}/${name}`, "SETTIMES", { modificationtime: String(Date.now() + 2000) });
    },
    remove: (name) => hdfsSeeder.ok("DELETE", `${hdfsRoot}/${name}`, "DELETE"),
  });
  extra.set("hdfs-sub", () => new HdfsLister({ ...hdfsLocation, path: `${hdfsRoot}/a` }));
  extra.set("hdfs-missing", () => new HdfsLister({ ...hdfsLocation, path: `${hdfs.home}/no-such-dir` }));
  extra.set("hdfs-other-user", () => new HdfsLister({ ...hdfsLocation, path: `${hdfs.home}/private`, user: "mallory" }));
  extra.set("hdfs-unreachable", () => new HdfsLister({ ...hdfsLocation, nameNode: "http://127.0.0.1:9" }));

  const gcs = cloud.gcs!;
  const gcsSeeder = new GcsSeeder(gcs.url, gcs.keyFile, GCS_BUCKET);
  await gcsSeeder.authorize();
  await gcsSeeder.createBucket();
  for (const [name, data] of Object.entries(files)) await gcsSeeder.put(name, data);
  await gcsSeeder.put(`${MARKER}/`, Buffer.alloc(0));
  const gcsLocation = { bucket: GCS_BUCKET, endpoint: gcs.url };
  const gcsKey = { method: "serviceAccountKey" as const, key: readFileSync(gcs.keyFile, "utf8") };
  fixtures.set("gcs", {
    name: "gcs",
    store: () => new GcsLister(gcsLocation, gcsKey),
    python: {
      code:
        "GcsStore(os.environ['GCS_STORE_BUCKET'], service_account_key=open(os.environ['LAKE2OCI_GCS_KEY_FILE']).read(), " +
        "endpoint=os.environ['LAKE2OCI_GCS_ENDPOINT'])",
      env: { ...cloud.env(), GCS_STORE_BUCKET: GCS_BUCKET },
    },
    directories: [MARKER],
    md5: true,
    rewrite: (name, data) => gcsSeeder.put(name, data),
    remove: (name) => gcsSeeder.remove(name),
  });
  extra.set("gcs-sub", () => new GcsLister({ ...gcsLocation, prefix: "a" }, gcsKey));
  extra.set("gcs-missing-bucket", () => new GcsLister({ ...gcsLocation, bucket: "no-such-bucket" }, gcsKey, { maxAttempts: 1 }));
  extra.set("gcs-wrong-key", () => new GcsLister(gcsLocation, { method: "serviceAccountKey", key: readFileSync(gcs.wrongKeyFile, "utf8") }, { maxAttempts: 1 }));
  // Port 2: nothing listens there, and fetch does not refuse it as it refuses 9 ("bad port").
  extra.set("gcs-unreachable", () => new GcsLister({ ...gcsLocation, endpoint: "http://127.0.0.1:2" }, gcsKey, { maxAttempts: 1 }));
});

after(async () => {
  await cloud?.stop();
});

for (const storeName of ["local", "s3", "hdfs", "gcs"] as const) {
  describe(`source store conformance: ${storeName}`, () => {
    const fx = () => fixtures.get(storeName)!;
    // S3 and GCS list a name prefix; local and HDFS a directory.
    const namePrefix = storeName === "s3" || storeName === "gcs";

    it("lists every file once with its exact size, zero-byte files and NFC/NFD twins included", async () => {
      const entries = (await collect(fx().store().listPages())).flat();
      const got = entries.filter((e) => !e.isDirectory).map((e) => [e.name, e.size] as const);
      // mutable.txt and doomed.txt are changed by later cases; sizes are the same before and after the rewrite.
      const want = Object.entries(files).map(([n, d]) => [n, d.length] as const);
      assert.deepEqual(
        [...got].sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]))),
        [...want].filter(([n]) => n !== "doomed.txt" || got.some(([g]) => g === n)).sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]))),
      );
      assert.ok(fileNames(entries).includes(NFC) && fileNames(entries).includes(NFD), "both normal forms, unchanged");
      for (const e of entries) {
        assert.ok(!e.name.startsWith("/") && !e.name.endsWith("/"), `${e.name}: relative, no trailing slash`);
        assert.ok(!Number.isNaN(Date.parse(e.modified)), `${e.name} has an ISO modified time`);
        if (!e.isDirectory) assert.ok(e.version, `${e.name} has a version`);
      }
    });

    it("lists directory markers (S3 `dir/` objects, directories on disk) as directories", async () => {
      const entries = (await collect(fx().store().listPages())).flat();
      const dirs = entries.filter((e) => e.isDirectory).map((e) => e.name);
      assert.deepEqual(sortedNames(dirs), sortedNames(fx().directories));
      for (const e of entries.filter((x) => x.isDirectory)) assert.equal(e.size, 0);
    });

    it("lists in the store's documented order (HDFS: its own signed-byte walk; the others: code point order)", async () => {
      const entries = (await collect(fx().store().listPages())).flat();
      const order = storeName === "hdfs" ? hdfsWalkOrder : byKey;
      assert.deepEqual(entries.map((e) => e.name), [...entries].sort(order).map((e) => e.name));
      const [first, second] = storeName === "hdfs" ? [NFC, NFD] : [NFD, NFC];
      assert.ok(entries.findIndex((e) => e.name === first) < entries.findIndex((e) => e.name === second), `${first} before ${second}`);
    });

    it("pages with page size 1 and loses nothing across pages", async () => {
      const pages = await collect(fx().store().listPages({ pageSize: 1 }));
      const all = (await collect(fx().store().listPages())).flat();
      assert.ok(pages.every((p) => p.length <= 1), "no page over the size asked");
      assert.deepEqual(pages.flat().map((e) => e.name), all.map((e) => e.name));
    });

    it("restricts the listing to a prefix with spaces, %, +, # and ?", async () => {
      // S3, GCS: a name prefix; local, HDFS: a directory.
      const prefix = namePrefix ? "odd/100%+plus#hash?" : "odd";
      assert.deepEqual(fileNames((await collect(fx().store().listPages({ prefix }))).flat()), ["odd/100%+plus#hash?.dat"]);
      assert.deepEqual(fileNames((await collect(fx().store().listPages({ prefix: "dir with space" }))).flat()), ["dir with space/file name.csv"]);
    });

    it("a store rooted below the top names its entries from that root", async () => {
      const sub = extra.get(`${storeName}-sub`)!();
      assert.deepEqual(fileNames((await collect(sub.listPages())).flat()), ["b/c/deep.parquet", "sibling.txt"]);
      const r = await sub.stat("sibling.txt");
      assert.ok(r.found && r.entry.size === 7);
    });

    it("lists the children of a directory: its directories and its files, in pages", async () => {
      const top = (await collect(fx().store().listChildren("", { pageSize: 1 })));
      assert.ok(top.every((p) => p.length <= 1));
      const flat = top.flat();
      assert.deepEqual(
        flat.filter((e) => e.isDirectory).map((e) => e.name),
        ["a", "dir with space", "many", "markers", "odd", "unicode"],
      );
      assert.deepEqual(sortedNames(fileNames(flat)), sortedNames(Object.keys(files).filter((n) => !n.includes("/") && (n !== "doomed.txt" || fileNames(flat).includes(n)))));
      const a = (await collect(fx().store().listChildren("a"))).flat();
      assert.deepEqual(a.map((e) => [e.name, e.isDirectory]), [["a/b", true], ["a/sibling.txt", false]]);
      assert.equal(a[1].size, 7);
      assert.deepEqual((await collect(fx().store().listChildren(MARKER))).flat(), [], "an empty directory has no children");
      const uni = fileNames((await collect(fx().store().listChildren("unicode"))).flat());
      // HDFS lists siblings in signed-byte order: a name with a non-ASCII byte first.
      assert.deepEqual(uni, storeName === "hdfs" ? ["unicode/ñandú-日本-😀.json", NFC, NFD] : [NFD, NFC, "unicode/ñandú-日本-😀.json"]);
    });

    it("lists the same entries as its Python half: names, sizes, versions, MD5, times (the planner's versions are the job's)", async () => {
      const script = [
        "import json, os, sys",
        `sys.path.insert(0, ${JSON.stringify(join(repoRoot, "src"))})`,
        "from stores.gcs.gcs_store import GcsStore",
        "from stores.hdfs.hdfs_store import HdfsStore",
        "from stores.local.local_store import LocalStore",
        "from stores.s3.s3_store import S3Store",
        `store = ${fx().python.code}`,
        "out = [dict(name=e.name, size=e.size, isDirectory=e.is_dir, version=e.version, md5=e.md5, modified=e.modified)",
        "       for page in store.list_pages(page_size=4) for e in page]",
        "print(json.dumps(out))",
      ].join("\n");
      const r = await runCommand(requireVenv(), ["-c", script], { env: { ...fx().python.env, RUST_BACKTRACE: "0" } });
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      const python = JSON.parse(r.stdout) as Record<string, unknown>[];
      const ours = (await collect(fx().store().listPages())).flat().map((e) => ({
        name: e.name,
        size: e.size,
        isDirectory: e.isDirectory,
        version: e.version ?? null,
        md5: e.md5 ?? null,
        modified: e.modified,
      }));
      assert.deepEqual(python, ours);
    });

    it("stats a file: size, version, MD5 where the store keeps one, last-modified", async () => {
      const r = await fx().store().stat("odd/100%+plus#hash?.dat");
      assert.ok(r.found, "found");
      assert.equal(r.entry.size, 8);
      assert.equal(r.entry.isDirectory, false);
      assert.ok(r.entry.version);
      assert.ok(Math.abs(Date.parse(r.entry.modified) - Date.now()) < 10 * 60_000, "a recent last-modified");
      const listed = fileNames((await collect(fx().store().listPages({ prefix: namePrefix ? "odd/" : "odd" }))).flat());
      assert.deepEqual(listed, ["odd/100%+plus#hash?.dat"]);
      const md5 = createHash("md5").update(files["odd/100%+plus#hash?.dat"]).digest("base64");
      assert.equal(r.entry.md5, fx().md5 ? md5 : undefined);
      const asListed = (await collect(fx().store().listPages({ prefix: namePrefix ? "odd/" : "odd" }))).flat().find((e) => !e.isDirectory)!;
      assert.equal(asListed.version, r.entry.version, "the listing and stat give the same version");
    });

    it("says a missing name is not found, as a result", async () => {
      assert.deepEqual(await fx().store().stat("no/such file.txt"), { found: false, name: "no/such file.txt" });
    });

    it("reads byte ranges on the listed version, streamed", async () => {
      const store = fx().store();
      const deep = await store.stat("a/b/c/deep.parquet");
      assert.ok(deep.found);
      const version = deep.entry.version!;
      const data = files["a/b/c/deep.parquet"];
      assert.deepEqual(await readAll(store.readRange("a/b/c/deep.parquet", { offset: 1000, length: 5000, version })), data.subarray(1000, 6000));
      assert.deepEqual(await readAll(store.readRange("a/b/c/deep.parquet", { offset: 0, length: data.length, version })), data);
      assert.deepEqual(await readAll(store.readRange("a/b/c/deep.parquet", { offset: 69_990, length: 100, version })), data.subarray(69_990), "cut at the end");
      const odd = await store.stat("unicode/ñandú-日本-😀.json");
      assert.ok(odd.found);
      assert.equal((await readAll(store.readRange("unicode/ñandú-日本-😀.json", { offset: 2, length: 3, version: odd.entry.version! }))).toString(), 'k":');
      const empty = await store.stat("empty.bin");
      assert.ok(empty.found && empty.entry.size === 0);
      assert.equal((await readAll(store.readRange("empty.bin", { offset: 0, length: 10, version: empty.entry.version! }))).length, 0);
    });

    it("reads NFC and NFD twins apart (WebHDFS's own redirect would read the NFC file for both)", async () => {
      const store = fx().store();
      for (const name of [NFC, NFD]) {
        const s = await store.stat(name);
        assert.ok(s.found && s.entry.size === files[name].length, name);
        assert.deepEqual(await readAll(store.readRange(name, { offset: 0, length: 100, version: s.entry.version! })), files[name], name);
        assert.deepEqual(await readAll(store.readRange(name, { offset: 3, length: 4, version: s.entry.version! })), files[name].subarray(3, 7), name);
      }
    });

    it("refuses to read a file that changed (same size) or went away since it was listed", async () => {
      const store = fx().store();
      const before = await store.stat("mutable.txt");
      assert.ok(before.found);
      const old = before.entry.version!;
      await fx().rewrite("mutable.txt", Buffer.from("version two"));
      const now = await store.stat("mutable.txt");
      assert.ok(now.found && now.entry.size === before.entry.size && now.entry.version !== old, "same size, new version");
      const err = await rejection(readAll(store.readRange("mutable.txt", { offset: 0, length: 11, version: old })));
      assert.ok(err instanceof StoreVersionChangedError, `${err}`);
      assert.match(err.message, /"mutable\.txt" changed since it was listed \(version .+, now .+\); plan it again/);
      assert.equal(err.found, now.entry.version);
      assert.equal((await readAll(store.readRange("mutable.txt", { offset: 8, length: 3, version: now.entry.version! }))).toString(), "two");

      const doomed = await store.stat("doomed.txt");
      assert.ok(doomed.found);
      await fx().remove("doomed.txt");
      const gone = await rejection(readAll(store.readRange("doomed.txt", { offset: 0, length: 4, version: doomed.entry.version! })));
      assert.ok(gone instanceof StoreVersionChangedError, `${gone}`);
      assert.match(gone.message, /now gone\); plan it again/);
    });

    if (storeName !== "s3" && storeName !== "gcs") {
      it("fails a read whose file changed while it was read, after its bytes (a store that can only tell after)", async () => {
        const store = fx().store();
        const s = await store.stat("during.txt");
        assert.ok(s.found);
        const chunks = store.readRange("during.txt", { offset: 0, length: 13, version: s.entry.version! })[Symbol.asyncIterator]();
        const first = await chunks.next();
        assert.equal(Buffer.from(first.value as Uint8Array).toString(), "first version");
        await fx().rewrite("during.txt", Buffer.from("later version"));
        const err = await rejection(chunks.next());
        assert.ok(err instanceof StoreVersionChangedError, `${err}`);
        assert.match(err.message, /"during\.txt" changed since it was listed/);
      });
    }

    if (storeName === "hdfs") {
      it("names a missing path (the root, or a prefix)", async () => {
        const err = await rejection(collect(extra.get("hdfs-missing")!().listPages()));
        assert.ok(err instanceof StoreNotFoundError, `${err}`);
        assert.match(err.message, /\/user\/lake\/no-such-dir \(WebHDFS\): not found \(FileNotFoundException: File does not exist: \/user\/lake\/no-such-dir\); check source\.path$/);
        const sub = await rejection(collect(fx().store().listPages({ prefix: "no/such/dir" })));
        assert.ok(sub instanceof StoreNotFoundError, `${sub}`);
        assert.match(sub.message, /"no\/such\/dir": not found \(FileNotFoundException: .*\); check source\.path$/);
      });

      it("says another user was refused, naming source.user", async () => {
        const err = await rejection(collect(extra.get("hdfs-other-user")!().listPages()));
        assert.ok(err instanceof StoreAuthError, `${err}`);
        assert.match(
          err.message,
          /private \(WebHDFS\): permission refused to user mallory \(403 AccessControlException: Permission denied: user=mallory, access=READ_EXECUTE, inode="\/user\/lake\/private":lake:lake:drwx------\); check source\.user/,
        );
      });

      it("says the NameNode's WebHDFS cannot be reached, naming source.webhdfs (the config's field for the lister's address)", async () => {
        const err = await rejection(collect(extra.get("hdfs-unreachable")!().listPages()));
        assert.ok(err instanceof StoreUnreachableError, `${err}`);
        assert.match(err.message, /cannot connect \(ECONNREFUSED\); check source\.webhdfs and that the NameNode's WebHDFS is reachable/);
      });
    } else if (storeName === "local") {
      it("leaves out symbolic links (not followed, loops included) and special files", async () => {
        const names = (await collect(fx().store().listPages())).flat().map((e) => e.name);
        for (const [link] of LINKS) assert.ok(!names.includes(link), link);
        assert.ok(!names.includes("a-fifo") && !names.some((n) => n.startsWith("dir-link/") || n.startsWith("a/b/loop/")));
        const top = (await collect(fx().store().listChildren(""))).flat().map((e) => e.name);
        assert.ok(!top.includes("file-link") && !top.includes("dir-link") && !top.includes("a-fifo"));
      });

      it("names a missing directory, and does not create it", async () => {
        const store = extra.get("local-missing")!();
        const err = await rejection(collect(store.listPages()));
        assert.ok(err instanceof StoreNotFoundError, `${err}`);
        assert.match(err.message, /no-such-dir: not found; check source\.path/);
        assert.ok(!existsSync(join(cloud.dir, "local-store", "no-such-dir")));
        const sub = await rejection(collect(fx().store().listPages({ prefix: "no/such/dir" })));
        assert.ok(sub instanceof StoreNotFoundError, `${sub}`);
        assert.match(sub.message, /"no\/such\/dir": not found; check source\.path/);
      });
    } else if (storeName === "gcs") {
      it("names a missing bucket", async () => {
        const err = await rejection(collect(extra.get("gcs-missing-bucket")!().listPages()));
        assert.ok(err instanceof StoreNotFoundError, `${err}`);
        assert.match(err.message, /^GCS gs:\/\/no-such-bucket\/ \(http:\/\/127\.0\.0\.1:\d+\): not found \(404 notFound\); check source\.bucket$/);
      });

      it("says the key was refused (the token endpoint's invalid_grant), naming source.auth, with no secret in the message", async () => {
        const err = await rejection(collect(extra.get("gcs-wrong-key")!().listPages()));
        assert.ok(err instanceof StoreAuthError, `${err}`);
        assert.match(err.message, /token endpoint http:\/\/127\.0\.0\.1:\d+\/token: credentials refused \(400 invalid_grant: Invalid JWT Signature\.\); check source\.auth\.key$/);
        const key = JSON.parse(readFileSync(cloud.gcs!.wrongKeyFile, "utf8")) as { private_key: string };
        assert.ok(!err.message.includes(key.private_key.split("\n")[1]), "no private key in the message");
      });

      it("renews a token the service no longer accepts (expired early), transparently", async () => {
        const store = fx().store();
        assert.ok((await store.stat("top.parquet")).found);
        const tokensBefore = cloud.gcs!.requestCounts().token ?? 0;
        cloud.gcs!.expireTokens();
        assert.ok(fileNames((await collect(store.listPages())).flat()).includes("top.parquet"));
        const s = await store.stat("top.parquet");
        assert.ok(s.found);
        assert.equal((await readAll(store.readRange("top.parquet", { offset: 0, length: 4, version: s.entry.version! }))).toString(), "PAR1");
        assert.equal((cloud.gcs!.requestCounts().token ?? 0) - tokensBefore, 1, "one new token, then reused");
      });

      it("Python: a listing whose token the service stops accepting mid-way renews it and resumes, losing and repeating nothing", { timeout: 60_000 }, async () => {
        // The job's half lists one entry a page; after the first page this test ends every token, then lets it go on.
        const script = [
          "import json, os, sys",
          `sys.path.insert(0, ${JSON.stringify(join(repoRoot, "src"))})`,
          "from stores.gcs.gcs_store import GcsStore",
          `store = ${fx().python.code}`,
          "names = []",
          "for n, page in enumerate(store.list_pages(page_size=1)):",
          "    names += [e.name for e in page]",
          "    if n == 0:",
          "        print('first', flush=True)",
          "        sys.stdin.readline()",
          "print(json.dumps(names), flush=True)",
        ].join("\n");
        const child = spawn(requireVenv(), ["-c", script], { env: { ...process.env, ...fx().python.env, RUST_BACKTRACE: "0" }, stdio: ["pipe", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stderr.on("data", (c: Buffer) => {
          err += c.toString();
        });
        const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
        await new Promise<void>((resolve, reject) => {
          child.stdout.on("data", (c: Buffer) => {
            out += c.toString();
            if (out.startsWith("first\n")) resolve();
          });
          exited.then(() => reject(new Error(`python ended early: ${err.slice(-2000)}`)));
        });
        const tokensBefore = cloud.gcs!.requestCounts().token ?? 0;
        cloud.gcs!.expireTokens();
        child.stdin.end("go\n");
        assert.equal(await exited, 0, err.slice(-2000));
        assert.equal((cloud.gcs!.requestCounts().token ?? 0) - tokensBefore, 1, "one new token");
        const names = JSON.parse(out.slice("first\n".length)) as string[];
        const ours = (await collect(fx().store().listPages())).flat().map((e) => e.name);
        assert.deepEqual(names, ours);
      });

      it("a generation is the version, and a read on an older generation is refused before a byte", async () => {
        const s = await fx().store().stat("top.parquet");
        assert.ok(s.found && /^\d+$/.test(s.entry.version ?? ""), "a decimal generation");
        const err = await rejection(readAll(fx().store().readRange("top.parquet", { offset: 0, length: 4, version: "1" })));
        assert.ok(err instanceof StoreVersionChangedError, `${err}`);
        assert.equal(err.found, s.entry.version);
      });

      it("says the endpoint cannot be reached", { timeout: 30_000 }, async () => {
        const err = await rejection(collect(extra.get("gcs-unreachable")!().listPages()));
        assert.ok(err instanceof StoreUnreachableError, `${err}`);
        assert.match(err.message, /cannot connect \(ECONNREFUSED\); check source\.endpoint/);
      });
    } else {
      it("names a missing bucket", async () => {
        const err = await rejection(collect(extra.get("s3-missing-bucket")!().listPages()));
        assert.ok(err instanceof StoreNotFoundError, `${err}`);
        assert.match(err.message, /s3:\/\/no-such-bucket\/.*not found \(NoSuchBucket\); check source\.bucket/);
      });

      it("says the credentials were refused: a wrong secret, an unknown key, a wrong session token", async () => {
        for (const [which, code] of [
          ["s3-wrong-secret", "SignatureDoesNotMatch"],
          ["s3-unknown-key", "InvalidAccessKeyId"],
          ["s3-session-bad-token", "InvalidToken"],
        ] as const) {
          const err = await rejection(collect(extra.get(which)!().listPages()));
          assert.ok(err instanceof StoreAuthError, `${which}: ${err}`);
          assert.match(err.message, new RegExp(`credentials refused \\((403|400) ${code}\\); check source\\.auth`), which);
        }
      });

      it("gives no MD5 for a multipart object, whose ETag is '<hex>-<parts>', and reads it on that ETag", async () => {
        const { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand } = await import("@aws-sdk/client-s3");
        const s3 = cloud.s3!;
        const c = s3Client({ bucket: s3.bucket, region: s3.region, endpoint: s3.url, pathStyle: true }, s3.keys);
        const key = "multipart/two-parts.bin";
        const data = Buffer.concat([Buffer.alloc(5 * 1024 * 1024, 1), Buffer.from("tail")]);
        const { UploadId } = await c.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }));
        const parts = [];
        for (const [n, body] of [[1, data.subarray(0, 5 * 1024 * 1024)], [2, data.subarray(5 * 1024 * 1024)]] as const) {
          const { ETag } = await c.send(new UploadPartCommand({ Bucket: s3.bucket, Key: key, UploadId, PartNumber: n, Body: body }));
          parts.push({ ETag, PartNumber: n });
        }
        await c.send(new CompleteMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
        try {
          const listed = (await collect(fx().store().listPages({ prefix: "multipart/" }))).flat();
          assert.equal(listed.length, 1);
          assert.match(listed[0].version ?? "", /^"[0-9a-f]{32}-2"$/);
          assert.equal(listed[0].md5, undefined);
          assert.equal(listed[0].size, data.length);
          const got = await readAll(fx().store().readRange(key, { offset: data.length - 6, length: 6, version: listed[0].version! }));
          assert.deepEqual(got, data.subarray(data.length - 6));
        } finally {
          await fx().remove(key);
        }
      });

      it("lists with temporary keys and their session token", async () => {
        assert.ok(fileNames((await collect(extra.get("s3-session")!().listPages())).flat()).includes("top.parquet"));
      });

      it("says the endpoint cannot be reached", { timeout: 30_000 }, async () => {
        const err = await rejection(collect(extra.get("s3-unreachable")!().listPages()));
        assert.ok(err instanceof StoreUnreachableError, `${err}`);
        assert.match(err.message, /cannot connect \(ECONNREFUSED\)/);
      });
    }
  });
}
