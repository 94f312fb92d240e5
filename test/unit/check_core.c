// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ELF core head (lib/core.c): its layout checked with libelf's reader,
 * then a real core of a stopped child process, built from ptrace and
 * /proc the way the module's snapshot provides the same data, read by gdb.
 */
#include <cpuid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/procfs.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_procsnap.h"
#include "core.h"

#define PAGE 4096

/* ------------------------------------------------------------------ */
/* Layout tests on made-up input                                       */
/* ------------------------------------------------------------------ */

static struct ps_map mk_map(uint64_t start, uint64_t end, const char *perms,
			    uint64_t offset, const char *path)
{
	struct ps_map m;

	memset(&m, 0, sizeof(m));
	m.start = start;
	m.end = end;
	m.offset = offset;
	snprintf(m.perms, sizeof(m.perms), "%s", perms);
	m.path = path;
	return m;
}

static const struct ps_map fake_maps[] = {
	{ 0x400000, 0x401000, 0, 1234, 8, 1, "r--p", "/usr/bin/fake", 0, false },
	{ 0x401000, 0x403000, 0x1000, 1234, 8, 1, "r-xp", "/usr/bin/fake", 0, false },
	{ 0x403000, 0x404000, 0, 0, 0, 0, "rw-p", "", 0, false },
	{ 0x404000, 0x405000, 0, 0, 0, 0, "---p", "", 0, false },
	{ 0x7f0000000000, 0x7f0000002000, 0x3000, 99, 8, 1, "r-xp",
	  "/lib/libfake.so (deleted)", 0, false },
	{ 0x7ffd00000000, 0x7ffd00021000, 0, 0, 0, 0, "rw-p", "[stack]", 0, false },
	{ 0x7ffd00100000, 0x7ffd00104000, 0, 0, 0, 0, "r--p", "[vvar]", 0, false },
	{ 0x7ffd00104000, 0x7ffd00105000, 0, 0, 0, 0, "r--p",
	  "[vvar_vclock]", 0, false },
	{ 0x7ffd00105000, 0x7ffd00107000, 0, 0, 0, 0, "r-xp", "[vdso]", 0, false },
	{ 0xffffffffff600000, 0xffffffffff601000, 0, 0, 0, 0, "--xp",
	  "[vsyscall]", 0, false },
};
#define NR_FAKE_MAPS (sizeof(fake_maps) / sizeof(fake_maps[0]))
/* Which of fake_maps get data in the core. */
static const bool fake_readable[NR_FAKE_MAPS] = {
	true, true, true, false, true, true, false, false, true, false,
};

#define XSTATE_SIZE 2696	/* an AVX-512 machine's NT_X86_XSTATE */

struct fake_input {
	struct ps_core_input in;
	struct procsnap_thread_info info[2];
	struct ps_core_thread threads[2];
	unsigned char xstate[XSTATE_SIZE];
	uint64_t auxv[6];
};

static void fake_input_init(struct fake_input *f)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < 2; i++) {
		size_t r;

		f->info[i].tid = 1000 + i;
		for (r = 0; r < PROCSNAP_NR_GREGS; r++)
			f->info[i].regs[r] = (i + 1) << 16 | r;
	}
	for (i = 0; i < sizeof(f->xstate); i++)
		f->xstate[i] = i * 7 + 1;
	/* Thread 0 has XSTATE, thread 1 none (the module could not get it). */
	f->threads[0].info = &f->info[0];
	f->threads[0].xstate = f->xstate;
	f->threads[0].xstate_size = sizeof(f->xstate);
	f->threads[1].info = &f->info[1];

	f->auxv[0] = AT_PAGESZ;
	f->auxv[1] = PAGE;
	f->auxv[2] = AT_ENTRY;
	f->auxv[3] = 0x401000;
	f->auxv[4] = AT_NULL;
	f->auxv[5] = 0;

	f->in.pid = 1000;
	f->in.ppid = 1;
	f->in.pgrp = 999;
	f->in.sid = 998;
	f->in.uid = 4242;
	f->in.gid = 4343;
	f->in.comm = "fake";
	f->in.psargs = "/usr/bin/fake --flag arg";
	f->in.maps = fake_maps;
	f->in.nr_maps = NR_FAKE_MAPS;
	f->in.threads = f->threads;
	f->in.nr_threads = 2;
	f->in.auxv = f->auxv;
	f->in.auxv_size = sizeof(f->auxv);
	f->in.page_size = PAGE;
}

struct built {
	void *head;
	size_t head_len;
	struct ps_core_load *loads;
	uint64_t file_size;
	Elf *elf;
};

static void build_ok(const struct ps_core_input *in, struct built *b)
{
	memset(b, 0, sizeof(*b));
	ck_assert_int_eq(ps_core_build(in, &b->head, &b->head_len, &b->loads,
				       &b->file_size), 0);
	ck_assert_ptr_nonnull(b->head);
	ck_assert_ptr_nonnull(b->loads);
	ck_assert_int_ne(elf_version(EV_CURRENT), EV_NONE);
	b->elf = elf_memory(b->head, b->head_len);
	ck_assert_ptr_nonnull(b->elf);
	ck_assert_int_eq(elf_kind(b->elf), ELF_K_ELF);
}

static void built_free(struct built *b)
{
	elf_end(b->elf);
	free(b->head);
	free(b->loads);
}

