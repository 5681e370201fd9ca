#!/usr/bin/env bash
# make bench in its 1-second smoke mode: keeps the benchmark working.
. "$(dirname "$0")/lib.sh"

t_bench_smoke() {
	need nginx wrk
	BENCH_SMOKE=1 BENCH_OUT="$TMP/last.txt" "$TOP/bench/bench.sh" >"$TMP/out" 2>&1 ||
		fail "bench failed: $(tail -5 "$TMP/out")"
	grep -Eq '^connrate \(client closes first\) +[1-9][0-9]* ' "$TMP/last.txt" || fail "no connrate figure: $(cat "$TMP/last.txt")"
	grep -Eq '^connrate \(server closes first\) +[1-9][0-9]* ' "$TMP/last.txt" || fail "no connrate http figure"
	grep -Eq '^connrate \(client first, 1 port\) +[1-9][0-9]* ' "$TMP/last.txt" || fail "no 1-port figure"
	grep -Eq '^wrk -> nginx \(server first\) +[1-9][0-9]* ' "$TMP/last.txt" || fail "no wrk figure: $(cat "$TMP/last.txt")"
	grep -q 'ratio connrate' "$TMP/last.txt" || fail "no ratio"
	grep -Eq '90% .*achieved [1-9].*lag p50 [0-9.]+ us  p99 ' "$TMP/last.txt" || fail "no open-loop figures"
	grep -Eq '10%, spin off .*achieved [1-9]' "$TMP/last.txt" || fail "no --spin off row"
	grep -Eq '^  10%  .*achieved [1-9]' "$TMP/last.txt" || fail "no --spin auto row"
	grep -Eq '^  90% +[1-9][0-9]* +[1-9]' "$TMP/last.txt" || fail "no bench/oloop.sh table"
	grep -q 'highest share keeping its schedule' "$TMP/last.txt" || fail "no bench/oloop.sh share"
	! ip netns list | grep -q '^crbench' || fail "the bench's namespace was left"
}

run_test "bench: smoke mode (1 run of 1 s) prints the table" t_bench_smoke
finish
