// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot requests: the per-target state of the paper (idle, requested,
 * duplicating, done, failed) in a hashtable keyed by the target's process
 * id, and the task works that make the target's threads come to us, in a
 * hashtable keyed by thread so that a duplication over thousands of threads
 * stays linear.
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
 * by the callback when it finishes, or by whoever cancels the entry.  A work
 * is added to the lists and to the thread's task_works under procsnap_lock,
 * and never once the request is over: a thread counts as held only when its
 * work is really queued, and cancelling needs a single pass.
 *
 * The result of a finished request is delivered once: the first STATE or
 * WAIT that reports it drops the request from the table (the snapshot stays
 * listed).  A request whose target has exited is dropped at the next
 * request; one that failed because its target is dying, at once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/memcontrol.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include <procsnap.h>

#include "procsnap.h"
#include "symbols.h"

DEFINE_SPINLOCK(procsnap_lock);
u64 procsnap_lock_since;
u64 procsnap_max_hold_ns;
unsigned long procsnap_max_hold_ip;
atomic_t procsnap_nr_requests = ATOMIC_INIT(0);
atomic_t procsnap_nr_works = ATOMIC_INIT(0);
DECLARE_WAIT_QUEUE_HEAD(procsnap_works_idle);
struct workqueue_struct *procsnap_wq;
unsigned int procsnap_max_snapshots_per_user = 64;

/* Requests by the target's struct pid (PIDTYPE_TGID); procsnap_lock. */
static DEFINE_HASHTABLE(procsnap_requests, 6);
/* Works by thread, of every request; procsnap_lock. */
static DEFINE_HASHTABLE(procsnap_works, 12);

/*
 * How long a duplication that had to give way to a job-control stop or a
 * freezer waits before queueing its works again.
 */
#define PROCSNAP_RETRY_DELAY	msecs_to_jiffies(4)
/* How soon the unread result of a target that exited is freed. */
#define PROCSNAP_SWEEP_PERIOD	HZ

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

static struct procsnap_request *request_lookup(struct pid *tgid)
{
	struct procsnap_request *req;

	lockdep_assert_held(&procsnap_lock);
	hash_for_each_possible(procsnap_requests, req, node,
			       (unsigned long)tgid)
		if (req->target_pid == tgid)
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
	put_cred(req->cred);
	mem_cgroup_put(req->memcg);
	if (req->mm)
		mmdrop(req->mm);
	kfree(req);
	atomic_dec(&procsnap_nr_requests);
}

void procsnap_request_put(struct procsnap_request *req)
{
	kref_put(&req->ref, request_release);
}

/* Drops the table's reference if the caller could take it off the table. */
static void request_drop(struct procsnap_request *req)
{
	bool put_table;

	procsnap_take_lock();
	put_table = request_unhash(req);
	procsnap_drop_lock();
	if (put_table)
		procsnap_request_put(req);
}

static struct delayed_work procsnap_sweep;

static void work_free(struct procsnap_work *w)
{
	procsnap_free_rec(&w->rec);
	put_task_struct(w->task);
	procsnap_request_put(w->req);
	kfree(w);
	if (atomic_dec_and_test(&procsnap_nr_works))
		wake_up_all(&procsnap_works_idle);
}

static void work_release(struct kref *kref)
{
	struct procsnap_work *w = container_of(kref, struct procsnap_work, ref);

	procsnap_take_lock();
	list_del_init(&w->node);
	hash_del(&w->by_task);
	procsnap_drop_lock();
	work_free(w);
}

void procsnap_work_put(struct procsnap_work *w)
{
	kref_put(&w->ref, work_release);
}

/**
 * procsnap_work_of - the live work of @req on thread @t, if any
 * @req: the request
 * @t: a thread
 */
struct procsnap_work *procsnap_work_of(struct procsnap_request *req,
				       struct task_struct *t)
{
	struct procsnap_work *w;

	lockdep_assert_held(&procsnap_lock);
	hash_for_each_possible(procsnap_works, w, by_task, (unsigned long)t)
		if (w->task == t && w->req == req &&
		    w->status != PROCSNAP_WORK_FINISHED)
			return w;
	return NULL;
}

