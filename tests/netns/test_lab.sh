#!/usr/bin/env bash
# End-to-end tests of connrate-lab up/down/exec.
. "$(dirname "$0")/lib.sh"

LAB=${CONNRATE_LAB:-$TOP/connrate-lab}
case $LAB in /*) ;; *) LAB=$TOP/${LAB#./} ;; esac

# lab_up PREFIX TOPO...: build, and register its removal at once.
lab_up() {
	local p=$1; shift
	defer "$LAB" down "$p"
	"$LAB" up "$@" --name "$p"
}

ours() { ip netns list | awk '{print $1}' | grep "^$1-" || true; }

t_up_ping_down() {
	local p=cr${UNIQ}a links_before links_after
	need ping conntrack
	links_before=$(ip -o link | awk -F': ' '{print $2}' | sort)
	lab_up $p dut >"$TMP/up"
	grep -q "lab $p is up" "$TMP/up" || fail "no summary: $(cat "$TMP/up")"
	[ "$(ours $p | wc -l)" -eq 3 ] || fail "namespaces: $(ours $p)"
	ip netns exec $p-client ping -c1 -W2 10.71.2.1 >/dev/null || fail "no IPv4 ping through the dut"
	ip netns exec $p-client ping -6 -c1 -W2 fd71:2::1 >/dev/null || fail "no IPv6 ping through the dut"
	ip netns exec $p-dut conntrack -L 2>/dev/null | grep -q 'src=10.71.1.1 dst=10.71.2.1' ||
		fail "the dut's conntrack table has no flow"
	[ "$(ip netns exec $p-dut cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "no forwarding"
	[ "$(ip netns exec $p-client cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || fail "client forwards"
	"$LAB" down $p >/dev/null || fail "down failed"
	[ -z "$(ours $p)" ] || fail "left: $(ours $p)"
	[ ! -e /run/connrate/$p ] || fail "owner record left"
	links_after=$(ip -o link | awk -F': ' '{print $2}' | sort)
	[ "$links_before" = "$links_after" ] || fail "the host's links changed"
}

t_shipped_topologies() {
	local p=cr${UNIQ}b t
	for t in loopback pair dut-shaped; do
		lab_up $p $t >/dev/null || fail "up $t"
		case $t in
		pair) ip netns exec $p-client ping -c1 -W2 10.71.0.2 >/dev/null || fail "pair: no ping" ;;
		dut-shaped) "$LAB" exec $p dut -- tc qdisc show dev s0 | grep -q 'tbf.*rate 100Mbit' ||
				fail "dut-shaped: no tbf: $("$LAB" exec $p dut -- tc qdisc show dev s0)" ;;
		loopback) [ "$(ours $p)" = "$p-host" ] || fail "loopback: $(ours $p)" ;;
		esac
		"$LAB" down $p >/dev/null
	done
}

t_exec_nft() {
	local p=cr${UNIQ}c
	need nft
	lab_up $p dut >/dev/null
	printf 'table inet crfw { chain f0 { type filter hook forward priority 0; tcp dport 9 drop; }; }\n' >"$TMP/fw.nft"
	"$LAB" exec $p dut -- nft -f "$TMP/fw.nft" || fail "exec nft failed"
	ip netns exec $p-dut nft list tables | grep -q crfw || fail "ruleset not in the dut"
	! nft list tables 2>/dev/null | grep -q crfw || fail "ruleset in the host"
	"$LAB" exec $p dut -- ls /sys/class/net/s0 >/dev/null || fail "/sys is not the dut's"
	local rc=0
	"$LAB" exec $p nosuchnode -- true 2>/dev/null || rc=$?
	[ $rc -eq 2 ] || fail "exec into a node not in the lab: status $rc"
}

t_failure_midway() {
	local p=cr${UNIQ}d rc=0
	cat >"$TMP/bad.topo" <<EOT
node client
node server
link client:eth0 10.72.0.1/24 server:eth0 10.72.0.2/24
route client default via 10.99.0.1
EOT
	"$LAB" up "$TMP/bad.topo" --name $p 2>"$TMP/err" >/dev/null || rc=$?
	defer "$LAB" down $p
	[ $rc -eq 1 ] || fail "status $rc, want 1"
	grep -q "bad.topo:4: cannot add route default via 10.99.0.1 in $p-client: Network is unreachable" "$TMP/err" ||
		fail "message: $(cat "$TMP/err")"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "more than one line"
	[ -z "$(ours $p)" ] || fail "left: $(ours $p)"
	[ ! -e /run/connrate/$p ] || fail "owner record left"
}

t_bad_topology() {
	local p=cr${UNIQ}e rc=0
	printf 'node client\nnode server\nlink client:eth0 10.72.0.1/24 server:eth0 10.72.0.2\n' >"$TMP/bad2.topo"
	"$LAB" up "$TMP/bad2.topo" --name $p 2>"$TMP/err" >/dev/null || rc=$?
	defer "$LAB" down $p
	[ $rc -eq 2 ] || fail "status $rc, want 2"
	grep -q "bad2.topo:3: " "$TMP/err" || fail "message: $(cat "$TMP/err")"
	[ -z "$(ours $p)" ] || fail "left: $(ours $p)"
	rc=0
	"$LAB" up nosuchtopology --name $p 2>/dev/null || rc=$?
	[ $rc -eq 2 ] || fail "unknown topology: status $rc"
	rc=0
	"$LAB" up dut --name 'CR;rm' 2>/dev/null || rc=$?
	[ $rc -eq 2 ] || fail "bad prefix: status $rc"
	rc=0
	"$LAB" down "$p-nonexistent" 2>/dev/null || rc=$?
	[ $rc -eq 2 ] || fail "down of no lab: status $rc"
}

# A topology that takes a while to build: 12 stateful routers in a chain.
big_topology() {
	local i
	echo "node n0"
	for i in $(seq 1 12); do echo "node n$i forward stateful"; done
	for i in $(seq 1 12); do echo "link n$((i - 1)):a$i 10.73.$i.1/24 n$i:b$i 10.73.$i.2/24"; done
}

# Busy-wait (no sleep: the window is short) up to 10 s for a command.
spin_until() {
	local end=$((SECONDS + 10))
	until "$@"; do [ $SECONDS -lt $end ] || return 1; done
}

# Wait until the record of $1 says "building".
building() { grep -q '^state building' "/run/connrate/$1" 2>/dev/null; }

t_stale_after_kill9() {
	local p=cr${UNIQ}f q=cr${UNIQ}g decoy=cr${UNIQ}decoy pid
	big_topology >"$TMP/big.topo"
	ip netns add $decoy
	defer ip netns del $decoy
	lab_up $q pair >/dev/null	# a finished lab: not stale
	"$LAB" up "$TMP/big.topo" --name $p >/dev/null 2>&1 &
	pid=$!
	defer "$LAB" down $p
	spin_until building $p || fail "never saw the build in progress"
	kill -9 $pid
	wait $pid 2>/dev/null || true
	grep -q '^state building' /run/connrate/$p || fail "the build finished before the kill"
	echo "namespaces left by the kill: $(ours $p | wc -l)"
	"$LAB" down --stale >"$TMP/stale" || fail "down --stale failed"
	grep -q "removed stale lab $p" "$TMP/stale" || fail "$(cat "$TMP/stale")"
	[ -z "$(ours $p)" ] || fail "left: $(ours $p)"
	[ ! -e /run/connrate/$p ] || fail "record left"
	ip netns list | grep -q "^$decoy" || fail "removed a namespace it did not make"
	[ "$(ours $q | wc -l)" -eq 2 ] || fail "removed a lab that is up"
}

t_sigterm_during_up() {
	local p=cr${UNIQ}h pid rc=0
	big_topology >"$TMP/big.topo"
	"$LAB" up "$TMP/big.topo" --name $p >/dev/null 2>"$TMP/err" &
	pid=$!
	defer "$LAB" down $p
	spin_until building $p || fail "never saw the build in progress"
	kill -TERM $pid
	wait $pid || rc=$?
	[ $rc -eq 130 ] || fail "status $rc, want 130 ($(cat "$TMP/err"))"
	[ -z "$(ours $p)" ] || fail "left: $(ours $p)"
	[ ! -e /run/connrate/$p ] || fail "record left"
}

t_netem() {
	local p=cr${UNIQ}i rc=0
	printf 'node a\nnode b\nlink a:e0 10.74.0.1/24 b:e0 10.74.0.2/24\nqdisc a:e0 netem delay 20ms\n' >"$TMP/netem.topo"
	"$LAB" up "$TMP/netem.topo" --name $p >/dev/null 2>"$TMP/err" || rc=$?
	defer "$LAB" down $p
	if [ $rc -ne 0 ]; then
		grep -q "this kernel has no netem" "$TMP/err" || fail "status $rc: $(cat "$TMP/err")"
		[ -z "$(ours $p)" ] || fail "left: $(ours $p)"
		skip_kernel "this kernel has no netem (sch_netem); the failure left nothing behind"
	fi
	ip netns exec $p-a ping -c1 -W2 10.74.0.2 | grep -Eq 'time=(1[89]|[2-9][0-9])' || fail "no delay"
}

# A FIFO (no writer) as topology, profile or nft file: refused at once, not a hang.
t_fifo_inputs() {
	local p=cr${UNIQ}f rc=0
	mkfifo "$TMP/in.topo" "$TMP/in.conf"
	timeout 10 "$LAB" up "$TMP/in.topo" --name $p >/dev/null 2>"$TMP/err" || rc=$?
	[ $rc -eq 2 ] || fail "topology: status $rc, want 2"
	grep -q "in.topo: a FIFO or socket, not a regular file" "$TMP/err" || fail "$(cat "$TMP/err")"
	rc=0
	timeout 10 "$LAB" up pair --profile "$TMP/in.conf" --name $p >/dev/null 2>"$TMP/err" || rc=$?
	[ $rc -eq 2 ] || fail "profile: status $rc, want 2"
	grep -q "in.conf: a FIFO or socket, not a regular file" "$TMP/err" || fail "$(cat "$TMP/err")"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "more than one line"
	[ -z "$(ours $p)" ] || fail "something was built"
	# what the lab hands to nft: a FIFO, a device, as --dut-nft or a build
	mkfifo "$TMP/in.nft"
	for a in "--dut-nft $TMP/in.nft" "--dut-nft /dev/zero" "--build b=nft:$TMP/in.nft"; do
		rc=0
		# shellcheck disable=SC2086 # the option and its value
		timeout 10 "$LAB" run --topology dut --rate 10 --name $p --out "$TMP/o" $a \
			>/dev/null 2>"$TMP/err" || rc=$?
		[ $rc -eq 2 ] || fail "$a: status $rc, want 2"
		grep -Eq "(FIFO or socket|a device), not a regular file" "$TMP/err" || fail "$a: $(cat "$TMP/err")"
		[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$a: more than one line"
	done
	[ ! -e "$TMP/o" ] && [ -z "$(ours $p)" ] || fail "something was made"
}

# Making /run/netns a shared mount point takes the lock `ip netns add`
# takes (flock on the directory), so two builders never stack bind mounts
# of it.  In a mount namespace of its own, with /run a fresh tmpfs, so the
# host's /run/netns is never locked or touched.
t_netns_dir_lock() {
	local out
	need unshare flock
	out=$(unshare -m --propagation private bash -c '
		lab=$1 p=$2
		mount -t tmpfs none /run && mkdir /run/netns || exit 9
		flock /run/netns sleep 2 &
		until ! flock -n /run/netns true; do sleep 0.01; done
		t0=$(date +%s%N)
		"$lab" up loopback --name $p >/dev/null || exit 8
		t1=$(date +%s%N)
		n=$(awk "\$5 == \"/run/netns\" && \$9 == \"tmpfs\"" /proc/self/mountinfo | wc -l)
		"$lab" down $p >/dev/null
		wait
		echo $(((t1 - t0) / 1000000)) $n' - "$LAB" cr${UNIQ}z) || fail "status $?: $out"
	[ "${out% *}" -ge 1000 ] || fail "up did not wait for the lock: ${out% *} ms"
	[ "${out#* }" -eq 1 ] || fail "/run/netns mounted ${out#* } times"
}

run_test "lab: up dut, ping v4/v6 through it, conntrack, down" t_up_ping_down
run_test "lab: loopback, pair and dut-shaped (tbf) build" t_shipped_topologies
run_test "lab: exec runs nft and /sys in the dut only" t_exec_nft
run_test "lab: a route to an unreachable gateway leaves nothing" t_failure_midway
run_test "lab: bad topology, name or prefix: exit 2, nothing built" t_bad_topology
run_test "lab: down --stale after kill -9 mid-up, nothing else" t_stale_after_kill9
run_test "lab: SIGTERM during up removes what was built" t_sigterm_during_up
run_test "lab: a FIFO as topology or profile: exit 2 at once" t_fifo_inputs
run_test "lab: /run/netns made shared under iproute2's lock" t_netns_dir_lock
run_test "lab: netem where the kernel has it" t_netem
finish
