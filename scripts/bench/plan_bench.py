"""The planning benchmark's Python side (issue 11, deliverable 6; scripts/bench/plan-bench.ts runs it and samples
memory). Two ways to plan the synthetic lake of synthetic_store.py (compare size-md5, no prefix, no filters):

  Spark (default), under spark-submit with dist/app.py and synthetic_store.py shipped with --py-files:
      spark-submit --master local[2] --py-files dist/app.py,scripts/bench/synthetic_store.py \\
          scripts/bench/plan_bench.py --app dist/app.py --files 1000000 --out /tmp/plan-entries
    builds the source and target RDDs from the store's units (one partition per unit, listed on the executors), calls
    the job's diff_on_spark, checks the summary against the store's expected counts (computed on Spark beforehand,
    untimed), and drains the entries in name order: each partition writes its entries as JSON lines to a file of its
    own under --out and returns its count (nothing but counts comes back to the driver).
  Baseline (--baseline), in a plain python process: today's driver path (src/job/planning.py make_plan): both
    listings materialized as Python lists in one process, then diff_listings(sources, targets, default_plan_options()).

Prints one JSON line last: {"mode": ..., "files": ..., timings in seconds, "summaryOk": ...}. Exits 1 when the
summary is wrong. --listing-timing (Spark) also times listing alone (a count of both RDDs, before the plan) so that the
diff's share can be told from the store's (the synthetic listing costs CPU on the executors as a real one costs
waiting).
"""
import argparse
import importlib
import importlib.util
import json
import os
import resource
import sys
import time


def load_app(path):
    """dist/app.py as a module named after its file (app): the same name --py-files gives it on the executors, so
    functions of it that Spark ships are found there by name."""
    name = os.path.splitext(os.path.basename(path))[0]
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_store():
    try:
        return importlib.import_module("synthetic_store")
    except ModuleNotFoundError:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        return importlib.import_module("synthetic_store")


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_baseline(args, app, store):
    spec = store.resolve({"files": args.files, "seed": args.seed, "filesPerUnit": args.files_per_unit})
    started = time.perf_counter()
    sources = [e for u in store.source_units(spec) for e in store.list_source_unit(spec, u)]
    targets = [e for u in store.target_units(spec) for e in store.list_target_unit(spec, u)]
    listed = time.perf_counter()
    plan = app.diff_listings(sources, targets, app.default_plan_options())
    diffed = time.perf_counter()
    entries = len(plan["entries"])
    rss_after_diff = peak_rss_mb()
    expected = store.expected_counts(spec)
    problems = store.summary_mismatches(plan["summary"], expected)
    if plan["errors"]:
        problems.append(f"plan errors: {plan['errors'][:3]}")
    return {
        "mode": "baseline", "files": args.files, "sourceEntries": len(sources), "targetEntries": len(targets),
        "entries": entries, "listingSeconds": listed - started, "diffSeconds": diffed - listed,
        "totalSeconds": diffed - started, "peakRssMb": rss_after_diff, "summaryOk": not problems,
        "problems": problems, "summary": plan["summary"],
    }


def _writer(out_dir):
    def write(index, entries):
        count = 0
        path = os.path.join(out_dir, f"part-{index:05d}.jsonl")
        with open(path, "w", encoding="utf-8", errors="surrogatepass") as f:
            for entry in entries:
                f.write(json.dumps(entry, ensure_ascii=False))
                f.write("\n")
                count += 1
        yield count
    return write


def run_spark(args, app, store):
    from pyspark import SparkConf, SparkContext

    sc = SparkContext.getOrCreate(SparkConf().setAppName("lake2oci plan-bench"))
    sc.setLogLevel("WARN")
    spec = store.resolve({"files": args.files, "seed": args.seed, "filesPerUnit": args.files_per_unit})
    source_units = store.source_units(spec)
    target_units = store.target_units(spec)
    timings = {}

    def rdds():
        sources = sc.parallelize(source_units, len(source_units)) \
            .flatMap(lambda u: ((0, e) for e in store.list_source_unit(spec, u)))
        targets = sc.parallelize(target_units, len(target_units)) \
            .flatMap(lambda u: ((0, e) for e in store.list_target_unit(spec, u)))
        return sources, targets

    started = time.perf_counter()
    expected = sc.parallelize(source_units, len(source_units)).map(lambda u: store.unit_counts(spec, u)) \
        .reduce(store.add_counts)
    timings["expectedCountsSeconds"] = time.perf_counter() - started

    if args.listing_timing:
        sources, targets = rdds()
        started = time.perf_counter()
        counted = (sources.count(), targets.count())
        timings["listingSeconds"] = time.perf_counter() - started
        timings["sourceEntries"], timings["targetEntries"] = counted

    sources, targets = rdds()
    started = time.perf_counter()
    result = app.diff_on_spark(sources, targets, {0: app.default_plan_options()}, partitions=args.partitions)
    diffed = time.perf_counter()
    summary = result.summaries[0]
    errors = result.errors[0]
    problems = store.summary_mismatches(summary, expected)
    if errors:
        problems.append(f"plan errors: {errors[:3]}")

    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)
    drain_started = time.perf_counter()
    entries = result.entries_of(0).mapPartitionsWithIndex(_writer(out_dir)).sum()
    drained = time.perf_counter()
    result.unpersist()
    if args.profile_dir:
        # spark.python.profile=true: one cProfile per RDD of Python work, summed over its tasks (pickling included).
        sc.dump_profiles(args.profile_dir)
    expected_entries = expected["sourceFiles"] + expected["targetOnly"]
    if entries != expected_entries:
        problems.append(f"entries: drained {entries}, expected {expected_entries}")
    if args.check_order:
        problems.extend(check_written_order(out_dir, app))
    out = {
        "mode": "spark", "files": args.files, "units": len(source_units), "partitions": args.partitions,
        "defaultParallelism": sc.defaultParallelism, "entries": entries,
        "diffSeconds": diffed - started, "drainSeconds": drained - drain_started, "totalSeconds": drained - started,
        "driverPeakRssMb": peak_rss_mb(), "summaryOk": not problems, "problems": problems, "summary": summary,
        **timings,
    }
    sc.stop()
    return out


