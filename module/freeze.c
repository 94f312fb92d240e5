// SPDX-License-Identifier: GPL-2.0
/*
 * Frozen shared memory (PROCSNAP_REQUEST_FREEZE_SHARED).
 *
 * The fork shares a MAP_SHARED mapping with the snapshot instead of copying
 * it, so the snapshot would read whatever the target (or anyone sharing the
 * object) writes there later.  On request, the duplicating thread copies,
 * in the pause, the pages of each shared shmem mapping that are in the
 * object's page cache: for shmem that is the whole content of the object,
 * for a page not in the cache (a hole) reads as zeros.  The copies are kept
 * per snapshot, keyed by the user page address, and MEM_OPEN serves them.
 *
 * Only shmem objects are frozen (MAP_SHARED|MAP_ANONYMOUS, tmpfs and memfd
 * files, SysV shm): their page cache is their content.  A regular file's
 * pages not cached live on its disk, which keeps changing; hugetlbfs, I/O
 * and PFN mappings have no page cache to read.  A mapping is frozen whole
 * or not at all, so that a segment is either one instant or live: a page
 * swapped out (a swap entry in the cache: reading it would wait for the
 * disk inside the pause) leaves the mapping live, and the first mapping
 * that does not fit in the limit ends the freeze (truncated).
 *
 * Lifetime: the copies belong to a struct procsnap_frozen, referenced by
 * the snapshot and by each MEM_OPEN file.  They are freed as soon as the
 * clone exits (clone_gone(), every deletion and module unload go through
 * it), even while a file is open: such a file then reads 0 as it does for
 * the rest of a deleted snapshot.  frozen->lock orders that against reads.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bsearch.h>
#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <procsnap.h>

#include "compat.h"
#include "procsnap.h"

unsigned long procsnap_freeze_max_bytes = 1UL << 30;
/* Copies alive, all snapshots together: the tests' proof of no leak. */
atomic_long_t procsnap_nr_frozen_pages = ATOMIC_LONG_INIT(0);

/* Page references taken under RCU, copied after it: holes cost nothing. */
#define FREEZE_BATCH	16

/*
 * Charged to the requester (the caller sets its memcg active).  No OOM
 * kill for it: NORETRY makes a full memcg refuse instead, which truncates.
 */
#define FREEZE_GFP	(GFP_KERNEL_ACCOUNT | __GFP_NORETRY | __GFP_NOWARN)

