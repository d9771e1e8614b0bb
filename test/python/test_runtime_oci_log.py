"""The OCI side of the runtime against the OCI emulator: the DATAFLOW migration log (task JSONL objects, merged into
one log object per run, the configured one holding the latest), the namespace, and the target listing past 1,000
objects (the original job listed one page only). Needs the local cloud (test/python-sdk.test.ts)."""
import concurrent.futures
import datetime
import json

import pytest

from runtime_loader import LocalCloud, load_runtime

rt = load_runtime("log", "oci_store")
T0 = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)


@pytest.fixture(scope="module")
def cloud():
    return LocalCloud()


@pytest.fixture(autouse=True)
def no_faults_left(cloud):
    cloud.clear_faults()
    yield
    cloud.clear_faults()


def record(name, run_id):
    return rt.make_record(source_name=name, source_size=3, target_name=name, target_size=3, start=T0, end=T0,
                          run_date=T0, run_id=run_id, status="new", outcome="copied", attempts=1, bytes_copied=3)


def location(cloud, bucket):
    return {"namespace": cloud.namespace, "bucket": bucket, "object": "log/log_dataflow_app_migration.json"}


def get_text(cloud, bucket, name):
    return cloud.oci.get_object(cloud.namespace, bucket, name).data.content.decode("utf-8")


def put_text(cloud, bucket, name, text):
    cloud.oci.put_object(cloud.namespace, bucket, name, text.encode("utf-8"))


def object_names(cloud, bucket):
    return sorted(o["name"] for o in rt.list_target(cloud.oci, cloud.namespace, bucket))


def test_task_log_is_a_sequence_of_objects_each_sent_once(cloud):
    bucket = cloud.new_bucket("log")
    log = rt.TaskLog(location(cloud, bucket), "R1", 4, client=cloud.oci, flush_every=2, flush_seconds=3600)
    folder = "log/log_dataflow_app_migration.json.runs/R1/"
    log.append(record("a", "R1"))
    assert object_names(cloud, bucket) == []
    log.append(record("b", "R1"))
    assert object_names(cloud, bucket) == [folder + "task-4.000001.jsonl"]
    for name in "cdefg":
        log.append(record(name, "R1"))
    log.close()
    pieces = object_names(cloud, bucket)
    assert pieces == [folder + f"task-4.{n:06d}.jsonl" for n in (1, 2, 3, 4)]
    lines = [line for piece in pieces for line in get_text(cloud, bucket, piece).splitlines()]
    # Every record sent once, in order: the bytes put are the bytes of the records, whatever the flushes.
    assert [json.loads(line)["source_name"] for line in lines] == list("abcdefg")
    sent = sum(len(get_text(cloud, bucket, piece).encode("utf-8")) for piece in pieces)
    assert sent == sum(len((json.dumps(record(n, "R1"), ensure_ascii=False) + "\n").encode("utf-8")) for n in "abcdefg")


def test_a_task_log_in_pieces_merges_into_one_run_log_a_retried_attempt_read_last(cloud):
    bucket = cloud.new_bucket("log")
    loc = location(cloud, bucket)
    with rt.TaskLog(loc, "R1", "00001", client=cloud.oci, flush_every=1) as log:
        for name in "abc":
            log.append(dict(record(name, "R1"), outcome="failed"))
    with rt.TaskLog(loc, "R1", "00001~attempt1", client=cloud.oci, flush_every=2) as log:
        for name in "abc":
            log.append(record(name, "R1"))
    with rt.TaskLog(loc, "R1", "00000", client=cloud.oci, flush_every=1) as log:
        log.append(record("z", "R1"))
    merged = rt.merge_run_logs(loc, "R1", client=cloud.oci)
    assert merged["records"] == 4
    got = json.loads(get_text(cloud, bucket, "log/log_dataflow_app_migration.R1.json"))
    assert [(r["source_name"], r["outcome"]) for r in got] == [("z", "copied"), ("a", "copied"), ("b", "copied"),
                                                              ("c", "copied")]
    assert not [n for n in object_names(cloud, bucket) if ".runs/" in n]


