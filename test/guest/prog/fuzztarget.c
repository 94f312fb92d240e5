// SPDX-License-Identifier: GPL-2.0
/*
 * fuzztarget: a multi-threaded process for the ioctl fuzzer to snapshot
 * while it fuzzes, that proves it is still alive and making progress.
 *
 * usage: fuzztarget [--threads N] [--busy N] [--churn 0|1] [--hb FILE]
 *
 * --threads	worker threads (default 16, at most 64), each of one kind by
 *		its index: nanosleep(1 ms) loops, read() of its own pipe
 *		(blocked in the kernel; the main thread feeds one byte every
 *		20 ms), and churners that create short-lived threads that
 *		exit at once, continually (so threads are born and die while
 *		requests are pending)
 * --busy	how many of them spin in user mode without a system call
 *		(default 1: under TCG every spinner costs a whole vCPU)
 * --churn	0: no churners (their slots sleep instead), to look past a
 *		known bug in how threads that exit mid-copy are handled
 * --hb		heartbeat file, rewritten (atomically, FILE.tmp renamed)
 *		every 100 ms:
 *		"beat=N busy=N sleep=N read=N churn=N sigchld=N threads=N"
 *		Each counter sums what the threads of that kind did, so a
 *		kind that stops (say, parked for ever in procsnap) shows.
 *		sigchld must stay 0: a snapshot's clone must never signal
 *		its target.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64

enum { K_BUSY, K_SLEEP, K_READ, K_CHURN, K_NR };
static const char *const kind_names[K_NR] = { "busy", "sleep", "read", "churn" };

static uint64_t progress[K_NR];
static uint64_t sigchld;
static int pipes[MAX_THREADS][2];
static int kinds[MAX_THREADS];

static void bump(int kind)
{
	__atomic_add_fetch(&progress[kind], 1, __ATOMIC_RELAXED);
}

static void on_sigchld(int sig)
{
	(void)sig;
	__atomic_add_fetch(&sigchld, 1, __ATOMIC_RELAXED);
}

static void *short_lived(void *arg)
{
	(void)arg;
	bump(K_CHURN);
	return NULL;
}

static void *worker(void *arg)
{
	int i = (int)(intptr_t)arg;
	const struct timespec ms = { 0, 1000000 }, us100 = { 0, 100000 };
	volatile uint64_t spin = 0;
	char c;

	switch (kinds[i]) {
	case K_BUSY:
		/* User mode only: procsnap must kick it with an IPI. */
		for (;;)
			if (!(++spin & 0xfffff))
				bump(K_BUSY);
	case K_SLEEP:
		for (;;) {
			nanosleep(&ms, NULL);
			bump(K_SLEEP);
		}
	case K_READ:
		for (;;)
			if (read(pipes[i][0], &c, 1) == 1)
				bump(K_READ);
	default:
		for (unsigned int n = 0;; n++) {
			pthread_t t;

			if (pthread_create(&t, NULL, short_lived, NULL)) {
				nanosleep(&ms, NULL);
				continue;
			}
			/* Every 4th one detached: it exits on its own. */
			if (n % 4 == 3)
				pthread_detach(t);
			else
				pthread_join(t, NULL);
			nanosleep(&us100, NULL);
		}
	}
	return NULL;
}

static int nr_threads_now(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

static void write_hb(const char *path, uint64_t beat)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "beat=%llu", (unsigned long long)beat);
	for (int k = 0; k < K_NR; k++)
		fprintf(f, " %s=%llu", kind_names[k],
			(unsigned long long)__atomic_load_n(&progress[k],
							    __ATOMIC_RELAXED));
	fprintf(f, " sigchld=%llu threads=%d\n",
		(unsigned long long)__atomic_load_n(&sigchld, __ATOMIC_RELAXED),
		nr_threads_now());
	if (fclose(f) == 0)
		rename(tmp, path);
}

int main(int argc, char **argv)
{
	int nthreads = 16, busy = 1, churn = 1;
	const char *hb = NULL;
	const struct timespec ms20 = { 0, 20000000 };
	struct sigaction sa;
	pthread_t t;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--threads"))
			nthreads = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--busy"))
			busy = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--churn"))
			churn = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--hb"))
			hb = argv[i + 1];
		else
			argc = 0;
	}
	if (argc % 2 != 1 || nthreads < 1 || nthreads > MAX_THREADS ||
	    busy < 0) {
		fprintf(stderr, "usage: fuzztarget [--threads N] [--busy N] [--churn 0|1] [--hb FILE]\n");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);

	for (int i = 0; i < nthreads; i++) {
		/* The first --busy spin; the rest cycle sleep, read, churn. */
		kinds[i] = i < busy ? K_BUSY : K_SLEEP + (i - busy) % 3;
		if (kinds[i] == K_CHURN && !churn)
			kinds[i] = K_SLEEP;
		if (kinds[i] == K_READ && pipe(pipes[i])) {
			perror("fuzztarget: pipe");
			return 1;
		}
		if ((errno = pthread_create(&t, NULL, worker,
					    (void *)(intptr_t)i))) {
			perror("fuzztarget: pthread_create");
			return 1;
		}
	}
	for (uint64_t beat = 1;; beat++) {
		nanosleep(&ms20, NULL);
		for (int i = 0; i < nthreads; i++)
			if (kinds[i] == K_READ &&
			    write(pipes[i][1], "x", 1) != 1)
				return 1;
		if (hb && beat % 5 == 1)
			write_hb(hb, beat);
	}
}
