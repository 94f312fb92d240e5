#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The endpoints of the target's sockets in the evidence: for every recorded
# descriptor that is a socket, the manifest's "socket" names its TCP/UDP
# 4-tuple and state, or its unix name and peer, as the target's network
# namespace has them at collection.  A socket the target closed between the
# snapshot and the collection is "found": false, not another socket's.
. /tests/lib.sh
. /tests/snaplib.sh
. /tests/hostile-b-lib.sh

check_rc "modprobe procsnap" 0 modprobe procsnap
need_snapshots

hb_start sock socktarget || { rmmod procsnap; exit 1; }
t=$TP
v() { ival sock "$1"; }

if ! req "$t" --interrupt; then
	fail "a snapshot of the target (exit $RC)"
	hb_finish
	exit 1
fi
clone=$C
# Gone before the collection: its entry must say so.
kill -USR1 "$t"
poll 5 eval "! [ -e /proc/$t/fd/$(v udp) ]"
rm -rf /tmp/ev26
check_rc "collect the snapshot" 0 snapctl collect "$clone" -o /tmp/ev26
m=/tmp/ev26/manifest.json

# sock FD KEY: the manifest's files[i].socket.KEY for descriptor FD.
sock() {
	_i=0
	while _fd=$(evcheck get $m "files.$_i.fd"); do
		if [ "$_fd" = "$1" ]; then
			evcheck get $m "files.$_i.socket.$2"
			return
		fi
		_i=$((_i + 1))
	done
	return 1
}
# is FD KEY WANT
is() {
	_got=$(sock "$1" "$2")
	[ "$_got" = "$3" ] || { echo "fd $1 socket.$2: '$_got', want '$3'"; return 1; }
}

lo=127.0.0.1
check "the TCP listener: LISTEN on $lo:$(v lport)" eval '
	is $(v listener) family inet && is $(v listener) protocol tcp &&
	is $(v listener) state LISTEN &&
	is $(v listener) local $lo:$(v lport) && is $(v listener) found true'
check "the TCP client: ESTABLISHED $lo:$(v cport) -> $lo:$(v lport)" eval '
	is $(v client) type stream && is $(v client) state ESTABLISHED &&
	is $(v client) local $lo:$(v cport) &&
	is $(v client) remote $lo:$(v lport)'
check "the accepted end: $lo:$(v lport) -> $lo:$(v cport)" eval '
	is $(v accepted) state ESTABLISHED &&
	is $(v accepted) local $lo:$(v lport) &&
	is $(v accepted) remote $lo:$(v cport)'
check "the UDP socket closed after the snapshot is not found" eval '
	is $(v udp) found false && ! sock $(v udp) local'
check "a descriptor that is no socket has none" eval '
	[ -n "$(sock 0 fd 2>/dev/null; evcheck get $m files.0.path)" ] &&
	! sock 0 found'

if [ -d /sys/module/unix_diag ] || modprobe unix_diag 2>/dev/null; then
	check "the socketpair's ends name each other" eval '
		is $(v pair0) family unix && is $(v pair0) type stream &&
		is $(v pair0) peer_known true &&
		is $(v pair0) peer_ino $(v pair1_ino) &&
		is $(v pair1) peer_ino $(v pair0_ino)'
	check "the unix listener: LISTEN at /tmp/socktarget.sock" eval '
		is $(v ulisten) path /tmp/socktarget.sock &&
		is $(v ulisten) state LISTEN'
	check "the unix connection's ends name each other" eval '
		is $(v uclient) peer_ino $(v uacc_ino) &&
		is $(v uacc) peer_ino $(v uclient_ino) &&
		is $(v uacc) path /tmp/socktarget.sock'
else
	skip "unix peers: no unix_diag in this kernel"
fi

# Sockets of the target's own network namespace, not the collector's.
if unshare -n true 2>/dev/null; then
	hb_forget
	unshare -n socktarget --info /tmp/sockns.info >/tmp/sockns.log 2>&1 &
	ns=$!
	PIDS="$PIDS $ns $t"
	poll 10 test -f /tmp/sockns.info
	nsv() { sed -n "s/^$1=//p" /tmp/sockns.info; }
	if req "$ns" --interrupt; then
		rm -rf /tmp/ev26ns
		snapctl collect "$C" -o /tmp/ev26ns >/dev/null 2>&1
		m=/tmp/ev26ns/manifest.json
		check "a target in its own network namespace: its connection" eval '
			is $(nsv client) local $lo:$(nsv cport) &&
			is $(nsv client) remote $lo:$(nsv lport)'
		check "... and its socketpair's peers" eval '
			is $(nsv pair0) peer_ino $(nsv pair1_ino)'
	else
		fail "a snapshot of a target in its own network namespace"
	fi
else
	skip "unshare -n"
fi

hb_finish
