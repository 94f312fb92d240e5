/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PROCSNAP_SYMBOLS_H
#define _PROCSNAP_SYMBOLS_H

#include <linux/spinlock_types.h>
#include <linux/types.h>

struct callback_head;
struct kernel_clone_args;
struct task_struct;

/*
 * Kernel functions and data procsnap needs that the kernel does not export.
 * Filled in once by procsnap_symbols_init() before /dev/procsnap is
 * registered and never written again, so readers need no lock.
 */
struct procsnap_symbols {
	pid_t (*kernel_clone)(struct kernel_clone_args *args);
	void (*do_exit)(long code) __noreturn;
	bool (*ptrace_may_access)(struct task_struct *task, unsigned int mode);
	struct callback_head *(*task_work_cancel_match)
		(struct task_struct *task,
		 bool (*match)(struct callback_head *cb, void *data),
		 void *data);
	int (*ksys_setsid)(void);
	void (*exit_files)(struct task_struct *task);
	void (*__set_task_comm)(struct task_struct *task, const char *buf,
				bool exec);
	rwlock_t *tasklist_lock;
	struct task_struct **kthreadd_task;
	/* try_get_task_stack() is inline, its counterpart is not exported. */
	void (*put_task_stack)(struct task_struct *task);
};

extern struct procsnap_symbols procsnap_syms;

int procsnap_symbols_init(void);
unsigned long procsnap_lookup_name(const char *name);

#endif /* _PROCSNAP_SYMBOLS_H */
