/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What "snapctl request" and "snapctl snapshot" share: waiting for a
 * snapshot with a note on a terminal, and reporting what went wrong.
 */
#ifndef SNAPCTL_REQUEST_H
#define SNAPCTL_REQUEST_H

#include <stdbool.h>
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

/* --freeze-shared[=LIMIT], as "snapctl request" and "snapshot" take it. */
struct request_freeze {
	bool on;
	const char *text;	/* LIMIT as given, or NULL */
	uint64_t limit;		/* 0: the module's default */
};

#define REQUEST_FREEZE_HELP \
	"      --freeze-shared[=LIMIT]\n" \
	"                      also copy the target's shared memory (shared\n" \
	"                      anonymous, tmpfs, memfd, SysV shm mappings)\n" \
	"                      in the pause, so that the snapshot keeps it\n" \
	"                      as it was; at most LIMIT bytes (K, M, G\n" \
	"                      suffixes; default 64M), the mappings past it\n" \
	"                      stay live; the pause grows with what is copied\n"

/* Check --freeze-shared's LIMIT; EXIT_USAGE (reported) or 0. */
int request_parse_freeze(const char *cmd, struct request_freeze *f);

/* procsnap_request(), or procsnap_request_freeze() when @f asks. */
int request_issue(struct procsnap_ctx *ctx, pid_t pid, unsigned int flags,
		  const struct request_freeze *f);

/*
 * After a --freeze-shared snapshot @clone: warn on stderr when mappings
 * were left live by the limit, and fill *@info when not NULL.
 */
int request_freeze_info(struct procsnap_ctx *ctx, pid_t clone,
			struct procsnap_snapshot_info *info);

/* Report a failed request_issue(); return the exit status. */
int request_report_failure(pid_t pid, int err,
			   const struct request_freeze *f);

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
