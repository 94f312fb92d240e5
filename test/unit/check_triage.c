// SPDX-License-Identifier: GPL-2.0-only
/*
 * procsnap_triage() on views of child processes (procsnap_view_process()):
 * one that injects code into itself, clean ones (a fork of this dynamic
 * test program with all its libraries, and /bin/sleep with an empty
 * environment), and executables deleted or replaced after exec; and
 * snapctl triage's command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libprocsnap.h>

#include "check_procsnap.h"
#include "snapctl.h"
#include "util.h"

#define PAGE 4096ul
/* snapctl triage's status for findings, as snapctl(8) says. */
#define EXIT_FOUND 7

/* ---- findings ---- */

struct found {
	unsigned int kind;
	size_t segment;
	uint64_t seg_start;
	uint64_t address;
	uint64_t length;
	uint64_t file_offset;
	char why[512];
};

struct findings {
	struct found v[256];
	size_t n;
	int stop_at;	/* return 5 from the stop_at-th call (1-based) */
	unsigned int calls;
};

static int collect(void *data, const struct procsnap_finding *f)
{
	struct findings *fs = data;
	struct found *d;

	fs->calls++;
	if (fs->n < sizeof(fs->v) / sizeof(fs->v[0])) {
		d = &fs->v[fs->n++];
		d->kind = f->kind;
		d->segment = f->segment;
		d->seg_start = f->seg ? f->seg->start : 0;
		d->address = f->address;
		d->length = f->length;
		d->file_offset = f->file_offset;
		snprintf(d->why, sizeof(d->why), "%s", f->why);
	}
	return fs->stop_at && fs->calls == (unsigned int)fs->stop_at ? 5 : 0;
}

static size_t count_kind(const struct findings *fs, unsigned int kind)
{
	size_t i, n = 0;

	for (i = 0; i < fs->n; i++)
		n += fs->v[i].kind == kind;
	return n;
}

static void dump(const struct findings *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		fprintf(stderr, "  %s %#" PRIx64 " len %" PRIu64 ": %s\n",
			procsnap_finding_name(fs->v[i].kind),
			fs->v[i].address, fs->v[i].length, fs->v[i].why);
}

/* The finding of @kind at @address; the test fails without one. */
static const struct found *find(const struct findings *fs, unsigned int kind,
				uint64_t address)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (fs->v[i].kind == kind && fs->v[i].address == address)
			return &fs->v[i];
	dump(fs);
	ck_abort_msg("no %s finding at %#" PRIx64, procsnap_finding_name(kind),
		     address);
	return NULL;
}

/* Exactly @n findings, @n_kind of them of @kind. */
static void expect_counts(const struct findings *fs, size_t n,
			  unsigned int kind, size_t n_kind)
{
	size_t i, k = 0;

	for (i = 0; i < fs->n; i++)
		k += fs->v[i].kind == kind;
	if (fs->n != n || k != n_kind) {
		dump(fs);
		ck_abort_msg("%zu findings, %zu of them %s; want %zu and %zu",
			     fs->n, k, procsnap_finding_name(kind), n, n_kind);
	}
}

/* Triage process @pid into @fs; the segments must be those named. */
static void triage_pid(pid_t pid, unsigned int flags, struct findings *fs)
{
	const struct procsnap_segment *segs;
	struct procsnap_view *v;
	size_t i, n;

	ck_assert_int_eq(procsnap_view_process(pid, &v), 0);
	ck_assert_int_eq(procsnap_triage(v, flags, collect, fs), 0);
	segs = procsnap_view_segments(v, &n);
	for (i = 0; i < fs->n; i++) {
		if (fs->v[i].segment == PROCSNAP_NO_SEGMENT) {
			ck_assert_uint_eq(fs->v[i].seg_start, 0);
			ck_assert_uint_eq(fs->v[i].address, 0);
			continue;
		}
		ck_assert_uint_lt(fs->v[i].segment, n);
		ck_assert_uint_eq(segs[fs->v[i].segment].start,
				  fs->v[i].seg_start);
		ck_assert_uint_ge(fs->v[i].address, fs->v[i].seg_start);
		ck_assert_uint_lt(fs->v[i].address,
				  segs[fs->v[i].segment].end);
	}
	procsnap_view_close(v);
}

