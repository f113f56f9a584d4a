#!/usr/bin/env bash
# Prepares a machine for replikit's integration tests: a running Docker engine and the
# offline-built test images, one per flavour and version of the matrix. Idempotent: every step checks before it acts, and slow
# artefacts (root filesystems) are cached outside the repo in $REPLIKIT_CACHE.
#
#   scripts/test-env.sh            engine + all test images: MariaDB 10.11 (bookworm), MariaDB 11.8
#                                  (trixie), MySQL 9.7 (sid)
#   scripts/test-env.sh bookworm   engine + only the bookworm image (also: trixie, sid)
#
# With the bookworm image it also starts the second engine the remote-engine tests use
# (scripts/second-engine.sh), and makes this engine a one-node swarm for the swarm tests.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${REPLIKIT_CACHE:-/var/cache/replikit}"
suites=("${@:-bookworm trixie sid}")
# shellcheck disable=SC2206
suites=(${suites[*]})

log() { printf '%s test-env: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
# timed WHAT CMD...: one line when a long phase starts and one with its elapsed time when it ends.
timed() {
  local what="$1" start=$SECONDS; shift
  log "$what ..."
  "$@"
  log "$what: done in $((SECONDS - start)) s"
}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
need_pkg() { # need_pkg CMD PKG...
  command -v "$1" >/dev/null 2>&1 && return 0
  shift
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

start_engine() {
  if engine_answers; then log "Docker engine answers ($(docker version --format '{{.Server.Version}}'))"; return; fi
  if [ -n "${DOCKER_HOST:-}" ]; then
    echo "DOCKER_HOST=$DOCKER_HOST is set but no engine answers there" >&2; exit 1
  fi
  need_pkg dockerd docker.io
  # A killed engine leaves its pid file behind and a new dockerd refuses to start over it.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    log "removing stale /var/run/docker.pid"; as_root rm -f /var/run/docker.pid
  fi
  pgrep -x containerd >/dev/null || { [ -f /run/containerd/containerd.pid ] && as_root rm -f /run/containerd/containerd.pid; true; }
  log "starting dockerd"
  as_root sh -c 'nohup dockerd >/var/log/dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do engine_answers && { log "Docker engine up"; return; }; sleep 1; done
  echo "dockerd did not answer within 60 s; its log:" >&2; tail -n 30 /var/log/dockerd.log >&2; exit 1
}

build_image() { # build_image SUITE TAG CONTEXT SERVER PACKAGES
  local suite="$1" tag="$2" context="$here/../test/$3" server="$4" packages="$5" rootfs="$cache/rootfs-$1.tar" want have
  # The image is rebuilt whenever its build context changes, so an edited entrypoint is never stale.
  want="$(cat "$context"/* | sha256sum | cut -c1-16)"
  have="$(docker image inspect -f '{{index .Config.Labels "io.replikit.context"}}' "$tag" 2>/dev/null || true)"
  if [ "$have" = "$want" ]; then log "image $tag present"; return; fi
  if [ ! -s "$rootfs" ]; then
    need_pkg mmdebstrap mmdebstrap
    as_root mkdir -p "$cache"
    # The mirror's sid Release file can be past its Valid-Until date; manual pages and docs are not needed.
    timed "building the $suite root filesystem with $packages (a few minutes)" \
      as_root mmdebstrap --quiet --variant=apt --include="$packages" \
      --aptopt='Acquire::Check-Valid-Until "false"' \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
      "$suite" "$cache/partial-$suite.tar"
    as_root mv "$cache/partial-$suite.tar" "$rootfs"
  fi
  if ! docker image inspect "replikit/$suite-base:latest" >/dev/null 2>&1; then
    timed "importing $rootfs as replikit/$suite-base" import_base "$rootfs" "replikit/$suite-base:latest"
  fi
  # BuildKit is not part of docker.io on Debian 12; the legacy builder's deprecation banner goes to
  # a log kept for when the build fails.
  timed "building $tag" build_context "$tag" "$suite" "$context" "$want"
  log "image $tag ready: $(docker run --rm --entrypoint "$server" "$tag" --version)"
}

import_base() { docker import "$1" "$2" >/dev/null; }

build_context() { # build_context TAG SUITE CONTEXT LABEL
  DOCKER_BUILDKIT=0 docker build -q --force-rm -t "$1" --build-arg "BASE=replikit/$2-base:latest" \
    --label "io.replikit.context=$4" "$3" >/dev/null 2>"$cache/build-$2.log" \
    || { cat "$cache/build-$2.log" >&2; exit 1; }
}

start_engine
for suite in "${suites[@]}"; do
  case "$suite" in
    bookworm) build_image bookworm replikit/mariadb:10.11 image mariadbd mariadb-server,mariadb-client ;;
    trixie) build_image trixie replikit/mariadb:11.8 image mariadbd mariadb-server,mariadb-client ;;
    # mysql-server-core, not mysql-server: the full package's config binds to 127.0.0.1 and logs to a file.
    sid) build_image sid replikit/mysql:9.7 image-mysql mysqld mysql-server-core,mysql-client,tzdata ;;
    *) echo "unknown suite $suite (bookworm, trixie or sid)" >&2; exit 2 ;;
  esac
done

# The remote-engine tests' stand-in for another host (scripts/second-engine.sh): a second dockerd
# on tcp://127.0.0.2:2376 with mutual TLS, holding the default test image.
if [[ " ${suites[*]} " == *" bookworm "* && -z "${DOCKER_HOST:-}" ]]; then
  "$here/second-engine.sh" | grep -v '^DOCKER_HOST='
  # The remote-engine test captures what crosses to that host: no password may pass in clear.
  need_pkg tcpdump tcpdump
fi

# The swarm tests' one-node swarm: this engine as its manager and only worker, on loopback (the
# tests reach tasks' ports on 127.0.0.1), with overlay subnets of its own (the second engine uses
# 10.222.0.0/15). Docker's routing mesh is not used: replikit publishes ports in host mode.
if [[ " ${suites[*]} " == *" bookworm "* && -z "${DOCKER_HOST:-}" ]]; then
  if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
    docker swarm init --advertise-addr 127.0.0.1 --default-addr-pool 10.210.0.0/16 >/dev/null
    log "swarm: this engine is a one-node swarm's manager ($(docker info --format '{{.Swarm.NodeID}}'))"
  else
    log "swarm: this engine is already in a swarm ($(docker info --format '{{.Swarm.NodeID}}'))"
  fi
fi