static void work_set_status(struct procsnap_work *w,
			    enum procsnap_work_status status)
{
	procsnap_take_lock();
	w->status = status;
	procsnap_drop_lock();
}

/*
 * @generation: the duplication current found in progress; if it has
 * started over since, current goes at once instead of waiting for the next.
 */
static void park(struct procsnap_request *req, struct procsnap_work *w,
		 unsigned int generation)
{
	procsnap_record_thread(&w->rec, current, PROCSNAP_THREAD_PARKED);
	procsnap_take_lock();
	if (req->generation == generation)
		w->status = PROCSNAP_WORK_PARKED;
	procsnap_drop_lock();
	/*
	 * A fatal signal lets us go: an exiting thread runs no user code.  A
	 * duplication that starts over lets us go too, to take a job stop;
	 * we get a new work before we can reach user mode.
	 */
	wait_event_killable(req->park_wq, READ_ONCE(req->released) ||
			    READ_ONCE(req->generation) != generation);
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
	unsigned int generation;

	procsnap_take_lock();
	w->status = PROCSNAP_WORK_RUNNING;
	list_del_init(&w->node);
	generation = req->generation;
	if (current->flags & PF_EXITING) {
		todo = EXITING;
	} else if (req->state == PROCSNAP_STATE_REQUESTED && !req->cancel) {
		req->state = PROCSNAP_STATE_DUPLICATING;
		req->duplicator = current;
		todo = DUPLICATE;
	} else if (req->state == PROCSNAP_STATE_DUPLICATING) {
		todo = req->duplicator == current ? DUPLICATE : PARK;
	}
	procsnap_drop_lock();

	if (todo == EXITING)
		work_exiting(req);
	else if (todo == DUPLICATE)
		procsnap_duplicate(req);
	else if (todo == PARK)
		park(req, w, generation);

	work_set_status(w, PROCSNAP_WORK_FINISHED);
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
 * @resume_only: no TWA_SIGNAL even for PROCSNAP_REQUEST_INTERRUPT: a
 *	duplication that gave way to a stop must not wake the stopped threads
 *
 * Return: 0 (also when @t already has a work of @req), -ESRCH when @t is
 * past running task works, -ECANCELED when @req is over, -ENOMEM.
 */
int procsnap_queue_work(struct procsnap_request *req, struct task_struct *t,
			bool resume_only)
{
	enum task_work_notify_mode notify = TWA_RESUME;
	struct procsnap_work *w;
	int ret = 0;

	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
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
	if ((req->flags & PROCSNAP_REQUEST_INTERRUPT) && !resume_only)
		notify = TWA_SIGNAL;

	procsnap_take_lock();
	if (request_final(req) || req->cancel) {
		ret = -ECANCELED;
	} else if (procsnap_work_of(req, t)) {
		ret = 1;
	} else {
		ret = task_work_add(t, &w->cb, notify);
		if (!ret) {
			list_add_tail(&w->node, &req->works);
			hash_add(procsnap_works, &w->by_task,
				 (unsigned long)t);
		}
	}
	procsnap_drop_lock();
	if (ret)
		work_free(w);
	return ret > 0 ? 0 : ret;
}

/*
 * Take back the works that no thread has started: once a request is over
 * they would only cost their threads a useless callback later.  A work whose
 * callback already started finishes on its own.
 */
static void request_cancel_queued(struct procsnap_request *req)
{
	struct procsnap_work *w, *next;
	unsigned int n;
	LIST_HEAD(batch);

	/*
	 * req->works holds only works not yet started; the request is over,
	 * so nothing joins it.  Taken off in batches: a bounded hold each.
	 */
	do {
		procsnap_take_lock();
		for (n = 0; n < PROCSNAP_LOCK_BATCH && !list_empty(&req->works);
		     n++) {
			w = list_first_entry(&req->works, struct procsnap_work,
					     node);
			list_del_init(&w->node);
			if (w->status == PROCSNAP_WORK_QUEUED &&
			    kref_get_unless_zero(&w->ref))
				list_add_tail(&w->cancel_node, &batch);
		}
		procsnap_drop_lock();

		list_for_each_entry_safe(w, next, &batch, cancel_node) {
			list_del(&w->cancel_node);
			if (procsnap_syms.task_work_cancel_match(w->task,
								 work_match,
								 w)) {
				work_set_status(w, PROCSNAP_WORK_FINISHED);
				procsnap_work_put(w);	/* the entry's */
			}
			procsnap_work_put(w);
		}
	} while (n == PROCSNAP_LOCK_BATCH);
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
	procsnap_take_lock();
	if (request_final(req)) {
		/* Cancelled, or its last thread went, meanwhile. */
		procsnap_drop_lock();
		return;
	}
	WRITE_ONCE(req->state, state);
	req->error = error;
	req->snap = snap;
	req->duplicator = NULL;
	WRITE_ONCE(req->released, true);
	procsnap_drop_lock();
	wake_up_all(&req->wq);
	wake_up_all(&req->park_wq);
	request_cancel_queued(req);
	/* A dying target: nobody can ask for it by pid any more. */
	if (state == PROCSNAP_STATE_FAILED && error == ESRCH)
		request_drop(req);
	else
		queue_delayed_work(procsnap_wq, &procsnap_sweep,
				   PROCSNAP_SWEEP_PERIOD);
}

/*
 * Queue a work on every thread of the target that has none (all of them,
 * for a new request).  Return: 0 when at least one thread has a work.
 */
static int queue_all_threads(struct procsnap_request *req, bool resume_only)
{
	struct task_struct **tasks, *leader, *t;
	unsigned int n, i, nr = 0, queued = 0;
	bool over = false;
	int ret;

	rcu_read_lock();
	leader = pid_task(req->target_pid, PIDTYPE_TGID);
	n = leader ? get_nr_threads(leader) : 0;
	rcu_read_unlock();
	if (!n)
		return -ESRCH;
	tasks = kcalloc(n, sizeof(*tasks), GFP_KERNEL);
	if (!tasks)
		return -ENOMEM;

	/*
	 * Threads born after this walk are found by the duplicating thread,
	 * which does not copy before every thread has a work.
	 */
	rcu_read_lock();
	leader = pid_task(req->target_pid, PIDTYPE_TGID);
	if (leader) {
		for_each_thread(leader, t) {
			if (nr == n)
				break;
			if (!procsnap_thread_ignored(t))
				tasks[nr++] = get_task_struct(t);
		}
	}
	rcu_read_unlock();

	for (i = 0; i < nr; i++) {
		ret = procsnap_queue_work(req, tasks[i], resume_only);
		if (!ret)
			queued++;
		else if (ret == -ECANCELED)
			over = true;
		put_task_struct(tasks[i]);
	}
	kfree(tasks);
	if (over)
		return -ECANCELED;
	return queued ? 0 : -ESRCH;
}

static void request_retry_fn(struct work_struct *work)
{
	struct procsnap_request *req =
		container_of(to_delayed_work(work), struct procsnap_request,
			     retry);

	if (READ_ONCE(req->state) == PROCSNAP_STATE_REQUESTED &&
	    queue_all_threads(req, true) == -ESRCH)
		procsnap_request_finish(req, PROCSNAP_STATE_FAILED, ESRCH,
					NULL);
	procsnap_request_put(req);
}

/**
 * procsnap_request_retry - start a duplication over, a little later
 * @req: the request, DUPLICATING with current as its duplicator
 *
 * For a copy that fork() refused because the target must first take a job
 * stop, a ptrace stop or a freeze (or a thread is exec'ing): the parked
 * threads go, and once the target has taken its stop, every thread without
 * a work gets one again (TWA_RESUME: a stopped thread is not woken), so the
 * first one back on its way to user mode duplicates.  Queueing at once
 * would run the callback again before the stop is taken.
 */
void procsnap_request_retry(struct procsnap_request *req)
{
	procsnap_take_lock();
	if (req->cancel) {
		/* request_cancel() waits for a final state: give it one. */
		procsnap_drop_lock();
		procsnap_request_finish(req, PROCSNAP_STATE_FAILED, ECANCELED,
					NULL);
		return;
	}
	WRITE_ONCE(req->state, PROCSNAP_STATE_REQUESTED);
	req->duplicator = NULL;
	WRITE_ONCE(req->generation, req->generation + 1);
	procsnap_drop_lock();
	wake_up_all(&req->park_wq);
	kref_get(&req->ref);
	if (!queue_delayed_work(procsnap_wq, &req->retry,
				PROCSNAP_RETRY_DELAY))
		procsnap_request_put(req);
}

/**
 * procsnap_requester_may_still - after an exec, may the requester still
 *	ptrace the target (current)?
 * @req: the request
 *
 * The credential part of __ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS)
 * with the requester's credentials: same uids and gids and a dumpable mm,
 * or CAP_SYS_PTRACE.  A setuid exec thus ends an unprivileged request.
 */
bool procsnap_requester_may_still(struct procsnap_request *req)
{
	const struct cred *caller = req->cred, *tcred, *old;
	struct mm_struct *mm = current->mm;
	bool ok;

	tcred = current_real_cred();
	old = override_creds(caller);
	ok = (uid_eq(caller->uid, tcred->euid) &&
	      uid_eq(caller->uid, tcred->suid) &&
	      uid_eq(caller->uid, tcred->uid) &&
	      gid_eq(caller->gid, tcred->egid) &&
	      gid_eq(caller->gid, tcred->sgid) &&
	      gid_eq(caller->gid, tcred->gid)) ||
	     ns_capable_noaudit(tcred->user_ns, CAP_SYS_PTRACE);
	if (ok && mm && get_dumpable(mm) != SUID_DUMP_USER)
		ok = ns_capable_noaudit(mm->user_ns, CAP_SYS_PTRACE);
	revert_creds(old);
	return ok;
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
					      unsigned int flags,
					      u64 freeze_limit)
{
	struct procsnap_request *req;

	req = kzalloc(sizeof(*req), GFP_KERNEL_ACCOUNT);
	if (!req)
		return NULL;
	kref_init(&req->ref);
	req->target_pid = get_task_pid(leader, PIDTYPE_TGID);
	req->flags = flags;
	if (flags & PROCSNAP_REQUEST_FREEZE_SHARED)
		req->freeze_limit = freeze_limit ?:
				    PROCSNAP_FREEZE_DEFAULT_LIMIT;
	if (flags & PROCSNAP_REQUEST_OWNED)
		req->owner = file;
	req->state = PROCSNAP_STATE_REQUESTED;
	req->requested_realtime_ns = ktime_get_real_ns();
	req->requested_boottime_ns = ktime_get_boottime_ns();
	req->requester_uid = current_uid();
	req->cred = get_cred(current_real_cred());
	/* What a snapshot records is charged to whoever asked for it. */
	req->memcg = get_mem_cgroup_from_mm(current->mm);
	/* Only to tell an exec: mmgrab() pins the struct, not the memory. */
	task_lock(leader);
	req->mm = leader->mm;
	if (req->mm)
		mmgrab(req->mm);
	task_unlock(leader);
	INIT_LIST_HEAD(&req->works);
	init_waitqueue_head(&req->wq);
	init_waitqueue_head(&req->park_wq);
	INIT_DELAYED_WORK(&req->retry, request_retry_fn);
	atomic_inc(&procsnap_nr_requests);
	return req;
}

/*
 * Finished requests of targets that have exited: nobody can ask for them
 * by pid any more.  Unhashes them onto @dead for the caller to put.
 */
static void sweep_exited(struct hlist_head *dead)
{
	struct procsnap_request *req;
	struct hlist_node *tmp;
	unsigned int bkt;

	lockdep_assert_held(&procsnap_lock);
	hash_for_each_safe(procsnap_requests, bkt, tmp, req, node) {
		if (request_final(req) &&
		    !pid_has_task(req->target_pid, PIDTYPE_TGID) &&
		    request_unhash(req))
			hlist_add_head(&req->node, dead);
	}
}

static void put_swept(struct hlist_head *dead)
{
	struct procsnap_request *req;
	struct hlist_node *tmp;

	hlist_for_each_entry_safe(req, tmp, dead, node)
		procsnap_request_put(req);
}

/* Some finished request waits to be read: procsnap_lock. */
static bool any_unread(void)
{
	struct procsnap_request *req;
	unsigned int bkt;

	lockdep_assert_held(&procsnap_lock);
	hash_for_each(procsnap_requests, bkt, req, node)
		if (request_final(req))
			return true;
	return false;
}

/*
 * Nothing tells a module that a process has exited, so while unread
 * results exist, a slow sweep frees those whose target has gone.
 */
static void sweep_fn(struct work_struct *work)
{
	HLIST_HEAD(dead);
	bool again;

	procsnap_take_lock();
	sweep_exited(&dead);
	again = any_unread();
	procsnap_drop_lock();
	put_swept(&dead);
	if (again)
		queue_delayed_work(procsnap_wq, to_delayed_work(work),
				   PROCSNAP_SWEEP_PERIOD);
}

static DECLARE_DELAYED_WORK(procsnap_sweep, sweep_fn);

/* Module unload, once no request is left to queue it again. */
void procsnap_requests_sweep_stop(void)
{
	cancel_delayed_work_sync(&procsnap_sweep);
}

/* Requests in flight plus snapshots held for @uid. */
static unsigned int held_by(kuid_t uid)
{
	struct procsnap_request *req;
	unsigned int bkt, n;

	lockdep_assert_held(&procsnap_lock);
	n = procsnap_snapshots_of(uid);
	hash_for_each(procsnap_requests, bkt, req, node)
		if (request_in_flight(req) && uid_eq(req->requester_uid, uid))
			n++;
	return n;
}

/**
 * procsnap_request_start - ask target @nr to duplicate itself
 * @file: the /dev/procsnap file the request comes through
 * @nr: the target, in the caller's pid namespace
 * @flags: PROCSNAP_REQUEST_*
 * @freeze_limit: with PROCSNAP_REQUEST_FREEZE_SHARED; 0 for the default
 *
 * Return: 0 once the request is queued, or a negative errno (see uapi).
 */
int procsnap_request_start(const struct file *file, pid_t nr,
			   unsigned int flags, u64 freeze_limit)
{
	struct procsnap_request *req, *old;
	unsigned int limit = READ_ONCE(procsnap_max_snapshots_per_user);
	struct task_struct *leader;
	HLIST_HEAD(dead);
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
	req = request_alloc(leader, file, flags, freeze_limit);
	put_task_struct(leader);
	if (!req)
		return -ENOMEM;

	procsnap_take_lock();
	sweep_exited(&dead);
	old = request_lookup(req->target_pid);
	if (old && request_in_flight(old)) {
		ret = -EBUSY;
	} else if (limit && held_by(req->requester_uid) >= limit) {
		ret = -EDQUOT;
	} else {
		/* A finished request only kept its result: replace it. */
		if (old)
			put_old = request_unhash(old);
		hash_add(procsnap_requests, &req->node,
			 (unsigned long)req->target_pid);
		req->hashed = true;
		/* Ours while we queue: a CANCEL may take the table's. */
		kref_get(&req->ref);
	}
	procsnap_drop_lock();
	put_swept(&dead);
	if (put_old)
		procsnap_request_put(old);
	if (ret) {
		procsnap_request_put(req);
		return ret;
	}

	ret = queue_all_threads(req, false);
	if (ret == -ECANCELED)		/* cancelled already: not our error */
		ret = 0;
	if (ret) {
		procsnap_request_finish(req, PROCSNAP_STATE_FAILED, -ret, NULL);
		request_drop(req);
	}
	procsnap_request_put(req);
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

	procsnap_take_lock();
	req->cancel = true;
	if (req->state == PROCSNAP_STATE_REQUESTED) {
		WRITE_ONCE(req->state, PROCSNAP_STATE_FAILED);
		req->error = ECANCELED;
		WRITE_ONCE(req->released, true);
	}
	procsnap_drop_lock();
	wake_up_all(&req->wq);
	wake_up_all(&req->park_wq);
	if (cancel_delayed_work_sync(&req->retry))
		procsnap_request_put(req);
	request_cancel_queued(req);

	wait_event(req->wq, request_final(req));

	procsnap_take_lock();
	snap = req->snap;
	req->snap = NULL;
	if (snap) {
		/* Other waiters must not see done without a snapshot. */
		WRITE_ONCE(req->state, PROCSNAP_STATE_FAILED);
		req->error = ECANCELED;
	}
	put_table = request_unhash(req);
	procsnap_drop_lock();
	if (snap) {
		procsnap_snapshot_delete(snap);
		procsnap_snapshot_put(snap);
	}
	if (put_table)
		procsnap_request_put(req);
}

/*
 * The request for the process of @nr, which the caller must have the right
 * to ask for (as for REQUEST) whether or not there is one: -EPERM tells
 * nothing about other users' requests.  NULL with *err 0: no request.
 */
static struct procsnap_request *request_get_by_pid(pid_t nr, int *err)
{
	struct procsnap_request *req;
	struct task_struct *leader;

	*err = procsnap_find_target(nr, &leader);
	if (*err)
		return NULL;
	if (!procsnap_syms.ptrace_may_access(leader,
					     PTRACE_MODE_ATTACH_REALCREDS)) {
		put_task_struct(leader);
		*err = -EPERM;
		return NULL;
	}
	procsnap_take_lock();
	req = request_lookup(task_tgid(leader));
	if (req)
		kref_get(&req->ref);
	procsnap_drop_lock();
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
	procsnap_take_lock();
	in_flight = request_in_flight(req);
	procsnap_drop_lock();
	if (in_flight)
		request_cancel(req);
	procsnap_request_put(req);
	return in_flight ? 0 : -ENOENT;
}

/*
 * The target goes on as soon as its clone exists; the clone leaves the
 * target's session and process group on its own, after.  Done is reported
 * only then, so that a requester that kills the target's process group as
 * soon as its snapshot is done cannot kill the snapshot too.  @wait: wait
 * for it (killable: a fatal signal cancels, as for WAIT's), else false
 * when it has not happened yet.
 */
static bool clone_detached(struct procsnap_request *req, bool wait, int *ret)
{
	struct procsnap_snapshot *snap = NULL;

	*ret = 0;
	procsnap_take_lock();
	if (req->state == PROCSNAP_STATE_DONE && req->snap &&
	    !completion_done(&req->snap->detached)) {
		snap = req->snap;
		kref_get(&snap->ref);
	}
	procsnap_drop_lock();
	if (!snap)
		return true;
	if (wait && wait_for_completion_killable(&snap->detached)) {
		request_cancel(req);
		*ret = -EINTR;
	}
	procsnap_snapshot_put(snap);
	return wait && !*ret;
}

/**
 * procsnap_request_state - report, and with @wait wait for, a request
 * @nr: the target, in the caller's pid namespace
 * @wait: block until done or failed; on timeout or fatal signal, cancel
 * @timeout_ns: with @wait, 0 for no limit
 * @state: out: PROCSNAP_STATE_*
 * @error: out: positive errno when FAILED
 * @clone_pid: out: when DONE, the clone's pid with a reference, else NULL
 *
 * A final state is reported once: the request leaves the table with it.
 */
int procsnap_request_state(pid_t nr, bool wait, u64 timeout_ns,
			   int *state, int *error, struct pid **clone_pid)
{
	struct procsnap_request *req;
	long left = MAX_SCHEDULE_TIMEOUT;
	bool put_table = false;
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

	if (!clone_detached(req, wait, &ret)) {
		/* Still duplicating, as far as the requester can tell. */
		if (!ret)
			*state = PROCSNAP_STATE_DUPLICATING;
		procsnap_request_put(req);
		return ret;
	}

	procsnap_take_lock();
	*state = req->state;
	*error = req->error;
	if (req->snap)
		*clone_pid = get_pid(req->snap->clone_pid);
	if (request_final(req))
		put_table = request_unhash(req);
	procsnap_drop_lock();
	if (put_table)
		procsnap_request_put(req);
	procsnap_request_put(req);
	return 0;
}

/* The next hashed request that @file owns (any, for a NULL @file). */
static struct procsnap_request *next_request_of(const struct file *file)
{
	struct procsnap_request *req;
	unsigned int bkt;

	procsnap_take_lock();
	hash_for_each(procsnap_requests, bkt, req, node) {
		if (!file || req->owner == file) {
			kref_get(&req->ref);
			procsnap_drop_lock();
			return req;
		}
	}
	procsnap_drop_lock();
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

	procsnap_take_lock();
	hash_for_each(procsnap_requests, bkt, req, node) {
		if (req->snap == snap && request_unhash(req)) {
			found = req;
			break;
		}
	}
	procsnap_drop_lock();
	if (found)
		procsnap_request_put(found);
}
