# The copy as Spark computations (issue 11, deliverable 3): the plan's entries stay an RDD from the diff to the
# equality state, and the driver holds O(tasks): per-partition counts, the tasks' slots, and the tallies of the
# records. Every record is written by the executor that made it to its own task log (TaskLog) and kept in an RDD for
# the tallies and the equality state; none is collected.
#
# The stages, each computed once (persisted, then read by one action that also brings back its counts):
#   1. skip and delete entries, on the executors (task logs `task-rest-<partition>`);
#   2. multipart uploads left open on objects this plan writes are aborted (the open uploads are listed on the
#      driver, matched against the plan on Spark);
#   3. the work (copy, hash and fail entries) partitioned into tasks by bytes with the core's own arithmetic
#      (partition.ts: copyProblem, fileUnits, taskSlot) from per-partition totals: the same units and slots as
#      partitionPlan over the same entries, without a list of them anywhere;
#   4. the multipart uploads of files spread over tasks started on the executors (`task-start-<partition>` logs the
#      files that could not start, or that the deadline or a dry run kept from starting);
#   5. the copy tasks, one Spark partition per slot: whole files and part ranges (_run_task, unchanged);
#   6. each upload whose ranges all arrived committed on the executors, else aborted (`task-commit-<partition>`);
#   7. the equality state from the entries, the records and the previous state, joined by name, sorted, streamed.
import time

from lake2oci_core import (
    DEFAULT_FILE_COST, DEFAULT_TASKS_PER_CORE, copy_problem, file_units, part_size_for, partition_option_problems,
    target_task_count, task_slot,
)

from .commit import commit_file, record_maker
from .copy import abort_multipart, copy_files, deadline_words, start_multipart
from .sources import changed_source_error
from .listing import executor_context
from .log import TaskLog, _human_bytes
from .planning import _entry_version
from .retry import call_with_retry, describe_error
from .run import JobError, _now, _say, spark_session
from .spark_plan import name_order_key
from .state import state_record_for, write_equality_state_lines
from .tally import RecordTally
from .tasks import _complete_record, _run_task

WORK_ACTIONS = ("copy", "hash", "fail")
REST_ACTIONS = ("skip", "delete")
# Commit lines printed by the driver (one per multipart upload committed); the rest are counted.
COMMIT_LINES = 20

def _persisted(rdd):
    from pyspark import StorageLevel

    return rdd.persist(StorageLevel.MEMORY_AND_DISK)


def _tally_of(items):
    tally = RecordTally()
    for record in items:
        tally.add(record)
    yield tally


def _merged(tallies):
    total = RecordTally()
    for tally in tallies:
        total.merge(tally)
    return total


def _partition_log(params, kind, index, location):
    """An executor's context and the task log of stage `kind`'s partition `index` (task-<kind>-<index>.jsonl)."""
    ctx = executor_context(params)
    return ctx, TaskLog(location, ctx.run_id, f"{kind}-{index:05d}", client=ctx.target)


# ---- 1. skip and delete ----

def _rest_partition(params, location):
    def rest(index, entries):
        entries = list(entries)
        if not entries:
            return
        ctx, task_log = _partition_log(params, "rest", index, location)
        by_target = {e["targetName"]: e for e in entries}
        with task_log as log:
            for record in copy_files(ctx, entries):
                record = _complete_record(record, by_target.get(record.get("targe_name")) or {})
                log.append(record)
                yield record
    return rest


# ---- 2. uploads left open ----

def _open_upload_names(ctx):
    """{object name: [upload ids]} of the bucket's open multipart uploads (all pages)."""
    found = {}
    page = None
    while True:
        kwargs = {"limit": 1000}
        if page:
            kwargs["page"] = page
        result, _ = call_with_retry(
            lambda kwargs=kwargs: ctx.target.list_multipart_uploads(ctx.namespace, ctx.bucket, **kwargs),
            what="list multipart uploads", **ctx.retry_options)
        for u in result.data:
            found.setdefault(u.object, []).append(u.upload_id)
        page = result.headers.get("opc-next-page")
        if not page:
            return found


