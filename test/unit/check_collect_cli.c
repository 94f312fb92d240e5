// SPDX-License-Identifier: GPL-2.0-only
/*
 * "snapctl collect" and "snapctl snapshot": usage, option checks and the
 * exit codes that need no snapshot.  Their runs against a stand-in
 * snapshot are in check_engine.c.
 */
#include <stdio.h>
#include <string.h>

#include "check_procsnap.h"
#include "snapctl.h"
#include "util.h"

START_TEST(test_table)
{
	ck_assert_ptr_eq(find_subcommand("collect")->fn, collect_main);
	ck_assert_ptr_eq(find_subcommand("snapshot")->fn, snapshot_main);
}
END_TEST

START_TEST(test_help)
{
	struct captured c;

	RUN(&c, collect_main, MISSING_DEVICE, "collect", "--help");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_contains(c.out, "Usage: snapctl collect CLONE_PID -o DIR|-");
	ck_assert_contains(c.out, "--format FMT");
	ck_assert_contains(c.out, "--rate RATE");
	ck_assert_contains(c.out, "--no-hash");
	ck_assert_contains(c.out, "--json");
	ck_assert_contains(c.out, "  6  no such process or snapshot");
	ck_assert_str_eq(c.err, "");

	RUN(&c, snapshot_main, MISSING_DEVICE, "snapshot", "-h");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_contains(c.out, "Usage: snapctl snapshot PID -o DIR|-");
	ck_assert_contains(c.out, "--timeout DUR");
	ck_assert_contains(c.out, "--interrupt");
	ck_assert_contains(c.out, "--format FMT");

	RUN(&c, snapctl_main, MISSING_DEVICE, "snapctl", "help", "collect");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_contains(c.out, "Usage: snapctl collect");
	RUN(&c, snapctl_main, MISSING_DEVICE, "snapctl", "--help");
	ck_assert_contains(c.out, "  collect ");
	ck_assert_contains(c.out, "  snapshot ");
}
END_TEST

/* Misuse is caught before the device is opened: exit 1, not 3. */
START_TEST(test_usage_errors)
{
	static const struct {
		const char *argv[8];
		const char *msg;
	} cases[] = {
		{ { "collect", "12" }, "snapctl collect: missing -o DIR|-" },
		{ { "collect", "-o", "d" }, "snapctl collect: missing CLONE_PID" },
		{ { "collect", "12x", "-o", "d" }, "invalid CLONE_PID '12x'" },
		{ { "collect", "12", "-o", "" }, "empty output directory" },
		{ { "collect", "12", "-o", "d", "--format", "pdf" },
		  "invalid format 'pdf': paper, core or both" },
		{ { "collect", "12", "-o", "d", "--rate", "5X" },
		  "invalid rate '5X'" },
		{ { "collect", "12", "-o", "d", "--rate", "99999999999G" },
		  "invalid rate '99999999999G': too large" },
		{ { "collect", "12", "-o", "-", "--json" },
		  "--json needs -o DIR" },
		{ { "collect", "12", "13", "-o", "d" },
		  "unexpected argument '13'" },
		{ { "collect", "12", "-o", "d", "--bogus" },
		  "unrecognized option" },
		{ { "snapshot", "12" }, "snapctl snapshot: missing -o DIR|-" },
		{ { "snapshot", "12", "-o", "d", "--timeout", "1y" },
		  "invalid duration '1y'" },
		{ { "snapshot", "12", "-o", "d", "--json" },
		  "unrecognized option '--json'" },
		{ { "snapshot", "-o", "d" }, "snapctl snapshot: missing PID" },
	};
	struct captured c;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i].argv;

		capture(!strcmp(a[0], "collect") ? collect_main : snapshot_main,
			MISSING_DEVICE, a, &c);
		ck_assert_msg(c.status == EXIT_USAGE, "case %zu: status %d",
			      i, c.status);
		ck_assert_str_eq(c.out, "");
		ck_assert_contains(c.err, cases[i].msg);
		ck_assert_contains(c.err, "Usage: snapctl ");
	}
}
END_TEST

START_TEST(test_no_module)
{
	struct captured c;

	RUN(&c, collect_main, MISSING_DEVICE, "collect", "12", "-o", "d");
	ck_assert_failure(&c, EXIT_NO_MODULE, MODULE_HINT);
	RUN(&c, snapshot_main, MISSING_DEVICE, "snapshot", "12", "-o", "d");
	ck_assert_failure(&c, EXIT_NO_MODULE, MODULE_HINT);
}
END_TEST

Suite *collect_cli_suite(void)
{
	Suite *s = suite_create("collect cli");
	TCase *tc = tcase_create("usage");

	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_usage_errors);
	tcase_add_test(tc, test_no_module);
	suite_add_tcase(s, tc);
	return s;
}
