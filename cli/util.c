// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libprocsnap.h>
#include <utf8.h>

#include "util.h"

int snapctl_exit_code(int err)
{
	if (err < 0)
		err = -err;

	switch (err) {
	case 0:
		return EXIT_OK;
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return EXIT_NO_MODULE;
	case EACCES:
	case EPERM:
		return EXIT_PERMISSION;
	case ETIMEDOUT:
		return EXIT_TIMEOUT;
	case ESRCH:
		return EXIT_NO_SUCH;
	default:
		return EXIT_FAILED;
	}
}

int snapctl_request_exit_code(int err)
{
	if (err == ENOENT || err == -ENOENT)
		return EXIT_NO_SUCH;
	return snapctl_exit_code(err);
}

int snapctl_open(struct procsnap_ctx **ctxp)
{
	const char *path = snapctl_device_path();
	int err;

	err = procsnap_open(path, ctxp);
	if (!err)
		return EXIT_OK;
	fprintf(stderr, "%s: cannot open %s: %s\n", PROG_NAME, path,
		procsnap_strerror(err));
	return snapctl_exit_code(err);
}

/* "snapctl: " or "snapctl <cmd>: ", then @fmt: how every report starts. */
static __attribute__((format(printf, 2, 0)))
void vreport(const char *cmd, const char *fmt, va_list ap)
{
	if (cmd)
		fprintf(stderr, "%s %s: ", PROG_NAME, cmd);
	else
		fprintf(stderr, "%s: ", PROG_NAME);
	vfprintf(stderr, fmt, ap);
}

int report_request_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(NULL, fmt, ap);
	va_end(ap);
	/* Not procsnap_strerror()'s "module not loaded": the device is open. */
	fprintf(stderr, ": %s\n", err == ENOENT || err == -ENOENT ?
		"no such snapshot or request" : procsnap_strerror(err));
	return snapctl_request_exit_code(err);
}

int report_no_such(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(NULL, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_NO_SUCH;
}

int report_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(cmd, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int parse_pid(const char *s, pid_t *pid)
{
	long long v = 0;

	if (!s || !*s)
		return -EINVAL;
	/* strtol() would take blanks, a sign and "0x"; a pid has none. */
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > INT_MAX)
			continue;	/* keep checking for junk */
		v = v * 10 + (*s - '0');
	}
	if (v > INT_MAX)
		return -ERANGE;
	if (v == 0)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

int take_pid_argument(int argc, char *argv[], const char *cmd,
		      const char *what, pid_t *pid)
{
	int err;

	if (optind >= argc)
		return report_usage_error(cmd, "missing %s", what);
	err = parse_pid(argv[optind], pid);
	if (err)
		return report_usage_error(cmd, "invalid %s '%s': %s", what,
					  argv[optind], err == -ERANGE ?
					  "out of range" :
					  "not a positive decimal number");
	if (optind + 1 < argc) {
		report_extra_argument(cmd, argv[optind + 1]);
		return EXIT_USAGE;
	}
	return 0;
}

int parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		uint64_t ns;
	} units[] = {
		{ "", 1000000000ULL },
		{ "ns", 1ULL },
		{ "us", 1000ULL },
		{ "ms", 1000000ULL },
		{ "s", 1000000000ULL },
		{ "m", 60ULL * 1000000000ULL },
		{ "h", 3600ULL * 1000000000ULL },
	};
	uint64_t v = 0;
	bool range = false;
	size_t i;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		uint64_t digit = (uint64_t)(*s - '0');

		if (v > (UINT64_MAX - digit) / 10)
			range = true;
		else
			v = v * 10 + digit;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s, units[i].suffix))
			continue;
		if (range || v > UINT64_MAX / units[i].ns)
			return -ERANGE;
		*ns = v * units[i].ns;
		return 0;
	}
	return -EINVAL;
}

int parse_rate(const char *s, uint64_t *bytes)
{
	uint64_t v = 0, unit = 1;
	bool range = false;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		uint64_t digit = (uint64_t)(*s - '0');

		if (v > (UINT64_MAX - digit) / 10)
			range = true;
		else
			v = v * 10 + digit;
	}
	switch (*s) {
	case '\0':
		break;
	case 'K': case 'k':
		unit = 1ULL << 10;
		break;
	case 'M': case 'm':
		unit = 1ULL << 20;
		break;
	case 'G': case 'g':
		unit = 1ULL << 30;
		break;
	default:
		return -EINVAL;
	}
	if (*s && s[1])
		return -EINVAL;
	if (range || v > UINT64_MAX / unit)
		return -ERANGE;
	*bytes = v * unit;
	return 0;
}

