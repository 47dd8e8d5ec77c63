// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device-side virtqueue library, ring side: setup and state, and the calls
 * that hand over to the split (split.c) or packed (packed.c) layout. The
 * memory side (translation, ring areas, segment lists) is access.c.
 */

#include <linux/log2.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vdpa.h>
#include "ring_internal.h"

/* Largest queue size of both layouts (packed indices have 15 bits). */
#define VDRING_NUM_MAX		32768U

/* --- Setup and state ----------------------------------------------------- */

static int vdring_check_config(const struct vdring_config *cfg)
{
	struct vdring_layout l;
	int i;

	if (!cfg->num || cfg->num > VDRING_NUM_MAX)
		return -EINVAL;
	if (!cfg->packed && !is_power_of_2(cfg->num))
		return -EINVAL;
	for (i = 0; i < VDRING_NR_AREAS; i++) {
		vdring_layout(cfg, i, &l);
		if (!IS_ALIGNED(l.addr, l.align) || l.addr + l.size - 1 < l.addr)
			return -EINVAL;
	}
	return 0;
}

static void vdring_init_state(struct vdring *r)
{
	r->last_avail_idx = 0;
	r->last_used_idx = 0;
	r->shadow_used_idx = 0;
	r->signalled_used = 0;
	r->signalled_used_valid = false;
	r->avail_wrap = true;
	r->used_wrap = true;
	r->held = false;
	r->broken = false;
	r->why = NULL;
}

/**
 * vdring_setup() - set a ring up for a driver's layout
 * @r: the ring: zero-initialised, released, or set up before (the old
 *     setup is released)
 * @cfg: the layout
 * @map: the address space of the ring's addresses; must stay valid until
 *       vdring_release() or vdring_set_map()
 *
 * Indices start at 0 and the packed wrap counters at 1. A device resuming
 * a saved state calls vdring_set_state() after this function. The ring
 * areas are translated on first use, and the copy of an indirect table is
 * allocated by the first vdring_pop() that meets one: a queue the driver
 * set up but never used costs no more than &struct vdring.
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL for a bad size (0, above 32768, or not a power of two
 * for a split ring) or a misaligned or wrapping area. On failure @r is
 * unchanged.
 */
int vdring_setup(struct vdring *r, const struct vdring_config *cfg,
		 struct vdring_map *map)
{
	int err;

	err = vdring_check_config(cfg);
	if (err || !map)
		return -EINVAL;
	vdring_release(r);
	r->cfg = *cfg;
	r->map = map;
	vdring_init_state(r);
	return 0;
}
EXPORT_SYMBOL_GPL(vdring_setup);

/**
 * vdring_release() - free what a ring holds
 * @r: the ring; left as if zero-initialised. Safe on a ring that was
 *     never set up.
 *
 * Context: process context, may sleep.
 */
void vdring_release(struct vdring *r)
{
	vdring_unmap_areas(r);
	kvfree(r->indirect_buf);
	memset(r, 0, sizeof(*r));
}
EXPORT_SYMBOL_GPL(vdring_release);

/**
 * vdring_reset() - back to the state right after vdring_setup()
 * @r: the ring
 *
 * Indices, wrap counters, notification tracking and the broken state are
 * reset; the layout, address space and buffers are kept.
 */
void vdring_reset(struct vdring *r)
{
	vdring_init_state(r);
}
EXPORT_SYMBOL_GPL(vdring_reset);

/**
 * vdring_set_map() - switch a ring to another address space
 * @r: the ring
 * @map: the new address space; the ring areas are translated through it
 *       on the next call that needs them
 *
 * Context: process context, may sleep.
 * Return: 0, or -EINVAL if @map is NULL.
 */
int vdring_set_map(struct vdring *r, struct vdring_map *map)
{
	if (!map)
		return -EINVAL;
	vdring_unmap_areas(r);
	r->map = map;
	return 0;
}
EXPORT_SYMBOL_GPL(vdring_set_map);

/**
 * vdring_get_state() - the ring's position, for saving or migration
 * @r: the ring
 * @packed: fill the packed variant of @state (else the split one)
 * @state: set to the next available index (split), or the next
 *         descriptor to read and to write back with their wrap counters
 *         (packed)
 */
void vdring_get_state(const struct vdring *r, bool packed,
		      struct vdpa_vq_state *state)
{
	memset(state, 0, sizeof(*state));
	if (!packed) {
		state->split.avail_index = r->last_avail_idx;
		return;
	}
	state->packed.last_avail_idx = r->last_avail_idx;
	state->packed.last_avail_counter = r->avail_wrap;
	state->packed.last_used_idx = r->last_used_idx;
	state->packed.last_used_counter = r->used_wrap;
}
EXPORT_SYMBOL_GPL(vdring_get_state);

