#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# --freeze-shared: shared memory (MAP_SHARED anonymous, memfd, SysV shm, a
# tmpfs file) as it was at the instant.  Three snapshots of one target:
# frozen, plain, and frozen with a limit that holds only the two lowest
# regions.  Then the target overwrites all of it.  The frozen snapshot's
# images hold the old pattern at every address ("frozen-copy"), the pages
# never touched at the instant as zeros; the plain one's the new ("live");
# the limited one the old in the two regions that fit and the new in the
# others, and says it was truncated.  LIST and the copy counter agree to
# the byte; a memory file open across a deletion reads nothing more; the
# limit's rules hold (EINVAL cases); rmmod with copies held frees them all.
. /tests/lib.sh
. /tests/snaplib.sh

P=/sys/module/procsnap/parameters
PAGE=4096
check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots
check "no copies at load: frozen_pages is 0" test "$(cat $P/frozen_pages)" = 0
feat=$(snapctl version --json | sed -n 's/.*"features":"\(0x[0-9a-f]*\)".*/\1/p')
check "the module announces PROCSNAP_FEAT_FREEZE_SHARED (bit 9 of $feat)" \
	test -n "$feat" -a $(( ${feat:-0} & 0x200 )) != 0

info27=/tmp/shared.info
rm -f $info27 $info27.done /tmp/shared.file
sharedtarget target $info27 /tmp >/tmp/shared.log 2>&1 &
t=$!
PIDS="$PIDS $t"
if ! poll 30 test -f $info27; then
	fail "sharedtarget starts"
	sed 's/^/    /' /tmp/shared.log
	cleanup
	rmmod procsnap
	exit 1
fi
A=$(sed -n 's/^anon=//p' $info27) M=$(sed -n 's/^memfd=//p' $info27)
S=$(sed -n 's/^sysv=//p' $info27) F=$(sed -n 's/^file=//p' $info27)
# Resident at the instant: anon 12 pages of 16 (4 never touched), the
# others 16.  In address order (mmap goes down): file, sysv, memfd, anon.
TOTAL=$(( (12 + 16 * 3) * PAGE ))
low2=$(printf '%s\n' "$A 12" "$M 16" "$S 16" "$F 16" | sort | head -n 2)
LOW2_BYTES=$(echo "$low2" | awk '{ s += $2 } END { print s * 4096 }')
LOW2_ADDRS=$(echo "$low2" | awk '{ print $1 }' | xargs)
LIMIT=$(( LOW2_BYTES + 16 * PAGE - PAGE ))	# a page short of the third

# Misuse first: nothing may be left behind by it.
check_rc "--freeze-shared=0 is a usage error" 1 \
	snapctl request "$t" --freeze-shared=0
check_rc "--freeze-shared=junk is a usage error" 1 \
	snapctl request "$t" --freeze-shared=12Q
check "REQUEST with a limit but no FREEZE_SHARED: EINVAL" \
	rawreq request "$t" --freeze-limit 4096 --expect EINVAL
check "CANCEL with a limit: EINVAL" \
	rawreq cancel "$t" --freeze-limit 4096 --expect EINVAL
echo 1048576 > $P/freeze_max_bytes
check "REQUEST with a limit above freeze_max_bytes: EINVAL" \
	rawreq request "$t" --flags 4 --freeze-limit 1048577 --expect EINVAL
check_rc "snapctl request --freeze-shared=2M above freeze_max_bytes fails" 2 \
	snapctl request "$t" --freeze-shared=2M
check_out "... and says why" "freeze_max_bytes"
echo 1073741824 > $P/freeze_max_bytes

# listed CLONE KEY: KEY's value in CLONE's LIST entry (snapctl list --json).
listed() {
	snapctl list --json | tr '{' '\n' | grep "\"clone_pid\":$1," |
		sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p"
}

if ! C=$(snapctl request "$t" --freeze-shared --json --timeout 120s \
	 2>/tmp/req27.err); then
	fail "a --freeze-shared snapshot"
	sed 's/^/    /' /tmp/req27.err
	cleanup
	rmmod procsnap
	exit 1
fi
fz=$(echo "$C" | sed -n 's/.*"clone":\([0-9]*\).*/\1/p')
pass "a --freeze-shared snapshot (clone $fz): $C"
check "request --json: frozen_bytes is $TOTAL, 4 mappings, not truncated" \
	sh -c "echo '$C' | grep -q '\"frozen_bytes\":$TOTAL,\"nr_frozen\":4,.*\"freeze_limit\":67108864,\"freeze_truncated\":false'"
check "LIST: frozen_bytes $TOTAL, nr_frozen 4, flag frozen" \
	test "$(listed $fz frozen_bytes)/$(listed $fz nr_frozen)" = "$TOTAL/4" -a \
	-n "$(snapctl list --json | tr '{' '\n' | grep "\"clone_pid\":$fz," | grep '"frozen"')"
