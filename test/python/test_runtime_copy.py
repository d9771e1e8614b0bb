"""The copy task (src/job/copy.py) against the local cloud: ADLS Gen2 (Azurite behind the DFS gateway)
to the OCI Object Storage emulator, with the real SDKs. Needs the LAKE2OCI_* variables (test/python-sdk.test.ts)."""
import base64
import hashlib
import os
import time

import oci
import pytest

from runtime_loader import LocalCloud, load_runtime

rt = load_runtime("copy", "oci_store", "adls", "retry", "log")
MIB = 1024 * 1024


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
    return cloud.new_bucket()


@pytest.fixture
def fs(cloud):
    return cloud.new_file_system()


def b64md5(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def upload(fs, name, data):
    client = fs.get_file_client(name)
    client.create_file()
    if data:
        step = 4 * MIB
        for offset in range(0, len(data), step):
            piece = data[offset:offset + step]
            client.append_data(piece, offset=offset, length=len(piece))
        client.flush_data(len(data))
    return client.get_file_properties().etag


def listed(fs):
    return {e["name"]: e for e in rt.list_source(fs) if not e["is_directory"]}


def plan(fs, names=None, target_prefix=""):
    entries = []
    for name, e in sorted(listed(fs).items()):
        if names is None or name in names:
            entries.append({"source_name": name, "target_name": target_prefix + name, "source_size": e["size"],
                            "source_etag": e["etag"], "status": "new", "action": "copy"})
    return entries


def object_bytes(cloud, bucket, name):
    return cloud.oci.get_object(cloud.namespace, bucket, name).data.content


def test_whole_copy_is_byte_identical_verified_and_carries_metadata(cloud, bucket, fs):
    big = os.urandom(3 * MIB + 17)  # several chunks: streamed through the hashing reader
    small = b"a,b\n1,2\n"  # one chunk: sent with Content-MD5
    upload(fs, "data/big.bin", big)
    upload(fs, "data/small.csv", small)
    ctx = cloud.context(bucket, fs.file_system_name, chunk_size=1 * MIB, multipart_threshold=8 * MIB)
    records = rt.copy_files(ctx, plan(fs))
    by_name = {r["source_name"]: r for r in records}
    for name, data in (("data/big.bin", big), ("data/small.csv", small)):
        record = by_name[name]
        assert (record["outcome"], record["verified"], record["attempts"], record["error"]) == ("copied", True, 1,
                                                                                                 None)
        assert record["source_md5"] == record["target_md5"] == b64md5(data)
        assert (record["source_size"], record["targe_size"]) == (len(data), len(data))
        assert object_bytes(cloud, bucket, name) == data
    source_etags = {name: e["etag"] for name, e in listed(fs).items()}
    small_meta = rt.head_target(cloud.oci, cloud.namespace, bucket, "data/small.csv")["metadata"]
    assert small_meta == {"lake2oci-source-md5": b64md5(small), "lake2oci-source-etag": source_etags["data/small.csv"]}
    big_meta = rt.head_target(cloud.oci, cloud.namespace, bucket, "data/big.bin")["metadata"]
    assert big_meta["lake2oci-source-etag"] == source_etags["data/big.bin"]
    # One PutObject per file: nothing was split or sent twice.
    assert len(cloud.requests("PutObject", bucket)) == 2


def test_zero_byte_files_are_copied(cloud, bucket, fs):
    upload(fs, "empty/_SUCCESS", b"")
    records = rt.copy_files(cloud.context(bucket, fs.file_system_name), plan(fs))
    assert [(r["source_name"], r["outcome"], r["targe_size"]) for r in records] == [("empty/_SUCCESS", "copied", 0)]
    info = rt.head_target(cloud.oci, cloud.namespace, bucket, "empty/_SUCCESS")
    assert (info["size"], info["md5"]) == (0, b64md5(b""))


NAMES = ["dir with space/file name.parquet", "ñandú/über café.txt", "pct/100%25 a%2Fb.csv", "plus/a+b=c&d.csv",
         "日本/データ.bin", "deep/a/b/c/d/e.json"]


def test_names_with_spaces_unicode_percent_and_plus(cloud, bucket, fs):
    for i, name in enumerate(NAMES):
        upload(fs, name, f"content {i}".encode())
    records = rt.copy_files(cloud.context(bucket, fs.file_system_name), plan(fs, target_prefix="landing/"))
    assert sorted(r["outcome"] for r in records) == ["copied"] * len(NAMES)
    got = {o["name"] for o in rt.list_target(cloud.oci, cloud.namespace, bucket)}
    assert got == {"landing/" + name for name in NAMES}
    for i, name in enumerate(NAMES):
        assert object_bytes(cloud, bucket, "landing/" + name) == f"content {i}".encode()


def arrivals(cloud, operation, bucket):
    import datetime

    return sorted(datetime.datetime.fromisoformat(r["time"].replace("Z", "+00:00")).timestamp()
                  for r in cloud.requests(operation, bucket))


def test_multipart_copy_uploads_parts_in_parallel_and_checks_the_multipart_md5(cloud, bucket, fs):
    data = os.urandom(40 * MIB)
    upload(fs, "big/file.parquet", data)
    # Every part is held 1 s in the emulator: one after the other, the 4th part could not arrive before 3 s.
    cloud.add_fault({"operation": "UploadPart", "path": f"/b/{bucket}/", "effect": {"kind": "latency", "ms": 1000}})
    ctx = cloud.context(bucket, fs.file_system_name, multipart_threshold=16 * MIB, part_size=8 * MIB,
                        part_threads=4)
    [record] = rt.copy_files(ctx, plan(fs))
    parts = [hashlib.md5(data[i:i + 8 * MIB]).digest() for i in range(0, len(data), 8 * MIB)]
    want = base64.b64encode(hashlib.md5(b"".join(parts)).digest()).decode() + "-5"
    assert (record["outcome"], record["verified"], record["target_md5"], record["attempts"]) == ("copied", True,
                                                                                                want, 1)
    times = arrivals(cloud, "UploadPart", bucket)
    assert len(times) == 5
    assert times[3] - times[0] < 1.0, f"parts 1-4 arrived over {times[3] - times[0]:.1f} s: not in parallel"
    assert hashlib.md5(object_bytes(cloud, bucket, "big/file.parquet")).digest() == hashlib.md5(data).digest()
    meta = rt.head_target(cloud.oci, cloud.namespace, bucket, "big/file.parquet")["metadata"]
    assert meta["lake2oci-source-etag"] == listed(fs)["big/file.parquet"]["etag"]
    uploads = cloud.oci.list_multipart_uploads(cloud.namespace, bucket).data
    assert uploads == []


def test_parts_split_across_tasks_are_committed_by_the_driver(cloud, bucket, fs):
    data = os.urandom(20 * MIB + 5)
    upload(fs, "split.bin", data)
    ctx = cloud.context(bucket, fs.file_system_name, part_threads=2)
    [entry] = plan(fs)
    part_size = 4 * MIB
    upload_id = rt.start_multipart(ctx, entry, part_size)
    # Two "tasks" upload their ranges (6 parts in all), in any order; the driver commits what they return.
    second = rt.upload_parts(ctx, dict(entry), upload_id, part_size, 4, 6)
    first = rt.upload_parts(ctx, dict(entry), upload_id, part_size, 1, 3)
    result = rt.commit_multipart(ctx, entry, upload_id, second + first)
    assert result["verified"] is True and result["parts"] == 6
    assert object_bytes(cloud, bucket, "split.bin") == data
    with pytest.raises(ValueError, match="missing"):
        rt.commit_multipart(ctx, entry, "whatever", first + second[1:])


def test_throttling_and_server_errors_are_retried_and_counted(cloud, bucket, fs):
    upload(fs, "retry/a.csv", b"x" * 1000)
    cloud.add_fault({"operation": "PutObject", "path": f"/b/{bucket}/", "times": 2,
                     "effect": {"kind": "status", "status": 503}})
    cloud.add_fault({"operation": "PutObject", "path": f"/b/{bucket}/", "nth": 3,
                     "effect": {"kind": "status", "status": 429, "retryAfterSeconds": 1}})
    started = time.monotonic()
    [record] = rt.copy_files(cloud.context(bucket, fs.file_system_name), plan(fs))
    assert (record["outcome"], record["attempts"], record["verified"]) == ("copied", 4, True)
    assert time.monotonic() - started >= 1.0, "Retry-After: 1 was not honored"
    assert [r["status"] for r in cloud.requests("PutObject", bucket)] == [503, 503, 429, 200]


def test_a_dropped_connection_is_retried(cloud, bucket, fs):
    data = os.urandom(2 * MIB)
    upload(fs, "drop.bin", data)
    cloud.add_fault({"operation": "PutObject", "path": f"/b/{bucket}/", "nth": 1,
                     "effect": {"kind": "drop", "during": "request", "afterBytes": 100_000}})
    [record] = rt.copy_files(cloud.context(bucket, fs.file_system_name, chunk_size=1 * MIB), plan(fs))
    assert (record["outcome"], record["attempts"]) == ("copied", 2)
    assert object_bytes(cloud, bucket, "drop.bin") == data


def test_a_part_failing_once_is_retried_alone(cloud, bucket, fs):
    data = os.urandom(12 * MIB)
    upload(fs, "p.bin", data)
    cloud.add_fault({"operation": "UploadPart", "path": f"/b/{bucket}/", "nth": 2,
                     "effect": {"kind": "status", "status": 500}})
    ctx = cloud.context(bucket, fs.file_system_name, multipart_threshold=4 * MIB, part_size=4 * MIB)
    [record] = rt.copy_files(ctx, plan(fs))
    assert (record["outcome"], record["attempts"]) == ("copied", 2)
    assert len(cloud.requests("UploadPart", bucket)) == 4
    assert object_bytes(cloud, bucket, "p.bin") == data


def test_a_multipart_upload_failing_for_good_is_aborted_and_the_others_go_on(cloud, bucket, fs):
    upload(fs, "bad/large.bin", os.urandom(10 * MIB))
    upload(fs, "good/small.csv", b"fine")
    cloud.add_fault({"operation": "UploadPart", "path": f"/b/{bucket}/", "effect": {"kind": "status", "status": 500}})
    ctx = cloud.context(bucket, fs.file_system_name, multipart_threshold=4 * MIB, part_size=4 * MIB,
                        retry={"max_attempts": 3, "base_delay": 0.01, "max_delay": 0.02})
    records = {r["source_name"]: r for r in rt.copy_files(ctx, plan(fs))}
    bad = records["bad/large.bin"]
    assert bad["outcome"] == "failed" and bad["verified"] is False
    assert bad["error"].startswith("OCI 500 InternalServerError")
    assert bad["attempts"] >= 3
    assert records["good/small.csv"]["outcome"] == "copied"
    assert cloud.oci.list_multipart_uploads(cloud.namespace, bucket).data == []
    assert len(cloud.requests("AbortMultipartUpload", bucket)) == 1
    assert rt.head_target(cloud.oci, cloud.namespace, bucket, "bad/large.bin") is None


def test_a_source_that_changed_since_listing_fails_without_retries(cloud, bucket, fs):
    upload(fs, "changing.csv", b"version 1")
    [entry] = plan(fs)
    upload(fs, "changing.csv", b"version 2, longer")
    records = rt.copy_files(cloud.context(bucket, fs.file_system_name), [entry])
    assert records[0]["outcome"] == "failed"
    assert "source changing.csv changed since it was planned (version " in records[0]["error"], records[0]["error"]
    assert records[0]["error"].endswith("is gone); plan again"), records[0]["error"]
    assert records[0]["attempts"] == 1
    assert rt.head_target(cloud.oci, cloud.namespace, bucket, "changing.csv") is None


def test_a_source_deleted_since_listing_fails_in_those_words(cloud, bucket, fs):
    upload(fs, "going.csv", b"here for now")
    [entry] = plan(fs)
    fs.get_file_client("going.csv").delete_file()
    records = rt.copy_files(cloud.context(bucket, fs.file_system_name), [entry])
    assert (records[0]["outcome"], records[0]["error"]) == ("failed", "source going.csv was deleted since it was planned")
    assert rt.head_target(cloud.oci, cloud.namespace, bucket, "going.csv") is None


def test_dry_run_writes_nothing(cloud, bucket, fs):
    upload(fs, "a.csv", b"abc")
    records = rt.copy_files(cloud.context(bucket, fs.file_system_name, dry_run=True), plan(fs))
    assert [r["outcome"] for r in records] == ["planned"]
    assert cloud.requests("PutObject", bucket) == []
    assert list(rt.list_target(cloud.oci, cloud.namespace, bucket)) == []


def test_listing_pages_through_everything(cloud, bucket, fs):
    for i in range(7):
        upload(fs, f"l/{i}.txt", b"")
    got = list(rt.list_source(fs, "l", max_results=2))
    assert sorted(e["name"] for e in got) == sorted([f"l/{i}.txt" for i in range(7)])
    assert all(e["size"] == 0 and e["etag"] and not e["is_directory"] for e in got)


def test_secrets_never_reach_the_output(cloud, bucket, fs, capsys):
    upload(fs, "s.csv", b"x")
    cloud.add_fault({"operation": "PutObject", "path": f"/b/{bucket}/", "effect": {"kind": "status", "status": 401}})
    records = rt.copy_files(cloud.context(bucket, fs.file_system_name), plan(fs))
    print(rt.summary_table(records))
    out = capsys.readouterr()
    key = os.environ["LAKE2OCI_ADLS_KEY"]
    assert records[0]["outcome"] == "failed"
    assert key not in out.out + out.err
    assert key not in repr(records)


def test_wrong_oci_key_fails_once_with_401(cloud, bucket, fs):
    client = rt.oci_client("LOCAL", os.environ["LAKE2OCI_OCI_WRONG_CONFIG"], cloud.endpoint,
                           config_profile="DEFAULT")
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        rt.object_storage_namespace(client)
    assert caught.value.status == 401 and rt.attempts_of(caught.value) == 1


def test_a_commit_whose_answer_was_lost_is_recognized(cloud, bucket, fs):
    data = os.urandom(9 * MIB)
    upload(fs, "lost.bin", data)
    # The first commit goes through, but the connection drops before the client reads the answer; the retry finds no
    # upload any more (404) and the object, with the expected multipart MD5, proves the commit happened.
    cloud.add_fault({"operation": "CommitMultipartUpload", "path": f"/b/{bucket}/", "nth": 1,
                     "effect": {"kind": "drop", "during": "response", "afterBytes": 0}})
    ctx = cloud.context(bucket, fs.file_system_name, multipart_threshold=4 * MIB, part_size=4 * MIB)
    [record] = rt.copy_files(ctx, plan(fs))
    assert (record["outcome"], record["verified"], record["attempts"]) == ("copied", True, 2), record["error"]
    assert [r["status"] for r in cloud.requests("CommitMultipartUpload", bucket)][-1] == 404
    assert object_bytes(cloud, bucket, "lost.bin") == data


def test_sas_auth_reads_the_source(cloud, bucket, fs):
    import datetime

    from azure.storage.filedatalake import FileSystemSasPermissions, generate_file_system_sas

    upload(fs, "sas/a.csv", b"via sas")
    token = generate_file_system_sas(cloud.account, fs.file_system_name, os.environ["LAKE2OCI_ADLS_KEY"],
                                     permission=FileSystemSasPermissions(read=True, list=True),
                                     expiry=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    os.environ["LAKE2OCI_TEST_SAS"] = token
    try:
        ctx = rt.make_copy_context({
            "source": {"account_name": cloud.account, "file_system": fs.file_system_name, "endpoint": cloud.adls_url,
                       "auth": {"kind": "sas", "sas_token": "env:LAKE2OCI_TEST_SAS"}},
            "target": {"profile": "LOCAL", "config_file": cloud.config_file, "config_profile": cloud.profile,
                       "endpoint": cloud.endpoint, "bucket": bucket},
        })
        assert ctx.namespace == cloud.namespace
        records = rt.copy_files(ctx, plan(fs))
    finally:
        del os.environ["LAKE2OCI_TEST_SAS"]
    assert [(r["source_name"], r["outcome"]) for r in records] == [("sas/a.csv", "copied")]
    assert object_bytes(cloud, bucket, "sas/a.csv") == b"via sas"


@pytest.mark.parametrize("chunk,part,want", [
    (4 * MIB, None, 4 * MIB),          # part size not fixed: the download chunk
    (4 * MIB, 8 * MIB, 4 * MIB),       # default 8 MiB parts: still 4 MiB reads
    (4 * MIB, 32 * MIB, 8 * MIB),      # a quarter of the part
    (4 * MIB, 64 * MIB, 16 * MIB),
    (4 * MIB, 512 * MIB, 16 * MIB),    # at most 16 MiB
    (32 * MIB, 64 * MIB, 32 * MIB),    # never below the download chunk
])
def test_part_chunk_size(chunk, part, want):
    assert rt.part_chunk_size(chunk, part) == want
