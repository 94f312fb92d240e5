// SPDX-License-Identifier: GPL-2.0-only
/*
 * The snapshot subcommands of snapctl: usage, and their output and exit
 * codes against the fake module of fake_device.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_procsnap.h"
#include "snapctl.h"
#include "util.h"

#define FAKE_DEVICE "/dev/null"

static const struct {
	const char *name;
	int (*fn)(int, char *[]);
	const char *usage;
	const char *args[3];	/* valid arguments, NULL-terminated */
} commands[] = {
	{ "request", request_main, "Usage: snapctl request PID",
	  { "123" } },
	{ "state", state_main, "Usage: snapctl state PID [--json]",
	  { "123" } },
	{ "cancel", cancel_main, "Usage: snapctl cancel PID", { "123" } },
	{ "list", list_main, "Usage: snapctl list [--json]", { NULL } },
	{ "threads", threads_main, "Usage: snapctl threads CLONE_PID",
	  { "456" } },
	{ "delete", delete_main, "Usage: snapctl delete [-v] CLONE_PID",
	  { "456" } },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* argv of commands[i] with the given extra arguments. */
static void run_command(struct captured *c, size_t i, const char *device,
			const char *a1, const char *a2, const char *a3)
{
	const char *argv[] = { commands[i].name, a1, a2, a3, NULL };

	capture(commands[i].fn, device, argv, c);
}

/* ---- usage ---- */

START_TEST(test_table)
{
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++)
		ck_assert_ptr_eq(find_subcommand(commands[i].name)->fn,
				 commands[i].fn);
}
END_TEST

START_TEST(test_help)
{
	struct captured c;
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++) {
		run_command(&c, i, MISSING_DEVICE, "--help", NULL, NULL);
		ck_assert_int_eq(c.status, EXIT_OK);
		ck_assert_contains(c.out, commands[i].usage);
		ck_assert_contains(c.out, "Exit status:");
		ck_assert_contains(c.out, "  6  no such process or snapshot");
		ck_assert_str_eq(c.err, "");

		run_command(&c, i, MISSING_DEVICE, "-h", NULL, NULL);
		ck_assert_int_eq(c.status, EXIT_OK);
		ck_assert_contains(c.out, commands[i].usage);

		/* And through "snapctl help <command>". */
		RUN(&c, snapctl_main, MISSING_DEVICE, "snapctl", "help",
		    commands[i].name);
		ck_assert_int_eq(c.status, EXIT_OK);
		ck_assert_contains(c.out, commands[i].usage);
	}
}
END_TEST

START_TEST(test_bad_option)
{
	struct captured c;
	char msg[64];
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++) {
		run_command(&c, i, FAKE_DEVICE, "--bogus", commands[i].args[0],
			    NULL);
		ck_assert_int_eq(c.status, EXIT_USAGE);
		ck_assert_str_eq(c.out, "");
		snprintf(msg, sizeof(msg), "snapctl %s: unrecognized option",
			 commands[i].name);
		ck_assert_contains(c.err, msg);
		ck_assert_contains(c.err, commands[i].usage);
	}
}
END_TEST

/* Every usage error is caught before the device is opened. */
START_TEST(test_pid_usage_errors)
{
	static const char *const bad[] = { "12x", "0", "+5", "", " 5",
					   "99999999999" };
	struct captured c;
	char msg[96];
	size_t i, j;

	for (i = 0; i < NR_COMMANDS; i++) {
		if (!commands[i].args[0])
			continue;
		run_command(&c, i, MISSING_DEVICE, NULL, NULL, NULL);
		ck_assert_int_eq(c.status, EXIT_USAGE);
		ck_assert_str_eq(c.out, "");
		snprintf(msg, sizeof(msg), "snapctl %s: missing ",
			 commands[i].name);
		ck_assert_contains(c.err, msg);

		for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
			run_command(&c, i, MISSING_DEVICE, bad[j], NULL, NULL);
			ck_assert_int_eq(c.status, EXIT_USAGE);
			snprintf(msg, sizeof(msg), "PID '%s'", bad[j]);
			ck_assert_contains(c.err, msg);
		}

		run_command(&c, i, MISSING_DEVICE, "1", "2", NULL);
		ck_assert_int_eq(c.status, EXIT_USAGE);
		ck_assert_contains(c.err, "unexpected argument '2'");

		/* Options may follow the PID, so this one is an option. */
		run_command(&c, i, MISSING_DEVICE, "-5", NULL, NULL);
		ck_assert_int_eq(c.status, EXIT_USAGE);
		ck_assert_contains(c.err, "invalid option -- '5'");
	}
}
END_TEST

