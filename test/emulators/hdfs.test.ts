// The local HDFS (Hadoop 3.3.4's MiniDFSCluster, started by the local cloud) driven the way a WebHDFS client drives a
// real cluster: plain HTTP requests, the two-step CREATE/OPEN through a DataNode redirect, simple auth as
// `user.name=`. It must round-trip edge names byte for byte, serve ranges and empty files, refuse another user's
// private file with the NameNode's own 403 AccessControlException, serve Hadoop RPC to a non-Java client (OpenDAL's
// hdfs_native), listen on 127.0.0.1 only, keep its data across a restart, and never outlive the process that started it.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { startHdfsEmulator } from "../../src/emulators/hdfs/index.ts";
import { type LocalCloud, startLocalCloud } from "../../src/emulators/local-cloud.ts";

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP request; redirects are returned, not followed. */
function request(method: string, url: string, body?: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) {
      headers["content-type"] = "application/octet-stream";
      headers["content-length"] = String(body.length);
    }
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

function json(reply: Reply): unknown {
  assert.match(String(reply.headers["content-type"]), /^application\/json/, `a JSON answer, got ${reply.status} ${reply.body.toString("utf8").slice(0, 300)}`);
  return JSON.parse(reply.body.toString("utf8"));
}

/** A WebHDFS client over plain HTTP, as the REST API documents it. */
class WebHdfs {
  constructor(
    readonly origin: string,
    readonly user: string,
  ) {}

  url(path: string, op: string, params: Record<string, string> = {}): string {
    const encoded = path
      .split("/")
      .map((segment) => encodeURIComponent(segment))
      .join("/");
    const query = new URLSearchParams({ op, "user.name": this.user, ...params });
    return `${this.origin}/webhdfs/v1${encoded}?${query}`;
  }

  /** Step 1 at the NameNode: 307 to a DataNode on 127.0.0.1 (another port), whose URL is returned. */
  async redirect(method: "PUT" | "GET", path: string, op: string, params: Record<string, string> = {}): Promise<string> {
    const first = await request(method, this.url(path, op, params));
    assert.equal(first.status, 307, `${op} ${path}: the NameNode redirects, got ${first.status} ${first.body.toString("utf8").slice(0, 300)}`);
    const location = new URL(String(first.headers.location));
    assert.equal(location.protocol, "http:");
    assert.equal(location.hostname, "127.0.0.1", `${op} redirects to a DataNode on loopback: ${location.href}`);
    assert.notEqual(location.port, new URL(this.origin).port, "the redirect goes to the DataNode, not back to the NameNode");
    return location.href;
  }

  async create(path: string, data: Buffer, params: Record<string, string> = {}): Promise<void> {
    const target = await this.redirect("PUT", path, "CREATE", { overwrite: "true", ...params });
    const second = await request("PUT", target, data);
    assert.equal(second.status, 201, `CREATE ${path} at the DataNode: ${second.body.toString("utf8").slice(0, 300)}`);
  }

  async read(path: string, params: Record<string, string> = {}): Promise<Buffer> {
    const target = await this.redirect("GET", path, "OPEN", params);
    const second = await request("GET", target);
    assert.equal(second.status, 200, `OPEN ${path} at the DataNode: ${second.body.toString("utf8").slice(0, 300)}`);
    return second.body;
  }

  async mkdirs(path: string, permission?: string): Promise<void> {
    const reply = await request("PUT", this.url(path, "MKDIRS", permission ? { permission } : {}));
    assert.equal(reply.status, 200);
    assert.deepEqual(json(reply), { boolean: true });
  }

