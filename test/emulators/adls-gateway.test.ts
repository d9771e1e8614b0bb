// Conformance of the ADLS Gen2 side of the local cloud (Azurite + the DFS gateway) with the real
// @azure/storage-file-datalake client: filesystems, directories, uploads in one and in many appends,
// reads, properties, implicit directories, deletes, names that need encoding, SharedKey and SAS
// checks on served and passed-through calls, bearer tokens through a token verifier.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import {
  DataLakeFileSystemClient,
  DataLakeServiceClient,
  FileSystemSASPermissions,
  StorageSharedKeyCredential,
} from "@azure/storage-file-datalake";
import { BlobApi } from "../../src/emulators/adls/blob-api.ts";
import { type DfsGateway, startDfsGateway } from "../../src/emulators/adls/gateway.ts";
import { type AdlsEmulator, startAdlsEmulator } from "../../src/emulators/adls/index.ts";

let counter = 0;
function uniqueName(stem: string): string {
  counter += 1;
  return `${stem}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

async function streamToBuffer(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  assert.ok(stream, "the SDK returned no body stream");
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

async function listAll(fs: DataLakeFileSystemClient, options: { recursive: boolean; path?: string }): Promise<{ name: string; isDirectory: boolean; contentLength?: number }[]> {
  const out: { name: string; isDirectory: boolean; contentLength?: number }[] = [];
  for await (const item of fs.listPaths(options)) out.push({ name: item.name ?? "", isDirectory: item.isDirectory === true, contentLength: item.contentLength });
  return out;
}

/** The RestError's status and storage error code. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { statusCode?: number; code?: string; details?: { errorCode?: string } };
    return { status: e.statusCode ?? 0, code: e.details?.errorCode ?? e.code ?? "" };
  }
  assert.fail("the call succeeded but was expected to fail");
}

async function rawRequest(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: Buffer },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: init.method, headers: init.headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(init.body);
  });
}

/**
 * The DFS getStatus call (HEAD ?action=getStatus) that newer SDKs expose as getSystemProperties(): signed here with
 * the client's SharedKey credential, since the SDK version this project pins (it declares Node 20) lacks it.
 * Throws like the SDK ({ statusCode, details.errorCode }) so failure() reads it.
 */
async function getStatus(client: { url: string; credential: unknown }): Promise<{ isDirectory: boolean; contentLength: number }> {
  const credential = client.credential as StorageSharedKeyCredential;
  const url = new URL(client.url);
  url.search = "action=getStatus";
  const date = new Date().toUTCString();
  const version = "2023-11-03";
  const resource = `/${credential.accountName}${url.pathname}\naction:getStatus`;
  const stringToSign = `HEAD\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:${date}\nx-ms-version:${version}\n${resource}`;
  const signature = credential.computeHMACSHA256(stringToSign);
  const r = await rawRequest(url.toString(), {
    method: "HEAD",
    headers: { "x-ms-date": date, "x-ms-version": version, authorization: `SharedKey ${credential.accountName}:${signature}` },
  });
  if (r.status >= 300) {
    throw Object.assign(new Error(`getStatus ${r.status}`), { statusCode: r.status, details: { errorCode: String(r.headers["x-ms-error-code"] ?? "") } });
  }
  return { isDirectory: r.headers["x-ms-resource-type"] === "directory", contentLength: Number(r.headers["content-length"] ?? 0) };
}

describe("ADLS emulator through @azure/storage-file-datalake", () => {
  let dataDir: string;
  let emulator: AdlsEmulator;
  let service: DataLakeServiceClient;
  let azurite: BlobApi;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "lake2oci-adls-"));
    emulator = await startAdlsEmulator({ dataDir });
    service = new DataLakeServiceClient(emulator.accountUrl, new StorageSharedKeyCredential(emulator.accountName, emulator.accountKey));
    azurite = new BlobApi({ upstream: `http://127.0.0.1:${emulator.azuritePort}`, account: emulator.accountName, accountKey: emulator.accountKey });
  });

  after(async () => {
    azurite?.close();
    await emulator?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function newFilesystem(stem: string): Promise<DataLakeFileSystemClient> {
    const fs = service.getFileSystemClient(uniqueName(stem));
    await fs.create();
    return fs;
  }

  it("reports loopback URLs and a connection string that reaches the gateway", async () => {
    assert.equal(emulator.accountUrl, `http://127.0.0.1:${emulator.gatewayPort}/devstoreaccount1`);
    assert.notEqual(emulator.gatewayPort, emulator.azuritePort);
    const fromConnectionString = DataLakeServiceClient.fromConnectionString(emulator.connectionString);
    const fs = fromConnectionString.getFileSystemClient(uniqueName("connstr"));
    await fs.create();
    const content = Buffer.from("via connection string");
    await fs.getFileClient("x.txt").upload(content);
    assert.deepEqual(await listAll(fs, { recursive: true }), [{ name: "x.txt", isDirectory: false, contentLength: content.length }]);
  });

  it("creates, finds, lists and deletes filesystems", async () => {
    const name = uniqueName("fs-crud");
    const fs = service.getFileSystemClient(name);
    assert.equal(await fs.exists(), false);
    await fs.create();
    assert.equal(await fs.exists(), true);
    const listed: string[] = [];
    for await (const item of service.listFileSystems({ prefix: name })) listed.push(item.name);
    assert.deepEqual(listed, [name]);
    await fs.delete();
    assert.equal(await fs.exists(), false);
  });

  it("creates directories with their parents, as a hierarchical namespace does", async () => {
    const fs = await newFilesystem("dirs");
    await fs.getDirectoryClient("a/b/c").create();
    assert.deepEqual(await listAll(fs, { recursive: true }), [
      { name: "a", isDirectory: true, contentLength: 0 },
      { name: "a/b", isDirectory: true, contentLength: 0 },
      { name: "a/b/c", isDirectory: true, contentLength: 0 },
    ]);
    const properties = await fs.getDirectoryClient("a/b").getProperties();
    assert.equal(properties.metadata?.hdi_isfolder, "true");
    const status = await getStatus(fs.getDirectoryClient("a/b/c"));
    assert.equal(status.isDirectory, true);
    const again = await fs.getDirectoryClient("a/b/c").createIfNotExists();
    assert.equal(again.succeeded, false, "If-None-Match: * on an existing directory answers PathAlreadyExists");
    assert.deepEqual(await failure(fs.getFileClient("a/b").create()), { status: 409, code: "PathConflict" });
  });

  it("uploads a small file in one append and reads it back whole and by range", async () => {
    const fs = await newFilesystem("small");
    const file = fs.getFileClient("dir/hello.txt");
    const content = Buffer.from("hello, data lake");
    await file.upload(content, { pathHttpHeaders: { contentType: "text/plain" }, metadata: { origin: "test" } });
    assert.deepEqual(await file.readToBuffer(), content);
    const ranged = await file.read(7, 4);
    assert.equal(ranged.contentLength, 4);
    assert.equal((await streamToBuffer(ranged.readableStreamBody)).toString(), "data");
    const properties = await file.getProperties();
    assert.equal(properties.contentLength, content.length);
    assert.equal(properties.contentType, "text/plain");
    assert.equal(properties.metadata?.origin, "test");
    assert.ok(properties.etag);
    const status = await getStatus(file);
    assert.equal(status.isDirectory, false);
    assert.equal(status.contentLength, content.length);
    const acl = await file.getAccessControl();
    assert.equal(acl.owner, "$superuser");
    assert.equal(acl.permissions?.owner.read, true);
    assert.equal(acl.permissions?.other.read, false);
  });

  it("uploads multi-MiB files in several appends (uploadStream and parallel upload) byte-identical", async () => {
    const fs = await newFilesystem("big");
    const content = randomBytes(9 * 1024 * 1024 + 4321);
    const streamed = fs.getFileClient("streamed.bin");
    await streamed.uploadStream(Readable.from([content.subarray(0, 3_000_000), content.subarray(3_000_000)]), {
      chunkSize: 2 * 1024 * 1024,
      maxConcurrency: 4,
    });
    const parallel = fs.getFileClient("parallel.bin");
    await parallel.upload(content, { chunkSize: 1024 * 1024, singleUploadThreshold: 1024 * 1024, maxConcurrency: 5 });
    const md5 = (data: Buffer) => createHash("md5").update(data).digest("hex");
    for (const file of [streamed, parallel]) {
      const back = await file.readToBuffer();
      assert.equal(back.length, content.length);
      assert.equal(md5(back), md5(content), `${file.name} differs from what was uploaded`);
    }
    const blocks = await azurite.getBlockList(fs.name, "parallel.bin");
    assert.equal(blocks?.committed.length, 10, "one committed block per append");
  });

  it("commits appends made out of order, and checks append and flush positions", async () => {
    const fs = await newFilesystem("positions");
    const file = fs.getFileClient("pieces.txt");
    await file.create();
    await file.append(Buffer.from("world"), 6, 5);
    await file.append(Buffer.from("hello "), 0, 6);
    assert.deepEqual(await failure(file.flush(12)), { status: 400, code: "InvalidFlushPosition" });
    await file.flush(11);
    assert.equal((await file.readToBuffer()).toString(), "hello world");
    assert.deepEqual(await failure(file.append(Buffer.from("x"), 3, 1)), { status: 400, code: "InvalidFlushPosition" });
    await file.append(Buffer.from("!"), 11, 1);
    await file.flush(12, { pathHttpHeaders: { contentType: "text/plain" } });
    assert.equal((await file.readToBuffer()).toString(), "hello world!");
    assert.equal((await file.getProperties()).contentType, "text/plain");
    assert.deepEqual(await failure(fs.getFileClient("never-created.txt").flush(0)), { status: 404, code: "PathNotFound" });
  });

  it("overwrites a file on create and refuses with If-None-Match: *", async () => {
    const fs = await newFilesystem("overwrite");
    const file = fs.getFileClient("f.txt");
    await file.upload(Buffer.from("first version"));
    await file.upload(Buffer.from("second"));
    assert.equal((await file.readToBuffer()).toString(), "second");
    assert.deepEqual(await failure(file.create({ conditions: { ifNoneMatch: "*" } })), { status: 409, code: "PathAlreadyExists" });
    assert.deepEqual(await failure(fs.getDirectoryClient("f.txt").create()), { status: 409, code: "PathConflict" });
  });

  it("shows the parents of files written through the Blob API as directories (implicit directories)", async () => {
    const fs = await newFilesystem("implicit");
    await azurite.putBlob(fs.name, "year=2024/month=01/part-0.parquet", Buffer.from("p0"));
    await azurite.putBlob(fs.name, "year=2024/month=02/part-0.parquet", Buffer.from("p1"));
    await azurite.putBlob(fs.name, "top.csv", Buffer.from("a,b"));
    assert.deepEqual(await listAll(fs, { recursive: true }), [
      { name: "top.csv", isDirectory: false, contentLength: 3 },
      { name: "year=2024", isDirectory: true, contentLength: 0 },
      { name: "year=2024/month=01", isDirectory: true, contentLength: 0 },
      { name: "year=2024/month=01/part-0.parquet", isDirectory: false, contentLength: 2 },
      { name: "year=2024/month=02", isDirectory: true, contentLength: 0 },
      { name: "year=2024/month=02/part-0.parquet", isDirectory: false, contentLength: 2 },
    ]);
    assert.deepEqual(await listAll(fs, { recursive: false }), [
      { name: "top.csv", isDirectory: false, contentLength: 3 },
      { name: "year=2024", isDirectory: true, contentLength: 0 },
    ]);
    assert.deepEqual(await listAll(fs, { recursive: false, path: "year=2024" }), [
      { name: "year=2024/month=01", isDirectory: true, contentLength: 0 },
      { name: "year=2024/month=02", isDirectory: true, contentLength: 0 },
    ]);
    const directory = fs.getDirectoryClient("year=2024/month=01");
    assert.equal((await directory.getProperties()).metadata?.hdi_isfolder, "true");
    assert.equal((await getStatus(directory)).isDirectory, true);
    assert.equal(await directory.exists(), true);
    assert.deepEqual(await failure(directory.delete(false)), { status: 409, code: "DirectoryNotEmpty" });
  });

  it("deletes files, empty directories and whole subtrees", async () => {
    const fs = await newFilesystem("delete");
    await fs.getFileClient("keep/k.txt").upload(Buffer.from("k"));
    await fs.getFileClient("tree/a/1.txt").upload(Buffer.from("1"));
    await fs.getFileClient("tree/a/2.txt").upload(Buffer.from("2"));
    await fs.getFileClient("tree/b.txt").upload(Buffer.from("b"));
    await fs.getDirectoryClient("empty").create();
    await fs.getFileClient("tree/b.txt").delete();
    assert.equal(await fs.getFileClient("tree/b.txt").exists(), false);
    assert.deepEqual(await failure(fs.getDirectoryClient("tree").delete(false)), { status: 409, code: "DirectoryNotEmpty" });
    await fs.getDirectoryClient("empty").delete(false);
    await fs.getDirectoryClient("tree").delete(true);
    assert.deepEqual(await listAll(fs, { recursive: true }), [
      { name: "keep", isDirectory: true, contentLength: 0 },
      { name: "keep/k.txt", isDirectory: false, contentLength: 1 },
    ]);
    assert.deepEqual(await failure(fs.getFileClient("tree/a/1.txt").delete()), { status: 404, code: "PathNotFound" });
    assert.deepEqual(await failure(fs.getDirectoryClient("nothing-here").delete(true)), { status: 404, code: "PathNotFound" });
  });

  it("answers 404 FilesystemNotFound / PathNotFound for what does not exist", async () => {
    const missing = service.getFileSystemClient(uniqueName("missing"));
    assert.deepEqual(await failure(listAll(missing, { recursive: true })), { status: 404, code: "FilesystemNotFound" });
    assert.deepEqual(await failure(missing.getFileClient("f.txt").create()), { status: 404, code: "FilesystemNotFound" });
    const fs = await newFilesystem("notfound");
    assert.deepEqual(await failure(listAll(fs, { recursive: true, path: "no/such/dir" })), { status: 404, code: "PathNotFound" });
    assert.deepEqual(await failure(getStatus(fs.getFileClient("absent.txt"))), { status: 404, code: "PathNotFound" });
    const raw = await rawRequest(`${emulator.accountUrl}/${missing.name}?resource=filesystem&recursive=true`, {
      method: "GET",
      headers: { authorization: "SharedKey devstoreaccount1:AAAA", "x-ms-date": new Date().toUTCString(), "x-ms-version": "2023-11-03" },
    });
    assert.equal(raw.status, 403, "authentication is checked before existence");
  });

  it("keeps names with spaces, unicode, %, + and # intact", async () => {
    const fs = await newFilesystem("names");
    const names = ["with space/file one.txt", "unicodé/データ/ファイル.csv", "percent%25/100%.txt", "plus+dir/a+b=c.txt", "hash#dir/#1.txt"];
    for (const name of names) await fs.getFileClient(name).upload(Buffer.from(`content of ${name}`));
    const files = (await listAll(fs, { recursive: true })).filter((item) => !item.isDirectory).map((item) => item.name);
    assert.deepEqual(files.sort(), [...names].sort());
    for (const name of names) {
      assert.equal((await fs.getFileClient(name).readToBuffer()).toString(), `content of ${name}`);
      assert.equal((await getStatus(fs.getFileClient(name))).isDirectory, false);
    }
    const directories = (await listAll(fs, { recursive: false })).map((item) => item.name);
    assert.deepEqual(directories.sort(), ["hash#dir", "percent%25", "plus+dir", "unicodé", "with space"].sort());
    await fs.getDirectoryClient("with space").delete(true);
    assert.equal(await fs.getFileClient("with space/file one.txt").exists(), false);
  });

  it("refuses a wrong account key with 403 on served DFS calls and on passed-through Blob calls", async () => {
    const fs = await newFilesystem("auth");
    await fs.getFileClient("secret.txt").upload(Buffer.from("secret"));
    const wrongKey = Buffer.from("not the account key, not the account key, not the key").toString("base64");
    const intruder = new DataLakeServiceClient(emulator.accountUrl, new StorageSharedKeyCredential(emulator.accountName, wrongKey)).getFileSystemClient(fs.name);
    assert.deepEqual(await failure(listAll(intruder, { recursive: true })), { status: 403, code: "AuthenticationFailed" });
    assert.deepEqual(await failure(intruder.getFileClient("new.txt").create()), { status: 403, code: "AuthenticationFailed" });
    assert.deepEqual(await failure(getStatus(intruder.getFileClient("secret.txt"))), { status: 403, code: "AuthenticationFailed" });
    const passthrough = await failure(intruder.getFileClient("secret.txt").readToBuffer());
    assert.equal(passthrough.status, 403, "Azurite refuses the passed-through read");
    assert.equal((await failure(intruder.getFileClient("secret.txt").delete())).status, 403);
    assert.equal((await fs.getFileClient("secret.txt").readToBuffer()).toString(), "secret");
    const anonymous = await rawRequest(`${emulator.accountUrl}/${fs.name}?resource=filesystem&recursive=true`, { method: "GET" });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers["x-ms-error-code"], "NoAuthenticationInformation");
    const body = JSON.parse(anonymous.body.toString());
    assert.equal(body.error.code, "NoAuthenticationInformation");
    assert.match(body.error.message, /RequestId:/);
  });

  it("accepts valid account-key SAS on served calls and refuses expired or insufficient ones", async () => {
    const fs = await newFilesystem("sas");
    await fs.getFileClient("d/existing.txt").upload(Buffer.from("x"));
    const expiresOn = new Date(Date.now() + 3600_000);
    const full = await fs.generateSasUrl({ permissions: FileSystemSASPermissions.parse("racwdl"), expiresOn });
    const sasFs = new DataLakeFileSystemClient(full);
    assert.deepEqual(
      (await listAll(sasFs, { recursive: true })).map((item) => item.name),
      ["d", "d/existing.txt"],
    );
    await sasFs.getFileClient("d/new.txt").upload(Buffer.from("written with a SAS"));
    assert.equal((await fs.getFileClient("d/new.txt").readToBuffer()).toString(), "written with a SAS");

    const readOnly = await fs.generateSasUrl({ permissions: FileSystemSASPermissions.parse("rl"), expiresOn });
    const readOnlyFs = new DataLakeFileSystemClient(readOnly);
    assert.equal((await listAll(readOnlyFs, { recursive: true })).length, 3);
    assert.deepEqual(await failure(readOnlyFs.getFileClient("d/other.txt").create()), { status: 403, code: "AuthorizationPermissionMismatch" });

    const expired = await fs.generateSasUrl({ permissions: FileSystemSASPermissions.parse("rl"), startsOn: new Date(Date.now() - 7200_000), expiresOn: new Date(Date.now() - 3600_000) });
    const expiredFs = new DataLakeFileSystemClient(expired);
    assert.deepEqual(await failure(listAll(expiredFs, { recursive: true })), { status: 403, code: "AuthenticationFailed" });

    const tampered = full.replace(/sp=[a-z]+/, "sp=racwdlmeop");
    const tamperedFs = new DataLakeFileSystemClient(tampered);
    assert.deepEqual(await failure(listAll(tamperedFs, { recursive: true })), { status: 403, code: "AuthenticationFailed" });
  });

  it("rejects a continuation token it did not issue, or one from another listing", async () => {
    const fs = await newFilesystem("token");
    for (let i = 0; i < 5; i++) await azurite.putBlob(fs.name, `d/f${i}`, Buffer.from("x"));
    const pages = fs.listPaths({ recursive: true }).byPage({ maxPageSize: 2 });
    const first = (await pages.next()).value;
    assert.ok(first.continuation, "a first page of 2 out of 6 paths has a continuation");
    assert.deepEqual(await failure(fs.listPaths({ recursive: false }).byPage({ continuationToken: first.continuation }).next()), {
      status: 400,
      code: "InvalidQueryParameterValue",
    });
    assert.deepEqual(await failure(fs.listPaths({ recursive: true }).byPage({ continuationToken: "bm90LWEtdG9rZW4" }).next()), {
      status: 400,
      code: "InvalidQueryParameterValue",
    });
  });

  it("counts the requests it served and passed through", async () => {
    const gateway = await startDfsGateway({ upstream: `http://127.0.0.1:${emulator.azuritePort}`, accountName: emulator.accountName, accountKey: emulator.accountKey });
    try {
      const client = new DataLakeServiceClient(gateway.url, new StorageSharedKeyCredential(emulator.accountName, emulator.accountKey));
      const fs = client.getFileSystemClient(uniqueName("counts"));
      await fs.create();
      await fs.getFileClient("a.txt").upload(Buffer.from("abc"));
      await listAll(fs, { recursive: true });
      await fs.getFileClient("a.txt").readToBuffer();
      const counts = gateway.requestCounts();
      assert.equal(counts.createFile, 1);
      assert.equal(counts.append, 1);
      assert.equal(counts.flush, 1);
      assert.equal(counts.listPaths, 1);
      assert.equal(counts["passthrough:PUT"], 1, "filesystem create goes to Azurite");
      assert.ok((counts["passthrough:GET"] ?? 0) >= 1, "the read goes to Azurite");
    } finally {
      await gateway.stop();
    }
  });
});

