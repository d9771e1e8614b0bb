#!/usr/bin/env bash
# Creates (or refreshes) the project's Python environment in .venv: pinned pyspark 3.5.x,
# the OCI and Azure SDKs, pytest and ruff (scripts/requirements-dev.txt). Idempotent: when
# .venv already matches the requirements it returns at once.
#   --quiet   print nothing when there is nothing to do
#   --check   only report what is missing; exit 1 if anything is
# Environment: LAKE2OCI_PYTHON picks the interpreter (default: python3.11, then python3).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
reqs="$root/scripts/requirements-dev.txt"
quiet=0; check=0
for a in "$@"; do
  case "$a" in
    --quiet) quiet=1 ;;
    --check) check=1 ;;
    *) echo "setup-python: unknown option $a (use --quiet or --check)" >&2; exit 2 ;;
  esac
done
say() { [ "$quiet" = 1 ] || echo "setup-python: $*"; }
problems=()

# Java 17+ for Spark 3.5 (OCI Data Flow runs Java 17).
java_bin=""
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java_bin="$JAVA_HOME/bin/java";
elif command -v java >/dev/null 2>&1; then java_bin="$(command -v java)"; fi
if [ -z "$java_bin" ]; then
  problems+=("Java is missing: Spark 3.5 needs Java 17 or newer. Install it (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME.")
else
  jv="$("$java_bin" -version 2>&1 | head -n1 | sed -E 's/.*version "([0-9]+)(\.[0-9]+)?.*/\1/')"
  if ! [[ "$jv" =~ ^[0-9]+$ ]] || [ "$jv" -lt 17 ]; then
    problems+=("Java at $java_bin is version '$jv': Spark 3.5 here needs Java 17 or newer. Install openjdk-17 and set JAVA_HOME.")
  fi
fi

# Python 3.9+ (OCI Data Flow's Spark 3.5.0 runs Python 3.11; use that when you can).
py="${LAKE2OCI_PYTHON:-}"
if [ -z "$py" ]; then
  for c in python3.11 python3; do if command -v "$c" >/dev/null 2>&1; then py="$(command -v "$c")"; break; fi; done
fi
if [ -z "$py" ]; then
  problems+=("Python 3 is missing: install Python 3.11 (the version OCI Data Flow runs) or set LAKE2OCI_PYTHON.")
else
  pv="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  if ! "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)'; then
    problems+=("Python at $py is $pv: pyspark 3.5 needs 3.9 or newer (Data Flow runs 3.11).")
  elif ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    problems+=("Python at $py lacks venv/ensurepip (Debian: apt-get install python3-venv).")
  fi
fi

if [ ${#problems[@]} -gt 0 ]; then
  for p in "${problems[@]}"; do echo "setup-python: $p" >&2; done
  exit 1
fi

stamp="$venv/.lake2oci-requirements"
want="$(cat "$reqs" "$root/opt/dataflow/requirements.txt" | sha256sum | cut -c1-64) $("$py" -c 'import sys; print(sys.version.split()[0])')"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ]; then
  say "up to date ($venv)"
  exit 0
fi
if [ "$check" = 1 ]; then
  echo "setup-python: $venv is missing or out of date; run: npm run setup:python" >&2
  exit 1
fi

say "creating $venv with $py ($pv) — first time downloads pyspark (~320 MB)"
if [ ! -x "$venv/bin/python" ]; then "$py" -m venv "$venv"; fi
pipq=(); [ "$quiet" = 1 ] && pipq=(-q)
"$venv/bin/python" -m pip install "${pipq[@]}" --disable-pip-version-check -r "$reqs"
"$venv/bin/python" -c 'import pyspark, oci, azure.storage.filedatalake, azure.identity, pytest, opendal, moto.server' \
  || { echo "setup-python: packages installed but an import failed; remove .venv and retry" >&2; exit 1; }
echo "$want" > "$stamp"
say "ready: $venv (pyspark $("$venv/bin/python" -c 'import pyspark; print(pyspark.__version__)'))"
