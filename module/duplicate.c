// SPDX-License-Identifier: GPL-2.0
/*
 * The duplication, run by one thread of the target in its own context on its
 * way back to user mode (the paper's "method 2": a copy made from another
 * context on a multi-core machine would copy a process that is still
 * running).
 *
 * A multi-threaded target is copied only when none of its threads can
 * execute a user instruction: each other thread is either parked in our
 * callback, or off CPU inside the kernel with our work pending, so it would
 * park before reaching user mode.  A thread blocked in a long system call is
 * therefore no obstacle, and is recorded as of its kernel entry.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bsearch.h>
#include <linux/delay.h>
#include <linux/elf.h>
#include <linux/jiffies.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/regset.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/time_namespace.h>
#include <linux/timekeeping.h>

#include <procsnap.h>

#include "compat.h"
#include "procsnap.h"
#include "symbols.h"

/* Copies thrown away because a thread was born or died during the copy. */
#define PROCSNAP_MAX_RETRIES	3

unsigned int procsnap_quiesce_timeout_ms = 2000;

void procsnap_free_rec(struct procsnap_thread_rec *rec)
{
	put_pid(rec->tid);
	rec->tid = NULL;
	kvfree(rec->xstate);
	rec->xstate = NULL;
}

/*
 * What /proc/PID/task/TID says of the thread besides its registers: the
 * clone cannot tell (it has its own, and the requester's credentials).
 * A quiesced thread changes none of it itself; another process may still
 * rename or re-prioritise it, which the locks order against.
 */
static void record_thread_meta(struct procsnap_thread_rec *rec,
			       struct task_struct *t)
{
	struct sighand_struct *sighand;
	unsigned long irqflags;

	get_task_comm(rec->comm, t);
	/* Unlocked, as /proc/PID/stat reads them. */
	rec->sched_policy = t->policy;
	if (t->sched_reset_on_fork)
		rec->sched_policy |= SCHED_RESET_ON_FORK;
	rec->rt_priority = t->rt_priority;
	rec->nice = task_nice(t);
	/*
	 * A thread shares current's sighand (which only current's own exec
	 * replaces) until it is released; then it is NULL, and the death
	 * restarts the copy (threads_changed()).
	 */
	sighand = rcu_dereference_protected(current->sighand, 1);
	spin_lock_irqsave(&sighand->siglock, irqflags);
	if (rcu_access_pointer(t->sighand))
		rec->sigblocked = t->blocked.sig[0];
	spin_unlock_irqrestore(&sighand->siglock, irqflags);
#ifdef CONFIG_SECCOMP
	rec->seccomp_mode = t->seccomp.mode;
#endif
}

/**
 * procsnap_record_thread - record a quiesced thread's user registers
 * @rec: where to
 * @t: current, or a thread of current's process that is off CPU in the
 *     kernel and cannot return to user mode without parking first
 * @flags: PROCSNAP_THREAD_*
 *
 * The regsets are what ptrace and core dumps use, so the result is in the
 * layout of the NT_PRSTATUS and NT_X86_XSTATE notes.
 */
void procsnap_record_thread(struct procsnap_thread_rec *rec,
			    struct task_struct *t, u32 flags)
{
	const struct user_regset_view *view = task_user_regset_view(t);
	unsigned int i;
	void *data;
	int got;

	rec->tid = get_task_pid(t, PIDTYPE_PID);
	rec->flags = flags;
	record_thread_meta(rec, t);
	for (i = 0; i < view->n; i++) {
		const struct user_regset *rs = &view->regsets[i];
		unsigned int size = rs->n * rs->size;

		if (rs->core_note_type == NT_PRSTATUS &&
		    size == sizeof(rec->regs)) {
			got = regset_get(t, rs, size, &rec->regs);
			rec->have_regs = got == size;
		} else if (rs->core_note_type == NT_X86_XSTATE && !rec->xstate) {
			/*
			 * Not regset_get_alloc(): its buffer may come from
			 * vmalloc (AMX makes XSTATE bigger than a page) and
			 * is not charged to the requester.
			 */
			data = kvmalloc(size, GFP_KERNEL_ACCOUNT);
			if (!data)
				continue;
			got = regset_get(t, rs, size, data);
			if (got <= 0) {
				kvfree(data);
				continue;
			}
			rec->xstate = data;
			rec->xstate_size = got;
		}
	}
}

