// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOTLB messages written to /dev/vhost-vdpa-N: parsing (v1 and v2, with
 * address spaces and batches), pinning user memory (charged to the
 * owner's RLIMIT_MEMLOCK) or recording VA ranges for use_va parents, and
 * the three routes to the parent: dma_map/dma_unmap per range, set_map
 * with the whole table, or a platform IOMMU domain.
 */

#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/uio.h>

#include "internal.h"

/* --- routes to the parent --------------------------------------------- */

static int vhv_iommu_prot(u32 perm)
{
	return IOMMU_CACHE | (perm & VHOST_MAP_RO ? IOMMU_READ : 0) |
	       (perm & VHOST_MAP_WO ? IOMMU_WRITE : 0);
}

static int vhv_route_map(struct vhost_vdpa *v, u32 asid,
			 struct vhost_iotlb_map *map)
{
	const struct vdpa_config_ops *ops = vhv_ops(v);
	u64 size = map->last - map->start + 1;

	/* a physical mapping's opaque is ours (its span), not the parent's */
	if (ops->dma_map)
		return ops->dma_map(v->vdpa, asid, map->start, size, map->addr,
				    map->perm, v->use_va ? map->opaque : NULL);
	if (ops->set_map)
		return 0;	/* the whole table goes at commit */
	return iommu_map(v->domain, map->start, map->addr, size,
			 vhv_iommu_prot(map->perm), GFP_KERNEL);
}

static void vhv_route_unmap(struct vhost_vdpa *v, u32 asid,
			    struct vhost_iotlb_map *map)
{
	const struct vdpa_config_ops *ops;
	u64 size = map->last - map->start + 1;

	if (!v->vdpa)
		return;
	ops = vhv_ops(v);
	if (ops->dma_unmap)
		ops->dma_unmap(v->vdpa, asid, map->start, size);
	else if (!ops->set_map && v->domain)
		iommu_unmap(v->domain, map->start, size);
}

/* --- releasing ranges ------------------------------------------------- */

/**
 * struct vhv_retired_range - a range gone from the table, its pages held
 * @start: first IOVA it covered
 * @last: last IOVA it covered
 * @addr: physical address of @start (or user address for use_va)
 * @perm: its permission (``VHOST_MAP_*``)
 * @mf: use_va: the backing file, else NULL
 * @span: not use_va: the span it was made from (share.c), or NULL
 */
struct vhv_retired_range {
	u64 start;
	u64 last;
	u64 addr;
	u32 perm;
	struct vdpa_map_file *mf;
	struct vhv_span *span;
};

/**
 * struct vhv_retired - ranges of one address space waiting for a commit
 * @node: in &vhost_vdpa.retired
 * @asid: the address space they were removed from
 * @n: ranges used in @r
 * @r: the ranges, in the order they were removed
 *
 * A set_map parent learns of removals only when the table is committed,
 * at once or at BATCH_END: until then it may still use the ranges, so
 * their pages stay pinned here. Ranges are recorded many to an
 * allocation: unmapping guest memory of fragmented 4 KiB pages removes
 * one range per physically contiguous run, hundreds of thousands for a
 * few GiB, and an allocation each would double the cost of the unmap.
 */
struct vhv_retired {
	struct list_head node;
	u32 asid;
	u32 n;
	struct vhv_retired_range r[];
};

/* Ranges per &struct vhv_retired: what fits one 4 KiB allocation. */
#define VHV_RETIRED_PER ((SZ_4K - sizeof(struct vhv_retired)) / \
			 sizeof(struct vhv_retired_range))

static void vhv_release(struct vhost_vdpa *v,
			const struct vhv_retired_range *r)
{
	unsigned long first, npages;

	if (r->mf) {		/* use_va: a file reference, no pins */
		fput(r->mf->file);
		kfree(r->mf);
		return;
	}
	first = PFN_DOWN(r->addr);
	npages = PFN_DOWN(r->addr + (r->last - r->start)) - first + 1;
	/* the registry unpins what no other mapping holds */
	vhv_share_release(v->share, first, npages);
	vhv_span_put(v->share, r->span);
}

/* For vhv_release_retired(): every address space (after a reset). */
#define VHV_ALL_AS U32_MAX

/*
 * Release what the parent no longer uses: the ranges retired from @asid,
 * or from every address space with VHV_ALL_AS.
 */