def abort_stale_uploads(ctx, entries):
    """Aborts the multipart uploads left open on objects this plan copies. Called only while this run holds the
    lease, so no live run owns them: a run that crashed left them. Nothing is asked of OCI when the plan copies
    nothing."""
    if entries.filter(lambda e: e["action"] == "copy").isEmpty():
        return 0
    open_uploads = _open_upload_names(ctx)
    if not open_uploads:
        return 0
    names = set(open_uploads)
    hit = entries.filter(lambda e: e["action"] == "copy" and e["targetName"] in names) \
        .map(lambda e: e["targetName"]).distinct().collect()
    aborted = 0
    for name in hit:
        for upload_id in open_uploads[name]:
            abort_multipart(ctx, {"target_name": name}, upload_id)
            aborted += 1
    return aborted


# ---- 3. partitioning ----

def _work_totals(popts):
    """Per partition: (index, entries in it, work files, work bytes, problems (position in partition, entry), skip
    and delete entries, copy entries, files uploaded in parts)."""
    def totals(index, entries):
        count = files = size = rest = copies = multipart = 0
        problems = []
        for position, entry in enumerate(entries):
            count += 1
            action = entry["action"]
            if action in REST_ACTIONS:
                rest += 1
            if action not in WORK_ACTIONS:
                continue
            problem = copy_problem(entry, position)
            if problem is not None:
                problems.append((position, entry))
                continue
            files += 1
            size += 0 if action == "fail" else entry["sourceSize"]
            if action == "copy":
                copies += 1
                # file_units' own rule for a file uploaded in parts (without cutting it into units here).
                file_size = entry["sourceSize"]
                if file_size >= popts["multipartThreshold"] and \
                        file_size > part_size_for(file_size, popts["minPartSize"]):
                    multipart += 1
        yield index, count, files, size, problems, rest, copies, multipart
    return totals


def _units_of(share, popts):
    def units(index, entries):
        for entry in entries:
            if entry["action"] not in WORK_ACTIONS:
                continue
            size = 0 if entry["action"] == "fail" else entry["sourceSize"]
            for unit in file_units(entry["sourceName"], entry["targetName"], size, entry["action"], share, popts):
                yield unit, entry
    return units


def _unit_costs(file_cost):
    def costs(index, items):
        total = 0
        for unit, _entry in items:
            total += unit["length"] + file_cost
        yield index, total
    return costs


def _slotted(offsets, total, tasks, file_cost):
    """Each unit with its task slot and its number (partition, position: plan order)."""
    def slot(index, items):
        before = offsets.get(index, 0)
        for position, (unit, entry) in enumerate(items):
            cost = unit["length"] + file_cost
            yield task_slot(before, cost, total, tasks), (index, position), unit, entry
            before += cost
    return slot


class CopyWork:
    """The partitioned work: units (an RDD of (slot, number, unit, entry)); files and bytes; the plan's skip and
    delete entries, copies and files uploaded in parts (what decides which stages run)."""

    def __init__(self, units, files, size, rest, copies, multipart, tasks):
        self.units = units
        self.files = files
        self.bytes = size
        self.rest = rest
        self.copies = copies
        self.multipart = multipart
        self.tasks = tasks


