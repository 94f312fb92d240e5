// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot requests: the per-target state of the paper (idle, requested,
 * duplicating, done, failed) in a hashtable keyed by the target's group
 * leader, and the task works that make the target's threads come to us.
 *
 * A request queues a task work on every thread of the target.  Task work is
 * the kernel's own per-task hook: the callback runs in the thread's context
 * on its way back to user mode (TWA_RESUME: after the current system call,
 * or at once through an IPI if the thread is running user code), and costs
 * untargeted processes nothing.  The first thread to run the callback
 * duplicates the process (duplicate.c); the others park until it is done.
 *
 * Every work holds a reference on its request, and one reference of its own
 * stands for its entry in the thread's task_works list; that one is dropped
 * by the callback when it finishes, or by whoever cancels the entry.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include <procsnap.h>

#include "procsnap.h"
#include "symbols.h"

DEFINE_SPINLOCK(procsnap_lock);
atomic_t procsnap_nr_requests = ATOMIC_INIT(0);
atomic_t procsnap_nr_works = ATOMIC_INIT(0);
DECLARE_WAIT_QUEUE_HEAD(procsnap_works_idle);

/* Requests by target group leader; procsnap_lock. */
static DEFINE_HASHTABLE(procsnap_requests, 6);

static bool request_in_flight(const struct procsnap_request *req)
{
	return req->state == PROCSNAP_STATE_REQUESTED ||
	       req->state == PROCSNAP_STATE_DUPLICATING;
}

static bool request_final(struct procsnap_request *req)
{
	int state = READ_ONCE(req->state);

	return state == PROCSNAP_STATE_DONE || state == PROCSNAP_STATE_FAILED;
}

static struct procsnap_request *request_lookup(struct task_struct *leader)
{
	struct procsnap_request *req;

	lockdep_assert_held(&procsnap_lock);
	hash_for_each_possible(procsnap_requests, req, node,
			       (unsigned long)leader)
		if (req->target == leader)
			return req;
	return NULL;
}

/* Returns whether the caller now owns the table's reference. */
static bool request_unhash(struct procsnap_request *req)
{
	lockdep_assert_held(&procsnap_lock);
	if (!req->hashed)
		return false;
	hash_del(&req->node);
	req->hashed = false;
	return true;
}

static void request_release(struct kref *kref)
{
	struct procsnap_request *req =
		container_of(kref, struct procsnap_request, ref);

	WARN_ON_ONCE(!list_empty(&req->works));
	if (req->snap)
		procsnap_snapshot_put(req->snap);
	put_pid(req->target_pid);
	put_task_struct(req->target);
	kfree(req);
	atomic_dec(&procsnap_nr_requests);
}

void procsnap_request_put(struct procsnap_request *req)
{
	kref_put(&req->ref, request_release);
}

static void work_release(struct kref *kref)
{
	struct procsnap_work *w = container_of(kref, struct procsnap_work, ref);

	spin_lock(&procsnap_lock);
	list_del(&w->node);
	spin_unlock(&procsnap_lock);
	procsnap_free_rec(&w->rec);
	put_task_struct(w->task);
	procsnap_request_put(w->req);
	kfree(w);
	if (atomic_dec_and_test(&procsnap_nr_works))
		wake_up_all(&procsnap_works_idle);
}

void procsnap_work_put(struct procsnap_work *w)
{
	kref_put(&w->ref, work_release);
}

static void work_set_status(struct procsnap_work *w,
			    enum procsnap_work_status status)
{
	spin_lock(&procsnap_lock);
	w->status = status;
	spin_unlock(&procsnap_lock);
}

static void park(struct procsnap_request *req, struct procsnap_work *w)
{
	procsnap_record_thread(&w->rec, current, PROCSNAP_THREAD_PARKED);
	work_set_status(w, PROCSNAP_WORK_PARKED);
	wake_up_all(&req->wq);
	/* A fatal signal lets us go: an exiting thread runs no user code. */
	wait_event_killable(req->wq, READ_ONCE(req->released));
}

/*
 * An exiting thread runs its pending task works from do_exit().  When the
 * last thread of the target goes that way, nobody is left to duplicate.
 */
static void work_exiting(struct procsnap_request *req)
{
	bool last = !atomic_read(&current->signal->live);

	if (last && READ_ONCE(req->state) == PROCSNAP_STATE_REQUESTED)
		procsnap_request_finish(req, PROCSNAP_STATE_FAILED, ESRCH,
					NULL);
}

