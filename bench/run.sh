#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the procsnap benchmarks in one VM (Debian's kernel under QEMU TCG,
# test/vm/run.sh) and write the report with its plots.
#
# usage: bench/run.sh [--rt] [--quick] [--mem MB] [--work DIR] [--report FILE]
#                     [--sections "pause ..."] [--sizes "4M 1G"]
#
#   make bench        bench/run.sh              -> bench/results/REL-DATE.md
#   make bench-rt     bench/run.sh --rt         -> bench/results/REL-DATE.md
#   make bench-quick  bench/run.sh --quick      -> BENCH_WORK/report/quick.md,
#                     then checks the pipeline (report, rows, plots) and
#                     ends with "N passed, N failed"
#   make bench-matrix bench/matrix.sh: --sections pause --sizes "4M 1G" on
#                     every kernel of test/vm/kernels.sh, one table
#
# --sections: which of syscall, pause, scale, collect, slowdown, cyclictest run
# (default all); --sizes: the target sizes of the pause section.
#
# Environment: DURATION (seconds per cyclictest case; default 10, 3 with
# --quick; the paper's run is DURATION=600), BENCH_WORK (default
# /tmp/benchwork-FLAVOUR[-quick]), MEM (guest MB, default 5120: the 1 GB
# collection case holds the target and 2 GB of evidence in tmpfs).
set -euo pipefail

top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# shellcheck source=../test/vm/kernel.sh
. "$top/test/vm/kernel.sh"

flavour=generic
# PROCSNAP_KREL (make bench KREL=...): another installed Debian kernel.
[[ ${PROCSNAP_KREL:-} == *-rt-* ]] && flavour=rt
quick=0
mem=${MEM:-5120}
work=${BENCH_WORK:-}
report=""
sections=""
sizes=""
while [ $# -gt 0 ]; do
	case "$1" in
	--rt) flavour=rt ;;
	--quick) quick=1 ;;
	--mem) mem=$2; shift ;;
	--work) work=$2; shift ;;
	--report) report=$2; shift ;;
	--sections) sections=$2; shift ;;
	--sizes) sizes=$2; shift ;;
	*) sed -n 's/^# usage: //p' "$0" >&2; exit 2 ;;
	esac
	shift
done

"$top/bench/deps.sh"
"$top/test/deps.sh" "$flavour"
rel=$(procsnap_kernel_release "$flavour")
[ -n "$work" ] || work=/tmp/benchwork-$flavour$([ $quick = 1 ] && echo -quick || true)
share=$work/share
mkdir -p "$work" "$share"
rm -rf "$share/raw"

# The cyclictest growth library, for the guest (copied in by --with-bins).
gcc -shared -fPIC -O2 -Wall -Werror -o "$work/grow.so" "$top/bench/cyclictest/grow.c"

if [ $quick = 1 ]; then
	cat >"$share/bench.conf" <<-EOF
	SIZES="4M 32M"
	RUNS=1
	SCALE_THREADS="1 16"
	SCALE_FILES="10 200"
	SCALE_DFILES="10 200"
	SCALE_MAPS="10 200"
	SYS_BATCHES=15
	SYS_ITERS=20000
	DURATION=${DURATION:-3}
	CYC_CASES="none stopcopy gcore criu procdump procsnap"
	CYC_UNTOUCHED_CASES="none procsnap"
	GROW_MB=32
	COLLECT_SIZE=32M
	COLLECT_BIG=
	COLLECT_RUNS=1
	UNTOUCHED_SIZE=256M
	UNTOUCHED_TOUCH=4M
	SLOW_SIZE=16M
	SLOW_PASSES=2
	EOF
	timeout=1200
else
	cat >"$share/bench.conf" <<-EOF
	DURATION=${DURATION:-10}
	EOF
	timeout=$((5400 + 20 * ${DURATION:-10}))
fi
[ -n "$sections" ] && echo "SECTIONS=\"$sections\"" >>"$share/bench.conf"
[ -n "$sizes" ] && echo "SIZES=\"$sizes\"" >>"$share/bench.conf"

