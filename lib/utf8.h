/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by libprocsnap's JSON writer and snapctl's: both must emit valid
 * JSON whatever bytes a comm, path or command line holds.
 */
#ifndef PROCSNAP_UTF8_H
#define PROCSNAP_UTF8_H

#include <stddef.h>

/* Length of the well-formed UTF-8 sequence at @s (RFC 3629), 0 if none. */
static inline size_t ps_utf8_length(const unsigned char *s, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return avail >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	/* Second-byte ranges exclude overlong forms, surrogates, > U+10FFFF. */
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if (avail < 3)
			return 0;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
		if (s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80)
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if (avail < 4)
			return 0;
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

#endif /* PROCSNAP_UTF8_H */
