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
#include "scan.h"
#include "snapctl.h"
#include "subcmd.h"
#include "util.h"

#define DEFAULT_TIMEOUT "10s"

enum {
	OPT_TIMEOUT = OPT_COLLECT_END,
	OPT_INTERRUPT,
	OPT_SCAN,
	OPT_FREEZE,
};

struct snapshot_opts {
	struct collect_cli collect;
	const char *timeout;
	uint64_t timeout_ns;
	unsigned int flags;	/* PROCSNAP_REQUEST_* */
	struct request_freeze freeze;
	const char *scan;	/* --scan: a rules file */
	struct procsnap_rules *rules;
	bool scanned;		/* the status is the scan's */
};

static const struct option snapshot_options[] = {
	COLLECT_LONG_OPTIONS,
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "interrupt", no_argument, NULL, OPT_INTERRUPT },
	{ "scan", required_argument, NULL, OPT_SCAN },
	{ "freeze-shared", optional_argument, NULL, OPT_FREEZE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s snapshot PID -o DIR|- [--timeout DUR] [--interrupt]\n"
		"                       [--format paper|core|both] [--rate RATE]\n"
		"                       [--no-hash] [--scan RULES]\n"
		"                       [--freeze-shared[=LIMIT]]\n"
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
		"      --scan RULES    once collected, scan the snapshot before\n"
		"                      deleting it, with the YARA rules in file\n"
		"                      RULES, and print the matches as '%s scan'\n"
		"                      does (not with -o -)\n", PROG_NAME);
	fputs(REQUEST_FREEZE_HELP, f);
	fputs("                      (the manifest says \"frozen-copy\")\n"
	      "  -h, --help          show this help\n\n", f);
	print_exit_status(f);
	fprintf(f,
		"\nWith --scan the status is grep's once the evidence is\n"
		"collected: 0 a rule matched, 1 none did, 2 the scan failed;\n"
		"a usage error is 2, and a failure before that has its status\n"
		"above.\n");
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
	case OPT_SCAN:
		o->scan = arg;
		break;
	case OPT_FREEZE:
		o->freeze.on = true;
		o->freeze.text = arg;
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
	if (!err)
		err = request_parse_freeze(args->name, &o->freeze);
	if (err)
		return err;
	if (o->scan && o->collect.output && !strcmp(o->collect.output, "-"))
		return report_usage_error(args->name, "--scan prints matches "
					  "on standard output: it needs -o DIR");
	return collect_check(&o->collect, args->name, false);
}

/* The held snapshot, scanned; the status as scan_print()'s. */
static int snapshot_scan(struct procsnap_ctx *ctx, pid_t clone,
			 const struct procsnap_rules *rules)
{
	struct procsnap_view *v;
	char what[32];
	int err, status;

	snprintf(what, sizeof(what), "snapshot %d", (int)clone);
	err = procsnap_view_snapshot(ctx, clone, &v);
	if (err) {
		fprintf(stderr, "%s: cannot scan %s: %s\n", PROG_NAME, what,
			strerror(-err));
		return SCAN_ERROR;
	}
	status = scan_print(v, what, rules, 0, false);
	procsnap_view_close(v);
	return status;
}

static int snapshot_run(struct procsnap_ctx *ctx,
			const struct subcmd_args *args)
{
	struct snapshot_opts *o = args->priv;
	struct procsnap_state_arg st;
	int err, status;

	/* Owned: closing the device, or dying, deletes the snapshot. */
	err = request_issue(ctx, args->pid, o->flags | PROCSNAP_REQUEST_OWNED,
			    &o->freeze);
	if (err)
		return request_report_failure(args->pid, err, &o->freeze);
	err = request_wait(ctx, args->pid, o->timeout_ns, &st);
	if (err)
		return request_report_wait_failure(ctx, args->pid, err,
						   o->timeout);
	status = request_check_result(args->pid, &st);
	if (status == EXIT_OK && o->freeze.on)
		status = request_freeze_info(ctx, st.clone_pid, NULL);
	if (status != EXIT_OK)
		return status;

	status = collect_run(ctx, st.clone_pid, &o->collect, false);
	if (status == EXIT_OK && o->rules) {
		status = snapshot_scan(ctx, st.clone_pid, o->rules);
		o->scanned = true;
	}
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

/*
 * Whether --scan is among the options: then misuse is grep's 2, not
 * snapctl's 1, which would read as "no match".
 */
static bool wants_scan(int argc, char *argv[])
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--scan") ||
		    !strncmp(argv[i], "--scan=", 7))
			return true;
	return false;
}

int snapshot_main(int argc, char *argv[])
{
	struct snapshot_opts o = { .timeout = DEFAULT_TIMEOUT };
	struct procsnap_ctx *ctx;
	struct subcmd_args args;
	int status;

	/* subcmd_main(), with the rules loaded before anything happens. */
	status = subcmd_parse(argc, argv, &snapshot_cmd, &args, &o);
	if (status != SUBCMD_CONTINUE)
		goto out;
	if (o.scan && scan_load_rules(o.scan, &o.rules))
		return SCAN_ERROR;
	status = snapctl_open(&ctx);
	if (status)
		goto out;
	status = snapshot_run(ctx, &args);
	procsnap_close(ctx);
out:
	procsnap_rules_free(o.rules);
	/* Any 1 but the scan's own is an error, not "no match". */
	if (status == EXIT_USAGE && !o.scanned && wants_scan(argc, argv))
		return SCAN_ERROR;
	return status;
}
