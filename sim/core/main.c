// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_sim.ko: the simulator core. Device creation and teardown,
 * management devices, module parameters.
 */

#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>

#include "core_internal.h"

struct workqueue_struct *vdpasim_wq;

unsigned int vdpasim_max_iotlb_entries = 65536;
module_param_named(max_iotlb_entries, vdpasim_max_iotlb_entries, uint, 0444);
MODULE_PARM_DESC(max_iotlb_entries,
		 "Most mappings per address space (default 65536)");

bool vdpasim_batch_mapping = true;
module_param_named(batch_mapping, vdpasim_batch_mapping, bool, 0644);
MODULE_PARM_DESC(batch_mapping,
		 "Devices created from now on take whole mappings (set_map, the default) instead of dma_map/dma_unmap");

bool vdpasim_dirty_log = true;
module_param_named(dirty_log, vdpasim_dirty_log, bool, 0644);
MODULE_PARM_DESC(dirty_log,
		 "Devices created from now on report their writes for live migration (set_dirty_log: vhost_vdpa offers VHOST_F_LOG_ALL); 0 for QEMU's x-svq=on, which refuses that bit");

/**
 * vdpasim_core_features() - the features the core adds to every class
 *
 * Return: VERSION_1, ACCESS_PLATFORM, ANY_LAYOUT, the ring layouts and
 * options the device-side ring library implements, and per-queue reset.
 */
u64 vdpasim_core_features(void)
{
	return BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) |
	       BIT_ULL(VIRTIO_F_ANY_LAYOUT) | BIT_ULL(VIRTIO_F_RING_PACKED) |
	       BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) |
	       BIT_ULL(VIRTIO_RING_F_EVENT_IDX) | BIT_ULL(VIRTIO_F_IN_ORDER) |
	       BIT_ULL(VIRTIO_F_NOTIFICATION_DATA) |
	       BIT_ULL(VIRTIO_F_RING_RESET);
}
EXPORT_SYMBOL_GPL(vdpasim_core_features);

static const char *vdpasim_attr_invalid(const struct vdpasim_dev_attr *attr)
{
	u64 all = vdpasim_core_features() | attr->supported_features;

	if (!attr->mgmt_dev || !attr->ops || !attr->ops->process)
		return "no management device or no datapath";
	if (!attr->nvqs || !attr->ngroups || !attr->nas)
		return "nvqs, ngroups and nas must be at least 1";
	if (!is_power_of_2(attr->vq_num_max))
		return "vq_num_max must be a power of two";
	if (attr->alloc_size < sizeof(struct vdpasim))
		return "alloc_size smaller than struct vdpasim";
	if (attr->provisioned & ~all)
		return "provisioned features include unsupported ones";
	if (attr->provisioned &&
	    !(attr->provisioned & BIT_ULL(VIRTIO_F_VERSION_1)))
		return "provisioned features lack VERSION_1";
	return NULL;
}

/* The &vdpa_config_ops.free of every simulated device. */
void vdpasim_free(struct vdpa_device *vdpa)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);
	u32 i;

	for (i = 0; vs->vqs && i < vs->attr.nvqs; i++)
		cancel_work_sync(&vs->vqs[i].work);
	if (vs->attr.ops && vs->attr.ops->free)
		vs->attr.ops->free(vs);
	for (i = 0; vs->vqs && i < vs->attr.nvqs; i++) {
		vdring_release(&vs->vqs[i].ring);
		vdring_iov_free(&vs->vqs[i].iov);
		mutex_destroy(&vs->vqs[i].lock);
	}
	for (i = 0; vs->as && i < vs->attr.nas; i++)
		vdpasim_as_free(&vs->as[i]);
	kfree(vs->group_asid);
	kfree(vs->as);
	kfree(vs->vqs);
	kfree(vs->config);
	mutex_destroy(&vs->lock);
}

