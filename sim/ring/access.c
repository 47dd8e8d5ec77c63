// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device-side virtqueue library, memory side: segment lists, address
 * translation through a &struct vdring_map, ring-area resolution and the
 * buffer and indirect-table helpers that the layouts (split.c, packed.c)
 * call. Calls run one way: ring.c dispatches to the layouts, and both
 * use this file; nothing here calls back into them.
 */

#include <asm/barrier.h>
#include <linux/align.h>
#include <linux/io.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>
#include <linux/vmalloc.h>
#include "ring_internal.h"

/* Descriptors the first copy of an indirect table has room for. */
#define VDRING_INDIRECT_MIN	16

/* Called once per translated piece of a range, in IOVA order. */
typedef int (*vdring_seg_fn)(void *ctx, void *va, size_t len);

/* --- Segment lists --------------------------------------------------- */

/**
 * vdring_iov_init() - prepare an empty segment list
 * @iov: the list
 * @max: initial capacity, 1..%VDRING_IOV_MAX (it grows on demand)
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL for a bad @max, or -ENOMEM.
 */
int vdring_iov_init(struct vdring_iov *iov, unsigned int max)
{
	memset(iov, 0, sizeof(*iov));
	if (!max || max > VDRING_IOV_MAX)
		return -EINVAL;
	iov->vec = kmalloc_array(max, sizeof(*iov->vec), GFP_KERNEL);
	iov->iova = kmalloc_array(max, sizeof(*iov->iova), GFP_KERNEL);
	if (!iov->vec || !iov->iova) {
		vdring_iov_free(iov);
		return -ENOMEM;
	}
	iov->max = max;
	return 0;
}
EXPORT_SYMBOL_GPL(vdring_iov_init);

/**
 * vdring_iov_free() - free a segment list
 * @iov: the list; left empty with no capacity (safe to free again)
 */
void vdring_iov_free(struct vdring_iov *iov)
{
	kfree(iov->vec);
	kfree(iov->iova);
	memset(iov, 0, sizeof(*iov));
}
EXPORT_SYMBOL_GPL(vdring_iov_free);

/**
 * vdring_iov_iter_out() - iterator over the device-readable segments
 * @iov: a buffer's segments, from vdring_pop() or vdring_translate()
 * @iter: set to read the first @iov->out_num segments (%ITER_SOURCE)
 */
void vdring_iov_iter_out(struct vdring_iov *iov, struct iov_iter *iter)
{
	iov_iter_kvec(iter, ITER_SOURCE, iov->vec, iov->out_num, iov->out_len);
}
EXPORT_SYMBOL_GPL(vdring_iov_iter_out);

/**
 * vdring_iov_iter_in() - iterator over the device-writable segments
 * @iov: a buffer's segments, from vdring_pop() or vdring_translate()
 * @iter: set to fill the @iov->in_num segments after the readable ones
 *        (%ITER_DEST)
 */
void vdring_iov_iter_in(struct vdring_iov *iov, struct iov_iter *iter)
{
	iov_iter_kvec(iter, ITER_DEST, iov->vec + iov->out_num, iov->in_num,
		      iov->in_len);
}
EXPORT_SYMBOL_GPL(vdring_iov_iter_in);

/* Both arrays grow; @max only once both have (a failure keeps it). */
static int vdring_iov_grow(struct vdring_iov *iov)
{
	gfp_t gfp = iov->nowait ? GFP_NOWAIT | __GFP_NOWARN : GFP_KERNEL;
	unsigned int max;
	struct kvec *vec;
	u64 *iova;

	if (iov->max >= VDRING_IOV_MAX)
		return -E2BIG;
	max = min(max(2 * iov->max, 4U), VDRING_IOV_MAX);
	vec = krealloc_array(iov->vec, max, sizeof(*vec), gfp);
	if (!vec)
		return -ENOMEM;
	iov->vec = vec;
	iova = krealloc_array(iov->iova, max, sizeof(*iova), gfp);
	if (!iova)
		return -ENOMEM;
	iov->iova = iova;
	iov->max = max;
	return 0;
}

