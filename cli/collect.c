// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libprocsnap.h>

#include "collect.h"
#include "snapctl.h"
#include "subcmd.h"
#include "util.h"

/* Redraw the progress line at most this often. */
#define PROGRESS_INTERVAL_NS 200000000ULL

static const struct option collect_options[] = {
	COLLECT_LONG_OPTIONS,
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void collect_usage_options(FILE *f)
{
	fprintf(f,
		"  -o, --output DIR|-  write into directory DIR (created with\n"
		"                      mode 0700 if missing, else it must be\n"
		"                      empty), or '-': a POSIX pax tar stream on\n"
		"                      standard output, names under\n"
		"                      procsnap-CLONE/, images as sparse entries\n"
		"      --format FMT    paper: index.txt and one image per mapping\n"
		"                      (segments/START-END.img); core: an ELF\n"
		"                      core for gdb; both (default); manifest.json\n"
		"                      is always written\n"
		"      --rate RATE     read at most RATE bytes per second; a\n"
		"                      number with an optional suffix K, M or G\n"
		"                      (powers of 1024), e.g. 50M; 0: no limit\n"
		"      --no-hash       compute no SHA-256 (\"sha256\": null)\n");
}

bool collect_option(struct collect_cli *o, int c, const char *arg)
{
	switch (c) {
	case 'o':
		o->output = arg;
		return true;
	case OPT_FORMAT:
		o->format = arg;
		return true;
	case OPT_RATE:
		o->rate = arg;
		return true;
	case OPT_NO_HASH:
		o->flags |= PROCSNAP_COLLECT_NO_HASH;
		return true;
	default:
		return false;
	}
}

int collect_check(struct collect_cli *o, const char *cmd, bool json)
{
	int err;

	if (!o->output)
		return report_usage_error(cmd, "missing -o DIR|-");
	if (!*o->output)
		return report_usage_error(cmd, "empty output directory");
	if (!o->format || !strcmp(o->format, "both"))
		o->flags |= PROCSNAP_COLLECT_PAPER | PROCSNAP_COLLECT_CORE;
	else if (!strcmp(o->format, "paper"))
		o->flags |= PROCSNAP_COLLECT_PAPER;
	else if (!strcmp(o->format, "core"))
		o->flags |= PROCSNAP_COLLECT_CORE;
	else
		return report_usage_error(cmd, "invalid format '%s': paper, "
					  "core or both", o->format);
	if (o->rate) {
		err = parse_rate(o->rate, &o->rate_bytes);
		if (err)
			return report_usage_error(cmd, "invalid rate '%s'%s",
						  o->rate, err == -ERANGE ?
						  ": too large" : "");
	}
	if (!strcmp(o->output, "-")) {
		if (json)
			return report_usage_error(cmd, "--json needs -o DIR");
		if (isatty(STDOUT_FILENO))
			return report_usage_error(cmd, "refusing to write a "
						  "tar stream to a terminal");
	}
	return 0;
}

/* ---- progress ---- */

struct progress_state {
	uint64_t start_ns;
	uint64_t last_ns;
	bool shown;
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void format_eta(uint64_t seconds, char *buf, size_t size)
{
	if (seconds >= 3600)
		snprintf(buf, size, "%" PRIu64 ":%02u:%02u", seconds / 3600,
			 (unsigned int)(seconds / 60 % 60),
			 (unsigned int)(seconds % 60));
	else
		snprintf(buf, size, "%u:%02u", (unsigned int)(seconds / 60),
			 (unsigned int)(seconds % 60));
}

static int show_progress(const struct procsnap_progress *p, void *data)
{
	struct progress_state *st = data;
	char done[16], total[16], rate[16], eta[32] = "-";
	uint64_t now = monotonic_ns(), elapsed, bps = 0;

	if (now - st->last_ns < PROGRESS_INTERVAL_NS &&
	    p->bytes_done < p->bytes_total)
		return 0;
	st->last_ns = now;
	elapsed = now - st->start_ns;
	if (elapsed)
		bps = (uint64_t)((double)p->bytes_done * 1e9 / (double)elapsed);
	if (bps && p->bytes_total > p->bytes_done)
		format_eta((p->bytes_total - p->bytes_done) / bps, eta,
			   sizeof(eta));
	else if (p->bytes_total <= p->bytes_done)
		snprintf(eta, sizeof(eta), "0:00");
	format_size(p->bytes_done, done, sizeof(done));
	format_size(p->bytes_total, total, sizeof(total));
	format_size(bps, rate, sizeof(rate));
	fprintf(stderr, "\r%s: %s / %s  %s/s  ETA %s  [%u/%u]\033[K",
		PROG_NAME, done, total, rate, eta,
		p->nr_segments ? p->segment + 1 : 0, p->nr_segments);
	st->shown = true;
	return 0;
}

/* ---- running it ---- */

static int report_collect_error(pid_t clone, const char *output, int err)
{
	switch (-err) {
	case ENOENT:
		return report_no_such("no snapshot with pid %d", (int)clone);
	case ESRCH:
		return report_no_such("snapshot %d is gone", (int)clone);
	case ENOTEMPTY:
		fprintf(stderr, "%s: cannot collect snapshot %d into %s: "
			"output directory not empty\n", PROG_NAME, (int)clone,
			output);
		return EXIT_FAILED;
	case EACCES:
	case EPERM:
		fprintf(stderr, "%s: cannot collect snapshot %d: %s (reading "
			"a snapshot needs the right to ptrace it, and %s "
			"must be writable)\n", PROG_NAME, (int)clone,
			strerror(-err), output);
		return EXIT_PERMISSION;
	default:
		fprintf(stderr, "%s: cannot collect snapshot %d: %s\n",
			PROG_NAME, (int)clone, strerror(-err));
		return EXIT_FAILED;
	}
}

int collect_run(struct procsnap_ctx *ctx, pid_t clone,
		const struct collect_cli *o, bool json)
{
	struct procsnap_collect_stats stats = { .size = sizeof(stats) };
	struct procsnap_collect_opts opts = {
		.size = sizeof(opts),
		.flags = o->flags,
		.fd = -1,
		.rate = o->rate_bytes,
		.tool_version = SNAPCTL_VERSION,
		.stats = &stats,
	};
	struct progress_state progress = { 0 };
	bool tar = !strcmp(o->output, "-");
	uint64_t start;
	int err;

	if (tar) {
		/* What stdio holds must not land in the middle of the tar. */
		fflush(stdout);
		opts.fd = STDOUT_FILENO;
	} else {
		opts.dir = o->output;
	}
	if (isatty(STDERR_FILENO)) {
		opts.progress = show_progress;
		opts.progress_data = &progress;
	}
	start = progress.start_ns = monotonic_ns();
	err = procsnap_collect(ctx, clone, &opts);
	if (progress.shown)
		fputc('\n', stderr);
	if (err)
		return report_collect_error(clone, o->output, err);
	if (json) {
		printf("{\"clone\":%d,\"dir\":", (int)clone);
		json_print_string(stdout, o->output);
		printf(",\"segments\":%u,\"bytes_written\":%" PRIu64
		       ",\"bytes_virtual\":%" PRIu64 ",\"seconds\":%.3f}\n",
		       stats.segments, stats.bytes_written,
		       stats.bytes_virtual,
		       (double)(monotonic_ns() - start) / 1e9);
	}
	return EXIT_OK;
}

/* ---- snapctl collect ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s collect CLONE_PID -o DIR|- [--format paper|core|both]\n"
		"                       [--rate RATE] [--no-hash] [--json]\n"
		"\n"
		"Collect the evidence of snapshot CLONE_PID while the target\n"
		"keeps running: index.txt (the snapshot's maps), one sparse\n"
		"image per mapping, an ELF core and manifest.json (metadata and\n"
		"SHA-256 hashes).  Progress goes to standard error when it is a\n"
		"terminal.  A mapping that cannot be read is recorded in the\n"
		"manifest, not a failure.  See EVIDENCE FORMAT in snapctl(8).\n"
		"\n"
		"Options:\n", PROG_NAME);
	collect_usage_options(f);
	fprintf(f,
		"      --json          after success print {\"clone\":..,\"dir\":..,\n"
		"                      \"segments\":..,\"bytes_written\":..,\n"
		"                      \"bytes_virtual\":..,\"seconds\":..}\n"
		"                      (with -o DIR only)\n"
		"  -h, --help          show this help\n"
		"\n");
	print_exit_status(f);
}

static void collect_cmd_option(struct subcmd_args *args, int c,
			       const char *arg)
{
	collect_option(args->priv, c, arg);
}

static int collect_arguments(struct subcmd_args *args, int argc,
			     char *argv[])
{
	if (subcmd_take_pid(args, argc, argv))
		return EXIT_USAGE;
	return collect_check(args->priv, args->name, args->json);
}

static int collect_cmd_run(struct procsnap_ctx *ctx,
			   const struct subcmd_args *args)
{
	return collect_run(ctx, args->pid, args->priv, args->json);
}

static const struct subcmd_spec collect_cmd = {
	.optstring = "h" COLLECT_SHORT_OPTIONS,
	.longopts = collect_options,
	.pid_name = "CLONE_PID",
	.usage = usage,
	.option = collect_cmd_option,
	.arguments = collect_arguments,
	.run = collect_cmd_run,
};

int collect_main(int argc, char *argv[])
{
	struct collect_cli o = { 0 };

	return subcmd_main(argc, argv, &collect_cmd, &o);
}
