// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * procsnap_collect(): the snapshot's metadata from the module, its memory
 * and attributes from /proc/CLONE, written as doc/evidence-format.md says.
 *
 * Order: everything that can say "no such snapshot" or "not allowed" comes
 * before the output is created; then index.txt, the segment images, the
 * core, and manifest.json last.  A directory gets images and core in one
 * pass over the memory (two files open at once); a tar stream holds one
 * entry at a time, so with both formats the memory is read twice.  With
 * more than one CPU the writing and hashing run on lanes (lanes.c): the
 * images on one, the core on another, beside the thread that reads.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static const char *const ns_names[PS_NR_NS] = {
	"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
	"time_for_children", "user", "uts",
};

struct collector {
	struct procsnap_ctx *ctx;
	pid_t clone;
	struct procsnap_collect_opts o;
	bool paper, core, hash;
	int procfd;

	struct ps_evidence ev;
	struct procsnap_snapshot_info *list;
	struct procsnap_thread_info *threads;
	size_t nr_threads;
	struct procsnap_file_info *files;
	size_t nr_files;
	struct ps_core_thread *core_threads;
	void **xstate;

	char *maps_text;	/* index.txt, byte for byte */
	size_t maps_len;
	char *maps_parsed;	/* a copy the maps point into */
	struct ps_map *maps;
	size_t nr_maps;
	struct ps_segment *segs;
	char *auxv, *cmdline, *exe, *cgroup, *environ;
	char label[PROCSNAP_LABEL_LEN + 1];	/* the target's LSM label */
	struct ps_sockets sockets;
	size_t auxv_len, cmdline_len, environ_len;

	struct ps_mem mem;
	struct ps_runs runs;
	struct ps_sink *sink;
	struct ps_lanes *lanes;		/* NULL: all on this thread */
	unsigned int core_lane;

	void *core_head;
	size_t core_head_len;
	struct ps_core_load *loads;
	uint64_t core_size;

	struct procsnap_progress prog;
};

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- progress ---- */

static int report(struct collector *c)
{
	if (c->o.progress && c->o.progress(&c->prog, c->o.progress_data))
		return ps_fail(ECANCELED);
	return 0;
}

static int mem_progress(void *priv, uint64_t bytes)
{
	struct collector *c = priv;

	c->prog.bytes_done += bytes;
	return report(c) ? 1 : 0;
}

/* ---- metadata from the module ---- */

static int find_snapshot(struct collector *c)
{
	size_t n, i;
	int err;

	err = procsnap_list(c->ctx, &c->list, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		if (c->list[i].clone_pid == c->clone) {
			c->ev.snap = c->list[i];
			return 0;
		}
	}
	return ps_fail(ENOENT);
}

static int module_metadata(struct collector *c)
{
	size_t i, got;
	int err;

	c->ev.have_module = !procsnap_get_version(c->ctx, &c->ev.module);
	err = find_snapshot(c);
	if (err)
		return err;
	err = procsnap_threads(c->ctx, c->clone, &c->threads, &c->nr_threads);
	if (err)
		return err;
	err = procsnap_files(c->ctx, c->clone, &c->files, &c->nr_files);
	if (err && err != -ENOTTY)
		return err;
	c->ev.have_files = !err;

	c->xstate = calloc(c->nr_threads ? c->nr_threads : 1,
			   sizeof(*c->xstate));
	c->core_threads = calloc(c->nr_threads ? c->nr_threads : 1,
				 sizeof(*c->core_threads));
	if (!c->xstate || !c->core_threads)
		return ps_fail(ENOMEM);
	for (i = 0; i < c->nr_threads; i++) {
		struct procsnap_thread_info *t = &c->threads[i];

		if (!t->xstate_size || t->tid <= 0)
			continue;
		c->xstate[i] = malloc(t->xstate_size);
		if (!c->xstate[i])
			return ps_fail(ENOMEM);
		err = procsnap_xstate(c->ctx, c->clone, t->tid, c->xstate[i],
				      t->xstate_size, &got);
		if (err == -ENODATA || err == -ENOTTY) {
			free(c->xstate[i]);
			c->xstate[i] = NULL;
			continue;
		}
		if (err)
			return err;
		if (got < t->xstate_size)
			t->xstate_size = (__u32)got;
	}
	return 0;
}