/* --- Translation ------------------------------------------------------ */

/* Every page of [pa, pa + len) must be RAM in the direct map. */
static bool vdring_is_ram(u64 pa, u64 len)
{
	unsigned long pfn = PHYS_PFN(pa);
	unsigned long last = PHYS_PFN(pa + len - 1);

	if ((phys_addr_t)(pa + len - 1) != pa + len - 1)
		return false;
	for (; pfn <= last; pfn++)
		if (!pfn_valid(pfn))
			return false;
	return true;
}

static int vdring_walk_phys(u64 pa, u64 len, vdring_seg_fn fn, void *ctx)
{
	if (!vdring_is_ram(pa, len))
		return -EFAULT;
	return fn(ctx, phys_to_virt(pa), len);
}

static int vdring_walk_iotlb(struct vhost_iotlb *iotlb, u64 iova, u64 last,
			     u32 perm, vdring_seg_fn fn, void *ctx)
{
	struct vhost_iotlb_map *m;
	u64 cur = iova, end, pa;
	int err;

	m = vhost_iotlb_itree_first(iotlb, cur, last);
	for (;;) {
		if (!m || m->start > cur)
			return -EFAULT;		/* a hole */
		if ((m->perm & perm) != perm)
			return -EPERM;
		end = min(m->last, last);
		pa = m->addr + (cur - m->start);
		if (pa < m->addr || pa + (end - cur) < pa)
			return -EFAULT;
		err = vdring_walk_phys(pa, end - cur + 1, fn, ctx);
		if (err || end == last)
			return err;
		cur = end + 1;
		m = vhost_iotlb_itree_next(m, cur, last);
	}
}

/*
 * Calls @fn for each piece of [iova, iova + len), which must be mapped
 * with every permission bit of @perm. @len is not 0 and the range does
 * not wrap.
 */
static int vdring_walk(struct vdring_map *map, u64 iova, u64 len, u32 perm,
		       vdring_seg_fn fn, void *ctx)
{
	if (map->passthrough)
		return vdring_walk_phys(iova, len, fn, ctx);
	if (!map->iotlb)
		return -EFAULT;
	return vdring_walk_iotlb(map->iotlb, iova, iova + len - 1, perm, fn,
				 ctx);
}

/*
 * @iova: IOVA of the next piece (the walk goes in IOVA order, without
 * gaps)
 */
struct vdring_append {
	struct vdring_iov *iov;
	bool write;
	u64 iova;
};

static int vdring_append(void *ctx, void *va, size_t len)
{
	struct vdring_append *a = ctx;
	struct vdring_iov *iov = a->iov;
	unsigned int n = iov->out_num + iov->in_num;
	struct kvec *prev = n ? &iov->vec[n - 1] : NULL;
	int err;

	/*
	 * A readable piece only ever follows readable ones; a segment is
	 * one run in the direct map and in IOVA (see "Dirty-page logging").
	 */
	if (prev && (!a->write || iov->in_num) &&
	    prev->iov_base + prev->iov_len == va &&
	    iov->iova[n - 1] + prev->iov_len == a->iova) {
		prev->iov_len += len;
	} else {
		if (n == iov->max) {
			err = vdring_iov_grow(iov);
			if (err)
				return err;
		}
		iov->vec[n].iov_base = va;
		iov->vec[n].iov_len = len;
		iov->iova[n] = a->iova;
		if (a->write)
			iov->in_num++;
		else
			iov->out_num++;
	}
	if (a->write)
		iov->in_len += len;
	else
		iov->out_len += len;
	a->iova += len;
	return 0;
}