class _StateCtx:
    namespace = "bench"
    bucket = "lake"
    target = None
    retry_options = {}


class _StateRun:
    """What read_state_on_spark uses of the job's run (a local log location; no OCI client needed)."""

    def __init__(self, location):
        self.ctx = _StateCtx()
        self.location = location
        self.prefix = ""
        self.params = {"target": {}}
        self.state = None
        self.state_count = 0


def _state_file(args, app):
    """A state of --files records (names of the synthetic lake's shape) beside a log in --out, written once and kept
    (untimed): its log location."""
    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)
    location = {"path": os.path.join(out_dir, f"state-{args.files}", "log.json")}
    where = app.equality_state_location(location, "bench", "lake", "")["path"]
    if not os.path.exists(where):
        names = (f"year=20{i % 20:02d}/month={i % 12 + 1:02d}/part-{i:09d}-c000.snappy.parquet"
                 for i in range(args.files))
        records = ({"name": n, "size": 1000 + len(n), "md5": "1B2M2Y8AsgTpgAmY7PhCfg==", "sourceVersion": f"0x8D{len(n):X}",
                    "sourceMd5": "1B2M2Y8AsgTpgAmY7PhCfg=="} for n in sorted(names, key=_name_order(app)))
        app.write_equality_state_lines(None, location, "bench", "lake", "", "20260101000000000000", records)
    return location, where


def _name_order(app):
    import functools

    return functools.cmp_to_key(app.compare_names)


def run_state(args, app):
    """The equality state of --files objects read as the job reads it: --baseline, whole into a dict on one process
    (read_equality_state, the job before session 5); Spark, in byte ranges by the executors (read_state_on_spark),
    counted there."""
    location, where = _state_file(args, app)
    size = os.path.getsize(where)
    if args.baseline:
        started = time.perf_counter()
        state = app.read_equality_state(None, location, "bench", "lake", "")
        elapsed = time.perf_counter() - started
        count = len(state or {})
    else:
        from pyspark import SparkConf, SparkContext

        sc = SparkContext.getOrCreate(SparkConf().setAppName("lake2oci plan-bench state"))
        sc.setLogLevel("WARN")
        started = time.perf_counter()
        run = _StateRun(location)
        state = app.read_state_on_spark(run, sc)
        count = run.state_count
        elapsed = time.perf_counter() - started
        state.unpersist()
        sc.stop()
    problems = [] if count == args.files else [f"state records: read {count}, written {args.files}"]
    return {"mode": "state-baseline" if args.baseline else "state-spark", "files": args.files, "stateBytes": size,
            "entries": count, "diffSeconds": elapsed, "drainSeconds": 0, "totalSeconds": elapsed,
            "peakRssMb": peak_rss_mb(), "summaryOk": not problems, "problems": problems}


def check_written_order(out_dir, app):
    """The files under out_dir, read in part order, give target names in strictly increasing compare_names order
    (streamed: one name held at a time)."""
    previous = None
    for name in sorted(os.listdir(out_dir)):
        with open(os.path.join(out_dir, name), encoding="utf-8", errors="surrogatepass") as f:
            for line in f:
                target = json.loads(line)["targetName"]
                if previous is not None and app.compare_names(previous, target) >= 0:
                    return [f"entries out of order: {previous!r} then {target!r} in {name}"]
                previous = target
    return []


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", required=True, help="dist/app.py (the job, flattened)")
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20231124)
    parser.add_argument("--files-per-unit", type=int, default=20000)
    parser.add_argument("--partitions", type=int, default=0, help="diff_on_spark's partitions (0: its own rule)")
    parser.add_argument("--out", help="directory for the drained entries (Spark)")
    parser.add_argument("--baseline", action="store_true")
    parser.add_argument("--listing-timing", action="store_true")
    parser.add_argument("--profile-dir", help="with --conf spark.python.profile=true: where to dump the workers' "
                        "profiles (one file per RDD)")
    parser.add_argument("--check-order", action="store_true", help="read the written entries back, check name order")
    parser.add_argument("--state", action="store_true", help="read an equality state of --files objects (kept in "
                        "--out) instead of planning")
    args = parser.parse_args(argv)
    app = load_app(os.path.abspath(args.app))
    store = load_store()
    if args.state:
        if not args.out:
            parser.error("--out is required with --state")
        out = run_state(args, app)
    elif args.baseline:
        out = run_baseline(args, app, store)
    else:
        if not args.out:
            parser.error("--out is required for the Spark path")
        out = run_spark(args, app, store)
    print(json.dumps(out), flush=True)
    return 0 if out["summaryOk"] else 1


if __name__ == "__main__":
    sys.exit(main())