static void vhv_release_retired(struct vhost_vdpa *v, u32 asid)
{
	struct vhv_retired *r, *tmp;
	u32 i;

	lockdep_assert_held(&v->lock);
	list_for_each_entry_safe(r, tmp, &v->retired, node) {
		if (asid != VHV_ALL_AS && r->asid != asid)
			continue;
		list_del(&r->node);
		for (i = 0; i < r->n; i++)
			vhv_release(v, &r->r[i]);
		kfree(r);
	}
}

/*
 * Hand the table of @asid to a set_map parent now. When set_map returns
 * the parent no longer uses what the table lacks: only then are the
 * ranges retired from @asid released (another address space's wait for
 * its own commit). If it fails they stay pinned until a later
 * commit succeeds or the file is closed (which resets the device first).
 */
static int vhv_commit_now(struct vhost_vdpa *v, u32 asid)
{
	int err = vhv_ops(v)->set_map(v->vdpa, asid, &v->iotlb[asid]);

	if (!err)
		vhv_release_retired(v, asid);
	return err;
}

/* vhv_commit_now() for a set_map parent, unless a batch defers it. */
static int vhv_route_commit(struct vhost_vdpa *v, u32 asid)
{
	lockdep_assert_held(&v->lock);
	if (!v->vdpa || !vhv_ops(v)->set_map || v->in_batch)
		return 0;
	return vhv_commit_now(v, asid);
}

/* Room for one more range retired from @asid: the last record's or a new one. */
static struct vhv_retired *vhv_retired_room(struct vhost_vdpa *v, u32 asid)
{
	struct vhv_retired *r;

	if (!list_empty(&v->retired)) {
		r = list_last_entry(&v->retired, struct vhv_retired, node);
		if (r->asid == asid && r->n < VHV_RETIRED_PER)
			return r;
	}
	r = kmalloc(SZ_4K, GFP_KERNEL_ACCOUNT);
	if (!r)
		return NULL;
	r->asid = asid;
	r->n = 0;
	list_add_tail(&r->node, &v->retired);
	return r;
}

/*
 * Take @map out of the table. dma_map parents and the IOMMU domain forget
 * it synchronously, so its pages go at once; a set_map parent forgets it
 * at the next commit, so the pages wait in &vhost_vdpa.retired, unless
 * the parent never saw it (@seen false: an update that failed half way,
 * or a device that was reset). Room for the record is found first:
 * without memory the entry stays in the table (-ENOMEM), for the pages may
 * be neither released while the parent may use them nor kept pinned with
 * nothing left to release them later.
 */
static int vhv_retire(struct vhost_vdpa *v, u32 asid,
		      struct vhost_iotlb_map *map, bool seen)
{
	struct vhv_retired_range now = {
		.start = map->start, .last = map->last, .addr = map->addr,
		.perm = map->perm,
	};
	struct vhv_retired *r;

	if (v->use_va)
		now.mf = map->opaque;
	else
		now.span = map->opaque;
	if (!seen || !v->vdpa || !vhv_ops(v)->set_map) {
		vhv_route_unmap(v, asid, map);
		vhost_iotlb_map_free(&v->iotlb[asid], map);
		vhv_release(v, &now);
		return 0;
	}
	r = vhv_retired_room(v, asid);
	if (!r)
		return -ENOMEM;
	r->r[r->n++] = now;
	vhv_route_unmap(v, asid, map);
	vhost_iotlb_map_free(&v->iotlb[asid], map);
	return 0;
}

/*
 * Remove [@start, @last] from the table (@seen: see vhv_retire()). Only
 * with @seen can it fail (-ENOMEM), leaving the entries it did not reach.
 */
static int vhv_unmap_range(struct vhost_vdpa *v, u32 asid, u64 start,
			   u64 last, bool seen)
{
	struct vhost_iotlb *iotlb = &v->iotlb[asid];
	struct vhost_iotlb_map *map, *next;
	int err;

	lockdep_assert_held(&v->lock);
	for (map = vhost_iotlb_itree_first(iotlb, start, last); map; map = next) {
		/* the next before @map goes: one tree descent, not one each */
		next = vhost_iotlb_itree_next(map, start, last);
		err = vhv_retire(v, asid, map, seen);
		if (err)
			return err;
	}
	return 0;
}