/**
 * vdring_translate() - append the segments of an IOVA range
 * @map: the address space
 * @iova: start of the range
 * @len: its length; 0 appends nothing
 * @perm: %VHOST_MAP_RO (device-readable data, appended to the readable
 *        part) or %VHOST_MAP_WO (device-writable data, appended to the
 *        writable part)
 * @iov: the list to append to; grows up to %VDRING_IOV_MAX segments
 *
 * Pieces that are contiguous in the kernel's direct map and in IOVA, and
 * of the same direction, are merged into one segment; each segment's IOVA
 * is recorded in &vdring_iov.iova. On failure @iov is left as it was.
 *
 * Context: process context, may sleep (the list may grow).
 * Return: 0; -EINVAL for a bad @perm or a readable range after writable
 * segments; -EOVERFLOW if the range wraps or the list would hold more than
 * %U32_MAX bytes; -EFAULT if part of the range is not mapped (or, in
 * passthrough, not RAM); -EPERM if a mapping lacks @perm; -E2BIG for more
 * than %VDRING_IOV_MAX segments; -ENOMEM.
 */
int vdring_translate(struct vdring_map *map, u64 iova, u64 len, u32 perm,
		     struct vdring_iov *iov)
{
	struct vdring_append a = { .iov = iov, .write = perm == VHOST_MAP_WO,
				   .iova = iova };
	struct vdring_iov saved = *iov;
	unsigned int n = iov->out_num + iov->in_num;
	size_t prev_len = n ? iov->vec[n - 1].iov_len : 0;
	int err;

	if (perm != VHOST_MAP_RO && perm != VHOST_MAP_WO)
		return -EINVAL;
	if (!len)
		return 0;
	if (iova + len - 1 < iova)
		return -EOVERFLOW;
	if (!a.write && iov->in_num)
		return -EINVAL;
	if ((u64)iov->out_len + iov->in_len + len > U32_MAX)
		return -EOVERFLOW;

	err = vdring_walk(map, iova, len, perm, vdring_append, &a);
	if (err) {
		/* The arrays may have moved; everything else goes back. */
		saved.vec = iov->vec;
		saved.iova = iov->iova;
		saved.max = iov->max;
		*iov = saved;
		if (n)
			iov->vec[n - 1].iov_len = prev_len;
	}
	return err;
}
EXPORT_SYMBOL_GPL(vdring_translate);

/* --- Ring areas -------------------------------------------------------- */

/* Where area @i of a ring laid out as @cfg is, and what it needs. */
void vdring_layout(const struct vdring_config *cfg, enum vdring_area i,
		   struct vdring_layout *l)
{
	u32 ev = cfg->event_idx ? sizeof(__virtio16) : 0;

	l->addr = i == VDRING_AREA_DESC ? cfg->desc_addr :
		  i == VDRING_AREA_DRIVER ? cfg->driver_addr : cfg->device_addr;
	if (cfg->packed) {
		static const u32 perm[] = { VHOST_MAP_RW, VHOST_MAP_RO,
					    VHOST_MAP_WO };

		l->perm = perm[i];
		l->size = i == VDRING_AREA_DESC ?
			  (u64)cfg->num * sizeof(struct vring_packed_desc) :
			  sizeof(struct vring_packed_desc_event);
		l->align = i == VDRING_AREA_DESC ? 16 : 4;
		return;
	}
	switch (i) {
	case VDRING_AREA_DESC:
		l->size = (u64)cfg->num * sizeof(struct vring_desc);
		l->perm = VHOST_MAP_RO;
		l->align = VRING_DESC_ALIGN_SIZE;
		break;
	case VDRING_AREA_DRIVER:
		l->size = struct_size_t(struct vring_avail, ring, cfg->num) + ev;
		l->perm = VHOST_MAP_RO;
		l->align = VRING_AVAIL_ALIGN_SIZE;
		break;
	default:
		l->size = struct_size_t(struct vring_used, ring, cfg->num) + ev;
		l->perm = VHOST_MAP_RW;
		l->align = VRING_USED_ALIGN_SIZE;
		break;
	}
}

