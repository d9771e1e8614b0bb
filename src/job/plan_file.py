# Plan files, the format of src/planner/plan-file.ts (JSON lines, UTF-8): line 1 the header {"kind":"lake2oci-plan",
# "version":1,"valid","entries","errors","summary","options","meta"} padded with spaces to a width reserved for the
# largest totals; then one plan entry per line; then one {"error": …} per plan error. The job writes its own plan in
# this format beside its run log, and applies one made earlier (`--plan PATH|oci://bucket@namespace/object`) without
# listing the source. A plan is written whole or not at all (temp file + rename; an object is put once, complete);
# a reader refuses a file whose counts do not match its header (truncated or altered).
import json
import os
import shutil
import tempfile

import oci

from .retry import call_with_retry

PLAN_KIND = "lake2oci-plan"
PLAN_VERSION = 1
_BIGGEST = 9007199254740991  # Number.MAX_SAFE_INTEGER: the widest total the header may need
# The summary's shape when none is known yet (src/core/plan-types.ts PlanSummary).
_SUMMARY_TEMPLATE = {
    "new": {"files": 0, "bytes": 0}, "update": {"files": 0, "bytes": 0}, "equal": {"files": 0, "bytes": 0},
    "targetOnly": {"files": 0, "bytes": 0}, "copy": {"files": 0, "bytes": 0}, "hash": {"files": 0, "bytes": 0},
    "delete": {"files": 0, "bytes": 0}, "failed": {"files": 0, "bytes": 0}, "errors": 0, "directories": 0,
    "excluded": 0, "outOfScope": 0,
}


class PlanFileError(Exception):
    """The plan file is not a whole, readable lake2oci plan: make the plan again."""


class PlanMismatch(Exception):
    """The plan was made for another source, target or options than this run's; the message names the field."""


def _json(value):
    """JSON as JavaScript's JSON.stringify writes it (no spaces, UTF-8 as is)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _widest(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return _BIGGEST
    if isinstance(value, dict):
        return {k: _widest(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_widest(v) for v in value]
    return value


def _header(valid, entries, errors, summary, options, meta):
    return {"kind": PLAN_KIND, "version": PLAN_VERSION, "valid": valid, "entries": entries, "errors": errors,
            "summary": summary, "options": options, "meta": meta}


def parse_plan_location(text):
    """{"path": P} for a local path, {"namespace", "bucket", "object"} for `oci://bucket@namespace/object`."""
    text = str(text or "")
    if text.startswith("oci://"):
        rest = text[len("oci://"):]
        head, _, name = rest.partition("/")
        bucket, at, namespace = head.partition("@")
        if not (bucket and at and namespace and name):
            raise PlanFileError(f"plan {text}: an object plan is oci://bucket@namespace/object")
        return {"namespace": namespace, "bucket": bucket, "object": name}
    if not text:
        raise PlanFileError("plan: no path given")
    return {"path": os.path.abspath(os.path.expanduser(text))}


def describe_plan_location(location):
    if "object" in location:
        return f"oci://{location['bucket']}@{location['namespace']}/{location['object']}"
    return location["path"]


def plan_location_for_log(run_log_location):
    """Where the job writes its plan: beside its run log, `<run log name without .json>.plan.jsonl`."""
    loc = dict(run_log_location)
    key = "object" if "object" in loc else "path"
    name = loc[key]
    if name.endswith(".json"):
        name = name[: -len(".json")]
    loc[key] = name + ".plan.jsonl"
    return loc


class PlanWriter:
    """Writes a plan as its entries and errors come: add_entry(), add_error(), then finish(summary), which writes the
    header and makes the plan appear whole (LOCAL: rename of the synced temp file; OCI: one put of it). close() without
    finish() leaves nothing behind. `summary_template` (a summary of the right shape, any numbers) sizes the header;
    by default the core's PlanSummary."""

    def __init__(self, location, options, meta, *, client=None, retry_options=None, summary_template=None):
        self.location = dict(location)
        self.options = options
        self.meta = dict(meta or {})
        self._client = client
        self._retry_options = dict(retry_options or {})
        template = summary_template if summary_template is not None else _SUMMARY_TEMPLATE
        self._width = len(_json(_header(False, _BIGGEST, _BIGGEST, _widest(template), options, self.meta))
                          .encode("utf-8"))
        if "object" in self.location:
            if client is None:
                raise ValueError("PlanWriter: an OCI plan location needs the OCI client")
            directory = None
        else:
            directory = os.path.dirname(self.location["path"]) or "."
            os.makedirs(directory, exist_ok=True)
        fd, self._temp = tempfile.mkstemp(prefix=".lake2oci-plan-", suffix=".partial", dir=directory)
        os.fchmod(fd, 0o600)
        self._file = os.fdopen(fd, "w+b")
        self._side = tempfile.TemporaryFile()
        self._file.write(b" " * self._width + b"\n")
        self.entries = 0
        self.errors = 0
        self._done = False

    def add_entry(self, entry):
        self._file.write((_json(entry) + "\n").encode("utf-8"))
        self.entries += 1

    def add_error(self, error):
        self._side.write((_json({"error": error}) + "\n").encode("utf-8"))
        self.errors += 1

    def finish(self, summary):
        self._side.seek(0)
        shutil.copyfileobj(self._side, self._file, 1 << 20)
        valid = int(summary.get("errors", self.errors) or 0) == 0 and self.errors == 0
        text = _json(_header(valid, self.entries, self.errors, summary, self.options, self.meta)).encode("utf-8")
        if len(text) > self._width:
            raise PlanFileError(f"plan: the header needs {len(text)} bytes, more than the {self._width} reserved")
        self._file.seek(0)
        self._file.write(text + b" " * (self._width - len(text)))
        self._file.flush()
        os.fsync(self._file.fileno())
        if "object" in self.location:
            self._put()
        else:
            self._file.close()
            os.replace(self._temp, self.location["path"])
        self._done = True
        self.close()
        return describe_plan_location(self.location)

    def _put(self):
        loc = self.location
        size = self._file.seek(0, os.SEEK_END)

        def attempt():
            self._file.seek(0)
            return self._client.put_object(loc["namespace"], loc["bucket"], loc["object"], self._file,
                                           content_length=size, content_type="application/x-ndjson")

        call_with_retry(attempt, what=f"put_object {loc['object']}", **self._retry_options)

    def close(self):
        for handle in (self._file, self._side):
            try:
                handle.close()
            except OSError:
                pass
        if os.path.exists(self._temp):
            os.remove(self._temp)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def write_plan(location, entries, errors, summary, options, meta, *, client=None, retry_options=None):
    """Writes a whole plan (entries and errors: iterables) at `location`; returns where it is."""
    with PlanWriter(location, options, meta, client=client, retry_options=retry_options,
                    summary_template=summary) as writer:
        for entry in entries:
            writer.add_entry(entry)
        for error in errors:
            writer.add_error(error)
        return writer.finish(summary)


