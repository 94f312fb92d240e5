#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# exec while a request is pending.  A root tracer (evil exechold) holds the
# exec'ing thread at its execve() entry while the request is made, so the
# request is really pending when the exec runs; the other threads sleep in
# nanosleep(3600 s) and the request has no --interrupt.
#  (a) a non-leader thread execs (it takes over the leader's pid, the old
#      leader goes): the request does not strand.  STATE by the original pid
#      still knows it after the exec, it ends (done with a snapshot of the
#      new image, or failed with an errno) within bounded time, CANCEL by
#      that pid works, and the counters return to 0.
#  (b) uid 1000's own process execs a setuid-root program while uid 1000's
#      request is pending: the request fails with EPERM and no snapshot of
#      the now privileged process exists.
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-lib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots
SUIDFS=/tmp/suidfs
trap 'cleanup; hostile_restore; umount $SUIDFS 2>/dev/null; rmmod procsnap 2>/dev/null; exit 1' INT TERM

st() { snapctl state "$1" 2>&1; }
in_flight() {
	case "$(st "$1")" in
	requested | duplicating) return 0 ;;
	esac
	return 1
}
not_in_flight() { ! in_flight "$1"; }
nthreads() {
	set -- "/proc/$1/task/"*
	echo $#
}
tstate() { sed 's/.*) //' "/proc/$1/task/$2/stat" 2>/dev/null | cut -d' ' -f1; }

# exec_setup NAME FROM EXE [PREFIX...]: start exectarget (under PREFIX,
# e.g. runas; $ETHREADS threads, default 3), its exec thread traced by evil
# exechold and held at its execve() entry.  Sets ET (pid), ETID (exec
# thread), EH (tracer).
exec_setup() {
	_n=$1 _from=$2 _exe=$3
	shift 3
	rm -rf "/tmp/$_n.info" "/tmp/$_n.info2" "/tmp/$_n.info2.marker" \
		"/tmp/$_n.go" "/tmp/$_n.t"
	mkdir "/tmp/$_n.t"
	start_info "$_n" "$@" exectarget --info "/tmp/$_n.info" \
		--go "/tmp/$_n.go" --exec "$_exe" --info2 "/tmp/$_n.info2" \
		--from "$_from" --threads "${ETHREADS:-3}" || return 1
	ET=$TP
	ETID=$(kv "/tmp/$_n.info" exec_tid)
	evil exechold "$ETID" "/tmp/$_n.t" >"/tmp/$_n.hold" 2>&1 &
	EH=$!
	PIDS="$PIDS $EH"
	if ! poll 20 test -f "/tmp/$_n.t/seized"; then
		fail "$_n: the tracer seizes the exec thread $ETID"
		sed 's/^/    /' "/tmp/$_n.hold"
		return 1
	fi
	printf g >"/tmp/$_n.go"
	if ! poll 20 test -f "/tmp/$_n.t/held"; then
		fail "$_n: the exec thread is held at its execve() entry"
		sed 's/^/    /' "/tmp/$_n.hold"
		return 1
	fi
	pass "$_n: thread $ETID of $ET is held at its execve() entry ($(tstate "$ET" "$ETID"))"
}
hcmd() { printf %s "$2" >"/tmp/$1.t/cmd"; }

# exec_stop NAME: let the held exec run to its PTRACE_EVENT_EXEC stop.
exec_stop() {
	hcmd "$1" e
	if poll 30 test -f "/tmp/$1.t/exec"; then
		pass "$1: the exec reached its exec stop ($(tr '\n' ' ' <"/tmp/$1.t/exec"))"
	else
		fail "$1: the exec reached its exec stop"
		sed 's/^/    /' "/tmp/$1.hold"
		return 1
	fi
}

# --- (a) exec from a non-leader thread: STATE, then the outcome --------------
if exec_setup ea thread /usr/bin/exectarget; then
	p=$ET
	check_rc "ea: request (no --interrupt) of the 3-thread sleeping target" 0 \
		rawreq request "$p"
	check "ea: the request is pending" state_is "$p" requested
	if exec_stop ea; then
		check "ea: after the exec the target $p has one thread ($(nthreads "$p"))" \
			test "$(nthreads "$p")" = 1
		# A result is delivered once: the answer that ends it is kept.
		s=$(st "$p")
		final=
		case "$s" in
		requested | duplicating)
			pass "ea: STATE by the original pid still knows the request after the exec ($s)" ;;
		"done "* | "failed "*)
			pass "ea: STATE by the original pid reports the request after the exec ($s)"
			final=$s ;;
		*) fail "ea: STATE by the original pid after the exec: '$s' (want requested, done or failed)" ;;
		esac
		hcmd ea d
		poll 30 test -f /tmp/ea.info2
		check "ea: stage 2 (the new image) runs" test -f /tmp/ea.info2
		if [ -z "$final" ]; then
			poll 30 sh -c "snapctl state $p >/tmp/ea.st 2>&1; ! grep -qxE 'requested|duplicating' /tmp/ea.st"
			final=$(cat /tmp/ea.st)
		fi
		s=$final
		case "$s" in
		"done "*)
			c=${s#done }
			pass "ea: the request ended: $s"
			tr '\0' ' ' <"/proc/$c/cmdline" >/tmp/ea.cmdline 2>/dev/null
			check "ea: the snapshot is of the new image ($(cat /tmp/ea.cmdline))" \
				grep -q -- --stage2 /tmp/ea.cmdline
			;;
		"failed ESRCH"*)
			# The process lives on (it exec'd): "no such process"
			# would be a lie (the threads the exec killed are no
			# reason to fail).
			fail "ea: the request ended: '$s', but the target lives" ;;
		"failed "*) pass "ea: the request ended: $s" ;;
		*) fail "ea: the request ends (done or failed) within 30 s of the exec: STATE by the original pid '$s'" ;;
		esac
		n=$(nlist)
		echo "INFO: ea: snapshots held now: $n, clones: $(clones | xargs)"
		check "ea: STATE is idle once the result was read" state_is "$p" idle
	fi
