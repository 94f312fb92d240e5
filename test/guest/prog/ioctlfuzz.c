// SPDX-License-Identifier: GPL-2.0
/*
 * ioctlfuzz: a seeded ioctl fuzzer for /dev/procsnap (issue 8, section 2).
 *
 * usage: ioctlfuzz [--seed N] [--ioctls N] [--threads N] [--real N]
 *                  [--duration S] [--target PID]... [--unpriv 0|1]
 *                  [--verbose]
 *
 * --seed	the run's seed (default $FUZZ_SEED, else the time); printed
 *		first as "seed=N".  Thread i draws from xorshift64* seeded
 *		with splitmix64(seed + i), so a run is reproducible as far
 *		as thread scheduling allows.
 * --ioctls	stop after this many ioctls (all processes together;
 *		default 100000)
 * --threads	fuzzing threads (default 4)
 * --real	threads doing real REQUEST / WAIT / CANCEL / DELETE / LIST /
 *		THREADS / FILES / XSTATE / MEM_OPEN on the targets (default 2)
 * --duration	stop after S seconds anyway (default 60); an overall alarm
 *		at S + 60 s reports a hang and exits 3
 * --target	a real (multi-threaded) process to snapshot; repeatable
 * --unpriv	1 (default when root): also fuzz from two children that drop
 *		to uid 65534, one with a device fd opened as root before the
 *		drop, one that opens the device itself (needs mode 0666;
 *		reported when it cannot)
 *
 * Fuzzing threads issue random and boundary command numbers (procsnap's
 * magic with every nr 0x00..0x1f, direction and size; other magics: tty,
 * FIO*, FS_IOC_*; random numbers, minus those the VFS itself handles),
 * argument sizes (0, 1, short, VER0, VER0 + 8 with a zero or nonzero tail,
 * a page, a page + 1, huge), argument pointers (NULL, unmapped, read-only,
 * straddling the end of a mapping, kernel, non-canonical, unaligned),
 * random flags, reserved and output fields, entry arrays and XSTATE buffers
 * of every kind, and pids: self, own threads, 0, -1, INT_MIN, INT_MAX, 1,
 * kernel threads, clones, zombies, recycled pids, another user's process,
 * the fuzzer's own unprivileged children and the targets and their threads.
 * One thread replaces the shared device fd (dup2 of a fresh open) while
 * the others use it; fuzzing threads also close and reopen private fds.
 *
 * Every result is checked: an ioctl must return 0 or -1 (MEM_OPEN: an fd
 * or 0), its errno must be one that command documents (the set below), and
 * successful answers must make sense (VERSION's abi_version, STATE/WAIT
 * states, LIST/THREADS/FILES counts and zero-filled entry tails, LIST's
 * clones alive, no success with the argument in read-only or unmapped
 * memory).  Each impossible result prints an "UNEXPECTED:" line; the run
 * ends with "summary: ..." and exits 1 if there was any.  A watchdog sends
 * SIGUSR1 to a WAIT that has been blocked for 1.5 s (so WAIT with timeout 0
 * is fuzzed too) and reports any ioctl blocked for more than 30 s.
 *
 * Exit: 0 clean, 1 unexpected results, 2 usage or setup, 3 hang.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include <procsnap.h>

#define PAGE		4096UL
#define MAX_THREADS	64
#define NERR		256
#define RING		64
#define ARENA_ENTRIES	(1UL << 20)
#define GUARD		(64 * PAGE)
#define NOBODY		65534

/* --- commands ---------------------------------------------------------- */

enum {
	C_VERSION, C_REQUEST, C_CANCEL, C_STATE, C_WAIT, C_LIST, C_DELETE,
	C_THREADS, C_FILES, C_XSTATE, C_MEM_OPEN, C_FROZEN, NR_REAL,
	C_PS_OTHER = NR_REAL,	/* procsnap's magic, not a command */
	C_CURATED,		/* a known other command */
	C_RANDOM,		/* anything else */
	NR_CLASS
};

struct cmdinfo {
	const char *name;
	unsigned long cmd;
	unsigned int ver0, ksize;
	int writes;		/* results are copied back */
	const int *errs;	/* documented errnos, 0-terminated */
};

#define BASE_ERRS EINVAL, EFAULT, E2BIG, EBADF, ENOMEM
static const int e_version[] = { BASE_ERRS, 0 };
static const int e_request[] = { BASE_ERRS, ESRCH, EPERM, EBUSY, EDQUOT, EXDEV,
				 EOPNOTSUPP, EAGAIN, EINTR, EACCES, 0 };
static const int e_cancel[] = { BASE_ERRS, ENOENT, ESRCH, EPERM, EINTR, 0 };
static const int e_state[] = { BASE_ERRS, ESRCH, EPERM, 0 };
static const int e_wait[] = { BASE_ERRS, ENOENT, ESRCH, EPERM, ETIMEDOUT,
			      EINTR, 0 };
static const int e_list[] = { BASE_ERRS, 0 };
static const int e_delete[] = { BASE_ERRS, ENOENT, EPERM, EINTR, EACCES, 0 };
static const int e_entries[] = { BASE_ERRS, ENOENT, EPERM, EACCES, 0 };
static const int e_xstate[] = { BASE_ERRS, ENOENT, EPERM, ENODATA, EACCES, 0 };
/* ENOTTY: a module from before MEM_OPEN. */
static const int e_mem_open[] = { BASE_ERRS, ENOENT, EPERM, EACCES, ENOTTY, 0 };
/* ENOTTY: a module from before FREEZE_SHARED. */
static const int e_frozen[] = { BASE_ERRS, ENOENT, EPERM, EACCES, ENOTTY, 0 };
static const int e_nocmd[] = { ENOTTY, EBADF, 0 };
/* What the VFS may answer for the curated commands of other drivers. */
static const int e_curated[] = { ENOTTY, EBADF, EFAULT, EINVAL, EOPNOTSUPP, 0 };

static const struct cmdinfo cmds[NR_REAL] = {
	[C_VERSION] = { "VERSION", PROCSNAP_IOC_VERSION,
			PROCSNAP_VERSION_SIZE_VER0,
			sizeof(struct procsnap_version), 1, e_version },
	[C_REQUEST] = { "REQUEST", PROCSNAP_IOC_REQUEST,
			PROCSNAP_TARGET_SIZE_VER0,
			sizeof(struct procsnap_target_arg), 0, e_request },
	[C_CANCEL] = { "CANCEL", PROCSNAP_IOC_CANCEL, PROCSNAP_TARGET_SIZE_VER0,
		       sizeof(struct procsnap_target_arg), 0, e_cancel },
	[C_STATE] = { "STATE", PROCSNAP_IOC_STATE, PROCSNAP_STATE_SIZE_VER0,
		      sizeof(struct procsnap_state_arg), 1, e_state },
	[C_WAIT] = { "WAIT", PROCSNAP_IOC_WAIT, PROCSNAP_STATE_SIZE_VER0,
		     sizeof(struct procsnap_state_arg), 1, e_wait },
	[C_LIST] = { "LIST", PROCSNAP_IOC_LIST, PROCSNAP_LIST_SIZE_VER0,
		     sizeof(struct procsnap_list_arg), 1, e_list },
	[C_DELETE] = { "DELETE", PROCSNAP_IOC_DELETE, PROCSNAP_DELETE_SIZE_VER0,
		       sizeof(struct procsnap_delete_arg), 1, e_delete },
	[C_THREADS] = { "THREADS", PROCSNAP_IOC_THREADS,
			PROCSNAP_THREADS_SIZE_VER0,
			sizeof(struct procsnap_threads_arg), 1, e_entries },
	[C_FILES] = { "FILES", PROCSNAP_IOC_FILES, PROCSNAP_FILES_SIZE_VER0,
		      sizeof(struct procsnap_files_arg), 1, e_entries },
	[C_XSTATE] = { "XSTATE", PROCSNAP_IOC_XSTATE, PROCSNAP_XSTATE_SIZE_VER0,
		       sizeof(struct procsnap_xstate_arg), 1, e_xstate },
	[C_MEM_OPEN] = { "MEM_OPEN", PROCSNAP_IOC_MEM_OPEN,
			 PROCSNAP_MEM_OPEN_SIZE_VER0,
			 sizeof(struct procsnap_mem_open_arg), 1, e_mem_open },
	[C_FROZEN] = { "FROZEN", PROCSNAP_IOC_FROZEN, PROCSNAP_FILES_SIZE_VER0,
		       sizeof(struct procsnap_files_arg), 1, e_frozen },
};

static const char *const class_names[NR_CLASS] = {
	"VERSION", "REQUEST", "CANCEL", "STATE", "WAIT", "LIST", "DELETE",
	"THREADS", "FILES", "XSTATE", "MEM_OPEN", "FROZEN", "ps-other",
	"curated", "random",
};

/* Other drivers' commands; allow0: the VFS itself may answer 0. */
static const struct { unsigned long cmd; int allow0; } curated[] = {
	{ TCGETS, 0 }, { TIOCGWINSZ, 0 }, { FIONREAD, 0 }, { FIONBIO, 1 },
	{ FIOCLEX, 1 }, { FIONCLEX, 1 }, { FIOASYNC, 1 }, { FIOQSIZE, 0 },
	{ FIGETBSZ, 1 }, { FS_IOC_GETFLAGS, 1 }, { FS_IOC_GETVERSION, 0 },
	{ FS_IOC_FSGETXATTR, 1 }, { FS_IOC_FIEMAP, 0 },
	{ FS_IOC_GET_ENCRYPTION_POLICY, 0 }, { _IOR(0x12, 114, size_t), 0 },
};
#define NR_CURATED (sizeof(curated) / sizeof(curated[0]))

_Static_assert(sizeof(struct procsnap_version) == PROCSNAP_VERSION_SIZE_VER0, "");
_Static_assert(sizeof(struct procsnap_target_arg) == PROCSNAP_TARGET_SIZE_VER0, "");
_Static_assert(sizeof(struct procsnap_state_arg) == PROCSNAP_STATE_SIZE_VER0, "");
_Static_assert(sizeof(struct procsnap_list_arg) == PROCSNAP_LIST_SIZE_VER0, "");
_Static_assert(sizeof(struct procsnap_delete_arg) == PROCSNAP_DELETE_SIZE_VER0, "");
_Static_assert(sizeof(struct procsnap_threads_arg) == PROCSNAP_THREADS_SIZE_VER0, "");
_Static_assert(sizeof(struct procsnap_files_arg) == PROCSNAP_FILES_SIZE_VER0, "");
_Static_assert(sizeof(struct procsnap_xstate_arg) == PROCSNAP_XSTATE_SIZE_VER0, "");
_Static_assert(sizeof(struct procsnap_mem_open_arg) == PROCSNAP_MEM_OPEN_SIZE_VER0, "");