/**
 * vdring_set_state() - restore the ring's position
 * @r: the ring, set up: vdring_setup() starts from index 0 again, so the
 *     caller applies a saved state after setting the ring up
 * @packed: use the packed variant of @state (else the split one)
 * @state: split: the next available index, which is also taken as the
 *         used index (no buffer is in flight); packed: both positions and
 *         wrap counters
 *
 * Notification tracking restarts (the next vdring_need_notify() after a
 * push notifies).
 *
 * Return: 0, or -EINVAL if a packed index is not below the queue size.
 */
int vdring_set_state(struct vdring *r, bool packed,
		     const struct vdpa_vq_state *state)
{
	const struct vdpa_vq_state_packed *p = &state->packed;

	if (!packed) {
		r->last_avail_idx = state->split.avail_index;
		r->last_used_idx = r->last_avail_idx;
		r->shadow_used_idx = r->last_avail_idx;
		r->signalled_used = r->last_avail_idx;
	} else {
		if (r->cfg.num && (p->last_avail_idx >= r->cfg.num ||
				   p->last_used_idx >= r->cfg.num))
			return -EINVAL;
		r->last_avail_idx = p->last_avail_idx;
		r->avail_wrap = p->last_avail_counter;
		r->last_used_idx = p->last_used_idx;
		r->used_wrap = p->last_used_counter;
		r->signalled_used = 0;
		r->held = false;
	}
	r->signalled_used_valid = false;
	return 0;
}
EXPORT_SYMBOL_GPL(vdring_set_state);

/* --- The calls, per layout ------------------------------------------------ */

/**
 * vdring_pop() - take the next available buffer
 * @r: the ring
 * @iov: emptied, then filled with the buffer's segments: readable ones
 *       first, then writable ones
 * @elem: set to the buffer's identity, to give to vdring_push()
 *
 * Indirect tables are copied before they are walked and each descriptor
 * is read once, so a driver changing them concurrently cannot make the
 * device see inconsistent values.
 *
 * Context: process context, may sleep; the caller serialises calls on @r
 * and keeps its address space stable (see "Device-side virtqueues").
 * Never sleeps if vdring_is_prepared() and &vdring_iov.nowait is set.
 * Return: 1 if a buffer was popped, 0 if none is available, -EIO if the
 * ring is broken or not set up, -ENOMEM (the ring is left as it was), or
 * one of these for a malformed ring, which is then broken: -ELOOP (chain
 * longer than the queue, a loop, or an indirect table with more entries
 * than the queue), -ERANGE (index out of range, or the split available
 * index more than the queue size ahead), -EOVERFLOW (chain longer than
 * %U32_MAX bytes, or an address range that wraps), -EFAULT (address not
 * mapped), -EPERM (mapping lacks the permission), -EINVAL (other protocol
 * violations: readable after writable, nested indirect, indirect with
 * NEXT, indirect not negotiated, bad indirect table length), -E2BIG (more
 * than %VDRING_IOV_MAX segments).
 */
int vdring_pop(struct vdring *r, struct vdring_iov *iov,
	       struct vdring_elem *elem)
{
	int err;

	iov->out_num = 0;
	iov->in_num = 0;
	iov->out_len = 0;
	iov->in_len = 0;
	err = vdring_prepare(r);
	if (err)
		return err;
	if (r->cfg.packed)
		return vdring_packed_pop(r, iov, elem);
	return vdring_split_pop(r, iov, elem);
}
EXPORT_SYMBOL_GPL(vdring_pop);

/**
 * vdring_unpop() - give back the most recently popped buffer
 * @r: the ring
 * @elem: the buffer, as vdring_pop() returned it
 *
 * The buffer will be popped again. Several buffers are given back in the
 * reverse order of their pops. An @elem with an impossible @ndesc is
 * ignored.
 */
void vdring_unpop(struct vdring *r, const struct vdring_elem *elem)
{
	if (!r->cfg.num)
		return;
	if (r->cfg.packed)
		vdring_packed_unpop(r, elem);
	else
		vdring_split_unpop(r, elem);
}
EXPORT_SYMBOL_GPL(vdring_unpop);

