#!/usr/bin/env bash
# End-to-end tests of connrate client and server, in a namespace of their own.
. "$(dirname "$0")/lib.sh"

PORT=7171

# server_up NS [server options]: start a server, wait until it listens.
server_up() {
	local ns=$1; shift
	bg_in "$ns" "$CONNRATE" server --port $PORT --threads 2 "$@"
	SERVER_PID=$BG_PID
	wait_for 5 listening "$ns" $PORT || fail "server did not listen"
}

# server_stop: SIGTERM, wait, the exit status must be 0.
server_stop() {
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID" || fail "server exited with status $?"
}

check_sum() { # JSON file: ok + errors == started in every round
	jq -e -s 'map(select(.type == "round")) | length > 0 and
		all(.ok + (.errors | add) == .started)' "$1" >/dev/null ||
		fail "ok + errors != started in $1"
}

t_rate_round() {
	local ns j=$TMP/rate.json before after started
	new_ns ns a
	server_up "$ns"
	before=$(counter "$ns" TcpActiveOpens)
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 1000 \
		--duration 2 --threads 1 --json "$j" >"$TMP/table"
	after=$(counter "$ns" TcpActiveOpens)
	cat "$TMP/table"
	started=$(jqt "$j" round .started)
	[ "$started" -eq 2000 ] || fail "started $started, want 2000"
	[ $((after - before)) -eq "$started" ] ||
		fail "TcpActiveOpens delta $((after - before)) != started $started"
	[ "$(jqt "$j" round .ok)" -eq 2000 ] || fail "not all ok"
	jq -e -s 'map(select(.type == "round"))[0] | .achieved_rate > 980 and .achieved_rate < 1020' "$j" >/dev/null ||
		fail "achieved rate off: $(jqt "$j" round .achieved_rate)"
	check_sum "$j"
	grep -q '^ *1000 ' "$TMP/table" || fail "no table row for 1000/s"
}

t_rate_list() {
	local ns j=$TMP/list.json
	new_ns ns a
	server_up "$ns"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 200,400 \
		--duration 0.5 --cooldown 100ms --json "$j" >/dev/null
	[ "$(jq -s 'map(select(.type=="round")) | map(.started) | join(",")' -r "$j")" = "100,200" ] ||
		fail "rounds: $(jq -c -s 'map(.started)' "$j")"
	check_sum "$j"
}

t_closed_loop() {
	local ns j=$TMP/closed.json
	new_ns ns a
	server_up "$ns"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --concurrency 20 \
		--duration 1 --threads 2 --json "$j" >/dev/null
	[ "$(jqt "$j" round .mode)" = concurrency ] || fail "mode"
	[ "$(jqt "$j" round .ok)" -gt 500 ] || fail "only $(jqt "$j" round .ok) ok"
	[ "$(jqt "$j" round '.errors | add')" -eq 0 ] || fail "errors"
	check_sum "$j"
}

t_close_rst() {
	local ns j=$TMP/rst.json tw
	new_ns ns a
	head -c 64 /dev/zero >"$TMP/p64"
	server_up "$ns" --respond-after bytes:64 --response "$TMP/p64"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 500 \
		--duration 1 --close rst --request "$TMP/p64" --expect-bytes 64 --json "$j" >/dev/null
	[ "$(jqt "$j" round .ok)" -eq 500 ] || fail "ok $(jqt "$j" round .ok)"
	tw=$(ip netns exec "$ns" ss -Htan state time-wait | wc -l)
	[ "$tw" -eq 0 ] || fail "$tw sockets in TIME_WAIT after --close rst"
	# the same with fin leaves TIME_WAIT behind: the check can tell
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 500 \
		--duration 0.2 --request "$TMP/p64" --expect-bytes 64 >/dev/null
	tw=$(ip netns exec "$ns" ss -Htan state time-wait | wc -l)
	[ "$tw" -gt 0 ] || fail "no TIME_WAIT after --close fin either"
}

