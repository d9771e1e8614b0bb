# The source side of the job, whatever the store: S3, GCS, HDFS and local directories through their store modules
# (src/stores/<name>/<name>_store.py, on Apache OpenDAL; the contract is src/stores/store.py), and ADLS Gen2 listed
# through adls.py (the Azure SDK: one recursive request per page, where OpenDAL lists one directory per request) and
# read through src/stores/adls/adls_store.py (OpenDAL's azdls: about a sixth of the SDK's CPU per file; account key,
# OAuth client secret against any authority host, SAS), or through adls.py with --source-reader sdk. Everything else in the
# job (listing, planning, copying, checking) calls the functions here with the `source` a CopyContext holds, so it
# does not care which store that is:
# - open_source(settings, ...): the source client of a task (an ADLS FileSystemClient, or a StoreSource);
# - list_paths / first_source_page: the listing, as {name, size, etag, modified, is_directory, md5} dicts;
# - file_properties: {size, etag, md5} of one file now;
# - source_range: the reader of a byte range on a version (open(), iterate chunks, .etag, .content_md5);
# - changed_source_error: the log's words for a read refused because the file changed or went away.
# A store's version (S3: the ETag; GCS: the generation; local: size@mtime; HDFS: length@mtime) is what the plan calls the source's etag
# and version: every read is made on it, so a file that changed since it was listed is never copied as a mix.
import os
import time

from stores.adls.adls_store import AdlsStore
from stores.gcs.gcs_store import GcsStore
from stores.hdfs.hdfs_store import HdfsStore
from stores.local.local_store import LocalStore
from stores.s3.s3_store import S3Store
from stores.store import (
    NotFound, StoreAuthError, StoreError, StoreNotFoundError, StoreTransientError, StoreUnreachableError,
    StoreVersionChangedError,
)

from .adls import (
    MAX_SOURCE_RESUMES, SourceRange, adls_client, list_source, source_changed_error, source_page, source_properties,
)
from .retry import SourceChanged, TransientError, backoff_delay, is_retryable

# Times a listing that met a transient error is started again (skipping what it already gave) before it fails.
STORE_LIST_ATTEMPTS = 4


class SourceStoreProblem(Exception):
    """A source store (not ADLS) that cannot be used at all: credentials refused, bucket or directory missing, endpoint
    unreachable. str() is the store's one line (it names the field to check); the driver prints it, exit 2."""


class StoreSource:
    """A source store of src/stores (S3Store, LocalStore, HdfsStore) as the job's `source`: `kind` names the store
    type, `chunk_size` the bytes per read."""

    def __init__(self, store, kind, chunk_size):
        self.store = store
        self.kind = kind
        self.chunk_size = int(chunk_size)

    @property
    def description(self):
        return self.store.description


class AdlsSource(StoreSource):
    """ADLS read through its store (AdlsStore, on OpenDAL) and listed through the Azure SDK's FileSystemClient
    (`fs`): the listing functions below use `fs`, the reads the store."""

    def __init__(self, fs, store, chunk_size):
        super().__init__(store, "adls", chunk_size)
        self.fs = fs


def _store_half():
    return 0.5


def open_source(settings, *, resolve, chunk_size, pool_size=None):
    """The source client of one process for `settings` (run.source_params: {"type", ...}, secrets as references).
    resolve(reference, field) gives a secret's value (secrets.resolve_secret with the run's context)."""
    try:
        return _open_source(settings, resolve, chunk_size, pool_size)
    except StoreError as error:
        raise _fatal(error) from error


