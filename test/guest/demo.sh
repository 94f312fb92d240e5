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

# A process to look at: a shell loop that keeps counting in its memory.
sh -c 'i=0; while :; do i=$((i + 1)); done' &
target=$!
sleep 1
echo "# snapctl request $target"
clone=$(snapctl request "$target")
echo "$clone"
[ -n "$clone" ] || fail "demo: snapctl request"
run snapctl state "$target"
run snapctl list
run snapctl threads "$clone"
echo "# head -n 5 /proc/$clone/maps"
head -n 5 "/proc/$clone/maps"
echo "# cat /proc/$clone/comm /proc/$clone/oom_score_adj"
cat "/proc/$clone/comm" "/proc/$clone/oom_score_adj"
run snapctl collect "$clone" -o /tmp/evidence || fail "demo: snapctl collect"
echo "# ls -s /tmp/evidence /tmp/evidence/segments | head"
ls -s /tmp/evidence /tmp/evidence/segments | head -n 12
echo "# head -c 400 /tmp/evidence/manifest.json"
head -c 400 /tmp/evidence/manifest.json
echo
run snapctl delete "$clone" || fail "demo: snapctl delete"
run snapctl list
kill "$target"
run rmmod procsnap || fail "demo: rmmod procsnap"
pass "demo ran"
