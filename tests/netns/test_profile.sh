#!/usr/bin/env bash
# End-to-end tests of sysctl profiles: applied per namespace, read back,
# host keys refused without the flag and restored with it.
. "$(dirname "$0")/lib.sh"

LAB=${CONNRATE_LAB:-$TOP/connrate-lab}
case $LAB in /*) ;; *) LAB=$TOP/${LAB#./} ;; esac
HOSTKEY=/proc/sys/net/netfilter/nf_conntrack_max

sc() { ip netns exec "$1" cat "/proc/sys/$(echo "$2" | tr . /)" | tr -s '\t ' ' '; }

t_tuned() {
	local p=cr${UNIQ}a
	defer "$LAB" down $p
	"$LAB" up dut --name $p --profile tuned >"$TMP/up" || fail "up failed"
	grep -q "profile tuned: 6 keys set and read back" "$TMP/up" || fail "$(cat "$TMP/up")"
	[ "$(sc $p-client net.ipv4.ip_local_port_range)" = "1024 65535" ] || fail "client port range"
	[ "$(sc $p-client net.ipv4.tcp_tw_reuse)" = 1 ] || fail "client tw_reuse"
	[ "$(sc $p-server net.core.somaxconn)" = 65535 ] || fail "server somaxconn"
	[ "$(sc $p-server net.ipv4.tcp_max_syn_backlog)" = 65535 ] || fail "server syn backlog"
	[ "$(sc $p-dut net.netfilter.nf_conntrack_tcp_timeout_time_wait)" = 30 ] || fail "dut time_wait"
	# other roles keep the built-in defaults
	[ "$(sc $p-client net.core.somaxconn)" = 4096 ] || fail "client somaxconn changed"
	[ "$(sc $p-dut net.ipv4.ip_local_port_range)" = "32768 60999" ] || fail "dut port range changed"
}

t_all_section_and_loopback() {
	local p=cr${UNIQ}b
	printf '[all]\nnet.ipv4.tcp_fin_timeout = 17\n[server]\nnet.core.somaxconn = 1234\n' >"$TMP/all.conf"
	defer "$LAB" down $p
	"$LAB" up loopback --name $p --profile "$TMP/all.conf" >/dev/null || fail "up failed"
	[ "$(sc $p-host net.ipv4.tcp_fin_timeout)" = 17 ] || fail "[all] not applied"
	[ "$(sc $p-host net.core.somaxconn)" = 1234 ] || fail "server section not applied to the lone node"
}

# [all] first, then the role's section, which wins: whatever the file order
t_all_then_role() {
	local p=cr${UNIQ}h
	printf '[client]\nnet.core.somaxconn = 1111\n[all]\nnet.core.somaxconn = 2222\n' >"$TMP/o.conf"
	printf '[dut]\nnet.ipv4.tcp_fin_timeout = 19\n' >>"$TMP/o.conf"
	printf '[all]\nnet.ipv4.tcp_fin_timeout = 18\n' >>"$TMP/o.conf"
	defer "$LAB" down $p
	"$LAB" up dut --name $p --profile "$TMP/o.conf" >/dev/null || fail "up failed"
	[ "$(sc $p-client net.core.somaxconn)" = 1111 ] || fail "client: [all] won over [client]"
	[ "$(sc $p-server net.core.somaxconn)" = 2222 ] || fail "server: [all] not applied"
	[ "$(sc $p-dut net.ipv4.tcp_fin_timeout)" = 19 ] || fail "dut: [all] won over [dut]"
	[ "$(sc $p-client net.ipv4.tcp_fin_timeout)" = 18 ] || fail "client: [all] not applied"
}

t_readback_mismatch() {
	local p=cr${UNIQ}c rc=0
	printf '[client]\nnet.ipv4.tcp_tw_reuse = 7\n' >"$TMP/bad.conf"
	"$LAB" up pair --name $p --profile "$TMP/bad.conf" >/dev/null 2>"$TMP/err" || rc=$?
	defer "$LAB" down $p
	[ $rc -ne 0 ] || fail "accepted a value the kernel refuses"
	grep -q "bad.conf:2: cannot set net.ipv4.tcp_tw_reuse = 7" "$TMP/err" || fail "$(cat "$TMP/err")"
	[ -z "$(ip netns list | grep "^$p-")" ] || fail "namespaces left"
}

t_global_key_in_namespace() {
	local p=cr${UNIQ}d rc=0
	printf '# global\n[server]\nnet.core.netdev_max_backlog = 5000\n' >"$TMP/g.conf"
	"$LAB" up pair --name $p --profile "$TMP/g.conf" >/dev/null 2>"$TMP/err" || rc=$?
	defer "$LAB" down $p
	[ $rc -eq 2 ] || fail "status $rc, want 2"
	grep -q "g.conf:3: key 'net.core.netdev_max_backlog' is global.*\[host\]" "$TMP/err" || fail "$(cat "$TMP/err")"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "more than one line"
	[ -z "$(ip netns list | grep "^$p-")" ] || fail "something was built"
	rc=0
	printf '[client]\nnet.ipv4.no_such_key = 1\n' >"$TMP/u.conf"
	"$LAB" up pair --name $p --profile "$TMP/u.conf" >/dev/null 2>"$TMP/err" || rc=$?
	[ $rc -eq 2 ] && grep -q "u.conf:2: key 'net.ipv4.no_such_key' does not exist" "$TMP/err" ||
		fail "unknown key: $rc $(cat "$TMP/err")"
}

t_host_refused_without_flag() {
	local p=cr${UNIQ}e rc=0 before
	before=$(host_key_before net.netfilter.nf_conntrack_max)
	"$LAB" up dut --name $p --profile small-device >/dev/null 2>"$TMP/err" || rc=$?
	defer "$LAB" down $p
	[ $rc -eq 2 ] || fail "status $rc, want 2"
	grep -q "refused without --allow-host-sysctl" "$TMP/err" || fail "$(cat "$TMP/err")"
	[ "$(cat $HOSTKEY)" = "$before" ] || fail "the host's value changed"
	[ -z "$(ip netns list | grep "^$p-")" ] || fail "something was built"
}

t_host_restored() {
	local p=cr${UNIQ}f before
	before=$(host_key_before net.netfilter.nf_conntrack_max)
	[ "$before" != 4096 ] || fail "the host already has 4096: cannot tell"
	defer "$LAB" down $p
	defer "echo $before > $HOSTKEY"
	"$LAB" up dut --name $p --profile small-device --allow-host-sysctl >/dev/null || fail "up failed"
	[ "$(cat $HOSTKEY)" = 4096 ] || fail "host key not set"
	"$LAB" down $p >/dev/null || fail "down failed"
	[ "$(cat $HOSTKEY)" = "$before" ] || fail "not restored: $(cat $HOSTKEY), was $before"
	[ ! -e /run/connrate/$p.host ] || fail "save file left"
}

t_host_restored_stale() {
	local p=cr${UNIQ}g before
	before=$(host_key_before net.netfilter.nf_conntrack_max)
	defer "echo $before > $HOSTKEY"
	defer "$LAB" down $p
	"$LAB" up pair --name $p --profile small-device --allow-host-sysctl >/dev/null 2>&1 || fail "up failed"
	# pretend the owner died mid-run: the record says running, the pid is gone
	sed -i 's/^state .*/state running/; s/^pid .*/pid 999999999/' /run/connrate/$p
	"$LAB" down --stale >/dev/null || fail "down --stale failed"
	[ "$(cat $HOSTKEY)" = "$before" ] || fail "not restored by down --stale"
}

