#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Services and cgroups: a target in a cgroup v2 of its own, a snapshot of it
# held, and what a service manager does to that cgroup.  (a) cgroup.freeze
# completes (cgroup.events "frozen 1" within 10 s) and thaws; (c) the clone
# is not in the target's cgroup (so memory.oom.group cannot take it with
# the target, nor the target with it); (b) cgroup.kill kills the target,
# the cgroup empties and can be removed in bounded time (systemd stopping a
# service), and the snapshot survives: it still exists, reads back the
# planted pattern (directly and through snapctl collect) and is then
# deleted cleanly.  Contract 12: the clone moves to the root cgroup a moment
# after the request is done.
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-b-lib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots

if ! root=$(cgroup2_root); then
	skip "cgroup v2 cannot be mounted: nothing to test"
	rmmod procsnap
	exit 0
fi
cg=$root/hb47
rmdir "$cg" 2>/dev/null
mkdir "$cg"
# memory.oom.group needs the memory controller in the target's cgroup.
memcg=0
if grep -qw memory "$root/cgroup.controllers" &&
	echo +memory >"$root/cgroup.subtree_control" 2>/dev/null &&
	[ -e "$cg/memory.oom.group" ]; then
	memcg=1
fi

if ! hb_start svc manythreads --threads 8 --busy 1 --sleepers 4; then
	cleanup
	rmmod procsnap
	exit 1
fi
svc=$TP
echo "$svc" >"$cg/cgroup.procs"
check "the target is in its cgroup" grep -qx "$svc" "$cg/cgroup.procs"
pat=$(ival svc pat) psz=$(ival svc pat_size) seed=$(ival svc seed)

if ! req "$svc"; then
	fail "a snapshot of the target (exit $RC)"
	cleanup
	rmmod procsnap
	exit 1
fi
c=$C
pass "a snapshot of the target is held (clone $c)"

# --- (c) where the clone lives --------------------------------------------
# A worker moves it a moment after the request is done (the move may wait
# for an RCU grace period, which the clone itself must not wait for).
tcg=$(cat "/proc/$svc/cgroup")
moved() { [ "$(cat "/proc/$c/cgroup")" != "$tcg" ]; }
t0=$(now_cs)
poll 10 moved
ccg=$(cat "/proc/$c/cgroup")
echo "target cgroup: $tcg, clone cgroup: $ccg"
check "the clone leaves the target's cgroup within 10 s ($ccg, $(($(now_cs) - t0)) cs)" \
	test "$ccg" != "$tcg"
check "the clone is not listed in the target's cgroup.procs" \
	sh -c "! grep -qx $c $cg/cgroup.procs"
if [ $memcg = 1 ]; then
	# memory.oom.group kills a whole cgroup's tasks: the clone's absence
	# from it is what keeps it apart.  Provoking a real OOM kill under
	# TCG is slow and nondeterministic; the membership is the contract.
	echo 1 >"$cg/memory.oom.group"
	check "memory.oom.group set on the target's cgroup" \
		grep -qx 1 "$cg/memory.oom.group"
	check "memory.oom.group cannot select the clone: it is in another memory cgroup" \
		test "$ccg" != "$tcg"
else
	skip "memory.oom.group: no memory controller ($(cat "$root/cgroup.controllers"))"
fi

# --- (a) freeze ------------------------------------------------------------
echo 1 >"$cg/cgroup.freeze"
t0=$(now_cs)
if poll 10 cg_frozen "$cg"; then
	pass "cgroup.freeze completes with a snapshot held ($(($(now_cs) - t0)) cs)"
	check "the target is frozen: no progress" sh -c \
		"! hbtool progress $svc $(ival svc hb) 1"
else
	fail "cgroup.freeze completes with a snapshot held: not frozen after 10 s ($(tr '\n' ' ' <"$cg/cgroup.events"))"
fi
echo 0 >"$cg/cgroup.freeze"
check "thawed: the target progresses" hbtool progress "$svc" "$(ival svc hb)" 10
check "thawed: cgroup.events frozen 0" poll 10 sh -c "grep -qx 'frozen 0' $cg/cgroup.events"
check "the snapshot is still there after the freeze" sh -c \
	"snapctl list | grep -qE '^ *$c '"

# --- (b) cgroup.kill -----------------------------------------------------------
if [ -e "$cg/cgroup.kill" ]; then
	echo 1 >"$cg/cgroup.kill"
	check "cgroup.kill: the target dies" poll 10 gone "$svc"
	wait "$svc" 2>/dev/null
	hb_forget
	check "cgroup.kill: the cgroup becomes empty within 10 s" \
		poll 10 cg_empty "$cg"
	check "cgroup.kill: the cgroup can be removed" poll 10 rmdir "$cg"
	check "the snapshot survives the kill of its target (clone $c)" \
		sh -c "snapctl list | grep -qE '^ *$c '"
	check "the surviving snapshot holds the planted pattern" \
		hbtool checkpat "$c" "$pat" "$psz" "$seed"
	rm -rf /tmp/ev47
	if snapctl collect "$c" -o /tmp/ev47 --no-hash >/tmp/collect.out 2>&1; then
		check "snapctl collect of the surviving snapshot holds the pattern" \
			hbtool checkpat /tmp/ev47 "$pat" "$psz" "$seed"
	else
		fail "snapctl collect of the surviving snapshot"
		sed 's/^/    /' /tmp/collect.out
	fi
	rm -rf /tmp/ev47
	check_rc "the surviving snapshot is deleted cleanly" 0 snapctl delete "$c"
else
	skip "cgroup.kill: not in this kernel"
fi

cleanup
rmdir "$cg" 2>/dev/null
hb_finish
