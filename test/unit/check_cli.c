// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_procsnap.h"
#include "snapctl.h"
#include "util.h"


/* ---- subcommand table ---- */

START_TEST(test_find_subcommand)
{
	ck_assert_ptr_eq(find_subcommand("version")->fn, version_main);
	ck_assert_ptr_eq(find_subcommand("help")->fn, help_main);
	ck_assert_ptr_null(find_subcommand("nope"));
	ck_assert_ptr_null(find_subcommand("versio"));
	ck_assert_ptr_null(find_subcommand(""));
	ck_assert_ptr_null(find_subcommand(NULL));
}
END_TEST

START_TEST(test_subcommand_table)
{
	const struct subcommand *a, *b;

	for (a = subcommands; a->name; a++) {
		ck_assert_ptr_nonnull(a->fn);
		ck_assert_ptr_nonnull(a->description);
		ck_assert_ptr_eq(find_subcommand(a->name), a);
		for (b = a + 1; b->name; b++)
			ck_assert_str_ne(a->name, b->name);
	}
}
END_TEST

/* ---- exit codes ---- */

START_TEST(test_exit_codes)
{
	static const struct {
		int err;
		int status;
	} map[] = {
		{ 0, EXIT_OK },
		{ ENOENT, EXIT_NO_MODULE },
		{ ENODEV, EXIT_NO_MODULE },
		{ ENXIO, EXIT_NO_MODULE },
		{ EACCES, EXIT_PERMISSION },
		{ EPERM, EXIT_PERMISSION },
		{ ENOTTY, EXIT_FAILED },
		{ EPROTO, EXIT_FAILED },
		{ EIO, EXIT_FAILED },
		{ EINVAL, EXIT_FAILED },
		{ ETIMEDOUT, EXIT_TIMEOUT },
		{ ESRCH, EXIT_NO_SUCH },
	};
	size_t i;

	/* The numbers are a promise to scripts, not just names. */
	ck_assert_int_eq(EXIT_OK, 0);
	ck_assert_int_eq(EXIT_USAGE, 1);
	ck_assert_int_eq(EXIT_FAILED, 2);
	ck_assert_int_eq(EXIT_NO_MODULE, 3);
	ck_assert_int_eq(EXIT_PERMISSION, 4);
	ck_assert_int_eq(EXIT_TIMEOUT, 5);
	ck_assert_int_eq(EXIT_NO_SUCH, 6);

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		ck_assert_int_eq(snapctl_exit_code(map[i].err), map[i].status);
		ck_assert_int_eq(snapctl_exit_code(-map[i].err),
				 map[i].status);
	}
}
END_TEST

/* ---- JSON strings ---- */

static void assert_json(const char *in, const char *expected)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	json_print_string(f, in);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_str_eq(buf, expected);
	free(buf);
}

START_TEST(test_json_plain)
{
	assert_json("", "\"\"");
	assert_json("0.1.0", "\"0.1.0\"");
}
END_TEST

START_TEST(test_json_quote_backslash)
{
	assert_json("a\"b", "\"a\\\"b\"");
	assert_json("a\\b", "\"a\\\\b\"");
	assert_json("\\\"", "\"\\\\\\\"\"");
	assert_json("/", "\"/\"");
}
END_TEST

