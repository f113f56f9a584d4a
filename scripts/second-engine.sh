#!/usr/bin/env bash
# Starts a second Docker engine on this machine that stands in for a remote host: its own data
# root, exec root (and so its own containerd), pid file, bridge and address pool, listening on
# tcp://127.0.0.2:2376 with Docker's mutual TLS only. Loads the default test image into it and
# makes a docker context for it. Idempotent; run after scripts/test-env.sh.
#
#   scripts/second-engine.sh          start it (prints the environment that selects it)
#   scripts/second-engine.sh stop     stop it (its data root is kept)
#
# Why these flags: a second dockerd with --bridge=none deletes the first engine's docker0, so it
# gets a bridge of its own, made here with an address; --iptables=false leaves the first
# engine's rules alone (published ports then go through docker-proxy, which binds the address).
set -euo pipefail

name=replikit-engine2
address=127.0.0.2
port=2376
bridge=rk-engine2
bridge_cidr=10.222.0.1/24
pool=10.223.0.0/16
nets=10.222.0.0/15 # the bridge and the pool
state=/var/lib/$name
certs=$state/certs
sock=/var/run/$name.sock
pidfile=/var/run/$name.pid
image="${REPLIKIT_ENGINE2_IMAGE:-replikit/mariadb:10.11}"

