#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The procsnap benchmarks, in the VM (bench/run.sh boots it with
# --tests bench).  Parameters come from the host through the 9p share
# (/out/bench.conf); raw results go back to /out/raw/, one file per
# measurement, and bench/report.py turns them into the report.  Every
# section prints PASS/FAIL/SKIP lines so the harness can tell it ran.
. /tests/lib.sh

# Defaults: the full run (bench/run.sh overrides them in bench.conf).
SIZES="4M 117M 1G"
RUNS=3
SYS_BATCHES=60
SYS_ITERS=100000
DURATION=10
CYC_CASES="none stopcopy gcore criu procdump procsnap"
CYC_UNTOUCHED_CASES="none stopcopy procsnap"
GROW_MB=100
COLLECT_SIZE=117M
COLLECT_BIG=1G		# a second resident case ("" for none)
COLLECT_RUNS=3
UNTOUCHED_SIZE=1G
UNTOUCHED_TOUCH=4M
SLOW_SIZE=117M
SLOW_PASSES=3
# The scaling section: a 4 MB target with this many threads (in all),
# extra descriptors (dup()s of one file; each of its own file), extra
# mappings.
SCALE_THREADS="1 64 1024"
SCALE_FILES="10 1000 10000"
SCALE_DFILES="10 1000 10000"
SCALE_MAPS="10 1000 10000"
SCALE_SIZE=4M
# Which sections run (bench/run.sh --sections): all by default.
SECTIONS="syscall pause scale collect slowdown cyclictest"
[ -f /out/bench.conf ] && . /out/bench.conf
want() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }

R=/out/raw
rm -rf "$R"
mkdir -p "$R"
# progress goes to the share too, so the host can watch a long run
section() {
	echo "--- $* ($(cut -d' ' -f1 /proc/uptime) s)"
	echo "--- $* ($(cut -d' ' -f1 /proc/uptime) s)" >>"$R/progress.log"
}

# ---- environment ---------------------------------------------------------
{
	echo "kernel=$(uname -r)"
	echo "kversion=$(uname -v)"
	echo "ncpu=$(grep -c ^processor /proc/cpuinfo)"
	echo "memtotal_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"
	echo "guest_cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n1)"
	echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	echo "thp=$(cat /sys/kernel/mm/transparent_hugepage/enabled)"
	echo "preempt=$(uname -v | grep -o 'PREEMPT[_A-Z]*' | head -n1)"
} >"$R/env.txt"

# ---- 2. system-call overhead: before the module is loaded -----------------
if want syscall; then
	section syscall
	# Rounds alternate the three conditions so that drift (boot settling, the
	# host's load) spreads over all of them: unloaded, loaded and idle, a
	# request pending on another (blocked) process.
	SYS_ROUNDS=${SYS_ROUNDS:-3}
	b=$(( (SYS_BATCHES + SYS_ROUNDS - 1) / SYS_ROUNDS ))
	for r in $(seq "$SYS_ROUNDS"); do
		rmmod procsnap 2>/dev/null
		psbench syscall --label nomodule --batches "$b" --iters "$SYS_ITERS" >>"$R/syscall.txt"
		modprobe procsnap || fail "modprobe procsnap"
		psbench syscall --label idle --batches "$b" --iters "$SYS_ITERS" >>"$R/syscall.txt"
		rm -f /tmp/blk.pid
		psbench hold --size 4M --pidfile /tmp/blk.pid &
		blk=$!
		_i=0
		while [ ! -f /tmp/blk.pid ] && [ $_i -lt 600 ]; do sleep 0.1; _i=$((_i + 1)); done
		echo "round $r: request pending on $blk" >>"$R/progress.log"
		if timeout 20 snapctl request "$blk" --no-wait >/dev/null 2>>"$R/syscall.err" &&
			[ "$(timeout 20 snapctl state "$blk")" = requested ]; then
			echo "round $r: measuring" >>"$R/progress.log"
			timeout 600 psbench syscall --label pending --batches "$b" --iters "$SYS_ITERS" >>"$R/syscall.txt" ||
				fail "getpid with a request pending elsewhere finishes"
			timeout 60 snapctl cancel "$blk" >/dev/null 2>&1
		else
			fail "a request stays pending on a blocked process ($(snapctl state "$blk" 2>&1))"
		fi
		echo "round $r: state $(timeout 10 snapctl state "$blk" 2>&1)" >>"$R/progress.log"
		kill -9 "$blk"
		wait "$blk" 2>/dev/null
	done
	check_rc "procsnap loaded" 0 test -e /dev/procsnap
	check "syscall: three conditions measured" test "$(grep -c '^SYSCALL ' "$R/syscall.txt")" = $((3 * SYS_ROUNDS))
