// SPDX-License-Identifier: GPL-2.0-only
/*
 * VDUSE IOVA domain: the address space a VDUSE device sees, shared between
 * the kernel driver of the device (virtio_vdpa's DMA calls, bounced through
 * kernel pages), the VMM (vhost_vdpa's mappings of its own files) and the
 * daemon, which reaches all of it through files (VDUSE_IOTLB_GET_FD).
 *
 * Bounce region, IOVA [0, bounce_size): one entry per page. A streaming map
 * takes a run of free pages from a bitmap, records for each page where its
 * bytes come from (the original physical address) and copies in the
 * direction the DMA API asks for. The kernel pages behind the region are
 * allocated by the first streaming map that uses them and kept until the
 * domain goes; with UMEM registered, pinned user pages stand in for them.
 * The daemon's page faults never allocate: a bounce page no map populated
 * is SIGBUS, so a daemon cannot make the kernel allocate the whole region.
 *
 * Coherent region, IOVA [bounce_size, VDUSE_DOMAIN_IOVA_LIMIT]: coherent
 * allocations get page-aligned kernel memory and the first free IOVA range
 * above the bounce region, recorded in the kernel IOTLB.
 *
 * Both are served to the daemon by one anonymous file whose offset is the
 * IOVA. The VMM's mappings live in a second IOTLB, each entry holding its
 * own reference to the VMM's file.
 */

#include <kunit/visibility.h>
#include <linux/anon_inodes.h>
#include <linux/bitmap.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>

#include "domain.h"

/**
 * DOC: Locking
 *
 * Three locks, always taken in this order:
 *
 * - &vduse_domain.umem_lock (mutex): serialises the process-context changes
 *   of the bounce region's backing: UMEM registration and deregistration,
 *   the bounce size, and teardown. It protects the UMEM fields (umem_pages,
 *   umem_npages, umem_mm) and makes the bounce geometry stable for its
 *   holder. UMEM pages are pinned before it is taken (faulting them in may
 *   take without bound), then installed under it if still wanted.
 * - &vduse_domain.bounce_lock (spinlock, irqsave: streaming maps come from
 *   softirq and hard-irq context): the bounce region: bounce_size, npages,
 *   every &struct vduse_bounce_page (kernel page, user page, original
 *   address), the IOVA bitmap and its search hint, and dead. All copies
 *   between original and bounce pages run under it, so a page that UMEM
 *   swaps is never half copied.
 * - &vduse_domain.iotlb_lock (spinlock, irqsave: coherent allocations may
 *   be atomic): the kernel IOTLB (coherent allocations), the VMM IOTLB
 *   pointer and its entries, and bounce_active. bounce_size is written
 *   under both spinlocks, so holders of either may read it.
 */

/* The most entries either IOTLB holds (0 would refuse every mapping). */
#define VDUSE_IOTLB_ENTRIES	65536
/* &vduse_bounce_page.orig of a page no streaming map uses. */
#define VDUSE_NO_ORIG		((phys_addr_t)-1)

/**
 * struct vduse_bounce_page - one page of the bounce region
 * @kpage: the kernel page, allocated by the first streaming map using it,
 *	or NULL
 * @upage: the pinned UMEM page standing in for @kpage, or NULL
 * @orig: physical address the page's first byte is bounced from and to,
 *	or %VDUSE_NO_ORIG while no streaming map uses the page
 */
struct vduse_bounce_page {
	struct page *kpage;
	struct page *upage;
	phys_addr_t orig;
};

/**
 * struct vduse_vmm_file - the backing of one VMM mapping
 * @file: the VMM's file (a reference of our own)
 * @offset: offset in @file of the mapping's first IOVA
 * @node: on a local list while the entry is released
 */
struct vduse_vmm_file {
	struct file *file;
	u64 offset;
	struct list_head node;
};

/**
 * struct vduse_domain - a VDUSE device's IOVA domain
 * @file: the "[vduse-domain]" file serving bounce and coherent pages; it
 *	owns the domain, which is freed when the file's last user goes
 * @umem_lock: see DOC: Locking
 * @umem_pages: the pinned UMEM pages (one per bounce page), or NULL
 * @umem_npages: number of @umem_pages
 * @umem_mm: the mm charged for @umem_pages (mmgrab'ed)
 * @bounce_lock: see DOC: Locking
 * @bounce_size: size of the bounce region in bytes (page aligned)
 * @npages: @bounce_size in pages
 * @pages: the bounce pages
 * @bitmap: bounce pages in use by streaming maps
 * @hint: where the next search of @bitmap starts
 * @dead: vduse_domain_destroy() ran: no new pages
 * @iotlb_lock: see DOC: Locking
 * @kiotlb: coherent allocations (addr: kernel virtual address)
 * @vmm: the VMM's mappings (opaque: &struct vduse_vmm_file)
 * @bounce_active: streaming maps use the bounce region, so the daemon may
 *	fetch it and the VMM may not map over it
 */
struct vduse_domain {
	struct file *file;

	struct mutex umem_lock;	/* see DOC: Locking */
	struct page **umem_pages;
	unsigned long umem_npages;
	struct mm_struct *umem_mm;

	spinlock_t bounce_lock;	/* see DOC: Locking */
	u64 bounce_size;
	unsigned long npages;
	struct vduse_bounce_page *pages;
	unsigned long *bitmap;
	unsigned long hint;
	bool dead;

	spinlock_t iotlb_lock;	/* see DOC: Locking */
	struct vhost_iotlb kiotlb;
	struct vhost_iotlb *vmm;
	bool bounce_active;
};

/* --- bounce region geometry ------------------------------------------ */

static bool vduse_bounce_size_ok(u64 size)
{
	return size >= VDUSE_BOUNCE_MIN && size <= VDUSE_BOUNCE_MAX &&
	       PAGE_ALIGNED(size);
}

/* Allocate the page table and bitmap of a bounce region of @npages. */
static int vduse_bounce_alloc_tables(unsigned long npages,
				     struct vduse_bounce_page **pages,
				     unsigned long **bitmap)
{
	unsigned long i;

	*pages = kvcalloc(npages, sizeof(**pages), GFP_KERNEL);
	if (!*pages)
		return -ENOMEM;
	*bitmap = bitmap_zalloc(npages, GFP_KERNEL);
	if (!*bitmap) {
		kvfree(*pages);
		return -ENOMEM;
	}
	for (i = 0; i < npages; i++)
		(*pages)[i].orig = VDUSE_NO_ORIG;
	/* IOVA 0 is never handed out: drivers may take 0 for "unmapped". */
	__set_bit(0, *bitmap);
	return 0;
}

