// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The "head" of a snapshot's ELF core: ELF header, program headers and the
 * PT_NOTE contents, laid out the way the kernel's own core dumps are
 * (fs/binfmt_elf.c, elf_core_dump() with CORE_DUMP_USE_REGSET on x86-64),
 * so that gdb, readelf and anything else that reads kernel cores reads
 * ours.  The memory of each load is not here: collect.c streams it from the
 * clone to the offsets chosen below.
 *
 * File layout:
 *
 *	Elf64_Ehdr
 *	Elf64_Phdr PT_NOTE, then one PT_LOAD per map, in map order
 *	notes
 *	[2 Elf64_Shdr, only when the program headers overflow e_phnum]
 *	(hole up to the next page boundary)
 *	the data of each readable load, page aligned, in map order
 *
 * Notes, in the kernel's order (write_note_info(): the process-wide notes
 * come right after the first thread's NT_PRSTATUS; the other notes of a
 * thread follow the x86-64 regset order, FP then XSTATE):
 *
 *	thread 0: NT_PRSTATUS "CORE"
 *	          NT_PRPSINFO "CORE"
 *	          NT_AUXV     "CORE"
 *	          NT_FILE     "CORE"
 *	          NT_PRFPREG  "CORE"   when the thread has >= 512 bytes XSTATE
 *	          NT_X86_XSTATE "LINUX" when the thread has XSTATE
 *	thread n: NT_PRSTATUS, NT_PRFPREG, NT_X86_XSTATE as above
 *
 * There is no NT_SIGINFO: a snapshot is not the result of a signal.
 */
#include <errno.h>
#include <gelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/procfs.h>
#include <sys/user.h>
#include <unistd.h>

#include "core.h"

/* Kernel values for x86-64: NT_PRFPREG is the 512-byte FXSAVE area. */
#define CORE_FXSAVE_SIZE	512
/* Where struct fxregs_state's padding (then sw_reserved) starts. */
#define CORE_FXSAVE_PAD_OFF	416
#define CORE_NOTE_ALIGN		4

_Static_assert(sizeof(((struct elf_prstatus *)0)->pr_reg) ==
	       PROCSNAP_NR_GREGS * sizeof(__u64),
	       "procsnap regs must be an elf_gregset_t");
_Static_assert(sizeof(struct user_regs_struct) ==
	       PROCSNAP_NR_GREGS * sizeof(__u64),
	       "procsnap regs must be a user_regs_struct");
_Static_assert(sizeof(long) == 8, "NT_FILE words are 64-bit longs");

/* Callers may test either the return value or errno; keep them in step. */
static int fail(int err)
{
	errno = err;
	return -err;
}

static uint64_t round_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

/* The note buffer grows as notes are appended; err sticks. */
struct notebuf {
	unsigned char *buf;
	size_t len;
	size_t cap;
	int err;
};

static void *note_reserve(struct notebuf *nb, size_t n)
{
	void *p;

	if (nb->err)
		return NULL;
	if (n > SIZE_MAX - nb->len) {
		nb->err = EOVERFLOW;
		return NULL;
	}
	if (nb->len + n > nb->cap) {
		size_t cap = nb->cap ? nb->cap : 4096;
		unsigned char *nbuf;

		while (cap < nb->len + n) {
			if (cap > SIZE_MAX / 2) {
				nb->err = EOVERFLOW;
				return NULL;
			}
			cap *= 2;
		}
		nbuf = realloc(nb->buf, cap);
		if (!nbuf) {
			nb->err = ENOMEM;
			return NULL;
		}
		nb->buf = nbuf;
		nb->cap = cap;
	}
	p = nb->buf + nb->len;
	nb->len += n;
	return p;
}

/*
 * One note as writenote() emits it: header, name with its NUL, desc, each
 * padded to 4 bytes (ELF64 notes of Linux cores use 4, not 8).
 */
