// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libprocsnap.h>

#include "collect.h"
#include "request.h"
#include "snapctl.h"
#include "subcmd.h"
#include "util.h"

#define DEFAULT_TIMEOUT "10s"

enum {
	OPT_TIMEOUT = OPT_COLLECT_END,
	OPT_INTERRUPT,
};

struct snapshot_opts {
	struct collect_cli collect;
	const char *timeout;
	uint64_t timeout_ns;
	unsigned int flags;	/* PROCSNAP_REQUEST_* */
};

static const struct option snapshot_options[] = {
	COLLECT_LONG_OPTIONS,
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "interrupt", no_argument, NULL, OPT_INTERRUPT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s snapshot PID -o DIR|- [--timeout DUR] [--interrupt]\n"
		"                       [--format paper|core|both] [--rate RATE]\n"
		"                       [--no-hash]\n"
		"\n"
		"Snapshot process PID, collect the snapshot's evidence as\n"
		"'%s collect' does, and delete the snapshot.  The snapshot\n"
		"belongs to this command: if it dies, the snapshot goes too.\n"
		"\n"
		"Options:\n", PROG_NAME, PROG_NAME);
	collect_usage_options(f);
	fprintf(f,
		"      --timeout DUR   wait at most DUR for the snapshot (default\n"
		"                      " DEFAULT_TIMEOUT "; 0 waits forever), then\n"
		"                      cancel; units ns, us, ms, s, m, h\n"
		"      --interrupt     wake the target's threads out of blocked\n"
		"                      system calls (one that the kernel does not\n"
		"                      restart returns EINTR to the target)\n"
		"  -h, --help          show this help\n"
		"\n");
	print_exit_status(f);
}

static void snapshot_option(struct subcmd_args *args, int c, const char *arg)
{
	struct snapshot_opts *o = args->priv;

	if (collect_option(&o->collect, c, arg))
		return;
	switch (c) {
	case OPT_TIMEOUT:
		o->timeout = arg;
		break;
	case OPT_INTERRUPT:
		o->flags |= PROCSNAP_REQUEST_INTERRUPT;
		break;
	}
}

static int snapshot_arguments(struct subcmd_args *args, int argc,
			      char *argv[])
{
	struct snapshot_opts *o = args->priv;
	int err;

	if (subcmd_take_pid(args, argc, argv))
		return EXIT_USAGE;
	err = request_parse_timeout(args->name, o->timeout, &o->timeout_ns);
	if (err)
		return err;
	return collect_check(&o->collect, args->name, false);
}

static int snapshot_run(struct procsnap_ctx *ctx,
			const struct subcmd_args *args)
{
	const struct snapshot_opts *o = args->priv;
	struct procsnap_state_arg st;
	int err, status;

	/* Owned: closing the device, or dying, deletes the snapshot. */
	err = procsnap_request(ctx, args->pid,
			       o->flags | PROCSNAP_REQUEST_OWNED);
	if (err)
		return request_report_failure(args->pid, err);
	err = request_wait(ctx, args->pid, o->timeout_ns, &st);
	if (err)
		return request_report_wait_failure(ctx, args->pid, err,
						   o->timeout);
	status = request_check_result(args->pid, &st);
	if (status != EXIT_OK)
		return status;

	status = collect_run(ctx, st.clone_pid, &o->collect, false);
	err = procsnap_delete(ctx, st.clone_pid);
	if (err && err != -ENOENT) {
		/* Closing the device deletes it anyway. */
		fprintf(stderr, "%s: warning: cannot delete snapshot %d: %s\n",
			PROG_NAME, (int)st.clone_pid, procsnap_strerror(err));
	}
	return status;
}

static const struct subcmd_spec snapshot_cmd = {
	.optstring = "h" COLLECT_SHORT_OPTIONS,
	.longopts = snapshot_options,
	.pid_name = "PID",
	.usage = usage,
	.option = snapshot_option,
	.arguments = snapshot_arguments,
	.run = snapshot_run,
};

int snapshot_main(int argc, char *argv[])
{
	struct snapshot_opts o = { .timeout = DEFAULT_TIMEOUT };

	return subcmd_main(argc, argv, &snapshot_cmd, &o);
}
