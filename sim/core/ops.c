// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulator's vdpa_config_ops: one table for every class and both
 * mapping styles. The two tables the bus sees differ only in which
 * mapping operations they leave out, and are derived from the one below
 * at module load.
 */

#include <linux/cache.h>
#include <linux/vdpa.h>
#include <linux/virtio_config.h>
#include <uapi/linux/vhost_types.h>

#include "core_internal.h"

#define VDPASIM_VENDOR_ID	0

static struct vdpasim_vq *vdpasim_vq(struct vdpa_device *vdpa, u16 idx)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);

	if (idx < vs->attr.nvqs)
		return &vs->vqs[idx];
	dev_warn_ratelimited(&vdpa->dev, "queue index %u out of range\n", idx);
	return NULL;
}

static bool vdpasim_packed(const struct vdpasim *vs)
{
	return vs->features & BIT_ULL(VIRTIO_F_RING_PACKED);
}

static int vdpasim_set_vq_address(struct vdpa_device *vdpa, u16 idx,
				  u64 desc_area, u64 driver_area,
				  u64 device_area)
{
	struct vdpasim_vq *vq = vdpasim_vq(vdpa, idx);

	if (!vq)
		return -EINVAL;
	mutex_lock(&vq->lock);
	vq->desc_addr = desc_area;
	vq->driver_addr = driver_area;
	vq->device_addr = device_area;
	mutex_unlock(&vq->lock);
	return 0;
}

static void vdpasim_set_vq_num(struct vdpa_device *vdpa, u16 idx, u32 num)
{
	struct vdpasim_vq *vq = vdpasim_vq(vdpa, idx);

	if (!vq)
		return;
	mutex_lock(&vq->lock);
	vq->num = num;
	mutex_unlock(&vq->lock);
}

static void vdpasim_kick_vq(struct vdpa_device *vdpa, u16 idx)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);
	struct vdpasim_vq *vq = vdpasim_vq(vdpa, idx);

	if (!vq)
		return;
	if (vs->attr.ops->kick)
		vs->attr.ops->kick(vq);
	else
		vdpasim_schedule(vq);
}

static void vdpasim_kick_vq_with_data(struct vdpa_device *vdpa, u32 data)
{
	/* The low 16 bits are the queue index; the rest is a hint. */
	vdpasim_kick_vq(vdpa, data & 0xffff);
}

static void vdpasim_set_vq_cb(struct vdpa_device *vdpa, u16 idx,
			      struct vdpa_callback *cb)
{
	struct vdpasim_vq *vq = vdpasim_vq(vdpa, idx);

	if (!vq)
		return;
	mutex_lock(&vq->lock);
	vq->cb = *cb;
	mutex_unlock(&vq->lock);
}

/* Set up the ring of a queue being enabled; called with vq->lock held. */
static int vdpasim_vq_setup(struct vdpasim_vq *vq)
{
	struct vdpasim *vs = vq->vs;
	u64 f = vs->features;
	struct vdring_config cfg = {
		.num = vq->num,
		.desc_addr = vq->desc_addr,
		.driver_addr = vq->driver_addr,
		.device_addr = vq->device_addr,
		.packed = vdpasim_packed(vs),
		.event_idx = f & BIT_ULL(VIRTIO_RING_F_EVENT_IDX),
		.indirect = f & BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC),
		.in_order = f & BIT_ULL(VIRTIO_F_IN_ORDER),
		.index = vq->idx,
	};
	int err;

	lockdep_assert_held(&vq->lock);
	if (!cfg.num || cfg.num > vs->attr.vq_num_max)
		err = -EINVAL;
	else
		err = vdring_setup(&vq->ring, &cfg, &vq->as->map);
	if (!err && vq->state_set)
		err = vdring_set_state(&vq->ring, cfg.packed, &vq->state);
	if (err) {
		vdring_release(&vq->ring);
		dev_warn_ratelimited(&vs->vdpa.dev, "queue %u: cannot enable (size %u): %d\n",
				     vq->idx, vq->num, err);
	}
	return err;
}

