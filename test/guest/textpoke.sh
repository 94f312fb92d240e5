#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The emulator, not procsnap: does the VM run kernel text the guest patches
# while both vCPUs execute it?  Each system freeze (pm_test "freezer", no
# delay) flips the freezer_active static key twice, rewriting every
# freezing() site with int3 patching, while two shell loops fork and take
# signals through those sites on both CPUs.  procsnap is not loaded.
#   test/vm/run.sh --tests textpoke [--tcg multi] [PROCSNAP_KREL=...]
# QEMU 7.2 with --tcg multi: 6.12 panics ("Oops: int3") within seconds, 6.1
# stalls; with --tcg single both finish.  TEXTPOKE_FREEZES sets the count.
. /tests/lib.sh

n=${TEXTPOKE_FREEZES:-3000}
if ! [ -w /sys/power/pm_test ] || ! grep -qw freezer /sys/power/pm_test; then
	skip "text patching: no pm_test freezer (CONFIG_PM_DEBUG)"
	exit 0
fi
echo freezer >/sys/power/pm_test
echo 0 >/sys/module/suspend/parameters/pm_test_delay

(while :; do /bin/true; done) &
l1=$!
(while :; do /bin/true; done) &
l2=$!
t0=$(date +%s)
i=0 failed=0
while [ "$i" -lt "$n" ]; do
	echo freeze >/sys/power/state || failed=$((failed + 1))
	i=$((i + 1))
done
kill "$l1" "$l2"
wait 2>/dev/null
echo none >/sys/power/pm_test
echo "textpoke: $n freezes in $(( $(date +%s) - t0 )) s, $failed refused"
check "every one of $n system freezes succeeded" [ "$failed" = 0 ]
