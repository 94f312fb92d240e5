/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal to libprocsnap: what the files of the collection engine share.
 * Nothing here is exported (the library is built with -fvisibility=hidden
 * and a version script); the unit tests link the static library and call
 * these directly.
 *
 *   json.c      a JSON writer (escaping, nesting, indentation)
 *   hash.c      SHA-256 through libcrypto's EVP, zeros for holes
 *   throttle.c  the token bucket behind --rate
 *   maps.c      ps_parse_maps() (declared in core.h)
 *   memread.c   pagemap-guided reading of /proc/PID/mem
 *   lanes.c     threads that write and hash files while the memory is read
 *   sink.c      output: a directory of sparse files, or a pax tar stream
 *   procfs.c    small readers of /proc/PID files
 *   manifest.c  manifest.json
 *   collect.c   procsnap_collect(): the orchestration
 *   view.c      procsnap_view_*(): a snapshot, evidence directory or process
 *   scan.c      procsnap_rules_*(), procsnap_scan(): YARA over a view
 *   diff.c      procsnap_diff(): what changed between two views
 *   triage.c    procsnap_triage(): what in a view looks injected
 *   codediff.c  its executable memory against the file mapped, the vDSO
 *   sockets.c   the endpoints and peers of the target's sockets
 */
#ifndef PROCSNAP_INTERNAL_H
#define PROCSNAP_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/utsname.h>

#include "core.h"
#include "libprocsnap.h"

#define PROCSNAP_EXPORT __attribute__((visibility("default")))

/* Set errno and return the negative errno: the library's convention. */
static inline int ps_fail(int err)
{
	errno = err;
	return -err;
}

/* ---- json.c ---- */

#define PS_JSON_MAX_DEPTH 16

struct ps_json {
	FILE *f;
	unsigned int depth;
	bool first;		/* no member yet in the open container */
	bool after_key;		/* a key was written, its value comes next */
	bool pretty;		/* newline and indentation per member */
};

void ps_json_init(struct ps_json *j, FILE *f, bool pretty);
/*
 * Write @len bytes of @s as a JSON string literal, quotes included: '"'
 * and '\\' escaped, every control character (and DEL) as \u00XX, bytes
 * that are not well-formed UTF-8 as \ufffd.
 */
void ps_json_escape(FILE *f, const char *s, size_t len);
void ps_json_object_begin(struct ps_json *j);
void ps_json_object_end(struct ps_json *j);
void ps_json_array_begin(struct ps_json *j);
void ps_json_array_end(struct ps_json *j);
void ps_json_key(struct ps_json *j, const char *key);
void ps_json_string(struct ps_json *j, const char *s);	/* NULL: null */
void ps_json_string_len(struct ps_json *j, const char *s, size_t len);
void ps_json_u64(struct ps_json *j, uint64_t v);
void ps_json_i64(struct ps_json *j, int64_t v);
void ps_json_bool(struct ps_json *j, bool v);
void ps_json_null(struct ps_json *j);

/* ---- hash.c ---- */

#define PS_SHA256_HEX 65	/* 64 hex digits and a NUL */

struct ps_sha;

int ps_sha_new(struct ps_sha **shap);
void ps_sha_free(struct ps_sha *sha);
int ps_sha_reset(struct ps_sha *sha);
int ps_sha_update(struct ps_sha *sha, const void *buf, size_t len);
/* Hash @len zero bytes (a hole). */
int ps_sha_zeros(struct ps_sha *sha, uint64_t len);
/* Finish into lower-case hex; the object can be reset and reused. */
int ps_sha_final(struct ps_sha *sha, char hex[PS_SHA256_HEX]);
/* SHA-256 of a whole buffer. */
int ps_sha256_buf(const void *buf, size_t len, char hex[PS_SHA256_HEX]);

/* A static buffer of zeros, for holes. */
extern const unsigned char ps_zeros[1 << 16];

/* ---- throttle.c ---- */

/*
 * Token bucket: @rate bytes per second, a burst of at most one second
 * (or one chunk, if larger).  The bucket starts empty, so the rate holds
 * from the first byte.
 */
struct ps_throttle {
	uint64_t rate;		/* 0: unlimited */
	uint64_t burst;
	int64_t tokens;		/* bytes; negative while in debt */
	uint64_t last_ns;	/* CLOCK_MONOTONIC of the last refill */
	bool started;
};