START_TEST(test_json_control)
{
	assert_json("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
	assert_json("\x01", "\"\\u0001\"");
	assert_json("a\x1f" "b", "\"a\\u001fb\"");
	assert_json("\x7f", "\"\\u007f\"");
}
END_TEST

START_TEST(test_json_utf8)
{
	assert_json("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	assert_json("\xe2\x82\xac", "\"\xe2\x82\xac\"");
	assert_json("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
	assert_json("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");
}
END_TEST

START_TEST(test_json_invalid_utf8)
{
	/* Each byte that starts no well-formed sequence becomes U+FFFD. */
	assert_json("\xff", "\"\\ufffd\"");
	assert_json("\x80", "\"\\ufffd\"");
	/* truncated sequences */
	assert_json("a\xc3", "\"a\\ufffd\"");
	assert_json("\xe2\x82" "x", "\"\\ufffd\\ufffdx\"");
	/* overlong forms */
	assert_json("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	assert_json("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
	/* a UTF-16 surrogate */
	assert_json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	/* above U+10FFFF */
	assert_json("\xf4\x90\x80\x80",
		    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}
END_TEST

/* ---- snapctl version ---- */

START_TEST(test_version_help)
{
	struct captured c;

	RUN(&c, version_main, NULL, "version", "--help");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_contains(c.out, "Usage: snapctl version [--json]");
	ck_assert_contains(c.out, "Exit status:");
	ck_assert_str_eq(c.err, "");

	RUN(&c, version_main, NULL, "version", "-h");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_contains(c.out, "Usage: snapctl version");
}
END_TEST

START_TEST(test_version_bad_option)
{
	struct captured c;

	RUN(&c, version_main, NULL, "version", "--bogus");
	ck_assert_failure(&c, EXIT_USAGE,
			  "snapctl version: unrecognized option '--bogus'");
	ck_assert_contains(c.err, "Usage: snapctl version");

	RUN(&c, version_main, NULL, "version", "-x");
	ck_assert_int_eq(c.status, EXIT_USAGE);
	ck_assert_contains(c.err, "snapctl version: invalid option -- 'x'");

	RUN(&c, version_main, NULL, "version", "--json=yes");
	ck_assert_int_eq(c.status, EXIT_USAGE);
	ck_assert_contains(c.err, "doesn't allow an argument");
}
END_TEST

START_TEST(test_version_extra_argument)
{
	struct captured c;

	RUN(&c, version_main, NULL, "version", "extra");
	ck_assert_failure(&c, EXIT_USAGE,
			  "snapctl version: unexpected argument 'extra'");

	RUN(&c, version_main, NULL, "version", "--json", "extra");
	ck_assert_int_eq(c.status, EXIT_USAGE);
	ck_assert_contains(c.err, "unexpected argument 'extra'");
}
END_TEST

START_TEST(test_version_no_module)
{
	struct captured c;

	RUN(&c, version_main, MISSING_DEVICE, "version");
	ck_assert_int_eq(c.status, EXIT_NO_MODULE);
	ck_assert_str_eq(c.out, "snapctl:      " SNAPCTL_VERSION "\n"
				"libprocsnap:  " SNAPCTL_VERSION "\n");
	ck_assert_contains(c.err, "snapctl: cannot open " MISSING_DEVICE ": ");
	ck_assert_contains(c.err, MODULE_HINT);
}
END_TEST

START_TEST(test_version_no_module_json)
{
	struct captured c;

	RUN(&c, version_main, MISSING_DEVICE, "version", "--json");
	ck_assert_int_eq(c.status, EXIT_NO_MODULE);
	ck_assert_str_eq(c.out, "{\"snapctl\":\"" SNAPCTL_VERSION "\","
				"\"libprocsnap\":\"" SNAPCTL_VERSION "\","
				"\"module\":null}\n");
	ck_assert_contains(c.err, MODULE_HINT);
}
END_TEST

/* A device that is not procsnap: the query, not the open, fails. */
START_TEST(test_version_not_procsnap)
{
	struct captured c;

	RUN(&c, version_main, "/dev/null", "version");
	ck_assert_int_eq(c.status, EXIT_FAILED);
	ck_assert_contains(c.err, "snapctl: cannot query the module version"
				  " on /dev/null: ");
	ck_assert_contains(c.err, "does not know this request");
}
END_TEST

START_TEST(test_version_open_other_error)
{
	struct captured c;

	/* A directory cannot be opened for writing: EISDIR. */
	RUN(&c, version_main, "/", "version");
	ck_assert_int_eq(c.status, EXIT_FAILED);
	ck_assert_contains(c.err, "snapctl: cannot open /: Is a directory");
}
END_TEST

/* ---- snapctl dispatch and help ---- */

START_TEST(test_main_no_arguments)
{
	struct captured c;

	RUN(&c, snapctl_main, NULL, "snapctl");
	ck_assert_failure(&c, EXIT_USAGE, "Usage: snapctl <command>");
}
END_TEST

START_TEST(test_main_help)
{
	static const char *const spellings[] = { "--help", "-h", "help" };
	struct captured c;
	size_t i;

	for (i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		RUN(&c, snapctl_main, NULL, "snapctl", spellings[i]);
		ck_assert_int_eq(c.status, EXIT_OK);
		ck_assert_str_eq(c.err, "");
		ck_assert_contains(c.out, "Usage: snapctl <command>");
		ck_assert_contains(c.out, "  version ");
		ck_assert_contains(c.out, "PROCSNAP_DEVICE");
		ck_assert_contains(c.out, "  3  procsnap module not loaded");
		ck_assert_contains(c.out, "  4  permission denied");
		ck_assert_contains(c.out, "  5  timed out");
		ck_assert_contains(c.out, "  6  no such process or snapshot");
		ck_assert_contains(c.out, "  request ");
		ck_assert_contains(c.out, "  delete ");
	}
}
END_TEST

START_TEST(test_main_help_command)
{
	struct captured c;

	RUN(&c, snapctl_main, NULL, "snapctl", "help", "version");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_contains(c.out, "Usage: snapctl version");

	RUN(&c, snapctl_main, NULL, "snapctl", "--help", "help");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_contains(c.out, "Usage: snapctl help [<command>]");

	RUN(&c, snapctl_main, NULL, "snapctl", "help", "bogus");
	ck_assert_failure(&c, EXIT_USAGE,
			  "snapctl help: unknown command 'bogus'");

	RUN(&c, snapctl_main, NULL, "snapctl", "help", "version", "help");
	ck_assert_int_eq(c.status, EXIT_USAGE);
	ck_assert_contains(c.err, "unexpected argument 'help'");
}
END_TEST

START_TEST(test_main_unknown)
{
	struct captured c;

	RUN(&c, snapctl_main, NULL, "snapctl", "bogus");
	ck_assert_failure(&c, EXIT_USAGE, "snapctl: unknown command 'bogus'");
	ck_assert_contains(c.err, "Usage: snapctl <command>");

	RUN(&c, snapctl_main, NULL, "snapctl", "--bogus");
	ck_assert_int_eq(c.status, EXIT_USAGE);
	ck_assert_contains(c.err, "snapctl: unknown option '--bogus'");
}
END_TEST

START_TEST(test_main_version_option)
{
	struct captured cmd, opt;

	RUN(&cmd, snapctl_main, MISSING_DEVICE, "snapctl", "version");
	RUN(&opt, snapctl_main, MISSING_DEVICE, "snapctl", "--version");
	ck_assert_int_eq(cmd.status, EXIT_NO_MODULE);
	ck_assert_int_eq(opt.status, cmd.status);
	ck_assert_str_eq(opt.out, cmd.out);
	ck_assert_str_eq(opt.err, cmd.err);

	RUN(&opt, snapctl_main, MISSING_DEVICE, "snapctl", "--version",
	    "--json");
	ck_assert_int_eq(opt.status, EXIT_NO_MODULE);
	ck_assert_contains(opt.out, "\"module\":null");
}
END_TEST

static int main_with_stdout_full(int argc, char *argv[])
{
	int fd = open("/dev/full", O_WRONLY);

	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
		return 99;
	close(fd);
	return snapctl_main(argc, argv);
}

/* Help that could not be written must not report success. */
START_TEST(test_main_write_error)
{
	struct captured c;

	RUN(&c, main_with_stdout_full, NULL, "snapctl", "--help");
	ck_assert_int_eq(c.status, EXIT_FAILED);
	ck_assert_contains(c.err, "snapctl: cannot write output: ");
}
END_TEST

Suite *cli_suite(void)
{
	Suite *s = suite_create("snapctl");
	TCase *tc_util = tcase_create("util");
	TCase *tc_version = tcase_create("version");
	TCase *tc_main = tcase_create("main");

	tcase_add_test(tc_util, test_find_subcommand);
	tcase_add_test(tc_util, test_subcommand_table);
	tcase_add_test(tc_util, test_exit_codes);
	tcase_add_test(tc_util, test_json_plain);
	tcase_add_test(tc_util, test_json_quote_backslash);
	tcase_add_test(tc_util, test_json_control);
	tcase_add_test(tc_util, test_json_utf8);
	tcase_add_test(tc_util, test_json_invalid_utf8);
	suite_add_tcase(s, tc_util);

	tcase_add_test(tc_version, test_version_help);
	tcase_add_test(tc_version, test_version_bad_option);
	tcase_add_test(tc_version, test_version_extra_argument);
	tcase_add_test(tc_version, test_version_no_module);
	tcase_add_test(tc_version, test_version_no_module_json);
	tcase_add_test(tc_version, test_version_not_procsnap);
	tcase_add_test(tc_version, test_version_open_other_error);
	suite_add_tcase(s, tc_version);

	tcase_add_test(tc_main, test_main_no_arguments);
	tcase_add_test(tc_main, test_main_help);
	tcase_add_test(tc_main, test_main_help_command);
	tcase_add_test(tc_main, test_main_unknown);
	tcase_add_test(tc_main, test_main_version_option);
	tcase_add_test(tc_main, test_main_write_error);
	suite_add_tcase(s, tc_main);
	return s;
}
