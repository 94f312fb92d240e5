/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef CHECK_PROCSNAP_H
#define CHECK_PROCSNAP_H

#include <check.h>

Suite *abi_suite(void);
Suite *lib_suite(void);
Suite *cli_suite(void);

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

#endif /* CHECK_PROCSNAP_H */
