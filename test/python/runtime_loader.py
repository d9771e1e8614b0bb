"""Builds an importable module from the hand-written runtime, codegen/python/runtime-*.py concatenated in sorted
file-name order (as the generator assembles dist/app.py, without the translated core), so the runtime can be tested
without the generator. load_runtime() returns the module; it is built once per process."""
import atexit
import glob
import importlib.util
import os
import shutil
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RUNTIME_GLOB = os.path.join(REPO, "codegen", "python", "runtime-*.py")
MODULE_NAME = "lake2oci_runtime"


def runtime_files():
    files = sorted(glob.glob(RUNTIME_GLOB), key=os.path.basename)
    if not files:
        raise RuntimeError(f"no runtime files match {RUNTIME_GLOB}")
    return files


def build_source():
    parts = []
    for path in runtime_files():
        with open(path, encoding="utf-8") as handle:
            parts.append(f"# ---- {os.path.basename(path)} ----\n" + handle.read())
    return "\n\n".join(parts)


def load_runtime():
    if MODULE_NAME in sys.modules:
        return sys.modules[MODULE_NAME]
    directory = tempfile.mkdtemp(prefix="lake2oci-runtime-")
    # Kept while the process runs (tracebacks show its lines), removed at exit.
    atexit.register(shutil.rmtree, directory, True)
    path = os.path.join(directory, MODULE_NAME + ".py")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(build_source())
    spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE_NAME] = module
    spec.loader.exec_module(module)
    return module


# ---- the local cloud, for the integration tests (test/python-sdk.test.ts starts it and passes these variables) ----

CLOUD_VARS = ("LAKE2OCI_OCI_ENDPOINT", "LAKE2OCI_OCI_CONFIG", "LAKE2OCI_OCI_PROFILE", "LAKE2OCI_OCI_NAMESPACE",
              "LAKE2OCI_ADLS_URL", "LAKE2OCI_ADLS_ACCOUNT", "LAKE2OCI_ADLS_KEY")
# The environment variable the contexts' source.auth.accountKey reference points at (env:...).
ADLS_KEY_REF = "env:LAKE2OCI_ADLS_KEY"


class LocalCloud:
    """The running local cloud as the runtime sees it: an OCI client, the ADLS service, fresh buckets and file
    systems per test, and the OCI emulator's fault and request-log control endpoint."""

    def __init__(self):
        missing = [name for name in CLOUD_VARS if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                f"the local cloud is not running: {', '.join(missing)} not set; run through test/python-sdk.test.ts, "
                "or start it (src/emulators/local-cloud.ts) and export its env()")
        import uuid

        from azure.storage.filedatalake import DataLakeServiceClient

        self._uuid = uuid
        self.rt = load_runtime()
        env = os.environ
        self.endpoint = env["LAKE2OCI_OCI_ENDPOINT"].rstrip("/")
        self.config_file = env["LAKE2OCI_OCI_CONFIG"]
        self.profile = env["LAKE2OCI_OCI_PROFILE"]
        self.namespace = env["LAKE2OCI_OCI_NAMESPACE"]
        self.adls_url = env["LAKE2OCI_ADLS_URL"]
        self.account = env["LAKE2OCI_ADLS_ACCOUNT"]
        self.oci = self.rt.oci_client("LOCAL", self.config_file, self.endpoint, config_profile=self.profile)
        self.adls = DataLakeServiceClient(self.adls_url, credential={"account_name": self.account,
                                                                      "account_key": env["LAKE2OCI_ADLS_KEY"]})

    def unique(self, prefix):
        return f"{prefix}-{self._uuid.uuid4().hex[:10]}"

    def new_bucket(self, prefix="rt"):
        import oci

        name = self.unique(prefix)
        details = oci.object_storage.models.CreateBucketDetails(
            name=name, compartment_id="ocid1.compartment.oc1..aaaaaaaalake2ocitestcompartment")
        self.oci.create_bucket(self.namespace, details)
        return name

    def new_file_system(self, prefix="rt"):
        fs = self.adls.get_file_system_client(self.unique(prefix))
        fs.create_file_system()
        return fs

    def context(self, bucket, fs_name, **copy_options):
        retry = copy_options.pop("retry", {"base_delay": 0.01, "max_delay": 0.05})
        return self.rt.make_copy_context({
            "source": {"account_name": self.account, "file_system": fs_name, "endpoint": self.adls_url,
                       "auth": {"kind": "key", "account_key": ADLS_KEY_REF}},
            "target": {"profile": "LOCAL", "config_file": self.config_file, "config_profile": self.profile,
                       "endpoint": self.endpoint, "namespace": self.namespace, "bucket": bucket},
            "copy": copy_options,
            "retry": retry,
            "run": {"run_id": "20240101000000000000"},
        })

    def _control(self, method, path, body=None):
        import json
        import urllib.request

        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.endpoint}/_emulator{path}", data=data, method=method,
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def add_fault(self, rule):
        return self._control("POST", "/faults", rule)["id"]

    def clear_faults(self):
        self._control("DELETE", "/faults")

    def faults(self):
        return self._control("GET", "/faults")

    def requests(self, operation=None, bucket=None):
        query = f"?operation={operation}" if operation else ""
        found = self._control("GET", f"/requests{query}")["requests"]
        return [r for r in found if bucket is None or r.get("bucket") == bucket]
