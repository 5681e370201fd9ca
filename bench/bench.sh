#!/usr/bin/env bash
# make bench: connrate against wrk -> nginx on the same workload, in a
# network namespace of its own, alternating, several runs each.
#
#   closed loop: 50 connections in flight, 2 threads each side, 64-byte
#   request and response, FIN close, tuned sysctls; connections/s median
#   (min-max) and CPU per connection (user, system) for each side.
#   connrate targets 4 server ports; one row shows it on 1 port, where
#   the client's TIME_WAIT reuse delay (1 s) caps a client-closes-first
#   exchange near half the port range per second.
#   Both servers' workers are pinned (connrate --cpus auto, nginx
#   worker_cpu_affinity auto) and run SCHED_BATCH (connrate --sched batch,
#   nginx under chrt -b 0; NGINX_SCHED= runs it as started).
#   open loop: connrate at 10% (--spin off, then auto), 50%, 70% and 90%
#   of its closed-loop median
#
# BENCH_RUNS (default 5) runs of BENCH_SECS (default 5) seconds each.
# BENCH_SMOKE=1: one run of 1 s, to keep the script working (make check).
# Then bench/oloop.sh: the open loop against the closed loop (BENCH_OLOOP=0: not).
# Writes the table to bench/last.txt as well.  Needs root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${BENCH_RUNS:-5}
secs=${BENCH_SECS:-5}
if [ "${BENCH_SMOKE:-}" = 1 ]; then runs=1; secs=1; fi
out=${BENCH_OUT:-$top/bench/last.txt}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (a network namespace): sudo make bench" >&2; exit 1; }
for t in nginx wrk jq; do
	command -v $t >/dev/null || { echo "bench: $t is missing: make deps" >&2; exit 1; }
done

ns=crbench$$
tmp=$(mktemp -d /tmp/crbench.XXXXXX)
pids=()
cleanup() {
	local p
	set +e	# a failed wait must not stop the cleanup
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	ip netns del $ns 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add $ns
ip -n $ns link set lo up
ip netns exec $ns sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1 \
	net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 \
	net.ipv4.ip_local_reserved_ports=7171-7174,8080
inns() { ip netns exec $ns "$@"; }

head -c 64 /dev/zero | tr '\0' x >"$tmp/req64"
head -c 64 /dev/zero | tr '\0' y >"$tmp/rsp64"
mkdir -p "$tmp/www"
head -c 64 /dev/zero | tr '\0' y >"$tmp/www/index.html"
cat >"$tmp/nginx.conf" <<EOC
worker_processes 2;
worker_cpu_affinity auto;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_timeout 0;
	client_body_temp_path $tmp;
	server { listen 127.0.0.1:8080 backlog=65535 reuseport; root $tmp/www; }
}
EOC

ticks=$(getconf CLK_TCK)
# CPU seconds (user sys) used so far by the given PIDs and their threads
cpu_of() {
	local p u=0 s=0 f
	for p in "$@"; do
		f=$(cut -d')' -f2- "/proc/$p/stat" 2>/dev/null) || continue
		u=$((u + $(echo "$f" | awk '{print $12}')))
		s=$((s + $(echo "$f" | awk '{print $13}')))
	done
	echo "$u $s"
}
wait_listen() { local i; for i in $(seq 100); do inns ss -Hltn "sport = :$1" | grep -q LISTEN && return 0; sleep 0.05; done; return 1; }

# --target options for the first $1 server ports
targets() { local p; for p in $(seq 7171 $((7170 + $1))); do echo "--target 127.0.0.1:$p"; done; }

