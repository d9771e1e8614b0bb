# ADLS Gen2 side of the Spark job: the file system client (account key, OAuth client secret or SAS; SDK retries off:
# retries are ours, retry.py), the source listing, and a streaming range reader that never holds more than one
# download chunk of a file.
import base64
import os
import time

import requests
from urllib3.util.retry import Retry

from azure.core import MatchConditions
from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential
from azure.core.exceptions import ClientAuthenticationError
from azure.core.pipeline.transport import RequestsTransport
from azure.identity import ClientSecretCredential
from azure.storage.filedatalake import FileSystemClient

from .retry import SourceChanged, TransientError, backoff_delay, call_with_retry, describe_error, is_retryable

# Bytes per download request and per chunk handed to the uploader: the memory one open stream holds.
DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024
# Times a broken source stream is reopened at the byte where it stopped, within one read of a range.
MAX_SOURCE_RESUMES = 5


def http_environment(environ=None):
    """What the SDKs' requests sessions need from the environment, read once: (proxies, ca_bundle). proxies: whether
    any *_proxy variable (any case) is set; then the sessions keep reading the environment on every request, as
    requests does by default. Otherwise they stop (that scan of every variable, several times per file copied, is
    about a sixth of the CPU a small file costs), and ca_bundle, the REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE that requests
    would have read (or None), is given to the clients instead."""
    environ = os.environ if environ is None else environ
    proxies = any(value and key.lower().endswith("_proxy") for key, value in environ.items())
    return proxies, environ.get("REQUESTS_CA_BUNDLE") or environ.get("CURL_CA_BUNDLE") or None


def size_pools(session, pool_size, adapter_class=None):
    """Mounts adapters that keep up to pool_size connections per host on `session` (requests keeps 10 by default: with
    more threads than that, every request beyond the tenth opens a new connection and discards it after). The adapter
    class mounted for each scheme is kept (the OCI SDK's own HTTPS adapter, for one), and retries stay off."""
    for scheme in ("https://", "http://"):
        current = session.adapters.get(scheme)
        # The class of the adapter in place (the OCI SDK's own, whose requests may be a vendored copy), else requests'.
        cls = adapter_class or (type(current) if current is not None else requests.adapters.HTTPAdapter)
        retries = getattr(current, "max_retries", None) or Retry(total=False, redirect=False, raise_on_status=False)
        session.mount(scheme, cls(pool_connections=4, pool_maxsize=max(10, int(pool_size)), max_retries=retries))


class AdlsAuthError(Exception):
    """The ADLS auth settings are incomplete. The message names the field, never a secret value."""


def _credential(account_name, auth):
    kind = (auth or {}).get("kind")
    if kind == "key":
        key = auth.get("account_key")
        if not key:
            raise AdlsAuthError("source.auth: kind 'key' needs account_key")
        return AzureNamedKeyCredential(account_name, key)
    if kind == "sas":
        token = auth.get("sas_token")
        if not token:
            raise AdlsAuthError("source.auth: kind 'sas' needs sas_token")
        return AzureSasCredential(token.lstrip("?"))
    if kind == "oauth":
        for field in ("tenant_id", "client_id", "client_secret"):
            if not auth.get(field):
                raise AdlsAuthError(f"source.auth: kind 'oauth' needs {field}")
        kwargs = {}
        if auth.get("authority"):
            # A non-Microsoft authority (the local token endpoint) is not in Entra's instance metadata.
            kwargs["authority"] = auth["authority"]
            kwargs["disable_instance_discovery"] = True
        return ClientSecretCredential(auth["tenant_id"], auth["client_id"], auth["client_secret"], **kwargs)
    raise AdlsAuthError(f"source.auth.kind must be 'key', 'oauth' or 'sas', got {kind!r}")


