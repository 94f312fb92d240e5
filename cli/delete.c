// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <libprocsnap.h>

#include "snapctl.h"
#include "util.h"

enum { OPT_ALL = 256 };

static const struct option delete_options[] = {
	{ "all", no_argument, NULL, OPT_ALL },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s delete [-v] CLONE_PID\n"
		"       %s delete [-v] --all\n"
		"\n"
		"Delete the snapshot whose pid is CLONE_PID, or every snapshot\n"
		"visible here, and free its memory.\n"
		"\n"
		"Options:\n"
		"      --all      delete every snapshot\n"
		"  -v, --verbose  print \"deleted N snapshot(s)\"\n"
		"  -h, --help     show this help\n"
		"\n", PROG_NAME, PROG_NAME);
	print_exit_status(f);
}

int delete_main(int argc, char *argv[])
{
	bool all = false, verbose = false;
	struct procsnap_ctx *ctx;
	unsigned int deleted = 0;
	int c, err, status;
	pid_t pid = 0;

	optind = 0;
	while ((c = subcommand_getopt(argc, argv, "hv",
				      delete_options)) != -1) {
		switch (c) {
		case OPT_ALL:
			all = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (all) {
		if (optind < argc) {
			fprintf(stderr, "%s %s: --all takes no CLONE_PID\n",
				PROG_NAME, argv[0]);
			usage(stderr);
			return EXIT_USAGE;
		}
	} else if (take_pid_argument(argc, argv, argv[0], "CLONE_PID",
				     &pid)) {
		usage(stderr);
		return EXIT_USAGE;
	}

	status = snapctl_open(&ctx);
	if (status)
		return status;

	if (all) {
		err = procsnap_delete_all(ctx, &deleted);
	} else {
		err = procsnap_delete(ctx, pid);
		deleted = 1;
	}
	if (err == -ENOENT) {
		fprintf(stderr, "%s: no snapshot with pid %d\n", PROG_NAME,
			(int)pid);
		status = EXIT_NO_SUCH;
	} else if (err && all) {
		status = report_request_error(err, "cannot delete snapshots");
	} else if (err) {
		status = report_request_error(err, "cannot delete snapshot %d",
					      (int)pid);
	} else if (verbose) {
		printf("deleted %u snapshot(s)\n", deleted);
	}
	procsnap_close(ctx);
	return status;
}