HOSTSAVE=/run/connrate/host.d/net.netfilter.nf_conntrack_max

# A count no one can set: refused before anything is built, as read-only.
t_host_readonly() {
	local p=cr${UNIQ}i rc=0
	printf '# count\n[host]\nnet.netfilter.nf_conntrack_count = 5\n' >"$TMP/ro.conf"
	defer "$LAB" down $p
	"$LAB" up pair --name $p --profile "$TMP/ro.conf" --allow-host-sysctl >/dev/null 2>"$TMP/err" || rc=$?
	[ $rc -eq 2 ] || fail "status $rc, want 2: $(cat "$TMP/err")"
	grep -q "ro.conf:3: key 'net.netfilter.nf_conntrack_count' is read-only" "$TMP/err" || fail "$(cat "$TMP/err")"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "more than one line"
	[ -z "$(ip netns list | grep "^$p-")" ] || fail "something was built"
	[ ! -e /run/connrate/$p.host ] && [ ! -e /run/connrate/host.d/net.netfilter.nf_conntrack_count ] ||
		fail "a save file was left"
	rc=0
	printf '[client]\nnet.netfilter.nf_conntrack_count = 5\n' >"$TMP/ro2.conf"
	"$LAB" up pair --name $p --profile "$TMP/ro2.conf" >/dev/null 2>"$TMP/err" || rc=$?
	[ $rc -eq 2 ] || fail "[client]: status $rc, want 2"
	grep -q "ro2.conf:2: key 'net.netfilter.nf_conntrack_count' is read-only" "$TMP/err" || fail "$(cat "$TMP/err")"
	! grep -q "move it to \[host\]" "$TMP/err" || fail "wrong advice: $(cat "$TMP/err")"
}

