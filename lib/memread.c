// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reading a process's memory through /proc/PID/mem, guided by
 * /proc/PID/pagemap: never process_vm_readv(), never a syscall per page.
 * Anonymous private mappings are read where pages are present or swapped,
 * in runs coalesced from the pagemap; other readable mappings whole.
 * Memory: one read buffer and one pagemap buffer, whatever the target.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define PM_PRESENT (1ULL << 63)
#define PM_SWAP    (1ULL << 62)

void ps_runs_reset(struct ps_runs *r)
{
	r->n = 0;
	r->gap = 0;
	r->bytes = 0;
}

void ps_runs_free(struct ps_runs *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* Merge runs closer than r->gap, in place. */
static void runs_merge(struct ps_runs *r)
{
	size_t i, out = 0;

	for (i = 1; i < r->n; i++) {
		if (r->v[i].start - r->v[out].end <= r->gap) {
			r->bytes += r->v[i].start - r->v[out].end;
			r->v[out].end = r->v[i].end;
		} else {
			r->v[++out] = r->v[i];
		}
	}
	if (r->n)
		r->n = out + 1;
}

int ps_runs_add(struct ps_runs *r, uint64_t start, uint64_t end,
		uint64_t page_size)
{
	struct ps_run *grown;
	size_t cap;

	if (end <= start)
		return 0;
	if (r->n && start - r->v[r->n - 1].end <= r->gap) {
		/* Adjacent (gap 0) or, once bounded, close enough. */
		r->bytes += end - r->v[r->n - 1].end;
		r->v[r->n - 1].end = end;
		return 0;
	}
	while (r->n == PS_RUNS_MAX) {
		r->gap = r->gap ? r->gap * 2 : page_size;
		runs_merge(r);
		if (start - r->v[r->n - 1].end <= r->gap) {
			r->bytes += end - r->v[r->n - 1].end;
			r->v[r->n - 1].end = end;
			return 0;
		}
	}
	if (r->n == r->cap) {
		cap = r->cap ? r->cap * 2 : 64;
		grown = reallocarray(r->v, cap, sizeof(*r->v));
		if (!grown)
			return ps_fail(ENOMEM);
		r->v = grown;
		r->cap = cap;
	}
	r->v[r->n].start = start;
	r->v[r->n].end = end;
	r->n++;
	r->bytes += end - start;
	return 0;
}

/* Private anonymous memory as the kernel names it in maps. */
static bool is_anonymous(const char *path)
{
	return !path[0] || !strcmp(path, "[heap]") ||
	       !strncmp(path, "[stack", 6) || !strncmp(path, "[anon:", 6);
}

enum ps_map_kind ps_map_kind(const struct ps_map *map, int *err)
{
	static const char *const special[] = {
		"[vvar]", "[vvar_vclock]", "[vsyscall]",
	};
	size_t i;

	*err = 0;
	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		if (!strcmp(map->path, special[i])) {
			/* What reading them through /proc/PID/mem gives. */
			*err = EIO;
			return PS_MAP_UNREADABLE;
		}
	}
	if (map->perms[0] != 'r') {
		*err = EACCES;
		return PS_MAP_UNREADABLE;
	}
	/*
	 * Only anonymous memory can be skipped where the clone has no page:
	 * it reads as zeros there.  The vDSO has no inode either, but fork
	 * does not copy its page-table entries, so its pages are absent from
	 * the clone's pagemap while they hold code.
	 */
	if (map->perms[3] == 'p' && !map->inode && is_anonymous(map->path))
		return PS_MAP_SPARSE;
	return PS_MAP_WHOLE;
}

