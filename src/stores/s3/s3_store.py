"""S3 and S3-compatible stores (MinIO, Ceph, Wasabi, appliances), the job's half: OpenDAL's s3 service (PyPI
opendal). The same contract and behaviour as s3-lister.ts (src/stores/store.py says the contract).

Order: S3's, the UTF-8 byte order of the keys (= code point order). A `dir/` object (the directory marker consoles and
Hadoop's S3A write) is listed as the directory `dir`.
Version: the ETag as S3 sends it, quotes included; reads send it back as If-Match, so S3 itself refuses another
version (412). MD5: the ETag's hex, as base64, only when the ETag is 32 hex digits; a multipart upload's ETag is
"<hex>-<parts>" and no MD5 of the content (README.md).
"""

import base64
import re
from typing import Iterator, List, Optional

import opendal
import opendal.types

from ..opendal_errors import FAILURES, opendal_kind
from ..store import (
    Entry,
    NotFound,
    StatResult,
    StoreAuthError,
    StoreError,
    StoreNotFoundError,
    StoreTransientError,
    StoreUnreachableError,
    store_first_line,
    iso_millis,
    version_changed,
)

MAX_PAGE = 1000
AUTH_CODES = {"SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidToken", "ExpiredToken", "AccessDenied",
              "TokenRefreshRequired", "AllAccessDisabled"}
_S3_CODE = re.compile(r'code: "(\w+)"')
_STATUS = re.compile(r"status: (\d{3})")
_HEX_MD5 = re.compile(r"^[0-9a-fA-F]{32}$")



def network_code(text: str) -> str:
    """The Node-style code (as s3-lister.ts reports it) of the connection failure OpenDAL describes in text."""
    for needle, code in (("Connection refused", "ECONNREFUSED"), ("dns error", "ENOTFOUND"),
                         ("timed out", "ETIMEDOUT"), ("Connection reset", "ECONNRESET"),
                         ("No route to host", "EHOSTUNREACH"), ("Network is unreachable", "ENETUNREACH")):
        if needle in text:
            return code
    return store_first_line(text.split("Source:")[-1].strip(), 120)


def md5_from_etag(etag: Optional[str]) -> Optional[str]:
    """The base64 MD5 an ETag stands for, or None (a multipart ETag "<hex>-<parts>" stands for none)."""
    hexdigest = (etag or "").replace("W/", "", 1).replace('"', "")
    return base64.b64encode(bytes.fromhex(hexdigest)).decode("ascii") if _HEX_MD5.match(hexdigest) else None


