#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The README's demo, run inside the VM by `make demo`: what a user sees.
. /tests/lib.sh

run() {
	echo "# $*"
	"$@"
	rc=$?
	[ $rc = 0 ] || echo "(exit $rc)"
	return $rc
}

run modprobe procsnap || fail "demo: modprobe procsnap"
run ls -l /dev/procsnap
run snapctl version || fail "demo: snapctl version"
run snapctl version --json || fail "demo: snapctl version --json"
run rmmod procsnap || fail "demo: rmmod procsnap"
run snapctl version
pass "demo ran"
