#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Permissions with the device open to everyone (mode 0666 for this test):
# a user may neither observe nor cancel requests on processes it may not
# ptrace (CANCEL/WAIT/STATE: EPERM, even with no request), and evidence that
# root took of a uid-1000 process is out of that user's reach: no kill, no
# ptrace, no write through /proc/CLONE/mem or process_vm_writev, not in its
# LIST, DELETE/THREADS/FILES/XSTATE/MEM_OPEN refused, while root still
# collects it byte for byte.  A user's own snapshot is its own: listed,
# collected byte for byte (also with Yama ptrace_scope 1 and 2, through
# MEM_OPEN), deleted; another user (1001) can do none of that to it.
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-lib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots
trap 'cleanup; hostile_restore; rmmod procsnap 2>/dev/null; exit 1' INT TERM
dev_open

as1000() { runas 1000 1000 "$@"; }
as1001() { runas 1001 1001 "$@"; }
# Snapshots a user's snapctl list shows.
nlist_as() { runas "$1" "$1" snapctl list 2>/dev/null | grep -cE '^ *[0-9]+ '; }
alive() { kill -0 "$1" 2>/dev/null && ! gone "$1"; }
# stays_alive PID: not gone within 2 s (a SIGKILL lands in far less).
stays_alive() { ! poll 2 gone "$1"; }
clone_uid() { awk '/^Uid:/ { print $2 "/" $3 }' "/proc/$1/status" 2>/dev/null; }

# Yama off for the attacks: only procsnap's own rules may stop them.
yama 0 || skip "no Yama: ptrace_scope not set"

# --- a root process: uid 1000 may neither observe nor cancel -------------------
if start_target rt --size 1M --main read --fifo /tmp/rt.fifo; then
	rt=$TP
	check_rc "uid 1000: STATE of a root process, no request: EPERM" 0 \
		as1000 rawreq state "$rt" --expect EPERM
	check_rc "uid 1000: WAIT on a root process, no request: EPERM" 0 \
		as1000 rawreq wait "$rt" --timeout-ms 1000 --expect EPERM
	check_rc "uid 1000: CANCEL of a root process, no request: EPERM" 0 \
		as1000 rawreq cancel "$rt" --expect EPERM
	check_rc "root: request --no-wait of its blocked process" 0 \
		snapctl request "$rt" --no-wait
	check "root's request is pending" state_is "$rt" requested
	check_rc "uid 1000: STATE of root's pending request: EPERM" 0 \
		as1000 rawreq state "$rt" --expect EPERM
	check_rc "uid 1000: CANCEL of root's pending request: EPERM" 0 \
		as1000 rawreq cancel "$rt" --expect EPERM
	check "root's request survives uid 1000's CANCEL" state_is "$rt" requested
	# Each attempt on a pending request of its own, whatever the last did.
	state_is "$rt" requested || snapctl request "$rt" --no-wait >/dev/null
	check_rc "uid 1000: WAIT (1 s) on root's pending request: EPERM" 0 \
		as1000 rawreq wait "$rt" --timeout-ms 1000 --expect EPERM
	check "root's request survives uid 1000's timed-out WAIT" \
		state_is "$rt" requested
	snapctl cancel "$rt" >/dev/null 2>&1
	kill_wait "$rt"
fi

