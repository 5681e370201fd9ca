#!/usr/bin/env bash
# The A/B gate's false alarms and detections, measured.
#
#   bench/ab.sh [N] [RULES...]
#
# For each RULES (0 = A/A: the same ruleset on both sides), N comparisons
# (default 10) of build a (an nft ruleset that accepts established
# traffic) against build b (the same, plus RULES rules that every new
# connection walks), each `run --repeat 5 --duration 2 --rate 6000` and
# `gate DIR --baseline a --current b` with the default tolerances.
# Prints per RULES: how many comparisons failed, the median estimate of
# connect p50, the median time of a comparison, and, for the A/A runs, how
# much each metric moves between repeats of one build (median coefficient
# of variation).  REPEAT=K (default 5) and DURATION (default 2) change the
# runs, GATE="--tolerance connect_p50=2" the gate, KEEP=DIR keeps the runs
# (to gate them again with other tolerances).
#
# DESIGN=paired runs the builds side by side instead (topology dut-pair:
# build a in one device, b in the other, swapped every pair; REPEAT is the
# number of pairs, default 8), and the spread adds the paired log ratios'
# (the standard deviation of log(b/a) per pair, in percent).  The rate is
# the round's, shared by the two builds.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-10}; shift || true
[ $# -gt 0 ] || set -- 0 70 140 700
work=${KEEP:-$(mktemp -d /tmp/crab.XXXXXX)}
mkdir -p "$work"
p=crab$$
design=${DESIGN:-interleaved}
case $design in
paired) topo=dut-pair; repeat=${REPEAT:-8} ;;
interleaved) topo=dut; repeat=${REPEAT:-5} ;;
*) echo "DESIGN: paired or interleaved, not '$design'" >&2; exit 2 ;;
esac
trap '"$top/connrate-lab" down $p >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$work"; true' EXIT
median() { sort -n | awk '{a[NR]=$1} END {if (NR) print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

"$top/scripts/nft-build.sh" "$work/a.nft" 0
echo "design $design, $repeat repeats of --rate 6000 --duration ${DURATION:-2}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %8s %16s %10s\n' rules failed "connect p50 est" seconds
for rules in "$@"; do
	"$top/scripts/nft-build.sh" "$work/b$rules.nft" "$rules"
	: >"$work/est"; : >"$work/secs"; fails=0
	for i in $(seq "$n"); do
		out=$work/r$rules-$i
		t0=$(date +%s)
		"$top/connrate-lab" run --name $p --out "$out" --topology $topo --profile tuned \
			--rate 6000 --duration "${DURATION:-2}" --repeat "$repeat" --build "a=nft:$work/a.nft" \
			--build "b=nft:$work/b$rules.nft" >"$work/log" 2>&1 ||
			{ echo "run failed: $(tail -2 "$work/log")" >&2; continue; }
		rc=0
		# shellcheck disable=SC2086 # GATE is words
		"$top/connrate-lab" gate "$out" --baseline a --current b ${GATE:-} >"$work/gate" 2>&1 || rc=$?
		echo $(($(date +%s) - t0)) >>"$work/secs"
		[ $rc -eq 1 ] && fails=$((fails + 1))
		awk '$1 == "connect_p50" { sub("%", "", $4); print $4 }' "$work/gate" >>"$work/est"
	done
	printf '%-8s %4d/%-3d %15s%% %10s\n' "$rules" "$fails" "$n" "$(median <"$work/est")" \
		"$(median <"$work/secs")"
done
# the A/A spread: per run and build, the coefficient of variation of each
# metric over its repeats; the median over runs and builds
if [ -d "$work/r0-1" ]; then
	echo
	echo "A/A spread between repeats of one build (median coefficient of variation):"
	for m in '.client.connect_us.p50' '.client.latency_us.p50' '.client.latency_us.p99' \
		 '.client.achieved_rate' '.cost.machine_us_per_conn'; do
		for d in "$work"/r0-*; do
			for b in a b; do
				jq -r "select(.type == \"round\" and .build == \"$b\") | $m" "$d/rounds.jsonl" |
					awk '{ s += $1; q += $1 * $1; k++ } END { if (k > 1 && s > 0) {
						m = s / k; v = (q - k * m * m) / (k - 1); if (v < 0) v = 0
						printf "%.2f\n", 100 * sqrt(v) / m } }'
			done
		done | median | awk -v m="$m" '{ printf "  %-28s %6.2f%%\n", m, $1 }'
	done
	[ "$design" = paired ] || exit 0
	echo "A/A spread of the paired log ratios (median over runs of the sd of 100*log(b/a)):"
	for m in '.client.connect_us.p50' '.client.latency_us.p50' '.client.latency_us.p99'; do
		for d in "$work"/r0-*; do
			jq -r "select(.type == \"round\") | [.pair, .build, $m] | @tsv" "$d/rounds.jsonl" |
				awk '{ v[$1, $2] = $3; p[$1] = 1 } END { for (i in p) if (v[i, "a"] > 0 && v[i, "b"] > 0) {
					x = 100 * log(v[i, "b"] / v[i, "a"]); s += x; q += x * x; k++ }
					if (k > 1) { m = s / k; w = (q - k * m * m) / (k - 1); if (w < 0) w = 0
					printf "%.2f\n", sqrt(w) } }'
		done | median | awk -v m="$m" '{ printf "  %-28s %6.2f%%\n", m, $1 }'
	done
fi
