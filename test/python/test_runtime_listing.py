"""The parallel listing (src/job/listing.py): the splitting of each side into units (pure: children -> units, OCI
name ranges), and, against the local cloud (LAKE2OCI_* variables, test/python-sdk.test.ts), the units listed in
rounds give exactly what one sequential listing gives, for several split settings, on ADLS (through the DFS gateway)
and OCI; one directory holding most of the files is split again. Without Spark (list_locally), and once on a local
SparkSession when pyspark is there."""
import os
import sys

import oci
import pytest

from runtime_loader import PACKAGE_DIR, LocalCloud, load_core, load_runtime

rt = load_runtime("listing", "adls", "oci_store")


def raw(name, directory=False):
    return {"name": name, "size": 0, "etag": "e", "is_directory": directory}


TREE = {
    None: [raw("a", True), raw("b", True), raw("top.txt")],
    "a": [raw("a/x", True), raw("a/y", True), raw("a/f.txt")],
    "b": [raw("b/z", True)],
    "a/x": [raw("a/x/1")], "a/y": [], "b/z": [raw("b/z/q", True)],
}


def test_expanding_stops_at_enough_directories():
    entries, dirs = rt.expand_directories([None], TREE.get, want=2)
    assert [e["name"] for e in entries] == ["a", "b", "top.txt"]
    assert dirs == ["a", "b"]


def test_expanding_goes_one_level_further_when_too_few_directories():
    entries, dirs = rt.expand_directories([None], TREE.get, want=10)
    assert [e["name"] for e in entries] == ["a", "b", "top.txt", "a/x", "a/y", "a/f.txt", "b/z"]
    assert dirs == ["a/x", "a/y", "b/z"]
    # Never more than MAX_LEVELS levels on the driver.
    _, dirs = rt.expand_directories([None], TREE.get, want=10, max_levels=3)
    assert dirs == ["b/z/q"]


def test_expanding_a_directory_of_files_gives_no_units():
    entries, dirs = rt.expand_directories(["a/x"], TREE.get, want=4)
    assert [e["name"] for e in entries] == ["a/x/1"] and dirs == []


def test_boundaries_are_taken_evenly_and_bounded():
    names = [f"p/{i:03d}/" for i in range(100)]
    picked = rt.pick_boundaries(names, 4)
    assert picked == ["p/025/", "p/050/", "p/075/"]
    assert rt.pick_boundaries(names[:2], 10) == names[:2]
    assert rt.pick_boundaries(names, 1) == []
    assert rt.pick_boundaries(names, 3, after="p/090/", before="p/095/") == ["p/092/", "p/094/"]
    assert rt.pick_boundaries(["b", "a", "a"], 5) == ["a", "b"]


def test_ranges_cover_everything_between_the_bounds():
    assert rt.ranges_between([]) == [{"start": None, "end": None}]
    assert rt.ranges_between(["b", "d"], "a", None) == [{"start": "a", "end": "b"}, {"start": "b", "end": "d"},
                                                        {"start": "d", "end": None}]


def test_units_wanted():
    assert rt.units_wanted(0, 2) == 2 * rt.UNITS_PER_CORE
    assert rt.units_wanted(5, 2) == 5
    assert rt.units_wanted(None, None) == rt.UNITS_PER_CORE


# ---- against the local cloud ----

EDGE = ["edge/empty.parquet", "edge/also empty.txt", "edge/a/b/c/d/deeply-nested.csv", "edge/name with spaces.parquet",
        "edge/ünïcödé/日本語-データ-😀.parquet", "edge/percent 100%.csv", "edge/plus+sign+name.json",
        "edge/hash#and?query.txt", "top level.bin"]
LAKE = EDGE + [f"t/d{d}/p{i}.csv" for d in range(6) for i in range(d + 1)]
# One directory holds most of the files: flat files and a few subdirectories.
BIG = [f"big/f{i:03d}" for i in range(40)] + [f"big/s{d}/g{i}" for d in range(4) for i in range(6)] + \
    [f"small{d}/x" for d in range(3)]


@pytest.fixture(scope="module")
def cloud():
    if not os.environ.get("LAKE2OCI_OCI_ENDPOINT"):
        pytest.skip("the local cloud is not running (test/python-sdk.test.ts starts it)")
    return LocalCloud()


def seed(cloud, names):
    fs = cloud.new_file_system("ls")
    bucket = cloud.new_bucket("ls")
    for i, name in enumerate(names):
        data = b"" if "empty" in name else (name.encode() * (i + 1))[:100 + i]
        cloud.oci.put_object(cloud.namespace, bucket, name, data)
        if "#" in name:
            continue  # the Python SDK's request for such a path hangs the DFS gateway: OCI only (issue noted)
        client = fs.get_file_client(name)
        client.create_file()
        if data:
            client.append_data(data, offset=0, length=len(data))
            client.flush_data(len(data))
    return fs, bucket


def key(entries):
    return sorted((e["name"], e["size"], e.get("md5"), e.get("etag"), e.get("isDirectory")) for e in entries)


def parallel_source(fs, path, want, split, workers=3):
    upper, units = rt.plan_source_units(fs, path, want)

    def run(unit):
        return list(rt.run_source_unit(fs, unit, want=want, split_entries=split, page_size=3))

    def again(unit):
        return rt.run_source_unit(fs, unit, want=want)

    got, rounds = rt.list_locally(units, run, again, workers=workers)
    return upper + got, len(units), rounds


