// SPDX-License-Identifier: GPL-2.0
/*
 * manythreads: a big target for the hostile tests (44-races, 45-jobctl,
 * 47-cgroups, 48-scale): thousands of threads, optionally a huge fd table
 * with long paths and tens of thousands of mappings, a heartbeat that proves
 * it makes progress and a planted pattern that proves a snapshot's bytes.
 *
 * usage: manythreads [--threads N] [--busy B] [--sleepers S] [--stack KIB]
 *                    [--main busy|sleep] [--pattern BYTES] [--seed S]
 *                    [--files N] [--fdir DIR] [--pathlen L] [--distinct D]
 *                    [--maps M] [--info FILE] [--best-effort]
 *
 * --threads	threads in all, the main one included (default 1).  Besides
 *		the main thread, B of them spin (busy: no system call), S of
 *		them sleep 10 ms at a time, the rest wait on a futex that is
 *		never woken (off CPU in the kernel for good, the common case
 *		of a big server).
 * --stack	stack size of the extra threads, KiB (default 64; at least
 *		PTHREAD_STACK_MIN), so that 10,000 of them fit.
 * --best-effort  stop creating threads at the first failure and report how
 *		many there are (threads= in the info file) instead of failing.
 * --main	busy: the main thread bumps the heartbeat without pause (it
 *		is then nearly always the thread that runs the copy); sleep
 *		(default): bump, nanosleep 1 ms.
 * --pattern	bytes of a private anonymous buffer filled with pattern(seed)
 *		once and never written again (default 64K).
 * --files	open N file descriptors: D distinct files (default N) with
 *		paths of about L bytes (default 300) in nested directories
 *		under DIR (default /tmp/mt-files), the rest dup()s.
 * --maps	M one-page anonymous mappings in one region, alternately
 *		PROT_READ and PROT_READ|PROT_WRITE so that none merge; the
 *		middle writable page holds pattern(seed ^ 0x5a5a).
 *
 * The info file (written atomically once everything is set up) has
 * key=value lines: pid, threads, hb (address of the heartbeat, a u64), pat,
 * pat_size, seed, fds, maps, map_base, map_pat (address of the planted page)
 * and, on failure to reach --threads with --best-effort, create_error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE	4096UL

static volatile uint64_t heartbeat;
static volatile uint32_t never;		/* the futex nobody wakes */
static uint32_t started;
static volatile uint64_t busy_count[64];
static volatile uint64_t sleeps;

