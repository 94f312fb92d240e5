// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include <libprocsnap.h>

#include "snapctl.h"
#include "util.h"

static const struct option cancel_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

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

int cancel_main(int argc, char *argv[])
{
	struct procsnap_ctx *ctx;
	int c, err, status;
	pid_t pid;

	optind = 0;
	while ((c = subcommand_getopt(argc, argv, "h",
				      cancel_options)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (take_pid_argument(argc, argv, argv[0], "PID", &pid)) {
		usage(stderr);
		return EXIT_USAGE;
	}

	status = snapctl_open(&ctx);
	if (status)
		return status;

	err = procsnap_cancel(ctx, pid);
	if (err == -ENOENT) {
		fprintf(stderr, "%s: no snapshot request in flight for %d\n",
			PROG_NAME, (int)pid);
		status = EXIT_NO_SUCH;
	} else if (err) {
		status = report_request_error(err, "cannot cancel the request "
					      "for %d", (int)pid);
	}
	procsnap_close(ctx);
	return status;
}
