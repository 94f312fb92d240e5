#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make sure the Debian packages the build and the tests need are installed.
# As root: install what is missing (apt-get update first).  Otherwise: print
# the exact apt-get line and fail, so nothing happens behind the user's back.
#
# usage: test/deps.sh [generic|rt ...]   (kernel flavours whose headers to get)
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=vm/kernel.sh
. "$here/vm/kernel.sh"

flavours=("$@")
[ ${#flavours[@]} -gt 0 ] || flavours=(generic)

tools=(make gcc pkg-config check busybox-static qemu-system-x86 cpio kmod
       dkms gzip xz-utils sparse libelf-dev libssl-dev libarchive-dev libjson-c-dev libyara-dev yara gdb
       apparmor)

missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

is_root() { [ "$(id -u)" = 0 ]; }

# The kernel release behind a flavour comes from the apt lists.
wanted() {
	local f rel
	printf '%s\n' "${tools[@]}"
	for f in "${flavours[@]}"; do
		rel=$(procsnap_kernel_release "$f") || return 1
		echo "linux-headers-$rel"
	done
}

if pkgs=$(wanted 2>/dev/null); then
	mapfile -t need < <(missing_pkgs $pkgs)
	[ ${#need[@]} -eq 0 ] && exit 0
fi

if ! is_root; then
	# Without root we cannot refresh the lists: say what is missing as
	# best we can tell, and the exact line that fixes it.
	pkgs=$(wanted) || exit 1
	mapfile -t need < <(missing_pkgs $pkgs)
	echo "procsnap: missing build/test packages; install them with:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
	exit 1
fi

# A 5.10 kernel comes from bullseye, added pinned so that nothing else
# comes from it.
[[ ${PROCSNAP_KREL:-} == 5.10.* ]] && "$here/vm/kernels.sh" suites
# Refresh first: on a fresh or stale machine the lists may name a kernel
# whose packages are gone from the mirror.
apt-get update -qq
pkgs=$(wanted) || exit 1
mapfile -t need < <(missing_pkgs $pkgs)
[ ${#need[@]} -eq 0 ] && exit 0
echo "procsnap: installing ${need[*]}" >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	"${need[@]}" >/dev/null