def _open_source(settings, resolve, chunk_size, pool_size):
    kind = settings.get("type") or "adls"
    if kind == "adls":
        auth = dict(settings.get("auth") or {})
        for key, camel in (("account_key", "accountKey"), ("client_secret", "clientSecret"),
                           ("sas_token", "sasToken")):
            if auth.get(key):
                auth[key] = resolve(auth[key], f"source.auth.{camel}")
        fs = adls_client(settings.get("account_name"), settings.get("file_system"), settings.get("endpoint"), auth,
                         chunk_size=chunk_size, pool_size=pool_size)
        if (settings.get("reader") or "sdk") == "sdk":
            return fs
        store = AdlsStore(settings.get("account_name"), settings.get("file_system"), settings.get("endpoint"), auth)
        return AdlsSource(fs, store, chunk_size)
    if kind == "s3":
        auth = dict(settings.get("auth") or {})
        keys = {}
        if auth.get("kind") == "keys":
            keys = {"access_key_id": auth.get("access_key_id"),
                    "secret_access_key": resolve(auth.get("secret_access_key"), "source.auth.secretAccessKey")}
            if auth.get("session_token"):
                keys["session_token"] = resolve(auth["session_token"], "source.auth.sessionToken")
        elif auth.get("profile"):
            # The environment chain reads the profile named by AWS_PROFILE (as the AWS CLI and SDKs do).
            os.environ["AWS_PROFILE"] = auth["profile"]
        store = S3Store(settings["bucket"], settings.get("region") or "", settings.get("prefix") or "",
                        endpoint=settings.get("endpoint"), path_style=bool(settings.get("path_style")), **keys)
        return StoreSource(store, "s3", chunk_size)
    if kind == "gcs":
        auth = dict(settings.get("auth") or {})
        key = None
        if auth.get("kind") == "serviceAccountKey":
            key = resolve(auth.get("service_account_key"), "source.auth.key")
        store = GcsStore(settings["bucket"], settings.get("prefix") or "", service_account_key=key,
                         endpoint=settings.get("endpoint"))
        return StoreSource(store, "gcs", chunk_size)
    if kind == "hdfs":
        return StoreSource(HdfsStore(settings["name_node"], settings.get("path") or "/", settings.get("user")),
                           "hdfs", chunk_size)
    if kind == "local":
        return StoreSource(LocalStore(settings["path"]), "local", chunk_size)
    raise ValueError(f"source.type {kind!r}: this job reads adls, s3, gcs, hdfs and local sources")


def source_list_path(p):
    """The path the source is listed under: ADLS lists --source-path of its file system (names from the root); the
    other stores are rooted at their path or prefix already."""
    if (p.get("source-type") or "adls") == "adls":
        return p.get("source-path") or None
    return None


def _fatal(error):
    """A store error as the job raises it: the problems that stop the run as SourceStoreProblem, a transient one as
    TransientError (retried), the rest as they are."""
    if isinstance(error, (StoreAuthError, StoreNotFoundError, StoreUnreachableError)):
        return SourceStoreProblem(error.message)
    if isinstance(error, StoreTransientError):
        return TransientError(error.message)
    return error


def _entry(e):
    return {"name": e.name, "size": int(e.size or 0), "etag": e.version, "modified": e.modified,
            "is_directory": bool(e.is_dir), "md5": e.md5}


def _store_paths(source, path, recursive, page_size, retry_options):
    """A store's listing, entry by entry. A transient error starts the listing again, skipping the entries already
    given (a store lists in a fixed order), at most STORE_LIST_ATTEMPTS times."""
    options = dict(retry_options or {})
    attempts = max(1, min(int(options.get("max_attempts") or STORE_LIST_ATTEMPTS), STORE_LIST_ATTEMPTS))
    given = 0
    attempt = 0
    while True:
        attempt += 1
        skip = given
        store = source.store
        try:
            pages = (store.list_pages(path or "", page_size) if recursive
                     else store.list_children(path or "", page_size))
            for page in pages:
                for e in page:
                    if skip:
                        skip -= 1
                        continue
                    given += 1
                    yield _entry(e)
            return
        except StoreError as error:
            raised = _fatal(error)
            if not isinstance(raised, TransientError) or attempt >= attempts:
                raise raised from error
        options.get("sleep", time.sleep)(backoff_delay(attempt, base_delay=options.get("base_delay", 0.2),
                                                       max_delay=options.get("max_delay", 20), rng=_store_half))


def list_paths(source, path=None, *, recursive=True, max_results=5000, retry_options=None):
    """Every path under `path` (None: the whole source), recursively or one level, as
    {name, size, etag, modified, is_directory, md5} dicts (md5: base64, where the listing knows it)."""
    if isinstance(source, AdlsSource):
        source = source.fs
    if isinstance(source, StoreSource):
        return _store_paths(source, path, recursive, max_results, retry_options)
    return list_source(source, path, recursive=recursive, max_results=max_results, retry_options=retry_options)


def first_source_page(source, path=None, *, max_results=5000, retry_options=None):
    """(entries, more): the first `max_results` entries of the recursive listing of `path`, and whether there are
    more."""
    if isinstance(source, AdlsSource):
        source = source.fs
    if not isinstance(source, StoreSource):
        entries, token = source_page(source, path, max_results=max_results, retry_options=retry_options)
        return entries, bool(token)
    found = []
    for e in _store_paths(source, path, True, max_results, retry_options):
        if len(found) == max_results:
            return found, True
        found.append(e)
    return found, False


def check_source_path(source, path=None, retry_options=None):
    """One small listing of `path` (the preflight's check that the source answers): raises what the store raises."""
    if isinstance(source, AdlsSource):
        source = source.fs
    if isinstance(source, StoreSource):
        for _ in _store_paths(source, path, False, 1, retry_options):
            break
        return
    pages = source.get_paths(path=path, recursive=False, max_results=1).by_page()
    next(iter(pages), None)


