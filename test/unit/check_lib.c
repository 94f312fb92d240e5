// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
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

START_TEST(test_strerror_snapshot)
{
	assert_message(ESRCH, "no such process (or it is exiting)");
	assert_message(EBUSY, "already in flight");
	assert_message(ETIMEDOUT, "did not reach a kernel boundary in time");
	assert_message(ETIMEDOUT, "--interrupt");
	/* One message for device access and ptrace access alike. */
	assert_message(EPERM, "/dev/procsnap is root-only by default");
	assert_message(EPERM, "the right to ptrace the target");
	assert_message(EACCES, "the right to ptrace the target");
}
END_TEST

/* ---- snapshot requests against devices that are not procsnap ---- */

static struct procsnap_ctx *open_null(void)
{
	struct procsnap_ctx *ctx;

	ck_assert_int_eq(procsnap_open("/dev/null", &ctx), 0);
	return ctx;
}

#define ck_assert_fails(call, err) do { \
	errno = 0; \
	ck_assert_int_eq((call), -(err)); \
	ck_assert_int_eq(errno, (err)); \
} while (0)

/* A module without PROCSNAP_FEAT_SNAPSHOT answers like /dev/null. */
START_TEST(test_snapshot_calls_not_procsnap)
{
	struct procsnap_snapshot_info *list = (void *)&list;
	struct procsnap_thread_info *threads = (void *)&threads;
	struct procsnap_state_arg st, before;
	struct procsnap_ctx *ctx = open_null();
	unsigned int deleted = 77;
	size_t count = 77;
	pid_t clone = 77;

	memset(&st, 0xa5, sizeof(st));
	before = st;
	ck_assert_fails(procsnap_request(ctx, 1, 0), ENOTTY);
	ck_assert_fails(procsnap_cancel(ctx, 1), ENOTTY);
	ck_assert_fails(procsnap_state(ctx, 1, &st), ENOTTY);
	ck_assert_fails(procsnap_wait(ctx, 1, 1000, &st), ENOTTY);
	ck_assert_mem_eq(&st, &before, sizeof(st));
	ck_assert_fails(procsnap_snapshot(ctx, 1, 0, 0, &clone), ENOTTY);
	ck_assert_int_eq(clone, 77);
	ck_assert_fails(procsnap_list(ctx, &list, &count), ENOTTY);
	ck_assert_ptr_null(list);
	ck_assert_uint_eq(count, 0);
	count = 77;
	ck_assert_fails(procsnap_threads(ctx, 1, &threads, &count), ENOTTY);
	ck_assert_ptr_null(threads);
	ck_assert_uint_eq(count, 0);
	ck_assert_fails(procsnap_delete(ctx, 1), ENOTTY);
	ck_assert_fails(procsnap_delete_all(ctx, &deleted), ENOTTY);
	ck_assert_uint_eq(deleted, 77);
	procsnap_close(ctx);
}
END_TEST

/* Caught in the library: the device never sees them. */
START_TEST(test_snapshot_calls_invalid)
{
	struct procsnap_snapshot_info *list;
	struct procsnap_thread_info *threads;
	struct procsnap_ctx *ctx = open_null();
	struct procsnap_state_arg st;
	size_t count;

	fake_device_reset(true);
	ck_assert_fails(procsnap_request(NULL, 1, 0), EINVAL);
	ck_assert_fails(procsnap_request(ctx, 0, 0), EINVAL);
	ck_assert_fails(procsnap_request(ctx, -1, 0), EINVAL);
	ck_assert_fails(procsnap_cancel(ctx, 0), EINVAL);
	ck_assert_fails(procsnap_state(ctx, 1, NULL), EINVAL);
	ck_assert_fails(procsnap_state(NULL, 1, &st), EINVAL);
	ck_assert_fails(procsnap_wait(ctx, 0, 0, &st), EINVAL);
	ck_assert_fails(procsnap_snapshot(ctx, 0, 0, 0, NULL), EINVAL);
	ck_assert_fails(procsnap_list(NULL, &list, &count), EINVAL);
	ck_assert_fails(procsnap_list(ctx, NULL, &count), EINVAL);
	ck_assert_fails(procsnap_list(ctx, &list, NULL), EINVAL);
	ck_assert_fails(procsnap_threads(ctx, 0, &threads, &count), EINVAL);
	ck_assert_fails(procsnap_threads(ctx, 1, NULL, &count), EINVAL);
	ck_assert_fails(procsnap_delete(ctx, 0), EINVAL);
	ck_assert_fails(procsnap_delete(NULL, 1), EINVAL);
	ck_assert_fails(procsnap_delete_all(NULL, NULL), EINVAL);
	ck_assert_uint_eq(fake.total_calls, 0);
	fake_device_reset(false);
	procsnap_close(ctx);
}
END_TEST

