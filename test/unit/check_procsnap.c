// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of libprocsnap and snapctl that need no kernel module: the
 * ABI layout, the library against devices that are not procsnap, and
 * snapctl's parsing, messages and exit codes.
 */
#include <stdlib.h>

#include "check_procsnap.h"

int main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(abi_suite());
	srunner_add_suite(sr, lib_suite());
	srunner_add_suite(sr, cli_suite());
	srunner_add_suite(sr, util_suite());
	srunner_add_suite(sr, snapshot_cli_suite());
	srunner_add_suite(sr, collect_suite());
	srunner_add_suite(sr, engine_suite());
	srunner_add_suite(sr, collect_cli_suite());
	srunner_add_suite(sr, scan_suite());
	srunner_add_suite(sr, diff_suite());
	srunner_add_suite(sr, triage_suite());
	if (core_suite)
		srunner_add_suite(sr, core_suite());

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);

	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
