# Secrets of the Spark job, resolved from their references at run time: `env:NAME` (an environment variable),
# `file:PATH` (a file; a relative path is relative to the config's directory, or to where the archive put it) or
# `vault:OCID` (an OCI Vault secret). A config holds only references (src/config/secret-ref.ts refuses inline
# secrets). Contract: no message, exception or log line made here contains any part of a secret value, and every value
# resolved is remembered so that describe_error/redact_secrets can blank it out of third-party error texts.
import base64
import binascii
import os
import re

import oci

from .redact import remember_secret
from .retry import call_with_retry

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VAULT_OCID = re.compile(r"^ocid1\.vaultsecret\.[a-z0-9]+(?:\.[a-z0-9-]*)*\.[a-z0-9]+$")


class SecretError(Exception):
    """A secret reference could not be resolved. The message names the config field and the reference, never the
    value."""


def _checked(value, field, where):
    if value == "":
        raise SecretError(f"{field}: {where} is empty; put the secret there, or point {field} at another reference")
    return remember_secret(value)


def _resolve_env(name, field, environ):
    if not _ENV_NAME.match(name):
        raise SecretError(f"{field}: env:{name} is not a valid environment variable name")
    if name not in environ:
        raise SecretError(
            f"{field}: environment variable {name} is not set; set it where the job runs "
            f"(on OCI Data Flow use vault:OCID or file:PATH instead)")
    return _checked(environ[name], field, f"environment variable {name}")


def _resolve_file(path, field, config_dir):
    if path.strip() == "":
        raise SecretError(f"{field}: file: reference without a path; write file:PATH")
    full = os.path.expanduser(path)
    if not os.path.isabs(full) and config_dir:
        full = os.path.join(config_dir, full)
    full = os.path.abspath(full)
    try:
        with open(full, encoding="utf-8") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise SecretError(f"{field}: secret file {full} (from file:{path}) does not exist") from None
    except UnicodeDecodeError:
        raise SecretError(f"{field}: secret file {full} (from file:{path}) is not UTF-8 text") from None
    except OSError as err:
        raise SecretError(f"{field}: secret file {full} (from file:{path}) cannot be read: {err.strerror}") from None
    # Editors end files with a newline; a secret never ends with one.
    return _checked(content.rstrip("\r\n"), field, f"secret file {full}")


def _resolve_vault(ocid, field, oci_signer_factory, secrets_client):
    if not _VAULT_OCID.match(ocid):
        raise SecretError(f"{field}: vault:{ocid} is not an OCI Vault secret OCID (ocid1.vaultsecret....)")
    client = secrets_client
    if client is None:
        if oci_signer_factory is None:
            raise SecretError(f"{field}: vault:{ocid} needs OCI credentials to read the secret, and none were given")
        config, signer = oci_signer_factory()
        kwargs = {"retry_strategy": oci.retry.NoneRetryStrategy()}
        if signer is not None:
            kwargs["signer"] = signer
        client = oci.secrets.SecretsClient(config, **kwargs)
    try:
        response, _ = call_with_retry(lambda: client.get_secret_bundle(secret_id=ocid, stage="CURRENT"),
                                      what=f"get_secret_bundle for {field}")
        bundle = response.data
    except oci.exceptions.ServiceError as err:
        raise SecretError(
            f"{field}: OCI Vault secret {ocid} could not be read: {err.status} {err.code} "
            f"(check that the secret exists and a policy lets the job read it)") from None
    content = getattr(bundle.secret_bundle_content, "content", None)
    if content is None:
        raise SecretError(f"{field}: OCI Vault secret {ocid} has no content")
    try:
        value = base64.b64decode(content, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise SecretError(f"{field}: OCI Vault secret {ocid} is not base64 of UTF-8 text") from None
    return _checked(value, field, f"OCI Vault secret {ocid}")


def resolve_secret(ref, field, *, config_dir=None, oci_signer_factory=None, environ=None, secrets_client=None):
    """The secret `ref` points at. `field` is the config field it came from (named in errors).
    - env:NAME reads `environ` (default os.environ);
    - file:PATH reads the file, relative to config_dir; one trailing newline is dropped;
    - vault:OCID reads the CURRENT version with secrets_client, or with an oci.secrets.SecretsClient made from
      oci_signer_factory() -> (config, signer) (signer may be None for a config-file client).
    Raises SecretError naming the field; never with the value."""
    if not isinstance(ref, str) or ref == "":
        raise SecretError(f"{field}: missing secret reference; write env:NAME, file:PATH or vault:OCID")
    scheme, _, rest = ref.partition(":")
    if scheme == "env":
        return _resolve_env(rest, field, os.environ if environ is None else environ)
    if scheme == "file":
        return _resolve_file(rest, field, config_dir)
    if scheme == "vault":
        return _resolve_vault(rest, field, oci_signer_factory, secrets_client)
    # The value may be an inline secret: name the field, not the value.
    raise SecretError(
        f"{field}: not a secret reference; write env:NAME, file:PATH or vault:OCID (the value is not shown)")
