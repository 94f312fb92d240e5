// SPDX-License-Identifier: GPL-2.0
/*
 * sharedtarget: shared memory of every shmem kind, for 27-freeze.sh.
 *
 *   sharedtarget target INFO DIR   map four shared regions of 16 pages:
 *		anon (MAP_SHARED|MAP_ANONYMOUS; pages 12-15 never touched),
 *		memfd, sysv (SysV shm) and file (DIR/shared.file, on tmpfs);
 *		page i of region R starts with "R-old-%05d"; write INFO
 *		(anon=HEX ... pid=N); on SIGUSR1 write "R-new-%05d" to all 16
 *		pages of each and create INFO.done; loop in 10 ms sleeps
 *   sharedtarget memhold CLONE ADDR GO   open MEM_OPEN's file of snapshot
 *		CLONE, print what 11 bytes at ADDR read ("read=TEXT" or
 *		"read=eof"/"read=ERRNO"), wait until file GO exists, then read
 *		again and print it the same way
 *   sharedtarget bigshm MB INFO    a MAP_SHARED|MAP_ANONYMOUS region of MB
 *		MiB, every page written; INFO gets pid=N; for the benchmark
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libprocsnap.h>

#define PAGES	16
#define PAGE	4096
#define TOUCHED_ANON	12

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void fill(char *p, const char *name, const char *age, int pages)
{
	for (int i = 0; i < pages; i++)
		snprintf(p + (size_t)i * PAGE, 32, "%s-%s-%05d", name, age, i);
}

static void nap(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static int write_info(const char *info, const char *text)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", info);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fputs(text, f);
	if (fclose(f) || rename(tmp, info))
		return -1;
	return 0;
}

static __attribute__((noreturn)) void target(const char *info,
					     const char *dir)
{
	static const char *const names[4] = { "anon", "memfd", "sysv", "file" };
	size_t len = (size_t)PAGES * PAGE;
	char *r[4], path[4096], text[1024], done[4096];
	int fd, id;

	r[0] = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r[0] == MAP_FAILED)
		die("mmap anon");
	fd = memfd_create("sharedtarget", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, len))
		die("memfd");
	r[1] = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r[1] == MAP_FAILED)
		die("mmap memfd");
	close(fd);
	id = shmget(IPC_PRIVATE, len, IPC_CREAT | 0600);
	if (id < 0)
		die("shmget");
	r[2] = shmat(id, NULL, 0);
	if (r[2] == (void *)-1)
		die("shmat");
	/* Gone once detached: nothing left behind by a killed target. */
	shmctl(id, IPC_RMID, NULL);
	snprintf(path, sizeof(path), "%s/shared.file", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, len))
		die("tmpfs file");
	r[3] = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r[3] == MAP_FAILED)
		die("mmap file");
	close(fd);

	fill(r[0], names[0], "old", TOUCHED_ANON);
	for (int k = 1; k < 4; k++)
		fill(r[k], names[k], "old", PAGES);
	signal(SIGUSR1, on_usr1);
	snprintf(text, sizeof(text),
		 "anon=%lx\nmemfd=%lx\nsysv=%lx\nfile=%lx\npid=%d\n",
		 (unsigned long)r[0], (unsigned long)r[1],
		 (unsigned long)r[2], (unsigned long)r[3], (int)getpid());
	if (write_info(info, text))
		die("info");
	for (;;) {
		if (go) {
			go = 0;
			for (int k = 0; k < 4; k++)
				fill(r[k], names[k], "new", PAGES);
			snprintf(done, sizeof(done), "%s.done", info);
			if (write_info(done, "done=1\n"))
				die("done");
		}
		nap();
	}
}

static void read_print(int fd, unsigned long addr)
{
	char buf[12] = "";
	ssize_t n = pread(fd, buf, 11, (off_t)addr);

	if (n < 0)
		printf("read=%s\n", strerror(errno));
	else if (n == 0)
		printf("read=eof\n");
	else
		printf("read=%.*s\n", (int)n, buf);
	fflush(stdout);
}

static int memhold(pid_t clone, unsigned long addr, const char *go_file)
{
	struct procsnap_ctx *ctx;
	struct stat st;
	int err, fd;

	err = procsnap_open(NULL, &ctx);
	if (err) {
		fprintf(stderr, "procsnap_open: %s\n", strerror(-err));
		return 1;
	}
	err = procsnap_mem_open(ctx, clone, &fd);
	procsnap_close(ctx);
	if (err) {
		fprintf(stderr, "procsnap_mem_open: %s\n", strerror(-err));
		return 1;
	}
	read_print(fd, addr);
	while (stat(go_file, &st))
		nap();
	read_print(fd, addr);
	close(fd);
	return 0;
}

static __attribute__((noreturn)) void bigshm(long mb, const char *info)
{
	size_t len = (size_t)mb << 20;
	char text[64];
	char *p = NULL;

	if (len) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		for (size_t i = 0; i < len; i += PAGE)
			p[i] = (char)(i / PAGE) | 1;
	}
	snprintf(text, sizeof(text), "pid=%d\n", (int)getpid());
	if (write_info(info, text))
		die("info");
	for (;;)
		nap();
}

int main(int argc, char *argv[])
{
	if (argc == 4 && !strcmp(argv[1], "target"))
		target(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "memhold"))
		return memhold(atoi(argv[2]), strtoul(argv[3], NULL, 16),
			       argv[4]);
	if (argc == 4 && !strcmp(argv[1], "bigshm"))
		bigshm(atol(argv[2]), argv[3]);
	fprintf(stderr, "usage: see the comment at the top of sharedtarget.c\n");
	return 2;
}
