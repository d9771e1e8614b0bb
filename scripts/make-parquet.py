"""Writes real parquet files with Spark, for the demo, the end-to-end tests and the benchmarks.

usage: .venv/bin/python scripts/make-parquet.py OUT_DIR --files N --rows-per-file R [--seed S]

Produces OUT_DIR/sales/year=YYYY/part-XXXXX.parquet (Spark's own writer, snappy): 3 year directories with N files
each, contents deterministic for a seed. Prints one JSON line {"files": n, "bytes": total} at the end.
"""

import argparse
import json
import os
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--rows-per-file", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    if a.files < 1 or a.rows_per_file < 1:
        print("make-parquet: --files and --rows-per-file must be at least 1", file=sys.stderr)
        return 2

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("lake2oci-make-parquet")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        rows = a.files * a.rows_per_file
        df = (
            spark.range(0, rows, numPartitions=a.files)
            .withColumn("year", (F.col("id") % 3 + 2021).cast("int"))
            .withColumn("customer", F.concat(F.lit("C-"), (F.rand(a.seed) * 100000).cast("int").cast("string")))
            .withColumn("amount", F.round(F.rand(a.seed + 1) * 10000, 2))
            .withColumn("quantity", (F.rand(a.seed + 2) * 50).cast("int"))
            .withColumn("note", F.sha2(F.concat(F.col("id").cast("string"), F.lit(str(a.seed))), 256))
        )
        out = os.path.join(a.out_dir, "sales")
        df.repartition(a.files).write.mode("overwrite").partitionBy("year").parquet(out)
    finally:
        spark.stop()

    files = 0
    total = 0
    for root, _dirs, names in os.walk(a.out_dir):
        for n in names:
            p = os.path.join(root, n)
            if n.startswith(".") or n.startswith("_"):
                os.remove(p)  # Spark's _SUCCESS and .crc side files are not part of the lake
                continue
            files += 1
            total += os.path.getsize(p)
    print(json.dumps({"files": files, "bytes": total}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
