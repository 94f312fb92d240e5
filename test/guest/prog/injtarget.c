// SPDX-License-Identifier: GPL-2.0
/*
 * injtarget: a target that does what snapctl triage looks for, for
 * 24-triage.
 *
 * usage: injtarget --info FILE MODE
 *
 *   clean     nothing suspicious
 *   inject    in its own memory:
 *               anon      an anonymous r-x mapping holding code
 *               rwx       an anonymous rwx mapping holding code
 *               memfd     a memfd holding code, mapped r-x shared
 *               elf       the first page of its executable (an ELF
 *                         header) copied into an anonymous rw- page
 *               text      4 bytes of a function of its own text inverted,
 *                         through mprotect() and back to r-x
 *               vdso      the byte at offset 10 of the vDSO (in its ELF
 *                         ident padding, never executed) likewise, if the
 *                         kernel lets the vDSO be made writable
 *   deleted   copies its executable to FILE.exe, executes the copy, which
 *             unlinks itself
 *   replaced  the same, but the copy renames another file over itself
 *   memfdexe  copies its executable into memfd "injexe" and fexecve()s it
 *
 * Once set up it writes FILE (atomically): pid=, and per mode the address
 * of each thing (hex without 0x, at least 8 digits, as maps prints them)
 * with the start of the mapping that holds it after the fact (KEY_seg=):
 *   inject:   anon= rwx= memfd= elf= elf_type= text= text_seg= text_off=
 *             vdso= vdso_seg= (both empty when the vDSO was not patched)
 *   deleted, replaced, memfdexe:  exe= (the path the kernel names the
 *             executable by, without " (deleted)"), exe_seg= (its first
 *             mapping), exe_text= (its r-x mapping)
 * then sleeps in 2 ms steps (a snapshot needs a return to user mode).
 * On SIGUSR1 an inject target puts its text back as it was and writes
 * FILE.restored: a snapshot taken before must still show the patch.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096ul

static const char *info;
static char text[4096];
static volatile sig_atomic_t restore;
static void *patched;		/* the text patched, to put back */

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "injtarget: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void add(const char *key, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(const char *key, const char *fmt, ...)
{
	size_t n = strlen(text);
	va_list ap;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "%s=", key);
	va_start(ap, fmt);
	n += (size_t)vsnprintf(text + n, sizeof(text) - n, fmt, ap);
	va_end(ap);
	snprintf(text + n, sizeof(text) - n, "\n");
}

static void add_addr(const char *key, uintptr_t a)
{
	add(key, "%08" PRIxPTR, a);
}

static void on_usr1(int sig)
{
	(void)sig;
	restore = 1;
}

static int patch(void *p, size_t n, size_t span);

static void __attribute__((noreturn)) publish_and_sleep(void)
{
	struct timespec ts = { 0, 2000000 };
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", info);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "pid=%d\n%s", (int)getpid(), text) < 0 ||
	    fclose(f) || rename(tmp, info))
		die("writing the info file");
	for (;;) {
		nanosleep(&ts, NULL);
		if (!restore || !patched)
			continue;
		/* Inverted twice: as the file has it. */
		if (patch(patched, 4, 0))
			die("restoring the text");
		patched = NULL;
		snprintf(tmp, sizeof(tmp), "%s.restored", info);
		f = fopen(tmp, "w");
		if (!f || fclose(f))
			die("writing FILE.restored");
	}
}

/*
 * The mapping of /proc/self/maps that holds @a (@path NULL) or, with
 * @path, the first one of that path (and @perms, if not NULL): its start
 * and file offset.
 */
static int find_map(uintptr_t a, const char *path, const char *perms,
		    uintptr_t *start, uint64_t *offset)
{
	char line[4096], p[8], name[4096];
	unsigned long s, e, off;
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	if (!f)
		die("/proc/self/maps");
	while (!found && fgets(line, sizeof(line), f)) {
		name[0] = '\0';
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095[^\n]", &s, &e,
			   p, &off, name) < 4)
			continue;
		if (path ? !strcmp(name, path) &&
			   (!perms || !strcmp(p, perms)) :
			   (a >= s && a < e)) {
			*start = s;
			if (offset)
				*offset = off + (path ? 0 : a - s);
			found = 1;
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

/* mov eax, 42; ret */
static const unsigned char code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };

static void *map_code(int prot_after)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	memcpy(p, code, sizeof(code));
	if (mprotect(p, PAGE, prot_after))
		die("mprotect");
	if (((int (*)(void))p)() != 42)
		die("running the code");
	return p;
}

/* Invert @n bytes at @p in place, through a writable mapping. */
static int patch(void *p, size_t n, size_t span)
{
	uintptr_t page = (uintptr_t)p & ~(PAGE - 1);
	size_t len = (((uintptr_t)p + n + PAGE - 1) & ~(PAGE - 1)) - page;
	unsigned char *b = p;
	size_t i;

	if (span > len)
		len = span;
	if (mprotect((void *)page, len, PROT_READ | PROT_WRITE | PROT_EXEC))
		return -1;
	for (i = 0; i < n; i++)
		b[i] = (unsigned char)~b[i];
	if (mprotect((void *)page, len, PROT_READ | PROT_EXEC))
		die("mprotect back to r-x");
	return 0;
}

/* Never called once patched. */
__attribute__((noinline, used)) int victim(int x)
{
	return x * 3 + 7;
}