/* The loader variables of this process's environment: what it inherits. */
static size_t loader_vars(void)
{
	static const char *const vars[] = {
		"LD_PRELOAD=", "LD_AUDIT=", "LD_LIBRARY_PATH=", "GCONV_PATH=",
	};
	char buf[1 << 16];
	size_t n = 0, k, off;
	ssize_t len;
	int fd = open("/proc/self/environ", O_RDONLY);

	ck_assert_int_ge(fd, 0);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ck_assert_int_ge(len, 0);
	buf[len] = '\0';
	for (off = 0; off < (size_t)len; off += strlen(buf + off) + 1)
		for (k = 0; k < sizeof(vars) / sizeof(vars[0]); k++)
			if (!strncmp(buf + off, vars[k], strlen(vars[k])) &&
			    buf[off + strlen(vars[k])])
				n++;
	return n;
}

/* ---- children ---- */

/* What the injecting child did, for the parent. */
struct injected {
	uint64_t anon, rwx, memfd, elf, text, text_off, libc, libc_off;
	bool elf_dyn;
};

/* mov eax, 42; ret */
static const unsigned char code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };

static uint64_t map_code(int prot)
{
	unsigned char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(10);
	memcpy(p, code, sizeof(code));
	if (mprotect(p, PAGE, prot))
		_exit(11);
	return (uint64_t)(uintptr_t)p;
}

/* Patched in the child; never run after. */
__attribute__((noinline, used)) static int victim(int x)
{
	return x * 5 + 3;
}

/* The file offset of @a in /proc/self/maps. */
static uint64_t file_offset(uint64_t a)
{
	unsigned long s, e, off;
	char line[4096];
	FILE *f = fopen("/proc/self/maps", "r");
	uint64_t r = UINT64_MAX;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %lx", &s, &e, &off) == 3 &&
		    a >= s && a < e)
			r = off + (a - s);
	if (f)
		fclose(f);
	return r;
}

/* Invert @n bytes of code at @code, through mprotect() and back to r-x. */
static uint64_t patch(void *code, size_t n)
{
	unsigned char *p = code;
	uintptr_t page = (uintptr_t)p & ~(PAGE - 1);
	size_t len = (((uintptr_t)p + n + PAGE - 1) & ~(PAGE - 1)) - page;

	if (mprotect((void *)page, len, PROT_READ | PROT_WRITE | PROT_EXEC))
		_exit(16);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)~p[i];
	if (mprotect((void *)page, len, PROT_READ | PROT_EXEC))
		_exit(17);
	return (uint64_t)(uintptr_t)p;
}

static void inject(int out)
{
	struct injected in = { 0 };
	unsigned char *p;
	int fd;

	in.anon = map_code(PROT_READ | PROT_EXEC);
	in.rwx = map_code(PROT_READ | PROT_WRITE | PROT_EXEC);

	fd = memfd_create("checkcode", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, PAGE) ||
	    pwrite(fd, code, sizeof(code), 0) != sizeof(code))
		_exit(12);
	p = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		_exit(13);
	in.memfd = (uint64_t)(uintptr_t)p;

	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fd = open("/proc/self/exe", O_RDONLY);
	if (p == MAP_FAILED || fd < 0 || read(fd, p, PAGE) != (ssize_t)PAGE)
		_exit(14);
	close(fd);
	in.elf = (uint64_t)(uintptr_t)p;
	in.elf_dyn = p[16] == 3;

	if (victim(1) != 8)
		_exit(15);
	in.text = patch(&victim, 4);
	in.text_off = file_offset(in.text);
	/* In libc's text, in a function this program never runs. */
	in.libc = patch((char *)&strfry + 8, 2);
	in.libc_off = file_offset(in.libc);

	if (write(out, &in, sizeof(in)) != sizeof(in))
		_exit(18);
}

