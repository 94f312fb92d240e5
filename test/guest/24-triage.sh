#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# snapctl triage: what looks injected, in a snapshot and in its evidence
# directory.  injtarget (test/guest/prog/injtarget.c) maps anonymous r-x
# and rwx code, a memfd r-x, copies an ELF header into anonymous memory,
# patches 4 bytes of its own text and a byte of its vDSO, and runs with
# LD_PRELOAD and LD_LIBRARY_PATH set (and, not to be reported, an empty
# GCONV_PATH, LD_BIND_NOW and MY_LD_PRELOAD).  Others execute a deleted
# copy of themselves, a copy replaced by another file, a memfd.  Each
# finding's kind, address, length and segment must be the target's own
# account; nothing else may be found; a clean target gives nothing (exit 0,
# []), and so does a snapshot of snapctl itself at work (glibc, ld.so and
# its libraries as mapped).  The evidence directory triages exactly as the snapshot, and the
# snapshot keeps showing the patch after the target has undone it.  A
# directory is compared with the host as it is now: once the program it
# was collected from is replaced, its code is reported, not compared.
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-b-lib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots

# start NAME MODE [VAR=VALUE...]: injtarget (or $INJ) MODE with only PATH
# and the VARs in its environment (the VM's LD_LIBRARY_PATH gone); sets TP.
start() {
	_n=$1 _m=$2
	shift 2
	rm -f "/tmp/$_n.info" "/tmp/$_n.info.tmp" "/tmp/$_n.info.restored"
	env -i PATH="$PATH" "$@" "${INJ:-injtarget}" --info "/tmp/$_n.info" \
		"$_m" >"/tmp/$_n.log" 2>&1 &
	TP=$!
	PIDS="$PIDS $TP"
	if ! poll 60 test -f "/tmp/$_n.info"; then
		fail "$_n: injtarget $_m starts"
		sed 's/^/    /' "/tmp/$_n.log"
		return 1
	fi
}

# has FILE KIND ADDR [PATTERN]: FILE (triage --json) has a finding of KIND
# at ADDR whose line also matches PATTERN (grep -E).
has() {
	grep "^{\"kind\":\"$2\",\"address\":\"$3\"," "$1" | grep -qE -- "${4:-.}"
}
# nfound FILE: how many findings.
nfound() { grep -c '^{"kind":' "$1"; }
# in_order FILE: the findings' segments in address order, the environment
# (no segment) last.
in_order() {
	_prev=0
	for _s in $(grep -o '"segment":{"index":[0-9]*,"start":"[0-9a-f]*"' "$1" |
		sed 's/.*"start":"//; s/"$//'); do
		[ $((0x$_s)) -ge $_prev ] || return 1
		_prev=$((0x$_s))
	done
	! grep '^{"kind":' "$1" | sed -n '/"segment":null/,$p' |
		grep -q '"segment":{'
}
# seg START PERMS PATH: the segment object, as the JSON has it.
seg() { echo "\"segment\":\\{\"index\":[0-9]+,\"start\":\"$1\",\"end\":\"[0-9a-f]+\",\"perms\":\"$2\",\"offset\":[0-9]+,\"dev\":\"[0-9a-f]+:[0-9a-f]+\",\"inode\":[0-9]+,\"path\":\"$3\"\\}"; }

# triage_both NAME WANT_RC [REQUEST-ARGS]: snapshot the target TP, triage
# the snapshot into /tmp/NAME.json, collect it and triage the directory;
# both must exit WANT_RC and say exactly the same.  Sets C.
triage_both() {
	if ! req "$TP" $3; then
		fail "$1: a snapshot of the target (exit $RC)"
		return 1
	fi
	check_rc "$1: triage of snapshot $C exits $2" "$2" \
		snapctl triage "$C" --json
	cp /tmp/check.out "/tmp/$1.json"
	rm -rf "/tmp/ev24-$1"
	if snapctl collect "$C" -o "/tmp/ev24-$1" --format paper \
		>/tmp/collect24.out 2>&1; then
		check_rc "$1: triage of its evidence exits $2" "$2" \
			snapctl triage "/tmp/ev24-$1" --json
		# check writes /tmp/check.out itself.
		cp /tmp/check.out "/tmp/$1-dir.json"
		check "$1: the evidence triages as the snapshot" \
			cmp "/tmp/$1.json" "/tmp/$1-dir.json"
	else
		fail "$1: snapctl collect"
		sed 's/^/    /' /tmp/collect24.out
	fi
}

