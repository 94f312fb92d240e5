#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scan throughput: snapctl scan against yara -r, same rules, same bytes.
# In the VM (bench/guest/scanbench.sh: a held snapshot, its evidence
# directory, yara on the directory's segments), then here on the host on
# the evidence directory the VM left in the share, natively.  Prints MB/s
# (MiB of data the tools read per second, the median of the runs) and the
# ratios.
#
# usage: bench/scan.sh [--out DIR] [--runs N]
set -euo pipefail

top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
out=/tmp/scanbench
runs=5
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift ;;
	--runs) runs=$2; shift ;;
	*) sed -n 's/^# usage: //p' "$0" >&2; exit 2 ;;
	esac
	shift
done
mkdir -p "$out"
command -v yara >/dev/null || { echo "scan.sh: yara not installed (test/deps.sh)" >&2; exit 2; }

"$top/test/vm/run.sh" --tests scanbench --with-bins yara --mem 3072 \
	--out "$out" --work "$out/work" | grep -E "^(PASS|FAIL|SKIP)|passed" || true

# median LIST: the middle value.
median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

read -r files data < <(sed -n 's/^bytes files=\([0-9]*\) data=\([0-9]*\)$/\1 \2/p' "$out/scanbench.txt")
mib=$(awk -v b="$data" 'BEGIN { printf "%.1f", b / 1048576 }')
echo
echo "In the VM (QEMU TCG): $mib MiB of data ($(awk -v b="$files" 'BEGIN { printf "%.1f", b / 1048576 }') MiB of files), median of the runs"
printf '%-16s %8s %9s\n' case seconds MiB/s
for k in snapshot dir yara1 yara snapshot-null dir-null yara1-null; do
	cs=$(awk -v k="$k" '$1 == k { print $2 }' "$out/scanbench.txt" | xargs | median)
	awk -v k="$k" -v cs="$cs" -v b="$data" 'BEGIN {
		printf "%-16s %8.2f %9.1f\n", k, cs / 100, b / 1048576 / (cs / 100) }'
done

# On the host: the same directory, natively.
ev=$out/scanev
export LD_LIBRARY_PATH=$top/lib
snapctl=$top/cli/snapctl
# host_run NAME CMD...: $runs timed runs, seconds.
host_run() {
	local name=$1 t0 t1 i times=""
	shift
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		t1=$(date +%s%N)
		times+=" $(( (t1 - t0) / 1000 ))"
	done
	us=$(echo $times | median)
	awk -v k="$name" -v us="$us" -v b="$data" 'BEGIN {
		printf "%-16s %8.3f %9.1f\n", k, us / 1e6, b / 1048576 / (us / 1e6) }'
}
# The page cache holds the files after the first run: every run reads
# from memory, as the VM's tmpfs does.
cat "$ev"/segments/*.img >/dev/null
echo
echo "On the host ($(nproc) CPUs), the same directory, median of $runs runs"
printf '%-16s %8s %9s\n' case seconds MiB/s
host_run dir "$snapctl" scan "$ev" -r "$out/sb.yar"
host_run yara1 yara -p 1 -s -r "$out/sb.yar" "$ev/segments"
host_run yara yara -s -r "$out/sb.yar" "$ev/segments"
host_run dir-null "$snapctl" scan "$ev" -r "$out/sbnull.yar"
host_run yara1-null yara -p 1 -r "$out/sbnull.yar" "$ev/segments"
