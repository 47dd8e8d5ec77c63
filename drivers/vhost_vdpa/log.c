// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty-page logging for live migration: VHOST_F_LOG_ALL,
 * VHOST_SET_LOG_BASE, VHOST_SET_LOG_FD and the per-queue used-ring log
 * (VHOST_VRING_F_LOG), in vhost's format, fed by parents that implement
 * &vdpa_config_ops.set_dirty_log.
 *
 * The log is the owner's bitmap, one bit per 4 KiB page of IOVA (bit n
 * of the bitmap read as little-endian longs is page n). Its pages are
 * pinned long term and charged to the owner's RLIMIT_MEMLOCK while
 * logging is on, so that the parent's callbacks, which may run in any
 * context, set bits without faulting. Only the pages the device can
 * dirty are pinned: up to the end of the highest writable mapping and of
 * every logged used ring (the window), and never past the end of the VMA
 * holding the log base. A bit outside the pinned pages is counted as
 * lost (debugfs), never written.
 *
 * Replacing or dropping the pinned log waits for an RCU grace period
 * before the ioctl returns: userspace reads (and frees) the old log as
 * soon as VHOST_SET_LOG_BASE, or VHOST_SET_FEATURES without
 * VHOST_F_LOG_ALL, returned.
 */

#include <linux/debugfs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>

#include "internal.h"

/* One bit of the log per VHOST_LOG_PAGE bytes of IOVA, as vhost. */
#define VHV_LOG_SHIFT	12
#define VHV_BITS_PER_PAGE	(PAGE_SIZE * BITS_PER_BYTE)

/**
 * struct vhv_log - the pinned part of the owner's log
 * @base: user address of the log (bit 0)
 * @first_bit: bit of the first pinned page that is bit 0 of the log
 * @npages: pages pinned from the page holding @base on
 * @nbits: log bits those pages hold (IOVA pages covered)
 * @pages: the pinned pages
 *
 * Read by the callbacks under RCU; replaced and freed under
 * &vhost_vdpa.lock after a grace period.
 */
struct vhv_log {
	u64 base;
	unsigned long first_bit;
	unsigned long npages;
	u64 nbits;
	struct page **pages;
};

bool vhost_vdpa_can_log(struct vhost_vdpa *v)
{
	return v->vdpa && v->vdpa->config->set_dirty_log;
}

/* Set the bits of [@addr, @addr + @len); any context, under RCU. */
static void vhv_log_range(struct vhost_vdpa *v, u64 addr, u64 len)
{
	u64 pg = addr >> VHV_LOG_SHIFT;
	u64 last = (addr + len - 1) >> VHV_LOG_SHIFT;
	struct eventfd_ctx *ctx;
	struct vhv_log *l;
	bool set = false;

	if (!len || addr + len - 1 < addr)
		return;
	rcu_read_lock();
	l = rcu_dereference(v->log);
	for (; l && pg <= last && pg < l->nbits; pg++) {
		u64 bit = l->first_bit + pg;
		void *p = kmap_local_page(l->pages[bit / VHV_BITS_PER_PAGE]);

		if (!test_and_set_bit(bit % VHV_BITS_PER_PAGE, p))
			set = true;
		kunmap_local(p);
	}
	if (pg <= last)
		atomic64_add(last - pg + 1, &v->log_lost);
	ctx = rcu_dereference(v->log_ctx);
	if (set) {
		atomic64_inc(&v->log_set);
		if (ctx)
			eventfd_signal(ctx);
	}
	rcu_read_unlock();
}

static void vhv_log_write(struct vdpa_dirty_log *dlog, u32 asid, u64 iova,
			  u64 len)
{
	vhv_log_range(container_of(dlog, struct vhost_vdpa, dlog), iova, len);
}

static void vhv_log_write_used(struct vdpa_dirty_log *dlog, u16 idx,
			       u64 offset, u64 len)
{
	struct vhost_vdpa *v = container_of(dlog, struct vhost_vdpa, dlog);
	u64 lu;

	if (idx >= v->nvqs)
		return;
	lu = READ_ONCE(v->vqs[idx].log_used);
	if (lu & VHV_LOG_USED_ON)
		vhv_log_range(v, (lu & ~VHV_LOG_USED_ON) + offset, len);
}