log() { printf '%s second-engine: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
answers() { docker -H "unix://$sock" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if [ "${1:-}" = stop ]; then
  [ -f "$state/ssh/sshd.pid" ] && kill "$(cat "$state/ssh/sshd.pid")" 2>/dev/null || true
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  # Gone, not just silent: a dockerd that is still shutting down holds its pid file.
  for _ in $(seq 1 30); do { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; } || break; sleep 1; done
  log "stopped"; exit 0
fi

# Mutual TLS: a CA, a server certificate for 127.0.0.2, a client certificate. Same layout as
# DOCKER_CERT_PATH expects (ca.pem, cert.pem, key.pem).
make_certs() {
  mkdir -p "$certs/server" "$certs/client" && chmod 700 "$certs"
  [ -f "$certs/client/key.pem" ] && return
  log "making a CA, a server certificate for $address and a client certificate"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=$name CA" \
    -keyout "$certs/ca-key.pem" -out "$certs/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$address" \
    -keyout "$certs/server/key.pem" -out "$certs/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' "$address" >"$certs/server.ext"
  openssl x509 -req -in "$certs/server.csr" -CA "$certs/ca.pem" -CAkey "$certs/ca-key.pem" -CAcreateserial -days 3650 \
    -extfile "$certs/server.ext" -out "$certs/server/cert.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=client" \
    -keyout "$certs/client/key.pem" -out "$certs/client.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$certs/client.ext"
  openssl x509 -req -in "$certs/client.csr" -CA "$certs/ca.pem" -CAkey "$certs/ca-key.pem" -CAcreateserial -days 3650 \
    -extfile "$certs/client.ext" -out "$certs/client/cert.pem" 2>/dev/null
  cp "$certs/ca.pem" "$certs/server/ca.pem" && cp "$certs/ca.pem" "$certs/client/ca.pem"
  chmod 600 "$certs"/*/key.pem "$certs/ca-key.pem"
}

# The first engine sets the FORWARD policy to DROP and, with bridged traffic passing through
# iptables (br_netfilter), accepts only its own bridges: let this engine's networks through.
forward() {
  for dir in -s -d; do
    iptables -C FORWARD "$dir" "$nets" -j ACCEPT 2>/dev/null || iptables -I FORWARD "$dir" "$nets" -j ACCEPT
  done
}

start() {
  if answers; then log "engine answers on unix://$sock and tcp://$address:$port"; return; fi
  ip link show "$bridge" >/dev/null 2>&1 || ip link add "$bridge" type bridge
  # Not `ip addr show | grep -q`: under pipefail, grep's early exit can fail the pipe with SIGPIPE
  # and the address is added twice ("Address already assigned"), which ended a CI run.
  [[ "$(ip -o addr show dev "$bridge")" == *" ${bridge_cidr} "* ]] || ip addr add "$bridge_cidr" dev "$bridge"
  ip link set "$bridge" up
  if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then rm -f "$pidfile"; fi
  log "starting dockerd ($name)"
  nohup dockerd \
    --data-root "$state/data" --exec-root "/var/run/$name" --pidfile "$pidfile" \
    --bridge "$bridge" --default-address-pool "base=$pool,size=24" --iptables=false \
    -H "unix://$sock" -H "tcp://$address:$port" \
    --tlsverify --tlscacert "$certs/server/ca.pem" --tlscert "$certs/server/cert.pem" --tlskey "$certs/server/key.pem" \
    >"/var/log/$name.log" 2>&1 &
  for _ in $(seq 1 60); do answers && { log "engine up"; return; }; sleep 1; done
  echo "the second dockerd did not answer within 60 s; its log:" >&2; tail -n 30 "/var/log/$name.log" >&2; exit 1
}

# Starting this dockerd deletes the first engine's docker0 (docker.io 20.10, even with a bridge of
# its own), and every container the first engine then starts on its default network fails with
# "could not find bridge docker0". Put it back as the first engine made it: same name and address.
restore_docker0() {
  ip link show docker0 >/dev/null 2>&1 && return
  local subnet gateway
  subnet="$(docker network inspect bridge -f '{{(index .IPAM.Config 0).Subnet}}')"
  gateway="$(docker network inspect bridge -f '{{(index .IPAM.Config 0).Gateway}}')"
  ip link add docker0 type bridge
  ip addr add "$gateway/${subnet#*/}" dev docker0
  ip link set docker0 up
  log "put back the first engine's docker0 ($gateway/${subnet#*/}), which starting this engine removed"
}

load_image() {
  local want have
  want="$(docker image inspect -f '{{.Id}}' "$image")"
  have="$(docker -H "unix://$sock" image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)"
  if [ "$want" = "$have" ]; then log "image $image present"; return; fi
  log "loading $image from the first engine (no registry here)"
  docker save "$image" | docker -H "unix://$sock" load -q >/dev/null
}

make_context() {
  docker context inspect "$name" >/dev/null 2>&1 && return
  docker context create "$name" --description "replikit's second engine" \
    --docker "host=tcp://$address:$port,ca=$certs/client/ca.pem,cert=$certs/client/cert.pem,key=$certs/client/key.pem" >/dev/null
  log "docker context $name created"
}

# The same engine over ssh, as DOCKER_HOST=ssh://root@127.0.0.2:2222 reaches it: an sshd of its
# own whose one key may only run `docker system dial-stdio` against this engine (what the docker
# CLI and dockerode run on the far side).
ssh_port=2222
ssh_dir=$state/ssh
start_sshd() {
  command -v sshd >/dev/null 2>&1 || {
    log "installing openssh-server"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null
  }
  mkdir -p "$ssh_dir" /run/sshd && chmod 700 "$ssh_dir"
  [ -f "$ssh_dir/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$ssh_dir/host_key"
  [ -f "$ssh_dir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C replikit-test -f "$ssh_dir/id_ed25519"
  printf 'command="DOCKER_HOST=unix://%s exec docker system dial-stdio",no-port-forwarding,no-pty %s\n' "$sock" "$(cat "$ssh_dir/id_ed25519.pub")" >"$ssh_dir/authorized_keys"
  printf '%s\n' "ListenAddress $address:$ssh_port" "HostKey $ssh_dir/host_key" "AuthorizedKeysFile $ssh_dir/authorized_keys" \
    "PidFile $ssh_dir/sshd.pid" "PermitRootLogin prohibit-password" "PasswordAuthentication no" \
    "KbdInteractiveAuthentication no" "UsePAM no" "StrictModes no" >"$ssh_dir/sshd_config"
  # As a user who has ssh'd to the host once: its key in known_hosts (replikit checks it there).
  mkdir -p ~/.ssh && chmod 700 ~/.ssh && touch ~/.ssh/known_hosts
  local entry="[$address]:$ssh_port $(cut -d' ' -f1,2 "$ssh_dir/host_key.pub")"
  grep -qxF "$entry" ~/.ssh/known_hosts || echo "$entry" >>~/.ssh/known_hosts
  if [ -f "$ssh_dir/sshd.pid" ] && kill -0 "$(cat "$ssh_dir/sshd.pid")" 2>/dev/null; then log "sshd answers on $address:$ssh_port"; return; fi
  "$(command -v sshd)" -f "$ssh_dir/sshd_config"
  log "sshd started on $address:$ssh_port (key $ssh_dir/id_ed25519)"
}

make_certs
start
restore_docker0
forward
load_image
make_context
start_sshd
restore_docker0 # again, in case the engine removed it only after answering
echo "DOCKER_HOST=tcp://$address:$port DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$certs/client   (or DOCKER_CONTEXT=$name, or DOCKER_HOST=ssh://root@$address:$ssh_port with $ssh_dir/id_ed25519 in an ssh-agent)"
