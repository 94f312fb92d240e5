// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <libprocsnap.h>

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
	default:
		return EXIT_FAILED;
	}
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
		"  4  permission denied\n");
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
	fprintf(stderr, "%s %s: unexpected argument '%s'\n",
		PROG_NAME, cmd, arg);
}

/* Length of the well-formed UTF-8 sequence at @s (RFC 3629), 0 if none. */
static size_t utf8_sequence_length(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;

	/* Second-byte ranges exclude overlong forms, surrogates, > U+10FFFF. */
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
		if (s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80)
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
		if (s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

void json_print_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
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
			len = utf8_sequence_length(p);
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
