"""A deterministic synthetic store for the planning benchmark (issue 11, deliverable 6): a data lake of Spark-style
partitioned parquet files, `year=2003/month=07/day=14/part-00042-<uuid>.snappy.parquet`, listed in units small enough
to be listed on a Spark executor each (benchmark only: the job never selects it by itself).

The lake has the shape of scripts/bench/synthetic-listing.ts (the same classes and fractions, not the same bytes):
file i gets, from one BLAKE2b digest of (seed, i), a class (`equal` ~60%: the target holds the same size and md5;
`changed` ~10%: another size, or for small files sometimes the same size and another md5; `new`: not in the target),
a log-uniform size from 1 KiB to 512 MiB (about one file in 997 empty), and, for ~30% of files, a target-only
sibling in the target (same partition and part number, another uuid). Objects over 128 MiB list a multipart md5
("<base64>-<parts>") in the target, as OCI reports them, so an `equal` file over 128 MiB is an update for the diff
(no equality state). Each day directory holds `filesPerDirectory` files; file i lives in day i // filesPerDirectory,
so file index order is name order.

Units: both sides are cut into the same ranges of whole day directories (`filesPerUnit` files each, rounded to whole
directories). A source unit lists its directory entries (year and month when they start there, the day) and its files
in a seeded pseudo-random order, as an unsorted store listing does. A target unit is a name range: its objects sorted
by name, and the units in order concatenate to the whole target listing sorted by name, so
`sc.parallelize(units, len(units)).flatMap(...)` is in listing order partition by partition. Listing a unit holds
O(1) memory besides the entry it yields.

    spec = {"files": 1_000_000, "seed": 20231124}
    for unit in source_units(spec): for entry in list_source_unit(spec, unit): ...
    expected_counts(spec)  # what a correct diff finds (compare size-md5, no prefix, no filters, no state)
"""
import base64
import hashlib
from math import gcd

MiB = 1024 * 1024
MULTIPART_LIMIT = 128 * MiB
DAYS_PER_MONTH = 28
DAYS_PER_YEAR = 12 * DAYS_PER_MONTH

DEFAULTS = {
    "files": 0,
    "seed": 1,
    "equal": 0.6,
    "changed": 0.1,
    "targetOnly": 0.3,
    "filesPerDirectory": 1000,
    "filesPerUnit": 20000,
    "directories": True,
}


