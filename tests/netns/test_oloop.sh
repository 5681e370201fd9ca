#!/usr/bin/env bash
# test_oloop.sh - the open loop's busy turns: a worker that polls instead
# of sleeping between starts still serves its connections, makes every
# start of the schedule and reports its lag; --batch: turns a batch apart,
# answers read late but timed by the kernel's stamp, bare FINs still
# timed when they come, starts late by what they waited.
. "$(dirname "$0")/lib.sh"
PORT=7171
head -c 64 /dev/zero | tr '\0' y >"$TMP/rsp64"	# a 64-byte answer

server_up() {
	local ns=$1; shift
	bg_in "$ns" "$CONNRATE" server --port $PORT --threads 1 --cpus none "$@"
	SERVER_PID=$BG_PID
	wait_for 5 listening "$ns" $PORT || fail "server did not listen"
}

# slow_server_up NS US ARGS...: the server with every send() US late (the
# preloaded shim of tests/preload)
slow_server_up() {
	local ns=$1 us=$2 env=(); shift 2
	case $CONNRATE in *asan*) env=(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0") ;; esac
	bg_in "$ns" env "${env[@]}" LD_PRELOAD="$PRELOAD" CR_SLOW_SEND_US="$us" \
		"$CONNRATE" server --port $PORT --threads 1 --cpus none "$@"
	SERVER_PID=$BG_PID
	wait_for 5 listening "$ns" $PORT || fail "server did not listen"
}

server_stop() {
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID" || fail "server exited with status $?"
}

# client NS NAME ARGS...: one open-loop round, 1 thread, JSON in $TMP/NAME.json
# (client and server unpinned: on a shared machine CPU 0, where every
# pinned first thread goes, may be the busiest)
client() {
	local ns=$1 name=$2; shift 2
	rm -f "$TMP/$name.json"
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --threads 1 --cpus none \
		--timeout 2s --json "$TMP/$name.json" "$@" >/dev/null ||
		fail "client $*: exit status $?"
}

# --spin busy at 5,000/s: every start of the schedule accounted for, all
# ok, the rate achieved (to 2%: a shared machine may stall the thread at
# the window's end, and a start late by more than 1 ms then is counted
# unstarted), lag reported with its keys in order.
t_busy_rate() {
	local ns
	new_ns ns a
	server_up "$ns"
	client "$ns" busy --rate 5000 --duration 1 --spin busy
	[ "$(jqt "$TMP/busy.json" round .config.spin)" = busy ] || fail "config does not say spin busy"
	jq -e 'select(.type == "round") | .started + .unstarted == 5000 and .ok == .started' \
		"$TMP/busy.json" >/dev/null ||
		fail "started $(jqt "$TMP/busy.json" round .started), ok $(jqt "$TMP/busy.json" round .ok)"
	jq -e 'select(.type == "round") | .achieved_rate >= 4900 and .achieved_rate <= 5000' \
		"$TMP/busy.json" >/dev/null || fail "achieved $(jqt "$TMP/busy.json" round .achieved_rate)/s of 5000"
	jq -e 'select(.type == "round") | .lag_us | (.min <= .p50 and .p50 <= .p99 and .p99 <= .max)' \
		"$TMP/busy.json" >/dev/null || fail "lag: $(jqt "$TMP/busy.json" round '.lag_us | tostring')"
	server_stop
}

