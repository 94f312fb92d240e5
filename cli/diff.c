// SPDX-License-Identifier: GPL-2.0-only
/*
 * snapctl diff: what changed between two snapshots of one target, two
 * evidence directories, or a snapshot and its running target.  The work is
 * procsnap_diff(); this prints what it reports as it comes, so the output
 * of a large target is never held in memory.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libprocsnap.h>

#include "snapctl.h"
#include "subcmd.h"
#include "util.h"

/*
 * Differences found.  Not diff(1)'s 1: that is snapctl's usage error, and
 * a script must be able to tell the two apart.
 */
#define EXIT_DIFFERENT 7

enum {
	OPT_LIVE = OPT_OWN,
	OPT_FORCE,
	OPT_NO_FRAMES,
};

static const struct option diff_options[] = {
	{ "live", no_argument, NULL, OPT_LIVE },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "no-frames", no_argument, NULL, OPT_NO_FRAMES },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct diff_opts {
	bool live;
	bool force;
	bool no_frames;
	const char *arg[2];	/* A, and B unless --live */
};

/* What is printed as procsnap_diff() reports. */
struct diff_out {
	bool json;
	bool first_mapping;
	bool first_segment;
	bool segments_open;	/* JSON: "segments" has begun */
	bool in_segment;	/* a segment's ranges are being printed */
	const struct procsnap_segment *seg_a, *seg_b;
	bool first_range;
	uint64_t added, removed, changed;
	uint64_t page_size;
};

static const char *const change_names[] = {
	"end",		/* PROCSNAP_DIFF_END */
	"perms",	/* PROCSNAP_DIFF_PERMS */
	"offset",	/* PROCSNAP_DIFF_OFFSET */
	"file",		/* PROCSNAP_DIFF_FILE */
};

#define NR_CHANGE_NAMES (sizeof(change_names) / sizeof(change_names[0]))

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s diff A B [--json] [--force] [--no-frames]\n"
		"       %s diff A --live [--json] [--no-frames]\n"
		"\n"
		"Show what changed from A to B: the mappings added (+),\n"
		"removed (-) or changed (~), matched by start address, and\n"
		"where an address is mapped in both, the ranges of pages\n"
		"whose bytes differ.  A and B are each a held snapshot (its\n"
		"clone pid: digits only) or an evidence directory written by\n"
		"'%s collect' (any other argument; ./123 for a directory\n"
		"named 123).  Pages of one frame in both are not read (root\n"
		"only: the kernel hides frames from others), other pages\n"
		"are read and compared.\n"
		"\n"
		"Options:\n"
		"      --live       compare A with its target as it runs now\n"
		"                   (not one instant: it keeps running)\n"
		"      --force      compare snapshots of different targets\n"
		"      --no-frames  read every page, even where frames say\n"
		"                   it is the same\n"
		"      --json       print one JSON object: \"a\", \"b\" (what\n"
		"                   was compared), \"mappings\" (the changes),\n"
		"                   \"segments\" (each overlap of a mapping of A\n"
		"                   with one of B that differs: its counts\n"
		"                   and \"ranges\"),\n"
		"                   \"summary\"; see snapctl(8)\n"
		"  -h, --help       show this help\n"
		"\n", PROG_NAME, PROG_NAME, PROG_NAME);
	print_exit_status(f);
	fprintf(f, "  7  the views differ (diff: 0 when they do not)\n");
}

static void diff_option(struct subcmd_args *args, int c, const char *arg)
{
	struct diff_opts *o = args->priv;

	(void)arg;
	if (c == OPT_LIVE)
		o->live = true;
	else if (c == OPT_FORCE)
		o->force = true;
	else if (c == OPT_NO_FRAMES)
		o->no_frames = true;
}

static int diff_arguments(struct subcmd_args *args, int argc, char *argv[])
{
	struct diff_opts *o = args->priv;
	int want = o->live ? 1 : 2;

	if (argc - optind < want)
		return report_usage_error(args->name, "missing %s",
					  optind == argc ? "A" : "B");
	if (argc - optind > want) {
		report_extra_argument(args->name, argv[optind + want]);
		return EXIT_USAGE;
	}
	o->arg[0] = argv[optind];
	o->arg[1] = o->live ? NULL : argv[optind + 1];
	return 0;
}

