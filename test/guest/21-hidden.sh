#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Nothing hidden from the snapshot.  Memory the target marked MADV_DONTFORK
# (private, and a shared memfd) or MADV_WIPEONFORK is in the snapshot with
# its contents at the instant, at its addresses; LIST counts it, the clone's
# smaps keep the marks ("dc", "wf") and the manifest says "recovered".  The
# target's own flags are untouched: its smaps still show them, and a fork it
# makes after the snapshot still lacks the DONTFORK mappings and has the
# WIPEONFORK one zeroed.  Its threads' names, scheduling, blocked signals
# and seccomp modes, its environment and limits are in the manifest as
# they were at the instant.
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-b-lib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots

# vmflags PID HEXADDR: the VmFlags of PID's mapping at HEXADDR.
vmflags() {
	awk -v a="$2" '
		$1 ~ /^[0-9a-f]+-[0-9a-f]+$/ { split($1, r, "-"); cur = r[1] }
		/^VmFlags:/ && cur == a { sub(/^VmFlags: */, ""); print; exit }
	' "/proc/$1/smaps"
}
has_flag() { vmflags "$1" "$2" | tr ' ' '\n' | grep -qx "$3"; }
no_marks() {
	_f=$(vmflags "$1" "$2")
	[ -n "$_f" ] && ! echo "$_f" | tr ' ' '\n' | grep -qx -e dc -e wf
}
# page_head DIR HEXADDR PAGE N: N bytes at the start of page PAGE of the
# segment image at HEXADDR.
page_head() {
	_f=$(ls "$1"/segments/"$2"-*.img 2>/dev/null | head -n 1)
	[ -n "$_f" ] && dd if="$_f" bs=4096 skip="$3" count=1 2>/dev/null |
		head -c "$4"
}

# An environment variable and a limit of its own, to find in the manifest.
nofile=$(ulimit -S -n)
ulimit -S -n 777
export PROCSNAP_SECRET_ENV=hunter2
hb_start hide hidetarget
started=$?
unset PROCSNAP_SECRET_ENV
ulimit -S -n "$nofile"
if [ $started != 0 ]; then
	rmmod procsnap
	exit 1
fi
t=$TP
df=$(ival hide dontfork) wf=$(ival hide wipe) sh=$(ival hide shared)
pl=$(ival hide plain)
for a in $df $sh; do
	check "the target's own mapping $a is marked dc" has_flag "$t" "$a" dc
done
check "the target's own mapping $wf is marked wf" has_flag "$t" "$wf" wf

if ! req "$t"; then
	fail "a snapshot of the target (exit $RC)"
	cleanup
	rmmod procsnap
	exit 1
fi
c=$C
pass "a snapshot of a target with hidden memory (clone $c)"
check "LIST counts 3 recovered mappings" \
	sh -c "snapctl list --json | grep -q '\"clone_pid\":$c,.*\"nr_recovered\":3[,}]'"
for a in $df $sh; do
	check "the clone maps $a, marked dc" has_flag "$c" "$a" dc
done
check "the clone maps $wf, marked wf" has_flag "$c" "$wf" wf
check "the clone's plain mapping $pl has neither mark" no_marks "$c" "$pl"

# The target changes its private memory, then forks.
kill -USR1 "$t"
if poll 30 test -f /tmp/hide.info.fork; then
	for k in dontfork_absent shared_absent wipe_zero plain_copied; do
		check "the target's fork after the snapshot: $k" \
			test "$(sed -n "s/^$k=//p" /tmp/hide.info.fork)" = 1
	done
else
	fail "the target's fork after the snapshot reports back"
fi
for a in $df $sh; do
	check "the target's mapping $a is still marked dc" has_flag "$t" "$a" dc
done
check "the target's mapping $wf is still marked wf" has_flag "$t" "$wf" wf

ev=/tmp/ev21
rm -rf $ev
if snapctl collect "$c" -o $ev --format paper >/tmp/collect21.out 2>&1; then
	pass "snapctl collect of the snapshot"
	run_tool "the evidence meets the contract" evcheck manifest $ev \
		--format paper --clone "$c" --target "$t"
	for r in "dontfork $df" "wipe $wf" "shared $sh" "plain $pl"; do
		set -- $r
		w0=$1-00000 w15=$1-00015
		check "$1 at $2: page 0 holds '$w0', as at the instant" \
			test "$(page_head $ev "$2" 0 ${#w0})" = "$w0"
		check "$1 at $2: page 15 holds '$w15'" \
			test "$(page_head $ev "$2" 15 ${#w15})" = "$w15"
	done
	evcheck json $ev/manifest.json >/tmp/m21.flat
	for r in "$df dontfork" "$sh dontfork" "$wf wipeonfork" "$pl null"; do
		set -- $r
		i=$(sed -n "s/^segments\.\([0-9]*\)\.start=$(printf %08x 0x$1)\$/\1/p" /tmp/m21.flat)
		if [ "$2" = null ]; then
			got=$(sed -n "s/^segments\.$i\.recovered=//p" /tmp/m21.flat)
		else
			got=$(sed -n "s/^segments\.$i\.recovered\.0=//p" /tmp/m21.flat)
		fi
		check "manifest: the segment at $1 is recovered: $2 (segment $i: '$got')" \
			test -n "$i" -a "$got" = "$2"
	done
	check "manifest: the target's environment holds PROCSNAP_SECRET_ENV=hunter2" \
		grep -qx 'target\.environ\.[0-9]*=PROCSNAP_SECRET_ENV=hunter2' /tmp/m21.flat
	check "manifest: the target's open-files limit is 777 (soft)" \
		grep -qx 'target\.limits\.nofile\.0=777' /tmp/m21.flat
	# The threads as they were: the clone's own /proc cannot say.
	wk=$(ival hide worker)
	for tid in $t $wk; do
		i=$(sed -n "s/^threads\.\([0-9]*\)\.tid=$tid\$/\1/p" /tmp/m21.flat)
		if [ -z "$i" ]; then
			fail "manifest: thread $tid is listed"
			continue
		fi
		meta=""
		for k in name sched_policy nice sigblocked seccomp; do
			meta="$meta $k=$(sed -n "s/^threads\.$i\.$k=//p" /tmp/m21.flat)"
		done
		if [ "$tid" = "$t" ]; then
			want=' name=hidetarget sched_policy=3 nice=0 sigblocked=0000000000000001 seccomp=disabled'
		else
			want=' name=hide-worker sched_policy=0 nice=7 sigblocked=0000000000000a00 seccomp=strict'
		fi
		check "manifest: thread $tid as at the instant:$meta" \
			test "$meta" = "$want"
	done
else
	fail "snapctl collect of the snapshot"
	sed 's/^/    /' /tmp/collect21.out
fi
rm -rf $ev
check_rc "the snapshot is deleted" 0 snapctl delete "$c"

hb_finish
