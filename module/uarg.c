// SPDX-License-Identifier: GPL-2.0
/*
 * Copying the extensible ioctl argument structs of uapi/procsnap.h: the
 * caller's struct size travels in its first field, so a struct can grow at
 * the end without a new ioctl number (see the rules at the top of the uapi
 * header).
 */
#include <linux/uaccess.h>
#include <linux/mm.h>

#include "uarg.h"

/**
 * procsnap_uarg_in - copy an argument struct in from user space
 * @karg: kernel copy, @ksize bytes
 * @ksize: size of the struct this module knows
 * @ver0_size: first published size of the struct
 * @uarg: user pointer
 * @usize: out: the size the caller claims, for procsnap_uarg_out()
 *
 * Return: 0, -EFAULT, -EINVAL for a size out of range, or -E2BIG for a
 * caller's struct that is longer than ours with non-zero bytes we don't know.
 */
int procsnap_uarg_in(void *karg, size_t ksize, size_t ver0_size,
		     const void __user *uarg, u32 *usize)
{
	u32 size;

	if (get_user(size, (const u32 __user *)uarg))
		return -EFAULT;
	if (size < ver0_size || size > PAGE_SIZE)
		return -EINVAL;
	*usize = size;
	return copy_struct_from_user(karg, ksize, uarg, size);
}

/* Write results back, never past what the caller said it has. */
int procsnap_uarg_out(void __user *uarg, u32 usize, const void *karg,
		      size_t ksize)
{
	if (copy_to_user(uarg, karg, min_t(size_t, usize, ksize)))
		return -EFAULT;
	return 0;
}
