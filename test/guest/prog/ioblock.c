// SPDX-License-Identifier: GPL-2.0
/*
 * ioblock: a target with I/O in flight into its memory, for 49-instant:
 * what a thread blocked in the kernel writes after the snapshot's instant
 * lands in the target only.
 *
 * usage: ioblock --mode pipe|uring|uring-async|aio --info FILE
 *                [--size BYTES] [--seed P]
 *
 * A reader thread reads --size bytes (default 4096, one atomic pipe write)
 * from a pipe into buffer B, which holds pattern(P) beforehand:
 *	pipe		read(2), blocked
 *	uring		io_uring IORING_OP_READ (raw io_uring_setup/enter),
 *			the reader blocked in io_uring_enter(GETEVENTS); the
 *			read is armed on the pipe's poll and completed by
 *			task work in the reader's context
 *	uring-async	the same with IOSQE_ASYNC: an io-wq worker (a kernel
 *			thread of the target, "iou-wrk-TID") blocks in the
 *			pipe's read and copies into B itself
 *	aio		Linux AIO IOCB_CMD_PREAD (raw io_setup/io_submit):
 *			submitted flags whether io_submit returned before the
 *			data came (a pipe has no async read: it blocks there)
 * The main thread bumps a heartbeat every 1 ms (it runs the copy).  The info
 * file, written once the reader (or the io-wq worker) sleeps, gives pid,
 * buf, size, done (a u64 set to 1 when the read completed), result (its
 * byte count or -errno), submitted, wfd (the pipe's write end, to write
 * through /proc/PID/fd/WFD), reader (tid), reader_syscall (what the
 * sleeping reader is in, from /proc/self/task/TID/syscall), cq_tail (uring:
 * the address of the CQ ring's tail, in a MAP_SHARED ring), workers (io-wq
 * threads seen) and hb.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { M_PIPE, M_URING, M_URING_ASYNC, M_AIO };

static int mode, pfd[2];
static size_t size = 4096;
static uint64_t seed = 0x1111;
static unsigned char *buf;
static volatile uint64_t done, submitted, heartbeat, started;
static volatile int64_t result;
static volatile pid_t reader_tid;
static volatile uint32_t *cq_tail;

static uint64_t pattern(uint64_t s, uint64_t i)
{
	uint64_t z = s * 0x9E3779B97F4A7C15ULL + i + 1;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void die(const char *what)
{
	fprintf(stderr, "ioblock: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void read_uring(void)
{
	struct io_uring_params p;
	int fd;

	memset(&p, 0, sizeof(p));
	fd = (int)syscall(SYS_io_uring_setup, 4, &p);
	if (fd < 0)
		die("io_uring_setup");
	size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
	size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	unsigned char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	unsigned char *cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
	struct io_uring_sqe *sqes = mmap(NULL, p.sq_entries * sizeof(*sqes),
					 PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_POPULATE, fd,
					 IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		die("mmap io_uring");
	cq_tail = (uint32_t *)(cq + p.cq_off.tail);

	uint32_t *sq_tail = (uint32_t *)(sq + p.sq_off.tail);
	uint32_t *sq_array = (uint32_t *)(sq + p.sq_off.array);
	uint32_t mask = *(uint32_t *)(sq + p.sq_off.ring_mask);
	uint32_t t = *sq_tail;
	struct io_uring_sqe *e = &sqes[t & mask];

	memset(e, 0, sizeof(*e));
	e->opcode = IORING_OP_READ;
	e->fd = pfd[0];
	e->addr = (uint64_t)(uintptr_t)buf;
	e->len = (uint32_t)size;
	e->off = (uint64_t)-1;	/* a pipe: the current position */
	if (mode == M_URING_ASYNC)
		e->flags = IOSQE_ASYNC;
	sq_array[t & mask] = t & mask;
	__atomic_store_n(sq_tail, t + 1, __ATOMIC_RELEASE);
	started = 1;
	for (;;) {
		long r = syscall(SYS_io_uring_enter, fd, submitted ? 0 : 1, 1,
				 IORING_ENTER_GETEVENTS, NULL, 0);
		if (r >= 0)
			submitted = 1;
		uint32_t head = *(uint32_t *)(cq + p.cq_off.head);

		if (__atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) != head) {
			struct io_uring_cqe *c = (struct io_uring_cqe *)
				(cq + p.cq_off.cqes) +
				(head & *(uint32_t *)(cq + p.cq_off.ring_mask));
			result = c->res;
			__atomic_store_n((uint32_t *)(cq + p.cq_off.head),
					 head + 1, __ATOMIC_RELEASE);
			return;
		}
		if (r < 0 && errno != EINTR)
			die("io_uring_enter");
	}
}

