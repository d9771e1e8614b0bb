"""Conformance of the ADLS Gen2 local cloud (Azurite + the DFS gateway) with azure-storage-file-datalake.

Needs LAKE2OCI_ADLS_URL (the account URL, http://127.0.0.1:PORT/devstoreaccount1), LAKE2OCI_ADLS_ACCOUNT and
LAKE2OCI_ADLS_KEY, as the local cloud's launcher exports them.
"""
import hashlib
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.storage.blob import BlobServiceClient
from azure.storage.filedatalake import ContentSettings, DataLakeServiceClient


def _env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f"{name} is not set: run this file through the local cloud's test harness, or start the ADLS emulator "
            "(src/emulators/adls) and export LAKE2OCI_ADLS_URL, LAKE2OCI_ADLS_ACCOUNT and LAKE2OCI_ADLS_KEY"
        )
    return value


@pytest.fixture(scope="module")
def settings():
    return {"url": _env("LAKE2OCI_ADLS_URL"), "account": _env("LAKE2OCI_ADLS_ACCOUNT"), "key": _env("LAKE2OCI_ADLS_KEY")}


@pytest.fixture(scope="module")
def service(settings):
    return DataLakeServiceClient(
        account_url=settings["url"], credential={"account_name": settings["account"], "account_key": settings["key"]}
    )


@pytest.fixture
def filesystem(service):
    fs = service.create_file_system(f"py-{uuid.uuid4().hex[:20]}")
    yield fs
    fs.delete_file_system()


def _names(paths):
    return [(p.name, bool(p.is_directory)) for p in paths]


def test_directories_and_chunked_uploads_read_back_whole_and_by_range(filesystem):
    filesystem.create_directory("raw/2024")
    data = os.urandom(3 * 1024 * 1024 + 1234)
    chunked = filesystem.get_file_client("raw/2024/chunked.bin")
    chunked.upload_data(data, chunk_size=256 * 1024, max_concurrency=4,
                        content_settings=ContentSettings(content_type="application/octet-stream"))
    overwritten = filesystem.get_file_client("raw/2024/overwritten.bin")
    overwritten.upload_data(b"first", overwrite=True)
    overwritten.upload_data(data, overwrite=True, chunk_size=1024 * 1024)

    for client in (chunked, overwritten):
        whole = client.download_file().readall()
        assert hashlib.md5(whole).hexdigest() == hashlib.md5(data).hexdigest(), client.path_name
        assert client.download_file(offset=1000, length=5000).readall() == data[1000:6000]
        properties = client.get_file_properties()
        assert properties.size == len(data)
        assert properties.etag

    assert chunked.get_file_properties().content_settings.content_type == "application/octet-stream"
    assert _names(filesystem.get_paths(recursive=True)) == [
        ("raw", True),
        ("raw/2024", True),
        ("raw/2024/chunked.bin", False),
        ("raw/2024/overwritten.bin", False),
    ]
    # Without overwrite the SDK appends and flushes with If-None-Match: *, so an existing file is refused.
    with pytest.raises(HttpResponseError):
        chunked.upload_data(b"no overwrite", overwrite=False)
    assert chunked.get_file_properties().size == len(data)


def test_get_paths_pages_with_max_results_and_continuation(filesystem):
    for i in range(12):
        filesystem.get_file_client(f"dir{i % 3}/file{i:02d}.txt").upload_data(f"file {i}".encode(), overwrite=True)
    expected = sorted([f"dir{d}" for d in range(3)] + [f"dir{i % 3}/file{i:02d}.txt" for i in range(12)])
    pages = [list(page) for page in filesystem.get_paths(recursive=True, max_results=4).by_page()]
    assert len(pages) == 4
    assert all(len(page) <= 4 for page in pages)
    listed = [p.name for page in pages for p in page]
    assert sorted(listed) == expected
    assert len(listed) == len(set(listed))
    one_level = filesystem.get_paths(path="dir1", recursive=False, max_results=2)
    assert [p.name for p in one_level] == ["dir1/file01.txt", "dir1/file04.txt", "dir1/file07.txt", "dir1/file10.txt"]


