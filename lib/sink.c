// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Where the evidence goes: a directory of (sparse) files, or a POSIX pax
 * tar stream written by libarchive, with sparse entries (GNU sparse 1.0)
 * for images whose holes are not stored.
 *
 * Files are written sequentially in both cases; what is skipped is a hole,
 * hashed as zeros.  A tar entry needs its size and its sparse map before
 * its data, so the caller declares a sparse file's data extents first.
 * libarchive is given the file's whole logical content: it skips what
 * falls in a hole without reading it, and stores what falls in an extent
 * (zeros there when the caller had nothing to write).
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

struct ps_sink {
	int dirfd;		/* a directory; -1 for a stream */
	struct archive *ar;	/* a stream */
	char *top;		/* the stream's top directory */
	time_t mtime;
	struct ps_file *open;	/* a stream's file being written */
};

struct ps_file {
	struct ps_sink *s;
	int fd;				/* a directory's file */
	struct archive_entry *entry;	/* a stream's entry */
	bool header_done;
	bool sparse;
	bool have_extent;
	uint64_t size;
	uint64_t pos;			/* written (or skipped) up to here */
	struct ps_sha *sha;
	/*
	 * With a lane, the lane's thread owns fd's writes, sha and, once
	 * closed, the file itself; the caller's thread keeps the rest.
	 */
	struct ps_lanes *lanes;
	unsigned int lane;
	char *sha_out;			/* where the lane puts the hash */
};

enum file_op { FILE_DATA, FILE_ZEROS, FILE_DISCARD, FILE_CLOSE };

static int file_job(void *obj, int op, uint64_t off, const void *data,
		    uint64_t len, bool failed);

static int archive_err(struct archive *ar)
{
	int err = archive_errno(ar);

	return ps_fail(err > 0 ? err : EIO);
}

bool ps_sink_is_tar(const struct ps_sink *s)
{
	return s->ar != NULL;
}

static int dir_is_empty(int fd)
{
	struct dirent *d;
	DIR *dir;
	int dupfd, err = 0;

	dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dupfd < 0)
		return ps_fail(errno);
	dir = fdopendir(dupfd);
	if (!dir) {
		err = errno;
		close(dupfd);
		return ps_fail(err);
	}
	errno = 0;
	while ((d = readdir(dir))) {
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
			err = ENOTEMPTY;
			break;
		}
	}
	if (!d && errno)
		err = errno;
	closedir(dir);
	return err ? ps_fail(err) : 0;
}

int ps_sink_open_dir(const char *path, struct ps_sink **sinkp)
{
	struct ps_sink *s;
	int fd, err;

	*sinkp = NULL;
	if (!path || !*path)
		return ps_fail(EINVAL);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return ps_fail(errno);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ps_fail(errno);
	err = dir_is_empty(fd);
	if (err) {
		close(fd);
		return err;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return ps_fail(ENOMEM);
	}
	s->dirfd = fd;
	*sinkp = s;
	return 0;
}

/* A directory entry of the stream, "top/name/". */
static int tar_dir_entry(struct ps_sink *s, const char *name)
{
	struct archive_entry *e;
	char *path;
	int ret;

	if (asprintf(&path, "%s%s%s/", s->top, name ? "/" : "",
		     name ? name : "") < 0)
		return ps_fail(ENOMEM);
	e = archive_entry_new();
	if (!e) {
		free(path);
		return ps_fail(ENOMEM);
	}
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0700);
	archive_entry_set_mtime(e, s->mtime, 0);
	archive_entry_set_uid(e, getuid());
	archive_entry_set_gid(e, getgid());
	ret = archive_write_header(s->ar, e);
	archive_entry_free(e);
	free(path);
	return ret == ARCHIVE_OK ? 0 : archive_err(s->ar);
}