static void read_aio(void)
{
	aio_context_t ctx = 0;
	struct iocb cb, *cbs[1] = { &cb };
	struct io_event ev;

	if (syscall(SYS_io_setup, 4, &ctx))
		die("io_setup");
	memset(&cb, 0, sizeof(cb));
	cb.aio_lio_opcode = IOCB_CMD_PREAD;
	cb.aio_fildes = (uint32_t)pfd[0];
	cb.aio_buf = (uint64_t)(uintptr_t)buf;
	cb.aio_nbytes = size;
	cb.aio_offset = 0;
	started = 1;
	long r = syscall(SYS_io_submit, ctx, 1, cbs);
	if (r != 1) {
		result = -errno;
		return;
	}
	submitted = 1;
	while (syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) != 1)
		if (errno != EINTR)
			die("io_getevents");
	result = ev.res;
}

static void *reader(void *unused)
{
	sigset_t all;

	(void)unused;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	reader_tid = gettid();
	switch (mode) {
	case M_PIPE:
		started = 1;
		result = read(pfd[0], buf, size);
		if (result < 0)
			result = -errno;
		break;
	case M_URING:
	case M_URING_ASYNC:
		read_uring();
		break;
	default:
		read_aio();
	}
	__atomic_store_n(&done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Field @n (0-based) of /proc/self/task/TID/FILE, or "" */
static void task_file(pid_t tid, const char *file, char *out, size_t len)
{
	char path[96];
	int fd;
	ssize_t r;

	out[0] = 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/%s", tid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	r = read(fd, out, len - 1);
	close(fd);
	out[r > 0 ? r : 0] = 0;
	out[strcspn(out, "\n")] = 0;
}

static char task_state(pid_t tid)
{
	char st[512], *p;

	task_file(tid, "stat", st, sizeof(st));
	p = strrchr(st, ')');
	return p && p[1] ? p[2] : 0;
}

/* Sleeping io-wq workers ("iou-wrk-*") of this process. */
static int sleeping_workers(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		char comm[64];
		pid_t t = atoi(e->d_name);

		if (t <= 0)
			continue;
		task_file(t, "comm", comm, sizeof(comm));
		if (!strncmp(comm, "iou-wrk-", 8) && task_state(t) == 'S')
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	const char *info = NULL, *m = "pipe";
	const struct timespec one_ms = { 0, 1000000 };
	pthread_t th;
	char sc[256];
	int workers = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--mode"))
			m = argv[i + 1];
		else if (!strcmp(argv[i], "--info"))
			info = argv[i + 1];
		else if (!strcmp(argv[i], "--size"))
			size = (size_t)atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
		else
			goto usage;
	}
	if (!strcmp(m, "pipe"))
		mode = M_PIPE;
	else if (!strcmp(m, "uring"))
		mode = M_URING;
	else if (!strcmp(m, "uring-async"))
		mode = M_URING_ASYNC;
	else if (!strcmp(m, "aio"))
		mode = M_AIO;
	else
		goto usage;
	if (!info || !size || size % 8)
		goto usage;
	if (pipe(pfd))
		die("pipe");
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	for (size_t i = 0; i < size / 8; i++)
		((uint64_t *)buf)[i] = pattern(seed, i);

	if ((errno = pthread_create(&th, NULL, reader, NULL)))
		die("pthread_create");
	/* Until the read is in flight: the reader, or its worker, asleep. */
	for (int t = 0;; t++) {
		if (started && reader_tid && task_state(reader_tid) == 'S' &&
		    (mode != M_URING_ASYNC || (workers = sleeping_workers())))
			break;
		if (done || t > 20000) {
			fprintf(stderr, "ioblock: the read did not block "
				"(done %d result %lld)\n", (int)done,
				(long long)result);
			return 3;
		}
		nanosleep(&one_ms, NULL);
	}
	task_file(reader_tid, "syscall", sc, sizeof(sc));
	sc[strcspn(sc, " ")] = 0;
	{
		char tmp[512];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", info);
		f = fopen(tmp, "w");
		if (!f)
			die(tmp);
		fprintf(f, "pid=%d\nmode=%s\nbuf=%#lx\nsize=%zu\nseed=%#llx\n"
			"done=%#lx\nresult=%#lx\nsubmitted=%#lx\nwfd=%d\n"
			"reader=%d\nreader_syscall=%s\ncq_tail=%#lx\n"
			"workers=%d\nhb=%#lx\n", getpid(), m,
			(unsigned long)buf, size, (unsigned long long)seed,
			(unsigned long)&done, (unsigned long)&result,
			(unsigned long)&submitted, pfd[1], reader_tid, sc,
			(unsigned long)cq_tail, workers,
			(unsigned long)&heartbeat);
		if (fclose(f) || rename(tmp, info))
			die(info);
	}
	for (;;) {
		heartbeat++;
		nanosleep(&one_ms, NULL);
	}
usage:
	fprintf(stderr, "usage: ioblock --mode pipe|uring|uring-async|aio "
		"--info FILE [--size BYTES] [--seed P]\n");
	return 1;
}
