#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms add/build/remove of this tree against the installed headers of a
# Debian kernel flavour, the way a user's host builds procsnap.  Needs root
# (dkms writes /usr/src and /var/lib/dkms); prints PASS:/FAIL:/SKIP: lines.
#
# usage: test/dkms.sh [generic|rt]
set -uo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$top/test/vm/kernel.sh"

rel=$(procsnap_kernel_release "${1:-generic}") || exit 1
ver=$(cat "$top/VERSION")

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: dkms build needs root"
	exit 0
fi

cleanup() {
	dkms remove -m procsnap -v "$ver" --all >/dev/null 2>&1
	rm -rf "/usr/src/procsnap-$ver"
}
cleanup

make -s -C "$top" dkms-install DESTDIR= >/dev/null
if dkms add -m procsnap -v "$ver" >/tmp/procsnap-dkms.log 2>&1; then
	echo "PASS: dkms add procsnap/$ver"
else
	echo "FAIL: dkms add procsnap/$ver"
	cat /tmp/procsnap-dkms.log
fi
if dkms build -m procsnap -v "$ver" -k "$rel" >/tmp/procsnap-dkms.log 2>&1 &&
   ko=$(find "/var/lib/dkms/procsnap/$ver/$rel" -name 'procsnap.ko*' | head -n1) &&
   [ -n "$ko" ] && modinfo -F vermagic "$ko" | grep -q "^$rel "; then
	echo "PASS: dkms build procsnap/$ver for $rel"
else
	echo "FAIL: dkms build procsnap/$ver for $rel"
	cat /tmp/procsnap-dkms.log
	cat "/var/lib/dkms/procsnap/$ver/build/make.log" 2>/dev/null
fi
cleanup
exit 0
