"""The source stores' contract in Python (src/stores/store.py), the same cases as
test/stores/source-stores.conformance.test.ts, for local (a directory), S3 (the local cloud's moto server,
signatures checked; LAKE2OCI_S3_* from startLocalCloud({ s3: true }).env()), HDFS (the local cloud's
MiniDFSCluster over RPC; LAKE2OCI_HDFS_*) and GCS (fake-gcs-server behind the token-checking front, memory backend;
LAKE2OCI_GCS_*) and ADLS (Azurite behind the DFS gateway, key and SAS over http, OAuth over TLS against the local Entra
token endpoint; LAKE2OCI_ADLS_*, the OAuth values and the CA's file as SSL_CERT_FILE given by the runner). Run by
test/stores/python-source-stores.test.ts, which starts the cloud; the S3 bucket is seeded once here with boto3, the GCS
bucket with google-cloud-storage, the ADLS file system with azure-storage-file-datalake, and HDFS over plain WebHDFS
requests (none is the client under test)."""
import base64
import hashlib
import http.client
import inspect
import os
import re
import subprocess
import sys
import time
import unicodedata
from urllib.parse import quote, urlencode, urlsplit

import boto3
import pytest
from azure.core.credentials import AzureNamedKeyCredential
from azure.storage.filedatalake import ContentSettings, FileSystemClient
from botocore.config import Config
from google.cloud import storage as gcs_client
from google.oauth2 import service_account

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "src"))

from stores.adls.adls_store import AdlsStore  # noqa: E402
from stores.gcs.gcs_store import GcsStore  # noqa: E402
from stores.hdfs.hdfs_store import HdfsStore  # noqa: E402
from stores.local.local_store import LocalStore  # noqa: E402
from stores.s3.s3_store import S3Store  # noqa: E402
from stores.store import (  # noqa: E402
    NotFound,
    SourceStore,
    StoreAuthError,
    StoreError,
    StoreNotFoundError,
    StoreTransientError,
    StoreUnreachableError,
    StoreVersionChangedError,
    walk_key,
)

NFC = "unicode/caf\u00e9.txt"
NFD = "unicode/cafe\u0301.txt"
assert unicodedata.normalize("NFC", NFD) == NFC and NFC != NFD
FILES = {
    "top.parquet": b"PAR1-top-PAR1",
    "empty.bin": b"",
    "a/b/c/deep.parquet": bytes((i * 7) % 251 for i in range(70_000)),
    "a/sibling.txt": b"sibling",
    "dir with space/file name.csv": b"x,y\n1,2\n",
    NFC: b"composed",
    NFD: b"decomposed!",
    "unicode/ñandú-日本-😀.json": b'{"k":"v"}',
    "odd/100%+plus#hash?.dat": b"odd name",
    "mutable.txt": b"version one",
    "doomed.txt": b"to be deleted",
    "during.txt": b"first version",
}
for i in range(5):
    FILES[f"many/part-{i:05d}.parquet"] = bytes([i]) * (i + 1)
MARKER = "markers/empty-dir"
# Left out of local listings: symbolic links (to a file, to a directory, in a loop, broken) and a FIFO, "a-fifo".
LINKS = [("file-link", "top.parquet"), ("dir-link", "a"), ("a/b/loop", ".."), ("broken-link", "nowhere")]
# What the stores hold now: the last case deletes doomed.txt.
CURRENT = dict(FILES)
ENV = os.environ


def s3_settings(**overrides):
    settings = dict(bucket=ENV["LAKE2OCI_S3_BUCKET"], region=ENV["LAKE2OCI_S3_REGION"],
                    endpoint=ENV["LAKE2OCI_S3_ENDPOINT"], path_style=True,
                    access_key_id=ENV["LAKE2OCI_S3_ACCESS_KEY_ID"],
                    secret_access_key=ENV["LAKE2OCI_S3_SECRET_ACCESS_KEY"])
    settings.update(overrides)
    return settings


GCS_BUCKET = "lake2oci-source"


def gcs_key(which="LAKE2OCI_GCS_KEY_FILE"):
    with open(ENV[which]) as f:
        return f.read()


def gcs_settings(**overrides):
    settings = dict(bucket=GCS_BUCKET, service_account_key=gcs_key(), endpoint=ENV["LAKE2OCI_GCS_ENDPOINT"])
    settings.update(overrides)
    return settings


ADLS_FS = "lake2oci-source"


def adls_settings(**overrides):
    settings = dict(account_name=ENV["LAKE2OCI_ADLS_ACCOUNT"], file_system=ADLS_FS, endpoint=ENV["LAKE2OCI_ADLS_URL"],
                    auth={"kind": "key", "account_key": ENV["LAKE2OCI_ADLS_KEY"]})
    settings.update(overrides)
    return settings


def adls_oauth(**overrides):
    auth = {"kind": "oauth", "tenant_id": ENV["LAKE2OCI_ADLS_TENANT_ID"], "client_id": ENV["LAKE2OCI_ADLS_CLIENT_ID"],
            "client_secret": ENV["LAKE2OCI_ADLS_CLIENT_SECRET"], "authority": ENV["LAKE2OCI_ADLS_AUTHORITY_HOST"]}
    auth.update(overrides)
    return auth


def adls_upload(fs, name, data, md5=True):
    """As AzCopy --put-md5 writes a file: with its Content-MD5 (md5=False: without, as most writers do)."""
    settings = ContentSettings(content_md5=bytearray(hashlib.md5(data).digest())) if md5 else None
    if not data:
        # upload_data of nothing writes no file through the gateway: created empty.
        fs.get_file_client(name).create_file(content_settings=settings)
        return
    fs.get_file_client(name).upload_data(data, overwrite=True, content_settings=settings)


