// SPDX-License-Identifier: GPL-2.0
/*
 * grow.so: LD_PRELOAD'ed into cyclictest to grow it like the paper's
 * target (bss enlarged by 100 MB, about 117 MB virtual).  GROW_MB (default
 * 100) megabytes are mapped; GROW_TOUCH=1 (default) writes every page so
 * they are resident, GROW_TOUCH=0 leaves them untouched (the paper's bss).
 * Built on the host by bench/run.sh: gcc -shared -fPIC -O2.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void *grow_area;

__attribute__((constructor)) static void grow(void)
{
	const char *m = getenv("GROW_MB"), *t = getenv("GROW_TOUCH");
	size_t len = (size_t)(m ? atol(m) : 100) << 20;

	if (!len)
		return;
	grow_area = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (grow_area == MAP_FAILED)
		return;
	if (!t || strcmp(t, "0"))
		for (size_t off = 0; off < len; off += 4096)
			((volatile char *)grow_area)[off] = 1;
}
