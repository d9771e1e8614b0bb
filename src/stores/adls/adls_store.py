"""ADLS Gen2, the job's half: OpenDAL's azdls service (PyPI opendal 0.47.12), the DFS endpoint of a storage account.
The same contract as src/stores/store.py; the TypeScript half (adls-lister.ts) is on @azure/storage-file-datalake.
README.md says what each half does and why.

Names: from the file system's root (root="" normally), as the job's ADLS listing (src/job/adls.py list_source) and
adls-lister.ts give them: a prefix is a directory of the file system, not a root the names are relative to.
Order: a depth-first walk, each directory just before its contents, siblings in code point order with a directory
sorted as its name and "/" (store.walk_key), i.e. code point order of the whole listing. OpenDAL 0.47's azdls lists
one directory per request (recursive=false; its recursive listing is a walk of its own, each directory after its
contents), so the store walks the tree itself.
Version: the ETag without its quotes ("0x8DC..."), as the DFS listing gives it and as the job and adls-lister.ts
record it; reads send it back quoted as If-Match, so the service itself refuses another version (412; a deleted file
answers 412 too, and a stat then tells them apart). MD5: the file's Content-MD5 (base64) on stat, when the writer set
one; the listing carries none.
Auth, as src/job/adls.py's adls_client takes it: {"kind": "key", "account_key"}, {"kind": "sas", "sas_token"},
{"kind": "oauth", "tenant_id", "client_id", "client_secret", "authority"?} (a client secret against any authority
host; OpenDAL's azdls takes authority_host). TLS: OpenDAL's HTTP client (rustls) trusts the system's CAs, or only
those of SSL_CERT_FILE / SSL_CERT_DIR, read once per process when its first client is built: the store sets
SSL_CERT_FILE to a file holding both it and REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE), the job's CA setting for the Azure
SDK, when that is set.
"""

import heapq
import os
import re
import tempfile
from typing import Any, Dict, Iterator, List, Optional, Tuple

import opendal
import opendal.layers
import opendal.types

from ..opendal_errors import FAILURES, opendal_kind
from ..s3.s3_store import network_code
from ..store import (
    Entry,
    NotFound,
    StatResult,
    StoreAuthError,
    StoreError,
    StoreNotFoundError,
    StoreTransientError,
    StoreUnreachableError,
    iso_millis,
    paged,
    store_first_line,
    version_changed,
    walk_key,
)

ADLS_MAX_PAGE = 5000
# Seconds one request (stat, a listing page) or one read of the stream may take: the SDK reader's read timeout.
ADLS_TIMEOUT_S = 120.0
ADLS_DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
ADLS_STORAGE_SCOPE = "https://storage.azure.com/.default"
# A name no lake holds: stat'ed to tell a missing file system from an empty one (OpenDAL lists both as empty).
ADLS_PROBE_NAME = ".lake2oci-file-system-check"
ADLS_FILE_SYSTEM_MISSING = ("ContainerNotFound", "FilesystemNotFound")
_ADLS_STATUS = re.compile(r"status: (\d{3})")
_ADLS_CODE = re.compile(r'code: "(\w+)"')
# What a read past the end of a file meets: 416 InvalidRange, OpenDAL's check of a short answer, and the
# "bytes N-(N-1)/N" Content-Range the local cloud gives for a range starting at the end.
_ADLS_PAST_THE_END = ("InvalidRange", "status: 416", "too little data", "content range is invalid")


def _adls_version(etag: Optional[str]) -> Optional[str]:
    """The version of an ETag: without its quotes, as the DFS listing (and so the job and adls-lister.ts) has it."""
    if not etag:
        return None
    return etag[1:-1] if len(etag) >= 2 and etag.startswith('"') and etag.endswith('"') else etag


def _adls_if_match(version: str) -> str:
    """The If-Match value of a version: quoted, as HTTP has ETags (a quoted or weak one as it is)."""
    return version if version.startswith('"') or version.startswith("W/") else f'"{version}"'


# Set to the file _adls_trust_ca_bundle made, so that a process makes it once.
ADLS_CA_UNION_ENV = "LAKE2OCI_SSL_CERT_UNION"