static int classify(unsigned long cmd)
{
	for (int i = 0; i < NR_REAL; i++)
		if (cmds[i].cmd == cmd)
			return i;
	if (_IOC_TYPE(cmd) == PROCSNAP_IOC_MAGIC)
		return C_PS_OTHER;
	for (unsigned int i = 0; i < NR_CURATED; i++)
		if (curated[i].cmd == cmd)
			return C_CURATED;
	return C_RANDOM;
}

/*
 * Commands the VFS handles before the driver (do_vfs_ioctl: FIOCLEX...,
 * FIFREEZE, FICLONE, FS_IOC_*...): never sent at random, some change the
 * filesystem.  Types 0x00, 'T' (0x54), 'X', 'f' and 0x94 cover them all.
 */
static int vfs_handled(unsigned long cmd)
{
	unsigned int t = _IOC_TYPE(cmd);

	return t == 0x00 || t == 0x54 || t == 'X' || t == 'f' || t == 0x94 ||
	       (cmd & 0xffff) == (FIONREAD & 0xffff);
}

static int allowed(const int *errs, int err)
{
	for (; *errs; errs++)
		if (*errs == err)
			return 1;
	return 0;
}

/* --- state shared by the threads ------------------------------------------ */

struct stats {
	uint64_t n, ok;
	uint64_t err[NERR];
	uint64_t per_class[NR_CLASS];
	uint64_t unexpected;
	uint64_t requests, req_ok, done, failed, fail_err[NERR];
	uint64_t waits, wait0, timeouts, eintr, cancels, deletes, lists;
	uint64_t threads, files, xstates, memfds, preads, reopens, clones_seen;
	uint64_t ro_args;
};

struct thread {
	pthread_t th;
	int idx, real;
	pid_t tid;
	uint64_t rng;
	int fd;				/* private device fd, or -1 */
	unsigned char *arena;		/* struct area: 2 pages */
	unsigned char *entries;		/* ARENA_ENTRIES, then GUARD */
	unsigned char *ro;		/* one read-only page */
	unsigned char *edge;		/* a page whose next page is PROT_NONE */
	struct stats st;
	/* for the watchdog and the hang report */
	volatile uint64_t op_start;	/* ns, 0: not in an ioctl */
	volatile unsigned long op_cmd;
	volatile uint64_t last_kick;
};

static struct thread threads[MAX_THREADS];
static int nthreads;
static volatile int stop;
static uint64_t g_count;		/* ioctls issued, this process */
static uint64_t g_budget = 100000;
static double g_duration = 60;
static uint64_t g_seed;
static int g_shared_fd = -1;
static int verbose;
static const char *who = "root";
static uint64_t t_start;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static pid_t targets[16];
static uid_t target_uid[16];
static int ntargets;
static pid_t kthread_pids[4];
static int nkthreads;
static pid_t zombies[4], recycled[RING], other_user = -1, children[2];
static int nzombies;
static unsigned int nrecycled;
static pid_t clone_ring[RING], tid_ring[2 * RING], snap_tid_ring[RING];
static unsigned int clone_pos, tid_pos, snap_tid_pos;
static int mem_fd_feature = -1;		/* VERSION says MEM_FD */
static int mem_open_enotty;		/* ... yet MEM_OPEN is ENOTTY */
static int feature_mismatch_reported;
static int pid_max = 32768;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static const char *ename(int err)
{
	const char *n = err ? strerrorname_np(err) : "0";

	return n ? n : "E?";
}

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

/* xorshift64* */
static uint64_t rnd(struct thread *t)
{
	uint64_t x = t->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static unsigned int below(struct thread *t, unsigned int n)
{
	return n ? (unsigned int)(rnd(t) % n) : 0;
}

static int chance(struct thread *t, unsigned int pct)
{
	return below(t, 100) < pct;
}

static void ring_put(pid_t *ring, unsigned int *pos, unsigned int size,
		     pid_t pid)
{
	unsigned int p = __atomic_fetch_add(pos, 1, __ATOMIC_RELAXED);

	__atomic_store_n(&ring[p % size], pid, __ATOMIC_RELAXED);
}

static pid_t ring_get(struct thread *t, pid_t *ring, unsigned int *pos,
		      unsigned int size)
{
	unsigned int n = __atomic_load_n(pos, __ATOMIC_RELAXED);

	if (!n)
		return 0;
	return __atomic_load_n(&ring[below(t, n < size ? n : size)],
			       __ATOMIC_RELAXED);
}

/* The comm of @pid starts with "procsnap/": a clone. */
static int is_clone(pid_t pid)
{
	char path[64], comm[32] = "";
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = (int)read(fd, comm, sizeof(comm) - 1);
	close(fd);
	return n > 9 && !strncmp(comm, "procsnap/", 9);
}

static int exists(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", pid);
	return access(path, F_OK) == 0;
}

static void unexpected(struct thread *t, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	t->st.unexpected++;
	if (t->st.unexpected <= 20)
		say("UNEXPECTED: [%s t%d seed=%llu] %s\n", who, t->idx,
		    (unsigned long long)g_seed, line);
}

/* --- pids -------------------------------------------------------------- */

static pid_t target_pid(struct thread *t)
{
	return ntargets ? targets[below(t, (unsigned int)ntargets)] : getpid();
}

static pid_t pick_pid(struct thread *t)
{
	pid_t p;

	switch (below(t, 24)) {
	case 0: return getpid();
	case 1: return threads[below(t, (unsigned int)nthreads)].tid;
	case 2: return 0;
	case 3: return -1;
	case 4: return INT_MIN;
	case 5: return INT_MAX;
	case 6: return 1;
	case 7: return 2;
	case 8: return nkthreads ? kthread_pids[below(t, (unsigned int)nkthreads)] : 2;
	case 9: case 10: case 11:
		p = ring_get(t, clone_ring, &clone_pos, RING);
		return p ? p : target_pid(t);
	case 12: return nzombies ? zombies[below(t, (unsigned int)nzombies)] : 0;
	case 13:
		p = ring_get(t, recycled, &nrecycled, RING);
		return p ? p : pid_max;
	case 14: return other_user > 0 ? other_user : 1;
	case 15: case 16: case 17: return target_pid(t);
	case 18: case 19:
		p = ring_get(t, tid_ring, &tid_pos, 2 * RING);
		return p ? p : target_pid(t);
	case 20: return children[below(t, 2)] > 0 ? children[below(t, 2)] : getppid();
	case 21: return getppid();
	case 22: return (pid_t)(1 + below(t, (unsigned int)pid_max));
	default: return (pid_t)rnd(t);
	}
}

/* A clone pid for the snapshot commands: mostly a real one. */
static pid_t pick_clone(struct thread *t)
{
	pid_t p = ring_get(t, clone_ring, &clone_pos, RING);

	if (p && chance(t, 75))
		return p;
	return pick_pid(t);
}

/* The threads of the targets, for pids that are tids of live processes. */
static void refresh_tids(void)
{
	for (int i = 0; i < ntargets; i++) {
		char path[64];
		struct dirent *d;
		DIR *dir;

		snprintf(path, sizeof(path), "/proc/%d/task", targets[i]);
		dir = opendir(path);
		if (!dir)
			continue;
		while ((d = readdir(dir)))
			if (d->d_name[0] != '.')
				ring_put(tid_ring, &tid_pos, 2 * RING,
					 atoi(d->d_name));
		closedir(dir);
	}
}

static uid_t uid_of(pid_t pid)
{
	struct stat sb;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", pid);
	return stat(path, &sb) ? (uid_t)-1 : sb.st_uid;
}

static void find_kthreads(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc");
	FILE *f;

	kthread_pids[nkthreads++] = 2;
	if ((f = fopen("/proc/sys/kernel/pid_max", "r"))) {
		if (fscanf(f, "%d", &pid_max) != 1 || pid_max < 2)
			pid_max = 32768;
		fclose(f);
	}
	if (!dir)
		return;
	while ((d = readdir(dir)) && nkthreads < 4) {
		char path[300], comm[64] = "";
		int fd, n;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = (int)read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (n <= 0)
			continue;
		if ((!strncmp(comm, "ksoftirqd/", 10) && nkthreads == 1) ||
		    (!strncmp(comm, "kworker/", 8) && nkthreads == 2) ||
		    (!strncmp(comm, "rcu_", 4) && nkthreads == 3))
			kthread_pids[nkthreads++] = atoi(d->d_name);
	}
	closedir(dir);
}

/* A child that exits, reaped: its number is free (until reused). */
static void add_recycled(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	if (p > 0) {
		waitpid(p, NULL, 0);
		ring_put(recycled, &nrecycled, RING, p);
	}
}

/* --- memory for arguments ------------------------------------------------ */

static void *map(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("ioctlfuzz: mmap");
		exit(2);
	}
	return p;
}

/*
 * 512 pages no access reaches: kept mapped PROT_NONE, since a hole we
 * munmap()ed would soon hold our own later mappings (and the kernel would
 * rightly write there).
 */
static unsigned char *unmapped;

static void setup_memory(struct thread *t)
{
	unsigned char *e;

	t->arena = map(2 * PAGE, PROT_READ | PROT_WRITE);
	e = map(ARENA_ENTRIES + GUARD, PROT_READ | PROT_WRITE);
	mprotect(e + ARENA_ENTRIES, GUARD, PROT_NONE);
	t->entries = e;
	t->ro = map(PAGE, PROT_READ);
	e = map(2 * PAGE, PROT_READ | PROT_WRITE);
	mprotect(e + PAGE, PAGE, PROT_NONE);
	t->edge = e;
}

enum ptr_kind { P_GOOD, P_RO, P_NULL, P_UNMAPPED, P_EDGE, P_KERNEL,
		P_NONCANON, P_SMALL, P_UNALIGNED, NR_PTR };
static const char *const ptr_names[NR_PTR] = {
	"good", "read-only", "NULL", "unmapped", "straddling", "kernel",
	"non-canonical", "small", "unaligned" };

static int pick_ptr_kind(struct thread *t)
{
	unsigned int r = below(t, 100);

	if (r < 62) return P_GOOD;
	if (r < 72) return P_RO;
	if (r < 76) return P_NULL;
	if (r < 80) return P_UNMAPPED;
	if (r < 86) return P_EDGE;
	if (r < 90) return P_KERNEL;
	if (r < 93) return P_NONCANON;
	if (r < 96) return P_SMALL;
	return P_UNALIGNED;
}

