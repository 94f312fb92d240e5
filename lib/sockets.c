// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the target's sockets were connected to.  The module records each
 * descriptor's inode at the instant; the endpoints come from the tables of
 * the target's network namespace, which the clone shares: the TCP/UDP
 * ones from /proc/CLONE/net (no privilege beyond reading the clone), a
 * unix socket's peer from sock_diag (UNIX_DIAG_PEER: /proc/net/unix has no
 * peers), asked over a netlink socket made inside that namespace.  They are
 * read at collection, not at the instant: an endpoint does not change
 * while the connection lives, and one gone since is reported as gone.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

static struct ps_socket *sockets_add(struct ps_sockets *t)
{
	struct ps_socket *grown;
	size_t cap;

	if (t->n == t->cap) {
		cap = t->cap ? t->cap * 2 : 64;
		grown = realloc(t->v, cap * sizeof(*t->v));
		if (!grown)
			return NULL;
		t->v = grown;
		t->cap = cap;
	}
	memset(&t->v[t->n], 0, sizeof(t->v[0]));
	return &t->v[t->n++];
}

/* "0100007F:0016" (the kernel's raw words, then the port) as "addr:port". */
static int inet_endpoint(const char *s, int family, char *out, size_t size)
{
	char text[INET6_ADDRSTRLEN];
	unsigned char addr[16];
	unsigned int words = family == AF_INET6 ? 4 : 1, i, port;
	uint32_t w;
	char hex[9];

	for (i = 0; i < words; i++) {
		memcpy(hex, s + i * 8, 8);
		hex[8] = '\0';
		if (strspn(hex, "0123456789ABCDEFabcdef") != 8)
			return -EINVAL;
		/* Printed as the u32 the address is in memory: copy it so. */
		w = (uint32_t)strtoul(hex, NULL, 16);
		memcpy(addr + i * 4, &w, 4);
	}
	if (s[words * 8] != ':' || sscanf(s + words * 8 + 1, "%4x", &port) != 1)
		return -EINVAL;
	if (!inet_ntop(family, addr, text, sizeof(text)))
		return -EINVAL;
	snprintf(out, size, family == AF_INET6 ? "[%s]:%u" : "%s:%u", text,
		 port);
	return 0;
}

/* One of /proc/PID/net/{tcp,tcp6,udp,udp6}: inode -> endpoints, state. */
static int read_inet(int procfd, const char *name, int family,
		     const char *proto, struct ps_sockets *t)
{
	char path[32], *text, *line, *save = NULL;
	char local[128], remote[128];
	unsigned int state;
	uint64_t ino;
	struct ps_socket *s;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "net/%s", name);
	err = ps_read_at(procfd, path, &text, &len);
	if (err)
		return err == -ENOENT ? 0 : err;	/* no IPv6 here */
	line = strtok_r(text, "\n", &save);	/* the header */
	while ((line = strtok_r(NULL, "\n", &save))) {
		/* sl local rem st tx:rx tr:when retr uid timeout inode */
		if (sscanf(line, " %*s %127s %127s %x %*s %*s %*s %*s %*s %" SCNu64,
			   local, remote, &state, &ino) != 4 || !ino)
			continue;
		s = sockets_add(t);
		if (!s) {
			free(text);
			return ps_fail(ENOMEM);
		}
		s->ino = ino;
		s->family = family;
		s->proto = proto;
		s->state = (int)state;
		if (inet_endpoint(local, family, s->local, sizeof(s->local)) ||
		    inet_endpoint(remote, family, s->remote,
				  sizeof(s->remote)))
			t->n--;
	}
	free(text);
	return 0;
}

/* A netlink socket made in the namespace of @nsfd, by a thread of ours. */
struct ns_socket {
	int nsfd;
	int fd;
	int err;
};

static void *socket_in_ns(void *arg)
{
	struct ns_socket *ns = arg;

	/* setns() moves this thread only; it ends right after. */
	if (setns(ns->nsfd, CLONE_NEWNET)) {
		ns->err = errno;
		return NULL;
	}
	ns->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
			NETLINK_SOCK_DIAG);
	if (ns->fd < 0)
		ns->err = errno;
	return NULL;
}

static int diag_socket(int procfd)
{
	struct ns_socket ns = { .fd = -1 };
	struct stat mine, theirs;
	pthread_t thread;
	int fd, err;

	if (fstatat(procfd, "ns/net", &theirs, 0))
		return ps_fail(errno);
	if (!stat("/proc/self/ns/net", &mine) && mine.st_ino == theirs.st_ino &&
	    mine.st_dev == theirs.st_dev) {
		fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
			    NETLINK_SOCK_DIAG);
		return fd < 0 ? ps_fail(errno) : fd;
	}
	ns.nsfd = openat(procfd, "ns/net", O_RDONLY | O_CLOEXEC);
	if (ns.nsfd < 0)
		return ps_fail(errno);
	err = pthread_create(&thread, NULL, socket_in_ns, &ns);
	if (!err)
		err = pthread_join(thread, NULL);
	close(ns.nsfd);
	if (err)
		return ps_fail(err);
	return ns.fd < 0 ? ps_fail(ns.err) : ns.fd;
}