t_ipv6() {
	local ns j=$TMP/v6.json
	new_ns ns a
	server_up "$ns" --listen ::1
	ip netns exec "$ns" "$CONNRATE" client --target "[::1]:$PORT" --rate 500 \
		--duration 0.5 --json "$j" >/dev/null
	[ "$(jqt "$j" round .ok)" -eq 250 ] || fail "ok $(jqt "$j" round .ok)"
	[ "$(jqt "$j" round '.config.targets[0]')" = "[::1]:$PORT" ] || fail "target"
}

t_payload() {
	local ns j=$TMP/pl.json sj=$TMP/pl-server.json ok
	new_ns ns a
	head -c 1000 /dev/urandom >"$TMP/req"
	head -c 3000 /dev/urandom >"$TMP/rsp"
	server_up "$ns" --response "$TMP/rsp" --json "$sj"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 400 \
		--duration 0.5 --request "$TMP/req" --expect-bytes 3000 --json "$j" >/dev/null
	ok=$(jqt "$j" round .ok)
	[ "$ok" -eq 200 ] || fail "ok $ok"
	[ "$(jqt "$j" round .bytes_sent)" -eq $((1000 * ok)) ] || fail "bytes_sent"
	[ "$(jqt "$j" round .bytes_received)" -eq $((3000 * ok)) ] || fail "bytes_received"
	server_stop
	[ "$(jqt "$sj" server .accepted)" -eq 200 ] || fail "server accepted"
	[ "$(jqt "$sj" server .completed)" -eq 200 ] || fail "server completed"
	[ "$(jqt "$sj" server .bytes_received)" -eq 200000 ] || fail "server bytes_received"
	[ "$(jqt "$sj" server .bytes_sent)" -eq 600000 ] || fail "server bytes_sent"
}

t_refused() {
	local ns j=$TMP/ref.json
	new_ns ns a
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 200 \
		--duration 0.5 --json "$j" >/dev/null
	[ "$(jqt "$j" round .errors.refused)" -eq 100 ] || fail "refused $(jqt "$j" round .errors.refused)"
	[ "$(jqt "$j" round .ok)" -eq 0 ] || fail "ok"
	jq -e '.latency_us.p50 == 0 and .latency_us.max == 0' "$j" >/dev/null ||
		fail "errors counted as latency"
}

t_silent() {
	local ns j=$TMP/sil.json t0 t1
	need nft
	new_ns ns a
	ip netns exec "$ns" nft add table inet crtest
	ip netns exec "$ns" nft add chain inet crtest in '{ type filter hook input priority 0; }'
	ip netns exec "$ns" nft add rule inet crtest in tcp dport $PORT drop
	t0=$(date +%s%N)
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 100 \
		--duration 0.5 --timeout 500ms --json "$j" >/dev/null
	t1=$(date +%s%N)
	[ "$(jqt "$j" round '.errors.timeout + .errors.syn_timeout')" -eq 50 ] ||
		fail "timeouts: $(jq -c .errors "$j")"
	# duration + timeout + setup, not the kernel's SYN retries (>60 s)
	[ $(((t1 - t0) / 1000000)) -lt 3000 ] || fail "took $(((t1 - t0) / 1000000)) ms"
}

