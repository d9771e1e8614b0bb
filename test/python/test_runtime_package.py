"""The job's runtime as a package (src/job): every module imports on its own, in a fresh interpreter, with nothing
but what it imports itself (and the translated core as lake2oci_core); no module is left out of the list below."""
import os
import subprocess
import sys

import pytest

from runtime_loader import PACKAGE_DIR, load_core

MODULES = sorted(f[:-3] for f in os.listdir(PACKAGE_DIR) if f.endswith(".py") and f != "__init__.py")


@pytest.fixture(scope="module")
def core_dir():
    return os.path.dirname(load_core().__file__)


def test_the_package_has_its_modules():
    assert {"driver", "run", "planning", "tasks", "commit", "logs", "retry", "copy", "state"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_each_module_imports_alone(name, core_dir):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.dirname(PACKAGE_DIR), core_dir]),
               PYTHONDONTWRITEBYTECODE="1")
    code = f"import importlib, sys; m = importlib.import_module('job.{name}'); print(sorted(k for k in sys.modules if k.startswith('job.')))"
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert f"'job.{name}'" in r.stdout
