// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include <libprocsnap.h>

#include "check_procsnap.h"

#define MISSING_PATH "/nonexistent/procsnap"

START_TEST(test_open_missing)
{
	struct procsnap_ctx *ctx = (struct procsnap_ctx *)&ctx;

	errno = 0;
	ck_assert_int_eq(procsnap_open(MISSING_PATH, &ctx), -ENOENT);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_null(ctx);
}
END_TEST

START_TEST(test_open_null_ctxp)
{
	errno = 0;
	ck_assert_int_eq(procsnap_open("/dev/null", NULL), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_open_flags)
{
	struct procsnap_ctx *ctx;
	int fd;

	ck_assert_int_eq(procsnap_open("/dev/null", &ctx), 0);
	fd = procsnap_fd(ctx);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	procsnap_close(ctx);
}
END_TEST

/* /dev/null answers every ioctl as an unknown request would. */
START_TEST(test_get_version_not_procsnap)
{
	struct procsnap_version ver, before;
	struct procsnap_ctx *ctx;

	ck_assert_int_eq(procsnap_open("/dev/null", &ctx), 0);
	memset(&ver, 0xa5, sizeof(ver));
	before = ver;
	errno = 0;
	ck_assert_int_eq(procsnap_get_version(ctx, &ver), -ENOTTY);
	ck_assert_int_eq(errno, ENOTTY);
	ck_assert_mem_eq(&ver, &before, sizeof(ver));
	procsnap_close(ctx);
}
END_TEST

START_TEST(test_null_arguments)
{
	struct procsnap_version ver;
	struct procsnap_ctx *ctx;

	errno = 0;
	ck_assert_int_eq(procsnap_get_version(NULL, &ver), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);

	ck_assert_int_eq(procsnap_open("/dev/null", &ctx), 0);
	errno = 0;
	ck_assert_int_eq(procsnap_get_version(ctx, NULL), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	procsnap_close(ctx);

	errno = 0;
	ck_assert_int_eq(procsnap_fd(NULL), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_close_keeps_errno)
{
	struct procsnap_ctx *ctx;

	ck_assert_int_eq(procsnap_open("/dev/null", &ctx), 0);
	errno = EXDEV;
	procsnap_close(ctx);
	ck_assert_int_eq(errno, EXDEV);

	errno = EXDEV;
	procsnap_close(NULL);
	ck_assert_int_eq(errno, EXDEV);
}
END_TEST

START_TEST(test_lib_version)
{
	/* The test is built with the same VERSION as the library. */
	ck_assert_str_eq(procsnap_lib_version(), SNAPCTL_VERSION);
}
END_TEST

static void assert_message(int err, const char *needle)
{
	const char *pos = procsnap_strerror(err);
	const char *neg = procsnap_strerror(-err);

	ck_assert_ptr_nonnull(pos);
	ck_assert_str_eq(pos, neg);
	ck_assert_msg(strstr(pos, needle), "strerror(%d) = \"%s\" lacks \"%s\"",
		      err, pos, needle);
}

START_TEST(test_strerror_module_missing)
{
	const char *hint = "is the procsnap module loaded? (modprobe procsnap)";

	assert_message(ENOENT, hint);
	assert_message(ENOENT, "not found");
	assert_message(ENODEV, hint);
	assert_message(ENXIO, hint);
}
END_TEST

START_TEST(test_strerror_permission)
{
	assert_message(EACCES, "root");
	assert_message(EACCES, "'procsnap' group");
	assert_message(EPERM, "root");
	assert_message(EPERM, "'procsnap' group");
}
END_TEST

START_TEST(test_strerror_protocol)
{
	assert_message(ENOTTY, "older than libprocsnap");
	assert_message(EPROTO, "ABI mismatch");
}
END_TEST

START_TEST(test_strerror_other)
{
	assert_message(EIO, "Input/output error");
	ck_assert_str_eq(procsnap_strerror(0), "Success");
	ck_assert_str_eq(procsnap_strerror(INT_MIN), "Unknown error");
	ck_assert_str_eq(procsnap_strerror(INT_MAX), "Unknown error");
	ck_assert_str_eq(procsnap_strerror(-INT_MAX), "Unknown error");
}
END_TEST

Suite *lib_suite(void)
{
	Suite *s = suite_create("libprocsnap");
	TCase *tc_dev = tcase_create("device");
	TCase *tc_err = tcase_create("strerror");

	tcase_add_test(tc_dev, test_open_missing);
	tcase_add_test(tc_dev, test_open_null_ctxp);
	tcase_add_test(tc_dev, test_open_flags);
	tcase_add_test(tc_dev, test_get_version_not_procsnap);
	tcase_add_test(tc_dev, test_null_arguments);
	tcase_add_test(tc_dev, test_close_keeps_errno);
	tcase_add_test(tc_dev, test_lib_version);
	suite_add_tcase(s, tc_dev);

	tcase_add_test(tc_err, test_strerror_module_missing);
	tcase_add_test(tc_err, test_strerror_permission);
	tcase_add_test(tc_err, test_strerror_protocol);
	tcase_add_test(tc_err, test_strerror_other);
	suite_add_tcase(s, tc_err);
	return s;
}
