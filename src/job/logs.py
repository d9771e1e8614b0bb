# The run's logs and what follows them, on the driver: earlier crashed runs' task logs folded into their own logs,
# this run's task logs merged into its log, and the summary with the exit
# status (0 all done, 1 some file failed, 3 the run reached --max-minutes and left files for the next run).
from .log import fold_crashed_runs, merge_run_logs
from .run import _now, _say
from .tally import tally_records


def fold_earlier_runs(run):
    """Holding the lease, folds the task logs a crashed earlier run left into that run's own log (no other run is
    writing any now)."""
    ctx = run.ctx
    client = ctx.target if "object" in run.location else None
    for folded in fold_crashed_runs(run.location, run.run_id, client=client, retry_options=ctx.retry_options):
        _say(f"run {folded['runs'][0]} ended before writing its log: its {folded['records']} records are now in "
             f"{folded['run_log']}")


def write_logs(run):
    """This run's own log and the configured name (the latest run's log), from this run's task logs only."""
    run.lease.check()
    ctx = run.ctx
    merged = merge_run_logs(run.location, run.run_id, client=ctx.target, retry_options=ctx.retry_options)
    if merged.get("kept"):
        _say(f"the log {run.where} held more than one run's log: kept as {merged['kept']}")
    return merged


def print_summary(run, merged):
    """The summary table and the exit status: 0 all done; 1 some file failed; 3 the run reached its deadline
    (--max-minutes) and left files for the next run (logged `stopped`), whether or not some file also failed: run
    again to continue (the files copied are then equal, so only the rest is copied, and failed ones are retried).
    From `run.tally` (a RecordTally merged from the tasks' pieces) when the run has one, else from `run.records`."""
    tally = getattr(run, "tally", None)
    if tally is None:
        tally = tally_records(run.records)
    print(tally.table(), flush=True)
    _say(f"log: {merged['run_log']} ({merged['records']} records), also at {run.where}"
         f" in {(_now() - run.started).total_seconds():.1f} s")
    if tally.failed:
        others = "the others were done" if not tally.stopped else "the others were done or left for the next run"
        _say(f"{tally.failed} file(s) failed; {others}. Run again to retry them.")
    if tally.stopped:
        _say(f"{tally.stopped:,} file(s) ({tally.stopped_bytes:,} bytes) left for the next run: run again to continue")
        return 3
    return 1 if tally.failed else 0
