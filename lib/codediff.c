// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * patched-code: executable memory against what it should hold, the file
 * it maps or this kernel's vDSO (the rules are in triage.c).  A file is
 * read only when it is the one mapped, found through an O_PATH descriptor
 * and reopened as that very file, so nothing else (a FIFO, a device, a
 * symlink planted at the path) is ever opened for reading.
 */
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "triage.h"

struct diff {
	struct triage *t;
	size_t index;
	const char *what;	/* what the memory is compared with */
	const char *where;	/* "file offset" or "offset" */
	uint64_t base;		/* @where of the segment's start */
	bool open;		/* a range is being gathered */
	uint64_t start;		/* its first differing byte */
	uint64_t last;		/* its last one */
	uint64_t changed;	/* differing bytes in it */
	struct capped cap;
	uint64_t more_changed;
};

static int diff_flush(struct diff *d)
{
	const struct procsnap_segment *s = &d->t->segs[d->index];
	uint64_t off = d->base + (d->start - s->start);

	if (!d->open)
		return 0;
	d->open = false;
	if (!ps_triage_cap_take(&d->cap, d->start, d->last + 1)) {
		d->more_changed += d->changed;
		return 0;
	}
	return ps_triage_emit(d->t, PROCSNAP_FIND_PATCHED_CODE, d->index,
			      d->start, d->last + 1 - d->start, off,
			      "%" PRIu64 " byte%s differ%s from %s at %s 0x%"
			      PRIx64,
			      d->changed, d->changed == 1 ? "" : "s",
			      d->changed == 1 ? "s" : "", d->what, d->where,
			      off);
}

static int diff_bytes(struct diff *d, uint64_t addr, const unsigned char *m,
		      const unsigned char *f, size_t n)
{
	size_t k, block;
	uint64_t a;
	int err;

	for (k = 0; k < n; k++) {
		/* Equal blocks at a time. */
		block = n - k < 64 ? n - k : 64;
		if (!(k % 64) && !memcmp(m + k, f + k, block)) {
			k += block - 1;
			continue;
		}
		if (m[k] == f[k])
			continue;
		a = addr + k;
		if (d->open && a - d->last <= TR_MERGE_GAP) {
			d->last = a;
			d->changed++;
			continue;
		}
		err = diff_flush(d);
		if (err)
			return err;
		d->open = true;
		d->start = d->last = a;
		d->changed = 1;
	}
	return 0;
}

static int diff_finish(struct diff *d)
{
	const struct procsnap_segment *s = &d->t->segs[d->index];
	int err = diff_flush(d);

	if (err || !d->cap.more)
		return err;
	return ps_triage_emit(d->t, PROCSNAP_FIND_PATCHED_CODE, d->index,
			      d->cap.more_start,
			      d->cap.more_end - d->cap.more_start,
			      d->base + (d->cap.more_start - s->start),
			      "%" PRIu64 " more bytes in %" PRIu64 " ranges up "
			      "to 0x%" PRIx64 " differ from %s, not listed",
			      d->more_changed, d->cap.more, d->cap.more_end - 1,
			      d->what);
}

static bool same_ids(const struct stat *st, const struct procsnap_segment *s)
{
	return st->st_ino == s->inode && major(st->st_dev) == s->dev_major &&
	       minor(st->st_dev) == s->dev_minor;
}

/*
 * Is @st the file segment @i maps?  Its device and inode say so, or, where
 * stat(2) names another device than maps does (btrfs subvolumes, some
 * overlayfs), the mapped file itself as /proc/PID/map_files shows it.
 */
static bool is_mapped_file(struct triage *t, size_t i, const struct stat *st)
{
	const struct procsnap_segment *s = &t->segs[i];
	struct stat mst;
	char name[96];

	if (!S_ISREG(st->st_mode))
		return false;
	if (same_ids(st, s))
		return true;
	if (t->pid <= 0)
		return false;
	snprintf(name, sizeof(name), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64,
		 (int)t->pid, s->start, s->end);
	return !stat(name, &mst) && mst.st_dev == st->st_dev &&
	       mst.st_ino == st->st_ino;
}