struct note {
	const char *name;
	uint32_t type;
	const unsigned char *desc;
	size_t size;
};

/* The notes of the PT_NOTE segment, read by libelf's own note parser. */
static size_t read_notes(struct built *b, struct note *notes, size_t max)
{
	GElf_Phdr ph;
	Elf_Data *data;
	GElf_Nhdr nh;
	size_t off = 0, name_off, desc_off, n = 0;

	ck_assert_ptr_nonnull(gelf_getphdr(b->elf, 0, &ph));
	ck_assert_uint_eq(ph.p_type, PT_NOTE);
	data = elf_getdata_rawchunk(b->elf, ph.p_offset, ph.p_filesz,
				    ELF_T_NHDR);
	ck_assert_ptr_nonnull(data);
	while (off < data->d_size &&
	       (off = gelf_getnote(data, off, &nh, &name_off, &desc_off))) {
		ck_assert_uint_lt(n, max);
		notes[n].name = (const char *)data->d_buf + name_off;
		notes[n].type = nh.n_type;
		notes[n].desc = (const unsigned char *)data->d_buf + desc_off;
		notes[n].size = nh.n_descsz;
		/* Kernel style: 4-byte padding, so name and desc stay 4
		 * aligned from the start of the segment. */
		ck_assert_uint_eq(name_off % 4, 0);
		ck_assert_uint_eq(desc_off % 4, 0);
		n++;
	}
	ck_assert_uint_eq(off, data->d_size);
	return n;
}

START_TEST(test_core_ehdr_phdrs)
{
	struct fake_input f;
	struct built b;
	GElf_Ehdr eh;
	GElf_Phdr ph;
	size_t phnum, i;
	uint64_t prev_end, base;

	fake_input_init(&f);
	build_ok(&f.in, &b);

	ck_assert_ptr_nonnull(gelf_getehdr(b.elf, &eh));
	ck_assert_int_eq(eh.e_ident[EI_CLASS], ELFCLASS64);
	ck_assert_int_eq(eh.e_ident[EI_DATA], ELFDATA2LSB);
	ck_assert_int_eq(eh.e_ident[EI_OSABI], ELFOSABI_NONE);
	ck_assert_int_eq(eh.e_type, ET_CORE);
	ck_assert_int_eq(eh.e_machine, EM_X86_64);
	ck_assert_uint_eq(eh.e_version, EV_CURRENT);
	ck_assert_uint_eq(eh.e_phoff, sizeof(Elf64_Ehdr));
	ck_assert_uint_eq(eh.e_phentsize, sizeof(Elf64_Phdr));
	/* Like a kernel core: no section headers at all. */
	ck_assert_uint_eq(eh.e_shoff, 0);
	ck_assert_uint_eq(eh.e_shnum, 0);
	ck_assert_int_eq(elf_getphdrnum(b.elf, &phnum), 0);
	ck_assert_uint_eq(phnum, NR_FAKE_MAPS + 1);

	ck_assert_ptr_nonnull(gelf_getphdr(b.elf, 0, &ph));
	ck_assert_uint_eq(ph.p_type, PT_NOTE);
	ck_assert_uint_eq(ph.p_offset,
			  sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr));
	ck_assert_uint_eq(ph.p_offset + ph.p_filesz, b.head_len);
	ck_assert_uint_eq(ph.p_memsz, 0);

	prev_end = b.head_len;
	for (i = 0; i < NR_FAKE_MAPS; i++) {
		const struct ps_map *m = &fake_maps[i];
		unsigned int flags;

		ck_assert_ptr_nonnull(gelf_getphdr(b.elf, i + 1, &ph));
		ck_assert_uint_eq(ph.p_type, PT_LOAD);
		ck_assert_uint_eq(ph.p_vaddr, m->start);
		ck_assert_uint_eq(ph.p_paddr, 0);
		ck_assert_uint_eq(ph.p_memsz, m->end - m->start);
		ck_assert_uint_eq(ph.p_filesz,
				  fake_readable[i] ? ph.p_memsz : 0);
		ck_assert_uint_eq(ph.p_align, PAGE);
		ck_assert_uint_eq(ph.p_offset % PAGE, 0);
		ck_assert_uint_ge(ph.p_offset, prev_end);
		flags = (m->perms[0] == 'r' ? PF_R : 0) |
			(m->perms[1] == 'w' ? PF_W : 0) |
			(m->perms[2] == 'x' ? PF_X : 0);
		ck_assert_uint_eq(ph.p_flags, flags);
		if (ph.p_filesz)
			prev_end = ph.p_offset + ph.p_filesz;

		ck_assert_uint_eq(b.loads[i].map_index, i);
		ck_assert_uint_eq(b.loads[i].offset, ph.p_offset);
		ck_assert_uint_eq(b.loads[i].filesz, ph.p_filesz);
	}
	/* The stack's data ends the file, the last readable map ([vdso]) is
	 * right after it. */
	ck_assert_uint_eq(b.file_size, prev_end);
	/* Data from the first page boundary after the head, packed. */
	base = (b.head_len + PAGE - 1) / PAGE * PAGE;
	ck_assert_uint_eq(b.loads[0].offset, base);
	ck_assert_uint_eq(b.loads[1].offset, base + PAGE);
	ck_assert_uint_eq(b.loads[3].offset, base + 4 * PAGE);	/* ---p */
	ck_assert_uint_eq(b.loads[4].offset, base + 4 * PAGE);
	built_free(&b);
}
END_TEST