START_TEST(test_list_usage_errors)
{
	struct captured c;

	RUN(&c, list_main, MISSING_DEVICE, "list", "1");
	ck_assert_int_eq(c.status, EXIT_USAGE);
	ck_assert_contains(c.err, "snapctl list: unexpected argument '1'");
}
END_TEST

START_TEST(test_delete_usage_errors)
{
	struct captured c;

	RUN(&c, delete_main, MISSING_DEVICE, "delete", "--all", "456");
	ck_assert_int_eq(c.status, EXIT_USAGE);
	ck_assert_contains(c.err, "snapctl delete: --all takes no CLONE_PID");

	RUN(&c, delete_main, MISSING_DEVICE, "delete", "456", "--all");
	ck_assert_int_eq(c.status, EXIT_USAGE);

	RUN(&c, delete_main, MISSING_DEVICE, "delete", "-v");
	ck_assert_int_eq(c.status, EXIT_USAGE);
	ck_assert_contains(c.err, "snapctl delete: missing CLONE_PID");
}
END_TEST

START_TEST(test_request_usage_errors)
{
	static const char *const bad[] = { "", "1.5s", "-1", "10x", "s",
					   "99999999999999999999h" };
	struct captured c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		RUN(&c, request_main, MISSING_DEVICE, "request", "123",
		    "--timeout", bad[i]);
		ck_assert_int_eq(c.status, EXIT_USAGE);
		ck_assert_contains(c.err, "snapctl request: invalid duration");
	}

	RUN(&c, request_main, MISSING_DEVICE, "request", "123", "--timeout");
	ck_assert_int_eq(c.status, EXIT_USAGE);
	ck_assert_contains(c.err, "requires an argument");

	RUN(&c, request_main, MISSING_DEVICE, "request", "123", "--no-wait",
	    "--timeout", "1s");
	ck_assert_int_eq(c.status, EXIT_USAGE);
	ck_assert_contains(c.err, "--no-wait excludes --timeout");

	RUN(&c, request_main, MISSING_DEVICE, "request", "--json",
	    "--no-wait", "123");
	ck_assert_int_eq(c.status, EXIT_USAGE);
	ck_assert_contains(c.err, "--no-wait excludes --json");
}
END_TEST

/* ---- without a usable module ---- */

START_TEST(test_no_module)
{
	struct captured c;
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++) {
		run_command(&c, i, MISSING_DEVICE, commands[i].args[0], NULL,
			    NULL);
		ck_assert_failure(&c, EXIT_NO_MODULE,
				  "snapctl: cannot open " MISSING_DEVICE ": ");
		ck_assert_contains(c.err, MODULE_HINT);
	}
}
END_TEST

/* A module without PROCSNAP_FEAT_SNAPSHOT answers ENOTTY, as /dev/null. */
START_TEST(test_module_too_old)
{
	struct captured c;
	size_t i;

	fake_device_reset(false);
	for (i = 0; i < NR_COMMANDS; i++) {
		run_command(&c, i, FAKE_DEVICE, commands[i].args[0], NULL,
			    NULL);
		ck_assert_failure(&c, EXIT_FAILED, "older than libprocsnap");
	}
}
END_TEST

