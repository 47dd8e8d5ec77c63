// SPDX-License-Identifier: GPL-2.0-only
/*
 * Emergency completion ("rescue") of a VDUSE block device's requests when
 * its vDPA device is removed and the daemon cannot finish them.
 *
 * virtio_blk's remove waits for every request in flight and has no
 * timeout, so a dead or silent daemon would block "vdpa dev del" forever.
 * On removal of a virtio-blk device driven by virtio_vdpa (split rings in
 * the domain's coherent memory), an attached daemon gets a short time to
 * go idle; then it is revoked and the kernel completes each outstanding
 * request with VIRTIO_BLK_S_IOERR, and every later kick the same way, until
 * the vDPA device is released.
 */

#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_byteorder.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include "internal.h"

/**
 * DOC: emergency completion
 *
 * Everything read from the rings may have been written by the daemon
 * (which maps them) and is checked: heads and ids at or above the ring
 * size are skipped, a chain longer than the ring (or than
 * %VDUSE_RESCUE_INDIRECT_MAX entries for an indirect table) stops the
 * walk, buffers are only accessed through the bounce region's mapped pages
 * (vduse_domain_bounce_rw()). A request whose status byte cannot be found
 * or written is still completed, so that removal cannot hang, and the
 * device is marked NEEDS_RESET.
 *
 * Which heads are outstanding: the driver has (avail idx - used idx)
 * requests in flight. For each head the most recent avail position p and
 * the most recent used position q are found (positions on one line: used
 * positions are counted back from avail idx - in flight). A completion of
 * the request made available at p is written at q >= p - num + 1, and the
 * previous completion of the same head at q < p, so q >= p means done and
 * q <= p - num (or none) means outstanding. Heads in between are taken, if
 * the count requires, oldest q first. Requests made available before the
 * last num avail entries cannot be found (the ring no longer holds them).
 */

/* The most entries of an indirect descriptor table that are walked. */
#define VDUSE_RESCUE_INDIRECT_MAX	4096
/* The longest sleep between two idle checks while waiting for the daemon. */
#define VDUSE_RESCUE_POLL		(HZ / 10)
#define VDUSE_RESCUE_NONE		INT_MIN

/* The split ring of one queue, in the domain's coherent memory. */
struct vduse_rescue_ring {
	u32 num;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
};

/* What one pass over a queue found. */
struct vduse_rescue_scan {
	int *last_p;
	int *last_q;
	u32 *pick;
	int a;
	int u;
	u32 n;
};

static u16 vduse_r16(__virtio16 v)
{
	return __virtio16_to_cpu(true, v);
}

static u32 vduse_r32(__virtio32 v)
{
	return __virtio32_to_cpu(true, v);
}

/* Called with dev->lock held: the vq's rings, if it has coherent ones. */
static bool vduse_rescue_ring(struct vduse_dev *dev, struct vduse_vq *vq,
			      struct vduse_rescue_ring *r)
{
	u32 num = vq->num;

	lockdep_assert_held(&dev->lock);
	if (!vq->ready || !num || num > VDUSE_VQ_SIZE_MAX || !is_power_of_2(num))
		return false;
	r->num = num;
	r->desc = vduse_domain_coherent_va(dev->domain, vq->desc_addr,
					   16 * num);
	r->avail = vduse_domain_coherent_va(dev->domain, vq->driver_addr,
					    6 + 2 * num);
	r->used = vduse_domain_coherent_va(dev->domain, vq->device_addr,
					   6 + 8 * num);
	return r->desc && r->avail && r->used;
}

