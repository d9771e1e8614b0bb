"""The store contract, Python side: what the job's stores (src/stores/<name>/<name>_store.py) offer, the same as
src/stores/store.ts's SourceStore. Plain classes and functions, no pyspark: each store module imports this one.

A store lists a prefix page by page (list_pages), lists the immediate children of a directory for the parallel
listing (list_children), stats one name (stat: an Entry, or NotFound for a missing name, never an exception), and
reads a byte range streamed on a given version (read_range: StoreVersionChangedError when the file is another version
or gone). Names are relative to the store's root, "/"-separated, never starting with "/"; a directory's name has no
trailing "/". Errors are classified by what the caller should do, as in src/stores/errors.ts: StoreAuthError,
StoreNotFoundError and StoreUnreachableError are fatal, StoreTransientError is worth retrying, StoreVersionChangedError
and other StoreErrors fail one item.
"""

import datetime
from typing import Iterator, List, Optional, Protocol, Union

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


class Entry:
    """One listed path. size is 0 for directories; md5 is base64, when the store keeps one; version is what
    read_range takes back; modified is ISO 8601 UTC with milliseconds, as the TypeScript side writes it."""

    __slots__ = ("name", "size", "modified", "is_dir", "version", "md5", "etag")

    def __init__(self, name: str, size: int, modified: str, is_dir: bool = False, version: Optional[str] = None,
                 md5: Optional[str] = None, etag: Optional[str] = None):
        self.name = name
        self.size = size
        self.modified = modified
        self.is_dir = is_dir
        self.version = version
        self.md5 = md5
        self.etag = etag

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Entry) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__ if getattr(self, k) is not None)
        return f"Entry({fields})"


class NotFound:
    """stat's answer for a name that does not exist."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NotFound) and other.name == self.name

    def __repr__(self) -> str:
        return f"NotFound({self.name!r})"


StatResult = Union[Entry, NotFound]


class StoreError(Exception):
    """action: "retry", "fatal" or "no-retry" (what the caller should do)."""

    action = "no-retry"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StoreAuthError(StoreError):
    """Credentials refused or not obtainable (S3: SignatureDoesNotMatch, InvalidAccessKeyId, InvalidToken)."""

    action = "fatal"


class StoreNotFoundError(StoreError):
    """The container (bucket, directory) does not exist."""

    action = "fatal"


class StoreUnreachableError(StoreError):
    """No connection to the endpoint."""

    action = "fatal"


class StoreTransientError(StoreError):
    """Throttled or a transient server fault: worth retrying with backoff."""

    action = "retry"


class StoreVersionChangedError(StoreError):
    """The file is no longer the version the caller planned on (found is None when it is gone): plan it again."""

    action = "no-retry"

    def __init__(self, message: str, name: str, expected: str, found: Optional[str]):
        super().__init__(message)
        self.name = name
        self.expected = expected
        self.found = found


def version_changed(description: str, name: str, expected: str, found: Optional[str]) -> StoreVersionChangedError:
    """The error read_range raises, worded as the TypeScript stores word it."""
    now = "gone" if found is None else found
    return StoreVersionChangedError(
        f'{description}: "{name}" changed since it was listed (version {expected}, now {now}); plan it again',
        name, expected, found)


def iso_millis(moment: Optional[datetime.datetime]) -> str:
    """ISO 8601 UTC with milliseconds (JavaScript's toISOString), for Entry.modified."""
    if moment is None:
        moment = EPOCH
    moment = moment.astimezone(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def walk_key(name: str, is_dir: bool) -> bytes:
    """The sort key of the stores' listing order: UTF-8 bytes (= code points), a directory as its name and "/"."""
    return (name + "/" if is_dir else name).encode("utf-8")


class SourceStore(Protocol):
    """What a source store offers (src/stores/local/local_store.py, src/stores/s3/s3_store.py,
    src/stores/hdfs/hdfs_store.py)."""

    description: str

    def list_pages(self, prefix: str = "", page_size: Optional[int] = None) -> Iterator[List[Entry]]:
        """Every entry under prefix ("" = all), in pages of at most page_size; each store documents its order and
        what its prefix means (S3: a name prefix; local: a directory)."""
        ...

    def list_children(self, prefix: str = "", page_size: Optional[int] = None) -> Iterator[List[Entry]]:
        """The files and directories immediately under the directory prefix ("" = the root), in pages."""
        ...

    def stat(self, name: str) -> StatResult:
        ...

    def read_range(self, name: str, offset: int, length: int, version: str,
                   chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """[offset, offset + length) of name, cut at the end of the file, in chunks of at most chunk_size, only while
        name is that version: otherwise the iterator raises StoreVersionChangedError (possibly after some chunks, on
        stores that can only tell after the read: what was read must then be dropped)."""
        ...


def paged(entries: Iterator[Entry], page_size: int) -> Iterator[List[Entry]]:
    """The entries in pages of page_size (at least 1), the last one possibly shorter; no empty page."""
    size = max(1, page_size)
    page: List[Entry] = []
    for e in entries:
        page.append(e)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


def store_first_line(text: str, limit: int = 300) -> str:
    return text.split("\n")[0][:limit]
