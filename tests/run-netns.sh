#!/usr/bin/env bash
# Run the end-to-end tests in tests/netns (all, or those named), each in
# network namespaces it creates and removes itself.  Needs root; without it
# every test is skipped with the reason, except under CI, where a skip is
# a failure (CI runs as root with every tool installed).
set -u
results=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
	set -- $(cd "$here/netns" && ls test_*.sh)
fi
status=0
for t in "$@"; do
	name=${t%.sh}
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: $name: needs root (network namespaces)"
		if [ "${CI:-}" = true ]; then echo "0 1 0"; else echo "0 0 1"; fi \
			>"$results/netns-$name.count"
		continue
	fi
	COUNT_FILE="$results/netns-$name.count" bash "$here/netns/$t" || status=1
	[ -s "$results/netns-$name.count" ] || {
		echo "$name: died before counting" | tee "$results/netns-$name.fail"
		echo "0 1 0" >"$results/netns-$name.count"
	}
done
exit $status