static uint64_t kernel_addr(struct thread *t)
{
	static const uint64_t k[] = {
		0xffffffff81000000ULL, 0xffff888000000000ULL,
		0xffffc90000000000ULL, 0xfffffffffffff000ULL,
		0xffffffffffffffffULL - 7, 0xffffea0000000000ULL,
	};

	return k[below(t, sizeof(k) / sizeof(k[0]))] + (rnd(t) & 0xff8);
}

/* A user pointer for entries/buf fields; @good is room for @len bytes. */
static uint64_t pick_buf(struct thread *t, int *kind)
{
	*kind = pick_ptr_kind(t);
	switch (*kind) {
	case P_GOOD: return (uint64_t)(uintptr_t)t->entries;
	case P_RO: return (uint64_t)(uintptr_t)t->ro;
	case P_NULL: return 0;
	case P_UNMAPPED:
		/* or straddling the end of user space */
		return chance(t, 20) ? 0x7ffffffff000ULL - 8 * below(t, 8) :
			(uint64_t)(uintptr_t)unmapped;
	case P_EDGE: return (uint64_t)(uintptr_t)(t->edge + PAGE - 8 * (1 + below(t, 64)));
	case P_KERNEL: return kernel_addr(t);
	case P_NONCANON: return 0x8000000000000000ULL | (rnd(t) & ~0xfffULL);
	case P_SMALL: return 1 + below(t, 4095);
	default: return (uint64_t)(uintptr_t)(t->entries + 1 + below(t, 7));
	}
}

/* --- generating arguments ------------------------------------------------- */

static uint32_t pick_size(struct thread *t, const struct cmdinfo *c,
			  int *tail)
{
	*tail = 0;
	if (chance(t, 68))
		return c->ksize;
	switch (below(t, 16)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 4;
	case 3: return 8;
	case 4: return c->ver0 - 8;
	case 5: return c->ver0 - 1;
	case 6: return c->ver0 + 1;
	case 7: return c->ver0 + 8;
	case 8: *tail = 1; return c->ver0 + 8;	/* nonzero tail: E2BIG */
	case 9: return c->ver0 + 64 + 8 * below(t, 32);
	case 10: *tail = 1; return c->ver0 + 8 * (1 + below(t, 60));
	case 11: return (uint32_t)PAGE;
	case 12: return (uint32_t)PAGE + 1;
	case 13: return 0xffffffffU;
	case 14: return 0x80000000U;
	default: return (uint32_t)rnd(t);
	}
}

static uint32_t pick_flags(struct thread *t, uint32_t valid)
{
	if (chance(t, 80))
		return valid ? (uint32_t)rnd(t) & valid : 0;
	if (chance(t, 50))
		return 1U << below(t, 32);
	return (uint32_t)rnd(t);
}

/* Mostly 0; sometimes one random nonzero value. */
static uint64_t maybe_junk(struct thread *t, unsigned int pct)
{
	if (!chance(t, pct))
		return 0;
	return chance(t, 50) ? 1ULL << below(t, 64) : rnd(t);
}

static uint32_t pick_entry_size(struct thread *t, uint32_t ver0)
{
	if (chance(t, 60))
		return ver0;
	switch (below(t, 9)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return ver0 - 1;
	case 3: return ver0 + 8;
	case 4: return ver0 + 8 * (1 + below(t, 64));
	case 5: return (uint32_t)PAGE;
	case 6: return (uint32_t)PAGE + 1;
	case 7: return 0xffffffffU;
	default: return (uint32_t)rnd(t);
	}
}

static uint32_t pick_nr(struct thread *t)
{
	switch (below(t, 10)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 2;
	case 3: case 4: return 64;
	case 5: return 1000;
	case 6: return 0xffffffffU;
	case 7: return 0x80000000U;
	case 8: return 8 + below(t, 200);
	default: return (uint32_t)rnd(t);
	}
}

static uint64_t pick_timeout(struct thread *t)
{
	static const uint64_t tmo[] = {
		1, 1000, 1000000, 10000000, 50000000, 200000000, 0,
		0xffffffffffffffffULL, 1ULL << 63,
	};

	return tmo[below(t, sizeof(tmo) / sizeof(tmo[0]))];
}

struct gen {
	unsigned long cmd;
	int cls;
	int ptr_kind;		/* where the argument is */
	int buf_kind;		/* entries/buf pointer, or -1 */
	size_t edge_k;		/* P_EDGE: bytes mapped before the hole */
	uint32_t size, entry_size, nr_in, buf_size;
	uint64_t buf;
	union {
		struct procsnap_version ver;
		struct procsnap_target_arg tgt;
		struct procsnap_state_arg st;
		struct procsnap_list_arg list;
		struct procsnap_delete_arg del;
		struct procsnap_threads_arg thr;
		struct procsnap_files_arg files;
		struct procsnap_xstate_arg xs;
		struct procsnap_mem_open_arg mo;
		unsigned char raw[PAGE + 16];
	} u;
};

/* The content of a real command's struct (g->u), before placement. */
static void gen_struct(struct thread *t, struct gen *g)
{
	const struct cmdinfo *c = &cmds[g->cls];
	int tail;

	memset(&g->u, 0, sizeof(g->u));
	g->buf_kind = -1;
	g->size = pick_size(t, c, &tail);
	switch (g->cls) {
	case C_VERSION:
		g->u.ver.flags = pick_flags(t, 0);
		g->u.ver.reserved0 = (uint32_t)maybe_junk(t, 5);
		g->u.ver.abi_version = (uint32_t)maybe_junk(t, 5);
		g->u.ver.reserved[below(t, 4)] = maybe_junk(t, 5);
		break;
	case C_REQUEST:
	case C_CANCEL:
		g->u.tgt.flags = pick_flags(t, g->cls == C_REQUEST ?
					    PROCSNAP_REQUEST_FLAGS : 0);
		g->u.tgt.pid = pick_pid(t);
		g->u.tgt.reserved0 = (uint32_t)maybe_junk(t, 5);
		g->u.tgt.reserved[below(t, 3)] = maybe_junk(t, 5);
		/* A limit is allowed with FREEZE_SHARED only, up to a max. */
		g->u.tgt.freeze_limit = chance(t, 10) ? below(t, 1 << 26) :
					maybe_junk(t, 5);
		break;
	case C_STATE:
	case C_WAIT:
		g->u.st.flags = pick_flags(t, 0);
		g->u.st.pid = pick_pid(t);
		g->u.st.state = (uint32_t)maybe_junk(t, 4);
		g->u.st.clone_pid = (int32_t)maybe_junk(t, 4);
		g->u.st.error = (int32_t)maybe_junk(t, 4);
		g->u.st.timeout_ns = g->cls == C_WAIT ? pick_timeout(t) :
			maybe_junk(t, 5);
		g->u.st.reserved[below(t, 4)] = maybe_junk(t, 5);
		break;
	case C_LIST:
		g->u.list.flags = pick_flags(t, 0);
		g->u.list.entries = pick_buf(t, &g->buf_kind);
		g->u.list.entry_size = pick_entry_size(t, PROCSNAP_SNAPSHOT_INFO_SIZE_VER0);
		g->u.list.nr_entries = chance(t, 20) ? 0 : pick_nr(t);
		if (chance(t, 10))
			g->u.list.entries = 0, g->u.list.nr_entries = 0;
		g->u.list.total = (uint32_t)maybe_junk(t, 4);
		g->u.list.reserved0 = (uint32_t)maybe_junk(t, 4);
		g->u.list.reserved[below(t, 4)] = maybe_junk(t, 4);
		break;
	case C_DELETE:
		g->u.del.flags = pick_flags(t, chance(t, 10) ?
					    PROCSNAP_DELETE_ALL : 0);
		g->u.del.clone_pid = (g->u.del.flags & PROCSNAP_DELETE_ALL) &&
			chance(t, 70) ? 0 : pick_clone(t);
		g->u.del.deleted = (uint32_t)maybe_junk(t, 4);
		g->u.del.reserved[below(t, 4)] = maybe_junk(t, 4);
		break;
	case C_THREADS:
	case C_FILES:
	case C_FROZEN:
		g->u.thr.flags = pick_flags(t, 0);
		g->u.thr.clone_pid = pick_clone(t);
		g->u.thr.entry_size = pick_entry_size(t, g->cls == C_THREADS ?
			PROCSNAP_THREAD_INFO_SIZE_VER0 : g->cls == C_FILES ?
			PROCSNAP_FILE_INFO_SIZE_VER0 :
			PROCSNAP_FROZEN_INFO_SIZE_VER0);
		g->u.thr.entries = pick_buf(t, &g->buf_kind);
		g->u.thr.nr_entries = pick_nr(t);
		if (chance(t, 10))
			g->u.thr.entries = 0, g->u.thr.nr_entries = 0;
		g->u.thr.total = (uint32_t)maybe_junk(t, 4);
		g->u.thr.reserved[below(t, 4)] = maybe_junk(t, 4);
		break;
	case C_XSTATE: {
		static const uint32_t sizes[] = { 0, 1, 64, 512, 576, 1024,
						  2696, 4096, 8192, 65536,
						  0xffffffffU };

		g->u.xs.flags = pick_flags(t, 0);
		g->u.xs.clone_pid = pick_clone(t);
		g->u.xs.tid = chance(t, 60) ?
			ring_get(t, snap_tid_ring, &snap_tid_pos, RING) :
			pick_pid(t);
		g->u.xs.buf = pick_buf(t, &g->buf_kind);
		g->u.xs.buf_size = chance(t, 85) ?
			sizes[below(t, sizeof(sizes) / sizeof(sizes[0]))] :
			(uint32_t)rnd(t);
		g->u.xs.reserved0 = (uint32_t)maybe_junk(t, 4);
		g->u.xs.reserved[below(t, 4)] = maybe_junk(t, 4);
		break;
	}
	case C_MEM_OPEN:
		g->u.mo.flags = pick_flags(t, 0);
		g->u.mo.clone_pid = pick_clone(t);
		g->u.mo.fd = (int32_t)maybe_junk(t, 5);
		g->u.mo.reserved[below(t, 4)] = maybe_junk(t, 4);
		break;
	}
	g->u.ver.size = g->size;	/* the first field of every struct */
	/* Past what we know: zeros, or (tail) something nonzero. */
	if (tail && g->size > c->ksize && g->size <= PAGE)
		g->u.raw[c->ksize + below(t, g->size - c->ksize)] =
			(unsigned char)(1 + below(t, 255));
	g->entry_size = g->u.thr.entry_size;
	if (g->cls == C_LIST) {
		g->entry_size = g->u.list.entry_size;
		g->nr_in = g->u.list.nr_entries;
		g->buf = g->u.list.entries;
	} else if (g->cls == C_THREADS || g->cls == C_FILES ||
		   g->cls == C_FROZEN) {
		g->nr_in = g->u.thr.nr_entries;
		g->buf = g->u.thr.entries;
	} else if (g->cls == C_XSTATE) {
		g->buf = g->u.xs.buf;
		g->buf_size = g->u.xs.buf_size;
	}
}