class WebHdfs:
    """Plain WebHDFS requests (not the store under test) that seed and change the local HDFS."""

    def __init__(self, origin, user):
        self.origin, self.user = origin, user

    def _request(self, method, url, body=None):
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            conn.request(method, parts.path + "?" + parts.query, body=body,
                         headers={"content-type": "application/octet-stream"} if body is not None else {})
            res = conn.getresponse()
            return res.status, res.getheader("location"), res.read()
        finally:
            conn.close()

    def url(self, path, op, **params):
        encoded = "/".join(quote(segment, safe="") for segment in path.split("/"))
        return f"{self.origin}/webhdfs/v1{encoded}?" + urlencode({"op": op, "user.name": self.user, **params})

    def ok(self, method, path, op, **params):
        status, _, body = self._request(method, self.url(path, op, **params))
        assert status == 200, (op, path, body[:300])

    def create(self, path, data, **params):
        """CREATE through the DataNode redirect; an NFD name is written as another name and renamed (the redirect
        turns it into NFC)."""
        staging = path if unicodedata.normalize("NFC", path) == path else os.path.dirname(path) + "/.staging"
        status, location, body = self._request("PUT", self.url(staging, "CREATE", overwrite="true", **params))
        assert status == 307, (path, body[:300])
        status, _, body = self._request("PUT", location, data)
        assert status == 201, (path, body[:300])
        if staging != path:
            self.ok("PUT", staging, "RENAME", destination=path)


HDFS_ROOT = ENV.get("LAKE2OCI_HDFS_HOME", "/user/lake") + "/store"


def hdfs_store(**overrides):
    settings = dict(name_node=ENV["LAKE2OCI_HDFS_RPC"], path=HDFS_ROOT, user=ENV["LAKE2OCI_HDFS_USER"])
    settings.update(overrides)
    return HdfsStore(**settings)


def hdfs_walk_key(entry):
    """HDFS's walk order: each directory before its contents, siblings by their UTF-8 bytes compared as Java's signed
    bytes (a name with a non-ASCII byte before ASCII ones)."""
    return [[b - 256 if b > 127 else b for b in part.encode("utf-8")] for part in entry.name.split("/")]


class Fixture:
    def __init__(self, name, make, directories, md5, rewrite, remove, sub):
        self.name, self.make, self.directories, self.md5 = name, make, directories, md5
        self.rewrite, self.remove, self.sub = rewrite, remove, sub


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("local-store"))
    for name, data in FILES.items():
        os.makedirs(os.path.dirname(os.path.join(root, name)), exist_ok=True)
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)
    os.makedirs(os.path.join(root, MARKER))
    for link, target in LINKS:
        os.symlink(target, os.path.join(root, link))
    os.mkfifo(os.path.join(root, "a-fifo"))

    def local_rewrite(name, data):
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)
        later = time.time() + 2
        os.utime(os.path.join(root, name), (later, later))

    s3 = boto3.client("s3", endpoint_url=ENV["LAKE2OCI_S3_ENDPOINT"], region_name=ENV["LAKE2OCI_S3_REGION"],
                      aws_access_key_id=ENV["LAKE2OCI_S3_ACCESS_KEY_ID"],
                      aws_secret_access_key=ENV["LAKE2OCI_S3_SECRET_ACCESS_KEY"],
                      config=Config(s3={"addressing_style": "path"}))
    bucket = ENV["LAKE2OCI_S3_BUCKET"]
    for name, data in FILES.items():
        s3.put_object(Bucket=bucket, Key=name, Body=data)
    s3.put_object(Bucket=bucket, Key=MARKER + "/", Body=b"")

    web = WebHdfs(ENV["LAKE2OCI_HDFS_WEBHDFS"], ENV["LAKE2OCI_HDFS_USER"])
    for name, data in FILES.items():
        web.create(f"{HDFS_ROOT}/{name}", data)
    web.ok("PUT", f"{HDFS_ROOT}/{MARKER}", "MKDIRS")
    home = ENV["LAKE2OCI_HDFS_HOME"]
    web.create(f"{home}/private/secret.txt", b"owner only")
    web.ok("PUT", f"{home}/private", "SETPERMISSION", permission="700")

    creds = service_account.Credentials.from_service_account_file(
        ENV["LAKE2OCI_GCS_KEY_FILE"], scopes=["https://www.googleapis.com/auth/devstorage.full_control"])
    gcs = gcs_client.Client(project=ENV["LAKE2OCI_GCS_PROJECT"], credentials=creds,
                            client_options={"api_endpoint": ENV["LAKE2OCI_GCS_ENDPOINT"]})
    gcs_bucket = gcs.create_bucket(GCS_BUCKET)
    for name, data in FILES.items():
        gcs_bucket.blob(name).upload_from_string(data)
    gcs_bucket.blob(MARKER + "/").upload_from_string(b"")

    adls = FileSystemClient(ENV["LAKE2OCI_ADLS_URL"], ADLS_FS,
                            credential=AzureNamedKeyCredential(ENV["LAKE2OCI_ADLS_ACCOUNT"], ENV["LAKE2OCI_ADLS_KEY"]))
    adls.create_file_system()
    for name, data in FILES.items():
        adls_upload(adls, name, data)
    adls.get_directory_client(MARKER).create_directory()

    def hdfs_rewrite(name, data):
        web.create(f"{HDFS_ROOT}/{name}", data)
        # A later modification time even if both writes fall in one millisecond.
        web.ok("PUT", f"{HDFS_ROOT}/{name}", "SETTIMES", modificationtime=str(int(time.time() * 1000) + 2000))

    return {
        "local": Fixture("local", lambda: LocalStore(root),
                         ["a", "a/b", "a/b/c", "dir with space", "many", "markers", MARKER, "odd", "unicode"],
                         False, local_rewrite, lambda name: os.remove(os.path.join(root, name)),
                         lambda: LocalStore(os.path.join(root, "a"))),
        "s3": Fixture("s3", lambda: S3Store(**s3_settings()), [MARKER], True,
                      lambda name, data: s3.put_object(Bucket=bucket, Key=name, Body=data),
                      lambda name: s3.delete_object(Bucket=bucket, Key=name),
                      lambda: S3Store(**s3_settings(prefix="a"))),
        "hdfs": Fixture("hdfs", hdfs_store,
                        ["a", "a/b", "a/b/c", "dir with space", "many", "markers", MARKER, "odd", "unicode"],
                        False, hdfs_rewrite, lambda name: web.ok("DELETE", f"{HDFS_ROOT}/{name}", "DELETE"),
                        lambda: hdfs_store(path=HDFS_ROOT + "/a")),
        "gcs": Fixture("gcs", lambda: GcsStore(**gcs_settings()), [MARKER], True,
                       lambda name, data: gcs_bucket.blob(name).upload_from_string(data),
                       lambda name: gcs_bucket.blob(name).delete(),
                       lambda: GcsStore(**gcs_settings(prefix="a"))),
        "adls": Fixture("adls", lambda: AdlsStore(**adls_settings()),
                        ["a", "a/b", "a/b/c", "dir with space", "many", "markers", MARKER, "odd", "unicode"], True,
                        lambda name, data: adls_upload(adls, name, data),
                        lambda name: adls.get_file_client(name).delete_file(),
                        lambda: AdlsStore(**adls_settings(root="a"))),
        "adls-client": adls,
        "local-root": root,
    }


