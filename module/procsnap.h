/* SPDX-License-Identifier: GPL-2.0 */
/*
 * procsnap's objects and the one lock that guards their shared fields.
 *
 * A request (struct procsnap_request) exists per target process, in a
 * hashtable keyed by the target's process id (the struct pid of its thread
 * group, which an exec from any thread keeps).  It queues one task work
 * (struct procsnap_work) on every thread of the target; the first thread to
 * run it becomes the duplicating thread, the others park.  A finished
 * duplication leaves a snapshot (struct procsnap_snapshot): the clone task,
 * parked in the kernel, and the registers of every thread.
 */
#ifndef _PROCSNAP_PROCSNAP_H
#define _PROCSNAP_PROCSNAP_H

#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/xarray.h>
#include <linux/path.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/spinlock.h>
#include <linux/task_work.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <asm/user.h>

struct mem_cgroup;
struct mm_struct;
struct vm_area_struct;

/*
 * Guards: the request table and each request's state, error, cancel,
 * released, generation, snap and works list; the works table and each
 * work's status; the snapshot list and each snapshot's owner and deleting
 * flag.  Never held across a sleep: every wait happens on a waitqueue with
 * the lock dropped.  Taken through procsnap_take_lock() and
 * procsnap_drop_lock(), which measure how long it is held (max_hold_ns).
 */
extern spinlock_t procsnap_lock;
/* Written only with procsnap_lock held; reset to 0 through sysfs. */
extern u64 procsnap_lock_since;
extern u64 procsnap_max_hold_ns;
extern unsigned long procsnap_max_hold_ip;	/* where it was released */

static inline void procsnap_take_lock(void)
	__acquires(&procsnap_lock)
{
	spin_lock(&procsnap_lock);
	procsnap_lock_since = local_clock();
}

/*
 * Walks over every thread of a target let go of procsnap_lock this often,
 * so that no hold grows with the number of threads.
 */
#define PROCSNAP_LOCK_BATCH	64

static inline void procsnap_drop_lock(void)
	__releases(&procsnap_lock)
{
	u64 held = local_clock() - procsnap_lock_since;

	if (held > READ_ONCE(procsnap_max_hold_ns)) {
		WRITE_ONCE(procsnap_max_hold_ns, held);
		WRITE_ONCE(procsnap_max_hold_ip, _THIS_IP_);
	}
	spin_unlock(&procsnap_lock);
}

/* In a long walk: let others in (and preempt us) every few steps. */
static inline void procsnap_relax_lock(unsigned int *steps)
{
	if (++*steps % PROCSNAP_LOCK_BATCH)
		return;
	procsnap_drop_lock();
	procsnap_take_lock();
}

/* Workqueue of the retries (see request.c); drained on unload. */
extern struct workqueue_struct *procsnap_wq;

/* Objects alive, for the leak checks of the tests (see main.c). */
extern atomic_t procsnap_nr_requests;
extern atomic_t procsnap_nr_works;
extern atomic_t procsnap_nr_snapshots;
/* Woken when procsnap_nr_works drops to zero, for module unload. */
extern wait_queue_head_t procsnap_works_idle;

extern unsigned int procsnap_quiesce_timeout_ms;
extern unsigned long procsnap_freeze_max_bytes;
extern atomic_long_t procsnap_nr_frozen_pages;
extern unsigned int procsnap_max_snapshots_per_user;

/* One thread of the target, as it was when the copy was made. */
struct procsnap_thread_rec {
	struct pid *tid;
	u32 flags;			/* PROCSNAP_THREAD_* */
	bool have_regs;
	struct user_regs_struct regs;
	void *xstate;			/* NT_X86_XSTATE payload, kvmalloc'd */
	u32 xstate_size;
	/* What else /proc would have said of the thread at the instant. */
	char comm[TASK_COMM_LEN];
	u32 sched_policy;		/* SCHED_RESET_ON_FORK or'd in */
	u32 rt_priority;
	int nice;
	u64 sigblocked;
	u8 seccomp_mode;
};

/* One open file descriptor of the target, as it was at the copy. */
struct procsnap_file_rec {
	int fd;
	u32 flags;
	u64 pos;
	u64 ino;
	u32 dev;
	u32 mode;
	u32 path_len;			/* of the whole path */
	char *path;			/* kmalloc'd, at most FILE_PATH_LEN */
	/* Held from the instant until the clone has named it (files.c). */
	struct path where;
};

/* One shared mapping frozen whole (see freeze.c). */
struct procsnap_frozen_range {
	unsigned long start;
	unsigned long end;
	unsigned long eof;		/* reads from here on are live */
	u64 bytes;			/* resident, copied */
};

/*
 * The copies of a snapshot's shared memory.  Referenced by the snapshot and
 * by each MEM_OPEN file; made in the pause, then read-only but for the
 * freeing of the pages when the clone exits.
 */
