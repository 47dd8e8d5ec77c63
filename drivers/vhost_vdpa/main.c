// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa: /dev/vhost-vdpa-N for QEMU and userspace drivers. Probe,
 * removal, open and release; the ioctls are in ioctl.c and vring.c, the
 * IOTLB messages in iotlb.c.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "internal.h"

static DEFINE_IDA(vhost_vdpa_ida);
static dev_t vhost_vdpa_devt;
static struct dentry *vhost_vdpa_debugfs;

/* Pinned pages are rarely contiguous: one entry per run of them. */
static unsigned int max_iotlb_entries = 65536;
module_param(max_iotlb_entries, uint, 0444);
MODULE_PARM_DESC(max_iotlb_entries,
		 "Most mappings per address space (default 65536)");

static int vhost_vdpa_open(struct inode *inode, struct file *file)
{
	struct vhost_vdpa *v = container_of(inode->i_cdev, struct vhost_vdpa,
					    cdev);
	int err;

	if (atomic_cmpxchg(&v->opened, 0, 1))
		return -EBUSY;
	mutex_lock(&v->lock);
	err = -ENODEV;
	if (!v->vdpa)
		goto err_opened;
	err = vhost_vdpa_reset(v);
	if (err)
		goto err_opened;
	err = vhost_vdpa_domain_alloc(v);
	if (err)
		goto err_opened;
	/* No identity mapping reaches userspace: every space starts empty. */
	err = vhost_vdpa_iotlb_open(v);
	if (err)
		goto err_domain;
	v->mapping = file->f_mapping;
	get_device(&v->dev);
	file->private_data = v;
	mutex_unlock(&v->lock);
	return 0;

err_domain:
	vhost_vdpa_unmap_all(v);
	vhost_vdpa_domain_free(v);
err_opened:
	mutex_unlock(&v->lock);
	atomic_set(&v->opened, 0);
	return err;
}

/* Undo what an opener set up; called with v->lock held. */
static void vhost_vdpa_close_locked(struct vhost_vdpa *v)
{
	lockdep_assert_held(&v->lock);
	if (v->vdpa)
		vhost_vdpa_reset(v);
	vhost_vdpa_log_close(v);
	vhost_vdpa_vqs_clean(v);
	if (v->config_call)
		vhost_vdpa_config_call_set(v, NULL);
	vhost_vdpa_unmap_all(v);
	vhost_vdpa_domain_free(v);
	if (v->owner) {
		if (v->vdpa && v->vdpa->use_va && v->vdpa->config->unbind_mm)
			v->vdpa->config->unbind_mm(v->vdpa);
		vhv_share_put(v->share);
		v->share = NULL;
		mmdrop(v->owner);
		v->owner = NULL;
	}
	v->backend_features = 0;
	v->features = 0;
	v->in_batch = false;
	v->suspended = false;
	v->fork_owner = 0;
}

static int vhost_vdpa_release(struct inode *inode, struct file *file)
{
	struct vhost_vdpa *v = file->private_data;

	mutex_lock(&v->lock);
	vhost_vdpa_close_locked(v);
	v->mapping = NULL;
	mutex_unlock(&v->lock);
	atomic_set(&v->opened, 0);
	put_device(&v->dev);
	return 0;
}

static __poll_t vhost_vdpa_poll(struct file *file, poll_table *wait)
{
	/* No IOTLB misses to read; messages can always be written. */
	return EPOLLOUT | EPOLLWRNORM;
}

static const struct file_operations vhost_vdpa_fops = {
	.owner = THIS_MODULE,
	.open = vhost_vdpa_open,
	.release = vhost_vdpa_release,
	.write_iter = vhost_vdpa_write_iter,
	.poll = vhost_vdpa_poll,
	.unlocked_ioctl = vhost_vdpa_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = vhost_vdpa_mmap,
	.llseek = noop_llseek,
};

static void vhost_vdpa_dev_release(struct device *dev)
{
	struct vhost_vdpa *v = container_of(dev, struct vhost_vdpa, dev);

	ida_free(&vhost_vdpa_ida, v->minor);
	kfree(v->iotlb);
	kfree(v->vqs);
	mutex_destroy(&v->doorbell_lock);
	mutex_destroy(&v->map_lock);
	mutex_destroy(&v->lock);
	kfree(v);
}

