# The run of the Spark job and its first steps: the parameters (the table's defaults, then a job file's, then the
# arguments; every problem listed at once), the copy context and where the log goes, and the lease beside the log.
# Run holds what the driver's steps share; tasks get only its plain `params`.
import contextlib
import datetime
import json
import os
import sys
import time

from lake2oci_core import JOB_FILE_NAME, JOB_PARAMETERS, normalize_target_prefix

from .copy import make_copy_context
from .lease import Lease
from .log import describe_location, make_run_id
from .params import parse_params
from .preflight import store_problem_from_error


# --max-minutes 0 (automatic) on Data Flow: its runs are stopped without notice after 24 hours when they sign with
# their delegation token (the default), after 30 days with a resource principal (dataflow.auth=resource_principal).
# The job stops starting work half an hour before either limit, so what is in flight finishes and the log is written.
DATAFLOW_TOKEN_MAX_MINUTES = 24 * 60 - 30
DATAFLOW_RESOURCE_PRINCIPAL_MAX_MINUTES = 30 * 24 * 60 - 30
# Set in a Data Flow run that has a resource principal (what oci_auth tries first, oci_store.py).
RESOURCE_PRINCIPAL_ENV = "OCI_RESOURCE_PRINCIPAL_VERSION"


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
    problems.extend(source_problems(p))
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
    if int(p.get("list-parallelism") or 0) < 0:
        problems.append("--list-parallelism must be 0 (automatic), 1 (one sequential listing) or more")
    if int(p.get("list-split-entries") or 0) < 1:
        problems.append("--list-split-entries must be at least 1")
    if int(p.get("max-minutes") or 0) < 0:
        problems.append("--max-minutes must be 0 (automatic) or more")
    if int(p.get("lease-seconds") or 0) < 8:
        problems.append("--lease-seconds must be at least 8 (the lease is renewed every quarter of it)")
    return problems


# What each source type needs: the parameters it requires, and per --source-auth method the ones that method needs.
SOURCE_NEEDS = {
    "adls": (["source-account", "source-file-system"],
             {"key": ["source-account-key"], "sas": ["source-sas-token"],
              "oauth": ["source-tenant-id", "source-client-id", "source-client-secret"]}),
    "s3": (["source-bucket", "source-region"],
           {"keys": ["source-access-key-id", "source-secret-access-key"], "environment": []}),
    "gcs": (["source-bucket"], {"serviceAccountKey": ["source-service-account-key"], "environment": []}),
    "hdfs": (["source-name-node", "source-path"], None),
    "local": (["source-path"], None),
}


def source_problems(p):
    """The problems with the source parameters, for the source type given."""
    kind = p.get("source-type")
    if kind not in SOURCE_NEEDS:
        return [f"--source-type must be one of {', '.join(SOURCE_NEEDS)}, got {kind!r}"]
    required, methods = SOURCE_NEEDS[kind]
    problems = [f"--{name} is required with --source-type {kind}" for name in required if not p.get(name)]
    if methods is not None:
        auth = p.get("source-auth")
        if auth not in methods:
            problems.append(f"--source-auth must be {' or '.join(methods)} with --source-type {kind}, got {auth!r}")
        else:
            problems.extend(f"--{name} is required with --source-auth {auth}" for name in methods[auth]
                            if not p.get(name))
    if kind == "adls" and p.get("source-reader") not in ("opendal", "sdk"):
        problems.append(f"--source-reader must be opendal or sdk, got {p.get('source-reader')!r}")
    if kind in ("hdfs", "local") and p.get("source-path") and not str(p["source-path"]).startswith("/"):
        problems.append(f"--source-path must be an absolute path with --source-type {kind}, got "
                        f"{p['source-path']!r}")
    if kind == "hdfs" and p.get("source-name-node") and not str(p["source-name-node"]).startswith("hdfs://"):
        problems.append(f"--source-name-node must be the NameNode's RPC URI, hdfs://host:port, got "
                        f"{p['source-name-node']!r}")
    return problems


def source_params(p):
    """The plain, picklable source settings each task opens its source from (secrets stay references)."""
    kind = p.get("source-type") or "adls"
    if kind == "adls":
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
        return {"type": "adls", "account_name": p["source-account"], "file_system": p["source-file-system"],
                "endpoint": p.get("source-endpoint") or None, "auth": auth,
                "reader": p.get("source-reader") or "opendal"}
    if kind == "s3":
        auth = {"kind": p["source-auth"]}
        if p["source-auth"] == "keys":
            auth.update(access_key_id=p["source-access-key-id"], secret_access_key=p["source-secret-access-key"])
            if p.get("source-session-token"):
                auth["session_token"] = p["source-session-token"]
        elif p.get("source-aws-profile"):
            auth["profile"] = p["source-aws-profile"]
        return {"type": "s3", "bucket": p["source-bucket"], "prefix": p.get("source-prefix") or "",
                "region": p["source-region"], "endpoint": p.get("source-endpoint") or None,
                "path_style": bool(p.get("source-path-style")), "auth": auth}
    if kind == "gcs":
        auth = {"kind": p["source-auth"]}
        if p["source-auth"] == "serviceAccountKey":
            auth["service_account_key"] = p["source-service-account-key"]
        return {"type": "gcs", "bucket": p["source-bucket"], "prefix": p.get("source-prefix") or "",
                "endpoint": p.get("source-endpoint") or None, "auth": auth}
    if kind == "hdfs":
        return {"type": "hdfs", "name_node": p["source-name-node"], "path": p["source-path"],
                "user": p.get("source-user") or None}
    return {"type": "local", "path": p["source-path"]}