/* A command number: real ones mostly, then every kind of wrong one. */
static unsigned long pick_cmd(struct thread *t)
{
	unsigned int r = below(t, 100);
	unsigned long cmd;

	if (r < 70)
		return cmds[below(t, NR_REAL)].cmd;
	if (r < 85) {
		/* procsnap's magic, any nr, direction and size */
		static const unsigned int sizes[] = { 0, 1, 8, 47, 48, 49, 56,
						      63, 64, 72, 88, 96, 112,
						      264, 568, 4096, 0x3fff };
		unsigned int nr = below(t, 0x20), dir = below(t, 4);
		unsigned int size = chance(t, 80) ?
			sizes[below(t, sizeof(sizes) / sizeof(sizes[0]))] :
			below(t, 0x4000);

		if (chance(t, 30) && nr < NR_REAL)	/* the real size */
			size = _IOC_SIZE(cmds[nr].cmd);
		return _IOC(dir, PROCSNAP_IOC_MAGIC, nr, size);
	}
	if (r < 92)
		return curated[below(t, NR_CURATED)].cmd;
	do
		cmd = chance(t, 50) ? (unsigned long)(uint32_t)rnd(t) :
			_IOC(below(t, 4), below(t, 256), below(t, 256),
			     below(t, 0x4000));
	while (vfs_handled(cmd) && _IOC_TYPE(cmd) != PROCSNAP_IOC_MAGIC);
	return cmd;
}

/* Where the argument goes; returns the pointer passed to ioctl(). */
static void *place(struct thread *t, struct gen *g, size_t len, size_t span)
{
	unsigned char *p;
	size_t k;

	if (len > PAGE + 8)
		len = PAGE + 8;
	g->edge_k = 0;
	switch (g->ptr_kind) {
	case P_GOOD:
		memcpy(t->arena, g->u.raw, len);
		return t->arena;
	case P_UNALIGNED:
		p = t->arena + 1 + below(t, 7);
		memcpy(p, g->u.raw, len);
		return p;
	case P_RO:
		mprotect(t->ro, PAGE, PROT_READ | PROT_WRITE);
		memcpy(t->ro, g->u.raw, len < PAGE ? len : PAGE);
		mprotect(t->ro, PAGE, PROT_READ);
		t->st.ro_args++;
		return t->ro;
	case P_EDGE:
		/*
		 * The first k bytes of the claimed size mapped, the rest not;
		 * or (k == span) the struct ending right at the hole.
		 */
		if (span < 8)
			span = 8;
		if (span > PAGE)
			span = PAGE;
		k = 1 + below(t, (unsigned int)(span - 1));
		if (chance(t, 20))
			k = 4;	/* just the size field */
		else if (chance(t, 25))
			k = span;
		p = t->edge + PAGE - k;
		memcpy(p, g->u.raw, k);
		g->edge_k = k;
		return p;
	case P_NULL: return NULL;
	case P_UNMAPPED:
		return chance(t, 20) ?
			(void *)(uintptr_t)(0x7ffffffff000ULL - 8 * below(t, 8)) :
			unmapped + 8 * below(t, 512);
	case P_KERNEL: return (void *)(uintptr_t)kernel_addr(t);
	case P_NONCANON:
		return (void *)(uintptr_t)(0x8000000000000000ULL |
					   (rnd(t) & ~0xfffULL));
	default: return (void *)(uintptr_t)(1 + below(t, 4095));
	}
}

/* --- doing one ioctl ---------------------------------------------------------- */

static long do_ioctl(struct thread *t, int fd, unsigned long cmd, void *arg,
		     int *err)
{
	long ret;

	t->op_cmd = cmd;
	__atomic_store_n(&t->op_start, now_ns(), __ATOMIC_RELEASE);
	errno = 0;
	ret = ioctl(fd, cmd, arg);
	*err = ret < 0 ? errno : 0;
	__atomic_store_n(&t->op_start, 0, __ATOMIC_RELEASE);
	t->st.n++;
	__atomic_add_fetch(&g_count, 1, __ATOMIC_RELAXED);
	if (ret == 0 || (ret > 0 && classify(cmd) == C_MEM_OPEN))
		t->st.ok++;
	else if (*err >= 0 && *err < NERR)
		t->st.err[*err]++;
	t->st.per_class[classify(cmd)]++;
	return ret;
}

/* The return value and errno make sense for this command at all. */
static int check_errno(struct thread *t, int cls, long ret, int err,
		       const char *what)
{
	const int *errs;

	if (ret > 0 && cls == C_MEM_OPEN)
		return 1;
	if (ret != 0 && ret != -1) {
		unexpected(t, "%s: %s returned %ld", what, class_names[cls], ret);
		return 0;
	}
	if (ret == 0)
		return 1;
	if (cls < NR_REAL)
		errs = cmds[cls].errs;
	else if (cls == C_CURATED)
		errs = e_curated;
	else
		errs = e_nocmd;
	if (!allowed(errs, err)) {
		unexpected(t, "%s: %s failed with %s (%d), not documented",
			   what, class_names[cls], ename(err), err);
		return 0;
	}
	return 1;
}