# --spin busy polls the whole round: at 500/s (2 ms between starts) the
# worker never sleeps, --spin off sleeps before every start.  Counted in
# sleeps (cpu.wakeups), not CPU time: on a loaded machine a polling
# thread that yields gets little CPU, yet still never sleeps.
t_busy_polls() {
	local ns busy off
	new_ns ns b
	server_up "$ns"
	client "$ns" busy --rate 500 --duration 1 --spin busy
	client "$ns" off --rate 500 --duration 1 --spin off
	for f in busy off; do
		jq -e 'select(.type == "round") | .started + .unstarted == 500 and .ok == .started and .ok >= 450' \
			"$TMP/$f.json" >/dev/null || fail "--spin $f: ok $(jqt "$TMP/$f.json" round .ok) of 500"
	done
	busy=$(jqt "$TMP/busy.json" round .cpu.wakeups)
	off=$(jqt "$TMP/off.json" round .cpu.wakeups)
	[ "$busy" -le 50 ] && [ "$off" -ge 450 ] ||
		fail "sleeps in 500 starts: --spin busy $busy (want <= 50), off $off (want >= 450)"
	server_stop
}

# --spin auto, the default, at 5,000/s: the schedule is kept (every start
# accounted for, all ok, 98% made) whether its waits are polled or slept.
t_auto_rate() {
	local ns
	new_ns ns c
	server_up "$ns"
	client "$ns" auto --rate 5000 --duration 1
	jq -e 'select(.type == "round") | .started + .unstarted == 5000 and .ok == .started and .ok >= 4900' \
		"$TMP/auto.json" >/dev/null ||
		fail "started $(jqt "$TMP/auto.json" round .started), ok $(jqt "$TMP/auto.json" round .ok)"
	server_stop
}

# --batch 10ms at 100/s: a turn per start, and the answers (64 bytes) are
# read at the next one, 10 ms later; their latency is the kernel's arrival
# stamp's (about 0.1 ms on loopback), not when they were read, and they
# did not wake the worker: about one sleep per connection, not two.
t_batch_stamps() {
	local ns
	new_ns ns d
	server_up "$ns" --response "$TMP/rsp64"
	client "$ns" stamps --rate 100 --duration 2 --batch 10ms --expect-bytes 64
	jq -e 'select(.type == "round") | .started == 200 and .ok == 200 and .untimed == 0 and
		.config.batch_us == 10000 and .batch_us == 10000' "$TMP/stamps.json" >/dev/null ||
		fail "$(jqt "$TMP/stamps.json" round '[.started, .ok, .untimed, .config.batch_us, .batch_us] | tostring')"
	# read 10 ms late: timed when read, p50 would be some 10 ms
	jq -e 'select(.type == "round") | .latency_us.p50 < 3000 and .ttfb_us.p50 <= .latency_us.p50' \
		"$TMP/stamps.json" >/dev/null ||
		fail "latency not from the stamps: $(jqt "$TMP/stamps.json" round '[.latency_us.p50, .ttfb_us.p50] | tostring')"
	# answers that woke the worker: 2 sleeps per connection
	jq -e 'select(.type == "round") | .cpu.wakeups <= 1.3 * .ok + 20' "$TMP/stamps.json" >/dev/null ||
		fail "answers woke the worker: $(jqt "$TMP/stamps.json" round .cpu.wakeups) sleeps for 200"
	server_stop
}

# Answers without bytes (a bare FIN) carry no stamp: the worker reads them
# as they come, so they are timed as without --batch, and none untimed.
t_batch_bare_fin() {
	local ns
	new_ns ns e
	server_up "$ns"
	client "$ns" fin --rate 100 --duration 1 --batch 10ms
	jq -e 'select(.type == "round") | .ok == 100 and .untimed == 0 and .latency_us.p50 < 3000' \
		"$TMP/fin.json" >/dev/null ||
		fail "$(jqt "$TMP/fin.json" round '[.ok, .untimed, .latency_us.p50] | tostring')"
	server_stop
}