class PlanFile:
    """An opened plan: `header` (checked), records() streams {"entry": …} then {"error": …} and raises PlanFileError
    when the file does not match its header. close() removes the local copy of an object plan."""

    def __init__(self, path, where, header, temp=None):
        self.path = path
        self.where = where
        self.header = header
        self._temp = temp

    def records(self):
        entries = errors = 0
        with open(self.path, encoding="utf-8") as handle:
            handle.readline()
            number = 1
            for raw in handle:
                number += 1
                if raw.endswith("\n"):
                    raw = raw[:-1]
                kind, value = plan_line_of(raw)
                if kind is None:
                    raise PlanFileError(f"plan {self.where}, line {number}: {value}")
                if kind == "error":
                    errors += 1
                    yield {"error": value}
                else:
                    if errors:
                        raise PlanFileError(f"plan {self.where}, line {number}: an entry after the errors")
                    entries += 1
                    yield {"entry": value}
        problem = plan_count_problem(self.where, self.header, entries, errors)
        if problem is not None:
            raise problem

    def entries(self):
        """The plan's entries (after reading the whole file: a truncated plan is refused before any is used)."""
        got = []
        plan_errors = []
        for record in self.records():
            if "entry" in record:
                got.append(record["entry"])
            else:
                plan_errors.append(record["error"])
        return got, plan_errors

    def close(self):
        if self._temp and os.path.exists(self._temp):
            os.remove(self._temp)
        self._temp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _download(location, client, retry_options):
    loc = location
    fd, temp = tempfile.mkstemp(prefix=".lake2oci-plan-", suffix=".jsonl")
    os.fchmod(fd, 0o600)

    def attempt():
        response = client.get_object(loc["namespace"], loc["bucket"], loc["object"])
        with open(temp, "wb") as out:
            for chunk in response.data.raw.stream(1 << 20, decode_content=False):
                out.write(chunk)

    try:
        os.close(fd)
        call_with_retry(attempt, what=f"get_object {loc['object']}", **dict(retry_options or {}))
    except oci.exceptions.ServiceError as err:
        os.remove(temp)
        if err.status == 404:
            raise PlanFileError(f"plan {describe_plan_location(loc)} does not exist") from None
        raise
    except BaseException:
        os.remove(temp)
        raise
    return temp


