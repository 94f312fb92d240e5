// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * procsnap_diff(): what changed between two views.  Mappings are matched
 * by start address; pages are compared wherever both views map an
 * address, a chunk at a time: the pagemap of both says which pages can
 * be settled without reading (no data in either; one frame in both), the
 * rest are read in runs and compared with memcmp().  Two chunk buffers,
 * two chunk pagemaps and a byte per page of a chunk, whatever the views.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define DIFF_CHUNK PS_READ_CHUNK

/* What one page of the chunk is, in diff_state.page_state. */
#define P_DATA_A	(1u << 0)	/* A holds data there (else zeros) */
#define P_DATA_B	(1u << 1)
#define P_READ		(1u << 2)	/* to be read and compared */
#define P_BAD_A		(1u << 3)	/* A's could not be read */
#define P_BAD_B		(1u << 4)
#define P_DIFF		(1u << 5)	/* read from both: they differ */

struct diff_side {
	struct procsnap_view *v;
	const struct procsnap_segment *seg;
	uint64_t *pm;		/* the chunk's pagemap */
	unsigned char *buf;	/* the chunk's bytes, where read */
	unsigned int data_bit, bad_bit;
};

struct diff_state {
	const struct procsnap_diff_ops *ops;
	void *data;
	unsigned int flags;
	uint64_t page;
	size_t chunk_pages;
	struct diff_side a, b;
	unsigned char *page_state;
	struct procsnap_diff_stats st;	/* of the overlap being compared */
	uint64_t run_start, run_end;	/* differing pages not yet reported */
};

static unsigned int mapping_changes(const struct procsnap_segment *a,
				    const struct procsnap_segment *b)
{
	unsigned int what = 0;

	if (a->end != b->end)
		what |= PROCSNAP_DIFF_END;
	if (strcmp(a->perms, b->perms))
		what |= PROCSNAP_DIFF_PERMS;
	if (a->offset != b->offset)
		what |= PROCSNAP_DIFF_OFFSET;
	if (a->inode != b->inode || a->dev_major != b->dev_major ||
	    a->dev_minor != b->dev_minor || strcmp(a->path, b->path))
		what |= PROCSNAP_DIFF_FILE;
	return what;
}

/* Every mapping added, removed or changed, by start address. */
static int diff_mappings(const struct procsnap_segment *sa, size_t na,
			 const struct procsnap_segment *sb, size_t nb,
			 const struct procsnap_diff_ops *ops, void *data)
{
	size_t i = 0, j = 0;
	unsigned int what;
	int err = 0;

	while (!err && (i < na || j < nb)) {
		if (j == nb || (i < na && sa[i].start < sb[j].start)) {
			if (ops->mapping)
				err = ops->mapping(data, &sa[i], NULL, 0);
			i++;
		} else if (i == na || sb[j].start < sa[i].start) {
			if (ops->mapping)
				err = ops->mapping(data, NULL, &sb[j], 0);
			j++;
		} else {
			what = mapping_changes(&sa[i], &sb[j]);
			if (what && ops->mapping)
				err = ops->mapping(data, &sa[i], &sb[j], what);
			i++;
			j++;
		}
	}
	return err;
}

/* Report the differing pages gathered so far, if any. */
static int flush_run(struct diff_state *d)
{
	uint64_t start = d->run_start, end = d->run_end;

	if (start == end)
		return 0;
	d->run_start = d->run_end = 0;
	d->st.ranges++;
	return d->ops->range ?
	       d->ops->range(d->data, d->a.seg, d->b.seg, start, end) : 0;
}

static int page_differs(struct diff_state *d, uint64_t addr)
{
	int err;

	d->st.differing++;
	if (d->run_end == addr && d->run_end != d->run_start) {
		d->run_end += d->page;
		return 0;
	}
	err = flush_run(d);
	d->run_start = addr;
	d->run_end = addr + d->page;
	return err;
}

