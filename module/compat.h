/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where procsnap adapts to the kernel it is built against.
 * Each entry tests for the feature itself, not for a version number, and
 * says which kernels differ.
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

#endif /* PROCSNAP_COMPAT_H */
