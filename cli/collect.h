/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What "snapctl collect" and "snapctl snapshot" share: the output options
 * (-o, --format, --rate, --no-hash), the progress display and running
 * procsnap_collect() with its errors reported.
 */
#ifndef SNAPCTL_COLLECT_H
#define SNAPCTL_COLLECT_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "subcmd.h"

struct procsnap_ctx;

/* getopt values of the shared options; a command's own start at the end. */
enum {
	OPT_FORMAT = OPT_OWN,
	OPT_RATE,
	OPT_NO_HASH,
	OPT_COLLECT_END,
};

/* The shared long options, for a command's table. */
#define COLLECT_LONG_OPTIONS \
	{ "output", required_argument, NULL, 'o' }, \
	{ "format", required_argument, NULL, OPT_FORMAT }, \
	{ "rate", required_argument, NULL, OPT_RATE }, \
	{ "no-hash", no_argument, NULL, OPT_NO_HASH }

/* The short options: -o. */
#define COLLECT_SHORT_OPTIONS "o:"

struct collect_cli {
	const char *output;	/* -o: a directory, or "-" for stdout */
	const char *format;	/* as given */
	const char *rate;	/* as given */
	unsigned int flags;	/* PROCSNAP_COLLECT_* */
	uint64_t rate_bytes;
};

/* Take option @c if it is one of the shared ones; return whether it was. */
bool collect_option(struct collect_cli *o, int c, const char *arg);

/*
 * Check the shared options of command @cmd once all are parsed (@json:
 * --json was given).  Return: 0, or EXIT_USAGE after reporting.
 */
int collect_check(struct collect_cli *o, const char *cmd, bool json);

/* The help text of the shared options. */
void collect_usage_options(FILE *f);

/*
 * Collect snapshot @clone as @o says, with a progress display when stderr
 * is a terminal, and report a failure.  With @json, print the summary
 * object.  Return: the exit status.
 */
int collect_run(struct procsnap_ctx *ctx, pid_t clone,
		const struct collect_cli *o, bool json);

#endif /* SNAPCTL_COLLECT_H */
