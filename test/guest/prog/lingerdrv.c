// SPDX-License-Identifier: GPL-2.0
/*
 * lingerdrv: request/kill cycles on short-lived targets, with raw ioctls
 * and no exec, fast enough for 1000 cycles under TCG (46-linger.sh runs it
 * as an unprivileged user).
 *
 * usage: lingerdrv CYCLES SEED [MAXHELD]
 *
 * Each cycle forks a target (a child that spins, or sleeps in 100 us
 * steps) and picks, from the seeded generator, one of:
 *   0 before   kill -9 the target, then REQUEST: ESRCH
 *   1 during   REQUEST, kill -9 at once, WAIT (10 s)
 *   2 racing   REQUEST, spin 0-3 ms, kill -9, no WAIT
 *   3 kept     REQUEST, WAIT: done; kill -9 (the snapshot outlives it)
 *   4 deleted  REQUEST, WAIT: done; DELETE; kill -9
 *   5 owned    REQUEST OWNED on a second open file, WAIT: done; kill -9;
 *              close the file (which deletes the snapshot)
 * then reaps the target.  Whenever LIST shows MAXHELD (default 16)
 * snapshots, DELETE_ALL.  At the end DELETE_ALL.
 *
 * Prints "FAIL: ..." for every unexpected outcome (at most 20), the count
 * of each outcome, the rate, and a final PASS:/FAIL: line; exit status 0
 * when every outcome was expected.
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
#include <time.h>
#include <unistd.h>

#include <procsnap.h>

static int dev;
static unsigned long bad;
static uint64_t rng;

static const char *const mode_names[] = {
	"before", "during", "racing", "kept", "deleted", "owned",
};

/* outcome counters: [mode][outcome] */
enum { O_OK, O_DONE, O_FAILED, O_ESRCH, O_ENOENT, O_OTHER, O_N };
static const char *const outcome_names[] = {
	"ok", "done", "failed", "ESRCH", "ENOENT", "other",
};
static unsigned long counts[6][O_N];

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *ename(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

static void bad_outcome(long cycle, int mode, const char *what, int err,
			const struct procsnap_state_arg *st)
{
	bad++;
	if (bad > 20)
		return;
	if (st)
		printf("FAIL: cycle %ld (%s): %s: state %u error %s clone %d\n",
		       cycle, mode_names[mode], what, st->state,
		       ename(st->error), st->clone_pid);
	else
		printf("FAIL: cycle %ld (%s): %s: %s\n", cycle,
		       mode_names[mode], what, err ? ename(err) : "ok");
}

static int request(int fd, pid_t pid, unsigned int flags)
{
	struct procsnap_target_arg t = {
		.size = sizeof(t), .pid = pid, .flags = flags,
	};

	return ioctl(fd, PROCSNAP_IOC_REQUEST, &t) ? errno : 0;
}

static int wait_req(int fd, pid_t pid, struct procsnap_state_arg *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->pid = pid;
	st->timeout_ns = 10ULL * 1000000000;
	return ioctl(fd, PROCSNAP_IOC_WAIT, st) ? errno : 0;
}

static int delete_all(void)
{
	struct procsnap_delete_arg d = {
		.size = sizeof(d), .flags = PROCSNAP_DELETE_ALL,
	};

	return ioctl(dev, PROCSNAP_IOC_DELETE, &d) ? errno : 0;
}

static unsigned int held(void)
{
	struct procsnap_list_arg a = { .size = sizeof(a) };

	return ioctl(dev, PROCSNAP_IOC_LIST, &a) ? 0 : a.total;
}

static pid_t start_target(int busy)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("lingerdrv: fork");
		exit(2);
	}
	if (!pid) {
		const struct timespec ts = { 0, 100000 };
		volatile unsigned long x = 0;

		close(dev);
		for (;;) {
			if (busy)
				x++;
			else
				nanosleep(&ts, NULL);
		}
	}
	return pid;
}

static void spin_us(unsigned long us)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((unsigned long)((t.tv_sec - t0.tv_sec) * 1000000L +
				 (t.tv_nsec - t0.tv_nsec) / 1000) < us);
}

static void count(int mode, int err, const struct procsnap_state_arg *st)
{
	int o;

	if (err == ESRCH)
		o = O_ESRCH;
	else if (err == ENOENT)
		o = O_ENOENT;
	else if (err)
		o = O_OTHER;
	else if (!st)
		o = O_OK;
	else if (st->state == PROCSNAP_STATE_DONE)
		o = O_DONE;
	else
		o = O_FAILED;
	counts[mode][o]++;
}

