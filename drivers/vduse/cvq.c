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
 * Here, from DRIVER_OK to the next reset, a watchdog looks at the control
 * queue once a second: virtio_net's control queue is the last queue it
 * enables, so the watched queue is the highest-numbered ready one (the
 * daemon's config space cannot redirect it), and only its split ring in
 * the domain's coherent memory is read (the rings virtio_vdpa allocates;
 * a VMM's rings behind vhost_vdpa are not watched, the VMM has its own
 * timeouts). Kicks do not matter, so a daemon that suppresses
 * notifications does not escape it. While the driver has made buffers
 * available that the daemon has not used, the used index must move within
 * ``msg_timeout`` seconds; if it does not, the device reports
 * %VIRTIO_CONFIG_S_NEEDS_RESET and raises the configuration interrupt, and
 * virtio_vdpa breaks the virtqueues: the command fails instead of hanging.
 * A reset (unbinding and binding the driver, after a daemon reattached)
 * makes the device usable again. ``msg_timeout`` 0 turns the watchdog off,
 * as it lets requests wait forever.
 */

#define VDUSE_CVQ_NONE	U32_MAX
#define VDUSE_CVQ_PERIOD	HZ

static u16 vduse_cvq_r16(__virtio16 v)
{
	return __virtio16_to_cpu(true, v);
}

/* Called with dev->lock held: the queue to watch, if any (see the DOC). */
static u32 vduse_cvq_index(struct vduse_dev *dev)
{
	u64 f = dev->driver_features;
	u32 i;

	lockdep_assert_held(&dev->lock);
	if (dev->device_id != VIRTIO_ID_NET ||
	    !(f & BIT_ULL(VIRTIO_NET_F_CTRL_VQ)) ||
	    (f & BIT_ULL(VIRTIO_F_RING_PACKED)))
		return VDUSE_CVQ_NONE;
	for (i = dev->vq_num; i-- > 0;)
		if (dev->vqs[i]->ready)
			return i;
	return VDUSE_CVQ_NONE;
}

/**
 * vduse_cvq_start() - start the watchdog when the driver sets DRIVER_OK
 * @dev: the device
 *
 * Context: with &vduse_dev.lock held.
 */
void vduse_cvq_start(struct vduse_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	dev->cvq_seen_valid = false;
	dev->cvq_index = vduse_cvq_index(dev);
	if (dev->cvq_index != VDUSE_CVQ_NONE)
		schedule_delayed_work(&dev->cvq_watch, VDUSE_CVQ_PERIOD);
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
	mutex_lock(&dev->lock);
	dev->cvq_index = VDUSE_CVQ_NONE;
	mutex_unlock(&dev->lock);
	cancel_delayed_work_sync(&dev->cvq_watch);
}

/*
 * Called with dev->lock held. Returns true when the daemon left buffers
 * unused for msg_timeout seconds without using any.
 */
static bool vduse_cvq_check(struct vduse_dev *dev)
{
	unsigned int secs = READ_ONCE(dev->msg_timeout);
	u32 idx = dev->cvq_index;
	struct vring_avail *avail;
	struct vring_used *used;
	struct vduse_vq *vq;
	u16 a, u;

	lockdep_assert_held(&dev->lock);
	vq = dev->vqs[idx];
	avail = vduse_domain_coherent_va(dev->domain, vq->driver_addr,
					 sizeof(*avail));
	used = vduse_domain_coherent_va(dev->domain, vq->device_addr,
					sizeof(*used));
	if (!secs || !vq->ready || !avail || !used)
		return false;
	a = vduse_cvq_r16(READ_ONCE(avail->idx));
	u = vduse_cvq_r16(READ_ONCE(used->idx));
	if (a == u) {
		dev->cvq_seen_valid = false;
		return false;
	}
	if (!dev->cvq_seen_valid || u != dev->cvq_seen) {
		dev->cvq_seen = u;
		dev->cvq_seen_at = jiffies;
		dev->cvq_seen_valid = true;
		return false;
	}
	return time_after_eq(jiffies, dev->cvq_seen_at +
			     (unsigned long)secs * HZ);
}

/* Until a reset, or until it fired: the device then needs a reset. */
static void vduse_cvq_watch(struct work_struct *work)
{
	struct vduse_dev *dev = container_of(to_delayed_work(work),
					     struct vduse_dev, cvq_watch);
	bool expired = false;

	mutex_lock(&dev->lock);
	if (dev->cvq_index == VDUSE_CVQ_NONE || !dev->domain ||
	    !(dev->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
		mutex_unlock(&dev->lock);
		return;
	}
	expired = vduse_cvq_check(dev);
	if (!expired)
		schedule_delayed_work(&dev->cvq_watch, VDUSE_CVQ_PERIOD);
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
