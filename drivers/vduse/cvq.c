// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control-queue watchdog of a VDUSE virtio-net device: a command the
 * daemon leaves unanswered puts the device in NEEDS_RESET instead of
 * leaving the kernel's virtio-net spinning for an answer forever.
 */

#include <linux/kernel.h>
#include <linux/virtio_byteorder.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "internal.h"

/**
 * DOC: control-queue watchdog
 *
 * virtio_net sends a control command (MAC address, receive mode, queue
 * pairs) by adding it to the control virtqueue and polling for the used
 * buffer, holding the RTNL lock, until the device answers or the queue is
 * broken. Upstream refuses VDUSE net devices with a control queue for that
 * reason: a silent daemon would hang the kernel's networking.
 *
 * Here a kick of the control queue of a device at DRIVER_OK starts a
 * watchdog. It looks at the queue's split ring in the domain's coherent
 * memory (the rings virtio_vdpa allocates; a VMM's rings behind vhost_vdpa
 * are not watched, the VMM has its own timeouts): while the driver has
 * made buffers available that the daemon has not used, the used index
 * must move within ``msg_timeout`` seconds. If it does not, the device
 * reports %VIRTIO_CONFIG_S_NEEDS_RESET and raises the configuration
 * interrupt; virtio_vdpa then breaks the virtqueues and the command fails
 * instead of hanging. A reset (unbinding and binding the driver, or the
 * daemon's reattach followed by a reset) makes the device usable again.
 * ``msg_timeout`` 0 turns the watchdog off, as it lets requests wait
 * forever.
 */

#define VDUSE_CVQ_NONE	U32_MAX

static u16 vduse_cvq_r16(__virtio16 v)
{
	return __virtio16_to_cpu(true, v);
}

/* Called with dev->lock held: which queue is the control queue, if any. */
static u32 vduse_cvq_index(struct vduse_dev *dev)
{
	u64 f = dev->driver_features;
	unsigned long flags;
	u16 pairs = 1;

	lockdep_assert_held(&dev->lock);
	if (dev->device_id != VIRTIO_ID_NET ||
	    !(f & BIT_ULL(VIRTIO_NET_F_CTRL_VQ)) ||
	    (f & BIT_ULL(VIRTIO_F_RING_PACKED)))
		return VDUSE_CVQ_NONE;
	if (f & BIT_ULL(VIRTIO_NET_F_MQ)) {
		spin_lock_irqsave(&dev->config_lock, flags);
		if (dev->config_size >= offsetofend(struct virtio_net_config,
						    max_virtqueue_pairs))
			pairs = vduse_cvq_r16(((struct virtio_net_config *)
					       dev->config)->max_virtqueue_pairs);
		spin_unlock_irqrestore(&dev->config_lock, flags);
	}
	if (!pairs || 2U * pairs >= dev->vq_num)
		return VDUSE_CVQ_NONE;
	return 2U * pairs;
}

/**
 * vduse_cvq_start() - note the control queue when the driver sets DRIVER_OK
 * @dev: the device
 *
 * Context: with &vduse_dev.lock held.
 */
void vduse_cvq_start(struct vduse_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	dev->cvq_seen_valid = false;
	WRITE_ONCE(dev->cvq_index, vduse_cvq_index(dev));
}

/**
 * vduse_cvq_stop() - forget the control queue and stop the watchdog
 * @dev: the device
 *
 * Context: process context, &vduse_dev.lock not held (the watchdog takes
 * it).
 */
void vduse_cvq_stop(struct vduse_dev *dev)
{
	WRITE_ONCE(dev->cvq_index, VDUSE_CVQ_NONE);
	cancel_delayed_work_sync(&dev->cvq_watch);
}

/**
 * vduse_cvq_kicked() - a queue was kicked: watch it if it is the control one
 * @dev: the device
 * @idx: the queue
 *
 * Context: any. A watchdog already pending is left alone: it measures
 * from the first command the daemon has not answered yet.
 */
void vduse_cvq_kicked(struct vduse_dev *dev, u16 idx)
{
	if (idx != READ_ONCE(dev->cvq_index) || !READ_ONCE(dev->msg_timeout))
		return;
	schedule_delayed_work(&dev->cvq_watch, 0);
}

/*
 * Called with dev->lock held. Returns true when the daemon left commands
 * unanswered for a whole period; re-arms the watchdog while they are
 * outstanding and the daemon made progress (or on the first look).
 */
static bool vduse_cvq_check(struct vduse_dev *dev)
{
	unsigned int secs = READ_ONCE(dev->msg_timeout);
	u32 idx = READ_ONCE(dev->cvq_index);
	struct vring_avail *avail;
	struct vring_used *used;
	struct vduse_vq *vq;
	u16 a, u;

	lockdep_assert_held(&dev->lock);
	if (idx == VDUSE_CVQ_NONE || !secs || !dev->domain ||
	    !(dev->status & VIRTIO_CONFIG_S_DRIVER_OK))
		return false;
	vq = dev->vqs[idx];
	if (!vq->ready || !vq->num)
		return false;
	avail = vduse_domain_coherent_va(dev->domain, vq->driver_addr,
					 sizeof(*avail));
	used = vduse_domain_coherent_va(dev->domain, vq->device_addr,
					sizeof(*used));
	if (!avail || !used)
		return false;
	a = vduse_cvq_r16(READ_ONCE(avail->idx));
	u = vduse_cvq_r16(READ_ONCE(used->idx));
	if (a == u) {
		dev->cvq_seen_valid = false;
		return false;
	}
	if (dev->cvq_seen_valid && u == dev->cvq_seen)
		return true;
	dev->cvq_seen = u;
	dev->cvq_seen_valid = true;
	schedule_delayed_work(&dev->cvq_watch, (unsigned long)secs * HZ);
	return false;
}

static void vduse_cvq_watch(struct work_struct *work)
{
	struct vduse_dev *dev = container_of(to_delayed_work(work),
					     struct vduse_dev, cvq_watch);
	bool expired;

	mutex_lock(&dev->lock);
	expired = vduse_cvq_check(dev);
	if (expired)
		dev->cvq_seen_valid = false;
	mutex_unlock(&dev->lock);
	if (!expired)
		return;
	dev_warn_ratelimited(dev->dev, "control command unanswered for %u s: device needs a reset\n",
			     READ_ONCE(dev->msg_timeout));
	WRITE_ONCE(dev->needs_reset, true);
	vduse_raise_config_irq(dev);
}

/**
 * vduse_cvq_init() - set up the watchdog of a new device
 * @dev: the device
 */
void vduse_cvq_init(struct vduse_dev *dev)
{
	dev->cvq_index = VDUSE_CVQ_NONE;
	INIT_DELAYED_WORK(&dev->cvq_watch, vduse_cvq_watch);
}
