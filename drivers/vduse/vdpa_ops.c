// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vDPA config operations of a VDUSE device: what the bus drivers
 * (virtio_vdpa, vhost_vdpa) call. Queue setup is recorded for the daemon
 * (VDUSE_VQ_GET_INFO); status changes and queue state go to the daemon as
 * requests; kicks signal the daemon's eventfds.
 */

#include <linux/eventfd.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>

#include "internal.h"

/**
 * DOC: differences from upstream
 *
 * - A request the daemon does not answer in time does not break the device
 *   for good: it reports NEEDS_RESET and works again after a reset (see
 *   "messages and recovery"); a daemon may exit and a new one reattach.
 * - virtio-net devices may offer a control virtqueue
 *   (%VIRTIO_NET_F_CTRL_VQ, not with packed rings); a watchdog bounds the
 *   wait for its commands (see "control-queue watchdog").
 * - A daemon may ask for the driver's writes of the configuration space
 *   (see "writable configuration space"); API version 0 is unchanged.
 * - Virtqueue interrupts injected by the daemon run the driver's callback
 *   inline in the ioctl, not from a work item, unless they come back to
 *   back (see vduse_ioc_vq_irq()) or the administrator set an
 *   irq_cb_affinity that leaves the daemon's CPU out.
 * - Values of the configuration space that kernel drivers trust blindly
 *   are sanitized (virtio-blk's writeback byte reads as 0 or 1).
 * - Removing the vDPA device while no daemon is attached does not wait for
 *   the message timeout.
 * - Devices with %VIRTIO_F_NOTIFICATION_DATA or %VIRTIO_F_RING_RESET are
 *   refused (neither is implemented here).
 */

static struct vduse_vq *vduse_vq(struct vdpa_device *vdpa, u16 idx)
{
	return vduse_vdpa_to_dev(vdpa)->vqs[idx];
}

static int vduse_set_vq_address(struct vdpa_device *vdpa, u16 idx,
				u64 desc_area, u64 driver_area,
				u64 device_area)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	struct vduse_vq *vq = dev->vqs[idx];

	mutex_lock(&dev->lock);
	vq->desc_addr = desc_area;
	vq->driver_addr = driver_area;
	vq->device_addr = device_area;
	mutex_unlock(&dev->lock);
	return 0;
}

static void vduse_set_vq_num(struct vdpa_device *vdpa, u16 idx, u32 num)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);

	mutex_lock(&dev->lock);
	dev->vqs[idx]->num = num;
	mutex_unlock(&dev->lock);
}

static void vduse_vq_signal(struct vduse_vq *vq)
{
	unsigned long flags;

	spin_lock_irqsave(&vq->kick_lock, flags);
	if (vq->kickfd)
		eventfd_signal(vq->kickfd);
	else
		vq->kicked = true;
	spin_unlock_irqrestore(&vq->kick_lock, flags);
}

/**
 * vduse_vq_kick_work() - signal a kick deferred from an eventfd wakeup
 * @work: &vduse_vq.kick_work
 */
void vduse_vq_kick_work(struct work_struct *work)
{
	vduse_vq_signal(container_of(work, struct vduse_vq, kick_work));
}

/*
 * Any context. From inside an eventfd wakeup (vhost_vdpa's kick eventfd)
 * a nested signal is not allowed: a work item signals instead, and the
 * work's own signal is a plain one, so nothing echoes back here.
 */
static void vduse_kick_vq(struct vdpa_device *vdpa, u16 idx)
{
	struct vduse_vq *vq = vduse_vq(vdpa, idx);
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);

	if (!READ_ONCE(vq->ready))
		return;
	/* rescue.c: while removal completes requests, the daemon gets none. */
	if (vduse_rescue_kick(dev))
		return;
	if (!eventfd_signal_allowed()) {
		schedule_work(&vq->kick_work);
		return;
	}
	vduse_vq_signal(vq);
}

static void vduse_set_vq_cb(struct vdpa_device *vdpa, u16 idx,
			    struct vdpa_callback *cb)
{
	struct vduse_vq *vq = vduse_vq(vdpa, idx);
	unsigned long flags;

	spin_lock_irqsave(&vq->irq_lock, flags);
	vq->cb = *cb;
	spin_unlock_irqrestore(&vq->irq_lock, flags);
}

/*
 * Disabling waits for an injected callback still running (it runs under
 * irq_lock and checks ready there): the driver may free the queue as soon
 * as this returns.
 */
static void vduse_set_vq_ready(struct vdpa_device *vdpa, u16 idx, bool ready)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	struct vduse_vq *vq = dev->vqs[idx];
	unsigned long flags;

	mutex_lock(&dev->lock);
	WRITE_ONCE(vq->ready, ready);
	mutex_unlock(&dev->lock);
	if (!ready) {
		spin_lock_irqsave(&vq->irq_lock, flags);
		spin_unlock_irqrestore(&vq->irq_lock, flags);
	}
}

