// SPDX-License-Identifier: GPL-2.0
/*
 * snaptarget: a process to snapshot, built so that a snapshot's consistency
 * can be proved from its memory and registers alone.
 *
 * usage: snaptarget [--size BYTES] [--touch BYTES] [--threads N] [--mode MODE]
 *                   [--main MODE] [--info FILE] [--fifo PATH] [--chunk PAGES]
 *                   [--pgrp]
 *
 * --size	anonymous buffer the writer rewrites (default 4M; K/M/G
 *		suffixes)
 * --touch	only the first BYTES of the buffer are ever written (the
 *		model's pages); the rest of the mapping stays untouched, not
 *		resident (default: all of it).  The info file's size/pages
 *		are the written part, map_size the whole mapping.
 * --threads	threads in all, the main one included (default 1)
 * --mode	what the other threads run, each in a hand-written loop
 *		(snap_asm_loop below): busy (no system call), sleep
 *		(nanosleep 1 ms), read (read() of its own pipe: blocks), idle
 *		(pause(): blocks).  Default busy.
 * --main	what the main thread runs:
 *		write	rewrite the buffer in passes, without pause (default)
 *		sleep	nanosleep 1 ms, then write --chunk pages (default 64),
 *			like a cyclictest thread
 *		read	block in read() of the FIFO (--fifo) or its own pipe;
 *			each byte read runs one pass; byte 'q' exits
 *		epoll	the same, blocked in epoll_wait()
 *		idle	pause() forever
 *		asm-busy, asm-sleep, asm-read, asm-idle: the worker loop, as
 *			slot 0 (asm-read reads the FIFO or its own pipe)
 * --info	written (atomically: FILE.tmp renamed) once every thread runs
 *		and the buffer has been written once: key=value lines with
 *		the addresses a checker needs (see write_info())
 * --pgrp	put itself in its own process group first
 * --rt	the main thread runs at SCHED_FIFO PRIO once set up (a
 *		writer then keeps its CPU from every SCHED_NORMAL task there
 *		but for the real-time throttling's share)
 *
 * The buffer model (checked by `snapcheck consistent`): header {seq, pos};
 * pass S writes page i (pos = i first) with S-derived words, in page order;
 * after the last page pos = npages and then seq = S + 1.  At any instant:
 * pages before pos hold seq, pages after pos hold seq - 1, page pos either
 * (word by word, in write order); when pos == npages all pages hold seq or
 * all hold seq - 1.  Never-written pages are zero (seq 0).
 *
 * The register model (checked by `snapcheck threads`): in snap_asm_loop r13
 * holds &counters[0], r14 the slot, r15 the slot's count; each iteration
 * does "inc r15; mov r15 -> counters[r14]" and then its system call, so
 * counters[r14] == r15, except with rip on the store (== r15 - 1).
 *
 * snap_generation (a global, for debuggers: `print snap_generation` on a
 * core) counts the passes the writer completed; it is stored right after
 * hdr.seq, so it is seq - 1 (seq - 2 between the two stores).
 *
 * Signals: SIGCHLD and SIGUSR1 are counted (worker threads block every
 * signal, so only the main thread runs handlers); SIGUSR1 also writes a
 * status line on stdout.  An EINTR that no handler explains is counted as
 * stats.eintr (in the asm loops every EINTR is counted).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_SLOTS	64
#define PAGE		4096UL

/* Read by snapcheck through /proc/PID/mem: keep the layouts in step. */
struct snap_hdr {
	uint64_t seq;
	uint64_t pos;
};

struct snap_stats {
	uint64_t sigchld;
	uint64_t eintr;
	uint64_t usr1;
	uint64_t handled;	/* every handler invocation */
};

static volatile struct snap_hdr hdr = { .seq = 1, .pos = 0 };
/* Completed passes (see write_pages()). */
volatile uint64_t snap_generation;
static struct snap_stats stats;
static uint64_t counters[MAX_SLOTS] __attribute__((aligned(64)));
static volatile pid_t tids[MAX_SLOTS];
static char rbufs[MAX_SLOTS][64];
static int pipes[MAX_SLOTS][2];
static const struct timespec one_ms = { 0, 1000000 };

static unsigned char *buf;
static size_t npages;	/* pages the writer writes */
static size_t map_pages;	/* pages mapped (>= npages) */
static uint64_t wpage;	/* next page the writer writes */
static int fifo_fd = -1;

