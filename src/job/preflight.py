# Store problems of the job (contract C4): before anything is written, the job checks that both stores answer (the
# OCI namespace and the target bucket, the log's bucket when the log is an object, the ADLS file system and the
# source path), and turns what an SDK raises for a missing bucket, namespace, file system or path, an endpoint that
# cannot be reached, or refused credentials into StoreProblem: one line worded by the translated core
# (store_problem_message, src/core/store-problem.ts; the same words `lake2oci plan` prints), exit status 2.
import oci

from lake2oci_core import store_problem_info, store_problem_message

from .retry import call_with_retry
from .sources import check_source_path, source_list_path

try:  # the SDKs' error classes, when installed (the job always has both)
    from azure.core.exceptions import ClientAuthenticationError as _AzureClientAuthError
    from azure.core.exceptions import HttpResponseError as _AzureHttpError
except ImportError:  # pragma: no cover
    _AzureClientAuthError = None
    _AzureHttpError = None

# The SDK errors that mean "these credentials cannot sign or were refused" before any answer came back.
_OCI_AUTH_ERRORS = tuple(
    cls for cls in (getattr(oci.exceptions, n, None) for n in
                    ("InvalidPrivateKey", "MissingPrivateKeyPassphrase", "InvalidKeyFilePath", "InvalidConfig"))
    if isinstance(cls, type))
_PREFLIGHT_ATTEMPTS = 3


class StoreProblem(Exception):
    """A store problem the person running the job must fix. str(problem) is the whole line, `lake2oci: ` included:
    print it as it is (to stderr) and exit 2. `info` is the core's StoreProblemInfo (kind, side, names, detail)."""

    def __init__(self, info):
        super().__init__(store_problem_message(info))
        self.info = info
        self.kind = info["kind"]


def _chain(error):
    """The error and its causes / contexts (at most 8), each once."""
    seen = []
    e = error
    while e is not None and len(seen) < 8 and all(e is not s for s in seen):
        seen.append(e)
        e = e.__cause__ or e.__context__ or getattr(e, "inner_exception", None)
    return seen


def network_failure(error):
    """How a connection failed ("refused", "dns", "timeout", "tls", "reset", "other"), or "" when `error` is not a
    connection failure (an HTTP answer, or anything else)."""
    if isinstance(error, oci.exceptions.ServiceError):
        return ""
    if _AzureHttpError is not None and isinstance(error, _AzureHttpError) and getattr(error, "status_code", None):
        return ""
    texts = []
    network = False
    for e in _chain(error):
        name = type(e).__name__
        texts.append(f"{name} {e}")
        module = type(e).__module__ or ""
        if (isinstance(e, (ConnectionError, TimeoutError, OSError)) or name in (
                "ConnectTimeout", "ReadTimeout", "Timeout", "ServiceRequestError", "NewConnectionError",
                "MaxRetryError", "NameResolutionError", "RequestException", "SSLError", "ProtocolError")
                or module.startswith(("requests", "urllib3", "oci._vendor"))):
            network = True
    if not network:
        return ""
    text = " ".join(texts).lower()
    if "refused" in text or "errno 111" in text:
        return "refused"
    if ("name or service not known" in text or "nodename nor servname" in text or "name resolution" in text
            or "getaddrinfo" in text or "no address associated" in text or "nameresolutionerror" in text):
        return "dns"
    if "ssl" in text or "certificate" in text:
        return "tls"
    if "timed out" in text or "timeout" in text:
        return "timeout"
    if "reset" in text or "remotedisconnected" in text or "aborted" in text:
        return "reset"
    return "other"


def _source_info(kind, p):
    info = store_problem_info(kind, "source")
    account = p.get("source-account") or ""
    info["account"] = account
    info["fileSystem"] = p.get("source-file-system") or ""
    info["path"] = p.get("source-path") or ""
    info["endpointSet"] = bool(p.get("source-endpoint"))
    info["endpoint"] = (p.get("source-endpoint") or f"https://{account}.dfs.core.windows.net").rstrip("/")
    info["auth"] = p.get("source-auth") or ""
    return info


def _target_info(kind, side, p, bucket):
    info = store_problem_info(kind, side)
    info["endpointSet"] = bool(p.get("target-endpoint"))
    region = p.get("target-region") or ""
    # As configured (`lake2oci plan` words it the same way): the endpoint, else the region's (else none named).
    info["endpoint"] = (p.get("target-endpoint") or (f"https://objectstorage.{region}.oraclecloud.com" if region
                                                    else "")).rstrip("/")
    # The namespace as configured (a looked-up one is not named: `lake2oci plan` words it the same way).
    info["namespace"] = p.get("target-namespace") or ""
    if bucket:
        info["bucket"] = bucket
    elif side == "log":
        info["bucket"] = p.get("log-bucket") or p.get("target-bucket") or ""
    else:
        info["bucket"] = p.get("target-bucket") or ""
    info["auth"] = p.get("target-profile") or ""
    return info


