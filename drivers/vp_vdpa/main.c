// SPDX-License-Identifier: GPL-2.0-only
/*
 * vp_vdpa.ko: a modern virtio-pci function (PF or VF) as a vDPA device.
 * This file holds the PCI driver and each function's management device
 * ("pci/<BDF>"), through which "vdpa dev add" creates the function's one
 * vDPA device.
 */

#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/virtio_ids.h>
#include <uapi/linux/vdpa.h>

#include "vp_vdpa.h"

/**
 * DOC: binding
 *
 * The driver has no device ID table: a table would make it race
 * virtio_pci for every virtio device of the host. A function is handed to
 * it explicitly, after unbinding it from virtio_pci::
 *
 *   echo 0000:00:05.0 > /sys/bus/pci/drivers/virtio-pci/unbind
 *   echo vp_vdpa > /sys/bus/pci/devices/0000:00:05.0/driver_override
 *   echo 0000:00:05.0 > /sys/bus/pci/drivers/vp_vdpa/bind
 *
 * Only modern functions are taken (virtio 1.0 capabilities; QEMU's
 * ``disable-legacy=on``); others fail to bind with -ENODEV.
 */

static int vp_vdpa_vqs_init(struct vp_vdpa *vp)
{
	struct virtio_pci_modern_device *mdev = vp_mdev(vp);
	struct vp_vdpa_vq *vq;
	u32 i;

	vp->vqs = kcalloc(vp->nvqs, sizeof(*vp->vqs), GFP_KERNEL);
	if (!vp->vqs)
		return -ENOMEM;
	for (i = 0; i < vp->nvqs; i++) {
		vq = &vp->vqs[i];
		spin_lock_init(&vq->cb_lock);
		vq->irq = -1;
		vq->notify = vp_modern_map_vq_notify(mdev, i, &vq->notify_pa);
		if (!vq->notify)
			return -EINVAL;
	}
	return 0;
}

/*
 * The library maps a queue's doorbell on its own when the notify region
 * is too large to map whole (more than a page: QEMU's page-per-vq=on, or
 * a function with many queues); such a mapping is the queue's to undo.
 */
static void vp_vdpa_vqs_unmap(struct vp_vdpa *vp)
{
	struct virtio_pci_modern_device *mdev = vp_mdev(vp);
	u32 i;

	for (i = 0; vp->vqs && i < vp->nvqs; i++) {
		if (!mdev->notify_base && vp->vqs[i].notify)
			pci_iounmap(mdev->pci_dev, vp->vqs[i].notify);
		vp->vqs[i].notify = NULL;
	}
}

/* "device_features" may only remove features of the function. */
static int vp_vdpa_features(struct vp_vdpa_fn *fn,
			    const struct vdpa_dev_set_config *config,
			    u64 *features)
{
	u64 all = vp_modern_get_features(&fn->mdev);

	*features = all;
	if (!(config->mask & BIT_ULL(VDPA_ATTR_DEV_FEATURES)))
		return 0;
	if (config->device_features & ~all)
		return -EINVAL;
	*features = config->device_features;
	return 0;
}

static int vp_vdpa_dev_add(struct vdpa_mgmt_dev *mgmt, const char *name,
			   const struct vdpa_dev_set_config *config)
{
	struct vp_vdpa_fn *fn = container_of(mgmt, struct vp_vdpa_fn, mgmt);
	struct device *parent = &fn->mdev.pci_dev->dev;
	struct vp_vdpa *vp;
	u64 features;
	int err;

	if (fn->vp)
		return -EEXIST;
	err = vp_vdpa_features(fn, config, &features);
	if (!err)
		err = vp_vdpa_provision(fn, config);
	if (err)
		return err;
	vp = vdpa_alloc_device(struct vp_vdpa, vdpa, parent, &vp_vdpa_ops, 1,
			       1, name, false);
	if (IS_ERR(vp))
		return PTR_ERR(vp);
	vp->fn = fn;
	vp->features = features;
	vp->nvqs = vp_vdpa_num_queues(fn);
	vp->config_irq = -1;
	spin_lock_init(&vp->config_lock);
	mutex_init(&vp->irq_lock);
	vp->vdpa.mdev = mgmt;
	vp->vdpa.dma_dev = parent;
	err = vp_vdpa_vqs_init(vp);
	if (!err)
		err = _vdpa_register_device(&vp->vdpa, vp->nvqs);
	if (err) {
		vp_vdpa_vqs_unmap(vp);
		put_device(&vp->vdpa.dev);
		return err;
	}
	fn->vp = vp;
	return 0;
}