def test_each_run_has_its_own_log_object_and_the_configured_one_holds_the_latest(cloud):
    bucket = cloud.new_bucket("log")
    loc = location(cloud, bucket)
    run_log = {r: f"log/log_dataflow_app_migration.{r}.json" for r in ("R1", "R2", "R3")}
    # R1 crashed before its merge; R3 is another run's folder (never read by R2's merge); R2 is this run.
    with rt.TaskLog(loc, "R1", 0, client=cloud.oci) as log:
        log.append(record("crashed", "R1"))
    with rt.TaskLog(loc, "R3", 0, client=cloud.oci) as log:
        log.append(record("other", "R3"))
    for task in (0, 1):
        with rt.TaskLog(loc, "R2", task, client=cloud.oci) as log:
            log.append(record(f"new-{task}", "R2"))
    stats = rt.merge_run_logs(loc, "R2", client=cloud.oci)
    merged = json.loads(get_text(cloud, bucket, loc["object"]))
    assert [(r["run_id"], r["source_name"]) for r in merged] == [("R2", "new-0"), ("R2", "new-1")]
    assert get_text(cloud, bucket, run_log["R2"]) == get_text(cloud, bucket, loc["object"])
    assert list(merged[0]) == list(rt.RECORD_FIELDS)
    assert (stats["added"], stats["runs"], stats["kept"]) == (2, ["R2"], None)
    assert stats["run_log"] == f"oci://{bucket}@{cloud.namespace}/{run_log['R2']}"
    again = rt.merge_run_logs(loc, "R2", client=cloud.oci)
    assert again["added"] == 0
    assert json.loads(get_text(cloud, bucket, loc["object"])) == merged
    # Under the lease, R4 folds what the other runs left into their own logs; the configured log is R4's to write.
    folded = rt.fold_crashed_runs(loc, "R4", client=cloud.oci)
    assert [f["runs"] for f in folded] == [["R1"], ["R3"]]
    assert [r["source_name"] for r in json.loads(get_text(cloud, bucket, run_log["R1"]))] == ["crashed"]
    assert json.loads(get_text(cloud, bucket, loc["object"])) == merged
    assert object_names(cloud, bucket) == sorted([loc["object"], *run_log.values()])


def test_merge_creates_a_missing_log_object(cloud):
    bucket = cloud.new_bucket("log")
    loc = location(cloud, bucket)
    with rt.TaskLog(loc, "R1", 0, client=cloud.oci) as log:
        log.append(record("a", "R1"))
    rt.merge_run_logs(loc, "R1", client=cloud.oci)
    assert [r["source_name"] for r in json.loads(get_text(cloud, bucket, loc["object"]))] == ["a"]


def test_an_accumulated_log_object_is_kept_before_the_first_run_replaces_it(cloud):
    bucket = cloud.new_bucket("log")
    loc = location(cloud, bucket)
    put_text(cloud, bucket, loc["object"], "[{broken")
    with rt.TaskLog(loc, "R1", 0, client=cloud.oci) as log:
        log.append(record("a", "R1"))
    stats = rt.merge_run_logs(loc, "R1", client=cloud.oci)
    kept = "log/log_dataflow_app_migration.before-R1.json"
    assert stats["kept"] == f"oci://{bucket}@{cloud.namespace}/{kept}"
    assert get_text(cloud, bucket, kept) == "[{broken"
    assert [r["source_name"] for r in json.loads(get_text(cloud, bucket, loc["object"]))] == ["a"]


class StreamOnly:
    """An object's body that refuses to be read whole (.content, .text): only its raw stream is there."""

    def __init__(self, data):
        self._data = data

    @property
    def content(self):
        raise AssertionError("an object was read whole (.content)")

    @property
    def text(self):
        raise AssertionError("an object was read whole (.text)")

    def __getattr__(self, name):
        return getattr(self._data, name)


class StreamingOnlyClient:
    """The emulator's client, whose get_object bodies can only be streamed; it notes what each put_object sent."""

    def __init__(self, client):
        self._client = client
        self.puts = {}

    def __getattr__(self, name):
        return getattr(self._client, name)

    def get_object(self, *args, **kwargs):
        response = self._client.get_object(*args, **kwargs)
        response.data = StreamOnly(response.data)
        return response

    def put_object(self, namespace, bucket, name, body, **kwargs):
        self.puts[name] = "file" if hasattr(body, "read") else type(body).__name__
        return self._client.put_object(namespace, bucket, name, body, **kwargs)