static bool vduse_get_vq_ready(struct vdpa_device *vdpa, u16 idx)
{
	return READ_ONCE(vduse_vq(vdpa, idx)->ready);
}

static int vduse_set_vq_state(struct vdpa_device *vdpa, u16 idx,
			      const struct vdpa_vq_state *state)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);

	mutex_lock(&dev->lock);
	dev->vqs[idx]->state = *state;
	mutex_unlock(&dev->lock);
	return 0;
}

/* Before DRIVER_OK the daemon has not started the queue: what was set. */
static int vduse_get_vq_state(struct vdpa_device *vdpa, u16 idx,
			      struct vdpa_vq_state *state)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	struct vduse_dev_request req = { .type = VDUSE_GET_VQ_STATE };
	struct vduse_dev_response resp;
	bool packed;
	int err;

	mutex_lock(&dev->lock);
	packed = dev->driver_features & BIT_ULL(VIRTIO_F_RING_PACKED);
	if (!(dev->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
		*state = dev->vqs[idx]->state;
		mutex_unlock(&dev->lock);
		return 0;
	}
	mutex_unlock(&dev->lock);
	req.vq_state.index = idx;
	err = vduse_msg_send(dev, &req, &resp);
	if (err)
		return err;
	if (packed) {
		const struct vduse_vq_state_packed *p = &resp.vq_state.packed;

		state->packed.last_avail_counter = p->last_avail_counter & 1;
		state->packed.last_avail_idx = p->last_avail_idx & 0x7fff;
		state->packed.last_used_counter = p->last_used_counter & 1;
		state->packed.last_used_idx = p->last_used_idx & 0x7fff;
	} else {
		state->split.avail_index = resp.vq_state.split.avail_index;
	}
	return 0;
}

static u32 vduse_get_vq_align(struct vdpa_device *vdpa)
{
	return vduse_vdpa_to_dev(vdpa)->vq_align;
}

static u64 vduse_get_device_features(struct vdpa_device *vdpa)
{
	return vduse_vdpa_to_dev(vdpa)->device_features;
}

static int vduse_set_driver_features(struct vdpa_device *vdpa, u64 features)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);

	if (features & ~dev->device_features)
		return -EINVAL;
	mutex_lock(&dev->lock);
	dev->driver_features = features;
	mutex_unlock(&dev->lock);
	return 0;
}

static u64 vduse_get_driver_features(struct vdpa_device *vdpa)
{
	return READ_ONCE(vduse_vdpa_to_dev(vdpa)->driver_features);
}

static void vduse_set_config_cb(struct vdpa_device *vdpa,
				struct vdpa_callback *cb)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	unsigned long flags;

	spin_lock_irqsave(&dev->config_cb_lock, flags);
	dev->config_cb = *cb;
	spin_unlock_irqrestore(&dev->config_cb_lock, flags);
}

/**
 * vduse_raise_config_irq() - run the driver's configuration callback
 * @dev: the device
 *
 * Context: process context, no VDUSE spinlock held.
 */
void vduse_raise_config_irq(struct vduse_dev *dev)
{
	unsigned long flags;

	local_bh_disable();
	spin_lock_irqsave(&dev->config_cb_lock, flags);
	if (dev->config_cb.callback)
		dev->config_cb.callback(dev->config_cb.private);
	spin_unlock_irqrestore(&dev->config_cb_lock, flags);
	local_bh_enable();
}

static u16 vduse_get_vq_num_max(struct vdpa_device *vdpa)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	u16 max = 0;
	u32 i;

	for (i = 0; i < dev->vq_num; i++)
		max = max_t(u16, max, READ_ONCE(dev->vqs[i]->num_max));
	return max;
}

/* The size the driver set, else the daemon's maximum for this queue. */
static u16 vduse_get_vq_size(struct vdpa_device *vdpa, u16 idx)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	struct vduse_vq *vq = dev->vqs[idx];
	u32 num;

	mutex_lock(&dev->lock);
	num = vq->num;
	mutex_unlock(&dev->lock);
	return num ?: READ_ONCE(vq->num_max);
}

static u32 vduse_get_device_id(struct vdpa_device *vdpa)
{
	return vduse_vdpa_to_dev(vdpa)->device_id;
}

static u32 vduse_get_vendor_id(struct vdpa_device *vdpa)
{
	return vduse_vdpa_to_dev(vdpa)->vendor_id;
}

static u8 vduse_get_status(struct vdpa_device *vdpa)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	u8 status = READ_ONCE(dev->status);

	if (READ_ONCE(dev->needs_reset))
		status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	return status;
}

