#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-matrix: make check on every kernel of test/vm/kernels.sh (5.10,
# 6.1 and 6.12, generic and rt), one after the other (each VM wants both
# CPUs).  Full logs in build/matrix/RELEASE.log; ends with one line per
# kernel and a total.
#
# usage: test/check-matrix.sh [RELEASE...]
set -uo pipefail

top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$top" || exit 1
mkdir -p build/matrix

if [ $# -gt 0 ]; then
	rels=("$@")
else
	mapfile -t rels < <(test/vm/kernels.sh list)
fi
[ ${#rels[@]} -gt 0 ] || { echo "check-matrix: no kernels (test/vm/kernels.sh install)" >&2; exit 1; }

lines=()
passed=0
failed=0
for rel in "${rels[@]}"; do
	t0=$(date +%s)
	echo "check-matrix: $rel" >&2
	PROCSNAP_KREL=$rel test/check.sh >"build/matrix/$rel.log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - t0 ))
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "build/matrix/$rel.log" | tail -n1)
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
	else
		p=0 f=1 line="did not finish (exit $rc)"
	fi
	# A run that failed without a failed count still counts as one.
	[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	passed=$((passed + p)) failed=$((failed + f))
	lines+=("$(printf '%-26s %s, %d s' "$rel:" "$line" "$secs")")
done

printf '%s\n' "${lines[@]}"
echo "matrix: ${#rels[@]} kernels, $passed passed, $failed failed"
[ "$failed" = 0 ]