static void cycle(long i, unsigned int maxheld)
{
	struct procsnap_state_arg st;
	int mode = (int)(next() % 6), err, fd2 = -1;
	pid_t pid = start_target((int)(next() & 1));

	switch (mode) {
	case 0:
		kill(pid, SIGKILL);
		err = request(dev, pid, 0);
		count(mode, err, NULL);
		if (err != ESRCH)
			bad_outcome(i, mode, "REQUEST of a killed target", err,
				    NULL);
		break;
	case 1:
	case 2:
		err = request(dev, pid, 0);
		if (err)
			bad_outcome(i, mode, "REQUEST", err, NULL);
		if (mode == 2)
			spin_us(next() % 3000);
		kill(pid, SIGKILL);
		if (mode == 2) {
			count(mode, err, NULL);
			break;
		}
		err = wait_req(dev, pid, &st);
		count(mode, err, &st);
		/* done (it was quick), failed ESRCH, or already forgotten */
		if (err && err != ENOENT && err != ESRCH)
			bad_outcome(i, mode, "WAIT after kill", err, NULL);
		else if (!err && st.state == PROCSNAP_STATE_FAILED &&
			 st.error != ESRCH)
			bad_outcome(i, mode, "WAIT after kill", 0, &st);
		break;
	default:
		if (mode == 5) {
			fd2 = open(PROCSNAP_DEVICE_PATH, O_RDWR | O_CLOEXEC);
			if (fd2 < 0) {
				perror("lingerdrv: open");
				exit(2);
			}
		}
		err = request(fd2 >= 0 ? fd2 : dev, pid,
			      fd2 >= 0 ? PROCSNAP_REQUEST_OWNED : 0);
		if (err) {
			bad_outcome(i, mode, "REQUEST", err, NULL);
			count(mode, err, NULL);
		} else {
			err = wait_req(fd2 >= 0 ? fd2 : dev, pid, &st);
			count(mode, err, &st);
			if (err || st.state != PROCSNAP_STATE_DONE) {
				bad_outcome(i, mode, "WAIT of a live target",
					    err, err ? NULL : &st);
			} else if (mode == 4) {
				struct procsnap_delete_arg d = {
					.size = sizeof(d),
					.clone_pid = st.clone_pid,
				};

				if (ioctl(dev, PROCSNAP_IOC_DELETE, &d) ||
				    d.deleted != 1)
					bad_outcome(i, mode, "DELETE", errno,
						    NULL);
			}
		}
		kill(pid, SIGKILL);
		if (fd2 >= 0)
			close(fd2);
		break;
	}
	if (waitpid(pid, NULL, 0) != pid) {
		perror("lingerdrv: waitpid");
		exit(2);
	}
	if (held() >= maxheld && (err = delete_all()))
		bad_outcome(i, mode, "DELETE_ALL", err, NULL);
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	unsigned int maxheld = 16;
	long cycles;
	double secs;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		fprintf(stderr, "usage: lingerdrv CYCLES SEED [MAXHELD]\n");
		return 2;
	}
	cycles = atol(argv[1]);
	rng = strtoull(argv[2], NULL, 0) | 1;
	if (argc > 3)
		maxheld = (unsigned int)atoi(argv[3]);
	printf("INFO: lingerdrv: %ld cycles, seed %s, uid %d\n", cycles,
	       argv[2], getuid());
	dev = open(PROCSNAP_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		printf("FAIL: open %s: %s\n", PROCSNAP_DEVICE_PATH,
		       ename(errno));
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < cycles; i++)
		cycle(i, maxheld);
	if ((err = delete_all()))
		bad_outcome(cycles, 0, "final DELETE_ALL", err, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	for (int m = 0; m < 6; m++) {
		printf("INFO: lingerdrv: %-8s", mode_names[m]);
		for (int o = 0; o < O_N; o++)
			if (counts[m][o])
				printf(" %s=%lu", outcome_names[o], counts[m][o]);
		printf("\n");
	}
	printf("INFO: lingerdrv: %ld cycles in %.1f s: %.1f cycles/s\n", cycles,
	       secs, secs > 0 ? cycles / secs : 0);
	if (bad)
		printf("FAIL: %ld request/kill cycles: %lu unexpected outcomes\n",
		       cycles, bad);
	else
		printf("PASS: %ld request/kill cycles (seed %s), every outcome expected (%.1f cycles/s)\n",
		       cycles, argv[2], secs > 0 ? cycles / secs : 0);
	return bad ? 1 : 0;
}