static void note_add(struct notebuf *nb, const char *name, uint32_t type,
		     const void *desc, size_t descsz)
{
	size_t namesz = strlen(name) + 1;
	size_t name_pad = round_up(namesz, CORE_NOTE_ALIGN);
	size_t desc_pad;
	Elf64_Nhdr nhdr;
	unsigned char *p;

	if (descsz > UINT32_MAX - CORE_NOTE_ALIGN) {
		if (!nb->err)
			nb->err = EOVERFLOW;
		return;
	}
	desc_pad = round_up(descsz, CORE_NOTE_ALIGN);

	p = note_reserve(nb, sizeof(nhdr) + name_pad + desc_pad);
	if (!p)
		return;
	nhdr.n_namesz = namesz;
	nhdr.n_descsz = descsz;
	nhdr.n_type = type;
	memcpy(p, &nhdr, sizeof(nhdr));
	p += sizeof(nhdr);
	memset(p, 0, name_pad);
	memcpy(p, name, namesz);
	p += name_pad;
	memset(p, 0, desc_pad);
	if (descsz)
		memcpy(p, desc, descsz);
}

static void note_prstatus(struct notebuf *nb, const struct ps_core_input *in,
			  const struct ps_core_thread *t)
{
	struct elf_prstatus prs;

	/*
	 * No signal, pending set, blocked set or CPU times: the snapshot was
	 * not caused by a signal and the clone's accounting is not the
	 * target's.  Zero is what gdb expects for "no signal".
	 */
	memset(&prs, 0, sizeof(prs));
	prs.pr_pid = t->info->tid;
	prs.pr_ppid = in->ppid;
	prs.pr_pgrp = in->pgrp;
	prs.pr_sid = in->sid;
	memcpy(&prs.pr_reg, t->info->regs, sizeof(prs.pr_reg));
	/* The kernel sets it when it writes NT_PRFPREG for the thread. */
	prs.pr_fpvalid = t->xstate && t->xstate_size >= CORE_FXSAVE_SIZE;
	note_add(nb, "CORE", NT_PRSTATUS, &prs, sizeof(prs));
}

static void note_fpregs(struct notebuf *nb, const struct ps_core_thread *t)
{
	unsigned char fx[CORE_FXSAVE_SIZE];

	if (t->xstate && t->xstate_size >= CORE_FXSAVE_SIZE) {
		/*
		 * The legacy area of the XSAVE layout is the FXSAVE image.
		 * The kernel's xfpregs_get() zeroes its padding and
		 * sw_reserved bytes (the XSAVE copy carries the xstate
		 * sizes and XCR0 there), so do the same.
		 */
		memcpy(fx, t->xstate, CORE_FXSAVE_PAD_OFF);
		memset(fx + CORE_FXSAVE_PAD_OFF, 0,
		       sizeof(fx) - CORE_FXSAVE_PAD_OFF);
		note_add(nb, "CORE", NT_PRFPREG, fx, sizeof(fx));
	}
	if (t->xstate && t->xstate_size)
		note_add(nb, "LINUX", NT_X86_XSTATE, t->xstate,
			 t->xstate_size);
}

static void note_prpsinfo(struct notebuf *nb, const struct ps_core_input *in)
{
	struct elf_prpsinfo psi;

	memset(&psi, 0, sizeof(psi));
	/*
	 * fill_psinfo() reports the leader's scheduler state; in a kernel
	 * core that is usually the dumping task, running: state 0, 'R'.
	 * The target was running when it was duplicated, so say the same.
	 * Nice and task flags are not recorded: 0.
	 */
	psi.pr_state = 0;
	psi.pr_sname = 'R';
	psi.pr_zomb = 0;
	psi.pr_uid = in->uid;
	psi.pr_gid = in->gid;
	psi.pr_pid = in->pid;
	psi.pr_ppid = in->ppid;
	psi.pr_pgrp = in->pgrp;
	psi.pr_sid = in->sid;
	/* Both NUL-terminated within their size, as get_task_comm() and
	 * fill_psinfo() leave them. */
	if (in->comm)
		strncpy(psi.pr_fname, in->comm, sizeof(psi.pr_fname) - 1);
	if (in->psargs)
		strncpy(psi.pr_psargs, in->psargs, sizeof(psi.pr_psargs) - 1);
	note_add(nb, "CORE", NT_PRPSINFO, &psi, sizeof(psi));
}

