// SPDX-License-Identifier: GPL-2.0
/*
 * nsprobe: a target that has unshared a pid or time namespace for its
 * children, for the namespace tests (41-namespaces.sh).  Run as root.
 *
 * usage: nsprobe --ns pid|time --info FILE --ctl FIFO [--fork-first]
 *                [--offset SECS]
 *
 * unshare(CLONE_NEWPID or CLONE_NEWTIME), then (--fork-first) fork one
 * child at once, then write FILE (atomically: pid=, ns=).  Then obeys one
 * byte commands read from the FIFO (opened O_RDWR), polled every 100 ms:
 *   f  fork a child; it reports getpid() and CLOCK_MONOTONIC through a pipe
 *      and then pause()s until killed
 *   o  write "monotonic SECS 0" to /proc/self/timens_offsets (possible only
 *      until a task has entered the new time namespace)
 *   q  exit
 * Every result is a line appended to FILE.log:
 *   child host=PID ns=NSPID mono=S parent_mono=S
 *   offsets=ok | offsets=ENAME
 *   reaped host=PID sig=N | reaped host=PID exit=N
 * Children that die are reaped within 100 ms: an unreaped child would keep
 * a dying pid namespace's init waiting.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int logfd = -1;

static void logf_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_line(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && write(logfd, line, (size_t)n) < 0)
		exit(2);
}

static const char *ename(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

static void reap(void)
{
	int st;
	pid_t p;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (WIFSIGNALED(st))
			logf_line("reaped host=%d sig=%d\n", p, WTERMSIG(st));
		else
			logf_line("reaped host=%d exit=%d\n", p, WEXITSTATUS(st));
	}
}

static long mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec;
}

static void fork_child(void)
{
	long v[2];
	int p[2];
	pid_t c;

	if (pipe(p)) {
		logf_line("child error=%s\n", ename(errno));
		return;
	}
	c = fork();
	if (c < 0) {
		logf_line("child error=%s\n", ename(errno));
		close(p[0]);
		close(p[1]);
		return;
	}
	if (!c) {
		v[0] = getpid();
		v[1] = mono();
		if (write(p[1], v, sizeof(v)) != sizeof(v))
			_exit(2);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], v, sizeof(v)) != sizeof(v))
		v[0] = v[1] = -1;
	close(p[0]);
	logf_line("child host=%d ns=%ld mono=%ld parent_mono=%ld\n", c, v[0],
		  v[1], mono());
}

static void set_offset(long secs)
{
	char text[64];
	int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	int n = snprintf(text, sizeof(text), "monotonic %ld 0\n", secs);

	if (fd < 0) {
		logf_line("offsets=%s\n", ename(errno));
		return;
	}
	if (write(fd, text, (size_t)n) != n)
		logf_line("offsets=%s\n", ename(errno));
	else
		logf_line("offsets=ok\n");
	close(fd);
}

int main(int argc, char **argv)
{
	const char *ns = NULL, *info = NULL, *ctl = NULL;
	int fork_first = 0, ctlfd;
	long offset = 100000;
	char path[4096], tmp[4200];
	FILE *f;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "";

		if (!strcmp(argv[i], "--fork-first"))
			fork_first = 1;
		else if (!strcmp(argv[i], "--ns"))
			ns = v, i++;
		else if (!strcmp(argv[i], "--info"))
			info = v, i++;
		else if (!strcmp(argv[i], "--ctl"))
			ctl = v, i++;
		else if (!strcmp(argv[i], "--offset"))
			offset = atol(v), i++;
	}
	if (!ns || !info || !ctl ||
	    (strcmp(ns, "pid") && strcmp(ns, "time"))) {
		fprintf(stderr, "usage: nsprobe --ns pid|time --info FILE --ctl FIFO [--fork-first] [--offset SECS]\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s.log", info);
	logfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		     0644);
	if (logfd < 0 || (mkfifo(ctl, 0600) && errno != EEXIST))
		return 2;
	ctlfd = open(ctl, O_RDWR | O_CLOEXEC);
	if (ctlfd < 0)
		return 2;
	if (unshare(!strcmp(ns, "pid") ? CLONE_NEWPID : CLONE_NEWTIME)) {
		fprintf(stderr, "nsprobe: unshare: %s\n", strerror(errno));
		return errno == EINVAL ? 77 : 2;
	}
	if (fork_first)
		fork_child();
	snprintf(tmp, sizeof(tmp), "%s.tmp", info);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "pid=%d\nns=%s\n", getpid(), ns) < 0 ||
	    fclose(f) || rename(tmp, info))
		return 2;
	for (;;) {
		struct pollfd pfd = { .fd = ctlfd, .events = POLLIN };
		char c;

		/* Every 100 ms: reap, and back to user mode (so that a request
		 * completes without --interrupt). */
		reap();
		if (poll(&pfd, 1, 100) != 1 || read(ctlfd, &c, 1) != 1)
			continue;
		if (c == 'f')
			fork_child();
		else if (c == 'o')
			set_offset(offset);
		else if (c == 'q')
			return 0;
	}
}