static void procsnap_work_fn(struct callback_head *cb)
{
	struct procsnap_work *w = container_of(cb, struct procsnap_work, cb);
	struct procsnap_request *req = w->req;
	enum { NOTHING, EXITING, DUPLICATE, PARK } todo = NOTHING;

	spin_lock(&procsnap_lock);
	w->status = PROCSNAP_WORK_RUNNING;
	if (current->flags & PF_EXITING) {
		todo = EXITING;
	} else if (req->state == PROCSNAP_STATE_REQUESTED && !req->cancel) {
		req->state = PROCSNAP_STATE_DUPLICATING;
		req->duplicator = current;
		todo = DUPLICATE;
	} else if (req->state == PROCSNAP_STATE_DUPLICATING) {
		todo = req->duplicator == current ? DUPLICATE : PARK;
	}
	spin_unlock(&procsnap_lock);

	if (todo == EXITING)
		work_exiting(req);
	else if (todo == DUPLICATE)
		procsnap_duplicate(req);
	else if (todo == PARK)
		park(req, w);

	work_set_status(w, PROCSNAP_WORK_FINISHED);
	wake_up_all(&req->wq);
	procsnap_work_put(w);
}

static bool work_match(struct callback_head *cb, void *data)
{
	return cb == data;
}

/**
 * procsnap_queue_work - make thread @t come to procsnap before user mode
 * @req: the request
 * @t: a thread of the target
 *
 * Return: 0, or -ESRCH when @t is past running task works, -ENOMEM.
 */
int procsnap_queue_work(struct procsnap_request *req, struct task_struct *t)
{
	enum task_work_notify_mode notify = TWA_RESUME;
	struct procsnap_work *w;
	int ret;

	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	init_task_work(&w->cb, procsnap_work_fn);
	kref_init(&w->ref);
	kref_get(&req->ref);
	w->req = req;
	get_task_struct(t);
	w->task = t;
	w->status = PROCSNAP_WORK_QUEUED;
	atomic_inc(&procsnap_nr_works);

	spin_lock(&procsnap_lock);
	list_add_tail(&w->node, &req->works);
	spin_unlock(&procsnap_lock);

	if (req->flags & PROCSNAP_REQUEST_INTERRUPT)
		notify = TWA_SIGNAL;
	ret = task_work_add(t, &w->cb, notify);
	if (ret) {
		work_set_status(w, PROCSNAP_WORK_FINISHED);
		procsnap_work_put(w);
	}
	return ret;
}

/*
 * Take back the works that no thread has started: once a request is over
 * they would only cost their threads a useless callback later.  A work whose
 * callback already started finishes on its own.
 */
static void request_cancel_queued(struct procsnap_request *req)
{
	struct procsnap_work *w, *found;

	for (;;) {
		found = NULL;
		spin_lock(&procsnap_lock);
		list_for_each_entry(w, &req->works, node) {
			if (w->status == PROCSNAP_WORK_QUEUED &&
			    !w->cancel_tried && kref_get_unless_zero(&w->ref)) {
				w->cancel_tried = true;
				found = w;
				break;
			}
		}
		spin_unlock(&procsnap_lock);
		if (!found)
			return;
		if (procsnap_syms.task_work_cancel_match(found->task,
							 work_match, found)) {
			work_set_status(found, PROCSNAP_WORK_FINISHED);
			procsnap_work_put(found);	/* the entry's */
		}
		procsnap_work_put(found);
	}
}

/**
 * procsnap_request_finish - end a request and release its parked threads
 * @req: the request
 * @state: PROCSNAP_STATE_DONE or PROCSNAP_STATE_FAILED
 * @error: positive errno for FAILED
 * @snap: DONE: the snapshot, whose reference passes to the request
 */
void procsnap_request_finish(struct procsnap_request *req, int state,
			     int error, struct procsnap_snapshot *snap)
{
	spin_lock(&procsnap_lock);
	WRITE_ONCE(req->state, state);
	req->error = error;
	req->snap = snap;
	req->duplicator = NULL;
	WRITE_ONCE(req->released, true);
	spin_unlock(&procsnap_lock);
	wake_up_all(&req->wq);
	request_cancel_queued(req);
}

static int queue_all_threads(struct procsnap_request *req)
{
	struct task_struct **tasks, *t;
	unsigned int n, i, nr = 0, queued = 0;

	n = get_nr_threads(req->target);
	tasks = kcalloc(n, sizeof(*tasks), GFP_KERNEL);
	if (!tasks)
		return -ENOMEM;

	/*
	 * Threads born after this walk are found by the duplicating thread,
	 * which does not copy before every thread has a work.
	 */
	rcu_read_lock();
	for_each_thread(req->target, t) {
		if (nr == n)
			break;
		if (!procsnap_thread_ignored(t))
			tasks[nr++] = get_task_struct(t);
	}
	rcu_read_unlock();

	for (i = 0; i < nr; i++) {
		if (!procsnap_queue_work(req, tasks[i]))
			queued++;
		put_task_struct(tasks[i]);
	}
	kfree(tasks);
	return queued ? 0 : -ESRCH;
}

