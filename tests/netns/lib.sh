# lib.sh - shared helpers of the end-to-end tests (after the kernel
# selftests' lib.sh).  Every namespace a test makes has a unique name that
# starts with "cr", and its removal is registered the moment it exists, so
# every exit path (failure, signal, set -e) removes it and nothing else.
#
# A test script defines functions and calls `run_test NAME FUNC`; each
# prints "TEST: NAME [ OK ]" or "[FAIL]" or "[SKIP]" with a reason.  At the
# end `finish` writes the counts for summary.sh and exits.

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CONNRATE=${CONNRATE:-$TOP/connrate}
case $CONNRATE in /*) ;; *) CONNRATE=$TOP/${CONNRATE#./} ;; esac
# the LD_PRELOAD shim that slows connect() (tests/preload, built by make)
PRELOAD=$TOP/build/tests/slowconnect.so
TMP=$(mktemp -d /tmp/crtest.XXXXXX)
UNIQ=$(printf '%04x%04x' $$ $((RANDOM)))
PASSED=0 FAILED=0 SKIPPED=0
DEFERRED=()

defer() { DEFERRED+=("$*"); }

run_deferred() {
	local i
	for ((i = ${#DEFERRED[@]} - 1; i >= 0; i--)); do
		eval "${DEFERRED[i]}" >/dev/null 2>&1 || true
	done
	DEFERRED=()
}

cleanup_all() {
	run_deferred
	rm -rf "$TMP"
}
trap cleanup_all EXIT
trap 'exit 130' INT TERM

# new_ns VAR TAG: a fresh namespace with lo up, its name in VAR; removed
# when the current test ends.  (Not through $(...): the removal must be
# registered in the test's own shell.)
new_ns() {
	local _name="cr${UNIQ}$2"
	ip netns add "$_name" || return 1
	defer ip netns del "$_name"
	ip -n "$_name" link set lo up
	eval "$1=\$_name"
}

# Start a command in the background inside ns; its PID goes to $BG_PID and
# it is ended (by that PID) when the test ends.
bg_in() {
	local ns=$1; shift
	ip netns exec "$ns" "$@" &
	BG_PID=$!
	defer "kill -TERM $BG_PID; wait $BG_PID"
}

# Wait up to $1 seconds for a command to succeed.
wait_for() {
	local secs=$1; shift
	local end=$((SECONDS + secs))
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.05
	done
}

# The value of host sysctl $1 (dotted name) from before any lab took it:
# the save of the lab that holds it now, else its current value.  A test
# keeps this for its safety net, never a value another lab set meanwhile.
host_key_before() {
	local save=/run/connrate/host.d/$1
	if [ -f "$save" ]; then
		awk '$1 == "old" { print $2 }' "$save"
	else
		sysctl -n "$1"
	fi
}

# The processes left in session $1 but its leader: a lab started with
# `setsid` leaves its children in its session, so a test sees its own
# leftovers only, never those of a lab another test runs beside it.
session_left() { pgrep -s "$1" | grep -vx "$1"; }

listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q LISTEN; }

# One counter of /proc/net/snmp or /proc/net/netstat, as nstat names it
# (TcpActiveOpens, TcpExtListenOverflows, ...), read inside ns.
counter() {
	ip netns exec "$1" cat /proc/net/snmp /proc/net/netstat | awk -v want="$2" '
		$1 ~ /:$/ { p = substr($1, 1, length($1) - 1)
			    if (!(p in hdr)) { hdr[p] = $0; next }
			    n = split(hdr[p], h); split($0, v)
			    for (i = 2; i <= n; i++) if (p h[i] == want) { print v[i]; exit } }'
}

# jq over the first object of a type in a JSON Lines file.
jqt() { jq -r "select(.type == \"$2\") | $3" "$1" | head -n1; }

fail() { echo "    $*"; return 1; }
skip() { echo "    skip: $*"; return 2; }
# A feature this kernel lacks (e.g. netem): skipped in CI as well, since
# CI's machines are built without it; anything else missing fails in CI.
skip_kernel() { echo "    skip: $*"; return 3; }

run_test() {
	local name=$1 fn=$2 rc
	( set -e; trap run_deferred EXIT; "$fn" ) >"$TMP/out" 2>&1
	rc=$?
	case $rc in
	0) printf 'TEST: %-62s [ OK ]\n' "$name"; PASSED=$((PASSED + 1)) ;;
	2) printf 'TEST: %-62s [SKIP]\n' "$name"; cat "$TMP/out"
	   if [ "${CI:-}" = true ]; then FAILED=$((FAILED + 1)); else SKIPPED=$((SKIPPED + 1)); fi ;;
	3) printf 'TEST: %-62s [SKIP]\n' "$name"; cat "$TMP/out"; SKIPPED=$((SKIPPED + 1)) ;;
	*) printf 'TEST: %-62s [FAIL]\n' "$name"; sed 's/^/    /' "$TMP/out" | tail -n 30
	   FAILED=$((FAILED + 1))
	   # summary.sh repeats these last, where a cut log still shows them
	   [ -n "${COUNT_FILE:-}" ] &&
		{ echo "$(basename "$0"): $name"; sed 's/^/    /' "$TMP/out" | tail -n 5; } \
			>>"${COUNT_FILE%.count}.fail" ;;
	esac
}

finish() {
	[ -n "${COUNT_FILE:-}" ] && echo "$PASSED $FAILED $SKIPPED" >"$COUNT_FILE"
	[ "$FAILED" -eq 0 ]
	exit $?
}

need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || { skip "$t is not installed (make deps)"; return 2; }
	done
}
