// SPDX-License-Identifier: GPL-2.0
/*
 * snapcheck: checks a snapshot of a snaptarget from its memory (through
 * /proc/PID/mem) and its recorded registers (raw PROCSNAP_IOC_THREADS).
 *
 *   snapcheck consistent WHO INFOFILE   the buffer follows snaptarget's
 *                                       seq/pos model (one point in time)
 *   snapcheck hash WHO ADDR SIZE        64-bit FNV-1a (by words) of a range
 *   snapcheck same WHOA WHOB            same maps, same bytes in every
 *                                       readable mapping
 *   snapcheck threads CLONE INFOFILE    every thread's registers agree with
 *                                       the clone's memory; LIST's entry
 *   snapcheck stats WHO INFOFILE        seq, pos and snaptarget's counters
 *                                       (and snap_generation as gen=)
 *
 * WHO is a pid (memory read through /proc/PID/mem), an evidence directory
 * of `snapctl collect` (index.txt and segments/START-END.img; with `same`,
 * index.txt stands for the maps) or an ELF core file (its PT_LOADs).
 *
 * Checks print PASS:/FAIL: lines; exit status 1 on any failure, 2 when the
 * check could not run.  The buffer, header and counter layouts are
 * snaptarget's (test/guest/prog/snaptarget.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <procsnap.h>

#define CHUNK	(1UL << 20)
#define PAGE	4096UL

static int failures;

static void pass(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void pass(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("PASS: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("FAIL: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	failures++;
}

static void __attribute__((noreturn)) bail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("FAIL: snapcheck: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	exit(2);
}

/* --- info file ------------------------------------------------------- */

static char info_keys[128][32];
static char info_vals[128][256];
static int info_n;

static void load_info(const char *path)
{
	char line[320];
	FILE *f = fopen(path, "r");

	if (!f)
		bail("%s: %s", path, strerror(errno));
	while (info_n < 128 && fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = 0;
		eq[strcspn(eq + 1, "\n") + 1] = 0;
		snprintf(info_keys[info_n], sizeof(info_keys[0]), "%.31s",
			 line);
		snprintf(info_vals[info_n], sizeof(info_vals[0]), "%.255s",
			 eq + 1);
		info_n++;
	}
	fclose(f);
}

static const char *info_str(const char *key)
{
	for (int i = 0; i < info_n; i++)
		if (!strcmp(info_keys[i], key))
			return info_vals[i];
	return NULL;
}

static uint64_t info_u64(const char *key)
{
	const char *v = info_str(key);

	if (!v)
		bail("info file has no '%s'", key);
	return strtoull(v, NULL, 0);
}

/* The @idx'th (0-based) comma-separated number of @key. */
static int info_list(const char *key, uint64_t *out, int max)
{
	const char *v = info_str(key);
	int n = 0;

	if (!v)
		bail("info file has no '%s'", key);
	while (*v && n < max) {
		char *end;

		out[n++] = strtoull(v, &end, 0);
		if (*end != ',')
			break;
		v = end + 1;
	}
	return n;
}

/* --- memory ----------------------------------------------------------- */

/*
 * Where memory is read from: a process (/proc/PID/mem), an evidence
 * directory of `snapctl collect` (index.txt and segments/START-END.img) or
 * an ELF core (its PT_LOADs).  The WHO argument of the checks picks one: a
 * number is a pid, a directory an evidence directory, a file a core.
 */
enum { SRC_PID, SRC_DIR, SRC_CORE };

struct seg {
	uint64_t start, end;	/* addresses */
	uint64_t off, filesz;	/* core: file offset and bytes in the file */
	int fd;			/* dir: the image, opened on first use */
	char name[48];		/* dir: "START-END" as in index.txt */
};

struct memsrc {
	int kind;
	int fd;			/* pid: mem; core: the core file */
	char name[300];		/* for messages: "pid 12", "dir /x", "core /x" */
	char path[256];
	struct seg *segs;
	int nsegs;
};

#define MAX_SRCS	8
static struct memsrc srcs[MAX_SRCS];
static int nsrcs;

