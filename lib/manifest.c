// SPDX-License-Identifier: LGPL-2.1-or-later
/* manifest.json: see doc/evidence-format.md for every field. */
#include <inttypes.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define FORMAT_VERSION 1

/* x86-64 struct user_regs_struct, in its order. */
static const char *const reg_names[PROCSNAP_NR_GREGS] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
	"rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags",
	"rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
};

static const char *const thread_flag_names[] = {
	"duplicated",	/* PROCSNAP_THREAD_DUPLICATED */
	"parked",	/* PROCSNAP_THREAD_PARKED */
	"in_kernel",	/* PROCSNAP_THREAD_IN_KERNEL */
};

static const char *const cap_keys[5] = {
	"cap_inh", "cap_prm", "cap_eff", "cap_bnd", "cap_amb",
};

void ps_segment_name(const struct ps_map *map, char *buf, size_t size)
{
	/* As the maps line prints them: %08lx, lower case. */
	snprintf(buf, size, "segments/%08" PRIx64 "-%08" PRIx64 ".img",
		 map->start, map->end);
}

const char *ps_segment_status(const struct ps_map *map,
			      const struct ps_segment *seg)
{
	if (seg->unreadable)
		return "unreadable";
	if (map->frozen)
		return "frozen-copy";
	return map->perms[3] == 's' ? "live" : "frozen";
}

int ps_root_sha256(const struct ps_segment *segs, size_t n,
		   char hex[PS_SHA256_HEX])
{
	struct ps_sha *sha;
	size_t i;
	int err;

	for (i = 0; i < n; i++)
		if (!segs[i].have_sha)
			return ps_fail(ENODATA);
	err = ps_sha_new(&sha);
	if (err)
		return err;
	for (i = 0; i < n && !err; i++) {
		err = ps_sha_update(sha, segs[i].sha, strlen(segs[i].sha));
		if (!err)
			err = ps_sha_update(sha, "\n", 1);
	}
	if (!err)
		err = ps_sha_final(sha, hex);
	ps_sha_free(sha);
	return err;
}

static void key_string(struct ps_json *j, const char *key, const char *v)
{
	ps_json_key(j, key);
	ps_json_string(j, v);
}

static void key_u64(struct ps_json *j, const char *key, uint64_t v)
{
	ps_json_key(j, key);
	ps_json_u64(j, v);
}

static void key_i64(struct ps_json *j, const char *key, int64_t v)
{
	ps_json_key(j, key);
	ps_json_i64(j, v);
}

static void key_sha(struct ps_json *j, const char *key, bool have,
		    const char *hex)
{
	key_string(j, key, have ? hex : NULL);
}

static void write_head(struct ps_json *j, const struct ps_evidence *ev)
{
	char buf[32];

	key_string(j, "format", "procsnap-evidence");
	key_u64(j, "format_version", FORMAT_VERSION);

	ps_json_key(j, "tool");
	ps_json_object_begin(j);
	key_string(j, "snapctl", ev->tool_version);
	key_string(j, "libprocsnap", procsnap_lib_version());
	ps_json_object_end(j);

	ps_json_key(j, "module");
	if (ev->have_module) {
		ps_json_object_begin(j);
		key_string(j, "version", ev->module.module_version);
		key_u64(j, "abi", ev->module.abi_version);
		snprintf(buf, sizeof(buf), "0x%" PRIx64,
			 (uint64_t)ev->module.features);
		key_string(j, "features", buf);
		ps_json_object_end(j);
	} else {
		ps_json_null(j);
	}

	ps_json_key(j, "host");
	ps_json_object_begin(j);
	key_string(j, "sysname", ev->have_host ? ev->host.sysname : NULL);
	key_string(j, "nodename", ev->have_host ? ev->host.nodename : NULL);
	key_string(j, "release", ev->have_host ? ev->host.release : NULL);
	key_string(j, "version", ev->have_host ? ev->host.version : NULL);
	key_string(j, "machine", ev->have_host ? ev->host.machine : NULL);
	key_string(j, "boot_id", ev->boot_id[0] ? ev->boot_id : NULL);
	ps_json_object_end(j);

	ps_json_key(j, "collector");
	ps_json_object_begin(j);
	key_u64(j, "uid", ev->collector_uid);
	key_u64(j, "started_realtime_ns", ev->started_ns);
	key_u64(j, "finished_realtime_ns", ev->finished_ns);
	ps_json_object_end(j);

	ps_json_key(j, "request");
	ps_json_object_begin(j);
	key_u64(j, "requester_uid", ev->snap.requester_uid);
	key_u64(j, "requested_realtime_ns", ev->snap.requested_realtime_ns);
	key_u64(j, "requested_boottime_ns", ev->snap.requested_boottime_ns);
	ps_json_object_end(j);

	ps_json_key(j, "snapshot");
	ps_json_object_begin(j);
	key_i64(j, "clone_pid", ev->clone_pid);
	key_u64(j, "created_realtime_ns", ev->snap.created_realtime_ns);
	key_u64(j, "created_boottime_ns", ev->snap.created_boottime_ns);
	key_u64(j, "pause_ns", ev->snap.pause_ns);
	key_u64(j, "quiesce_ns", ev->snap.quiesce_ns);
	key_u64(j, "resident_bytes", ev->snap.resident_bytes);
	key_u64(j, "pagetable_bytes", ev->snap.pagetable_bytes);
	ps_json_key(j, "freeze_shared");
	ps_json_bool(j, ev->snap.flags & PROCSNAP_SNAPSHOT_FROZEN);
	key_u64(j, "freeze_limit", ev->snap.freeze_limit);
	key_u64(j, "frozen_bytes", ev->snap.frozen_bytes);
	key_u64(j, "nr_frozen", ev->snap.nr_frozen);
	key_u64(j, "freeze_ns", ev->snap.freeze_ns);
	ps_json_key(j, "freeze_truncated");
	ps_json_bool(j, ev->snap.flags & PROCSNAP_SNAPSHOT_FREEZE_TRUNCATED);
	ps_json_object_end(j);
}