/* ---- against the fake module ---- */

static void fake_setup(void)
{
	fake_device_reset(true);
}

static void fake_teardown(void)
{
	ck_assert_msg(!fake.bad_arg, "an argument broke the ABI rules");
	fake_device_reset(false);
}

static void fake_done(pid_t clone)
{
	fake.state.state = PROCSNAP_STATE_DONE;
	fake.state.clone_pid = clone;
}

START_TEST(test_request_done)
{
	struct captured c;

	fake_done(456);
	RUN(&c, request_main, FAKE_DEVICE, "request", "123");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out, "456\n");
	ck_assert_str_eq(c.err, "");
	ck_assert_int_eq(fake.last_target.pid, 123);
	/* Not owned: the snapshot outlives snapctl. */
	ck_assert_uint_eq(fake.last_target.flags, 0);
	ck_assert_uint_eq(fake.last_state.timeout_ns, 10000000000ULL);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_CANCEL)], 0);
}
END_TEST

START_TEST(test_request_freeze)
{
	struct procsnap_snapshot_info *s = fake.snaps;
	struct captured c;

	fake_done(456);
	fake.nr_snaps = 1;
	s[0].clone_pid = 456;
	s[0].threads = 1;
	s[0].flags = PROCSNAP_SNAPSHOT_FROZEN |
		     PROCSNAP_SNAPSHOT_FREEZE_TRUNCATED;
	s[0].nr_frozen = 2;
	s[0].frozen_bytes = 131072;
	s[0].freeze_ns = 777;
	s[0].freeze_limit = 1 << 20;
	RUN(&c, request_main, FAKE_DEVICE, "request", "123",
	    "--freeze-shared=1M", "--json");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_uint_eq(fake.last_target.flags,
			  PROCSNAP_REQUEST_FREEZE_SHARED);
	ck_assert_uint_eq(fake.last_target.freeze_limit, 1 << 20);
	ck_assert_str_eq(c.out, "{\"target\":123,\"clone\":456,"
		"\"state\":\"done\",\"frozen_bytes\":131072,"
		"\"nr_frozen\":2,\"freeze_ns\":777,"
		"\"freeze_limit\":1048576,\"freeze_truncated\":true}\n");
	ck_assert_contains(c.err, "reached its limit of 1048576 bytes after "
			   "2 mappings");

	/* No limit: the module's default; plain output stays the pid. */
	RUN(&c, request_main, FAKE_DEVICE, "request", "123",
	    "--freeze-shared");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out, "456\n");
	ck_assert_uint_eq(fake.last_target.freeze_limit, 0);

	/* Refused before anything is asked of the module. */
	fake.calls[_IOC_NR(PROCSNAP_IOC_REQUEST)] = 0;
	RUN(&c, request_main, FAKE_DEVICE, "request", "123",
	    "--freeze-shared=0");
	ck_assert_int_eq(c.status, EXIT_USAGE);
	RUN(&c, request_main, FAKE_DEVICE, "request", "123",
	    "--freeze-shared=3X");
	ck_assert_int_eq(c.status, EXIT_USAGE);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_REQUEST)], 0);

	/* The module's EINVAL names the likely cause. */
	fake.request_err = -EINVAL;
	RUN(&c, request_main, FAKE_DEVICE, "request", "123",
	    "--freeze-shared=2G");
	ck_assert_int_eq(c.status, EXIT_FAILED);
	ck_assert_contains(c.err, "freeze_max_bytes");
}
END_TEST

START_TEST(test_request_options)
{
	struct captured c;

	fake_done(456);
	RUN(&c, request_main, FAKE_DEVICE, "request", "--interrupt",
	    "--timeout", "500ms", "--json", "123");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out, "{\"target\":123,\"clone\":456,"
				"\"state\":\"done\"}\n");
	ck_assert_uint_eq(fake.last_target.flags, PROCSNAP_REQUEST_INTERRUPT);
	ck_assert_uint_eq(fake.last_state.timeout_ns, 500000000ULL);

	RUN(&c, request_main, FAKE_DEVICE, "request", "123", "--timeout", "0");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_uint_eq(fake.last_state.timeout_ns, 0);
}
END_TEST