static const struct subcmd_spec diff_cmd = {
	.optstring = "h",
	.longopts = diff_options,
	.usage = usage,
	.option = diff_option,
	.arguments = diff_arguments,
};

/* Open @arg as a snapshot or a directory; report a failure. */
static int open_view(struct procsnap_ctx **ctxp, const char *arg,
		     struct procsnap_view **vp)
{
	pid_t pid;
	int err, status;

	if (!parse_pid(arg, &pid)) {
		if (!*ctxp) {
			status = snapctl_open(ctxp);
			if (status)
				return status;
		}
		err = procsnap_view_snapshot(*ctxp, pid, vp);
		if (err == -ENOENT)
			return report_no_such("no snapshot with pid %d",
					      (int)pid);
		if (err)
			return report_request_error(err, "cannot read snapshot "
						    "%d", (int)pid);
		return EXIT_OK;
	}
	err = procsnap_view_dir(arg, vp);
	if (err == -ENOENT)
		return report_no_such("%s: no such directory, or no "
				      "manifest.json (an incomplete "
				      "collection)", arg);
	if (err == -EINVAL)
		fprintf(stderr, "%s diff: %s: not procsnap evidence\n",
			PROG_NAME, arg);
	else if (err)
		fprintf(stderr, "%s diff: %s: %s\n", PROG_NAME, arg,
			strerror(-err));
	return err ? snapctl_exit_code(err) : EXIT_OK;
}

static const char *kind_name(const struct procsnap_view *v)
{
	switch (procsnap_view_kind(v)) {
	case PROCSNAP_VIEW_SNAPSHOT:
		return "snapshot";
	case PROCSNAP_VIEW_DIR:
		return "directory";
	default:
		return "process";
	}
}

static void print_view(const char *mark, const struct procsnap_view *v,
		       const char *arg)
{
	switch (procsnap_view_kind(v)) {
	case PROCSNAP_VIEW_SNAPSHOT:
		printf("%s snapshot %d of process %d\n", mark,
		       (int)procsnap_view_pid(v), (int)procsnap_view_target(v));
		break;
	case PROCSNAP_VIEW_DIR:
		printf("%s evidence %s of process %d\n", mark, arg,
		       (int)procsnap_view_target(v));
		break;
	default:
		printf("%s process %d, live\n", mark, (int)procsnap_view_pid(v));
		break;
	}
}

static void json_view(const char *key, const struct procsnap_view *v,
		      const char *arg)
{
	printf("\"%s\":{\"kind\":\"%s\",\"pid\":%d,\"target\":%d,\"dir\":",
	       key, kind_name(v), (int)procsnap_view_pid(v),
	       (int)procsnap_view_target(v));
	if (procsnap_view_kind(v) == PROCSNAP_VIEW_DIR)
		json_print_string(stdout, arg);
	else
		fputs("null", stdout);
	putchar('}');
}

/* A mapping as a line of /proc/PID/maps has it. */
static void print_segment_line(const struct procsnap_segment *s)
{
	printf("%08" PRIx64 "-%08" PRIx64 " %s %08" PRIx64 " %02x:%02x %"
	       PRIu64 "%s%s\n", s->start, s->end, s->perms, s->offset,
	       s->dev_major, s->dev_minor, s->inode, s->path[0] ? " " : "",
	       s->path);
}

static void json_segment(const struct procsnap_segment *s)
{
	if (!s) {
		fputs("null", stdout);
		return;
	}
	printf("{\"start\":\"%08" PRIx64 "\",\"end\":\"%08" PRIx64 "\","
	       "\"perms\":\"%s\",\"offset\":\"%08" PRIx64 "\","
	       "\"dev\":\"%02x:%02x\",\"inode\":%" PRIu64 ",\"path\":",
	       s->start, s->end, s->perms, s->offset, s->dev_major,
	       s->dev_minor, s->inode);
	json_print_string(stdout, s->path);
	putchar('}');
}