int ps_mem_open(struct ps_mem *m, pid_t pid, int mem_fd, uint64_t rate)
{
	char path[64];
	long page_size = sysconf(_SC_PAGESIZE);
	int err;

	memset(m, 0, sizeof(*m));
	/* Ours from here, failing or not: ps_mem_close() closes it. */
	m->mem_fd = mem_fd;
	m->pagemap_fd = -1;
	m->page_size = page_size > 0 ? (uint64_t)page_size : 4096;
	ps_throttle_init(&m->throttle, rate, PS_READ_CHUNK);

	m->pagemap = malloc(PS_PAGEMAP_ENTRIES * sizeof(*m->pagemap));
	m->buf = malloc(PS_READ_CHUNK);
	if (!m->pagemap || !m->buf) {
		ps_mem_close(m);
		return ps_fail(ENOMEM);
	}
	if (m->mem_fd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
		m->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (m->mem_fd >= 0) {
		snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
		m->pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (m->mem_fd < 0 || m->pagemap_fd < 0) {
		err = errno;
		ps_mem_close(m);
		return ps_fail(err);
	}
	return 0;
}

void ps_mem_close(struct ps_mem *m)
{
	if (m->mem_fd >= 0)
		close(m->mem_fd);
	if (m->pagemap_fd >= 0)
		close(m->pagemap_fd);
	free(m->pagemap);
	free(m->buf);
	m->pagemap = NULL;
	m->buf = NULL;
	m->mem_fd = m->pagemap_fd = -1;
}

/* Pagemap entries of [start, end), a chunk at a time, into runs. */
static int pagemap_runs(struct ps_mem *m, uint64_t start, uint64_t end,
			struct ps_runs *runs)
{
	uint64_t page = start / m->page_size, last = end / m->page_size;
	uint64_t run_start = 0, addr;
	bool in_run = false;
	size_t want, got, i;
	ssize_t n;
	int err;

	while (page < last) {
		want = last - page < PS_PAGEMAP_ENTRIES ?
		       (size_t)(last - page) : PS_PAGEMAP_ENTRIES;
		n = pread(m->pagemap_fd, m->pagemap, want * sizeof(uint64_t),
			  (off_t)(page * sizeof(uint64_t)));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ps_fail(errno);
		}
		got = (size_t)n / sizeof(uint64_t);
		if (!got)
			return ps_fail(EIO);
		for (i = 0; i < got; i++) {
			addr = (page + i) * m->page_size;
			if (m->pagemap[i] & (PM_PRESENT | PM_SWAP)) {
				if (!in_run) {
					run_start = addr;
					in_run = true;
				}
			} else if (in_run) {
				err = ps_runs_add(runs, run_start, addr,
						  m->page_size);
				if (err)
					return err;
				in_run = false;
			}
		}
		page += got;
	}
	if (in_run)
		return ps_runs_add(runs, run_start, end, m->page_size);
	return 0;
}

int ps_mem_runs(struct ps_mem *m, const struct ps_map *map,
		struct ps_runs *runs)
{
	int why;

	ps_runs_reset(runs);
	switch (ps_map_kind(map, &why)) {
	case PS_MAP_UNREADABLE:
		return 0;
	case PS_MAP_WHOLE:
		return ps_runs_add(runs, map->start, map->end, m->page_size);
	case PS_MAP_SPARSE:
		break;
	}
	return pagemap_runs(m, map->start, map->end, runs);
}

int ps_mem_read(struct ps_mem *m, uint64_t start, uint64_t end,
		ps_chunk_fn fn, void *priv, int *read_err)
{
	uint64_t addr = start;
	unsigned char *buf;
	size_t want;
	ssize_t n;
	int err = 0, read_errno;

	*read_err = 0;
	while (addr < end && !err) {
		want = end - addr < PS_READ_CHUNK ? (size_t)(end - addr) :
		       PS_READ_CHUNK;
		ps_throttle_take(&m->throttle, want);
		/* A lane may still be writing or hashing the last chunk. */
		buf = m->lanes ? ps_lanes_buf_get(m->lanes) : m->buf;
		n = pread(m->mem_fd, buf, want, (off_t)addr);
		read_errno = errno;
		/* A short read stops before the page that fails: go on. */
		if (n > 0)
			err = fn(priv, addr, buf, (size_t)n);
		if (m->lanes)
			ps_lanes_buf_put(m->lanes, buf);
		if (n < 0 && read_errno == EINTR)
			continue;
		if (n <= 0) {
			/* 0: the address space ends here (it cannot). */
			*read_err = n < 0 ? read_errno : EIO;
			return 0;
		}
		addr += (uint64_t)n;
		if (!err && m->progress &&
		    m->progress(m->progress_priv, (uint64_t)n))
			err = ps_fail(ECANCELED);
	}
	return err;
}
