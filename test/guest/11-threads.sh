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
. /tests/snaplib.sh

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

# --- many threads: every one must be held and recorded ------------------------
start_target many --threads 64 --mode sleep --size 1M &&
	snap_and_check many "64 threads, workers sleeping" && stop_target

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
	# The result is delivered once: keep the answer that says done.
	if poll 30 sh -c "snapctl state $sread >/tmp/sread.state; grep -q '^done ' /tmp/sread.state"; then
		c=$(sed 's/^done //' /tmp/sread.state)
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
