// SPDX-License-Identifier: GPL-2.0
/*
 * The snapshot ioctls: argument checking and copying only.  Every flag bit
 * and reserved field is checked before anything happens, so that they stay
 * free for later use (see the uapi header).
 */
#include <linux/build_bug.h>
#include <linux/file.h>
#include <linux/pid.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <procsnap.h>

#include "ioctl.h"
#include "procsnap.h"
#include "uarg.h"

#define reserved_zero(arg) (!memchr_inv((arg)->reserved, 0, \
					sizeof((arg)->reserved)))

long procsnap_ioctl_request(struct file *file, void __user *uarg)
{
	struct procsnap_target_arg arg;
	u32 usize;
	int ret;

	ret = procsnap_uarg_in(&arg, sizeof(arg), PROCSNAP_TARGET_SIZE_VER0,
			       uarg, &usize);
	if (ret)
		return ret;
	if ((arg.flags & ~PROCSNAP_REQUEST_FLAGS) || arg.reserved0 ||
	    !reserved_zero(&arg))
		return -EINVAL;
	if (arg.freeze_limit &&
	    (!(arg.flags & PROCSNAP_REQUEST_FREEZE_SHARED) ||
	     arg.freeze_limit > READ_ONCE(procsnap_freeze_max_bytes)))
		return -EINVAL;
	return procsnap_request_start(file, arg.pid, arg.flags,
				      arg.freeze_limit);
}

long procsnap_ioctl_cancel(void __user *uarg)
{
	struct procsnap_target_arg arg;
	u32 usize;
	int ret;

	ret = procsnap_uarg_in(&arg, sizeof(arg), PROCSNAP_TARGET_SIZE_VER0,
			       uarg, &usize);
	if (ret)
		return ret;
	if (arg.flags || arg.reserved0 || arg.freeze_limit ||
	    !reserved_zero(&arg))
		return -EINVAL;
	return procsnap_request_cancel_pid(arg.pid);
}

long procsnap_ioctl_state(void __user *uarg, bool wait)
{
	struct procsnap_state_arg arg;
	struct pid *clone_pid;
	int state, error;
	u32 usize;
	int ret;

	ret = procsnap_uarg_in(&arg, sizeof(arg), PROCSNAP_STATE_SIZE_VER0,
			       uarg, &usize);
	if (ret)
		return ret;
	if (arg.flags || arg.state || arg.clone_pid || arg.error ||
	    (!wait && arg.timeout_ns) || !reserved_zero(&arg))
		return -EINVAL;
	ret = procsnap_request_state(arg.pid, wait, arg.timeout_ns, &state,
				     &error, &clone_pid);
	if (ret)
		return ret;
	arg.state = state;
	arg.error = error;
	arg.clone_pid = clone_pid ? pid_vnr(clone_pid) : 0;
	put_pid(clone_pid);
	return procsnap_uarg_out(uarg, usize, &arg, sizeof(arg));
}

/* Entry arrays: at least the first published entry size, at most a page. */
static bool entry_size_ok(u32 entry_size, u32 ver0_size)
{
	return entry_size >= ver0_size && entry_size <= PAGE_SIZE;
}

long procsnap_ioctl_list(void __user *uarg)
{
	struct procsnap_list_arg arg;
	u32 usize;
	int ret;

	ret = procsnap_uarg_in(&arg, sizeof(arg), PROCSNAP_LIST_SIZE_VER0,
			       uarg, &usize);
	if (ret)
		return ret;
	if (arg.flags || arg.total || arg.reserved0 || !reserved_zero(&arg))
		return -EINVAL;
	if (arg.nr_entries &&
	    !entry_size_ok(arg.entry_size, PROCSNAP_SNAPSHOT_INFO_SIZE_VER0))
		return -EINVAL;
	ret = procsnap_snapshot_list(u64_to_user_ptr(arg.entries),
				     arg.entry_size, &arg.nr_entries,
				     &arg.total);
	if (ret)
		return ret;
	return procsnap_uarg_out(uarg, usize, &arg, sizeof(arg));
}

