// SPDX-License-Identifier: GPL-2.0-only
/*
 * snapctl triage: what in a snapshot, an evidence directory or (with
 * --process) a running process looks injected, through procsnap_triage().
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libprocsnap.h>

#include "snapctl.h"
#include "subcmd.h"
#include "util.h"

/*
 * Beyond snapctl's exit statuses (cli/util.h): like grep's 1 or diff's 1,
 * "something was found", which 1 (usage) cannot say here.
 */
#define EXIT_FOUND 7

enum {
	OPT_NO_HOST = OPT_OWN,
	OPT_PROCESS,
};

static const struct option triage_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "no-host", no_argument, NULL, OPT_NO_HOST },
	{ "process", no_argument, NULL, OPT_PROCESS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct triage_cli {
	unsigned int flags;	/* PROCSNAP_TRIAGE_* */
	bool process;		/* --process */
	const char *dir;	/* the argument, when not a pid */
	unsigned long count;
};

#define TEXT_FORMAT "%-17s  %-18s  %10s  %-33s  %s\n"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s triage CLONE_PID|DIR [--no-host] [--json]\n"
		"       %s triage --process PID [--no-host] [--json]\n"
		"\n"
		"Report what in snapshot CLONE_PID, in evidence directory DIR\n"
		"(written by collect or snapshot) or in running process PID\n"
		"looks injected, one finding per line: its kind, address,\n"
		"length, segment and why.  Kinds: anon-exec, memfd-exec,\n"
		"deleted-file-exec, rwx, elf-in-anon (an ELF header in\n"
		"anonymous memory), patched-code (executable memory that\n"
		"differs from its file or from this kernel's vDSO),\n"
		"file-replaced, exe-memfd, exe-deleted, exe-replaced,\n"
		"loader-env (LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH,\n"
		"GCONV_PATH).  An argument of digits only is a pid: write\n"
		"./123 for a directory named 123.  See TRIAGE in snapctl(8).\n"
		"\n"
		"Options:\n"
		"      --process  PID is a running process, read without a\n"
		"                 snapshot (so not at one instant)\n"
		"      --no-host  compare nothing with this host: its files\n"
		"                 and vDSO (evidence collected elsewhere)\n"
		"      --json     print a JSON array of {\"kind\":..,\n"
		"                 \"address\":\"hex\"|null,\"length\":..|null,\n"
		"                 \"file_offset\":..|null,\"segment\":{\"index\":..,\n"
		"                 \"start\",\"end\",\"perms\",\"offset\",\"dev\",\n"
		"                 \"inode\",\"path\"}|null,\"why\":..}\n"
		"  -h, --help     show this help\n"
		"\n", PROG_NAME, PROG_NAME);
	print_exit_status(f);
	fprintf(f, "  7  findings: something looks injected\n");
}

static void triage_option(struct subcmd_args *args, int c, const char *arg)
{
	struct triage_cli *o = args->priv;

	(void)arg;
	if (c == OPT_NO_HOST)
		o->flags |= PROCSNAP_TRIAGE_NO_HOST;
	else if (c == OPT_PROCESS)
		o->process = true;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int triage_arguments(struct subcmd_args *args, int argc, char *argv[])
{
	struct triage_cli *o = args->priv;
	const char *arg = optind < argc ? argv[optind] : NULL;

	if (o->process || (arg && all_digits(arg)))
		return take_pid_argument(argc, argv, args->name,
					 o->process ? "PID" : "CLONE_PID",
					 &args->pid);
	if (!arg)
		return report_usage_error(args->name,
					  "missing CLONE_PID or DIR");
	if (optind + 1 < argc) {
		report_extra_argument(args->name, argv[optind + 1]);
		return EXIT_USAGE;
	}
	o->dir = arg;
	return 0;
}

/* @s with control characters as \xNN, so a finding is one line. */
static void print_text(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			printf("\\x%02x", (unsigned char)*s);
		else
			putchar(*s);
	}
}

static int print_finding(void *data, const struct procsnap_finding *f)
{
	const struct triage_cli *o = data;
	const struct procsnap_segment *s = f->seg;
	const char *kind = procsnap_finding_name(f->kind);
	char addr[24] = "-", len[24] = "-", seg[48] = "-";

	if (s) {
		snprintf(addr, sizeof(addr), "0x%" PRIx64, f->address);
		snprintf(seg, sizeof(seg), "%08" PRIx64 "-%08" PRIx64,
			 s->start, s->end);
	}
	if (f->length)
		snprintf(len, sizeof(len), "%" PRIu64, f->length);
	if (!o->count)
		printf(TEXT_FORMAT, "KIND", "ADDRESS", "LENGTH", "SEGMENT",
		       "WHY");
	printf("%-17s  %-18s  %10s  %-33s  ", kind ? kind : "?", addr, len,
	       seg);
	print_text(f->why);
	putchar('\n');
	return 0;
}

