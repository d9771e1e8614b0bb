# The plan of a run: list both stores (on the driver, one page at a time) and diff them on Spark with the translated
# core (make_plan: spark_plan.diff_on_spark), or read the plan given with --plan and check that it fits this run
# (load_plan); the plan is written beside the run log in the format of `lake2oci plan`. An invalid plan made here
# stops the run before the target is touched.
import json
import sys
import time

from lake2oci_core import normalize_target_prefix

from .adls import list_source
from .log import run_log_location
from .oci_store import list_target
from .plan_file import check_plan, parse_plan_location, plan_location_for_log, read_plan, write_plan
from .run import _plain_path, _say, _store_problems, spark_session
from .spark_plan import diff_on_spark
from .state import prepare_equality_state, read_equality_state


def _list_sides(ctx, p, prefix):
    """The source and target listings as the core's entries, with progress every 10 s."""
    started = time.monotonic()
    last = [started]

    def progress(what, count, done=False):
        now = time.monotonic()
        if done or now - last[0] >= 10:
            last[0] = now
            rate = count / max(now - started, 0.001)
            _say(f"listing {what}: {count:,} entries{' (done)' if done else ''}, {rate:,.0f}/s")

    sources = []
    with _store_problems("source", p):
        for e in list_source(ctx.source, p.get("source-path") or None, retry_options=ctx.retry_options):
            sources.append({"name": e["name"], "size": int(e["size"] or 0), "md5": e.get("md5"),
                            "isDirectory": bool(e["is_directory"]), "etag": e.get("etag"), "version": e.get("etag")})
            if len(sources) % 5000 == 0:
                progress("source", len(sources))
    progress("source", len(sources), True)
    targets = []
    with _store_problems("target", p):
        for o in list_target(ctx.target, ctx.namespace, ctx.bucket, prefix or None, retry_options=ctx.retry_options):
            targets.append({"name": o["name"], "size": int(o["size"] or 0), "md5": o.get("md5")})
            if len(targets) % 1000 == 0:
                progress("target", len(targets))
    progress("target", len(targets), True)
    return sources, targets


# Listing entries per Spark partition of the plan (at least the default parallelism).
PLAN_PARTITION_ENTRIES = 50000


def _partitions(sc, count):
    return max(sc.defaultParallelism, -(-count // PLAN_PARTITION_ENTRIES))


def make_plan(run):
    """Lists both sides and diffs them on Spark (diff_on_spark: the translated core's steps per object name, the
    same entries, errors and summary as diff_listings): (entries, errors, summary)."""
    ctx = run.ctx
    sources, targets = _list_sides(ctx, run.p, run.prefix)
    # The equality state kept beside the log (rebuilt from the objects' metadata when missing) gives each object the
    # source version and MD5 it was copied from: the evidence of `equal` when the listing has no MD5.
    targets, run.state = prepare_equality_state(ctx, run.location, ctx.namespace, ctx.bucket, run.prefix, sources,
                                                targets, warn=lambda line: print(line, flush=True))
    sc = spark_session().sparkContext
    count = max(len(sources), len(targets))
    source_rdd = sc.parallelize([(0, s) for s in sources], _partitions(sc, len(sources)))
    target_rdd = sc.parallelize([(0, t) for t in targets], _partitions(sc, len(targets)))
    del sources, targets
    diff = diff_on_spark(source_rdd, target_rdd, {0: run.options}, partitions=_partitions(sc, count))
    try:
        entries = list(diff.entries_of(0).toLocalIterator())
    finally:
        diff.unpersist()
    return entries, diff.errors[0], diff.summaries[0]


def _comparable_options(options):
    """Plan options as the check compares them: an include of everything (["**"], the config's default) is the
    same as none ([], the job's default)."""
    out = dict(options)
    if list(out.get("include") or []) == ["**"]:
        out["include"] = []
    return out


def _normalised_header(header):
    """The plan header with its prefixes and source path written as this run writes them."""
    meta = json.loads(json.dumps(header.get("meta") or {}))
    if isinstance(meta.get("source"), dict):
        meta["source"]["path"] = _plain_path(meta["source"].get("path"))
    if isinstance(meta.get("target"), dict):
        meta["target"]["prefix"] = normalize_target_prefix(meta["target"].get("prefix") or "")
    options = _comparable_options(header.get("options") or {})
    if "targetPrefix" in options:
        options["targetPrefix"] = normalize_target_prefix(options["targetPrefix"] or "")
    return dict(header, meta=meta, options=options)


def load_plan(run):
    """Reads the plan given with --plan, checks its header against this run (PlanMismatch / PlanFileError -> one
    line, exit 2) and returns (entries, errors, summary). The source is not listed."""
    where = parse_plan_location(run.p["plan"])
    client = run.ctx.target if "object" in where else None
    with read_plan(where, client=client, retry_options=run.ctx.retry_options) as plan:
        check_plan(_normalised_header(plan.header), run.meta(), _comparable_options(run.options), plan.where)
        entries, errors = plan.entries()
        _say(f"applying plan {plan.where} ({len(entries):,} entries, made by "
             f"{(plan.header.get('meta') or {}).get('createdBy') or 'an unknown writer'}); the source is not listed")
        unversioned = sum(1 for e in entries if e.get("action") == "copy" and not _entry_version(e))
        if unversioned:
            _say(f"{unversioned:,} entries of the plan carry no source version: each is checked against its planned "
                 "size before it is copied (a same-size change since planning cannot be told); plan again with this "
                 "lake2oci to have versions")
        # The state is carried forward (not rebuilt: the plan's verdicts were made already).
        run.state = read_equality_state(run.ctx, run.location, run.ctx.namespace, run.ctx.bucket, run.prefix) or {}
        return entries, errors, plan.header["summary"]


def _entry_version(entry):
    """The version of the source file the plan saw: its sourceVersion, or the sourceEtag older job plans carry."""
    return entry.get("sourceVersion") or entry.get("sourceEtag") or None


def write_plan_file(run, entries, errors, summary):
    """The job's plan, beside its run log, in the format of `lake2oci plan` (contract C3)."""
    where = plan_location_for_log(run_log_location(run.location, run.run_id))
    client = run.ctx.target if "object" in where else None
    written = write_plan(where, entries, errors, summary, run.options, run.meta(), client=client,
                         retry_options=run.ctx.retry_options)
    _say(f"plan: {written}")


def report_invalid_plan(errors):
    for error in errors[:50]:
        print(f"plan error ({error['kind']}): {error['message']}", file=sys.stderr)
    if len(errors) > 50:
        print(f"... and {len(errors) - 50} more plan errors", file=sys.stderr)
    _say("the plan is invalid: nothing was written to the target")


def _entry_for_runtime(entry):
    """A plan entry as the copy runtime takes it: the core's camelCase dict, with the version the plan saw as the
    `sourceEtag` every read is conditional on (If-Match)."""
    e = dict(entry)
    version = _entry_version(entry)
    if version:
        e["sourceEtag"] = version
    return e
