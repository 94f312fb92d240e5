// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libprocsnap.h>

#include "snapctl.h"
#include "util.h"

#define DEFAULT_TIMEOUT "10s"
/* Say what we are waiting for once a wait takes longer than this. */
#define PROGRESS_DELAY_NS 1000000000ULL

enum {
	OPT_TIMEOUT = 256,
	OPT_INTERRUPT,
	OPT_NO_WAIT,
	OPT_JSON,
};

static const struct option request_options[] = {
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "interrupt", no_argument, NULL, OPT_INTERRUPT },
	{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s request PID [--timeout DUR] [--interrupt] [--json]\n"
		"       %s request PID --no-wait [--interrupt]\n"
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
		"  -h, --help         show this help\n"
		"\n", PROG_NAME, PROG_NAME, PROG_NAME);
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

static int wait_for_snapshot(struct procsnap_ctx *ctx, pid_t pid,
			     uint64_t timeout_ns, struct procsnap_state_arg *st)
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

static int report_request_failure(pid_t pid, int err)
{
	switch (-err) {
	case ENOENT:
		fprintf(stderr, "%s: cannot snapshot %d: no such process\n",
			PROG_NAME, (int)pid);
		return EXIT_NO_SUCH;
	case EINVAL:
		fprintf(stderr, "%s: cannot snapshot %d: %s (kernel threads, "
			"snapshots and %s itself cannot be snapshotted)\n",
			PROG_NAME, (int)pid, strerror(EINVAL), PROG_NAME);
		return EXIT_FAILED;
	default:
		return report_request_error(err, "cannot snapshot %d",
					    (int)pid);
	}
}

static int report_wait_failure(struct procsnap_ctx *ctx, pid_t pid, int err,
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
		fprintf(stderr, "%s: the request for %d is gone (cancelled, "
			"or the process exited)\n", PROG_NAME, (int)pid);
		return EXIT_NO_SUCH;
	default:
		/* Leave nothing behind that nobody waits for. */
		procsnap_cancel(ctx, pid);
		return report_request_error(err, "cannot wait for the snapshot "
					    "of %d", (int)pid);
	}
}

static int report_result(pid_t pid, const struct procsnap_state_arg *st,
			 bool json)
{
	const char *name;

	switch (st->state) {
	case PROCSNAP_STATE_DONE:
		if (json)
			printf("{\"target\":%d,\"clone\":%d,\"state\":\"done\"}\n",
			       (int)pid, (int)st->clone_pid);
		else
			printf("%d\n", (int)st->clone_pid);
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

int request_main(int argc, char *argv[])
{
	const char *timeout = DEFAULT_TIMEOUT;
	bool json = false, no_wait = false, timeout_set = false;
	struct procsnap_state_arg st;
	struct procsnap_ctx *ctx;
	unsigned int flags = 0;
	uint64_t timeout_ns;
	int c, err, status;
	pid_t pid;

	optind = 0;
	while ((c = subcommand_getopt(argc, argv, "h",
				      request_options)) != -1) {
		switch (c) {
		case OPT_TIMEOUT:
			timeout = optarg;
			timeout_set = true;
			break;
		case OPT_INTERRUPT:
			flags |= PROCSNAP_REQUEST_INTERRUPT;
			break;
		case OPT_NO_WAIT:
			no_wait = true;
			break;
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
	if (take_pid_argument(argc, argv, argv[0], "PID", &pid)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	err = parse_duration(timeout, &timeout_ns);
	if (err) {
		fprintf(stderr, "%s %s: invalid duration '%s'%s\n", PROG_NAME,
			argv[0], timeout,
			err == -ERANGE ? ": too long" : "");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (no_wait && (timeout_set || json)) {
		fprintf(stderr, "%s %s: --no-wait excludes --%s\n", PROG_NAME,
			argv[0], timeout_set ? "timeout" : "json");
		usage(stderr);
		return EXIT_USAGE;
	}

	status = snapctl_open(&ctx);
	if (status)
		return status;

	/* Not PROCSNAP_REQUEST_OWNED: the snapshot outlives snapctl. */
	err = procsnap_request(ctx, pid, flags);
	if (err) {
		status = report_request_failure(pid, err);
	} else if (!no_wait) {
		err = wait_for_snapshot(ctx, pid, timeout_ns, &st);
		if (err)
			status = report_wait_failure(ctx, pid, err, timeout);
		else
			status = report_result(pid, &st, json);
	}
	procsnap_close(ctx);
	return status;
}