/* Pages of IOVA the device can dirty now; v->lock held. */
static u64 vhv_log_window(struct vhost_vdpa *v)
{
	struct vhost_iotlb_map *m;
	u64 end = 0;
	u32 i;

	lockdep_assert_held(&v->lock);
	for (i = 0; i < v->nas; i++)
		for (m = vhost_iotlb_itree_first(&v->iotlb[i], 0, U64_MAX); m;
		     m = vhost_iotlb_itree_next(m, 0, U64_MAX))
			if (m->perm & VHOST_MAP_WO)
				end = max(end, (m->last >> VHV_LOG_SHIFT) + 1);
	for (i = 0; i < v->nvqs; i++) {
		u64 lu = v->vqs[i].log_used;
		/* a split used ring: flags, idx, ring[num], avail_event */
		u64 size = 6 + 8ULL * (v->vqs[i].num ?: v->vq_num_max);

		if (lu & VHV_LOG_USED_ON)
			end = max(end, (((lu & ~VHV_LOG_USED_ON) + size - 1) >>
					VHV_LOG_SHIFT) + 1);
	}
	return end;
}

static void vhv_log_free(struct vhost_vdpa *v, struct vhv_log *l)
{
	if (!l)
		return;
	unpin_user_pages_dirty_lock(l->pages, l->npages, true);
	if (v->owner)
		atomic64_sub(l->npages, &v->owner->pinned_vm);
	kvfree(l->pages);
	kfree(l);
}

/* Pages of the log's VMA from the page of @base on, at most @want. */
static long vhv_log_vma_pages(u64 base, unsigned long want)
{
	struct vm_area_struct *vma;
	long n = -EFAULT;

	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, base);
	if (vma && (vma->vm_flags & VM_WRITE))
		n = min_t(u64, want,
			  (vma->vm_end - (base & PAGE_MASK)) >> PAGE_SHIFT);
	mmap_read_unlock(current->mm);
	return n;
}

/* Pin l->npages pages at l->base, clipping at the first hole. */
static int vhv_log_pin_pages(struct vhost_vdpa *v, struct vhv_log *l)
{
	unsigned long batch = PAGE_SIZE / sizeof(struct page *), done = 0;
	unsigned long start = l->base & PAGE_MASK;
	long n = 0;

	while (done < l->npages) {
		n = vhost_vdpa_pin_unlocked(v, start + done * PAGE_SIZE,
					    min(l->npages - done, batch),
					    FOLL_WRITE | FOLL_LONGTERM,
					    l->pages + done);
		if (n < 0)
			break;
		done += n;
	}
	if (!done || n == -ENODEV) {
		unpin_user_pages(l->pages, done);
		return n < 0 ? n : -EFAULT;
	}
	l->npages = done;
	return 0;
}

/* The pinned log; v->lock held. */
static struct vhv_log *vhv_log_cur(struct vhost_vdpa *v)
{
	return rcu_dereference_protected(v->log, lockdep_is_held(&v->lock));
}

/*
 * Pin the log at @base for the current window, extended to IOVA page
 * @pages - 1; v->lock and v->map_lock held (the first is dropped while
 * pinning). NULL in *@out for base 0.
 */
static int vhv_log_pin(struct vhost_vdpa *v, u64 base, u64 pages,
		       struct vhv_log **out)
{
	unsigned long first_bit = (base & ~PAGE_MASK) * BITS_PER_BYTE;
	u64 window = max(vhv_log_window(v), pages);
	struct vhv_log *l;
	long npages;
	int err;

	*out = NULL;
	if (!base)
		return 0;
	npages = DIV_ROUND_UP_ULL(first_bit + window, VHV_BITS_PER_PAGE);
	npages = vhv_log_vma_pages(base, npages ?: 1);
	if (npages < 0)
		return npages;
	err = vhost_vdpa_charge_check(v, npages);
	if (err)
		return err;
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (l)
		l->pages = kvmalloc_array(npages, sizeof(*l->pages),
					  GFP_KERNEL);
	if (!l || !l->pages) {
		kfree(l);
		return -ENOMEM;
	}
	l->base = base;
	l->first_bit = first_bit;
	l->npages = npages;
	err = vhv_log_pin_pages(v, l);
	if (err) {
		kvfree(l->pages);
		kfree(l);
		return err;
	}
	l->nbits = (u64)l->npages * VHV_BITS_PER_PAGE - first_bit;
	atomic64_add(l->npages, &v->owner->pinned_vm);
	*out = l;
	return 0;
}