static void inject(void)
{
	uintptr_t a, seg, vdso = getauxval(AT_SYSINFO_EHDR), vstart = 0, vend;
	volatile int sink;
	unsigned char *elf;
	uint64_t off;
	void *mem;
	char line[256];
	FILE *f;
	int fd;

	add_addr("anon", (uintptr_t)map_code(PROT_READ | PROT_EXEC));
	add_addr("rwx", (uintptr_t)map_code(PROT_READ | PROT_WRITE |
					    PROT_EXEC));

	fd = memfd_create("injcode", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, PAGE) ||
	    pwrite(fd, code, sizeof(code), 0) != sizeof(code))
		die("memfd");
	mem = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		die("mmap of the memfd");
	add_addr("memfd", (uintptr_t)mem);

	elf = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fd = open("/proc/self/exe", O_RDONLY);
	if (elf == MAP_FAILED || fd < 0 || read(fd, elf, PAGE) != PAGE)
		die("copying the ELF header");
	close(fd);
	add_addr("elf", (uintptr_t)elf);
	add("elf_type", "%s", elf[16] == 2 ? "ET_EXEC" : "ET_DYN");

	sink = victim(1);
	(void)sink;
	a = (uintptr_t)&victim;
	if (patch((void *)a, 4, 0))
		die("patching the text");
	patched = (void *)a;
	signal(SIGUSR1, on_usr1);
	if (find_map(a, NULL, NULL, &seg, &off))
		die("the text's mapping");
	add_addr("text", a);
	add_addr("text_seg", seg);
	add("text_off", "%" PRIu64, off);


	/* The whole vDSO at once, so its mapping stays one. */
	vend = 0;
	f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (strstr(line, "[vdso]") &&
		    sscanf(line, "%lx-%lx", &s, &e) == 2) {
			vstart = s;
			vend = e;
		}
	}
	if (f)
		fclose(f);
	if (vdso && vend && vstart == vdso &&
	    !patch((void *)(vdso + 10), 1, vend - vstart)) {
		add_addr("vdso", vdso + 10);
		add_addr("vdso_seg", vdso);
	} else {
		add("vdso", "%s", "");
		add("vdso_seg", "%s", "");
	}
}

/* Copy @from (an open file) into @fd. */
static void copy_fd(int from, int to)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(from, buf, sizeof(buf))) > 0)
		if (write(to, buf, (size_t)n) != n)
			die("copying the executable");
	if (n < 0)
		die("reading the executable");
}

/* Execute a copy of this program as @mode2 with the same --info. */
static void __attribute__((noreturn)) exec_copy(const char *mode2)
{
	char path[4096];
	int in, out;

	snprintf(path, sizeof(path), "%s.exe", info);
	in = open("/proc/self/exe", O_RDONLY);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (in < 0 || out < 0)
		die("copying the executable");
	copy_fd(in, out);
	close(in);
	if (close(out))
		die("copying the executable");
	execl(path, path, "--info", info, mode2, (char *)NULL);
	die("executing the copy");
}

static void __attribute__((noreturn)) exec_memfd(void)
{
	char *const argv[] = { "injexe", "--info", (char *)info, "as-memfd",
			       NULL };
	extern char **environ;
	int in, fd;

	fd = memfd_create("injexe", 0);
	in = open("/proc/self/exe", O_RDONLY);
	if (fd < 0 || in < 0)
		die("memfd");
	copy_fd(in, fd);
	close(in);
	fexecve(fd, argv, environ);
	die("fexecve");
}

/* What the copy says of itself: its path, first and r-x mappings. */
static void describe_exe(const char *path)
{
	char mapped[4200];
	uintptr_t seg, text;

	snprintf(mapped, sizeof(mapped), "%s (deleted)", path);
	if (find_map(0, mapped, NULL, &seg, NULL) ||
	    find_map(0, mapped, "r-xp", &text, NULL))
		die("the executable's mappings");
	add("exe", "%s", path);
	add_addr("exe_seg", seg);
	add_addr("exe_text", text);
}

int main(int argc, char *argv[])
{
	char path[4096], other[4096];
	const char *mode;
	int fd;

	if (argc != 4 || strcmp(argv[1], "--info")) {
		fprintf(stderr, "usage: injtarget --info FILE "
			"clean|inject|deleted|replaced|memfdexe\n");
		return 2;
	}
	info = argv[2];
	mode = argv[3];
	snprintf(path, sizeof(path), "%s.exe", info);
	if (!strcmp(mode, "clean")) {
		/* nothing */
	} else if (!strcmp(mode, "inject")) {
		inject();
	} else if (!strcmp(mode, "deleted")) {
		exec_copy("as-deleted");
	} else if (!strcmp(mode, "replaced")) {
		exec_copy("as-replaced");
	} else if (!strcmp(mode, "memfdexe")) {
		exec_memfd();
	} else if (!strcmp(mode, "as-deleted")) {
		if (unlink(path))
			die("unlinking the copy");
		describe_exe(path);
	} else if (!strcmp(mode, "as-replaced")) {
		snprintf(other, sizeof(other), "%s.other", info);
		fd = open(other, O_WRONLY | O_CREAT | O_TRUNC, 0755);
		if (fd < 0 || write(fd, "#!/bin/sh\n", 10) != 10 ||
		    close(fd) || rename(other, path))
			die("replacing the copy");
		describe_exe(path);
	} else if (!strcmp(mode, "as-memfd")) {
		uintptr_t seg, text;

		if (find_map(0, "/memfd:injexe (deleted)", NULL, &seg, NULL) ||
		    find_map(0, "/memfd:injexe (deleted)", "r-xp", &text,
			     NULL))
			die("the memfd's mappings");
		add("exe", "%s", "/memfd:injexe");
		add_addr("exe_seg", seg);
		add_addr("exe_text", text);
	} else {
		fprintf(stderr, "injtarget: unknown mode '%s'\n", mode);
		return 2;
	}
	publish_and_sleep();
}