# criu's kernel feature probe wants nf_tables: its modules, in dependency
# order, through the share (the guest insmods them).
kroot=$(procsnap_fetch_kernel "$rel" "$top/build/cache/$rel")
rm -rf "$share/kmod"
mkdir -p "$share/kmod"
modprobe -d "$kroot" -S "$rel" --show-depends nf_tables 2>/dev/null |
	awk '$1 == "insmod" { print $2 }' | while read -r ko; do
	cp "$ko" "$share/kmod/"
	basename "$ko" >>"$share/kmod/order"
done || true

# openssl: the collection section's SHA-256 floor (the library's libcrypto).
bins="cyclictest gdb criu procdump bash openssl $work/grow.so"
# gcore is a script: --with-bins would ldd it and fail, so it goes through
# the share and the guest copies it next to gdb.
mkdir -p "$share/bin"
cp "$(command -v gcore)" "$share/bin/gcore"
# gdb embeds Python: its standard library (and gdb's own Python files) for
# the guest, through the share too (the guest links them into /usr).
pyver=$(ldd "$(command -v gdb)" | sed -n 's/.*libpython\([0-9.]*\)\.so.*/\1/p' | head -n1)
if [ -n "$pyver" ] && [ ! -d "$share/py/python$pyver" ]; then
	mkdir -p "$share/py"
	tar -C /usr/lib -cf - --exclude='config-*' --exclude=test \
		--exclude=idlelib --exclude=tkinter --exclude=lib2to3 \
		--exclude=ensurepip "python$pyver" | tar -C "$share/py" -xf -
	echo "$pyver" >"$share/py/version"
fi
if [ -d /usr/share/gdb ] && [ ! -d "$share/py/gdb" ]; then
	cp -a /usr/share/gdb "$share/py/gdb"
fi
rtopt=()
[ "$flavour" = rt ] && rtopt=(--rt)
# The host's load around the run goes into the report: other VMs on the
# same CPUs widen every distribution.
load0=$(cut -d' ' -f1-3 /proc/loadavg)
vms0=$(pgrep -c qemu-system || true)
set +e
# Multi-threaded TCG: the benchmarks measure what a second CPU sees while
# the first pauses (cyclictest, untargeted syscalls), which needs two host
# threads.  They patch no kernel text after loading the module, the case
# that makes test/vm/run.sh default to one thread.
"$top/test/vm/run.sh" "${rtopt[@]}" --tcg multi --tests bench --out "$share" --work "$work" \
	--mem "$mem" --with-bins "$bins" --timeout "$timeout" \
	--test-timeout "$((timeout - 120))" --show >"$work/vm.log" 2>&1
vmrc=$?
set -e
hostload="load average $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end; $vms0 other QEMU processes running when this run's VM started"
grep -E '^(PASS|FAIL|SKIP|---|vm-)' "$work/vm.log" || true
if [ ! -f "$share/raw/env.txt" ]; then
	tail -n 30 "$work/vm.log" >&2
	echo "bench: the VM left no results (exit $vmrc); log: $work/vm.log" >&2
	exit 2
fi

if [ -z "$report" ]; then
	if [ $quick = 1 ]; then
		report=$work/report/quick.md
	else
		report=$top/bench/results/$rel-$(date +%Y-%m-%d).md
	fi
fi
hostcpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n1)
python3 "$top/bench/report.py" --raw "$share/raw" --out "$report" \
	--host-cpu "$hostcpu" --host-cpus "$(nproc)" --mem "$mem" \
	--flavour "$flavour" --mode "$([ $quick = 1 ] && echo quick || echo full)" \
	--sections "$sections" --vm-rc "$vmrc" --host-load "$hostload"
echo "bench: report $report"
if [ $quick = 1 ]; then
	python3 "$top/bench/report.py" --check "$report" --vm-rc "$vmrc" \
		--sections "$sections"
fi