STORES = ["local", "s3", "hdfs", "gcs", "adls"]
# S3 and GCS list a name prefix; local and HDFS a directory.
NAME_PREFIX = ("s3", "gcs")


def everything(store, **kw):
    return [e for page in store.list_pages(**kw) for e in page]


def files_of(entries):
    return [e.name for e in entries if not e.is_dir]


def utf8_sorted(names):
    return sorted(names, key=lambda n: n.encode("utf-8"))


def read_all(chunks):
    return b"".join(chunks)


@pytest.mark.parametrize("cls", [LocalStore, S3Store, HdfsStore, GcsStore, AdlsStore])
def test_follows_the_contract_of_store_py(cls):
    for method in ("list_pages", "list_children", "stat", "read_range"):
        want = inspect.signature(getattr(SourceStore, method))
        got = inspect.signature(getattr(cls, method))
        assert list(got.parameters) == list(want.parameters), method
        assert [p.default for p in got.parameters.values()] == [p.default for p in want.parameters.values()], method


@pytest.mark.parametrize("which", STORES)
def test_lists_every_file_once_with_its_exact_size(fixtures, which):
    entries = everything(fixtures[which].make())
    got = sorted(((e.name, e.size) for e in entries if not e.is_dir), key=lambda p: p[0].encode())
    assert got == sorted(((n, len(d)) for n, d in CURRENT.items()), key=lambda p: p[0].encode())
    assert NFC in files_of(entries) and NFD in files_of(entries)
    for e in entries:
        assert not e.name.startswith("/") and not e.name.endswith("/")
        assert e.modified.endswith("Z") and len(e.modified) == 24
        assert e.is_dir or e.version


@pytest.mark.parametrize("which", STORES)
def test_lists_directory_markers_as_directories(fixtures, which):
    entries = everything(fixtures[which].make())
    assert utf8_sorted(e.name for e in entries if e.is_dir) == utf8_sorted(fixtures[which].directories)
    assert all(e.size == 0 for e in entries if e.is_dir)


@pytest.mark.parametrize("which", STORES)
def test_lists_in_the_documented_order(fixtures, which):
    """HDFS: its own signed-byte walk; the others: code point order."""
    entries = everything(fixtures[which].make())
    key = hdfs_walk_key if which == "hdfs" else (lambda e: walk_key(e.name, e.is_dir))
    assert [e.name for e in entries] == [e.name for e in sorted(entries, key=key)]
    names = [e.name for e in entries]
    first, second = (NFC, NFD) if which == "hdfs" else (NFD, NFC)
    assert names.index(first) < names.index(second)


@pytest.mark.parametrize("which", STORES)
def test_pages_with_page_size_1(fixtures, which):
    pages = list(fixtures[which].make().list_pages(page_size=1))
    assert all(len(p) == 1 for p in pages)
    assert [e.name for p in pages for e in p] == [e.name for e in everything(fixtures[which].make())]


@pytest.mark.parametrize("which", STORES)
def test_restricts_the_listing_to_a_prefix(fixtures, which):
    store = fixtures[which].make()
    prefix = "odd/100%+plus#hash?" if which in NAME_PREFIX else "odd"
    assert files_of(everything(store, prefix=prefix)) == ["odd/100%+plus#hash?.dat"]
    assert files_of(everything(store, prefix="dir with space")) == ["dir with space/file name.csv"]


@pytest.mark.parametrize("which", STORES)
def test_a_store_rooted_below_the_top(fixtures, which):
    sub = fixtures[which].sub()
    assert files_of(everything(sub)) == ["b/c/deep.parquet", "sibling.txt"]
    assert sub.stat("sibling.txt").size == 7


