"""Pure pieces of the copy (src/job/copy.py): part sizes and ranges, the multipart MD5, the hashing
request body, and copy_files' bookkeeping (dry run, skip, failure isolation) with fake clients."""
import base64
import datetime
import hashlib
import types

import oci
import pytest

from runtime_loader import load_runtime

rt = load_runtime("copy")
MIB = 1024 * 1024
GIB = 1024 * MIB
TIB = 1024 * GIB


@pytest.mark.parametrize(
    "size,want",
    [
        (0, 8 * MIB),
        (1, 8 * MIB),
        (40 * MIB, 8 * MIB),
        (80_000 * MIB, 8 * MIB),  # 10,000 parts of 8 MiB
        (80_000 * MIB + 1, 9 * MIB),
        (TIB, 105 * MIB),
        (10 * TIB, 1049 * MIB),
    ],
)
def test_choose_part_size_keeps_at_most_10000_parts(size, want):
    got = rt.choose_part_size(size)
    assert got == want
    assert rt.part_count(size, got) <= 10_000
    assert got % MIB == 0


def test_choose_part_size_honors_a_larger_minimum_and_refuses_too_big():
    assert rt.choose_part_size(40 * MIB, min_part=16 * MIB) == 16 * MIB
    with pytest.raises(ValueError, match="outside what OCI accepts"):
        rt.choose_part_size(10 * TIB + 1)


def test_part_ranges_cover_the_file_exactly():
    size, part = 40 * MIB + 3, 8 * MIB
    count = rt.part_count(size, part)
    ranges = [rt.part_range(size, part, n) for n in range(1, count + 1)]
    assert count == 6
    assert ranges[0] == (0, part) and ranges[-1] == (40 * MIB, 3)
    assert sum(length for _, length in ranges) == size
    assert all(ranges[i][0] + ranges[i][1] == ranges[i + 1][0] for i in range(count - 1))


def test_multipart_md5_is_md5_of_the_binary_part_md5s_and_the_count():
    parts = [b"a" * 10, b"b" * 7, b"c"]
    digests = [hashlib.md5(p).digest() for p in parts]
    want = base64.b64encode(hashlib.md5(b"".join(digests)).digest()).decode() + "-3"
    assert rt.multipart_md5([base64.b64encode(d).decode() for d in digests]) == want


def test_hashing_reader_hands_out_bytes_in_any_sizes_and_hashes_them():
    chunks = [b"hello ", b"", b"streaming ", b"world"]
    reader = rt._HashingReader(iter(chunks), 21)
    assert len(reader) == 21
    got = []
    for n in (3, 3, 100, 4, 4, 4, 100, 1):
        got.append(reader.read(n))
    assert b"".join(got) == b"hello streaming world"
    assert all(len(piece) <= n for piece, n in zip(got, (3, 3, 100, 4, 4, 4, 100, 1), strict=True))
    assert reader.read(10) == b""
    assert reader.bytes_read == 21
    assert reader.md5_base64() == base64.b64encode(hashlib.md5(b"hello streaming world").digest()).decode()
    assert not hasattr(reader, "__iter__")


def test_hashing_reader_read_all_returns_one_chunk_at_a_time():
    reader = rt._HashingReader(iter([b"ab", b"cd"]), 4)
    assert reader.read() == b"ab"
    assert reader.read(-1) == b"cd"
    assert reader.read() == b""


class Boom(Exception):
    pass


class FakeTarget:
    """Records calls; fails put_object for names in `fail`."""

    def __init__(self, fail=()):
        self.fail = set(fail)
        self.calls = []

    def put_object(self, namespace, bucket, name, body, **kwargs):
        self.calls.append(("put_object", name))
        if name in self.fail:
            raise oci.exceptions.ServiceError(403, "Forbidden", {}, "not allowed")
        data = body if isinstance(body, bytes) else b"".join(iter(lambda: body.read(5), b""))
        md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
        return types.SimpleNamespace(headers={"opc-content-md5": md5, "etag": "e"})

    def delete_object(self, namespace, bucket, name, **kwargs):
        self.calls.append(("delete_object", name))
        return types.SimpleNamespace(headers={})


class FakeDownloader:
    def __init__(self, data):
        self._data = data
        settings = types.SimpleNamespace(content_md5=None)
        self.properties = types.SimpleNamespace(etag='"0xE"', content_settings=settings)

    def chunks(self):
        return iter([self._data[i:i + 4] for i in range(0, len(self._data), 4)])


class FakeSource:
    def __init__(self, files):
        self.files = files

    def get_file_client(self, name):
        files = self.files

        def download_file(offset=0, length=None, **kwargs):
            return FakeDownloader(files[name][offset:offset + length])

        return types.SimpleNamespace(download_file=download_file)