# A second lab that needs a [host] key an up lab holds: exit 1 naming it.
t_host_held_by_up_lab() {
	local a=cr${UNIQ}j b=cr${UNIQ}k before rc=0
	before=$(host_key_before net.netfilter.nf_conntrack_max)
	defer "echo $before > $HOSTKEY"
	defer "$LAB" down $b
	defer "$LAB" down $a
	"$LAB" up pair --name $a --profile small-device --allow-host-sysctl >/dev/null 2>&1 || fail "up $a failed"
	"$LAB" up dut --name $b --profile small-device --allow-host-sysctl >/dev/null 2>"$TMP/err" || rc=$?
	[ $rc -eq 1 ] || fail "second lab: status $rc, want 1"
	grep -q "nf_conntrack_max is held by lab $a (pid [0-9]*), which is up" "$TMP/err" || fail "$(cat "$TMP/err")"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "more than one line: $(cat "$TMP/err")"
	[ -z "$(ip netns list | grep "^$b-")" ] || fail "the second lab left namespaces"
	[ "$(cat $HOSTKEY)" = 4096 ] || fail "the first lab's value is gone"
	"$LAB" down $b >/dev/null 2>&1 || true
	[ "$(cat $HOSTKEY)" = 4096 ] || fail "down of the second lab changed the first's key"
	"$LAB" down $a >/dev/null || fail "down $a failed"
	[ "$(cat $HOSTKEY)" = "$before" ] || fail "not restored: $(cat $HOSTKEY), was $before"
}

# ... and one a running lab holds: it waits, then fails naming it.
t_host_held_by_running_lab() {
	local b=cr${UNIQ}l before rc=0 pid st t0
	before=$(host_key_before net.netfilter.nf_conntrack_max)
	sleep 30 &
	pid=$!
	defer "kill $pid"
	st=$(awk '{ sub(/.*\) /, ""); print $20 }' /proc/$pid/stat)
	mkdir -p /run/connrate/host.d
	[ ! -e $HOSTSAVE ] || fail "another lab holds the key"
	printf 'prefix cr%sx\npid %s\nstarttime %s\nold %s\n' "$UNIQ" $pid "$st" "$before" >$HOSTSAVE
	defer rm -f $HOSTSAVE
	defer "$LAB" down $b
	t0=$SECONDS
	"$LAB" up pair --name $b --profile small-device --allow-host-sysctl >/dev/null 2>"$TMP/err" || rc=$?
	[ $rc -eq 1 ] || fail "status $rc, want 1"
	grep -q "held by lab cr${UNIQ}x (pid $pid), still running after 5 s" "$TMP/err" || fail "$(cat "$TMP/err")"
	[ $((SECONDS - t0)) -ge 4 ] || fail "did not wait"
	[ "$(cat $HOSTKEY)" = "$before" ] || fail "the key changed"
	grep -q "^pid $pid$" $HOSTSAVE || fail "the holder's save was touched"
}

