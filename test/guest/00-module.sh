#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The module skeleton: load, device node, VERSION ioctl and ABI checks,
# permissions, unload.
. /tests/lib.sh

check_rc "modprobe procsnap loads the module" 0 modprobe procsnap
check "/dev/procsnap is a character device" test -c /dev/procsnap
misc_major=$(awk '$2 == "misc" { print $1 }' /proc/devices)
check "/dev/procsnap is a misc device" \
	test "$(stat -c '%t' /dev/procsnap)" = "$(printf '%x' "$misc_major")"

# The node must be as closed as the shipped udev rule makes it, even with no
# udev running (devtmpfs takes the mode from the module).
want_mode=$(sed -n 's/.*MODE="0\{0,1\}\([0-7]*\)".*/\1/p' \
	/etc/udev/rules.d/70-procsnap.rules)
got=$(stat -c '%a %U %G' /dev/procsnap)
if [ "$got" = "$want_mode root root" ]; then
	pass "/dev/procsnap mode $got matches the udev rule"
else
	fail "/dev/procsnap is '$got', udev rule says $want_mode root root"
fi

abi_test /dev/procsnap "$PROCSNAP_VERSION"

check_rc "snapctl version answers" 0 snapctl version
check_out "snapctl version shows the module version" "$PROCSNAP_VERSION"
check_rc "snapctl version --json answers" 0 snapctl version --json
check_out "snapctl version --json shows ABI 1" '"abi": ?1'

check_rc "a non-root user cannot open /dev/procsnap" 4 \
	runas 65534 65534 snapctl version
check_out "the non-root error names the cause" "ermission"

check_rc "rmmod procsnap unloads" 0 rmmod procsnap
check "/dev/procsnap is gone after unload" test ! -e /dev/procsnap
check_rc "snapctl version says module absent (exit 3)" 3 snapctl version
check_out "the absent-module message tells what to do" "modprobe procsnap"

# Load/unload cycles must not leave anything behind (a leak or a stuck
# reference shows as a failed rmmod or a kernel warning).
ok=1
i=0
while [ $i -lt 20 ]; do
	modprobe procsnap && snapctl version >/dev/null && rmmod procsnap ||
		{ ok=0; break; }
	i=$((i + 1))
done
[ $ok = 1 ] && pass "20 load/use/unload cycles" ||
	fail "load/use/unload cycle $i failed"
check "no procsnap module left loaded" sh -c '! grep -q "^procsnap " /proc/modules'