static int is_number(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static struct seg *add_seg(struct memsrc *m, uint64_t start, uint64_t end,
			   uint64_t off, uint64_t filesz)
{
	if (!(m->nsegs & 63)) {
		m->segs = realloc(m->segs, (size_t)(m->nsegs + 64) *
				  sizeof(*m->segs));
		if (!m->segs)
			bail("out of memory");
	}
	m->segs[m->nsegs] = (struct seg){ start, end, off, filesz, -1, "" };
	return &m->segs[m->nsegs++];
}

static void load_index(struct memsrc *m)
{
	char path[300], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/index.txt", m->path);
	f = fopen(path, "r");
	if (!f)
		bail("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char a[24], b[24];

		/* the image is named after the maps line's own digits */
		if (sscanf(line, "%23[0-9a-f]-%23[0-9a-f]", a, b) == 2)
			snprintf(add_seg(m, strtoull(a, NULL, 16),
					 strtoull(b, NULL, 16), 0, 0)->name,
				 sizeof(m->segs[0].name), "%s-%s", a, b);
	}
	fclose(f);
}

static void load_core(struct memsrc *m)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	if (pread(m->fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_CORE ||
	    eh.e_phentsize != sizeof(ph))
		bail("%s: not an ELF64 core", m->path);
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		if (pread(m->fd, &ph, sizeof(ph),
			  (off_t)(eh.e_phoff + i * sizeof(ph))) != sizeof(ph))
			bail("%s: short program header %u", m->path, i);
		if (ph.p_type == PT_LOAD)
			add_seg(m, ph.p_vaddr, ph.p_vaddr + ph.p_memsz,
				ph.p_offset, ph.p_filesz);
	}
}

/* A handle on WHO's memory (see struct memsrc). */
static int open_mem(const char *who)
{
	struct memsrc *m;
	struct stat st;

	if (nsrcs == MAX_SRCS)
		bail("too many memory sources");
	m = &srcs[nsrcs];
	memset(m, 0, sizeof(*m));
	snprintf(m->path, sizeof(m->path), "%s", who);
	if (is_number(who)) {
		char path[64];

		m->kind = SRC_PID;
		snprintf(path, sizeof(path), "/proc/%s/mem", who);
		m->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (m->fd < 0)
			bail("%s: %s", path, strerror(errno));
		snprintf(m->name, sizeof(m->name), "pid %s", who);
	} else if (stat(who, &st)) {
		bail("%s: %s", who, strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		m->kind = SRC_DIR;
		m->fd = -1;
		load_index(m);
		snprintf(m->name, sizeof(m->name), "dir %s", who);
	} else {
		m->kind = SRC_CORE;
		m->fd = open(who, O_RDONLY | O_CLOEXEC);
		if (m->fd < 0)
			bail("%s: %s", who, strerror(errno));
		load_core(m);
		snprintf(m->name, sizeof(m->name), "core %s", who);
	}
	return nsrcs++;
}

static const char *src_name(int h)
{
	return srcs[h].name;
}

static int pread_full(int fd, void *dst, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(fd, (char *)dst + done, len - done,
				  (off_t)(off + done));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EIO;
		done += (size_t)r;
	}
	return 0;
}

/* Read exactly @len bytes at @addr of source @h; 0 or -errno. */
static int read_mem(int h, uint64_t addr, void *dst, size_t len)
{
	struct memsrc *m = &srcs[h];
	size_t done = 0;

	if (m->kind == SRC_PID)
		return pread_full(m->fd, dst, len, addr);
	while (done < len) {
		uint64_t a = addr + done;
		struct seg *g = NULL;
		size_t n;
		int rc;

		for (int i = 0; i < m->nsegs && !g; i++)
			if (a >= m->segs[i].start && a < m->segs[i].end)
				g = &m->segs[i];
		if (!g)
			return -EFAULT;
		n = len - done;
		if (n > g->end - a)
			n = (size_t)(g->end - a);
		if (m->kind == SRC_DIR) {
			if (g->fd < 0) {
				char path[400];

				snprintf(path, sizeof(path),
					 "%s/segments/%s.img", m->path,
					 g->name);
				g->fd = open(path, O_RDONLY | O_CLOEXEC);
				if (g->fd < 0)
					return -errno;
			}
			rc = pread_full(g->fd, (char *)dst + done, n,
					a - g->start);
		} else {
			uint64_t in = a - g->start;
			size_t nf = 0;

			if (!g->filesz)
				return -EIO;
			if (in < g->filesz)
				nf = n < g->filesz - in ? n :
					(size_t)(g->filesz - in);
			rc = pread_full(m->fd, (char *)dst + done, nf,
					g->off + in);
			memset((char *)dst + done + nf, 0, n - nf);
		}
		if (rc)
			return rc;
		done += n;
	}
	return 0;
}

