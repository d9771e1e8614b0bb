# Parallel listing of both stores (issue 11, deliverable 1). The driver splits each side into disjoint listing units,
# enough to keep every executor core busy, and the executors list them; a unit that turns out huge is split again in
# the next round. The listings are Spark data (RDDs of the core's entries), which planning.py hands to the diff on
# Spark (spark_plan.diff_on_spark) without collecting them.
#
# ADLS (hierarchical): the driver lists the source path one level (non-recursive; a missing file system or path
# fails here, on the driver, as one store problem), and a second level when the first holds fewer directories than
# units wanted; every entry found on those levels is kept as it is, and every directory of the last level listed
# becomes one unit: the recursive listing of that directory. A unit that lists more than `split_entries` entries
# stops, drops what it listed and lists its directory one level (two when that level holds fewer directories than
# wanted) instead: those entries are kept and each directory of the last level is a unit of the next round. A
# directory of files only is listed whole by that one-level listing (ADLS cannot split it further).
#
# OCI (flat): the driver lists the target prefix with delimiter "/" (a few pages at most), one level deeper when there
# are fewer prefixes than wanted, and picks up to `want - 1` boundaries evenly among the prefixes found (object names
# too when there are too few prefixes); the units are the name ranges [start, end) between them (ListObjects
# start/end), so they cover the prefix exactly whatever the boundaries. A range that lists more than `split_entries`
# keeps what it listed (to a page boundary) and splits the rest: one delimiter listing of the rest's directory picks
# new boundaries in it, each piece a unit of the next round.
#
# After MAX_ROUNDS rounds every unit left is listed whole. A unit that fails on an executor is listed again on the
# driver, so an error it meets again is raised there as itself (a store problem stays one line).
import json
from concurrent.futures import ThreadPoolExecutor

from .sources import list_paths
from .copy import make_copy_context
from .oci_store import list_target_pages

# Listing units wanted per executor core (list-parallelism 0): a Spark task per core and a few more, each listing
# its units on LIST_THREADS threads (listing waits on the service, not on the CPU).
TASKS_PER_CORE = 3
LIST_THREADS = 8
UNITS_PER_CORE = TASKS_PER_CORE * LIST_THREADS
# Levels listed one at a time (on the driver, or in a re-split) to find enough directories.
MAX_LEVELS = 2
# A unit listing more entries than this is split again.
SPLIT_ENTRIES = 50000
# Rounds of units; the units of the last one are listed whole.
MAX_ROUNDS = 4
# Requests at once for the driver's one-level listings.
DRIVER_THREADS = 8
# Pages of a delimiter listing read to find boundaries.
BOUNDARY_PAGES = 5
ADLS_PAGE = 5000
OCI_PAGE = 1000


def source_entry(e):
    """A listed source path as the core's source entry (md5 where the store's listing gives one: S3's ETag of a
    single-part upload; the version is the etag: sources.py)."""
    return {"name": e["name"], "size": int(e["size"] or 0), "md5": e.get("md5"), "isDirectory": bool(e["is_directory"]),
            "etag": e.get("etag"), "version": e.get("etag")}


def target_entry(o):
    """An OCI object as the core's target entry."""
    return {"name": o["name"] if isinstance(o, dict) else o.name,
            "size": int((o["size"] if isinstance(o, dict) else o.size) or 0),
            "md5": o.get("md5") if isinstance(o, dict) else o.md5}


def units_wanted(list_parallelism, default_parallelism):
    """Units to aim for: --list-parallelism when given, else UNITS_PER_CORE per executor core."""
    if int(list_parallelism or 0) > 0:
        return int(list_parallelism)
    return max(1, UNITS_PER_CORE * int(default_parallelism or 1))


def _map(fn, items, threads):
    if threads <= 1 or len(items) <= 1:
        return [fn(i) for i in items]
    with ThreadPoolExecutor(min(threads, len(items))) as pool:
        return list(pool.map(fn, items))


def expand_directories(roots, list_children, want, max_levels=MAX_LEVELS, threads=DRIVER_THREADS):
    """Lists `roots` one level (list_children(path) -> raw entries), and the directories found one level more while
    there are fewer than `want` of them and fewer than max_levels levels were listed. Returns (entries, dirs): every
    entry listed, and the directories of the last level (to be listed recursively, one unit each)."""
    entries = []
    frontier = list(roots)
    level = 0
    while True:
        listed = _map(list_children, frontier, threads)
        children = [e for batch in listed for e in batch]
        entries.extend(children)
        level += 1
        dirs = [e["name"] for e in children if e["is_directory"]]
        if not dirs or len(dirs) >= want or level >= max_levels:
            return entries, dirs
        frontier = dirs