enum { M_BUSY, M_SLEEP, M_READ, M_IDLE };
static const char *const mode_names[] = { "busy", "sleep", "read", "idle" };

/*
 * snap_asm_loop(counters, slot, mode, arg, &eintr, readbuf): never returns.
 * arg: sleep: &timespec; read: fd.  Everything between snap_loop_start and
 * snap_loop_end is the loop; the snap_store_* labels are the stores and the
 * snap_sys_* ones the syscall instructions (2 bytes each).
 */
__asm__(
"	.text\n"
"	.globl snap_asm_loop\n"
"	.type snap_asm_loop, @function\n"
"snap_asm_loop:\n"
"	.cfi_startproc\n"		/* rsp never moves: CFA = rsp + 8 */
"	mov %rdi, %r13\n"
"	mov %rsi, %r14\n"
"	mov (%r13,%r14,8), %r15\n"
"	mov %rcx, %r12\n"
"	mov %r8, %rbx\n"
"	mov %r9, %rbp\n"
"	cmp $1, %rdx\n"
"	je snap_loop_sleep\n"
"	cmp $2, %rdx\n"
"	je snap_loop_read\n"
"	cmp $3, %rdx\n"
"	je snap_loop_idle\n"
"	.globl snap_loop_start\n"
"snap_loop_start:\n"
"snap_loop_busy:\n"
"	inc %r15\n"
"	.globl snap_store_busy\n"
"snap_store_busy:\n"
"	mov %r15, (%r13,%r14,8)\n"
"	jmp snap_loop_busy\n"
"snap_loop_sleep:\n"
"	inc %r15\n"
"	.globl snap_store_sleep\n"
"snap_store_sleep:\n"
"	mov %r15, (%r13,%r14,8)\n"
"	mov $35, %eax\n"		/* nanosleep(r12, NULL) */
"	mov %r12, %rdi\n"
"	xor %esi, %esi\n"
"	.globl snap_sys_sleep\n"
"snap_sys_sleep:\n"
"	syscall\n"
"	cmp $-4, %rax\n"
"	jne snap_loop_sleep\n"
"	lock incq (%rbx)\n"
"	jmp snap_loop_sleep\n"
"snap_loop_read:\n"
"	inc %r15\n"
"	.globl snap_store_read\n"
"snap_store_read:\n"
"	mov %r15, (%r13,%r14,8)\n"
"	xor %eax, %eax\n"		/* read(r12, rbp, 1) */
"	mov %r12, %rdi\n"
"	mov %rbp, %rsi\n"
"	mov $1, %edx\n"
"	.globl snap_sys_read\n"
"snap_sys_read:\n"
"	syscall\n"
"	cmp $-4, %rax\n"
"	jne snap_loop_read\n"
"	lock incq (%rbx)\n"
"	jmp snap_loop_read\n"
"snap_loop_idle:\n"
"	inc %r15\n"
"	.globl snap_store_idle\n"
"snap_store_idle:\n"
"	mov %r15, (%r13,%r14,8)\n"
"	mov $34, %eax\n"		/* pause() */
"	.globl snap_sys_idle\n"
"snap_sys_idle:\n"
"	syscall\n"
"	cmp $-4, %rax\n"
"	jne snap_loop_idle\n"
"	lock incq (%rbx)\n"
"	jmp snap_loop_idle\n"
"	.globl snap_loop_end\n"
"snap_loop_end:\n"
"	ud2\n"
"	.cfi_endproc\n"
"	.size snap_asm_loop, .-snap_asm_loop\n"
);

extern void snap_asm_loop(uint64_t *ctr, uint64_t slot, uint64_t mode,
			  uint64_t arg, uint64_t *eintr, void *rbuf)
	__attribute__((noreturn));
extern const char snap_loop_start[], snap_loop_end[];
extern const char snap_store_busy[], snap_store_sleep[], snap_store_read[],
	snap_store_idle[];
extern const char snap_sys_sleep[], snap_sys_read[], snap_sys_idle[];