/* The planted pattern: word i of a region seeded with s (hbtool knows it). */
static uint64_t pattern(uint64_t s, uint64_t i)
{
	uint64_t z = s * 0x9E3779B97F4A7C15ULL + i + 1;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void fill(void *p, size_t bytes, uint64_t seed)
{
	uint64_t *w = p;

	for (size_t i = 0; i < bytes / 8; i++)
		w[i] = pattern(seed, i);
}

static void die(const char *what)
{
	fprintf(stderr, "manythreads: %s: %s\n", what, strerror(errno));
	exit(2);
}

enum { T_WAIT, T_SLEEP, T_BUSY };

static void *thread_main(void *arg)
{
	uintptr_t kind = (uintptr_t)arg & 3, slot = (uintptr_t)arg >> 2;
	sigset_t all;

	/* Signals go to the main thread only (SIGSTOP still stops all). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	if (kind == T_BUSY) {
		for (;;)
			busy_count[slot & 63]++;
	}
	if (kind == T_SLEEP) {
		const struct timespec ten_ms = { 0, 10000000 };

		for (;;) {
			nanosleep(&ten_ms, NULL);
			__atomic_add_fetch(&sleeps, 1, __ATOMIC_RELAXED);
		}
	}
	for (;;)
		syscall(SYS_futex, &never, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

/* Nested directories under @dir, each name 100 bytes, deep enough that the
 * files' paths are about @pathlen bytes; returns the deepest one. */
static char *make_dirs(const char *dir, size_t pathlen)
{
	static char path[PATH_MAX];
	char name[101];
	size_t len;

	memset(name, 'd', 99);
	name[100] = 0;
	snprintf(path, sizeof(path), "%s", dir);
	if (mkdir(path, 0700) && errno != EEXIST)
		die(path);
	for (int level = 0; (len = strlen(path)) + 101 + 40 < pathlen; level++) {
		name[99] = (char)('a' + level % 26);
		snprintf(path + len, sizeof(path) - len, "/%s", name);
		if (mkdir(path, 0700) && errno != EEXIST)
			die(path);
	}
	return path;
}

static int open_files(long n, long distinct, const char *fdir, size_t pathlen)
{
	struct rlimit rl = { (rlim_t)n + 256, (rlim_t)n + 256 };
	char *dir, file[PATH_MAX], pad[256];
	int first = -1;
	size_t dlen;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(RLIMIT_NOFILE) (raise /proc/sys/fs/nr_open)");
	dir = make_dirs(fdir, pathlen);
	dlen = strlen(dir);
	/* "/f%08ld_" is 11 bytes; pad the name up to pathlen */
	size_t padlen = pathlen > dlen + 11 ? pathlen - dlen - 11 : 1;
	if (padlen > sizeof(pad) - 1)
		padlen = sizeof(pad) - 1;
	memset(pad, 'p', padlen);
	pad[padlen] = 0;
	for (long i = 0; i < n; i++) {
		int fd;

		if (i < distinct) {
			snprintf(file, sizeof(file), "%s/f%08ld_%s", dir, i, pad);
			fd = open(file, O_RDONLY | O_CREAT, 0600);
		} else {
			fd = dup(first + (int)(i % distinct));
		}
		if (fd < 0)
			die(i < distinct ? "open" : "dup");
		if (first < 0)
			first = fd;
	}
	return (int)strlen(file);
}

int main(int argc, char **argv)
{
	long nthreads = 1, busy = 0, sleepers = 0, stack_kib = 64;
	long files = 0, distinct = -1, maps = 0;
	size_t pat_size = 64 << 10, pathlen = 300;
	uint64_t seed = 1;
	const char *info = NULL, *fdir = "/tmp/mt-files";
	int main_busy = 0, best_effort = 0, create_err = 0, flen = 0;
	unsigned char *pat, *map_base = NULL, *map_pat = NULL;
	pthread_attr_t attr;
	long made = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--best-effort")) {
			best_effort = 1;
			continue;
		}
		if (!v)
			goto usage;
		i++;
		if (!strcmp(a, "--threads"))
			nthreads = atol(v);
		else if (!strcmp(a, "--busy"))
			busy = atol(v);
		else if (!strcmp(a, "--sleepers"))
			sleepers = atol(v);
		else if (!strcmp(a, "--stack"))
			stack_kib = atol(v);
		else if (!strcmp(a, "--main"))
			main_busy = !strcmp(v, "busy");
		else if (!strcmp(a, "--pattern"))
			pat_size = (size_t)atol(v);
		else if (!strcmp(a, "--seed"))
			seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--files"))
			files = atol(v);
		else if (!strcmp(a, "--fdir"))
			fdir = v;
		else if (!strcmp(a, "--pathlen"))
			pathlen = (size_t)atol(v);
		else if (!strcmp(a, "--distinct"))
			distinct = atol(v);
		else if (!strcmp(a, "--maps"))
			maps = atol(v);
		else if (!strcmp(a, "--info"))
			info = v;
		else
			goto usage;
	}
	if (nthreads < 1 || busy + sleepers > nthreads - 1 || pat_size < 8)
		goto usage;

	pat = mmap(NULL, pat_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pat == MAP_FAILED)
		die("mmap pattern");
	fill(pat, pat_size, seed);

	if (maps > 0) {
		map_base = mmap(NULL, (size_t)maps * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map_base == MAP_FAILED)
			die("mmap maps");
		/* Odd pages read-only: every page its own mapping. */
		for (long m = 1; m < maps; m += 2)
			if (mprotect(map_base + m * PAGE, PAGE, PROT_READ))
				die("mprotect (raise /proc/sys/vm/max_map_count)");
		map_pat = map_base + ((maps / 2) & ~1L) * PAGE;
		fill(map_pat, PAGE, seed ^ 0x5a5a);
	}

	if (files > 0)
		flen = open_files(files, distinct < 1 || distinct > files ?
				  files : distinct, fdir, pathlen);

	if (pthread_attr_init(&attr))
		die("pthread_attr_init");
	size_t stack = (size_t)stack_kib << 10;
	if (stack < (size_t)PTHREAD_STACK_MIN)
		stack = (size_t)PTHREAD_STACK_MIN;
	if ((errno = pthread_attr_setstacksize(&attr, stack)))
		die("pthread_attr_setstacksize");
	for (long t = 1; t < nthreads; t++) {
		uintptr_t kind = t <= busy ? T_BUSY :
			t <= busy + sleepers ? T_SLEEP : T_WAIT;
		pthread_t th;
		int err = pthread_create(&th, &attr, thread_main,
					 (void *)(((uintptr_t)t << 2) | kind));

		if (err) {
			errno = err;
			if (!best_effort)
				die("pthread_create (raise threads-max, pid_max)");
			create_err = err;
			break;
		}
		made++;
	}
	while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) != (uint32_t)(made - 1))
		usleep(1000);

	if (info) {
		char tmp[PATH_MAX];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", info);
		f = fopen(tmp, "w");
		if (!f)
			die(tmp);
		fprintf(f, "pid=%d\nthreads=%ld\nhb=%#lx\npat=%#lx\npat_size=%zu\n"
			"seed=%#llx\nfds=%ld\nmaps=%ld\nmap_base=%#lx\n"
			"map_pat=%#lx\nmap_seed=%#llx\npathlen=%d\nsleeps=%#lx\n",
			getpid(), made, (unsigned long)&heartbeat,
			(unsigned long)pat, pat_size, (unsigned long long)seed,
			files, maps, (unsigned long)map_base,
			(unsigned long)map_pat,
			(unsigned long long)(seed ^ 0x5a5a), flen,
			(unsigned long)&sleeps);
		if (create_err)
			fprintf(f, "create_error=%s\n", strerror(create_err));
		if (fclose(f) || rename(tmp, info))
			die(info);
	}

	if (main_busy) {
		for (;;)
			heartbeat++;
	}
	for (;;) {
		const struct timespec one_ms = { 0, 1000000 };

		heartbeat++;
		nanosleep(&one_ms, NULL);
	}

usage:
	fprintf(stderr, "usage: see the comment at the top of manythreads.c\n");
	return 1;
}
