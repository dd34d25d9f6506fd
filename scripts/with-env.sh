#!/usr/bin/env bash
# Runs a command inside the project's environment (scripts/env.sh).
set -euo pipefail
. "$(dirname "$0")/env.sh"
exec "$@"