/* Mapped from a file, as far as /proc/PID/maps tells: a path, not a tag. */
static bool map_is_file(const struct ps_map *m)
{
	return m->path && m->path[0] == '/';
}

/*
 * NT_FILE as fill_files_note() writes it: count, page size, count triples
 * of (start, end, offset in pages), then count NUL-terminated names.
 */
static void note_file(struct notebuf *nb, const struct ps_core_input *in)
{
	size_t count = 0, names = 0, size, i;
	uint64_t *words;
	char *name;

	for (i = 0; i < in->nr_maps; i++) {
		const struct ps_map *m = &in->maps[i];
		size_t len;

		if (!map_is_file(m))
			continue;
		len = strlen(m->path) + 1;
		if (len > SIZE_MAX - names)
			goto overflow;
		names += len;
		count++;
	}
	if (count > (SIZE_MAX / sizeof(*words) - 2) / 3)
		goto overflow;
	size = (2 + 3 * count) * sizeof(*words);
	if (names > SIZE_MAX - size)
		goto overflow;
	size += names;

	words = calloc(1, size);
	if (!words) {
		if (!nb->err)
			nb->err = ENOMEM;
		return;
	}
	words[0] = count;
	words[1] = in->page_size;
	name = (char *)(words + 2 + 3 * count);
	count = 0;
	for (i = 0; i < in->nr_maps; i++) {
		const struct ps_map *m = &in->maps[i];
		size_t len;

		if (!map_is_file(m))
			continue;
		words[2 + 3 * count] = m->start;
		words[3 + 3 * count] = m->end;
		words[4 + 3 * count] = m->offset / in->page_size;
		count++;
		len = strlen(m->path) + 1;
		memcpy(name, m->path, len);
		name += len;
	}
	note_add(nb, "CORE", NT_FILE, words, size);
	free(words);
	return;

overflow:
	if (!nb->err)
		nb->err = EOVERFLOW;
}

static int build_notes(const struct ps_core_input *in, struct notebuf *nb)
{
	size_t i;

	for (i = 0; i < in->nr_threads; i++) {
		note_prstatus(nb, in, &in->threads[i]);
		if (i == 0) {
			note_prpsinfo(nb, in);
			note_add(nb, "CORE", NT_AUXV, in->auxv,
				 in->auxv ? in->auxv_size : 0);
			note_file(nb, in);
		}
		note_fpregs(nb, &in->threads[i]);
	}
	return nb->err ? -nb->err : 0;
}

/* Memory that cannot be read through /proc/PID/mem: no data in the core. */
static bool map_is_readable(const struct ps_map *m)
{
	static const char *const special[] = {
		"[vvar]", "[vvar_vclock]", "[vsyscall]",
	};
	size_t i;

	if (m->perms[0] != 'r')
		return false;
	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (m->path && !strcmp(m->path, special[i]))
			return false;
	return true;
}

static int check_input(const struct ps_core_input *in)
{
	size_t i;

	if (in->page_size <= 0 || (in->page_size & (in->page_size - 1)))
		return -EINVAL;
	if (!in->threads || !in->nr_threads)
		return -EINVAL;
	if (in->nr_maps && !in->maps)
		return -EINVAL;
	if (in->auxv_size && !in->auxv)
		return -EINVAL;
	for (i = 0; i < in->nr_threads; i++) {
		const struct ps_core_thread *t = &in->threads[i];

		if (!t->info || (t->xstate_size && !t->xstate))
			return -EINVAL;
	}
	for (i = 0; i < in->nr_maps; i++)
		if (in->maps[i].end < in->maps[i].start)
			return -EINVAL;
	return 0;
}