static void unix_attrs(struct ps_socket *s, const struct unix_diag_msg *m,
		       size_t len)
{
	const struct rtattr *a = (const void *)(m + 1);
	size_t left = len - NLMSG_ALIGN(sizeof(*m)), n;
	const char *name;

	for (; RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		if (a->rta_type == UNIX_DIAG_PEER &&
		    RTA_PAYLOAD(a) >= sizeof(uint32_t)) {
			uint32_t peer;

			memcpy(&peer, RTA_DATA(a), sizeof(peer));
			s->have_peer = true;
			s->peer_ino = peer;
		} else if (a->rta_type == UNIX_DIAG_NAME && RTA_PAYLOAD(a)) {
			name = RTA_DATA(a);
			n = RTA_PAYLOAD(a);
			/* An abstract name starts with NUL: '@', as ss. */
			if (n > sizeof(s->local) - 1)
				n = sizeof(s->local) - 1;
			memcpy(s->local, name, n);
			s->local[n] = '\0';
			if (!name[0])
				s->local[0] = '@';
			s->have_path = true;
		}
	}
}

/* Every unix socket of the namespace, with its name and peer. */
static int read_unix_diag(int procfd, struct ps_sockets *t)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} q = {
		.nlh = {
			.nlmsg_len = sizeof(q),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		},
		.req = {
			.sdiag_family = AF_UNIX,
			.udiag_states = ~0u,
			.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER,
		},
	};
	const struct unix_diag_msg *m;
	struct nlmsghdr *h;
	struct ps_socket *s;
	size_t bufsize = 32768;
	char *buf;
	ssize_t n;
	int fd, err = 0;
	bool done = false;

	fd = diag_socket(procfd);
	if (fd < 0)
		return fd;
	buf = malloc(bufsize);
	if (!buf) {
		close(fd);
		return ps_fail(ENOMEM);
	}
	if (send(fd, &q, sizeof(q), 0) < 0) {
		err = -errno;
		goto out;
	}
	while (!done) {
		n = recv(fd, buf, bufsize, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			goto out;
		}
		for (h = (void *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				/* No unix_diag in this kernel: ENOENT. */
				err = e->error ? e->error : -EIO;
				goto out;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
				continue;
			m = NLMSG_DATA(h);
			s = sockets_add(t);
			if (!s) {
				err = -ENOMEM;
				goto out;
			}
			s->ino = m->udiag_ino;
			s->family = AF_UNIX;
			s->type = m->udiag_type;
			s->state = m->udiag_state;
			s->proto = "unix";
			s->have_diag = true;
			unix_attrs(s, m, h->nlmsg_len - NLMSG_HDRLEN);
		}
	}
out:
	free(buf);
	close(fd);
	return err ? ps_fail(-err) : 0;
}

/* /proc/PID/net/unix: names and types, no peers. */
static int read_unix_proc(int procfd, struct ps_sockets *t)
{
	char *text, *line, *save = NULL, path[108];
	unsigned int type, state;
	struct ps_socket *s;
	uint64_t ino;
	size_t len;
	int err, k;

	err = ps_read_at(procfd, "net/unix", &text, &len);
	if (err)
		return err;
	line = strtok_r(text, "\n", &save);
	while ((line = strtok_r(NULL, "\n", &save))) {
		/* Num RefCount Protocol Flags Type St Inode [Path] */
		path[0] = '\0';
		k = sscanf(line, "%*s %*s %*s %*s %x %x %" SCNu64 " %107s",
			   &type, &state, &ino, path);
		if (k < 3)
			continue;
		s = sockets_add(t);
		if (!s) {
			free(text);
			return ps_fail(ENOMEM);
		}
		s->ino = ino;
		s->family = AF_UNIX;
		s->type = (int)type;
		s->state = (int)state;
		s->proto = "unix";
		if (k == 4) {
			snprintf(s->local, sizeof(s->local), "%s", path);
			s->have_path = true;
		}
	}
	free(text);
	return 0;
}

int ps_sockets_read(int procfd, struct ps_sockets *t)
{
	static const struct {
		const char *name;
		int family;
		const char *proto;
	} inet[] = {
		{ "tcp", AF_INET, "tcp" }, { "tcp6", AF_INET6, "tcp" },
		{ "udp", AF_INET, "udp" }, { "udp6", AF_INET6, "udp" },
	};
	size_t i;
	int err;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < sizeof(inet) / sizeof(inet[0]); i++) {
		err = read_inet(procfd, inet[i].name, inet[i].family,
				inet[i].proto, t);
		if (err)
			goto fail;
	}
	/* Peers need sock_diag; without it (or the right) names only. */
	t->unix_diag_err = -read_unix_diag(procfd, t);
	if (t->unix_diag_err) {
		err = read_unix_proc(procfd, t);
		if (err)
			goto fail;
	}
	return 0;
fail:
	ps_sockets_free(t);
	return err;
}

void ps_sockets_free(struct ps_sockets *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

const struct ps_socket *ps_sockets_find(const struct ps_sockets *t,
					uint64_t ino)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].ino == ino)
			return &t->v[i];
	return NULL;
}

const char *ps_socket_state_name(const struct ps_socket *s)
{
	static const char *const tcp[] = {
		NULL, "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
		"FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK",
		"LISTEN", "CLOSING", "NEW_SYN_RECV",
	};
	/* A unix socket's are the same TCP numbers (net/unix/af_unix.c). */
	if (s->state > 0 && (size_t)s->state < sizeof(tcp) / sizeof(tcp[0]))
		return tcp[s->state];
	return NULL;
}

const char *ps_socket_type_name(int type)
{
	switch (type) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_DGRAM:
		return "dgram";
	case SOCK_SEQPACKET:
		return "seqpacket";
	case SOCK_RAW:
		return "raw";
	default:
		return NULL;
	}
}