static void vdpasim_set_vq_ready(struct vdpa_device *vdpa, u16 idx,
				 bool ready)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);
	struct vdpasim_vq *vq = vdpasim_vq(vdpa, idx);
	int err = 0;

	if (!vq)
		return;
	mutex_lock(&vs->lock);
	mutex_lock(&vq->lock);
	if (ready && !vq->ready) {
		err = vdpasim_vq_setup(vq);
		vq->ready = !err;
	} else if (!ready && vq->ready) {
		/* Keep the position: re-enabling resumes from it. */
		vdring_get_state(&vq->ring, vdpasim_packed(vs), &vq->state);
		vq->state_set = true;
		vdring_release(&vq->ring);
		vq->ready = false;
	}
	mutex_unlock(&vq->lock);
	if (vq->ready && vs->running)
		vdpasim_schedule(vq);
	mutex_unlock(&vs->lock);
	/*
	 * The device cannot run a queue the driver enabled (no memory, or a
	 * size or saved position that do not fit): enabling has no way to
	 * fail, so say it here rather than leave the queue silently dead.
	 */
	if (err)
		vdpasim_set_needs_reset(vs, err == -ENOMEM ?
					"no memory to enable a queue" :
					"a queue enabled with a bad size or position");
}

static bool vdpasim_get_vq_ready(struct vdpa_device *vdpa, u16 idx)
{
	struct vdpasim_vq *vq = vdpasim_vq(vdpa, idx);

	return vq && READ_ONCE(vq->ready);
}

/*
 * A packed position for a queue not enabled yet: its indices must lie in
 * a ring of the size set so far, if any (the size may still change:
 * enabling checks again). Called with vq->lock held.
 */
static int vdpasim_vq_state_fits(struct vdpasim *vs, struct vdpasim_vq *vq,
				 const struct vdpa_vq_state *state)
{
	const struct vdpa_vq_state_packed *p = &state->packed;

	lockdep_assert_held(&vq->lock);
	if (!vdpasim_packed(vs) || !vq->num)
		return 0;
	if (p->last_avail_idx >= vq->num || p->last_used_idx >= vq->num)
		return -EINVAL;
	return 0;
}

static int vdpasim_set_vq_state(struct vdpa_device *vdpa, u16 idx,
				const struct vdpa_vq_state *state)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);
	struct vdpasim_vq *vq = vdpasim_vq(vdpa, idx);
	int err = 0;

	if (!vq)
		return -EINVAL;
	mutex_lock(&vs->lock);
	mutex_lock(&vq->lock);
	if (vs->running)
		err = -EBUSY;
	else if (vq->ready)
		err = vdring_set_state(&vq->ring, vdpasim_packed(vs), state);
	else
		err = vdpasim_vq_state_fits(vs, vq, state);
	if (!err) {
		vq->state = *state;
		vq->state_set = true;
	}
	mutex_unlock(&vq->lock);
	mutex_unlock(&vs->lock);
	return err;
}

static int vdpasim_get_vq_state(struct vdpa_device *vdpa, u16 idx,
				struct vdpa_vq_state *state)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);
	struct vdpasim_vq *vq = vdpasim_vq(vdpa, idx);

	if (!vq)
		return -EINVAL;
	mutex_lock(&vq->lock);
	if (vq->ready) {
		vdring_get_state(&vq->ring, vdpasim_packed(vs), state);
	} else if (vq->state_set) {
		*state = vq->state;
	} else {
		memset(state, 0, sizeof(*state));
		if (vdpasim_packed(vs)) {
			state->packed.last_avail_counter = 1;
			state->packed.last_used_counter = 1;
		}
	}
	mutex_unlock(&vq->lock);
	return 0;
}

static int vdpasim_get_vq_stats(struct vdpa_device *vdpa, u16 idx,
				struct sk_buff *msg,
				struct netlink_ext_ack *extack)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);
	int err;

	if (!vs->attr.ops->get_stats) {
		NL_SET_ERR_MSG_MOD(extack, "this device has no statistics");
		return -EOPNOTSUPP;
	}
	if (idx >= vs->attr.nvqs) {
		NL_SET_ERR_MSG_MOD(extack, "queue index out of range");
		return -EINVAL;
	}
	mutex_lock(&vs->lock);
	err = vs->attr.ops->get_stats(vs, idx, msg, extack);
	mutex_unlock(&vs->lock);
	return err;
}

/* The size set, or the size the class suggests for the queue. */
static u16 vdpasim_get_vq_size(struct vdpa_device *vdpa, u16 idx)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);
	struct vdpasim_vq *vq = vdpasim_vq(vdpa, idx);
	u16 num = vs->attr.vq_num_max;
	u32 set;

	if (!vq)
		return num;
	set = READ_ONCE(vq->num);
	if (set)
		return set;
	if (vs->attr.ops->get_vq_size)
		num = min(num, vs->attr.ops->get_vq_size(vs, idx));
	return num;
}

static u32 vdpasim_get_vq_align(struct vdpa_device *vdpa)
{
	return PAGE_SIZE;
}

