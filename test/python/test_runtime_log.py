"""The migration log (src/job/log.py): records compatible with the original job's, per-task JSON lines,
one log per run (the configured name holding the latest), merging without losing or duplicating records, the
summary table. LOCAL logs on a temp dir; the OCI
variant of TaskLog with a fake client (the OCI merge runs against the emulator in test_runtime_oci_log.py)."""
import datetime
import hashlib
import io
import json
import os
import re
import tracemalloc

import pytest

from runtime_loader import load_runtime

rt = load_runtime("log")

ORIGINAL_FIELDS = ["source_name", "source_size", "targe_name", "targe_size", "start_date", "end_date", "run_time",
                   "run_date", "run_id", "status"]
ADDED_FIELDS = ["outcome", "source_md5", "source_version", "target_md5", "verified", "evidence", "attempts", "error",
                "bytes_per_second"]

T0 = datetime.datetime(2021, 9, 30, 11, 12, 13, 834758)


def record(name, run_id="20210930111213834758", outcome="copied", size=576195, **overrides):
    fields = dict(source_name=name, source_size=size, target_name=name, target_size=size, start=T0,
                  end=T0 + datetime.timedelta(seconds=2), run_date=T0, run_id=run_id, status="new", outcome=outcome,
                  bytes_copied=size if outcome == "copied" else 0)
    fields.update(overrides)
    return rt.make_record(**fields)


def test_record_fields_and_formats_match_the_original_log():
    got = record("directory_name/ADA-BKRW-02.parquet", source_md5="abc==", target_md5="abc==", verified=True,
                 attempts=1, source_version="0x8D9", evidence="md5")
    assert list(got) == ORIGINAL_FIELDS + ADDED_FIELDS
    assert got == {
        "source_name": "directory_name/ADA-BKRW-02.parquet",
        "source_size": 576195,
        "targe_name": "directory_name/ADA-BKRW-02.parquet",
        "targe_size": 576195,
        "start_date": "2021-09-30 11:12:13",
        "end_date": "2021-09-30 11:12:15",
        "run_time": "0:00:02",
        "run_date": "2021-09-30 11:12:13",
        "run_id": "20210930111213834758",
        "status": "new",
        "outcome": "copied",
        "source_md5": "abc==",
        "source_version": "0x8D9",
        "target_md5": "abc==",
        "verified": True,
        "evidence": "md5",
        "attempts": 1,
        "error": None,
        "bytes_per_second": 288097,
    }


@pytest.mark.parametrize(
    "seconds,want",
    [(0, "0:00:00"), (0.9, "0:00:00"), (2.99, "0:00:02"), (61, "0:01:01"), (3600, "1:00:00"),
     (90000, "25:00:00"), (datetime.timedelta(hours=2, seconds=5, microseconds=999999), "2:00:05")],
)
def test_run_time_is_whole_seconds_like_str_timedelta(seconds, want):
    assert rt.format_run_time(seconds) == want


def test_run_time_truncates_the_elapsed_time_not_the_dates():
    # The original's third sample: 11:12:15 -> 11:12:16 logged as 0:00:00 (less than a second elapsed).
    start = datetime.datetime(2021, 9, 30, 11, 12, 15, 600000)
    got = record("a", start=start, end=start + datetime.timedelta(milliseconds=500))
    assert (got["start_date"], got["end_date"], got["run_time"]) == ("2021-09-30 11:12:15", "2021-09-30 11:12:16",
                                                                   "0:00:00")


def test_run_id_format():
    assert rt.make_run_id(T0) == "20210930111213834758"
    assert re.fullmatch(r"\d{20}", rt.make_run_id(datetime.datetime.now()))


def test_bytes_per_second_uses_elapsed_seconds_and_is_none_without_bytes():
    assert record("a", elapsed_seconds=0.5)["bytes_per_second"] == 576195 * 2
    assert record("a", outcome="skipped")["bytes_per_second"] is None
    assert record("a", size=0)["bytes_per_second"] is None


