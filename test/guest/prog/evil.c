// SPDX-License-Identifier: GPL-2.0
/*
 * evil: what a hostile local user (or a test acting for one) tries against a
 * snapshot or a target, each attempt reduced to one outcome word, so that the
 * hostile tests (4x-*.sh) can assert the errno.
 *
 *   evil kill PID                     kill(PID, SIGKILL)
 *   evil ptrace attach|seize PID      PTRACE_ATTACH / PTRACE_SEIZE (a tracee
 *                                     gained is let go at exit)
 *   evil memopen PID rdonly|wronly|rdwr
 *                                     open("/proc/PID/mem")
 *   evil vmwrite PID ADDR BYTE        process_vm_writev() of one byte (give
 *                                     the byte already there: even a
 *                                     successful attack then changes nothing)
 *   evil peek PID ADDR PATFILE        /proc/PID/mem at ADDR holds PATFILE's
 *                                     bytes ("ok", or "mismatch")
 *   evil ioctl list                   LIST: prints total=N
 *   evil ioctl threads|files CLONE    THREADS / FILES: prints total=N
 *   evil ioctl xstate CLONE TID       XSTATE into a 64 KiB buffer
 *   evil ioctl memopen CLONE [ADDR PATFILE]
 *                                     MEM_OPEN; with ADDR, pread()s the
 *                                     file there and compares with PATFILE
 *                                     ("mismatch"; "writable" if a pwrite()
 *                                     to it succeeds)
 *   evil exechold TID DIR             trace thread TID (as root) until it
 *                                     enters execve(), hold it there, and
 *                                     then obey DIR/cmd (see exechold())
 *
 * Every command takes --expect LIST (comma separated outcomes, default
 * "ok"): it prints its outcome ("ok" or an errno name such as "EPERM") and
 * exits 0 when that outcome is in LIST, else 1 (2: could not run).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <procsnap.h>

static const char *ename(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

static int matches(const char *outcome, const char *expect)
{
	size_t len = strlen(outcome);

	for (const char *p = expect; *p;) {
		size_t n = strcspn(p, ",");

		if (n == len && !strncmp(p, outcome, n))
			return 1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: see the comment at the top of evil.c\n");
	exit(2);
}

static char *read_file(const char *path, size_t *lenp)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		fprintf(stderr, "evil: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0) {
		fprintf(stderr, "evil: %s: empty or unreadable\n", path);
		exit(2);
	}
	*lenp = (size_t)n;
	return buf;
}

static int open_dev(void)
{
	int fd = open(PROCSNAP_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("open %s: %s\n", PROCSNAP_DEVICE_PATH, ename(errno));
		exit(2);
	}
	return fd;
}

/* pread @len bytes at @addr from @fd and compare them with @want. */
static int compare_at(int fd, unsigned long addr, const char *want,
		      size_t len)
{
	static char got[1 << 20];
	ssize_t n = pread(fd, got, len, (off_t)addr);

	if (n < 0)
		return errno;
	if ((size_t)n != len || memcmp(got, want, len))
		return -1;
	return 0;
}

static int do_ioctl(int argc, char **argv)
{
	int dev = open_dev(), err = 0;
	const char *what = argv[0];

	if (!strcmp(what, "list")) {
		struct procsnap_list_arg a = { .size = sizeof(a) };

		if (ioctl(dev, PROCSNAP_IOC_LIST, &a))
			return errno;
		printf("total=%u\n", a.total);
		return 0;
	}
	if (argc < 2)
		usage();
	pid_t clone = atoi(argv[1]);

	if (!strcmp(what, "threads") || !strcmp(what, "files")) {
		struct procsnap_threads_arg a = {
			.size = sizeof(a), .clone_pid = clone,
		};

		if (ioctl(dev, !strcmp(what, "threads") ? PROCSNAP_IOC_THREADS :
			  PROCSNAP_IOC_FILES, &a))
			return errno;
		printf("total=%u\n", a.total);
		return 0;
	}
	if (!strcmp(what, "xstate")) {
		static char buf[65536];
		struct procsnap_xstate_arg a = {
			.size = sizeof(a), .clone_pid = clone,
			.buf = (uintptr_t)buf, .buf_size = sizeof(buf),
		};

		if (argc < 3)
			usage();
		a.tid = atoi(argv[2]);
		if (ioctl(dev, PROCSNAP_IOC_XSTATE, &a))
			return errno;
		printf("xstate_size=%u\n", a.buf_size);
		return 0;
	}
	if (!strcmp(what, "memopen")) {
		struct procsnap_mem_open_arg a = {
			.size = sizeof(a), .clone_pid = clone,
		};

		if (ioctl(dev, PROCSNAP_IOC_MEM_OPEN, &a))
			return errno;
		printf("fd=%d\n", a.fd);
		if (argc >= 4) {
			size_t len;
			const char *want = read_file(argv[3], &len);

			err = compare_at(a.fd, strtoul(argv[2], NULL, 0), want,
					 len);
			/* A read-only file: a write must fail. */
			if (!err && pwrite(a.fd, want, 1,
					   (off_t)strtoul(argv[2], NULL, 0)) >= 0)
				err = -2;
		}
		return err;
	}
	usage();
	return 0;
}

static void write_atomic(const char *dir, const char *name, const char *text)
{
	char path[512], tmp[520];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) || rename(tmp, path)) {
		perror(path);
		exit(2);
	}
}

/*
 * exechold TID DIR: seize thread TID, step it from system call to system
 * call until it enters execve(), and hold it there (a syscall-entry stop: in
 * the kernel, before the exec has begun).  Writes DIR/seized once tracing,
 * DIR/held once holding, then reads one-byte commands from the FIFO DIR/cmd:
 *   e  let the exec run, up to its PTRACE_EVENT_EXEC stop (the new image,
 *      still in the kernel); writes DIR/exec ("pid=N former=TID")
 *   d  detach and exit (writes DIR/detached)
 * The tracee is killed if this tracer dies (PTRACE_O_EXITKILL).
 */
