# The Spark job's driver and entry point, in named steps (run_job): read the parameters; take the lease beside the
# log; list both stores and diff them with the translated core (or read a plan given with --plan); write the plan
# beside the run log; partition the copy into Spark tasks with the translated core and run them (one Spark partition
# each); commit the multipart uploads spread over tasks; write this run's log from its task logs; print the summary.
# Exit status: 0 all done, 1 some file failed or the plan is invalid (nothing written then), 2 bad parameters, a store
# problem, the lease held by another run, or a plan that does not fit this run.
import contextlib
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
    if int(p.get("lease-seconds") or 0) < 8:
        problems.append("--lease-seconds must be at least 8 (the lease is renewed every quarter of it)")
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


class Run:
    """What the steps of one run share: the parameters, the run id, the copy context, where the log goes, the lease,
    the plan's options and meta, and what the copy gave (records). The driver holds this; tasks get `params`."""

    def __init__(self, p, job_file, run_date, params):
        self.p = p
        self.job_file = job_file
        self.run_date = run_date
        self.run_id = params["run"]["run_id"]
        self.params = params
        self.ctx = None
        self.location = None
        self.lease = None
        self.prefix = normalize_target_prefix(p.get("target-prefix") or "")
        self.options = {"targetPrefix": self.prefix, "include": list(p["include"]), "exclude": list(p["exclude"]),
                        "compare": p["compare"], "mirror": bool(p["mirror"]), "maxDeletions": int(p["max-deletions"]),
                        "strictNames": bool(p.get("strict-names"))}
        self.records = []
        self.state = {}
        self.started = None

    @property
    def where(self):
        return describe_location(self.location)

    def meta(self):
        """The plan header's meta for this run (contract C3), prefixes and paths as the plan check compares them."""
        return {"source": {"type": "adls", "account": self.p["source-account"],
                           "fileSystem": self.p["source-file-system"],
                           "path": _plain_path(self.p.get("source-path"))},
                "target": {"namespace": self.ctx.namespace, "bucket": self.ctx.bucket, "prefix": self.prefix},
                "runId": self.run_id, "createdBy": "app.py"}


def _plain_path(path):
    return str(path or "").strip("/")


# ---- step 1: parameters ----

def read_parameters(argv):
    """The run's parameters (job file, then arguments), checked; a Run without its context yet."""
    defaults, job_file, argv = job_defaults(argv)
    descriptions = {p["name"]: p["description"] for p in JOB_PARAMETERS}
    p = parse_params(argv, defaults, descriptions=descriptions, prog="app.py")
    problems = check_params(p)
    if problems:
        raise JobError("bad parameters:\n  " + "\n  ".join(problems))
    run_date = _now()
    run_id = make_run_id(run_date)
    return Run(p, job_file, run_date, copy_params(p, run_id, run_date))


