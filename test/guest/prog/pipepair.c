// SPDX-License-Identifier: GPL-2.0
/*
 * pipepair: does a snapshot keep a pipe open?  Forks a writer that holds
 * only the write end of a pipe (and sleeps in 10 ms nanosleeps), prints
 * "writer=PID" and waits for SIGUSR1 (the test snapshots the writer
 * meanwhile).  Then it kills and reaps the writer and times how long the
 * read end takes to see EOF: prints "eof_ms=N", or "noeof" after 10 s.
 * Exit 0 when EOF came within 2 s.
 *
 * --holder: another child keeps the write end too (a control: then EOF
 * must not come).
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

int main(int argc, char **argv)
{
	struct timespec ten_ms = { 0, 10000000 }, limit = { 600, 0 };
	int holder = argc > 1 && !strcmp(argv[1], "--holder");
	int p[2], sig;
	sigset_t set;
	pid_t writer, holder_pid = 0;
	long t0;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (pipe(p)) {
		perror("pipepair: pipe");
		return 2;
	}
	writer = fork();
	if (writer < 0) {
		perror("pipepair: fork");
		return 2;
	}
	if (!writer) {
		close(p[0]);
		for (;;)
			nanosleep(&ten_ms, NULL);
	}
	if (holder) {
		holder_pid = fork();
		if (!holder_pid) {
			close(p[0]);
			for (;;)
				pause();
		}
	}
	close(p[1]);
	printf("writer=%d\n", writer);
	fflush(stdout);
	sig = sigtimedwait(&set, NULL, &limit);
	if (sig != SIGUSR1) {
		printf("no SIGUSR1\n");
		kill(writer, SIGKILL);
		if (holder_pid > 0)
			kill(holder_pid, SIGKILL);
		return 2;
	}
	kill(writer, SIGKILL);
	waitpid(writer, NULL, 0);
	t0 = now_ms();
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		char c;
		long left = 10000 - (now_ms() - t0);

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			printf("noeof\n");
			break;
		}
		if (read(p[0], &c, 1) == 0) {
			long ms = now_ms() - t0;

			printf("eof_ms=%ld\n", ms);
			if (holder_pid > 0)
				kill(holder_pid, SIGKILL);
			return ms < 2000 ? 0 : 1;
		}
	}
	if (holder_pid > 0)
		kill(holder_pid, SIGKILL);
	return 1;
}
