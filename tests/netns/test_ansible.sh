#!/usr/bin/env bash
# End-to-end test of contrib/ansible on this one machine: the lab builds
# four load hosts c1..c4 behind the dut, the server, and a management
# bridge in the controller namespace ctl, with sshd on every management
# address; ansible-playbook runs in ctl against the hosts over ssh, as
# against real ones (an inventory of their management addresses).
. "$(dirname "$0")/lib.sh"

LAB=${CONNRATE_LAB:-$TOP/connrate-lab}
case $LAB in /*) ;; *) LAB=$TOP/${LAB#./} ;; esac
BOOK=$TOP/contrib/ansible

lab_up() {
	local p=$1; shift
	defer "$LAB" down "$p"
	"$LAB" up "$@" --name "$p"
}

ours() { ip netns list | awk '{print $1}' | grep "^$1-" || true; }

need_all() {
	need ansible-playbook ssh ssh-keygen jq || return 2
	[ -x /usr/sbin/sshd ] || { skip "sshd is not installed (Debian package openssh-server; make deps)"; return 2; }
	[ -d /sys/module/bridge ] || modprobe -n bridge 2>/dev/null ||
		{ skip_kernel "this kernel has no bridge module"; return 3; }
	"$CONNRATE" client --help | grep -q -- --start-at ||
		{ skip "connrate client has no --start-at"; return 2; }
}

# inventory P RATE DURATION [c4 extra args]: the lab's hosts by their
# management addresses; each host its own directory (they share this
# machine's file system).
inventory() {
	local p=$1 rate=$2 dur=$3 c4args=${4:-} h
	mkdir -p "$TMP/hosts" "$TMP/results"
	echo "[servers]"
	echo "server ansible_host=10.72.0.2 connrate_dir=$TMP/hosts/server connrate_listen=10.71.2.1"
	echo "[loadhosts]"
	for h in 1 2 3 4; do
		printf 'c%s ansible_host=10.72.0.1%s connrate_dir=%s/hosts/c%s' $h $h "$TMP" $h
		[ $h = 4 ] && [ -n "$c4args" ] && printf " connrate_client_args='%s'" "$c4args"
		echo
	done
	cat <<EOF
[all:vars]
ansible_user=root
ansible_ssh_common_args='-F /run/connrate/$p.ssh/ssh_config'
ansible_python_interpreter=/usr/bin/python3
ansible_remote_tmp=$TMP/remote-tmp
ansible_async_dir=$TMP/async
connrate_binary=$CONNRATE
connrate_results=$TMP/results
[loadhosts:vars]
connrate_target=10.71.2.1:7171
connrate_rate=$rate
connrate_duration=$dur
connrate_lead=8
EOF
}

# playbook P: ansible-playbook in the controller namespace; its output in $TMP/play.
playbook() {
	local p=$1 rc=0
	mkdir -p "$TMP/ansible-home" "$TMP/cp"
	"$LAB" exec "$p" ctl -- env ANSIBLE_CONFIG="$BOOK/ansible.cfg" \
		ANSIBLE_HOME="$TMP/ansible-home" ANSIBLE_LOCAL_TEMP="$TMP/ansible-home/tmp" \
		ANSIBLE_SSH_CONTROL_PATH_DIR="$TMP/cp" ANSIBLE_NOCOLOR=1 \
		timeout 120 ansible-playbook -i "$TMP/inventory" "$BOOK/site.yml" \
		>"$TMP/play" 2>&1 || rc=$?
	return $rc
}

# The directory of the last round's results.
round_dir() { ls -d "$TMP"/results/*/ | tail -n1; }

# The sum of one key of the round lines of the hosts' files.
host_sum() {
	local key=$1; shift
	jq -s "map(select(.type == \"round\") | .$key) | add" "$@"
}

# Processes in the lab's namespaces other than sshd and ssh (the
# controller's masters, kept for a minute): what the playbook left running.
strays() {
	local p=$1 ns pid exe
	for ns in $(ours "$p"); do
		for pid in $(ip netns pids "$ns"); do
			exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
			case $exe in /usr/sbin/sshd|/usr/bin/ssh) continue ;; esac
			echo "$ns: $pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
		done
	done
}