# A round ends by its duration plus --timeout whatever the rate: starts the
# client cannot make in the round are counted unstarted, beside started,
# and started + unstarted is the whole schedule.  The window is the
# duration, also when the next start would have come long after it.
t_bounded_round() {
	local ns j t0 ms sched
	new_ns ns a
	server_up "$ns"
	for args in "100M 0.05" "200k 0.5"; do
		set -- $args
		j=$TMP/bound-$1.json
		t0=$(date +%s%N)
		ip netns exec "$ns" timeout 60 "$CONNRATE" client --target 127.0.0.1:$PORT \
			--rate "$1" --duration "$2" --timeout 0.5 --json "$j" >"$TMP/bound-$1.txt" ||
			fail "--rate $1: exit status $?"
		ms=$((($(date +%s%N) - t0) / 1000000))
		# duration + timeout, plus the process's own start and end
		awk -v ms=$ms -v d="$2" 'BEGIN {exit !(ms < (d + 0.5) * 1000 + 400)}' ||
			fail "--rate $1 --duration $2 took $ms ms"
		sched=$(jq -r 'select(.type == "round") | .target_rate * .duration_s | ceil' "$j")
		jq -e --argjson n "$sched" 'select(.type == "round") |
			.started + .unstarted == $n and .ok + (.errors | add) == .started and
			.elapsed_s == .duration_s' "$j" >/dev/null ||
			fail "--rate $1: $(jq -c 'select(.type == "round") | {started,unstarted,ok,elapsed_s}' "$j") of $sched scheduled"
	done
	# 100M/s for 50 ms cannot be kept: said in the JSON and in the table
	[ "$(jqt "$TMP/bound-100M.json" round .unstarted)" -gt 0 ] || fail "100M/s: nothing unstarted"
	grep -q "behind: .* scheduled starts not made" "$TMP/bound-100M.txt" ||
		fail "the table does not say the client fell behind: $(cat "$TMP/bound-100M.txt")"
	# one start every 1000 s in a 1 s round: it ran 1 s, not 1000
	j=$TMP/bound-slow.json
	ip netns exec "$ns" timeout 10 "$CONNRATE" client --target 127.0.0.1:$PORT \
		--rate 0.001 --duration 1 --json "$j" >/dev/null || fail "--rate 0.001: exit status $?"
	jq -e 'select(.type == "round") | .started == 1 and .unstarted == 0 and .ok == 1 and
		.elapsed_s == 1 and .achieved_rate == 1' "$j" >/dev/null ||
		fail "--rate 0.001: $(jq -c 'select(.type == "round") | {started,unstarted,ok,elapsed_s,achieved_rate}' "$j")"
	server_stop
}

t_http_curl() {
	local ns body
	need curl
	new_ns ns a
	printf 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello\n' >"$TMP/http"
	server_up "$ns" --respond-after http --response "$TMP/http"
	body=$(ip netns exec "$ns" curl -s --max-time 5 http://127.0.0.1:$PORT/)
	[ "$body" = hello ] || fail "curl got '$body'"
}

t_nginx_no_half_close() {
	local ns j=$TMP/ngx.json conf=$TMP/nginx.conf
	need nginx
	new_ns ns a
	mkdir -p "$TMP/www"
	printf 'hello\n' >"$TMP/www/index.html"
	cat >"$conf" <<EOC
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log;
events { worker_connections 1024; }
http {
	access_log off;
	keepalive_timeout 0;
	client_body_temp_path $TMP;
	server { listen 127.0.0.1:$PORT; root $TMP/www; }
}
EOC
	ip netns exec "$ns" nginx -c "$conf" -g 'daemon off;' &
	local pid=$!
	defer "kill -TERM $pid; wait $pid"
	wait_for 5 listening "$ns" $PORT || fail "nginx did not listen"
	printf 'GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$TMP/get"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 200 \
		--duration 0.5 --no-half-close --request "$TMP/get" --expect-bytes 150 --json "$j" >/dev/null
	[ "$(jqt "$j" round .ok)" -eq 100 ] || fail "ok $(jqt "$j" round .ok), errors $(jq -c .errors "$j")"
	[ "$(jqt "$j" round .config.half_close)" = false ] || fail "half_close"
}

t_sigint() {
	local ns j=$TMP/int.json pid rc=0
	new_ns ns a
	server_up "$ns"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 500 \
		--duration 20 --json "$j" >"$TMP/table" &
	pid=$!
	sleep 1
	kill -INT $pid
	wait $pid || rc=$?
	[ "$rc" -eq 130 ] || fail "exit status $rc, want 130"
	grep -q interrupted "$TMP/table" || fail "no partial row"
	[ "$(jqt "$j" round .interrupted)" = true ] || fail "round not marked interrupted"
	[ "$(jqt "$j" round .started)" -gt 100 ] || fail "too few started"
	[ "$(jqt "$j" round .started)" -lt 10000 ] || fail "did not stop"
	check_sum "$j"
}

t_server_counts() {
	local ns j=$TMP/sc.json sj=$TMP/sc-server.json
	new_ns ns a
	server_up "$ns" --json "$sj"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --concurrency 4 \
		--duration 0.5 --json "$j" >/dev/null
	server_stop
	[ "$(jqt "$sj" server .accepted)" -eq "$(jqt "$j" round .started)" ] ||
		fail "server accepted $(jqt "$sj" server .accepted), client started $(jqt "$j" round .started)"
}

# A client that resets in mid-request, while the server holds data of it
# still unread: the server counts a reset, never a served request.  lo is
# slowed by tbf so that the request is still coming when the server stops
# (SIGSTOP), the client's timeout resets it meanwhile, and on SIGCONT the
# server finds data, the hang-up and the error all at once.
# Predicates t_reset_mid_request waits for, instead of fixed sleeps.
# receiving NS: a server-side connection has request bytes in (and more
# are coming: the request takes 2 s through tbf)
receiving() {
	ip netns exec "$1" ss -Htni state established "( sport = :$PORT )" |
		grep -Eq 'bytes_received:[1-9]'
}
# no_established NS: no connection of the server's port is established
no_established() { [ -z "$(ip netns exec "$1" ss -Htn state established "( sport = :$PORT )")" ]; }
# proc_state PID S: the process is in state S (T: stopped)
proc_state() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = "$2" ]; }
# server_counted FILE JQ: a SIGUSR1 snapshot of the server satisfies JQ
server_counted() {
	kill -USR1 "$SERVER_PID"
	sleep 0.05
	tail -n1 "$1" | jq -e "select(.type == \"server\") | $2" >/dev/null 2>&1
}

