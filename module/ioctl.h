/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PROCSNAP_IOCTL_H
#define _PROCSNAP_IOCTL_H

#include <linux/fs.h>

long procsnap_ioctl_request(struct file *file, void __user *uarg);
long procsnap_ioctl_cancel(void __user *uarg);
long procsnap_ioctl_state(void __user *uarg, bool wait);
long procsnap_ioctl_list(void __user *uarg);
long procsnap_ioctl_delete(void __user *uarg);
long procsnap_ioctl_threads(void __user *uarg);
long procsnap_ioctl_files(void __user *uarg);
long procsnap_ioctl_frozen(void __user *uarg);
long procsnap_ioctl_xstate(void __user *uarg);
long procsnap_ioctl_mem_open(void __user *uarg);

#endif /* _PROCSNAP_IOCTL_H */