START_TEST(test_request_no_wait)
{
	struct captured c;

	RUN(&c, request_main, FAKE_DEVICE, "request", "123", "--no-wait");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out, "");
	ck_assert_str_eq(c.err, "");
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_REQUEST)], 1);
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_WAIT)], 0);
}
END_TEST

START_TEST(test_request_timeout)
{
	struct captured c;

	fake.wait_err = -ETIMEDOUT;
	RUN(&c, request_main, FAKE_DEVICE, "request", "123", "--timeout",
	    "2m");
	ck_assert_failure(&c, EXIT_TIMEOUT,
			  "snapctl: no snapshot of 123 within 2m, "
			  "request cancelled: the target did not "
			  "reach a kernel boundary in time");
	/* The module cancelled already. */
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_CANCEL)], 0);
}
END_TEST

START_TEST(test_request_failed)
{
	struct captured c;

	fake.state.state = PROCSNAP_STATE_FAILED;
	fake.state.error = EAGAIN;
	RUN(&c, request_main, FAKE_DEVICE, "request", "123", "--json");
	ck_assert_int_eq(c.status, EXIT_FAILED);
	ck_assert_str_eq(c.out, "");
	ck_assert_str_eq(c.err, "snapctl: cannot snapshot 123: duplication "
				"failed with EAGAIN: Resource temporarily "
				"unavailable\n");
}
END_TEST

START_TEST(test_request_errors)
{
	static const struct {
		int err;
		int status;
		const char *msg;
	} cases[] = {
		{ -ESRCH, EXIT_NO_SUCH, "snapctl: cannot snapshot 123: "
		  "no such process (or it is exiting)" },
		{ -ENOENT, EXIT_NO_SUCH, "snapctl: cannot snapshot 123: "
		  "no such process" },
		{ -EPERM, EXIT_PERMISSION, "the right to ptrace the target" },
		{ -EBUSY, EXIT_FAILED, "already in flight" },
		{ -EINVAL, EXIT_FAILED, "Invalid argument (kernel threads, "
		  "snapshots and snapctl itself cannot be snapshotted)" },
	};
	struct captured c;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake.request_err = cases[i].err;
		RUN(&c, request_main, FAKE_DEVICE, "request", "123");
		ck_assert_failure(&c, cases[i].status, cases[i].msg);
		ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_WAIT)], 0);
	}
}
END_TEST

START_TEST(test_request_wait_errors)
{
	struct captured c;

	fake.wait_err = -ENOENT;
	RUN(&c, request_main, FAKE_DEVICE, "request", "123");
	ck_assert_int_eq(c.status, EXIT_NO_SUCH);
	ck_assert_contains(c.err, "snapctl: the request for 123 is gone");
	ck_assert_ptr_null(strstr(c.err, "module"));

	fake.wait_err = -EINTR;
	RUN(&c, request_main, FAKE_DEVICE, "request", "123");
	ck_assert_int_eq(c.status, EXIT_FAILED);
	ck_assert_contains(c.err, "interrupted, request cancelled");
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_CANCEL)], 1);

	/* Anything else: cancel rather than leave a request behind. */
	fake.wait_err = -EFAULT;
	RUN(&c, request_main, FAKE_DEVICE, "request", "123");
	ck_assert_int_eq(c.status, EXIT_FAILED);
	ck_assert_contains(c.err, "snapctl: cannot wait for the snapshot of "
				  "123: Bad address");
	ck_assert_uint_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_CANCEL)], 2);
}
END_TEST