def pick_boundaries(candidates, want, after=None, before=None):
    """Up to want - 1 names taken evenly from the sorted candidates strictly between after and before (None: no
    bound): the boundaries of at most `want` ranges."""
    names = sorted({c for c in candidates if (after is None or c > after) and (before is None or c < before)})
    if want <= 1 or not names:
        return []
    if len(names) <= want - 1:
        return names
    step = len(names) / want
    picked = []
    for i in range(1, want):
        name = names[min(len(names) - 1, int(round(i * step)))]
        if not picked or name > picked[-1]:
            picked.append(name)
    return picked


def ranges_between(boundaries, start=None, end=None):
    """The ranges [start, b1), [b1, b2), ..., [bk, end) as units (None: unbounded)."""
    edges = [start] + list(boundaries) + [end]
    return [{"start": edges[i], "end": edges[i + 1]} for i in range(len(edges) - 1)]


# ---- ADLS ----

def _adls_children(fs, retry_options):
    def children(path):
        return list(list_paths(fs, path or None, recursive=False, max_results=ADLS_PAGE, retry_options=retry_options))
    return children


def plan_source_units(fs, path, want, retry_options=None, threads=DRIVER_THREADS):
    """The driver's split of the source: (entries of the upper levels as the core's entries, units)."""
    entries, dirs = expand_directories([path or None], _adls_children(fs, retry_options), want, threads=threads)
    return [source_entry(e) for e in entries], [{"path": d} for d in dirs]


def run_source_unit(fs, unit, *, want, split_entries=SPLIT_ENTRIES, retry_options=None, page_size=ADLS_PAGE):
    """Lists one source unit: yields ("e", entry) for each entry, ("u", unit) for each unit of the next round."""
    path = unit["path"]
    listed = []
    whole = unit.get("whole")
    for e in list_paths(fs, path, recursive=True, max_results=page_size, retry_options=retry_options):
        listed.append(e)
        if not whole and len(listed) > split_entries:
            break
    else:
        for e in listed:
            yield ("e", source_entry(e))
        return
    del listed
    entries, dirs = expand_directories([path], _adls_children(fs, retry_options), want, threads=1)
    for e in entries:
        yield ("e", source_entry(e))
    for d in dirs:
        yield ("u", {"path": d})


# ---- OCI ----

def _boundary_candidates(client, namespace, bucket, prefix, start, end, retry_options, pages=BOUNDARY_PAGES):
    """(prefixes, names, complete) of a delimiter listing of `prefix` within [start, end), at most `pages` pages."""
    prefixes, names = [], []
    read = 0
    for objects, found, next_start in list_target_pages(client, namespace, bucket, prefix, start=start, end=end,
                                                         delimiter="/", fields="name", retry_options=retry_options):
        prefixes.extend(found)
        names.extend(o.name for o in objects)
        read += 1
        if next_start and read >= pages:
            names.append(next_start)
            return prefixes, names, False
    return prefixes, names, True


def plan_target_units(client, namespace, bucket, prefix, want, retry_options=None, threads=DRIVER_THREADS):
    """The driver's split of the target: ranges [start, end) under prefix. The first listing also finds a missing
    bucket on the driver."""
    prefixes, names, _ = _boundary_candidates(client, namespace, bucket, prefix, None, None, retry_options)
    if 0 < len(prefixes) < want:
        deeper = _map(lambda p: _boundary_candidates(client, namespace, bucket, p, None, None, retry_options, 1),
                      prefixes, threads)
        for sub, _, _ in deeper:
            prefixes = prefixes + sub
    candidates = prefixes if len(prefixes) >= want - 1 else prefixes + names
    return ranges_between(pick_boundaries(candidates, want))


def _parent(name, prefix):
    cut = name.rfind("/")
    parent = name[:cut + 1] if cut >= 0 else ""
    return parent if len(parent) > len(prefix or "") else (prefix or None)


