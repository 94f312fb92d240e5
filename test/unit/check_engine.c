// SPDX-License-Identifier: GPL-2.0-only
/*
 * procsnap_collect() end to end, without the module: a stopped child
 * process stands in for the snapshot (its /proc/PID/mem, maps and pagemap
 * are read the same way) and the fake device of fake_device.c answers
 * LIST, THREADS, FILES, XSTATE and VERSION for it.
 *
 * The child maps 32 MiB of anonymous memory and touches a few pages of it
 * (known patterns), maps a file whose name has spaces, and maps a file it
 * then deletes; the images must hold those bytes at the right offsets,
 * keep the untouched pages as holes, and hash as the manifest says.
 */
#include <archive.h>
#include <archive_entry.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libprocsnap.h>

#include "check_procsnap.h"
#include "internal.h"
#include "snapctl.h"
#include "util.h"

#define ANON_SIZE (32u << 20)
#define PAGE 4096u
#define FILE_PAGES 3
#define SPACED_NAME "a file with spaces.bin"

/* The touched pages of the anonymous mapping. */
static bool touched(uint64_t page)
{
	return page < 4 || page == 100 || (page >= 1024 && page < 1664);
}

static unsigned char anon_byte(uint64_t off)
{
	uint64_t page = off / PAGE;

	if (!touched(page))
		return 0;
	return (unsigned char)(page * 37 + (off % PAGE) * 7 + 1);
}

static unsigned char file_byte(uint64_t off)
{
	return (unsigned char)(off * 3 + 5);
}

struct child_info {
	uint64_t anon;
	uint64_t file;
	uint64_t gone;
};

static char dir[96];
static pid_t child;
static struct child_info info;
static struct procsnap_ctx *ctx;

static void child_main(int fd)
{
	char path[160];
	unsigned char *a, *f, *g;
	uint64_t off;
	int mfd;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	a = mmap(NULL, ANON_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		_exit(1);
	/* Else a huge page would make untouched pages present. */
	madvise(a, ANON_SIZE, MADV_NOHUGEPAGE);
	for (off = 0; off < ANON_SIZE; off += PAGE)
		if (touched(off / PAGE)) {
			uint64_t i;

			for (i = 0; i < PAGE; i++)
				a[off + i] = anon_byte(off + i);
		}
	snprintf(path, sizeof(path), "%s/" SPACED_NAME, dir);
	mfd = open(path, O_RDONLY);
	f = mfd < 0 ? MAP_FAILED : mmap(NULL, FILE_PAGES * PAGE, PROT_READ,
					MAP_PRIVATE, mfd, 0);
	if (f == MAP_FAILED)
		_exit(1);
	close(mfd);
	snprintf(path, sizeof(path), "%s/gone", dir);
	mfd = open(path, O_RDONLY);
	g = mfd < 0 ? MAP_FAILED : mmap(NULL, PAGE, PROT_READ, MAP_SHARED,
					mfd, 0);
	if (g == MAP_FAILED)
		_exit(1);
	close(mfd);
	unlink(path);

	info.anon = (uint64_t)(uintptr_t)a;
	info.file = (uint64_t)(uintptr_t)f;
	info.gone = (uint64_t)(uintptr_t)g;
	if (write(fd, &info, sizeof(info)) != sizeof(info))
		_exit(1);
	close(fd);
	for (;;)
		raise(SIGSTOP);
}

static void write_file(const char *name, unsigned int pages, bool pattern)
{
	char path[160];
	unsigned char *buf = malloc(pages * PAGE);
	unsigned int i;
	int fd;

	for (i = 0; i < pages * PAGE; i++)
		buf[i] = pattern ? file_byte(i) : 'g';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, pages * PAGE), (ssize_t)(pages * PAGE));
	close(fd);
	free(buf);
}

