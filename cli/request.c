// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libprocsnap.h>

#include "request.h"
#include "snapctl.h"
#include "subcmd.h"
#include "util.h"

#define DEFAULT_TIMEOUT "10s"
/* Say what we are waiting for once a wait takes longer than this. */
#define PROGRESS_DELAY_NS 1000000000ULL

enum {
	OPT_TIMEOUT = OPT_OWN,
	OPT_INTERRUPT,
	OPT_NO_WAIT,
	OPT_FREEZE,
};

struct request_opts {
	const char *timeout;	/* as given, for messages */
	uint64_t timeout_ns;
	bool timeout_set;
	bool no_wait;
	unsigned int flags;	/* PROCSNAP_REQUEST_* */
	struct request_freeze freeze;
};

static const struct option request_options[] = {
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "interrupt", no_argument, NULL, OPT_INTERRUPT },
	{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
	{ "freeze-shared", optional_argument, NULL, OPT_FREEZE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s request PID [--timeout DUR] [--interrupt] [--json]\n"
		"                      [--freeze-shared[=LIMIT]]\n"
		"       %s request PID --no-wait [--interrupt]\n"
		"                      [--freeze-shared[=LIMIT]]\n"
		"\n"
		"Request a copy-on-write snapshot of process PID, wait for it\n"
		"and print the snapshot's pid on a line of its own.  The target\n"
		"duplicates itself at its next return to user mode.  The\n"
		"snapshot stays until '%s delete' removes it.\n"
		"\n"
		"Options:\n"
		"      --timeout DUR  wait at most DUR (default " DEFAULT_TIMEOUT
		"; 0 waits forever),\n"
		"                     then cancel the request; DUR is a number\n"
		"                     with an optional unit ns, us, ms, s, m or h\n"
		"                     (default s), e.g. 500ms, 10s, 2m\n"
		"      --interrupt    wake the target's threads out of blocked\n"
		"                     system calls; one that the kernel does not\n"
		"                     restart (such as epoll_wait) returns EINTR\n"
		"                     to the target\n"
		"      --no-wait      only queue the request; print nothing\n"
		"      --json         print {\"target\":PID,\"clone\":CLONE,"
		"\"state\":\"done\"}\n"
		"                     (with --freeze-shared also frozen_bytes,\n"
		"                     nr_frozen, freeze_ns, freeze_limit and\n"
		"                     freeze_truncated)\n", PROG_NAME, PROG_NAME,
		PROG_NAME);
	fputs(REQUEST_FREEZE_HELP, f);
	fputs("  -h, --help         show this help\n\n", f);
	print_exit_status(f);
}

/* The progress note, from a thread: the WAIT itself must not be broken up. */
struct progress {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	pid_t pid;
};

static void *progress_main(void *arg)
{
	struct progress *p = arg;
	struct timespec deadline;
	int err = 0;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += PROGRESS_DELAY_NS / 1000000000ULL;
	pthread_mutex_lock(&p->lock);
	while (!p->done && err != ETIMEDOUT)
		err = pthread_cond_timedwait(&p->cond, &p->lock, &deadline);
	if (!p->done)
		fprintf(stderr, "%s: waiting for %d to reach a kernel boundary...\n",
			PROG_NAME, (int)p->pid);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static bool progress_start(struct progress *p, pthread_t *thread, pid_t pid)
{
	pthread_condattr_t attr;
	bool ok = false;

	p->done = false;
	p->pid = pid;
	if (pthread_condattr_init(&attr))
		return false;
	if (!pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) &&
	    !pthread_cond_init(&p->cond, &attr)) {
		pthread_mutex_init(&p->lock, NULL);
		ok = !pthread_create(thread, NULL, progress_main, p);
		if (!ok) {
			pthread_cond_destroy(&p->cond);
			pthread_mutex_destroy(&p->lock);
		}
	}
	pthread_condattr_destroy(&attr);
	return ok;
}

static void progress_stop(struct progress *p, pthread_t thread)
{
	pthread_mutex_lock(&p->lock);
	p->done = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(thread, NULL);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
}

int request_wait(struct procsnap_ctx *ctx, pid_t pid, uint64_t timeout_ns,
		 struct procsnap_state_arg *st)
{
	struct progress progress;
	pthread_t thread;
	bool note;
	int err;