def context(target, files, **kwargs):
    clock = iter(datetime.datetime(2024, 1, 1, 0, 0, s) for s in range(60))
    return rt.CopyContext(FakeSource(files), target, "ns", "bucket", run_id="R1",
                          run_date=datetime.datetime(2024, 1, 1), clock=lambda: next(clock),
                          retry_options={"sleep": lambda s: None}, chunk_size=8, **kwargs)


def entry(name, size, action="copy", status="new", **more):
    return {"source_name": name, "target_name": name, "source_size": size, "action": action, "status": status,
            **more}


def test_copy_files_records_each_file_in_order_and_failures_do_not_stop_the_others():
    files = {"a": b"0123456789abc", "bad": b"xyz", "c": b"", "d": b"1234"}
    target = FakeTarget(fail={"bad"})
    ctx = context(target, files)
    seen = []
    records = rt.copy_files(ctx, [entry("a", 13), entry("bad", 3), entry("c", 0), entry("d", 4, action="skip",
                                                                                             status="equal")],
                            threads=2, on_record=seen.append)
    assert [(r["source_name"], r["outcome"]) for r in records] == [("a", "copied"), ("bad", "failed"),
                                                                   ("c", "copied"), ("d", "skipped")]
    assert sorted(r["source_name"] for r in seen) == ["a", "bad", "c", "d"]
    bad = records[1]
    assert bad["error"] == "OCI 403 Forbidden: not allowed" and bad["attempts"] == 1 and bad["verified"] is False
    a = records[0]
    assert a["verified"] is True and a["attempts"] == 1 and a["targe_size"] == 13
    assert a["source_md5"] == a["target_md5"] == base64.b64encode(hashlib.md5(files["a"]).digest()).decode()
    # Empty files are copied (the original skipped them).
    assert records[2]["target_md5"] == base64.b64encode(hashlib.md5(b"").digest()).decode()
    assert ("put_object", "d") not in target.calls


def test_dry_run_writes_nothing_and_plans_copies_and_deletions():
    target = FakeTarget()
    ctx = context(target, {"a": b"abc"}, dry_run=True)
    records = rt.copy_files(ctx, [entry("a", 3), {"source_name": None, "source_size": None, "target_name": "old",
                                                  "target_size": 9, "status": "target-only", "action": "delete"}])
    assert [(r["source_name"], r["targe_name"], r["outcome"]) for r in records] == [("a", "a", "planned"),
                                                                                    (None, "old", "planned")]
    assert target.calls == []


def test_deletions_are_carried_out_and_logged():
    target = FakeTarget()
    ctx = context(target, {})
    records = rt.copy_files(ctx, [{"sourceName": None, "sourceSize": None, "targetName": "old", "targetSize": 9,
                                   "status": "target-only", "action": "delete"}])
    assert target.calls == [("delete_object", "old")]
    assert (records[0]["outcome"], records[0]["targe_name"], records[0]["targe_size"]) == ("deleted", "old", 9)


def test_camel_case_plan_entries_are_accepted():
    target = FakeTarget()
    ctx = context(target, {"x/y": b"data"})
    records = rt.copy_files(ctx, [{"sourceName": "x/y", "targetName": "pre/x/y", "sourceSize": 4, "status": "new",
                                   "action": "copy"}])
    assert records[0]["outcome"] == "copied" and records[0]["targe_name"] == "pre/x/y"
    assert target.calls == [("put_object", "pre/x/y")]


@pytest.mark.parametrize(
    "size,want",
    [(0, False), (1, False), (128 * MIB - 1, False), (128 * MIB, True), (128 * MIB + 1, True)],
)
def test_files_of_at_least_the_threshold_go_in_parts_like_the_core_partitioning(size, want):
    ctx = rt.CopyContext(None, None, "ns", "b")
    assert ctx.multipart_threshold == 128 * MIB
    assert rt._is_multipart(ctx, size) is want


# ---- the run's deadline (--max-minutes): no new file or part after it, a multipart copy cut short is aborted ----

class Clock:
    """Epoch seconds for ctx.now: moves only when told (advance), so a test decides when the deadline passes."""

    def __init__(self, t=1000.0):
        self.t = t

    def __call__(self):
        return self.t


class PartsTarget(FakeTarget):
    """FakeTarget with multipart uploads; `on_part(part_num)` is called as each part arrives."""

    def __init__(self, on_part=None, **kwargs):
        super().__init__(**kwargs)
        self.on_part = on_part

    def create_multipart_upload(self, namespace, bucket, details, **kwargs):
        self.calls.append(("create_multipart_upload", details.object))
        return types.SimpleNamespace(data=types.SimpleNamespace(upload_id="U1"), headers={})

    def upload_part(self, namespace, bucket, name, upload_id, part_num, body, **kwargs):
        data = b"".join(iter(lambda: body.read(5), b""))
        self.calls.append(("upload_part", part_num))
        if self.on_part is not None:
            self.on_part(part_num)
        md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
        return types.SimpleNamespace(headers={"opc-content-md5": md5, "etag": f"p{part_num}"})

    def commit_multipart_upload(self, *args, **kwargs):
        self.calls.append(("commit_multipart_upload",))
        raise AssertionError("nothing may be committed")

    def abort_multipart_upload(self, namespace, bucket, name, upload_id, **kwargs):
        self.calls.append(("abort_multipart_upload", name, upload_id))
        return types.SimpleNamespace(headers={})