static void write_ids(struct ps_json *j, const char *key, bool have,
		      const uint64_t ids[4])
{
	int i;

	ps_json_key(j, key);
	if (!have) {
		ps_json_null(j);
		return;
	}
	ps_json_array_begin(j);
	for (i = 0; i < 4; i++)
		ps_json_u64(j, ids[i]);
	ps_json_array_end(j);
}

/* NUL-separated strings (@len bytes, the last NUL not counted) as an array. */
static void write_strings(struct ps_json *j, const char *key, const char *v,
			  size_t len)
{
	const char *p = v, *end = v + len, *nul;

	ps_json_key(j, key);
	if (!v) {
		ps_json_null(j);
		return;
	}
	ps_json_array_begin(j);
	while (p < end) {
		nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul)
			nul = end;
		ps_json_string_len(j, p, (size_t)(nul - p));
		p = nul + 1;
	}
	ps_json_array_end(j);
}

static void limit_value(struct ps_json *j, uint64_t v)
{
	if (v == PS_UNLIMITED)
		ps_json_null(j);
	else
		ps_json_u64(j, v);
}

/* "limits": {"cpu": [soft, hard], ...}, null for unlimited. */
static void write_limits(struct ps_json *j, const struct ps_evidence *ev)
{
	int i;

	ps_json_key(j, "limits");
	if (!ev->have_limits) {
		ps_json_null(j);
		return;
	}
	ps_json_object_begin(j);
	for (i = 0; i < PS_NR_LIMITS; i++) {
		ps_json_key(j, ps_limit_names[i]);
		ps_json_array_begin(j);
		limit_value(j, ev->limits[i].soft);
		limit_value(j, ev->limits[i].hard);
		ps_json_array_end(j);
	}
	ps_json_object_end(j);
}

static void write_target(struct ps_json *j, const struct ps_evidence *ev)
{
	char comm[PROCSNAP_COMM_LEN + 1];
	int i;

	memcpy(comm, ev->snap.target_comm, PROCSNAP_COMM_LEN);
	comm[PROCSNAP_COMM_LEN] = '\0';

	ps_json_key(j, "target");
	ps_json_object_begin(j);
	key_i64(j, "pid", ev->snap.target_pid);
	key_string(j, "comm", comm);
	write_strings(j, "cmdline", ev->cmdline, ev->cmdline_len);
	key_string(j, "exe", ev->exe);
	key_sha(j, "exe_sha256", ev->have_exe_sha, ev->exe_sha);
	write_ids(j, "uid", ev->have_ids, ev->uid);
	write_ids(j, "gid", ev->have_ids, ev->gid);
	for (i = 0; i < 5; i++)
		key_string(j, cap_keys[i], ev->caps[i][0] ? ev->caps[i] : NULL);
	key_string(j, "lsm_label", ev->lsm_label);
	ps_json_key(j, "lsm_label_truncated");
	if (ev->lsm_label)
		ps_json_bool(j, ev->lsm_label_truncated);
	else
		ps_json_null(j);
	ps_json_key(j, "namespaces");
	ps_json_object_begin(j);
	for (i = 0; i < PS_NR_NS; i++)
		if (ev->ns[i].name && ev->ns[i].have)
			key_u64(j, ev->ns[i].name, ev->ns[i].ino);
	ps_json_object_end(j);
	key_string(j, "cgroup", ev->cgroup);
	write_strings(j, "environ", ev->environ, ev->environ_len);
	write_limits(j, ev);
	ps_json_object_end(j);
}