/* Free tables no longer reachable from a domain, and their kernel pages. */
static void vduse_bounce_free_tables(unsigned long npages,
				     struct vduse_bounce_page *pages,
				     unsigned long *bitmap)
{
	unsigned long i;

	for (i = 0; i < npages; i++)
		if (pages[i].kpage)
			put_page(pages[i].kpage);
	kvfree(pages);
	bitmap_free(bitmap);
}

/* --- bouncing --------------------------------------------------------- */

static struct page *vduse_bp_page(const struct vduse_bounce_page *bp)
{
	return bp->upage ? bp->upage : bp->kpage;
}

/*
 * Copy @len bytes between physical address @orig (any alignment, may
 * cross pages) and offset @boff of bounce page @bpage (within the page).
 */
static void vduse_copy_phys(phys_addr_t orig, struct page *bpage,
			    unsigned int boff, size_t len, bool to_bounce)
{
	while (len) {
		unsigned int ooff = offset_in_page(orig);
		size_t n = min_t(size_t, len, PAGE_SIZE - ooff);
		char *o = kmap_local_page(pfn_to_page(PHYS_PFN(orig)));
		char *b = kmap_local_page(bpage);

		if (to_bounce)
			memcpy(b + boff, o + ooff, n);
		else
			memcpy(o + ooff, b + boff, n);
		kunmap_local(b);
		kunmap_local(o);
		orig += n;
		boff += n;
		len -= n;
	}
}

/*
 * Copy [@iova, @iova + @size) of the bounce region from (@to_bounce) or to
 * the original pages; pages no map uses are skipped. Called with
 * bounce_lock held and the range checked.
 */
static void vduse_bounce_copy(struct vduse_domain *d, u64 iova, size_t size,
			      bool to_bounce)
{
	lockdep_assert_held(&d->bounce_lock);
	while (size) {
		struct vduse_bounce_page *bp = &d->pages[iova >> PAGE_SHIFT];
		unsigned int off = offset_in_page(iova);
		size_t n = min_t(size_t, size, PAGE_SIZE - off);
		struct page *page = vduse_bp_page(bp);

		if (bp->orig != VDUSE_NO_ORIG && page)
			vduse_copy_phys(bp->orig + off, page, off, n,
					to_bounce);
		iova += n;
		size -= n;
	}
}

/* [@iova, @iova + @size) is a non-empty range inside the bounce region. */
static bool vduse_bounce_range_ok(struct vduse_domain *d, u64 iova, u64 size)
{
	lockdep_assert_held(&d->bounce_lock);
	return size && iova + size - 1 >= iova &&
	       iova + size - 1 < d->bounce_size;
}

/*
 * Mark the bounce region in use by streaming maps, unless the VMM mapped
 * over it. Takes iotlb_lock.
 */
static bool vduse_bounce_activate(struct vduse_domain *d)
{
	unsigned long flags;
	bool ok = true;

	spin_lock_irqsave(&d->iotlb_lock, flags);
	if (!d->bounce_active) {
		if (vhost_iotlb_itree_first(d->vmm, 0, d->bounce_size - 1))
			ok = false;
		else
			d->bounce_active = true;
	}
	spin_unlock_irqrestore(&d->iotlb_lock, flags);
	return ok;
}

/*
 * Find @n free bounce pages, give each a page (atomic allocation) and mark
 * them used. Called with bounce_lock held. Returns the first page's index,
 * or -ENOSPC / -ENOMEM.
 */
static long vduse_bounce_take(struct vduse_domain *d, unsigned long n)
{
	unsigned long start, i;

	lockdep_assert_held(&d->bounce_lock);
	start = bitmap_find_next_zero_area(d->bitmap, d->npages, d->hint, n, 0);
	if (start + n > d->npages)
		start = bitmap_find_next_zero_area(d->bitmap, d->npages, 0, n,
						   0);
	if (start + n > d->npages)
		return -ENOSPC;
	for (i = start; i < start + n; i++) {
		if (vduse_bp_page(&d->pages[i]))
			continue;
		/* Zeroed: the daemon sees the whole page, not just the map. */
		d->pages[i].kpage = alloc_page(GFP_ATOMIC | __GFP_ZERO);
		if (!d->pages[i].kpage)
			return -ENOMEM;
	}
	bitmap_set(d->bitmap, start, n);
	d->hint = start + n;
	return start;
}

/**
 * vduse_domain_map_page() - map a buffer for streaming DMA through the
 *	bounce region
 * @d: the domain
 * @page: first page of the buffer
 * @offset: offset of the buffer in @page (may exceed a page)
 * @size: length of the buffer in bytes
 * @dir: DMA direction
 * @attrs: DMA attributes (the map always copies the buffer in, whatever
 *	the direction, so the device never sees stale bounce data)
 *
 * The buffer gets whole bounce pages, the IOVA returned is page aligned
 * and never 0. May be called in any context.
 *
 * Return: the buffer's IOVA, or %DMA_MAPPING_ERROR (bad arguments, bounce
 * region full or mapped over by the VMM, no memory, domain destroyed).
 */
dma_addr_t vduse_domain_map_page(struct vduse_domain *d, struct page *page,
				 unsigned long offset, size_t size,
				 enum dma_data_direction dir,
				 unsigned long attrs)
{
	phys_addr_t pa = page_to_phys(page) + offset;
	dma_addr_t iova = DMA_MAPPING_ERROR;
	unsigned long flags, n, i;
	long first;

	if (!size || !valid_dma_direction(dir) || !vduse_bounce_activate(d))
		return DMA_MAPPING_ERROR;
	spin_lock_irqsave(&d->bounce_lock, flags);
	if (d->dead || size > d->bounce_size - PAGE_SIZE)
		goto out_unlock;
	n = PFN_UP(size);
	first = vduse_bounce_take(d, n);
	if (first < 0)
		goto out_unlock;
	for (i = 0; i < n; i++)
		d->pages[first + i].orig = pa + i * PAGE_SIZE;
	iova = (dma_addr_t)first << PAGE_SHIFT;
	vduse_bounce_copy(d, iova, size, true);
out_unlock:
	spin_unlock_irqrestore(&d->bounce_lock, flags);
	return iova;
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_map_page);

/**
 * vduse_domain_unmap_page() - end a streaming map
 * @d: the domain
 * @iova: the IOVA vduse_domain_map_page() returned
 * @size: the size it was given
 * @dir: the direction it was given
 * @attrs: DMA attributes (%DMA_ATTR_SKIP_CPU_SYNC: no copy back)
 *
 * Copies the bounce pages back for %DMA_FROM_DEVICE and
 * %DMA_BIDIRECTIONAL, then frees them. A range outside the bounce region
 * is ignored. May be called in any context.
 */
