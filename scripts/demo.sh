#!/usr/bin/env bash
# make demo: a short real comparison in network namespaces.  Client, a
# stateful device under test (conntrack on) and a server; the kernel's
# default sysctls against the tuned profile, three rates of 3 s each.
# Needs root; the lab removes everything it built, also on Ctrl-C.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root for its network namespaces: sudo make demo" >&2
	exit 1
fi
out=$top/results/demo-$(date +%Y%m%d-%H%M%S)
cat <<TXT
connrate demo: client -> device under test (forwarding, stateful nft, conntrack) -> server,
profile 'default' (a stock kernel) against 'tuned' (sysctl-profiles/tuned.conf),
open loop at 2000, 5000 and 12000 new connections/s, 3 s each.
Watch the default profile run out of source ports, and the diagnosis say why.

TXT
"$top/connrate-lab" run --topology dut --profile default,tuned \
	--rate 2000,5000,12000 --duration 3 --cooldown 1 --timeout 2s --out "$out"
cat <<TXT

Open $out/report.html in a browser: the answer, the plots, every
round with its diagnosis, and how the run was made.  Also there:
rounds.jsonl (every round with the kernel's counters), summary.txt,
latency.svg.  Compare runs with
  $top/connrate-lab compare $out OTHER_DIR
TXT
