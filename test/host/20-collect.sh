#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host checks of what test/guest/20-collect.sh left in the share, with the
# host's GNU tar and gdb:
# - ev4.tar (snapctl collect -o -) extracts, sparse entries and all, to the
#   same files as ev4/ (a directory collection of the same clone); the two
#   manifests differ only in the collector's times;
# - core4/core (--format core of a 4-thread snaptarget) loads in gdb with
#   the static snaptarget: 4 threads, backtraces through the worker
#   functions, and snap_generation as it was at the duplication (recorded by
#   the guest in core4.expected), not the target's later value.
#
# usage: test/host/20-collect.sh OUTDIR WORKDIR (from test/vm/run.sh)
set -u

out=$1
work=${2:-}
top=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; }
skip() { echo "SKIP: $*"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The static test programs the guest ran (run.sh copies build/guest-progs/).
progs=""
for d in "$top/build/guest-progs" ${work:+"$work/../../guest-progs"}; do
	if [ -x "$d/snaptarget" ]; then
		progs=$(cd "$d" && pwd)
		break
	fi
done

# --- the tar stream against the directory -------------------------------------
if [ ! -f "$out/ev4.tar" ] || [ ! -d "$out/ev4" ] || [ ! -f "$out/ev4.clone" ]; then
	fail "stream: the guest left ev4.tar, ev4/ and ev4.clone in $out"
else
	clone=$(cat "$out/ev4.clone")
	top_dir=procsnap-$clone
	if ! tar -xf "$out/ev4.tar" -C "$tmp" 2>"$tmp/tar.err"; then
		fail "stream: GNU tar extracts ev4.tar"
		sed 's/^/    /' "$tmp/tar.err"
	elif [ ! -d "$tmp/$top_dir" ]; then
		fail "stream: ev4.tar has no top directory $top_dir/"
		find "$tmp" -maxdepth 1 | sed 's/^/    /'
	else
		pass "stream: GNU tar extracts ev4.tar into $top_dir/"
		x=$tmp/$top_dir
		# Every file but the manifest byte for byte; the same set.
		(cd "$out/ev4" && find . -type f | sort) >"$tmp/dir.list"
		(cd "$x" && find . -type f | sort) >"$tmp/tar.list"
		bad=""
		while read -r f; do
			[ "$f" = ./manifest.json ] && continue
			cmp -s "$out/ev4/$f" "$x/$f" || bad="$bad $f"
		done <"$tmp/dir.list"
		n=$(wc -l <"$tmp/dir.list")
		if ! diff -q "$tmp/dir.list" "$tmp/tar.list" >/dev/null; then
			fail "stream: the tar holds other files than the directory"
			diff "$tmp/dir.list" "$tmp/tar.list" | head -n 20 |
				sed 's/^/    /'
		elif [ -n "$bad" ]; then
			fail "stream: files differ between the tar and the directory:$bad"
		else
			pass "stream: the tar's $n files are the directory's, byte for byte (manifest aside)"
		fi
		# The manifests: equal but for the collector's own times.
		if command -v python3 >/dev/null; then
			if python3 - "$out/ev4/manifest.json" "$x/manifest.json" \
				>"$tmp/man.out" 2>&1 <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for m in (a, b):
    for k in ("started_realtime_ns", "finished_realtime_ns"):
        m["collector"].pop(k)
    # LIST's live values: reading file-backed pages maps them in the clone
    for k in ("resident_bytes", "pagetable_bytes"):
        m["snapshot"].pop(k)
if a != b:
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            print("differs: %s" % k)
    sys.exit(1)
EOF
			then
				pass "stream: the tar's manifest.json is the directory's but for the collector's times and the snapshot's current resident/page-table bytes"
			else
				fail "stream: the manifests differ beyond the collector's times and the snapshot's resident/page-table bytes"
				sed 's/^/    /' "$tmp/man.out"
			fi
		else
			skip "stream: manifests compared (no python3)"
		fi
		# Sparse entries: the holes are restored as holes, not data.
		da=$(du -sk "$out/ev4/segments" | cut -f1)
		ta=$(du -sk "$x/segments" | cut -f1)
		sz=$(stat -c %s "$out/ev4.tar")
		echo "INFO: stream: ev4.tar is $((sz >> 10)) KiB; segments allocate $da KiB in ev4/ and $ta KiB extracted"
		if grep -aq 'GNU.sparse' "$out/ev4.tar"; then
			pass "stream: segment images travel as pax sparse entries"
		else
			fail "stream: no pax sparse entry (GNU.sparse.*) in ev4.tar"
		fi
	fi
fi

# --- the ELF core in gdb -------------------------------------------------------------
core=$out/core4/core
exp=$out/core4.expected
if ! command -v gdb >/dev/null; then
	skip "core: gdb is not installed"
elif [ ! -f "$core" ] || [ ! -f "$exp" ]; then
	fail "core: the guest left core4/core and core4.expected in $out"
elif [ -z "$progs" ]; then
	fail "core: no build/guest-progs/snaptarget to load the core with"
else
	gen=$(sed -n 's/^gen=//p' "$exp")
	later=$(sed -n 's/^later=//p' "$exp")
	nthreads=$(sed -n 's/^threads=//p' "$exp")
	exe=$progs/snaptarget
	# The guest ran this very binary: its hash is the manifest's.
	want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["target"]["exe_sha256"])' \
		"$out/core4/manifest.json" 2>/dev/null)
	got=$(sha256sum "$exe" | cut -d' ' -f1)
	if [ "$want" = "$got" ]; then
		pass "core: $exe is the binary the guest ran (exe_sha256 $got)"
	else
		fail "core: $exe hashes to $got, the manifest's exe_sha256 is '$want'"
	fi
	gdb -batch -nx -ex 'set pagination off' -ex 'info threads' \
		-ex 'thread apply all bt' -ex 'print snap_generation' \
		"$exe" "$core" >"$tmp/gdb.out" 2>&1
	cp "$tmp/gdb.out" "$out/core4.gdb.txt"
	n=$(grep -cE '^[* ] +[0-9]+ +(Thread|LWP|process) ' "$tmp/gdb.out")
	if [ "$n" = "$nthreads" ]; then
		pass "core: gdb lists $n threads"
	else
		fail "core: gdb lists $n threads, want $nthreads"
		sed 's/^/    /' "$tmp/gdb.out" | head -n 40
	fi
	# The workers are in snap_asm_loop, called from worker(); the main
	# thread in main() (write_pages() inlined or not).
	# (only thread apply all bt's output: gdb prints the current frame first)
	sed -n '/^Thread [0-9]* (/,$p' "$tmp/gdb.out" >"$tmp/bt.out"
	nloop=$(grep -cE '^#0 .* in snap_asm_loop ' "$tmp/bt.out")
	nworker=$(grep -cE '^#1 .* in worker ' "$tmp/bt.out")
	nmain=$(grep -cE '^#[0-9]+ .*(in )?main ' "$tmp/bt.out")
	if [ "$nloop" = $((nthreads - 1)) ] && [ "$nworker" = $((nthreads - 1)) ] &&
		[ "$nmain" -ge 1 ]; then
		pass "core: backtraces: $nloop workers in snap_asm_loop <- worker, the main thread in main"
	else
		fail "core: backtraces: $nloop in snap_asm_loop, $nworker from worker, $nmain in main (want $((nthreads - 1)), $((nthreads - 1)), >= 1)"
		grep -E '^(Thread|#)' "$tmp/gdb.out" | head -n 40 | sed 's/^/    /'
	fi
	# The vDSO is in the core (gdb reads its symbols from there).
	if grep -q 'Failed to read a valid object file image from memory' \
		"$tmp/gdb.out"; then
		fail "core: gdb cannot read the vDSO from the core (its PT_LOAD holds no ELF image)"
	else
		pass "core: gdb reads the vDSO from the core"
	fi
	# shellcheck disable=SC2016
	v=$(sed -n 's/^\$1 = \([0-9]*\)$/\1/p' "$tmp/gdb.out")
	if [ -n "$v" ] && [ "$v" = "$gen" ] && [ "$later" != "$gen" ]; then
		pass "core: print snap_generation = $v, its value at the duplication (the target went on to $later)"
	else
		fail "core: print snap_generation = '$v', want '$gen' (the value at the duplication; the target's later value was '$later')"
		# shellcheck disable=SC2016
		grep -E '^\$1|snap_generation' "$tmp/gdb.out" | sed 's/^/    /'
	fi
fi
exit 0