# --batch 2ms at 2,000/s: about four starts a turn, each late by what it
# waited (lag p50 some hundreds of us, at most the batch and the kernel's
# wake-up), every start made, even the last ones of the window.
t_batch_lag() {
	local ns
	new_ns ns f
	server_up "$ns"
	client "$ns" lag --rate 2000 --duration 1 --batch 2ms
	jq -e 'select(.type == "round") | .started == 2000 and .unstarted == 0 and .ok == 2000 and
		.lag_us.p50 >= 200 and .lag_us.p50 <= 2000 and .latency_us.p50 >= .lag_us.p50' \
		"$TMP/lag.json" >/dev/null ||
		fail "$(jqt "$TMP/lag.json" round '[.started, .unstarted, .ok, .lag_us.p50, .lag_us.p99, .latency_us.p50] | tostring')"
	# turns fall 10 ms apart from the first start on: those due in the
	# window's last 5 ms are made at the turn 5-10 ms after it, beyond the
	# 1 ms a late start is otherwise allowed, and still made
	client "$ns" tail --rate 500 --duration 1.005 --batch 10ms
	jq -e 'select(.type == "round") | .unstarted == 0 and .ok == .started and .started >= 502 and
		.lag_us.max >= 4000' "$TMP/tail.json" >/dev/null ||
		fail "the window's last starts: $(jqt "$TMP/tail.json" round '[.started, .unstarted, .ok, .lag_us.max] | tostring')"
	server_stop
}

# A server whose answer comes 30 ms late (a preloaded shim sleeps in its
# send()): at 20/s the answer is read at the next start, 50 ms after its
# own, yet its TTFB and latency are the stamp's, some 30 ms; with a 10 ms
# timeout every connection is a timeout, though read later still.
t_batch_slow() {
	local ns
	new_ns ns h
	head -c 100 /dev/zero >"$TMP/r100"
	slow_server_up "$ns" 30000 --response "$TMP/r100" || return 1
	client "$ns" slow --rate 20 --duration 1 --batch 10ms --expect-bytes 100
	jq -e 'select(.type == "round") | .ok == 20 and .ttfb_us.p50 >= 30000 and .ttfb_us.p50 < 40000 and
		.latency_us.p50 < 40000' "$TMP/slow.json" >/dev/null ||
		fail "$(jqt "$TMP/slow.json" round '[.ok, .ttfb_us.p50, .latency_us.p50] | tostring')"
	client "$ns" late --rate 20 --duration 1 --batch 10ms --expect-bytes 100 --timeout 10ms
	jq -e 'select(.type == "round") | .ok == 0 and .errors.timeout == 20' "$TMP/late.json" >/dev/null ||
		fail "timeouts: $(jqt "$TMP/late.json" round '[.ok, .errors.timeout] | tostring')"
	server_stop
}

# --batch auto picks the batch from a sleep's cost (at most 500 us)
t_batch_auto() {
	local ns
	new_ns ns g
	server_up "$ns"
	client "$ns" bauto --rate 5000 --duration 1 --batch auto
	# (98% made: on a loaded machine the window's last starts may be late)
	jq -e 'select(.type == "round") | .started + .unstarted == 5000 and .ok == .started and
		.ok >= 4900 and .config.batch == "auto" and .batch_us > 0 and .batch_us <= 500' \
		"$TMP/bauto.json" >/dev/null ||
		fail "$(jqt "$TMP/bauto.json" round '[.started, .ok, .config.batch, .batch_us, .lag_us.p99] | tostring')"
	server_stop
}

# A request larger than the socket's send buffer goes out over several
# writable events; with --batch, once all of it is out the connection must
# still wait for its answer (in the reap set), not sit unwatched until its
# timeout.
t_batch_big_request() {
	local ns
	new_ns ns i
	head -c 4000000 /dev/zero >"$TMP/req4m"
	server_up "$ns" --response "$TMP/rsp64"
	client "$ns" big --rate 20 --duration 1 --batch 1ms --request "$TMP/req4m" --expect-bytes 64
	jq -e 'select(.type == "round") | .started == 20 and .ok == 20 and .errors.timeout == 0' \
		"$TMP/big.json" >/dev/null ||
		fail "$(jqt "$TMP/big.json" round '[.started, .ok, .errors.timeout] | tostring')"
	server_stop
}
# strace_client NS NAME SYSCALLS ARGS...: client() under strace -c, counting
# SYSCALLS (comma-separated); then calls NAME SYSCALL prints one's count
strace_client() {
	local ns=$1 name=$2 trace=$3; shift 3
	rm -f "$TMP/$name.json"
	# LeakSanitizer (make check-asan) refuses to run under ptrace
	ip netns exec "$ns" env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -c -e trace="$trace" -o "$TMP/$name.strace" \
		"$CONNRATE" client --target 127.0.0.1:$PORT --threads 1 --cpus none \
		--timeout 2s --json "$TMP/$name.json" "$@" >/dev/null ||
		fail "client $* (under strace): exit status $?"
}
calls() { awk -v s="$2" '$NF == s {print $4; n++} END {if (!n) print 0}' "$TMP/$1.strace"; }

