// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Views: one process image, read the same way whether a held snapshot, an
 * evidence directory or a running process holds it.  A snapshot and a
 * process are read as procsnap_collect() reads a snapshot (maps, pagemap,
 * mem); a directory through the files procsnap_collect() wrote: index.txt
 * is the maps, each image's data extents are what was stored, and the
 * manifest (parsed with json-c) says what the maps cannot: which segments
 * were unreadable or recovered, the target's pid, environment and
 * executable.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "internal.h"

struct procsnap_view {
	int kind;		/* PROCSNAP_VIEW_* */
	pid_t pid;		/* whose /proc: 0 for a directory */
	pid_t target;
	int procfd;		/* /proc/PID, or the evidence directory */
	bool have_mem;
	struct ps_mem mem;	/* a snapshot's or a process's memory */
	struct ps_runs runs;	/* scratch for ps_mem_runs() */
	char *maps_text;	/* the paths point into it */
	struct ps_map *maps;
	struct procsnap_segment *segs;
	size_t nr_segs;
	/* A directory's: */
	json_object *manifest;
	const char **files;	/* each segment's image, NULL if none */
	int img_fd;		/* the image last read, of segment img_index */
	size_t img_index;
	uint64_t page_size;
};

static struct procsnap_view *view_new(int kind)
{
	struct procsnap_view *v = calloc(1, sizeof(*v));
	long page;

	if (!v)
		return NULL;
	v->kind = kind;
	v->procfd = -1;
	v->img_fd = -1;
	v->mem.mem_fd = -1;
	v->mem.pagemap_fd = -1;
	page = sysconf(_SC_PAGESIZE);
	v->page_size = page > 0 ? (uint64_t)page : 4096;
	return v;
}

PROCSNAP_EXPORT
void procsnap_view_close(struct procsnap_view *v)
{
	int saved = errno;

	if (!v)
		return;
	if (v->have_mem)
		ps_mem_close(&v->mem);
	ps_runs_free(&v->runs);
	if (v->procfd >= 0)
		close(v->procfd);
	if (v->img_fd >= 0)
		close(v->img_fd);
	if (v->manifest)
		json_object_put(v->manifest);
	free(v->files);
	free(v->segs);
	free(v->maps);
	free(v->maps_text);
	free(v);
	errno = saved;
}

/* The segments as the library's users see them, from v->maps. */
static int make_segments(struct procsnap_view *v, size_t nr_maps)
{
	const struct ps_map *m;
	struct procsnap_segment *s;
	size_t i;
	int why;

	v->segs = calloc(nr_maps ? nr_maps : 1, sizeof(*v->segs));
	if (!v->segs)
		return ps_fail(ENOMEM);
	v->nr_segs = nr_maps;
	for (i = 0; i < nr_maps; i++) {
		m = &v->maps[i];
		s = &v->segs[i];
		s->start = m->start;
		s->end = m->end;
		s->offset = m->offset;
		s->inode = m->inode;
		s->dev_major = m->dev_major;
		s->dev_minor = m->dev_minor;
		memcpy(s->perms, m->perms, sizeof(s->perms));
		s->path = m->path;
		switch (ps_map_kind(m, &why)) {
		case PS_MAP_UNREADABLE:
			s->flags |= PROCSNAP_SEG_UNREADABLE;
			break;
		case PS_MAP_SPARSE:
			s->flags |= PROCSNAP_SEG_SPARSE;
			break;
		case PS_MAP_WHOLE:
			break;
		}
		if (m->frozen)
			s->flags |= PROCSNAP_SEG_FROZEN_COPY;
		else if (m->perms[3] == 's')
			s->flags |= PROCSNAP_SEG_LIVE;
		if (m->recovered & PS_RECOVERED_DONTFORK)
			s->flags |= PROCSNAP_SEG_DONTFORK;
		if (m->recovered & PS_RECOVERED_WIPEONFORK)
			s->flags |= PROCSNAP_SEG_WIPEONFORK;
	}
	return 0;
}

/* /proc/PID's maps (and, if asked, smaps's fork flags) and memory. */
static int open_proc(struct procsnap_view *v, int mem_fd, bool recovered,
		     struct procsnap_ctx *frozen_ctx)
{
	char path[64], *smaps;
	size_t len, nr_maps;
	int err;