def adls_client(account_name, file_system, endpoint=None, auth=None, *, chunk_size=DEFAULT_CHUNK_SIZE,
                connection_timeout=20, read_timeout=120, pool_size=None):
    """A FileSystemClient for `file_system` of `account_name` at `endpoint` (default the account's
    https://<account>.dfs.core.windows.net). auth: {"kind": "key", "account_key"} | {"kind": "oauth", "tenant_id",
    "client_id", "client_secret", "authority"?} | {"kind": "sas", "sas_token"}, with resolved values. SDK retries are
    off; downloads move chunk_size bytes per request; the environment is read per request only for proxies
    (http_environment); pool_size: the connections kept per host (default requests' 10; give the thread count)."""
    if not account_name:
        raise AdlsAuthError("source.accountName is required")
    if not file_system:
        raise AdlsAuthError("source.fileSystem is required")
    url = (endpoint or f"https://{account_name}.dfs.core.windows.net").rstrip("/")
    proxies, ca_bundle = http_environment()
    settings = {}
    if not proxies:
        settings["use_env_settings"] = False
        if ca_bundle:
            settings["connection_verify"] = ca_bundle
    if pool_size:
        # azure-core's own session setup (_init_session) is skipped for a session it is given: done here.
        session = requests.Session()
        session.trust_env = proxies
        size_pools(session, pool_size)
        settings = {"transport": RequestsTransport(session=session, session_owner=True,
                                                   connection_timeout=connection_timeout, read_timeout=read_timeout,
                                                   **settings)}
    return FileSystemClient(
        url,
        file_system,
        credential=_credential(account_name, auth),
        retry_total=0,
        max_single_get_size=chunk_size,
        max_chunk_get_size=chunk_size,
        connection_timeout=connection_timeout,
        read_timeout=read_timeout,
        **settings,
    )


def _credentials_refused(fs_client, error):
    """The AdlsAuthError for credentials that the token endpoint or the storage service refused: the auth kind and
    what to check (describe_error keeps resolved secrets out)."""
    credential = getattr(fs_client, "credential", None)
    if isinstance(credential, AzureSasCredential):
        kind, check = "sas", "--source-sas-token (its permissions and expiry)"
    elif hasattr(credential, "get_token"):
        kind, check = "oauth", ("--source-tenant-id, --source-client-id, --source-client-secret and "
                                "--source-authority-host, and the service principal's role on the storage account")
    else:
        kind, check = "key", "--source-account and --source-account-key"
    return AdlsAuthError(f"ADLS refused the source credentials (--source-auth {kind}): {describe_error(error)}; "
                         f"check {check}")


def source_page(fs_client, path=None, *, recursive=True, max_results=5000, token=None, retry_options=None):
    """One page of the listing of `path` from continuation `token` (None: the first): (entries as list_source yields
    them, the next page's token or None at the end), retried on its own."""
    def fetch():
        pages = fs_client.get_paths(path=path or None, recursive=recursive,
                                    max_results=max_results).by_page(continuation_token=token)
        page = next(pages, None)
        items = list(page) if page is not None else []
        return items, pages.continuation_token

    try:
        (items, next_token), _ = call_with_retry(fetch, what=f"get_paths {path or '/'}", **(retry_options or {}))
    except ClientAuthenticationError as error:
        raise _credentials_refused(fs_client, error) from None
    entries = [{
        "name": item.name,
        "size": int(item.content_length or 0),
        "etag": item.etag,
        "modified": item.last_modified,
        "is_directory": bool(item.is_directory),
    } for item in items]
    return entries, next_token or None


def list_source(fs_client, path=None, *, recursive=True, max_results=5000, retry_options=None):
    """Yields every path under `path` (default: the whole file system) as {name, size, etag, modified, is_directory},
    page by page in the service's order, each page retried on its own from its continuation token. Credentials
    refused (by the token endpoint or the service) raise AdlsAuthError."""
    token = None
    while True:
        entries, token = source_page(fs_client, path, recursive=recursive, max_results=max_results, token=token,
                                     retry_options=retry_options)
        yield from entries
        if not token:
            return


def _if_match(etag):
    etag = str(etag)
    return etag if etag.startswith('"') or etag.startswith("W/") else f'"{etag}"'


def _base64_md5(value):
    if not value:
        return None
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def source_properties(fs_client, name, retry_options=None, tally=None):
    """{size, etag, md5} of file `name` (md5: base64 of its Content-MD5, or None when the service has none)."""
    file_client = fs_client.get_file_client(name)
    props, _ = call_with_retry(file_client.get_file_properties, what=f"get_file_properties {name}", tally=tally,
                               **(retry_options or {}))
    return {"size": int(props.size or 0), "etag": props.etag, "md5": _base64_md5(props.content_settings.content_md5)}


