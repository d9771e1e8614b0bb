"""Memory stays flat while copying (src/job/copy.py): a ~300 MiB file is copied, once as one streamed
put_object and once as a multipart upload with parallel parts, each in a fresh Python process whose peak RSS growth
during the copy (VmHWM reset before it, or resource.getrusage) must stay far below the file size. Needs the local
cloud (test/python-sdk.test.ts)."""
import base64
import hashlib
import json
import os
import subprocess
import sys

import pytest

from runtime_loader import LocalCloud, load_runtime

rt = load_runtime("copy")
MIB = 1024 * 1024
SIZE = 300 * MIB + 12345
# Far below the file size: a few chunks and part buffers in flight, plus the SDKs' own buffers.
MAX_GROWTH = 96 * MIB

COPY_SCRIPT = r"""
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from runtime_loader import LocalCloud, load_runtime
rt = load_runtime("copy")
args = json.loads(sys.argv[2])
cloud = LocalCloud()
ctx = cloud.context(args["bucket"], args["fs"], **args["copy"])

def status_kib(field):
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])

# Growth = the peak during the copy minus the resident size before it. The peak of the imports and client set-up is
# forgotten (clear_refs 5 resets VmHWM); where that is not possible, the lifetime peak is used (an overestimate).
before = status_kib("VmRSS")
try:
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")
    peak = lambda: status_kib("VmHWM")
except OSError:
    peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
records = rt.copy_files(ctx, args["entries"])
print(json.dumps({"growth": (peak() - before) * 1024, "records": records}))
"""


@pytest.fixture(scope="module")
def cloud():
    return LocalCloud()


@pytest.fixture(scope="module")
def source(cloud):
    """A ~300 MiB file, uploaded 4 MiB at a time; returns (file system name, entry, base64 MD5)."""
    fs = cloud.new_file_system("mem")
    client = fs.get_file_client("big/huge.parquet")
    client.create_file()
    md5 = hashlib.md5()
    offset = 0
    while offset < SIZE:
        piece = os.urandom(min(4 * MIB, SIZE - offset))
        md5.update(piece)
        client.append_data(piece, offset=offset, length=len(piece))
        offset += len(piece)
    client.flush_data(SIZE)
    etag = client.get_file_properties().etag
    entry = {"source_name": "big/huge.parquet", "target_name": "big/huge.parquet", "source_size": SIZE,
             "source_etag": etag, "status": "new", "action": "copy"}
    return fs.file_system_name, entry, base64.b64encode(md5.digest()).decode()


def copy_in_fresh_process(cloud, bucket, fs_name, entry, copy_options):
    args = json.dumps({"bucket": bucket, "fs": fs_name, "entries": [entry], "copy": copy_options})
    here = os.path.dirname(os.path.abspath(__file__))
    done = subprocess.run([sys.executable, "-c", COPY_SCRIPT, here, args], capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_streamed_put_object_of_300_mib_keeps_memory_flat(cloud, source):
    fs_name, entry, md5 = source
    bucket = cloud.new_bucket("mem")
    got = copy_in_fresh_process(cloud, bucket, fs_name, entry, {"multipart_threshold": 1024 * MIB})
    [record] = got["records"]
    assert (record["outcome"], record["verified"], record["target_md5"]) == ("copied", True, md5)
    assert len(cloud.requests("PutObject", bucket)) == 1
    assert got["growth"] < MAX_GROWTH, f"peak RSS grew by {got['growth'] / MIB:.0f} MiB copying {SIZE / MIB:.0f} MiB"


def test_multipart_copy_of_300_mib_with_parallel_parts_keeps_memory_flat(cloud, source):
    fs_name, entry, _ = source
    bucket = cloud.new_bucket("mem")
    got = copy_in_fresh_process(cloud, bucket, fs_name, entry, {"part_threads": 4})
    [record] = got["records"]
    assert (record["outcome"], record["verified"]) == ("copied", True)
    assert record["target_md5"].endswith("-38")  # 8 MiB parts
    assert len(cloud.requests("UploadPart", bucket)) == 38
    assert got["growth"] < MAX_GROWTH, f"peak RSS grew by {got['growth'] / MIB:.0f} MiB copying {SIZE / MIB:.0f} MiB"