	snprintf(path, sizeof(path), "/proc/%d", (int)v->pid);
	v->procfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (v->procfd < 0) {
		err = errno == ENOENT ? ESRCH : errno;
		if (mem_fd >= 0)
			close(mem_fd);
		return ps_fail(err);
	}
	/* ps_mem_open() owns mem_fd from here, failing or not. */
	err = ps_mem_open(&v->mem, v->pid, mem_fd, 0);
	if (err)
		return err;
	v->have_mem = true;
	err = ps_read_at(v->procfd, "maps", &v->maps_text, &len);
	if (!err)
		err = ps_parse_maps(v->maps_text, &v->maps, &nr_maps);
	if (!err && recovered) {
		err = ps_read_at(v->procfd, "smaps", &smaps, &len);
		if (!err) {
			err = ps_smaps_recovered(smaps, v->maps, nr_maps);
			free(smaps);
		}
	}
	/* As procsnap_collect(): only the module's file reads the copies. */
	if (!err && frozen_ctx) {
		err = mem_fd < 0 ? ps_fail(ENOTTY) :
		      ps_maps_frozen(frozen_ctx, v->pid, v->maps, nr_maps);
	}
	if (!err)
		err = make_segments(v, nr_maps);
	return err;
}

PROCSNAP_EXPORT
int procsnap_view_snapshot(struct procsnap_ctx *ctx, pid_t clone_pid,
			   struct procsnap_view **vp)
{
	struct procsnap_snapshot_info *list = NULL;
	struct procsnap_view *v;
	bool recovered = false, frozen;
	int mem_fd = -1, err;
	size_t n, i;

	if (!vp)
		return ps_fail(EINVAL);
	*vp = NULL;
	if (!ctx || clone_pid <= 0)
		return ps_fail(EINVAL);
	err = procsnap_list(ctx, &list, &n);
	if (err)
		return err;
	for (i = 0; i < n && list[i].clone_pid != clone_pid; i++)
		;
	if (i == n) {
		free(list);
		return ps_fail(ENOENT);
	}
	v = view_new(PROCSNAP_VIEW_SNAPSHOT);
	if (!v) {
		free(list);
		return ps_fail(ENOMEM);
	}
	v->pid = clone_pid;
	v->target = list[i].target_pid;
	recovered = list[i].nr_recovered > 0;
	frozen = list[i].flags & PROCSNAP_SNAPSHOT_FROZEN;
	free(list);
	/* As procsnap_collect(): Yama may keep us out of /proc/CLONE/mem. */
	if (procsnap_mem_open(ctx, clone_pid, &mem_fd) && errno != ENOTTY &&
	    errno != EINVAL) {
		err = -errno;
		goto fail;
	}
	err = open_proc(v, mem_fd, recovered, frozen ? ctx : NULL);
	if (err)
		goto fail;
	*vp = v;
	return 0;
fail:
	procsnap_view_close(v);
	return ps_fail(-err);
}

PROCSNAP_EXPORT
int procsnap_view_process(pid_t pid, struct procsnap_view **vp)
{
	struct procsnap_view *v;
	int err;

	if (!vp)
		return ps_fail(EINVAL);
	*vp = NULL;
	if (pid <= 0)
		return ps_fail(EINVAL);
	v = view_new(PROCSNAP_VIEW_PROCESS);
	if (!v)
		return ps_fail(ENOMEM);
	v->pid = pid;
	v->target = pid;
	err = open_proc(v, -1, false, NULL);
	if (err) {
		procsnap_view_close(v);
		return ps_fail(-err);
	}
	*vp = v;
	return 0;
}

static json_object *member(json_object *obj, const char *key,
			   json_type type)
{
	json_object *val;

	if (!obj || !json_object_object_get_ex(obj, key, &val) ||
	    !json_object_is_type(val, type))
		return NULL;
	return val;
}

