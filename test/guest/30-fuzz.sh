#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The ioctl fuzzer (issue 8, section 2): rounds of ioctlfuzz against live
# multi-threaded targets (one root's, one uid 65534's), the module reloaded
# between rounds.  After each round: every snapshot deleted, the object
# counters back to 0, no clone left, the targets alive and making progress
# (every kind of thread), then rmmod in bounded time.
#
# FUZZ_SEED (environment, or /tests/config) picks the seeds; round R uses
# FUZZ_SEED + R * 7919.  Each round prints "seed=N": `ioctlfuzz --seed N`
# with the same arguments re-runs it.  FUZZ_ROUNDS, FUZZ_IOCTLS (per round)
# and FUZZ_DURATION (seconds per round, a cap) size the run; FUZZ_CHURN=0
# runs the targets without threads that are born and exit continually.
# Up to FUZZ_ROUNDS more rounds run while the total is under 10^5 ioctls.
# (test/vm/run.sh passes FUZZ_* numbers from the host's environment.)
#
# A kernel splat ends the test at once: what follows (cancel, rmmod) would
# only hang on the wreck.  Progress also goes to the console (kmsg), so a
# run that hangs still shows how far it got.
. /tests/lib.sh
. /tests/snaplib.sh

SEED=${FUZZ_SEED:-$(date +%s)}
ROUNDS=${FUZZ_ROUNDS:-4}
PER=${FUZZ_IOCTLS:-30000}
DUR=${FUZZ_DURATION:-35}
CHURN=${FUZZ_CHURN:-1}
# FUZZ_THREADS, FUZZ_REAL: fuzzing and real-operation threads of ioctlfuzz
FUZZ_ARGS="--threads ${FUZZ_THREADS:-4} --real ${FUZZ_REAL:-2}"
OBJ=/sys/module/procsnap/parameters/objects
KINDS="beat busy sleep read churn"
[ "$CHURN" = 0 ] && KINDS="beat busy sleep read"

# note MSG: on our output and, live, on the console.
note() {
	echo "$*"
	echo "<2>procsnap-fuzz: $*" >/dev/kmsg 2>/dev/null
}
# Every kernel message on the console while we run, so that a splat's
# first lines (WARNING, list corruption) show even if the VM then wedges.
printk0=$(cut -f1 /proc/sys/kernel/printk)
echo 7 >/proc/sys/kernel/printk
note "seed=$SEED rounds=$ROUNDS ioctls/round=$PER cap=${DUR}s churn=$CHURN $FUZZ_ARGS (re-run: FUZZ_SEED=$SEED)"

# splat: the kernel log's bug reports, if any.
splat() {
	dmesg | grep -E 'BUG:|WARNING:|Oops|general protection|refcount_t|list_del corruption|list_add corruption|blocked for more than|Call Trace' |
		grep -v procsnap-fuzz
}

# hbv FILE KEY: a counter from a fuzztarget heartbeat file.
hbv() { tr ' ' '\n' <"$1" 2>/dev/null | sed -n "s/^$2=//p"; }

# hb_moved FILE: every kind of thread counted on since FILE.0 was taken.
hb_moved() {
	for _k in $KINDS; do
		_a=$(hbv "$1.0" "$_k")
		_b=$(hbv "$1" "$_k")
		is_pid "$_b" && [ "$_b" -gt "${_a:-0}" ] || return 1
	done
}

objects_zero() { [ "$(cat $OBJ 2>/dev/null)" = "requests=0 works=0 snapshots=0" ]; }

# start_ft NAME THREADS [runas UID GID]: a fuzztarget; sets FT.
start_ft() {
	_n=$1 _t=$2
	shift 2
	rm -f "/tmp/$_n.hb" "/tmp/$_n.hb.0"
	"$@" fuzztarget --threads "$_t" --busy 1 --churn "$CHURN" --hb "/tmp/$_n.hb" \
		>"/tmp/$_n.log" 2>&1 &
	FT=$!
	PIDS="$PIDS $FT"
	if ! poll 20 test -s "/tmp/$_n.hb"; then
		fail "fuzztarget $_n ($_t threads) starts"
		sed 's/^/    /' "/tmp/$_n.log"
		return 1
	fi
}