static void nothing(int out)
{
	char c = 1;

	if (write(out, &c, 1) != 1)
		_exit(18);
}

/*
 * Fork a child that runs @setup, which writes @len bytes for us, then
 * waits until *@hold is closed (by stop_child(), or by this process
 * exiting).
 */
static pid_t start_child(void (*setup)(int), void *buf, size_t len,
			 int *hold)
{
	int info[2], keep[2];
	ssize_t n;
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(info), 0);
	ck_assert_int_eq(pipe(keep), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		close(info[0]);
		close(keep[1]);
		setup(info[1]);
		close(info[1]);
		while (read(keep[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(info[1]);
	close(keep[0]);
	n = read(info[0], buf, len);
	close(info[0]);
	ck_assert_int_eq(n, (ssize_t)len);
	*hold = keep[1];
	return pid;
}

static void stop_child(pid_t pid, int hold)
{
	int status;

	close(hold);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * Execute @path ("sleep 60") with an empty environment; return once it
 * runs the new program.
 */
static pid_t start_exec(const char *path)
{
	char *const argv[] = { "sleep", "60", NULL };
	char *const envp[] = { NULL };
	int p[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		execve(path, argv, envp);
		_exit(127);
	}
	close(p[1]);
	/* EOF once the exec closed the other end. */
	ck_assert_int_eq(read(p[0], &c, 1), 0);
	close(p[0]);
	return pid;
}

static void kill_exec(pid_t pid)
{
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}

/*
 * Where copies of /bin/sleep go: next to this program, where programs can
 * be run (/tmp may be noexec).  @pattern gets "DIR/triage-sleep.XXXXXX".
 */
static void copy_pattern(char *pattern, size_t size)
{
	char self[PATH_MAX - 32];
	ssize_t len;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0 || len >= (ssize_t)sizeof(self) - 1) {
		snprintf(pattern, size, "/tmp/triage-sleep.XXXXXX");
		return;
	}
	self[len] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(pattern, size, "%s/triage-sleep.XXXXXX", self);
}

/* Run in the runner's process after the tests: even after a failure. */
static void remove_copies(void)
{
	char pattern[PATH_MAX];
	glob_t g;
	size_t i;

	copy_pattern(pattern, sizeof(pattern));
	strcpy(strrchr(pattern, '.'), ".*");
	if (glob(pattern, 0, NULL, &g))
		return;
	for (i = 0; i < g.gl_pathc; i++)
		unlink(g.gl_pathv[i]);
	globfree(&g);
}

/* A copy of /bin/sleep: @path receives its name. */
static void copy_sleep(char *path, size_t size)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	copy_pattern(path, size);
	out = mkstemp(path);
	ck_assert_int_ge(out, 0);
	in = open("/bin/sleep", O_RDONLY);
	ck_assert_int_ge(in, 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	close(in);
	ck_assert_int_eq(fchmod(out, 0755), 0);
	ck_assert_int_eq(close(out), 0);
}

/* The first mapping of @path in @pid's maps, and the r-x one. */
static void exe_maps(pid_t pid, const char *path, uint64_t *first,
		     uint64_t *text)
{
	char name[64], line[PATH_MAX + 128], perms[8], p[PATH_MAX];
	unsigned long s, e;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/maps", (int)pid);
	f = fopen(name, "r");
	ck_assert_ptr_nonnull(f);
	*first = *text = 0;
	while (fgets(line, sizeof(line), f)) {
		p[0] = '\0';
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %[^\n]", &s, &e,
			   perms, p) < 3 || strcmp(p, path))
			continue;
		if (!*first)
			*first = s;
		if (!*text && !strcmp(perms, "r-xp"))
			*text = s;
	}
	fclose(f);
	ck_assert_uint_ne(*first, 0);
	ck_assert_uint_ne(*text, 0);
}

/* ---- the library ---- */

START_TEST(test_finding_names)
{
	static const char *const names[] = {
		NULL, "anon-exec", "deleted-file-exec", "memfd-exec", "rwx",
		"elf-in-anon", "patched-code", "file-replaced", "loader-env",
		"exe-deleted", "exe-replaced", "exe-memfd",
	};
	unsigned int k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (names[k])
			ck_assert_str_eq(procsnap_finding_name(k), names[k]);
		else
			ck_assert_ptr_null(procsnap_finding_name(k));
	}
	ck_assert_ptr_null(procsnap_finding_name(k));
	ck_assert_ptr_null(procsnap_finding_name(UINT_MAX));
}
END_TEST

