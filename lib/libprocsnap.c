// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libprocsnap.h"

/* Built with -fvisibility=hidden: only what the version script lists leaks. */
#define PROCSNAP_EXPORT __attribute__((visibility("default")))

#ifndef PROCSNAP_LIB_VERSION
#error "PROCSNAP_LIB_VERSION must come from the build (see userspace.mk)"
#endif

struct procsnap_ctx {
	int fd;
};

/* Callers may test either the return value or errno; keep them in step. */
static int fail(int err)
{
	errno = err;
	return -err;
}

PROCSNAP_EXPORT
int procsnap_open(const char *path, struct procsnap_ctx **ctxp)
{
	struct procsnap_ctx *ctx;

	if (!ctxp)
		return fail(EINVAL);
	*ctxp = NULL;
	if (!path)
		path = PROCSNAP_DEVICE_PATH;

	ctx = malloc(sizeof(*ctx));
	if (!ctx)
		return fail(ENOMEM);

	ctx->fd = open(path, O_RDWR | O_CLOEXEC);
	if (ctx->fd < 0) {
		int err = errno;

		free(ctx);
		return fail(err);
	}

	*ctxp = ctx;
	return 0;
}

PROCSNAP_EXPORT
void procsnap_close(struct procsnap_ctx *ctx)
{
	int saved_errno = errno;

	if (!ctx)
		return;
	/*
	 * Nothing is written through the descriptor that a failing close()
	 * could lose, so its result carries no information for the caller.
	 */
	close(ctx->fd);
	free(ctx);
	errno = saved_errno;
}

PROCSNAP_EXPORT
int procsnap_fd(const struct procsnap_ctx *ctx)
{
	if (!ctx)
		return fail(EINVAL);
	return ctx->fd;
}

PROCSNAP_EXPORT
int procsnap_get_version(struct procsnap_ctx *ctx,
			 struct procsnap_version *out)
{
	struct procsnap_version ver;

	if (!ctx || !out)
		return fail(EINVAL);

	/* The module rejects non-zero flags and reserved fields. */
	memset(&ver, 0, sizeof(ver));
	ver.size = sizeof(ver);
	if (ioctl(ctx->fd, PROCSNAP_IOC_VERSION, &ver) < 0)
		return fail(errno);

	/* Callers print this string; never trust the other side with that. */
	ver.module_version[sizeof(ver.module_version) - 1] = '\0';
	*out = ver;

	if (ver.abi_version != PROCSNAP_ABI_VERSION)
		return fail(EPROTO);
	return 0;
}

/*
 * Every argument struct starts with "__u32 size; __u32 flags;": set them,
 * and zero the rest, so reserved fields and unknown bits are always 0.
 */
struct arg_header {
	__u32 size;
	__u32 flags;
};

static void arg_init(void *arg, size_t size, __u32 flags)
{
	struct arg_header hdr = { .size = (__u32)size, .flags = flags };

	memset(arg, 0, size);
	memcpy(arg, &hdr, sizeof(hdr));
}

#define ARG_INIT(arg, flags) arg_init(&(arg), sizeof(arg), (flags))

static int dev_ioctl(struct procsnap_ctx *ctx, unsigned long request,
		     void *arg)
{
	/* Never restarted: an interrupted WAIT has cancelled its request. */
	if (ioctl(ctx->fd, request, arg) < 0)
		return fail(errno);
	return 0;
}

static int target_ioctl(struct procsnap_ctx *ctx, unsigned long request,
			pid_t pid, unsigned int flags)
{
	struct procsnap_target_arg arg;

	if (!ctx || pid <= 0)
		return fail(EINVAL);
	ARG_INIT(arg, flags);
	arg.pid = pid;
	return dev_ioctl(ctx, request, &arg);
}

PROCSNAP_EXPORT
int procsnap_request(struct procsnap_ctx *ctx, pid_t pid, unsigned int flags)
{
	/* Unknown bits go to the module, which is the judge of them. */
	return target_ioctl(ctx, PROCSNAP_IOC_REQUEST, pid, flags);
}

PROCSNAP_EXPORT
int procsnap_request_freeze(struct procsnap_ctx *ctx, pid_t pid,
			    unsigned int flags, uint64_t freeze_limit)
{
	struct procsnap_target_arg arg;

	if (!ctx || pid <= 0)
		return fail(EINVAL);
	ARG_INIT(arg, flags | PROCSNAP_REQUEST_FREEZE_SHARED);
	arg.pid = pid;
	arg.freeze_limit = freeze_limit;
	return dev_ioctl(ctx, PROCSNAP_IOC_REQUEST, &arg);
}

PROCSNAP_EXPORT
int procsnap_cancel(struct procsnap_ctx *ctx, pid_t pid)
{
	return target_ioctl(ctx, PROCSNAP_IOC_CANCEL, pid, 0);
}

