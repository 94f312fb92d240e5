#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: unit tests, the VM tests on Debian's kernel, a self-test of the
# VM harness, a DKMS build and the benchmark smoke test.  The last line counts every check:
# "N passed, N failed".
#
# usage: test/check.sh [--rt]
# PROCSNAP_KREL=<release> (make check KREL=<release>): any installed Debian
# kernel instead, its flavour from its name.
set -uo pipefail

top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$top" || exit 1
flavour=generic
vm_args=()
if [ "${1:-}" = --rt ] || [[ ${PROCSNAP_KREL:-} == *-rt-* ]]; then
	flavour=rt
	vm_args=(--rt)
fi

passed=0
failed=0
t0=$(date +%s)

note() { echo "check: $*" >&2; }
result() {	# result PASS|FAIL name
	echo "$1: $2"
	if [ "$1" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

test/deps.sh "$flavour" || exit 1

note "building library, CLI, unit tests and guest programs"
if make -s lib cli unit-test-build guest-progs; then
	result PASS "userspace builds with -Werror"
else
	result FAIL "userspace builds with -Werror"
	echo "$passed passed, $failed failed"
	exit 1
fi

note "unit tests (Check)"
test/unit/check_procsnap | tee build/unit.log
summary=$(grep -E '^[0-9]+%: Checks: ' build/unit.log | tail -n1)
if [[ $summary =~ Checks:\ ([0-9]+),\ Failures:\ ([0-9]+),\ Errors:\ ([0-9]+) ]]; then
	n=${BASH_REMATCH[1]} f=$((BASH_REMATCH[2] + BASH_REMATCH[3]))
	passed=$((passed + n - f)) failed=$((failed + f))
else
	result FAIL "unit test binary ran to its summary"
fi

note "VM tests on the $flavour kernel"
# The hostile tests (40-49: 10,000 threads, 1000 request/kill cycles, the
# fuzzer's 10^5 ioctls) want the memory and the time: about 12 min of TCG.
test/vm/run.sh "${vm_args[@]}" --mem 4096 --timeout 2400 --test-timeout 900 |
	tee build/vm.log
vm_rc=${PIPESTATUS[0]}
line=$(grep -E '^vm-[a-z]+: [0-9]+ passed, [0-9]+ failed' build/vm.log | tail -n1)
if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
	passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
fi
[ "$vm_rc" = 2 ] && result FAIL "VM ran to the end of its tests"

# The harness must be able to fail: a module that warns on load has to be
# caught by the kernel log scan even though every guest test passes.
note "harness self-test: a module that WARNs must fail the run"
test/vm/run.sh "${vm_args[@]}" --warn-module --tests 00-module \
	>build/vm-selftest.log 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q '^FAIL: guest kernel log is clean' build/vm-selftest.log &&
   grep -q 'WARNING:' build/vm-selftest.log; then
	result PASS "harness catches a kernel WARNING"
else
	result FAIL "harness catches a kernel WARNING (run.sh exit $rc)"
	tail -n 20 build/vm-selftest.log
fi

note "DKMS build against the installed headers"
test/dkms.sh "$flavour" >build/dkms.log 2>&1
while read -r verdict rest; do
	result "${verdict%:}" "$rest"
done < <(grep -E '^(PASS|FAIL):' build/dkms.log)
grep -q '^FAIL:' build/dkms.log && cat build/dkms.log

# The benchmark machinery must keep working (the pipeline, not speed).
if [ "$flavour" = generic ]; then
	note "benchmark smoke test (make bench-quick)"
	bench/run.sh --quick >build/bench-quick.log 2>&1
	bq_rc=$?
	line=$(grep -E '^bench-quick: [0-9]+ passed, [0-9]+ failed' \
		build/bench-quick.log | tail -n1)
	if [ "$bq_rc" = 0 ] && [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
	else
		result FAIL "bench-quick ran to its summary (exit $bq_rc)"
		tail -n 30 build/bench-quick.log
	fi
fi

note "took $(( $(date +%s) - t0 )) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
