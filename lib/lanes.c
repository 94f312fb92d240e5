// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Lanes: writing and hashing the evidence off the thread that reads the
 * memory.
 *
 * One thread reading /proc/CLONE/mem, writing every byte into an image and
 * into the core and hashing it twice leaves the machine's other CPUs idle
 * and makes the collection cost the sum of five passes over the bytes.
 * SHA-256 is the dearest of them (about 90 MB/s on a TCG vCPU, a few
 * hundred MB/s to 2 GB/s on a core with SHA extensions).  A lane is a
 * thread that runs, in order, what the reader queues for the files
 * assigned to it: the images on one lane, the core on another, so with
 * two CPUs or more the reads, the two writes and the two hashes overlap.
 *
 * The memory is never copied for a lane: the reader reads into buffers of
 * a small pool, a queued job holds a reference to its buffer, and the
 * reader waits for a free buffer (and for a lane whose backlog is full)
 * when the lanes are behind.  So the memory used and the lag of the
 * hashes behind the reading stay bounded by the pool.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct lane_buf {
	unsigned char *data;
	unsigned int refs;	/* the reader's hold + jobs pointing in */
};

struct lane_job {
	struct lane_job *next;
	ps_lane_fn fn;
	void *obj;
	int op;
	uint64_t off;
	const void *data;
	uint64_t len;
	uint64_t weight;	/* its share of the backlog */
	struct lane_buf *buf;	/* @data lies in this pool buffer */
	void *copy;		/* else a copy of a small foreign buffer */
};

struct lane {
	struct ps_lanes *q;
	pthread_t thread;
	struct lane_job *head, *tail;
	uint64_t backlog;	/* weight of the queued and running jobs */
	bool busy;
	pthread_cond_t work;	/* a job was queued, or stop */
};

struct ps_lanes {
	/*
	 * Protects every field below, the lanes' queues, backlogs and busy
	 * flags, and the buffers' refs.  Never held while a job runs.
	 */
	pthread_mutex_t lock;
	pthread_cond_t done;	/* a job finished: refs, backlog dropped */
	bool stop;
	int err;		/* the first job error (negative errno) */
	unsigned int nr_lanes, started;
	struct lane lanes[PS_LANES_MAX];
	struct lane_buf bufs[PS_LANE_BUFS];
	size_t buf_size;
	uint64_t max_backlog;
};

static void *lane_main(void *arg)
{
	struct lane *l = arg;
	struct ps_lanes *q = l->q;
	struct lane_job *job;
	bool failed;
	int err;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!l->head && !q->stop)
			pthread_cond_wait(&l->work, &q->lock);
		job = l->head;
		if (!job)
			break;
		l->head = job->next;
		if (!l->head)
			l->tail = NULL;
		l->busy = true;
		/* After a failure jobs only release what they hold. */
		failed = q->err || q->stop;
		pthread_mutex_unlock(&q->lock);

		err = job->fn(job->obj, job->op, job->off, job->data,
			      job->len, failed);

		pthread_mutex_lock(&q->lock);
		if (err && !q->err)
			q->err = err;
		if (job->buf)
			job->buf->refs--;
		l->backlog -= job->weight;
		l->busy = false;
		pthread_cond_broadcast(&q->done);
		free(job->copy);
		free(job);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

static void lanes_stop(struct ps_lanes *q)
{
	unsigned int i;

	pthread_mutex_lock(&q->lock);
	q->stop = true;
	for (i = 0; i < q->started; i++)
		pthread_cond_signal(&q->lanes[i].work);
	pthread_mutex_unlock(&q->lock);
	/* Each lane runs what is queued (releasing only) and ends. */
	for (i = 0; i < q->started; i++)
		pthread_join(q->lanes[i].thread, NULL);
	q->started = 0;
}

