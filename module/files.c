// SPDX-License-Identifier: GPL-2.0
/*
 * The target's open file descriptors at the instant of the copy.  The
 * snapshot holds none of them (it would change the target's I/O: a pipe end
 * kept open, a socket kept alive), so what they were is recorded here.
 *
 * At the instant, in the target's context while its threads are held, only
 * what needs no sleep and no allocation: number, flags, position, inode,
 * device, mode, and a reference on the file's path (mount and dentry), which
 * keeps no file open.  The path's name is built after the instant, by the
 * clone before it reports detached (DONE and FILES wait for that), so the
 * pause does not pay a d_path() and an allocation per descriptor.  A file
 * renamed in between shows its new name; a deleted one keeps its inode
 * those few milliseconds longer.
 */
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include <procsnap.h>

#include "compat.h"
#include "procsnap.h"

/*
 * Bounds the pause and the memory a snapshot of a huge fd table costs: the
 * default fs.nr_open, so that every real table fits.  The memory is charged
 * to the requester, and each path is kept to what FILES can report.
 */
#define PROCSNAP_MAX_FILES	1048576

struct fd_grab {
	struct procsnap_file_rec *recs;
	unsigned int room;
	unsigned int nr;
};

static int count_fd(const void *data, struct file *file, unsigned int fd)
{
	unsigned int *n = (unsigned int *)data;

	(*n)++;
	return 0;
}

/* Under the table's spinlock: only what needs no sleep. */
static int grab_fd(const void *data, struct file *file, unsigned int fd)
{
	struct fd_grab *g = (struct fd_grab *)data;
	struct procsnap_file_rec *rec;
	struct inode *inode = file_inode(file);

	if (g->nr == g->room)
		return 1;
	rec = &g->recs[g->nr++];
	rec->fd = fd;
	rec->flags = file->f_flags;
	rec->pos = file->f_pos;
	rec->ino = inode->i_ino;
	rec->dev = new_encode_dev(inode->i_sb->s_dev);
	rec->mode = inode->i_mode;
	rec->where = file->f_path;
	path_get(&rec->where);
	rec->path = NULL;
	rec->path_len = 0;
	return 0;
}

/* The name of the path @rec holds, and the reference given back. */
static void describe(struct procsnap_file_rec *rec, char *buf)
{
	const char *path = "?";

	if (buf) {
		path = d_path(&rec->where, buf, PATH_MAX);
		if (IS_ERR(path))
			path = "?";
	}
	rec->path_len = strlen(path);
	rec->path = kmemdup_nul(path, min_t(size_t, rec->path_len,
					    PROCSNAP_FILE_PATH_LEN - 1),
				GFP_KERNEL_ACCOUNT);
	path_put(&rec->where);
	rec->where.mnt = NULL;
	rec->where.dentry = NULL;
}

/**
 * procsnap_record_files - record current's open descriptors into @snap
 * @snap: the snapshot being built
 *
 * Return: 0 or -ENOMEM.
 */
int procsnap_record_files(struct procsnap_snapshot *snap)
{
	struct fd_grab g = { };
	unsigned int count = 0;

	iterate_fd(current->files, 0, count_fd, &count);
	if (!count)
		return 0;
	g.room = min(count, PROCSNAP_MAX_FILES);
	/* Not zeroed: grab_fd() fills every field of the records it uses. */
	g.recs = kvmalloc_array(g.room, sizeof(*g.recs), GFP_KERNEL_ACCOUNT);
	if (!g.recs)
		return -ENOMEM;
	/* A table that grew since the count is recorded up to g.room. */
	iterate_fd(current->files, 0, grab_fd, &g);
	snap->files = g.recs;
	snap->nr_files = g.nr;
	return 0;
}

/**
 * procsnap_describe_files - name the paths recorded at the instant
 * @snap: the snapshot; called once, by its clone, before it reports detached
 *
 * Charged to the requester, as the rest of the snapshot.  A clone told to
 * die stops naming: the snapshot is going, and its release gives back the
 * paths left.
 */
void procsnap_describe_files(struct procsnap_snapshot *snap)
{
	struct mem_cgroup *old_memcg;
	unsigned int i;
	u64 start = ktime_get_ns();
	char *buf;

	if (!snap->nr_files)
		return;
	old_memcg = procsnap_set_active_memcg(snap->memcg);
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	for (i = 0; i < snap->nr_files; i++) {
		if (fatal_signal_pending(current))
			break;
		describe(&snap->files[i], buf);
		cond_resched();
	}
	kfree(buf);
	procsnap_set_active_memcg(old_memcg);
	snap->names_ns = ktime_get_ns() - start;
}

void procsnap_free_files(struct procsnap_snapshot *snap)
{
	struct procsnap_file_rec *rec;
	unsigned int i;

	for (i = 0; i < snap->nr_files; i++) {
		rec = &snap->files[i];
		if (rec->where.dentry)
			path_put(&rec->where);
		kfree(rec->path);
	}
	kvfree(snap->files);
	snap->files = NULL;
	snap->nr_files = 0;
}

static void fill_file_info(const struct procsnap_file_rec *rec,
			   struct procsnap_file_info *info)
{
	const char *path = rec->path ? rec->path : "?";

	memset(info, 0, sizeof(*info));
	info->fd = rec->fd;
	info->flags = rec->flags;
	info->pos = rec->pos;
	info->ino = rec->ino;
	info->dev = rec->dev;
	info->mode = rec->mode;
	info->path_len = rec->path ? rec->path_len : 1;
	strscpy(info->path, path, sizeof(info->path));
}

int procsnap_snapshot_files(pid_t nr, void __user *entries, u32 entry_size,
			    u32 *nr_entries, u32 *total)
{
	struct procsnap_file_info *info;
	struct procsnap_snapshot *snap;
	u32 room = *nr_entries, i;
	int ret = 0;

	ret = procsnap_snapshot_get_readable(nr, &snap);
	if (ret)
		return ret;
	/* Listed before its clone has named the paths: wait for that. */
	if (wait_for_completion_killable(&snap->detached)) {
		ret = -EINTR;
		goto out_put;
	}
	info = kmalloc(sizeof(*info), GFP_KERNEL);
	if (!info) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < snap->nr_files && i < room && !ret; i++) {
		fill_file_info(&snap->files[i], info);
		ret = procsnap_put_entry(entries, i, entry_size, info,
					 sizeof(*info));
	}
	*nr_entries = ret ? 0 : i;
	*total = snap->nr_files;
out:
	kfree(info);
out_put:
	procsnap_snapshot_put(snap);
	return ret;
}