static void engine_setup(void)
{
	int pfd[2], status;

	strcpy(dir, "/tmp/procsnap-engine-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file(SPACED_NAME, FILE_PAGES, true);
	write_file("gone", 1, false);

	ck_assert_int_eq(pipe(pfd), 0);
	fflush(NULL);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		close(pfd[0]);
		child_main(pfd[1]);
	}
	close(pfd[1]);
	ck_assert_int_eq(read(pfd[0], &info, sizeof(info)), sizeof(info));
	close(pfd[0]);
	ck_assert_int_eq(waitpid(child, &status, WUNTRACED), child);
	ck_assert(WIFSTOPPED(status));

	fake_device_reset(true);
	fake.nr_snaps = 1;
	fake.snaps[0].clone_pid = child;
	fake.snaps[0].target_pid = child;
	memcpy(fake.snaps[0].target_comm, "engine", 6);
	fake.snaps[0].threads = 1;
	fake.snaps[0].created_realtime_ns = 1700000000000000000ULL;
	fake.snaps[0].pause_ns = 12345;
	fake.snaps[0].requester_uid = 4242;
	/* The target's, recorded by the module: not the clone's status. */
	fake.snaps[0].target_uid[0] = 1001;
	fake.snaps[0].target_uid[3] = 1004;
	fake.snaps[0].target_gid[1] = 2002;
	fake.snaps[0].target_cap[2] = 0x1234;
	strcpy(fake.snaps[0].target_label, "engine-profile (enforce)");
	fake.nr_threads = 1;
	fake.threads[0].tid = child;
	fake.threads[0].flags = PROCSNAP_THREAD_DUPLICATED;
	fake.threads[0].regs[16] = info.anon;	/* rip */
	fake.threads[0].regs[17] = 0x33;	/* cs */
	fake.threads[0].regs[19] = info.anon + PAGE;	/* rsp */
	fake.threads[0].regs[20] = 0x2b;	/* ss */
	fake.threads[0].xstate_size = 576;
	fake.xstate_size = 576;
	memset(fake.xstate, 0x5a, sizeof(fake.xstate));
	fake.nr_files = 2;
	fake.files[0].fd = 0;
	fake.files[0].mode = 020620;
	strcpy(fake.files[0].path, "/dev/pts/0");
	fake.files[0].path_len = 10;
	fake.files[1].fd = 3;
	fake.files[1].flags = O_RDWR;
	strcpy(fake.files[1].path, "/tmp/a \"quoted\" (deleted)");
	fake.files[1].path_len = 25;
	fake.version.abi_version = PROCSNAP_ABI_VERSION;
	fake.version.features = PROCSNAP_FEAT_ALL;
	strcpy(fake.version.module_version, "0.3.0-test");

	ck_assert_int_eq(procsnap_open("/dev/null", &ctx), 0);
}

static void engine_teardown(void)
{
	char cmd[160];

	procsnap_close(ctx);
	fake_device_reset(false);
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	/* KEEP=1 in the environment keeps the output, for a look at it. */
	if (!getenv("KEEP") && system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* ---- helpers ---- */

static char *slurp(const char *path, size_t *len)
{
	char *buf;
	size_t n;

	ck_assert_msg(!ps_read_at(AT_FDCWD, path, &buf, len ? len : &n),
		      "cannot read %s", path);
	return buf;
}

static char *child_maps(size_t *len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)child);
	return slurp(path, len);
}

static void sha_file(const char *path, char hex[PS_SHA256_HEX])
{
	size_t len;
	char *buf = slurp(path, &len);

	ck_assert_int_eq(ps_sha256_buf(buf, len, hex), 0);
	free(buf);
}

/* The manifest's object for the segment starting at @start. */
static char *segment_json(const char *manifest, uint64_t start)
{
	char key[64], *p, *end, *obj;

	snprintf(key, sizeof(key), "\"start\": \"%08" PRIx64 "\"", start);
	p = strstr(manifest, key);
	ck_assert_msg(p != NULL, "no segment %s", key);
	end = strchr(p, '}');
	ck_assert_ptr_nonnull(end);
	obj = strndup(p, (size_t)(end - p));
	return obj;
}

static void out_path(char *buf, size_t size, const char *out,
		     const char *name)
{
	snprintf(buf, size, "%s/%s/%s", dir, out, name);
}

static int collect(const char *out, unsigned int flags,
		   struct procsnap_collect_stats *stats)
{
	char path[160];
	struct procsnap_collect_opts o = {
		.size = sizeof(o),
		.flags = flags,
		.fd = -1,
		.tool_version = "9.9",
		.stats = stats,
	};

	snprintf(path, sizeof(path), "%s/%s", dir, out);
	o.dir = path;
	if (stats)
		stats->size = sizeof(*stats);
	return procsnap_collect(ctx, child, &o);
}

