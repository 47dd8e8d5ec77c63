// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device-side virtqueue library: the split layout (descriptor table,
 * available ring, used ring). Called through ring.c, which has checked
 * that the ring is set up, not broken and its areas resolved.
 */

#include <asm/barrier.h>
#include <linux/compiler.h>
#include "ring_internal.h"

static struct vring_avail *split_avail(struct vdring *r)
{
	return r->area[VDRING_AREA_DRIVER];
}

static struct vring_used *split_used(struct vdring *r)
{
	return r->area[VDRING_AREA_DEVICE];
}

/* The available event index lives after the used ring's entries. */
static __virtio16 *split_avail_event(struct vdring *r)
{
	return (__virtio16 *)&split_used(r)->ring[r->cfg.num];
}

/* Reports a store of @len bytes at @p, in the used ring. */
static void split_log_used(struct vdring *r, const void *p, u64 len)
{
	vdring_log_area(r, VDRING_AREA_DEVICE,
			(const u8 *)p - (const u8 *)split_used(r), len);
}

/* Reads each field of a descriptor exactly once. */
static u16 split_read_desc(const struct vring_desc *d, struct vdring_buf *buf,
			   u16 *next)
{
	u16 flags;

	buf->addr = vd64_to_cpu(READ_ONCE(d->addr));
	buf->len = vd32_to_cpu(READ_ONCE(d->len));
	flags = vd16_to_cpu(READ_ONCE(d->flags));
	*next = vd16_to_cpu(READ_ONCE(d->next));
	buf->write = flags & VRING_DESC_F_WRITE;
	return flags;
}

static int split_walk(struct vdring *r, struct vdring_iov *iov,
		      const struct vring_desc *table, unsigned int n, u16 i,
		      bool in_indirect, unsigned int *ndesc);

static int split_indirect(struct vdring *r, struct vdring_iov *iov,
			  const struct vdring_buf *buf, u16 flags)
{
	unsigned int n, unused;
	int err;

	if (flags & VRING_DESC_F_NEXT)
		return vdring_fail(r, -EINVAL,
				   "indirect descriptor with NEXT");
	err = vdring_load_indirect(r, buf->addr, buf->len, &n, iov->nowait);
	if (err)
		return err;
	return split_walk(r, iov, r->indirect_buf, n, 0, true, &unused);
}

/*
 * Walks the chain starting at entry @i of @table (@n entries: the
 * descriptor table or a copied indirect table), appending its buffers to
 * @iov. @ndesc is set to the number of descriptors walked in @table.
 */
static int split_walk(struct vdring *r, struct vdring_iov *iov,
		      const struct vring_desc *table, unsigned int n, u16 i,
		      bool in_indirect, unsigned int *ndesc)
{
	struct vdring_buf buf;
	unsigned int count = 0;
	u16 flags, next;
	int err;

	for (;;) {
		if (++count > n)
			return vdring_fail(r, -ELOOP, in_indirect ?
					   "indirect descriptor chain loops" :
					   "descriptor chain loops");
		flags = split_read_desc(&table[i], &buf, &next);
		if (flags & VRING_DESC_F_INDIRECT) {
			if (in_indirect)
				return vdring_fail(r, -EINVAL,
						   "nested indirect descriptor");
			err = split_indirect(r, iov, &buf, flags);
			break;
		}
		err = vdring_add_buf(r, iov, &buf);
		if (err || !(flags & VRING_DESC_F_NEXT))
			break;
		if (next >= n)
			return vdring_fail(r, -ERANGE,
					   "next descriptor index out of range");
		i = next;
	}
	*ndesc = count;
	return err;
}

/**
 * vdring_split_pop() - vdring_pop() for a split ring
 * @r: the ring
 * @iov: the buffer's segments (emptied by the caller)
 * @elem: the buffer's identity: head index and chain length
 *
 * Return: see vdring_pop().
 */
int vdring_split_pop(struct vdring *r, struct vdring_iov *iov,
		     struct vdring_elem *elem)
{
	struct vring_avail *avail = split_avail(r);
	u16 last = r->last_avail_idx;
	unsigned int ndesc;
	u16 idx, head;
	int err;

	idx = vd16_to_cpu(READ_ONCE(avail->idx));
	if (idx == last)
		return 0;
	if ((u16)(idx - last) > r->cfg.num)
		return vdring_fail(r, -ERANGE,
				   "available index ahead by more than the queue size");
	/*
	 * Read the available index before the ring entry and descriptors it
	 * publishes: pairs with the driver's write barrier between filling
	 * them in and bumping the index.
	 */
	smp_rmb();
	head = vd16_to_cpu(READ_ONCE(avail->ring[last & (r->cfg.num - 1)]));
	if (head >= r->cfg.num)
		return vdring_fail(r, -ERANGE,
				   "head descriptor index out of range");
	err = split_walk(r, iov, r->area[VDRING_AREA_DESC], r->cfg.num, head,
			 false, &ndesc);
	if (err)
		return err;
	r->last_avail_idx = last + 1;
	elem->id = head;
	elem->ndesc = ndesc;
	return 1;
}