START_TEST(test_state_names)
{
	ck_assert_str_eq(procsnap_state_name(PROCSNAP_STATE_IDLE), "idle");
	ck_assert_str_eq(procsnap_state_name(PROCSNAP_STATE_REQUESTED),
			 "requested");
	ck_assert_str_eq(procsnap_state_name(PROCSNAP_STATE_DUPLICATING),
			 "duplicating");
	ck_assert_str_eq(procsnap_state_name(PROCSNAP_STATE_DONE), "done");
	ck_assert_str_eq(procsnap_state_name(PROCSNAP_STATE_FAILED), "failed");
	ck_assert_str_eq(procsnap_state_name(5), "unknown");
	ck_assert_str_eq(procsnap_state_name(UINT_MAX), "unknown");
}
END_TEST

/* ---- against the fake module (fake_device.c) ---- */

static struct procsnap_ctx *fake_ctx;

static void fake_setup(void)
{
	fake_device_reset(true);
	ck_assert_int_eq(procsnap_open("/dev/null", &fake_ctx), 0);
}

static void fake_teardown(void)
{
	procsnap_close(fake_ctx);
	ck_assert_msg(!fake.bad_arg, "an argument broke the ABI rules");
	fake_device_reset(false);
}

START_TEST(test_fake_request)
{
	ck_assert_int_eq(procsnap_request(fake_ctx, 123,
					  PROCSNAP_REQUEST_INTERRUPT), 0);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_REQUEST)], 1);
	ck_assert_int_eq(fake.last_target.pid, 123);
	ck_assert_uint_eq(fake.last_target.flags, PROCSNAP_REQUEST_INTERRUPT);

	ck_assert_int_eq(procsnap_request(fake_ctx, 9, PROCSNAP_REQUEST_OWNED),
			 0);
	ck_assert_uint_eq(fake.last_target.flags, PROCSNAP_REQUEST_OWNED);

	/* Unknown bits are the module's to refuse. */
	ck_assert_fails(procsnap_request(fake_ctx, 9, 0x80), EINVAL);
	ck_assert(fake.bad_arg);
	fake.bad_arg = false;

	fake.request_err = -EBUSY;
	ck_assert_fails(procsnap_request(fake_ctx, 9, 0), EBUSY);
}
END_TEST

