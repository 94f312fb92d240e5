// SPDX-License-Identifier: GPL-2.0
/*
 * rawreq: the snapshot ioctls raw, with any flags and reserved fields, for
 * the error and lifetime tests.
 *
 *   rawreq features                     exit 0 when the module has snapshots
 *   rawreq request PID|self [--flags N] [--reserved0 N] [--reserved N]
 *                  [--wait] [--timeout-ms N] [--hold] [--expect LIST]
 *   rawreq wait PID [--timeout-ms N] [--expect LIST]
 *   rawreq state PID [--flags N] [--expect LIST]
 *   rawreq cancel PID [--flags N] [--expect LIST]
 *   rawreq delete CLONE [--flags N] [--expect LIST]
 *   rawreq cycle PID COUNT              COUNT x (request, wait, delete)
 *
 * Prints the outcome: "ok" (with "clone=N" once known), "failed:ENAME" (a
 * WAIT that found the request failed) or the errno's name, e.g. "EINVAL".
 * --expect takes a comma list of acceptable outcomes (default "ok"); exit
 * status 0 when the outcome is one of them, else 1 (2: bad usage or no
 * device).  --hold keeps the device open after a successful request (and
 * wait) until killed: for PROCSNAP_REQUEST_OWNED.  --reserved N sets
 * reserved[3] (REQUEST and CANCEL: reserved[2], the same last word);
 * --freeze-limit N sets REQUEST and CANCEL's freeze_limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <procsnap.h>

static int dev;

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
	fprintf(stderr,
		"usage: rawreq features\n"
		"       rawreq request PID|self [--flags N] [--reserved0 N] [--reserved N]\n"
		"                      [--freeze-limit N]\n"
		"                      [--wait] [--timeout-ms N] [--hold] [--expect LIST]\n"
		"       rawreq wait|state|cancel PID [--flags N] [--timeout-ms N] [--expect LIST]\n"
		"       rawreq delete CLONE [--flags N] [--expect LIST]\n"
		"       rawreq cycle PID COUNT\n");
	exit(2);
}

/* /proc/PID/comm starts with "procsnap/". */
static int is_clone(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = 0;
	fclose(f);
	return !strncmp(comm, "procsnap/", 9);
}

static int do_wait(pid_t pid, uint64_t timeout_ns, struct procsnap_state_arg *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->pid = pid;
	st->timeout_ns = timeout_ns;
	return ioctl(dev, PROCSNAP_IOC_WAIT, st) ? errno : 0;
}

