#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# userfaultfd: a target with a userfaultfd-registered range is refused with
# EOPNOTSUPP (at REQUEST, or as the failed state's error), whether or not its
# monitor asked for UFFD_FEATURE_EVENT_FORK; the monitor never receives a
# UFFD_EVENT_FORK for a clone, the target keeps running, and a monitor
# waiting in poll() (which cannot read the event while parked) hangs
# nothing.  A target without userfaultfd still snapshots.  The targets run
# as root (userfaultfd and EVENT_FORK need no sysctl then).
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-lib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots
trap 'cleanup; rmmod procsnap 2>/dev/null; exit 1' INT TERM

# start_uffd NAME UFFDTARGET-ARGS...: sets TP; returns 77 when the kernel has
# no userfaultfd.
start_uffd() {
	_n=$1
	shift
	rm -f "/tmp/$_n.info" "/tmp/$_n.info.stat"
	uffdtarget --info "/tmp/$_n.info" "$@" >"/tmp/$_n.log" 2>&1 &
	TP=$!
	PIDS="$PIDS $TP"
	poll 30 test -f "/tmp/$_n.info" && return 0
	wait "$TP"
	_rc=$?
	[ $_rc = 77 ] && return 77
	fail "$_n: uffdtarget $* starts (exit $_rc)"
	sed 's/^/    /' "/tmp/$_n.log"
	return 1
}
ustat() { kv "/tmp/$1.info.stat" "$2"; }
seq_past() { [ "$(ustat "$1" seq)" -gt "$2" ]; }
faulted() { [ "$(ustat "$1" faults)" -ge 1 ]; }

# runs_on NAME: the target's main loop advances by 100 steps (its stat file,
# rewritten every 50, is then fresh).
runs_on() {
	_s=$(ustat "$1" seq)
	check "$1: the target keeps running (seq $_s -> ...)" \
		poll 30 seq_past "$1" $((_s + 100))
}

# --- control: no userfaultfd -------------------------------------------------
if start_uffd un --uffd none; then
	if req "$TP"; then
		pass "control: a target without userfaultfd snapshots (clone $C)"
		snapctl delete "$C" >/dev/null
	else
		fail "control: a target without userfaultfd snapshots (exit $RC)"
	fi
fi
cleanup

# --- UFFD_FEATURE_EVENT_FORK, monitor blocked in read() -------------------------
start_uffd uf --uffd fork
rc=$?
if [ $rc = 77 ]; then
	skip "no userfaultfd in this kernel ($(cat /tmp/uf.log))"
elif [ $rc = 0 ]; then
	p=$TP
	check "uf: the monitor resolves a page fault" poll 10 faulted uf
	check_rc "uf: REQUEST of a target with an EVENT_FORK userfaultfd: EOPNOTSUPP" 0 \
		rawreq request "$p" --wait --timeout-ms 30000 \
		--expect EOPNOTSUPP,failed:EOPNOTSUPP
	runs_on uf
	check "uf: its monitor received no UFFD_EVENT_FORK ($(ustat uf forks))" \
		test "$(ustat uf forks)" = 0
	echo "INFO: uf: snapshots held: $(nlist), clones: $(clones | xargs)"
	cleanup
	check "uf: no clone left" test -z "$(clones)"

	# --- a registered range without any event feature --------------------
	if start_uffd up --uffd plain; then
		p=$TP
		check "up: the monitor resolves a page fault" poll 10 faulted up
		check_rc "up: REQUEST of a target with a userfaultfd range (no events): EOPNOTSUPP" 0 \
			rawreq request "$p" --wait --timeout-ms 30000 \
			--expect EOPNOTSUPP,failed:EOPNOTSUPP
		runs_on up
	fi
	cleanup

	# --- EVENT_FORK, the monitor in poll() first ---------------------------
	if start_uffd pp --uffd fork --monitor poll; then
		p=$TP
		check "pp: the monitor resolves a page fault" poll 10 faulted pp
		rawreq request "$p" --wait --timeout-ms 20000 \
			--expect EOPNOTSUPP,failed:EOPNOTSUPP >/tmp/pp.req 2>&1 &
		rq=$!
		if poll 40 finished "$rq"; then
			wait "$rq"
			rc=$?
			if [ $rc = 0 ]; then
				pass "pp: REQUEST of a target whose monitor polls: EOPNOTSUPP ($(xargs </tmp/pp.req))"
			else
				fail "pp: REQUEST of a target whose monitor polls: '$(xargs </tmp/pp.req)', want EOPNOTSUPP"
			fi
			runs_on pp
			check "pp: its monitor received no UFFD_EVENT_FORK ($(ustat pp forks))" \
				test "$(ustat pp forks)" = 0
		else
			fail "pp: REQUEST + WAIT (20 s timeout) of a target whose uffd monitor polls returns within 40 s"
			echo "    requester: $(xargs </tmp/pp.req); state $(sed 's/.*) //' /proc/$rq/stat | cut -d' ' -f1); objects: $(objects)"
			for t in "/proc/$p/task/"*; do
				echo "    target thread ${t##*/}: $(sed 's/.*) //' "$t/stat" | cut -d' ' -f1) $(cat "$t/wchan" 2>/dev/null)"
			done
			echo "    requester's kernel stack:"
			sed 's/^/      /' "/proc/$rq/stack" 2>/dev/null
			echo "    duplicating thread's kernel stack:"
			sed 's/^/      /' "/proc/$p/task/$p/stack" 2>/dev/null
			kill -9 "$p"
			check "pp: killing the target frees the stuck requester" \
				poll 30 finished "$rq"
			wait "$rq"
		fi
	fi
	cleanup
fi

# --- nothing left behind ----------------------------------------------------
cleanup
check "no clone left on the system" test -z "$(clones)"
check_objects_zero "43-uffd"
check_rc "rmmod procsnap" 0 rmmod procsnap
