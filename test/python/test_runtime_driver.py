"""The driver's modules on their own, without Spark or a network (src/job/run.py, planning.py, driver.py, spark_copy.py):
the parameters checked all at once, the job file, the picklable copy parameters, plan entries given their source
version, plan headers compared as this run writes them, the sizes in the progress lines, the summary. The steps that list, copy and commit
run end to end in test/e2e (spark-submit dist/app.py against the local cloud)."""
import json

import pytest

from runtime_loader import load_runtime

run = load_runtime("run")
planning = load_runtime("planning")
driver = load_runtime("driver")
spark_copy = load_runtime("spark_copy")

GOOD = ["--source-account", "acct", "--source-file-system", "fs", "--source-auth", "key", "--source-account-key",
        "env:KEY", "--target-bucket", "b", "--target-profile", "LOCAL", "--log-path", "/tmp/log.json"]


def params(argv, job_file=None):
    defaults, used, rest = run.job_defaults(argv + ([] if job_file is None else ["--job-file", job_file]))
    return run.parse_params(rest, defaults), used


def test_good_parameters_have_no_problem():
    p, used = params(GOOD)
    assert used is None or used.endswith("lake2oci-job.json")
    assert run.check_params(p) == []


@pytest.mark.parametrize("given, want", [
    (["--source-auth", "sas"], "--source-sas-token is required with --source-auth sas"),
    (["--target-profile", "CLOUD"], "--target-profile must be LOCAL or DATAFLOW, got 'CLOUD'"),
    (["--log-bucket", "l", "--log-object", "o"],
     "--log-path and --log-bucket/--log-object are exclusive: the log is a local file or an object"),
    (["--threads", "0"], "--threads must be at least 1"),
    (["--tasks", "-1"], "--tasks must be 0 (automatic) or more"),
    (["--lease-seconds", "4"], "--lease-seconds must be at least 8 (the lease is renewed every quarter of it)"),
])
def test_each_problem_names_its_argument(given, want):
    p, _ = params(GOOD + given)
    assert want in run.check_params(p)


def test_a_job_file_sets_defaults_and_refuses_unknown_names(tmp_path):
    good = tmp_path / "job.json"
    good.write_text(json.dumps({"threads": 3}))
    p, used = params(GOOD, str(good))
    assert (used, p["threads"]) == (str(good), 3)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"no-such": 1}))
    with pytest.raises(run.JobError, match=r"unknown parameter 'no-such'; rebuild it with lake2oci build"):
        params(GOOD, str(bad))


def test_copy_params_are_plain_and_keep_secrets_as_references():
    p, _ = params(GOOD + ["--part-size-mib", "16"])
    got = run.copy_params(p, "20240101000000000000", None)
    assert got["source"]["auth"] == {"kind": "key", "account_key": "env:KEY"}
    assert got["target"] == {"profile": "LOCAL", "bucket": "b"}
    assert got["copy"]["part_size"] == 16 * 1024 * 1024
    assert got["run"]["run_id"] == "20240101000000000000"
    assert json.loads(json.dumps(got)) == got


def test_plan_headers_compare_as_this_run_writes_them():
    header = {"meta": {"source": {"path": "/data/"}, "target": {"prefix": "backup"}},
              "options": {"include": ["**"], "targetPrefix": "backup"}}
    got = planning._normalised_header(header)
    assert got["meta"]["source"]["path"] == "data"
    assert got["meta"]["target"]["prefix"] == "backup/"
    assert got["options"] == {"include": [], "targetPrefix": "backup/"}


def test_the_runtime_entry_reads_on_the_planned_version():
    assert planning._entry_for_runtime({"sourceVersion": "0x9"})["sourceEtag"] == "0x9"
    assert planning._entry_version({"sourceEtag": "0x8"}) == "0x8"


@pytest.mark.parametrize("given, want", [(0, "0 B"), (1536, "1.5 KiB"), (5 * 1024 ** 4, "5.0 TiB")])
def test_sizes_in_the_progress_lines(given, want):
    assert spark_copy._human_bytes(given) == want


@pytest.mark.parametrize("given, want", [(["--debug"], True), (["--debug=true"], True), (["--debug=no"], False),
                                         (["--dry-run"], False)])
def test_debug_flag(given, want):
    assert driver._wants_debug(given) is want


