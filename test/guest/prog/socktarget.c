// SPDX-License-Identifier: GPL-2.0
/*
 * socktarget: a process with one socket of each kind whose endpoints the
 * evidence must name.  Over loopback (brought up if it is down): a TCP
 * listener, a connection to it (both ends in this process) and a UDP
 * socket connected to port 9; a unix socketpair; a unix listener at
 * /tmp/socktarget.sock with a connection to it.  Writes "key=value" lines
 * (descriptors, inodes, ports) to the --info file, then waits: SIGUSR1
 * closes the UDP socket (to see a socket gone between the snapshot and the
 * collection), SIGTERM ends it.  It waits in pause(): snapshot it with
 * --interrupt.
 *
 * usage: socktarget --info FILE
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define UNIX_PATH "/tmp/socktarget.sock"

static volatile sig_atomic_t close_udp;

static void on_usr1(int sig)
{
	(void)sig;
	close_udp = 1;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		die("socket");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		die("SIOCGIFFLAGS lo");
	if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			die("SIOCSIFFLAGS lo");
	}
	close(fd);
}

static unsigned long ino_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		die("fstat");
	return (unsigned long)st.st_ino;
}

static unsigned int port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len))
		die("getsockname");
	return ntohs(a.sin_port);
}

int main(int argc, char **argv)
{
	struct sockaddr_in lo = { .sin_family = AF_INET };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int listener, client, accepted, udp, pair[2], ulisten, uclient, uacc;
	char tmp[256];
	FILE *f;

	if (argc != 3 || strcmp(argv[1], "--info"))
		return 2;
	signal(SIGUSR1, on_usr1);
	loopback_up();
	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&lo, sizeof(lo)) ||
	    listen(listener, 4))
		die("tcp listener");
	lo.sin_port = htons(port_of(listener));
	client = socket(AF_INET, SOCK_STREAM, 0);
	if (client < 0 || connect(client, (struct sockaddr *)&lo, sizeof(lo)))
		die("tcp connect");
	accepted = accept(listener, NULL, NULL);
	if (accepted < 0)
		die("accept");

	udp = socket(AF_INET, SOCK_DGRAM, 0);
	lo.sin_port = htons(9);
	if (udp < 0 || connect(udp, (struct sockaddr *)&lo, sizeof(lo)))
		die("udp connect");

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair))
		die("socketpair");

	strcpy(un.sun_path, UNIX_PATH);
	unlink(UNIX_PATH);
	ulisten = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ulisten < 0 || bind(ulisten, (struct sockaddr *)&un, sizeof(un)) ||
	    listen(ulisten, 4))
		die("unix listener");
	uclient = socket(AF_UNIX, SOCK_STREAM, 0);
	if (uclient < 0 || connect(uclient, (struct sockaddr *)&un, sizeof(un)))
		die("unix connect");
	uacc = accept(ulisten, NULL, NULL);
	if (uacc < 0)
		die("unix accept");

	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
	f = fopen(tmp, "w");
	if (!f)
		die("info");
	fprintf(f, "pid=%d\n", (int)getpid());
	fprintf(f, "listener=%d\nlistener_ino=%lu\nlport=%u\n", listener,
		ino_of(listener), port_of(listener));
	fprintf(f, "client=%d\nclient_ino=%lu\ncport=%u\n", client,
		ino_of(client), port_of(client));
	fprintf(f, "accepted=%d\naccepted_ino=%lu\n", accepted,
		ino_of(accepted));
	fprintf(f, "udp=%d\nudp_ino=%lu\nuport=%u\n", udp, ino_of(udp),
		port_of(udp));
	fprintf(f, "pair0=%d\npair0_ino=%lu\npair1=%d\npair1_ino=%lu\n",
		pair[0], ino_of(pair[0]), pair[1], ino_of(pair[1]));
	fprintf(f, "ulisten=%d\nulisten_ino=%lu\n", ulisten, ino_of(ulisten));
	fprintf(f, "uclient=%d\nuclient_ino=%lu\n", uclient, ino_of(uclient));
	fprintf(f, "uacc=%d\nuacc_ino=%lu\n", uacc, ino_of(uacc));
	if (fclose(f) || rename(tmp, argv[2]))
		die("info");

	for (;;) {
		pause();
		if (close_udp && udp >= 0) {
			close(udp);
			udp = -1;
		}
	}
}
