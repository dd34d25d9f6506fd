#!/usr/bin/env bash
# Makes sure Debian's Docker Engine (docker.io: dockerd, containerd, runc) is installed. As root it installs it
# with apt-get; otherwise it stops with the exact command to run. No daemon is started here: the tests start their
# own (test/support/docker-engine.ts), never the machine's default one.
set -euo pipefail
if command -v dockerd >/dev/null 2>&1; then
  echo "    using $(command -v dockerd) ($(dockerd --version))"
  exit 0
fi
cmd="apt-get update && apt-get install -y docker.io"
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "    dockerd is not installed. Install Debian's Docker Engine, then run npm run setup again:"
  echo "      sudo sh -c '$cmd'"
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y docker.io; then
  apt-get update
  apt-get install -y docker.io
fi
echo "    installed $(dockerd --version)"