/*
 * Let libelf write the ELF header and program headers to @fd.  Notes are
 * not a section of a kernel core, and libelf only writes bytes that belong
 * to a section, so the caller puts them in afterwards.
 *
 * With PN_XNUM or more program headers the real count goes in section
 * header 0's sh_info (fill_extnum_info() does the same).  libelf only
 * stores it there once section 0 exists, and elf_newscn() cannot make
 * section 0 alone: it adds section 1 too, which stays SHT_NULL (inactive,
 * ignored by readers).  Hence CORE_XNUM_SHNUM section headers at @shoff.
 */
#define CORE_XNUM_SHNUM 2

static int write_headers(int fd, const struct ps_core_input *in,
			 const struct ps_core_load *loads, uint64_t note_off,
			 uint64_t note_size, uint64_t shoff)
{
	size_t phnum = in->nr_maps + 1, shnum, i;
	GElf_Ehdr ehdr;
	GElf_Phdr phdr;
	Elf *elf;
	int ret = -EIO;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EIO;
	elf = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!elf)
		return -EIO;
	/* Our offsets, not libelf's: the loads' data is not libelf's. */
	if (!elf_flagelf(elf, ELF_C_SET, ELF_F_LAYOUT))
		goto out;
	if (!gelf_newehdr(elf, ELFCLASS64))
		goto out;
	if (phnum >= PN_XNUM && !elf_newscn(elf))
		goto out;
	if (!gelf_newphdr(elf, phnum))
		goto out;
	if (elf_getshdrnum(elf, &shnum) ||
	    shnum != (phnum >= PN_XNUM ? CORE_XNUM_SHNUM : 0))
		goto out;
	if (!gelf_getehdr(elf, &ehdr))
		goto out;

	ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
	ehdr.e_ident[EI_OSABI] = ELFOSABI_NONE;
	ehdr.e_ident[EI_ABIVERSION] = 0;
	ehdr.e_type = ET_CORE;
	ehdr.e_machine = EM_X86_64;
	ehdr.e_version = EV_CURRENT;
	ehdr.e_entry = 0;
	ehdr.e_phoff = sizeof(Elf64_Ehdr);
	ehdr.e_shoff = shoff;
	ehdr.e_flags = 0;
	ehdr.e_ehsize = sizeof(Elf64_Ehdr);
	ehdr.e_phentsize = sizeof(Elf64_Phdr);
	ehdr.e_shentsize = shoff ? sizeof(Elf64_Shdr) : 0;
	ehdr.e_shstrndx = SHN_UNDEF;
	if (!gelf_update_ehdr(elf, &ehdr))
		goto out;

	memset(&phdr, 0, sizeof(phdr));
	phdr.p_type = PT_NOTE;
	phdr.p_offset = note_off;
	phdr.p_filesz = note_size;
	phdr.p_align = CORE_NOTE_ALIGN;
	if (!gelf_update_phdr(elf, 0, &phdr))
		goto out;

	for (i = 0; i < in->nr_maps; i++) {
		const struct ps_map *m = &in->maps[i];

		memset(&phdr, 0, sizeof(phdr));
		phdr.p_type = PT_LOAD;
		phdr.p_offset = loads[i].offset;
		phdr.p_vaddr = m->start;
		phdr.p_filesz = loads[i].filesz;
		phdr.p_memsz = m->end - m->start;
		phdr.p_flags = (m->perms[0] == 'r' ? PF_R : 0) |
			       (m->perms[1] == 'w' ? PF_W : 0) |
			       (m->perms[2] == 'x' ? PF_X : 0);
		phdr.p_align = in->page_size;
		if (!gelf_update_phdr(elf, i + 1, &phdr))
			goto out;
	}

	if (shnum) {
		/*
		 * With elfutils 0.188, an empty section 1 left at offset 0
		 * made the file start with zeros instead of the ELF header:
		 * park it where the notes start (it describes nothing).
		 */
		Elf_Scn *scn = elf_getscn(elf, 1);
		GElf_Shdr shdr;

		if (!scn || !gelf_getshdr(scn, &shdr))
			goto out;
		shdr.sh_offset = note_off;
		if (!gelf_update_shdr(scn, &shdr))
			goto out;
	}
	/* Every header is ours to write: do not let libelf decide that one
	 * did not change (the other half of the problem above). */
	if (!elf_flagehdr(elf, ELF_C_SET, ELF_F_DIRTY) ||
	    !elf_flagphdr(elf, ELF_C_SET, ELF_F_DIRTY))
		goto out;
	if (elf_update(elf, ELF_C_WRITE) < 0)
		goto out;
	ret = 0;
