#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# snapctl diff: what changed.  difftarget writes known pages and changes
# known mappings between snapshot A and snapshot B (step 1), and more
# pages after B (step 2).  A against B reports exactly step 1's page ranges
# of its buffer and its three mapping changes, nothing for the unchanged
# pages (page 30 was copied on write with the same bytes: read, compared,
# not reported); the pages shared by A and B are settled by their frames
# without reading, as root.  --no-frames and the two evidence directories
# (which have no frames) report the same ranges by reading every page.
# --live reports step 2's pages against B, both steps' against A.
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-b-lib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots

hb_start diff difftarget || { rmmod procsnap; exit 1; }
t=$TP
buf=$(ival diff buf) prot=$(ival diff prot) gone=$(ival diff gone)
new=$(ival diff new)
# at HEX PAGES: the address PAGES pages past HEX, as maps prints it.
at() { printf '%x' $((0x$1 + $2 * 4096)); }

# flat FILE: snapctl diff --json's output, flattened by evcheck.
flat() { evcheck json "$1" >"$1.flat"; }
# seg FLAT HEX: the index of the segment entry that starts at HEX.
seg() { sed -n "s/^segments\.\([0-9]*\)\.start=$2\$/\1/p" "$1"; }
# val FLAT KEY: one value.
val() { sed -n "s/^$2=//p" "$1"; }
# ranges FLAT I: segment I's ranges, "start-end:pages ...".
ranges() {
	_i=0 _out=""
	while _s=$(val "$1" "segments\.$2\.ranges\.$_i\.start") && [ -n "$_s" ]; do
		_out="$_out $_s-$(val "$1" "segments\.$2\.ranges\.$_i\.end"):$(val "$1" "segments\.$2\.ranges\.$_i\.pages")"
		_i=$((_i + 1))
	done
	echo "${_out# }"
}
# the ranges step 1 wrote, step 2 wrote, and both.
R1="$(at $buf 3)-$(at $buf 4):1 $(at $buf 10)-$(at $buf 20):10 $(at $buf 200)-$(at $buf 201):1"
R2="$(at $buf 50)-$(at $buf 52):2 $(at $buf 255)-$(at $buf 256):1"
R12="$(at $buf 3)-$(at $buf 4):1 $(at $buf 10)-$(at $buf 20):10 $(at $buf 50)-$(at $buf 52):2 $(at $buf 200)-$(at $buf 201):1 $(at $buf 255)-$(at $buf 256):1"

# check_buf NAME FILE RANGES DIFFERING BY_FRAME BY_CONTENT: the buffer's
# segment in FILE (diff --json) has exactly these ranges and counts.
check_buf() {
	flat "$2"
	_i=$(seg "$2.flat" "$buf")
	if [ -z "$_i" ]; then
		fail "$1: the buffer $buf is among the segments that differ"
		head -c 2000 "$2" | sed 's/^/    /'
		return
	fi
	_got=$(ranges "$2.flat" "$_i")
	check "$1: the buffer's ranges are exactly '$3' (got '$_got')" \
		test "$_got" = "$3"
	_c="$(val "$2.flat" "segments\.$_i\.pages") $(val "$2.flat" "segments\.$_i\.pages_differing") $(val "$2.flat" "segments\.$_i\.nr_ranges")"
	check "$1: the buffer: 256 pages, $4 differ, in $(echo "$3" | wc -w) ranges ($_c)" \
		test "$_c" = "256 $4 $(echo "$3" | wc -w)"
	_c="$(val "$2.flat" "segments\.$_i\.pages_by_frame") $(val "$2.flat" "segments\.$_i\.pages_by_content") $(val "$2.flat" "segments\.$_i\.pages_absent") $(val "$2.flat" "segments\.$_i\.pages_unreadable")"
	check "$1: the buffer: $5 pages by frame, $6 by content, none absent or unreadable ($_c)" \
		test "$_c" = "$5 $6 0 0"
}

