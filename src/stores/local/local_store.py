"""Local store, the job's half: a directory on this machine (NFS and other mounts included) through OpenDAL's fs
service (PyPI opendal). The same contract and behaviour as local-lister.ts (src/stores/store.py says the contract).

Order: code point order of the full names, each directory just before its contents (a depth-first walk, children
sorted by UTF-8 bytes with "/" after a directory's name): the order S3 and OCI list in.
Listings hold regular files and directories only: symbolic links (not followed: loops, names outside the directory),
sockets, FIFOs and devices are left out, told apart with lstat; an entry that goes away while its directory is
listed is left out too.
Version: "<size>@<mtime in microseconds since the epoch>". A local file has no checksum to list: equality evidence
is its size and mtime (README.md).
"""

import datetime
import os
import stat
from typing import Iterator, List, Optional, Tuple

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
    store_first_line,
    iso_millis,
    paged,
    version_changed,
    walk_key,
)

LOCAL_PAGE = 1000


def local_version(size: int, modified: Optional[datetime.datetime]) -> str:
    """size and mtime in whole microseconds, as local-lister.ts writes them."""
    micros = 0 if modified is None else (modified - EPOCH) // datetime.timedelta(microseconds=1)
    return f"{size}@{micros}"


class LocalStore:
    def __init__(self, path: str):
        self.root = os.path.abspath(path)
        self.description = f"local directory {self.root}"
        self._op: Optional[opendal.Operator] = None

    def _operator(self) -> opendal.Operator:
        if self._op is None:
            # OpenDAL's fs service creates a missing root: a mistyped source path must be an error instead.
            if not os.path.isdir(self.root):
                raise StoreNotFoundError(f"{self.description}: not found; check source.path")
            self._op = opendal.Operator("fs", root=self.root)
        return self._op

    def _classify(self, err: BaseException, name: str) -> StoreError:
        if isinstance(err, StoreError):
            return err
        where = self.description if name == "" else f'{self.description}: "{name}"'
        kind = opendal_kind(err)
        if kind in ("NotFound", "NotADirectory") or isinstance(err, (FileNotFoundError, NotADirectoryError)):
            return StoreNotFoundError(f"{where}: not found; check source.path")
        if kind == "PermissionDenied" or isinstance(err, PermissionError):
            return StoreAuthError(f"{where}: permission refused; check that this user may read it")
        return StoreError(f"{where}: {store_first_line(str(err))}")

    def _entry(self, name: str, meta: "opendal.types.Metadata") -> Entry:
        if meta.is_dir:
            return Entry(name, 0, iso_millis(meta.last_modified), is_dir=True)
        size = meta.content_length
        return Entry(name, size, iso_millis(meta.last_modified), version=local_version(size, meta.last_modified))

    def _children(self, op: opendal.Operator, directory: str) -> List[Tuple[str, bool]]:
        own = directory + "/" if directory else "/"
        out = []
        for e in op.list(own if directory else ""):
            path = e.path
            if path in (own, "/", ""):
                continue
            name = path[:-1] if path.endswith("/") else path
            try:
                mode = os.lstat(os.path.join(self.root, name)).st_mode
            except FileNotFoundError:
                continue
            if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
                out.append((name, stat.S_ISDIR(mode)))
        out.sort(key=lambda c: walk_key(c[0], c[1]))
        return out

    def _stat_entry(self, op: opendal.Operator, name: str, is_dir: bool) -> Optional[Entry]:
        """The entry of a listed child, or None when it went away since its directory was listed."""
        try:
            return self._entry(name, op.stat(name + "/" if is_dir else name))
        except FAILURES as err:
            if opendal_kind(err) == "NotFound":
                return None
            raise self._classify(err, name) from err

    def _walk(self, op: opendal.Operator, directory: str) -> Iterator[Entry]:
        for name, is_dir in self._children(op, directory):
            entry = self._stat_entry(op, name, is_dir)
            if entry is None:
                continue
            yield entry
            if is_dir:
                yield from self._walk(op, name)

    def list_pages(self, prefix: str = "", page_size: Optional[int] = None) -> Iterator[List[Entry]]:
        """Every entry under the directory prefix ("" = all), directories included; a missing prefix is not found."""
        directory = prefix.strip("/")
        try:
            op = self._operator()
            if directory:
                require_directory(op, directory, self.description)
            yield from paged(self._walk(op, directory), page_size or LOCAL_PAGE)
        except FAILURES as err:
            raise self._classify(err, directory) from err

    def list_children(self, prefix: str = "", page_size: Optional[int] = None) -> Iterator[List[Entry]]:
        directory = prefix.strip("/")
        try:
            op = self._operator()
            if directory:
                require_directory(op, directory, self.description)
            children = self._children(op, directory)
            entries = (self._stat_entry(op, n, d) for n, d in children)
            yield from paged((e for e in entries if e is not None), page_size or LOCAL_PAGE)
        except FAILURES as err:
            raise self._classify(err, directory) from err

    def stat(self, name: str) -> StatResult:
        clean = name.strip("/")
        try:
            return self._entry(clean, self._operator().stat(clean))
        except opendal.exceptions.NotFound:
            return NotFound(clean)
        except FAILURES as err:
            raise self._classify(err, clean) from err

    def _version_now(self, op: opendal.Operator, name: str) -> Optional[str]:
        try:
            meta = op.stat(name)
        except opendal.exceptions.NotFound:
            return None
        return None if meta.is_dir else local_version(meta.content_length, meta.last_modified)

    def read_range(self, name: str, offset: int, length: int, version: str,
                   chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Checked before and after the read (a file can change while it is read): a change raises, after the chunks
        already yielded, so the caller must drop them; S3 can refuse up front, a directory cannot."""
        clean = name.strip("/")
        op = self._operator()
        try:
            before = self._version_now(op, clean)
            if before != version:
                raise version_changed(self.description, clean, version, before)
            if length > 0:
                with op.open(clean, "rb") as f:
                    f.seek(offset)
                    left = length
                    while left > 0:
                        chunk = f.read(min(chunk_size, left))
                        if not chunk:
                            break
                        left -= len(chunk)
                        yield bytes(chunk)
            after = self._version_now(op, clean)
            if after != version:
                raise version_changed(self.description, clean, version, after)
        except FAILURES as err:
            if opendal_kind(err) == "NotFound":
                raise version_changed(self.description, clean, version, None) from None
            raise self._classify(err, clean) from err
