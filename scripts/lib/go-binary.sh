#!/usr/bin/env bash
# Builds one Go command from the Go module proxy into .cache/<dir>/bin, pinned and cached: what scripts/setup-gcs.sh
# (fake-gcs-server) and scripts/setup-rclone.sh (rclone) share. Sourced by them, then:
#   go_binary SETUP_NAME MODULE VERSION CACHE_DIR BINARY FIRST_TIME "$@"
# (FIRST_TIME: how long the first build takes, for its message). Idempotent: returns at once when VERSION is built.
# Needs Go >= 1.26: `go` on PATH, /usr/local/go/bin/go, or LAKE2OCI_GO; no toolchain is downloaded
# (GOTOOLCHAIN=local). Options: --quiet prints nothing when there is nothing to do.
go_binary() {
  local name="$1" module="$2" version="$3" cache="$4" command="$5" first_time="$6"
  shift 6
  local root bin_dir binary stamp quiet=0 a go_bin gv tmp
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  bin_dir="$root/.cache/$cache/bin"
  binary="$bin_dir/$command"
  stamp="$bin_dir/.version"
  for a in "$@"; do
    case "$a" in
      --quiet) quiet=1 ;;
      *) echo "$name: unknown option $a (use --quiet)" >&2; exit 2 ;;
    esac
  done
  if [ -x "$binary" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then
    [ "$quiet" = 1 ] || echo "$name: up to date ($command $version in $bin_dir)"
    return 0
  fi

  go_bin="${LAKE2OCI_GO:-}"
  if [ -z "$go_bin" ]; then
    if command -v go >/dev/null 2>&1; then go_bin="$(command -v go)";
    elif [ -x /usr/local/go/bin/go ]; then go_bin=/usr/local/go/bin/go; fi
  fi
  if [ -z "$go_bin" ]; then
    echo "$name: Go is missing: $command $version needs Go 1.26 or newer (install it from go.dev's archive or set LAKE2OCI_GO)." >&2
    exit 1
  fi
  gv="$("$go_bin" env GOVERSION 2>/dev/null || true)"
  if ! [[ "$gv" =~ ^go1\.([0-9]+) ]] || [ "${BASH_REMATCH[1]}" -lt 26 ]; then
    echo "$name: $go_bin is '$gv': $command $version needs Go 1.26 or newer (set LAKE2OCI_GO to another go)." >&2
    exit 1
  fi

  echo "$name: building $command $version with $gv into $bin_dir (first time: $first_time)"
  mkdir -p "$bin_dir"
  tmp="$(mktemp -d "$root/.cache/$cache/build.XXXXXX")"
  # Expanded now: $tmp is local to this function, gone when the EXIT trap runs.
  trap "rm -rf '$tmp'" EXIT
  GOBIN="$tmp" GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false "$go_bin" install "$module@$version"
  mv -f "$tmp/$command" "$binary"
  echo "$version" > "$stamp"
  [ "$quiet" = 1 ] || echo "$name: ready: $binary"
}
