// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * YARA rules over a view, through libyara: the view's data extents become
 * libyara's memory blocks, read chunk by chunk into one buffer when YARA
 * asks for a block's data.  The matching is all libyara's; this file only
 * feeds it and turns its matches into addresses and segments.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yara.h>

#include "internal.h"

struct procsnap_rules {
	YR_RULES *rules;
};

/* ---- loading ---- */

struct compile_msgs {
	char *buf;
	size_t len;
	bool nomem;
};

static void add_msg(struct compile_msgs *m, const char *fmt, ...)
{
	va_list ap;
	char *more;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || m->nomem)
		return;
	more = realloc(m->buf, m->len + (size_t)n + 1);
	if (!more) {
		m->nomem = true;
		return;
	}
	m->buf = more;
	va_start(ap, fmt);
	vsnprintf(m->buf + m->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	m->len += (size_t)n;
}

static void compiler_msg(int level, const char *file, int line,
			 const YR_RULE *rule, const char *message, void *data)
{
	(void)rule;
	/* Warnings (slow rules and the like) do not stop a responder. */
	if (level != YARA_ERROR_LEVEL_ERROR)
		return;
	add_msg(data, "%s(%d): %s\n", file ? file : "?", line, message);
}

static int yara_errno(int err)
{
	switch (err) {
	case ERROR_SUCCESS:
		return 0;
	case ERROR_INSUFFICIENT_MEMORY:
		return ENOMEM;
	case ERROR_TOO_MANY_MATCHES:
		return E2BIG;
	case ERROR_INVALID_FILE:
	case ERROR_CORRUPT_FILE:
	case ERROR_UNSUPPORTED_FILE_VERSION:
	case ERROR_INVALID_ARGUMENT:
		return EINVAL;
	default:
		return EIO;
	}
}

static int compile(int fd, const char *path, YR_RULES **rules,
		   struct compile_msgs *msgs)
{
	YR_COMPILER *c;
	int err;

	err = yr_compiler_create(&c);
	if (err)
		return yara_errno(err);
	yr_compiler_set_callback(c, compiler_msg, msgs);
	if (yr_compiler_add_fd(c, fd, NULL, path) > 0)
		err = ERROR_INVALID_ARGUMENT;
	else
		err = yr_compiler_get_rules(c, rules);
	yr_compiler_destroy(c);
	if (msgs->nomem)
		return ENOMEM;
	if (err == ERROR_INVALID_ARGUMENT && !msgs->buf)
		add_msg(msgs, "%s: does not compile\n", path);
	return yara_errno(err);
}

/* yarac's files start with "YARA"; no rule source can. */
static bool is_compiled(int fd)
{
	char magic[4];

	return pread(fd, magic, sizeof(magic), 0) == sizeof(magic) &&
	       !memcmp(magic, "YARA", sizeof(magic));
}

PROCSNAP_EXPORT
int procsnap_rules_load(const char *path, struct procsnap_rules **rp,
			char **msgp)
{
	struct compile_msgs msgs = { 0 };
	struct procsnap_rules *r;
	int fd, err;

	if (msgp)
		*msgp = NULL;
	if (!rp)
		return ps_fail(EINVAL);
	*rp = NULL;
	if (!path)
		return ps_fail(EINVAL);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ps_fail(errno);
	r = calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		return ps_fail(ENOMEM);
	}
	err = yara_errno(yr_initialize());
	if (err) {
		free(r);
		close(fd);
		return ps_fail(err);
	}
	if (is_compiled(fd)) {
		/* By path: libyara 4.2 has no loader from a descriptor. */
		err = yr_rules_load(path, &r->rules);
		if (err == ERROR_UNSUPPORTED_FILE_VERSION)
			add_msg(&msgs, "%s: compiled by another YARA version\n",
				path);
		else if (err == ERROR_INVALID_FILE || err == ERROR_CORRUPT_FILE)
			add_msg(&msgs, "%s: not a valid compiled rules file\n",
				path);
		err = yara_errno(err);
	} else {
		err = compile(fd, path, &r->rules, &msgs);
	}
	close(fd);
	if (err) {
		yr_finalize();
		free(r);
		if (msgp && err == EINVAL)
			*msgp = msgs.buf;
		else
			free(msgs.buf);
		return ps_fail(err);
	}
	free(msgs.buf);
	*rp = r;
	return 0;
}

PROCSNAP_EXPORT
void procsnap_rules_free(struct procsnap_rules *r)
{
	int saved = errno;

	if (!r)
		return;
	if (r->rules)
		yr_rules_destroy(r->rules);
	yr_finalize();
	free(r);
	errno = saved;
}

/* ---- the view as memory blocks ---- */

struct extent {
	uint64_t start, end;
};

