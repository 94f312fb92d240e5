#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Nothing lingers.  1000 request/kill cycles run by uid 1000 (lingerdrv:
# targets killed before, during and after their duplication, with and
# without WAIT, some snapshots deleted, some OWNED) leave the module's
# object counters at 0 and no clone.  The result of a finished request is
# delivered once: after WAIT reported it (done or failed), STATE says idle.
# A failed request whose target exits is freed.  max_snapshots_per_user
# bounds what one uid holds (snapshots plus requests in flight: EDQUOT),
# root included, each uid counted apart.
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-lib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots
CG=/sys/fs/cgroup
MAXP=/sys/module/procsnap/parameters/max_snapshots_per_user
cg_mounted=0
trap 'cleanup; hostile_restore; [ $cg_mounted = 1 ] && umount $CG; rmmod procsnap 2>/dev/null; exit 1' INT TERM
dev_open
# Yama off: uid 1000's snapshot clones are no descendants of their
# requester, whatever the rule for deleting them is at ptrace_scope 1.
yama 0
as1000() { runas 1000 1000 "$@"; }
# reload: a fresh module, so that what an earlier section left (the old
# module leaks) does not decide the next section's checks.
reload() {
	rmmod procsnap && modprobe procsnap && dev_open
}

# --- 1000 cycles as uid 1000 ---------------------------------------------------
seed=${LINGER_SEED:-$(($(date +%s) % 100000 + 1))}
as1000 lingerdrv 1000 "$seed" >/tmp/linger.out 2>&1
rc=$?
cat /tmp/linger.out
check "lingerdrv 1000 cycles exit 0 (exit $rc)" test $rc = 0
snapctl delete --all >/dev/null 2>&1
check_objects_zero "after 1000 uid-1000 request/kill cycles"
check "no clone left after the cycles ($(clones | xargs))" test -z "$(clones)"
echo "INFO: objects after the cycles: $(objects)"
check_rc "reload the module" 0 reload

# --- a result is delivered once ------------------------------------------------
if start_target once --size 1M --main sleep; then
	t=$TP
	if req "$t"; then
		c=$C
		check "snapctl request printed the clone ($c); STATE is then idle" \
			state_is "$t" idle
		check "the snapshot itself stays listed" \
			sh -c "snapctl list | grep -qE '^ *$c '"
		snapctl delete "$c" >/dev/null
	else
		fail "snapctl request of a sleeping target (exit $RC)"
	fi
	check_rc "REQUEST, then WAIT: done" 0 rawreq request "$t" --wait
	check "after WAIT reported done, STATE is idle" state_is "$t" idle
	snapctl delete --all >/dev/null
	kill_wait "$t"
fi
cleanup
check_objects_zero "results read once"
check_rc "reload the module" 0 reload

# --- failed requests (fork refused by pids.max) ----------------------------------
if ! grep -q " $CG cgroup2 " /proc/mounts; then
	mount -t cgroup2 none $CG && cg_mounted=1
fi
if [ -f $CG/cgroup.controllers ] && grep -qw pids $CG/cgroup.controllers; then
	echo +pids >$CG/cgroup.subtree_control 2>/dev/null
	mkdir -p $CG/linger
	echo 1 >$CG/linger/pids.max
	# joined: the target is in the cgroup, alone under pids.max 1
	joined() { grep -qx "$1" $CG/linger/cgroup.procs; }
	if start_target fx --size 1M --main sleep; then
		fx=$TP
		echo "$fx" >$CG/linger/cgroup.procs
		check "the target is alone in a cgroup with pids.max 1" joined "$fx"
		check_rc "REQUEST (no WAIT) of a target that may not fork" 0 \
			rawreq request "$fx"
		# The duplication has been tried once no work is left.
		check "the duplication was tried (works=0: $(objects))" \
			poll 30 sh -c "grep -q ' works=0 ' $OBJECTS"
		check "the failed request is still there, unread ($(objects))" \
			sh -c "grep -q '^requests=1 ' $OBJECTS"
		kill_wait "$fx"
		if poll 10 objects_zero; then
			pass "the failed request is freed when its target exits ($(objects))"
		else
			fail "the failed request of a dead target lingers: $(objects)"
		fi
	fi
	if start_target fy --size 1M --main sleep; then
		fy=$TP
		echo "$fy" >$CG/linger/cgroup.procs
		check_rc "REQUEST + WAIT of a target that may not fork: failed EAGAIN" 0 \
			rawreq request "$fy" --wait --expect failed:EAGAIN
		check "after WAIT reported failed, STATE is idle" state_is "$fy" idle
		check "the read failure is freed while the target lives ($(objects))" \
			poll 10 objects_zero
		kill_wait "$fy"
	fi
	cleanup
	poll 10 sh -c "[ ! -s $CG/linger/cgroup.procs ]"
	rmdir $CG/linger
