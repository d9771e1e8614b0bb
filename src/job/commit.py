# The multipart uploads that span tasks, on the driver: those left open by a crashed run are aborted (the lease is
# held, so no live run owns them), the ones the partitioning asks for are started before the tasks run, and each whose
# ranges all arrived is committed after them, even past the run's deadline (else aborted: the file fails alone, or is
# logged `stopped` when the deadline cut a range short). DriverLog: the driver's records.
import time

from .adls import source_changed_error
from .copy import DeadlineReached, abort_multipart, commit_or_copy_again, deadline_words, start_multipart
from .planning import _entry_version
from .retry import AttemptTally, call_with_retry, describe_error
from .run import _now, _say
from .tasks import _complete_record, _record


class DriverLog:
    """The driver's own records: kept for the summary and appended to its task log as they come."""

    def __init__(self, run, log):
        self.run = run
        self.log = log

    def add(self, entry, outcome, **kwargs):
        record = _complete_record(_record(self.run.ctx, entry, outcome, **kwargs), entry)
        self.add_record(record)

    def add_record(self, record):
        self.run.records.append(record)
        self.log.append(record)


def _abort_stale_uploads(ctx, names):
    """Aborts multipart uploads left open on objects this plan writes. Called only while this run holds the lease, so
    no live run owns them: they were left by a run that crashed (nothing half-written stays behind, and a stale
    upload cannot be committed over a newer copy later)."""
    aborted = 0
    page = None
    while True:
        kwargs = {"limit": 1000}
        if page:
            kwargs["page"] = page
        result, _ = call_with_retry(
            lambda: ctx.target.list_multipart_uploads(ctx.namespace, ctx.bucket, **kwargs),
            what="list multipart uploads", **ctx.retry_options)
        for u in result.data:
            if u.object in names:
                abort_multipart(ctx, {"target_name": u.object}, u.upload_id)
                aborted += 1
        page = result.headers.get("opc-next-page")
        if not page:
            return aborted


def _start_uploads(run, parts, by_target, driver):
    """Creates the multipart uploads the partitioning asks for; a file whose upload cannot start fails alone. Past the
    run's deadline none is created: the file is logged `stopped` (its ranges are then left out of the tasks)."""
    uploads = {}
    for u in parts["uploads"]:
        entry = by_target[u["targetName"]]
        if run.ctx.dry_run:
            driver.add(entry, "planned", start=_now())
            continue
        if run.ctx.past_deadline():
            driver.add(entry, "stopped", error=f"not started: {deadline_words(run.ctx)}", start=_now())
            continue
        try:
            upload_id = start_multipart(run.ctx, entry, u["partSize"])
            uploads[u["targetName"]] = {"upload_id": upload_id, "started": _now(), "clock": time.monotonic()}
        except Exception as error:  # noqa: BLE001 - the file fails, the others go on
            message = str(source_changed_error(entry["sourceName"], _entry_version(entry), error) or "") \
                or describe_error(error)
            driver.add(entry, "failed", error=message, start=_now())
    return uploads


def _commit_uploads(run, uploads, results, by_target, driver):
    """Commits each multipart upload whose ranges all arrived; aborts the others: the file fails, or is logged
    `stopped` when the run's deadline cut a range short and none failed."""
    ctx = run.ctx
    got = {}
    for res in results:
        for r in res["ranges"]:
            got.setdefault(r["target_name"], []).append(r)
    for name, up in uploads.items():
        entry = by_target[name]
        pieces = got.get(name, [])
        failed = [r["error"] for r in pieces if r["error"] and not r.get("stopped")]
        stopped = [r["error"] for r in pieces if r.get("stopped")]
        # 1 + every retry made for the file, in any task (each range's tally counts 1 + its retries).
        attempts = 1 + sum(r["attempts"] - 1 for r in pieces)
        try:
            if failed:
                raise RuntimeError(failed[0])
            if stopped:
                uploaded = sum(len(r["parts"]) for r in pieces)
                raise DeadlineReached(f"stopped with {uploaded} parts uploaded by {len(pieces)} Spark task(s), the "
                                      f"upload aborted: {deadline_words(ctx)}")
            all_parts = [part for r in pieces for part in r["parts"]]
            tally = AttemptTally()
            result = commit_or_copy_again(ctx, entry, up["upload_id"], all_parts, tally=tally)
            _say(f"committed {name}: {len(all_parts)} parts uploaded by "
                 f"{len({r['task'] for r in pieces})} Spark task(s)")
            driver.add(entry, "copied", result=result, start=up["started"], attempts=attempts + tally.retries,
                       elapsed=time.monotonic() - up["clock"])
        except DeadlineReached as error:
            abort_multipart(ctx, entry, up["upload_id"])
            driver.add(entry, "stopped", error=str(error), start=up["started"], attempts=attempts,
                       elapsed=time.monotonic() - up["clock"])
        except Exception as error:  # noqa: BLE001 - the file fails, the others go on
            abort_multipart(ctx, entry, up["upload_id"])
            driver.add(entry, "failed", error=failed[0] if failed else describe_error(error), start=up["started"],
                       attempts=attempts, elapsed=time.monotonic() - up["clock"])
