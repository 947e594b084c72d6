# Sourced by the labs. start_engine_sshd DIR PORT SOCKET NAME starts an sshd on 127.0.0.1:PORT (key only) whose one key
# is forced to `docker -H unix://SOCKET system dial-stdio`, so that ssh://root@127.0.0.1:PORT is that engine's
# endpoint. DIR gets host_ed25519(.pub), client_ed25519 (the client's key), sshd_config, sshd.log and
# sshd.launcher.pid (the PID to stop). Prints the host key's fingerprint (SHA256:…) on stdout.
start_engine_sshd() {
  local dir=$1 port=$2 socket=$3 name=$4
  ssh-keygen -q -t ed25519 -N '' -f "$dir/host_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C "$name-client" -f "$dir/client_ed25519"
  echo "command=\"docker -H unix://$socket system dial-stdio\",no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding $(cat "$dir/client_ed25519.pub")" > "$dir/authorized_keys"
  cat > "$dir/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519
PidFile $dir/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
UsePAM no
CFG
  mkdir -p /run/sshd
  /usr/sbin/sshd -t -f "$dir/sshd_config"
  setsid /usr/sbin/sshd -D -e -f "$dir/sshd_config" >"$dir/sshd.log" 2>&1 </dev/null &
  echo $! > "$dir/sshd.launcher.pid"
  local answered=
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then answered=1; break; fi
    sleep 0.1
  done
  [ -n "$answered" ] || { cat "$dir/sshd.log" >&2; echo "sshd did not listen on 127.0.0.1:$port" >&2; return 1; }
  ssh-keygen -l -E sha256 -f "$dir/host_ed25519.pub" | awk '{print $2}'
}
