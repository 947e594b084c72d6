#!/usr/bin/env bash
# netns-dockerd.sh NETNS LOGFILE -- DOCKERD_ARGS...
# Runs a private dockerd inside network namespace NETNS, so its bridge and iptables rules never touch the host's
# engine. `ip netns exec` would remount /sys and drop the cgroup v1 mounts ("Devices cgroup isn't mounted"), so this
# enters the netns with a private mount namespace, remounts sysfs and the cgroup hierarchies, points resolv.conf at
# the namespace's own loopback (no lookup ever leaves it), then execs dockerd (its pid is this script's pid).
set -euo pipefail
NS=$1; LOG=$2; shift 2; [ "${1:-}" = -- ] && shift
if [ -z "${_NETNS_DOCKERD_INNER:-}" ]; then
  export _NETNS_DOCKERD_INNER=1
  exec nsenter --net="/run/netns/$NS" unshare --mount --propagation slave "$0" "$NS" "$LOG" -- "$@"
fi
CG=$(awk '$3=="cgroup"{print $2" "$4}' /proc/self/mounts)
CG2=$(awk '$3=="cgroup2"{print $2}' /proc/self/mounts)
umount -l /sys
mount -t sysfs sysfs /sys
if [ -n "$CG" ]; then
  mount -t tmpfs -o mode=755 cgroup_root /sys/fs/cgroup
  while read -r path opts; do
    mkdir -p "$path"
    o=$(echo "$opts" | tr ',' '\n' | grep -vE '^(rw|ro|relatime|nosuid|nodev|noexec)$' | paste -sd, -)
    mount -t cgroup -o "$o" cgroup "$path"
  done <<<"$CG"
elif [ -n "$CG2" ]; then
  mount -t cgroup2 cgroup2 /sys/fs/cgroup
fi
RC="$(dirname "$LOG")/resolv.conf"; echo "nameserver 127.0.0.1" > "$RC"
mount --bind "$RC" /etc/resolv.conf
ip link set lo up
exec dockerd "$@" >>"$LOG" 2>&1 </dev/null