static void read_mem_or_bail(int h, uint64_t addr, void *dst, size_t len)
{
	int rc = read_mem(h, addr, dst, len);

	if (rc)
		bail("%s: reading %#" PRIx64 "+%zu: %s", src_name(h), addr,
		     len, strerror(-rc));
}

/* --- consistent -------------------------------------------------------- */

/* snaptarget's pattern(): keep in step. */
static uint64_t pattern(uint64_t s, uint64_t i, unsigned int w)
{
	if (!s)
		return 0;
	switch (w) {
	case 0:
		return s;
	case 1:
		return s ^ (i * 0x9E3779B97F4A7C15ULL);
	case 256:
		return ~s ^ i;
	default:
		return s + (i << 20);
	}
}

static const unsigned int words[4] = { 0, 1, 256, 511 };

/* Page @i holds pass @s entirely. */
static int page_is(const uint64_t *p, uint64_t i, uint64_t s)
{
	for (int w = 0; w < 4; w++)
		if (p[words[w]] != pattern(s, i, words[w]))
			return 0;
	return 1;
}

/* Page @i is being written from pass @s-1 to @s: a prefix of its words
 * (in write order) holds @s, the rest @s-1. */
static int page_between(const uint64_t *p, uint64_t i, uint64_t s)
{
	int w = 0;

	while (w < 4 && p[words[w]] == pattern(s, i, words[w]))
		w++;
	while (w < 4 && s && p[words[w]] == pattern(s - 1, i, words[w]))
		w++;
	return w == 4;
}

