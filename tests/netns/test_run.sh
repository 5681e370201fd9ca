#!/usr/bin/env bash
# End-to-end tests of connrate-lab run, compare and gate.
. "$(dirname "$0")/lib.sh"

LAB=${CONNRATE_LAB:-$TOP/connrate-lab}
case $LAB in /*) ;; *) LAB=$TOP/${LAB#./} ;; esac

ours() { ip netns list | awk '{print $1}' | grep "^$1-" || true; }
left_nothing() {
	[ -z "$(ours "$1")" ] || fail "namespaces left: $(ours "$1")"
	[ ! -e "/run/connrate/$1" ] || fail "owner record left"
}
# run PREFIX OUT ARGS...: a run whose lab is removed whatever happens
run() {
	local p=$1 out=$2; shift 2
	defer "$LAB" down "$p"
	"$LAB" run --name "$p" --out "$out" "$@"
}

t_counters_match() {
	local p=cr${UNIQ}a out=$TMP/r1 started
	run $p "$out" --topology dut --profile tuned --rate 500,1000 --duration 1 --spin 100us >"$TMP/log" ||
		fail "run failed: $(tail -5 "$TMP/log")"
	left_nothing $p
	for f in run.json rounds.jsonl summary.txt; do [ -s "$out/$f" ] || fail "no $f"; done
	jq -e '.kernel and .cpu.count and .topology.text and (.profiles[0].name == "tuned")' \
		"$out/run.json" >/dev/null || fail "run.json incomplete"
	[ "$(jq -s 'map(select(.type=="round")) | length' "$out/rounds.jsonl")" -eq 2 ] || fail "not 2 rounds"
	jq -e -s 'map(select(.type=="round")) | all(
		.counters.client.TcpActiveOpens == .client.started and
		.counters.server.TcpPassiveOpens == .client.started and
		.server.accepted == .client.started and
		.client.spin_us == 100 and
		.counters.dut.conntrack.count > 0 and
		.sysctl.client["net.ipv4.tcp_tw_reuse"] == "1" and
		.sysctl.server["net.core.somaxconn"] == "65535")' "$out/rounds.jsonl" >/dev/null ||
		fail "counters do not match: $(jq -c '{s:.client.started,a:.counters.client.TcpActiveOpens,p:.counters.server.TcpPassiveOpens,acc:.server.accepted}' "$out/rounds.jsonl")"
	grep -q '^500/s' "$out/summary.txt" || fail "summary: $(cat "$out/summary.txt")"
	grep -q '\[tuned\] 1000/s' "$TMP/log" || fail "no progress line"
}

t_listen_overflows() {
	local p=cr${UNIQ}b out=$TMP/r2
	printf '# tiny queues\n[server]\nnet.core.somaxconn = 4\nnet.ipv4.tcp_max_syn_backlog = 16\n[client]\nnet.ipv4.ip_local_port_range = 1024 65535\nnet.ipv4.tcp_tw_reuse = 1\n' >"$TMP/tiny.conf"
	run $p "$out" --topology pair --profile "$TMP/tiny.conf" --rate 20000 --duration 1 \
		--backlog 4 --server-threads 1 --timeout 2s >"$TMP/log" || fail "run failed"
	jq -e 'select(.type=="round") | .counters.server.TcpExtListenOverflows > 0' "$out/rounds.jsonl" >/dev/null ||
		fail "no ListenOverflows: $(jq -c .counters.server "$out/rounds.jsonl")"
	jq -e 'select(.type=="round") | .diagnosis | any(test("TcpExtListenOverflows .*raise net.core.somaxconn and --backlog"))' \
		"$out/rounds.jsonl" >/dev/null || fail "no diagnosis: $(jq -c .diagnosis "$out/rounds.jsonl")"
	grep -q "ListenOverflows" "$out/summary.txt" || fail "not in summary.txt"
}

t_gate() {
	local p=cr${UNIQ}c rc=0
	head -c 2000 /dev/zero >"$TMP/req2k"
	sed 's/^qdisc.*//' "$TOP/netns/topologies/dut.topo" >"$TMP/fast.topo"
	printf 'qdisc dut:s0 tbf rate 1mbit burst 4kb latency 400ms\n' | cat "$TMP/fast.topo" - >"$TMP/slow.topo"
	run $p "$TMP/base" --topology "$TMP/fast.topo" --rate 200 --duration 1 --request "$TMP/req2k" --timeout 2s >/dev/null ||
		fail "baseline run failed"
	run $p "$TMP/slow" --topology "$TMP/slow.topo" --rate 200 --duration 1 --request "$TMP/req2k" --timeout 2s >/dev/null ||
		fail "slow run failed"
	"$LAB" gate "$TMP/base" "$TMP/base" >"$TMP/g1" || fail "a run fails against itself: $(cat "$TMP/g1")"
	"$LAB" gate "$TMP/base" "$TMP/slow" >"$TMP/g2" || rc=$?
	[ $rc -eq 1 ] || fail "gate against the rate-limited dut: status $rc: $(cat "$TMP/g2")"
	grep -Eq 'rate dropped|p99 rose|errors rose' "$TMP/g2" || fail "no reason: $(cat "$TMP/g2")"
	"$LAB" compare "$TMP/base" "$TMP/slow" >"$TMP/cmp" || fail "compare failed"
	grep -q "default @ base" "$TMP/cmp" && grep -q "default @ slow" "$TMP/cmp" || fail "compare: $(cat "$TMP/cmp")"
}