long procsnap_ioctl_delete(void __user *uarg)
{
	struct procsnap_delete_arg arg;
	u32 usize;
	int ret;

	ret = procsnap_uarg_in(&arg, sizeof(arg), PROCSNAP_DELETE_SIZE_VER0,
			       uarg, &usize);
	if (ret)
		return ret;
	if ((arg.flags & ~PROCSNAP_DELETE_ALL) || arg.deleted ||
	    !reserved_zero(&arg))
		return -EINVAL;
	if (arg.flags & PROCSNAP_DELETE_ALL) {
		if (arg.clone_pid)
			return -EINVAL;
		ret = procsnap_snapshot_delete_all(&arg.deleted);
	} else {
		ret = procsnap_snapshot_delete_pid(arg.clone_pid, &arg.deleted);
	}
	if (ret)
		return ret;
	return procsnap_uarg_out(uarg, usize, &arg, sizeof(arg));
}

/*
 * THREADS and FILES: one argument layout, entries of different kinds.
 * @list fills the caller's array for the snapshot whose clone is pid nr.
 */
static long ioctl_entries(void __user *uarg, u32 entry_ver0_size,
			  int (*list)(pid_t nr, void __user *entries,
				      u32 entry_size, u32 *nr_entries,
				      u32 *total))
{
	struct procsnap_threads_arg arg;
	u32 usize;
	int ret;

	BUILD_BUG_ON(sizeof(struct procsnap_files_arg) != sizeof(arg));
	BUILD_BUG_ON(offsetof(struct procsnap_files_arg, entries) !=
		     offsetof(struct procsnap_threads_arg, entries));
	BUILD_BUG_ON(offsetof(struct procsnap_files_arg, total) !=
		     offsetof(struct procsnap_threads_arg, total));
	BUILD_BUG_ON(PROCSNAP_FILES_SIZE_VER0 != PROCSNAP_THREADS_SIZE_VER0);

	ret = procsnap_uarg_in(&arg, sizeof(arg), PROCSNAP_THREADS_SIZE_VER0,
			       uarg, &usize);
	if (ret)
		return ret;
	if (arg.flags || arg.total || !reserved_zero(&arg))
		return -EINVAL;
	if (arg.nr_entries && !entry_size_ok(arg.entry_size, entry_ver0_size))
		return -EINVAL;
	ret = list(arg.clone_pid, u64_to_user_ptr(arg.entries), arg.entry_size,
		   &arg.nr_entries, &arg.total);
	if (ret)
		return ret;
	return procsnap_uarg_out(uarg, usize, &arg, sizeof(arg));
}

long procsnap_ioctl_frozen(void __user *uarg)
{
	return ioctl_entries(uarg, PROCSNAP_FROZEN_INFO_SIZE_VER0,
			     procsnap_snapshot_frozen);
}

long procsnap_ioctl_threads(void __user *uarg)
{
	return ioctl_entries(uarg, PROCSNAP_THREAD_INFO_SIZE_VER0,
			     procsnap_snapshot_threads);
}

long procsnap_ioctl_files(void __user *uarg)
{
	return ioctl_entries(uarg, PROCSNAP_FILE_INFO_SIZE_VER0,
			     procsnap_snapshot_files);
}

long procsnap_ioctl_xstate(void __user *uarg)
{
	struct procsnap_xstate_arg arg;
	u32 usize;
	int ret;

	ret = procsnap_uarg_in(&arg, sizeof(arg), PROCSNAP_XSTATE_SIZE_VER0,
			       uarg, &usize);
	if (ret)
		return ret;
	if (arg.flags || arg.reserved0 || !reserved_zero(&arg))
		return -EINVAL;
	ret = procsnap_snapshot_xstate(arg.clone_pid, arg.tid,
				       u64_to_user_ptr(arg.buf), &arg.buf_size);
	if (ret)
		return ret;
	return procsnap_uarg_out(uarg, usize, &arg, sizeof(arg));
}

long procsnap_ioctl_mem_open(void __user *uarg)
{
	struct procsnap_mem_open_arg arg;
	struct file *file;
	u32 usize;
	int ret, fd;

	ret = procsnap_uarg_in(&arg, sizeof(arg), PROCSNAP_MEM_OPEN_SIZE_VER0,
			       uarg, &usize);
	if (ret)
		return ret;
	if (arg.flags || arg.fd || !reserved_zero(&arg))
		return -EINVAL;
	fd = procsnap_mem_open(arg.clone_pid, &file);
	if (fd < 0)
		return fd;
	arg.fd = fd;
	ret = procsnap_uarg_out(uarg, usize, &arg, sizeof(arg));
	if (ret) {
		fput(file);
		put_unused_fd(fd);
		return ret;
	}
	/* Only now: a descriptor the caller could not learn would leak. */
	fd_install(fd, file);
	return 0;
}
