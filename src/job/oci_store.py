# OCI Object Storage side of the Spark job: authentication, the client (SDK retries and circuit breaker off: retries
# are ours, retry.py), the namespace, and the target listing.
# Authentication by profile:
# - LOCAL: an OCI config file and API key (`oci.config.from_file`), the config file's section `config_profile`
#   (default: DEFAULT, the OCI SDKs' default and the section `lake2oci plan` reads; the original job read [LOCAL]:
#   give --target-config-profile LOCAL, or "configProfile": "LOCAL" in the config, to keep such a file).
# - DATAFLOW, first that applies: resource principal (OCI_RESOURCE_PRINCIPAL_VERSION is set when the application
#   runs with dataflow.auth=resource_principal); a config file shipped in archive.zip (`src/.oci/config` under any
#   sys.path entry, section DATAFLOW; the original workflow, still supported with a warning); the Data Flow delegation
#   token (Spark conf spark.hadoop.fs.oci.client.auth.delegationTokenPath).
import configparser
import os
import sys

import oci

from .adls import http_environment, size_pools
from .retry import call_with_retry

DELEGATION_TOKEN_CONF = "spark.hadoop.fs.oci.client.auth.delegationTokenPath"
ARCHIVE_CONFIG_PATH = os.path.join("src", ".oci", "config")
TARGET_LIST_FIELDS = "name,size,md5,etag,timeModified"


class OciAuthError(Exception):
    """OCI credentials could not be set up. The message says what was tried and what to configure."""


def _warn_stderr(message):
    sys.stderr.write(f"lake2oci: warning: {message}\n")
    sys.stderr.flush()


def _spark_conf_get(key):
    """A Spark configuration value of the running SparkContext, or None (no pyspark, no context, not set)."""
    try:
        from pyspark import SparkContext
    except ImportError:
        return None
    context = SparkContext._active_spark_context
    if context is None:
        return None
    return context.getConf().get(key)


def _fix_key_file(config, config_path):
    """The original archive's config named its key by an absolute site-packages path of one Python version
    (python3.6). When that path does not exist, the key file of the same name beside the config file is used."""
    key_file = config.get("key_file")
    if not key_file or os.path.isfile(os.path.expanduser(key_file)):
        return config
    beside = os.path.join(os.path.dirname(os.path.abspath(config_path)), os.path.basename(key_file))
    if os.path.isfile(beside):
        config = dict(config)
        config["key_file"] = beside
    return config


def _load_config(config_path, section, what):
    try:
        return _fix_key_file(oci.config.from_file(config_path, section), config_path)
    except oci.exceptions.ConfigFileNotFound:
        raise OciAuthError(f"{what}: OCI config file {config_path} does not exist") from None
    except oci.exceptions.ProfileNotFound:
        raise OciAuthError(f"{what}: OCI config file {config_path} has no [{section}] section") from None
    except oci.exceptions.InvalidKeyFilePath:
        pass
    # from_file refuses a key_file that does not exist; read the section the same way and look beside the config.
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(config_path)
    config = dict(oci.config.DEFAULT_CONFIG)
    config.update(parser[section])
    config["log_requests"] = str(config.get("log_requests")).lower() in ("1", "yes", "true", "on")
    config = _fix_key_file(config, config_path)
    key_file = os.path.expanduser(config.get("key_file", ""))
    if not os.path.isfile(key_file):
        raise OciAuthError(
            f"{what}: key_file {key_file} of [{section}] in {config_path} does not exist, and no file "
            f"{os.path.basename(key_file)} is beside the config file")
    return config


def find_archive_config(search_paths=None, config_file=None):
    """The OCI config file shipped in the archive: config_file when it is absolute and exists, else `config_file` (when
    relative) or src/.oci/config under each entry of search_paths (default sys.path), first found; None if none."""
    if config_file and os.path.isabs(os.path.expanduser(config_file)):
        full = os.path.expanduser(config_file)
        return full if os.path.isfile(full) else None
    relative = config_file or ARCHIVE_CONFIG_PATH
    for entry in list(sys.path if search_paths is None else search_paths):
        candidate = os.path.join(entry or os.getcwd(), relative)
        if os.path.isfile(candidate):
            return candidate
    return None


def local_config_location(config_file=None, config_profile=None):
    """(OCI config file, section) a LOCAL run reads: ~/.oci/config and DEFAULT unless given, as `lake2oci plan` reads
    them (src/config/store-settings.ts)."""
    return os.path.expanduser(config_file or oci.config.DEFAULT_LOCATION), config_profile or "DEFAULT"


