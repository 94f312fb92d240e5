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
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "triage.h"

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

int ps_triage_emit(struct triage *t, unsigned int kind, size_t index,
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
		return ps_triage_emit(t, kind, i, s->start, s->end - s->start,
				      0, "%s anonymous mapping%s%s", s->perms,
				      *s->path ? " " : "", s->path);
	return ps_triage_emit(t, kind, i, s->start, s->end - s->start, 0,
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

/* True if the finding is to be listed; else it is counted. */
bool ps_triage_cap_take(struct capped *c, uint64_t start, uint64_t end)
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
			 !ps_triage_cap_take(&e->cap, a, a + len))
			continue;
		else
			err = ps_triage_emit(t, PROCSNAP_FIND_ELF_IN_ANON,
					     e->index, a, len, 0, "%s", desc);
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
	return ps_triage_emit(t, PROCSNAP_FIND_ELF_IN_ANON, i, e.cap.more_start,
			      e.cap.more_end - e.cap.more_start, 0,
			      "%" PRIu64 " more ELF headers at page starts "
			      "up to 0x%" PRIx64 ", not listed",
			      e.cap.more, e.cap.more_end - 1);
}

/* ---- the executable ---- */

static int emit_exe_replaced(struct triage *t, size_t i, const char *path,
			     const struct stat *other)
{
	const struct procsnap_segment *s = &t->segs[i];

	return ps_triage_emit(t, PROCSNAP_FIND_EXE_REPLACED, i, s->start, 0, 0,
			      "%s is another file here (dev %02x:%02x inode %"
			      PRIu64 ") than the executable (dev %02x:%02x "
			      "inode %" PRIu64 ")",
			      path, major(other->st_dev), minor(other->st_dev),
			      (uint64_t)other->st_ino, s->dev_major,
			      s->dev_minor, s->inode);
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
			err = ps_triage_emit(t, PROCSNAP_FIND_EXE_MEMFD, idx,
					     addr, 0, 0,
					     "the executable is %s, a memfd",
					     exe + 1);
			goto out;
		}
		if (host && idx != PROCSNAP_NO_SEGMENT)
			fd = ps_triage_open_mapped(t, idx, exe, &other);
		if (fd == -ESTALE)
			err = emit_exe_replaced(t, idx, exe, &other);
		else if (fd != -ENOMEM)
			err = ps_triage_emit(t, PROCSNAP_FIND_EXE_DELETED, idx,
					     addr, 0, 0, "%s was deleted%s",
					     exe, host ? "" : " (or replaced)");
		else
			err = fd;
	} else if (host && idx != PROCSNAP_NO_SEGMENT) {
		fd = ps_triage_open_mapped(t, idx, exe, &other);
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
				err = ps_triage_emit(t,
						     PROCSNAP_FIND_LOADER_ENV,
						     PROCSNAP_NO_SEGMENT, 0, 0,
						     0, "%s", e);
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
		ps_triage_own_vdso(&t);
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
			err = ps_triage_check_code(&t, i);
		else if (c == SEG_KERNEL)
			err = ps_triage_check_vdso(&t, i);
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