# --batch: an answer in by the next turn is read with recv alone, its
# socket never put in an epoll set (only one still unanswered is), and
# with --expect-bytes one recv is enough; every connection is stamped, a
# busy worker's too.
t_batch_no_epoll() {
	local ns ctl rcv ok so started
	need strace || return
	new_ns ns u
	server_up "$ns" --response "$TMP/rsp64"
	strace_client "$ns" quiet epoll_ctl,recvmsg --rate 1000 --duration 1 --batch 2ms --expect-bytes 64
	ok=$(jqt "$TMP/quiet.json" round .ok)
	ctl=$(calls quiet epoll_ctl)
	rcv=$(calls quiet recvmsg)
	[ "$ok" -eq 1000 ] || fail "ok $ok of 1000"
	# one per connection before; a handful (the loop's own, late answers) now
	[ "$ctl" -lt 300 ] || fail "$ctl epoll_ctl calls for 1000 connections (want < 300)"
	# the expected 64 bytes end it: no second recv for the FIN (EAGAIN or 0)
	[ "$rcv" -lt 1300 ] || fail "$rcv recvmsg calls for 1000 answers of 64 bytes (want < 1300)"
	# behind from the first start (strace slows it), never idle: stamped all the same
	strace_client "$ns" behind setsockopt --rate 50000 --duration 0.2 --batch 1ms --expect-bytes 64
	started=$(jqt "$TMP/behind.json" round .started)
	so=$(calls behind setsockopt)
	[ "$started" -gt 100 ] || fail "only $started started"
	[ "$so" -ge "$started" ] || fail "$so setsockopt calls (SO_TIMESTAMPNS) for $started connections"
	jq -e 'select(.type == "round") | .ok == .started and .untimed == 0' "$TMP/behind.json" >/dev/null ||
		fail "$(jqt "$TMP/behind.json" round '[.started, .ok, .untimed] | tostring')"
	server_stop
	# an answer longer than expected is read to its end, not cut (a reset)
	head -c 300000 /dev/zero >"$TMP/rsp300k"
	server_up "$ns" --response "$TMP/rsp300k"
	client "$ns" long --rate 50 --duration 1 --batch 2ms --expect-bytes 64
	jq -e 'select(.type == "round") | .ok == 50 and .bytes_received == 50 * 300000' \
		"$TMP/long.json" >/dev/null ||
		fail "$(jqt "$TMP/long.json" round '[.ok, .bytes_received, .errors] | tostring')"
	server_stop
	# ... also when a read that filled the client's 64 KiB buffer made
	# exactly the expected count (the rest still queued or on its way)
	slow_server_up "$ns" 2000 --response "$TMP/rsp300k"
	client "$ns" long64k --rate 50 --duration 1 --batch 2ms --expect-bytes 65536
	jq -e 'select(.type == "round") | .ok == 50 and .bytes_received == 50 * 300000' \
		"$TMP/long64k.json" >/dev/null ||
		fail "$(jqt "$TMP/long64k.json" round '[.ok, .bytes_received, .errors] | tostring')"
	server_stop
}

