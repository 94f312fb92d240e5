#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a Debian kernel under QEMU (TCG) with procsnap.ko and run the guest
# tests in test/guest/.  The kernel is Debian's own linux-image package, the
# module is built against the matching linux-headers package.
#
# usage: test/vm/run.sh [--rt] [--tests "00-module 10-x"] [--warn-module]
#                       [--out DIR] [--timeout SECS] [--show] [--mem MB]
#                       [--with-bins "cyclictest gdb"] [--work DIR]
#                       [--test-timeout SECS] [--kernel debian|debug|debug-rt]
#                       [--tcg single|multi]
#
# --with-bins copies host programs (by name on PATH, or path) with their
# shared libraries into the guest; --work puts the build and logs elsewhere
# than build/vm/RELEASE, so that runs can go in parallel.  --kernel debug
# (debug-rt) boots procsnap's own debug kernel instead of Debian's, built and
# cached by test/vm/debug/build.sh generic (rt) on first use; PROCSNAP_KERNEL
# is the same as --kernel.
#
# --tcg (PROCSNAP_TCG) picks how QEMU runs the two vCPUs: "single" (the
# default) on one host thread, "multi" on one each.  QEMU 7.2's multi-threaded
# TCG sometimes runs a stale translation of kernel text that the guest has
# just patched: a vCPU then takes the int3 of a static-key patch that has
# already finished ("Oops: int3", seen in CI on 6.12, and with no module
# loaded).  textpoke.sh's loop of system freezes (each flips freezer_active)
# panics 6.12 within seconds and stalls 6.1 under "multi", and runs 3000
# times clean under "single".  The guests still have two CPUs and preempt
# between them; only their instructions no longer run at the same host
# instant.
#
# Exit status: 0 every test passed and the kernel log is clean; 1 a test
# failed or the kernel log shows a bug; 2 the VM did not finish (timeout,
# panic) or could not be set up.
set -euo pipefail

top=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
# shellcheck source=kernel.sh
. "$top/test/vm/kernel.sh"

flavour=generic
tests=""
warn_module=0
timeout=900
out=""
show=0
test_timeout=600
mem=2048
with_bins=""
work=""
kernel=${PROCSNAP_KERNEL:-debian}
tcg=${PROCSNAP_TCG:-single}

usage() {
	sed -n 's/^# usage: //p; s/^#  \{20,\}/ /p' "$0" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--rt) flavour=rt ;;
	--flavour) flavour=$2; shift ;;
	--tests) tests=$2; shift ;;
	--warn-module) warn_module=1 ;;
	--out) out=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--show) show=1 ;;
	--mem) mem=$2; shift ;;
	--with-bins) with_bins=$2; shift ;;
	--work) work=$2; shift ;;
	--test-timeout) test_timeout=$2; shift ;;
	--kernel) kernel=$2; shift ;;
	--tcg) tcg=$2; shift ;;
	-h|--help) usage ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage ;;
	esac
	shift
done

case "$tcg" in
single|multi) ;;
*) echo "run.sh: --tcg is single or multi, not '$tcg'" >&2; exit 2 ;;
esac

# Debian's kernel: its image package and its headers.  The debug kernel: the
# bzImage and the O= build dir it came from, which M= builds against; it
# has everything the VM needs built in, so no module but procsnap's.
cmdline_extra=""
cpu=max
modopts=""
case "$kernel" in
debian)
	rel=$(procsnap_kernel_release "$flavour")
	kdir=/usr/src/linux-headers-$rel
	if [ ! -d "$kdir" ]; then
		echo "run.sh: $kdir missing: run test/deps.sh $flavour" >&2
		exit 2
	fi
	variant=$rel
	;;