/* Called with dev->lock held. */
static bool vduse_rescue_usable(struct vduse_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	return dev->vdev && dev->domain && dev->device_id == VIRTIO_ID_BLOCK &&
	       (dev->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       (dev->driver_features & BIT_ULL(VIRTIO_F_VERSION_1)) &&
	       !(dev->driver_features & BIT_ULL(VIRTIO_F_RING_PACKED));
}

/* Every ready queue with coherent rings has as many used as avail. */
static bool vduse_rescue_idle(struct vduse_dev *dev)
{
	struct vduse_rescue_ring r;
	bool idle = true;
	u32 i;

	mutex_lock(&dev->lock);
	for (i = 0; idle && vduse_rescue_usable(dev) && i < dev->vq_num; i++)
		if (vduse_rescue_ring(dev, dev->vqs[i], &r))
			idle = READ_ONCE(r.avail->idx) == READ_ONCE(r.used->idx);
	mutex_unlock(&dev->lock);
	return idle;
}

/* One descriptor of the chain: from the table, or from an indirect one. */
static int vduse_rescue_desc(struct vduse_dev *dev,
			     struct vduse_rescue_ring *r, u64 table, u32 i,
			     struct vring_desc *d)
{
	if (table)
		return vduse_domain_bounce_rw(dev->domain, table + 16ULL * i,
					      d, sizeof(*d), false);
	d->addr = READ_ONCE(r->desc[i].addr);
	d->len = READ_ONCE(r->desc[i].len);
	d->flags = READ_ONCE(r->desc[i].flags);
	d->next = READ_ONCE(r->desc[i].next);
	return 0;
}

/* The IOVA of the last device-writable byte of the chain at @head. */
static int vduse_rescue_status_iova(struct vduse_dev *dev,
				    struct vduse_rescue_ring *r, u32 head,
				    u64 *iova)
{
	u32 i = head, max = r->num, steps = 0;
	struct vring_desc d;
	bool found = false;
	u64 table = 0;
	u16 flags;
	u32 len;

	for (;;) {
		if (i >= max || ++steps > max)
			return -ELOOP;
		if (vduse_rescue_desc(dev, r, table, i, &d))
			return -EFAULT;
		flags = vduse_r16(d.flags);
		len = vduse_r32(d.len);
		if (flags & VRING_DESC_F_INDIRECT) {
			if (table || !len || len % 16 ||
			    len / 16 > VDUSE_RESCUE_INDIRECT_MAX)
				return -EINVAL;
			table = __virtio64_to_cpu(true, d.addr);
			max = len / 16;
			i = 0;
			steps = 0;
			continue;
		}
		if ((flags & VRING_DESC_F_WRITE) && len) {
			*iova = __virtio64_to_cpu(true, d.addr) + len - 1;
			found = true;
		}
		if (!(flags & VRING_DESC_F_NEXT))
			return found ? 0 : -ENOENT;
		i = vduse_r16(d.next);
	}
}

/* Fail the request at @head and add it to the used ring at @pos. */
static void vduse_rescue_one(struct vduse_dev *dev,
			     struct vduse_rescue_ring *r, u32 head, u16 pos)
{
	struct vring_used_elem *e = &r->used->ring[pos & (r->num - 1)];
	u8 status = VIRTIO_BLK_S_IOERR;
	u64 iova;
	int err;

	err = vduse_rescue_status_iova(dev, r, head, &iova);
	if (!err)
		err = vduse_domain_bounce_rw(dev->domain, iova, &status, 1,
					     true);
	if (err) {
		dev_warn_ratelimited(dev->dev,
				     "rescue: no status byte for head %u (%d)\n",
				     head, err);
		WRITE_ONCE(dev->needs_reset, true);
	}
	WRITE_ONCE(e->id, __cpu_to_virtio32(true, head));
	WRITE_ONCE(e->len, __cpu_to_virtio32(true, err ? 0 : 1));
}

/* Record the latest avail and used position of every head. */
static void vduse_rescue_positions(struct vduse_rescue_ring *r,
				   struct vduse_rescue_scan *s, u16 avail_idx)
{
	u32 wa = min_t(u32, r->num, avail_idx);
	u32 wu = min_t(u32, r->num, (u16)(avail_idx - s->n));
	u32 k, h;
	int p;

	for (k = 0; k < r->num; k++) {
		s->last_p[k] = VDUSE_RESCUE_NONE;
		s->last_q[k] = VDUSE_RESCUE_NONE;
	}
	for (k = 1; k <= wa; k++) {
		p = s->a - k;
		h = vduse_r16(READ_ONCE(r->avail->ring[(u16)p & (r->num - 1)]));
		if (h < r->num && s->last_p[h] == VDUSE_RESCUE_NONE)
			s->last_p[h] = p;
	}
	for (k = 1; k <= wu; k++) {
		p = s->u - k;
		h = vduse_r32(READ_ONCE(r->used->ring[(u16)p & (r->num - 1)].id));
		if (h < r->num && s->last_q[h] == VDUSE_RESCUE_NONE)
			s->last_q[h] = p;
	}
}

/* 1: outstanding, 0: done, -1: cannot tell from the positions. */
static int vduse_rescue_classify(struct vduse_rescue_scan *s, u32 num, u32 h)
{
	int p = s->last_p[h], q = s->last_q[h];

	if (p == VDUSE_RESCUE_NONE)
		return 0;
	if (q == VDUSE_RESCUE_NONE || q <= p - (int)num)
		return 1;
	return q >= p ? 0 : -1;
}

/* Fail the outstanding requests; returns how many. */
static u32 vduse_rescue_fail(struct vduse_dev *dev,
			     struct vduse_rescue_ring *r,
			     struct vduse_rescue_scan *s, u16 used_idx)
{
	u32 h, k, done = 0;
	int q;

	/* Choose first: the used entries written below overwrite the window. */
	for (h = 0; h < r->num && done < s->n; h++)
		if (vduse_rescue_classify(s, r->num, h) == 1)
			s->pick[done++] = h;
	/* The undecided ones, oldest used position first. */
	for (k = min_t(u32, r->num, used_idx); k && done < s->n; k--) {
		q = s->u - k;
		h = vduse_r32(READ_ONCE(r->used->ring[(u16)q & (r->num - 1)].id));
		if (h < r->num && s->last_q[h] == q &&
		    vduse_rescue_classify(s, r->num, h) == -1) {
			s->last_p[h] = VDUSE_RESCUE_NONE;
			s->pick[done++] = h;
		}
	}
	for (k = 0; k < done; k++)
		vduse_rescue_one(dev, r, s->pick[k], used_idx + k);
	if (done < s->n)
		dev_warn_ratelimited(dev->dev,
				     "rescue: %u of %u requests not found\n",
				     s->n - done, s->n);
	return done;
}

/* Called with dev->lock held: complete what @vq has outstanding. */
static void vduse_rescue_vq(struct vduse_dev *dev, struct vduse_vq *vq,
			    struct vduse_rescue_scan *s)
{
	struct vduse_rescue_ring r;
	unsigned long flags;
	u16 avail_idx, used_idx;
	u32 done;

	lockdep_assert_held(&dev->lock);
	if (!vduse_rescue_ring(dev, vq, &r))
		return;
	avail_idx = vduse_r16(READ_ONCE(r.avail->idx));
	/* The avail entries are read after the index that published them. */
	virtio_rmb(true);
	used_idx = vduse_r16(READ_ONCE(r.used->idx));
	s->n = (u16)(avail_idx - used_idx);
	if (!s->n)
		return;
	if (s->n > r.num) {
		dev_warn_ratelimited(dev->dev, "rescue: vq %u: bad used idx\n",
				     vq->index);
		WRITE_ONCE(dev->needs_reset, true);
		return;
	}
	s->a = avail_idx + 65536;
	s->u = s->a - s->n;
	vduse_rescue_positions(&r, s, avail_idx);
	done = vduse_rescue_fail(dev, &r, s, used_idx);
	/*
	 * The used entries and the status bytes (bounce pages) are stored
	 * before the used index that publishes them: the driver reads the
	 * index, then (after its read barrier) the entries and buffers.
	 */
	virtio_wmb(true);
	WRITE_ONCE(r.used->idx, __cpu_to_virtio16(true, used_idx + done));
	local_bh_disable();
	spin_lock_irqsave(&vq->irq_lock, flags);
	if (vq->cb.callback)
		vq->cb.callback(vq->cb.private);
	spin_unlock_irqrestore(&vq->irq_lock, flags);
	local_bh_enable();
}

static void vduse_rescue_work(struct work_struct *work)
{
	struct vduse_dev *dev = container_of(work, struct vduse_dev,
					     rescue_work);
	struct vduse_rescue_scan s = {};
	u32 i;

	s.last_p = kvmalloc_array(VDUSE_VQ_SIZE_MAX, sizeof(int), GFP_KERNEL);
	s.last_q = kvmalloc_array(VDUSE_VQ_SIZE_MAX, sizeof(int), GFP_KERNEL);
	s.pick = kvmalloc_array(VDUSE_VQ_SIZE_MAX, sizeof(u32), GFP_KERNEL);
	if (!s.last_p || !s.last_q || !s.pick)
		goto out;
	mutex_lock(&dev->lock);
	for (i = 0; i < dev->vq_num; i++)
		if (READ_ONCE(dev->rescue_on) && vduse_rescue_usable(dev))
			vduse_rescue_vq(dev, dev->vqs[i], &s);
	mutex_unlock(&dev->lock);
out:
	kvfree(s.pick);
	kvfree(s.last_q);
	kvfree(s.last_p);
}

/**
 * vduse_rescue_init() - initialise the rescue state of a new device
 * @dev: the device
 */
void vduse_rescue_init(struct vduse_dev *dev)
{
	spin_lock_init(&dev->rescue_lock);
	INIT_WORK(&dev->rescue_work, vduse_rescue_work);
	atomic_set(&dev->rescue_events, 0);
	init_waitqueue_head(&dev->rescue_wq);
}

/*
 * Give an attached daemon until VDUSE_REMOVE_WAIT to finish its requests;
 * returns whether it did.
 */
static bool vduse_rescue_wait_idle(struct vduse_dev *dev)
{
	unsigned long deadline = jiffies + VDUSE_REMOVE_WAIT;
	unsigned long now, left;
	int seen;

	for (;;) {
		seen = atomic_read(&dev->rescue_events);
		if (vduse_rescue_idle(dev))
			return true;
		now = jiffies;
		if (time_after_eq(now, deadline))
			return false;
		left = min_t(unsigned long, deadline - now, VDUSE_RESCUE_POLL);
		wait_event_timeout(dev->rescue_wq,
				   atomic_read(&dev->rescue_events) != seen, left);
	}
}

/**
 * vduse_rescue_begin() - complete a block device's requests on removal
 * @dev: the device whose vDPA device is about to be unregistered
 *
 * For a virtio-blk device at DRIVER_OK with split rings in coherent memory
 * (virtio_vdpa): waits up to %VDUSE_REMOVE_WAIT for an attached daemon to
 * finish what it has; if it does, nothing else changes. Otherwise (or
 * without a daemon) the daemon is revoked, the requests in flight fail with
 * VIRTIO_BLK_S_IOERR and new ones too until vduse_rescue_end().
 *
 * Context: process context, may sleep; no VDUSE device lock held (the
 * caller may hold vduse_lock or not: the device lives until the release).
 */
void vduse_rescue_begin(struct vduse_dev *dev)
{
	unsigned long flags;
	bool usable, packed;

	mutex_lock(&dev->lock);
	usable = vduse_rescue_usable(dev);
	packed = dev->driver_features & BIT_ULL(VIRTIO_F_RING_PACKED);
	mutex_unlock(&dev->lock);
	if (!usable) {
		if (packed && dev->device_id == VIRTIO_ID_BLOCK)
			dev_warn(dev->dev,
				 "packed ring: requests in flight are not completed on removal\n");
		return;
	}
	/* A daemon that finishes its work keeps serving the removal. */
	if (READ_ONCE(dev->connected) && vduse_rescue_wait_idle(dev))
		return;
	spin_lock_irqsave(&dev->msg_lock, flags);
	spin_lock(&dev->rescue_lock);
	if (dev->connected)
		dev->revoked = true;
	WRITE_ONCE(dev->rescue_on, true);
	spin_unlock(&dev->rescue_lock);
	spin_unlock_irqrestore(&dev->msg_lock, flags);
	queue_work(system_wq, &dev->rescue_work);
	flush_work(&dev->rescue_work);
}

/**
 * vduse_rescue_end() - stop completing requests (release of the vDPA device)
 * @dev: the device
 *
 * Context: process context; the queues' rings may go once it returns.
 */
void vduse_rescue_end(struct vduse_dev *dev)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->rescue_lock, flags);
	WRITE_ONCE(dev->rescue_on, false);
	spin_unlock_irqrestore(&dev->rescue_lock, flags);
	cancel_work_sync(&dev->rescue_work);
}

