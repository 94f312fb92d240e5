// SPDX-License-Identifier: LGPL-2.1-or-later
/* The token bucket that limits how fast the snapshot's memory is read. */
#include <time.h>

#include "internal.h"

#define NSEC_PER_SEC 1000000000ULL

void ps_throttle_init(struct ps_throttle *t, uint64_t rate, uint64_t chunk)
{
	t->rate = rate;
	t->burst = rate > chunk ? rate : chunk;
	if (t->burst > INT64_MAX / 2)
		t->burst = INT64_MAX / 2;
	t->tokens = 0;
	t->last_ns = 0;
	t->started = false;
}

uint64_t ps_throttle_delay(struct ps_throttle *t, uint64_t now_ns,
			   uint64_t bytes)
{
	unsigned __int128 refill;

	if (!t->rate)
		return 0;
	if (!t->started) {
		t->started = true;
		t->last_ns = now_ns;
	}
	if (now_ns > t->last_ns) {
		refill = (unsigned __int128)(now_ns - t->last_ns) * t->rate /
			 NSEC_PER_SEC;
		if (refill > t->burst || (int64_t)refill > (int64_t)t->burst -
		    t->tokens)
			t->tokens = (int64_t)t->burst;
		else
			t->tokens += (int64_t)refill;
		t->last_ns = now_ns;
	}
	if (bytes > (uint64_t)INT64_MAX / 2)
		bytes = INT64_MAX / 2;
	t->tokens -= (int64_t)bytes;
	if (t->tokens >= 0)
		return 0;
	/* The debt is paid off at the rate: sleep that long. */
	return (uint64_t)((unsigned __int128)(uint64_t)-t->tokens *
			  NSEC_PER_SEC / t->rate);
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

void ps_throttle_take(struct ps_throttle *t, uint64_t bytes)
{
	uint64_t delay = ps_throttle_delay(t, monotonic_ns(), bytes);
	struct timespec ts = {
		.tv_sec = (time_t)(delay / NSEC_PER_SEC),
		.tv_nsec = (long)(delay % NSEC_PER_SEC),
	};

	if (!delay)
		return;
	/* A signal does not cut the sleep short: the rate is a promise. */
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}