static int print_finding_json(void *data, const struct procsnap_finding *f)
{
	const struct triage_cli *o = data;
	const struct procsnap_segment *s = f->seg;
	const char *kind = procsnap_finding_name(f->kind);

	fputs(o->count ? ",\n" : "\n", stdout);
	fputs("{\"kind\":", stdout);
	json_print_string(stdout, kind ? kind : "?");
	if (s)
		printf(",\"address\":\"%08" PRIx64 "\"", f->address);
	else
		fputs(",\"address\":null", stdout);
	if (f->length)
		printf(",\"length\":%" PRIu64, f->length);
	else
		fputs(",\"length\":null", stdout);
	if (f->kind == PROCSNAP_FIND_PATCHED_CODE)
		printf(",\"file_offset\":%" PRIu64, f->file_offset);
	else
		fputs(",\"file_offset\":null", stdout);
	if (s) {
		printf(",\"segment\":{\"index\":%zu,\"start\":\"%08" PRIx64
		       "\",\"end\":\"%08" PRIx64 "\",\"perms\":\"%s\","
		       "\"offset\":%" PRIu64 ",\"dev\":\"%02x:%02x\","
		       "\"inode\":%" PRIu64 ",\"path\":", f->segment,
		       s->start, s->end, s->perms, s->offset, s->dev_major,
		       s->dev_minor, s->inode);
		json_print_string(stdout, s->path);
		putchar('}');
	} else {
		fputs(",\"segment\":null", stdout);
	}
	fputs(",\"why\":", stdout);
	json_print_string(stdout, f->why);
	putchar('}');
	return 0;
}

struct run {
	struct triage_cli *o;
	bool json;
};

static int count_finding(void *data, const struct procsnap_finding *f)
{
	struct run *r = data;

	if (r->json)
		print_finding_json(r->o, f);
	else
		print_finding(r->o, f);
	r->o->count++;
	return 0;
}

static int open_error(const struct subcmd_args *args, int err)
{
	const struct triage_cli *o = args->priv;
	const char *what = o->dir ? "evidence" : o->process ? "process" :
			   "snapshot";

	switch (-err) {
	case ENOENT:
		if (o->dir)
			return report_no_such("no evidence in %s (no such "
					      "directory, or no manifest.json: "
					      "an incomplete collection)",
					      o->dir);
		return report_no_such("no snapshot with pid %d",
				      (int)args->pid);
	case ESRCH:
		return report_no_such("no process with pid %d",
				      (int)args->pid);
	case EACCES:
	case EPERM:
		if (o->dir)
			fprintf(stderr, "%s: cannot read %s: %s\n", PROG_NAME,
				o->dir, strerror(-err));
		else
			fprintf(stderr, "%s: cannot read %s %d: %s (it needs "
				"the right to ptrace it)\n", PROG_NAME, what,
				(int)args->pid, strerror(-err));
		return EXIT_PERMISSION;
	case EINVAL:
		if (o->dir) {
			fprintf(stderr, "%s: %s is not procsnap evidence\n",
				PROG_NAME, o->dir);
			return EXIT_FAILED;
		}
		/* fall through */
	default:
		if (o->dir)
			fprintf(stderr, "%s: cannot read %s: %s\n", PROG_NAME,
				o->dir, strerror(-err));
		else
			fprintf(stderr, "%s: cannot read %s %d: %s\n",
				PROG_NAME, what, (int)args->pid,
				strerror(-err));
		return EXIT_FAILED;
	}
}

static int triage_view(const struct subcmd_args *args,
		       struct procsnap_view *v)
{
	struct triage_cli *o = args->priv;
	struct run r = { .o = o, .json = args->json };
	int err;

	if (args->json)
		putchar('[');
	err = procsnap_triage(v, o->flags, count_finding, &r);
	if (args->json)
		fputs(o->count ? "\n]\n" : "]\n", stdout);
	if (err) {
		fprintf(stderr, "%s: triage failed: %s\n", PROG_NAME,
			strerror(-err));
		return EXIT_FAILED;
	}
	if (!o->count && !args->json)
		puts("no findings");
	return o->count ? EXIT_FOUND : EXIT_OK;
}

int triage_main(int argc, char *argv[])
{
	static const struct subcmd_spec spec = {
		.optstring = "h",
		.longopts = triage_options,
		.usage = usage,
		.option = triage_option,
		.arguments = triage_arguments,
	};
	struct triage_cli o = { 0 };
	struct subcmd_args args;
	struct procsnap_ctx *ctx = NULL;
	struct procsnap_view *v = NULL;
	int status, err;

	status = subcmd_parse(argc, argv, &spec, &args, &o);
	if (status != SUBCMD_CONTINUE)
		return status;
	if (o.dir) {
		err = procsnap_view_dir(o.dir, &v);
	} else if (o.process) {
		err = procsnap_view_process(args.pid, &v);
	} else {
		/* Only a held snapshot needs the module. */
		status = snapctl_open(&ctx);
		if (status)
			return status;
		err = procsnap_view_snapshot(ctx, args.pid, &v);
	}
	if (err)
		status = open_error(&args, err);
	else
		status = triage_view(&args, v);
	procsnap_view_close(v);
	if (ctx)
		procsnap_close(ctx);
	return status;
}
