// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libprocsnap.h>

#include "snapctl.h"
#include "subcmd.h"
#include "util.h"

static const char *const snapshot_flag_names[] = {
	"owned",	/* PROCSNAP_SNAPSHOT_OWNED */
	"label_truncated",	/* PROCSNAP_SNAPSHOT_LABEL_TRUNCATED */
	"frozen",	/* PROCSNAP_SNAPSHOT_FROZEN */
	"freeze_truncated",	/* PROCSNAP_SNAPSHOT_FREEZE_TRUNCATED */
};

#define TABLE_FORMAT "%7s  %7s  %-16s  %-25s  %9s  %7s  %8s  %s\n"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s list [--json]\n"
		"\n"
		"List the snapshots held, one per line:\n"
		"  CLONE     the snapshot's pid\n"
		"  TARGET    the pid of the process it copies ('-' when that\n"
		"            is not visible here)\n"
		"  COMM      the target's command name at duplication\n"
		"  CREATED   when it was taken, local time\n"
		"  PAUSE     how long the target was held, in microseconds\n"
		"  THREADS   threads of the target\n"
		"  RESIDENT  memory it maps (shared copy-on-write with the\n"
		"            target until one of them writes)\n"
		"  FLAGS     'owned' if it goes away with its requester, else '-'\n"
		"\n"
		"Options:\n"
		"      --json  print a JSON array of objects with every field\n"
		"              of struct procsnap_snapshot_info\n"
		"  -h, --help  show this help\n"
		"\n", PROG_NAME);
	print_exit_status(f);
}

/* comm is whatever the process set: keep the table a table. */
static void sanitize_comm(char *dst, const char *src)
{
	size_t i;

	for (i = 0; i < PROCSNAP_COMM_LEN && src[i]; i++) {
		unsigned char ch = (unsigned char)src[i];

		dst[i] = ch <= ' ' || ch == 0x7f ? '?' : src[i];
	}
	dst[i] = '\0';
}

static void print_table(const void *entries, size_t n)
{
	const struct procsnap_snapshot_info *e = entries;
	char clone[16], target[16], comm[PROCSNAP_COMM_LEN + 1];
	char created[40], pause[32], threads[16], resident[16], flags[64];
	size_t i;

	printf(TABLE_FORMAT, "CLONE", "TARGET", "COMM", "CREATED", "PAUSE_US",
	       "THREADS", "RESIDENT", "FLAGS");
	for (i = 0; i < n; i++) {
		snprintf(clone, sizeof(clone), "%d", (int)e[i].clone_pid);
		if (e[i].target_pid > 0)
			snprintf(target, sizeof(target), "%d",
				 (int)e[i].target_pid);
		else
			strcpy(target, "-");
		sanitize_comm(comm, e[i].target_comm);
		if (!e[i].created_realtime_ns ||
		    format_local_time(e[i].created_realtime_ns, created,
				      sizeof(created)))
			strcpy(created, "-");
		snprintf(pause, sizeof(pause), "%.1f",
			 (double)e[i].pause_ns / 1000.0);
		snprintf(threads, sizeof(threads), "%u",
			 (unsigned int)e[i].threads);
		format_size(e[i].resident_bytes, resident, sizeof(resident));
		format_flags(flags, sizeof(flags), e[i].flags,
			     snapshot_flag_names,
			     sizeof(snapshot_flag_names) /
			     sizeof(snapshot_flag_names[0]));
		printf(TABLE_FORMAT, clone, target, comm, created, pause,
		       threads, resident, flags);
	}
}

static void print_json(const void *entries, size_t n)
{
	const struct procsnap_snapshot_info *e = entries;
	char comm[PROCSNAP_COMM_LEN + 1];
	size_t i;

	putchar('[');
	for (i = 0; i < n; i++) {
		/* The module NUL-terminates comm; never rely on it. */
		memcpy(comm, e[i].target_comm, PROCSNAP_COMM_LEN);
		comm[PROCSNAP_COMM_LEN] = '\0';
		printf("%s{\"clone_pid\":%d,\"target_pid\":%d,"
		       "\"target_comm\":", i ? "," : "",
		       (int)e[i].clone_pid, (int)e[i].target_pid);
		json_print_string(stdout, comm);
		fputs(",\"flags\":", stdout);
		json_print_flags(stdout, e[i].flags, snapshot_flag_names,
				 sizeof(snapshot_flag_names) /
				 sizeof(snapshot_flag_names[0]));
		printf(",\"threads\":%u"
		       ",\"created_realtime_ns\":%" PRIu64
		       ",\"created_boottime_ns\":%" PRIu64
		       ",\"pause_ns\":%" PRIu64
		       ",\"quiesce_ns\":%" PRIu64
		       ",\"resident_bytes\":%" PRIu64
		       ",\"pagetable_bytes\":%" PRIu64,
		       (unsigned int)e[i].threads,
		       (uint64_t)e[i].created_realtime_ns,
		       (uint64_t)e[i].created_boottime_ns,
		       (uint64_t)e[i].pause_ns,
		       (uint64_t)e[i].quiesce_ns,
		       (uint64_t)e[i].resident_bytes,
		       (uint64_t)e[i].pagetable_bytes);
		printf(",\"requested_realtime_ns\":%" PRIu64
		       ",\"requested_boottime_ns\":%" PRIu64
		       ",\"requester_uid\":%u,\"nr_files\":%u"
		       ",\"check_ns\":%" PRIu64 ",\"record_ns\":%" PRIu64
		       ",\"files_ns\":%" PRIu64 ",\"copy_ns\":%" PRIu64
		       ",\"detach_ns\":%" PRIu64 ",\"names_ns\":%" PRIu64
		       ",\"nr_recovered\":%u",
		       (uint64_t)e[i].requested_realtime_ns,
		       (uint64_t)e[i].requested_boottime_ns,
		       (unsigned int)e[i].requester_uid,
		       (unsigned int)e[i].nr_files,
		       (uint64_t)e[i].check_ns, (uint64_t)e[i].record_ns,
		       (uint64_t)e[i].files_ns, (uint64_t)e[i].copy_ns,
		       (uint64_t)e[i].detach_ns, (uint64_t)e[i].names_ns,
		       (unsigned int)e[i].nr_recovered);
		printf(",\"nr_frozen\":%u,\"freeze_ns\":%" PRIu64
		       ",\"frozen_bytes\":%" PRIu64
		       ",\"freeze_limit\":%" PRIu64 "}",
		       (unsigned int)e[i].nr_frozen, (uint64_t)e[i].freeze_ns,
		       (uint64_t)e[i].frozen_bytes,
		       (uint64_t)e[i].freeze_limit);
	}
	fputs("]\n", stdout);
}

static int list_run(struct procsnap_ctx *ctx, const struct subcmd_args *args)
{
	struct procsnap_snapshot_info *entries;
	size_t count;
	int err;

	err = procsnap_list(ctx, &entries, &count);
	if (err)
		return report_request_error(err, "cannot list snapshots");
	return subcmd_print_entries(args, entries, count);
}

static const struct subcmd_spec list_cmd = {
	.optstring = "h",
	.longopts = subcmd_json_options,
	.usage = usage,
	.run = list_run,
	.print_table = print_table,
	.print_json = print_json,
};

int list_main(int argc, char *argv[])
{
	return subcmd_main(argc, argv, &list_cmd, NULL);
}