/**
 * vhost_vdpa_unmap_all() - drop every mapping of every address space
 * @v: the device, with its lock held and the device reset (no DMA)
 *
 * Unpins every page and tells the parent (when still present). A parent
 * with reset_map then gets its mappings of creation time back, so the
 * next bus driver (virtio_vdpa, say) finds them as it would on a new
 * device rather than an empty table.
 */
void vhost_vdpa_unmap_all(struct vhost_vdpa *v)
{
	u32 asid;
	int err;

	lockdep_assert_held(&v->lock);
	v->in_batch = false;
	for (asid = 0; asid < v->nas; asid++) {
		/* Without memory to wait for the commit: no DMA, go at once. */
		if (vhv_unmap_range(v, asid, 0, U64_MAX, true))
			vhv_unmap_range(v, asid, 0, U64_MAX, false);
		vhv_route_commit(v, asid);
	}
	/* The device was reset: nothing uses what a failed commit left. */
	vhv_release_retired(v, VHV_ALL_AS);
	for (asid = 0; v->vdpa && vhv_ops(v)->reset_map && asid < v->nas;
	     asid++) {
		err = vhv_ops(v)->reset_map(v->vdpa, asid);
		if (err)
			dev_warn(&v->dev, "address space %u: reset_map failed: %d\n",
				 asid, err);
	}
}

/*
 * An address space given to userspace starts empty: a parent that starts
 * with an identity mapping (the simulator's view for kernel drivers)
 * drops it on set_map or dma_unmap. The IOMMU domain starts empty.
 */
static int vhv_route_empty(struct vhost_vdpa *v, u32 asid)
{
	const struct vdpa_config_ops *ops = vhv_ops(v);
	u64 half = 1ULL << 63;
	int err;

	if (ops->set_map)
		return ops->set_map(v->vdpa, asid, &v->iotlb[asid]);
	if (!ops->dma_unmap)
		return 0;
	err = ops->dma_unmap(v->vdpa, asid, 0, half);
	return err ?: ops->dma_unmap(v->vdpa, asid, half, half);
}

/**
 * vhost_vdpa_iotlb_open() - empty every address space for a new opener
 * @v: the device, with its lock held, its vDPA device present and no
 *     mapping in its tables
 *
 * Return: 0 or the parent's -errno.
 */
int vhost_vdpa_iotlb_open(struct vhost_vdpa *v)
{
	u32 asid;
	int err;

	lockdep_assert_held(&v->lock);
	for (asid = 0; asid < v->nas; asid++) {
		err = vhv_route_empty(v, asid);
		if (err)
			return err;
	}
	return 0;
}

/* --- adding ranges ---------------------------------------------------- */

/* @opaque: use_va, the &struct vdpa_map_file; else the span (or NULL) */
static int vhv_add(struct vhost_vdpa *v, u32 asid, u64 start, u64 last,
		   u64 addr, u32 perm, void *opaque)
{
	struct vhost_iotlb *iotlb = &v->iotlb[asid];
	struct vhost_iotlb_map *map;
	int err;

	err = vhost_iotlb_add_range_ctx(iotlb, start, last, addr, perm, opaque);
	if (err)
		return err;
	map = vhost_iotlb_itree_first(iotlb, start, last);
	err = vhv_route_map(v, asid, map);
	if (err)
		vhost_iotlb_map_free(iotlb, map);
	return err;
}

/* A physically contiguous run of pinned pages, in user-page units. */
struct vhv_run {
	u64 iova;		/* IOVA of the run's first page */
	phys_addr_t pa;		/* its physical address */
	u64 len;		/* bytes, whole pages */
};

/* RLIMIT_MEMLOCK in pages, or no limit with CAP_IPC_LOCK. */
static unsigned long vhv_memlock_pages(void)
{
	if (capable(CAP_IPC_LOCK))
		return ULONG_MAX;
	return PFN_DOWN(rlimit(RLIMIT_MEMLOCK));
}

/*
 * Map the pages [@pfn, @pfn + @n) the owner's registry holds for this
 * mapping at IOVA @iova, clipped to the requested [@first, @last], as
 * one IOTLB entry made from span @sp (which it references). Without
 * success the hold is released.
 */
