"""Imports the job's runtime, the Python package src/job, for the tests: each test file names the modules it tests
(load_runtime("retry"), load_runtime("copy", "oci_store")) and gets them as they are, each importing what it uses.
The modules that use the translated core import it as the module lake2oci_core; load_core() writes that module once
per process (codegen/emit-core.ts emitCoreModule, through tsx) into a temporary directory on sys.path, and is called
when a module asks for it."""
import atexit
import contextlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PACKAGE_DIR = os.path.join(REPO, "src", "job")
PACKAGE = "job"
CORE_MODULE = "lake2oci_core"


def load_core():
    """The translated core as a module (what `tsx codegen/build-app.ts --core-module FILE` writes)."""
    if CORE_MODULE in sys.modules:
        return sys.modules[CORE_MODULE]
    directory = tempfile.mkdtemp(prefix="lake2oci-core-")
    # Kept while the process runs (tracebacks show its lines), removed at exit.
    atexit.register(shutil.rmtree, directory, True)
    path = os.path.join(directory, CORE_MODULE + ".py")
    script = ("import { inspectCore } from './codegen/inspect-core.ts';"
              "import { emitCoreModule } from './codegen/emit-core.ts';"
              f"import {{ writeFileSync }} from 'node:fs'; writeFileSync({json.dumps(path)}, emitCoreModule(inspectCore()));")
    subprocess.run([os.path.join(REPO, "node_modules", ".bin", "tsx"), "--eval", script], cwd=REPO, check=True,
                   timeout=300)
    sys.path.insert(0, directory)
    return importlib.import_module(CORE_MODULE)


def load_module(name):
    """The module src/job/<name>.py, imported as job.<name> (with the translated core when it uses it)."""
    src = os.path.dirname(PACKAGE_DIR)
    if src not in sys.path:
        sys.path.insert(0, src)
    try:
        return importlib.import_module(f"{PACKAGE}.{name}")
    except ModuleNotFoundError as error:
        if error.name != CORE_MODULE:
            raise
    load_core()
    return importlib.import_module(f"{PACKAGE}.{name}")


class Runtime:
    """Several modules of the package as one namespace for a test: a name is looked up in each, in the order given
    (a name one module imports from another is the same object in both)."""

    def __init__(self, modules):
        self._modules = modules

    def __getattr__(self, name):
        for module in self._modules:
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(f"none of {', '.join(m.__name__ for m in self._modules)} has {name}")


def load_runtime(*names):
    """The named modules of src/job: the module itself for one name, a Runtime over them for several."""
    if not names:
        raise ValueError("name the modules of src/job the test uses, e.g. load_runtime(\"retry\")")
    modules = [load_module(n) for n in names]
    return modules[0] if len(modules) == 1 else Runtime(modules)


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
        self.rt = load_runtime("copy", "oci_store")
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


@contextlib.contextmanager
def local_spark(app_name):
    """A local[2] SparkContext bound to 127.0.0.1 whose Python workers import the job's package and the translated
    core (PYSPARK_PYTHON, PYTHONPATH set while it runs, restored after); stopped on exit."""
    from pyspark.sql import SparkSession

    core = load_core()
    old = {k: os.environ.get(k) for k in ("PYSPARK_PYTHON", "PYTHONPATH")}
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYTHONPATH"] = os.pathsep.join([os.path.dirname(PACKAGE_DIR), os.path.dirname(core.__file__)])
    spark = SparkSession.builder.master("local[2]").appName(app_name) \
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1") \
        .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark.sparkContext
    finally:
        spark.stop()
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
