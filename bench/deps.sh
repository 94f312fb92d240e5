#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian packages only the benchmarks need, in the style of test/deps.sh:
# as root, install what is missing; otherwise print the apt-get line and fail.
#   gnuplot-nox  the plots           rt-tests  cyclictest (copied into the VM)
#   openssl      the SHA-256 floor of the collection section (into the VM)
#   criu         criu dump case      procdump  procdump case
#   gdb          gcore case         python3   bench/report.py
#
# usage: bench/deps.sh
set -euo pipefail

pkgs=(gnuplot-nox rt-tests criu procdump gdb python3 openssl)

missing() {
	local p
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

mapfile -t need < <(missing)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "procsnap bench: missing packages; install them with:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
	exit 1
fi
apt-get update -qq
echo "procsnap bench: installing ${need[*]}" >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	"${need[@]}" >/dev/null
