# Source this file (`source scripts/env.sh`) for the project's offline Pulumi environment:
# Node 22, the pulumi CLI and plugins, PocketBase, a file:// backend and a passphrase secrets provider.
# Every npm script runs through it (scripts/with-env.sh), so tests and a person's shell see the same tools.
_cf_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.env
. "$_cf_root/scripts/versions.env"
export CLOUDFREEDOM_TOOLS_DIR=${CLOUDFREEDOM_TOOLS_DIR:-$HOME/.cache/cloudfreedom-tools}
export CLOUDFREEDOM_TOOLCHAIN="$CLOUDFREEDOM_TOOLS_DIR/toolchain-node$NODE_VERSION-pulumi$PULUMI_VERSION-lh$LANGHOST_SDK_VERSION-random$RANDOM_PLUGIN_VERSION-pb$POCKETBASE_VERSION"
# tools/compose-resolve is keyed by the compose-go version and a hash of its source, so an edit (or another
# worktree's version of it) gets its own build; `npm run setup` builds it.
_cf_cr_hash=$(cd "$_cf_root/tools/compose-resolve" && cat go.mod go.sum $(ls ./*.go | grep -v _test.go) | sha256sum | cut -c1-12)
export COMPOSE_RESOLVE_DIR="$CLOUDFREEDOM_TOOLS_DIR/compose-resolve-v$COMPOSE_GO_VERSION-$_cf_cr_hash"
export COMPOSE_RESOLVE_BIN="$COMPOSE_RESOLVE_DIR/bin/compose-resolve"
# The stand-in images' binary (tools/standin), keyed the same way; test/support/standin-images.ts builds it if missing.
_cf_si_hash=$(cd "$_cf_root/tools/standin" && cat go.mod $(ls ./*.go | grep -v _test.go) | sha256sum | cut -c1-12)
export STANDIN_BIN="$CLOUDFREEDOM_TOOLS_DIR/standin-$_cf_si_hash/standin"
# Docker Compose (the `docker compose` CLI plugin) and Traefik, keyed by version. The docker CLI finds the plugin
# through a config folder of the toolchain's (its config.json names the plugin folder in cliPluginsExtraDirs; the
# CLI has no environment variable for that). A DOCKER_CONFIG of your own wins; then the plugin must be in it.
export DOCKER_COMPOSE_BIN="$CLOUDFREEDOM_TOOLS_DIR/docker-compose-v$DOCKER_COMPOSE_VERSION/bin/docker-compose"
export TRAEFIK_BIN="$CLOUDFREEDOM_TOOLS_DIR/traefik-v$TRAEFIK_VERSION/bin/traefik"
export CLOUDFREEDOM_DOCKER_CONFIG="$CLOUDFREEDOM_TOOLS_DIR/docker-config-compose$DOCKER_COMPOSE_VERSION"
export DOCKER_CONFIG=${DOCKER_CONFIG:-$CLOUDFREEDOM_DOCKER_CONFIG}
export PATH="$CLOUDFREEDOM_TOOLCHAIN/bin:$COMPOSE_RESOLVE_DIR/bin:$CLOUDFREEDOM_TOOLS_DIR/traefik-v$TRAEFIK_VERSION/bin:$_cf_root/scripts/bin:$_cf_root/node_modules/.bin:$PATH"
# Dynamic providers load their implementation from this checkout at run time (providers/runtime.ts).
export CLOUDFREEDOM_ROOT="$_cf_root"
export PULUMI_HOME=${PULUMI_HOME:-$CLOUDFREEDOM_TOOLCHAIN/pulumi-home}
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$_cf_root/.pulumi-state}
# The passphrase that encrypts the stack's secrets is yours to set (PULUMI_CONFIG_PASSPHRASE or _FILE); nothing
# here defaults it. The program refuses an empty one on any stack but the local `dev` (program/passphrase.ts).
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_DISABLE_REGISTRY_RESOLVE=true
# Programs are type-checked by `npm run typecheck` (part of `npm test`); the engine only transpiles.
export PULUMI_NODEJS_TRANSPILE_ONLY=true
mkdir -p "${PULUMI_BACKEND_URL#file://}" 2>/dev/null || true
unset _cf_root _cf_cr_hash _cf_si_hash
