"""Google Cloud Storage, the job's half: OpenDAL's gcs service (PyPI opendal) for listing and stat, and the JSON API's
media download (requests) for reads on a generation. The same contract and behaviour as gcs-lister.ts
(src/stores/store.py says the contract; README.md says why the parts are where they are).

Order: Cloud Storage's, the UTF-8 byte order of the names (= code point order). A `dir/` object (the directory marker
the console writes) is listed as the directory `dir`.
Version: the object's generation (a decimal string); reads send it back as ifGenerationMatch, so Cloud Storage itself
refuses another version (412). MD5: md5Hash (base64) when the object has one; a composite object has only a crc32c,
which is no MD5, and lists none.

Auth with a service-account key: OpenDAL 0.47's gcs posts its JWT to Google's token URL whatever the key's token_uri
says, so the store mints the token itself (a JWT signed RS256 with the `cryptography` package, exchanged at the key's
token_uri) and gives it to OpenDAL as `token`, rebuilding the Operator when the token is within 5 minutes of its end.
Environment auth: OpenDAL's own chain (GOOGLE_APPLICATION_CREDENTIALS, then the VM's metadata server).
Secrets (the private key, tokens) never appear in messages.
"""

import base64
import json
import re
import threading
import time
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import quote

import opendal
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
    store_first_line,
    iso_millis,
    version_changed,
)

GCS_MAX_PAGE = 1000
GCS_DEFAULT_ENDPOINT = "https://storage.googleapis.com"
GCS_GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
GCS_JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GCS_READ_SCOPE = "https://www.googleapis.com/auth/devstorage.read_only"
GCS_RENEW_BEFORE_SECONDS = 300
_GCS_STATUS = re.compile(r"(?:status: |code: )(\d{3})")
_GCS_REASON = re.compile(r'reason: "(\w+)"')


def _gcs_b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def parse_service_account_key(text: str) -> Dict[str, Any]:
    """The key file's JSON; the message never quotes it (it holds a private key)."""
    try:
        key = json.loads(text)
    except ValueError:
        raise StoreAuthError("GCS: source.auth.key is not JSON; give the service account's JSON key file as Google "
                             "Cloud's console downloads it") from None
    if not isinstance(key, dict) or key.get("type") != "service_account" or not isinstance(
            key.get("client_email"), str) or not isinstance(key.get("private_key"), str):
        raise StoreAuthError('GCS: source.auth.key is not a service-account key (a JSON object with "type": '
                             '"service_account", "client_email" and "private_key"); check source.auth.key')
    return key


def sign_assertion(key: Dict[str, Any], scope: str, now: int) -> str:
    """The JWT-bearer assertion: iss = client_email, aud = the key's token_uri, one hour, signed RS256."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    header = {"alg": "RS256", "typ": "JWT"}
    if key.get("private_key_id"):
        header["kid"] = key["private_key_id"]
    claims = {"iss": key["client_email"], "scope": scope, "aud": key.get("token_uri") or GCS_GOOGLE_TOKEN_URI,
              "iat": now, "exp": now + 3600}
    signing_input = _gcs_b64url(json.dumps(header).encode()) + "." + _gcs_b64url(json.dumps(claims).encode())
    try:
        private_key = serialization.load_pem_private_key(key["private_key"].encode("utf-8"), password=None)
    except (ValueError, TypeError):
        raise StoreAuthError("GCS: the private key of source.auth.key cannot be read (not a PEM RSA key); check "
                             "source.auth.key") from None
    signature = private_key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())  # type: ignore[call-arg, union-attr]
    return signing_input + "." + _gcs_b64url(signature)


def mint_token(key: Dict[str, Any], now: Optional[float] = None) -> Tuple[str, float]:
    """A token and the time it expires (epoch seconds), from the key's token_uri."""
    import requests

    started = time.time() if now is None else now
    uri = key.get("token_uri") or GCS_GOOGLE_TOKEN_URI
    assertion = sign_assertion(key, GCS_READ_SCOPE, int(started))
    try:
        res = requests.post(uri, data={"grant_type": GCS_JWT_BEARER_GRANT, "assertion": assertion}, timeout=60)
    except requests.ReadTimeout:
        raise StoreTransientError(f"GCS token endpoint {uri}: no answer in time; try again later") from None
    except requests.ConnectionError as err:
        raise StoreUnreachableError(f"GCS token endpoint {uri}: cannot connect ({network_code(str(err))}); check "
                                    "source.auth.key (its token_uri) and that it is reachable") from None
    try:
        body = res.json()
    except ValueError:
        body = {}
    if res.status_code == 200 and isinstance(body.get("access_token"), str):
        return body["access_token"], started + float(body.get("expires_in", 3600))
    why = f"{res.status_code} {body.get('error', '')}".strip()
    if body.get("error_description"):
        why += f": {store_first_line(str(body['error_description']), 200)}"
    if res.status_code == 429 or res.status_code >= 500:
        raise StoreTransientError(f"GCS token endpoint {uri}: busy or failing ({why}); try again later")
    raise StoreAuthError(f"GCS token endpoint {uri}: credentials refused ({why}); check source.auth.key")


