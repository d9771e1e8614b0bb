"""JSON-lines files read in byte ranges by Spark's executors (src/job/ranged_lines.py), and the two readers built on
it: the equality state and a plan given with --plan (src/job/planning.py read_state_on_spark, _read_plan_on_spark).
Whatever the range size, every line is read exactly once, at its offset; the Spark readers give what the sequential
readers give (read_equality_state, plan_file.read_plan), the same error messages included, with no line held by the
driver. Ranged reads of objects run against the OCI emulator when the local cloud runs (test/python-sdk.test.ts):
conditional on the object's etag, an object replaced between two ranges is an error, never a mix."""
import functools
import os
import random

import pytest

from runtime_loader import CLOUD_VARS, LocalCloud, load_core, load_runtime, local_spark

rt = load_runtime("ranged_lines", "planning", "plan_file", "state")
core = load_core()


def expected_lines(data, first):
    """(offset, line) of every line from `first` on, split the plain way."""
    out = []
    pos = first
    while pos < len(data):
        cut = data.find(b"\n", pos)
        if cut == -1:
            out.append((pos, data[pos:]))
            break
        out.append((pos, data[pos:cut]))
        pos = cut + 1
    return out


def random_text(r):
    pieces = ["a", "é", "😀", "名", " ", "{}", "\\n", "%", "\t"]
    lines = []
    for _ in range(r.randrange(0, 30)):
        kind = r.randrange(10)
        if kind == 0:
            lines.append("")  # empty line
        elif kind == 1:
            lines.append("".join(r.choice(pieces) for _ in range(r.randrange(50, 200))))  # longer than most ranges
        else:
            lines.append("".join(r.choice(pieces) for _ in range(r.randrange(1, 12))))
    text = "\n".join(lines)
    if lines and r.random() < 0.5:
        text += "\n"
    return text.encode("utf-8")


def test_every_line_is_read_once_whatever_the_range_size(tmp_path):
    r = random.Random(11)
    path = tmp_path / "lines.jsonl"
    for case in range(60):
        data = random_text(r)
        path.write_bytes(data)
        lines = rt.open_lines({"path": str(path)})
        assert lines.size == len(data)
        header, first = rt.first_line(lines)
        cut = data.find(b"\n")
        assert (header, first) == ((data, len(data)) if cut == -1 else (data[:cut], cut + 1))
        want = expected_lines(data, first)
        for range_bytes in (1, 2, 3, 7, 16, 61, 1 << 20):
            for tail in (1, 5, 64 << 10):
                got = []
                for start, end in rt.byte_ranges(first, lines.size, range_bytes):
                    got.extend(rt.lines_in_range(lines, start, end, tail_bytes=tail))
                assert got == want, (case, range_bytes, tail)
        for offset, _ in want:
            assert rt.line_number_at(lines, offset) == data[:offset].count(b"\n") + 1


def test_a_missing_file_is_none_and_ranges_cover_the_file(tmp_path):
    assert rt.open_lines({"path": str(tmp_path / "none.jsonl")}) is None
    assert rt.byte_ranges(5, 5, 3) == [(5, 5)]
    assert rt.byte_ranges(0, 10, 4) == [(0, 4), (4, 8), (8, 10)]
    # The default range: small files are spread over the cluster's cores, big ones cut at RANGE_BYTES.
    assert rt.range_bytes_for(10 << 20, 2) == 5 << 20
    assert rt.range_bytes_for(10 << 30, 8) == rt.RANGE_BYTES
    assert rt.range_bytes_for(100, 8) == 64 << 10


# ---- on Spark: the state and the plan read by the executors, the same as the sequential readers ----

@pytest.fixture(scope="module")
def sc():
    pytest.importorskip("pyspark")
    with local_spark("ranged-lines-test") as context:
        yield context


class Ctx:
    def __init__(self, namespace="ns", bucket="lake", target=None):
        self.namespace = namespace
        self.bucket = bucket
        self.target = target
        self.retry_options = {"base_delay": 0.01, "max_delay": 0.05}


class Run:
    """What the readers use of the job's run: its context, log location, target prefix and parameters."""

    def __init__(self, location, prefix="", ctx=None, params=None):
        self.ctx = ctx or Ctx()
        self.location = location
        self.prefix = prefix
        self.params = params or {"target": {}}
        self.state = None
        self.state_count = 0


def state_records(count):
    names = sorted((f"dir{i % 7}/part é {i:05d}.parquet" for i in range(count)),
                   key=functools.cmp_to_key(core.compare_names))
    return [{"name": n, "size": i, "md5": f"m{i}==", "sourceVersion": f"0x{i:X}", "sourceMd5": None}
            for i, n in enumerate(names)]


def write_state(tmp_path, records, prefix=""):
    location = {"path": str(tmp_path / "log.json")}
    rt.write_equality_state_lines(None, location, "ns", "lake", prefix, "20260101000000000000", iter(records))
    return location, rt.equality_state_location(location, "ns", "lake", prefix)["path"]