class S3Store:
    def __init__(self, bucket: str, region: str, prefix: str = "", access_key_id: Optional[str] = None,
                 secret_access_key: Optional[str] = None, session_token: Optional[str] = None,
                 endpoint: Optional[str] = None, path_style: bool = False):
        """prefix: the part of the bucket that is the store, a "directory" ("data/2024" = the keys under
        "data/2024/"); names are relative to it. endpoint and path_style for S3-compatible stores. Without keys,
        OpenDAL's own chain (AWS_* environment, profile files, instance metadata)."""
        root = prefix.strip("/")
        self.description = f"S3 s3://{bucket}/{root + '/' if root else ''} ({endpoint or region})"
        options = {"bucket": bucket, "region": region, "root": "/" + root + ("/" if root else "")}
        if endpoint:
            options["endpoint"] = endpoint
        options["enable_virtual_host_style"] = "false" if path_style else "true"
        if access_key_id:
            # Explicit keys only: not mixed with whatever the environment or ~/.aws holds.
            options.update(access_key_id=access_key_id, secret_access_key=secret_access_key or "",
                           disable_config_load="true", disable_ec2_metadata="true")
            if session_token:
                options["session_token"] = session_token
        self._op = opendal.Operator("s3", **options)

    def _classify(self, err: BaseException, name: str = "") -> StoreError:
        if isinstance(err, StoreError):
            return err
        text = str(err)
        code_match = _S3_CODE.search(text)
        code = code_match.group(1) if code_match else ""
        status_match = _STATUS.search(text)
        status = status_match.group(1) if status_match else ""
        where = self.description if name == "" else f'{self.description}: "{name}"'
        if "error sending request" in text or "tcp connect error" in text or "dns error" in text:
            why = network_code(text)
            return StoreUnreachableError(
                f"{where}: cannot connect ({why}); check source.endpoint and that the service is reachable")
        if code in AUTH_CODES or status in ("401", "403"):
            return StoreAuthError(
                f"{where}: credentials refused ({status} {code}); check source.auth (access key, secret, session "
                "token) and the key's rights on the bucket")
        if code == "NoSuchBucket":
            return StoreNotFoundError(f"{where}: not found (NoSuchBucket); check source.bucket and source.region")
        if opendal_kind(err) == "RateLimited" or status in ("429", "500", "502", "503", "504"):
            return StoreTransientError(f"{where}: service busy or failing ({status} {code}); try again later")
        return StoreError(f"{where}: {status} {code} {store_first_line(text)}".replace("  ", " "))

    def _entry(self, path: str, meta: "opendal.types.Metadata") -> Entry:
        modified = iso_millis(meta.last_modified)
        if path.endswith("/"):
            return Entry(path[:-1], 0, modified, is_dir=True)
        return Entry(path, meta.content_length, modified, version=meta.etag, md5=md5_from_etag(meta.etag),
                     etag=meta.etag)

    def _pages(self, path: str, recursive: bool, page_size: Optional[int], skip: str) -> Iterator[List[Entry]]:
        size = min(max(1, page_size or MAX_PAGE), MAX_PAGE)
        page: List[Entry] = []
        try:
            for e in self._op.list(path, recursive=recursive, limit=size):
                if e.path in ("", "/", skip):
                    continue
                page.append(self._entry(e.path, e.metadata))
                if len(page) == size:
                    yield page
                    page = []
        except FAILURES as err:
            raise self._classify(err) from err
        if page:
            yield page

    def list_pages(self, prefix: str = "", page_size: Optional[int] = None) -> Iterator[List[Entry]]:
        """Every object whose name starts with prefix (a name prefix, as S3 has it), `dir/` markers as directories."""
        return self._pages(prefix.lstrip("/"), True, page_size, "")

    def list_children(self, prefix: str = "", page_size: Optional[int] = None) -> Iterator[List[Entry]]:
        """Common prefixes (as directories) and objects under the directory prefix; each page of OpenDAL's gives a
        page's prefixes before its objects, so children come in no promised order."""
        directory = prefix.strip("/")
        path = directory + "/" if directory else ""
        return self._pages(path, False, page_size, path)

    def stat(self, name: str) -> StatResult:
        try:
            meta = self._op.stat(name)
        except opendal.exceptions.NotFound:
            # HEAD answers 404 with no body for a missing key and a missing bucket alike.
            return NotFound(name)
        except FAILURES as err:
            raise self._classify(err, name) from err
        return self._entry(name, meta)

    def _changed(self, name: str, expected: str) -> StoreError:
        now = self.stat(name)
        return version_changed(self.description, name, expected, None if isinstance(now, NotFound) else now.version)

    def read_range(self, name: str, offset: int, length: int, version: str,
                   chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """A GET from offset with If-Match: S3 refuses another version (412) before sending a byte. The range is left
        open-ended (bytes=offset-) and the stream closed after length bytes: OpenDAL fails a bounded range that runs
        past the end ("reader got too little data"), and the end is where the contract cuts it."""
        try:
            if length <= 0:
                self._op.stat(name, if_match=version)
                return
            with self._op.open(name, "rb", if_match=version, offset=offset) as f:
                left = length
                while left > 0:
                    chunk = f.read(min(chunk_size, left))
                    if not chunk:
                        break
                    left -= len(chunk)
                    yield bytes(chunk)
        except FAILURES as err:
            kind = opendal_kind(err)
            if kind in ("ConditionNotMatch", "NotFound"):
                raise self._changed(name, version) from None
            if kind == "RangeNotSatisfied":
                # An offset past the end: nothing to read, if the version holds.
                now = self.stat(name)
                if isinstance(now, Entry) and now.version == version and offset >= now.size:
                    return
                raise self._changed(name, version) from None
            raise self._classify(err, name) from err