void ps_throttle_init(struct ps_throttle *t, uint64_t rate, uint64_t chunk);
/*
 * Take @bytes at time @now_ns; return how long to sleep (ns) before
 * using them.  Pure, for the tests; ps_throttle_take() sleeps.
 */
uint64_t ps_throttle_delay(struct ps_throttle *t, uint64_t now_ns,
			   uint64_t bytes);
void ps_throttle_take(struct ps_throttle *t, uint64_t bytes);

/* ---- memread.c ---- */

/* A range of addresses to read, [start, end). */
struct ps_run {
	uint64_t start;
	uint64_t end;
};

/*
 * The runs of one mapping, bounded: past PS_RUNS_MAX runs, runs closer
 * than a growing gap are merged (the gap is then read too, as zeros or
 * whatever the kernel returns), so memory stays bounded whatever the
 * pagemap looks like.
 */
#define PS_RUNS_MAX 65536

struct ps_runs {
	struct ps_run *v;
	size_t n;
	size_t cap;
	uint64_t gap;		/* runs closer than this are merged */
	uint64_t bytes;		/* total of the runs */
};

void ps_runs_reset(struct ps_runs *r);
int ps_runs_add(struct ps_runs *r, uint64_t start, uint64_t end,
		uint64_t page_size);
void ps_runs_free(struct ps_runs *r);

/* How a mapping is read. */
enum ps_map_kind {
	PS_MAP_UNREADABLE,	/* not at all: [vvar], no 'r', ... */
	PS_MAP_SPARSE,		/* anonymous private: pagemap-guided */
	PS_MAP_WHOLE,		/* file-backed or shared: all of it */
};

/* The kind of @map; for PS_MAP_UNREADABLE *@err says why (errno). */
enum ps_map_kind ps_map_kind(const struct ps_map *map, int *err);

#define PS_READ_CHUNK (2u << 20)	/* preads of up to 2 MiB */
#define PS_PAGEMAP_ENTRIES 65536	/* 512 KiB of pagemap per read */

struct ps_mem {
	int mem_fd;
	int pagemap_fd;
	uint64_t page_size;
	uint64_t *pagemap;		/* PS_PAGEMAP_ENTRIES */
	unsigned char *buf;		/* PS_READ_CHUNK */
	struct ps_lanes *lanes;		/* if set, read into its buffers */
	struct ps_throttle throttle;
	/* Called after every chunk read; non-zero aborts. */
	int (*progress)(void *priv, uint64_t bytes);
	void *progress_priv;
};

/*
 * Open /proc/@pid/mem (or take @mem_fd, from procsnap_mem_open(), when it
 * is not -1) and /proc/@pid/pagemap.
 */
int ps_mem_open(struct ps_mem *m, pid_t pid, int mem_fd, uint64_t rate);
void ps_mem_close(struct ps_mem *m);
/* Fill @runs (reset first) with what is to be read of @map. */
int ps_mem_runs(struct ps_mem *m, const struct ps_map *map,
		struct ps_runs *runs);

/*
 * Read [start, end) in chunks, calling @fn for each.  A failing read of
 * the memory ends the reading with 0 and *@read_err set to the positive
 * errno (*@err_addr where); an error of @fn or of the progress callback
 * is returned (negative errno).
 */
typedef int (*ps_chunk_fn)(void *priv, uint64_t addr, const void *buf,
			   size_t len);
int ps_mem_read(struct ps_mem *m, uint64_t start, uint64_t end,
		ps_chunk_fn fn, void *priv, int *read_err);

/* ---- lanes.c ---- */

#define PS_LANES_MAX 2	/* the images, the core */
#define PS_LANE_BUFS 4	/* read buffers in flight */

struct ps_lanes;

/*
 * A job: @op on @obj, run on its lane's thread, in the order queued.
 * @failed: an earlier job failed or the lanes are stopping; the job must
 * only release what it holds.  Returns 0 or a negative errno.
 */
typedef int (*ps_lane_fn)(void *obj, int op, uint64_t off, const void *data,
			  uint64_t len, bool failed);

/* @nr_lanes threads and PS_LANE_BUFS read buffers of @buf_size bytes. */
int ps_lanes_new(unsigned int nr_lanes, size_t buf_size,
		 struct ps_lanes **qp);