check "frozen_pages counts its $((TOTAL / PAGE)) copies" \
	test "$(cat $P/frozen_pages)" = $((TOTAL / PAGE))

req "$t" || fail "a plain snapshot (exit $RC)"
pl=$C
check "the plain snapshot has no copies: frozen_bytes 0, frozen_pages unchanged" \
	test "$(listed $pl frozen_bytes)/$(cat $P/frozen_pages)" = "0/$((TOTAL / PAGE))"

snapctl request "$t" --freeze-shared=$LIMIT --timeout 120s \
	>/tmp/lim27.out 2>/tmp/lim27.err
lim=$(cat /tmp/lim27.out)
check "a snapshot with --freeze-shared=$LIMIT (clone $lim)" is_pid "$lim"
check "... warns that the limit left mappings live" \
	grep -q "reached its limit of $LIMIT bytes after 2 mappings" /tmp/lim27.err
check "LIST: exactly the two lowest regions ($LOW2_BYTES bytes), truncated" \
	sh -c "[ '$(listed $lim frozen_bytes)/$(listed $lim nr_frozen)/$(listed $lim freeze_limit)' = '$LOW2_BYTES/2/$LIMIT' ] &&
	       snapctl list --json | tr '{' '\n' | grep '\"clone_pid\":$lim,' | grep -q freeze_truncated"
check "frozen_pages counts both snapshots' copies" \
	test "$(cat $P/frozen_pages)" = $(( (TOTAL + LOW2_BYTES) / PAGE ))

# A memory file of the frozen snapshot, open across the writes and its
# deletion.
rm -f /tmp/go27
sharedtarget memhold "$fz" "$A" /tmp/go27 >/tmp/hold27.out 2>&1 &
hold=$!
poll 20 grep -q read= /tmp/hold27.out

# Now everything changes.
kill -USR1 "$t"
check "the target overwrote its shared memory" poll 30 test -f $info27.done

# page_head DIR HEXADDR PAGE N: N bytes at the start of page PAGE of the
# segment image at HEXADDR.
page_head() {
	_f=$(ls "$1"/segments/"$2"-*.img 2>/dev/null | head -n 1)
	[ -n "$_f" ] && dd if="$_f" bs=4096 skip="$3" count=1 2>/dev/null |
		head -c "$4"
}
page_zero() {
	_f=$(ls "$1"/segments/"$2"-*.img 2>/dev/null | head -n 1)
	[ -n "$_f" ] && [ "$(dd if="$_f" bs=4096 skip="$3" count=1 2>/dev/null |
		tr -d '\0' | wc -c)" = 0 ]
}
# status DIR HEXADDR: the manifest's status of the segment at HEXADDR.
status() {
	evcheck json "$1/manifest.json" >/tmp/m27.flat
	_i=$(sed -n "s/^segments\.\([0-9]*\)\.start=$2\$/\1/p" /tmp/m27.flat)
	[ -n "$_i" ] && sed -n "s/^segments\.$_i\.status=//p" /tmp/m27.flat
}
# expect DIR NAME HEXADDR AGE STATUS: pages 0, 11 and 15 of a region.
expect() {
	check "$1: $2 at $3 is $5" test "$(status "$1" "$3")" = "$5"
	for pg in 0 11; do
		w=$(printf '%s-%s-%05d' "$2" "$4" $pg)
		check "$1: $2 page $pg holds '$w'" \
			test "$(page_head "$1" "$3" $pg ${#w})" = "$w"
	done
	if [ "$2" = anon ] && [ "$4" = old ]; then
		check "$1: anon page 15, untouched at the instant, is zeros" \
			page_zero "$1" "$3" 15
	else
		w=$(printf '%s-%s-%05d' "$2" "$4" 15)
		check "$1: $2 page 15 holds '$w'" \
			test "$(page_head "$1" "$3" 15 ${#w})" = "$w"
	fi
}

collect() {
	rm -rf "$2"
	if snapctl collect "$1" -o "$2" --format paper >/tmp/col27.out 2>&1
	then
		pass "collect snapshot $1 into $2"
		check "$2 meets the evidence contract" evcheck manifest "$2" \
			--format paper --clone "$1" --target "$t"
		return 0
	fi
	fail "collect snapshot $1 into $2"
	sed 's/^/    /' /tmp/col27.out
	return 1
}

if collect "$fz" /tmp/ev27f; then
	for r in "anon $A" "memfd $M" "sysv $S" "file $F"; do
		set -- $r
		expect /tmp/ev27f "$1" "$2" old frozen-copy
	done
	check "manifest: frozen_bytes $TOTAL, nr_frozen 4, freeze_shared" \
		sh -c "grep -qx 'snapshot.frozen_bytes=$TOTAL' /tmp/m27.flat &&
		       grep -qx 'snapshot.nr_frozen=4' /tmp/m27.flat &&
		       grep -qx 'snapshot.freeze_shared=true' /tmp/m27.flat &&
		       grep -qx 'snapshot.freeze_truncated=false' /tmp/m27.flat"