/* Pages of one area, collected to vmap() it if it is not contiguous. */
struct vdring_area_map {
	struct page **pages;
	unsigned int npages;
	unsigned int max;
	void *first;		/* kernel address of the area's first byte */
	void *end;		/* end of the previous piece */
	unsigned int breaks;	/* discontiguities between pieces */
	const char *why;
};

static int vdring_area_piece(void *ctx, void *va, size_t len)
{
	struct vdring_area_map *am = ctx;
	void *p;

	if (!am->first) {
		am->first = va;
		p = PTR_ALIGN_DOWN(va, PAGE_SIZE);
	} else if (va == am->end) {
		p = PTR_ALIGN(va, PAGE_SIZE);
	} else {
		if (!PAGE_ALIGNED(am->end) || !PAGE_ALIGNED(va)) {
			am->why = "ring area split inside a page";
			return -EFAULT;
		}
		am->breaks++;
		p = va;
	}
	for (; p < va + len; p += PAGE_SIZE) {
		if (am->npages == am->max)
			return -EFAULT;	/* cannot happen: see max */
		am->pages[am->npages++] = virt_to_page(p);
	}
	am->end = va + len;
	return 0;
}

static const char *vdring_area_why(int err)
{
	switch (err) {
	case -EPERM:
		return "ring area mapping lacks the needed permission";
	case -EFAULT:
		return "ring area not mapped";
	default:
		return "ring area cannot be mapped";
	}
}

static int vdring_map_area(struct vdring *r, enum vdring_area i)
{
	struct vdring_area_map am = {};
	struct vdring_layout l;
	void *va;
	int err;

	vdring_layout(&r->cfg, i, &l);
	am.max = l.size / PAGE_SIZE + 2;
	am.pages = kmalloc_array(am.max, sizeof(*am.pages), GFP_KERNEL);
	if (!am.pages)
		return -ENOMEM;
	err = vdring_walk(r->map, l.addr, l.size, l.perm, vdring_area_piece,
			  &am);
	if (err) {
		err = vdring_fail(r, err, am.why ?: vdring_area_why(err));
		goto out;
	}
	va = am.first;
	if (am.breaks) {
		r->vmapped[i] = vmap(am.pages, am.npages, VM_MAP, PAGE_KERNEL);
		if (!r->vmapped[i]) {
			err = -ENOMEM;
			goto out;
		}
		va = r->vmapped[i] + offset_in_page(am.first);
	}
	if (!IS_ALIGNED((unsigned long)va, l.align)) {
		err = vdring_fail(r, -EFAULT, "ring area misaligned in memory");
		goto out;
	}
	r->area[i] = va;
out:
	kfree(am.pages);
	return err;
}

/* Forget the resolved areas (and their vmap() aliases) of @r. */
void vdring_unmap_areas(struct vdring *r)
{
	int i;

	for (i = 0; i < VDRING_NR_AREAS; i++) {
		if (r->vmapped[i])
			vunmap(r->vmapped[i]);
		r->vmapped[i] = NULL;
		r->area[i] = NULL;
	}
}

static int vdring_resolve(struct vdring *r)
{
	int i, err;

	vdring_unmap_areas(r);
	for (i = 0; i < VDRING_NR_AREAS; i++) {
		err = vdring_map_area(r, i);
		if (err) {
			vdring_unmap_areas(r);
			return err;
		}
	}
	r->map_gen = r->map->gen;
	return 0;
}

/**
 * vdring_prepare() - make a ring ready for a call that touches its areas
 * @r: the ring
 *
 * Resolves the ring areas on first use and after every change of the
 * address space (&vdring_map.gen).
 *
 * Return: 0; -EIO if @r is broken or not set up; an area's translation
 * error (the ring is then broken) or -ENOMEM.
 */
int vdring_prepare(struct vdring *r)
{
	if (r->broken || !r->cfg.num || !r->map)
		return -EIO;
	if (r->area[VDRING_AREA_DESC] && r->map_gen == r->map->gen)
		return 0;
	return vdring_resolve(r);
}

