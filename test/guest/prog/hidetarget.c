// SPDX-License-Identifier: GPL-2.0
/*
 * hidetarget: a target that hides memory from fork-based dumps, and has
 * threads that only /proc of the living target describes, for 21-hidden.
 *
 * usage: hidetarget --info FILE
 *
 * Maps four regions of LEN bytes and fills each page with its name, a
 * dash and the page number ("dontfork-00003"), padded with '.':
 *   dontfork  private anonymous, MADV_DONTFORK (absent from a child)
 *   wipe      private anonymous, MADV_WIPEONFORK (zero in a child)
 *   shared    a memfd mapped MAP_SHARED, MADV_DONTFORK
 *   plain     private anonymous, as a fork copies it
 * Its worker thread is named "hide-worker", runs at nice 7 with SIGUSR1
 * and SIGUSR2 blocked, in seccomp strict mode, waiting in read(); the main
 * thread runs SCHED_BATCH with SIGHUP blocked.
 *
 * It writes FILE (atomically): pid, the worker's tid, len, and each
 * region's address in hex without 0x, as /proc/PID/maps prints it.  Then
 * the main thread sleeps in 2 ms steps.  On SIGUSR1 it overwrites every
 * private region with 'X' (a snapshot taken before must still hold the
 * names) and forks a child that reports, in FILE.fork, what a fork sees:
 *   dontfork_absent=1  shared_absent=1  (not in the child's maps)
 *   wipe_zero=1  (every byte 0)  plain_copied=1  (every byte 'X')
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LEN (64u << 10)
#define PAGE 4096u

static volatile sig_atomic_t forking;

static void on_usr1(int sig)
{
	(void)sig;
	forking = 1;
}

static int worker_pipe[2];
static volatile pid_t worker_tid;

static void *worker(void *arg)
{
	sigset_t usr;
	char c;

	(void)arg;
	/* SIGUSR1 is the main thread's to handle. */
	sigemptyset(&usr);
	sigaddset(&usr, SIGUSR1);
	sigaddset(&usr, SIGUSR2);
	if (prctl(PR_SET_NAME, "hide-worker") ||
	    setpriority(PRIO_PROCESS, (id_t)gettid(), 7) ||
	    pthread_sigmask(SIG_BLOCK, &usr, NULL))
		_exit(3);
	worker_tid = gettid();
	/* From here only read, write, exit and sigreturn. */
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT))
		_exit(3);
	for (;;)
		if (read(worker_pipe[0], &c, 1) <= 0)
			break;
	return NULL;
}

static void die(const char *what)
{
	fprintf(stderr, "hidetarget: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void write_file(const char *path, const char *text)
{
	char tmp[4096];
	size_t n = strlen(text);
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n || close(fd) ||
	    rename(tmp, path))
		die(path);
}

static char *region(const char *name, int advice, int fd)
{
	char *p;
	unsigned int i;

	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		 fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	if (advice >= 0 && madvise(p, LEN, advice))
		die(name);
	memset(p, '.', LEN);
	for (i = 0; i < LEN / PAGE; i++) {
		char head[32];
		int n = snprintf(head, sizeof(head), "%s-%05u", name, i);

		memcpy(p + i * PAGE, head, (size_t)n);
	}
	return p;
}

/* Whether [p, p + LEN) appears in the caller's /proc/self/maps. */
static bool mapped(const char *p)
{
	char line[512];
	unsigned long start, end;
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return true;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 &&
		    start < (unsigned long)p + LEN && end > (unsigned long)p)
			found = true;
	fclose(f);
	return found;
}

static bool all(const char *p, char c)
{
	unsigned int i;

	for (i = 0; i < LEN; i++)
		if (p[i] != c)
			return false;
	return true;
}

int main(int argc, char **argv)
{
	const struct timespec two_ms = { 0, 2000000 };
	char *dontfork, *wipe, *shared, *plain;
	const char *info = NULL;
	char path[4096], text[512];
	struct sched_param batch = { 0 };
	int memfd, status;
	pthread_t thread;
	sigset_t hup;
	pid_t child;

	if (argc == 3 && !strcmp(argv[1], "--info"))
		info = argv[2];
	if (!info) {
		fprintf(stderr, "usage: hidetarget --info FILE\n");
		return 2;
	}
	signal(SIGUSR1, on_usr1);
	if (pipe(worker_pipe) || pthread_create(&thread, NULL, worker, NULL))
		die("worker");
	while (!worker_tid)
		nanosleep(&two_ms, NULL);
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	if (sched_setscheduler(0, SCHED_BATCH, &batch) ||
	    sigprocmask(SIG_BLOCK, &hup, NULL))
		die("main thread");
	memfd = memfd_create("hidden", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, LEN))
		die("memfd");
	dontfork = region("dontfork", MADV_DONTFORK, -1);
	wipe = region("wipe", MADV_WIPEONFORK, -1);
	shared = region("shared", MADV_DONTFORK, memfd);
	plain = region("plain", -1, -1);
	snprintf(text, sizeof(text),
		 "pid=%d\nworker=%d\nlen=%u\ndontfork=%lx\nwipe=%lx\n"
		 "shared=%lx\nplain=%lx\n", (int)getpid(), (int)worker_tid,
		 LEN, (unsigned long)dontfork,
		 (unsigned long)wipe, (unsigned long)shared,
		 (unsigned long)plain);
	write_file(info, text);

	for (;;) {
		nanosleep(&two_ms, NULL);
		if (!forking)
			continue;
		forking = 0;
		memset(dontfork, 'X', LEN);
		memset(wipe, 'X', LEN);
		memset(plain, 'X', LEN);
		child = fork();
		if (child < 0)
			die("fork");
		if (!child) {
			snprintf(text, sizeof(text),
				 "dontfork_absent=%d\nshared_absent=%d\n"
				 "wipe_zero=%d\nplain_copied=%d\n",
				 !mapped(dontfork), !mapped(shared),
				 all(wipe, 0), all(plain, 'X'));
			snprintf(path, sizeof(path), "%s.fork", info);
			write_file(path, text);
			_exit(0);
		}
		if (waitpid(child, &status, 0) != child)
			die("waitpid");
	}
}
