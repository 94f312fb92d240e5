// SPDX-License-Identifier: GPL-2.0
/*
 * gapprobe: how long can a CPU of this VM vanish?  On every CPU at once, a
 * SCHED_FIFO 99 thread pinned there reads CLOCK_MONOTONIC in a loop for MS
 * milliseconds (default 300) and keeps the largest step between two reads.
 * Nothing in the guest preempts it, so a large step is time the CPU spent
 * elsewhere: an interrupt, or the host descheduling TCG's vCPU thread.  Any
 * lock hold the guest measures may include such a step; 48-scale uses it to
 * tell a hold that grew from the host's noise from one that grew from work.
 *
 * Prints "gap_max_ns=N cpus=C" (N the largest over every CPU); exit 0, or
 * 1 when no thread could run at FIFO 99 (then N means little).
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct probe {
	pthread_t thread;
	int cpu;
	int fifo;
	uint64_t gap_max;
	uint64_t span_ns;
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void *spin(void *arg)
{
	struct probe *p = arg;
	struct sched_param sp = { .sched_priority = 99 };
	cpu_set_t one;
	uint64_t t0, prev, t;

	CPU_ZERO(&one);
	CPU_SET(p->cpu, &one);
	pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
	p->fifo = !pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	t0 = prev = now_ns();
	do {
		t = now_ns();
		if (t - prev > p->gap_max)
			p->gap_max = t - prev;
		prev = t;
	} while (t - t0 < p->span_ns);
	return NULL;
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 300;
	struct probe probes[CPU_SETSIZE];
	uint64_t gap_max = 0;
	int n = 0, all_fifo = 1;
	cpu_set_t cpus;

	if (ms <= 0 || ms > 5000 || sched_getaffinity(0, sizeof(cpus), &cpus)) {
		fprintf(stderr, "usage: gapprobe [MS, 1..5000]\n");
		return 2;
	}
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &cpus))
			continue;
		probes[n] = (struct probe){ .cpu = cpu,
					    .span_ns = (uint64_t)ms * 1000000u };
		if (pthread_create(&probes[n].thread, NULL, spin, &probes[n]))
			break;
		n++;
	}
	for (int i = 0; i < n; i++) {
		pthread_join(probes[i].thread, NULL);
		if (probes[i].gap_max > gap_max)
			gap_max = probes[i].gap_max;
		all_fifo &= probes[i].fifo;
	}
	printf("gap_max_ns=%llu cpus=%d%s\n", (unsigned long long)gap_max, n,
	       all_fifo ? "" : " (not all at SCHED_FIFO)");
	return n && all_fifo ? 0 : 1;
}