/**
 * vdring_is_prepared() - whether the ring's calls can run without sleeping
 * @r: the ring, its address space held stable by the owner
 *
 * True when the ring areas are resolved for the current mappings, so
 * that no call on @r resolves (and possibly vmap()s) them: with the
 * address space held stable and &vdring_iov.nowait set on the segment
 * list, vdring_pop(), vdring_push(), vdring_publish(),
 * vdring_need_notify(), vdring_notify_disable() and
 * vdring_notify_enable() then never sleep.
 *
 * Return: true if @r is set up, intact and resolved.
 */
bool vdring_is_prepared(const struct vdring *r)
{
	return !r->broken && r->cfg.num && r->map &&
	       r->area[VDRING_AREA_DESC] && r->map_gen == r->map->gen;
}
EXPORT_SYMBOL_GPL(vdring_is_prepared);

/**
 * vdring_fail() - mark a ring broken
 * @r: the ring
 * @err: the error found
 * @why: what was wrong (a static string); only the first reason is kept
 *
 * -ENOMEM is not the driver's fault and does not break the ring.
 *
 * Return: @err.
 */
int vdring_fail(struct vdring *r, int err, const char *why)
{
	if (err == -ENOMEM || r->broken)
		return err;
	r->broken = true;
	r->why = why;
	return err;
}

/**
 * vdring_add_buf() - translate one descriptor's buffer into a list
 * @r: the ring (broken on failure, except -ENOMEM)
 * @iov: the list of the buffer being popped
 * @buf: the descriptor
 *
 * Return: 0 or a negative errno (see vdring_pop()).
 */
int vdring_add_buf(struct vdring *r, struct vdring_iov *iov,
		   const struct vdring_buf *buf)
{
	int err;

	if (!buf->write && iov->in_num)
		return vdring_fail(r, -EINVAL,
				   "readable descriptor after a writable one");
	err = vdring_translate(r->map, buf->addr, buf->len,
			       buf->write ? VHOST_MAP_WO : VHOST_MAP_RO, iov);
	switch (err) {
	case 0:
		return 0;
	case -EFAULT:
		return vdring_fail(r, err, "buffer address not mapped");
	case -EPERM:
		return vdring_fail(r, err,
				   "buffer mapping lacks the access permission");
	case -EOVERFLOW:
		return vdring_fail(r, err, "buffer length overflows");
	case -E2BIG:
		return vdring_fail(r, err, "buffer has too many segments");
	default:
		return vdring_fail(r, err, "buffer cannot be translated");
	}
}

static int vdring_copy_piece(void *ctx, void *va, size_t len)
{
	u8 **dst = ctx;

	memcpy(*dst, va, len);
	*dst += len;
	return 0;
}

/*
 * The copy of an indirect table is allocated when the first table comes,
 * and grown (to a power of two, at most the queue size in descriptors)
 * when a longer one does: drivers use short tables (a few descriptors for
 * a command or a packet), and most queues none at all.
 */
static int vdring_indirect_reserve(struct vdring *r, u32 len, bool nowait)
{
	u32 size = max_t(u32, roundup_pow_of_two(len),
			 VDRING_INDIRECT_MIN * sizeof(struct vring_desc));
	void *buf;

	if (len <= r->indirect_size)
		return 0;
	/* Allocating (and freeing a vmalloc()ed copy) may sleep. */
	if (nowait)
		return -ENOMEM;
	size = min_t(u32, size, r->cfg.num * sizeof(struct vring_desc));
	buf = kvmalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	kvfree(r->indirect_buf);
	r->indirect_buf = buf;
	r->indirect_size = size;
	return 0;
}

/**
 * vdring_load_indirect() - copy an indirect table into the bounce buffer
 * @r: the ring (broken on failure)
 * @addr: IOVA of the table
 * @len: its length in bytes, from the descriptor
 * @count: set to the number of descriptors in the table
 * @nowait: the caller must not sleep (&vdring_iov.nowait)
 *
 * The table is copied once; the caller walks the copy in
 * &vdring.indirect_buf, so the driver cannot change it under the walk.
 *
 * Return: 0 or a negative errno (see vdring_pop()); -ENOMEM when there
 * is no memory for the copy, or with @nowait when the copy would have to
 * be allocated or grown (the ring is not broken either way: a caller
 * that may sleep pops the buffer again).
 */