static int tail_zero(const unsigned char *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Entries of a successful LIST/THREADS/FILES, in our own arena. */
static void check_entries(struct thread *t, int cls, const unsigned char *e,
			  uint32_t entry_size, uint32_t nr, uint32_t total)
{
	size_t ksize = cls == C_LIST ? sizeof(struct procsnap_snapshot_info) :
		cls == C_THREADS ? sizeof(struct procsnap_thread_info) :
		cls == C_FROZEN ? sizeof(struct procsnap_frozen_info) :
		sizeof(struct procsnap_file_info);
	uint64_t prev_end = 0;

	for (uint32_t i = 0; i < nr && (size_t)(i + 1) * entry_size <= ARENA_ENTRIES; i++) {
		const unsigned char *p = e + (size_t)i * entry_size;

		if (entry_size > ksize && !tail_zero(p, ksize, entry_size)) {
			unexpected(t, "%s entry %u: bytes past the known size (%zu of %u) not zero-filled",
				   class_names[cls], i, ksize, entry_size);
			return;
		}
		if (cls == C_LIST) {
			const struct procsnap_snapshot_info *s = (const void *)p;
			/* Fields past entry_size are the next entry's. */
			int phases = entry_size >= offsetof(struct procsnap_snapshot_info,
							    freeze_ns);
			/* Fields past entry_size are the next entry's. */
			uint64_t freeze_ns = entry_size >=
				offsetof(struct procsnap_snapshot_info,
					 frozen_bytes) ? s->freeze_ns : 0;
			/* freeze_limit ends VER2's reserved part. */
			int frozen = entry_size >= offsetof(struct procsnap_snapshot_info,
							    reserved2);
			int reserved = entry_size >= offsetof(struct procsnap_snapshot_info,
							      target_label);
			int label = entry_size >= sizeof(*s);

			if (s->clone_pid <= 0 || s->target_pid < 0 ||
			    (s->flags & ~(PROCSNAP_SNAPSHOT_OWNED |
					  PROCSNAP_SNAPSHOT_LABEL_TRUNCATED |
					  PROCSNAP_SNAPSHOT_FROZEN |
					  PROCSNAP_SNAPSHOT_FREEZE_TRUNCATED)) ||
			    ((s->flags & PROCSNAP_SNAPSHOT_FREEZE_TRUNCATED) &&
			     !(s->flags & PROCSNAP_SNAPSHOT_FROZEN)) ||
			    (frozen && !(s->flags & PROCSNAP_SNAPSHOT_FROZEN) &&
			     (s->nr_frozen || s->freeze_ns ||
			      s->frozen_bytes || s->freeze_limit)) ||
			    (frozen && (s->flags & PROCSNAP_SNAPSHOT_FROZEN) &&
			     (!s->freeze_limit ||
			      s->frozen_bytes > s->freeze_limit)) ||
			    !memchr(s->target_comm, 0, sizeof(s->target_comm)) ||
			    (label && !memchr(s->target_label, 0,
					      sizeof(s->target_label))) ||
			    (reserved && (s->reserved1 ||
					  !tail_zero((const void *)s->reserved2,
						     0, sizeof(s->reserved2)))) ||
			    s->threads == 0) {
				unexpected(t, "LIST entry %u of %u (size %u): clone %d target %d flags %#x threads %u reserved %#llx",
					   i, total, entry_size, s->clone_pid,
					   s->target_pid, s->flags, s->threads,
					   reserved ? (unsigned long long)s->reserved2[0] : 0ULL);
				return;
			}
			/* The phases are disjoint parts of the pause. */
			if (phases &&
			    (s->files_ns > s->record_ns ||
			     s->quiesce_ns + s->check_ns + s->record_ns +
			     freeze_ns + s->copy_ns + s->detach_ns >
			     s->pause_ns)) {
				unexpected(t, "LIST entry %u: phases exceed the pause: quiesce %llu check %llu record %llu (files %llu) freeze %llu copy %llu detach %llu pause %llu",
					   i, (unsigned long long)s->quiesce_ns,
					   (unsigned long long)s->check_ns,
					   (unsigned long long)s->record_ns,
					   (unsigned long long)s->files_ns,
					   (unsigned long long)freeze_ns,
					   (unsigned long long)s->copy_ns,
					   (unsigned long long)s->detach_ns,
					   (unsigned long long)s->pause_ns);
				return;
			}
			ring_put(clone_ring, &clone_pos, RING, s->clone_pid);
		} else if (cls == C_THREADS) {
			const struct procsnap_thread_info *th = (const void *)p;

			/* As at the instant: values the kernel can hold. */
			if (th->tid < 0 || (th->flags & ~7U) || th->reserved1 ||
			    (th->sched_policy & ~0x40000000U) > 6 ||
			    th->rt_priority > 99 || th->nice < -20 ||
			    th->nice > 19 || th->seccomp_mode > 2 ||
			    !memchr(th->comm, 0, sizeof(th->comm))) {
				unexpected(t, "THREADS entry %u: tid %d flags %#x policy %#x rt %u nice %d seccomp %u reserved %u",
					   i, th->tid, th->flags,
					   th->sched_policy, th->rt_priority,
					   th->nice, th->seccomp_mode,
					   th->reserved1);
				return;
			}
			if (th->tid > 0)
				ring_put(snap_tid_ring, &snap_tid_pos, RING, th->tid);
		} else if (cls == C_FROZEN) {
			const struct procsnap_frozen_info *z = (const void *)p;

			/* Whole pages, by address, eof within, bytes below. */
			if ((z->start | z->end | z->eof) % 4096 ||
			    z->start >= z->end || z->start < prev_end ||
			    z->eof < z->start || z->eof > z->end ||
			    z->bytes % 4096 || z->bytes > z->eof - z->start) {
				unexpected(t, "FROZEN entry %u: start %#llx end %#llx eof %#llx bytes %llu",
					   i, (unsigned long long)z->start,
					   (unsigned long long)z->end,
					   (unsigned long long)z->eof,
					   (unsigned long long)z->bytes);
				return;
			}
			prev_end = z->end;
		} else {
			const struct procsnap_file_info *f = (const void *)p;
			size_t len = strnlen(f->path, sizeof(f->path));

			if (f->fd < 0 || len == sizeof(f->path) ||
			    f->path_len < len || f->reserved0 ||
			    f->reserved[0] || f->reserved[1]) {
				unexpected(t, "FILES entry %u: fd %d path_len %u strlen %zu",
					   i, f->fd, f->path_len, len);
				return;
			}
		}
	}
}

/* A LIST clone that does not exist, seen three times in a row, is a bug. */
static void check_list_alive(struct thread *t, int fd)
{
	static struct procsnap_snapshot_info info[64];
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pid_t suspect = 0;

	pthread_mutex_lock(&lock);
	for (int round = 0; round < 3; round++) {
		struct procsnap_list_arg l = {
			.size = sizeof(l), .entries = (uintptr_t)info,
			.entry_size = sizeof(info[0]), .nr_entries = 64,
		};
		int err, found = 0;

		if (do_ioctl(t, fd, PROCSNAP_IOC_LIST, &l, &err)) {
			check_errno(t, C_LIST, -1, err, "LIST (alive check)");
			break;
		}
		t->st.lists++;
		if (l.nr_entries > 64 || l.nr_entries > l.total) {
			unexpected(t, "LIST: %u entries of %u in room for 64",
				   l.nr_entries, l.total);
			break;
		}
		for (uint32_t i = 0; i < l.nr_entries; i++) {
			pid_t c = info[i].clone_pid;

			ring_put(clone_ring, &clone_pos, RING, c);
			if (round == 0 && !suspect && !exists(c))
				suspect = c;
			if (round && c == suspect)
				found = 1;
		}
		if (!suspect || (round && (!found || exists(suspect)))) {
			suspect = 0;
			break;
		}
		usleep(10000);
	}
	if (suspect)
		unexpected(t, "LIST keeps listing clone %d, which does not exist",
			   suspect);
	pthread_mutex_unlock(&lock);
}

/* Results of a successful real command in writable memory. */
static void check_result(struct thread *t, struct gen *g, const void *argp)
{
	struct gen out;
	size_t n = g->size < sizeof(out.u) ? g->size : sizeof(out.u);

	memcpy(out.u.raw, argp, n);
	switch (g->cls) {
	case C_VERSION: {
		int mem_fd;

		if (out.u.ver.abi_version != PROCSNAP_ABI_VERSION ||
		    (out.u.ver.features & ~PROCSNAP_FEAT_ALL) ||
		    !memchr(out.u.ver.module_version, 0, PROCSNAP_VERSION_LEN))
			unexpected(t, "VERSION: abi_version %u features %#llx",
				   out.u.ver.abi_version,
				   (unsigned long long)out.u.ver.features);
		mem_fd = !!(out.u.ver.features & PROCSNAP_FEAT_MEM_FD);
		__atomic_store_n(&mem_fd_feature, mem_fd, __ATOMIC_RELAXED);
		break;
	}
	case C_STATE:
	case C_WAIT: {
		const struct procsnap_state_arg *s = &out.u.st;
		int bad = s->state > PROCSNAP_STATE_FAILED ||
			(s->state == PROCSNAP_STATE_DONE && s->clone_pid <= 0) ||
			(s->state == PROCSNAP_STATE_FAILED &&
			 (s->error <= 0 || s->clone_pid)) ||
			(s->state < PROCSNAP_STATE_DONE &&
			 (s->clone_pid || s->error)) ||
			(g->cls == C_WAIT && s->state < PROCSNAP_STATE_DONE);

		if (bad)
			unexpected(t, "%s of %d: state %u clone %d error %d",
				   class_names[g->cls], s->pid, s->state,
				   s->clone_pid, s->error);
		if (s->state == PROCSNAP_STATE_DONE && s->clone_pid > 0)
			ring_put(clone_ring, &clone_pos, RING, s->clone_pid);
		break;
	}
	case C_LIST:
	case C_THREADS:
	case C_FILES:
	case C_FROZEN: {
		uint32_t nr = g->cls == C_LIST ? out.u.list.nr_entries :
			out.u.thr.nr_entries;
		uint32_t total = g->cls == C_LIST ? out.u.list.total :
			out.u.thr.total;

		if (nr > g->nr_in || nr > total)
			unexpected(t, "%s: %u entries written, room %u, total %u",
				   class_names[g->cls], nr, g->nr_in, total);
		else if (nr && g->buf_kind != P_GOOD && g->buf_kind != P_UNALIGNED &&
			 g->buf_kind != P_EDGE)
			unexpected(t, "%s: %u entries written to a %s pointer %#llx",
				   class_names[g->cls], nr, ptr_names[g->buf_kind],
				   (unsigned long long)g->buf);
		else if (nr && g->buf_kind == P_GOOD)
			check_entries(t, g->cls, t->entries, g->entry_size, nr,
				      total);
		break;
	}
	case C_DELETE:
		if (!(g->u.del.flags & PROCSNAP_DELETE_ALL) &&
		    out.u.del.deleted != 1)
			unexpected(t, "DELETE %d: success with deleted %u",
				   g->u.del.clone_pid, out.u.del.deleted);
		break;
	case C_XSTATE:
		if (!out.u.xs.buf_size)
			unexpected(t, "XSTATE %d/%d: success with 0 bytes",
				   g->u.xs.clone_pid, g->u.xs.tid);
		else if (g->buf_size && g->buf_kind != P_GOOD &&
			 g->buf_kind != P_UNALIGNED && g->buf_kind != P_EDGE)
			unexpected(t, "XSTATE: %u bytes copied to a %s pointer %#llx",
				   g->buf_size, ptr_names[g->buf_kind],
				   (unsigned long long)g->buf);
		break;
	default:
		break;
	}
}

/* --- MEM_OPEN files -------------------------------------------------------- */

/* The first mapping of @clone, to read something that exists. */
static uint64_t first_map(pid_t clone)
{
	char path[64];
	unsigned long long a = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", clone);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llx", &a) != 1)
		a = 0;
	fclose(f);
	return a;
}

static void use_mem_fd(struct thread *t, int mfd, pid_t clone,
		       const char *what)
{
	static const int ok_errs[] = { EIO, EINVAL, EFAULT, ESRCH, EPERM,
				       EACCES, 0 };
	uint64_t base;
	char buf[256], path[64], link[256] = "";
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	len = mfd > 2 ? readlink(path, link, sizeof(link) - 1) : -1;
	if (len > 0)
		link[len] = 0;
	/* Never close what is not a new file: it may be another thread's. */
	if (len <= 0 || !strcmp(link, PROCSNAP_DEVICE_PATH) || mfd == g_shared_fd) {
		unexpected(t, "%s: MEM_OPEN of %d succeeded without a new fd (fd %d: %s)",
			   what, clone, mfd, len > 0 ? link : "none");
		return;
	}
	base = first_map(clone);
	t->st.memfds++;
	/* The uapi: read-only, close-on-exec, cannot be mapped. */
	if (!(fcntl(mfd, F_GETFD) & FD_CLOEXEC) ||
	    (fcntl(mfd, F_GETFL) & O_ACCMODE) != O_RDONLY)
		unexpected(t, "%s: MEM_OPEN fd %d (%s) flags %#x/%#x: not read-only close-on-exec",
			   what, mfd, link, fcntl(mfd, F_GETFD), fcntl(mfd, F_GETFL));
	if (chance(t, 10)) {
		void *m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, mfd, 0);

		if (m != MAP_FAILED) {
			munmap(m, PAGE);
			unexpected(t, "%s: a MEM_OPEN file can be mapped", what);
		}
	}
	for (int i = 0; i < 8; i++) {
		uint64_t off;
		ssize_t r;

		switch (below(t, 6)) {
		case 0: off = base; break;
		case 1: off = base + below(t, 1 << 20); break;
		case 2: off = 0; break;
		case 3: off = 0xffffffff81000000ULL; break;
		case 4: off = 0x7ffffffff000ULL - below(t, 1 << 20); break;
		default: off = rnd(t) & 0x7fffffffffffULL; break;
		}
		r = pread(mfd, chance(t, 90) ? buf : (char *)unmapped,
			  1 + below(t, sizeof(buf)), (off_t)off);
		t->st.preads++;
		if (r < 0 && !allowed(ok_errs, errno))
			unexpected(t, "pread of a MEM_OPEN file at %#llx: %s",
				   (unsigned long long)off, ename(errno));
		if (r > (ssize_t)sizeof(buf))
			unexpected(t, "pread of a MEM_OPEN file returned %zd", r);
	}
	if (write(mfd, buf, 1) >= 0)
		unexpected(t, "a MEM_OPEN file is writable");
	close(mfd);
}

/* --- the fuzzing threads ------------------------------------------------------ */