START_TEST(test_core_notes)
{
	static const struct {
		const char *name;
		uint32_t type;
		size_t size;
	} want[] = {
		{ "CORE", NT_PRSTATUS, sizeof(struct elf_prstatus) },
		{ "CORE", NT_PRPSINFO, sizeof(struct elf_prpsinfo) },
		{ "CORE", NT_AUXV, 6 * 8 },
		{ "CORE", NT_FILE, 0 },		/* checked below */
		{ "CORE", NT_PRFPREG, 512 },
		{ "LINUX", NT_X86_XSTATE, XSTATE_SIZE },
		{ "CORE", NT_PRSTATUS, sizeof(struct elf_prstatus) },
	};
	struct note notes[16];
	struct elf_prstatus prs;
	struct elf_prpsinfo psi;
	struct fake_input f;
	struct built b;
	size_t n, i;

	fake_input_init(&f);
	build_ok(&f.in, &b);
	n = read_notes(&b, notes, 16);
	ck_assert_uint_eq(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(notes[i].name, want[i].name);
		ck_assert_uint_eq(notes[i].type, want[i].type);
		if (want[i].size)
			ck_assert_uint_eq(notes[i].size, want[i].size);
	}

	/* Thread 0: registers, ids, and FP valid as it has XSTATE. */
	memcpy(&prs, notes[0].desc, sizeof(prs));
	ck_assert_int_eq(prs.pr_pid, 1000);
	ck_assert_int_eq(prs.pr_ppid, 1);
	ck_assert_int_eq(prs.pr_pgrp, 999);
	ck_assert_int_eq(prs.pr_sid, 998);
	ck_assert_int_eq(prs.pr_cursig, 0);
	ck_assert_int_eq(prs.pr_fpvalid, 1);
	ck_assert_mem_eq(&prs.pr_reg, f.info[0].regs, sizeof(prs.pr_reg));
	/* Thread 1: no XSTATE, so no FP notes. */
	memcpy(&prs, notes[6].desc, sizeof(prs));
	ck_assert_int_eq(prs.pr_pid, 1001);
	ck_assert_int_eq(prs.pr_fpvalid, 0);
	ck_assert_mem_eq(&prs.pr_reg, f.info[1].regs, sizeof(prs.pr_reg));

	memcpy(&psi, notes[1].desc, sizeof(psi));
	ck_assert_int_eq(psi.pr_state, 0);
	ck_assert_int_eq(psi.pr_sname, 'R');
	ck_assert_int_eq(psi.pr_pid, 1000);
	ck_assert_int_eq(psi.pr_ppid, 1);
	ck_assert_int_eq(psi.pr_pgrp, 999);
	ck_assert_int_eq(psi.pr_sid, 998);
	ck_assert_uint_eq(psi.pr_uid, 4242);
	ck_assert_uint_eq(psi.pr_gid, 4343);
	ck_assert_str_eq(psi.pr_fname, "fake");
	ck_assert_str_eq(psi.pr_psargs, "/usr/bin/fake --flag arg");

	ck_assert_mem_eq(notes[2].desc, f.auxv, sizeof(f.auxv));

	/* FXSAVE area as xfpregs_get() gives it: padding and sw bytes 0. */
	ck_assert_mem_eq(notes[4].desc, f.xstate, 416);
	for (i = 416; i < 512; i++)
		ck_assert_uint_eq(notes[4].desc[i], 0);
	ck_assert_mem_eq(notes[5].desc, f.xstate, XSTATE_SIZE);
	built_free(&b);
}
END_TEST

START_TEST(test_core_nt_file)
{
	static const char names[] = "/usr/bin/fake\0/usr/bin/fake\0"
				    "/lib/libfake.so (deleted)";
	static const uint64_t want[] = {
		3, PAGE,
		0x400000, 0x401000, 0,
		0x401000, 0x403000, 1,
		0x7f0000000000, 0x7f0000002000, 3,
	};
	struct note notes[16];
	struct fake_input f;
	struct built b;
	size_t n;

	fake_input_init(&f);
	build_ok(&f.in, &b);
	n = read_notes(&b, notes, 16);
	ck_assert_uint_ge(n, 4);
	ck_assert_uint_eq(notes[3].type, NT_FILE);
	ck_assert_uint_eq(notes[3].size, sizeof(want) + sizeof(names));
	ck_assert_mem_eq(notes[3].desc, want, sizeof(want));
	ck_assert_mem_eq(notes[3].desc + sizeof(want), names, sizeof(names));
	built_free(&b);
}
END_TEST

/* pr_fname and pr_psargs are cut, NUL-terminated, as the kernel does. */
START_TEST(test_core_long_strings)
{
	char args[200];
	struct note notes[16];
	struct elf_prpsinfo psi;
	struct fake_input f;
	struct built b;

	memset(args, 'a', sizeof(args) - 1);
	args[sizeof(args) - 1] = 0;
	fake_input_init(&f);
	f.in.comm = "a-very-long-command-name";
	f.in.psargs = args;
	f.in.nr_threads = 1;
	build_ok(&f.in, &b);
	ck_assert_uint_ge(read_notes(&b, notes, 16), 2);
	memcpy(&psi, notes[1].desc, sizeof(psi));
	ck_assert_str_eq(psi.pr_fname, "a-very-long-com");
	ck_assert_uint_eq(strlen(psi.pr_psargs), 79);
	built_free(&b);
}
END_TEST