static int vhv_map_held(struct vhost_vdpa *v, u32 asid, unsigned long pfn,
			unsigned long n, u64 iova, u64 first, u64 last,
			u32 perm, struct vhv_span *sp)
{
	u64 start = max(iova, first);
	u64 end = min(iova + ((u64)n << PAGE_SHIFT) - 1, last);
	int err;

	err = vhv_add(v, asid, start, end, PFN_PHYS(pfn) + (start - iova),
		      perm, vhv_span_get(sp));
	if (err) {
		vhv_span_put(v->share, sp);
		vhv_share_release(v->share, pfn, n);
	}
	return err;
}

/*
 * Hand the pins of @run over to the owner's registry (share.c), which
 * charges the pages no other mapping of the owner's devices holds
 * (-ENOMEM past RLIMIT_MEMLOCK, the pins still the caller's) and drops
 * the pins of those it holds already; then map it (vhv_map_held()) and
 * record it in @sp.
 */
static int vhv_flush_run(struct vhost_vdpa *v, u32 asid, struct vhv_run *run,
			 u64 first, u64 last, u32 perm, struct vhv_span *sp)
{
	unsigned long pfn = PFN_DOWN(run->pa), n = run->len >> PAGE_SHIFT;
	int err;

	if (!run->len)
		return 0;
	err = vhv_share_hold(v->share, pfn, n, vhv_memlock_pages(),
			     VHV_HOLD_PINNED |
			     (perm & VHOST_MAP_WO ? VHV_HOLD_DIRTY : 0));
	if (err)
		return err;
	run->len = 0;		/* the pins are the registry's */
	vhv_span_add(sp, pfn, n);
	return vhv_map_held(v, asid, pfn, n, run->iova, first, last, perm, sp);
}

static void vhv_unpin_run(struct vhv_run *run)
{
	if (run->len)
		unpin_user_page_range_dirty_lock(pfn_to_page(PFN_DOWN(run->pa)),
						 run->len >> PAGE_SHIFT, false);
	run->len = 0;
}

/* Whether @npages more pinned pages fit the owner's RLIMIT_MEMLOCK. */
int vhost_vdpa_charge_check(struct vhost_vdpa *v, unsigned long npages)
{
	unsigned long limit = vhv_memlock_pages();

	if (limit == ULONG_MAX)
		return 0;
	if (npages + atomic64_read(&v->owner->pinned_vm) > limit)
		return -ENOMEM;
	return 0;
}

/*
 * Add pages[0..n) (pinned, at IOVA *@iova onwards) to @run, flushing it
 * (recorded in @sp).
 */
static int vhv_take_pages(struct vhost_vdpa *v, u32 asid, struct vhv_run *run,
			  struct page **pages, long n, u64 *iova,
			  const struct vhost_iotlb_msg *msg, struct vhv_span *sp)
{
	u64 last = msg->iova + msg->size - 1;
	long i;
	int err;

	for (i = 0; i < n; i++, *iova += PAGE_SIZE) {
		phys_addr_t pa = page_to_phys(pages[i]);

		if (run->len && run->pa + run->len == pa) {
			run->len += PAGE_SIZE;
			continue;
		}
		err = vhv_flush_run(v, asid, run, msg->iova, last, msg->perm,
				    sp);
		if (err) {
			unpin_user_pages(pages + i, n - i);
			return err;
		}
		*run = (struct vhv_run){ .iova = *iova, .pa = pa,
					.len = PAGE_SIZE };
	}
	return 0;
}

/*
 * Pin up to @n pages at @uaddr with the device lock dropped: a page fault
 * that stalls (userfaultfd, say) must not hold up removal, which takes
 * the lock. IOTLB messages stay serialised by map_lock, so the table
 * range checked free stays free; removal may empty the table meanwhile.
 * Returns the number pinned, or -errno (-ENODEV: removed meanwhile).
 */
long vhost_vdpa_pin_unlocked(struct vhost_vdpa *v, unsigned long uaddr,
			     unsigned long n, unsigned int gup,
			     struct page **pages)
{
	long got;

	lockdep_assert_held(&v->map_lock);
	mutex_unlock(&v->lock);
	got = pin_user_pages_fast(uaddr, n, gup, pages);
	mutex_lock(&v->lock);
	if (got > 0 && !v->vdpa) {
		unpin_user_pages(pages, got);
		return -ENODEV;
	}
	return got ? got : -EFAULT;
}

/*
 * Pages pinned per pin_user_pages_fast() call: 64 KiB of page pointers
 * (16 times what one page holds), fewer lock round trips and calls.
 */
#define VHV_PIN_BATCH	(SZ_64K / sizeof(struct page *))