START_TEST(test_state_text)
{
	static const struct {
		unsigned int state;
		int clone, error;
		const char *out;
	} cases[] = {
		{ PROCSNAP_STATE_IDLE, 0, 0, "idle\n" },
		{ PROCSNAP_STATE_REQUESTED, 0, 0, "requested\n" },
		{ PROCSNAP_STATE_DUPLICATING, 0, 0, "duplicating\n" },
		{ PROCSNAP_STATE_DONE, 456, 0, "done 456\n" },
		{ PROCSNAP_STATE_FAILED, 0, EAGAIN,
		  "failed EAGAIN: Resource temporarily unavailable\n" },
		{ PROCSNAP_STATE_FAILED, 0, ENOMEM,
		  "failed ENOMEM: Cannot allocate memory\n" },
		{ 9, 0, 0, "unknown\n" },
	};
	struct captured c;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake.state.state = cases[i].state;
		fake.state.clone_pid = cases[i].clone;
		fake.state.error = cases[i].error;
		RUN(&c, state_main, FAKE_DEVICE, "state", "123");
		ck_assert_int_eq(c.status, EXIT_OK);
		ck_assert_str_eq(c.out, cases[i].out);
		ck_assert_str_eq(c.err, "");
		ck_assert_int_eq(fake.last_state.pid, 123);
	}
}
END_TEST

START_TEST(test_state_json)
{
	struct captured c;

	fake_done(456);
	RUN(&c, state_main, FAKE_DEVICE, "state", "--json", "123");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out, "{\"pid\":123,\"state\":\"done\",\"clone\":456,"
				"\"error\":0,\"error_name\":null}\n");

	fake.state.state = PROCSNAP_STATE_FAILED;
	fake.state.clone_pid = 0;
	fake.state.error = EAGAIN;
	RUN(&c, state_main, FAKE_DEVICE, "state", "123", "--json");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out, "{\"pid\":123,\"state\":\"failed\",\"clone\":0,"
				"\"error\":11,\"error_name\":\"EAGAIN\"}\n");
}
END_TEST

START_TEST(test_state_errors)
{
	struct captured c;

	fake.state_err = -ESRCH;
	RUN(&c, state_main, FAKE_DEVICE, "state", "123");
	ck_assert_failure(&c, EXIT_NO_SUCH,
			  "snapctl: cannot get the state of 123: "
			  "no such process");

	fake.state_err = -ENOENT;
	RUN(&c, state_main, FAKE_DEVICE, "state", "123");
	ck_assert_int_eq(c.status, EXIT_NO_SUCH);
	ck_assert_str_eq(c.err, "snapctl: no snapshot request for 123\n");
}
END_TEST

START_TEST(test_cancel)
{
	struct captured c;

	RUN(&c, cancel_main, FAKE_DEVICE, "cancel", "123");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out, "");
	ck_assert_str_eq(c.err, "");
	ck_assert_int_eq(fake.last_target.pid, 123);

	fake.cancel_err = -ENOENT;
	RUN(&c, cancel_main, FAKE_DEVICE, "cancel", "123");
	ck_assert_int_eq(c.status, EXIT_NO_SUCH);
	ck_assert_str_eq(c.err,
			 "snapctl: no snapshot request in flight for 123\n");
}
END_TEST