/**
 * vdring_push() - return a buffer to the driver as used
 * @r: the ring
 * @elem: the buffer, as vdring_pop() returned it
 * @len: bytes the device wrote into it
 *
 * Split rings: the used entry becomes visible to the driver at
 * vdring_publish(). Packed rings: the first buffer pushed since the last
 * publish (and so, as the driver reads in order, every later one) becomes
 * visible at vdring_publish(). With
 * %VIRTIO_F_IN_ORDER, buffers are pushed in the order they were popped.
 *
 * Context: process context, may sleep (on the first call after a map
 * change; never if vdring_is_prepared()).
 * Return: 0; -EIO if the ring is broken; -EINVAL for an @elem the ring
 * cannot have produced.
 */
int vdring_push(struct vdring *r, const struct vdring_elem *elem, u32 len)
{
	int err = vdring_prepare(r);

	if (err)
		return err;
	if (r->cfg.packed)
		return vdring_packed_push(r, elem, len);
	return vdring_split_push(r, elem, len);
}
EXPORT_SYMBOL_GPL(vdring_push);

/**
 * vdring_publish() - make the pushed buffers visible to the driver
 * @r: the ring
 *
 * Split rings: writes the used index after the used entries. Packed
 * rings: hands back the first descriptor pushed since the last publish,
 * whose flags were held back so that the driver sees the whole batch at
 * once (a mergeable frame over several buffers is never seen in part).
 *
 * Return: 0, or -EIO if the ring is broken.
 */
int vdring_publish(struct vdring *r)
{
	int err = vdring_prepare(r);

	if (err)
		return err;
	if (r->cfg.packed)
		vdring_packed_publish(r);
	else
		vdring_split_publish(r);
	return 0;
}
EXPORT_SYMBOL_GPL(vdring_publish);

/**
 * vdring_need_notify() - does the driver want a used-buffer notification
 * @r: the ring
 *
 * Call after vdring_publish(), then notify the driver if this returns
 * true. Takes the driver's suppression into account (%VRING_AVAIL_F_NO_INTERRUPT,
 * the used event index, or the packed driver event structure) for the
 * buffers published since the previous call; false if there were none.
 *
 * Return: true if the driver should be notified; false if not or if the
 * ring is broken.
 */
bool vdring_need_notify(struct vdring *r)
{
	if (vdring_prepare(r))
		return false;
	if (r->cfg.packed)
		return vdring_packed_need_notify(r);
	return vdring_split_need_notify(r);
}
EXPORT_SYMBOL_GPL(vdring_need_notify);

/**
 * vdring_notify_disable() - ask the driver not to send notifications
 * @r: the ring
 *
 * A hint for the driver while the device is processing the ring anyway.
 * With %VIRTIO_RING_F_EVENT_IDX on a split ring there is nothing to write:
 * the available event index is left where it is.
 *
 * Return: 0, or -EIO if the ring is broken.
 */
int vdring_notify_disable(struct vdring *r)
{
	int err = vdring_prepare(r);

	if (err)
		return err;
	if (r->cfg.packed)
		vdring_packed_notify_disable(r);
	else
		vdring_split_notify_disable(r);
	return 0;
}
EXPORT_SYMBOL_GPL(vdring_notify_disable);

/**
 * vdring_notify_enable() - ask the driver to notify about new buffers
 * @r: the ring
 *
 * Then checks whether a buffer arrived before the request was visible: if
 * so, the driver may not notify for it, so the caller must keep
 * processing.
 *
 * Return: 1 if a buffer is available, 0 if not, -EIO if the ring is
 * broken.
 */
int vdring_notify_enable(struct vdring *r)
{
	int err = vdring_prepare(r);

	if (err)
		return err;
	if (r->cfg.packed)
		return vdring_packed_notify_enable(r);
	return vdring_split_notify_enable(r);
}
EXPORT_SYMBOL_GPL(vdring_notify_enable);

/**
 * vdring_is_broken() - did the driver break the ring
 * @r: the ring
 *
 * Return: true from the first malformed-ring error until vdring_reset()
 * or vdring_setup().
 */
bool vdring_is_broken(const struct vdring *r)
{
	return r->broken;
}
EXPORT_SYMBOL_GPL(vdring_is_broken);

/**
 * vdring_broken_reason() - what broke the ring
 * @r: the ring
 *
 * Return: a static string naming the first problem found, or NULL if the
 * ring is not broken.
 */
const char *vdring_broken_reason(const struct vdring *r)
{
	return r->broken ? r->why : NULL;
}
EXPORT_SYMBOL_GPL(vdring_broken_reason);
