"""The equality state (contract C2): what lake2oci knows about the objects it wrote that an object listing does not
say — for each object, the source version and source MD5 it was copied from. Kept beside the migration log, one per
target namespace + bucket + prefix, at the name the translated core's state_name gives (src/core/equality-state.ts):
a local file (0600, written atomically) beside a local log, an object (one put) beside a log object.

JSON lines: line 1 {"kind":"lake2oci-state","version":1,"namespace","bucket","prefix","runId"}; then one line per
object sorted by name (compare_names order): {"name","size","md5","sourceVersion","sourceMd5"}, md5 being the object's
md5 as OCI lists it after the copy ("<base64>-<n>" for multipart uploads).

The driver reads it in bulk before judging (read_equality_state); when it is missing while the target has objects in
scope, the caller prints missing_state_warning(...) and rebuild_equality_state HEADs the same-size candidates
(state_candidates) for their opc-meta-lake2oci-source-etag / -md5. targets_with_state applies the records to the
listing (the translated apply_state decides whether a record still describes the object), and write_equality_state
writes the state updated with the run's outcomes as the run finishes: each name's record decided on its own
(state_record_for), the lines streamed from records already sorted by name (write_equality_state_lines), so the
caller can produce them from Spark data without holding them all.
"""
import concurrent.futures
import functools
import json
import os
import sys
import tempfile

import oci

from lake2oci_core import (
    STATE_KIND, STATE_VERSION, apply_state, compare_names, normalize_target_prefix, state_name, target_name_for,
)

from .log import _write_private_with
from .oci_store import head_target
from .retry import call_with_retry

STATE_HEAD_CONCURRENCY = 16
_STATE_SOURCE_ETAG_META = "lake2oci-source-etag"
_STATE_SOURCE_MD5_META = "lake2oci-source-md5"


class StateError(Exception):
    """An equality state that cannot be used (not JSON lines, another kind or version, another target)."""


def _state_is_oci(location):
    return "object" in location


def equality_state_location(location, namespace, bucket, prefix):
    """Where the state of target namespace/bucket/prefix lives for a log `location` ({"path"} or
    {"namespace","bucket","object"}): {"path": P} or {"namespace","bucket","object"} (the log's bucket)."""
    if _state_is_oci(location):
        name = state_name(location["object"], namespace, bucket, prefix)
        return {"namespace": location["namespace"], "bucket": location["bucket"], "object": name}
    return {"path": state_name(location["path"], namespace, bucket, prefix)}


def describe_state_location(state_location):
    if _state_is_oci(state_location):
        return f"oci://{state_location['bucket']}@{state_location['namespace']}/{state_location['object']}"
    return state_location["path"]


def missing_state_warning(where):
    """The one warning line (C2) for a missing state while the target has objects in scope."""
    return (f"lake2oci: no equality state at {where}; rebuilding it from the objects' metadata "
            "(one HEAD request per same-size object)")


def check_state_header(line, where, namespace, bucket, prefix):
    """Line 1 of a state: StateError unless it is the header of the state of this target."""
    try:
        header = json.loads(line)
    except ValueError as error:
        raise StateError(f"{where} line 1 is not JSON: {error}") from None
    kind = STATE_KIND
    version = STATE_VERSION
    if not isinstance(header, dict) or header.get("kind") != kind or header.get("version") != version:
        raise StateError(f"{where} is not a lake2oci equality state (kind {kind}, version {version})")
    for field, want in (("namespace", namespace), ("bucket", bucket), ("prefix", prefix)):
        if header.get(field) != want:
            raise StateError(f"{where} is the state of {field} {header.get(field)!r}, not {want!r}")
    return header


def state_record_of(line):
    """The record of one state line (not blank), or the reason it is not one: (record, None) or (None, reason)."""
    try:
        record = json.loads(line)
    except ValueError as error:
        return None, f"is not JSON: {error}"
    if (not isinstance(record, dict) or not isinstance(record.get("name"), str)
            or not isinstance(record.get("size"), int) or not isinstance(record.get("md5"), str)):
        return None, "is not a state record"
    return {
        "name": record["name"],
        "size": record["size"],
        "md5": record["md5"],
        "sourceVersion": record.get("sourceVersion"),
        "sourceMd5": record.get("sourceMd5"),
    }, None


