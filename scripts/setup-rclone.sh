#!/usr/bin/env bash
# Builds rclone (the Go module github.com/rclone/rclone, pinned below) into .cache/rclone/bin for the job benchmark's
# way "rclone" (scripts/bench/job-bench.ts, issue 13), with scripts/lib/go-binary.sh: idempotent, Go >= 1.26.
# v1.76.0 is the newest v1.7x the Go module proxy served; its go directive is 1.26.0, so the machine's Go builds it.
# Several minutes on two cores the first time.
#   --quiet   print nothing when there is nothing to do
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/go-binary.sh"
go_binary setup-rclone github.com/rclone/rclone v1.76.0 rclone rclone "several minutes" "$@"
