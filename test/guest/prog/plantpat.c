// SPDX-License-Identifier: GPL-2.0
/*
 * plantpat: a target with a known pattern in memory, for the tests that
 * check a snapshot byte for byte after hostile attempts to change it.
 *
 * usage: plantpat --info FILE [--size BYTES] [--seed N]
 *
 * Maps SIZE bytes (default 64 KiB, whole pages) of anonymous memory, fills
 * them with a xorshift64 stream from SEED, writes the bytes to FILE.pat and
 * then FILE (atomically: key=value lines pid, addr, len, byte0 = the first
 * byte).  It then sleeps in 2 ms steps (returning to user mode often, so a
 * request completes without --interrupt).  On SIGUSR1 it overwrites the
 * whole pattern with 0x5a and creates FILE.over: a snapshot taken before
 * must still hold the pattern.
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

static volatile sig_atomic_t overwrite;

static void on_usr1(int sig)
{
	(void)sig;
	overwrite = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "plantpat: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void write_file(const char *path, const void *p, size_t n)
{
	char tmp[4096];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, p, n) != (ssize_t)n || close(fd) ||
	    rename(tmp, path))
		die(path);
}

int main(int argc, char **argv)
{
	const struct timespec two_ms = { 0, 2000000 };
	size_t size = 64 << 10;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	const char *info = NULL;
	char path[4096], text[256];
	unsigned char *buf;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--info"))
			info = argv[i + 1];
		else if (!strcmp(argv[i], "--size"))
			size = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			x ^= strtoull(argv[i + 1], NULL, 0);
		else
			info = NULL, i = argc;
	}
	if (!info || !size) {
		fprintf(stderr, "usage: plantpat --info FILE [--size BYTES] [--seed N]\n");
		return 1;
	}
	size = (size + 4095) & ~4095UL;
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	for (size_t i = 0; i < size; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}
	signal(SIGUSR1, on_usr1);
	snprintf(path, sizeof(path), "%s.pat", info);
	write_file(path, buf, size);
	snprintf(text, sizeof(text), "pid=%d\naddr=%#lx\nlen=%zu\nbyte0=%u\n",
		 getpid(), (unsigned long)buf, size, buf[0]);
	write_file(info, text, strlen(text));
	for (;;) {
		nanosleep(&two_ms, NULL);
		if (overwrite == 1) {
			memset(buf, 0x5a, size);
			overwrite = 2;
			snprintf(path, sizeof(path), "%s.over", info);
			write_file(path, "over\n", 5);
		}
	}
}
