// SPDX-License-Identifier: GPL-2.0
/*
 * Memory a fork leaves out: mappings the target marked MADV_DONTFORK
 * (VM_DONTCOPY: absent from a child) or MADV_WIPEONFORK (zero in a child).
 * Marking its memory so hides it from any fork-based dump; the snapshot
 * takes it anyway.
 *
 * In the pause, right before the fork, the two flags are cleared on those
 * mappings, so that the fork copies them as it copies any other (page
 * tables, copy-on-write), and right after they are set again: on the
 * target's mappings, so its own later forks behave as before, and on the
 * clone's, so that they say which ones were recovered (VmFlags "dc" and
 * "wf" in /proc/CLONE/smaps, which a fork's child never has with its
 * memory).  No thread of the target runs in between, and the flags are
 * only changed under the mmap write lock, where the kernel changes them.
 *
 * Mappings a driver made uncopyable (VM_IO, VM_PFNMAP, VM_MIXEDMAP,
 * VM_DONTEXPAND) keep the fork's rules: madvise() cannot mark them, and
 * whether they can be shared with a second process is the driver's to say.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/slab.h>

#include "compat.h"
#include "procsnap.h"

#define HIDING_FLAGS	(VM_DONTCOPY | VM_WIPEONFORK)

/* True for a mapping that a fork would leave out or wipe for its owner. */
bool procsnap_vma_hidden(const struct vm_area_struct *vma)
{
	return (vma->vm_flags & HIDING_FLAGS) &&
	       !(vma->vm_flags & VM_SPECIAL);
}

/**
 * procsnap_unhide - let the next fork copy the hidden mappings of @mm
 * @mm: current's, every other thread of the process held off user mode
 * @h: out: what was cleared, for procsnap_rehide(); procsnap_hidden_free()
 *
 * Return: 0 (with @h->nr 0 when nothing is hidden), or -ENOMEM with
 * nothing changed.
 */
int procsnap_unhide(struct mm_struct *mm, struct procsnap_hidden *h)
{
	struct vm_area_struct *vma;
	unsigned int n = 0;

	h->nr = 0;
	h->ranges = NULL;
	mmap_write_lock(mm);
	for (vma = find_vma(mm, 0); vma; vma = find_vma(mm, vma->vm_end))
		n += procsnap_vma_hidden(vma);
	if (!n)
		goto out;
	h->ranges = kvmalloc_array(n, sizeof(*h->ranges), GFP_KERNEL_ACCOUNT);
	if (!h->ranges) {
		mmap_write_unlock(mm);
		return -ENOMEM;
	}
	for (vma = find_vma(mm, 0); vma && h->nr < n;
	     vma = find_vma(mm, vma->vm_end)) {
		if (!procsnap_vma_hidden(vma))
			continue;
		h->ranges[h->nr].start = vma->vm_start;
		h->ranges[h->nr].end = vma->vm_end;
		h->ranges[h->nr].flags = vma->vm_flags & HIDING_FLAGS;
		procsnap_vm_flags_clear(vma, HIDING_FLAGS);
		h->nr++;
	}
out:
	mmap_write_unlock(mm);
	return 0;
}

/**
 * procsnap_rehide - set the flags procsnap_unhide() cleared
 * @mm: the target's (its flags as they were), or the clone's (the marks of
 *      what was recovered); both hold the same mappings
 * @h: from procsnap_unhide()
 */
void procsnap_rehide(struct mm_struct *mm, const struct procsnap_hidden *h)
{
	struct vm_area_struct *vma;
	unsigned int i;

	if (!h->nr)
		return;
	mmap_write_lock(mm);
	for (i = 0; i < h->nr; i++)
		for (vma = find_vma(mm, h->ranges[i].start);
		     vma && vma->vm_start < h->ranges[i].end;
		     vma = find_vma(mm, vma->vm_end))
			procsnap_vm_flags_set(vma, h->ranges[i].flags);
	mmap_write_unlock(mm);
}

void procsnap_hidden_free(struct procsnap_hidden *h)
{
	kvfree(h->ranges);
	h->ranges = NULL;
	h->nr = 0;
}