@pytest.mark.parametrize("which", STORES)
def test_lists_the_children_of_a_directory(fixtures, which):
    store = fixtures[which].make()
    pages = list(store.list_children("", page_size=1))
    assert all(len(p) == 1 for p in pages)
    top = [e for p in pages for e in p]
    assert utf8_sorted(e.name for e in top if e.is_dir) == ["a", "dir with space", "many", "markers", "odd", "unicode"]
    assert utf8_sorted(files_of(top)) == utf8_sorted(n for n in CURRENT if "/" not in n)
    a = sorted(((e.name, e.is_dir, e.size) for p in store.list_children("a") for e in p), key=lambda t: t[0])
    assert a == [("a/b", True, 0), ("a/sibling.txt", False, 7)]
    assert [e for p in store.list_children(MARKER) for e in p] == []
    uni = files_of(e for p in store.list_children("unicode") for e in p)
    assert utf8_sorted(uni) == [NFD, NFC, "unicode/ñandú-日本-😀.json"]


@pytest.mark.parametrize("which", STORES)
def test_stats_a_file(fixtures, which):
    store = fixtures[which].make()
    e = store.stat("odd/100%+plus#hash?.dat")
    assert not isinstance(e, NotFound)
    assert (e.name, e.size, e.is_dir) == ("odd/100%+plus#hash?.dat", 8, False)
    assert e.version
    md5 = base64.b64encode(hashlib.md5(FILES["odd/100%+plus#hash?.dat"]).digest()).decode()
    assert e.md5 == (md5 if fixtures[which].md5 else None)
    listed = [x for x in everything(store, prefix="odd/" if which in NAME_PREFIX else "odd") if not x.is_dir]
    assert [x.version for x in listed] == [e.version]
    assert listed[0].modified[:19] == e.modified[:19]


@pytest.mark.parametrize("which", STORES)
def test_a_missing_name_is_not_found(fixtures, which):
    assert fixtures[which].make().stat("no/such file.txt") == NotFound("no/such file.txt")


@pytest.mark.parametrize("which", STORES)
def test_reads_byte_ranges_on_the_listed_version(fixtures, which):
    store = fixtures[which].make()
    data = FILES["a/b/c/deep.parquet"]
    version = store.stat("a/b/c/deep.parquet").version
    assert read_all(store.read_range("a/b/c/deep.parquet", 1000, 5000, version)) == data[1000:6000]
    chunks = list(store.read_range("a/b/c/deep.parquet", 0, len(data), version, chunk_size=4096))
    assert b"".join(chunks) == data and len(chunks) >= 17 and all(len(c) <= 4096 for c in chunks)
    assert read_all(store.read_range("a/b/c/deep.parquet", 69_990, 100, version)) == data[69_990:]
    odd = store.stat("unicode/ñandú-日本-😀.json")
    assert read_all(store.read_range("unicode/ñandú-日本-😀.json", 2, 3, odd.version)) == b'k":'
    empty = store.stat("empty.bin")
    assert empty.size == 0
    assert read_all(store.read_range("empty.bin", 0, 10, empty.version)) == b""


@pytest.mark.parametrize("which", STORES)
def test_reads_nfc_and_nfd_twins_apart(fixtures, which):
    store = fixtures[which].make()
    for name in (NFC, NFD):
        e = store.stat(name)
        assert e.size == len(FILES[name])
        assert read_all(store.read_range(name, 0, 100, e.version)) == FILES[name]
        assert read_all(store.read_range(name, 3, 4, e.version)) == FILES[name][3:7]


@pytest.mark.parametrize("which", STORES)
def test_refuses_a_file_that_changed_or_went_away(fixtures, which):
    fx = fixtures[which]
    store = fx.make()
    old = store.stat("mutable.txt")
    fx.rewrite("mutable.txt", b"version two")
    now = store.stat("mutable.txt")
    assert now.size == old.size and now.version != old.version
    with pytest.raises(StoreVersionChangedError) as info:
        read_all(store.read_range("mutable.txt", 0, 11, old.version))
    assert f'"mutable.txt" changed since it was listed (version {old.version}, now {now.version}); plan it again' \
        in str(info.value)
    assert info.value.found == now.version
    assert read_all(store.read_range("mutable.txt", 8, 3, now.version)) == b"two"

    doomed = store.stat("doomed.txt")
    fx.remove("doomed.txt")
    with pytest.raises(StoreVersionChangedError, match=r"now gone\); plan it again"):
        read_all(store.read_range("doomed.txt", 0, 4, doomed.version))


@pytest.mark.parametrize("which", ["local", "hdfs"])
def test_fails_a_read_whose_file_changed_while_it_was_read(fixtures, which):
    """Stores that can only tell after the read: the error comes after the bytes, which the caller drops."""
    fx = fixtures[which]
    store = fx.make()
    chunks = store.read_range("during.txt", 0, 13, store.stat("during.txt").version)
    assert next(chunks) == b"first version"
    fx.rewrite("during.txt", b"later version")
    with pytest.raises(StoreVersionChangedError, match=r'"during\.txt" changed since it was listed'):
        list(chunks)


# The cases above changed mutable.txt and deleted doomed.txt: the listing cases compare with CURRENT.
def test_the_stores_hold_what_the_cases_left(fixtures):
    CURRENT["mutable.txt"] = b"version two"
    CURRENT["during.txt"] = b"later version"
    CURRENT.pop("doomed.txt", None)
    assert files_of(everything(fixtures["s3"].make())) == utf8_sorted(CURRENT)
    assert files_of(everything(fixtures["gcs"].make())) == utf8_sorted(CURRENT)
    assert files_of(everything(fixtures["adls"].make())) == utf8_sorted(CURRENT)


def test_local_leaves_out_symbolic_links_and_special_files(fixtures):
    names = [e.name for e in everything(fixtures["local"].make())]
    for link, _ in LINKS:
        assert link not in names
    assert "a-fifo" not in names
    assert not any(n.startswith("dir-link/") or n.startswith("a/b/loop/") for n in names)
    top = [e.name for p in fixtures["local"].make().list_children("") for e in p]
    assert not {"file-link", "dir-link", "a-fifo"} & set(top)


