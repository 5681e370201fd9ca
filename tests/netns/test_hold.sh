#!/usr/bin/env bash
# End-to-end tests of concurrent connection capacity: client --hold against
# server --keepalive through a device that forgets or cannot hold, and the
# capacity search (saturate --hold-search, connrate-lab run --capacity).
. "$(dirname "$0")/lib.sh"

LAB=${CONNRATE_LAB:-$TOP/connrate-lab}
case $LAB in /*) ;; *) LAB=$TOP/${LAB#./} ;; esac
DUT=${CONNRATE_DUT:-$TOP/connrate-dut}
case $DUT in /*) ;; *) DUT=$TOP/${DUT#./} ;; esac

# lab_with_sim P "DUT ARGS": the dut topology named P, a keepalive server,
# connrate-dut with those arguments on every forwarded TCP packet.
lab_with_sim() {
	local p=$1 args=$2 spid dpid
	defer "$LAB" down "$p"
	"$LAB" up dut --name "$p" --profile tuned >/dev/null
	ip netns exec "$p-server" "$CONNRATE" server --keepalive --threads 1 2>/dev/null &
	spid=$!
	defer "kill -TERM $spid; wait $spid"
	# shellcheck disable=SC2086
	ip netns exec "$p-dut" "$DUT" $args --json "$TMP/dut.json" 2>/dev/null &
	dpid=$!
	defer "kill -TERM $dpid; wait $dpid"
	wait_for 5 ip netns exec "$p-dut" grep -q '^ *0 ' /proc/net/netfilter/nfnetlink_queue ||
		fail "connrate-dut never bound its queue"
	ip netns exec "$p-dut" iptables -A FORWARD -p tcp -j NFQUEUE --queue-num 0
	wait_for 5 listening "$p-server" 7171 || fail "no server"
}

# A device that forgets a connection after 2 s without a packet, with room
# for 100.  Client A opens 60 connections and stays quiet (--keepalive 20s);
# once the device has forgotten them, client B takes the whole table with
# 100 connections it keeps busy.  A's last check finds every one of its
# connections gone (the device drops their packets: no room), B holds all.
t_forgets() {
	local p=cr${UNIQ}f apid
	need iptables jq
	lab_with_sim $p "--max-flows 100 --flow-timeout 2s"
	ip netns exec $p-client "$CONNRATE" client --target 10.71.2.1:7171 --hold 60 \
		--open-rate 1000 --hold-for 5s --keepalive 20s --timeout 1s --threads 1 \
		--json "$TMP/a.json" >"$TMP/a.out" 2>&1 &
	apid=$!
	defer "kill -INT $apid"
	sleep 2.5
	ip netns exec $p-client "$CONNRATE" client --target 10.71.2.1:7171 --hold 100 \
		--open-rate 1000 --hold-for 4s --keepalive 500ms --timeout 1s --threads 1 \
		--json "$TMP/b.json" >"$TMP/b.out" 2>&1 || fail "client B failed: $(cat "$TMP/b.out")"
	wait $apid || fail "client A failed: $(cat "$TMP/a.out")"
	jq -e 'select(.type=="hold") | .established == 60 and .held == 0 and .lost == 60 and
		.errors.timeout == 60 and .ok + (.errors | add) == .started' "$TMP/a.json" >/dev/null ||
		fail "A: $(jq -c 'select(.type=="hold") | {established, held, lost, peak, errors}' "$TMP/a.json")"
	jq -e 'select(.type=="hold") | .established == 100 and .held == 100 and .exchanges >= 600' \
		"$TMP/b.json" >/dev/null ||
		fail "B: $(jq -c 'select(.type=="hold") | {established, held, lost, exchanges, errors}' "$TMP/b.json")"
}

# The same device with a long memory holds every connection it let in.
t_holds_all() {
	local p=cr${UNIQ}h
	need iptables jq
	lab_with_sim $p "--max-flows 1000 --flow-timeout 30s"
	ip netns exec $p-client "$CONNRATE" client --target 10.71.2.1:7171 --hold 400 \
		--open-rate 2k --hold-for 1s --keepalive 300ms --timeout 1s \
		--json "$TMP/c.json" >"$TMP/out" || fail "client failed: $(cat "$TMP/out")"
	jq -e 'select(.type=="hold") | .established == 400 and .held == 400 and .peak == 400 and
		.lost == 0 and .exchanges >= 1200' "$TMP/c.json" >/dev/null ||
		fail "$(jq -c 'select(.type=="hold") | {established, held, lost, peak, exchanges, errors}' "$TMP/c.json")"
}

# A device with room for 500 connections: the search finds 500 (1%).
t_search_500() {
	local p=cr${UNIQ}s
	need iptables jq
	lab_with_sim $p "--max-flows 500 --flow-timeout 2s"
	ip netns exec $p-client "$CONNRATE" saturate --hold-search --target 10.71.2.1:7171 \
		--start 200 --factor 2 --open-rate 2k --hold-for 1s --keepalive 500ms \
		--timeout 1s --cooldown 2.5s --json "$TMP/c.json" >"$TMP/out" ||
		fail "search failed: $(cat "$TMP/out")"
	jq -e 'select(.type=="capacity") | .connections >= 495 and .connections <= 505 and
		.reason == "open"' "$TMP/c.json" >/dev/null ||
		fail "$(jq -c 'select(.type=="capacity")' "$TMP/c.json")"
}

# The client's own limit is never the device's: with 300 descriptors the
# search stops short of the device and says the client ran out.
t_client_limit() {
	local p=cr${UNIQ}c
	need iptables jq
	lab_with_sim $p "--max-flows 5000 --flow-timeout 30s"
	ip netns exec $p-client bash -c "ulimit -n 300; exec \"$CONNRATE\" saturate --hold-search \
		--target 10.71.2.1:7171 --start 100 --factor 2 --open-rate 2k --hold-for 0.2s \
		--timeout 1s --json \"$TMP/c.json\"" >"$TMP/out" || fail "search failed: $(cat "$TMP/out")"
	jq -e 'select(.type=="capacity") | .reason == "client" and .connections == 236 and
		(.detail | test("RLIMIT_NOFILE"))' "$TMP/c.json" >/dev/null ||
		fail "$(jq -c 'select(.type=="capacity")' "$TMP/c.json")"
}

# The lab's small-device profile: a 4096-entry conntrack table.  The
# capacity found is within 2% of it, and the reason names the table.
t_lab_small_device() {
	local p=cr${UNIQ}l out=$TMP/sd
	need jq
	defer "$LAB" down $p
	"$LAB" run --name $p --out "$out" --topology dut --profile small-device --allow-host-sysctl \
		--capacity --start 1000 --factor 2 --open-rate 5k --hold-for 1s --keepalive 1s \
		--timeout 1s >"$TMP/log" 2>&1 || fail "run failed: $(tail -5 "$TMP/log")"
	jq -e 'select(.type=="capacity") | .connections >= 4014 and .connections <= 4096 and
		.reason == "open" and (.explained_by | test("connection table was full .* of 4096 entries"))' \
		"$out/rounds.jsonl" >/dev/null || fail "$(jq -c 'select(.type=="capacity")' "$out/rounds.jsonl")"
	# every round recorded with the lab's counters, from the client's 16 addresses
	jq -s -e 'map(select(.type=="hold")) | length >= 3 and all(.counters.dut.conntrack.max == 4096 and
		.client.config.source_addresses == 16)' "$out/rounds.jsonl" >/dev/null ||
		fail "hold records: $(jq -c 'select(.type=="hold") | {c: .counters.dut.conntrack, s: .client.config.source_addresses}' "$out/rounds.jsonl")"
	grep -q '^capacity \[small-device\]: 4[0-9]* connections held; open: .*connection table was full' \
		"$out/summary.txt" || fail "summary: $(cat "$out/summary.txt")"
}

# A server that takes connections and never answers an exchange (a plain
# server, no --keepalive): every connection is established, none answers,
# so none is held and the peak of those open and answering is 0.
t_never_answered() {
	local ns
	need jq
	new_ns ns n
	bg_in "$ns" "$CONNRATE" server --port 7171 --threads 1
	wait_for 5 listening "$ns" 7171 || fail "no server"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:7171 --hold 50 \
		--open-rate 1000 --hold-for 0 --keepalive 1s --timeout 300ms --threads 1 \
		--json "$TMP/n.json" >"$TMP/out" || fail "client failed: $(cat "$TMP/out")"
	jq -e 'select(.type=="hold") | .established == 50 and .held == 0 and .lost == 50 and
		.peak == 0 and .ok + (.errors | add) == .started' "$TMP/n.json" >/dev/null ||
		fail "$(jq -c 'select(.type=="hold") | {established, held, lost, peak, errors}' "$TMP/n.json")"
}

# Interrupted while its exchanges are pending (a server that never
# answers): the row blames the interrupt, not the client, and the search's
# last word has no empty list of error classes.
t_interrupted() {
	local ns pid
	new_ns ns i
	bg_in "$ns" "$CONNRATE" server --port 7171 --threads 1
	wait_for 5 listening "$ns" 7171 || fail "no server"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:7171 --hold 50 --open-rate 100 \
		--hold-for 30s --timeout 20s --threads 1 >"$TMP/c.out" 2>&1 &
	pid=$!
	sleep 1
	kill -INT $pid
	wait $pid && fail "an interrupted hold exited 0"
	cat "$TMP/c.out"
	grep -q "(interrupted; unstarted" "$TMP/c.out" || fail "the row does not say interrupted"
	! grep -q "fell behind" "$TMP/c.out" || fail "the row blames the client"
	ip netns exec "$ns" "$CONNRATE" saturate --hold-search --target 127.0.0.1:7171 --start 50 \
		--open-rate 100 --hold-for 30s --timeout 20s --threads 1 >"$TMP/s.out" 2>&1 &
	pid=$!
	sleep 1
	kill -INT $pid
	wait $pid && fail "an interrupted search exited 0"
	cat "$TMP/s.out"
	grep -q "capacity: .*interrupted" "$TMP/s.out" || fail "the search does not say interrupted"
	! grep -q "()" "$TMP/s.out" || fail "an empty list of error classes"
}

t_bad_options() {
	local a rc
	for a in "client --target 127.0.0.1:1 --hold 0" "client --target 127.0.0.1:1 --hold 10 --rate 5" \
		"client --target 127.0.0.1:1 --hold 5 --keepalive 0" "server --keepalive --response /etc/hostname" \
		"client --target 127.0.0.1:1 --hold 5 --open-rate x" "client --target 127.0.0.1:1 --hold 5 --ramp-up 1s" \
		"saturate --target 127.0.0.1:1 --hold-search --criteria rfc9411" \
		"client --target 127.0.0.1:1 --hold 5 --duration 5s" "client --target 127.0.0.1:1 --hold 5 --hdr-log x" \
		"client --target 127.0.0.1:1 --rate 5 --keepalive 1s" "server --keepalive --timeout 5s"; do
		rc=0
		# shellcheck disable=SC2086
		"$CONNRATE" $a --dry-run >/dev/null 2>"$TMP/e" || rc=$?
		[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] || fail "'$a': status $rc: $(cat "$TMP/e")"
	done
	for a in "--capacity --rate 5" "--capacity --response /etc/hostname" "--rate 5 --client-addresses 2" \
		"--capacity --client-addresses 0"; do
		rc=0
		# shellcheck disable=SC2086
		"$LAB" run --topology dut $a --out "$TMP/x" >/dev/null 2>"$TMP/e" || rc=$?
		[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] || fail "lab '$a': status $rc: $(cat "$TMP/e")"
	done
	rc=0
	"$LAB" run --topology loopback --capacity --client-addresses 4 --out "$TMP/x" >/dev/null 2>"$TMP/e" || rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] && grep -q "share one node" "$TMP/e" ||
		fail "lab --client-addresses on loopback: status $rc: $(cat "$TMP/e")"
	[ ! -e "$TMP/x" ] || fail "results directory created"
}

run_test "hold: a device that forgets idle connections: every one found" t_forgets
run_test "hold: a device with room holds all 400, every keepalive answered" t_holds_all
run_test "hold: --hold-search against --max-flows 500 finds 500 (1%)" t_search_500
run_test "hold: the client's descriptor limit is never the device's" t_client_limit
run_test "hold: lab --capacity, small-device: 4096 within 2%, the table named" t_lab_small_device
run_test "hold: a server that never answers: none held, peak 0" t_never_answered
run_test "hold: interrupted: the row and the search say so" t_interrupted
run_test "hold: bad options: exit 2, one line" t_bad_options
finish