fi
if collect "$pl" /tmp/ev27p; then
	for r in "anon $A" "memfd $M" "sysv $S" "file $F"; do
		set -- $r
		expect /tmp/ev27p "$1" "$2" new live
	done
	check "manifest: no freeze" \
		grep -qx 'snapshot.freeze_shared=false' /tmp/m27.flat
fi
if collect "$lim" /tmp/ev27l; then
	for r in "anon $A" "memfd $M" "sysv $S" "file $F"; do
		set -- $r
		case " $LOW2_ADDRS " in
		*" $2 "*) expect /tmp/ev27l "$1" "$2" old frozen-copy ;;
		*) expect /tmp/ev27l "$1" "$2" new live ;;
		esac
	done
	check "manifest: freeze_truncated" \
		grep -qx 'snapshot.freeze_truncated=true' /tmp/m27.flat
fi
rm -rf /tmp/ev27f /tmp/ev27p /tmp/ev27l

# /proc/CLONE/mem is the kernel's: it reads the shared object, live.
check "/proc/CLONE/mem of the frozen snapshot reads the anon region live" \
	test "$(dd if=/proc/$fz/mem bs=4096 skip=$((0x$A / 4096)) count=1 \
		2>/dev/null | head -c 14)" = "anon-new-00000"

check "the memory file read the frozen copy while the snapshot lived" \
	test "$(sed -n 1p /tmp/hold27.out)" = "read=anon-old-00"
check_rc "delete the frozen snapshot while its memory file is open" 0 \
	snapctl delete "$fz"
check "its copies are freed at once, the file still open" \
	test "$(cat $P/frozen_pages)" = $((LOW2_BYTES / PAGE))
touch /tmp/go27
wait $hold
check "the open memory file then reads nothing: end of file" \
	test "$(sed -n 2p /tmp/hold27.out)" = "read=eof"

# Module unload with copies held: the limited snapshot's.
kill -9 "$t"
wait "$t" 2>/dev/null
PIDS=""
check_rc "rmmod with a snapshot holding $LOW2_BYTES bytes of copies" 0 \
	rmmod procsnap
check "no snapshot left after rmmod" test ! -d /proc/$lim
check_rc "modprobe procsnap again" 0 modprobe procsnap
check "no object and no copy after reload" \
	test "$(cat $P/objects) $(cat $P/frozen_pages)" = \
	"requests=0 works=0 snapshots=0 0"

# The counter dies with the module: that unload returns the copies, the
# requester's memory cgroup says, to which they are charged.  48 MiB
# frozen by a snapctl in a cgroup of its own, then rmmod, the target still
# holding its own 48 MiB.
cgroot=/sys/fs/cgroup
if ! grep -q " $cgroot cgroup2 " /proc/mounts; then
	mkdir -p $cgroot
	mount -t cgroup2 none $cgroot
fi
echo +memory >$cgroot/cgroup.subtree_control 2>/dev/null
cg=$cgroot/fz27
rmdir $cg 2>/dev/null
mkdir $cg
rm -f /tmp/big27.info
sharedtarget bigshm 48 /tmp/big27.info >/tmp/big27.log 2>&1 &
big=$!
PIDS="$PIDS $big"
if [ ! -e $cg/memory.current ]; then
	fail "a memory cgroup for the requester ($cg)"
elif poll 60 test -f /tmp/big27.info; then
	before=$(cat $cg/memory.current)
	out=$(sh -c "echo \$\$ >$cg/cgroup.procs &&
		     exec snapctl request $big --freeze-shared --json --timeout 120s")
	bc=$(echo "$out" | sed -n 's/.*"clone":\([0-9]*\).*/\1/p')
	check "a --freeze-shared snapshot of 48 MiB of shared memory: $out" \
		sh -c "echo '$out' | grep -q '\"frozen_bytes\":50331648,\"nr_frozen\":1,'"
	held=$(cat $cg/memory.current)
	check "the requester's memcg is charged the 48 MiB: $before -> $held bytes" \
		test $((held - before)) -ge $((48 << 20))
	check_rc "rmmod with the 48 MiB snapshot held" 0 rmmod procsnap
	check "the clone $bc is gone" test ! -d "/proc/$bc"
	after=$(cat $cg/memory.current)
	check "rmmod gave the copies back: the memcg holds $after bytes (< 4 MiB)" \
		test "$after" -lt $((4 << 20))
	check_rc "modprobe procsnap once more" 0 modprobe procsnap
else
	fail "sharedtarget bigshm starts"
	sed 's/^/    /' /tmp/big27.log
fi
cleanup
rm -f /tmp/shared.file $info27 $info27.done /tmp/go27
rmdir $cg 2>/dev/null
check_rc "rmmod procsnap" 0 rmmod procsnap
