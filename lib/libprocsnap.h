/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libprocsnap: userspace access to the procsnap module (/dev/procsnap).
 *
 * All state lives in an opaque struct procsnap_ctx, so independent contexts
 * may be used from different threads.  One context must not be used by two
 * threads at once without the caller's own locking.
 *
 * Error convention: every function returning int returns 0 (or, where
 * stated, a non-negative value) on success and a negative errno value on
 * failure; on failure it also sets errno to the matching positive value.
 * procsnap_strerror() turns either form into a message for the user.
 */
#ifndef LIBPROCSNAP_H
#define LIBPROCSNAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <procsnap.h>

#ifdef __cplusplus
extern "C" {
#endif

struct procsnap_ctx;

/**
 * procsnap_open() - open the procsnap device
 * @path:	device node to open, or NULL for PROCSNAP_DEVICE_PATH
 * @ctxp:	on success receives the new context; set to NULL on failure
 *
 * The node is opened O_RDWR | O_CLOEXEC.  Typical failures: -ENOENT,
 * -ENODEV or -ENXIO when the module is not loaded, -EACCES or -EPERM
 * when the caller may not use the device, -EINVAL if @ctxp is NULL,
 * -ENOMEM.
 *
 * Return: 0 or a negative errno (errno set).
 */
int procsnap_open(const char *path, struct procsnap_ctx **ctxp);

/**
 * procsnap_close() - close the device and free the context
 * @ctx:	context from procsnap_open(); NULL is a no-op
 *
 * errno is the same after the call as before it.
 */
void procsnap_close(struct procsnap_ctx *ctx);

/**
 * procsnap_fd() - the file descriptor behind a context
 * @ctx:	context from procsnap_open()
 *
 * For poll() and similar; the descriptor stays owned by @ctx and is
 * closed by procsnap_close().
 *
 * Return: the descriptor (>= 0), or -EINVAL (errno set) if @ctx is NULL.
 */
int procsnap_fd(const struct procsnap_ctx *ctx);

/**
 * procsnap_get_version() - query the module's version and features
 * @ctx:	context from procsnap_open()
 * @out:	receives the module's answer
 *
 * Issues PROCSNAP_IOC_VERSION with size = sizeof(*out), flags and all
 * reserved fields zero.  On success, and on -EPROTO, @out holds the
 * module's answer with module_version always NUL-terminated; on any other
 * failure @out is left untouched.
 *
 * Return: 0; -EPROTO if the module's abi_version is not
 * PROCSNAP_ABI_VERSION; -ENOTTY if the device does not know the request;
 * -EINVAL if @ctx or @out is NULL; otherwise the ioctl's negative errno.
 * errno is set on failure.
 */
int procsnap_get_version(struct procsnap_ctx *ctx,
			 struct procsnap_version *out);

/**
 * procsnap_lib_version() - the release of this libprocsnap
 *
 * Return: a static string such as "0.1.0".
 */
const char *procsnap_lib_version(void);

/**
 * procsnap_strerror() - a message for a procsnap error
 * @err:	an errno value, positive or negative
 *
 * For the errors that have a procsnap-specific cause (module not loaded,
 * permission, module older than the library, ABI mismatch, no such target,
 * request already in flight, timeout) the message says what to do about
 * it; any other value gets the system's description.  The messages are
 * phrased for errors from procsnap_open() and the device's requests; an
 * ENOENT from a snapshot request means "no such request or snapshot" and
 * is better described by the caller.  Thread-safe.
 *
 * Return: a static string; never NULL, never to be freed.
 */
const char *procsnap_strerror(int err);

/*
 * Snapshots (LIBPROCSNAP_0.2; need a module with PROCSNAP_FEAT_SNAPSHOT,
 * else they fail with -ENOTTY).
 *
 * Every request is issued with size = sizeof() of the argument struct this
 * library was built with, and with every flag bit not asked for and every
 * reserved field zero.  Process ids are those of the caller's pid
 * namespace and must be positive (else -EINVAL).  An ENOENT from these
 * functions means "no such request or snapshot", not a missing module:
 * procsnap_strerror() describes the latter, so callers phrase the former
 * themselves.
 */

/**
 * procsnap_request() - ask for a snapshot of a process
 * @ctx:	context from procsnap_open()
 * @pid:	the target (a thread id stands for its whole process)
 * @flags:	0 or PROCSNAP_REQUEST_* bits
 *
 * Queues the request and returns at once: the target duplicates itself at
 * its next return to user mode.  Follow with procsnap_wait() or poll with
 * procsnap_state().  Unless @flags has PROCSNAP_REQUEST_OWNED the snapshot
 * outlives @ctx and stays until procsnap_delete().
 *
 * Return: 0; -ESRCH no such process (or a zombie or exiting one); -EINVAL a
 * kernel thread, a snapshot, the caller itself, or an unknown flag; -EPERM
 * the caller may not ptrace the target; -EBUSY a request for the target is
 * already in flight; -ENOTTY the module predates snapshots.  errno is set.
 */
int procsnap_request(struct procsnap_ctx *ctx, pid_t pid, unsigned int flags);

/**
 * procsnap_cancel() - cancel the request in flight for a process
 * @ctx:	context from procsnap_open()
 * @pid:	the target
 *
 * A request that completes while being cancelled has its snapshot deleted.
 *
 * Return: 0; -ENOENT no request in flight; see procsnap_request().
 */
int procsnap_cancel(struct procsnap_ctx *ctx, pid_t pid);

/**
 * procsnap_state() - the state of the latest request for a process
 * @ctx:	context from procsnap_open()
 * @pid:	the target
 * @out:	receives the module's answer: state (PROCSNAP_STATE_*),
 *		clone_pid when done, error (positive errno) when failed
 *
 * @out is written only on success.
 *
 * Return: 0 or a negative errno (errno set).
 */
int procsnap_state(struct procsnap_ctx *ctx, pid_t pid,
		   struct procsnap_state_arg *out);

/**
 * procsnap_wait() - wait until the request for a process is done or failed
 * @ctx:	context from procsnap_open()
 * @pid:	the target
 * @timeout_ns:	how long to wait; 0 waits forever
 * @out:	receives the final state, as procsnap_state()
 *
 * Success means the request finished: check @out->state, which is
 * PROCSNAP_STATE_DONE or PROCSNAP_STATE_FAILED.  On -ETIMEDOUT the module
 * has cancelled the request and nothing is left behind.  A signal to the
 * caller restarts the wait (SA_RESTART, or a stop and continue) or ends it
 * with -EINTR; then the request is still in flight: wait again or
 * procsnap_cancel() it.
 *
 * Return: 0; -ETIMEDOUT; -EINTR; -ENOENT no request; or another negative
 * errno (errno set).  @out is written only on success.
 */
int procsnap_wait(struct procsnap_ctx *ctx, pid_t pid, uint64_t timeout_ns,
		  struct procsnap_state_arg *out);

/**
 * procsnap_snapshot() - request a snapshot and wait for it
 * @ctx:	context from procsnap_open()
 * @pid:	the target
 * @flags:	0 or PROCSNAP_REQUEST_* bits, as procsnap_request()
 * @timeout_ns:	as procsnap_wait()
 * @clone_pid:	receives the snapshot's pid on success; may be NULL
 *
 * When the duplication fails, returns the negative errno it failed with.
 * When waiting fails for another reason than a timeout or a signal (after
 * which the module has already cancelled), the request is cancelled.
 *
 * Return: 0 or a negative errno (errno set).
 */
int procsnap_snapshot(struct procsnap_ctx *ctx, pid_t pid, unsigned int flags,
		      uint64_t timeout_ns, pid_t *clone_pid);

/**
 * procsnap_list() - the snapshots held
 * @ctx:	context from procsnap_open()
 * @entries:	receives a malloc()ed array for the caller to free(); NULL
 *		when there are none
 * @count:	receives the number of entries
 *
 * Only snapshots whose process is visible in the caller's pid namespace
 * are listed.  If more snapshots appear while the list is read it is read
 * again, up to a few times (then -EAGAIN).
 *
 * Return: 0 or a negative errno (errno set); on failure *@entries is NULL
 * and *@count 0.
 */
int procsnap_list(struct procsnap_ctx *ctx,
		  struct procsnap_snapshot_info **entries, size_t *count);

/**
 * procsnap_delete() - delete one snapshot
 * @ctx:	context from procsnap_open()
 * @clone_pid:	the snapshot's pid
 *
 * Returns once the snapshot is gone and its memory freed.
 *
 * Return: 0; -ENOENT no such snapshot; or another negative errno.
 */
int procsnap_delete(struct procsnap_ctx *ctx, pid_t clone_pid);

/**
 * procsnap_delete_all() - delete every snapshot visible to the caller
 * @ctx:	context from procsnap_open()
 * @deleted:	receives how many were deleted; may be NULL
 *
 * Having none to delete is a success with *@deleted 0.
 *
 * Return: 0 or a negative errno (errno set).
 */
int procsnap_delete_all(struct procsnap_ctx *ctx, unsigned int *deleted);

/**
 * procsnap_threads() - the threads a snapshot recorded
 * @ctx:	context from procsnap_open()
 * @clone_pid:	the snapshot's pid
 * @entries:	receives a malloc()ed array for the caller to free(); NULL
 *		when there are none
 * @count:	receives the number of entries
 *
 * Return: 0; -ENOENT no such snapshot; or another negative errno (errno
 * set); on failure *@entries is NULL and *@count 0.
 */
int procsnap_threads(struct procsnap_ctx *ctx, pid_t clone_pid,
		     struct procsnap_thread_info **entries, size_t *count);

/**
 * procsnap_state_name() - the name of a PROCSNAP_STATE_* value
 * @state:	the value
 *
 * Return: "idle", "requested", "duplicating", "done", "failed", or
 * "unknown" for any other value; a static string.
 */
const char *procsnap_state_name(unsigned int state);

/*
 * Evidence (LIBPROCSNAP_0.3; procsnap_files() and procsnap_xstate() need a
 * module with PROCSNAP_FEAT_EVIDENCE, else they fail with -ENOTTY).
 */

/**
 * procsnap_files() - the file descriptors the target had open
 * @ctx:	context from procsnap_open()
 * @clone_pid:	the snapshot's pid
 * @entries:	receives a malloc()ed array for the caller to free(); NULL
 *		when there are none
 * @count:	receives the number of entries
 *
 * The snapshot itself holds no descriptor: these are the target's at the
 * duplication, as the module recorded them.
 *
 * Return: 0; -ENOENT no such snapshot; or another negative errno (errno
 * set); on failure *@entries is NULL and *@count 0.
 */
int procsnap_files(struct procsnap_ctx *ctx, pid_t clone_pid,
		   struct procsnap_file_info **entries, size_t *count);

/**
 * procsnap_xstate() - the FPU/XSTATE of one thread at the duplication
 * @ctx:	context from procsnap_open()
 * @clone_pid:	the snapshot's pid
 * @tid:	one of its threads (struct procsnap_thread_info's tid)
 * @buf:	receives the state, in the layout of an NT_X86_XSTATE note
 * @size:	room in @buf (the thread's xstate_size is enough)
 * @recorded:	receives how many bytes were recorded (at most @size of
 *		them are copied); may be NULL
 *
 * Return: 0; -ENOENT no such snapshot or thread; -ENODATA nothing was
 * recorded; or another negative errno (errno set).
 */
int procsnap_xstate(struct procsnap_ctx *ctx, pid_t clone_pid, pid_t tid,
		    void *buf, size_t size, size_t *recorded);

/**
 * procsnap_mem_open() - a read-only file of a snapshot's memory
 *	(LIBPROCSNAP_0.4; needs a module with PROCSNAP_FEAT_MEM_FD, else
 *	-ENOTTY)
 * @ctx:	context from procsnap_open()
 * @clone_pid:	the snapshot's pid
 * @fd:		receives the descriptor (close-on-exec), for the caller to
 *		close(); pread() at an address reads the snapshot's memory
 *		there, as /proc/CLONE/mem would, also where Yama's
 *		ptrace_scope keeps the caller out of /proc/CLONE/mem
 *
 * Return: 0; -ENOENT no such snapshot; -EPERM not the caller's to read; or
 * another negative errno (errno set).
 */
int procsnap_mem_open(struct procsnap_ctx *ctx, pid_t clone_pid, int *fd);

/*
 * Evidence collection: procsnap_collect() writes what doc/evidence-format.md
 * and snapctl(8) ("EVIDENCE FORMAT") describe: index.txt (the snapshot's
 * maps), segments/<start>-<end>.img (one sparse image per mapping), core
 * (an ELF core for gdb) and manifest.json (metadata and SHA-256 hashes),
 * into a directory or as a pax tar stream.
 */

/* Where collection stands, for a progress display. */
struct procsnap_progress {
	uint64_t bytes_done;	/* memory bytes read so far */
	uint64_t bytes_total;	/* to read in all (known before reading) */
	unsigned int segment;	/* index of the mapping being read */
	unsigned int nr_segments;
	const char *file;	/* the output file being written */
};

/*
 * Called after every chunk read (a few MiB) and at the start of every
 * mapping; a non-zero return ends procsnap_collect() with -ECANCELED.
 */
typedef int (*procsnap_progress_fn)(const struct procsnap_progress *p,
				    void *data);

#define PROCSNAP_COLLECT_PAPER		(1u << 0) /* index and images */
#define PROCSNAP_COLLECT_CORE		(1u << 1) /* ELF core */
#define PROCSNAP_COLLECT_NO_HASH	(1u << 2) /* no SHA-256 */
#define PROCSNAP_COLLECT_FLAGS \
	(PROCSNAP_COLLECT_PAPER | PROCSNAP_COLLECT_CORE | \
	 PROCSNAP_COLLECT_NO_HASH)

/* What procsnap_collect() did, if asked for (opts->stats). */
struct procsnap_collect_stats {
	size_t size;		/* in: sizeof(struct procsnap_collect_stats) */
	unsigned int segments;	/* mappings */
	unsigned int unreadable; /* of which unreadable */
	uint64_t bytes_written;	/* memory bytes stored (the manifest's
				 * segments' bytes_written, summed) */
	uint64_t bytes_virtual;	/* size of all mappings */
	uint64_t core_size;	/* size of the core file; 0 without one */
};

struct procsnap_collect_opts {
	size_t size;		/* sizeof(struct procsnap_collect_opts) */
	unsigned int flags;	/* PROCSNAP_COLLECT_*; no PAPER nor CORE
				 * means both */
	const char *dir;	/* output directory, or NULL for a tar
				 * stream on fd */
	int fd;			/* with dir NULL */
	uint64_t rate;		/* bytes per second read; 0 unlimited */
	procsnap_progress_fn progress;	/* may be NULL */
	void *progress_data;
	const char *tool_version;	/* for the manifest; may be NULL */
	/* Since 0.3, past the contract's first layout: */
	struct procsnap_collect_stats *stats;	/* out; may be NULL */
};

/* The size of the first layout, which ends with tool_version. */
#define PROCSNAP_COLLECT_OPTS_SIZE_VER0 \
	(offsetof(struct procsnap_collect_opts, tool_version) + \
	 sizeof(const char *))

/**
 * procsnap_collect() - collect the evidence of a snapshot
 * @ctx:	context from procsnap_open()
 * @clone_pid:	the snapshot's pid (it must exist: see procsnap_snapshot())
 * @opts:	what to write where; @opts->size from
 *		PROCSNAP_COLLECT_OPTS_SIZE_VER0 to sizeof(*opts)
 *
 * Reads the snapshot's metadata from the module (LIST, THREADS, FILES,
 * XSTATE) and its memory and attributes from /proc/CLONE (mem guided by
 * pagemap, maps, auxv, status, cmdline, exe, ns, cgroup), so the caller
 * needs the right to ptrace the snapshot.  @opts->dir is created with mode
 * 0700 if missing, and must be empty if it exists (-ENOTEMPTY); files are
 * created 0600.  With @opts->dir NULL a POSIX pax tar stream with the same
 * names under "procsnap-CLONE/" is written to @opts->fd, which is not
 * closed.  The target keeps running meanwhile; the reading is throttled to
 * @opts->rate and uses a few MiB of memory whatever the target's size.
 * manifest.json is written last.  A mapping that cannot be read is not a
 * failure: the manifest records it.
 *
 * Return: 0; -ENOENT no such snapshot; -ENOTEMPTY the directory is not
 * empty; -EACCES or -EPERM not allowed to read the snapshot; -ECANCELED
 * the progress callback asked to stop; -EINVAL bad @opts; or another
 * negative errno (errno set).  After a failure the output is incomplete
 * (no manifest.json).
 */
int procsnap_collect(struct procsnap_ctx *ctx, pid_t clone_pid,
		     const struct procsnap_collect_opts *opts);

/*
 * Examining a snapshot (LIBPROCSNAP_0.5).  A view reads one process image
 * through one interface whatever holds it: a held snapshot (its memory
 * through procsnap_mem_open(), its maps from /proc/CLONE), an evidence
 * directory written by procsnap_collect(), or a running process (for
 * comparing a snapshot with what its target has become).  Scanning,
 * comparing and triage work on views.  A view is not thread-safe; two
 * views are independent.
 */
struct procsnap_view;

/* What a view reads. */
#define PROCSNAP_VIEW_SNAPSHOT	1	/* a held snapshot */
#define PROCSNAP_VIEW_DIR	2	/* an evidence directory */
#define PROCSNAP_VIEW_PROCESS	3	/* a running process */

/* struct procsnap_segment's flags. */
#define PROCSNAP_SEG_UNREADABLE	(1u << 0) /* holds no bytes: [vvar], no
					   * 'r', or unreadable at
					   * collection */
#define PROCSNAP_SEG_SPARSE	(1u << 1) /* anonymous private: only some
					   * pages hold data, the rest
					   * read as zeros */
#define PROCSNAP_SEG_LIVE	(1u << 2) /* shared: changes after the
					   * instant (not a frozen copy) */
#define PROCSNAP_SEG_DONTFORK	(1u << 3) /* recovered: MADV_DONTFORK */
#define PROCSNAP_SEG_WIPEONFORK	(1u << 4) /* recovered: MADV_WIPEONFORK */
#define PROCSNAP_SEG_FROZEN_COPY (1u << 5) /* shared, but read from the
					    * copy the module made at the
					    * instant (--freeze-shared):
					    * never with PROCSNAP_SEG_LIVE */

/* One mapping, as a line of /proc/PID/maps says it, and what it holds. */
struct procsnap_segment {
	uint64_t start;
	uint64_t end;
	uint64_t offset;	/* in the mapped file */
	uint64_t inode;
	unsigned int dev_major;
	unsigned int dev_minor;
	char perms[5];		/* "rwxp", NUL-terminated */
	unsigned int flags;	/* PROCSNAP_SEG_* */
	const char *path;	/* "" when anonymous; owned by the view */
};

/**
 * procsnap_view_snapshot() - a view of a held snapshot
 * @ctx:	context from procsnap_open()
 * @clone_pid:	the snapshot's pid
 * @vp:		receives the view, for procsnap_view_close()
 *
 * Needs what procsnap_collect() needs: the right to read the snapshot.
 *
 * Return: 0; -ENOENT no such snapshot; -EACCES or -EPERM; or another
 * negative errno (errno set).
 */
int procsnap_view_snapshot(struct procsnap_ctx *ctx, pid_t clone_pid,
			   struct procsnap_view **vp);

/**
 * procsnap_view_dir() - a view of an evidence directory
 * @dir:	a directory procsnap_collect() completed (index.txt,
 *		segments/, manifest.json)
 * @vp:		receives the view
 *
 * The images are read, never written.
 *
 * Return: 0; -ENOENT no such directory or no manifest.json (an
 * incomplete collection); -EINVAL not evidence procsnap understands; or
 * another negative errno (errno set).
 */
int procsnap_view_dir(const char *dir, struct procsnap_view **vp);

/**
 * procsnap_view_process() - a view of a running process
 * @pid:	the process
 * @vp:		receives the view
 *
 * Reads /proc/PID/mem, so it needs the right to ptrace @pid; the process
 * is not stopped, so what is read is not one instant.
 *
 * Return: 0; -ESRCH; -EACCES or -EPERM; or another negative errno.
 */
int procsnap_view_process(pid_t pid, struct procsnap_view **vp);

/** procsnap_view_close() - free a view; NULL is a no-op; errno kept. */
void procsnap_view_close(struct procsnap_view *v);

/** procsnap_view_kind() - PROCSNAP_VIEW_SNAPSHOT, _DIR or _PROCESS. */
int procsnap_view_kind(const struct procsnap_view *v);

/**
 * procsnap_view_pid() - whose /proc the view reads: the snapshot's or the
 * process's pid; 0 for a directory.
 */
pid_t procsnap_view_pid(const struct procsnap_view *v);

/**
 * procsnap_view_target() - the pid of the process the view shows: the
 * snapshot's target (as LIST or the manifest says), or the process.
 */
pid_t procsnap_view_target(const struct procsnap_view *v);

/**
 * procsnap_view_segments() - the mappings, in address order
 * @v:		the view
 * @n:		receives their number
 *
 * Return: an array owned by the view, valid until it is closed.
 */
const struct procsnap_segment *procsnap_view_segments(
	const struct procsnap_view *v, size_t *n);

/*
 * Called by procsnap_view_extents() for each range [start, end) of a
 * segment that holds data; a non-zero return stops the walk and is
 * returned.
 */
typedef int (*procsnap_extent_fn)(void *data, uint64_t start, uint64_t end);

/**
 * procsnap_view_extents() - the ranges of a segment that hold data
 * @v:		the view
 * @index:	the segment, an index into procsnap_view_segments()
 * @fn:		called for each range, in address order
 * @data:	for @fn
 *
 * A sparse segment's present (or swapped) pages, from pagemap, or a
 * directory image's data extents; all of any other readable segment;
 * nothing of an unreadable one.  Everything else reads as zeros.
 *
 * Return: 0, what @fn returned, or a negative errno (errno set).
 */
int procsnap_view_extents(struct procsnap_view *v, size_t index,
			  procsnap_extent_fn fn, void *data);

/**
 * procsnap_view_read() - read memory
 * @v:		the view
 * @addr:	where
 * @buf:	receives the bytes
 * @len:	how many; the range must lie in one segment
 *
 * Holes of a directory's images read as zeros.
 *
 * Return: the number of bytes read (short where the memory stops being
 * readable), or a negative errno (errno set): -EFAULT when [@addr,
 * @addr + @len) is not inside one segment, -EIO when nothing there can
 * be read.
 */
ssize_t procsnap_view_read(struct procsnap_view *v, uint64_t addr, void *buf,
			   size_t len);

/**
 * procsnap_view_environ() - the environment the process was started with
 * @v:		the view
 * @bufp:	receives a malloc()ed block of NUL-terminated "NAME=value"
 *		strings, for the caller to free()
 * @lenp:	receives its length in bytes
 *
 * Return: 0; -ENODATA not known (a manifest without it); or another
 * negative errno (errno set).
 */
int procsnap_view_environ(struct procsnap_view *v, char **bufp, size_t *lenp);

/**
 * procsnap_view_exe() - the executable, as the kernel names it
 * @v:		the view
 * @pathp:	receives a malloc()ed path, for the caller to free(); the
 *		kernel appends " (deleted)" to an unlinked file
 *
 * Return: 0; -ENODATA not known; or another negative errno (errno set).
 */
int procsnap_view_exe(struct procsnap_view *v, char **pathp);

/*
 * Scanning a view with YARA rules (LIBPROCSNAP_0.5), through Debian's
 * libyara.  Rules are compiled (or loaded) once and scan any number of
 * views.  Each readable segment's data extents are read in chunks of at
 * most PROCSNAP_SCAN_CHUNK bytes into one buffer, so a scan uses the same
 * memory whatever the target's size; a held snapshot is read as
 * procsnap_collect() reads it, and its target keeps running.  YARA sees
 * the chunks as the blocks of one process's memory, at their addresses
 * (as "yara PID" does): conditions see every match of every block, and a
 * match's offset is its address in the process; filesize is undefined.
 * Consecutive chunks of one extent overlap by PROCSNAP_SCAN_OVERLAP bytes,
 * so a match of up to that length that straddles a chunk boundary is
 * found, once (YARA keeps one match per string and address).  A match
 * never spans two extents or two segments: where a sparse segment's data
 * stop, the zeros of its holes are not scanned.
 *
 * libyara keeps its own global state, counted by yr_initialize() and
 * yr_finalize(): procsnap_rules_load() takes a reference, and
 * procsnap_rules_free() drops it.  Load and free rules from one thread at
 * a time.  One rules object may scan from several threads at once, each
 * with its own view.  Scans install no signal handler.
 */
struct procsnap_rules;

#define PROCSNAP_SCAN_CHUNK	(4u << 20)
#define PROCSNAP_SCAN_OVERLAP	4096u

/* procsnap_scan()'s flags. */
#define PROCSNAP_SCAN_NO_LIVE	(1u << 0) /* skip PROCSNAP_SEG_LIVE
					   * segments (shared memory that
					   * changed after the instant) */
#define PROCSNAP_SCAN_FLAGS	PROCSNAP_SCAN_NO_LIVE

/* One match of one of a rule's strings. */
struct procsnap_scan_string {
	const char *identifier;	/* "$name" */
	uint64_t addr;		/* in the process */
	size_t segment;		/* index into procsnap_view_segments() */
	size_t length;		/* of the match */
	const uint8_t *data;	/* its first data_length bytes */
	size_t data_length;	/* at most 512 (libyara's limit) */
};

/* A rule that matched; everything is valid during the callback only. */
struct procsnap_scan_match {
	const char *rule;	/* identifier */
	const char *ns;		/* namespace: "default" unless compiled
				 * otherwise */
	const char *const *tags;	/* nr_tags of them */
	size_t nr_tags;
	const struct procsnap_scan_string *strings;	/* in address order
							 * per string */
	size_t nr_strings;	/* 0 for a rule matched by its condition
				 * alone */
};

/*
 * Called once per matching rule, after the whole view is scanned; a
 * non-zero return ends the scan, and procsnap_scan() returns it.
 */
typedef int (*procsnap_match_fn)(void *data,
				 const struct procsnap_scan_match *m);

/* What procsnap_scan() read, if asked for. */
struct procsnap_scan_stats {
	uint64_t bytes_scanned;	/* handed to YARA (overlaps counted once) */
	uint64_t bytes_unreadable; /* of data extents that could not be read */
	unsigned int segments;	/* segments scanned */
	unsigned int matches;	/* rules that matched */
};

/**
 * procsnap_rules_load() - load YARA rules
 * @path:	a rules source file, or rules compiled by yarac (told apart
 *		by their header); includes are resolved from @path's
 *		directory
 * @rp:		receives the rules, for procsnap_rules_free()
 * @msgp:	on -EINVAL receives a malloc()ed message for the caller to
 *		free() (the compiler's errors, one per line as
 *		"FILE(LINE): MESSAGE", or what is wrong with a compiled
 *		file); NULL otherwise; may be NULL
 *
 * Return: 0; -ENOENT, -EACCES and other errors opening @path; -EINVAL
 * rules that do not compile, or a compiled file this libyara cannot load
 * (corrupt, or from another YARA version); -ENOMEM (errno set).
 */
int procsnap_rules_load(const char *path, struct procsnap_rules **rp,
			char **msgp);

/** procsnap_rules_free() - free rules; NULL is a no-op; errno kept. */
void procsnap_rules_free(struct procsnap_rules *r);

/**
 * procsnap_scan() - scan a view's memory with YARA rules
 * @v:		the view (a held snapshot, an evidence directory, a process)
 * @r:		rules from procsnap_rules_load()
 * @flags:	0 or PROCSNAP_SCAN_* bits
 * @fn:		called for each rule that matched, in the rules' order
 * @data:	for @fn
 * @stats:	receives what was read; may be NULL
 *
 * Unreadable segments are skipped, and so is a chunk that cannot be read
 * (counted in @stats->bytes_unreadable): memory that cannot be read is not
 * a failure, as in procsnap_collect().
 *
 * Return: 0 (whether or not anything matched: see @stats->matches); what
 * @fn returned; -EINVAL bad arguments; -ENOMEM; -EIO another libyara
 * failure (errno set).  A string that matches more than libyara records
 * (a million times) keeps the matches recorded; the scan goes on.
 */
int procsnap_scan(struct procsnap_view *v, const struct procsnap_rules *r,
		  unsigned int flags, procsnap_match_fn fn, void *data,
		  struct procsnap_scan_stats *stats);
/* procsnap_view_pagemap()'s entries: the kernel's pagemap format. */
#define PROCSNAP_PM_PRESENT	(1ULL << 63)	/* a page is mapped */
#define PROCSNAP_PM_SWAP	(1ULL << 62)	/* swapped out (or migrating) */
#define PROCSNAP_PM_FILE	(1ULL << 61)	/* page cache or shared anon */
#define PROCSNAP_PM_PFN_MASK	((1ULL << 55) - 1) /* the frame, if present */

/**
 * procsnap_view_pagemap() - what backs each page of a range
 * @v:		the view
 * @addr:	the first page, page-aligned
 * @n:		how many pages; the range must lie in one segment
 * @entries:	receives one entry per page
 *
 * A snapshot's or a process's entries are those of /proc/PID/pagemap
 * (the kernel's Documentation/admin-guide/mm/pagemap.rst): present or
 * swapped, and the page frame number of a present page, which the
 * kernel reports only to a caller with CAP_SYS_ADMIN and as 0 to anyone
 * else.  A directory's entries are PROCSNAP_PM_PRESENT where its image
 * holds data and 0 in its holes, never a frame.  Two present entries of
 * one frame are one page of memory: its contents are the same in both.
 *
 * Return: 0; -EFAULT when the range is not inside one segment; -EINVAL;
 * or another negative errno (errno set).
 */
int procsnap_view_pagemap(struct procsnap_view *v, uint64_t addr, size_t n,
			  uint64_t *entries);

/*
 * Comparing two views (LIBPROCSNAP_0.5).  procsnap_diff() says what
 * changed from view A to view B: which mappings were added, removed or
 * changed, and which pages hold different bytes.  Pages are compared
 * wherever an address is mapped in both views, so a mapping whose bounds
 * or permissions changed is still compared where it overlaps.  Where both
 * views can name the page frame (a held snapshot or a process, read by a
 * caller with CAP_SYS_ADMIN), one frame in both means one page and
 * nothing is read; otherwise both pages are read and compared.  Memory
 * stays bounded (a few MiB) whatever the views hold.
 */

/* What differs in a changed mapping: procsnap_diff_ops.mapping()'s @what. */
#define PROCSNAP_DIFF_END	(1u << 0)	/* its end */
#define PROCSNAP_DIFF_PERMS	(1u << 1)	/* "rwxp" */
#define PROCSNAP_DIFF_OFFSET	(1u << 2)	/* its offset in the file */
#define PROCSNAP_DIFF_FILE	(1u << 3)	/* device, inode or path */

/* procsnap_diff()'s @flags. */
#define PROCSNAP_DIFF_NO_FRAMES	(1u << 0)	/* read every page, even
						 * where frames are known */

/* Counts of pages compared, of one overlap or of the whole comparison. */
struct procsnap_diff_stats {
	uint64_t start;		/* the overlap [start, end); 0 in a total */
	uint64_t end;
	uint64_t pages;		/* compared: mapped in both */
	uint64_t by_frame;	/* the same frame in both: nothing read */
	uint64_t by_content;	/* read from both and compared */
	uint64_t absent;	/* no data in either (zeros): nothing read */
	uint64_t unreadable;	/* could not be read in one or both */
	uint64_t differing;	/* of pages, those whose bytes differ */
	uint64_t ranges;	/* runs of consecutive differing pages */
};

/*
 * What procsnap_diff() reports, in this order: every mapping change, in
 * address order; then, for each overlap of a mapping of A with one of B
 * in address order, its ranges of differing pages, then its counts.
 * A NULL callback is not called.  A non-zero return stops the comparison
 * and is returned.
 */
struct procsnap_diff_ops {
	/*
	 * A mapping of B that A has not at that start (@a NULL), one of A
	 * that B has not (@b NULL), or one at the same start in both whose
	 * @what (PROCSNAP_DIFF_*) differs.
	 */
	int (*mapping)(void *data, const struct procsnap_segment *a,
		       const struct procsnap_segment *b, unsigned int what);
	/* Pages [start, end) of the overlap of @a and @b differ. */
	int (*range)(void *data, const struct procsnap_segment *a,
		     const struct procsnap_segment *b, uint64_t start,
		     uint64_t end);
	/* The overlap of @a and @b was compared. */
	int (*segment)(void *data, const struct procsnap_segment *a,
		       const struct procsnap_segment *b,
		       const struct procsnap_diff_stats *stats);
};

/**
 * procsnap_diff() - what changed from one view to another
 * @a:		the earlier view (a snapshot, a directory or a process)
 * @b:		the later view
 * @flags:	0 or PROCSNAP_DIFF_NO_FRAMES
 * @ops:	the callbacks
 * @data:	for the callbacks
 * @total:	if not NULL, receives the counts of all overlaps together
 *
 * A page with no data in a view (an anonymous page never written, a hole
 * of an image) holds zeros.  A frame is trusted only where both entries
 * are present with a non-zero frame: a swapped page (or one under
 * migration) is read and compared, so is every page of a directory.  A
 * transparent huge page is reported one 4 KiB frame per page, so a huge
 * page shared by both views is one frame per page in both and is not read;
 * one split or copied since is read.  A shared mapping (PROCSNAP_SEG_LIVE)
 * changes after the instant: in a snapshot it shows the memory as it is
 * when compared.  A process view is not one instant either.
 *
 * Return: 0, what a callback returned, or a negative errno (errno set):
 * -EINVAL, -ENOMEM, or the error of reading a view.
 */
int procsnap_diff(struct procsnap_view *a, struct procsnap_view *b,
		  unsigned int flags, const struct procsnap_diff_ops *ops,
		  void *data, struct procsnap_diff_stats *total);

/*
 * Triage (LIBPROCSNAP_0.5): what in a view looks injected, in the manner
 * of Volatility's linux.malfind and pe-sieve, on a consistent snapshot of
 * a live process.  Each finding has a kind with a stable name
 * (procsnap_finding_name()); the numbers are stable too.
 */
#define PROCSNAP_FIND_ANON_EXEC		1  /* "anon-exec": executable
					    * anonymous memory */
#define PROCSNAP_FIND_DELETED_EXEC	2  /* "deleted-file-exec": an
					    * executable mapping of a
					    * deleted file */
#define PROCSNAP_FIND_MEMFD_EXEC	3  /* "memfd-exec": an executable
					    * memfd mapping */
#define PROCSNAP_FIND_RWX		4  /* "rwx": writable and
					    * executable */
#define PROCSNAP_FIND_ELF_IN_ANON	5  /* "elf-in-anon": an ELF header
					    * at a page start of anonymous,
					    * memfd or deleted-file memory */
#define PROCSNAP_FIND_PATCHED_CODE	6  /* "patched-code": executable
					    * memory differs from the file
					    * it maps (or from this
					    * kernel's vDSO) */
#define PROCSNAP_FIND_FILE_REPLACED	7  /* "file-replaced": the path of
					    * an executable mapping names
					    * another file now; not
					    * compared */
#define PROCSNAP_FIND_LOADER_ENV	8  /* "loader-env": LD_PRELOAD and
					    * friends in the environment */
#define PROCSNAP_FIND_EXE_DELETED	9  /* "exe-deleted": the executable
					    * was deleted */
#define PROCSNAP_FIND_EXE_REPLACED	10 /* "exe-replaced": its path
					    * names another file now */
#define PROCSNAP_FIND_EXE_MEMFD		11 /* "exe-memfd": the executable
					    * is a memfd */

/* struct procsnap_finding's segment when the finding has none. */
#define PROCSNAP_NO_SEGMENT ((size_t)-1)

/*
 * One finding, valid during the callback only.  The structure may grow at
 * its end in later versions (the library allocates it).
 */
struct procsnap_finding {
	unsigned int kind;		/* PROCSNAP_FIND_* */
	size_t segment;			/* index into procsnap_view_segments(),
					 * or PROCSNAP_NO_SEGMENT */
	const struct procsnap_segment *seg;	/* that segment, or NULL */
	uint64_t address;		/* where; 0 without a segment */
	uint64_t length;		/* bytes from address; 0 when not
					 * meaningful */
	uint64_t file_offset;		/* patched-code: where address is in
					 * the file (or the vDSO); else 0 */
	const char *why;		/* for a human, one line */
};

/* procsnap_triage()'s flags. */
#define PROCSNAP_TRIAGE_NO_HOST	(1u << 0) /* compare nothing with this
					   * host: its files, its vDSO */

/* Called for each finding; a non-zero return stops and is returned. */
typedef int (*procsnap_finding_fn)(void *data,
				   const struct procsnap_finding *f);

/**
 * procsnap_triage() - report what looks injected
 * @v:		the view
 * @flags:	PROCSNAP_TRIAGE_*
 * @fn:		called for each finding, in a fixed order: the segments in
 *		address order (for each: its executable kind, rwx, ELF
 *		headers and patched code in address order, a replaced
 *		file), then the executable, then the environment
 * @data:	for @fn
 *
 * Unreadable memory is skipped; an environment or executable that the
 * view does not know is not examined.  Without PROCSNAP_TRIAGE_NO_HOST the
 * files of executable mappings are opened on this host (read-only, only
 * when their device and inode are those mapped) and the [vDSO] is
 * compared with this process's when their build-ids match.
 *
 * Return: 0, what @fn returned, or a negative errno (errno set): -EINVAL
 * bad arguments, -ENOMEM.
 */
int procsnap_triage(struct procsnap_view *v, unsigned int flags,
		    procsnap_finding_fn fn, void *data);

/**
 * procsnap_finding_name() - the stable name of a finding's kind,
 * "anon-exec" ..., or NULL for an unknown kind.
 */
const char *procsnap_finding_name(unsigned int kind);

/*
 * Frozen shared memory (LIBPROCSNAP_0.5; needs a module with
 * PROCSNAP_FEAT_FREEZE_SHARED, else the requests fail with -EINVAL and
 * procsnap_frozen() with -ENOTTY).  See PROCSNAP_REQUEST_FREEZE_SHARED in
 * <procsnap.h> for what is frozen and what stays live.
 */

/**
 * procsnap_request_freeze() - procsnap_request() that also copies the
 *	target's shared memory at the instant
 * @ctx:	context from procsnap_open()
 * @pid:	the target
 * @flags:	0 or PROCSNAP_REQUEST_* bits; PROCSNAP_REQUEST_FREEZE_SHARED
 *		is added
 * @freeze_limit: at most this many bytes are copied, in the target's pause;
 *		0 for PROCSNAP_FREEZE_DEFAULT_LIMIT (64 MiB)
 *
 * Return: as procsnap_request(); -EINVAL also for a limit above the
 * module's freeze_max_bytes parameter.  errno is set.
 */
int procsnap_request_freeze(struct procsnap_ctx *ctx, pid_t pid,
			    unsigned int flags, uint64_t freeze_limit);

/**
 * procsnap_snapshot_freeze() - procsnap_snapshot() with the shared memory
 *	frozen, as procsnap_request_freeze()
 * @ctx:	context from procsnap_open()
 * @pid:	the target
 * @flags:	as for procsnap_request_freeze()
 * @freeze_limit: as for procsnap_request_freeze()
 * @timeout_ns:	as for procsnap_snapshot()
 * @clone_pid:	as for procsnap_snapshot()
 *
 * Return: as procsnap_snapshot().
 */
int procsnap_snapshot_freeze(struct procsnap_ctx *ctx, pid_t pid,
			     unsigned int flags, uint64_t freeze_limit,
			     uint64_t timeout_ns, pid_t *clone_pid);

/**
 * procsnap_frozen() - the shared mappings a snapshot froze
 * @ctx:	context from procsnap_open()
 * @clone_pid:	the snapshot's pid
 * @entries:	receives a malloc()ed array, by address, for the caller to
 *		free(); NULL when there are none
 * @count:	receives the number of entries
 *
 * procsnap_mem_open()'s file reads these ranges (up to each one's eof) as
 * they were at the instant; /proc/CLONE/mem reads them live.
 *
 * Return: 0; -ENOENT no such snapshot; or another negative errno (errno
 * set); on failure *@entries is NULL and *@count 0.
 */
int procsnap_frozen(struct procsnap_ctx *ctx, pid_t clone_pid,
		    struct procsnap_frozen_info **entries, size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* LIBPROCSNAP_H */
