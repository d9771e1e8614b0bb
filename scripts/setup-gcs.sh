#!/usr/bin/env bash
# Builds fake-gcs-server (the Go module github.com/fsouza/fake-gcs-server, pinned below) into .cache/gcs/bin for the
# local cloud's GCS (src/emulators/gcs). Idempotent: returns at once when the pinned version is already built.
# Needs Go >= 1.26 (the module's go directive): `go` on PATH, /usr/local/go/bin/go, or LAKE2OCI_GO. Modules come
# through the Go module proxy; no toolchain is downloaded (GOTOOLCHAIN=local). About 2 minutes on two cores.
#   --quiet   print nothing when there is nothing to do
set -euo pipefail
VERSION=v1.56.1
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="$root/.cache/gcs/bin"
binary="$bin_dir/fake-gcs-server"
stamp="$bin_dir/.version"
quiet=0
for a in "$@"; do
  case "$a" in
    --quiet) quiet=1 ;;
    *) echo "setup-gcs: unknown option $a (use --quiet)" >&2; exit 2 ;;
  esac
done
say() { [ "$quiet" = 1 ] || echo "setup-gcs: $*"; }

if [ -x "$binary" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$VERSION" ]; then
  say "up to date (fake-gcs-server $VERSION in $bin_dir)"
  exit 0
fi

go_bin="${LAKE2OCI_GO:-}"
if [ -z "$go_bin" ]; then
  if command -v go >/dev/null 2>&1; then go_bin="$(command -v go)";
  elif [ -x /usr/local/go/bin/go ]; then go_bin=/usr/local/go/bin/go; fi
fi
if [ -z "$go_bin" ]; then
  echo "setup-gcs: Go is missing: fake-gcs-server $VERSION needs Go 1.26 or newer (install it from go.dev's archive or set LAKE2OCI_GO)." >&2
  exit 1
fi
gv="$("$go_bin" env GOVERSION 2>/dev/null || true)"
if ! [[ "$gv" =~ ^go1\.([0-9]+) ]] || [ "${BASH_REMATCH[1]}" -lt 26 ]; then
  echo "setup-gcs: $go_bin is '$gv': fake-gcs-server $VERSION needs Go 1.26 or newer (set LAKE2OCI_GO to another go)." >&2
  exit 1
fi

echo "setup-gcs: building fake-gcs-server $VERSION with $gv into $bin_dir (first time: about 2 minutes)"
mkdir -p "$bin_dir"
tmp="$(mktemp -d "$root/.cache/gcs/build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false "$go_bin" install "github.com/fsouza/fake-gcs-server@$VERSION"
mv -f "$tmp/fake-gcs-server" "$binary"
echo "$VERSION" > "$stamp"
say "ready: $binary"