START_TEST(test_triage_arguments)
{
	struct findings fs = { 0 };
	struct procsnap_view *v;

	errno = 0;
	ck_assert_int_eq(procsnap_triage(NULL, 0, collect, &fs), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(procsnap_view_process(getpid(), &v), 0);
	ck_assert_int_eq(procsnap_triage(v, 0, NULL, NULL), -EINVAL);
	ck_assert_int_eq(procsnap_triage(v, 1u << 31, collect, &fs), -EINVAL);
	ck_assert_uint_eq(fs.calls, 0);
	procsnap_view_close(v);
}
END_TEST

START_TEST(test_triage_injected)
{
	struct findings fs = { 0 };
	char self[PATH_MAX], why[PATH_MAX + 64];
	const struct found *f;
	struct injected in;
	int hold;
	pid_t pid = start_child(inject, &in, sizeof(in), &hold);
	size_t env = loader_vars();
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

	ck_assert_int_gt(len, 0);
	self[len] = '\0';

	triage_pid(pid, 0, &fs);

	f = find(&fs, PROCSNAP_FIND_ANON_EXEC, in.anon);
	ck_assert_uint_eq(f->seg_start, in.anon);
	ck_assert_uint_eq(f->length, PAGE);
	ck_assert_str_eq(f->why, "r-xp anonymous mapping");

	f = find(&fs, PROCSNAP_FIND_ANON_EXEC, in.rwx);
	f = find(&fs, PROCSNAP_FIND_RWX, in.rwx);
	ck_assert_str_eq(f->why, "rwxp anonymous mapping");

	f = find(&fs, PROCSNAP_FIND_MEMFD_EXEC, in.memfd);
	ck_assert_str_eq(f->why,
			 "r-xs mapping of /memfd:checkcode (deleted)");

	f = find(&fs, PROCSNAP_FIND_ELF_IN_ANON, in.elf);
	ck_assert_uint_eq(f->length, 64);
	ck_assert_str_eq(f->why, in.elf_dyn ?
			 "ELF header (ET_DYN, x86-64) at page start" :
			 "ELF header (ET_EXEC, x86-64) at page start");

	f = find(&fs, PROCSNAP_FIND_PATCHED_CODE, in.text);
	ck_assert_uint_eq(f->length, 4);
	ck_assert_uint_eq(f->file_offset, in.text_off);
	snprintf(why, sizeof(why), "4 bytes differ from %s at file offset "
		 "%#" PRIx64, self, in.text_off);
	ck_assert_str_eq(f->why, why);

	f = find(&fs, PROCSNAP_FIND_PATCHED_CODE, in.libc);
	ck_assert_uint_eq(f->length, 2);
	ck_assert_uint_eq(f->file_offset, in.libc_off);
	ck_assert_contains(f->why, "2 bytes differ from /");
	ck_assert_contains(f->why, "/libc.so.6 at file offset 0x");

	/*
	 * Nothing else: not in the rest of the program, libc, ld.so, the
	 * other libraries, the vDSO or the stack.
	 */
	ck_assert_uint_eq(count_kind(&fs, PROCSNAP_FIND_ANON_EXEC), 2);
	ck_assert_uint_eq(count_kind(&fs, PROCSNAP_FIND_LOADER_ENV), env);
	expect_counts(&fs, 7 + env, PROCSNAP_FIND_PATCHED_CODE, 2);

	/* In address order. */
	for (size_t i = 1; i < fs.n; i++)
		if (fs.v[i].segment != PROCSNAP_NO_SEGMENT &&
		    fs.v[i - 1].segment != PROCSNAP_NO_SEGMENT)
			ck_assert_uint_ge(fs.v[i].seg_start,
					  fs.v[i - 1].seg_start);

	/* Without the host's files: the same, but no comparison. */
	memset(&fs, 0, sizeof(fs));
	triage_pid(pid, PROCSNAP_TRIAGE_NO_HOST, &fs);
	expect_counts(&fs, 5 + env, PROCSNAP_FIND_PATCHED_CODE, 0);

	/* The callback stops it. */
	memset(&fs, 0, sizeof(fs));
	fs.stop_at = 2;
	{
		struct procsnap_view *v;

		ck_assert_int_eq(procsnap_view_process(pid, &v), 0);
		ck_assert_int_eq(procsnap_triage(v, 0, collect, &fs), 5);
		ck_assert_uint_eq(fs.calls, 2);
		procsnap_view_close(v);
	}
	stop_child(pid, hold);
}
END_TEST

/* A fork of this program: glibc, ld.so, libcrypto, json-c... as mapped. */
START_TEST(test_triage_clean_fork)
{
	struct findings fs = { 0 };
	size_t env = loader_vars();
	char c;
	int hold;
	pid_t pid = start_child(nothing, &c, 1, &hold);

	triage_pid(pid, 0, &fs);
	expect_counts(&fs, env, PROCSNAP_FIND_LOADER_ENV, env);
	stop_child(pid, hold);
}
END_TEST

START_TEST(test_triage_clean_exec)
{
	struct findings fs = { 0 };
	pid_t pid = start_exec("/bin/sleep");

	triage_pid(pid, 0, &fs);
	expect_counts(&fs, 0, PROCSNAP_FIND_LOADER_ENV, 0);
	kill_exec(pid);
}
END_TEST

START_TEST(test_triage_exe_deleted)
{
	char path[PATH_MAX], mapped[PATH_MAX + 16], why[PATH_MAX + 32];
	struct findings fs = { 0 };
	const struct found *f;
	uint64_t first, text;
	pid_t pid;

	copy_sleep(path, sizeof(path));
	pid = start_exec(path);
	ck_assert_int_eq(unlink(path), 0);
	snprintf(mapped, sizeof(mapped), "%s (deleted)", path);
	exe_maps(pid, mapped, &first, &text);
	triage_pid(pid, 0, &fs);

	f = find(&fs, PROCSNAP_FIND_EXE_DELETED, first);
	ck_assert_uint_eq(f->seg_start, first);
	snprintf(why, sizeof(why), "%s was deleted", path);
	ck_assert_str_eq(f->why, why);
	f = find(&fs, PROCSNAP_FIND_DELETED_EXEC, text);
	snprintf(why, sizeof(why), "r-xp mapping of %s", mapped);
	ck_assert_str_eq(f->why, why);
	/* Its header at file offset 0 is the file's own. */
	expect_counts(&fs, 2, PROCSNAP_FIND_ELF_IN_ANON, 0);
	kill_exec(pid);
}
END_TEST

START_TEST(test_triage_exe_replaced)
{
	char path[PATH_MAX], other[PATH_MAX + 8], mapped[PATH_MAX + 16];
	struct findings fs = { 0 };
	const struct found *f;
	uint64_t first, text;
	pid_t pid;
	int fd;

	copy_sleep(path, sizeof(path));
	pid = start_exec(path);
	snprintf(other, sizeof(other), "%s.new", path);
	fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0755);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	ck_assert_int_eq(rename(other, path), 0);
	snprintf(mapped, sizeof(mapped), "%s (deleted)", path);
	exe_maps(pid, mapped, &first, &text);
	triage_pid(pid, 0, &fs);

	f = find(&fs, PROCSNAP_FIND_EXE_REPLACED, first);
	ck_assert_contains(f->why, path);
	ck_assert_contains(f->why, " is another file here (dev ");
	find(&fs, PROCSNAP_FIND_DELETED_EXEC, text);
	expect_counts(&fs, 2, PROCSNAP_FIND_EXE_DELETED, 0);

	/* Not knowing the host, the kernel's word: deleted. */
	memset(&fs, 0, sizeof(fs));
	triage_pid(pid, PROCSNAP_TRIAGE_NO_HOST, &fs);
	f = find(&fs, PROCSNAP_FIND_EXE_DELETED, first);
	ck_assert_contains(f->why, " was deleted (or replaced)");
	expect_counts(&fs, 2, PROCSNAP_FIND_EXE_REPLACED, 0);
	kill_exec(pid);
	ck_assert_int_eq(unlink(path), 0);
}
END_TEST

