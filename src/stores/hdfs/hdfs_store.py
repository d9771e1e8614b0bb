"""HDFS, the job's half: Hadoop RPC to the NameNode and the DataNodes' data transfer, through OpenDAL's hdfs_native
service (PyPI opendal; no JVM, no libhdfs). The same contract as hdfs-lister.ts (src/stores/store.py says it).

Why RPC and not WebHDFS: WebHDFS's DataNode redirect turns an NFD path into NFC (java.net.URI), so an OPEN of an NFD
name reads the NFC-named file; over RPC names go through as bytes (docs/emulators.md, HDFS).
Order: a depth-first walk, each directory just before its contents, a directory's children in HDFS's own order (the
UTF-8 bytes compared as Java's signed bytes: names with non-ASCII bytes before ASCII ones). Not code point order.
Version: "<length>@<modification time in ms since the epoch>". HDFS keeps no MD5 of a file: equality evidence is
length and modification time (its GETFILECHECKSUM is an MD5 of per-block MD5s of CRCs, not the content's MD5).
User: simple auth's user name, which hdfs_native takes from HADOOP_USER_NAME when it connects (and reconnects), so
the user is one per process: README.md.
"""

import datetime
import os
import socket
from typing import Iterator, List, Optional, Tuple
from urllib.parse import urlsplit

import opendal
import opendal.types

from ..opendal_errors import FAILURES, opendal_kind, require_directory
from ..store import (
    EPOCH,
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
    paged,
    version_changed,
)

HDFS_PAGE = 1000
CONNECT_TIMEOUT_S = 10.0
# The user this process acts as on HDFS, once a store has set it (hdfs_native reads HADOOP_USER_NAME on connecting). Kept
# in the environment, not in a module global: the job's functions are pickled by value to Spark's workers, with the
# globals they use, and a lock cannot be pickled.
PROCESS_USER_ENV = "LAKE2OCI_HDFS_PROCESS_USER"
_TRANSIENT = ("StandbyException", "SafeModeException", "RetriableException", "ObserverRetryOnActiveException")


def hdfs_version(size: int, modified: Optional[datetime.datetime]) -> str:
    """length and modification time in ms, as hdfs-lister.ts writes them from WebHDFS's FileStatus."""
    millis = 0 if modified is None else (modified - EPOCH) // datetime.timedelta(milliseconds=1)
    return f"{size}@{millis}"


def _act_as(user: Optional[str]) -> str:
    """Sets the process's HDFS user (HADOOP_USER_NAME) once; another user later in the same process is refused, as
    hdfs_native would silently reconnect as whichever user the variable names then."""
    wanted = user or os.environ.get("HADOOP_USER_NAME") or _os_user()
    # setdefault: of two threads setting it at once, one wins and the other is compared with it.
    acting = os.environ.setdefault(PROCESS_USER_ENV, wanted)
    if acting != wanted:
        raise StoreError(
            f"HDFS: this process already acts as user {acting}, not {wanted}: hdfs_native takes the user "
            "from HADOOP_USER_NAME for the whole process; use one source.user per job")
    os.environ["HADOOP_USER_NAME"] = wanted
    return wanted