fi
cleanup
check "ea: no clone left" test -z "$(clones)"
check_objects_zero "ea"

# --- (a) exec from a non-leader thread: CANCEL by the original pid -----------
if exec_setup eb thread /usr/bin/exectarget; then
	p=$ET
	check_rc "eb: request (no --interrupt) of the 3-thread sleeping target" 0 \
		rawreq request "$p"
	check "eb: the request is pending" state_is "$p" requested
	if exec_stop eb; then
		s=$(st "$p")
		case "$s" in
		"failed "* | "done "*)
			pass "eb: the request ended with the exec ($s)"
			check_rc "eb: CANCEL by the original pid: nothing in flight, ENOENT" 0 \
				rawreq cancel "$p" --expect ENOENT
			# Done: a snapshot of the new image, not what this
			# part is about; it goes.
			case "$s" in "done "*) snapctl delete "${s#done }" >/dev/null ;; esac
			;;
		*)
			check_rc "eb: CANCEL by the original pid after the exec (STATE '$s')" 0 \
				rawreq cancel "$p"
			;;
		esac
		check "eb: idle after the cancel" state_is "$p" idle
		hcmd eb d
		check "eb: stage 2 (the new image) runs" poll 30 test -f /tmp/eb.info2
		# What did not happen needs a wait: stage 2 runs in 1 ms steps.
		sleep 1
		check "eb: the cancelled request made no snapshot ($(clones | xargs))" \
			test -z "$(clones)" -a "$(nlist)" = 0
	fi
fi
cleanup
check_objects_zero "eb"

# --- (b) setuid exec while an unprivileged request is pending -----------------
mkdir -p $SUIDFS
# A tmpfs of our own: setuid must not depend on how /tmp is mounted.
if ! mount -t tmpfs -o mode=755,suid tmpfs $SUIDFS; then
	skip "setuid exec: cannot mount a tmpfs"
else
	cp /usr/bin/exectarget $SUIDFS/exectarget-suid
	chown 0:0 $SUIDFS/exectarget-suid
	chmod 4755 $SUIDFS/exectarget-suid
	rm -f /tmp/sc.info /tmp/sc.info.marker
	runas 1000 1000 $SUIDFS/exectarget-suid --stage2 --info /tmp/sc.info \
		>/dev/null 2>&1 &
	sc=$!
	poll 20 test -f /tmp/sc.info
	kill_wait "$sc"
	if [ "$(kv /tmp/sc.info euid)" != 0 ]; then
		skip "setuid exec: the setuid copy does not run as euid 0 ($(tr '\n' ' ' </tmp/sc.info))"
	else
		pass "control: uid 1000 running the setuid copy gets euid 0"
		dev_open
		# uid 1000's request of its own process needs ptrace rights:
		# the target is no descendant of the requester.
		yama 0
		# One thread: the exec'ing one is the only one to duplicate.
		if ETHREADS=1 exec_setup es leader $SUIDFS/exectarget-suid \
			runas 1000 1000; then
			p=$ET
			runas 1000 1000 rawreq request "$p" --wait --timeout-ms 60000 \
				--expect failed:EPERM,EPERM >/tmp/es.req 2>&1 &
			rq=$!
			check "es: uid 1000's request of its own process is pending" \
				poll 20 state_is "$p" requested
			# Detached, the exec is untraced: the setuid bit counts.
			hcmd es d
			poll 30 test -f /tmp/es.info2
			check "es: the exec made the target setuid root ($(tr '\n' ' ' </tmp/es.info2 2>/dev/null))" \
				test "$(kv /tmp/es.info2 euid)" = 0
			wait "$rq"
			rc=$?
			if [ $rc = 0 ]; then
				pass "es: uid 1000's request failed EPERM ($(xargs </tmp/es.req))"
			else
				fail "es: uid 1000's request: '$(xargs </tmp/es.req)', want failed:EPERM"
			fi
			n=$(runas 1000 1000 snapctl list 2>/dev/null | grep -cE '^ *[0-9]+ ')
			check "es: uid 1000's LIST is empty ($n)" test "$n" = 0
			check "es: root's LIST has no snapshot of the privileged process ($(nlist))" \
				test "$(nlist)" = 0
			check "es: no clone exists ($(clones | xargs))" test -z "$(clones)"
		fi
		cleanup
		hostile_restore
	fi
	umount $SUIDFS
fi
rmdir $SUIDFS 2>/dev/null

# --- nothing left behind ----------------------------------------------------
cleanup
check "no clone left on the system" test -z "$(clones)"
check_objects_zero "42-exec"
check_rc "rmmod procsnap" 0 rmmod procsnap