def parse_equality_state(text, where, namespace, bucket, prefix):
    """{name: record} from the state's text; StateError when it is not a state of this target."""
    lines = text.splitlines()
    if not lines:
        raise StateError(f"{where} is empty")
    check_state_header(lines[0], where, namespace, bucket, prefix)
    records = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        record, reason = state_record_of(line)
        if record is None:
            raise StateError(f"{where} line {number} {reason}")
        records[record["name"]] = record
    return records


def _state_client(ctx):
    return ctx.target


def read_equality_state(ctx, location, namespace, bucket, prefix):
    """The state of target namespace/bucket/prefix (prefix: the normalised target prefix) beside the log at
    `location`, as {object name: record}, or None when there is none. A state that cannot be used is reported on
    stderr (one line) and counts as missing (the caller rebuilds it)."""
    where_location = equality_state_location(location, namespace, bucket, prefix)
    where = describe_state_location(where_location)
    if _state_is_oci(where_location):
        options = dict(getattr(ctx, "retry_options", None) or {})
        client = _state_client(ctx)

        def fetch():
            return client.get_object(where_location["namespace"], where_location["bucket"], where_location["object"])

        try:
            response, _ = call_with_retry(fetch, what=f"get_object {where_location['object']}", **options)
        except oci.exceptions.ServiceError as error:
            if error.status == 404:
                return None
            raise
        text = response.data.content.decode("utf-8", errors="replace")
    else:
        try:
            with open(where_location["path"], encoding="utf-8") as handle:
                text = handle.read()
        except FileNotFoundError:
            return None
    try:
        return parse_equality_state(text, where, namespace, bucket, prefix)
    except StateError as error:
        print(f"lake2oci: ignoring the equality state: {error}", file=sys.stderr, flush=True)
        return None


def state_candidates(sources, targets, target_prefix):
    """The listed target objects worth a HEAD request when the state is missing: those a selected source file maps
    to with the same size (everything else is decided by size alone, or has no object). `sources` are SourceEntry
    dicts, `targets` TargetEntry dicts; target_prefix as configured (normalised here)."""
    prefix = normalize_target_prefix(target_prefix or "")
    sizes = {}
    for source in sources:
        if source.get("isDirectory"):
            continue
        sizes[target_name_for(prefix, source["name"])] = source.get("size")
    return [t for t in targets if t["name"] in sizes and sizes[t["name"]] == t.get("size")]


def rebuild_equality_state(ctx, candidates, concurrency=STATE_HEAD_CONCURRENCY):
    """{name: record} from one HEAD request per candidate (at most `concurrency` at once): the source version and MD5
    the job wrote on the object (opc-meta-lake2oci-source-etag / -md5), for objects that still list the md5 and size
    they were listed with and carry at least one of them. The caller prints missing_state_warning first."""
    candidates = list(candidates)
    options = dict(getattr(ctx, "retry_options", None) or {})

    def head(target):
        info = head_target(ctx.target, ctx.namespace, ctx.bucket, target["name"], options)
        if info is None:
            return None
        listed = target.get("md5") or ""
        if not listed or info.get("md5") != listed or (info.get("size") is not None and info["size"] != target["size"]):
            return None
        metadata = info.get("metadata") or {}
        version = metadata.get(_STATE_SOURCE_ETAG_META) or None
        source_md5 = metadata.get(_STATE_SOURCE_MD5_META) or None
        if version is None and source_md5 is None:
            return None
        return {"name": target["name"], "size": target["size"], "md5": listed, "sourceVersion": version,
                "sourceMd5": source_md5}

    records = {}
    if not candidates:
        return records
    workers = max(1, min(int(concurrency), len(candidates)))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lake2oci-state") as pool:
        for record in pool.map(head, candidates):
            if record is not None:
                records[record["name"]] = record
    return records


