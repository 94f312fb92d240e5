// SPDX-License-Identifier: GPL-2.0
/*
 * What procsnap does differently on older kernels, each part testing for
 * the feature where it can.
 *
 * Leaving the target's cgroups: cgroup_attach_task_all() leaves out the
 * default hierarchy (cgroup v2, where systemd keeps its services) on older
 * kernels such as 5.10.  There the clone is moved into the v2 root the way
 * later kernels' cgroup_attach_task_all() does it, with the same locks.
 *
 * Starting the clone in a kernel function on kernels whose kernel_clone()
 * cannot (before 5.19: no kernel_clone_args .fn).
 *
 * kernel_clone() copies the process, fires the sched_process_fork
 * tracepoint and only then wakes the child, which has never run.  A probe
 * on that tracepoint rewrites the child's first switch frame exactly as
 * copy_thread() writes a kernel thread's (kthread_frame_init()), so that
 * ret_from_fork calls the function instead of returning to user mode.  The
 * child never executes a user instruction and the target's kernel is not
 * modified: a tracepoint probe is an ordinary module hook.
 *
 * Rewriting the frame relies on x86-64's fork frame layout; at load a
 * kernel thread is created with the probe watching, and the module refuses
 * to load unless its frame is what this file expects.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/percpu-rwsem.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <asm/switch_to.h>

#include "compat.h"
#include "symbols.h"

/*
 * Only for a kernel whose cgroup_attach_task_all() skips cgroup v2: the
 * migration and the two locks that every migration holds.  Set once at
 * load.
 */
static struct {
	int (*attach_task)(struct cgroup *dst, struct task_struct *leader,
			   bool threadgroup);
	struct mutex *mutex;	/* the kernel's cgroup_mutex */
	struct percpu_rw_semaphore *threadgroup_rwsem;
} cg;

static void cgroup_symbols_init(void)
{
	cg.attach_task = (void *)procsnap_lookup_name("cgroup_attach_task");
	cg.mutex = (void *)procsnap_lookup_name("cgroup_mutex");
	cg.threadgroup_rwsem =
		(void *)procsnap_lookup_name("cgroup_threadgroup_rwsem");
}

static bool in_v2_root(struct task_struct *task)
{
	bool root;

	rcu_read_lock();
	root = task_dfl_cgroup(task) == &cgrp_dfl_root.cgrp;
	rcu_read_unlock();
	return root;
}

/**
 * procsnap_compat_leave_cgroups - move @task into kthreadd's cgroups
 * @task: a clone, referenced by the caller; an exiting one is left alone
 *
 * May sleep for an RCU grace period (the first writer of the threadgroup
 * rwsem waits for one), and for as long as a grace period cannot end.
 *
 * Return: 0, or a negative errno when @task stays in a cgroup of its
 * parent's.
 */
int procsnap_compat_leave_cgroups(struct task_struct *task)
{
	struct task_struct *kthreadd = *procsnap_syms.kthreadd_task;
	bool same;
	int ret;

	/*
	 * One css_set per combination of cgroups: the same set means the
	 * same cgroup in every hierarchy (a target in the root ones), and
	 * no lock or grace period is needed.
	 */
	rcu_read_lock();
	same = task_css_set(task) == task_css_set(kthreadd);
	rcu_read_unlock();
	if (same)
		return 0;
	ret = cgroup_attach_task_all(kthreadd, task);
	/* An exiting task is not moved: the migration skips it. */
	if (ret || in_v2_root(task) || (READ_ONCE(task->flags) & PF_EXITING))
		return ret;
	if (!cg.attach_task || !cg.mutex || !cg.threadgroup_rwsem)
		return -EOPNOTSUPP;
	/* cgroup_attach_task_all()'s locking, as on 5.10 and 6.1. */
	mutex_lock(cg.mutex);
	cpus_read_lock();
	percpu_down_write(cg.threadgroup_rwsem);
	ret = cg.attach_task(&cgrp_dfl_root.cgrp, task, false);
	percpu_up_write(cg.threadgroup_rwsem);
	cpus_read_unlock();
	mutex_unlock(cg.mutex);
	return ret;
}

#if PROCSNAP_HAVE_CLONE_FN

int procsnap_compat_init(void)
{
	cgroup_symbols_init();
	return 0;
}

void procsnap_compat_exit(void)
{
}

pid_t procsnap_compat_clone(struct kernel_clone_args *args,
			    int (*fn)(void *), void *arg)
{
	args->fn = fn;
	args->fn_arg = arg;
	return procsnap_syms.kernel_clone(args);
}

#else /* !PROCSNAP_HAVE_CLONE_FN */

/* A clone in flight: its parent, and where the child is to start. */
struct compat_spawn {
	struct list_head node;
	struct task_struct *parent;
	int (*fn)(void *arg);
	void *arg;
	bool started;
};

