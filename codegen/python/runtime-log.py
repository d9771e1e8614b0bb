# The migration log, compatible with the original job's: a JSON array of records whose first ten fields are
# source_name, source_size, targe_name, targe_size, start_date, end_date, run_time, run_date, run_id, status (the
# `targe_` spelling kept so existing Autonomous Data Warehouse tables keep loading), then outcome, source_md5,
# source_version, target_md5, verified, evidence, attempts, error, bytes_per_second.
# While a run goes, each task appends its records as JSON lines (TaskLog) under `<log>.runs/<run_id>/`, so a crash
# loses nothing already done; merge_run_logs folds them into the array (also those of an earlier run that crashed
# before merging) and then removes them. The log location is {"path": P} (LOCAL: a file) or {"namespace": N,
# "bucket": B, "object": O} (DATAFLOW: an object; OCI has no append, so a task log object is re-put as it grows).
import datetime
import json
import os
import tempfile
import threading
import time

import oci

RECORD_FIELDS = (
    "source_name", "source_size", "targe_name", "targe_size", "start_date", "end_date", "run_time", "run_date",
    "run_id", "status", "outcome", "source_md5", "source_version", "target_md5", "verified", "evidence", "attempts",
    "error", "bytes_per_second",
)
OUTCOMES = ("copied", "skipped", "failed", "deleted", "planned")
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
    "object": O}, with `client`): the object O.runs/<run_id>/task-<task_id>.jsonl, re-put after every `flush_every`
    records or `flush_seconds` seconds, and at close. Thread-safe. Use as a context manager or call close()."""

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
        self._last_put = clock()
        self._handle = None
        self.count = 0
        if _is_oci(self.location):
            if client is None:
                raise ValueError("TaskLog: an OCI log location needs the OCI client")
        else:
            os.makedirs(os.path.dirname(self.name), exist_ok=True)
            self._handle = open(self.name, "a", encoding="utf-8")

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

    def _put(self):
        body = "".join(self._lines).encode("utf-8")
        loc = self.location
        call_with_retry(
            lambda: self._client.put_object(loc["namespace"], loc["bucket"], self.name, body,
                                            content_length=len(body), content_type="application/x-ndjson"),
            what=f"put_object {self.name}", **self._retry_options)
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
        raise LogError(f"the migration log {name} is not valid JSON ({err.msg} at line {err.lineno}); it was left "
                       "untouched and this run's records are kept in its .runs folder: repair or move the log, then "
                       "run again to merge them") from None
    if not isinstance(value, list):
        raise LogError(f"the migration log {name} is not a JSON array; it was left untouched and this run's records "
                       "are kept in its .runs folder: repair or move the log, then run again to merge them")
    return value


def _record_key(record):
    return (record.get("run_id"), record.get("source_name"), record.get("targe_name"))


def _merge(existing, runs):
    """existing records + each run's records (runs sorted by run id). Within a run, one record per file (the last
    one wins: a Spark task that ran twice wrote its files twice); a record already in the log is replaced where it
    stands rather than added again, so merging twice changes nothing."""
    merged = list(existing)
    index = {_record_key(r): i for i, r in enumerate(merged) if isinstance(r, dict)}
    added = 0
    for run_id in sorted(runs):
        for record in runs[run_id]:
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


def _merge_local(location):
    path = os.path.abspath(location["path"])
    runs_dir = path + RUNS_SUFFIX
    try:
        with open(path, encoding="utf-8") as handle:
            existing = _parse_log(handle.read(), path)
    except FileNotFoundError:
        existing = []
    runs = {}
    files = []
    skipped = 0
    if os.path.isdir(runs_dir):
        for run_id in sorted(os.listdir(runs_dir)):
            run_path = os.path.join(runs_dir, run_id)
            if not os.path.isdir(run_path):
                continue
            for name in sorted(os.listdir(run_path)):
                if not name.endswith(".jsonl"):
                    continue
                full = os.path.join(run_path, name)
                with open(full, encoding="utf-8", errors="replace") as handle:
                    records, bad = _parse_jsonl(handle.read(), full)
                runs.setdefault(run_id, []).extend(records)
                skipped += bad
                files.append(full)
    merged, added = _merge(existing, runs)
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".lake2oci-log-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(_dump_log(merged))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise
    for full in files:
        os.remove(full)
    for run_id in runs:
        try:
            os.rmdir(os.path.join(runs_dir, run_id))
        except OSError:
            pass
    try:
        os.rmdir(runs_dir)
    except OSError:
        pass
    return {"log": path, "records": len(merged), "added": added, "runs": sorted(runs), "skipped_lines": skipped}


def _merge_oci(location, client, retry_options):
    ns, bucket, name = location["namespace"], location["bucket"], location["object"]
    options = dict(retry_options or {})
    etag = None
    try:
        response, _ = call_with_retry(lambda: client.get_object(ns, bucket, name), what=f"get_object {name}",
                                      **options)
        etag = response.headers.get("etag")
        existing = _parse_log(response.data.content.decode("utf-8"), f"oci://{bucket}@{ns}/{name}")
    except oci.exceptions.ServiceError as err:
        if err.status != 404:
            raise
        existing = []
    prefix = name + RUNS_SUFFIX + "/"
    runs = {}
    objects = []
    skipped = 0
    for item in list_target(client, ns, bucket, prefix, retry_options=options):
        key = item["name"]
        rest = key[len(prefix):]
        if "/" not in rest or not rest.endswith(".jsonl"):
            continue
        run_id = rest.split("/", 1)[0]
        response, _ = call_with_retry(lambda key=key: client.get_object(ns, bucket, key), what=f"get_object {key}",
                                      **options)
        records, bad = _parse_jsonl(response.data.content.decode("utf-8", errors="replace"), key)
        runs.setdefault(run_id, []).extend(records)
        skipped += bad
        objects.append(key)
    merged, added = _merge(existing, runs)
    body = _dump_log(merged).encode("utf-8")
    # Conditional on the log read above: a concurrent writer makes this fail (412) instead of losing its records.
    conditions = {"if_match": etag} if etag else {"if_none_match": "*"}
    call_with_retry(lambda: client.put_object(ns, bucket, name, body, content_length=len(body),
                                              content_type="application/json", **conditions),
                    what=f"put_object {name}", **options)
    for key in objects:
        try:
            call_with_retry(lambda key=key: client.delete_object(ns, bucket, key), what=f"delete_object {key}",
                            **options)
        except oci.exceptions.ServiceError as err:
            if err.status != 404:
                raise
    return {"log": f"oci://{bucket}@{ns}/{name}", "records": len(merged), "added": added, "runs": sorted(runs),
            "skipped_lines": skipped}


def merge_run_logs(location, run_id=None, *, client=None, retry_options=None):
    """Folds every run's JSONL records under the log's .runs folder into the log (this run's, `run_id`, and any
    earlier run that never merged), writes the log atomically (LOCAL: temp file + os.replace; DATAFLOW: a conditional
    put), then removes the merged JSONL. A log that exists but is not a JSON array raises LogError and is not touched.
    Returns {log, records, added, runs, skipped_lines}. run_id only checks that it can name a folder: every pending
    run is merged."""
    if run_id is not None:
        _check_run_id(run_id)
    if _is_oci(location):
        if client is None:
            raise ValueError("merge_run_logs: an OCI log location needs the OCI client")
        return _merge_oci(location, client, retry_options)
    return _merge_local(location)


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