static int vhost_vdpa_alloc_parts(struct vhost_vdpa *v)
{
	struct vdpa_device *vdpa = v->vdpa;
	u32 i;

	v->nvqs = vdpa->nvqs;
	v->nas = vdpa->nas;
	v->config_size = vdpa->config->get_config_size(vdpa);
	v->vqs = kcalloc(v->nvqs, sizeof(*v->vqs), GFP_KERNEL);
	v->iotlb = kcalloc(v->nas, sizeof(*v->iotlb), GFP_KERNEL);
	if (!v->vqs || !v->iotlb)
		return -ENOMEM;
	for (i = 0; i < v->nvqs; i++)
		vhost_vdpa_vq_init(v, i);
	for (i = 0; i < v->nas; i++)
		vhost_iotlb_init(&v->iotlb[i], max_iotlb_entries, 0);
	if (vdpa->config->get_iova_range)
		v->range = vdpa->config->get_iova_range(vdpa);
	else
		v->range = (struct vdpa_iova_range){ 0, U64_MAX };
	return 0;
}

static int vhost_vdpa_probe(struct vdpa_device *vdpa)
{
	const struct vdpa_config_ops *ops = vdpa->config;
	struct vhost_vdpa *v;
	int minor, err;

	/* A platform IOMMU domain covers the whole device: one space only. */
	if (!ops->set_map && !ops->dma_map && (vdpa->ngroups > 1 || vdpa->nas > 1))
		return -EOPNOTSUPP;
	minor = ida_alloc_max(&vhost_vdpa_ida, VHOST_VDPA_DEV_MAX - 1,
			      GFP_KERNEL);
	if (minor < 0)
		return minor;
	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v) {
		ida_free(&vhost_vdpa_ida, minor);
		return -ENOMEM;
	}
	mutex_init(&v->lock);
	mutex_init(&v->map_lock);
	mutex_init(&v->doorbell_lock);
	INIT_LIST_HEAD(&v->retired);
	v->minor = minor;
	v->vdpa = vdpa;
	v->use_va = vdpa->use_va;
	device_initialize(&v->dev);
	v->dev.release = vhost_vdpa_dev_release;
	v->dev.parent = &vdpa->dev;
	v->dev.devt = MKDEV(MAJOR(vhost_vdpa_devt), minor);
	err = vhost_vdpa_alloc_parts(v);
	if (!err)
		err = dev_set_name(&v->dev, "vhost-vdpa-%u", minor);
	if (err)
		goto err_put;
	v->vq_num_max = ops->get_vq_num_max(vdpa);
	cdev_init(&v->cdev, &vhost_vdpa_fops);
	v->cdev.owner = THIS_MODULE;
	vdpa_set_drvdata(vdpa, v);
	vhost_vdpa_log_init(v, vhost_vdpa_debugfs);
	/* Publish last: the node appears with everything set up. */
	err = cdev_device_add(&v->cdev, &v->dev);
	if (err)
		goto err_debugfs;
	return 0;

err_debugfs:
	debugfs_remove(v->debugfs);
err_put:
	put_device(&v->dev);
	return err;
}

static void vhost_vdpa_remove(struct vdpa_device *vdpa)
{
	struct vhost_vdpa *v = vdpa_get_drvdata(vdpa);

	/* Unpublish first, then revoke what an opener still holds. */
	cdev_device_del(&v->cdev, &v->dev);
	debugfs_remove(v->debugfs);
	mutex_lock(&v->doorbell_lock);
	v->gone = true;
	mutex_unlock(&v->doorbell_lock);
	mutex_lock(&v->lock);
	if (v->mapping)
		unmap_mapping_range(v->mapping, 0, 0, 1);
	vhost_vdpa_close_locked(v);
	v->vdpa = NULL;
	mutex_unlock(&v->lock);
	put_device(&v->dev);
}

static struct vdpa_driver vhost_vdpa_driver = {
	.driver = {
		.name = "vhost_vdpa",
	},
	.probe = vhost_vdpa_probe,
	.remove = vhost_vdpa_remove,
};

static int __init vhost_vdpa_init(void)
{
	int err;

	err = alloc_chrdev_region(&vhost_vdpa_devt, 0, VHOST_VDPA_DEV_MAX,
				  "vhost-vdpa");
	if (err)
		return err;
	vhost_vdpa_debugfs = debugfs_create_dir("vhost_vdpa", NULL);
	err = vdpa_register_driver(&vhost_vdpa_driver);
	if (err)
		goto err_chrdev;
	return 0;

err_chrdev:
	debugfs_remove(vhost_vdpa_debugfs);
	unregister_chrdev_region(vhost_vdpa_devt, VHOST_VDPA_DEV_MAX);
	return err;
}

static void __exit vhost_vdpa_exit(void)
{
	vdpa_unregister_driver(&vhost_vdpa_driver);
	vhv_share_exit();
	debugfs_remove(vhost_vdpa_debugfs);
	unregister_chrdev_region(vhost_vdpa_devt, VHOST_VDPA_DEV_MAX);
}

module_init(vhost_vdpa_init);
module_exit(vhost_vdpa_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(VDPA_OOT_VERSION);
MODULE_DESCRIPTION("vDPA devices as vhost character devices (/dev/vhost-vdpa-N)");
