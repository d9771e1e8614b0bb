# The Spark job's driver and entry point, in named steps (run_job): read the parameters; take the lease beside the
# log; list both stores and diff them on Spark (or read a plan given with --plan); write the plan beside the run log;
# carry it out on Spark (spark_copy.py: skips and deletes, the partitioning into tasks, the uploads spread over tasks
# started and committed, the copy tasks; the driver gets counts and tallies, never one record per file); write this
# run's log from its task logs and the equality state; print the summary.
# Exit status: 0 all done, 1 some file failed or the plan is invalid (nothing written then), 2 bad parameters, a store
# problem, the lease held by another run, or a plan that does not fit this run, 3 the run reached --max-minutes: no new
# file or part started after it, complete uploads were committed, the rest is logged `stopped` and the next run
# continues (run again).
import sys

from lake2oci_core import FAILED_NAMES_LISTED, format_summary_table

from .adls import AdlsAuthError
from .sources import SourceStoreProblem
from .lease import LeaseHeld, LeaseLost
from .log import LogError
from .logs import fold_earlier_runs, print_summary, write_logs
from .oci_store import OciAuthError
from .params import ParamsError, ParamsHelp
from .plan_file import PlanFileError, PlanMismatch
from .planning import (
    _entry_for_runtime, load_plan, make_plan, report_invalid_plan, write_plan_file,
)
from .preflight import StoreProblem, preflight_stores
from .redact import redact_secrets
from .retry import describe_error
from .run import JobError, _now, open_context, read_parameters, take_lease
from .secrets import SecretError
from .spark_copy import copy_on_spark, write_state_on_spark


def _is_failed_file(entry):
    return entry["action"] == "fail" and entry.get("sourceName") is not None


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
        failed_names = entries.filter(_is_failed_file).map(lambda e: e["sourceName"]).take(FAILED_NAMES_LISTED)
        print(format_summary_table(summary, failed_names), flush=True)
        if errors:
            report_invalid_plan(errors)
            return 1
        run.started = _now()
        from pyspark import StorageLevel

        runtime = entries.map(_entry_for_runtime).persist(StorageLevel.MEMORY_AND_DISK)
        records, run.tally, cached = copy_on_spark(run, runtime)
        merged = write_logs(run)
        write_state_on_spark(run, runtime, records)
        for rdd in cached + [runtime, entries] + ([run.state] if run.state is not None else []):
            rdd.unpersist()
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
            PlanFileError, PlanMismatch, SourceStoreProblem) as error:
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