/* ---- snapctl triage ---- */

START_TEST(test_cli_usage)
{
	struct captured c;

	RUN(&c, triage_main, MISSING_DEVICE, "triage", "--help");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_contains(c.out, "Usage: snapctl triage CLONE_PID|DIR");
	ck_assert_contains(c.out, "  6  no such process or snapshot\n"
			   "  7  findings: something looks injected\n");

	RUN(&c, triage_main, MISSING_DEVICE, "triage");
	ck_assert_failure(&c, EXIT_USAGE, "missing CLONE_PID or DIR");
	RUN(&c, triage_main, MISSING_DEVICE, "triage", "12", "13");
	ck_assert_int_eq(c.status, EXIT_USAGE);
	RUN(&c, triage_main, MISSING_DEVICE, "triage", "/tmp", "x");
	ck_assert_int_eq(c.status, EXIT_USAGE);
	ck_assert_contains(c.err, "'x'");
	RUN(&c, triage_main, MISSING_DEVICE, "triage", "--process", "x1");
	ck_assert_int_eq(c.status, EXIT_USAGE);
	RUN(&c, triage_main, MISSING_DEVICE, "triage", "--bogus", "1");
	ck_assert_int_eq(c.status, EXIT_USAGE);
}
END_TEST

START_TEST(test_cli_errors)
{
	char dir[] = "/tmp/check-triage.XXXXXX", file[64];
	struct captured c;
	FILE *f;

	/* A snapshot needs the module; a directory does not. */
	RUN(&c, triage_main, MISSING_DEVICE, "triage", "123");
	ck_assert_failure(&c, EXIT_NO_MODULE, "cannot open /nonexistent");
	RUN(&c, triage_main, MISSING_DEVICE, "triage", "/nonexistent/ev");
	ck_assert_failure(&c, EXIT_NO_SUCH, "no evidence in /nonexistent/ev");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	RUN(&c, triage_main, MISSING_DEVICE, "triage", dir);
	ck_assert_failure(&c, EXIT_NO_SUCH, "no manifest.json");
	snprintf(file, sizeof(file), "%s/manifest.json", dir);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"format\":\"something else\"}\n", f);
	fclose(f);
	RUN(&c, triage_main, MISSING_DEVICE, "triage", dir, "--json");
	ck_assert_failure(&c, EXIT_FAILED, "is not procsnap evidence");
	unlink(file);
	rmdir(dir);
	RUN(&c, triage_main, MISSING_DEVICE, "triage", "--process",
	    "2147483647");
	ck_assert_failure(&c, EXIT_NO_SUCH, "no process with pid 2147483647");
}
END_TEST