/*
 * Open for reading the file segment @i maps, found at @path: in this
 * process's root, else in the viewed process's (a target in another mount
 * namespace).  Nothing but a regular file that is the mapped one is
 * opened for reading.
 *
 * Return: the descriptor; -ENOENT nothing at @path; -ESTALE another file
 * is there (*@other says which); or another negative errno.
 */
int ps_triage_open_mapped(struct triage *t, size_t i, const char *path,
			  struct stat *other)
{
	const int dirs[2] = { AT_FDCWD, t->rootfd };
	const char *names[2] = { path, path + 1 };
	bool have_other = false;
	char self[64];
	struct stat st;
	int k, fd, rfd;

	if (path[0] != '/')
		return -ENOENT;
	for (k = 0; k < 2; k++) {
		if (k && (t->rootfd < 0 || !*names[k]))
			continue;
		fd = openat(dirs[k], names[k], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOMEM)
				return -ENOMEM;
			continue;
		}
		if (fstat(fd, &st)) {
			close(fd);
			continue;
		}
		if (is_mapped_file(t, i, &st)) {
			/* That very file, not whatever the path is now. */
			snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
			rfd = open(self, O_RDONLY | O_NOCTTY | O_CLOEXEC);
			rfd = rfd < 0 ? -errno : rfd;
			close(fd);
			return rfd;
		}
		if (!have_other) {
			*other = st;
			have_other = true;
		}
		close(fd);
	}
	return have_other ? -ESTALE : -ENOENT;
}

static ssize_t pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done,
			  (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static int compare_file(struct triage *t, size_t i, int fd)
{
	const struct procsnap_segment *s = &t->segs[i];
	struct diff d = {
		.t = t, .index = i, .what = s->path, .where = "file offset",
		.base = s->offset,
	};
	uint64_t len = s->end - s->start, off;
	ssize_t n, got;
	size_t want;
	int err;

	for (off = 0; off < len; off += (uint64_t)n) {
		want = len - off < TR_CHUNK ? (size_t)(len - off) : TR_CHUNK;
		n = procsnap_view_read(t->v, s->start + off, t->mbuf, want);
		if (n == -ENOMEM)
			return n;
		/* Pages past the end of the file cannot be read. */
		if (n <= 0)
			break;
		got = pread_full(fd, t->fbuf, (size_t)n, s->offset + off);
		if (got < 0)
			break;
		/* Past the end of the file the memory is zeros. */
		memset(t->fbuf + got, 0, (size_t)(n - got));
		err = diff_bytes(&d, s->start + off, t->mbuf, t->fbuf,
				 (size_t)n);
		if (err)
			return err;
		if ((size_t)n < want)
			break;
	}
	return diff_finish(&d);
}

int ps_triage_check_code(struct triage *t, size_t i)
{
	const struct procsnap_segment *s = &t->segs[i];
	struct stat other;
	int fd, err;

	if (s->perms[2] != 'x' || s->perms[3] != 'p' ||
	    (s->flags & PROCSNAP_SEG_UNREADABLE))
		return 0;
	fd = ps_triage_open_mapped(t, i, s->path, &other);
	if (fd == -ESTALE)
		return ps_triage_emit(t, PROCSNAP_FIND_FILE_REPLACED, i,
				      s->start, s->end - s->start, 0,
				      "%s is another file here (dev %02x:%02x "
				      "inode %" PRIu64 ") than the one mapped "
				      "(dev %02x:%02x inode %" PRIu64 "): not "
				      "compared",
				      s->path, major(other.st_dev),
				      minor(other.st_dev),
				      (uint64_t)other.st_ino, s->dev_major,
				      s->dev_minor, s->inode);
	/* Nothing there, or not for us to read: not compared. */
	if (fd < 0)
		return fd == -ENOMEM ? fd : 0;
	err = compare_file(t, i, fd);
	close(fd);
	return err;
}

/* The GNU build-id of a 64-bit ELF image in memory, or false. */
static bool build_id(const unsigned char *img, size_t len,
		     const unsigned char **id, size_t *id_len)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	Elf64_Nhdr nh;
	uint64_t off, end, name_at, desc_at;
	size_t k;

	if (len < sizeof(eh) || memcmp(img, ELFMAG, SELFMAG) ||
	    img[EI_CLASS] != ELFCLASS64)
		return false;
	memcpy(&eh, img, sizeof(eh));
	if (eh.e_phentsize != sizeof(ph) || eh.e_phoff > len ||
	    eh.e_phnum > (len - eh.e_phoff) / sizeof(ph))
		return false;
	for (k = 0; k < eh.e_phnum; k++) {
		memcpy(&ph, img + eh.e_phoff + k * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_NOTE || ph.p_offset > len ||
		    ph.p_filesz > len - ph.p_offset)
			continue;
		end = ph.p_offset + ph.p_filesz;
		for (off = ph.p_offset; end - off >= sizeof(nh);) {
			memcpy(&nh, img + off, sizeof(nh));
			name_at = off + sizeof(nh);
			desc_at = name_at +
				  (((uint64_t)nh.n_namesz + 3) & ~3ull);
			if (desc_at > end || nh.n_descsz > end - desc_at)
				break;
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp(img + name_at, "GNU", 4) && nh.n_descsz) {
				*id = img + desc_at;
				*id_len = nh.n_descsz;
				return true;
			}
			off = desc_at + (((uint64_t)nh.n_descsz + 3) & ~3ull);
			if (off > end)
				break;
		}
	}
	return false;
}

