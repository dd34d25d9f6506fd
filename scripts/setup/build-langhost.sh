#!/usr/bin/env bash
# Builds pulumi-language-nodejs into $1/bin from the sdk/v3 module at version $2.
# The modern language host is its own untagged module that the Go module proxy here refuses
# (403 for every version and pseudo-version tried); sdk/v3 up to v3.67 still carries it as a package.
set -euo pipefail
out=$1 version=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/langhost-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export GOFLAGS=-mod=mod CGO_ENABLED=0
go mod init local.invalid/langhost >/dev/null 2>&1
go get "github.com/pulumi/pulumi/sdk/v3@v$version"
mkdir -p "$out/bin"
go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
  -o "$out/bin/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
