#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# How long a snapshot holds its target, by resident size: a writer of 4 MB,
# 100 MB and 1 GB (every page touched before the request), snapshotted three
# times each.  Not part of make check (1 GB under TCG is slow); run with
# `test/vm/run.sh --tests pause` and read the PAUSE lines.
. /tests/lib.sh
. /tests/snaplib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots

# field NAME: a number from the one-snapshot `snapctl list --json`.
field() { snapctl list --json | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }

for size in 4M 100M 1G; do
	start_target "p$size" --size "$size" --main write || continue
	t=$TP
	# One whole pass: every page of the buffer is resident.
	if ! poll 600 seq_above "p$size" 0; then
		fail "pause $size: the target writes its buffer"
		cleanup
		continue
	fi
	for i in 1 2 3; do
		if ! req "$t"; then
			fail "pause $size: snapshot $i"
			continue
		fi
		echo "PAUSE: size=$size run=$i pause_ns=$(field pause_ns)" \
		     "quiesce_ns=$(field quiesce_ns)" \
		     "resident_bytes=$(field resident_bytes)" \
		     "pagetable_bytes=$(field pagetable_bytes)"
		check "pause $size: snapshot $i deleted" snapctl delete "$C"
	done
	cleanup
done
check "no clone left" test -z "$(clones)"
check_rc "rmmod procsnap" 0 rmmod procsnap
