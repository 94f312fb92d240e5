// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/procsnap: the misc device and its ioctl dispatch.  Each ioctl
 * handler owns its own argument checking; this file only routes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/string.h>

#include <procsnap.h>

#include "device.h"
#include "ioctl.h"
#include "procsnap.h"
#include "uarg.h"

static long ioctl_version(void __user *uarg)
{
	struct procsnap_version ver;
	u32 usize;
	int ret;

	ret = procsnap_uarg_in(&ver, sizeof(ver), PROCSNAP_VERSION_SIZE_VER0,
			       uarg, &usize);
	if (ret)
		return ret;
	if (ver.flags || ver.reserved0 ||
	    memchr_inv(ver.reserved, 0, sizeof(ver.reserved)))
		return -EINVAL;

	ver.abi_version = PROCSNAP_ABI_VERSION;
	ver.features = PROCSNAP_FEAT_ALL;
	strscpy(ver.module_version, PROCSNAP_MODULE_VERSION,
		sizeof(ver.module_version));
	return procsnap_uarg_out(uarg, usize, &ver, sizeof(ver));
}

static long procsnap_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case PROCSNAP_IOC_VERSION:
		return ioctl_version(uarg);
	case PROCSNAP_IOC_REQUEST:
		return procsnap_ioctl_request(file, uarg);
	case PROCSNAP_IOC_CANCEL:
		return procsnap_ioctl_cancel(uarg);
	case PROCSNAP_IOC_STATE:
		return procsnap_ioctl_state(uarg, false);
	case PROCSNAP_IOC_WAIT:
		return procsnap_ioctl_state(uarg, true);
	case PROCSNAP_IOC_LIST:
		return procsnap_ioctl_list(uarg);
	case PROCSNAP_IOC_DELETE:
		return procsnap_ioctl_delete(uarg);
	case PROCSNAP_IOC_THREADS:
		return procsnap_ioctl_threads(uarg);
	case PROCSNAP_IOC_FILES:
		return procsnap_ioctl_files(uarg);
	case PROCSNAP_IOC_XSTATE:
		return procsnap_ioctl_xstate(uarg);
	case PROCSNAP_IOC_MEM_OPEN:
		return procsnap_ioctl_mem_open(uarg);
	case PROCSNAP_IOC_FROZEN:
		return procsnap_ioctl_frozen(uarg);
	default:
		return -ENOTTY;
	}
}

/* Requests and snapshots owned by this file go with it. */
static int procsnap_release(struct inode *inode, struct file *file)
{
	procsnap_request_file_closed(file);
	procsnap_snapshot_file_closed(file);
	return 0;
}

static const struct file_operations procsnap_fops = {
	.owner = THIS_MODULE,
	.release = procsnap_release,
	.unlocked_ioctl = procsnap_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/*
 * Root-only until udev says otherwise: the node is created by devtmpfs with
 * this mode, so there is no window in which it is more open than the udev
 * rule would make it.
 */
static struct miscdevice procsnap_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = PROCSNAP_DEVICE_NAME,
	.fops = &procsnap_fops,
	.mode = 0600,
};

int procsnap_device_init(void)
{
	return misc_register(&procsnap_misc);
}

void procsnap_device_exit(void)
{
	misc_deregister(&procsnap_misc);
}
