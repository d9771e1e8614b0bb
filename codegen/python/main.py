# The Spark job's driver and entry point: read the parameters, list both stores, diff them with the translated core,
# partition the copy into Spark tasks with the translated core, run the tasks (one Spark partition each), commit the
# multipart uploads spread over tasks, merge the task logs into the migration log, print the summary. Exit status:
# 0 all done, 1 some file failed or the plan is invalid (nothing written then), 2 bad parameters.
import datetime
import json
import os
import sys
import time


class JobError(Exception):
    """A problem the person running the job must fix; printed as one line, exit status 2."""


def _job_file_candidates():
    here = os.path.dirname(os.path.abspath(sys.argv[0] if sys.argv and sys.argv[0] else __file__))
    yield os.path.join(here, JOB_FILE_NAME)
    for entry in sys.path:
        if entry and os.path.isdir(entry):
            yield os.path.join(entry, JOB_FILE_NAME)


def _read_job_file(path):
    try:
        with open(path, encoding="utf-8") as f:
            values = json.load(f)
    except OSError as error:
        raise JobError(f"job file {path} cannot be read: {error.strerror}") from None
    except ValueError as error:
        raise JobError(f"job file {path} is not JSON ({error}); rebuild it with lake2oci build") from None
    if not isinstance(values, dict):
        raise JobError(f"job file {path} must hold a JSON object of parameter values")
    return values


def job_defaults(argv):
    """The parameter defaults: the table's, then a job file's (--job-file PATH, or lake2oci-job.json beside app.py
    or in the archive's site-packages), as (defaults, job file used or None, argv without --job-file)."""
    defaults = {}
    for p in JOB_PARAMETERS:
        value = p["defaultValue"]
        defaults[p["name"]] = list(value) if isinstance(value, list) else value
    rest = []
    job_file = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--job-file" and i + 1 < len(argv):
            job_file = argv[i + 1]
            i += 2
            continue
        if a.startswith("--job-file="):
            job_file = a.split("=", 1)[1]
            i += 1
            continue
        rest.append(a)
        i += 1
    if job_file is None:
        for candidate in _job_file_candidates():
            if os.path.isfile(candidate):
                job_file = candidate
                break
    if job_file is not None:
        for name, value in _read_job_file(job_file).items():
            if name not in defaults:
                raise JobError(f"job file {job_file}: unknown parameter {name!r}; rebuild it with lake2oci build")
            defaults[name] = value
    return defaults, job_file, rest


def check_params(p):
    """Every problem with the parameters at once, each naming the argument."""
    problems = []
    for spec in JOB_PARAMETERS:
        if spec["required"] and p.get(spec["name"]) in ("", None):
            problems.append(f"--{spec['name']} is required ({spec['description']})")
    auth = p.get("source-auth")
    needs = {"key": ["source-account-key"], "sas": ["source-sas-token"],
             "oauth": ["source-tenant-id", "source-client-id", "source-client-secret"]}
    if auth not in needs:
        problems.append(f"--source-auth must be key, oauth or sas, got {auth!r}")
    else:
        for name in needs[auth]:
            if not p.get(name):
                problems.append(f"--{name} is required with --source-auth {auth}")
    if p.get("target-profile") not in ("LOCAL", "DATAFLOW"):
        problems.append(f"--target-profile must be LOCAL or DATAFLOW, got {p.get('target-profile')!r}")
    if p.get("log-path") and (p.get("log-bucket") or p.get("log-object")):
        problems.append("--log-path and --log-bucket/--log-object are exclusive: the log is a local file or an object")
    if not p.get("log-path") and not p.get("log-object"):
        problems.append("no log destination: give --log-path (LOCAL) or --log-object (and --log-bucket)")
    if p.get("target-profile") == "DATAFLOW" and p.get("log-path"):
        problems.append("--log-path is a local file, lost when a Data Flow run ends: use --log-bucket and --log-object")
    for name in ("threads", "part-threads", "multipart-threshold-mib", "part-size-mib", "max-attempts"):
        if int(p.get(name) or 0) < 1:
            problems.append(f"--{name} must be at least 1")
    if int(p.get("tasks") or 0) < 0:
        problems.append("--tasks must be 0 (automatic) or more")
    return problems


