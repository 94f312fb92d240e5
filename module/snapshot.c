// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshots: the clone that holds the copied address space, and what was
 * recorded with it.
 *
 * The clone is made by kernel_clone() without CLONE_VM, so page tables are
 * copied and pages shared copy-on-write, started in procsnap_clone_main()
 * instead of user space (procsnap_compat_clone(): kernel_clone_args .fn,
 * or on older kernels the same first frame set up from compat.c).
 * It never returns to user mode: it parks until deleted, then exits.
 *
 * The target must not notice it.  Before the clone first runs, the target's
 * side moves it under kthreadd (which ignores SIGCHLD, so the clone is
 * reaped on exit without anyone being told) and drops the file table it
 * shares with the target (CLONE_FILES spares copying it and taking a
 * reference on every file); the clone is born with every signal but
 * SIGKILL and SIGSTOP blocked.  So the target's threads go on without
 * waiting for the clone to be scheduled, and the clone then leaves the
 * target's session and process group, ignores every signal but SIGKILL,
 * and has a worker move it from the target's cgroups to the root ones
 * (clone_leave_cgroups()), so that freezing or killing the target's cgroup
 * (a service stop) completes and its memory.oom.group cannot pick the
 * clone.
 *
 * The suspect must not touch it: the clone is born with the requester's
 * credentials, so a target of another user can neither signal, ptrace nor
 * write the snapshot, and only the requester (or whoever may ptrace the
 * requester's processes) may read, list and delete it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/oom.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <procsnap.h>

#include "compat.h"
#include "procsnap.h"
#include "symbols.h"

atomic_t procsnap_nr_snapshots = ATOMIC_INIT(0);

/* Published snapshots whose clone has not exited; procsnap_lock. */
static LIST_HEAD(procsnap_snapshots);

/*
 * Moves the clone out of the target's cgroups from a worker, not from the
 * clone itself: the move may wait for an RCU grace period, and a grace
 * period can be held off for as long as a real-time task keeps a CPU (on
 * 6.1 that CPU's softirqs, RCU's among them, then wait for its starved
 * ksoftirqd).  A clone waiting there could not be deleted; a worker waits
 * instead, and a clone deleted meanwhile is not moved.
 */
static void clone_leave_cgroups(struct work_struct *work)
{
	struct procsnap_snapshot *snap =
		container_of(work, struct procsnap_snapshot, leave_cgroups);
	bool dead;

	procsnap_take_lock();
	dead = snap->dead;
	procsnap_drop_lock();
	if (!dead && procsnap_compat_leave_cgroups(snap->clone))
		pr_warn_once("a snapshot stays in its target's cgroups: freezing or killing them waits for its deletion\n");
	procsnap_snapshot_put(snap);
}

struct procsnap_snapshot *procsnap_snapshot_alloc(struct task_struct *target,
						  unsigned int nr_threads)
{
	struct procsnap_snapshot *snap;

	snap = kzalloc(sizeof(*snap), GFP_KERNEL_ACCOUNT);
	if (!snap)
		return NULL;
	snap->threads = kvcalloc(nr_threads, sizeof(*snap->threads),
				 GFP_KERNEL_ACCOUNT);
	if (!snap->threads) {
		kfree(snap);
		return NULL;
	}
	snap->nr_threads = nr_threads;
	kref_init(&snap->ref);
	INIT_LIST_HEAD(&snap->node);
	init_completion(&snap->reparented);
	init_completion(&snap->detached);
	init_completion(&snap->gone);
	INIT_WORK(&snap->leave_cgroups, clone_leave_cgroups);
	get_task_comm(snap->comm, target);
	snap->target_pid = get_task_pid(target, PIDTYPE_TGID);
	atomic_inc(&procsnap_nr_snapshots);
	return snap;
}

static void snapshot_release(struct kref *kref)
{
	struct procsnap_snapshot *snap =
		container_of(kref, struct procsnap_snapshot, ref);
	unsigned int i;

	for (i = 0; i < snap->nr_threads; i++)
		procsnap_free_rec(&snap->threads[i]);
	kvfree(snap->threads);
	procsnap_free_files(snap);
	procsnap_frozen_put(snap->frozen);
	mem_cgroup_put(snap->memcg);
	if (snap->cred)
		put_cred(snap->cred);
	if (snap->target_cred)
		put_cred(snap->target_cred);
	kfree(snap->target_label);
	put_pid(snap->clone_pid);
	put_pid(snap->target_pid);
	if (snap->clone)
		put_task_struct(snap->clone);
	kfree(snap);
	atomic_dec(&procsnap_nr_snapshots);
}

void procsnap_snapshot_put(struct procsnap_snapshot *snap)
{
	kref_put(&snap->ref, snapshot_release);
}

/*
 * In the clone, once the target runs again: out of the target's session
 * and process group, and its tty (only a task can do that to itself), and
 * rid of the signals sent to it meanwhile.  Until then it is born with
 * every signal but SIGKILL and SIGSTOP blocked (the target's mask during the
 * copy), so a signal to the group can only stop or kill the snapshot, never
 * reach the target or run a handler.
 */
static void clone_detach(void)
{
	int sig;

	procsnap_syms.ksys_setsid();
	for (sig = 1; sig <= _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			kernel_sigaction(sig, SIG_IGN);
}

/* Leaves the list and drops the clone's references; called by the clone. */
static void clone_gone(struct procsnap_snapshot *snap)
{
	bool listed;

	procsnap_take_lock();
	listed = !list_empty(&snap->node);
	list_del_init(&snap->node);
	snap->dead = true;
	procsnap_drop_lock();
	/* Before the memory goes: no file may read the frozen parts live. */
	procsnap_frozen_drop_pages(snap->frozen);
	complete_all(&snap->gone);
	procsnap_request_forget_snapshot(snap);
	if (listed)
		procsnap_snapshot_put(snap);
	procsnap_snapshot_put(snap);
}

static int procsnap_clone_main(void *arg)
{
	struct procsnap_snapshot *snap = arg;

	/* Until moved under kthreadd, dying would signal the target. */
	wait_for_completion(&snap->reparented);
	/* Not in the pause: the target may run again from here on. */
	if (!READ_ONCE(snap->abort)) {
		clone_detach();
		procsnap_describe_files(snap);
		procsnap_describe_label(snap);
	}
	complete_all(&snap->detached);
	if (!READ_ONCE(snap->abort)) {
		kref_get(&snap->ref);
		queue_work(procsnap_wq, &snap->leave_cgroups);
	}

	for (;;) {
		/* Killable, not in the load average, no obstacle to suspend. */
		set_current_state(TASK_KILLABLE | TASK_NOLOAD |
				  PROCSNAP_TASK_FREEZABLE);
		if (fatal_signal_pending(current) || READ_ONCE(snap->abort))
			break;
		procsnap_freezable_schedule();
	}
	__set_current_state(TASK_RUNNING);
	clone_gone(snap);
	procsnap_syms.do_exit(0);
	/* Not reached; 5.10's build does not see __noreturn on the pointer. */
	return 0;
}

static void reparent_to_kthreadd(struct task_struct *clone)
{
	struct task_struct *kthreadd = *procsnap_syms.kthreadd_task;

	write_lock_irq(procsnap_syms.tasklist_lock);
	if (rcu_access_pointer(clone->parent) ==
	    rcu_access_pointer(clone->real_parent))
		rcu_assign_pointer(clone->parent, kthreadd);
	rcu_assign_pointer(clone->real_parent, kthreadd);
	list_move_tail(&clone->sibling, &kthreadd->children);
	write_unlock_irq(procsnap_syms.tasklist_lock);
}

/*
 * Before the clone first runs (it waits for snap->reparented), from the
 * target's side: what keeps it from touching the target once the target
 * runs again, without waiting for the clone to be scheduled.
 */
static void clone_prepare(struct procsnap_snapshot *snap,
			  struct task_struct *clone)
{
	char comm[TASK_COMM_LEN];

	reparent_to_kthreadd(clone);
	/* Drops its reference on the shared table; closes nothing. */
	procsnap_syms.exit_files(clone);
	/* Copy-on-write can make it grow: it goes first, never the target. */
	WRITE_ONCE(clone->signal->oom_score_adj, OOM_SCORE_ADJ_MAX);
	snprintf(comm, sizeof(comm), "procsnap/%d", pid_vnr(snap->target_pid));
	procsnap_syms.__set_task_comm(clone, comm, false);
	/*
	 * A real-time target's policy is inherited: a parked clone needs
	 * none, and must not compete with the target to detach.
	 */
	sched_set_normal(clone, 0);
	/*
	 * Nor its CPUs: a real-time target pinned to a CPU it never gives
	 * up (isolated, or with the real-time throttling off) would starve
	 * its clone there, and done, a delete, rmmod would wait for it
	 * forever.  Queued but not running, the clone moves at once.
	 */
	if (set_cpus_allowed_ptr(clone, procsnap_balanced_cpus()))
		pr_warn_once("a snapshot stays on its target's CPUs\n");
}

/**
 * procsnap_snapshot_spawn - create the clone; runs in the target's context
 * @snap: the snapshot, its thread records filled in
 *
 * Return: the clone's pid (in current's namespace), or a negative errno.
 * The clone is then out of the target's reach: the requester's, under
 * kthreadd, without the target's files; it leaves the target's session
 * and cgroups on its own, after the target runs again.
 */
pid_t procsnap_snapshot_spawn(struct procsnap_snapshot *snap)
{
	struct kernel_clone_args args = {
		.flags = CLONE_UNTRACED | CLONE_FILES,
		.exit_signal = SIGCHLD,
	};
	struct procsnap_hidden hidden = { 0 };
	const struct cred *old_cred;
	struct task_struct *clone;
	sigset_t all, old;
	u64 copied_ns;
	pid_t nr;

	snap->created_realtime_ns = ktime_get_real_ns();
	snap->created_boottime_ns = ktime_get_boottime_ns();
	snap->copy_ns = ktime_get_ns();
	/* The check saw mappings a fork leaves out: this one copies them. */
	if (snap->nr_recovered) {
		nr = procsnap_unhide(current->mm, &hidden);
		if (nr)
			return nr;
	}
	kref_get(&snap->ref);			/* the clone's */

	/*
	 * fork() restarts when a signal is pending, so that a signal to the
	 * process group reaches the child too.  Ours leaves the group and
	 * never runs user code: hold the target's signals during the copy,
	 * they are delivered right after, before it returns to user mode.
	 */
	siginitsetinv(&all, sigmask(SIGKILL) | sigmask(SIGSTOP));
	sigprocmask(SIG_SETMASK, &all, &old);
	/*
	 * fork() gives the child a copy of current's subjective credentials
	 * (copy_creds()): the clone is the requester's from birth, never
	 * the target's, even for an instant.
	 */
	old_cred = override_creds(snap->cred);
	nr = procsnap_compat_clone(&args, procsnap_clone_main, snap);
	revert_creds(old_cred);
	sigprocmask(SIG_SETMASK, &old, NULL);
	procsnap_rehide(current->mm, &hidden);
	copied_ns = ktime_get_ns();
	snap->copy_ns = copied_ns - snap->copy_ns;
	snap->nr_recovered = hidden.nr;
	if (nr < 0) {
		procsnap_hidden_free(&hidden);
		/*
		 * -ERESTARTNOINTR: a stop, a freeze or a fatal signal is
		 * pending; the caller tells which.
		 */
		procsnap_snapshot_put(snap);
		return nr;
	}

	rcu_read_lock();
	clone = pid_task(find_vpid(nr), PIDTYPE_PID);
	if (clone)
		get_task_struct(clone);
	rcu_read_unlock();
	if (WARN_ON_ONCE(!clone)) {
		procsnap_hidden_free(&hidden);
		WRITE_ONCE(snap->abort, true);
		complete(&snap->reparented);
		return -ESRCH;
	}
	/* Not yet run: its mm is the one the fork made. */
	procsnap_rehide(clone->mm, &hidden);
	procsnap_hidden_free(&hidden);
	snap->clone = clone;
	snap->clone_pid = get_task_pid(clone, PIDTYPE_PID);
	clone_prepare(snap, clone);
	complete(&snap->reparented);
	snap->detach_ns = ktime_get_ns() - copied_ns;
	return nr;
}

/* Returns false when the clone is already gone (killed meanwhile). */
bool procsnap_snapshot_publish(struct procsnap_snapshot *snap,
			       const struct file *owner)
{
	bool alive;

	procsnap_take_lock();
	alive = !snap->dead;
	if (alive) {
		snap->owner = owner;
		kref_get(&snap->ref);		/* the list's */
		list_add_tail(&snap->node, &procsnap_snapshots);
	}
	procsnap_drop_lock();
	return alive;
}

/* Snapshots held for requests of @uid; procsnap_lock. */
unsigned int procsnap_snapshots_of(kuid_t uid)
{
	struct procsnap_snapshot *snap;
	unsigned int n = 0;

	lockdep_assert_held(&procsnap_lock);
	list_for_each_entry(snap, &procsnap_snapshots, node)
		if (uid_eq(snap->requester_uid, uid))
			n++;
	return n;
}

bool procsnap_is_clone(struct task_struct *task)
{
	struct procsnap_snapshot *snap;
	bool found = false;

	procsnap_take_lock();
	list_for_each_entry(snap, &procsnap_snapshots, node) {
		if (snap->clone == task) {
			found = true;
			break;
		}
	}
	procsnap_drop_lock();
	return found;
}

/**
 * procsnap_snapshot_delete - kill the clone and wait until it is gone
 * @snap: a spawned snapshot; the caller holds a reference
 *
 * Returns once the clone has released its address space.
 */
void procsnap_snapshot_delete(struct procsnap_snapshot *snap)
{
	unsigned long deadline;

	procsnap_take_lock();
	snap->deleting = true;
	procsnap_drop_lock();
	send_sig(SIGKILL, snap->clone, 1);
	wait_for_completion(&snap->gone);
	/*
	 * exit_state is set after exit_mm(): the memory is back.  The exit
	 * wakes the pid's pidfd waiters (do_notify_parent()) right after
	 * setting it, so the wait ends as a parent's wait4() would, not at
	 * the next tick: a deletion costs what a child's exit costs.
	 */
	wait_event(snap->clone_pid->wait_pidfd,
		   READ_ONCE(snap->clone->exit_state));
	/*
	 * kthreadd ignores SIGCHLD, so the clone reaps itself right after,
	 * on its way out, without waking anyone: wait for its pid to go
	 * too, so that a caller that looks finds nothing left.  Bounded,
	 * should a tracer ever keep it a zombie.
	 */
	deadline = jiffies + HZ;
	while (pid_has_task(snap->clone_pid, PIDTYPE_PID) &&
	       time_before(jiffies, deadline))
		usleep_range(10, 50);
}

/* A reference to the listed snapshot whose clone is pid @nr, if any. */
struct procsnap_snapshot *procsnap_snapshot_get_by_pid(pid_t nr)
{
	struct procsnap_snapshot *snap, *found = NULL;
	struct pid *pid;

	if (nr <= 0)
		return NULL;
	pid = find_get_pid(nr);
	if (!pid)
		return NULL;
	procsnap_take_lock();
	list_for_each_entry(snap, &procsnap_snapshots, node) {
		if (snap->clone_pid == pid) {
			kref_get(&snap->ref);
			found = snap;
			break;
		}
	}
	procsnap_drop_lock();
	put_pid(pid);
	return found;
}

bool procsnap_may_access(struct procsnap_snapshot *snap, unsigned int mode)
{
	return procsnap_syms.ptrace_may_access(snap->clone, mode);
}

/**
 * procsnap_snapshot_get_readable - the snapshot whose clone is pid @nr, if
 *	the caller may read it as it may read a process's memory
 * @nr: pid in the caller's namespace
 * @snapp: out: with a reference
 *
 * Return: 0, -ENOENT (no such snapshot) or -EPERM.
 */
int procsnap_snapshot_get_readable(pid_t nr, struct procsnap_snapshot **snapp)
{
	struct procsnap_snapshot *snap;

	snap = procsnap_snapshot_get_by_pid(nr);
	if (!snap)
		return -ENOENT;
	if (!procsnap_may_access(snap, PTRACE_MODE_READ_REALCREDS)) {
		procsnap_snapshot_put(snap);
		return -EPERM;
	}
	*snapp = snap;
	return 0;
}

int procsnap_snapshot_delete_pid(pid_t nr, unsigned int *deleted)
{
	struct procsnap_snapshot *snap;
	int ret = 0;

	*deleted = 0;
	snap = procsnap_snapshot_get_by_pid(nr);
	if (!snap)
		return -ENOENT;
	if (procsnap_may_access(snap, PTRACE_MODE_READ_REALCREDS)) {
		procsnap_snapshot_delete(snap);
		*deleted = 1;
	} else {
		ret = -EPERM;
	}
	procsnap_snapshot_put(snap);
	return ret;
}

/*
 * The next listed snapshot, not yet being deleted, that @match accepts;
 * marks it as being deleted.
 */
static struct procsnap_snapshot *
next_to_delete(bool (*match)(struct procsnap_snapshot *, const void *),
	       const void *data)
{
	struct procsnap_snapshot *snap;

	procsnap_take_lock();
	list_for_each_entry(snap, &procsnap_snapshots, node) {
		if (!snap->deleting && match(snap, data)) {
			snap->deleting = true;
			kref_get(&snap->ref);
			procsnap_drop_lock();
			return snap;
		}
	}
	procsnap_drop_lock();
	return NULL;
}

static unsigned int delete_matching(bool (*match)(struct procsnap_snapshot *,
						  const void *),
				    const void *data)
{
	struct procsnap_snapshot *snap;
	unsigned int n = 0;

	while ((snap = next_to_delete(match, data))) {
		procsnap_snapshot_delete(snap);
		procsnap_snapshot_put(snap);
		n++;
	}
	return n;
}

/* Visible in the caller's pid namespace, and the caller may read it. */
static bool deletable_by_caller(struct procsnap_snapshot *snap,
				const void *unused)
{
	return pid_vnr(snap->clone_pid) &&
	       procsnap_may_access(snap, PTRACE_MODE_READ_REALCREDS);
}

int procsnap_snapshot_delete_all(unsigned int *deleted)
{
	*deleted = delete_matching(deletable_by_caller, NULL);
	return 0;
}

static bool owned_by(struct procsnap_snapshot *snap, const void *file)
{
	return snap->owner == file;
}

void procsnap_snapshot_file_closed(const struct file *file)
{
	delete_matching(owned_by, file);
}

static bool any(struct procsnap_snapshot *snap, const void *unused)
{
	return true;
}

void procsnap_snapshots_shutdown(void)
{
	delete_matching(any, NULL);
}

/* References to every listed snapshot; *nrp of them. */
static struct procsnap_snapshot **snapshot_get_all(unsigned int *nrp)
{
	struct procsnap_snapshot **all, *snap;
	unsigned int n = 0, nr = 0;

	procsnap_take_lock();
	list_for_each_entry(snap, &procsnap_snapshots, node)
		n++;
	procsnap_drop_lock();

	all = kcalloc(n + 8, sizeof(*all), GFP_KERNEL);
	if (!all)
		return NULL;
	procsnap_take_lock();
	list_for_each_entry(snap, &procsnap_snapshots, node) {
		if (nr == n + 8)
			break;
		kref_get(&snap->ref);
		all[nr++] = snap;
	}
	procsnap_drop_lock();
	*nrp = nr;
	return all;
}

static void fill_target_creds(const struct cred *c,
			      struct procsnap_snapshot_info *info)
{
	struct user_namespace *ns = current_user_ns();

	info->target_uid[0] = from_kuid_munged(ns, c->uid);
	info->target_uid[1] = from_kuid_munged(ns, c->euid);
	info->target_uid[2] = from_kuid_munged(ns, c->suid);
	info->target_uid[3] = from_kuid_munged(ns, c->fsuid);
	info->target_gid[0] = from_kgid_munged(ns, c->gid);
	info->target_gid[1] = from_kgid_munged(ns, c->egid);
	info->target_gid[2] = from_kgid_munged(ns, c->sgid);
	info->target_gid[3] = from_kgid_munged(ns, c->fsgid);
	info->target_cap[0] = procsnap_cap_u64(c->cap_inheritable);
	info->target_cap[1] = procsnap_cap_u64(c->cap_permitted);
	info->target_cap[2] = procsnap_cap_u64(c->cap_effective);
	info->target_cap[3] = procsnap_cap_u64(c->cap_bset);
	info->target_cap[4] = procsnap_cap_u64(c->cap_ambient);
	info->target_securebits = c->securebits;
}

static void fill_info(struct procsnap_snapshot *snap,
		      struct procsnap_snapshot_info *info)
{
	struct mm_struct *mm;

	memset(info, 0, sizeof(*info));
	info->clone_pid = pid_vnr(snap->clone_pid);
	info->target_pid = pid_vnr(snap->target_pid);
	memcpy(info->target_comm, snap->comm, sizeof(info->target_comm));
	info->target_comm[sizeof(info->target_comm) - 1] = '\0';
	if (snap->owner)
		info->flags |= PROCSNAP_SNAPSHOT_OWNED;
	info->threads = snap->nr_threads;
	info->created_realtime_ns = snap->created_realtime_ns;
	info->created_boottime_ns = snap->created_boottime_ns;
	info->pause_ns = snap->pause_ns;
	info->quiesce_ns = snap->quiesce_ns;
	info->check_ns = snap->check_ns;
	info->record_ns = snap->record_ns;
	info->files_ns = snap->files_ns;
	info->copy_ns = snap->copy_ns;
	info->nr_recovered = snap->nr_recovered;
	info->detach_ns = snap->detach_ns;
	info->names_ns = snap->names_ns;
	info->requested_realtime_ns = snap->requested_realtime_ns;
	info->requested_boottime_ns = snap->requested_boottime_ns;
	info->requester_uid = from_kuid_munged(current_user_ns(),
					       snap->requester_uid);
	info->nr_files = snap->nr_files;
	if (snap->target_cred)
		fill_target_creds(snap->target_cred, info);
	if (snap->target_label &&
	    strscpy(info->target_label, snap->target_label,
		    sizeof(info->target_label)) < 0)
		info->flags |= PROCSNAP_SNAPSHOT_LABEL_TRUNCATED;
	if (snap->frozen) {
		info->flags |= PROCSNAP_SNAPSHOT_FROZEN;
		if (snap->frozen->truncated)
			info->flags |= PROCSNAP_SNAPSHOT_FREEZE_TRUNCATED;
		info->nr_frozen = snap->frozen->nr_ranges;
		info->frozen_bytes = snap->frozen->bytes;
		info->freeze_limit = snap->frozen->limit;
		info->freeze_ns = snap->freeze_ns;
	}
	mm = get_task_mm(snap->clone);
	if (mm) {
		info->resident_bytes = (u64)get_mm_rss(mm) << PAGE_SHIFT;
		info->pagetable_bytes = mm_pgtables_bytes(mm);
		mmput(mm);
	}
}

/* Copy one entry to a caller whose entries are @entry_size bytes. */
int procsnap_put_entry(void __user *entries, u32 index, u32 entry_size,
		       const void *entry, size_t size)
{
	void __user *dst = entries + (size_t)index * entry_size;

	if (copy_to_user(dst, entry, min_t(size_t, size, entry_size)))
		return -EFAULT;
	if (entry_size > size && clear_user(dst + size, entry_size - size))
		return -EFAULT;
	return 0;
}

int procsnap_snapshot_list(void __user *entries, u32 entry_size,
			   u32 *nr_entries, u32 *total)
{
	struct procsnap_snapshot_info info;
	struct procsnap_snapshot **all;
	u32 room = *nr_entries, written = 0, seen = 0;
	unsigned int nr, i;
	int ret = 0;

	all = snapshot_get_all(&nr);
	if (!all)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		if (ret || !pid_vnr(all[i]->clone_pid) ||
		    !procsnap_may_access(all[i], PTRACE_MODE_READ_REALCREDS))
			continue;
		seen++;
		if (written == room)
			continue;
		fill_info(all[i], &info);
		ret = procsnap_put_entry(entries, written, entry_size, &info,
					 sizeof(info));
		if (!ret)
			written++;
	}
	for (i = 0; i < nr; i++)
		procsnap_snapshot_put(all[i]);
	kfree(all);
	*nr_entries = written;
	*total = seen;
	return ret;
}

int procsnap_snapshot_threads(pid_t nr, void __user *entries, u32 entry_size,
			      u32 *nr_entries, u32 *total)
{
	struct procsnap_thread_info info;
	struct procsnap_snapshot *snap;
	struct procsnap_thread_rec *rec;
	u32 room = *nr_entries, i;
	int ret = 0;

	ret = procsnap_snapshot_get_readable(nr, &snap);
	if (ret)
		return ret;
	BUILD_BUG_ON(sizeof(info.regs) != sizeof(rec->regs));
	BUILD_BUG_ON(sizeof(info.comm) != sizeof(rec->comm));
	for (i = 0; i < snap->nr_threads && i < room && !ret; i++) {
		rec = &snap->threads[i];
		memset(&info, 0, sizeof(info));
		info.tid = pid_vnr(rec->tid);
		info.flags = rec->flags;
		if (rec->have_regs)
			memcpy(info.regs, &rec->regs, sizeof(info.regs));
		info.xstate_size = rec->xstate_size;
		info.sched_policy = rec->sched_policy;
		info.sigblocked = rec->sigblocked;
		memcpy(info.comm, rec->comm, sizeof(info.comm));
		info.comm[sizeof(info.comm) - 1] = '\0';
		info.nice = rec->nice;
		info.rt_priority = rec->rt_priority;
		info.seccomp_mode = rec->seccomp_mode;
		ret = procsnap_put_entry(entries, i, entry_size, &info,
					 sizeof(info));
	}
	*nr_entries = ret ? 0 : i;
	*total = snap->nr_threads;
	procsnap_snapshot_put(snap);
	return ret;
}

int procsnap_snapshot_xstate(pid_t nr, pid_t tid, void __user *buf,
			     u32 *buf_size)
{
	struct procsnap_snapshot *snap;
	struct procsnap_thread_rec *rec = NULL;
	unsigned int i;
	int ret = 0;

	ret = procsnap_snapshot_get_readable(nr, &snap);
	if (ret)
		return ret;
	for (i = 0; i < snap->nr_threads && !rec; i++)
		if (tid > 0 && pid_vnr(snap->threads[i].tid) == tid)
			rec = &snap->threads[i];
	if (!rec) {
		ret = -ENOENT;
		goto out;
	}
	if (!rec->xstate) {
		ret = -ENODATA;
		goto out;
	}
	if (copy_to_user(buf, rec->xstate, min(*buf_size, rec->xstate_size)))
		ret = -EFAULT;
	*buf_size = rec->xstate_size;
out:
	procsnap_snapshot_put(snap);
	return ret;
}
