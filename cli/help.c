// SPDX-License-Identifier: GPL-2.0-only
#include <getopt.h>
#include <stdio.h>

#include "snapctl.h"
#include "util.h"

static const struct option help_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

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

int help_main(int argc, char *argv[])
{
	const struct subcommand *cmd;
	int c;

	optind = 0;
	while ((c = subcommand_getopt(argc, argv, "+h",
				      help_options)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}

	if (optind == argc) {
		snapctl_usage(stdout);
		return EXIT_OK;
	}
	if (argc - optind > 1) {
		report_extra_argument(argv[0], argv[optind + 1]);
		usage(stderr);
		return EXIT_USAGE;
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
