# The task side of the Spark job: copying files from the source store (sources.py) to OCI Object Storage, streamed and verified.
# - Whole copies (files below the multipart threshold): one put_object fed by a reader that pulls the next source chunk
#   as the HTTP layer asks for bytes, hashing them on the way; the MD5 OCI computed (opc-content-md5) must equal it.
#   A file of at most one chunk is read first and sent with Content-MD5, so OCI checks it too.
# - Multipart copies: parts uploaded in parallel, each streamed from its own source range and checked against its
#   opc-content-md5; the commit's opc-multipart-md5 must equal base64(md5(concatenated part MD5s))-<count>. A file
#   whose parts span several Spark tasks: the driver calls start_multipart, tasks call upload_parts on their part
#   ranges, the driver calls commit_multipart (or abort_multipart when a part failed for good).
# - Object metadata: lake2oci-source-md5 (the source's base64 MD5, when it is known before the upload: a file of one
#   chunk, or a source with Content-MD5; for any verified whole copy the object's own MD5 equals it anyway) and
#   lake2oci-source-etag (the source version copied).
# - Memory: at most one chunk per stream in flight: threads whole copies of chunk_size, part_threads parts of
#   part_chunk_size (a quarter of the part size, from chunk_size to 16 MiB: big parts are read in fewer, longer
#   requests, each of which costs the service a round trip and its own work).
# - The deadline (--max-minutes, ctx.deadline in epoch seconds): after it no new file and no new part starts; work in
#   flight finishes; a file not started is recorded `stopped`, and a multipart copy left incomplete is aborted and
#   recorded `stopped` too (DeadlineReached), so nothing is half-written and the next run copies them.
# - A file's failure is recorded (outcome failed) and the other files go on. Records are the migration log's
#   (make_record, log.py); `attempts` = 1 + every retry made for that file.
import base64
import concurrent.futures
import datetime
import hashlib
import random
import threading
import time

import oci

from .adls import DEFAULT_CHUNK_SIZE
from .log import make_record
from .oci_store import head_target, object_storage_namespace, oci_auth, oci_client
from .retry import (
    AttemptTally, ChecksumMismatch, TransientError, attempts_of, backoff_delay, call_with_retry, describe_error,
)
from .secrets import resolve_secret
from .sources import file_properties, open_source, source_range

# OCI's multipart limits and our defaults. Private names: the translated core (src/core/partition.ts) has public
# constants of the same meaning, and app.py is one namespace.
_MIB = 1024 * 1024
_MIN_PART_SIZE = 8 * _MIB
_MAX_PARTS = 10000
_MAX_PART_SIZE = 50 * 1024 * _MIB
_MAX_OBJECT_SIZE = 10 * 1024 * 1024 * _MIB
# Files of at least this size are uploaded in parts (the same rule as the core's partitioning).
_DEFAULT_MULTIPART_THRESHOLD = 128 * _MIB
DEFAULT_THREADS = 8
DEFAULT_PART_THREADS = 4
# The largest download request of a part (see part_chunk_size).
_MAX_PART_CHUNK_SIZE = 16 * _MIB
SOURCE_MD5_META = "lake2oci-source-md5"
SOURCE_ETAG_META = "lake2oci-source-etag"


class DeadlineReached(Exception):
    """The run reached its deadline (--max-minutes) before this work started or was complete: not a failure. `parts`
    are the parts uploaded before it (upload_parts), by part number."""

    def __init__(self, message, parts=()):
        super().__init__(message)
        self.parts = list(parts)


def deadline_words(ctx):
    """`the run reached --max-minutes N` (the limit in force, for the log and the summary)."""
    return f"the run reached --max-minutes {ctx.max_minutes}" if ctx.max_minutes else "the run reached its deadline"


