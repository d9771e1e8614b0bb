"""call_with_retry and its error classification (src/job/retry.py), with fake errors and a fake sleep."""
import email.utils
import http.client
import time

import oci
import pytest
import requests
import urllib3
from azure.core.exceptions import HttpResponseError, IncompleteReadError, ServiceRequestError, ServiceResponseError

from runtime_loader import load_runtime

rt = load_runtime("retry", "secrets")


class FakeAzureResponse:
    def __init__(self, status, headers=None):
        self.status_code = status
        self.reason = "Reason"
        self.headers = headers or {}
        self.request = None

    def text(self, encoding=None):
        return ""


def oci_error(status, code="Code", headers=None, message="boom"):
    return oci.exceptions.ServiceError(status, code, headers or {}, message)


def azure_error(status, headers=None):
    return HttpResponseError(message="azure says no", response=FakeAzureResponse(status, headers))


class Recorder:
    def __init__(self):
        self.sleeps = []

    def __call__(self, seconds):
        self.sleeps.append(seconds)


def failing(errors, result="ok"):
    """A function that raises errors[0], errors[1], ... on successive calls, then returns result."""
    remaining = list(errors)
    calls = []

    def fn():
        calls.append(1)
        if remaining:
            raise remaining.pop(0)
        return result

    fn.calls = calls
    return fn


RETRYABLE = [
    ("oci 429", lambda: oci_error(429, "TooManyRequests")),
    ("oci 500", lambda: oci_error(500, "InternalServerError")),
    ("oci 502", lambda: oci_error(502)),
    ("oci 503", lambda: oci_error(503, "ServiceUnavailable")),
    ("oci 504", lambda: oci_error(504)),
    ("oci -1 (no status)", lambda: oci_error(-1)),
    ("oci 409 IncorrectState", lambda: oci_error(409, "IncorrectState")),
    ("oci 400 UnmatchedContentMD5", lambda: oci_error(400, "UnmatchedContentMD5")),
    ("oci RequestException", lambda: oci.exceptions.RequestException("connection aborted")),
    ("azure 429", lambda: azure_error(429)),
    ("azure 503", lambda: azure_error(503)),
    ("azure 500", lambda: azure_error(500)),
    ("azure ServiceRequestError", lambda: ServiceRequestError("cannot connect")),
    ("azure ServiceResponseError", lambda: ServiceResponseError("connection reset")),
    ("azure IncompleteReadError", lambda: IncompleteReadError(message="peer closed")),
    ("ConnectionResetError", lambda: ConnectionResetError(104, "reset")),
    ("http.client.IncompleteRead", lambda: http.client.IncompleteRead(b"abc", 10)),
    ("requests ConnectionError", lambda: requests.exceptions.ConnectionError("refused")),
    ("urllib3 ProtocolError", lambda: urllib3.exceptions.ProtocolError("broken")),
    ("TransientError", lambda: rt.TransientError("short read")),
    ("ChecksumMismatch", lambda: rt.ChecksumMismatch("md5 differs")),
]

NOT_RETRYABLE = [
    ("oci 400", lambda: oci_error(400, "InvalidParameter")),
    ("oci 401", lambda: oci_error(401, "NotAuthenticated")),
    ("oci 404", lambda: oci_error(404, "ObjectNotFound")),
    ("oci 409 other", lambda: oci_error(409, "BucketAlreadyExists")),
    ("oci 412", lambda: oci_error(412, "IfMatchFailed")),
    ("oci 501", lambda: oci_error(501, "NotImplemented")),
    ("azure 403", lambda: azure_error(403)),
    ("azure 404", lambda: azure_error(404)),
    ("azure 412", lambda: azure_error(412)),
    ("ValueError", lambda: ValueError("bad input")),
    ("KeyError", lambda: KeyError("x")),
]


@pytest.mark.parametrize("given", [g for _, g in RETRYABLE], ids=[n for n, _ in RETRYABLE])
def test_retries_transient_errors_and_counts_attempts(given):
    sleep = Recorder()
    fn = failing([given(), given()])
    result, attempts = rt.call_with_retry(fn, what="op", sleep=sleep, rng=lambda: 0.5)
    assert (result, attempts) == ("ok", 3)
    assert len(fn.calls) == 3
    assert len(sleep.sleeps) == 2


@pytest.mark.parametrize("given", [g for _, g in NOT_RETRYABLE], ids=[n for n, _ in NOT_RETRYABLE])
def test_raises_other_errors_at_once(given):
    sleep = Recorder()
    error = given()
    fn = failing([error])
    with pytest.raises(type(error)) as caught:
        rt.call_with_retry(fn, what="op", sleep=sleep)
    assert caught.value is error
    assert rt.attempts_of(caught.value) == 1
    assert caught.value.lake2oci_retryable is False
    assert sleep.sleeps == []
    assert len(fn.calls) == 1


