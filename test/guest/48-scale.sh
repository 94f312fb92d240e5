#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scale: 1,000 and 10,000 threads, 100,000 open files with ~300-byte paths,
# 60,000 mappings.  Each snapshot works (done; THREADS total is the thread
# count, FILES total the fd count, a planted pattern reads back), and the
# longest hold of procsnap's spinlock (module parameter max_hold_ns,
# contract 11, reset by writing 0) grows less than 30x for 10x the threads:
# not with the square; nor does the pause.  Prints every part's timings (pause_ns, quiesce_ns
# from snapctl list --json, the hold, wall time); run with --mem 4096.
# The hold compared is the least of three snapshots' worst holds: a
# quadratic walk makes every one of them long, while the host descheduling
# TCG's vCPU inside one 64-thread batch makes one of them long.  gapprobe
# measures how long the host takes a vCPU away; a growth beyond 30x that
# stays within twice that is reported as inconclusive (SKIP), not passed.
# SCALE_THREADS (default 10000; the small target has a tenth), SCALE_FILES
# (100000) and SCALE_MAPS (60000) size it down for slow kernels (debug).
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-b-lib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots
raise_limits
P=/sys/module/procsnap/parameters
echo "limits: threads-max $(cat /proc/sys/kernel/threads-max) pid_max $(cat /proc/sys/kernel/pid_max) max_map_count $(cat /proc/sys/vm/max_map_count) nr_open $(cat /proc/sys/fs/nr_open); $(free -m | sed -n 2p)"
if [ -e $P/max_hold_ns ]; then
	pass "the module has max_hold_ns"
else
	fail "the module has max_hold_ns (contract 11): $P/max_hold_ns missing"
fi
qt0=$(cat $P/quiesce_timeout_ms 2>/dev/null)
big=${SCALE_THREADS:-10000}
small=$((big / 10))
nfiles=${SCALE_FILES:-100000}
nmapsw=${SCALE_MAPS:-60000}

# snap NAME: reset the hold, snapshot target NAME; sets C, HOLD, PAUSE,
# QUIESCE, SNAP_CS.  A failure with ETIME (quiesce_timeout_ms) is retried
# once with a long timeout so that the part still measures something.
snap() {
	hb_step "48-scale $1: snapshot"
	[ -w $P/max_hold_ns ] && echo 0 >$P/max_hold_ns
	_t0=$(now_cs)
	if ! req "$(ival "$1" pid)"; then
		fail "$1: snapshot (exit $RC: $(cat /tmp/req.err))"
		grep -q ETIME /tmp/req.err || return 1
		echo 120000 >$P/quiesce_timeout_ms
		[ -w $P/max_hold_ns ] && echo 0 >$P/max_hold_ns
		_t0=$(now_cs)
		req "$(ival "$1" pid)"
		_rc=$?
		echo "$qt0" >$P/quiesce_timeout_ms
		if [ $_rc != 0 ]; then
			fail "$1: snapshot with quiesce_timeout_ms=120000 (exit $RC)"
			return 1
		fi
		echo "$1: snapshot done with quiesce_timeout_ms=120000"
	else
		pass "$1: snapshot done"
	fi
	SNAP_CS=$(($(now_cs) - _t0))
	HOLD=$(cat $P/max_hold_ns 2>/dev/null || echo none)
	PAUSE=$(list_json_field "$C" pause_ns)
	QUIESCE=$(list_json_field "$C" quiesce_ns)
	echo "$1: request+wait ${SNAP_CS} cs, pause_ns $PAUSE, quiesce_ns $QUIESCE, max_hold_ns $HOLD"
	echo "$1: max_hold_where $(cat $P/max_hold_where 2>/dev/null)"
}

# stop NAME: kill target NAME and wait for it.
stop() {
	_t0=$(now_cs)
	kill -9 "$(ival "$1" pid)"
	wait "$(ival "$1" pid)" 2>/dev/null
	hb_forget
	echo "$1: killed and reaped in $(($(now_cs) - _t0)) cs"
}

# --- threads -------------------------------------------------------------------
for nt in $small $big; do
	name=t$nt
	hb_start "$name" manythreads --threads $nt --busy 1 --sleepers 10 \
		--stack 16 || continue
	if snap "$name"; then
		check "$name: THREADS total is $nt" test "$(hbtool threads "$C")" = $nt
		check "$name: the planted pattern reads back" hbtool checkpat "$C" \
			"$(ival "$name" pat)" "$(ival "$name" pat_size)" "$(ival "$name" seed)"
		eval "quiesce_$nt=\$QUIESCE"
		best=$HOLD holds=$HOLD bestp=$PAUSE pauses=$PAUSE
		check_rc "$name: delete" 0 snapctl delete "$C"
		for again in 2 3; do
			snap "$name" || break
			check_rc "$name: delete snapshot $again" 0 snapctl delete "$C"
			holds="$holds $HOLD" pauses="$pauses $PAUSE"
			if is_pid "$HOLD" && is_pid "$best" && [ "$HOLD" -lt "$best" ]; then
				best=$HOLD
			fi
			if is_pid "$PAUSE" && is_pid "$bestp" && [ "$PAUSE" -lt "$bestp" ]; then
				bestp=$PAUSE
			fi
		done
		# What the host's noise alone can add to a hold, now.
		gap=0
		for _i in 1 2 3; do
			# not at SCHED_FIFO, the gap is the guest's own: no excuse
			_g=$(gapprobe 300 | sed -n 's/^gap_max_ns=\([0-9]*\) cpus=[0-9]*$/\1/p')
			is_pid "$_g" && [ "$_g" -gt "$gap" ] && gap=$_g
		done
		echo "$name: the largest vanishing of a vCPU in 3 x 300 ms at SCHED_FIFO 99: $gap ns"
		eval "gap_$nt=\$gap"
		echo "$name: worst holds of three snapshots: $holds ns"
		echo "$name: pauses of three snapshots: $pauses ns"
		eval "hold_$nt=\$best pause_$nt=\$bestp"
	fi
	stop "$name"
	if objects_zero 30; then
		pass "$name: objects back to 0"
	else
		fail "$name: objects back to 0 ($(cat "$OBJECTS"))"
	fi
