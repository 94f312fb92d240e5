/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the snapctl subcommands.  Kept apart from main() so
 * the unit tests can link and call them.
 */
#ifndef SNAPCTL_UTIL_H
#define SNAPCTL_UTIL_H

#include <getopt.h>
#include <stdio.h>

#define PROG_NAME "snapctl"

/* The exit status contract of snapctl; documented in snapctl(8). */
enum snapctl_exit {
	EXIT_OK = 0,
	EXIT_USAGE = 1,
	EXIT_FAILED = 2,
	EXIT_NO_MODULE = 3,
	EXIT_PERMISSION = 4,
};

/*
 * Map an error from procsnap_open() or a device request (positive or
 * negative errno, 0 for success) to the exit status snapctl promises.
 */
int snapctl_exit_code(int err);

/* Print the exit status table for --help output. */
void print_exit_status(FILE *f);

/* The device node: $PROCSNAP_DEVICE if set and non-empty, else the default. */
const char *snapctl_device_path(void);

/*
 * getopt_long() for a subcommand whose argv[0] is its own name: the
 * diagnostics getopt prints then read "snapctl <cmd>: ..." instead of
 * "<cmd>: ...".  The caller resets optind to 0 before the first call.
 */
int subcommand_getopt(int argc, char *argv[], const char *optstring,
		      const struct option *longopts);

/* Report a stray positional argument of subcommand @cmd on stderr. */
void report_extra_argument(const char *cmd, const char *arg);

/*
 * Write @s as a JSON string literal, quotes included.  Control characters,
 * '"' and '\\' are escaped; bytes that are not well-formed UTF-8 become
 * U+FFFD, so the output is valid JSON whatever the input.
 */
void json_print_string(FILE *f, const char *s);

#endif /* SNAPCTL_UTIL_H */
