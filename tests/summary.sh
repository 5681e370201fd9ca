#!/usr/bin/env bash
# Add up every runner's counts into the closing line:
#   N passed, M failed[, K skipped]
# Exit 1 when anything failed or nothing ran.
set -u
results=$1
p=0 f=0 s=0
for c in "$results"/*.count; do
	[ -e "$c" ] || continue
	read -r a b k <"$c"
	p=$((p + a)); f=$((f + b)); s=$((s + ${k:-0}))
done
echo
if [ "$f" -gt 0 ]; then
	# each failure again, at the end, where a log cut to its tail shows it
	echo "Failed:"
	for c in "$results"/*.fail; do
		[ -e "$c" ] && cat "$c"
	done
fi
if [ "$s" -gt 0 ]; then
	echo "$p passed, $f failed, $s skipped"
else
	echo "$p passed, $f failed"
fi
[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
