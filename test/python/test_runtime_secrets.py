"""resolve_secret (src/job/secrets.py): env:, file:, vault: references; errors name the field and never
contain the secret."""
import base64
import types

import oci
import pytest

from runtime_loader import load_runtime

rt = load_runtime("secrets", "redact", "oci_store")

SECRET = "Zm9vYmFyLXNlY3JldC12YWx1ZQ-not-for-eyes"


def test_env_reference():
    assert rt.resolve_secret("env:AZ_KEY", "source.auth.accountKey", environ={"AZ_KEY": SECRET}) == SECRET


def test_file_reference_is_relative_to_the_config_dir_and_drops_the_newline(tmp_path):
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "azure-key").write_text(SECRET + "\n", encoding="utf-8")
    got = rt.resolve_secret("file:secrets/azure-key", "source.auth.accountKey", config_dir=str(tmp_path))
    assert got == SECRET


def test_file_reference_absolute(tmp_path):
    path = tmp_path / "k"
    path.write_text(SECRET, encoding="utf-8")
    assert rt.resolve_secret(f"file:{path}", "f", config_dir="/nonexistent") == SECRET


class FakeSecretsClient:
    def __init__(self, content=None, error=None):
        self.content = content
        self.error = error
        self.calls = []

    def get_secret_bundle(self, secret_id, **kwargs):
        self.calls.append((secret_id, kwargs))
        if self.error is not None:
            raise self.error
        content = types.SimpleNamespace(content=self.content, content_type="BASE64")
        return types.SimpleNamespace(data=types.SimpleNamespace(secret_bundle_content=content))


VAULT_OCID = "ocid1.vaultsecret.oc1.iad.amaaaaaaexample"


def test_vault_reference_decodes_base64():
    client = FakeSecretsClient(base64.b64encode(SECRET.encode()).decode())
    got = rt.resolve_secret(f"vault:{VAULT_OCID}", "source.auth.clientSecret", secrets_client=client)
    assert got == SECRET
    assert client.calls == [(VAULT_OCID, {"stage": "CURRENT"})]


def test_vault_reference_retries_throttling():
    calls = []

    class Flaky(FakeSecretsClient):
        def get_secret_bundle(self, secret_id, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                raise oci.exceptions.ServiceError(429, "TooManyRequests", {"retry-after": "0"}, "slow down")
            return super().get_secret_bundle(secret_id, **kwargs)

    got = rt.resolve_secret(f"vault:{VAULT_OCID}", "f", secrets_client=Flaky(base64.b64encode(b"abcdefgh").decode()))
    assert got == "abcdefgh" and len(calls) == 2


def test_vault_uses_the_signer_factory():
    made = []

    def factory():
        made.append(1)
        raise rt.OciAuthError("no credentials here")

    with pytest.raises(rt.OciAuthError):
        rt.resolve_secret(f"vault:{VAULT_OCID}", "f", oci_signer_factory=factory)
    assert made == [1]


ERRORS = [
    ("env missing", dict(ref="env:NOPE_NOT_SET", environ={}),
     "source.auth.accountKey: environment variable NOPE_NOT_SET is not set"),
    ("env empty", dict(ref="env:EMPTY", environ={"EMPTY": ""}),
     "source.auth.accountKey: environment variable EMPTY is empty"),
    ("env bad name", dict(ref="env:1BAD", environ={}), "source.auth.accountKey: env:1BAD is not a valid"),
    ("file missing", dict(ref="file:nope/key", config_dir="/tmp/lake2oci-none"),
     "source.auth.accountKey: secret file /tmp/lake2oci-none/nope/key (from file:nope/key) does not exist"),
    ("inline secret", dict(ref=SECRET), "source.auth.accountKey: not a secret reference"),
    ("empty", dict(ref=""), "source.auth.accountKey: missing secret reference"),
    ("vault bad ocid", dict(ref="vault:ocid1.bucket.oc1..x"), "is not an OCI Vault secret OCID"),
    ("vault no credentials", dict(ref=f"vault:{VAULT_OCID}"), "needs OCI credentials"),
    ("vault denied", dict(ref=f"vault:{VAULT_OCID}", secrets_client=FakeSecretsClient(
        error=oci.exceptions.ServiceError(404, "NotAuthorizedOrNotFound", {}, SECRET))),
     f"OCI Vault secret {VAULT_OCID} could not be read: 404 NotAuthorizedOrNotFound"),
    ("vault not base64", dict(ref=f"vault:{VAULT_OCID}", secrets_client=FakeSecretsClient("%%%")),
     "is not base64 of UTF-8 text"),
]


@pytest.mark.parametrize("given,want", [(g, w) for _, g, w in ERRORS], ids=[n for n, _, _ in ERRORS])
def test_errors_name_the_field_and_never_the_value(given, want, capsys):
    kwargs = dict(given)
    ref = kwargs.pop("ref")
    with pytest.raises(rt.SecretError) as caught:
        rt.resolve_secret(ref, "source.auth.accountKey", **kwargs)
    message = str(caught.value)
    assert want in message
    assert SECRET not in message
    assert SECRET not in repr(caught.value)
    # No chained exception (which could carry the value) is shown with it.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__
    out = capsys.readouterr()
    assert SECRET not in out.out and SECRET not in out.err


def test_file_secret_never_printed(tmp_path, capsys):
    (tmp_path / "k").write_text(SECRET, encoding="utf-8")
    rt.resolve_secret("file:k", "f", config_dir=str(tmp_path))
    out = capsys.readouterr()
    assert SECRET not in out.out + out.err


def test_resolved_secrets_are_redacted_from_texts():
    rt.resolve_secret("env:X_SECRET", "f", environ={"X_SECRET": "another-secret-42"})
    assert rt.redact_secrets("auth failed for another-secret-42!") == "auth failed for ***!"
    assert rt.redact_secrets("nothing here") == "nothing here"