def file_properties(source, name, retry_options=None, tally=None):
    """{size, etag, md5} of file `name` now (etag: the version reads are made on; md5: base64, or None)."""
    if not isinstance(source, StoreSource):
        return source_properties(source, name, retry_options, tally)
    try:
        found = source.store.stat(name)
    except StoreError as error:
        raise _fatal(error) from error
    if isinstance(found, NotFound):
        raise SourceChanged(f"source {name} was deleted since it was planned")
    return {"size": int(found.size or 0), "etag": found.version, "md5": found.md5}


def changed_source_error(name, version, error, source=None):
    """The SourceChanged (the log's words) for a read refused because `name` is no longer `version` or is gone, else
    None."""
    if isinstance(error, SourceChanged):
        return error
    if isinstance(error, StoreVersionChangedError):
        if error.found is None:
            return SourceChanged(f"source {name} was deleted since it was planned")
        return SourceChanged(f"source {name} changed since it was planned (version {version or error.expected} is "
                             "gone); plan again")
    file_client = source.get_file_client(name) if source is not None and hasattr(source, "get_file_client") else None
    return source_changed_error(name, version, error, file_client)


class StoreRange:
    """The bytes [offset, offset+length) of one file of a store, read on one version (the etag given, else the one a
    stat finds at open()), one chunk at a time. The same interface as adls.SourceRange: open(), iteration, .etag,
    .content_md5 (the store's base64 MD5 of the whole file, when it keeps one and open() stat'ed it). A stream that
    breaks is read again from where it stopped, at most MAX_SOURCE_RESUMES times, each counted in `tally`; a changed
    or deleted file raises SourceChanged; a transient store error TransientError."""

    def __init__(self, source, name, offset, length, *, etag=None, retry_options=None, tally=None,
                 sleep=time.sleep):
        self.name = name
        self.offset = offset
        self.length = max(0, length)
        self.etag = etag
        self.content_md5 = None
        self._store = source.store
        self._chunk_size = source.chunk_size
        self._retry_options = dict(retry_options or {})
        self._tally = tally
        self._sleep = self._retry_options.get("sleep", sleep)
        self._opened = False

    def _changed(self, error):
        return changed_source_error(self.name, self.etag, error) or error

    def open(self):
        if self._opened:
            return self
        self._opened = True
        if not self.etag:
            try:
                found = self._store.stat(self.name)
            except StoreError as error:
                raise _fatal(error) from error
            if isinstance(found, NotFound):
                raise SourceChanged(f"source {self.name} was deleted since it was planned")
            self.etag = found.version
            self.content_md5 = found.md5
        return self

    def __iter__(self):
        end = self.offset + self.length
        if self.length == 0:
            return
        self.open()
        position = self.offset
        resumes = 0
        while position < end:
            progressed = position
            try:
                for chunk in self._store.read_range(self.name, position, end - position, self.etag,
                                                    chunk_size=self._chunk_size):
                    if not chunk:
                        continue
                    if position + len(chunk) > end:
                        raise TransientError(f"source {self.name}: more bytes than the {self.length} asked for")
                    position += len(chunk)
                    yield chunk
            except StoreVersionChangedError as error:
                raise self._changed(error) from error
            except Exception as error:  # noqa: BLE001 - only transient stream errors are resumed
                raised = _fatal(error) if isinstance(error, StoreError) else error
                if isinstance(raised, SourceStoreProblem) and isinstance(error, StoreUnreachableError):
                    raised = TransientError(error.message)  # a dropped connection mid-copy: read again
                if not is_retryable(raised) or resumes >= MAX_SOURCE_RESUMES:
                    if raised is error:
                        raise
                    raise raised from error
                resumes += 1
                if self._tally is not None:
                    self._tally.add(1)
                if position == progressed:
                    self._sleep(backoff_delay(resumes, base_delay=self._retry_options.get("base_delay", 0.2),
                                              max_delay=self._retry_options.get("max_delay", 20), rng=_store_half))
                continue
            if position < end:
                raise TransientError(
                    f"source {self.name} ended at byte {position}, before {end}: it changed while copying?")


def source_range(source, name, offset, length, *, etag=None, retry_options=None, tally=None):
    """The reader of [offset, offset+length) of `name` (on version `etag` when given), not opened yet."""
    if isinstance(source, StoreSource):
        return StoreRange(source, name, offset, length, etag=etag, retry_options=retry_options, tally=tally)
    return SourceRange(source, name, offset, length, etag=etag, retry_options=retry_options, tally=tally)
