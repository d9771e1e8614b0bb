# Retries of the Spark job: which errors are worth another try, how long to wait, and how many tries a call took.
# The SDKs' own retries are turned off where the clients are made (oci_store.py, adls.py), so every attempt
# is made here and counted: the count goes into the migration log's `attempts` field.
# Contract of call_with_retry: returns (result, attempts); on failure it raises the last error unchanged (callers can
# still tell a 404 from a 412), after setting `error.lake2oci_attempts` (read it with attempts_of) and
# `error.lake2oci_retryable` (whether it was a transient error that ran out of attempts).
import email.utils
import http.client
import random
import re
import threading
import time

import oci

from .redact import redact_secrets

try:
    from azure.core.exceptions import (
        HttpResponseError as _AzureHttpResponseError,
        IncompleteReadError as _AzureIncompleteReadError,
        ServiceRequestError as _AzureServiceRequestError,
        ServiceResponseError as _AzureServiceResponseError,
    )
except ImportError:  # the OCI-only paths (and their tests) work without the Azure SDK
    _AzureHttpResponseError = _AzureIncompleteReadError = _AzureServiceRequestError = _AzureServiceResponseError = None

try:
    from oci._vendor.requests import exceptions as _oci_requests_exceptions
except ImportError:
    _oci_requests_exceptions = None

try:
    import requests.exceptions as _requests_exceptions
except ImportError:
    _requests_exceptions = None

try:
    import urllib3.exceptions as _urllib3_exceptions
except ImportError:
    _urllib3_exceptions = None

# OCI statuses retried whatever the error code; 409 only with these codes (both are OCI's "try again" conflicts:
# IncorrectState when a multipart upload or bucket is briefly busy, LockConflict on a locked resource). -1 (a
# ServiceError without an HTTP status) is in the OCI SDK's own list of retryable statuses, kept here for parity.
RETRY_OCI_STATUSES = (-1, 429, 500, 502, 503, 504)
RETRY_OCI_409_CODES = ("IncorrectState", "LockConflict")
# A 400 for a body that arrived different from what was sent (Content-MD5 check failed): resending may cure it.
RETRY_OCI_400_CODES = ("UnmatchedContentMD5",)
RETRY_AZURE_STATUSES = (408, 429, 500, 502, 503, 504)

# A server asking for more than this many seconds is obeyed only up to this long (a run must not sleep for hours).
MAX_RETRY_AFTER_SECONDS = 300.0

# Longest error text kept for the log and messages.
MAX_ERROR_TEXT = 600


class TransientError(Exception):
    """An error of our own that a new attempt may cure: a checksum that did not match, a source that ended early."""


class ChecksumMismatch(TransientError):
    """The MD5 the service computed differs from the MD5 of the bytes sent (or the source's own MD5)."""


class SourceChanged(Exception):
    """The source file is no longer the version the plan saw (412 on the etag condition) or is gone (404): copying
    it now would copy something the plan did not judge. Not retryable; the message says what to do."""


class AttemptTally:
    """Counts the retries made for one file across all its requests (thread-safe). attempts = 1 + retries: 1 means
    every request of the file succeeded the first time."""

    def __init__(self):
        self._lock = threading.Lock()
        self.retries = 0

    def add(self, retries):
        if retries:
            with self._lock:
                self.retries += retries

    @property
    def attempts(self):
        return 1 + self.retries


def _retryable_types():
    found = [ConnectionError, TimeoutError, http.client.IncompleteRead, http.client.RemoteDisconnected, TransientError]
    for module, names in (
        (_requests_exceptions, ("ConnectionError", "Timeout", "ChunkedEncodingError")),
        (_oci_requests_exceptions, ("ConnectionError", "Timeout", "ChunkedEncodingError")),
        (_urllib3_exceptions, ("ProtocolError", "TimeoutError", "NewConnectionError", "IncompleteRead")),
    ):
        if module is None:
            continue
        for name in names:
            cls = getattr(module, name, None)
            if isinstance(cls, type):
                found.append(cls)
    for cls in (oci.exceptions.RequestException, oci.exceptions.ConnectTimeout,
                _AzureServiceRequestError, _AzureServiceResponseError, _AzureIncompleteReadError):
        if cls is not None:
            found.append(cls)
    return tuple(found)


def is_retryable(error):
    """True when the error is transient: throttling, a server fault or a broken connection. Client errors (400, 401,
    403, 404, 412...) are not: another attempt would get the same answer."""
    if isinstance(error, oci.exceptions.ServiceError):
        if error.status in RETRY_OCI_STATUSES:
            return True
        if error.status == 409:
            return error.code in RETRY_OCI_409_CODES
        if error.status == 400:
            return error.code in RETRY_OCI_400_CODES
        return isinstance(error.status, int) and error.status >= 500 and error.status != 501
    if _AzureIncompleteReadError is not None and isinstance(error, _AzureIncompleteReadError):
        return True
    if _AzureHttpResponseError is not None and isinstance(error, _AzureHttpResponseError):
        status = error.status_code
        if status is None:
            return False
        return status in RETRY_AZURE_STATUSES or (status >= 500 and status != 501)
    return isinstance(error, _retryable_types())


