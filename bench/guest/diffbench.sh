#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The time snapctl diff takes on two snapshots of a large target, in the
# VM: test/vm/run.sh --tests diffbench --mem 4608 [--timeout 3600].
# difftarget holds DIFF_PAGES pages (default 262144: 1 GiB), all written;
# between snapshots A and B it writes every DIFF_STRIDE-th page (default
# 100: 1%).  Timed, DIFF_RUNS times each: snapctl diff A B (frames, as
# root), the same with --no-frames (every page read from both clones),
# and the two evidence directories collected from A and B (every page read
# from both images).  Each run must find exactly the written pages.  One
# line per run: DIFFBENCH case=... run=... s=... mb_s=... (MiB of the
# target's buffer compared per second), then the summary counts.
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-b-lib.sh

DIFF_PAGES=${DIFF_PAGES:-262144}
DIFF_STRIDE=${DIFF_STRIDE:-100}
DIFF_RUNS=${DIFF_RUNS:-3}
[ -f /out/diffbench.conf ] && . /out/diffbench.conf

mib=$((DIFF_PAGES / 256))
want=$(((DIFF_PAGES + DIFF_STRIDE - 1) / DIFF_STRIDE))
echo "DIFFBENCH env kernel=$(uname -r) cpus=$(nproc) memtotal_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) pages=$DIFF_PAGES stride=$DIFF_STRIDE written=$want"

check_rc "modprobe procsnap" 0 modprobe procsnap
hb_start dbench difftarget --pages "$DIFF_PAGES" --stride "$DIFF_STRIDE" ||
	{ rmmod procsnap; exit 1; }
t=$TP
buf=$(ival dbench buf)
req "$t" || { fail "snapshot A (exit $RC)"; hb_finish; exit 1; }
a=$C
kill -USR1 "$t"
poll 600 test -f /tmp/dbench.info.1 || { fail "step 1"; hb_finish; exit 1; }
req "$t" || { fail "snapshot B (exit $RC)"; hb_finish; exit 1; }
b=$C
pass "snapshots A ($a) and B ($b) of a $mib MiB target"

# run CASE X Y [OPTS]: time snapctl diff X Y --json OPTS, DIFF_RUNS times.
run() {
	_case=$1 _x=$2 _y=$3
	shift 3
	_i=1
	while [ $_i -le "$DIFF_RUNS" ]; do
		_r=$(psbench time snapctl diff "$_x" "$_y" --json "$@" \
			2>&1 >/tmp/db.json | sed -n 's/^TIME ns=\([0-9]*\) rc=\([0-9]*\)$/\1 \2/p')
		_ns=${_r% *} _rc=${_r#* }
		evcheck json /tmp/db.json >/tmp/db.flat
		_i0=$(sed -n "s/^segments\.\([0-9]*\)\.start=$buf\$/\1/p" /tmp/db.flat)
		_d=$(sed -n "s/^segments\.$_i0\.pages_differing=//p" /tmp/db.flat)
		_s=$(sed -n 's/^summary\.\([a-z_]*\)=\([0-9]*\)$/\1=\2/p' /tmp/db.flat | xargs)
		if [ "$_rc" != 7 ] || [ "$_d" != "$want" ]; then
			fail "$_case run $_i: exit $_rc (want 7), $_d buffer pages differ (want $want)"
		else
			pass "$_case run $_i: the $want written pages, no other in the buffer"
		fi
		echo "DIFFBENCH case=$_case run=$_i s=$(awk -v n="$_ns" 'BEGIN{printf "%.2f", n / 1e9}') mb_s=$(awk -v n="$_ns" -v m="$mib" 'BEGIN{printf "%.0f", m / (n / 1e9)}') $_s"
		_i=$((_i + 1))
	done
}

run frames "$a" "$b"
run contents "$a" "$b" --no-frames

ea=/tmp/dba eb=/tmp/dbb
rm -rf $ea $eb
echo "DIFFBENCH disk $(df -k /tmp | tail -n 1)"
if snapctl collect "$a" -o $ea --format paper --no-hash >/tmp/dbc.out 2>&1 &&
   snapctl collect "$b" -o $eb --format paper --no-hash >>/tmp/dbc.out 2>&1; then
	pass "evidence of A and B collected ($(du -sk $ea | cut -f1) KiB, $(du -sk $eb | cut -f1) KiB)"
	# The clones no longer hold the memory the images now do.
	snapctl delete --all >/dev/null
	run dirs $ea $eb
else
	fail "evidence of A and B collected"
	sed 's/^/    /' /tmp/dbc.out
fi
rm -rf $ea $eb
hb_finish
