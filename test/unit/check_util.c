// SPDX-License-Identifier: GPL-2.0-only
/* snapctl's parsers and formatters (cli/util.c). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_procsnap.h"
#include "util.h"

/* ---- pids ---- */

static void assert_pid(const char *s, pid_t expected)
{
	pid_t pid = -1;

	ck_assert_msg(!parse_pid(s, &pid), "parse_pid(\"%s\") failed", s);
	ck_assert_int_eq(pid, expected);
}

static void assert_bad_pid(const char *s, int err)
{
	pid_t pid = -1;

	ck_assert_int_eq(parse_pid(s, &pid), err);
	ck_assert_int_eq(pid, -1);
}

START_TEST(test_parse_pid)
{
	assert_pid("1", 1);
	assert_pid("123", 123);
	assert_pid("4194304", 4194304);
	assert_pid("2147483647", 2147483647);
	assert_pid("0123", 123);
}
END_TEST

START_TEST(test_parse_pid_junk)
{
	static const char *const junk[] = {
		"", "0", "00", "-1", "+1", " 1", "1 ", "1x", "x1", "0x10",
		"1.0", "1e3", "\t1", "1\n", "abc", "-", "12 34",
	};
	size_t i;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		assert_bad_pid(junk[i], -EINVAL);
	ck_assert_int_eq(parse_pid(NULL, NULL), -EINVAL);
}
END_TEST

START_TEST(test_parse_pid_range)
{
	assert_bad_pid("2147483648", -ERANGE);
	assert_bad_pid("99999999999999999999999", -ERANGE);
	/* Junk wins over range: it is not a number at all. */
	assert_bad_pid("99999999999999999999999x", -EINVAL);
}
END_TEST

/* ---- durations ---- */

static void assert_duration(const char *s, uint64_t expected)
{
	uint64_t ns = 1;

	ck_assert_msg(!parse_duration(s, &ns), "parse_duration(\"%s\") failed",
		      s);
	ck_assert_uint_eq(ns, expected);
}

static void assert_bad_duration(const char *s, int err)
{
	uint64_t ns = 1;

	ck_assert_int_eq(parse_duration(s, &ns), err);
	ck_assert_uint_eq(ns, 1);
}

START_TEST(test_parse_duration)
{
	assert_duration("0", 0);
	assert_duration("0s", 0);
	assert_duration("10", 10000000000ULL);
	assert_duration("10s", 10000000000ULL);
	assert_duration("500ms", 500000000ULL);
	assert_duration("2m", 120000000000ULL);
	assert_duration("1h", 3600000000000ULL);
	assert_duration("250us", 250000ULL);
	assert_duration("7ns", 7ULL);
	assert_duration("18446744073709551615ns", UINT64_MAX);
}
END_TEST

START_TEST(test_parse_duration_junk)
{
	static const char *const junk[] = {
		"", "s", "ms", "-1", "+1", " 1", "1 ", "1.5s", "1S", "1sec",
		"10 s", "1ms5", "1d", "0x10", "1e3", "1m s", "abc", "1µs",
	};
	size_t i;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		assert_bad_duration(junk[i], -EINVAL);
	ck_assert_int_eq(parse_duration(NULL, NULL), -EINVAL);
}
END_TEST

START_TEST(test_parse_duration_range)
{
	assert_bad_duration("18446744073709551616ns", -ERANGE);
	assert_bad_duration("18446744074s", -ERANGE);
	assert_bad_duration("99999999999999999999999999h", -ERANGE);
	assert_duration("18446744073s", 18446744073000000000ULL);
}
END_TEST

/* ---- errno names, sizes, times, flags ---- */

START_TEST(test_errno_name)
{
	ck_assert_str_eq(errno_name(EAGAIN), "EAGAIN");
	ck_assert_str_eq(errno_name(ENOMEM), "ENOMEM");
	ck_assert_str_eq(errno_name(EPERM), "EPERM");
	ck_assert_str_eq(errno_name(ESRCH), "ESRCH");
	ck_assert_ptr_null(errno_name(0));
	ck_assert_ptr_null(errno_name(-1));
	ck_assert_ptr_null(errno_name(100000));
}
END_TEST

static void assert_size(uint64_t bytes, const char *expected)
{
	char buf[16];

	format_size(bytes, buf, sizeof(buf));
	ck_assert_str_eq(buf, expected);
}

START_TEST(test_format_size)
{
	assert_size(0, "0B");
	assert_size(1023, "1023B");
	assert_size(1024, "1.0K");
	assert_size(1536, "1.5K");
	assert_size(4ULL << 20, "4.0M");
	assert_size((1ULL << 20) - 1, "1.0M");
	assert_size(3ULL << 30, "3.0G");
	assert_size(5ULL << 40, "5.0T");
	assert_size(UINT64_MAX, "16.0E");
}
END_TEST