def targets_with_state(targets, state):
    """The target listing with each object's record applied (the translated apply_state decides whether it still
    describes the object); the listing as given when there is no state."""
    if not state:
        return list(targets)
    return [apply_state(t, state.get(t["name"])) for t in targets]


def prepare_equality_state(ctx, location, namespace, bucket, prefix, sources, targets, *, target_prefix=None,
                           warn=None):
    """Everything the driver does with the state before judging, in one call: read it; when it is missing and the
    target lists objects, print the warning line (`warn`, default stderr) and rebuild it from the same-size
    candidates' metadata. Returns (targets with the state applied, the state: {name: record}, to pass to
    write_equality_state as `previous` when the run ends). `prefix` is the normalised target prefix (the state's
    key); `target_prefix` the configured one (default `prefix`), for mapping source names."""
    targets = list(targets)
    state = read_equality_state(ctx, location, namespace, bucket, prefix)
    if state is None:
        state = {}
        if targets:
            where = describe_state_location(equality_state_location(location, namespace, bucket, prefix))
            line = missing_state_warning(where)
            if warn is None:
                print(line, file=sys.stderr, flush=True)
            else:
                warn(line)
            candidates = state_candidates(sources, targets, prefix if target_prefix is None else target_prefix)
            state = rebuild_equality_state(ctx, candidates)
    return targets_with_state(targets, state), state


def _record_value(record, key):
    value = record.get(key)
    return value if value not in ("", None) else None


def state_record_for(name, entry, own, old):
    """The state's record of one object name after a run, or None: `entry` the plan's (first) entry with that
    targetName, `own` that name's log records in log order, `old` its record in the previous state (or None).
    copied -> a new record from the copy (the object's md5 as OCI answered it, the source version and MD5 copied);
    skipped as equal on md5, version or content -> the listed object with the current source version and MD5 (the
    previous record's where the log gives none and it still applies); equal on size alone, kept, planned, not run ->
    the previous record while it still applies; failed or deleted -> None; not listed and not copied -> None."""
    own = own or ()
    if any(r.get("outcome") in ("failed", "deleted") for r in own):
        return None
    copied = [r for r in own if r.get("outcome") == "copied"]
    if copied:
        r = copied[-1]
        if r.get("target_md5") and r.get("targe_size") is not None:
            return {"name": name, "size": r["targe_size"], "md5": r["target_md5"],
                    "sourceVersion": _record_value(r, "source_version"),
                    "sourceMd5": _record_value(r, "source_md5")}
        return None
    listed_size = entry.get("targetSize")
    listed_md5 = entry.get("targetMd5") or ""
    if listed_size is None:
        return None
    applies = old is not None and old.get("size") == listed_size and listed_md5 and old.get("md5") == listed_md5
    equal = [r for r in own if r.get("outcome") == "skipped" and r.get("status") == "equal"
             and r.get("evidence") in ("md5", "version", "content")]
    if equal and listed_md5:
        r = equal[-1]
        version = _record_value(r, "source_version")
        source_md5 = _record_value(r, "source_md5")
        if applies:
            version = version or old.get("sourceVersion")
            source_md5 = source_md5 or old.get("sourceMd5")
        return {"name": name, "size": listed_size, "md5": listed_md5, "sourceVersion": version,
                "sourceMd5": source_md5}
    return dict(old) if applies else None


def updated_state_records(entries, records, previous):
    """The state's records after a run, sorted by name: every object the plan listed (entries' targetName with a
    targetSize) or this run copied, each decided by state_record_for from the first entry of its name, its log
    records and its previous record. Names no longer listed are dropped."""
    previous = previous or {}
    by_name = {}
    for record in records or []:
        name = record.get("targe_name")
        if name is not None:
            by_name.setdefault(name, []).append(record)
    seen = set()
    kept = []
    for entry in entries or []:
        name = entry.get("targetName")
        if name is None or name in seen:
            continue
        seen.add(name)
        # Objects this run copied that the plan did not list (new names) are in the entries too (targetName).
        record = state_record_for(name, entry, by_name.get(name, []), previous.get(name))
        if record is not None:
            kept.append(record)
    return sorted(kept, key=functools.cmp_to_key(lambda a, b: compare_names(a["name"], b["name"])))


