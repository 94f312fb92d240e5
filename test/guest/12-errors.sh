#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Refused requests: each error has its errno (raw ioctl, through rawreq)
# and its snapctl exit status, and leaves nothing behind: no clone, no
# request in flight, no module reference.
. /tests/lib.sh
. /tests/snaplib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots

# rawcheck NAME RAWREQ-ARGS...: rawreq gives the outcome it is told to expect.
rawcheck() {
	_name=$1
	shift
	check_rc "$_name" 0 rawreq "$@"
}

# --- no such process -------------------------------------------------------
dead=$(sh -c 'echo $$')
check_rc "request of a pid that does not exist: exit 6" 6 snapctl request "$dead"
rawcheck "REQUEST of a pid that does not exist: ESRCH" request "$dead" --expect ESRCH
rawcheck "REQUEST of pid 0: ESRCH" request 0 --expect ESRCH
rawcheck "REQUEST of pid -1: ESRCH" request -1 --expect ESRCH

# --- kernel threads, itself ----------------------------------------------------
check_rc "request of kthreadd (pid 2): exit 2" 2 snapctl request 2
rawcheck "REQUEST of kthreadd: EINVAL" request 2 --expect EINVAL
kt=""
for d in /proc/[0-9]*; do
	[ "$(sed 's/.*) //' "$d/stat" 2>/dev/null | cut -d' ' -f2)" = 2 ] ||
		continue
	case "$(cat "$d/comm")" in
	procsnap/*) ;;
	*) kt=${d#/proc/} && break ;;
	esac
done
if [ -n "$kt" ]; then
	rawcheck "REQUEST of another kernel thread ($kt $(cat "/proc/$kt/comm")): EINVAL" \
		request "$kt" --expect EINVAL
fi
rawcheck "REQUEST of the caller itself: EINVAL" request self --expect EINVAL

# --- a zombie ------------------------------------------------------------------
zombie >/tmp/zombie.out 2>&1 &
zp=$!
PIDS="$PIDS $zp"
if poll 10 test -s /tmp/zombie.out; then
	z=$(cat /tmp/zombie.out)
	check_rc "request of a zombie: exit 6" 6 snapctl request "$z"
	rawcheck "REQUEST of a zombie: ESRCH" request "$z" --expect ESRCH
else
	fail "zombie starts"
fi
kill -9 "$zp"
wait "$zp"

# --- a clone as target ------------------------------------------------------
if ! start_target tgt --size 1M --main sleep; then
	cleanup
	rmmod procsnap
	exit 1
fi
tgt=$TP
if req "$tgt"; then
	c=$C
	check_rc "request of a snapshot's clone: exit 2" 2 snapctl request "$c"
	rawcheck "REQUEST of a clone: EINVAL" request "$c" --expect EINVAL
	rawcheck "REQUEST of a clone with --interrupt: EINVAL" request "$c" \
		--flags 1 --expect EINVAL
else
	fail "snapctl request of a sleeping target (exit $RC)"
	c=0
fi

# --- permissions -----------------------------------------------------------------
chmod 666 /dev/procsnap
check_rc "a non-root user without ptrace rights: exit 4" 4 \
	runas 65534 65534 snapctl request "$tgt"
check_rc "a non-root user without ptrace rights: EPERM" 0 \
	runas 65534 65534 rawreq request "$tgt" --expect EPERM
# Control: the same user may snapshot its own process (Yama off for it).
yama=/proc/sys/kernel/yama/ptrace_scope
scope=$(cat $yama 2>/dev/null)
[ -n "$scope" ] && echo 0 >$yama
TPREFIX="runas 65534 65534"
if start_target nob --size 1M --main sleep; then
	nob=$TP
	n=$(runas 65534 65534 snapctl request "$nob" --timeout "$REQ_TIMEOUT" 2>/tmp/req.err)
	rc=$?
	if [ $rc = 0 ] && is_pid "$n"; then
		pass "control: a non-root user snapshots its own process (clone $n)"
		snapctl delete "$n" >/dev/null
	else
		fail "control: a non-root user snapshots its own process (exit $rc)"
		sed 's/^/    /' /tmp/req.err
	fi
	kill -9 "$nob"
	wait "$nob"
fi
TPREFIX=""
[ -n "$scope" ] && echo "$scope" >$yama
chmod 600 /dev/procsnap

# --- unknown flags, non-zero reserved fields -----------------------------------------
rawcheck "REQUEST with an unknown flag (1<<3): EINVAL" request "$tgt" --flags 8 --expect EINVAL
rawcheck "REQUEST with flag 1<<31: EINVAL" request "$tgt" --flags 0x80000000 --expect EINVAL
rawcheck "REQUEST with reserved0 set: EINVAL" request "$tgt" --reserved0 1 --expect EINVAL
rawcheck "REQUEST with reserved[3] set: EINVAL" request "$tgt" --reserved 1 --expect EINVAL
rawcheck "STATE with a flag: EINVAL" state "$tgt" --flags 1 --expect EINVAL
rawcheck "WAIT with reserved[3] set: EINVAL" wait "$tgt" --reserved 1 --expect EINVAL
rawcheck "CANCEL with a flag: EINVAL" cancel "$tgt" --flags 1 --expect EINVAL
rawcheck "DELETE with an unknown flag: EINVAL" delete "$c" --flags 2 --expect EINVAL
rawcheck "DELETE_ALL with a clone pid: EINVAL" delete "$c" --flags 1 --expect EINVAL
rawcheck "CANCEL with no request in flight: ENOENT" cancel "$tgt" --expect ENOENT
rawcheck "DELETE of a pid that is no snapshot: ENOENT" delete "$tgt" --expect ENOENT
check_rc "snapctl delete of a pid that is no snapshot: exit 6" 6 snapctl delete "$tgt"
check "the refused requests left the snapshot alone" test "$(clones)" = "$c"
check "only that one snapshot exists" test "$(nlist)" = 1
check_rc "snapctl delete the snapshot" 0 snapctl delete "$c"
check "the target is idle once its snapshot is gone" state_is "$tgt" idle

# --- a stopped target times out ----------------------------------------------
kill -STOP "$tgt"
t0=$(now_cs)
check_rc "request of a stopped target with --timeout 2s: exit 5" 5 \
	snapctl request "$tgt" --timeout 2s
t1=$(now_cs)
if [ $((t1 - t0)) -ge 190 ] && [ $((t1 - t0)) -lt 1500 ]; then
	pass "the request gave up after about 2 s ($((t1 - t0)) cs)"
else
	fail "the request gave up after $((t1 - t0)) cs, want 2 s"
fi
check "the timed-out request is cancelled: idle" state_is "$tgt" idle
s1=$(tstat tgt seq)
kill -CONT "$tgt"
check "the target runs again after SIGCONT" poll 10 seq_above tgt "$s1"
sleep 1
check "no snapshot was made after SIGCONT" test "$(nlist)" = 0
check "the target got no EINTR" stat_is tgt eintr 0

# --- one request in flight per target ---------------------------------------------
if start_target blk --size 1M --main read --fifo /tmp/blk.fifo; then
	blk=$TP
	check_rc "request --no-wait of a blocked target" 0 \
		snapctl request "$blk" --no-wait
	check "it stays requested" state_is "$blk" requested
	check_rc "a second request while one is in flight: exit 2" 2 \
		snapctl request "$blk" --no-wait
	rawcheck "a second REQUEST while one is in flight: EBUSY" request "$blk" \
		--expect EBUSY
	check "the first request is still in flight" state_is "$blk" requested
	check_rc "snapctl cancel" 0 snapctl cancel "$blk"
	check "idle after cancel" state_is "$blk" idle
	check_rc "cancel again: exit 6" 6 snapctl cancel "$blk"
	s1=$(tstat blk seq)
	echo x >/tmp/blk.fifo
	check "the target reads on" poll 10 seq_above blk "$s1"
	check "the cancelled request made no snapshot" test "$(nlist)" = 0
fi

# --- nothing left behind ---------------------------------------------------
cleanup
check "no clone left on the system" test -z "$(clones)"
check "snapctl list is empty" test "$(nlist)" = 0
refs=$(awk '$1 == "procsnap" { print $3 }' /proc/modules)
check "the module's reference count is 0 ($refs)" test "$refs" = 0
check_rc "rmmod procsnap" 0 rmmod procsnap
