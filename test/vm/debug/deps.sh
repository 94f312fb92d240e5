#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packages the debug kernel build needs: the kernel source and its build
# tools.  As root: install what is missing; otherwise print the apt-get line.
# The rt flavour's source, linux-source-6.12, is in bookworm-security (Debian
# 12's second kernel series), so plain bookworm sources serve it.
#
# usage: test/vm/debug/deps.sh [generic|rt]
set -euo pipefail
flavour=${1:-generic}

pkgs=(make gcc bc bison flex libelf-dev libssl-dev cpio rsync xz-utils kmod
      qemu-system-x86 busybox-static)
case "$flavour" in
generic) pkgs+=(linux-source-6.1) ;;
rt) pkgs+=(linux-source-6.12) ;;
*) echo "deps.sh: unknown flavour '$flavour'" >&2; exit 2 ;;
esac

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
	echo "procsnap: the debug kernel needs: ${need[*]}; install them with:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
	exit 1
fi

apt-get update -qq
echo "procsnap: installing ${need[*]}" >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	"${need[@]}" >/dev/null
