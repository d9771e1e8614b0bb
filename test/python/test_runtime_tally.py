"""The run's summary from mergeable pieces (src/job/tally.py): a RecordTally of a run's records prints what
summary_table prints for the list (src/job/log.py), whichever way the records were split into tallies and merged;
more than FAILED_LISTED failures are listed up to that many, then counted. No cloud, no Spark."""
import datetime
import pickle
import random

import pytest

from runtime_loader import load_runtime

rt = load_runtime("tally", "log")

T0 = datetime.datetime(2026, 3, 1, 10, 0, 0)


def rec(name, outcome="copied", status="new", size=1000, start=0, end=2, **overrides):
    """A log record as make_record writes it; start/end in seconds after T0 (None: no date)."""
    fields = dict(source_name=name, source_size=size, target_name=name, target_size=size,
                  start=None if start is None else T0 + datetime.timedelta(seconds=start),
                  end=None if end is None else T0 + datetime.timedelta(seconds=end), run_date=T0,
                  run_id="20260301100000000000", status=status, outcome=outcome,
                  bytes_copied=size if outcome == "copied" else 0)
    fields.update(overrides)
    return rt.make_record(**fields)


def failed(name, n):
    return rec(name, "failed", "update", size=n, error=f"OCI 503 busy #{n}" if n % 3 else None, attempts=n % 7)


SHAPES = {
    "empty": [],
    "one copied": [rec("a")],
    "copied with dates spread over minutes": [rec("a", start=0, end=5), rec("b", start=100, end=400, size=3 << 30),
                                              rec("c", start=30, end=31, size=0)],
    "copied without dates": [rec("a", start=None, end=None), rec("b", start=None, end=None, size=7)],
    "copied with a start but no end": [rec("a", start=3, end=None)],
    "outcomes and statuses": [
        rec("a"), rec("b", status="update", size=5 << 20), rec("c", "skipped", "equal", size=10),
        rec("d", "skipped", "equal", size=None, target_size=4096), rec("e", "deleted", "target-only", size=None,
                                                                       target_size=77),
        rec("f", "planned", "new", size=12), rec("g", "stopped", "new", size=1_500_000),
        rec("h", "stopped", "update", size=None),
    ],
    "failures among copies": [rec("a"), failed("x", 1), rec("b", start=10, end=70), failed("y", 2),
                              rec("z", "skipped", "equal", size=3), failed("w", 3)],
    "a failure without a source name": [dict(failed("x", 4), source_name=None, targe_name="t/x"),
                                        dict(failed("", 5), source_name="", targe_name="t/y")],
    "hand-made records with missing fields": [{"outcome": "copied", "source_size": 3}, {"status": "new"}, {},
                                              {"outcome": "failed", "source_name": "q"}],
    "exactly 20 failures": [failed(f"f{i:02d}", i) for i in range(20)] + [rec("a")],
}


def merged_from(pieces):
    total = rt.RecordTally()
    for piece in pieces:
        assert total.merge(rt.tally_records(piece)) is total
    return total


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_tally_prints_what_summary_table_prints(shape):
    records = SHAPES[shape]
    assert rt.tally_records(records).table() == rt.summary_table(records)
    tally = rt.RecordTally()
    for r in records:
        assert tally.add(r) is tally
    assert tally.table() == rt.summary_table(records)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_tallies_merged_from_any_split_print_the_same_table(shape):
    records = SHAPES[shape]
    want = rt.summary_table(records)
    rng = random.Random(20260301)
    for _ in range(25):
        cuts = sorted(rng.randint(0, len(records)) for _ in range(rng.randint(0, 4)))
        pieces = [records[a:b] for a, b in zip([0] + cuts, cuts + [len(records)])]
        assert merged_from(pieces).table() == want
    # One record per tally, and empty tallies around them, merged in order; and a tree of merges.
    assert merged_from([[]] + [[r] for r in records] + [[]]).table() == want
    half = len(records) // 2
    left = merged_from([records[:half // 2], records[half // 2:half]])
    right = merged_from([records[half:]])
    assert left.merge(right).table() == want


def test_the_counts_the_exit_status_needs():
    records = SHAPES["outcomes and statuses"] + SHAPES["failures among copies"]
    tally = rt.tally_records(records)
    assert (tally.records, tally.failed, tally.stopped, tally.stopped_bytes) == (len(records), 3, 2, 1_500_000)
    assert tally.copied == 4 and tally.copied_bytes == 1000 * 3 + (5 << 20)


def test_a_tally_survives_pickling_as_spark_ships_it():
    records = SHAPES["failures among copies"]
    tally = pickle.loads(pickle.dumps(rt.tally_records(records[:3])))
    tally.merge(pickle.loads(pickle.dumps(rt.tally_records(records[3:]))))
    assert tally.table() == rt.summary_table(records)


def test_more_than_20_failures_list_the_first_20_then_count_the_rest():
    assert rt.FAILED_LISTED == 20
    records = [rec("ok", start=0, end=9)] + [failed(f"f{i:02d}", i) for i in range(1, 46)]
    full = rt.summary_table(records).splitlines()
    at = full.index("45 failed:")
    want = full[:at + 1 + 20] + ["  ... and 25 more (see the log)"]
    assert rt.tally_records(records).table().splitlines() == want
    assert want[at + 1].startswith("  f01: OCI 503 busy #1") and want[at + 20].startswith("  f20: ")
    # Whatever the split, the first 20 failures in record order are the ones listed.
    rng = random.Random(7)
    for _ in range(25):
        cuts = sorted(rng.randint(0, len(records)) for _ in range(rng.randint(1, 6)))
        pieces = [records[a:b] for a, b in zip([0] + cuts, cuts + [len(records)])]
        tally = merged_from(pieces)
        assert tally.table().splitlines() == want
        assert len(tally.failures) == 20 and tally.failed == 45


def test_a_tally_holds_no_record():
    records = [rec(f"r{i}", "copied" if i % 2 else "failed", size=i) for i in range(1000)]
    tally = rt.tally_records(records)
    assert len(tally.groups) == 2 and len(tally.failures) == 20
    assert len(pickle.dumps(tally)) < 4000


def test_a_tally_is_not_merged_with_itself():
    tally = rt.tally_records([rec("a")])
    with pytest.raises(ValueError):
        tally.merge(tally)