def test_unknown_outcome_is_refused():
    with pytest.raises(ValueError, match="outcome must be one of copied, skipped, failed, deleted, planned"):
        record("a", outcome="done")


def read_lines(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_task_log_appends_json_lines_per_run_and_task(tmp_path):
    location = {"path": str(tmp_path / "log.json")}
    with rt.TaskLog(location, "R1", 3) as log:
        log.append(record("a", run_id="R1"))
        log.append(record("b", run_id="R1"))
        path = tmp_path / "log.json.runs" / "R1" / "task-3.jsonl"
        # Each record is on disk as soon as it is appended (a crash loses nothing already done).
        assert [r["source_name"] for r in read_lines(path)] == ["a", "b"]
    with rt.TaskLog(location, "R1", 3) as log:
        log.append(record("c", run_id="R1"))
    assert [r["source_name"] for r in read_lines(path)] == ["a", "b", "c"]


@pytest.mark.parametrize("run_id,task_id", [("../x", 1), ("R1", "a/b"), ("", 1)])
def test_task_log_refuses_names_that_escape_the_runs_folder(tmp_path, run_id, task_id):
    with pytest.raises(ValueError, match="cannot name"):
        rt.TaskLog({"path": str(tmp_path / "log.json")}, run_id, task_id)


def write_jsonl(path, records, tail=""):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + tail, encoding="utf-8")


def names(records):
    return [(r["run_id"], r["source_name"]) for r in records]


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def mode(path):
    return os.stat(path).st_mode & 0o777


def test_run_log_names_derive_from_the_configured_name_and_the_run_id():
    assert rt.run_log_name("/data/migration-log.json", "20261207160000123456") == \
        "/data/migration-log.20261207160000123456.json"
    assert rt.run_log_name("log/log_dataflow_app_migration.json", "R1") == "log/log_dataflow_app_migration.R1.json"
    assert rt.run_log_name("logs.v2/log", "R1") == "logs.v2/log.R1"
    with pytest.raises(ValueError, match="cannot name"):
        rt.run_log_name("log.json", "../x")


def test_each_run_writes_its_own_log_and_the_configured_name_holds_the_latest(tmp_path):
    log_path = tmp_path / "log.json"
    runs = tmp_path / "log.json.runs"
    write_jsonl(runs / "R1" / "task-0.jsonl", [record("a", run_id="R1"), record("b", run_id="R1")])
    first = rt.merge_run_logs({"path": str(log_path)}, "R1")
    write_jsonl(runs / "R2" / "task-0.jsonl", [record("a", run_id="R2", outcome="skipped")])
    write_jsonl(runs / "R2" / "task-1.jsonl", [record("b", run_id="R2", outcome="skipped")])
    r1_log = (tmp_path / "log.R1.json").read_text(encoding="utf-8")
    stats = rt.merge_run_logs({"path": str(log_path)}, "R2")

    assert names(load(tmp_path / "log.R1.json")) == [("R1", "a"), ("R1", "b")]
    assert (tmp_path / "log.R1.json").read_text(encoding="utf-8") == r1_log  # never rewritten
    assert names(load(tmp_path / "log.R2.json")) == [("R2", "a"), ("R2", "b")]
    assert log_path.read_text(encoding="utf-8") == (tmp_path / "log.R2.json").read_text(encoding="utf-8")
    assert list(load(log_path)[0])[:10] == ORIGINAL_FIELDS
    assert first["run_log"] == str(tmp_path / "log.R1.json")
    assert stats == {"log": str(log_path), "run_log": str(tmp_path / "log.R2.json"), "records": 2, "added": 2,
                     "runs": ["R2"], "skipped_lines": 0, "kept": None}
    assert not runs.exists()
    assert {mode(tmp_path / n) for n in ("log.json", "log.R1.json", "log.R2.json")} == {0o600}