enum quiet {
	ALL_QUIET,	/* no other thread can run user code */
	NOT_YET,	/* a thread is on CPU on its way to us */
	MISSING,	/* a thread has no work queued (born after the request) */
};

/*
 * Seen quiet once, a thread stays harmless until the duplication ends: it
 * is parked, or it is in the kernel with our work pending, which it runs
 * before it can return to user mode.  So each poll resumes at the first
 * thread not yet seen quiet (@from, a reference held) and the polls of one
 * quiesce() add up to about one walk of the threads; a walk from the start
 * on every poll kept procsnap_lock held for the whole wait, seconds at
 * 10,000 threads, and took a CPU from the threads it waited for.
 */
static enum quiet threads_quiet(struct procsnap_request *req,
				struct task_struct **from,
				struct task_struct **missing)
{
	struct list_head *threads = &current->signal->thread_head;
	struct task_struct *t, *old = NULL;
	unsigned int steps = 0;
	enum quiet q = ALL_QUIET;
	struct procsnap_work *w;

	rcu_read_lock();
	t = *from;
	/* Unhashed since (as next_tid() in fs/proc knows): start over. */
	if (!t || !pid_alive(t))
		t = list_entry_rcu(threads->next, struct task_struct,
				   thread_node);
	procsnap_take_lock();
	list_for_each_entry_from_rcu(t, threads, thread_node) {
		procsnap_relax_lock(&steps);
		if (t == current || procsnap_thread_ignored(t))
			continue;
		w = procsnap_work_of(req, t);
		if (!w) {
			*missing = get_task_struct(t);
			q = MISSING;
			break;
		}
		if (w->status == PROCSNAP_WORK_PARKED)
			continue;
		/*
		 * Off CPU means inside the kernel: a task is only ever
		 * switched out there, and it rechecks its work flags before
		 * returning to user mode.
		 */
		if (w->status == PROCSNAP_WORK_QUEUED && !READ_ONCE(t->on_cpu))
			continue;
		q = NOT_YET;
		break;
	}
	procsnap_drop_lock();
	if (q != ALL_QUIET && t != *from) {
		old = *from;
		*from = get_task_struct(t);
	}
	rcu_read_unlock();
	if (old)
		put_task_struct(old);
	return q;
}

static int quiesce(struct procsnap_request *req)
{
	struct task_struct *from = NULL, *missing;
	unsigned long deadline;
	enum quiet q;
	int ret;

	/*
	 * Every thread must get a CPU once to come to us: the allowance is
	 * per thousand threads, so 10,000 threads on two CPUs fit too.
	 */
	deadline = jiffies + msecs_to_jiffies(procsnap_quiesce_timeout_ms) *
		   max(1, get_nr_threads(current) / 1000);
	for (;;) {
		missing = NULL;
		q = threads_quiet(req, &from, &missing);
		if (q == ALL_QUIET) {
			ret = 0;
			break;
		}
		if (missing) {
			/* -ESRCH: it is exiting and will not run user code. */
			procsnap_queue_work(req, missing, false);
			put_task_struct(missing);
		}
		ret = -ECANCELED;
		if (READ_ONCE(req->cancel))
			break;
		/* Dying, or killed by an exec in another thread. */
		ret = -EINTR;
		if (fatal_signal_pending(current))
			break;
		ret = -ETIME;
		if (time_after(jiffies, deadline))
			break;
		if (q == NOT_YET)
			usleep_range(20, 60);
	}
	if (from)
		put_task_struct(from);
	return ret;
}

/*
 * The target's threads at the instant.  @others are the ones recorded, in
 * the order of the thread list, each with its work; @seen is every thread
 * then present but current and io_uring workers (recorded or already
 * exiting), sorted, so that threads_changed() can tell a thread that
 * appeared since; @exits is the sequence of the signal struct's
 * stats_lock, which every thread that leaves the list writes.
 */
