#!/usr/bin/env bash
# netns-dockerd.sh NETNS LOGFILE -- DOCKERD_ARGS...
# Follows ../shared/scripts/swarm/lib/netns-dockerd.sh, kept here so that the tests need nothing outside the repository.
# Starts dockerd inside network namespace NETNS (created with `ip netns add`), so its bridge and iptables rules never
# touch the host's engine, in a private mount namespace in which
#   - /sys is a fresh sysfs (so /sys/class/net shows the namespace's own interfaces, as `ip netns exec` does), and
#   - the cgroup v1 hierarchies are mounted again under /sys/fs/cgroup.
# Why not plain `ip netns exec NETNS dockerd`: ip netns exec remounts /sys and thereby drops /sys/fs/cgroup/*,
# and dockerd then dies with "failed to start daemon: Devices cgroup isn't mounted".
#   - the UTS namespace is private and the hostname is NETNS, and
#   - /etc/resolv.conf is replaced (bind mount) by one naming only $NETNS_DNS (default 127.0.0.1 = the netns' own
#     loopback), so that the daemon never queries an outside resolver: its lookup of a registry-less image fails at once.
# Runs in the foreground (exec dockerd): dockerd's PID is this script's PID.
set -euo pipefail
NS=$1; LOG=$2; shift 2; [ "${1:-}" = -- ] && shift
if [ -z "${_NETNS_DOCKERD_INNER:-}" ]; then
  # outer half: enter the netns + a new mount namespace whose mounts do not propagate back to the host
  export _NETNS_DOCKERD_INNER=1
  exec nsenter --net="/run/netns/$NS" unshare --mount --uts --propagation slave "$0" "$NS" "$LOG" -- "$@"
fi
# inner half (in the netns, in the private mount namespace)
CG=$(awk '$3=="cgroup"{print $2" "$4}' /proc/self/mounts)   # "path options" of each cgroup v1 hierarchy
CG2=$(awk '$3=="cgroup2"{print $2}' /proc/self/mounts)
umount -l /sys
mount -t sysfs sysfs /sys
if [ -n "$CG" ]; then
  mount -t tmpfs -o mode=755 cgroup_root /sys/fs/cgroup
  while read -r path opts; do
    mkdir -p "$path"
    # keep only the controller / name= options (drop rw,relatime etc.)
    o=$(echo "$opts" | tr ',' '\n' | grep -vE '^(rw|ro|relatime|nosuid|nodev|noexec)$' | paste -sd, -)
    mount -t cgroup -o "$o" cgroup "$path"
  done <<<"$CG"
elif [ -n "$CG2" ]; then
  mount -t cgroup2 cgroup2 /sys/fs/cgroup
fi
hostname "$NS"
RC="$(dirname "$LOG")/$NS.resolv.conf"; echo "nameserver ${NETNS_DNS:-127.0.0.1}" > "$RC"
mount --bind "$RC" /etc/resolv.conf
ip link set lo up
exec dockerd "$@" >>"$LOG" 2>&1 </dev/null