static int state_ioctl(struct procsnap_ctx *ctx, unsigned long request,
		       pid_t pid, uint64_t timeout_ns,
		       struct procsnap_state_arg *out)
{
	struct procsnap_state_arg arg;
	int err;

	if (!ctx || pid <= 0 || !out)
		return fail(EINVAL);
	ARG_INIT(arg, 0);
	arg.pid = pid;
	arg.timeout_ns = timeout_ns;
	err = dev_ioctl(ctx, request, &arg);
	if (err)
		return err;
	*out = arg;
	return 0;
}

PROCSNAP_EXPORT
int procsnap_state(struct procsnap_ctx *ctx, pid_t pid,
		   struct procsnap_state_arg *out)
{
	return state_ioctl(ctx, PROCSNAP_IOC_STATE, pid, 0, out);
}

PROCSNAP_EXPORT
int procsnap_wait(struct procsnap_ctx *ctx, pid_t pid, uint64_t timeout_ns,
		  struct procsnap_state_arg *out)
{
	return state_ioctl(ctx, PROCSNAP_IOC_WAIT, pid, timeout_ns, out);
}

/* The request made, procsnap_snapshot()'s wait for its end. */
static int snapshot_wait(struct procsnap_ctx *ctx, pid_t pid,
			 uint64_t timeout_ns, pid_t *clone_pid)
{
	struct procsnap_state_arg st;
	int err;

	err = procsnap_wait(ctx, pid, timeout_ns, &st);
	if (err) {
		/*
		 * The module cancels on timeout (and on a fatal signal); an
		 * ordinary signal leaves the request in flight.
		 */
		if (err != -ETIMEDOUT)
			procsnap_cancel(ctx, pid);
		return fail(-err);
	}

	switch (st.state) {
	case PROCSNAP_STATE_DONE:
		if (clone_pid)
			*clone_pid = st.clone_pid;
		return 0;
	case PROCSNAP_STATE_FAILED:
		return fail(st.error > 0 ? st.error : EIO);
	default:
		/* WAIT returned before the end: a module bug. */
		return fail(EPROTO);
	}
}

PROCSNAP_EXPORT
int procsnap_snapshot(struct procsnap_ctx *ctx, pid_t pid, unsigned int flags,
		      uint64_t timeout_ns, pid_t *clone_pid)
{
	int err;

	err = procsnap_request(ctx, pid, flags);
	if (err)
		return err;
	return snapshot_wait(ctx, pid, timeout_ns, clone_pid);
}

PROCSNAP_EXPORT
int procsnap_snapshot_freeze(struct procsnap_ctx *ctx, pid_t pid,
			     unsigned int flags, uint64_t freeze_limit,
			     uint64_t timeout_ns, pid_t *clone_pid)
{
	int err;

	err = procsnap_request_freeze(ctx, pid, flags, freeze_limit);
	if (err)
		return err;
	return snapshot_wait(ctx, pid, timeout_ns, clone_pid);
}

/* A list that keeps growing under us is re-read at most this often. */
#define LIST_RETRIES 8

/*
 * LIST and THREADS: ask with the room we have, grow to the total the module
 * reports and ask again until everything fits.  @fetch issues the request
 * with @buf/@room and returns the entries written and the total.
 */
static int fetch_array(struct procsnap_ctx *ctx, void **entries,
		       size_t *count, size_t entry_size,
		       int (*fetch)(struct procsnap_ctx *ctx, void *priv,
				    void *buf, __u32 room, __u32 *written,
				    __u32 *total),
		       void *priv)
{
	void *buf = NULL, *grown;
	__u32 room = 0, written, total;
	int err, tries;

	if (!entries || !count) {
		if (entries)
			*entries = NULL;
		if (count)
			*count = 0;
		return fail(EINVAL);
	}
	*entries = NULL;
	*count = 0;
	if (!ctx)
		return fail(EINVAL);

	for (tries = 0; tries <= LIST_RETRIES; tries++) {
		err = fetch(ctx, priv, buf, room, &written, &total);
		if (err) {
			free(buf);
			return err;
		}
		if (total <= room) {
			if (written > room)	/* never trust the other side */
				written = room;
			if (!written) {
				free(buf);
				buf = NULL;
			}
			*entries = buf;
			*count = written;
			return 0;
		}
		/* Some slack, so a list that grows by one does not loop. */
		room = total + total / 8 + 1;
		if (room < total) {
			free(buf);
			return fail(EOVERFLOW);
		}
		grown = reallocarray(buf, room, entry_size);
		if (!grown) {
			free(buf);
			return fail(ENOMEM);
		}
		buf = grown;
		memset(buf, 0, (size_t)room * entry_size);
	}
	free(buf);
	return fail(EAGAIN);
}