START_TEST(test_fake_request_freeze)
{
	struct procsnap_frozen_info *fr;
	pid_t clone = 0;
	size_t n;

	/* The flag is added; the limit travels as given (0: default). */
	ck_assert_int_eq(procsnap_request_freeze(fake_ctx, 123, 0, 0), 0);
	ck_assert_int_eq(fake.last_target.pid, 123);
	ck_assert_uint_eq(fake.last_target.flags,
			  PROCSNAP_REQUEST_FREEZE_SHARED);
	ck_assert_uint_eq(fake.last_target.freeze_limit, 0);
	ck_assert_int_eq(procsnap_request_freeze(fake_ctx, 7,
						 PROCSNAP_REQUEST_INTERRUPT,
						 5ULL << 30), 0);
	ck_assert_uint_eq(fake.last_target.flags,
			  PROCSNAP_REQUEST_FREEZE_SHARED |
			  PROCSNAP_REQUEST_INTERRUPT);
	ck_assert_uint_eq(fake.last_target.freeze_limit, 5ULL << 30);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_REQUEST)], 2);
	/* A plain request never carries a limit. */
	ck_assert_int_eq(procsnap_request(fake_ctx, 8, 0), 0);
	ck_assert_uint_eq(fake.last_target.freeze_limit, 0);

	ck_assert_fails(procsnap_request_freeze(NULL, 1, 0, 0), EINVAL);
	ck_assert_fails(procsnap_request_freeze(fake_ctx, 0, 0, 0), EINVAL);
	ck_assert_fails(procsnap_request_freeze(fake_ctx, -3, 0, 1), EINVAL);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_REQUEST)], 3);
	fake.request_err = -EINVAL;
	ck_assert_fails(procsnap_request_freeze(fake_ctx, 9, 0, 1), EINVAL);
	fake.request_err = 0;

	fake.state.state = PROCSNAP_STATE_DONE;
	fake.state.clone_pid = 456;
	ck_assert_int_eq(procsnap_snapshot_freeze(fake_ctx, 11,
						  PROCSNAP_REQUEST_OWNED,
						  4096, 0, &clone), 0);
	ck_assert_int_eq(clone, 456);
	ck_assert_uint_eq(fake.last_target.flags,
			  PROCSNAP_REQUEST_FREEZE_SHARED |
			  PROCSNAP_REQUEST_OWNED);
	ck_assert_uint_eq(fake.last_target.freeze_limit, 4096);
	ck_assert_int_eq(fake.last_state.pid, 11);

	fake.nr_frozen = 2;
	fake.frozen[0] = (struct procsnap_frozen_info){ 0x1000, 0x3000,
							0x3000, 0x1000 };
	fake.frozen[1] = (struct procsnap_frozen_info){ 0x8000, 0x9000,
							0x8000, 0 };
	ck_assert_int_eq(procsnap_frozen(fake_ctx, 456, &fr, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(fake.last_frozen.clone_pid, 456);
	ck_assert_uint_eq(fr[0].end, 0x3000);
	ck_assert_uint_eq(fr[1].eof, 0x8000);
	free(fr);
	fake.nr_frozen = 0;
	ck_assert_int_eq(procsnap_frozen(fake_ctx, 456, &fr, &n), 0);
	ck_assert_ptr_null(fr);
	ck_assert_uint_eq(n, 0);
	ck_assert_fails(procsnap_frozen(fake_ctx, 0, &fr, &n), EINVAL);
	ck_assert_ptr_null(fr);
	fake.frozen_err = -ENOENT;
	ck_assert_fails(procsnap_frozen(fake_ctx, 456, &fr, &n), ENOENT);
	ck_assert_ptr_null(fr);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_fake_cancel)
{
	ck_assert_int_eq(procsnap_cancel(fake_ctx, 42), 0);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_CANCEL)], 1);
	ck_assert_int_eq(fake.last_target.pid, 42);
	ck_assert_uint_eq(fake.last_target.flags, 0);

	fake.cancel_err = -ENOENT;
	ck_assert_fails(procsnap_cancel(fake_ctx, 42), ENOENT);
}
END_TEST

START_TEST(test_fake_state_wait)
{
	struct procsnap_state_arg st, before;

	fake.state.state = PROCSNAP_STATE_DONE;
	fake.state.clone_pid = 456;
	ck_assert_int_eq(procsnap_state(fake_ctx, 123, &st), 0);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_STATE)], 1);
	ck_assert_int_eq(fake.last_state.pid, 123);
	ck_assert_uint_eq(st.state, PROCSNAP_STATE_DONE);
	ck_assert_int_eq(st.clone_pid, 456);
	ck_assert_int_eq(st.pid, 123);

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(procsnap_wait(fake_ctx, 123, 5000000000ULL, &st), 0);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_WAIT)], 1);
	ck_assert_uint_eq(fake.last_state.timeout_ns, 5000000000ULL);
	ck_assert_int_eq(st.clone_pid, 456);

	/* Failures leave *out alone. */
	fake.wait_err = -ETIMEDOUT;
	memset(&st, 0x5a, sizeof(st));
	before = st;
	ck_assert_fails(procsnap_wait(fake_ctx, 123, 1, &st), ETIMEDOUT);
	ck_assert_mem_eq(&st, &before, sizeof(st));
	fake.state_err = -ESRCH;
	ck_assert_fails(procsnap_state(fake_ctx, 123, &st), ESRCH);
	ck_assert_mem_eq(&st, &before, sizeof(st));
}
END_TEST