# check_mappings NAME FILE: exactly the three changes of step 1.
check_mappings() {
	_f=$2.flat
	_c="$(val "$_f" summary.mappings_added) $(val "$_f" summary.mappings_removed) $(val "$_f" summary.mappings_changed)"
	check "$1: 1 mapping added, 1 removed, 1 changed ($_c)" test "$_c" = "1 1 1"
	_m=$(for i in 0 1 2; do
		printf '%s:%s:%s:%s:%s ' "$(val "$_f" "mappings\.$i\.change")" \
			"$(val "$_f" "mappings\.$i\.a\.start")$(val "$_f" "mappings\.$i\.b\.start")" \
			"$(val "$_f" "mappings\.$i\.fields\.0")" \
			"$(val "$_f" "mappings\.$i\.a\.perms")" \
			"$(val "$_f" "mappings\.$i\.b\.perms")"
	done)
	_w="changed:$prot$prot:perms:rw-p:r--p removed:$gone::rw-p: added:$new:::rw-p "
	check "$1: the changes are prot's perms, gone removed, new added ('$_m')" \
		test "$_m" = "$_w"
}

if ! req "$t"; then
	fail "snapshot A of the target (exit $RC)"
	hb_finish
	exit 1
fi
a=$C
kill -USR1 "$t"
check "the target's step 1 is done" poll 30 test -f /tmp/diff.info.1
if ! req "$t"; then
	fail "snapshot B of the target (exit $RC)"
	hb_finish
	exit 1
fi
b=$C
pass "snapshots A ($a) and B ($b) of the target $t"

# --- two held snapshots: frames -----------------------------------------
check_rc "snapctl diff A B: exit 7, they differ" 7 snapctl diff "$a" "$b"
cp /tmp/check.out /tmp/d23.txt
check_out "text: the buffer's 10 pages at 10-19 are one range" \
	"^  $(at $buf 10)-$(at $buf 20) 10 pages\$"
check_out "text: page 3 alone" "^  $(at $buf 3)-$(at $buf 4) 1 page\$"
check_out "text: the buffer's count" \
	"^  12 of 256 pages differ in 3 ranges \\(243 by frame, 13 by content, 0 absent, 0 unreadable\\)\$"
check_out "text: gone removed" "^- $gone-$(at $gone 16) rw-p 00000000 00:00 0\$"
check_out "text: new added" "^\\+ $new-$(at $new 8) rw-p 00000000 00:00 0\$"
check_out "text: prot changed" "^  now \\(perms\\): $prot-$(at $prot 16) r--p "
check_out "text: the summary" "^summary: 1 mapping added, 1 removed, 1 changed; "
check "text: page 30 (copied, same bytes) is not reported" \
	sh -c "! grep -q '^  $(at $buf 30)-' /tmp/d23.txt"

snapctl diff "$a" "$b" --json >/tmp/d23.json
check_rc "snapctl diff A B --json: exit 7" 7 snapctl diff "$a" "$b" --json
check_buf "A B" /tmp/d23.json "$R1" 12 243 13
check_mappings "A B" /tmp/d23.json
check "A B: the JSON names both snapshots" test \
	"$(val /tmp/d23.json.flat a.kind) $(val /tmp/d23.json.flat a.pid) $(val /tmp/d23.json.flat b.pid) $(val /tmp/d23.json.flat b.target) $(val /tmp/d23.json.flat summary.differ)" = \
	"snapshot $a $b $t true"
check "A B: frames settle pages without reading (summary.pages_by_frame > 0)" \
	test "$(val /tmp/d23.json.flat summary.pages_by_frame)" -gt 0

snapctl diff "$a" "$b" --json --no-frames >/tmp/d23n.json
check_buf "A B --no-frames" /tmp/d23n.json "$R1" 12 0 256
check "A B --no-frames: summary.pages_by_frame is 0" \
	test "$(val /tmp/d23n.json.flat summary.pages_by_frame)" = 0

# The other way round: the same pages, the mapping changes reversed.
snapctl diff "$b" "$a" --json >/tmp/d23r.json
check_buf "B A" /tmp/d23r.json "$R1" 12 243 13

# A snapshot against itself: nothing, and every page by its frame.
check_rc "snapctl diff A A: exit 0" 0 snapctl diff "$a" "$a" --json
cp /tmp/check.out /tmp/d23s.json
flat /tmp/d23s.json
check "A A: no mapping changes, no segment differs" \
	test "$(grep -c '^mappings\.\|^segments\.' /tmp/d23s.json.flat)" = 0
check "A A: 0 pages differ" test \
	"$(val /tmp/d23s.json.flat summary.pages_differing) $(val /tmp/d23s.json.flat summary.differ)" = "0 false"