struct other_thread {
	struct task_struct *task;	/* reference held */
	struct procsnap_work *work;	/* reference held */
};

struct instant {
	struct other_thread *others;
	unsigned int nr_others;
	struct task_struct **seen;	/* references held */
	unsigned int nr_seen;
	unsigned int exits;
};

static int cmp_task(const void *a, const void *b)
{
	const struct task_struct *x = *(struct task_struct * const *)a;
	const struct task_struct *y = *(struct task_struct * const *)b;

	return x < y ? -1 : x > y;
}

static void instant_release(struct instant *in)
{
	unsigned int i;

	for (i = 0; i < in->nr_others; i++) {
		procsnap_work_put(in->others[i].work);
		put_task_struct(in->others[i].task);
	}
	for (i = 0; i < in->nr_seen; i++)
		put_task_struct(in->seen[i]);
	kvfree(in->others);
	kvfree(in->seen);
	memset(in, 0, sizeof(*in));
}

/*
 * Take the instant's roll of threads; all but current are quiesced.  A
 * thread without a work (born since quiesce() looked) is left out of both
 * lists: it may have run user code, and threads_changed() throws the copy
 * away for it.
 */
static int instant_collect(struct procsnap_request *req, struct instant *in)
{
	struct procsnap_work *w;
	struct task_struct *t;
	unsigned int n, steps = 0;

	memset(in, 0, sizeof(*in));
	in->exits = read_seqbegin(&current->signal->stats_lock);
	n = get_nr_threads(current) + 1;
	in->others = kvcalloc(n, sizeof(*in->others), GFP_KERNEL);
	in->seen = kvcalloc(n, sizeof(*in->seen), GFP_KERNEL);
	if (!in->others || !in->seen) {
		instant_release(in);
		return -ENOMEM;
	}
	rcu_read_lock();
	procsnap_take_lock();
	for_each_thread(current, t) {
		procsnap_relax_lock(&steps);
		if (t == current || (t->flags & PF_IO_WORKER) ||
		    in->nr_seen == n)
			continue;
		if (!(t->flags & PF_EXITING)) {
			w = procsnap_work_of(req, t);
			if (!w || !kref_get_unless_zero(&w->ref))
				continue;
			in->others[in->nr_others].task = get_task_struct(t);
			in->others[in->nr_others].work = w;
			in->nr_others++;
		}
		in->seen[in->nr_seen++] = get_task_struct(t);
	}
	procsnap_drop_lock();
	rcu_read_unlock();
	sort(in->seen, in->nr_seen, sizeof(*in->seen), cmp_task, NULL);
	return 0;
}

/*
 * A thread was born, or a recorded one began to exit, during the copy: the
 * copy may not be one instant (a newcomer ran user code; an exiting thread
 * clears its CLONE_CHILD_CLEARTID word).  A thread born and gone already
 * shows in the stats_lock sequence; one still in the list, exiting or not,
 * is not in @in->seen.
 */
static bool threads_changed(struct instant *in)
{
	bool changed = read_seqretry(&current->signal->stats_lock, in->exits);
	struct task_struct *t;
	unsigned int i;

	for (i = 0; i < in->nr_others && !changed; i++)
		changed = READ_ONCE(in->others[i].task->flags) & PF_EXITING;
	rcu_read_lock();
	for_each_thread(current, t) {
		if (changed)
			break;
		if (t == current || (READ_ONCE(t->flags) & PF_IO_WORKER))
			continue;
		changed = !bsearch(&t, in->seen, in->nr_seen,
				   sizeof(*in->seen), cmp_task);
	}
	rcu_read_unlock();
	return changed;
}

static struct procsnap_snapshot *build_snapshot(struct procsnap_request *req,
						struct instant *in)
{
	struct procsnap_snapshot *snap;
	struct other_thread *o;
	struct procsnap_thread_rec *rec;
	unsigned int i;
	int ret;