static int vdpasim_alloc_parts(struct vdpasim *vs)
{
	const struct vdpasim_dev_attr *attr = &vs->attr;
	u32 i;

	vs->config = kzalloc(attr->config_size, GFP_KERNEL);
	vs->vqs = kcalloc(attr->nvqs, sizeof(*vs->vqs), GFP_KERNEL);
	vs->as = kcalloc(attr->nas, sizeof(*vs->as), GFP_KERNEL);
	vs->group_asid = kcalloc(attr->ngroups, sizeof(u32), GFP_KERNEL);
	if (!vs->config || !vs->vqs || !vs->as || !vs->group_asid) {
		/* vdpasim_free() only looks at what is initialised. */
		kfree(vs->vqs);
		vs->vqs = NULL;
		kfree(vs->as);
		vs->as = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < attr->nas; i++)
		vdpasim_as_init(&vs->as[i], i);
	for (i = 0; i < attr->nvqs; i++) {
		struct vdpasim_vq *vq = &vs->vqs[i];

		mutex_init(&vq->lock);
		INIT_WORK(&vq->work, vdpasim_vq_work);
		vq->vs = vs;
		vq->idx = i;
		vq->as = &vs->as[0];
		vq->ring.map = &vq->as->map;
		/*
		 * vq->iov starts empty: vdring_pop() grows it to the
		 * longest chain the queue meets, so a queue the driver never
		 * uses costs no segment arrays.
		 */
	}
	return 0;
}

/**
 * vdpasim_create() - allocate a simulated device
 * @attr: what to create (copied)
 *
 * The device is allocated on the vDPA bus but not registered: the class
 * fills in its config space and state, then calls vdpasim_register(). On
 * a later failure, put_device(&vs->vdpa.dev) frees everything (including
 * the class's part, through &vdpasim_class_ops.free).
 *
 * Return: the device, or an ERR_PTR(): -EINVAL for an invalid @attr
 * (logged), -ENOMEM.
 */
struct vdpasim *vdpasim_create(const struct vdpasim_dev_attr *attr)
{
	const char *why = vdpasim_attr_invalid(attr);
	struct vdpa_device *vdpa;
	struct vdpasim *vs;
	int err;

	if (why) {
		pr_err_ratelimited("vdpa_sim: cannot create %s: %s\n", attr->name, why);
		return ERR_PTR(-EINVAL);
	}
	vdpa = __vdpa_alloc_device(attr->mgmt_dev->device,
				   vdpasim_pick_ops(READ_ONCE(vdpasim_batch_mapping),
						    READ_ONCE(vdpasim_dirty_log)),
				   attr->ngroups, attr->nas, attr->alloc_size,
				   attr->name, false);
	if (IS_ERR(vdpa))
		return ERR_CAST(vdpa);
	vs = vdpa_to_sim(vdpa);
	vs->attr = *attr;
	if (!vs->attr.batch)
		vs->attr.batch = VDPASIM_BATCH_DEFAULT;
	mutex_init(&vs->lock);
	spin_lock_init(&vs->cb_lock);
	vs->device_features = attr->provisioned ?:
			      vdpasim_core_features() | attr->supported_features;
	vdpa->mdev = attr->mgmt_dev;
	vdpa->dma_dev = &vdpa->dev;
	vdpa->dev.dma_mask = &vdpa->dev.coherent_dma_mask;
	err = dma_set_mask_and_coherent(&vdpa->dev, DMA_BIT_MASK(64));
	if (!err)
		err = vdpasim_alloc_parts(vs);
	if (err) {
		put_device(&vdpa->dev);
		return ERR_PTR(err);
	}
	return vs;
}
EXPORT_SYMBOL_GPL(vdpasim_create);

/**
 * vdpasim_register() - publish a device created with vdpasim_create()
 * @vs: the device, fully set up by its class
 *
 * Called from the management device's dev_add (the management lock is
 * held). Adds the device's debugfs knobs, then registers it on the bus.
 *
 * Return: 0, or the bus's -errno; the device is then dropped (put), so
 * the caller must not touch it again.
 */