class GcsStore:
    def __init__(self, bucket: str, prefix: str = "", service_account_key: Optional[str] = None,
                 endpoint: Optional[str] = None):
        """prefix: the part of the bucket that is the store, a "directory" ("data/2024" = the objects under
        "data/2024/"); names are relative to it. service_account_key: the key file's JSON text (None: the
        environment's credentials, through OpenDAL). endpoint: the API origin (default
        https://storage.googleapis.com)."""
        root = prefix.strip("/")
        self._bucket = bucket
        self._root = root + "/" if root else ""
        self._endpoint = (endpoint or GCS_DEFAULT_ENDPOINT).rstrip("/")
        self.description = f"GCS gs://{bucket}/{self._root}" + (f" ({self._endpoint})" if endpoint else "")
        self._options = {"bucket": bucket, "root": "/" + self._root, "endpoint": self._endpoint}
        self._key = parse_service_account_key(service_account_key) if service_account_key is not None else None
        self._lock = threading.Lock()
        self._token: Optional[str] = None
        self._token_expires = 0.0
        self._operator: Optional[opendal.Operator] = None
        self._session: Any = None

    def __getstate__(self) -> Dict[str, Any]:
        """Picklable (Spark ships objects to its workers): the lock, Operator, HTTP session and token are made again
        where it is unpickled."""
        state = dict(self.__dict__)
        state.update(_lock=None, _operator=None, _session=None, _token=None, _token_expires=0.0)
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # -- auth --------------------------------------------------------------------------------------------------

    def _renew(self, force: bool = False) -> None:
        """With a key: a new token when none is held, it is within GCS_RENEW_BEFORE_SECONDS of its end, or force."""
        if self._key is None:
            return
        with self._lock:
            if force or self._token is None or self._token_expires - GCS_RENEW_BEFORE_SECONDS <= time.time():
                self._token, self._token_expires = mint_token(self._key)
                self._operator = None

    def _op(self) -> "opendal.Operator":
        self._renew()
        with self._lock:
            if self._operator is None:
                options = dict(self._options)
                if self._key is not None:
                    # The token alone: no key file, no environment, no metadata server mixed in.
                    options.update(token=self._token or "", disable_vm_metadata="true", disable_config_load="true")
                self._operator = opendal.Operator("gcs", **options)
            return self._operator

    # -- errors ------------------------------------------------------------------------------------------------

    def _classify(self, err: BaseException, name: str = "") -> StoreError:
        if isinstance(err, StoreError):
            return err
        text = str(err)
        status_match = _GCS_STATUS.search(text)
        status = status_match.group(1) if status_match else ""
        reason_match = _GCS_REASON.search(text)
        reason = reason_match.group(1) if reason_match else ""
        where = self.description if name == "" else f'{self.description}: "{name}"'
        if "error sending request" in text or "tcp connect error" in text or "dns error" in text:
            return StoreUnreachableError(f"{where}: cannot connect ({network_code(text)}); check source.endpoint and "
                                         "that the service is reachable")
        if status in ("401", "403") or opendal_kind(err) == "PermissionDenied":
            return self._auth_error(where, status, reason)
        if status == "404" and name == "":
            return StoreNotFoundError(f"{where}: not found (404 {reason or 'notFound'}); check source.bucket")
        if opendal_kind(err) == "RateLimited" or status == "429" or status.startswith("5"):
            return StoreTransientError(f"{where}: service busy or failing ({status} {reason}); try again later")
        return StoreError(f"{where}: {status} {reason} {store_first_line(text)}".replace("  ", " "))

    @staticmethod
    def _auth_error(where: str, status: str, reason: str) -> StoreAuthError:
        return StoreAuthError(f"{where}: credentials refused ({status} {reason}); check source.auth (the service "
                              "account's key) and its rights on the bucket (storage.objects.list, storage.objects.get)")

    # -- listing -----------------------------------------------------------------------------------------------

    def _entry(self, path: str, meta: "opendal.types.Metadata") -> Entry:
        modified = iso_millis(meta.last_modified)
        if path.endswith("/"):
            return Entry(path[:-1], 0, modified, is_dir=True)
        return Entry(path, meta.content_length, modified, version=meta.version, md5=meta.content_md5 or None,
                     etag=meta.etag)

    def _pages(self, path: str, recursive: bool, page_size: Optional[int], skip: str) -> Iterator[List[Entry]]:
        """OpenDAL's listing regrouped into pages of page_size. A token refused mid-listing (it ended, or was revoked)
        is renewed and the listing resumed after the greatest name yielded so far (start_after): OpenDAL yields whole
        API pages, each after the one before in name order, so nothing is lost or repeated."""
        size = min(max(1, page_size or GCS_MAX_PAGE), GCS_MAX_PAGE)
        page: List[Entry] = []
        last: Optional[bytes] = None
        progressed = True
        while True:
            options: Dict[str, Any] = {"recursive": recursive, "limit": size}
            if last is not None:
                options["start_after"] = last.decode("utf-8")
            try:
                for e in self._op().list(path, **options):
                    key = e.path.encode("utf-8")
                    # A delimiter listing resumed after "b/" gives the prefix "b/" again.
                    if e.path in ("", "/", skip) or (last is not None and key <= last):
                        continue
                    page.append(self._entry(e.path, e.metadata))
                    last, progressed = key, True
                    if len(page) == size:
                        yield page
                        page = []
                break
            except FAILURES as err:
                error = self._classify(err)
                if self._key is None or not progressed or not isinstance(error, StoreAuthError):
                    raise error from None
                self._renew(force=True)
                progressed = False
        if page:
            yield page

    def list_pages(self, prefix: str = "", page_size: Optional[int] = None) -> Iterator[List[Entry]]:
        """Every object whose name starts with prefix (a name prefix, as Cloud Storage has it), `dir/` markers as
        directories."""
        return self._pages(prefix.lstrip("/"), True, page_size, "")

    def list_children(self, prefix: str = "", page_size: Optional[int] = None) -> Iterator[List[Entry]]:
        """Prefixes (as directories) and objects under the directory prefix; OpenDAL gives a page's prefixes before
        its objects, so children come in no promised order."""
        directory = prefix.strip("/")
        path = directory + "/" if directory else ""
        return self._pages(path, False, page_size, path)

    def stat(self, name: str) -> StatResult:
        try:
            try:
                meta = self._op().stat(name)
            except FAILURES as err:
                # A token refused (revoked, or ended early): renewed once.
                if self._key is None or not isinstance(self._classify(err, name), StoreAuthError):
                    raise
                self._renew(force=True)
                meta = self._op().stat(name)
        except opendal.exceptions.NotFound:
            # objects.get answers 404 for a missing object and a missing bucket alike.
            return NotFound(name)
        except FAILURES as err:
            raise self._classify(err, name) from None
        if meta.is_dir:
            return NotFound(name)
        return self._entry(name, meta)

    # -- reading -----------------------------------------------------------------------------------------------

    def _changed(self, name: str, expected: str) -> StoreError:
        now = self.stat(name)
        return version_changed(self.description, name, expected, None if isinstance(now, NotFound) else now.version)

    def _media(self, name: str, offset: int, length: int, version: str) -> Any:
        """The ranged media download with ifGenerationMatch; one renewal of a refused (401) token."""
        import requests

        if self._session is None:
            self._session = requests.Session()
        url = (f"{self._endpoint}/storage/v1/b/{quote(self._bucket, safe='')}/o/"
               f"{quote(self._root + name, safe='')}?alt=media&ifGenerationMatch={quote(version, safe='')}")
        headers = {"Range": f"bytes={offset}-{offset + length - 1}", "Accept-Encoding": "identity"}
        for attempt in (1, 2):
            self._renew(force=attempt == 2)
            try:
                res = self._session.get(url, headers=dict(headers, Authorization=f"Bearer {self._token}"),
                                        stream=True, timeout=(30, 300))
            except requests.ReadTimeout:
                raise StoreTransientError(f'{self.description}: "{name}": no answer in time; try again later') from None
            except requests.ConnectionError as err:
                raise StoreUnreachableError(f'{self.description}: "{name}": cannot connect '
                                            f"({network_code(str(err))}); check source.endpoint and that the "
                                            "service is reachable") from None
            if res.status_code != 401 or attempt == 2:
                return res
            res.close()
        raise AssertionError("unreachable")

    def read_range(self, name: str, offset: int, length: int, version: str,
                   chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """With a key: a media download with Range and ifGenerationMatch, so Cloud Storage refuses another version
        (412) before sending a byte. With the environment's credentials (no token of the store's own, and OpenDAL
        0.47's gcs reads no given generation): OpenDAL's ranged read between two stats, the error coming after the
        bytes when the generation changed during the read (README.md)."""
        if self._key is None:
            yield from self._read_with_opendal(name, offset, length, version, chunk_size)
            return
        if length <= 0:
            now = self.stat(name)
            if isinstance(now, NotFound) or now.version != version:
                raise self._changed(name, version)
            return
        res = self._media(name, offset, length, version)
        with res:
            status = res.status_code
            if status in (404, 412):
                raise self._changed(name, version)
            if status == 416:
                # A range past the end (a zero-byte object has no byte 0): nothing to read, if the version holds.
                now = self.stat(name)
                if isinstance(now, NotFound) or now.version != version or offset < now.size:
                    raise self._changed(name, version)
                return
            if status not in (200, 206) or (status == 200 and offset > 0):
                where = f'{self.description}: "{name}"'
                reason = _gcs_json_reason(res)
                if status in (401, 403):
                    raise self._auth_error(where, str(status), reason)
                if status == 429 or status >= 500:
                    raise StoreTransientError(f"{where}: service busy or failing ({status} {reason}); try again later")
                raise StoreError(f"{where}: the ranged read was answered {status} {reason}".rstrip())
            left = length
            for chunk in res.iter_content(chunk_size=min(chunk_size, max(1, left))):
                if not chunk:
                    continue
                piece = chunk[:left]
                left -= len(piece)
                yield bytes(piece)
                if left <= 0:
                    break

    def _read_with_opendal(self, name: str, offset: int, length: int, version: str,
                           chunk_size: int) -> Iterator[bytes]:
        now = self.stat(name)
        if isinstance(now, NotFound) or now.version != version:
            raise self._changed(name, version)
        end = min(offset + length, now.size)
        if end <= offset:
            return
        try:
            with self._op().open(name, "rb", offset=offset, size=end - offset) as f:
                left = end - offset
                while left > 0:
                    chunk = f.read(min(chunk_size, left))
                    if not chunk:
                        break
                    left -= len(chunk)
                    yield bytes(chunk)
        except FAILURES as err:
            if opendal_kind(err) in ("NotFound", "ConditionNotMatch"):
                raise self._changed(name, version) from None
            raise self._classify(err, name) from None
        after = self.stat(name)
        if isinstance(after, NotFound) or after.version != version:
            raise self._changed(name, version)


def _gcs_json_reason(res: Any) -> str:
    try:
        return str(res.json()["error"]["errors"][0]["reason"])
    except (ValueError, KeyError, IndexError, TypeError):
        return ""