def test_local_names_a_missing_directory_and_does_not_create_it(fixtures):
    missing = os.path.join(fixtures["local-root"], "no-such-dir")
    with pytest.raises(StoreNotFoundError, match=r"no-such-dir: not found; check source\.path"):
        everything(LocalStore(missing))
    assert not os.path.exists(missing)
    with pytest.raises(StoreNotFoundError, match=r'"no/such/dir": not found; check source\.path'):
        everything(fixtures["local"].make(), prefix="no/such/dir")


def test_s3_names_a_missing_bucket(fixtures):
    with pytest.raises(StoreNotFoundError, match=r"s3://no-such-bucket/.*not found \(NoSuchBucket\); check source\.bucket"):
        everything(S3Store(**s3_settings(bucket="no-such-bucket")))


@pytest.mark.parametrize("overrides, status, code", [
    ({"secret_access_key": "wrong" + "A" * 35}, 403, "SignatureDoesNotMatch"),
    ({"access_key_id": "AKIAIOSFODNN7EXAMPLE"}, 403, "InvalidAccessKeyId"),
    ({"access_key_id": "session", "session_token": "not-the-token"}, 400, "InvalidToken"),
])
def test_s3_says_the_credentials_were_refused(fixtures, overrides, status, code):
    if overrides.get("access_key_id") == "session":
        overrides = dict(overrides, access_key_id=ENV["LAKE2OCI_S3_SESSION_ACCESS_KEY_ID"],
                         secret_access_key=ENV["LAKE2OCI_S3_SESSION_SECRET_ACCESS_KEY"])
    with pytest.raises(StoreAuthError, match=rf"credentials refused \({status} {code}\); check source\.auth"):
        everything(S3Store(**s3_settings(**overrides)))


def test_s3_gives_no_md5_for_a_multipart_object(fixtures):
    s3 = boto3.client("s3", endpoint_url=ENV["LAKE2OCI_S3_ENDPOINT"], region_name=ENV["LAKE2OCI_S3_REGION"],
                      aws_access_key_id=ENV["LAKE2OCI_S3_ACCESS_KEY_ID"],
                      aws_secret_access_key=ENV["LAKE2OCI_S3_SECRET_ACCESS_KEY"],
                      config=Config(s3={"addressing_style": "path"}))
    bucket, key = ENV["LAKE2OCI_S3_BUCKET"], "multipart/two-parts.bin"
    data = b"\x01" * (5 * 1024 * 1024) + b"tail"
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    parts = []
    for n, body in ((1, data[:5 * 1024 * 1024]), (2, data[5 * 1024 * 1024:])):
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=n, Body=body)["ETag"]
        parts.append({"ETag": etag, "PartNumber": n})
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": parts})
    try:
        listed = everything(fixtures["s3"].make(), prefix="multipart/")
        assert len(listed) == 1 and listed[0].size == len(data)
        assert re.match(r'^"[0-9a-f]{32}-2"$', listed[0].version) and listed[0].md5 is None
        got = read_all(fixtures["s3"].make().read_range(key, len(data) - 6, 6, listed[0].version))
        assert got == data[-6:]
    finally:
        s3.delete_object(Bucket=bucket, Key=key)


def test_s3_lists_with_temporary_keys_and_their_session_token(fixtures):
    store = S3Store(**s3_settings(access_key_id=ENV["LAKE2OCI_S3_SESSION_ACCESS_KEY_ID"],
                                  secret_access_key=ENV["LAKE2OCI_S3_SESSION_SECRET_ACCESS_KEY"],
                                  session_token=ENV["LAKE2OCI_S3_SESSION_TOKEN"]))
    assert "top.parquet" in files_of(everything(store))


def test_s3_says_the_endpoint_cannot_be_reached(fixtures):
    with pytest.raises(StoreUnreachableError, match=r"cannot connect \(ECONNREFUSED\); check source\.endpoint"):
        everything(S3Store(**s3_settings(endpoint="http://127.0.0.1:9")))


def test_hdfs_names_a_missing_path(fixtures):
    missing = ENV["LAKE2OCI_HDFS_HOME"] + "/no-such-dir"
    with pytest.raises(StoreNotFoundError, match=r"/user/lake/no-such-dir: not found; check source\.path$"):
        everything(hdfs_store(path=missing))
    with pytest.raises(StoreNotFoundError, match=r'"no/such/dir": not found; check source\.path$'):
        everything(fixtures["hdfs"].make(), prefix="no/such/dir")


def test_hdfs_says_another_user_was_refused(fixtures):
    # A process acts as one HDFS user (hdfs_native reads HADOOP_USER_NAME): mallory gets a process of her own.
    script = "\n".join([
        "import os, sys",
        f"sys.path.insert(0, {os.path.join(REPO, 'src')!r})",
        "from stores.hdfs.hdfs_store import HdfsStore",
        "from stores.store import StoreAuthError",
        "try:",
        "    [p for p in HdfsStore(os.environ['LAKE2OCI_HDFS_RPC'], os.environ['LAKE2OCI_HDFS_HOME'] + '/private',"
        " user='mallory').list_pages()]",
        "except StoreAuthError as e:",
        "    print('StoreAuthError', e)",
    ])
    # A process of her own: without the user this one acts as (hdfs_store keeps it in the environment).
    env = {k: v for k, v in ENV.items() if k not in ("LAKE2OCI_HDFS_PROCESS_USER", "HADOOP_USER_NAME")}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         env=dict(env, RUST_BACKTRACE="0"))
    assert re.search(r'^StoreAuthError HDFS hdfs://127\.0\.0\.1:\d+/user/lake/private: permission refused to user '
                     r'mallory \(Permission denied: user=mallory, access=READ_EXECUTE, '
                     r'inode="/user/lake/private":lake:lake:drwx------\); check source\.user', out.stdout), \
        out.stdout + out.stderr[-2000:]


