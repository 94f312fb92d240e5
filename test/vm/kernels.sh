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

# A URL is served (HEAD).  Without curl or wget, assume it is.
served() {
	if command -v curl >/dev/null; then
		curl -sfI --max-time 30 "$1" >/dev/null
	elif command -v wget >/dev/null; then
		wget -q --spider --timeout=30 "$1"
	fi
}

SERIES=('5\.10\.0-[0-9]+' '6\.1\.0-[0-9]+' '6\.12\.[0-9]+\+deb12')

# For each series and flavour, its newest release whose headers apt knows
# and whose image the mirror serves: a mirror may list packages it does
# not serve (seen: bullseye-security's newest 5.10 rt images), and the VM
# needs the image that matches the headers exactly.  A series apt knows
# nothing of (bullseye not added yet) is left out; the others are listed.
list() {
	local names f series rel uri
	local -a cands=()
	local -A uris=()

	# Releases with both headers and an image package.
	names=$(sort <(apt-cache pkgnames linux-headers- | sed -n 's/^linux-headers-//p') |
		comm -12 - <(apt-cache pkgnames linux-image- | sed -n 's/^linux-image-//p' | sort))
	# The four newest of each are the candidates; one apt call gives
	# every candidate image's URL.
	for f in amd64 rt-amd64; do
		for series in "${SERIES[@]}"; do
			mapfile -t -O "${#cands[@]}" cands < <(grep -E "^$series-$f\$" <<<"$names" |
				sort -rV | head -n4)
		done
	done
	[ ${#cands[@]} -gt 0 ] || return 0
	while read -r uri rel; do
		uris[$rel]=$uri
	done < <(apt-get download --print-uris "${cands[@]/#/linux-image-}" 2>/dev/null |
		sed -n "s/^'\([^']*\)' linux-image-\([^_]*\)_.*/\1 \2/p")
	for f in amd64 rt-amd64; do
		for series in "${SERIES[@]}"; do
			for rel in $(printf '%s\n' "${cands[@]}" | grep -E "^$series-$f\$"); do
				uri=${uris[$rel]:-}
				if [ -n "$uri" ] && served "$uri"; then
					echo "$rel"
					break
				fi
			done
		done
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