# --- evidence directories: contents ---------------------------------------
ea=/tmp/ev23a eb=/tmp/ev23b
rm -rf $ea $eb
if snapctl collect "$a" -o $ea --format paper >/tmp/c23.out 2>&1 &&
   snapctl collect "$b" -o $eb --format paper >>/tmp/c23.out 2>&1; then
	pass "snapctl collect of A and B"
	snapctl diff $ea $eb --json >/tmp/d23d.json
	check_rc "snapctl diff DIR-A DIR-B: exit 7" 7 snapctl diff $ea $eb
	check_buf "dirs" /tmp/d23d.json "$R1" 12 0 256
	check_mappings "dirs" /tmp/d23d.json
	check "dirs: no frames, summary.pages_by_frame is 0" \
		test "$(val /tmp/d23d.json.flat summary.pages_by_frame)" = 0
	check "dirs: kind directory, dir as given" test \
		"$(val /tmp/d23d.json.flat a.kind) $(val /tmp/d23d.json.flat a.dir) $(val /tmp/d23d.json.flat b.target)" = \
		"directory $ea $t"
	# Every difference the snapshots show, the directories show.
	for f in /tmp/d23.json /tmp/d23d.json; do
		sed -n 's/^\(segments\.[0-9]*\.ranges\.[0-9]*\.[a-z]*\)=/\1=/p' "$f.flat" |
			sed 's/^segments\.[0-9]*\.//' >"$f.ranges"
	done
	check "dirs: all ranges of all segments as the snapshots'" \
		cmp /tmp/d23.json.ranges /tmp/d23d.json.ranges
	snapctl diff $ea "$b" --json >/tmp/d23m.json
	check_buf "DIR-A against snapshot B" /tmp/d23m.json "$R1" 12 0 256
	check_rc "snapctl diff DIR-A DIR-A: exit 0" 0 snapctl diff $ea $ea
else
	fail "snapctl collect of A and B"
	sed 's/^/    /' /tmp/c23.out
fi

# --- live ----------------------------------------------------------------
kill -USR2 "$t"
check "the target's step 2 is done" poll 30 test -f /tmp/diff.info.2
snapctl diff "$b" --live --json >/tmp/d23l.json
check_buf "B --live" /tmp/d23l.json "$R2" 3 253 3
check "B --live: b is the process $t" test \
	"$(val /tmp/d23l.json.flat b.kind) $(val /tmp/d23l.json.flat b.pid)" = "process $t"
check "B --live: no mapping changed since B" test \
	"$(val /tmp/d23l.json.flat summary.mappings_added)$(val /tmp/d23l.json.flat summary.mappings_removed)$(val /tmp/d23l.json.flat summary.mappings_changed)" = 000
snapctl diff "$a" --live --json >/tmp/d23l2.json
check_buf "A --live" /tmp/d23l2.json "$R12" 15 240 16
if [ -d $eb ]; then
	snapctl diff $eb --live --json >/tmp/d23l3.json
	check_buf "DIR-B --live" /tmp/d23l3.json "$R2" 3 0 256
fi

# --- refusals ------------------------------------------------------------
hb_start other difftarget || { hb_finish; exit 1; }
if req "$TP"; then
	o=$C
	check_rc "A against another target's snapshot: refused, exit 1" 1 \
		snapctl diff "$a" "$o"
	check_out "the refusal names both targets" "is of process $t, $o of process $TP"
	check_rc "the same with --force: compared, exit 7" 7 \
		snapctl diff "$a" "$o" --force
else
	fail "a snapshot of another target (exit $RC)"
fi
check_rc "no such snapshot: exit 6" 6 snapctl diff 999999 "$b"
check_out "no such snapshot: said" "no snapshot with pid 999999"
check_rc "a directory without a manifest: exit 6" 6 snapctl diff /tmp "$b"
check_out "a directory without a manifest: said" \
	"/tmp: no such directory, or no manifest.json"
mkdir -p /tmp/d23bogus
echo '{"format":"something else"}' >/tmp/d23bogus/manifest.json
check_rc "a manifest of something else: exit 2" 2 snapctl diff /tmp/d23bogus "$b"
check_out "a manifest of something else: said" "/tmp/d23bogus: not procsnap evidence"
check_rc "--live with B: usage error" 1 snapctl diff "$a" "$b" --live

rm -rf $ea $eb /tmp/d23*
hb_finish