struct scan {
	struct procsnap_view *v;
	const struct procsnap_segment *segs;
	size_t nr_segs;
	unsigned int flags;
	/* The data extents of segment seg, walked by the iterator: */
	bool started;		/* seg is one */
	size_t seg;		/* nr_segs once past the last */
	struct extent *ext;
	size_t nr_ext, ext_room, ext_i;
	uint64_t next;		/* where the next chunk starts */
	YR_MEMORY_BLOCK block;
	uint8_t *buf;
	uint64_t counted_to;	/* bytes_scanned counts up to here */
	int err;		/* positive errno that ended the walk */
	/* For the match callback: */
	struct procsnap_scan_string *strings;
	size_t strings_room;
	const char **tags;
	size_t tags_room;
	procsnap_match_fn fn;
	void *fn_data;
	int fn_ret;
	struct procsnap_scan_stats stats;
};

static int add_extent(void *data, uint64_t start, uint64_t end)
{
	struct scan *s = data;
	struct extent *more;

	if (start >= end)
		return 0;
	/* Touching extents are one: a match may cross between them. */
	if (s->nr_ext && s->ext[s->nr_ext - 1].end == start) {
		s->ext[s->nr_ext - 1].end = end;
		return 0;
	}
	if (s->nr_ext == s->ext_room) {
		more = reallocarray(s->ext, s->ext_room ? s->ext_room * 2 : 16,
				    sizeof(*s->ext));
		if (!more)
			return ps_fail(ENOMEM);
		s->ext = more;
		s->ext_room = s->ext_room ? s->ext_room * 2 : 16;
	}
	s->ext[s->nr_ext++] = (struct extent){ start, end };
	return 0;
}

/* Move to the next segment with data; false at the end or on error. */
static bool next_segment(struct scan *s)
{
	const struct procsnap_segment *seg;
	int err;

	for (;;) {
		s->seg = s->started ? s->seg + 1 : 0;
		s->started = true;
		if (s->seg >= s->nr_segs) {
			s->seg = s->nr_segs;
			return false;
		}
		seg = &s->segs[s->seg];
		if (seg->flags & PROCSNAP_SEG_UNREADABLE)
			continue;
		if ((s->flags & PROCSNAP_SCAN_NO_LIVE) &&
		    (seg->flags & PROCSNAP_SEG_LIVE))
			continue;
		s->nr_ext = 0;
		s->ext_i = 0;
		err = procsnap_view_extents(s->v, s->seg, add_extent, s);
		if (err) {
			/* A segment whose pages cannot be told is unread. */
			if (err == -ENOMEM) {
				s->err = ENOMEM;
				s->seg = s->nr_segs;
				return false;
			}
			s->stats.bytes_unreadable += seg->end - seg->start;
			continue;
		}
		if (!s->nr_ext)
			continue;
		s->stats.segments++;
		s->next = s->ext[0].start;
		return true;
	}
}

/*
 * The next chunk: up to PROCSNAP_SCAN_CHUNK bytes of the current extent,
 * starting PROCSNAP_SCAN_OVERLAP bytes before where the last one ended.
 */
static YR_MEMORY_BLOCK *next_block(YR_MEMORY_BLOCK_ITERATOR *it)
{
	struct scan *s = it->context;
	struct extent *e;
	uint64_t len;

	for (;;) {
		if (s->started && s->seg == s->nr_segs)
			return NULL;
		if (!s->started || s->ext_i == s->nr_ext) {
			if (!next_segment(s)) {
				it->last_error = s->err ? ERROR_INSUFFICIENT_MEMORY
							: ERROR_SUCCESS;
				return NULL;
			}
		}
		e = &s->ext[s->ext_i];
		if (s->next < e->end)
			break;
		if (++s->ext_i < s->nr_ext)
			s->next = s->ext[s->ext_i].start;
	}
	len = e->end - s->next;
	if (len > PROCSNAP_SCAN_CHUNK)
		len = PROCSNAP_SCAN_CHUNK;
	s->block.base = s->next;
	s->block.size = (size_t)len;
	if (s->next + len < e->end)
		s->next += len - PROCSNAP_SCAN_OVERLAP;
	else
		s->next = e->end;
	return &s->block;
}

static YR_MEMORY_BLOCK *first_block(YR_MEMORY_BLOCK_ITERATOR *it)
{
	struct scan *s = it->context;

	s->started = false;
	s->nr_ext = s->ext_i = 0;
	return next_block(it);
}

static const uint8_t *fetch_block(YR_MEMORY_BLOCK *b)
{
	struct scan *s = b->context;
	uint64_t from;
	ssize_t n;

	n = procsnap_view_read(s->v, b->base, s->buf, b->size);
	if (n <= 0) {
		s->stats.bytes_unreadable += b->size;
		return NULL;
	}
	if ((size_t)n < b->size)
		s->stats.bytes_unreadable += b->size - (size_t)n;
	/* Blocks come in address order: an overlap was counted before. */
	from = b->base > s->counted_to ? b->base : s->counted_to;
	if (b->base + (uint64_t)n > from) {
		s->stats.bytes_scanned += b->base + (uint64_t)n - from;
		s->counted_to = b->base + (uint64_t)n;
	}
	b->size = (size_t)n;
	return s->buf;
}

