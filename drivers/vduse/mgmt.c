// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "vduse" management device: "vdpa dev add name <n> mgmtdev vduse"
 * attaches a vDPA device to the existing VDUSE device <n>, "vdpa dev del"
 * detaches it. The IOVA domain lives exactly as long as the vDPA device.
 */

#include <linux/atomic.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/virtio_ids.h>
#include <linux/wait.h>

#include "internal.h"

static struct device *vduse_root;

static struct virtio_device_id vduse_id_table[] = {
	{ VIRTIO_ID_BLOCK, VIRTIO_DEV_ANY_ID },
	{ VIRTIO_ID_NET, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

static struct vdpa_mgmt_dev vduse_mgmt;

/*
 * vDPA devices claimed and not yet released (vduse_vdpa_claim() to
 * vduse_vdpa_released()); module unload waits on vduse_vdpa_gone until
 * there are none: a release runs this module's code and uses its device.
 */
static atomic_t vduse_vdpa_live = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(vduse_vdpa_gone);

/* Every queue needs the daemon's size before a driver may use it. */
static bool vduse_dev_ready(struct vduse_dev *dev)
{
	u32 i;

	for (i = 0; i < dev->vq_num; i++)
		if (!READ_ONCE(dev->vqs[i]->num_max))
			return false;
	return true;
}

/*
 * Claim the device for a new vDPA device: refused while an earlier one
 * is attached or still being released (vduse_vdpa_released() not run).
 */
static bool vduse_vdpa_claim(struct vduse_dev *dev)
{
	bool ok;

	spin_lock(&dev->msg_lock);
	ok = !dev->vdpa_held;
	if (ok) {
		dev->vdpa_held = true;
		dev->removing = false;
		atomic_inc(&vduse_vdpa_live);
	}
	spin_unlock(&dev->msg_lock);
	return ok;
}

/**
 * vduse_vdpa_released() - the vDPA device of @dev is gone
 * @dev: the VDUSE device; its domain destroyed and &vduse_dev.vdev cleared
 *
 * The last access to @dev of the release: once msg_lock is dropped,
 * VDUSE_DESTROY_DEV may free it (vduse_dev_del() does not hold vduse_lock
 * across the unregistration, which may wait for userspace).
 */
void vduse_vdpa_released(struct vduse_dev *dev)
{
	spin_lock(&dev->msg_lock);
	dev->removing = false;
	dev->vdpa_held = false;
	spin_unlock(&dev->msg_lock);
	/* Module globals only: @dev may be gone already. */
	if (atomic_dec_and_test(&vduse_vdpa_live))
		wake_up(&vduse_vdpa_gone);
}

static int vduse_vdpa_setup(struct vduse_dev *dev, struct vduse_vdpa *vdev)
{
	struct vduse_domain *domain;
	struct device *d = &vdev->vdpa.dev;

	if (!vduse_vdpa_claim(dev))
		return -EEXIST;
	domain = vduse_domain_create(dev->bounce_size);
	if (IS_ERR(domain)) {
		vduse_vdpa_released(dev);
		return PTR_ERR(domain);
	}
	d->dma_mask = &d->coherent_dma_mask;
	set_dma_ops(d, &vduse_dma_ops);
	if (dma_set_mask_and_coherent(d, DMA_BIT_MASK(64))) {
		vduse_domain_destroy(domain);
		vduse_vdpa_released(dev);
		return -EIO;
	}
	vdev->vdpa.dma_dev = d;
	vdev->vdpa.mdev = &vduse_mgmt;
	dev->domain = domain;
	dev->vdev = vdev;
	return 0;
}

static int vduse_attach(struct vduse_dev *dev, const char *name)
{
	struct vduse_vdpa *vdev;
	int err;

	lockdep_assert_held(&vduse_lock);
	vdev = vdpa_alloc_device(struct vduse_vdpa, vdpa, dev->dev,
				 &vduse_vdpa_ops, 1, 1, name, true);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);
	vdev->dev = dev;
	mutex_lock(&dev->lock);
	if (dev->vdev)
		err = -EEXIST;
	else if (!vduse_dev_ready(dev))
		err = -EINVAL;
	else
		err = vduse_vdpa_setup(dev, vdev);
	mutex_unlock(&dev->lock);
	if (err)
		goto err_put;
	err = _vdpa_register_device(&vdev->vdpa, dev->vq_num);
	if (err)
		goto err_put;
	return 0;

err_put:
	/* The release (vduse_free) undoes vduse_vdpa_setup() if it ran. */
	put_device(&vdev->vdpa.dev);
	return err;
}

static int vduse_dev_add(struct vdpa_mgmt_dev *mdev, const char *name,
			 const struct vdpa_dev_set_config *config)
{
	struct vduse_dev *dev;
	int err;

	mutex_lock(&vduse_lock);
	dev = vduse_find_dev(name);
	err = dev ? vduse_attach(dev, name) : -EINVAL;
	mutex_unlock(&vduse_lock);
	return err;
}

/*
 * Not under vduse_lock: unregistering may wait without bound (virtio_blk
 * for its requests, vhost_vdpa for the VMM to close its file), and other
 * devices and a reattaching daemon must not wait with it. The VDUSE
 * device stays until the vDPA device's release (vduse_vdpa_released(),
 * which also ends removing); it may be gone once the unregistration
 * returns, so nothing touches it afterwards.
 */
static void vduse_dev_del(struct vdpa_mgmt_dev *mdev, struct vdpa_device *vdpa)
{
	struct vduse_dev *dev = vduse_vdpa_to_dev(vdpa);

	vduse_msg_set_removing(dev, true);
	vduse_rescue_begin(dev);	/* rescue.c: no removal hangs on I/O */
	_vdpa_unregister_device(vdpa);
}

static const struct vdpa_mgmtdev_ops vduse_mgmt_ops = {
	.dev_add = vduse_dev_add,
	.dev_del = vduse_dev_del,
};

static struct vdpa_mgmt_dev vduse_mgmt = {
	.ops = &vduse_mgmt_ops,
	.id_table = vduse_id_table,
	.max_supported_vqs = VDUSE_VQ_MAX,
};

/**
 * vduse_mgmt_init() - register the "vduse" management device
 *
 * Return: 0 or -errno.
 */
int vduse_mgmt_init(void)
{
	int err;

	vduse_root = root_device_register("vduse");
	if (IS_ERR(vduse_root))
		return PTR_ERR(vduse_root);
	vduse_mgmt.device = vduse_root;
	err = vdpa_mgmtdev_register(&vduse_mgmt);
	if (err)
		root_device_unregister(vduse_root);
	return err;
}

/**
 * vduse_mgmt_exit() - remove every vDPA device and the management device
 *
 * Returns once every vDPA device of ours has been released. Unregistering
 * drops the bus's references, but anyone else still holding one delays
 * the release (vduse_free()), which must not find the VDUSE device, or
 * this module, gone: wait for it rather than skip it, and say why.
 */
void vduse_mgmt_exit(void)
{
	vdpa_mgmtdev_unregister(&vduse_mgmt);
	while (!wait_event_timeout(vduse_vdpa_gone,
				   !atomic_read(&vduse_vdpa_live), 10 * HZ))
		pr_warn_once("vduse: unload waits for %d vDPA device(s) still referenced\n",
			     atomic_read(&vduse_vdpa_live));
	root_device_unregister(vduse_root);
}