/**
 * vduse_rescue_kick() - a kick while requests are completed by the kernel
 * @dev: the device
 *
 * Context: any.
 * Return: true if the kick was taken (the daemon must not see it).
 */
bool vduse_rescue_kick(struct vduse_dev *dev)
{
	if (!READ_ONCE(dev->rescue_on))
		return false;
	schedule_work(&dev->rescue_work);
	return true;
}

/**
 * vduse_rescue_irq_notify() - the daemon injected a queue interrupt
 * @dev: the device
 *
 * Wakes a removal waiting for the daemon to go idle. Context: any.
 */
void vduse_rescue_irq_notify(struct vduse_dev *dev)
{
	atomic_inc(&dev->rescue_events);
	wake_up(&dev->rescue_wq);
}

/**
 * vduse_rescue_revoked() - whether the attached daemon was revoked
 * @dev: the device
 *
 * Return: true if its file operations must fail with -ENODEV.
 */
bool vduse_rescue_revoked(struct vduse_dev *dev)
{
	return READ_ONCE(dev->revoked);
}

/**
 * vduse_rescue_release() - the daemon closed the device file
 * @dev: the device
 *
 * The next daemon is not revoked. Call after the daemon was detached.
 */
void vduse_rescue_release(struct vduse_dev *dev)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->rescue_lock, flags);
	WRITE_ONCE(dev->revoked, false);
	spin_unlock_irqrestore(&dev->rescue_lock, flags);
}
