# SPDX-License-Identifier: GPL-2.0
# Sourced by bench/guest/bench.sh and by the shells it starts (taskset):
# collecting a snapshot, and one application of each cyclictest case.

# collect CLONE DIR: snapctl collect once it exists, else read every
# readable segment of /proc/CLONE/mem (bench's stopcopy --no-stop).
if snapctl help 2>/dev/null | grep -qw collect; then
	COLLECTOR="snapctl collect --no-hash"
	collect() { snapctl collect "$1" -o "$2" --no-hash >/dev/null; }
else
	COLLECTOR="/proc/CLONE/mem read (stopcopy --no-stop)"
	collect() { stopcopy --no-stop "$1" "$2" >/dev/null; }
fi

# op CASE PID: one application of CASE to PID; 0 on success, the tool's
# last words in /tmp/cyc/op.log otherwise.
op() {
	mkdir -p /tmp/cyc
	case "$1" in
	none) return 0 ;;
	stopcopy)
		stopcopy "$2" /tmp/cyc/sc >/tmp/cyc/op.log 2>&1 &&
			rm -rf /tmp/cyc/sc ;;
	gcore)
		rm -f /tmp/cyc/core
		gdb --nx --batch --readnever -ex 'set pagination off' \
			-ex "attach $2" -ex "gcore /tmp/cyc/core" -ex detach \
			-ex quit </dev/null >/tmp/cyc/op.log 2>&1
		[ -s /tmp/cyc/core ] || return 1
		rm -f /tmp/cyc/core ;;
	criu)
		rm -rf /tmp/cyc/criu && mkdir -p /tmp/cyc/criu
		criu dump -t "$2" -D /tmp/cyc/criu --leave-running \
			--shell-job -o dump.log >/tmp/cyc/op.log 2>&1
		_rc=$?
		[ $_rc = 0 ] || tail -n 3 /tmp/cyc/criu/dump.log >>/tmp/cyc/op.log 2>/dev/null
		rm -rf /tmp/cyc/criu
		return $_rc ;;
	procdump)
		rm -rf /tmp/cyc/pd && mkdir -p /tmp/cyc/pd
		timeout 60 procdump -n 1 -s 1 -p "$2" -o /tmp/cyc/pd/dump \
			>/tmp/cyc/op.log 2>&1 </dev/null
		[ -n "$(ls /tmp/cyc/pd)" ] || return 1
		rm -rf /tmp/cyc/pd ;;
	procsnap)
		_c=$(snapctl request "$2" --timeout 60s 2>/tmp/cyc/op.log) &&
			collect "$_c" /tmp/cyc/snap 2>>/tmp/cyc/op.log &&
			rm -rf /tmp/cyc/snap &&
			snapctl delete "$_c" >/dev/null 2>>/tmp/cyc/op.log ;;
	*) return 1 ;;
	esac
}