static int cmd_consistent(const char *who, const char *infofile)
{
	struct { uint64_t seq, pos; } h;
	uint64_t buf, npages, bad = 0, first_bad = UINT64_MAX, at_pos = 0;
	int fd, uniform_new = 1, uniform_old = 1;
	uint64_t *chunk;
	struct timespec t0, t1;

	load_info(infofile);
	buf = info_u64("buf");
	npages = info_u64("pages");
	fd = open_mem(who);
	read_mem_or_bail(fd, info_u64("hdr"), &h, sizeof(h));
	if (h.pos > npages || !h.seq) {
		fail("consistent: %s: header seq=%" PRIu64 " pos=%" PRIu64
		     " impossible for %" PRIu64 " pages", src_name(fd), h.seq, h.pos,
		     npages);
		return 1;
	}
	chunk = malloc(CHUNK);
	if (!chunk)
		bail("out of memory");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t off = 0; off < npages * PAGE; off += CHUNK) {
		size_t len = npages * PAGE - off < CHUNK ?
			npages * PAGE - off : CHUNK;

		read_mem_or_bail(fd, buf + off, chunk, len);
		for (size_t o = 0; o < len; o += PAGE) {
			uint64_t i = (off + o) / PAGE;
			const uint64_t *p = chunk + o / 8;
			int ok;

			if (h.pos == npages) {
				uniform_new &= page_is(p, i, h.seq);
				uniform_old &= page_is(p, i, h.seq - 1);
				ok = 1;
			} else if (i < h.pos) {
				ok = page_is(p, i, h.seq);
			} else if (i == h.pos) {
				ok = page_between(p, i, h.seq);
				at_pos = p[0];
			} else {
				ok = page_is(p, i, h.seq - 1);
			}
			if (!ok) {
				if (first_bad == UINT64_MAX)
					first_bad = i;
				bad++;
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (h.pos == npages && !uniform_new && !uniform_old) {
		fail("consistent: %s: seq=%" PRIu64 " pos=end but pages "
		     "mix passes", src_name(fd), h.seq);
		return 1;
	}
	if (bad) {
		uint64_t p0;

		read_mem_or_bail(fd, buf + first_bad * PAGE, &p0, 8);
		fail("consistent: %s: seq=%" PRIu64 " pos=%" PRIu64 ": %"
		     PRIu64 " of %" PRIu64 " pages break the model, first %"
		     PRIu64 " (holds seq %" PRIu64 ")", src_name(fd), h.seq, h.pos, bad,
		     npages, first_bad, p0);
		return 1;
	}
	pass("consistent: %s: seq=%" PRIu64 " pos=%" PRIu64 "/%" PRIu64
	     " (page at pos holds %" PRIu64 "), %" PRIu64 " MiB read in %ld ms",
	     src_name(fd), h.seq, h.pos, npages, at_pos, npages * PAGE >> 20,
	     (long)((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000));
	return 0;
}

/* --- hash ------------------------------------------------------------ */

static int cmd_hash(const char *who, uint64_t addr, uint64_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint64_t *chunk = malloc(CHUNK);
	int fd = open_mem(who);

	if (!chunk)
		bail("out of memory");
	for (uint64_t off = 0; off < size; off += CHUNK) {
		size_t len = size - off < CHUNK ? size - off : CHUNK;
		const unsigned char *b = (const unsigned char *)chunk;
		size_t i = 0;

		read_mem_or_bail(fd, addr + off, chunk, len);
		for (; i + 8 <= len; i += 8) {
			uint64_t w;

			memcpy(&w, b + i, 8);
			h = (h ^ w) * 0x100000001b3ULL;
		}
		for (; i < len; i++)
			h = (h ^ b[i]) * 0x100000001b3ULL;
	}
	printf("%016" PRIx64 "\n", h);
	return 0;
}

/* --- same ------------------------------------------------------------ */

struct range {
	uint64_t start, end;
	char perms[8];
	char name[256];
};

/* The maps of a pid, or an evidence directory's index.txt (its copy). */
static int load_maps(const char *who, struct range **out)
{
	char path[300], line[512];
	struct range *r = NULL;
	int n = 0, cap = 0;
	FILE *f;

	if (is_number(who))
		snprintf(path, sizeof(path), "/proc/%s/maps", who);
	else
		snprintf(path, sizeof(path), "%s/index.txt", who);
	f = fopen(path, "r");
	if (!f)
		bail("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		int name_at = 0;

		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			r = realloc(r, (size_t)cap * sizeof(*r));
			if (!r)
				bail("out of memory");
		}
		memset(&r[n], 0, sizeof(r[n]));
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %n",
			   &r[n].start, &r[n].end, r[n].perms, &name_at) < 3)
			continue;
		if (name_at)
			snprintf(r[n].name, sizeof(r[n].name), "%.*s",
				 (int)strcspn(line + name_at, "\n"),
				 line + name_at);
		n++;
	}
	fclose(f);
	*out = r;
	return n;
}

static int skipped_name(const char *name)
{
	return !strcmp(name, "[vvar]") || !strcmp(name, "[vsyscall]") ||
		!strcmp(name, "[vvar_vclock]");
}

