#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Job control arriving while a request is pending or duplicating, on a
# multi-threaded target whose main thread spins (so it is nearly always the
# thread that runs the copy, and the one the stop hits): SIGSTOP after a
# random delay of up to 4 ms, a SIGSTOP/SIGCONT storm, a ptrace stop
# (PTRACE_SEIZE + PTRACE_INTERRUPT), a cgroup v2 freeze, the system freezer
# (pm_test "freezer").  Contract: the request is never FAILED with ESRCH
# while the target lives; it completes (done) once the target continues,
# or a WAIT timeout cancelled it cleanly; the target does stop / freeze in
# bounded time; the snapshot holds the planted pattern.  hbtool counts how
# often the state was "duplicating" at the signal: the case was exercised.
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-b-lib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots
export HBTOOL_BUDGET="${HB45_BUDGET:-40}"

if ! hb_start jc manythreads --threads 64 --busy 2 --sleepers 16 \
	--main busy; then
	cleanup
	rmmod procsnap
	exit 1
fi
jc=$TP

run_tool "SIGSTOP" hbtool jobctl "$jc" 25 stop /tmp/jc.info
after_each "SIGSTOP" jc
run_tool "storm" hbtool jobctl "$jc" 12 storm /tmp/jc.info
after_each "SIGSTOP/SIGCONT storm" jc
run_tool "ptrace" hbtool jobctl "$jc" 20 ptrace /tmp/jc.info
after_each "ptrace stop" jc

# --- cgroup v2 freezer --------------------------------------------------------
if root=$(cgroup2_root); then
	cg=$root/hb45
	mkdir -p "$cg"
	echo "$jc" >"$cg/cgroup.procs"
	check "the target is in its cgroup" grep -qx "$jc" "$cg/cgroup.procs"
	run_tool "cgroup freeze" hbtool jobctl "$jc" 10 freeze /tmp/jc.info "$cg"
	echo 0 >"$cg/cgroup.freeze"
	after_each "cgroup freeze" jc
	echo "$jc" >"$root/cgroup.procs"
	rmdir "$cg" 2>/dev/null
else
	skip "cgroup freeze: cannot mount cgroup2"
fi

# --- the system freezer ---------------------------------------------------------
# pm_test "freezer" freezes every task, waits pm_test_delay seconds and thaws:
# the freezer without a suspend, which QEMU could not wake from.
if [ -w /sys/power/pm_test ] && grep -qw freezer /sys/power/pm_test &&
	grep -qw freeze /sys/power/state; then
	echo freezer >/sys/power/pm_test
	delay=/sys/module/suspend/parameters/pm_test_delay
	[ -w $delay ] && echo 0 >$delay
	echo 10000 >/sys/power/pm_freeze_timeout
	run_tool "system freezer" hbtool jobctl "$jc" 6 sysfreeze /tmp/jc.info
	echo none >/sys/power/pm_test
	after_each "system freezer" jc
else
	skip "system freezer: no /sys/power/pm_test with freezer, or no freeze state (CONFIG_PM_DEBUG)"
fi

hb_finish
