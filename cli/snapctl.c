// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libprocsnap.h>

#include "snapctl.h"
#include "util.h"

const struct subcommand subcommands[] = {
	{ "request", request_main,
	  "Snapshot a process and print the snapshot's pid" },
	{ "state", state_main,
	  "Show the state of the snapshot request for a process" },
	{ "cancel", cancel_main,
	  "Cancel the snapshot request in flight for a process" },
	{ "list", list_main,
	  "List the snapshots held" },
	{ "threads", threads_main,
	  "Show the threads and registers a snapshot recorded" },
	{ "delete", delete_main,
	  "Delete one snapshot, or all of them" },
	{ "collect", collect_main,
	  "Collect a snapshot's evidence: images, core, manifest" },
	{ "snapshot", snapshot_main,
	  "Snapshot a process, collect its evidence, delete it" },
	{ "scan", scan_main,
	  "Scan a snapshot or evidence with YARA rules" },
	{ "diff", diff_main,
	  "Show what changed between two snapshots, or since one" },
	{ "triage", triage_main,
	  "Report what in a snapshot or its evidence looks injected" },
	{ "version", version_main,
	  "Show the snapctl, libprocsnap and module versions" },
	{ "help", help_main,
	  "Show this help, or the help of one command" },
	{ NULL, NULL, NULL },
};

const struct subcommand *find_subcommand(const char *name)
{
	const struct subcommand *cmd;

	if (!name)
		return NULL;
	for (cmd = subcommands; cmd->name; cmd++)
		if (!strcmp(cmd->name, name))
			return cmd;
	return NULL;
}

void snapctl_usage(FILE *f)
{
	const struct subcommand *cmd;

	fprintf(f,
		"Usage: %s <command> [<args>]\n"
		"       %s --help | --version\n"
		"\n"
		"Take copy-on-write snapshots of running processes through\n"
		"the procsnap kernel module (" PROCSNAP_DEVICE_PATH ").\n"
		"\n"
		"Commands:\n", PROG_NAME, PROG_NAME);
	for (cmd = subcommands; cmd->name; cmd++)
		fprintf(f, "  %-10s %s\n", cmd->name, cmd->description);
	fprintf(f,
		"\n"
		"Run '%s help <command>' for the options of a command.\n"
		"\n"
		"Environment:\n"
		"  PROCSNAP_DEVICE  device node to use instead of "
		PROCSNAP_DEVICE_PATH "\n"
		"\n", PROG_NAME);
	print_exit_status(f);
}

/* A full disk or a closed pipe must not pass for success. */
static int finish_output(int status)
{
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "%s: cannot write output: %s\n",
			PROG_NAME, strerror(errno));
	} else if (ferror(stdout)) {
		fprintf(stderr, "%s: cannot write output\n", PROG_NAME);
	} else {
		return status;
	}
	return status == EXIT_OK ? EXIT_FAILED : status;
}

int snapctl_main(int argc, char *argv[])
{
	const struct subcommand *cmd;
	const char *name;

	if (argc < 2) {
		snapctl_usage(stderr);
		return EXIT_USAGE;
	}

	/* The conventional options are spellings of subcommands. */
	name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h"))
		name = "help";
	else if (!strcmp(name, "--version"))
		name = "version";

	cmd = find_subcommand(name);
	if (!cmd) {
		fprintf(stderr, "%s: unknown %s '%s'\n", PROG_NAME,
			name[0] == '-' ? "option" : "command", name);
		snapctl_usage(stderr);
		return EXIT_USAGE;
	}

	/* Subcommands name themselves in messages through argv[0]. */
	argv[1] = (char *)cmd->name;
	return finish_output(cmd->fn(argc - 1, argv + 1));
}
