#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The target's LSM label at the instant.  The snapshot runs with the
# requester's credentials, so its own /proc/CLONE/attr/current names the
# requester's label: the manifest must carry the target's, which the module
# took at the instant.  AppArmor (Debian's default LSM) confines a copy of
# snaptarget with a complain-mode profile loaded here, so that target and
# requester have different labels; nothing is denied in complain mode.
. /tests/lib.sh
. /tests/snaplib.sh

PROFILE=procsnap-lsm-test
check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots

[ -d /sys/kernel/security/lsm ] || [ -e /sys/kernel/security/lsm ] ||
	mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
aa=/sys/kernel/security/apparmor
if [ ! -d $aa ] || ! command -v apparmor_parser >/dev/null; then
	skip "AppArmor enabled and apparmor_parser in the guest (--with-bins)"
	rmmod procsnap
	exit 0
fi

mkdir -p /tmp/lsm
cp /usr/bin/snaptarget /tmp/lsm/snaptarget
cat >/tmp/lsm/profile <<PROF
profile $PROFILE /tmp/lsm/snaptarget flags=(complain) {
}
PROF
check "apparmor_parser loads a complain-mode profile" \
	apparmor_parser -r -K -T /tmp/lsm/profile

# label_of NAME: a collection's target.lsm_label (snapctl collect).
label_of() {
	evcheck get "/tmp/$1/manifest.json" target.lsm_label
}

# The confined target and an unconfined one, each snapshotted by root.
# Not "PATH=... start_target": ash keeps an assignment made for a
# function call, and the unconfined target would be the copy too.
TPREFIX="env PATH=/tmp/lsm:$PATH" start_target lsmc || exit 1
TPREFIX=""
check "the confined target runs the copy" \
	test "$(readlink /proc/$TP/exe)" = /tmp/lsm/snaptarget
confined=$TP
start_target lsmu || exit 1
unconfined=$TP
check_out_of() { grep -qxF "$2" "$1"; }
cat /proc/$confined/attr/current >/tmp/lsm/cur 2>&1
check "the confined target runs as $PROFILE (complain)" \
	check_out_of /tmp/lsm/cur "$PROFILE (complain)"

for t in confined unconfined; do
	eval pid=\$$t
	if ! req "$pid"; then
		fail "a snapshot of the $t target (exit $RC)"
		continue
	fi
	clone=$C
	cat "/proc/$clone/attr/current" >"/tmp/lsm/clone-$t" 2>&1
	check "the $t target's snapshot runs unconfined (the requester's)" \
		check_out_of "/tmp/lsm/clone-$t" unconfined
	rm -rf "/tmp/ev25$t"
	check_rc "collect the $t target's snapshot" 0 \
		snapctl collect "$clone" -o "/tmp/ev25$t"
	label_of "ev25$t" >"/tmp/lsm/label-$t" 2>&1
	snapctl delete "$clone" >/dev/null 2>&1
done
# The LSM's text for a secid: AppArmor's names the profile, not its mode
# (unless booted with apparmor.display_secid_mode=1).
check "the manifest names the confined target's label, not the clone's" \
	check_out_of /tmp/lsm/label-confined "$PROFILE"
check "the manifest names the unconfined target's label" \
	check_out_of /tmp/lsm/label-unconfined unconfined
evcheck get /tmp/ev25confined/manifest.json target.lsm_label_truncated \
	>/tmp/lsm/trunc 2>&1
check "the label is whole" check_out_of /tmp/lsm/trunc false

cleanup
apparmor_parser -R -K /tmp/lsm/profile >/dev/null 2>&1 ||
	echo -n "$PROFILE" >$aa/.remove
check "the profile is gone" eval "! grep -q '^$PROFILE ' $aa/profiles"
check_rc "rmmod procsnap" 0 rmmod procsnap