# one connrate closed-loop run: "rate client_user_us client_sys_us server_user_us server_sys_us"
# $1 = fin: connrate's own exchange (the client half-closes first: TIME_WAIT
# on the client); $1 = http: the server closes first, as nginx does for
# wrk's Connection: close (TIME_WAIT on the server).  $2: server ports.
run_connrate() {
	local sp j=$tmp/c.json sj=$tmp/s.json rate ok sargs=() cargs=()
	rm -f "$j" "$sj"
	if [ "$1" = http ]; then
		sargs=(--respond-after bytes:64)
		cargs=(--no-half-close)
	fi
	# started directly, not through a function: $! must be the server itself
	ip netns exec $ns "$top/connrate" server --threads 2 --port "7171-$((7170 + $2))" \
		--response "$tmp/rsp64" --json "$sj" "${sargs[@]}" >/dev/null 2>&1 &
	sp=$!; pids+=("$sp")
	wait_listen 7171
	# shellcheck disable=SC2046 # one word per option and value
	inns "$top/connrate" client $(targets "$2") --concurrency 50 --threads 2 \
		--duration "$secs" --request "$tmp/req64" --expect-bytes 64 --json "$j" "${cargs[@]}" >/dev/null
	kill -TERM "$sp"
	wait "$sp" || echo "bench: connrate server exited with status $?" >&2
	ok=$(jq 'select(.type == "round") | .ok' "$j")
	rate=$(jq 'select(.type == "round") | .achieved_rate' "$j")
	jq -r --argjson ok "$ok" --argjson rate "$rate" --slurpfile s "$sj" \
		'select(.type == "round") | "\($rate) \(.cpu.user_s * 1e6 / $ok) \(.cpu.sys_s * 1e6 / $ok) \($s[0].cpu.user_s * 1e6 / $ok) \($s[0].cpu.sys_s * 1e6 / $ok)"' "$j"
}

# one wrk -> nginx run, the same line
run_wrk() {
	local np before after wu ws rate n
	# SCHED_BATCH, as connrate's server runs by default (--sched batch)
	ip netns exec $ns ${NGINX_SCHED-chrt -b 0} nginx -c "$tmp/nginx.conf" -g 'daemon off;' 2>/dev/null &
	np=$!; pids+=("$np")
	wait_listen 8080
	local procs; procs=$(pgrep -P "$np" | tr '\n' ' ')
	before=$(cpu_of $np $procs)
	TIMEFORMAT='%U %S'
	{ time inns wrk -t2 -c50 -d"${secs}s" -H 'Connection: close' http://127.0.0.1:8080/ >"$tmp/wrk.out" 2>&1; } 2>"$tmp/wrk.time"
	after=$(cpu_of $np $procs)
	kill -TERM "$np"; wait "$np" 2>/dev/null || true
	rate=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.out")
	n=$(awk -v r="$rate" -v s="$secs" 'BEGIN {print r * s}')
	read -r wu ws <"$tmp/wrk.time"
	awk -v r="$rate" -v n="$n" -v wu="$wu" -v ws="$ws" -v b="$before" -v a="$after" -v t="$ticks" 'BEGIN {
		split(b, B, " "); split(a, A, " ")
		printf "%s %f %f %f %f\n", r, wu * 1e6 / n, ws * 1e6 / n,
			(A[1] - B[1]) / t * 1e6 / n, (A[2] - B[2]) / t * 1e6 / n }'
}