# ---- the injecting target ----
if start inj inject LD_PRELOAD=/tmp/libinj.so LD_LIBRARY_PATH=/opt/inj \
	GCONV_PATH= LD_BIND_NOW=1 MY_LD_PRELOAD=/tmp/no.so; then
	t=$TP
	anon=$(ival inj anon) rwx=$(ival inj rwx) memfd=$(ival inj memfd)
	elf=$(ival inj elf) text=$(ival inj text) tseg=$(ival inj text_seg)
	toff=$(ival inj text_off) vdso=$(ival inj vdso)
	vseg=$(ival inj vdso_seg)
	triage_both inj 7
	j=/tmp/inj.json
	check "anon-exec at $anon: its r-x page" has $j anon-exec "$anon" \
		"\"length\":4096,\"file_offset\":null,$(seg "$anon" r-xp "")"',"why":"r-xp anonymous mapping"\}'
	check "anon-exec at $rwx: the rwx page" has $j anon-exec "$rwx" \
		"$(seg "$rwx" rwxp "")"
	check "rwx at $rwx" has $j rwx "$rwx" \
		"\"length\":4096,.*\"why\":\"rwxp anonymous mapping\""
	check "memfd-exec at $memfd" has $j memfd-exec "$memfd" \
		"$(seg "$memfd" r-xs '/memfd:injcode \(deleted\)')"',"why":"r-xs mapping of /memfd:injcode \(deleted\)"'
	check "elf-in-anon at $elf: the copied header" has $j elf-in-anon \
		"$elf" "\"length\":64,.*$(seg "$elf" rw-p "")"',"why":"ELF header \(ET_EXEC, x86-64\) at page start"'
	check "patched-code at $text: 4 bytes at file offset $toff" \
		has $j patched-code "$text" \
		"\"length\":4,\"file_offset\":$toff,$(seg "$tseg" r-xp /usr/bin/injtarget)"',"why":"4 bytes differ from /usr/bin/injtarget at file offset 0x'"$(printf %x "$toff")"'"'
	n=8
	if [ -n "$vdso" ]; then
		n=9
		check "patched-code at $vdso: a byte of the vDSO" \
			has $j patched-code "$vdso" \
			"\"length\":1,\"file_offset\":10,$(seg "$vseg" r-xp '\[vdso\]'),\"why\":\"1 byte differs from this kernel's vDSO at offset 0xa\""
	else
		skip "this kernel does not let the vDSO be made writable"
	fi
	check "loader-env: LD_PRELOAD" grep -qF \
		'{"kind":"loader-env","address":null,"length":null,"file_offset":null,"segment":null,"why":"LD_PRELOAD=/tmp/libinj.so"}' $j
	check "loader-env: LD_LIBRARY_PATH" grep -q \
		'"why":"LD_LIBRARY_PATH=/opt/inj"}' $j
	check "$n findings and no others (GCONV_PATH empty, LD_BIND_NOW, MY_LD_PRELOAD)" \
		test "$(nfound $j)" = $n
	check "findings in address order, the environment last" in_order $j

	# The text as one line: kind, address, length, segment, why.
	check_rc "text output exits 7" 7 snapctl triage "$C"
	check_out "text: the patched code" \
		"^patched-code +0x$(printf %x "0x$text") +4 +$tseg-[0-9a-f]+ +4 bytes differ from /usr/bin/injtarget at file offset 0x"
	check_rc "--no-host: exit 7" 7 snapctl triage "/tmp/ev24-inj" --json \
		--no-host
	cp /tmp/check.out /tmp/inj-nohost.json
	check "--no-host: no file or vDSO compared, the 7 others found" sh -c \
		"! grep -q patched-code /tmp/inj-nohost.json && test \$(grep -c '^{\"kind\"' /tmp/inj-nohost.json) = 7"

	# The target puts its text back: the snapshot still has the patch.
	kill -USR1 "$t"
	if poll 30 test -f /tmp/inj.info.restored; then
		snapctl triage --process "$t" --json >/tmp/inj-live.json
		check "the live target's text is as the file again (the rest as it was)" sh -c \
			"! grep -q '\"address\":\"$text\"' /tmp/inj-live.json && test \$(grep -c '^{\"kind\"' /tmp/inj-live.json) = $((n - 1))"
		snapctl triage "$C" --json >/tmp/inj-again.json
		check "the snapshot still shows the patch at $text" \
			has /tmp/inj-again.json patched-code "$text"
	else
		fail "the target restores its text"
	fi
	check_rc "the snapshot is deleted" 0 snapctl delete "$C"
	rm -rf /tmp/ev24-inj
	cleanup