def copy_params(p, run_id, run_date):
    """The plain, picklable parameters each task rebuilds its CopyContext from (secrets stay references)."""
    auth = {"kind": p["source-auth"]}
    if p["source-auth"] == "key":
        auth["account_key"] = p["source-account-key"]
    elif p["source-auth"] == "sas":
        auth["sas_token"] = p["source-sas-token"]
    else:
        auth.update(tenant_id=p["source-tenant-id"], client_id=p["source-client-id"],
                    client_secret=p["source-client-secret"])
        if p.get("source-authority-host"):
            auth["authority"] = p["source-authority-host"]
    target = {"profile": p["target-profile"], "bucket": p["target-bucket"]}
    for key, name in (("config_file", "target-config-file"), ("config_profile", "target-config-profile"),
                      ("endpoint", "target-endpoint"), ("region", "target-region"),
                      ("namespace", "target-namespace")):
        if p.get(name):
            target[key] = p[name]
    mib = 1024 * 1024
    return {
        "source": {"account_name": p["source-account"], "file_system": p["source-file-system"],
                   "endpoint": p.get("source-endpoint") or None, "auth": auth},
        "target": target,
        "copy": {"threads": int(p["threads"]), "part_threads": int(p["part-threads"]),
                 "part_size": int(p["part-size-mib"]) * mib,
                 "multipart_threshold": int(p["multipart-threshold-mib"]) * mib, "dry_run": bool(p["dry-run"])},
        "retry": {"max_attempts": int(p["max-attempts"])},
        "run": {"run_id": run_id, "run_date": run_date},
    }


def log_location(p, namespace):
    if p.get("log-path"):
        return {"path": os.path.abspath(os.path.expanduser(p["log-path"]))}
    return {"namespace": namespace, "bucket": p.get("log-bucket") or p["target-bucket"], "object": p["log-object"]}


def _now():
    return datetime.datetime.now()


def _say(message):
    print(f"lake2oci: {message}", flush=True)


def _list_sides(ctx, p):
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
    for e in list_source(ctx.source, p.get("source-path") or None, retry_options=ctx.retry_options):
        sources.append({"name": e["name"], "size": int(e["size"] or 0), "md5": e.get("md5"),
                        "isDirectory": bool(e["is_directory"]), "etag": e.get("etag")})
        if len(sources) % 5000 == 0:
            progress("source", len(sources))
    progress("source", len(sources), True)
    prefix = normalize_target_prefix(p.get("target-prefix") or "")
    targets = []
    for o in list_target(ctx.target, ctx.namespace, ctx.bucket, prefix or None, retry_options=ctx.retry_options):
        targets.append({"name": o["name"], "size": int(o["size"] or 0), "md5": o.get("md5")})
        if len(targets) % 1000 == 0:
            progress("target", len(targets))
    progress("target", len(targets), True)
    return sources, targets, prefix


def _entry_for_runtime(entry, etags):
    """A plan entry as the copy runtime takes it (the core's camelCase dict plus the source etag listed)."""
    e = dict(entry)
    etag = etags.get(entry.get("sourceName"))
    if etag:
        e["sourceEtag"] = etag
    return e


def _abort_stale_uploads(ctx, names):
    """Aborts multipart uploads left open (e.g. by a killed run) on objects this plan writes: nothing half-written
    stays behind, and a stale upload cannot be committed over a newer copy later."""
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


