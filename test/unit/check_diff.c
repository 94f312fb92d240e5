// SPDX-License-Identifier: GPL-2.0-only
/*
 * procsnap_diff() and snapctl diff without the module: two stopped
 * children of one parent stand in for two snapshots of a target (the fake
 * device of fake_device.c lists them), one as the parent left its memory,
 * the other after writing known pages and changing its mappings.  Their
 * process views, snapshot views and evidence directories (collected from
 * them) must all show exactly those pages and mappings as changed.
 *
 * The parent's mappings, at fixed addresses with gaps so none merge:
 *   R  64 pages rw, pages 0-31 hold a pattern, 32-63 never written
 *   M   4 pages rw, a pattern; Y makes it read-only
 *   U   4 pages rw, a pattern; Y unmaps it
 *   F   2 pages of a file of 1 page: the second cannot be read (SIGBUS)
 * Y also maps N (2 pages, written) where nothing was, and in R writes
 * page 5, pages 10-12 and page 40 (absent before), and rewrites page 20
 * with the bytes it held (a copy, but the same contents).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libprocsnap.h>

#include "check_procsnap.h"
#include "snapctl.h"

#define PAGE 4096u
#define R_PAGES 64
#define AREA_PAGES 96
#define TARGET 4242	/* the fake target both snapshots are of */

static char *area;	/* R at 0, M at 66, U at 72, N at 80, F at 88 pages */
#define R (area)
#define M (area + 66 * PAGE)
#define U (area + 72 * PAGE)
#define N (area + 80 * PAGE)
#define F (area + 88 * PAGE)

static pid_t x, y;		/* before and after */
static char dir[64];
static struct procsnap_ctx *ctx;

static void fill(char *p, unsigned int pages, unsigned char seed)
{
	unsigned int i;

	for (i = 0; i < pages * PAGE; i++)
		p[i] = (char)(seed + i / PAGE * 13 + i % 251);
}

static char *map_at(char *at, unsigned int pages)
{
	char *p = mmap(at, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);

	return p == at ? p : NULL;
}

static void y_changes(void)
{
	char copy[PAGE];

	if (!map_at(N, 2))
		_exit(1);
	memset(N, 'n', 2 * PAGE);
	R[5 * PAGE + 17] ^= 0x55;
	memset(R + 10 * PAGE, 'w', 3 * PAGE);
	R[40 * PAGE] = 1;
	memcpy(copy, R + 20 * PAGE, PAGE);
	memcpy(R + 20 * PAGE, copy, PAGE);
	if (mprotect(M, 4 * PAGE, PROT_READ) || munmap(U, 4 * PAGE))
		_exit(1);
}

static pid_t stopped_child(bool changes)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (changes)
			y_changes();
		for (;;)
			raise(SIGSTOP);
	}
	ck_assert_int_eq(waitpid(pid, &status, WUNTRACED), pid);
	ck_assert(WIFSTOPPED(status));
	return pid;
}

static void diff_setup(void)
{
	char path[96], *p;
	int fd;

	strcpy(dir, "/tmp/procsnap-diff-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/short", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "f", 1, PAGE - 1), 1);

	/* A place for the area, then nothing there but its pieces. */
	p = mmap(NULL, AREA_PAGES * PAGE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	ck_assert_int_eq(munmap(p, AREA_PAGES * PAGE), 0);
	area = p;
	ck_assert_ptr_nonnull(map_at(R, R_PAGES));
	ck_assert_ptr_nonnull(map_at(M, 4));
	ck_assert_ptr_nonnull(map_at(U, 4));
	ck_assert_ptr_eq(mmap(F, 2 * PAGE, PROT_READ, MAP_SHARED |
			      MAP_FIXED_NOREPLACE, fd, 0), F);
	close(fd);
	fill(R, 32, 1);
	fill(M, 4, 2);
	fill(U, 4, 3);
	x = stopped_child(false);
	y = stopped_child(true);

	fake_device_reset(true);
	fake.nr_snaps = 2;
	fake.snaps[0].clone_pid = x;
	fake.snaps[1].clone_pid = y;
	fake.snaps[0].target_pid = fake.snaps[1].target_pid = TARGET;
	fake.snaps[0].threads = fake.snaps[1].threads = 1;
	fake.version.abi_version = PROCSNAP_ABI_VERSION;
	fake.version.features = PROCSNAP_FEAT_ALL;
	strcpy(fake.version.module_version, "0.3.0-test");
	ck_assert_int_eq(procsnap_open("/dev/null", &ctx), 0);
}

