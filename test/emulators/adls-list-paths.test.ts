// listPaths of the DFS gateway through the real @azure/storage-file-datalake client over more than
// 5,000 paths: continuation recursive and one level, implicit and marker directories across page
// boundaries, each path exactly once, and the documented order (blob-name order, every directory
// before its descendants).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type DataLakeFileSystemClient, DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { BlobApi } from "../../src/emulators/adls/blob-api.ts";
import { type AdlsEmulator, startAdlsEmulator } from "../../src/emulators/adls/index.ts";

const FLAT_FILES = 5_010;
const TREE_DIRECTORIES = 10;
const FILES_PER_TREE_DIRECTORY = 5;

interface Listed {
  name: string;
  isDirectory: boolean;
}

async function listPages(fs: DataLakeFileSystemClient, options: { recursive: boolean; path?: string }, maxPageSize?: number): Promise<Listed[][]> {
  const pages: Listed[][] = [];
  for await (const page of fs.listPaths(options).byPage({ maxPageSize })) {
    pages.push((page.pathItems ?? []).map((item) => ({ name: item.name ?? "", isDirectory: item.isDirectory === true })));
  }
  return pages;
}

function ancestors(path: string): string[] {
  const parts = path.split("/");
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join("/"));
}

/** Every path a hierarchical namespace shows for these files and directory markers, under `root`. */
function expectedPaths(files: string[], markers: string[], root = ""): Map<string, boolean> {
  const out = new Map<string, boolean>();
  const within = (path: string) => root === "" || path.startsWith(`${root}/`);
  for (const file of files) {
    for (const directory of ancestors(file)) if (within(directory)) out.set(directory, true);
    if (within(file)) out.set(file, false);
  }
  for (const marker of markers) {
    for (const directory of [...ancestors(marker), marker]) if (within(directory)) out.set(directory, true);
  }
  return out;
}

function assertEachOnce(listed: Listed[], expected: Map<string, boolean>): void {
  const seen = new Set<string>();
  for (const item of listed) {
    assert.ok(!seen.has(item.name), `${item.name} is listed twice`);
    seen.add(item.name);
    assert.equal(item.isDirectory, expected.get(item.name), `${item.name}: isDirectory`);
  }
  const missing = [...expected.keys()].filter((name) => !seen.has(name));
  assert.deepEqual(missing, [], "paths missing from the listing");
  assert.equal(listed.length, expected.size);
}

