# SPDX-License-Identifier: GPL-2.0
# Sourced by the hostile tests (40-46) after lib.sh and snaplib.sh: the
# module's object counters, the device's mode and Yama's ptrace_scope (both
# restored on exit), programs that announce themselves with an info file,
# and finding a planted pattern in collected evidence.
OBJECTS=/sys/module/procsnap/parameters/objects
YAMA=/proc/sys/kernel/yama/ptrace_scope
YAMA0=$(cat $YAMA 2>/dev/null)

objects() { cat $OBJECTS 2>/dev/null; }
objects_zero() { [ "$(objects)" = "requests=0 works=0 snapshots=0" ]; }

# check_objects_zero LABEL: the counters reach 0 within 30 s.
check_objects_zero() {
	if poll 30 objects_zero; then
		pass "$1: objects back to requests=0 works=0 snapshots=0"
	else
		fail "$1: objects still '$(objects)' after 30 s"
	fi
}

# Open the device to everyone for the test; hostile_restore undoes it.
dev_open() { chmod 0666 /dev/procsnap; }

# yama N: set ptrace_scope (returns 1 when Yama is not there).
yama() {
	[ -n "$YAMA0" ] || return 1
	echo "$1" >$YAMA
}

hostile_restore() {
	[ -n "$YAMA0" ] && echo "$YAMA0" >$YAMA 2>/dev/null
	[ -e /dev/procsnap ] && chmod 0600 /dev/procsnap
}

# start_info NAME CMD...: run CMD (it takes the info file /tmp/NAME.info
# from the caller's arguments) in the background and wait until the info
# file exists; sets TP, adds it to PIDS.
start_info() {
	_n=$1
	shift
	"$@" >"/tmp/$_n.log" 2>&1 &
	TP=$!
	PIDS="$PIDS $TP"
	_i=0
	while [ ! -f "/tmp/$_n.info" ]; do
		if [ $_i -ge 600 ] || ! kill -0 "$TP" 2>/dev/null; then
			fail "$_n ($*) starts"
			sed 's/^/    /' "/tmp/$_n.log"
			return 1
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
}

# kv FILE KEY: a value from a key=value file.
kv() { sed -n "s/^$2=//p" "$1"; }

# seg_of MAPSFILE ADDR: "START-END" of the mapping that holds ADDR.
seg_of() {
	_a=$(($2))
	while read -r _r _rest; do
		_s=${_r%-*}
		_e=${_r#*-}
		if [ $((0x$_s)) -le "$_a" ] && [ "$_a" -lt $((0x$_e)) ]; then
			echo "$_r"
			return 0
		fi
	done <"$1"
	return 1
}

# ev_has_pattern DIR INFO: the evidence directory DIR (snapctl collect
# -o DIR) holds plantpat's pattern (INFO.pat) at its address, byte for byte.
ev_has_pattern() {
	_addr=$(kv "$2" addr)
	_len=$(kv "$2" len)
	_seg=$(seg_of "$1/index.txt" "$_addr") || {
		echo "no segment holds $_addr"
		return 1
	}
	_off=$((_addr - 0x${_seg%-*}))
	dd if="$1/segments/$_seg.img" of=/tmp/ev.slice bs=4096 \
		skip=$((_off / 4096)) count=$((_len / 4096)) 2>/dev/null
	cmp /tmp/ev.slice "$2.pat"
}

# ns_of PID NS: the namespace link /proc/PID/ns/NS points to.
ns_of() { readlink "/proc/$1/ns/$2" 2>/dev/null; }

# kill_wait PID...: SIGKILL and reap.
kill_wait() {
	for _p in "$@"; do
		kill -9 "$_p" 2>/dev/null
	done
	for _p in "$@"; do
		wait "$_p" 2>/dev/null
	done
}

# finished PID: a child of ours has exited (gone, or a zombie not yet
# reaped by `wait`).
finished() {
	[ ! -e "/proc/$1" ] ||
		[ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" = Z ]
}