void ps_lanes_free(struct ps_lanes *q)
{
	unsigned int i;

	if (!q)
		return;
	lanes_stop(q);
	for (i = 0; i < q->nr_lanes; i++)
		pthread_cond_destroy(&q->lanes[i].work);
	for (i = 0; i < PS_LANE_BUFS; i++)
		free(q->bufs[i].data);
	pthread_cond_destroy(&q->done);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

int ps_lanes_new(unsigned int nr_lanes, size_t buf_size,
		 struct ps_lanes **qp)
{
	sigset_t all, old;
	struct ps_lanes *q;
	unsigned int i;
	int err = 0;

	*qp = NULL;
	if (!nr_lanes || nr_lanes > PS_LANES_MAX || !buf_size)
		return ps_fail(EINVAL);
	q = calloc(1, sizeof(*q));
	if (!q)
		return ps_fail(ENOMEM);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->done, NULL);
	q->nr_lanes = nr_lanes;
	q->buf_size = buf_size;
	q->max_backlog = (uint64_t)PS_LANE_BUFS * buf_size;
	for (i = 0; i < nr_lanes; i++) {
		q->lanes[i].q = q;
		pthread_cond_init(&q->lanes[i].work, NULL);
	}
	for (i = 0; i < PS_LANE_BUFS; i++) {
		q->bufs[i].data = malloc(buf_size);
		if (!q->bufs[i].data) {
			ps_lanes_free(q);
			return ps_fail(ENOMEM);
		}
	}
	/* The caller's signals stay with the caller's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < nr_lanes && !err; i++) {
		err = pthread_create(&q->lanes[i].thread, NULL, lane_main,
				     &q->lanes[i]);
		if (!err)
			q->started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		ps_lanes_free(q);
		return ps_fail(err);
	}
	*qp = q;
	return 0;
}

unsigned int ps_lanes_count(const struct ps_lanes *q)
{
	return q->nr_lanes;
}

void *ps_lanes_buf_get(struct ps_lanes *q)
{
	unsigned int i;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		for (i = 0; i < PS_LANE_BUFS; i++)
			if (!q->bufs[i].refs)
				break;
		if (i < PS_LANE_BUFS)
			break;
		pthread_cond_wait(&q->done, &q->lock);
	}
	q->bufs[i].refs = 1;
	pthread_mutex_unlock(&q->lock);
	return q->bufs[i].data;
}

static struct lane_buf *find_buf(struct ps_lanes *q, const void *p)
{
	const unsigned char *c = p;
	unsigned int i;

	for (i = 0; i < PS_LANE_BUFS; i++)
		if (c >= q->bufs[i].data && c < q->bufs[i].data + q->buf_size)
			return &q->bufs[i];
	return NULL;
}

void ps_lanes_buf_put(struct ps_lanes *q, void *data)
{
	struct lane_buf *b = find_buf(q, data);

	pthread_mutex_lock(&q->lock);
	if (b && b->refs)
		b->refs--;
	pthread_cond_broadcast(&q->done);
	pthread_mutex_unlock(&q->lock);
}

/* Wait until no lane has a job queued or running; q->lock held. */
static void wait_idle(struct ps_lanes *q)
{
	unsigned int i;

	for (;;) {
		for (i = 0; i < q->nr_lanes; i++)
			if (q->lanes[i].head || q->lanes[i].busy)
				break;
		if (i == q->nr_lanes)
			return;
		pthread_cond_wait(&q->done, &q->lock);
	}
}

/*
 * No memory for the job: run it here, after everything queued before it,
 * so that a job that releases a file still runs, and in order.
 */
static int run_inline(struct ps_lanes *q, ps_lane_fn fn, void *obj, int op,
		      uint64_t off, const void *data, uint64_t len)
{
	bool failed;

	pthread_mutex_lock(&q->lock);
	wait_idle(q);
	failed = q->err || q->stop;
	if (!q->err)
		q->err = -ENOMEM;
	pthread_mutex_unlock(&q->lock);
	fn(obj, op, off, data, len, failed);
	return ps_fail(ENOMEM);
}

int ps_lanes_submit(struct ps_lanes *q, unsigned int lane, ps_lane_fn fn,
		    void *obj, int op, uint64_t off, const void *data,
		    uint64_t len)
{
	bool foreign = data && data != ps_zeros;
	struct lane_job *job;
	struct lane *l;
	int err;

	if (lane >= q->nr_lanes)
		lane = q->nr_lanes - 1;
	l = &q->lanes[lane];
	job = calloc(1, sizeof(*job));
	if (!job)
		return run_inline(q, fn, obj, op, off, data, len);
	job->fn = fn;
	job->obj = obj;
	job->op = op;
	job->off = off;
	job->data = data;
	job->len = len;
	/*
	 * Zeros hold no memory: a hole's hash never waits for the other
	 * lanes, so the images' and the core's holes are hashed side by side.
	 */
	job->weight = data == ps_zeros ? 0 : len;

	pthread_mutex_lock(&q->lock);
	job->buf = foreign ? find_buf(q, data) : NULL;
	if (job->buf)
		job->buf->refs++;
	pthread_mutex_unlock(&q->lock);
	if (foreign && !job->buf) {
		/* Not the memory: a core's head, a few KiB. */
		job->copy = malloc(len ? len : 1);
		if (!job->copy) {
			free(job);
			return run_inline(q, fn, obj, op, off, data, len);
		}
		memcpy(job->copy, data, len);
		job->data = job->copy;
	}

	pthread_mutex_lock(&q->lock);
	/* A full lane holds the reader back: the lag stays bounded. */
	while (job->weight && l->backlog &&
	       l->backlog + job->weight > q->max_backlog && !q->err)
		pthread_cond_wait(&q->done, &q->lock);
	l->backlog += job->weight;
	if (l->tail)
		l->tail->next = job;
	else
		l->head = job;
	l->tail = job;
	pthread_cond_signal(&l->work);
	err = q->err;
	pthread_mutex_unlock(&q->lock);
	return err ? ps_fail(-err) : 0;
}

bool ps_lanes_stopping(struct ps_lanes *q)
{
	bool stopping;

	pthread_mutex_lock(&q->lock);
	stopping = q->stop || q->err;
	pthread_mutex_unlock(&q->lock);
	return stopping;
}

int ps_lanes_wait(struct ps_lanes *q)
{
	int err;

	pthread_mutex_lock(&q->lock);
	wait_idle(q);
	err = q->err;
	pthread_mutex_unlock(&q->lock);
	return err ? ps_fail(-err) : 0;
}
