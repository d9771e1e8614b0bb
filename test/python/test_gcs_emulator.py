"""The local GCS (fake-gcs-server behind the token-checking front) with Google's own Python client.

google-cloud-storage reads the service-account key file the emulator wrote, signs its JWT, gets an access token at
the file's token_uri (the front's /token) and talks to the JSON API at the api_endpoint override. Needs
LAKE2OCI_GCS_ENDPOINT, LAKE2OCI_GCS_PROJECT, LAKE2OCI_GCS_KEY_FILE and LAKE2OCI_GCS_WRONG_KEY_FILE, as
startLocalCloud({ gcs: true }) exports them; without them (a local cloud started without GCS) every test is skipped.
"""
import base64
import hashlib
import os
import uuid

import pytest
from google.api_core import exceptions as api_exceptions
from google.auth import exceptions as auth_exceptions
from google.cloud import storage
from google.oauth2 import service_account

ENV = ("LAKE2OCI_GCS_ENDPOINT", "LAKE2OCI_GCS_PROJECT", "LAKE2OCI_GCS_KEY_FILE", "LAKE2OCI_GCS_WRONG_KEY_FILE")
pytestmark = pytest.mark.skipif(
    not all(os.environ.get(n) for n in ENV),
    reason="the local cloud was started without GCS: run through test/python-sdk.test.ts (startLocalCloud({ gcs: true }))",
)
SCOPE = "https://www.googleapis.com/auth/devstorage.full_control"
EDGE_NAMES = [
    "edge/with space.txt",
    "edge/caf\u00e9-nfc.txt",
    "edge/cafe\u0301-nfd.txt",
    "edge/percent%41.txt",
    "edge/plus+sign.txt",
    "edge/hash#mark.txt",
    "edge/question?mark.txt",
    "edge/empty.bin",
]


def _client(key_file):
    credentials = service_account.Credentials.from_service_account_file(key_file, scopes=[SCOPE])
    return storage.Client(
        project=os.environ["LAKE2OCI_GCS_PROJECT"],
        credentials=credentials,
        client_options={"api_endpoint": os.environ["LAKE2OCI_GCS_ENDPOINT"]},
    )


@pytest.fixture(scope="module")
def client():
    return _client(os.environ["LAKE2OCI_GCS_KEY_FILE"])


@pytest.fixture(scope="module")
def bucket(client):
    return client.create_bucket(f"py-{uuid.uuid4().hex[:12]}")


def _content(name):
    return b"" if name.endswith("empty.bin") else f"content of {name}\n".encode()


def _crc32c_b64(data):
    import google_crc32c

    return base64.b64encode(google_crc32c.Checksum(data).digest()).decode()


def test_round_trip_of_edge_names_with_md5_crc32c_size_and_generation(bucket):
    for name in EDGE_NAMES:
        data = _content(name)
        bucket.blob(name).upload_from_string(data, content_type="application/octet-stream")
        blob = bucket.get_blob(name)
        assert blob is not None, name
        assert blob.size == len(data)
        assert blob.md5_hash == base64.b64encode(hashlib.md5(data).digest()).decode()
        assert blob.crc32c == _crc32c_b64(data)
        assert blob.generation and blob.generation > 0
        assert bucket.blob(name).download_as_bytes(checksum="md5") == data, name


def test_listing_in_pages_of_one_and_children_with_a_delimiter(client, bucket):
    for name in ["tree/a.txt", "tree/sub1/x.txt", "tree/sub2/y.txt", "tree/z.txt"]:
        bucket.blob(name).upload_from_string(name.encode())
    want = sorted(EDGE_NAMES, key=lambda n: n.encode())
    pages = list(client.list_blobs(bucket, prefix="edge/", page_size=1).pages)
    assert [b.name for p in pages for b in p] == want
    assert len(pages) == len(want)
    children = client.list_blobs(bucket, prefix="tree/", delimiter="/", page_size=1)
    names = [b.name for b in children]
    assert names == ["tree/a.txt", "tree/z.txt"]
    assert sorted(children.prefixes) == ["tree/sub1/", "tree/sub2/"]


def test_ranged_download_and_a_read_refused_when_the_generation_changed(bucket):
    blob = bucket.blob("cond/data.bin")
    data = bytes(range(256)) * 4096
    blob.upload_from_string(data)
    blob.reload()
    first = blob.generation
    assert bucket.blob("cond/data.bin").download_as_bytes(start=1000, end=1999) == data[1000:2000]
    bucket.blob("cond/data.bin").upload_from_string(b"changed")
    with pytest.raises(api_exceptions.PreconditionFailed):
        bucket.blob("cond/data.bin").download_as_bytes(if_generation_match=first)
    with pytest.raises(api_exceptions.PreconditionFailed):
        bucket.blob("cond/data.bin").upload_from_string(b"stale", if_generation_match=first)
    assert bucket.blob("cond/data.bin").download_as_bytes() == b"changed"


def test_a_key_the_token_endpoint_did_not_issue_is_refused(bucket):
    wrong = _client(os.environ["LAKE2OCI_GCS_WRONG_KEY_FILE"])
    with pytest.raises(auth_exceptions.RefreshError, match="invalid_grant: Invalid JWT Signature."):
        list(wrong.list_blobs(bucket.name))


def test_requests_without_a_valid_token_get_googles_401(bucket):
    import requests

    url = f"{os.environ['LAKE2OCI_GCS_ENDPOINT']}/storage/v1/b/{bucket.name}/o"
    anonymous = requests.get(url, timeout=30)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="https://accounts.google.com/"'
    message = (
        "Anonymous caller does not have storage.objects.list access to the Google Cloud Storage bucket. "
        "Permission 'storage.objects.list' denied on resource (or it may not exist)."
    )
    where = {"domain": "global", "locationType": "header", "location": "Authorization"}
    assert anonymous.json() == {
        "error": {"code": 401, "message": message, "errors": [{"message": message, "reason": "required", **where}]}
    }
    forged = requests.get(url, headers={"Authorization": "Bearer ya29.forged"}, timeout=30)
    assert forged.status_code == 401
    assert forged.json() == {
        "error": {
            "code": 401,
            "message": "Invalid Credentials",
            "errors": [{"message": "Invalid Credentials", "reason": "authError", **where}],
        }
    }
