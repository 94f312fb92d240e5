// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <libprocsnap.h>

#include "snapctl.h"
#include "util.h"

enum { OPT_JSON = 256 };

static const struct option threads_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *const thread_flag_names[] = {
	"duplicated",	/* PROCSNAP_THREAD_DUPLICATED */
	"parked",	/* PROCSNAP_THREAD_PARKED */
	"in_kernel",	/* PROCSNAP_THREAD_IN_KERNEL */
};

#define NR_THREAD_FLAG_NAMES \
	(sizeof(thread_flag_names) / sizeof(thread_flag_names[0]))

/* x86-64 struct user_regs_struct, in its order. */
static const char *const reg_names[PROCSNAP_NR_GREGS] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
	"rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags",
	"rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
};

enum { REG_RIP = 16, REG_RSP = 19 };

#define TABLE_FORMAT "%7s  %-26s  %-18s  %s\n"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s threads CLONE_PID [--json]\n"
		"\n"
		"List the threads of the target that the snapshot CLONE_PID\n"
		"recorded at duplication: thread id, how it was held\n"
		"(duplicated: ran the copy; parked: waited in procsnap;\n"
		"in_kernel: was off CPU in the kernel, its registers are those\n"
		"of its kernel entry), instruction and stack pointers.\n"
		"\n"
		"Options:\n"
		"      --json  print a JSON array of {\"tid\":..,\"flags\":[..],\n"
		"              \"regs\":{\"r15\":..,...,\"gs\":..},\"xstate_size\":..}\n"
		"              with every register of user_regs_struct\n"
		"  -h, --help  show this help\n"
		"\n", PROG_NAME);
	print_exit_status(f);
}

static void print_table(const struct procsnap_thread_info *t, size_t n)
{
	char tid[16], flags[64], rip[24];
	size_t i;

	printf(TABLE_FORMAT, "TID", "FLAGS", "RIP", "RSP");
	for (i = 0; i < n; i++) {
		if (t[i].tid > 0)
			snprintf(tid, sizeof(tid), "%d", (int)t[i].tid);
		else
			snprintf(tid, sizeof(tid), "-");
		format_flags(flags, sizeof(flags), t[i].flags,
			     thread_flag_names, NR_THREAD_FLAG_NAMES);
		snprintf(rip, sizeof(rip), "0x%016" PRIx64,
			 (uint64_t)t[i].regs[REG_RIP]);
		printf("%7s  %-26s  %-18s  0x%016" PRIx64 "\n", tid, flags,
		       rip, (uint64_t)t[i].regs[REG_RSP]);
	}
}

static void print_json(const struct procsnap_thread_info *t, size_t n)
{
	size_t i, r;

	putchar('[');
	for (i = 0; i < n; i++) {
		printf("%s{\"tid\":%d,\"flags\":", i ? "," : "", (int)t[i].tid);
		json_print_flags(stdout, t[i].flags, thread_flag_names,
				 NR_THREAD_FLAG_NAMES);
		fputs(",\"regs\":{", stdout);
		for (r = 0; r < PROCSNAP_NR_GREGS; r++)
			printf("%s\"%s\":%" PRIu64, r ? "," : "", reg_names[r],
			       (uint64_t)t[i].regs[r]);
		printf("},\"xstate_size\":%u}", (unsigned int)t[i].xstate_size);
	}
	fputs("]\n", stdout);
}

int threads_main(int argc, char *argv[])
{
	struct procsnap_thread_info *entries;
	struct procsnap_ctx *ctx;
	bool json = false;
	int c, err, status;
	size_t count;
	pid_t pid;

	optind = 0;
	while ((c = subcommand_getopt(argc, argv, "h",
				      threads_options)) != -1) {
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
	if (take_pid_argument(argc, argv, argv[0], "CLONE_PID", &pid)) {
		usage(stderr);
		return EXIT_USAGE;
	}

	status = snapctl_open(&ctx);
	if (status)
		return status;

	err = procsnap_threads(ctx, pid, &entries, &count);
	if (err == -ENOENT) {
		fprintf(stderr, "%s: no snapshot with pid %d\n", PROG_NAME,
			(int)pid);
		status = EXIT_NO_SUCH;
	} else if (err) {
		status = report_request_error(err, "cannot get the threads of "
					      "snapshot %d", (int)pid);
	} else {
		if (json)
			print_json(entries, count);
		else
			print_table(entries, count);
		free(entries);
	}
	procsnap_close(ctx);
	return status;
}
