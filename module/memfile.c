// SPDX-License-Identifier: GPL-2.0
/*
 * MEM_OPEN: a read-only file of a snapshot's memory.
 *
 * /proc/CLONE/mem needs PTRACE_MODE_ATTACH, which Yama (ptrace_scope 1 and
 * 2) refuses to anyone but an ancestor or CAP_SYS_PTRACE, so a requester
 * that is not root could not read its own snapshot on a hardened host.  The
 * module checks the requester's right once, as for THREADS, and hands out a
 * file that reads what /proc/CLONE/mem would, and can do nothing else.
 *
 * Shared mappings frozen at the instant (freeze.c) are read from their
 * copies instead: the clone shares them with the target, live.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <procsnap.h>

#include "compat.h"
#include "procsnap.h"

struct memfile {
	struct task_struct *clone;		/* reference held */
	struct procsnap_frozen *frozen;		/* or NULL; reference held */
};

/*
 * Reads at most @chunk bytes at @addr into @page: from the copies when
 * @addr is frozen, else through the clone's page tables, stopping short of
 * the next frozen range.  Returns 0 at a hole, -ESRCH when the copies are
 * gone with the snapshot (its memory is going too: end of file).
 */
static int memfile_get(struct memfile *mf, unsigned long addr, char *page,
		       size_t chunk)
{
	const struct procsnap_frozen_range *r;
	unsigned long next;

	r = procsnap_frozen_range(mf->frozen, addr);
	if (r && addr < r->eof) {
		chunk = min_t(size_t, chunk, PAGE_SIZE - offset_in_page(addr));
		chunk = min_t(size_t, chunk, r->eof - addr);
		if (!procsnap_frozen_read(mf->frozen, addr, page, chunk))
			return -ESRCH;
		return chunk;
	}
	next = procsnap_frozen_next(mf->frozen, addr);
	chunk = min_t(size_t, chunk, next - addr);
	/* Reads through the clone's own page tables, never COW. */
	return access_process_vm(mf->clone, addr, page, chunk, FOLL_FORCE);
}

/* As /proc/PID/mem: one bounce page at a time. */
static ssize_t memfile_read(struct file *file, char __user *buf, size_t count,
			    loff_t *ppos)
{
	struct memfile *mf = file->private_data;
	struct task_struct *clone = mf->clone;
	unsigned long addr = *ppos;
	ssize_t copied = 0;
	char *page;
	int n;

	if (!count)
		return 0;
	page = (char *)__get_free_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	while (count) {
		size_t chunk = min_t(size_t, count, PAGE_SIZE);

		n = memfile_get(mf, addr, page, chunk);
		if (n < 0)
			break;
		if (!n) {
			/* Nothing mapped here; or the snapshot is gone: EOF. */
			if (!copied && READ_ONCE(clone->mm))
				copied = -EIO;
			break;
		}
		if (copy_to_user(buf, page, n)) {
			copied = -EFAULT;
			break;
		}
		buf += n;
		addr += n;
		copied += n;
		count -= n;
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
	if (copied > 0)
		*ppos = addr;
	free_page((unsigned long)page);
	return copied;
}

/* As /proc/PID/mem: offsets are addresses, so all 64 bits are valid. */
static loff_t memfile_lseek(struct file *file, loff_t offset, int orig)
{
	switch (orig) {
	case SEEK_CUR:
		offset += file->f_pos;
		fallthrough;
	case SEEK_SET:
		file->f_pos = offset;
		force_successful_syscall_return();
		return offset;
	default:
		return -EINVAL;
	}
}

static int memfile_release(struct inode *inode, struct file *file)
{
	struct memfile *mf = file->private_data;

	procsnap_frozen_put(mf->frozen);
	put_task_struct(mf->clone);
	kfree(mf);
	return 0;
}

static const struct file_operations memfile_fops = {
	.owner = THIS_MODULE,
	.read = memfile_read,
	.llseek = memfile_lseek,
	.release = memfile_release,
	PROCSNAP_FOPS_UNSIGNED_OFFSET
};

/**
 * procsnap_mem_open - a new read-only file of snapshot @nr's memory
 * @nr: the clone's pid in the caller's namespace
 * @filep: out: the file, for the caller to fd_install() once the caller's
 *	process has learnt the descriptor (or fput() and put_unused_fd())
 *
 * Return: a reserved file descriptor, -ENOENT, -EPERM, or another negative
 * errno.
 */
int procsnap_mem_open(pid_t nr, struct file **filep)
{
	struct procsnap_snapshot *snap;
	struct memfile *mf;
	struct file *file;
	int fd, ret;

	ret = procsnap_snapshot_get_readable(nr, &snap);
	if (ret)
		return ret;
	mf = kzalloc(sizeof(*mf), GFP_KERNEL_ACCOUNT);
	if (!mf) {
		procsnap_snapshot_put(snap);
		return -ENOMEM;
	}
	/*
	 * The task and the copies, not the snapshot: the file may outlive
	 * a deletion, which frees the copies all the same (freeze.c).
	 */
	mf->clone = get_task_struct(snap->clone);
	if (snap->frozen) {
		kref_get(&snap->frozen->ref);
		mf->frozen = snap->frozen;
	}
	procsnap_snapshot_put(snap);

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_task;
	}
	file = anon_inode_getfile("[procsnap-mem]", &memfile_fops, mf,
				  O_RDONLY);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_fd;
	}
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD |
			PROCSNAP_FMODE_UNSIGNED_OFFSET;
	*filep = file;
	return fd;

err_fd:
	put_unused_fd(fd);
err_task:
	procsnap_frozen_put(mf->frozen);
	put_task_struct(mf->clone);
	kfree(mf);
	return ret;
}
