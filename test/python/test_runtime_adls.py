"""The ADLS side of the runtime (src/job/adls.py) without a network: credentials per auth kind, and the
range reader's resuming, bounds and conditions, with a fake file system client."""
import os
import types

import pytest
from azure.core import MatchConditions
from azure.core.credentials import AzureSasCredential
from azure.core.exceptions import ResourceModifiedError
from azure.identity import ClientSecretCredential

from runtime_loader import load_runtime

rt = load_runtime("adls", "retry")


def test_key_auth():
    client = rt.adls_client("acct", "fs", "http://127.0.0.1:9/acct", {"kind": "key", "account_key": "a2V5"})
    # The SDK turns the named key into its SharedKey signing policy.
    assert type(client.credential).__name__ == "SharedKeyCredentialPolicy"
    assert client.credential.account_name == "acct"
    assert client.url.startswith("http://127.0.0.1:9/acct/fs")


def test_sas_auth_drops_a_leading_question_mark():
    client = rt.adls_client("acct", "fs", None, {"kind": "sas", "sas_token": "?sv=2024&sig=abc"})
    assert isinstance(client.credential, AzureSasCredential)
    assert client.credential.signature == "sv=2024&sig=abc"
    assert client.url.startswith("https://acct.dfs.core.windows.net/fs")


def test_oauth_auth_with_an_authority_override():
    client = rt.adls_client("acct", "fs", None, {"kind": "oauth", "tenant_id": "t", "client_id": "c",
                                                 "client_secret": "s", "authority": "https://127.0.0.1:8443"})
    assert isinstance(client.credential, ClientSecretCredential)


def test_sdk_retries_are_off_and_downloads_use_the_chunk_size():
    client = rt.adls_client("acct", "fs", None, {"kind": "key", "account_key": "a2V5"}, chunk_size=2 * 1024 * 1024)
    assert client._config.retry_policy.total_retries == 0
    assert client._config.max_single_get_size == client._config.max_chunk_get_size == 2 * 1024 * 1024


@pytest.mark.parametrize(
    "auth,message",
    [
        ({"kind": "key"}, "source.auth: kind 'key' needs account_key"),
        ({"kind": "sas", "sas_token": ""}, "source.auth: kind 'sas' needs sas_token"),
        ({"kind": "oauth", "tenant_id": "t", "client_id": "c"}, "source.auth: kind 'oauth' needs client_secret"),
        ({"kind": "password"}, "source.auth.kind must be 'key', 'oauth' or 'sas', got 'password'"),
        (None, "source.auth.kind must be 'key', 'oauth' or 'sas', got None"),
    ],
)
def test_auth_errors_name_the_field(auth, message):
    with pytest.raises(rt.AdlsAuthError) as caught:
        rt.adls_client("acct", "fs", None, auth)
    assert str(caught.value) == message


class FakeFile:
    """download_file over `data`, in chunks of `chunk`; `breaks` lists positions at which a stream raises once."""

    def __init__(self, data, chunk=4, breaks=(), etag='"0x1"', md5=None):
        self.data = data
        self.chunk = chunk
        self.breaks = list(breaks)
        self.etag = etag
        self.md5 = md5
        self.requests = []

    def download_file(self, offset, length, **kwargs):
        self.requests.append((offset, length, kwargs.get("etag"), kwargs.get("match_condition")))
        if kwargs.get("etag") and kwargs["etag"] != self.etag:
            raise ResourceModifiedError(message="The condition specified using HTTP conditional header(s) is not met.")
        data, chunk, breaks = self.data[offset:offset + length], self.chunk, self.breaks

        def chunks():
            for i in range(0, len(data), chunk):
                if breaks and offset + i >= breaks[0]:
                    breaks.pop(0)
                    raise ConnectionResetError(104, "Connection reset by peer")
                yield data[i:i + chunk]

        settings = types.SimpleNamespace(content_md5=self.md5)
        props = types.SimpleNamespace(etag=self.etag, content_settings=settings)
        return types.SimpleNamespace(properties=props, chunks=chunks)


def fs_of(fake):
    return types.SimpleNamespace(get_file_client=lambda name: fake)


def test_range_reader_yields_the_range_and_learns_md5_and_etag():
    fake = FakeFile(b"0123456789", md5=bytearray(b"\x01" * 16))
    source = rt.SourceRange(fs_of(fake), "f", 2, 6).open()
    assert source.content_md5 == "AQEBAQEBAQEBAQEBAQEBAQ=="
    assert source.etag == '"0x1"'
    assert b"".join(source) == b"234567"
    assert fake.requests == [(2, 6, None, None)]