fi

# ---- a clean target ----
if start clean clean; then
	triage_both clean 0
	check "clean: an empty array" test "$(cat /tmp/clean.json)" = "[]"
	check_rc "clean: text says so" 0 snapctl triage "$C"
	check_out "clean: no findings" '^no findings$'
	check_rc "the snapshot is deleted" 0 snapctl delete "$C"
	rm -rf /tmp/ev24-clean
	cleanup
fi

# ---- a clean dynamic program: snapctl itself, collecting slowly ----
# glibc, ld.so, libprocsnap, libcrypto, libarchive, json-c, libelf, as
# the host built them, and the lanes' threads: not a single finding.
if start slow clean && req "$TP"; then
	env -i PATH="$PATH" snapctl collect "$C" -o /tmp/ev24-slow \
		--rate 64K --format paper >/tmp/slow.log 2>&1 &
	TP=$!
	PIDS="$PIDS $TP"
	if poll 30 sh -c "grep -q libcrypto /proc/$TP/maps && test -d /tmp/ev24-slow/segments"; then
		check "dyn: snapctl maps glibc and ld.so" sh -c \
			"grep -q /libc.so.6 /proc/$TP/maps && grep -q /ld-linux-x86-64.so.2 /proc/$TP/maps"
		REQ_TIMEOUT=60s
		triage_both dyn 0 --interrupt
		check "dyn: an empty array" test "$(cat /tmp/dyn.json)" = "[]"
		rm -rf /tmp/ev24-dyn
	else
		fail "dyn: snapctl collect runs"
		sed 's/^/    /' /tmp/slow.log
	fi
	cleanup
	rm -rf /tmp/ev24-slow
fi

