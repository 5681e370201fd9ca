#!/usr/bin/env bash
# The dut topology built with ip and nft commands, the kernel selftests'
# way: the yardstick for `connrate-lab up dut` in bench/lab-timing.sh.
# Usage: lab-ip.sh up|down PREFIX
set -eu
p=$2
case $1 in
up)
	for n in client dut server; do ip netns add $p-$n; ip -n $p-$n link set lo up
		ip netns exec $p-$n sysctl -qw net.ipv6.conf.default.accept_dad=0; done
	ip netns exec $p-dut sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip -n $p-client link add eth0 type veth peer name c0 netns $p-dut
	ip -n $p-dut link add s0 type veth peer name eth0 netns $p-server
	ip -n $p-client link set eth0 up; ip -n $p-dut link set c0 up
	ip -n $p-dut link set s0 up; ip -n $p-server link set eth0 up
	ip -n $p-client addr add 10.71.1.1/24 dev eth0; ip -n $p-client addr add fd71:1::1/64 dev eth0 nodad
	ip -n $p-dut addr add 10.71.1.254/24 dev c0; ip -n $p-dut addr add fd71:1::fe/64 dev c0 nodad
	ip -n $p-dut addr add 10.71.2.254/24 dev s0; ip -n $p-dut addr add fd71:2::fe/64 dev s0 nodad
	ip -n $p-server addr add 10.71.2.1/24 dev eth0; ip -n $p-server addr add fd71:2::1/64 dev eth0 nodad
	ip -n $p-client route add default via 10.71.1.254; ip -n $p-client -6 route add default via fd71:1::fe
	ip -n $p-server route add default via 10.71.2.254; ip -n $p-server -6 route add default via fd71:2::fe
	ip netns exec $p-dut nft -f - <<'EOT'
table inet connrate {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		ct state new accept
	}
}
EOT
	;;
down)
	for n in client dut server; do ip netns del $p-$n; done ;;
esac