	/* Only a person watching a terminal wants to hear about it. */
	note = isatty(STDERR_FILENO) &&
	       (!timeout_ns || timeout_ns > PROGRESS_DELAY_NS) &&
	       progress_start(&progress, &thread, pid);
	err = procsnap_wait(ctx, pid, timeout_ns, st);
	if (note)
		progress_stop(&progress, thread);
	return err;
}

int request_parse_freeze(const char *cmd, struct request_freeze *f)
{
	int err;

	if (!f->on || !f->text)
		return 0;
	err = parse_rate(f->text, &f->limit);
	if (!err && f->limit)
		return 0;
	return report_usage_error(cmd, "invalid --freeze-shared limit '%s'%s",
				  f->text, err == -ERANGE ? ": too large" :
				  !err ? ": must be above 0" : "");
}

int request_issue(struct procsnap_ctx *ctx, pid_t pid, unsigned int flags,
		  const struct request_freeze *f)
{
	if (f && f->on)
		return procsnap_request_freeze(ctx, pid, flags, f->limit);
	return procsnap_request(ctx, pid, flags);
}

int request_freeze_info(struct procsnap_ctx *ctx, pid_t clone,
			struct procsnap_snapshot_info *info)
{
	struct procsnap_snapshot_info *list;
	size_t n, i;
	int err;

	err = procsnap_list(ctx, &list, &n);
	if (err)
		return report_request_error(err, "cannot list snapshot %d",
					    (int)clone);
	for (i = 0; i < n && list[i].clone_pid != clone; i++)
		;
	if (i == n) {
		free(list);
		return report_no_such("snapshot %d is gone", (int)clone);
	}
	if (list[i].flags & PROCSNAP_SNAPSHOT_FREEZE_TRUNCATED)
		fprintf(stderr, "%s: warning: snapshot %d: --freeze-shared "
			"reached its limit of %" PRIu64 " bytes after %u "
			"mappings: the shared mappings after them are live\n",
			PROG_NAME, (int)clone, (uint64_t)list[i].freeze_limit,
			(unsigned int)list[i].nr_frozen);
	if (info)
		*info = list[i];
	free(list);
	return EXIT_OK;
}

int request_report_failure(pid_t pid, int err,
			   const struct request_freeze *f)
{
	switch (-err) {
	case ENOENT:
		return report_no_such("cannot snapshot %d: no such process",
				      (int)pid);
	case EINVAL:
		if (f && f->on) {
			fprintf(stderr, "%s: cannot snapshot %d: %s (with "
				"--freeze-shared: is LIMIT above the module's "
				"freeze_max_bytes, or does the module predate "
				"it?)\n", PROG_NAME, (int)pid,
				strerror(EINVAL));
			return EXIT_FAILED;
		}
		fprintf(stderr, "%s: cannot snapshot %d: %s (kernel threads, "
			"snapshots and %s itself cannot be snapshotted)\n",
			PROG_NAME, (int)pid, strerror(EINVAL), PROG_NAME);
		return EXIT_FAILED;
	default:
		return report_request_error(err, "cannot snapshot %d",
					    (int)pid);
	}
}

int request_report_wait_failure(struct procsnap_ctx *ctx, pid_t pid, int err,
				const char *timeout)
{
	switch (-err) {
	case ETIMEDOUT:
		/* The module has cancelled the request. */
		return report_request_error(err, "no snapshot of %d within %s, "
					    "request cancelled", (int)pid,
					    timeout);
	case EINTR:
		/* Only a fatal signal makes the module cancel by itself. */
		procsnap_cancel(ctx, pid);
		return report_request_error(err, "waiting for the snapshot of "
					    "%d was interrupted, request "
					    "cancelled", (int)pid);
	case ENOENT:
		return report_no_such("the request for %d is gone (cancelled, "
				      "or the process exited)", (int)pid);
	default:
		/* Leave nothing behind that nobody waits for. */
		procsnap_cancel(ctx, pid);
		return report_request_error(err, "cannot wait for the snapshot "
					    "of %d", (int)pid);
	}
}

int request_check_result(pid_t pid, const struct procsnap_state_arg *st)
{
	const char *name;

	switch (st->state) {
	case PROCSNAP_STATE_DONE:
		return EXIT_OK;
	case PROCSNAP_STATE_FAILED:
		if (st->error <= 0) {
			fprintf(stderr, "%s: cannot snapshot %d: duplication "
				"failed\n", PROG_NAME, (int)pid);
			return EXIT_FAILED;
		}
		name = errno_name(st->error);
		fprintf(stderr, "%s: cannot snapshot %d: duplication failed "
			"with %s%s%s\n", PROG_NAME, (int)pid,
			name ? name : "", name ? ": " : "",
			strerror(st->error));
		/* The target exited before it could be duplicated. */
		return st->error == ESRCH ? EXIT_NO_SUCH : EXIT_FAILED;
	default:
		fprintf(stderr, "%s: cannot snapshot %d: the module ended the "
			"wait in state %s\n", PROG_NAME, (int)pid,
			procsnap_state_name(st->state));
		return EXIT_FAILED;
	}
}

