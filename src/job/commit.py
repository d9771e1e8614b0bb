# The multipart uploads that span tasks: each whose ranges all arrived is committed after the tasks, even past the
# run's deadline (else aborted: the file fails alone, or is logged `stopped` when the deadline cut a range short):
# commit_file, run on an executor (spark_copy.py). record_maker: a file's record, logged as it is made.
import time

from .copy import DeadlineReached, abort_multipart, commit_or_copy_again, deadline_words
from .retry import AttemptTally, describe_error
from .tasks import _complete_record, _record


def record_maker(ctx, log):
    """add(entry, outcome, **record fields) -> the file's record, completed from its plan entry and appended to
    `log` (a TaskLog)."""
    def add(entry, outcome, **kwargs):
        record = _complete_record(_record(ctx, entry, outcome, **kwargs), entry)
        log.append(record)
        return record
    return add


def commit_file(ctx, entry, upload, pieces, add):
    """Commits the multipart upload of `entry` whose ranges came back as `pieces` (the tasks' range results), or
    aborts it: the file fails (a range failed, or the commit did), or is `stopped` (the deadline cut a range short
    and none failed). Returns (the file's record made by add, (name, parts, tasks) when committed else None).
    upload: {"upload_id", "started" (datetime), "clock" (epoch seconds)}."""
    name = entry["targetName"]
    failed = [r["error"] for r in pieces if r["error"] and not r.get("stopped")]
    stopped = [r["error"] for r in pieces if r.get("stopped")]
    # 1 + every retry made for the file, in any task (each range's tally counts 1 + its retries).
    attempts = 1 + sum(r["attempts"] - 1 for r in pieces)
    elapsed = time.time() - upload["clock"]
    try:
        if failed:
            raise RuntimeError(failed[0])
        if stopped:
            uploaded = sum(len(r["parts"]) for r in pieces)
            raise DeadlineReached(f"stopped with {uploaded} parts uploaded by {len(pieces)} Spark task(s), the "
                                  f"upload aborted: {deadline_words(ctx)}")
        if not pieces:
            raise RuntimeError("no part range of the upload came back from its Spark tasks")
        all_parts = [part for r in pieces for part in r["parts"]]
        tally = AttemptTally()
        result = commit_or_copy_again(ctx, entry, upload["upload_id"], all_parts, tally=tally)
        record = add(entry, "copied", result=result, start=upload["started"], attempts=attempts + tally.retries,
                     elapsed=time.time() - upload["clock"])
        return record, (name, len(all_parts), len({r["task"] for r in pieces}))
    except DeadlineReached as error:
        abort_multipart(ctx, entry, upload["upload_id"])
        return add(entry, "stopped", error=str(error), start=upload["started"], attempts=attempts,
                   elapsed=elapsed), None
    except Exception as error:  # noqa: BLE001 - the file fails, the others go on
        abort_multipart(ctx, entry, upload["upload_id"])
        return add(entry, "failed", error=failed[0] if failed else describe_error(error), start=upload["started"],
                   attempts=attempts, elapsed=elapsed), None