def _source_status(error):
    status = getattr(error, "status_code", None)
    if status is None:
        status = getattr(getattr(error, "response", None), "status_code", None)
    return status


def source_changed_error(name, version, error, file_client=None):
    """A SourceChanged for a 412 / 404 answer to a read of `name` on `version`, else None. The service answers a
    conditional read of a deleted file with 412 too: with `file_client`, a 412 is told apart by asking whether the
    file is still there (one request, only when the read failed)."""
    status = _source_status(error)
    if status == 412 and file_client is not None:
        try:
            file_client.get_file_properties()
        except Exception as probe:  # noqa: BLE001 - only a 404 changes the wording
            if _source_status(probe) == 404:
                status = 404
    if status == 412:
        return SourceChanged(f"source {name} changed since it was planned (version {version} is gone); plan again")
    if status == 404:
        return SourceChanged(f"source {name} was deleted since it was planned")
    return None


class SourceRange:
    """The bytes [offset, offset+length) of one ADLS file, read one download request at a time (memory: one chunk of
    the client's chunk size). open() makes the first request (so its properties are known before anything is sent to
    the target); iterating yields the chunks. A stream that breaks is reopened where it stopped, at most
    MAX_SOURCE_RESUMES times; each reopen counts as a retry in `tally`. With an etag (given, or the one the first
    request saw) every request is conditional on it, so a file that changes while it is copied fails with 412 instead
    of mixing two versions; that 412 (and a 404) is raised as SourceChanged, in the words the log shows. Raises
    TransientError when the file ends before offset+length."""

    def __init__(self, fs_client, name, offset, length, *, etag=None, retry_options=None, tally=None,
                 sleep=time.sleep):
        self.name = name
        self.offset = offset
        self.length = max(0, length)
        self.etag = etag
        # Base64 MD5 of the whole file when the service knows it (Content-MD5), after open().
        self.content_md5 = None
        self._file_client = fs_client.get_file_client(name)
        self._retry_options = dict(retry_options or {})
        self._tally = tally
        self._sleep = self._retry_options.get("sleep", sleep)
        self._chunks = None
        self._position = offset

    def _request(self, start):
        conditions = {}
        if self.etag:
            conditions = {"etag": _if_match(self.etag), "match_condition": MatchConditions.IfNotModified}
        end = self.offset + self.length

        def attempt():
            return self._file_client.download_file(offset=start, length=end - start, max_concurrency=1, **conditions)

        try:
            downloader, _ = call_with_retry(attempt, what=f"read {self.name} at {start}", tally=self._tally,
                                            **self._retry_options)
        except Exception as error:  # noqa: BLE001 - 412/404 reworded, the rest raised as is
            changed = source_changed_error(self.name, self.etag, error, self._file_client)
            if changed is not None:
                raise changed from error
            raise
        return downloader

    def open(self):
        if self.length == 0 or self._chunks is not None:
            return self
        downloader = self._request(self.offset)
        props = downloader.properties
        self.content_md5 = _base64_md5(getattr(props.content_settings, "content_md5", None))
        if not self.etag:
            self.etag = props.etag
        self._chunks = downloader.chunks()
        return self

    def __iter__(self):
        end = self.offset + self.length
        if self.length == 0:
            return
        self.open()
        resumes = 0
        while self._position < end:
            if self._chunks is None:
                self._chunks = self._request(self._position).chunks()
            progressed = self._position
            try:
                for chunk in self._chunks:
                    if not chunk:
                        continue
                    if self._position + len(chunk) > end:
                        raise TransientError(f"source {self.name}: more bytes than the {self.length} asked for")
                    self._position += len(chunk)
                    yield chunk
            except Exception as error:  # noqa: BLE001 - only transient stream errors are resumed
                self._chunks = None
                if not is_retryable(error) or resumes >= MAX_SOURCE_RESUMES:
                    raise
                resumes += 1
                if self._tally is not None:
                    self._tally.add(1)
                if self._position == progressed:
                    self._sleep(backoff_delay(resumes, base_delay=self._retry_options.get("base_delay", 0.2),
                                              max_delay=self._retry_options.get("max_delay", 20), rng=_half))
                continue
            self._chunks = None
            if self._position < end:
                raise TransientError(
                    f"source {self.name} ended at byte {self._position}, before {end}: it changed while copying?")


def _half():
    return 0.5