static void die(const char *what)
{
	fprintf(stderr, "snaptarget: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* The expected word @w (0, 1, 256 or 511) of page @i in pass @s. */
static inline uint64_t pattern(uint64_t s, uint64_t i, unsigned int w)
{
	if (!s)
		return 0;
	switch (w) {
	case 0:
		return s;
	case 1:
		return s ^ (i * 0x9E3779B97F4A7C15ULL);
	case 256:
		return ~s ^ i;
	default:
		return s + (i << 20);
	}
}

/* Write @k pages of the current pass and beyond, keeping the model. */
static void write_pages(size_t k)
{
	while (k--) {
		volatile uint64_t *p = (volatile uint64_t *)(buf + wpage * PAGE);
		uint64_t s = hdr.seq;

		hdr.pos = wpage;
		p[0] = pattern(s, wpage, 0);
		p[1] = pattern(s, wpage, 1);
		p[256] = pattern(s, wpage, 256);
		p[511] = pattern(s, wpage, 511);
		if (++wpage == npages) {
			hdr.pos = npages;
			hdr.seq = s + 1;
			snap_generation = s;
			wpage = 0;
		}
	}
}

/* --- async-signal-safe status line ---------------------------------- */

static char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Entries of directory @path (minus . and ..); with @children, the number
 * of pids listed in @path/NAME/children for every entry instead. */
static long count_dir(const char *path, int children)
{
	char dbuf[4096], name[128], cbuf[512];
	long n = 0;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	for (;;) {
		long got = syscall(SYS_getdents64, fd, dbuf, sizeof(dbuf));
		long off = 0;

		if (got <= 0)
			break;
		while (off < got) {
			struct linux_dirent64 *d = (void *)(dbuf + off);

			off += d->d_reclen;
			if (d->d_name[0] == '.')
				continue;
			if (!children) {
				n++;
				continue;
			}
			char *q = put_str(name, path);
			q = put_str(q, "/");
			q = put_str(q, d->d_name);
			put_str(q, "/children")[0] = 0;
			int cfd = open(name, O_RDONLY | O_CLOEXEC);
			if (cfd < 0)
				return -1;
			ssize_t r = read(cfd, cbuf, sizeof(cbuf));
			close(cfd);
			for (ssize_t j = 0; j < r; j++)
				if (cbuf[j] == ' ')
					n++;
		}
	}
	close(fd);
	return n;
}

static void status_line(void)
{
	char line[256], *p = line;
	long ch = count_dir("/proc/self/task", 1);
	long fds = count_dir("/proc/self/fd", 0);

	p = put_str(p, "sigchld=");
	p = put_u64(p, stats.sigchld);
	p = put_str(p, " eintr=");
	p = put_u64(p, stats.eintr);
	p = put_str(p, " children=");
	p = ch < 0 ? put_str(p, "?") : put_u64(p, (uint64_t)ch);
	p = put_str(p, " fds=");
	/* minus the one count_dir() itself had open */
	p = fds < 0 ? put_str(p, "?") : put_u64(p, (uint64_t)(fds - 1));
	p = put_str(p, " seq=");
	p = put_u64(p, hdr.seq);
	p = put_str(p, "\n");
	if (write(1, line, (size_t)(p - line)) < 0)
		return;
}

static void on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGCHLD)
		__atomic_add_fetch(&stats.sigchld, 1, __ATOMIC_SEQ_CST);
	if (sig == SIGUSR1) {
		__atomic_add_fetch(&stats.usr1, 1, __ATOMIC_SEQ_CST);
		status_line();
	}
	__atomic_add_fetch(&stats.handled, 1, __ATOMIC_SEQ_CST);
	errno = saved;
}

static uint64_t handled_now(void)
{
	return __atomic_load_n(&stats.handled, __ATOMIC_SEQ_CST);
}

/* An EINTR that no signal handler explains: none ran since @before. */
static void note_eintr(uint64_t before)
{
	if (handled_now() == before)
		__atomic_add_fetch(&stats.eintr, 1, __ATOMIC_SEQ_CST);
}

/* --- threads ------------------------------------------------------------- */

static int worker_mode;

static uint64_t loop_arg(int slot, int mode)
{
	if (mode == M_SLEEP)
		return (uint64_t)(uintptr_t)&one_ms;
	if (mode == M_READ)
		return (uint64_t)(slot == 0 && fifo_fd >= 0 ? fifo_fd :
				  pipes[slot][0]);
	return 0;
}