# Labs killed in turn: the value from before any lab is the one restored.
t_host_first_value_kept() {
	local a=cr${UNIQ}m b=cr${UNIQ}n before
	before=$(host_key_before net.netfilter.nf_conntrack_max)
	[ "$before" != 4096 ] || fail "the host already has 4096: cannot tell"
	defer "echo $before > $HOSTKEY"
	defer "$LAB" down $b
	defer "$LAB" down $a
	"$LAB" up pair --name $a --profile small-device --allow-host-sysctl >/dev/null 2>&1 || fail "up $a failed"
	# as after kill -9 of a run: the record says running, the owner is gone
	sed -i 's/^state .*/state running/; s/^pid .*/pid 999999999/' /run/connrate/$a
	"$LAB" up pair --name $b --profile small-device --allow-host-sysctl >/dev/null 2>&1 || fail "up $b failed"
	[ "$(cat $HOSTKEY)" = 4096 ] || fail "the second lab's value is not in effect"
	sed -i 's/^state .*/state running/; s/^pid .*/pid 999999999/' /run/connrate/$b
	"$LAB" down $a >/dev/null 2>&1 || true
	"$LAB" down $b >/dev/null 2>&1 || true
	[ "$(cat $HOSTKEY)" = "$before" ] || fail "not restored: $(cat $HOSTKEY), was $before"
	[ ! -e $HOSTSAVE ] || fail "save left"
}

# A save whose lab record is gone too: down --stale restores it.
t_host_stale_without_record() {
	local a=cr${UNIQ}o before
	before=$(host_key_before net.netfilter.nf_conntrack_max)
	[ "$before" != 4096 ] || fail "the host already has 4096: cannot tell"
	defer "echo $before > $HOSTKEY"
	defer "$LAB" down $a
	"$LAB" up pair --name $a --profile small-device --allow-host-sysctl >/dev/null 2>&1 || fail "up failed"
	ip netns del $a-client
	ip netns del $a-server
	rm /run/connrate/$a
	"$LAB" down --stale >"$TMP/out" || fail "down --stale failed"
	[ "$(cat $HOSTKEY)" = "$before" ] || fail "not restored by down --stale: $(cat $HOSTKEY)"
	[ ! -e $HOSTSAVE ] && [ ! -e /run/connrate/$a.host ] || fail "save left"
	grep -q "restored 1 host sysctl" "$TMP/out" || fail "$(cat "$TMP/out")"
}

run_test "profile: tuned applied per role, read back" t_tuned
run_test "profile: [all] everywhere; a lone node takes both roles" t_all_section_and_loopback
run_test "profile: [all] first, then the role's section wins" t_all_then_role
run_test "profile: a value the kernel refuses: error, nothing left" t_readback_mismatch
run_test "profile: global key in a namespace section: exit 2" t_global_key_in_namespace
run_test "profile: [host] without --allow-host-sysctl: exit 2" t_host_refused_without_flag
run_test "profile: [host] restored by down" t_host_restored
run_test "profile: [host] restored by down --stale" t_host_restored_stale
run_test "profile: a read-only key: exit 2, as read-only, nothing left" t_host_readonly
run_test "profile: [host] key held by an up lab: exit 1 naming it" t_host_held_by_up_lab
run_test "profile: [host] key held by a running lab: wait, exit 1" t_host_held_by_running_lab
run_test "profile: [host] labs killed in turn: first value restored" t_host_first_value_kept
run_test "profile: [host] save without its record: down --stale" t_host_stale_without_record
finish
