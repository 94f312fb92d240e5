# SPDX-License-Identifier: GPL-2.0
# Sourced by the snapshot tests (1x-*.sh) after lib.sh: starting and
# watching snaptarget processes, finding clones, waiting for conditions.
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
