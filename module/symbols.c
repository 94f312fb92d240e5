// SPDX-License-Identifier: GPL-2.0
/*
 * The one place where procsnap reaches kernel functions that are not
 * exported.  Since 5.7 kallsyms_lookup_name() itself is not exported either;
 * a kprobe resolves its address, and it then resolves the rest.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kprobes.h>

#include "symbols.h"

struct procsnap_symbols procsnap_syms;

typedef unsigned long (*kallsyms_lookup_name_t)(const char *name);

static kallsyms_lookup_name_t lookup;

static kallsyms_lookup_name_t resolve_kallsyms_lookup_name(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	kallsyms_lookup_name_t fn;
	int ret;

	ret = register_kprobe(&kp);
	if (ret) {
		pr_err("cannot resolve kallsyms_lookup_name through a kprobe (%d): is CONFIG_KPROBES enabled?\n",
		       ret);
		return NULL;
	}
	fn = (kallsyms_lookup_name_t)kp.addr;
	unregister_kprobe(&kp);
	return fn;
}

#define PROCSNAP_SYMBOL(sym) { #sym, (void **)&procsnap_syms.sym }

/* For the symbols only one kind of kernel needs; after init, 0 if missing. */
unsigned long procsnap_lookup_name(const char *name)
{
	return lookup(name);
}

int procsnap_symbols_init(void)
{
	const struct {
		const char *name;
		void **slot;
	} wanted[] = {
		PROCSNAP_SYMBOL(kernel_clone),
		PROCSNAP_SYMBOL(do_exit),
		PROCSNAP_SYMBOL(ptrace_may_access),
		PROCSNAP_SYMBOL(task_work_cancel_match),
		PROCSNAP_SYMBOL(ksys_setsid),
		PROCSNAP_SYMBOL(exit_files),
		PROCSNAP_SYMBOL(__set_task_comm),
		PROCSNAP_SYMBOL(tasklist_lock),
		PROCSNAP_SYMBOL(kthreadd_task),
		PROCSNAP_SYMBOL(put_task_stack),
	};
	unsigned long addr;
	size_t i;

	lookup = resolve_kallsyms_lookup_name();
	if (!lookup)
		return -ENOENT;

	for (i = 0; i < ARRAY_SIZE(wanted); i++) {
		addr = lookup(wanted[i].name);
		if (!addr) {
			pr_err("kernel symbol %s not found: this kernel is not supported\n",
			       wanted[i].name);
			return -ENOENT;
		}
		*wanted[i].slot = (void *)addr;
	}
	return 0;
}