def _state_header_line(namespace, bucket, prefix, run_id):
    header = {"kind": STATE_KIND, "version": STATE_VERSION, "namespace": namespace,
              "bucket": bucket, "prefix": prefix, "runId": run_id}
    return json.dumps(header, ensure_ascii=False, separators=(",", ":"))


def _state_record_line(r):
    return json.dumps({"name": r["name"], "size": r["size"], "md5": r["md5"],
                       "sourceVersion": r.get("sourceVersion"), "sourceMd5": r.get("sourceMd5")},
                      ensure_ascii=False, separators=(",", ":"))


def format_equality_state(namespace, bucket, prefix, run_id, records):
    """The state's text: the header line, then one line per record (in the order given)."""
    lines = [_state_header_line(namespace, bucket, prefix, run_id)]
    lines.extend(_state_record_line(r) for r in records)
    return "\n".join(lines) + "\n"


def _write_state_lines(handle, namespace, bucket, prefix, run_id, records_iter):
    """Writes the state's lines to a binary file, one record at a time; the number of records. Refuses (ValueError)
    records out of name order (compare_names) or a name twice: the state is sorted by name."""
    handle.write((_state_header_line(namespace, bucket, prefix, run_id) + "\n").encode("utf-8"))
    count = 0
    last = None
    for r in records_iter:
        name = r["name"]
        if last is not None and compare_names(last, name) >= 0:
            raise ValueError(f"equality state records out of name order: {name!r} after {last!r}")
        handle.write((_state_record_line(r) + "\n").encode("utf-8"))
        last = name
        count += 1
    return count


def write_equality_state_lines(ctx, location, namespace, bucket, prefix, run_id, records_iter):
    """Writes the state of target namespace/bucket/prefix beside the log at `location` from an iterator of records
    already sorted by name (compare_names), streamed: never the whole text in memory. Locally: a 0600 temp file
    beside it, fsync, rename; an object: written to a private temp file, then one put_object from that file (with
    its content_length). Records out of order raise ValueError and nothing is written. Returns {"where",
    "records"}."""
    state_location = equality_state_location(location, namespace, bucket, prefix)
    if _state_is_oci(state_location):
        options = dict(getattr(ctx, "retry_options", None) or {})
        client = _state_client(ctx)
        with tempfile.TemporaryFile(prefix=".lake2oci-state-", suffix=".jsonl") as handle:
            count = _write_state_lines(handle, namespace, bucket, prefix, run_id, records_iter)
            size = handle.seek(0, os.SEEK_END)

            def put():
                handle.seek(0)
                return client.put_object(state_location["namespace"], state_location["bucket"],
                                         state_location["object"], handle, content_length=size,
                                         content_type="application/x-ndjson")

            call_with_retry(put, what=f"put_object {state_location['object']}", **options)
    else:
        count = _write_private_with(
            state_location["path"],
            lambda handle: _write_state_lines(handle, namespace, bucket, prefix, run_id, records_iter), binary=True)
    return {"where": describe_state_location(state_location), "records": count}


def write_equality_state(ctx, location, namespace, bucket, prefix, run_id, entries, records, previous):
    """Writes the state of target namespace/bucket/prefix beside the log at `location`, updated with this run
    (updated_state_records: the plan's entries, the run's log records, the state read or rebuilt before the run),
    through write_equality_state_lines. Locally: temp file + rename, 0600; an object: one put. Returns {"where",
    "records"}."""
    kept = updated_state_records(entries, records, previous)
    return write_equality_state_lines(ctx, location, namespace, bucket, prefix, run_id, iter(kept))