total=0
total_s=0
r=1
# Past ROUNDS, more rounds (up to twice as many) while the 10^5 ioctls
# are not reached: a slow or busy host makes the rounds' time caps bind.
while [ $r -le "$ROUNDS" ] ||
	{ [ "$total" -lt 100000 ] && [ $r -le $((2 * ROUNDS)) ]; }; do
	[ $r -gt "$ROUNDS" ] && note "round $r: an extra round, $total ioctls so far"
	rs=$((SEED + r * 7919))
	# rounds alternate: 0600 (only a root-opened fd reaches uid 65534) and
	# 0666 (uid 65534 opens the device itself)
	mode=600
	[ $((r % 2)) = 0 ] && mode=666
	case $r in
	1) nt=16 ;; 2) nt=32 ;; 3) nt=8 ;; *) nt=64 ;;
	esac
	note "=== round $r: seed=$rs mode=$mode root target threads=$nt"
	check_rc "round $r: modprobe procsnap" 0 modprobe procsnap
	chmod $mode /dev/procsnap
	start_ft fzroot "$nt" || break
	p1=$FT
	start_ft fznobody 8 runas 65534 65534 || break
	p2=$FT
	t0=$(now_cs)
	# shellcheck disable=SC2086
	timeout -s KILL $((DUR + 120)) ioctlfuzz --seed "$rs" --ioctls "$PER" \
		--duration "$DUR" --target "$p1" --target "$p2" $FUZZ_ARGS \
		>/tmp/fuzz.$r.out 2>&1
	rc=$?
	t1=$(now_cs)
	grep -E '^(seed=|ioctlfuzz:|summary:|classes:|real:|total:|at end:|uid65534)' \
		/tmp/fuzz.$r.out
	note "round $r: ioctlfuzz seed=$rs exit $rc: $(grep '^total:' /tmp/fuzz.$r.out)"
	u=$(grep -c '^UNEXPECTED' "/tmp/fuzz.$r.out")
	# on the console too: a later hang must not hide them
	[ "$u" = 0 ] || note "round $r: $u UNEXPECTED lines"
	grep -m20 '^UNEXPECTED' "/tmp/fuzz.$r.out" | while read -r l; do
		echo "<2>procsnap-fuzz: $l" >/dev/kmsg 2>/dev/null
	done
	if [ $rc = 0 ]; then
		pass "round $r: ioctlfuzz seed=$rs: no unexpected result"
	else
		fail "round $r: ioctlfuzz seed=$rs exited $rc"
		grep -vE '^(seed=|ioctlfuzz:|summary:|classes:|real:|total:|at end:)' \
			/tmp/fuzz.$r.out | head -n 60 | sed 's/^/    /'
	fi
	n=$(sed -n 's/^total: ioctls=\([0-9]*\) .*/\1/p' /tmp/fuzz.$r.out)
	total=$((total + ${n:-0}))
	total_s=$((total_s + t1 - t0))
	if [ -n "$(splat)" ]; then
		fail "round $r: the kernel log is clean after fuzzing with seed=$rs"
		dmesg | sed 's/^/    /' | grep -A40 -m1 -E 'BUG:|WARNING:|Oops|refcount_t|corruption' | head -n 60
		note "round $r: kernel splat with seed=$rs: stopping here"
		echo "$printk0" >/proc/sys/kernel/printk
		exit 1
	fi

	check_rc "round $r: delete every snapshot (snapctl delete --all)" 0 \
		snapctl delete --all
	check "round $r: LIST shows no snapshot" test "$(nlist)" = 0
	check "round $r: no clone left" test -z "$(clones)"
	poll 20 objects_zero
	check "round $r: object counters back to 0 with the targets alive ($(cat $OBJ))" \
		objects_zero

	for t in fzroot fznobody; do
		cp "/tmp/$t.hb" "/tmp/$t.hb.0"
	done
	check "round $r: the root target is alive" kill -0 "$p1"
	check "round $r: the uid 65534 target is alive" kill -0 "$p2"
	for t in fzroot fznobody; do
		poll 20 hb_moved "/tmp/$t.hb"
		check "round $r: target $t: every kind of thread makes progress ($(cat /tmp/$t.hb))" \
			hb_moved "/tmp/$t.hb"
		check "round $r: target $t got no SIGCHLD" \
			test "$(hbv "/tmp/$t.hb" sigchld)" = 0
	done
	cleanup
	poll 20 objects_zero
	check "round $r: object counters back to 0 once the targets are gone ($(cat $OBJ))" \
		objects_zero
	check_rc "round $r: rmmod procsnap within 30 s" 0 timeout -s KILL 30 rmmod procsnap
	check "round $r: no clone left after rmmod" test -z "$(clones)"
	r=$((r + 1))
done
cleanup
if [ "$total_s" -gt 0 ]; then
	rate=$((total * 100 / total_s))
else
	rate=0
fi
echo "fuzz total: ioctls=$total seconds=$((total_s / 100)) ioctls_per_s=$rate seed=$SEED"
check "at least 100000 ioctls in all ($total, $rate/s)" test "$total" -ge 100000
rmmod procsnap 2>/dev/null
echo "$printk0" >/proc/sys/kernel/printk
true