# --- root snapshots a uid-1000 process: evidence the suspect cannot touch -------
rm -f /tmp/v1.info*
if start_info v1 runas 1000 1000 plantpat --info /tmp/v1.info --seed 1; then
	v=$TP
	addr=$(kv /tmp/v1.info addr)
	byte0=$(kv /tmp/v1.info byte0)
	c1=0 c2=0
	req "$v" && c1=$C
	req "$v" && c2=$C
	check "root took two snapshots of uid 1000's process ($c1 $c2)" \
		sh -c "[ $c1 -gt 0 ] && [ $c2 -gt 0 ]"
	echo "INFO: the clones' uid/euid: $(clone_uid "$c1"), the target's: $(clone_uid "$v")"
	check_rc "uid 1000: PTRACE_ATTACH to the clone: EPERM" 0 \
		as1000 evil ptrace attach "$c1" --expect EPERM
	check_rc "uid 1000: PTRACE_SEIZE of the clone: EPERM" 0 \
		as1000 evil ptrace seize "$c1" --expect EPERM
	check_rc "uid 1000: open /proc/CLONE/mem O_RDWR: EACCES/EPERM" 0 \
		as1000 evil memopen "$c1" rdwr --expect EACCES,EPERM
	check_rc "uid 1000: open /proc/CLONE/mem O_WRONLY: EACCES/EPERM" 0 \
		as1000 evil memopen "$c1" wronly --expect EACCES,EPERM
	check_rc "uid 1000: process_vm_writev into the clone: EPERM" 0 \
		as1000 evil vmwrite "$c1" "$addr" "$byte0" --expect EPERM
	n=$(nlist_as 1000)
	check "uid 1000: snapctl list shows none of root's snapshots ($n)" \
		test "$n" = 0
	check_rc "uid 1000: LIST succeeds" 0 as1000 evil ioctl list
	check_out "uid 1000: LIST counts none of root's snapshots" '^total=0$'
	check_rc "uid 1000: THREADS of the clone: EPERM" 0 \
		as1000 evil ioctl threads "$c1" --expect EPERM
	check_rc "uid 1000: FILES of the clone: EPERM" 0 \
		as1000 evil ioctl files "$c1" --expect EPERM
	check_rc "uid 1000: XSTATE of the clone: EPERM" 0 \
		as1000 evil ioctl xstate "$c1" "$v" --expect EPERM
	check_rc "uid 1000: MEM_OPEN of the clone: EPERM" 0 \
		as1000 evil ioctl memopen "$c1" --expect EPERM

	# The target now destroys its pattern; the snapshot must still hold it.
	kill -USR1 "$v"
	check "the target overwrote its pattern" poll 10 test -f /tmp/v1.info.over
	check_rc "the target's own memory no longer holds the pattern" 0 \
		evil peek "$v" "$addr" /tmp/v1.info.pat --expect mismatch
	rm -rf /tmp/ev40r
	check_rc "root: snapctl collect of the snapshot" 0 \
		snapctl collect "$c1" -o /tmp/ev40r --no-hash
	check "root: the collected image holds the pattern byte for byte" \
		ev_has_pattern /tmp/ev40r /tmp/v1.info
	# The clone runs as root: the manifest must name the target's ids.
	ids=""
	for k in uid.0 uid.1 uid.2 uid.3 gid.0 gid.3 cap_eff cap_prm; do
		ids="$ids $k=$(evcheck get /tmp/ev40r/manifest.json target.$k)"
	done
	check "root: the manifest gives the target's ids and capabilities, not the clone's:$ids" \
		test "$ids" = " uid.0=1000 uid.1=1000 uid.2=1000 uid.3=1000 gid.0=1000 gid.3=1000 cap_eff=0000000000000000 cap_prm=0000000000000000"
	check_rc "root: MEM_OPEN + pread of the snapshot gives the pattern, pwrite fails" 0 \
		evil ioctl memopen "$c1" "$addr" /tmp/v1.info.pat

	# Destructive attempts last, one snapshot each.
	check_rc "uid 1000: kill -9 of the clone: EPERM" 0 \
		as1000 evil kill "$c1" --expect EPERM
	check "the clone survives uid 1000's kill -9" stays_alive "$c1"
	check_rc "uid 1000: DELETE of the other clone: EPERM" 0 \
		as1000 rawreq delete "$c2" --expect EPERM
	check "the clone survives uid 1000's DELETE" stays_alive "$c2"
	check_rc "uid 1000: DELETE_ALL succeeds" 0 \
		as1000 rawreq delete 0 --flags 1
	check_out "uid 1000: DELETE_ALL deleted none of root's (deleted=0)" \
		'^deleted=0$'
	check "both clones survive uid 1000's DELETE_ALL" \
		sh -c "! gone $c1 && ! gone $c2"
	snapctl delete --all >/dev/null 2>&1
	kill_wait "$v"
fi
cleanup