# ---- executables deleted, replaced, a memfd ----
for m in deleted replaced memfdexe; do
	start "$m" "$m" || continue
	exe=$(ival "$m" exe) eseg=$(ival "$m" exe_seg)
	etext=$(ival "$m" exe_text)
	check "$m: the target runs its copy" test "$(ival "$m" pid)" = "$TP"
	triage_both "$m" 7
	j=/tmp/$m.json
	case $m in
	deleted)
		check "exe-deleted at $eseg" has $j exe-deleted "$eseg" \
			"\"length\":null,.*$(seg "$eseg" r--p "$exe \\(deleted\\)"),\"why\":\"$exe was deleted\""
		check "deleted-file-exec at $etext" has $j deleted-file-exec \
			"$etext" "$(seg "$etext" r-xp "$exe \\(deleted\\)")"
		check "$m: 2 findings (its own ELF header is no finding)" \
			test "$(nfound $j)" = 2
		;;
	replaced)
		check "exe-replaced at $eseg" has $j exe-replaced "$eseg" \
			"$(seg "$eseg" r--p "$exe \\(deleted\\)"),\"why\":\"$exe is another file here \\(dev [0-9a-f:]+ inode [0-9]+\\) than the executable"
		check "deleted-file-exec at $etext" has $j deleted-file-exec \
			"$etext"
		check "$m: 2 findings" test "$(nfound $j)" = 2
		check_rc "$m: --no-host says deleted" 7 \
			snapctl triage "/tmp/ev24-$m" --json --no-host
		check_out "$m: ... or replaced" \
			"\"kind\":\"exe-deleted\",\"address\":\"$eseg\",.*\"why\":\"$exe was deleted \\(or replaced\\)\""
		;;
	memfdexe)
		check "exe-memfd at $eseg" has $j exe-memfd "$eseg" \
			'"why":"the executable is memfd:injexe, a memfd"'
		check "memfd-exec at $etext" has $j memfd-exec "$etext" \
			"$(seg "$etext" r-xp '/memfd:injexe \(deleted\)')"
		check "elf-in-anon at $eseg: the memfd's ELF header" \
			has $j elf-in-anon "$eseg" 'ET_EXEC, x86-64'
		check "$m: 3 findings" test "$(nfound $j)" = 3
		;;
	esac
	check_rc "the snapshot is deleted" 0 snapctl delete "$C"
	rm -rf "/tmp/ev24-$m"
	cleanup
done

# ---- evidence of a program replaced after the collection ----
# The directory is compared with the host as it is now: the executable's
# path names another file, so its code is not compared but reported.
cp /usr/bin/injtarget /tmp/injcopy
if INJ=/tmp/injcopy start later clean; then
	if req "$TP" && snapctl collect "$C" -o /tmp/ev24-later --format paper \
		>/tmp/collect24.out 2>&1; then
		text=$(awk '$2 == "r-xp" && $6 == "/tmp/injcopy" { sub(/-.*/, "", $1); print $1 }' \
			/tmp/ev24-later/index.txt)
		first=$(awk '$6 == "/tmp/injcopy" { sub(/-.*/, "", $1); print $1; exit }' \
			/tmp/ev24-later/index.txt)
		check_rc "later: the evidence is clean as collected" 0 \
			snapctl triage /tmp/ev24-later --json
		cp /bin/busybox /tmp/injcopy.new
		mv /tmp/injcopy.new /tmp/injcopy
		check_rc "later: once replaced, exit 7" 7 \
			snapctl triage /tmp/ev24-later --json
		cp /tmp/check.out /tmp/later.json
		check "later: file-replaced at $text" has /tmp/later.json \
			file-replaced "$text" "$(seg "$text" r-xp /tmp/injcopy),\"why\":\"/tmp/injcopy is another file here \\(dev [0-9a-f:]+ inode [0-9]+\\) than the one mapped \\(dev [0-9a-f:]+ inode [0-9]+\\): not compared\""
		check "later: exe-replaced at $first" has /tmp/later.json \
			exe-replaced "$first" '"why":"/tmp/injcopy is another file here'
		check "later: 2 findings" test "$(nfound /tmp/later.json)" = 2
		check_rc "later: --no-host: nothing" 0 \
			snapctl triage /tmp/ev24-later --json --no-host
		check_out "later: --no-host: []" '^\[\]$'
	else
		fail "later: a snapshot and its evidence"
	fi
	rm -rf /tmp/ev24-later /tmp/injcopy
	cleanup
fi

# ---- misuse ----
check_rc "no such snapshot: exit 6" 6 snapctl triage 999999
check_out "no such snapshot: says so" "no snapshot with pid 999999"
check_rc "not evidence: exit 6" 6 snapctl triage /tmp
check_out "not evidence: says so" "no evidence in /tmp"

hb_finish