def _run_task(payload, location):
    """One Spark task: copy its whole files (thread pool) and upload its part ranges, logging each file as it
    finishes. Returns the task's records and, per part range, the parts uploaded or the error."""
    ctx = make_copy_context(payload["copy_params"])
    task_id = f"{payload['index']:05d}"
    try:
        from pyspark import TaskContext

        tc = TaskContext.get()
        if tc is not None and tc.attemptNumber() > 0:
            task_id += f"-attempt{tc.attemptNumber()}"
    except ImportError:
        pass
    ranges = []
    with TaskLog(location, ctx.run_id, task_id, client=ctx.target) as log:
        records = copy_files(ctx, payload["whole"], on_record=log.append)
        for r in payload["ranges"]:
            tally = AttemptTally()
            try:
                parts = upload_parts(ctx, r["entry"], r["upload_id"], r["part_size"], r["first_part"],
                                     r["last_part"], tally=tally)
                ranges.append({"target_name": r["entry"]["targetName"], "parts": parts, "error": None,
                               "attempts": tally.attempts, "bytes": r["length"], "task": payload["index"]})
            except Exception as error:  # noqa: BLE001 - reported to the driver, which aborts the upload
                ranges.append({"target_name": r["entry"]["targetName"], "parts": [], "error": describe_error(error),
                               "attempts": tally.attempts, "bytes": 0, "task": payload["index"]})
    return {"records": records, "ranges": ranges}


