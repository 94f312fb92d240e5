#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# One instant, really.  (a, b) I/O in flight when the snapshot is taken: a
# thread blocked in read() of a pipe, an io_uring IORING_OP_READ (armed on
# the pipe's poll, and punted to an io-wq worker with IOSQE_ASYNC) and a
# Linux AIO IOCB_CMD_PREAD, each into a buffer B holding pattern P.  The
# pipe is then written with Q: the target's B holds Q, the snapshot's B
# still P.  Documented behaviour: I/O that completes after the instant
# lands only in the target (the kernel's copy breaks copy-on-write); the
# io_uring rings are MAP_SHARED, so the snapshot sees their later changes.
# (c) thread churn: a target whose threads are born and exit all the time,
# snapshotted 50+ times: each snapshot is done (or failed EAGAIN, contract
# 9), and its THREADS agree with the threads its memory says were alive.
# (d) the same with 512 MB of 4K pages, so that each copy takes tens of ms
# and threads are born, wake and die while it runs: a thread that counted as
# held before its work was really queued (the module before 530b319)
# returned to user mode during the copy and made 1 in 75 snapshots
# inconsistent on 6.1, 1 in 8 on 6.1-rt.
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-b-lib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots

P=0x1111 Q=0x2222
for mode in pipe uring uring-async aio; do
	n=io-$mode
	hb_start "$n" ioblock --mode "$mode" --seed $P || continue
	t=$TP
	buf=$(ival "$n" buf) sz=$(ival "$n" size)
	echo "$mode: the reader sleeps in syscall $(ival "$n" reader_syscall), io-wq workers $(ival "$n" workers)"
	[ "$mode" = aio ] && [ "$(ival "$n" reader_syscall)" = 209 ] &&
		echo "aio: IOCB_CMD_PREAD on a pipe blocks in io_submit (a pipe has no asynchronous read)"
	check "$mode: B holds P before" hbtool checkpat "$t" "$buf" "$sz" $P
	if ! req "$t"; then
		fail "$mode: snapshot with the read in flight (exit $RC)"
		kill -9 "$t"
		continue
	fi
	c=$C
	check "$mode: the read was in flight at the instant (done 0 in the snapshot)" \
		test "$(hbtool peek "$c" "$(ival "$n" "done")")" = 0
	[ "$mode" = aio ] &&
		echo "aio: io_submit had returned at the instant: $(hbtool peek "$c" "$(ival "$n" submitted)")"
	nthr=$(hbtool threads "$c")
	# shellcheck disable=SC2012 # numeric names only
	ntask=$(ls "/proc/$t/task" | wc -l)
	echo "$mode: THREADS total $nthr, the target has $ntask tasks (io-wq workers are not threads that run user code)"
	check "$mode: THREADS records the main thread and the reader" test "$nthr" = 2
	if [ "$mode" = uring ] || [ "$mode" = uring-async ]; then
		# 5.10 maps the rings with remap_pfn_range(): VM_IO | VM_PFNMAP,
		# which /proc/PID/mem cannot read (collect marks them unreadable).
		if ! cq0=$(hbtool peek "$c" "$(ival "$n" cq_tail)" 32); then
			echo "$mode: the snapshot's CQ ring is not readable on this kernel (${cq0#FAIL: })"
			cq0=""
		fi
	fi
	hbtool writepat "/proc/$t/fd/$(ival "$n" wfd)" "$sz" $Q
	check "$mode: the read completes in the target" \
		poll 10 sh -c "[ \"\$(hbtool peek $t $(ival "$n" "done"))\" = 1 ]"
	check "$mode: it read $sz bytes" \
		test "$(hbtool peek "$t" "$(ival "$n" result)")" = "$sz"
	check "$mode: the target's B holds Q" hbtool checkpat "$t" "$buf" "$sz" $Q
	check "$mode: the snapshot's B still holds P (what it was at the instant)" \
		hbtool checkpat "$c" "$buf" "$sz" $P
	check "$mode: the snapshot still says the read was in flight" \
		test "$(hbtool peek "$c" "$(ival "$n" "done")")" = 0
	if [ -n "$cq0" ]; then
		cq1=$(hbtool peek "$c" "$(ival "$n" cq_tail)" 32) || cq1=$cq0
		d=$((cq1 - cq0))
		check "$mode: the snapshot's CQ ring (MAP_SHARED) shows the completion that came after the instant (documented: shared mappings are live)" \
			test "$d" = 1
		cq0=""
	fi
	check_rc "$mode: delete" 0 snapctl delete "$c"
	kill -9 "$t"
	wait "$t" 2>/dev/null
	hb_forget
	if objects_zero 15; then
		pass "$mode: objects back to 0"
	else
		fail "$mode: objects back to 0 ($(cat "$OBJECTS"))"
	fi
done