static int cycle(pid_t pid, long count)
{
	struct timespec t0, t1;
	long i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++) {
		struct procsnap_target_arg t = { .size = sizeof(t), .pid = pid };
		struct procsnap_delete_arg d = { .size = sizeof(d) };
		struct procsnap_state_arg st;
		int err;

		if (ioctl(dev, PROCSNAP_IOC_REQUEST, &t)) {
			printf("FAIL: cycle %ld: REQUEST: %s\n", i,
			       ename(errno));
			return 1;
		}
		err = do_wait(pid, 30ULL * 1000000000, &st);
		if (err || st.state != PROCSNAP_STATE_DONE || st.clone_pid <= 0) {
			printf("FAIL: cycle %ld: WAIT: %s state %u error %s\n",
			       i, err ? ename(err) : "ok", st.state,
			       ename(st.error));
			return 1;
		}
		if (!is_clone(st.clone_pid)) {
			printf("FAIL: cycle %ld: clone %d is not a procsnap "
			       "clone\n", i, st.clone_pid);
			return 1;
		}
		d.clone_pid = st.clone_pid;
		if (ioctl(dev, PROCSNAP_IOC_DELETE, &d) || d.deleted != 1) {
			printf("FAIL: cycle %ld: DELETE %d: %s, deleted %u\n",
			       i, st.clone_pid, ename(errno), d.deleted);
			return 1;
		}
		/* DELETE returns once the clone is gone, reaped included. */
		if (is_clone(st.clone_pid) || kill(st.clone_pid, 0) == 0) {
			printf("FAIL: cycle %ld: clone %d still exists after "
			       "DELETE returned\n", i, st.clone_pid);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("PASS: %ld request/wait/delete cycles on %d (%ld ms each)\n",
	       count, pid,
	       (long)(((t1.tv_sec - t0.tv_sec) * 1000000000L +
		       (t1.tv_nsec - t0.tv_nsec)) / 1000000L / (count ? count : 1)));
	return 0;
}

int main(int argc, char **argv)
{
	const char *expect = "ok", *cmd;
	uint64_t timeout_ns = 0;
	uint32_t flags = 0, reserved0 = 0;
	uint64_t reserved = 0, freeze_limit = 0;
	int wait = 0, hold = 0, err = 0;
	char outcome[64];
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	cmd = argv[1];
	dev = open(PROCSNAP_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		printf("open %s: %s\n", PROCSNAP_DEVICE_PATH, ename(errno));
		return 2;
	}
	if (!strcmp(cmd, "features")) {
		struct procsnap_version v = { .size = sizeof(v) };

		if (ioctl(dev, PROCSNAP_IOC_VERSION, &v))
			return 2;
		printf("features=%#llx\n", (unsigned long long)v.features);
		return v.features & PROCSNAP_FEAT_SNAPSHOT ? 0 : 1;
	}
	if (argc < 3)
		usage();
	pid = !strcmp(argv[2], "self") ? getpid() : atoi(argv[2]);
	if (!strcmp(cmd, "cycle")) {
		if (argc != 4)
			usage();
		return cycle(pid, atol(argv[3]));
	}
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--wait")) {
			wait = 1;
			continue;
		}
		if (!strcmp(a, "--hold")) {
			hold = 1;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--flags"))
			flags = (uint32_t)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--reserved0"))
			reserved0 = (uint32_t)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--reserved"))
			reserved = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--freeze-limit"))
			freeze_limit = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--timeout-ms"))
			timeout_ns = strtoull(v, NULL, 0) * 1000000ULL;
		else if (!strcmp(a, "--expect"))
			expect = v;
		else
			usage();
	}

	snprintf(outcome, sizeof(outcome), "ok");
	if (!strcmp(cmd, "request") || !strcmp(cmd, "cancel")) {
		struct procsnap_target_arg t = {
			.size = sizeof(t), .flags = flags, .pid = pid,
			.reserved0 = reserved0, .freeze_limit = freeze_limit,
		};

		t.reserved[2] = reserved;
		if (ioctl(dev, !strcmp(cmd, "request") ? PROCSNAP_IOC_REQUEST :
			  PROCSNAP_IOC_CANCEL, &t))
			err = errno;
		if (!err && wait && !strcmp(cmd, "request")) {
			/* the flags and reserved fields were the REQUEST's */
			cmd = "wait";
			flags = 0;
			reserved = 0;
		}
	}
	if (!err && (!strcmp(cmd, "wait") || !strcmp(cmd, "state"))) {
		struct procsnap_state_arg st = {
			.size = sizeof(st), .flags = flags, .pid = pid,
			.timeout_ns = timeout_ns,
		};

		st.reserved[3] = reserved;
		if (ioctl(dev, !strcmp(cmd, "wait") ? PROCSNAP_IOC_WAIT :
			  PROCSNAP_IOC_STATE, &st)) {
			err = errno;
		} else if (st.state == PROCSNAP_STATE_DONE) {
			printf("clone=%d\n", st.clone_pid);
		} else if (st.state == PROCSNAP_STATE_FAILED) {
			snprintf(outcome, sizeof(outcome), "failed:%s",
				 ename(st.error));
		} else {
			static const char *const names[] = {
				"idle", "requested", "duplicating" };
			printf("state=%s\n", st.state < 3 ?
			       names[st.state] : "?");
		}
	} else if (!err && !strcmp(cmd, "delete")) {
		struct procsnap_delete_arg d = {
			.size = sizeof(d), .flags = flags, .clone_pid = pid,
		};

		d.reserved[3] = reserved;
		if (ioctl(dev, PROCSNAP_IOC_DELETE, &d))
			err = errno;
		else
			printf("deleted=%u\n", d.deleted);
	} else if (!err && strcmp(cmd, "request") && strcmp(cmd, "cancel")) {
		usage();
	}
	if (err)
		snprintf(outcome, sizeof(outcome), "%s", ename(err));
	printf("%s\n", outcome);
	if (hold && !err) {
		printf("holding\n");
		for (;;)
			pause();
	}
	return matches(outcome, expect) ? 0 : 1;
}
