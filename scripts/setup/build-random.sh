#!/usr/bin/env bash
# Tries to build the random resource plugin $2 into $1 from the Go module proxy, as
# ../shared/notes/toolchain.md §3 describes. The provider module has no tags, so it is asked for by
# the pseudo-version of the release commit (read from the sdk/v4 module's Origin); the proxy here has
# refused every form so far, and this script then exits non-zero with the proxy's answer.
set -euo pipefail
out=$1 version=$2
info=$(go mod download -json "github.com/pulumi/pulumi-random/sdk/v4@v$version")
hash=$(printf '%s' "$info" | sed -n 's/.*"Hash": "\([0-9a-f]*\)".*/\1/p' | head -n1)
time=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$(printf '%s' "$info" | sed -n 's/.*"Info": "\([^"]*\)".*/\1/p')")
pseudo="v4.0.0-$(date -u -d "$time" +%Y%m%d%H%M%S)-${hash:0:12}"
echo "release commit $hash ($time) -> provider/v4@$pseudo"
if ! go mod download "github.com/pulumi/pulumi-random/provider/v4@$pseudo"; then
  echo "the Go module proxy does not serve github.com/pulumi/pulumi-random/provider/v4@$pseudo"
  exit 1
fi
dir=$(go mod download -json "github.com/pulumi/pulumi-random/provider/v4@$pseudo" | sed -n 's/.*"Dir": "\([^"]*\)".*/\1/p')
work=$(mktemp -d "${TMPDIR:-/tmp}/random-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r "$dir/." "$work/"; chmod -R u+w "$work"; cd "$work"
# provider/shim is a nested module missing from the provider zip; recreate its one constructor.
shim_rev=$(sed -n 's/.*github.com\/hashicorp\/terraform-provider-random \(v[^ ]*\).*/\1/p' go.mod | head -n1)
mkdir -p shim
cat >shim/go.mod <<MOD
module github.com/terraform-providers/terraform-provider-random/shim
go 1.25
require github.com/hashicorp/terraform-provider-random $shim_rev
MOD
cat >shim/shim.go <<'GO'
package shim

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"
	p "github.com/hashicorp/terraform-provider-random/internal/provider"
)

func NewProvider() provider.Provider { return p.New() }
GO
(cd shim && GOFLAGS=-mod=mod go mod tidy)
(cd cmd/pulumi-resource-random && VERSION=$version GOFLAGS=-mod=mod go run generate.go)
mkdir -p "$out"
GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X github.com/pulumi/pulumi-random/provider/v4/pkg/version.Version=$version" \
  -o "$out/pulumi-resource-random" ./cmd/pulumi-resource-random