/* Stop (the queued jobs run as failed ones) and free. */
void ps_lanes_free(struct ps_lanes *q);
unsigned int ps_lanes_count(const struct ps_lanes *q);
/* A free read buffer (waits for one), held until ps_lanes_buf_put(). */
void *ps_lanes_buf_get(struct ps_lanes *q);
void ps_lanes_buf_put(struct ps_lanes *q, void *data);
/*
 * Queue a job of @len bytes.  @data in a read buffer is referenced, not
 * copied, until the job has run; ps_zeros and NULL are taken as they are;
 * anything else is copied.  Waits while the lane's backlog (the bytes of
 * its queued jobs, ps_zeros ones not counted: they hold no memory) is
 * full.  Every job runs exactly once:
 * it is queued even when an earlier one failed (that failure is returned),
 * and without memory for it, it runs on the caller's thread once the lanes
 * are idle (as a failed job, -ENOMEM returned).
 */
int ps_lanes_submit(struct ps_lanes *q, unsigned int lane, ps_lane_fn fn,
		    void *obj, int op, uint64_t off, const void *data,
		    uint64_t len);
/* An error happened or the lanes are stopping: a long job may end early. */
bool ps_lanes_stopping(struct ps_lanes *q);
/* Wait until every queued job has run; the first failure, or 0. */
int ps_lanes_wait(struct ps_lanes *q);

/* ---- sink.c ---- */

struct ps_sink;
struct ps_file;

/*
 * A directory: created with mode 0700 if missing, else it must be empty
 * (-ENOTEMPTY).  Files are created 0600.
 */
int ps_sink_open_dir(const char *path, struct ps_sink **sinkp);
/* A pax tar stream on @fd, every name under "@top/". */
int ps_sink_open_tar(int fd, const char *top, struct ps_sink **sinkp);
bool ps_sink_is_tar(const struct ps_sink *s);
int ps_sink_mkdir(struct ps_sink *s, const char *name);
/* Finish (the tar trailer) and free. */
int ps_sink_close(struct ps_sink *s);
/* Free after a failure, finishing nothing. */
void ps_sink_abort(struct ps_sink *s);

/*
 * A file of @size bytes, written sequentially: ps_file_write() offsets
 * only grow, what is skipped is a hole.  A tar stream has one file open at
 * a time and needs a @sparse file's data extents (ps_file_add_extent(),
 * growing offsets) before the first write; a directory ignores them.
 * With @hash the content is hashed, holes as zeros.
 */
int ps_file_create(struct ps_sink *s, const char *name, uint64_t size,
		   bool sparse, bool hash, struct ps_file **filep);
int ps_file_add_extent(struct ps_file *f, uint64_t offset, uint64_t len);
int ps_file_write(struct ps_file *f, uint64_t offset, const void *buf,
		  size_t len);
/*
 * Make the file all hole again (a directory only: -EOPNOTSUPP in a
 * stream, whose data has gone).
 */
int ps_file_discard(struct ps_file *f);
/* Complete to its size and close; @sha gets the hash if asked for. */
int ps_file_close(struct ps_file *f, char sha[PS_SHA256_HEX]);
/* Close after a failure. */
void ps_file_abort(struct ps_file *f);
/*
 * From now on write (a directory's file) and hash @f on @lane of @q: the
 * calls above return once the job is queued, a failure shows in a later
 * call or in ps_lanes_wait(), and ps_file_close()'s @sha is filled when
 * ps_lanes_wait() returns 0.  @sha must stay valid until then.
 */
void ps_file_use_lane(struct ps_file *f, struct ps_lanes *q,
		      unsigned int lane);
/* A small dense file in one go. */
int ps_sink_put(struct ps_sink *s, const char *name, const void *buf,
		size_t len, bool hash, char sha[PS_SHA256_HEX]);

/* ---- procfs.c ---- */

/* The whole of a file relative to @dirfd, NUL-terminated (not counted). */
int ps_read_at(int dirfd, const char *name, char **bufp, size_t *lenp);
/* readlinkat() of any length, malloc'd. */
int ps_readlink_at(int dirfd, const char *name, char **targetp);

/*
 * One line of /proc/PID/limits: soft and hard, PS_UNLIMITED for
 * "unlimited".  The kernel prints them in RLIMIT_* order, named in
 * ps_limit_names[].
 */
#define PS_NR_LIMITS 16
#define PS_UNLIMITED UINT64_MAX
struct ps_limit {
	uint64_t soft;
	uint64_t hard;
};

extern const char *const ps_limit_names[PS_NR_LIMITS];
/* Parse /proc/PID/limits @text; -EINVAL if it is not what 6.x prints. */
int ps_parse_limits(const char *text, struct ps_limit limits[PS_NR_LIMITS]);

/* ---- sockets.c ---- */