START_TEST(test_format_local_time)
{
	char buf[40];

	setenv("TZ", "UTC0", 1);
	tzset();
	ck_assert_int_eq(format_local_time(1700000000123456789ULL, buf,
					   sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2023-11-14T22:13:20+00:00");

	/* POSIX TZ: "UTC-2" is two hours east of UTC. */
	setenv("TZ", "XYZ-2", 1);
	tzset();
	ck_assert_int_eq(format_local_time(1700000000000000000ULL, buf,
					   sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2023-11-15T00:13:20+02:00");

	setenv("TZ", "XYZ+5:30", 1);
	tzset();
	ck_assert_int_eq(format_local_time(1700000000000000000ULL, buf,
					   sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2023-11-14T16:43:20-05:30");

	ck_assert_int_eq(format_local_time(0, buf, 10), -EINVAL);
}
END_TEST

static const char *const test_flag_names[] = { "one", NULL, "four" };

START_TEST(test_format_flags)
{
	char buf[64];

	format_flags(buf, sizeof(buf), 0, test_flag_names, 3);
	ck_assert_str_eq(buf, "-");
	format_flags(buf, sizeof(buf), 1, test_flag_names, 3);
	ck_assert_str_eq(buf, "one");
	format_flags(buf, sizeof(buf), 5, test_flag_names, 3);
	ck_assert_str_eq(buf, "one,four");
	format_flags(buf, sizeof(buf), 2 | 8, test_flag_names, 3);
	ck_assert_str_eq(buf, "0x2,0x8");
	ck_assert_int_eq(format_flags(buf, 4, 5, test_flag_names, 3), 8);
	ck_assert_str_eq(buf, "one");
}
END_TEST

static void assert_json_flags(unsigned int flags, const char *expected)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	json_print_flags(f, flags, test_flag_names, 3);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_str_eq(buf, expected);
	free(buf);
}

START_TEST(test_json_flags)
{
	assert_json_flags(0, "[]");
	assert_json_flags(1, "[\"one\"]");
	assert_json_flags(5, "[\"one\",\"four\"]");
	assert_json_flags(0x80000002, "[\"0x2\",\"0x80000000\"]");
}
END_TEST

/* ---- exit codes of snapshot requests ---- */

START_TEST(test_exit_codes_snapshot)
{
	ck_assert_int_eq(EXIT_TIMEOUT, 5);
	ck_assert_int_eq(EXIT_NO_SUCH, 6);

	ck_assert_int_eq(snapctl_exit_code(ETIMEDOUT), EXIT_TIMEOUT);
	ck_assert_int_eq(snapctl_exit_code(-ETIMEDOUT), EXIT_TIMEOUT);
	ck_assert_int_eq(snapctl_exit_code(ESRCH), EXIT_NO_SUCH);
	ck_assert_int_eq(snapctl_exit_code(-ESRCH), EXIT_NO_SUCH);
	ck_assert_int_eq(snapctl_exit_code(EBUSY), EXIT_FAILED);

	/* On an open device, ENOENT is "no such request or snapshot". */
	ck_assert_int_eq(snapctl_request_exit_code(-ENOENT), EXIT_NO_SUCH);
	ck_assert_int_eq(snapctl_request_exit_code(ENOENT), EXIT_NO_SUCH);
	ck_assert_int_eq(snapctl_request_exit_code(0), EXIT_OK);
	ck_assert_int_eq(snapctl_request_exit_code(-ESRCH), EXIT_NO_SUCH);
	ck_assert_int_eq(snapctl_request_exit_code(-ETIMEDOUT), EXIT_TIMEOUT);
	ck_assert_int_eq(snapctl_request_exit_code(-EPERM), EXIT_PERMISSION);
	ck_assert_int_eq(snapctl_request_exit_code(-EACCES), EXIT_PERMISSION);
	ck_assert_int_eq(snapctl_request_exit_code(-ENOTTY), EXIT_FAILED);
	ck_assert_int_eq(snapctl_request_exit_code(-EBUSY), EXIT_FAILED);
	ck_assert_int_eq(snapctl_request_exit_code(-EINVAL), EXIT_FAILED);
	ck_assert_int_eq(snapctl_request_exit_code(-EINTR), EXIT_FAILED);
}
END_TEST

Suite *util_suite(void)
{
	Suite *s = suite_create("snapctl util");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_parse_pid);
	tcase_add_test(tc, test_parse_pid_junk);
	tcase_add_test(tc, test_parse_pid_range);
	tcase_add_test(tc, test_parse_duration);
	tcase_add_test(tc, test_parse_duration_junk);
	tcase_add_test(tc, test_parse_duration_range);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_test(tc, test_errno_name);
	tcase_add_test(tc, test_format_size);
	tcase_add_test(tc, test_format_local_time);
	tcase_add_test(tc, test_format_flags);
	tcase_add_test(tc, test_json_flags);
	tcase_add_test(tc, test_exit_codes_snapshot);
	suite_add_tcase(s, tc);
	return s;
}