static void fake_snapshots(void)
{
	struct procsnap_snapshot_info *s = fake.snaps;

	s[0].clone_pid = 456;
	s[0].target_pid = 123;
	strcpy(s[0].target_comm, "nginx");
	s[0].flags = PROCSNAP_SNAPSHOT_OWNED;
	s[0].threads = 4;
	s[0].created_realtime_ns = 1700000000123456789ULL;
	s[0].created_boottime_ns = 5000000000ULL;
	s[0].pause_ns = 123456;
	s[0].quiesce_ns = 23456;
	s[0].resident_bytes = 4ULL << 20;
	s[0].pagetable_bytes = 16384;
	s[0].requested_realtime_ns = 1700000000000000000ULL;
	s[0].requested_boottime_ns = 4900000000ULL;
	s[0].requester_uid = 1000;
	s[0].nr_files = 7;
	s[0].check_ns = 1;
	s[0].record_ns = 2;
	s[0].files_ns = 3;
	s[0].copy_ns = 4;
	s[0].detach_ns = 5;
	s[0].names_ns = 6;
	s[0].nr_recovered = 2;

	s[1].clone_pid = 789;
	s[1].target_pid = 0;
	/* comm is not a C string, and holds a quote and a control char. */
	memcpy(s[1].target_comm, "a\"b\tcdefghijklmn", PROCSNAP_COMM_LEN);
	s[1].threads = 1;
	s[1].pause_ns = 50;
	s[1].resident_bytes = 1000;
	fake.nr_snaps = 2;
}

START_TEST(test_list_table)
{
	struct captured c;

	setenv("TZ", "UTC0", 1);
	fake_snapshots();
	RUN(&c, list_main, FAKE_DEVICE, "list");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.err, "");
	ck_assert_str_eq(c.out,
"  CLONE   TARGET  COMM              CREATED                     PAUSE_US  THREADS  RESIDENT  FLAGS\n"
"    456      123  nginx             2023-11-14T22:13:20+00:00      123.5        4      4.0M  owned\n"
"    789        -  a\"b?cdefghijklmn  -                                0.1        1     1000B  -\n");
}
END_TEST

START_TEST(test_list_empty)
{
	struct captured c;

	RUN(&c, list_main, FAKE_DEVICE, "list");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out,
"  CLONE   TARGET  COMM              CREATED                     PAUSE_US  THREADS  RESIDENT  FLAGS\n");

	RUN(&c, list_main, FAKE_DEVICE, "list", "--json");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out, "[]\n");
}
END_TEST

START_TEST(test_list_json)
{
	struct captured c;

	fake_snapshots();
	RUN(&c, list_main, FAKE_DEVICE, "list", "--json");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out,
		"[{\"clone_pid\":456,\"target_pid\":123,\"target_comm\":\"nginx\","
		"\"flags\":[\"owned\"],\"threads\":4,"
		"\"created_realtime_ns\":1700000000123456789,"
		"\"created_boottime_ns\":5000000000,\"pause_ns\":123456,"
		"\"quiesce_ns\":23456,\"resident_bytes\":4194304,"
		"\"pagetable_bytes\":16384,"
		"\"requested_realtime_ns\":1700000000000000000,"
		"\"requested_boottime_ns\":4900000000,\"requester_uid\":1000,"
		"\"nr_files\":7,\"check_ns\":1,\"record_ns\":2,\"files_ns\":3,"
		"\"copy_ns\":4,\"detach_ns\":5,\"names_ns\":6,"
		"\"nr_recovered\":2,\"nr_frozen\":0,\"freeze_ns\":0,"
		"\"frozen_bytes\":0,\"freeze_limit\":0},"
		"{\"clone_pid\":789,\"target_pid\":0,"
		"\"target_comm\":\"a\\\"b\\tcdefghijklmn\",\"flags\":[],"
		"\"threads\":1,\"created_realtime_ns\":0,"
		"\"created_boottime_ns\":0,\"pause_ns\":50,\"quiesce_ns\":0,"
		"\"resident_bytes\":1000,\"pagetable_bytes\":0,"
		"\"requested_realtime_ns\":0,\"requested_boottime_ns\":0,"
		"\"requester_uid\":0,\"nr_files\":0,\"check_ns\":0,"
		"\"record_ns\":0,\"files_ns\":0,\"copy_ns\":0,"
		"\"detach_ns\":0,\"names_ns\":0,\"nr_recovered\":0,"
		"\"nr_frozen\":0,\"freeze_ns\":0,\"frozen_bytes\":0,"
		"\"freeze_limit\":0}]\n");
}
END_TEST

