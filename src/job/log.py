# The migration log, compatible with the original job's: a JSON array of records whose first ten fields are
# source_name, source_size, targe_name, targe_size, start_date, end_date, run_time, run_date, run_id, status (the
# `targe_` spelling kept so existing Autonomous Data Warehouse tables keep loading), then outcome, source_md5,
# source_version, target_md5, verified, evidence, attempts, error, bytes_per_second.
# One log per run: run R's records go to `<stem>.R<ext>` beside the configured log name (migration-log.json ->
# migration-log.R.json), one JSON array written once at the end of R; the configured name is then replaced with the
# same content (it holds the latest run's log, as the original's did). Earlier runs' logs are never rewritten.
# While a run goes, each task appends its records as JSON lines (TaskLog) under `<log>.runs/<run_id>/`, so a crash
# loses nothing already done; merge_run_logs folds only this run's folder into its log and then removes it;
# fold_crashed_runs (under the lease) folds what a crashed earlier run left into that run's own log. Both stream: one
# task's record keys are held at a time, never the records. The log location is {"path": P} (LOCAL: files, 0600) or
# {"namespace": N, "bucket": B, "object": O} (DATAFLOW: objects; OCI has no append, so a task log is a sequence of
# objects, each put once).
import datetime
import http.client
import json
import os
import re
import shutil
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


# ---- A run's log, assembled by streaming its task logs ----
# A run's task logs (files or objects) fall into groups, one per task: the name up to the first "." or "~" after
# "task-" (_task_group). task-00003.jsonl (LOCAL), task-00003.000001.jsonl (a piece of an OCI task log) and
# task-00003~attempt1.000002.jsonl (a retried Spark attempt's) are one group; task-driver.jsonl another. The groups
# are read in name order, the files of a group in name order ("." sorts before "~": an attempt's pieces after the
# first attempt's). A file belongs to one task, so records are deduplicated within their group only: a first pass
# maps each record's key (run_id, source_name, targe_name) to its last position in the group, a second writes each
# record there (the last one written wins: a task that ran twice wrote its files twice). Only one group's keys are
# held at a time, never the records; the JSON array is written record by record, byte for byte
# json.dumps(records, ensure_ascii=False, indent=2) + "\n". When the run's own log already holds records (an
# interrupted merge, rare) the merge is done in memory as it always was (_merge: a record already there is replaced
# where it stands).

# Bytes per read or write when files and objects are streamed or scanned.
LOG_STREAM_CHUNK = 1 << 20
# A "run_id" value longer than this is not a run id (a log whose run_id key has one is not a copy of a run log).
MAX_RUN_ID_BYTES = 4096


def _task_group(name):
    """The task a task log file or object (its name in the run's folder) belongs to: the name up to the first "." or
    "~" after "task-"."""
    start = len("task-") if name.startswith("task-") else 0
    cuts = [i for i in (name.find(".", start), name.find("~", start)) if i >= 0]
    return name[:min(cuts)] if cuts else name


def _task_log_groups(named):
    """[(group, [path, ...]), ...] of (name, path) pairs: groups in name order, a group's files in name order."""
    groups = []
    for name, path in sorted(named, key=lambda item: (_task_group(item[0]), item[0])):
        group = _task_group(name)
        if groups and groups[-1][0] == group:
            groups[-1][1].append(path)
        else:
            groups.append((group, [path]))
    return groups


def _jsonl_records(path, counts=None):
    """Yields the records (JSON objects) of one JSONL file, one line at a time (lines end at "\\n" only). A line that
    is not a JSON object (the last one, cut short by a crash) is skipped and counted in counts["skipped"]."""
    with open(path, "rb") as handle:
        for raw in handle:
            line = raw.decode("utf-8", errors="replace")
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                value = None
            if isinstance(value, dict):
                yield value
            elif counts is not None:
                counts["skipped"] += 1


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
    nothing. In memory: only when the run's own log already holds records (an interrupted merge)."""
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


_FLAT_JSON_TYPES = (str, int, float, bool, type(None))


