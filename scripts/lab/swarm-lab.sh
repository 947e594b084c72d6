#!/usr/bin/env bash
# swarm-lab.sh up|down — a 3-node Docker Swarm and a registry on this machine, for tests (run as root).
# Every name comes from LAB and every address from LAB_NET, so two labs never clash:
#   netns ${LAB}br (bridge br0), ${LAB}n1..n3 (dockerd each, $LAB_NET.11..13; n1 = manager), host veth ${LAB}h = $LAB_NET.1
#   sockets, pid files, exec roots: /run/mlw-lab/$LAB      data, registry storage, logs: /var/lib/mlw-lab/$LAB
#   registry on 127.0.0.1:$LAB_REGISTRY_PORT (this host's engine pushes there: 127.0.0.0/8 is insecure by default),
#   forwarded by socat as $LAB_NET.1:$LAB_REGISTRY_PORT for the nodes. No namespace has a default route.
# `up` prints the lab as KEY=VALUE lines on stdout (MANAGER_SOCKET, NODE_SOCKETS, REGISTRY, REGISTRY_PUSH, HOST_ADDRESS;
# with LAB_MANAGER_TLS=1 also MANAGER_TLS_ENDPOINT and MANAGER_TLS_DIR; with LAB_MANAGER_SSH=1 also MANAGER_SSH_ENDPOINT,
# MANAGER_SSH_HOST_KEY_FINGERPRINT and MANAGER_SSH_PRIVATE_KEY).
# Pitfalls measured on this machine: ../shared/scripts/swarm/README.md.
# env: LAB (default mlwlab, at most 8 characters: interface names), LAB_NET (default 10.81.0), LAB_REGISTRY_PORT (5081),
#      LAB_MANAGER_TLS (1: the manager's dockerd also listens on tcp://$LAB_NET.11:2376 with mutual TLS, its CA, server and
#      client certificates in $DATA/tls as lib/engine-certs.sh makes them; default 0), LAB_MANAGER_SSH (1: an sshd on
#      127.0.0.1:$LAB_SSH_PORT (default 2323) in front of the manager's socket, as lib/engine-sshd.sh starts it; default 0)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
NETNS_DOCKERD=$HERE/../../../shared/scripts/swarm/lib/netns-dockerd.sh
LAB=${LAB:-mlwlab}
NET=${LAB_NET:-10.81.0}
PORT=${LAB_REGISTRY_PORT:-5081}
MANAGER_TLS=${LAB_MANAGER_TLS:-0}
MANAGER_SSH=${LAB_MANAGER_SSH:-0}
SSH_PORT=${LAB_SSH_PORT:-2323}
# shellcheck source=lib/engine-certs.sh
source "$HERE/lib/engine-certs.sh"
# shellcheck source=lib/engine-sshd.sh
source "$HERE/lib/engine-sshd.sh"
NODES=3
RUN=/run/mlw-lab/$LAB
DATA=/var/lib/mlw-lab/$LAB
LOGS=$DATA/logs
log() { printf '[swarm-lab %s] %s\n' "$LAB" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
[[ $LAB =~ ^[a-z][a-z0-9]{0,7}$ ]] || die "LAB must be 1-8 lowercase letters or digits, starting with a letter: $LAB"
[[ $NET =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "LAB_NET must be the first three octets of a /24, e.g. 10.81.0: $NET"

up() {
  [ -x "$NETNS_DOCKERD" ] || die "missing $NETNS_DOCKERD"
  for tool in dockerd docker-registry socat nsenter unshare ip; do command -v "$tool" >/dev/null || die "$tool is not installed (scripts/provision.sh)"; done
  ip netns list | grep -q "^${LAB}br\b" && die "lab $LAB is already up (swarm-lab.sh down first)"
  mkdir -p "$RUN" "$DATA" "$LOGS"

  ip netns add "${LAB}br"
  ip -n "${LAB}br" link set lo up
  ip -n "${LAB}br" link add br0 type bridge
  ip -n "${LAB}br" link set br0 up
  ip link add "${LAB}h" type veth peer name hostp netns "${LAB}br"
  ip -n "${LAB}br" link set hostp master br0 up
  ip addr add "$NET.1/24" dev "${LAB}h"
  ip link set "${LAB}h" up
  for i in $(seq 1 $NODES); do
    local ns=${LAB}n$i
    ip netns add "$ns"
    ip link add "${LAB}v$i" type veth peer name eth0 netns "$ns"
    ip link set "${LAB}v$i" netns "${LAB}br"
    ip -n "${LAB}br" link set "${LAB}v$i" master br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$NET.1$i/24" dev eth0
    ip -n "$ns" link set eth0 up
  done

  local manager_tls=()
  if [ "$MANAGER_TLS" = 1 ]; then
    command -v openssl >/dev/null || die "openssl is not installed (scripts/provision.sh)"
    mkdir -p "$DATA/tls"; chmod 700 "$DATA/tls"
    make_engine_certs "$DATA/tls" "$LAB" "$NET.11"
    manager_tls=(--host "tcp://$NET.11:2376" --tlsverify --tlscacert "$DATA/tls/ca.pem" --tlscert "$DATA/tls/server-cert.pem" --tlskey "$DATA/tls/server-key.pem")
  fi
  for i in $(seq 1 $NODES); do
    local n=n$i extra=()
    [ "$i" = 1 ] && extra=("${manager_tls[@]}")
    mkdir -p "$DATA/$n"
    setsid "$NETNS_DOCKERD" "${LAB}$n" "$LOGS/$n.log" -- \
      --host "unix://$RUN/$n.sock" "${extra[@]}" --data-root "$DATA/$n" --exec-root "$RUN/$n" --pidfile "$RUN/$n.pid" \
      --insecure-registry "$NET.0/24" >/dev/null 2>&1 </dev/null &
    echo $! > "$RUN/$n.launcher.pid"
  done
  for i in $(seq 1 $NODES); do
    for _ in $(seq 1 150); do docker -H "unix://$RUN/n$i.sock" version >/dev/null 2>&1 && break; sleep 0.2; done
    docker -H "unix://$RUN/n$i.sock" version >/dev/null 2>&1 || { tail -20 "$LOGS/n$i.log" >&2; die "dockerd n$i did not come up"; }
  done

  local manager="docker -H unix://$RUN/n1.sock"
  $manager swarm init --advertise-addr "$NET.11" --listen-addr "$NET.11:2377" >/dev/null
  local token; token=$($manager swarm join-token -q worker)
  for i in $(seq 2 $NODES); do
    docker -H "unix://$RUN/n$i.sock" swarm join --token "$token" --advertise-addr "$NET.1$i" --listen-addr "$NET.1$i:2377" "$NET.11:2377" >/dev/null
  done
  for _ in $(seq 1 100); do [ "$($manager node ls --format '{{.Status}}' | grep -c Ready)" = $NODES ] && break; sleep 0.2; done
  [ "$($manager node ls --format '{{.Status}}' | grep -c Ready)" = $NODES ] || die "the swarm did not get $NODES ready nodes"

  mkdir -p "$DATA/registry"
  cat > "$DATA/registry.yml" <<YML
version: 0.1
log: {level: warn, fields: {service: registry}}
storage:
  filesystem: {rootdirectory: $DATA/registry}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$PORT
YML
  setsid docker-registry serve "$DATA/registry.yml" >"$LOGS/registry.log" 2>&1 </dev/null & echo $! > "$RUN/registry.pid"
  setsid socat "TCP-LISTEN:$PORT,bind=$NET.1,fork,reuseaddr" "TCP:127.0.0.1:$PORT" >"$LOGS/socat.log" 2>&1 </dev/null & echo $! > "$RUN/socat.pid"
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/v2/" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$PORT/v2/" >/dev/null || die "the registry did not answer on 127.0.0.1:$PORT"

  local fingerprint=
  if [ "$MANAGER_SSH" = 1 ]; then
    mkdir -p "$DATA/ssh"; chmod 700 "$DATA/ssh"
    fingerprint=$(start_engine_sshd "$DATA/ssh" "$SSH_PORT" "$RUN/n1.sock" "$LAB") || die "sshd did not come up on 127.0.0.1:$SSH_PORT"
  fi

  echo "MANAGER_SOCKET=$RUN/n1.sock"
  echo "NODE_SOCKETS=$(for i in $(seq 1 $NODES); do printf '%s ' "$RUN/n$i.sock"; done | sed 's/ $//')"
  echo "REGISTRY=$NET.1:$PORT"
  echo "REGISTRY_PUSH=127.0.0.1:$PORT"
  echo "HOST_ADDRESS=$NET.1"
  if [ "$MANAGER_TLS" = 1 ]; then
    echo "MANAGER_TLS_ENDPOINT=tcp://$NET.11:2376"
    echo "MANAGER_TLS_DIR=$DATA/tls"
  fi
  if [ "$MANAGER_SSH" = 1 ]; then
    echo "MANAGER_SSH_ENDPOINT=ssh://root@127.0.0.1:$SSH_PORT"
    echo "MANAGER_SSH_HOST_KEY_FINGERPRINT=$fingerprint"
    echo "MANAGER_SSH_PRIVATE_KEY=$DATA/ssh/client_ed25519"
  fi
  log "up: manager unix://$RUN/n1.sock, registry $NET.1:$PORT"
}

# Stops the process whose PID is in FILE (TERM, KILL after WAIT seconds), only if its command line still names NAME.
stop_pid() {
  local file=$1 name=$2 wait=$3 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$name"; then
    kill -TERM "$pid"
    for _ in $(seq 1 $((wait * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$file"
}

down() {
  for i in $(seq 1 $NODES); do ( stop_pid "$RUN/n$i.launcher.pid" dockerd 30 ) & done
  wait
  for pid in $(pgrep -f "$RUN/n[0-9]/containerd" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
  stop_pid "$RUN/socat.pid" socat 5
  stop_pid "$DATA/ssh/sshd.launcher.pid" sshd 5
  stop_pid "$RUN/registry.pid" docker-registry 5
  for i in $(seq 1 $NODES); do ip netns del "${LAB}n$i" 2>/dev/null || true; done
  ip netns del "${LAB}br" 2>/dev/null || true
  ip link del "${LAB}h" 2>/dev/null || true
  for d in "$DATA"/n[0-9]; do [ -d "$d" ] && { umount -R "$d" 2>/dev/null || true; }; done
  rm -rf "$DATA" "$RUN"
  for tag in $(docker images --format '{{.Repository}}:{{.Tag}}' | grep "^127.0.0.1:$PORT/" || true); do docker rmi "$tag" >/dev/null || true; done
  log "down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: LAB=name LAB_NET=10.81.0 LAB_REGISTRY_PORT=5081 $0 up|down" >&2; exit 2 ;;
esac