@pytest.mark.parametrize("content", [json.dumps([{"run_id": "R0", "source_name": "x"}, {"run_id": "R00"}]), "[{bro"],
                         ids=["accumulated", "corrupt"])
def test_a_configured_log_that_is_no_run_logs_copy_is_kept_before_it_is_replaced(tmp_path, content):
    log_path = tmp_path / "log.json"
    log_path.write_text(content, encoding="utf-8")
    write_jsonl(tmp_path / "log.json.runs" / "R1" / "task-0.jsonl", [record("a", run_id="R1")])
    stats = rt.merge_run_logs({"path": str(log_path)}, "R1")
    assert stats["kept"] == str(tmp_path / "log.before-R1.json")
    assert (tmp_path / "log.before-R1.json").read_text(encoding="utf-8") == content
    assert names(load(log_path)) == [("R1", "a")]


def test_merge_touches_only_its_own_runs_task_logs(tmp_path):
    log_path = tmp_path / "log.json"
    runs = tmp_path / "log.json.runs"
    # R1 is another run still going (or crashed): its task log stays where it is, unread.
    write_jsonl(runs / "R1" / "task-0.jsonl", [record("other", run_id="R1")])
    write_jsonl(runs / "R2" / "task-0.jsonl", [record("mine", run_id="R2")])
    rt.merge_run_logs({"path": str(log_path)}, "R2")
    assert names(load(log_path)) == [("R2", "mine")]
    assert [r["source_name"] for r in read_lines(runs / "R1" / "task-0.jsonl")] == ["other"]
    assert not (tmp_path / "log.R1.json").exists()


def test_fold_crashed_runs_writes_each_crashed_runs_own_log(tmp_path):
    log_path = tmp_path / "log.json"
    runs = tmp_path / "log.json.runs"
    write_jsonl(runs / "R1" / "task-0.jsonl", [record("crashed-1", run_id="R1")])
    write_jsonl(runs / "R1" / "task-1.jsonl", [record("crashed-2", run_id="R1")], tail='{"source_na')
    write_jsonl(runs / "R3" / "task-0.jsonl", [record("mine", run_id="R3")])
    log_path.write_text("[]\n", encoding="utf-8")
    folded = rt.fold_crashed_runs({"path": str(log_path)}, "R3")
    assert [(f["runs"], f["records"], f["skipped_lines"]) for f in folded] == [(["R1"], 2, 1)]
    assert names(load(tmp_path / "log.R1.json")) == [("R1", "crashed-1"), ("R1", "crashed-2")]
    assert mode(tmp_path / "log.R1.json") == 0o600
    assert log_path.read_text(encoding="utf-8") == "[]\n"  # the configured name is this run's to replace
    assert not (runs / "R1").exists()
    assert (runs / "R3" / "task-0.jsonl").exists()


def test_merge_twice_adds_nothing(tmp_path):
    log_path = tmp_path / "log.json"
    write_jsonl(tmp_path / "log.json.runs" / "R1" / "task-0.jsonl", [record("a", run_id="R1")])
    rt.merge_run_logs({"path": str(log_path)}, "R1")
    first = log_path.read_text(encoding="utf-8")
    stats = rt.merge_run_logs({"path": str(log_path)}, "R1")
    assert stats["added"] == 0
    assert log_path.read_text(encoding="utf-8") == first


def test_merge_after_a_crash_between_writing_and_cleaning_does_not_duplicate(tmp_path):
    log_path = tmp_path / "log.json"
    records = [record("a", run_id="R1"), record("b", run_id="R1")]
    (tmp_path / "log.R1.json").write_text(json.dumps(records), encoding="utf-8")
    write_jsonl(tmp_path / "log.json.runs" / "R1" / "task-0.jsonl", records)
    stats = rt.merge_run_logs({"path": str(log_path)}, "R1")
    assert stats["added"] == 0
    assert names(load(log_path)) == [("R1", "a"), ("R1", "b")]