/* Publish @l (may be NULL); the old log is released after a grace period. */
static void vhv_log_swap(struct vhost_vdpa *v, struct vhv_log *l)
{
	struct vhv_log *old = rcu_replace_pointer(v->log, l,
						  lockdep_is_held(&v->lock));

	if (!old)
		return;
	synchronize_rcu();
	vhv_log_free(v, old);
}

/**
 * vhost_vdpa_log_set_base() - VHOST_SET_LOG_BASE
 * @v: the device, with its lock and map_lock held and its vDPA device present
 * @a: the new base (0: none)
 *
 * Return: 0, -ENOTTY without a parent that logs, -EPERM for others than
 * the owner, -EFAULT for a base that is not a user address or whose first
 * page cannot be pinned writable, -ENOMEM over RLIMIT_MEMLOCK. On error
 * the old base and log stay.
 */
long vhost_vdpa_log_set_base(struct vhost_vdpa *v, union vhost_vdpa_arg *a)
{
	struct vhv_log *l = NULL;
	u64 base = a->u64;
	int err;

	lockdep_assert_held(&v->map_lock);
	if (!vhost_vdpa_can_log(v))
		return -ENOTTY;
	if (!vhost_vdpa_is_owner(v))
		return -EPERM;
	if ((u64)(unsigned long)base != base ||
	    !access_ok(u64_to_user_ptr(base), 1))
		return -EFAULT;
	if (v->logging) {
		err = vhv_log_pin(v, base, 0, &l);
		if (err)
			return err;
		if (!v->vdpa) {		/* removed while we pinned */
			vhv_log_free(v, l);
			return -ENODEV;
		}
		vhv_log_swap(v, l);
	}
	v->log_base = base;
	return 0;
}

/**
 * vhost_vdpa_log_set_fd() - VHOST_SET_LOG_FD
 * @v: the device, with its lock held and its vDPA device present
 * @a: an eventfd signalled when bits were set, or %VHOST_FILE_UNBIND
 *
 * Return: 0, -ENOTTY without a parent that logs, -EPERM for others than
 * the owner, or eventfd_ctx_fdget()'s -errno.
 */