def test_the_state_read_on_spark_is_the_state_read_whole(sc, tmp_path, capsys):
    records = state_records(3000)
    location, path = write_state(tmp_path, records, "p/")
    run = Run(location, "p/")
    state = rt.read_state_on_spark(run, sc)
    assert state.getNumPartitions() >= 2  # spread over the cores, not one task
    assert run.state_count == 3000
    assert dict(state.collect()) == rt.read_equality_state(None, location, "ns", "lake", "p/")
    state.unpersist()

    # Missing: None; another target's: ignored with the sequential reader's line.
    assert rt.read_state_on_spark(Run({"path": str(tmp_path / "other.json")}, "p/"), sc) is None
    (tmp_path / "other").mkdir()
    other, other_path = write_state(tmp_path / "other", records[:10], "p/")
    with open(other_path, "r+", encoding="utf-8") as handle:
        text = handle.read().replace('"bucket": "lake"', '"bucket": "elsewhere"', 1).replace(
            '"bucket":"lake"', '"bucket":"elsewhere"', 1)
        handle.seek(0)
        handle.write(text)
        handle.truncate()
    capsys.readouterr()
    assert rt.read_state_on_spark(Run(other, "p/"), sc) is None
    assert "is the state of bucket 'elsewhere', not 'lake'" in capsys.readouterr().err

    # A line that is not a record, far into the file: the whole state is ignored, the line named by its number.
    text = open(path, encoding="utf-8").read().split("\n")
    text[2500] = '{"name": "x"'
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(text))
    assert rt.read_equality_state(None, location, "ns", "lake", "p/") is None
    sequential = capsys.readouterr().err
    assert "line 2501 is not JSON" in sequential
    assert rt.read_state_on_spark(Run(location, "p/"), sc) is None
    assert capsys.readouterr().err == sequential


OPTIONS = {"targetPrefix": "lake/", "include": [], "exclude": [], "compare": "size-md5", "mirror": False,
           "maxDeletions": 1000}
META = {"source": {"type": "adls", "account": "acct", "fileSystem": "fs", "path": "raw"},
        "target": {"namespace": "ns", "bucket": "b", "prefix": "lake/"}, "runId": "R1", "createdBy": "app.py"}


def plan_entries(count):
    return [{"sourceName": f"raw/ä {i:05d}.csv", "sourceSize": i, "sourceVersion": f"0x{i:X}",
             "targetName": f"lake/ä {i:05d}.csv", "targetSize": None, "status": "new", "action": "copy",
             "evidence": "absent", "reason": "no object"} for i in range(count)]


def spark_plan(sc, location):
    header, entries, errors = rt._read_plan_on_spark(Run(location), sc, location)
    try:
        return header, entries.collect(), errors
    finally:
        entries.unpersist()


def sequential_plan(location):
    with rt.read_plan(location) as plan:
        entries, errors = plan.entries()
        return plan.header, entries, errors


def plan_error(read):
    with pytest.raises(rt.PlanFileError) as caught:
        read()
    return str(caught.value)


def test_a_plan_read_on_spark_is_the_plan_read_whole_errors_included(sc, tmp_path):
    summary = {"new": {"files": 2000, "bytes": 1}}
    path = tmp_path / "plan.jsonl"
    location = {"path": str(path)}
    errors = [{"kind": "collision", "message": "two names"}]
    rt.write_plan(location, plan_entries(2000), errors, summary, OPTIONS, META)
    assert spark_plan(sc, location) == sequential_plan(location)
    assert len(spark_plan(sc, location)[1]) == 2000

    lines = path.read_text(encoding="utf-8").split("\n")
    cases = {
        "truncated": lines[:1500],
        "an entry after the errors": lines[:1200] + [lines[2001]] + lines[1200:2001] + lines[2002:],
        "not a plan line": lines[:1700] + ["[1, 2"] + lines[1701:],
        "an empty line": lines[:900] + [""] + lines[900:],
        "not a header": ['{"kind": "something else"}'] + lines[1:],
    }
    for name, text in cases.items():
        path.write_text("\n".join(text), encoding="utf-8")
        want = plan_error(lambda: sequential_plan(location))
        assert plan_error(lambda: spark_plan(sc, location)) == want, name
    assert plan_error(lambda: spark_plan(sc, {"path": str(tmp_path / "none.jsonl")})) == plan_error(
        lambda: sequential_plan({"path": str(tmp_path / "none.jsonl")}))


# ---- objects on the OCI emulator ----

@pytest.fixture(scope="module")
def cloud():
    if any(not os.environ.get(v) for v in CLOUD_VARS):
        pytest.skip("needs the local cloud (run through test/python-sdk.test.ts)")
    return LocalCloud()


def test_an_object_is_read_in_ranges_on_its_etag(cloud):
    bucket = cloud.new_bucket("lines")
    r = random.Random(5)
    data = b"".join(random_text(r) + b"\n" for _ in range(40))
    cloud.oci.put_object(cloud.namespace, bucket, "s/state.jsonl", data)
    location = {"namespace": cloud.namespace, "bucket": bucket, "object": "s/state.jsonl"}
    options = {"base_delay": 0.01, "max_delay": 0.05}
    lines = rt.open_lines(location, cloud.oci, options)
    assert lines.size == len(data) and lines.etag
    _, first = rt.first_line(lines, cloud.oci, options)
    got = []
    for start, end in rt.byte_ranges(first, lines.size, 97):
        got.extend(rt.lines_in_range(lines, start, end, cloud.oci, options, tail_bytes=13))
    assert got == expected_lines(data, first)

    # Replaced between two ranges: the next range is refused, not read from the new object.
    cloud.oci.put_object(cloud.namespace, bucket, "s/state.jsonl", data.replace(b"a", b"b"))
    with pytest.raises(rt.LinesChanged, match="changed while it was read"):
        list(rt.lines_in_range(lines, first, lines.size, cloud.oci, options))
    assert rt.open_lines({"namespace": cloud.namespace, "bucket": bucket, "object": "none"}, cloud.oci, options) is None