def test_get_paths_over_5000_paths_written_through_the_blob_api(settings, filesystem):
    blobs = BlobServiceClient(settings["url"], credential={"account_name": settings["account"], "account_key": settings["key"]})
    container = blobs.get_container_client(filesystem.file_system_name)
    names = [f"part={i % 10}/f{i:05d}.csv" for i in range(5_010)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda name: container.upload_blob(name, b""), names))
    pages = [list(page) for page in filesystem.get_paths(recursive=True).by_page()]
    assert len(pages) == 2
    assert len(pages[0]) == 5_000
    listed = [p.name for page in pages for p in page]
    assert sorted(listed) == sorted(names + [f"part={d}" for d in range(10)])
    directories = {p.name for page in pages for p in page if p.is_directory}
    assert directories == {f"part={d}" for d in range(10)}, "implicit directories are listed as directories"


def test_properties_access_control_and_implicit_directories(settings, filesystem):
    blobs = BlobServiceClient(settings["url"], credential={"account_name": settings["account"], "account_key": settings["key"]})
    blobs.get_blob_client(filesystem.file_system_name, "lake/a/b/data.parquet").upload_blob(b"PAR1")
    directory = filesystem.get_directory_client("lake/a")
    assert directory.exists()
    assert directory.get_directory_properties().metadata.get("hdi_isfolder") == "true"
    acl = filesystem.get_file_client("lake/a/b/data.parquet").get_access_control()
    assert acl["owner"] == "$superuser"
    assert acl["permissions"] == "rw-r-----"
    assert _names(filesystem.get_paths(path="lake", recursive=True)) == [
        ("lake/a", True),
        ("lake/a/b", True),
        ("lake/a/b/data.parquet", False),
    ]


def test_delete_files_and_directories(filesystem):
    filesystem.get_file_client("keep.txt").upload_data(b"k")
    filesystem.get_file_client("tree/x/1.txt").upload_data(b"1")
    filesystem.get_file_client("tree/2.txt").upload_data(b"2")
    filesystem.get_file_client("tree/2.txt").delete_file()
    with pytest.raises(ResourceNotFoundError):
        filesystem.get_file_client("tree/2.txt").get_file_properties()
    filesystem.get_directory_client("tree").delete_directory()
    assert _names(filesystem.get_paths(recursive=True)) == [("keep.txt", False)]
    with pytest.raises(ResourceNotFoundError) as missing:
        filesystem.get_file_client("tree/x/1.txt").delete_file()
    assert missing.value.error_code == "PathNotFound"


def test_names_that_need_encoding(filesystem):
    names = ["with space/a b.txt", "unicodé/データ.csv", "pct%25/100%.txt", "plus+/a+b.txt", "hash#/#1.txt"]
    for name in names:
        filesystem.get_file_client(name).upload_data(name.encode("utf-8"))
    files = sorted(p.name for p in filesystem.get_paths(recursive=True) if not p.is_directory)
    assert files == sorted(names)
    for name in names:
        assert filesystem.get_file_client(name).download_file().readall() == name.encode("utf-8")


def test_wrong_key_is_refused_with_403(settings, filesystem):
    filesystem.get_file_client("secret.txt").upload_data(b"secret")
    intruder = DataLakeServiceClient(
        account_url=settings["url"],
        credential={"account_name": settings["account"], "account_key": "d3Jvbmcga2V5IHdyb25nIGtleSB3cm9uZyBrZXk="},
    ).get_file_system_client(filesystem.file_system_name)
    with pytest.raises(HttpResponseError) as served:
        list(intruder.get_paths(recursive=True))
    assert served.value.status_code == 403
    assert served.value.error_code == "AuthenticationFailed"
    with pytest.raises(HttpResponseError) as passed_through:
        intruder.get_file_client("secret.txt").download_file().readall()
    assert passed_through.value.status_code == 403


def test_missing_filesystem_is_404(service):
    missing = service.get_file_system_client(f"py-missing-{uuid.uuid4().hex[:12]}")
    with pytest.raises(ResourceNotFoundError) as error:
        list(missing.get_paths(recursive=True))
    assert error.value.status_code == 404
    assert error.value.error_code == "FilesystemNotFound"