	snap = procsnap_snapshot_alloc(current, in->nr_others + 1);
	if (!snap)
		return ERR_PTR(-ENOMEM);
	snap->requested_realtime_ns = req->requested_realtime_ns;
	snap->requested_boottime_ns = req->requested_boottime_ns;
	snap->requester_uid = req->requester_uid;
	snap->cred = get_cred(req->cred);
	/* Credentials never change in place: a reference is the instant. */
	snap->target_cred = get_current_cred();
	/* AppArmor has no label for a cred, only for current's. */
	procsnap_current_secid(&snap->target_secid);
	snap->memcg = req->memcg;
#ifdef CONFIG_MEMCG
	/* For the clone, which names the recorded paths after the instant. */
	if (snap->memcg)
		css_get(&snap->memcg->css);
#endif
	snap->files_ns = ktime_get_ns();
	ret = procsnap_record_files(snap);
	snap->files_ns = ktime_get_ns() - snap->files_ns;
	if (ret) {
		procsnap_snapshot_put(snap);
		return ERR_PTR(ret);
	}
	procsnap_record_thread(&snap->threads[0], current,
			       PROCSNAP_THREAD_DUPLICATED);
	for (i = 0; i < in->nr_others; i++) {
		o = &in->others[i];
		rec = &snap->threads[i + 1];
		procsnap_take_lock();
		if (o->work->status == PROCSNAP_WORK_PARKED) {
			/* It recorded itself; the record moves to us. */
			*rec = o->work->rec;
			memset(&o->work->rec, 0, sizeof(*rec));
		}
		procsnap_drop_lock();
		if (rec->tid)
			continue;
		/*
		 * Its registers live on its stack, which a thread that exits
		 * meanwhile frees; such a copy is thrown away anyway
		 * (threads_changed()), so it is only named.
		 */
		if (try_get_task_stack(o->task)) {
			procsnap_record_thread(rec, o->task,
					       PROCSNAP_THREAD_IN_KERNEL);
			procsnap_syms.put_task_stack(o->task);
		} else {
			rec->tid = get_task_pid(o->task, PIDTYPE_PID);
			rec->flags = PROCSNAP_THREAD_IN_KERNEL;
		}
	}
	return snap;
}

/*
 * What the clone would get wrong, checked with every thread held.  -EXDEV:
 * the thread's next child enters a new pid namespace (the clone would be
 * its pid 1, and its reaper) or a new time namespace (whose offsets the
 * clone would freeze).  -EOPNOTSUPP: a userfaultfd is registered, whose
 * monitor might get a fork event (its features are private to fs/, so any
 * registration refuses).  -EPERM: the target has exec'd something the
 * requester may not ptrace.  *@nr_hidden: mappings the fork would leave
 * out, which the copy recovers (hidden.c).
 */
static int check_copyable(struct procsnap_request *req,
			  unsigned int *nr_hidden)
{
	struct mm_struct *mm = current->mm;
	struct nsproxy *ns = current->nsproxy;
	struct vm_area_struct *vma;
	int ret = 0;

	*nr_hidden = 0;

	if (ns->pid_ns_for_children != task_active_pid_ns(current))
		return -EXDEV;
#ifdef CONFIG_TIME_NS
	if (ns->time_ns_for_children != ns->time_ns)
		return -EXDEV;
#endif
	if (mm != req->mm && !procsnap_requester_may_still(req))
		return -EPERM;
	/* find_vma() rather than a VMA iterator: the same on 5.10 and 6.x. */
	mmap_read_lock(mm);
	for (vma = find_vma(mm, 0); vma; vma = find_vma(mm, vma->vm_end)) {
#ifdef CONFIG_USERFAULTFD
		if (vma->vm_userfaultfd_ctx.ctx) {
			ret = -EOPNOTSUPP;
			break;
		}
#endif
		*nr_hidden += procsnap_vma_hidden(vma);
	}
	mmap_read_unlock(mm);
	return ret;
}

/*
 * Right before the fork, so that the copies and the page tables are one
 * instant as far as the target's threads can tell: none of them runs until
 * both are made.  Charged to the requester, whose memcg is active.
 */
static int freeze(struct procsnap_request *req,
		  struct procsnap_snapshot *snap)
{
	u64 start;
	int ret;

