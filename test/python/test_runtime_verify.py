"""Every check behind "verified", against the local cloud with the real SDKs and the real runtime
(src/job/copy.py), no fake clients: the OCI emulator corrupts a body in transit (`corrupt-body`) or
answers a wrong MD5 (`wrong-md5`, docs/emulators.md) on a whole-file copy (streamed, and small enough to be sent with
Content-MD5), on the parts of a multipart upload, and at its commit. A fault that happens once is detected, retried,
and the object ends byte-identical; a fault on every attempt ends the file `failed`, `verified` false, with an error
naming the mismatch, and leaves nothing behind (no object, no open multipart upload).
Needs the LAKE2OCI_* variables (test/python-sdk.test.ts)."""
import base64
import hashlib
import os
import re

import pytest

from runtime_loader import LocalCloud, load_runtime

rt = load_runtime("copy", "oci_store", "adls", "retry")
MIB = 1024 * 1024
# Three attempts, tiny delays: a fault on every attempt fails fast.
RETRY = {"max_attempts": 3, "base_delay": 0.001, "max_delay": 0.005}
CORRUPT = {"kind": "corrupt-body"}
WRONG_MD5 = {"kind": "wrong-md5"}


@pytest.fixture(scope="module")
def cloud():
    return LocalCloud()


@pytest.fixture(autouse=True)
def no_faults_left(cloud):
    cloud.clear_faults()
    yield
    cloud.clear_faults()


@pytest.fixture
def bucket(cloud):
    return cloud.new_bucket("verify")


@pytest.fixture
def fs(cloud):
    return cloud.new_file_system("verify")


