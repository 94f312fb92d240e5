// SPDX-License-Identifier: GPL-2.0
/*
 * scantarget: a target with things for YARA to find, for 22-scan.
 *
 * usage: scantarget --info FILE [--fill MB]
 *
 * Draws a token (8 hex digits) and plants, each built at run time so that
 * no copy of the whole string is anywhere else in its memory (not in its
 * image, not in the info file's buffer):
 *   heap    "PSHEAP-<token>" in a malloc()ed block
 *   memfd   "PSMEMFD-<token>" 0x2345 bytes into a memfd named "payload",
 *           mapped MAP_SHARED (rw-s)
 *   rwx     "PSRWX-<token>" 0x1234 bytes into a private anonymous
 *           mapping with PROT_EXEC (rwxp)
 * and writes FILE (atomically): pid, token, each string's address and its
 * mapping's start (hex, with 0x), hb (the address of a counter that its
 * main loop increments every millisecond).  On SIGUSR1 it writes
 * "PSAFTER-<token>" into the heap block (after the secret) and into the
 * rwx mapping, then FILE.after with after=<address in the heap>: a
 * snapshot taken before must hold neither.  --fill MB (for the scan
 * benchmark) adds MB mebibytes of pseudo-random bytes in an anonymous
 * mapping, every page written.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEMFD_LEN (64u << 10)
#define RWX_LEN (16u << 10)
#define MEMFD_OFF 0x2345u
#define RWX_OFF 0x1234u

static volatile sig_atomic_t after;
static volatile uint64_t heartbeat;

static void on_usr1(int sig)
{
	(void)sig;
	after = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "scantarget: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void write_file(const char *path, char *text)
{
	char tmp[4096];
	size_t n = strlen(text);
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n || close(fd) ||
	    rename(tmp, path))
		die(path);
}

/* prefix, '-', token: byte by byte, so no formatter keeps a copy. */
static void plant(char *dst, const char *prefix, const char *token)
{
	size_t n = strlen(prefix);

	memcpy(dst, prefix, n);
	dst[n] = '-';
	memcpy(dst + n + 1, token, 8);
	dst[n + 9] = '\0';
}

/* xorshift64: bytes no rule's atoms favour, and no page of zeros. */
static void fill(size_t len)
{
	uint64_t x = 0x9e3779b97f4a7c15ull, *p;
	size_t i;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap fill");
	for (i = 0; i < len / sizeof(*p); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = x;
	}
}

int main(int argc, char **argv)
{
	char token[9], text[1024], afterpath[512];
	struct timespec ms = { 0, 1000000 };
	char *heap, *shared, *rwx;
	int fd;

	if ((argc != 3 && argc != 5) || strcmp(argv[1], "--info") ||
	    (argc == 5 && strcmp(argv[3], "--fill")))
		return fprintf(stderr, "usage: scantarget --info FILE "
			       "[--fill MB]\n"), 1;
	if (argc == 5)
		fill(strtoul(argv[4], NULL, 10) << 20);
	srand((unsigned int)(time(NULL) ^ getpid()));
	snprintf(token, sizeof(token), "%08x", (unsigned int)rand());

	heap = malloc(256);
	if (!heap)
		die("malloc");
	memset(heap, 0, 256);
	plant(heap, "PSHEAP", token);

	fd = memfd_create("payload", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, MEMFD_LEN))
		die("memfd");
	shared = mmap(NULL, MEMFD_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		      fd, 0);
	if (shared == MAP_FAILED)
		die("mmap memfd");
	close(fd);
	plant(shared + MEMFD_OFF, "PSMEMFD", token);

	rwx = mmap(NULL, RWX_LEN, PROT_READ | PROT_WRITE | PROT_EXEC,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rwx == MAP_FAILED)
		die("mmap rwx");
	plant(rwx + RWX_OFF, "PSRWX", token);

	if (signal(SIGUSR1, on_usr1) == SIG_ERR)
		die("signal");
	snprintf(text, sizeof(text),
		 "pid=%d\ntoken=%s\nheap=%p\nmemfd=%p\nmemfd_start=%p\n"
		 "rwx=%p\nrwx_start=%p\nhb=%p\n", (int)getpid(), token,
		 (void *)heap, (void *)(shared + MEMFD_OFF), (void *)shared,
		 (void *)(rwx + RWX_OFF), (void *)rwx, (void *)&heartbeat);
	write_file(argv[2], text);
	snprintf(afterpath, sizeof(afterpath), "%s.after", argv[2]);

	for (;;) {
		heartbeat++;
		nanosleep(&ms, NULL);
		if (after == 1) {
			after = 2;
			plant(heap + 64, "PSAFTER", token);
			plant(rwx + 2 * RWX_OFF, "PSAFTER", token);
			snprintf(text, sizeof(text), "after=%p\n",
				 (void *)(heap + 64));
			write_file(afterpath, text);
		}
	}
}