def plan_header_of(first, where):
    """The header of the plan at `where` from its first line (text); PlanFileError when it is not a plan header this
    lake2oci reads."""
    if not first.strip():
        raise PlanFileError(f"plan {where} is empty: make the plan again")
    try:
        header = json.loads(first)
    except ValueError as err:
        raise PlanFileError(f"plan {where}, line 1: not a plan line ({err})") from None
    if not isinstance(header, dict) or header.get("kind") != PLAN_KIND:
        kind = header.get("kind") if isinstance(header, dict) else None
        raise PlanFileError(f"plan {where}: the first line is not a lake2oci plan header (kind {_json(kind)})")
    if header.get("version") != PLAN_VERSION:
        raise PlanFileError(
            f"plan {where}: plan format version {_json(header.get('version'))} is not supported (this lake2oci "
            f"reads version {PLAN_VERSION}); make the plan again with this version")
    if (not isinstance(header.get("entries"), int) or not isinstance(header.get("errors"), int)
            or "summary" not in header):
        raise PlanFileError(f"plan {where}: the header lacks its totals (entries, errors, summary)")
    return header


def plan_line_of(raw):
    """One plan line after the header (text, without its newline): ("entry", entry), ("error", error) or
    (None, what is wrong with it)."""
    if not raw:
        return None, "empty line"
    try:
        value = json.loads(raw)
    except ValueError as err:
        return None, f"not a plan line ({err})"
    if not isinstance(value, dict):
        return None, "not a plan line (not a JSON object)"
    if "error" in value:
        return "error", value["error"]
    return "entry", value


def plan_count_problem(where, header, entries, errors):
    """The PlanFileError of a plan whose counts do not match its header, or None."""
    if entries != header["entries"] or errors != header["errors"]:
        return PlanFileError(
            f"plan {where} is truncated or altered: its header announces {header['entries']} entries "
            f"and {header['errors']} errors, the file holds {entries} and {errors}; make the plan again")
    return None


def read_plan(location, *, client=None, retry_options=None):
    """Opens a plan (a location from parse_plan_location): reads and checks its header. An object plan is streamed
    to a temporary file first (removed by close())."""
    where = describe_plan_location(location)
    temp = None
    if "object" in location:
        if client is None:
            raise ValueError("read_plan: an OCI plan location needs the OCI client")
        temp = _download(location, client, retry_options)
        path = temp
    else:
        path = location["path"]
    try:
        try:
            with open(path, encoding="utf-8") as handle:
                first = handle.readline()
        except OSError as err:
            raise PlanFileError(f"plan {where} cannot be read: {err.strerror}") from None
        except UnicodeDecodeError:
            raise PlanFileError(f"plan {where}: the first line is not a lake2oci plan header (not UTF-8)") from None
        header = plan_header_of(first, where)
    except BaseException:
        if temp:
            os.remove(temp)
        raise
    return PlanFile(path, where, header, temp)


def _field_values(plan_side, run_side, prefix):
    """(field, plan value, run value) of every field both sides name, in the run's order."""
    for key, value in run_side.items():
        if isinstance(plan_side, dict) and key in plan_side:
            yield f"{prefix}.{key}", plan_side[key], value


def check_plan(header, meta, options, where):
    """Raises PlanMismatch (one line naming the field) when the plan header's meta (source, target) or options differ
    from this run's, or PlanFileError when the plan is invalid (it has plan errors). `meta` and `options` are the
    run's, normalised as the plan's are expected to be (prefixes without leading/trailing slashes differences
    removed by the caller)."""
    plan_meta = header.get("meta") if isinstance(header.get("meta"), dict) else {}
    for side in ("source", "target"):
        theirs = plan_meta.get(side)
        if not isinstance(theirs, dict):
            raise PlanMismatch(f"plan {where} does not name its {side} (meta.{side}); make it again with this "
                               "lake2oci (`lake2oci plan`)")
        for field, planned, running in _field_values(theirs, meta.get(side) or {}, side):
            if planned != running:
                raise PlanMismatch(f"plan {where} was made for {field} {_json(planned)}, this run has "
                                   f"{_json(running)}; plan again, or run with the plan's settings")
    plan_options = header.get("options") if isinstance(header.get("options"), dict) else {}
    for field, planned, running in _field_values(plan_options, options, "options"):
        if planned != running:
            raise PlanMismatch(f"plan {where} was made for {field} {_json(planned)}, this run has {_json(running)}; "
                               "plan again, or run with the plan's settings")
    if not header.get("valid", False):
        raise PlanFileError(f"plan {where} is invalid ({header.get('errors')} plan errors): nothing can be applied; "
                            "fix them and plan again")