def test_hdfs_acts_as_one_user_per_process(fixtures):
    everything(fixtures["hdfs"].make())
    with pytest.raises(StoreError, match=r"this process already acts as user lake, not mallory"):
        everything(hdfs_store(user="mallory"))


def test_hdfs_says_the_name_node_cannot_be_reached(fixtures):
    with pytest.raises(StoreUnreachableError, match=r"cannot connect \(ECONNREFUSED\); check source\.nameNode"):
        everything(hdfs_store(name_node="hdfs://127.0.0.1:9"))


def test_gcs_names_a_missing_bucket(fixtures):
    with pytest.raises(StoreNotFoundError,
                       match=r"^GCS gs://no-such-bucket/ \(http://127\.0\.0\.1:\d+\): not found \(404 notFound\); "
                             r"check source\.bucket$"):
        everything(GcsStore(**gcs_settings(bucket="no-such-bucket")))


def test_gcs_says_the_key_was_refused_with_no_secret_in_the_message(fixtures):
    wrong = gcs_key("LAKE2OCI_GCS_WRONG_KEY_FILE")
    with pytest.raises(StoreAuthError, match=r"token endpoint http://127\.0\.0\.1:\d+/token: credentials refused "
                                             r"\(400 invalid_grant: Invalid JWT Signature\.\); check source\.auth\.key$") as info:
        everything(GcsStore(**gcs_settings(service_account_key=wrong)))
    assert json_private_key_line(wrong) not in str(info.value)


def json_private_key_line(key_text):
    import json
    return json.loads(key_text)["private_key"].split("\n")[1]


def test_gcs_refuses_a_key_that_is_no_service_account_key(fixtures):
    with pytest.raises(StoreAuthError, match=r"source\.auth\.key is not a service-account key"):
        GcsStore(**gcs_settings(service_account_key='{"type": "authorized_user"}'))


def test_gcs_renews_its_token_before_it_ends_and_when_it_is_refused(fixtures):
    store = fixtures["gcs"].make()
    version = store.stat("top.parquet").version
    first = store._token
    # Within 5 minutes of its end: a new token, and a new Operator that carries it.
    store._token_expires = time.time() + 60
    assert store.stat("top.parquet").version == version
    assert store._token != first
    # A token the service refuses (revoked, or ended early): renewed once, for a listing, a stat and a read.
    for call in (lambda: everything(store, prefix="top"), lambda: store.stat("top.parquet"),
                 lambda: read_all(store.read_range("top.parquet", 0, 4, version))):
        store._token, store._operator = "ya29.refused", None
        assert call()
        assert store._token != "ya29.refused"


def test_gcs_versions_are_generations_and_an_older_one_is_refused(fixtures):
    store = fixtures["gcs"].make()
    e = store.stat("top.parquet")
    assert re.match(r"^\d+$", e.version)
    with pytest.raises(StoreVersionChangedError) as info:
        read_all(store.read_range("top.parquet", 0, 4, "1"))
    assert info.value.found == e.version


def test_gcs_says_the_endpoint_cannot_be_reached(fixtures):
    with pytest.raises(StoreUnreachableError, match=r"cannot connect \(ECONNREFUSED\); check source\.endpoint"):
        everything(GcsStore(**gcs_settings(endpoint="http://127.0.0.1:9")))


def test_gcs_reads_between_two_stats_without_a_token_of_its_own(fixtures):
    """Environment auth (OpenDAL's own chain, which the local cloud cannot serve): the read is OpenDAL's, ranged,
    checked by a stat before and after. Run here on an Operator built with the key's token, the store then told it
    has no key."""
    store = fixtures["gcs"].make()
    e = store.stat("a/b/c/deep.parquet")
    op = store._op()
    store._key, store._op = None, lambda: op
    data = FILES["a/b/c/deep.parquet"]
    assert read_all(store.read_range("a/b/c/deep.parquet", 1000, 5000, e.version, chunk_size=4096)) == data[1000:6000]
    assert read_all(store.read_range("a/b/c/deep.parquet", 69_990, 100, e.version)) == data[69_990:]
    with pytest.raises(StoreVersionChangedError, match=r"\(version 1, now \d+\); plan it again"):
        read_all(store.read_range("a/b/c/deep.parquet", 0, 10, "1"))


def test_gcs_store_pickles_without_its_lock_token_or_connections(fixtures):
    import pickle
    store = fixtures["gcs"].make()
    version = store.stat("top.parquet").version
    copy = pickle.loads(pickle.dumps(store))
    assert copy._token is None and copy._operator is None
    assert copy.stat("top.parquet").version == version
    assert read_all(copy.read_range("top.parquet", 0, 4, version)) == b"PAR1"


def test_adls_versions_are_the_listed_etags_without_quotes(fixtures):
    """As the job's listing (get_paths) and adls-lister.ts record them, so a plan's versions are read on as they are."""
    store = fixtures["adls"].make()
    listed = {e.name: e.version for e in everything(store) if not e.is_dir}
    sdk = {p.name: p.etag for p in fixtures["adls-client"].get_paths(recursive=True) if not p.is_directory}
    assert listed == sdk
    assert all(re.match(r"^0x[0-9A-F]+$", v) for v in listed.values())
    assert store.stat("top.parquet").version == listed["top.parquet"]
    # A quoted one (as get_file_properties gives it) is read on too.
    assert read_all(store.read_range("top.parquet", 0, 4, f'"{listed["top.parquet"]}"')) == b"PAR1"