/*
 * Unregistration unbinds the bus driver, which normally resets the
 * function. Reset it once more whatever the driver did, so that no DMA,
 * interrupt or doorbell of this device outlives it, then drop the
 * doorbell mappings: the PCI function (and its BARs) may go next. The
 * vDPA device itself may live on (a reference held elsewhere); its ops
 * are no longer called, and its release touches nothing of the function.
 */
static void vp_vdpa_dev_del(struct vdpa_mgmt_dev *mgmt,
			    struct vdpa_device *vdpa)
{
	struct vp_vdpa_fn *fn = container_of(mgmt, struct vp_vdpa_fn, mgmt);
	struct vp_vdpa *vp = vdpa_to_vp(vdpa);

	get_device(&vdpa->dev);
	_vdpa_unregister_device(vdpa);
	vp_vdpa_ops.reset(vdpa);
	vp_vdpa_vqs_unmap(vp);
	fn->vp = NULL;
	put_device(&vdpa->dev);
}

static const struct vdpa_mgmtdev_ops vp_vdpa_mgmt_ops = {
	.dev_add = vp_vdpa_dev_add,
	.dev_del = vp_vdpa_dev_del,
};

static int vp_vdpa_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vp_vdpa_fn *fn;
	int err;

	err = pcim_enable_device(pdev);
	if (err)
		return err;
	fn = devm_kzalloc(&pdev->dev, sizeof(*fn), GFP_KERNEL);
	if (!fn)
		return -ENOMEM;
	fn->mdev.pci_dev = pdev;
	err = vp_modern_probe(&fn->mdev);
	if (err)
		return err == -ENODEV ? err : dev_err_probe(&pdev->dev, err,
						"not a modern virtio function\n");
	pci_set_master(pdev);
	fn->id[0] = fn->mdev.id;
	fn->mgmt.device = &pdev->dev;
	fn->mgmt.ops = &vp_vdpa_mgmt_ops;
	fn->mgmt.id_table = fn->id;
	fn->mgmt.config_attr_mask = BIT_ULL(VDPA_ATTR_DEV_FEATURES);
	if (fn->id[0].device == VIRTIO_ID_NET)
		fn->mgmt.config_attr_mask |=
			BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR) |
			BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MTU) |
			BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MAX_VQP);
	fn->mgmt.supported_features = vp_modern_get_features(&fn->mdev);
	fn->mgmt.max_supported_vqs = vp_vdpa_num_queues(fn);
	pci_set_drvdata(pdev, fn);
	err = vdpa_mgmtdev_register(&fn->mgmt);
	if (err) {
		vp_modern_remove(&fn->mdev);
		return err;
	}
	return 0;
}

/* Unpublish first: the management device and its vDPA device go, then
 * the function's mappings.
 */
static void vp_vdpa_remove(struct pci_dev *pdev)
{
	struct vp_vdpa_fn *fn = pci_get_drvdata(pdev);

	vdpa_mgmtdev_unregister(&fn->mgmt);
	if (!pci_vfs_assigned(pdev))
		pci_disable_sriov(pdev);
	vp_modern_remove(&fn->mdev);
}

static struct pci_driver vp_vdpa_driver = {
	.name = "vp_vdpa",
	.id_table = NULL,
	.probe = vp_vdpa_probe,
	.remove = vp_vdpa_remove,
	.sriov_configure = vp_vdpa_sriov_configure,
};
module_pci_driver(vp_vdpa_driver);

MODULE_DESCRIPTION("vDPA parent for modern virtio-pci functions");
MODULE_LICENSE("GPL");
MODULE_VERSION(VDPA_OOT_VERSION);