/* Raw: taken in the probe, which runs with preemption off, also on RT. */
static DEFINE_RAW_SPINLOCK(spawns_lock);
static LIST_HEAD(spawns);
static atomic_t nr_spawns = ATOMIC_INIT(0);
static struct tracepoint *fork_tp;
static unsigned long ret_from_fork_addr, kthread_addr;

/* Load-time check of the frame layout on a kernel thread's fork. */
static struct task_struct *selftest_parent;
static int selftest_result = -ENODATA;

static struct inactive_task_frame *first_frame(struct task_struct *child)
{
	return (struct inactive_task_frame *)child->thread.sp;
}

static void selftest_check(struct task_struct *parent,
			   struct task_struct *child)
{
	struct inactive_task_frame *frame = first_frame(child);

	if (parent != READ_ONCE(selftest_parent) ||
	    READ_ONCE(selftest_result) != -ENODATA)
		return;
	WRITE_ONCE(selftest_result,
		   frame->ret_addr == ret_from_fork_addr &&
		   frame->bx == kthread_addr ? 0 : -EINVAL);
}

static void fork_probe(void *unused, struct task_struct *parent,
		       struct task_struct *child)
{
	struct compat_spawn *spawn;
	unsigned long flags;

	if (unlikely(READ_ONCE(selftest_parent)))
		selftest_check(parent, child);
	if (likely(!atomic_read(&nr_spawns)))
		return;

	raw_spin_lock_irqsave(&spawns_lock, flags);
	list_for_each_entry(spawn, &spawns, node) {
		if (spawn->parent != parent || spawn->started)
			continue;
		/* What copy_thread() does for a user worker with .fn. */
		kthread_frame_init(first_frame(child), (unsigned long)spawn->fn,
				   (unsigned long)spawn->arg);
		task_pt_regs(child)->ip = 0;
		task_pt_regs(child)->sp = 0;
		spawn->started = true;
		break;
	}
	raw_spin_unlock_irqrestore(&spawns_lock, flags);
}

pid_t procsnap_compat_clone(struct kernel_clone_args *args,
			    int (*fn)(void *), void *arg)
{
	struct compat_spawn spawn = {
		.parent = current,
		.fn = fn,
		.arg = arg,
	};
	pid_t nr;

	raw_spin_lock_irq(&spawns_lock);
	list_add(&spawn.node, &spawns);
	atomic_inc(&nr_spawns);
	raw_spin_unlock_irq(&spawns_lock);

	nr = procsnap_syms.kernel_clone(args);

	raw_spin_lock_irq(&spawns_lock);
	list_del(&spawn.node);
	atomic_dec(&nr_spawns);
	raw_spin_unlock_irq(&spawns_lock);

	/*
	 * The tracepoint fires for every child kernel_clone() creates; a
	 * child that was created but missed it would be running user code.
	 */
	WARN_ON_ONCE(nr > 0 && !spawn.started);
	return nr;
}

static void find_fork_tp(struct tracepoint *tp, void *unused)
{
	if (!strcmp(tp->name, "sched_process_fork"))
		fork_tp = tp;
}

static int selftest_thread(void *unused)
{
	return 0;
}

/* A kernel thread's fork, seen by the probe, must look as expected. */
static int check_fork_frame(void)
{
	struct task_struct *t;

	WRITE_ONCE(selftest_parent, *procsnap_syms.kthreadd_task);
	t = kthread_run(selftest_thread, NULL, KBUILD_MODNAME "-selftest");
	WRITE_ONCE(selftest_parent, NULL);
	if (IS_ERR(t))
		return PTR_ERR(t);
	return READ_ONCE(selftest_result);
}

int procsnap_compat_init(void)
{
	int ret;

	cgroup_symbols_init();
	ret_from_fork_addr = procsnap_lookup_name("ret_from_fork");
	kthread_addr = procsnap_lookup_name("kthread");
	for_each_kernel_tracepoint(find_fork_tp, NULL);
	if (!fork_tp || !ret_from_fork_addr || !kthread_addr) {
		pr_err("this kernel's kernel_clone() cannot start a clone in the kernel and its sched_process_fork tracepoint, ret_from_fork or kthread is missing: not supported\n");
		return -ENOENT;
	}
	ret = tracepoint_probe_register(fork_tp, fork_probe, NULL);
	if (ret) {
		pr_err("cannot attach to sched_process_fork (%d)\n", ret);
		return ret;
	}
	ret = check_fork_frame();
	if (ret) {
		pr_err("this kernel's fork frame is not laid out as procsnap expects (%d): not supported\n",
		       ret);
		procsnap_compat_exit();
	}
	return ret;
}

void procsnap_compat_exit(void)
{
	tracepoint_probe_unregister(fork_tp, fork_probe, NULL);
	/* No CPU is left in the probe. */
	tracepoint_synchronize_unregister();
}

#endif /* PROCSNAP_HAVE_CLONE_FN */
