#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# snapctl scan: YARA rules over a held snapshot and over its evidence
# directory.  scantarget plants a secret on its heap, a payload in a memfd
# it maps shared and one in an rwx mapping, each built at run time; rules
# for them hit exactly there (address, segment, bytes), once each, in the
# snapshot and in the directory alike.  Rules for a string the target
# never held, and for one it wrote only after the snapshot, do not hit:
# the scan reads the instant, not the live process, which kept running
# throughout, and the memory it shares with the snapshot stays shared.
# Exit statuses are grep's; snapctl snapshot --scan scans
# before it deletes.
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-b-lib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots

# seg_of PID ADDR: "START-END PERMS PATH" of PID's mapping holding ADDR
# (PATH "-" when anonymous).
seg_of() {
	_a=$(($2))
	while read -r _r _p _o _d _i _path; do
		_s=${_r%-*}
		_e=${_r#*-}
		if [ $((0x$_s)) -le "$_a" ] && [ "$_a" -lt $((0x$_e)) ]; then
			echo "$_r $_p ${_path:--}"
			return 0
		fi
	done <"/proc/$1/maps"
	return 1
}

# want_line OUT RULE TAGS ADDR ID STRING PID: OUT has exactly one line for
# RULE's ID, at ADDR, in PID's mapping that holds ADDR, showing STRING.
want_line() {
	_seg=$(seg_of "$7" "$4")
	set -- "$1" "$2" "$3" "$4" "$5" "$6" "${_seg%% *}" "$(echo "$_seg" | cut -d' ' -f2)" "$(echo "$_seg" | cut -d' ' -f3-)"
	_want="$2 $3 $4 $5 $7 $8 $6 $9"
	_n=$(grep -cxF "$_want" "$1")
	if [ "$_n" = 1 ]; then
		return 0
	fi
	echo "want once: $_want"
	sed 's/^/  got: /' "$1"
	return 1
}

# private_kb PID, shared_kb PID: the memory PID holds alone, and what it
# shares (with the snapshot).
private_kb() {
	awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s }' \
		"/proc/$1/smaps_rollup"
}
shared_kb() {
	awk '/^Shared_(Clean|Dirty):/ { s += $2 } END { print s }' \
		"/proc/$1/smaps_rollup"
}

# 16 MiB written before the snapshot, and never again by the target.
if ! hb_start scan scantarget --fill 16; then
	rmmod procsnap
	exit 1
fi
t=$TP
tok=$(ival scan token)
heap=$(ival scan heap) memfd=$(ival scan memfd) rwx=$(ival scan rwx)
hb=$(ival scan hb)