int ps_sink_open_tar(int fd, const char *top, struct ps_sink **sinkp)
{
	struct ps_sink *s;
	int err;

	*sinkp = NULL;
	if (fd < 0 || !top || !*top)
		return ps_fail(EINVAL);
	s = calloc(1, sizeof(*s));
	if (!s)
		return ps_fail(ENOMEM);
	s->dirfd = -1;
	s->mtime = time(NULL);
	s->top = strdup(top);
	s->ar = archive_write_new();
	if (!s->top || !s->ar) {
		ps_sink_abort(s);
		return ps_fail(ENOMEM);
	}
	if (archive_write_set_format_pax(s->ar) != ARCHIVE_OK ||
	    archive_write_open_fd(s->ar, fd) != ARCHIVE_OK) {
		err = archive_err(s->ar);
		ps_sink_abort(s);
		return err;
	}
	err = tar_dir_entry(s, NULL);
	if (err) {
		ps_sink_abort(s);
		return err;
	}
	*sinkp = s;
	return 0;
}

int ps_sink_mkdir(struct ps_sink *s, const char *name)
{
	if (s->ar)
		return tar_dir_entry(s, name);
	if (mkdirat(s->dirfd, name, 0700) < 0)
		return ps_fail(errno);
	return 0;
}

int ps_sink_close(struct ps_sink *s)
{
	int err = 0;

	if (s->open)
		return ps_fail(EBUSY);
	if (s->ar) {
		if (archive_write_close(s->ar) != ARCHIVE_OK)
			err = archive_err(s->ar);
		archive_write_free(s->ar);
	} else {
		if (fsync(s->dirfd) < 0 && errno != EINVAL)
			err = ps_fail(errno);
		close(s->dirfd);
	}
	free(s->top);
	free(s);
	return err;
}

void ps_sink_abort(struct ps_sink *s)
{
	int saved = errno;

	if (!s)
		return;
	if (s->open)
		ps_file_abort(s->open);
	if (s->ar) {
		/* No trailer: the stream must not look complete. */
		archive_write_fail(s->ar);
		archive_write_free(s->ar);
	}
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->top);
	free(s);
	errno = saved;
}

int ps_file_create(struct ps_sink *s, const char *name, uint64_t size,
		   bool sparse, bool hash, struct ps_file **filep)
{
	struct ps_file *f;
	char *path;
	int err;

	*filep = NULL;
	if (size > INT64_MAX)
		return ps_fail(EFBIG);
	if (s->ar && s->open)
		return ps_fail(EBUSY);
	f = calloc(1, sizeof(*f));
	if (!f)
		return ps_fail(ENOMEM);
	f->s = s;
	f->fd = -1;
	f->size = size;
	f->sparse = sparse;
	if (hash) {
		err = ps_sha_new(&f->sha);
		if (err) {
			free(f);
			return err;
		}
	}
	if (s->ar) {
		f->entry = archive_entry_new();
		if (!f->entry || asprintf(&path, "%s/%s", s->top, name) < 0) {
			ps_file_abort(f);
			return ps_fail(ENOMEM);
		}
		archive_entry_set_pathname(f->entry, path);
		free(path);
		archive_entry_set_filetype(f->entry, AE_IFREG);
		archive_entry_set_perm(f->entry, 0600);
		archive_entry_set_size(f->entry, (la_int64_t)size);
		archive_entry_set_mtime(f->entry, s->mtime, 0);
		archive_entry_set_uid(f->entry, getuid());
		archive_entry_set_gid(f->entry, getgid());
		s->open = f;
	} else {
		f->fd = openat(s->dirfd, name, O_WRONLY | O_CREAT | O_EXCL |
			       O_NOFOLLOW | O_CLOEXEC, 0600);
		if (f->fd < 0 || ftruncate(f->fd, (off_t)size) < 0) {
			err = errno;
			ps_file_abort(f);
			return ps_fail(err);
		}
	}
	*filep = f;
	return 0;
}

int ps_file_add_extent(struct ps_file *f, uint64_t offset, uint64_t len)
{
	if (!f->entry)
		return 0;
	if (f->header_done || !f->sparse || offset > f->size ||
	    len > f->size - offset)
		return ps_fail(EINVAL);
	if (len) {
		archive_entry_sparse_add_entry(f->entry, (la_int64_t)offset,
					       (la_int64_t)len);
		f->have_extent = true;
	}
	return 0;
}