def _adls_trust_ca_bundle(environ: Optional[Dict[str, str]] = None) -> None:
    """OpenDAL's rustls client reads only SSL_CERT_FILE / SSL_CERT_DIR, once per process; the job's CA setting for the
    Azure SDK is REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE). When that is set and is not SSL_CERT_FILE, SSL_CERT_FILE becomes
    a file holding both (many systems set SSL_CERT_FILE to their own bundle for every process, and either may be the
    one naming a private CA), written once per process, mode 0600, in a private temporary directory."""
    env = os.environ if environ is None else environ
    bundle = env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE")
    current = env.get("SSL_CERT_FILE")
    if not bundle or current == bundle or (current and current == env.get(ADLS_CA_UNION_ENV)):
        return
    if not current:
        env["SSL_CERT_FILE"] = bundle
        return
    parts = []
    for path in (current, bundle):
        try:
            with open(path, "rb") as f:
                parts.append(f.read().rstrip(b"\n") + b"\n")
        except OSError:
            pass  # a CA file that cannot be read adds nothing (OpenDAL would not have read it either)
    directory = tempfile.mkdtemp(prefix="lake2oci-ca-")
    union = os.path.join(directory, "ca-bundle.pem")
    with open(os.open(union, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
        f.write(b"".join(parts))
    env["SSL_CERT_FILE"] = union
    env[ADLS_CA_UNION_ENV] = union


def _adls_authority(value: Optional[str]) -> str:
    host = (value or ADLS_DEFAULT_AUTHORITY).strip().rstrip("/")
    return host if "://" in host else "https://" + host


def _adls_auth_options(auth: Optional[Dict[str, Any]]) -> Tuple[str, Dict[str, str]]:
    """(kind, OpenDAL options) of the job's auth dict; a missing field is a StoreAuthError naming it."""
    kind = (auth or {}).get("kind")
    if kind == "key":
        if not auth.get("account_key"):  # type: ignore[union-attr]
            raise StoreAuthError("ADLS: source.auth: kind 'key' needs account_key (source.auth.accountKey)")
        return kind, {"account_key": str(auth["account_key"])}  # type: ignore[index]
    if kind == "sas":
        token = str(auth.get("sas_token") or "").lstrip("?")  # type: ignore[union-attr]
        if not token:
            raise StoreAuthError("ADLS: source.auth: kind 'sas' needs sas_token (source.auth.sasToken)")
        return kind, {"sas_token": token}
    if kind == "oauth":
        for field in ("tenant_id", "client_id", "client_secret"):
            if not auth.get(field):  # type: ignore[union-attr]
                raise StoreAuthError(f"ADLS: source.auth: kind 'oauth' needs {field}")
        return kind, {"tenant_id": str(auth["tenant_id"]), "client_id": str(auth["client_id"]),  # type: ignore[index]
                      "client_secret": str(auth["client_secret"]),  # type: ignore[index]
                      "authority_host": _adls_authority(auth.get("authority"))}  # type: ignore[union-attr]
    raise StoreAuthError(f"ADLS: source.auth.kind must be 'key', 'oauth' or 'sas', got {kind!r}")


def _adls_token_problem(options: Dict[str, str]) -> Tuple[str, str]:
    """Why OpenDAL could not get a token ("failed to load signing credential" is all it says): the same client
    credentials grant asked again with requests, trusting what OpenDAL trusts. (class name, reason); the secret never
    appears."""
    import requests

    url = f"{options['authority_host']}/{options['tenant_id']}/oauth2/v2.0/token"
    verify: Any = os.environ.get("SSL_CERT_FILE") or True
    try:
        res = requests.post(url, timeout=30, verify=verify, data={
            "grant_type": "client_credentials", "client_id": options["client_id"],
            "client_secret": options["client_secret"], "scope": ADLS_STORAGE_SCOPE})
    except requests.exceptions.SSLError as err:
        return "unreachable", f"token endpoint {url}: TLS certificate not trusted ({store_first_line(str(err), 160)})"
    except requests.RequestException as err:
        return "unreachable", f"token endpoint {url}: cannot connect ({network_code(str(err))})"
    try:
        body = res.json()
    except ValueError:
        body = {}
    if res.status_code == 200:
        return "trust", (f"token endpoint {url} gives this process a token, but OpenDAL's HTTP client got none: it "
                         "trusts only the system's CAs or SSL_CERT_FILE / SSL_CERT_DIR, read when it first starts")
    why = f"{res.status_code} {body.get('error', '')}".strip()
    if body.get("error_description"):
        why += f": {store_first_line(str(body['error_description']), 200)}"
    kind = "transient" if res.status_code == 429 or res.status_code >= 500 else "refused"
    return kind, f"token endpoint {url}: {why}"


class AdlsStore:
    def __init__(self, account_name: str, file_system: str, endpoint: Optional[str] = None,
                 auth: Optional[dict] = None, root: str = ""):
        """endpoint: the account URL (default https://<account>.dfs.core.windows.net; the local cloud's is
        http://127.0.0.1:PORT/devstoreaccount1). auth: as src/job/adls.py's adls_client takes it, values resolved.
        root: a directory of the file system that names are relative to ("" normally: names from the file system's
        root, as the job's listing gives them)."""
        if not account_name:
            raise StoreError("ADLS: source.accountName is required")
        if not file_system:
            raise StoreError("ADLS: source.fileSystem is required")
        self._url = (endpoint or f"https://{account_name}.dfs.core.windows.net").rstrip("/")
        self._root = root.strip("/")
        self.file_system = file_system
        self.description = (f"ADLS abfss://{file_system}@{account_name}/{self._root + '/' if self._root else ''} "
                            f"({self._url})")
        self._kind, auth_options = _adls_auth_options(auth)
        self._options = {"filesystem": file_system, "endpoint": self._url, "account_name": account_name,
                         "root": "/" + self._root + ("/" if self._root else ""), **auth_options}
        self._operator: Optional[opendal.Operator] = None
        _adls_trust_ca_bundle()

    def __getstate__(self) -> Dict[str, Any]:
        """Picklable (Spark ships objects to its workers): the Operator is made again where it is unpickled."""
        state = dict(self.__dict__)
        state["_operator"] = None
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        _adls_trust_ca_bundle()

    def _op(self) -> "opendal.Operator":
        op = self._operator
        if op is None:
            # Two threads may each make one: harmless, the last one is kept.
            op = self._operator = opendal.Operator("azdls", **self._options).layer(
                opendal.layers.TimeoutLayer(timeout=ADLS_TIMEOUT_S, io_timeout=ADLS_TIMEOUT_S))
        return op

    # -- errors ------------------------------------------------------------------------------------------------

    def _auth_refused(self, where: str, why: str) -> StoreAuthError:
        check = {"key": "the account name and source.auth.accountKey",
                 "sas": "source.auth.sasToken (its permissions: read and list, its expiry, the file system it is for)",
                 "oauth": ("source.auth tenantId, clientId, clientSecret and authorityHost, and the service "
                           "principal's role on the file system (Storage Blob Data Reader)")}[self._kind]
        return StoreAuthError(f"{where}: credentials refused ({why}); check {check}")

    def _classify(self, err: BaseException, name: str = "") -> StoreError:
        if isinstance(err, StoreError):
            return err
        text = str(err)
        status_match = _ADLS_STATUS.search(text)
        status = status_match.group(1) if status_match else ""
        code_match = _ADLS_CODE.search(text)
        code = code_match.group(1) if code_match else ""
        where = self.description if name == "" else f'{self.description}: "{name}"'
        if "failed to load signing credential" in text:
            if self._kind != "oauth":
                return self._auth_refused(where, "the request could not be signed")
            problem, why = _adls_token_problem(self._options)
            if problem == "unreachable":
                return StoreUnreachableError(f"{where}: no OAuth token: {why}; check source.auth.authorityHost "
                                             "(and that its certificate is trusted: SSL_CERT_FILE)")
            if problem == "transient":
                return StoreTransientError(f"{where}: no OAuth token: {why}; try again later")
            if problem == "trust":
                return StoreAuthError(f"{where}: no OAuth token: {why}; set SSL_CERT_FILE to the CA file")
            return self._auth_refused(where, f"no OAuth token: {why}")
        if "invalid peer certificate" in text or "certificate verify failed" in text:
            return StoreUnreachableError(
                f"{where}: cannot connect (TLS certificate not trusted: {network_code(text)}); check source.endpoint "
                "and that its CA is trusted (SSL_CERT_FILE)")
        if "error sending request" in text or "tcp connect error" in text or "dns error" in text:
            return StoreUnreachableError(
                f"{where}: cannot connect ({network_code(text)}); check source.endpoint / the account name and that "
                "the service is reachable")
        if "timeout" in text.lower() and not status:
            return StoreTransientError(f"{where}: no answer in time ({store_first_line(text, 160)}); try again later")
        if status in ("401", "403") or opendal_kind(err) == "PermissionDenied":
            return self._auth_refused(where, f"{status} {code or 'AuthenticationFailed'}".strip())
        if code in ADLS_FILE_SYSTEM_MISSING:
            return self._no_file_system(code)
        if status == "404" or opendal_kind(err) == "NotFound":
            return StoreNotFoundError(f"{where}: not found ({code or '404'}); check source.path")
        if opendal_kind(err) == "RateLimited" or status == "429" or status.startswith("5"):
            return StoreTransientError(f"{where}: service busy or failing ({status} {code}); try again later")
        return StoreError(f"{where}: {status} {code} {store_first_line(text)}".replace("  ", " "))

    def _no_file_system(self, code: str) -> StoreNotFoundError:
        return StoreNotFoundError(f"{self.description}: not found ({code}); check source.fileSystem (and "
                                  "source.accountName)")

    def _check_file_system(self) -> None:
        """OpenDAL lists a missing file system as empty: a stat of a name no lake holds tells the two apart."""
        try:
            self._op().stat(ADLS_PROBE_NAME)
        except FAILURES as err:
            code_match = _ADLS_CODE.search(str(err))
            if code_match and code_match.group(1) in ADLS_FILE_SYSTEM_MISSING:
                raise self._no_file_system(code_match.group(1)) from None
            if opendal_kind(err) != "NotFound":
                raise self._classify(err) from err

    def _check_root(self) -> None:
        """The root directory, from the file system's top (OpenDAL answers a stat of its own root without asking)."""
        top = AdlsStore.__new__(AdlsStore)
        top.__dict__.update(self.__dict__, _root="", _operator=None, _options=dict(self._options, root="/"))
        top._require_directory(self._root)

    def _require_directory(self, directory: str) -> None:
        """A prefix that is no directory is StoreNotFoundError naming source.path (OpenDAL lists it as empty)."""
        try:
            meta = self._op().stat(directory + "/")
        except FAILURES as err:
            error = self._classify(err, directory)
            if isinstance(error, StoreNotFoundError) and "source.path" in error.message:
                # A file of that name answers 404 as a directory (on the gateway) or "found a file" (OpenDAL).
                if isinstance(self.stat(directory), Entry):
                    error = StoreNotFoundError(f'{self.description}: "{directory}": not a directory; check '
                                               "source.path")
            if opendal_kind(err) == "NotFound" and not isinstance(error, StoreNotFoundError):
                error = StoreNotFoundError(f'{self.description}: "{directory}": not found; check source.path')
            raise error from err
        if not meta.is_dir:
            raise StoreNotFoundError(f'{self.description}: "{directory}": not a directory; check source.path')

    # -- listing -----------------------------------------------------------------------------------------------

    def _entry(self, name: str, meta: "opendal.types.Metadata", md5: Optional[str] = None) -> Entry:
        modified = iso_millis(meta.last_modified)
        if meta.is_dir:
            return Entry(name, 0, modified, is_dir=True)
        version = _adls_version(meta.etag)
        return Entry(name, meta.content_length, modified, version=version, md5=md5, etag=version)

    def _children(self, directory: str, size: int) -> Iterator[Entry]:
        """The entries of a directory, in walk order (code point order, a directory as its name and "/"): the
        service's name order, with a directory held back while siblings that sort before its "name/" follow it
        (such as "a-b" and "a.txt" after the directory "a")."""
        own = directory + "/" if directory else ""
        pending: List[Tuple[bytes, int, Entry]] = []
        for seq, e in enumerate(self._op().list(own, limit=size)):
            path = e.path
            if path in ("", "/", own):
                continue
            entry = self._entry(path[:-1] if path.endswith("/") else path, e.metadata)
            bound = entry.name.encode("utf-8")
            while pending and pending[0][0] < bound:
                yield heapq.heappop(pending)[2]
            heapq.heappush(pending, (walk_key(entry.name, entry.is_dir), seq, entry))
        while pending:
            yield heapq.heappop(pending)[2]

    def _walk(self, directory: str, size: int) -> Iterator[Entry]:
        for entry in self._children(directory, size):
            yield entry
            if entry.is_dir:
                yield from self._walk(entry.name, size)

    def _listing(self, prefix: str, page_size: Optional[int], recursive: bool) -> Iterator[List[Entry]]:
        directory = prefix.strip("/")
        size = min(max(1, page_size or ADLS_MAX_PAGE), ADLS_MAX_PAGE)
        try:
            if directory:
                self._require_directory(directory)
            entries = self._walk(directory, size) if recursive else self._children(directory, size)
            empty = True
            for page in paged(entries, size):
                empty = False
                yield page
            if empty and not directory:
                self._check_file_system()
                if self._root:
                    self._check_root()
        except FAILURES as err:
            raise self._classify(err, directory) from err

    def list_pages(self, prefix: str = "", page_size: Optional[int] = None) -> Iterator[List[Entry]]:
        """Every file and directory under the directory prefix ("" = the whole file system, or root), in the walk
        order above; a missing prefix is StoreNotFoundError naming source.path, a missing file system naming
        source.fileSystem."""
        return self._listing(prefix, page_size, True)

    def list_children(self, prefix: str = "", page_size: Optional[int] = None) -> Iterator[List[Entry]]:
        """The files and directories immediately under the directory prefix, in the same order."""
        return self._listing(prefix, page_size, False)

    def stat(self, name: str) -> StatResult:
        """The file's size, version, Content-MD5 (when it has one) and time; NotFound for a missing name or a
        directory; a missing file system is StoreNotFoundError."""
        try:
            meta = self._op().stat(name)
        except FAILURES as err:
            code_match = _ADLS_CODE.search(str(err))
            if code_match and code_match.group(1) in ADLS_FILE_SYSTEM_MISSING:
                raise self._no_file_system(code_match.group(1)) from None
            if opendal_kind(err) == "NotFound":
                return NotFound(name)
            raise self._classify(err, name) from err
        if meta.is_dir:
            return NotFound(name)
        return self._entry(name, meta, meta.content_md5 or None)

    # -- reading -----------------------------------------------------------------------------------------------

    def _changed(self, name: str, expected: str) -> StoreError:
        now = self.stat(name)
        return version_changed(self.description, name, expected, None if isinstance(now, NotFound) else now.version)

    def read_range(self, name: str, offset: int, length: int, version: str,
                   chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Ranged reads with If-Match on the version: the service refuses another version, or a deleted file, with
        412 before sending a byte (told apart by a stat, for the message). One bounded request (bytes=offset to
        offset+length-1): a range within one chunk is read at once, a longer one streamed in chunks. A range that
        runs past the end of the file is cut there, if the version holds (a stat says where the end is)."""
        if_match = _adls_if_match(version)
        done = 0
        try:
            if length <= 0:
                self._op().stat(name, if_match=if_match)
                return
            if length <= chunk_size:
                data = self._op().read(name, offset=offset, size=length, if_match=if_match)
                if data:
                    done = len(data)
                    yield bytes(data)
                return
            with self._op().open(name, "rb", if_match=if_match, offset=offset, size=length) as f:
                while done < length:
                    chunk = f.read(min(chunk_size, length - done))
                    if not chunk:
                        break
                    done += len(chunk)
                    yield bytes(chunk)
        except FAILURES as err:
            kind = opendal_kind(err)
            text = str(err)
            if kind in ("ConditionNotMatch", "NotFound") and "ContainerNotFound" not in text:
                raise self._changed(name, version) from None
            if kind == "RangeNotSatisfied" or any(needle in text for needle in _ADLS_PAST_THE_END):
                # Past the end (or across it): the rest of what the version holds, after what was given already.
                now = self.stat(name)
                if not isinstance(now, Entry) or now.version != _adls_version(version):
                    raise self._changed(name, version) from None
                at = offset + done
                if at >= now.size:
                    return
                if now.size - at < length - done:
                    yield from self.read_range(name, at, now.size - at, version, chunk_size)
                    return
            raise self._classify(err, name) from err