def run_target_unit(client, namespace, bucket, prefix, unit, *, want, split_entries=SPLIT_ENTRIES,
                    retry_options=None, page_size=OCI_PAGE):
    """Lists one target range: yields ("e", entry) for each object, ("u", unit) for each piece of the rest of a range
    found huge."""
    count = 0
    start, end = unit.get("start"), unit.get("end")
    for objects, _, next_start in list_target_pages(client, namespace, bucket, prefix, start=start, end=end,
                                                     page_size=page_size, retry_options=retry_options):
        for o in objects:
            yield ("e", target_entry(o))
        count += len(objects)
        if next_start and not unit.get("whole") and count > split_entries:
            sub, names, _ = _boundary_candidates(client, namespace, bucket, _parent(next_start, prefix), next_start,
                                                 end, retry_options, 1)
            candidates = sub if len(sub) >= want - 1 else sub + names
            for piece in ranges_between(pick_boundaries(candidates, want, after=next_start, before=end),
                                        next_start, end):
                yield ("u", piece)
            return


# ---- the rounds, on Spark or on a local pool ----

_CONTEXTS = {}


def executor_context(params):
    """The executor's CopyContext for these parameters, made once per process."""
    key = json.dumps(params, sort_keys=True, default=str)
    ctx = _CONTEXTS.get(key)
    if ctx is None:
        ctx = _CONTEXTS[key] = make_copy_context(params)
    return ctx


def unit_runner(side, params, prefix, want, split_entries=SPLIT_ENTRIES):
    """The function an executor runs on one unit of `side` ("source" | "target"): tagged entries and next units, or
    one ("x", unit) when listing it failed (the driver lists it again itself)."""
    def run(unit):
        try:
            ctx = executor_context(params)
            if side == "source":
                out = list(run_source_unit(ctx.source, unit, want=want, split_entries=split_entries,
                                           retry_options=ctx.retry_options))
            else:
                out = list(run_target_unit(ctx.target, ctx.namespace, ctx.bucket, prefix, unit, want=want,
                                           split_entries=split_entries, retry_options=ctx.retry_options))
        except Exception:  # noqa: BLE001 - listed again on the driver, where the error is raised as itself
            return [("x", unit)]
        return out
    return run


def _is_entry(item):
    return item[0] == "e"


def _is_not_entry(item):
    return item[0] != "e"


def _payload(item):
    return item[1]


def _threaded(run_unit, threads):
    def run_partition(units):
        for items in _map(run_unit, list(units), threads):
            yield from items
    return run_partition


def list_on_spark(sc, units, run_unit, rerun_on_driver, max_rounds=MAX_ROUNDS, tasks=None, threads=LIST_THREADS):
    """Runs the units in rounds on Spark: (an RDD of the entries, the rounds, whether the RDD is in unit order). Each
    round's units go to `tasks` partitions (default TASKS_PER_CORE per core), each listing its units on `threads`
    threads, in order. Only the units of the next round (and failed ones) come back to the driver between rounds.
    One round without failures gives the entries partition by partition in the order of the units (for target
    ranges: name order); a later round or a unit listed again on the driver adds RDDs after it."""
    from pyspark import StorageLevel

    tasks = tasks or TASKS_PER_CORE * sc.defaultParallelism
    rdds = []
    rounds = 0
    while units:
        rounds += 1
        if rounds >= max_rounds:
            units = [dict(u, whole=True) for u in units]
        tagged = (sc.parallelize(units, min(len(units), tasks)).mapPartitions(_threaded(run_unit, threads))
                  .persist(StorageLevel.MEMORY_AND_DISK))
        rest = tagged.filter(_is_not_entry).collect()
        rdds.append(tagged.filter(_is_entry).map(_payload))
        units = [u for kind, u in rest if kind == "u"]
        failed = [u for kind, u in rest if kind == "x"]
        if failed:
            again = [item for u in failed for item in rerun_on_driver(dict(u, whole=True))]
            rdds.append(sc.parallelize([e for kind, e in again if kind == "e"], max(1, len(failed))))
    return (rdds[0] if len(rdds) == 1 else sc.union(rdds)), rounds, len(rdds) == 1


def list_locally(units, run_unit, rerun_on_driver, workers=1, max_rounds=MAX_ROUNDS):
    """The same rounds without Spark, on a pool of `workers` threads (the tests, and the benchmark's pool): the
    list of entries."""
    entries = []
    rounds = 0
    while units:
        rounds += 1
        if rounds >= max_rounds:
            units = [dict(u, whole=True) for u in units]
        results = _map(run_unit, units, workers)
        units = []
        for items in results:
            for kind, value in items:
                if kind == "e":
                    entries.append(value)
                elif kind == "u":
                    units.append(value)
                else:
                    entries.extend(e for k, e in rerun_on_driver(dict(value, whole=True)) if k == "e")
    return entries, rounds