/* ---- attributes from /proc/CLONE ---- */

/*
 * The target's ids and capabilities at the instant, which the module
 * recorded.  Not the clone's status: the clone runs with the requester's
 * credentials.  From a module that did not record them: unknown (null).
 */
static void read_ids(struct collector *c)
{
	const struct procsnap_snapshot_info *s = &c->ev.snap;
	int i;

	if (!c->ev.have_module ||
	    !(c->ev.module.features & PROCSNAP_FEAT_TARGET_CREDS))
		return;
	for (i = 0; i < 4; i++) {
		c->ev.uid[i] = s->target_uid[i];
		c->ev.gid[i] = s->target_gid[i];
	}
	c->ev.have_ids = true;
	for (i = 0; i < 5; i++)
		snprintf(c->ev.caps[i], sizeof(c->ev.caps[i]), "%016" PRIx64,
			 (uint64_t)s->target_cap[i]);
	/* /proc/CLONE/attr/current is the requester's: never read it. */
	if (c->ev.module.features & PROCSNAP_FEAT_TARGET_LABEL) {
		memcpy(c->label, s->target_label, PROCSNAP_LABEL_LEN);
		c->label[PROCSNAP_LABEL_LEN] = '\0';
		c->ev.lsm_label = c->label;
		c->ev.lsm_label_truncated =
			s->flags & PROCSNAP_SNAPSHOT_LABEL_TRUNCATED;
	}
}

/* Only when a recorded descriptor is a socket: the tables can be long. */
static void read_sockets(struct collector *c)
{
	size_t i;

	for (i = 0; i < c->nr_files; i++) {
		if (S_ISSOCK(c->files[i].mode)) {
			if (!ps_sockets_read(c->procfd, &c->sockets))
				c->ev.sockets = &c->sockets;
			return;
		}
	}
}

static void read_namespaces(struct collector *c)
{
	char name[64], *link, *p;
	int i;

	for (i = 0; i < PS_NR_NS; i++) {
		c->ev.ns[i].name = ns_names[i];
		snprintf(name, sizeof(name), "ns/%s", ns_names[i]);
		if (ps_readlink_at(c->procfd, name, &link))
			continue;
		/* "mnt:[4026531841]" */
		p = strchr(link, '[');
		if (p) {
			c->ev.ns[i].ino = strtoull(p + 1, NULL, 10);
			c->ev.ns[i].have = true;
		}
		free(link);
	}
}

static void read_host(struct collector *c)
{
	char *boot_id;
	size_t len;

	c->ev.have_host = !uname(&c->ev.host);
	if (!ps_read_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id", &boot_id,
			&len)) {
		boot_id[strcspn(boot_id, "\n")] = '\0';
		snprintf(c->ev.boot_id, sizeof(c->ev.boot_id), "%s", boot_id);
		free(boot_id);
	}
}

static void strip_newline(char *s)
{
	size_t len = s ? strlen(s) : 0;

	while (len && s[len - 1] == '\n')
		s[--len] = '\0';
}

