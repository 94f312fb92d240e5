#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Threads: a snapshot is taken only when no thread can run a user
# instruction, and every thread's recorded registers agree with the clone's
# memory (snaptarget's asm loop: r14 slot, r15 count, counters[r14] == r15
# but on the store).  4-thread targets with busy, sleeping, reading and
# pausing workers; single-threaded busy, sleeping and blocked ones (a
# blocked one is duplicated only when its read returns); all threads
# blocked, with --interrupt.
. /tests/lib.sh

# --- helpers shared by the 1x tests (each script carries its own copy) ---
PIDS=""
REQ_TIMEOUT=120s

# start_target NAME SNAPTARGET-ARGS...: start a snaptarget (prefixed by
# $TPREFIX, e.g. "taskset 1"), wait for its info file /tmp/NAME.info; sets TP.
start_target() {
	_n=$1
	shift
	rm -f "/tmp/$_n.info" "/tmp/$_n.info.tmp"
	# shellcheck disable=SC2086
	$TPREFIX snaptarget --info "/tmp/$_n.info" "$@" >"/tmp/$_n.log" 2>&1 &
	TP=$!
	PIDS="$PIDS $TP"
	_i=0
	while [ ! -f "/tmp/$_n.info" ]; do
		if [ $_i -ge 1200 ] || ! kill -0 "$TP" 2>/dev/null; then
			fail "target $_n ($*) starts"
			sed 's/^/    /' "/tmp/$_n.log"
			return 1
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
}

# info NAME KEY: a value from the target's info file.
info() { sed -n "s/^$2=//p" "/tmp/$1.info"; }

# tstat NAME KEY [PID]: seq, pos, sigchld, eintr... of target NAME, read
# from its memory (or from PID's, e.g. a clone of it).
tstat() {
	snapcheck stats "${3:-$(info "$1" pid)}" "/tmp/$1.info" | tr ' ' '\n' |
		sed -n "s/^$2=//p"
}

is_pid() {
	case "$1" in
	'' | *[!0-9]*) return 1 ;;
	esac
	[ "$1" -gt 0 ]
}

# poll SECS CMD...: until CMD succeeds, every 0.1 s.
poll() {
	_t=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		_t=$((_t - 1))
		[ $_t -gt 0 ] || return 1
		sleep 0.1
	done
}

stat_is() { [ "$(tstat "$1" "$2")" = "$3" ]; }
state_is() { [ "$(snapctl state "$1" 2>/dev/null)" = "$2" ]; }
gone() { [ ! -e "/proc/$1" ]; }
seq_above() { [ "$(tstat "$1" seq)" -gt "$2" ]; }