static u32 vdpasim_get_vq_group(struct vdpa_device *vdpa, u16 idx)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);

	if (idx >= vs->attr.nvqs || !vs->attr.ops->get_vq_group)
		return 0;
	return vs->attr.ops->get_vq_group(vs, idx);
}

static u64 vdpasim_get_device_features(struct vdpa_device *vdpa)
{
	return vdpa_to_sim(vdpa)->device_features;
}

static u64 vdpasim_get_backend_features(const struct vdpa_device *vdpa)
{
	return BIT_ULL(VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK);
}

static int vdpasim_set_driver_features(struct vdpa_device *vdpa, u64 features)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);
	int err = 0;

	mutex_lock(&vs->lock);
	if (vs->status & VIRTIO_CONFIG_S_FEATURES_OK) {
		err = -EBUSY;
	} else {
		WRITE_ONCE(vs->features, features & vs->device_features);
		/* Features may move a queue to another group (net's cvq). */
		vdpasim_apply_groups(vs);
	}
	mutex_unlock(&vs->lock);
	return err;
}

static u64 vdpasim_get_driver_features(struct vdpa_device *vdpa)
{
	return READ_ONCE(vdpa_to_sim(vdpa)->features);
}

static void vdpasim_set_config_cb(struct vdpa_device *vdpa,
				  struct vdpa_callback *cb)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);
	unsigned long flags;

	spin_lock_irqsave(&vs->cb_lock, flags);
	vs->config_cb = *cb;
	spin_unlock_irqrestore(&vs->cb_lock, flags);
}

static u16 vdpasim_get_vq_num_max(struct vdpa_device *vdpa)
{
	return vdpa_to_sim(vdpa)->attr.vq_num_max;
}

static u16 vdpasim_get_vq_num_min(struct vdpa_device *vdpa)
{
	return 1;
}

static u32 vdpasim_get_device_id(struct vdpa_device *vdpa)
{
	return vdpa_to_sim(vdpa)->attr.id;
}

static u32 vdpasim_get_vendor_id(struct vdpa_device *vdpa)
{
	return VDPASIM_VENDOR_ID;
}

static u8 vdpasim_get_status(struct vdpa_device *vdpa)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);
	u8 status;

	mutex_lock(&vs->lock);
	status = vs->status;
	if (READ_ONCE(vs->needs_reset))
		status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	mutex_unlock(&vs->lock);
	return status;
}

/* Start or stop the workers to match status and suspension. */
static void vdpasim_update_running(struct vdpasim *vs)
{
	bool want = (vs->status & VIRTIO_CONFIG_S_DRIVER_OK) && !vs->suspended;

	if (want && !vs->running)
		vdpasim_start(vs);
	else if (!want && vs->running)
		vdpasim_stop(vs);
}

/* Forgets a queue's ring, position and callback; vq->lock held. */
static void vdpasim_vq_forget(struct vdpasim_vq *vq)
{
	lockdep_assert_held(&vq->lock);
	vdring_release(&vq->ring);
	vq->ready = false;
	vq->state_set = false;
	vq->num = 0;
	vq->desc_addr = 0;
	vq->driver_addr = 0;
	vq->device_addr = 0;
	memset(&vq->cb, 0, sizeof(vq->cb));
}

static void vdpasim_vq_clear(struct vdpasim_vq *vq)
{
	mutex_lock(&vq->lock);
	vdpasim_vq_forget(vq);
	vq->as = &vq->vs->as[0];
	mutex_unlock(&vq->lock);
}

/*
 * VIRTIO_F_RING_RESET: one queue starts over while the others run. Its
 * address space (its group's) stays. The worker checks readiness under
 * vq->lock, so once the lock is dropped it no longer touches the ring; a
 * peer queue's worker sees the queue not ready and drops what it would
 * have delivered to it.
 */
static int vdpasim_reset_vq(struct vdpa_device *vdpa, u16 idx)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);
	struct vdpasim_vq *vq = vdpasim_vq(vdpa, idx);

	if (!vq)
		return -EINVAL;
	guard(mutex)(&vs->lock);
	if (!(vs->features & BIT_ULL(VIRTIO_F_RING_RESET)))
		return -EOPNOTSUPP;
	mutex_lock(&vq->lock);
	vdpasim_vq_forget(vq);
	mutex_unlock(&vq->lock);
	return 0;
}

