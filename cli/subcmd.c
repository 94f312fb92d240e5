// SPDX-License-Identifier: GPL-2.0-only
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <libprocsnap.h>

#include "subcmd.h"
#include "util.h"

const struct option subcmd_help_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

const struct option subcmd_json_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Return: SUBCMD_CONTINUE, or the exit status to end with. */
static int parse_options(int argc, char *argv[], struct subcmd_args *args)
{
	const struct subcmd_spec *spec = args->spec;
	int c;

	/* 0, not 1: also resets getopt's state from an earlier parse. */
	optind = 0;
	while ((c = subcommand_getopt(argc, argv, spec->optstring,
				      spec->longopts)) != -1) {
		switch (c) {
		case 'h':
			spec->usage(stdout);
			return EXIT_OK;
		case OPT_JSON:
			args->json = true;
			break;
		case '?':
			/* getopt_long() has said what is wrong. */
			spec->usage(stderr);
			return EXIT_USAGE;
		default:
			spec->option(args, c, optarg);
			break;
		}
	}
	return SUBCMD_CONTINUE;
}

int subcmd_take_pid(struct subcmd_args *args, int argc, char *argv[])
{
	return take_pid_argument(argc, argv, args->name, args->spec->pid_name,
				 &args->pid);
}

static int check_arguments(struct subcmd_args *args, int argc, char *argv[])
{
	const struct subcmd_spec *spec = args->spec;

	if (spec->arguments)
		return spec->arguments(args, argc, argv);
	if (spec->pid_name)
		return subcmd_take_pid(args, argc, argv);
	if (optind < argc) {
		report_extra_argument(args->name, argv[optind]);
		return EXIT_USAGE;
	}
	return 0;
}

int subcmd_parse(int argc, char *argv[], const struct subcmd_spec *spec,
		 struct subcmd_args *args, void *priv)
{
	int status;

	*args = (struct subcmd_args){
		.spec = spec,
		.name = argv[0],
		.priv = priv,
	};
	status = parse_options(argc, argv, args);
	if (status != SUBCMD_CONTINUE)
		return status;
	/* The message says what is wrong, the usage after it what is right. */
	if (check_arguments(args, argc, argv)) {
		spec->usage(stderr);
		return EXIT_USAGE;
	}
	return SUBCMD_CONTINUE;
}

int subcmd_main(int argc, char *argv[], const struct subcmd_spec *spec,
		void *priv)
{
	struct subcmd_args args;
	struct procsnap_ctx *ctx;
	int status;

	status = subcmd_parse(argc, argv, spec, &args, priv);
	if (status != SUBCMD_CONTINUE)
		return status;
	/* Only once the command line is known good: misuse needs no module. */
	status = snapctl_open(&ctx);
	if (status)
		return status;
	status = spec->run(ctx, &args);
	procsnap_close(ctx);
	return status;
}

int subcmd_print_entries(const struct subcmd_args *args, void *entries,
			 size_t n)
{
	if (args->json)
		args->spec->print_json(entries, n);
	else
		args->spec->print_table(entries, n);
	free(entries);
	return EXIT_OK;
}