static bool vma_freezable(struct vm_area_struct *vma)
{
	if (!(vma->vm_flags & VM_SHARED) || !(vma->vm_flags & VM_MAYREAD))
		return false;
	if (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		return false;
	if (is_vm_hugetlb_page(vma) || !vma->vm_file)
		return false;
	return procsnap_shmem_mapping(vma->vm_file->f_mapping);
}

static void free_copies(struct xarray *pages, unsigned long first,
			unsigned long last)
{
	unsigned long index;
	struct page *page;

	xa_for_each_range(pages, index, page, first, last) {
		xa_erase(pages, index);
		__free_page(page);
		atomic_long_dec(&procsnap_nr_frozen_pages);
		cond_resched();
	}
}

struct freeze_walk {
	struct procsnap_frozen *frozen;
	struct vm_area_struct *vma;
	struct address_space *mapping;
	pgoff_t next;			/* first index not yet looked at */
	pgoff_t last;			/* of the mapping, inclusive */
	u64 bytes;			/* copied for this mapping */
	bool swapped;
	unsigned int nr;
	struct page *batch[FREEZE_BATCH];	/* head pages, referenced */
};

/*
 * Up to FREEZE_BATCH cached pages from walk->next on.  A large folio
 * (shmem THP) is one entry: its head page, whatever slot it was met at.
 */
static void gather(struct freeze_walk *w)
{
	XA_STATE(xas, &w->mapping->i_pages, w->next);
	struct page *page;

	w->nr = 0;
	rcu_read_lock();
	xas_for_each(&xas, page, w->last) {
		if (xas_retry(&xas, page))
			continue;
		if (xa_is_value(page)) {
			w->swapped = true;
			break;
		}
		if (!get_page_unless_zero(page))
			goto reset;
		if (unlikely(page != xas_reload(&xas))) {
			put_page(page);
			goto reset;
		}
		w->batch[w->nr++] = page;
		if (w->nr == FREEZE_BATCH)
			break;
		continue;
reset:
		xas_reset(&xas);
	}
	rcu_read_unlock();
}

/* Copies one cached page of the mapping, if within it and not yet done. */
static int copy_one(struct freeze_walk *w, struct page *src, pgoff_t index)
{
	struct procsnap_frozen *frozen = w->frozen;
	struct vm_area_struct *vma = w->vma;
	unsigned long addr;
	struct page *copy;
	int ret;

	if (index < vma->vm_pgoff || index > w->last)
		return 0;
	if (frozen->bytes + w->bytes + PAGE_SIZE > frozen->limit)
		return -E2BIG;
	addr = vma->vm_start + ((index - vma->vm_pgoff) << PAGE_SHIFT);
	copy = alloc_page(FREEZE_GFP);
	if (!copy)
		return -ENOMEM;
	copy_highpage(copy, src);
	ret = xa_insert(&frozen->pages, addr >> PAGE_SHIFT, copy, FREEZE_GFP);
	if (ret) {
		__free_page(copy);
		/* -EBUSY: met twice (a slot per subpage on older kernels). */
		return ret == -EBUSY ? 0 : ret;
	}
	atomic_long_inc(&procsnap_nr_frozen_pages);
	w->bytes += PAGE_SIZE;
	return 0;
}

static int copy_batch(struct freeze_walk *w)
{
	unsigned int i, j, n;
	pgoff_t base;
	int ret = 0;

	for (i = 0; i < w->nr; i++) {
		struct page *head = w->batch[i];

		base = head->index;
		n = compound_nr(head);
		for (j = 0; j < n && !ret; j++)
			ret = copy_one(w, head + j, base + j);
		if (base + n > w->next)
			w->next = base + n;
		put_page(head);
		cond_resched();
	}
	return ret;
}

/*
 * Freezes one mapping, or leaves it live: returns 0 either way, or
 * -E2BIG / -ENOMEM when the freeze must stop here (its copies undone).
 */
static int freeze_vma(struct procsnap_frozen *frozen,
		      struct vm_area_struct *vma, unsigned int *nr_ranges)
{
	struct freeze_walk w = {
		.frozen = frozen,
		.vma = vma,
		.mapping = vma->vm_file->f_mapping,
		.next = vma->vm_pgoff,
		.last = vma->vm_pgoff + vma_pages(vma) - 1,
	};
	struct procsnap_frozen_range *r = &frozen->ranges[*nr_ranges];
	pgoff_t eof = DIV_ROUND_UP(i_size_read(w.mapping->host), PAGE_SIZE);
	int ret = 0;

	do {
		gather(&w);
		ret = copy_batch(&w);
	} while (!ret && !w.swapped && w.nr);
	if (ret || w.swapped) {
		free_copies(&frozen->pages, vma->vm_start >> PAGE_SHIFT,
			    (vma->vm_end >> PAGE_SHIFT) - 1);
		return ret;
	}
	r->start = vma->vm_start;
	r->end = vma->vm_end;
	eof = clamp(eof, vma->vm_pgoff, w.last + 1);
	r->eof = vma->vm_start + ((eof - vma->vm_pgoff) << PAGE_SHIFT);
	r->bytes = w.bytes;
	frozen->bytes += w.bytes;
	(*nr_ranges)++;
	return 0;
}

static void frozen_release(struct kref *kref)
{
	struct procsnap_frozen *frozen =
		container_of(kref, struct procsnap_frozen, ref);

	procsnap_frozen_drop_pages(frozen);
	kvfree(frozen->ranges);
	kfree(frozen);
}

void procsnap_frozen_put(struct procsnap_frozen *frozen)
{
	if (frozen)
		kref_put(&frozen->ref, frozen_release);
}

/**
 * procsnap_frozen_drop_pages - free the copies; the snapshot is gone
 * @frozen: may be NULL
 *
 * Readers that come later find frozen->released and read nothing.
 */
void procsnap_frozen_drop_pages(struct procsnap_frozen *frozen)
{
	if (!frozen)
		return;
	down_write(&frozen->lock);
	if (!frozen->released) {
		free_copies(&frozen->pages, 0, ULONG_MAX);
		xa_destroy(&frozen->pages);
		frozen->released = true;
	}
	up_write(&frozen->lock);
}

/**
 * procsnap_freeze_shared - copy current's shared memory; in the pause
 * @snap: the snapshot being made; gets snap->frozen
 * @limit: bytes at most
 *
 * Runs in the target's context with its other threads quiesced, before
 * the fork, with the requester's memcg active.  Return: 0, the freeze
 * perhaps truncated (by the limit or the requester's memcg: LIST tells),
 * or -ENOMEM.
 */
int procsnap_freeze_shared(struct procsnap_snapshot *snap, u64 limit)
{
	struct mm_struct *mm = current->mm;
	struct procsnap_frozen *frozen;
	struct vm_area_struct *vma;
	unsigned int n = 0, nr_ranges = 0;
	int ret = 0;

	frozen = kzalloc(sizeof(*frozen), GFP_KERNEL_ACCOUNT);
	if (!frozen)
		return -ENOMEM;
	kref_init(&frozen->ref);
	init_rwsem(&frozen->lock);
	xa_init(&frozen->pages);
	frozen->limit = limit;
	snap->frozen = frozen;

	/* The check's lock was dropped: the quiesced threads map nothing. */
	mmap_read_lock(mm);
	for (vma = find_vma(mm, 0); vma; vma = find_vma(mm, vma->vm_end))
		n += vma_freezable(vma);
	if (n) {
		frozen->ranges = kvcalloc(n, sizeof(*frozen->ranges),
					  GFP_KERNEL_ACCOUNT);
		if (!frozen->ranges)
			ret = -ENOMEM;
	}
	for (vma = find_vma(mm, 0); vma && !ret;
	     vma = find_vma(mm, vma->vm_end)) {
		if (!vma_freezable(vma))
			continue;
		if (nr_ranges == n) {
			/* Mapped since counting?  Not by a quiesced thread. */
			frozen->truncated = true;
			break;
		}
		ret = freeze_vma(frozen, vma, &nr_ranges);
	}
	mmap_read_unlock(mm);
	frozen->nr_ranges = nr_ranges;
	if (ret == -E2BIG || ret == -ENOMEM) {
		/* The limit, or the requester's memcg, is reached. */
		frozen->truncated = true;
		ret = 0;
	}
	return ret;
}

static int cmp_range(const void *key, const void *elt)
{
	unsigned long addr = *(const unsigned long *)key;
	const struct procsnap_frozen_range *r = elt;

	if (addr < r->start)
		return -1;
	return addr >= r->end;
}

/* The frozen range holding @addr, or NULL; ranges never change once made. */
const struct procsnap_frozen_range *
procsnap_frozen_range(const struct procsnap_frozen *frozen, unsigned long addr)
{
	if (!frozen)
		return NULL;
	return bsearch(&addr, frozen->ranges, frozen->nr_ranges,
		       sizeof(*frozen->ranges), cmp_range);
}

/* The start of the first frozen range after @addr, or ULONG_MAX. */
unsigned long procsnap_frozen_next(const struct procsnap_frozen *frozen,
				   unsigned long addr)
{
	unsigned int i;

	for (i = 0; frozen && i < frozen->nr_ranges; i++)
		if (frozen->ranges[i].start > addr)
			return frozen->ranges[i].start;
	return ULONG_MAX;
}

/**
 * procsnap_frozen_read - copy frozen memory into a kernel buffer
 * @frozen: the snapshot's
 * @addr: within a frozen range, below its eof
 * @buf: at least @len bytes
 * @len: not past @addr's page
 *
 * Return: false when the copies are gone with the snapshot.
 */
bool procsnap_frozen_read(struct procsnap_frozen *frozen, unsigned long addr,
			  void *buf, size_t len)
{
	struct page *page;
	bool ok;

	down_read(&frozen->lock);
	ok = !frozen->released;
	if (ok) {
		page = xa_load(&frozen->pages, addr >> PAGE_SHIFT);
		if (page)
			memcpy_from_page(buf, page, offset_in_page(addr), len);
		else
			memset(buf, 0, len);
	}
	up_read(&frozen->lock);
	return ok;
}

int procsnap_snapshot_frozen(pid_t nr, void __user *entries, u32 entry_size,
			     u32 *nr_entries, u32 *total)
{
	struct procsnap_frozen_info info;
	const struct procsnap_frozen_range *r;
	struct procsnap_snapshot *snap;
	struct procsnap_frozen *frozen;
	u32 room = *nr_entries, i = 0;
	int ret;

	ret = procsnap_snapshot_get_readable(nr, &snap);
	if (ret)
		return ret;
	frozen = snap->frozen;
	for (; frozen && i < frozen->nr_ranges && i < room && !ret; i++) {
		r = &frozen->ranges[i];
		memset(&info, 0, sizeof(info));
		info.start = r->start;
		info.end = r->end;
		info.eof = r->eof;
		info.bytes = r->bytes;
		ret = procsnap_put_entry(entries, i, entry_size, &info,
					 sizeof(info));
	}
	*nr_entries = ret ? 0 : i;
	*total = frozen ? frozen->nr_ranges : 0;
	procsnap_snapshot_put(snap);
	return ret;
}