def source_meta(p):
    """The plan header's meta.source for this run, as `lake2oci plan` writes it (src/stores/from-config.ts)."""
    kind = p.get("source-type") or "adls"
    if kind == "adls":
        return {"type": "adls", "account": p["source-account"], "fileSystem": p["source-file-system"],
                "path": _plain_path(p.get("source-path"))}
    if kind in ("s3", "gcs"):
        return {"type": kind, "bucket": p["source-bucket"], "prefix": _plain_path(p.get("source-prefix")),
                "endpoint": p.get("source-endpoint") or None}
    if kind == "hdfs":
        return {"type": kind, "nameNode": p["source-name-node"], "path": _plain_path(p["source-path"])}
    return {"type": kind, "path": _plain_path(p["source-path"])}


def max_minutes(p, environ=None):
    """The run's limit in minutes, 0 for none: --max-minutes when positive; automatic (0) gives, on DATAFLOW, 1410
    (23.5 h) for a run that signs with its delegation token and 43170 (30 days minus 30 minutes) for one with a
    resource principal (OCI_RESOURCE_PRINCIPAL_VERSION set: dataflow.auth=resource_principal); none on LOCAL."""
    given = int(p.get("max-minutes") or 0)
    if given > 0:
        return given
    if p.get("target-profile") != "DATAFLOW":
        return 0
    environ = os.environ if environ is None else environ
    if environ.get(RESOURCE_PRINCIPAL_ENV):
        return DATAFLOW_RESOURCE_PRINCIPAL_MAX_MINUTES
    return DATAFLOW_TOKEN_MAX_MINUTES


def copy_params(p, run_id, run_date, *, started=None, environ=None):
    """The plain, picklable parameters each task rebuilds its CopyContext from (secrets stay references). With the
    run's start (epoch seconds, the driver's clock) and a limit (max_minutes), copy.deadline is the absolute time
    after which no file or part starts, in every task."""
    target = {"profile": p["target-profile"], "bucket": p["target-bucket"]}
    for key, name in (("config_file", "target-config-file"), ("config_profile", "target-config-profile"),
                      ("endpoint", "target-endpoint"), ("region", "target-region"),
                      ("namespace", "target-namespace")):
        if p.get(name):
            target[key] = p[name]
    mib = 1024 * 1024
    return {
        "source": source_params(p),
        "target": target,
        "copy": {"threads": int(p["threads"]), "part_threads": int(p["part-threads"]),
                 "part_size": int(p["part-size-mib"]) * mib,
                 "multipart_threshold": int(p["multipart-threshold-mib"]) * mib, "dry_run": bool(p["dry-run"]),
                 **_deadline(p, started, environ)},
        "retry": {"max_attempts": int(p["max-attempts"])},
        "run": {"run_id": run_id, "run_date": run_date},
    }


def _deadline(p, started, environ):
    minutes = max_minutes(p, environ)
    if not minutes or started is None:
        return {}
    return {"deadline": started + minutes * 60, "max_minutes": minutes}


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
        # The equality state kept beside the log: an RDD of (name, record) read by the executors (None: none).
        self.state = None
        self.state_count = 0
        self.started = None

    @property
    def where(self):
        return describe_location(self.location)

    def meta(self):
        """The plan header's meta for this run (contract C3), prefixes and paths as the plan check compares them."""
        return {"source": source_meta(self.p),
                "target": {"namespace": self.ctx.namespace, "bucket": self.ctx.bucket, "prefix": self.prefix},
                "runId": self.run_id, "createdBy": "app.py"}


def _plain_path(path):
    return str(path or "").strip("/")


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
    return Run(p, job_file, run_date, copy_params(p, run_id, run_date, started=time.time()))


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
    deadline = run.params["copy"].get("deadline")
    if deadline and not p["dry-run"]:
        at = datetime.datetime.fromtimestamp(deadline).strftime("%Y-%m-%d %H:%M:%S")
        _say(f"no new file or part starts after {at} (--max-minutes {run.params['copy']['max_minutes']}); "
             "what is left then is for the next run")


def take_lease(run):
    """Takes the lease beside the log (LeaseHeld -> one line, exit 2) and keeps it renewed."""
    ctx = run.ctx
    target = {"namespace": ctx.namespace, "bucket": ctx.bucket, "prefix": run.prefix}
    client = ctx.target if "object" in run.location else None
    run.lease = Lease(run.location, run.run_id, target, seconds=int(run.p["lease-seconds"]), client=client,
                      retry_options=ctx.retry_options)
    run.lease.acquire(break_lease=bool(run.p["break-lease"]))
    run.lease.start_renewing()


def spark_session():
    """The job's Spark session (Spark's own log at WARN)."""
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("lake2oci").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark
