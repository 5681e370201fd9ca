#!/usr/bin/env bash
# The open loop's cost against the closed loop's, on loopback in a network
# namespace of its own: one client thread against one server thread (each
# pinned to a CPU of its own), 64-byte request and response, FIN close.
#
# Each run measures the closed loop (--concurrency CONC) and then the open
# loop at shares of that run's closed-loop rate, so every ratio is taken
# against a peer measured at the same moment.  With BASE (a git revision)
# or OLD (a binary), the same is done for that build too, alternating, so
# before and after share the machine's noise.
#
#   bench/oloop.sh                      this tree's ./connrate
#   BASE=main bench/oloop.sh            and main, built in a temporary tree
#   OLD=/path/to/connrate bench/oloop.sh
#   VARIANTS="--spin busy;--spin off" bench/oloop.sh
#                                       and this tree's with those options
#                                       (open loop only), ';' between sets
#                                       (default: "--batch auto"; "" for none);
#                                       with BASE or OLD, that build's too
#
# RUNS (3) runs; SECS (2) seconds a round; CONC (50) in flight in the closed
# loop; SHARES ("10 50 60 70 80 90 95 100") percent of the closed loop for
# the open loop; PCTS ("10 50 90") the shares shown in detail and counted
# with perf (syscalls, context switches, migrations: one more round each);
# CLIENT_CPU (0) and SERVER_CPU (1) the CPUs the two are pinned to;
# PERF=0 (or no perf) leaves the perf columns empty.  RAMP (500ms): every
# open-loop round ramps up over RAMP before its SECS (RFC 9411's phases):
# the sustain is what is judged, CPU and system calls count the ramp's
# connections too.  (A round that starts at full rate after an idle
# spell pays the machine's cold start in lag: see README, Performance;
# RAMP=0 shows it.)
# A share "keeps its schedule" when achieved is within 1% of the target and
# lag p99 is at most 1 ms.  Prints medians of the runs.  Needs root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-3}
secs=${SECS:-2}
conc=${CONC:-50}
shares=${SHARES:-10 50 60 70 80 90 95 100}
pcts=${PCTS:-10 50 90}
ramp=${RAMP:-500ms}
ccpu=${CLIENT_CPU:-0}
scpu=${SERVER_CPU:-1}
[ "$(id -u)" -eq 0 ] || { echo "bench/oloop.sh: needs root (a network namespace)" >&2; exit 1; }
command -v jq >/dev/null || { echo "bench/oloop.sh: jq is missing" >&2; exit 1; }
# without perf (or with PERF=0) the system-call columns stay empty
perf=${PERF:-1}
command -v perf >/dev/null || perf=0
for v in "$runs" "$secs" "$conc"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || { echo "bench/oloop.sh: '$v': expected a whole number > 0 (RUNS, SECS, CONC)" >&2; exit 2; }
done
[[ $ramp =~ ^(0|[0-9]+(\.[0-9]+)?(us|ms|s))$ ]] || { echo "bench/oloop.sh: RAMP '$ramp': expected 0 or a duration (e.g. 500ms)" >&2; exit 2; }
for v in $shares $pcts; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || { echo "bench/oloop.sh: share '$v': expected a percentage > 0 (SHARES, PCTS)" >&2; exit 2; }
done
for v in $pcts; do
	[[ " $shares " = *" $v "* ]] || { echo "bench/oloop.sh: PCTS share '$v' is not among SHARES ($shares)" >&2; exit 2; }
done

ns=crOL$$
tmp=$(mktemp -d /tmp/croloop.XXXXXX)
sp=
cleanup() {
	set +e
	[ -n "$sp" ] && kill -TERM "$sp" 2>/dev/null && wait "$sp" 2>/dev/null
	ip netns del $ns 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bins=(new)
declare -A bin=([new]=$top/connrate) extra=([new]=)
[ -x "${bin[new]}" ] || { echo "bench/oloop.sh: ${bin[new]} is missing: make" >&2; exit 1; }
if [ -n "${BASE:-}" ]; then
	mkdir "$tmp/base"
	git -C "$top" archive "$BASE" | tar -x -C "$tmp/base"
	make -s -C "$tmp/base" connrate >/dev/null || { echo "bench/oloop.sh: cannot build $BASE" >&2; exit 1; }
	OLD=$tmp/base/connrate
fi
if [ -n "${OLD:-}" ]; then
	[ -x "$OLD" ] || { echo "bench/oloop.sh: OLD '$OLD': not an executable" >&2; exit 2; }
	bins=(old new); bin[old]=$OLD; extra[old]=
fi
IFS=';' read -r -a vs <<<"${VARIANTS---batch auto}"
for v in "${vs[@]}"; do
	[ -n "${v// /}" ] || continue
	bins+=("new $v"); bin["new $v"]=$top/connrate; extra["new $v"]=$v
	[ -n "${OLD:-}" ] || continue
	bins+=("old $v"); bin["old $v"]=$OLD; extra["old $v"]=$v
done

ip netns add $ns
ip -n $ns link set lo up
ip netns exec $ns sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1 \
	net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 \
	net.ipv4.ip_local_reserved_ports=7171-7174
head -c 64 /dev/zero | tr '\0' x >"$tmp/req64"
head -c 64 /dev/zero | tr '\0' y >"$tmp/rsp64"
inns() { ip netns exec $ns "$@"; }
wait_listen() { local i; for i in $(seq 100); do inns ss -Hltn "sport = :7171" | grep -q LISTEN && return 0; sleep 0.05; done; return 1; }
targets=(--target 127.0.0.1:7171 --target 127.0.0.1:7172 --target 127.0.0.1:7173 --target 127.0.0.1:7174)
common=(--threads 1 --cpus "$ccpu" --request "$tmp/req64" --expect-bytes 64 --timeout 2s)
olen=(--duration "$secs")
[ "$ramp" = 0 ] || olen=(--ramp-up "$ramp" --sustain "$secs")

server_start() {
	ip netns exec $ns "$1" server --threads 1 --cpus "$scpu" --port 7171-7174 \
		--response "$tmp/rsp64" >/dev/null 2>&1 &
	sp=$!
	wait_listen
}
server_stop() { kill -TERM "$sp"; wait "$sp" 2>/dev/null || true; sp=; }

# per round line: "target achieved cpu_us_per_conn lag_p50 lag_p99 ok errors
# latency_p50 latency_p99" (a phased round: the sustain's, but CPU per
# connection over all its phases' connections)
rounds() {
	jq -r 'select(.type == "round") | (([(.phases // {})[].ok] | add) // .ok) as $all |
		"\(.target_rate // 0 | floor) \(.achieved_rate) \((.cpu.user_s + .cpu.sys_s) * 1e6 / (if $all > 0 then $all else 1 end)) \(.lag_us.p50) \(.lag_us.p99) \(.ok) \(.errors | add) \(.latency_us.p50) \(.latency_us.p99)"' "$1"
}

# one run of build $1: closed loop, then the open loop at each share
run_build() {
	local b=$1 j=$tmp/j.json cmax rates="" p r x
	read -r -a x <<<"${extra[$b]}"
	server_start "${bin[$b]}"
	rm -f "$j"	# --json appends
	inns "${bin[$b]}" client "${targets[@]}" "${common[@]}" --duration "$secs" --concurrency "$conc" \
		--json "$j" >/dev/null
	rounds "$j" | awk '{print "closed", $0}' >>"$tmp/${b//[^a-z0-9]/_}.closed"
	cmax=$(rounds "$j" | awk '{printf "%d", $2}')
	for p in $shares; do
		r=$((cmax * p / 100))
		[ "$r" -gt 0 ] || r=1
		rates="$rates${rates:+,}$r"
	done
	rm -f "$j"
	inns "${bin[$b]}" client "${targets[@]}" "${common[@]}" "${olen[@]}" "${x[@]}" --rate "$rates" --cooldown 300ms \
		--json "$j" >/dev/null
	# shellcheck disable=SC2086 # one word per share
	rounds "$j" | paste -d' ' <(printf '%s\n' $shares) - >>"$tmp/${b//[^a-z0-9]/_}.open"
	# perf: system calls, context switches and migrations per connection
	[ "$perf" = 1 ] || pcts_perf=
	for p in ${pcts_perf-$pcts}; do
		r=$((cmax * p / 100))
		rm -f "$j"
		inns perf stat -x, -e raw_syscalls:sys_enter,context-switches,cpu-migrations,syscalls:sys_enter_epoll_ctl \
			-o "$tmp/perf" "${bin[$b]}" client "${targets[@]}" "${common[@]}" "${olen[@]}" "${x[@]}" --rate "$r" \
			--json "$j" >/dev/null
		awk -F, -v p="$p" -v ok="$(jq 'select(.type == "round") | ([(.phases // {})[].ok] | add) // .ok' "$j")" '
			{ v[$3] = $1 }
			END { printf "%s %.2f %.3f %.4f %.2f\n", p, v["raw_syscalls:sys_enter"] / ok,
				v["context-switches"] / ok, v["cpu-migrations"] / ok,
				v["syscalls:sys_enter_epoll_ctl"] / ok }' "$tmp/perf" >>"$tmp/${b//[^a-z0-9]/_}.perf"
	done
	server_stop
}

for i in $(seq "$runs"); do
	order=("${bins[@]}")
	if [ $((i % 2)) = 0 ]; then	# alternate: every build goes first as often
		order=(); for ((k = ${#bins[@]} - 1; k >= 0; k--)); do order+=("${bins[k]}"); done
	fi
	for b in "${order[@]}"; do
		echo "bench/oloop.sh: run $i of $runs: ${b} (closed loop, open loop at $shares%, perf at $pcts%)" >&2
		run_build "$b"
	done
done

# median of the values on stdin
med() { sort -g | awk '{a[NR]=$1} END {if (!NR) {print "-"; exit} print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# median of column $2 of file $1, on lines whose first field is $3
# (a file never written, as the perf columns' without perf: "-")
col() { [ -f "$1" ] || { echo -; return; }; awk -v c="$2" -v k="$3" '$1 == k {print $c}' "$1" | med; }

echo "connrate open loop against closed loop, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "kernel $(uname -r), $(nproc) CPUs; 1 client thread (CPU $ccpu), 1 server thread (CPU $scpu),"
echo "loopback, 4 server ports, 64-byte request and response, FIN close; medians of $runs runs of $secs s"
[ "$ramp" = 0 ] || echo "open loop: a ramp-up of $ramp from 10%, then $secs s sustained (judged)"
for b in "${bins[@]}"; do
	k=${b//[^a-z0-9]/_}; c=$tmp/$k.closed o=$tmp/$k.open f=$tmp/$k.perf
	ccpu_us=$(col "$c" 4 closed)
	echo
	printf '%s (%s)\n' "$b" "${bin[$b]}"
	printf '  closed loop, %s in flight: %.0f/s, client CPU %.2f us/conn\n' "$conc" "$(col "$c" 3 closed)" "$ccpu_us"
	printf '  %-6s %9s %9s %9s %7s %9s %9s %9s %9s %8s %8s %8s %8s\n' share target achieved "us/conn" "x closed" "lag p50" "lag p99" "lat p50" "lat p99" syscalls ctxsw migr epollctl
	for p in $pcts; do
		printf '  %-6s %9.0f %9.0f %9.2f %7.2f %9.1f %9.1f %9.1f %9.1f %8s %8s %8s %8s\n' "$p%" \
			"$(col "$o" 2 "$p")" "$(col "$o" 3 "$p")" "$(col "$o" 4 "$p")" \
			"$(awk -v a="$(col "$o" 4 "$p")" -v b="$ccpu_us" 'BEGIN {print a / b}')" \
			"$(col "$o" 5 "$p")" "$(col "$o" 6 "$p")" "$(col "$o" 9 "$p")" "$(col "$o" 10 "$p")" \
			"$(col "$f" 2 "$p")" "$(col "$f" 3 "$p")" "$(col "$f" 4 "$p")" "$(col "$f" 5 "$p")"
	done
	# per run: the highest share that kept its schedule (0: none)
	best=$(awk -v n="$(echo $shares | wc -w)" '
		{ run = int((NR - 1) / n); ok = ($3 >= 0.99 * $2 && $6 <= 1000)
		  if (ok && $1 > best[run]) best[run] = $1; runs[run] = 1 }
		END { for (r in runs) print best[r] + 0 }' "$o" | med)
	printf '  highest share keeping its schedule (achieved >= 99%%, lag p99 <= 1 ms): %s%% (per run: %s)\n' "$best" \
		"$(awk -v n="$(echo $shares | wc -w)" '{ run = int((NR - 1) / n); ok = ($3 >= 0.99 * $2 && $6 <= 1000)
		  if (ok && $1 > best[run]) best[run] = $1; runs[run] = 1 }
		END { for (r = 0; r in runs; r++) printf "%s%d%%", (r ? " " : ""), best[r] + 0 }' "$o")"
done