describe("DFS gateway listPaths over more than 5,000 paths", () => {
  let dataDir: string;
  let emulator: AdlsEmulator;
  let fs: DataLakeFileSystemClient;
  const files: string[] = [];
  // Marker directories (written as HNS writes them), next to names that sort between a directory and
  // its children ("tree/d05.csv" sorts after "tree/d05" and before "tree/d05/...").
  const markers = ["tree/d05", "empty-dir", "deep/x2"];

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "lake2oci-adls-list-"));
    emulator = await startAdlsEmulator({ dataDir });
    const service = new DataLakeServiceClient(emulator.accountUrl, new StorageSharedKeyCredential(emulator.accountName, emulator.accountKey));
    fs = service.getFileSystemClient(`list-${process.pid}-${Date.now().toString(36)}`);
    await fs.create();
    for (let i = 0; i < FLAT_FILES; i++) files.push(`flat/part-${String(i).padStart(5, "0")}.parquet`);
    for (let d = 0; d < TREE_DIRECTORIES; d++) {
      for (let f = 0; f < FILES_PER_TREE_DIRECTORY; f++) files.push(`tree/d${String(d).padStart(2, "0")}/f${String(f).padStart(2, "0")}.csv`);
    }
    files.push("tree/d05.csv", "root.txt");
    files.push("deep/x1/y1/z.txt", "deep/x1/y2/z.txt", "deep/x1/y2/w.txt", "deep/x2/y1/z.txt", "deep/x2.txt", "deep/x3/y/z/last.txt");
    // Seeded straight into Azurite (as Blob API writers do), in parallel, to keep the suite fast.
    const azurite = new BlobApi({ upstream: `http://127.0.0.1:${emulator.azuritePort}`, account: emulator.accountName, accountKey: emulator.accountKey });
    try {
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < files.length) {
            const name = files[next++];
            await azurite.putBlob(fs.name, name);
          }
        }),
      );
      for (const marker of markers) await azurite.putBlob(fs.name, marker, undefined, { metadata: { hdi_isfolder: "true" } });
    } finally {
      azurite.close();
    }
  });

  after(async () => {
    await emulator?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("lists the whole filesystem recursively in pages of at most 5,000, each path once", async () => {
    const pages = await listPages(fs, { recursive: true });
    assert.ok(pages.length >= 2, `expected at least 2 pages, got ${pages.length}`);
    for (const page of pages) assert.ok(page.length <= 5_000, `a page has ${page.length} paths`);
    assert.equal(pages[0].length, 5_000, "full pages are filled to the 5,000 default");
    assertEachOnce(pages.flat(), expectedPaths(files, markers));
  });

  it("lists one directory level with more than 5,000 entries across pages", async () => {
    const pages = await listPages(fs, { recursive: false, path: "flat" });
    assert.equal(pages.length, 2);
    assert.equal(pages[0].length, 5_000);
    const listed = pages.flat();
    assert.equal(listed.length, FLAT_FILES);
    assert.ok(listed.every((item) => !item.isDirectory && item.name.startsWith("flat/part-")));
    assert.equal(new Set(listed.map((item) => item.name)).size, FLAT_FILES);
  });

  it("lists the root one level: implicit and marker directories once each", async () => {
    const listed = (await listPages(fs, { recursive: false })).flat();
    assert.deepEqual(listed, [
      { name: "deep", isDirectory: true },
      { name: "empty-dir", isDirectory: true },
      { name: "flat", isDirectory: true },
      { name: "root.txt", isDirectory: false },
      { name: "tree", isDirectory: true },
    ]);
    const tree = (await listPages(fs, { recursive: false, path: "tree" }, 3)).flat();
    const expectedTree = [...expectedPaths(files, markers, "tree").entries()]
      .filter(([name]) => name.split("/").length === 2)
      .map(([name, isDirectory]) => ({ name, isDirectory }));
    assertEachOnce(tree, new Map(expectedTree.map((item) => [item.name, item.isDirectory])));
  });

  it("gives the same paths with tiny pages, where implicit directories straddle page boundaries", async () => {
    const whole = (await listPages(fs, { recursive: true, path: "deep" })).flat();
    assertEachOnce(whole, expectedPaths(files, markers, "deep"));
    for (const size of [1, 2, 3]) {
      const pages = await listPages(fs, { recursive: true, path: "deep" }, size);
      for (const page of pages) assert.ok(page.length <= size, `page of ${page.length} with maxResults ${size}`);
      assert.deepEqual(pages.flat(), whole, `pages of ${size} give the same listing as one page`);
    }
    const pages = await listPages(fs, { recursive: true, path: "tree" }, 4);
    assert.equal(pages.length, Math.ceil(expectedPaths(files, markers, "tree").size / 4));
    assertEachOnce(pages.flat(), expectedPaths(files, markers, "tree"));
  });

  it("returns the documented order: blob-name order, each directory before its descendants", async () => {
    const listed = (await listPages(fs, { recursive: true })).flat();
    const position = new Map(listed.map((item, index) => [item.name, index]));
    for (const item of listed) {
      for (const directory of ancestors(item.name)) {
        assert.ok((position.get(directory) ?? Number.POSITIVE_INFINITY) < (position.get(item.name) ?? 0), `${directory} comes after ${item.name}`);
      }
    }
    // Paths backed by a blob (files and marker directories) come in blob-name order.
    const backed = new Set([...files, ...markers]);
    const blobOrder = listed.filter((item) => backed.has(item.name)).map((item) => item.name);
    assert.deepEqual(blobOrder, [...blobOrder].sort());
    const d05 = ["tree/d05", "tree/d05.csv", "tree/d05/f00.csv"].map((name) => position.get(name) ?? -1);
    assert.deepEqual([...d05].sort((a, b) => a - b), d05, "marker tree/d05, then tree/d05.csv, then tree/d05/...");
  });
});
