# The Spark job's driver and entry point, in named steps (run_job): read the parameters; take the lease beside the
# log; list both stores and diff them with the translated core (or read a plan given with --plan); write the plan
# beside the run log; partition the copy into Spark tasks with the translated core and run them (one Spark partition
# each); commit the multipart uploads spread over tasks; write this run's log from its task logs; print the summary.
# Exit status: 0 all done, 1 some file failed or the plan is invalid (nothing written then), 2 bad parameters, a store
# problem, the lease held by another run, or a plan that does not fit this run, 3 the run reached --max-minutes: no new
# file or part started after it, complete uploads were committed, the rest is logged `stopped` and the next run
# continues (run again).
import sys

from lake2oci_core import (
    DEFAULT_FILE_COST, DEFAULT_TASKS_PER_CORE, collect_failed_names, format_summary_table, partition_plan,
    target_task_count,
)

from .adls import AdlsAuthError
from .commit import DriverLog, _abort_stale_uploads, _commit_uploads, _start_uploads
from .copy import copy_files
from .lease import LeaseHeld, LeaseLost
from .log import LogError, TaskLog, _human_bytes
from .logs import fold_earlier_runs, print_summary, write_logs, write_state
from .oci_store import OciAuthError
from .params import ParamsError, ParamsHelp
from .plan_file import PlanFileError, PlanMismatch
from .planning import _entry_for_runtime, load_plan, make_plan, report_invalid_plan, write_plan_file
from .preflight import StoreProblem, preflight_stores
from .redact import redact_secrets
from .retry import describe_error
from .run import JobError, _now, _say, open_context, read_parameters, spark_session, take_lease
from .secrets import SecretError
from .tasks import _complete_record, _run_task, _task_payloads


def copy_and_commit(run, entries):
    """Carries out the plan: equal and deleted files on the driver, copies in Spark tasks (whole files, and part
    ranges of multipart uploads that the driver starts and commits). Every record goes to this run's task logs."""
    ctx = run.ctx
    p = run.p
    spark = spark_session()
    sc = spark.sparkContext
    tasks = int(p["tasks"]) or target_task_count(1, sc.defaultParallelism, DEFAULT_TASKS_PER_CORE)
    mib = 1024 * 1024
    popts = {"targetTasks": tasks, "multipartThreshold": int(p["multipart-threshold-mib"]) * mib,
             "minPartSize": int(p["part-size-mib"]) * mib, "fileCost": DEFAULT_FILE_COST}
    parts = partition_plan(entries, popts)
    if parts["errors"]:
        raise JobError("cannot partition the plan: " + "; ".join(parts["errors"]))
    by_target = {e["targetName"]: e for e in entries}
    with TaskLog(run.location, run.run_id, "driver", client=ctx.target) as log:
        driver = DriverLog(run, log)
        # Done on the driver: equal files (skipped) and, with mirror, the target-only objects deleted. Files to hash
        # (compare md5) and names that cannot become objects (logged failed with the reason) go to the tasks with the
        # copies. Kept target-only objects have no source file, so no record (the log has one record per source
        # file, as the original).
        rest = [e for e in entries if e["action"] in ("skip", "delete")]
        copy_files(ctx, rest, on_record=lambda record: driver.add_record(
            _complete_record(record, by_target.get(record.get("targe_name")) or {})))
        copying = {e["targetName"] for e in entries if e["action"] == "copy"}
        if copying and not ctx.dry_run:
            aborted = _abort_stale_uploads(ctx, copying)
            if aborted:
                _say(f"aborted {aborted} multipart upload(s) left open by an earlier run")
        uploads = _start_uploads(run, parts, by_target, driver)
        payloads = _task_payloads(run, parts, by_target, uploads)
        _say(f"copying {parts['files']:,} files ({_human_bytes(parts['bytes'])}) in {len(payloads)} Spark tasks")
        results = []
        if payloads:
            location = run.location
            rdd = sc.parallelize(payloads, len(payloads))
            results = rdd.map(lambda payload: _run_task(payload, location)).collect()
        run.records.extend(r for res in results for r in res["records"])
        run.lease.check()
        _commit_uploads(run, uploads, results, by_target, driver)


def run_job(argv):
    """The run, step by step. Exit status: 0 all done; 1 some file failed, or the plan made here is invalid (nothing
    written then); 2 bad parameters, a store problem, the lease held by another run, a plan that does not fit; 3 the
    run reached --max-minutes and left files for the next run (logged `stopped`; run again to continue)."""
    run = read_parameters(argv)
    open_context(run)
    preflight_stores(run.ctx, run.p, run.location)
    take_lease(run)
    try:
        fold_earlier_runs(run)
        if run.p.get("plan"):
            entries, errors, summary = load_plan(run)
        else:
            entries, errors, summary = make_plan(run)
            write_plan_file(run, entries, errors, summary)
        failed_names = []
        collect_failed_names(failed_names, entries)
        print(format_summary_table(summary, failed_names), flush=True)
        if errors:
            report_invalid_plan(errors)
            return 1
        run.started = _now()
        copy_and_commit(run, [_entry_for_runtime(e) for e in entries])
        merged = write_logs(run)
        write_state(run, entries)
        return print_summary(run, merged)
    finally:
        run.lease.release()


def _wants_debug(argv):
    return any(a == "--debug" or a.startswith("--debug=") and a.split("=", 1)[1].lower() in ("true", "1", "yes")
               for a in argv)


def main(argv=None):
    """Runs the job; a problem the person must fix is one `lake2oci:` line on stderr (the stack trace only with
    --debug), secrets redacted. Exit status as run_job's (0 done, 1 failed files, 2 a problem to fix first, 3 stopped
    at --max-minutes: run again to continue); an unexpected error is one line too, exit 1."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        return run_job(argv)
    except ParamsHelp as h:
        print(h.text)
        return 0
    except StoreProblem as problem:
        failure, line, code = problem, str(problem), 2  # the whole line, "lake2oci: " included
    except (JobError, ParamsError, SecretError, OciAuthError, AdlsAuthError, LogError, LeaseHeld, LeaseLost,
            PlanFileError, PlanMismatch) as error:
        failure, line, code = error, f"lake2oci: {error}", 2
    except Exception as error:  # noqa: BLE001 - one line instead of a traceback; --debug shows it
        failure, line, code = error, f"lake2oci: the job stopped on an unexpected error: {describe_error(error)}", 1
    print(redact_secrets(line), file=sys.stderr)
    if _wants_debug(argv):
        import traceback

        print(redact_secrets("".join(traceback.format_exception(type(failure), failure, failure.__traceback__))),
              file=sys.stderr)
    elif code == 1:
        print("lake2oci: (run again with --debug for the stack trace)", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
