#!/usr/bin/env bash
# Installs the local HDFS (src/emulators/hdfs/): Hadoop's MiniDFSCluster jars from Maven Central (pinned in
# src/emulators/hdfs/pom.xml, Hadoop 3.3.4 as on OCI Data Flow) into .cache/hdfs/lib, and MiniHdfs.java compiled into
# .cache/hdfs/classes. Idempotent: when the stamp matches the pom, the launcher and the JDK it returns at once.
#   --quiet   print nothing when there is nothing to do
#   --check   only report whether it is installed; exit 1 if not
# Needs a JDK 17+ (javac) and Maven (mvn). On CI (CI=true, root, Debian) missing ones are installed with apt-get.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/src/emulators/hdfs"
cache="$root/.cache/hdfs"
quiet=0; check=0
for a in "$@"; do
  case "$a" in
    --quiet) quiet=1 ;;
    --check) check=1 ;;
    *) echo "setup-hdfs: unknown option $a (use --quiet or --check)" >&2; exit 2 ;;
  esac
done
say() { [ "$quiet" = 1 ] || echo "setup-hdfs: $*"; }

# The stamp covers what decides the result: the pom, the launcher, its logging config and the JDK's version.
javac_version() { javac -version 2>&1 | head -n1; }
want() {
  printf '%s\n' "$(cat "$src/pom.xml" "$src/MiniHdfs.java" "$src/log4j.properties" | sha256sum | cut -c1-64)" "$(javac_version)"
}
stamp="$cache/.installed"
if command -v javac >/dev/null 2>&1 && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(want)" ] \
  && [ -f "$cache/classes/MiniHdfs.class" ]; then
  say "up to date ($cache)"
  exit 0
fi
if [ "$check" = 1 ]; then
  echo "setup-hdfs: $cache is missing or out of date; run: bash scripts/setup-hdfs.sh" >&2
  exit 1
fi

missing=()
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "${CI:-}" = "true" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup-hdfs: installing ${missing[*]}"
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup-hdfs: the local HDFS needs a JDK 17+ (javac) and Maven (mvn); missing: ${missing[*]}." >&2
    echo "setup-hdfs: install them (Debian: apt-get install ${missing[*]}) and run: bash scripts/setup-hdfs.sh" >&2
    exit 1
  fi
fi
jv="$(javac_version | sed -E 's/^javac ([0-9]+).*/\1/')"
if ! [[ "$jv" =~ ^[0-9]+$ ]] || [ "$jv" -lt 17 ]; then
  echo "setup-hdfs: $(command -v javac) is '$(javac_version)': the local HDFS needs a JDK 17 or newer" >&2
  exit 1
fi

say "fetching Hadoop's MiniDFSCluster jars from Maven Central (first time ~90 MB) into $cache/lib"
rm -rf "$cache/lib.new" "$cache/classes.new"
mkdir -p "$cache"
if ! mvn -q -B -f "$src/pom.xml" \
  org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$cache/lib.new" >"$cache/mvn.log" 2>&1; then
  tail -n 40 "$cache/mvn.log" >&2
  echo "setup-hdfs: mvn could not fetch the jars (its log: $cache/mvn.log)" >&2
  exit 1
fi
mkdir -p "$cache/classes.new"
# Its output is shown only on failure: it warns about sun.misc.Signal (how the launcher catches SIGTERM) every time.
if ! javac --release 17 -nowarn -d "$cache/classes.new" -cp "$cache/lib.new/*" "$src/MiniHdfs.java" >"$cache/javac.log" 2>&1; then
  cat "$cache/javac.log" >&2
  echo "setup-hdfs: javac failed on $src/MiniHdfs.java" >&2
  exit 1
fi
rm -rf "$cache/lib" "$cache/classes"
mv "$cache/lib.new" "$cache/lib"
mv "$cache/classes.new" "$cache/classes"
want > "$stamp"
say "ready: $cache ($(ls "$cache/lib" | wc -l) jars, Hadoop $(ls "$cache/lib" | sed -nE 's/^hadoop-client-api-(.*)\.jar$/\1/p'))"
