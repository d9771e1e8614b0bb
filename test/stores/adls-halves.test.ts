// The two halves of the ADLS store agree (src/stores/adls/README.md): what the TypeScript lister (adls-lister.ts, on
// @azure/storage-file-datalake, what `lake2oci plan` records) lists is what the job's reader (adls_store.py, on
// OpenDAL's azdls) lists, and the job reads every file whole on the version the lister recorded. Against the local
// cloud's ADLS, the lake written through the Blob endpoint as the end-to-end tests write theirs (single-request
// uploads, which get a Content-MD5 from the service). And OpenDAL renews an OAuth token before it ends (the local Entra
// endpoint issuing short-lived tokens).
import assert from "node:assert/strict";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AdlsEmulator, startAdlsEmulator } from "../../src/emulators/adls/index.ts";
import { createLocalCa } from "../../src/emulators/adls/local-ca.ts";
import { startTlsFront, type TlsFront } from "../../src/emulators/adls/tls-front.ts";
import { startTokenIssuer, type TokenIssuer } from "../../src/emulators/adls/token-issuer.ts";
import { startLocalCloud, type LocalCloud } from "../../src/emulators/local-cloud.ts";
import { AdlsLister } from "../../src/stores/adls/adls-lister.ts";
import type { StoreEntry } from "../../src/stores/store.ts";
import { azuriteContainer, putFile } from "../e2e/e2e-lake.ts";
import { repoRoot, requireVenv, runCommand } from "../helpers/python.ts";

const NFC = "unicode/caf\u00e9.txt";
const NFD = "unicode/cafe\u0301.txt";
const FILE_SYSTEM = "halves";
const files: Record<string, Buffer> = {
  "top.parquet": Buffer.from("PAR1-top-PAR1"),
  "empty.bin": Buffer.alloc(0),
  "a/b/c/deep.parquet": Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 251)),
  "a/sibling.txt": Buffer.from("sibling"),
  "a-b.txt": Buffer.from("sorts between a and a/"),
  "dir with space/file name.csv": Buffer.from("x,y\n1,2\n"),
  [NFC]: Buffer.from("composed"),
  [NFD]: Buffer.from("decomposed!"),
  "unicode/ñandú-日本-😀.json": Buffer.from('{"k":"v"}'),
  "odd/100%+plus#hash?.dat": Buffer.from("odd name"),
};
const md5 = (data: Buffer) => createHash("md5").update(data).digest("base64");
const orderKey = (name: string, isDirectory: boolean) => Buffer.from(isDirectory ? `${name}/` : name, "utf8");

interface Listed {
  name: string;
  size: number;
  isDirectory: boolean;
  version: string | null;
  modified: string;
}

describe("ADLS: the TypeScript lister and the job's OpenDAL reader agree", { timeout: 120_000 }, () => {
  let cloud: LocalCloud;
  let lister: StoreEntry[];
  let job: { listed: Listed[]; stats: Record<string, { version: string; md5: string | null }>; reads: Record<string, string> };

  before(async () => {
    requireVenv();
    cloud = await startLocalCloud();
    const fs = azuriteContainer(cloud, FILE_SYSTEM);
    await fs.create();
    for (const [name, data] of Object.entries(files)) await putFile(fs, name, data);
    const adls = cloud.adls;
    const location = { accountName: adls.accountName, fileSystem: FILE_SYSTEM, endpoint: adls.accountUrl };
    lister = [];
    for await (const page of new AdlsLister(location, { method: "key", accountKey: adls.accountKey }).listPages()) lister.push(...page);
    // The job's side, given the lister's versions: its listing, a stat of each file, and each file read whole.
    const versions = Object.fromEntries(lister.filter((e) => !e.isDirectory).map((e) => [e.name, [e.version, e.size]]));
    const script = [
      "import base64, hashlib, json, os, sys",
      `sys.path.insert(0, ${JSON.stringify(join(repoRoot, "src"))})`,
      "from stores.adls.adls_store import AdlsStore",
      "store = AdlsStore(os.environ['LAKE2OCI_ADLS_ACCOUNT'], os.environ['HALVES_FS'], os.environ['LAKE2OCI_ADLS_URL'],",
      "                  {'kind': 'key', 'account_key': os.environ['LAKE2OCI_ADLS_KEY']})",
      "listed = [dict(name=e.name, size=e.size, isDirectory=e.is_dir, version=e.version, modified=e.modified)",
      "          for page in store.list_pages(page_size=3) for e in page]",
      "versions = json.loads(os.environ['HALVES_VERSIONS'])",
      "stats, reads = {}, {}",
      "for name, (version, size) in versions.items():",
      "    e = store.stat(name)",
      "    stats[name] = dict(version=e.version, md5=e.md5)",
      "    data = b''.join(store.read_range(name, 0, size, version, chunk_size=4096))",
      "    reads[name] = base64.b64encode(hashlib.md5(data).digest()).decode()",
      "print(json.dumps(dict(listed=listed, stats=stats, reads=reads)))",
    ].join("\n");
    const r = await runCommand(requireVenv(), ["-c", script], {
      env: { ...cloud.env(), HALVES_FS: FILE_SYSTEM, HALVES_VERSIONS: JSON.stringify(versions), RUST_BACKTRACE: "0" },
    });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    job = JSON.parse(r.stdout);
  });

  after(async () => {
    await cloud?.stop();
  });

  it("lists the same names, sizes, directories, versions and times", () => {
    const ours: Listed[] = lister.map((e) => ({
      name: e.name,
      size: e.size,
      isDirectory: e.isDirectory,
      version: e.version ?? null,
      modified: e.modified,
    }));
    const byName = (a: Listed, b: Listed) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
    assert.deepEqual([...job.listed].sort(byName), [...ours].sort(byName));
    assert.deepEqual(
      job.listed.filter((e) => !e.isDirectory).map((e) => e.name).sort(),
      Object.keys(files).sort(),
      "every file, the zero-byte one and the NFC/NFD twins included",
    );
    assert.ok(job.listed.every((e) => e.isDirectory || /^0x[0-9A-F]+$/.test(e.version ?? "")), "versions are unquoted etags");
  });

  it("the job lists in code point order, a directory as its name and /", () => {
    const names = job.listed.map((e) => e.name);
    const sorted = [...job.listed].sort((a, b) => Buffer.compare(orderKey(a.name, a.isDirectory), orderKey(b.name, b.isDirectory)));
    assert.deepEqual(names, sorted.map((e) => e.name));
    assert.ok(names.indexOf("a-b.txt") < names.indexOf("a"), "a-b.txt sorts before the directory a (a/)");
  });

  it("stats each file on the lister's version, with the Content-MD5 the Blob upload got", () => {
    for (const [name, data] of Object.entries(files)) {
      const listed = lister.find((e) => e.name === name);
      assert.equal(job.stats[name].version, listed?.version, name);
      assert.equal(job.stats[name].md5, md5(data), name);
    }
  });

  it("reads every file whole on the version the lister recorded", () => {
    for (const [name, data] of Object.entries(files)) assert.equal(job.reads[name], md5(data), name);
  });
});