/* No readable map: the file is the head; offsets stay page aligned. */
START_TEST(test_core_no_data)
{
	struct ps_map maps[2];
	struct fake_input f;
	struct built b;

	maps[0] = mk_map(0x1000, 0x2000, "---p", 0, "");
	maps[1] = mk_map(0x2000, 0x3000, "r--p", 0, "[vvar]");
	fake_input_init(&f);
	f.in.maps = maps;
	f.in.nr_maps = 2;
	f.in.auxv = NULL;
	f.in.auxv_size = 0;
	build_ok(&f.in, &b);
	ck_assert_uint_eq(b.file_size, b.head_len);
	ck_assert_uint_eq(b.loads[0].filesz, 0);
	ck_assert_uint_eq(b.loads[1].filesz, 0);
	ck_assert_uint_eq(b.loads[0].offset % PAGE, 0);
	ck_assert_uint_ge(b.loads[0].offset, b.head_len);
	built_free(&b);
}
END_TEST

/*
 * More than 65534 maps (vm.max_map_count can allow it): e_phnum is
 * PN_XNUM and section header 0 holds the count, as fill_extnum_info().
 */
START_TEST(test_core_many_maps)
{
	const size_t nr = 70000;
	struct ps_map *maps;
	struct fake_input f;
	struct built b;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	GElf_Phdr ph;
	size_t phnum, i;

	maps = calloc(nr, sizeof(*maps));
	ck_assert_ptr_nonnull(maps);
	for (i = 0; i < nr; i++)
		maps[i] = mk_map(0x10000000 + 2 * i * PAGE,
				 0x10000000 + (2 * i + 1) * PAGE, "rw-p", 0, "");
	fake_input_init(&f);
	f.in.maps = maps;
	f.in.nr_maps = nr;
	build_ok(&f.in, &b);
	ck_assert_ptr_nonnull(gelf_getehdr(b.elf, &eh));
	ck_assert_uint_eq(eh.e_phnum, PN_XNUM);
	ck_assert_int_eq(elf_getphdrnum(b.elf, &phnum), 0);
	ck_assert_uint_eq(phnum, nr + 1);
	ck_assert_uint_ne(eh.e_shoff, 0);
	ck_assert_uint_le(eh.e_shoff + sizeof(Elf64_Shdr), b.head_len);
	ck_assert_ptr_nonnull(gelf_getshdr(elf_getscn(b.elf, 0), &sh));
	ck_assert_uint_eq(sh.sh_info, nr + 1);
	ck_assert_ptr_nonnull(gelf_getphdr(b.elf, nr, &ph));
	ck_assert_uint_eq(ph.p_vaddr, maps[nr - 1].start);
	ck_assert_uint_eq(ph.p_offset, b.loads[nr - 1].offset);
	ck_assert_uint_eq(b.file_size, ph.p_offset + PAGE);
	ck_assert_uint_ge(b.loads[0].offset, b.head_len);
	built_free(&b);
	free(maps);
}
END_TEST