int ps_triage_check_vdso(struct triage *t, size_t i)
{
	const struct procsnap_segment *s = &t->segs[i];
	struct diff d = {
		.t = t, .index = i, .what = "this kernel's vDSO",
		.where = "offset",
	};
	const unsigned char *id, *own_id;
	size_t size = (size_t)(s->end - s->start), id_len, own_len;
	unsigned char *img;
	int err = 0;

	if (strcmp(s->path, "[vdso]") || !t->vdso || size != t->vdso_size ||
	    (s->flags & PROCSNAP_SEG_UNREADABLE))
		return 0;
	img = malloc(size);
	if (!img)
		return -ENOMEM;
	if (procsnap_view_read(t->v, s->start, img, size) == (ssize_t)size &&
	    build_id(img, size, &id, &id_len) &&
	    build_id(t->vdso, size, &own_id, &own_len) &&
	    id_len == own_len && !memcmp(id, own_id, id_len)) {
		err = diff_bytes(&d, s->start, img, t->vdso, size);
		if (!err)
			err = diff_finish(&d);
	}
	free(img);
	return err;
}

/* This process's vDSO: where getauxval() says, as long as maps says. */
void ps_triage_own_vdso(struct triage *t)
{
	uint64_t base = getauxval(AT_SYSINFO_EHDR);
	struct ps_map *maps;
	size_t len, n, i;
	char *text;

	if (!base || ps_read_at(AT_FDCWD, "/proc/self/maps", &text, &len))
		return;
	if (!ps_parse_maps(text, &maps, &n)) {
		for (i = 0; i < n; i++) {
			if (maps[i].start == base &&
			    !strcmp(maps[i].path, "[vdso]") &&
			    maps[i].perms[0] == 'r' &&
			    maps[i].end - base <= TR_VDSO_MAX) {
				t->vdso = (const void *)(uintptr_t)base;
				t->vdso_size = (size_t)(maps[i].end - base);
			}
		}
		free(maps);
	}
	free(text);
}