struct procsnap_frozen {
	struct kref ref;
	/*
	 * Guards: released and the pages' freeing, against readers (read
	 * side: a page's copy into a bounce buffer, never a user access).
	 */
	struct rw_semaphore lock;
	bool released;
	struct xarray pages;		/* user address >> PAGE_SHIFT -> copy */
	unsigned int nr_ranges;
	struct procsnap_frozen_range *ranges;	/* by address */
	u64 bytes;
	u64 limit;
	bool truncated;
};

struct procsnap_snapshot {
	struct list_head node;		/* procsnap_snapshots */
	struct kref ref;
	struct task_struct *clone;	/* reference held */
	struct pid *clone_pid;
	struct pid *target_pid;
	char comm[TASK_COMM_LEN];
	const struct file *owner;	/* deleted when this file closes */
	bool deleting;
	bool dead;			/* the clone has left the list */
	/* The duplicating thread tells the clone to give up before parking. */
	bool abort;
	u64 created_realtime_ns;
	u64 created_boottime_ns;
	u64 pause_ns;
	/* Where the pause went, for the benchmarks (see the uapi header). */
	u64 quiesce_ns;
	u64 check_ns;
	u64 record_ns;
	u64 files_ns;
	u64 names_ns;		/* after the instant, in the clone */
	u64 copy_ns;
	u64 detach_ns;
	u64 requested_realtime_ns;
	u64 requested_boottime_ns;
	kuid_t requester_uid;
	const struct cred *cred;	/* the requester's: the clone's own */
	const struct cred *target_cred;	/* the target's at the instant; held */
	u32 target_secid;		/* its LSM secid at the instant */
	/* Its label: kmalloc'd by the clone before it reports detached. */
	char *target_label;
	struct mem_cgroup *memcg;	/* the requester's, charged; held */
	unsigned int nr_threads;
	struct procsnap_thread_rec *threads;
	unsigned int nr_files;
	struct procsnap_file_rec *files;
	unsigned int nr_recovered;	/* mappings a fork would leave out */
	struct procsnap_frozen *frozen;	/* FREEZE_SHARED; reference held */
	u64 freeze_ns;
	struct completion reparented;	/* target side -> clone: go on */
	/* clone -> requester: out of the target's session (DONE waits) */
	struct completion detached;
	struct completion gone;		/* clone is about to exit */
	struct work_struct leave_cgroups;	/* queued holding a reference */
};

enum procsnap_work_status {
	PROCSNAP_WORK_QUEUED,		/* in the thread's task_works */
	PROCSNAP_WORK_RUNNING,		/* its callback has started */
	PROCSNAP_WORK_PARKED,		/* registers recorded, waiting */
	PROCSNAP_WORK_FINISHED,		/* callback done or cancelled */
};

struct procsnap_work {
	struct callback_head cb;
	struct list_head node;		/* request's works, while queued */
	struct hlist_node by_task;	/* works table, keyed by task */
	struct list_head cancel_node;	/* request_cancel_queued()'s batch */
	struct kref ref;		/* task_works entry + temporary users */
	struct procsnap_request *req;	/* reference held */
	struct task_struct *task;	/* reference held */
	enum procsnap_work_status status;
	unsigned int generation;	/* of the request, when it parked */
	struct procsnap_thread_rec rec;	/* filled by the thread when parking */
};

struct procsnap_request {
	struct hlist_node node;		/* procsnap request table */
	struct kref ref;		/* table, works, waiters, retry */
	struct pid *target_pid;		/* PIDTYPE_TGID: the table's key */
	unsigned int flags;		/* PROCSNAP_REQUEST_* */
	u64 freeze_limit;		/* with FREEZE_SHARED: effective */
	const struct file *owner;	/* for PROCSNAP_REQUEST_OWNED */
	bool hashed;
	int state;			/* PROCSNAP_STATE_* */
	int error;			/* positive errno when FAILED */
	bool cancel;
	bool released;			/* parked threads may return */
	/* Bumped when a duplication starts over: its parked threads go. */
	unsigned int generation;
	struct task_struct *duplicator;	/* thread that runs the copy */
	struct list_head works;
	struct procsnap_snapshot *snap;	/* DONE: reference held */
	u64 requested_realtime_ns;
	u64 requested_boottime_ns;
	kuid_t requester_uid;
	const struct cred *cred;	/* requester's real credentials */
	struct mem_cgroup *memcg;	/* requester's, charged for records */
	struct mm_struct *mm;		/* target's at request (mmgrab) */
	u64 entered_ns;			/* duplicator entered its callback */
	/* Waiters for a final state: WAIT and cancel. */
	wait_queue_head_t wq;
	/*
	 * Parked threads, woken only when released or when generation moves:
	 * a wake per thread that parks would wake every thread parked before
	 * it, n^2 wake-ups for n threads.
	 */
	wait_queue_head_t park_wq;
	struct delayed_work retry;	/* start over after a job stop */
};

/*
 * Threads that take no part in a duplication: exiting ones and io_uring
 * workers, which never return to user mode.
 */
static inline bool procsnap_thread_ignored(struct task_struct *t)
{
	return t->flags & (PF_EXITING | PF_IO_WORKER);
}