static int pick_fd(struct thread *t)
{
	unsigned int r = below(t, 100);

	if (r < 2)
		return 1000 + (int)below(t, 100);	/* never opened: EBADF */
	if (r < 4 && t->fd >= 0) {
		/* close and reopen our own fd */
		close(t->fd);
		t->fd = open(PROCSNAP_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		t->st.reopens++;
	}
	if (r < 40 && t->fd >= 0)
		return t->fd;
	return g_shared_fd;
}

static void fuzz_one(struct thread *t)
{
	struct gen g;
	void *argp;
	long ret;
	int err, fd = pick_fd(t), readable;
	char what[160];

	g.cmd = pick_cmd(t);
	g.cls = classify(g.cmd);
	g.ptr_kind = pick_ptr_kind(t);
	if (g.cls < NR_REAL) {
		gen_struct(t, &g);
	} else {
		g.buf_kind = -1;
		g.size = (uint32_t)rnd(t);
		for (size_t i = 0; i < 128; i++)
			g.u.raw[i] = (unsigned char)rnd(t);
		if (chance(t, 50))
			g.u.ver.size = (uint32_t)(8 * below(t, 64));
	}
	/* A real command's arguments in a fresh arena, for the tail checks. */
	if (g.cls < NR_REAL && g.buf_kind == P_GOOD) {
		size_t want = (size_t)g.nr_in * g.entry_size;

		if (g.cls == C_XSTATE)
			want = g.buf_size;
		memset(t->entries, 0xa5, want < 65536 ? want : 65536);
	}
	argp = place(t, &g, g.cls < NR_REAL ? PAGE + 8 : 128,
		     g.cls < NR_REAL ? g.size : 128);
	ret = do_ioctl(t, fd, g.cmd, argp, &err);
	snprintf(what, sizeof(what), "cmd %#lx size %u arg %s", g.cmd,
		 g.cls < NR_REAL ? g.size : 0, ptr_names[g.ptr_kind]);
	if (!check_errno(t, g.cls, ret, err, what))
		return;
	if (g.cls == C_MEM_OPEN && err == ENOTTY)
		__atomic_store_n(&mem_open_enotty, 1, __ATOMIC_RELAXED);
	if (ret < 0)
		return;
	if (g.cls == C_CURATED) {
		for (unsigned int i = 0; i < NR_CURATED; i++)
			if (curated[i].cmd == g.cmd && !curated[i].allow0)
				unexpected(t, "%s: curated command %#lx succeeded on /dev/procsnap",
					   what, g.cmd);
		if (g.cmd == FIOCLEX || g.cmd == FIONCLEX || g.cmd == FIONBIO)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
		return;
	}
	if (g.cls >= NR_REAL) {
		unexpected(t, "%s: an unknown command succeeded", what);
		return;
	}
	readable = g.ptr_kind == P_GOOD || g.ptr_kind == P_UNALIGNED ||
		(g.ptr_kind == P_EDGE && g.edge_k >= g.size);
	/* No success without a readable struct, or with results nowhere. */
	if (g.ptr_kind == P_EDGE && g.edge_k < g.size) {
		unexpected(t, "%s: %s succeeded though only %zu of its %u bytes are mapped",
			   what, class_names[g.cls], g.edge_k, g.size);
		return;
	}
	if (!readable && g.ptr_kind != P_RO) {
		unexpected(t, "%s: %s succeeded with the argument at a %s address %p",
			   what, class_names[g.cls], ptr_names[g.ptr_kind], argp);
		return;
	}
	if (g.ptr_kind == P_RO && cmds[g.cls].writes && ret == 0) {
		unexpected(t, "%s: %s succeeded with its argument in read-only memory",
			   what, class_names[g.cls]);
		return;
	}
	if (g.cls == C_MEM_OPEN) {
		int mfd = ret > 0 ? (int)ret : -1;

		if (mfd < 0 && readable) {
			struct procsnap_mem_open_arg mo;

			memcpy(&mo, argp, sizeof(mo));
			mfd = mo.fd;
		}
		use_mem_fd(t, mfd, g.u.mo.clone_pid, what);
		return;
	}
	if (readable)
		check_result(t, &g, argp);
}

/* --- the real-operation threads ------------------------------------------------- */

static int simple(struct thread *t, int fd, int cls, void *arg,
		  const char *what)
{
	int err;
	long ret = do_ioctl(t, fd, cmds[cls].cmd, arg, &err);

	check_errno(t, cls, ret, err, what);
	return ret < 0 ? err : 0;
}

static void real_snapshot_ops(struct thread *t, int fd, pid_t clone)
{
	static struct procsnap_thread_info tinfo[MAX_THREADS][80];
	struct procsnap_thread_info *ti = tinfo[t->idx];

	t->st.clones_seen++;
	ring_put(clone_ring, &clone_pos, RING, clone);
	if (chance(t, 70)) {
		struct procsnap_threads_arg a = {
			.size = sizeof(a), .clone_pid = clone,
			.entry_size = sizeof(ti[0]), .entries = (uintptr_t)ti,
			.nr_entries = 80,
		};

		t->st.threads++;
		if (!simple(t, fd, C_THREADS, &a, "real THREADS")) {
			if (a.nr_entries > 80 || a.nr_entries > a.total)
				unexpected(t, "THREADS %d: %u of %u in room 80",
					   clone, a.nr_entries, a.total);
			for (uint32_t i = 0; i < a.nr_entries && i < 80; i++)
				if (ti[i].tid > 0)
					ring_put(snap_tid_ring, &snap_tid_pos,
						 RING, ti[i].tid);
			if (a.nr_entries && ti[0].tid > 0 && chance(t, 70)) {
				struct procsnap_xstate_arg x = {
					.size = sizeof(x), .clone_pid = clone,
					.tid = ti[below(t, a.nr_entries)].tid,
					.buf = (uintptr_t)t->entries,
					.buf_size = (uint32_t)ARENA_ENTRIES,
				};

				t->st.xstates++;
				if (!simple(t, fd, C_XSTATE, &x, "real XSTATE") &&
				    !x.buf_size)
					unexpected(t, "XSTATE %d/%d: 0 bytes",
						   clone, x.tid);
			}
		}
	}
	if (chance(t, 40)) {
		struct procsnap_files_arg a = {
			.size = sizeof(a), .clone_pid = clone,
			.entry_size = sizeof(struct procsnap_file_info) + 8,
			.entries = (uintptr_t)t->entries, .nr_entries = 256,
		};

		t->st.files++;
		memset(t->entries, 0xa5, 256 * a.entry_size);
		if (!simple(t, fd, C_FILES, &a, "real FILES")) {
			if (a.nr_entries > 256 || a.nr_entries > a.total)
				unexpected(t, "FILES %d: %u of %u in room 256",
					   clone, a.nr_entries, a.total);
			else
				check_entries(t, C_FILES, t->entries,
					      a.entry_size, a.nr_entries, a.total);
		}
	}
	if (chance(t, 40)) {
		struct procsnap_mem_open_arg m = { .size = sizeof(m),
						   .clone_pid = clone };
		int err;
		long ret = do_ioctl(t, fd, PROCSNAP_IOC_MEM_OPEN, &m, &err);

		if (check_errno(t, C_MEM_OPEN, ret, err, "real MEM_OPEN")) {
			if (ret < 0 && err == ENOTTY)
				__atomic_store_n(&mem_open_enotty, 1,
						 __ATOMIC_RELAXED);
			if (ret >= 0) {
				use_mem_fd(t, ret > 0 ? (int)ret : m.fd, clone,
					   "real MEM_OPEN");
			}
		}
	}
	if (chance(t, 30))
		check_list_alive(t, fd);
	if (chance(t, 55)) {
		struct procsnap_delete_arg d = { .size = sizeof(d),
						 .clone_pid = clone };

		t->st.deletes++;
		if (!simple(t, fd, C_DELETE, &d, "real DELETE") &&
		    d.deleted != 1)
			unexpected(t, "DELETE %d: deleted %u", clone, d.deleted);
	}
}

/* Keep the number of snapshots bounded: delete the oldest when too many. */
static void trim(struct thread *t, int fd)
{
	static struct procsnap_snapshot_info info[MAX_THREADS][8];
	struct procsnap_list_arg l = {
		.size = sizeof(l), .entries = (uintptr_t)info[t->idx],
		.entry_size = sizeof(info[0][0]), .nr_entries = 8,
	};

	t->st.lists++;
	if (simple(t, fd, C_LIST, &l, "real LIST"))
		return;
	if (l.nr_entries > 8 || l.nr_entries > l.total) {
		unexpected(t, "LIST: %u of %u in room 8", l.nr_entries, l.total);
		return;
	}
	for (uint32_t i = 0; i < l.nr_entries; i++)
		if (info[t->idx][i].clone_pid <= 0)
			unexpected(t, "LIST entry with clone pid %d",
				   info[t->idx][i].clone_pid);
	if (l.total <= 12)
		return;
	for (uint32_t i = 0; i < l.nr_entries && i < 4; i++) {
		struct procsnap_delete_arg d = {
			.size = sizeof(d), .clone_pid = info[t->idx][i].clone_pid,
		};

		t->st.deletes++;
		simple(t, fd, C_DELETE, &d, "trim DELETE");
	}
}

static void real_one(struct thread *t)
{
	struct procsnap_target_arg r = { .size = sizeof(r) };
	struct procsnap_state_arg s;
	int fd = chance(t, 50) && t->fd >= 0 ? t->fd : g_shared_fd;
	pid_t pid = chance(t, 85) ? target_pid(t) :
		chance(t, 50) && other_user > 0 ? other_user : pick_pid(t);
	int err, i;

	r.pid = pid;
	r.flags = (uint32_t)rnd(t) & PROCSNAP_REQUEST_FLAGS;
	t->st.requests++;
	err = simple(t, fd, C_REQUEST, &r, "real REQUEST");
	if (!err) {
		t->st.req_ok++;
		/* An unprivileged requester must not reach root's processes. */
		if (getuid() && uid_of(pid) == 0)
			unexpected(t, "REQUEST by uid %d of pid %d (root's) succeeded",
				   getuid(), pid);
	}
	if (err && err != EBUSY)
		goto out;

	switch (below(t, 10)) {
	case 0:		/* cancel it at once */
		t->st.cancels++;
		simple(t, fd, C_CANCEL, &r, "real CANCEL");
		goto out;
	case 1:		/* poll STATE, then wait */
		for (i = 0; i < 20; i++) {
			memset(&s, 0, sizeof(s));
			s.size = sizeof(s);
			s.pid = pid;
			if (simple(t, fd, C_STATE, &s, "real STATE"))
				break;
			if (s.state >= PROCSNAP_STATE_DONE)
				break;
			usleep(1000);
		}
		break;
	default:
		break;
	}
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.pid = pid;
	switch (below(t, 6)) {
	case 0: s.timeout_ns = 1; break;
	case 1: s.timeout_ns = 1000 * (1 + below(t, 1000)); break;
	case 2: s.timeout_ns = 0; t->st.wait0++; break;	/* watchdog */
	default: s.timeout_ns = 2000000000ULL; break;
	}
	t->st.waits++;
	err = simple(t, fd, C_WAIT, &s, "real WAIT");
	if (err == ETIMEDOUT)
		t->st.timeouts++;
	if (err == EINTR) {
		t->st.eintr++;
		/* the request stays in flight: take it back */
		t->st.cancels++;
		simple(t, fd, C_CANCEL, &r, "real CANCEL after EINTR");
	}
	if (err)
		goto out;
	if (s.state == PROCSNAP_STATE_DONE && s.clone_pid > 0) {
		t->st.done++;
		real_snapshot_ops(t, fd, s.clone_pid);
	} else if (s.state == PROCSNAP_STATE_FAILED) {
		t->st.failed++;
		if (s.error > 0 && s.error < NERR)
			t->st.fail_err[s.error]++;
	} else {
		unexpected(t, "WAIT of %d: state %u clone %d error %d", pid,
			   s.state, s.clone_pid, s.error);
	}
out:
	if (chance(t, 20))
		trim(t, fd);
	if (chance(t, 1)) {
		struct procsnap_delete_arg d = { .size = sizeof(d),
						 .flags = PROCSNAP_DELETE_ALL };

		t->st.deletes++;
		simple(t, fd, C_DELETE, &d, "real DELETE_ALL");
	}
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;

	t->tid = gettid();
	t->fd = open(PROCSNAP_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		if (t->real)
			real_one(t);
		else
			fuzz_one(t);
	}
	if (t->fd >= 0)
		close(t->fd);
	return NULL;
}

/* --- watchdog, reopener, pid churn -------------------------------------------- */

/* Also from the alarm's handler: no locks, straight to fd 1. */
static void hang_report(void)
{
	uint64_t now = now_ns();

	for (int i = 0; i < nthreads; i++) {
		uint64_t s = __atomic_load_n(&threads[i].op_start,
					     __ATOMIC_ACQUIRE);
		char line[160];
		int n;

		if (!s)
			continue;
		n = snprintf(line, sizeof(line),
			     "  [%s t%d] in ioctl %#lx (%s) for %llu ms\n", who,
			     i, threads[i].op_cmd,
			     class_names[classify(threads[i].op_cmd)],
			     (unsigned long long)((now - s) / 1000000));
		if (n > 0 && write(1, line, (size_t)n) < 0)
			return;
	}
}

static void *watchdog(void *arg)
{
	int reported = 0;

	(void)arg;
	for (;;) {
		uint64_t now = now_ns(), stuck = 0;
		int busy = 0;

		for (int i = 0; i < nthreads; i++) {
			struct thread *t = &threads[i];
			uint64_t s = __atomic_load_n(&t->op_start,
						     __ATOMIC_ACQUIRE);

			/* s > now: the ioctl started after we read the clock */
			if (!s || s > now)
				continue;
			busy++;
			/* A blocked WAIT (timeout 0, or huge) gets a signal. */
			if (now - s > 1500000000ULL &&
			    now - t->last_kick > 1000000000ULL) {
				t->last_kick = now;
				pthread_kill(t->th, SIGUSR1);
			}
			if (now - s > stuck)
				stuck = now - s;
		}
		if (stuck > 30000000000ULL && !reported) {
			reported = 1;
			say("UNEXPECTED: [%s seed=%llu] an ioctl has been blocked for %.0f s\n",
			    who, (unsigned long long)g_seed, (double)stuck / 1e9);
			hang_report();
			__atomic_add_fetch(&threads[0].st.unexpected, 1,
					   __ATOMIC_RELAXED);
		}
		if (__atomic_load_n(&stop, __ATOMIC_RELAXED) && !busy)
			break;
		usleep(100000);
	}
	return NULL;
}

static void *reopener(void *arg)
{
	struct thread *t = arg;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		usleep(50000 + below(t, 350000));
		int fd = open(PROCSNAP_DEVICE_PATH, O_RDWR | O_CLOEXEC);

		if (fd < 0)
			continue;
		/*
		 * Atomic: the old file is released once the ioctls in flight
		 * on it return (with its OWNED requests and snapshots), and
		 * the number never names anything else meanwhile.
		 */
		dup2(fd, g_shared_fd);
		close(fd);
		t->st.reopens++;
		if (chance(t, 30))
			refresh_tids();
		if (chance(t, 20))
			add_recycled();
	}
	return NULL;
}