static int report_result(struct procsnap_ctx *ctx, pid_t pid,
			 const struct procsnap_state_arg *st, bool json,
			 bool freeze)
{
	struct procsnap_snapshot_info info;
	int status = request_check_result(pid, st);

	if (status != EXIT_OK)
		return status;
	if (freeze) {
		status = request_freeze_info(ctx, st->clone_pid, &info);
		if (status != EXIT_OK)
			return status;
	}
	if (!json) {
		printf("%d\n", (int)st->clone_pid);
		return EXIT_OK;
	}
	printf("{\"target\":%d,\"clone\":%d,\"state\":\"done\"",
	       (int)pid, (int)st->clone_pid);
	if (freeze)
		printf(",\"frozen_bytes\":%" PRIu64 ",\"nr_frozen\":%u"
		       ",\"freeze_ns\":%" PRIu64 ",\"freeze_limit\":%" PRIu64
		       ",\"freeze_truncated\":%s",
		       (uint64_t)info.frozen_bytes,
		       (unsigned int)info.nr_frozen, (uint64_t)info.freeze_ns,
		       (uint64_t)info.freeze_limit,
		       info.flags & PROCSNAP_SNAPSHOT_FREEZE_TRUNCATED ?
		       "true" : "false");
	puts("}");
	return EXIT_OK;
}

static void request_option(struct subcmd_args *args, int c,
			   const char *arg)
{
	struct request_opts *o = args->priv;

	switch (c) {
	case OPT_TIMEOUT:
		o->timeout = arg;
		o->timeout_set = true;
		break;
	case OPT_INTERRUPT:
		o->flags |= PROCSNAP_REQUEST_INTERRUPT;
		break;
	case OPT_NO_WAIT:
		o->no_wait = true;
		break;
	case OPT_FREEZE:
		o->freeze.on = true;
		o->freeze.text = arg;
		break;
	}
}

int request_parse_timeout(const char *cmd, const char *text, uint64_t *ns)
{
	int err = parse_duration(text, ns);

	if (!err)
		return 0;
	return report_usage_error(cmd, "invalid duration '%s'%s", text,
				  err == -ERANGE ? ": too long" : "");
}

static int request_arguments(struct subcmd_args *args, int argc,
			     char *argv[])
{
	struct request_opts *o = args->priv;
	int err;

	if (subcmd_take_pid(args, argc, argv))
		return EXIT_USAGE;
	err = request_parse_timeout(args->name, o->timeout, &o->timeout_ns);
	if (err)
		return err;
	if (o->no_wait && (o->timeout_set || args->json))
		return report_usage_error(args->name, "--no-wait excludes --%s",
					  o->timeout_set ? "timeout" : "json");
	return request_parse_freeze(args->name, &o->freeze);
}

static int request_run(struct procsnap_ctx *ctx,
		       const struct subcmd_args *args)
{
	const struct request_opts *o = args->priv;
	struct procsnap_state_arg st;
	int err;

	/* Not PROCSNAP_REQUEST_OWNED: the snapshot outlives snapctl. */
	err = request_issue(ctx, args->pid, o->flags, &o->freeze);
	if (err)
		return request_report_failure(args->pid, err, &o->freeze);
	if (o->no_wait)
		return EXIT_OK;
	err = request_wait(ctx, args->pid, o->timeout_ns, &st);
	if (err)
		return request_report_wait_failure(ctx, args->pid, err,
						   o->timeout);
	return report_result(ctx, args->pid, &st, args->json, o->freeze.on);
}

static const struct subcmd_spec request_cmd = {
	.optstring = "h",
	.longopts = request_options,
	.pid_name = "PID",
	.usage = usage,
	.option = request_option,
	.arguments = request_arguments,
	.run = request_run,
};

int request_main(int argc, char *argv[])
{
	struct request_opts o = { .timeout = DEFAULT_TIMEOUT };

	return subcmd_main(argc, argv, &request_cmd, &o);
}