def store_problem_from_error(error, side, p, *, bucket=None):
    """The StoreProblem for an SDK error met talking to a store, or None when the error is no store problem (a
    throttle, a server fault, anything else: let it go on as it is). side: "source" (ADLS), "target" (OCI), or "log"
    (the bucket of a migration log object). p: the job parameters. endpoint / bucket: what the caller knows better
    than p (the OCI client's endpoint `client.base_client.endpoint`, the log's bucket).

    Wiring in the driver (run.py open_context, planning.py _list_sides), each site `except Exception as error:` then
    `problem = store_problem_from_error(error, side, p, ...)`, `if problem is not None: raise problem from error`,
    else `raise`:
      - around `ctx = make_copy_context(params)` with side "target" (the namespace lookup happens there; an ADLS
        client is only built, nothing is sent);
      - around the source listing in _list_sides (side "source") and the target listing (side "target"), for
        problems met after the preflight."""
    network = network_failure(error)
    if side == "source":
        if network:
            info = _source_info("unreachable", p)
            info["network"] = network
            return StoreProblem(info)
        status = None
        code = ""
        if _AzureHttpError is not None and isinstance(error, _AzureHttpError):
            status = error.status_code
            code = getattr(error, "error_code", None) or ""
            code = getattr(code, "value", code)  # azure-storage gives a StorageErrorCode (a str enum)
            if _AzureClientAuthError is not None and isinstance(error, _AzureClientAuthError) and status is None:
                # The token endpoint's own words (e.g. "AADSTS7000215: Invalid client secret provided") say what to
                # fix: keep their first line, cut short.
                said = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
                code = type(error).__name__ + (f": {said[:200]}" if said else "")
        else:
            return None
        if status in (401, 403) or (status is None and code):
            kind = "auth-refused"
        elif status == 404:
            kind = "path-not-found" if code in ("PathNotFound", "BlobNotFound") else "file-system-not-found"
        else:
            return None
        info = _source_info(kind, p)
        info["status"] = status
        info["code"] = str(code)
        return StoreProblem(info)

    if network:
        info = _target_info("unreachable", side, p, bucket)
        info["network"] = network
        return StoreProblem(info)
    if isinstance(error, oci.exceptions.ServiceError):
        status = error.status
        code = error.code or ""
        if status in (401, 403):
            kind = "auth-refused"
        elif status == 404:
            kind = "namespace-not-found" if code == "NamespaceNotFound" else "bucket-not-found"
        else:
            return None
        info = _target_info(kind, side, p, bucket)
        info["status"] = status
        info["code"] = str(code)
        return StoreProblem(info)
    if _OCI_AUTH_ERRORS and isinstance(error, _OCI_AUTH_ERRORS):
        info = _target_info("auth-refused", side, p, bucket)
        info["code"] = type(error).__name__
        return StoreProblem(info)
    return None


def _attempt(fn, what, ctx):
    options = dict(getattr(ctx, "retry_options", None) or {})
    options["max_attempts"] = min(int(options.get("max_attempts") or _PREFLIGHT_ATTEMPTS), _PREFLIGHT_ATTEMPTS)
    return call_with_retry(fn, what=what, **options)


def preflight_stores(ctx, p, location):
    """Checks both stores before anything is written; returns None, or raises StoreProblem (one line, exit 2).
    Each request is retried at most 3 times (a throttle or a dropped connection passes; a 404 or 401 is final).

    1. OCI: GetBucket of the target bucket in ctx.namespace (a wrong namespace: namespace-not-found; no bucket:
       bucket-not-found; 401/403: auth-refused; no connection: unreachable). The namespace itself was looked up by
       make_copy_context (wrap that call too, see store_problem_from_error).
    2. The log's bucket when the log is an object (location has "bucket") in another bucket: GetBucket, side "log".
    3. The source: a store of src/stores raises SourceStoreProblem itself (its own line); ADLS: one List Paths page (1 entry, not recursive) of the source path (the file system root when the path is
       empty), the call `lake2oci plan`'s lister makes: no file system: file-system-not-found; no such directory:
       path-not-found (naming it); 401/403: auth-refused; no connection: unreachable.

    Wiring in driver.py (run_job): right after `location = log_location(p, ctx.namespace)` and before _list_sides,
    `preflight_stores(ctx, p, location)`; and in main(), before the JobError clause:
        except StoreProblem as problem:
            print(redact_secrets(str(problem)), file=sys.stderr)   # the line already starts with "lake2oci: "
            if "--debug" in argv: traceback.print_exc()            # (or p["debug"] when run_job keeps p)
            return 2
    """
    client = ctx.target
    bucket = ctx.bucket
    try:
        _attempt(lambda: client.get_bucket(ctx.namespace, bucket), f"get_bucket {bucket}", ctx)
    except Exception as error:  # noqa: BLE001 - classified, re-raised when no store problem
        problem = store_problem_from_error(error, "target", p, bucket=bucket)
        if problem is not None:
            raise problem from error
        raise
    log_bucket = (location or {}).get("bucket")
    if log_bucket and log_bucket != bucket:
        namespace = location.get("namespace") or ctx.namespace
        try:
            _attempt(lambda: client.get_bucket(namespace, log_bucket), f"get_bucket {log_bucket}", ctx)
        except Exception as error:  # noqa: BLE001
            problem = store_problem_from_error(error, "log", p, bucket=log_bucket)
            if problem is not None:
                raise problem from error
            raise
    path = source_list_path(p)

    try:
        _attempt(lambda: check_source_path(ctx.source, path), f"list_paths {path or '/'}", ctx)
    except Exception as error:  # noqa: BLE001
        problem = store_problem_from_error(error, "source", p)
        if problem is not None:
            raise problem from error
        raise