static int proc_metadata(struct collector *c)
{
	char path[64], *limits;
	int mem_fd = -1;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "/proc/%d", (int)c->clone);
	c->procfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->procfd < 0)
		return ps_fail(errno == ENOENT ? ESRCH : errno);

	/* The maps and the memory are what must be readable. */
	err = ps_read_at(c->procfd, "maps", &c->maps_text, &c->maps_len);
	if (err)
		return err;
	c->maps_parsed = strdup(c->maps_text);
	if (!c->maps_parsed)
		return ps_fail(ENOMEM);
	err = ps_parse_maps(c->maps_parsed, &c->maps, &c->nr_maps);
	if (err)
		return err;
	/*
	 * Mappings a fork would have left out or wiped keep their flag in
	 * the snapshot.  smaps walks every page table: read only when the
	 * module counted some.
	 */
	if (c->ev.snap.nr_recovered) {
		char *smaps;

		err = ps_read_at(c->procfd, "smaps", &smaps, &len);
		if (err)
			return err;
		err = ps_smaps_recovered(smaps, c->maps, c->nr_maps);
		free(smaps);
		if (err)
			return err;
	}
	/* Only the module's file reads the copies: see below. */
	if (c->ev.snap.flags & PROCSNAP_SNAPSHOT_FROZEN) {
		err = ps_maps_frozen(c->ctx, c->clone, c->maps, c->nr_maps);
		if (err)
			return err;
	}
	c->segs = calloc(c->nr_maps ? c->nr_maps : 1, sizeof(*c->segs));
	if (!c->segs)
		return ps_fail(ENOMEM);
	/*
	 * The module's file first: Yama keeps a requester that is not root
	 * out of /proc/CLONE/mem.  An older module has none (ENOTTY).
	 */
	if (procsnap_mem_open(c->ctx, c->clone, &mem_fd) &&
	    errno != ENOTTY && errno != EINVAL)
		return -errno;
	/* /proc/CLONE/mem would read a frozen mapping live. */
	if (mem_fd < 0 && c->ev.snap.flags & PROCSNAP_SNAPSHOT_FROZEN)
		return ps_fail(ENOTTY);
	err = ps_mem_open(&c->mem, c->clone, mem_fd, c->o.rate);
	if (err)
		return err;
	c->mem.progress = mem_progress;
	c->mem.progress_priv = c;

	/* The rest is described as unknown (null) when it cannot be read. */
	ps_read_at(c->procfd, "auxv", &c->auxv, &c->auxv_len);
	if (!ps_read_at(c->procfd, "cmdline", &c->cmdline, &c->cmdline_len)) {
		/* The last argument's NUL ends it, it starts no other. */
		if (c->cmdline_len && !c->cmdline[c->cmdline_len - 1])
			c->cmdline_len--;
	}
	ps_readlink_at(c->procfd, "exe", &c->exe);
	if (!ps_read_at(c->procfd, "cgroup", &c->cgroup, &len))
		strip_newline(c->cgroup);
	/*
	 * Both are the instant's: the environment is read from the clone's
	 * memory, and a fork copies the limits.
	 */
	if (!ps_read_at(c->procfd, "environ", &c->environ, &c->environ_len) &&
	    c->environ_len && !c->environ[c->environ_len - 1])
		c->environ_len--;
	if (!ps_read_at(c->procfd, "limits", &limits, &len)) {
		c->ev.have_limits = !ps_parse_limits(limits, c->ev.limits);
		free(limits);
	}
	read_ids(c);
	read_namespaces(c);
	read_sockets(c);
	read_host(c);
	return 0;
}

