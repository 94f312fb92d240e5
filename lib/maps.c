// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ps_parse_maps(): /proc/PID/maps, as show_map_vma() prints it:
 *
 *   START-END PERMS OFFSET MAJOR:MINOR INODE [blanks PATH]
 *
 * in lower-case hex except the decimal inode.  PATH is the rest of the
 * line, blanks and " (deleted)" included (the kernel escapes a newline in
 * a file name as "\012", so a line is a mapping).
 *
 * ps_smaps_recovered(): /proc/PID/smaps repeats each maps line, followed by
 * "Key: value" lines, the last of each mapping "VmFlags: rd wr ... dc".
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Digits in @base up to the first other character; at least one. */
static int parse_number(char **pp, unsigned int base, uint64_t *v)
{
	char *p = *pp;
	uint64_t n = 0;
	int d;

	for (; (d = hexval(*p)) >= 0 && (unsigned int)d < base; p++) {
		if (n > (UINT64_MAX - (uint64_t)d) / base)
			return -EINVAL;
		n = n * base + (uint64_t)d;
	}
	if (p == *pp)
		return -EINVAL;
	*pp = p;
	*v = n;
	return 0;
}

static int expect(char **pp, char c)
{
	if (**pp != c)
		return -EINVAL;
	(*pp)++;
	return 0;
}

static bool valid_perms(const char *p)
{
	return (p[0] == 'r' || p[0] == '-') && (p[1] == 'w' || p[1] == '-') &&
	       (p[2] == 'x' || p[2] == '-') && (p[3] == 'p' || p[3] == 's');
}

/* One line, NUL-terminated in place (its newline replaced). */
static int parse_line(char *p, struct ps_map *m)
{
	uint64_t major, minor;

	memset(m, 0, sizeof(*m));
	if (parse_number(&p, 16, &m->start) || expect(&p, '-') ||
	    parse_number(&p, 16, &m->end) || expect(&p, ' ') ||
	    m->end < m->start)
		return -EINVAL;
	if (strlen(p) < 5 || !valid_perms(p) || p[4] != ' ')
		return -EINVAL;
	memcpy(m->perms, p, 4);
	m->perms[4] = '\0';
	p += 5;
	if (parse_number(&p, 16, &m->offset) || expect(&p, ' ') ||
	    parse_number(&p, 16, &major) || expect(&p, ':') ||
	    parse_number(&p, 16, &minor) || expect(&p, ' ') ||
	    parse_number(&p, 10, &m->inode))
		return -EINVAL;
	if (major > UINT32_MAX || minor > UINT32_MAX)
		return -EINVAL;
	m->dev_major = (unsigned int)major;
	m->dev_minor = (unsigned int)minor;
	if (*p && *p != ' ')
		return -EINVAL;
	while (*p == ' ')
		p++;
	m->path = p;
	return 0;
}

int ps_parse_maps(char *text, struct ps_map **maps, size_t *nr_maps)
{
	struct ps_map *v = NULL, *grown;
	size_t n = 0, cap = 0;
	char *line, *nl;
	int err;

	if (!maps || !nr_maps)
		return ps_fail(EINVAL);
	*maps = NULL;
	*nr_maps = 0;
	if (!text)
		return ps_fail(EINVAL);

	for (line = text; *line; line = nl ? nl + 1 : line + strlen(line)) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			grown = reallocarray(v, cap, sizeof(*v));
			if (!grown) {
				free(v);
				return ps_fail(ENOMEM);
			}
			v = grown;
		}
		err = parse_line(line, &v[n]);
		if (err) {
			free(v);
			return ps_fail(-err);
		}
		n++;
		if (!nl)
			break;
	}
	*maps = v;
	*nr_maps = n;
	return 0;
}

/* The words after "VmFlags:" (@len bytes), two letters each. */
static unsigned int recovered_flags(const char *flags, size_t len)
{
	unsigned int r = 0;
	size_t i, w;

	for (i = 0; i < len; i = w + 1) {
		for (w = i; w < len && flags[w] != ' '; w++)
			;
		if (w - i != 2)
			continue;
		if (!memcmp(flags + i, "dc", 2))
			r |= PS_RECOVERED_DONTFORK;
		else if (!memcmp(flags + i, "wf", 2))
			r |= PS_RECOVERED_WIPEONFORK;
	}
	return r;
}

int ps_smaps_recovered(const char *text, struct ps_map *maps, size_t nr_maps)
{
	const char *line, *end;
	uint64_t start;
	size_t i = 0, len;
	char *p;

	if (!text || (!maps && nr_maps))
		return ps_fail(EINVAL);
	for (line = text; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		len = (size_t)(end - line);
		if (len >= 8 && !memcmp(line, "VmFlags:", 8)) {
			if (!i)
				return ps_fail(EINVAL);
			maps[i - 1].recovered = recovered_flags(line + 8,
								len - 8);
			continue;
		}
		/* A mapping's line starts with its address; a key does not. */
		p = (char *)line;
		if (parse_number(&p, 16, &start) || *p != '-')
			continue;
		if (i == nr_maps || maps[i].start != start)
			return ps_fail(EINVAL);
		i++;
	}
	return i == nr_maps ? 0 : ps_fail(EINVAL);
}

int ps_maps_frozen(struct procsnap_ctx *ctx, pid_t clone, struct ps_map *maps,
		   size_t nr_maps)
{
	struct procsnap_frozen_info *fr;
	size_t n, i, k = 0;
	int err;

	err = procsnap_frozen(ctx, clone, &fr, &n);
	if (err)
		return err;
	/* Both in address order; a mapping is frozen whole or not at all. */
	for (i = 0; i < n; i++) {
		while (k < nr_maps && maps[k].end <= fr[i].start)
			k++;
		if (k < nr_maps && maps[k].start == fr[i].start &&
		    maps[k].end == fr[i].end && fr[i].eof == fr[i].end)
			maps[k].frozen = true;
	}
	free(fr);
	return 0;
}
