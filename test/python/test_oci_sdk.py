"""Conformance of the OCI Object Storage emulator with the Python SDK (oci).

Needs LAKE2OCI_OCI_ENDPOINT, LAKE2OCI_OCI_CONFIG, LAKE2OCI_OCI_WRONG_CONFIG, LAKE2OCI_OCI_PROFILE and
LAKE2OCI_OCI_NAMESPACE, as the local cloud's launcher exports them. Every test uses its own bucket, so the file can
share one emulator with other test files.
"""
import base64
import hashlib
import io
import json
import os
import urllib.request
import uuid

import oci
import pytest

MiB = 1024 * 1024


def _env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f"{name} is not set: run this file through the local cloud's test harness, or start the OCI emulator "
            "(src/emulators/oci) and export LAKE2OCI_OCI_ENDPOINT, LAKE2OCI_OCI_CONFIG, LAKE2OCI_OCI_WRONG_CONFIG, "
            "LAKE2OCI_OCI_PROFILE and LAKE2OCI_OCI_NAMESPACE"
        )
    return value


@pytest.fixture(scope="module")
def settings():
    return {
        "endpoint": _env("LAKE2OCI_OCI_ENDPOINT"),
        "config": _env("LAKE2OCI_OCI_CONFIG"),
        "wrong_config": _env("LAKE2OCI_OCI_WRONG_CONFIG"),
        "profile": _env("LAKE2OCI_OCI_PROFILE"),
        "namespace": _env("LAKE2OCI_OCI_NAMESPACE"),
    }


@pytest.fixture(scope="module")
def config(settings):
    cfg = oci.config.from_file(settings["config"], settings["profile"])
    oci.config.validate_config(cfg)
    return cfg


@pytest.fixture(scope="module")
def client(settings, config):
    return oci.object_storage.ObjectStorageClient(
        config, service_endpoint=settings["endpoint"], retry_strategy=oci.retry.NoneRetryStrategy()
    )


@pytest.fixture
def bucket(client, settings, config):
    name = f"py-{uuid.uuid4().hex[:20]}"
    client.create_bucket(
        settings["namespace"],
        oci.object_storage.models.CreateBucketDetails(name=name, compartment_id=config["tenancy"]),
    )
    yield name
    ns = settings["namespace"]
    for upload in client.list_multipart_uploads(ns, name).data:
        client.abort_multipart_upload(ns, name, upload.object, upload.upload_id)
    start = None
    while True:
        page = client.list_objects(ns, name, start=start).data
        for o in page.objects:
            client.delete_object(ns, name, o.name)
        start = page.next_start_with
        if not start:
            break
    client.delete_bucket(ns, name)


def _md5(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def _multipart_md5(parts):
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).digest()
    return f"{base64.b64encode(digest).decode()}-{len(parts)}"


