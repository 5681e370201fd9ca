#!/usr/bin/env bash
# Nothing left behind: a lab killed with -9, labs side by side, a device
# that dies, special files, results that must not be overwritten.
. "$(dirname "$0")/lib.sh"

LAB=${CONNRATE_LAB:-$TOP/connrate-lab}
case $LAB in /*) ;; *) LAB=$TOP/${LAB#./} ;; esac

# PIDs of processes whose command line has every one of the words
pids_with() {
	local p
	for p in /proc/[0-9]*; do
		{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "$1" && echo "${p#/proc/}"
	done | grep -vx "$$" || true
}

# the server and connrate-dut of the run under test (not the run itself)
lab_children_pids() { pids_with "server --port $port"; pids_with "connrate-dut --queue $q"; }
lab_children() { [ -n "$(lab_children_pids)" ]; }
no_lab_children() { [ -z "$(lab_children_pids)" ]; }

t_kill9_children() {
	local p=cr${UNIQ}k i delay
	need iptables
	port= q=
	for i in 1 2 3; do
		port=$((20000 + RANDOM % 20000)); q=$((100 + RANDOM % 900))
		delay=$(echo "0.3 0.8 1.5" | cut -d' ' -f$i)
		"$LAB" run --name $p$i --out "$TMP/k$i" --topology dut --profile tuned --rate 500 \
			--duration 3 --port $port --dut-sim "--queue $q" >/dev/null 2>&1 &
		local lp=$!
		defer "$LAB" down $p$i
		# the server is up before the client starts: wait for it, then a little more
		wait_for 10 lab_children || fail "no server seen"
		sleep "$delay"
		kill -KILL $lp
		wait $lp 2>/dev/null || true
		wait_for 3 no_lab_children ||
			fail "after kill -9 at +${delay}s: still running: $(lab_children_pids)"
		"$LAB" down --stale >/dev/null || fail "down --stale failed"
		[ -z "$(ip netns list | grep "^$p$i-")" ] || fail "namespaces left: $(ip netns list | grep "^$p$i-")"
	done
}

t_same_name() {
	local p=cr${UNIQ}n i rc1 rc2 ok
	for i in 1 2 3 4 5 6; do
		"$LAB" up dut --name $p >"$TMP/u1" 2>&1 & local a=$!
		"$LAB" up dut --name $p >"$TMP/u2" 2>&1 & local b=$!
		defer "$LAB" down $p
		rc1=0; wait $a || rc1=$?
		rc2=0; wait $b || rc2=$?
		ok=$(( (rc1 == 0) + (rc2 == 0) ))
		[ $ok -eq 1 ] || fail "try $i: $ok of 2 came up ($rc1, $rc2): $(cat "$TMP/u1" "$TMP/u2")"
		[ "$(ip netns list | grep -c "^$p-")" -eq 3 ] ||
			fail "try $i: the winner's lab lost namespaces: $(ip netns list | grep "^$p-")"
		grep -q "in use" "$TMP/u1" "$TMP/u2" || fail "try $i: the loser did not say why"
		"$LAB" down $p >/dev/null || fail "down failed"
	done
}

t_device_dies() {
	local p=cr${UNIQ}d out=$TMP/dies rc=0 dp
	need iptables
	q=$((100 + RANDOM % 900)) port=
	defer "$LAB" down $p
	"$LAB" run --name $p --out "$out" --topology dut --profile tuned --rate 500 --duration 3 \
		--timeout 1s --dut-sim "--queue $q" >"$TMP/log" 2>&1 &
	local lp=$!
	defer "kill -TERM $lp"
	wait_for 10 test -s "$out/run.json" || fail "the run did not start"
	wait_for 10 lab_children || fail "no connrate-dut seen"
	sleep 1.5
	dp=$(pids_with "connrate-dut --queue $q")
	kill -KILL $dp
	wait $lp || rc=$?
	[ $rc -eq 1 ] || fail "exit $rc, not 1: $(tail -3 "$TMP/log")"
	jq -e 'select(.type == "round") | .died | test("connrate-dut.*signal 9")' "$out/rounds.jsonl" >/dev/null ||
		fail "no died in the round: $(jq -c .died "$out/rounds.jsonl")"
	jq -e 'select(.type == "round") | .diagnosis[0] | test("died|killed")' "$out/rounds.jsonl" >/dev/null ||
		fail "the diagnosis does not say so: $(jq -c .diagnosis "$out/rounds.jsonl")"
	grep -q "died during a round" "$TMP/log" || fail "no line on stderr: $(tail -3 "$TMP/log")"
}

t_dut_cmd_fails() {
	local p=cr${UNIQ}f cmd rc
	for cmd in /nonexistent/bin /bin/false; do
		rc=0
		defer "$LAB" down $p
		"$LAB" run --name $p --out "$TMP/f$RANDOM" --topology dut --rate 100 --duration 1 \
			--dut-cmd "$cmd" >"$TMP/log" 2>&1 || rc=$?
		[ $rc -eq 1 ] || fail "--dut-cmd $cmd: exit $rc, not 1"
		grep -q -- "--dut-cmd (PID [0-9]*) exited with status" "$TMP/log" ||
			fail "--dut-cmd $cmd: no line saying so: $(cat "$TMP/log")"
		[ -z "$(ip netns list | grep "^$p-")" ] || fail "namespaces left"
	done
}

run_test "leftovers: kill -9 of run: no server or device survives it" t_kill9_children
run_test "leftovers: two up --name X at once: one builds, nothing lost" t_same_name
run_test "leftovers: connrate-dut killed mid-round: said, exit 1" t_device_dies
run_test "leftovers: --dut-cmd that cannot run or exits: said, exit 1" t_dut_cmd_fails
finish