/* request.c */
int procsnap_request_start(const struct file *file, pid_t nr,
			   unsigned int flags, u64 freeze_limit);
int procsnap_request_cancel_pid(pid_t nr);
void procsnap_request_retry(struct procsnap_request *req);
bool procsnap_requester_may_still(struct procsnap_request *req);
int procsnap_request_state(pid_t nr, bool wait, u64 timeout_ns,
			   int *state, int *error, struct pid **clone_pid);
void procsnap_request_file_closed(const struct file *file);
void procsnap_request_forget_snapshot(struct procsnap_snapshot *snap);
void procsnap_requests_shutdown(void);
void procsnap_requests_sweep_stop(void);
int procsnap_find_target(pid_t nr, struct task_struct **leaderp);
int procsnap_queue_work(struct procsnap_request *req, struct task_struct *t,
			bool resume_only);
struct procsnap_work *procsnap_work_of(struct procsnap_request *req,
				       struct task_struct *t);
void procsnap_work_put(struct procsnap_work *w);
void procsnap_request_put(struct procsnap_request *req);
void procsnap_request_finish(struct procsnap_request *req, int state,
			     int error, struct procsnap_snapshot *snap);

/* duplicate.c */
void procsnap_duplicate(struct procsnap_request *req);
void procsnap_record_thread(struct procsnap_thread_rec *rec,
			    struct task_struct *t, u32 flags);
void procsnap_free_rec(struct procsnap_thread_rec *rec);

/* files.c */
int procsnap_record_files(struct procsnap_snapshot *snap);
/* hidden.c: mappings a fork leaves out, copied anyway */
struct procsnap_hidden {
	unsigned int nr;
	struct procsnap_hidden_range {
		unsigned long start;
		unsigned long end;
		unsigned long flags;	/* VM_DONTCOPY, VM_WIPEONFORK */
	} *ranges;
};

bool procsnap_vma_hidden(const struct vm_area_struct *vma);
int procsnap_unhide(struct mm_struct *mm, struct procsnap_hidden *h);
void procsnap_rehide(struct mm_struct *mm, const struct procsnap_hidden *h);
void procsnap_hidden_free(struct procsnap_hidden *h);

void procsnap_describe_files(struct procsnap_snapshot *snap);
void procsnap_describe_label(struct procsnap_snapshot *snap);
void procsnap_free_files(struct procsnap_snapshot *snap);
int procsnap_snapshot_files(pid_t nr, void __user *entries, u32 entry_size,
			    u32 *nr_entries, u32 *total);

/* snapshot.c */
struct procsnap_snapshot *procsnap_snapshot_get_by_pid(pid_t nr);
int procsnap_snapshot_get_readable(pid_t nr, struct procsnap_snapshot **snapp);
bool procsnap_may_access(struct procsnap_snapshot *snap, unsigned int mode);
int procsnap_put_entry(void __user *entries, u32 index, u32 entry_size,
		       const void *entry, size_t size);
int procsnap_snapshot_xstate(pid_t nr, pid_t tid, void __user *buf,
			     u32 *buf_size);
struct procsnap_snapshot *procsnap_snapshot_alloc(struct task_struct *target,
						  unsigned int nr_threads);
pid_t procsnap_snapshot_spawn(struct procsnap_snapshot *snap);
bool procsnap_snapshot_publish(struct procsnap_snapshot *snap,
			       const struct file *owner);
void procsnap_snapshot_put(struct procsnap_snapshot *snap);
void procsnap_snapshot_delete(struct procsnap_snapshot *snap);
bool procsnap_is_clone(struct task_struct *task);
int procsnap_snapshot_delete_pid(pid_t nr, unsigned int *deleted);
int procsnap_snapshot_delete_all(unsigned int *deleted);
void procsnap_snapshot_file_closed(const struct file *file);
void procsnap_snapshots_shutdown(void);
int procsnap_snapshot_list(void __user *entries, u32 entry_size,
			   u32 *nr_entries, u32 *total);
int procsnap_snapshot_threads(pid_t nr, void __user *entries, u32 entry_size,
			      u32 *nr_entries, u32 *total);
unsigned int procsnap_snapshots_of(kuid_t uid);

/* freeze.c */
int procsnap_freeze_shared(struct procsnap_snapshot *snap, u64 limit);
void procsnap_frozen_drop_pages(struct procsnap_frozen *frozen);
void procsnap_frozen_put(struct procsnap_frozen *frozen);
const struct procsnap_frozen_range *
procsnap_frozen_range(const struct procsnap_frozen *frozen, unsigned long addr);
unsigned long procsnap_frozen_next(const struct procsnap_frozen *frozen,
				   unsigned long addr);
bool procsnap_frozen_read(struct procsnap_frozen *frozen, unsigned long addr,
			  void *buf, size_t len);
int procsnap_snapshot_frozen(pid_t nr, void __user *entries, u32 entry_size,
			     u32 *nr_entries, u32 *total);

/* memfile.c */
struct file;
int procsnap_mem_open(pid_t nr, struct file **filep);

#endif /* _PROCSNAP_PROCSNAP_H */