static int cmd_same(const char *a, const char *b)
{
	struct range *ra, *rb;
	int na = load_maps(a, &ra), nb = load_maps(b, &rb);
	int fa = open_mem(a), fb = open_mem(b), compared = 0;
	uint64_t bytes = 0, unreadable = 0;
	char *ca = malloc(CHUNK), *cb = malloc(CHUNK);

	if (!ca || !cb)
		bail("out of memory");
	for (int i = 0; i < na || i < nb; i++) {
		if (i >= na || i >= nb || ra[i].start != rb[i].start ||
		    ra[i].end != rb[i].end ||
		    strcmp(ra[i].perms, rb[i].perms) ||
		    strcmp(ra[i].name, rb[i].name)) {
			fail("same: maps of %s and %s differ at entry %d: %s vs %s",
			     a, b, i, i < na ? ra[i].name : "(end)",
			     i < nb ? rb[i].name : "(end)");
			if (i < na && i < nb)
				printf("    %s: %" PRIx64 "-%" PRIx64 " %s\n"
				       "    %s: %" PRIx64 "-%" PRIx64 " %s\n",
				       a, ra[i].start, ra[i].end, ra[i].perms,
				       b, rb[i].start, rb[i].end, rb[i].perms);
			return 1;
		}
	}
	for (int i = 0; i < na; i++) {
		if (ra[i].perms[0] != 'r' || skipped_name(ra[i].name))
			continue;
		compared++;
		for (uint64_t at = ra[i].start; at < ra[i].end; at += CHUNK) {
			size_t len = ra[i].end - at < CHUNK ?
				ra[i].end - at : CHUNK;
			int ea = read_mem(fa, at, ca, len);
			int eb = read_mem(fb, at, cb, len);

			if (ea || eb) {
				if (ea && eb) {
					unreadable += len;
					continue;
				}
				fail("same: %#" PRIx64 " (%s) readable in only "
				     "one of %s and %s", at, ra[i].name, a, b);
				return 1;
			}
			if (memcmp(ca, cb, len)) {
				size_t k = 0;

				while (ca[k] == cb[k])
					k++;
				fail("same: %s and %s differ at %#" PRIx64
				     " (%s %s)", a, b, at + k, ra[i].perms,
				     ra[i].name[0] ? ra[i].name : "anon");
				return 1;
			}
			bytes += len;
		}
	}
	pass("same: %s and %s: %d maps, %d readable compared, %" PRIu64
	     " KiB identical (%" PRIu64 " KiB unreadable in both)", a, b, na,
	     compared, bytes >> 10, unreadable >> 10);
	return 0;
}

/* --- threads ------------------------------------------------------------ */

/* user_regs_struct order */
enum { R15, R14, R13, R12, RBP, RBX, R11, R10, R9, R8, RAX, RCX, RDX, RSI,
	RDI, ORIG_RAX, RIP, CS, EFLAGS, RSP, SS, FS_BASE, GS_BASE, DS, ES, FS,
	GS };

#define MAX_THREADS	256

