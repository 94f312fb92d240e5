# SPDX-License-Identifier: GPL-2.0
# Sourced by the guest tests: every check prints one PASS:/FAIL:/SKIP: line,
# which the VM's init counts.
. /tests/config

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; }
skip() { echo "SKIP: $*"; }

# check NAME CMD...: pass when CMD succeeds.
check() {
	_name=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		pass "$_name"
	else
		fail "$_name"
		sed 's/^/    /' /tmp/check.out
	fi
}

# check_rc NAME WANT CMD...: pass when CMD exits with status WANT.  Its
# output stays in /tmp/check.out for further checks.
check_rc() {
	_name=$1 _want=$2
	shift 2
	"$@" >/tmp/check.out 2>&1
	_rc=$?
	if [ "$_rc" = "$_want" ]; then
		pass "$_name"
	else
		fail "$_name (exit $_rc, want $_want)"
		sed 's/^/    /' /tmp/check.out
	fi
}

# check_out NAME PATTERN: pass when the last command's output matches.
check_out() {
	if grep -qE "$2" /tmp/check.out; then
		pass "$1"
	else
		fail "$1 (no match for '$2')"
		sed 's/^/    /' /tmp/check.out
	fi
}