START_TEST(test_fake_snapshot_done)
{
	pid_t clone = 0;

	fake.state.state = PROCSNAP_STATE_DONE;
	fake.state.clone_pid = 456;
	ck_assert_int_eq(procsnap_snapshot(fake_ctx, 123,
					   PROCSNAP_REQUEST_OWNED, 77, &clone),
			 0);
	ck_assert_int_eq(clone, 456);
	ck_assert_uint_eq(fake.last_target.flags, PROCSNAP_REQUEST_OWNED);
	ck_assert_uint_eq(fake.last_state.timeout_ns, 77);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_REQUEST)], 1);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_WAIT)], 1);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_CANCEL)], 0);
	ck_assert_int_eq(procsnap_snapshot(fake_ctx, 123, 0, 0, NULL), 0);
}
END_TEST

START_TEST(test_fake_snapshot_failed)
{
	pid_t clone = 77;

	fake.state.state = PROCSNAP_STATE_FAILED;
	fake.state.error = EAGAIN;
	ck_assert_fails(procsnap_snapshot(fake_ctx, 123, 0, 0, &clone),
			EAGAIN);
	ck_assert_int_eq(clone, 77);

	/* A failed state without a cause still fails. */
	fake.state.error = 0;
	ck_assert_fails(procsnap_snapshot(fake_ctx, 123, 0, 0, &clone), EIO);

	/* WAIT must not return before the end. */
	fake.state.state = PROCSNAP_STATE_REQUESTED;
	ck_assert_fails(procsnap_snapshot(fake_ctx, 123, 0, 0, &clone),
			EPROTO);
}
END_TEST

START_TEST(test_fake_snapshot_wait_errors)
{
	fake.request_err = -EBUSY;
	ck_assert_fails(procsnap_snapshot(fake_ctx, 123, 0, 0, NULL), EBUSY);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_WAIT)], 0);
	fake.request_err = 0;

	/* The module cancels on a timeout itself. */
	fake.wait_err = -ETIMEDOUT;
	ck_assert_fails(procsnap_snapshot(fake_ctx, 123, 0, 10, NULL),
			ETIMEDOUT);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_CANCEL)], 0);

	/* A signal leaves the request in flight: the library cancels. */
	fake.wait_err = -EINTR;
	fake.cancel_err = -ENOENT;
	ck_assert_fails(procsnap_snapshot(fake_ctx, 123, 0, 0, NULL), EINTR);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_CANCEL)], 1);

	/* Anything else: the library cancels, and keeps the first error. */
	fake.wait_err = -EFAULT;
	ck_assert_fails(procsnap_snapshot(fake_ctx, 123, 0, 0, NULL), EFAULT);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_CANCEL)], 2);
	ck_assert_int_eq(fake.last_target.pid, 123);
}
END_TEST

static void fill_snaps(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < FAKE_MAX; i++) {
		fake.snaps[i].clone_pid = 1000 + i;
		fake.snaps[i].target_pid = 100 + i;
	}
	fake.nr_snaps = n;
}

START_TEST(test_fake_list_empty)
{
	struct procsnap_snapshot_info *list = (void *)&list;
	size_t count = 77;

	ck_assert_int_eq(procsnap_list(fake_ctx, &list, &count), 0);
	ck_assert_ptr_null(list);
	ck_assert_uint_eq(count, 0);
	/* Asked for the count only. */
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_LIST)], 1);
	ck_assert_uint_eq(fake.last_list.nr_entries, 0);
	ck_assert_uint_eq(fake.last_list.entries, 0);
}
END_TEST

START_TEST(test_fake_list)
{
	struct procsnap_snapshot_info *list;
	size_t count, i;

	fill_snaps(3);
	ck_assert_int_eq(procsnap_list(fake_ctx, &list, &count), 0);
	ck_assert_uint_eq(count, 3);
	for (i = 0; i < count; i++) {
		ck_assert_int_eq(list[i].clone_pid, 1000 + (int)i);
		ck_assert_int_eq(list[i].target_pid, 100 + (int)i);
	}
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_LIST)], 2);
	free(list);
}
END_TEST

/* Snapshots taken between asking the count and reading them. */
START_TEST(test_fake_list_grows)
{
	struct procsnap_snapshot_info *list;
	size_t count, i;

	fill_snaps(2);
	fake.grow_once = 30;
	ck_assert_int_eq(procsnap_list(fake_ctx, &list, &count), 0);
	ck_assert_uint_eq(count, 32);
	for (i = 0; i < count; i++)
		ck_assert_int_eq(list[i].clone_pid, 1000 + (int)i);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_LIST)], 3);
	free(list);
}
END_TEST