/* Whether @side holds data in the page of pagemap entry @pm. */
static bool holds_data(const struct diff_side *side, uint64_t pm)
{
	if (procsnap_view_kind(side->v) == PROCSNAP_VIEW_DIR)
		return pm & PROCSNAP_PM_PRESENT;
	/* Only private anonymous memory is zeros where nothing is mapped. */
	if (side->seg->flags & PROCSNAP_SEG_SPARSE)
		return pm & (PROCSNAP_PM_PRESENT | PROCSNAP_PM_SWAP);
	return true;
}

/*
 * One frame in both: one page of memory.  A swap entry is not trusted:
 * it is not a frame, and a migration entry looks the same.
 */
static bool same_frame(uint64_t pa, uint64_t pb)
{
	uint64_t mask = PROCSNAP_PM_PRESENT | PROCSNAP_PM_SWAP;

	return (pa & mask) == PROCSNAP_PM_PRESENT &&
	       (pb & mask) == PROCSNAP_PM_PRESENT &&
	       (pa & PROCSNAP_PM_PFN_MASK) &&
	       (pa & PROCSNAP_PM_PFN_MASK) == (pb & PROCSNAP_PM_PFN_MASK);
}

/*
 * Read the pages of the chunk at @addr that are to be compared and that
 * @side holds data for, in runs; zeros for the others.  A page that
 * cannot be read is marked bad and the reading goes on after it.
 */
static int read_side(struct diff_state *d, struct diff_side *side,
		     uint64_t addr, size_t n)
{
	size_t i = 0, end;
	ssize_t got;
	unsigned int want = P_READ | side->data_bit;

	while (i < n) {
		if ((d->page_state[i] & want) != want) {
			if (d->page_state[i] & P_READ)
				memset(side->buf + i * d->page, 0, d->page);
			i++;
			continue;
		}
		for (end = i + 1; end < n &&
		     (d->page_state[end] & want) == want; end++)
			;
		got = procsnap_view_read(side->v, addr + i * d->page,
					 side->buf + i * d->page,
					 (end - i) * d->page);
		if (got < 0 && errno != EIO && errno != EFAULT &&
		    errno != EACCES && errno != EPERM)
			return -errno;
		if (got < 0)
			got = 0;
		i += (size_t)got / d->page;
		if (i < end)
			d->page_state[i++] |= side->bad_bit;
	}
	return 0;
}

static int diff_chunk(struct diff_state *d, uint64_t addr, size_t n)
{
	bool frames = !(d->flags & PROCSNAP_DIFF_NO_FRAMES);
	unsigned char *ps = d->page_state;
	bool reading = false;
	size_t i;
	int err;

	err = procsnap_view_pagemap(d->a.v, addr, n, d->a.pm);
	if (!err)
		err = procsnap_view_pagemap(d->b.v, addr, n, d->b.pm);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		ps[i] = 0;
		if (holds_data(&d->a, d->a.pm[i]))
			ps[i] |= P_DATA_A;
		if (holds_data(&d->b, d->b.pm[i]))
			ps[i] |= P_DATA_B;
		if (!ps[i])
			d->st.absent++;
		else if (frames && same_frame(d->a.pm[i], d->b.pm[i]))
			d->st.by_frame++;
		else
			ps[i] |= P_READ;
		reading |= ps[i] & P_READ;
	}
	if (reading) {
		err = read_side(d, &d->a, addr, n);
		if (!err)
			err = read_side(d, &d->b, addr, n);
		if (err)
			return err;
	}
	for (i = 0; i < n; i++) {
		if (!(ps[i] & P_READ))
			continue;
		if (ps[i] & (P_BAD_A | P_BAD_B)) {
			d->st.unreadable++;
			continue;
		}
		d->st.by_content++;
		if (memcmp(d->a.buf + i * d->page, d->b.buf + i * d->page,
			   d->page))
			ps[i] |= P_DIFF;
	}
	/* In address order, so that ranges come out whole. */
	for (i = 0; i < n; i++) {
		if (ps[i] & P_DIFF) {
			err = page_differs(d, addr + i * d->page);
			if (err)
				return err;
		} else {
			err = flush_run(d);
			if (err)
				return err;
		}
	}
	return 0;
}

static void add_stats(struct procsnap_diff_stats *to,
		      const struct procsnap_diff_stats *st)
{
	to->pages += st->pages;
	to->by_frame += st->by_frame;
	to->by_content += st->by_content;
	to->absent += st->absent;
	to->unreadable += st->unreadable;
	to->differing += st->differing;
	to->ranges += st->ranges;
}

