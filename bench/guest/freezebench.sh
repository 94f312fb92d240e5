#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The pause per MB of shared memory frozen (--freeze-shared), in the VM:
# test/vm/run.sh --tests freezebench [--timeout 3600].  For targets with
# 0, 16, 64 and 256 MB of resident shared anonymous memory (sharedtarget
# bigshm, every page written), FREEZE_RUNS times (default 5) each: a plain
# snapshot and a --freeze-shared one (limit 512M), deleted at once.  One
# line per snapshot: FREEZEBENCH mb=... mode=plain|freeze run=... pause_ns
# freeze_ns copy_ns frozen_bytes (LIST's); then per mode the median pause
# at each size and the least-squares slope of the median pause against MB
# (ns per MB), and of freeze_ns.
. /tests/lib.sh
. /tests/snaplib.sh

FREEZE_RUNS=${FREEZE_RUNS:-5}
FREEZE_SIZES=${FREEZE_SIZES:-"0 16 64 256"}
[ -f /out/freezebench.conf ] && . /out/freezebench.conf

echo "FREEZEBENCH env kernel=$(uname -r) cpus=$(nproc) memtotal_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) runs=$FREEZE_RUNS"
check_rc "modprobe procsnap" 0 modprobe procsnap

# listed CLONE KEY: KEY's value in CLONE's LIST entry.
listed() {
	snapctl list --json | tr '{' '\n' | grep "\"clone_pid\":$1," |
		sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p"
}

: >/tmp/fb.data
for mb in $FREEZE_SIZES; do
	rm -f /tmp/fb.info
	sharedtarget bigshm "$mb" /tmp/fb.info >/tmp/fb.log 2>&1 &
	t=$!
	if ! poll 300 test -f /tmp/fb.info; then
		fail "a target with $mb MB of shared memory"
		kill -9 "$t"
		continue
	fi
	bad=0
	i=1
	while [ $i -le "$FREEZE_RUNS" ]; do
		for mode in plain freeze; do
			opt=""
			[ $mode = freeze ] && opt=--freeze-shared=512M
			# shellcheck disable=SC2086
			c=$(snapctl request "$t" $opt --timeout 300s 2>/tmp/fb.err)
			if ! is_pid "$c"; then
				fail "$mode snapshot of the $mb MB target: $(cat /tmp/fb.err)"
				bad=1
				continue
			fi
			p=$(listed "$c" pause_ns) f=$(listed "$c" freeze_ns)
			cp=$(listed "$c" copy_ns) fb=$(listed "$c" frozen_bytes)
			snapctl delete "$c" >/dev/null
			want=0
			[ $mode = freeze ] && want=$((mb << 20))
			[ "$fb" = "$want" ] || { bad=1; fail "$mode $mb MB: frozen_bytes $fb, want $want"; }
			echo "FREEZEBENCH mb=$mb mode=$mode run=$i pause_ns=$p freeze_ns=$f copy_ns=$cp frozen_bytes=$fb"
			echo "$mode $mb $p $f" >>/tmp/fb.data
		done
		i=$((i + 1))
	done
	[ $bad = 0 ] && pass "$FREEZE_RUNS plain and frozen snapshots of $mb MB, frozen_bytes exact"
	kill -9 "$t"
	wait "$t" 2>/dev/null
done

# Medians per mode and size, then the slope of each against MB.
for mode in plain freeze; do
	for col in 3 4; do
		name=pause_ns
		[ $col = 4 ] && name=freeze_ns
		for mb in $FREEZE_SIZES; do
			awk -v m=$mode -v s="$mb" -v c=$col '$1 == m && $2 == s { print $c }' \
				/tmp/fb.data | sort -n |
				awk -v s="$mb" '{ v[NR] = $1 } END { if (NR) print s, v[int((NR + 1) / 2)] }'
		done >/tmp/fb.med
		sed "s/^/FREEZEBENCH median mode=$mode $name mb=/" /tmp/fb.med |
			sed 's/mb=\([0-9]*\) /mb=\1 ns=/'
		awk -v m=$mode -v n=$name '
			{ x += $1; y += $2; xx += $1 * $1; xy += $1 * $2; k++ }
			END {
				d = k * xx - x * x
				if (k > 1 && d > 0)
					printf "FREEZEBENCH slope mode=%s %s ns_per_mb=%.0f intercept_ns=%.0f\n",
						m, n, (k * xy - x * y) / d, (y * xx - x * xy) / d
			}' /tmp/fb.med
	done
done
check_rc "rmmod procsnap" 0 rmmod procsnap