done
for v in hold pause quiesce gap; do
	eval "${v}_small=\${${v}_$small:-} ${v}_big=\${${v}_$big:-}"
done
echo "worst hold (least of three): $small threads ${hold_small:-?} ns, $big threads ${hold_big:-?} ns"
echo "pause (least of three): $small threads ${pause_small:-?} ns, $big threads ${pause_big:-?} ns; quiesce ${quiesce_small:-?} / ${quiesce_big:-?} ns"
# ratio A B: B / A, one decimal
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b / a }'; }
# A hold that merely contains the host descheduling the vCPU is as long
# as that descheduling, whatever the module does: when the host is busy
# (another VM beside this one) every 10,000-thread snapshot may contain one.
# Such a result cannot show the growth either way; it is said, not passed.
noise=${gap_small:-0}
is_pid "${gap_big:-}" && [ "$gap_big" -gt "$noise" ] && noise=$gap_big
if is_pid "$hold_small" && is_pid "$hold_big"; then
	r=$(ratio "$hold_small" "$hold_big")
	if [ "$hold_big" -lt $((30 * hold_small)) ]; then
		pass "max_hold_ns grows ${r}x for 10x the threads (< 30x: not quadratic)"
	elif [ "$hold_big" -le $((2 * noise)) ]; then
		skip "max_hold_ns grows ${r}x for 10x the threads, but $hold_big ns is within twice the host's noise measured here ($noise ns): inconclusive, run on a quiet host"
	else
		fail "max_hold_ns grows ${r}x for 10x the threads (< 30x: not quadratic; host noise $noise ns)"
	fi
else
	fail "max_hold_ns at $small and $big threads: not measured (${hold_small:-?}, ${hold_big:-?})"
fi
# The pause is mostly every thread getting one of the VM's two CPUs to
# come to us, and the copy of their records: linear in the threads (9x
# measured on 6.1).  Waking every parked thread at each park, or walking
# every thread on each poll, made it grow 30x-100x.
if is_pid "$pause_small" && is_pid "$pause_big"; then
	r=$(ratio "$pause_small" "$pause_big")
	check "the pause grows ${r}x for 10x the threads (< 30x: not quadratic)" \
		test "$pause_big" -lt $((30 * pause_small))
else
	fail "pause at $small and $big threads: not measured (${pause_small:-?}, ${pause_big:-?})"
fi

# --- 100,000 open files (SCALE_FILES) with long paths ---------------------------
rm -rf /tmp/mt-files
if hb_start files manythreads --files $nfiles --pathlen 300 --fdir /tmp/mt-files; then
	fp=$(ival files pid)
	# shellcheck disable=SC2012 # numeric names only
	nfd=$(ls "/proc/$fp/fd" | wc -l)
	echo "files: the target has $nfd descriptors, paths of $(ival files pathlen) bytes"
	if snap files; then
		check "files: FILES total is the target's $nfd descriptors" \
			test "$(hbtool files "$C")" = "$nfd"
		check "files: the recorded paths are the long ones" \
			hbtool files "$C" 290
		check "files: the planted pattern reads back" hbtool checkpat "$C" \
			"$(ival files pat)" "$(ival files pat_size)" "$(ival files seed)"
		check_rc "files: delete" 0 snapctl delete "$C"
	fi
	stop files
	if objects_zero 30; then
		pass "files: objects back to 0"
	else
		fail "files: objects back to 0 ($(cat "$OBJECTS"))"
	fi
fi
rm -rf /tmp/mt-files

# --- 60,000 mappings (SCALE_MAPS) ------------------------------------------------
if hb_start maps manythreads --maps $nmapsw; then
	mp=$(ival maps pid)
	nmaps=$(wc -l <"/proc/$mp/maps")
	echo "maps: the target has $nmaps mappings"
	check "maps: at least $nmapsw mappings" test "$nmaps" -ge "$nmapsw"
	if snap maps; then
		check "maps: the snapshot has the target's $nmaps mappings" \
			test "$(wc -l <"/proc/$C/maps")" = "$nmaps"
		check "maps: the planted page reads back" hbtool checkpat "$C" \
			"$(ival maps map_pat)" 4096 "$(ival maps map_seed)"
		check_rc "maps: delete" 0 snapctl delete "$C"
	fi
	stop maps
	if objects_zero 30; then
		pass "maps: objects back to 0"
	else
		fail "maps: objects back to 0 ($(cat "$OBJECTS"))"
	fi
fi

cleanup
check "no clone left on the system" test -z "$(clones)"
check_rc "rmmod procsnap" 0 rmmod procsnap