debug|debug-rt)
	flavour=generic
	[ "$kernel" = debug-rt ] && flavour=rt
	kdir=$("$top/test/vm/debug/build.sh" "$flavour") || exit 2
	rel=$(cat "$kdir/include/config/kernel.release")
	variant=$kernel-$rel
	# The detectors are chatty at boot: keep all of it for the scan.  RCU's
	# stall timeout is scaled for TCG like the other watchdogs (60 s).
	cmdline_extra=" log_buf_len=8M rcupdate.rcu_cpu_stall_timeout=60"
	# 4-level paging: identify_cpu() clears boot_cpu_data's capabilities
	# for a moment, pgtable_l5_enabled() reads them, and KASAN took an
	# interrupt in that window for a wild access (a boot-time false report
	# in one boot of several, nothing of procsnap's).
	cpu=max,la57=off
	# Threads reach the kernel boundary ~10x slower here than on Debian's
	# kernel: a duplication of thousands of threads gets 10x the time to
	# quiesce them (a snapshot that fails ETIME tests no race).
	modopts="quiesce_timeout_ms=20000"
	;;
*) echo "run.sh: unknown kernel '$kernel' (debian, debug or debug-rt)" >&2; exit 2 ;;
esac
[ "$warn_module" = 1 ] && variant=$variant-warn
[ -n "$work" ] || work=$top/build/vm/$variant
[ -n "$out" ] || out=$work/out
log=$work/console.log
mkdir -p "$work" "$out"

say() { echo "vm($variant): $*" >&2; }

# --- kernel --------------------------------------------------------------
if [ "$kernel" = debian ]; then
	kroot=$(procsnap_fetch_kernel "$rel" "$top/build/cache/$rel")
	kmods=$kroot/lib/modules/$rel
	kimage=$kroot/boot/vmlinuz-$rel
	[ -f "$kmods/modules.dep" ] || depmod -b "$kroot" "$rel"
else
	kroot=""
	kmods=$kdir
	kimage=$kdir/arch/x86/boot/bzImage
fi

# --- module, in a private copy so flavours and variants never share objects
modsrc=$work/module-src
rm -rf "$modsrc"
mkdir -p "$modsrc"
cp -a "$top/Kbuild" "$top/VERSION" "$top/module" "$modsrc/"
say "building procsnap.ko against $kdir"
make_args=(-C "$kdir" M="$modsrc" W=1)
# sparse too where installed (test/deps.sh installs it).
command -v sparse >/dev/null && make_args+=(C=2)
[ "$warn_module" = 1 ] && make_args+=(PROCSNAP_TEST_WARN=y)
if ! make -s "${make_args[@]}" modules >"$work/module-build.log" 2>&1; then
	cat "$work/module-build.log" >&2
	say "module build failed"
	exit 2
fi
# W=1 must stay clean: any warning in our files fails the run.
if grep -E 'warning:' "$work/module-build.log" | grep -q "$modsrc"; then
	cat "$work/module-build.log" >&2
	say "module build has warnings"
	exit 1
fi

# --- userspace ------------------------------------------------------------
make -s -C "$top" lib cli guest-progs >&2

# --- initramfs ------------------------------------------------------------
stage=$work/initramfs
rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,etc,proc,sys,dev,tmp,usr/bin,usr/lib,tests} \
	"$stage/etc/udev/rules.d" "$stage/lib/modules/$rel/extra"
