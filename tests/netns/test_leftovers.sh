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

t_default_out() {
	local p=cr${UNIQ}o rc1=0 rc2=0 n
	mkdir -p "$TMP/cwd"
	defer "$LAB" down ${p}1
	defer "$LAB" down ${p}2
	( cd "$TMP/cwd" && "$LAB" run --name ${p}1 --topology loopback --rate 50 --duration 0.2 >/dev/null 2>&1 ) & local a=$!
	( cd "$TMP/cwd" && "$LAB" run --name ${p}2 --topology loopback --rate 50 --duration 0.2 >/dev/null 2>&1 ) & local b=$!
	wait $a || rc1=$?
	wait $b || rc2=$?
	[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] || fail "exit $rc1 and $rc2"
	n=$(ls "$TMP/cwd/results" | wc -l)
	[ "$n" -eq 2 ] || fail "$n result directories: $(ls "$TMP/cwd/results")"
}

t_force_symlink() {
	local p=cr${UNIQ}s out=$TMP/sym
	mkdir -p "$out"
	echo precious >"$TMP/victim"
	ln -s "$TMP/victim" "$out/summary.txt"
	ln -s "$TMP/victim" "$out/rounds.jsonl"
	ln -s "$TMP/victim" "$out/client-default.log"
	defer "$LAB" down $p
	"$LAB" run --name $p --out "$out" --force --topology loopback --rate 50 --duration 0.2 \
		>"$TMP/log" 2>&1 || fail "run failed: $(tail -3 "$TMP/log")"
	[ "$(cat "$TMP/victim")" = precious ] || fail "a file behind a symlink was overwritten"
	[ ! -L "$out/summary.txt" ] && [ -s "$out/summary.txt" ] || fail "no new summary.txt"
}

t_down_live_run() {
	local p=cr${UNIQ}l out=$TMP/live rc=0
	defer "$LAB" down $p
	"$LAB" run --name $p --out "$out" --topology pair --rate 100 --duration 2 >"$TMP/log" 2>&1 &
	local lp=$!
	defer "kill -TERM $lp"
	wait_for 10 test -s "$out/run.json" || fail "no run"
	wait_for 10 test -n "$(ip netns list | grep "^$p-client")" || fail "no lab"
	"$LAB" down $p >"$TMP/down" 2>&1 && fail "down of a live run succeeded"
	grep -q "belongs to connrate-lab (PID $lp" "$TMP/down" || fail "down said: $(cat "$TMP/down")"
	wait $lp || rc=$?
	[ $rc -eq 0 ] || fail "the run failed: $rc $(tail -3 "$TMP/log")"
}

t_expect_bytes() {
	local p=cr${UNIQ}e out=$TMP/expect
	head -c 64 /dev/zero | tr '\0' x >"$TMP/resp"
	defer "$LAB" down $p
	"$LAB" run --name $p --out "$out" --topology loopback --rate 50 --duration 0.2 \
		--response "$TMP/resp" >"$TMP/log" 2>&1 || fail "run failed: $(tail -3 "$TMP/log")"
	grep -q -- "--expect-bytes 64" "$out/client-default.log" "$out/run.json" 2>/dev/null ||
		jq -e 'select(.type == "round") | .client.config.expect_bytes == 64' "$out/rounds.jsonl" >/dev/null ||
		fail "the client was not told to expect 64 bytes"
}

run_test "leftovers: kill -9 of run: no server or device survives it" t_kill9_children
run_test "leftovers: two up --name X at once: one builds, nothing lost" t_same_name
run_test "leftovers: connrate-dut killed mid-round: said, exit 1" t_device_dies
run_test "leftovers: --dut-cmd that cannot run or exits: said, exit 1" t_dut_cmd_fails
run_test "leftovers: two runs in one second: two result directories" t_default_out
run_test "leftovers: --force never writes through a symlink" t_force_symlink
run_test "leftovers: down refuses the lab of a live run" t_down_live_run
run_test "leftovers: --response: the client expects its size" t_expect_bytes
finish
