#!/usr/bin/env bash
# Tests of the test runners themselves: a failure, unit or end-to-end, is
# named again under "Failed:" just above the closing count line, where a
# log cut to its tail (CI's) still shows it; without failures there is no
# such list.  Writes RESULTS/runners.count for summary.sh.
set -u
results=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/crrunners.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

check() { # NAME CONDITION...
	local name=$1; shift
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "runners: $name: failed" | tee -a "$results/runners.fail"
	fi
}

# a cmocka binary that fails one test, as cmocka prints it
mkdir -p "$tmp/r1"
cat >"$tmp/fake_unit" <<'EOF'
#!/bin/sh
echo '[ RUN      ] test_works'
echo '[       OK ] test_works'
echo '[ RUN      ] test_broken'
echo '[  ERROR   ] --- 0x8 != 0x7'
echo '[   LINE   ] --- tests/unit/fake.c:36: error: Failure!'
echo '[  FAILED  ] test_broken'
echo '[==========] 2 test(s) run.'
echo '[  PASSED  ] 1 test(s).'
echo '[  FAILED  ] 1 test(s), listed below:'
echo '[  FAILED  ] test_broken'
exit 1
EOF
chmod +x "$tmp/fake_unit"
"$here/run-unit.sh" "$tmp/r1" "$tmp/fake_unit" >/dev/null
# an end-to-end test file that fails one test
cat >"$tmp/test_fake.sh" <<EOF
. "$here/netns/lib.sh"
t_bad() { echo "a detail"; fail "it broke: 5 of 7"; }
t_good() { true; }
run_test "fake: fails" t_bad
run_test "fake: passes" t_good
finish
EOF
COUNT_FILE="$tmp/r1/netns-test_fake.count" bash "$tmp/test_fake.sh" >/dev/null
"$here/summary.sh" "$tmp/r1" >"$tmp/out1"
rc=$?
check "exit 1 on failures" [ "$rc" -eq 1 ]
check "count line last" [ "$(tail -n1 "$tmp/out1")" = "2 passed, 2 failed" ]
# the list: between "Failed:" and the count line
sed -n '/^Failed:$/,$p' "$tmp/out1" >"$tmp/list1"
check "unit failure listed" grep -q '^fake_unit:$' "$tmp/list1"
check "unit assertion listed" grep -q 'fake.c:36: error' "$tmp/list1"
check "netns failure listed" grep -q '^test_fake.sh: fake: fails$' "$tmp/list1"
check "netns reason listed" grep -q 'it broke: 5 of 7' "$tmp/list1"
check "passing test not listed" bash -c "! grep -q 'fake: passes' '$tmp/list1'"

# all passing: no list
mkdir -p "$tmp/r2"
echo "3 0 1" >"$tmp/r2/unit-x.count"
"$here/summary.sh" "$tmp/r2" >"$tmp/out2"
rc=$?
check "exit 0 without failures" [ "$rc" -eq 0 ]
check "no list without failures" bash -c "! grep -q '^Failed:' '$tmp/out2'"
check "skips counted" [ "$(tail -n1 "$tmp/out2")" = "3 passed, 0 failed, 1 skipped" ]

echo "runners: $passed passed, $failed failed"
echo "$passed $failed 0" >"$results/runners.count"
[ "$failed" -eq 0 ]