t_reset_mid_request() {
	local ns sj=$TMP/rm-server.json cp
	need tc
	new_ns ns a
	ip -n "$ns" link set lo mtu 1500
	tc -n "$ns" qdisc add dev lo root tbf rate 8mbit burst 32kb latency 2s ||
		skip_kernel "tbf on lo refused"
	head -c 2000000 /dev/zero >"$TMP/2mb"
	server_up "$ns" --threads 1 --cpus none --timeout 10s --json "$sj"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 1 --duration 1 \
		--request "$TMP/2mb" --no-half-close --close rst --timeout 0.6 \
		--json "$TMP/rm.json" >/dev/null &
	cp=$!
	# the request is coming in: stop the server, so that it holds some unread
	wait_for 5 receiving "$ns" || fail "no request bytes reached the server"
	kill -STOP "$SERVER_PID"
	wait_for 5 proc_state "$SERVER_PID" T || fail "the server did not stop"
	# the client times out and resets meanwhile; the RST reaches the socket
	wait $cp || fail "client exit status $?"
	wait_for 5 no_established "$ns" || fail "the reset did not reach the server's socket"
	kill -CONT "$SERVER_PID"
	[ "$(jqt "$TMP/rm.json" round .errors.timeout)" -eq 1 ] || fail "the client did not time out"
	# the server finds data, hang-up and error at once: a reset, not served
	wait_for 5 server_counted "$sj" '.errors.reset + .completed + .errors.other >= 1' ||
		fail "the server never dealt with the connection: $(tail -n1 "$sj")"
	server_stop
	jq -e 'select(.type == "server" and .final) | .accepted == 1 and .errors.reset == 1 and .completed == 0' \
		"$sj" >/dev/null ||
		fail "server counts: $(jq -c 'select(.type == "server") | {accepted,completed,errors,bytes_received}' "$sj")"
}

# A server that resets right after its answer (--close rst): on loopback
# the answer and the RST are in together.  The client counts them ok only
# when --expect-bytes says the answer is whole, and reset otherwise.
t_server_rst() {
	local ns
	new_ns ns a
	head -c 64 /dev/zero >"$TMP/r64"
	server_up "$ns" --close rst --response "$TMP/r64"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 500 --duration 0.5 \
		--json "$TMP/srst.json" >/dev/null || fail "client failed"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 500 --duration 0.5 \
		--expect-bytes 64 --json "$TMP/srst-e.json" >/dev/null || fail "client --expect-bytes failed"
	server_stop
	[ "$(jqt "$TMP/srst.json" round .errors.reset)" -eq 250 ] ||
		fail "without --expect-bytes: $(jq -c 'select(.type == "round") | {ok,errors}' "$TMP/srst.json")"
	[ "$(jqt "$TMP/srst-e.json" round .ok)" -eq 250 ] ||
		fail "with --expect-bytes 64: $(jq -c 'select(.type == "round") | {ok,errors}' "$TMP/srst-e.json")"
}