void vduse_domain_unmap_page(struct vduse_domain *d, dma_addr_t iova,
			     size_t size, enum dma_data_direction dir,
			     unsigned long attrs)
{
	unsigned long flags, first, n, i;

	if (!valid_dma_direction(dir) || !PAGE_ALIGNED(iova))
		return;
	spin_lock_irqsave(&d->bounce_lock, flags);
	if (!vduse_bounce_range_ok(d, iova, size))
		goto out_unlock;
	if (dir != DMA_TO_DEVICE && !(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		vduse_bounce_copy(d, iova, size, false);
	first = iova >> PAGE_SHIFT;
	n = PFN_UP(size);
	for (i = first; i < first + n; i++)
		d->pages[i].orig = VDUSE_NO_ORIG;
	bitmap_clear(d->bitmap, first, n);
out_unlock:
	spin_unlock_irqrestore(&d->bounce_lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_unmap_page);

static void vduse_bounce_sync(struct vduse_domain *d, u64 iova, size_t size,
			      bool to_bounce)
{
	unsigned long flags;

	spin_lock_irqsave(&d->bounce_lock, flags);
	if (vduse_bounce_range_ok(d, iova, size))
		vduse_bounce_copy(d, iova, size, to_bounce);
	spin_unlock_irqrestore(&d->bounce_lock, flags);
}

/**
 * vduse_domain_sync_single_for_device() - hand a mapped range to the device
 * @d: the domain
 * @iova: first IOVA of the range (inside a streaming map)
 * @size: its length
 * @dir: the map's direction
 *
 * Copies the original buffer into the bounce pages for %DMA_TO_DEVICE and
 * %DMA_BIDIRECTIONAL. May be called in any context.
 */
void vduse_domain_sync_single_for_device(struct vduse_domain *d,
					 dma_addr_t iova, size_t size,
					 enum dma_data_direction dir)
{
	if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)
		vduse_bounce_sync(d, iova, size, true);
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_sync_single_for_device);

/**
 * vduse_domain_sync_single_for_cpu() - hand a mapped range back to the CPU
 * @d: the domain
 * @iova: first IOVA of the range (inside a streaming map)
 * @size: its length
 * @dir: the map's direction
 *
 * Copies the bounce pages into the original buffer for %DMA_FROM_DEVICE
 * and %DMA_BIDIRECTIONAL. May be called in any context.
 */
void vduse_domain_sync_single_for_cpu(struct vduse_domain *d,
				      dma_addr_t iova, size_t size,
				      enum dma_data_direction dir)
{
	if (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)
		vduse_bounce_sync(d, iova, size, false);
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_sync_single_for_cpu);

/**
 * vduse_domain_max_mapping_size() - the largest streaming map
 * @d: the domain
 *
 * Return: the bounce size in bytes, less the first page (never mapped).
 */
size_t vduse_domain_max_mapping_size(struct vduse_domain *d)
{
	return READ_ONCE(d->bounce_size) - PAGE_SIZE;
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_max_mapping_size);

/**
 * vduse_domain_get() - keep a domain's memory alive
 * @d: the domain
 *
 * For a caller that drops the lock which keeps @d from being destroyed:
 * vduse_domain_destroy() may still run meanwhile (later calls then see a
 * dead domain), but @d is freed only after vduse_domain_put().
 */
void vduse_domain_get(struct vduse_domain *d)
{
	get_file(d->file);
}

/**
 * vduse_domain_put() - drop a reference from vduse_domain_get()
 * @d: the domain
 */
void vduse_domain_put(struct vduse_domain *d)
{
	fput(d->file);
}

/**
 * vduse_domain_bounce_size() - the size of the bounce region
 * @d: the domain
 *
 * Return: the bounce size in bytes.
 */
u64 vduse_domain_bounce_size(struct vduse_domain *d)
{
	return READ_ONCE(d->bounce_size);
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_bounce_size);

/**
 * vduse_domain_reset_bounce_map() - take the bounce region from the daemon
 * @d: the domain
 *
 * On device reset: GET_FD no longer offers the bounce region (until the
 * next streaming map) and the VMM may map over it again. Streaming maps
 * still outstanding stay valid, so the driver can unmap them after the
 * reset and get the device's data back.
 */
void vduse_domain_reset_bounce_map(struct vduse_domain *d)
{
	unsigned long flags;

	spin_lock_irqsave(&d->iotlb_lock, flags);
	d->bounce_active = false;
	spin_unlock_irqrestore(&d->iotlb_lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_reset_bounce_map);

/* Bounce region and coherent allocations in [@start, @last] meet. */
static bool vduse_kernel_overlap(struct vduse_domain *d, u64 start, u64 last)
{
	lockdep_assert_held(&d->iotlb_lock);
	if (d->bounce_active && start < d->bounce_size)
		return true;
	return vhost_iotlb_itree_first(&d->kiotlb, start, last);
}

/**
 * vduse_domain_set_bounce_size() - resize the bounce region
 * @d: the domain
 * @size: new size in bytes: page aligned, within %VDUSE_BOUNCE_MIN and
 *	%VDUSE_BOUNCE_MAX
 *
 * Only while the bounce region is unused: no streaming map (since the last
 * reset), no UMEM, and no coherent allocation where the region would grow.
 *
 * Return: 0, -EINVAL (bad size), -ENOMEM or -EBUSY.
 */
int vduse_domain_set_bounce_size(struct vduse_domain *d, u64 size)
{
	unsigned long npages = size >> PAGE_SHIFT, flags;
	struct vduse_bounce_page *pages;
	unsigned long *bitmap;
	int err = 0;

	if (!vduse_bounce_size_ok(size))
		return -EINVAL;
	if (vduse_bounce_alloc_tables(npages, &pages, &bitmap))
		return -ENOMEM;
	mutex_lock(&d->umem_lock);
	spin_lock_irqsave(&d->bounce_lock, flags);
	spin_lock(&d->iotlb_lock);
	if (d->umem_pages || d->dead || d->bounce_active ||
	    find_next_bit(d->bitmap, d->npages, 1) < d->npages ||
	    (size > d->bounce_size &&
	     vhost_iotlb_itree_first(&d->kiotlb, d->bounce_size, size - 1))) {
		err = -EBUSY;
	} else {
		swap(d->pages, pages);
		swap(d->bitmap, bitmap);
		swap(d->npages, npages);
		WRITE_ONCE(d->bounce_size, size);
		d->hint = 0;
	}
	spin_unlock(&d->iotlb_lock);
	spin_unlock_irqrestore(&d->bounce_lock, flags);
	mutex_unlock(&d->umem_lock);
	vduse_bounce_free_tables(npages, pages, bitmap);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_set_bounce_size);

/* --- coherent allocations ------------------------------------------- */

/*
 * First IOVA range of @len bytes (page multiple) above the bounce region
 * that meets no coherent allocation and no VMM mapping. Called with
 * iotlb_lock held.
 */
static int vduse_coherent_find(struct vduse_domain *d, u64 len, u64 *iova)
{
	u64 cand = d->bounce_size;
	struct vhost_iotlb_map *map;

	lockdep_assert_held(&d->iotlb_lock);
	for (;;) {
		if (cand + len - 1 < cand)
			return -ENOSPC;
		map = vhost_iotlb_itree_first(&d->kiotlb, cand, cand + len - 1);
		if (!map)
			map = vhost_iotlb_itree_first(d->vmm, cand,
						      cand + len - 1);
		if (!map)
			break;
		if (map->last >= VDUSE_DOMAIN_IOVA_LIMIT - PAGE_SIZE)
			return -ENOSPC;
		cand = PAGE_ALIGN(map->last + 1);
	}
	*iova = cand;
	return 0;
}

/**
 * vduse_domain_alloc_coherent() - allocate memory the device and the CPU
 *	share
 * @d: the domain
 * @size: bytes wanted (rounded up to pages)
 * @iova: set to the memory's IOVA
 * @flag: allocation flags
 *
 * The memory is zeroed and the daemon may map it through GET_FD.
 *
 * Return: the memory's kernel address, or NULL.
 */
void *vduse_domain_alloc_coherent(struct vduse_domain *d, size_t size,
				  dma_addr_t *iova, gfp_t flag)
{
	size_t len = PAGE_ALIGN(size);
	unsigned long flags;
	void *va;
	u64 start;
	int err;

	if (!size || !len)
		return NULL;
	va = alloc_pages_exact(len, (flag & ~(__GFP_COMP | __GFP_HIGHMEM)) |
				    __GFP_ZERO);
	if (!va)
		return NULL;
	spin_lock_irqsave(&d->iotlb_lock, flags);
	err = vduse_coherent_find(d, len, &start);
	if (!err)
		err = vhost_iotlb_add_range_ctx(&d->kiotlb, start,
						start + len - 1,
						(u64)(uintptr_t)va,
						VHOST_MAP_RW, NULL);
	spin_unlock_irqrestore(&d->iotlb_lock, flags);
	if (err) {
		free_pages_exact(va, len);
		return NULL;
	}
	*iova = start;
	return va;
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_alloc_coherent);

/**
 * vduse_domain_free_coherent() - free a coherent allocation
 * @d: the domain
 * @size: the size it was allocated with
 * @vaddr: its kernel address
 * @iova: its IOVA
 *
 * The IOVA range is gone from the domain before the pages are freed; a
 * page the daemon still maps stays allocated until it unmaps it. Nothing
 * happens unless all three match an allocation.
 */
void vduse_domain_free_coherent(struct vduse_domain *d, size_t size,
				void *vaddr, dma_addr_t iova)
{
	size_t len = PAGE_ALIGN(size);
	struct vhost_iotlb_map *map;
	unsigned long flags;
	bool found = false;

	spin_lock_irqsave(&d->iotlb_lock, flags);
	map = vhost_iotlb_itree_first(&d->kiotlb, iova, iova);
	if (map && map->start == iova && map->size == len &&
	    map->addr == (u64)(uintptr_t)vaddr) {
		vhost_iotlb_map_free(&d->kiotlb, map);
		found = true;
	}
	spin_unlock_irqrestore(&d->iotlb_lock, flags);
	if (found)
		free_pages_exact(vaddr, len);
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_free_coherent);

/**
 * vduse_domain_coherent_va() - kernel address of coherent memory
 * @d: the domain
 * @iova: first IOVA wanted
 * @size: bytes wanted
 *
 * The caller must keep the allocation from being freed while it uses the
 * address.
 *
 * Return: the kernel address of @iova if [@iova, @iova + @size) lies in
 * one coherent allocation, else NULL.
 */
void *vduse_domain_coherent_va(struct vduse_domain *d, u64 iova, size_t size)
{
	struct vhost_iotlb_map *map;
	unsigned long flags;
	void *va = NULL;

	if (!size || iova + size - 1 < iova)
		return NULL;
	spin_lock_irqsave(&d->iotlb_lock, flags);
	map = vhost_iotlb_itree_first(&d->kiotlb, iova, iova + size - 1);
	if (map && map->start <= iova && iova + size - 1 <= map->last)
		va = (void *)(uintptr_t)(map->addr + (iova - map->start));
	spin_unlock_irqrestore(&d->iotlb_lock, flags);
	return va;
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_coherent_va);

/* --- the VMM's mappings --------------------------------------------- */

static void vduse_vmm_file_put(struct vduse_vmm_file *vf)
{
	fput(vf->file);
	kfree(vf);
}

static void vduse_vmm_put_list(struct list_head *list)
{
	struct vduse_vmm_file *vf, *tmp;

	list_for_each_entry_safe(vf, tmp, list, node)
		vduse_vmm_file_put(vf);
}

/*
 * A VMM mapping's range, permission and backing are valid; allocate our
 * own reference to its file.
 */
static struct vduse_vmm_file *vduse_vmm_file_new(u64 start, u64 last,
						 u32 perm, void *opaque)
{
	const struct vdpa_map_file *mf = opaque;
	struct vduse_vmm_file *vf;

	if (last < start || (!start && last == U64_MAX))
		return ERR_PTR(-EINVAL);
	if (!perm || (perm & ~VHOST_MAP_RW) || !mf || !mf->file)
		return ERR_PTR(-EINVAL);
	vf = kzalloc(sizeof(*vf), GFP_KERNEL);
	if (!vf)
		return ERR_PTR(-ENOMEM);
	vf->file = get_file(mf->file);
	vf->offset = mf->offset;
	return vf;
}

/* Unlink the VMM entries meeting [@start, @last]; their files go on @dead. */
static void vduse_vmm_detach(struct vduse_domain *d, u64 start, u64 last,
			     struct list_head *dead)
{
	struct vhost_iotlb_map *map;

	lockdep_assert_held(&d->iotlb_lock);
	while ((map = vhost_iotlb_itree_first(d->vmm, start, last))) {
		struct vduse_vmm_file *vf = map->opaque;

		list_add_tail(&vf->node, dead);
		vhost_iotlb_map_free(d->vmm, map);
	}
}

/* Free a VMM IOTLB no domain points to, with its file references. */
static void vduse_vmm_free(struct vhost_iotlb *iotlb)
{
	struct vhost_iotlb_map *map, *tmp;

	list_for_each_entry_safe(map, tmp, &iotlb->list, link) {
		struct vduse_vmm_file *vf = map->opaque;

		vhost_iotlb_map_free(iotlb, map);
		vduse_vmm_file_put(vf);
	}
	vhost_iotlb_free(iotlb);
}

/* Copy @src's entries into a new VMM IOTLB with file references. */
static struct vhost_iotlb *vduse_vmm_build(struct vhost_iotlb *src)
{
	struct vhost_iotlb_map *map;
	struct vduse_vmm_file *vf;
	struct vhost_iotlb *new;
	int err;

	new = vhost_iotlb_alloc(VDUSE_IOTLB_ENTRIES, 0);
	if (!new)
		return ERR_PTR(-ENOMEM);
	for (map = vhost_iotlb_itree_first(src, 0, U64_MAX); map;
	     map = vhost_iotlb_itree_next(map, 0, U64_MAX)) {
		vf = vduse_vmm_file_new(map->start, map->last, map->perm,
					map->opaque);
		if (IS_ERR(vf)) {
			err = PTR_ERR(vf);
			goto err_free;
		}
		err = vhost_iotlb_add_range_ctx(new, map->start, map->last,
						map->addr, map->perm, vf);
		if (err) {
			vduse_vmm_file_put(vf);
			goto err_free;
		}
	}
	return new;

err_free:
	vduse_vmm_free(new);
	return ERR_PTR(err);
}

/**
 * vduse_domain_set_map() - replace the VMM's mappings
 * @d: the domain
 * @iotlb: the new table; each entry's opaque is a &struct vdpa_map_file
 *
 * All or nothing: on error the old mappings stay. The domain takes its own
 * file references; those of the replaced entries are dropped.
 *
 * Return: 0, -EINVAL (bad entry), -ENOMEM, -ENOSPC (too many entries) or
 * -EEXIST (an entry meets a coherent allocation or the active bounce
 * region).
 */
int vduse_domain_set_map(struct vduse_domain *d, struct vhost_iotlb *iotlb)
{
	struct vhost_iotlb *new, *old = NULL;
	struct vhost_iotlb_map *map;
	unsigned long flags;
	int err = 0;

	new = vduse_vmm_build(iotlb);
	if (IS_ERR(new))
		return PTR_ERR(new);
	spin_lock_irqsave(&d->iotlb_lock, flags);
	list_for_each_entry(map, &new->list, link) {
		if (vduse_kernel_overlap(d, map->start, map->last)) {
			err = -EEXIST;
			break;
		}
	}
	if (!err) {
		old = d->vmm;
		d->vmm = new;
	}
	spin_unlock_irqrestore(&d->iotlb_lock, flags);
	vduse_vmm_free(err ? new : old);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_set_map);

/**
 * vduse_domain_dma_map() - add one VMM mapping
 * @d: the domain
 * @iova: first IOVA
 * @size: length in bytes
 * @addr: the VMM's user address of @iova
 * @perm: ``VHOST_MAP_RO``, ``VHOST_MAP_WO`` or ``VHOST_MAP_RW``
 * @opaque: the &struct vdpa_map_file backing it (the domain takes its own
 *	file reference)
 *
 * Return: 0, -EINVAL, -ENOMEM, -ENOSPC or -EEXIST (the range meets another
 * mapping, a coherent allocation or the active bounce region).
 */
int vduse_domain_dma_map(struct vduse_domain *d, u64 iova, u64 size,
			 u64 addr, u32 perm, void *opaque)
{
	u64 last = iova + size - 1;
	struct vduse_vmm_file *vf;
	unsigned long flags;
	int err;

	if (!size || last < iova)
		return -EINVAL;
	vf = vduse_vmm_file_new(iova, last, perm, opaque);
	if (IS_ERR(vf))
		return PTR_ERR(vf);
	spin_lock_irqsave(&d->iotlb_lock, flags);
	if (vduse_kernel_overlap(d, iova, last) ||
	    vhost_iotlb_itree_first(d->vmm, iova, last))
		err = -EEXIST;
	else
		err = vhost_iotlb_add_range_ctx(d->vmm, iova, last, addr,
						perm, vf);
	spin_unlock_irqrestore(&d->iotlb_lock, flags);
	if (err)
		vduse_vmm_file_put(vf);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_dma_map);

/**
 * vduse_domain_dma_unmap() - remove VMM mappings
 * @d: the domain
 * @iova: first IOVA
 * @size: length in bytes
 *
 * Every VMM mapping that meets [@iova, @iova + @size) goes, whole.
 *
 * Return: 0, or -EINVAL for an empty or wrapping range.
 */
int vduse_domain_dma_unmap(struct vduse_domain *d, u64 iova, u64 size)
{
	unsigned long flags;
	LIST_HEAD(dead);

	if (!size || iova + size - 1 < iova)
		return -EINVAL;
	spin_lock_irqsave(&d->iotlb_lock, flags);
	vduse_vmm_detach(d, iova, iova + size - 1, &dead);
	spin_unlock_irqrestore(&d->iotlb_lock, flags);
	vduse_vmm_put_list(&dead);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_dma_unmap);

/**
 * vduse_domain_clear_map() - remove every VMM mapping
 * @d: the domain
 */
void vduse_domain_clear_map(struct vduse_domain *d)
{
	unsigned long flags;
	LIST_HEAD(dead);

	spin_lock_irqsave(&d->iotlb_lock, flags);
	vduse_vmm_detach(d, 0, U64_MAX, &dead);
	spin_unlock_irqrestore(&d->iotlb_lock, flags);
	vduse_vmm_put_list(&dead);
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_clear_map);

/* --- GET_FD ------------------------------------------------------------ */

static u8 vduse_access(u32 perm)
{
	switch (perm) {
	case VHOST_MAP_RO:
		return VDUSE_ACCESS_RO;
	case VHOST_MAP_WO:
		return VDUSE_ACCESS_WO;
	default:
		return VDUSE_ACCESS_RW;
	}
}

/*
 * The lowest mapping meeting [@start, @last]: fill @e and return a new
 * reference to its file, or NULL. Called with iotlb_lock held.
 */
static struct file *vduse_iotlb_lookup(struct vduse_domain *d, u64 start,
				       u64 last, struct vduse_iotlb_entry *e)
{
	struct vhost_iotlb_map *k, *v;
	struct vduse_vmm_file *vf;

	lockdep_assert_held(&d->iotlb_lock);
	if (d->bounce_active && start < d->bounce_size) {
		*e = (struct vduse_iotlb_entry){ .start = 0, .offset = 0,
			.last = d->bounce_size - 1, .perm = VDUSE_ACCESS_RW };
		return get_file(d->file);
	}
	k = vhost_iotlb_itree_first(&d->kiotlb, start, last);
	v = vhost_iotlb_itree_first(d->vmm, start, last);
	if (k && (!v || k->start < v->start)) {
		*e = (struct vduse_iotlb_entry){ .start = k->start,
			.offset = k->start, .last = k->last,
			.perm = VDUSE_ACCESS_RW };
		return get_file(d->file);
	}
	if (!v)
		return NULL;
	vf = v->opaque;
	*e = (struct vduse_iotlb_entry){ .start = v->start, .last = v->last,
		.offset = vf->offset, .perm = vduse_access(v->perm) };
	return get_file(vf->file);
}

/**
 * vduse_domain_iotlb_find() - the mapping for VDUSE_IOTLB_GET_FD, no reopen
 * @d: the domain
 * @start: first IOVA asked for
 * @last: last IOVA asked for
 * @entry: set to the whole mapping: start, last, offset in the file, perm
 * @filep: set to a new reference to the mapping's file
 *
 * Of the mappings meeting [@start, @last], the one starting lowest. The
 * bounce region (while streaming maps use it) and coherent memory are
 * served by the domain's own file (offset = IOVA); a VMM mapping by the
 * VMM's file, which may be writable for a read-only mapping: see
 * vduse_domain_file_for(). Never sleeps on anything but the domain.
 *
 * Return: 0 or -EINVAL (no mapping there).
 */
int vduse_domain_iotlb_find(struct vduse_domain *d, u64 start, u64 last,
			    struct vduse_iotlb_entry *entry,
			    struct file **filep)
{
	struct vduse_iotlb_entry e;
	unsigned long flags;
	struct file *f;

	if (start > last)
		return -EINVAL;
	spin_lock_irqsave(&d->iotlb_lock, flags);
	f = vduse_iotlb_lookup(d, start, last, &e);
	spin_unlock_irqrestore(&d->iotlb_lock, flags);
	if (!f)
		return -EINVAL;
	*entry = e;
	*filep = f;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_iotlb_find);

/**
 * vduse_domain_file_for() - make a mapping's file fit its permission
 * @entry: the mapping, from vduse_domain_iotlb_find()
 * @filep: its file; replaced by a read-only reopen for a read-only
 *	   mapping of a writable file (the reference is passed on either way)
 *
 * Opening a file may block without bound (a FUSE server that stalls its
 * open): call this with no lock held. Files of pseudo filesystems cannot
 * be reopened (-ENXIO: memfd_secret, guest_memfd).
 *
 * Return: 0, or the reopen's error (@filep then released and cleared).
 */
int vduse_domain_file_for(const struct vduse_iotlb_entry *entry,
			  struct file **filep)
{
	struct file *f = *filep, *ro;

	might_sleep();
	if (entry->perm != VDUSE_ACCESS_RO || !(f->f_mode & FMODE_WRITE))
		return 0;
	ro = dentry_open(&f->f_path, O_RDONLY | O_LARGEFILE, f->f_cred);
	fput(f);
	*filep = NULL;
	if (IS_ERR(ro))
		return PTR_ERR(ro);
	*filep = ro;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_file_for);

/**
 * vduse_domain_iotlb_get() - the mapping for VDUSE_IOTLB_GET_FD
 * @d: the domain
 * @start: first IOVA asked for
 * @last: last IOVA asked for
 * @entry: set to the whole mapping: start, last, offset in the file, perm
 * @filep: set to a new reference to the mapping's file
 *
 * vduse_domain_iotlb_find() then vduse_domain_file_for(). Process
 * context; may block in the reopen.
 *
 * Return: 0, -EINVAL (no mapping there) or the reopen's error.
 */
int vduse_domain_iotlb_get(struct vduse_domain *d, u64 start, u64 last,
			   struct vduse_iotlb_entry *entry,
			   struct file **filep)
{
	struct vduse_iotlb_entry e;
	struct file *f;
	int err;

	err = vduse_domain_iotlb_find(d, start, last, &e, &f);
	if (err)
		return err;
	err = vduse_domain_file_for(&e, &f);
	if (err)
		return err;
	*entry = e;
	*filep = f;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_iotlb_get);

/**
 * vduse_domain_iova_info() - the mapping for VDUSE_IOTLB_GET_INFO
 * @d: the domain
 * @start: first IOVA asked for
 * @last: last IOVA asked for
 * @first: set to the first IOVA of the mapping
 * @end: set to its last IOVA
 * @umem: set to whether it is the bounce region in use by streaming maps
 *	  (the one VDUSE_IOTLB_REG_UMEM can back)
 *
 * The same mapping vduse_domain_iotlb_find() picks.
 *
 * Return: 0 or -EINVAL (no mapping there).
 */
int vduse_domain_iova_info(struct vduse_domain *d, u64 start, u64 last,
			   u64 *first, u64 *end, bool *umem)
{
	struct vduse_iotlb_entry e;
	unsigned long flags;
	struct file *f;
	bool bounce;

	if (start > last)
		return -EINVAL;
	spin_lock_irqsave(&d->iotlb_lock, flags);
	bounce = d->bounce_active && start < d->bounce_size;
	f = vduse_iotlb_lookup(d, start, last, &e);
	spin_unlock_irqrestore(&d->iotlb_lock, flags);
	if (!f)
		return -EINVAL;
	fput(f);
	*first = e.start;
	*end = e.last;
	*umem = bounce;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_iova_info);

/* --- the domain file -------------------------------------------------- */

/*
 * The kernel page of bounce IOVA @iova, with a reference; NULL if @iova is
 * not a bounce page the daemon may map. A page no streaming map populated
 * has no kernel page and is not given one here (see the top of the file).
 */
static struct page *vduse_bounce_fault_page(struct vduse_domain *d, u64 iova)
{
	struct vduse_bounce_page *bp;
	struct page *page = NULL;
	unsigned long flags;

	spin_lock_irqsave(&d->bounce_lock, flags);
	if (d->dead || iova >= d->bounce_size)
		goto out;
	bp = &d->pages[iova >> PAGE_SHIFT];
	/* UMEM: the daemon has the pages itself (bp->upage) */
	if (!bp->upage && bp->kpage) {
		page = bp->kpage;
		get_page(page);
	}
out:
	spin_unlock_irqrestore(&d->bounce_lock, flags);
	return page;
}

/* The page of coherent IOVA @iova, with a reference, or NULL. */
static struct page *vduse_coherent_fault_page(struct vduse_domain *d,
					      u64 iova)
{
	struct vhost_iotlb_map *map;
	struct page *page = NULL;
	unsigned long flags;

	spin_lock_irqsave(&d->iotlb_lock, flags);
	map = vhost_iotlb_itree_first(&d->kiotlb, iova, iova);
	if (map) {
		page = virt_to_page((void *)(uintptr_t)(map->addr +
							(iova - map->start)));
		get_page(page);
	}
	spin_unlock_irqrestore(&d->iotlb_lock, flags);
	return page;
}

static vm_fault_t vduse_domain_fault(struct vm_fault *vmf)
{
	struct vduse_domain *d = vmf->vma->vm_file->private_data;
	u64 iova = (u64)vmf->pgoff << PAGE_SHIFT;
	struct page *page;

	page = vduse_bounce_fault_page(d, iova);
	if (!page)
		page = vduse_coherent_fault_page(d, iova);
	if (!page)
		return VM_FAULT_SIGBUS;
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct vduse_domain_vm_ops = {
	.fault = vduse_domain_fault,
};

static int vduse_domain_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	vm_flags_mod(vma, VM_DONTEXPAND | VM_DONTDUMP, VM_MAYEXEC);
	vma->vm_ops = &vduse_domain_vm_ops;
	return 0;
}

static int vduse_domain_release(struct inode *inode, struct file *file)
{
	struct vduse_domain *d = file->private_data;

	vduse_bounce_free_tables(d->npages, d->pages, d->bitmap);
	vhost_iotlb_reset(&d->kiotlb);	/* the memory is its allocators' */
	vhost_iotlb_free(d->vmm);	/* empty since destroy */
	mutex_destroy(&d->umem_lock);
	kfree(d);
	return 0;
}

static const struct file_operations vduse_domain_fops = {
	.owner = THIS_MODULE,
	.mmap = vduse_domain_mmap,
	.release = vduse_domain_release,
};

/* --- UMEM ------------------------------------------------------------- */

/*
 * Pin @npages user pages at @uaddr for writing, charged to current's mm.
 * No lock held: faulting the pages in may take long (userfaultfd, FUSE).
 */
static struct page **vduse_umem_pin(u64 uaddr, unsigned long npages)
{
	unsigned long limit = PFN_DOWN(rlimit(RLIMIT_MEMLOCK)), done = 0;
	struct page **pages;
	int n;

	if (!capable(CAP_IPC_LOCK) &&
	    npages + atomic64_read(&current->mm->pinned_vm) > limit)
		return ERR_PTR(-ENOMEM);
	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return ERR_PTR(-ENOMEM);
	while (done < npages) {
		n = pin_user_pages_fast(uaddr + done * PAGE_SIZE,
					min(npages - done, (unsigned long)INT_MAX),
					FOLL_WRITE | FOLL_LONGTERM,
					pages + done);
		if (n <= 0) {
			unpin_user_pages(pages, done);
			kvfree(pages);
			return ERR_PTR(n ? n : -EFAULT);
		}
		done += n;
	}
	atomic64_add(npages, &current->mm->pinned_vm);
	return pages;
}

/* Undo vduse_umem_pin() for pages the domain did not take. */
static void vduse_umem_unpin_unused(struct page **pages, unsigned long npages)
{
	unpin_user_pages(pages, npages);
	atomic64_sub(npages, &current->mm->pinned_vm);
	kvfree(pages);
}

/* Whether UMEM of @size may be registered now. Called with umem_lock held. */
static int vduse_umem_reg_ok(struct vduse_domain *d, u64 size)
{
	lockdep_assert_held(&d->umem_lock);
	if (d->umem_pages)
		return -EEXIST;
	if (d->dead || size != d->bounce_size)
		return -EINVAL;
	return 0;
}

/* Unpin and uncharge the UMEM pages, after the bounce pages left them. */
static void vduse_umem_unpin(struct vduse_domain *d)
{
	lockdep_assert_held(&d->umem_lock);
	unpin_user_pages_dirty_lock(d->umem_pages, d->umem_npages, true);
	atomic64_sub(d->umem_npages, &d->umem_mm->pinned_vm);
	mmdrop(d->umem_mm);
	kvfree(d->umem_pages);
	WRITE_ONCE(d->umem_pages, NULL);
	d->umem_npages = 0;
	d->umem_mm = NULL;
}

/*
 * Swap the backing of each bounce page between kernel and UMEM page, one
 * page per lock hold, copying the contents across. Called with umem_lock
 * held; with @to_user, every kernel page must exist.
 */
static void vduse_umem_swap(struct vduse_domain *d, bool to_user, bool copy)
{
	unsigned long i, flags;

	lockdep_assert_held(&d->umem_lock);
	for (i = 0; i < d->umem_npages; i++) {
		struct vduse_bounce_page *bp;

		spin_lock_irqsave(&d->bounce_lock, flags);
		bp = &d->pages[i];
		if (to_user) {
			if (copy && bp->kpage)
				copy_highpage(d->umem_pages[i], bp->kpage);
			bp->upage = d->umem_pages[i];
		} else {
			if (copy)
				copy_highpage(bp->kpage, bp->upage);
			bp->upage = NULL;
		}
		spin_unlock_irqrestore(&d->bounce_lock, flags);
		if (!(i % 256))
			cond_resched();
	}
}

/**
 * vduse_domain_reg_umem() - back the bounce region with user memory
 * @d: the domain
 * @iova: must be 0
 * @uaddr: page-aligned user address of the memory
 * @size: must be the bounce size
 *
 * Pins the pages (long term, writable), charges them to the caller's
 * RLIMIT_MEMLOCK, copies the bounce region into them and bounces through
 * them from then on. Process context; the pinning holds no lock, so the
 * caller need not hold one that keeps @d from being destroyed, only a
 * reference (vduse_domain_get()): a destroyed domain refuses (-EINVAL).
 *
 * Return: 0, -EINVAL, -EEXIST (already registered), -ENOMEM (no memory or
 * over the limit), -EFAULT (memory not there or not writable).
 */
int vduse_domain_reg_umem(struct vduse_domain *d, u64 iova, u64 uaddr,
			  u64 size)
{
	struct page **pages;
	int err;

	if (iova || !size || !PAGE_ALIGNED(uaddr) || !current->mm ||
	    !access_ok(u64_to_user_ptr(uaddr), size))
		return -EINVAL;
	mutex_lock(&d->umem_lock);
	err = vduse_umem_reg_ok(d, size);
	mutex_unlock(&d->umem_lock);
	if (err)
		return err;
	/* Outside umem_lock, which the domain's teardown takes. */
	pages = vduse_umem_pin(uaddr, size >> PAGE_SHIFT);
	if (IS_ERR(pages))
		return PTR_ERR(pages);
	mutex_lock(&d->umem_lock);
	err = vduse_umem_reg_ok(d, size);
	if (!err) {
		d->umem_mm = current->mm;
		mmgrab(d->umem_mm);
		d->umem_pages = pages;
		d->umem_npages = size >> PAGE_SHIFT;
		vduse_umem_swap(d, true, true);
	}
	mutex_unlock(&d->umem_lock);
	if (err)
		vduse_umem_unpin_unused(pages, size >> PAGE_SHIFT);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_reg_umem);

/* Give every bounce page a kernel page. Called with umem_lock held. */
static int vduse_bounce_fill(struct vduse_domain *d)
{
	struct page *spare = NULL;
	unsigned long i, flags;

	lockdep_assert_held(&d->umem_lock);
	for (i = 0; i < d->npages; i++) {
		if (!spare)
			spare = alloc_page(GFP_HIGHUSER | __GFP_ZERO);
		if (!spare)
			return -ENOMEM;
		spin_lock_irqsave(&d->bounce_lock, flags);
		if (!d->pages[i].kpage) {
			d->pages[i].kpage = spare;
			spare = NULL;
		}
		spin_unlock_irqrestore(&d->bounce_lock, flags);
		if (!(i % 256))
			cond_resched();
	}
	if (spare)
		put_page(spare);
	return 0;
}

/**
 * vduse_domain_dereg_umem() - return the bounce region to kernel pages
 * @d: the domain
 * @iova: must be 0
 * @size: must be the bounce size
 *
 * Copies the user pages back into kernel pages, then unpins and uncharges
 * them. Process context.
 *
 * Return: 0, -EINVAL (bad range or nothing registered) or -ENOMEM.
 */
int vduse_domain_dereg_umem(struct vduse_domain *d, u64 iova, u64 size)
{
	int err;

	if (iova)
		return -EINVAL;
	mutex_lock(&d->umem_lock);
	if (!d->umem_pages || size != d->bounce_size)
		err = -EINVAL;
	else
		err = vduse_bounce_fill(d);
	if (!err) {
		vduse_umem_swap(d, false, true);
		vduse_umem_unpin(d);
	}
	mutex_unlock(&d->umem_lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_dereg_umem);

/**
 * vduse_domain_umem_registered() - is UMEM registered?
 * @d: the domain
 *
 * Return: true while user memory backs the bounce region.
 */
bool vduse_domain_umem_registered(struct vduse_domain *d)
{
	return !!READ_ONCE(d->umem_pages);
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_umem_registered);

/* --- life cycle ------------------------------------------------------- */

/**
 * vduse_domain_create() - create an IOVA domain
 * @bounce_size: size of the bounce region: page aligned, within
 *	%VDUSE_BOUNCE_MIN and %VDUSE_BOUNCE_MAX
 *
 * Process context.
 *
 * Return: the domain, or ERR_PTR(-EINVAL / -ENOMEM / the file's error).
 */
struct vduse_domain *vduse_domain_create(u64 bounce_size)
{
	struct vduse_domain *d;
	int err = -ENOMEM;

	if (!vduse_bounce_size_ok(bounce_size))
		return ERR_PTR(-EINVAL);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return ERR_PTR(-ENOMEM);
	mutex_init(&d->umem_lock);
	spin_lock_init(&d->bounce_lock);
	spin_lock_init(&d->iotlb_lock);
	vhost_iotlb_init(&d->kiotlb, VDUSE_IOTLB_ENTRIES, 0);
	d->vmm = vhost_iotlb_alloc(VDUSE_IOTLB_ENTRIES, 0);
	if (!d->vmm)
		goto err_free;
	d->bounce_size = bounce_size;
	d->npages = bounce_size >> PAGE_SHIFT;
	if (vduse_bounce_alloc_tables(d->npages, &d->pages, &d->bitmap))
		goto err_vmm;
	d->file = anon_inode_getfile("[vduse-domain]", &vduse_domain_fops, d,
				     O_RDWR);
	if (IS_ERR(d->file)) {
		err = PTR_ERR(d->file);
		goto err_tables;
	}
	return d;

err_tables:
	vduse_bounce_free_tables(d->npages, d->pages, d->bitmap);
err_vmm:
	vhost_iotlb_free(d->vmm);
err_free:
	mutex_destroy(&d->umem_lock);
	kfree(d);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_create);

/**
 * vduse_domain_destroy() - tear a domain down
 * @d: the domain
 *
 * Drops the VMM's mappings, unpins UMEM (no copy back) and stops serving
 * new pages; the memory goes when the daemon's last file reference and
 * mapping of the domain file do. Streaming maps and coherent allocations
 * must be gone (the coherent memory belongs to its allocator). Process
 * context; @d must not be used afterwards.
 */
void vduse_domain_destroy(struct vduse_domain *d)
{
	unsigned long flags;

	mutex_lock(&d->umem_lock);
	spin_lock_irqsave(&d->bounce_lock, flags);
	d->dead = true;
	spin_unlock_irqrestore(&d->bounce_lock, flags);
	if (d->umem_pages) {
		vduse_umem_swap(d, false, false);
		vduse_umem_unpin(d);
	}
	mutex_unlock(&d->umem_lock);
	vduse_domain_clear_map(d);
	spin_lock_irqsave(&d->iotlb_lock, flags);
	d->bounce_active = false;
	spin_unlock_irqrestore(&d->iotlb_lock, flags);
	fput(d->file);
}
EXPORT_SYMBOL_IF_KUNIT(vduse_domain_destroy);

/* --- kernel access to the bounce region (emergency completion) -------- */

/**
 * vduse_domain_bounce_rw() - read or write bytes of the bounce region
 * @d: the domain
 * @iova: first IOVA (inside the bounce region)
 * @buf: kernel buffer to fill (read) or to copy from (write)
 * @len: bytes to copy
 * @write: copy @buf into the bounce pages instead of out of them
 *
 * Only pages a streaming map uses (and that have a page behind them) are
 * accessed, so nothing outside what the driver mapped is read or written;
 * a written byte reaches the driver's buffer when it unmaps or syncs the
 * map for the CPU. May be called in any context.
 *
 * Return: 0, or -EFAULT if any part of the range is outside the bounce
 * region or not mapped (then nothing was copied).
 */
int vduse_domain_bounce_rw(struct vduse_domain *d, u64 iova, void *buf,
			   size_t len, bool write)
{
	unsigned long flags;
	u64 pos, end;
	int err = 0;

	spin_lock_irqsave(&d->bounce_lock, flags);
	if (d->dead || !vduse_bounce_range_ok(d, iova, len)) {
		err = -EFAULT;
		goto out;
	}
	end = iova + len;
	for (pos = iova & PAGE_MASK; pos < end; pos += PAGE_SIZE) {
		const struct vduse_bounce_page *bp = &d->pages[pos >> PAGE_SHIFT];

		if (bp->orig == VDUSE_NO_ORIG || !vduse_bp_page(bp)) {
			err = -EFAULT;
			goto out;
		}
	}
	for (pos = iova; pos < end;) {
		struct page *page = vduse_bp_page(&d->pages[pos >> PAGE_SHIFT]);
		unsigned int off = offset_in_page(pos);
		size_t n = min_t(u64, end - pos, PAGE_SIZE - off);
		char *va = kmap_local_page(page);

		if (write)
			memcpy(va + off, buf, n);
		else
			memcpy(buf, va + off, n);
		kunmap_local(va);
		buf += n;
		pos += n;
	}
out:
	spin_unlock_irqrestore(&d->bounce_lock, flags);
	return err;
}
