#!/usr/bin/env bash
# End-to-end tests of phased rounds (--ramp-up, --sustain, --ramp-down),
# the time to first byte, and saturate --criteria rfc9411, each in a
# namespace of its own.
. "$(dirname "$0")/lib.sh"

PORT=7171

# server_up NS [server options]: start a server, wait until it listens.
server_up() {
	local ns=$1; shift
	bg_in "$ns" "$CONNRATE" server --port $PORT --threads 1 "$@"
	SERVER_PID=$BG_PID
	wait_for 5 listening "$ns" $PORT || fail "server did not listen"
}

server_stop() {
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID" || fail "server exited with status $?"
}

# within A B TOL: |A - B| <= TOL
within() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN {d = a - b; exit !(d <= t && -d <= t)}'; }

# 400/s rising to 2000/s over 1 s, 1 s at 2000/s, back to 400/s in 0.5 s:
# the integral is 1200, 2000 and 600 starts.
t_ramp_counts() {
	local ns j=$TMP/ramp.json p want
	new_ns ns a
	server_up "$ns"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 2000 --init-rate 400 \
		--ramp-up 1s --sustain 1s --ramp-down 500ms --threads 2 --interval 250ms \
		--json "$j" >"$TMP/table" || fail "client exit status $?"
	server_stop
	cat "$TMP/table"
	for p in ramp_up:1200 sustain:2000 ramp_down:600; do
		want=${p#*:} p=${p%:*}
		within "$(jqt "$j" round ".phases.$p | .started + .unstarted")" "$want" 1 ||
			fail "$p: $(jq -c "select(.type == \"round\") | .phases.$p | {started,unstarted}" "$j"), want $want"
		jq -e "select(.type == \"round\") | .phases.$p | .ok + (.errors | add) == .started" "$j" \
			>/dev/null || fail "$p: ok + errors != started"
		grep -q "^ *$p " "$TMP/table" || fail "no $p line in the table"
	done
	# the headline is the sustain's
	jq -e 'select(.type == "round") | .started == .phases.sustain.started and
		.achieved_rate == .phases.sustain.achieved_rate and .target_rate == 2000' "$j" \
		>/dev/null || fail "headline: $(jq -c 'select(.type == "round") | {started,achieved_rate}' "$j")"
	# (a round that ran late has one more, still ramp_down)
	[ "$(jq -r 'select(.type == "interval") | .phase' "$j" | head -n 10 | tr '\n' ' ')" = \
	  "ramp_up ramp_up ramp_up ramp_up sustain sustain sustain sustain ramp_down ramp_down " ] ||
		fail "interval phases: $(jq -r 'select(.type == "interval") | .phase' "$j" | tr '\n' ' ')"
	# intervals count starts when they were made (a late one may cross
	# into the next), but every start of the round is in one of them
	jq -e -s '[.[] | select(.type == "interval") | .started + .unstarted] | add == 3800' \
		"$j" >/dev/null || fail "the intervals do not add up to 3800 starts"
}

# A server whose answer comes 30 ms late (a preloaded shim sleeps in its
# send()): the time to first byte shows it, the connect time does not;
# without the shim, the time to first byte is short.
t_ttfb() {
	local ns j=$TMP/ttfb.json q=$TMP/quick.json env=()
	new_ns ns a
	head -c 100 /dev/zero >"$TMP/r100"
	case $CONNRATE in *asan*) env=(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0") ;; esac
	bg_in "$ns" env "${env[@]}" LD_PRELOAD="$PRELOAD" CR_SLOW_SEND_US=30000 \
		"$CONNRATE" server --port $PORT --threads 1 --response "$TMP/r100"
	SERVER_PID=$BG_PID
	wait_for 5 listening "$ns" $PORT || fail "server did not listen"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 20 --duration 1 \
		--threads 1 --expect-bytes 100 --json "$j" >"$TMP/table" || fail "client exit status $?"
	server_stop
	cat "$TMP/table"
	grep -q "ttfb p50" "$TMP/table" || fail "no ttfb column in the table"
	[ "$(jqt "$j" round .ok)" -eq 20 ] || fail "ok $(jqt "$j" round .ok), want 20"
	awk -v t="$(jqt "$j" round .ttfb_us.p50)" -v c="$(jqt "$j" round .connect_us.p50)" \
	    -v l="$(jqt "$j" round .latency_us.p50)" \
	    'BEGIN {exit !(t >= 30000 && t < 1000000 && c < 10000 && t <= l)}' ||
		fail "ttfb p50 $(jqt "$j" round .ttfb_us.p50) us (want >= 30000), connect p50 $(jqt "$j" round .connect_us.p50), latency p50 $(jqt "$j" round .latency_us.p50)"
	server_up "$ns" --response "$TMP/r100"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 20 --duration 1 \
		--threads 1 --json "$q" >/dev/null || fail "client exit status $?"
	server_stop
	awk -v t="$(jqt "$q" round .ttfb_us.p50)" 'BEGIN {exit !(t > 0 && t < 20000)}' ||
		fail "no delay: ttfb p50 $(jqt "$q" round .ttfb_us.p50) us"
}

# The RFC 9411 search: every round passes on loopback, the answer is in
# the RFC's words; against no server every round fails; an RST close is
# refused.
t_rfc9411() {
	local ns j=$TMP/rfc.json
	new_ns ns a
	server_up "$ns"
	ip netns exec "$ns" "$CONNRATE" saturate --target 127.0.0.1:$PORT --criteria rfc9411 \
		--start 250 --factor 2 --max-rounds 3 --ramp-up 200ms --sustain 400ms --ramp-down 100ms \
		--max-lag 200ms --threads 1 --json "$j" >"$TMP/sat.txt" || fail "saturate exit status $?"
	server_stop
	cat "$TMP/sat.txt"
	grep -q "TCP connections per second (RFC 9411 §7.2): 1000," "$TMP/sat.txt" || fail "no answer in the RFC's words"
	jq -e 'select(.type == "saturation") | .criteria == "rfc9411" and .rounds == 3 and .rate == 1000' \
		"$j" >/dev/null || fail "saturation: $(jq -c 'select(.type == "saturation")' "$j")"
	[ "$(jq -s '[.[] | select(.type == "round") | .phases.sustain.started] | add' "$j")" -eq 700 ] ||
		fail "sustain starts: $(jq -s -c '[.[] | select(.type == "round") | .phases.sustain.started]' "$j")"
	# nobody listens: refused, the first round fails, halving never passes
	ip netns exec "$ns" "$CONNRATE" saturate --target 127.0.0.1:$PORT --criteria rfc9411 \
		--start 100 --duration 100ms --threads 1 --json "$TMP/none.json" >"$TMP/sat.txt" ||
		fail "saturate exit status $?"
	grep -q "no good round" "$TMP/sat.txt" || fail "$(cat "$TMP/sat.txt")"
	jq -e 'select(.type == "saturation") | .reason == "errors" and .rate == 0' "$TMP/none.json" \
		>/dev/null || fail "$(jq -c 'select(.type == "saturation")' "$TMP/none.json")"
	set +e
	"$CONNRATE" saturate --target 127.0.0.1:$PORT --criteria rfc9411 --close rst \
		>"$TMP/o" 2>"$TMP/e"
	[ $? -eq 2 ] || fail "--close rst: exit status not 2"
	set -e
	[ "$(wc -l <"$TMP/e")" -eq 1 ] && grep -q "RST" "$TMP/e" && [ ! -s "$TMP/o" ] ||
		fail "--close rst: '$(cat "$TMP/e")'"
}

run_test "phases: a ramp's starts per phase follow the integral" t_ramp_counts
run_test "phases: ttfb shows a server's late answer, connect does not" t_ttfb
run_test "phases: saturate --criteria rfc9411 searches and says so" t_rfc9411
finish