# Starts that are slow (connect() through a port range full of TIME_WAIT
# takes milliseconds; here a preloaded shim sleeps 2 ms in each): the client
# falls behind, but still serves the connections in flight between starts,
# so none times out and connect times stay what they are; in the closed
# loop as well.
t_slow_starts() {
	local ns j=$TMP/slow.json env=()
	new_ns ns a
	server_up "$ns"
	# an ASan build wants its runtime first; the shim has no sanitizers
	case $CONNRATE in *asan*) env=(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0") ;; esac
	ip netns exec "$ns" env "${env[@]}" LD_PRELOAD="$PRELOAD" CR_SLOW_CONNECT_US=2000 \
		"$CONNRATE" client --target 127.0.0.1:$PORT --rate 1000 --duration 1 --threads 1 \
		--timeout 0.3 --json "$j" >/dev/null || fail "client exit status $?"
	server_stop
	check_sum "$j"
	# the shim did its part: the client fell behind by far
	awk -v l="$(jqt "$j" round .lag_us.p99)" 'BEGIN {exit !(l > 200000)}' ||
		fail "lag p99 $(jqt "$j" round .lag_us.p99) us: connect() was not slowed"
	[ "$(jqt "$j" round .errors.timeout)" -eq 0 ] ||
		fail "timeouts $(jqt "$j" round .errors.timeout): connections left unserved behind starts"
	awk -v c="$(jqt "$j" round .connect_us.p99)" 'BEGIN {exit !(c < 100000)}' ||
		fail "connect p99 $(jqt "$j" round .connect_us.p99) us: connections left unserved behind starts"
	# closed loop: 200 to open at once, 0.4 s of connect() in one go
	server_up "$ns"
	ip netns exec "$ns" env "${env[@]}" LD_PRELOAD="$PRELOAD" CR_SLOW_CONNECT_US=2000 \
		"$CONNRATE" client --target 127.0.0.1:$PORT --concurrency 200 --duration 1 --threads 1 \
		--timeout 0.3 --json "$TMP/slow-c.json" >/dev/null || fail "closed loop: exit status $?"
	server_stop
	check_sum "$TMP/slow-c.json"
	[ "$(jqt "$TMP/slow-c.json" round .ok)" -gt 100 ] || fail "closed loop: too few"
	[ "$(jqt "$TMP/slow-c.json" round .errors.timeout)" -eq 0 ] ||
		fail "closed loop: timeouts $(jqt "$TMP/slow-c.json" round .errors.timeout): connections left unserved behind starts"
}