@contextlib.contextmanager
def _store_problems(side, p):
    """Turns an SDK error that is a store problem (missing bucket, file system or path, refused credentials, an
    unreachable endpoint) into StoreProblem, one line; anything else goes on as it is."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 - re-raised, as a StoreProblem when it is one
        problem = store_problem_from_error(error, side, p)
        if problem is not None:
            raise problem from error
        raise


def open_context(run):
    with _store_problems("target", run.p):  # the namespace is looked up here
        run.ctx = make_copy_context(run.params)
    run.location = log_location(run.p, run.ctx.namespace)
    p = run.p
    _say(f"run {run.run_id}{' (dry run: nothing is written to the target)' if p['dry-run'] else ''}"
         f"{f', job file {run.job_file}' if run.job_file else ''}")


# ---- step 2: the lease ----

def take_lease(run):
    """Takes the lease beside the log (LeaseHeld -> one line, exit 2) and keeps it renewed."""
    ctx = run.ctx
    target = {"namespace": ctx.namespace, "bucket": ctx.bucket, "prefix": run.prefix}
    client = ctx.target if "object" in run.location else None
    run.lease = Lease(run.location, run.run_id, target, seconds=int(run.p["lease-seconds"]), client=client,
                      retry_options=ctx.retry_options)
    run.lease.acquire(break_lease=bool(run.p["break-lease"]))
    run.lease.start_renewing()


def fold_earlier_runs(run):
    """Holding the lease, folds the task logs a crashed earlier run left into that run's own log (no other run is
    writing any now)."""
    ctx = run.ctx
    client = ctx.target if "object" in run.location else None
    for folded in fold_crashed_runs(run.location, run.run_id, client=client, retry_options=ctx.retry_options):
        _say(f"run {folded['runs'][0]} ended before writing its log: its {folded['records']} records are now in "
             f"{folded['run_log']}")


# ---- step 3: the plan (listed here, or read from --plan) ----

def _list_sides(ctx, p, prefix):
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
    with _store_problems("source", p):
        for e in list_source(ctx.source, p.get("source-path") or None, retry_options=ctx.retry_options):
            sources.append({"name": e["name"], "size": int(e["size"] or 0), "md5": e.get("md5"),
                            "isDirectory": bool(e["is_directory"]), "etag": e.get("etag"), "version": e.get("etag")})
            if len(sources) % 5000 == 0:
                progress("source", len(sources))
    progress("source", len(sources), True)
    targets = []
    with _store_problems("target", p):
        for o in list_target(ctx.target, ctx.namespace, ctx.bucket, prefix or None, retry_options=ctx.retry_options):
            targets.append({"name": o["name"], "size": int(o["size"] or 0), "md5": o.get("md5")})
            if len(targets) % 1000 == 0:
                progress("target", len(targets))
    progress("target", len(targets), True)
    return sources, targets


def _with_version(entry, version):
    """The plan entry with `sourceVersion` (in its place after sourceMd5, contract C1) when it has none yet."""
    if not version or entry.get("sourceVersion"):
        return entry
    out = {}
    for key, value in entry.items():
        if key == "targetName" and "sourceVersion" not in out:
            out["sourceVersion"] = version
        out[key] = value
    out.setdefault("sourceVersion", version)
    return out


def make_plan(run):
    """Lists both sides and diffs them with the translated core: (entries, errors, summary)."""
    ctx = run.ctx
    sources, targets = _list_sides(ctx, run.p, run.prefix)
    # The equality state kept beside the log (rebuilt from the objects' metadata when missing) gives each object the
    # source version and MD5 it was copied from: the evidence of `equal` when the listing has no MD5.
    targets, run.state = prepare_equality_state(ctx, run.location, ctx.namespace, ctx.bucket, run.prefix, sources,
                                                targets, warn=lambda line: print(line, flush=True))
    plan = diff_listings(sources, targets, run.options)
    versions = {s["name"]: s["etag"] for s in sources if s.get("etag")}
    entries = [_with_version(e, versions.get(e.get("sourceName"))) for e in plan["entries"]]
    return entries, plan["errors"], plan["summary"]


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
        meta["source"]["path"] = _plain_path(meta["source"].get("path"))
    if isinstance(meta.get("target"), dict):
        meta["target"]["prefix"] = normalize_target_prefix(meta["target"].get("prefix") or "")
    options = _comparable_options(header.get("options") or {})
    if "targetPrefix" in options:
        options["targetPrefix"] = normalize_target_prefix(options["targetPrefix"] or "")
    return dict(header, meta=meta, options=options)


def load_plan(run):
    """Reads the plan given with --plan, checks its header against this run (PlanMismatch / PlanFileError -> one
    line, exit 2) and returns (entries, errors, summary). The source is not listed."""
    where = parse_plan_location(run.p["plan"])
    client = run.ctx.target if "object" in where else None
    with read_plan(where, client=client, retry_options=run.ctx.retry_options) as plan:
        check_plan(_normalised_header(plan.header), run.meta(), _comparable_options(run.options), plan.where)
        entries, errors = plan.entries()
        _say(f"applying plan {plan.where} ({len(entries):,} entries, made by "
             f"{(plan.header.get('meta') or {}).get('createdBy') or 'an unknown writer'}); the source is not listed")
        unversioned = sum(1 for e in entries if e.get("action") == "copy" and not _entry_version(e))
        if unversioned:
            _say(f"{unversioned:,} entries of the plan carry no source version: each is checked against its planned "
                 "size before it is copied (a same-size change since planning cannot be told); plan again with this "
                 "lake2oci to have versions")
        # The state is carried forward (not rebuilt: the plan's verdicts were made already).
        run.state = read_equality_state(run.ctx, run.location, run.ctx.namespace, run.ctx.bucket, run.prefix) or {}
        return entries, errors, plan.header["summary"]


def _entry_version(entry):
    """The version of the source file the plan saw: its sourceVersion, or the sourceEtag older job plans carry."""
    return entry.get("sourceVersion") or entry.get("sourceEtag") or None


def write_plan_file(run, entries, errors, summary):
    """The job's plan, beside its run log, in the format of `lake2oci plan` (contract C3)."""
    where = plan_location_for_log(run_log_location(run.location, run.run_id))
    client = run.ctx.target if "object" in where else None
    written = write_plan(where, entries, errors, summary, run.options, run.meta(), client=client,
                         retry_options=run.ctx.retry_options)
    _say(f"plan: {written}")


