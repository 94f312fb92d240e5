// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libprocsnap.h>

#include "snapctl.h"
#include "util.h"

enum { OPT_JSON = 256 };

static const struct option state_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

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

int state_main(int argc, char *argv[])
{
	struct procsnap_state_arg st;
	struct procsnap_ctx *ctx;
	bool json = false;
	int c, err, status;
	pid_t pid;

	optind = 0;
	while ((c = subcommand_getopt(argc, argv, "h",
				      state_options)) != -1) {
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (take_pid_argument(argc, argv, argv[0], "PID", &pid)) {
		usage(stderr);
		return EXIT_USAGE;
	}

	status = snapctl_open(&ctx);
	if (status)
		return status;

	err = procsnap_state(ctx, pid, &st);
	if (err == -ENOENT) {
		fprintf(stderr, "%s: no snapshot request for %d\n", PROG_NAME,
			(int)pid);
		status = EXIT_NO_SUCH;
	} else if (err) {
		status = report_request_error(err, "cannot get the state of %d",
					      (int)pid);
	} else if (json) {
		print_json(pid, &st);
	} else {
		print_text(&st);
	}
	procsnap_close(ctx);
	return status;
}