#if defined(__GLIBC__) && \
	(__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
#define HAVE_STRERRORNAME_NP 1
#endif

const char *errno_name(int err)
{
#ifdef HAVE_STRERRORNAME_NP
	return err > 0 ? strerrorname_np(err) : NULL;
#else
	/* What duplicating a process can plausibly fail with. */
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
		{ EINTR, "EINTR" }, { EIO, "EIO" }, { E2BIG, "E2BIG" },
		{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" }, { EINVAL, "EINVAL" },
		{ ENOSPC, "ENOSPC" }, { ENOSYS, "ENOSYS" },
		{ ETIMEDOUT, "ETIMEDOUT" }, { ECANCELED, "ECANCELED" },
		{ EOVERFLOW, "EOVERFLOW" }, { EMFILE, "EMFILE" },
		{ ENFILE, "ENFILE" }, { ENOTTY, "ENOTTY" },
		{ EPROTO, "EPROTO" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	return NULL;
#endif
}

void format_size(uint64_t bytes, char *buf, size_t size)
{
	static const char units[] = "KMGTPE";
	double v = (double)bytes;
	int unit = -1;

	if (bytes < 1024) {
		snprintf(buf, size, "%uB", (unsigned int)bytes);
		return;
	}
	/* 1023.95 would print as 1024.0: move such values up a unit. */
	while (v >= 1023.95 && unit < (int)sizeof(units) - 2) {
		v /= 1024;
		unit++;
	}
	snprintf(buf, size, "%.1f%c", v, units[unit]);
}

int format_local_time(uint64_t realtime_ns, char *buf, size_t size)
{
	time_t t = (time_t)(realtime_ns / 1000000000ULL);
	char stamp[32], zone[8];
	struct tm tm;

	if (!localtime_r(&t, &tm) ||
	    !strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) ||
	    strftime(zone, sizeof(zone), "%z", &tm) != 5)
		return -EINVAL;
	/* ISO 8601 extended format wants "+02:00", strftime gives "+0200". */
	if ((size_t)snprintf(buf, size, "%s%.3s:%s", stamp, zone, zone + 3) >=
	    size)
		return -EINVAL;
	return 0;
}

void print_exit_status(FILE *f)
{
	fprintf(f,
		"Exit status:\n"
		"  0  success\n"
		"  1  usage error\n"
		"  2  operation failed\n"
		"  3  procsnap module not loaded ("
		PROCSNAP_DEVICE_PATH " missing)\n"
		"  4  permission denied\n"
		"  5  timed out\n"
		"  6  no such process or snapshot\n");
}

const char *snapctl_device_path(void)
{
	const char *path = getenv("PROCSNAP_DEVICE");

	return path && *path ? path : PROCSNAP_DEVICE_PATH;
}

int subcommand_getopt(int argc, char *argv[], const char *optstring,
		      const struct option *longopts)
{
	char prog[64];
	char *name = argv[0];
	int c;

	snprintf(prog, sizeof(prog), "%s %s", PROG_NAME, name);
	argv[0] = prog;
	c = getopt_long(argc, argv, optstring, longopts, NULL);
	argv[0] = name;
	return c;
}

void report_extra_argument(const char *cmd, const char *arg)
{
	report_usage_error(cmd, "unexpected argument '%s'", arg);
}

void json_print_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + strlen(s);
	size_t len;

	fputc('"', f);
	while (*p) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			/* DEL is legal JSON but would reach a terminal raw. */
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(f, "\\u%04x", *p);
				break;
			}
			len = ps_utf8_length(p, (size_t)(end - p));
			if (!len) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(p, 1, len, f);
			p += len;
			continue;
		}
		p++;
	}
	fputc('"', f);
}

static const char *flag_name(unsigned int bit, const char *const names[],
			     size_t nr_names, char *buf, size_t size)
{
	if (bit < nr_names && names[bit])
		return names[bit];
	snprintf(buf, size, "0x%x", 1U << bit);
	return buf;
}

void json_print_flags(FILE *f, unsigned int flags, const char *const names[],
		      size_t nr_names)
{
	const char *sep = "";
	unsigned int bit;
	char buf[16];

	fputc('[', f);
	for (bit = 0; bit < 32; bit++) {
		if (!(flags & (1U << bit)))
			continue;
		fputs(sep, f);
		json_print_string(f, flag_name(bit, names, nr_names, buf,
					       sizeof(buf)));
		sep = ",";
	}
	fputc(']', f);
}

int format_flags(char *buf, size_t size, unsigned int flags,
		 const char *const names[], size_t nr_names)
{
	unsigned int bit;
	size_t len = 0;
	char tmp[16];
	int n;

	if (!flags)
		return snprintf(buf, size, "-");
	if (size)
		buf[0] = '\0';
	for (bit = 0; bit < 32; bit++) {
		if (!(flags & (1U << bit)))
			continue;
		n = snprintf(buf + (len < size ? len : size),
			     len < size ? size - len : 0, "%s%s",
			     len ? "," : "",
			     flag_name(bit, names, nr_names, tmp, sizeof(tmp)));
		if (n < 0)
			return n;
		len += (size_t)n;
	}
	return (int)len;
}