/* The manifest's word on each segment, which must match index.txt's. */
static int dir_segments(struct procsnap_view *v)
{
	json_object *arr, *seg, *val;
	const char *status;
	uint64_t start, end;
	size_t i;

	arr = member(v->manifest, "segments", json_type_array);
	if (!arr || json_object_array_length(arr) != v->nr_segs)
		return ps_fail(EINVAL);
	v->files = calloc(v->nr_segs ? v->nr_segs : 1, sizeof(*v->files));
	if (!v->files)
		return ps_fail(ENOMEM);
	for (i = 0; i < v->nr_segs; i++) {
		seg = json_object_array_get_idx(arr, i);
		val = member(seg, "start", json_type_string);
		if (!val || sscanf(json_object_get_string(val), "%" SCNx64,
				   &start) != 1 || start != v->segs[i].start)
			return ps_fail(EINVAL);
		val = member(seg, "end", json_type_string);
		if (!val || sscanf(json_object_get_string(val), "%" SCNx64,
				   &end) != 1 || end != v->segs[i].end)
			return ps_fail(EINVAL);
		val = member(seg, "file", json_type_string);
		v->files[i] = val ? json_object_get_string(val) : NULL;
		/* Not a name to follow out of the directory. */
		if (v->files[i] && (strncmp(v->files[i], "segments/", 9) ||
				    strstr(v->files[i], "..")))
			return ps_fail(EINVAL);
		val = member(seg, "status", json_type_string);
		status = val ? json_object_get_string(val) : "";
		if (!strcmp(status, "unreadable") || !v->files[i])
			v->segs[i].flags |= PROCSNAP_SEG_UNREADABLE;
		if (!strcmp(status, "frozen-copy")) {
			v->segs[i].flags &= ~PROCSNAP_SEG_LIVE;
			v->segs[i].flags |= PROCSNAP_SEG_FROZEN_COPY;
		}
		val = member(seg, "recovered", json_type_array);
		for (size_t k = 0; val && k < json_object_array_length(val);
		     k++) {
			const char *r = json_object_get_string(
				json_object_array_get_idx(val, k));

			if (r && !strcmp(r, "dontfork"))
				v->segs[i].flags |= PROCSNAP_SEG_DONTFORK;
			else if (r && !strcmp(r, "wipeonfork"))
				v->segs[i].flags |= PROCSNAP_SEG_WIPEONFORK;
		}
	}
	return 0;
}

PROCSNAP_EXPORT
int procsnap_view_dir(const char *dir, struct procsnap_view **vp)
{
	struct procsnap_view *v;
	json_object *target, *val;
	size_t len, nr_maps;
	char *text = NULL;
	int err;

	if (!vp)
		return ps_fail(EINVAL);
	*vp = NULL;
	if (!dir)
		return ps_fail(EINVAL);
	v = view_new(PROCSNAP_VIEW_DIR);
	if (!v)
		return ps_fail(ENOMEM);
	v->procfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (v->procfd < 0) {
		err = -errno;
		goto fail;
	}
	/* Written last: without it the collection did not complete. */
	err = ps_read_at(v->procfd, "manifest.json", &text, &len);
	if (err)
		goto fail;
	v->manifest = json_tokener_parse(text);
	free(text);
	val = member(v->manifest, "format", json_type_string);
	if (!val || strcmp(json_object_get_string(val), "procsnap-evidence")) {
		err = -EINVAL;
		goto fail;
	}
	target = member(v->manifest, "target", json_type_object);
	val = member(target, "pid", json_type_int);
	v->target = val ? (pid_t)json_object_get_int64(val) : 0;

	err = ps_read_at(v->procfd, "index.txt", &v->maps_text, &len);
	if (!err)
		err = ps_parse_maps(v->maps_text, &v->maps, &nr_maps);
	if (!err)
		err = make_segments(v, nr_maps);
	if (!err)
		err = dir_segments(v);
	if (err)
		goto fail;
	*vp = v;
	return 0;
fail:
	procsnap_view_close(v);
	return ps_fail(-err);
}

PROCSNAP_EXPORT
int procsnap_view_kind(const struct procsnap_view *v)
{
	return v ? v->kind : ps_fail(EINVAL);
}

PROCSNAP_EXPORT
pid_t procsnap_view_pid(const struct procsnap_view *v)
{
	return v ? v->pid : 0;
}