else
	skip "failed requests: no cgroup v2 pids controller"
fi
[ $cg_mounted = 1 ] && umount $CG && cg_mounted=0
check_objects_zero "failed requests"
check_rc "reload the module" 0 reload

# --- max_snapshots_per_user ------------------------------------------------------
max0=$(cat $MAXP 2>/dev/null)
check "max_snapshots_per_user exists, default 64 ('$max0')" test "$max0" = 64
echo 3 >$MAXP 2>/dev/null
check "max_snapshots_per_user can be set to 3 ($(cat $MAXP 2>/dev/null))" \
	test "$(cat $MAXP 2>/dev/null)" = 3
rm -f /tmp/mx.info*
if start_info mx runas 1000 1000 plantpat --info /tmp/mx.info; then
	mx=$TP
	cs=""
	for i in 1 2 3; do
		c=$(as1000 snapctl request "$mx" --timeout 120s 2>/tmp/req.err)
		rc=$?
		check "uid 1000: snapshot $i of 3 (exit $rc, clone $c)" test $rc = 0
		cs="$cs $c"
	done
	check_rc "uid 1000: a 4th REQUEST: EDQUOT" 0 \
		as1000 rawreq request "$mx" --wait --expect EDQUOT
	check "uid 1000 holds 3 snapshots" \
		test "$(as1000 snapctl list 2>/dev/null | grep -cE '^ *[0-9]+ ')" = 3
	check_rc "root: REQUEST of the same target is not counted against uid 1000" 0 \
		rawreq request "$mx" --wait
	check_rc "root: its 2nd snapshot" 0 rawreq request "$mx" --wait
	check_rc "root: its 3rd snapshot" 0 rawreq request "$mx" --wait
	# Root is counted too, not exempt: 3 of its own now.
	check_rc "root: a 4th REQUEST of its own: EDQUOT" 0 \
		rawreq request "$mx" --wait --expect EDQUOT
	# shellcheck disable=SC2086 # the clone pids, one word each
	set -- $cs
	check_rc "uid 1000 deletes one of its snapshots" 0 as1000 snapctl delete "$1"
	TPREFIX="runas 1000 1000"
	if start_target mxb --size 1M --main read --fifo /tmp/mxb.fifo; then
		check_rc "uid 1000 (2 held): a pending REQUEST is the 3rd" 0 \
			as1000 rawreq request "$TP"
		check "it is pending" state_is "$TP" requested
		check_rc "uid 1000 (2 held + 1 in flight): another REQUEST: EDQUOT" 0 \
			as1000 rawreq request "$mx" --wait --expect EDQUOT
		as1000 snapctl cancel "$TP" >/dev/null 2>&1
	fi
	# shellcheck disable=SC2034 # read by snaplib's start_target
	TPREFIX=""
	check_rc "uid 1000 (2 held, nothing in flight): a REQUEST succeeds again" 0 \
		as1000 rawreq request "$mx" --wait
fi
cleanup
[ -n "$max0" ] && echo "$max0" >$MAXP
check_objects_zero "max_snapshots_per_user"

# --- nothing left behind ----------------------------------------------------
hostile_restore
check "no clone left on the system" test -z "$(clones)"
check_objects_zero "46-linger"
check_rc "rmmod procsnap" 0 rmmod procsnap