/* Compare [lo, hi), mapped by segment a->seg of A and b->seg of B. */
static int diff_overlap(struct diff_state *d, uint64_t lo, uint64_t hi,
			struct procsnap_diff_stats *total)
{
	uint64_t addr, len;
	int err = 0;

	memset(&d->st, 0, sizeof(d->st));
	d->st.start = lo;
	d->st.end = hi;
	d->st.pages = (hi - lo) / d->page;
	d->run_start = d->run_end = 0;
	if ((d->a.seg->flags | d->b.seg->flags) & PROCSNAP_SEG_UNREADABLE) {
		d->st.unreadable = d->st.pages;
	} else {
		for (addr = lo; !err && addr < hi; addr += len) {
			len = hi - addr < DIFF_CHUNK ? hi - addr : DIFF_CHUNK;
			err = diff_chunk(d, addr, (size_t)(len / d->page));
		}
		if (!err)
			err = flush_run(d);
	}
	if (err)
		return err;
	if (total)
		add_stats(total, &d->st);
	return d->ops->segment ?
	       d->ops->segment(d->data, d->a.seg, d->b.seg, &d->st) : 0;
}

static int diff_pages(struct diff_state *d,
		      const struct procsnap_segment *sa, size_t na,
		      const struct procsnap_segment *sb, size_t nb,
		      struct procsnap_diff_stats *total)
{
	size_t i = 0, j = 0;
	uint64_t lo, hi;
	int err = 0;

	while (!err && i < na && j < nb) {
		lo = sa[i].start > sb[j].start ? sa[i].start : sb[j].start;
		hi = sa[i].end < sb[j].end ? sa[i].end : sb[j].end;
		if (lo < hi) {
			d->a.seg = &sa[i];
			d->b.seg = &sb[j];
			err = diff_overlap(d, lo, hi, total);
		}
		if (sa[i].end <= sb[j].end)
			i++;
		else
			j++;
	}
	return err;
}

PROCSNAP_EXPORT
int procsnap_diff(struct procsnap_view *a, struct procsnap_view *b,
		  unsigned int flags, const struct procsnap_diff_ops *ops,
		  void *data, struct procsnap_diff_stats *total)
{
	const struct procsnap_segment *sa, *sb;
	struct diff_state d = { .ops = ops, .data = data, .flags = flags };
	long page = sysconf(_SC_PAGESIZE);
	size_t na, nb;
	int err;

	if (!a || !b || !ops || (flags & ~PROCSNAP_DIFF_NO_FRAMES))
		return ps_fail(EINVAL);
	if (total)
		memset(total, 0, sizeof(*total));
	sa = procsnap_view_segments(a, &na);
	sb = procsnap_view_segments(b, &nb);
	err = diff_mappings(sa, na, sb, nb, ops, data);
	if (err)
		return err < 0 ? ps_fail(-err) : err;

	d.page = page > 0 ? (uint64_t)page : 4096;
	d.chunk_pages = DIFF_CHUNK / d.page;
	d.a.v = a;
	d.b.v = b;
	d.a.data_bit = P_DATA_A;
	d.b.data_bit = P_DATA_B;
	d.a.bad_bit = P_BAD_A;
	d.b.bad_bit = P_BAD_B;
	d.a.pm = malloc(d.chunk_pages * sizeof(uint64_t));
	d.b.pm = malloc(d.chunk_pages * sizeof(uint64_t));
	d.a.buf = malloc(DIFF_CHUNK);
	d.b.buf = malloc(DIFF_CHUNK);
	d.page_state = malloc(d.chunk_pages);
	if (!d.a.pm || !d.b.pm || !d.a.buf || !d.b.buf || !d.page_state)
		err = -ENOMEM;
	else
		err = diff_pages(&d, sa, na, sb, nb, total);
	free(d.a.pm);
	free(d.b.pm);
	free(d.a.buf);
	free(d.b.buf);
	free(d.page_state);
	return err < 0 ? ps_fail(-err) : err;
}