describe("ADLS: the job's OpenDAL reader renews its OAuth token before it ends", { timeout: 120_000 }, () => {
  // OpenDAL (reqsign) takes a token only while it has some time left (a 20 s token is refused as expiring before the
  // operation's deadline; a 40 s one is used): 40 s tokens, and a second request 25 s after the first.
  const LIFETIME_S = 40;
  const principal = { tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", clientId: "0a1b2c3d-0000-4000-8000-00000000abcd", clientSecret: "s3cr3t~value.1234" };
  let dir: string;
  let issuer: TokenIssuer;
  let adls: AdlsEmulator;
  let front: TlsFront;

  before(async () => {
    requireVenv();
    dir = await mkdtemp(join(tmpdir(), "lake2oci-adls-renewal-"));
    const ca = createLocalCa();
    await writeFile(join(dir, "ca.pem"), ca.caCert);
    issuer = await startTokenIssuer({ tls: ca, clients: [principal], lifetimeSeconds: LIFETIME_S });
    adls = await startAdlsEmulator({ dataDir: join(dir, "azurite"), tokenVerifier: issuer.verifyToken });
    front = await startTlsFront({ tls: ca, upstreamPort: adls.gatewayPort });
  });

  after(async () => {
    await front?.stop();
    await adls?.stop();
    await issuer?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("asks the token endpoint again when its token nears its end, and keeps reading", async () => {
    const blobs = new BlobServiceClient(`http://127.0.0.1:${adls.azuritePort}/${adls.accountName}`, new StorageSharedKeyCredential(adls.accountName, adls.accountKey));
    const fs = blobs.getContainerClient("renewal");
    await fs.create();
    await putFile(fs, "f.txt", Buffer.from("hello"));
    const auth = { kind: "oauth", tenant_id: principal.tenantId, client_id: principal.clientId, client_secret: principal.clientSecret, authority: issuer.url };
    const script = [
      "import json, os, sys, time",
      `sys.path.insert(0, ${JSON.stringify(join(repoRoot, "src"))})`,
      "from stores.adls.adls_store import AdlsStore",
      `store = AdlsStore(${JSON.stringify(adls.accountName)}, "renewal", ${JSON.stringify(`${front.origin}/${adls.accountName}`)}, json.loads(os.environ["RENEWAL_AUTH"]))`,
      "first = store.stat('f.txt')",
      "time.sleep(25)",
      "second = store.stat('f.txt')",
      "data = b''.join(store.read_range('f.txt', 0, 5, second.version))",
      "print(json.dumps([first.version, second.version, data.decode()]))",
    ].join("\n");
    const before = issuer.requestCounts().token ?? 0;
    const r = await runCommand(requireVenv(), ["-c", script], {
      env: { SSL_CERT_FILE: join(dir, "ca.pem"), RENEWAL_AUTH: JSON.stringify(auth), RUST_BACKTRACE: "0" },
      timeoutMs: 90_000,
    });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const [first, second, data] = JSON.parse(r.stdout) as string[];
    assert.equal(first, second);
    assert.equal(data, "hello");
    const counts = issuer.requestCounts();
    assert.equal((counts.token ?? 0) - before, 2, `one token, then a new one near its end: ${JSON.stringify(counts)}`);
    assert.equal(counts.refused ?? 0, 0);
  });
});