long vhost_vdpa_log_set_fd(struct vhost_vdpa *v, union vhost_vdpa_arg *a)
{
	struct eventfd_ctx *ctx = NULL, *old;

	lockdep_assert_held(&v->lock);
	if (!vhost_vdpa_can_log(v))
		return -ENOTTY;
	if (!vhost_vdpa_is_owner(v))
		return -EPERM;
	if (a->fd != VHOST_FILE_UNBIND) {
		ctx = eventfd_ctx_fdget(a->fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	old = rcu_replace_pointer(v->log_ctx, ctx, lockdep_is_held(&v->lock));
	if (old) {
		synchronize_rcu();
		eventfd_ctx_put(old);
	}
	return 0;
}

/* Start logging: pin the log, then hand the parent our callbacks. */
static int vhv_log_start(struct vhost_vdpa *v)
{
	struct vhv_log *l;
	int err;

	err = vhv_log_pin(v, v->log_base, 0, &l);
	if (err)
		return err;
	if (!v->vdpa) {
		vhv_log_free(v, l);
		return -ENODEV;
	}
	vhv_log_swap(v, l);
	err = v->vdpa->config->set_dirty_log(v->vdpa, &v->dlog);
	if (err) {
		vhv_log_swap(v, NULL);
		return err;
	}
	v->logging = true;
	return 0;
}

/**
 * vhost_vdpa_log_stop() - stop logging and release the log
 * @v: the device, with its lock held
 *
 * The parent is told first (if still present), so that no callback runs
 * once the pages are released. The base and the log eventfd stay for a
 * later start.
 */
void vhost_vdpa_log_stop(struct vhost_vdpa *v)
{
	lockdep_assert_held(&v->lock);
	if (v->logging && v->vdpa)
		v->vdpa->config->set_dirty_log(v->vdpa, NULL);
	v->logging = false;
	vhv_log_swap(v, NULL);
}

/**
 * vhost_vdpa_log_features() - follow %VHOST_F_LOG_ALL in new features
 * @v: the device, with its lock and map_lock held and its vDPA device present
 * @features: the features userspace sets
 *
 * Starts or stops logging when the bit changes. Called before the
 * features are stored.
 *
 * Return: 0 or -errno (nothing changed).
 */
int vhost_vdpa_log_features(struct vhost_vdpa *v, u64 features)
{
	bool on = features & BIT_ULL(VHOST_F_LOG_ALL);

	lockdep_assert_held(&v->map_lock);
	if (on == v->logging)
		return 0;
	if (!on) {
		vhost_vdpa_log_stop(v);
		return 0;
	}
	/* the log is pinned in, and charged to, the owner's memory */
	if (!vhost_vdpa_is_owner(v))
		return -EPERM;
	return vhv_log_start(v);
}

/**
 * vhost_vdpa_log_cover() - make the log cover IOVAs up to @last
 * @v: the device, with its lock and map_lock held
 * @last: last IOVA of a range the device may write from now on
 *
 * While logging, a writable mapping or a logged used ring past the
 * pinned window grows it (within the log's VMA) before the device can
 * use it.
 *
 * Return: 0, or -errno (-ENOMEM over RLIMIT_MEMLOCK); the log is then
 * the old one.
 */
int vhost_vdpa_log_cover(struct vhost_vdpa *v, u64 last)
{
	struct vhv_log *cur = vhv_log_cur(v);
	u64 pages = (last >> VHV_LOG_SHIFT) + 1;
	struct vhv_log *l;
	int err;

	lockdep_assert_held(&v->map_lock);
	if (!v->logging || !cur || pages <= cur->nbits)
		return 0;
	/* the VMA may end before: nothing more to pin then */
	if (vhv_log_vma_pages(cur->base, cur->npages + 1) <= cur->npages)
		return 0;
	err = vhv_log_pin(v, cur->base, pages, &l);
	if (err)
		return err;
	if (!v->vdpa || !v->logging) {
		vhv_log_free(v, l);
		return v->vdpa ? 0 : -ENODEV;
	}
	vhv_log_swap(v, l);
	return 0;
}

static int vhv_log_show(struct seq_file *s, void *unused)
{
	struct vhost_vdpa *v = s->private;
	struct vhv_log *l;

	mutex_lock(&v->lock);
	l = vhv_log_cur(v);
	seq_printf(s, "logging: %d\nbase: 0x%llx\npinned: %lu\nbits: %llu\n",
		   v->logging, v->log_base, l ? l->npages : 0,
		   l ? l->nbits : 0);
	seq_printf(s, "set: %lld\nlost: %lld\n",
		   (long long)atomic64_read(&v->log_set),
		   (long long)atomic64_read(&v->log_lost));
	mutex_unlock(&v->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vhv_log);

/**
 * vhost_vdpa_log_init() - set up logging at probe
 * @v: the device
 * @root: the driver's debugfs directory (may be an error pointer)
 *
 * Creates ``vhost-vdpa-N/log`` in debugfs: whether logging is on, the
 * base, the pinned pages, the IOVA pages they cover, the count of calls
 * that set a bit and of pages lost (outside the pinned log).
 */
void vhost_vdpa_log_init(struct vhost_vdpa *v, struct dentry *root)
{
	v->dlog.write = vhv_log_write;
	v->dlog.write_used = vhv_log_write_used;
	v->debugfs = debugfs_create_dir(dev_name(&v->dev), root);
	debugfs_create_file("log", 0400, v->debugfs, v, &vhv_log_fops);
}

/**
 * vhost_vdpa_log_close() - forget everything logging-related
 * @v: the device, with its lock held
 *
 * For the last close and removal: logging stopped, base and eventfd
 * dropped, counters cleared.
 */
void vhost_vdpa_log_close(struct vhost_vdpa *v)
{
	lockdep_assert_held(&v->lock);
	vhost_vdpa_log_stop(v);
	v->log_base = 0;
	if (rcu_access_pointer(v->log_ctx)) {
		struct eventfd_ctx *old = rcu_replace_pointer(v->log_ctx, NULL,
						lockdep_is_held(&v->lock));

		synchronize_rcu();
		eventfd_ctx_put(old);
	}
	atomic64_set(&v->log_set, 0);
	atomic64_set(&v->log_lost, 0);
}