def _control(settings, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        settings["endpoint"] + path, data=data, method=method, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(req) as res:
        text = res.read().decode()
        return json.loads(text) if text else None


def test_namespace(client, settings):
    assert client.get_namespace().data == settings["namespace"]


def test_put_get_head_list_delete(client, settings, bucket):
    ns = settings["namespace"]
    data = b"hello from python\n" * 100
    put = client.put_object(ns, bucket, "greeting.txt", data, content_type="text/plain", opc_meta={"origin": "pytest"})
    assert put.status == 200
    assert put.headers["opc-content-md5"] == _md5(data)

    got = client.get_object(ns, bucket, "greeting.txt")
    assert got.data.content == data
    assert got.headers["content-md5"] == _md5(data)
    assert got.headers["content-type"] == "text/plain"
    assert got.headers["opc-meta-origin"] == "pytest"
    assert got.headers["etag"] == put.headers["etag"]

    head = client.head_object(ns, bucket, "greeting.txt")
    assert int(head.headers["content-length"]) == len(data)
    assert head.headers["opc-meta-origin"] == "pytest"

    listed = client.list_objects(ns, bucket, fields="name,size,md5,etag,timeCreated").data
    assert [(o.name, o.size, o.md5, o.etag) for o in listed.objects] == [
        ("greeting.txt", len(data), _md5(data), put.headers["etag"])
    ]
    assert listed.objects[0].time_created is not None

    client.delete_object(ns, bucket, "greeting.txt")
    with pytest.raises(oci.exceptions.ServiceError) as err:
        client.head_object(ns, bucket, "greeting.txt")
    assert err.value.status == 404


def test_names_with_slash_unicode_percent_plus_round_trip(client, settings, bucket):
    ns = settings["namespace"]
    names = ["dir/sub dir/ünïcödé 日本.parquet", "100% done+more.csv", "a+b/c%2Fd", "?#&=;,"]
    for name in names:
        client.put_object(ns, bucket, name, name.encode())
    for name in names:
        assert client.get_object(ns, bucket, name).data.content == name.encode()
    listed = [o.name for o in client.list_objects(ns, bucket).data.objects]
    assert listed == sorted(names, key=lambda n: n.encode())
    with_prefix = client.list_objects(ns, bucket, prefix="dir/sub dir/", delimiter="/").data
    assert [o.name for o in with_prefix.objects] == [names[0]]
    rolled = client.list_objects(ns, bucket, delimiter="/").data
    assert rolled.prefixes == ["a+b/", "dir/"]


def test_paging_with_next_start_with(client, settings, bucket):
    ns = settings["namespace"]
    names = [f"obj-{i:03d}" for i in range(25)]
    for name in names:
        client.put_object(ns, bucket, name, b"x")
    seen, start, pages = [], None, 0
    while True:
        page = client.list_objects(ns, bucket, start=start, limit=10).data
        seen += [o.name for o in page.objects]
        pages += 1
        start = page.next_start_with
        if not start:
            break
    assert seen == names
    assert pages == 3


def test_ranges(client, settings, bucket):
    ns = settings["namespace"]
    client.put_object(ns, bucket, "digits", b"0123456789")
    cases = [("bytes=0-3", b"0123"), ("bytes=-2", b"89"), ("bytes=7-", b"789"), ("bytes=4-4", b"4")]
    for given, want in cases:
        got = client.get_object(ns, bucket, "digits", range=given)
        assert got.status == 206, given
        assert got.data.content == want, given
    with pytest.raises(oci.exceptions.ServiceError) as err:
        client.get_object(ns, bucket, "digits", range="bytes=50-60")
    assert (err.value.status, err.value.code) == (416, "InvalidRange")


def test_upload_manager_stream_goes_multipart_with_checked_md5(client, settings, bucket):
    ns = settings["namespace"]
    data = os.urandom(2 * MiB + 12345)
    part_size = MiB
    manager = oci.object_storage.UploadManager(client, allow_multipart_uploads=True)
    res = manager.upload_stream(ns, bucket, "streamed/data.bin", io.BytesIO(data), part_size=part_size)
    parts = [data[i:i + part_size] for i in range(0, len(data), part_size)]
    assert len(parts) == 3
    assert res.headers["opc-multipart-md5"] == _multipart_md5(parts)
    got = client.get_object(ns, bucket, "streamed/data.bin")
    assert got.data.content == data
    assert got.headers["opc-multipart-md5"] == _multipart_md5(parts)
    listed = client.list_objects(ns, bucket, prefix="streamed/", fields="name,md5,size").data.objects
    assert [(o.name, o.md5, o.size) for o in listed] == [("streamed/data.bin", _multipart_md5(parts), len(data))]


def test_upload_manager_file_goes_multipart(client, settings, bucket, tmp_path):
    ns = settings["namespace"]
    data = os.urandom(3 * MiB + 7)
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    part_size = MiB
    manager = oci.object_storage.UploadManager(client, allow_multipart_uploads=True, allow_parallel_uploads=True)
    res = manager.upload_file(ns, bucket, "file/upload.bin", str(path), part_size=part_size)
    parts = [data[i:i + part_size] for i in range(0, len(data), part_size)]
    assert res.headers["opc-multipart-md5"] == _multipart_md5(parts)
    assert client.get_object(ns, bucket, "file/upload.bin").data.content == data


def test_wrong_key_is_refused(settings, bucket):
    wrong = oci.config.from_file(settings["wrong_config"], "WRONG")
    wrong_client = oci.object_storage.ObjectStorageClient(
        wrong, service_endpoint=settings["endpoint"], retry_strategy=oci.retry.NoneRetryStrategy()
    )
    with pytest.raises(oci.exceptions.ServiceError) as err:
        wrong_client.list_objects(settings["namespace"], bucket)
    assert (err.value.status, err.value.code) == (401, "NotAuthenticated")
    with pytest.raises(oci.exceptions.ServiceError) as err:
        wrong_client.put_object(settings["namespace"], bucket, "nope", b"nope")
    assert err.value.status == 401


def test_missing_bucket(client, settings):
    with pytest.raises(oci.exceptions.ServiceError) as err:
        client.get_object(settings["namespace"], f"missing-{uuid.uuid4().hex[:12]}", "x")
    assert (err.value.status, err.value.code) == (404, "BucketNotFound")


def test_content_md5_mismatch(client, settings, bucket):
    with pytest.raises(oci.exceptions.ServiceError) as err:
        client.put_object(settings["namespace"], bucket, "bad-md5", b"payload", content_md5=_md5(b"other"))
    assert (err.value.status, err.value.code) == (400, "UnmatchedContentMD5")


def test_fault_set_through_control_endpoint(client, settings, bucket):
    rule = _control(
        settings,
        "POST",
        "/_emulator/faults",
        {"operation": "GetObject", "path": f"/b/{bucket}/", "effect": {"kind": "status", "status": 503, "retryAfterSeconds": 2}},
    )
    try:
        client.put_object(settings["namespace"], bucket, "faulty", b"data")
        with pytest.raises(oci.exceptions.ServiceError) as err:
            client.get_object(settings["namespace"], bucket, "faulty")
        assert err.value.status == 503
        assert err.value.headers.get("retry-after") == "2"
    finally:
        _control(settings, "DELETE", f"/_emulator/faults/{rule['id']}")
    assert client.get_object(settings["namespace"], bucket, "faulty").data.content == b"data"
    log = _control(settings, "GET", "/_emulator/requests?operation=GetObject")
    mine = [r for r in log["requests"] if r.get("bucket") == bucket]
    assert [r["status"] for r in mine][-2:] == [503, 200]
