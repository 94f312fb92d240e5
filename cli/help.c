// SPDX-License-Identifier: GPL-2.0-only
#include <getopt.h>
#include <stdio.h>

#include "snapctl.h"
#include "subcmd.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s help [<command>]\n"
		"\n"
		"Show the usage of %s, or of <command>.\n"
		"\n"
		"Options:\n"
		"  -h, --help  show this help\n",
		PROG_NAME, PROG_NAME);
}

/* Each subcommand owns its usage text; ask it rather than copy it. */
static int command_help(const struct subcommand *cmd)
{
	char help_option[] = "--help";
	char *argv[] = { (char *)cmd->name, help_option, NULL };

	return cmd->fn(2, argv);
}

/* At most one argument: the command to show the help of. */
static int help_arguments(struct subcmd_args *args, int argc, char *argv[])
{
	if (argc - optind > 1) {
		report_extra_argument(args->name, argv[optind + 1]);
		return EXIT_USAGE;
	}
	return 0;
}

static const struct subcmd_spec help_cmd = {
	.optstring = "+h",
	.longopts = subcmd_help_options,
	.usage = usage,
	.arguments = help_arguments,
};

int help_main(int argc, char *argv[])
{
	const struct subcommand *cmd;
	struct subcmd_args args;
	int status;

	status = subcmd_parse(argc, argv, &help_cmd, &args, NULL);
	if (status != SUBCMD_CONTINUE)
		return status;

	if (optind == argc) {
		snapctl_usage(stdout);
		return EXIT_OK;
	}
	cmd = find_subcommand(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "%s help: unknown command '%s'\n", PROG_NAME,
			argv[optind]);
		snapctl_usage(stderr);
		return EXIT_USAGE;
	}
	return command_help(cmd);
}