t_gate_bad_input() {
	local rc
	mkdir -p "$TMP/trunc" "$TMP/notjson" "$TMP/other"
	printf '{"type":"round","profile":"x"' >"$TMP/trunc/rounds.jsonl"
	printf 'hello\n' >"$TMP/notjson/rounds.jsonl"
	printf '%s\n' '{"type":"round","profile":"zzz","client":{"mode":"rate","target_rate":7,"achieved_rate":7,"started":7,"latency_us":{"p50":1,"p99":2},"errors":{"refused":0}}}' >"$TMP/other/rounds.jsonl"
	printf '%s\n' '{"type":"round","profile":"yyy","client":{"mode":"rate","target_rate":7,"achieved_rate":7,"started":7,"latency_us":{"p50":1,"p99":2},"errors":{"refused":0}}}' >"$TMP/other2.jsonl"
	mkdir -p "$TMP/other2" && mv "$TMP/other2.jsonl" "$TMP/other2/rounds.jsonl"
	head -c 300000000 /dev/zero 2>/dev/null | tr '\0' ' ' >"$TMP/huge.txt"; mkdir -p "$TMP/huge"
	mv "$TMP/huge.txt" "$TMP/huge/rounds.jsonl"
	for d in trunc notjson huge nonexistent other2; do
		rc=0
		"$LAB" gate "$TMP/other" "$TMP/$d" >/dev/null 2>"$TMP/e" || rc=$?
		[ $rc -eq 2 ] || fail "$d: status $rc, want 2"
		[ "$(wc -l <"$TMP/e")" -eq 1 ] || fail "$d: $(cat "$TMP/e")"
	done
	grep -q "nothing to compare" "$TMP/e" || fail "mismatched runs: $(cat "$TMP/e")"
	rm -f "$TMP/huge/rounds.jsonl"
}

t_dut_cmd() {
	local p=cr${UNIQ}d out=$TMP/r4 pid seen=0
	run $p "$out" --topology dut --profile default,tuned --rate 100 --duration 2 \
		--dut-cmd "$CONNRATE server --port 9123 --threads 1" >"$TMP/log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		if ip netns exec $p-dut ss -Hltn 'sport = :9123' 2>/dev/null | grep -q LISTEN; then seen=1; break; fi
		sleep 0.05
	done
	wait $pid || fail "run failed: $(tail -5 "$TMP/log")"
	[ $seen -eq 1 ] || fail "--dut-cmd was not listening in the dut"
	! pgrep -f -- "--port 9123" >/dev/null || fail "--dut-cmd still running after the run"
	grep -q "accepted" "$out/dut-default.log" && grep -q "accepted" "$out/dut-tuned.log" ||
		fail "the command was not stopped (SIGTERM) after each profile"
	left_nothing $p
}