fi
# The sections below need the module, which the syscall section leaves loaded.
[ -e /dev/procsnap ] || check_rc "modprobe procsnap" 0 modprobe procsnap

# ---- 1. pause and deletion vs size, fork, stop-and-copy -------------------
if want pause; then
	section pause
	for size in $SIZES; do
		for thp in "" --thp; do
			psbench pause --size "$size" $thp --runs "$RUNS" --stopcopy /tmp/sc \
				>>"$R/pause.txt" 2>>"$R/pause.err"
			n=$(grep -c "^PAUSE size=.* thp=$([ -n "$thp" ] && echo 1 || echo 0) op=procsnap" "$R/pause.txt")
			if [ -n "$thp" ] && grep -q 'THP not supported' "$R/pause.err"; then
				skip "pause: $size THP: this kernel has no THP"
				echo "thp_unsupported=1" >>"$R/env.txt"
			else
				check "pause: $size ${thp:-4K} measured" test "$n" -gt 0
			fi
		done
	done
fi

# ---- 6. pause vs threads, descriptors, mappings ----------------------------
if want scale; then
	section scale
	for kind in threads files dfiles maps; do
		eval "counts=\$SCALE_$(echo "$kind" | tr a-z A-Z)"
		# Threads: also the group-stop floor (see psbench.c).
		gs=
		[ "$kind" = threads ] && gs=--groupstop
		for n in $counts; do
			psbench pause --size "$SCALE_SIZE" --runs "$RUNS" --label "$kind" \
				"--$kind" "$n" $gs >>"$R/scale.txt" 2>>"$R/scale.err"
			got=$(grep -c "^PAUSE .*op=procsnap .*label=$kind .*$kind=$n " "$R/scale.txt")
			check "scale: $kind $n measured" test "$got" -gt 0
		done
	done
fi

