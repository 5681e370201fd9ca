#!/usr/bin/env bash
# End-to-end tests of several load hosts: --start-at, --id, connrate merge,
# and --hdr-log read back by the reference HdrHistogram reader (Java).
. "$(dirname "$0")/lib.sh"

PORT=7171
HDR_JAR=/usr/share/java/hdrhistogram.jar

server_up() {
	local ns=$1; shift
	bg_in "$ns" "$CONNRATE" server --port $PORT --threads 1 "$@"
	wait_for 5 listening "$ns" $PORT || fail "server did not listen"
}

# at SECS: a --start-at value SECS from now, as @EPOCH.frac
at() { date +%s.%N | awk -v d="$1" '{ printf "@%.3f", $1 + d }'; }

# client NS ID JSON [options]: one load host, in the background ($!)
client() {
	local ns=$1 id=$2 json=$3; shift 3
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --threads 1 \
		--id "$id" --json "$json" "$@" >/dev/null &
}

t_two_hosts_merge() {
	local ns t m=$TMP/merged.json
	new_ns ns m
	server_up "$ns"
	t=$(at 1.5)
	client "$ns" one "$TMP/one.json" --rate 500 --duration 1 --start-at "$t"; local p1=$!
	client "$ns" two "$TMP/two.json" --rate 500 --duration 1 --start-at "$t"; local p2=$!
	wait $p1 || fail "client one: exit $?"
	wait $p2 || fail "client two: exit $?"
	"$CONNRATE" merge "$TMP/one.json" "$TMP/two.json" --json "$m" >"$TMP/table" ||
		fail "merge: exit $?"
	cat "$TMP/table"
	jq -c '{target_rate, started, ok, achieved_rate, start_skew_us,
		hosts: [.hosts[] | {id, start_skew_us, start_late_us}]}' "$m"
	# the schedule: 500 per host per second, both hosts: 1000
	[ "$(jqt "$m" round .target_rate)" = 1000 ] || fail "target_rate $(jqt "$m" round .target_rate)"
	[ "$(jqt "$m" round .started)" -eq 1000 ] || fail "started $(jqt "$m" round .started)"
	# sums, and the merged histogram holds every ok of both hosts
	jq -e -s '(.[0] | .ok + (.errors | add)) as $a | $a == .[0].started and
		([.[0].histogram.buckets[][1]] | add) == .[0].ok' "$m" >/dev/null ||
		fail "merged counts do not add up"
	[ "$(jq -s '[.[] | select(.type=="round") | .ok] | add' "$TMP/one.json" "$TMP/two.json")" \
		-eq "$(jqt "$m" round .ok)" ] || fail "merged ok != the hosts' ok"
	[ "$(jqt "$m" round '.hosts | map(.id) | join(",")')" = one,two ] || fail "hosts"
	[ "$(jqt "$m" round '.missing | length')" -eq 0 ] || fail "missing hosts"
	# both began at the instant asked for, not before it, and close together
	jq -e -s 'map(select(.type=="round")) as $r | ($r | length) == 2 and
		all($r[]; .start_requested == $r[0].start_requested and .start_late_us >= 0)' \
		"$TMP/one.json" "$TMP/two.json" >/dev/null || fail "start_requested/late"
	[ "$(jqt "$TMP/one.json" round '.start_requested | sub("\\.[0-9]+Z$"; "Z") | fromdate')" \
		-eq "$(printf '%.0f' "$(awk -v t="${t#@}" 'BEGIN { printf "%d", t }')")" ] ||
		fail "start_requested is not --start-at"
	jq -e '.start_skew_us >= 0 and .start_skew_us < 200000' "$m" >/dev/null ||
		fail "start skew $(jqt "$m" round .start_skew_us) us"
}

