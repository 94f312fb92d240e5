#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debug (check-debug-rt): every VM test on procsnap's debug kernel
# (KASAN, KFENCE, lockdep, UBSAN, kmemleak, DEBUG_OBJECTS/LIST/VM, hung-task
# and lockup detectors; test/vm/debug/debug.config), failing on any report in
# the kernel log, then the harness self-test on that kernel.  The kernel is
# built once and cached in build/cache/debug-FLAVOUR-HASH.  Unit tests are
# left to make check.  The last line counts every check: "N passed, N failed".
#
# usage: test/check-debug.sh [--rt]
#   PROCSNAP_DEBUG_TIMEOUT   seconds the whole VM run may take (default 9000)
#   PROCSNAP_DEBUG_TEST_TIMEOUT  seconds one test may take (default 3600; a
#                            run that shares the CPUs with another VM wants
#                            more: 30-fuzz takes 1,700 s alone on debug-rt)
set -uo pipefail

top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$top" || exit 1
flavour=generic kernel=debug
if [ "${1:-}" = --rt ]; then
	flavour=rt kernel=debug-rt
fi

passed=0
failed=0
t0=$(date +%s)
mkdir -p build

note() { echo "check-debug: $*" >&2; }
result() {	# result PASS|FAIL name
	echo "$1: $2"
	if [ "$1" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
finish() {
	note "took $(( $(date +%s) - t0 )) s"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

test/deps.sh || exit 1
test/vm/debug/deps.sh "$flavour" || exit 1

note "the $kernel kernel (built once, then cached)"
if kdir=$(test/vm/debug/build.sh "$flavour"); then
	result PASS "the $kernel kernel builds with every option of its fragment"
	sed 's/^/    /' "$kdir/../.done"
else
	result FAIL "the $kernel kernel builds with every option of its fragment"
	finish
fi

# The fuzzer runs at a tenth of its stock-kernel rate or less here (about
# 200 ioctls/s), and each round's checks and teardown take 5-6 minutes:
# four rounds of 150 s, for its 10^5 ioctls (run.sh passes FUZZ_* on).
export FUZZ_ROUNDS=${FUZZ_ROUNDS:-4} FUZZ_DURATION=${FUZZ_DURATION:-150}
export FUZZ_IOCTLS=${FUZZ_IOCTLS:-60000}
# The kernel's own teardown of 10,000 threads takes over a minute under KASAN
# (an RCU stall, nothing of procsnap's): 48-scale at 2,000 threads, 20,000
# files and 20,000 mappings, still 10x between its two thread counts.
export SCALE_THREADS=${SCALE_THREADS:-2000} SCALE_FILES=${SCALE_FILES:-20000}
export SCALE_MAPS=${SCALE_MAPS:-20000}
# Both host threads for the vCPUs (test/vm/run.sh --tcg): on one thread the
# time-capped fuzzer would get half the host's CPU (not measured here; at
# 200-330 ioctls/s with two it is within 2x of 10^5).  The price is QEMU's stale-translation fault after kernel text
# patching, rare on this slow kernel: an "Oops: int3" at a site whose
# patching has finished is the emulator's, and the run is repeated.
export PROCSNAP_TCG=${PROCSNAP_TCG:-multi}
note "VM tests on the $kernel kernel"
test/vm/run.sh --kernel "$kernel" --mem 4096 --timeout "${PROCSNAP_DEBUG_TIMEOUT:-9000}" \
	--test-timeout "${PROCSNAP_DEBUG_TEST_TIMEOUT:-3600}" | tee "build/vm-$kernel.log"
vm_rc=${PIPESTATUS[0]}
line=$(grep -E '^vm-[a-z]+: [0-9]+ passed, [0-9]+ failed' "build/vm-$kernel.log" | tail -n1)
if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
	passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
fi
[ "$vm_rc" = 2 ] && result FAIL "VM ran to the end of its tests"

# The scan must be able to fail on this kernel too.
note "harness self-test: a module that WARNs must fail the run"
test/vm/run.sh --kernel "$kernel" --warn-module --tests 00-module \
	>"build/vm-$kernel-selftest.log" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q '^FAIL: guest kernel log is clean' "build/vm-$kernel-selftest.log" &&
   grep -q 'WARNING:' "build/vm-$kernel-selftest.log"; then
	result PASS "harness catches a kernel WARNING on the $kernel kernel"
else
	result FAIL "harness catches a kernel WARNING on the $kernel kernel (run.sh exit $rc)"
	tail -n 20 "build/vm-$kernel-selftest.log"
fi
finish