/* Back to the state after creation; called with vs->lock held. */
static void vdpasim_do_reset(struct vdpasim *vs, u32 flags)
{
	u32 i;

	lockdep_assert_held(&vs->lock);
	vdpasim_stop(vs);
	for (i = 0; i < vs->attr.nvqs; i++)
		vdpasim_vq_clear(&vs->vqs[i]);
	memset(vs->group_asid, 0, vs->attr.ngroups * sizeof(u32));
	if (flags & VDPA_RESET_F_CLEAN_MAP)
		for (i = 0; i < vs->attr.nas; i++)
			vdpasim_as_passthrough(&vs->as[i]);
	vs->status = 0;
	WRITE_ONCE(vs->features, 0);
	vs->suspended = false;
	WRITE_ONCE(vs->needs_reset, false);
	if (vs->attr.ops->reset)
		vs->attr.ops->reset(vs);
	vs->generation++;
}

/* The injected failure of a status change, if one is pending. */
static bool vdpasim_fail_status(struct vdpasim *vs, u8 added)
{
	if (!(added & (VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK)))
		return false;
	if (!atomic_add_unless(&vs->faults.fail_set_status, -1, 0))
		return false;
	dev_info(&vs->vdpa.dev, "set_status 0x%x: injected failure (fail_set_status)\n",
		 added);
	return true;
}

static u8 vdpasim_check_features_ok(struct vdpasim *vs, u8 status)
{
	if (vs->features & BIT_ULL(VIRTIO_F_VERSION_1))
		return status;
	dev_warn_ratelimited(&vs->vdpa.dev, "FEATURES_OK refused: VERSION_1 not accepted\n");
	return status & ~VIRTIO_CONFIG_S_FEATURES_OK;
}

static void vdpasim_set_status(struct vdpa_device *vdpa, u8 status)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);
	u8 added;

	mutex_lock(&vs->lock);
	added = status & ~vs->status;
	if (!status) {
		vdpasim_do_reset(vs, 0);
	} else if (vdpasim_fail_status(vs, added)) {
		if (added & VIRTIO_CONFIG_S_FEATURES_OK)
			vs->status = status & ~VIRTIO_CONFIG_S_FEATURES_OK;
		else
			vdpasim_set_needs_reset(vs, "injected set_status failure");
	} else {
		if (added & VIRTIO_CONFIG_S_FEATURES_OK)
			status = vdpasim_check_features_ok(vs, status);
		vs->status = status;
		if ((added & status & VIRTIO_CONFIG_S_FEATURES_OK) &&
		    vs->attr.ops->set_features)
			vs->attr.ops->set_features(vs);
	}
	vdpasim_update_running(vs);
	mutex_unlock(&vs->lock);
}

static int vdpasim_compat_reset(struct vdpa_device *vdpa, u32 flags)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);

	mutex_lock(&vs->lock);
	vdpasim_do_reset(vs, flags);
	mutex_unlock(&vs->lock);
	return 0;
}

static int vdpasim_reset(struct vdpa_device *vdpa)
{
	return vdpasim_compat_reset(vdpa, 0);
}

static int vdpasim_suspend(struct vdpa_device *vdpa)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);

	mutex_lock(&vs->lock);
	vs->suspended = true;
	vdpasim_update_running(vs);
	mutex_unlock(&vs->lock);
	return 0;
}

static int vdpasim_resume(struct vdpa_device *vdpa)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);

	mutex_lock(&vs->lock);
	vs->suspended = false;
	vdpasim_update_running(vs);
	mutex_unlock(&vs->lock);
	return 0;
}

static size_t vdpasim_get_config_size(struct vdpa_device *vdpa)
{
	return vdpa_to_sim(vdpa)->attr.config_size;
}

static bool vdpasim_config_range_ok(struct vdpasim *vs, unsigned int offset,
				    unsigned int len)
{
	size_t size = vs->attr.config_size;

	if (offset <= size && len <= size - offset)
		return true;
	dev_warn_ratelimited(&vs->vdpa.dev,
			     "config access %u+%u beyond %zu bytes refused\n",
			     offset, len, size);
	return false;
}

static void vdpasim_get_config(struct vdpa_device *vdpa, unsigned int offset,
			       void *buf, unsigned int len)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);

	if (!vdpasim_config_range_ok(vs, offset, len))
		return;
	mutex_lock(&vs->lock);
	if (vs->attr.ops->get_config)
		vs->attr.ops->get_config(vs);
	memcpy(buf, vs->config + offset, len);
	mutex_unlock(&vs->lock);
}

