#!/usr/bin/env bash
# Run cmocka test binaries; record "passed failed skipped" per binary in
# RESULTS/unit-NAME.count for summary.sh.  A binary that dies before its
# summary counts as one failure.
set -u
results=$1; shift
status=0
for bin in "$@"; do
	name=$(basename "$bin")
	log=$results/unit-$name.log
	"$bin" >"$log" 2>&1
	rc=$?
	cat "$log"
	passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$log" | tail -n1)
	failed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$log" | tail -n1)
	passed=${passed:-0}; failed=${failed:-0}
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		echo "$name: exited with status $rc before its summary" | tee "$results/unit-$name.fail"
		failed=1
	fi
	if [ "$failed" -ne 0 ]; then
		status=1
		# summary.sh repeats these last, where a cut log still shows them
		{ echo "$name:"; grep -E '^\[ +(ERROR|LINE|FAILED) +\]' "$log" |
			grep -v 'listed below' | awk '!seen[$0]++' | head -n 8 | sed 's/^/    /'; } >>"$results/unit-$name.fail"
	fi
	echo "$passed $failed 0" >"$results/unit-$name.count"
done
exit $status
