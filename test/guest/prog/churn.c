// SPDX-License-Identifier: GPL-2.0
/*
 * churn: a target whose threads are born and die all the time, for
 * 49-instant: does a snapshot's THREADS agree with its memory about which
 * threads were alive at the instant?
 *
 * usage: churn [--slots K] [--life-us US] [--mem MB] [--info FILE]
 *
 * Two permanent threads (main: a heartbeat every 1 ms; the creator) and K
 * slots.  The creator keeps every slot busy with a short-lived thread made
 * by a raw clone(CLONE_THREAD | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID),
 * so the kernel itself writes the thread's tid into the slot before the
 * thread can run and clears it once the thread is past running user code.
 * A slot's phase says where its thread is, in memory a snapshot freezes:
 *
 *	0 free (tid 0)
 *	1 creating: the creator is about to clone or inside clone()
 *	2 running: the thread stored 2 as its first instruction and has not
 *	  yet stored 3: it certainly exists (it sleeps --life-us, 2000)
 *	3 exiting: it stored 3 and is about to call exit(), or in it
 *
 * So at the instant: every phase-2 slot's tid must be among THREADS'
 * records, no record may be a thread the memory does not know, and THREADS
 * total is 2 + (phase-2 slots) + (some of the phase-1/3 ones): exactly
 * 2 + phase-2 when no slot is in phase 1 or 3.  `hbtool churncheck` checks
 * that.  counts[] = { alive (phase 2), generation (threads made), clone
 * errors }.  The info file gives pid, creator (tid), slots, slot_addr,
 * counts, hb.
 *
 * --mem MB maps and writes MB of private memory in 4K pages, so that the
 * page-table copy takes long (tens of ms under TCG): long enough for a
 * thread to be born and to die within one copy, which a snapshot must
 * notice.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_SLOTS	64
#define STACK		(64 << 10)

struct slot {
	int32_t tid;		/* CLONE_PARENT_SETTID / CLONE_CHILD_CLEARTID */
	int32_t phase;
	uint64_t gen;
	uint64_t pad[6];	/* one cache line each */
};

static struct slot slots[MAX_SLOTS] __attribute__((aligned(64)));
static volatile uint64_t counts[3];
static volatile uint64_t heartbeat;
static volatile pid_t creator_tid;
static struct timespec life = { 0, 2000000 };
static int nslots = 4;
static size_t mem_mb;

/*
 * raw_clone(flags, stack_top, ptid, ctid, fn, arg): clone(2) without libc:
 * the child calls fn(arg) on its new stack and exits when it returns.
 */
long raw_clone(unsigned long flags, void *stack, int32_t *ptid, int32_t *ctid,
	       void (*fn)(void *), void *arg);
__asm__(
"	.text\n"
"	.globl raw_clone\n"
"	.type raw_clone, @function\n"
"raw_clone:\n"
"	sub $16, %rsi\n"
"	mov %r8, (%rsi)\n"		/* fn */
"	mov %r9, 8(%rsi)\n"		/* arg */
"	mov %rcx, %r10\n"		/* child_tid */
"	xor %r8d, %r8d\n"		/* tls: none */
"	mov $56, %eax\n"		/* clone(flags, sp, ptid, ctid, tls) */
"	syscall\n"
"	test %rax, %rax\n"
"	jnz 1f\n"
"	pop %rax\n"
"	pop %rdi\n"
"	call *%rax\n"
"	mov $60, %eax\n"		/* exit(0): this thread only */
"	xor %edi, %edi\n"
"	syscall\n"
"	ud2\n"
"1:	ret\n"
"	.size raw_clone, .-raw_clone\n"
);

/* The thread: no libc (it has no TLS of its own), raw system calls. */
static void child(void *arg)
{
	struct slot *s = arg;
	long ret;

	__atomic_store_n(&s->phase, 2, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&counts[0], 1, __ATOMIC_SEQ_CST);
	__asm__ volatile("syscall" : "=a"(ret)
			 : "0"(SYS_nanosleep), "D"(&life), "S"(0)
			 : "rcx", "r11", "memory");
	__atomic_sub_fetch(&counts[0], 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->phase, 3, __ATOMIC_SEQ_CST);
}

static void *creator(void *unused)
{
	const unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES |
		CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
		CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	const struct timespec tick = { 0, 100000 };
	char *stacks;
	sigset_t all;

	(void)unused;
	/* The children inherit this mask: signals are the main thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	stacks = mmap(NULL, (size_t)nslots * STACK, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stacks == MAP_FAILED)
		abort();
	memset(stacks, 0, (size_t)nslots * STACK);
	creator_tid = gettid();
	for (;;) {
		for (int i = 0; i < nslots; i++) {
			struct slot *s = &slots[i];
			int phase = __atomic_load_n(&s->phase, __ATOMIC_SEQ_CST);

			if (phase == 3 &&
			    !__atomic_load_n(&s->tid, __ATOMIC_SEQ_CST))
				/* the kernel cleared the tid: gone */
				__atomic_store_n(&s->phase, 0, __ATOMIC_SEQ_CST);
			if (phase != 0 && !(phase == 3 && !s->tid))
				continue;
			__atomic_store_n(&s->phase, 1, __ATOMIC_SEQ_CST);
			s->gen = __atomic_add_fetch(&counts[1], 1,
						    __ATOMIC_SEQ_CST);
			long r = raw_clone(flags, stacks + (size_t)(i + 1) * STACK,
					   &s->tid, &s->tid, child, s);
			if (r < 0) {
				__atomic_add_fetch(&counts[2], 1,
						   __ATOMIC_SEQ_CST);
				__atomic_store_n(&s->tid, 0, __ATOMIC_SEQ_CST);
				__atomic_store_n(&s->phase, 0, __ATOMIC_SEQ_CST);
			}
		}
		nanosleep(&tick, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *info = NULL;
	pthread_t th;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--slots"))
			nslots = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--life-us"))
			life.tv_nsec = atol(argv[i + 1]) * 1000;
		else if (!strcmp(argv[i], "--mem"))
			mem_mb = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--info"))
			info = argv[i + 1];
		else
			goto usage;
	}
	if (nslots < 1 || nslots > MAX_SLOTS || life.tv_nsec >= 1000000000)
		goto usage;
	if (mem_mb) {
		size_t len = mem_mb << 20;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("churn: mmap");
			return 2;
		}
		/* Page tables to copy, one entry per 4K page. */
		madvise(p, len, MADV_NOHUGEPAGE);
		for (size_t off = 0; off < len; off += 4096)
			p[off] = 1;
	}
	if ((errno = pthread_create(&th, NULL, creator, NULL))) {
		perror("churn: pthread_create");
		return 2;
	}
	while (counts[1] < (uint64_t)nslots * 4)
		usleep(1000);
	if (info) {
		char tmp[512];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", info);
		f = fopen(tmp, "w");
		if (!f)
			return 2;
		fprintf(f, "pid=%d\ncreator=%d\nslots=%d\nslot_addr=%#lx\n"
			"counts=%#lx\nhb=%#lx\n", getpid(), creator_tid, nslots,
			(unsigned long)slots, (unsigned long)counts,
			(unsigned long)&heartbeat);
		if (fclose(f) || rename(tmp, info))
			return 2;
	}
	for (;;) {
		const struct timespec one_ms = { 0, 1000000 };

		heartbeat++;
		nanosleep(&one_ms, NULL);
	}
usage:
	fprintf(stderr, "usage: churn [--slots K] [--life-us US] [--mem MB] "
		"[--info FILE]\n");
	return 1;
}