def _error_headers(error):
    if isinstance(error, oci.exceptions.ServiceError):
        return error.headers or {}
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    return headers or {}


def retry_after_seconds(error, now=None):
    """The wait a server asked for with Retry-After (seconds, or an HTTP date), or None. Never negative."""
    headers = _error_headers(error)
    value = None
    try:
        value = headers.get("retry-after") or headers.get("Retry-After")
    except AttributeError:
        return None
    if value is None:
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def backoff_delay(attempt, *, base_delay, max_delay, rng, retry_after=None):
    """Seconds to wait after failed attempt number `attempt` (1-based): full jitter, a uniform draw in
    [0, min(max_delay, base_delay * 2^(attempt-1))), and never less than what Retry-After asked for."""
    ceiling = min(float(max_delay), float(base_delay) * (2.0 ** (attempt - 1)))
    delay = rng() * ceiling
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), MAX_RETRY_AFTER_SECONDS))
    return delay


# A SAS token's secret part is its `sig` parameter; the others (dates, permissions) are not secret.
_SAS_SIGNATURE = re.compile(r"(?i)\b(sig|signature)=[^&\s\"']*")
_AUTH_HEADER = re.compile(r"(?i)(authorization|x-ms-copy-source-authorization)(['\"]?\s*[:=]\s*['\"]?)[^'\"\n,}]*")


def describe_error(error):
    """A one-line description of an error for the log and messages: status and code first, secrets removed (SAS query
    parameters, Authorization values and every secret resolved by resolve_secret), at most MAX_ERROR_TEXT long."""
    if isinstance(error, oci.exceptions.ServiceError):
        message = error.message or ""
        text = f"OCI {error.status} {error.code}: {message}"
        operation = getattr(error, "operation_name", None)
        if operation:
            text += f" ({operation})"
    elif _AzureHttpResponseError is not None and isinstance(error, _AzureHttpResponseError) and error.status_code:
        code = getattr(error, "error_code", None) or getattr(error, "reason", None) or ""
        first = str(getattr(error, "message", "") or "").strip().split("\n")[0]
        text = f"Azure {error.status_code} {code}: {first}"
    elif isinstance(error, SourceChanged):
        text = str(error)  # already in the words the log shows (adls.py)
    else:
        text = f"{type(error).__name__}: {error}"
    text = " ".join(text.split())
    text = _SAS_SIGNATURE.sub(lambda m: m.group(1) + "=***", text)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + m.group(2) + "***", text)
    text = redact_secrets(text)
    if len(text) > MAX_ERROR_TEXT:
        text = text[: MAX_ERROR_TEXT - 3] + "..."
    return text


def attempts_of(error, default=1):
    """The attempts call_with_retry made before raising `error` (default when the error did not come from it)."""
    return getattr(error, "lake2oci_attempts", default)


def _mark(error, attempts, retryable):
    try:
        error.lake2oci_attempts = attempts
        error.lake2oci_retryable = retryable
    except (AttributeError, TypeError):
        pass


def call_with_retry(fn, *, what, max_attempts=6, base_delay=0.2, max_delay=20, sleep=time.sleep, rng=random.random,
                    on_retry=None, tally=None):
    """Calls fn() until it returns, a non-retryable error is raised, or max_attempts attempts failed.
    Returns (result, attempts). `what` names the operation in messages (e.g. 'put_object data/a.parquet').
    `on_retry(what, attempt, delay, description)` is called before each wait (for progress output); `tally`
    (an AttemptTally) is given every retry made, also when the call fails in the end."""
    if max_attempts < 1:
        raise ValueError(f"call_with_retry({what}): max_attempts must be at least 1, got {max_attempts}")
    attempt = 0
    while True:
        attempt += 1
        try:
            result = fn()
        except Exception as error:  # noqa: BLE001 - classified below, re-raised unchanged
            retryable = is_retryable(error)
            if not retryable or attempt >= max_attempts:
                _mark(error, attempt, retryable)
                if tally is not None:
                    tally.add(attempt - 1)
                raise
            delay = backoff_delay(attempt, base_delay=base_delay, max_delay=max_delay, rng=rng,
                                  retry_after=retry_after_seconds(error))
            if on_retry is not None:
                on_retry(what, attempt, delay, describe_error(error))
            sleep(delay)
            continue
        if tally is not None:
            tally.add(attempt - 1)
        return result, attempt
