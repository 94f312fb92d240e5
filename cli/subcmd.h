/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The command line every snapctl subcommand shares: -h/--help, --json, at
 * most one PID argument, opening the device and closing it again.  A
 * subcommand describes itself in a struct subcmd_spec and keeps only its
 * own options, checks, work and output; the messages and exit statuses of
 * the shared parts are then the same for all of them by construction.
 */
#ifndef SNAPCTL_SUBCMD_H
#define SNAPCTL_SUBCMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct procsnap_ctx;
struct subcmd_args;

/* getopt values of long-only options; a subcommand's own start at OPT_OWN. */
enum {
	OPT_JSON = 256,
	OPT_OWN,
};

/* The long options of subcommands that have no others: --help ... */
extern const struct option subcmd_help_options[];
/* ... and --json --help. */
extern const struct option subcmd_json_options[];

struct subcmd_spec {
	const char *optstring;		/* for getopt_long(); has 'h' */
	/* --help must map to 'h', --json (if taken) to OPT_JSON. */
	const struct option *longopts;
	/* The one PID argument, as named in messages; NULL if none. */
	const char *pid_name;
	/* Prints the usage text: to stdout for --help, stderr on misuse. */
	void (*usage)(FILE *f);
	/* Takes an option other than -h and --json; NULL if there are none. */
	void (*option)(struct subcmd_args *args, int c, const char *arg);
	/*
	 * Checks the arguments after the options, at argv[optind], instead
	 * of pid_name doing it; NULL if pid_name says it all.  Reports what
	 * is wrong on stderr and returns EXIT_USAGE, or returns 0.
	 */
	int (*arguments)(struct subcmd_args *args, int argc, char *argv[]);
	/* The work, on the open device; returns the exit status. */
	int (*run)(struct procsnap_ctx *ctx, const struct subcmd_args *args);
	/* For subcmd_print_entries(): an array of entries, as text or JSON. */
	void (*print_table)(const void *entries, size_t n);
	void (*print_json)(const void *entries, size_t n);
};

/* The command line once parsed. */
struct subcmd_args {
	const struct subcmd_spec *spec;
	const char *name;	/* argv[0]: the subcommand, for messages */
	bool json;		/* --json */
	pid_t pid;		/* the PID argument; 0 if none */
	void *priv;		/* the subcommand's own options */
};

/* What subcmd_parse() returns when the subcommand is to go on. */
#define SUBCMD_CONTINUE (-1)

/*
 * Parse the options and arguments of subcommand @spec (argv[0] is its
 * name) into @args, with @priv for its own options.  Help and usage
 * errors are dealt with here.  Return: SUBCMD_CONTINUE, or the exit
 * status to end with (EXIT_OK after --help, EXIT_USAGE after misuse).
 */
int subcmd_parse(int argc, char *argv[], const struct subcmd_spec *spec,
		 struct subcmd_args *args, void *priv);

/*
 * All of a subcommand that works on the device: parse the command line,
 * open the device, spec->run(), close.  Return: the exit status.
 */
int subcmd_main(int argc, char *argv[], const struct subcmd_spec *spec,
		void *priv);

/*
 * Take the one PID argument, named spec->pid_name, into args->pid.
 * Return: 0, or EXIT_USAGE after reporting what is wrong.
 */
int subcmd_take_pid(struct subcmd_args *args, int argc, char *argv[]);

/*
 * Print @n @entries with spec->print_json if --json was given, else with
 * spec->print_table, then free() them.  Return: EXIT_OK.
 */
int subcmd_print_entries(const struct subcmd_args *args, void *entries,
			 size_t n);

#endif /* SNAPCTL_SUBCMD_H */