static int on_mapping(void *data, const struct procsnap_segment *a,
		      const struct procsnap_segment *b, unsigned int what)
{
	struct diff_out *out = data;
	char fields[64];

	if (!a)
		out->added++;
	else if (!b)
		out->removed++;
	else
		out->changed++;
	if (out->json) {
		printf("%s{\"change\":\"%s\",\"fields\":",
		       out->first_mapping ? "" : ",",
		       !a ? "added" : !b ? "removed" : "changed");
		json_print_flags(stdout, what, change_names, NR_CHANGE_NAMES);
		fputs(",\"a\":", stdout);
		json_segment(a);
		fputs(",\"b\":", stdout);
		json_segment(b);
		putchar('}');
		out->first_mapping = false;
		return 0;
	}
	if (!a) {
		fputs("+ ", stdout);
		print_segment_line(b);
	} else if (!b) {
		fputs("- ", stdout);
		print_segment_line(a);
	} else {
		format_flags(fields, sizeof(fields), what, change_names,
			     NR_CHANGE_NAMES);
		printf("~ ");
		print_segment_line(a);
		printf("  now (%s): ", fields);
		print_segment_line(b);
	}
	return 0;
}

/* The overlap's opening: its JSON object up to its ranges, or a header. */
static void open_segment(struct diff_out *out,
			 const struct procsnap_segment *a,
			 const struct procsnap_segment *b)
{
	uint64_t lo = a->start > b->start ? a->start : b->start;
	uint64_t hi = a->end < b->end ? a->end : b->end;

	out->in_segment = true;
	out->seg_a = a;
	out->seg_b = b;
	out->first_range = true;
	if (!out->json) {
		printf("%08" PRIx64 "-%08" PRIx64 " %s%s%s:\n", lo, hi,
		       b->perms, b->path[0] ? " " : "", b->path);
		return;
	}
	if (!out->segments_open)
		fputs("],\"segments\":[", stdout);
	out->segments_open = true;
	printf("%s{\"start\":\"%08" PRIx64 "\",\"end\":\"%08" PRIx64 "\","
	       "\"a_start\":\"%08" PRIx64 "\",\"b_start\":\"%08" PRIx64 "\","
	       "\"perms\":\"%s\",\"path\":", out->first_segment ? "" : ",",
	       lo, hi, a->start, b->start, b->perms);
	json_print_string(stdout, b->path);
	fputs(",\"ranges\":[", stdout);
	out->first_segment = false;
}

static int on_range(void *data, const struct procsnap_segment *a,
		    const struct procsnap_segment *b, uint64_t start,
		    uint64_t end)
{
	struct diff_out *out = data;
	uint64_t pages = (end - start) / out->page_size;

	if (!out->in_segment)
		open_segment(out, a, b);
	if (out->json)
		printf("%s{\"start\":\"%08" PRIx64 "\",\"end\":\"%08" PRIx64
		       "\",\"pages\":%" PRIu64 "}", out->first_range ? "" : ",",
		       start, end, pages);
	else
		printf("  %08" PRIx64 "-%08" PRIx64 " %" PRIu64 " page%s\n",
		       start, end, pages, pages == 1 ? "" : "s");
	out->first_range = false;
	return 0;
}

static void json_counts(const struct procsnap_diff_stats *st)
{
	printf("\"pages\":%" PRIu64 ",\"pages_by_frame\":%" PRIu64
	       ",\"pages_by_content\":%" PRIu64 ",\"pages_absent\":%" PRIu64
	       ",\"pages_unreadable\":%" PRIu64 ",\"pages_differing\":%"
	       PRIu64 ",\"nr_ranges\":%" PRIu64, st->pages, st->by_frame,
	       st->by_content, st->absent, st->unreadable, st->differing,
	       st->ranges);
}

static void text_counts(const struct procsnap_diff_stats *st)
{
	printf("%" PRIu64 " of %" PRIu64 " pages differ in %" PRIu64
	       " range%s (%" PRIu64 " by frame, %" PRIu64 " by content, %"
	       PRIu64 " absent, %" PRIu64 " unreadable)\n", st->differing,
	       st->pages, st->ranges, st->ranges == 1 ? "" : "s",
	       st->by_frame, st->by_content, st->absent, st->unreadable);
}

static int on_segment(void *data, const struct procsnap_segment *a,
		      const struct procsnap_segment *b,
		      const struct procsnap_diff_stats *st)
{
	struct diff_out *out = data;

	/* Only the overlaps that differ: the summary counts the others. */
	if (!out->in_segment && st->differing)
		open_segment(out, a, b);
	if (!out->in_segment)
		return 0;
	if (out->json) {
		fputs("],", stdout);
		json_counts(st);
		putchar('}');
	} else {
		fputs("  ", stdout);
		text_counts(st);
	}
	out->in_segment = false;
	return 0;
}

