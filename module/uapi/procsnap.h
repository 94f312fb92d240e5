/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * procsnap ioctl ABI: the one definition shared by procsnap.ko and
 * libprocsnap.
 *
 * Every argument struct starts with "__u32 size; __u32 flags;".  The caller
 * sets size to the sizeof() it was compiled with.  The module accepts any
 * size from the struct's first published size (PROCSNAP_*_SIZE_VER0) up to
 * one page: a shorter struct is zero-extended, a longer one must be zero past
 * what the module knows (else -E2BIG), and results are written back only up
 * to the caller's size.  So the structs grow at the end and the ioctl numbers
 * never change.  A size below VER0 or above a page is -EINVAL.
 *
 * Every flag bit not defined here, and every field named reserved*, must be
 * zero on input (else -EINVAL): that keeps them free for later use.
 * Unknown ioctl commands get -ENOTTY.
 *
 * Layout rules: fixed-size types only, every struct a multiple of 8 bytes
 * with no implicit padding, user pointers travel as __u64.
 */
#ifndef _UAPI_PROCSNAP_H
#define _UAPI_PROCSNAP_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define PROCSNAP_DEVICE_NAME	"procsnap"
#define PROCSNAP_DEVICE_PATH	"/dev/procsnap"

/*
 * Bumped only for an incompatible change, which the project promises not to
 * make; compatible growth is announced through feature bits.
 */
#define PROCSNAP_ABI_VERSION	1

/* Unused: see Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define PROCSNAP_IOC_MAGIC	0xB8

#define PROCSNAP_VERSION_LEN	32

/**
 * struct procsnap_version - PROCSNAP_IOC_VERSION argument
 * @size:		in: sizeof(struct procsnap_version) of the caller
 * @flags:		in: must be 0
 * @abi_version:	out: PROCSNAP_ABI_VERSION of the module
 * @reserved0:		must be 0
 * @features:		out: PROCSNAP_FEAT_* bits the module implements
 * @module_version:	out: the module's release string, NUL-terminated
 * @reserved:		must be 0
 */
struct procsnap_version {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 reserved0;
	__u64 features;
	char module_version[PROCSNAP_VERSION_LEN];
	__u64 reserved[4];
};

#define PROCSNAP_VERSION_SIZE_VER0	88

/* No feature bits are defined yet: the VERSION query is all of ABI 1.0. */
#define PROCSNAP_FEAT_ALL		0ULL

/*
 * The size encoded in a command number is the struct's first published size
 * and stays so when the struct grows: the size field is what counts.
 */
#define PROCSNAP_IOWR(nr, ver0_size) \
	_IOC(_IOC_READ | _IOC_WRITE, PROCSNAP_IOC_MAGIC, (nr), (ver0_size))

#define PROCSNAP_IOC_VERSION \
	PROCSNAP_IOWR(0x00, PROCSNAP_VERSION_SIZE_VER0)

#endif /* _UAPI_PROCSNAP_H */
