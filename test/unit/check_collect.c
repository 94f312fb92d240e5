// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parts of the collection engine one at a time: maps parsing, the
 * JSON writer, rates, hashes, the token bucket, the run list, the output
 * sinks (directory and tar stream), the lanes and the manifest.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_procsnap.h"
#include "internal.h"
#include "util.h"

/* ---- maps ---- */

static const char maps_sample[] =
	"00400000-00401000 r-xp 00000000 fd:01 1234                       /usr/bin/prog\n"
	"55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                  [heap]\n"
	"7f0000000000-7f0000001000 r--s 00001000 08:11 99                 /tmp/a file with  spaces\n"
	"7f0000001000-7f0000002000 rw-p 00000000 00:05 4242               /memfd:x (deleted)\n"
	"7f0000002000-7f0000003000 ---p 00000000 00:00 0 \n"
	"7ffd1000-7ffd3000 r--p 00000000 00:00 0                          [vvar]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

START_TEST(test_maps_parse)
{
	char *text = strdup(maps_sample);
	struct ps_map *m;
	size_t n;

	ck_assert_int_eq(ps_parse_maps(text, &m, &n), 0);
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(m[0].start, 0x400000);
	ck_assert_uint_eq(m[0].end, 0x401000);
	ck_assert_str_eq(m[0].perms, "r-xp");
	ck_assert_uint_eq(m[0].dev_major, 0xfd);
	ck_assert_uint_eq(m[0].dev_minor, 1);
	ck_assert_uint_eq(m[0].inode, 1234);
	ck_assert_str_eq(m[0].path, "/usr/bin/prog");
	ck_assert_str_eq(m[1].path, "[heap]");
	ck_assert_uint_eq(m[1].start, 0x55d0c0a00000ULL);
	ck_assert_str_eq(m[2].path, "/tmp/a file with  spaces");
	ck_assert_str_eq(m[2].perms, "r--s");
	ck_assert_uint_eq(m[2].offset, 0x1000);
	ck_assert_uint_eq(m[2].dev_major, 8);
	ck_assert_uint_eq(m[2].dev_minor, 0x11);
	ck_assert_str_eq(m[3].path, "/memfd:x (deleted)");
	ck_assert_str_eq(m[4].path, "");
	ck_assert_str_eq(m[4].perms, "---p");
	ck_assert_str_eq(m[5].path, "[vvar]");
	ck_assert_uint_eq(m[6].start, 0xffffffffff600000ULL);
	ck_assert_str_eq(m[6].path, "[vsyscall]");
	free(m);
	free(text);
}
END_TEST

