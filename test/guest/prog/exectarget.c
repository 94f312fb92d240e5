// SPDX-License-Identifier: GPL-2.0
/*
 * exectarget: a target that calls execve() on command, from its leader or
 * from another thread, for the exec tests (42-exec.sh).
 *
 * usage: exectarget --info FILE --go FIFO --exec PATH --info2 FILE2
 *                   [--threads N] [--from leader|thread]
 *        exectarget --stage2 --info FILE2
 *
 * Stage 1 starts N threads in all (default 3): the leader and N - 2
 * sleepers wait in nanosleep(3600 s), so a request without --interrupt
 * stays pending; the exec thread (the leader itself with --from leader)
 * blocks in read() of the FIFO.  FILE (atomically) gives pid= and
 * exec_tid=.  A byte on the FIFO makes the exec thread run
 * "PATH --stage2 --info FILE2".
 *
 * Stage 2 is the new image: it writes FILE2.marker (the bytes of a marker
 * string in its memory) and FILE2 (pid=, marker= its address, uid=, euid=),
 * then sleeps in 1 ms steps, so that a request completes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char marker[64] = "exectarget stage 2: this is the new image";

static const char *exec_path, *info2;
static int go_fd = -1;
static volatile pid_t exec_tid;

static void die(const char *what)
{
	fprintf(stderr, "exectarget: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void write_file(const char *path, const void *p, size_t n)
{
	char tmp[4096];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, p, n) != (ssize_t)n || close(fd) ||
	    rename(tmp, path))
		die(path);
}

static void __attribute__((noreturn)) sleep_forever(long sec, long nsec)
{
	const struct timespec ts = { sec, nsec };

	for (;;)
		nanosleep(&ts, NULL);
}

static void *sleeper(void *arg)
{
	(void)arg;
	sleep_forever(3600, 0);
}

/* Wait for the go byte, then become stage 2. */
static void go_exec(void)
{
	char c;

	exec_tid = gettid();
	while (read(go_fd, &c, 1) != 1)
		;
	execl(exec_path, exec_path, "--stage2", "--info", info2, (char *)NULL);
	fprintf(stderr, "exectarget: exec %s: %s\n", exec_path, strerror(errno));
	_exit(3);
}

static void *exec_thread(void *arg)
{
	(void)arg;
	go_exec();
	return NULL;
}

static int stage2(const char *info)
{
	char path[4096], text[256];

	snprintf(path, sizeof(path), "%s.marker", info);
	write_file(path, marker, sizeof(marker));
	snprintf(text, sizeof(text), "pid=%d\ntid=%d\nmarker=%#lx\nuid=%d\neuid=%d\n",
		 getpid(), gettid(), (unsigned long)marker, getuid(), geteuid());
	write_file(info, text, strlen(text));
	sleep_forever(0, 1000000);
}

int main(int argc, char **argv)
{
	const char *info = NULL, *go = NULL, *from = "thread";
	int nthreads = 3, is_stage2 = 0;
	char text[128];
	pthread_t th;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--stage2")) {
			is_stage2 = 1;
			continue;
		}
		if (!v)
			break;
		if (!strcmp(argv[i], "--info"))
			info = v;
		else if (!strcmp(argv[i], "--go"))
			go = v;
		else if (!strcmp(argv[i], "--exec"))
			exec_path = v;
		else if (!strcmp(argv[i], "--info2"))
			info2 = v;
		else if (!strcmp(argv[i], "--threads"))
			nthreads = atoi(v);
		else if (!strcmp(argv[i], "--from"))
			from = v;
		i++;
	}
	if (is_stage2 && info)
		return stage2(info);
	if (!info || !go || !exec_path || !info2 || nthreads < 1) {
		fprintf(stderr, "usage: exectarget --info FILE --go FIFO --exec PATH --info2 FILE2 [--threads N] [--from leader|thread]\n");
		return 1;
	}
	if (mkfifo(go, 0600) && errno != EEXIST)
		die(go);
	go_fd = open(go, O_RDWR | O_CLOEXEC);
	if (go_fd < 0)
		die(go);
	int from_leader = !strcmp(from, "leader");

	for (int i = 0; i < nthreads - 1 - !from_leader; i++)
		if ((errno = pthread_create(&th, NULL, sleeper, NULL)))
			die("pthread_create");
	if (from_leader) {
		snprintf(text, sizeof(text), "pid=%d\nexec_tid=%d\n", getpid(),
			 getpid());
		write_file(info, text, strlen(text));
		go_exec();
	}
	if ((errno = pthread_create(&th, NULL, exec_thread, NULL)))
		die("pthread_create");
	while (!exec_tid)
		usleep(1000);
	snprintf(text, sizeof(text), "pid=%d\nexec_tid=%d\n", getpid(),
		 exec_tid);
	write_file(info, text, strlen(text));
	sleep_forever(3600, 0);
}
