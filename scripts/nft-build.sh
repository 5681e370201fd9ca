#!/usr/bin/env bash
# scripts/nft-build.sh FILE RULES: an nftables "firewall build" for the A/B
# demos and bench: accept established traffic, and make every new
# connection walk RULES rules that never match (a few hundred nanoseconds
# each), so RULES sets how much more a new connection costs.
set -eu
{
	echo "table inet build {"
	echo "	chain forward {"
	echo "		type filter hook forward priority 10; policy accept;"
	echo "		ct state established,related accept"
	awk -v n="$2" 'BEGIN { for (i = 0; i < n; i++)
		printf "\t\tip saddr 192.0.2.%d tcp dport %d drop\n", i % 250 + 1, 1000 + i }'
	echo "	}"
	echo "}"
} >"$1"