START_TEST(test_cli_clean)
{
	pid_t pid = start_exec("/bin/sleep");
	struct captured c;
	char arg[16];

	snprintf(arg, sizeof(arg), "%d", (int)pid);
	RUN(&c, triage_main, MISSING_DEVICE, "triage", "--process", arg);
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out, "no findings\n");
	ck_assert_str_eq(c.err, "");
	RUN(&c, triage_main, MISSING_DEVICE, "triage", arg, "--process",
	    "--json");
	ck_assert_int_eq(c.status, EXIT_OK);
	ck_assert_str_eq(c.out, "[]\n");
	kill_exec(pid);
}
END_TEST

START_TEST(test_cli_findings)
{
	struct captured c;
	struct injected in;
	char arg[16], want[256], addr[24], seg[48];
	int hold;
	pid_t pid = start_child(inject, &in, sizeof(in), &hold);

	snprintf(arg, sizeof(arg), "%d", (int)pid);
	RUN(&c, triage_main, MISSING_DEVICE, "triage", "--process", arg);
	ck_assert_int_eq(c.status, EXIT_FOUND);
	ck_assert_contains(c.out, "KIND               ADDRESS");
	/* One line per finding, in columns. */
	snprintf(addr, sizeof(addr), "0x%" PRIx64, in.rwx);
	snprintf(seg, sizeof(seg), "%08" PRIx64 "-%08" PRIx64, in.rwx,
		 in.rwx + PAGE);
	snprintf(want, sizeof(want), "\n%-17s  %-18s  %10s  %-33s  %s\n",
		 "rwx", addr, "4096", seg, "rwxp anonymous mapping");
	ck_assert_contains(c.out, want);

	RUN(&c, triage_main, MISSING_DEVICE, "triage", "--process", arg,
	    "--json");
	ck_assert_int_eq(c.status, EXIT_FOUND);
	ck_assert_int_eq(c.out[0], '[');
	snprintf(want, sizeof(want), "\n{\"kind\":\"anon-exec\",\"address\":"
		 "\"%08" PRIx64 "\",\"length\":4096,\"file_offset\":null,"
		 "\"segment\":{\"index\":", in.anon);
	ck_assert_contains(c.out, want);
	snprintf(want, sizeof(want), "\"start\":\"%08" PRIx64 "\",\"end\":"
		 "\"%08" PRIx64 "\",\"perms\":\"r-xp\",\"offset\":0,\"dev\":"
		 "\"00:00\",\"inode\":0,\"path\":\"\"},\"why\":\"r-xp "
		 "anonymous mapping\"}", in.anon, in.anon + PAGE);
	ck_assert_contains(c.out, want);
	snprintf(want, sizeof(want), "{\"kind\":\"patched-code\",\"address\":"
		 "\"%08" PRIx64 "\",\"length\":4,\"file_offset\":%" PRIu64
		 ",", in.text, in.text_off);
	ck_assert_contains(c.out, want);
	ck_assert_contains(c.out, "\n]\n");

	RUN(&c, triage_main, MISSING_DEVICE, "triage", "--process", arg,
	    "--json", "--no-host");
	ck_assert_int_eq(c.status, EXIT_FOUND);
	ck_assert(!strstr(c.out, "patched-code"));
	stop_child(pid, hold);
}
END_TEST

Suite *triage_suite(void)
{
	Suite *s = suite_create("triage");
	TCase *tc_lib = tcase_create("library");
	TCase *tc_cli = tcase_create("snapctl");

	tcase_add_unchecked_fixture(tc_lib, NULL, remove_copies);
	tcase_add_test(tc_lib, test_finding_names);
	tcase_add_test(tc_lib, test_triage_arguments);
	tcase_add_test(tc_lib, test_triage_injected);
	tcase_add_test(tc_lib, test_triage_clean_fork);
	tcase_add_test(tc_lib, test_triage_clean_exec);
	tcase_add_test(tc_lib, test_triage_exe_deleted);
	tcase_add_test(tc_lib, test_triage_exe_replaced);
	suite_add_tcase(s, tc_lib);

	tcase_add_test(tc_cli, test_cli_usage);
	tcase_add_test(tc_cli, test_cli_errors);
	tcase_add_test(tc_cli, test_cli_clean);
	tcase_add_test(tc_cli, test_cli_findings);
	suite_add_tcase(s, tc_cli);
	return s;
}
