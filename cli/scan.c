// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libprocsnap.h>

#include "scan.h"
#include "snapctl.h"
#include "subcmd.h"
#include "util.h"

/* Text output shows this much of a match; --json all libyara kept. */
#define TEXT_DATA_MAX 64

int scan_load_rules(const char *path, struct procsnap_rules **rp)
{
	char *msg = NULL;
	int err;

	err = procsnap_rules_load(path, rp, &msg);
	if (!err)
		return 0;
	if (msg) {
		fprintf(stderr, "%s: cannot load rules %s:\n%s", PROG_NAME,
			path, msg);
		free(msg);
	} else {
		fprintf(stderr, "%s: cannot load rules %s: %s\n", PROG_NAME,
			path, strerror(-err));
	}
	return err;
}

struct printer {
	const struct procsnap_segment *segs;
	size_t nr_segs;
	bool json;
	unsigned int printed;	/* rules */
};

/* Bytes as one field: graphic ASCII as is, anything else as \xNN. */
static void print_data(const uint8_t *d, size_t len, size_t full)
{
	size_t i;

	for (i = 0; i < len && i < TEXT_DATA_MAX; i++) {
		if (d[i] > ' ' && d[i] < 0x7f && d[i] != '\\')
			putchar(d[i]);
		else
			printf("\\x%02x", d[i]);
	}
	if (i < full)
		fputs("...", stdout);
}

static void print_text(struct printer *p, const struct procsnap_scan_match *m)
{
	const struct procsnap_scan_string *s;
	const struct procsnap_segment *seg;
	char tags[512] = "-";
	size_t i, len = 0;

	for (i = 0; i < m->nr_tags && len < sizeof(tags); i++)
		len += (size_t)snprintf(tags + len, sizeof(tags) - len, "%s%s",
					i ? "," : "", m->tags[i]);
	if (!m->nr_strings)
		printf("%s %s - - - - - -\n", m->rule, tags);
	for (i = 0; i < m->nr_strings; i++) {
		s = &m->strings[i];
		seg = s->segment < p->nr_segs ? &p->segs[s->segment] : NULL;
		printf("%s %s 0x%" PRIx64 " %s ", m->rule, tags, s->addr,
		       s->identifier);
		if (seg)
			printf("%08" PRIx64 "-%08" PRIx64 " %s ", seg->start,
			       seg->end, seg->perms);
		else
			fputs("- - ", stdout);
		print_data(s->data, s->data_length, s->length);
		printf(" %s\n", seg && *seg->path ? seg->path : "-");
	}
}

static void print_json_match(struct printer *p,
			     const struct procsnap_scan_match *m)
{
	const struct procsnap_scan_string *s;
	const struct procsnap_segment *seg;
	size_t i, k;

	printf("%s{\"rule\":", p->printed ? "," : "");
	json_print_string(stdout, m->rule);
	fputs(",\"namespace\":", stdout);
	json_print_string(stdout, m->ns);
	fputs(",\"tags\":[", stdout);
	for (i = 0; i < m->nr_tags; i++) {
		if (i)
			putchar(',');
		json_print_string(stdout, m->tags[i]);
	}
	fputs("],\"strings\":[", stdout);
	for (i = 0; i < m->nr_strings; i++) {
		s = &m->strings[i];
		seg = s->segment < p->nr_segs ? &p->segs[s->segment] : NULL;
		printf("%s{\"identifier\":", i ? "," : "");
		json_print_string(stdout, s->identifier);
		printf(",\"address\":%" PRIu64 ",\"length\":%zu,\"data\":\"",
		       s->addr, s->length);
		for (k = 0; k < s->data_length; k++)
			printf("%02x", s->data[k]);
		fputs("\",\"segment\":", stdout);
		if (seg) {
			printf("{\"index\":%zu,\"start\":%" PRIu64
			       ",\"end\":%" PRIu64 ",\"perms\":\"%s\",\"path\":",
			       s->segment, seg->start, seg->end, seg->perms);
			json_print_string(stdout, seg->path);
			putchar('}');
		} else {
			fputs("null", stdout);
		}
		putchar('}');
	}
	fputs("]}", stdout);
}

static int print_match(void *data, const struct procsnap_scan_match *m)
{
	struct printer *p = data;

	if (p->json)
		print_json_match(p, m);
	else
		print_text(p, m);
	p->printed++;
	return 0;
}

int scan_print(struct procsnap_view *v, const char *what,
	       const struct procsnap_rules *r, unsigned int flags, bool json)
{
	struct printer p = { .json = json };
	struct procsnap_scan_stats st;
	char size[16];
	int err;

	p.segs = procsnap_view_segments(v, &p.nr_segs);
	if (json)
		putchar('[');
	err = procsnap_scan(v, r, flags, print_match, &p, &st);
	if (json)
		puts("]");
	if (err) {
		fprintf(stderr, "%s: cannot scan %s: %s\n", PROG_NAME, what,
			strerror(-err));
		return SCAN_ERROR;
	}
	/* "No match" must not hide memory that was never looked at. */
	if (st.bytes_unreadable) {
		format_size(st.bytes_unreadable, size, sizeof(size));
		fprintf(stderr, "%s: warning: %s of %s could not be read and "
			"was not scanned\n", PROG_NAME, size, what);
	}
	return p.printed ? SCAN_MATCH : SCAN_NONE;
}

