// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <libprocsnap.h>

#include "snapctl.h"
#include "subcmd.h"
#include "util.h"

enum { OPT_ALL = OPT_OWN };

struct delete_opts {
	bool all;
	bool verbose;
};

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

static void delete_option(struct subcmd_args *args, int c,
			  const char *arg)
{
	struct delete_opts *o = args->priv;

	(void)arg;
	if (c == OPT_ALL)
		o->all = true;
	else if (c == 'v')
		o->verbose = true;
}

/* --all stands in for CLONE_PID, so it cannot come with one. */
static int delete_arguments(struct subcmd_args *args, int argc, char *argv[])
{
	const struct delete_opts *o = args->priv;

	if (!o->all)
		return subcmd_take_pid(args, argc, argv);
	if (optind < argc)
		return report_usage_error(args->name, "--all takes no %s",
					  args->spec->pid_name);
	return 0;
}

static int delete_run(struct procsnap_ctx *ctx,
		      const struct subcmd_args *args)
{
	const struct delete_opts *o = args->priv;
	unsigned int deleted = 0;
	int err;

	if (o->all) {
		err = procsnap_delete_all(ctx, &deleted);
	} else {
		err = procsnap_delete(ctx, args->pid);
		deleted = 1;
	}
	if (err == -ENOENT)
		return report_no_such("no snapshot with pid %d",
				      (int)args->pid);
	if (err && o->all)
		return report_request_error(err, "cannot delete snapshots");
	if (err)
		return report_request_error(err, "cannot delete snapshot %d",
					    (int)args->pid);
	if (o->verbose)
		printf("deleted %u snapshot(s)\n", deleted);
	return EXIT_OK;
}

static const struct subcmd_spec delete_cmd = {
	.optstring = "hv",
	.longopts = delete_options,
	.pid_name = "CLONE_PID",
	.usage = usage,
	.option = delete_option,
	.arguments = delete_arguments,
	.run = delete_run,
};

int delete_main(int argc, char *argv[])
{
	struct delete_opts o = { 0 };

	return subcmd_main(argc, argv, &delete_cmd, &o);
}
