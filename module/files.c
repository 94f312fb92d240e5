// SPDX-License-Identifier: GPL-2.0
/*
 * The target's open file descriptors at the instant of the copy.  The
 * snapshot holds none of them (it would change the target's I/O: a pipe end
 * kept open, a socket kept alive), so what they were is recorded here, in
 * the target's context while its threads are held.
 */
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <procsnap.h>

#include "procsnap.h"

/*
 * Bounds the pause and the memory a snapshot of a huge fd table costs: the
 * default fs.nr_open, so that every real table fits.  The memory is charged
 * to the requester, and each path is kept to what FILES can report.
 */
#define PROCSNAP_MAX_FILES	1048576

struct fd_grab {
	struct procsnap_file_rec *recs;
	struct file **files;
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

	if (g->nr == g->room)
		return 1;
	rec = &g->recs[g->nr];
	rec->fd = fd;
	rec->flags = file->f_flags;
	rec->pos = file->f_pos;
	g->files[g->nr++] = get_file(file);
	return 0;
}

static void describe(struct procsnap_file_rec *rec, struct file *file,
		     char *buf)
{
	struct inode *inode = file_inode(file);
	const char *path;

	rec->ino = inode->i_ino;
	rec->dev = new_encode_dev(inode->i_sb->s_dev);
	rec->mode = inode->i_mode;
	path = d_path(&file->f_path, buf, PATH_MAX);
	if (IS_ERR(path))
		path = "?";
	rec->path_len = strlen(path);
	rec->path = kmemdup_nul(path, min_t(size_t, rec->path_len,
					    PROCSNAP_FILE_PATH_LEN - 1),
				GFP_KERNEL_ACCOUNT);
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
	unsigned int count = 0, i;
	char *buf;
	int ret = -ENOMEM;

	iterate_fd(current->files, 0, count_fd, &count);
	if (!count)
		return 0;
	g.room = min(count, PROCSNAP_MAX_FILES);
	g.recs = kvcalloc(g.room, sizeof(*g.recs), GFP_KERNEL_ACCOUNT);
	g.files = kvcalloc(g.room, sizeof(*g.files), GFP_KERNEL);
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!g.recs || !g.files || !buf)
		goto out;

	iterate_fd(current->files, 0, grab_fd, &g);
	for (i = 0; i < g.nr; i++) {
		describe(&g.recs[i], g.files[i], buf);
		fput(g.files[i]);
	}
	snap->files = g.recs;
	snap->nr_files = g.nr;
	g.recs = NULL;
	ret = 0;
out:
	kfree(buf);
	kvfree(g.files);
	kvfree(g.recs);
	return ret;
}

void procsnap_free_files(struct procsnap_snapshot *snap)
{
	unsigned int i;

	for (i = 0; i < snap->nr_files; i++)
		kfree(snap->files[i].path);
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
	procsnap_snapshot_put(snap);
	return ret;
}