# median (min-max) of column $1 of a file
stat_col() { awk -v c="$1" '{print $c}' "$2" | sort -g | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.0f (%.0f-%.0f)", m, a[1], a[NR]}'; }
med_col() { awk -v c="$1" '{print $c}' "$2" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

: >"$tmp/connrate.runs"; : >"$tmp/connrate-http.runs"; : >"$tmp/connrate-1p.runs"; : >"$tmp/wrk.runs"
for i in $(seq "$runs"); do
	echo "bench: run $i of $runs: connrate (two close orders, then on 1 port), then wrk -> nginx (${secs} s each)" >&2
	run_connrate fin 4 >>"$tmp/connrate.runs"
	run_connrate http 4 >>"$tmp/connrate-http.runs"
	run_connrate fin 1 >>"$tmp/connrate-1p.runs"
	run_wrk >>"$tmp/wrk.runs"
done

cmax=$(med_col 1 "$tmp/connrate.runs")
hmax=$(med_col 1 "$tmp/connrate-http.runs")
wmax=$(med_col 1 "$tmp/wrk.runs")
row() {
	printf '%-32s %-24s %-18s %-18s\n' "$1" "$(stat_col 1 "$2")" \
		"$(printf '%.1f / %.1f' "$(med_col 2 "$2")" "$(med_col 3 "$2")")" \
		"$(printf '%.1f / %.1f' "$(med_col 4 "$2")" "$(med_col 5 "$2")")"
}

# one open-loop run at $1 percent of connrate's closed-loop median, with
# --spin $2 (default auto):
# "target achieved lag_p99_us latency_p50_us latency_p99_us errors lag_p50_us"
openloop_run() {
	local pct=$1 spin=${2:-auto} rate sp j=$tmp/o.json
	rate=$(awk -v m="$cmax" -v p="$pct" 'BEGIN {printf "%d", m * p / 100}')
	rm -f "$j"
	ip netns exec $ns "$top/connrate" server --threads 2 --port 7171-7174 --response "$tmp/rsp64" >/dev/null 2>&1 &
	sp=$!; pids+=("$sp")
	wait_listen 7171
	# shellcheck disable=SC2046
	inns "$top/connrate" client $(targets 4) --rate "$rate" --threads 2 \
		--duration "$secs" --request "$tmp/req64" --expect-bytes 64 --spin "$spin" \
		--json "$j" >/dev/null
	kill -TERM "$sp"; wait "$sp" 2>/dev/null || true
	jq -r 'select(.type == "round") | "\(.target_rate|floor) \(.achieved_rate|floor) \(.lag_us.p99) \(.latency_us.p50) \(.latency_us.p99) \(.errors|add) \(.lag_us.p50)"' "$j"
}

# the medians of the open-loop runs in $tmp/ol-$1.runs, labelled $2
openloop() {
	local f=$tmp/ol-$1.runs
	printf '  %-14s %s/s  achieved %s/s  lag p50 %s us  p99 %s us  latency p50 %s us  p99 %s us  errors %s\n' \
		"$2" "$(med_col 1 "$f")" "$(med_col 2 "$f")" "$(printf '%.1f' "$(med_col 7 "$f")")" "$(stat_col 3 "$f")" \
		"$(printf '%.0f' "$(med_col 4 "$f")")" "$(printf '%.0f' "$(med_col 5 "$f")")" \
		"$(awk '{e += $6} END {print e + 0}' "$f")"
}

for i in $(seq "$runs"); do
	echo "bench: open loop, run $i of $runs: 10% (--spin off, auto), 50%, 70%, 90% of $cmax/s (${secs} s each)" >&2
	openloop_run 10 off >>"$tmp/ol-10-off.runs"
	openloop_run 10 auto >>"$tmp/ol-10-auto.runs"
	for pct in 50 70 90; do openloop_run $pct >>"$tmp/ol-$pct.runs"; done
done

{
	echo "connrate bench, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
	echo "closed loop, 50 in flight, 2 threads per side, 64-byte request and response, FIN close,"
	echo "loopback in a namespace with tuned sysctls; both servers pinned and SCHED_BATCH;"
	echo "connrate on 4 server ports unless said;"
	echo "$runs runs of $secs s, alternating"
	echo
	printf '%-32s %-24s %-18s %-18s\n' "" "connections/s" "client us/conn" "server us/conn"
	printf '%-32s %-24s %-18s %-18s\n' "" "median (min-max)" "user / sys" "user / sys"
	row "connrate (client closes first)" "$tmp/connrate.runs"
	row "connrate (server closes first)" "$tmp/connrate-http.runs"
	row "connrate (client first, 1 port)" "$tmp/connrate-1p.runs"
	row "wrk -> nginx (server first)" "$tmp/wrk.runs"
	echo
	awk -v c="$hmax" -v w="$wmax" 'BEGIN {printf "ratio connrate / (wrk -> nginx), same close order: %.2f\n", c / w}'
	awk -v c="$cmax" -v w="$wmax" 'BEGIN {printf "ratio connrate (its own exchange) / (wrk -> nginx): %.2f\n", c / w}'
	cat "$tmp/connrate.runs" "$tmp/connrate-http.runs" |
		awk '{u += $2 + $4; t += $2 + $3 + $4 + $5} END {printf "connrate user-space share of its CPU: %.1f%%\n", 100 * u / t}' 
	echo
	echo "open loop (connrate, 2 threads, 4 ports, --spin auto unless said), at a share of"
	echo "its closed-loop median;"
	echo "medians of $runs runs (lag p99: median (min-max)), errors summed:"
	openloop 10-off "10%, spin off"
	openloop 10-auto "10%"
	openloop 50 "50%"
	openloop 70 "70%"
	openloop 90 "90%"
} | tee "$out"

# The open loop's cost and punctuality against the closed loop, one client
# and one server thread, this tree's build (bench/oloop.sh; BASE=REV there
# adds a build to compare).  BENCH_OLOOP=0 leaves it out.
if [ "${BENCH_OLOOP:-1}" = 1 ]; then
	echo
	if [ "${BENCH_SMOKE:-}" = 1 ]; then
		RUNS=1 SECS=1 SHARES="10 50 90" "$top/bench/oloop.sh"
	else
		RUNS=$runs SECS=2 "$top/bench/oloop.sh"
	fi
fi | tee -a "$out"
