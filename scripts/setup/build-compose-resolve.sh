#!/usr/bin/env bash
# Builds tools/compose-resolve (our compose-go v2 loader, see its main.go) into $1/bin from the Go module proxy.
# The module's go.mod/go.sum pin compose-go; $2 is the version scripts/versions.env expects, checked here so the
# cache key and the build cannot disagree.
set -euo pipefail
out=$1 version=$2
src=$(cd "$(dirname "$0")/../../tools/compose-resolve" && pwd)
pinned=$(grep -o "compose-spec/compose-go/v2 v[0-9.]*" "$src/go.mod" | head -n1 | sed "s/.* v//")
if [ "$pinned" != "$version" ]; then
  echo "tools/compose-resolve/go.mod pins compose-go v$pinned, scripts/versions.env says $version" >&2; exit 1
fi
export GOFLAGS=-mod=mod CGO_ENABLED=0
mkdir -p "$out/bin"
(cd "$src" && go build -trimpath -ldflags "-s -w" -o "$out/bin/compose-resolve" .)
"$out/bin/compose-resolve" --help 2>&1 | grep -q usage