int vdring_load_indirect(struct vdring *r, u64 addr, u32 len,
			 unsigned int *count, bool nowait)
{
	u8 *dst;
	int err;

	if (!r->cfg.indirect)
		return vdring_fail(r, -EINVAL,
				   "indirect descriptor not negotiated");
	if (!len || len % sizeof(struct vring_desc))
		return vdring_fail(r, -EINVAL,
				   "indirect table length not a multiple of 16");
	if (len / sizeof(struct vring_desc) > r->cfg.num)
		return vdring_fail(r, -ELOOP,
				   "indirect table longer than the queue");
	if (addr + len - 1 < addr)
		return vdring_fail(r, -EOVERFLOW,
				   "indirect table address wraps");
	err = vdring_indirect_reserve(r, len, nowait);
	if (err)
		return err;
	dst = r->indirect_buf;
	err = vdring_walk(r->map, addr, len, VHOST_MAP_RO, vdring_copy_piece,
			  &dst);
	if (err)
		return vdring_fail(r, err, err == -EPERM ?
				   "indirect table mapping not readable" :
				   "indirect table not mapped");
	*count = len / sizeof(struct vring_desc);
	return 0;
}

/* --- Dirty-page logging ------------------------------------------------ */

/**
 * __vdring_log_in() - vdring_log_in() with a log set
 * @r: the ring the buffer was popped from
 * @iov: the buffer's segments
 * @off: offset of the first byte stored, in the writable part
 * @len: bytes stored from there (clamped to the writable part)
 *
 * Reports each writable segment's share of the range at its IOVA, after
 * a write barrier that makes the stores visible first. Call through
 * vdring_log_in(), which tests for the log.
 */
void __vdring_log_in(struct vdring *r, const struct vdring_iov *iov,
		     size_t off, size_t len)
{
	struct vdring_map *map = r->map;
	struct vdpa_dirty_log *log = map->log;
	const struct kvec *v = iov->vec + iov->out_num;
	const u64 *iova = iov->iova + iov->out_num;
	unsigned int i;
	size_t n;

	if (!log || !len || off >= iov->in_len)
		return;
	len = min_t(size_t, len, iov->in_len - off);
	/* The stores before the reports: pairs with the log's reader. */
	smp_wmb();
	for (i = 0; len && i < iov->in_num; i++) {
		if (off >= v[i].iov_len) {
			off -= v[i].iov_len;
			continue;
		}
		n = min(v[i].iov_len - off, len);
		log->write(log, map->asid, iova[i] + off, n);
		atomic64_inc(&map->log_writes);
		len -= n;
		off = 0;
	}
}
EXPORT_SYMBOL_GPL(__vdring_log_in);

/**
 * __vdring_log_area() - vdring_log_area() with a log set
 * @r: the ring
 * @i: %VDRING_AREA_DEVICE (reported with &vdpa_dirty_log.write_used) or
 *     %VDRING_AREA_DESC (a packed write-back, reported at its IOVA)
 * @off: offset of the store in the area
 * @len: its length
 */
void __vdring_log_area(struct vdring *r, enum vdring_area i, u64 off,
		       u64 len)
{
	struct vdring_map *map = r->map;
	struct vdpa_dirty_log *log = map->log;

	if (!log)
		return;
	/* The store before the report: pairs with the log's reader. */
	smp_wmb();
	if (i == VDRING_AREA_DEVICE) {
		log->write_used(log, r->cfg.index, off, len);
		atomic64_inc(&map->log_used);
	} else {
		log->write(log, map->asid, r->cfg.desc_addr + off, len);
		atomic64_inc(&map->log_writes);
	}
}