/*
 * Map @msg from the pages a mapping of the owner's devices pinned at the
 * same user addresses, if the registry has them (vhv_span_hold()): no
 * page is pinned. Returns -ENOENT when it has not; on another failure
 * nothing of @msg stays mapped.
 */
static int vhv_map_from_span(struct vhost_vdpa *v, u32 asid,
			     const struct vhost_iotlb_msg *msg)
{
	unsigned long off = msg->uaddr & ~PAGE_MASK;
	unsigned long npages = PFN_UP(off + msg->size), pfn, n;
	u64 iova = msg->iova - off, last = msg->iova + msg->size - 1;
	struct vhv_span_iter it;
	struct vhv_span *sp;
	int err = 0;

	sp = vhv_span_hold(v->share, msg->uaddr - off, npages,
			   msg->perm & VHOST_MAP_WO);
	if (!sp)
		return -ENOENT;
	vhv_span_iter_init(&it, sp, msg->uaddr - off, npages);
	while (vhv_span_iter_next(&it, &pfn, &n)) {
		if (!err)
			err = vhv_map_held(v, asid, pfn, n, iova, msg->iova,
					   last, msg->perm, sp);
		else	/* held for this mapping: released unmapped */
			vhv_share_release(v->share, pfn, n);
		iova += (u64)n << PAGE_SHIFT;
	}
	if (err)
		vhv_unmap_range(v, asid, msg->iova, last, false);
	vhv_span_put(v->share, sp);
	return err;
}

/*
 * Pin the user memory of @msg in batches and map it in runs of
 * physically contiguous pages (recorded in @sp); the run not mapped yet
 * is left in @run.
 */
static int vhv_pin_runs(struct vhost_vdpa *v, u32 asid,
			const struct vhost_iotlb_msg *msg, struct vhv_run *run,
			struct vhv_span *sp)
{
	unsigned int gup = FOLL_LONGTERM |
			   (msg->perm & VHOST_MAP_WO ? FOLL_WRITE : 0);
	unsigned long off = msg->uaddr & ~PAGE_MASK;
	unsigned long npages = PFN_UP(off + msg->size), done = 0;
	unsigned long batch = min_t(unsigned long, npages, VHV_PIN_BATCH);
	u64 iova = msg->iova - off;
	struct page **pages;
	long n;
	int err = 0;

	pages = kvmalloc_array(batch, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	while (done < npages && !err) {
		n = vhost_vdpa_pin_unlocked(v, msg->uaddr - off +
					    done * PAGE_SIZE,
					    min(npages - done, batch), gup,
					    pages);
		if (n < 0) {
			err = n;
			break;
		}
		done += n;
		err = vhv_take_pages(v, asid, run, pages, n, &iova, msg, sp);
	}
	kvfree(pages);
	return err;
}

/*
 * Map the user memory of @msg: from pages the owner's devices pinned at
 * the same addresses when the registry knows them, else pinned here (and
 * recorded for the next device), each page charged once per owner mm
 * (share.c). On failure nothing of @msg stays mapped, pinned or charged.
 */
static int vhv_pin_map(struct vhost_vdpa *v, u32 asid,
		       const struct vhost_iotlb_msg *msg)
{
	unsigned long off = msg->uaddr & ~PAGE_MASK;
	unsigned long npages = PFN_UP(off + msg->size);
	u64 last = msg->iova + msg->size - 1;
	struct vhv_share *s = v->share;
	struct vhv_run run = { };
	struct vhv_span *sp;
	int err;

	if ((msg->iova & ~PAGE_MASK) != off)
		return -EINVAL;
	/* what the owner's devices hold already may be mapped again */
	err = vhost_vdpa_charge_check(v, vhv_share_fresh_max(s, npages));
	if (err)
		return err;
	err = vhv_map_from_span(v, asid, msg);
	if (err != -ENOENT)
		return err;
	/*
	 * Pinning drops v->lock: a removal meanwhile closes the device and
	 * puts its registry (v->share NULL, v->vdpa NULL: pinning then
	 * fails with -ENODEV). The span begun here lives in that registry:
	 * a reference of this mapping's own keeps it until the span ends.
	 */
	vhv_share_ref(s);
	sp = vhv_span_begin(s, msg->uaddr - off, npages,
			    msg->perm & VHOST_MAP_WO);
	err = vhv_pin_runs(v, asid, msg, &run, sp);
	if (!err)
		err = vhv_flush_run(v, asid, &run, msg->iova, last, msg->perm,
				    sp);
	vhv_span_end(s, sp, !err);
	vhv_share_put(s);
	if (err) {
		vhv_unpin_run(&run);
		vhv_unmap_range(v, asid, msg->iova, last, false);
	}
	return err;
}

/*
 * use_va parents: record user addresses with the backing file of each VMA.
 * Memory the parent cannot share is skipped, not refused: private or
 * anonymous memory has no file to hand over, device memory and raw PFN
 * maps have no pages. That range stays unmapped (the device cannot reach
 * it) and the update succeeds, as in-tree: a VMM maps all of its guest's
 * RAM regions, ROMs in private anonymous memory among them (QEMU), and
 * must not fail on those.
 */
static int vhv_va_map_vma(struct vhost_vdpa *v, u32 asid,
			  const struct vhost_iotlb_msg *msg,
			 struct vm_area_struct *vma, u64 uaddr, u64 end)
{
	u64 last = min_t(u64, end, vma->vm_end - 1);
	u64 start_iova = msg->iova + (uaddr - msg->uaddr);
	struct vdpa_map_file *mf;
	int err;