static void build_fails(const struct ps_core_input *in)
{
	void *head = (void *)1;
	size_t len = 1;
	struct ps_core_load *loads = (void *)1;
	uint64_t size = 1;

	errno = 0;
	ck_assert_int_eq(ps_core_build(in, &head, &len, &loads, &size),
			 -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	if (in) {
		ck_assert_ptr_null(head);
		ck_assert_ptr_null(loads);
		ck_assert_uint_eq(len, 0);
		ck_assert_uint_eq(size, 0);
	}
}

START_TEST(test_core_invalid)
{
	struct ps_map backwards = mk_map(0x2000, 0x1000, "rw-p", 0, "");
	struct fake_input f;

	build_fails(NULL);
	fake_input_init(&f);
	f.in.page_size = 0;
	build_fails(&f.in);
	fake_input_init(&f);
	f.in.page_size = 3000;
	build_fails(&f.in);
	fake_input_init(&f);
	f.in.nr_threads = 0;
	build_fails(&f.in);
	fake_input_init(&f);
	f.threads[1].info = NULL;
	build_fails(&f.in);
	fake_input_init(&f);
	f.threads[1].xstate_size = 512;
	build_fails(&f.in);
	fake_input_init(&f);
	f.in.maps = &backwards;
	f.in.nr_maps = 1;
	build_fails(&f.in);
}
END_TEST

/* ------------------------------------------------------------------ */
/* A real core, read by gdb                                            */
/* ------------------------------------------------------------------ */

/* gdb prints it; 305441741 in decimal. */
volatile long core_marker;

#define XMM15_MARK 0x1122334455667788ULL
#define YMM14_MARK 0x0123456789abcdefULL

static int child_ready_fd = -1;

/* Spin where gdb must find the second thread. */
static __attribute__((noinline)) void *spin_thread(void *arg)
{
	char c = 't';

	(void)arg;
	if (write(child_ready_fd, &c, 1) != 1)
		_exit(1);
	for (;;)
		__asm__ volatile("" ::: "memory");
	return NULL;
}

/* Spin where gdb must find the first thread, with marks in the vector
 * registers that only the FP/XSTATE notes can show. */
static __attribute__((noinline)) void spin_here(bool avx)
{
	uint64_t mark = YMM14_MARK;
	char c = 'm';

	/* Before saying ready: the parent may stop us right after. */
	__asm__ volatile("movq %0, %%xmm15" : : "r"(XMM15_MARK) : "xmm15");
	if (avx)
		__asm__ volatile("vbroadcastsd %0, %%ymm14"
				 : : "m"(mark) : "xmm14");
	if (write(child_ready_fd, &c, 1) != 1)
		_exit(1);
	for (;;)
		__asm__ volatile("" ::: "memory");
}

static void __attribute__((noreturn, noinline)) child_main(int fd)
{
	pthread_t t;

	/* Never outlive the test, even when an assertion ends it early. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	child_ready_fd = fd;
	core_marker = 0x1234abcd;
	if (pthread_create(&t, NULL, spin_thread, NULL))
		_exit(1);
	spin_here(__builtin_cpu_supports("avx"));
	_exit(1);
}

static char *read_text(const char *path, size_t *size)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf)
		goto fail;
	for (;;) {
		if (len == cap) {
			char *nbuf = realloc(buf, 2 * cap + 1);

			if (!nbuf)
				goto fail;
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = 0;
	if (size)
		*size = len;
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* /proc/PID/maps, parsed here so this suite needs nothing but core.c. */
static int parse_maps(char *text, struct ps_map **mapsp, size_t *nr)
{
	struct ps_map *maps = NULL;
	size_t n = 0;
	char *line, *next;

	for (line = text; *line; line = next) {
		struct ps_map *m, *nmaps;
		int pos = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		else
			next = line + strlen(line);
		nmaps = realloc(maps, (n + 1) * sizeof(*maps));
		if (!nmaps)
			goto fail;
		maps = nmaps;
		m = &maps[n];
		memset(m, 0, sizeof(*m));
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64
			   " %x:%x %" SCNu64 " %n", &m->start, &m->end,
			   m->perms, &m->offset, &m->dev_major, &m->dev_minor,
			   &m->inode, &pos) != 7 || !pos)
			goto fail;
		m->path = line + pos;
		n++;
	}
	*mapsp = maps;
	*nr = n;
	return 0;
fail:
	free(maps);
	return -1;
}

