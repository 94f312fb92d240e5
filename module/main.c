// SPDX-License-Identifier: GPL-2.0
/*
 * procsnap: copy-on-write snapshots of a running process for live forensics.
 *
 * This file only brings the pieces up in order and tears them down in
 * reverse; each piece lives in its own file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include <procsnap.h>

#include "device.h"
#include "symbols.h"

static int __init procsnap_init(void)
{
	int ret;

	ret = procsnap_symbols_init();
	if (ret)
		goto err_symbols;

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
err_symbols:
	return ret;
}

static void __exit procsnap_exit(void)
{
	procsnap_device_exit();
	pr_info("unloaded\n");
}

module_init(procsnap_init);
module_exit(procsnap_exit);

MODULE_DESCRIPTION("Copy-on-write snapshots of a running process for live forensics");
MODULE_AUTHOR("The procsnap developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(PROCSNAP_MODULE_VERSION);
