/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PROCSNAP_UARG_H
#define _PROCSNAP_UARG_H

#include <linux/types.h>

int procsnap_uarg_in(void *karg, size_t ksize, size_t ver0_size,
		     const void __user *uarg, u32 *usize);
int procsnap_uarg_out(void __user *uarg, u32 usize, const void *karg,
		      size_t ksize);

#endif /* _PROCSNAP_UARG_H */
