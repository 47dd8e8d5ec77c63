// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device-side virtqueue library: the packed layout (one descriptor ring,
 * a driver and a device event-suppression structure). Called through
 * ring.c, which has checked that the ring is set up, not broken and its
 * areas resolved.
 *
 * Positions: a slot index in 0..num-1 and a wrap counter. For the used
 * side, &vdring.signalled_used counts the slots written back since the
 * last vdring_need_notify() (saturating at %U16_MAX): that range is what
 * a driver's event offset is compared with.
 */

#include <asm/barrier.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/minmax.h>
#include "ring_internal.h"

#define PACKED_AVAIL	BIT(VRING_PACKED_DESC_F_AVAIL)
#define PACKED_USED	BIT(VRING_PACKED_DESC_F_USED)
#define PACKED_WRAP	BIT(VRING_PACKED_EVENT_F_WRAP_CTR)
#define PACKED_EV_MASK	0x3

static struct vring_packed_desc *packed_ring(struct vdring *r)
{
	return r->area[VDRING_AREA_DESC];
}

static struct vring_packed_desc_event *packed_driver_event(struct vdring *r)
{
	return r->area[VDRING_AREA_DRIVER];
}

static struct vring_packed_desc_event *packed_device_event(struct vdring *r)
{
	return r->area[VDRING_AREA_DEVICE];
}

/* Reports a store of @len bytes at @p, in the device event structure. */
static void packed_log_event(struct vdring *r, const void *p, u64 len)
{
	vdring_log_area(r, VDRING_AREA_DEVICE,
			(const u8 *)p - (const u8 *)packed_device_event(r), len);
}

/*
 * Reports a write-back of @len bytes at @p in the descriptor ring (a used
 * descriptor's length and id, with or without its flags, or its flags).
 */
static void packed_log_desc(struct vdring *r, const void *p, u64 len)
{
	vdring_log_area(r, VDRING_AREA_DESC,
			(const u8 *)p - (const u8 *)packed_ring(r), len);
}

/* The driver made a descriptor available in the pass of wrap counter @wrap. */
static bool packed_is_avail(u16 flags, bool wrap)
{
	return !!(flags & PACKED_AVAIL) == wrap && !!(flags & PACKED_USED) != wrap;
}

static void packed_read_buf(const struct vring_packed_desc *d, u16 flags,
			    struct vdring_buf *buf)
{
	buf->addr = le64_to_cpu(READ_ONCE(d->addr));
	buf->len = le32_to_cpu(READ_ONCE(d->len));
	buf->write = flags & VRING_DESC_F_WRITE;
}

/* Appends every entry of an indirect table (consecutive, no NEXT links). */
static int packed_indirect(struct vdring *r, struct vdring_iov *iov,
			   const struct vdring_buf *ind)
{
	const struct vring_packed_desc *table;
	struct vdring_buf buf;
	unsigned int n, i;
	u16 flags;
	int err;

	/* The copy is (re)allocated by the load: read its address after. */
	err = vdring_load_indirect(r, ind->addr, ind->len, &n, iov->nowait);
	if (err)
		return err;
	table = r->indirect_buf;
	for (i = 0; i < n; i++) {
		flags = le16_to_cpu(table[i].flags);
		if (flags & VRING_DESC_F_INDIRECT)
			return vdring_fail(r, -EINVAL,
					   "nested indirect descriptor");
		packed_read_buf(&table[i], flags, &buf);
		err = vdring_add_buf(r, iov, &buf);
		if (err)
			return err;
	}
	return 0;
}

/* One descriptor of a chain; @count is its position, from 1. */
static int packed_desc(struct vdring *r, struct vdring_iov *iov,
		       const struct vring_packed_desc *d, u16 flags,
		       unsigned int count)
{
	struct vdring_buf buf;

	packed_read_buf(d, flags, &buf);
	if (!(flags & VRING_DESC_F_INDIRECT))
		return vdring_add_buf(r, iov, &buf);
	if (count > 1 || (flags & VRING_DESC_F_NEXT))
		return vdring_fail(r, -EINVAL,
				   "indirect descriptor inside a chain");
	return packed_indirect(r, iov, &buf);
}

