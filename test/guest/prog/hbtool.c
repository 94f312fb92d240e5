// SPDX-License-Identifier: GPL-2.0
/*
 * hbtool: the drivers of the hostile tests 44-races, 45-jobctl, 47-cgroups,
 * 48-scale and 49-instant.  Races need the ioctls issued back to back from C
 * (a shell cannot put a CANCEL microseconds after a REQUEST); the checks read
 * memory through /proc/PID/mem or an evidence directory of `snapctl collect`.
 *
 *   hbtool peek WHO ADDR [32]            the u64 (or u32) at ADDR
 *   hbtool checkpat WHO ADDR SIZE SEED   ADDR holds manythreads' pattern(SEED)
 *   hbtool writepat PATH SIZE SEED       write pattern(SEED) bytes to PATH
 *   hbtool progress PID ADDR SECS        the u64 at ADDR grows within SECS
 *   hbtool threads CLONE                 THREADS total
 *   hbtool files CLONE [MINLEN]          FILES total (and, with MINLEN, that
 *                                        the first 256 paths are that long)
 *   hbtool reqcancel PID N               REQUEST, CANCEL from another process
 *   hbtool wait1ns PID N                 REQUEST, WAIT with a 1 ns timeout
 *   hbtool killreq PID N [owned]         the requester killed mid-request
 *   hbtool killclone PID N               kill -9 of the clone, then DELETE
 *   hbtool ddelete PID N                 two processes DELETE one clone
 *   hbtool jobctl PID N MODE INFO [CG]   MODE stop, storm, ptrace, freeze
 *                                        (CG: the target's cgroup dir) or
 *                                        sysfreeze, during requests
 *   hbtool churncheck WHO CLONE INFO     churn's threads against THREADS
 *   hbtool rcuflood CPU PRIO N           on CPU at SCHED_FIFO PRIO, open
 *                                        and close a file N times: N RCU
 *                                        callbacks queued on that CPU
 *   hbtool gp                            milliseconds an RCU grace period
 *                                        takes (membarrier GLOBAL waits
 *                                        for one)
 *
 * WHO: a pid, or an evidence directory (index.txt, segments/START-END.img).
 * The loops print PASS:/FAIL: lines with their counts; the random delays
 * come from HBTOOL_SEED (default: the time), printed so a run can be
 * repeated.  Exit status 1 on any FAIL, 2 when the check could not run.
 * For jobctl storm: HBTOOL_STORM_US, the longest pause between SIGSTOP and
 * SIGCONT (3000); HBTOOL_WAIT_LATE_US, a delay before each WAIT, so that
 * the storm's STATE reads most results first (the hand-over's test).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <procsnap.h>

static int dev = -1;
static int failures;
static uint64_t rng;
static uint64_t budget_end;	/* HBTOOL_BUDGET: seconds a loop may take */

static uint64_t now_ns(void);

/* The loop's time is up: it stops early, saying after how many. */
static int over_budget(long *n, long it)
{
	if (!budget_end || !it || now_ns() < budget_end)
		return 0;
	printf("time budget (HBTOOL_BUDGET) reached after %ld of %ld "
	       "iterations\n", it, *n);
	*n = it;
	return 1;
}

#define MAX_REPORTS	8	/* detailed lines per kind of failure */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("FAIL: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	failures++;
}

