#!/usr/bin/env bash
# remote-engine-lab.sh up|down — a "remote" Docker engine on this machine, for the remote compute's tests (as root).
#
#   netns $LAB:  eth0 $LAB_NET.2/24, a standalone dockerd on unix://$LAB_DIR/d.sock and tcp://$LAB_NET.2:2376 with
#                mutual TLS (--tlsverify); no default route, so nothing in it reaches beyond $LAB_NET.0/24
#   root netns:  veth ${LAB}h $LAB_NET.1/24 (so this machine's clients reach the engine)
#                sshd on 127.0.0.1:$LAB_SSH_PORT, key only, whose one key is forced to
#                `docker -H unix://$LAB_DIR/d.sock system dial-stdio` (an ssh:// engine endpoint)
#   $LAB_DIR:    ca.pem, cert.pem, key.pem (client), server-*.pem, rogue-cert.pem/rogue-key.pem (a client cert from
#                another CA), ssh/client_ed25519 (client key), lab.env (what a client needs, as KEY=value lines)
#
# Every name derives from LAB (≤ 12 characters: network interface names are short) and LAB_NET (a /24 prefix such as
# 10.213.7), so two labs with different values never clash. The engine holds no image: clients ship what they run.
# env: LAB (default mlwlab), LAB_NET (default 10.213.0), LAB_SSH_PORT (default 2322), LAB_DIR (default /tmp/$LAB),
#      SHARED_SCRIPTS (default ../shared/scripts next to this repository).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LAB=${LAB:-mlwlab}
LAB_NET=${LAB_NET:-10.213.0}
LAB_SSH_PORT=${LAB_SSH_PORT:-2322}
LAB_DIR=${LAB_DIR:-/tmp/$LAB}
SHARED_SCRIPTS=${SHARED_SCRIPTS:-$HERE/../../../shared/scripts}
NETNS_DOCKERD=$SHARED_SCRIPTS/swarm/lib/netns-dockerd.sh
# shellcheck source=lib/engine-certs.sh
source "$HERE/lib/engine-certs.sh"
# shellcheck source=lib/engine-sshd.sh
source "$HERE/lib/engine-sshd.sh"
HOST_LINK=${LAB}h
ENGINE_IP=$LAB_NET.2
die() { echo "remote-engine-lab: $*" >&2; exit 1; }

up() {
  [ "$(id -u)" = 0 ] || die "must run as root"
  [ ${#LAB} -le 12 ] || die "LAB must be at most 12 characters"
  [[ $LAB_NET =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "LAB_NET must be a /24 prefix such as 10.213.7"
  [ -x "$NETNS_DOCKERD" ] || die "$NETNS_DOCKERD is missing"
  for tool in dockerd docker openssl ssh-keygen /usr/sbin/sshd nsenter unshare; do
    command -v "$tool" >/dev/null || die "$tool is not installed (scripts/provision.sh installs it)"
  done
  ! ip netns list | grep -qw "$LAB" || die "a lab $LAB is already up; run down first"
  mkdir -p "$LAB_DIR/ssh"; chmod 700 "$LAB_DIR" "$LAB_DIR/ssh"

  ip netns add "$LAB"
  ip link add "$HOST_LINK" type veth peer name eth0 netns "$LAB"
  ip addr add "$LAB_NET.1/24" dev "$HOST_LINK"
  ip link set "$HOST_LINK" up
  ip -n "$LAB" link set lo up
  ip -n "$LAB" addr add "$ENGINE_IP/24" dev eth0
  ip -n "$LAB" link set eth0 up

  make_engine_certs "$LAB_DIR" "$LAB" "$ENGINE_IP"

  : > "$LAB_DIR/dockerd.log"
  setsid "$NETNS_DOCKERD" "$LAB" "$LAB_DIR/dockerd.log" -- \
    --host "unix://$LAB_DIR/d.sock" --host "tcp://$ENGINE_IP:2376" --tlsverify \
    --tlscacert "$LAB_DIR/ca.pem" --tlscert "$LAB_DIR/server-cert.pem" --tlskey "$LAB_DIR/server-key.pem" \
    --data-root "$LAB_DIR/data" --exec-root "$LAB_DIR/x" --pidfile "$LAB_DIR/dockerd.pid" >/dev/null 2>&1 </dev/null &
  echo $! > "$LAB_DIR/dockerd.launcher.pid"   # dockerd's PID: the wrapper execs
  local answered=
  for _ in $(seq 1 150); do
    if docker -H "unix://$LAB_DIR/d.sock" version --format '{{.Server.Version}}' >/dev/null 2>&1; then answered=1; break; fi
    kill -0 "$(cat "$LAB_DIR/dockerd.launcher.pid")" 2>/dev/null || break
    sleep 0.2
  done
  [ -n "$answered" ] || { tail -20 "$LAB_DIR/dockerd.log" >&2; die "dockerd did not come up"; }

  local S=$LAB_DIR/ssh fingerprint
  fingerprint=$(start_engine_sshd "$S" "$LAB_SSH_PORT" "$LAB_DIR/d.sock" "$LAB") || die "sshd did not come up"

  cat > "$LAB_DIR/lab.env" <<ENV
LAB_DIR=$LAB_DIR
TLS_ENDPOINT=tcp://$ENGINE_IP:2376
SSH_ENDPOINT=ssh://root@127.0.0.1:$LAB_SSH_PORT
SSH_HOST_KEY_FINGERPRINT=$fingerprint
SSH_PRIVATE_KEY=$S/client_ed25519
ENGINE_SOCKET=$LAB_DIR/d.sock
HOST_ADDRESS=$LAB_NET.1
ENV
  echo "remote-engine-lab $LAB up: tcp://$ENGINE_IP:2376 (TLS), ssh://root@127.0.0.1:$LAB_SSH_PORT; $LAB_DIR/lab.env"
}

stop_pid_file() { # stop_pid_file FILE: SIGTERM the process, SIGKILL after 30 s
  [ -f "$1" ] || return 0
  local pid; pid=$(cat "$1")
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

down() {
  stop_pid_file "$LAB_DIR/ssh/sshd.launcher.pid"
  stop_pid_file "$LAB_DIR/dockerd.launcher.pid"
  ip netns del "$LAB" 2>/dev/null || true    # takes eth0 and so its peer ${LAB}h with it
  ip link del "$HOST_LINK" 2>/dev/null || true
  # dockerd's mounts lived in its own mount namespace, gone with it
  rm -rf "$LAB_DIR"
  echo "remote-engine-lab $LAB down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) die "usage: remote-engine-lab.sh up|down (env LAB, LAB_NET, LAB_SSH_PORT, LAB_DIR)" ;;
esac
