#!/usr/bin/env bash
# make demo-gate: two nftables builds of a firewall, the second with 300
# rules that every new connection walks (a few microseconds more per
# connection, no error, no lost rate), compared the way a firewall's CI
# would: 5 repeats each, taking turns, then the gate with intervals.
# Needs root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "demo-gate: needs root: sudo make demo-gate" >&2; exit 1; }
out=$top/results/gate-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
"$top/scripts/nft-build.sh" "$out/a.nft" 0
"$top/scripts/nft-build.sh" "$out/b.nft" 300
echo "== build a: accept established; build b: the same, plus 300 rules for new connections"
echo "== 5 repeats of each, 2 s at 6000/s, taking turns (about a minute)"
"$top/connrate-lab" run --topology dut --profile tuned --rate 6000 --duration 2 --repeat 5 \
	--build "a=nft:$out/a.nft" --build "b=nft:$out/b.nft" --out "$out/run" --force |
	grep '^\[' || true
echo
echo "== the regression test a CI would run: connrate-lab gate $out/run --baseline a --current b"
rc=0
"$top/connrate-lab" gate "$out/run" --baseline a --current b || rc=$?
echo
case $rc in
1) echo "the gate caught build b: exit status 1" ;;
0) echo "the gate passed build b (a machine this busy may hide the difference: run it again)" ;;
*) echo "the gate could not compare (exit status $rc)"; exit 1 ;;
esac
