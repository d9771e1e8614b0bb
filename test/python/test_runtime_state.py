"""The equality state of the job (src/job/state.py, contract C2) and the copy task's `hash` and
`fail` actions (src/job/copy.py): reading and writing the state as a local file and as an object,
rebuilding it from the objects' metadata by HEAD requests, applying it to a listing, and what a run leaves in it.
The copies and the object store run
against the local cloud (test/python-sdk.test.ts)."""
import base64
import functools
import hashlib
import json
import os
import stat

import pytest

from runtime_loader import CLOUD_VARS, LocalCloud, load_core, load_runtime

rt = load_runtime("state", "copy", "oci_store")
MIB = 1024 * 1024
core = load_core()

NEEDS_CLOUD = pytest.mark.skipif(any(not os.environ.get(v) for v in CLOUD_VARS),
                                 reason="needs the local cloud (run through test/python-sdk.test.ts)")


def b64md5(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


A = b64md5(b"a")
B = b64md5(b"b")


# ---- the state's name, text and update rules (no cloud) ----

def test_the_state_lives_beside_the_log_under_the_core_name():
    assert rt.equality_state_location({"path": "/x/log.json"}, "ns", "lake", "backup/") == {
        "path": "/x/log.json.state/lake@ns/backup%2F.jsonl"}
    assert rt.equality_state_location({"namespace": "lns", "bucket": "logs", "object": "log/l.json"}, "ns", "lake",
                                      "") == {"namespace": "lns", "bucket": "logs",
                                              "object": "log/l.json.state/lake@ns/_root.jsonl"}


def test_missing_state_warning_is_the_contract_line():
    assert rt.missing_state_warning("/x/s.jsonl") == (
        "lake2oci: no equality state at /x/s.jsonl; rebuilding it from the objects' metadata "
        "(one HEAD request per same-size object)")


def test_format_and_parse_round_trip_sorted_in_code_point_order():
    records = [
        {"name": "😀", "size": 1, "md5": A, "sourceVersion": "v1", "sourceMd5": None},
        {"name": "\ufffd", "size": 2, "md5": "x-2", "sourceVersion": None, "sourceMd5": B},
    ]
    entries = [{"targetName": r["name"], "targetSize": r["size"], "targetMd5": r["md5"]} for r in records]
    kept = rt.updated_state_records(entries, [], {r["name"]: r for r in records})
    assert [r["name"] for r in kept] == ["\ufffd", "😀"]  # U+FFFD before an astral character, as OCI lists
    text = rt.format_equality_state("ns", "lake", "p/", "20260101000000000000", kept)
    lines = text.splitlines()
    assert json.loads(lines[0]) == {"kind": "lake2oci-state", "version": 1, "namespace": "ns", "bucket": "lake",
                                    "prefix": "p/", "runId": "20260101000000000000"}
    assert list(json.loads(lines[1])) == ["name", "size", "md5", "sourceVersion", "sourceMd5"]
    assert rt.parse_equality_state(text, "w", "ns", "lake", "p/") == {r["name"]: r for r in records}


@pytest.mark.parametrize("text,why", [
    ("", "is empty"),
    ("nope\n", "line 1 is not JSON"),
    ('{"kind":"other","version":1}\n', "is not a lake2oci equality state"),
    ('{"kind":"lake2oci-state","version":1,"namespace":"ns","bucket":"other","prefix":""}\n', "bucket"),
    ('{"kind":"lake2oci-state","version":1,"namespace":"ns","bucket":"lake","prefix":""}\n{"name":1}\n',
     "line 2 is not a state record"),
])
def test_a_state_that_is_not_this_targets_is_refused(text, why):
    with pytest.raises(rt.StateError, match=why):
        rt.parse_equality_state(text, "w", "ns", "lake", "")


def test_targets_with_state_applies_only_records_that_still_describe_the_object():
    targets = [{"name": "a", "size": 5, "md5": A}, {"name": "b", "size": 5, "md5": B}, {"name": "c", "size": 1}]
    state = {
        "a": {"name": "a", "size": 5, "md5": A, "sourceVersion": "v1", "sourceMd5": None},
        "b": {"name": "b", "size": 5, "md5": A, "sourceVersion": "v1", "sourceMd5": None},  # b was rewritten since
    }
    got = rt.targets_with_state(targets, state)
    assert got[0] == {"name": "a", "size": 5, "md5": A, "sourceMd5": None, "sourceVersion": "v1"}
    assert got[1] == targets[1] and got[2] == targets[2]
    assert rt.targets_with_state(targets, None) == targets


def test_state_candidates_are_the_same_size_objects_a_source_maps_to():
    sources = [{"name": "a", "size": 5}, {"name": "b", "size": 6}, {"name": "d", "size": 0, "isDirectory": True},
               {"name": "e", "size": 1}]
    targets = [{"name": "p/a", "size": 5, "md5": A}, {"name": "p/b", "size": 7, "md5": A},
               {"name": "p/c", "size": 1, "md5": A}, {"name": "p/e", "size": 1, "md5": A}]
    assert [t["name"] for t in rt.state_candidates(sources, targets, "/p")] == ["p/a", "p/e"]


def _record(name, outcome, status="new", **fields):
    r = {"targe_name": name, "targe_size": fields.pop("size", 5), "outcome": outcome, "status": status,
         "target_md5": fields.pop("md5", A), "source_version": fields.pop("version", "v2"),
         "source_md5": fields.pop("source_md5", None), "evidence": fields.pop("evidence", "absent")}
    r.update(fields)
    return r


def test_the_run_updates_the_state_as_c2_says():
    old = lambda name, md5=A, version="v1": {"name": name, "size": 5, "md5": md5, "sourceVersion": version,  # noqa: E731
                                             "sourceMd5": None}
    previous = {n: old(n) for n in ("copied", "equal-version", "equal-size", "kept", "failed", "deleted", "gone",
                                    "rewritten")}
    previous["rewritten"] = old("rewritten", md5=B)
    entries = [
        {"targetName": "copied", "targetSize": 5, "targetMd5": A},
        {"targetName": "equal-version", "targetSize": 5, "targetMd5": A},
        {"targetName": "equal-size", "targetSize": 5, "targetMd5": A},
        {"targetName": "kept", "targetSize": 5, "targetMd5": A},
        {"targetName": "failed", "targetSize": 5, "targetMd5": A},
        {"targetName": "deleted", "targetSize": 5, "targetMd5": A},
        {"targetName": "rewritten", "targetSize": 5, "targetMd5": A},
        {"targetName": "new", "targetSize": None},
        {"targetName": "new-failed", "targetSize": None},
    ]
    records = [
        _record("copied", "copied", "update", md5="x-3", size=9, version="v9", source_md5=B),
        _record("equal-version", "skipped", "equal", evidence="version", version="v1"),
        _record("equal-size", "skipped", "equal", evidence="size", version="v7"),
        _record("failed", "failed", "update"),
        _record("deleted", "deleted", "target-only"),
        _record("new", "copied", "new", version="n1", source_md5=A),
        _record("new-failed", "failed", "new"),
    ]
    got = {r["name"]: r for r in rt.updated_state_records(entries, records, previous)}
    assert sorted(got) == ["copied", "equal-size", "equal-version", "kept", "new"]
    assert got["copied"] == {"name": "copied", "size": 9, "md5": "x-3", "sourceVersion": "v9", "sourceMd5": B}
    assert got["equal-version"]["sourceVersion"] == "v1"
    # Equal on size alone proves nothing about the version: the previous record stays as it was.
    assert got["equal-size"] == previous["equal-size"]
    assert got["kept"] == previous["kept"]
    assert got["new"] == {"name": "new", "size": 5, "md5": A, "sourceVersion": "n1", "sourceMd5": A}


def test_a_local_state_is_written_atomically_0600_and_read_back(tmp_path):
    location = {"path": str(tmp_path / "logs" / "log.json")}
    assert rt.read_equality_state(None, location, "ns", "lake", "") is None
    entries = [{"targetName": "a", "targetSize": None}]
    out = rt.write_equality_state(None, location, "ns", "lake", "", "20260101000000000000", entries,
                                  [_record("a", "copied", version="v1")], None)
    path = tmp_path / "logs" / "log.json.state" / "lake@ns" / "_root.jsonl"
    assert out == {"where": str(path), "records": 1}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["_root.jsonl"]  # no temp file left
    state = rt.read_equality_state(None, location, "ns", "lake", "")
    assert state == {"a": {"name": "a", "size": 5, "md5": A, "sourceVersion": "v1", "sourceMd5": None}}
    # Another target's state is another file; a state of another target is refused with one line, as missing.
    assert rt.read_equality_state(None, location, "ns", "other", "") is None
    path.write_text('{"kind":"lake2oci-state","version":1,"namespace":"ns","bucket":"x","prefix":""}\n')
    assert rt.read_equality_state(None, location, "ns", "lake", "") is None


def test_each_names_record_is_decided_on_its_own_as_the_whole_update_decides_it():
    old = {"name": "n", "size": 5, "md5": A, "sourceVersion": "v1", "sourceMd5": B}
    listed = {"targetName": "n", "targetSize": 5, "targetMd5": A}
    assert rt.state_record_for("n", listed, [], old) == old
    assert rt.state_record_for("n", listed, [], None) is None
    assert rt.state_record_for("n", dict(listed, targetMd5=B), [], old) is None  # no longer describes the object
    assert rt.state_record_for("n", {"targetName": "n", "targetSize": None}, [], old) is None  # not listed
    assert rt.state_record_for("n", listed, [_record("n", "failed", "update")], old) is None
    assert rt.state_record_for("n", listed, [_record("n", "deleted", "target-only")], old) is None
    # The last copy wins; equal on version keeps the previous source MD5 the log does not give.
    copies = [_record("n", "copied", md5="x-1", version="v2"), _record("n", "copied", md5="x-2", size=7, version="v3")]
    assert rt.state_record_for("n", listed, copies, old) == {"name": "n", "size": 7, "md5": "x-2",
                                                            "sourceVersion": "v3", "sourceMd5": None}
    assert rt.state_record_for("n", listed, [_record("n", "copied", md5=None)], old) is None
    equal = [_record("n", "skipped", "equal", evidence="version", version="v1")]
    assert rt.state_record_for("n", listed, equal, old) == old
    assert rt.state_record_for("n", listed, equal, None) == {"name": "n", "size": 5, "md5": A, "sourceVersion": "v1",
                                                            "sourceMd5": None}
    # updated_state_records is that function over the plan's names (the first entry of a name), sorted by name.
    entries = [{"targetName": "b", "targetSize": 5, "targetMd5": A}, {"targetName": "a", "targetSize": 5,
                                                                     "targetMd5": A},
               {"targetName": "b", "targetSize": 9, "targetMd5": B}, {"sourceName": "dir/"}]
    previous = {n: dict(old, name=n) for n in ("a", "b")}
    assert rt.updated_state_records(entries, [], previous) == [previous["a"], previous["b"]]


def _state_records(names):
    return [{"name": n, "size": i, "md5": A, "sourceVersion": f"v{i}", "sourceMd5": None if i % 2 else B}
            for i, n in enumerate(names)]


def test_the_state_is_streamed_from_an_iterator_sorted_by_name_0600(tmp_path):
    location = {"path": str(tmp_path / "logs" / "log.json")}
    records = _state_records(sorted(["😀", "a0", "\ufffd", "a/b"], key=functools.cmp_to_key(core.compare_names)))
    handed = []

    def generate():  # an iterator, consumed once, one record at a time
        for r in records:
            handed.append(r["name"])
            yield r

    out = rt.write_equality_state_lines(None, location, "ns", "lake", "p/", "20260101000000000000", generate())
    path = tmp_path / "logs" / "log.json.state" / "lake@ns" / "p%2F.jsonl"
    assert out == {"where": str(path), "records": 4}
    assert handed == [r["name"] for r in records]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["p%2F.jsonl"]
    # Byte for byte what format_equality_state gives for the list, in the order given.
    assert path.read_text(encoding="utf-8") == rt.format_equality_state("ns", "lake", "p/", "20260101000000000000",
                                                                        records)
    assert list(rt.read_equality_state(None, location, "ns", "lake", "p/")) == [r["name"] for r in records]
    # An empty iterator: the header alone.
    out = rt.write_equality_state_lines(None, location, "ns", "lake", "p/", "20260101000000000001", iter(()))
    assert out["records"] == 0 and rt.read_equality_state(None, location, "ns", "lake", "p/") == {}


@pytest.mark.parametrize("names", [["b", "a"], ["a", "a"], ["😀", "\ufffd"]])
def test_records_out_of_name_order_are_refused_and_the_state_left_as_it_was(tmp_path, names):
    location = {"path": str(tmp_path / "log.json")}
    rt.write_equality_state_lines(None, location, "ns", "lake", "", "20260101000000000000",
                                  iter(_state_records(["x"])))
    path = tmp_path / "log.json.state" / "lake@ns" / "_root.jsonl"
    before = path.read_bytes()
    with pytest.raises(ValueError, match="out of name order"):
        rt.write_equality_state_lines(None, location, "ns", "lake", "", "20260101000000000001",
                                      iter(_state_records(names)))
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["_root.jsonl"]


# ---- against the local cloud ----

@pytest.fixture(scope="module")
def cloud():
    if any(not os.environ.get(v) for v in CLOUD_VARS):
        pytest.skip("needs the local cloud (run through test/python-sdk.test.ts)")
    return LocalCloud()


@pytest.fixture
def bucket(cloud):
    cloud.clear_faults()
    return cloud.new_bucket("state")


@pytest.fixture
def fs(cloud):
    return cloud.new_file_system("state")


def upload(fs, name, data):
    client = fs.get_file_client(name)
    client.create_file()
    if data:
        for offset in range(0, len(data), 4 * MIB):
            piece = data[offset:offset + 4 * MIB]
            client.append_data(piece, offset=offset, length=len(piece))
        client.flush_data(len(data))
    return client.get_file_properties().etag


def entry(fs, name, action, status, target_md5=None, target_size=None, evidence="none", **extra):
    props = fs.get_file_client(name).get_file_properties()
    e = {"sourceName": name, "sourceSize": props.size, "sourceVersion": props.etag, "targetName": name,
         "targetSize": target_size, "status": status, "action": action, "evidence": evidence, "reason": "r"}
    if target_md5 is not None:
        e["targetMd5"] = target_md5
    e.update(extra)
    return e


def listed_target(cloud, bucket):
    return {o["name"]: o for o in rt.list_target(cloud.oci, cloud.namespace, bucket)}


@NEEDS_CLOUD
def test_hash_skips_an_unchanged_file_and_copies_a_changed_one(cloud, bucket, fs):
    ctx = cloud.context(bucket, fs.file_system_name, chunk_size=1 * MIB)
    same = os.urandom(3 * MIB + 5)  # several chunks, hashed streamed
    upload(fs, "same.bin", same)
    upload(fs, "changed.bin", b"new bytes!")
    cloud.oci.put_object(cloud.namespace, bucket, "same.bin", same)
    cloud.oci.put_object(cloud.namespace, bucket, "changed.bin", b"old bytes!")
    objects = listed_target(cloud, bucket)
    plan = [entry(fs, n, "hash", "update", objects[n]["md5"], objects[n]["size"]) for n in ("changed.bin", "same.bin")]
    puts_before = len(cloud.requests("PutObject", bucket))
    records = {r["source_name"]: r for r in rt.copy_files(ctx, plan)}
    same_record, changed = records["same.bin"], records["changed.bin"]
    assert (same_record["status"], same_record["outcome"], same_record["evidence"]) == ("equal", "skipped", "content")
    assert same_record["source_md5"] == b64md5(same)
    assert same_record["source_version"] == plan[1]["sourceVersion"]
    assert (changed["status"], changed["outcome"], changed["evidence"], changed["verified"]) == (
        "update", "copied", "content", True)
    assert cloud.oci.get_object(cloud.namespace, bucket, "changed.bin").data.content == b"new bytes!"
    assert len(cloud.requests("PutObject", bucket)) - puts_before == 1  # only the changed file is written
    meta = rt.head_target(cloud.oci, cloud.namespace, bucket, "changed.bin")["metadata"]
    assert meta["lake2oci-source-etag"] == plan[0]["sourceVersion"] == changed["source_version"]
    assert list(changed)[11:16] == ["source_md5", "source_version", "target_md5", "verified", "evidence"]


@NEEDS_CLOUD
def test_hash_of_a_multipart_object_compares_with_its_recorded_source_md5(cloud, bucket, fs):
    ctx = cloud.context(bucket, fs.file_system_name, chunk_size=1 * MIB, multipart_threshold=8 * MIB,
                        part_size=4 * MIB)
    data = os.urandom(8 * MIB + 3)
    upload(fs, "big.bin", data)
    # The source MD5 known when copied (a listing that gives it) is written on the object as lake2oci-source-md5.
    first = rt.copy_files(ctx, [entry(fs, "big.bin", "copy", "new", sourceMd5=b64md5(data))])[0]
    assert first["outcome"] == "copied" and first["target_md5"].endswith("-3")
    objects = listed_target(cloud, bucket)
    again = rt.copy_files(ctx, [entry(fs, "big.bin", "hash", "update", objects["big.bin"]["md5"], len(data))])[0]
    assert (again["status"], again["outcome"], again["evidence"]) == ("equal", "skipped", "content")
    # Changed in place with the same size: hashed, found different, copied again.
    changed = bytes([data[0] ^ 1]) + data[1:]
    upload(fs, "big.bin", changed)
    third = rt.copy_files(ctx, [entry(fs, "big.bin", "hash", "update", objects["big.bin"]["md5"], len(data))])[0]
    assert (third["status"], third["outcome"], third["evidence"], third["verified"]) == (
        "update", "copied", "content", True)
    assert cloud.oci.get_object(cloud.namespace, bucket, "big.bin").data.content == changed


@NEEDS_CLOUD
def test_fail_entries_are_logged_failed_with_their_reason_and_send_nothing(cloud, bucket, fs):
    ctx = cloud.context(bucket, fs.file_system_name)
    before = len(cloud.requests(bucket=bucket))
    bad = {"sourceName": "x" * 1100, "sourceSize": 3, "targetName": "x" * 1100, "targetSize": None, "status": "new",
           "action": "fail", "evidence": "absent", "reason": "source \"x…\" maps to the object name …, which OCI refuses"}
    record = rt.copy_entry(ctx, bad)
    assert (record["outcome"], record["status"], record["error"], record["evidence"], record["verified"]) == (
        "failed", "new", bad["reason"], "absent", False)
    assert len(cloud.requests(bucket=bucket)) == before


@NEEDS_CLOUD
def test_the_state_as_an_object_and_rebuilt_from_metadata(cloud, bucket, fs):
    ctx = cloud.context(bucket, fs.file_system_name)
    logs = cloud.new_bucket("logs")
    location = {"namespace": cloud.namespace, "bucket": logs, "object": "log/migration.json"}
    upload(fs, "a.csv", b"1,2\n")
    upload(fs, "b.csv", b"3,4\n")
    plan = [entry(fs, "a.csv", "copy", "new", evidence="absent"), entry(fs, "b.csv", "copy", "new", evidence="absent")]
    records = rt.copy_files(ctx, plan)
    assert rt.read_equality_state(ctx, location, cloud.namespace, bucket, "") is None

    # Missing: rebuilt from the objects' metadata, one HEAD per same-size candidate.
    objects = list(listed_target(cloud, bucket).values())
    sources = [{"name": "a.csv", "size": 4}, {"name": "b.csv", "size": 5}]
    candidates = rt.state_candidates(sources, objects, "")
    assert [c["name"] for c in candidates] == ["a.csv"]
    heads = len(cloud.requests("HeadObject", bucket))
    rebuilt = rt.rebuild_equality_state(ctx, candidates)
    assert len(cloud.requests("HeadObject", bucket)) - heads == 1
    assert rebuilt == {"a.csv": {"name": "a.csv", "size": 4, "md5": b64md5(b"1,2\n"),
                                 "sourceVersion": plan[0]["sourceVersion"], "sourceMd5": b64md5(b"1,2\n")}}

    # Written as one object beside the log object, read back whole.
    listed_entries = [dict(e, targetSize=o["size"], targetMd5=o["md5"]) for e, o in zip(plan, objects)]
    out = rt.write_equality_state(ctx, location, cloud.namespace, bucket, "", "20260101000000000000", listed_entries,
                                  records, rebuilt)
    assert out["where"] == f"oci://{logs}@{cloud.namespace}/log/migration.json.state/{bucket}@{cloud.namespace}/_root.jsonl"
    state = rt.read_equality_state(ctx, location, cloud.namespace, bucket, "")
    assert sorted(state) == ["a.csv", "b.csv"]
    assert state["b.csv"]["sourceVersion"] == plan[1]["sourceVersion"]
    # The next plan's judging: the state applied to the listing gives each object the version it was copied from.
    applied = rt.targets_with_state(objects, state)
    assert [t["sourceVersion"] for t in applied] == [plan[0]["sourceVersion"], plan[1]["sourceVersion"]]


@NEEDS_CLOUD
def test_prepare_reads_or_rebuilds_and_applies_then_a_second_run_reads_what_the_first_wrote(cloud, bucket, fs, tmp_path):
    ctx = cloud.context(bucket, fs.file_system_name)
    location = {"path": str(tmp_path / "log.json")}
    upload(fs, "a.csv", b"1,2\n")
    plan = [entry(fs, "a.csv", "copy", "new", evidence="absent")]
    records = rt.copy_files(ctx, plan)
    objects = list(listed_target(cloud, bucket).values())
    sources = [{"name": "a.csv", "size": 4, "version": plan[0]["sourceVersion"]}]
    lines = []
    targets, state = rt.prepare_equality_state(ctx, location, cloud.namespace, bucket, "", sources, objects,
                                               warn=lines.append)
    where = str(tmp_path / "log.json.state" / f"{bucket}@{cloud.namespace}" / "_root.jsonl")
    assert lines == [rt.missing_state_warning(where)]
    assert targets[0]["sourceVersion"] == plan[0]["sourceVersion"]
    entries = [dict(plan[0], targetSize=objects[0]["size"], targetMd5=objects[0]["md5"])]
    rt.write_equality_state(ctx, location, cloud.namespace, bucket, "", "20260101000000000000", entries, records,
                            state)
    heads = len(cloud.requests("HeadObject", bucket))
    lines = []
    targets, _ = rt.prepare_equality_state(ctx, location, cloud.namespace, bucket, "", sources, objects,
                                           warn=lines.append)
    assert lines == [] and len(cloud.requests("HeadObject", bucket)) == heads
    assert targets[0]["sourceVersion"] == plan[0]["sourceVersion"]


@NEEDS_CLOUD
def test_the_state_object_is_put_once_from_a_file_and_a_dropped_put_sends_it_again_whole(cloud, bucket):
    logs = cloud.new_bucket("logs")
    ctx = cloud.context(bucket, "unused")
    location = {"namespace": cloud.namespace, "bucket": logs, "object": "log/migration.json"}
    names = sorted((f"dir{i % 7}/part-{i:05d}.parquet" for i in range(3000)),
                   key=functools.cmp_to_key(core.compare_names))
    records = _state_records(names)
    want = rt.format_equality_state(cloud.namespace, bucket, "", "20260101000000000000", records).encode("utf-8")
    assert len(want) > 200_000
    cloud.add_fault({"operation": "PutObject", "path": f"/b/{logs}/", "nth": 1,
                     "effect": {"kind": "drop", "during": "request", "afterBytes": 100_000}})
    out = rt.write_equality_state_lines(ctx, location, cloud.namespace, bucket, "", "20260101000000000000",
                                        iter(records))
    name = f"log/migration.json.state/{bucket}@{cloud.namespace}/_root.jsonl"
    assert out == {"where": f"oci://{logs}@{cloud.namespace}/{name}", "records": 3000}
    assert len(cloud.requests("PutObject", logs)) == 2  # the dropped put, then the whole file again
    assert cloud.oci.get_object(cloud.namespace, logs, name).data.content == want
    state = rt.read_equality_state(ctx, location, cloud.namespace, bucket, "")
    assert list(state) == names and state[names[1]] == records[1]