START_TEST(test_maps_edge)
{
	static const char *const bad[] = {
		"zz-1000 r--p 00000000 00:00 0\n",
		"1000-2000 r--x 00000000 00:00 0\n",
		"1000-2000 r--p 0000g000 00:00 0\n",
		"1000 r--p 00000000 00:00 0\n",
		"2000-1000 r--p 00000000 00:00 0\n",
		"1000-2000 r--p 00000000 00-00 0\n",
		"1000-2000 r--p 00000000 00:00 12x /a\n",
		"1000-2000 r--p\n",
	};
	struct ps_map *m = (void *)1;
	size_t n = 1, i;
	char *text;

	/* Empty: no maps. */
	text = strdup("");
	ck_assert_int_eq(ps_parse_maps(text, &m, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(m);
	free(text);

	/* No newline at the end. */
	text = strdup("1000-2000 r--p 00000000 00:00 0 /x y");
	ck_assert_int_eq(ps_parse_maps(text, &m, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(m[0].path, "/x y");
	free(m);
	free(text);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		text = strdup(bad[i]);
		ck_assert_msg(ps_parse_maps(text, &m, &n) == -EINVAL,
			      "accepted: %s", bad[i]);
		ck_assert_ptr_null(m);
		ck_assert_uint_eq(n, 0);
		free(text);
	}
	ck_assert_int_eq(ps_parse_maps(NULL, &m, &n), -EINVAL);
}
END_TEST

/* As 6.1's show_smap() prints it (abridged: the keys are not looked at). */
static const char smaps_sample[] =
	"00400000-00401000 r-xp 00000000 fd:01 1234 /usr/bin/prog\n"
	"Size:                  4 kB\n"
	"AnonHugePages:         0 kB\n"
	"VmFlags: rd ex mr mw me dw sd \n"
	"7f0000001000-7f0000002000 rw-p 00000000 00:00 0 \n"
	"Rss:                   4 kB\n"
	"VmFlags: rd wr mr mw me dc ac sd\n"
	"7f0000002000-7f0000003000 rw-p 00000000 00:00 0 \n"
	"FilePmdMapped:         0 kB\n"
	"VmFlags: rd wr mr mw me ac sd wf dc";

START_TEST(test_smaps_recovered)
{
	char *text = strdup("00400000-00401000 r-xp 00000000 fd:01 1234 /usr/bin/prog\n"
			    "7f0000001000-7f0000002000 rw-p 00000000 00:00 0\n"
			    "7f0000002000-7f0000003000 rw-p 00000000 00:00 0\n");
	struct ps_map *m;
	size_t n;

	ck_assert_int_eq(ps_parse_maps(text, &m, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(ps_smaps_recovered(smaps_sample, m, n), 0);
	/* "dw" and "sd" are not "dc" or "wf"; the last word has no blank. */
	ck_assert_uint_eq(m[0].recovered, 0);
	ck_assert_uint_eq(m[1].recovered, PS_RECOVERED_DONTFORK);
	ck_assert_uint_eq(m[2].recovered,
			  PS_RECOVERED_DONTFORK | PS_RECOVERED_WIPEONFORK);
	/* smaps and maps of different mappings: refused, not guessed. */
	ck_assert_int_eq(ps_smaps_recovered(smaps_sample, m, 2), -EINVAL);
	m[1].start = 0x7f0000001001;
	ck_assert_int_eq(ps_smaps_recovered(smaps_sample, m, n), -EINVAL);
	ck_assert_int_eq(ps_smaps_recovered("VmFlags: dc\n", m, n), -EINVAL);
	ck_assert_int_eq(ps_smaps_recovered("", NULL, 0), 0);
	ck_assert_int_eq(ps_smaps_recovered(NULL, m, n), -EINVAL);
	free(m);
	free(text);
}
END_TEST

START_TEST(test_limits)
{
	struct ps_limit l[PS_NR_LIMITS];
	char line[128], *text, *p;
	FILE *f;
	size_t n;
	int i;

	/* As this machine's kernel prints it, with two values changed. */
	f = fopen("/proc/self/limits", "r");
	ck_assert_ptr_nonnull(f);
	text = calloc(1, 8192);
	ck_assert_ptr_nonnull(text);
	n = fread(text, 1, 8191, f);
	fclose(f);
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(ps_parse_limits(text, l), 0);
	p = strstr(text, "Max open files");
	ck_assert_ptr_nonnull(p);
	snprintf(line, sizeof(line), "%-25s %-20s %-20s %-10s", "Max open files",
		 "777", "unlimited", "files");
	memcpy(p, line, strlen(line));
	ck_assert_int_eq(ps_parse_limits(text, l), 0);
	ck_assert_uint_eq(l[7].soft, 777);
	ck_assert_uint_eq(l[7].hard, PS_UNLIMITED);
	ck_assert_str_eq(ps_limit_names[7], "nofile");
	ck_assert_str_eq(ps_limit_names[15], "rttime");
	/* Not a number, a short line, a missing line: refused. */
	memcpy(p + 26, "7x7", 3);
	ck_assert_int_eq(ps_parse_limits(text, l), -EINVAL);
	memcpy(p + 26, "777", 3);
	for (i = 0, p = text; i < 16; i++)
		p = strchr(p, '\n') + 1;
	*p = '\0';			/* the last line gone */
	ck_assert_int_eq(ps_parse_limits(text, l), -EINVAL);
	ck_assert_int_eq(ps_parse_limits("Max cpu time\n", l), -EINVAL);
	ck_assert_int_eq(ps_parse_limits(NULL, l), -EINVAL);
	free(text);
}
END_TEST

START_TEST(test_map_kind_and_name)
{
	char *text = strdup(maps_sample);
	struct ps_map *m;
	char name[80];
	size_t n;
	int err;

	ck_assert_int_eq(ps_parse_maps(text, &m, &n), 0);
	ck_assert_int_eq(ps_map_kind(&m[0], &err), PS_MAP_WHOLE);
	ck_assert_int_eq(ps_map_kind(&m[1], &err), PS_MAP_SPARSE);
	ck_assert_int_eq(ps_map_kind(&m[2], &err), PS_MAP_WHOLE);
	ck_assert_int_eq(ps_map_kind(&m[3], &err), PS_MAP_WHOLE);
	ck_assert_int_eq(ps_map_kind(&m[4], &err), PS_MAP_UNREADABLE);
	ck_assert_int_eq(err, EACCES);
	ck_assert_int_eq(ps_map_kind(&m[5], &err), PS_MAP_UNREADABLE);
	ck_assert_int_eq(err, EIO);
	ck_assert_int_eq(ps_map_kind(&m[6], &err), PS_MAP_UNREADABLE);

	/* Names as the maps lines spell the addresses. */
	ps_segment_name(&m[0], name, sizeof(name));
	ck_assert_str_eq(name, "segments/00400000-00401000.img");
	ps_segment_name(&m[1], name, sizeof(name));
	ck_assert_str_eq(name, "segments/55d0c0a00000-55d0c0a21000.img");
	ps_segment_name(&m[6], name, sizeof(name));
	ck_assert_str_eq(name, "segments/ffffffffff600000-ffffffffff601000.img");
	free(m);
	free(text);
}
END_TEST

/* ---- JSON ---- */

static char *escaped(const char *s, size_t len)
{
	size_t size;
	char *buf;
	FILE *f = open_memstream(&buf, &size);

	ps_json_escape(f, s, len);
	fclose(f);
	return buf;
}

#define ck_escape(in, want) do { \
	char *got_ = escaped(in, sizeof(in) - 1); \
	ck_assert_str_eq(got_, want); \
	free(got_); \
} while (0)

START_TEST(test_json_escape)
{
	ck_escape("plain", "\"plain\"");
	ck_escape("a\"b\\c", "\"a\\\"b\\\\c\"");
	ck_escape("\n\t\r\b\f", "\"\\u000a\\u0009\\u000d\\u0008\\u000c\"");
	ck_escape("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	ck_escape("nul\0inside", "\"nul\\u0000inside\"");
	/* Well-formed UTF-8 passes, anything else becomes U+FFFD. */
	ck_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	ck_escape("\xff", "\"\\ufffd\"");
	ck_escape("a\xc3", "\"a\\ufffd\"");
	ck_escape("\xe2\x82", "\"\\ufffd\\ufffd\"");
	ck_escape("\xc0\xaf", "\"\\ufffd\\ufffd\"");		/* overlong */
	ck_escape("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	ck_escape("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}
END_TEST

START_TEST(test_json_writer)
{
	struct ps_json j;
	size_t size;
	char *buf;
	FILE *f = open_memstream(&buf, &size);

	ps_json_init(&j, f, false);
	ps_json_object_begin(&j);
	ps_json_key(&j, "a");
	ps_json_u64(&j, 18446744073709551615ULL);
	ps_json_key(&j, "b");
	ps_json_array_begin(&j);
	ps_json_i64(&j, -1);
	ps_json_string(&j, "x");
	ps_json_null(&j);
	ps_json_bool(&j, true);
	ps_json_object_begin(&j);
	ps_json_object_end(&j);
	ps_json_array_begin(&j);
	ps_json_array_end(&j);
	ps_json_array_end(&j);
	ps_json_key(&j, "c\n");
	ps_json_string(&j, NULL);
	ps_json_object_end(&j);
	fclose(f);
	ck_assert_str_eq(buf, "{\"a\":18446744073709551615,\"b\":[-1,\"x\","
			 "null,true,{},[]],\"c\\u000a\":null}");
	free(buf);

	f = open_memstream(&buf, &size);
	ps_json_init(&j, f, true);
	ps_json_object_begin(&j);
	ps_json_key(&j, "a");
	ps_json_array_begin(&j);
	ps_json_u64(&j, 1);
	ps_json_u64(&j, 2);
	ps_json_array_end(&j);
	ps_json_key(&j, "e");
	ps_json_object_begin(&j);
	ps_json_object_end(&j);
	ps_json_object_end(&j);
	fclose(f);
	ck_assert_str_eq(buf, "{\n  \"a\": [\n    1,\n    2\n  ],\n"
			 "  \"e\": {}\n}\n");
	free(buf);
}
END_TEST

/* ---- rates ---- */

START_TEST(test_parse_rate)
{
	static const struct {
		const char *s;
		uint64_t v;
	} good[] = {
		{ "0", 0 }, { "1", 1 }, { "512", 512 }, { "1K", 1024 },
		{ "4k", 4096 }, { "50M", 50ULL << 20 }, { "2G", 2ULL << 30 },
		{ "3g", 3ULL << 30 }, { "007m", 7ULL << 20 },
		{ "17179869183G", 17179869183ULL << 30 },
	};
	static const char *const bad[] = {
		"", "M", "5X", "5MB", "-1", "+1", " 1", "1 ", "1.5M", "0x10",
		"5KK", "1T",
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 12345;
		ck_assert_msg(parse_rate(good[i].s, &v) == 0, "%s", good[i].s);
		ck_assert_uint_eq(v, good[i].v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 12345;
		ck_assert_msg(parse_rate(bad[i], &v) == -EINVAL, "%s", bad[i]);
		ck_assert_uint_eq(v, 12345);
	}
	ck_assert_int_eq(parse_rate(NULL, &v), -EINVAL);
	ck_assert_int_eq(parse_rate("17179869184G", &v), -ERANGE);
	ck_assert_int_eq(parse_rate("99999999999999999999", &v), -ERANGE);
	ck_assert_int_eq(parse_rate("18446744073709551615", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
}
END_TEST

START_TEST(test_throttle)
{
	const uint64_t s = 1000000000ULL, mib = 1 << 20;
	struct ps_throttle t;

	ps_throttle_init(&t, 0, mib);
	ck_assert_uint_eq(ps_throttle_delay(&t, 0, 1ULL << 40), 0);

	/* 1 MiB/s, 2 MiB chunks: the bucket holds 2 MiB, starts empty. */
	ps_throttle_init(&t, mib, 2 * mib);
	ck_assert_uint_eq(ps_throttle_delay(&t, 5 * s, mib), s);
	/* Slept the second: the next MiB is due a second later again. */
	ck_assert_uint_eq(ps_throttle_delay(&t, 6 * s, mib), s);
	/* Half a second early: one and a half seconds to wait. */
	ck_assert_uint_eq(ps_throttle_delay(&t, 6 * s + s / 2, mib),
			  s + s / 2);
	/* A long pause fills the bucket only up to the burst. */
	ck_assert_uint_eq(ps_throttle_delay(&t, 100 * s, mib), 0);
	ck_assert_uint_eq(ps_throttle_delay(&t, 100 * s, mib), 0);
	ck_assert_uint_eq(ps_throttle_delay(&t, 100 * s, mib), s);

	/* Over a long run the average is the rate. */
	{
		uint64_t now = 0, i, total = 0;

		ps_throttle_init(&t, 50 * mib, 2 * mib);
		for (i = 0; i < 1000; i++) {
			now += ps_throttle_delay(&t, now, 2 * mib);
			total += 2 * mib;
		}
		/* 2000 MiB at 50 MiB/s: 40 s, less the last chunk's wait. */
		ck_assert_uint_ge(now, 39 * s);
		ck_assert_uint_le(now, 40 * s);
	}
}
END_TEST

/* ---- hashes ---- */

#define SHA_EMPTY \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_ABC \
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

START_TEST(test_sha)
{
	char hex[PS_SHA256_HEX], hex2[PS_SHA256_HEX];
	struct ps_sha *sha;
	unsigned char *zeros = calloc(1, 300000);

	ck_assert_int_eq(ps_sha256_buf("", 0, hex), 0);
	ck_assert_str_eq(hex, SHA_EMPTY);
	ck_assert_int_eq(ps_sha256_buf("abc", 3, hex), 0);
	ck_assert_str_eq(hex, SHA_ABC);

	/* Holes hash as the zeros they read as. */
	ck_assert_int_eq(ps_sha_new(&sha), 0);
	ck_assert_int_eq(ps_sha_update(sha, "a", 1), 0);
	ck_assert_int_eq(ps_sha_zeros(sha, 299998), 0);
	ck_assert_int_eq(ps_sha_update(sha, "b", 1), 0);
	ck_assert_int_eq(ps_sha_final(sha, hex), 0);
	zeros[0] = 'a';
	zeros[299999] = 'b';
	ck_assert_int_eq(ps_sha256_buf(zeros, 300000, hex2), 0);
	ck_assert_str_eq(hex, hex2);
	/* Final resets. */
	ck_assert_int_eq(ps_sha_final(sha, hex), 0);
	ck_assert_str_eq(hex, SHA_EMPTY);
	ps_sha_free(sha);
	free(zeros);
}
END_TEST

START_TEST(test_root_hash)
{
	struct ps_segment segs[3];
	char root[PS_SHA256_HEX], want[PS_SHA256_HEX], list[3 * 65 + 1];

	memset(segs, 0, sizeof(segs));
	strcpy(segs[0].sha, SHA_EMPTY);
	strcpy(segs[1].sha, SHA_ABC);
	strcpy(segs[2].sha, SHA_EMPTY);
	segs[0].have_sha = segs[1].have_sha = segs[2].have_sha = true;

	/* sha256sum of a file listing them one per line. */
	snprintf(list, sizeof(list), "%s\n%s\n%s\n", SHA_EMPTY, SHA_ABC,
		 SHA_EMPTY);
	ck_assert_int_eq(ps_sha256_buf(list, strlen(list), want), 0);
	ck_assert_int_eq(ps_root_sha256(segs, 3, root), 0);
	ck_assert_str_eq(root, want);
	/* Known answer: printf '%s\n' e3b0...b855 | sha256sum */
	ck_assert_int_eq(ps_root_sha256(segs, 1, root), 0);
	ck_assert_str_eq(root, "38acb15d02d5ac0f2a2789602e9df950"
			 "c380d2799b4bdb59394e4eeabdd3a662");
	/* No segments: the hash of nothing. */
	ck_assert_int_eq(ps_root_sha256(segs, 0, root), 0);
	ck_assert_str_eq(root, SHA_EMPTY);
	/* A segment without a hash: no root. */
	segs[1].have_sha = false;
	ck_assert_int_eq(ps_root_sha256(segs, 3, root), -ENODATA);
}
END_TEST

/* ---- runs ---- */

START_TEST(test_runs)
{
	struct ps_runs r = { 0 };
	uint64_t i;

	ck_assert_int_eq(ps_runs_add(&r, 0x1000, 0x2000, 4096), 0);
	ck_assert_int_eq(ps_runs_add(&r, 0x2000, 0x3000, 4096), 0);
	ck_assert_int_eq(ps_runs_add(&r, 0x5000, 0x6000, 4096), 0);
	ck_assert_int_eq(ps_runs_add(&r, 0x7000, 0x7000, 4096), 0);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_uint_eq(r.v[0].start, 0x1000);
	ck_assert_uint_eq(r.v[0].end, 0x3000);
	ck_assert_uint_eq(r.v[1].start, 0x5000);
	ck_assert_uint_eq(r.bytes, 0x3000);

	/* Bounded: every other page of a huge mapping. */
	ps_runs_reset(&r);
	for (i = 0; i < 3 * PS_RUNS_MAX; i++)
		ck_assert_int_eq(ps_runs_add(&r, i * 8192, i * 8192 + 4096,
					     4096), 0);
	ck_assert_uint_le(r.n, PS_RUNS_MAX);
	ck_assert_uint_ge(r.gap, 4096);
	ck_assert_uint_eq(r.v[0].start, 0);
	ck_assert_uint_eq(r.v[r.n - 1].end, (3 * PS_RUNS_MAX - 1) * 8192 +
			  4096);
	/* Every page asked for is in a run. */
	for (i = 1; i < r.n; i++)
		ck_assert_uint_gt(r.v[i].start, r.v[i - 1].end);
	ck_assert_uint_ge(r.bytes, 3 * PS_RUNS_MAX * 4096ULL);
	ps_runs_free(&r);
}
END_TEST

/* ---- sinks ---- */

static char tmpdir[64];

static void tmpdir_setup(void)
{
	strcpy(tmpdir, "/tmp/procsnap-check-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmpdir_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

START_TEST(test_sink_dir)
{
	char path[128], sha[PS_SHA256_HEX], want[PS_SHA256_HEX];
	unsigned char *expect = calloc(1, 1 << 22), *got = malloc(1 << 22);
	struct ps_sink *s;
	struct ps_file *f;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/out", tmpdir);
	ck_assert_int_eq(ps_sink_open_dir(path, &s), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	ck_assert_int_eq(ps_sink_mkdir(s, "segments"), 0);

	ck_assert_int_eq(ps_file_create(s, "segments/a.img", 1 << 22, true,
					true, &f), 0);
	ck_assert_int_eq(ps_file_add_extent(f, 4096, 4096), 0);
	ck_assert_int_eq(ps_file_write(f, 4096, "hello", 5), 0);
	ck_assert_int_eq(ps_file_write(f, 8192 + 3, "x", 1), 0);
	/* Offsets only grow. */
	ck_assert_int_eq(ps_file_write(f, 10, "y", 1), -EINVAL);
	ck_assert_int_eq(ps_file_write(f, (1 << 22) - 1, "ab", 2), -EINVAL);
	ck_assert_int_eq(ps_file_close(f, sha), 0);
	memcpy(expect + 4096, "hello", 5);
	expect[8192 + 3] = 'x';
	ck_assert_int_eq(ps_sha256_buf(expect, 1 << 22, want), 0);
	ck_assert_str_eq(sha, want);

	snprintf(path, sizeof(path), "%s/out/segments/a.img", tmpdir);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(st.st_size, 1 << 22);
	ck_assert_int_lt(st.st_blocks * 512, 1 << 20);
	ck_assert_int_eq(read(fd, got, 1 << 22), 1 << 22);
	ck_assert_int_eq(memcmp(got, expect, 1 << 22), 0);
	close(fd);

	/* Discarded: all hole again, hashed as zeros. */
	ck_assert_int_eq(ps_file_create(s, "b.img", 65536, true, true, &f), 0);
	ck_assert_int_eq(ps_file_write(f, 0, "data", 4), 0);
	ck_assert_int_eq(ps_file_discard(f), 0);
	ck_assert_int_eq(ps_file_close(f, sha), 0);
	memset(expect, 0, 65536);
	ck_assert_int_eq(ps_sha256_buf(expect, 65536, want), 0);
	ck_assert_str_eq(sha, want);
	snprintf(path, sizeof(path), "%s/out/b.img", tmpdir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 65536);
	ck_assert_int_eq(st.st_blocks, 0);

	ck_assert_int_eq(ps_sink_put(s, "index.txt", "abc", 3, true, sha), 0);
	ck_assert_str_eq(sha, SHA_ABC);
	/* Never overwrites. */
	ck_assert_int_eq(ps_sink_put(s, "index.txt", "abc", 3, false, NULL),
			 -EEXIST);
	ck_assert_int_eq(ps_sink_close(s), 0);

	/* Not empty now; a file is not a directory. */
	snprintf(path, sizeof(path), "%s/out", tmpdir);
	ck_assert_int_eq(ps_sink_open_dir(path, &s), -ENOTEMPTY);
	ck_assert_ptr_null(s);
	snprintf(path, sizeof(path), "%s/out/index.txt", tmpdir);
	ck_assert_int_eq(ps_sink_open_dir(path, &s), -ENOTDIR);
	/* An existing empty directory is fine. */
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(ps_sink_open_dir(path, &s), 0);
	ck_assert_int_eq(ps_sink_close(s), 0);
	free(expect);
	free(got);
}
END_TEST

/* One entry read back: its data blocks laid out in @buf (zeroed first). */
static size_t read_entry(struct archive *ar, unsigned char *buf, size_t size,
			 size_t *blocks)
{
	const void *data;
	size_t len, stored = 0;
	la_int64_t off;

	memset(buf, 0, size);
	*blocks = 0;
	while (archive_read_data_block(ar, &data, &len, &off) == ARCHIVE_OK) {
		ck_assert_uint_le((uint64_t)off + len, size);
		memcpy(buf + off, data, len);
		stored += len;
		if (len)
			(*blocks)++;
	}
	return stored;
}

START_TEST(test_sink_tar)
{
	char path[128], sha[3][PS_SHA256_HEX], want[PS_SHA256_HEX];
	unsigned char *buf = malloc(1 << 22), *expect = calloc(1, 1 << 22);
	struct archive_entry *e;
	struct archive *ar;
	struct ps_sink *s;
	struct ps_file *f;
	size_t blocks, stored;
	int fd;

	snprintf(path, sizeof(path), "%s/out.tar", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ps_sink_open_tar(fd, "procsnap-42", &s), 0);
	ck_assert_int_eq(ps_sink_put(s, "index.txt", "abc", 3, true, sha[0]),
			 0);
	ck_assert_int_eq(ps_sink_mkdir(s, "segments"), 0);

	/* Sparse: two extents; the writes leave a gap inside the second. */
	ck_assert_int_eq(ps_file_create(s, "segments/1000-401000.img",
					1 << 22, true, true, &f), 0);
	ck_assert_int_eq(ps_file_add_extent(f, 0, 4096), 0);
	ck_assert_int_eq(ps_file_add_extent(f, 1 << 21, 8192), 0);
	ck_assert_int_eq(ps_file_write(f, 0, "first", 5), 0);
	ck_assert_int_eq(ps_file_write(f, (1 << 21) + 4096, "second", 6), 0);
	/* One file at a time in a stream. */
	{
		struct ps_file *g;

		ck_assert_int_eq(ps_file_create(s, "x", 1, false, false, &g),
				 -EBUSY);
	}
	ck_assert_int_eq(ps_file_discard(f), -EOPNOTSUPP);
	ck_assert_int_eq(ps_file_close(f, sha[1]), 0);
	memcpy(expect, "first", 5);
	memcpy(expect + (1 << 21) + 4096, "second", 6);
	ck_assert_int_eq(ps_sha256_buf(expect, 1 << 22, want), 0);
	ck_assert_str_eq(sha[1], want);

	/* All hole. */
	ck_assert_int_eq(ps_file_create(s, "segments/hole.img", 1 << 30, true,
					false, &f), 0);
	ck_assert_int_eq(ps_file_close(f, NULL), 0);
	/* And an entry after it, which must be found where it is. */
	ck_assert_int_eq(ps_sink_put(s, "manifest.json", "{}", 2, false, NULL),
			 0);
	ck_assert_int_eq(ps_sink_close(s), 0);

	/* The stream is small: the holes are not in it. */
	{
		struct stat st;

		ck_assert_int_eq(fstat(fd, &st), 0);
		ck_assert_int_lt(st.st_size, 64 * 1024);
	}
	close(fd);

	ar = archive_read_new();
	archive_read_support_format_tar(ar);
	ck_assert_int_eq(archive_read_open_filename(ar, path, 10240),
			 ARCHIVE_OK);

	ck_assert_int_eq(archive_read_next_header(ar, &e), ARCHIVE_OK);
	ck_assert_str_eq(archive_entry_pathname(e), "procsnap-42/");
	ck_assert_int_eq(archive_entry_filetype(e), AE_IFDIR);
	ck_assert_int_eq(archive_entry_perm(e), 0700);

	ck_assert_int_eq(archive_read_next_header(ar, &e), ARCHIVE_OK);
	ck_assert_str_eq(archive_entry_pathname(e), "procsnap-42/index.txt");
	ck_assert_int_eq(archive_entry_size(e), 3);
	ck_assert_int_eq(archive_entry_perm(e), 0600);
	stored = read_entry(ar, buf, 4096, &blocks);
	ck_assert_uint_eq(stored, 3);
	ck_assert_int_eq(memcmp(buf, "abc", 3), 0);

	ck_assert_int_eq(archive_read_next_header(ar, &e), ARCHIVE_OK);
	ck_assert_str_eq(archive_entry_pathname(e), "procsnap-42/segments/");

	ck_assert_int_eq(archive_read_next_header(ar, &e), ARCHIVE_OK);
	ck_assert_str_eq(archive_entry_pathname(e),
			 "procsnap-42/segments/1000-401000.img");
	ck_assert_int_eq(archive_entry_size(e), 1 << 22);
	ck_assert_int_ge(archive_entry_sparse_count(e), 2);
	stored = read_entry(ar, buf, 1 << 22, &blocks);
	ck_assert_uint_eq(stored, 4096 + 8192);
	ck_assert_uint_eq(blocks, 2);
	ck_assert_int_eq(memcmp(buf, expect, 1 << 22), 0);

	ck_assert_int_eq(archive_read_next_header(ar, &e), ARCHIVE_OK);
	ck_assert_str_eq(archive_entry_pathname(e),
			 "procsnap-42/segments/hole.img");
	ck_assert_int_eq(archive_entry_size(e), 1 << 30);
	stored = read_entry(ar, buf, 1 << 22, &blocks);
	ck_assert_uint_eq(stored, 0);

	ck_assert_int_eq(archive_read_next_header(ar, &e), ARCHIVE_OK);
	ck_assert_str_eq(archive_entry_pathname(e), "procsnap-42/manifest.json");
	stored = read_entry(ar, buf, 4096, &blocks);
	ck_assert_uint_eq(stored, 2);
	ck_assert_int_eq(memcmp(buf, "{}", 2), 0);

	ck_assert_int_eq(archive_read_next_header(ar, &e), ARCHIVE_EOF);
	ck_assert_int_eq(archive_errno(ar), 0);
	archive_read_free(ar);
	free(buf);
	free(expect);
}
END_TEST

/* ---- the manifest ---- */

START_TEST(test_manifest)
{
	static const char maps[] =
		"00400000-00401000 r-xp 00000000 fd:01 1234 /bin/x\n"
		"7f0000000000-7f0000001000 rw-s 00000000 00:05 7 /dev/shm/q\n"
		"7ffd1000-7ffd3000 r--p 00000000 00:00 0 [vvar]\n";
	struct procsnap_thread_info thr = { .tid = 77, .flags = 1 | 8,
					    .xstate_size = 832 };
	struct procsnap_file_info file = { .fd = 3, .flags = 2, .pos = 10,
					   .path_len = 600 };
	struct ps_segment segs[3];
	struct ps_evidence ev;
	char *text = strdup(maps), *json;
	struct ps_map *m;
	size_t n, len;

	ck_assert_int_eq(ps_parse_maps(text, &m, &n), 0);
	memset(&ev, 0, sizeof(ev));
	memset(segs, 0, sizeof(segs));
	memset(file.path, 'p', sizeof(file.path) - 1);
	thr.regs[16] = 0x401000;	/* rip */
	ev.snap.clone_pid = 99;
	ev.snap.target_pid = 98;
	memcpy(ev.snap.target_comm, "a\"b", 3);
	ev.clone_pid = 99;
	ev.cmdline = "prog\0-x\0\xff";
	ev.cmdline_len = 10;
	ev.threads = &thr;
	ev.nr_threads = 1;
	ev.have_files = true;
	ev.files = &file;
	ev.nr_files = 1;
	ev.maps = m;
	ev.segs = segs;
	ev.nr_maps = n;
	ev.ns[0].name = "mnt";
	ev.ns[0].have = true;
	ev.ns[0].ino = 4026531841ULL;
	strcpy(segs[0].file, "segments/00400000-00401000.img");
	segs[0].written = true;
	segs[0].bytes_written = 4096;
	segs[0].have_sha = true;
	strcpy(segs[0].sha, SHA_ABC);
	segs[2].unreadable = true;
	segs[2].error = EIO;
	m[1].recovered = PS_RECOVERED_DONTFORK | PS_RECOVERED_WIPEONFORK;
	ev.environ = "A=1\0B=two words";
	ev.environ_len = 15;
	ev.have_limits = true;
	memset(ev.limits, 0xff, sizeof(ev.limits));
	ev.limits[7].soft = 1024;
	ev.limits[7].hard = 4096;

	ck_assert_int_eq(ps_manifest_build(&ev, &json, &len), 0);
	ck_assert_uint_eq(strlen(json), len);
	ck_assert_contains(json, "\"format\": \"procsnap-evidence\"");
	ck_assert_contains(json, "\"format_version\": 1");
	ck_assert_contains(json, "\"snapctl\": null");
	ck_assert_contains(json, "\"module\": null");
	ck_assert_contains(json, "\"comm\": \"a\\\"b\"");
	ck_assert_contains(json, "\"prog\",\n      \"-x\",\n      "
			   "\"\\ufffd\"\n");
	ck_assert_contains(json, "\"mnt\": 4026531841");
	ck_assert_contains(json, "\"environ\": [\n      \"A=1\",\n"
			   "      \"B=two words\"\n    ]");
	ck_assert_contains(json, "\"cpu\": [\n        null,\n        null\n");
	ck_assert_contains(json, "\"nofile\": [\n        1024,\n        4096\n");
	ck_assert_contains(json, "\"flags\": [\n        \"duplicated\",\n"
			   "        \"0x8\"\n");
	ck_assert_contains(json, "\"rip\": 4198400");
	ck_assert_contains(json, "\"gs\": 0");
	ck_assert_contains(json, "\"xstate_size\": 832");
	/* No module: what only it can say is null. */
	ck_assert_contains(json, "\"name\": null");
	ck_assert_contains(json, "\"sigblocked\": null");
	ck_assert_contains(json, "\"seccomp\": null");
	ck_assert_contains(json, "\"path_truncated\": true");
	ck_assert_contains(json, "\"start\": \"00400000\"");
	ck_assert_contains(json, "\"end\": \"7f0000001000\"");
	ck_assert_contains(json, "\"dev\": \"fd:01\"");
	ck_assert_contains(json, "\"status\": \"frozen\"");
	ck_assert_contains(json, "\"status\": \"live\"");
	ck_assert_contains(json, "\"status\": \"unreadable\"");
	ck_assert_contains(json, "\"error\": \"EIO\"");
	ck_assert_contains(json, "\"status\": \"frozen\",\n      \"recovered\": null");
	ck_assert_contains(json, "\"recovered\": [\n        \"dontfork\",\n"
			   "        \"wipeonfork\"\n      ]");
	ck_assert_contains(json, "\"file\": null");
	ck_assert_contains(json, "\"sha256\": \"" SHA_ABC "\"");
	ck_assert_contains(json, "\"sha256\": null");
	ck_assert_contains(json, "\"core\": null");
	ck_assert_contains(json, "\"root_sha256\": null");
	ck_assert_contains(json, "\"exe\": null");
	ck_assert_contains(json, "\"uid\": null");
	/* Ends as one object. */
	ck_assert_int_eq(json[0], '{');
	ck_assert_str_eq(json + len - 2, "}\n");
	free(json);

	/* A module that records them: the thread as it was. */
	ev.have_module = true;
	ev.module.features = PROCSNAP_FEAT_THREAD_META;
	memcpy(thr.comm, "worker \"1\"", 10);
	thr.sched_policy = 1 | 0x40000000;	/* FIFO, reset on fork */
	thr.rt_priority = 50;
	thr.nice = -5;
	thr.sigblocked = 1ULL << 9;		/* SIGUSR1 */
	thr.seccomp_mode = 2;
	ck_assert_int_eq(ps_manifest_build(&ev, &json, &len), 0);
	ck_assert_contains(json, "\"name\": \"worker \\\"1\\\"\"");
	ck_assert_contains(json, "\"sched_policy\": 1073741825");
	ck_assert_contains(json, "\"rt_priority\": 50");
	ck_assert_contains(json, "\"nice\": -5");
	ck_assert_contains(json, "\"sigblocked\": \"0000000000000200\"");
	ck_assert_contains(json, "\"seccomp\": \"filter\"");
	free(json);
	thr.seccomp_mode = 7;
	ck_assert_int_eq(ps_manifest_build(&ev, &json, &len), 0);
	ck_assert_contains(json, "\"seccomp\": \"7\"");
	free(json);
	free(m);
	free(text);
}
END_TEST

/* ---- lanes ---- */

/* A lane job that logs what it ran: op, whether as failed, its data. */
struct lane_log {
	int ops[64];
	bool failed[64];
	unsigned char first[64];
	int n;
	int fail_op;		/* this op returns -EIO */
};

static int log_job(void *obj, int op, uint64_t off, const void *data,
		   uint64_t len, bool failed)
{
	struct lane_log *log = obj;

	(void)off;
	ck_assert_int_lt(log->n, 64);
	log->ops[log->n] = op;
	log->failed[log->n] = failed;
	log->first[log->n] = data && len ? *(const unsigned char *)data : 0;
	log->n++;
	return op == log->fail_op ? -EIO : 0;
}

START_TEST(test_lanes_order_and_failure)
{
	struct lane_log log[2] = { { .fail_op = -1 }, { .fail_op = 3 } };
	struct ps_lanes *q;
	unsigned char *b;
	int i;

	ck_assert_int_eq(ps_lanes_new(0, 4096, &q), -EINVAL);
	ck_assert_int_eq(ps_lanes_new(3, 4096, &q), -EINVAL);
	ck_assert_int_eq(ps_lanes_new(2, 4096, &q), 0);
	ck_assert_uint_eq(ps_lanes_count(q), 2);

	/* A read buffer is referenced; its content is what the job sees. */
	b = ps_lanes_buf_get(q);
	b[0] = 'm';
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(ps_lanes_submit(q, 0, log_job, &log[0], i,
						 0, b, 1), 0);
	ps_lanes_buf_put(q, b);
	ck_assert_int_eq(ps_lanes_wait(q), 0);
	ck_assert_int_eq(log[0].n, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(log[0].ops[i], i);
		ck_assert_int_eq(log[0].first[i], 'm');
		ck_assert(!log[0].failed[i]);
	}
	/* Every buffer is free again: four gets do not wait. */
	for (i = 0; i < PS_LANE_BUFS; i++)
		ck_assert_ptr_nonnull(ps_lanes_buf_get(q));

	/* A foreign buffer is copied: changing it after does not matter. */
	{
		char head[2] = "h";

		ck_assert_int_eq(ps_lanes_submit(q, 1, log_job, &log[1], 1,
						 0, head, 1), 0);
		head[0] = 'X';
	}
	ck_assert_int_eq(ps_lanes_submit(q, 1, log_job, &log[1], 2, 0,
					 ps_zeros, 1 << 20), 0);
	ck_assert_int_eq(ps_lanes_submit(q, 1, log_job, &log[1], 3, 0,
					 NULL, 0), 0);
	ck_assert_int_eq(ps_lanes_wait(q), -EIO);
	ck_assert_int_eq(errno, EIO);
	/* After the failure jobs still run, as failed ones, in order. */
	ck_assert_int_eq(ps_lanes_submit(q, 1, log_job, &log[1], 4, 0,
					 NULL, 0), -EIO);
	ck_assert_int_eq(ps_lanes_wait(q), -EIO);
	ck_assert_int_eq(log[1].n, 4);
	ck_assert_int_eq(log[1].first[0], 'h');
	ck_assert_int_eq(log[1].ops[3], 4);
	ck_assert(!log[1].failed[2]);
	ck_assert(log[1].failed[3]);

	/* Stopping runs what is queued, as failed. */
	ck_assert_int_eq(ps_lanes_submit(q, 0, log_job, &log[0], 9, 0, NULL,
					 0), -EIO);
	ps_lanes_free(q);
	ck_assert_int_eq(log[0].n, 4);
	ck_assert_int_eq(log[0].ops[3], 9);
	ck_assert(log[0].failed[3]);
}
END_TEST

/* A job that holds its lane until the test lets it go. */
static int gate_job(void *obj, int op, uint64_t off, const void *data,
		    uint64_t len, bool failed)
{
	int *gate = obj;
	char c;

	(void)op; (void)off; (void)data; (void)len; (void)failed;
	return read(gate[0], &c, 1) == 1 ? 0 : -EIO;
}

static int count_job(void *obj, int op, uint64_t off, const void *data,
		     uint64_t len, bool failed)
{
	(void)op; (void)off; (void)data; (void)len; (void)failed;
	(*(int *)obj)++;
	return 0;
}

/*
 * A hole holds no memory: queuing one never waits for a busy lane, so
 * the images' and the core's holes are hashed side by side.  Data does
 * wait once its lane's backlog is full.
 */
START_TEST(test_lanes_zeros_never_wait)
{
	struct ps_lanes *q;
	int gate[2], ran = 0;

	ck_assert_int_eq(pipe(gate), 0);
	ck_assert_int_eq(ps_lanes_new(2, 4096, &q), 0);
	/* Lane 0 busy, its backlog full (4 buffers of 4 KiB). */
	ck_assert_int_eq(ps_lanes_submit(q, 0, gate_job, gate, 0, 0, NULL,
					 4 * 4096), 0);
	/* A gigabyte's hole on the busy lane, and one on the other: both
	 * queue at once (the test would hang here otherwise). */
	ck_assert_int_eq(ps_lanes_submit(q, 0, count_job, &ran, 0, 0,
					 ps_zeros, 1ULL << 30), 0);
	ck_assert_int_eq(ps_lanes_submit(q, 1, count_job, &ran, 0, 0,
					 ps_zeros, 1ULL << 30), 0);
	ck_assert_int_eq(write(gate[1], "x", 1), 1);
	ck_assert_int_eq(ps_lanes_wait(q), 0);
	ck_assert_int_eq(ran, 2);
	ps_lanes_free(q);
	close(gate[0]);
	close(gate[1]);
}
END_TEST

/* The directory sink through a lane: the same bytes and hashes. */
START_TEST(test_lanes_sink)
{
	char path[128], sha[3][PS_SHA256_HEX], want[PS_SHA256_HEX];
	unsigned char *expect = calloc(1, 1 << 22), *got = malloc(1 << 22);
	struct ps_lanes *q;
	struct ps_sink *s;
	struct ps_file *f, *g;
	unsigned char *b;
	int fd, i;

	ck_assert_int_eq(ps_lanes_new(2, 1 << 16, &q), 0);
	snprintf(path, sizeof(path), "%s/out", tmpdir);
	ck_assert_int_eq(ps_sink_open_dir(path, &s), 0);
	ck_assert_int_eq(ps_file_create(s, "a.img", 1 << 22, true, true, &f),
			 0);
	ps_file_use_lane(f, q, 0);
	ck_assert_int_eq(ps_file_create(s, "core", 1 << 22, true, true, &g),
			 0);
	ps_file_use_lane(g, q, 1);
	ck_assert_int_eq(ps_file_write(g, 0, "ELF", 3), 0);
	/* More chunks than buffers: the reader waits for the lanes. */
	for (i = 0; i < 16; i++) {
		b = ps_lanes_buf_get(q);
		memset(b, 'a' + i, 4096);
		ck_assert_int_eq(ps_file_write(f, (uint64_t)i * 65536, b,
					       4096), 0);
		ck_assert_int_eq(ps_file_write(g, (uint64_t)i * 65536 + 8192,
					       b, 4096), 0);
		ps_lanes_buf_put(q, b);
		memset(expect + i * 65536, 'a' + i, 4096);
	}
	ck_assert_int_eq(ps_file_close(f, sha[0]), 0);
	ck_assert_int_eq(ps_file_close(g, sha[1]), 0);
	/* Discarded on its lane, after its data. */
	ck_assert_int_eq(ps_file_create(s, "b.img", 65536, true, true, &f),
			 0);
	ps_file_use_lane(f, q, 0);
	ck_assert_int_eq(ps_file_write(f, 0, "data", 4), 0);
	ck_assert_int_eq(ps_file_discard(f), 0);
	ck_assert_int_eq(ps_file_close(f, sha[2]), 0);
	ck_assert_int_eq(ps_lanes_wait(q), 0);

	ck_assert_int_eq(ps_sha256_buf(expect, 1 << 22, want), 0);
	ck_assert_str_eq(sha[0], want);
	snprintf(path, sizeof(path), "%s/out/a.img", tmpdir);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, got, 1 << 22), 1 << 22);
	ck_assert_int_eq(memcmp(got, expect, 1 << 22), 0);
	close(fd);

	memmove(expect + 8192, expect, (1 << 22) - 8192);
	memset(expect, 0, 8192);
	memcpy(expect, "ELF", 3);
	ck_assert_int_eq(ps_sha256_buf(expect, 1 << 22, want), 0);
	ck_assert_str_eq(sha[1], want);

	memset(expect, 0, 65536);
	ck_assert_int_eq(ps_sha256_buf(expect, 65536, want), 0);
	ck_assert_str_eq(sha[2], want);
	ck_assert_int_eq(ps_sink_close(s), 0);

	/* An aborted file is closed by its lane; nothing leaks (ASan). */
	snprintf(path, sizeof(path), "%s/out2", tmpdir);
	ck_assert_int_eq(ps_sink_open_dir(path, &s), 0);
	ck_assert_int_eq(ps_file_create(s, "c.img", 4096, true, true, &f), 0);
	ps_file_use_lane(f, q, 0);
	ck_assert_int_eq(ps_file_write(f, 0, "x", 1), 0);
	ps_file_abort(f);
	ps_sink_abort(s);
	ps_lanes_free(q);
	free(expect);
	free(got);
}
END_TEST

Suite *collect_suite(void)
{
	Suite *s = suite_create("collect");
	TCase *tc = tcase_create("parts");

	tcase_add_test(tc, test_maps_parse);
	tcase_add_test(tc, test_maps_edge);
	tcase_add_test(tc, test_smaps_recovered);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_map_kind_and_name);
	tcase_add_test(tc, test_json_escape);
	tcase_add_test(tc, test_json_writer);
	tcase_add_test(tc, test_parse_rate);
	tcase_add_test(tc, test_throttle);
	tcase_add_test(tc, test_sha);
	tcase_add_test(tc, test_root_hash);
	tcase_add_test(tc, test_runs);
	tcase_add_test(tc, test_manifest);
	tcase_add_test(tc, test_lanes_order_and_failure);
	tcase_add_test(tc, test_lanes_zeros_never_wait);
	suite_add_tcase(s, tc);

	tc = tcase_create("sinks");
	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(tc, test_sink_dir);
	tcase_add_test(tc, test_sink_tar);
	tcase_add_test(tc, test_lanes_sink);
	suite_add_tcase(s, tc);
	return s;
}