def test_an_interrupted_merges_run_log_is_merged_into_in_memory_as_before(tmp_path):
    # The fallback (the run's own log already holds records): a record already there is replaced where it stands.
    log_path = tmp_path / "log.json"
    (tmp_path / "log.R1.json").write_text(json.dumps([record("a", run_id="R1"), record("b", run_id="R1")]),
                                          encoding="utf-8")
    write_jsonl(tmp_path / "log.json.runs" / "R1" / "task-0.jsonl", [record("c", run_id="R1"),
                                                                     record("a", run_id="R1", outcome="failed")])
    stats = rt.merge_run_logs({"path": str(log_path)}, "R1")
    assert [(r["source_name"], r["outcome"]) for r in load(log_path)] == [("a", "failed"), ("b", "copied"),
                                                                           ("c", "copied")]
    assert (stats["records"], stats["added"]) == (3, 1)


def test_a_task_that_ran_twice_leaves_one_record_per_file(tmp_path):
    log_path = tmp_path / "log.json"
    runs = tmp_path / "log.json.runs" / "R1"
    write_jsonl(runs / "task-0.jsonl", [record("a", run_id="R1", outcome="failed", error="503"),
                                        record("a", run_id="R1")])
    rt.merge_run_logs({"path": str(log_path)}, "R1")
    assert [(r["source_name"], r["outcome"]) for r in load(log_path)] == [("a", "copied")]


def test_a_line_cut_short_by_a_crash_is_skipped(tmp_path):
    log_path = tmp_path / "log.json"
    write_jsonl(tmp_path / "log.json.runs" / "R1" / "task-0.jsonl", [record("a", run_id="R1")],
                tail='{"source_name": "b", "sour')
    stats = rt.merge_run_logs({"path": str(log_path)}, "R1")
    assert stats["skipped_lines"] == 1
    assert names(load(log_path)) == [("R1", "a")]


@pytest.mark.parametrize(
    "content,want",
    [('[{"source_name": "a"},', "is not valid JSON"), ('{"source_name": "a"}', "is not a JSON array")],
    ids=["truncated", "object"],
)
def test_a_corrupt_run_log_is_not_overwritten(tmp_path, content, want):
    log_path = tmp_path / "log.json"
    own = tmp_path / "log.R1.json"
    own.write_text(content, encoding="utf-8")
    jsonl = tmp_path / "log.json.runs" / "R1" / "task-0.jsonl"
    write_jsonl(jsonl, [record("a", run_id="R1")])
    with pytest.raises(rt.LogError) as caught:
        rt.merge_run_logs({"path": str(log_path)}, "R1")
    assert str(own) in str(caught.value) and want in str(caught.value)
    assert own.read_text(encoding="utf-8") == content
    assert jsonl.exists() and not log_path.exists()


def test_merge_creates_the_log_and_its_folder(tmp_path):
    log_path = tmp_path / "sub" / "log.json"
    rt.TaskLog({"path": str(log_path)}, "R1", 0).close()
    stats = rt.merge_run_logs({"path": str(log_path)}, "R1")
    assert load(log_path) == [] and load(tmp_path / "sub" / "log.R1.json") == []
    assert stats["records"] == 0
    assert sorted(os.listdir(tmp_path / "sub")) == ["log.R1.json", "log.json"]


def test_task_logs_are_private(tmp_path):
    with rt.TaskLog({"path": str(tmp_path / "log.json")}, "R1", 0) as log:
        log.append(record("a", run_id="R1"))
    assert mode(tmp_path / "log.json.runs" / "R1" / "task-0.jsonl") == 0o600
    assert mode(tmp_path / "log.json.runs" / "R1") == 0o700