t_sigint_midrun() {
	local p=cr${UNIQ}e out=$TMP/r5 pid rc=0 before key=/proc/sys/net/netfilter/nf_conntrack_max
	before=$(host_key_before net.netfilter.nf_conntrack_max)
	defer "echo $before > $key"
	defer "$LAB" down $p
	setsid "$LAB" run --name $p --out "$out" --topology dut --profile small-device --allow-host-sysctl \
		--rate 200 --duration 30 >"$TMP/log" 2>&1 &
	pid=$!
	wait_for 10 grep -q '^state running' /run/connrate/$p || fail "the run never started"
	wait_for 10 test "$(cat $key)" = 4096 || fail "the host key was not set"
	sleep 1
	kill -INT $pid
	wait $pid || rc=$?
	[ $rc -eq 130 ] || fail "status $rc, want 130: $(tail -3 "$TMP/log")"
	left_nothing $p
	[ "$(cat $key)" = "$before" ] || fail "host key not restored: $(cat $key), was $before"
	! ip netns exec "$p-dut" true 2>/dev/null || fail "dut namespace still there"
	! session_left $pid >/dev/null || fail "left running: $(session_left $pid | xargs -r ps -o pid=,args= -p)"
	jq -e 'select(.type=="round") | .client.interrupted' "$out/rounds.jsonl" >/dev/null ||
		fail "the partial round was not written"
}

t_bad_input() {
	local rc args
	while IFS= read -r args; do
		rc=0
		# shellcheck disable=SC2086
		"$LAB" run --out "$TMP/bad" $args >"$TMP/o" 2>"$TMP/e" || rc=$?
		[ $rc -eq 2 ] || fail "'$args': status $rc, want 2 ($(cat "$TMP/e"))"
		[ "$(wc -l <"$TMP/e")" -eq 1 ] || fail "'$args': $(cat "$TMP/e")"
		[ ! -e "$TMP/bad" ] || fail "'$args': created the results directory"
	done <<EOA
--topology dut --rate 100 --duration -1
--topology dut --rate 0
--topology nosuch --rate 100
--topology dut --profile nosuch --rate 100
--topology dut --rate 100 --saturate
--topology dut --rate 100 --refine 2
--topology pair --rate 100 --dut-nft /etc/hostname
--topology dut --rate 100 --dut-nft /nonexistent
--topology dut --rate 100 --bogus
--topology dut --rate 100 --spin 5ms
EOA
	mkdir -p "$TMP/full" && touch "$TMP/full/x"
	rc=0
	"$LAB" run --out "$TMP/full" --topology dut --rate 100 >/dev/null 2>"$TMP/e" || rc=$?
	[ $rc -eq 2 ] && grep -q "not empty" "$TMP/e" || fail "non-empty --out: $rc $(cat "$TMP/e")"
}

run_test "run: TcpActiveOpens == started == PassiveOpens, per round" t_counters_match
run_test "run: tiny backlog: ListenOverflows and a diagnosis" t_listen_overflows
run_test "run: gate passes itself, fails a rate-limited dut" t_gate
run_test "run: gate on truncated, huge, non-JSON or mismatched: 2" t_gate_bad_input
run_test "run: --dut-cmd runs in the dut, stopped per profile" t_dut_cmd
run_test "run: SIGINT mid-run: nothing left, host key restored" t_sigint_midrun
run_test "run: bad input: exit 2, one line, no results directory" t_bad_input
finish
