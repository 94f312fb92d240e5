// SPDX-License-Identifier: GPL-2.0
/*
 * procsnap: copy-on-write snapshots of a running process for live forensics.
 *
 * This file only brings the pieces up in order and tears them down in
 * reverse; each piece lives in its own file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/workqueue.h>
#include <linux/rcupdate.h>
#include <linux/wait.h>

#include <procsnap.h>

#include "compat.h"
#include "device.h"
#include "procsnap.h"
#include "symbols.h"

module_param_named(quiesce_timeout_ms, procsnap_quiesce_timeout_ms, uint,
		   0644);
MODULE_PARM_DESC(quiesce_timeout_ms,
		 "How long a duplication waits for the target's other threads to stop running user code, per 1000 threads (default 2000)");

module_param_named(max_snapshots_per_user, procsnap_max_snapshots_per_user,
		   uint, 0644);
MODULE_PARM_DESC(max_snapshots_per_user,
		 "Snapshots plus requests in flight one user (by real uid of the requester, root included) may hold; REQUEST fails with EDQUOT beyond (default 64, 0 for no limit)");

module_param_named(freeze_max_bytes, procsnap_freeze_max_bytes, ulong, 0644);
MODULE_PARM_DESC(freeze_max_bytes,
		 "The most shared memory a request with PROCSNAP_REQUEST_FREEZE_SHARED may have copied in the pause, in bytes; a larger freeze_limit fails with EINVAL (default 1 GiB)");

/* Written under procsnap_lock; a racing reset only loses one sample. */
static int max_hold_set(const char *val, const struct kernel_param *kp)
{
	u64 v;
	int ret = kstrtou64(val, 0, &v);

	if (ret)
		return ret;
	if (v)
		return -EINVAL;
	WRITE_ONCE(procsnap_max_hold_ns, 0);
	return 0;
}

static int max_hold_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(procsnap_max_hold_ns));
}

static const struct kernel_param_ops max_hold_ops = {
	.set = max_hold_set,
	.get = max_hold_get,
};

module_param_cb(max_hold_ns, &max_hold_ops, NULL, 0644);
MODULE_PARM_DESC(max_hold_ns,
		 "Longest time procsnap held its spinlock, in ns; write 0 to reset");

/* Root only: a kernel text address, for telling which step held longest. */
static int max_hold_where_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%pS\n",
			  (void *)READ_ONCE(procsnap_max_hold_ip));
}

static const struct kernel_param_ops max_hold_where_ops = {
	.get = max_hold_where_get,
};

module_param_cb(max_hold_where, &max_hold_where_ops, NULL, 0400);
MODULE_PARM_DESC(max_hold_where, "Where the longest hold of max_hold_ns ended");

/* Live objects, read by the tests to prove nothing leaks. */
static int objects_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "requests=%d works=%d snapshots=%d\n",
			  atomic_read(&procsnap_nr_requests),
			  atomic_read(&procsnap_nr_works),
			  atomic_read(&procsnap_nr_snapshots));
}

static const struct kernel_param_ops objects_ops = {
	.get = objects_get,
};

module_param_cb(objects, &objects_ops, NULL, 0444);
MODULE_PARM_DESC(objects, "Live requests, task works and snapshots");

static int frozen_pages_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&procsnap_nr_frozen_pages));
}

static const struct kernel_param_ops frozen_pages_ops = {
	.get = frozen_pages_get,
};

module_param_cb(frozen_pages, &frozen_pages_ops, NULL, 0444);
MODULE_PARM_DESC(frozen_pages,
		 "Pages of shared memory copied for snapshots (--freeze-shared) and not yet freed");

static int __init procsnap_init(void)
{
	int ret;

	ret = procsnap_symbols_init();
	if (ret)
		goto err_symbols;

	ret = procsnap_compat_init();
	if (ret)
		goto err_compat;

	/*
	 * Unbound: a per-CPU worker on a CPU that a real-time task keeps
	 * would never run our retries, sweeps or cgroup moves.
	 */
	procsnap_wq = alloc_workqueue("procsnap", WQ_UNBOUND, 0);
	if (!procsnap_wq) {
		ret = -ENOMEM;
		goto err_wq;
	}

	ret = procsnap_device_init();
	if (ret) {
		pr_err("cannot register /dev/%s (%d)\n", PROCSNAP_DEVICE_NAME,
		       ret);
		goto err_device;
	}

#ifdef PROCSNAP_TEST_WARN
	/* Test-only build: proves the VM harness catches kernel warnings. */
	WARN_ON(1);
#endif

	pr_info("version %s loaded, ABI %u\n", PROCSNAP_MODULE_VERSION,
		PROCSNAP_ABI_VERSION);
	return 0;

err_device:
	destroy_workqueue(procsnap_wq);
err_wq:
	procsnap_compat_exit();
err_compat:
err_symbols:
	return ret;
}

static void __exit procsnap_exit(void)
{
	/* No file is open (each holds the module), so no ioctl can run. */
	procsnap_device_exit();
	procsnap_requests_shutdown();
	procsnap_snapshots_shutdown();
	wait_event(procsnap_works_idle, !atomic_read(&procsnap_nr_works));
	/*
	 * Every request is over: nothing queues a retry or a sweep again;
	 * destroying the queue drains what is left.
	 */
	procsnap_requests_sweep_stop();
	destroy_workqueue(procsnap_wq);
	procsnap_compat_exit();
	/*
	 * The last callbacks and clones may still be executing their final
	 * instructions after dropping their references; an RCU-tasks grace
	 * period waits until every task has left them.
	 */
	synchronize_rcu_tasks();
	pr_info("unloaded\n");
}

module_init(procsnap_init);
module_exit(procsnap_exit);

MODULE_DESCRIPTION("Copy-on-write snapshots of a running process for live forensics");
MODULE_AUTHOR("The procsnap developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(PROCSNAP_MODULE_VERSION);