/* The anonymous image holds the pattern, and is sparse. */
static void check_anon_image(const char *path)
{
	unsigned char *buf = malloc(ANON_SIZE);
	struct stat st;
	uint64_t off;
	int fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, ANON_SIZE);
	ck_assert_msg(st.st_blocks * 512 < 8 << 20, "not sparse: %lld blocks",
		      (long long)st.st_blocks);
	ck_assert_int_eq(pread(fd, buf, ANON_SIZE, 0), ANON_SIZE);
	for (off = 0; off < ANON_SIZE; off++)
		if (buf[off] != anon_byte(off))
			ck_abort_msg("byte at %#" PRIx64 " is %#x, not %#x",
				     off, buf[off], anon_byte(off));
	close(fd);
	free(buf);
}

static void check_file_image(const char *path)
{
	size_t len, i;
	char *buf = slurp(path, &len);

	ck_assert_uint_eq(len, FILE_PAGES * PAGE);
	for (i = 0; i < len; i++)
		ck_assert_uint_eq((unsigned char)buf[i], file_byte(i));
	free(buf);
}

/* ---- tests ---- */

START_TEST(test_collect_dir)
{
	char path[256], name[96], hex[PS_SHA256_HEX], root[PS_SHA256_HEX];
	char *maps, *maps_copy, *index, *manifest, *seg, *list, *p;
	struct procsnap_collect_stats stats;
	struct ps_map *m;
	size_t maps_len, len, n, i;
	uint64_t virt = 0;
	struct stat st;

	ck_assert_int_eq(collect("out", 0, &stats), 0);
	ck_assert(!fake.bad_arg);

	/* index.txt: the maps, byte for byte. */
	maps = child_maps(&maps_len);
	out_path(path, sizeof(path), "out", "index.txt");
	index = slurp(path, &len);
	ck_assert_uint_eq(len, maps_len);
	ck_assert_int_eq(memcmp(index, maps, len), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	out_path(path, sizeof(path), "out", "");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);

	maps_copy = strdup(maps);
	ck_assert_int_eq(ps_parse_maps(maps_copy, &m, &n), 0);
	ck_assert_uint_eq(stats.segments, n);
	out_path(path, sizeof(path), "out", "manifest.json");
	manifest = slurp(path, NULL);

	/* Every mapping has its image, of its size, with its hash. */
	list = calloc(n + 1, PS_SHA256_HEX);
	for (i = 0; i < n; i++) {
		ps_segment_name(&m[i], name, sizeof(name));
		out_path(path, sizeof(path), "out", name);
		ck_assert_msg(!stat(path, &st), "no %s", path);
		ck_assert_int_eq(st.st_size, (off_t)(m[i].end - m[i].start));
		virt += m[i].end - m[i].start;
		sha_file(path, hex);
		strcat(list, hex);
		strcat(list, "\n");
		seg = segment_json(manifest, m[i].start);
		snprintf(path, sizeof(path), "\"sha256\": \"%s\"", hex);
		ck_assert_contains(seg, path);
		snprintf(path, sizeof(path), "\"file\": \"%s\"", name);
		ck_assert_contains(seg, path);
		if (!strncmp(m[i].path, "[vvar", 5)) {
			ck_assert_contains(seg, "\"status\": \"unreadable\"");
			ck_assert_contains(seg, "\"error\": \"EIO\"");
			ck_assert_contains(seg, "\"bytes_written\": 0");
			out_path(path, sizeof(path), "out", name);
			ck_assert_int_eq(stat(path, &st), 0);
			ck_assert_int_eq(st.st_blocks, 0);
		} else if (m[i].perms[0] == 'r') {
			ck_assert_contains(seg, "\"error\": null");
		}
		free(seg);
	}
	ck_assert_uint_eq(stats.bytes_virtual, virt);
	ck_assert_int_eq(ps_sha256_buf(list, strlen(list), root), 0);
	snprintf(path, sizeof(path), "\"root_sha256\": \"%s\"", root);
	ck_assert_contains(manifest, path);

	/* The anonymous mapping: pattern and holes. */
	snprintf(name, sizeof(name), "segments/%08" PRIx64 "-%08" PRIx64
		 ".img", info.anon, info.anon + ANON_SIZE);
	out_path(path, sizeof(path), "out", name);
	check_anon_image(path);
	seg = segment_json(manifest, info.anon);
	ck_assert_contains(seg, "\"status\": \"frozen\"");
	ck_assert_contains(seg, "\"perms\": \"rw-p\"");
	/* Only the touched pages were read. */
	snprintf(path, sizeof(path), "\"bytes_written\": %u", 645 * PAGE);
	ck_assert_contains(seg, path);
	free(seg);

	/* The file with spaces in its name, read whole. */
	seg = segment_json(manifest, info.file);
	snprintf(path, sizeof(path), "\"path\": \"%s/" SPACED_NAME "\"", dir);
	ck_assert_contains(seg, path);
	ck_assert_contains(seg, "\"status\": \"frozen\"");
	free(seg);
	snprintf(name, sizeof(name), "segments/%08" PRIx64 "-%08" PRIx64
		 ".img", info.file, info.file + FILE_PAGES * PAGE);
	out_path(path, sizeof(path), "out", name);
	check_file_image(path);

	/* The deleted file, shared: live. */
	seg = segment_json(manifest, info.gone);
	ck_assert_contains(seg, "/gone (deleted)\"");
	ck_assert_contains(seg, "\"status\": \"live\"");
	ck_assert_contains(seg, "\"perms\": \"r--s\"");
	free(seg);
	snprintf(name, sizeof(name), "segments/%08" PRIx64 "-%08" PRIx64
		 ".img", info.gone, info.gone + PAGE);
	out_path(path, sizeof(path), "out", name);
	p = slurp(path, &len);
	ck_assert_uint_eq(len, PAGE);
	ck_assert_int_eq(p[0], 'g');
	ck_assert_int_eq(p[PAGE - 1], 'g');
	free(p);

	/* What the module said, and what /proc said. */
	snprintf(path, sizeof(path), "\"clone_pid\": %d", (int)child);
	ck_assert_contains(manifest, path);
	ck_assert_contains(manifest, "\"comm\": \"engine\"");
	ck_assert_contains(manifest, "\"snapctl\": \"9.9\"");
	ck_assert_contains(manifest, "\"version\": \"0.3.0-test\"");
	ck_assert_contains(manifest, "\"features\": \"0x3ff\"");
	ck_assert_contains(manifest,
			   "\"lsm_label\": \"engine-profile (enforce)\"");
	ck_assert_contains(manifest, "\"lsm_label_truncated\": false");
	ck_assert_contains(manifest, "\"requester_uid\": 4242");
	ck_assert_contains(manifest, "\"pause_ns\": 12345");
	ck_assert_contains(manifest, "\"xstate_size\": 576");
	ck_assert_contains(manifest, "\"duplicated\"");
	ck_assert_contains(manifest, "\"path\": \"/tmp/a \\\"quoted\\\" "
			   "(deleted)\"");
	ck_assert_contains(manifest, "\"path_truncated\": false");
	ck_assert_contains(manifest, "\"boot_id\": \"");
	ck_assert_contains(manifest, "\"mnt\": ");
	ck_assert_contains(manifest, "\"cap_eff\": \"0000000000001234\"");
	ck_assert_contains(manifest, "\"cap_prm\": \"0000000000000000\"");
	ck_assert_contains(manifest, "\"uid\": [\n      1001,\n      0,\n"
			   "      0,\n      1004\n    ]");
	ck_assert_contains(manifest, "\"gid\": [\n      0,\n      2002,");
	ck_assert_contains(manifest, "\"exe_sha256\": \"");
	ck_assert_contains(manifest, "\"cmdline\": [\n      \"");
	ck_assert_contains(manifest, "\"file\": \"core\"");
	ck_assert_int_eq(fake.calls[_IOC_NR(PROCSNAP_IOC_XSTATE)], 1);
	ck_assert_int_eq(fake.last_xstate.tid, child);
	ck_assert_int_eq(fake.last_xstate.buf_size, 576);

	free(list);
	free(manifest);
	free(m);
	free(maps_copy);
	free(maps);
	free(index);
}
END_TEST

