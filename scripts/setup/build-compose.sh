#!/usr/bin/env bash
# Builds Docker Compose $2 (the `docker compose` CLI plugin) into $1/bin/docker-compose from the Go module proxy.
# Upstream's go.mod has `exclude` lines, so `go install …@v` is refused; a throwaway wrapper module requires it
# instead (../shared/notes/docker-engine.md). Cold: about 2-4 minutes on 2 cores.
set -euo pipefail
out=$1 version=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/compose-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export GOFLAGS=-mod=mod CGO_ENABLED=0
go mod init local.invalid/composebuild >/dev/null 2>&1
go get "github.com/docker/compose/v5/cmd@v$version"
mkdir -p "$out/bin"
go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v5/internal.Version=v$version" \
  -o "$out/bin/docker-compose" github.com/docker/compose/v5/cmd
"$out/bin/docker-compose" version
