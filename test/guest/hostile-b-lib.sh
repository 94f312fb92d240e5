# SPDX-License-Identifier: GPL-2.0
# Sourced by 44-races, 45-jobctl, 47-cgroups, 48-scale and 49-instant after
# lib.sh and snaplib.sh: starting the hostile tests' programs, the module's
# object counters, limits, cgroups.
OBJECTS=/sys/module/procsnap/parameters/objects

# hb_start NAME PROG ARGS...: start PROG --info /tmp/NAME.info ARGS (it
# writes the info file once set up), wait up to 240 s; sets TP, adds it to
# PIDS (cleanup kills it) and prints how long the start took.
hb_start() {
	_n=$1 _prog=$2
	shift 2
	rm -f "/tmp/$_n.info" "/tmp/$_n.info.tmp"
	_t0=$(now_cs)
	"$_prog" --info "/tmp/$_n.info" "$@" >"/tmp/$_n.log" 2>&1 &
	TP=$!
	PIDS="$PIDS $TP"
	_i=0
	while [ ! -f "/tmp/$_n.info" ]; do
		if [ $_i -ge 2400 ] || ! kill -0 "$TP" 2>/dev/null; then
			fail "$_n: $_prog $* starts"
			sed 's/^/    /' "/tmp/$_n.log"
			return 1
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "$_n: $_prog $* ready after $(($(now_cs) - _t0)) cs (pid $TP)"
}

# hb_forget: the targets started are gone (reaped): cleanup has nothing
# to kill.
hb_forget() { PIDS=""; }

# hb_step TEXT: say in the kernel log (at a level the console shows) which step runs, so that a splat on
# the console can be placed (the test's own output is shown only after).
hb_step() { echo "<2>hostile-b: $*" >/dev/kmsg; }

# ival NAME KEY: a value from /tmp/NAME.info.
ival() { sed -n "s/^$2=//p" "/tmp/$1.info"; }

# objects_zero [SECS]: the module's object counters reach 0 (requests,
# works, snapshots) within SECS (default 15).
objects_zero() {
	poll "${1:-15}" sh -c "[ \"\$(cat $OBJECTS)\" = 'requests=0 works=0 snapshots=0' ]"
}

# hb_finish: how every test here ends: its processes killed, no clone left,
# the module's counters at 0 once the targets are gone, rmmod.
hb_finish() {
	cleanup
	check "no clone left on the system" test -z "$(clones)"
	if objects_zero 15; then
		pass "objects at 0 once the targets are gone"
	else
		fail "objects at 0 once the targets are gone ($(cat "$OBJECTS"))"
	fi
	check_rc "rmmod procsnap" 0 rmmod procsnap
}

# after_each WHAT NAME: the checks every step ends with: the target NAME
# lives and makes progress (its heartbeat), the counters are back at 0, no
# clone is left on the system.
after_each() {
	_p=$(ival "$2" pid)
	check "$1: the target lives and progresses" \
		hbtool progress "$_p" "$(ival "$2" hb)" 10
	if objects_zero 15; then
		pass "$1: objects back to 0"
	else
		fail "$1: objects back to 0 ($(cat $OBJECTS))"
	fi
	_c=$(clones | xargs)
	check "$1: no clone left ($_c)" test -z "$_c"
}

# run_tool NAME CMD...: CMD prints its own PASS:/FAIL: lines; one that dies
# without saying why still fails.
run_tool() {
	_name=$1
	shift
	hb_step "$_name: $*"
	"$@" >/tmp/tool.out 2>&1
	_rc=$?
	cat /tmp/tool.out
	if [ $_rc -gt 1 ] && ! grep -q '^FAIL:' /tmp/tool.out; then
		fail "$_name: $1 exited $_rc"
	fi
}

# raise_limits: room for 10,000 threads, 100,000 files, 100,000 mappings.
raise_limits() {
	echo 4194304 >/proc/sys/kernel/pid_max
	echo 200000 >/proc/sys/kernel/threads-max
	echo 300000 >/proc/sys/vm/max_map_count
	echo 2000000 >/proc/sys/fs/nr_open
	echo 2000000 >/proc/sys/fs/file-max
}

# cgroup2_root: where cgroup v2 is mounted (mounted there if it is not);
# empty when it cannot be.
CG=/sys/fs/cgroup
cgroup2_root() {
	# Any source name: 46-linger mounts it as "none".
	if ! grep -q " $CG cgroup2 " /proc/mounts; then
		mkdir -p $CG
		mount -t cgroup2 none $CG 2>/dev/null || return 1
	fi
	echo $CG
}

# cg_frozen DIR: cgroup.events says frozen 1.
cg_frozen() { grep -qx 'frozen 1' "$1/cgroup.events"; }

# cg_empty DIR: no process left in it.
cg_empty() { [ -z "$(cat "$1/cgroup.procs")" ]; }

# clone_of TARGET: the pid of a live clone of TARGET, if any.
clone_of() {
	for _d in /proc/[0-9]*; do
		[ "$(cat "$_d/comm" 2>/dev/null)" = "procsnap/$1" ] || continue
		case "$(sed 's/.*) //' "$_d/stat" 2>/dev/null | cut -c1)" in
		Z | X | '') ;;
		*) echo "${_d#/proc/}" && return ;;
		esac
	done
}

# list_json_field CLONE FIELD: a number of snapctl list --json's entry.
list_json_field() {
	snapctl list --json | tr '{' '\n' | grep "\"clone_pid\":$1," |
		sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}
