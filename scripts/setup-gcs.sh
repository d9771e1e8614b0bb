#!/usr/bin/env bash
# Builds fake-gcs-server (the Go module github.com/fsouza/fake-gcs-server, pinned below) into .cache/gcs/bin for the
# local cloud's GCS (src/emulators/gcs), with scripts/lib/go-binary.sh: idempotent, Go >= 1.26 (the module's go
# directive), modules through the Go module proxy, no toolchain downloaded. About 2 minutes on two cores.
#   --quiet   print nothing when there is nothing to do
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/go-binary.sh"
go_binary setup-gcs github.com/fsouza/fake-gcs-server v1.56.1 gcs fake-gcs-server "about 2 minutes" "$@"