static void vdpasim_set_config(struct vdpa_device *vdpa, unsigned int offset,
			       const void *buf, unsigned int len)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);

	if (!vdpasim_config_range_ok(vs, offset, len))
		return;
	mutex_lock(&vs->lock);
	memcpy(vs->config + offset, buf, len);
	if (vs->attr.ops->set_config)
		vs->attr.ops->set_config(vs, offset, len);
	mutex_unlock(&vs->lock);
}

static u32 vdpasim_get_generation(struct vdpa_device *vdpa)
{
	return READ_ONCE(vdpa_to_sim(vdpa)->generation);
}

static struct vdpa_iova_range vdpasim_get_iova_range(struct vdpa_device *vdpa)
{
	return (struct vdpa_iova_range){ .first = 0, .last = U64_MAX };
}

/*
 * Every operation, both mapping styles included. Devices get one of the
 * four tables derived from it by vdpasim_ops_init().
 */
static const struct vdpa_config_ops vdpasim_all_ops = {
	.set_vq_address = vdpasim_set_vq_address,
	.set_vq_num = vdpasim_set_vq_num,
	.kick_vq = vdpasim_kick_vq,
	.kick_vq_with_data = vdpasim_kick_vq_with_data,
	.set_vq_cb = vdpasim_set_vq_cb,
	.set_vq_ready = vdpasim_set_vq_ready,
	.get_vq_ready = vdpasim_get_vq_ready,
	.set_vq_state = vdpasim_set_vq_state,
	.get_vq_state = vdpasim_get_vq_state,
	.get_vendor_vq_stats = vdpasim_get_vq_stats,
	.get_vq_size = vdpasim_get_vq_size,
	.get_vq_align = vdpasim_get_vq_align,
	.get_vq_group = vdpasim_get_vq_group,
	.get_device_features = vdpasim_get_device_features,
	.get_backend_features = vdpasim_get_backend_features,
	.set_driver_features = vdpasim_set_driver_features,
	.get_driver_features = vdpasim_get_driver_features,
	.set_config_cb = vdpasim_set_config_cb,
	.get_vq_num_max = vdpasim_get_vq_num_max,
	.get_vq_num_min = vdpasim_get_vq_num_min,
	.get_device_id = vdpasim_get_device_id,
	.get_vendor_id = vdpasim_get_vendor_id,
	.get_status = vdpasim_get_status,
	.set_status = vdpasim_set_status,
	.reset = vdpasim_reset,
	.compat_reset = vdpasim_compat_reset,
	.suspend = vdpasim_suspend,
	.resume = vdpasim_resume,
	.get_config_size = vdpasim_get_config_size,
	.get_config = vdpasim_get_config,
	.set_config = vdpasim_set_config,
	.get_generation = vdpasim_get_generation,
	.get_iova_range = vdpasim_get_iova_range,
	.set_map = vdpasim_set_map,
	.dma_map = vdpasim_dma_map,
	.dma_unmap = vdpasim_dma_unmap,
	.reset_map = vdpasim_reset_map,
	.set_group_asid = vdpasim_set_group_asid,
	.reset_vq = vdpasim_reset_vq,
	.set_dirty_log = vdpasim_set_dirty_log,
	.free = vdpasim_free,
};

/* [batch_mapping][dirty_log] */
static struct vdpa_config_ops vdpasim_ops[2][2] __ro_after_init;

/**
 * vdpasim_ops_init() - derive the four ops tables
 *
 * Called once at module load. vhost_vdpa picks the mapping route by which
 * of set_map and dma_map a device has, so each table keeps only one; and
 * it offers %VHOST_F_LOG_ALL when a device has set_dirty_log, which half
 * of the tables leave out (QEMU's shadow virtqueues refuse the bit).
 */
void vdpasim_ops_init(void)
{
	int batch, log;

	for (batch = 0; batch < 2; batch++) {
		for (log = 0; log < 2; log++) {
			struct vdpa_config_ops *ops = &vdpasim_ops[batch][log];

			*ops = vdpasim_all_ops;
			if (batch) {
				ops->dma_map = NULL;
				ops->dma_unmap = NULL;
			} else {
				ops->set_map = NULL;
			}
			if (!log)
				ops->set_dirty_log = NULL;
		}
	}
}

/**
 * vdpasim_pick_ops() - the ops table for a new device
 * @batch_mapping: whether the device takes whole mappings (set_map)
 * @dirty_log: whether it offers set_dirty_log
 *
 * Return: the table.
 */
const struct vdpa_config_ops *vdpasim_pick_ops(bool batch_mapping,
					       bool dirty_log)
{
	return &vdpasim_ops[batch_mapping][dirty_log];
}
