// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include <libprocsnap.h>

#include "snapctl.h"
#include "subcmd.h"
#include "util.h"

#ifndef SNAPCTL_VERSION
#error "SNAPCTL_VERSION must come from the build (see userspace.mk)"
#endif

/* What asking the module produced, so text and JSON report it alike. */
struct module_query {
	const char *path;
	struct procsnap_version ver;
	bool have_ver;		/* ver is the module's answer */
	const char *failed;	/* the action that failed, NULL if none */
	int err;		/* its negative errno */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s version [--json]\n"
		"\n"
		"Print the versions of %s and libprocsnap, then the procsnap\n"
		"module's version, ABI version and feature bits.\n"
		"\n"
		"Options:\n"
		"      --json  print one JSON object; \"module\" is null\n"
		"              when the module cannot be queried\n"
		"  -h, --help  show this help\n"
		"\n", PROG_NAME, PROG_NAME);
	print_exit_status(f);
}

static void query_module(struct module_query *q)
{
	struct procsnap_ctx *ctx;

	q->path = snapctl_device_path();
	q->err = procsnap_open(q->path, &ctx);
	if (q->err) {
		q->failed = "cannot open";
		return;
	}

	q->err = procsnap_get_version(ctx, &q->ver);
	/* On an ABI mismatch the answer still says what the module is. */
	q->have_ver = !q->err || q->err == -EPROTO;
	if (q->err)
		q->failed = "cannot query the module version on";
	procsnap_close(ctx);
}

static void print_text(const struct module_query *q)
{
	printf("snapctl:      %s\n", SNAPCTL_VERSION);
	printf("libprocsnap:  %s\n", procsnap_lib_version());
	if (!q->have_ver)
		return;
	printf("module:       %s\n", q->ver.module_version);
	printf("module ABI:   %u\n", q->ver.abi_version);
	printf("features:     0x%llx\n", (unsigned long long)q->ver.features);
}

static void print_json(const struct module_query *q)
{
	fputs("{\"snapctl\":", stdout);
	json_print_string(stdout, SNAPCTL_VERSION);
	fputs(",\"libprocsnap\":", stdout);
	json_print_string(stdout, procsnap_lib_version());
	fputs(",\"module\":", stdout);
	if (q->have_ver) {
		fputs("{\"version\":", stdout);
		json_print_string(stdout, q->ver.module_version);
		printf(",\"abi\":%u,\"features\":\"0x%llx\"}",
		       q->ver.abi_version,
		       (unsigned long long)q->ver.features);
	} else {
		fputs("null", stdout);
	}
	fputs("}\n", stdout);
}

/* No run(): the versions are printed even when the module cannot be. */
static const struct subcmd_spec version_cmd = {
	.optstring = "+h",
	.longopts = subcmd_json_options,
	.usage = usage,
};

int version_main(int argc, char *argv[])
{
	struct module_query q = { 0 };
	struct subcmd_args args;
	int status;

	status = subcmd_parse(argc, argv, &version_cmd, &args, NULL);
	if (status != SUBCMD_CONTINUE)
		return status;

	query_module(&q);
	if (args.json)
		print_json(&q);
	else
		print_text(&q);

	if (!q.failed)
		return EXIT_OK;
	/* Keep the report after the lines above when both reach one pipe. */
	fflush(stdout);
	fprintf(stderr, "%s: %s %s: %s\n", PROG_NAME, q.failed, q.path,
		procsnap_strerror(q.err));
	return snapctl_exit_code(q.err);
}