PROCSNAP_EXPORT
pid_t procsnap_view_target(const struct procsnap_view *v)
{
	return v ? v->target : 0;
}

PROCSNAP_EXPORT
const struct procsnap_segment *procsnap_view_segments(
	const struct procsnap_view *v, size_t *n)
{
	if (n)
		*n = v ? v->nr_segs : 0;
	return v ? v->segs : NULL;
}

/* The image of segment @i, opened once for the reads that follow. */
static int image_fd(struct procsnap_view *v, size_t i)
{
	if (v->img_fd >= 0 && v->img_index == i)
		return v->img_fd;
	if (v->img_fd >= 0)
		close(v->img_fd);
	v->img_fd = openat(v->procfd, v->files[i], O_RDONLY | O_CLOEXEC);
	if (v->img_fd < 0)
		return ps_fail(errno);
	v->img_index = i;
	return v->img_fd;
}

static int image_extents(struct procsnap_view *v, size_t i,
			 procsnap_extent_fn fn, void *data)
{
	const struct procsnap_segment *s = &v->segs[i];
	off_t size = (off_t)(s->end - s->start), data_at, hole_at = 0;
	int fd = image_fd(v, i), err;

	if (fd < 0)
		return fd;
	for (;;) {
		data_at = lseek(fd, hole_at, SEEK_DATA);
		if (data_at < 0 || data_at >= size)
			return data_at < 0 && errno != ENXIO ? ps_fail(errno) : 0;
		hole_at = lseek(fd, data_at, SEEK_HOLE);
		if (hole_at < 0)
			return ps_fail(errno);
		if (hole_at > size)
			hole_at = size;
		err = fn(data, s->start + (uint64_t)data_at,
			 s->start + (uint64_t)hole_at);
		if (err)
			return err;
	}
}

PROCSNAP_EXPORT
int procsnap_view_extents(struct procsnap_view *v, size_t index,
			  procsnap_extent_fn fn, void *data)
{
	size_t i;
	int err;

	if (!v || !fn || index >= v->nr_segs)
		return ps_fail(EINVAL);
	if (v->segs[index].flags & PROCSNAP_SEG_UNREADABLE)
		return 0;
	if (v->kind == PROCSNAP_VIEW_DIR)
		return image_extents(v, index, fn, data);
	err = ps_mem_runs(&v->mem, &v->maps[index], &v->runs);
	for (i = 0; !err && i < v->runs.n; i++)
		err = fn(data, v->runs.v[i].start, v->runs.v[i].end);
	return err;
}

/* The segment holding [addr, addr + len), or -1. */
static ssize_t find_segment(const struct procsnap_view *v, uint64_t addr,
			    size_t len)
{
	size_t lo = 0, hi = v->nr_segs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (addr >= v->segs[mid].end)
			lo = mid + 1;
		else if (addr < v->segs[mid].start)
			hi = mid;
		else
			return len <= v->segs[mid].end - addr ?
			       (ssize_t)mid : -1;
	}
	return -1;
}