def partition_work(sc, entries, popts):
    """The plan's work cut into tasks as partition_plan cuts it (same units, same slots), from per-partition totals.
    Raises JobError with partition_plan's messages when the options or an entry cannot be partitioned."""
    problems = list(partition_option_problems(popts))
    totals = sorted(entries.mapPartitionsWithIndex(_work_totals(popts)).collect()) if not problems else []
    base = 0
    files = size = rest = copies = multipart = 0
    for _index, count, part_files, part_bytes, part_problems, part_rest, part_copies, part_multipart in totals:
        for position, entry in part_problems:
            problems.append(copy_problem(entry, base + position))
        base += count
        files += part_files
        size += part_bytes
        rest += part_rest
        copies += part_copies
        multipart += part_multipart
    if problems:
        raise JobError("cannot partition the plan: " + "; ".join(problems[:20]))
    tasks = int(popts["targetTasks"])
    share = (size + files * popts["fileCost"]) / tasks
    units = entries.mapPartitionsWithIndex(_units_of(share, popts))
    costs = dict(units.mapPartitionsWithIndex(_unit_costs(popts["fileCost"])).collect()) if files else {}
    offsets = {}
    running = 0
    for index in sorted(costs):
        offsets[index] = running
        running += costs[index]
    slotted = units.mapPartitionsWithIndex(_slotted(offsets, running, tasks, popts["fileCost"]))
    return CopyWork(slotted, files, size, rest, copies, multipart, tasks)


# ---- 4. uploads started ----

def _start_partition(params, location):
    """Starts the multipart upload of each file whose first range is in this partition: ("upload", name, upload) or
    ("record", record) for a file that fails to start, or is kept from starting by the deadline or a dry run."""
    def start(index, items):
        items = list(items)
        if not items:
            return
        ctx, task_log = _partition_log(params, "start", index, location)
        with task_log as log:
            add = record_maker(ctx, log)
            for unit, entry in items:
                if ctx.dry_run:
                    yield "record", add(entry, "planned", start=_now())
                    continue
                if ctx.past_deadline():
                    yield "record", add(entry, "stopped", error=f"not started: {deadline_words(ctx)}", start=_now())
                    continue
                try:
                    upload_id = start_multipart(ctx, entry, unit["partSize"])
                    yield "upload", entry["targetName"], {"upload_id": upload_id, "started": _now(),
                                                          "clock": time.time(), "entry": entry}
                except Exception as error:  # noqa: BLE001 - the file fails, the others go on
                    message = str(changed_source_error(entry["sourceName"], _entry_version(entry), error) or "") \
                        or describe_error(error)
                    yield "record", add(entry, "failed", error=message, start=_now())
    return start


# ---- 5. the copy tasks ----

def _task_payload(params):
    """A slot's units as _run_task's payload: whole files and part ranges, in plan order."""
    def payload(item):
        slot, units = item
        whole = []
        ranges = []
        for _number, kind, value in sorted(units, key=lambda u: u[0]):
            (whole if kind == "whole" else ranges).append(value)
        return {"index": slot, "copy_params": params, "whole": whole, "ranges": ranges}
    return payload


def _range_of(item):
    """(slot, (number, "range", range)) for a part range whose upload started."""
    _name, ((slot, number, unit), upload) = item
    return slot, (number, "range", {"entry": upload["entry"], "upload_id": upload["upload_id"],
                                    "part_size": unit["partSize"], "first_part": unit["firstPart"],
                                    "last_part": unit["lastPart"], "length": unit["length"]})


def _slot_partition(slot):
    """The Spark partition of a task slot: the slot itself (0 .. targetTasks - 1)."""
    return slot


def _task_results(location):
    def run(payload):
        result = _run_task(payload, location)
        out = [("record", r) for r in result["records"]]
        out.extend(("range", r["target_name"], r) for r in result["ranges"])
        return out
    return run


# ---- 6. commits ----

def _commit_partition(params, location):
    """Commits (or aborts) each upload of this partition: ("record", record) and ("commit", name, parts, tasks)."""
    def commit(index, items):
        items = list(items)
        if not items:
            return
        ctx, task_log = _partition_log(params, "commit", index, location)
        with task_log as log:
            add = record_maker(ctx, log)
            for _name, (upload, pieces) in items:
                pieces = list(pieces or [])
                record, line = commit_file(ctx, upload["entry"], upload, pieces, add)
                yield "record", record
                if line is not None:
                    yield "commit", line
    return commit