def parallel_target(client, namespace, bucket, prefix, want, split, workers=3):
    units = rt.plan_target_units(client, namespace, bucket, prefix, want)

    def run(unit):
        return list(rt.run_target_unit(client, namespace, bucket, prefix, unit, want=want, split_entries=split,
                                       page_size=2))

    def again(unit):
        return rt.run_target_unit(client, namespace, bucket, prefix, unit, want=want)

    got, rounds = rt.list_locally(units, run, again, workers=workers)
    return sorted(got, key=lambda e: e["name"]), len(units), rounds


@pytest.fixture(scope="module")
def lake(cloud):
    return seed(cloud, LAKE)


@pytest.mark.parametrize("want,split", [(1, 10 ** 6), (2, 10 ** 6), (100, 10 ** 6), (1, 2), (3, 1), (100, 1)])
def test_the_source_listed_in_units_is_the_sequential_listing(cloud, lake, want, split):
    fs, _ = lake
    sequential = [rt.source_entry(e) for e in rt.list_source(fs)]
    got, units, rounds = parallel_source(fs, None, want, split)
    assert key(got) == key(sequential)
    assert len(got) == len(sequential)
    if want == 100:
        assert units >= 7  # one per directory of the second level (t/d0..d5, edge/a, edge/ünïcödé)
    # Under a path too.
    sequential = [rt.source_entry(e) for e in rt.list_source(fs, "edge")]
    assert key(parallel_source(fs, "edge", want, split)[0]) == key(sequential)


@pytest.mark.parametrize("want,split", [(1, 10 ** 6), (2, 10 ** 6), (100, 10 ** 6), (1, 2), (4, 1), (100, 1)])
def test_the_target_listed_in_ranges_is_the_sequential_listing(cloud, lake, want, split):
    _, bucket = lake
    sequential = [rt.target_entry(o) for o in rt.list_target(cloud.oci, cloud.namespace, bucket)]
    got, units, rounds = parallel_target(cloud.oci, cloud.namespace, bucket, None, want, split)
    assert got == sequential  # the same entries, in name order
    assert units <= max(1, want)
    for prefix in ("edge/", "t/d5/", "none/"):
        sequential = [rt.target_entry(o) for o in rt.list_target(cloud.oci, cloud.namespace, bucket, prefix)]
        assert parallel_target(cloud.oci, cloud.namespace, bucket, prefix, want, split)[0] == sequential


def test_a_directory_holding_most_files_is_split_again(cloud):
    fs, bucket = seed(cloud, BIG)
    sequential = [rt.source_entry(e) for e in rt.list_source(fs)]
    got, units, rounds = parallel_source(fs, None, 4, 10)
    assert key(got) == key(sequential)
    assert units == 4 and rounds == 2  # big/ found huge: its files listed, its 4 subdirectories the next round
    sequential = [rt.target_entry(o) for o in rt.list_target(cloud.oci, cloud.namespace, bucket)]
    got, units, rounds = parallel_target(cloud.oci, cloud.namespace, bucket, None, 4, 10)
    assert got == sequential
    assert rounds >= 2


def test_a_missing_file_system_or_bucket_fails_on_the_driver(cloud):
    fs = cloud.adls.get_file_system_client(cloud.unique("none"))
    with pytest.raises(Exception) as caught:
        rt.plan_source_units(fs, None, 4)
    assert getattr(caught.value, "status_code", None) == 404
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        rt.plan_target_units(cloud.oci, cloud.namespace, cloud.unique("none"), None, 4)
    assert caught.value.status == 404


def test_on_a_local_spark_session(cloud, lake, monkeypatch):
    pyspark = pytest.importorskip("pyspark")
    core = os.path.dirname(load_core().__file__)
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([os.path.dirname(PACKAGE_DIR), core,
                                                     os.path.dirname(os.path.abspath(__file__))]))
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.master("local[2]").appName("listing-test").getOrCreate()
    try:
        fs, bucket = lake
        params = cloud.context(bucket, fs.file_system_name) and {
            "source": {"account_name": cloud.account, "file_system": fs.file_system_name, "endpoint": cloud.adls_url,
                       "auth": {"kind": "key", "account_key": "env:LAKE2OCI_ADLS_KEY"}},
            "target": {"profile": "LOCAL", "config_file": cloud.config_file, "config_profile": cloud.profile,
                       "endpoint": cloud.endpoint, "namespace": cloud.namespace, "bucket": bucket},
            "copy": {}, "retry": {}, "run": {"run_id": "20240101000000000000"}}
        sc = spark.sparkContext
        for want in (1, 3, 100):
            upper, units = rt.plan_source_units(fs, None, want)
            rdd, _, _ = rt.list_on_spark(sc, units, rt.unit_runner("source", params, None, want, split_entries=2),
                                      lambda u: rt.run_source_unit(fs, u, want=want))
            assert key(upper + rdd.collect()) == key(rt.source_entry(e) for e in rt.list_source(fs))
            units = rt.plan_target_units(cloud.oci, cloud.namespace, bucket, None, want)
            rdd, _, _ = rt.list_on_spark(sc, units, rt.unit_runner("target", params, None, want, split_entries=2),
                                      lambda u: rt.run_target_unit(cloud.oci, cloud.namespace, bucket, None, u,
                                                                   want=want))
            assert sorted(rdd.collect(), key=lambda e: e["name"]) == \
                [rt.target_entry(o) for o in rt.list_target(cloud.oci, cloud.namespace, bucket)]
        del pyspark
    finally:
        spark.stop()