/* One socket of the target's network namespace. */
struct ps_socket {
	uint64_t ino;
	int family;		/* AF_UNIX, AF_INET, AF_INET6 */
	int type;		/* a unix socket's SOCK_* */
	const char *proto;	/* "tcp", "udp" or "unix" */
	int state;		/* TCP_* numbers, for unix sockets too */
	char local[128];	/* "addr:port", or a unix socket's name */
	char remote[128];	/* "addr:port" */
	bool have_path;		/* a unix socket with a name in local */
	bool have_diag;		/* a unix socket sock_diag described */
	bool have_peer;
	uint64_t peer_ino;	/* a connected unix socket's peer */
};

struct ps_sockets {
	struct ps_socket *v;
	size_t n;
	size_t cap;
	int unix_diag_err;	/* why unix peers are unknown, or 0 */
};

/* The sockets of the namespace of /proc/PID (@procfd). */
int ps_sockets_read(int procfd, struct ps_sockets *t);
void ps_sockets_free(struct ps_sockets *t);
const struct ps_socket *ps_sockets_find(const struct ps_sockets *t,
					uint64_t ino);
/* "ESTABLISHED", "LISTEN", ...; NULL if unknown. */
const char *ps_socket_state_name(const struct ps_socket *s);
/* "stream", "dgram", "seqpacket", "raw"; NULL if unknown. */
const char *ps_socket_type_name(int type);

/* ---- manifest.c ---- */

/* What became of one mapping. */
struct ps_segment {
	char file[80];		/* "segments/<start>-<end>.img" */
	bool written;		/* an image file exists */
	bool unreadable;
	int error;		/* positive errno when unreadable */
	uint64_t bytes_written;	/* memory bytes stored */
	bool have_sha;
	char sha[PS_SHA256_HEX];
};

#define PS_NR_NS 10

/* Everything manifest.json says. */
struct ps_evidence {
	const char *tool_version;	/* may be NULL */
	bool have_module;
	struct procsnap_version module;
	bool have_host;
	struct utsname host;
	char boot_id[64];		/* "" if unknown */
	uid_t collector_uid;
	uint64_t started_ns;
	uint64_t finished_ns;
	struct procsnap_snapshot_info snap;	/* LIST */
	pid_t clone_pid;
	/* The target, from the clone's /proc. */
	const char *cmdline;		/* NUL-separated; NULL if unknown */
	size_t cmdline_len;
	const char *exe;		/* NULL if unknown */
	bool have_exe_sha;
	char exe_sha[PS_SHA256_HEX];
	bool have_ids;
	const char *lsm_label;		/* NULL if unknown */
	bool lsm_label_truncated;
	uint64_t uid[4];
	uint64_t gid[4];
	char caps[5][24];		/* inh prm eff bnd amb; "" unknown */
	struct {
		const char *name;
		bool have;
		uint64_t ino;
	} ns[PS_NR_NS];
	const char *cgroup;		/* NULL if unknown */
	const char *environ;		/* NUL-separated; NULL if unknown */
	size_t environ_len;
	bool have_limits;
	struct ps_limit limits[PS_NR_LIMITS];
	const struct procsnap_thread_info *threads;
	size_t nr_threads;
	bool have_files;
	const struct procsnap_file_info *files;
	size_t nr_files;
	/* The namespace's sockets, for the files that are; NULL if unread. */
	const struct ps_sockets *sockets;
	const struct ps_map *maps;
	const struct ps_segment *segs;
	size_t nr_maps;
	bool have_core;
	uint64_t core_size;
	bool have_core_sha;
	char core_sha[PS_SHA256_HEX];
	bool have_root_sha;
	char root_sha[PS_SHA256_HEX];
};

/*
 * SHA-256 over the segments' hex hashes, each followed by "\n".
 * -ENODATA if a segment has no hash.
 */
int ps_root_sha256(const struct ps_segment *segs, size_t n,
		   char hex[PS_SHA256_HEX]);
/* "frozen", "frozen-copy", "live" or "unreadable". */
const char *ps_segment_status(const struct ps_map *map,
			      const struct ps_segment *seg);
/* The manifest as JSON text, malloc'd into *@bufp. */
int ps_manifest_build(const struct ps_evidence *ev, char **bufp,
		      size_t *lenp);

/* The image file name of @map, "segments/<start>-<end>.img". */
void ps_segment_name(const struct ps_map *map, char *buf, size_t size);

#endif /* PROCSNAP_INTERNAL_H */