# counted_client NS NAME ARGS...: client (above) with the preloaded shim
# counting its epoll_ctl() calls into $TMP/NAME.count
counted_client() {
	local ns=$1 name=$2 env=(); shift 2
	case $CONNRATE in *asan*) env=(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0") ;; esac
	rm -f "$TMP/$name.json" "$TMP/$name.count"
	ip netns exec "$ns" env "${env[@]}" LD_PRELOAD="$PRELOAD" CR_COUNT_FILE="$TMP/$name.count" \
		"$CONNRATE" client --target 127.0.0.1:$PORT --threads 1 --cpus none \
		--timeout 2s --json "$TMP/$name.json" "$@" >/dev/null ||
		fail "client $*: exit status $?"
	[ -s "$TMP/$name.count" ] || fail "the shim wrote no count"
}

# A worker behind (here from its first start: 200,000/s is beyond one
# thread) read its answers 16 at a time and started up to a millisecond's
# worth between: connections piled up unread until --max-inflight, where
# answers wake the worker and every connection went through the epoll set
# (1000 connections of 1000; a third fewer made per second than without
# --batch).  It now starts no more than it reads between reads.
t_batch_behind() {
	local ns ok ctl
	new_ns ns w
	server_up "$ns" --response "$TMP/rsp64"
	counted_client "$ns" behind --rate 200000 --duration 1 --max-inflight 3000 --batch auto \
		--request "$TMP/rsp64" --expect-bytes 64
	ok=$(jqt "$TMP/behind.json" round .ok)
	ctl=$(awk '{print $2}' "$TMP/behind.count")
	[ "$ok" -gt 1000 ] || fail "ok $ok"
	[ $((ctl * 4)) -lt "$ok" ] || fail "$ctl epoll_ctl calls for $ok connections (want < a quarter)"
	server_stop
}

# Answers that take 5 ms (a server that sends late): a turn read every
# connection a quarter batch old, found most unanswered and watched them
# in the epoll set, a recv and a registration more each (1000 of 1000).
# Connections now wait twice the time answers have been taking.
t_batch_slow_answers() {
	local ns ok ctl
	new_ns ns x
	slow_server_up "$ns" 5000 --threads 16 --response "$TMP/rsp64"
	counted_client "$ns" slow --rate 1000 --duration 1 --batch auto \
		--request "$TMP/rsp64" --expect-bytes 64
	ok=$(jqt "$TMP/slow.json" round .ok)
	ctl=$(awk '{print $2}' "$TMP/slow.count")
	[ "$ok" -eq 1000 ] || fail "ok $ok of 1000"
	[ $((ctl * 4)) -lt "$ok" ] || fail "$ctl epoll_ctl calls for $ok connections (want < a quarter)"
	jq -e 'select(.type == "round") | .latency_us.p50 >= 5000 and .latency_us.p50 < 20000' \
		"$TMP/slow.json" >/dev/null || fail "latency p50 $(jqt "$TMP/slow.json" round .latency_us.p50) us"
	server_stop
}

# A worker behind with its answers in the reap set (here bare FINs, which
# wake it): a reap reads one wait's worth (256), and expire() failed the
# rest past their deadline as timeouts with their answers in (3,135 of
# 32,403 at 50 ms).  It now reads each before failing it.
t_batch_expire_reads() {
	local ns
	new_ns ns y
	server_up "$ns"
	client "$ns" bare --rate 200000 --duration 1 --batch auto --timeout 50ms
	jq -e 'select(.type == "round") | .started > 1000 and .errors.timeout * 100 < .started' \
		"$TMP/bare.json" >/dev/null ||
		fail "$(jqt "$TMP/bare.json" round '[.started, .ok, .errors.timeout] | tostring')"
	server_stop
}