/**
 * vduse_status_request() - tell the daemon about a new status byte
 * @dev: the device
 * @status: the status
 *
 * Return: see vduse_msg_send().
 */
int vduse_status_request(struct vduse_dev *dev, u8 status)
{
	struct vduse_dev_request req = { .type = VDUSE_SET_STATUS };

	req.s.status = status;
	return vduse_msg_send(dev, &req, NULL);
}

/**
 * vduse_dev_reset_state() - forget what the driver set up
 * @dev: the device
 *
 * Status, features, queue setup, callbacks and pending kicks are cleared
 * and the bounce mappings of the domain dropped; the daemon's queue sizes,
 * kick eventfds and the configuration space stay.
 */
void vduse_dev_reset_state(struct vduse_dev *dev)
{
	unsigned long flags;
	u32 i;

	vduse_cvq_stop(dev);
	mutex_lock(&dev->lock);
	WRITE_ONCE(dev->status, 0);
	WRITE_ONCE(dev->needs_reset, false);
	WRITE_ONCE(dev->driver_features, 0);
	for (i = 0; i < dev->vq_num; i++) {
		struct vduse_vq *vq = dev->vqs[i];

		vq->desc_addr = 0;
		vq->driver_addr = 0;
		vq->device_addr = 0;
		vq->num = 0;
		memset(&vq->state, 0, sizeof(vq->state));
		WRITE_ONCE(vq->ready, false);
		spin_lock_irqsave(&vq->irq_lock, flags);
		memset(&vq->cb, 0, sizeof(vq->cb));
		if (!vq->irq_affinity_admin)
			cpumask_setall(&vq->irq_affinity);
		spin_unlock_irqrestore(&vq->irq_lock, flags);
		spin_lock_irqsave(&vq->kick_lock, flags);
		vq->kicked = false;
		spin_unlock_irqrestore(&vq->kick_lock, flags);
	}
	if (dev->domain)
		vduse_domain_reset_bounce_map(dev->domain);
	mutex_unlock(&dev->lock);
	spin_lock_irqsave(&dev->config_cb_lock, flags);
	memset(&dev->config_cb, 0, sizeof(dev->config_cb));
	spin_unlock_irqrestore(&dev->config_cb_lock, flags);
}

/*
 * The daemon learns of the reset first. If it does not answer (gone,
 * silent), the kernel side is reset all the same and the request waits
 * at the front of the queue for the daemon, this one or the next.
 */
static int vduse_reset(struct vdpa_device *vdpa)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	int err;

	err = vduse_status_request(dev, 0);
	if (err && err != -EIO)
		vduse_msg_queue_reset(dev);
	vduse_dev_reset_state(dev);
	return 0;
}

static void vduse_set_status(struct vdpa_device *vdpa, u8 status)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);

	if (!status) {
		vduse_reset(vdpa);
		return;
	}
	/* Refused or unanswered: the status stays what it was. */
	if (vduse_status_request(dev, status))
		return;
	mutex_lock(&dev->lock);
	WRITE_ONCE(dev->status, status);
	if (status & VIRTIO_CONFIG_S_DRIVER_OK)
		vduse_cvq_start(dev);
	mutex_unlock(&dev->lock);
}

static size_t vduse_get_config_size(struct vdpa_device *vdpa)
{
	return vduse_vdpa_to_dev(vdpa)->config_size;
}

/* Clamp what kernel drivers use without checking (virtio_blk's BUG_ON). */
static void vduse_config_sanitize(struct vduse_dev *dev, unsigned int offset,
				  u8 *buf, unsigned int len)
{
	unsigned int wce = offsetof(struct virtio_blk_config, wce);

	if (dev->device_id == VIRTIO_ID_BLOCK && wce >= offset &&
	    wce - offset < len)
		buf[wce - offset] = !!buf[wce - offset];
}

/* Bytes past the end of the configuration space read as zero. */
static void vduse_get_config(struct vdpa_device *vdpa, unsigned int offset,
			     void *buf, unsigned int len)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	unsigned long flags;
	unsigned int n;

	memset(buf, 0, len);
	spin_lock_irqsave(&dev->config_lock, flags);
	if (offset < dev->config_size) {
		n = min(len, dev->config_size - offset);
		memcpy(buf, dev->config + offset, n);
	}
	spin_unlock_irqrestore(&dev->config_lock, flags);
	vduse_config_sanitize(dev, offset, buf, len);
}

/* Read-only unless the daemon asked for writes (config_write.c). */
static void vduse_set_config(struct vdpa_device *vdpa, unsigned int offset,
			     const void *buf, unsigned int len)
{
	vduse_config_write(vduse_vdpa_to_dev(vdpa), offset, buf, len);
}

static u32 vduse_get_generation(struct vdpa_device *vdpa)
{
	return READ_ONCE(vduse_vdpa_to_dev(vdpa)->generation);
}