static void diff_teardown(void)
{
	char cmd[128];

	procsnap_close(ctx);
	fake_device_reset(false);
	kill(x, SIGKILL);
	kill(y, SIGKILL);
	waitpid(x, NULL, 0);
	waitpid(y, NULL, 0);
	munmap(area, AREA_PAGES * PAGE);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* What procsnap_diff() reported about the area. */
struct seen {
	char log[4096];		/* "+N -U ~M:2 R:5-6 ..." in order */
	size_t len;
	struct procsnap_diff_stats r;	/* R's overlap */
	struct procsnap_diff_stats m;	/* M's */
	struct procsnap_diff_stats f;	/* F's */
	int stop_at;		/* a range callback returns this */
};

static bool in_area(const struct procsnap_segment *s)
{
	return s && s->start >= (uint64_t)(uintptr_t)area &&
	       s->start < (uint64_t)(uintptr_t)area + AREA_PAGES * PAGE;
}

static unsigned long pg(uint64_t addr)
{
	return (unsigned long)((addr - (uint64_t)(uintptr_t)area) / PAGE);
}

static void note(struct seen *s, const char *fmt, unsigned long a,
		 unsigned long b)
{
	s->len += (size_t)snprintf(s->log + s->len, sizeof(s->log) - s->len,
				   fmt, a, b);
}

static int on_mapping(void *data, const struct procsnap_segment *a,
		      const struct procsnap_segment *b, unsigned int what)
{
	struct seen *s = data;

	if (in_area(a) || in_area(b))
		note(s, !a ? "+%lu " : !b ? "-%lu " : "~%lu:%lu ",
		     pg((a ? a : b)->start), what);
	return 0;
}

static int on_range(void *data, const struct procsnap_segment *a,
		    const struct procsnap_segment *b, uint64_t start,
		    uint64_t end)
{
	struct seen *s = data;

	(void)b;
	if (!in_area(a))
		return 0;
	note(s, "%lu-%lu ", pg(start), pg(end));
	return s->stop_at;
}

static int on_segment(void *data, const struct procsnap_segment *a,
		      const struct procsnap_segment *b,
		      const struct procsnap_diff_stats *st)
{
	struct seen *s = data;

	(void)b;
	if (in_area(a) && pg(a->start) == 0)
		s->r = *st;
	if (in_area(a) && pg(a->start) == 66)
		s->m = *st;
	if (in_area(a) && pg(a->start) == 88)
		s->f = *st;
	return 0;
}

static const struct procsnap_diff_ops ops = {
	.mapping = on_mapping,
	.range = on_range,
	.segment = on_segment,
};

/* The changes the children were made with, and nothing else. */
#define WANT_LOG "~66:2 -72 +80 5-6 10-13 40-41 "

static void check_seen(const struct seen *s)
{
	ck_assert_str_eq(s->log, WANT_LOG);
	ck_assert_uint_eq(s->r.pages, R_PAGES);
	ck_assert_uint_eq(s->r.differing, 5);
	ck_assert_uint_eq(s->r.ranges, 3);
	/* Pages 32-63 but 40 hold nothing in either. */
	ck_assert_uint_eq(s->r.absent, 31);
	ck_assert_uint_eq(s->r.by_frame + s->r.by_content, 33);
	ck_assert_uint_eq(s->r.unreadable, 0);
	ck_assert_uint_eq(s->m.pages, 4);
	ck_assert_uint_eq(s->m.differing, 0);
}

static void diff_views(struct procsnap_view *a, struct procsnap_view *b,
		       unsigned int flags, struct seen *s)
{
	struct procsnap_diff_stats total;

	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(procsnap_diff(a, b, flags, &ops, s, &total), 0);
	check_seen(s);
	ck_assert_uint_ge(total.differing, s->r.differing);
	ck_assert_uint_ge(total.pages, total.by_frame + total.by_content +
				       total.absent + total.unreadable);
}

START_TEST(test_diff_processes)
{
	struct procsnap_view *a, *b;
	struct seen s;

	ck_assert_int_eq(procsnap_view_process(x, &a), 0);
	ck_assert_int_eq(procsnap_view_process(y, &b), 0);
	diff_views(a, b, 0, &s);
	/* The page past the file's end: neither read, nor a difference. */
	ck_assert_uint_eq(s.f.pages, 2);
	ck_assert_uint_eq(s.f.unreadable, 1);
	ck_assert_uint_eq(s.f.by_frame + s.f.by_content, 1);
	ck_assert_uint_eq(s.f.differing, 0);
	diff_views(a, b, PROCSNAP_DIFF_NO_FRAMES, &s);
	ck_assert_uint_eq(s.r.by_frame, 0);
	ck_assert_uint_eq(s.r.by_content, 33);
	/* The same view: nothing differs at all. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(procsnap_diff(a, a, 0, &ops, &s, NULL), 0);
	ck_assert_str_eq(s.log, "");
	ck_assert_uint_eq(s.r.absent, 32);
	/* A callback's word stops it. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 42;
	ck_assert_int_eq(procsnap_diff(a, b, 0, &ops, &s, NULL), 42);
	ck_assert_str_eq(s.log, "~66:2 -72 +80 5-6 ");
	ck_assert_int_eq(procsnap_diff(a, NULL, 0, &ops, &s, NULL), -EINVAL);
	ck_assert_int_eq(procsnap_diff(a, b, 2, &ops, &s, NULL), -EINVAL);
	ck_assert_int_eq(procsnap_diff(a, b, 0, NULL, &s, NULL), -EINVAL);
	procsnap_view_close(a);
	procsnap_view_close(b);
}
END_TEST

START_TEST(test_diff_pagemap)
{
	uint64_t pm[R_PAGES], addr = (uint64_t)(uintptr_t)R;
	struct procsnap_view *v;
	unsigned int i;

	ck_assert_int_eq(procsnap_view_process(y, &v), 0);
	ck_assert_int_eq(procsnap_view_pagemap(v, addr, R_PAGES, pm), 0);
	for (i = 0; i < R_PAGES; i++)
		ck_assert_msg(!!(pm[i] & PROCSNAP_PM_PRESENT) ==
			      (i < 32 || i == 40), "page %u: %" PRIx64, i,
			      pm[i]);
	ck_assert_int_eq(procsnap_view_pagemap(v, addr + 1, 1, pm), -EINVAL);
	ck_assert_int_eq(procsnap_view_pagemap(v, addr, R_PAGES + 1, pm),
			 -EFAULT);
	ck_assert_int_eq(procsnap_view_pagemap(v, addr + R_PAGES * PAGE, 1,
					       pm), -EFAULT);
	procsnap_view_close(v);
}
END_TEST

START_TEST(test_diff_snapshots_and_dirs)
{
	struct procsnap_collect_opts o = {
		.size = sizeof(o), .fd = -1, .flags = PROCSNAP_COLLECT_PAPER,
	};
	struct procsnap_view *a, *b, *da, *db;
	char pa[96], pb[96];
	uint64_t pm[R_PAGES];
	unsigned int i;
	struct seen s;

	ck_assert_int_eq(procsnap_view_snapshot(ctx, x, &a), 0);
	ck_assert_int_eq(procsnap_view_snapshot(ctx, y, &b), 0);
	diff_views(a, b, 0, &s);

	snprintf(pa, sizeof(pa), "%s/a", dir);
	snprintf(pb, sizeof(pb), "%s/b", dir);
	o.dir = pa;
	ck_assert_int_eq(procsnap_collect(ctx, x, &o), 0);
	o.dir = pb;
	ck_assert_int_eq(procsnap_collect(ctx, y, &o), 0);
	ck_assert_int_eq(procsnap_view_dir(pa, &da), 0);
	ck_assert_int_eq(procsnap_view_dir(pb, &db), 0);
	/* A directory's holes and data, never a frame. */
	ck_assert_int_eq(procsnap_view_pagemap(db, (uint64_t)(uintptr_t)R,
					       R_PAGES, pm), 0);
	for (i = 0; i < R_PAGES; i++)
		ck_assert_uint_eq(pm[i], i < 32 || i == 40 ?
				  PROCSNAP_PM_PRESENT : 0);
	diff_views(da, db, 0, &s);
	ck_assert_uint_eq(s.r.by_frame, 0);
	ck_assert_uint_eq(s.r.by_content, 33);
	/* A directory against a snapshot. */
	diff_views(da, b, 0, &s);
	ck_assert_uint_eq(s.r.by_frame, 0);
	procsnap_view_close(a);
	procsnap_view_close(b);
	procsnap_view_close(da);
	procsnap_view_close(db);
}
END_TEST

START_TEST(test_diff_cli)
{
	struct captured c;
	char px[16], py[16], want[128];
	uint64_t r = (uint64_t)(uintptr_t)R;

	snprintf(px, sizeof(px), "%d", (int)x);
	snprintf(py, sizeof(py), "%d", (int)y);
	RUN(&c, diff_main, "/dev/null", "diff", px, py);
	ck_assert_int_eq(c.status, 7);
	snprintf(want, sizeof(want), "  %08" PRIx64 "-%08" PRIx64 " 3 pages\n",
		 r + 10 * PAGE, r + 13 * PAGE);
	ck_assert_contains(c.out, want);
	snprintf(want, sizeof(want), "- %08" PRIx64 "-%08" PRIx64 " rw-p ",
		 r + 72 * PAGE, r + 76 * PAGE);
	ck_assert_contains(c.out, want);
	ck_assert_contains(c.out, "  5 of 64 pages differ in 3 ranges (");
	ck_assert_contains(c.out, "\nsummary: 1 mapping added, 1 removed, ");

	RUN(&c, diff_main, "/dev/null", "diff", px, py, "--json",
	    "--no-frames");
	ck_assert_int_eq(c.status, 7);
	snprintf(want, sizeof(want), "{\"start\":\"%08" PRIx64 "\",\"end\":\""
		 "%08" PRIx64 "\",\"pages\":3}", r + 10 * PAGE, r + 13 * PAGE);
	ck_assert_contains(c.out, want);
	ck_assert_contains(c.out, "\"pages\":64,\"pages_by_frame\":0,"
			   "\"pages_by_content\":33,\"pages_absent\":31,"
			   "\"pages_unreadable\":0,\"pages_differing\":5,"
			   "\"nr_ranges\":3}");
	ck_assert_contains(c.out, "{\"change\":\"changed\",\"fields\":"
			   "[\"perms\"],\"a\":{");
	ck_assert_contains(c.out, "\"frames\":false,\"differ\":true}}\n");

	RUN(&c, diff_main, "/dev/null", "diff", px, px, "--json");
	ck_assert_int_eq(c.status, 0);
	ck_assert_contains(c.out, "\"mappings\":[],\"segments\":[],"
			   "\"summary\":{\"mappings_added\":0,");
	ck_assert_contains(c.out, "\"differ\":false}}\n");

	/* Snapshots of two targets are not compared unless forced. */
	fake.snaps[1].target_pid = TARGET + 1;
	RUN(&c, diff_main, "/dev/null", "diff", px, py);
	ck_assert_failure(&c, 1, "is of process 4242");
	RUN(&c, diff_main, "/dev/null", "diff", px, py, "--force");
	ck_assert_int_eq(c.status, 7);

	RUN(&c, diff_main, "/dev/null", "diff", px);
	ck_assert_failure(&c, 1, "missing B");
	RUN(&c, diff_main, "/dev/null", "diff", px, "--live", py);
	ck_assert_failure(&c, 1, "unexpected argument");
	RUN(&c, diff_main, "/dev/null", "diff", "/nonexistent/ev", px);
	ck_assert_failure(&c, 6, "/nonexistent/ev: no such directory");
	RUN(&c, diff_main, "/dev/null", "diff", "999999", px);
	ck_assert_failure(&c, 6, "no snapshot with pid 999999");
}
END_TEST

Suite *diff_suite(void)
{
	Suite *s = suite_create("diff");
	TCase *tc = tcase_create("diff");

	tcase_add_checked_fixture(tc, diff_setup, diff_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_diff_processes);
	tcase_add_test(tc, test_diff_pagemap);
	tcase_add_test(tc, test_diff_snapshots_and_dirs);
	tcase_add_test(tc, test_diff_cli);
	suite_add_tcase(s, tc);
	return s;
}