# ---- 4. collection --------------------------------------------------------
if want collect; then
	section collect
	. /tests/benchlib.sh
	echo "collector=$COLLECTOR" >>"$R/env.txt"
	used_kb() {
		awk '/^MemTotal:/{t=$2} /^MemFree:/{f=$2} /^Buffers:/{b=$2}
		     /^Cached:/{c=$2} /^SReclaimable:/{s=$2} END{print t-f-b-c-s}' /proc/meminfo
	}
	# rss_kb PID: VmRSS, or statm's resident pages, or 0 (unreadable)
	rss_kb() {
		_v=$(sed -n 's/^VmRSS: *\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null)
		[ -n "$_v" ] || _v=$(awk '{print $2 * 4}' "/proc/$1/statm" 2>/dev/null)
		echo "${_v:-0}"
	}
	# timed LOG CMD...: run CMD, print its wall time in ns (psbench time).
	timed() { psbench time "$@" 2>&1 >/dev/null | sed -n 's/^TIME ns=\([0-9]*\) rc=0$/\1/p'; }
	dir_bytes() { du -sk "$1" | awk '{print $1 * 1024}'; }

	# The SHA-256 floor: one thread hashing the bytes the stopped read
	# wrote (OpenSSL, as the library), timed like the collections.
	sha_ns() {
		command -v openssl >/dev/null || return 0
		# shellcheck disable=SC2046
		timed openssl dgst -sha256 -r $(find "$1" -type f)
	}

	# collect_case LABEL SIZE TOUCH: each run starts a ticking target,
	# collects a snapshot of it with hashes (the complete evidence) and
	# without, then reads it ptrace-stopped, then times one SHA-256 pass
	# over what the stopped read wrote.  A fresh target per run: reading
	# /proc/PID/mem maps the zero page wherever the target never wrote, so
	# after a stopped read its pagemap shows all of it present and a later
	# snapshot would read the untouched gigabyte too.
	collect_case() {
		for i in $(seq "$COLLECT_RUNS"); do
			rm -f /tmp/col.pid
			psbench hold --size "$2" --touch "$3" --tick --pidfile /tmp/col.pid &
			cp=$!
			while [ ! -f /tmp/col.pid ]; do sleep 0.1; done
			for m in procsnap procsnap-nohash; do
				C=$(snapctl request "$cp" --timeout 120s) || { fail "collect: request"; continue; }
				u0=$(used_kb) t0=$(rss_kb "$cp") c0=$(rss_kb "$C")
				nohash=
				[ $m = procsnap-nohash ] && nohash=--no-hash
				ns=$(timed snapctl collect "$C" -o /tmp/col $nohash)
				u1=$(used_kb) t1=$(rss_kb "$cp") c1=$(rss_kb "$C")
				echo "COLLECT case=$1 method=$m run=$i size=$2 touch=$3 ns=$ns bytes=$(dir_bytes /tmp/col) used_before_kb=$u0 used_after_kb=$u1 rss_before_kb=$((t0 + c0)) rss_after_kb=$((t1 + c1)) target_rss_kb=$t0,$t1 clone_rss_kb=$c0,$c1" >>"$R/collect.txt"
				rm -rf /tmp/col
				snapctl delete "$C" >/dev/null
			done
			u0=$(used_kb)
			ns=$(timed stopcopy "$cp" /tmp/col)
			u1=$(used_kb)
			echo "COLLECT case=$1 method=stopped run=$i size=$2 touch=$3 ns=$ns bytes=$(dir_bytes /tmp/col) used_before_kb=$u0 used_after_kb=$u1" >>"$R/collect.txt"
			ns=$(sha_ns /tmp/col)
			[ -n "$ns" ] && echo "COLLECT case=$1 method=sha256 run=$i size=$2 touch=$3 ns=$ns bytes=$(dir_bytes /tmp/col)" >>"$R/collect.txt"
			rm -rf /tmp/col
			kill "$cp"
			wait "$cp" 2>/dev/null
		done
	}
	collect_case resident "$COLLECT_SIZE" "$COLLECT_SIZE"
	[ -n "$COLLECT_BIG" ] && collect_case resident "$COLLECT_BIG" "$COLLECT_BIG"
	collect_case untouched "$UNTOUCHED_SIZE" "$UNTOUCHED_TOUCH"
	check "collect: complete-evidence rows measured" test "$(grep -c 'method=procsnap ' "$R/collect.txt")" -ge 2
fi

# ---- 5. target slowdown while a snapshot is held --------------------------
if want slowdown; then
	section slowdown
	psbench slowdown --size "$SLOW_SIZE" --passes "$SLOW_PASSES" >>"$R/slow.txt" 2>&1
	check "slowdown: three phases" test "$(grep -c 'phase=deleted' "$R/slow.txt")" -gt 0
fi

# ---- 3. cyclictest --------------------------------------------------------
if want cyclictest; then
	section cyclictest
	[ -e /bin/bash ] || ln -s /usr/bin/bash /bin/bash 2>/dev/null
	[ -f /out/bin/gcore ] && cp /out/bin/gcore /usr/bin/gcore && chmod 755 /usr/bin/gcore
	# gdb's Python (standard library and gdb's own modules) from the share
	if [ -f /out/py/version ]; then
		pyver=$(cat /out/py/version)
		mkdir -p /usr/lib /usr/share
		[ -e "/usr/lib/python$pyver" ] || ln -s "/out/py/python$pyver" "/usr/lib/python$pyver"
		[ -e /usr/share/gdb ] || ln -s /out/py/gdb /usr/share/gdb
	fi
	# criu probes TCP repair on the loopback, and nf_tables
	if [ -f /out/kmod/order ]; then
		while read -r ko; do insmod "/out/kmod/$ko" 2>/dev/null; done </out/kmod/order
	fi
	ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null
	mkdir -p /tmp/cyc
	# Which cases run here at all: try each once on an idle target.
	rm -f /tmp/probe.pid
	# (own session: criu dumps only a tree that holds its session leader)
	setsid psbench hold --size 4M --tick --pidfile /tmp/probe.pid &
	while [ ! -f /tmp/probe.pid ]; do sleep 0.1; done
	probe=$(cat /tmp/probe.pid)
	ok_cases=""
	for c in $CYC_CASES; do
		case "$c" in
		gcore) tool=gdb ;;
		procsnap) tool=snapctl ;;
		none) tool=sh ;;
		*) tool=$c ;;
		esac
		if ! command -v "$tool" >/dev/null; then
			echo "case=$c reason=$c is not in the guest" >>"$R/cyc-skip.txt"
			skip "cyclictest case $c: not in the guest"
		elif section "probe $c" && timeout 45 sh -c ". /tests/benchlib.sh; op $c $probe"; then
			ok_cases="$ok_cases $c"
		else
			why=$(grep -v '^$' /tmp/cyc/op.log 2>/dev/null | tail -n 4 | tr '\n' ' ' | cut -c1-200)
			echo "case=$c reason=fails in the guest: $why" >>"$R/cyc-skip.txt"
			cp /tmp/cyc/op.log "$R/probe-$c.log" 2>/dev/null
			skip "cyclictest case $c: fails in the guest: $why"
		fi
	done
	kill "$probe"
	wait "$probe" 2>/dev/null

	# cyc POLICY VARIANT CASE: one cyclictest run with CASE applied repeatedly.
	cyc() {
		pol=$1 var=$2 c=$3
		name=cyc-$pol-$var-$c
		section "$name"
		if [ "$pol" = fifo ]; then popt="-p 99 --policy=fifo"; else popt="--policy=other"; fi
		touchv=1
		[ "$var" = untouched ] && touchv=0
		# shellcheck disable=SC2086
		setsid env LD_PRELOAD=/usr/bin/grow.so GROW_MB="$GROW_MB" GROW_TOUCH=$touchv \
			cyclictest -q --laptop --threads=1 --affinity=1 -i 1000 $popt -D "$DURATION" -h 5000 \
			>"$R/$name.txt" 2>"$R/$name.err" &
		cp=$!
		# the measuring thread runs once the process has two threads
		_i=0
		while [ -d "/proc/$cp" ] && [ "$(ls "/proc/$cp/task" 2>/dev/null | wc -l)" -lt 2 ] &&
			[ $_i -lt 300 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		nok=0 nfail=0
		# (kill -0 would also see the zombie it leaves until wait)
		while [ -e "/proc/$cp" ] && ! grep -q '^State:.*Z' "/proc/$cp/status" 2>/dev/null; do
			if [ "$c" != none ]; then
				if timeout 120 taskset 1 sh -c ". /tests/benchlib.sh; op $c $cp" \
					>/dev/null 2>&1; then
					nok=$((nok + 1))
				else
					nfail=$((nfail + 1))
					[ -f "$R/op-$name.log" ] || cp /tmp/cyc/op.log "$R/op-$name.log" 2>/dev/null
				fi
			fi
			sleep 1
		done
		wait "$cp"
		echo "CYC name=$name policy=$pol variant=$var case=$c ops=$nok opfail=$nfail" >>"$R/cyc-ops.txt"
		if grep -q '^# Max Latencies' "$R/$name.txt"; then
			pass "cyclictest $pol $var $c ($nok applications)"
		else
			fail "cyclictest $pol $var $c"
			sed 's/^/    /' "$R/$name.err" | head -n 5
		fi
	}
	for pol in fifo other; do
		for c in $ok_cases; do
			cyc "$pol" touched "$c"
		done
		for c in $CYC_UNTOUCHED_CASES; do
			case " $ok_cases " in *" $c "*) cyc "$pol" untouched "$c" ;; esac
		done
	done
fi

snapctl delete --all >/dev/null 2>&1
section done
check "no snapshot left" test -z "$(snapctl list 2>/dev/null | grep -E '^ *[0-9]+ ')"
check_rc "rmmod procsnap" 0 rmmod procsnap