t_merge_refusals() {
	local ns out
	new_ns ns r
	server_up "$ns"
	client "$ns" a "$TMP/a.json" --rate 200 --duration 0.2; wait $!
	client "$ns" b "$TMP/b.json" --rate 100 --duration 0.2; wait $!
	client "$ns" a "$TMP/a2.json" --rate 200 --duration 0.2; wait $!
	if out=$("$CONNRATE" merge "$TMP/a.json" "$TMP/b.json" 2>"$TMP/err"); then
		fail "rates that disagree were merged"
	else
		[ $? -eq 2 ] || fail "exit status not 2"
	fi
	cat "$TMP/err"
	[ -z "$out" ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "b.json:.*rate 100.000/s per host" "$TMP/err" ||
		fail "the refusal does not name the file and the rate"
	"$CONNRATE" merge "$TMP/a.json" "$TMP/a2.json" 2>"$TMP/err" >/dev/null && fail "one id twice was merged"
	grep -q "host id 'a'" "$TMP/err" || fail "repeated id: $(cat "$TMP/err")"
	# a refused merge leaves --json FILE as it was: a previous result, or absent
	cp "$TMP/a.json" "$TMP/prev.json"
	"$CONNRATE" merge "$TMP/a.json" "$TMP/b.json" --json "$TMP/prev.json" 2>/dev/null >/dev/null &&
		fail "rates that disagree were merged into --json"
	cmp -s "$TMP/a.json" "$TMP/prev.json" || fail "a refused merge overwrote --json FILE"
	"$CONNRATE" merge "$TMP/a.json" "$TMP/b.json" --json "$TMP/new.json" 2>/dev/null >/dev/null &&
		fail "rates that disagree were merged into --json"
	[ ! -e "$TMP/new.json" ] || fail "a refused merge left --json FILE behind"
	"$CONNRATE" merge "$TMP/a.json" "$TMP/gone.json" 2>"$TMP/err" >/dev/null && fail "a missing host was merged"
	grep -q "gone.json: host missing" "$TMP/err" || fail "missing: $(cat "$TMP/err")"
	"$CONNRATE" merge "$TMP/a.json" "$TMP/gone.json" --allow-missing --json - 2>/dev/null >"$TMP/m" ||
		fail "--allow-missing: exit $?"
	[ "$(jqt "$TMP/m" round '.missing[0].file')" = "$TMP/gone.json" ] || fail "missing not named"
	[ "$(jqt "$TMP/m" round .started)" -eq 40 ] || fail "started $(jqt "$TMP/m" round .started)"
	"$CONNRATE" client --target 127.0.0.1:9 --rate 1 --start-at "$(at -5)" >"$TMP/out" 2>"$TMP/err" &&
		fail "a start in the past was taken"
	[ ! -s "$TMP/out" ] && grep -q "in the past" "$TMP/err" || fail "past start: $(cat "$TMP/err")"
}

t_phased_merge() {
	local ns t m=$TMP/pm.json ph="--ramp-up 0.5 --sustain 0.5 --ramp-down 0.5"
	new_ns ns p
	server_up "$ns"
	t=$(at 1)
	client "$ns" one "$TMP/p1.json" --rate 400 $ph --start-at "$t"; local p1=$!
	client "$ns" two "$TMP/p2.json" --rate 400 $ph --start-at "$t"; local p2=$!
	wait $p1 || fail "client one: exit $?"
	wait $p2 || fail "client two: exit $?"
	"$CONNRATE" merge "$TMP/p1.json" "$TMP/p2.json" --json "$m" >"$TMP/table" || fail "merge: exit $?"
	cat "$TMP/table"
	# every phase: the hosts' counts summed, the histogram holding every ok
	for p in ramp_up sustain ramp_down; do
		[ "$(jq -s --arg p $p '[.[] | select(.type == "round") | .phases[$p].started] | add' \
			"$TMP/p1.json" "$TMP/p2.json")" -eq "$(jqt "$m" round ".phases.$p.started")" ] ||
			fail "$p: started do not add up"
		jq -e --arg p $p '.phases[$p] | ([.histogram.buckets[][1]] | add // 0) == .ok' "$m" >/dev/null ||
			fail "$p: merged histogram != ok"
	done
	[ "$(jqt "$m" round .started)" -eq "$(jqt "$m" round .phases.sustain.started)" ] ||
		fail "the headline is not the sustain's"
	# a host without phases does not merge with hosts that have them
	client "$ns" three "$TMP/p3.json" --rate 400 --duration 1.5; wait $!
	"$CONNRATE" merge "$TMP/p1.json" "$TMP/p3.json" 2>"$TMP/err" >/dev/null && fail "merged a round without phases"
	grep -q "p3.json:.*without phases" "$TMP/err" || fail "refusal: $(cat "$TMP/err")"
}

# java-check LOG: "start length count p50 p99 max" per interval, by the reference reader
java_check() { java -cp "$HDR_JAR" "$TOP/tests/fixtures/HdrCheck.java" "$1"; }

# within PCT% of REF (both numbers)
near() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= b * p / 100 + 1) }'; }

