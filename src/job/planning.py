# The plan of a run: list both stores on Spark (listing.py: units split on the driver, listed by the executors) and
# diff them there with the translated core (make_plan: spark_plan.diff_on_spark), or read the plan given with --plan and check that it fits this run
# (load_plan); the plan is written beside the run log in the format of `lake2oci plan`. An invalid plan made here
# stops the run before the target is touched.
import json
import sys
import time

from lake2oci_core import normalize_target_prefix, target_name_for

from .sources import first_source_page, list_paths, source_list_path
from .listing import (
    ADLS_PAGE, OCI_PAGE, SPLIT_ENTRIES, executor_context, list_on_spark, plan_source_units, plan_target_units, run_source_unit,
    run_target_unit, source_entry, target_entry, unit_runner, units_wanted,
)
from .log import run_log_location
from .oci_store import list_target, list_target_pages
from .plan_file import (
    PlanFileError, check_plan, describe_plan_location, parse_plan_location, plan_count_problem, plan_header_of,
    plan_line_of, plan_location_for_log, write_plan,
)
from .run import _plain_path, _say, _store_problems, spark_session
from .spark_plan import diff_on_spark, name_order_key
from .ranged_lines import LinesChanged, first_line, line_number_at, lines_rdd, open_lines
from .state import (
    StateError, check_state_header, describe_state_location, equality_state_location, missing_state_warning,
    rebuild_equality_state, state_record_of,
)


def _progress(what, count, started, how):
    rate = count / max(time.monotonic() - started, 0.001)
    _say(f"listing {what}: {count:,} entries (done), {rate:,.0f}/s, {how}")


def _keyed(entry):
    return 0, entry


def _target_order(kv):
    return name_order_key(kv[1]["name"])


# Listing entries per Spark partition of the plan (at least the default parallelism).
PLAN_PARTITION_ENTRIES = 50000