# --- uid 1000 snapshots its own process ---------------------------------------
rm -f /tmp/o1.info*
if start_info o1 runas 1000 1000 plantpat --info /tmp/o1.info --seed 7; then
	o=$TP
	addr=$(kv /tmp/o1.info addr)
	c=$(as1000 snapctl request "$o" --timeout 120s 2>/tmp/req.err)
	rc=$?
	if [ $rc = 0 ] && is_pid "$c"; then
		pass "uid 1000: snapshot of its own process (clone $c)"
	else
		fail "uid 1000: snapshot of its own process (exit $rc)"
		sed 's/^/    /' /tmp/req.err
		c=0
	fi
	check "uid 1000: snapctl list shows its snapshot" \
		sh -c "runas 1000 1000 snapctl list | grep -qE '^ *$c '"
	kill -USR1 "$o"
	check "uid 1000's target overwrote its pattern" \
		poll 10 test -f /tmp/o1.info.over
	rm -rf /tmp/ev40u0
	check_rc "uid 1000 (ptrace_scope 0): snapctl collect of its snapshot" 0 \
		as1000 snapctl collect "$c" -o /tmp/ev40u0 --no-hash
	check "uid 1000 (ptrace_scope 0): the image holds the pattern byte for byte" \
		ev_has_pattern /tmp/ev40u0 /tmp/o1.info
	check_rc "uid 1000 (ptrace_scope 0): MEM_OPEN + pread gives the pattern" 0 \
		as1000 evil ioctl memopen "$c" "$addr" /tmp/o1.info.pat
	for scope in 1 2; do
		if ! yama $scope; then
			skip "ptrace_scope $scope: no /proc/sys/kernel/yama/ptrace_scope"
			continue
		fi
		rm -rf "/tmp/ev40u$scope"
		check_rc "uid 1000 (ptrace_scope $scope): snapctl collect of its snapshot" 0 \
			as1000 snapctl collect "$c" -o "/tmp/ev40u$scope" --no-hash
		check "uid 1000 (ptrace_scope $scope): the image holds the pattern byte for byte" \
			ev_has_pattern "/tmp/ev40u$scope" /tmp/o1.info
		check_rc "uid 1000 (ptrace_scope $scope): MEM_OPEN + pread gives the pattern" 0 \
			as1000 evil ioctl memopen "$c" "$addr" /tmp/o1.info.pat
		check_rc "uid 1000 (ptrace_scope $scope): THREADS of its snapshot" 0 \
			as1000 evil ioctl threads "$c"
	done
	yama 0

	# Another user gets nothing of uid 1000's.
	check_rc "uid 1001: STATE of uid 1000's process: EPERM" 0 \
		as1001 rawreq state "$o" --expect EPERM
	check_rc "uid 1001: WAIT on uid 1000's process: EPERM" 0 \
		as1001 rawreq wait "$o" --timeout-ms 1000 --expect EPERM
	check_rc "uid 1001: CANCEL of uid 1000's process: EPERM" 0 \
		as1001 rawreq cancel "$o" --expect EPERM
	n=$(nlist_as 1001)
	check "uid 1001: snapctl list does not show uid 1000's snapshot ($n)" \
		test "$n" = 0
	check_rc "uid 1001: MEM_OPEN of uid 1000's snapshot: EPERM" 0 \
		as1001 evil ioctl memopen "$c" --expect EPERM
	check_rc "uid 1001: DELETE of uid 1000's snapshot: EPERM" 0 \
		as1001 rawreq delete "$c" --expect EPERM
	check "uid 1000's snapshot survives uid 1001's DELETE" stays_alive "$c"
	# At ptrace_scope 1 the clone is no descendant of its requester: the
	# requester may still delete it (a snapshot operation, contract 2).
	yama 1 && sc=1 || sc=0
	check_rc "uid 1000 (ptrace_scope $sc): snapctl delete of its own snapshot" 0 \
		as1000 snapctl delete "$c"
	check "its clone is gone" gone "$c"
	yama 0
	kill_wait "$o"
fi

# A pending request of uid 1000: uid 1001 can neither see nor cancel it.
TPREFIX="runas 1000 1000"
if start_target ob --size 1M --main read --fifo /tmp/ob.fifo; then
	ob=$TP
	check_rc "uid 1000: request --no-wait of its blocked process" 0 \
		as1000 snapctl request "$ob" --no-wait
	check "uid 1000's request is pending" state_is "$ob" requested
	check_rc "uid 1001: STATE of uid 1000's pending request: EPERM" 0 \
		as1001 rawreq state "$ob" --expect EPERM
	check_rc "uid 1001: CANCEL of uid 1000's pending request: EPERM" 0 \
		as1001 rawreq cancel "$ob" --expect EPERM
	check "uid 1000's request survives uid 1001's CANCEL" \
		state_is "$ob" requested
	if state_is "$ob" requested; then
		check_rc "uid 1000: cancel of its own request" 0 \
			as1000 snapctl cancel "$ob"
		check "idle after its owner's cancel" state_is "$ob" idle
	fi
fi
# shellcheck disable=SC2034 # read by snaplib's start_target
TPREFIX=""

# --- nothing left behind ----------------------------------------------------
cleanup
hostile_restore
check "the device is root-only again" \
	test "$(stat -c %a /dev/procsnap)" = 600
check "no clone left on the system" test -z "$(clones)"
check_objects_zero "40-perms"
check_rc "rmmod procsnap" 0 rmmod procsnap