/**
 * procsnap_find_target - the process a pid of the caller's namespace names
 * @nr: pid or thread id
 * @leaderp: out: its thread group leader, with a reference
 */
int procsnap_find_target(pid_t nr, struct task_struct **leaderp)
{
	struct task_struct *task, *leader = NULL;

	if (nr <= 0)
		return -ESRCH;
	rcu_read_lock();
	task = pid_task(find_vpid(nr), PIDTYPE_PID);
	if (task) {
		leader = task->group_leader;
		get_task_struct(leader);
	}
	rcu_read_unlock();
	if (!leader)
		return -ESRCH;
	*leaderp = leader;
	return 0;
}

static int check_target(struct task_struct *leader)
{
	if (leader->flags & PF_KTHREAD)
		return -EINVAL;
	if (same_thread_group(leader, current))
		return -EINVAL;
	if (procsnap_is_clone(leader))
		return -EINVAL;
	/* Registers are recorded in the x86-64 layout only. */
	if (test_tsk_thread_flag(leader, TIF_ADDR32))
		return -EINVAL;
	if ((leader->exit_state && thread_group_empty(leader)) ||
	    (leader->signal->flags & SIGNAL_GROUP_EXIT))
		return -ESRCH;
	if (!procsnap_syms.ptrace_may_access(leader,
					     PTRACE_MODE_ATTACH_REALCREDS))
		return -EPERM;
	return 0;
}

static struct procsnap_request *request_alloc(struct task_struct *leader,
					      const struct file *file,
					      unsigned int flags)
{
	struct procsnap_request *req;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return NULL;
	kref_init(&req->ref);
	req->target = leader;
	req->target_pid = get_task_pid(leader, PIDTYPE_TGID);
	req->flags = flags;
	if (flags & PROCSNAP_REQUEST_OWNED)
		req->owner = file;
	req->state = PROCSNAP_STATE_REQUESTED;
	req->requested_realtime_ns = ktime_get_real_ns();
	req->requested_boottime_ns = ktime_get_boottime_ns();
	req->requester_uid = current_uid();
	INIT_LIST_HEAD(&req->works);
	init_waitqueue_head(&req->wq);
	atomic_inc(&procsnap_nr_requests);
	return req;
}

/**
 * procsnap_request_start - ask target @nr to duplicate itself
 * @file: the /dev/procsnap file the request comes through
 * @nr: the target, in the caller's pid namespace
 * @flags: PROCSNAP_REQUEST_*
 *
 * Return: 0 once the request is queued, or a negative errno (see uapi).
 */
int procsnap_request_start(const struct file *file, pid_t nr,
			   unsigned int flags)
{
	struct procsnap_request *req, *old;
	struct task_struct *leader;
	bool put_old = false;
	int ret;

	ret = procsnap_find_target(nr, &leader);
	if (ret)
		return ret;
	ret = check_target(leader);
	if (ret) {
		put_task_struct(leader);
		return ret;
	}
	req = request_alloc(leader, file, flags);
	if (!req) {
		put_task_struct(leader);
		return -ENOMEM;
	}

	spin_lock(&procsnap_lock);
	old = request_lookup(leader);
	if (old && request_in_flight(old)) {
		spin_unlock(&procsnap_lock);
		procsnap_request_put(req);
		return -EBUSY;
	}
	/* A finished request only kept its result for STATE: replace it. */
	if (old)
		put_old = request_unhash(old);
	hash_add(procsnap_requests, &req->node, (unsigned long)leader);
	req->hashed = true;
	spin_unlock(&procsnap_lock);
	if (put_old)
		procsnap_request_put(old);

	ret = queue_all_threads(req);
	if (ret) {
		procsnap_request_finish(req, PROCSNAP_STATE_FAILED, -ret, NULL);
		spin_lock(&procsnap_lock);
		put_old = request_unhash(req);
		spin_unlock(&procsnap_lock);
		if (put_old)
			procsnap_request_put(req);
	}
	return ret;
}

/*
 * Cancel @req, whatever its state, and drop it from the table: a snapshot
 * it made is deleted.  A duplication in progress stops at its next check or
 * completes; either way this returns with nothing of the request left.
 */
