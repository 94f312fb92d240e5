#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Lifetimes: a target that exits with a request pending, a requester killed
# while it waits, an OWNED snapshot that goes with its file, rmmod with live
# snapshots and a pending request, and 200 request/delete cycles that leave
# no zombie, no clone and no memory behind.
. /tests/lib.sh
. /tests/snaplib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots

# --- the target exits while its request is pending -----------------------------
# exit_pending NAME raw|cli: rawreq or snapctl waits for a snapshot of a
# blocked target that is killed meanwhile; sets RC to its exit status.
exit_pending() {
	_n=$1
	start_target "$_n" --size 1M --main read --fifo "/tmp/$_n.fifo" || return 1
	_x=$TP
	if [ "$2" = raw ]; then
		rawreq request "$_x" --wait --expect ESRCH,failed:ESRCH \
			>"/tmp/$_n.req" 2>&1 &
	else
		snapctl request "$_x" >"/tmp/$_n.req" 2>&1 &
	fi
	_rq=$!
	check "$_n: the request of a blocked target is pending" \
		poll 10 state_is "$_x" requested
	sleep 1
	kill -9 "$_x"
	wait "$_x"
	wait "$_rq"
	RC=$?
	_st=$(snapctl state "$_x" 2>&1)
	_rc=$?
	case "$_rc:$_st" in
	6:* | 0:idle | "0:failed "*) pass "$_n: no request left for the dead target ($_rc: $_st)" ;;
	*) fail "$_n: state of the dead target: exit $_rc, '$_st'" ;;
	esac
	check "$_n: the dead target left no snapshot" test "$(nlist)" = 0
	check "$_n: the dead target left no clone" test -z "$(clones)"
}
if exit_pending exraw raw; then
	if [ "$RC" = 0 ]; then
		pass "the target exited: WAIT reports ESRCH ($(tail -n1 /tmp/exraw.req))"
	else
		fail "the target exited: WAIT reports '$(tail -n1 /tmp/exraw.req)', want ESRCH"
	fi
fi
if exit_pending excli cli; then
	# The target is gone: "no such process", exit 6.
	if [ "$RC" = 6 ] &&
		grep -qiE 'ESRCH|no such process' /tmp/excli.req; then
		pass "the target exited: snapctl request fails with ESRCH (exit $RC)"
	else
		fail "the target exited: snapctl request exit $RC"
		sed 's/^/    /' /tmp/excli.req
	fi
fi

# --- the requester dies while it waits -------------------------------------------
if start_target rk --size 1M --main read --fifo /tmp/rk.fifo; then
	rk=$TP
	snapctl request "$rk" >/dev/null 2>&1 &
	rq=$!
	check "snapctl request waits on a blocked target" \
		poll 10 state_is "$rk" requested
	kill -9 "$rq"
	wait "$rq"
	check "the killed requester's request is cancelled" poll 5 state_is "$rk" idle
	s1=$(tstat rk seq)
	echo x >/tmp/rk.fifo
	check "the target reads on" poll 10 seq_above rk "$s1"
	check "the cancelled request made no snapshot" test "$(nlist)" = 0
fi

# --- OWNED: the snapshot lives as long as the requesting file ---------------------
if start_target own --size 4M --main sleep; then
	own=$TP
	rawreq request "$own" --flags 2 --wait --hold >/tmp/own.out 2>&1 &
	rh=$!
	PIDS="$PIDS $rh"
	if poll 60 grep -q '^holding' /tmp/own.out; then
		c=$(sed -n 's/^clone=//p' /tmp/own.out)
		check "an OWNED snapshot exists while its file is open ($c)" \
			sh -c "snapctl list | grep -qE '^ *$c '"
		snapcheck consistent "$c" /tmp/own.info
		kill -TERM "$rh"
		wait "$rh"
		check "closing the file deletes the OWNED snapshot" poll 10 gone "$c"
		check "snapctl list is empty again" test "$(nlist)" = 0
		check "the target has no SIGCHLD" stat_is own sigchld 0
	else
		fail "OWNED request"
		sed 's/^/    /' /tmp/own.out
	fi