START_TEST(test_list_error)
{
	struct captured c;

	fake.list_err = -EPERM;
	RUN(&c, list_main, FAKE_DEVICE, "list");
	ck_assert_failure(&c, EXIT_PERMISSION,
			  "snapctl: cannot list snapshots: permission");
}
END_TEST

START_TEST(test_delete)
{
	struct captured c;

	RUN(&c, delete_main, FAKE_DEVICE, "delete", "456");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out, "");
	ck_assert_str_eq(c.err, "");
	ck_assert_int_eq(fake.last_delete.clone_pid, 456);
	ck_assert_uint_eq(fake.last_delete.flags, 0);

	RUN(&c, delete_main, FAKE_DEVICE, "delete", "-v", "456");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out, "deleted 1 snapshot(s)\n");

	fake.deleted = 3;
	RUN(&c, delete_main, FAKE_DEVICE, "delete", "--all", "--verbose");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out, "deleted 3 snapshot(s)\n");
	ck_assert_uint_eq(fake.last_delete.flags, PROCSNAP_DELETE_ALL);
	ck_assert_int_eq(fake.last_delete.clone_pid, 0);

	RUN(&c, delete_main, FAKE_DEVICE, "delete", "--all");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out, "");
}
END_TEST

START_TEST(test_delete_errors)
{
	struct captured c;

	fake.delete_err = -ENOENT;
	RUN(&c, delete_main, FAKE_DEVICE, "delete", "-v", "456");
	ck_assert_int_eq(c.status, EXIT_NO_SUCH);
	ck_assert_str_eq(c.out, "");
	ck_assert_str_eq(c.err, "snapctl: no snapshot with pid 456\n");

	/* --all with nothing to delete is a success. */
	RUN(&c, delete_main, FAKE_DEVICE, "delete", "-v", "--all");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out, "deleted 0 snapshot(s)\n");

	fake.delete_err = -EPERM;
	RUN(&c, delete_main, FAKE_DEVICE, "delete", "--all");
	ck_assert_int_eq(c.status, EXIT_PERMISSION);
	ck_assert_contains(c.err, "snapctl: cannot delete snapshots: ");
}
END_TEST

static void fake_threads(void)
{
	unsigned int r;

	fake.nr_threads = 2;
	fake.threads[0].tid = 123;
	fake.threads[0].flags = PROCSNAP_THREAD_DUPLICATED;
	for (r = 0; r < PROCSNAP_NR_GREGS; r++)
		fake.threads[0].regs[r] = r + 1;
	fake.threads[0].regs[16] = 0x401000;		/* rip */
	fake.threads[0].regs[19] = 0x7ffc00001000;	/* rsp */
	fake.threads[0].xstate_size = 2688;
	memcpy(fake.threads[0].comm, "w\"1", 3);
	fake.threads[0].sched_policy = 3;		/* SCHED_BATCH */
	fake.threads[0].nice = -3;
	fake.threads[0].sigblocked = 1ULL << 11;	/* SIGUSR2 */
	fake.threads[0].seccomp_mode = 1;
	fake.threads[1].tid = 124;
	fake.threads[1].flags = PROCSNAP_THREAD_PARKED |
				PROCSNAP_THREAD_IN_KERNEL;
	fake.threads[1].regs[16] = UINT64_MAX;
	fake.threads[1].regs[19] = 0x7f0000000000;
}

START_TEST(test_threads_table)
{
	struct captured c;

	fake_threads();
	RUN(&c, threads_main, FAKE_DEVICE, "threads", "456");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.err, "");
	ck_assert_int_eq(fake.last_threads.clone_pid, 456);
	ck_assert_str_eq(c.out,
"    TID  FLAGS                       RIP                 RSP\n"
"    123  duplicated                  0x0000000000401000  0x00007ffc00001000\n"
"    124  parked,in_kernel            0xffffffffffffffff  0x00007f0000000000\n");
}
END_TEST

