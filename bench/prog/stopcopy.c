// SPDX-License-Identifier: GPL-2.0
/*
 * stopcopy: Memfetch's method, the baseline procsnap is measured against.
 * Stop the target (ptrace every thread), read each readable segment of
 * /proc/PID/maps through /proc/PID/mem into DIR (an index file "maps" and
 * one image per segment, START-END.bin, as the paper's collector does),
 * then detach.  The target is stopped for the whole copy.
 *
 * usage: stopcopy [--no-stop] PID DIR
 *
 * --no-stop reads without ptrace: for a procsnap snapshot (a clone never
 * runs, so it needs no stopping); this is the bench's collector until
 * `snapctl collect` exists.
 *
 * Prints: bytes=N segments=M stopped_ns=T (0 with --no-stop) total_ns=T
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TIDS 1024
#define CHUNK (1UL << 20)

static pid_t tids[MAX_TIDS];
static int ntids;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int seized(pid_t tid)
{
	for (int i = 0; i < ntids; i++)
		if (tids[i] == tid)
			return 1;
	return 0;
}

/* Stop every thread; repeat until a pass finds no new one. */
static int stop_all(pid_t pid)
{
	char path[64];
	int added;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	do {
		DIR *d = opendir(path);
		struct dirent *e;

		if (!d)
			return -1;
		added = 0;
		while ((e = readdir(d))) {
			pid_t tid = atoi(e->d_name);
			int st;

			if (tid <= 0 || seized(tid) || ntids == MAX_TIDS)
				continue;
			if (ptrace(PTRACE_SEIZE, tid, 0, 0) ||
			    ptrace(PTRACE_INTERRUPT, tid, 0, 0)) {
				fprintf(stderr, "stopcopy: seize %d: %s\n", tid,
					strerror(errno));
				continue;
			}
			if (waitpid(tid, &st, __WALL) < 0)
				continue;
			tids[ntids++] = tid;
			added = 1;
		}
		closedir(d);
	} while (added);
	return ntids ? 0 : -1;
}

static void detach_all(void)
{
	for (int i = 0; i < ntids; i++)
		ptrace(PTRACE_DETACH, tids[i], 0, 0);
}

int main(int argc, char **argv)
{
	int nostop = 0, memfd, ifd;
	char path[256], line[512];
	static char buf[CHUNK];
	uint64_t t0, ts = 0, te = 0, bytes = 0;
	unsigned int segs = 0;
	FILE *maps;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "--no-stop")) {
		nostop = 1;
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: stopcopy [--no-stop] PID DIR\n");
		return 1;
	}
	pid = atoi(argv[1]);
	if (mkdir(argv[2], 0700) && errno != EEXIST) {
		perror(argv[2]);
		return 2;
	}
	t0 = now_ns();
	if (!nostop) {
		if (stop_all(pid)) {
			fprintf(stderr, "stopcopy: cannot stop %d\n", pid);
			detach_all();
			return 2;
		}
		ts = now_ns();
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = fopen(path, "r");
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	memfd = open(path, O_RDONLY);
	snprintf(path, sizeof(path), "%s/maps", argv[2]);
	ifd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (!maps || memfd < 0 || ifd < 0) {
		perror("stopcopy: open");
		detach_all();
		return 2;
	}
	while (fgets(line, sizeof(line), maps)) {
		unsigned long start, end;
		char perms[8];
		int out;

		if (write(ifd, line, strlen(line)) < 0)
			break;
		if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3 ||
		    perms[0] != 'r' || strstr(line, "[vvar]") ||
		    strstr(line, "[vsyscall]"))
			continue;
		snprintf(path, sizeof(path), "%s/%lx-%lx.bin", argv[2], start, end);
		out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (out < 0)
			continue;
		for (unsigned long a = start; a < end;) {
			size_t n = end - a < CHUNK ? end - a : CHUNK;
			ssize_t r = pread(memfd, buf, n, (off_t)a);

			if (r <= 0) {
				/* unreadable page (e.g. I/O mapping): skip it */
				a += 4096;
				continue;
			}
			if (write(out, buf, (size_t)r) != r) {
				perror("stopcopy: write");
				break;
			}
			bytes += (uint64_t)r;
			a += (unsigned long)r;
		}
		close(out);
		segs++;
	}
	fclose(maps);
	close(memfd);
	close(ifd);
	if (!nostop) {
		detach_all();
		te = now_ns();
	}
	printf("bytes=%llu segments=%u stopped_ns=%llu total_ns=%llu\n",
	       (unsigned long long)bytes, segs,
	       (unsigned long long)(te - ts), (unsigned long long)(now_ns() - t0));
	return 0;
}
