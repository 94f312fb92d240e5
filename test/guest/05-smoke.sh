#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The snapshot ioctls end to end through raw ioctls, before anything fancier.
. /tests/lib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
smoke
cat /sys/module/procsnap/parameters/objects
check "no object left" grep -q "requests=0 works=0 snapshots=0" \
	/sys/module/procsnap/parameters/objects
check_rc "rmmod procsnap" 0 rmmod procsnap
