// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libprocsnap.h>

#include "snapctl.h"
#include "subcmd.h"
#include "util.h"

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
		"              \"regs\":{\"r15\":..,...,\"gs\":..},\"xstate_size\":..,\n"
		"              \"name\":..,\"sched_policy\":..,\"rt_priority\":..,\n"
		"              \"nice\":..,\"sigblocked\":\"hex\",\"seccomp_mode\":..}\n"
		"              with every register of user_regs_struct; name to\n"
		"              seccomp_mode as at the instant (empty and 0 from a\n"
		"              module without thread metadata)\n"
		"  -h, --help  show this help\n"
		"\n", PROG_NAME);
	print_exit_status(f);
}

static void print_table(const void *entries, size_t n)
{
	const struct procsnap_thread_info *t = entries;
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

static void print_json(const void *entries, size_t n)
{
	const struct procsnap_thread_info *t = entries;
	char name[PROCSNAP_COMM_LEN + 1];
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
		printf("},\"xstate_size\":%u,\"name\":",
		       (unsigned int)t[i].xstate_size);
		memcpy(name, t[i].comm, PROCSNAP_COMM_LEN);
		name[PROCSNAP_COMM_LEN] = '\0';
		json_print_string(stdout, name);
		printf(",\"sched_policy\":%u,\"rt_priority\":%u,\"nice\":%d"
		       ",\"sigblocked\":\"%016" PRIx64 "\",\"seccomp_mode\":%u}",
		       (unsigned int)t[i].sched_policy,
		       (unsigned int)t[i].rt_priority, (int)t[i].nice,
		       (uint64_t)t[i].sigblocked,
		       (unsigned int)t[i].seccomp_mode);
	}
	fputs("]\n", stdout);
}

static int threads_run(struct procsnap_ctx *ctx,
		       const struct subcmd_args *args)
{
	struct procsnap_thread_info *entries;
	size_t count;
	int err;

	err = procsnap_threads(ctx, args->pid, &entries, &count);
	if (err == -ENOENT)
		return report_no_such("no snapshot with pid %d",
				      (int)args->pid);
	if (err)
		return report_request_error(err, "cannot get the threads of "
					    "snapshot %d", (int)args->pid);
	return subcmd_print_entries(args, entries, count);
}

static const struct subcmd_spec threads_cmd = {
	.optstring = "h",
	.longopts = subcmd_json_options,
	.pid_name = "CLONE_PID",
	.usage = usage,
	.run = threads_run,
	.print_table = print_table,
	.print_json = print_json,
};

int threads_main(int argc, char *argv[])
{
	return subcmd_main(argc, argv, &threads_cmd, NULL);
}