  async list(path: string): Promise<{ pathSuffix: string; type: string; length: number; owner: string; permission: string }[]> {
    const reply = await request("GET", this.url(path, "LISTSTATUS"));
    assert.equal(reply.status, 200, reply.body.toString("utf8").slice(0, 300));
    return (json(reply) as { FileStatuses: { FileStatus: { pathSuffix: string; type: string; length: number; owner: string; permission: string }[] } })
      .FileStatuses.FileStatus;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

/** Local addresses of every TCP and UDP socket the process listens on, from `ss`. */
function listeningAddresses(pid: number): string[] {
  const out = execFileSync("ss", ["-H", "-l", "-n", "-p", "-t", "-u"], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((line) => line.includes(`pid=${pid},`))
    .map((line) => line.trim().split(/\s+/)[4]);
}

const portOf = (url: string) => Number(new URL(url).port);

describe("local HDFS (MiniDFSCluster) over WebHDFS", () => {
  let cloud: LocalCloud;
  let lake: WebHdfs;
  let startMs = 0;

  before(async () => {
    const t0 = Date.now();
    // One entry per LISTSTATUS_BATCH page, so paging is exercised with a handful of files.
    cloud = await startLocalCloud({ hdfs: { conf: { "dfs.ls.limit": "1" } } });
    startMs = Date.now() - t0;
    const hdfs = cloud.hdfs;
    assert.ok(hdfs, "startLocalCloud({ hdfs }) starts HDFS");
    lake = new WebHdfs(hdfs.webhdfsUrl, hdfs.user);
  });

  after(async () => {
    await cloud?.stop();
  });

  it("starts on free loopback ports and tells the Python side where it is", () => {
    const hdfs = cloud.hdfs;
    assert.ok(hdfs);
    process.stdout.write(`# local cloud with HDFS started in ${startMs} ms\n`);
    assert.match(hdfs.rpcUrl, /^hdfs:\/\/127\.0\.0\.1:\d+$/);
    assert.match(hdfs.webhdfsUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(hdfs.user, "lake");
    assert.equal(hdfs.superuser, "hdfs");
    const env = cloud.env();
    assert.equal(env.LAKE2OCI_HDFS_RPC, hdfs.rpcUrl);
    assert.equal(env.LAKE2OCI_HDFS_WEBHDFS, hdfs.webhdfsUrl);
    assert.equal(env.LAKE2OCI_HDFS_USER, "lake");
    assert.equal(env.LAKE2OCI_HDFS_HOME, "/user/lake");
  });

  it("listens on 127.0.0.1 only: NameNode RPC and HTTP, DataNode transfer, HTTP and IPC", () => {
    const hdfs = cloud.hdfs;
    assert.ok(hdfs);
    const addresses = listeningAddresses(hdfs.pid);
    assert.ok(addresses.length >= 5, `the JVM's listeners: ${addresses.join(", ")}`);
    for (const address of addresses) assert.match(address, /^127\.0\.0\.1:\d+$/, `every listener is on 127.0.0.1: ${addresses.join(", ")}`);
    assert.ok(addresses.includes(`127.0.0.1:${portOf(hdfs.rpcUrl)}`), "the NameNode's RPC port");
    assert.ok(addresses.includes(`127.0.0.1:${portOf(hdfs.webhdfsUrl)}`), "the NameNode's HTTP port");
  });

  it("keeps the home directory the lake's user owns, under a root only the superuser may write", async () => {
    const home = await lake.list("/user");
    assert.deepEqual(
      home.map((s) => [s.pathSuffix, s.type, s.owner, s.permission]),
      [["lake", "DIRECTORY", "lake", "755"]],
    );
    const root = await request("GET", lake.url("/", "GETFILESTATUS"));
    assert.equal(root.status, 200);
    const status = (json(root) as { FileStatus: { owner: string } }).FileStatus;
    assert.equal(status.owner, "hdfs");
  });

  it("round-trips edge names byte for byte and lists them in signed-byte order", async () => {
    const dir = "/user/lake/edge";
    await lake.mkdirs(dir);
    // NFD names cannot go through CREATE/OPEN (next test): this round trip holds the NFC one.
    const names = [
      "with space.txt",
      "caf\u00e9.txt", // NFC
      "100%.txt",
      "a+b.txt",
      "hash#1.txt",
      "what?.txt",
      "\u65e5\u672c\u8a9e.parquet",
    ];
    const contents = new Map(names.map((name, i) => [name, Buffer.from(`${i}:${name}:${"x".repeat(i * 7)}`, "utf8")]));
    for (const [name, data] of contents) await lake.create(`${dir}/${name}`, data);
    await lake.mkdirs(`${dir}/sub dir`);

    const listed = await lake.list(dir);
    // HDFS keeps a directory's children sorted by their UTF-8 bytes compared as Java's signed bytes, so every name
    // with a non-ASCII byte (0x80-0xFF are negative) sorts before the ASCII ones.
    const signed = (name: string) => Int8Array.from(Buffer.from(name, "utf8"));
    const bySignedBytes = (a: string, b: string) => {
      const x = signed(a);
      const y = signed(b);
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
      return x.length - y.length;
    };
    const expected = [...names, "sub dir"].sort(bySignedBytes);
    assert.deepEqual(expected.slice(0, 2), ["\u65e5\u672c\u8a9e.parquet", "100%.txt"], "the order this test expects of HDFS");
    assert.deepEqual(
      listed.map((s) => s.pathSuffix),
      expected,
      "LISTSTATUS gives every name as written, in signed-byte order of its UTF-8",
    );
    for (const s of listed) {
      if (s.pathSuffix === "sub dir") {
        assert.equal(s.type, "DIRECTORY");
        continue;
      }
      assert.equal(s.type, "FILE");
      assert.equal(s.length, contents.get(s.pathSuffix)?.length, s.pathSuffix);
      assert.equal(s.owner, "lake");
    }
    for (const [name, data] of contents) assert.deepEqual(await lake.read(`${dir}/${name}`), data, name);

    // LISTSTATUS_BATCH pages (dfs.ls.limit=1 here): each page one entry, `startAfter` the last name, same order.
    const paged: string[] = [];
    let startAfter: string | undefined;
    for (let pages = 0; pages < 50; pages++) {
      const reply = await request("GET", lake.url(dir, "LISTSTATUS_BATCH", startAfter === undefined ? {} : { startAfter }));
      assert.equal(reply.status, 200, reply.body.toString("utf8").slice(0, 300));
      const batch = (json(reply) as { DirectoryListing: { partialListing: { FileStatuses: { FileStatus: { pathSuffix: string }[] } }; remainingEntries: number } })
        .DirectoryListing;
      const page = batch.partialListing.FileStatuses.FileStatus.map((st) => st.pathSuffix);
      assert.equal(page.length, 1, "one entry a page");
      paged.push(...page);
      startAfter = page[page.length - 1];
      if (batch.remainingEntries === 0) break;
    }
    assert.deepEqual(paged, expected, "the pages together are the listing");
  });

  it("keeps NFC and NFD names apart, but WebHDFS's DataNode redirect turns an NFD path into NFC (Hadoop 3.3.4)", async () => {
    const dir = "/user/lake/unicode";
    const nfc = `${dir}/caf\u00e9.txt`;
    const nfd = `${dir}/cafe\u0301.txt`;
    await lake.mkdirs(dir);
    await lake.create(nfc, Buffer.from("the NFC file"));
    // CREATE cannot make the NFD name (its redirect is NFC); RENAME is answered by the NameNode alone and keeps it.
    await lake.create(`${dir}/staging`, Buffer.from("the NFD file, longer"));
    const rename = await request("PUT", lake.url(`${dir}/staging`, "RENAME", { destination: nfd }));
    assert.equal(rename.status, 200);
    assert.deepEqual(json(rename), { boolean: true });

    const listed = await lake.list(dir);
    assert.deepEqual(
      listed.map((s) => [s.pathSuffix, s.length]),
      [
        ["caf\u00e9.txt", 12],
        ["cafe\u0301.txt", 20],
      ],
      "two names, two files",
    );
    const stat = await request("GET", lake.url(nfd, "GETFILESTATUS"));
    assert.equal((json(stat) as { FileStatus: { length: number } }).FileStatus.length, 20, "the NameNode finds the NFD file");

    // The real server's hazard, pinned: the NameNode builds the DataNode URL with java.net.URI, which normalizes the
    // path to NFC, so OPEN of the NFD name reads the NFC file. Clients must not read NFD names through WebHDFS.
    const first = await request("GET", lake.url(nfd, "OPEN"));
    assert.equal(first.status, 307);
    assert.match(String(first.headers.location), /\/user\/lake\/unicode\/caf%C3%A9\.txt\?/);
    assert.deepEqual(await lake.read(nfd), Buffer.from("the NFC file"));
  });

  it("serves byte ranges of a file in several blocks (across a block boundary, to the end, past the end)", async () => {
    const mib = 1024 * 1024;
    const size = 2 * mib + 300_000;
    const data = Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + 7) % 251));
    const path = "/user/lake/ranges.bin";
    // 1 MiB blocks (HDFS's smallest by default): three blocks.
    await lake.create(path, data, { blocksize: String(mib) });
    const status = await request("GET", lake.url(path, "GETFILESTATUS"));
    assert.deepEqual(
      (({ length, blockSize }) => ({ length, blockSize }))((json(status) as { FileStatus: { length: number; blockSize: number } }).FileStatus),
      { length: size, blockSize: mib },
    );
    assert.deepEqual(await lake.read(path, { offset: "1000", length: "4096" }), data.subarray(1000, 5096));
    assert.deepEqual(await lake.read(path, { offset: String(mib - 10), length: "20" }), data.subarray(mib - 10, mib + 10), "across a block boundary");
    assert.deepEqual(await lake.read(path, { offset: String(size - 10) }), data.subarray(size - 10));
    assert.deepEqual(await lake.read(path, { offset: String(size - 10), length: "100" }), data.subarray(size - 10), "a length past the end stops at the end");
    assert.deepEqual(await lake.read(path), data);
  });

  it("stores and serves a zero-byte file", async () => {
    const path = "/user/lake/empty";
    await lake.create(path, Buffer.alloc(0));
    const status = await request("GET", lake.url(path, "GETFILESTATUS"));
    assert.equal(status.status, 200);
    assert.equal((json(status) as { FileStatus: { length: number; type: string } }).FileStatus.length, 0);
    assert.deepEqual(await lake.read(path), Buffer.alloc(0));
  });

  it("refuses another user's private file with WebHDFS's 403 AccessControlException, and serves its owner", async () => {
    const hdfs = cloud.hdfs;
    assert.ok(hdfs);
    await lake.mkdirs("/user/lake/private", "700");
    const secret = Buffer.from("owner only");
    await lake.create("/user/lake/private/secret.txt", secret, { permission: "700" });
    assert.deepEqual(await lake.read("/user/lake/private/secret.txt"), secret, "the owner reads it");

    const mallory = new WebHdfs(hdfs.webhdfsUrl, "mallory");
    const open = await request("GET", mallory.url("/user/lake/private/secret.txt", "OPEN"));
    assert.equal(open.status, 403);
    assert.deepEqual(json(open), {
      RemoteException: {
        exception: "AccessControlException",
        javaClassName: "org.apache.hadoop.security.AccessControlException",
        message: 'Permission denied: user=mallory, access=EXECUTE, inode="/user/lake/private":lake:lake:drwx------',
      },
    });
    const list = await request("GET", mallory.url("/user/lake/private", "LISTSTATUS"));
    assert.equal(list.status, 403);
    assert.deepEqual(json(list), {
      RemoteException: {
        exception: "AccessControlException",
        javaClassName: "org.apache.hadoop.security.AccessControlException",
        message: 'Permission denied: user=mallory, access=READ_EXECUTE, inode="/user/lake/private":lake:lake:drwx------',
      },
    });

    // A file mode 700 in a directory others may enter: refused on the file itself.
    await lake.create("/user/lake/own.txt", secret, { permission: "700" });
    const file = await request("GET", mallory.url("/user/lake/own.txt", "OPEN"));
    assert.equal(file.status, 403);
    assert.deepEqual(json(file), {
      RemoteException: {
        exception: "AccessControlException",
        javaClassName: "org.apache.hadoop.security.AccessControlException",
        message: 'Permission denied: user=mallory, access=READ, inode="/user/lake/own.txt":lake:lake:-rwx------',
      },
    });
  });

  it("serves Hadoop RPC to a non-Java client (OpenDAL's hdfs_native): exact names, NFD included, and the same refusal", async () => {
    const hdfs = cloud.hdfs;
    assert.ok(hdfs);
    // The NameNode RPC and the DataNode's data transfer port, as the job's Python side would use them.
    const script = [
      "import json, sys, opendal",
      "op = opendal.Operator('hdfs_native', name_node=sys.argv[1], root=sys.argv[2])",
      "out = {}",
      "try:",
      "    if sys.argv[3] == 'write':",
      "        op.write('caf\\u00e9.txt', b'nfc over rpc')",
      "        op.write('cafe\\u0301.txt', b'nfd over rpc, longer')",
      "    out['names'] = sorted(e.path for e in op.list('/'))",
      "    out['nfc'] = op.read('caf\\u00e9.txt').decode()",
      "    out['nfd'] = op.read('cafe\\u0301.txt').decode()",
      "except Exception as e:",
      "    out['error'] = str(e).split('\\n')[0]",
      "print(json.dumps(out))",
    ].join("\n");
    const python = join(import.meta.dirname, "../../.venv/bin/python");
    const run = (user: string, mode: string) =>
      JSON.parse(
        execFileSync(python, ["-c", script, hdfs.rpcUrl, "/user/lake/rpc", mode], {
          encoding: "utf8",
          env: { ...process.env, HADOOP_USER_NAME: user },
          timeout: 60_000,
        }),
      ) as { names?: string[]; nfc?: string; nfd?: string; error?: string };
    assert.deepEqual(run("lake", "write"), {
      names: ["/", "cafe\u0301.txt", "caf\u00e9.txt"], // Python's sorted(): code points
      nfc: "nfc over rpc",
      nfd: "nfd over rpc, longer",
    });
    // Only the redirect of WebHDFS normalizes: the NameNode lists both, and GETFILESTATUS finds the NFD one.
    const nfd = "/user/lake/rpc/cafe\u0301.txt";
    const stat = json(await request("GET", lake.url(nfd, "GETFILESTATUS"))) as { FileStatus: { length: number } };
    assert.equal(stat.FileStatus.length, 20);

    const setPrivate = await request("PUT", lake.url("/user/lake/rpc", "SETPERMISSION", { permission: "700" }));
    assert.equal(setPrivate.status, 200);
    assert.deepEqual(run("mallory", "read"), {
      error: 'Unexpected (permanent) at list => Permission denied: user=mallory, access=READ_EXECUTE, inode="/user/lake/rpc":lake:lake:drwx------',
    });
  });

  it("answers a missing path with 404 FileNotFoundException", async () => {
    const reply = await request("GET", lake.url("/user/lake/no such file", "GETFILESTATUS"));
    assert.equal(reply.status, 404);
    assert.deepEqual(json(reply), {
      RemoteException: {
        exception: "FileNotFoundException",
        javaClassName: "java.io.FileNotFoundException",
        message: "File does not exist: /user/lake/no such file",
      },
    });
  });
});

describe("startHdfsEmulator", () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lake2oci-hdfs-"));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("refuses settings that would move it off loopback or change its auth, before starting a JVM", async () => {
    for (const key of ["dfs.namenode.rpc-address", "dfs.datanode.hostname", "dfs.permissions.enabled", "hadoop.security.authentication"]) {
      await assert.rejects(startHdfsEmulator({ dataDir: join(dir, "never"), conf: { [key]: "x" } }), /cannot be set: addresses, hosts, security, permissions and auth are fixed/, key);
    }
  });

  it("stops on stop() with every port closed, and a restart on the same directory keeps the data", async () => {
    const dataDir = join(dir, "kept");
    const first = await startHdfsEmulator({ dataDir });
    const ports = listeningAddresses(first.pid).map((a) => Number(a.split(":")[1]));
    const data = Buffer.from("survives a restart");
    try {
      await new WebHdfs(first.webhdfsUrl, first.user).create("/user/lake/kept.txt", data);
    } finally {
      await first.stop();
    }
    assert.equal(alive(first.pid), false, "the JVM has exited");
    for (const port of ports) assert.equal(await canConnect(port), false, `port ${port} is closed after stop()`);

    const again = await startHdfsEmulator({ dataDir });
    try {
      assert.deepEqual(await new WebHdfs(again.webhdfsUrl, again.user).read("/user/lake/kept.txt"), data);
    } finally {
      await again.stop();
    }
  });

  it("exits when the process that started it is killed", async () => {
    const module = pathToFileURL(join(import.meta.dirname, "../../src/emulators/hdfs/index.ts")).href;
    const script = [
      `const { startHdfsEmulator } = await import(${JSON.stringify(module)});`,
      `const h = await startHdfsEmulator({ dataDir: ${JSON.stringify(join(dir, "orphan"))} });`,
      "console.log(String(h.pid));",
      "setInterval(() => {}, 1000);",
    ].join("\n");
    const parent = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = "";
      parent.stdout.on("data", (c: Buffer) => {
        out += c.toString("utf8");
        const line = out.split("\n")[0];
        if (out.includes("\n")) resolve(Number(line));
      });
      parent.once("exit", (code) => reject(new Error(`the parent exited first (code ${code})`)));
    });
    assert.ok(alive(pid));
    parent.kill("SIGKILL");
    assert.equal(await waitUntil(() => !alive(pid), 20_000), true, "the JVM exits once its parent is gone");
  });
});