def test_task_logs_merge_task_by_task_each_file_at_its_last_position(tmp_path):
    # A task's group is its log's name up to the first "." or "~" after "task-": its pieces and a retried attempt's
    # logs are read together, in name order ("." before "~"), whatever other names sort between them (task-30 sorts
    # between task-3.jsonl and task-3~attempt1.jsonl). Within a group the last record of a file wins, written where
    # it was last written (before streaming, it took the first one's place: b then a here, a then b before).
    log_path = tmp_path / "log.json"
    runs = tmp_path / "log.json.runs" / "R1"
    write_jsonl(runs / "task-3.jsonl", [record("a", run_id="R1", outcome="failed", error="503"),
                                        record("b", run_id="R1")])
    write_jsonl(runs / "task-30.jsonl", [record("c", run_id="R1")])
    write_jsonl(runs / "task-3~attempt1.jsonl", [record("a", run_id="R1")])
    write_jsonl(runs / "task-driver.jsonl", [record("d", run_id="R1", outcome="skipped")])
    write_jsonl(runs / "task-rest-00001.jsonl", [record("e", run_id="R1")])
    write_jsonl(runs / "task-commit-00002.jsonl", [record("f", run_id="R1")])
    stats = rt.merge_run_logs({"path": str(log_path)}, "R1")
    assert [(r["source_name"], r["outcome"]) for r in load(log_path)] == [
        ("b", "copied"), ("a", "copied"), ("c", "copied"), ("f", "copied"), ("d", "skipped"), ("e", "copied")]
    assert (stats["records"], stats["added"]) == (6, 6)


@pytest.mark.parametrize(
    "names,groups",
    [(["task-00003.jsonl", "task-00003.000001.jsonl", "task-00003~attempt1.000002.jsonl", "task-driver.jsonl",
       "task-rest-00001.jsonl", "task-commit-00002.jsonl", "task-00010.000002.jsonl", "task-00010.000001.jsonl"],
      [("task-00003", ["task-00003.000001.jsonl", "task-00003.jsonl", "task-00003~attempt1.000002.jsonl"]),
       ("task-00010", ["task-00010.000001.jsonl", "task-00010.000002.jsonl"]),
       ("task-commit-00002", ["task-commit-00002.jsonl"]), ("task-driver", ["task-driver.jsonl"]),
       ("task-rest-00001", ["task-rest-00001.jsonl"])])],
)
def test_task_log_groups(names, groups):
    assert rt._task_log_groups([(n, n) for n in names]) == groups


def old_writer(records):
    """What the merge wrote before it streamed: the whole array dumped at once."""
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def test_the_streamed_array_is_byte_for_byte_the_old_writers(tmp_path):
    odd = dict(record("ünï/cödé \u2028 \"q\" \\ \t.parquet", run_id="R1"), evidence={"nested": [1, 2.5, None]},
               error="line\nbreak", bytes_per_second=1e300, source_size=-0.0, targe_size=float("inf"))
    # An interrupted merge's run log may hold anything JSON: it is written back as it was read.
    records = [record(f"f{i}", run_id="R1") for i in range(5)] + [odd, {}, {"run_id": "R1", "x": []}, 3, [], "x"]
    buffer = io.StringIO()
    writer = rt._ArrayWriter(buffer)
    for r in records:
        writer.add(r)
    writer.finish()
    assert buffer.getvalue() == old_writer(records)
    empty = rt._ArrayWriter(buffer := io.StringIO())
    empty.finish()
    assert buffer.getvalue() == old_writer([]) == "[]\n"


