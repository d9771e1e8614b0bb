"""Store problems of the job (src/job/preflight.py) against the local cloud: a missing bucket, file
system or path, a wrong OCI key, a closed port on either side, a wrong ADLS key. Each gives StoreProblem whose line is
exactly the wording of the matching case of test/vectors/store-problems.json (worded by the translated core, with the
live endpoint, namespace and names put in). Needs the local cloud (test/python-sdk.test.ts)."""
import base64
import json
import os
import socket

import pytest

from runtime_loader import ADLS_KEY_REF, REPO, LocalCloud, load_core, load_runtime

rt = load_runtime("preflight", "copy")
VECTORS = os.path.join(REPO, "test", "vectors", "store-problems.json")
WRONG_KEY_VAR = "LAKE2OCI_TEST_WRONG_ADLS_KEY"


core = load_core()


def vector(name):
    with open(VECTORS, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    found = [c for c in cases if c["name"] == name]
    assert found, f"no case {name!r} in {VECTORS}"
    return found[0]


def expected(name, **live):
    """The vector case's line with the live values put in; the case itself must word as its `want` says."""
    case = vector(name)
    info = dict(core.store_problem_info(case["given"]["kind"], case["given"]["side"]))
    info.update(case["given"])
    assert core.store_problem_message(info) == case["want"]
    info.update(live)
    return core.store_problem_message(info)


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(scope="module")
def cloud():
    return LocalCloud()


@pytest.fixture(scope="module")
def lake(cloud):
    """A bucket and a file system holding raw/a.txt."""
    bucket = cloud.new_bucket("pf")
    fs = cloud.new_file_system("pf")
    fs.get_file_client("raw/a.txt").upload_data(b"abc", overwrite=True)
    return bucket, fs.file_system_name


def params(cloud, bucket, fs_name, **over):
    p = {"source-account": cloud.account, "source-file-system": fs_name, "source-path": "",
         "source-endpoint": cloud.adls_url, "source-auth": "key", "source-account-key": ADLS_KEY_REF,
         "target-bucket": bucket, "target-namespace": cloud.namespace, "target-region": "", "target-profile": "LOCAL",
         "target-config-file": cloud.config_file, "target-config-profile": cloud.profile,
         "target-endpoint": cloud.endpoint, "log-path": "/tmp/never-written.json", "max-attempts": 2}
    p.update(over)
    return p


def context(p):
    target = {"profile": p["target-profile"], "bucket": p["target-bucket"]}
    for key, name in (("config_file", "target-config-file"), ("config_profile", "target-config-profile"),
                      ("endpoint", "target-endpoint"), ("namespace", "target-namespace")):
        if p.get(name):
            target[key] = p[name]
    return rt.make_copy_context({
        "source": {"account_name": p["source-account"], "file_system": p["source-file-system"],
                   "endpoint": p["source-endpoint"], "auth": {"kind": "key", "account_key": p["source-account-key"]}},
        "target": target,
        "retry": {"max_attempts": 2, "base_delay": 0.01, "max_delay": 0.02},
        "run": {"run_id": "20240101000000000000"},
    })


def problem_of(p, location=None):
    with pytest.raises(rt.StoreProblem) as caught:
        rt.preflight_stores(context(p), p, location or {"path": p["log-path"]})
    line = str(caught.value)
    assert "\n" not in line and line.startswith("lake2oci: ")
    return line


def test_a_good_setup_passes(cloud, lake):
    bucket, fs_name = lake
    p = params(cloud, bucket, fs_name, **{"source-path": "raw"})
    assert rt.preflight_stores(context(p), p, {"path": p["log-path"]}) is None
    # a log object in the target bucket, and a source path that is the file system root
    p = params(cloud, bucket, fs_name)
    assert rt.preflight_stores(context(p), p, {"namespace": cloud.namespace, "bucket": bucket, "object": "log/x.json"}) is None


def test_missing_bucket(cloud, lake):
    _, fs_name = lake
    p = params(cloud, "no-such-bucket-pf", fs_name)
    assert problem_of(p) == expected("missing bucket (local cloud)", endpoint=cloud.endpoint,
                                     namespace=cloud.namespace, bucket="no-such-bucket-pf")


def test_missing_log_bucket(cloud, lake):
    bucket, fs_name = lake
    p = params(cloud, bucket, fs_name, **{"log-path": "", "log-bucket": "no-such-log-bucket", "log-object": "l.json"})
    line = problem_of(p, {"namespace": cloud.namespace, "bucket": "no-such-log-bucket", "object": "l.json"})
    assert line == expected("missing log bucket", endpoint=cloud.endpoint, namespace=cloud.namespace)


def test_missing_file_system(cloud, lake):
    bucket, _ = lake
    p = params(cloud, bucket, "no-such-fs")
    assert problem_of(p) == expected("missing file system (local cloud)", endpoint=cloud.adls_url.rstrip("/"),
                                     account=cloud.account)


def test_missing_path_names_the_path(cloud, lake):
    bucket, fs_name = lake
    p = params(cloud, bucket, fs_name, **{"source-path": "raw/no-such-dir"})
    line = problem_of(p)
    assert '"raw/no-such-dir"' in line
    assert line == expected("missing path (local cloud)", endpoint=cloud.adls_url.rstrip("/"), account=cloud.account,
                            fileSystem=fs_name)


def test_wrong_oci_key(cloud, lake):
    bucket, fs_name = lake
    wrong = os.environ.get("LAKE2OCI_OCI_WRONG_CONFIG")
    assert wrong, "LAKE2OCI_OCI_WRONG_CONFIG is not set (the local cloud's config whose key file is another key)"
    want = expected("wrong OCI key (local cloud)", endpoint=cloud.endpoint, namespace=cloud.namespace, bucket=bucket)
    # namespace given: the preflight's GetBucket is refused
    p = params(cloud, bucket, fs_name, **{"target-config-file": wrong, "target-config-profile": "DEFAULT"})
    assert problem_of(p) == want
    # namespace looked up: make_copy_context's GetNamespace is refused; the wiring turns that error into the line
    p = params(cloud, bucket, fs_name, **{"target-config-file": wrong, "target-config-profile": "DEFAULT",
                                          "target-namespace": ""})
    with pytest.raises(Exception) as caught:
        context(p)
    problem = rt.store_problem_from_error(caught.value, "target", p)
    assert problem is not None and str(problem) == expected("wrong OCI key (local cloud)", endpoint=cloud.endpoint,
                                                            namespace="", bucket=bucket)


def test_unreachable_oci_endpoint(cloud, lake):
    bucket, fs_name = lake
    endpoint = f"http://127.0.0.1:{closed_port()}"
    p = params(cloud, bucket, fs_name, **{"target-endpoint": endpoint})
    assert problem_of(p) == expected("OCI endpoint refused (closed port)", endpoint=endpoint, namespace=cloud.namespace,
                                     bucket=bucket)


def test_unreachable_adls_endpoint(cloud, lake):
    bucket, fs_name = lake
    endpoint = f"http://127.0.0.1:{closed_port()}/{cloud.account}"
    p = params(cloud, bucket, fs_name, **{"source-endpoint": endpoint})
    assert problem_of(p) == expected("ADLS endpoint refused (closed port)", endpoint=endpoint, account=cloud.account,
                                     fileSystem=fs_name)


def test_wrong_adls_key(cloud, lake, monkeypatch):
    bucket, fs_name = lake
    monkeypatch.setenv(WRONG_KEY_VAR, base64.b64encode(os.urandom(64)).decode())
    p = params(cloud, bucket, fs_name, **{"source-account-key": f"env:{WRONG_KEY_VAR}"})
    line = problem_of(p)
    assert os.environ[WRONG_KEY_VAR] not in line
    assert line == expected("wrong ADLS key (local cloud)", endpoint=cloud.adls_url.rstrip("/"), account=cloud.account,
                            fileSystem=fs_name)


def test_other_errors_are_no_store_problem(cloud, lake):
    bucket, fs_name = lake
    p = params(cloud, bucket, fs_name)
    assert rt.store_problem_from_error(ValueError("x"), "source", p) is None
    assert rt.store_problem_from_error(ValueError("x"), "target", p) is None
