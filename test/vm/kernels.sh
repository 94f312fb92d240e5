#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel matrix procsnap is tested on, and getting its headers.
#
#   test/vm/kernels.sh list            one release a line: 5.10, 6.1, 6.12 x generic, rt
#   test/vm/kernels.sh install         (root) headers of every release in the list
#   test/vm/kernels.sh suites          (root) only add the suites (bullseye, pinned)
#
# 5.10 comes from bullseye, which this script adds to apt with
# Pin-Priority 1: apt never picks a bullseye package on its own, only the
# versioned kernel packages named here, so nothing else is upgraded.
set -euo pipefail

bullseye_list=/etc/apt/sources.list.d/procsnap-bullseye.sources
bullseye_pref=/etc/apt/preferences.d/procsnap-bullseye

add_bullseye() {
	[ -f "$bullseye_list" ] && return 0
	cat >"$bullseye_list" <<'EOT'
# Added by procsnap's test/vm/kernels.sh: Debian 11's 5.10 kernels only.
Types: deb
URIs: http://deb.debian.org/debian
Suites: bullseye
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bullseye-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
	cat >"$bullseye_pref" <<'EOT'
# procsnap: bullseye only for packages asked for by exact name.
Package: *
Pin: release n=bullseye
Pin-Priority: 1

Package: *
Pin: release n=bullseye-security
Pin-Priority: 1
EOT
	apt-get update -qq
}

# The newest release of a series whose headers apt knows, e.g.
# newest '6\.12\.[0-9]+\+deb12' rt-amd64 -> 6.12.115+deb12-rt-amd64
# Nothing when apt knows none (bullseye not added yet): the other series
# are still listed.
newest() {
	apt-cache pkgnames linux-headers- |
		{ grep -E "^linux-headers-$1-$2\$" || true; } |
		sed 's/^linux-headers-//' | sort -V | tail -n1
}

list() {
	local f
	for f in amd64 rt-amd64; do
		newest '5\.10\.0-[0-9]+' "$f"
		newest '6\.1\.0-[0-9]+' "$f"
		newest '6\.12\.[0-9]+\+deb12' "$f"
	done
}

case "${1:-list}" in
list)
	list ;;
install)
	[ "$(id -u)" = 0 ] || { echo "kernels.sh install: run as root" >&2; exit 1; }
	add_bullseye
	mapfile -t rels < <(list)
	pkgs=()
	for r in "${rels[@]}"; do
		pkgs+=("linux-headers-$r")
	done
	# 6.12's BTF needs pahole.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends dwarves "${pkgs[@]}" >/dev/null
	printf '%s\n' "${rels[@]}" ;;
suites)
	[ "$(id -u)" = 0 ] || { echo "kernels.sh suites: run as root" >&2; exit 1; }
	add_bullseye ;;
*)
	echo "usage: $0 list|install|suites" >&2; exit 1 ;;
esac