static int exechold(pid_t tid, const char *dir)
{
	char path[512], text[128];
	int cmd, st, sig = 0;
	pid_t cur = tid;

	snprintf(path, sizeof(path), "%s/cmd", dir);
	if (mkfifo(path, 0600) && errno != EEXIST)
		return errno;
	cmd = open(path, O_RDWR | O_CLOEXEC);
	if (cmd < 0)
		return errno;
	if (ptrace(PTRACE_SEIZE, tid, 0, PTRACE_O_TRACESYSGOOD |
		   PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL))
		return errno;
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0))
		return errno;
	if (waitpid(tid, &st, __WALL) != tid)
		return errno;
	write_atomic(dir, "seized", "seized\n");
	for (;;) {
		struct user_regs_struct r;

		if (ptrace(PTRACE_SYSCALL, cur, 0, sig))
			return errno;
		sig = 0;
		if (waitpid(cur, &st, __WALL) != cur)
			return errno;
		if (!WIFSTOPPED(st)) {
			write_atomic(dir, "gone", "gone\n");
			return ESRCH;
		}
		if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			if (ptrace(PTRACE_GETREGS, cur, 0, &r))
				return errno;
			/* Entry: rax is still -ENOSYS. */
			if (r.orig_rax == 59 && (long)r.rax == -ENOSYS)
				break;
		} else if (st >> 16 == 0 && WSTOPSIG(st) != SIGTRAP) {
			sig = WSTOPSIG(st);	/* a signal: deliver it */
		}
	}
	write_atomic(dir, "held", "held\n");
	for (;;) {
		char c;

		if (read(cmd, &c, 1) != 1)
			return EIO;
		if (c == 'd') {
			if (ptrace(PTRACE_DETACH, cur, 0, 0))
				return errno;
			write_atomic(dir, "detached", "detached\n");
			return 0;
		}
		if (c != 'e')
			continue;
		for (;;) {
			unsigned long former = 0;
			pid_t w;

			if (ptrace(PTRACE_CONT, cur, 0, sig))
				return errno;
			sig = 0;
			/* After a non-leader exec the tracee has the leader's pid. */
			w = waitpid(-1, &st, __WALL);
			if (w < 0)
				return errno;
			cur = w;
			if (!WIFSTOPPED(st)) {
				write_atomic(dir, "gone", "gone\n");
				return ESRCH;
			}
			if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) {
				ptrace(PTRACE_GETEVENTMSG, cur, 0, &former);
				snprintf(text, sizeof(text), "pid=%d\nformer=%lu\n",
					 cur, former);
				write_atomic(dir, "exec", text);
				break;
			}
			if (st >> 16 == 0)
				sig = WSTOPSIG(st);
		}
	}
}

int main(int argc, char **argv)
{
	const char *expect = "ok";
	char outcome[64];
	int err = 0, n = argc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--expect") && i + 1 < argc) {
			expect = argv[i + 1];
			n = i;
			break;
		}
	}
	if (n < 2)
		usage();
	const char *cmd = argv[1];

	if (!strcmp(cmd, "kill") && n == 3) {
		if (kill(atoi(argv[2]), SIGKILL))
			err = errno;
	} else if (!strcmp(cmd, "ptrace") && n == 4) {
		pid_t pid = atoi(argv[3]);
		long r = !strcmp(argv[2], "seize") ?
			ptrace(PTRACE_SEIZE, pid, 0, 0) :
			ptrace(PTRACE_ATTACH, pid, 0, 0);

		if (r)
			err = errno;
	} else if (!strcmp(cmd, "memopen") && n == 4) {
		char path[64];
		int mode = !strcmp(argv[3], "rdwr") ? O_RDWR :
			!strcmp(argv[3], "wronly") ? O_WRONLY : O_RDONLY;

		snprintf(path, sizeof(path), "/proc/%s/mem", argv[2]);
		if (open(path, mode | O_CLOEXEC) < 0)
			err = errno;
	} else if (!strcmp(cmd, "vmwrite") && n == 5) {
		unsigned char byte = (unsigned char)strtoul(argv[4], NULL, 0);
		struct iovec local = { &byte, 1 };
		struct iovec remote = {
			(void *)strtoul(argv[3], NULL, 0), 1
		};

		if (process_vm_writev(atoi(argv[2]), &local, 1, &remote, 1,
				      0) != 1)
			err = errno;
	} else if (!strcmp(cmd, "peek") && n == 5) {
		char path[64];
		size_t len;
		const char *want = read_file(argv[4], &len);
		int fd;

		snprintf(path, sizeof(path), "/proc/%s/mem", argv[2]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			err = errno;
		else
			err = compare_at(fd, strtoul(argv[3], NULL, 0), want,
					 len);
	} else if (!strcmp(cmd, "ioctl") && n >= 3) {
		err = do_ioctl(n - 2, argv + 2);
	} else if (!strcmp(cmd, "exechold") && n == 4) {
		err = exechold(atoi(argv[2]), argv[3]);
	} else {
		usage();
	}
	if (err == -2)
		snprintf(outcome, sizeof(outcome), "writable");
	else if (err < 0)
		snprintf(outcome, sizeof(outcome), "mismatch");
	else if (err)
		snprintf(outcome, sizeof(outcome), "%s", ename(err));
	else
		snprintf(outcome, sizeof(outcome), "ok");
	printf("%s\n", outcome);
	return matches(outcome, expect) ? 0 : 1;
}