t_hdr_log_java() {
	local ns j=$TMP/h.json log=$TMP/h.hlog line n ok p50 p99
	need java || return $?
	[ -r "$HDR_JAR" ] || { skip "$HDR_JAR missing (libhdrhistogram-java)"; return 2; }
	new_ns ns h
	server_up "$ns"
	client "$ns" h "$j" --rate 2000 --duration 1 --hdr-log "$log"; wait $! || fail "client"
	java_check "$log" >"$TMP/java" || fail "the reference reader refused the log"
	cat "$TMP/java"
	read -r _ _ n p50 p99 _ <"$TMP/java"
	ok=$(jqt "$j" round .ok)
	[ "$n" -eq "$ok" ] || fail "reader counts $n, connrate $ok"
	near "$p50" "$(jqt "$j" round '.latency_us.p50 * 1000')" 1 || fail "p50 $p50 ns"
	near "$p99" "$(jqt "$j" round '.latency_us.p99 * 1000')" 1 || fail "p99 $p99 ns"
	# with --interval: one histogram per interval, as the interval lines count
	client "$ns" h "$TMP/i.json" --rate 2000 --duration 1 --interval 250ms \
		--hdr-log "$TMP/i.hlog"; wait $! || fail "client --interval"
	java_check "$TMP/i.hlog" >"$TMP/java" || fail "the reader refused the interval log"
	cat "$TMP/java"
	[ "$(awk 'NF == 6 { print $3 }' "$TMP/java" | paste -sd,)" = \
	  "$(jq -r 'select(.type == "interval") | .ok' "$TMP/i.json" | paste -sd,)" ] ||
		fail "interval counts differ from the interval lines"
	[ "$(tail -n1 "$TMP/java")" = "intervals $(jq -c 'select(.type == "interval")' "$TMP/i.json" | wc -l)" ] ||
		fail "interval count"
}

# --share 0/2 and 1/2 at 10/s: the second host's schedule begins 50 ms
# after the first's, so the two interleave; the skew merge reports leaves
# that offset out
t_share() {
	local ns t m=$TMP/merged-share.json
	new_ns ns s
	server_up "$ns"
	t=$(at 1.5)
	client "$ns" h0 "$TMP/h0.json" --rate 10 --duration 1 --start-at "$t" --share 0/2; local p1=$!
	client "$ns" h1 "$TMP/h1.json" --rate 10 --duration 1 --start-at "$t" --share 1/2; local p2=$!
	wait $p1 || fail "client h0: exit $?"
	wait $p2 || fail "client h1: exit $?"
	"$CONNRATE" merge "$TMP/h0.json" "$TMP/h1.json" --json "$m" >/dev/null || fail "merge: exit $?"
	jq -c '{started, start_skew_us, hosts: [.hosts[] | {id, start_actual, start_skew_us}]}' "$m"
	[ "$(jqt "$TMP/h0.json" round '.share_offset_us // 0')" = 0 ] || fail "h0 has an offset"
	[ "$(jqt "$TMP/h1.json" round .share_offset_us)" = 50000 ] ||
		fail "h1's offset: $(jqt "$TMP/h1.json" round .share_offset_us), not 50000 us"
	# h1 was asked to begin 50 ms after h0 (requested to the microsecond)
	jq -e -s 'def t: (sub("\\.[0-9]+Z$"; "Z") | fromdate) + (capture("(?<f>\\.[0-9]+)Z$").f | tonumber);
		map(select(.type=="round") | .start_requested | t) |
		(.[1] - .[0]) * 1e6 | round == 50000' "$TMP/h0.json" "$TMP/h1.json" >/dev/null ||
		fail "requested: $(jq -r 'select(.type=="round") | .start_requested' "$TMP/h0.json" "$TMP/h1.json" | xargs)"
	[ "$(jqt "$m" round .started)" -eq 20 ] || fail "started $(jqt "$m" round .started)"
	jq -e '.start_skew_us >= 0 and .start_skew_us < 40000' "$m" >/dev/null ||
		fail "the skew counts the offset: $(jqt "$m" round .start_skew_us) us"
}

run_test "multihost: two hosts, one --start-at, merged exactly" t_two_hosts_merge
run_test "multihost: --share interleaves the hosts' schedules; skew leaves it out" t_share
run_test "multihost: merge refuses what does not belong together" t_merge_refusals
run_test "multihost: phased rounds merge phase by phase" t_phased_merge
run_test "multihost: --hdr-log read back by HdrHistogram's reader" t_hdr_log_java
finish