# churn_snaps NAME N [K]: N snapshots of churn target NAME ($TP), each
# checked against its memory (every Kth through snapctl collect, so that
# the evidence agrees too; 0 for none) and deleted; then the checks,
# prefixed NAME.
churn_snaps() {
	_n=$1 _ns=$2 _every=${3:-10} ch=$TP
	ok=0 eagain=0 bad=0 exact=0 other=0 i=0 t0=$(now_cs)
	while [ $i -lt "$_ns" ]; do
		i=$((i + 1))
		c=$(snapctl request "$ch" --timeout 60s 2>/tmp/req.err)
		rc=$?
		if [ $rc != 0 ]; then
			if grep -q EAGAIN /tmp/req.err; then
				eagain=$((eagain + 1))
			else
				other=$((other + 1))
				echo "    snapshot $i: exit $rc: $(cat /tmp/req.err)"
			fi
			continue
		fi
		who=$c
		if [ "$_every" != 0 ] && [ $((i % _every)) = 0 ]; then
			rm -rf /tmp/ev49
			if snapctl collect "$c" -o /tmp/ev49 --no-hash >/dev/null 2>&1; then
				who=/tmp/ev49
			else
				echo "    snapshot $i: collect failed"
				bad=$((bad + 1))
			fi
		fi
		if hbtool churncheck "$who" "$c" "/tmp/$_n.info" >/tmp/cc.out 2>&1; then
			ok=$((ok + 1))
			grep -q 'exact=1' /tmp/cc.out && exact=$((exact + 1))
		else
			bad=$((bad + 1))
			echo "    snapshot $i (clone $c, from $who):"
			sed 's/^/    /' /tmp/cc.out
		fi
		snapctl delete "$c" >/dev/null || bad=$((bad + 1))
	done
	rm -rf /tmp/ev49
	gen=$(hbtool peek "$ch" $(($(ival "$_n" counts) + 8)))
	echo "$_n: $_ns snapshots in $(($(now_cs) - t0)) cs: $ok consistent ($exact with no thread in transit: THREADS total exact), $eagain EAGAIN, $bad inconsistent, $other other failures; $gen threads made"
	check "$_n: every snapshot is done or failed EAGAIN ($other otherwise)" \
		test $other = 0
	check "$_n: every done snapshot's THREADS agree with its memory ($bad not)" \
		test $bad = 0
	check "$_n: at least $_ns snapshots checked ($((ok + bad + eagain)))" \
		test $((ok + bad + eagain)) -ge "$_ns"
	check "$_n: the target lives and progresses" \
		hbtool progress "$ch" "$(ival "$_n" hb)" 10
}

# --- (c) thread churn ----------------------------------------------------------
# A snapshot is exact only when no slot is in transit (being created, or
# exited and not yet seen gone by the creator); the transit time is the
# kernel's, so a thread's life is made twice it (3 ms at least),
# longer on the debug kernels under TCG (where one thread's birth and death
# take 20 ms), or all 4 slots would never be quiet at once.
life=3000
if hb_start churn churn --slots 4 --life-us $life; then
	g0=$(hbtool peek "$TP" $(($(ival churn counts) + 8))) c0=$(now_cs)
	sleep 2
	g1=$(hbtool peek "$TP" $(($(ival churn counts) + 8))) c1=$(now_cs)
	transit=$((4 * (c1 - c0) * 10000 / (g1 - g0 + 1) - life))
	echo "churn: $((g1 - g0)) threads in $((c1 - c0)) cs: $transit us in transit per thread"
	if [ $((2 * transit)) -gt $life ]; then
		life=$((2 * transit))
		[ $life -gt 900000 ] && life=900000
		kill -9 "$TP"
		wait "$TP" 2>/dev/null
		hb_forget
		hb_start churn churn --slots 4 --life-us $life
	fi
fi
if [ -f /tmp/churn.info ] && kill -0 "$TP" 2>/dev/null; then
	churn_snaps churn "${HB49_SNAPS:-50}"
	check "churn: some snapshots had an exact THREADS total ($exact)" \
		test $exact -gt 0
	kill -9 "$TP"
	wait "$TP" 2>/dev/null
	hb_forget
fi

# --- (d) births and deaths during a long copy --------------------------------
# 16 slots of 0.5 ms threads around 512 MB of 4K pages (HB49_BIG_MB): the
# creator and the threads are always on their way in or out of the kernel
# while the page tables are copied.  A copy that saw a thread born or dying
# is retried (EAGAIN after 3), so a done snapshot must be consistent.
if hb_start churnbig churn --slots 16 --life-us 500 --mem "${HB49_BIG_MB:-512}"; then
	churn_snaps churnbig "${HB49_BIG_SNAPS:-25}" 0
	check "churnbig: some snapshots are done ($ok)" test $ok -gt 0
	kill -9 "$TP"
	wait "$TP" 2>/dev/null
	hb_forget
fi

hb_finish