static const char *const seccomp_names[] = { "disabled", "strict", "filter" };

/* "name" to "seccomp": null from a module without PROCSNAP_FEAT_THREAD_META. */
static void write_thread_meta(struct ps_json *j, const struct ps_evidence *ev,
			      const struct procsnap_thread_info *t)
{
	bool have = ev->have_module &&
		    (ev->module.features & PROCSNAP_FEAT_THREAD_META);
	char comm[PROCSNAP_COMM_LEN + 1], buf[24];

	memcpy(comm, t->comm, PROCSNAP_COMM_LEN);
	comm[PROCSNAP_COMM_LEN] = '\0';
	key_string(j, "name", have ? comm : NULL);
	ps_json_key(j, "sched_policy");
	if (have)
		ps_json_u64(j, t->sched_policy);
	else
		ps_json_null(j);
	ps_json_key(j, "rt_priority");
	if (have)
		ps_json_u64(j, t->rt_priority);
	else
		ps_json_null(j);
	ps_json_key(j, "nice");
	if (have)
		ps_json_i64(j, t->nice);
	else
		ps_json_null(j);
	snprintf(buf, sizeof(buf), "%016" PRIx64, (uint64_t)t->sigblocked);
	key_string(j, "sigblocked", have ? buf : NULL);
	snprintf(buf, sizeof(buf), "%u", (unsigned int)t->seccomp_mode);
	key_string(j, "seccomp", !have ? NULL :
		   t->seccomp_mode < sizeof(seccomp_names) /
				     sizeof(seccomp_names[0]) ?
		   seccomp_names[t->seccomp_mode] : buf);
}

static void write_threads(struct ps_json *j, const struct ps_evidence *ev)
{
	const struct procsnap_thread_info *t;
	char buf[16];
	size_t i, r;
	unsigned int bit;

	ps_json_key(j, "threads");
	ps_json_array_begin(j);
	for (i = 0; i < ev->nr_threads; i++) {
		t = &ev->threads[i];
		ps_json_object_begin(j);
		key_i64(j, "tid", t->tid);
		ps_json_key(j, "flags");
		ps_json_array_begin(j);
		for (bit = 0; bit < 32; bit++) {
			if (!(t->flags & (1U << bit)))
				continue;
			if (bit < sizeof(thread_flag_names) /
				  sizeof(thread_flag_names[0])) {
				ps_json_string(j, thread_flag_names[bit]);
			} else {
				snprintf(buf, sizeof(buf), "0x%x", 1U << bit);
				ps_json_string(j, buf);
			}
		}
		ps_json_array_end(j);
		ps_json_key(j, "regs");
		ps_json_object_begin(j);
		for (r = 0; r < PROCSNAP_NR_GREGS; r++)
			key_u64(j, reg_names[r], t->regs[r]);
		ps_json_object_end(j);
		key_u64(j, "xstate_size", t->xstate_size);
		write_thread_meta(j, ev, t);
		ps_json_object_end(j);
	}
	ps_json_array_end(j);
}

static void write_socket(struct ps_json *j, const struct ps_evidence *ev,
			 const struct procsnap_file_info *fi)
{
	const struct ps_socket *s;

	ps_json_key(j, "socket");
	if (!S_ISSOCK(fi->mode) || !ev->sockets) {
		ps_json_null(j);
		return;
	}
	s = ps_sockets_find(ev->sockets, fi->ino);
	ps_json_object_begin(j);
	ps_json_key(j, "found");
	ps_json_bool(j, s != NULL);
	if (!s) {
		ps_json_object_end(j);
		return;
	}
	key_string(j, "family", s->family == AF_UNIX ? "unix" :
		   s->family == AF_INET6 ? "inet6" : "inet");
	key_string(j, "protocol", s->proto);
	key_string(j, "type", s->family == AF_UNIX ?
		   ps_socket_type_name(s->type) :
		   !strcmp(s->proto, "tcp") ? "stream" : "dgram");
	key_string(j, "state", ps_socket_state_name(s));
	if (s->family == AF_UNIX) {
		key_string(j, "path", s->have_path ? s->local : NULL);
		ps_json_key(j, "peer_ino");
		if (s->have_peer)
			ps_json_u64(j, s->peer_ino);
		else
			ps_json_null(j);
		ps_json_key(j, "peer_known");
		ps_json_bool(j, s->have_diag);
	} else {
		key_string(j, "local", s->local);
		key_string(j, "remote", s->remote);
	}
	ps_json_object_end(j);
}

