// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>

#include <libprocsnap.h>

#include "snapctl.h"
#include "subcmd.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s cancel PID\n"
		"\n"
		"Cancel the snapshot request in flight for process PID.  A\n"
		"snapshot that completes while being cancelled is deleted;\n"
		"one already done is not (see '%s delete').\n"
		"\n"
		"Options:\n"
		"  -h, --help  show this help\n"
		"\n", PROG_NAME, PROG_NAME);
	print_exit_status(f);
}

static int cancel_run(struct procsnap_ctx *ctx, const struct subcmd_args *args)
{
	int err;

	err = procsnap_cancel(ctx, args->pid);
	if (err == -ENOENT)
		return report_no_such("no snapshot request in flight for %d",
				      (int)args->pid);
	if (err)
		return report_request_error(err, "cannot cancel the request "
					    "for %d", (int)args->pid);
	return EXIT_OK;
}

static const struct subcmd_spec cancel_cmd = {
	.optstring = "h",
	.longopts = subcmd_help_options,
	.pid_name = "PID",
	.usage = usage,
	.run = cancel_run,
};

int cancel_main(int argc, char *argv[])
{
	return subcmd_main(argc, argv, &cancel_cmd, NULL);
}
