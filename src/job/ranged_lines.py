# JSON-lines files and objects (the equality state kept beside the log, a plan given with --plan) read in byte
# ranges by Spark's executors, so that the driver never holds their lines (issue 11, deliverable 3). The driver
# learns the size (and an object's etag: every ranged GET is conditional on it, so an object replaced meanwhile is
# an error, never a mix of two versions), reads the first line (the header) itself, and gives each executor task one
# range of RANGE_BYTES. A line belongs to the range its first byte is in, as Hadoop's text input does: a range
# starting inside a line leaves that line to the range before it, and reads past its own end to finish its last
# line; so every line is read exactly once, whatever the split. Lines are split on b"\n" before decoding (no UTF-8
# sequence holds that byte).
import os

import oci

from .listing import executor_context
from .retry import call_with_retry

RANGE_BYTES = 16 << 20
# Read past a range's end this much at a time to finish its last line.
_TAIL_BYTES = 64 << 10
# The longest header line read.
_HEADER_BYTES = 16 << 20


class LinesChanged(Exception):
    """The object changed while its ranges were read (If-Match refused): read it again."""


class LinesFile:
    """A JSON-lines file ({"path"}) or object ({"namespace","bucket","object"}) of `size` bytes; `etag` for an
    object. Small and picklable: it travels to the executors."""

    def __init__(self, location, size, etag=None):
        self.location = dict(location)
        self.size = int(size)
        self.etag = etag

    @property
    def is_object(self):
        return "object" in self.location


def open_lines(location, client=None, retry_options=None):
    """The LinesFile at `location`, or None when there is none (a 404, a missing file)."""
    if "object" in location:
        loc = location
        try:
            response, _ = call_with_retry(lambda: client.head_object(loc["namespace"], loc["bucket"], loc["object"]),
                                          what=f"head_object {loc['object']}", **dict(retry_options or {}))
        except oci.exceptions.ServiceError as error:
            if error.status == 404:
                return None
            raise
        return LinesFile(location, int(response.headers.get("content-length") or 0), response.headers.get("etag"))
    try:
        return LinesFile(location, os.stat(location["path"]).st_size)
    except FileNotFoundError:
        return None


def fetch_bytes(lines, start, end, client=None, retry_options=None):
    """Bytes [start, end) of the file (end clamped to its size); b"" for an empty range."""
    end = min(end, lines.size)
    if start >= end:
        return b""
    if not lines.is_object:
        with open(lines.location["path"], "rb") as handle:
            handle.seek(start)
            return handle.read(end - start)
    loc = lines.location

    def get():
        kwargs = {"range": f"bytes={start}-{end - 1}"}
        if lines.etag:
            kwargs["if_match"] = lines.etag
        return client.get_object(loc["namespace"], loc["bucket"], loc["object"], **kwargs).data.content

    try:
        data, _ = call_with_retry(get, what=f"get_object {loc['object']} bytes {start}-{end - 1}",
                                  **dict(retry_options or {}))
    except oci.exceptions.ServiceError as error:
        if error.status in (404, 412):
            raise LinesChanged(f"oci://{loc['bucket']}@{loc['namespace']}/{loc['object']} changed while it was "
                               "read") from None
        raise
    if len(data) != end - start:
        raise LinesChanged(f"oci://{loc['bucket']}@{loc['namespace']}/{loc['object']}: {len(data)} bytes answered "
                           f"for bytes {start}-{end - 1}")
    return data


def first_line(lines, client=None, retry_options=None, limit=_HEADER_BYTES):
    """(line 1 without its newline, the offset of line 2). A first line longer than `limit` is returned cut."""
    data = b""
    while len(data) < min(limit, lines.size):
        more = fetch_bytes(lines, len(data), min(limit, len(data) + _TAIL_BYTES), client, retry_options)
        if not more:
            break
        data += more
        cut = data.find(b"\n")
        if cut != -1:
            return data[:cut], cut + 1
    return data, len(data)


def byte_ranges(first, size, range_bytes=RANGE_BYTES):
    """The ranges [start, end) covering bytes first..size, each at most range_bytes (at least one range)."""
    range_bytes = max(1, int(range_bytes))
    ranges = []
    start = first
    while start < size:
        ranges.append((start, min(size, start + range_bytes)))
        start += range_bytes
    return ranges or [(first, first)]


def lines_in_range(lines, start, end, client=None, retry_options=None, tail_bytes=_TAIL_BYTES):
    """(offset, line bytes without its newline) of every line whose first byte is in [start, end)."""
    if start >= end or start >= lines.size:
        return
    base = start - 1 if start > 0 else 0
    buf = fetch_bytes(lines, base, end, client, retry_options)
    if start > 0:
        cut = buf.find(b"\n")
        if cut == -1:
            return  # the range is inside a line that began before it
        pos = base + cut + 1
    else:
        pos = 0
    while pos < end and pos < lines.size:
        rel = pos - base
        cut = buf.find(b"\n", rel)
        while cut == -1 and base + len(buf) < lines.size:
            searched = len(buf)
            buf += fetch_bytes(lines, base + len(buf), base + len(buf) + tail_bytes, client, retry_options)
            cut = buf.find(b"\n", searched)
        if cut == -1:
            yield pos, buf[rel:]
            return
        yield pos, buf[rel:cut]
        pos = base + cut + 1


def line_number_at(lines, offset, client=None, retry_options=None):
    """The 1-based number of the line starting at `offset` (for messages: streams the bytes before it)."""
    count = 1
    start = 0
    while start < offset:
        chunk = fetch_bytes(lines, start, min(offset, start + RANGE_BYTES), client, retry_options)
        if not chunk:
            break
        count += chunk.count(b"\n")
        start += len(chunk)
    return count


def range_bytes_for(size, parallelism, most=RANGE_BYTES, least=_TAIL_BYTES):
    """The range size for a file of `size` bytes: at most `most`, and small enough to give every core of the
    cluster a range (but not below `least`)."""
    return max(least, min(most, -(-size // max(1, parallelism))))


def lines_rdd(sc, lines, first, params=None, range_bytes=None):
    """An RDD of (offset, line bytes) of every line from offset `first` on, one partition per range, in file order.
    `params`: the copy parameters the executors make their OCI client from (needed for an object); range_bytes
    default: range_bytes_for(the size, the default parallelism)."""
    if range_bytes is None:
        range_bytes = range_bytes_for(lines.size - first, sc.defaultParallelism)
    ranges = byte_ranges(first, lines.size, range_bytes)

    def read(index, items):
        client = retry_options = None
        if lines.is_object:
            ctx = executor_context(params)
            client, retry_options = ctx.target, ctx.retry_options
        for start, end in items:
            yield from lines_in_range(lines, start, end, client, retry_options)

    return sc.parallelize(ranges, len(ranges)).mapPartitionsWithIndex(read)
