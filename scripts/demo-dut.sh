#!/usr/bin/env bash
# make demo-dut: two "firewall builds" played by connrate-dut, one that
# spends 2 us of CPU per packet and one that spends 20 us, each saturated
# through the dut topology; then the knees side by side, the sentence a
# firewall developer wants, and the gate that CI would run.  Needs root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "demo-dut: needs root: sudo make demo-dut" >&2; exit 1; }
when=$(date +%Y%m%d-%H%M%S)
a=$top/results/dut-A-$when
b=$top/results/dut-B-$when
sat=(--topology dut --profile tuned --saturate --start 1000 --factor 1.5 --duration 2
     --cooldown 1 --refine 2 --timeout 2s)
echo "== build A: connrate-dut --cost-us 2"
"$top/connrate-lab" run "${sat[@]}" --dut-sim "--cost-us 2" --out "$a" >/dev/null
echo "== build B: connrate-dut --cost-us 20"
"$top/connrate-lab" run "${sat[@]}" --dut-sim "--cost-us 20" --out "$b" >/dev/null
echo
"$top/connrate-lab" compare "$a" "$b"
ka=$(jq -r 'select(.type=="saturation") | .rate' "$a/rounds.jsonl")
kb=$(jq -r 'select(.type=="saturation") | .rate' "$b/rounds.jsonl")
echo
awk -v a="$ka" -v b="$kb" 'BEGIN {
	if (b < a) printf "build B is %.0f%% slower at new connections than build A (knee %.0f/s against %.0f/s)\n", 100 * (a - b) / a, b, a
	else printf "build B is not slower than build A (knee %.0f/s against %.0f/s)\n", b, a }'
echo
echo "the regression test a CI would run: connrate-lab gate $a $b"
"$top/connrate-lab" gate "$a" "$b" || echo "(exit status $?: B regressed)"