/**
 * vdring_packed_pop() - vdring_pop() for a packed ring
 * @r: the ring
 * @iov: the buffer's segments (emptied by the caller)
 * @elem: the buffer's identity: the buffer id of its last descriptor and
 *        the slots it took
 *
 * Return: see vdring_pop().
 */
int vdring_packed_pop(struct vdring *r, struct vdring_iov *iov,
		      struct vdring_elem *elem)
{
	struct vring_packed_desc *ring = packed_ring(r);
	u16 slot = r->last_avail_idx, flags, id;
	bool wrap = r->avail_wrap;
	unsigned int count = 0;
	int err;

	flags = le16_to_cpu(READ_ONCE(ring[slot].flags));
	if (!packed_is_avail(flags, wrap))
		return 0;
	/*
	 * Read the head's flags before the rest of the chain: pairs with the
	 * driver's write barrier between writing the descriptors and making
	 * the head available.
	 */
	smp_rmb();
	for (;;) {
		if (++count > r->cfg.num)
			return vdring_fail(r, -ELOOP,
					   "descriptor chain longer than the queue");
		if (count > 1)
			flags = le16_to_cpu(READ_ONCE(ring[slot].flags));
		id = le16_to_cpu(READ_ONCE(ring[slot].id));
		err = packed_desc(r, iov, &ring[slot], flags, count);
		if (err)
			return err;
		if (++slot == r->cfg.num) {
			slot = 0;
			wrap = !wrap;
		}
		if (!(flags & VRING_DESC_F_NEXT))
			break;
	}
	r->last_avail_idx = slot;
	r->avail_wrap = wrap;
	elem->id = id;
	elem->ndesc = count;
	return 1;
}

/**
 * vdring_packed_unpop() - vdring_unpop() for a packed ring
 * @r: the ring
 * @elem: the buffer; goes back by its @ndesc slots
 */
void vdring_packed_unpop(struct vdring *r, const struct vdring_elem *elem)
{
	u16 n = elem->ndesc;

	if (!n || n > r->cfg.num)
		return;
	if (r->last_avail_idx >= n) {
		r->last_avail_idx -= n;
	} else {
		r->last_avail_idx += r->cfg.num - n;
		r->avail_wrap = !r->avail_wrap;
	}
}

/**
 * vdring_packed_push() - vdring_push() for a packed ring
 * @r: the ring
 * @elem: the buffer
 * @len: bytes written
 *
 * Writes the used descriptor at the next write-back slot and skips the
 * slots the buffer took.
 *
 * Return: 0, or -EINVAL if @elem->ndesc is impossible.
 */
int vdring_packed_push(struct vdring *r, const struct vdring_elem *elem,
		       u32 len)
{
	struct vring_packed_desc *d = &packed_ring(r)[r->last_used_idx];
	u16 flags = r->used_wrap ? PACKED_AVAIL | PACKED_USED : 0;
	u32 next;

	if (!elem->ndesc || elem->ndesc > r->cfg.num)
		return -EINVAL;
	WRITE_ONCE(d->id, cpu_to_le16(elem->id));
	WRITE_ONCE(d->len, cpu_to_le32(len));
	if (!r->held) {
		/* The batch's first: its flags wait for vdring_publish(). */
		r->held = true;
		r->held_slot = r->last_used_idx;
		r->held_flags = cpu_to_le16(flags);
		packed_log_desc(r, &d->len, sizeof(d->len) + sizeof(d->id));
	} else {
		/*
		 * The id and length must be visible before the flags that
		 * hand the descriptor back: pairs with the driver's read
		 * barrier after it sees the used flags.
		 */
		smp_wmb();
		WRITE_ONCE(d->flags, cpu_to_le16(flags));
		packed_log_desc(r, &d->len, sizeof(d->len) + sizeof(d->id) +
				sizeof(d->flags));
	}

	next = r->last_used_idx + elem->ndesc;
	if (next >= r->cfg.num) {
		next -= r->cfg.num;
		r->used_wrap = !r->used_wrap;
	}
	r->last_used_idx = next;
	r->signalled_used = min_t(u32, r->signalled_used + elem->ndesc,
				  U16_MAX);
	return 0;
}

/**
 * vdring_packed_publish() - vdring_publish() for a packed ring
 * @r: the ring
 *
 * Writes the flags held back by the batch's first vdring_packed_push().
 */