def _spark():
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("lake2oci").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def run_job(argv):
    defaults, job_file, argv = job_defaults(argv)
    descriptions = {p["name"]: p["description"] for p in JOB_PARAMETERS}
    p = parse_params(argv, defaults, descriptions=descriptions, prog="app.py")
    problems = check_params(p)
    if problems:
        raise JobError("bad parameters:\n  " + "\n  ".join(problems))
    run_date = _now()
    run_id = make_run_id(run_date)
    params = copy_params(p, run_id, run_date)
    _say(f"run {run_id}{' (dry run: nothing is written to the target)' if p['dry-run'] else ''}"
         f"{f', job file {job_file}' if job_file else ''}")
    ctx = make_copy_context(params)
    location = log_location(p, ctx.namespace)
    where = location.get("path") or f"oci://{location['bucket']}@{location['namespace']}/{location['object']}"

    sources, targets, prefix = _list_sides(ctx, p)
    options = {"targetPrefix": prefix, "include": list(p["include"]), "exclude": list(p["exclude"]),
               "compare": p["compare"], "mirror": bool(p["mirror"]), "maxDeletions": int(p["max-deletions"])}
    plan = diff_listings(sources, targets, options)
    print(format_summary_table(plan["summary"]), flush=True)
    if plan["errors"]:
        for error in plan["errors"][:50]:
            print(f"plan error ({error['kind']}): {error['message']}", file=sys.stderr)
        if len(plan["errors"]) > 50:
            print(f"... and {len(plan['errors']) - 50} more plan errors", file=sys.stderr)
        _say("the plan is invalid: nothing was written")
        return 1

    etags = {s["name"]: s["etag"] for s in sources if s.get("etag")}
    entries = [_entry_for_runtime(e, etags) for e in plan["entries"]]
    spark = _spark()
    sc = spark.sparkContext
    tasks = int(p["tasks"]) or target_task_count(1, sc.defaultParallelism, DEFAULT_TASKS_PER_CORE)
    mib = 1024 * 1024
    popts = {"targetTasks": tasks, "multipartThreshold": int(p["multipart-threshold-mib"]) * mib,
             "minPartSize": int(p["part-size-mib"]) * mib, "fileCost": DEFAULT_FILE_COST}
    parts = partition_plan(entries, popts)
    if parts["errors"]:
        raise JobError("cannot partition the plan: " + "; ".join(parts["errors"]))
    by_target = {e["targetName"]: e for e in entries}
    driver_records = []
    done_at_start = _now()

    with TaskLog(location, run_id, "driver", client=ctx.target) as driver_log:
        # Files not copied: equal (skipped) and, with mirror, target-only objects deleted. Kept target-only objects
        # have no source file, so no record (the log has one record per source file, as the original).
        rest = [e for e in entries if e["action"] in ("skip", "delete")]
        for record in copy_files(ctx, rest, on_record=driver_log.append):
            driver_records.append(record)
        copying = {e["targetName"] for e in entries if e["action"] == "copy"}
        if copying and not ctx.dry_run:
            aborted = _abort_stale_uploads(ctx, copying)
            if aborted:
                _say(f"aborted {aborted} multipart upload(s) left open by an earlier run")
        uploads = {}
        for u in parts["uploads"]:
            entry = by_target[u["targetName"]]
            if ctx.dry_run:
                continue
            try:
                upload_id = start_multipart(ctx, entry, u["partSize"])
                uploads[u["targetName"]] = {"upload_id": upload_id, "started": _now(), "clock": time.monotonic()}
            except Exception as error:  # noqa: BLE001 - the file fails, the others go on
                rec = _record(ctx, entry, "failed", error=describe_error(error), start=_now())
                driver_records.append(rec)
                driver_log.append(rec)
        payloads = []
        for t in parts["tasks"]:
            whole = []
            ranges = []
            for unit in t["units"]:
                entry = by_target[unit["targetName"]]
                if unit["kind"] == "whole":
                    whole.append(entry)
                elif unit["targetName"] in uploads:
                    ranges.append({"entry": entry, "upload_id": uploads[unit["targetName"]]["upload_id"],
                                   "part_size": unit["partSize"], "first_part": unit["firstPart"],
                                   "last_part": unit["lastPart"], "length": unit["length"]})
            if whole or ranges:
                payloads.append({"index": t["index"], "copy_params": params, "whole": whole, "ranges": ranges})
        if ctx.dry_run:
            for u in parts["uploads"]:
                rec = _record(ctx, by_target[u["targetName"]], "planned", start=_now())
                driver_records.append(rec)
                driver_log.append(rec)
        _say(f"copying {parts['files']:,} files ({_human(parts['bytes'])}) in {len(payloads)} Spark tasks")
        results = []
        if payloads:
            rdd = sc.parallelize(payloads, len(payloads))
            results = rdd.map(lambda payload: _run_task(payload, location)).collect()
        task_records = [r for res in results for r in res["records"]]
        # Commit each multipart upload whose ranges all arrived; abort the others.
        got = {}
        for res in results:
            for r in res["ranges"]:
                got.setdefault(r["target_name"], []).append(r)
        for name, up in uploads.items():
            entry = by_target[name]
            pieces = got.get(name, [])
            failed = [r["error"] for r in pieces if r["error"]]
            # 1 + every retry made for the file, in any task (each range's tally counts 1 + its retries).
            attempts = 1 + sum(r["attempts"] - 1 for r in pieces)
            try:
                if failed:
                    raise RuntimeError(failed[0])
                all_parts = [part for r in pieces for part in r["parts"]]
                tally = AttemptTally()
                result = commit_multipart(ctx, entry, up["upload_id"], all_parts, tally=tally)
                _say(f"committed {name}: {len(all_parts)} parts uploaded by "
                     f"{len({r['task'] for r in pieces})} Spark task(s)")
                rec = _record(ctx, entry, "copied", result=result, start=up["started"],
                              attempts=attempts + tally.retries, elapsed=time.monotonic() - up["clock"])
            except Exception as error:  # noqa: BLE001 - the file fails, the others go on
                abort_multipart(ctx, entry, up["upload_id"])
                rec = _record(ctx, entry, "failed", error=failed[0] if failed else describe_error(error),
                              start=up["started"], attempts=attempts, elapsed=time.monotonic() - up["clock"])
            driver_records.append(rec)
            driver_log.append(rec)

    merged = merge_run_logs(location, run_id, client=ctx.target, retry_options=ctx.retry_options)
    records = driver_records + task_records
    print(summary_table(records), flush=True)
    _say(f"log: {where} ({merged['added']} records added, {merged['records']} in all)"
         f" in {(_now() - done_at_start).total_seconds():.1f} s")
    failed = [r for r in records if r["outcome"] == "failed"]
    if failed:
        _say(f"{len(failed)} file(s) failed; the others were done. Run again to retry them.")
        return 1
    return 0


def _human(n):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


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


def main(argv=None):
    try:
        return run_job(sys.argv[1:] if argv is None else argv)
    except ParamsHelp as h:
        print(h.text)
        return 0
    except (JobError, ParamsError, SecretError, OciAuthError, AdlsAuthError, LogError) as error:
        print(f"lake2oci: {redact_secrets(str(error))}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
