#!/usr/bin/env bash
# Hold many connections through the dut (kernel forwarding + conntrack,
# tuned profile) with every exchange answered, and measure what a held
# connection costs in user space.
#
#   sudo bench/hold.sh                 # 200,002 connections, held 30 s
#   NCL=2 PER=5000 sudo bench/hold.sh  # a quick one
#
# NCL client processes hold PER connections each, from NADDR source
# addresses, against NSRV server --keepalive processes sharing the port
# (SO_REUSEPORT): one process may not hold more descriptors than its hard
# RLIMIT_NOFILE (20,000 on the build machine, and not raisable there).
# Prints the connections established and held, the exchanges and errors,
# the dut's conntrack count at its peak, and the peak RSS of every client
# and server next to that of a one-connection client and an idle server:
# the difference over the connections is the cost of one (meaningful with
# thousands per process: two processes' RSS differ by ~100 KiB anyway).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
NCL=${NCL:-11} PER=${PER:-18182} NSRV=${NSRV:-12} NADDR=${NADDR:-16}
RATE=${RATE:-300} KA=${KA:-30s} HOLD=${HOLD:-30s}
lab=$top/connrate-lab cr=$top/connrate p=crbh$$ out=$(mktemp -d /tmp/crbh.XXXXXX)
spids=() cpids=()
cleanup() {
	local x
	for x in "${cpids[@]}"; do kill -INT "$x" 2>/dev/null; done
	for x in "${spids[@]}"; do kill -TERM "$x" 2>/dev/null; done
	wait
	"$lab" down $p >/dev/null 2>&1
	rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$lab" up dut --name $p --profile tuned >/dev/null || exit 1
for i in $(seq 2 "$NADDR"); do
	ip -n $p-client addr add 10.71.1.$i/24 dev eth0 || exit 1
done
# the baselines: an idle server, a one-connection client
ip netns exec $p-server "$cr" server --keepalive --threads 1 --port 7172 --json "$out/idle.json" 2>/dev/null &
x=$!
sleep 0.5
kill -TERM $x
wait $x
for i in $(seq "$NSRV"); do
	ip netns exec $p-server "$cr" server --keepalive --threads 1 --json "$out/srv$i.json" >/dev/null 2>&1 &
	spids+=($!)
done
for _ in $(seq 100); do
	ip netns exec $p-server ss -Hltn 'sport = :7171' | grep -q LISTEN && break
	sleep 0.05
done
ip netns exec $p-client "$cr" client --target 10.71.2.1:7171 --hold 1 --hold-for 0 --threads 1 \
	--json "$out/one.json" >/dev/null || exit 1
for i in $(seq "$NCL"); do
	ip netns exec $p-client "$cr" client --target 10.71.2.1:7171 --hold "$PER" --open-rate "$RATE" \
		--hold-for "$HOLD" --keepalive "$KA" --timeout 5s --threads 1 \
		--source 10.71.1.1-10.71.1.$NADDR --json "$out/cl$i.json" >/dev/null 2>&1 &
	cpids+=($!)
done
peak=0
while kill -0 "${cpids[0]}" 2>/dev/null; do
	n=$(ip netns exec $p-dut cat /proc/sys/net/netfilter/nf_conntrack_count)
	[ "$n" -gt $peak ] && peak=$n
	sleep 1
done
wait "${cpids[@]}"
cpids=()
for x in "${spids[@]}"; do kill -TERM "$x"; done
wait "${spids[@]}"
spids=()
echo "dut conntrack count at its peak: $peak"
jq -s --argjson one "$(jq 'select(.type=="hold") | .memory.rss_peak_kb' "$out/one.json")" '
	map(select(.type=="hold")) | {clients: length, established: map(.established) | add,
	held: map(.held) | add, lost: map(.lost) | add, unstarted: map(.unstarted) | add,
	exchanges: map(.exchanges) | add, errors: map(.errors | add) | add,
	exchange_p99_us_worst: map(.exchange_us.p99) | max, slot_bytes: .[0].memory.slot_bytes,
	rss_kib: map(.memory.rss_peak_kb), one_connection_rss_kib: $one,
	bytes_per_connection: ((map(.memory.rss_peak_kb - $one) | add) * 1024 / (map(.held) | add))}' \
	"$out"/cl*.json
jq -s --argjson idle "$(jq 'select(.final) | .rss_peak_kb' "$out/idle.json")" '
	map(select(.final)) | {servers: length, accepted: map(.accepted) | add,
	completed: map(.completed) | add, rss_kib: map(.rss_peak_kb), idle_rss_kib: $idle,
	bytes_per_connection: ((map(.rss_peak_kb - $idle) | add) * 1024 / (map(.accepted) | add))}' \
	"$out"/srv*.json