	if (!(req->flags & PROCSNAP_REQUEST_FREEZE_SHARED))
		return 0;
	start = ktime_get_ns();
	ret = procsnap_freeze_shared(snap, req->freeze_limit);
	snap->freeze_ns = ktime_get_ns() - start;
	return ret;
}

/*
 * fork() gave way to a job stop, a ptrace stop or a freezer, or an exec in
 * another thread is killing this one: the target is alive, so the
 * duplication starts over rather than report it gone.
 */
static bool must_start_over(struct procsnap_request *req, int ret)
{
	if (ret != -ERESTARTNOINTR && ret != -EINTR && ret != -ESRCH)
		return false;
	if (READ_ONCE(req->cancel))
		return false;
	return !(current->signal->flags & SIGNAL_GROUP_EXIT);
}

/**
 * procsnap_duplicate - make the snapshot; runs in the target's context
 * @req: the request, in state DUPLICATING with current as its duplicator
 *
 * Ends the request: done with the snapshot, or failed; or, when the target
 * must take a stop first, puts it back to requested (procsnap_request_retry).
 * Parked threads are released in every case.
 */
void procsnap_duplicate(struct procsnap_request *req)
{
	struct procsnap_snapshot *snap = NULL;
	struct mem_cgroup *old_memcg;
	struct instant in;
	unsigned int tries;
	u64 quiesced_ns, checked_ns, recorded_ns;
	unsigned int nr_hidden;
	bool changed;
	pid_t nr;
	int ret;

	req->entered_ns = ktime_get_ns();
	for (tries = 0; ; tries++) {
		ret = quiesce(req);
		if (ret)
			goto fail;
		quiesced_ns = ktime_get_ns();
		ret = check_copyable(req, &nr_hidden);
		if (ret)
			goto fail;
		checked_ns = ktime_get_ns();
		ret = instant_collect(req, &in);
		if (ret)
			goto fail;
		old_memcg = procsnap_set_active_memcg(req->memcg);
		snap = build_snapshot(req, &in);
		recorded_ns = ktime_get_ns();
		ret = IS_ERR(snap) ? PTR_ERR(snap) : freeze(req, snap);
		procsnap_set_active_memcg(old_memcg);
		if (ret) {
			if (!IS_ERR(snap))
				procsnap_snapshot_put(snap);
			instant_release(&in);
			goto fail;
		}
		snap->nr_recovered = nr_hidden;
		nr = procsnap_snapshot_spawn(snap);
		changed = nr >= 0 && threads_changed(&in);
		instant_release(&in);
		if (nr < 0) {
			ret = nr;
			procsnap_snapshot_put(snap);
			goto fail;
		}
		if (!changed)
			break;
		procsnap_snapshot_delete(snap);
		procsnap_snapshot_put(snap);
		if (tries == PROCSNAP_MAX_RETRIES) {
			ret = -EAGAIN;
			goto fail;
		}
	}

	snap->quiesce_ns = quiesced_ns - req->entered_ns;
	snap->check_ns = checked_ns - quiesced_ns;
	snap->record_ns = recorded_ns - checked_ns;
	snap->pause_ns = ktime_get_ns() - req->entered_ns;
	if (!procsnap_snapshot_publish(snap, req->owner)) {
		/* Killed before anyone could see it. */
		procsnap_snapshot_put(snap);
		ret = -ESRCH;
		goto fail;
	}
	procsnap_request_finish(req, PROCSNAP_STATE_DONE, 0, snap);
	return;

fail:
	if (must_start_over(req, ret)) {
		procsnap_request_retry(req);
		return;
	}
	/*
	 * A dying target makes fork() fail in many ways (EINTR, a memory
	 * charge refused to a task being killed: ENOMEM): it is gone.
	 */
	if (ret == -ERESTARTNOINTR || ret == -EINTR ||
	    (ret != -ECANCELED &&
	     (current->signal->flags & SIGNAL_GROUP_EXIT)))
		ret = -ESRCH;
	procsnap_request_finish(req, PROCSNAP_STATE_FAILED, -ret, NULL);
}