START_TEST(test_fake_list_error)
{
	struct procsnap_snapshot_info *list = (void *)&list;
	size_t count = 77;

	fill_snaps(2);
	fake.list_err = -EFAULT;
	ck_assert_fails(procsnap_list(fake_ctx, &list, &count), EFAULT);
	ck_assert_ptr_null(list);
	ck_assert_uint_eq(count, 0);
}
END_TEST

START_TEST(test_fake_threads)
{
	struct procsnap_thread_info *threads;
	size_t count;

	fake.nr_threads = 2;
	fake.threads[0].tid = 11;
	fake.threads[1].tid = 12;
	fake.threads[1].regs[16] = 0xdeadbeef;
	ck_assert_int_eq(procsnap_threads(fake_ctx, 456, &threads, &count), 0);
	ck_assert_uint_eq(count, 2);
	ck_assert_int_eq(threads[0].tid, 11);
	ck_assert_int_eq(threads[1].tid, 12);
	ck_assert_uint_eq(threads[1].regs[16], 0xdeadbeef);
	ck_assert_int_eq(fake.last_threads.clone_pid, 456);
	free(threads);

	fake.threads_err = -ENOENT;
	ck_assert_fails(procsnap_threads(fake_ctx, 456, &threads, &count),
			ENOENT);
	ck_assert_ptr_null(threads);
}
END_TEST

START_TEST(test_fake_delete)
{
	unsigned int deleted = 77;

	ck_assert_int_eq(procsnap_delete(fake_ctx, 456), 0);
	ck_assert_int_eq(fake.last_delete.clone_pid, 456);
	ck_assert_uint_eq(fake.last_delete.flags, 0);

	fake.deleted = 3;
	ck_assert_int_eq(procsnap_delete_all(fake_ctx, &deleted), 0);
	ck_assert_uint_eq(deleted, 3);
	ck_assert_int_eq(fake.last_delete.clone_pid, 0);
	ck_assert_uint_eq(fake.last_delete.flags, PROCSNAP_DELETE_ALL);
	ck_assert_int_eq(procsnap_delete_all(fake_ctx, NULL), 0);

	/* Nothing to delete is no error. */
	fake.delete_err = -ENOENT;
	ck_assert_int_eq(procsnap_delete_all(fake_ctx, &deleted), 0);
	ck_assert_uint_eq(deleted, 0);
	ck_assert_fails(procsnap_delete(fake_ctx, 456), ENOENT);
	fake.delete_err = -EPERM;
	ck_assert_fails(procsnap_delete_all(fake_ctx, &deleted), EPERM);
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
	tcase_add_test(tc_err, test_strerror_snapshot);
	suite_add_tcase(s, tc_err);

	tc_dev = tcase_create("snapshot");
	tcase_add_test(tc_dev, test_snapshot_calls_not_procsnap);
	tcase_add_test(tc_dev, test_snapshot_calls_invalid);
	tcase_add_test(tc_dev, test_state_names);
	suite_add_tcase(s, tc_dev);

	tc_dev = tcase_create("fake module");
	tcase_add_checked_fixture(tc_dev, fake_setup, fake_teardown);
	tcase_add_test(tc_dev, test_fake_request);
	tcase_add_test(tc_dev, test_fake_request_freeze);
	tcase_add_test(tc_dev, test_fake_cancel);
	tcase_add_test(tc_dev, test_fake_state_wait);
	tcase_add_test(tc_dev, test_fake_snapshot_done);
	tcase_add_test(tc_dev, test_fake_snapshot_failed);
	tcase_add_test(tc_dev, test_fake_snapshot_wait_errors);
	tcase_add_test(tc_dev, test_fake_list_empty);
	tcase_add_test(tc_dev, test_fake_list);
	tcase_add_test(tc_dev, test_fake_list_grows);
	tcase_add_test(tc_dev, test_fake_list_error);
	tcase_add_test(tc_dev, test_fake_threads);
	tcase_add_test(tc_dev, test_fake_delete);
	suite_add_tcase(s, tc_dev);
	return s;
}
