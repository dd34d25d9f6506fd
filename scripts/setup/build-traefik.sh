#!/usr/bin/env bash
# Builds Traefik $2 into $1/bin/traefik from the Go module proxy. Upstream's go.mod has `replace` and `exclude`
# lines that a dependency's go.mod does not apply, so the wrapper module repeats them
# (../shared/notes/docker-engine.md). Cold: about 5 minutes on 2 cores. The dashboard's web files are not in the
# module: the API works, the dashboard does not.
set -euo pipefail
out=$1 version=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/traefik-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export GOFLAGS=-mod=mod CGO_ENABLED=0
cat >go.mod <<MOD
module local.invalid/traefikbuild

go 1.25.0

require github.com/traefik/traefik/v3 v$version

replace (
	github.com/abbot/go-http-auth => github.com/containous/go-http-auth v0.4.1-0.20200324110947-a37a7636d23e
	github.com/gorilla/mux => github.com/containous/mux v0.0.0-20250523120546-41b6ec3aed59
	github.com/mailgun/minheap => github.com/containous/minheap v0.0.0-20190809180810-6e71eb837595
)

exclude github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible
MOD
cat >tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/traefik/traefik/v3/cmd/traefik"
GO
go mod tidy -e >/dev/null 2>&1 || true
GOFLAGS=-mod=mod go mod tidy
mkdir -p "$out/bin"
go build -trimpath -tags tools -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$version" \
  -o "$out/bin/traefik" github.com/traefik/traefik/v3/cmd/traefik
"$out/bin/traefik" version