# Answers of 300 KB, 20 ms late: more than a receive window, so the rest
# of each waits for the client's reads.  Held back for twice the answer
# time, they ended an answer time later (latency p50 43.6 ms for a time
# to first byte of 20.4); a worker whose answers are that large reads
# them as soon as it did before.
t_batch_big_slow() {
	local ns
	new_ns ns z
	head -c 300000 /dev/zero >"$TMP/rsp300k"
	slow_server_up "$ns" 20000 --threads 32 --response "$TMP/rsp300k"
	client "$ns" big --rate 300 --duration 1 --batch auto --expect-bytes 300000
	jq -e 'select(.type == "round") | .ok == 300 and .latency_us.p50 < 1.5 * .ttfb_us.p50' \
		"$TMP/big.json" >/dev/null ||
		fail "$(jqt "$TMP/big.json" round '[.ok, .latency_us.p50, .ttfb_us.p50] | tostring')"
	server_stop
}

# The round's last answers, 200 ms late, with no start left to make: the
# worker woke every batch to look (801 sleeps for 20 connections), and
# read them only twice the answer time after their start.  With no start
# left, answers wake it.
t_batch_tail() {
	local ns
	new_ns ns q
	slow_server_up "$ns" 200000 --threads 16 --response "$TMP/rsp64"
	client "$ns" tail --rate 20 --duration 1 --batch auto --request "$TMP/rsp64" --expect-bytes 64
	jq -e 'select(.type == "round") | .ok == 20 and .cpu.wakeups < 300' "$TMP/tail.json" >/dev/null ||
		fail "$(jqt "$TMP/tail.json" round '[.ok, .cpu.wakeups] | tostring')"
	server_stop
}

# --timeout below a quarter batch: a connection too young to be read at a
# turn is read all the same when its deadline comes (the round's last one
# used to be held back, then failed as a timeout with its answer in)
t_batch_short_timeout() {
	local ns
	new_ns ns v
	server_up "$ns" --response "$TMP/rsp64"
	client "$ns" short --rate 20 --duration 1 --batch 10ms --timeout 2ms --expect-bytes 64
	jq -e 'select(.type == "round") | .ok == 20 and .errors.timeout == 0 and .bytes_received == 20 * 64' \
		"$TMP/short.json" >/dev/null ||
		fail "$(jqt "$TMP/short.json" round '[.ok, .errors.timeout, .bytes_received] | tostring')"
	server_stop
}

# At 100/s with answers in some 0.1 ms and read 10 ms later, there are
# moments with no connection open: the kernel stamps packets only while
# some socket asks for stamps and turns that on with a delay, so without a
# socket held for the round a third of the answers came without a stamp,
# were timed when read (10 ms late) and were not counted untimed.
t_batch_sparse() {
	local ns
	new_ns ns j
	server_up "$ns" --response "$TMP/rsp64"
	client "$ns" sparse --rate 100 --duration 2 --batch 10ms --expect-bytes 64
	jq -e 'select(.type == "round") | .ok == 200 and .untimed == 0 and .latency_us.p90 < 5000' \
		"$TMP/sparse.json" >/dev/null ||
		fail "$(jqt "$TMP/sparse.json" round '[.ok, .untimed, .latency_us.p50, .latency_us.p90] | tostring')"
	server_stop
}

# The stamps are on the wall clock and the offset to the monotonic clock
# is taken when answers are read: a wall clock stepped forward in between
# (here: the client's CLOCK_REALTIME reads 1 s ahead of the kernel's, a
# preloaded shim) put arrivals before the connection began, and latencies
# went negative (wrapped to 2^64 ns).  Such a stamp is not believed: the
# answer is timed when read, and counted untimed.
t_batch_clock_step() {
	local ns env=()
	new_ns ns k
	server_up "$ns" --response "$TMP/rsp64"
	case $CONNRATE in *asan*) env=(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0") ;; esac
	ip netns exec "$ns" env "${env[@]}" LD_PRELOAD="$PRELOAD" CR_REALTIME_AHEAD_US=1000000 \
		"$CONNRATE" client --target 127.0.0.1:$PORT --threads 1 --cpus none --timeout 2s \
		--json "$TMP/step.json" --rate 100 --duration 1 --batch 10ms --expect-bytes 64 >/dev/null ||
		fail "client: exit status $?"
	jq -e 'select(.type == "round") | .ok == 100 and .untimed >= 90 and .latency_us.min > 0 and
		.latency_us.max < 100000 and .ttfb_us.max <= .latency_us.max' "$TMP/step.json" >/dev/null ||
		fail "$(jqt "$TMP/step.json" round '[.ok, .untimed, .latency_us.min, .latency_us.max, .ttfb_us.max] | tostring')"
	server_stop
}

