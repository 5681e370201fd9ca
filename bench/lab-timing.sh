#!/usr/bin/env bash
# Time `connrate-lab up dut` and `down` against the same done with ip
# commands (bench/lab-ip.sh); prints the median of N runs (default 10) in ms.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-10}
p=crbt$$
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
trap '"$top/connrate-lab" down $p >/dev/null 2>&1; "$top/bench/lab-ip.sh" down $p 2>/dev/null; true' EXIT
for tool in lab ip; do
	: >/tmp/$p.up; : >/tmp/$p.down
	for _ in $(seq "$n"); do
		t0=$(now)
		if [ $tool = lab ]; then "$top/connrate-lab" up dut --name $p >/dev/null; else "$top/bench/lab-ip.sh" up $p; fi
		t1=$(now)
		if [ $tool = lab ]; then "$top/connrate-lab" down $p >/dev/null; else "$top/bench/lab-ip.sh" down $p; fi
		t2=$(now)
		echo $(((t1 - t0) / 1000)) >>/tmp/$p.up
		echo $(((t2 - t1) / 1000)) >>/tmp/$p.down
	done
	printf '%-28s up %7.1f ms   down %7.1f ms   (median of %d)\n' \
		"$([ $tool = lab ] && echo "connrate-lab" || echo "ip/nft commands")" \
		"$(median </tmp/$p.up | awk '{print $1/1000}')" "$(median </tmp/$p.down | awk '{print $1/1000}')" "$n"
done
rm -f /tmp/$p.up /tmp/$p.down
