#!/usr/bin/env bash
# Builds rclone (the Go module github.com/rclone/rclone, pinned below) into .cache/rclone/bin for the job benchmark's
# way "rclone" (scripts/bench/job-bench.ts, issue 13). Idempotent: returns at once when the pinned version is already
# built. v1.76.0 is the newest v1.7x the Go module proxy served; its go directive is 1.26.0, so the machine's Go
# builds it (GOTOOLCHAIN=local: no toolchain is downloaded). Needs Go >= 1.26: `go` on PATH, /usr/local/go/bin/go, or
# LAKE2OCI_GO. Modules come through the Go module proxy. Several minutes on two cores the first time.
#   --quiet   print nothing when there is nothing to do
set -euo pipefail
VERSION=v1.76.0
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="$root/.cache/rclone/bin"
binary="$bin_dir/rclone"
stamp="$bin_dir/.version"
quiet=0
for a in "$@"; do
  case "$a" in
    --quiet) quiet=1 ;;
    *) echo "setup-rclone: unknown option $a (use --quiet)" >&2; exit 2 ;;
  esac
done
say() { [ "$quiet" = 1 ] || echo "setup-rclone: $*"; }

if [ -x "$binary" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$VERSION" ]; then
  say "up to date (rclone $VERSION in $bin_dir)"
  exit 0
fi

go_bin="${LAKE2OCI_GO:-}"
if [ -z "$go_bin" ]; then
  if command -v go >/dev/null 2>&1; then go_bin="$(command -v go)";
  elif [ -x /usr/local/go/bin/go ]; then go_bin=/usr/local/go/bin/go; fi
fi
if [ -z "$go_bin" ]; then
  echo "setup-rclone: Go is missing: rclone $VERSION needs Go 1.26 or newer (install it from go.dev's archive or set LAKE2OCI_GO)." >&2
  exit 1
fi
gv="$("$go_bin" env GOVERSION 2>/dev/null || true)"
if ! [[ "$gv" =~ ^go1\.([0-9]+) ]] || [ "${BASH_REMATCH[1]}" -lt 26 ]; then
  echo "setup-rclone: $go_bin is '$gv': rclone $VERSION needs Go 1.26 or newer (set LAKE2OCI_GO to another go)." >&2
  exit 1
fi

echo "setup-rclone: building rclone $VERSION with $gv into $bin_dir (first time: several minutes)"
mkdir -p "$bin_dir"
tmp="$(mktemp -d "$root/.cache/rclone/build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false "$go_bin" install "github.com/rclone/rclone@$VERSION"
mv -f "$tmp/rclone" "$binary"
echo "$VERSION" > "$stamp"
say "ready: $binary"