def test_adls_gives_no_md5_for_a_file_written_without_one(fixtures):
    adls_upload(fixtures["adls-client"], "no-md5/plain.txt", b"no md5 here", md5=False)
    try:
        store = fixtures["adls"].make()
        e = store.stat("no-md5/plain.txt")
        assert (e.size, e.md5) == (11, None)
        assert all(x.md5 is None for x in everything(store))  # the listing never has one
    finally:
        fixtures["adls-client"].get_file_client("no-md5/plain.txt").delete_file()
        fixtures["adls-client"].get_directory_client("no-md5").delete_directory()


def test_adls_refuses_an_older_version(fixtures):
    store = fixtures["adls"].make()
    e = store.stat("top.parquet")
    with pytest.raises(StoreVersionChangedError) as info:
        read_all(store.read_range("top.parquet", 0, 4, "0x8DC0000000000AB"))
    assert info.value.found == e.version
    assert "(version 0x8DC0000000000AB, now " in str(info.value)


def test_adls_names_a_missing_file_system(fixtures):
    with pytest.raises(StoreNotFoundError, match=r"^ADLS abfss://no-such-fs@devstoreaccount1/ \(http://127\.0\.0\.1:\d+/"
                                                 r"devstoreaccount1\): not found \(ContainerNotFound\); check "
                                                 r"source\.fileSystem"):
        everything(AdlsStore(**adls_settings(file_system="no-such-fs")))
    with pytest.raises(StoreNotFoundError, match=r"check source\.fileSystem"):
        AdlsStore(**adls_settings(file_system="no-such-fs")).stat("top.parquet")


def test_adls_names_a_missing_path(fixtures):
    with pytest.raises(StoreNotFoundError, match=r'"no/such/dir": not found \(\w+\); check source\.path$'):
        everything(fixtures["adls"].make(), prefix="no/such/dir")
    with pytest.raises(StoreNotFoundError, match=r'"top.parquet": not a directory; check source\.path$'):
        everything(fixtures["adls"].make(), prefix="top.parquet")
    with pytest.raises(StoreNotFoundError, match=r'"no-such-dir": not found \(\w+\); check source\.path$'):
        everything(AdlsStore(**adls_settings(root="no-such-dir")))


def test_adls_says_the_key_was_refused(fixtures):
    wrong = base64.b64encode(b"wrong key" * 7).decode()
    with pytest.raises(StoreAuthError, match=r"credentials refused \(403 \w+\); check the account name and "
                                             r"source\.auth\.accountKey$") as info:
        everything(AdlsStore(**adls_settings(auth={"kind": "key", "account_key": wrong})))
    assert wrong not in str(info.value)
    with pytest.raises(StoreAuthError, match=r"credentials refused"):
        AdlsStore(**adls_settings(auth={"kind": "key", "account_key": wrong})).stat("top.parquet")


def test_adls_says_the_endpoint_cannot_be_reached(fixtures):
    with pytest.raises(StoreUnreachableError, match=r"cannot connect \(ECONNREFUSED\); check source\.endpoint"):
        everything(AdlsStore(**adls_settings(endpoint="http://127.0.0.1:9/devstoreaccount1")))


@pytest.mark.parametrize("auth, message", [
    ({"kind": "key"}, "kind 'key' needs account_key"),
    ({"kind": "sas", "sas_token": "?"}, "kind 'sas' needs sas_token"),
    ({"kind": "oauth", "tenant_id": "t", "client_id": "c"}, "kind 'oauth' needs client_secret"),
    ({"kind": "msi"}, "source.auth.kind must be 'key', 'oauth' or 'sas', got 'msi'"),
])
def test_adls_names_a_missing_auth_field(auth, message):
    with pytest.raises(StoreAuthError, match=re.escape(message)):
        AdlsStore("acct", "fs", None, auth)


def adls_sas(fixtures, **permissions):
    import datetime

    from azure.storage.filedatalake import FileSystemSasPermissions, generate_file_system_sas

    return generate_file_system_sas(ENV["LAKE2OCI_ADLS_ACCOUNT"], ADLS_FS, ENV["LAKE2OCI_ADLS_KEY"],
                                    permission=FileSystemSasPermissions(**permissions),
                                    expiry=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))


def adls_reads_on_its_version(store):
    names = files_of(everything(store, prefix="a"))
    assert names == ["a/b/c/deep.parquet", "a/sibling.txt"]
    e = store.stat("a/sibling.txt")
    assert read_all(store.read_range("a/sibling.txt", 1, 3, e.version)) == b"ibl"
    with pytest.raises(StoreVersionChangedError):
        read_all(store.read_range("a/sibling.txt", 0, 3, "0x8DC0000000000AB"))


@pytest.mark.parametrize("leading", ["", "?"])
def test_adls_reads_with_a_sas_token(fixtures, leading):
    token = leading + adls_sas(fixtures, read=True, list=True)
    adls_reads_on_its_version(AdlsStore(**adls_settings(auth={"kind": "sas", "sas_token": token})))


def test_adls_says_a_sas_token_was_refused(fixtures):
    token = adls_sas(fixtures, read=True, list=True).replace("sig=", "sig=AAAA")
    with pytest.raises(StoreAuthError, match=r"credentials refused \(403 \w+\); check source\.auth\.sasToken"):
        everything(AdlsStore(**adls_settings(auth={"kind": "sas", "sas_token": token})))


def test_adls_reads_with_oauth_against_the_local_entra_endpoint(fixtures):
    """A client secret against the authority host, over TLS (the CA in SSL_CERT_FILE, which the runner sets)."""
    store = AdlsStore(**adls_settings(endpoint=ENV["LAKE2OCI_ADLS_OAUTH_URL"], auth=adls_oauth()))
    adls_reads_on_its_version(store)