fi
# SIGKILL deletes a snapshot too.
if [ -n "$own" ] && kill -0 "$own" 2>/dev/null; then
	if req "$own"; then
		c=$C
		kill -9 "$c"
		check "kill -9 of a clone deletes it (reaped)" poll 10 gone "$c"
		check "snapctl list no longer shows it" test "$(nlist)" = 0
		check "its target is idle again" state_is "$own" idle
		check "its target got no SIGCHLD" stat_is own sigchld 0
	else
		fail "snapctl request of a sleeping target (exit $RC)"
	fi
fi
# A pending OWNED request goes with its file too.
if [ -n "$rk" ] && kill -0 "$rk" 2>/dev/null; then
	check_rc "OWNED request of a blocked target, then exit" 0 \
		rawreq request "$rk" --flags 2
	check "the pending OWNED request is cancelled when its file closes" \
		poll 5 state_is "$rk" idle
	s1=$(tstat rk seq)
	echo x >/tmp/rk.fifo
	check "the target reads on" poll 10 seq_above rk "$s1"
	check "no snapshot came of it" test "$(nlist)" = 0
fi
cleanup

# --- rmmod with 3 snapshots and a pending request -------------------------------
if start_target live --size 4M --main sleep &&
	start_target pend --size 1M --main read --fifo /tmp/pend.fifo; then
	pend=$TP
	live=$(info live pid)
	cs=""
	for i in 1 2 3; do
		req "$live" && cs="$cs $C"
	done
	check "3 snapshots before rmmod" test "$(nlist)" = 3
	check_rc "a pending request before rmmod" 0 snapctl request "$pend" --no-wait
	check "it is pending" state_is "$pend" requested
	check_rc "rmmod procsnap with 3 snapshots and a pending request" 0 \
		rmmod procsnap
	left=""
	for c in $cs; do
		gone "$c" || left="$left $c"
	done
	check "rmmod deleted every clone" test -z "$left$(clones)"
	s1=$(tstat pend seq)
	echo x >/tmp/pend.fifo
	check "the target of the cancelled request reads on after rmmod" \
		poll 10 seq_above pend "$s1"
	check "it survives its read returning" kill -0 "$pend"
	s1=$(tstat live seq)
	check "the snapshotted target runs on after rmmod" poll 10 seq_above live "$s1"
	check "it got no SIGCHLD" stat_is live sigchld 0
	check_rc "modprobe procsnap again" 0 modprobe procsnap
	check "no snapshot survived the reload" test "$(nlist)" = 0
	check "the pending request did not survive the reload" state_is "$pend" idle
fi
cleanup

# --- 200 request/delete cycles ------------------------------------------------
mem_avail() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }
zombies() {
	for _d in /proc/[0-9]*; do
		[ "$(sed 's/.*) //' "$_d/stat" 2>/dev/null | cut -d' ' -f1)" = Z ] &&
			echo "${_d#/proc/}"
	done
}
if start_target cyc --size 4M --main write; then
	cyc=$TP
	sleep 1
	m0=$(mem_avail)
	rawreq cycle "$cyc" 200
	i=0
	while [ $i -lt 20 ]; do
		req "$cyc" || break
		snapctl delete "$C" >/dev/null || break
		i=$((i + 1))
	done
	if [ $i = 20 ]; then
		pass "20 snapctl request/delete cycles"
	else
		fail "snapctl request/delete cycle $i failed"
	fi
	check "no snapshot left after the cycles" test "$(nlist)" = 0
	check "no clone left after the cycles" test -z "$(clones)"
	check "the target ran through the cycles" kill -0 "$cyc"
	check "the target got no SIGCHLD" stat_is cyc sigchld 0
	# A zombie that lasts is a leak; a transient one is a process exiting.
	z=$(zombies)
	[ -n "$z" ] && sleep 1 && z=$(for p in $z; do zombies | grep -x "$p"; done)
	check "no zombie on the system ($(echo "$z" | xargs))" test -z "$z"
	sleep 1
	m1=$(mem_avail)
	d=$((m0 - m1))
	[ $d -lt 0 ] && d=$((-d))
	if [ $((d * 20)) -le "$m0" ]; then
		pass "MemAvailable back within 5% (${m0} kB -> ${m1} kB)"
	else
		fail "MemAvailable ${m0} kB -> ${m1} kB: more than 5% off"
	fi
fi
cleanup
check "no clone left on the system" test -z "$(clones)"
check_rc "rmmod procsnap" 0 rmmod procsnap
