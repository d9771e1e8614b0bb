"""The planning benchmark's synthetic store (scripts/bench/synthetic_store.py): target units concatenated give the
sorted target listing, names are unique on each side, listing is deterministic, and the counts it expects are those
the translated core's diff_listings finds."""
import os
import sys

from runtime_loader import REPO, load_core

sys.path.insert(0, os.path.join(REPO, "scripts", "bench"))
import synthetic_store as store  # noqa: E402

SMALL = {"files": 5000, "seed": 3, "filesPerDirectory": 300, "filesPerUnit": 900}
DIFF = {"files": 20000, "seed": 20231124, "filesPerUnit": 3000}


def listing(spec, side):
    lister = store.list_source_unit if side == "source" else store.list_target_unit
    return [e for u in store.units(spec, side) for e in lister(spec, u)]


def test_target_units_concatenate_to_the_sorted_unique_listing():
    core = load_core()
    units = store.target_units(SMALL)
    assert len(units) > 2
    names = [e["name"] for e in listing(SMALL, "target")]
    assert names == sorted(names)
    assert len(set(names)) == len(names)
    # In the core's order too (compare_names), and no unit overlaps the next.
    assert all(core.compare_names(a, b) < 0 for a, b in zip(names, names[1:]))
    per_unit = [[e["name"] for e in store.list_target_unit(SMALL, u)] for u in units]
    assert all(a[-1] < b[0] for a, b in zip(per_unit, per_unit[1:]) if a and b)


def test_source_names_are_unique_and_cover_every_file_and_directory():
    entries = listing(SMALL, "source")
    names = [e["name"] for e in entries]
    assert len(set(names)) == len(names)
    files = [e for e in entries if not e["isDirectory"]]
    counts = store.expected_counts(SMALL)
    assert len(files) == SMALL["files"] == counts["sourceFiles"]
    assert len(entries) - len(files) == counts["sourceDirectories"]
    # Not in name order (a store's listing order), but every unit starts with its directories.
    file_names = [e["name"] for e in files]
    assert file_names != sorted(file_names)


def test_listing_is_deterministic_and_seeded():
    assert listing(SMALL, "source") == listing(SMALL, "source")
    assert listing(SMALL, "target") == listing(SMALL, "target")
    other = dict(SMALL, seed=4)
    assert [e["name"] for e in listing(other, "target")] != [e["name"] for e in listing(SMALL, "target")]


def test_expected_counts_match_the_core_diff():
    core = load_core()
    sources = listing(DIFF, "source")
    targets = listing(DIFF, "target")
    plan = core.diff_listings(sources, targets, core.default_plan_options())
    counts = store.expected_counts(DIFF)
    assert plan["errors"] == []
    assert store.summary_mismatches(plan["summary"], counts) == []
    assert counts["targetObjects"] == len(targets)
    assert len(plan["entries"]) == counts["sourceFiles"] + counts["targetOnly"]
    # The lake's shape: about 60% equal, 10% changed, the rest new; ~30% target-only siblings.
    files = counts["sourceFiles"]
    assert 0.50 < counts["equal"] / files < 0.60  # equal files over 128 MiB list a multipart md5: updates
    assert 0.25 < counts["new"] / files < 0.35
    assert 0.27 < counts["targetOnly"] / files < 0.33
    # Both kinds of update: another size, and the same size with another md5.
    reasons = {e["evidence"] for e in plan["entries"] if e["status"] == "update"}
    assert len(reasons) >= 2
