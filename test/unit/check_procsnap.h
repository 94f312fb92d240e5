/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef CHECK_PROCSNAP_H
#define CHECK_PROCSNAP_H

#include <stdbool.h>

#include <check.h>
#include <procsnap.h>

Suite *abi_suite(void);
Suite *lib_suite(void);
Suite *cli_suite(void);
Suite *util_suite(void);
Suite *snapshot_cli_suite(void);
Suite *collect_suite(void);
Suite *engine_suite(void);
Suite *collect_cli_suite(void);
Suite *scan_suite(void);
Suite *diff_suite(void);
Suite *triage_suite(void);
/* check_core.c, if present (the ELF core writer's own tests). */
Suite *core_suite(void) __attribute__((weak));

#define ck_assert_contains(haystack, needle) \
	ck_assert_msg(strstr(haystack, needle), \
		      "\"%s\" not found in:\n%s", needle, haystack)

/* A device node that does not exist, and what snapctl says about it. */
#define MISSING_DEVICE "/nonexistent"
#define MODULE_HINT "is the procsnap module loaded? (modprobe procsnap)"

/* What a subcommand printed and returned when run by capture(). */
struct captured {
	int status;
	char out[16384];
	char err[16384];
};

/*
 * Run @fn(argc, argv) in a child process with stdout and stderr sent to
 * temporary files and PROCSNAP_DEVICE set to @device (unset if NULL), so
 * neither getopt's nor stdio's state leaks between tests.  @argv is
 * NULL-terminated.
 */
void capture(int (*fn)(int, char *[]), const char *device,
	     const char *const argv[], struct captured *c);

/* capture() with the arguments listed in place. */
#define RUN(c, fn, device, ...) \
	capture(fn, device, (const char *const[]){ __VA_ARGS__, NULL }, c)

/*
 * What a failing command must do: exit with @want, print nothing on
 * stdout and say @msg on stderr.  A macro, so a failure names the line
 * of the test.
 */
#define ck_assert_failure(c, want, msg) do { \
	ck_assert_int_eq((c)->status, want); \
	ck_assert_str_eq((c)->out, ""); \
	ck_assert_contains((c)->err, msg); \
} while (0)

/*
 * A fake procsnap module (fake_device.c).  The test binary is linked with
 * -Wl,--wrap=ioctl, so every ioctl() goes through fake_device.c: while
 * the fake is enabled, those of procsnap's magic are answered from
 * fake, whatever the descriptor (open /dev/null as the device); all
 * others, and all while disabled, reach the real ioctl().
 *
 * The fake checks every argument as strictly as the ABI allows (size
 * field, size encoded in the command, flags, reserved fields, entry
 * sizes) and sets bad_arg on a violation.
 */
#define FAKE_MAX 64
#define FAKE_FILES_MAX 8
#define FAKE_XSTATE_MAX 1024

struct fake_device {
	bool enabled;
	/* Answers: errors as negative errno, 0 to succeed. */
	int request_err, cancel_err, state_err, wait_err, list_err;
	int delete_err, threads_err, version_err, files_err, xstate_err;
	int frozen_err;
	struct procsnap_state_arg state;	/* STATE and WAIT reply */
	unsigned int nr_snaps;
	unsigned int grow_once;		/* snapshots that appear after the
					 * first LIST */
	struct procsnap_snapshot_info snaps[FAKE_MAX];
	unsigned int nr_threads;
	struct procsnap_thread_info threads[FAKE_MAX];
	unsigned int deleted;		/* DELETE's answer */
	struct procsnap_version version;	/* VERSION's answer */
	unsigned int nr_files;
	struct procsnap_file_info files[FAKE_FILES_MAX];
	unsigned int xstate_size;	/* XSTATE: bytes recorded per thread */
	unsigned char xstate[FAKE_XSTATE_MAX];
	unsigned int nr_frozen;
	struct procsnap_frozen_info frozen[FAKE_MAX];
	/* Records. */
	bool bad_arg;
	unsigned int calls[16];		/* by _IOC_NR of the command */
	unsigned int total_calls;
	struct procsnap_target_arg last_target;
	struct procsnap_state_arg last_state;
	struct procsnap_list_arg last_list;
	struct procsnap_delete_arg last_delete;
	struct procsnap_threads_arg last_threads;
	struct procsnap_files_arg last_files;
	struct procsnap_xstate_arg last_xstate;
	struct procsnap_files_arg last_frozen;
};

/*
 * Shared memory, so what a subcommand run by capture() did in its child
 * process is visible to the test afterwards.
 */
extern struct fake_device *fake_device;
#define fake (*fake_device)

/* Forget everything, then enable or disable the fake. */
void fake_device_reset(bool enabled);

#endif /* CHECK_PROCSNAP_H */