def test_range_reader_resumes_where_the_stream_broke():
    fake = FakeFile(b"abcdefghijklmnop", breaks=[8])
    tally = rt.AttemptTally()
    source = rt.SourceRange(fs_of(fake), "f", 0, 16, tally=tally, sleep=lambda s: None)
    chunks = list(source)
    assert b"".join(chunks) == b"abcdefghijklmnop"
    # Reopened at byte 8, conditional on the version first read.
    assert fake.requests == [(0, 16, None, None), (8, 8, '"0x1"', MatchConditions.IfNotModified)]
    assert tally.retries == 1


def test_range_reader_gives_up_after_max_resumes():
    fake = FakeFile(b"x" * 40, breaks=[0] * (rt.MAX_SOURCE_RESUMES + 1))
    source = rt.SourceRange(fs_of(fake), "f", 0, 40, sleep=lambda s: None)
    with pytest.raises(ConnectionResetError):
        b"".join(source)


def test_range_reader_fails_on_a_changed_file():
    fake = FakeFile(b"abc")
    with pytest.raises(ResourceModifiedError):
        rt.SourceRange(fs_of(fake), "f", 0, 3, etag="0xOLD").open()
    assert fake.requests[0][2:] == ('"0xOLD"', MatchConditions.IfNotModified)


def test_range_reader_reports_a_file_shorter_than_planned():
    fake = FakeFile(b"abc")
    with pytest.raises(rt.TransientError, match="ended at byte 3, before 10"):
        b"".join(rt.SourceRange(fs_of(fake), "f", 0, 10))


def test_range_reader_of_nothing_makes_no_request():
    fake = FakeFile(b"abc")
    assert b"".join(rt.SourceRange(fs_of(fake), "f", 0, 0).open()) == b""
    assert fake.requests == []


@pytest.mark.parametrize("given,want", [
    ({}, (False, None)),
    ({"HOME": "/root", "REQUESTS_CA_BUNDLE": "/etc/ca.pem"}, (False, "/etc/ca.pem")),
    ({"CURL_CA_BUNDLE": "/etc/curl.pem"}, (False, "/etc/curl.pem")),
    ({"REQUESTS_CA_BUNDLE": "/a.pem", "CURL_CA_BUNDLE": "/b.pem"}, (False, "/a.pem")),
    ({"HTTPS_PROXY": "http://proxy:3128"}, (True, None)),
    ({"no_proxy": "localhost", "REQUESTS_CA_BUNDLE": "/a.pem"}, (True, "/a.pem")),
    ({"https_proxy": ""}, (False, None)),
])
def test_http_environment_reads_proxies_and_the_ca_bundle_once(given, want):
    assert rt.http_environment(given) == want


def test_sessions_keep_reading_the_environment_when_a_proxy_is_set(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    with_proxy = rt.adls_client("acct", "fs", "http://127.0.0.1:9/acct", {"kind": "key", "account_key": "a2V5"})
    monkeypatch.delenv("HTTPS_PROXY")
    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    without = rt.adls_client("acct", "fs", "http://127.0.0.1:9/acct", {"kind": "key", "account_key": "a2V5"})
    # azure-core's requests transport sets its session's trust_env from use_env_settings.
    assert with_proxy._pipeline._transport._use_env_settings is True
    assert without._pipeline._transport._use_env_settings is False


def test_size_pools_keeps_the_adapter_class_and_retries_off():
    import oci
    import requests

    session = requests.Session()
    session.mount("https://", oci.base_client.OCIHTTPAdapter())
    rt.size_pools(session, 32)
    https, http = session.get_adapter("https://x"), session.get_adapter("http://x")
    assert type(https) is oci.base_client.OCIHTTPAdapter
    assert type(http) is requests.adapters.HTTPAdapter
    assert https._pool_maxsize == 32 and http._pool_maxsize == 32
    # The adapter's own retry setting is kept: none (requests' default, total 0).
    assert http.max_retries.total in (0, False)


def test_adls_client_with_a_pool_size_uses_a_session_of_that_size(monkeypatch):
    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    client = rt.adls_client("acct", "fs", "http://127.0.0.1:9/acct", {"kind": "key", "account_key": "a2V5"},
                            pool_size=24)
    transport = client._pipeline._transport
    assert transport.session.get_adapter("http://127.0.0.1:9/")._pool_maxsize == 24
    assert transport.session.trust_env is False
    # Files of the file system share it: one pool per task.
    file_client = client.get_file_client("a/b.parquet")
    assert file_client._pipeline._transport._transport is transport