@pytest.mark.parametrize("given, environ, want", [
    ([], {}, 0),  # LOCAL: no limit
    (["--max-minutes", "90"], {}, 90),
    (["--target-profile", "DATAFLOW", "--log-path", "", "--log-object", "o"], {}, 1410),
    (["--target-profile", "DATAFLOW", "--log-path", "", "--log-object", "o"],
     {"OCI_RESOURCE_PRINCIPAL_VERSION": "2.2"}, 30 * 24 * 60 - 30),
    (["--target-profile", "DATAFLOW", "--log-path", "", "--log-object", "o", "--max-minutes", "5"],
     {"OCI_RESOURCE_PRINCIPAL_VERSION": "2.2"}, 5),
])
def test_max_minutes_automatic_and_given(given, environ, want):
    p, _ = params(GOOD + given)
    assert run.check_params(p) == []
    assert run.max_minutes(p, environ) == want


def test_the_deadline_goes_to_the_tasks_as_epoch_seconds_from_the_run_start():
    p, _ = params(GOOD + ["--max-minutes", "2"])
    got = run.copy_params(p, "r", None, started=1000.0, environ={})
    assert (got["copy"]["deadline"], got["copy"]["max_minutes"]) == (1120.0, 2)
    unlimited = run.copy_params(p | {"max-minutes": 0}, "r", None, started=1000.0, environ={})
    assert "deadline" not in unlimited["copy"]
    p, _ = params(GOOD + ["--max-minutes", "-1"])
    assert "--max-minutes must be 0 (automatic) or more" in run.check_params(p)


def test_the_summary_counts_what_is_left_and_exits_3():
    import datetime
    import types

    logs = load_runtime("logs")

    def rec(name, outcome, size):
        return {"source_name": name, "targe_name": name, "outcome": outcome, "status": "new", "source_size": size,
                "targe_size": None, "error": None, "attempts": 0}

    def summary(records):
        r = types.SimpleNamespace(records=records, where="log.json", started=datetime.datetime.now())
        return logs.print_summary(r, {"run_log": "log.R.json", "records": len(records)})

    assert summary([rec("a", "copied", 1)]) == 0
    assert summary([rec("a", "copied", 1), rec("b", "failed", 2)]) == 1
    assert summary([rec("a", "stopped", 1000), rec("b", "stopped", 234), rec("c", "failed", 2)]) == 3


def test_the_summary_line_of_what_is_left(capsys):
    import datetime
    import types

    logs = load_runtime("logs")
    records = [{"source_name": n, "targe_name": n, "outcome": "stopped", "status": "new", "source_size": 1_500_000,
                "targe_size": None, "error": None, "attempts": 0} for n in ("a", "b")]
    r = types.SimpleNamespace(records=records, where="log.json", started=datetime.datetime.now())
    assert logs.print_summary(r, {"run_log": "log.R.json", "records": 2}) == 3
    out = capsys.readouterr().out
    assert "lake2oci: 2 file(s) (3,000,000 bytes) left for the next run: run again to continue" in out


def test_the_summary_from_the_runs_tally_prints_what_the_records_print(capsys):
    import datetime
    import re
    import types

    logs = load_runtime("logs")
    log = load_runtime("log")
    tally_module = load_runtime("tally")

    def rec(name, outcome, size, status="new"):
        return {"source_name": name, "targe_name": name, "outcome": outcome, "status": status, "source_size": size,
                "targe_size": None, "error": "boom" if outcome == "failed" else None, "attempts": 2,
                "start_date": "2026-03-01 10:00:00", "end_date": "2026-03-01 10:00:04"}

    def printed(run):
        code = logs.print_summary(run, {"run_log": "log.R.json", "records": 7})
        out = re.sub(r" in \d+\.\d s$", " in T s", capsys.readouterr().out, flags=re.M)
        return code, out.splitlines()

    started = datetime.datetime.now()
    for records, want_code in (
        ([rec("a", "copied", 1), rec("b", "skipped", 5, "equal")], 0),
        ([rec("a", "copied", 1), rec("b", "failed", 2)], 1),
        ([rec("a", "stopped", 1000), rec("b", "stopped", 234), rec("c", "failed", 2), rec("d", "copied", 9)], 3),
    ):
        from_records = printed(types.SimpleNamespace(records=records, where="log.json", started=started))
        # What the run printed before the tally: summary_table of the records, then the same lines.
        assert from_records[0] == want_code
        assert from_records[1][:len(log.summary_table(records).splitlines())] == log.summary_table(records).splitlines()
        # A run holding a tally (merged from per-partition pieces) and no records prints the same.
        tally = tally_module.tally_records(records[:1]).merge(tally_module.tally_records(records[1:]))
        from_tally = printed(types.SimpleNamespace(records=[], tally=tally, where="log.json", started=started))
        assert from_tally == from_records
    assert from_records[1][-3:] == [
        "lake2oci: log: log.R.json (7 records), also at log.json in T s",
        "lake2oci: 1 file(s) failed; the others were done or left for the next run. Run again to retry them.",
        "lake2oci: 2 file(s) (1,234 bytes) left for the next run: run again to continue"]