static bool find_in_path(const char *prog, char *out, size_t size)
{
	const char *path = getenv("PATH");
	char *dirs, *dir, *save = NULL;
	bool found = false;

	dirs = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	if (!dirs)
		return false;
	for (dir = strtok_r(dirs, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(out, size, "%s/%s", dir, prog);
		found = access(out, X_OK) == 0;
	}
	free(dirs);
	return found;
}

/* Run @argv, return what it wrote on stdout and stderr together. */
static char *run_capture(char *const argv[])
{
	char tmpl[] = "/tmp/check_core_out.XXXXXX";
	int fd = mkstemp(tmpl), status;
	char path[64];
	pid_t pid;
	char *out;

	if (fd < 0)
		return NULL;
	unlink(tmpl);
	pid = fork();
	if (pid < 0) {
		close(fd);
		return NULL;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		unsetenv("DEBUGINFOD_URLS");
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	out = read_text(path, NULL);
	close(fd);
	return out;
}

/* Stop every thread of @pid with ptrace, main thread first. */
static int stop_threads(pid_t pid, pid_t *tids, size_t max, size_t *nr)
{
	char path[64];
	struct dirent *de;
	DIR *dir;
	size_t n = 1, i;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	tids[0] = pid;
	while ((de = readdir(dir))) {
		pid_t tid = atoi(de->d_name);

		if (tid <= 0 || tid == pid)
			continue;
		if (n == max) {
			closedir(dir);
			return -E2BIG;
		}
		tids[n++] = tid;
	}
	closedir(dir);
	/* Even on failure below: the caller reaps those it seized. */
	*nr = n;

	for (i = 0; i < n; i++) {
		int status;

		if (ptrace(PTRACE_SEIZE, tids[i], 0, 0) < 0 ||
		    ptrace(PTRACE_INTERRUPT, tids[i], 0, 0) < 0)
			return -errno;
		if (waitpid(tids[i], &status, __WALL) < 0)
			return -errno;
		if (!WIFSTOPPED(status))
			return -ESRCH;
	}
	return 0;
}

/* Copy the readable maps from /proc/PID/mem to their place in the core;
 * what cannot be read stays a hole. */
static int write_loads(int core, pid_t pid, const struct ps_map *maps,
		       const struct ps_core_load *loads, size_t nr)
{
	static char buf[1 << 20];
	char path[64];
	size_t i;
	int mem;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDONLY | O_CLOEXEC);
	if (mem < 0)
		return -errno;
	for (i = 0; i < nr; i++) {
		uint64_t done;

		for (done = 0; done < loads[i].filesz; done += sizeof(buf)) {
			uint64_t chunk = loads[i].filesz - done;
			ssize_t n;

			if (chunk > sizeof(buf))
				chunk = sizeof(buf);
			n = pread(mem, buf, chunk, maps[i].start + done);
			if (n <= 0)
				continue;
			if (pwrite(core, buf, n, loads[i].offset + done) != n) {
				int err = errno ? errno : EIO;

				close(mem);
				return -err;
			}
		}
	}
	close(mem);
	return 0;
}

/*
 * Kill the child and reap it.  Its other threads are our tracees: each one
 * must be waited for by tid (__WALL) before the leader can be reaped.
 */
static void reap_child(pid_t pid, const pid_t *tids, size_t nr)
{
	size_t i;

	kill(pid, SIGKILL);
	for (i = 0; i < nr; i++) {
		int status;

		if (tids[i] == pid)
			continue;
		while (waitpid(tids[i], &status, __WALL) == tids[i] &&
		       !WIFEXITED(status) && !WIFSIGNALED(status))
			;
	}
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

/*
 * gdb (13 at least) reads NT_X86_XSTATE with the XSAVE offsets of Intel
 * CPUs fixed in its source.  Other layouts (AMD's with AVX-512 has no MPX
 * gap) make it ignore the note, whoever wrote the core, until cores carry
 * NT_X86_XSAVE_LAYOUT and gdb reads that.  True if gdb can use the note of
 * a thread whose XCR0 is @xcr0.
 */
static bool xsave_layout_is_intel(uint64_t xcr0)
{
	static const unsigned int intel_offset[10] = {
		[2] = 576, [3] = 960, [4] = 1024, [5] = 1088, [6] = 1152,
		[7] = 1664, [9] = 2688,
	};
	unsigned int i, eax, ebx, ecx, edx;

	/*
	 * gdb 13 sizes the note from XCR0 with a table that stops at PKRU
	 * (bit 9): a CPU with AMX tiles (bits 17, 18) gets "Unexpected size".
	 */
	if (xcr0 >> 10)
		return false;
	for (i = 2; i < 10; i++) {
		if (!(xcr0 & (1ULL << i)) || !intel_offset[i])
			continue;
		if (!__get_cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx) ||
		    ebx != intel_offset[i])
			return false;
	}
	return true;
}

/* Remove every "@head...@tail" from @s. */
static void drop_text(char *s, const char *head, const char *tail)
{
	char *p, *end;

	while ((p = strstr(s, head)) && (end = strstr(p, tail))) {
		end += strlen(tail);
		memmove(p, end, strlen(end) + 1);
	}
}

struct gdb_result {
	char why[256];		/* set when the test could not be run */
	bool skip;
	char *gdb_out;
	char *readelf_out;
	char exe[PATH_MAX];	/* this test binary, which gdb reads */
	pid_t pid;
	pid_t tids[2];
	size_t nr_threads;
	bool avx;
	bool xstate_ok;		/* gdb can read our NT_X86_XSTATE here */
};

#define MAX_THREADS 8

/*
 * Fork the child, stop it, build its core exactly as collect.c will (head
 * at 0, each load's bytes at its offset), and run gdb on it.  Everything is
 * cleaned up here, before any assertion, so that a failure leaves neither a
 * spinning child nor files behind.
 */
static void run_gdb_on_core(struct gdb_result *r)
{
	struct procsnap_thread_info info[MAX_THREADS];
	struct ps_core_thread threads[MAX_THREADS];
	static unsigned char xstate[MAX_THREADS][65536];
	char dir[] = "/tmp/check_core.XXXXXX", core_path[64], path[64];
	char gdb[PATH_MAX], readelf[PATH_MAX], *exe = r->exe;
	char *maps_text = NULL, *auxv = NULL, *comm = NULL, *cmdline = NULL;
	struct ps_map *maps = NULL;
	struct ps_core_load *loads = NULL;
	struct ps_core_input in;
	size_t nr_maps = 0, auxv_size = 0, cmdline_size = 0, head_len, i;
	pid_t tids[MAX_THREADS];
	size_t nr_tids = 0;
	uint64_t file_size;
	void *head = NULL;
	int pipefd[2], core = -1, ret;
	bool have_dir = false;
	ssize_t len;
	char c[2];

	memset(r, 0, sizeof(*r));
	r->pid = -1;
	if (!find_in_path("gdb", gdb, sizeof(gdb))) {
		r->skip = true;
		snprintf(r->why, sizeof(r->why), "gdb not found in PATH");
		return;
	}
	len = readlink("/proc/self/exe", exe, sizeof(r->exe) - 1);
	if (len < 0) {
		snprintf(r->why, sizeof(r->why), "readlink: %m");
		return;
	}
	exe[len] = 0;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(r->why, sizeof(r->why), "pipe: %m");
		return;
	}
	r->avx = __builtin_cpu_supports("avx");
	r->pid = fork();
	if (r->pid == 0) {
		close(pipefd[0]);
		child_main(pipefd[1]);
	}
	close(pipefd[1]);
	if (r->pid < 0) {
		close(pipefd[0]);
		snprintf(r->why, sizeof(r->why), "fork: %m");
		return;
	}
	/* One byte from each thread once it reached its spin function. */
	len = read(pipefd[0], c, 1);
	if (len == 1)
		len = read(pipefd[0], c + 1, 1);
	close(pipefd[0]);
	if (len != 1) {
		snprintf(r->why, sizeof(r->why), "child did not start");
		goto out;
	}

	ret = stop_threads(r->pid, tids, MAX_THREADS, &nr_tids);
	r->nr_threads = nr_tids;
	if (ret == -EPERM) {
		r->skip = true;
		snprintf(r->why, sizeof(r->why),
			 "ptrace not permitted here: %s", strerror(-ret));
		goto out;
	}
	if (ret) {
		snprintf(r->why, sizeof(r->why), "stopping threads: %s",
			 strerror(-ret));
		goto out;
	}
	memcpy(r->tids, tids, sizeof(r->tids));

	memset(info, 0, sizeof(info));
	memset(threads, 0, sizeof(threads));
	for (i = 0; i < r->nr_threads; i++) {
		struct user_regs_struct regs;
		struct iovec iov = { xstate[i], sizeof(xstate[i]) };

		_Static_assert(sizeof(regs) == sizeof(info[i].regs),
			       "user_regs_struct is the procsnap layout");
		if (ptrace(PTRACE_GETREGS, tids[i], 0, &regs) < 0 ||
		    ptrace(PTRACE_GETREGSET, tids[i], NT_X86_XSTATE,
			   &iov) < 0) {
			snprintf(r->why, sizeof(r->why), "ptrace regs: %m");
			goto out;
		}
		info[i].tid = tids[i];
		memcpy(info[i].regs, &regs, sizeof(regs));
		info[i].xstate_size = iov.iov_len;
		if (i == 0) {
			uint64_t xcr0 = 0;

			/* Where the kernel and gdb keep XCR0: sw_reserved. */
			if (iov.iov_len >= 472)
				memcpy(&xcr0, xstate[i] + 464, sizeof(xcr0));
			r->xstate_ok = xsave_layout_is_intel(xcr0);
		}
		threads[i].info = &info[i];
		threads[i].xstate = xstate[i];
		threads[i].xstate_size = iov.iov_len;
	}

	snprintf(path, sizeof(path), "/proc/%d/maps", r->pid);
	maps_text = read_text(path, NULL);
	snprintf(path, sizeof(path), "/proc/%d/auxv", r->pid);
	auxv = read_text(path, &auxv_size);
	snprintf(path, sizeof(path), "/proc/%d/comm", r->pid);
	comm = read_text(path, NULL);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", r->pid);
	cmdline = read_text(path, &cmdline_size);
	if (!maps_text || !auxv || !comm || !cmdline ||
	    parse_maps(maps_text, &maps, &nr_maps)) {
		snprintf(r->why, sizeof(r->why), "reading /proc/%d failed",
			 r->pid);
		goto out;
	}
	comm[strcspn(comm, "\n")] = 0;
	for (i = 0; i + 1 < cmdline_size; i++)
		if (!cmdline[i])
			cmdline[i] = ' ';

	memset(&in, 0, sizeof(in));
	in.pid = r->pid;
	in.ppid = getpid();
	in.pgrp = getpgid(r->pid);
	in.sid = getsid(r->pid);
	in.uid = getuid();
	in.gid = getgid();
	in.comm = comm;
	in.psargs = cmdline;
	in.maps = maps;
	in.nr_maps = nr_maps;
	in.threads = threads;
	in.nr_threads = r->nr_threads;
	in.auxv = auxv;
	in.auxv_size = auxv_size;
	in.page_size = sysconf(_SC_PAGESIZE);
	ret = ps_core_build(&in, &head, &head_len, &loads, &file_size);
	if (ret) {
		snprintf(r->why, sizeof(r->why), "ps_core_build: %s",
			 strerror(-ret));
		goto out;
	}

	if (!mkdtemp(dir)) {
		snprintf(r->why, sizeof(r->why), "mkdtemp: %m");
		goto out;
	}
	have_dir = true;
	snprintf(core_path, sizeof(core_path), "%s/core", dir);
	core = open(core_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (core < 0 || pwrite(core, head, head_len, 0) != (ssize_t)head_len) {
		snprintf(r->why, sizeof(r->why), "writing %s: %m", core_path);
		goto out;
	}
	ret = write_loads(core, r->pid, maps, loads, nr_maps);
	if (ret || ftruncate(core, file_size) < 0) {
		snprintf(r->why, sizeof(r->why),
			 "writing %s (%" PRIu64 " bytes): %s", core_path,
			 file_size, strerror(ret ? -ret : errno));
		goto out;
	}
	close(core);
	core = -1;

	/* The child is not needed to read its core: gdb sees only the file. */
	reap_child(r->pid, tids, r->nr_threads);
	r->pid = -1;

	{
		char *argv[] = {
			gdb, "-batch", "-nx",
			"-iex", "set debuginfod enabled off",
			"-ex", "info threads",
			"-ex", "thread apply all bt",
			"-ex", "print core_marker",
			"-ex", "print/x $xmm15.v2_int64[0]",
			"-ex", "print/x $ymm14.v4_int64[3]",
			exe, core_path, NULL,
		};

		r->gdb_out = run_capture(argv);
	}
	if (!r->gdb_out)
		snprintf(r->why, sizeof(r->why), "running gdb failed");
	if (find_in_path("readelf", readelf, sizeof(readelf))) {
		char *argv[] = { readelf, "-n", core_path, NULL };

		r->readelf_out = run_capture(argv);
	}

out:
	if (r->pid > 0)
		reap_child(r->pid, tids, nr_tids);
	if (core >= 0)
		close(core);
	if (have_dir) {
		unlink(core_path);
		rmdir(dir);
	}
	free(head);
	free(loads);
	free(maps);
	free(maps_text);
	free(auxv);
	free(comm);
	free(cmdline);
}

/*
 * gdb's output is too long for a Check message: print it on stderr and
 * name only what is wrong.
 */
#define ck_assert_output(out, needle) do { \
	if (!strstr(out, needle)) \
		fprintf(stderr, "%s\n", out); \
	ck_assert_msg(strstr(out, needle), \
		      "\"%s\" missing from the output above", needle); \
} while (0)