def b64md5(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def multipart_md5(data, part_size):
    digests = [hashlib.md5(data[i:i + part_size]).digest() for i in range(0, len(data), part_size)]
    return f"{base64.b64encode(hashlib.md5(b''.join(digests)).digest()).decode()}-{len(digests)}"


def upload(fs, name, data):
    client = fs.get_file_client(name)
    client.create_file()
    step = 4 * MIB
    for offset in range(0, len(data), step):
        piece = data[offset:offset + step]
        client.append_data(piece, offset=offset, length=len(piece))
    client.flush_data(len(data))


def entry_for(fs, name):
    [found] = [e for e in rt.list_source(fs) if e["name"] == name]
    return {"source_name": name, "target_name": name, "source_size": found["size"], "source_etag": found["etag"],
            "status": "new", "action": "copy"}


def fault(cloud, bucket, operation, effect, **selection):
    """A fault on `operation` for this test's bucket only (once: times=1; every attempt: no selector)."""
    cloud.add_fault({"operation": operation, "path": f"/b/{bucket}/", "effect": effect, **selection})


def stored_md5(cloud, bucket, name):
    """MD5 of the object's bytes as a GET returns them."""
    return b64md5(cloud.oci.get_object(cloud.namespace, bucket, name).data.content)


def head(cloud, bucket, name):
    return rt.head_target(cloud.oci, cloud.namespace, bucket, name)


def open_uploads(cloud, bucket):
    return cloud.oci.list_multipart_uploads(cloud.namespace, bucket).data


def statuses(cloud, bucket, operation):
    return [r["status"] for r in cloud.requests(operation, bucket)]


def whole_context(cloud, bucket, fs):
    # 1 MiB chunks: the 3 MiB file streams through the hashing reader, the small one is sent with Content-MD5.
    return cloud.context(bucket, fs.file_system_name, chunk_size=1 * MIB, multipart_threshold=8 * MIB, retry=RETRY)


def parts_context(cloud, bucket, fs):
    return cloud.context(bucket, fs.file_system_name, multipart_threshold=4 * MIB, part_size=4 * MIB, retry=RETRY)


STREAMED = ("data/streamed.bin", 3 * MIB + 17)
SMALL = ("data/small.csv", 1000)
PART_SIZE = 4 * MIB
LARGE = ("data/large.bin", 3 * PART_SIZE + 5)  # four parts


# ---- whole files ----

@pytest.mark.parametrize("effect", [CORRUPT, WRONG_MD5], ids=["corrupt-body", "wrong-md5"])
def test_streamed_whole_copy_with_a_bad_md5_once_is_sent_again_and_ends_identical(cloud, bucket, fs, effect):
    name, size = STREAMED
    data = os.urandom(size)
    upload(fs, name, data)
    fault(cloud, bucket, "PutObject", effect, times=1)
    [record] = rt.copy_files(whole_context(cloud, bucket, fs), [entry_for(fs, name)])
    assert (record["outcome"], record["verified"], record["attempts"]) == ("copied", True, 2), record["error"]
    assert record["target_md5"] == b64md5(data)
    assert statuses(cloud, bucket, "PutObject") == [200, 200], "the first put was answered 200: the runtime caught it"
    assert stored_md5(cloud, bucket, name) == b64md5(data)


@pytest.mark.parametrize("effect", [CORRUPT, WRONG_MD5], ids=["corrupt-body", "wrong-md5"])
def test_streamed_whole_copy_with_a_bad_md5_every_time_fails_and_leaves_no_object(cloud, bucket, fs, effect):
    name, size = STREAMED
    data = os.urandom(size)
    upload(fs, name, data)
    fault(cloud, bucket, "PutObject", effect)
    record = rt.copy_entry(whole_context(cloud, bucket, fs), entry_for(fs, name))
    assert (record["outcome"], record["verified"], record["attempts"]) == ("failed", False, 3)
    assert record["error"].startswith(f"ChecksumMismatch: put_object {name}: OCI computed MD5 "), record["error"]
    assert record["error"].endswith(f", the bytes sent have {b64md5(data)}"), record["error"]
    assert statuses(cloud, bucket, "PutObject") == [200, 200, 200]
    assert head(cloud, bucket, name) is None, "the object that could not be verified was deleted"


def test_small_whole_copy_corrupted_once_is_refused_by_content_md5_and_sent_again(cloud, bucket, fs):
    name, size = SMALL
    data = os.urandom(size)
    upload(fs, name, data)
    fault(cloud, bucket, "PutObject", CORRUPT, times=1)
    [record] = rt.copy_files(whole_context(cloud, bucket, fs), [entry_for(fs, name)])
    assert (record["outcome"], record["verified"], record["attempts"]) == ("copied", True, 2), record["error"]
    assert statuses(cloud, bucket, "PutObject") == [400, 200]
    assert [r.get("errorCode") for r in cloud.requests("PutObject", bucket)] == ["UnmatchedContentMD5", None]
    assert stored_md5(cloud, bucket, name) == b64md5(data)


def test_small_whole_copy_answered_a_wrong_md5_once_is_sent_again(cloud, bucket, fs):
    name, size = SMALL
    data = os.urandom(size)
    upload(fs, name, data)
    fault(cloud, bucket, "PutObject", WRONG_MD5, times=1)
    [record] = rt.copy_files(whole_context(cloud, bucket, fs), [entry_for(fs, name)])
    assert (record["outcome"], record["verified"], record["attempts"]) == ("copied", True, 2), record["error"]
    assert record["target_md5"] == b64md5(data)
    assert statuses(cloud, bucket, "PutObject") == [200, 200]
    assert stored_md5(cloud, bucket, name) == b64md5(data)


def test_small_whole_copy_corrupted_every_time_fails_and_stores_nothing(cloud, bucket, fs):
    name, size = SMALL
    data = os.urandom(size)
    upload(fs, name, data)
    fault(cloud, bucket, "PutObject", CORRUPT)
    record = rt.copy_entry(whole_context(cloud, bucket, fs), entry_for(fs, name))
    assert (record["outcome"], record["verified"], record["attempts"]) == ("failed", False, 3)
    assert record["error"].startswith("OCI 400 UnmatchedContentMD5: The computed MD5 of the request body"), \
        record["error"]
    assert f"does not match the Content-MD5 header ({b64md5(data)})" in record["error"]
    assert head(cloud, bucket, name) is None


def test_small_whole_copy_answered_a_wrong_md5_every_time_fails_and_leaves_no_object(cloud, bucket, fs):
    name, size = SMALL
    data = os.urandom(size)
    upload(fs, name, data)
    fault(cloud, bucket, "PutObject", WRONG_MD5)
    record = rt.copy_entry(whole_context(cloud, bucket, fs), entry_for(fs, name))
    assert (record["outcome"], record["verified"], record["attempts"]) == ("failed", False, 3)
    assert record["error"].startswith(f"ChecksumMismatch: put_object {name}: OCI computed MD5 "), record["error"]
    assert record["error"].endswith(f", the bytes sent have {b64md5(data)}"), record["error"]
    assert head(cloud, bucket, name) is None, "the object that could not be verified was deleted"


def test_an_object_replaced_by_a_copy_that_never_verifies_is_not_left_with_unverified_bytes(cloud, bucket, fs):
    name, size = STREAMED
    data = os.urandom(size)
    upload(fs, name, data)
    cloud.oci.put_object(cloud.namespace, bucket, name, b"the old version")
    fault(cloud, bucket, "PutObject", CORRUPT)
    entry = dict(entry_for(fs, name), status="update")
    record = rt.copy_entry(whole_context(cloud, bucket, fs), entry)
    assert (record["outcome"], record["verified"]) == ("failed", False)
    assert head(cloud, bucket, name) is None


# ---- parts ----

@pytest.mark.parametrize("effect", [CORRUPT, WRONG_MD5], ids=["corrupt-body", "wrong-md5"])
def test_a_part_with_a_bad_md5_once_is_uploaded_again_alone(cloud, bucket, fs, effect):
    name, size = LARGE
    data = os.urandom(size)
    upload(fs, name, data)
    fault(cloud, bucket, "UploadPart", effect, nth=2)
    [record] = rt.copy_files(parts_context(cloud, bucket, fs), [entry_for(fs, name)])
    assert (record["outcome"], record["verified"], record["attempts"]) == ("copied", True, 2), record["error"]
    assert record["target_md5"] == multipart_md5(data, PART_SIZE)
    # The part was caught as it was answered: sent again alone, one upload, one commit.
    assert len(cloud.requests("UploadPart", bucket)) == 5
    assert len(cloud.requests("CreateMultipartUpload", bucket)) == 1
    assert statuses(cloud, bucket, "CommitMultipartUpload") == [200]
    assert stored_md5(cloud, bucket, name) == b64md5(data)
    assert open_uploads(cloud, bucket) == []


@pytest.mark.parametrize("effect", [CORRUPT, WRONG_MD5], ids=["corrupt-body", "wrong-md5"])
def test_parts_with_a_bad_md5_every_time_fail_the_file_and_the_upload_is_aborted(cloud, bucket, fs, effect):
    name, size = LARGE
    data = os.urandom(size)
    upload(fs, name, data)
    fault(cloud, bucket, "UploadPart", effect)
    ctx = parts_context(cloud, bucket, fs)
    with pytest.raises(rt.ChecksumMismatch, match=rf"^upload_part \d of {re.escape(name)}: OCI computed MD5 .*, the bytes sent"):
        rt.copy_multipart(ctx, entry_for(fs, name))
    assert open_uploads(cloud, bucket) == [], "the upload was aborted"
    cloud.clear_faults()
    fault(cloud, bucket, "UploadPart", effect)
    record = rt.copy_entry(ctx, entry_for(fs, name))
    assert (record["outcome"], record["verified"]) == ("failed", False)
    assert record["attempts"] >= 3
    assert f" of {name}: OCI computed MD5 " in record["error"] and "upload_part" in record["error"], record["error"]
    assert cloud.requests("CommitMultipartUpload", bucket) == [], "nothing was committed"
    assert open_uploads(cloud, bucket) == [], "the upload was aborted"
    assert head(cloud, bucket, name) is None


# ---- the commit ----

def test_a_commit_answered_a_wrong_multipart_md5_once_is_uploaded_again_and_ends_identical(cloud, bucket, fs):
    name, size = LARGE
    data = os.urandom(size)
    upload(fs, name, data)
    fault(cloud, bucket, "CommitMultipartUpload", WRONG_MD5, times=1)
    [record] = rt.copy_files(parts_context(cloud, bucket, fs), [entry_for(fs, name)])
    assert (record["outcome"], record["verified"], record["attempts"]) == ("copied", True, 2), record["error"]
    assert record["target_md5"] == multipart_md5(data, PART_SIZE)
    assert statuses(cloud, bucket, "CommitMultipartUpload") == [200, 200]
    assert len(cloud.requests("CreateMultipartUpload", bucket)) == 2, "the file was uploaded again"
    assert stored_md5(cloud, bucket, name) == b64md5(data)
    assert head(cloud, bucket, name)["md5"] == multipart_md5(data, PART_SIZE)
    assert open_uploads(cloud, bucket) == []


def test_a_commit_answered_a_wrong_multipart_md5_every_time_fails_and_leaves_nothing(cloud, bucket, fs):
    name, size = LARGE
    data = os.urandom(size)
    upload(fs, name, data)
    fault(cloud, bucket, "CommitMultipartUpload", WRONG_MD5)
    record = rt.copy_entry(parts_context(cloud, bucket, fs), entry_for(fs, name))
    assert (record["outcome"], record["verified"]) == ("failed", False)
    assert record["attempts"] == 3
    assert record["error"].startswith(f"ChecksumMismatch: commit_multipart_upload {name}: OCI reports "), \
        record["error"]
    assert record["error"].endswith(f", the parts sent give {multipart_md5(data, PART_SIZE)}"), record["error"]
    assert statuses(cloud, bucket, "CommitMultipartUpload") == [200, 200, 200]
    assert head(cloud, bucket, name) is None, "the committed object that could not be verified was deleted"
    assert open_uploads(cloud, bucket) == []


def upload_in_two_tasks(ctx, entry):
    """The job's path for a file split across Spark tasks: the driver starts the upload, two tasks upload their part
    ranges (in any order); returns the upload id and the parts the driver commits."""
    upload_id = rt.start_multipart(ctx, entry, PART_SIZE)
    parts = rt.upload_parts(ctx, dict(entry), upload_id, PART_SIZE, 3, 4) + \
        rt.upload_parts(ctx, dict(entry), upload_id, PART_SIZE, 1, 2)
    return upload_id, parts


def test_a_commit_of_parts_from_several_tasks_with_a_wrong_multipart_md5_deletes_the_object(cloud, bucket, fs):
    name, size = LARGE
    data = os.urandom(size)
    upload(fs, name, data)
    ctx = parts_context(cloud, bucket, fs)
    entry = entry_for(fs, name)
    upload_id, parts = upload_in_two_tasks(ctx, entry)
    fault(cloud, bucket, "CommitMultipartUpload", WRONG_MD5)
    with pytest.raises(rt.ChecksumMismatch, match=rf"^commit_multipart_upload {re.escape(name)}: OCI reports .*, "
                                                  rf"the parts sent give {re.escape(multipart_md5(data, PART_SIZE))}$"):
        rt.commit_multipart(ctx, entry, upload_id, parts)
    assert head(cloud, bucket, name) is None
    rt.abort_multipart(ctx, entry, upload_id)
    assert open_uploads(cloud, bucket) == []


def test_the_driver_copies_a_file_again_when_its_commit_answered_a_wrong_multipart_md5_once(cloud, bucket, fs):
    name, size = LARGE
    data = os.urandom(size)
    upload(fs, name, data)
    ctx = parts_context(cloud, bucket, fs)
    entry = entry_for(fs, name)
    upload_id, parts = upload_in_two_tasks(ctx, entry)
    fault(cloud, bucket, "CommitMultipartUpload", WRONG_MD5, times=1)
    tally = rt.AttemptTally()
    result = rt.commit_or_copy_again(ctx, entry, upload_id, parts, tally)
    assert (result["verified"], result["target_md5"], tally.attempts) == (True, multipart_md5(data, PART_SIZE), 2)
    assert statuses(cloud, bucket, "CommitMultipartUpload") == [200, 200]
    assert len(cloud.requests("CreateMultipartUpload", bucket)) == 2, "the file was uploaded again"
    assert stored_md5(cloud, bucket, name) == b64md5(data)
    assert open_uploads(cloud, bucket) == []


def test_the_driver_gives_up_after_max_attempts_commits_with_a_wrong_multipart_md5_and_leaves_nothing(
        cloud, bucket, fs):
    name, size = LARGE
    data = os.urandom(size)
    upload(fs, name, data)
    ctx = parts_context(cloud, bucket, fs)
    entry = entry_for(fs, name)
    upload_id, parts = upload_in_two_tasks(ctx, entry)
    fault(cloud, bucket, "CommitMultipartUpload", WRONG_MD5)
    with pytest.raises(rt.ChecksumMismatch, match=rf"^commit_multipart_upload {re.escape(name)}: OCI reports "):
        rt.commit_or_copy_again(ctx, entry, upload_id, parts)
    assert statuses(cloud, bucket, "CommitMultipartUpload") == [200, 200, 200], "max_attempts commits in all"
    assert head(cloud, bucket, name) is None
    assert open_uploads(cloud, bucket) == []
