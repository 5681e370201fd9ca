#!/usr/bin/env bash
# Fault behaviour: what connrate and the lab do when things go wrong.
. "$(dirname "$0")/lib.sh"

LAB=${CONNRATE_LAB:-$TOP/connrate-lab}
case $LAB in /*) ;; *) LAB=$TOP/${LAB#./} ;; esac
PORT=7171

counts_hold() {
	jq -e -s 'map(select(.type == "round")) | length > 0 and
		all(.ok + (.errors | add) == .started)' "$1" >/dev/null || fail "ok + errors != started in $1"
}

t_server_killed() {
	local ns sp j=$TMP/k.json t0 t1
	new_ns ns a
	ip netns exec "$ns" "$CONNRATE" server --threads 2 2>/dev/null &
	sp=$!
	defer "kill -KILL $sp"
	wait_for 5 listening "$ns" $PORT || fail "no server"
	t0=$(date +%s%N)
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 500 --duration 3 \
		--timeout 1s --json "$j" >/dev/null &
	local cp=$!
	sleep 1
	kill -KILL $sp
	wait $cp || fail "client failed: $?"
	t1=$(date +%s%N)
	counts_hold "$j"
	[ "$(jqt "$j" round .started)" -eq 1500 ] || fail "the schedule was not kept: started $(jqt "$j" round .started)"
	[ "$(jqt "$j" round '.errors.refused + .errors.reset')" -gt 500 ] || fail "errors: $(jq -c .errors "$j")"
	[ "$(jqt "$j" round .ok)" -gt 300 ] || fail "no ok before the kill"
	[ $(((t1 - t0) / 1000000)) -lt 5500 ] || fail "took $(((t1 - t0) / 1000000)) ms"
}

t_dut_drops_all() {
	local p=cr${UNIQ}b out=$TMP/drop t0 t1
	need iptables
	defer "$LAB" down $p
	t0=$(date +%s)
	"$LAB" run --name $p --out "$out" --topology dut --profile tuned --rate 200 --duration 2 \
		--timeout 1s --dut-sim "--drop 1" >"$TMP/log" 2>&1 || fail "run failed: $(tail -3 "$TMP/log")"
	t1=$(date +%s)
	jq -e 'select(.type=="round") | .client.ok == 0 and
		.client.errors.timeout + .client.errors.syn_timeout == .client.started' "$out/rounds.jsonl" >/dev/null ||
		fail "$(jq -c '.client.errors' "$out/rounds.jsonl")"
	# duration + timeout + building and tearing down, not the kernel's SYN retries
	[ $((t1 - t0)) -le 12 ] || fail "took $((t1 - t0)) s"
	# no ok connection: no latency to plot, said as such (not "gnuplot failed")
	grep -q "no plot: no round had an ok connection" "$TMP/log" || fail "plot: $(grep plot "$TMP/log")"
	! grep -q "gnuplot failed" "$TMP/log" || fail "gnuplot was run on nothing"
}

t_out_of_ports() {
	local p=cr${UNIQ}c out=$TMP/ports
	printf '# narrow\n[client]\nnet.ipv4.ip_local_port_range = 40000 40099\n' >"$TMP/narrow.conf"
	defer "$LAB" down $p
	"$LAB" run --name $p --out "$out" --topology pair --profile "$TMP/narrow.conf" --rate 200,200 \
		--duration 1 --timeout 1s >"$TMP/log" 2>&1 || fail "run failed: $(tail -3 "$TMP/log")"
	[ "$(jq -s 'map(select(.type=="round")) | length' "$out/rounds.jsonl")" -eq 2 ] || fail "the run did not go on"
	jq -e -s 'map(select(.type=="round")) | .[1].client.errors.addr_not_avail > 0' "$out/rounds.jsonl" >/dev/null ||
		fail "no addr_not_avail: $(jq -c .client.errors "$out/rounds.jsonl")"
	grep -q "source ports" "$TMP/log" || fail "no hint: $(cat "$TMP/log")"
}

t_fd_limit() {
	local ns sp j=$TMP/fd.json
	new_ns ns a
	ip netns exec "$ns" "$CONNRATE" server --threads 1 2>/dev/null &
	sp=$!
	defer "kill -TERM $sp; wait $sp"
	wait_for 5 listening "$ns" $PORT || fail "no server"
	ip netns exec "$ns" bash -c "ulimit -n 256; exec \"$CONNRATE\" client --target 127.0.0.1:$PORT \
		--concurrency 1000 --duration 1 --threads 2 --json $j" >/dev/null || fail "client failed: $?"
	counts_hold "$j"
	# in flight is capped under the limit (or the excess counted fd_limit)
	[ "$(jqt "$j" round .ok)" -gt 100 ] || fail "no progress: $(jq -c '{ok,errors}' "$j")"
	[ "$(jqt "$j" round '.errors | add')" -eq "$(jqt "$j" round .errors.fd_limit)" ] ||
		fail "errors other than fd_limit: $(jq -c .errors "$j")"
}

# at_fds PID N: the process holds N descriptors or more
at_fds() { [ "$(ls "/proc/$1/fd" | wc -l)" -ge "$2" ]; }

# The server at its descriptor limit (48): connections it cannot hold are
# reset (fd_limit), never closed as if answered; each thread keeps its
# spare descriptor, so none is counted 'other'; its counters add up at a
# snapshot and at the end; and it serves again once descriptors are free.
t_server_fd_limit() {
	local ns sp sj=$TMP/sfd.json j=$TMP/sfd-c.json
	need prlimit
	new_ns ns a
	head -c 64 /dev/zero >"$TMP/r64"
	ip netns exec "$ns" prlimit --nofile=48:48 "$CONNRATE" server --threads 2 --timeout 1.5s \
		--respond-after bytes:64 --response "$TMP/r64" --json "$sj" 2>/dev/null &
	sp=$!
	defer "kill -KILL $sp"
	wait_for 5 listening "$ns" $PORT || fail "no server"
	# no request, no half-close: each connection holds a descriptor until
	# the server's --timeout; the client never takes an answer for granted
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 200 --duration 1 \
		--no-half-close --timeout 3s --json "$j" >/dev/null &
	local cp=$!
	wait_for 5 at_fds $sp 48 || fail "the server never reached its limit"
	sleep 0.1
	kill -USR1 $sp
	wait $cp || fail "client exit status $?"
	jq -e 'select(.type == "round") | .ok == 0 and .errors.reset == .started' "$j" >/dev/null ||
		fail "client: $(jq -c 'select(.type == "round") | {started,ok,errors,bytes_received}' "$j")"
	# descriptors are free again: an honest client is served in full
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 100 --duration 0.5 \
		--request "$TMP/r64" --expect-bytes 64 --json "$TMP/sfd-h.json" >/dev/null || fail "honest client failed"
	[ "$(jqt "$TMP/sfd-h.json" round .ok)" -eq 50 ] || fail "honest client: $(jq -c '{ok,errors}' "$TMP/sfd-h.json")"
	kill -TERM $sp; wait $sp || fail "server exit status $?"
	[ "$(jq -s 'map(select(.type == "server")) | length' "$sj")" -eq 2 ] || fail "no snapshot: $(cat "$sj")"
	jq -e -s 'map(select(.type == "server")) | all(.accepted == .completed + (.errors | add) + .open)' \
		"$sj" >/dev/null || fail "server counts do not add up: $(jq -c '{final,accepted,completed,errors,open}' "$sj")"
	jq -e --argjson n "$(( $(jqt "$j" round .started) + 50 ))" 'select(.final) |
		.accepted == $n and .errors.fd_limit > 0 and .errors.other == 0 and .open == 0 and
		.completed == 50 and .errors.timeout + .errors.fd_limit == .accepted - 50' "$sj" >/dev/null ||
		fail "server: $(jq -c 'select(.final) | {accepted,completed,errors,open}' "$sj")"
}

# A gateway that answers "network unreachable" (forwarding on, no route
# on): the client keeps the kernel's errno, in the JSON and the table.
t_unreachable_errno() {
	local a b j=$TMP/unr.json
	new_ns a c
	new_ns b g
	ip -n "$a" link add u0 type veth peer name u1 netns "$b"
	ip -n "$a" addr add 10.73.0.1/24 dev u0
	ip -n "$b" addr add 10.73.0.254/24 dev u1
	ip -n "$a" link set u0 up
	ip -n "$b" link set u1 up
	ip -n "$a" route add 10.74.0.0/16 via 10.73.0.254
	ip netns exec "$b" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$a" "$CONNRATE" client --target 10.74.0.1:$PORT --rate 1 --duration 1 \
		--timeout 3s --json "$j" >"$TMP/unr.txt" || fail "client exit status $?"
	jq -e 'select(.type == "round") | .errors.other == 1 and .other_errno["101"] == 1' "$j" >/dev/null ||
		fail "errno lost: $(jq -c 'select(.type == "round") | {errors,other_errno}' "$j")"
	grep -q "Network is unreachable: 1" "$TMP/unr.txt" || fail "table: $(cat "$TMP/unr.txt")"
}

t_hostile_clients() {
	local ns sp sj=$TMP/hs.json j=$TMP/h.json rss
	new_ns ns a
	head -c 60000000 /dev/zero >"$TMP/big"
	ip netns exec "$ns" "$CONNRATE" server --threads 2 --timeout 1s --json "$sj" 2>/dev/null &
	sp=$!
	defer "kill -KILL $sp"
	wait_for 5 listening "$ns" $PORT || fail "no server"
	# 60 MB requests, requests without EOF, resets mid-request, all at once
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 10 --duration 1 \
		--request "$TMP/big" --timeout 5s >/dev/null &
	local c1=$!
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 50 --duration 1 \
		--no-half-close --timeout 3s >/dev/null &
	local c2=$!
	# (no EOF either: however fast the 60 MB go, the server still reads
	# when the client's 20 ms run out and it resets)
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 20 --duration 1 \
		--request "$TMP/big" --no-half-close --close rst --timeout 20ms >/dev/null &
	local c3=$!
	# meanwhile, an honest client is served
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 200 --duration 1 --json "$j" >/dev/null ||
		fail "honest client failed"
	[ "$(jqt "$j" round .ok)" -eq 200 ] || fail "honest client: $(jq -c '{ok,errors}' "$j")"
	rss=$(awk '/VmRSS/ {print $2}' /proc/$sp/status)
	[ "$rss" -lt 65536 ] || fail "server RSS $rss kB: it buffers"
	wait $c1 $c2 $c3 || true
	kill -0 $sp || fail "the server died"
	kill -TERM $sp; wait $sp || fail "server exit status $?"
	jq -e 'select(.final) | .errors.timeout >= 50 and .errors.reset > 0 and .completed >= 200' "$sj" >/dev/null ||
		fail "server counts: $(jq -c 'select(.final) | {completed,errors}' "$sj")"
}

# PID is connrate-lab itself (exec'd) and has a SIGTERM handler.
catches_term() {
	local cgt
	[ "$(readlink "/proc/$1/exe")" = "$(readlink -f "$LAB")" ] || return 1
	cgt=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status") || return 1
	(( (0x$cgt >> 14) & 1 ))
}

t_signal_anywhere() {
	local p d rc out before key=/proc/sys/net/netfilter/nf_conntrack_max i=0
	need iptables
	before=$(host_key_before net.netfilter.nf_conntrack_max)
	defer "echo $before > $key"
	for d in 0.02 0.15 0.6 1.5 3.5; do
		i=$((i + 1))
		p=cr${UNIQ}s$i
		out=$TMP/sig$i
		defer "$LAB" down $p
		setsid "$LAB" run --name $p --out "$out" --topology dut --profile tuned,small-device --allow-host-sysctl \
			--rate 300 --duration 1 --dut-sim "--delay 5ms" >/dev/null 2>&1 &
		local pid=$!
		# the clock starts once it handles SIGTERM: before that (exec,
		# dynamic linking) the default action ends it, with nothing built
		wait_for 5 catches_term $pid || fail "connrate-lab never caught SIGTERM"
		sleep $d
		kill -TERM $pid 2>/dev/null || true	# it may have finished
		rc=0
		wait $pid || rc=$?
		[ $rc -eq 130 ] || [ $rc -eq 0 ] || fail "after $d s: status $rc"
		[ -z "$(ip netns list | grep "^$p-")" ] || fail "after $d s: namespaces left"
		[ ! -e /run/connrate/$p ] && [ ! -e /run/connrate/$p.host ] || fail "after $d s: records left"
		[ "$(cat $key)" = "$before" ] || fail "after $d s: host sysctl left at $(cat $key)"
		! session_left $pid >/dev/null ||
			fail "after $d s: left running: $(session_left $pid | xargs -r ps -o pid=,args= -p)"
	done
}

run_test "faults: server killed mid-round: schedule kept, errors counted" t_server_killed
run_test "faults: a dut that drops everything: timeouts, ends on time" t_dut_drops_all
run_test "faults: out of source ports: addr_not_avail, hint, goes on" t_out_of_ports
run_test "faults: ulimit -n 256 with concurrency 1000: progress" t_fd_limit
run_test "faults: server at its fd limit: reset, spare kept, counts add up" t_server_fd_limit
run_test "faults: a gateway's 'network unreachable' keeps its errno" t_unreachable_errno
run_test "faults: 60 MB, no EOF and reset clients: server serves others" t_hostile_clients
run_test "faults: SIGTERM at any point of run leaves nothing" t_signal_anywhere
finish