int vdpasim_register(struct vdpasim *vs)
{
	int err;

	vdpasim_debugfs_dev_add(vs);
	err = _vdpa_register_device(&vs->vdpa, vs->attr.nvqs);
	if (err) {
		debugfs_remove(vs->debugfs);
		vs->debugfs = NULL;
		put_device(&vs->vdpa.dev);
	}
	return err;
}
EXPORT_SYMBOL_GPL(vdpasim_register);

/**
 * vdpasim_unregister() - unpublish a device (from dev_del)
 * @vs: the device
 *
 * Removes the debugfs knobs, then unregisters the device; the last
 * reference frees it.
 */
void vdpasim_unregister(struct vdpasim *vs)
{
	debugfs_remove(vs->debugfs);
	vs->debugfs = NULL;
	_vdpa_unregister_device(&vs->vdpa);
}
EXPORT_SYMBOL_GPL(vdpasim_unregister);

/**
 * vdpasim_mgmt_register() - register a class's management device
 * @m: the management device, with ops and attributes filled in
 * @name: its name (``vdpasim_net``...), a bus-less root device
 *
 * Return: 0 or -errno.
 */
int vdpasim_mgmt_register(struct vdpasim_mgmt *m, const char *name)
{
	struct device *root;
	int err;

	root = root_device_register(name);
	if (IS_ERR(root))
		return PTR_ERR(root);
	m->mdev.device = root;
	m->debugfs = vdpasim_debugfs_mgmt_add(m, name);
	err = vdpa_mgmtdev_register(&m->mdev);
	if (err)
		goto err_debugfs;
	return 0;

err_debugfs:
	debugfs_remove(m->debugfs);
	root_device_unregister(root);
	return err;
}
EXPORT_SYMBOL_GPL(vdpasim_mgmt_register);

/**
 * vdpasim_mgmt_unregister() - undo vdpasim_mgmt_register()
 * @m: the management device
 *
 * Deletes every device it created (through its dev_del).
 */
void vdpasim_mgmt_unregister(struct vdpasim_mgmt *m)
{
	vdpa_mgmtdev_unregister(&m->mdev);
	debugfs_remove(m->debugfs);
	root_device_unregister(m->mdev.device);
}
EXPORT_SYMBOL_GPL(vdpasim_mgmt_unregister);

/**
 * vdpasim_mgmt_fail_dev_add() - consume one injected dev_add failure
 * @m: the management device
 *
 * Return: true if the debugfs knob asked for this dev_add to fail; the
 * failure is logged as injected.
 */
bool vdpasim_mgmt_fail_dev_add(struct vdpasim_mgmt *m)
{
	if (!atomic_add_unless(&m->fail_dev_add, -1, 0))
		return false;
	dev_info(m->mdev.device, "dev_add: injected failure (fail_dev_add)\n");
	return true;
}
EXPORT_SYMBOL_GPL(vdpasim_mgmt_fail_dev_add);

static int __init vdpasim_init(void)
{
	int err;

	vdpasim_ops_init();
	vdpasim_wq = alloc_workqueue("vdpa_sim", WQ_UNBOUND | WQ_SYSFS, 0);
	if (!vdpasim_wq)
		return -ENOMEM;
	err = vdpasim_debugfs_init();
	if (err)
		goto err_wq;
	return 0;

err_wq:
	destroy_workqueue(vdpasim_wq);
	return err;
}

static void __exit vdpasim_exit(void)
{
	vdpasim_debugfs_exit();
	destroy_workqueue(vdpasim_wq);
}

module_init(vdpasim_init);
module_exit(vdpasim_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(VDPA_OOT_VERSION);
MODULE_DESCRIPTION("vDPA simulator core and device-side virtqueue library");