START_TEST(test_threads_json)
{
	struct captured c;

	fake_threads();
	fake.nr_threads = 1;
	RUN(&c, threads_main, FAKE_DEVICE, "threads", "456", "--json");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out,
		"[{\"tid\":123,\"flags\":[\"duplicated\"],\"regs\":{"
		"\"r15\":1,\"r14\":2,\"r13\":3,\"r12\":4,\"rbp\":5,\"rbx\":6,"
		"\"r11\":7,\"r10\":8,\"r9\":9,\"r8\":10,\"rax\":11,\"rcx\":12,"
		"\"rdx\":13,\"rsi\":14,\"rdi\":15,\"orig_rax\":16,"
		"\"rip\":4198400,\"cs\":18,\"eflags\":19,"
		"\"rsp\":140720308490240,\"ss\":21,\"fs_base\":22,"
		"\"gs_base\":23,\"ds\":24,\"es\":25,\"fs\":26,\"gs\":27},"
		"\"xstate_size\":2688,\"name\":\"w\\\"1\",\"sched_policy\":3,"
		"\"rt_priority\":0,\"nice\":-3,"
		"\"sigblocked\":\"0000000000000800\",\"seccomp_mode\":1}]\n");

	fake.nr_threads = 2;
	RUN(&c, threads_main, FAKE_DEVICE, "threads", "456", "--json");
	ck_assert_contains(c.out, "},{\"tid\":124,"
				  "\"flags\":[\"parked\",\"in_kernel\"],"
				  "\"regs\":{\"r15\":0,");
	ck_assert_contains(c.out, "\"rip\":18446744073709551615,");
}
END_TEST

START_TEST(test_threads_errors)
{
	struct captured c;

	fake.threads_err = -ENOENT;
	RUN(&c, threads_main, FAKE_DEVICE, "threads", "456");
	ck_assert_int_eq(c.status, EXIT_NO_SUCH);
	ck_assert_str_eq(c.out, "");
	ck_assert_str_eq(c.err, "snapctl: no snapshot with pid 456\n");
}
END_TEST

Suite *snapshot_cli_suite(void)
{
	Suite *s = suite_create("snapctl snapshots");
	TCase *tc = tcase_create("usage");

	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_bad_option);
	tcase_add_test(tc, test_pid_usage_errors);
	tcase_add_test(tc, test_list_usage_errors);
	tcase_add_test(tc, test_delete_usage_errors);
	tcase_add_test(tc, test_request_usage_errors);
	tcase_add_test(tc, test_no_module);
	tcase_add_test(tc, test_module_too_old);
	suite_add_tcase(s, tc);

	tc = tcase_create("fake module");
	tcase_add_checked_fixture(tc, fake_setup, fake_teardown);
	tcase_add_test(tc, test_request_done);
	tcase_add_test(tc, test_request_options);
	tcase_add_test(tc, test_request_freeze);
	tcase_add_test(tc, test_request_no_wait);
	tcase_add_test(tc, test_request_timeout);
	tcase_add_test(tc, test_request_failed);
	tcase_add_test(tc, test_request_errors);
	tcase_add_test(tc, test_request_wait_errors);
	tcase_add_test(tc, test_state_text);
	tcase_add_test(tc, test_state_json);
	tcase_add_test(tc, test_state_errors);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_list_table);
	tcase_add_test(tc, test_list_empty);
	tcase_add_test(tc, test_list_json);
	tcase_add_test(tc, test_list_error);
	tcase_add_test(tc, test_delete);
	tcase_add_test(tc, test_delete_errors);
	tcase_add_test(tc, test_threads_table);
	tcase_add_test(tc, test_threads_json);
	tcase_add_test(tc, test_threads_errors);
	suite_add_tcase(s, tc);
	return s;
}
