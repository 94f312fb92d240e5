#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Races in a request's life, on a target with thousands of threads (most
# asleep on a futex for good, some in nanosleep, two spinning): REQUEST
# followed at once by CANCEL from another process, a WAIT with a 1 ns
# timeout, the requester killed (-9) while its REQUEST or WAIT runs (OWNED
# and not), kill -9 of the clone then DELETE, two processes deleting one
# clone.  After each: the target lives and progresses (heartbeat), the
# module's object counters are back at 0, no clone is left.  The loops are
# in hbtool (test/guest/prog/hbtool.c); HBTOOL_SEED repeats a run.
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-b-lib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots
raise_limits

# Thousands of threads: what TCG bears in a few minutes (each snapshot of
# such a target takes seconds there); the target says how many it made.
NT=${HB44_THREADS:-2000}
# Each loop stops early (saying so) when its budget runs out.
export HBTOOL_BUDGET="${HB44_BUDGET:-20}"
if ! hb_start big manythreads --threads "$NT" --busy 2 --sleepers 40 \
	--stack 32 --best-effort; then
	cleanup
	rmmod procsnap
	exit 1
fi
big=$TP
n=$(ival big threads)
check "the target has $n threads (wanted $NT$(ival big create_error))" \
	test "$n" -ge 2000

# A snapshot at all, and what it costs here.
hb_step "44-races: one snapshot of $n threads"
t0=$(now_cs)
if req "$big"; then
	pass "a snapshot of $n threads ($(($(now_cs) - t0)) cs, pause $(list_json_field "$C" pause_ns) ns)"
	check "it records $n threads" test "$(hbtool threads "$C")" = "$n"
	check "it holds the planted pattern" hbtool checkpat "$C" \
		"$(ival big pat)" "$(ival big pat_size)" "$(ival big seed)"
	snapctl delete "$C" >/dev/null
else
	fail "a snapshot of $n threads (exit $RC)"
fi
after_each "one snapshot" big

run_tool wait1ns hbtool wait1ns "$big" 12
after_each "WAIT 1 ns" big

run_tool killreq-owned hbtool killreq "$big" 6 owned
after_each "requester killed (OWNED)" big

run_tool killreq hbtool killreq "$big" 6
after_each "requester killed (not OWNED)" big

run_tool killclone hbtool killclone "$big" 4
after_each "kill -9 clone + DELETE" big

run_tool ddelete hbtool ddelete "$big" 4
after_each "concurrent DELETE" big

# Last: on the old module this race oopses (a use after free of the request).
run_tool reqcancel hbtool reqcancel "$big" 16
after_each "REQUEST+CANCEL" big

hb_finish
