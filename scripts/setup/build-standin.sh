#!/usr/bin/env bash
# Builds tools/standin (the stand-in images' multi-call binary) into $1/standin: static, standard library only.
set -euo pipefail
out=$1
src=$(cd "$(dirname "$0")/../../tools/standin" && pwd)
mkdir -p "$out"
(cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$out/standin" .)
