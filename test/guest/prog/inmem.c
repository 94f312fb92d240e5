// SPDX-License-Identifier: GPL-2.0
/*
 * inmem: the in-memory malware pattern, for evidence collection tests.
 *
 * usage: inmem --info FILE [--fexec]
 *
 * Creates a memfd "inmem-code", writes a small x86-64 function into it
 * (mov eax, 0x1337c0de; ret, then a marker), maps it PROT_READ|PROT_EXEC
 * (MAP_SHARED, so it shows in the maps as "/memfd:inmem-code (deleted)")
 * and calls it; maps an anonymous PROT_READ|PROT_WRITE|PROT_EXEC region of
 * two pages and writes a known 64-byte payload into the second page only
 * (the first stays non-resident).  With --fexec it first re-executes itself
 * from a memfd ("inmem-exe"), so that its exe is a deleted memfd too.
 *
 * Once set up it writes FILE.code (the memfd's bytes), FILE.rwx (the
 * 64-byte payload) and then FILE (atomically: key=value lines) and waits in
 * pause() forever.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE		4096UL
#define MAGIC		0x1337c0deU
#define RWX_OFF		(PAGE + 0x80)

static void die(const char *what)
{
	fprintf(stderr, "inmem: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, p, n) != (ssize_t)n || close(fd))
		die(path);
}

/* Re-execute ourselves from a memfd (exe = /memfd:inmem-exe (deleted)). */
static void fexec_self(char **argv)
{
	char buf[65536];
	ssize_t n;
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int mfd = memfd_create("inmem-exe", MFD_CLOEXEC);

	if (in < 0 || mfd < 0)
		die("memfd for the executable");
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(mfd, buf, (size_t)n) != n)
			die("copying the executable");
	if (n < 0)
		die("reading /proc/self/exe");
	close(in);
	if (setenv("INMEM_REEXEC", "1", 1))
		die("setenv");
	fexecve(mfd, argv, environ);
	die("fexecve");
}

int main(int argc, char **argv)
{
	/* mov eax, MAGIC; ret; int3 x2; then a marker, in the memfd */
	static const unsigned char code_head[] = {
		0xb8, MAGIC & 0xff, (MAGIC >> 8) & 0xff, (MAGIC >> 16) & 0xff,
		(MAGIC >> 24) & 0xff, 0xc3, 0xcc, 0xcc,
	};
	static const char code_mark[] = "PROCSNAP-INMEM-CODE-MARKER-0123456789";
	unsigned char code[64], rwx_payload[64];
	const char *info = NULL;
	char path[PATH_MAX], tmp[PATH_MAX], exe[PATH_MAX];
	int fexec = 0, mfd;
	unsigned char *rx, *rwx;
	unsigned int (*fn)(void);
	unsigned int result;
	ssize_t el;
	FILE *f;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--info") && i + 1 < argc) {
			info = argv[++i];
		} else if (!strcmp(argv[i], "--fexec")) {
			fexec = 1;
		} else {
			fprintf(stderr, "usage: inmem --info FILE [--fexec]\n");
			return 1;
		}
	}
	if (!info) {
		fprintf(stderr, "usage: inmem --info FILE [--fexec]\n");
		return 1;
	}
	if (fexec && !getenv("INMEM_REEXEC"))
		fexec_self(argv);

	memset(code, 0xcc, sizeof(code));
	memcpy(code, code_head, sizeof(code_head));
	memcpy(code + sizeof(code_head), code_mark, sizeof(code_mark) - 1);
	for (unsigned int i = 0; i < sizeof(rwx_payload); i++)
		rwx_payload[i] = (unsigned char)(i * 37 + 11);
	memcpy(rwx_payload + 8, "PROCSNAP-RWX-PAYLOAD", 20);

	/* The executable payload, from a memfd that nobody can open by name. */
	mfd = memfd_create("inmem-code", 0);
	if (mfd < 0)
		die("memfd_create");
	if (write(mfd, code, sizeof(code)) != (ssize_t)sizeof(code) ||
	    ftruncate(mfd, (off_t)PAGE))
		die("writing the memfd");
	rx = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, mfd, 0);
	if (rx == MAP_FAILED)
		die("mmap of the memfd");
	fn = (unsigned int (*)(void))(uintptr_t)rx;
	result = fn();
	if (result != MAGIC) {
		fprintf(stderr, "inmem: the payload returned %#x\n", result);
		return 2;
	}

	/* An anonymous RWX region, payload in its second page only. */
	rwx = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rwx == MAP_FAILED)
		die("mmap RWX");
	memcpy(rwx + RWX_OFF, rwx_payload, sizeof(rwx_payload));

	snprintf(path, sizeof(path), "%s.code", info);
	write_file(path, code, sizeof(code));
	snprintf(path, sizeof(path), "%s.rwx", info);
	write_file(path, rwx_payload, sizeof(rwx_payload));

	el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[el > 0 ? el : 0] = 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", info);
	f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	fprintf(f, "pid=%d\nexe=%s\nmemfd_fd=%d\n", getpid(), exe, mfd);
	fprintf(f, "code=%#lx\ncode_len=%zu\ncode_map=%#lx-%#lx\n",
		(unsigned long)rx, sizeof(code), (unsigned long)rx,
		(unsigned long)rx + PAGE);
	fprintf(f, "rwx=%#lx\nrwx_off=%lu\nrwx_len=%zu\nrwx_map=%#lx-%#lx\n",
		(unsigned long)rwx, RWX_OFF, sizeof(rwx_payload),
		(unsigned long)rwx, (unsigned long)rwx + 2 * PAGE);
	fprintf(f, "result=%#x\n", result);
	if (fclose(f) || rename(tmp, info))
		die(info);

	for (;;)
		pause();
}
