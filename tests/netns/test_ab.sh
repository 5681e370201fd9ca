#!/usr/bin/env bash
# A/B of firewall builds: builds interleaved with repeats, the gate with
# intervals catches a device that costs more per packet, and passes A/A.
. "$(dirname "$0")/lib.sh"

LAB=${CONNRATE_LAB:-$TOP/connrate-lab}
case $LAB in /*) ;; *) LAB=$TOP/${LAB#./} ;; esac

# one run of two builds, 4 repeats each, 1 s rounds at 500/s
ab_run() {
	local out=$1 a=$2 b=$3
	"$LAB" run --name cr${UNIQ}ab --out "$out" --topology dut --profile tuned --rate 500 \
		--duration 1 --repeat 4 --build "a=$a" --build "b=$b" >"$TMP/log" 2>&1 ||
		fail "run failed: $(tail -3 "$TMP/log")"
}

t_order_and_records() {
	local out=$TMP/rec
	need iptables
	defer "$LAB" down cr${UNIQ}ab
	ab_run "$out" "sim:--cost-us 0" "none"
	# interleaved: no build three times in a row, each 4 times, repeats 1..4
	[ "$(jq -r 'select(.type == "round") | .build' "$out/rounds.jsonl" | tr -d '\n')" != aaaabbbb ] ||
		fail "builds not interleaved"
	[ "$(jq -s '[.[] | select(.type == "round" and .build == "b")] | map(.repeat) | sort' -c "$out/rounds.jsonl")" = "[1,2,3,4]" ] ||
		fail "repeats of b: $(jq -c 'select(.type == "round") | [.build, .repeat]' "$out/rounds.jsonl")"
	jq -e -s 'map(select(.type == "round")) | length == 8 and
		all(.cost.machine_us_per_conn > 0 and .cost.client_us_per_conn > 0 and
		    .cost.server_us_per_conn >= 0 and .cost.steal_share >= 0)' "$out/rounds.jsonl" >/dev/null ||
		fail "cost: $(jq -c 'select(.type == "round") | .cost' "$out/rounds.jsonl" | head -2)"
	# the simulator ran for a, not for b
	jq -e -s 'map(select(.type == "round")) | all(if .build == "a" then .counters.dut.sim.packets > 0
		else .counters.dut.sim == null end)' "$out/rounds.jsonl" >/dev/null || fail "devices mixed up"
}

t_gate_catches() {
	local out=$TMP/catch rc=0
	need iptables
	defer "$LAB" down cr${UNIQ}ab
	ab_run "$out" "sim:--cost-us 0" "sim:--cost-us 20"
	"$LAB" gate "$out" --baseline a --current b >"$TMP/gate" 2>&1 || rc=$?
	[ $rc -eq 1 ] || fail "gate exit $rc, not 1: $(cat "$TMP/gate")"
	grep -E "^  connect_p50 .* FAIL" "$TMP/gate" >/dev/null || fail "connect p50 not failed: $(cat "$TMP/gate")"
	# the same build on both sides passes
	rc=0
	"$LAB" gate "$out" --baseline a --current a >"$TMP/gate" 2>&1 || rc=$?
	[ $rc -eq 0 ] || fail "a against itself: exit $rc: $(cat "$TMP/gate")"
}

t_gate_aa() {
	local out=$TMP/aa rc=0
	need iptables
	defer "$LAB" down cr${UNIQ}ab
	ab_run "$out" "sim:--cost-us 0" "sim:--cost-us 0"
	"$LAB" gate "$out" --baseline a --current b >"$TMP/gate" 2>&1 || rc=$?
	[ $rc -eq 0 ] || fail "A/A failed the gate ($rc): $(cat "$TMP/gate")"
	grep -q "4 against 4 repeats" "$TMP/gate" || fail "$(cat "$TMP/gate")"
}

t_gate_input() {
	local out=$TMP/in rc=0
	defer "$LAB" down cr${UNIQ}ab
	"$LAB" run --name cr${UNIQ}ab --out "$out" --topology loopback --rate 100 --duration 0.3 \
		--build a=none --build b=none >/dev/null 2>&1 || fail "run failed"
	"$LAB" gate "$out" --baseline a --current b >"$TMP/gate" 2>&1 || rc=$?
	[ $rc -eq 2 ] || fail "one repeat a side: exit $rc, not 2"
	grep -q "too few repeats.*at least 4 a side" "$TMP/gate" || fail "$(cat "$TMP/gate")"
	rc=0
	"$LAB" gate "$out" --baseline a --current zz >"$TMP/gate" 2>&1 || rc=$?
	[ $rc -eq 2 ] && grep -q "no round of build 'zz'" "$TMP/gate" || fail "unknown build: $rc $(cat "$TMP/gate")"
	rc=0
	"$LAB" run --topology dut --rate 5 --build a=nft:/nonexistent --out "$TMP/x" >"$TMP/err" 2>&1 || rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "bad build: $rc $(cat "$TMP/err")"
	rc=0
	"$LAB" run --topology dut --rate 5 --build a=nft:x --dut-nft y >"$TMP/err" 2>&1 || rc=$?
	[ $rc -eq 2 ] || fail "--build with --dut-nft: $rc"
}

run_test "ab: builds interleaved, each round with build, repeat, cost" t_order_and_records
run_test "ab: gate catches --cost-us 20 against 0, passes a against a" t_gate_catches
run_test "ab: A/A (the same device twice) passes the gate" t_gate_aa
run_test "ab: too few repeats, unknown build, bad --build: exit 2" t_gate_input
finish
