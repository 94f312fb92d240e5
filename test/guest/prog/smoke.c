// SPDX-License-Identifier: GPL-2.0
/*
 * smoke: the shortest end-to-end path through the snapshot ioctls, without
 * libprocsnap: fork a busy child, request, wait, list, threads, compare one
 * page of the clone with the child, delete.  PASS:/FAIL: lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <procsnap.h>

static int failures;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		printf("PASS: smoke: " __VA_ARGS__);			\
	} else {							\
		printf("FAIL: smoke: " __VA_ARGS__);			\
		failures++;						\
	}								\
	printf("\n");							\
} while (0)

static volatile uint64_t counter;

int main(void)
{
	struct procsnap_target_arg req = { .size = sizeof(req) };
	struct procsnap_state_arg st = { .size = sizeof(st) };
	struct procsnap_snapshot_info info[4];
	struct procsnap_list_arg list = { .size = sizeof(list) };
	struct procsnap_thread_info ti[4];
	struct procsnap_threads_arg th = { .size = sizeof(th) };
	struct procsnap_delete_arg del = { .size = sizeof(del) };
	char path[64];
	uint64_t seen = 0;
	pid_t child;
	int fd, memfd, rc;

	fd = open(PROCSNAP_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("FAIL: smoke: open: %s\n", strerror(errno));
		return 1;
	}
	child = fork();
	if (!child)
		for (;;)
			counter++;

	usleep(100000);
	req.pid = child;
	rc = ioctl(fd, PROCSNAP_IOC_REQUEST, &req);
	CHECK(rc == 0, "REQUEST (%s)", rc ? strerror(errno) : "ok");
	st.pid = child;
	st.timeout_ns = 10000000000ULL;
	rc = ioctl(fd, PROCSNAP_IOC_WAIT, &st);
	CHECK(rc == 0 && st.state == PROCSNAP_STATE_DONE && st.clone_pid > 0,
	      "WAIT: done, clone %d (rc %d state %u error %d %s)",
	      st.clone_pid, rc, st.state, st.error,
	      rc ? strerror(errno) : "");

	list.entries = (uintptr_t)info;
	list.entry_size = sizeof(info[0]);
	list.nr_entries = 4;
	rc = ioctl(fd, PROCSNAP_IOC_LIST, &list);
	CHECK(rc == 0 && list.total == 1 && info[0].clone_pid == st.clone_pid &&
	      info[0].target_pid == child,
	      "LIST shows it (total %u), pause %llu ns, resident %llu",
	      list.total, (unsigned long long)info[0].pause_ns,
	      (unsigned long long)info[0].resident_bytes);

	th.clone_pid = st.clone_pid;
	th.entries = (uintptr_t)ti;
	th.entry_size = sizeof(ti[0]);
	th.nr_entries = 4;
	rc = ioctl(fd, PROCSNAP_IOC_THREADS, &th);
	CHECK(rc == 0 && th.total == 1 && ti[0].tid == child &&
	      (ti[0].flags & PROCSNAP_THREAD_DUPLICATED) && ti[0].regs[16],
	      "THREADS: tid %d rip 0x%llx xstate %u", ti[0].tid,
	      (unsigned long long)ti[0].regs[16], ti[0].xstate_size);

	{
		struct procsnap_files_arg fa = { .size = sizeof(fa) };
		static struct procsnap_file_info fi[16];
		struct procsnap_xstate_arg xa = { .size = sizeof(xa) };
		static unsigned char xs[16384];
		int found = -1;
		unsigned int i;

		fa.clone_pid = st.clone_pid;
		fa.entries = (uintptr_t)fi;
		fa.entry_size = sizeof(fi[0]);
		fa.nr_entries = 16;
		rc = ioctl(fd, PROCSNAP_IOC_FILES, &fa);
		for (i = 0; rc == 0 && i < fa.nr_entries; i++)
			if (!strcmp(fi[i].path, PROCSNAP_DEVICE_PATH))
				found = fi[i].fd;
		CHECK(rc == 0 && fa.total >= 3 && found == fd &&
		      fa.total == info[0].nr_files,
		      "FILES: %u descriptors, /dev/procsnap as fd %d",
		      fa.total, found);
		CHECK(info[0].requested_realtime_ns &&
		      info[0].requested_realtime_ns <=
		      info[0].created_realtime_ns && info[0].requester_uid == 0,
		      "LIST: request time and requester recorded");

		xa.clone_pid = st.clone_pid;
		xa.tid = child;
		xa.buf = (uintptr_t)xs;
		xa.buf_size = sizeof(xs);
		rc = ioctl(fd, PROCSNAP_IOC_XSTATE, &xa);
		CHECK(rc == 0 && xa.buf_size == ti[0].xstate_size &&
		      xa.buf_size >= 512,
		      "XSTATE: %u bytes (%s)", xa.buf_size,
		      rc ? strerror(errno) : "ok");
	}

	snprintf(path, sizeof(path), "/proc/%d/mem", st.clone_pid);
	memfd = open(path, O_RDONLY);
	rc = memfd >= 0 ? (int)pread(memfd, &seen, sizeof(seen),
				     (off_t)(uintptr_t)&counter) : -1;
	CHECK(rc == sizeof(seen) && seen > 0,
	      "clone memory readable, counter %llu", (unsigned long long)seen);
	usleep(200000);
	{
		uint64_t again = 0;

		if (pread(memfd, &again, sizeof(again),
			  (off_t)(uintptr_t)&counter) != sizeof(again))
			again = ~0ULL;
		CHECK(again == seen, "clone memory frozen (%llu then %llu)",
		      (unsigned long long)seen, (unsigned long long)again);
	}
	close(memfd);

	del.clone_pid = st.clone_pid;
	rc = ioctl(fd, PROCSNAP_IOC_DELETE, &del);
	CHECK(rc == 0 && del.deleted == 1, "DELETE");
	snprintf(path, sizeof(path), "/proc/%d", st.clone_pid);
	CHECK(access(path, F_OK) != 0, "clone gone after DELETE");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(fd);
	return failures ? 1 : 0;
}
