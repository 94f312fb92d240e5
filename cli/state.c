// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libprocsnap.h>

#include "snapctl.h"
#include "subcmd.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s state PID [--json]\n"
		"\n"
		"Print the state of the latest snapshot request for process PID:\n"
		"  idle, requested, duplicating,\n"
		"  done CLONE                 (CLONE: the snapshot's pid)\n"
		"  failed ERRNAME: message    (why the duplication failed)\n"
		"\n"
		"Options:\n"
		"      --json  print {\"pid\":PID,\"state\":\"done\",\"clone\":CLONE,\n"
		"              \"error\":0,\"error_name\":null}\n"
		"  -h, --help  show this help\n"
		"\n", PROG_NAME);
	print_exit_status(f);
}

static void print_text(const struct procsnap_state_arg *st)
{
	const char *name;

	fputs(procsnap_state_name(st->state), stdout);
	switch (st->state) {
	case PROCSNAP_STATE_DONE:
		printf(" %d", (int)st->clone_pid);
		break;
	case PROCSNAP_STATE_FAILED:
		name = errno_name(st->error);
		if (name)
			printf(" %s: %s", name, strerror(st->error));
		else
			printf(" %d: %s", (int)st->error, strerror(st->error));
		break;
	}
	putchar('\n');
}

static void print_json(pid_t pid, const struct procsnap_state_arg *st)
{
	const char *name = st->error ? errno_name(st->error) : NULL;

	printf("{\"pid\":%d,\"state\":", (int)pid);
	json_print_string(stdout, procsnap_state_name(st->state));
	printf(",\"clone\":%d,\"error\":%d,\"error_name\":", (int)st->clone_pid,
	       (int)st->error);
	if (name)
		json_print_string(stdout, name);
	else
		fputs("null", stdout);
	fputs("}\n", stdout);
}

static int state_run(struct procsnap_ctx *ctx, const struct subcmd_args *args)
{
	struct procsnap_state_arg st;
	int err;

	err = procsnap_state(ctx, args->pid, &st);
	if (err == -ENOENT)
		return report_no_such("no snapshot request for %d",
				      (int)args->pid);
	if (err)
		return report_request_error(err, "cannot get the state of %d",
					    (int)args->pid);
	if (args->json)
		print_json(args->pid, &st);
	else
		print_text(&st);
	return EXIT_OK;
}

static const struct subcmd_spec state_cmd = {
	.optstring = "h",
	.longopts = subcmd_json_options,
	.pid_name = "PID",
	.usage = usage,
	.run = state_run,
};

int state_main(int argc, char *argv[])
{
	return subcmd_main(argc, argv, &state_cmd, NULL);
}
