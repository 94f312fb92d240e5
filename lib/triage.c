// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Triage: what in a process image looks injected, in the manner of
 * Volatility's linux.malfind and pe-sieve, which need a full-RAM image or
 * a stopped process; a view gives a consistent snapshot of a live one (or
 * its evidence directory).  The rules, in the order findings come:
 *
 * For each segment, in address order:
 *   anon-exec          executable anonymous memory: no path, [heap],
 *                      [stack], [anon:NAME], a shared anonymous mapping
 *                      (/dev/zero, SysV shm, anon_hugepage), or a pseudo
 *                      file that is no file on a filesystem (anon_inode:).
 *                      JIT compilers make such memory too: it is reported
 *                      all the same, as malfind does.
 *   memfd-exec         executable mapping of a memfd (/memfd:NAME).
 *   deleted-file-exec  executable mapping of any other deleted file.
 *   rwx                writable and executable, whatever the mapping.
 *   elf-in-anon        a well-formed ELF header (magic, class, data,
 *                      version, type ET_REL to ET_CORE, header size) at a
 *                      page start of readable anonymous, memfd or
 *                      deleted-file memory that holds data; of a deleted
 *                      file not at file offset 0, where the file's own
 *                      header is.  A program that reads ELF files into
 *                      page-aligned buffers has them too.
 *   patched-code       bytes of an executable private file mapping that
 *                      differ from the file at its path on this host, when
 *                      that is the file mapped (same device and inode, or
 *                      the same file as /proc/PID/map_files shows for a
 *                      snapshot or process); memory past the end of the
 *                      file must be zeros.  Differences closer than 16
 *                      bytes (an x86 instruction is at most 15) are one
 *                      range.  The [vdso] is compared likewise with this
 *                      process's own when both have the same size and GNU
 *                      build-id (the same kernel build: every process gets
 *                      the same vDSO pages).  Breakpoints of a debugger or
 *                      of uprobes are patched code too.
 *   file-replaced      the path of an executable private mapping names
 *                      another file on this host: it was replaced (or the
 *                      evidence comes from elsewhere), so it is not
 *                      compared.  A path that names nothing is not
 *                      reported.
 * Then the executable (procsnap_view_exe()):
 *   exe-memfd          it is a memfd (fexecve() of a memfd: fileless).
 *   exe-deleted        the kernel says " (deleted)" and nothing is at the
 *                      path now.
 *   exe-replaced       its path names another file than the mapping of
 *                      the executable (renaming a file over it also makes
 *                      the kernel say " (deleted)").
 * Then the environment the process was started with: loader-env for each
 * non-empty LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH and GCONV_PATH, the
 * variables with which the dynamic linker (and glibc's iconv) load code
 * the program did not ask for.  LD_BIND_NOW, LD_DEBUG, LD_PROFILE and
 * GLIBC_TUNABLES change how code is loaded, not which.  /etc/ld.so.preload
 * is the host's, not the process's: not examined.
 *
 * Not examined: [vvar], [vvar_vclock], [vsyscall] (no bytes to read),
 * [uprobes] (the kernel's breakpoint slots), data of file mappings (it is
 * relocated), shared file mappings (they are the page cache, so the file).
 * A view of an evidence directory is compared with the files of this host
 * as they are now: PROCSNAP_TRIAGE_NO_HOST compares nothing with the host
 * when they are not those the evidence was collected with.
 *
 * At most TR_MAX_LISTED findings of one kind are listed for a segment; one
 * more sums up the rest.
 */
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"

#define TR_CHUNK	(64u << 10)	/* memory and file compared per read */
#define TR_MERGE_GAP	16		/* longer than any x86 instruction */
#define TR_MAX_LISTED	64
#define TR_VDSO_MAX	(1u << 20)

static const char *const finding_names[] = {
	[PROCSNAP_FIND_ANON_EXEC] = "anon-exec",
	[PROCSNAP_FIND_DELETED_EXEC] = "deleted-file-exec",
	[PROCSNAP_FIND_MEMFD_EXEC] = "memfd-exec",
	[PROCSNAP_FIND_RWX] = "rwx",
	[PROCSNAP_FIND_ELF_IN_ANON] = "elf-in-anon",
	[PROCSNAP_FIND_PATCHED_CODE] = "patched-code",
	[PROCSNAP_FIND_FILE_REPLACED] = "file-replaced",
	[PROCSNAP_FIND_LOADER_ENV] = "loader-env",
	[PROCSNAP_FIND_EXE_DELETED] = "exe-deleted",
	[PROCSNAP_FIND_EXE_REPLACED] = "exe-replaced",
	[PROCSNAP_FIND_EXE_MEMFD] = "exe-memfd",
};

PROCSNAP_EXPORT
const char *procsnap_finding_name(unsigned int kind)
{
	if (kind >= sizeof(finding_names) / sizeof(finding_names[0]))
		return NULL;
	return finding_names[kind];
}

struct triage {
	struct procsnap_view *v;
	unsigned int flags;
	procsnap_finding_fn fn;
	void *data;
	const struct procsnap_segment *segs;
	size_t nr_segs;
	pid_t pid;		/* whose /proc: 0 for a directory */
	int rootfd;		/* /proc/PID/root, or -1 */
	uint64_t page;
	unsigned char *mbuf;	/* TR_CHUNK of memory */
	unsigned char *fbuf;	/* TR_CHUNK of the file */
	const unsigned char *vdso;	/* this process's, or NULL */
	size_t vdso_size;
};

static int emit(struct triage *t, unsigned int kind, size_t index,
		uint64_t address, uint64_t length, uint64_t file_offset,
		const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static int emit(struct triage *t, unsigned int kind, size_t index,
		uint64_t address, uint64_t length, uint64_t file_offset,
		const char *fmt, ...)
{
	struct procsnap_finding f = {
		.kind = kind,
		.segment = index,
		.seg = index == PROCSNAP_NO_SEGMENT ? NULL : &t->segs[index],
		.address = address,
		.length = length,
		.file_offset = file_offset,
	};
	char *why;
	va_list ap;
	int n, ret;

	va_start(ap, fmt);
	n = vasprintf(&why, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	f.why = why;
	ret = t->fn(t->data, &f);
	free(why);
	return ret;
}

/* ---- what a mapping is ---- */

enum seg_class {
	SEG_FILE,	/* a file on a filesystem */
	SEG_ANON,	/* anonymous memory, private or shared */
	SEG_MEMFD,
	SEG_DELETED,	/* a deleted file */
	SEG_KERNEL,	/* the kernel's own: [vdso], [vvar], ... */
};

static const char deleted_suffix[] = " (deleted)";
#define DELETED_LEN (sizeof(deleted_suffix) - 1)

static bool is_deleted(const char *path)
{
	size_t n = strlen(path);

	return n > DELETED_LEN && !strcmp(path + n - DELETED_LEN,
					  deleted_suffix);
}

/* "/SYSV%08x (deleted)": a SysV shared memory segment. */
static bool is_sysv(const char *path)
{
	size_t i;

	if (strncmp(path, "/SYSV", 5) || strlen(path) != 5 + 8 + DELETED_LEN)
		return false;
	for (i = 5; i < 13; i++)
		if (!strchr("0123456789abcdef", path[i]) || !path[i])
			return false;
	return true;
}

static enum seg_class seg_class(const char *path)
{
	static const char *const kernel[] = {
		"[vdso]", "[vvar]", "[vvar_vclock]", "[vsyscall]",
		"[uprobes]", "[sigpage]", "[vectors]",
	};
	size_t i;

	if (!*path)
		return SEG_ANON;
	if (*path == '[') {
		for (i = 0; i < sizeof(kernel) / sizeof(kernel[0]); i++)
			if (!strcmp(path, kernel[i]))
				return SEG_KERNEL;
		/* [heap], [stack], [anon:NAME], [anon_shmem:NAME] */
		return SEG_ANON;
	}
	if (*path != '/')
		return SEG_ANON;
	if (!is_deleted(path))
		return SEG_FILE;
	if (!strncmp(path, "/memfd:", 7))
		return SEG_MEMFD;
	if (!strcmp(path, "/dev/zero (deleted)") ||
	    !strcmp(path, "/anon_hugepage (deleted)") || is_sysv(path))
		return SEG_ANON;
	return SEG_DELETED;
}

/* "r-xp anonymous mapping [heap]", "rwxp mapping of /x (deleted)" */
static int emit_segment(struct triage *t, unsigned int kind, size_t i,
			enum seg_class c)
{
	const struct procsnap_segment *s = &t->segs[i];

	if (c == SEG_ANON)
		return emit(t, kind, i, s->start, s->end - s->start, 0,
			    "%s anonymous mapping%s%s", s->perms,
			    *s->path ? " " : "", s->path);
	return emit(t, kind, i, s->start, s->end - s->start, 0,
		    "%s mapping of %s", s->perms, s->path);
}

static int check_exec(struct triage *t, size_t i, enum seg_class c)
{
	const struct procsnap_segment *s = &t->segs[i];
	int err = 0;

	if (s->perms[2] == 'x') {
		switch (c) {
		case SEG_ANON:
			err = emit_segment(t, PROCSNAP_FIND_ANON_EXEC, i, c);
			break;
		case SEG_MEMFD:
			err = emit_segment(t, PROCSNAP_FIND_MEMFD_EXEC, i, c);
			break;
		case SEG_DELETED:
			err = emit_segment(t, PROCSNAP_FIND_DELETED_EXEC, i,
					   c);
			break;
		case SEG_FILE:
		case SEG_KERNEL:
			break;
		}
	}
	if (!err && s->perms[1] == 'w' && s->perms[2] == 'x')
		err = emit_segment(t, PROCSNAP_FIND_RWX, i, c);
	return err;
}

/* ---- findings past the listed ones ---- */

struct capped {
	unsigned int listed;
	uint64_t more;		/* not listed */
	uint64_t more_start;
	uint64_t more_end;
};

/* True if the finding is to be listed; else it is counted. */
static bool cap_take(struct capped *c, uint64_t start, uint64_t end)
{
	if (c->listed < TR_MAX_LISTED) {
		c->listed++;
		return true;
	}
	if (!c->more++)
		c->more_start = start;
	c->more_end = end;
	return false;
}

/* ---- ELF headers ---- */

static unsigned int rd16(const unsigned char *p, bool msb)
{
	return msb ? (unsigned int)p[0] << 8 | p[1] :
		     (unsigned int)p[1] << 8 | p[0];
}

static uint32_t rd32(const unsigned char *p, bool msb)
{
	return msb ? (uint32_t)rd16(p, true) << 16 | rd16(p + 2, true) :
		     (uint32_t)rd16(p + 2, false) << 16 | rd16(p, false);
}

static const char *elf_machine(unsigned int m, char *buf, size_t size)
{
	switch (m) {
	case EM_X86_64:
		return "x86-64";
	case EM_386:
		return "i386";
	case EM_AARCH64:
		return "aarch64";
	case EM_ARM:
		return "arm";
	case EM_RISCV:
		return "riscv";
	case EM_PPC64:
		return "ppc64";
	case EM_S390:
		return "s390";
	case EM_BPF:
		return "bpf";
	default:
		snprintf(buf, size, "machine %u", m);
		return buf;
	}
}

/*
 * If @h (@n bytes) starts with a well-formed ELF header, its size, and a
 * description in @desc; else 0.
 */
static size_t elf_header(const unsigned char *h, size_t n, char *desc,
			 size_t size)
{
	static const char *const types[] = {
		[ET_REL] = "ET_REL", [ET_EXEC] = "ET_EXEC",
		[ET_DYN] = "ET_DYN", [ET_CORE] = "ET_CORE",
	};
	unsigned int type, machine, ehsize;
	size_t need;
	char mbuf[24];
	bool msb;

	if (n < EI_NIDENT || memcmp(h, ELFMAG, SELFMAG) ||
	    h[EI_VERSION] != EV_CURRENT ||
	    (h[EI_DATA] != ELFDATA2LSB && h[EI_DATA] != ELFDATA2MSB))
		return 0;
	if (h[EI_CLASS] == ELFCLASS64)
		need = sizeof(Elf64_Ehdr);
	else if (h[EI_CLASS] == ELFCLASS32)
		need = sizeof(Elf32_Ehdr);
	else
		return 0;
	if (n < need)
		return 0;
	msb = h[EI_DATA] == ELFDATA2MSB;
	type = rd16(h + 16, msb);
	machine = rd16(h + 18, msb);
	ehsize = rd16(h + (need == sizeof(Elf64_Ehdr) ? 52 : 40), msb);
	if (rd32(h + 20, msb) != EV_CURRENT || ehsize != need ||
	    type < ET_REL || type > ET_CORE)
		return 0;
	snprintf(desc, size, "ELF header (%s, %s) at page start", types[type],
		 elf_machine(machine, mbuf, sizeof(mbuf)));
	return need;
}

struct elf_scan {
	struct triage *t;
	size_t index;
	enum seg_class c;
	struct capped cap;
	int stop;		/* what stopped the walk: the caller's */
};

static int elf_extent(void *data, uint64_t start, uint64_t end)
{
	struct elf_scan *e = data;
	struct triage *t = e->t;
	const struct procsnap_segment *s = &t->segs[e->index];
	unsigned char h[sizeof(Elf64_Ehdr)];
	uint64_t a = (start + t->page - 1) & ~(t->page - 1);
	char desc[96];
	size_t len;
	ssize_t n;
	int err;

	for (; a < end && end - a >= sizeof(Elf32_Ehdr); a += t->page) {
		/* A deleted file's own header. */
		if (e->c == SEG_DELETED && s->offset + (a - s->start) == 0)
			continue;
		n = procsnap_view_read(t->v, a, h,
				       end - a < sizeof(h) ? end - a :
				       sizeof(h));
		if (n == -ENOMEM)
			err = -ENOMEM;
		else if (n <= 0)
			continue;
		else if (!(len = elf_header(h, (size_t)n, desc,
					    sizeof(desc))) ||
			 !cap_take(&e->cap, a, a + len))
			continue;
		else
			err = emit(t, PROCSNAP_FIND_ELF_IN_ANON, e->index, a,
				   len, 0, "%s", desc);
		if (err) {
			e->stop = err;
			return err;
		}
	}
	return 0;
}

static int check_elf(struct triage *t, size_t i, enum seg_class c)
{
	struct elf_scan e = { .t = t, .index = i, .c = c };
	int err;

	if (c != SEG_ANON && c != SEG_MEMFD && c != SEG_DELETED)
		return 0;
	err = procsnap_view_extents(t->v, i, elf_extent, &e);
	if (e.stop)
		return e.stop;
	/* Memory whose extents cannot be read is not triaged. */
	if (err && err != -ENOMEM)
		err = 0;
	if (err || !e.cap.more)
		return err;
	return emit(t, PROCSNAP_FIND_ELF_IN_ANON, i, e.cap.more_start,
		    e.cap.more_end - e.cap.more_start, 0,
		    "%" PRIu64 " more ELF headers at page starts up to "
		    "0x%" PRIx64 ", not listed", e.cap.more,
		    e.cap.more_end - 1);
}

/* ---- patched code ---- */

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
	if (!cap_take(&d->cap, d->start, d->last + 1)) {
		d->more_changed += d->changed;
		return 0;
	}
	return emit(d->t, PROCSNAP_FIND_PATCHED_CODE, d->index, d->start,
		    d->last + 1 - d->start, off,
		    "%" PRIu64 " byte%s differ%s from %s at %s 0x%" PRIx64,
		    d->changed, d->changed == 1 ? "" : "s",
		    d->changed == 1 ? "s" : "", d->what, d->where, off);
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
	int err = diff_flush(d);

	if (err || !d->cap.more)
		return err;
	return emit(d->t, PROCSNAP_FIND_PATCHED_CODE, d->index,
		    d->cap.more_start, d->cap.more_end - d->cap.more_start,
		    d->base + (d->cap.more_start - d->t->segs[d->index].start),
		    "%" PRIu64 " more bytes in %" PRIu64 " ranges up to 0x%"
		    PRIx64 " differ from %s, not listed", d->more_changed,
		    d->cap.more, d->cap.more_end - 1, d->what);
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
static int open_mapped(struct triage *t, size_t i, const char *path,
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

static int check_code(struct triage *t, size_t i)
{
	const struct procsnap_segment *s = &t->segs[i];
	struct stat other;
	int fd, err;

	if (s->perms[2] != 'x' || s->perms[3] != 'p' ||
	    (s->flags & PROCSNAP_SEG_UNREADABLE))
		return 0;
	fd = open_mapped(t, i, s->path, &other);
	if (fd == -ESTALE)
		return emit(t, PROCSNAP_FIND_FILE_REPLACED, i, s->start,
			    s->end - s->start, 0,
			    "%s is another file here (dev %02x:%02x inode %"
			    PRIu64 ") than the one mapped (dev %02x:%02x "
			    "inode %" PRIu64 "): not compared", s->path,
			    major(other.st_dev), minor(other.st_dev),
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
			desc_at = name_at + (((uint64_t)nh.n_namesz + 3) & ~3ull);
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

static int check_vdso(struct triage *t, size_t i)
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
static void own_vdso(struct triage *t)
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
				t->vdso = (const unsigned char *)(uintptr_t)base;
				t->vdso_size = (size_t)(maps[i].end - base);
			}
		}
		free(maps);
	}
	free(text);
}

/* ---- the executable ---- */

static int emit_exe_replaced(struct triage *t, size_t i, const char *path,
			     const struct stat *other)
{
	const struct procsnap_segment *s = &t->segs[i];

	return emit(t, PROCSNAP_FIND_EXE_REPLACED, i, s->start, 0, 0,
		    "%s is another file here (dev %02x:%02x inode %" PRIu64
		    ") than the executable (dev %02x:%02x inode %" PRIu64 ")",
		    path, major(other->st_dev), minor(other->st_dev),
		    (uint64_t)other->st_ino, s->dev_major, s->dev_minor,
		    s->inode);
}

static int check_exe(struct triage *t)
{
	bool host = !(t->flags & PROCSNAP_TRIAGE_NO_HOST);
	size_t i, idx = PROCSNAP_NO_SEGMENT;
	uint64_t addr = 0;
	struct stat other;
	char *exe;
	int err, fd;

	err = procsnap_view_exe(t->v, &exe);
	if (err)
		return err == -ENOMEM ? err : 0;
	/* The mapping of the executable: its device and inode. */
	for (i = 0; i < t->nr_segs; i++) {
		if (!strcmp(t->segs[i].path, exe)) {
			idx = i;
			addr = t->segs[i].start;
			break;
		}
	}
	if (is_deleted(exe)) {
		exe[strlen(exe) - DELETED_LEN] = '\0';
		fd = -ENOENT;
		if (!strncmp(exe, "/memfd:", 7)) {
			err = emit(t, PROCSNAP_FIND_EXE_MEMFD, idx, addr, 0, 0,
				   "the executable is %s, a memfd", exe + 1);
			goto out;
		}
		if (host && idx != PROCSNAP_NO_SEGMENT)
			fd = open_mapped(t, idx, exe, &other);
		if (fd == -ESTALE)
			err = emit_exe_replaced(t, idx, exe, &other);
		else if (fd != -ENOMEM)
			err = emit(t, PROCSNAP_FIND_EXE_DELETED, idx, addr, 0,
				   0, "%s was deleted%s", exe,
				   host ? "" : " (or replaced)");
		else
			err = fd;
	} else if (host && idx != PROCSNAP_NO_SEGMENT) {
		fd = open_mapped(t, idx, exe, &other);
		if (fd == -ESTALE)
			err = emit_exe_replaced(t, idx, exe, &other);
		else if (fd == -ENOMEM)
			err = fd;
	} else {
		fd = -ENOENT;
	}
	if (fd >= 0)
		close(fd);
out:
	free(exe);
	return err;
}

/* ---- the environment ---- */

static int check_environ(struct triage *t)
{
	static const char *const vars[] = {
		"LD_PRELOAD=", "LD_AUDIT=", "LD_LIBRARY_PATH=", "GCONV_PATH=",
	};
	size_t len, off, k, n;
	char *env, *e;
	int err;

	err = procsnap_view_environ(t->v, &env, &len);
	if (err)
		return err == -ENOMEM ? err : 0;
	for (off = 0; !err && off < len; off += strlen(e) + 1) {
		e = env + off;
		for (k = 0; k < sizeof(vars) / sizeof(vars[0]); k++) {
			n = strlen(vars[k]);
			if (!strncmp(e, vars[k], n) && e[n]) {
				err = emit(t, PROCSNAP_FIND_LOADER_ENV,
					   PROCSNAP_NO_SEGMENT, 0, 0, 0, "%s",
					   e);
				break;
			}
		}
	}
	free(env);
	return err;
}

/* ---- all of it ---- */

PROCSNAP_EXPORT
int procsnap_triage(struct procsnap_view *v, unsigned int flags,
		    procsnap_finding_fn fn, void *data)
{
	struct triage t = {
		.v = v, .flags = flags, .fn = fn, .data = data, .rootfd = -1,
	};
	long page = sysconf(_SC_PAGESIZE);
	enum seg_class c;
	char root[64];
	size_t i;
	int err = 0;

	if (!v || !fn || (flags & ~PROCSNAP_TRIAGE_NO_HOST))
		return ps_fail(EINVAL);
	t.segs = procsnap_view_segments(v, &t.nr_segs);
	t.pid = procsnap_view_pid(v);
	t.page = page > 0 ? (uint64_t)page : 4096;
	t.mbuf = malloc(TR_CHUNK);
	t.fbuf = malloc(TR_CHUNK);
	if (!t.mbuf || !t.fbuf) {
		err = -ENOMEM;
		goto out;
	}
	if (!(flags & PROCSNAP_TRIAGE_NO_HOST)) {
		own_vdso(&t);
		if (t.pid > 0) {
			snprintf(root, sizeof(root), "/proc/%d/root",
				 (int)t.pid);
			t.rootfd = open(root, O_PATH | O_DIRECTORY |
					O_CLOEXEC);
		}
	}
	for (i = 0; !err && i < t.nr_segs; i++) {
		c = seg_class(t.segs[i].path);
		err = check_exec(&t, i, c);
		if (!err)
			err = check_elf(&t, i, c);
		if (err || (flags & PROCSNAP_TRIAGE_NO_HOST))
			continue;
		if (c == SEG_FILE)
			err = check_code(&t, i);
		else if (c == SEG_KERNEL)
			err = check_vdso(&t, i);
	}
	if (!err)
		err = check_exe(&t);
	if (!err)
		err = check_environ(&t);
out:
	if (t.rootfd >= 0)
		close(t.rootfd);
	free(t.mbuf);
	free(t.fbuf);
	if (err < 0)
		errno = -err;
	return err;
}