/* ---- matches ---- */

static size_t segment_of(const struct scan *s, uint64_t addr)
{
	size_t lo = 0, hi = s->nr_segs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (addr >= s->segs[mid].end)
			lo = mid + 1;
		else if (addr < s->segs[mid].start)
			hi = mid;
		else
			return mid;
	}
	return s->nr_segs;
}

static int grow(void **arr, size_t *room, size_t need, size_t size)
{
	void *more;
	size_t n = *room ? *room : 16;

	if (need <= *room)
		return 0;
	while (n < need)
		n *= 2;
	more = reallocarray(*arr, n, size);
	if (!more)
		return -ENOMEM;
	*arr = more;
	*room = n;
	return 0;
}

/* Return: what YARA is to do next. */
static int report_rule(YR_SCAN_CONTEXT *ctx, struct scan *s,
		       const YR_RULE *rule)
{
	struct procsnap_scan_match m = {
		.rule = rule->identifier,
		.ns = rule->ns->name,
	};
	const YR_STRING *str;
	const YR_MATCH *match;
	const char *tag;
	size_t n = 0;

	yr_rule_tags_foreach(rule, tag) {
		if (grow((void **)&s->tags, &s->tags_room, m.nr_tags + 1,
			 sizeof(*s->tags)))
			goto nomem;
		s->tags[m.nr_tags++] = tag;
	}
	yr_rule_strings_foreach(rule, str) {
		yr_string_matches_foreach(ctx, str, match) {
			struct procsnap_scan_string *ps;
			uint64_t addr = (uint64_t)(match->base + match->offset);

			if (grow((void **)&s->strings, &s->strings_room, n + 1,
				 sizeof(*s->strings)))
				goto nomem;
			ps = &s->strings[n++];
			ps->identifier = str->identifier;
			ps->addr = addr;
			ps->segment = segment_of(s, addr);
			ps->length = (size_t)match->match_length;
			ps->data = match->data;
			ps->data_length = (size_t)match->data_length;
		}
	}
	m.tags = s->tags;
	m.strings = s->strings;
	m.nr_strings = n;
	s->stats.matches++;
	s->fn_ret = s->fn ? s->fn(s->fn_data, &m) : 0;
	return s->fn_ret ? CALLBACK_ABORT : CALLBACK_CONTINUE;
nomem:
	s->err = ENOMEM;
	return CALLBACK_ERROR;
}

static int yara_callback(YR_SCAN_CONTEXT *ctx, int message,
			 void *message_data, void *user_data)
{
	switch (message) {
	case CALLBACK_MSG_RULE_MATCHING:
		return report_rule(ctx, user_data, message_data);
	case CALLBACK_MSG_CONSOLE_LOG:
		/* A rule's console.log() is not ours to print. */
	default:
		return CALLBACK_CONTINUE;
	}
}

PROCSNAP_EXPORT
int procsnap_scan(struct procsnap_view *v, const struct procsnap_rules *r,
		  unsigned int flags, procsnap_match_fn fn, void *data,
		  struct procsnap_scan_stats *stats)
{
	struct scan s = {
		.v = v,
		.flags = flags,
		.fn = fn,
		.fn_data = data,
	};
	YR_MEMORY_BLOCK_ITERATOR it = {
		.context = &s,
		.first = first_block,
		.next = next_block,
	};
	YR_SCANNER *scanner = NULL;
	int err;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!v || !r || (flags & ~PROCSNAP_SCAN_FLAGS))
		return ps_fail(EINVAL);
	s.segs = procsnap_view_segments(v, &s.nr_segs);
	s.block.context = &s;
	s.block.fetch_data = fetch_block;
	s.buf = malloc(PROCSNAP_SCAN_CHUNK);
	if (!s.buf)
		return ps_fail(ENOMEM);
	err = yara_errno(yr_scanner_create(r->rules, &scanner));
	if (err)
		goto out;
	yr_scanner_set_callback(scanner, yara_callback, &s);
	/*
	 * The blocks are the process's memory, at its addresses; no
	 * SIGSEGV/SIGBUS handler, since YARA only reads our buffer.
	 */
	yr_scanner_set_flags(scanner, SCAN_FLAGS_PROCESS_MEMORY |
			     SCAN_FLAGS_NO_TRYCATCH |
			     SCAN_FLAGS_REPORT_RULES_MATCHING);
	err = yr_scanner_scan_mem_blocks(scanner, &it);
	if (s.err)
		err = s.err;
	else
		err = yara_errno(err);
out:
	if (scanner)
		yr_scanner_destroy(scanner);
	free(s.buf);
	free(s.ext);
	free(s.strings);
	free(s.tags);
	if (stats)
		*stats = s.stats;
	if (err)
		return ps_fail(err);
	if (s.fn_ret)
		return s.fn_ret;
	return 0;
}