no_strays() { [ -z "$(strays "$1")" ]; }

t_four_hosts() {
	local p=cr${UNIQ}a dir started ok h
	need_all || return $?
	lab_up $p multi >"$TMP/up" || fail "up: $(cat "$TMP/up")"
	grep -q "sshd (root by key) on c1 10.72.0.11" "$TMP/up" || fail "no sshd line: $(cat "$TMP/up")"
	# sshd listens on the management address only, inside the lab
	ip netns exec $p-c1 ss -Hltn 'sport = :22' | awk '{print $4}' | grep -qx '10.72.0.11:22' ||
		fail "c1's sshd: $(ip netns exec $p-c1 ss -Hltn 'sport = :22')"
	! ss -Hltn 'sport = :22' | grep -q . || fail "something listens on port 22 in the host"
	inventory $p 1000 2 >"$TMP/inventory"
	playbook $p || fail "playbook failed: $(tail -n 30 "$TMP/play")"
	dir=$(round_dir)
	for h in c1 c2 c3 c4; do
		[ -s "$dir/$h.jsonl" ] || fail "no result of $h in $dir: $(ls "$dir")"
		# the schedule is 1000/4 x 2 s; a start due at the window's very end
		# on a loaded machine may be counted unstarted (the client was late)
		jq -e 'select(.type == "round") | .started + .unstarted == 500 and .unstarted <= 5' \
			"$dir/$h.jsonl" >/dev/null ||
			fail "$h started $(jqt "$dir/$h.jsonl" round '[.started, .unstarted] | tostring'), not 1000/4 x 2 s"
		[ "$(jqt "$dir/$h.jsonl" round '.id // .host')" = "$h" ] ||
			fail "$h's result is not named $h: $(jqt "$dir/$h.jsonl" round '.id // .host')"
	done
	# each host its share: 250/s each, 4 ms apart, offsets of 0, 1, 2, 3 ms
	jq -e -s '[.[] | select(.type == "round") | .share_offset_us // 0] | sort == [0, 1000, 2000, 3000]' \
		"$dir"/c?.jsonl >/dev/null ||
		fail "shares: $(jq -c 'select(.type == "round") | [.host, .share_offset_us]' "$dir"/c?.jsonl)"
	[ -s "$dir/merged.jsonl" ] || fail "no merged.jsonl: $(tail -n 20 "$TMP/play")"
	started=$(host_sum started "$dir"/c?.jsonl)
	ok=$(host_sum ok "$dir"/c?.jsonl)
	[ "$started" = 2000 ] || fail "the hosts started $started, not 2000"
	[ "$(jqt "$dir/merged.jsonl" round .started)" = "$started" ] ||
		fail "merged started $(jqt "$dir/merged.jsonl" round .started), hosts $started"
	[ "$(jqt "$dir/merged.jsonl" round .ok)" = "$ok" ] ||
		fail "merged ok $(jqt "$dir/merged.jsonl" round .ok), hosts $ok"
	[ "$(jqt "$dir/server-server.jsonl" server .completed)" -ge "$ok" ] ||
		fail "the server completed $(jqt "$dir/server-server.jsonl" server .completed) of $ok"
	# (Ansible's async watchdog looks every 5 s whether its job ended)
	wait_for 10 no_strays $p || fail "left running: $(strays $p)"
	# a duration with a unit would be cut to 0 s by Ansible's int: refused
	inventory $p 1000 2s >"$TMP/inventory"
	! playbook $p || fail "connrate_duration=2s was taken: $(tail -n 20 "$TMP/play")"
	grep -q "connrate_duration and connrate_lead are seconds" "$TMP/play" ||
		fail "no clear refusal: $(tail -n 20 "$TMP/play")"
	[ "$(round_dir)" = "$dir" ] || fail "a refused playbook made $(round_dir)"
}

