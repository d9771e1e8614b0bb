"""The job's source API over the stores of src/stores (src/job/sources.py), on a real local directory read through
OpenDAL (LocalStore): the listing as the job's dicts, a listing that meets a transient error going on where it
stopped, ranged reads on a version (a rewrite or a deletion worded as the log words them), a read that breaks midway
resumed at the byte where it stopped, and the store problems that stop a run."""
import os
import time

import pytest
from runtime_loader import load_runtime

rt = load_runtime("sources", "retry")

from stores.store import StoreTransientError, StoreUnreachableError  # noqa: E402  (src is on sys.path now)

FILES = {
    "a/one.bin": b"1" * 1000,
    "a/two.bin": b"22" * 700,
    "b/c/three.bin": bytes(range(256)) * 40,
    "b/empty.bin": b"",
    "top.txt": b"top",
}
NO_WAIT = {"sleep": lambda s: None, "base_delay": 0, "max_delay": 0}


@pytest.fixture()
def lake(tmp_path):
    for name, data in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return tmp_path


def open_local(root, chunk_size=512):
    return rt.open_source({"type": "local", "path": str(root)}, resolve=lambda ref, field: ref, chunk_size=chunk_size)


class Flaky:
    """A real store whose next `fail` calls of `method` raise `error` (after `after` items, for iterators)."""

    def __init__(self, store, method, error, fail=1, after=0):
        self._store = store
        self._method = method
        self._error = error
        self._fail = fail
        self._after = after
        self.description = store.description
        self.calls = 0

    def __getattr__(self, name):
        real = getattr(self._store, name)
        if name != self._method:
            return real

        def call(*args, **kwargs):
            self.calls += 1
            failing = self._fail > 0
            if failing:
                self._fail -= 1
            result = real(*args, **kwargs)
            if not failing:
                return result
            if not hasattr(result, "__next__"):
                raise self._error

            def broken():
                for i, item in enumerate(result):
                    if i == self._after:
                        raise self._error
                    yield item
                raise self._error
            return broken()
        return call


def test_lists_every_file_with_its_size_and_version(lake):
    source = open_local(lake)
    entries = list(rt.list_paths(source))
    files = {e["name"]: e for e in entries if not e["is_directory"]}
    assert {n: e["size"] for n, e in files.items()} == {n: len(d) for n, d in FILES.items()}
    assert all(e["etag"] and e["md5"] is None for e in files.values()), "a directory lists versions, no MD5"
    assert {e["name"] for e in entries if e["is_directory"]} == {"a", "b", "b/c"}
    assert [e["name"] for e in rt.list_paths(source, "a", recursive=False)] == ["a/one.bin", "a/two.bin"]


def test_a_listing_that_meets_a_transient_error_goes_on_without_repeating_or_losing_an_entry(lake):
    source = open_local(lake)
    whole = [e["name"] for e in rt.list_paths(source, max_results=2)]
    source.store = Flaky(source.store, "list_pages", StoreTransientError("busy"), fail=2, after=1)
    again = [e["name"] for e in rt.list_paths(source, max_results=2, retry_options=NO_WAIT)]
    assert again == whole
    assert source.store.calls == 3


def test_a_listing_gives_up_after_its_attempts(lake):
    source = open_local(lake)
    source.store = Flaky(source.store, "list_pages", StoreTransientError("busy"), fail=10)
    with pytest.raises(rt.TransientError, match="busy"):
        list(rt.list_paths(source, retry_options=NO_WAIT))


def test_first_page_says_whether_there_is_more(lake):
    source = open_local(lake)
    found, more = rt.first_source_page(source, max_results=3)
    assert len(found) == 3 and more
    found, more = rt.first_source_page(source, max_results=100)
    assert len(found) == len(FILES) + 3 and not more


def test_reads_a_range_on_its_version_and_refuses_a_rewrite_or_a_deletion(lake):
    source = open_local(lake)
    name = "b/c/three.bin"
    props = rt.file_properties(source, name)
    assert props["size"] == len(FILES[name]) and props["etag"]
    reader = rt.source_range(source, name, 100, 5000, etag=props["etag"]).open()
    assert b"".join(reader) == FILES[name][100:5100]
    # Rewritten with the same size: another version, refused in the log's words.
    later = time.time() + 5
    (lake / name).write_bytes(bytes(reversed(FILES[name])))
    os.utime(lake / name, (later, later))
    with pytest.raises(rt.SourceChanged, match=f"source {name} changed since it was planned"):
        b"".join(rt.source_range(source, name, 0, 10, etag=props["etag"]).open())
    os.remove(lake / name)
    with pytest.raises(rt.SourceChanged, match=f"source {name} was deleted since it was planned"):
        rt.file_properties(source, name)
    with pytest.raises(rt.SourceChanged, match="deleted"):
        b"".join(rt.source_range(source, name, 0, 10, etag=props["etag"]).open())


def test_a_read_that_breaks_midway_resumes_at_the_byte_where_it_stopped(lake):
    source = open_local(lake, chunk_size=1000)
    name = "b/c/three.bin"
    version = rt.file_properties(source, name)["etag"]
    source.store = Flaky(source.store, "read_range", StoreUnreachableError("connection reset"), fail=2, after=3)
    tally = rt.AttemptTally()
    data = b"".join(rt.source_range(source, name, 0, len(FILES[name]), etag=version, tally=tally,
                                    retry_options=NO_WAIT).open())
    assert data == FILES[name]
    assert tally.attempts == 3, "each resume counts as a retry of the file"


def test_without_a_version_the_first_stat_pins_it(lake):
    source = open_local(lake)
    reader = rt.source_range(source, "a/one.bin", 0, 1000).open()
    assert reader.etag == rt.file_properties(source, "a/one.bin")["etag"]
    assert b"".join(reader) == FILES["a/one.bin"]


def test_a_missing_directory_stops_the_run_with_one_line_naming_the_field(tmp_path):
    source = open_local(tmp_path / "no-such-lake")
    with pytest.raises(rt.SourceStoreProblem, match="source.path"):
        rt.check_source_path(source)
    with pytest.raises(rt.SourceStoreProblem, match="source.path"):
        list(rt.list_paths(source))


def test_an_unknown_source_type_is_refused():
    with pytest.raises(ValueError, match="adls, s3, gcs, hdfs and local"):
        rt.open_source({"type": "ftp"}, resolve=lambda ref, field: ref, chunk_size=1)