def report_invalid_plan(errors):
    for error in errors[:50]:
        print(f"plan error ({error['kind']}): {error['message']}", file=sys.stderr)
    if len(errors) > 50:
        print(f"... and {len(errors) - 50} more plan errors", file=sys.stderr)
    _say("the plan is invalid: nothing was written to the target")


# ---- step 4: copy (driver + Spark tasks) and commit ----

def _entry_for_runtime(entry):
    """A plan entry as the copy runtime takes it: the core's camelCase dict, with the version the plan saw as the
    `sourceEtag` every read is conditional on (If-Match)."""
    e = dict(entry)
    version = _entry_version(entry)
    if version:
        e["sourceEtag"] = version
    return e


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
        props = source_properties(ctx.source, name, ctx.retry_options)
    except Exception as error:  # noqa: BLE001 - a vanished file is reported in the log's words
        changed = source_changed_error(name, None, error)
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
    records = []
    by_target = {e["targetName"]: e for e in payload["whole"]}
    with TaskLog(location, ctx.run_id, task_id, client=ctx.target) as log:
        def on_record(record):
            log.append(_complete_record(record, by_target.get(record.get("targe_name")) or {}))

        whole = []
        for entry in payload["whole"]:
            problem = None
            if entry.get("action") == "copy" and not _entry_version(entry) and not ctx.dry_run:
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
            except Exception as error:  # noqa: BLE001 - reported to the driver, which aborts the upload
                ranges.append({"target_name": r["entry"]["targetName"], "parts": [], "error": describe_error(error),
                               "attempts": tally.attempts, "bytes": 0, "task": payload["index"]})
    return {"records": records, "ranges": ranges}


def _spark():
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("lake2oci").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


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


def _start_uploads(run, parts, by_target, driver):
    """Creates the multipart uploads the partitioning asks for; a file whose upload cannot start fails alone."""
    uploads = {}
    for u in parts["uploads"]:
        entry = by_target[u["targetName"]]
        if run.ctx.dry_run:
            driver.add(entry, "planned", start=_now())
            continue
        try:
            upload_id = start_multipart(run.ctx, entry, u["partSize"])
            uploads[u["targetName"]] = {"upload_id": upload_id, "started": _now(), "clock": time.monotonic()}
        except Exception as error:  # noqa: BLE001 - the file fails, the others go on
            message = str(source_changed_error(entry["sourceName"], _entry_version(entry), error) or "") \
                or describe_error(error)
            driver.add(entry, "failed", error=message, start=_now())
    return uploads