static int tar_header(struct ps_file *f)
{
	if (f->header_done)
		return 0;
	/*
	 * A sparse file with no data at all: one empty extent at its end
	 * says so (else libarchive would store it whole).
	 */
	if (f->sparse && !f->have_extent && f->size)
		archive_entry_sparse_add_entry(f->entry, (la_int64_t)f->size,
					       0);
	f->header_done = true;
	if (archive_write_header(f->s->ar, f->entry) != ARCHIVE_OK)
		return archive_err(f->s->ar);
	/*
	 * libarchive writes a sparse entry's map (GNU sparse 1.0: at the
	 * start of the body) on the first data call only: an entry that
	 * gets no data at all would be left without it.
	 */
	if (archive_write_data(f->s->ar, ps_zeros, 0) < 0)
		return archive_err(f->s->ar);
	return 0;
}

/* Data to the stream; past the last extent libarchive takes less. */
static int tar_data(struct ps_file *f, const void *buf, size_t len)
{
	la_ssize_t n;

	while (len) {
		n = archive_write_data(f->s->ar, buf, len);
		if (n < 0)
			return archive_err(f->s->ar);
		if (n == 0)
			return 0;	/* the rest is the trailing hole */
		buf = (const char *)buf + n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * @op on @f: on its lane if it has one (queued; a hole is one job that
 * waits for no lane), else here and now.  The same code either way.
 */
static int file_run(struct ps_file *f, int op, uint64_t off,
		    const void *data, uint64_t len)
{
	if (f->lanes)
		return ps_lanes_submit(f->lanes, f->lane, file_job, f, op, off,
				       data, len);
	return file_job(f, op, off, data, len, false);
}

/* Skip up to @offset: a hole, zeros for the hash and the stream. */
static int skip_to(struct ps_file *f, uint64_t offset)
{
	uint64_t gap = offset - f->pos;
	size_t n;
	int err;

	if (f->sha) {
		err = file_run(f, FILE_ZEROS, 0, ps_zeros, gap);
		if (err)
			return err;
	}
	if (f->entry) {
		while (gap) {
			n = gap < sizeof(ps_zeros) ? (size_t)gap :
			    sizeof(ps_zeros);
			err = tar_data(f, ps_zeros, n);
			if (err)
				return err;
			gap -= n;
		}
	}
	f->pos = offset;
	return 0;
}

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t offset)
{
	ssize_t n;

	while (len) {
		n = pwrite(fd, buf, len, (off_t)offset);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ps_fail(errno);
		}
		if (n == 0)
			return ps_fail(EIO);
		buf = (const char *)buf + n;
		len -= (size_t)n;
		offset += (uint64_t)n;
	}
	return 0;
}

int ps_file_write(struct ps_file *f, uint64_t offset, const void *buf,
		  size_t len)
{
	int err;

	if (offset < f->pos || offset > f->size || len > f->size - offset)
		return ps_fail(EINVAL);
	if (f->entry) {
		err = tar_header(f);
		if (err)
			return err;
	}
	if (offset > f->pos) {
		err = skip_to(f, offset);
		if (err)
			return err;
	}
	/* A stream is written here, in order: only its hash can move. */
	err = f->entry ? tar_data(f, buf, len) : 0;
	if (!err)
		err = file_run(f, FILE_DATA, offset, buf, len);
	if (err)
		return err;
	f->pos = offset + len;
	return 0;
}

static int discard(struct ps_file *f)
{
	if (ftruncate(f->fd, 0) < 0 || ftruncate(f->fd, (off_t)f->size) < 0)
		return ps_fail(errno);
	if (f->sha)
		return ps_sha_reset(f->sha);
	return 0;
}

