#!/usr/bin/env bash
# Install the Debian packages listed in scripts/debian-packages.txt that
# are missing.  Installs nothing when all are there.
set -eu
list=$(dirname "$0")/debian-packages.txt
missing=()
while read -r pkg; do
	case $pkg in ''|'#'*) continue ;; esac
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$pkg")
done <"$list"
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages: ${missing[*]}; run as root (sudo make deps)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# nginx and sshd are started by the tests themselves, inside the lab's
# namespaces: their packages must not start a server on the host, nor
# enable one for its next boot.  A policy-rc.d that says no keeps the
# install from starting them; the units they bring are disabled after.
guard=/usr/sbin/policy-rc.d
if [ ! -e $guard ]; then
	printf '#!/bin/sh\n# connrate deps: no service starts during this install\nexit 101\n' >$guard
	chmod 755 $guard
	trap 'rm -f $guard' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
units=()
for pkg in "${missing[@]}"; do
	case $pkg in
	openssh-server) units+=(ssh.service ssh.socket) ;;
	nginx*) units+=(nginx.service) ;;
	esac
done
if [ ${#units[@]} -gt 0 ] && [ -d /run/systemd/system ]; then
	systemctl disable --quiet "${units[@]}" 2>/dev/null || true
	echo "deps: ${units[*]} installed for the tests, not enabled on this host"
fi