def test_gives_up_after_max_attempts_with_the_last_error():
    sleep = Recorder()
    errors = [oci_error(503, "ServiceUnavailable", message=f"try {i}") for i in range(5)]
    tally = rt.AttemptTally()
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        rt.call_with_retry(failing(errors), what="op", max_attempts=4, sleep=sleep, rng=lambda: 0.0, tally=tally)
    assert caught.value is errors[3]
    assert rt.attempts_of(caught.value) == 4
    assert caught.value.lake2oci_retryable is True
    assert len(sleep.sleeps) == 3
    assert tally.retries == 3 and tally.attempts == 4


def test_tally_counts_retries_of_a_call_that_succeeds():
    tally = rt.AttemptTally()
    rt.call_with_retry(failing([oci_error(503)] * 2), what="op", sleep=Recorder(), tally=tally)
    rt.call_with_retry(failing([]), what="op", sleep=Recorder(), tally=tally)
    assert tally.attempts == 3


def test_exponential_backoff_with_full_jitter_capped_at_max_delay():
    sleep = Recorder()
    draws = iter([1.0, 0.5, 1.0, 1.0, 0.25])
    fn = failing([oci_error(503)] * 5)
    rt.call_with_retry(fn, what="op", max_attempts=6, base_delay=1.0, max_delay=5.0, sleep=sleep,
                       rng=lambda: next(draws))
    # ceilings 1, 2, 4, 5 (capped), 5 (capped) times the draws
    assert sleep.sleeps == pytest.approx([1.0, 1.0, 4.0, 5.0, 1.25])


@pytest.mark.parametrize(
    "headers,want_at_least",
    [
        ({"retry-after": "3"}, 3.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"retry-after": lambda: email.utils.formatdate(time.time() + 30, usegmt=True)}, 25.0),
    ],
    ids=["seconds", "fractional seconds", "http date"],
)
def test_honors_retry_after_from_oci(headers, want_at_least):
    headers = {k: v() if callable(v) else v for k, v in headers.items()}
    sleep = Recorder()
    fn = failing([oci_error(429, "TooManyRequests", headers=headers)])
    _, attempts = rt.call_with_retry(fn, what="op", base_delay=0.01, max_delay=0.02, sleep=sleep, rng=lambda: 1.0)
    assert attempts == 2
    assert want_at_least <= sleep.sleeps[0] <= want_at_least + 6


def test_honors_retry_after_from_azure():
    sleep = Recorder()
    fn = failing([azure_error(503, {"Retry-After": "2"})])
    rt.call_with_retry(fn, what="op", base_delay=0.01, max_delay=0.02, sleep=sleep, rng=lambda: 0.0)
    assert sleep.sleeps == [2.0]


def test_retry_after_is_capped():
    sleep = Recorder()
    fn = failing([oci_error(503, headers={"retry-after": "86400"})])
    rt.call_with_retry(fn, what="op", sleep=sleep, rng=lambda: 0.0)
    assert sleep.sleeps == [rt.MAX_RETRY_AFTER_SECONDS]


@pytest.mark.parametrize("value", ["soon", "", "-5"], ids=["word", "empty", "negative"])
def test_unusable_retry_after_is_ignored_or_floored(value):
    got = rt.retry_after_seconds(oci_error(429, headers={"retry-after": value}))
    assert got is None or got == 0.0


def test_on_retry_reports_each_wait():
    seen = []
    fn = failing([oci_error(503, "ServiceUnavailable", message="busy")])
    rt.call_with_retry(fn, what="put_object a", sleep=Recorder(), rng=lambda: 0.0,
                       on_retry=lambda *args: seen.append(args))
    assert len(seen) == 1
    what, attempt, delay, description = seen[0]
    assert (what, attempt, delay) == ("put_object a", 1, 0.0)
    assert description.startswith("OCI 503 ServiceUnavailable: busy")


def test_max_attempts_must_be_positive():
    with pytest.raises(ValueError, match="max_attempts must be at least 1"):
        rt.call_with_retry(lambda: 1, what="op", max_attempts=0)


def test_describe_error_removes_sas_signatures_and_known_secrets():
    rt.resolve_secret("env:RETRY_TEST_SECRET", "source.auth.accountKey",
                      environ={"RETRY_TEST_SECRET": "s3cr3t-value-123"})
    error = requests.exceptions.ConnectionError(
        "GET https://acct.blob.core.windows.net/fs/f?sv=2024&sig=AbC%2Bdef&se=2030 failed; key s3cr3t-value-123; "
        "Authorization: SharedKey acct:xyz")
    text = rt.describe_error(error)
    assert "AbC%2Bdef" not in text
    assert "s3cr3t-value-123" not in text
    assert "SharedKey acct:xyz" not in text
    assert "sig=***" in text
    assert text.startswith("ConnectionError: ")


def test_describe_error_names_status_and_code():
    assert rt.describe_error(oci_error(404, "ObjectNotFound", message="no such object")) == \
        "OCI 404 ObjectNotFound: no such object"
    assert rt.describe_error(azure_error(412)).startswith("Azure 412")
    assert len(rt.describe_error(ValueError("x" * 5000))) == rt.MAX_ERROR_TEXT