static void request_cancel(struct procsnap_request *req)
{
	struct procsnap_snapshot *snap;
	bool put_table;

	spin_lock(&procsnap_lock);
	req->cancel = true;
	if (req->state == PROCSNAP_STATE_REQUESTED) {
		WRITE_ONCE(req->state, PROCSNAP_STATE_FAILED);
		req->error = ECANCELED;
		WRITE_ONCE(req->released, true);
	}
	spin_unlock(&procsnap_lock);
	wake_up_all(&req->wq);
	request_cancel_queued(req);

	wait_event(req->wq, request_final(req));

	spin_lock(&procsnap_lock);
	snap = req->snap;
	req->snap = NULL;
	put_table = request_unhash(req);
	spin_unlock(&procsnap_lock);
	if (snap) {
		procsnap_snapshot_delete(snap);
		procsnap_snapshot_put(snap);
	}
	if (put_table)
		procsnap_request_put(req);
}

static struct procsnap_request *request_get_by_pid(pid_t nr, int *err)
{
	struct procsnap_request *req;
	struct task_struct *leader;

	*err = procsnap_find_target(nr, &leader);
	if (*err)
		return NULL;
	spin_lock(&procsnap_lock);
	req = request_lookup(leader);
	if (req)
		kref_get(&req->ref);
	spin_unlock(&procsnap_lock);
	put_task_struct(leader);
	return req;
}

int procsnap_request_cancel_pid(pid_t nr)
{
	struct procsnap_request *req;
	bool in_flight;
	int ret;

	req = request_get_by_pid(nr, &ret);
	if (!req)
		return ret ? ret : -ENOENT;
	spin_lock(&procsnap_lock);
	in_flight = request_in_flight(req);
	spin_unlock(&procsnap_lock);
	if (in_flight)
		request_cancel(req);
	procsnap_request_put(req);
	return in_flight ? 0 : -ENOENT;
}

/**
 * procsnap_request_state - report, and with @wait wait for, a request
 * @nr: the target, in the caller's pid namespace
 * @wait: block until done or failed; on timeout or fatal signal, cancel
 * @timeout_ns: with @wait, 0 for no limit
 * @state: out: PROCSNAP_STATE_*
 * @error: out: positive errno when FAILED
 * @clone_pid: out: when DONE, the clone's pid with a reference, else NULL
 */
int procsnap_request_state(pid_t nr, bool wait, u64 timeout_ns,
			   int *state, int *error, struct pid **clone_pid)
{
	struct procsnap_request *req;
	long left = MAX_SCHEDULE_TIMEOUT;
	int ret;

	*state = PROCSNAP_STATE_IDLE;
	*error = 0;
	*clone_pid = NULL;
	req = request_get_by_pid(nr, &ret);
	if (!req) {
		if (!ret && wait)
			ret = -ENOENT;
		return ret;
	}

	if (wait) {
		if (timeout_ns)
			left = max_t(long, 1, nsecs_to_jiffies(timeout_ns));
		left = wait_event_interruptible_timeout(req->wq,
							request_final(req),
							left);
		if (left < 0 && !fatal_signal_pending(current)) {
			/* Stopped, or a handler to run: the request stays. */
			procsnap_request_put(req);
			return -ERESTARTSYS;
		}
		if (left <= 0) {
			request_cancel(req);
			procsnap_request_put(req);
			return left ? -EINTR : -ETIMEDOUT;
		}
	}

	spin_lock(&procsnap_lock);
	*state = req->state;
	*error = req->error;
	if (req->snap)
		*clone_pid = get_pid(req->snap->clone_pid);
	spin_unlock(&procsnap_lock);
	procsnap_request_put(req);
	return 0;
}

/* The next hashed request that @file owns (any, for a NULL @file). */
static struct procsnap_request *next_request_of(const struct file *file)
{
	struct procsnap_request *req;
	unsigned int bkt;

	spin_lock(&procsnap_lock);
	hash_for_each(procsnap_requests, bkt, req, node) {
		if (!file || req->owner == file) {
			kref_get(&req->ref);
			spin_unlock(&procsnap_lock);
			return req;
		}
	}
	spin_unlock(&procsnap_lock);
	return NULL;
}

void procsnap_request_file_closed(const struct file *file)
{
	struct procsnap_request *req;

	while ((req = next_request_of(file))) {
		request_cancel(req);
		procsnap_request_put(req);
	}
}

/* Module unload: cancel everything, deleting what requests made. */
void procsnap_requests_shutdown(void)
{
	procsnap_request_file_closed(NULL);
}

/*
 * A snapshot is gone: the done request that made it no longer has anything
 * to report, so its target is idle again.
 */
void procsnap_request_forget_snapshot(struct procsnap_snapshot *snap)
{
	struct procsnap_request *req, *found = NULL;
	unsigned int bkt;

	spin_lock(&procsnap_lock);
	hash_for_each(procsnap_requests, bkt, req, node) {
		if (req->snap == snap && request_unhash(req)) {
			found = req;
			break;
		}
	}
	spin_unlock(&procsnap_lock);
	if (found)
		procsnap_request_put(found);
}