static const struct procsnap_diff_ops print_ops = {
	.mapping = on_mapping,
	.range = on_range,
	.segment = on_segment,
};

/*
 * Run the comparison, printing as it goes; a failure past the first
 * output still ends the JSON so that what was printed parses.
 */
static int compare(struct procsnap_view *a, struct procsnap_view *b,
		   const struct diff_opts *o, bool json)
{
	long page = sysconf(_SC_PAGESIZE);
	struct diff_out out = {
		.json = json,
		.first_mapping = true,
		.first_segment = true,
		.page_size = page > 0 ? (uint64_t)page : 4096,
	};
	struct procsnap_diff_stats total;
	unsigned int flags = o->no_frames ? PROCSNAP_DIFF_NO_FRAMES : 0;
	bool differ;
	int err;

	if (json) {
		putchar('{');
		json_view("a", a, o->arg[0]);
		putchar(',');
		json_view("b", b, o->arg[1]);
		fputs(",\"mappings\":[", stdout);
	} else {
		print_view("---", a, o->arg[0]);
		print_view("+++", b, o->arg[1]);
	}
	err = procsnap_diff(a, b, flags, &print_ops, &out, &total);
	if (json) {
		if (out.in_segment)
			fputs("]}", stdout);
		if (!out.segments_open)
			fputs("],\"segments\":[", stdout);
		fputs("],", stdout);
	}
	if (err) {
		if (json) {
			fputs("\"error\":", stdout);
			json_print_string(stdout, strerror(-err));
			fputs("}\n", stdout);
		}
		fflush(stdout);
		fprintf(stderr, "%s diff: cannot compare: %s\n", PROG_NAME,
			strerror(-err));
		return snapctl_exit_code(err);
	}
	differ = out.added || out.removed || out.changed || total.differing;
	if (json) {
		printf("\"summary\":{\"mappings_added\":%" PRIu64
		       ",\"mappings_removed\":%" PRIu64 ",\"mappings_changed\":%"
		       PRIu64 ",", out.added, out.removed, out.changed);
		json_counts(&total);
		printf(",\"frames\":%s,\"differ\":%s}}\n",
		       o->no_frames ? "false" : "true",
		       differ ? "true" : "false");
	} else {
		printf("summary: %" PRIu64 " mapping%s added, %" PRIu64
		       " removed, %" PRIu64 " changed; ", out.added,
		       out.added == 1 ? "" : "s", out.removed, out.changed);
		text_counts(&total);
	}
	return differ ? EXIT_DIFFERENT : EXIT_OK;
}

int diff_main(int argc, char *argv[])
{
	struct procsnap_view *a = NULL, *b = NULL;
	struct procsnap_ctx *ctx = NULL;
	struct subcmd_args args;
	struct diff_opts o = { 0 };
	pid_t ta, tb;
	int status, err;

	status = subcmd_parse(argc, argv, &diff_cmd, &args, &o);
	if (status != SUBCMD_CONTINUE)
		return status;
	status = open_view(&ctx, o.arg[0], &a);
	if (status)
		goto out;
	if (o.live) {
		err = procsnap_view_process(procsnap_view_target(a), &b);
		if (err == -ESRCH) {
			status = report_no_such("%s's target, process %d, is "
						"gone", o.arg[0],
						(int)procsnap_view_target(a));
			goto out;
		}
		if (err) {
			fprintf(stderr, "%s diff: cannot read process %d: %s\n",
				PROG_NAME, (int)procsnap_view_target(a),
				strerror(-err));
			status = snapctl_exit_code(err);
			goto out;
		}
	} else {
		status = open_view(&ctx, o.arg[1], &b);
		if (status)
			goto out;
	}
	ta = procsnap_view_target(a);
	tb = procsnap_view_target(b);
	if (ta && tb && ta != tb && !o.force) {
		status = report_usage_error(args.name, "%s is of process %d, "
					    "%s of process %d (--force to "
					    "compare them anyway)", o.arg[0],
					    (int)ta, o.arg[1], (int)tb);
		goto out;
	}
	status = compare(a, b, &o, args.json);
out:
	procsnap_view_close(a);
	procsnap_view_close(b);
	if (ctx)
		procsnap_close(ctx);
	return status;
}