describe("DFS gateway: bearer tokens, keep-alive and stop", () => {
  let dataDir: string;
  let emulator: AdlsEmulator;
  let gateway: DfsGateway;
  const seenTokens: string[] = [];

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "lake2oci-adls-"));
    emulator = await startAdlsEmulator({ dataDir });
    gateway = await startDfsGateway({
      upstream: `http://127.0.0.1:${emulator.azuritePort}`,
      accountName: emulator.accountName,
      accountKey: emulator.accountKey,
      tokenVerifier: async (token) => {
        seenTokens.push(token);
        return token === "good-token";
      },
    });
  });

  after(async () => {
    await gateway?.stop();
    await emulator?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}`, "x-ms-version": "2023-11-03", "x-ms-date": new Date().toUTCString() });

  it("serves DFS calls and re-signs Blob calls for tokens the verifier accepts", async () => {
    const fsName = uniqueName("bearer");
    const created = await rawRequest(`${gateway.url}/${fsName}?restype=container`, { method: "PUT", headers: bearer("good-token") });
    assert.equal(created.status, 201, "a passed-through container create is re-signed for Azurite");
    const file = await rawRequest(`${gateway.url}/${fsName}/dir/f.txt?resource=file`, { method: "PUT", headers: bearer("good-token") });
    assert.equal(file.status, 201);
    const append = await rawRequest(`${gateway.url}/${fsName}/dir/f.txt?action=append&position=0`, {
      method: "PATCH",
      headers: { ...bearer("good-token"), "content-length": "5" },
      body: Buffer.from("token"),
    });
    assert.equal(append.status, 202);
    const flush = await rawRequest(`${gateway.url}/${fsName}/dir/f.txt?action=flush&position=5`, { method: "PATCH", headers: bearer("good-token") });
    assert.equal(flush.status, 200);
    const listed = await rawRequest(`${gateway.url}/${fsName}?resource=filesystem&recursive=true`, { method: "GET", headers: bearer("good-token") });
    assert.equal(listed.status, 200);
    assert.deepEqual(
      JSON.parse(listed.body.toString()).paths.map((p: { name: string }) => p.name),
      ["dir", "dir/f.txt"],
    );
    const read = await rawRequest(`${gateway.url}/${fsName}/dir/f.txt`, { method: "GET", headers: bearer("good-token") });
    assert.equal(read.status, 200);
    assert.equal(read.body.toString(), "token");
    assert.ok(seenTokens.includes("good-token"));
  });

  it("refuses tokens the verifier rejects, on served and passed-through calls", async () => {
    const listed = await rawRequest(`${gateway.url}/whatever?resource=filesystem&recursive=true`, { method: "GET", headers: bearer("bad-token") });
    assert.equal(listed.status, 403);
    assert.equal(JSON.parse(listed.body.toString()).error.code, "AuthenticationFailed");
    const read = await rawRequest(`${gateway.url}/whatever/f.txt`, { method: "GET", headers: bearer("bad-token") });
    assert.equal(read.status, 403);
    assert.match(read.body.toString(), /<Code>AuthenticationFailed<\/Code>/);
  });

  it("refuses bearer tokens on served calls when started without a verifier", async () => {
    const listed = await rawRequest(`${emulator.accountUrl}/whatever?resource=filesystem&recursive=true`, { method: "GET", headers: bearer("good-token") });
    assert.equal(listed.status, 403);
    assert.match(JSON.parse(listed.body.toString()).error.message, /without a tokenVerifier/);
  });

  it("keeps idle connections 65 s and closes them all on stop", async () => {
    const own = await startDfsGateway({ upstream: `http://127.0.0.1:${emulator.azuritePort}`, accountName: emulator.accountName, accountKey: emulator.accountKey });
    const agent = new http.Agent({ keepAlive: true });
    try {
      const answer = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const request = http.request(`${own.url}?comp=list`, { agent }, (response) => {
          response.resume();
          response.on("end", () => resolve(response));
        });
        request.on("error", reject);
        request.end();
      });
      assert.match(String(answer.headers["keep-alive"]), /timeout=65/);
      const started = Date.now();
      await own.stop();
      assert.ok(Date.now() - started < 2_000, "stop() does not wait for idle keep-alive connections");
      await assert.rejects(rawRequest(`${own.url}?comp=list`, { method: "GET" }), /ECONNREFUSED/);
    } finally {
      agent.destroy();
      await own.stop();
    }
  });

  it("refuses a host that is not loopback", async () => {
    await assert.rejects(
      startDfsGateway({ upstream: "http://127.0.0.1:1", accountName: "a", accountKey: "a2V5", host: "0.0.0.0" }),
      /startDfsGateway: host must be a loopback address/,
    );
    await assert.rejects(
      startDfsGateway({ upstream: "http://192.0.2.1:10000", accountName: "a", accountKey: "a2V5" }),
      /startDfsGateway: upstream must be a loopback address/,
    );
  });
});
