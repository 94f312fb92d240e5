// SPDX-License-Identifier: GPL-2.0
/*
 * uffdtarget: a target with a userfaultfd monitor thread, for 43-uffd.sh.
 *
 * usage: uffdtarget --info FILE [--uffd fork|plain|none] [--monitor read|poll]
 *
 * Maps 16 pages and (unless --uffd none) registers them with a userfaultfd
 * in MISSING mode, asking for UFFD_FEATURE_EVENT_FORK (--uffd fork, the
 * default) or no event (plain).  A monitor thread reads the events: in a
 * blocking read() (default), or poll() first and then read() (the common
 * event-loop pattern).  It resolves page faults with a zero page and counts
 * UFFD_EVENT_FORK messages (closing the new descriptor each brings).  The
 * main thread touches one page (a fault the monitor resolves) and then runs
 * in 1 ms steps, rewriting FILE.stat (atomically) every 50 steps: lines
 * seq=, forks=, faults=.  FILE gives pid= and addr=.
 *
 * Exit status 77 when the kernel has no userfaultfd.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE	4096UL
#define NPAGES	16

static int uffd = -1, use_poll;
static uint64_t forks, faults;

static void die(const char *what)
{
	fprintf(stderr, "uffdtarget: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void write_file(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) || rename(tmp, path))
		die(path);
}

static void *monitor(void *arg)
{
	struct uffd_msg msg;

	(void)arg;
	for (;;) {
		if (use_poll) {
			struct pollfd p = { .fd = uffd, .events = POLLIN };

			if (poll(&p, 1, -1) < 0 && errno != EINTR)
				die("poll");
		}
		ssize_t n = read(uffd, &msg, sizeof(msg));

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("read uffd");
		}
		if (n != sizeof(msg))
			continue;
		if (msg.event == UFFD_EVENT_FORK) {
			__atomic_add_fetch(&forks, 1, __ATOMIC_SEQ_CST);
			close((int)msg.arg.fork.ufd);
		} else if (msg.event == UFFD_EVENT_PAGEFAULT) {
			struct uffdio_zeropage z = {
				.range = {
					.start = msg.arg.pagefault.address &
						 ~(PAGE - 1),
					.len = PAGE,
				},
			};

			__atomic_add_fetch(&faults, 1, __ATOMIC_SEQ_CST);
			ioctl(uffd, UFFDIO_ZEROPAGE, &z);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const struct timespec one_ms = { 0, 1000000 };
	const char *info = NULL, *mode = "fork";
	char path[4096], text[256];
	volatile unsigned char *area;
	uint64_t seq = 0;
	pthread_t th;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--info"))
			info = argv[i + 1];
		else if (!strcmp(argv[i], "--uffd"))
			mode = argv[i + 1];
		else if (!strcmp(argv[i], "--monitor"))
			use_poll = !strcmp(argv[i + 1], "poll");
	}
	if (!info) {
		fprintf(stderr, "usage: uffdtarget --info FILE [--uffd fork|plain|none] [--monitor read|poll]\n");
		return 1;
	}
	area = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		die("mmap");
	if (strcmp(mode, "none")) {
		struct uffdio_api api = { .api = UFFD_API };
		struct uffdio_register reg = {
			.range = { .start = (uintptr_t)area,
				   .len = NPAGES * PAGE },
			.mode = UFFDIO_REGISTER_MODE_MISSING,
		};

		uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
		if (uffd < 0) {
			fprintf(stderr, "uffdtarget: userfaultfd: %s\n",
				strerror(errno));
			return errno == ENOSYS ? 77 : 2;
		}
		if (!strcmp(mode, "fork"))
			api.features = UFFD_FEATURE_EVENT_FORK;
		if (ioctl(uffd, UFFDIO_API, &api))
			die("UFFDIO_API");
		if (ioctl(uffd, UFFDIO_REGISTER, &reg))
			die("UFFDIO_REGISTER");
		if ((errno = pthread_create(&th, NULL, monitor, NULL)))
			die("pthread_create");
		(void)area[PAGE];	/* a fault the monitor resolves */
	}
	snprintf(text, sizeof(text), "pid=%d\naddr=%#lx\nuffd=%s\n", getpid(),
		 (unsigned long)area, mode);
	snprintf(path, sizeof(path), "%s.stat", info);
	for (;;) {
		if (seq % 50 == 0) {
			char st[128];

			snprintf(st, sizeof(st), "seq=%llu\nforks=%llu\nfaults=%llu\n",
				 (unsigned long long)seq,
				 (unsigned long long)__atomic_load_n(&forks, __ATOMIC_SEQ_CST),
				 (unsigned long long)__atomic_load_n(&faults, __ATOMIC_SEQ_CST));
			write_file(path, st);
			if (!seq)
				write_file(info, text);
		}
		seq++;
		nanosleep(&one_ms, NULL);
	}
}
