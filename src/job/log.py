# The migration log, compatible with the original job's: a JSON array of records whose first ten fields are
# source_name, source_size, targe_name, targe_size, start_date, end_date, run_time, run_date, run_id, status (the
# `targe_` spelling kept so existing Autonomous Data Warehouse tables keep loading), then outcome, source_md5,
# source_version, target_md5, verified, evidence, attempts, error, bytes_per_second.
# One log per run: run R's records go to `<stem>.R<ext>` beside the configured log name (migration-log.json ->
# migration-log.R.json), one JSON array written once at the end of R; the configured name is then replaced with the
# same content (it holds the latest run's log, as the original's did). Earlier runs' logs are never rewritten.
# While a run goes, each task appends its records as JSON lines (TaskLog) under `<log>.runs/<run_id>/`, so a crash
# loses nothing already done; merge_run_logs folds only this run's folder into its log and then removes it;
# fold_crashed_runs (under the lease) folds what a crashed earlier run left into that run's own log. The log location
# is {"path": P} (LOCAL: files, 0600) or {"namespace": N, "bucket": B, "object": O} (DATAFLOW: objects; OCI has no
# append, so a task log object is re-put as it grows).
import datetime
import json
import os
import tempfile
import threading
import time

import oci

from .oci_store import list_target
from .retry import call_with_retry

RECORD_FIELDS = (
    "source_name", "source_size", "targe_name", "targe_size", "start_date", "end_date", "run_time", "run_date",
    "run_id", "status", "outcome", "source_md5", "source_version", "target_md5", "verified", "evidence", "attempts",
    "error", "bytes_per_second",
)
# stopped: a file the run did not do because it reached its deadline (--max-minutes): not started, or a multipart copy
# cut short and aborted. Nothing of it was written; the next run copies it. Not `failed` (nothing went wrong with the
# file), not `planned` (a dry run's word), not `held` (table metadata held back until its data is verified).
OUTCOMES = ("copied", "skipped", "failed", "deleted", "planned", "stopped")
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
RUN_ID_FORMAT = "%Y%m%d%H%M%S%f"
RUNS_SUFFIX = ".runs"


class LogError(Exception):
    """The log cannot be read or written; the message names the file or object and what to do."""


def format_date(value):
    """`YYYY-MM-DD HH:MM:SS`; strings pass through (already formatted); None stays None."""
    if value is None or isinstance(value, str):
        return value
    return value.strftime(DATE_FORMAT)