static void pass(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void pass(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("PASS: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

/* A detail line, at most MAX_REPORTS times per counter. */
static void note(int *count, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(int *count, const char *fmt, ...)
{
	va_list ap;

	if ((*count)++ >= MAX_REPORTS)
		return;
	va_start(ap, fmt);
	fputs("    ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

static void __attribute__((noreturn)) bail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("FAIL: hbtool: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	exit(2);
}

static const char *ename(int err)
{
	const char *n = err ? strerrorname_np(err) : "0";

	return n ? n : "E?";
}

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Wait @us microseconds: spinning below 200 us (nanosleep is far coarser
 * under TCG), sleeping above. */
static void delay_us(uint64_t us)
{
	if (us >= 200) {
		struct timespec ts = { (time_t)(us / 1000000),
				       (long)(us % 1000000) * 1000 };
		nanosleep(&ts, NULL);
		return;
	}
	uint64_t end = now_ns() + us * 1000;
	while (now_ns() < end)
		;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* The pattern manythreads and ioblock plant (keep in step). */
static uint64_t pattern(uint64_t s, uint64_t i)
{
	uint64_t z = s * 0x9E3779B97F4A7C15ULL + i + 1;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* --- ioctls --------------------------------------------------------- */

static int open_dev(void)
{
	int fd = open(PROCSNAP_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		bail("open %s: %s", PROCSNAP_DEVICE_PATH, strerror(errno));
	return fd;
}

static int x_request(int fd, pid_t pid, uint32_t flags)
{
	struct procsnap_target_arg t = { .size = sizeof(t), .flags = flags,
					 .pid = pid };

	return ioctl(fd, PROCSNAP_IOC_REQUEST, &t) ? errno : 0;
}

static int x_cancel(int fd, pid_t pid)
{
	struct procsnap_target_arg t = { .size = sizeof(t), .pid = pid };

	return ioctl(fd, PROCSNAP_IOC_CANCEL, &t) ? errno : 0;
}

static int x_state(int fd, pid_t pid, struct procsnap_state_arg *st,
		   int wait, uint64_t timeout_ns)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->pid = pid;
	st->timeout_ns = wait ? timeout_ns : 0;
	return ioctl(fd, wait ? PROCSNAP_IOC_WAIT : PROCSNAP_IOC_STATE, st) ?
		errno : 0;
}

static int x_delete(int fd, pid_t clone, unsigned int *deleted)
{
	struct procsnap_delete_arg d = { .size = sizeof(d), .clone_pid = clone };
	int err = ioctl(fd, PROCSNAP_IOC_DELETE, &d) ? errno : 0;

	if (deleted)
		*deleted = err ? 0 : d.deleted;
	return err;
}

static const char *state_name(const struct procsnap_state_arg *st)
{
	static char buf[64];
	static const char *const names[] = { "idle", "requested",
		"duplicating", "done", "failed" };

	if (st->state == PROCSNAP_STATE_DONE)
		snprintf(buf, sizeof(buf), "done %d", st->clone_pid);
	else if (st->state == PROCSNAP_STATE_FAILED)
		snprintf(buf, sizeof(buf), "failed %s", ename(st->error));
	else
		snprintf(buf, sizeof(buf), "%s", st->state < 5 ?
			 names[st->state] : "?");
	return buf;
}

/* Whether LIST shows a snapshot whose clone is @clone (or, with @clone 0,
 * any of target @target); -1 when LIST fails. */
static int listed(pid_t clone, pid_t target)
{
	static struct procsnap_snapshot_info e[1024];
	struct procsnap_list_arg la = {
		.size = sizeof(la), .entries = (uint64_t)(uintptr_t)e,
		.entry_size = sizeof(e[0]), .nr_entries = 1024,
	};

	if (ioctl(dev, PROCSNAP_IOC_LIST, &la))
		return -1;
	for (uint32_t i = 0; i < la.nr_entries; i++)
		if (clone ? e[i].clone_pid == clone : e[i].target_pid == target)
			return 1;
	return 0;
}

static long threads_total(pid_t clone, struct procsnap_thread_info *ti,
			  uint32_t room, uint32_t *got)
{
	struct procsnap_threads_arg ta = {
		.size = sizeof(ta), .clone_pid = clone,
		.entry_size = sizeof(*ti), .entries = (uint64_t)(uintptr_t)ti,
		.nr_entries = ti ? room : 0,
	};

	if (ioctl(dev, PROCSNAP_IOC_THREADS, &ta))
		return -errno;
	if (got)
		*got = ta.nr_entries;
	return ta.total;
}

/* --- processes ------------------------------------------------------- */

/* The state letter of /proc/PID/stat (or of PID/task/TID), 0 if gone. */
static char proc_state(const char *path)
{
	char buf[512];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static char pid_state(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return proc_state(path);
}

/* Live (not zombie) clones of @target: "procsnap/TARGET" in comm. */
static int live_clones(pid_t target, pid_t *first)
{
	char want[32], path[300], comm[32];
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int n = 0;

	if (!dir)
		bail("/proc: %s", strerror(errno));
	snprintf(want, sizeof(want), "procsnap/%d\n", target);
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t r = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (r <= 0)
			continue;
		comm[r] = 0;
		if (strcmp(comm, want))
			continue;
		pid_t p = atoi(d->d_name);
		char s = pid_state(p);
		if (s && s != 'Z' && s != 'X') {
			if (!n && first)
				*first = p;
			n++;
		}
	}
	closedir(dir);
	return n;
}

/* Poll up to @ms for @target to have no live clone. */
static int no_clone_within(pid_t target, unsigned int ms)
{
	for (unsigned int t = 0;; t += 10) {
		if (!live_clones(target, NULL))
			return 1;
		if (t >= ms)
			return 0;
		sleep_ms(10);
	}
}

static int alive(pid_t pid)
{
	char s = pid_state(pid);

	return s && s != 'Z' && s != 'X';
}

/* --- memory of a pid or an evidence directory ------------------------ */

struct seg {
	uint64_t start, end;
	char name[48];
};

struct mem {
	int fd;			/* pid: /proc/PID/mem */
	char dir[256];		/* evidence directory */
	struct seg *segs;
	int nsegs;
};

static int is_number(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static void mem_open(struct mem *m, const char *who)
{
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (is_number(who)) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%s/mem", who);
		m->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (m->fd < 0)
			bail("%s: %s", path, strerror(errno));
		return;
	}
	char path[300], line[512];
	FILE *f;

	snprintf(m->dir, sizeof(m->dir), "%s", who);
	snprintf(path, sizeof(path), "%s/index.txt", who);
	f = fopen(path, "r");
	if (!f)
		bail("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char a[24], b[24];

		if (sscanf(line, "%23[0-9a-f]-%23[0-9a-f]", a, b) != 2)
			continue;
		if (!(m->nsegs & 63))
			m->segs = realloc(m->segs, (size_t)(m->nsegs + 64) *
					  sizeof(*m->segs));
		if (!m->segs)
			bail("out of memory");
		struct seg *s = &m->segs[m->nsegs++];
		s->start = strtoull(a, NULL, 16);
		s->end = strtoull(b, NULL, 16);
		snprintf(s->name, sizeof(s->name), "%s-%s", a, b);
	}
	fclose(f);
}

static void mem_close(struct mem *m)
{
	if (m->fd >= 0)
		close(m->fd);
	free(m->segs);
}

static int mem_read(struct mem *m, uint64_t addr, void *dst, size_t len)
{
	if (m->fd >= 0) {
		ssize_t n = pread(m->fd, dst, len, (off_t)addr);

		return n == (ssize_t)len ? 0 : -1;
	}
	for (int i = 0; i < m->nsegs; i++) {
		struct seg *s = &m->segs[i];

		if (addr < s->start || addr + len > s->end)
			continue;
		char path[400];
		snprintf(path, sizeof(path), "%s/segments/%s.img", m->dir,
			 s->name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		ssize_t n = pread(fd, dst, len, (off_t)(addr - s->start));
		close(fd);
		return n == (ssize_t)len ? 0 : -1;
	}
	return -1;
}

static int peek(const char *who, uint64_t addr, uint64_t *v)
{
	struct mem m;
	int r;

	mem_open(&m, who);
	r = mem_read(&m, addr, v, 8);
	mem_close(&m);
	return r;
}

static int peek_pid(pid_t pid, uint64_t addr, uint64_t *v)
{
	char who[16];

	snprintf(who, sizeof(who), "%d", pid);
	return peek(who, addr, v);
}

/* 0: @who holds pattern(@seed) at @addr; else prints where not. */
static int checkpat(const char *who, uint64_t addr, uint64_t size,
		    uint64_t seed, int quiet)
{
	uint64_t *buf = malloc(size + 8);
	struct mem m;
	int r = 0;

	if (!buf)
		bail("out of memory");
	mem_open(&m, who);
	if (mem_read(&m, addr, buf, size)) {
		if (!quiet)
			printf("%s: cannot read %#" PRIx64 "+%" PRIu64 ": %s\n",
			       who, addr, size, strerror(errno));
		r = 1;
	}
	for (uint64_t i = 0; !r && i < size / 8; i++) {
		if (buf[i] != pattern(seed, i)) {
			if (!quiet)
				printf("%s: word %" PRIu64 " at %#" PRIx64
				       " is %#" PRIx64 ", want %#" PRIx64
				       " (seed %#" PRIx64 ")\n", who, i,
				       addr + 8 * i, buf[i], pattern(seed, i),
				       seed);
			r = 1;
		}
	}
	mem_close(&m);
	free(buf);
	return r;
}

static int checkpat_pid(pid_t pid, uint64_t addr, uint64_t size,
			uint64_t seed)
{
	char who[16];

	snprintf(who, sizeof(who), "%d", pid);
	return checkpat(who, addr, size, seed, 1);
}

/* --- info files -------------------------------------------------------- */

struct info {
	pid_t pid;
	uint64_t hb, pat, pat_size, seed;
};

static const char *info_get(const char *path, const char *key, char *val,
			    size_t len)
{
	char line[512];
	size_t kl = strlen(key);
	FILE *f = fopen(path, "r");

	if (!f)
		bail("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, kl) && line[kl] == '=') {
			snprintf(val, len, "%s", line + kl + 1);
			val[strcspn(val, "\n")] = 0;
			fclose(f);
			return val;
		}
	}
	fclose(f);
	return NULL;
}

static uint64_t info_u64(const char *path, const char *key)
{
	char v[256];

	if (!info_get(path, key, v, sizeof(v)))
		bail("%s has no %s", path, key);
	return strtoull(v, NULL, 0);
}

static void load_info(const char *path, struct info *in)
{
	in->pid = (pid_t)info_u64(path, "pid");
	in->hb = info_u64(path, "hb");
	in->pat = info_u64(path, "pat");
	in->pat_size = info_u64(path, "pat_size");
	in->seed = info_u64(path, "seed");
}

/* The target's heartbeat grows within @ms. */
static int progresses(pid_t pid, uint64_t hb, unsigned int ms)
{
	uint64_t a, b;

	if (peek_pid(pid, hb, &a))
		return 0;
	for (unsigned int t = 0; t <= ms; t += 10) {
		sleep_ms(10);
		if (peek_pid(pid, hb, &b))
			return 0;
		if (b > a)
			return 1;
	}
	return 0;
}

/* --- shared memory between the driver and its children --------------- */

struct shared {
	volatile int go, req_done, phase, stop;
	volatile int rc[4];
	volatile unsigned int deleted[4];
	volatile int alive_after[4];
	volatile long tries, hits, sent;
	/* A final result the storm's STATE took (it is reported once). */
	volatile int fin_seq, fin_state, fin_error, fin_clone;
};

static struct shared *shared_new(void)
{
	struct shared *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (s == MAP_FAILED)
		bail("mmap: %s", strerror(errno));
	return s;
}

static void reap(pid_t child)
{
	int st;

	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
}

/* Make sure nothing of a request for @pid is left: cancel what is in
 * flight, delete what was made.  Returns the state it found. */
static struct procsnap_state_arg settle(pid_t pid)
{
	struct procsnap_state_arg st;
	pid_t c;

	x_state(dev, pid, &st, 0, 0);
	if (st.state == PROCSNAP_STATE_REQUESTED ||
	    st.state == PROCSNAP_STATE_DUPLICATING)
		x_cancel(dev, pid);
	if (st.state == PROCSNAP_STATE_DONE)
		x_delete(dev, st.clone_pid, NULL);
	while (live_clones(pid, &c) && listed(c, 0) == 1)
		x_delete(dev, c, NULL);
	return st;
}

/* --- 44: REQUEST, then CANCEL from another process ------------------- */

static int cmd_reqcancel(pid_t pid, long n)
{
	struct shared *sh = shared_new();
	long cancelled = 0, early = 0, done_first = 0, idle_after = 0;
	int bad_req = 0, bad_cancel = 0, bad_state = 0, left = 0;

	for (long it = 0; it < n; it++) {
		if (over_budget(&n, it))
			break;
		int delayed = it & 1;
		uint64_t us = rnd() % 3000;
		struct procsnap_state_arg st;

		memset(sh, 0, sizeof(*sh));
		pid_t child = fork();
		if (child < 0)
			bail("fork: %s", strerror(errno));
		if (!child) {
			int fd = open_dev();
			long tries = 0, after = 0;
			int rc;

			while (!sh->go)
				;
			if (delayed) {
				while (!sh->req_done)
					;
				delay_us(us);
			}
			for (;;) {
				int was_done = sh->req_done;

				rc = x_cancel(fd, pid);
				tries++;
				if (rc != ENOENT)
					break;
				/* ENOENT before REQUEST hashed its request:
				 * try on; after it returned, a while more
				 * (the request may be done already) */
				if (was_done && ++after > 200)
					break;
			}
			sh->rc[1] = rc;
			sh->tries = tries;
			sh->hits = !rc && !sh->req_done;
			_exit(0);
		}
		sh->go = 1;
		sh->rc[0] = x_request(dev, pid, 0);
		sh->req_done = 1;
		reap(child);
		if (sh->rc[0])
			note(&bad_req, "iteration %ld: REQUEST: %s", it,
			     ename(sh->rc[0]));
		if (sh->rc[1] && sh->rc[1] != ENOENT)
			note(&bad_cancel, "iteration %ld: CANCEL: %s", it,
			     ename(sh->rc[1]));
		if (!sh->rc[1]) {
			cancelled++;
			early += sh->hits;
		}
		x_state(dev, pid, &st, 0, 0);
		switch (st.state) {
		case PROCSNAP_STATE_IDLE:
			idle_after++;
			break;
		case PROCSNAP_STATE_DONE:
			/* The cancel came too late: a proper snapshot. */
			if (!sh->rc[1])
				note(&bad_state, "iteration %ld: CANCEL "
				     "succeeded but the state is %s", it,
				     state_name(&st));
			done_first++;
			if (listed(st.clone_pid, 0) != 1)
				note(&bad_state, "iteration %ld: clone %d "
				     "done but not listed", it, st.clone_pid);
			x_delete(dev, st.clone_pid, NULL);
			break;
		case PROCSNAP_STATE_FAILED:
			if (st.error == ECANCELED)
				break;
			/* fall through */
		default:
			note(&bad_state, "iteration %ld: after CANCEL %s the "
			     "state is %s", it, ename(sh->rc[1]),
			     state_name(&st));
			settle(pid);
		}
		if (!no_clone_within(pid, 5000))
			note(&left, "iteration %ld: a clone of %d is left", it,
			     pid);
	}
	printf("reqcancel: %ld iterations: %ld cancelled (%ld while REQUEST "
	       "was still queueing its works), %ld done before the cancel, "
	       "%ld idle after\n", n, cancelled, early, done_first, idle_after);
	if (bad_req || bad_cancel || bad_state || left)
		fail("REQUEST+CANCEL race: %d REQUEST errors, %d CANCEL errors, "
		     "%d bad states, %d clones left", bad_req, bad_cancel,
		     bad_state, left);
	else
		pass("REQUEST+CANCEL race x%ld: every request cancelled or "
		     "done, nothing left (%ld cancels hit REQUEST in flight)",
		     n, early);
	return 0;
}

/* --- 44: WAIT with a 1 ns timeout -------------------------------------- */

static int cmd_wait1ns(pid_t pid, long n)
{
	long timedout = 0, done = 0, during_dup = 0;
	int bad = 0, left = 0;

	for (long it = 0; it < n; it++) {
		if (over_budget(&n, it))
			break;
		struct procsnap_state_arg st, s0;
		int rc = x_request(dev, pid, 0);

		if (rc) {
			note(&bad, "iteration %ld: REQUEST: %s", it, ename(rc));
			settle(pid);
			continue;
		}
		if (it & 1)
			delay_us(rnd() % 4000);
		x_state(dev, pid, &s0, 0, 0);
		if (s0.state == PROCSNAP_STATE_DONE ||
		    s0.state == PROCSNAP_STATE_FAILED) {
			/* Done before the WAIT: STATE has reported (and may
			 * have freed, contract 4) the result. */
			st = s0;
			rc = 0;
		} else {
			rc = x_state(dev, pid, &st, 1, 1);
		}
		if (rc == ETIMEDOUT) {
			struct procsnap_state_arg after;

			timedout++;
			during_dup += s0.state == PROCSNAP_STATE_DUPLICATING;
			x_state(dev, pid, &after, 0, 0);
			if (after.state != PROCSNAP_STATE_IDLE)
				note(&bad, "iteration %ld: WAIT 1 ns timed out "
				     "but the state is %s", it,
				     state_name(&after));
			/* WAIT returns once the cancelled request is gone;
			 * the clone may be a zombie for a moment, no more */
			if (live_clones(pid, NULL))
				note(&left, "iteration %ld: a live clone right "
				     "after the timed-out WAIT", it);
		} else if (!rc && st.state == PROCSNAP_STATE_DONE) {
			done++;
			if (listed(st.clone_pid, 0) != 1)
				note(&bad, "iteration %ld: done %d not listed",
				     it, st.clone_pid);
			x_delete(dev, st.clone_pid, NULL);
		} else {
			note(&bad, "iteration %ld: WAIT 1 ns: %s, state %s", it,
			     ename(rc), state_name(&st));
		}
		settle(pid);
		if (!no_clone_within(pid, 5000))
			note(&left, "iteration %ld: a clone of %d is left", it,
			     pid);
	}
	printf("wait1ns: %ld iterations: %ld ETIMEDOUT (%ld of them while "
	       "duplicating), %ld done within the timeout\n", n, timedout,
	       during_dup, done);
	if (bad || left || !timedout)
		fail("WAIT with a 1 ns timeout: %d bad outcomes, %d clones left,"
		     " %ld ETIMEDOUT", bad, left, timedout);
	else
		pass("WAIT with a 1 ns timeout x%ld: ETIMEDOUT leaves state "
		     "idle and no clone (%ld times), or the request was done",
		     n, timedout);
	return 0;
}

/* --- 44: the requester killed --------------------------------------- */

static int cmd_killreq(pid_t pid, long n, int owned)
{
	struct shared *sh = shared_new();
	long by_phase[4] = { 0 }, completed = 0, cancelled = 0, stayed = 0;
	int bad = 0, left = 0;

	for (long it = 0; it < n; it++) {
		if (over_budget(&n, it))
			break;
		int when = (int)(it % 3);	/* kill in REQUEST, WAIT, after */
		struct procsnap_state_arg st;

		memset(sh, 0, sizeof(*sh));
		pid_t child = fork();
		if (child < 0)
			bail("fork: %s", strerror(errno));
		if (!child) {
			int fd = open_dev();
			struct procsnap_state_arg w;

			sh->phase = 1;
			sh->rc[0] = x_request(fd, pid, owned ?
					      PROCSNAP_REQUEST_OWNED : 0);
			sh->phase = 2;
			sh->rc[1] = x_state(fd, pid, &w, 1, 0);
			sh->rc[2] = (int)w.state;
			sh->phase = 3;
			for (;;)
				pause();
		}
		while (!sh->phase)
			;
		if (when == 0)
			delay_us(rnd() % 300);
		else if (when == 1) {
			while (sh->phase < 2)
				;
			delay_us(rnd() % 3000);
		} else {
			while (sh->phase < 3)
				;
		}
		kill(child, SIGKILL);
		reap(child);
		int phase = sh->phase;
		by_phase[phase]++;

		if (owned) {
			/* The file is closed: nothing may remain. */
			int ok = 0;

			for (int t = 0; t < 1000 && !ok; t++) {
				x_state(dev, pid, &st, 0, 0);
				ok = (st.state == PROCSNAP_STATE_IDLE ||
				      (st.state == PROCSNAP_STATE_FAILED &&
				       st.error == ECANCELED)) &&
					!live_clones(pid, NULL) &&
					listed(0, pid) == 0;
				if (!ok)
					sleep_ms(10);
			}
			if (!ok) {
				note(&bad, "iteration %ld (killed in phase %d):"
				     " 10 s after the OWNED requester died: "
				     "state %s, %d live clones, listed %d",
				     it, phase, state_name(&st),
				     live_clones(pid, NULL), listed(0, pid));
				settle(pid);
			}
		} else {
			x_state(dev, pid, &st, 0, 0);
			if (st.state == PROCSNAP_STATE_REQUESTED ||
			    st.state == PROCSNAP_STATE_DUPLICATING) {
				/* It goes on without its requester. */
				int rc = x_state(dev, pid, &st, 1,
						 60ULL * 1000000000);
				if (rc)
					note(&bad, "iteration %ld: WAIT for the "
					     "orphaned request: %s", it,
					     ename(rc));
			}
			if (st.state == PROCSNAP_STATE_DONE) {
				if (phase < 3)
					completed++;
				else
					stayed++;
				if (listed(st.clone_pid, 0) != 1)
					note(&bad, "iteration %ld: done %d is "
					     "not listed", it, st.clone_pid);
				x_delete(dev, st.clone_pid, NULL);
			} else if (st.state == PROCSNAP_STATE_IDLE) {
				/* Never hashed, cancelled by the WAIT's fatal
				 * signal (uapi), or read by the requester's
				 * WAIT (a result is delivered once): a done
				 * one's snapshot must stay. */
				if (phase == 3 && listed(0, pid) != 1)
					note(&bad, "iteration %ld: the snapshot "
					     "vanished with its (not OWNED) "
					     "requester", it);
				if (phase == 3)
					stayed++;
				else
					cancelled++;
			} else {
				note(&bad, "iteration %ld (phase %d): the "
				     "orphaned request ended %s", it, phase,
				     state_name(&st));
			}
			settle(pid);
		}
		if (!no_clone_within(pid, 5000))
			note(&left, "iteration %ld: a clone of %d is left", it,
			     pid);
	}
	printf("killreq%s: %ld kills: %ld before REQUEST returned, %ld in "
	       "WAIT, %ld after done; %ld orphans completed, %ld snapshots "
	       "stayed, %ld idle afterwards\n", owned ? " (OWNED)" : "", n,
	       by_phase[1], by_phase[2], by_phase[3], completed, stayed,
	       cancelled);
	if (bad || left)
		fail("requester killed%s: %d bad outcomes, %d clones left",
		     owned ? " (OWNED)" : "", bad, left);
	else if (owned)
		pass("requester killed (OWNED) x%ld: request cancelled and "
		     "snapshot deleted when its file closed", n);
	else
		pass("requester killed (not OWNED) x%ld: orphaned requests "
		     "complete or are cancelled, done snapshots stay until "
		     "deleted", n);
	return 0;
}

/* One snapshot of @pid, waited for; 0 on failure (reported). */
static pid_t snap_now(pid_t pid, long it, int *bad)
{
	struct procsnap_state_arg st;
	int rc = x_request(dev, pid, 0);

	if (!rc)
		rc = x_state(dev, pid, &st, 1, 60ULL * 1000000000);
	if (rc || st.state != PROCSNAP_STATE_DONE) {
		note(bad, "iteration %ld: snapshot: %s %s", it, ename(rc),
		     rc ? "" : state_name(&st));
		settle(pid);
		return 0;
	}
	return st.clone_pid;
}

/* --- 44: kill -9 of the clone, then DELETE ---------------------------- */

static int cmd_killclone(pid_t pid, long n)
{
	long del_ok = 0, del_enoent = 0;
	int bad = 0, left = 0;

	for (long it = 0; it < n; it++) {
		if (over_budget(&n, it))
			break;
		pid_t c = snap_now(pid, it, &bad);
		unsigned int deleted;
		int rc;

		if (!c)
			continue;
		kill(c, SIGKILL);
		if (it & 1)
			delay_us(rnd() % 2000);
		rc = x_delete(dev, c, &deleted);
		if (!rc)
			del_ok++;
		else if (rc == ENOENT)
			del_enoent++;
		else
			note(&bad, "iteration %ld: DELETE of the killed clone:"
			     " %s", it, ename(rc));
		int ok = 0;
		for (int t = 0; t < 500 && !ok; t++) {
			ok = listed(c, 0) == 0 && !alive(c);
			if (!ok)
				sleep_ms(10);
		}
		if (!ok)
			note(&left, "iteration %ld: killed clone %d still "
			     "listed %d / alive %d after 5 s", it, c,
			     listed(c, 0), alive(c));
		struct procsnap_state_arg st;
		x_state(dev, pid, &st, 0, 0);
		if (st.state != PROCSNAP_STATE_IDLE)
			note(&bad, "iteration %ld: state after the clone died:"
			     " %s", it, state_name(&st));
		settle(pid);
	}
	printf("killclone: %ld kills: DELETE after kill -9 succeeded %ld "
	       "times, ENOENT %ld times\n", n, del_ok, del_enoent);
	if (bad || left)
		fail("kill -9 of the clone + DELETE: %d bad outcomes, %d "
		     "clones left", bad, left);
	else
		pass("kill -9 of the clone + DELETE x%ld: DELETE 0 or ENOENT, "
		     "LIST no longer shows it, the target is idle", n);
	return 0;
}

/* --- 44: two processes DELETE one clone ------------------------------- */

static int cmd_ddelete(pid_t pid, long n)
{
	struct shared *sh = shared_new();
	long both = 0, one = 0;
	int bad = 0, left = 0;

	for (long it = 0; it < n; it++) {
		if (over_budget(&n, it))
			break;
		pid_t c = snap_now(pid, it, &bad), kids[2];

		if (!c)
			continue;
		memset(sh, 0, sizeof(*sh));
		for (int k = 0; k < 2; k++) {
			kids[k] = fork();
			if (kids[k] < 0)
				bail("fork: %s", strerror(errno));
			if (!kids[k]) {
				int fd = open_dev();
				unsigned int d;

				__atomic_add_fetch(&sh->phase, 1,
						   __ATOMIC_SEQ_CST);
				while (!sh->go)
					;
				sh->rc[k] = x_delete(fd, c, &d);
				sh->deleted[k] = d;
				sh->alive_after[k] = alive(c);
				_exit(0);
			}
		}
		while (sh->phase < 2)
			;
		sh->go = 1;
		reap(kids[0]);
		reap(kids[1]);
		int ok_n = 0;
		for (int k = 0; k < 2; k++) {
			if (sh->rc[k] && sh->rc[k] != ENOENT)
				note(&bad, "iteration %ld: DELETE %d: %s", it,
				     k, ename(sh->rc[k]));
			if (!sh->rc[k] && sh->deleted[k]) {
				ok_n++;
				if (sh->alive_after[k])
					note(&bad, "iteration %ld: DELETE %d "
					     "returned with clone %d alive",
					     it, k, c);
			}
		}
		if (!ok_n)
			note(&bad, "iteration %ld: neither DELETE deleted %d "
			     "(%s, %s)", it, c, ename(sh->rc[0]),
			     ename(sh->rc[1]));
		both += ok_n == 2;
		one += ok_n == 1;
		int ok = 0;
		for (int t = 0; t < 500 && !ok; t++) {
			ok = listed(c, 0) == 0 && !alive(c);
			if (!ok)
				sleep_ms(10);
		}
		if (!ok)
			note(&left, "iteration %ld: clone %d still listed or "
			     "alive", it, c);
		settle(pid);
	}
	printf("ddelete: %ld double deletes: one reported the deletion %ld "
	       "times, both %ld times\n", n, one, both);
	if (bad || left)
		fail("concurrent DELETE: %d bad outcomes, %d clones left", bad,
		     left);
	else
		pass("concurrent DELETE of one clone x%ld: each 0 or ENOENT, "
		     "one at least deleted it, it is gone", n);
	return 0;
}

/* --- 45: job control during requests ---------------------------------- */

/* Every thread of @pid is in state @want (T, t); 0 when one is not. */
static int all_threads(pid_t pid, char want)
{
	char path[300];
	struct dirent *d;
	DIR *dir;
	int ok = 1, n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while (ok && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid,
			 d->d_name);
		char s = proc_state(path);
		ok = s == want || !s;
		n++;
	}
	closedir(dir);
	return ok && n;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, s, strlen(s)) < 0)
		err = errno;
	close(fd);
	return err;
}

/* cgroup.events says "frozen 1" ("key value" lines). */
static int cg_frozen(const char *cg)
{
	char path[300], line[128];
	int frozen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.events", cg);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		frozen |= !strcmp(line, "frozen 1\n");
	if (f)
		fclose(f);
	return frozen;
}

/* A clone of @target in cgroup dir @cg (to explain a freeze that hangs). */
static int clone_in_cgroup(pid_t target, const char *cg)
{
	char path[300], line[64];
	pid_t c = 0;
	int found = 0;
	FILE *f;

	if (!live_clones(target, &c))
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		found |= atoi(line) == c;
	if (f)
		fclose(f);
	return found;
}

enum { J_STOP, J_STORM, J_PTRACE, J_FREEZE, J_SYSFREEZE };

/* The storm: SIGSTOP, SIGCONT, ... at random short intervals until told. */
static void storm(struct shared *sh, pid_t pid)
{
	const char *us = getenv("HBTOOL_STORM_US");
	unsigned int gap = us ? (unsigned int)atoi(us) : 3000;
	int fd = open_dev();

	if (!gap)
		gap = 1;

	while (!sh->stop) {
		struct procsnap_state_arg st;

		x_state(fd, pid, &st, 0, 0);
		kill(pid, SIGSTOP);
		sh->sent++;
		if (st.state == PROCSNAP_STATE_DUPLICATING)
			sh->hits++;
		if (st.state == PROCSNAP_STATE_DONE ||
		    st.state == PROCSNAP_STATE_FAILED) {
			/* Ours now, not the requester's WAIT: hand it over. */
			sh->fin_state = (int)st.state;
			sh->fin_error = st.error;
			sh->fin_clone = st.clone_pid;
			__atomic_add_fetch(&sh->fin_seq, 1, __ATOMIC_RELEASE);
		}
		delay_us(rnd() % gap);
		kill(pid, SIGCONT);
		delay_us(rnd() % gap);
	}
	kill(pid, SIGCONT);
	_exit(0);
}

/*
 * WAIT found no request: the storm's STATE may have taken the final result
 * between our REQUEST and WAIT.  Wait for its hand-over; ENOENT if none.
 */
static int storm_took(struct shared *sh, int seq0,
		      struct procsnap_state_arg *st)
{
	for (int t = 0; t < 200; t++) {
		if (__atomic_load_n(&sh->fin_seq, __ATOMIC_ACQUIRE) != seq0) {
			st->state = (unsigned int)sh->fin_state;
			st->error = sh->fin_error;
			st->clone_pid = sh->fin_clone;
			return 0;
		}
		sleep_ms(10);
	}
	return ENOENT;
}

static int cmd_jobctl(pid_t pid, long n, const char *mode_s,
		      const char *infofile, const char *cg)
{
	struct info in;
	struct shared *sh = NULL;
	int mode, traced = 0;
	long window = 0, done = 0, timeouts = 0, stopped_ok = 0, taken = 0;
	int esrch = 0, other_fail = 0, nostop = 0, badpat = 0, noprog = 0;
	int left = 0, bad = 0;
	uint64_t max_stop_ns = 0;
	pid_t stormer = 0;
	char path[320];
	const char *late = getenv("HBTOOL_WAIT_LATE_US");
	unsigned int late_us = late ? (unsigned int)atoi(late) : 0;

	load_info(infofile, &in);
	if (in.pid != pid)
		bail("info file is of %d, not %d", in.pid, pid);
	if (!strcmp(mode_s, "stop"))
		mode = J_STOP;
	else if (!strcmp(mode_s, "storm"))
		mode = J_STORM;
	else if (!strcmp(mode_s, "ptrace"))
		mode = J_PTRACE;
	else if (!strcmp(mode_s, "freeze") && cg)
		mode = J_FREEZE;
	else if (!strcmp(mode_s, "sysfreeze"))
		mode = J_SYSFREEZE;
	else
		bail("bad mode %s", mode_s);

	if (mode == J_PTRACE) {
		if (ptrace(PTRACE_SEIZE, pid, 0, 0))
			bail("PTRACE_SEIZE %d: %s", pid, strerror(errno));
		traced = 1;
	}
	if (mode == J_STORM) {
		sh = shared_new();
		stormer = fork();
		if (stormer < 0)
			bail("fork: %s", strerror(errno));
		if (!stormer) {
			rng ^= 0x9e3779b97f4a7c15ULL;
			storm(sh, pid);
		}
	}

	for (long it = 0; it < n; it++) {
		if (over_budget(&n, it))
			break;
		struct procsnap_state_arg s0, s1, s2, fin;
		int have_final = 0, rc;
		pid_t clone = 0;

		int fin_seq0 = sh ? __atomic_load_n(&sh->fin_seq,
						    __ATOMIC_ACQUIRE) : 0;

		memset(&fin, 0, sizeof(fin));
		rc = x_request(dev, pid, 0);
		if (rc) {
			note(&bad, "iteration %ld: REQUEST: %s", it, ename(rc));
			settle(pid);
			continue;
		}
/* A STATE or WAIT that reports a final result may free the request
 * (contract 4): keep the first final result seen. */
#define SEEN(s) do { \
		if (!have_final && ((s).state == PROCSNAP_STATE_DONE || \
				    (s).state == PROCSNAP_STATE_FAILED)) { \
			fin = (s); \
			have_final = 1; \
		} \
	} while (0)
		if (mode != J_STORM) {
			delay_us(rnd() % 4000);
			x_state(dev, pid, &s0, 0, 0);
			SEEN(s0);
			uint64_t t0 = now_ns();
			int act_err = 0;

			switch (mode) {
			case J_STOP:
				kill(pid, SIGSTOP);
				break;
			case J_PTRACE:
				if (ptrace(PTRACE_INTERRUPT, pid, 0, 0))
					act_err = errno;
				break;
			case J_FREEZE:
				snprintf(path, sizeof(path), "%s/cgroup.freeze",
					 cg);
				act_err = write_str(path, "1");
				break;
			case J_SYSFREEZE:
				/* Returns after freeze, test delay, thaw. */
				act_err = write_str("/sys/power/state",
						    "freeze");
				break;
			}
			x_state(dev, pid, &s1, 0, 0);
			SEEN(s1);
			if (s0.state == PROCSNAP_STATE_DUPLICATING ||
			    s1.state == PROCSNAP_STATE_DUPLICATING)
				window++;
			if (act_err)
				note(&bad, "iteration %ld: %s: %s", it, mode_s,
				     ename(act_err));

			/* The target stops / freezes in bounded time. */
			int stopped = 0;
			for (int t = 0; t < 1000 && !stopped && !act_err; t++) {
				int wst;

				switch (mode) {
				case J_STOP:
					stopped = all_threads(pid, 'T');
					break;
				case J_PTRACE:
					rc = (int)waitpid(pid, &wst,
							  __WALL | WNOHANG);
					if (rc == pid && WIFSTOPPED(wst) &&
					    (wst >> 16) == PTRACE_EVENT_STOP)
						stopped = 1;
					else if (rc == pid && WIFSTOPPED(wst))
						/* a signal for the tracee */
						ptrace(PTRACE_CONT, pid, 0,
						       WSTOPSIG(wst));
					break;
				case J_FREEZE:
					stopped = cg_frozen(cg);
					break;
				case J_SYSFREEZE:
					stopped = 1;	/* the write succeeded */
					break;
				}
				if (!stopped)
					sleep_ms(10);
			}
			uint64_t dt = now_ns() - t0;
			if (stopped) {
				stopped_ok++;
				if (dt > max_stop_ns)
					max_stop_ns = dt;
			} else if (!act_err) {
				note(&nostop, "iteration %ld: %s: the target "
				     "did not stop within 10 s (state %s%s)",
				     it, mode_s, state_name(&s1),
				     mode == J_FREEZE &&
				     clone_in_cgroup(pid, cg) ?
				     ", a clone sits in its cgroup" : "");
			}
			/* While it is stopped, nothing fails. */
			sleep_ms(20);
			x_state(dev, pid, &s2, 0, 0);
			SEEN(s2);

			switch (mode) {
			case J_STOP:
				kill(pid, SIGCONT);
				break;
			case J_PTRACE:
				if (stopped)
					ptrace(PTRACE_CONT, pid, 0, 0);
				break;
			case J_FREEZE:
				write_str(path, "0");
				break;
			default:
				break;
			}
		}
		if (!have_final) {
			/* A requester the scheduler holds back (as a stalled
			 * vCPU does): the storm's STATE then reads first. */
			if (late_us)
				delay_us(late_us);
			rc = x_state(dev, pid, &s2, 1, 60ULL * 1000000000);
			if (rc == ENOENT && sh) {
				rc = storm_took(sh, fin_seq0, &s2);
				taken += !rc;
			}
			if (rc == ETIMEDOUT) {
				timeouts++;
			} else if (rc) {
				note(&bad, "iteration %ld: WAIT: %s", it,
				     ename(rc));
			} else {
				SEEN(s2);
			}
		}
		if (have_final && fin.state == PROCSNAP_STATE_FAILED) {
			if (fin.error == ESRCH && alive(pid))
				note(&esrch, "iteration %ld: %s: the live target "
				     "was reported gone (failed ESRCH)", it,
				     mode_s);
			else
				note(&other_fail, "iteration %ld: %s: failed %s",
				     it, mode_s, ename(fin.error));
		}
		if (have_final && fin.state == PROCSNAP_STATE_DONE) {
			done++;
			clone = fin.clone_pid;
			if (checkpat_pid(clone, in.pat, in.pat_size, in.seed))
				note(&badpat, "iteration %ld: clone %d does not "
				     "hold the planted pattern", it, clone);
			unsigned int d;
			rc = x_delete(dev, clone, &d);
			if (rc || d != 1)
				note(&bad, "iteration %ld: DELETE %d: %s", it,
				     clone, ename(rc));
		}
		settle(pid);
		if (!no_clone_within(pid, 5000))
			note(&left, "iteration %ld: a clone of %d is left", it,
			     pid);
		if (mode != J_STORM && !progresses(pid, in.hb, 5000))
			note(&noprog, "iteration %ld: the target makes no "
			     "progress after %s", it, mode_s);
#undef SEEN
	}
	if (stormer) {
		sh->stop = 1;
		reap(stormer);
		kill(pid, SIGCONT);
		if (!progresses(pid, in.hb, 5000))
			note(&noprog, "the target makes no progress after the "
			     "storm");
		window = sh->hits;
		printf("jobctl storm: %ld SIGSTOPs sent, %ld of them while "
		       "duplicating; %ld results read first by the storm's "
		       "STATE\n", sh->sent, sh->hits, taken);
	}
	if (traced)
		ptrace(PTRACE_DETACH, pid, 0, 0);	/* or at our exit */
	printf("jobctl %s: %ld requests: %ld done, %ld WAIT timeouts, %ld "
	       "times mid-duplication (state duplicating at the %s), "
	       "stopped %ld times (slowest %.1f ms)\n", mode_s, n, done,
	       timeouts, window, mode == J_STORM ? "SIGSTOP" : "action",
	       stopped_ok, (double)max_stop_ns / 1e6);
	if (esrch)
		fail("%s: a live target was never reported gone: %d requests "
		     "failed ESRCH", mode_s, esrch);
	else
		pass("%s: no request failed ESRCH while the target lived",
		     mode_s);
	if (done + timeouts != n || bad)
		fail("%s: every request completes (done) once the target runs: "
		     "done %ld/%ld, %d failed ESRCH, %d failed otherwise, %ld "
		     "cancelled by a WAIT timeout, %d other errors", mode_s,
		     done, n, esrch, other_fail, timeouts, bad);
	else
		pass("%s: every request completed (done %ld/%ld, %ld cancelled "
		     "cleanly by a WAIT timeout)", mode_s, done, n, timeouts);
	if (mode != J_STORM) {
		if (nostop)
			fail("%s: the target stops/freezes in bounded time "
			     "despite the pending request: %d times not",
			     mode_s, nostop);
		else
			pass("%s: the target stopped/froze every time within "
			     "10 s (slowest %.1f ms)", mode_s,
			     (double)max_stop_ns / 1e6);
	}
	if (badpat)
		fail("%s: snapshot bytes: %d snapshots without the planted "
		     "pattern", mode_s, badpat);
	else
		pass("%s: every snapshot holds the planted pattern (%ld)",
		     mode_s, done);
	if (left || noprog)
		fail("%s: %d clones left, %d times the target stalled", mode_s,
		     left, noprog);
	else
		pass("%s: no clone left, the target progressed after each",
		     mode_s);
	printf("jobctl %s: mid-duplication hits: %ld\n", mode_s, window);
	return 0;
}

/* --- 49: churn's threads against THREADS -------------------------------- */

struct churn_slot {
	int32_t tid;
	int32_t phase;
	uint64_t gen;
	uint64_t pad[6];
};

static int cmd_churncheck(const char *who, pid_t clone, const char *infofile)
{
	static struct procsnap_thread_info ti[4096];
	struct churn_slot slots[64];
	uint64_t nslots = info_u64(infofile, "slots");
	uint64_t addr = info_u64(infofile, "slot_addr");
	uint64_t stat_addr = info_u64(infofile, "counts");
	pid_t statics[2] = { (pid_t)info_u64(infofile, "pid"),
			     (pid_t)info_u64(infofile, "creator") };
	uint64_t counts[3];	/* alive, gen, spawn errors */
	struct mem m;
	uint32_t got;
	long total;
	int bad = 0, phase_n[4] = { 0 };

	if (nslots > 64)
		bail("too many slots");
	mem_open(&m, who);
	if (mem_read(&m, addr, slots, nslots * sizeof(slots[0])) ||
	    mem_read(&m, stat_addr, counts, sizeof(counts)))
		bail("cannot read churn's memory from %s", who);
	mem_close(&m);
	total = threads_total(clone, ti, 4096, &got);
	if (total < 0)
		bail("THREADS %d: %s", clone, strerror((int)-total));

	int in_threads[64] = { 0 };
	for (uint32_t i = 0; i < got; i++) {
		int known = ti[i].tid == statics[0] || ti[i].tid == statics[1];

		for (uint64_t s = 0; s < nslots && !known; s++)
			if (slots[s].tid && slots[s].tid == ti[i].tid) {
				known = 1;
				in_threads[s] = 1;
			}
		if (!known) {
			/* Only a clone still in the creator's kernel (phase 1,
			 * tid not yet stored) can explain an unknown thread. */
			int creating = 0;

			for (uint64_t s = 0; s < nslots; s++)
				creating |= slots[s].phase == 1 && !slots[s].tid;
			if (!creating) {
				printf("    THREADS has tid %d that the "
				       "snapshot's memory does not know\n",
				       ti[i].tid);
				bad++;
			}
		}
	}
	int statics_in = 0;
	for (uint32_t i = 0; i < got; i++)
		statics_in += ti[i].tid == statics[0] || ti[i].tid == statics[1];
	if (statics_in != 2) {
		printf("    THREADS lacks the main or the creator thread\n");
		bad++;
	}
	for (uint64_t s = 0; s < nslots; s++) {
		int p = slots[s].phase & 3;

		phase_n[p]++;
		if (p == 2 && !in_threads[s]) {
			printf("    slot %" PRIu64 ": thread %d ran user code "
			       "at the instant but THREADS lacks it\n", s,
			       slots[s].tid);
			bad++;
		}
		if (p == 0 && slots[s].tid) {
			printf("    slot %" PRIu64 ": free but tid %d\n", s,
			       slots[s].tid);
			bad++;
		}
	}
	long lo = 2 + phase_n[2], hi = lo + phase_n[1] + phase_n[3];
	int exact = phase_n[1] + phase_n[3] == 0;

	if (total < lo || total > hi) {
		printf("    THREADS total %ld outside [%ld, %ld]\n", total, lo,
		       hi);
		bad++;
	}
	if (exact && total != lo) {
		printf("    THREADS total %ld, the target had %ld alive\n",
		       total, lo);
		bad++;
	}
	printf("churn: THREADS total=%ld alive=%" PRIu64 " gen=%" PRIu64
	       " running=%d creating=%d exiting=%d exact=%d\n", total,
	       counts[0] + 2, counts[1], phase_n[2], phase_n[1], phase_n[3],
	       exact);
	return bad ? 1 : 0;
}

/* --- small commands ------------------------------------------------- */

static int cmd_writepat(const char *path, uint64_t size, uint64_t seed)
{
	uint64_t *buf = malloc(size + 8);
	int fd;

	if (!buf)
		bail("out of memory");
	for (uint64_t i = 0; i < size / 8; i++)
		buf[i] = pattern(seed, i);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		bail("%s: %s", path, strerror(errno));
	if (write(fd, buf, size) != (ssize_t)size)
		bail("write %s: %s", path, strerror(errno));
	close(fd);
	free(buf);
	return 0;
}

static int cmd_files(pid_t clone, long minlen)
{
	static struct procsnap_file_info fi[256];
	struct procsnap_files_arg fa = {
		.size = sizeof(fa), .clone_pid = clone,
		.entry_size = sizeof(fi[0]),
		.entries = (uint64_t)(uintptr_t)fi,
		.nr_entries = minlen > 0 ? 256 : 0,
	};

	if (ioctl(dev, PROCSNAP_IOC_FILES, &fa))
		bail("FILES %d: %s", clone, strerror(errno));
	printf("%u\n", fa.total);
	if (minlen > 0) {
		uint32_t longest = 0, longer = 0;

		for (uint32_t i = 0; i < fa.nr_entries; i++) {
			if (fi[i].path_len > longest)
				longest = fi[i].path_len;
			longer += fi[i].path_len >= (uint32_t)minlen;
		}
		fprintf(stderr, "files: %u of the first %u paths are >= %ld "
			"bytes (longest %u)\n", longer, fa.nr_entries, minlen,
			longest);
		return longer ? 0 : 1;
	}
	return 0;
}

/*
 * Each last close frees its struct file through call_rcu() on this CPU.
 * Invoking thousands of callbacks outruns the softirq's budget, which then
 * wakes the CPU's ksoftirqd; behind a real-time task that keeps the CPU,
 * ksoftirqd never runs, and on kernels that defer every softirq to a woken
 * ksoftirqd (6.1) the CPU stops reporting RCU quiescent states: grace
 * periods cannot end until the task lets go.
 */
static int cmd_rcuflood(int cpu, int prio, long n)
{
	struct sched_param sp = { .sched_priority = prio };
	cpu_set_t set;
	long i;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* Real-time first: a task of the default class moved to a CPU that a
	 * real-time task keeps would never run there. */
	if (sched_setscheduler(0, SCHED_FIFO, &sp) ||
	    sched_setaffinity(0, sizeof(set), &set))
		bail("rcuflood: CPU %d, SCHED_FIFO %d: %s", cpu, prio,
		     strerror(errno));
	for (i = 0; i < n; i++) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			bail("rcuflood: open /dev/null: %s", strerror(errno));
		close(fd);
	}
	return 0;
}

static int cmd_gp(void)
{
	uint64_t t0 = now_ns();

	if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		bail("membarrier GLOBAL: %s", strerror(errno));
	printf("%" PRIu64 "\n", (now_ns() - t0) / 1000000);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: see the comment at the top of hbtool.c\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *cmd;
	const char *seed_env = getenv("HBTOOL_SEED");

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	cmd = argv[1];
	rng = seed_env ? strtoull(seed_env, NULL, 0) : now_ns() ^ (uint64_t)getpid();
	if (getenv("HBTOOL_BUDGET"))
		budget_end = now_ns() + strtoull(getenv("HBTOOL_BUDGET"), NULL,
						 0) * 1000000000ULL;
	if (!rng)
		rng = 1;

	if (!strcmp(cmd, "peek") && (argc == 4 ||
				     (argc == 5 && !strcmp(argv[4], "32")))) {
		uint64_t v;

		if (peek(argv[2], strtoull(argv[3], NULL, 0), &v))
			bail("cannot read %s at %s", argv[2], argv[3]);
		/* A shell's arithmetic is signed: a u32 field stays exact. */
		if (argc == 5)
			v = (uint32_t)v;
		printf("%" PRIu64 "\n", v);
		return 0;
	}
	if (!strcmp(cmd, "checkpat") && argc == 6)
		return checkpat(argv[2], strtoull(argv[3], NULL, 0),
				strtoull(argv[4], NULL, 0),
				strtoull(argv[5], NULL, 0), 0);
	if (!strcmp(cmd, "writepat") && argc == 5)
		return cmd_writepat(argv[2], strtoull(argv[3], NULL, 0),
				    strtoull(argv[4], NULL, 0));
	if (!strcmp(cmd, "gp") && argc == 2)
		return cmd_gp();
	if (!strcmp(cmd, "rcuflood") && argc == 5)
		return cmd_rcuflood(atoi(argv[2]), atoi(argv[3]), atol(argv[4]));
	if (!strcmp(cmd, "progress") && argc == 5)
		return progresses(atoi(argv[2]), strtoull(argv[3], NULL, 0),
				  (unsigned int)atoi(argv[4]) * 1000) ? 0 : 1;

	dev = open_dev();
	if (!strcmp(cmd, "threads") && argc == 3) {
		long t = threads_total(atoi(argv[2]), NULL, 0, NULL);

		if (t < 0)
			bail("THREADS %s: %s", argv[2], strerror((int)-t));
		printf("%ld\n", t);
		return 0;
	}
	if (!strcmp(cmd, "files") && (argc == 3 || argc == 4))
		return cmd_files(atoi(argv[2]), argc == 4 ? atol(argv[3]) : 0);
	if (!strcmp(cmd, "churncheck") && argc == 5)
		return cmd_churncheck(argv[2], atoi(argv[3]), argv[4]);
	if (argc < 4)
		usage();
	pid_t pid = atoi(argv[2]);
	long n = atol(argv[3]);

	printf("hbtool %s: seed %#" PRIx64 " (HBTOOL_SEED)\n", cmd, rng);
	if (!strcmp(cmd, "reqcancel"))
		cmd_reqcancel(pid, n);
	else if (!strcmp(cmd, "wait1ns"))
		cmd_wait1ns(pid, n);
	else if (!strcmp(cmd, "killreq"))
		cmd_killreq(pid, n, argc > 4 && !strcmp(argv[4], "owned"));
	else if (!strcmp(cmd, "killclone"))
		cmd_killclone(pid, n);
	else if (!strcmp(cmd, "ddelete"))
		cmd_ddelete(pid, n);
	else if (!strcmp(cmd, "jobctl") && argc >= 6)
		cmd_jobctl(pid, n, argv[4], argv[5], argc > 6 ? argv[6] : NULL);
	else
		usage();
	return failures ? 1 : 0;
}