def test_the_merge_streams_pieces_and_attempts_and_keeps_an_accumulated_log_aside(cloud):
    bucket = cloud.new_bucket("log")
    loc = location(cloud, bucket)
    # The original's accumulated log (two runs' records) at the configured name, 2,000 records.
    accumulated = json.dumps([record(f"old-{i}", "R0" if i % 2 else "R00") for i in range(2000)], indent=2) + "\n"
    put_text(cloud, bucket, loc["object"], accumulated)
    # Task 00001 ran twice (its first attempt failed a, b, c), in pieces of 2 records; 00000 and the driver in pieces
    # of 3; task-rest-00001 in one piece.
    with rt.TaskLog(loc, "R1", "00001", client=cloud.oci, flush_every=2) as log:
        for name in ["a", "b", "c", "d", "e"]:
            log.append(dict(record(name, "R1"), outcome="failed" if name in "abc" else "copied"))
    with rt.TaskLog(loc, "R1", "00001~attempt1", client=cloud.oci, flush_every=2) as log:
        for name in ["c", "a", "b"]:
            log.append(record(name, "R1"))
    with rt.TaskLog(loc, "R1", "00000", client=cloud.oci, flush_every=3) as log:
        for i in range(500):
            log.append(record(f"z-{i:03d}", "R1"))
    with rt.TaskLog(loc, "R1", "driver", client=cloud.oci, flush_every=3) as log:
        log.append(dict(record("skip-me", "R1"), outcome="skipped"))
    with rt.TaskLog(loc, "R1", "rest-00001", client=cloud.oci) as log:
        log.append(record("rest", "R1"))
    pieces = [n for n in object_names(cloud, bucket) if ".runs/R1/" in n]
    assert len(pieces) == 3 + 2 + 167 + 1 + 1

    client = StreamingOnlyClient(cloud.oci)
    stats = rt.merge_run_logs(loc, "R1", client=client)
    gets = sorted(r["object"] for r in cloud.requests("GetObject", bucket))

    want = ([record(f"z-{i:03d}", "R1") for i in range(500)]
            + [record("d", "R1"), record("e", "R1"), record("c", "R1"), record("a", "R1"), record("b", "R1")]
            + [dict(record("skip-me", "R1"), outcome="skipped"), record("rest", "R1")])
    run_log = get_text(cloud, bucket, "log/log_dataflow_app_migration.R1.json")
    assert run_log == json.dumps(want, ensure_ascii=False, indent=2) + "\n"
    assert get_text(cloud, bucket, loc["object"]) == run_log
    kept = "log/log_dataflow_app_migration.before-R1.json"
    assert get_text(cloud, bucket, kept) == accumulated
    assert (stats["records"], stats["added"], stats["kept"]) == (507, 507, f"oci://{bucket}@{cloud.namespace}/{kept}")
    # Every object read was streamed (StreamOnly refuses .content); the logs were put from files, not from bytes.
    assert client.puts == {"log/log_dataflow_app_migration.R1.json": "file", kept: "file", loc["object"]: "file"}
    # Each piece read once, the run's own log asked for (none yet) and the configured log read once to be kept.
    assert gets == sorted([*pieces, "log/log_dataflow_app_migration.R1.json", loc["object"]])
    assert not [n for n in object_names(cloud, bucket) if ".runs/" in n]

    # The next run's merge finds a copy of R1's log at the configured name: nothing more kept aside.
    with rt.TaskLog(loc, "R2", "00000", client=cloud.oci) as log:
        log.append(record("next", "R2"))
    assert rt.merge_run_logs(loc, "R2", client=StreamingOnlyClient(cloud.oci))["kept"] is None
    assert [r["source_name"] for r in json.loads(get_text(cloud, bucket, loc["object"]))] == ["next"]
    assert get_text(cloud, bucket, kept) == accumulated


def test_merge_retries_throttling(cloud):
    bucket = cloud.new_bucket("log")
    loc = location(cloud, bucket)
    with rt.TaskLog(loc, "R1", 0, client=cloud.oci) as log:
        log.append(record("a", "R1"))
    cloud.add_fault({"operation": "PutObject", "path": f"/b/{bucket}/", "nth": 1,
                     "effect": {"kind": "status", "status": 429, "retryAfterSeconds": 0}})
    rt.merge_run_logs(loc, "R1", client=cloud.oci, retry_options={"base_delay": 0.01})
    assert [r["source_name"] for r in json.loads(get_text(cloud, bucket, loc["object"]))] == ["a"]


def test_namespace_and_listing_past_1000_objects(cloud):
    assert rt.object_storage_namespace(cloud.oci) == cloud.namespace
    bucket = cloud.new_bucket("many")
    names = [f"part/{i:05d}.parquet" for i in range(1005)] + ["other/x"]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: cloud.oci.put_object(cloud.namespace, bucket, n, b"x"), names))
    got = list(rt.list_target(cloud.oci, cloud.namespace, bucket, "part/"))
    assert [o["name"] for o in got] == sorted(n for n in names if n.startswith("part/"))
    assert all(o["size"] == 1 and o["md5"] and o["etag"] and o["modified"] for o in got)
    assert len(cloud.requests("ListObjects", bucket)) == 2
    small_pages = list(rt.list_target(cloud.oci, cloud.namespace, bucket, page_size=400))
    assert len(small_pages) == 1006
