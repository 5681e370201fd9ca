#!/usr/bin/env bash
# make demo: connrate client and server against each other in a throwaway
# network namespace, a few seconds each: an open-loop rate list, then a
# saturate run.  Needs root (the namespace); removes everything it made.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root for its network namespace: sudo make demo" >&2
	exit 1
fi
ns=crdemo$$
pid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns"
ip -n "$ns" link set lo up
# a namespace starts from the kernel's defaults: widen what limits a
# connection-rate test (see README, "Kernel tuning")
ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" \
	net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535
ip netns exec "$ns" "$top/connrate" server --port 7171 2>/dev/null &
pid=$!
for _ in $(seq 100); do
	ip netns exec "$ns" ss -Hltn 'sport = :7171' | grep -q LISTEN && break
	sleep 0.05
done
echo "== open loop: 2 s at each of 1000, 5000, 10000 connections/s"
ip netns exec "$ns" "$top/connrate" client --target 127.0.0.1:7171 \
	--rate 1000,5000,10000 --duration 2 --cooldown 1
echo
echo "== saturate: from 5000/s, x1.5 per 2 s round, two bisection rounds"
ip netns exec "$ns" "$top/connrate" saturate --target 127.0.0.1:7171 \
	--start 5000 --duration 2 --cooldown 1 --refine 2 --max-rounds 8