out:
	elf_end(elf);
	return ret;
}

static int read_all(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += n;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
				   off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += n;
	}
	return 0;
}

int ps_core_build(const struct ps_core_input *in, void **head,
		  size_t *head_len, struct ps_core_load **loads,
		  uint64_t *file_size)
{
	struct notebuf nb = { 0 };
	struct ps_core_load *ld = NULL;
	uint64_t note_off, shoff = 0, len, cur, end;
	size_t phnum, i;
	void *buf = NULL;
	int fd = -1, ret;

	if (!in || !head || !head_len || !loads || !file_size)
		return fail(EINVAL);
	*head = NULL;
	*head_len = 0;
	*loads = NULL;
	*file_size = 0;
	ret = check_input(in);
	if (ret)
		return fail(-ret);

	ret = build_notes(in, &nb);
	if (ret)
		goto out;

	phnum = in->nr_maps + 1;
	if (phnum > (SIZE_MAX - sizeof(Elf64_Ehdr)) / sizeof(Elf64_Phdr)) {
		ret = -EOVERFLOW;
		goto out;
	}
	note_off = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
	len = note_off + nb.len;
	if (phnum >= PN_XNUM) {
		/* After the notes, in the head (the kernel puts its one
		 * section header after the memory). */
		shoff = round_up(len, 8);
		len = shoff + CORE_XNUM_SHNUM * sizeof(Elf64_Shdr);
	}

	ld = calloc(in->nr_maps ? in->nr_maps : 1, sizeof(*ld));
	if (!ld) {
		ret = -ENOMEM;
		goto out;
	}
	/* Data starts on the first page boundary after the head, as the
	 * kernel's dataoff does; each readable map's data follows. */
	cur = round_up(len, in->page_size);
	end = len;
	for (i = 0; i < in->nr_maps; i++) {
		const struct ps_map *m = &in->maps[i];
		uint64_t size = m->end - m->start;

		ld[i].map_index = i;
		ld[i].offset = cur;
		ld[i].filesz = map_is_readable(m) ? size : 0;
		if (!ld[i].filesz)
			continue;
		if (size > UINT64_MAX - cur - in->page_size) {
			ret = -EOVERFLOW;
			goto out;
		}
		end = cur + size;
		cur = round_up(end, in->page_size);
	}

	fd = memfd_create("procsnap-core-head", MFD_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = write_headers(fd, in, ld, note_off, nb.len, shoff);
	if (ret)
		goto out;
	ret = write_all(fd, nb.buf, nb.len, note_off);
	if (ret)
		goto out;
	/* libelf sized the file for what it wrote; the head is all of it. */
	if (ftruncate(fd, len) < 0) {
		ret = -errno;
		goto out;
	}

	buf = malloc(len ? len : 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	ret = read_all(fd, buf, len);
	if (ret)
		goto out;

	*head = buf;
	*head_len = len;
	*loads = ld;
	*file_size = end;
	buf = NULL;
	ld = NULL;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(ld);
	free(nb.buf);
	return ret ? fail(-ret) : 0;
}