cat >/tmp/hit.yar <<EOF
rule heap_secret : secret { strings: \$s = "PSHEAP-$tok" condition: \$s }
rule memfd_payload : payload memfd {
	strings: \$m = "PSMEMFD-$tok"
	condition: \$m
}
rule rwx_payload : payload { strings: \$r = "PSRWX-$tok" condition: #r == 1 }
EOF
cat >/tmp/miss.yar <<EOF
rule never { strings: \$n = "PSNEVER-$tok" condition: \$n }
rule after { strings: \$a = "PSAFTER-$tok" condition: \$a }
EOF
cat >/tmp/after.yar <<EOF
rule after { strings: \$a = "PSAFTER-$tok" condition: \$a }
EOF
cat >/tmp/never.yar <<EOF
rule never { strings: \$n = "PSNEVER-$tok" condition: \$n }
EOF
echo 'rule broken { strings: $a = "x" condition: $b }' >/tmp/broken.yar

if ! req "$t"; then
	fail "a snapshot of scantarget (exit $RC)"
	cleanup
	rmmod procsnap
	exit 1
fi
c=$C
pass "a snapshot of scantarget (clone $c, token $tok)"
hb_snap=$(hbtool peek "$c" "$hb")

# After the instant: PSAFTER on the target's heap and in its rwx mapping.
kill -USR1 "$t"
check "the target wrote PSAFTER after the snapshot" \
	poll 30 test -f /tmp/scan.info.after
after=$(sed -n 's/^after=//p' /tmp/scan.info.after)

# --- the held snapshot ---
pk0=$(private_kb "$t")
check_rc "scan of the snapshot: a match, exit 0" 0 \
	snapctl scan "$c" -r /tmp/hit.yar
cp /tmp/check.out /tmp/scan-snap.out
check "three lines, one per planted string" \
	test "$(wc -l </tmp/scan-snap.out)" = 3
check "the heap secret at $heap in the [heap] segment" \
	want_line /tmp/scan-snap.out heap_secret secret "$heap" '$s' \
	"PSHEAP-$tok" "$c"
check "the heap secret's segment is [heap]" \
	grep -q "^heap_secret .* \[heap\]$" /tmp/scan-snap.out
check "the memfd payload at $memfd in the shared memfd mapping" \
	want_line /tmp/scan-snap.out memfd_payload payload,memfd "$memfd" \
	'$m' "PSMEMFD-$tok" "$c"
check "the memfd payload's segment starts at $(ival scan memfd_start), rw-s, /memfd:payload" \
	grep -q "^memfd_payload .* $(printf %08x $(($(ival scan memfd_start))))-[0-9a-f]* rw-s PSMEMFD-$tok /memfd:payload (deleted)$" \
	/tmp/scan-snap.out
check "the rwx payload at $rwx in the rwx mapping" \
	want_line /tmp/scan-snap.out rwx_payload payload "$rwx" '$r' \
	"PSRWX-$tok" "$c"
check "the rwx payload's segment starts at $(ival scan rwx_start), rwxp" \
	grep -q "^rwx_payload .* $(printf %08x $(($(ival scan rwx_start))))-[0-9a-f]* rwxp PSRWX-$tok -$" \
	/tmp/scan-snap.out

check_rc "scan for a string never held and one written after: exit 1" 1 \
	snapctl scan "$c" -r /tmp/miss.yar
check "no output without a match" test ! -s /tmp/check.out

check_rc "--no-live skips the shared memfd" 0 \
	snapctl scan "$c" -r /tmp/hit.yar --no-live
cp /tmp/check.out /tmp/scan-nolive.out
check "--no-live: the heap and rwx lines only" \
	sh -c "test \$(wc -l </tmp/scan-nolive.out) = 2 && ! grep -q memfd_payload /tmp/scan-nolive.out"

check_rc "scan --json" 0 snapctl scan "$c" -r /tmp/hit.yar --json
if evcheck json /tmp/check.out >/tmp/scan.flat 2>&1; then
	pass "--json prints one JSON value"
else
	fail "--json prints one JSON value"
	sed 's/^/    /' /tmp/scan.flat
fi
# jrule N: rule N's fields, on one line.
jrule() {
	for _k in rule namespace tags.0 tags.1 strings.0.identifier \
		strings.0.address strings.0.length strings.0.data \
		strings.0.segment.perms strings.0.segment.path; do
		printf '%s ' "$(sed -n "s/^$1\.$(echo $_k | sed 's/\./\\./g')=//p" /tmp/scan.flat)"
	done
	echo
}
hex() { printf %s "$1" | od -An -tx1 | tr -d ' \n'; }
check "--json: the heap rule's fields" test "$(jrule 0)" = \
	"heap_secret default secret  \$s $(($heap)) 15 $(hex "PSHEAP-$tok") rw-p [heap] "
check "--json: the memfd rule's fields" test "$(jrule 1)" = \
	"memfd_payload default payload memfd \$m $(($memfd)) 16 $(hex "PSMEMFD-$tok") rw-s /memfd:payload (deleted) "
check "--json: the rwx rule's fields" test "$(jrule 2)" = \
	"rwx_payload default payload  \$r $(($rwx)) 14 $(hex "PSRWX-$tok") rwxp  "
check "--json: three rules, one string each" sh -c \
	"! grep -q '^3\\.' /tmp/scan.flat && ! grep -q '^[0-2]\\.strings\\.1\\.' /tmp/scan.flat"
check "--json: the segment's index and range hold the address" sh -c "
	s=\$(sed -n 's/^0\\.strings\\.0\\.segment\\.start=//p' /tmp/scan.flat)
	e=\$(sed -n 's/^0\\.strings\\.0\\.segment\\.end=//p' /tmp/scan.flat)
	i=\$(sed -n 's/^0\\.strings\\.0\\.segment\\.index=//p' /tmp/scan.flat)
	r=\$(sed -n \"\$((i + 1))p\" /proc/$c/maps | cut -d' ' -f1)
	[ \$s -le $(($heap)) ] && [ $(($heap)) -lt \$e ] &&
	[ \"\$r\" = \"\$(printf %08x \$s)-\$(printf %08x \$e)\" ]"
check_rc "scan --json without a match: exit 1" 1 \
	snapctl scan "$c" -r /tmp/miss.yar --json
check_out "scan --json without a match: []" '^\[\]$'

# --- the evidence directory collected from it ---
check_rc "collect the snapshot" 0 snapctl collect "$c" -o /tmp/scanev \
	--format paper --no-hash
check_rc "scan of the evidence directory: exit 0" 0 \
	snapctl scan /tmp/scanev -r /tmp/hit.yar
cp /tmp/check.out /tmp/scan-dir.out
check "the directory's matches are the snapshot's" \
	cmp /tmp/scan-dir.out /tmp/scan-snap.out
check_rc "the directory holds no PSAFTER nor PSNEVER: exit 1" 1 \
	snapctl scan /tmp/scanev -r /tmp/miss.yar

# --- errors: 2 ---
check_rc "rules that do not compile: exit 2" 2 \
	snapctl scan "$c" -r /tmp/broken.yar
check_out "the compiler's message" 'broken.yar\([0-9]+\): undefined string "\$b"'
check_rc "no rules file: exit 2" 2 snapctl scan "$c" -r /tmp/nonexistent.yar
check_rc "no -r: exit 2" 2 snapctl scan "$c"
check_rc "no such snapshot: exit 2" 2 snapctl scan 999999 -r /tmp/hit.yar
check_rc "no evidence there: exit 2" 2 snapctl scan /tmp -r /tmp/hit.yar

# --- the target ran on, and shares what it shared ---
pk1=$(private_kb "$t")
sk1=$(shared_kb "$t")
check "the scans unshared nothing: the target's private memory $pk0 kB, then $pk1 kB" \
	test $((pk1 - pk0)) -lt 1024
check "the 16 MiB filled before the snapshot is still shared ($sk1 kB)" \
	test "$sk1" -ge 16384
check "the target counts on ($hb: $hb_snap in the snapshot)" \
	hbtool progress "$t" "$hb" 10
check "the live counter is past the snapshot's" \
	test "$(hbtool peek "$t" "$hb")" -gt "$hb_snap"
check_rc "delete the snapshot" 0 snapctl delete "$c"

# --- snapctl snapshot --scan: the new instant has PSAFTER ---
after_hits() {
	[ "$(grep -c '^after - ' "$1")" = 2 ] &&
		grep -q "^after - $after \\\$a .* PSAFTER-$tok \\[heap\\]\$" "$1" &&
		grep -q "^after - .* rwxp PSAFTER-$tok -\$" "$1"
}
check_rc "snapshot --scan: a match, exit 0" 0 \
	snapctl snapshot "$t" -o /tmp/scanev2 --format paper --no-hash \
	--scan /tmp/after.yar
cp /tmp/check.out /tmp/scan-after.out
check "snapshot --scan: PSAFTER at $after on the heap, and in the rwx mapping" \
	after_hits /tmp/scan-after.out
check "snapshot --scan: the evidence is complete" \
	test -f /tmp/scanev2/manifest.json
check_rc "snapshot --scan with no match: exit 1" 1 \
	snapctl snapshot "$t" -o /tmp/scanev3 --format paper --no-hash \
	--scan /tmp/never.yar
check_rc "snapshot --scan with rules that do not compile: exit 2" 2 \
	snapctl snapshot "$t" -o /tmp/scanev4 --scan /tmp/broken.yar
check "... and no snapshot was taken for it" test ! -e /tmp/scanev4
check_rc "snapshot --scan -o -: exit 2" 2 \
	snapctl snapshot "$t" -o - --scan /tmp/after.yar
check "no snapshot left" test -z "$(clones)"

hb_finish