PROCSNAP_EXPORT
ssize_t procsnap_view_read(struct procsnap_view *v, uint64_t addr, void *buf,
			   size_t len)
{
	ssize_t i, n;
	size_t done = 0;
	int fd;

	if (!v || (!buf && len))
		return ps_fail(EINVAL);
	i = find_segment(v, addr, len);
	if (i < 0)
		return ps_fail(EFAULT);
	if (v->segs[i].flags & PROCSNAP_SEG_UNREADABLE)
		return ps_fail(EIO);
	if (v->kind == PROCSNAP_VIEW_DIR) {
		fd = image_fd(v, (size_t)i);
		if (fd < 0)
			return fd;
		addr -= v->segs[i].start;
	} else {
		fd = v->mem.mem_fd;
	}
	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done,
			  (off_t)(addr + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && !done)
			return ps_fail(errno);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/* A JSON array of strings as a NUL-separated block. */
static int join_strings(json_object *arr, char **bufp, size_t *lenp)
{
	size_t i, n = json_object_array_length(arr), len = 0, l;
	const char *s;
	char *buf;

	for (i = 0; i < n; i++) {
		s = json_object_get_string(json_object_array_get_idx(arr, i));
		len += (s ? strlen(s) : 0) + 1;
	}
	buf = malloc(len ? len : 1);
	if (!buf)
		return ps_fail(ENOMEM);
	len = 0;
	for (i = 0; i < n; i++) {
		s = json_object_get_string(json_object_array_get_idx(arr, i));
		l = s ? strlen(s) : 0;
		memcpy(buf + len, s ? s : "", l + 1);
		len += l + 1;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

PROCSNAP_EXPORT
int procsnap_view_environ(struct procsnap_view *v, char **bufp, size_t *lenp)
{
	json_object *arr;

	if (!v || !bufp || !lenp)
		return ps_fail(EINVAL);
	*bufp = NULL;
	*lenp = 0;
	if (v->kind != PROCSNAP_VIEW_DIR)
		return ps_read_at(v->procfd, "environ", bufp, lenp);
	arr = member(member(v->manifest, "target", json_type_object),
		     "environ", json_type_array);
	if (!arr)
		return ps_fail(ENODATA);
	return join_strings(arr, bufp, lenp);
}

PROCSNAP_EXPORT
int procsnap_view_exe(struct procsnap_view *v, char **pathp)
{
	json_object *exe;

	if (!v || !pathp)
		return ps_fail(EINVAL);
	*pathp = NULL;
	if (v->kind != PROCSNAP_VIEW_DIR)
		return ps_readlink_at(v->procfd, "exe", pathp);
	exe = member(member(v->manifest, "target", json_type_object), "exe",
		     json_type_string);
	if (!exe)
		return ps_fail(ENODATA);
	*pathp = strdup(json_object_get_string(exe));
	return *pathp ? 0 : ps_fail(ENOMEM);
}

/* A directory's pagemap: present where the image holds data, no frame. */
static int image_pagemap(struct procsnap_view *v, size_t i, uint64_t addr,
			 size_t n, uint64_t *entries)
{
	uint64_t page = v->page_size, seg = v->segs[i].start;
	off_t from = (off_t)(addr - seg), to = from + (off_t)(n * page);
	off_t data_at, hole_at = from;
	int fd = image_fd(v, i);
	size_t k;

	if (fd < 0)
		return fd;
	memset(entries, 0, n * sizeof(*entries));
	for (;;) {
		data_at = lseek(fd, hole_at, SEEK_DATA);
		if (data_at < 0 || data_at >= to)
			return data_at < 0 && errno != ENXIO ? ps_fail(errno) : 0;
		hole_at = lseek(fd, data_at, SEEK_HOLE);
		if (hole_at < 0)
			return ps_fail(errno);
		if (hole_at > to)
			hole_at = to;
		/* A page the extent touches at all holds data. */
		for (k = (size_t)(data_at - from) / page;
		     k < ((size_t)(hole_at - from) + page - 1) / page; k++)
			entries[k] = PROCSNAP_PM_PRESENT;
	}
}

PROCSNAP_EXPORT
int procsnap_view_pagemap(struct procsnap_view *v, uint64_t addr, size_t n,
			  uint64_t *entries)
{
	size_t got = 0;
	uint64_t page;
	ssize_t i, r;

	if (!v || (!entries && n))
		return ps_fail(EINVAL);
	page = v->page_size;
	if (addr % page || n > (UINT64_MAX - addr) / page)
		return ps_fail(EINVAL);
	i = find_segment(v, addr, n * page);
	if (i < 0)
		return ps_fail(EFAULT);
	if (v->kind == PROCSNAP_VIEW_DIR) {
		if (v->segs[i].flags & PROCSNAP_SEG_UNREADABLE) {
			memset(entries, 0, n * sizeof(*entries));
			return 0;
		}
		return image_pagemap(v, (size_t)i, addr, n, entries);
	}
	while (got < n) {
		r = pread(v->mem.pagemap_fd, entries + got,
			  (n - got) * sizeof(*entries),
			  (off_t)((addr / page + got) * sizeof(*entries)));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return ps_fail(errno);
		if (r < (ssize_t)sizeof(*entries))
			return ps_fail(EIO);
		got += (size_t)r / sizeof(*entries);
	}
	return 0;
}