	if (!vma->vm_file || !(vma->vm_flags & VM_SHARED) ||
	    (vma->vm_flags & (VM_IO | VM_PFNMAP)))
		return 0;
	mf = kzalloc(sizeof(*mf), GFP_KERNEL);
	if (!mf)
		return -ENOMEM;
	mf->file = get_file(vma->vm_file);
	mf->offset = (vma->vm_pgoff << PAGE_SHIFT) + uaddr - vma->vm_start;
	err = vhv_add(v, asid, start_iova, start_iova + (last - uaddr), uaddr,
		      msg->perm, mf);
	if (err) {
		fput(mf->file);
		kfree(mf);
	}
	return err;
}

static int vhv_va_map(struct vhost_vdpa *v, u32 asid,
		      const struct vhost_iotlb_msg *msg)
{
	u64 uaddr = msg->uaddr, end = msg->uaddr + msg->size - 1;
	struct vm_area_struct *vma;
	int err = 0;

	mmap_read_lock(current->mm);
	while (uaddr <= end && !err) {
		vma = find_vma(current->mm, uaddr);
		if (!vma || vma->vm_start > uaddr)
			err = -EFAULT;
		else
			err = vhv_va_map_vma(v, asid, msg, vma, uaddr, end);
		if (!err && vma->vm_end - 1 >= end)
			break;
		if (!err)
			uaddr = vma->vm_end;
	}
	mmap_read_unlock(current->mm);
	if (err)
		vhv_unmap_range(v, asid, msg->iova, msg->iova + msg->size - 1,
				false);
	return err;
}

/* --- messages --------------------------------------------------------- */

/*
 * An IOVA range of a message: not empty, not wrapping, and page aligned
 * on the IOMMU route, whose smallest unit is a page (rounding would map
 * or unmap bytes the message did not name).
 */
static bool vhv_range_ok(struct vhost_vdpa *v, u64 iova, u64 size)
{
	if (!size || iova + size - 1 < iova)
		return false;
	return !v->domain || PAGE_ALIGNED(iova | size);
}

static int vhv_check_update(struct vhost_vdpa *v, u32 asid,
			    const struct vhost_iotlb_msg *m)
{
	u64 last = m->iova + m->size - 1;

	if (!vhv_range_ok(v, m->iova, m->size))
		return -EINVAL;
	/* The user range must exist: a size near 2^64 cannot. */
	if (!access_ok(u64_to_user_ptr(m->uaddr), m->size))
		return -EINVAL;
	if (m->iova < v->range.first || last > v->range.last)
		return -EINVAL;
	if (!m->perm || (m->perm & ~VHOST_MAP_RW))
		return -EINVAL;
	if (vhost_iotlb_itree_first(&v->iotlb[asid], m->iova, last))
		return -EEXIST;
	return 0;
}

/*
 * A set_map parent refused the table with @msg's range in it (more
 * entries than it holds, say): take the range out again and hand the
 * parent the table it had before, so that the failed update changes
 * nothing. The range goes through &vhost_vdpa.retired: its pages are
 * released once that commit succeeds. If it fails too, the parent's
 * space is left empty (the device fails on any access) and the pages stay
 * pinned until a later commit succeeds or the file is closed.
 */
static void vhv_update_undo(struct vhost_vdpa *v, u32 asid,
			    const struct vhost_iotlb_msg *msg)
{
	int err = vhv_unmap_range(v, asid, msg->iova,
				  msg->iova + msg->size - 1, true);

	if (vhv_commit_now(v, asid) || err)
		dev_warn_ratelimited(&v->dev, "address space %u: a refused update could not be taken back\n",
				     asid);
}

static int vhv_update(struct vhost_vdpa *v, u32 asid,
		      const struct vhost_iotlb_msg *msg)
{
	int err = vhv_check_update(v, asid, msg);

	if (err)
		return err;
	/* the dirty log covers a writable range before the device has it */
	if (msg->perm & VHOST_MAP_WO)
		err = vhost_vdpa_log_cover(v, msg->iova + msg->size - 1);
	if (err)
		return err;
	if (v->vdpa->use_va)
		err = vhv_va_map(v, asid, msg);
	else
		err = vhv_pin_map(v, asid, msg);
	if (err)
		return err;
	err = vhv_route_commit(v, asid);
	if (err)
		vhv_update_undo(v, asid, msg);
	return err;
}

static int vhv_invalidate(struct vhost_vdpa *v, u32 asid,
			  const struct vhost_iotlb_msg *msg)
{
	u64 last = msg->iova + msg->size - 1;
	int err, cerr;

	if (!vhv_range_ok(v, msg->iova, msg->size))
		return -EINVAL;
	/* Without memory, what was removed is still committed. */
	err = vhv_unmap_range(v, asid, msg->iova, last, true);
	cerr = vhv_route_commit(v, asid);
	return err ?: cerr;
}

static int vhv_batch(struct vhost_vdpa *v, u32 asid, bool begin)
{
	if (!(v->backend_features & BIT_ULL(VHOST_BACKEND_F_IOTLB_BATCH)))
		return -EINVAL;
	if (begin) {
		v->in_batch = true;
		v->batch_asid = asid;
		return 0;
	}
	if (!v->in_batch)
		return 0;
	v->in_batch = false;
	return vhv_route_commit(v, asid);
}

/**
 * vhost_vdpa_iotlb_batch_end() - end a batch whose flag is going away
 * @v: the device, with its lock held
 *
 * Clearing %VHOST_BACKEND_F_IOTLB_BATCH in the middle of a batch commits
 * it, as BATCH_END would: the device must not be left on the old table
 * with later updates deferred forever.
 *
 * Return: 0 or the parent's -errno.
 */
int vhost_vdpa_iotlb_batch_end(struct vhost_vdpa *v)
{
	lockdep_assert_held(&v->lock);
	if (!v->in_batch)
		return 0;
	v->in_batch = false;
	return vhv_route_commit(v, v->batch_asid);
}

static int vhv_handle_msg(struct vhost_vdpa *v, u32 asid,
			  const struct vhost_iotlb_msg *msg)
{
	if (!v->vdpa)
		return -ENODEV;
	if (!vhost_vdpa_is_owner(v))
		return -EPERM;
	if (asid >= v->nas || (v->in_batch && asid != v->batch_asid))
		return -EINVAL;
	asid = array_index_nospec(asid, v->nas);
	switch (msg->type) {
	case VHOST_IOTLB_UPDATE:
		return vhv_update(v, asid, msg);
	case VHOST_IOTLB_INVALIDATE:
		return vhv_invalidate(v, asid, msg);
	case VHOST_IOTLB_BATCH_BEGIN:
		return vhv_batch(v, asid, true);
	case VHOST_IOTLB_BATCH_END:
		return vhv_batch(v, asid, false);
	default:
		return -EINVAL;
	}
}

/*
 * Both message layouts are a 32-bit type, 32 bits (v1: padding; v2: the
 * address space when IOTLB_ASID was accepted, else reserved) and the
 * &struct vhost_iotlb_msg. Copied before the device lock is taken: a
 * stalled page fault must not hold it.
 */
struct vhv_raw_msg {
	u32 hdr[2];
	struct vhost_iotlb_msg msg;
};

static int vhv_copy_msg(struct iov_iter *from, struct vhv_raw_msg *raw)
{
	BUILD_BUG_ON(offsetof(struct vhost_msg, iotlb) != sizeof(raw->hdr));
	BUILD_BUG_ON(offsetof(struct vhost_msg_v2, iotlb) != sizeof(raw->hdr));
	if (copy_from_iter(raw->hdr, sizeof(raw->hdr), from) != sizeof(raw->hdr) ||
	    copy_from_iter(&raw->msg, sizeof(raw->msg), from) != sizeof(raw->msg))
		return -EINVAL;
	return 0;
}

/* The message's length and address space; v->lock held. */
static ssize_t vhv_parse_msg(struct vhost_vdpa *v, const struct vhv_raw_msg *raw,
			     u32 *asid)
{
	*asid = 0;
	if (raw->hdr[0] == VHOST_IOTLB_MSG_V2) {
		if (v->backend_features & BIT_ULL(VHOST_BACKEND_F_IOTLB_ASID))
			*asid = raw->hdr[1];
		return sizeof(struct vhost_msg_v2);
	}
	if (raw->hdr[0] == VHOST_IOTLB_MSG)
		return sizeof(struct vhost_msg);
	return -EINVAL;
}

/**
 * vhost_vdpa_write_iter() - &file_operations.write_iter: one IOTLB message
 * @iocb: the write
 * @from: the message
 *
 * Only the owner may write. Unlike the in-tree driver, a refused message
 * returns its real errno (-EINVAL, -EEXIST, -ENOMEM, -EPERM...) instead
 * of -EFAULT, and a write shorter than the whole message (72 bytes for
 * both layouts) is -EINVAL instead of a success reporting 72 bytes.
 *
 * Return: the message size, or -errno.
 */
ssize_t vhost_vdpa_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct vhost_vdpa *v = iocb->ki_filp->private_data;
	size_t count = iov_iter_count(from);
	struct vhv_raw_msg raw;
	ssize_t len;
	u32 asid;
	int err;

