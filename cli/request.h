/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What "snapctl request" and "snapctl snapshot" share: waiting for a
 * snapshot with a note on a terminal, and reporting what went wrong.
 */
#ifndef SNAPCTL_REQUEST_H
#define SNAPCTL_REQUEST_H

#include <stdint.h>
#include <sys/types.h>

#include <procsnap.h>

struct procsnap_ctx;

/*
 * procsnap_wait(), saying on stderr what we wait for once it takes more
 * than a second, if stderr is a terminal.
 */
int request_wait(struct procsnap_ctx *ctx, pid_t pid, uint64_t timeout_ns,
		 struct procsnap_state_arg *st);

/*
 * Parse --timeout's @text into *@ns; on a bad value report it as a usage
 * error of subcommand @cmd and return EXIT_USAGE, else 0.
 */
int request_parse_timeout(const char *cmd, const char *text, uint64_t *ns);

/* Report a failed procsnap_request(); return the exit status. */
int request_report_failure(pid_t pid, int err);

/*
 * Report a failed request_wait() (cancelling the request where the module
 * has not); @timeout as the user gave it.  Return the exit status.
 */
int request_report_wait_failure(struct procsnap_ctx *ctx, pid_t pid, int err,
				const char *timeout);

/*
 * EXIT_OK if the wait ended with a snapshot, else report how the
 * duplication failed and return the exit status.
 */
int request_check_result(pid_t pid, const struct procsnap_state_arg *st);

#endif /* SNAPCTL_REQUEST_H */
