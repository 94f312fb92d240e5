#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scan throughput, in the VM (bench/scan.sh boots it with --tests scanbench
# --with-bins yara): snapctl scan of a held snapshot and of its evidence
# directory against yara -r on that directory's segments, same rules.  A
# scantarget with 128 MiB of pseudo-random bytes (every page written, so
# the images have no holes and both tools read the same bytes but for the
# few sparse pages of the rest).  Each case runs RUNS times with the real
# rules and with rules that have no string (reading and iterating alone).
# Raw times go to /out/scanbench.txt; the evidence directory and the rules
# to /out/scanev and /out/sb*.yar for the host's own comparison.
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-b-lib.sh

MB=128
RUNS=5

check_rc "modprobe procsnap" 0 modprobe procsnap
if ! hb_start sb scantarget --fill $MB || ! req "$TP"; then
	fail "a $MB MiB scantarget and its snapshot"
	cleanup
	rmmod procsnap
	exit 1
fi
c=$C tok=$(ival sb token)
pass "a snapshot of a $MB MiB scantarget (clone $c)"
check_rc "collect it" 0 snapctl collect "$c" -o /tmp/sbev --format paper \
	--no-hash

cat >/tmp/sb.yar <<EOF
rule heap_secret { strings: \$s = "PSHEAP-$tok" condition: \$s }
rule payloads {
	strings:
		\$m = "PSMEMFD-$tok"
		\$r = "PSRWX-$tok"
		\$x = /PS(HEAP|MEMFD|RWX)-[0-9a-f]{8}/
	condition: any of them
}
rule elf { strings: \$e = { 7f 45 4c 46 02 01 01 } condition: \$e }
rule absent {
	strings:
		\$a = "never-planted-anywhere" wide ascii nocase
		\$h = { de ad be ef ?? ?? 13 37 }
	condition: any of them
}
EOF
echo 'rule nothing { condition: false }' >/tmp/sbnull.yar

# Bytes: what the images' files hold (yara reads all of it, holes as
# zeros) and their data (what snapctl reads).
files=$(stat -c %s /tmp/sbev/segments/*.img | awk '{ s += $1 } END { print s }')
data=$(du -k /tmp/sbev/segments | awk 'END { print $1 * 1024 }')
echo "bytes files=$files data=$data" >/tmp/sb.txt

# run NAME CMD...: RUNS timed runs, in centiseconds.
run() {
	_name=$1
	shift
	_i=0
	while [ $_i -lt $RUNS ]; do
		_t0=$(now_cs)
		"$@" >/tmp/sb.out 2>&1
		_rc=$?
		echo "$_name $(($(now_cs) - _t0)) rc=$_rc" >>/tmp/sb.txt
		_i=$((_i + 1))
	done
	cp /tmp/sb.out "/tmp/sb-$_name.out"
}

run snapshot snapctl scan "$c" -r /tmp/sb.yar
run dir snapctl scan /tmp/sbev -r /tmp/sb.yar
run yara1 yara -p 1 -s -r /tmp/sb.yar /tmp/sbev/segments
run yara yara -s -r /tmp/sb.yar /tmp/sbev/segments
run snapshot-null snapctl scan "$c" -r /tmp/sbnull.yar
run dir-null snapctl scan /tmp/sbev -r /tmp/sbnull.yar
run yara1-null yara -p 1 -r /tmp/sbnull.yar /tmp/sbev/segments

# The same matches: one line per string match in both tools' output.
check "snapctl: the snapshot and the directory agree" \
	cmp /tmp/sb-snapshot.out /tmp/sb-dir.out
for s in '$s' '$m' '$r' '$x' '$e'; do
	n1=$(grep -c " $s " /tmp/sb-dir.out)
	n2=$(grep -c ":$s:" /tmp/sb-yara1.out)
	check "string $s: $n1 matches in snapctl's output, $n2 in yara's" \
		test "$n1" = "$n2" -a "$n1" -gt 0
done
check "no match of the absent rule" sh -c \
	"! grep -q '^absent' /tmp/sb-dir.out && ! grep -q '^absent' /tmp/sb-yara1.out"
check "snapctl's runs exit 0 with the rules, 1 with the null rules" sh -c \
	"! grep -E '^(snapshot|dir) ' /tmp/sb.txt | grep -qv 'rc=0\$' &&
	 ! grep -E '^(snapshot|dir)-null ' /tmp/sb.txt | grep -qv 'rc=1\$'"
cat /tmp/sb.txt
cp /tmp/sb.txt /out/scanbench.txt
cp /tmp/sb.yar /tmp/sbnull.yar /out/
rm -rf /out/scanev
cp -a /tmp/sbev /out/scanev
check "the evidence is in the share" test -f /out/scanev/manifest.json
snapctl delete "$c" >/dev/null
hb_finish