static void on_alarm(int sig)
{
	static const char msg[] = "FAIL: ioctlfuzz: overall alarm: the run hangs\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	hang_report();
	_exit(3);
}

/* --- processes: another user's, zombies, unprivileged fuzzers ----------------------- */

static int drop_to_nobody(void)
{
	return setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	       setresuid(NOBODY, NOBODY, NOBODY);
}

static pid_t start_other_user(void)
{
	pid_t p = fork();

	if (p == 0) {
		const struct timespec ms = { 0, 2000000 };
		volatile unsigned long spin = 0;

		if (drop_to_nobody())
			_exit(1);
		for (;;) {
			for (int i = 0; i < 100000; i++)
				spin++;
			nanosleep(&ms, NULL);
		}
	}
	return p;
}

static void summary(const struct stats *s, double secs)
{
	char line[4096];
	int n;

	n = snprintf(line, sizeof(line),
		     "summary: [%s] ioctls=%llu seconds=%.1f ioctls_per_s=%.0f ok=%llu",
		     who, (unsigned long long)s->n, secs,
		     secs > 0 ? (double)s->n / secs : 0.0,
		     (unsigned long long)s->ok);
	for (int e = 1; e < NERR && n < (int)sizeof(line) - 64; e++)
		if (s->err[e])
			n += snprintf(line + n, sizeof(line) - (size_t)n,
				      " %s=%llu", ename(e),
				      (unsigned long long)s->err[e]);
	snprintf(line + n, sizeof(line) - (size_t)n,
		 " unexpected=%llu", (unsigned long long)s->unexpected);
	say("%s\n", line);
	n = snprintf(line, sizeof(line), "classes: [%s]", who);
	for (int c = 0; c < NR_CLASS; c++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %s=%llu",
			      class_names[c], (unsigned long long)s->per_class[c]);
	say("%s\n", line);
	n = snprintf(line, sizeof(line),
		     "real: [%s] requests=%llu accepted=%llu done=%llu failed=%llu",
		     who, (unsigned long long)s->requests,
		     (unsigned long long)s->req_ok, (unsigned long long)s->done,
		     (unsigned long long)s->failed);
	for (int e = 1; e < NERR; e++)
		if (s->fail_err[e])
			n += snprintf(line + n, sizeof(line) - (size_t)n,
				      " failed:%s=%llu", ename(e),
				      (unsigned long long)s->fail_err[e]);
	snprintf(line + n, sizeof(line) - (size_t)n,
		 " waits=%llu wait0=%llu timeouts=%llu eintr=%llu cancels=%llu deletes=%llu lists=%llu threads=%llu files=%llu xstates=%llu memfds=%llu preads=%llu reopens=%llu ro_args=%llu",
		 (unsigned long long)s->waits, (unsigned long long)s->wait0,
		 (unsigned long long)s->timeouts, (unsigned long long)s->eintr,
		 (unsigned long long)s->cancels, (unsigned long long)s->deletes,
		 (unsigned long long)s->lists, (unsigned long long)s->threads,
		 (unsigned long long)s->files, (unsigned long long)s->xstates,
		 (unsigned long long)s->memfds, (unsigned long long)s->preads,
		 (unsigned long long)s->reopens, (unsigned long long)s->ro_args);
	say("%s\n", line);
}

/* Our own fds that are not the device: MEM_OPEN files we never got to close. */
static int leaked_fds(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		char path[300], link[256];
		ssize_t len;

		if (d->d_name[0] == '.' || atoi(d->d_name) == dirfd(dir))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", d->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		if (strcmp(link, PROCSNAP_DEVICE_PATH) &&
		    (strstr(link, "procsnap") || strstr(link, "anon_inode") ||
		     strstr(link, "/mem"))) {
			say("UNEXPECTED: [%s seed=%llu] fd %s left open: %s\n",
			    who, (unsigned long long)g_seed, d->d_name, link);
			n++;
		}
	}
	closedir(dir);
	return n;
}

/* Run the threads; returns the merged stats. */
static void run(int nfuzz, int nreal, struct stats *tot, double *secs)
{
	struct thread reop = { .idx = -1 };
	pthread_t wd, rt;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART: WAIT returns EINTR */
	sigaction(SIGUSR1, &sa, NULL);

	nthreads = nfuzz + nreal;
	for (int i = 0; i < nthreads; i++) {
		struct thread *t = &threads[i];

		t->idx = i;
		t->real = i >= nfuzz;
		t->rng = splitmix64(g_seed + (uint64_t)i);
		t->fd = -1;
		setup_memory(t);
	}
	reop.rng = splitmix64(g_seed + 1000);
	t_start = now_ns();
	for (int i = 0; i < nthreads; i++)
		if ((errno = pthread_create(&threads[i].th, NULL, thread_main,
					    &threads[i]))) {
			perror("ioctlfuzz: pthread_create");
			exit(2);
		}
	pthread_create(&wd, NULL, watchdog, NULL);
	pthread_create(&rt, NULL, reopener, &reop);

	for (uint64_t next = t_start + 5000000000ULL;
	     __atomic_load_n(&g_count, __ATOMIC_RELAXED) < g_budget &&
	     (double)(now_ns() - t_start) / 1e9 < g_duration;) {
		usleep(20000);
		if (now_ns() >= next) {
			/* Live, also on the console: a wedged run still shows it. */
			uint64_t c = __atomic_load_n(&g_count, __ATOMIC_RELAXED);
			double el = (double)(now_ns() - t_start) / 1e9;
			char line[200];
			int fd, n;

			n = snprintf(line, sizeof(line),
				     "<2>ioctlfuzz: [%s] progress: ioctls=%llu seconds=%.0f ioctls_per_s=%.0f seed=%llu\n",
				     who, (unsigned long long)c, el, (double)c / el,
				     (unsigned long long)g_seed);
			say("%s", line + 3);
			fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
			if (fd >= 0) {
				if (write(fd, line, (size_t)n) < 0)
					n = 0;
				close(fd);
			}
			next += 5000000000ULL;
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i].th, NULL);
	*secs = (double)(now_ns() - t_start) / 1e9;
	pthread_join(rt, NULL);
	pthread_join(wd, NULL);

	memset(tot, 0, sizeof(*tot));
	for (int i = 0; i < nthreads; i++) {
		const uint64_t *a = (const uint64_t *)&threads[i].st;
		uint64_t *b = (uint64_t *)tot;

		for (size_t k = 0; k < sizeof(*tot) / sizeof(uint64_t); k++)
			b[k] += a[k];
	}
	tot->reopens += reop.st.reopens;
}

/*
 * Take back what the fuzzing left pending: requests on processes that may
 * stay blocked (pid 1, the shell waiting for us) would keep the module's
 * counters up.  CANCEL, then STATE (which collects a finished result), on
 * every process; root's run reaches them all.
 */
static void cancel_everything(struct stats *tot)
{
	struct dirent *d;
	DIR *dir = opendir("/proc");
	uint64_t n = 0, cancelled = 0;

	if (!dir)
		return;
	while ((d = readdir(dir))) {
		struct procsnap_target_arg c = { .size = sizeof(c) };
		struct procsnap_state_arg s = { .size = sizeof(s) };
		int err;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		c.pid = s.pid = atoi(d->d_name);
		n += 2;
		if (ioctl(g_shared_fd, PROCSNAP_IOC_CANCEL, &c) == 0)
			cancelled++;
		else if ((err = errno) && !allowed(e_cancel, err))
			tot->unexpected++, say("UNEXPECTED: [%s seed=%llu] final CANCEL %d: %s\n",
					       who, (unsigned long long)g_seed, c.pid, ename(err));
		if (ioctl(g_shared_fd, PROCSNAP_IOC_STATE, &s) &&
		    (err = errno) && !allowed(e_state, err))
			tot->unexpected++, say("UNEXPECTED: [%s seed=%llu] final STATE %d: %s\n",
					       who, (unsigned long long)g_seed, s.pid, ename(err));
	}
	closedir(dir);
	tot->n += n;
	say("at end: [%s] %llu requests still pending cancelled\n", who,
	    (unsigned long long)cancelled);
}

