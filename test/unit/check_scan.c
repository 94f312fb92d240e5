// SPDX-License-Identifier: GPL-2.0-only
/*
 * procsnap_scan() and snapctl scan on an evidence directory written here
 * (as procsnap_collect() lays one out) and on a child process: hits at
 * their addresses and segments, misses, chunk boundaries, unreadable and
 * live segments, compiled rules, errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <yara.h>

#include <libprocsnap.h>

#include "check_procsnap.h"
#include "snapctl.h"

#define EXE_START	0x400000ULL		/* r-xp, whole */
#define EXE_END		0x402000ULL
#define BIG_START	0x7f0000000000ULL	/* rw-p, 16 MiB, sparse */
#define BIG_END		(BIG_START + (16ULL << 20))
#define SHM_START	0x7f1000000000ULL	/* rw-s: live */
#define SHM_END		(SHM_START + 0x1000)
#define NOR_START	0x7f2000000000ULL	/* ---p: unreadable */
#define NOR_END		(NOR_START + 0x1000)

/* Where the markers lie. */
#define AT_EXE		(EXE_START + 0x123)
#define AT_SPAN		(BIG_START + PROCSNAP_SCAN_CHUNK - 3)
#define AT_OVERLAP	(BIG_START + PROCSNAP_SCAN_CHUNK - 100)
#define AT_BIG		(BIG_START + (9ULL << 20) + 7)
#define AT_SHM		(SHM_START + 0x10)

static char dir[64];

static void put(int fd, uint64_t off, const char *s)
{
	ck_assert_int_eq(pwrite(fd, s, strlen(s), (off_t)off),
			 (ssize_t)strlen(s));
}

/* Data throughout, so that the segment is one extent of many chunks. */
static void fill(int fd, uint64_t len)
{
	static char buf[1 << 16];
	uint64_t off;

	memset(buf, 0x5a, sizeof(buf));
	for (off = 0; off < len; off += sizeof(buf))
		ck_assert_int_eq(pwrite(fd, buf, sizeof(buf), (off_t)off),
				 (ssize_t)sizeof(buf));
}

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* One segment's image; returns its descriptor for put(). */
static int image(uint64_t start, uint64_t end, char *name, size_t size)
{
	char path[256];
	int fd;

	snprintf(name, size, "segments/%08" PRIx64 "-%08" PRIx64 ".img",
		 start, end);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)(end - start)), 0);
	return fd;
}

/*
 * The directory: the marker "PLANTED-MARKER" in the executable (one page
 * of data), across the first chunk boundary of the big segment (data
 * throughout), "OVERLAP-MARKER" where its first two chunks overlap, the
 * marker deep in it, "SHARED-MARKER" in the shared segment and in the unreadable one's image (which
 * the manifest says holds nothing).
 */
static void make_evidence(void)
{
	char e[64], b[64], s[64], n[64], path[256], manifest[2048];
	char index[1024];
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/check_scan.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/segments", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);

	fd = image(EXE_START, EXE_END, e, sizeof(e));
	put(fd, AT_EXE - EXE_START, "PLANTED-MARKER");
	close(fd);
	fd = image(BIG_START, BIG_END, b, sizeof(b));
	fill(fd, BIG_END - BIG_START);
	put(fd, AT_SPAN - BIG_START, "PLANTED-MARKER");
	put(fd, AT_OVERLAP - BIG_START, "OVERLAP-MARKER");
	put(fd, AT_BIG - BIG_START, "PLANTED-MARKER");
	close(fd);
	fd = image(SHM_START, SHM_END, s, sizeof(s));
	put(fd, AT_SHM - SHM_START, "SHARED-MARKER");
	close(fd);
	fd = image(NOR_START, NOR_END, n, sizeof(n));
	put(fd, 0x10, "PLANTED-MARKER");
	close(fd);

	snprintf(index, sizeof(index),
		 "%08llx-%08llx r-xp 00000000 08:01 1234 /usr/bin/target\n"
		 "%08llx-%08llx rw-p 00000000 00:00 0 \n"
		 "%08llx-%08llx rw-s 00000000 00:01 77 /memfd:payload (deleted)\n"
		 "%08llx-%08llx ---p 00000000 00:00 0 \n",
		 EXE_START, EXE_END, BIG_START, BIG_END, SHM_START, SHM_END,
		 NOR_START, NOR_END);
	write_file("index.txt", index);
	snprintf(manifest, sizeof(manifest),
		 "{\"format\":\"procsnap-evidence\",\"target\":{\"pid\":42},"
		 "\"segments\":["
		 "{\"start\":\"%08llx\",\"end\":\"%08llx\",\"file\":\"%s\",\"status\":\"ok\"},"
		 "{\"start\":\"%08llx\",\"end\":\"%08llx\",\"file\":\"%s\",\"status\":\"ok\"},"
		 "{\"start\":\"%08llx\",\"end\":\"%08llx\",\"file\":\"%s\",\"status\":\"ok\"},"
		 "{\"start\":\"%08llx\",\"end\":\"%08llx\",\"file\":\"%s\",\"status\":\"unreadable\"}]}",
		 EXE_START, EXE_END, e, BIG_START, BIG_END, b,
		 SHM_START, SHM_END, s, NOR_START, NOR_END, n);
	write_file("manifest.json", manifest);
}