def _os_user() -> str:
    try:
        import getpass
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class HdfsStore:
    def __init__(self, name_node: str, path: str = "/", user: Optional[str] = None):
        """name_node: the NameNode's RPC URI, hdfs://host:port (8020 on most clusters). path: the directory that is
        the store (absolute); names are relative to it. user: simple auth's user name (default HADOOP_USER_NAME, else
        the OS user)."""
        self.name_node = name_node.rstrip("/")
        self.root = "/" + path.strip("/")
        self.user = user
        self.description = f"HDFS {self.name_node}{self.root}"
        # The user the NameNode sees, once connected (user, else HADOOP_USER_NAME, else the OS user).
        self.acting_as = user or ""
        self._op: Optional[opendal.Operator] = None

    def _where(self, name: str) -> str:
        return self.description if name == "" else f'{self.description}: "{name}"'

    def _probe(self) -> None:
        """hdfs_native retries a refused connection for minutes: a plain TCP connect first says it at once."""
        url = urlsplit(self.name_node)
        if url.scheme != "hdfs" or not url.hostname:
            raise StoreError(f"{self.description}: source.nameNode must be hdfs://host:port (the NameNode's RPC URI)")
        try:
            socket.create_connection((url.hostname, url.port or 8020), timeout=CONNECT_TIMEOUT_S).close()
        except OSError as err:
            why = {111: "ECONNREFUSED", 113: "EHOSTUNREACH", 101: "ENETUNREACH"}.get(err.errno or 0)
            if isinstance(err, socket.timeout):
                why = "ETIMEDOUT"
            elif isinstance(err, socket.gaierror):
                why = "ENOTFOUND"
            raise StoreUnreachableError(
                f"{self.description}: cannot connect ({why or err}); check source.nameNode and that the NameNode is "
                "reachable") from None

    def _operator(self) -> opendal.Operator:
        if self._op is None:
            self._probe()
            self.acting_as = _act_as(self.user)
            op = opendal.Operator("hdfs_native", name_node=self.name_node, root=self.root.rstrip("/") + "/")
            if self.root != "/":
                # OpenDAL answers a stat of its own root without asking, and lists a missing directory as empty: the
                # root is checked from "/" (a mistyped source.path must be an error, not an empty lake).
                top = opendal.Operator("hdfs_native", name_node=self.name_node, root="/")
                try:
                    meta = top.stat(self.root.lstrip("/") + "/")
                except FAILURES as err:
                    raise self._classify(err, "") from err
                if not meta.is_dir:
                    raise StoreNotFoundError(f"{self.description}: not a directory; check source.path")
            self._op = op
        return self._op

    def _classify(self, err: BaseException, name: str) -> StoreError:
        if isinstance(err, StoreError):
            return err
        text = str(err)
        detail = store_first_line(text.split("=> ", 1)[-1], 300)
        where = self._where(name)
        if "Permission denied" in text or "AccessControlException" in text or opendal_kind(err) == "PermissionDenied":
            return StoreAuthError(f"{where}: permission refused to user {self.acting_as} "
                                  f"({detail}); check source.user and the path's permissions")
        if opendal_kind(err) in ("NotFound", "NotADirectory"):
            return StoreNotFoundError(f"{where}: not found; check source.path")
        if "Connection refused" in text or "RPC listener disconnected" in text:
            return StoreUnreachableError(f"{where}: cannot connect ({detail}); check source.nameNode and that the "
                                         "NameNode is reachable")
        if any(t in text for t in _TRANSIENT):
            return StoreTransientError(f"{where}: NameNode busy or not active ({detail}); try again later")
        return StoreError(f"{where}: {store_first_line(text)}")

    def _entry(self, name: str, meta: "opendal.types.Metadata") -> Entry:
        if meta.is_dir:
            return Entry(name, 0, iso_millis(meta.last_modified), is_dir=True)
        size = meta.content_length
        return Entry(name, size, iso_millis(meta.last_modified), version=hdfs_version(size, meta.last_modified))

    def _children(self, op: opendal.Operator, directory: str) -> Iterator[Tuple[str, "opendal.types.Metadata"]]:
        """The files and directories in a directory, in HDFS's order, streamed (the NameNode's listing pages)."""
        own = directory + "/" if directory else "/"
        for e in op.list(own if directory else ""):
            if e.path in (own, "/", ""):
                continue
            meta = e.metadata
            if not (meta.is_dir or meta.is_file):
                continue
            yield (e.path[:-1] if e.path.endswith("/") else e.path), meta

    def _child_entry(self, op: opendal.Operator, name: str, meta: "opendal.types.Metadata") -> Optional[Entry]:
        if not meta.is_dir:
            return self._entry(name, meta)
        # hdfs_native's listing gives a directory no time: one stat each (files come with theirs).
        try:
            return self._entry(name, op.stat(name + "/"))
        except opendal.exceptions.NotFound:
            return None

    def _walk(self, op: opendal.Operator, directory: str) -> Iterator[Entry]:
        for name, meta in self._children(op, directory):
            entry = self._child_entry(op, name, meta)
            if entry is None:
                continue
            yield entry
            if entry.is_dir:
                yield from self._walk(op, name)

    def list_pages(self, prefix: str = "", page_size: Optional[int] = None) -> Iterator[List[Entry]]:
        """Every entry under the directory prefix ("" = all), directories included, in the walk order above; a
        missing prefix is not found."""
        directory = prefix.strip("/")
        op = self._operator()
        try:
            if directory:
                require_directory(op, directory, self.description)
            yield from paged(self._walk(op, directory), page_size or HDFS_PAGE)
        except FAILURES as err:
            raise self._classify(err, directory) from err

    def list_children(self, prefix: str = "", page_size: Optional[int] = None) -> Iterator[List[Entry]]:
        directory = prefix.strip("/")
        op = self._operator()
        try:
            if directory:
                require_directory(op, directory, self.description)
            entries = (self._child_entry(op, n, m) for n, m in self._children(op, directory))
            yield from paged((e for e in entries if e is not None), page_size or HDFS_PAGE)
        except FAILURES as err:
            raise self._classify(err, directory) from err

    def stat(self, name: str) -> StatResult:
        clean = name.strip("/")
        op = self._operator()
        try:
            return self._entry(clean, op.stat(clean))
        except opendal.exceptions.NotFound:
            return NotFound(clean)
        except FAILURES as err:
            raise self._classify(err, clean) from err

    def _now(self, op: opendal.Operator, name: str) -> Tuple[Optional[str], int]:
        try:
            meta = op.stat(name)
        except opendal.exceptions.NotFound:
            return None, 0
        if meta.is_dir:
            return None, 0
        return hdfs_version(meta.content_length, meta.last_modified), meta.content_length

    def read_range(self, name: str, offset: int, length: int, version: str,
                   chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """The version (length and mtime) is checked by stat before the read and again after it: a change seen after
        comes after the chunks were yielded, so the caller must drop them. README.md says what this cannot see."""
        clean = name.strip("/")
        op = self._operator()
        try:
            before, size = self._now(op, clean)
            if before != version:
                raise version_changed(self.description, clean, version, before)
            left = max(0, min(length, size - offset))
            if left > 0:
                with op.open(clean, "rb") as f:
                    f.seek(offset)
                    while left > 0:
                        chunk = f.read(min(chunk_size, left))
                        if not chunk:
                            break
                        left -= len(chunk)
                        yield bytes(chunk)
            after, _ = self._now(op, clean)
            if after != version:
                raise version_changed(self.description, clean, version, after)
        except FAILURES as err:
            if opendal_kind(err) == "NotFound":
                raise version_changed(self.description, clean, version, None) from None
            raise self._classify(err, clean) from err