/* The core: an ELF core whose loads hold the memory at their offsets. */
START_TEST(test_collect_core)
{
	char path[256], hex[PS_SHA256_HEX], *manifest;
	unsigned char *core;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	size_t len, i;
	bool found = false, note = false;
	struct stat st;
	uint64_t off;

	ck_assert_int_eq(collect("out", PROCSNAP_COLLECT_CORE, NULL), 0);
	out_path(path, sizeof(path), "out", "index.txt");
	ck_assert_int_ne(access(path, F_OK), 0);
	out_path(path, sizeof(path), "out", "segments");
	ck_assert_int_ne(access(path, F_OK), 0);

	out_path(path, sizeof(path), "out", "core");
	core = (unsigned char *)slurp(path, &len);
	ck_assert_int_eq(stat(path, &st), 0);
	/* The untouched anonymous pages at least are holes. */
	ck_assert_msg(st.st_blocks * 512 < st.st_size - (24 << 20),
		      "core not sparse: %lld of %lld",
		      (long long)st.st_blocks * 512, (long long)st.st_size);
	sha_file(path, hex);
	eh = (const Elf64_Ehdr *)core;
	ck_assert_int_eq(memcmp(eh->e_ident, ELFMAG, SELFMAG), 0);
	ck_assert_int_eq(eh->e_type, ET_CORE);
	ck_assert_int_eq(eh->e_machine, EM_X86_64);
	for (i = 0; i < eh->e_phnum; i++) {
		ph = (const Elf64_Phdr *)(core + eh->e_phoff +
					  i * eh->e_phentsize);
		if (ph->p_type == PT_NOTE)
			note = true;
		if (ph->p_type != PT_LOAD || ph->p_vaddr != info.anon)
			continue;
		found = true;
		ck_assert_uint_eq(ph->p_memsz, ANON_SIZE);
		ck_assert_uint_eq(ph->p_filesz, ANON_SIZE);
		ck_assert_uint_le(ph->p_offset + ANON_SIZE, len);
		for (off = 0; off < ANON_SIZE; off += 511)
			ck_assert_uint_eq(core[ph->p_offset + off],
					  anon_byte(off));
	}
	ck_assert(note);
	ck_assert(found);

	out_path(path, sizeof(path), "out", "manifest.json");
	manifest = slurp(path, NULL);
	snprintf(path, sizeof(path), "\"size\": %zu", len);
	ck_assert_contains(manifest, path);
	snprintf(path, sizeof(path), "\"sha256\": \"%s\"", hex);
	ck_assert_contains(manifest, path);
	/* No images: segments are described, without files or hashes. */
	ck_assert_contains(manifest, "\"file\": null");
	ck_assert_contains(manifest, "\"root_sha256\": null");
	snprintf(path, sizeof(path), "\"bytes_written\": %u", 645 * PAGE);
	ck_assert_contains(manifest, path);
	free(manifest);
	free(core);
}
END_TEST

