#!/usr/bin/env bash
# Syscalls per connection of connrate client and server (perf tracepoints,
# far lighter than strace): closed loop, 50 in flight (or open loop at
# RATE/s), 2 threads, 64-byte request and response, in a namespace of its
# own.  Needs root and perf.
#
#   bench/syscalls.sh [SECS] [fin|http] [RATE]
#   fin (default): connrate's own exchange, the client half-closes first
#   http: the server answers after 64 bytes and closes first (as nginx)
#   RATE: open loop instead (its --spin polls show as client epoll_pwait2)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${CONNRATE:-$top/connrate}	# another build to compare
secs=${1:-3}
sargs=() cargs=()
case ${2:-fin} in
fin) ;;
http) sargs=(--respond-after bytes:64); cargs=(--no-half-close) ;;
*) echo "usage: bench/syscalls.sh [SECS] [fin|http] [RATE]" >&2; exit 2 ;;
esac
loop=(--concurrency 50)
if [ -n "${3:-}" ]; then
	[[ $3 =~ ^[1-9][0-9]*$ ]] || { echo "bench/syscalls.sh: RATE '$3': expected connections/s > 0" >&2; exit 2; }
	loop=(--rate "$3")
fi
ns=crsys$$
tmp=$(mktemp -d /tmp/crsys.XXXXXX)
trap 'set +e; [ -n "${sp:-}" ] && kill -TERM $sp 2>/dev/null && wait $sp; ip netns del $ns 2>/dev/null; rm -rf "$tmp"' EXIT
ip netns add $ns
ip -n $ns link set lo up
ip netns exec $ns sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1 \
	net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535
head -c 64 /dev/zero >"$tmp/p64"
ev='raw_syscalls:sys_enter,syscalls:sys_enter_recvfrom,syscalls:sys_enter_epoll_pwait2,syscalls:sys_enter_accept4,syscalls:sys_enter_epoll_ctl'
ip netns exec $ns perf stat -x, -e "$ev" -o "$tmp/srv.perf" "$bin" server --threads 2 \
	--response "$tmp/p64" "${sargs[@]}" >/dev/null 2>&1 &
sp=$!
sleep 0.5
ip netns exec $ns perf stat -x, -e "$ev" -o "$tmp/cli.perf" "$bin" client --target 127.0.0.1:7171 \
	"${loop[@]}" --threads 2 --duration "$secs" --request "$tmp/p64" --expect-bytes 64 \
	--json "$tmp/c.json" "${cargs[@]}" >/dev/null
kill -INT "$(pgrep -P $sp || echo $sp)" 2>/dev/null || true
pkill -INT -f "^$bin server --threads 2 --response $tmp/p64" || true
wait $sp || true
sp=
n=$(jq 'select(.type == "round") | .ok' "$tmp/c.json")
for side in cli srv; do
	awk -F, -v n="$n" -v s="$side" '$3 ~ /sys_enter/ {split($3, a, ":"); name = a[2]; sub("sys_enter_", "", name)
		printf "%s %s %.2f  ", (s == "cli" ? "client" : "server"), name, $1 / n} END {print ""}' "$tmp/$side.perf"
done
echo "($n connections)"
