# The Spark tasks: each task (_run_task, one Spark partition; its payload, whole files and part ranges of uploads
# started before it, is grouped on Spark by spark_copy.py) copies, uploads and logs each file as it finishes in its own
# task log. _record and _complete_record make a file's log record (also for the driver's records). After the run's
# deadline (copy params' deadline, --max-minutes) no file and no part starts: files are logged `stopped`, and a part
# range cut short is reported stopped to the driver (which aborts that upload).
from .sources import changed_source_error, file_properties
from .copy import DeadlineReached, copy_files, make_copy_context, upload_parts
from .log import TaskLog, make_record
from .planning import _entry_version
from .retry import AttemptTally, describe_error
from .run import _now


def _record(ctx, entry, outcome, *, result=None, error=None, start, attempts=0, elapsed=None):
    result = result or {}
    copied = outcome == "copied"
    return make_record(
        source_name=entry["sourceName"], source_size=entry["sourceSize"], target_name=entry["targetName"],
        target_size=result.get("target_size") if copied else entry.get("targetSize"),
        start=start, end=_now(), run_date=ctx.run_date, run_id=ctx.run_id, status=entry["status"], outcome=outcome,
        source_md5=result.get("source_md5") or entry.get("sourceMd5"),
        target_md5=result.get("target_md5") if copied else entry.get("targetMd5"),
        verified=bool(result.get("verified")) if copied else False, attempts=attempts, error=error,
        bytes_copied=result.get("bytes", entry["sourceSize"]) if copied else 0, elapsed_seconds=elapsed)


def _complete_record(record, entry):
    """Adds what the plan entry knows to a copy record: the verdict's evidence and the source version."""
    if record.get("evidence") is None and entry.get("evidence") is not None:
        record["evidence"] = entry["evidence"]
    if record.get("source_version") is None and _entry_version(entry):
        record["source_version"] = _entry_version(entry)
    return record


def _unversioned_check(ctx, entry):
    """For a plan entry without a source version: None when the file still has its planned size (its version is
    then pinned for the copy), else the error saying it changed or is gone."""
    name = entry["sourceName"]
    try:
        props = file_properties(ctx.source, name, ctx.retry_options)
    except Exception as error:  # noqa: BLE001 - a vanished file is reported in the log's words
        changed = changed_source_error(name, None, error)
        if changed is None:
            raise
        return str(changed)
    if props["size"] != int(entry["sourceSize"] or 0):
        return (f"source {name} changed since it was planned ({entry['sourceSize']} bytes then, {props['size']} now); "
                "plan again")
    entry["sourceEtag"] = props["etag"]
    return None


def _run_task(payload, location):
    """One Spark task: copy its whole files (thread pool) and upload its part ranges, logging each file as it
    finishes. Returns the task's records and, per part range, the parts uploaded or the error (`stopped` true when
    the run's deadline cut it short: not a failure)."""
    ctx = make_copy_context(payload["copy_params"])
    task_id = f"{payload['index']:05d}"
    try:
        from pyspark import TaskContext

        tc = TaskContext.get()
        if tc is not None and tc.attemptNumber() > 0:
            # "~" sorts after "." in names: a retried attempt's log is read after the first attempt's, so its record
            # of a file (the later one) is the one the run log keeps.
            task_id += f"~attempt{tc.attemptNumber()}"
    except ImportError:
        pass
    ranges = []
    records = []
    by_target = {e["targetName"]: e for e in payload["whole"]}
    with TaskLog(location, ctx.run_id, task_id, client=ctx.target) as log:
        def on_record(record):
            log.append(_complete_record(record, by_target.get(record.get("targe_name")) or {}))

        whole = []
        for entry in payload["whole"]:
            problem = None
            if entry.get("action") == "copy" and not _entry_version(entry) and not ctx.dry_run \
                    and not ctx.past_deadline():
                problem = _unversioned_check(ctx, entry)
            if problem is None:
                whole.append(entry)
                continue
            record = _complete_record(_record(ctx, entry, "failed", error=problem, start=_now()), entry)
            log.append(record)
            records.append(record)
        records.extend(copy_files(ctx, whole, on_record=on_record))
        for r in payload["ranges"]:
            tally = AttemptTally()
            try:
                parts = upload_parts(ctx, r["entry"], r["upload_id"], r["part_size"], r["first_part"],
                                     r["last_part"], tally=tally)
                ranges.append({"target_name": r["entry"]["targetName"], "parts": parts, "error": None,
                               "attempts": tally.attempts, "bytes": r["length"], "task": payload["index"]})
            except DeadlineReached as stopped:
                ranges.append({"target_name": r["entry"]["targetName"], "parts": stopped.parts, "error": str(stopped),
                               "stopped": True, "attempts": tally.attempts, "bytes": 0, "task": payload["index"]})
            except Exception as error:  # noqa: BLE001 - reported to the driver, which aborts the upload
                ranges.append({"target_name": r["entry"]["targetName"], "parts": [], "error": describe_error(error),
                               "attempts": tally.attempts, "bytes": 0, "task": payload["index"]})
    return {"records": records, "ranges": ranges}
