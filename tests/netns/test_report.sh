#!/usr/bin/env bash
# report.html: written by run and compare, its table matches rounds.jsonl,
# and a real browser (headless Chromium) renders it offline: no console
# message, no request, the SVGs hold the expected series.  Screenshots at
# 1280 px width are kept with the test's output.
. "$(dirname "$0")/lib.sh"

LAB=${CONNRATE_LAB:-$TOP/connrate-lab}
case $LAB in /*) ;; *) LAB=$TOP/${LAB#./} ;; esac
FIX=$TOP/tests/fixtures
# kept after the test: next to the runner's counts, or under build/
SHOTS=$(dirname "${COUNT_FILE:-$TOP/build/report/x}")/report-shots
mkdir -p "$SHOTS"

# Expected <path class="series ..."> in a page of rounds file $1: achieved (one
# per column), p50 and p99 (two), and per offered rate where some connection
# ended ok, latency and connect (two).
expected_series() {
	jq -s -r 'map(select(.type == "round")) |
		(map([.profile, (.build // "")]) | unique | length) as $c |
		(map(select(.client.ok > 0) | [.profile, (.build // ""), .client.target_rate]) |
			unique | length) as $p | 3 * $c + 2 * $p' "$@"
}

# The table's cells of class $2 in page $1, one a line, tags dropped.
cells() {
	grep -o "<td class=\"$2\">[^<]*" "$1" | sed 's/^<td class="[a-z0-9]*">//'
}

t_run_writes_page() {
	local out=$TMP/run
	defer "$LAB" down cr${UNIQ}rp
	"$LAB" run --name cr${UNIQ}rp --out "$out" --topology loopback --profile default \
		--rate 300,600 --duration 1 >"$TMP/log" 2>&1 || fail "run: $(tail -3 "$TMP/log")"
	[ -s "$out/report.html" ] || fail "no report.html: $(ls "$out")"
	grep -q "^report: $out/report.html" "$TMP/log" || fail "run did not say where the page is"
	# the table read back against the records
	[ "$(cells "$out/report.html" started | tr '\n' ' ')" = \
	  "$(jq -r 'select(.type == "round") | .client.started' "$out/rounds.jsonl" | tr '\n' ' ')" ] ||
		fail "started: page $(cells "$out/report.html" started | tr '\n' ' ')"
	[ "$(cells "$out/report.html" achieved | tr '\n' ' ')" = \
	  "$(jq -r 'select(.type == "round") | .client.achieved_rate * 10 | round / 10 |
		if . == floor then "\(.).0" else "\(.)" end' "$out/rounds.jsonl" | tr '\n' ' ')" ] ||
		fail "achieved: page $(cells "$out/report.html" achieved | tr '\n' ' ')"
	[ "$(grep -o '<path class="series ' "$out/report.html" | wc -l)" -eq \
	  "$(expected_series "$out/rounds.jsonl")" ] || fail "series count"
	# compare writes its page next to its plot, in the first directory
	"$LAB" compare "$out" "$out" >"$TMP/cmp" 2>&1 || fail "compare: $(cat "$TMP/cmp")"
	[ -s "$out/compare.html" ] || fail "compare wrote no page"
	cp "$out/report.html" "$SHOTS/run-report.html"
}

# Chromium's own traffic (clock and component updates), not the page's.
NBR=0
OWN='^(GET|POST) http://(clients2\.google\.com/time/|update\.googleapis\.com/)|^CONNECT (update\.googleapis\.com|redirector\.gvt1\.com):443 '

# Chromium on page $1 inside a namespace with only lo, every request sent as
# to a proxy on 127.0.0.1:9, where a listener (perl-base, always there) logs
# each request line and closes, so a fetch fails fast.  Writes $2.dom,
# $2.err, $2.png, $2.req; returns 1 on the first check that fails.
browse() {
	local page=$1 base=$2 ns
	NBR=$((NBR + 1))
	new_ns ns "br$NBR" || return 1
	bg_in "$ns" perl -MIO::Socket::INET -e '$| = 1;
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 9,
					      Listen => 64, ReuseAddr => 1) or die "listen: $!";
		while (my $c = $s->accept) { my $l = <$c>; print $l if defined $l; close $c }' \
		>"$base.req"
	local logger=$BG_PID
	wait_for 5 listening "$ns" 9 || { fail "no request logger"; return 1; }
	local chrome=(timeout 60 ip netns exec "$ns" chromium --headless --no-sandbox --disable-gpu
		--no-first-run --user-data-dir="$TMP/chrome" --proxy-server=127.0.0.1:9
		--disable-background-networking --disable-component-update
		--enable-logging=stderr --v=0 --hide-scrollbars)
	"${chrome[@]}" --dump-dom "file://$page" >"$base.dom" 2>"$base.err" ||
		{ fail "chromium failed: $(tail -3 "$base.err")"; return 1; }
	"${chrome[@]}" --window-size=1280,2400 --screenshot="$base.png" "file://$page" \
		>/dev/null 2>>"$base.err" || { fail "no screenshot"; return 1; }
	kill -TERM "$logger"
	if grep -Ev "$OWN" "$base.req" | grep -q .; then
		fail "the page made requests: $(grep -Ev "$OWN" "$base.req" | head -3)"
		return 1
	fi
	# the page's console (Chromium's own pages log under chrome://)
	if grep -E 'CONSOLE.*source: file://' "$base.err"; then
		fail "console messages above"
		return 1
	fi
	# a PNG 1280 px wide (bytes 16..19 of the header)
	[ "$(od -An -tu1 -j16 -N4 "$base.png" | awk '{print $1*16777216+$2*65536+$3*256+$4}')" = 1280 ] ||
		{ fail "screenshot is not 1280 px wide"; return 1; }
}

t_browser() {
	local d
	need chromium jq
	for d in report-demo report-ab report-errs report-full; do
		mkdir -p "$TMP/$d"
		cp "$FIX/$d/run.json" "$FIX/$d/rounds.jsonl" "$TMP/$d/"
		"$LAB" compare "$TMP/$d" >/dev/null 2>&1 || fail "compare $d"
		browse "$TMP/$d/compare.html" "$SHOTS/$d" || return 1
		# the rendered DOM holds every series (SVG parsed inline, not as text)
		[ "$(grep -o '<path class="series ' "$SHOTS/$d.dom" | wc -l)" -eq \
		  "$(expected_series "$TMP/$d/rounds.jsonl")" ] ||
			fail "$d: $(grep -o '<path class="series ' "$SHOTS/$d.dom" | wc -l) series rendered"
		grep -q '<section id="answer">' "$SHOTS/$d.dom" || fail "$d: no answer"
	done
	echo "    screenshots in $SHOTS"
}

# The checks can fail: a page that fetches and logs is caught.
t_browser_catches() {
	need chromium jq
	printf '<!DOCTYPE html><html><body><img src="http://192.0.2.1/x.png"><script>console.error("x")</script></body></html>\n' \
		>"$TMP/bad.html"
	if browse "$TMP/bad.html" "$TMP/bad" >"$TMP/badout" 2>&1; then
		fail "a page with a request and a console error passed"
	fi
	grep -q "made requests: GET http://192.0.2.1/x.png" "$TMP/badout" ||
		fail "the request was not caught: $(cat "$TMP/badout")"
	# and a console message alone
	printf '<!DOCTYPE html><html><body><script>console.error("x")</script></body></html>\n' \
		>"$TMP/bad.html"
	if browse "$TMP/bad.html" "$TMP/bad" >"$TMP/badout" 2>&1; then
		fail "a page with a console error passed"
	fi
	grep -q "console messages" "$TMP/badout" || fail "the message was not caught: $(cat "$TMP/badout")"
}

run_test "run writes report.html; its table matches rounds.jsonl" t_run_writes_page
run_test "chromium renders the pages offline, every series, 1280 px" t_browser
run_test "chromium check catches a request and a console error" t_browser_catches
finish
