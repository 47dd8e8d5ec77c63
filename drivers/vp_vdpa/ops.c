// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vDPA config operations of vp_vdpa: each one a register access of
 * the function's common configuration, device configuration or doorbell
 * (the kernel's virtio_pci_modern_dev library).
 */

#include <linux/delay.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>

#include "vp_vdpa.h"

/**
 * DOC: what the function cannot do
 *
 * A virtio-pci function without %VIRTIO_F_SUSPEND (and without admin
 * queue commands for it) cannot be stopped, so the position of a running
 * queue cannot be read: get_vq_state fails with -EOPNOTSUPP, and
 * set_vq_state only takes the initial position (0), the one the function
 * starts from after a reset. No state is made up. A queue cannot be
 * disabled either (the specification only lets the driver enable one):
 * set_vq_ready(false) leaves it to the next reset.
 */

static int vp_vdpa_set_vq_address(struct vdpa_device *vdpa, u16 idx,
				  u64 desc, u64 driver, u64 device)
{
	vp_modern_queue_address(vp_mdev(vdpa_to_vp(vdpa)), idx, desc, driver,
				device);
	return 0;
}

static void vp_vdpa_set_vq_num(struct vdpa_device *vdpa, u16 idx, u32 num)
{
	vp_modern_set_queue_size(vp_mdev(vdpa_to_vp(vdpa)), idx, num);
}

/* Any context: one 16-bit write of the queue index to its doorbell. */
static void vp_vdpa_kick_vq(struct vdpa_device *vdpa, u16 idx)
{
	vp_iowrite16(idx, vdpa_to_vp(vdpa)->vqs[idx].notify);
}

/*
 * With VIRTIO_F_NOTIFICATION_DATA the doorbell takes 32 bits: the queue
 * index in the low 16, the next available position above. An index the
 * device does not have is dropped.
 */
static void vp_vdpa_kick_vq_with_data(struct vdpa_device *vdpa, u32 data)
{
	struct vp_vdpa *vp = vdpa_to_vp(vdpa);
	u16 idx = data & 0xffff;

	if (idx < vp->nvqs)
		vp_iowrite32(data, vp->vqs[idx].notify);
}

static void vp_vdpa_set_vq_cb(struct vdpa_device *vdpa, u16 idx,
			      struct vdpa_callback *cb)
{
	struct vp_vdpa_vq *vq = &vdpa_to_vp(vdpa)->vqs[idx];

	vp_vdpa_cb_store(&vq->cb_lock, &vq->cb, cb);
}

static void vp_vdpa_set_vq_ready(struct vdpa_device *vdpa, u16 idx,
				 bool ready)
{
	if (ready)
		vp_modern_set_queue_enable(vp_mdev(vdpa_to_vp(vdpa)), idx,
					   true);
}

static bool vp_vdpa_get_vq_ready(struct vdpa_device *vdpa, u16 idx)
{
	return vp_modern_get_queue_enable(vp_mdev(vdpa_to_vp(vdpa)), idx);
}

static int vp_vdpa_set_vq_state(struct vdpa_device *vdpa, u16 idx,
				const struct vdpa_vq_state *state)
{
	struct vp_vdpa *vp = vdpa_to_vp(vdpa);
	u64 f = vp_modern_get_driver_features(vp_mdev(vp));

	if (f & BIT_ULL(VIRTIO_F_RING_PACKED)) {
		const struct vdpa_vq_state_packed *p = &state->packed;

		if (!p->last_avail_idx && !p->last_used_idx &&
		    p->last_avail_counter && p->last_used_counter)
			return 0;
	} else if (!state->split.avail_index) {
		return 0;
	}
	return -EOPNOTSUPP;
}

static int vp_vdpa_get_vq_state(struct vdpa_device *vdpa, u16 idx,
				struct vdpa_vq_state *state)
{
	return -EOPNOTSUPP;
}

static struct vdpa_notification_area
vp_vdpa_get_vq_notification(struct vdpa_device *vdpa, u16 idx)
{
	struct vp_vdpa *vp = vdpa_to_vp(vdpa);

	return (struct vdpa_notification_area){
		.addr = vp->vqs[idx].notify_pa,
		.size = vp_mdev(vp)->notify_offset_multiplier,
	};
}

static int vp_vdpa_get_vq_irq(struct vdpa_device *vdpa, u16 idx)
{
	int irq = vdpa_to_vp(vdpa)->vqs[idx].irq;

	return irq >= 0 ? irq : -EINVAL;
}

static u16 vp_vdpa_get_vq_size(struct vdpa_device *vdpa, u16 idx)
{
	return vp_modern_get_queue_size(vp_mdev(vdpa_to_vp(vdpa)), idx);
}

/* The function reports each queue's largest size; the bus wants one. */
static u16 vp_vdpa_get_vq_num_max(struct vdpa_device *vdpa)
{
	struct vp_vdpa *vp = vdpa_to_vp(vdpa);
	u16 max = 0;
	u32 i;

	for (i = 0; i < vp->nvqs; i++)
		max = max(max, vp_modern_get_queue_size(vp_mdev(vp), i));
	return max;
}

static u32 vp_vdpa_get_vq_align(struct vdpa_device *vdpa)
{
	return PAGE_SIZE;
}

static u64 vp_vdpa_get_device_features(struct vdpa_device *vdpa)
{
	return vdpa_to_vp(vdpa)->features;
}

static int vp_vdpa_set_driver_features(struct vdpa_device *vdpa, u64 f)
{
	struct vp_vdpa *vp = vdpa_to_vp(vdpa);

	if (f & ~vp->features)
		return -EINVAL;
	vp_modern_set_features(vp_mdev(vp), f);
	return 0;
}

static u64 vp_vdpa_get_driver_features(struct vdpa_device *vdpa)
{
	return vp_modern_get_driver_features(vp_mdev(vdpa_to_vp(vdpa)));
}

static void vp_vdpa_set_config_cb(struct vdpa_device *vdpa,
				  struct vdpa_callback *cb)
{
	struct vp_vdpa *vp = vdpa_to_vp(vdpa);

	vp_vdpa_cb_store(&vp->config_lock, &vp->config_cb, cb);
}

static u32 vp_vdpa_get_device_id(struct vdpa_device *vdpa)
{
	return vdpa_to_vp(vdpa)->fn->id[0].device;
}

static u32 vp_vdpa_get_vendor_id(struct vdpa_device *vdpa)
{
	return vdpa_to_vp(vdpa)->fn->id[0].vendor;
}

static u8 vp_vdpa_get_status(struct vdpa_device *vdpa)
{
	return vp_modern_get_status(vp_mdev(vdpa_to_vp(vdpa)));
}

/*
 * Up to a second for the function to report the reset done (status 0).
 * The interrupts are freed either way: a function that does not answer
 * (gone, or broken) must not keep vectors the PCI core frees with it.
 */
static int vp_vdpa_reset(struct vdpa_device *vdpa)
{
	struct vp_vdpa *vp = vdpa_to_vp(vdpa);
	int i, err = 0;

	vp_modern_set_status(vp_mdev(vp), 0);
	for (i = 0; vp_modern_get_status(vp_mdev(vp)); i++) {
		if (i == 1000) {
			dev_err(&vdpa->dev, "the function did not reset\n");
			err = -ETIMEDOUT;
			break;
		}
		usleep_range(1000, 2000);
	}
	vp_vdpa_irqs_free(vp);
	return err;
}

/*
 * Called with the vDPA device's cf_lock held. The interrupts are requested
 * before DRIVER_OK reaches the function; if that fails, FAILED is set
 * instead, so the driver sees the error.
 */
static void vp_vdpa_set_status(struct vdpa_device *vdpa, u8 status)
{
	struct vp_vdpa *vp = vdpa_to_vp(vdpa);
	u8 old = vp_modern_get_status(vp_mdev(vp));

	if (!status) {
		vp_vdpa_reset(vdpa);
		return;
	}
	if ((status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(old & VIRTIO_CONFIG_S_DRIVER_OK) && vp_vdpa_irqs_request(vp)) {
		dev_warn(&vdpa->dev, "no interrupts: setting FAILED\n");
		status = (status & ~VIRTIO_CONFIG_S_DRIVER_OK) |
			 VIRTIO_CONFIG_S_FAILED;
	}
	vp_modern_set_status(vp_mdev(vp), status);
}

static size_t vp_vdpa_get_config_size(struct vdpa_device *vdpa)
{
	return vp_mdev(vdpa_to_vp(vdpa))->device_len;
}

/**
 * vp_vdpa_config_read() - read the function's device configuration
 * @mdev: the function
 * @offset: where to start in its configuration space
 * @buf: where the bytes go
 * @len: how many
 *
 * Bytes past the end of the configuration space read as zero.
 */
void vp_vdpa_config_read(struct virtio_pci_modern_device *mdev,
			 unsigned int offset, void *buf, unsigned int len)
{
	u8 *p = buf;
	unsigned int i;

	memset(buf, 0, len);
	for (i = 0; i < len && offset + i < mdev->device_len; i++)
		p[i] = ioread8(mdev->device + offset + i);
}

static void vp_vdpa_get_config(struct vdpa_device *vdpa, unsigned int offset,
			       void *buf, unsigned int len)
{
	vp_vdpa_config_read(vp_mdev(vdpa_to_vp(vdpa)), offset, buf, len);
}

static void vp_vdpa_set_config(struct vdpa_device *vdpa, unsigned int offset,
			       const void *buf, unsigned int len)
{
	struct virtio_pci_modern_device *mdev = vp_mdev(vdpa_to_vp(vdpa));
	const u8 *p = buf;
	unsigned int i;

	if (offset >= mdev->device_len || len > mdev->device_len - offset)
		return;
	for (i = 0; i < len; i++)
		iowrite8(p[i], mdev->device + offset + i);
}

static u32 vp_vdpa_get_generation(struct vdpa_device *vdpa)
{
	return vp_modern_generation(vp_mdev(vdpa_to_vp(vdpa)));
}

/* The release of the vDPA device. */
static void vp_vdpa_free(struct vdpa_device *vdpa)
{
	mutex_destroy(&vdpa_to_vp(vdpa)->irq_lock);
	kfree(vdpa_to_vp(vdpa)->vqs);
}

const struct vdpa_config_ops vp_vdpa_ops = {
	.set_vq_address = vp_vdpa_set_vq_address,
	.set_vq_num = vp_vdpa_set_vq_num,
	.kick_vq = vp_vdpa_kick_vq,
	.kick_vq_with_data = vp_vdpa_kick_vq_with_data,
	.set_vq_cb = vp_vdpa_set_vq_cb,
	.set_vq_ready = vp_vdpa_set_vq_ready,
	.get_vq_ready = vp_vdpa_get_vq_ready,
	.set_vq_state = vp_vdpa_set_vq_state,
	.get_vq_state = vp_vdpa_get_vq_state,
	.get_vq_notification = vp_vdpa_get_vq_notification,
	.get_vq_irq = vp_vdpa_get_vq_irq,
	.set_vq_affinity = vp_vdpa_set_vq_affinity,
	.get_vq_affinity = vp_vdpa_get_vq_affinity,
	.get_vq_size = vp_vdpa_get_vq_size,
	.get_vq_align = vp_vdpa_get_vq_align,
	.get_device_features = vp_vdpa_get_device_features,
	.set_driver_features = vp_vdpa_set_driver_features,
	.get_driver_features = vp_vdpa_get_driver_features,
	.set_config_cb = vp_vdpa_set_config_cb,
	.get_vq_num_max = vp_vdpa_get_vq_num_max,
	.get_device_id = vp_vdpa_get_device_id,
	.get_vendor_id = vp_vdpa_get_vendor_id,
	.get_status = vp_vdpa_get_status,
	.set_status = vp_vdpa_set_status,
	.reset = vp_vdpa_reset,
	.get_config_size = vp_vdpa_get_config_size,
	.get_config = vp_vdpa_get_config,
	.set_config = vp_vdpa_set_config,
	.get_generation = vp_vdpa_get_generation,
	.free = vp_vdpa_free,
};
