#!/usr/bin/env bash
# End-to-end tests of connrate-dut, alone in a lab and through connrate-lab run.
. "$(dirname "$0")/lib.sh"

LAB=${CONNRATE_LAB:-$TOP/connrate-lab}
case $LAB in /*) ;; *) LAB=$TOP/${LAB#./} ;; esac
DUT=${CONNRATE_DUT:-$TOP/connrate-dut}
case $DUT in /*) ;; *) DUT=$TOP/${DUT#./} ;; esac

run() {
	local p=$1 out=$2; shift 2
	defer "$LAB" down "$p"
	"$LAB" run --name "$p" --out "$out" --topology dut "$@"
}

t_delay() {
	local p=cr${UNIQ}a out=$TMP/d1
	need iptables
	head -c 64 /dev/zero >"$TMP/req64"
	run $p "$out" --profile tuned --rate 100 --duration 2 --dut-sim "--delay 20ms" \
		--request "$TMP/req64" >"$TMP/log" ||
		fail "run failed: $(tail -3 "$TMP/log")"
	# SYN, SYN-ACK, request and FIN, response and FIN: four crossings of 20 ms
	jq -e 'select(.type=="round") | .client.latency_us.p50 >= 80000 and .client.latency_us.p50 <= 100000' \
		"$out/rounds.jsonl" >/dev/null || fail "p50 $(jq '.client.latency_us.p50' "$out/rounds.jsonl") us"
	# the handshake crosses twice; a send tried before it completed (and
	# refused with EAGAIN) must not count as connected
	jq -e 'select(.type=="round") | .client.connect_us.min >= 38000 and .client.connect_us.p50 <= 60000' \
		"$out/rounds.jsonl" >/dev/null || fail "connect $(jq -c '.client.connect_us' "$out/rounds.jsonl")"
	# every connection crossed it (about 6 packets each); at the round's end
	# only the last few can still be held
	jq -e 'select(.type=="round") | .counters.dut.sim | .packets >= 1000 and
		.packets - .accepted <= .queue.held_peak' "$out/rounds.jsonl" >/dev/null ||
		fail "sim counters: $(jq -c .counters.dut.sim "$out/rounds.jsonl")"
}

# The kernel's packet message ends where the packet does: an odd-sized
# request leaves it unaligned, and it must still get its verdict.
t_odd_payload() {
	local p=cr${UNIQ}e out=$TMP/d5
	need iptables
	head -c 61 /dev/zero >"$TMP/req61"
	run $p "$out" --profile tuned --rate 100 --duration 1 --timeout 1s --dut-sim "--drop 0" \
		--request "$TMP/req61" >"$TMP/log" || fail "run failed: $(tail -3 "$TMP/log")"
	jq -e 'select(.type=="round") | .client.ok == .client.started and .client.started > 0' \
		"$out/rounds.jsonl" >/dev/null ||
		fail "$(jq -c 'select(.type=="round") | {ok:.client.ok, e:.client.errors}' "$out/rounds.jsonl")"
}

t_table_full() {
	local p=cr${UNIQ}b out=$TMP/d2
	need iptables
	run $p "$out" --profile tuned --rate 1000 --duration 2 --timeout 1s \
		--dut-sim "--max-flows 100 --flow-timeout 30s" >"$TMP/log" || fail "run failed"
	jq -e 'select(.type=="round") | .client.errors.timeout > 1000 and .counters.dut.sim.dropped.table_full > 0 and
		.counters.dut.sim.flows.peak == 100' "$out/rounds.jsonl" >/dev/null ||
		fail "$(jq -c '{e:.client.errors,sim:.counters.dut.sim}' "$out/rounds.jsonl")"
	jq -e 'select(.type=="round") | .diagnosis | any(test("dut flow table full: [0-9]+ new flows dropped"))' \
		"$out/rounds.jsonl" >/dev/null || fail "diagnosis: $(jq -c .diagnosis "$out/rounds.jsonl")"
}

t_gate_cost() {
	local p=cr${UNIQ}c rc=0
	need iptables
	run $p "$TMP/light" --profile tuned --rate 1500 --duration 2 --timeout 2s --dut-sim "--cost-us 0" >/dev/null ||
		fail "light run failed"
	run $p "$TMP/heavy" --profile tuned --rate 1500 --duration 2 --timeout 2s --dut-sim "--cost-us 200" >/dev/null ||
		fail "heavy run failed"
	"$LAB" gate "$TMP/light" "$TMP/heavy" >"$TMP/g" || rc=$?
	[ $rc -eq 1 ] || fail "gate: status $rc: $(cat "$TMP/g")"
}

t_sigterm_releases() {
	local p=cr${UNIQ}d dpid spid cpid rc=0 t0 t1
	need iptables
	defer "$LAB" down $p
	"$LAB" up dut --name $p --profile tuned >/dev/null
	ip netns exec $p-server "$CONNRATE" server --threads 1 2>/dev/null &
	spid=$!
	defer "kill -TERM $spid; wait $spid"
	ip netns exec $p-dut "$DUT" --delay 300ms --json "$TMP/dut.json" 2>/dev/null &
	dpid=$!
	defer "kill -KILL $dpid"
	wait_for 5 grep -q . /proc/net/netfilter/nfnetlink_queue 2>/dev/null ||
		wait_for 5 ip netns exec $p-dut grep -q '^ *0 ' /proc/net/netfilter/nfnetlink_queue
	ip netns exec $p-dut iptables -A FORWARD -p tcp -j NFQUEUE --queue-num 0
	t0=$(date +%s)
	ip netns exec $p-client "$CONNRATE" client --target 10.71.2.1:7171 --rate 200 --duration 3 \
		--timeout 2s --json "$TMP/c.json" >/dev/null &
	cpid=$!
	sleep 1
	kill -TERM $dpid
	wait $dpid || rc=$?
	[ $rc -eq 0 ] || fail "connrate-dut exited with $rc"
	jq -e 'select(.final) | .accepted == .packets and .packets > 0' "$TMP/dut.json" >/dev/null ||
		fail "a packet was left without its verdict: $(jq -c 'select(.final)' "$TMP/dut.json")"
	wait $cpid || fail "client failed"
	t1=$(date +%s)
	[ $((t1 - t0)) -le 8 ] || fail "the client hung: $((t1 - t0)) s"
	jq -e '.ok + (.errors | add) == .started and .ok > 0' "$TMP/c.json" >/dev/null || fail "client counts"
}

# Has our child PID ended (gone, or a zombie waiting for wait)?
exited() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }

# A second device on a taken queue, and a device whose socket fails under
# it: each exits 1 with one line, so the lab can tell that it died.
# SIGUSR1 writes the counters so far and the device goes on.
t_queue_taken_lost() {
	local ns dpid spid rc=0
	need iptables strace ping
	new_ns ns q
	# traced by strace below, where LeakSanitizer cannot run (an ASan build)
	ip netns exec "$ns" env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		"$DUT" --queue 5 --json "$TMP/q.json" >/dev/null 2>"$TMP/q.err" &
	dpid=$!
	defer "kill -KILL $dpid"
	wait_for 5 ip netns exec "$ns" grep -q '^ *5 ' /proc/net/netfilter/nfnetlink_queue ||
		fail "queue 5 never bound: $(cat "$TMP/q.err")"
	ip netns exec "$ns" "$DUT" --queue 5 >/dev/null 2>"$TMP/q2.err" || rc=$?
	[ $rc -eq 1 ] && [ "$(wc -l <"$TMP/q2.err")" -eq 1 ] &&
		grep -q "cannot bind queue 5: another program has it" "$TMP/q2.err" ||
		fail "second device: status $rc: $(cat "$TMP/q2.err")"
	ip netns exec "$ns" iptables -A OUTPUT -p icmp -j NFQUEUE --queue-num 5
	ip netns exec "$ns" ping -c1 -W2 127.0.0.1 >/dev/null || fail "no ping through the queue"
	kill -USR1 $dpid
	wait_for 5 jq -e 'select(.final == false) | .packets >= 2 and .accepted == .packets' \
		"$TMP/q.json" >/dev/null || fail "SIGUSR1: $(cat "$TMP/q.json")"
	kill -0 $dpid || fail "SIGUSR1 ended the device"
	strace -q -p $dpid -o /dev/null -e trace=recvfrom -e inject=recvfrom:error=EBADF &
	spid=$!
	defer "kill $spid"
	wait_for 5 grep -Eq 'TracerPid:[[:space:]]+[1-9]' /proc/$dpid/status || fail "strace did not attach"
	ip netns exec "$ns" ping -c1 -W1 127.0.0.1 >/dev/null 2>&1 || true	# its packet is never answered
	wait_for 5 exited $dpid || fail "the device did not notice: $(cat "$TMP/q.err")"
	rc=0
	wait $dpid || rc=$?
	[ $rc -eq 1 ] && [ "$(grep -vc 'bound' "$TMP/q.err")" -eq 1 ] &&
		grep -q "lost the netlink socket of queue 5: Bad file descriptor" "$TMP/q.err" ||
		fail "lost socket: status $rc: $(cat "$TMP/q.err")"
}

t_bad_options() {
	local a rc
	for a in "--delay forever" "--drop 2" "--queue 70000" "--max-flows -1" "--bogus"; do
		rc=0
		# shellcheck disable=SC2086
		"$DUT" $a >/dev/null 2>"$TMP/e" || rc=$?
		[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] || fail "'$a': status $rc: $(cat "$TMP/e")"
	done
	rc=0
	"$LAB" run --topology dut --rate 100 --dut-sim "--drop 7" --out "$TMP/x" >/dev/null 2>"$TMP/e" || rc=$?
	[ $rc -eq 2 ] && grep -q -- "--drop '7'" "$TMP/e" || fail "run --dut-sim bad: $rc $(cat "$TMP/e")"
	[ ! -e "$TMP/x" ] || fail "results directory created"
}

run_test "dut: --delay 20ms: p50 80-100 ms, connect about 40 ms" t_delay
run_test "dut: a 61-byte request (unaligned packet message) gets through" t_odd_payload
run_test "dut: --max-flows 100 at 1000/s: timeouts, table_full, diagnosis" t_table_full
run_test "dut: gate fails --cost-us 200 against --cost-us 0" t_gate_cost
run_test "dut: SIGTERM mid-run: every packet gets a verdict, no hang" t_sigterm_releases
run_test "dut: queue taken or socket lost: exit 1, one line; SIGUSR1 reports" t_queue_taken_lost
run_test "dut: bad options: exit 2, one line" t_bad_options
finish
