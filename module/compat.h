/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where procsnap adapts to the kernel it is built against.
 * Each entry tests for the feature itself where the preprocessor can see
 * it, the version only where it cannot, and says which kernels differ.
 */
#ifndef PROCSNAP_COMPAT_H
#define PROCSNAP_COMPAT_H

#include <linux/fs.h>

/*
 * A file whose offsets are addresses (above LLONG_MAX on x86-64) says so:
 * up to 6.11 with FMODE_UNSIGNED_OFFSET in f_mode, from 6.12 with
 * FOP_UNSIGNED_OFFSET in its file_operations.
 */
#ifdef FOP_UNSIGNED_OFFSET
#define PROCSNAP_FOPS_UNSIGNED_OFFSET .fop_flags = FOP_UNSIGNED_OFFSET,
#define PROCSNAP_FMODE_UNSIGNED_OFFSET 0
#else
#define PROCSNAP_FOPS_UNSIGNED_OFFSET
#define PROCSNAP_FMODE_UNSIGNED_OFFSET FMODE_UNSIGNED_OFFSET
#endif

#include <linux/freezer.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched.h>
#include <linux/version.h>

/*
 * What procsnap is written and tested for; anything else fails the build
 * here rather than misbehave after loading.  The registers it records and
 * the fork frame compat.c writes are x86-64's; kernel_clone() is 5.10's name.
 */
#ifndef CONFIG_X86_64
#error "procsnap supports x86-64 kernels only"
#endif
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 10, 0)
#error "procsnap needs Linux 5.10 or later"
#endif

struct kernel_clone_args;

/*
 * A clone that never runs user code must start in a kernel function.  From
 * 5.19 kernel_clone() does that itself for kernel_clone_args .fn/.fn_arg;
 * before (5.10), compat.c points the new task's first switch-in at
 * the function from the sched_process_fork tracepoint, between
 * copy_thread() and the task's first wake-up, as copy_thread() does for a
 * kernel thread.  A struct member is invisible to the preprocessor, so this
 * one test is by version.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 19, 0)
#define PROCSNAP_HAVE_CLONE_FN 1
#else
#define PROCSNAP_HAVE_CLONE_FN 0
#endif

/*
 * Whether @mapping is shmem's (tmpfs and memfd files, shared anonymous
 * memory, SysV shm), for --freeze-shared.  6.1 exports shmem_aops, which
 * shmem_mapping() compares; 5.10 exports neither, so there the inode's
 * superblock tells: every shmem inode lives on a superblock of shmem's
 * own, which carries TMPFS_MAGIC (ramfs, hugetlbfs have theirs).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
#define procsnap_shmem_mapping(mapping) shmem_mapping(mapping)
#else
#define procsnap_shmem_mapping(mapping) \
	((mapping)->host->i_sb->s_magic == TMPFS_MAGIC)
#endif

int procsnap_compat_init(void);
void procsnap_compat_exit(void);
int procsnap_compat_leave_cgroups(struct task_struct *task);
pid_t procsnap_compat_clone(struct kernel_clone_args *args,
			    int (*fn)(void *), void *arg);

/*
 * A parked clone must not stop a suspend.  From 6.1 the sleep state says
 * so (TASK_FREEZABLE); before, the task is skipped by the freezer while in
 * freezable_schedule().
 */
#ifdef TASK_FREEZABLE
#define PROCSNAP_TASK_FREEZABLE TASK_FREEZABLE
#define procsnap_freezable_schedule() schedule()
#else
#define PROCSNAP_TASK_FREEZABLE 0
#define procsnap_freezable_schedule() freezable_schedule()
#endif

/*
 * Charging the snapshot's allocations to the target's memory cgroup, from
 * task context.  5.10's set_active_memcg() also handles interrupt context
 * through a per-CPU variable it does not export (exported from 5.11): there
 * the task-context half is all procsnap needs.  Export status is invisible
 * to the preprocessor, hence the version.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 11, 0) || !defined(CONFIG_MEMCG)
#define procsnap_set_active_memcg(memcg) set_active_memcg(memcg)
#else
static inline struct mem_cgroup *
procsnap_set_active_memcg(struct mem_cgroup *memcg)
{
	struct mem_cgroup *old = current->active_memcg;

	WARN_ON_ONCE(in_interrupt());
	current->active_memcg = memcg;
	return old;
}
#endif

/*
 * The CPUs that load balancing covers (not isolcpus=domain ones): an enum
 * named HK_FLAG_DOMAIN up to 5.17, HK_TYPE_DOMAIN from 5.18, which the
 * preprocessor cannot see.
 */
#include <linux/sched/isolation.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 18, 0)
#define procsnap_balanced_cpus() housekeeping_cpumask(HK_TYPE_DOMAIN)
#else
#define procsnap_balanced_cpus() housekeeping_cpumask(HK_FLAG_DOMAIN)
#endif

/*
 * A mapping's flags change through vm_flags_set()/vm_flags_clear() from 6.3
 * (which also take the mapping's own lock from 6.4); before, vm_flags is
 * written directly under the mmap write lock.
 */
#include <linux/mm.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define procsnap_vm_flags_set(vma, flags) vm_flags_set(vma, flags)
#define procsnap_vm_flags_clear(vma, flags) vm_flags_clear(vma, flags)
#else
static inline void procsnap_vm_flags_set(struct vm_area_struct *vma,
					 unsigned long flags)
{
	/* Not mmap_assert_write_locked(): its dump_mm() is not exported. */
	lockdep_assert_held_write(&vma->vm_mm->mmap_lock);
	vma->vm_flags |= flags;
}

static inline void procsnap_vm_flags_clear(struct vm_area_struct *vma,
					   unsigned long flags)
{
	lockdep_assert_held_write(&vma->vm_mm->mmap_lock);
	vma->vm_flags &= ~flags;
}
#endif

/* A capability set as /proc/PID/status prints it: one u64 from 6.3. */
#include <linux/capability.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
static inline u64 procsnap_cap_u64(kernel_cap_t cap)
{
	return cap.val;
}
#else
static inline u64 procsnap_cap_u64(kernel_cap_t cap)
{
	return (u64)cap.cap[1] << 32 | cap.cap[0];
}
#endif

/*
 * The secid of current's subjective credentials: security_task_getsecid()
 * up to 5.12, security_task_getsecid_subj() in 5.13 to 5.15.
 */
#include <linux/security.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 16, 0)
static inline void procsnap_current_secid(u32 *secid)
{
	security_current_getsecid_subj(secid);
}
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(5, 13, 0)
static inline void procsnap_current_secid(u32 *secid)
{
	security_task_getsecid_subj(current, secid);
}
#else
static inline void procsnap_current_secid(u32 *secid)
{
	security_task_getsecid(current, secid);
}
#endif

#endif /* PROCSNAP_COMPAT_H */