static void *worker(void *arg)
{
	int slot = (int)(intptr_t)arg;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	tids[slot] = gettid();
	snap_asm_loop(counters, (uint64_t)slot, (uint64_t)worker_mode,
		      loop_arg(slot, worker_mode), &stats.eintr, rbufs[slot]);
}

static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': case 'g': v <<= 10; /* fall through */
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; end++; break;
	default: break;
	}
	if (*end || !v) {
		fprintf(stderr, "snaptarget: bad size '%s'\n", s);
		exit(1);
	}
	return (size_t)v;
}

static int mode_of(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, mode_names[i]))
			return i;
	fprintf(stderr, "snaptarget: bad mode '%s'\n", s);
	exit(1);
}

static void write_info(const char *path, int nthreads, const char *main_mode,
		       int main_asm)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	fprintf(f, "pid=%d\nthreads=%d\nmain=%s\nmode=%s\n", getpid(),
		nthreads, main_mode, mode_names[worker_mode]);
	fprintf(f, "buf=%#lx\nsize=%zu\npages=%zu\nmap_size=%zu\n",
		(unsigned long)buf, npages * PAGE, npages, map_pages * PAGE);
	fprintf(f, "hdr=%#lx\ncounters=%#lx\nstats=%#lx\n",
		(unsigned long)&hdr, (unsigned long)counters,
		(unsigned long)&stats);
	fprintf(f, "generation=%#lx\n", (unsigned long)&snap_generation);
	fprintf(f, "loop_start=%#lx\nloop_end=%#lx\n",
		(unsigned long)snap_loop_start, (unsigned long)snap_loop_end);
	fprintf(f, "store=%#lx,%#lx,%#lx,%#lx\n",
		(unsigned long)snap_store_busy, (unsigned long)snap_store_sleep,
		(unsigned long)snap_store_read, (unsigned long)snap_store_idle);
	fprintf(f, "sys=%#lx,%#lx,%#lx\n", (unsigned long)snap_sys_sleep,
		(unsigned long)snap_sys_read, (unsigned long)snap_sys_idle);
	fprintf(f, "asm_slots=");
	for (int s = main_asm ? 0 : 1, first = 1; s < nthreads; s++, first = 0)
		fprintf(f, "%s%d", first ? "" : ",", s);
	fprintf(f, "\n");
	for (int s = 0; s < nthreads; s++)
		fprintf(f, "tid.%d=%d\n", s, s ? tids[s] : getpid());
	if (fifo_fd >= 0)
		fprintf(f, "fifo_fd=%d\n", fifo_fd);
	for (int s = 0; s < nthreads; s++)
		if (pipes[s][1] > 0)
			fprintf(f, "pipe.%d=%d,%d\n", s, pipes[s][0],
				pipes[s][1]);
	if (fclose(f) || rename(tmp, path))
		die(path);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: snaptarget [--size BYTES] [--touch BYTES] [--threads N]\n"
		"                  [--mode busy|sleep|read|idle]\n"
		"                  [--main write|sleep|read|epoll|idle|asm-busy|asm-sleep|asm-read|asm-idle]\n"
		"                  [--info FILE] [--fifo PATH] [--chunk PAGES] [--pgrp]\n"
		"                  [--rt PRIO]\n");
	exit(1);
}

/* One byte from the main thread's input (FIFO or pipe 0); -1 on EINTR. */
static int main_input(int epfd)
{
	int fd = fifo_fd >= 0 ? fifo_fd : pipes[0][0];
	uint64_t h0 = handled_now();
	char c;

	if (epfd >= 0) {
		struct epoll_event ev;
		int n = epoll_wait(epfd, &ev, 1, -1);

		if (n < 0) {
			if (errno != EINTR)
				die("epoll_wait");
			note_eintr(h0);
			return -1;
		}
	}
	h0 = handled_now();
	ssize_t r = read(fd, &c, 1);
	if (r < 0) {
		if (errno != EINTR)
			die("read");
		note_eintr(h0);
		return -1;
	}
	return r == 1 ? (unsigned char)c : -1;
}