def format_run_time(seconds):
    """`H:MM:SS` of whole seconds, like str(timedelta) without microseconds; hours go past 24 (never 'x days')."""
    if isinstance(seconds, datetime.timedelta):
        seconds = seconds.total_seconds()
    whole = max(0, int(seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def make_run_id(when):
    """`YYYYMMDDHHMMSSffffff` of a datetime."""
    return when.strftime(RUN_ID_FORMAT)


def make_record(*, source_name, source_size, target_name, target_size, start, end, run_date, run_id, status, outcome,
                source_md5=None, target_md5=None, verified=False, attempts=0, error=None, bytes_copied=0,
                elapsed_seconds=None, evidence=None, source_version=None):
    """One log record, fields in the log's order. start/end are datetimes (or formatted strings); run_time is their
    difference in whole seconds (truncated, as the original's); bytes_per_second is bytes_copied over
    elapsed_seconds (default end - start), or None when nothing was copied."""
    if outcome not in OUTCOMES:
        raise ValueError(f"record outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    if isinstance(start, str) and isinstance(end, str):
        span = (datetime.datetime.strptime(end, DATE_FORMAT) - datetime.datetime.strptime(start, DATE_FORMAT))
    elif start is not None and end is not None:
        span = end - start
    else:
        span = datetime.timedelta(0)
    run_time = format_run_time(span)
    elapsed = span.total_seconds() if elapsed_seconds is None else elapsed_seconds
    rate = None
    if bytes_copied and elapsed and elapsed > 0:
        rate = int(bytes_copied / elapsed)
    values = (
        source_name, source_size, target_name, target_size, format_date(start), format_date(end), run_time,
        format_date(run_date), run_id, status, outcome, source_md5, source_version, target_md5, bool(verified), evidence,
        int(attempts), error, rate,
    )
    return dict(zip(RECORD_FIELDS, values))  # noqa: B905 - same length by construction; strict= needs 3.10


def _check_run_id(run_id):
    if not run_id or any(c in str(run_id) for c in "/\\") or str(run_id) in (".", ".."):
        raise ValueError(f"run_id {run_id!r} cannot name a folder of the log")
    return str(run_id)


def _is_oci(location):
    return "object" in location


def _runs_dir(location):
    if _is_oci(location):
        return location["object"] + RUNS_SUFFIX
    return os.path.abspath(location["path"]) + RUNS_SUFFIX


def _task_log_name(location, run_id, task_id):
    task = str(task_id)
    if not task or any(c in task for c in "/\\"):
        raise ValueError(f"task_id {task_id!r} cannot name a log file")
    base = _runs_dir(location)
    if _is_oci(location):
        return f"{base}/{_check_run_id(run_id)}/task-{task}.jsonl"
    return os.path.join(base, _check_run_id(run_id), f"task-{task}.jsonl")


class TaskLog:
    """Appends one task's records as JSON lines, as files finish. LOCAL ({"path": P}): to
    P.runs/<run_id>/task-<task_id>.jsonl, flushed and fsynced per record. DATAFLOW ({"namespace", "bucket",
    "object": O}, with `client`): a sequence of objects O.runs/<run_id>/task-<task_id>.<n>.jsonl (n = 000001, 000002,
    ...), one put after every `flush_every` records or `flush_seconds` seconds and at close, each holding only the
    records not sent yet (OCI has no append: re-putting one growing object would send its bytes again at every
    flush, the square of the records in all). Readers take every .jsonl of the run's folder in name order, so the
    pieces read back as one log. Thread-safe. Use as a context manager or call close()."""

    def __init__(self, location, run_id, task_id, *, client=None, flush_every=50, flush_seconds=5.0,
                 retry_options=None, clock=time.monotonic):
        self.location = dict(location)
        self.name = _task_log_name(self.location, run_id, task_id)
        self._lock = threading.Lock()
        self._client = client
        self._retry_options = dict(retry_options or {})
        self._flush_every = max(1, int(flush_every))
        self._flush_seconds = float(flush_seconds)
        self._clock = clock
        self._lines = []
        self._unsent = 0
        self._pieces = 0
        self._last_put = clock()
        self._handle = None
        self.count = 0
        if _is_oci(self.location):
            if client is None:
                raise ValueError("TaskLog: an OCI log location needs the OCI client")
        else:
            os.makedirs(os.path.dirname(self.name), mode=0o700, exist_ok=True)
            # 0600: the records name every file of the lake (the run log is 0600 too).
            fd = os.open(self.name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.fchmod(fd, 0o600)
            self._handle = os.fdopen(fd, "a", encoding="utf-8")

    def append(self, record):
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            self.count += 1
            if self._handle is not None:
                self._handle.write(line)
                self._handle.flush()
                os.fsync(self._handle.fileno())
                return
            self._lines.append(line)
            self._unsent += 1
            if self._unsent >= self._flush_every or self._clock() - self._last_put >= self._flush_seconds:
                self._put()

    def piece_name(self, number):
        """The object of the `number`th piece (1, 2, ...) of this task's log on OCI."""
        return f"{self.name[:-len('.jsonl')]}.{number:06d}.jsonl"

    def _put(self):
        body = "".join(self._lines).encode("utf-8")
        loc = self.location
        name = self.piece_name(self._pieces + 1)
        call_with_retry(
            lambda: self._client.put_object(loc["namespace"], loc["bucket"], name, body,
                                            content_length=len(body), content_type="application/x-ndjson"),
            what=f"put_object {name}", **self._retry_options)
        self._pieces += 1
        self._lines = []
        self._unsent = 0
        self._last_put = self._clock()

    def flush(self):
        with self._lock:
            if self._handle is None and self._unsent:
                self._put()

    def close(self):
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None
            elif self._unsent:
                self._put()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _parse_jsonl(text, name):
    """Records of one JSONL file. A line that is not JSON (the last one, cut short by a crash) is skipped."""
    records = []
    skipped = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            skipped += 1
            continue
        if isinstance(value, dict):
            records.append(value)
        else:
            skipped += 1
    return records, skipped


def _parse_log(text, name):
    if text.strip() == "":
        return []
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise LogError(f"the run log {name} is not valid JSON ({err.msg} at line {err.lineno}); it was left untouched "
                       "and the run's records are kept in its .runs folder: repair or move it, then run again") from None
    if not isinstance(value, list):
        raise LogError(f"the run log {name} is not a JSON array; it was left untouched and the run's records are kept "
                       "in its .runs folder: repair or move it, then run again")
    return value


def _record_key(record):
    return (record.get("run_id"), record.get("source_name"), record.get("targe_name"))


def _merge(existing, records):
    """existing records + records, one per file (the last one wins: a Spark task that ran twice wrote its files
    twice); a record already there is replaced where it stands rather than added again, so merging twice changes
    nothing."""
    merged = list(existing)
    index = {_record_key(r): i for i, r in enumerate(merged) if isinstance(r, dict)}
    added = 0
    for record in records:
        key = _record_key(record)
        if key in index:
            merged[index[key]] = record
        else:
            index[key] = len(merged)
            merged.append(record)
            added += 1
    return merged, added


def _dump_log(records):
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def run_log_name(name, run_id):
    """`<stem>.<run_id><ext>` of a log file or object name: migration-log.json -> migration-log.<run_id>.json (a name
    without an extension gets `.<run_id>` appended). Folders in the name stay as they are."""
    _check_run_id(run_id)
    cut = name.rfind("/") + 1
    stem, ext = os.path.splitext(name[cut:])
    return f"{name[:cut]}{stem}.{run_id}{ext}"


def run_log_location(location, run_id):
    """The location of run `run_id`'s own log beside the configured one."""
    loc = dict(location)
    if _is_oci(loc):
        loc["object"] = run_log_name(loc["object"], run_id)
    else:
        loc["path"] = run_log_name(os.path.abspath(loc["path"]), run_id)
    return loc


def describe_location(location):
    if _is_oci(location):
        return f"oci://{location['bucket']}@{location['namespace']}/{location['object']}"
    return location["path"]


def _write_private(path, text):
    """Writes text to path atomically (temp file beside it, fsync, rename), mode 0600."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".lake2oci-log-", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise


def _read_local_log(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return _parse_log(handle.read(), path)
    except FileNotFoundError:
        return []


def _local_task_logs(location, run_id):
    """(records, files, skipped lines) of one run's task logs, in task-file order."""
    run_path = os.path.join(_runs_dir(location), _check_run_id(run_id))
    records, files, skipped = [], [], 0
    if not os.path.isdir(run_path):
        return records, files, skipped
    for name in sorted(os.listdir(run_path)):
        if not name.endswith(".jsonl"):
            continue
        full = os.path.join(run_path, name)
        with open(full, encoding="utf-8", errors="replace") as handle:
            got, bad = _parse_jsonl(handle.read(), full)
        records.extend(got)
        skipped += bad
        files.append(full)
    return records, files, skipped


def _remove_local_task_logs(location, run_id, files):
    for full in files:
        os.remove(full)
    runs_dir = _runs_dir(location)
    for folder in (os.path.join(runs_dir, run_id), runs_dir):
        try:
            os.rmdir(folder)
        except OSError:
            pass


def _is_a_run_log_copy(text, exists):
    """Whether the configured log's text is a copy of one run's log that still exists under its own name (then
    replacing it loses nothing). exists(run_id) tells whether that run's own log exists."""
    try:
        records = json.loads(text)
    except ValueError:
        return False
    if not isinstance(records, list):
        return False
    run_ids = {r.get("run_id") for r in records if isinstance(r, dict)}
    if not run_ids:
        return len(records) == 0
    if len(run_ids) != 1:
        return False
    run_id = next(iter(run_ids))
    try:
        return bool(run_id) and exists(str(run_id))
    except ValueError:
        return False


def kept_log_name(name, run_id):
    """Where a configured log that was not a copy of a run log (one log accumulated over many runs, as the original
    wrote it, or a file that is not a log) is kept before run `run_id` replaces it: `<stem>.before-<run_id><ext>`."""
    return run_log_name(name, f"before-{run_id}")


def _fold_local(location, run_id, *, publish):
    path = os.path.abspath(location["path"])
    own = run_log_location({"path": path}, run_id)["path"]
    existing = _read_local_log(own)
    records, files, skipped = _local_task_logs({"path": path}, run_id)
    merged, added = _merge(existing, records)
    text = _dump_log(merged)
    _write_private(own, text)
    kept = None
    if publish:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                previous = handle.read()
        except FileNotFoundError:
            previous = None
        if previous is not None and not _is_a_run_log_copy(
                previous, lambda r: os.path.exists(run_log_name(path, r))):
            kept = kept_log_name(path, run_id)
            _write_private(kept, previous)
        _write_private(path, text)
    _remove_local_task_logs({"path": path}, run_id, files)
    return {"log": path, "run_log": own, "records": len(merged), "added": added, "runs": [run_id],
            "skipped_lines": skipped, "kept": kept}


def _get_text(client, ns, bucket, name, options):
    """The object's text, or None when there is none."""
    try:
        response, _ = call_with_retry(lambda: client.get_object(ns, bucket, name), what=f"get_object {name}",
                                      **options)
    except oci.exceptions.ServiceError as err:
        if err.status != 404:
            raise
        return None
    return response.data.content.decode("utf-8", errors="replace")


def _exists(client, ns, bucket, name, options):
    try:
        call_with_retry(lambda: client.head_object(ns, bucket, name), what=f"head_object {name}", **options)
    except oci.exceptions.ServiceError as err:
        if err.status != 404:
            raise
        return False
    return True


def _put_text(client, ns, bucket, name, text, options, content_type="application/json"):
    body = text.encode("utf-8")
    call_with_retry(lambda: client.put_object(ns, bucket, name, body, content_length=len(body),
                                              content_type=content_type),
                    what=f"put_object {name}", **options)


def _fold_oci(location, run_id, client, retry_options, *, publish):
    ns, bucket, name = location["namespace"], location["bucket"], location["object"]
    options = dict(retry_options or {})
    own = run_log_name(name, run_id)
    text = _get_text(client, ns, bucket, own, options)
    existing = _parse_log(text, f"oci://{bucket}@{ns}/{own}") if text is not None else []
    prefix = f"{name}{RUNS_SUFFIX}/{_check_run_id(run_id)}/"
    records, objects, skipped = [], [], 0
    for item in list_target(client, ns, bucket, prefix, retry_options=options):
        key = item["name"]
        if not key.endswith(".jsonl") or "/" in key[len(prefix):]:
            continue
        got, bad = _parse_jsonl(_get_text(client, ns, bucket, key, options) or "", key)
        records.extend(got)
        skipped += bad
        objects.append(key)
    merged, added = _merge(existing, records)
    body = _dump_log(merged)
    # The run's own log first, then the configured name (the latest run's log): a crash between the two leaves the
    # run's records in its own log. Only the lease holder writes them, so no condition is needed.
    _put_text(client, ns, bucket, own, body, options)
    kept = None
    if publish:
        previous = _get_text(client, ns, bucket, name, options)
        if previous is not None and not _is_a_run_log_copy(
                previous, lambda r: _exists(client, ns, bucket, run_log_name(name, r), options)):
            kept = kept_log_name(name, run_id)
            _put_text(client, ns, bucket, kept, previous, options)
            kept = f"oci://{bucket}@{ns}/{kept}"
        _put_text(client, ns, bucket, name, body, options)
    for key in objects:
        try:
            call_with_retry(lambda key=key: client.delete_object(ns, bucket, key), what=f"delete_object {key}",
                            **options)
        except oci.exceptions.ServiceError as err:
            if err.status != 404:
                raise
    return {"log": f"oci://{bucket}@{ns}/{name}", "run_log": f"oci://{bucket}@{ns}/{own}", "records": len(merged),
            "added": added, "runs": [run_id], "skipped_lines": skipped, "kept": kept}


def merge_run_logs(location, run_id, *, client=None, retry_options=None):
    """Writes run `run_id`'s own log, `<stem>.<run_id><ext>` beside the configured name: one JSON array of the records
    its tasks wrote under `<log>.runs/<run_id>/` (and of that run log, when an interrupted merge left one), then
    replaces the configured name with the same content (the latest run's log), then removes those task logs. Only
    this run's folder is read or removed: another run's task logs are never touched, and no earlier run's log is
    rewritten. LOCAL: atomic writes (temp file + os.replace), mode 0600; DATAFLOW: the run's log object, then the
    configured one. A run log that exists but is not a JSON array raises LogError and nothing is touched. A configured
    log that is not a copy of an existing run log (the one accumulated log of the original, say) is first kept as
    `<stem>.before-<run_id><ext>`. Returns {log, run_log, records, added, runs, skipped_lines, kept}."""
    _check_run_id(run_id)
    if _is_oci(location):
        if client is None:
            raise ValueError("merge_run_logs: an OCI log location needs the OCI client")
        return _fold_oci(location, run_id, client, retry_options, publish=True)
    return _fold_local(location, run_id, publish=True)


def _pending_runs(location, client, retry_options):
    """Run ids that have task logs under the log's .runs folder."""
    if not _is_oci(location):
        runs_dir = _runs_dir(location)
        if not os.path.isdir(runs_dir):
            return []
        return sorted(r for r in os.listdir(runs_dir) if os.path.isdir(os.path.join(runs_dir, r)))
    prefix = location["object"] + RUNS_SUFFIX + "/"
    runs = set()
    for item in list_target(client, location["namespace"], location["bucket"], prefix,
                            retry_options=dict(retry_options or {})):
        rest = item["name"][len(prefix):]
        if "/" in rest:
            runs.add(rest.split("/", 1)[0])
    return sorted(runs)


def fold_crashed_runs(location, run_id, *, client=None, retry_options=None):
    """Folds the task logs an earlier run left behind (it crashed before merging) into that run's own log
    (`<stem>.<its run id><ext>`), then removes them. Call it only while holding the lease: then no other run is
    writing task logs. The configured name is left alone (this run replaces it at its end). Runs other than
    `run_id` (this run) only. Returns the stats of each run folded."""
    _check_run_id(run_id)
    if _is_oci(location) and client is None:
        raise ValueError("fold_crashed_runs: an OCI log location needs the OCI client")
    folded = []
    for other in _pending_runs(location, client, retry_options):
        if other == run_id:
            continue
        try:
            _check_run_id(other)
        except ValueError:
            continue
        if _is_oci(location):
            folded.append(_fold_oci(location, other, client, retry_options, publish=False))
        else:
            folded.append(_fold_local(location, other, publish=False))
    return folded


def _human_bytes(count):
    value = float(count or 0)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def summary_table(records):
    """A plain-text summary: files and bytes per outcome and status, the failures with their errors, and the
    throughput of the copies (bytes copied over the run's wall-clock time)."""
    groups = {}
    for record in records:
        key = (record.get("outcome") or "", record.get("status") or "")
        files, size = groups.get(key, (0, 0))
        groups[key] = (files + 1, size + int(record.get("source_size") or record.get("targe_size") or 0))
    rows = [("outcome", "status", "files", "bytes")]
    for (outcome, status), (files, size) in sorted(groups.items()):
        rows.append((outcome, status, str(files), _human_bytes(size)))
    total_bytes = sum(size for _, size in groups.values())
    rows.append(("total", "", str(len(records)), _human_bytes(total_bytes)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2]), row[3].rjust(widths[3])]
        lines.append("  ".join(cells).rstrip())
        if n == 0 or n == len(rows) - 2:
            lines.append("  ".join("-" * w for w in widths))
    copied = [r for r in records if r.get("outcome") == "copied"]
    copied_bytes = sum(int(r.get("source_size") or 0) for r in copied)
    if copied:
        starts = [datetime.datetime.strptime(r["start_date"], DATE_FORMAT) for r in copied if r.get("start_date")]
        ends = [datetime.datetime.strptime(r["end_date"], DATE_FORMAT) for r in copied if r.get("end_date")]
        wall = max(1.0, (max(ends) - min(starts)).total_seconds() + 1) if starts and ends else 1.0
        lines.append(f"copied {len(copied)} files, {_human_bytes(copied_bytes)} in about {format_run_time(wall)}: "
                     f"{_human_bytes(copied_bytes / wall)}/s")
    failed = [r for r in records if r.get("outcome") == "failed"]
    if failed:
        lines.append(f"{len(failed)} failed:")
        for record in failed:
            name = record.get("source_name") or record.get("targe_name")
            lines.append(f"  {name}: {record.get('error') or 'unknown error'} (attempts: {record.get('attempts')})")
    return "\n".join(lines)