static int cmd_threads(pid_t clone, const char *infofile)
{
	static struct procsnap_thread_info ti[MAX_THREADS];
	static struct procsnap_snapshot_info li[MAX_THREADS];
	struct procsnap_threads_arg ta;
	struct procsnap_list_arg la;
	uint64_t slots[64], tids[64], store[4], sys[3];
	uint64_t lstart, lend, ctrs, expect;
	int dev, nslots, nthreads, mem, dup = 0;

	load_info(infofile);
	nthreads = (int)info_u64("threads");
	lstart = info_u64("loop_start");
	lend = info_u64("loop_end");
	ctrs = info_u64("counters");
	info_list("store", store, 4);
	info_list("sys", sys, 3);
	nslots = *info_str("asm_slots") ? info_list("asm_slots", slots, 64) : 0;
	for (int s = 0; s < nthreads && s < 64; s++) {
		char key[16];

		snprintf(key, sizeof(key), "tid.%d", s);
		tids[s] = info_u64(key);
	}

	dev = open(PROCSNAP_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		bail("%s: %s", PROCSNAP_DEVICE_PATH, strerror(errno));
	memset(&ta, 0, sizeof(ta));
	ta.size = sizeof(ta);
	ta.clone_pid = clone;
	ta.entry_size = sizeof(ti[0]);
	ta.entries = (uint64_t)(uintptr_t)ti;
	ta.nr_entries = MAX_THREADS;
	if (ioctl(dev, PROCSNAP_IOC_THREADS, &ta)) {
		fail("threads: THREADS ioctl on clone %d: %s", clone,
		     strerror(errno));
		return 1;
	}
	if (ta.total == (uint32_t)nthreads && ta.nr_entries == ta.total)
		pass("threads: clone %d recorded %u threads", clone, ta.total);
	else
		fail("threads: clone %d recorded %u threads (%u returned), "
		     "target has %d", clone, ta.total, ta.nr_entries, nthreads);
	if (ta.nr_entries > MAX_THREADS)
		ta.nr_entries = MAX_THREADS;

	/* Every target thread once, with sane segments and its own TLS. */
	int tid_ok = 1;
	for (uint32_t i = 0; i < ta.nr_entries; i++) {
		const __u64 *r = ti[i].regs;
		int known = 0;

		for (int s = 0; s < nthreads && s < 64; s++)
			known |= tids[s] == (uint64_t)ti[i].tid;
		for (uint32_t j = 0; j < i; j++)
			if (ti[j].tid == ti[i].tid ||
			    ti[j].regs[FS_BASE] == r[FS_BASE])
				tid_ok = 0;
		if (!known || r[CS] != 0x33 || r[SS] != 0x2b || !r[FS_BASE]) {
			tid_ok = 0;
			printf("    tid %d: known %d cs %#llx ss %#llx fs_base "
			       "%#llx\n", ti[i].tid, known, r[CS], r[SS],
			       r[FS_BASE]);
		}
		if (ti[i].flags & PROCSNAP_THREAD_DUPLICATED)
			dup++;
	}
	if (tid_ok)
		pass("threads: every record is a distinct target thread with "
		     "user cs/ss and its own fs_base");
	else
		fail("threads: records do not match the target's threads");
	if (dup == 1)
		pass("threads: exactly one thread ran the copy");
	else
		fail("threads: %d threads flagged as having run the copy", dup);

	/* The asm loop threads: registers against the clone's memory. */
	{
		char who[16];

		snprintf(who, sizeof(who), "%d", clone);
		mem = open_mem(who);
	}
	for (int k = 0; k < nslots; k++) {
		uint64_t s = slots[k], ctr;
		const struct procsnap_thread_info *t = NULL;
		uint64_t r[PROCSNAP_NR_GREGS];
		const char *where = "running";
		int at_store = 0, in_sys = 0;

		for (uint32_t i = 0; i < ta.nr_entries; i++)
			if ((uint64_t)ti[i].tid == tids[s])
				t = &ti[i];
		if (!t) {
			fail("threads: slot %" PRIu64 " (tid %" PRIu64
			     ") not recorded", s, tids[s]);
			continue;
		}
		for (int j = 0; j < PROCSNAP_NR_GREGS; j++)
			r[j] = t->regs[j];
		for (int j = 0; j < 4; j++)
			at_store |= r[RIP] == store[j];
		for (int j = 0; j < 3; j++)
			in_sys |= r[RIP] == sys[j] || r[RIP] == sys[j] + 2;
		if (in_sys)
			where = "in syscall";
		read_mem_or_bail(mem, ctrs + 8 * s, &ctr, 8);
		expect = r[R15] - (uint64_t)at_store;
		if (r[RIP] >= lstart && r[RIP] < lend && r[R14] == s &&
		    r[R13] == ctrs && ctr == expect && ctr) {
			pass("threads: slot %" PRIu64 " tid %d %s at loop+%#"
			     PRIx64 ": r15=%" PRIu64 " counter=%" PRIu64
			     " flags=%#x", s, t->tid, where, r[RIP] - lstart,
			     r[R15], ctr, t->flags);
		} else {
			fail("threads: slot %" PRIu64 " tid %d: rip=%#" PRIx64
			     " (loop %#" PRIx64 "-%#" PRIx64 ") r13=%#" PRIx64
			     " r14=%" PRIu64 " r15=%" PRIu64 " counter=%" PRIu64
			     " (want %" PRIu64 ") orig_rax=%" PRId64 " rax=%"
			     PRId64 " flags=%#x", s, t->tid, r[RIP], lstart,
			     lend, r[R13], r[R14], r[R15], ctr, expect,
			     (int64_t)r[ORIG_RAX], (int64_t)r[RAX], t->flags);
		}
	}

	/* LIST's entry for this snapshot. */
	memset(&la, 0, sizeof(la));
	la.size = sizeof(la);
	la.entries = (uint64_t)(uintptr_t)li;
	la.entry_size = sizeof(li[0]);
	la.nr_entries = MAX_THREADS;
	if (ioctl(dev, PROCSNAP_IOC_LIST, &la)) {
		fail("threads: LIST ioctl: %s", strerror(errno));
		return 1;
	}
	const struct procsnap_snapshot_info *e = NULL;
	for (uint32_t i = 0; i < la.nr_entries && i < MAX_THREADS; i++)
		if (li[i].clone_pid == clone)
			e = &li[i];
	if (!e) {
		fail("threads: clone %d not in LIST", clone);
	} else {
		uint64_t pause = e->pause_ns, quiesce = e->quiesce_ns;
		uint64_t boot = e->created_boottime_ns;

		if (e->threads == ta.total &&
		    (uint64_t)e->target_pid == info_u64("pid") && pause > 0 &&
		    pause < 10ULL * 1000000000 && quiesce <= pause && boot)
			pass("threads: LIST entry: target %d, %u threads, "
			     "pause %" PRIu64 " us (quiesce %" PRIu64 " us), "
			     "resident %llu KiB, page tables %llu KiB",
			     e->target_pid, e->threads, pause / 1000,
			     quiesce / 1000, e->resident_bytes >> 10,
			     e->pagetable_bytes >> 10);
		else
			fail("threads: LIST entry: target %d threads %u "
			     "pause_ns %" PRIu64 " quiesce_ns %" PRIu64
			     " boottime %" PRIu64, e->target_pid, e->threads,
			     pause, quiesce, boot);
	}
	return failures ? 1 : 0;
}

/* --- stats ------------------------------------------------------------ */

static int cmd_stats(const char *who, const char *infofile)
{
	struct { uint64_t seq, pos; } h;
	struct { uint64_t sigchld, eintr, usr1, handled; } st;
	int fd;

	load_info(infofile);
	fd = open_mem(who);
	read_mem_or_bail(fd, info_u64("hdr"), &h, sizeof(h));
	read_mem_or_bail(fd, info_u64("stats"), &st, sizeof(st));
	printf("seq=%" PRIu64 " pos=%" PRIu64 " sigchld=%" PRIu64 " eintr=%"
	       PRIu64 " usr1=%" PRIu64 " handled=%" PRIu64, h.seq, h.pos,
	       st.sigchld, st.eintr, st.usr1, st.handled);
	for (int s = 0; s < (int)info_u64("threads") && s < 64; s++) {
		uint64_t c;

		read_mem_or_bail(fd, info_u64("counters") + 8 * (uint64_t)s,
				 &c, 8);
		printf(" c%d=%" PRIu64, s, c);
	}
	/* snap_generation, where the info file has it (newer snaptargets) */
	if (info_str("generation")) {
		uint64_t g;

		read_mem_or_bail(fd, info_u64("generation"), &g, 8);
		printf(" gen=%" PRIu64, g);
	}
	putchar('\n');
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: snapcheck consistent WHO INFOFILE\n"
		"       snapcheck hash WHO ADDR SIZE\n"
		"       snapcheck same WHOA WHOB\n"
		"       snapcheck threads CLONE INFOFILE\n"
		"       snapcheck stats WHO INFOFILE\n"
		"WHO: a pid, an evidence directory (index.txt, segments/) or an\n"
		"ELF core file; same: pids and evidence directories\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "consistent") && argc == 4)
		rc = cmd_consistent(argv[2], argv[3]);
	else if (!strcmp(argv[1], "hash") && argc == 5)
		rc = cmd_hash(argv[2], strtoull(argv[3], NULL, 0),
			      strtoull(argv[4], NULL, 0));
	else if (!strcmp(argv[1], "same") && argc == 4)
		rc = cmd_same(argv[2], argv[3]);
	else if (!strcmp(argv[1], "threads") && argc == 4)
		rc = cmd_threads(atoi(argv[2]), argv[3]);
	else if (!strcmp(argv[1], "stats") && argc == 4)
		rc = cmd_stats(argv[2], argv[3]);
	else
		usage();
	return rc || failures ? 1 : 0;
}
