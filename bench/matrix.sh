#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-matrix: the pause section of the benchmarks (procsnap's pause
# against the target's own fork() and stop-and-copy, 4K and THP) at 4 MB
# and 1 GB on every kernel of test/vm/kernels.sh, one VM run per kernel,
# one after the other (each VM wants both CPUs).  Each kernel's report goes
# to build/bench-matrix/RELEASE.md; the table of their key ratios to
# bench/results/matrix-DATE.md.
#
# usage: bench/matrix.sh [RELEASE...]
#   SIZES   target sizes (default "4M 1G")
set -uo pipefail

top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$top" || exit 1
sizes=${SIZES:-4M 1G}
outdir=build/bench-matrix
mkdir -p "$outdir"

if [ $# -gt 0 ]; then
	rels=("$@")
else
	mapfile -t rels < <(test/vm/kernels.sh list)
fi
[ ${#rels[@]} -gt 0 ] || { echo "bench-matrix: no kernels (make kernels-install)" >&2; exit 1; }

date=$(date +%Y-%m-%d)
table=bench/results/matrix-$date.md
rows=()
failed=0
for rel in "${rels[@]}"; do
	echo "bench-matrix: $rel" >&2
	t0=$(date +%s)
	report=$outdir/$rel.md
	rm -f "$report"
	PROCSNAP_KREL=$rel bench/run.sh --sections pause --sizes "$sizes" \
		--work "/tmp/benchwork-matrix-$rel" --report "$report" \
		>"$outdir/$rel.log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - t0 ))
	if [ $rc != 0 ] || ! grep -q 'procsnap pause / fork()' "$report" 2>/dev/null ||
	   ! grep -q '^| VM exit status | 0 |' "$report"; then
		failed=$((failed + 1))
		rows+=("| $rel | did not finish (exit $rc; $outdir/$rel.log) | | | $secs |")
		continue
	fi
	# "* 4.0 MiB 4K: procsnap pause / fork() = 1.40; stop-and-copy / procsnap = 34"
	while read -r size unit pages ratio sc; do
		rows+=("| $rel | $size $unit | $pages | $ratio | $sc | $secs |")
	done < <(sed -n 's/^\* \([0-9.]*\) \([KMG]iB\) \(4K\|THP\): procsnap pause \/ fork() = \([0-9.-]*\); stop-and-copy \/ procsnap = \([0-9.-]*\)$/\1 \2 \3 \4 \5/p' "$report")
done

{
	echo "# procsnap pause on every kernel, $date"
	echo
	echo "Made by \`make bench-matrix\` (bench/matrix.sh): for each kernel one VM run of"
	echo "\`bench/run.sh --sections pause --sizes \"$sizes\"\` (QEMU TCG, 2 vCPUs, 3 runs a"
	echo "size, medians), on $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n1)."
	echo "The pause is procsnap's own measure of the target's hold (LIST's"
	echo "\`pause_ns\`), fork() the same target forking, timed in the target: both in"
	echo "the same VM, so the ratio is what to read.  Full reports of each run:"
	echo "\`$outdir/RELEASE.md\` (not committed)."
	echo
	echo "| kernel | size | pages | pause / fork() | stop-and-copy / pause | run s |"
	echo "|---|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
} >"$table"
cat "$table"
echo "bench-matrix: ${#rels[@]} kernels, $((${#rels[@]} - failed)) measured, $failed failed"
[ "$failed" = 0 ]