def test_adls_says_the_client_secret_was_refused(fixtures):
    secret = "wrong-Secret-value-0123456789"
    store = AdlsStore(**adls_settings(endpoint=ENV["LAKE2OCI_ADLS_OAUTH_URL"], auth=adls_oauth(client_secret=secret)))
    with pytest.raises(StoreAuthError, match=r"credentials refused \(no OAuth token: token endpoint https://127\.0\.0\.1:"
                                             r"\d+/[-0-9a-f]+/oauth2/v2\.0/token: 401 invalid_client: AADSTS7000215: .*\); "
                                             r"check source\.auth tenantId, clientId, clientSecret and authorityHost") as info:
        everything(store)
    assert secret not in str(info.value)


def test_adls_says_the_token_endpoint_cannot_be_reached(fixtures):
    store = AdlsStore(**adls_settings(endpoint=ENV["LAKE2OCI_ADLS_OAUTH_URL"],
                                      auth=adls_oauth(authority="https://127.0.0.1:9")))
    with pytest.raises(StoreUnreachableError, match=r"no OAuth token: token endpoint https://127\.0\.0\.1:9/.*cannot "
                                                   r"connect \(ECONNREFUSED\); check source\.auth\.authorityHost"):
        everything(store)


def adls_in_a_fresh_process(env_changes):
    """One OAuth listing in a process of its own (OpenDAL reads SSL_CERT_FILE once per process): its one line."""
    script = "\n".join([
        "import json, os, sys",
        f"sys.path.insert(0, {os.path.join(REPO, 'src')!r})",
        "from stores.adls.adls_store import AdlsStore",
        "from stores.store import StoreError",
        "args = json.loads(os.environ['ADLS_ARGS'])",
        "try:",
        "    print('listed', sum(len(p) for p in AdlsStore(**args).list_pages(prefix='a')))",
        "except StoreError as e:",
        "    print(type(e).__name__, e)",
    ])
    import json
    args = adls_settings(endpoint=ENV["LAKE2OCI_ADLS_OAUTH_URL"], auth=adls_oauth())
    env = {k: v for k, v in ENV.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
                                                       "CURL_CA_BUNDLE")}
    env.update(env_changes, ADLS_ARGS=json.dumps(args), RUST_BACKTRACE="0")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


def test_adls_trusts_the_ca_bundle_the_job_gives_the_azure_sdk(fixtures):
    """REQUESTS_CA_BUNDLE (what the job's Azure SDK clients trust) becomes OpenDAL's SSL_CERT_FILE."""
    assert adls_in_a_fresh_process({"REQUESTS_CA_BUNDLE": ENV["SSL_CERT_FILE"]}) == "listed 4"


def test_adls_trusts_the_jobs_ca_bundle_over_the_systems_ssl_cert_file(fixtures, tmp_path):
    """Many systems set SSL_CERT_FILE (and SSL_CERT_DIR) to their own CAs for every process: the job's bundle wins."""
    system = tmp_path / "system-bundle.pem"
    system.write_text("")  # a system bundle without the local cloud's CA
    line = adls_in_a_fresh_process({"REQUESTS_CA_BUNDLE": ENV["SSL_CERT_FILE"], "SSL_CERT_FILE": str(system),
                                    "SSL_CERT_DIR": str(tmp_path)})
    assert line == "listed 4"


def test_adls_says_the_token_endpoint_is_not_trusted(fixtures):
    line = adls_in_a_fresh_process({})
    assert re.match(r"^StoreUnreachableError .*: no OAuth token: token endpoint https://127\.0\.0\.1:\d+/.*: TLS "
                    r"certificate not trusted .*; check source\.auth\.authorityHost \(and that its certificate is "
                    r"trusted: SSL_CERT_FILE\)$", line), line


def test_adls_store_pickles_without_its_operator(fixtures):
    import pickle
    store = fixtures["adls"].make()
    version = store.stat("top.parquet").version
    copy = pickle.loads(pickle.dumps(store))
    assert copy._operator is None
    assert copy.stat("top.parquet").version == version
    assert read_all(copy.read_range("top.parquet", 0, 4, version)) == b"PAR1"


def test_adls_a_stalled_service_is_transient(monkeypatch):
    """A connection that never answers: each request is given up after the timeout, worth retrying."""
    import socket
    import threading

    import stores.adls.adls_store as adls_module

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []
    threading.Thread(target=lambda: [held.append(server.accept()) for _ in range(8)], daemon=True).start()
    monkeypatch.setattr(adls_module, "ADLS_TIMEOUT_S", 0.5)
    store = AdlsStore("acct", "fs", f"http://127.0.0.1:{server.getsockname()[1]}/acct",
                      {"kind": "key", "account_key": "eA=="})
    try:
        for call in (lambda: store.stat("x"), lambda: everything(store),
                     lambda: read_all(store.read_range("x", 0, 10, "0x1"))):
            with pytest.raises(StoreTransientError, match=r"no answer in time .*timeout reached\); try again later$"):
                call()
    finally:
        server.close()


@pytest.mark.parametrize("offset, length, chunk", [
    (60_000, 20_000, 4096),   # streamed, across the end: the bytes up to it, none twice
    (69_990, 100, 1 << 20),   # one request, across the end
    (70_000, 5, 4096),        # from the end
    (80_000, 10, 4096),       # past it
    (65_536, 4464, 4096),     # streamed, to the end exactly
])
def test_adls_cuts_a_range_at_the_end_of_the_file(fixtures, offset, length, chunk):
    store = fixtures["adls"].make()
    data = FILES["a/b/c/deep.parquet"]
    version = store.stat("a/b/c/deep.parquet").version
    chunks = list(store.read_range("a/b/c/deep.parquet", offset, length, version, chunk_size=chunk))
    assert b"".join(chunks) == data[offset:offset + length]
    assert all(0 < len(c) <= chunk for c in chunks)