int main(int argc, char **argv)
{
	size_t size = 4UL << 20, chunk = 64, touch = 0;
	int nthreads = 1, pgrp = 0, main_asm = 0, main_amode = 0, rt = 0;
	const char *info = NULL, *fifo = NULL, *main_mode = "write";
	struct sigaction sa;
	pthread_t th;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--pgrp")) {
			pgrp = 1;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--size"))
			size = parse_size(v);
		else if (!strcmp(a, "--touch"))
			touch = parse_size(v);
		else if (!strcmp(a, "--threads"))
			nthreads = atoi(v);
		else if (!strcmp(a, "--mode"))
			worker_mode = mode_of(v);
		else if (!strcmp(a, "--main"))
			main_mode = v;
		else if (!strcmp(a, "--info"))
			info = v;
		else if (!strcmp(a, "--fifo"))
			fifo = v;
		else if (!strcmp(a, "--chunk"))
			chunk = parse_size(v);
		else if (!strcmp(a, "--rt"))
			rt = atoi(v);
		else
			usage();
	}
	if (nthreads < 1 || nthreads > MAX_SLOTS)
		usage();
	if (!strncmp(main_mode, "asm-", 4)) {
		main_asm = 1;
		main_amode = mode_of(main_mode + 4);
	} else if (strcmp(main_mode, "write") && strcmp(main_mode, "sleep") &&
		   strcmp(main_mode, "read") && strcmp(main_mode, "epoll") &&
		   strcmp(main_mode, "idle")) {
		usage();
	}

	if (pgrp && setpgid(0, 0))
		die("setpgid");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) || sigaction(SIGUSR1, &sa, NULL))
		die("sigaction");

	if (fifo) {
		if (mkfifo(fifo, 0600) && errno != EEXIST)
			die(fifo);
		/* O_RDWR: never blocks here and never sees EOF */
		fifo_fd = open(fifo, O_RDWR);
		if (fifo_fd < 0)
			die(fifo);
	}
	/* Pipes for the readers that have no FIFO. */
	for (int s = 0; s < nthreads; s++) {
		int reads = s ? worker_mode == M_READ :
			(fifo_fd < 0 && (!strcmp(main_mode, "read") ||
					 !strcmp(main_mode, "epoll") ||
					 !strcmp(main_mode, "asm-read")));
		if (reads && pipe(pipes[s]))
			die("pipe");
	}

	map_pages = (size + PAGE - 1) / PAGE;
	npages = touch ? (touch + PAGE - 1) / PAGE : map_pages;
	if (npages > map_pages)
		usage();
	buf = mmap(NULL, map_pages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	write_pages(npages);	/* every page present, seq 1 */

	for (int s = 1; s < nthreads; s++)
		if ((errno = pthread_create(&th, NULL, worker,
					    (void *)(intptr_t)s)))
			die("pthread_create");
	/* Every worker has started its loop (its count is at least 1). */
	for (int s = 1; s < nthreads; s++)
		while (!__atomic_load_n(&counters[s], __ATOMIC_SEQ_CST))
			nanosleep(&one_ms, NULL);
	if (rt) {
		struct sched_param sp = { .sched_priority = rt };

		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			die("sched_setscheduler");
	}
	if (info)
		write_info(info, nthreads, main_mode, main_asm);

	if (main_asm)
		snap_asm_loop(counters, 0, (uint64_t)main_amode,
			      loop_arg(0, main_amode), &stats.eintr, rbufs[0]);

	if (!strcmp(main_mode, "write")) {
		for (;;)
			write_pages(npages);
	} else if (!strcmp(main_mode, "sleep")) {
		for (;;) {
			uint64_t h0 = handled_now();
			int rc = clock_nanosleep(CLOCK_MONOTONIC, 0, &one_ms,
						 NULL);
			if (rc == EINTR)
				note_eintr(h0);
			write_pages(chunk);
		}
	} else if (!strcmp(main_mode, "idle")) {
		for (;;) {
			uint64_t h0 = handled_now();

			pause();
			note_eintr(h0);
		}
	} else {
		int epfd = -1;

		if (!strcmp(main_mode, "epoll")) {
			struct epoll_event ev = { .events = EPOLLIN };

			epfd = epoll_create1(0);
			if (epfd < 0 ||
			    epoll_ctl(epfd, EPOLL_CTL_ADD,
				      fifo_fd >= 0 ? fifo_fd : pipes[0][0], &ev))
				die("epoll");
		}
		for (;;) {
			int c = main_input(epfd);

			if (c == 'q')
				exit(0);
			if (c >= 0)
				write_pages(npages);
		}
	}
}