def _only(kind):
    def pick(item):
        return item[0] == kind
    return pick


def _second(item):
    return item[1]


def _start_results(items):
    """Per partition of the started uploads: (its records' tally, the uploads started)."""
    tally = RecordTally()
    started = 0
    for item in items:
        if item[0] == "record":
            tally.add(item[1])
        else:
            started += 1
    yield tally, started


def _task_tally(items):
    """Per copy task: (its records' tally, 1 when it ran)."""
    tally = RecordTally()
    ran = 0
    for item in items:
        ran = 1
        if item[0] == "record":
            tally.add(item[1])
    yield tally, ran


def copy_on_spark(run, entries):
    """Carries out the plan (an RDD of runtime entries in plan order) on Spark, stage by stage (above); a stage with
    nothing to do is not run. Returns (the records as an RDD, their RecordTally, the RDDs kept until the run ends)."""
    ctx = run.ctx
    p = run.p
    sc = spark_session().sparkContext
    params = run.params
    location = run.location
    tasks = int(p["tasks"]) or target_task_count(1, sc.defaultParallelism, DEFAULT_TASKS_PER_CORE)
    mib = 1024 * 1024
    popts = {"targetTasks": tasks, "multipartThreshold": int(p["multipart-threshold-mib"]) * mib,
             "minPartSize": int(p["part-size-mib"]) * mib, "fileCost": DEFAULT_FILE_COST}
    work = partition_work(sc, entries, popts)
    parts = []
    cached = []
    tally = RecordTally()
    # 1. Equal files (skipped) and, with mirror, the target-only objects deleted. Kept target-only objects have no
    # source file, so no record (the log has one record per source file, as the original).
    if work.rest:
        rest = _persisted(entries.filter(lambda e: e["action"] in REST_ACTIONS)
                          .mapPartitionsWithIndex(_rest_partition(params, location)))
        cached.append(rest)
        parts.append(rest)
        tally.merge(_merged(rest.mapPartitions(_tally_of).collect()))
    # 2.
    if work.copies and not ctx.dry_run:
        aborted = abort_stale_uploads(ctx, entries)
        if aborted:
            _say(f"aborted {aborted} multipart upload(s) left open by an earlier run")
    if not work.files:
        _say("copying 0 files (0 B): nothing for the Spark tasks")
        return (sc.union(parts) if parts else sc.emptyRDD()), tally, cached
    units = _persisted(work.units)
    cached.append(units)
    # 4.
    uploads = None
    if work.multipart:
        firsts = units.filter(lambda u: u[2]["kind"] == "parts" and u[2]["firstPart"] == 1).map(lambda u: (u[2], u[3]))
        started = _persisted(firsts.mapPartitionsWithIndex(_start_partition(params, location)))
        cached.append(started)
        for part_tally, _count in started.mapPartitions(_start_results).collect():
            tally.merge(part_tally)
        parts.append(started.filter(_only("record")).map(_second))
        uploads = started.filter(_only("upload")).map(lambda u: (u[1], u[2]))
    # 5. One Spark partition per task slot (slots without units stay empty: no task runs there).
    payload_units = units.filter(lambda u: u[2]["kind"] == "whole").map(lambda u: (u[0], (u[1], "whole", u[3])))
    if uploads is not None:
        ranges = units.filter(lambda u: u[2]["kind"] == "parts") \
            .map(lambda u: (u[2]["targetName"], (u[0], u[1], u[2])))
        payload_units = payload_units.union(ranges.join(uploads).map(_range_of))
    payloads = payload_units.groupByKey(work.tasks, _slot_partition).map(_task_payload(params))
    _say(f"copying {work.files:,} files ({_human_bytes(work.bytes)}) in up to {work.tasks} Spark tasks")
    results = _persisted(payloads.flatMap(_task_results(location)))
    cached.append(results)
    for part_tally, _ran in results.mapPartitions(_task_tally).collect():
        tally.merge(part_tally)
    parts.append(results.filter(_only("record")).map(_second))
    # 6. Past the deadline too: complete uploads are committed (the work is done), the others aborted.
    if uploads is not None:
        run.lease.check()
        pieces = results.filter(_only("range")).map(lambda r: (r[1], r[2])).groupByKey()
        committed = _persisted(uploads.leftOuterJoin(pieces).mapPartitionsWithIndex(_commit_partition(params, location)))
        cached.append(committed)
        lines = []
        for part_tally, part_lines in committed.mapPartitions(_commit_results).collect():
            tally.merge(part_tally)
            lines.extend(part_lines)
        parts.append(committed.filter(_only("record")).map(_second))
        for name, part_count, task_count in lines[:COMMIT_LINES]:
            _say(f"committed {name}: {part_count} parts uploaded by {task_count} Spark task(s)")
        if len(lines) > COMMIT_LINES:
            _say(f"... and {len(lines) - COMMIT_LINES:,} more multipart uploads committed (each in the log)")
    return sc.union(parts), tally, cached