static void remove_evidence(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A rules file of @text, at @path. */
static void rules_file(char *path, size_t size, const char *text)
{
	int fd;

	snprintf(path, size, "/tmp/check_scan_rules.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

#define MAX_HITS 16

struct hits {
	unsigned int rules;
	char rule[4][32];
	char tags[4][64];
	size_t n;
	struct {
		char id[16];
		uint64_t addr;
		size_t segment, length;
		char data[32];
	} s[MAX_HITS];
	int ret;		/* what the callback returns */
};

static int collect_hit(void *data, const struct procsnap_scan_match *m)
{
	struct hits *h = data;
	size_t i;

	if (h->rules < 4) {
		snprintf(h->rule[h->rules], sizeof(h->rule[0]), "%s:%s", m->ns,
			 m->rule);
		for (i = 0; i < m->nr_tags; i++) {
			strcat(h->tags[h->rules], i ? "," : "");
			strcat(h->tags[h->rules], m->tags[i]);
		}
	}
	h->rules++;
	for (i = 0; i < m->nr_strings && h->n < MAX_HITS; i++, h->n++) {
		snprintf(h->s[h->n].id, sizeof(h->s[0].id), "%s",
			 m->strings[i].identifier);
		h->s[h->n].addr = m->strings[i].addr;
		h->s[h->n].segment = m->strings[i].segment;
		h->s[h->n].length = m->strings[i].length;
		snprintf(h->s[h->n].data, sizeof(h->s[0].data), "%.*s",
			 (int)m->strings[i].data_length,
			 (const char *)m->strings[i].data);
	}
	return h->ret;
}

static int scan_dir(const char *rules_text, unsigned int flags,
		    struct hits *h, struct procsnap_scan_stats *st)
{
	struct procsnap_rules *r;
	struct procsnap_view *v;
	char path[64];
	int err;

	rules_file(path, sizeof(path), rules_text);
	ck_assert_int_eq(procsnap_rules_load(path, &r, NULL), 0);
	unlink(path);
	ck_assert_int_eq(procsnap_view_dir(dir, &v), 0);
	err = procsnap_scan(v, r, flags, collect_hit, h, st);
	procsnap_view_close(v);
	procsnap_rules_free(r);
	return err;
}

START_TEST(test_scan_hits)
{
	struct procsnap_scan_stats st;
	struct hits h = { 0 };

	make_evidence();
	ck_assert_int_eq(scan_dir(
		"rule planted : implant memory {\n"
		"  strings: $m = \"PLANTED-MARKER\"\n"
		"  condition: #m == 3\n}\n"
		"rule overlap {\n"
		"  strings: $o = \"OVERLAP-MARKER\"\n"
		"  condition: #o == 1\n}\n"
		"rule absent {\n"
		"  strings: $a = \"NEVER-PLANTED\"\n"
		"  condition: $a\n}\n", 0, &h, &st), 0);
	ck_assert_uint_eq(h.rules, 2);
	ck_assert_str_eq(h.rule[0], "default:planted");
	ck_assert_str_eq(h.tags[0], "implant,memory");
	ck_assert_str_eq(h.rule[1], "default:overlap");
	ck_assert_uint_eq(h.n, 4);
	/* In address order, each once, with its segment. */
	ck_assert_str_eq(h.s[0].id, "$m");
	ck_assert_uint_eq(h.s[0].addr, AT_EXE);
	ck_assert_uint_eq(h.s[0].segment, 0);
	ck_assert_uint_eq(h.s[0].length, 14);
	ck_assert_str_eq(h.s[0].data, "PLANTED-MARKER");
	ck_assert_uint_eq(h.s[1].addr, AT_SPAN);
	ck_assert_uint_eq(h.s[1].segment, 1);
	ck_assert_str_eq(h.s[1].data, "PLANTED-MARKER");
	ck_assert_uint_eq(h.s[2].addr, AT_BIG);
	ck_assert_uint_eq(h.s[2].segment, 1);
	ck_assert_str_eq(h.s[3].id, "$o");
	ck_assert_uint_eq(h.s[3].addr, AT_OVERLAP);
	/* The live segment is scanned; the unreadable one is not. */
	ck_assert_uint_eq(st.matches, 2);
	ck_assert_uint_eq(st.segments, 3);
	ck_assert_uint_eq(st.bytes_unreadable, 0);
	/* The images' data extents, each byte once whatever the overlap. */
	ck_assert_uint_le(st.bytes_scanned, (EXE_END - EXE_START) +
			  (BIG_END - BIG_START) + (SHM_END - SHM_START));
	ck_assert_uint_ge(st.bytes_scanned, (BIG_END - BIG_START) + 2 * 16);
	remove_evidence();
}
END_TEST

START_TEST(test_scan_live_and_stop)
{
	const char *rules =
		"rule shared { strings: $s = \"SHARED-MARKER\" condition: $s }\n"
		"rule planted { strings: $m = \"PLANTED-MARKER\" condition: $m }\n";
	struct procsnap_scan_stats st;
	struct hits h = { 0 };

	make_evidence();
	ck_assert_int_eq(scan_dir(rules, 0, &h, &st), 0);
	ck_assert_uint_eq(h.rules, 2);
	ck_assert_uint_eq(h.s[0].addr, AT_SHM);
	ck_assert_uint_eq(h.s[0].segment, 2);

	memset(&h, 0, sizeof(h));
	ck_assert_int_eq(scan_dir(rules, PROCSNAP_SCAN_NO_LIVE, &h, &st), 0);
	ck_assert_uint_eq(h.rules, 1);
	ck_assert_str_eq(h.rule[0], "default:planted");
	ck_assert_uint_eq(st.segments, 2);

	/* The callback's word ends the scan and is returned. */
	memset(&h, 0, sizeof(h));
	h.ret = 7;
	ck_assert_int_eq(scan_dir(rules, 0, &h, &st), 7);
	ck_assert_uint_eq(h.rules, 1);

	memset(&h, 0, sizeof(h));
	ck_assert_int_eq(scan_dir(rules, 1u << 31, &h, &st), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(h.rules, 0);
	remove_evidence();
}
END_TEST

START_TEST(test_rules_load)
{
	struct procsnap_rules *r = (void *)1;
	char src[64], bin[64], *msg = (void *)1;
	YR_COMPILER *c;
	YR_RULES *yr;
	struct hits h = { 0 };
	struct procsnap_view *v;

	rules_file(src, sizeof(src),
		   "rule x {\n  strings: $a = \"x\"\n  condition: $b\n}\n");
	ck_assert_int_eq(procsnap_rules_load(src, &r, &msg), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(msg);
	ck_assert_contains(msg, src);
	ck_assert_contains(msg, "): undefined string \"$b\"\n");
	free(msg);
	unlink(src);

	ck_assert_int_eq(procsnap_rules_load("/nonexistent/r.yar", &r, &msg),
			 -ENOENT);
	ck_assert_ptr_null(msg);
	ck_assert_int_eq(procsnap_rules_load(NULL, &r, NULL), -EINVAL);

	/* yarac's output: compiled here with libyara itself. */
	ck_assert_int_eq(yr_initialize(), ERROR_SUCCESS);
	ck_assert_int_eq(yr_compiler_create(&c), ERROR_SUCCESS);
	ck_assert_int_eq(yr_compiler_add_string(c,
		"rule compiled { strings: $m = \"PLANTED-MARKER\" "
		"condition: $m }", NULL), 0);
	ck_assert_int_eq(yr_compiler_get_rules(c, &yr), ERROR_SUCCESS);
	snprintf(bin, sizeof(bin), "/tmp/check_scan_bin.%d", (int)getpid());
	ck_assert_int_eq(yr_rules_save(yr, bin), ERROR_SUCCESS);
	yr_rules_destroy(yr);
	yr_compiler_destroy(c);
	ck_assert_int_eq(yr_finalize(), ERROR_SUCCESS);

	make_evidence();
	ck_assert_int_eq(procsnap_rules_load(bin, &r, NULL), 0);
	ck_assert_int_eq(procsnap_view_dir(dir, &v), 0);
	ck_assert_int_eq(procsnap_scan(v, r, 0, collect_hit, &h, NULL), 0);
	ck_assert_uint_eq(h.rules, 1);
	ck_assert_str_eq(h.rule[0], "default:compiled");
	ck_assert_uint_eq(h.n, 3);
	procsnap_view_close(v);
	procsnap_rules_free(r);

	/* A compiled file cut short is not rules. */
	ck_assert_int_eq(truncate(bin, 64), 0);
	ck_assert_int_eq(procsnap_rules_load(bin, &r, &msg), -EINVAL);
	ck_assert_ptr_nonnull(msg);
	free(msg);
	unlink(bin);
	remove_evidence();
}
END_TEST

/* A child holding a secret on its heap, its address sent up a pipe. */
START_TEST(test_scan_process)
{
	struct procsnap_scan_stats st;
	struct procsnap_rules *r;
	struct procsnap_view *v;
	struct hits h = { 0 };
	uint64_t addr;
	int fds[2];
	char path[64], rules[128], secret[32];
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		char *p = malloc(4096);

		/* With its pid: no constant of the test's image holds it. */
		snprintf(p, 4096, "CHILD-%d-HEAP", (int)getpid());
		addr = (uint64_t)(uintptr_t)p;
		if (write(fds[1], &addr, sizeof(addr)) != sizeof(addr))
			_exit(1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &addr, sizeof(addr)), sizeof(addr));
	close(fds[0]);

	snprintf(secret, sizeof(secret), "CHILD-%d-HEAP", (int)pid);
	snprintf(rules, sizeof(rules), "rule secret { strings: $s = \"%s\" "
		 "condition: $s }\n", secret);
	rules_file(path, sizeof(path), rules);
	ck_assert_int_eq(procsnap_rules_load(path, &r, NULL), 0);
	unlink(path);
	ck_assert_int_eq(procsnap_view_process(pid, &v), 0);
	ck_assert_int_eq(procsnap_scan(v, r, 0, collect_hit, &h, &st), 0);
	procsnap_view_close(v);
	procsnap_rules_free(r);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	ck_assert_uint_eq(h.rules, 1);
	/* The heap's, and only it. */
	ck_assert_uint_eq(h.n, 1);
	ck_assert_uint_eq(h.s[0].addr, addr);
	ck_assert_str_eq(h.s[0].data, secret);
	ck_assert_uint_gt(st.bytes_scanned, 0);
}
END_TEST

START_TEST(test_cli_scan)
{
	struct captured c;
	char path[64], want[128];

	make_evidence();
	rules_file(path, sizeof(path),
		   "rule planted : implant { strings: $m = \"PLANTED-MARKER\" "
		   "condition: $m }\n");
	RUN(&c, scan_main, MISSING_DEVICE, "scan", dir, "-r", path);
	ck_assert_int_eq(c.status, 0);
	snprintf(want, sizeof(want), "planted implant 0x%llx $m "
		 "00400000-00402000 r-xp PLANTED-MARKER /usr/bin/target\n",
		 AT_EXE);
	ck_assert_contains(c.out, want);
	snprintf(want, sizeof(want), "planted implant 0x%llx $m %llx-%llx "
		 "rw-p PLANTED-MARKER -\n", AT_SPAN, BIG_START, BIG_END);
	ck_assert_contains(c.out, want);

	RUN(&c, scan_main, MISSING_DEVICE, "scan", dir, "-r", path, "--json");
	ck_assert_int_eq(c.status, 0);
	snprintf(want, sizeof(want), "{\"identifier\":\"$m\",\"address\":%llu,"
		 "\"length\":14,\"data\":\"504c414e5445442d4d41524b4552\","
		 "\"segment\":{\"index\":0,", AT_EXE);
	ck_assert_contains(c.out, want);
	ck_assert_contains(c.out, "[{\"rule\":\"planted\",\"namespace\":"
			   "\"default\",\"tags\":[\"implant\"],");
	unlink(path);

	/* A rule of no string: its line has no match to show. */
	rules_file(path, sizeof(path),
		   "rule always : t1 t2 { condition: true }\n");
	RUN(&c, scan_main, MISSING_DEVICE, "scan", dir, "-r", path);
	ck_assert_int_eq(c.status, 0);
	ck_assert_str_eq(c.out, "always t1,t2 - - - - - -\n");
	RUN(&c, scan_main, MISSING_DEVICE, "scan", dir, "-r", path, "--json");
	ck_assert_str_eq(c.out, "[{\"rule\":\"always\",\"namespace\":"
			 "\"default\",\"tags\":[\"t1\",\"t2\"],"
			 "\"strings\":[]}]\n");
	unlink(path);

	/* No match: 1, and an empty JSON array. */
	rules_file(path, sizeof(path),
		   "rule absent { strings: $a = \"NEVER\" condition: $a }\n");
	RUN(&c, scan_main, MISSING_DEVICE, "scan", dir, "-r", path, "--json");
	ck_assert_int_eq(c.status, 1);
	ck_assert_str_eq(c.out, "[]\n");
	/* Errors, usage errors too: 2. */
	RUN(&c, scan_main, MISSING_DEVICE, "scan", dir);
	ck_assert_failure(&c, 2, "missing -r RULES");
	RUN(&c, scan_main, MISSING_DEVICE, "scan", "-r", path);
	ck_assert_failure(&c, 2, "missing CLONE_PID or DIR");
	RUN(&c, scan_main, MISSING_DEVICE, "scan", "/nonexistent", "-r", path);
	ck_assert_failure(&c, 2, "no manifest.json");
	RUN(&c, scan_main, MISSING_DEVICE, "scan", "123", "-r", path);
	ck_assert_failure(&c, 2, MODULE_HINT);
	unlink(path);
	rules_file(path, sizeof(path), "rule {");
	RUN(&c, scan_main, MISSING_DEVICE, "scan", dir, "-r", path);
	ck_assert_failure(&c, 2, "cannot load rules");
	unlink(path);
	RUN(&c, snapshot_main, MISSING_DEVICE, "snapshot", "1", "-o", "-",
	    "--scan", path);
	ck_assert_failure(&c, 2, "--scan prints matches");
	RUN(&c, snapshot_main, MISSING_DEVICE, "snapshot", "1", "-o", "/tmp/x",
	    "--scan", path);
	ck_assert_failure(&c, 2, "cannot load rules");
	remove_evidence();
}
END_TEST

Suite *scan_suite(void)
{
	Suite *s = suite_create("scan");
	TCase *tc = tcase_create("scan");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_scan_hits);
	tcase_add_test(tc, test_scan_live_and_stop);
	tcase_add_test(tc, test_rules_load);
	tcase_add_test(tc, test_scan_process);
	tcase_add_test(tc, test_cli_scan);
	suite_add_tcase(s, tc);
	return s;
}