def test_merging_200000_records_holds_one_tasks_keys_not_the_records(tmp_path):
    # 4 task logs of 50,000 records each (task-00001 with a retried attempt's log re-logging 1,000 of its files),
    # 34 MB of JSON lines, 38 MB of run log. tracemalloc's peak during merge_run_logs on this input, measured
    # (Python 3.11): the old merge (every record in one list, then one json.dumps of the list) 417 MB; the streamed
    # merge 12.9 MB (one task's keys). Bound: 40 MB.
    log_path = tmp_path / "log.json"
    runs = tmp_path / "log.json.runs" / "R1"
    runs.mkdir(parents=True)
    expected_digest = hashlib.sha256()
    groups = []

    def small(task, i, outcome="copied"):
        name = f"t{task}/day={i % 365:03d}/part-{i:06d}-é.parquet"
        return {"source_name": name, "targe_name": name, "run_id": "R1", "outcome": outcome, "source_size": i}

    for task in ("00000", "00001", "00002", "driver"):
        first = [small(task, i, "failed" if task == "00001" and i % 50 == 0 else "copied") for i in range(50_000)]
        write_jsonl(runs / f"task-{task}.jsonl", first)
        if task == "00001":
            retried = [small(task, i) for i in range(0, 50_000, 50)]
            write_jsonl(runs / f"task-{task}~attempt1.jsonl", retried)
            # Each file's record at its last position: the retried ones after the others, in the attempt's order.
            first = [r for r in first if r["outcome"] != "failed"] + retried
        groups.append(first)
    expected = [r for group in groups for r in group]
    assert len(expected) == 200_000
    expected_digest.update(old_writer(expected).encode("utf-8"))
    del expected, groups

    tracemalloc.start()
    try:
        stats = rt.merge_run_logs({"path": str(log_path)}, "R1")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (stats["records"], stats["added"], stats["skipped_lines"]) == (200_000, 200_000, 0)
    assert hashlib.sha256(log_path.read_bytes()).hexdigest() == expected_digest.hexdigest()
    assert (tmp_path / "log.R1.json").read_bytes() == log_path.read_bytes()
    assert peak < 40 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


LOG_R1 = json.dumps([{"run_id": "R1", "source_name": "a"}, {"source_name": "b", "run_id": "R1"}], indent=2)


@pytest.mark.parametrize("chunk", [1, 2, 7, 8, 9, 64, 1 << 20])
@pytest.mark.parametrize(
    "content,run_ids,shape",
    [
        ("[]", set(), "empty"),
        (" [ \n ]\n", set(), "empty"),
        (LOG_R1, {"R1"}, "array"),
        (json.dumps([{"run_id": "R1"}, {"run_id": "R1"}], separators=(",", ":")), {"R1"}, "array"),
        (json.dumps([{"run_id": "R1"}, {"run_id": "R2"}, {"run_id": "R3"}]), {"R1", "R2"}, None),  # stops there
        # "run_id" as a value, or inside a string (its quotes escaped), is no key.
        (json.dumps([{"x": "run_id", "note": '"run_id": "R9"', "run_id": "R1"}]), {"R1"}, "array"),
        (json.dumps([{"run_id": "R\u00e9\\\"1"}], ensure_ascii=True), {"R\u00e9\\\"1"}, "array"),
        (json.dumps([{"run_id": None}]), {None}, "array"),
        (json.dumps([{"run_id": "R" * 5000}]), {None}, "array"),
        (json.dumps([1, {}]), set(), "array"),
        ("[{bro", set(), "other"),
        (json.dumps({"run_id": "R1"}), {"R1"}, "other"),
    ],
    ids=["empty", "empty-spaced", "one-run", "compact", "three-runs", "not-keys", "escaped", "null", "too-long",
         "no-run-id", "corrupt", "object"],
)
def test_scan_log_finds_run_id_keys_across_chunks(content, run_ids, shape, chunk):
    assert rt._scan_log(io.BytesIO(content.encode("utf-8")), chunk_size=chunk) == (run_ids, shape)


@pytest.mark.parametrize(
    "content,exists,copy",
    [("[]\n", (), True), (LOG_R1, ("R1",), True), (LOG_R1, (), False),
     (json.dumps([{"run_id": "R1"}, {"run_id": "R2"}]), ("R1", "R2"), False),
     (json.dumps([{"run_id": "../x"}]), ("../x",), False), ('{"run_id": "R1"}', ("R1",), False),
     (json.dumps([{"source_name": "a"}]), (), False)],
    ids=["empty", "copy", "run-log-gone", "two-runs", "bad-run-id", "object", "no-run-id"],
)
def test_is_a_run_log_copy_keeps_its_meaning(content, exists, copy):
    def exists_fn(run_id):
        rt.run_log_name("log.json", run_id)  # ValueError for a run id that cannot name a log
        return run_id in exists

    assert rt._is_a_run_log_copy(io.BytesIO(content.encode("utf-8")), exists_fn) is copy