def _commit_results(items):
    """Per partition of the commits: (its records' tally, its commit lines (name, parts, tasks), at most
    COMMIT_LINES + 1)."""
    tally = RecordTally()
    lines = []
    for item in items:
        if item[0] == "record":
            tally.add(item[1])
        elif len(lines) <= COMMIT_LINES:
            lines.append(item[1])
    yield tally, lines


# ---- 7. the equality state ----

def _first_entry_by_name(index, entries):
    for position, entry in enumerate(entries):
        name = entry.get("targetName")
        if name is not None:
            yield name, (0, (index, position), entry)


def _state_of_name(item):
    name, tagged = item
    entry = None
    entry_number = None
    own = []
    old = None
    for kind, number, value in tagged:
        if kind == 0:
            if entry_number is None or number < entry_number:
                entry, entry_number = value, number
        elif kind == 1:
            own.append((number, value))
        else:
            old = value
    if entry is None:
        return []
    own.sort(key=lambda o: o[0])
    record = state_record_for(name, entry, [r for _, r in own], old)
    return [(name_order_key(name), record)] if record is not None else []


def _numbered_records(index, records):
    for position, record in enumerate(records):
        name = record.get("targe_name")
        if name is not None:
            yield name, (1, (index, position), record)


def _previous_record(item):
    name, record = item
    return name, (2, None, record)


def write_state_on_spark(run, entries, records):
    """The equality state for the next plan: every object the plan listed or this run copied, joined by name on
    Spark with its records and its previous record, sorted by name and streamed into the state (not on a dry run)."""
    if run.ctx.dry_run:
        return None
    ctx = run.ctx
    tagged = entries.mapPartitionsWithIndex(_first_entry_by_name) \
        .union(records.mapPartitionsWithIndex(_numbered_records))
    state = getattr(run, "state", None)
    if state is not None:
        tagged = tagged.union(state.map(_previous_record))
    # One partition per 50,000 names (the plan's partitioning): a small state is judged and sorted in one.
    names = (run.tally.records if getattr(run, "tally", None) is not None else 0) + int(getattr(run, "state_count", 0))
    partitions = max(1, -(-names // 50000))
    judged = tagged.groupByKey(partitions).flatMap(_state_of_name)
    if partitions == 1:
        kept = judged.mapPartitions(lambda items: iter(sorted(items, key=lambda kv: kv[0]))).values()
    else:
        kept = judged.sortByKey(numPartitions=partitions).values()
    where = write_equality_state_lines(ctx, run.location, ctx.namespace, ctx.bucket, run.prefix, run.run_id,
                                       kept.toLocalIterator())
    if where:
        _say(f"equality state: {where['where']} ({where['records']:,} objects)")
    return where
