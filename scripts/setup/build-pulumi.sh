#!/usr/bin/env bash
# Builds the pulumi CLI (and, when a release commit is given, the Node.js language host) from the
# Go module proxy into $1/bin. Upstream's go.mod carries replace directives, so `go install x@v`
# is refused; a throwaway wrapper module pins pkg/sdk to the release with same-path replaces.
set -euo pipefail
out=$1 version=$2 langhost_rev=${3:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/pulumi-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export GOFLAGS=-mod=mod CGO_ENABLED=0
go mod init local.invalid/pulumi-tools >/dev/null 2>&1
cat >>go.mod <<MOD
replace github.com/pulumi/pulumi/pkg/v3 => github.com/pulumi/pulumi/pkg/v3 v$version
replace github.com/pulumi/pulumi/sdk/v3 => github.com/pulumi/pulumi/sdk/v3 v$version
MOD
go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$version" "github.com/pulumi/pulumi/sdk/v3@v$version"
flags=(-trimpath -tags osusergo,grpcnotrace -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version")
mkdir -p "$out/bin"
go build "${flags[@]}" -o "$out/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
if [ -n "$langhost_rev" ]; then
  go get "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@$langhost_rev"
  go build "${flags[@]}" -o "$out/bin/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
fi