# The pids of every procsnap clone on the system.
clones() {
	for _d in /proc/[0-9]*; do
		case "$(cat "$_d/comm" 2>/dev/null)" in
		procsnap/*) echo "${_d#/proc/}" ;;
		esac
	done
}

# Snapshots snapctl list shows (lines that start with a pid).
nlist() { snapctl list 2>/dev/null | grep -cE '^ *[0-9]+ '; }

# req PID [ARGS]: request and wait; sets C (the clone pid) and RC.
req() {
	C=$(snapctl request "$@" --timeout "$REQ_TIMEOUT" 2>/tmp/req.err)
	RC=$?
	if [ $RC != 0 ] || ! is_pid "$C"; then
		sed 's/^/    /' /tmp/req.err
		return 1
	fi
}

# now_cs: uptime in hundredths of a second.
now_cs() { cut -d' ' -f1 /proc/uptime | tr -d .; }

cleanup() {
	for _p in $PIDS; do
		kill -9 "$_p" 2>/dev/null
	done
	for _p in $PIDS; do
		wait "$_p" 2>/dev/null
	done
	PIDS=""
	snapctl delete --all >/dev/null 2>&1
}
trap 'cleanup; rmmod procsnap 2>/dev/null; exit 1' INT TERM

# The module must implement snapshots at all, or nothing below means much.
need_snapshots() {
	if ! rawreq features >/tmp/feat.out 2>&1; then
		fail "the module implements snapshots ($(cat /tmp/feat.out))"
		rmmod procsnap
		exit 1
	fi
}
# --- end of helpers ---

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots

# snap_and_check NAME DESCRIPTION [REQUEST-ARGS]: request a snapshot of
# target NAME, check its threads (and its buffer when the main thread
# writes), delete it.
snap_and_check() {
	_t=$(info "$1" pid)
	if req "$_t" ${3:+"$3"}; then
		pass "$2: snapshot taken (clone $C)"
		snapcheck threads "$C" "/tmp/$1.info"
		case "$(info "$1" main)" in
		write | sleep) snapcheck consistent "$C" "/tmp/$1.info" ;;
		esac
		if snapctl threads "$C" --json >/tmp/threads.json 2>&1 &&
			grep -q "$(info "$1" tid.0)" /tmp/threads.json; then
			pass "$2: snapctl threads --json lists the threads"
		else
			fail "$2: snapctl threads --json"
			sed 's/^/    /' /tmp/threads.json
		fi
		snapctl delete "$C" >/dev/null || fail "$2: delete $C"
	else
		fail "$2: snapctl request (exit $RC)"
	fi
}

stop_target() {
	kill -9 "$TP"
	wait "$TP"
}

# --- 4 threads: main rewrites the buffer, 3 workers in each mode -------------
for mode in busy sleep read idle; do
	start_target "w$mode" --threads 4 --mode "$mode" --size 1M || continue
	snap_and_check "w$mode" "4 threads, workers $mode"
	stop_target
done

# --- single-threaded, the main thread in the asm loop ---------------------------
for mode in busy sleep; do
	start_target "s$mode" --main "asm-$mode" || continue
	snap_and_check "s$mode" "1 thread, $mode"
	stop_target
done

# A thread blocked in read() is duplicated only when the read returns.
if start_target sread --main asm-read --fifo /tmp/sread.fifo; then
	sread=$TP
	check_rc "1 thread blocked in read: request --no-wait" 0 \
		snapctl request "$sread" --no-wait
	sleep 2
	check "1 thread blocked in read: still requested after 2 s" \
		state_is "$sread" requested
	check "1 thread blocked in read: no clone yet" test -z "$(clones)"
	echo x >/tmp/sread.fifo
	if poll 30 sh -c "snapctl state $sread | grep -q '^done '"; then
		c=$(snapctl state "$sread" | sed 's/^done //')
		pass "1 thread blocked in read: done once the read returns (clone $c)"
		snapcheck threads "$c" /tmp/sread.info
		snapctl delete "$c" >/dev/null
	else
		fail "1 thread blocked in read: not done after its read returned ($(snapctl state "$sread" 2>&1))"
	fi
	kill -9 "$sread"
	wait "$sread"
fi

# --- 4 threads, every one blocked ---------------------------------------------
if start_target ablk --threads 4 --mode read --main asm-read \
	--fifo /tmp/ablk.fifo; then
	ablk=$TP
	# By default nothing happens until a thread returns to user mode...
	check_rc "4 blocked threads: request --no-wait" 0 \
		snapctl request "$ablk" --no-wait
	sleep 1
	check "4 blocked threads: still requested after 1 s" \
		state_is "$ablk" requested
	check_rc "4 blocked threads: cancel" 0 snapctl cancel "$ablk"
	check "4 blocked threads: idle after cancel" state_is "$ablk" idle
	# ...but --interrupt gets every thread out of its read at once.
	snap_and_check ablk "4 blocked threads, --interrupt" --interrupt
	check "4 blocked threads: every read restarted without EINTR" \
		stat_is ablk eintr 0
	c1=$(tstat ablk c1)
	# one byte: one more read, one more count
	printf x >"/proc/$ablk/fd/$(info ablk pipe.1 | cut -d, -f2)"
	check "4 blocked threads: a worker reads on afterwards" \
		poll 10 stat_is ablk c1 $((c1 + 1))
	stop_target
fi

cleanup
check "no clone left on the system" test -z "$(clones)"
check_rc "rmmod procsnap" 0 rmmod procsnap