void vdring_packed_publish(struct vdring *r)
{
	if (!r->held)
		return;
	/*
	 * Every id, length and later flags of the batch before the first
	 * descriptor's flags: the driver reads in ring order, so it sees the
	 * batch whole once it sees its first descriptor used.
	 */
	smp_wmb();
	WRITE_ONCE(packed_ring(r)[r->held_slot].flags, r->held_flags);
	packed_log_desc(r, &packed_ring(r)[r->held_slot].flags,
			sizeof(r->held_flags));
	r->held = false;
}

/* Position in the 2 * num cycle of (slot, wrap counter) pairs. */
static u32 packed_pos(u32 slot, bool wrap, u32 num)
{
	return wrap ? slot : slot + num;
}

/**
 * vdring_packed_need_notify() - vdring_need_notify() for a packed ring
 * @r: the ring
 *
 * Return: whether to notify for the slots written since the last call.
 */
bool vdring_packed_need_notify(struct vdring *r)
{
	struct vring_packed_desc_event *ev = packed_driver_event(r);
	u32 num = r->cfg.num, cycle = 2 * num, count = r->signalled_used;
	u32 new, old, event;
	u16 flags, off_wrap;

	/*
	 * Our used flags must be visible before we read the driver's event
	 * suppression, else the driver could miss the new buffers while we
	 * skip the notification: pairs with the driver's full barrier between
	 * writing its event structure and re-reading the ring.
	 */
	smp_mb();
	r->signalled_used = 0;
	if (!count)
		return false;
	flags = le16_to_cpu(READ_ONCE(ev->flags)) & PACKED_EV_MASK;
	if (flags == VRING_PACKED_EVENT_FLAG_DISABLE)
		return false;
	if (flags != VRING_PACKED_EVENT_FLAG_DESC || !r->cfg.event_idx)
		return true;
	/*
	 * The flags before the offset they qualify: the driver writes the
	 * offset, then (after a write barrier) the flags.
	 */
	smp_rmb();
	off_wrap = le16_to_cpu(READ_ONCE(ev->off_wrap));
	if (count >= cycle)
		return true;
	new = packed_pos(r->last_used_idx, r->used_wrap, num);
	old = (new + cycle - count) % cycle;
	event = packed_pos(off_wrap & ~PACKED_WRAP, off_wrap & PACKED_WRAP,
			   num);
	return (event + cycle - old) % cycle < count;
}

/**
 * vdring_packed_notify_disable() - vdring_notify_disable() for a packed ring
 * @r: the ring
 */
void vdring_packed_notify_disable(struct vdring *r)
{
	struct vring_packed_desc_event *ev = packed_device_event(r);

	WRITE_ONCE(ev->flags, cpu_to_le16(VRING_PACKED_EVENT_FLAG_DISABLE));
	packed_log_event(r, &ev->flags, sizeof(ev->flags));
}

/**
 * vdring_packed_notify_enable() - vdring_notify_enable() for a packed ring
 * @r: the ring
 *
 * With %VIRTIO_RING_F_EVENT_IDX, asks for a notification when the next
 * slot to read becomes available; else for every buffer.
 *
 * Return: 1 if a buffer is available, else 0.
 */
int vdring_packed_notify_enable(struct vdring *r)
{
	struct vring_packed_desc_event *ev = packed_device_event(r);
	u16 flags = VRING_PACKED_EVENT_FLAG_ENABLE;

	if (r->cfg.event_idx) {
		WRITE_ONCE(ev->off_wrap, cpu_to_le16(r->last_avail_idx |
					 (r->avail_wrap ? PACKED_WRAP : 0)));
		/* The offset before the flags that make the driver use it. */
		smp_wmb();
		flags = VRING_PACKED_EVENT_FLAG_DESC;
	}
	WRITE_ONCE(ev->flags, cpu_to_le16(flags));
	/*
	 * The re-enabled notifications must be visible before we look for a
	 * buffer made available meanwhile: pairs with the driver's full
	 * barrier between making a buffer available and reading our event
	 * structure.
	 */
	smp_mb();
	if (r->cfg.event_idx)
		packed_log_event(r, ev, sizeof(*ev));
	else
		packed_log_event(r, &ev->flags, sizeof(ev->flags));
	flags = le16_to_cpu(READ_ONCE(packed_ring(r)[r->last_avail_idx].flags));
	return packed_is_avail(flags, r->avail_wrap);
}