static void write_files(struct ps_json *j, const struct ps_evidence *ev)
{
	const struct procsnap_file_info *fi;
	size_t i, len;

	ps_json_key(j, "files");
	if (!ev->have_files) {
		ps_json_null(j);
		return;
	}
	ps_json_array_begin(j);
	for (i = 0; i < ev->nr_files; i++) {
		fi = &ev->files[i];
		len = strnlen(fi->path, sizeof(fi->path));
		ps_json_object_begin(j);
		key_i64(j, "fd", fi->fd);
		key_u64(j, "flags", fi->flags);
		key_u64(j, "pos", fi->pos);
		key_u64(j, "ino", fi->ino);
		key_u64(j, "dev", fi->dev);
		key_u64(j, "mode", fi->mode);
		ps_json_key(j, "path");
		ps_json_string_len(j, fi->path, len);
		ps_json_key(j, "path_truncated");
		ps_json_bool(j, fi->path_len > len);
		write_socket(j, ev, fi);
		ps_json_object_end(j);
	}
	ps_json_array_end(j);
}

static void write_segments(struct ps_json *j, const struct ps_evidence *ev)
{
	const struct ps_segment *seg;
	const struct ps_map *m;
	char buf[32];
	size_t i;

	ps_json_key(j, "segments");
	ps_json_array_begin(j);
	for (i = 0; i < ev->nr_maps; i++) {
		m = &ev->maps[i];
		seg = &ev->segs[i];
		ps_json_object_begin(j);
		snprintf(buf, sizeof(buf), "%08" PRIx64, m->start);
		key_string(j, "start", buf);
		snprintf(buf, sizeof(buf), "%08" PRIx64, m->end);
		key_string(j, "end", buf);
		key_string(j, "perms", m->perms);
		key_u64(j, "offset", m->offset);
		snprintf(buf, sizeof(buf), "%02x:%02x", m->dev_major,
			 m->dev_minor);
		key_string(j, "dev", buf);
		key_u64(j, "inode", m->inode);
		key_string(j, "path", m->path);
		key_string(j, "file", seg->written ? seg->file : NULL);
		key_string(j, "status", ps_segment_status(m, seg));
		ps_json_key(j, "recovered");
		if (m->recovered) {
			ps_json_array_begin(j);
			if (m->recovered & PS_RECOVERED_DONTFORK)
				ps_json_string(j, "dontfork");
			if (m->recovered & PS_RECOVERED_WIPEONFORK)
				ps_json_string(j, "wipeonfork");
			ps_json_array_end(j);
		} else {
			ps_json_null(j);
		}
		ps_json_key(j, "error");
		if (seg->unreadable && seg->error) {
			const char *name = strerrorname_np(seg->error);

			if (name) {
				ps_json_string(j, name);
			} else {
				snprintf(buf, sizeof(buf), "E%d", seg->error);
				ps_json_string(j, buf);
			}
		} else {
			ps_json_null(j);
		}
		key_u64(j, "bytes_written", seg->bytes_written);
		key_sha(j, "sha256", seg->have_sha, seg->sha);
		ps_json_object_end(j);
	}
	ps_json_array_end(j);
}

int ps_manifest_build(const struct ps_evidence *ev, char **bufp,
		      size_t *lenp)
{
	struct ps_json j;
	size_t len = 0;
	char *buf = NULL;
	FILE *f;
	int bad;

	*bufp = NULL;
	*lenp = 0;
	f = open_memstream(&buf, &len);
	if (!f)
		return ps_fail(ENOMEM);
	ps_json_init(&j, f, true);
	ps_json_object_begin(&j);
	write_head(&j, ev);
	write_target(&j, ev);
	write_threads(&j, ev);
	write_files(&j, ev);
	write_segments(&j, ev);

	ps_json_key(&j, "core");
	if (ev->have_core) {
		ps_json_object_begin(&j);
		key_string(&j, "file", "core");
		key_u64(&j, "size", ev->core_size);
		key_sha(&j, "sha256", ev->have_core_sha, ev->core_sha);
		ps_json_object_end(&j);
	} else {
		ps_json_null(&j);
	}
	key_sha(&j, "root_sha256", ev->have_root_sha, ev->root_sha);
	ps_json_object_end(&j);

	bad = ferror(f);
	if (fclose(f) || bad) {
		free(buf);
		return ps_fail(ENOMEM);
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}