def resolve(spec):
    """The spec with its defaults, checked: a plain dict (it travels to the executors with every unit's closure)."""
    r = dict(DEFAULTS)
    r.update(spec or {})
    if not isinstance(r["files"], int) or r["files"] < 0:
        raise ValueError(f"synthetic store: files must be a whole number >= 0 (got {r['files']!r})")
    if not isinstance(r["filesPerDirectory"], int) or not 1 <= r["filesPerDirectory"] <= 100000:
        raise ValueError("synthetic store: filesPerDirectory must be 1..100000")
    if not isinstance(r["filesPerUnit"], int) or r["filesPerUnit"] < 1:
        raise ValueError("synthetic store: filesPerUnit must be a whole number >= 1")
    if r["equal"] < 0 or r["changed"] < 0 or r["equal"] + r["changed"] > 1 or not 0 <= r["targetOnly"] <= 1:
        raise ValueError("synthetic store: equal and changed must be >= 0 with equal + changed <= 1, targetOnly 0..1")
    days = -(-r["files"] // r["filesPerDirectory"])
    if days > (9999 - 2000) * DAYS_PER_YEAR:
        raise ValueError("synthetic store: too many directories for four-digit years")
    r["_equal"] = round(r["equal"] * 2 ** 32)
    r["_changed"] = round((r["equal"] + r["changed"]) * 2 ** 32)
    r["_targetOnly"] = round(r["targetOnly"] * 2 ** 32)
    r["_key"] = int(r["seed"]).to_bytes(8, "little", signed=False)
    return r


def _resolved(spec):
    return spec if "_key" in spec else resolve(spec)


# --- one file ------------------------------------------------------------------------------------------------------

def _digest(r, i):
    """64 pseudo-random bytes for file i: every property of the file is read from them."""
    return hashlib.blake2b(i.to_bytes(8, "little"), digest_size=64, key=r["_key"]).digest()


def _u32(d, at):
    return int.from_bytes(d[at:at + 4], "little")


# Digest layout: 0 class, 4 size, 8 sibling, 12 other (changed size/md5 choice), 16..32 uuid, 32..48 md5,
# 48..64 sibling uuid (its md5 is derived from it).

def _class(r, d):
    x = _u32(d, 0)
    return 0 if x < r["_equal"] else 1 if x < r["_changed"] else 2  # 0 equal, 1 changed, 2 new


# 1 KiB * 2^(19k/65536) for k in 0..65535: a log-uniform size table from 1 KiB to 512 MiB.
_SIZE_TABLE = [int(1024 * 2 ** (19 * k / 65536)) for k in range(65536)]


def _size(d):
    """Log-uniform between 1 KiB and 512 MiB plus a little jitter; about one file in 997 is empty."""
    h = _u32(d, 4)
    if h % 997 == 0:
        return 0
    return _SIZE_TABLE[h >> 16] + (h & 0x3FF)


def _has_sibling(r, d):
    return _u32(d, 8) < r["_targetOnly"]


def _day_path(day, depth=3):
    year = f"year={2000 + day // DAYS_PER_YEAR:04d}"
    if depth < 2:
        return year
    month = f"{year}/month={1 + (day % DAYS_PER_YEAR) // DAYS_PER_MONTH:02d}"
    if depth < 3:
        return month
    return f"{month}/day={1 + day % DAYS_PER_MONTH:02d}"


def _uuid(b):
    h = b.hex()
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _name(r, i, d, sibling=False, dir_path=None):
    per = r["filesPerDirectory"]
    path = dir_path if dir_path is not None else _day_path(i // per)
    uuid = _uuid(d[48:64] if sibling else d[16:32])
    return f"{path}/part-{i % per:05d}-{uuid}.snappy.parquet"


def _b64(b):
    return base64.b64encode(b).decode("ascii")


def _md5(d):
    return _b64(d[32:48])


def _other_md5(d):
    return _b64(bytes(x ^ 0x5A for x in d[32:48]))


def _multipart_md5(b, size):
    parts = -(-size // MULTIPART_LIMIT)
    return f"{_b64(b)}-{parts}"


def _source_entry(r, i, d, dir_path=None):
    return {"name": _name(r, i, d, dir_path=dir_path), "size": _size(d), "md5": _md5(d), "isDirectory": False}


def _target_own(r, i, d, cls, dir_path=None):
    """The object of file i in the target (class equal or changed)."""
    size = _size(d)
    name = _name(r, i, d, dir_path=dir_path)
    if cls == 0:
        return {"name": name, "size": size, "md5": _multipart_md5(d[36:52], size) if size > MULTIPART_LIMIT else _md5(d)}
    # Changed: another size for large files (a multipart md5 cannot show a content change), empty files and every
    # other small file; the same size with another md5 for the rest.
    other = _u32(d, 12)
    if size > MULTIPART_LIMIT or size == 0 or other % 2 == 0:
        bigger = size + 1 + other % 4096
        md5 = _multipart_md5(d[40:56], bigger) if bigger > MULTIPART_LIMIT else _other_md5(d)
        return {"name": name, "size": bigger, "md5": md5}
    return {"name": name, "size": size, "md5": _other_md5(d)}


def _target_sibling(r, i, d, dir_path=None):
    """The target-only object beside file i: same partition and part number, another uuid."""
    size = (_u32(d, 52) >> 8) % (64 * MiB)
    return {"name": _name(r, i, d, sibling=True, dir_path=dir_path), "size": size, "md5": _b64(d[48:64][::-1])}


# --- units ---------------------------------------------------------------------------------------------------------

def _days(r):
    return -(-r["files"] // r["filesPerDirectory"])


def _unit_ranges(r):
    per = r["filesPerDirectory"]
    days_per_unit = max(1, r["filesPerUnit"] // per)
    days = _days(r)
    return [(first, min(first + days_per_unit, days)) for first in range(0, days, days_per_unit)]


def source_units(spec):
    """The source's units: ranges of day directories [firstDay, endDay), as small tuples."""
    return [("source", a, b) for a, b in _unit_ranges(_resolved(spec))]


def target_units(spec):
    """The target's units: name ranges (the objects of the files of days [firstDay, endDay)), in name order."""
    return [("target", a, b) for a, b in _unit_ranges(_resolved(spec))]


def units(spec, side="source"):
    """The units of one side ("source" or "target")."""
    if side == "source":
        return source_units(spec)
    if side == "target":
        return target_units(spec)
    raise ValueError(f"synthetic store: side must be source or target (got {side!r})")


def _files_of_day(r, day):
    per = r["filesPerDirectory"]
    return day * per, min((day + 1) * per, r["files"])


def _permutation(r, day, n):
    """A seeded affine permutation of range(n): p -> (a*p + b) mod n with a coprime to n."""
    d = hashlib.blake2b(day.to_bytes(8, "little"), digest_size=16, key=r["_key"], person=b"order").digest()
    a = int.from_bytes(d[:8], "little") % n if n > 1 else 1
    b = int.from_bytes(d[8:], "little") % n if n > 1 else 0
    while gcd(a, n) != 1:
        a = (a + 1) % n
    return a, b


def list_source_unit(spec, unit):
    """The source entries of one unit: its directory entries and files (each file once), in a pseudo-random order
    within each day directory, as dicts {"name","size","md5","isDirectory"}."""
    r = _resolved(spec)
    _, first_day, end_day = unit
    for day in range(first_day, end_day):
        if r["directories"]:
            if day % DAYS_PER_YEAR == 0:
                yield {"name": _day_path(day, 1), "size": 0, "isDirectory": True}
            if day % DAYS_PER_MONTH == 0:
                yield {"name": _day_path(day, 2), "size": 0, "isDirectory": True}
            yield {"name": _day_path(day, 3), "size": 0, "isDirectory": True}
        lo, hi = _files_of_day(r, day)
        n = hi - lo
        a, b = _permutation(r, day, n)
        path = _day_path(day)
        for p in range(n):
            i = lo + (a * p + b) % n
            yield _source_entry(r, i, _digest(r, i), path)


def list_target_unit(spec, unit):
    """The target objects of one unit, sorted by name: {"name","size","md5"}."""
    r = _resolved(spec)
    _, first_day, end_day = unit
    for day in range(first_day, end_day):
        lo, hi = _files_of_day(r, day)
        path = _day_path(day)
        for i in range(lo, hi):
            d = _digest(r, i)
            cls = _class(r, d)
            own = _target_own(r, i, d, cls, path) if cls != 2 else None
            sibling = _target_sibling(r, i, d, path) if _has_sibling(r, d) else None
            if own is not None and sibling is not None and sibling["name"] < own["name"]:
                own, sibling = sibling, own
            if own is not None:
                yield own
            if sibling is not None:
                yield sibling


def list_unit(spec, unit):
    """The entries of a unit of either side (the unit names its side)."""
    return list_source_unit(spec, unit) if unit[0] == "source" else list_target_unit(spec, unit)


# --- what a correct diff finds -------------------------------------------------------------------------------------

COUNT_KEYS = ("sourceFiles", "sourceDirectories", "targetObjects", "new", "update", "equal", "targetOnly",
              "newBytes", "updateBytes", "equalBytes", "targetOnlyBytes")


def unit_counts(spec, unit):
    """What a correct diff finds among the files of one unit (either side's unit: they cover the same files),
    with compare size-md5, no prefix, no filters and no equality state."""
    r = _resolved(spec)
    _, first_day, end_day = unit
    c = dict.fromkeys(COUNT_KEYS, 0)
    for day in range(first_day, end_day):
        if r["directories"]:
            c["sourceDirectories"] += 1 + (day % DAYS_PER_MONTH == 0) + (day % DAYS_PER_YEAR == 0)
        lo, hi = _files_of_day(r, day)
        for i in range(lo, hi):
            d = _digest(r, i)
            cls = _class(r, d)
            size = _size(d)
            c["sourceFiles"] += 1
            # An equal object over 128 MiB lists a multipart md5: with no equality state nothing shows it
            # unchanged, so the diff copies it again (update).
            if cls == 0 and size <= MULTIPART_LIMIT:
                c["equal"] += 1
                c["equalBytes"] += size
            elif cls != 2:
                c["update"] += 1
                c["updateBytes"] += size
            else:
                c["new"] += 1
                c["newBytes"] += size
            if cls != 2:
                c["targetObjects"] += 1
            if _has_sibling(r, d):
                c["targetOnly"] += 1
                c["targetOnlyBytes"] += (_u32(d, 52) >> 8) % (64 * MiB)
                c["targetObjects"] += 1
    return c


def add_counts(a, b):
    return {k: a[k] + b[k] for k in COUNT_KEYS}


def expected_counts(spec):
    """What a correct diff of the whole lake finds (the sum of unit_counts over the units)."""
    total = dict.fromkeys(COUNT_KEYS, 0)
    for unit in source_units(spec):
        total = add_counts(total, unit_counts(spec, unit))
    return total


def summary_mismatches(summary, counts):
    """The differences between a diff's summary (the core's PlanSummary) and the expected counts: [] when right."""
    checks = {
        "new.files": (summary["new"]["files"], counts["new"]),
        "new.bytes": (summary["new"]["bytes"], counts["newBytes"]),
        "update.files": (summary["update"]["files"], counts["update"]),
        "update.bytes": (summary["update"]["bytes"], counts["updateBytes"]),
        "equal.files": (summary["equal"]["files"], counts["equal"]),
        "equal.bytes": (summary["equal"]["bytes"], counts["equalBytes"]),
        "targetOnly.files": (summary["targetOnly"]["files"], counts["targetOnly"]),
        "targetOnly.bytes": (summary["targetOnly"]["bytes"], counts["targetOnlyBytes"]),
        "copy.files": (summary["copy"]["files"], counts["new"] + counts["update"]),
        "directories": (summary["directories"], counts["sourceDirectories"]),
        "errors": (summary["errors"], 0),
    }
    return [f"{k}: got {got}, expected {want}" for k, (got, want) in checks.items() if got != want]