int ps_file_discard(struct ps_file *f)
{
	if (f->entry)
		return ps_fail(EOPNOTSUPP);
	f->pos = 0;
	return file_run(f, FILE_DISCARD, 0, NULL, 0);
}

static void file_free(struct ps_file *f)
{
	if (f->s && f->s->open == f)
		f->s->open = NULL;
	if (f->entry)
		archive_entry_free(f->entry);
	ps_sha_free(f->sha);
	free(f);
}

/* The end of a file: close, the hash into sha_out if set, free. */
static int file_finish(struct ps_file *f, bool failed)
{
	int err = 0;

	if (f->fd >= 0 && close(f->fd) < 0 && !failed)
		err = ps_fail(errno);
	f->fd = -1;
	if (!err && !failed && f->sha && f->sha_out)
		err = ps_sha_final(f->sha, f->sha_out);
	file_free(f);
	return err;
}

/* What a lane does for a file (see ps_lanes_submit()). */
static int file_job(void *obj, int op, uint64_t off, const void *data,
		    uint64_t len, bool failed)
{
	struct ps_file *f = obj;
	int err = 0;

	if (op == FILE_CLOSE)
		return file_finish(f, failed);
	if (failed)
		return 0;
	switch (op) {
	case FILE_DATA:
		if (f->fd >= 0)
			err = pwrite_all(f->fd, data, (size_t)len, off);
		if (!err && f->sha)
			err = ps_sha_update(f->sha, data, (size_t)len);
		break;
	case FILE_ZEROS:
		/* A gigabyte's hole: give up between pieces once failed. */
		while (len && !err &&
		       !(f->lanes && ps_lanes_stopping(f->lanes))) {
			uint64_t n = len < (64u << 20) ? len : 64u << 20;

			err = ps_sha_zeros(f->sha, n);
			len -= n;
		}
		break;
	case FILE_DISCARD:
		err = discard(f);
		break;
	}
	return err;
}

void ps_file_use_lane(struct ps_file *f, struct ps_lanes *q,
		      unsigned int lane)
{
	/* A stream's data goes to libarchive here: only a hash can move. */
	if (q && (f->sha || !f->entry)) {
		f->lanes = q;
		f->lane = lane;
	}
}

/*
 * Before a lane ends a file: what the stream needs is done here
 * (libarchive and the sink belong to this thread).
 */
static void leave_sink(struct ps_file *f)
{
	if (!f->lanes)
		return;
	if (f->entry) {
		archive_entry_free(f->entry);
		f->entry = NULL;
	}
	if (f->s && f->s->open == f)
		f->s->open = NULL;
	f->s = NULL;
}

int ps_file_close(struct ps_file *f, char sha[PS_SHA256_HEX])
{
	int err = 0, err2;

	if (f->entry)
		err = tar_header(f);
	/* The stream's trailing data, if any, libarchive pads with zeros. */
	if (!err && f->sha && f->size > f->pos)
		err = file_run(f, FILE_ZEROS, 0, ps_zeros, f->size - f->pos);
	if (f->entry && !err &&
	    archive_write_finish_entry(f->s->ar) != ARCHIVE_OK)
		err = archive_err(f->s->ar);
	f->sha_out = err ? NULL : sha;
	leave_sink(f);
	err2 = file_run(f, FILE_CLOSE, 0, NULL, 0);
	return err ? err : err2;
}

void ps_file_abort(struct ps_file *f)
{
	int saved = errno;

	if (!f)
		return;
	f->sha_out = NULL;
	leave_sink(f);
	file_run(f, FILE_CLOSE, 0, NULL, 0);
	errno = saved;
}

int ps_sink_put(struct ps_sink *s, const char *name, const void *buf,
		size_t len, bool hash, char sha[PS_SHA256_HEX])
{
	struct ps_file *f;
	int err;

	err = ps_file_create(s, name, len, false, hash, &f);
	if (err)
		return err;
	err = ps_file_write(f, 0, buf, len);
	if (err) {
		ps_file_abort(f);
		return err;
	}
	return ps_file_close(f, sha);
}