static int fetch_list(struct procsnap_ctx *ctx, void *priv, void *buf,
		      __u32 room, __u32 *written, __u32 *total)
{
	struct procsnap_list_arg arg;
	int err;

	(void)priv;
	ARG_INIT(arg, 0);
	arg.entries = (__u64)(uintptr_t)buf;
	arg.entry_size = sizeof(struct procsnap_snapshot_info);
	arg.nr_entries = room;
	err = dev_ioctl(ctx, PROCSNAP_IOC_LIST, &arg);
	if (err)
		return err;
	*written = arg.nr_entries;
	*total = arg.total;
	return 0;
}

PROCSNAP_EXPORT
int procsnap_list(struct procsnap_ctx *ctx,
		  struct procsnap_snapshot_info **entries, size_t *count)
{
	void *buf;
	int err;

	err = fetch_array(ctx, entries ? &buf : NULL, count,
			  sizeof(**entries), fetch_list, NULL);
	if (entries)
		*entries = err ? NULL : buf;
	return err;
}

/* THREADS and FILES share one argument layout: which one, and for whom. */
struct snapshot_entries {
	unsigned long request;
	__u32 entry_size;
	pid_t clone_pid;
};

_Static_assert(sizeof(struct procsnap_files_arg) ==
	       sizeof(struct procsnap_threads_arg) &&
	       offsetof(struct procsnap_files_arg, total) ==
	       offsetof(struct procsnap_threads_arg, total),
	       "FILES and THREADS arguments must share their layout");

static int fetch_snapshot_entries(struct procsnap_ctx *ctx, void *priv,
				  void *buf, __u32 room, __u32 *written,
				  __u32 *total)
{
	const struct snapshot_entries *what = priv;
	struct procsnap_threads_arg arg;
	int err;

	ARG_INIT(arg, 0);
	arg.clone_pid = what->clone_pid;
	arg.entry_size = what->entry_size;
	arg.entries = (__u64)(uintptr_t)buf;
	arg.nr_entries = room;
	err = dev_ioctl(ctx, what->request, &arg);
	if (err)
		return err;
	*written = arg.nr_entries;
	*total = arg.total;
	return 0;
}

static int snapshot_array(struct procsnap_ctx *ctx, pid_t clone_pid,
			  unsigned long request, size_t entry_size,
			  void **entries, size_t *count)
{
	struct snapshot_entries what = {
		.request = request,
		.entry_size = entry_size,
		.clone_pid = clone_pid,
	};
	void *buf;
	int err;

	if (clone_pid <= 0) {
		if (entries)
			*entries = NULL;
		if (count)
			*count = 0;
		return fail(EINVAL);
	}
	err = fetch_array(ctx, entries ? &buf : NULL, count, entry_size,
			  fetch_snapshot_entries, &what);
	if (entries)
		*entries = err ? NULL : buf;
	return err;
}

PROCSNAP_EXPORT
int procsnap_threads(struct procsnap_ctx *ctx, pid_t clone_pid,
		     struct procsnap_thread_info **entries, size_t *count)
{
	void *buf;
	int err;

	err = snapshot_array(ctx, clone_pid, PROCSNAP_IOC_THREADS,
			     sizeof(**entries), entries ? &buf : NULL, count);
	if (entries)
		*entries = buf;
	return err;
}

PROCSNAP_EXPORT
int procsnap_files(struct procsnap_ctx *ctx, pid_t clone_pid,
		   struct procsnap_file_info **entries, size_t *count)
{
	void *buf;
	size_t i;
	int err;

	err = snapshot_array(ctx, clone_pid, PROCSNAP_IOC_FILES,
			     sizeof(**entries), entries ? &buf : NULL, count);
	if (entries)
		*entries = buf;
	/* Callers print these: never trust the other side with that. */
	for (i = 0; !err && entries && i < *count; i++)
		(*entries)[i].path[PROCSNAP_FILE_PATH_LEN - 1] = '\0';
	return err;
}

PROCSNAP_EXPORT
int procsnap_frozen(struct procsnap_ctx *ctx, pid_t clone_pid,
		    struct procsnap_frozen_info **entries, size_t *count)
{
	void *buf;
	int err;

	err = snapshot_array(ctx, clone_pid, PROCSNAP_IOC_FROZEN,
			     sizeof(**entries), entries ? &buf : NULL, count);
	if (entries)
		*entries = buf;
	return err;
}

PROCSNAP_EXPORT
int procsnap_xstate(struct procsnap_ctx *ctx, pid_t clone_pid, pid_t tid,
		    void *buf, size_t size, size_t *recorded)
{
	struct procsnap_xstate_arg arg;
	int err;

	if (!ctx || clone_pid <= 0 || tid <= 0 || (!buf && size))
		return fail(EINVAL);
	ARG_INIT(arg, 0);
	arg.clone_pid = clone_pid;
	arg.tid = tid;
	arg.buf = (__u64)(uintptr_t)buf;
	arg.buf_size = size > UINT32_MAX ? UINT32_MAX : (__u32)size;
	err = dev_ioctl(ctx, PROCSNAP_IOC_XSTATE, &arg);
	if (err)
		return err;
	if (recorded)
		*recorded = arg.buf_size;
	return 0;
}

