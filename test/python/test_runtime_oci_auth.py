"""OCI authentication of the job (src/job/oci_store.py) without a network: the LOCAL config file, and for
DATAFLOW resource principal, the config file shipped in the archive (found under any sys.path entry, with the key
file of the original python3.6 path found beside it) and the delegation token, in that order."""
import oci
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from runtime_loader import load_runtime

rt = load_runtime("oci_store")

USER = "ocid1.user.oc1..aaaaaaaaexampleuserexampleuserexampleuserexampleuser"
TENANCY = "ocid1.tenancy.oc1..aaaaaaaaexampletenancyexampletenancyexampletenancy"
FINGERPRINT = "12:34:56:78:9a:bc:de:f0:12:34:56:78:9a:bc:de:f0"


@pytest.fixture(scope="module")
def key_pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def write_config(directory, sections, key_pem, key_name="oci_api_key.pem"):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / key_name).write_bytes(key_pem)
    text = ""
    for section, key_file in sections.items():
        text += (f"[{section}]\nuser={USER}\nfingerprint={FINGERPRINT}\ntenancy={TENANCY}\nregion=us-ashburn-1\n"
                 f"key_file={key_file}\n\n")
    (directory / "config").write_text(text, encoding="utf-8")
    return directory / "config"


def no_spark(key):
    return None


def test_local_reads_the_default_section(tmp_path, key_pem):
    # DEFAULT, as the OCI SDKs and `lake2oci plan` read it (the original job's [LOCAL] is --target-config-profile LOCAL)
    path = write_config(tmp_path, {"DEFAULT": tmp_path / "oci_api_key.pem"}, key_pem)
    config, signer = rt.oci_auth("LOCAL", str(path))
    assert signer is None
    assert (config["user"], config["region"]) == (USER, "us-ashburn-1")


def test_local_section_and_region_can_be_chosen(tmp_path, key_pem):
    path = write_config(tmp_path, {"DEFAULT": tmp_path / "oci_api_key.pem"}, key_pem)
    config, _ = rt.oci_auth("LOCAL", str(path), "eu-frankfurt-1", config_profile="DEFAULT")
    assert config["region"] == "eu-frankfurt-1"


def test_local_errors_name_the_file_and_section(tmp_path, key_pem):
    with pytest.raises(rt.OciAuthError, match=r"OCI config file .*/nope does not exist"):
        rt.oci_auth("LOCAL", str(tmp_path / "nope"))
    path = write_config(tmp_path, {"OTHER": tmp_path / "oci_api_key.pem"}, key_pem)
    with pytest.raises(rt.OciAuthError, match=r"has no \[LOCAL\] section"):
        rt.oci_auth("LOCAL", str(path), config_profile="LOCAL")
    with pytest.raises(rt.OciAuthError, match="profile must be LOCAL or DATAFLOW"):
        rt.oci_auth("CLOUD", str(path))


def test_dataflow_prefers_resource_principal(tmp_path, key_pem, monkeypatch):
    class FakeSigner:
        region = "us-phoenix-1"

    monkeypatch.setattr(oci.auth.signers, "get_resource_principals_signer", lambda: FakeSigner())
    site = tmp_path / "site-packages"
    write_config(site / "src" / ".oci", {"DATAFLOW": site / "src" / ".oci" / "oci_api_key.pem"}, key_pem)
    config, signer = rt.oci_auth("DATAFLOW", environ={"OCI_RESOURCE_PRINCIPAL_VERSION": "2.2"},
                                 search_paths=[str(site)], spark_conf_get=no_spark)
    assert isinstance(signer, FakeSigner)
    assert config == {"region": "us-phoenix-1"}


def test_dataflow_finds_the_archive_config_on_sys_path_and_fixes_the_python36_key_path(tmp_path, key_pem):
    # The original archive's config: key_file under python3.6's site-packages, which Data Flow 3.11 does not have.
    site = tmp_path / "archive" / "python" / "lib" / "python3.11" / "site-packages"
    old_key = "/opt/dataflow/python/lib/python3.6/site-packages/src/.oci/oracleidentitycloudservice_key.pem"
    config_path = write_config(site / "src" / ".oci", {"DATAFLOW": old_key}, key_pem,
                               key_name="oracleidentitycloudservice_key.pem")
    warnings = []
    config, signer = rt.oci_auth("DATAFLOW", environ={}, search_paths=[str(tmp_path / "elsewhere"), str(site)],
                                 spark_conf_get=no_spark, warn=warnings.append)
    assert signer is None
    assert config["key_file"] == str(site / "src" / ".oci" / "oracleidentitycloudservice_key.pem")
    assert len(warnings) == 1
    assert str(config_path) in warnings[0] and "dataflow.auth=resource_principal" in warnings[0]
    # A client can be made from it (the key loads).
    client = rt.oci_client("DATAFLOW", endpoint="http://127.0.0.1:9", environ={}, search_paths=[str(site)],
                           spark_conf_get=no_spark, warn=warnings.append)
    assert client.base_client.endpoint == "http://127.0.0.1:9"


def test_dataflow_archive_key_missing_everywhere_is_a_clear_error(tmp_path, key_pem):
    site = tmp_path / "site"
    write_config(site / "src" / ".oci", {"DATAFLOW": "/opt/x/gone.pem"}, key_pem)
    with pytest.raises(rt.OciAuthError, match=r"key_file /opt/x/gone.pem of \[DATAFLOW\] .* does not exist"):
        rt.oci_auth("DATAFLOW", environ={}, search_paths=[str(site)], spark_conf_get=no_spark, warn=lambda m: None)


def test_dataflow_falls_back_to_the_delegation_token(tmp_path, monkeypatch):
    token = tmp_path / "delegation.token"
    token.write_text("the-token\n", encoding="utf-8")
    made = []

    class FakeDelegationSigner:
        region = "sa-saopaulo-1"

        def __init__(self, delegation_token):
            made.append(delegation_token)

    monkeypatch.setattr(oci.auth.signers, "InstancePrincipalsDelegationTokenSigner", FakeDelegationSigner)
    conf = {rt.DELEGATION_TOKEN_CONF: str(token)}
    config, signer = rt.oci_auth("DATAFLOW", environ={}, search_paths=[str(tmp_path)], spark_conf_get=conf.get)
    assert isinstance(signer, FakeDelegationSigner) and made == ["the-token"]
    assert config == {"region": "sa-saopaulo-1"}


def test_dataflow_without_credentials_says_what_to_configure(tmp_path):
    with pytest.raises(rt.OciAuthError) as caught:
        rt.oci_auth("DATAFLOW", environ={}, search_paths=[str(tmp_path)], spark_conf_get=no_spark)
    message = str(caught.value)
    for hint in ("dataflow.auth=resource_principal", "src/.oci/config", rt.DELEGATION_TOKEN_CONF):
        assert hint in message


def test_client_has_sdk_retries_and_circuit_breaker_off(tmp_path, key_pem):
    path = write_config(tmp_path, {"DEFAULT": tmp_path / "oci_api_key.pem"}, key_pem)
    client = rt.oci_client("LOCAL", str(path), "http://127.0.0.1:9")
    assert isinstance(client.retry_strategy, oci.retry.NoneRetryStrategy)
    assert isinstance(client.base_client.circuit_breaker_strategy, oci.circuit_breaker.NoCircuitBreakerStrategy)