/* SHA-256 of /proc/CLONE/exe, throttled like the memory. */
static void hash_exe(struct collector *c)
{
	struct ps_sha *sha;
	ssize_t n;
	int fd;

	if (!c->hash || !c->exe)
		return;
	fd = openat(c->procfd, "exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (ps_sha_new(&sha)) {
		close(fd);
		return;
	}
	for (;;) {
		ps_throttle_take(&c->mem.throttle, PS_READ_CHUNK);
		n = read(fd, c->mem.buf, PS_READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (ps_sha_update(sha, c->mem.buf, (size_t)n)) {
			n = -1;
			break;
		}
	}
	if (n == 0 && !ps_sha_final(sha, c->ev.exe_sha))
		c->ev.have_exe_sha = true;
	ps_sha_free(sha);
	close(fd);
}

/* ---- the core's layout ---- */

/* The target's parent, process group and session: the clone has its own. */
static void target_ids(pid_t pid, struct ps_core_input *in)
{
	char path[64], *stat, *p;
	size_t len;
	int ppid, pgrp, sid;

	if (pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (ps_read_at(AT_FDCWD, path, &stat, &len))
		return;
	p = strrchr(stat, ')');
	if (p && sscanf(p + 1, " %*c %d %d %d", &ppid, &pgrp, &sid) == 3) {
		in->ppid = ppid;
		in->pgrp = pgrp;
		in->sid = sid;
	}
	free(stat);
}

static int build_core(struct collector *c)
{
	char comm[PROCSNAP_COMM_LEN + 1], *psargs = NULL;
	struct ps_core_input in;
	uint64_t end;
	size_t i, n = 0;
	int err;

	memset(&in, 0, sizeof(in));
	in.pid = c->ev.snap.target_pid;
	target_ids(in.pid, &in);
	in.uid = (uid_t)c->ev.uid[0];
	in.gid = (gid_t)c->ev.gid[0];
	memcpy(comm, c->ev.snap.target_comm, PROCSNAP_COMM_LEN);
	comm[PROCSNAP_COMM_LEN] = '\0';
	in.comm = comm;
	if (c->cmdline) {
		psargs = malloc(c->cmdline_len + 1);
		if (!psargs)
			return ps_fail(ENOMEM);
		for (i = 0; i < c->cmdline_len; i++)
			psargs[i] = c->cmdline[i] ? c->cmdline[i] : ' ';
		psargs[c->cmdline_len] = '\0';
	}
	in.psargs = psargs ? psargs : "";
	in.maps = c->maps;
	in.nr_maps = c->nr_maps;

	/* The thread that ran the duplication first: gdb's current one. */
	for (i = 0; i < c->nr_threads; i++)
		if (c->threads[i].flags & PROCSNAP_THREAD_DUPLICATED)
			c->core_threads[n++] = (struct ps_core_thread){
				&c->threads[i], c->xstate[i],
				c->xstate[i] ? c->threads[i].xstate_size : 0 };
	for (i = 0; i < c->nr_threads; i++)
		if (!(c->threads[i].flags & PROCSNAP_THREAD_DUPLICATED))
			c->core_threads[n++] = (struct ps_core_thread){
				&c->threads[i], c->xstate[i],
				c->xstate[i] ? c->threads[i].xstate_size : 0 };
	in.threads = c->core_threads;
	in.nr_threads = n;
	in.auxv = c->auxv;
	in.auxv_size = c->auxv ? c->auxv_len : 0;
	in.page_size = (long)c->mem.page_size;

	err = ps_core_build(&in, &c->core_head, &c->core_head_len, &c->loads,
			    &c->core_size);
	free(psargs);
	if (err)
		return err;

	/* Written sequentially: the layout must only go forward. */
	end = c->core_head_len;
	for (i = 0; i < c->nr_maps; i++) {
		const struct ps_core_load *l = &c->loads[i];

		if (l->map_index != i ||
		    l->filesz > c->maps[i].end - c->maps[i].start)
			return ps_fail(EPROTO);
		if (!l->filesz)
			continue;
		if (l->offset < end || l->offset > c->core_size ||
		    l->filesz > c->core_size - l->offset)
			return ps_fail(EPROTO);
		end = l->offset + l->filesz;
	}
	if (end > c->core_size)
		return ps_fail(EPROTO);
	return 0;
}

/* ---- reading the memory into the images and the core ---- */

struct chunk_dst {
	struct collector *c;
	size_t index;
	bool record;		/* this pass says what became of the map */
	struct ps_file *seg;
	struct ps_file *core;
};

static int write_chunk(void *priv, uint64_t addr, const void *buf,
		       size_t len)
{
	struct chunk_dst *d = priv;
	const struct ps_map *m = &d->c->maps[d->index];
	const struct ps_core_load *l;
	uint64_t off = addr - m->start;
	size_t n;
	int err;

	if (d->seg) {
		err = ps_file_write(d->seg, off, buf, len);
		if (err)
			return err;
	}
	if (d->core) {
		l = &d->c->loads[d->index];
		if (off < l->filesz) {
			n = l->filesz - off < len ? (size_t)(l->filesz - off) :
			    len;
			err = ps_file_write(d->core, l->offset + off, buf, n);
			if (err)
				return err;
		}
	}
	if (d->record)
		d->c->segs[d->index].bytes_written += len;
	return 0;
}

/* The core's data extents, for a stream: the head, then the loads. */
static int core_extents(struct collector *c, struct ps_file *f)
{
	const struct ps_core_load *l;
	uint64_t s, e, head;
	size_t i, r;
	int err;

	/*
	 * GNU tar (1.34) misplaces the data after a region whose length is
	 * not a multiple of its 512-byte block: declare the head up to the
	 * next page (zeros there), short of the first load.
	 */
	head = (c->core_head_len + c->mem.page_size - 1) &
	       ~(c->mem.page_size - 1);
	if (head > c->core_size)
		head = c->core_size;
	for (i = 0; i < c->nr_maps; i++)
		if (c->loads[i].filesz && c->loads[i].offset < head)
			head = c->loads[i].offset;
	if (head < c->core_head_len)
		head = c->core_head_len;
	err = ps_file_add_extent(f, 0, head);
	for (i = 0; !err && i < c->nr_maps; i++) {
		l = &c->loads[i];
		if (!l->filesz)
			continue;
		err = ps_mem_runs(&c->mem, &c->maps[i], &c->runs);
		for (r = 0; !err && r < c->runs.n; r++) {
			s = c->runs.v[r].start - c->maps[i].start;
			e = c->runs.v[r].end - c->maps[i].start;
			if (s >= l->filesz)
				break;
			if (e > l->filesz)
				e = l->filesz;
			err = ps_file_add_extent(f, l->offset + s, e - s);
		}
	}
	return err;
}

static void mark_unreadable(struct ps_segment *seg, int err)
{
	seg->unreadable = true;
	seg->error = err;
}

static int read_map(struct collector *c, struct chunk_dst *d)
{
	const struct ps_map *m = &c->maps[d->index];
	struct ps_segment *seg = &c->segs[d->index];
	int why, read_err = 0, err = 0;
	size_t r;

	if (ps_map_kind(m, &why) == PS_MAP_UNREADABLE) {
		if (d->record)
			mark_unreadable(seg, why);
	}
	err = ps_mem_runs(&c->mem, m, &c->runs);
	if (err)
		return err;
	if (d->seg) {
		for (r = 0; !err && r < c->runs.n; r++)
			err = ps_file_add_extent(d->seg,
						 c->runs.v[r].start - m->start,
						 c->runs.v[r].end -
						 c->runs.v[r].start);
		if (err)
			return err;
	}
	for (r = 0; r < c->runs.n && !read_err; r++) {
		err = ps_mem_read(&c->mem, c->runs.v[r].start,
				  c->runs.v[r].end, write_chunk, d, &read_err);
		if (err)
			return err;
	}
	if (read_err && d->record) {
		mark_unreadable(seg, read_err);
		/* The image is left all hole, as if never read. */
		if (d->seg && !ps_file_discard(d->seg))
			seg->bytes_written = 0;
	}
	return 0;
}

static int read_pass(struct collector *c, bool seg, bool core)
{
	struct chunk_dst d = { .c = c, .record = seg || !c->paper };
	struct ps_file *cf = NULL;
	struct ps_segment *s;
	int err;

	if (core) {
		err = ps_file_create(c->sink, "core", c->core_size, true,
				     c->hash, &cf);
		if (err)
			return err;
		ps_file_use_lane(cf, c->lanes, c->core_lane);
		err = core_extents(c, cf);
		if (!err)
			err = ps_file_write(cf, 0, c->core_head,
					    c->core_head_len);
		if (err)
			goto fail;
		d.core = cf;
	}
	for (d.index = 0; d.index < c->nr_maps; d.index++) {
		s = &c->segs[d.index];
		if (d.record) {
			s->bytes_written = 0;
			s->unreadable = false;
			s->error = 0;
		}
		c->prog.segment = (unsigned int)d.index;
		c->prog.file = seg ? s->file : "core";
		err = report(c);
		if (err)
			goto fail;
		d.seg = NULL;
		if (seg) {
			err = ps_file_create(c->sink, s->file,
					     c->maps[d.index].end -
					     c->maps[d.index].start, true,
					     c->hash, &d.seg);
			if (err)
				goto fail;
			ps_file_use_lane(d.seg, c->lanes, 0);
			s->written = true;
		}
		err = read_map(c, &d);
		if (!err && d.seg) {
			err = ps_file_close(d.seg, s->sha);
			d.seg = NULL;
			s->have_sha = !err && c->hash;
		}
		if (err)
			goto fail;
	}
	if (cf) {
		err = ps_file_close(cf, c->ev.core_sha);
		cf = NULL;
		if (err)
			return err;
		c->ev.have_core = true;
		c->ev.core_size = c->core_size;
		c->ev.have_core_sha = c->hash;
	}
	return 0;
fail:
	ps_file_abort(d.seg);
	ps_file_abort(cf);
	return err;
}

/*
 * Lanes when there is a CPU for them and work to move: writing a
 * directory's files, or hashing.  Without threads everything runs here,
 * as it would on one CPU.
 */
static void start_lanes(struct collector *c, bool tar)
{
	unsigned int n = c->paper && c->core && !tar ? 2 : 1;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || (tar && !c->hash))
		return;
	if (ps_lanes_new(n, PS_READ_CHUNK, &c->lanes))
		return;
	c->core_lane = n - 1;
	c->mem.lanes = c->lanes;
}

/* What is to be read in all, for the progress display. */
static int count_bytes(struct collector *c, unsigned int passes)
{
	uint64_t total = 0;
	size_t i;
	int err;

	for (i = 0; i < c->nr_maps; i++) {
		ps_segment_name(&c->maps[i], c->segs[i].file,
				sizeof(c->segs[i].file));
		err = ps_mem_runs(&c->mem, &c->maps[i], &c->runs);
		if (err)
			return err;
		total += c->runs.bytes;
	}
	c->prog.bytes_total = total * passes;
	c->prog.nr_segments = (unsigned int)c->nr_maps;
	return 0;
}

static int write_evidence(struct collector *c)
{
	bool tar = ps_sink_is_tar(c->sink);
	char *manifest;
	size_t len;
	int err;

	err = count_bytes(c, tar && c->paper && c->core ? 2 : 1);
	if (err)
		return err;
	if (c->paper) {
		err = ps_sink_put(c->sink, "index.txt", c->maps_text,
				  c->maps_len, false, NULL);
		if (!err)
			err = ps_sink_mkdir(c->sink, "segments");
		if (err)
			return err;
	}
	if (c->core) {
		err = build_core(c);
		if (err)
			return err;
	}
	start_lanes(c, tar);
	if (tar) {
		if (c->paper)
			err = read_pass(c, true, false);
		if (!err && c->core)
			err = read_pass(c, false, true);
	} else {
		err = read_pass(c, c->paper, c->core);
	}
	/* The hashes are known, the files complete, once the lanes idle. */
	if (c->lanes) {
		int lane_err = ps_lanes_wait(c->lanes);

		if (!err)
			err = lane_err;
	}
	if (err)
		return err;
	hash_exe(c);

	if (c->hash && c->paper)
		c->ev.have_root_sha = !ps_root_sha256(c->segs, c->nr_maps,
						      c->ev.root_sha);
	c->ev.maps = c->maps;
	c->ev.segs = c->segs;
	c->ev.nr_maps = c->nr_maps;
	c->ev.finished_ns = realtime_ns();
	err = ps_manifest_build(&c->ev, &manifest, &len);
	if (err)
		return err;
	err = ps_sink_put(c->sink, "manifest.json", manifest, len, false,
			  NULL);
	free(manifest);
	return err;
}

static void fill_stats(const struct collector *c,
		       struct procsnap_collect_stats *out)
{
	struct procsnap_collect_stats st;
	size_t i;

	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.segments = (unsigned int)c->nr_maps;
	for (i = 0; i < c->nr_maps; i++) {
		st.unreadable += c->segs[i].unreadable;
		st.bytes_written += c->segs[i].bytes_written;
		st.bytes_virtual += c->maps[i].end - c->maps[i].start;
	}
	st.core_size = c->ev.have_core ? c->core_size : 0;
	if (out->size < sizeof(size_t))
		return;
	memcpy((char *)out + sizeof(size_t), (char *)&st + sizeof(size_t),
	       (out->size < sizeof(st) ? out->size : sizeof(st)) -
	       sizeof(size_t));
}

static void collector_free(struct collector *c)
{
	size_t i;

	/* First: queued jobs write into segs, ev and the files. */
	ps_lanes_free(c->lanes);
	if (c->procfd >= 0)
		close(c->procfd);
	ps_mem_close(&c->mem);
	ps_runs_free(&c->runs);
	free(c->list);
	for (i = 0; c->xstate && i < c->nr_threads; i++)
		free(c->xstate[i]);
	free(c->xstate);
	free(c->core_threads);
	free(c->threads);
	free(c->files);
	ps_sockets_free(&c->sockets);
	free(c->maps_text);
	free(c->maps_parsed);
	free(c->maps);
	free(c->segs);
	free(c->auxv);
	free(c->cmdline);
	free(c->exe);
	free(c->cgroup);
	free(c->environ);
	free(c->core_head);
	free(c->loads);
}

static int check_opts(const struct procsnap_collect_opts *opts,
		      struct procsnap_collect_opts *o)
{
	if (!opts || opts->size < PROCSNAP_COLLECT_OPTS_SIZE_VER0 ||
	    opts->size > 4096)
		return -EINVAL;
	/* Zero-extend an older caller's struct; a newer one's tail is 0. */
	memset(o, 0, sizeof(*o));
	memcpy(o, opts, opts->size < sizeof(*o) ? opts->size : sizeof(*o));
	if (opts->size > sizeof(*o)) {
		const unsigned char *p = (const unsigned char *)opts;
		size_t i;

		for (i = sizeof(*o); i < opts->size; i++)
			if (p[i])
				return -E2BIG;
	}
	if (o->flags & ~PROCSNAP_COLLECT_FLAGS)
		return -EINVAL;
	if (!o->dir && o->fd < 0)
		return -EINVAL;
	if (o->dir && !*o->dir)
		return -EINVAL;
	return 0;
}

PROCSNAP_EXPORT
int procsnap_collect(struct procsnap_ctx *ctx, pid_t clone_pid,
		     const struct procsnap_collect_opts *opts)
{
	struct collector c;
	char top[32];
	int err;

	memset(&c, 0, sizeof(c));
	c.procfd = -1;
	c.mem.mem_fd = c.mem.pagemap_fd = -1;
	if (!ctx || clone_pid <= 0)
		return ps_fail(EINVAL);
	err = check_opts(opts, &c.o);
	if (err)
		return ps_fail(-err);
	c.ctx = ctx;
	c.clone = clone_pid;
	c.paper = c.o.flags & PROCSNAP_COLLECT_PAPER;
	c.core = c.o.flags & PROCSNAP_COLLECT_CORE;
	if (!c.paper && !c.core)
		c.paper = c.core = true;
	c.hash = !(c.o.flags & PROCSNAP_COLLECT_NO_HASH);
	c.ev.tool_version = c.o.tool_version;
	c.ev.clone_pid = clone_pid;
	c.ev.collector_uid = getuid();
	c.ev.started_ns = realtime_ns();

	err = module_metadata(&c);
	if (!err)
		err = proc_metadata(&c);
	if (!err) {
		c.ev.threads = c.threads;
		c.ev.nr_threads = c.nr_threads;
		c.ev.files = c.files;
		c.ev.nr_files = c.nr_files;
		c.ev.cmdline = c.cmdline;
		c.ev.cmdline_len = c.cmdline_len;
		c.ev.exe = c.exe;
		c.ev.cgroup = c.cgroup;
		c.ev.environ = c.environ;
		c.ev.environ_len = c.environ_len;
		if (c.o.dir) {
			err = ps_sink_open_dir(c.o.dir, &c.sink);
		} else {
			snprintf(top, sizeof(top), "procsnap-%d",
				 (int)clone_pid);
			err = ps_sink_open_tar(c.o.fd, top, &c.sink);
		}
	}
	if (!err)
		err = write_evidence(&c);
	if (!err) {
		err = ps_sink_close(c.sink);
		c.sink = NULL;
	}
	if (c.sink)
		ps_sink_abort(c.sink);
	if (!err && c.o.stats)
		fill_stats(&c, c.o.stats);
	collector_free(&c);
	return err ? ps_fail(-err) : 0;
}