cp /bin/busybox "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
install -m 0755 "$top/test/vm/init" "$stage/init"
cp "$top"/test/guest/*.sh "$stage/tests/"
# Benchmarks run the same way (bench/guest/NAME.sh, --tests NAME).
if ls "$top"/bench/guest/*.sh >/dev/null 2>&1; then
	cp "$top"/bench/guest/*.sh "$stage/tests/"
fi
cp "$top"/udev/*.rules "$stage/etc/udev/rules.d/"
cp "$top"/build/guest-progs/* "$stage/usr/bin/"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' \
	>"$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$stage/etc/group"

# procsnap.ko where modprobe finds it, as DKMS would put it.
cp "$modsrc/procsnap.ko" "$stage/lib/modules/$rel/extra/"
if [ -n "$modopts" ]; then
	mkdir -p "$stage/etc/modprobe.d"
	echo "options procsnap $modopts" >"$stage/etc/modprobe.d/procsnap.conf"
fi
cp "$kmods"/modules.{order,builtin,builtin.modinfo} "$stage/lib/modules/$rel/"

# The 9p share's modules, in dependency order (built into the debug kernel),
# and unix_diag: the evidence names a unix socket's peer through it.
: >"$work/9p-modules"
if [ -n "$kroot" ]; then
	modprobe -d "$kroot" -S "$rel" --show-depends -a virtio_pci 9pnet_virtio 9p \
		unix_diag |
		awk '$1 == "insmod" { print $2 }' >"$work/9p-modules"
fi
: >"$stage/etc/procsnap-vm.modules"
# 6.12's modules are xz-compressed: stage them plain, so that the guest's
# insmod (busybox) needs no decompressor.
while read -r ko; do
	dst=${ko#"$kroot"}
	mkdir -p "$stage/$(dirname "$dst")"
	case "$ko" in
	*.ko.xz) dst=${dst%.xz}; xz -dc "$ko" >"$stage/$dst" ;;
	*) cp "$ko" "$stage/$dst" ;;
	esac
	echo "$dst" >>"$stage/etc/procsnap-vm.modules"
done <"$work/9p-modules"
depmod -b "$stage" "$rel"

# copy_libs PROGRAM: its shared libraries and their loader, at their paths.
copy_libs() {
	# ldd fails on scripts and static programs: they need nothing.
	{ LD_LIBRARY_PATH=$top/lib ldd "$1" 2>/dev/null || true; } |
		awk '/=> \// { print $3 } /^\t\// { print $1 }' |
		while read -r so; do
			case "$so" in "$top"/*) continue ;; esac
			mkdir -p "$stage/$(dirname "$so")"
			cp -L "$so" "$stage/$so"
		done
}

install -m 0755 "$top/cli/snapctl" "$stage/usr/bin/snapctl"
cp -a "$top"/lib/libprocsnap.so* "$stage/usr/lib/"
copy_libs "$top/cli/snapctl"
# 25-lsm confines a target with an AppArmor profile compiled in the guest,
# against the guest kernel's features.
with_bins="$with_bins $(command -v apparmor_parser || true)"
for bin in $with_bins; do
	path=$(command -v "$bin" || true)
	if [ -z "$path" ]; then
		say "--with-bins: $bin not found on the host"
		exit 2
	fi
	install -m 0755 "$path" "$stage/usr/bin/$(basename "$path")"
	copy_libs "$path"
done

if [ -z "$tests" ]; then
	tests=$(cd "$top/test/guest" && ls [0-9]*.sh | sed 's/\.sh$//' | xargs)
fi
cat >"$stage/etc/procsnap-vm.conf" <<CONF
TESTS="$tests"
TEST_TIMEOUT=$test_timeout
PROCSNAP_VERSION=$(cat "$top/VERSION")
PROCSNAP_FLAVOUR=$flavour
CONF
# 30-fuzz's FUZZ_SEED, FUZZ_ROUNDS..., 48-scale's SCALE_THREADS... and
# textpoke's TEXTPOKE_FREEZES from the environment (numbers only).
env | sed -n 's/^\(\(FUZZ\|SCALE\|TEXTPOKE\)_[A-Z_]*=[0-9]*\)$/\1/p' >>"$stage/etc/procsnap-vm.conf"
cp "$stage/etc/procsnap-vm.conf" "$stage/tests/config"

initrd=$work/initrd.gz
(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) |
	gzip -1 >"$initrd"

# --- boot -----------------------------------------------------------------
say "booting $rel under QEMU TCG, $tcg-threaded (tests: $tests)"
# Host checks must only ever see what this run left; a directory the user
# named is never emptied, only our own files in it go.
if [ "$out" = "$work/out" ]; then
	find "$out" -mindepth 1 -delete
else
	rm -f "$out/result.txt" "$out/dmesg.txt"
fi
start=$(date +%s)
set +e
timeout "$timeout" qemu-system-x86_64 -accel "tcg,thread=$tcg" -cpu "$cpu" -smp 2 -m "$mem" \
	-nographic -no-reboot \
	-kernel "$kimage" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3 rdinit=/init$cmdline_extra" \
	-virtfs "local,path=$out,mount_tag=procsnap_out,security_model=none,id=out" \
	</dev/null >"$log" 2>&1
qrc=$?
set -e
say "VM ran $(( $(date +%s) - start )) s (qemu exit $qrc), log: $log"

# --- verdict --------------------------------------------------------------
tr -d '\r' <"$log" >"$log.txt"
if [ "$show" = 1 ]; then
	# Everything the guest printed, minus the kernel's own console lines.
	sed -n '/PROCSNAP-VM-BEGIN/,/^PROCSNAP-VM-DONE/p' "$log.txt" |
		grep -vE '^\[ *[0-9]+\.[0-9]+\]' || true
else
	sed -n '/PROCSNAP-VM-BEGIN/,/^PROCSNAP-VM-DONE/p' "$log.txt" |
		grep -E '^(PASS|FAIL|SKIP):' || true
fi
if ! grep -q '^PROCSNAP-VM-DONE' "$log.txt"; then
	tail -n 40 "$log.txt" >&2
	if [ "$qrc" = 124 ]; then
		say "FAIL: timed out after $timeout s"
	else
		say "FAIL: the VM stopped before the tests finished (panic?)"
	fi
	exit 2
fi

read -r pass fail skip < <(sed -n \
	's/^PROCSNAP-VM-DONE pass=\([0-9]*\) fail=\([0-9]*\) skip=\([0-9]*\)$/\1 \2 \3/p' \
	"$log.txt")

sed -n '/^PROCSNAP-DMESG-BEGIN/,/^PROCSNAP-DMESG-END/p' "$log.txt" \
	>"$work/dmesg.txt"
# kmemleak's reports, not its start-up lines (the debug kernel has it).
bad='BUG:|WARNING:|Oops|general protection|refcount_t|list_del corruption|hung_task|blocked for more than|suspected memory leak|unreferenced object|UBSAN|KASAN|Call Trace'
if grep -E "$bad" "$work/dmesg.txt" >"$work/dmesg-bad.txt"; then
	echo "FAIL: guest kernel log is clean"
	sed 's/^/    /' "$work/dmesg-bad.txt"
	fail=$((fail + 1))
else
	echo "PASS: guest kernel log is clean"
	pass=$((pass + 1))
fi
if [ -f "$out/result.txt" ]; then
	echo "PASS: files come back through the 9p share"
	pass=$((pass + 1))
else
	echo "FAIL: files come back through the 9p share"
	fail=$((fail + 1))
fi

# Checks that need the host's tools (gdb, GNU tar) look at what the guest
# left in the share: test/host/NAME.sh OUTDIR WORKDIR, same PASS/FAIL lines.
for t in $tests; do
	hostcheck=$top/test/host/$t.sh
	[ -x "$hostcheck" ] || continue
	rc=0
	"$hostcheck" "$out" "$work" >"$work/host-$t.log" 2>&1 || rc=$?
	grep -E '^(PASS|FAIL|SKIP):' "$work/host-$t.log" || true
	p=$(grep -c '^PASS:' "$work/host-$t.log" || true)
	f=$(grep -c '^FAIL:' "$work/host-$t.log" || true)
	s=$(grep -c '^SKIP:' "$work/host-$t.log" || true)
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL: host checks of $t: exited $rc"
		sed 's/^/    /' "$work/host-$t.log" | tail -n 20
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done

echo "vm-$flavour: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