def choose_part_size(size, min_part=_MIN_PART_SIZE):
    """The part size for a multipart upload of `size` bytes: min_part, or more (in whole MiB) so that the part count
    stays at most 10,000. Kept simple on purpose; the translated core may bring its own."""
    if size < 0 or size > _MAX_OBJECT_SIZE:
        raise ValueError(f"object size {size} is outside what OCI accepts (0 to {_MAX_OBJECT_SIZE} bytes, 10 TiB)")
    part = max(int(min_part), -(-size // _MAX_PARTS))
    return -(-part // _MIB) * _MIB


def part_count(size, part_size):
    """Parts of a multipart upload of `size` bytes (at least 1)."""
    return max(1, -(-size // part_size))


def part_range(size, part_size, part_num):
    """(offset, length) of part `part_num` (1-based)."""
    offset = (part_num - 1) * part_size
    return offset, max(0, min(part_size, size - offset))


def _b64(digest):
    return base64.b64encode(digest).decode("ascii")


def _field(entry, snake):
    """A field of a plan entry given in snake_case or camelCase (the translated core's dicts use camelCase)."""
    if snake in entry:
        return entry[snake]
    head, *rest = snake.split("_")
    return entry.get(head + "".join(word.capitalize() for word in rest))


def part_chunk_size(chunk_size, part_size):
    """The download request size for the parts of a multipart copy: a quarter of the part size, at least chunk_size
    and at most 16 MiB (chunk_size when the part size is not fixed)."""
    if not part_size:
        return chunk_size
    return max(chunk_size, min(_MAX_PART_CHUNK_SIZE, int(part_size) // 4))


class CopyContext:
    """What a task needs to copy: the source client (`source`: sources.py), the one parts are read with (`part_source`,
    default `source`; its download chunk may be larger), the OCI client (`target`), namespace, bucket and run options.
    SDK clients are not picklable: build one per Spark task with make_copy_context."""

    def __init__(self, source, target, namespace, bucket, *, threads=DEFAULT_THREADS,
                 part_threads=DEFAULT_PART_THREADS, part_size=None,
                 multipart_threshold=_DEFAULT_MULTIPART_THRESHOLD, chunk_size=None, dry_run=False,
                 check_source_etag=True, retry_options=None, run_id="", run_date=None, clock=None,
                 part_source=None, deadline=None, max_minutes=0, now=None):
        self.source = source
        self.part_source = part_source if part_source is not None else source
        self.target = target
        self.namespace = namespace
        self.bucket = bucket
        self.threads = max(1, int(threads))
        self.part_threads = max(1, int(part_threads))
        self.part_size = int(part_size) if part_size else None
        self.multipart_threshold = int(multipart_threshold)
        self.chunk_size = int(chunk_size or DEFAULT_CHUNK_SIZE)
        self.dry_run = bool(dry_run)
        self.check_source_etag = bool(check_source_etag)
        self.retry_options = dict(retry_options or {})
        self.run_id = run_id
        self.clock = clock or datetime.datetime.now
        self.run_date = run_date if run_date is not None else self.clock()
        # The run's deadline in epoch seconds (None: no limit) and the clock it is read on (time.time by default).
        self.deadline = float(deadline) if deadline else None
        self.max_minutes = int(max_minutes or 0)
        self.now = now or time.time

    def past_deadline(self):
        """True once the run's deadline has passed: no new file or part may start (never on a dry run)."""
        return self.deadline is not None and not self.dry_run and self.now() >= self.deadline


def make_copy_context(params, *, environ=None, secrets_client=None):
    """A CopyContext from plain, picklable parameters (what the driver ships to each task):
    {"source": run.source_params (adls: {"type", "account_name", "file_system", "endpoint"?, "auth": {"kind", ...}};
                s3, gcs, hdfs, local: their settings; sources.open_source opens them),
     "target": {"profile", "config_file"?, "config_profile"?, "endpoint"?, "region"?, "namespace"?, "bucket"},
     "copy": {"threads"?, "part_threads"?, "part_size"?, "multipart_threshold"?, "chunk_size"?, "dry_run"?,
              "check_source_etag"?, "deadline"? (epoch seconds), "max_minutes"?},
     "retry": {"max_attempts"?, "base_delay"?, "max_delay"?}, "run": {"run_id", "run_date"?}, "config_dir"?}
    source.auth holds secret references (env:/file:/vault:); they are resolved here, in the process that uses them."""
    source = dict(params.get("source") or {})
    target = dict(params.get("target") or {})
    options = dict(params.get("copy") or {})
    run = dict(params.get("run") or {})
    config_dir = params.get("config_dir")
    chunk_size = int(options.get("chunk_size") or DEFAULT_CHUNK_SIZE)
    auth_options = {k: target[k] for k in ("search_paths",) if k in target}

    def oci_signer_factory():
        return oci_auth(target.get("profile", "LOCAL"), target.get("config_file"), target.get("region"),
                        config_profile=target.get("config_profile"), **auth_options)

    def resolve(reference, field):
        return resolve_secret(reference, field, config_dir=config_dir, oci_signer_factory=oci_signer_factory,
                              environ=environ, secrets_client=secrets_client)

    threads = options.get("threads") or DEFAULT_THREADS
    part_threads = options.get("part_threads") or DEFAULT_PART_THREADS
    # One connection per thread that can be in a request at once (whole copies and parts run one after the other).
    pool_size = max(threads, part_threads)
    fs_client = open_source(source, resolve=resolve, chunk_size=chunk_size, pool_size=pool_size)
    part_chunk = part_chunk_size(chunk_size, options.get("part_size"))
    part_fs_client = fs_client
    if part_chunk != chunk_size:
        part_fs_client = open_source(source, resolve=resolve, chunk_size=part_chunk, pool_size=part_threads)
    client = oci_client(target.get("profile", "LOCAL"), target.get("config_file"), target.get("endpoint"),
                        target.get("region"), config_profile=target.get("config_profile"), pool_size=pool_size,
                        **auth_options)
    retry_options = {k: v for k, v in dict(params.get("retry") or {}).items() if v is not None}
    namespace = target.get("namespace") or object_storage_namespace(client, retry_options)
    if not target.get("bucket"):
        raise ValueError("target.bucket is required")
    return CopyContext(
        fs_client, client, namespace, target["bucket"],
        threads=threads,
        part_threads=part_threads,
        part_size=options.get("part_size"),
        multipart_threshold=options.get("multipart_threshold") or _DEFAULT_MULTIPART_THRESHOLD,
        chunk_size=chunk_size,
        dry_run=options.get("dry_run", False),
        check_source_etag=options.get("check_source_etag", True),
        retry_options=retry_options,
        run_id=run.get("run_id", ""),
        run_date=run.get("run_date"),
        part_source=part_fs_client,
        deadline=options.get("deadline"),
        max_minutes=options.get("max_minutes") or 0,
    )


class _HashingReader:
    """A file-like request body: read(n) hands out the next bytes of the source chunks, updating an MD5 with exactly
    the bytes handed out. It has no __iter__ (requests would then send it chunked) and no seek: a retry builds a new
    one. read() without a size returns the rest of the current chunk only, so memory stays at one chunk."""

    def __init__(self, chunks, size):
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")
        self._md5 = hashlib.md5()
        self.size = size
        self.bytes_read = 0

    def __len__(self):
        return self.size

    def read(self, n=-1):
        if len(self._pending) == 0:
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            self._pending = memoryview(chunk)
        if n is None or n < 0 or n >= len(self._pending):
            out = bytes(self._pending)
            self._pending = memoryview(b"")
        else:
            out = bytes(self._pending[:n])
            self._pending = self._pending[n:]
        self._md5.update(out)
        self.bytes_read += len(out)
        return out

    def md5_base64(self):
        return _b64(self._md5.digest())


def _check_known_md5(name, known, actual):
    if known and known != actual:
        raise ChecksumMismatch(f"source {name}: the bytes read have MD5 {actual}, the source declares {known}")


def _delete_quietly(ctx, name):
    try:
        call_with_retry(lambda: ctx.target.delete_object(ctx.namespace, ctx.bucket, name),
                        what=f"delete_object {name}", **ctx.retry_options)
    except Exception:  # noqa: BLE001 - best effort; the caller reports the original failure
        pass


def copy_whole(ctx, entry, tally=None):
    """Copies one file with a single put_object, streamed; zero-byte files included. Retries the whole copy on
    transient errors and checksum mismatches; an object left with a wrong MD5 after the last attempt is deleted.
    Returns {source_md5, target_md5, verified, bytes, target_size, source_etag}."""
    tally = tally if tally is not None else AttemptTally()
    name = _field(entry, "source_name")
    target = _field(entry, "target_name") or name
    size = int(_field(entry, "source_size") or 0)
    listed_md5 = _field(entry, "source_md5") or None
    # The version the plan saw (the plan entry's sourceVersion, the listed etag): read on it, record it as copied.
    listed_etag = _field(entry, "source_etag") or _field(entry, "source_version") or None
    state = {"bad_object": False}

    def attempt():
        source = source_range(ctx.source, name, 0, size, etag=listed_etag if ctx.check_source_etag else None,
                             retry_options=ctx.retry_options, tally=tally).open()
        known = listed_md5 or source.content_md5
        meta = {}
        etag = listed_etag or source.etag
        if etag:
            meta[SOURCE_ETAG_META] = str(etag)
        if size <= ctx.chunk_size:
            data = b"".join(source)
            if len(data) != size:
                raise TransientError(f"source {name}: read {len(data)} bytes, the listing said {size}")
            md5 = _b64(hashlib.md5(data).digest())
            _check_known_md5(name, known, md5)
            meta[SOURCE_MD5_META] = md5
            response = ctx.target.put_object(ctx.namespace, ctx.bucket, target, data, content_length=size,
                                             content_md5=md5, opc_meta=meta)
        else:
            if known:
                meta[SOURCE_MD5_META] = known
            reader = _HashingReader(source, size)
            response = ctx.target.put_object(ctx.namespace, ctx.bucket, target, reader, content_length=size,
                                             opc_meta=meta)
            md5 = reader.md5_base64()
            if reader.bytes_read != size:
                state["bad_object"] = True
                raise TransientError(f"source {name}: sent {reader.bytes_read} bytes, the listing said {size}")
            _check_known_md5(name, known, md5)
        returned = response.headers.get("opc-content-md5")
        if returned != md5:
            state["bad_object"] = True
            raise ChecksumMismatch(f"put_object {target}: OCI computed MD5 {returned}, the bytes sent have {md5}")
        state["bad_object"] = False
        return {"source_md5": md5, "target_md5": returned, "verified": True, "bytes": size, "target_size": size,
                "source_etag": etag}

    try:
        result, _ = call_with_retry(attempt, what=f"copy {name}", tally=tally, **ctx.retry_options)
    except Exception:
        if state["bad_object"]:
            _delete_quietly(ctx, target)
        raise
    return result


def start_multipart(ctx, entry, part_size, tally=None):
    """Creates the multipart upload of one file and returns its upload id. Fills entry's source_etag (and source_md5
    when the source knows it) when missing, so that every part, in any task, reads the same version of the file."""
    name = _field(entry, "source_name")
    target = _field(entry, "target_name") or name
    size = int(_field(entry, "source_size") or 0)
    if part_size > _MAX_PART_SIZE or part_count(size, part_size) > _MAX_PARTS:
        raise ValueError(f"{name}: part size {part_size} gives {part_count(size, part_size)} parts; OCI allows at "
                         f"most {_MAX_PARTS} parts of at most {_MAX_PART_SIZE} bytes (use choose_part_size)")
    if not _field(entry, "source_etag") and _field(entry, "source_version"):
        entry["source_etag"] = _field(entry, "source_version")  # the version the plan saw: every part reads it
    if not _field(entry, "source_etag") or not _field(entry, "source_md5"):
        props = file_properties(ctx.source, name, ctx.retry_options, tally)
        if props["size"] != size:
            raise ValueError(f"source {name} is {props['size']} bytes now, {size} when it was planned: plan again")
        if not _field(entry, "source_etag"):
            entry["source_etag"] = props["etag"]
        if not _field(entry, "source_md5") and props["md5"]:
            entry["source_md5"] = props["md5"]
    metadata = {f"opc-meta-{SOURCE_ETAG_META}": str(_field(entry, "source_etag"))}
    if _field(entry, "source_md5"):
        metadata[f"opc-meta-{SOURCE_MD5_META}"] = _field(entry, "source_md5")
    details = oci.object_storage.models.CreateMultipartUploadDetails(object=target, metadata=metadata)
    response, _ = call_with_retry(
        lambda: ctx.target.create_multipart_upload(ctx.namespace, ctx.bucket, details),
        what=f"create_multipart_upload {target}", tally=tally, **ctx.retry_options)
    return response.data.upload_id


def upload_parts(ctx, entry, upload_id, part_size, first_part, last_part, tally=None):
    """Uploads parts first_part..last_part (inclusive, 1-based) of one file, part_threads at a time, each streamed from
    its own source range and retried on its own. Returns [{part_num, etag, md5, attempts}] by part number. When a
    part fails for good, parts not yet started are skipped and the error is raised (the caller aborts the upload).
    After the run's deadline no part starts (parts in flight finish): DeadlineReached is raised with the parts
    uploaded when any part was left out."""
    tally = tally if tally is not None else AttemptTally()
    name = _field(entry, "source_name")
    target = _field(entry, "target_name") or name
    size = int(_field(entry, "source_size") or 0)
    etag = _field(entry, "source_etag") if ctx.check_source_etag else None
    total = part_count(size, part_size)
    if not 1 <= first_part <= last_part <= total:
        raise ValueError(f"{name}: parts {first_part}..{last_part} are outside 1..{total}")
    stop = threading.Event()
    left_out = []

    def one(part_num):
        if stop.is_set():
            return None
        if ctx.past_deadline():
            left_out.append(part_num)
            return None
        offset, length = part_range(size, part_size, part_num)

        def attempt():
            source = source_range(ctx.part_source, name, offset, length, etag=etag,
                                 retry_options=ctx.retry_options, tally=tally).open()
            reader = _HashingReader(source, length)
            response = ctx.target.upload_part(ctx.namespace, ctx.bucket, target, upload_id, part_num, reader,
                                              content_length=length)
            md5 = reader.md5_base64()
            if reader.bytes_read != length:
                raise TransientError(f"source {name}: part {part_num} sent {reader.bytes_read} of {length} bytes")
            returned = response.headers.get("opc-content-md5")
            if returned != md5:
                raise ChecksumMismatch(f"upload_part {part_num} of {target}: OCI computed MD5 {returned}, "
                                       f"the bytes sent have {md5}")
            return {"part_num": part_num, "etag": response.headers.get("etag"), "md5": md5}

        try:
            part, attempts = call_with_retry(attempt, what=f"upload_part {part_num} of {target}", tally=tally,
                                             **ctx.retry_options)
        except Exception:
            stop.set()
            raise
        part["attempts"] = attempts
        return part

    parts = []
    failure = None
    workers = min(ctx.part_threads, last_part - first_part + 1)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lake2oci-part") as pool:
        futures = [pool.submit(one, num) for num in range(first_part, last_part + 1)]
        for future in futures:
            try:
                part = future.result()
            except Exception as error:  # noqa: BLE001 - the first failure is raised below
                failure = failure or error
                continue
            if part is not None:
                parts.append(part)
    if failure is not None:
        raise failure
    parts.sort(key=lambda p: p["part_num"])
    if left_out:
        raise DeadlineReached(f"stopped with {len(parts)} of {last_part - first_part + 1} parts uploaded: "
                              f"{deadline_words(ctx)}", parts)
    return parts


def multipart_md5(part_md5s):
    """OCI's opc-multipart-md5 for parts with these base64 MD5s, in part order."""
    joined = b"".join(base64.b64decode(md5) for md5 in part_md5s)
    return f"{_b64(hashlib.md5(joined).digest())}-{len(part_md5s)}"


def commit_multipart(ctx, entry, upload_id, parts, tally=None):
    """Commits the upload with `parts` (any order; they must be 1..n) and checks the returned opc-multipart-md5. An
    object committed with a wrong MD5 is deleted and ChecksumMismatch raised.
    Returns {source_md5, target_md5, verified, bytes, target_size, parts}."""
    name = _field(entry, "source_name")
    target = _field(entry, "target_name") or name
    size = int(_field(entry, "source_size") or 0)
    ordered = sorted(parts, key=lambda p: p["part_num"])
    numbers = [p["part_num"] for p in ordered]
    if numbers != list(range(1, len(ordered) + 1)):
        missing = sorted(set(range(1, max(numbers or [0]) + 1)) - set(numbers))
        raise ValueError(f"{name}: cannot commit upload {upload_id}: parts must be 1..n without gaps "
                         f"(missing {missing[:10]}, got {len(numbers)} parts)")
    expected = multipart_md5([p["md5"] for p in ordered])
    details = oci.object_storage.models.CommitMultipartUploadDetails(parts_to_commit=[
        oci.object_storage.models.CommitMultipartUploadPartDetails(part_num=p["part_num"], etag=p["etag"])
        for p in ordered
    ])
    try:
        response, _ = call_with_retry(
            lambda: ctx.target.commit_multipart_upload(ctx.namespace, ctx.bucket, target, upload_id, details),
            what=f"commit_multipart_upload {target}", tally=tally, **ctx.retry_options)
        returned = response.headers.get("opc-multipart-md5")
    except oci.exceptions.ServiceError as error:
        # A retried commit whose first attempt went through (the answer was lost) finds no upload any more.
        if error.status != 404 or attempts_of(error) < 2:
            raise
        info = head_target(ctx.target, ctx.namespace, ctx.bucket, target, ctx.retry_options)
        if info is None or info["md5"] != expected:
            raise
        returned = info["md5"]
    if returned != expected:
        _delete_quietly(ctx, target)
        raise ChecksumMismatch(f"commit_multipart_upload {target}: OCI reports {returned}, the parts sent give "
                               f"{expected}")
    return {"source_md5": _field(entry, "source_md5") or None, "target_md5": returned, "verified": True,
            "bytes": size, "target_size": size, "parts": len(ordered)}


def abort_multipart(ctx, entry, upload_id):
    """Aborts the upload so no part stays behind; an upload already gone counts as aborted."""
    target = _field(entry, "target_name") or _field(entry, "source_name")
    try:
        call_with_retry(lambda: ctx.target.abort_multipart_upload(ctx.namespace, ctx.bucket, target, upload_id),
                        what=f"abort_multipart_upload {target}", **ctx.retry_options)
    except oci.exceptions.ServiceError as error:
        if error.status != 404:
            raise


def copy_multipart(ctx, entry, part_size=None, tally=None, commits_made=0):
    """Copies one file as a multipart upload handled by this task alone; aborts the upload when anything fails. A
    commit whose opc-multipart-md5 does not match (the object is deleted) is made again from a new upload, up to the
    retry options' max_attempts commits (commits_made: those already made for this file); every other failure was
    already retried where it happened."""
    tally = tally if tally is not None else AttemptTally()
    size = int(_field(entry, "source_size") or 0)
    part_size = int(part_size or ctx.part_size or choose_part_size(size))
    retry = ctx.retry_options
    attempt = commits_made
    while True:
        attempt += 1
        if ctx.past_deadline():
            raise DeadlineReached(f"stopped before its upload was made again: {deadline_words(ctx)}")
        upload_id = start_multipart(ctx, entry, part_size, tally)
        committing = False
        try:
            parts = upload_parts(ctx, entry, upload_id, part_size, 1, part_count(size, part_size), tally)
            committing = True
            return commit_multipart(ctx, entry, upload_id, parts, tally)
        except BaseException as error:
            try:
                abort_multipart(ctx, entry, upload_id)
            except Exception:  # noqa: BLE001 - the original failure is what the log must show
                pass
            last = attempt >= int(retry.get("max_attempts", 6))
            if last or not (committing and isinstance(error, ChecksumMismatch)):
                raise
        tally.add(1)
        time.sleep(backoff_delay(attempt, base_delay=retry.get("base_delay", 0.2),
                                 max_delay=retry.get("max_delay", 20), rng=random.random))


def commit_or_copy_again(ctx, entry, upload_id, parts, tally=None):
    """The driver's commit of a file whose parts several tasks uploaded: commit_multipart; when the commit's
    opc-multipart-md5 does not match (the object is deleted, the upload aborted), the file is copied again here as one
    multipart upload (copy_multipart), within the retry options' max_attempts commits in all."""
    tally = tally if tally is not None else AttemptTally()
    try:
        return commit_multipart(ctx, entry, upload_id, parts, tally)
    except ChecksumMismatch:
        try:
            abort_multipart(ctx, entry, upload_id)
        except Exception:  # noqa: BLE001 - the mismatch is what the log must show
            pass
        if int(ctx.retry_options.get("max_attempts", 6)) < 2:
            raise
    tally.add(1)
    return copy_multipart(ctx, entry, tally=tally, commits_made=1)


def _delete_target(ctx, entry, tally):
    target = _field(entry, "target_name")
    try:
        call_with_retry(lambda: ctx.target.delete_object(ctx.namespace, ctx.bucket, target),
                        what=f"delete_object {target}", tally=tally, **ctx.retry_options)
    except oci.exceptions.ServiceError as error:
        if error.status != 404:
            raise


def _is_multipart(ctx, size):
    """Files of at least the threshold go in parts (the core's partitioning uses the same rule); empty files never."""
    size = int(size or 0)
    return size > 0 and size >= ctx.multipart_threshold


def _copy_by_size(ctx, entry, size, tally):
    """One file's copy: in parts at or above the multipart threshold, else one streamed put."""
    if _is_multipart(ctx, size):
        return copy_multipart(ctx, entry, tally=tally)
    return copy_whole(ctx, entry, tally)


def _comparable_target_md5(ctx, entry, tally):
    """The target's MD5 comparable with the source's: its listed md5 when single-part, else the source MD5 it was
    copied from (opc-meta-lake2oci-source-md5, one HEAD request), or None."""
    listed = _field(entry, "target_md5") or ""
    if listed and "-" not in listed:
        return listed
    info = head_target(ctx.target, ctx.namespace, ctx.bucket, _field(entry, "target_name"), ctx.retry_options)
    if info is None:
        return None
    if listed and info["md5"] != listed:
        # The object changed since it was listed: its recorded source MD5 says nothing about what was planned.
        return None
    return (info.get("metadata") or {}).get(SOURCE_MD5_META) or None


def hash_source(ctx, entry, tally=None):
    """Reads the whole source file (on the planned version when known) and returns (md5_base64, version read), the
    file streamed chunk by chunk, never whole in memory."""
    tally = tally if tally is not None else AttemptTally()
    name = _field(entry, "source_name")
    size = int(_field(entry, "source_size") or 0)
    planned = _field(entry, "source_version") or _field(entry, "source_etag") or None

    def attempt():
        source = source_range(ctx.source, name, 0, size, etag=planned if ctx.check_source_etag else None,
                             retry_options=ctx.retry_options, tally=tally).open()
        digest = hashlib.md5()
        read = 0
        for chunk in source:
            digest.update(chunk)
            read += len(chunk)
        if read != size:
            raise TransientError(f"source {name}: read {read} bytes, the plan said {size}")
        return _b64(digest.digest()), (planned or source.etag)

    result, _ = call_with_retry(attempt, what=f"hash {name}", tally=tally, **ctx.retry_options)
    return result


def copy_entry(ctx, entry):
    """Carries out one plan entry (action copy, skip, delete, keep, hash or fail) and returns its migration-log
    record; never raises for a failure of that file (outcome failed, with the error).
    - hash: the source is read and hashed; equal to the target's comparable MD5 -> status equal, outcome skipped;
      otherwise it is copied with status update; evidence `content` either way.
    - fail: outcome failed with the entry's reason (a name that cannot become an object); no request.
    - a copy, hash or delete not started by the run's deadline: outcome stopped (`not started: the run reached
      --max-minutes N`), no request; a multipart copy the deadline cut short is aborted and stopped too."""
    action = _field(entry, "action") or "copy"
    size = _field(entry, "source_size")
    start = ctx.clock()
    started = time.monotonic()
    tally = AttemptTally()
    outcome = {"copy": "copied", "delete": "deleted", "fail": "failed"}.get(action, "skipped")
    status = _field(entry, "status")
    evidence = _field(entry, "evidence")
    result = {}
    error_text = _field(entry, "reason") if action == "fail" else None
    attempts = 0
    hashed_md5 = None
    version = _field(entry, "source_version") or None
    if action in ("copy", "delete", "hash") and ctx.dry_run:
        outcome = "planned"
    elif action in ("copy", "delete", "hash") and ctx.past_deadline():
        outcome = "stopped"
        error_text = f"not started: {deadline_words(ctx)}"
    elif action == "hash":
        evidence = "content"
        try:
            hashed_md5, read_version = hash_source(ctx, entry, tally)
            version = read_version or version
            if hashed_md5 == _comparable_target_md5(ctx, entry, tally):
                status = "equal"
                outcome = "skipped"
            else:
                status = "update"
                outcome = "copied"
                copying = dict(entry)
                copying["source_md5"] = hashed_md5
                if version:
                    copying["source_version"] = version
                result = _copy_by_size(ctx, copying, size, tally)
        except DeadlineReached as error:
            outcome = "stopped"
            error_text = str(error)
        except Exception as error:  # noqa: BLE001 - recorded; the other files go on
            status = "update"
            outcome = "failed"
            error_text = describe_error(error)
        attempts = tally.attempts
    elif action == "copy":
        try:
            result = _copy_by_size(ctx, entry, size, tally)
        except DeadlineReached as error:
            outcome = "stopped"
            error_text = str(error)
        except Exception as error:  # noqa: BLE001 - recorded; the other files go on
            outcome = "failed"
            error_text = describe_error(error)
        attempts = tally.attempts
    elif action == "delete":
        try:
            _delete_target(ctx, entry, tally)
        except Exception as error:  # noqa: BLE001 - recorded; the other files go on
            outcome = "failed"
            error_text = describe_error(error)
        attempts = tally.attempts
    end = ctx.clock()
    copied = outcome == "copied"
    if copied:
        version = result.get("source_etag") or _field(entry, "source_etag") or version
    return make_record(
        source_name=_field(entry, "source_name"),
        source_size=size,
        target_name=_field(entry, "target_name"),
        target_size=result.get("target_size") if copied else _field(entry, "target_size"),
        start=start,
        end=end,
        run_date=ctx.run_date,
        run_id=ctx.run_id,
        status=status,
        outcome=outcome,
        source_md5=result.get("source_md5") or hashed_md5 or _field(entry, "source_md5") or None,
        target_md5=result.get("target_md5") if copied else (_field(entry, "target_md5") or None),
        verified=bool(result.get("verified")) if copied else False,
        attempts=attempts,
        error=error_text,
        bytes_copied=result.get("bytes", 0) if copied else 0,
        elapsed_seconds=time.monotonic() - started,
        evidence=evidence,
        source_version=None if action in ("delete", "keep") else (str(version) if version else None),
    )


def copy_files(ctx, entries, threads=None, on_record=None):
    """Carries out plan entries and returns their records in the order of `entries`. Files below the multipart
    threshold go through a pool of `threads` (default ctx.threads); larger ones are copied one at a time in the
    calling thread meanwhile, each with part_threads parallel parts. on_record(record) is called as each file finishes
    (serialized: one call at a time), e.g. TaskLog.append. After the run's deadline (ctx.deadline) no file starts:
    each is recorded `stopped` without a request (copy_entry)."""
    entries = list(entries)
    records = [None] * len(entries)
    lock = threading.Lock()

    def run(index):
        record = copy_entry(ctx, entries[index])
        records[index] = record
        if on_record is not None:
            with lock:
                on_record(record)

    def is_large(entry):
        action = _field(entry, "action") or "copy"
        return action in ("copy", "hash") and not ctx.dry_run and _is_multipart(ctx, _field(entry, "source_size"))

    small = [i for i, e in enumerate(entries) if not is_large(e)]
    large = [i for i, e in enumerate(entries) if is_large(e)]
    workers = max(1, int(threads or ctx.threads))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lake2oci-copy") as pool:
        futures = [pool.submit(run, i) for i in small]
        for i in large:
            run(i)
        for future in futures:
            future.result()
    return records
