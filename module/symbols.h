/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PROCSNAP_SYMBOLS_H
#define _PROCSNAP_SYMBOLS_H

struct kernel_clone_args;

/*
 * Kernel functions procsnap needs that the kernel does not export.  Filled in
 * once by procsnap_symbols_init() before /dev/procsnap is registered and never
 * written again, so readers need no lock.
 */
struct procsnap_symbols {
	pid_t (*kernel_clone)(struct kernel_clone_args *args);
};

extern struct procsnap_symbols procsnap_syms;

int procsnap_symbols_init(void);

#endif /* _PROCSNAP_SYMBOLS_H */
