"""One way of listing for scripts/bench/listing-bench.ts: python listing_bench.py WAY SIDE, WAY sequential | pool |
spark (under spark-submit --master local[2] --py-files dist/app.py), SIDE source | target. The cloud's endpoints come
in LISTING_BENCH (bench-cloud.ts's first line). Prints one JSON line: way, side, entries, seconds, digest (of the
sorted names, sizes and etags: every way must give the same), units, rounds, and for spark the start-up seconds."""
import hashlib
import json
import os
import sys
import time

t_start = time.monotonic()
way, side = sys.argv[1], sys.argv[2]
if way != "spark":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "dist"))
import app  # noqa: E402 - dist/app.py as a module (its main runs only as __main__)

cloud = json.loads(os.environ["LISTING_BENCH"])
os.environ["LISTING_BENCH_KEY"] = cloud["adlsAccountKey"]
params = {
    "source": {"account_name": cloud["adlsAccountName"], "file_system": "bench", "endpoint": cloud["adlsAccountUrl"],
               "auth": {"kind": "key", "account_key": "env:LISTING_BENCH_KEY"}},
    "target": {"profile": "LOCAL", "config_file": cloud["ociConfigFile"], "config_profile": cloud["ociProfile"],
               "endpoint": cloud["ociEndpoint"], "namespace": cloud["ociNamespace"], "bucket": "bench"},
    "copy": {}, "retry": {}, "run": {"run_id": "20260101000000000000"},
}
ctx = app.make_copy_context(params)
out = {"way": way, "side": side}
start_seconds = None
if way == "spark":
    from pyspark.sql import SparkSession

    sc = SparkSession.builder.appName("listing-bench").getOrCreate().sparkContext
    sc.setLogLevel("WARN")
    sc.parallelize([0], 1).count()  # the executors' Python workers started
    out["startSeconds"] = time.monotonic() - t_start
    workers = sc.defaultParallelism
else:
    workers = 2
want = app.units_wanted(0, workers)
t0 = time.monotonic()
if side == "source":
    if way == "sequential":
        entries = [app.source_entry(e) for e in app.list_source(ctx.source, None)]
    else:
        upper, units = app.plan_source_units(ctx.source, None, want)
        run_unit = app.unit_runner("source", params, None, want)

        def again(unit):
            return app.run_source_unit(ctx.source, unit, want=want)

        if way == "spark":
            rdd, rounds, _ = app.list_on_spark(sc, units, run_unit, again)
            entries = upper + rdd.collect()
        else:
            got, rounds = app.list_locally(units, run_unit, again, workers=workers * app.LIST_THREADS)
            entries = upper + got
        out.update(units=len(units), rounds=rounds)
else:
    if way == "sequential":
        entries = [app.target_entry(o) for o in app.list_target(ctx.target, ctx.namespace, ctx.bucket)]
    else:
        units = app.plan_target_units(ctx.target, ctx.namespace, ctx.bucket, None, want)
        run_unit = app.unit_runner("target", params, None, want)

        def again(unit):
            return app.run_target_unit(ctx.target, ctx.namespace, ctx.bucket, None, unit, want=want)

        if way == "spark":
            rdd, rounds, _ = app.list_on_spark(sc, units, run_unit, again)
            entries = sorted(rdd.collect(), key=lambda e: e["name"])
        else:
            got, rounds = app.list_locally(units, run_unit, again, workers=workers * app.LIST_THREADS)
            entries = sorted(got, key=lambda e: e["name"])
        out.update(units=len(units), rounds=rounds)
out["seconds"] = time.monotonic() - t0
digest = hashlib.sha256()
for e in sorted(entries, key=lambda e: e["name"]):
    digest.update(json.dumps([e["name"], e["size"], e.get("etag"), e.get("isDirectory")]).encode())
out.update(entries=len(entries), digest=digest.hexdigest()[:16])
print(json.dumps(out), flush=True)