START_TEST(test_collect_no_hash)
{
	char path[256], *manifest;

	ck_assert_int_eq(collect("out", PROCSNAP_COLLECT_PAPER |
				 PROCSNAP_COLLECT_NO_HASH, NULL), 0);
	out_path(path, sizeof(path), "out", "core");
	ck_assert_int_ne(access(path, F_OK), 0);
	out_path(path, sizeof(path), "out", "manifest.json");
	manifest = slurp(path, NULL);
	ck_assert_contains(manifest, "\"core\": null");
	ck_assert_contains(manifest, "\"root_sha256\": null");
	ck_assert_contains(manifest, "\"exe_sha256\": null");
	ck_assert_msg(!strstr(manifest, "\"sha256\": \""), "a hash");
	free(manifest);
}
END_TEST

/* The same evidence as a tar stream, read back with libarchive. */
START_TEST(test_collect_tar)
{
	char path[256], top[64], name[128], *maps;
	unsigned char *buf = malloc(ANON_SIZE);
	struct archive_entry *e;
	struct archive *ar;
	const void *data;
	size_t len, maps_len, stored;
	la_int64_t off, sparse_len;
	uint64_t i;
	bool anon = false, file = false, core = false, manifest_last = false;
	int fd, r;
	struct procsnap_collect_opts o = {
		.size = sizeof(o),
		.fd = -1,
	};

	snprintf(path, sizeof(path), "%s/out.tar", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	o.fd = fd;
	ck_assert_int_eq(procsnap_collect(ctx, child, &o), 0);
	close(fd);

	maps = child_maps(&maps_len);
	snprintf(top, sizeof(top), "procsnap-%d/", (int)child);
	ar = archive_read_new();
	archive_read_support_format_tar(ar);
	ck_assert_int_eq(archive_read_open_filename(ar, path, 10240),
			 ARCHIVE_OK);
	while ((r = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);

		ck_assert_msg(!strncmp(p, top, strlen(top)), "%s", p);
		p += strlen(top);
		manifest_last = !strcmp(p, "manifest.json");
		if (archive_entry_filetype(e) == AE_IFDIR)
			continue;
		/* Blocks of 512 only: GNU tar misreads anything else. */
		archive_entry_sparse_reset(e);
		while (archive_entry_sparse_next(e, &off, &sparse_len) ==
		       ARCHIVE_OK)
			ck_assert_msg(!(off % 512) && (!(sparse_len % 512) ||
				      off + sparse_len ==
				      archive_entry_size(e)),
				      "%s: extent %lld+%lld", p,
				      (long long)off, (long long)sparse_len);
		memset(buf, 0, ANON_SIZE);
		stored = 0;
		len = 0;
		while (archive_read_data_block(ar, &data, &len, &off) ==
		       ARCHIVE_OK) {
			if (off + (la_int64_t)len <= ANON_SIZE)
				memcpy(buf + off, data, len);
			stored += len;
		}
		if (!strcmp(p, "index.txt")) {
			ck_assert_uint_eq(stored, maps_len);
			ck_assert_int_eq(memcmp(buf, maps, maps_len), 0);
		} else if (!strcmp(p, "core")) {
			core = true;
			ck_assert_uint_lt(stored, archive_entry_size(e));
		}
		snprintf(name, sizeof(name), "segments/%08" PRIx64 "-%08"
			 PRIx64 ".img", info.anon, info.anon + ANON_SIZE);
		if (!strcmp(p, name)) {
			anon = true;
			ck_assert_int_eq(archive_entry_size(e), ANON_SIZE);
			/* Sparse: only the touched pages are stored. */
			ck_assert_uint_eq(stored, 645 * PAGE);
			for (i = 0; i < ANON_SIZE; i++)
				if (buf[i] != anon_byte(i))
					ck_abort_msg("byte %#" PRIx64, i);
		}
		snprintf(name, sizeof(name), "segments/%08" PRIx64 "-%08"
			 PRIx64 ".img", info.file, info.file +
			 FILE_PAGES * PAGE);
		if (!strcmp(p, name)) {
			file = true;
			ck_assert_uint_eq(stored, FILE_PAGES * PAGE);
			for (i = 0; i < FILE_PAGES * PAGE; i++)
				ck_assert_uint_eq(buf[i], file_byte(i));
		}
	}
	ck_assert_msg(r == ARCHIVE_EOF, "%s", archive_error_string(ar));
	ck_assert(anon);
	ck_assert(file);
	ck_assert(core);
	ck_assert(manifest_last);
	archive_read_free(ar);
	free(maps);
	free(buf);
}
END_TEST

START_TEST(test_collect_errors)
{
	struct procsnap_collect_opts o = { .size = sizeof(o), .fd = -1 };
	char path[256];

	/* Not a snapshot the module knows: nothing is created. */
	fake.snaps[0].clone_pid = child + 1;
	ck_assert_int_eq(collect("out", 0, NULL), -ENOENT);
	ck_assert_int_eq(errno, ENOENT);
	out_path(path, sizeof(path), "out", "");
	ck_assert_int_ne(access(path, F_OK), 0);
	fake.snaps[0].clone_pid = child;

	/* The module fails LIST. */
	fake.list_err = -EPERM;
	ck_assert_int_eq(collect("out", 0, NULL), -EPERM);
	fake.list_err = 0;

	/* A directory that is not empty. */
	ck_assert_int_eq(mkdir(path, 0700), 0);
	out_path(path, sizeof(path), "out", "x");
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(collect("out", 0, NULL), -ENOTEMPTY);

	/* Bad options. */
	ck_assert_int_eq(procsnap_collect(ctx, child, NULL), -EINVAL);
	ck_assert_int_eq(procsnap_collect(ctx, child, &o), -EINVAL);
	o.dir = "x";
	o.size = PROCSNAP_COLLECT_OPTS_SIZE_VER0 - 1;
	ck_assert_int_eq(procsnap_collect(ctx, child, &o), -EINVAL);
	o.size = sizeof(o);
	o.flags = 1u << 7;
	ck_assert_int_eq(procsnap_collect(ctx, child, &o), -EINVAL);
	o.flags = 0;
	ck_assert_int_eq(procsnap_collect(NULL, child, &o), -EINVAL);
	ck_assert_int_eq(procsnap_collect(ctx, 0, &o), -EINVAL);
}
END_TEST

/* A module without FILES and XSTATE: still evidence, files null. */
START_TEST(test_collect_old_module)
{
	char path[256], *manifest;

	fake.files_err = -ENOTTY;
	fake.xstate_err = -ENOTTY;
	fake.version_err = -ENOTTY;
	ck_assert_int_eq(collect("out", PROCSNAP_COLLECT_PAPER, NULL), 0);
	out_path(path, sizeof(path), "out", "manifest.json");
	manifest = slurp(path, NULL);
	ck_assert_contains(manifest, "\"files\": null");
	ck_assert_contains(manifest, "\"module\": null");
	free(manifest);
}
END_TEST

struct progress_log {
	unsigned int calls;
	uint64_t last_done, total;
	bool monotonic;
	unsigned int stop_after;
};

static int log_progress(const struct procsnap_progress *p, void *data)
{
	struct progress_log *l = data;

	l->calls++;
	if (p->bytes_done < l->last_done || p->bytes_done > p->bytes_total ||
	    p->segment >= p->nr_segments || !p->file)
		l->monotonic = false;
	l->last_done = p->bytes_done;
	l->total = p->bytes_total;
	return l->stop_after && l->calls >= l->stop_after;
}

START_TEST(test_collect_progress_and_rate)
{
	struct progress_log log = { .monotonic = true };
	struct procsnap_collect_opts o = {
		.size = sizeof(o),
		.flags = PROCSNAP_COLLECT_PAPER | PROCSNAP_COLLECT_NO_HASH,
		.fd = -1,
		.progress = log_progress,
		.progress_data = &log,
		.rate = 64 << 20,
	};
	char path[256];
	struct timespec t0, t1;
	double elapsed;

	snprintf(path, sizeof(path), "%s/out", dir);
	o.dir = path;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(procsnap_collect(ctx, child, &o), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert(log.monotonic);
	ck_assert_uint_gt(log.calls, 3);
	ck_assert_uint_eq(log.last_done, log.total);
	ck_assert_uint_ge(log.total, 645 * PAGE);
	/* The bucket starts empty: all of it at the rate, less a chunk. */
	elapsed = (double)(t1.tv_sec - t0.tv_sec) +
		  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(elapsed >= (double)(log.total - PS_READ_CHUNK) /
		      (double)o.rate * 0.9, "%.3f s for %" PRIu64 " bytes",
		      elapsed, log.total);

	/* The callback stops it. */
	memset(&log, 0, sizeof(log));
	log.stop_after = 2;
	o.rate = 0;
	snprintf(path, sizeof(path), "%s/out2", dir);
	ck_assert_int_eq(procsnap_collect(ctx, child, &o), -ECANCELED);
	snprintf(path, sizeof(path), "%s/out2/manifest.json", dir);
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

/* ---- snapctl collect and snapshot against the stand-in ---- */

START_TEST(test_cli_collect)
{
	char out[160], pid[16], want[256];
	struct captured c;

	snprintf(out, sizeof(out), "%s/cli", dir);
	snprintf(pid, sizeof(pid), "%d", (int)child);
	RUN(&c, collect_main, "/dev/null", "collect", pid, "-o", out,
	    "--json", "--rate", "1G");
	ck_assert_msg(c.status == EXIT_OK, "%d: %s", c.status, c.err);
	ck_assert_str_eq(c.err, "");
	snprintf(want, sizeof(want), "{\"clone\":%d,\"dir\":\"%s\","
		 "\"segments\":", (int)child, out);
	ck_assert_contains(c.out, want);
	ck_assert_contains(c.out, ",\"bytes_written\":");
	ck_assert_contains(c.out, ",\"bytes_virtual\":");
	ck_assert_contains(c.out, ",\"seconds\":");
	snprintf(want, sizeof(want), "%s/manifest.json", out);
	ck_assert_int_eq(access(want, F_OK), 0);

	/* Again: the directory is not empty now. */
	RUN(&c, collect_main, "/dev/null", "collect", pid, "-o", out);
	ck_assert_failure(&c, EXIT_FAILED, "output directory not empty");

	/* No such snapshot. */
	RUN(&c, collect_main, "/dev/null", "collect", "999999", "-o", out);
	ck_assert_failure(&c, EXIT_NO_SUCH, "no snapshot with pid 999999");
}
END_TEST

START_TEST(test_cli_collect_tar)
{
	char pid[16];
	struct captured c;

	snprintf(pid, sizeof(pid), "%d", (int)child);
	RUN(&c, collect_main, "/dev/null", "collect", pid, "-o", "-",
	    "--format", "paper", "--no-hash");
	ck_assert_msg(c.status == EXIT_OK, "%d: %s", c.status, c.err);
	/* A ustar header: the name first, "ustar" at 257. */
	ck_assert_uint_ge(strlen(c.out), 5);
	ck_assert_str_eq(c.err, "");
}
END_TEST

START_TEST(test_cli_snapshot)
{
	char out[160];
	struct captured c;

	fake.state.state = PROCSNAP_STATE_DONE;
	fake.state.clone_pid = child;
	snprintf(out, sizeof(out), "%s/snap", dir);
	RUN(&c, snapshot_main, "/dev/null", "snapshot", "123", "-o", out,
	    "--interrupt", "--format", "paper");
	ck_assert_msg(c.status == EXIT_OK, "%d: %s", c.status, c.err);
	ck_assert_str_eq(c.out, "");
	ck_assert_int_eq(fake.last_target.pid, 123);
	ck_assert_uint_eq(fake.last_target.flags, PROCSNAP_REQUEST_OWNED |
			  PROCSNAP_REQUEST_INTERRUPT);
	ck_assert_uint_eq(fake.last_state.timeout_ns, 10000000000ULL);
	ck_assert_int_eq(fake.last_delete.clone_pid, child);
	ck_assert(!fake.bad_arg);
	snprintf(out, sizeof(out), "%s/snap/manifest.json", dir);
	ck_assert_int_eq(access(out, F_OK), 0);

	/* Collection fails: the snapshot is deleted all the same. */
	fake.last_delete.clone_pid = 0;
	snprintf(out, sizeof(out), "%s/snap", dir);
	RUN(&c, snapshot_main, "/dev/null", "snapshot", "123", "-o", out);
	ck_assert_failure(&c, EXIT_FAILED, "output directory not empty");
	ck_assert_int_eq(fake.last_delete.clone_pid, child);

	/* The wait times out. */
	fake.wait_err = -ETIMEDOUT;
	RUN(&c, snapshot_main, "/dev/null", "snapshot", "123", "-o", out,
	    "--timeout", "1s");
	ck_assert_failure(&c, EXIT_TIMEOUT, "no snapshot of 123 within 1s");
	fake.wait_err = 0;

	/* The duplication fails. */
	fake.state.state = PROCSNAP_STATE_FAILED;
	fake.state.error = ENOMEM;
	RUN(&c, snapshot_main, "/dev/null", "snapshot", "123", "-o", out);
	ck_assert_failure(&c, EXIT_FAILED, "duplication failed with ENOMEM");

	/* No such process. */
	fake.request_err = -ESRCH;
	RUN(&c, snapshot_main, "/dev/null", "snapshot", "123", "-o", out);
	ck_assert_int_eq(c.status, EXIT_NO_SUCH);
}
END_TEST

Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("stopped child");

	tcase_add_checked_fixture(tc, engine_setup, engine_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_collect_dir);
	tcase_add_test(tc, test_collect_core);
	tcase_add_test(tc, test_collect_no_hash);
	tcase_add_test(tc, test_collect_tar);
	tcase_add_test(tc, test_collect_errors);
	tcase_add_test(tc, test_collect_old_module);
	tcase_add_test(tc, test_collect_progress_and_rate);
	suite_add_tcase(s, tc);

	tc = tcase_create("snapctl");
	tcase_add_checked_fixture(tc, engine_setup, engine_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cli_collect);
	tcase_add_test(tc, test_cli_collect_tar);
	tcase_add_test(tc, test_cli_snapshot);
	suite_add_tcase(s, tc);
	return s;
}