PROCSNAP_EXPORT
int procsnap_mem_open(struct procsnap_ctx *ctx, pid_t clone_pid, int *fd)
{
	struct procsnap_mem_open_arg arg;
	int err;

	if (!ctx || clone_pid <= 0 || !fd)
		return fail(EINVAL);
	ARG_INIT(arg, 0);
	arg.clone_pid = clone_pid;
	err = dev_ioctl(ctx, PROCSNAP_IOC_MEM_OPEN, &arg);
	if (err)
		return err;
	*fd = arg.fd;
	return 0;
}

static int delete_ioctl(struct procsnap_ctx *ctx, pid_t clone_pid,
			__u32 flags, unsigned int *deleted)
{
	struct procsnap_delete_arg arg;
	int err;

	ARG_INIT(arg, flags);
	arg.clone_pid = clone_pid;
	err = dev_ioctl(ctx, PROCSNAP_IOC_DELETE, &arg);
	if (err)
		return err;
	if (deleted)
		*deleted = arg.deleted;
	return 0;
}

PROCSNAP_EXPORT
int procsnap_delete(struct procsnap_ctx *ctx, pid_t clone_pid)
{
	if (!ctx || clone_pid <= 0)
		return fail(EINVAL);
	return delete_ioctl(ctx, clone_pid, 0, NULL);
}

PROCSNAP_EXPORT
int procsnap_delete_all(struct procsnap_ctx *ctx, unsigned int *deleted)
{
	unsigned int n = 0;
	int err;

	if (!ctx)
		return fail(EINVAL);
	err = delete_ioctl(ctx, 0, PROCSNAP_DELETE_ALL, &n);
	/* The ABI leaves open whether "none to delete" is ENOENT. */
	if (err == -ENOENT) {
		n = 0;
		err = 0;
	}
	if (!err && deleted)
		*deleted = n;
	return err;
}

PROCSNAP_EXPORT
const char *procsnap_state_name(unsigned int state)
{
	static const char *const names[] = {
		[PROCSNAP_STATE_IDLE] = "idle",
		[PROCSNAP_STATE_REQUESTED] = "requested",
		[PROCSNAP_STATE_DUPLICATING] = "duplicating",
		[PROCSNAP_STATE_DONE] = "done",
		[PROCSNAP_STATE_FAILED] = "failed",
	};

	if (state >= sizeof(names) / sizeof(names[0]) || !names[state])
		return "unknown";
	return names[state];
}

PROCSNAP_EXPORT
const char *procsnap_lib_version(void)
{
	return PROCSNAP_LIB_VERSION;
}

PROCSNAP_EXPORT
const char *procsnap_strerror(int err)
{
	const char *desc;

	if (err < 0) {
		if (err == INT_MIN)
			return "Unknown error";
		err = -err;
	}

	switch (err) {
	case ENOENT:
		return "procsnap device not found: is the procsnap module loaded? (modprobe procsnap)";
	case ENODEV:
	case ENXIO:
		return "no driver behind the procsnap device node: is the procsnap module loaded? (modprobe procsnap)";
	case EACCES:
	case EPERM:
		/* Device access and ptrace access look alike from here. */
		return "permission denied: /dev/procsnap is root-only by default (run as root, or install the opt-in udev rule and join the 'procsnap' group), and a request needs the right to ptrace the target";
	case ESRCH:
		return "no such process (or it is exiting)";
	case EBUSY:
		return "a snapshot request for this process is already in flight";
	case ETIMEDOUT:
		return "the target did not reach a kernel boundary in time (stopped, or blocked in a system call: see --interrupt)";
	case ENOTTY:
		return "the device does not know this request: the procsnap module is older than libprocsnap (upgrade the module), or the device is not procsnap";
	case EPROTO:
		return "procsnap ABI mismatch between the module and libprocsnap: install matching versions";
	case EDQUOT:
		return "this user already holds max_snapshots_per_user snapshots and requests (delete some, or raise /sys/module/procsnap/parameters/max_snapshots_per_user)";
	case EXDEV:
		return "the target has unshared a pid or time namespace for its children: a snapshot would be pid 1 there, or freeze its clock offsets";
	case EOPNOTSUPP:
		return "the target has a userfaultfd registered: a snapshot could be seen by its monitor";
	}

	/* Unlike strerror(), never formats into a buffer: thread-safe. */
	desc = strerrordesc_np(err);
	return desc ? desc : "Unknown error";
}