/* ---- snapctl scan ---- */

enum {
	OPT_NO_LIVE = OPT_OWN,
};

struct scan_opts {
	const char *rules;	/* -r */
	unsigned int flags;	/* PROCSNAP_SCAN_* */
	const char *target;	/* as given */
	pid_t clone;		/* if a pid; else target is a directory */
};

static const struct option scan_options[] = {
	{ "rules", required_argument, NULL, 'r' },
	{ "no-live", no_argument, NULL, OPT_NO_LIVE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s scan CLONE_PID|DIR -r RULES [--no-live] [--json]\n"
		"\n"
		"Scan the memory of snapshot CLONE_PID (as '%s collect' reads\n"
		"it: the target keeps running), or of evidence directory DIR\n"
		"(a name that is all digits needs a './'), with the YARA rules\n"
		"in file RULES: source, or compiled by yarac.  Prints one line\n"
		"per string match:\n"
		"  RULE TAGS ADDRESS STRING START-END PERMS DATA PATH\n"
		"TAGS joined by ',' or '-'; START-END, PERMS and PATH the\n"
		"mapping's ('-' for an anonymous one); DATA the first %d bytes\n"
		"matched, graphic ASCII as is and other bytes as \\xNN, '...'\n"
		"if longer.  A rule matched by its condition alone prints\n"
		"'RULE TAGS - - - - - -'.\n"
		"\n"
		"Options:\n"
		"  -r, --rules RULES  the rules file (required)\n"
		"      --no-live      skip shared mappings, which change after\n"
		"                     the instant\n"
		"      --json         print a JSON array of {\"rule\":..,\n"
		"                     \"namespace\":..,\"tags\":[..],\"strings\":[{\n"
		"                     \"identifier\":..,\"address\":..,\"length\":..,\n"
		"                     \"data\":\"hex\",\"segment\":{\"index\":..,\n"
		"                     \"start\":..,\"end\":..,\"perms\":..,\"path\":..}}]}\n"
		"  -h, --help         show this help\n"
		"\n"
		"Exit status, as grep's:\n"
		"  0  a rule matched\n"
		"  1  no rule matched\n"
		"  2  an error, usage errors included\n", PROG_NAME, PROG_NAME,
		TEXT_DATA_MAX);
}

static void scan_option(struct subcmd_args *args, int c, const char *arg)
{
	struct scan_opts *o = args->priv;

	switch (c) {
	case 'r':
		o->rules = arg;
		break;
	case OPT_NO_LIVE:
		o->flags |= PROCSNAP_SCAN_NO_LIVE;
		break;
	}
}

static int scan_arguments(struct subcmd_args *args, int argc, char *argv[])
{
	struct scan_opts *o = args->priv;

	if (optind >= argc)
		return report_usage_error(args->name, "missing CLONE_PID or "
					  "DIR");
	o->target = argv[optind++];
	if (optind < argc) {
		report_extra_argument(args->name, argv[optind]);
		return EXIT_USAGE;
	}
	if (!*o->target)
		return report_usage_error(args->name, "empty DIR");
	if (!o->rules)
		return report_usage_error(args->name, "missing -r RULES");
	if (parse_pid(o->target, &o->clone))
		o->clone = 0;
	return 0;
}

static const struct subcmd_spec scan_cmd = {
	.optstring = "hr:",
	.longopts = scan_options,
	.usage = usage,
	.option = scan_option,
	.arguments = scan_arguments,
};

/* The view of the snapshot or directory, with failures reported. */
static int open_view(const struct scan_opts *o, struct procsnap_ctx **ctxp,
		     struct procsnap_view **vp)
{
	int err;

	if (!o->clone) {
		err = procsnap_view_dir(o->target, vp);
		if (err)
			fprintf(stderr, "%s: cannot read evidence directory "
				"%s: %s\n", PROG_NAME, o->target,
				err == -ENOENT ? "no such directory, or no "
				"manifest.json (an incomplete collection)" :
				err == -EINVAL ? "not procsnap evidence" :
				strerror(-err));
		return err;
	}
	if (snapctl_open(ctxp))
		return -ENODEV;
	err = procsnap_view_snapshot(*ctxp, o->clone, vp);
	if (err == -ENOENT)
		report_no_such("no snapshot with pid %d", (int)o->clone);
	else if (err)
		fprintf(stderr, "%s: cannot read snapshot %d: %s\n", PROG_NAME,
			(int)o->clone, strerror(-err));
	return err;
}

int scan_main(int argc, char *argv[])
{
	struct procsnap_rules *rules = NULL;
	struct procsnap_view *view = NULL;
	struct procsnap_ctx *ctx = NULL;
	struct scan_opts o = { 0 };
	struct subcmd_args args;
	int status;

	status = subcmd_parse(argc, argv, &scan_cmd, &args, &o);
	if (status != SUBCMD_CONTINUE)
		return status == EXIT_OK ? EXIT_OK : SCAN_ERROR;
	status = SCAN_ERROR;
	/* Rules first: a typo in them needs no module and no snapshot. */
	if (scan_load_rules(o.rules, &rules))
		goto out;
	if (open_view(&o, &ctx, &view))
		goto out;
	status = scan_print(view, o.target, rules, o.flags, args.json);
out:
	procsnap_view_close(view);
	procsnap_close(ctx);
	procsnap_rules_free(rules);
	return status;
}