	err = vhv_copy_msg(from, &raw);
	if (err)
		return err;
	mutex_lock(&v->map_lock);
	mutex_lock(&v->lock);
	len = vhv_parse_msg(v, &raw, &asid);
	/* A write never reports more bytes than it was given. */
	if (len > 0 && count < len)
		len = -EINVAL;
	if (len > 0) {
		err = vhv_handle_msg(v, asid, &raw.msg);
		if (err)
			len = err;
	}
	mutex_unlock(&v->lock);
	mutex_unlock(&v->map_lock);
	return len;
}

/**
 * vhost_vdpa_domain_alloc() - a platform IOMMU domain when the parent
 *                             has neither dma_map nor set_map
 * @v: the device, with its lock held
 *
 * Return: 0 or -errno.
 */
int vhost_vdpa_domain_alloc(struct vhost_vdpa *v)
{
	struct device *dma_dev = vdpa_get_dma_dev(v->vdpa);
	struct iommu_domain *domain;
	int err;

	lockdep_assert_held(&v->lock);
	if (vhv_ops(v)->set_map || vhv_ops(v)->dma_map)
		return 0;
	if (!device_iommu_capable(dma_dev, IOMMU_CAP_CACHE_COHERENCY)) {
		dev_warn_once(&v->dev, "no cache-coherent IOMMU for %s\n",
			      dev_name(dma_dev));
		return -EOPNOTSUPP;
	}
	domain = iommu_paging_domain_alloc(dma_dev);
	if (IS_ERR(domain))
		return PTR_ERR(domain);
	err = iommu_attach_device(domain, dma_dev);
	if (err) {
		iommu_domain_free(domain);
		return err;
	}
	v->domain = domain;
	/* GET_IOVA_RANGE reports what the domain can translate. */
	if (domain->geometry.force_aperture) {
		v->range.first = max_t(u64, v->range.first,
				       domain->geometry.aperture_start);
		v->range.last = min_t(u64, v->range.last,
				      domain->geometry.aperture_end);
	}
	return 0;
}

/**
 * vhost_vdpa_domain_free() - undo vhost_vdpa_domain_alloc()
 * @v: the device, with its lock held and no mappings left
 */
void vhost_vdpa_domain_free(struct vhost_vdpa *v)
{
	lockdep_assert_held(&v->lock);
	if (!v->domain)
		return;
	if (v->vdpa)
		iommu_detach_device(v->domain, vdpa_get_dma_dev(v->vdpa));
	iommu_domain_free(v->domain);
	v->domain = NULL;
}
