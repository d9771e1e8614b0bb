"""The copy's partitioning on Spark (src/job/spark_copy.py partition_work): on a local SparkSession, 25 seeded random
plans (copies, hashes, fails, skips, deletes and keeps; files of every size around the multipart threshold; several
task counts, part sizes and file costs), each spread over a random number of Spark partitions, give the same tasks
as the translated core's partition_plan over the same entries: the same units (whole files and part ranges) in the
same order, in the same tasks. Also: the problems partition_plan reports stop the run with its messages."""
import random

import pytest

from runtime_loader import load_core, load_runtime, local_spark

rt = load_runtime("spark_copy", "run")
core = load_core()
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def sc():
    pytest.importorskip("pyspark")
    with local_spark("spark-copy-test") as context:
        yield context


def random_plan(r):
    entries = []
    for i in range(r.randrange(0, 40)):
        action = r.choice(["copy", "copy", "copy", "hash", "fail", "skip", "delete", "keep"])
        kind = r.randrange(6)
        size = [0, r.randrange(100), r.randrange(1 << 20), 16 * MIB + r.randrange(-1, 2),
                r.randrange(16 * MIB, 200 * MIB), r.randrange(1 << 30)][kind]
        source = None if action in ("delete", "keep") else f"s/{i:03d}"
        entries.append({"sourceName": source, "sourceSize": None if source is None else size,
                        "targetName": f"t/{i:03d}", "targetSize": None, "status": "new", "action": action,
                        "reason": ""})
    options = {"targetTasks": r.choice([1, 2, 3, 7, 24]), "multipartThreshold": r.choice([MIB, 16 * MIB]),
               "minPartSize": r.choice([MIB, 5 * MIB + 1, 8 * MIB]), "fileCost": r.choice([0, 1, MIB])}
    return entries, options


def unit_key(unit):
    return (unit["kind"], unit["sourceName"], unit["targetName"], unit["size"], unit["offset"], unit["length"],
            unit["partSize"], unit["partCount"], unit["firstPart"], unit["lastPart"])


def test_partition_work_on_spark_is_partition_plan(sc):
    r = random.Random(20261207)
    compared = 0
    for _ in range(25):
        entries, options = random_plan(r)
        want = core.partition_plan(entries, options)
        assert want["errors"] == []
        rdd = sc.parallelize(entries, r.randrange(1, 6))
        work = rt.partition_work(sc, rdd, options)
        assert (work.files, work.bytes) == (want["files"], want["bytes"])
        got = {}
        for slot, number, unit, entry in sorted(work.units.collect(), key=lambda u: (u[0], u[1])):
            assert entry["targetName"] == unit["targetName"]
            got.setdefault(slot, []).append(unit_key(unit))
        # partition_plan numbers its tasks 0, 1, 2, ... over the slots that hold units, in slot order.
        assert [got[slot] for slot in sorted(got)] == [[unit_key(u) for u in t["units"]] for t in want["tasks"]]
        compared += 1
    assert compared == 25


def test_problems_stop_the_run_with_partition_plans_words(sc):
    entries = [{"sourceName": "a", "sourceSize": 1.5, "targetName": "a", "targetSize": None, "status": "new",
                "action": "copy", "reason": ""}]
    options = {"targetTasks": 2, "multipartThreshold": MIB, "minPartSize": MIB, "fileCost": 0}
    want = core.partition_plan(entries, options)["errors"]
    with pytest.raises(rt.JobError) as caught:
        rt.partition_work(sc, sc.parallelize(entries, 1), options)
    assert str(caught.value) == "cannot partition the plan: " + "; ".join(want)