def _task_payloads(run, parts, by_target, uploads):
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
            payloads.append({"index": t["index"], "copy_params": run.params, "whole": whole, "ranges": ranges})
    return payloads


def _commit_uploads(run, uploads, results, by_target, driver):
    """Commits each multipart upload whose ranges all arrived; aborts the others (the file fails)."""
    ctx = run.ctx
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
            result = commit_or_copy_again(ctx, entry, up["upload_id"], all_parts, tally=tally)
            _say(f"committed {name}: {len(all_parts)} parts uploaded by "
                 f"{len({r['task'] for r in pieces})} Spark task(s)")
            driver.add(entry, "copied", result=result, start=up["started"], attempts=attempts + tally.retries,
                       elapsed=time.monotonic() - up["clock"])
        except Exception as error:  # noqa: BLE001 - the file fails, the others go on
            abort_multipart(ctx, entry, up["upload_id"])
            driver.add(entry, "failed", error=failed[0] if failed else describe_error(error), start=up["started"],
                       attempts=attempts, elapsed=time.monotonic() - up["clock"])


def copy_and_commit(run, entries):
    """Carries out the plan: equal and deleted files on the driver, copies in Spark tasks (whole files, and part
    ranges of multipart uploads that the driver starts and commits). Every record goes to this run's task logs."""
    ctx = run.ctx
    p = run.p
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
        _say(f"copying {parts['files']:,} files ({_human(parts['bytes'])}) in {len(payloads)} Spark tasks")
        results = []
        if payloads:
            location = run.location
            rdd = sc.parallelize(payloads, len(payloads))
            results = rdd.map(lambda payload: _run_task(payload, location)).collect()
        run.records.extend(r for res in results for r in res["records"])
        run.lease.check()
        _commit_uploads(run, uploads, results, by_target, driver)


# ---- step 5: logs and summary ----

def write_logs(run):
    """This run's own log and the configured name (the latest run's log), from this run's task logs only."""
    run.lease.check()
    ctx = run.ctx
    merged = merge_run_logs(run.location, run.run_id, client=ctx.target, retry_options=ctx.retry_options)
    if merged.get("kept"):
        _say(f"the log {run.where} held more than one run's log: kept as {merged['kept']}")
    return merged


def write_state(run, entries):
    """The equality state for the next plan: the previous one updated with this run's outcomes (not on a dry run)."""
    if run.ctx.dry_run:
        return
    ctx = run.ctx
    where = write_equality_state(ctx, run.location, ctx.namespace, ctx.bucket, run.prefix, run.run_id, entries,
                                 run.records, run.state)
    if where:
        _say(f"equality state: {where['where']} ({where['records']:,} objects)")


def print_summary(run, merged):
    """The summary table and the exit status: 0 all done, 1 some file failed."""
    print(summary_table(run.records), flush=True)
    _say(f"log: {merged['run_log']} ({merged['records']} records), also at {run.where}"
         f" in {(_now() - run.started).total_seconds():.1f} s")
    failed = [r for r in run.records if r["outcome"] == "failed"]
    if failed:
        _say(f"{len(failed)} file(s) failed; the others were done. Run again to retry them.")
        return 1
    return 0


def run_job(argv):
    """The run, step by step. Exit status: 0 all done; 1 some file failed, or the plan made here is invalid (nothing
    written then); 2 bad parameters, a store problem, the lease held by another run, a plan that does not fit."""
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


def _wants_debug(argv):
    return any(a == "--debug" or a.startswith("--debug=") and a.split("=", 1)[1].lower() in ("true", "1", "yes")
               for a in argv)


def main(argv=None):
    """Runs the job; a problem the person must fix is one `lake2oci:` line on stderr (the stack trace only with
    --debug), secrets redacted. Exit status as run_job's; an unexpected error is one line too, exit 1."""
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