class _ArrayWriter:
    """Writes a JSON array to a text handle one record at a time, byte for byte what _dump_log(records) gives: each
    record dumped with indent=2 and every line of it indented two more spaces ("[]\\n" when there is none)."""

    def __init__(self, handle):
        self._handle = handle
        self.count = 0

    def add(self, record):
        if type(record) is dict and record and all(type(v) in _FLAT_JSON_TYPES for v in record.values()):
            # A record of scalars (every record a task writes): Python's json only uses its C encoder without
            # indent, so the separators carry the indent (raw newlines are never inside a JSON string).
            text = "{\n    " + json.dumps(record, ensure_ascii=False, separators=(",\n    ", ": "))[1:-1] + "\n  }"
        else:
            text = json.dumps(record, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        self._handle.write(("[\n  " if self.count == 0 else ",\n  ") + text)
        self.count += 1

    def finish(self):
        self._handle.write("\n]\n" if self.count else "[]\n")


def _merge_group(paths, writer, counts):
    """Writes one task's records (its files in order) with one record per key, at the key's last position. Holds the
    group's keys and positions only. A line appended between the two passes (no task writes during a merge) has a
    position past the first pass's and is not written."""
    last = {}
    run_ids = {}
    position = 0
    for path in paths:
        for record in _jsonl_records(path, counts):
            run_id, source, target = _record_key(record)
            # One run id object for the group, and one name object when source and target names are equal: the
            # keys are a task's only memory here.
            run_id = run_ids.setdefault(run_id, run_id)
            last[(run_id, source, source if target == source else target)] = position
            position += 1
    position = 0
    for path in paths:
        for record in _jsonl_records(path):
            if last.get(_record_key(record)) == position:
                writer.add(record)
            position += 1


def _write_merged(named, handle, existing):
    """Writes the run's log to handle: the task logs `named` ((name, path) pairs), streamed group by group, or, when
    `existing` (the run's own log, left by an interrupted merge) holds records, merged in memory into it. Returns
    (records, added, skipped lines)."""
    counts = {"skipped": 0}
    writer = _ArrayWriter(handle)
    if existing:
        records = (record for _, paths in _task_log_groups(named) for path in paths
                   for record in _jsonl_records(path, counts))
        merged, added = _merge(existing, records)
        for record in merged:
            writer.add(record)
    else:
        for _, paths in _task_log_groups(named):
            _merge_group(paths, writer, counts)
        added = writer.count
    writer.finish()
    return writer.count, added, counts["skipped"]


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


def _write_private_with(path, fill, *, binary=False):
    """Writes path atomically (a temp file beside it, mode 0600, fsync, rename): fill(handle) writes the content to
    a text (UTF-8) or binary handle. Returns what fill returns."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".lake2oci-log-", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8")) as handle:
            result = fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise
    return result


def _write_private(path, text):
    """Writes text to path atomically (temp file beside it, fsync, rename), mode 0600."""
    _write_private_with(path, lambda handle: handle.write(text))


def _copy_private(source, path):
    """Copies the file source to path atomically, mode 0600, streamed."""
    with open(source, "rb") as handle:
        _write_private_with(path, lambda out: shutil.copyfileobj(handle, out, LOG_STREAM_CHUNK), binary=True)


def _read_local_log(path, where=None):
    try:
        with open(path, encoding="utf-8") as handle:
            return _parse_log(handle.read(), where or path)
    except FileNotFoundError:
        return []


def _local_task_logs(location, run_id):
    """(name, path) of each of one run's task log files."""
    run_path = os.path.join(_runs_dir(location), _check_run_id(run_id))
    if not os.path.isdir(run_path):
        return []
    return [(name, os.path.join(run_path, name)) for name in sorted(os.listdir(run_path)) if name.endswith(".jsonl")]


def _remove_local_task_logs(location, run_id, files):
    for full in files:
        os.remove(full)
    runs_dir = _runs_dir(location)
    for folder in (os.path.join(runs_dir, run_id), runs_dir):
        try:
            os.rmdir(folder)
        except OSError:
            pass


# A "run_id" key and its value: a JSON string (group 1, its text between the quotes) or the first byte of another
# value (group 2). In JSON text an unescaped `"run_id"` followed by a colon can only be a key (inside a string its
# quotes would be escaped).
_RUN_ID_KEY = b'"run_id"'
_RUN_ID_ENTRY = re.compile(rb'"run_id"[ \t\r\n]*:[ \t\r\n]*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|([^ \t\r\n"]))', re.S)
# What may still become such an entry when more bytes come.
_RUN_ID_PARTIAL = re.compile(rb'"run_id"[ \t\r\n]*(?::[ \t\r\n]*(?:"[^"\\]*(?:\\.[^"\\]*)*\\?)?)?', re.S)
_JSON_WHITESPACE = b" \t\r\n"


def _scan_log(handle, chunk_size=LOG_STREAM_CHUNK):
    """Reads a log (a binary handle) in chunks, never whole: (run_ids, shape). run_ids: the distinct values of its
    "run_id" keys (None for one that is not a string or not a plausible run id); shape: "empty" (an empty JSON
    array), "array" (it starts with "[" and ends with "]") or "other". The scan stops at a second run id (shape None:
    not read to the end)."""
    run_ids = set()
    first = last = None
    solid = 0  # bytes that are not JSON whitespace
    carry = b""
    while True:
        chunk = handle.read(chunk_size)
        at_end = not chunk
        kept = chunk.translate(None, _JSON_WHITESPACE)
        if kept:
            solid += len(kept)
            first = kept[:1] if first is None else first
            last = kept[-1:]
        buf = carry + chunk
        carry = b""
        pos = 0
        while True:
            at = buf.find(_RUN_ID_KEY, pos)
            if at < 0:
                if not at_end:  # the start of a key may be cut at the chunk's end
                    carry = buf[max(pos, len(buf) - len(_RUN_ID_KEY) + 1):]
                break
            match = _RUN_ID_ENTRY.match(buf, at)
            if match is None:
                if not at_end and _RUN_ID_PARTIAL.fullmatch(buf, at):
                    carry = buf[at:]  # the entry goes on in the next chunk
                    if len(carry) > MAX_RUN_ID_BYTES + 64:
                        run_ids.add(None)
                        carry = b""
                    break
                pos = at + 1  # `"run_id"` as a value, not a key
                continue
            value = None
            if match.group(1) is not None and len(match.group(1)) <= MAX_RUN_ID_BYTES:
                try:
                    value = json.loads(b'"' + match.group(1) + b'"')
                except ValueError:
                    value = None
            run_ids.add(value)
            if len(run_ids) > 1:
                break
            pos = match.end()
        if len(run_ids) > 1:
            return run_ids, None
        if at_end:
            break
    shape = "other"
    if first == b"[" and last == b"]":
        shape = "empty" if solid == 2 else "array"
    return run_ids, shape


def _is_a_run_log_copy(handle, exists):
    """Whether the configured log (a binary handle, scanned in chunks by _scan_log, never read whole) is a copy of
    one run's log that still exists under its own name (then replacing it loses nothing): an empty JSON array, or
    an array whose "run_id" keys all hold the one run id R whose own log exists (exists(R)). Anything else (several
    runs' records, the original's accumulated log, a file that is not a JSON array) is not. Scanned, not parsed: a
    record without a "run_id" key among one run's records, and broken JSON between the first "[" and the last "]",
    go unnoticed (both were kept aside when the whole log was parsed); neither is a log this job writes."""
    run_ids, shape = _scan_log(handle)
    if shape == "other":
        return False
    if not run_ids:
        return shape == "empty"
    if len(run_ids) != 1:
        return False
    run_id = next(iter(run_ids))
    try:
        return bool(run_id) and bool(exists(str(run_id)))
    except ValueError:
        return False


def kept_log_name(name, run_id):
    """Where a configured log that was not a copy of a run log (one log accumulated over many runs, as the original
    wrote it, or a file that is not a log) is kept before run `run_id` replaces it: `<stem>.before-<run_id><ext>`."""
    return run_log_name(name, f"before-{run_id}")


def _fold_local(location, run_id, *, publish):
    path = os.path.abspath(location["path"])
    own = run_log_location({"path": path}, run_id)["path"]
    # Read whole only when it exists: an interrupted merge left it (rare); a corrupt one raises before any write.
    existing = _read_local_log(own)
    named = _local_task_logs({"path": path}, run_id)
    records, added, skipped = _write_private_with(own, lambda handle: _write_merged(named, handle, existing))
    kept = None
    if publish:
        try:
            previous = open(path, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            previous = None
        if previous is not None:
            with previous:
                copy = _is_a_run_log_copy(previous, lambda r: os.path.exists(run_log_name(path, r)))
            if not copy:
                kept = kept_log_name(path, run_id)
                _copy_private(path, kept)
        _copy_private(own, path)
    _remove_local_task_logs({"path": path}, run_id, [full for _, full in named])
    return {"log": path, "run_log": own, "records": records, "added": added, "runs": [run_id],
            "skipped_lines": skipped, "kept": kept}


def _download_log_object(client, ns, bucket, name, path, options):
    """Streams the object `name` into the file path (created 0600), never whole in memory: False when there is no
    such object. A body shorter than its Content-Length is retried."""

    def attempt():
        response = client.get_object(ns, bucket, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        written = 0
        with os.fdopen(fd, "wb") as out:
            for chunk in response.data.raw.stream(LOG_STREAM_CHUNK, decode_content=False):
                out.write(chunk)
                written += len(chunk)
        expected = (response.headers or {}).get("content-length")
        if expected is not None and written != int(expected):
            raise http.client.IncompleteRead(b"", int(expected) - written)

    try:
        call_with_retry(attempt, what=f"get_object {name}", **options)
    except oci.exceptions.ServiceError as err:
        if err.status != 404:
            raise
        return False
    return True


def _exists(client, ns, bucket, name, options):
    try:
        call_with_retry(lambda: client.head_object(ns, bucket, name), what=f"head_object {name}", **options)
    except oci.exceptions.ServiceError as err:
        if err.status != 404:
            raise
        return False
    return True


def _put_log_file(client, ns, bucket, name, path, options, content_type="application/json"):
    """Puts the file path as the object `name`, sent from the open file (rewound for every attempt)."""
    size = os.path.getsize(path)
    with open(path, "rb") as body:
        def attempt():
            body.seek(0)
            return client.put_object(ns, bucket, name, body if size else b"", content_length=size,
                                     content_type=content_type)

        call_with_retry(attempt, what=f"put_object {name}", **options)


def _fold_oci(location, run_id, client, retry_options, *, publish):
    ns, bucket, name = location["namespace"], location["bucket"], location["object"]
    options = dict(retry_options or {})
    own = run_log_name(name, run_id)
    prefix = f"{name}{RUNS_SUFFIX}/{_check_run_id(run_id)}/"
    objects = []
    kept = None
    # Everything goes through files in a private folder: the task logs, the run log and the previous configured log
    # are streamed down and up, never held in memory.
    with tempfile.TemporaryDirectory(prefix="lake2oci-log-") as work:
        own_copy = os.path.join(work, "run-log.json")
        existing = []
        if _download_log_object(client, ns, bucket, own, own_copy, options):
            existing = _read_local_log(own_copy, f"oci://{bucket}@{ns}/{own}")
        named = []
        for item in list_target(client, ns, bucket, prefix, retry_options=options):
            key = item["name"]
            if not key.endswith(".jsonl") or "/" in key[len(prefix):]:
                continue
            local = os.path.join(work, f"task-log-{len(objects):08d}.jsonl")
            objects.append(key)
            if _download_log_object(client, ns, bucket, key, local, options):
                named.append((key[len(prefix):], local))
        merged = os.path.join(work, "merged.json")
        fd = os.open(merged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            records, added, skipped = _write_merged(named, handle, existing)
        # The run's own log first, then the configured name (the latest run's log): a crash between the two leaves
        # the run's records in its own log. Only the lease holder writes them, so no condition is needed.
        _put_log_file(client, ns, bucket, own, merged, options)
        if publish:
            previous = os.path.join(work, "previous.json")
            if _download_log_object(client, ns, bucket, name, previous, options):
                with open(previous, "rb") as handle:
                    copy = _is_a_run_log_copy(
                        handle, lambda r: _exists(client, ns, bucket, run_log_name(name, r), options))
                if not copy:
                    kept = kept_log_name(name, run_id)
                    _put_log_file(client, ns, bucket, kept, previous, options)
                    kept = f"oci://{bucket}@{ns}/{kept}"
            _put_log_file(client, ns, bucket, name, merged, options)
    for key in objects:
        try:
            call_with_retry(lambda key=key: client.delete_object(ns, bucket, key), what=f"delete_object {key}",
                            **options)
        except oci.exceptions.ServiceError as err:
            if err.status != 404:
                raise
    return {"log": f"oci://{bucket}@{ns}/{name}", "run_log": f"oci://{bucket}@{ns}/{own}", "records": records,
            "added": added, "runs": [run_id], "skipped_lines": skipped, "kept": kept}


def merge_run_logs(location, run_id, *, client=None, retry_options=None):
    """Writes run `run_id`'s own log, `<stem>.<run_id><ext>` beside the configured name: one JSON array of the records
    its tasks wrote under `<log>.runs/<run_id>/` (and of that run log, when an interrupted merge left one), then
    replaces the configured name with the same content (the latest run's log), then removes those task logs. Only
    this run's folder is read or removed: another run's task logs are never touched, and no earlier run's log is
    rewritten. Streamed: one record per file within each task's logs (the last one written, at its last position),
    one task's keys held at a time (see _merge_group). LOCAL: atomic writes (temp file + os.replace), mode 0600;
    DATAFLOW: the task logs streamed to a private temp folder, the run's log object put from a file, then the
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