t_one_host_fails() {
	local p=cr${UNIQ}b dir rc=0 pid c3pid= pids ns
	need_all || return $?
	lab_up $p multi >"$TMP/up" || fail "up: $(cat "$TMP/up")"
	# c3 is lost (its sshd ended, by the PID the lab recorded);
	# c4 runs a connrate that refuses its options
	for pid in $(awk '$1 == "child" {print $2}' /run/connrate/$p); do
		tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'sshd-c3.conf' && c3pid=$pid
	done
	[ -n "$c3pid" ] || fail "no sshd of c3 in the owner record"
	kill "$c3pid"
	inventory $p 1000 2 --no-such-option >"$TMP/inventory"
	playbook $p || rc=$?
	[ $rc -ne 0 ] || fail "the playbook succeeded with two hosts down"
	grep -q "host c3 FAILED: unreachable" "$TMP/play" || fail "c3 not named: $(tail -n 30 "$TMP/play")"
	grep -q "load host c4 FAILED" "$TMP/play" || fail "c4 not named: $(tail -n 30 "$TMP/play")"
	grep -q "merge: 2 of 4 load hosts; missing: c3 (unreachable.*); c4 (.*connrate merge: missing c3.jsonl, c4.jsonl" \
		"$TMP/play" || fail "the playbook does not say what is missing: $(tail -n 20 "$TMP/play")"
	dir=$(round_dir)
	grep -q '^c3: unreachable' "$dir/missing.txt" && grep -q '^c4: ' "$dir/missing.txt" ||
		fail "missing.txt: $(cat "$dir/missing.txt")"
	[ "$(jqt "$dir/merged.jsonl" round '[.missing[].file | split("/")[-1]] | join(" ")')" = "c3.jsonl c4.jsonl" ] ||
		fail "merged round's missing: $(jqt "$dir/merged.jsonl" round .missing)"
	[ "$(jqt "$dir/merged.jsonl" round .started)" = "$(host_sum started "$dir"/c1.jsonl "$dir"/c2.jsonl)" ] ||
		fail "merged started $(jqt "$dir/merged.jsonl" round .started) is not c1 + c2's"
	# (Ansible's async watchdog looks every 5 s whether its job ended)
	wait_for 10 no_strays $p || fail "left running: $(strays $p)"
	# down ends whatever runs in the lab: sshds, their sessions, ssh masters
	pids=$(for ns in $(ours $p); do ip netns pids "$ns"; done)
	echo "$pids" | grep -q . || fail "nothing runs in the lab before down"
	"$LAB" down $p >/dev/null || fail "down failed"
	[ -z "$(ours $p)" ] || fail "left: $(ours $p)"
	[ ! -e /run/connrate/$p ] && [ ! -e /run/connrate/$p.ssh ] || fail "record or ssh directory left"
	for pid in $pids; do	# (a process ended is gone once its parent reaps it)
		wait_for 5 test ! -e /proc/$pid ||
			fail "left running after down: $pid $(tr '\0' ' ' </proc/$pid/cmdline)"
	done
}

t_topology_errors() {
	local p=cr${UNIQ}c
	printf 'node a\nnode b\nlink a:e0 b:e0 master br0\n' >"$TMP/bad.topo"
	"$LAB" up "$TMP/bad.topo" --name $p 2>"$TMP/err" && fail "a bad topology was built"
	grep -q "bad.topo:3: link: master 'br0': no bridge b:br0 declared" "$TMP/err" ||
		fail "message: $(cat "$TMP/err")"
	[ -z "$(ours $p)" ] || fail "left: $(ours $p)"
	# an sshd that cannot be set up fails up, and nothing is left
	printf 'node a\nnode b\nlink a:m0 10.72.9.1/24 b:m0 10.72.9.2/24\nsshd a:m0\n' >"$TMP/s.topo"
	env PATH=/nonexistent "$LAB" up "$TMP/s.topo" --name $p 2>"$TMP/err" && fail "up without ssh-keygen"
	grep -q "sshd lines need ssh-keygen (Debian package openssh-client) (nothing was left behind)" \
		"$TMP/err" || fail "message: $(cat "$TMP/err")"
	[ -z "$(ours $p)" ] && [ ! -e /run/connrate/$p ] && [ ! -e /run/connrate/$p.ssh ] ||
		fail "left: $(ours $p) $(ls -d /run/connrate/$p*)"
}

run_test "multi.topo: 4 load hosts, sshd, ansible-playbook, merge" t_four_hosts
run_test "ansible: one host lost, one failing: named, merge says so" t_one_host_fails
run_test "topology: bridge errors name file:line; a failed sshd leaves nothing" t_topology_errors
finish