def test_the_configured_log_kept_aside_is_a_byte_copy(tmp_path):
    log_path = tmp_path / "log.json"
    content = b'[{"run_id": "R0", "source_name": "\xff\xfe not UTF-8"}, {"run_id": "R00"}]'
    log_path.write_bytes(content)
    write_jsonl(tmp_path / "log.json.runs" / "R1" / "task-0.jsonl", [record("a", run_id="R1")])
    stats = rt.merge_run_logs({"path": str(log_path)}, "R1")
    assert (tmp_path / "log.before-R1.json").read_bytes() == content
    assert mode(tmp_path / "log.before-R1.json") == 0o600
    assert stats["kept"] == str(tmp_path / "log.before-R1.json")
    # The next run finds a copy of R1's log (R1's own log exists): nothing kept aside.
    write_jsonl(tmp_path / "log.json.runs" / "R2" / "task-0.jsonl", [record("a", run_id="R2")])
    assert rt.merge_run_logs({"path": str(log_path)}, "R2")["kept"] is None
    assert not (tmp_path / "log.before-R2.json").exists()


class FakeOciClient:
    def __init__(self):
        self.puts = []

    def put_object(self, namespace, bucket, name, body, **kwargs):
        self.puts.append((namespace, bucket, name, body))


def test_oci_task_log_puts_a_new_piece_every_n_records_and_at_close():
    client = FakeOciClient()
    location = {"namespace": "ns", "bucket": "logs", "object": "log/log.json"}
    log = rt.TaskLog(location, "R1", 7, client=client, flush_every=2, flush_seconds=3600)
    log.append(record("a", run_id="R1"))
    assert client.puts == []
    log.append(record("b", run_id="R1"))
    log.append(record("c", run_id="R1"))
    assert len(client.puts) == 1
    log.close()
    assert len(client.puts) == 2
    assert [p[:3] for p in client.puts] == [("ns", "logs", "log/log.json.runs/R1/task-7.000001.jsonl"),
                                           ("ns", "logs", "log/log.json.runs/R1/task-7.000002.jsonl")]
    assert [[json.loads(line)["source_name"] for line in p[3].decode().splitlines()] for p in client.puts] == [
        ["a", "b"], ["c"]]


def test_oci_task_log_puts_a_piece_after_flush_seconds():
    client = FakeOciClient()
    now = [0.0]
    log = rt.TaskLog({"namespace": "ns", "bucket": "b", "object": "l.json"}, "R1", 0, client=client,
                     flush_every=100, flush_seconds=5, clock=lambda: now[0])
    log.append(record("a", run_id="R1"))
    now[0] = 6.0
    log.append(record("b", run_id="R1"))
    assert len(client.puts) == 1
    log.close()
    assert len(client.puts) == 1


def test_summary_table_counts_files_and_bytes_and_lists_failures():
    records = [
        record("a", size=1024),
        record("b", size=2048),
        record("c", outcome="skipped", size=10),
        record("d", outcome="failed", error="OCI 503 ServiceUnavailable: busy", attempts=6),
    ]
    text = rt.summary_table(records)
    lines = text.splitlines()
    assert re.match(r"outcome\s+status\s+files\s+bytes", lines[0])
    assert any(re.fullmatch(r"copied\s+new\s+2\s+3\.0 KiB", line) for line in lines)
    assert any(re.fullmatch(r"skipped\s+new\s+1\s+10 B", line) for line in lines)
    assert any(re.fullmatch(r"total\s+4\s+\S+ KiB", line) for line in lines)
    assert "copied 2 files, 3.0 KiB" in text
    assert "1 failed:" in text
    assert "  d: OCI 503 ServiceUnavailable: busy (attempts: 6)" in text