def deadline_context(target, files, clock, **kwargs):
    return context(target, files, deadline=clock.t + 60, max_minutes=1, now=clock, **kwargs)


def test_past_the_deadline_no_file_starts_and_each_is_logged_stopped_without_a_request():
    clock = Clock()
    target = FakeTarget()
    ctx = deadline_context(target, {"a": b"abc", "b": b"defg"}, clock)
    clock.t += 60
    records = rt.copy_files(ctx, [entry("a", 3), entry("b", 4, status="update", target_size=9),
                                  entry("c", 5, action="skip", status="equal"),
                                  {"source_name": None, "target_name": "old", "source_size": None, "target_size": 1,
                                   "action": "delete", "status": "target-only"}])
    assert [(r["source_name"] or r["targe_name"], r["outcome"]) for r in records] == [
        ("a", "stopped"), ("b", "stopped"), ("c", "skipped"), ("old", "stopped")]
    assert records[0]["error"] == "not started: the run reached --max-minutes 1"
    assert (records[1]["targe_size"], records[1]["verified"], records[1]["attempts"]) == (9, False, 0)
    assert target.calls == []


def test_files_started_before_the_deadline_finish_and_the_rest_is_stopped():
    clock = Clock()

    class Slow(FakeTarget):
        def put_object(self, *args, **kwargs):
            response = super().put_object(*args, **kwargs)
            clock.t += 40  # each copy takes 40 s: the deadline (60 s) passes during the second one
            return response

    target = Slow()
    files = {n: n.encode() * 3 for n in ("a", "b", "c", "d")}
    ctx = deadline_context(target, files, clock)
    records = rt.copy_files(ctx, [entry(n, 3) for n in files], threads=1)
    assert [r["outcome"] for r in records] == ["copied", "copied", "stopped", "stopped"]
    assert all(r["verified"] for r in records[:2])
    assert target.calls == [("put_object", "a"), ("put_object", "b")]


def test_a_dry_run_ignores_the_deadline():
    clock = Clock()
    ctx = deadline_context(FakeTarget(), {"a": b"abc"}, clock, dry_run=True)
    clock.t += 3600
    assert [r["outcome"] for r in rt.copy_files(ctx, [entry("a", 3)])] == ["planned"]


def big_entry(name, data):
    return entry(name, len(data), source_etag='"0xE"', source_md5=base64.b64encode(hashlib.md5(data).digest()).decode())


def test_upload_parts_starts_no_part_after_the_deadline_and_gives_the_parts_uploaded():
    clock = Clock()
    data = bytes(range(256)) * 4  # 1024 bytes, 8 parts of 128

    def on_part(num):
        if num == 3:
            clock.t += 61

    target = PartsTarget(on_part=on_part)
    ctx = deadline_context(target, {"big": data}, clock, part_threads=1)
    with pytest.raises(rt.DeadlineReached, match=r"^stopped with 3 of 8 parts uploaded: the run reached "
                                                 r"--max-minutes 1$") as stopped:
        rt.upload_parts(ctx, big_entry("big", data), "U1", 128, 1, 8)
    assert [p["part_num"] for p in stopped.value.parts] == [1, 2, 3]
    assert [c for c in target.calls if c[0] == "upload_part"] == [("upload_part", 1), ("upload_part", 2),
                                                                   ("upload_part", 3)]


def test_upload_parts_before_the_deadline_uploads_every_part():
    clock = Clock()
    data = bytes(range(256)) * 4
    target = PartsTarget()
    ctx = deadline_context(target, {"big": data}, clock, part_threads=3)
    parts = rt.upload_parts(ctx, big_entry("big", data), "U1", 128, 1, 8)
    assert [p["part_num"] for p in parts] == list(range(1, 9))


def test_a_multipart_copy_cut_short_by_the_deadline_is_aborted_and_logged_stopped():
    clock = Clock()
    data = bytes(range(256)) * 4

    def on_part(num):
        if num == 2:
            clock.t += 61

    target = PartsTarget(on_part=on_part)
    ctx = deadline_context(target, {"big": data}, clock, part_threads=1, part_size=128, multipart_threshold=512)
    records = rt.copy_files(ctx, [big_entry("big", data)])
    record = records[0]
    assert (record["outcome"], record["verified"], record["attempts"]) == ("stopped", False, 1)
    assert record["error"] == "stopped with 2 of 8 parts uploaded: the run reached --max-minutes 1"
    assert target.calls[0] == ("create_multipart_upload", "big")
    assert target.calls[-1] == ("abort_multipart_upload", "big", "U1")
    assert ("commit_multipart_upload",) not in target.calls
