#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Namespaces: a target whose children go to another pid or time namespace
# (it called unshare(CLONE_NEWPID) or unshare(CLONE_NEWTIME)) is refused
# with EXDEV, forked yet or not, so that the clone never becomes pid 1 (the
# reaper) of the target's new pid namespace nor enters its new time
# namespace (which freezes its offsets): the target's next child is pid 1
# there, the target can still set its clock offsets, and deleting every
# snapshot kills nothing of the target's.
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-lib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots
trap 'cleanup; rmmod procsnap 2>/dev/null; exit 1' INT TERM

# start_probe NAME NSPROBE-ARGS...: sets TP, or returns 1 (77: skip).
start_probe() {
	_n=$1
	shift
	rm -f "/tmp/$_n.info" "/tmp/$_n.info.log" "/tmp/$_n.ctl"
	start_info "$_n" nsprobe --info "/tmp/$_n.info" --ctl "/tmp/$_n.ctl" "$@"
}
# cmd NAME C: send command byte C.
cmd() { printf %s "$2" >"/tmp/$1.ctl"; }
nlines() { grep -c "^$2" "/tmp/$1.info.log"; }
# lastline NAME PREFIX: the last log line that starts with PREFIX.
lastline() { grep "^$2" "/tmp/$1.info.log" | tail -n 1; }
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
more_lines() { [ "$(nlines "$1" "$2")" -gt "$3" ]; }
# run_cmd NAME C PREFIX: send C, wait for one more PREFIX line; prints it.
run_cmd() {
	_k=$(nlines "$1" "$3")
	cmd "$1" "$2"
	poll 20 more_lines "$1" "$3" "$_k" || return 1
	lastline "$1" "$3"
}
# clones_in NSTYPE NS: the clones whose NSTYPE namespace is NS.
clones_in() {
	for _c in $(clones); do
		[ "$(ns_of "$_c" "$1")" = "$2" ] && echo "$_c"
	done
}
# clones_outside NSTYPE NS: the clones whose NSTYPE namespace is not NS.
clones_outside() {
	for _c in $(clones); do
		[ "$(ns_of "$_c" "$1")" != "$2" ] && echo "$_c"
	done
}
alive() {
	[ -e "/proc/$1" ] &&
		[ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" != Z ]
}
# kill_children NAME: every child the target forked (they pause forever).
kill_children() {
	for _h in $(sed -n 's/^child host=\([0-9]*\) .*/\1/p' "/tmp/$1.info.log"); do
		kill -9 "$_h" 2>/dev/null
	done
}
reaped() { grep -q "^reaped host=$2 " "/tmp/$1.info.log"; }

# after_delete NAME TARGET CHILD: delete --all kills neither.
after_delete() {
	check_rc "$1: snapctl delete --all" 0 snapctl delete --all
	# Proving that nothing dies needs a wait: a SIGKILL lands in far less.
	sleep 1
	check "$1: the target survives delete --all" alive "$2"
	if alive "$3" && ! reaped "$1" "$3"; then
		pass "$1: its child survives delete --all"
	else
		fail "$1: its child $3 died: $(grep "^reaped host=$3 " "/tmp/$1.info.log")"
	fi
}

refused() {
	check_rc "$1" 0 rawreq request "$2" --wait --timeout-ms 60000 \
		--expect EXDEV,failed:EXDEV
}

# --- CLONE_NEWPID, not forked yet ---------------------------------------
if start_probe pa --ns pid; then
	p=$TP
	# (/proc/PID/ns/pid_for_children only resolves once the new
	# namespace has its first process.)
	refused "pa: REQUEST of a target that unshared CLONE_NEWPID, not forked: EXDEV" "$p"
	out=$(clones_outside pid "$(ns_of "$p" pid)")
	check "pa: no procsnap clone in another pid namespace than the target's own ($out)" \
		test -z "$out"
	ch=$(run_cmd pa f child)
	chp=$(field "$ch" host)
	nsc=$(ns_of "$p" pid_for_children)
	check "pa: its first child is pid 1 of the new namespace ($ch)" \
		test "$(field "$ch" ns)" = 1
	check "pa: that child is in the target's new pid namespace ($nsc)" \
		test -n "$nsc" -a "$(ns_of "$chp" pid)" = "$nsc" -a \
		"$nsc" != "$(ns_of "$p" pid)"
	in=$(clones_in pid "$nsc")
	check "pa: no procsnap clone in the target's new pid namespace ($in)" \
		test -z "$in"
	after_delete pa "$p" "$chp"
	ch2=$(run_cmd pa f child)
	check "pa: the target still forks into its namespace ($ch2)" \
		test "$(field "$ch2" ns)" -gt 1 2>/dev/null
	kill_children pa
fi
cleanup

# --- CLONE_NEWPID, a child (pid 1) exists -----------------------------------
if start_probe pb --ns pid --fork-first; then
	p=$TP
	nsc=$(ns_of "$p" pid_for_children)
	ch=$(lastline pb child)
	chp=$(field "$ch" host)
	check "pb: the child forked first is pid 1 of the new namespace ($ch)" \
		test "$(field "$ch" ns)" = 1
	refused "pb: REQUEST of a target that unshared CLONE_NEWPID and forked: EXDEV" "$p"
	in=$(clones_in pid "$nsc")
	check "pb: no procsnap clone in its new pid namespace ($in)" test -z "$in"
	out=$(clones_outside pid "$(ns_of "$p" pid)")
	check "pb: no procsnap clone in another pid namespace than the target's own ($out)" \
		test -z "$out"
	after_delete pb "$p" "$chp"
	kill_children pb
fi
cleanup

# --- CLONE_NEWTIME ------------------------------------------------------------
start_probe ta --ns time --offset 100000
rc=$?
if [ $rc != 0 ] && grep -q unshare /tmp/ta.log; then
	skip "no time namespaces in this kernel ($(cat /tmp/ta.log))"
elif [ $rc = 0 ]; then
	p=$TP
	tnsc=$(ns_of "$p" time_for_children)
	check "ta: the target's children's time namespace is not its own" \
		test "$tnsc" != "$(ns_of "$p" time)"
	o=$(run_cmd ta o offsets)
	check "ta: before any request the target sets its monotonic offset ($o)" \
		test "$o" = offsets=ok
	refused "ta: REQUEST of a target that unshared CLONE_NEWTIME: EXDEV" "$p"
	in=$(clones_in time "$tnsc")
	check "ta: no procsnap clone in its new time namespace ($in)" test -z "$in"
	out=$(clones_outside time "$(ns_of "$p" time)")
	check "ta: no procsnap clone in another time namespace than the target's own ($out)" \
		test -z "$out"
	o=$(run_cmd ta o offsets)
	check "ta: after the refused request it still sets its offset (not frozen) ($o)" \
		test "$o" = offsets=ok
	ch=$(run_cmd ta f child)
	chp=$(field "$ch" host)
	d=$(($(field "$ch" mono) - $(field "$ch" parent_mono)))
	check "ta: its child's CLOCK_MONOTONIC is 100000 s ahead ($d s)" \
		test "$d" -ge 99990 -a "$d" -le 100010
	after_delete ta "$p" "$chp"
	kill_children ta
fi
cleanup

# --- nothing left behind ----------------------------------------------------
check "no clone left on the system" test -z "$(clones)"
check_objects_zero "41-namespaces"
check_rc "rmmod procsnap" 0 rmmod procsnap
