"""The diff on Spark for the parity test (test/codegen/spark-parity.test.ts), run under spark-submit: reads diff
cases (JSON lines {"id", "options", "sources", "targets", "state"?}: the diffCase driver's input), computes them all
at once with the job's diff_on_spark from dist/app.py (each case a plan of its own; every listing spread over
several partitions, so that a case's targets often cross a partition boundary), and writes one JSON line per case:
{"id", "entries", "errors", "summary"}. Usage: spark-submit spark_diff_runner.py APP_PY CASES OUT [PARTITIONS]"""
import importlib.util
import json
import sys


def load_app(path):
    spec = importlib.util.spec_from_file_location("lake2oci_app", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv):
    app = load_app(argv[0])
    partitions = int(argv[3]) if len(argv) > 3 else 7
    with open(argv[1], encoding="utf-8") as f:
        cases = [json.loads(line) for line in f if line.strip()]
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("lake2oci-spark-parity").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    sc = spark.sparkContext
    options = {c["id"]: dict(app.default_plan_options(), **c["options"]) for c in cases}
    sources = sc.parallelize([(c["id"], s) for c in cases for s in c["sources"]], partitions)
    targets = sc.parallelize([(c["id"], t) for c in cases for t in c["targets"]], partitions)
    states = sc.parallelize([(c["id"], r) for c in cases for r in (c.get("state") or [])], partitions)
    diff = app.diff_on_spark(sources, targets, options, states=states, partitions=partitions)
    entries = {c["id"]: [] for c in cases}
    for (plan_id, _key, _seq), entry in diff.entries.collect():
        entries[plan_id].append(entry)
    with open(argv[2], "w", encoding="utf-8") as out:
        for c in cases:
            result = {"id": c["id"], "entries": entries[c["id"]], "errors": diff.errors[c["id"]],
                      "summary": diff.summaries[c["id"]]}
            out.write(json.dumps(result, ensure_ascii=True) + "\n")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