/**
 * vdring_split_unpop() - vdring_unpop() for a split ring
 * @r: the ring
 * @elem: the buffer (one available ring entry whatever its chain)
 */
void vdring_split_unpop(struct vdring *r, const struct vdring_elem *elem)
{
	r->last_avail_idx--;
}

/**
 * vdring_split_push() - vdring_push() for a split ring
 * @r: the ring
 * @elem: the buffer
 * @len: bytes written
 *
 * Writes the used entry after the last one pushed; vdring_split_publish()
 * makes it visible.
 *
 * Return: 0, or -EINVAL if @elem->id is not a descriptor index.
 */
int vdring_split_push(struct vdring *r, const struct vdring_elem *elem,
		      u32 len)
{
	struct vring_used_elem *e;

	if (elem->id >= r->cfg.num)
		return -EINVAL;
	e = &split_used(r)->ring[r->shadow_used_idx & (r->cfg.num - 1)];
	WRITE_ONCE(e->id, cpu_to_vd32(elem->id));
	WRITE_ONCE(e->len, cpu_to_vd32(len));
	split_log_used(r, e, sizeof(*e));
	r->shadow_used_idx++;
	return 0;
}

/**
 * vdring_split_publish() - vdring_publish() for a split ring
 * @r: the ring
 */
void vdring_split_publish(struct vdring *r)
{
	/*
	 * The used entries must be visible before the index that hands them
	 * to the driver: pairs with the driver's read barrier after it reads
	 * the used index.
	 */
	smp_wmb();
	WRITE_ONCE(split_used(r)->idx, cpu_to_vd16(r->shadow_used_idx));
	split_log_used(r, &split_used(r)->idx, sizeof(__virtio16));
	r->last_used_idx = r->shadow_used_idx;
}

/**
 * vdring_split_need_notify() - vdring_need_notify() for a split ring
 * @r: the ring
 *
 * Return: whether to notify for the buffers published since the last call.
 */
bool vdring_split_need_notify(struct vdring *r)
{
	struct vring_avail *avail = split_avail(r);
	u16 new = r->last_used_idx, old = r->signalled_used, event;
	bool valid = r->signalled_used_valid;

	/*
	 * Our used index must be visible before we read the driver's
	 * suppression state (flags or used event index), else the driver
	 * could miss the new buffers while we skip the notification: pairs
	 * with the driver's full barrier between writing its suppression
	 * state and re-reading the used index.
	 */
	smp_mb();
	r->signalled_used = new;
	r->signalled_used_valid = true;
	if (new == old)
		return false;
	if (!r->cfg.event_idx)
		return !(vd16_to_cpu(READ_ONCE(avail->flags)) &
			 VRING_AVAIL_F_NO_INTERRUPT);
	if (!valid)
		return true;
	event = vd16_to_cpu(READ_ONCE(avail->ring[r->cfg.num]));
	return vring_need_event(event, new, old);
}

/**
 * vdring_split_notify_disable() - vdring_notify_disable() for a split ring
 * @r: the ring
 */
void vdring_split_notify_disable(struct vdring *r)
{
	if (r->cfg.event_idx)
		return;
	WRITE_ONCE(split_used(r)->flags, cpu_to_vd16(VRING_USED_F_NO_NOTIFY));
	split_log_used(r, &split_used(r)->flags, sizeof(__virtio16));
}

/**
 * vdring_split_notify_enable() - vdring_notify_enable() for a split ring
 * @r: the ring
 *
 * Return: 1 if a buffer is available, else 0.
 */
int vdring_split_notify_enable(struct vdring *r)
{
	__virtio16 *p = r->cfg.event_idx ? split_avail_event(r) :
			&split_used(r)->flags;

	WRITE_ONCE(*p, cpu_to_vd16(r->cfg.event_idx ? r->last_avail_idx : 0));
	/*
	 * The re-enabled notifications must be visible before we look for
	 * buffers made available meanwhile: pairs with the driver's full
	 * barrier between bumping the available index and reading our
	 * flags or available event index.
	 */
	smp_mb();
	split_log_used(r, p, sizeof(*p));
	return vd16_to_cpu(READ_ONCE(split_avail(r)->idx)) != r->last_avail_idx;
}