/*
 * An entry whose clone is not one: a lingering entry, unless it was
 * deleted between our LIST and our look at /proc.  The unprivileged
 * children finish while root still fuzzes, and root may delete or kill
 * their snapshots; the module unlists a clone before it exits, so an
 * honest entry is gone from a LIST taken after we found the process gone.
 */
static int still_listed_gone(pid_t clone)
{
	static struct procsnap_snapshot_info again[256];

	for (int tries = 0; tries < 20; tries++) {
		struct procsnap_list_arg l = {
			.size = sizeof(l), .entries = (uintptr_t)again,
			.entry_size = sizeof(again[0]), .nr_entries = 256,
		};
		int listed = 0;

		if (ioctl(g_shared_fd, PROCSNAP_IOC_LIST, &l))
			return 1;
		for (uint32_t i = 0; i < l.nr_entries && i < 256; i++)
			if (again[i].clone_pid == clone)
				listed = 1;
		if (!listed || is_clone(clone))
			return 0;
		usleep(100 * 1000);
	}
	return 1;
}

/*
 * The strict checks at the end.  Root's run is quiescent here; the
 * unprivileged children's may still see root delete (still_listed_gone).
 */
static void final_checks(struct stats *tot)
{
	static struct procsnap_snapshot_info info[256];
	struct procsnap_list_arg l = {
		.size = sizeof(l), .entries = (uintptr_t)info,
		.entry_size = sizeof(info[0]), .nr_entries = 256,
	};
	struct procsnap_version v = { .size = sizeof(v) };

	struct procsnap_mem_open_arg m = { .size = sizeof(m) };

	if (ioctl(g_shared_fd, PROCSNAP_IOC_VERSION, &v) == 0) {
		if (v.abi_version != PROCSNAP_ABI_VERSION) {
			say("UNEXPECTED: [%s seed=%llu] VERSION abi_version %u\n",
			    who, (unsigned long long)g_seed, v.abi_version);
			tot->unexpected++;
		}
		mem_fd_feature = !!(v.features & PROCSNAP_FEAT_MEM_FD);
	}
	/* clone 0 is never a snapshot: ENOENT, or ENOTTY without MEM_OPEN */
	if (ioctl(g_shared_fd, PROCSNAP_IOC_MEM_OPEN, &m) < 0 && errno == ENOTTY)
		mem_open_enotty = 1;
	if (ioctl(g_shared_fd, PROCSNAP_IOC_LIST, &l) == 0) {
		for (uint32_t i = 0; i < l.nr_entries && i < 256; i++)
			if (!is_clone(info[i].clone_pid) &&
			    still_listed_gone(info[i].clone_pid)) {
				say("UNEXPECTED: [%s seed=%llu] LIST entry %u: clone %d (target %d) is not a procsnap clone%s\n",
				    who, (unsigned long long)g_seed, i,
				    info[i].clone_pid, info[i].target_pid,
				    exists(info[i].clone_pid) ? "" :
				    " (no such process)");
				tot->unexpected++;
			}
		say("at end: [%s] LIST total %u\n", who, l.total);
	}
	if (mem_fd_feature == 1 && mem_open_enotty &&
	    !feature_mismatch_reported) {
		feature_mismatch_reported = 1;
		say("UNEXPECTED: [%s seed=%llu] VERSION announces PROCSNAP_FEAT_MEM_FD but MEM_OPEN is ENOTTY\n",
		    who, (unsigned long long)g_seed);
		tot->unexpected++;
	}
	tot->unexpected += (uint64_t)leaked_fds();
}

struct child_report { uint64_t n, unexpected; };

/*
 * An unprivileged fuzzer: uid 65534 with a device fd opened as root before
 * the drop (@open_first), or opening the device itself afterwards.
 */
static pid_t start_unpriv(int open_first, int nfuzz, int nreal, int *rfd)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid) {
		close(p[1]);
		*rfd = p[0];
		return pid;
	}
	close(p[0]);
	struct child_report rep = { 0, 0 };
	struct stats tot;
	double secs;
	int fd = -1, fd2;

	who = open_first ? "uid65534-root-fd" : "uid65534-own-open";
	g_seed = g_seed + (open_first ? 7000 : 9000);
	close(g_shared_fd);	/* the parent's */
	signal(SIGALRM, on_alarm);
	alarm((unsigned int)g_duration + 60);
	if (open_first)
		fd = open(PROCSNAP_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (drop_to_nobody()) {
		say("%s: cannot drop privileges\n", who);
		_exit(2);
	}
	fd2 = open(PROCSNAP_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd2 < 0)
		say("%s: open %s as uid %d: %s\n", who, PROCSNAP_DEVICE_PATH,
		    NOBODY, ename(errno));
	if (open_first) {
		if (fd2 >= 0)
			close(fd2);
	} else {
		fd = fd2;
	}
	if (fd < 0) {
		say("summary: [%s] ioctls=0 (no device fd)\n", who);
		if (write(p[1], &rep, sizeof(rep)) < 0)
			_exit(2);
		_exit(0);
	}
	/* Our threads' private fds need an open: with 0600 they have none. */
	if (dup2(fd, 200) == 200) {
		close(fd);
		fd = 200;
	}
	g_shared_fd = fd;
	run(nfuzz, nreal, &tot, &secs);
	final_checks(&tot);
	summary(&tot, secs);
	rep.n = tot.n;
	rep.unexpected = tot.unexpected;
	if (write(p[1], &rep, sizeof(rep)) < 0)
		_exit(2);
	_exit(tot.unexpected ? 1 : 0);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ioctlfuzz [--seed N] [--ioctls N] [--threads N] [--real N]\n"
		"                 [--duration S] [--target PID]... [--unpriv 0|1]\n"
		"                 [--verbose]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int nfuzz = 4, nreal = 2, unpriv = geteuid() == 0;
	int rfd[2] = { -1, -1 };
	const char *env = getenv("FUZZ_SEED");
	struct stats tot;
	uint64_t all_n, all_unexpected;
	double secs;
	int seeded = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--verbose")) {
			verbose = 1;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--seed"))
			g_seed = strtoull(v, NULL, 0), seeded = 1;
		else if (!strcmp(a, "--ioctls"))
			g_budget = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--threads"))
			nfuzz = atoi(v);
		else if (!strcmp(a, "--real"))
			nreal = atoi(v);
		else if (!strcmp(a, "--duration"))
			g_duration = atof(v);
		else if (!strcmp(a, "--unpriv"))
			unpriv = atoi(v);
		else if (!strcmp(a, "--target") && ntargets < 16)
			targets[ntargets++] = atoi(v);
		else
			usage();
	}
	if (nfuzz < 0 || nreal < 0 || nfuzz + nreal < 1 ||
	    nfuzz + nreal > MAX_THREADS || g_duration <= 0)
		usage();
	if (!seeded)
		g_seed = env && *env ? strtoull(env, NULL, 0) :
			(uint64_t)time(NULL);
	printf("seed=%llu\n", (unsigned long long)g_seed);

	g_shared_fd = open(PROCSNAP_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (g_shared_fd < 0) {
		printf("ioctlfuzz: open %s: %s\n", PROCSNAP_DEVICE_PATH,
		       ename(errno));
		return 2;
	}
	/* A fixed, high number: dup2 onto it never races with an open(). */
	if (dup2(g_shared_fd, 200) == 200) {
		close(g_shared_fd);
		g_shared_fd = 200;
	}
	unmapped = map(PAGE * 512, PROT_NONE);
	find_kthreads();
	for (int i = 0; i < ntargets; i++)
		target_uid[i] = uid_of(targets[i]);
	refresh_tids();
	for (int i = 0; i < 4; i++)
		add_recycled();
	/* Zombies: children that exited and that nobody reaps until the end. */
	for (int i = 0; i < 4; i++) {
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		if (p > 0)
			zombies[nzombies++] = p;
	}
	if (geteuid() == 0)
		other_user = start_other_user();
	if (unpriv) {
		/* each takes an eighth of the budget */
		uint64_t budget = g_budget;

		g_budget = budget / 8 ? budget / 8 : 1;
		children[0] = start_unpriv(1, 2, 1, &rfd[0]);
		children[1] = start_unpriv(0, 2, 1, &rfd[1]);
		g_budget = budget - 2 * (budget / 8);
	}
	signal(SIGALRM, on_alarm);
	alarm((unsigned int)g_duration + 60);
	say("ioctlfuzz: %d fuzzing + %d real threads, %d targets, budget %llu ioctls, %.0f s, other user %d, zombies %d, unprivileged children %d %d\n",
	    nfuzz, nreal, ntargets, (unsigned long long)g_budget, g_duration,
	    other_user, nzombies, children[0], children[1]);

	run(nfuzz, nreal, &tot, &secs);
	final_checks(&tot);
	summary(&tot, secs);
	all_n = tot.n;
	all_unexpected = tot.unexpected;
	for (int i = 0; i < 2; i++) {
		struct child_report rep = { 0, 0 };
		int status = 0;

		if (children[i] <= 0)
			continue;
		if (read(rfd[i], &rep, sizeof(rep)) != sizeof(rep))
			rep.unexpected = 1;
		waitpid(children[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
			say("UNEXPECTED: unprivileged child %d ended with status %#x\n",
			    children[i], status);
			all_unexpected++;
		}
		all_n += rep.n;
		all_unexpected += rep.unexpected;
	}
	if (other_user > 0) {
		kill(other_user, SIGKILL);
		waitpid(other_user, NULL, 0);
	}
	for (int i = 0; i < nzombies; i++)
		waitpid(zombies[i], NULL, 0);
	memset(&tot, 0, sizeof(tot));
	cancel_everything(&tot);
	all_n += tot.n;
	all_unexpected += tot.unexpected;
	secs = (double)(now_ns() - t_start) / 1e9;
	say("total: ioctls=%llu seconds=%.1f ioctls_per_s=%.0f unexpected=%llu seed=%llu\n",
	    (unsigned long long)all_n, secs, secs > 0 ? (double)all_n / secs : 0.0,
	    (unsigned long long)all_unexpected, (unsigned long long)g_seed);
	return all_unexpected ? 1 : 0;
}