# task_cpus PID: a line per thread: "utime stime allowed-CPUs"
task_cpus() {
	local t
	for t in /proc/$1/task/*; do
		echo "$(cut -d' ' -f14,15 "$t/stat") $(awk '/^Cpus_allowed_list/ {print $2}' "$t/status")"
	done
}

# --cpus: threads pinned as asked, and the server's SO_INCOMING_CPU keeps a
# connection on the CPU its client thread runs on
t_cpus() {
	local ns c1 c0 own
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
	new_ns ns a
	server_up "$ns" --cpus 0,1
	task_cpus $SERVER_PID >"$TMP/aff0"
	grep -q ' 0$' "$TMP/aff0" && grep -q ' 1$' "$TMP/aff0" || fail "server threads: $(cat "$TMP/aff0")"
	bg_in "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --concurrency 8 --threads 1 --cpus 0 \
		--duration 1.5 --json "$TMP/cpus.json"
	sleep 0.7
	own=$(task_cpus "$BG_PID" | awk '{print $3}' | sort -u | tr '\n' ' ')
	wait "$BG_PID" || fail "client exited with status $?"
	[ "$own" = "0 0-1 " ] || [ "$own" = "0 " ] || fail "client threads on: $own"
	task_cpus $SERVER_PID >"$TMP/aff1"
	server_stop
	# CPU ticks of the server thread on CPU 0 and of the one on CPU 1
	c0=$(awk '$3 == "0" {print $1 + $2}' "$TMP/aff1")
	c1=$(awk '$3 == "1" {print $1 + $2}' "$TMP/aff1")
	[ "$(jqt "$TMP/cpus.json" round .ok)" -gt 1000 ] || fail "too few connections to judge"
	[ "$c0" -ge 10 ] && [ $((c1 * 5)) -lt "$c0" ] ||
		fail "server thread on CPU 1 worked too: $c1 ticks against $c0 on CPU 0"
}

# policies of a process's threads (field 41 of their stat), sorted, unique
task_policies() {
	local t
	for t in /proc/$1/task/*; do cut -d' ' -f41 "$t/stat"; done | sort -u | tr '\n' ' '
}

# --sched: the server's threads run SCHED_BATCH (3) by default, and keep
# the policy they were started with (0, SCHED_OTHER) with inherit
t_sched() {
	local ns pol
	new_ns ns a
	server_up "$ns"
	pol=$(task_policies "$SERVER_PID")
	[ "$pol" = "3 " ] || fail "default: thread policies '$pol', want SCHED_BATCH (3)"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --concurrency 4 \
		--duration 0.3 --json "$TMP/sched.json" >/dev/null || fail "client failed"
	[ "$(jqt "$TMP/sched.json" round '.errors | add')" -eq 0 ] || fail "errors with SCHED_BATCH"
	server_stop
	server_up "$ns" --sched inherit
	pol=$(task_policies "$SERVER_PID")
	[ "$pol" = "0 " ] || fail "inherit: thread policies '$pol', want SCHED_OTHER (0)"
	server_stop
}

# One connection at a time (500/s): the server accepts each without a
# second accept4() that would only say EAGAIN (the listener is
# level-triggered); a burst (closed loop) is still drained.
t_accept_once() {
	local ns sp calls errs
	need strace
	new_ns ns a
	# LeakSanitizer (make check-asan) refuses to run under ptrace
	ip netns exec "$ns" env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -c -e trace=accept4 -o "$TMP/strace" \
		"$CONNRATE" server --port $PORT --threads 2 >"$TMP/accept.out" 2>&1 &
	sp=$!
	defer "kill -KILL $sp 2>/dev/null"
	wait_for 5 listening "$ns" $PORT || fail "no server"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 500 \
		--duration 1 --json "$TMP/once.json" >/dev/null || fail "client failed"
	# the server itself, strace's child: strace then writes its table and ends
	kill -TERM "$(pgrep -P $sp)"
	wait $sp || fail "server (under strace) exit status $?: $(tail -3 "$TMP/accept.out")"
	[ "$(jqt "$TMP/once.json" round .ok)" -eq 500 ] || fail "open loop: not all ok"
	# strace -c: calls errors syscall (the errors column is empty without any)
	read -r calls errs < <(awk '$NF == "accept4" {print $4, (NF == 6 ? $5 : 0)}' "$TMP/strace")
	[ -n "$calls" ] || fail "no accept4 in $(cat "$TMP/strace")"
	# Without the shortcut every connection costs one EAGAIN (500); with
	# it, 7-10, with the machine busy or not.  (Not the closed loop below:
	# there each drained batch may end in one, by design.)
	[ "$errs" -lt 100 ] || fail "$errs of $calls accept4 calls said EAGAIN for 500 lone connections"
	server_up "$ns"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --concurrency 20 \
		--duration 0.5 --json "$TMP/burst.json" >/dev/null || fail "closed loop failed"
	[ "$(jqt "$TMP/burst.json" round '.errors | add')" -eq 0 ] || fail "closed loop: errors"
	[ "$(jqt "$TMP/burst.json" round .ok)" -gt 100 ] || fail "closed loop: too few"
	server_stop
}

# --spin: a fixed margin is spent polling before every start; auto learns
# one from the kernel's wake-ups; off sleeps to the instant.
t_spin() {
	local ns cpu
	new_ns ns a
	server_up "$ns"
	for s in 1ms off auto; do
		ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 200 \
			--duration 1 --threads 1 --spin $s --json "$TMP/spin-$s.json" >/dev/null ||
			fail "client --spin $s: exit status $?"
		[ "$(jqt "$TMP/spin-$s.json" round .ok)" -eq 200 ] || fail "--spin $s: not all ok"
	done
	[ "$(jqt "$TMP/spin-1ms.json" round .spin_us)" = 1000 ] || fail "1ms: spin_us $(jqt "$TMP/spin-1ms.json" round .spin_us)"
	[ "$(jqt "$TMP/spin-off.json" round .spin_us)" = 0 ] || fail "off: spin_us $(jqt "$TMP/spin-off.json" round .spin_us)"
	jq -e 'select(.type == "round") | .spin_us > 0 and .spin_us <= 1000' "$TMP/spin-auto.json" >/dev/null ||
		fail "auto learnt no margin: $(jqt "$TMP/spin-auto.json" round .spin_us)"
	[ "$(jqt "$TMP/spin-auto.json" round .config.spin)" = auto ] || fail "config does not say spin auto"
	# 200 starts with 1ms of polling before each: about 0.2 s of CPU; off: a few ms
	cpu=$(jqt "$TMP/spin-1ms.json" round '.cpu.user_s + .cpu.sys_s')
	awk -v c="$cpu" 'BEGIN {exit !(c >= 0.1)}' || fail "--spin 1ms used only ${cpu}s of CPU"
	cpu=$(jqt "$TMP/spin-off.json" round '.cpu.user_s + .cpu.sys_s')
	awk -v c="$cpu" 'BEGIN {exit !(c < 0.08)}' || fail "--spin off used ${cpu}s of CPU"
	server_stop
}

t_server_json_stdout() {
	local ns sp
	new_ns ns a
	ip netns exec "$ns" "$CONNRATE" server --threads 1 --json - >"$TMP/sout" 2>"$TMP/serr" &
	sp=$!
	defer "kill -KILL $sp"
	wait_for 5 listening "$ns" $PORT || fail "no server"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 100 --duration 0.5 >/dev/null
	kill -USR1 $sp
	kill -TERM $sp
	wait $sp || fail "server exit status $?"
	# standard output is JSON Lines only: the snapshot and the final line
	jq -e -s 'length == 2 and .[0].final == false and .[1].final == true and .[1].accepted == 50' \
		"$TMP/sout" >/dev/null || fail "stdout: $(cat "$TMP/sout")"
	grep -q "^server: accepted 50" "$TMP/serr" || fail "no human line on stderr"
}

t_bad_input() {
	local args rc lines
	while IFS= read -r args; do
		rc=0
		# shellcheck disable=SC2086
		"$CONNRATE" $args >"$TMP/o" 2>"$TMP/e" || rc=$?
		lines=$(wc -l <"$TMP/e")
		[ "$rc" -eq 2 ] || fail "'$args': status $rc, want 2"
		[ "$lines" -eq 1 ] || fail "'$args': $lines lines on stderr"
		[ ! -s "$TMP/o" ] || fail "'$args': wrote to stdout"
	done <<EOA
client --target 127.0.0.1:1 --rate 0
client --target 127.0.0.1:1 --rate 1 --duration -1
client --target 127.0.0.1:99999 --rate 1
client --target 127.0.0.1:1 --rate 1 --request /nonexistent
client --rate 1
server --port 0
server --response /nonexistent
saturate --target 127.0.0.1:1 --factor 0.5
frobnicate
client --target 127.0.0.1:1 --rate 1 --json /nonexistent/dir/x.json
EOA
}

t_interval() {
	local ns j=$TMP/ivl.json
	new_ns ns a
	server_up "$ns"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 400 --duration 2 \
		--interval 500ms --threads 2 --json "$j" >/dev/null
	[ "$(jq -s 'map(select(.type=="interval")) | map(.index) | join(",")' -r "$j")" = "0,1,2,3" ] ||
		fail "intervals: $(jq -c -s 'map(select(.type=="interval")) | map({index,started})' "$j")"
	# the intervals add up to the round
	jq -e -s '(map(select(.type=="interval")) | map(.started) | add) == (map(select(.type=="round"))[0].started) and
		(map(select(.type=="interval")) | map(.ok) | add) == (map(select(.type=="round"))[0].ok)' "$j" >/dev/null ||
		fail "intervals do not add up"
	jq -e -s 'map(select(.type=="interval")) | all(.started >= 150 and .started <= 250)' "$j" >/dev/null ||
		fail "uneven intervals: $(jq -c -s 'map(select(.type=="interval")) | map(.started)' "$j")"
}

t_status_line() {
	local ns
	need script
	new_ns ns a
	server_up "$ns"
	# on a terminal (script gives one) a status line appears once a second
	ip netns exec "$ns" script -qec "$CONNRATE client --target 127.0.0.1:$PORT --rate 200 --duration 2.5" \
		/dev/null >"$TMP/tty" 2>&1 || fail "client failed"
	grep -aq "open loop  started [0-9]* *ok [0-9]*" "$TMP/tty" || fail "no status line: $(cat -v "$TMP/tty" | head -5)"
	# and not when stderr is a file
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --rate 200 --duration 1.2 >/dev/null 2>"$TMP/err"
	[ ! -s "$TMP/err" ] || fail "status line on a file: $(cat -v "$TMP/err")"
}

t_sources_and_targets() {
	local ns srcs ports
	new_ns ns a
	server_up "$ns" --port 7171-7172
	wait_for 5 listening "$ns" 7172 || fail "no listener on 7172"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:7171 --target 127.0.0.1:7172 \
		--source 127.0.0.2-127.0.0.4 --rate 300 --duration 1 --json "$TMP/st.json" >/dev/null
	[ "$(jqt "$TMP/st.json" round .ok)" -eq 300 ] || fail "ok $(jqt "$TMP/st.json" round .ok)"
	srcs=$(ip netns exec "$ns" ss -Htan state time-wait | awk '{split($3, a, ":"); print a[1]}' | sort -u | tr '\n' ' ')
	[ "$srcs" = "127.0.0.2 127.0.0.3 127.0.0.4 " ] || fail "source addresses: '$srcs'"
	ports=$(ip netns exec "$ns" ss -Htan state time-wait | awk '{n = split($4, a, ":"); print a[n]}' | sort -u | tr '\n' ' ')
	[ "$ports" = "7171 7172 " ] || fail "target ports: '$ports'"
}

run_test "core: 2 s at 1000/s, TcpActiveOpens delta == started" t_rate_round
run_test "core: a rate list runs one round per rate" t_rate_list
run_test "core: closed loop (--concurrency)" t_closed_loop
run_test "core: --close rst leaves no TIME_WAIT, fin does" t_close_rst
run_test "core: IPv6" t_ipv6
run_test "core: payload bytes == sizes x connections, both sides" t_payload
run_test "core: no server: every connection 'refused'" t_refused
run_test "core: silent target: 'timeout', round ends on time" t_silent
run_test "core: a round ends by --duration + --timeout at any rate" t_bounded_round
run_test "core: --respond-after http serves curl" t_http_curl
run_test "core: --no-half-close drives nginx" t_nginx_no_half_close
run_test "core: SIGINT mid-round: partial round, exit 130" t_sigint
run_test "core: server accepted == client started" t_server_counts
run_test "core: a reset mid-request is a reset, not a served request" t_reset_mid_request
run_test "core: a server's RST after the answer: ok only with --expect-bytes" t_server_rst
run_test "core: slow connect(): behind, yet connections in flight are served" t_slow_starts
run_test "core: --cpus pins; a connection stays on its client's CPU" t_cpus
run_test "core: --spin polls before starts: fixed, off, learnt" t_spin
run_test "core: server --sched: SCHED_BATCH by default, or inherit" t_sched
run_test "core: lone connections cost one accept4 each, bursts drain" t_accept_once
run_test "core: bad input: exit 2, one line, nothing on stdout" t_bad_input
run_test "core: server --json -: JSON alone on stdout, SIGUSR1 snapshot" t_server_json_stdout
run_test "core: --interval lines add up to the round" t_interval
run_test "core: a live status line on a terminal only" t_status_line
run_test "core: --source range and several targets, round-robin" t_sources_and_targets
finish
