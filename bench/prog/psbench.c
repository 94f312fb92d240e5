// SPDX-License-Identifier: GPL-2.0
/*
 * psbench: the measuring half of the procsnap benchmarks (bench/guest/).
 * Every number it prints is measured here, in the guest; bench/report.py
 * only arranges them.
 *
 * usage:
 *   psbench pause --size BYTES [--thp] [--runs N] [--stopcopy DIR]
 *		[--threads N] [--files N] [--dfiles N] [--maps N] [--label L]
 *		[--groupstop]
 *	A child target maps BYTES (4K pages: MADV_NOHUGEPAGE; --thp:
 *	MADV_HUGEPAGE, 2 MB aligned), writes every page, then for each run
 *	spins in a tight clock_gettime() loop during a window around one
 *	operation and reports the largest gap it saw.  Operations, in turn:
 *	none (the loop's own noise), procsnap (request and wait through
 *	libprocsnap; also the in-kernel pause_ns from LIST and the DELETE
 *	time), fork (the target itself forks, the child _exits: fork() call
 *	time measured in the target) and, with --stopcopy, stop-and-copy
 *	(bench's stopcopy program: ptrace-stop every thread, read every
 *	segment through /proc/PID/mem into DIR, detach) and, with
 *	--groupstop, a group stop (SIGSTOP to the target until waitpid()
 *	reports every thread stopped, stop_ns=; then SIGCONT): the kernel's
 *	own cost of bringing every thread to a kernel boundary, the floor of
 *	procsnap's per-thread cost, which fork() does not pay (it copies the
 *	calling thread only).  One line per run:
 *	  PAUSE size=B thp=0|1 op=OP run=I gap_ns=G [kernel_ns= quiesce_ns=
 *	        req_ns= delete_ns= delete_gap_ns= pagetable_bytes= check_ns=
 *	        record_ns= files_ns= copy_ns= detach_ns= names_ns=]
 *	        [fork_ns= exit_ns=]
 *	        [copy_ns=] [stop_ns=]
 *	  (each line ends with label=L threads= files= dfiles= maps=: the target's
 *	  shape, see shape_target(); TARGET also gives nr_threads= and
 *	  nr_maps= as /proc shows them)
 *	The fork's child blocks; exit_ns is its SIGKILL to reaped, the
 *	counterpart of delete_ns.  delete_gap_ns is the target's largest
 *	gap in a window around the DELETE.
 *   psbench syscall --label L [--batches B] [--iters N]
 *	B batches of N raw getpid() system calls; per-call ns of each batch:
 *	  SYSCALL label=L batches=B iters=N median_ns= p10_ns= p90_ns= min_ns= max_ns=
 *   psbench slowdown --size BYTES [--passes P]
 *	A child writes (memset) its whole buffer once a second; P passes with no
 *	snapshot, P with one held (the first pays the copy-on-write faults),
 *	P after deleting it:
 *	  SLOW size=B phase=none|held|deleted pass=I ms=T
 *   psbench hold --size BYTES [--touch BYTES] [--thp] [--pidfile F] [--tick]
 *	Map BYTES, write the first --touch bytes (default all), write the
 *	pid to F, then pause() (or with --tick rewrite one page every ms).
 *   psbench time CMD [ARGS...]
 *	Run CMD, print "TIME ns=T rc=R" on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libprocsnap.h"

extern char **environ;

#define PAGE	4096UL
#define HPAGE	(2UL << 20)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "psbench: %s: %s\n", what, strerror(errno));
	exit(2);
}

static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	switch (*end) {
	case 'k': case 'K': v <<= 10; break;
	case 'm': case 'M': v <<= 20; break;
	case 'g': case 'G': v <<= 30; break;
	case 0: break;
	default:
		fprintf(stderr, "psbench: bad size '%s'\n", s);
		exit(1);
	}
	return (size_t)v;
}

/* Map size bytes, 2 MB aligned, with the page size asked for. */
static unsigned char *map_buf(size_t size, int thp)
{
	size_t len = size + HPAGE;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		die("mmap");
	a = ((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1);
	if (madvise((void *)a, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		/* no THP in this kernel (PREEMPT_RT): 4K pages is all there is */
		if (thp) {
			fprintf(stderr, "psbench: THP not supported here (madvise: %s)\n",
				strerror(errno));
			exit(4);
		}
	}
	return (unsigned char *)a;
}

static void touch(unsigned char *buf, size_t size, unsigned char v)
{
	for (size_t off = 0; off < size; off += PAGE)
		memset(buf + off, v, 64);
}

static void write_all(unsigned char *buf, size_t size, unsigned char v)
{
	memset(buf, v, size);
	__asm__ volatile("" : : "r"(buf) : "memory");
}

/* ---- shared control page between the driver and its child target ---- */
enum { C_IDLE, C_WINDOW, C_FORK, C_QUIT };

struct ctl {
	volatile int cmd;
	volatile int ack;
	volatile uint64_t gap_ns;
	volatile uint64_t fork_ns;
	volatile uint64_t exit_ns;
	volatile int phase;
	volatile int npass;
	volatile int stop;
	volatile int writing;
	struct {
		int phase;
		uint64_t ns;
	} pass[4096];
};

static struct ctl *ctl_map(void)
{
	struct ctl *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (c == MAP_FAILED)
		die("mmap ctl");
	memset(c, 0, sizeof(*c));
	return c;
}

/* What a target holds besides its buffer (psbench pause --threads ...). */
struct shape {
	int threads;	/* in all, the spinning one included */
	int files;	/* extra descriptors: dup()s of one file */
	int dfiles;	/* extra descriptors, each of its own file */
	int maps;	/* extra mappings */
};

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/*
 * Threads asleep in the kernel, as most of a server's are; descriptors
 * dup()ed from one file (fork and procsnap pay per descriptor, not per
 * file); one-page mappings whose protections alternate, so that none
 * merge, the writable ones written.
 */
static void shape_target(const struct shape *sh)
{
	pthread_attr_t attr;
	struct rlimit rl;
	pthread_t th;
	int fd;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (int i = 1; i < sh->threads; i++)
		if (pthread_create(&th, &attr, idle_thread, NULL))
			die("pthread_create");
	pthread_attr_destroy(&attr);
	if (sh->files > 0) {
		rl.rlim_cur = rl.rlim_max = (rlim_t)sh->files + 64;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			die("setrlimit");
		fd = open("/tmp/psbench.files", O_RDWR | O_CREAT, 0600);
		if (fd < 0)
			die("open");
		for (int i = 1; i < sh->files; i++)
			if (dup(fd) < 0)
				die("dup");
	}
	if (sh->dfiles > 0) {
		/* What a server holds: a file, a dentry, an inode each. */
		char path[64];

		rl.rlim_cur = rl.rlim_max = (rlim_t)sh->dfiles + 64;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			die("setrlimit");
		if (mkdir("/tmp/psbench.d", 0700) && errno != EEXIST)
			die("mkdir");
		for (int i = 0; i < sh->dfiles; i++) {
			snprintf(path, sizeof(path), "/tmp/psbench.d/%d", i);
			if (open(path, O_RDWR | O_CREAT, 0600) < 0)
				die("open (--dfiles)");
		}
	}
	for (int i = 0; i < sh->maps; i++) {
		int prot = i % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
		unsigned char *p = mmap(NULL, PAGE, prot,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap (--maps)");
		if (prot & PROT_WRITE)
			*p = 1;
	}
}

static void pause_target(struct ctl *c, size_t size, int thp,
			 const struct shape *sh)
{
	unsigned char *buf = map_buf(size, thp);
	struct timespec idle = { 0, 1000000 };

	touch(buf, size, 1);
	shape_target(sh);
	c->ack = 1;
	for (;;) {
		int cmd = c->cmd;

		if (cmd == C_QUIT)
			_exit(0);
		if (cmd == C_WINDOW) {
			uint64_t prev = now_ns(), max = 0;

			c->ack = 2;
			while (c->cmd == C_WINDOW) {
				uint64_t t = now_ns();

				if (t - prev > max)
					max = t - prev;
				prev = t;
			}
			c->gap_ns = max;
			c->ack = 3;
		} else if (cmd == C_FORK) {
			uint64_t t0 = now_ns(), t1, t2;
			pid_t p = fork();

			/* Blocked in the kernel, as a snapshot's clone is. */
			if (p == 0)
				for (;;)
					pause();
			t1 = now_ns();
			if (p < 0)
				_exit(3);
			/* Let it get there before it is killed. */
			nanosleep(&idle, NULL);
			/* The same end as a DELETE: SIGKILL, then reaped. */
			t2 = now_ns();
			kill(p, SIGKILL);
			waitpid(p, NULL, 0);
			c->exit_ns = now_ns() - t2;
			c->fork_ns = t1 - t0;
			c->ack = 4;
			while (c->cmd == C_FORK)
				nanosleep(&idle, NULL);
		} else {
			nanosleep(&idle, NULL);
		}
	}
}

static pid_t child;	/* the target, for wait_ack() */

/* Wait for the target to answer v; give up if it is gone. */
static void wait_ack(struct ctl *c, int v)
{
	while (c->ack != v) {
		int st;

		if (child > 0 && waitpid(child, &st, WNOHANG) == child) {
			fprintf(stderr, "psbench: the target exited (status %d)\n",
				WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			exit(3);
		}
		usleep(1000);
	}
}

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Run argv, wait; return the exit status (or -1). */
static int run(char *const argv[], int quiet)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;

	posix_spawn_file_actions_init(&fa);
	if (quiet)
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ))
		return -1;
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Lines of /proc/PID/NAME. */
static long count_lines(pid_t pid, const char *name)
{
	char path[64];
	long n = 0;
	FILE *f;
	int ch;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while ((ch = getc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

static int find_info(struct procsnap_ctx *ctx, pid_t clone,
		     struct procsnap_snapshot_info *out)
{
	struct procsnap_snapshot_info *e = NULL;
	size_t n = 0;
	int found = 0;

	if (procsnap_list(ctx, &e, &n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (e[i].clone_pid == clone) {
			*out = e[i];
			found = 1;
		}
	free(e);
	return found;
}

static int cmd_pause(int argc, char **argv)
{
	size_t size = 4 << 20;
	int thp = 0, runs = 3;
	const char *scdir = NULL, *label = "size";
	struct shape sh = { .threads = 1 };
	int groupstop = 0;
	char shape_kv[128];
	struct procsnap_ctx *ctx = NULL;
	struct ctl *c;
	pid_t t;
	char pidbuf[16];

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--size") && i + 1 < argc)
			size = parse_size(argv[++i]);
		else if (!strcmp(argv[i], "--thp"))
			thp = 1;
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--stopcopy") && i + 1 < argc)
			scdir = argv[++i];
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			sh.threads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--files") && i + 1 < argc)
			sh.files = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--dfiles") && i + 1 < argc)
			sh.dfiles = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--maps") && i + 1 < argc)
			sh.maps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--label") && i + 1 < argc)
			label = argv[++i];
		else if (!strcmp(argv[i], "--groupstop"))
			groupstop = 1;
		else {
			fprintf(stderr, "psbench pause: bad argument %s\n", argv[i]);
			return 1;
		}
	}
	if (procsnap_open(NULL, &ctx)) {
		fprintf(stderr, "psbench: procsnap_open: %s\n", strerror(errno));
		return 2;
	}
	c = ctl_map();
	t = fork();
	if (t < 0)
		die("fork");
	if (t == 0)
		pause_target(c, size, thp, &sh);
	child = t;
	wait_ack(c, 1);
	snprintf(shape_kv, sizeof(shape_kv),
		 "label=%s threads=%d files=%d dfiles=%d maps=%d", label,
		 sh.threads, sh.files, sh.dfiles, sh.maps);
	snprintf(pidbuf, sizeof(pidbuf), "%d", t);
	{
		char path[64], line[256];
		FILE *f;
		long rss = -1, huge = -1;

		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", t);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f)) {
			sscanf(line, "Rss: %ld", &rss);
			sscanf(line, "AnonHugePages: %ld", &huge);
		}
		if (f)
			fclose(f);
		printf("TARGET size=%zu thp=%d rss_kb=%ld anonhuge_kb=%ld %s",
		       size, thp, rss, huge, shape_kv);
		/* What the kernel sees: threads, descriptors, mappings. */
		snprintf(path, sizeof(path), "/proc/%d/status", t);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "Threads:", 8))
				printf(" nr_threads=%ld", strtol(line + 8, NULL, 10));
		if (f)
			fclose(f);
		printf(" nr_maps=%ld\n", count_lines(t, "maps"));
	}
	for (int r = 1; r <= runs; r++) {
		for (int op = 0; op < 5; op++) {
			static const char *const names[] = {
				"none", "procsnap", "fork", "stopcopy", "groupstop" };
			uint64_t t0, t1, d0 = 0, d1 = 0;
			pid_t clone = 0;
			struct procsnap_snapshot_info info;
			int rc = 0;

			if ((op == 3 && !scdir) || (op == 4 && !groupstop))
				continue;
			c->ack = 0;
			c->cmd = C_WINDOW;
			wait_ack(c, 2);
			msleep(30);
			t0 = now_ns();
			if (op == 1) {
				rc = procsnap_snapshot(ctx, t, 0, 120000000000ULL, &clone);
			} else if (op == 2) {
				c->cmd = C_FORK;
			} else if (op == 3) {
				char *av[] = { "stopcopy", pidbuf, (char *)scdir, NULL };

				rc = run(av, 1);
			} else if (op == 4) {
				int st;

				/* Reported once the last thread has stopped. */
				kill(t, SIGSTOP);
				if (waitpid(t, &st, WUNTRACED) != t || !WIFSTOPPED(st))
					rc = -1;
			}
			t1 = now_ns();
			if (op == 4)
				kill(t, SIGCONT);
			if (op == 2) {
				/* the window ends (ack 3), then the fork (ack 4):
				 * wait for the last, the first may be missed */
				wait_ack(c, 4);
				printf("PAUSE size=%zu thp=%d op=fork run=%d gap_ns=%llu fork_ns=%llu exit_ns=%llu %s\n",
				       size, thp, r, (unsigned long long)c->gap_ns,
				       (unsigned long long)c->fork_ns,
				       (unsigned long long)c->exit_ns, shape_kv);
				c->cmd = C_IDLE;
				fflush(stdout);
				continue;
			}
			msleep(30);
			c->cmd = C_IDLE;
			wait_ack(c, 3);
			if (rc) {
				fprintf(stderr, "psbench: %s failed (%d)\n", names[op], rc);
				printf("FAILED op=%s size=%zu rc=%d\n", names[op], size, rc);
				continue;
			}
			printf("PAUSE size=%zu thp=%d op=%s run=%d gap_ns=%llu %s",
			       size, thp, names[op], r, (unsigned long long)c->gap_ns,
			       shape_kv);
			if (op == 1) {
				memset(&info, 0, sizeof(info));
				find_info(ctx, clone, &info);
				/* A window of its own: the target's largest gap
				 * while its snapshot is torn down. */
				c->ack = 0;
				c->cmd = C_WINDOW;
				wait_ack(c, 2);
				msleep(30);
				d0 = now_ns();
				rc = procsnap_delete(ctx, clone);
				d1 = now_ns();
				msleep(30);
				c->cmd = C_IDLE;
				wait_ack(c, 3);
				printf(" kernel_ns=%llu quiesce_ns=%llu req_ns=%llu delete_ns=%llu delete_gap_ns=%llu pagetable_bytes=%llu delete_rc=%d",
				       (unsigned long long)info.pause_ns,
				       (unsigned long long)info.quiesce_ns,
				       (unsigned long long)(t1 - t0),
				       (unsigned long long)(d1 - d0),
				       (unsigned long long)c->gap_ns,
				       (unsigned long long)info.pagetable_bytes, rc);
				printf(" check_ns=%llu record_ns=%llu files_ns=%llu copy_ns=%llu detach_ns=%llu names_ns=%llu",
				       (unsigned long long)info.check_ns,
				       (unsigned long long)info.record_ns,
				       (unsigned long long)info.files_ns,
				       (unsigned long long)info.copy_ns,
				       (unsigned long long)info.detach_ns,
				       (unsigned long long)info.names_ns);
			} else if (op == 4) {
				printf(" stop_ns=%llu", (unsigned long long)(t1 - t0));
			} else if (op == 3) {
				char *av[] = { "rm", "-rf", (char *)scdir, NULL };

				printf(" copy_ns=%llu", (unsigned long long)(t1 - t0));
				run(av, 0);
			}
			printf("\n");
			fflush(stdout);
		}
	}
	c->cmd = C_QUIT;
	waitpid(t, NULL, 0);
	procsnap_close(ctx);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmd_syscall(int argc, char **argv)
{
	const char *label = "x";
	int batches = 50;
	long iters = 100000;
	double *v;
	uint64_t *ns;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--label") && i + 1 < argc)
			label = argv[++i];
		else if (!strcmp(argv[i], "--batches") && i + 1 < argc)
			batches = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = atol(argv[++i]);
	}
	v = calloc(batches, sizeof(*v));
	ns = calloc(batches, sizeof(*ns));
	for (long i = 0; i < iters / 10; i++)	/* warm up */
		syscall(SYS_getpid);
	for (int b = 0; b < batches; b++) {
		uint64_t t0 = now_ns();

		for (long i = 0; i < iters; i++)
			syscall(SYS_getpid);
		/* per-call time in picoseconds, kept integral for sorting */
		ns[b] = (now_ns() - t0) * 1000 / iters;
	}
	for (int b = 0; b < batches; b++)
		printf("SYSCALLB label=%s ns=%.3f\n", label, ns[b] / 1000.0);
	qsort(ns, batches, sizeof(*ns), cmp_u64);
	for (int b = 0; b < batches; b++)
		v[b] = ns[b] / 1000.0;
	printf("SYSCALL label=%s batches=%d iters=%ld median_ns=%.2f p10_ns=%.2f p90_ns=%.2f min_ns=%.2f max_ns=%.2f\n",
	       label, batches, iters, v[batches / 2], v[batches / 10],
	       v[batches * 9 / 10], v[0], v[batches - 1]);
	return 0;
}

static int cmd_slowdown(int argc, char **argv)
{
	size_t size = 16 << 20;
	int passes = 3;
	struct procsnap_ctx *ctx = NULL;
	struct ctl *c;
	pid_t t, clone = 0;
	int rc;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--size") && i + 1 < argc)
			size = parse_size(argv[++i]);
		else if (!strcmp(argv[i], "--passes") && i + 1 < argc)
			passes = atoi(argv[++i]);
	}
	if (procsnap_open(NULL, &ctx))
		die("procsnap_open");
	c = ctl_map();
	t = fork();
	if (t < 0)
		die("fork");
	if (t == 0) {
		unsigned char *buf = map_buf(size, 0);
		unsigned char v = 1;

		touch(buf, size, v);
		c->ack = 1;
		while (!c->stop && c->npass < 4096) {
			uint64_t t0 = now_ns(), d;
			int ph;

			c->writing = 1;
			__sync_synchronize();
			ph = c->phase;
			write_all(buf, size, ++v);
			d = now_ns() - t0;
			c->writing = 0;
			c->pass[c->npass].phase = ph;
			c->pass[c->npass].ns = d;
			c->npass++;
			if (d < 1000000000ULL)
				msleep((unsigned int)((1000000000ULL - d) / 1000000));
		}
		_exit(0);
	}
	child = t;
	wait_ack(c, 1);
	for (int ph = 0; ph < 3; ph++) {
		int start;

		/* change phase between passes, never inside one */
		while (c->writing)
			usleep(200);
		c->phase = ph;
		if (ph == 1) {
			rc = procsnap_snapshot(ctx, t, 0, 120000000000ULL, &clone);
			if (rc) {
				printf("FAILED op=slowdown-snapshot rc=%d\n", rc);
				clone = 0;
			}
		} else if (ph == 2 && clone) {
			procsnap_delete(ctx, clone);
		}
		start = c->npass;
		while (c->npass < start + passes)
			msleep(20);
	}
	c->stop = 1;
	waitpid(t, NULL, 0);
	for (int i = 0; i < c->npass; i++) {
		static const char *const ph[] = { "none", "held", "deleted" };

		printf("SLOW size=%zu phase=%s pass=%d ms=%.3f\n", size,
		       ph[c->pass[i].phase], i, c->pass[i].ns / 1e6);
	}
	procsnap_close(ctx);
	return 0;
}

static int cmd_hold(int argc, char **argv)
{
	size_t size = 4 << 20, tsize = (size_t)-1;
	int thp = 0, tick = 0;
	const char *pidfile = NULL;
	unsigned char *buf;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--size") && i + 1 < argc)
			size = parse_size(argv[++i]);
		else if (!strcmp(argv[i], "--touch") && i + 1 < argc)
			tsize = parse_size(argv[++i]);
		else if (!strcmp(argv[i], "--thp"))
			thp = 1;
		else if (!strcmp(argv[i], "--tick"))
			tick = 1;
		else if (!strcmp(argv[i], "--pidfile") && i + 1 < argc)
			pidfile = argv[++i];
	}
	if (tsize > size)
		tsize = size;
	buf = map_buf(size, thp);
	touch(buf, tsize, 1);
	if (pidfile) {
		char tmp[256];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", pidfile);
		f = fopen(tmp, "w");
		if (!f)
			die(tmp);
		fprintf(f, "%d\n", getpid());
		fclose(f);
		rename(tmp, pidfile);
	}
	if (!tick)
		for (;;)
			pause();
	for (size_t off = 0;; off = (off + PAGE) % (tsize ? tsize : PAGE)) {
		if (tsize)
			buf[off]++;
		msleep(1);
	}
	return 0;
}

static int cmd_time(int argc, char **argv)
{
	uint64_t t0 = now_ns();
	int rc = argc > 0 ? run(argv, 0) : -1;

	fprintf(stderr, "TIME ns=%llu rc=%d\n",
		(unsigned long long)(now_ns() - t0), rc);
	return rc < 0 ? 2 : rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: psbench pause|syscall|slowdown|hold|time ...\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "pause"))
		return cmd_pause(argc - 2, argv + 2);
	if (!strcmp(argv[1], "syscall"))
		return cmd_syscall(argc - 2, argv + 2);
	if (!strcmp(argv[1], "slowdown"))
		return cmd_slowdown(argc - 2, argv + 2);
	if (!strcmp(argv[1], "hold"))
		return cmd_hold(argc - 2, argv + 2);
	if (!strcmp(argv[1], "time") && argc > 2)
		return cmd_time(argc - 2, argv + 2);
	fprintf(stderr, "psbench: unknown command %s\n", argv[1]);
	return 1;
}