# SIGINT while an answer is on its way (the server answers 200 ms late;
# the first answer, with bytes, stopped answers from waking the worker):
# the round ends when it comes, as without --batch, not a second later
# at the stop's grace.
t_batch_sigint() {
	local ns pid rc=0 t0 t1
	new_ns ns l
	slow_server_up "$ns" 200000 --response "$TMP/rsp64" || return 1
	ip netns exec "$ns" "$CONNRATE" client --target 127.0.0.1:$PORT --threads 1 --cpus none \
		--rate 2 --duration 5 --batch 10ms --expect-bytes 64 --json "$TMP/int.json" >/dev/null &
	pid=$!
	sleep 0.62
	t0=$(date +%s%N)
	kill -INT $pid
	wait $pid || rc=$?
	t1=$(date +%s%N)
	[ "$rc" -eq 130 ] || fail "exit status $rc, want 130"
	jq -e 'select(.type == "round") | .interrupted and .started == 2 and .ok == 2' \
		"$TMP/int.json" >/dev/null || fail "$(jqt "$TMP/int.json" round '[.interrupted, .started, .ok, .errors.timeout] | tostring')"
	[ $(((t1 - t0) / 1000000)) -lt 600 ] || fail "stopped $(((t1 - t0) / 1000000)) ms after SIGINT"
	server_stop
}

# --timeout shorter than the batch: the server answers 7 ms late, the
# timeout is 5 ms, and the worker reads answers 10 ms apart.  Read after
# the answer came but judged after its deadline, each was counted ok with
# a latency above the timeout; it is a timeout, as without --batch.
t_batch_timeout() {
	local ns
	new_ns ns m
	slow_server_up "$ns" 7000 --response "$TMP/rsp64" || return 1
	client "$ns" short --rate 100 --duration 1 --batch 10ms --expect-bytes 64 --timeout 5ms
	jq -e 'select(.type == "round") | .started == 100 and .ok == 0 and .errors.timeout == 100' \
		"$TMP/short.json" >/dev/null ||
		fail "$(jqt "$TMP/short.json" round '[.started, .ok, .errors.timeout, .latency_us.max] | tostring')"
	server_stop
}

# --max-inflight 1: a slot is freed only when its answer is read, so a
# worker at the limit must be woken by answers; reading them a batch
# apart made at most one connection a batch (500/s, --batch 5ms: 195
# made, 305 unstarted, lag 300 ms).
t_batch_max_inflight() {
	local ns
	new_ns ns n
	server_up "$ns" --response "$TMP/rsp64"
	# a batch of 10 ms at 200/s: one start a turn would make 100 of 200;
	# a few may miss the window on a loaded machine (each must be done
	# within 5 ms), none should wait for the next turn
	client "$ns" mi --rate 200 --duration 1 --batch 10ms --max-inflight 1 --expect-bytes 64
	jq -e 'select(.type == "round") | .started >= 190 and .started + .unstarted == 200 and
		.ok == .started and .lag_us.p50 < 10000' "$TMP/mi.json" >/dev/null ||
		fail "$(jqt "$TMP/mi.json" round '[.started, .unstarted, .ok, .lag_us.p50] | tostring')"
	server_stop
}