static struct vdpa_iova_range vduse_get_iova_range(struct vdpa_device *vdpa)
{
	return (struct vdpa_iova_range){ 0, VDUSE_DOMAIN_IOVA_LIMIT };
}

static int vduse_set_vq_affinity(struct vdpa_device *vdpa, u16 idx,
				 const struct cpumask *mask)
{
	struct vduse_vq *vq = vduse_vq(vdpa, idx);
	unsigned long flags;

	/* The administrator's mask (sysfs) wins over the driver's. */
	spin_lock_irqsave(&vq->irq_lock, flags);
	if (vq->irq_affinity_admin)
		goto out;
	if (mask)
		cpumask_copy(&vq->irq_affinity, mask);
	else
		cpumask_setall(&vq->irq_affinity);
out:
	spin_unlock_irqrestore(&vq->irq_lock, flags);
	return 0;
}

static const struct cpumask *vduse_get_vq_affinity(struct vdpa_device *vdpa,
						   u16 idx)
{
	return &vduse_vq(vdpa, idx)->irq_affinity;
}

/* Tell the daemon to drop its mappings of [start, last]; failures only log. */
static void vduse_update_iotlb(struct vduse_dev *dev, u64 start, u64 last)
{
	struct vduse_dev_request req = { .type = VDUSE_UPDATE_IOTLB };
	int err;

	req.iova.start = start;
	req.iova.last = last;
	err = vduse_msg_send(dev, &req, NULL);
	if (err)
		dev_dbg(dev->dev, "IOTLB update [%llx, %llx]: %d\n", start,
			last, err);
}

static int vduse_set_map(struct vdpa_device *vdpa, unsigned int asid,
			 struct vhost_iotlb *iotlb)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);
	int err;

	mutex_lock(&dev->lock);
	err = vduse_domain_set_map(dev->domain, iotlb);
	mutex_unlock(&dev->lock);
	if (!err)
		vduse_update_iotlb(dev, 0, ULLONG_MAX);
	return err;
}

/*
 * Release of the vDPA device: the domain goes, the VDUSE device stays (a
 * VDUSE_DESTROY_DEV may free it right after vduse_vdpa_released()).
 */
static void vduse_free(struct vdpa_device *vdpa)
{
	struct vduse_vdpa *vdev = container_of(vdpa, struct vduse_vdpa, vdpa);
	struct vduse_dev *dev = vdev->dev;
	bool ours;
	u32 i;

	/* A device that lost the race to attach owns nothing. */
	mutex_lock(&dev->lock);
	ours = dev->vdev == vdev;
	mutex_unlock(&dev->lock);
	if (!ours)
		return;
	vduse_rescue_end(dev);		/* rescue.c */
	for (i = 0; i < dev->vq_num; i++) {
		cancel_work_sync(&dev->vqs[i]->kick_work);
		cancel_work_sync(&dev->vqs[i]->irq_work);
	}
	vduse_dev_reset_state(dev);
	mutex_lock(&dev->lock);
	if (dev->domain)
		vduse_domain_destroy(dev->domain);
	dev->domain = NULL;
	dev->vdev = NULL;
	mutex_unlock(&dev->lock);
	vduse_cvq_stop(dev);
	vduse_vdpa_released(dev);
}

const struct vdpa_config_ops vduse_vdpa_ops = {
	.set_vq_address = vduse_set_vq_address,
	.set_vq_num = vduse_set_vq_num,
	.kick_vq = vduse_kick_vq,
	.set_vq_cb = vduse_set_vq_cb,
	.set_vq_ready = vduse_set_vq_ready,
	.get_vq_ready = vduse_get_vq_ready,
	.set_vq_state = vduse_set_vq_state,
	.get_vq_state = vduse_get_vq_state,
	.get_vq_align = vduse_get_vq_align,
	.get_device_features = vduse_get_device_features,
	.set_driver_features = vduse_set_driver_features,
	.get_driver_features = vduse_get_driver_features,
	.set_config_cb = vduse_set_config_cb,
	.get_vq_num_max = vduse_get_vq_num_max,
	.get_vq_size = vduse_get_vq_size,
	.get_device_id = vduse_get_device_id,
	.get_vendor_id = vduse_get_vendor_id,
	.get_status = vduse_get_status,
	.set_status = vduse_set_status,
	.reset = vduse_reset,
	.get_config_size = vduse_get_config_size,
	.get_config = vduse_get_config,
	.set_config = vduse_set_config,
	.get_generation = vduse_get_generation,
	.get_iova_range = vduse_get_iova_range,
	.set_vq_affinity = vduse_set_vq_affinity,
	.get_vq_affinity = vduse_get_vq_affinity,
	.set_map = vduse_set_map,
	.free = vduse_free,
};
