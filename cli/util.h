/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the snapctl subcommands.  Kept apart from main() so
 * the unit tests can link and call them.
 */
#ifndef SNAPCTL_UTIL_H
#define SNAPCTL_UTIL_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct procsnap_ctx;

#define PROG_NAME "snapctl"

/* The exit status contract of snapctl; documented in snapctl(8). */
enum snapctl_exit {
	EXIT_OK = 0,
	EXIT_USAGE = 1,
	EXIT_FAILED = 2,
	EXIT_NO_MODULE = 3,
	EXIT_PERMISSION = 4,
	EXIT_TIMEOUT = 5,
	EXIT_NO_SUCH = 6,	/* no such process, request or snapshot */
};

/*
 * Map an error from procsnap_open() (positive or negative errno, 0 for
 * success) to the exit status snapctl promises.  ENOENT there means the
 * device node is missing.
 */
int snapctl_exit_code(int err);

/*
 * The same for an error of a snapshot request on an open device, where
 * ENOENT means no such request or snapshot.
 */
int snapctl_request_exit_code(int err);

/*
 * Open the device (see snapctl_device_path()).  On failure, report it on
 * stderr and return the exit status; else EXIT_OK.
 */
int snapctl_open(struct procsnap_ctx **ctxp);

/*
 * Report a failed snapshot request as "snapctl: <what>: <message>" and
 * return its exit status (snapctl_request_exit_code()).  Callers that can
 * get ENOENT report it in their own words before getting here.
 */
int report_request_error(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Report, as "snapctl: <what>", that the process, request or snapshot a
 * command names does not exist.  Return: EXIT_NO_SUCH.
 */
int report_no_such(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Report misuse of subcommand @cmd as "snapctl <cmd>: <what>".  Return:
 * EXIT_USAGE.
 */
int report_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Parse a process id: decimal digits only (no sign, no blanks, no junk),
 * 1 to INT_MAX.  Return: 0, -EINVAL or -ERANGE; *pid is set only on 0.
 */
int parse_pid(const char *s, pid_t *pid);

/*
 * Take the one positional PID argument of subcommand @cmd at
 * argv[optind], naming it @what in messages.  Reports a missing, invalid
 * or extra argument on stderr.  Return: 0, or EXIT_USAGE.
 */
int take_pid_argument(int argc, char *argv[], const char *cmd,
		      const char *what, pid_t *pid);

/*
 * Parse a duration into nanoseconds: a decimal integer with an optional
 * unit ns, us, ms, s, m or h; no unit means seconds.  "0" is 0 (which
 * callers take as "forever").  Return: 0, -EINVAL or -ERANGE; *ns is set
 * only on 0.
 */
int parse_duration(const char *s, uint64_t *ns);

/*
 * Parse a rate in bytes per second: a decimal integer with an optional
 * suffix K, M or G (powers of 1024; lower case too), e.g. "50M".  "0" is 0
 * (no limit).  Return: 0, -EINVAL or -ERANGE; *bytes is set only on 0.
 */
int parse_rate(const char *s, uint64_t *bytes);

/* The symbolic name of errno value @err ("EAGAIN"), or NULL if unknown. */
const char *errno_name(int err);

/* @bytes in human-readable form, 1024-based: "512B", "4.0K", "1.5G". */
void format_size(uint64_t bytes, char *buf, size_t size);

/*
 * @realtime_ns (CLOCK_REALTIME) as local ISO 8601 time with the UTC
 * offset, "2024-05-01T12:34:56+02:00".  Return: 0, or -EINVAL if it
 * cannot be represented.
 */
int format_local_time(uint64_t realtime_ns, char *buf, size_t size);

/* Print the exit status table for --help output. */
void print_exit_status(FILE *f);

/* The device node: $PROCSNAP_DEVICE if set and non-empty, else the default. */
const char *snapctl_device_path(void);

/*
 * getopt_long() for a subcommand whose argv[0] is its own name: the
 * diagnostics getopt prints then read "snapctl <cmd>: ..." instead of
 * "<cmd>: ...".  The caller resets optind to 0 before the first call.
 */
int subcommand_getopt(int argc, char *argv[], const char *optstring,
		      const struct option *longopts);

/* Report a stray positional argument of subcommand @cmd on stderr. */
void report_extra_argument(const char *cmd, const char *arg);

/*
 * Write @s as a JSON string literal, quotes included.  Control characters,
 * '"' and '\\' are escaped; bytes that are not well-formed UTF-8 become
 * U+FFFD, so the output is valid JSON whatever the input.
 */
void json_print_string(FILE *f, const char *s);

/*
 * Write flag bits as a JSON array of names: bit i is @names[i] (for i <
 * @nr_names and @names[i] not NULL), any other bit set becomes its value
 * as a string, "0x10".
 */
void json_print_flags(FILE *f, unsigned int flags, const char *const names[],
		      size_t nr_names);

/*
 * The same as text: names joined by ',', "-" for none.  Return: what
 * snprintf() returns for @buf.
 */
int format_flags(char *buf, size_t size, unsigned int flags,
		 const char *const names[], size_t nr_names);

#endif /* SNAPCTL_UTIL_H */