def oci_auth(profile, config_file=None, region=None, *, config_profile=None, environ=None, search_paths=None,
             spark_conf_get=None, warn=None):
    """(config, signer) for an OCI client; signer is None when the config file's API key signs. See the file comment
    for what each profile tries. Raises OciAuthError naming what to configure."""
    environ = os.environ if environ is None else environ
    warn = _warn_stderr if warn is None else warn
    if profile == "LOCAL":
        path, section = local_config_location(config_file, config_profile)
        config = _load_config(path, section, "OCI auth (profile LOCAL)")
        if region:
            config["region"] = region
        return config, None
    if profile != "DATAFLOW":
        raise OciAuthError(f"OCI auth: profile must be LOCAL or DATAFLOW, got {profile!r}")

    if environ.get("OCI_RESOURCE_PRINCIPAL_VERSION"):
        signer = oci.auth.signers.get_resource_principals_signer()
        return {"region": region or signer.region}, signer

    archived = find_archive_config(search_paths, config_file)
    if archived is not None:
        section = config_profile or "DATAFLOW"
        config = _load_config(archived, section, "OCI auth (profile DATAFLOW)")
        warn(f"OCI auth uses the API key of [{section}] in {archived}, shipped inside the archive; resource principal "
             "is safer: run the application with the Spark configuration dataflow.auth=resource_principal and a "
             "policy for its resource")
        if region:
            config["region"] = region
        return config, None

    token_path = (spark_conf_get or _spark_conf_get)(DELEGATION_TOKEN_CONF)
    if token_path:
        try:
            with open(token_path, encoding="utf-8") as handle:
                token = handle.read().strip()
        except OSError as err:
            raise OciAuthError(f"OCI auth (profile DATAFLOW): the delegation token {token_path} "
                               f"({DELEGATION_TOKEN_CONF}) cannot be read: {err.strerror}") from None
        signer = oci.auth.signers.InstancePrincipalsDelegationTokenSigner(delegation_token=token)
        return {"region": region or signer.region}, signer

    raise OciAuthError(
        "OCI auth (profile DATAFLOW): no credentials found. Configure one of: resource principal (run the application "
        "with the Spark configuration dataflow.auth=resource_principal; OCI_RESOURCE_PRINCIPAL_VERSION is not set), "
        f"an OCI config file with a [DATAFLOW] section at {ARCHIVE_CONFIG_PATH} inside archive.zip (searched "
        f"{len(sys.path if search_paths is None else search_paths)} sys.path entries), or a Data Flow delegation token "
        f"({DELEGATION_TOKEN_CONF} is not set)")


def oci_client(profile, config_file=None, endpoint=None, region=None, *, config_profile=None, timeout=(10, 300),
               pool_size=None, **auth_options):
    """An ObjectStorageClient for `profile` (LOCAL | DATAFLOW), SDK retries and circuit breaker off, talking to
    `endpoint` when given (the local cloud) instead of the region's; its session reads the environment per request
    only for proxies (http_environment); pool_size: the connections kept per host (default requests' 10; give the
    thread count, see size_pools). auth_options go to oci_auth."""
    config, signer = oci_auth(profile, config_file, region, config_profile=config_profile, **auth_options)
    kwargs = {
        "retry_strategy": oci.retry.NoneRetryStrategy(),
        "circuit_breaker_strategy": oci.circuit_breaker.NoCircuitBreakerStrategy(),
        "timeout": timeout,
    }
    if signer is not None:
        kwargs["signer"] = signer
    if endpoint:
        kwargs["service_endpoint"] = endpoint
    try:
        client = oci.object_storage.ObjectStorageClient(config, **kwargs)
    except oci.exceptions.InvalidConfig as err:
        # The errors name the fields only (user, fingerprint, key_file...), never their values.
        raise OciAuthError(f"OCI auth (profile {profile}): the OCI config is invalid: {err}") from None
    proxies, ca_bundle = http_environment()
    if not proxies:
        session = client.base_client.session
        session.trust_env = False
        if ca_bundle:
            session.verify = ca_bundle
    if pool_size:
        size_pools(client.base_client.session, pool_size)
    return client


def object_storage_namespace(client, retry_options=None):
    """The tenancy's Object Storage namespace."""
    response, _ = call_with_retry(client.get_namespace, what="get_namespace", **(retry_options or {}))
    return response.data


def list_target_pages(client, namespace, bucket, prefix=None, *, start=None, end=None, delimiter=None, fields=None,
                      page_size=1000, retry_options=None):
    """Yields the ListObjects pages of the bucket (under prefix, names in [start, end) when given) as (objects,
    prefixes, next_start_with), in name order, following next_start_with to the end (each page retried on its own)."""
    while True:
        kwargs = {"fields": fields or TARGET_LIST_FIELDS, "limit": page_size}
        for key, value in (("prefix", prefix), ("start", start), ("end", end), ("delimiter", delimiter)):
            if value:
                kwargs[key] = value

        def fetch(kwargs=kwargs):
            return client.list_objects(namespace, bucket, **kwargs)

        response, _ = call_with_retry(fetch, what=f"list_objects {bucket} start={start!r}", **(retry_options or {}))
        start = response.data.next_start_with
        yield response.data.objects or [], list(response.data.prefixes or []), start
        if not start:
            return


def _target_entry(summary):
    return {"name": summary.name, "size": summary.size, "md5": summary.md5, "etag": summary.etag,
            "modified": summary.time_modified}


def list_target(client, namespace, bucket, prefix=None, *, page_size=1000, retry_options=None, start=None, end=None):
    """Yields every object of the bucket (under prefix; names in [start, end) when given) as {name, size, md5, etag,
    modified}, in name order, following next_start_with to the end (each page retried on its own)."""
    for objects, _, _ in list_target_pages(client, namespace, bucket, prefix, start=start, end=end,
                                           page_size=page_size, retry_options=retry_options):
        for summary in objects:
            yield _target_entry(summary)


def head_target(client, namespace, bucket, name, retry_options=None):
    """{size, md5, etag, metadata} of an object (metadata: its opc-meta-* headers without the prefix), or None when
    there is no such object."""
    try:
        response, _ = call_with_retry(lambda: client.head_object(namespace, bucket, name),
                                      what=f"head_object {name}", **(retry_options or {}))
    except oci.exceptions.ServiceError as err:
        if err.status == 404:
            return None
        raise
    headers = response.headers
    metadata = {}
    for key, value in headers.items():
        if key.lower().startswith("opc-meta-"):
            metadata[key[len("opc-meta-"):].lower()] = value
    length = headers.get("content-length")
    return {
        "size": int(length) if length is not None else None,
        "md5": headers.get("opc-multipart-md5") or headers.get("content-md5"),
        "etag": headers.get("etag"),
        "metadata": metadata,
    }