#define ck_assert_no_output(out, needle) do { \
	if (strstr(out, needle)) \
		fprintf(stderr, "%s\n", out); \
	ck_assert_msg(!strstr(out, needle), \
		      "\"%s\" in the output above", needle); \
} while (0)

#define ck_assert_count(out, needle, n) do { \
	if (count_str(out, needle) != (n)) \
		fprintf(stderr, "%s\n", out); \
	ck_assert_msg(count_str(out, needle) == (n), \
		      "\"%s\" not %d times in the output above", needle, n); \
} while (0)

static unsigned int count_str(const char *haystack, const char *needle)
{
	unsigned int n = 0;

	while ((haystack = strstr(haystack, needle))) {
		n++;
		haystack += strlen(needle);
	}
	return n;
}

START_TEST(test_core_gdb)
{
	struct gdb_result r;
	char want[64];

	run_gdb_on_core(&r);
	if (r.skip) {
		fprintf(stderr, "check_core: gdb test skipped: %s\n", r.why);
		return;
	}
	ck_assert_msg(!r.why[0], "%s", r.why);

	/* Two threads, by their LWP ids, the first one current. */
	ck_assert_uint_eq(r.nr_threads, 2);
	ck_assert_output(r.gdb_out, "\n* 1    ");
	ck_assert_output(r.gdb_out, "\n  2    ");
	ck_assert_no_output(r.gdb_out, "\n  3    ");
	snprintf(want, sizeof(want), "LWP %d)", r.tids[0]);
	ck_assert_output(r.gdb_out, want);
	snprintf(want, sizeof(want), "LWP %d)", r.tids[1]);
	ck_assert_output(r.gdb_out, want);
	ck_assert_output(r.gdb_out, "\nThread 2 ");
	ck_assert_output(r.gdb_out, "\nThread 1 ");

	/* Backtraces unwound from the recorded registers and memory. */
	ck_assert_output(r.gdb_out, "spin_here (");
	ck_assert_output(r.gdb_out, "spin_thread (");
	ck_assert_output(r.gdb_out, "child_main (");

	ck_assert_output(r.gdb_out, "$1 = 305441741\n");
	/* XMM15 from NT_PRFPREG (or NT_X86_XSTATE): the FXSAVE area. */
	ck_assert_output(r.gdb_out, "$2 = 0x1122334455667788\n");
	if (r.xstate_ok) {
		/* Upper YMM halves are only in NT_X86_XSTATE. */
		if (r.avx)
			ck_assert_output(r.gdb_out,
					   "$3 = 0x123456789abcdef\n");
	} else {
		fprintf(stderr, "check_core: this CPU's XSAVE layout is not "
			"the one gdb assumes; YMM not checked\n");
		drop_text(r.gdb_out, "warning: Section `.reg-xstate/",
			  "too small.\n");
		drop_text(r.gdb_out,
			  "warning: Unexpected size of section `.reg-xstate/",
			  "in core file.\n");
	}
	/*
	 * NT_FILE lists deleted files (shared anonymous memory is
	 * "/dev/zero (deleted)") as the kernel's does; gdb cannot open them.
	 */
	drop_text(r.gdb_out, "warning: Can't open file ",
		  "during file-backed mapping note processing\n");
	ck_assert_no_output(r.gdb_out, "warning");

	if (r.readelf_out) {
		ck_assert_count(r.readelf_out, "NT_PRSTATUS", 2);
		ck_assert_count(r.readelf_out, "NT_FPREGSET", 2);
		ck_assert_count(r.readelf_out, "NT_X86_XSTATE", 2);
		ck_assert_count(r.readelf_out, "NT_PRPSINFO", 1);
		ck_assert_count(r.readelf_out, "NT_AUXV", 1);
		ck_assert_count(r.readelf_out, "NT_FILE", 1);
	}
	free(r.gdb_out);
	free(r.readelf_out);
}
END_TEST

Suite *core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("layout");
	TCase *tc_gdb = tcase_create("gdb");

	tcase_add_test(tc, test_core_ehdr_phdrs);
	tcase_add_test(tc, test_core_notes);
	tcase_add_test(tc, test_core_nt_file);
	tcase_add_test(tc, test_core_long_strings);
	tcase_add_test(tc, test_core_no_data);
	tcase_add_test(tc, test_core_many_maps);
	tcase_add_test(tc, test_core_invalid);
	suite_add_tcase(s, tc);

	/* gdb loads the test binary's debug info and the libraries': more
	 * than Check's default 4 s on a slow or busy machine. */
	tcase_set_timeout(tc_gdb, 120);
	tcase_add_test(tc_gdb, test_core_gdb);
	suite_add_tcase(s, tc_gdb);
	return s;
}

#ifdef CHECK_CORE_STANDALONE
/* cc -DCHECK_CORE_STANDALONE ... lib/core.c test/unit/check_core.c */
int main(void)
{
	SRunner *sr = srunner_create(core_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
#endif
