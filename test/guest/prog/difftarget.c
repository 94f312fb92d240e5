// SPDX-License-Identifier: GPL-2.0
/*
 * difftarget: a target that changes known pages and mappings on command,
 * for 23-diff and bench/guest/diff.sh.
 *
 * usage: difftarget --info FILE [--pages N] [--stride S]
 *
 * Maps, at fixed places of one reserved area with unmapped gaps between
 * them (so that none merges with another):
 *   buf   N pages (default 256), private anonymous, no THP; every page
 *         holds "buf-NNNNN" padded with '.'
 *   prot  16 pages, rw, the same kind of contents
 *   gone  16 pages, rw
 * and writes FILE (atomically): pid, page, pages, and the addresses of
 * buf, prot, gone and new (where step 1 maps), in hex without 0x, as
 * /proc/PID/maps prints them.  Then it sleeps in 2 ms steps and touches
 * nothing else.
 *
 * SIGUSR1, step 1: writes "step1" over pages 3, 10-19 and 200 of buf (with
 * --stride S: every S-th page instead, from page 0), rewrites page 30 with
 * the bytes it holds (a new frame, the same contents), maps new (8 pages,
 * written), unmaps gone, makes prot read-only; then writes FILE.1.
 * SIGUSR2, step 2: writes "step2" over pages 50, 51 and N-1; then FILE.2.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096ul
#define SMALL 16ul	/* prot's and gone's pages */
#define NEW_PAGES 8ul

static volatile sig_atomic_t step;

static void on_signal(int sig)
{
	step = sig == SIGUSR1 ? 1 : 2;
}

static void die(const char *what)
{
	fprintf(stderr, "difftarget: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void write_file(const char *path, const char *text)
{
	char tmp[4096];
	size_t n = strlen(text);
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n || close(fd) ||
	    rename(tmp, path))
		die(path);
}

static char *map_at(char *at, unsigned long pages)
{
	char *p = mmap(at, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);

	if (p != at)
		die("mmap");
	/* One frame per page, split or not, whatever the THP setting. */
	/* EINVAL: a kernel without THP (PREEMPT_RT), nothing to split. */
	if (madvise(p, pages * PAGE, MADV_NOHUGEPAGE) && errno != EINVAL)
		die("madvise");
	return p;
}

static void fill(char *p, unsigned long pages, const char *name)
{
	unsigned long i;

	memset(p, '.', pages * PAGE);
	for (i = 0; i < pages; i++)
		snprintf(p + i * PAGE, 32, "%s-%05lu", name, i);
}

static void mark(char *page, const char *what)
{
	memcpy(page, what, strlen(what));
}

int main(int argc, char **argv)
{
	const struct timespec two_ms = { 0, 2000000 };
	unsigned long pages = 256, stride = 0, i, area_pages;
	char *area, *buf, *prot, *gone, *new;
	volatile char *again;
	const char *info = NULL;
	char path[4096], text[512];
	int a;

	for (a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--info"))
			info = argv[a + 1];
		else if (!strcmp(argv[a], "--pages"))
			pages = strtoul(argv[a + 1], NULL, 0);
		else if (!strcmp(argv[a], "--stride"))
			stride = strtoul(argv[a + 1], NULL, 0);
		else
			break;
	}
	if (!info || a != argc || pages < 256) {
		fprintf(stderr, "usage: difftarget --info FILE [--pages N>=256]"
			" [--stride S]\n");
		return 2;
	}
	/* buf, gap, prot, gap, gone, gap, new, gap. */
	area_pages = pages + 1 + SMALL + 1 + SMALL + 1 + NEW_PAGES + 1;
	area = mmap(NULL, area_pages * PAGE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || munmap(area, area_pages * PAGE))
		die("reserve");
	buf = map_at(area, pages);
	prot = map_at(buf + (pages + 1) * PAGE, SMALL);
	gone = map_at(prot + (SMALL + 1) * PAGE, SMALL);
	new = gone + (SMALL + 1) * PAGE;
	fill(buf, pages, "buf");
	fill(prot, SMALL, "prot");
	fill(gone, SMALL, "gone");
	signal(SIGUSR1, on_signal);
	signal(SIGUSR2, on_signal);
	snprintf(text, sizeof(text),
		 "pid=%d\npage=%lu\npages=%lu\nbuf=%lx\nprot=%lx\ngone=%lx\n"
		 "new=%lx\n", (int)getpid(), PAGE, pages, (unsigned long)buf,
		 (unsigned long)prot, (unsigned long)gone,
		 (unsigned long)new);
	write_file(info, text);

	for (;;) {
		nanosleep(&two_ms, NULL);
		if (step == 1) {
			step = 0;
			if (stride) {
				for (i = 0; i < pages; i += stride)
					mark(buf + i * PAGE, "step1");
			} else {
				mark(buf + 3 * PAGE, "step1");
				for (i = 10; i < 20; i++)
					mark(buf + i * PAGE, "step1");
				mark(buf + 200 * PAGE, "step1");
			}
			/* A write the compiler keeps: the COW copies. */
			again = (volatile char *)buf + 30 * PAGE;
			*again = *again;
			map_at(new, NEW_PAGES);
			fill(new, NEW_PAGES, "new");
			if (munmap(gone, SMALL * PAGE) ||
			    mprotect(prot, SMALL * PAGE, PROT_READ))
				die("step 1");
			snprintf(path, sizeof(path), "%s.1", info);
			write_file(path, "done\n");
		} else if (step == 2) {
			step = 0;
			mark(buf + 50 * PAGE, "step2");
			mark(buf + 51 * PAGE, "step2");
			mark(buf + (pages - 1) * PAGE, "step2");
			snprintf(path, sizeof(path), "%s.2", info);
			write_file(path, "done\n");
		}
	}
}
