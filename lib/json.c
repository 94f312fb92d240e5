// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A JSON writer onto a FILE: the caller checks ferror() at the end.
 * Numbers are integers (the manifest has no other kind); strings are
 * always valid JSON whatever bytes they hold.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "utf8.h"

void ps_json_init(struct ps_json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first = true;
	j->pretty = pretty;
}

void ps_json_escape(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;
	size_t n;

	fputc('"', f);
	while (p < end) {
		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p++, f);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else if ((n = ps_utf8_length(p, (size_t)(end - p)))) {
			fwrite(p, 1, n, f);
			p += n;
		} else {
			/* One replacement per byte that starts nothing valid. */
			fputs("\\ufffd", f);
			p++;
		}
	}
	fputc('"', f);
}

static void indent(struct ps_json *j)
{
	unsigned int i;

	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Before any value: the separator and indentation, unless after a key. */
static void value_prefix(struct ps_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth) {
		if (!j->first)
			fputc(',', j->f);
		indent(j);
	}
	j->first = false;
}

static void open_container(struct ps_json *j, char c)
{
	value_prefix(j);
	fputc(c, j->f);
	if (j->depth < PS_JSON_MAX_DEPTH)
		j->depth++;
	j->first = true;
}

static void close_container(struct ps_json *j, char c)
{
	bool empty = j->first;

	if (j->depth)
		j->depth--;
	if (!empty)
		indent(j);
	fputc(c, j->f);
	j->first = false;
	if (!j->depth && j->pretty)
		fputc('\n', j->f);
}

void ps_json_object_begin(struct ps_json *j)
{
	open_container(j, '{');
}

void ps_json_object_end(struct ps_json *j)
{
	close_container(j, '}');
}

void ps_json_array_begin(struct ps_json *j)
{
	open_container(j, '[');
}

void ps_json_array_end(struct ps_json *j)
{
	close_container(j, ']');
}

void ps_json_key(struct ps_json *j, const char *key)
{
	value_prefix(j);
	ps_json_escape(j->f, key, strlen(key));
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = true;
}

void ps_json_string_len(struct ps_json *j, const char *s, size_t len)
{
	value_prefix(j);
	ps_json_escape(j->f, s, len);
}

void ps_json_string(struct ps_json *j, const char *s)
{
	if (!s) {
		ps_json_null(j);
		return;
	}
	ps_json_string_len(j, s, strlen(s));
}

void ps_json_u64(struct ps_json *j, uint64_t v)
{
	value_prefix(j);
	fprintf(j->f, "%" PRIu64, v);
}

void ps_json_i64(struct ps_json *j, int64_t v)
{
	value_prefix(j);
	fprintf(j->f, "%" PRId64, v);
}

void ps_json_bool(struct ps_json *j, bool v)
{
	value_prefix(j);
	fputs(v ? "true" : "false", j->f);
}

void ps_json_null(struct ps_json *j)
{
	value_prefix(j);
	fputs("null", j->f);
}