# --max-inflight 1 and a server that never answers (it waits for a
# half-close that --no-half-close never sends): every start is overdue
# behind the one in flight, and each turn's start found the slot taken
# before the timeout freed it.  Nothing then was left to wake the worker
# (no start due, no deadline): it slept for good after the first
# connection, with or without --batch.
t_inflight_timeouts() {
	local ns b rc
	new_ns ns o
	server_up "$ns"
	for b in off 3ms; do
		rc=0
		rm -f "$TMP/it.json"
		ip netns exec "$ns" timeout 10 "$CONNRATE" client --target 127.0.0.1:$PORT --threads 1 \
			--cpus none --rate 2000 --duration 0.5 --batch $b --max-inflight 1 --timeout 1ms \
			--no-half-close --json "$TMP/it.json" >/dev/null || rc=$?
		[ $rc -eq 0 ] || fail "--batch $b: exit status $rc" || return 1
		jq -e 'select(.type == "round") | .started >= 100 and .ok == 0 and
			.errors.timeout == .started and .started + .unstarted == 1000' "$TMP/it.json" >/dev/null ||
			fail "--batch $b: $(jqt "$TMP/it.json" round '[.started, .unstarted, .errors.timeout] | tostring')" ||
			return 1
	done
	server_stop
}

t_batch_input() {
	local rc o
	for o in "--batch 0" "--batch 20ms" "--batch x" "--batch 1ms --concurrency 5" \
		"--batch auto --spin busy" "--batch 1ms --spin 50us"; do
		rc=0
		# shellcheck disable=SC2086 # the words of $o
		"$CONNRATE" client --target 127.0.0.1:1 $o $([[ $o = *concurrency* ]] || echo --rate 10) \
			--duration 0.1 >/dev/null 2>"$TMP/err" || rc=$?
		[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "'$o': exit $rc: $(cat "$TMP/err")"
	done
}

run_test "oloop: --spin busy at 5000/s: rate achieved, lag reported" t_busy_rate
run_test "oloop: --spin busy never sleeps between starts, off does" t_busy_polls
run_test "oloop: --spin auto at 5000/s on one thread: the schedule kept" t_auto_rate
run_test "oloop: --batch: answers read late, timed by the kernel's stamp" t_batch_stamps
run_test "oloop: --batch: bare FIN answers read as they come" t_batch_bare_fin
run_test "oloop: --batch 2ms: starts late by what they waited, all made" t_batch_lag
run_test "oloop: --batch: a late answer timed by its stamp, a timeout kept" t_batch_slow
run_test "oloop: --batch auto: a batch from a sleep's cost" t_batch_auto
run_test "oloop: --batch: a request sent over several events, then its answer read" t_batch_big_request
run_test "oloop: --batch: sparse connections stamped all the same" t_batch_sparse
run_test "oloop: --batch: answers read by one recv, no epoll; a busy worker's stamped" t_batch_no_epoll
run_test "oloop: --batch: --timeout under a quarter batch: answers read in time" t_batch_short_timeout
run_test "oloop: --batch: a worker behind starts no more than it reads" t_batch_behind
run_test "oloop: --batch: slow answers read when they are in, not watched" t_batch_slow_answers
run_test "oloop: --batch: a worker behind reads what is past its deadline first" t_batch_expire_reads
run_test "oloop: --batch: answers larger than a window read as they come" t_batch_big_slow
run_test "oloop: --batch: the round's last answers wake the worker" t_batch_tail
run_test "oloop: --batch: a wall clock step does not make latency negative" t_batch_clock_step
run_test "oloop: --batch: SIGINT ends the round when the answers come" t_batch_sigint
run_test "oloop: --batch: an answer after the timeout is a timeout" t_batch_timeout
run_test "oloop: --batch: at --max-inflight, answers wake the worker" t_batch_max_inflight
run_test "oloop: --max-inflight 1, all timeouts: the worker goes on" t_inflight_timeouts
run_test "oloop: --batch: bad values and combinations: exit 2, one line" t_batch_input
finish
