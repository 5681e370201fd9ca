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
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