def plan_partitions(sc, count):
    return max(sc.defaultParallelism, -(-count // PLAN_PARTITION_ENTRIES))


def _list_sequentially(run, sc):
    """--list-parallelism 1: both stores listed page by page on the driver, then parallelized."""
    ctx, p = run.ctx, run.p
    started = time.monotonic()
    with _store_problems("source", p):
        sources = [source_entry(e) for e in list_paths(ctx.source, source_list_path(p),
                                                        retry_options=ctx.retry_options)]
    _progress("source", len(sources), started, "one sequential listing")
    started = time.monotonic()
    with _store_problems("target", p):
        targets = [target_entry(o) for o in list_target(ctx.target, ctx.namespace, ctx.bucket, run.prefix or None,
                                                        retry_options=ctx.retry_options)]
    _progress("target", len(targets), started, "one sequential listing")
    count = max(len(sources), len(targets))
    return (sc.parallelize([(0, s) for s in sources], plan_partitions(sc, len(sources))),
            sc.parallelize([(0, t) for t in targets], plan_partitions(sc, len(targets))), count)


# A side whose whole listing fits in one page is listed by that one request on the driver (a small lake is planned
# without a Spark job per listing unit; a big one pays one request more). A page holds at most --list-split-entries
# entries, so a run that asks for small units lists in units.
def _source_in_one_page(run, split):
    """The source's entries when they fit in one page, else None."""
    with _store_problems("source", run.p):
        found, more = first_source_page(run.ctx.source, source_list_path(run.p), max_results=min(ADLS_PAGE, split),
                                        retry_options=run.ctx.retry_options)
    return None if more else [source_entry(e) for e in found]


def _target_in_one_page(run, split):
    """The target's objects (in name order) when they fit in one page, else None."""
    ctx = run.ctx
    with _store_problems("target", run.p):
        objects, _, more = next(list_target_pages(ctx.target, ctx.namespace, ctx.bucket, run.prefix or None,
                                                  page_size=min(OCI_PAGE, split), retry_options=ctx.retry_options))
    return None if more else [target_entry(o) for o in objects]


def _executor_params(run):
    """The copy parameters an executor makes its store clients from, with the namespace the driver found."""
    params = dict(run.params)
    params["target"] = dict(params.get("target") or {}, namespace=run.ctx.namespace)
    return params


def _list_sides(run, sc):
    """The source and target listings as RDDs of (plan 0, the core's entry), and the larger one's size. A side that
    fits in one page is that page (listed on the driver); another is split into units on the driver (its first
    listing there: a missing file system, path or bucket is one line) and listed by the executors (listing.py); the
    targets come in name order, partition by partition, as the diff wants them (sorted on Spark when a unit was split
    again or listed again on the driver)."""
    ctx, p = run.ctx, run.p
    want = units_wanted(p.get("list-parallelism"), sc.defaultParallelism)
    if want <= 1:
        return _list_sequentially(run, sc)
    params = _executor_params(run)
    split = int(p.get("list-split-entries") or 0) or SPLIT_ENTRIES
    started = time.monotonic()
    small_sources = _source_in_one_page(run, split)
    if small_sources is not None:
        source_count = len(small_sources)
        sources = sc.parallelize([(0, s) for s in small_sources], plan_partitions(sc, source_count))
        _progress("source", source_count, started, "one page, listed on the driver")
    else:
        with _store_problems("source", p):
            upper, units = plan_source_units(ctx.source, source_list_path(p), want, ctx.retry_options)

            def again(unit):
                return run_source_unit(ctx.source, unit, want=want, retry_options=ctx.retry_options)

            listed, rounds = None, 0
            if units:
                listed, rounds, _ = list_on_spark(sc, units, unit_runner("source", params, None, want, split), again)
        sources = sc.parallelize(upper, 1)
        if listed is not None:
            sources = sources.union(listed)
        sources = sources.map(_keyed)
        source_count = sources.count()
        _progress("source", source_count, started, f"{len(units):,} units listed by Spark tasks in {rounds} round(s)")
    started = time.monotonic()
    prefix = run.prefix or None
    small_targets = _target_in_one_page(run, split)
    if small_targets is not None:
        target_count = len(small_targets)
        targets = sc.parallelize([(0, t) for t in small_targets], plan_partitions(sc, target_count))
        _progress("target", target_count, started, "one page, listed on the driver")
        return sources, targets, max(source_count, target_count)
    with _store_problems("target", p):
        units = plan_target_units(ctx.target, ctx.namespace, ctx.bucket, prefix, want, ctx.retry_options)

        def again_target(unit):
            return run_target_unit(ctx.target, ctx.namespace, ctx.bucket, prefix, unit, want=want,
                                   retry_options=ctx.retry_options)

        listed, rounds, ordered = list_on_spark(sc, units, unit_runner("target", params, prefix, want, split),
                                                again_target)
    targets = listed.map(_keyed)
    if not ordered:
        targets = targets.sortBy(_target_order)
    target_count = targets.count()
    _progress("target", target_count, started, f"{len(units):,} name ranges listed by Spark tasks in {rounds} round(s)")
    return sources, targets, max(source_count, target_count)


def _rebuild_partition(params):
    """HEAD requests (on an executor) for the candidates of one partition: their (name, state record) pairs."""
    def rebuild(candidates):
        ctx = executor_context(params)
        yield from rebuild_equality_state(ctx, [t for _, t in candidates]).items()
    return rebuild


def _same_size(pair):
    size, target = pair[1]
    return size == target.get("size")


def _state_lines(items):
    """(name, record) of each state line of a range, or (None, (offset, reason)) for a line that is not a record."""
    for offset, raw in items:
        line = raw.decode("utf-8", errors="replace")
        if not line.strip():
            continue
        record, reason = state_record_of(line)
        yield (record["name"], record) if record is not None else (None, (offset, reason))


def _is_bad_line(item):
    return item[0] is None


def read_state_on_spark(run, sc):
    """The equality state kept beside the log as an RDD of (name, record), persisted, read in byte ranges by the
    executors (ranged_lines.py); None when there is none. A state that cannot be used (another target's, a line that
    is not a record) is one line on stderr and counts as missing, as read_equality_state does. Sets run.state_count."""
    from pyspark import StorageLevel

    ctx = run.ctx
    where_location = equality_state_location(run.location, ctx.namespace, ctx.bucket, run.prefix)
    where = describe_state_location(where_location)
    client = ctx.target if "object" in where_location else None
    lines = open_lines(where_location, client, ctx.retry_options)
    run.state_count = 0
    if lines is None:
        return None
    records = None
    try:
        header, first = first_line(lines, client, ctx.retry_options)
        if not header.strip():
            raise StateError(f"{where} is empty")
        check_state_header(header.decode("utf-8", errors="replace"), where, ctx.namespace, ctx.bucket, run.prefix)
        records = lines_rdd(sc, lines, first, _executor_params(run)).mapPartitions(_state_lines) \
            .persist(StorageLevel.MEMORY_AND_DISK)
        bad = records.filter(_is_bad_line).take(1)
        if bad:
            offset, reason = bad[0][1]
            number = line_number_at(lines, offset, client, ctx.retry_options)
            raise StateError(f"{where} line {number} {reason}")
        run.state_count = records.count()
    except (StateError, LinesChanged) as error:
        if records is not None:
            records.unpersist()
        print(f"lake2oci: ignoring the equality state: {error}", file=sys.stderr, flush=True)
        return None
    return records


def _equality_state(run, sc, sources, targets, partitions):
    """The equality state kept beside the log, as an RDD of (plan 0, record) for the diff (None when empty); when it
    is missing and the target lists objects, one warning line and a HEAD request (on the executors) for every object
    a source maps to with the same size rebuild it. run.state keeps it as an RDD of (name, record) (persisted) for the
    state written at the end of the run; the driver holds none of its records."""
    from pyspark import StorageLevel

    ctx = run.ctx
    state = read_state_on_spark(run, sc)
    if state is None and not targets.isEmpty():
        where = describe_state_location(equality_state_location(run.location, ctx.namespace, ctx.bucket, run.prefix))
        print(missing_state_warning(where), flush=True)
        prefix = normalize_target_prefix(run.prefix or "")
        params = _executor_params(run)
        sizes = sources.filter(lambda kv: not kv[1].get("isDirectory")) \
            .map(lambda kv: (target_name_for(prefix, kv[1]["name"]), kv[1].get("size")))
        candidates = sizes.join(targets.map(lambda kv: (kv[1]["name"], kv[1])), partitions).filter(_same_size) \
            .map(lambda pair: (pair[0], pair[1][1]))
        state = candidates.mapPartitions(_rebuild_partition(params)).persist(StorageLevel.MEMORY_AND_DISK)
        run.state_count = state.count()
    run.state = state
    if state is None or not run.state_count:
        return None
    return state.map(lambda kv: (0, kv[1]))


def make_plan(run):
    """Lists both sides on Spark and diffs them there (diff_on_spark: the translated core's steps per object name,
    the same entries, errors and summary as diff_listings): (entries, errors, summary), the entries an RDD in object
    name order (persisted), never collected."""
    sc = spark_session().sparkContext
    sources, targets, count = _list_sides(run, sc)
    partitions = plan_partitions(sc, count)
    # The equality state kept beside the log (rebuilt from the objects' metadata when missing) gives each object the
    # source version and MD5 it was copied from: the evidence of `equal` when the listing has no MD5.
    states = _equality_state(run, sc, sources, targets, partitions)
    diff = diff_on_spark(sources, targets, {0: run.options}, states=states, partitions=partitions)
    from pyspark import StorageLevel

    entries = diff.entries_of(0).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        entries.count()
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
        for field in ("path", "prefix"):
            if field in meta["source"] or field == "path":
                meta["source"][field] = _plain_path(meta["source"].get(field))
    if isinstance(meta.get("target"), dict):
        meta["target"]["prefix"] = normalize_target_prefix(meta["target"].get("prefix") or "")
    options = _comparable_options(header.get("options") or {})
    if "targetPrefix" in options:
        options["targetPrefix"] = normalize_target_prefix(options["targetPrefix"] or "")
    return dict(header, meta=meta, options=options)


def _plan_lines(items):
    """(kind, offset, value) of each plan line of a range: kind "entry" or "error", or None (value: what is wrong)."""
    for offset, raw in items:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield None, offset, "not a plan line (not UTF-8)"
            continue
        kind, value = plan_line_of(text)
        yield kind, offset, value


def _plan_counts(items):
    """One (entries, errors, last entry offset, first error offset, first bad line) per range."""
    entries = errors = 0
    last_entry = -1
    first_error = bad = None
    for kind, offset, value in items:
        if kind == "entry":
            entries += 1
            last_entry = offset
        elif kind == "error":
            errors += 1
            first_error = offset if first_error is None else first_error
        elif bad is None:
            bad = (offset, value)
    yield entries, errors, last_entry, first_error, bad


def _plan_entry(item):
    return item[2]


def _read_plan_on_spark(run, sc, where_location):
    """(header, entries RDD persisted, errors) of the plan at `where_location`, its lines read in byte ranges by the
    executors (ranged_lines.py): the same checks as plan_file.read_plan (a header this lake2oci reads, no entry
    after the errors, the counts the header announces), the same messages; the driver holds the errors only."""
    from pyspark import StorageLevel

    where = describe_plan_location(where_location)
    client = run.ctx.target if "object" in where_location else None
    retry_options = run.ctx.retry_options
    lines = open_lines(where_location, client, retry_options)
    if lines is None:
        if "object" in where_location:
            raise PlanFileError(f"plan {where} does not exist")
        raise PlanFileError(f"plan {where} cannot be read: No such file or directory")
    first, offset = first_line(lines, client, retry_options)
    try:
        header = plan_header_of(first.decode("utf-8"), where)
    except UnicodeDecodeError:
        raise PlanFileError(f"plan {where}: the first line is not a lake2oci plan header (not UTF-8)") from None
    parsed = lines_rdd(sc, lines, offset, _executor_params(run)).mapPartitions(_plan_lines) \
        .persist(StorageLevel.MEMORY_AND_DISK)
    try:
        counts = parsed.mapPartitions(_plan_counts).collect()
        bad = next((c[4] for c in counts if c[4] is not None), None)
        if bad is not None:
            raise PlanFileError(f"plan {where}, line {line_number_at(lines, bad[0], client, retry_options)}: {bad[1]}")
        first_error = min((c[3] for c in counts if c[3] is not None), default=None)
        if first_error is not None and max(c[2] for c in counts) > first_error:
            late = parsed.filter(lambda t: t[0] == "entry" and t[1] > first_error).map(lambda t: t[1]).min()
            raise PlanFileError(f"plan {where}, line {line_number_at(lines, late, client, retry_options)}: an entry "
                                "after the errors")
        problem = plan_count_problem(where, header, sum(c[0] for c in counts), sum(c[1] for c in counts))
        if problem is not None:
            raise problem
        errors = parsed.filter(lambda t: t[0] == "error").map(_plan_entry).collect() if header["errors"] else []
        entries = parsed.filter(lambda t: t[0] == "entry").map(_plan_entry).persist(StorageLevel.MEMORY_AND_DISK)
        entries.count()
    except LinesChanged as error:
        raise PlanFileError(f"plan {where}: {error}; read it again (run again)") from None
    finally:
        parsed.unpersist()
    return header, entries, errors


def load_plan(run):
    """Reads the plan given with --plan (its lines read by the executors), checks its header against this run
    (PlanMismatch / PlanFileError -> one line, exit 2) and returns (entries RDD, errors, summary). The source is not
    listed."""
    sc = spark_session().sparkContext
    where_location = parse_plan_location(run.p["plan"])
    header, entries, errors = _read_plan_on_spark(run, sc, where_location)
    where = describe_plan_location(where_location)
    try:
        check_plan(_normalised_header(header), run.meta(), _comparable_options(run.options), where)
    except BaseException:
        entries.unpersist()
        raise
    _say(f"applying plan {where} ({header['entries']:,} entries, made by "
         f"{(header.get('meta') or {}).get('createdBy') or 'an unknown writer'}); the source is not listed")
    unversioned = entries.filter(lambda e: e.get("action") == "copy" and not _entry_version(e)).count()
    if unversioned:
        _say(f"{unversioned:,} entries of the plan carry no source version: each is checked against its planned "
             "size before it is copied (a same-size change since planning cannot be told); plan again with this "
             "lake2oci to have versions")
    # The state is carried forward (not rebuilt: the plan's verdicts were made already).
    run.state = read_state_on_spark(run, sc)
    return entries, errors, header["summary"]


def _entry_version(entry):
    """The version of the source file the plan saw: its sourceVersion, or the sourceEtag older job plans carry."""
    return entry.get("sourceVersion") or entry.get("sourceEtag") or None


def write_plan_file(run, entries, errors, summary):
    """The job's plan, beside its run log, in the format of `lake2oci plan` (contract C3): the entries (an RDD)
    streamed into it a partition at a time."""
    where = plan_location_for_log(run_log_location(run.location, run.run_id))
    client = run.ctx.target if "object" in where else None
    written = write_plan(where, entries.toLocalIterator(), errors, summary, run.options, run.meta(), client=client,
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
