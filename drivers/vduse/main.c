// SPDX-License-Identifier: GPL-2.0-only
/*
 * vduse.ko: vDPA devices whose datapath is a userspace daemon. This file
 * holds the module's life: the "vduse" class, its character devices
 * (/dev/vduse/control and /dev/vduse/<name>) and the management device.
 */

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "internal.h"

/**
 * DOC: locking
 *
 * ``vduse_lock`` (global mutex) protects the device table (``vduse_idr``)
 * and serialises creation, destruction, opening and attaching of vDPA
 * devices; nothing is copied from or to userspace while it is held, and
 * it is not held while a vDPA device is removed (``vdpa dev del`` may
 * wait for userspace: a VMM closing /dev/vhost-vdpa-N, a daemon answering
 * the I/O virtio_blk waits for). The VDUSE device outlives its vDPA
 * device instead: &vduse_dev.vdpa_held keeps VDUSE_DESTROY_DEV away until
 * the vDPA device's release, whose last access to the device is clearing
 * it under &vduse_dev.msg_lock.
 * Per device, &vduse_dev.lock (mutex) protects what the driver set up
 * (queue addresses, sizes, readiness, status, features) and the domain;
 * it is never held while waiting for the daemon. Spinlocks, never held
 * across a user copy: &vduse_dev.msg_lock (the request lists, the
 * daemon's and the vDPA device's presence),
 * &vduse_dev.config_lock (the config space), &vduse_dev.config_cb_lock and
 * &vduse_vq.irq_lock (interrupt callbacks, irqsave, held while a callback
 * runs so that it cannot be changed under it), &vduse_vq.kick_lock (the
 * kick eventfd, irqsave: kicks come from any context).
 */

DEFINE_MUTEX(vduse_lock);	/* see DOC: locking above */
DEFINE_IDR(vduse_idr);
dev_t vduse_devt;
static struct cdev vduse_control_cdev;
static struct cdev vduse_dev_cdev;
static struct device *vduse_control_dev;

static char *vduse_devnode(const struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "vduse/%s", dev_name(dev));
}

const struct class vduse_class = {
	.name = "vduse",
	.devnode = vduse_devnode,
};

/**
 * vduse_find_dev() - look a device up by name
 * @name: its name
 *
 * Context: with vduse_lock held.
 * Return: the device or NULL.
 */
struct vduse_dev *vduse_find_dev(const char *name)
{
	struct vduse_dev *dev;
	int id;

	lockdep_assert_held(&vduse_lock);
	idr_for_each_entry(&vduse_idr, dev, id)
		if (!strcmp(dev->name, name))
			return dev;
	return NULL;
}

static int vduse_cdevs_add(void)
{
	int err;

	cdev_init(&vduse_control_cdev, &vduse_control_fops);
	vduse_control_cdev.owner = THIS_MODULE;
	err = cdev_add(&vduse_control_cdev, vduse_devt, 1);
	if (err)
		return err;
	cdev_init(&vduse_dev_cdev, &vduse_dev_fops);
	vduse_dev_cdev.owner = THIS_MODULE;
	err = cdev_add(&vduse_dev_cdev, vduse_devt + 1, VDUSE_MINORS - 1);
	if (err)
		cdev_del(&vduse_control_cdev);
	return err;
}

static void vduse_cdevs_del(void)
{
	cdev_del(&vduse_dev_cdev);
	cdev_del(&vduse_control_cdev);
}

static int __init vduse_init(void)
{
	int err;

	err = class_register(&vduse_class);
	if (err)
		return err;
	err = alloc_chrdev_region(&vduse_devt, 0, VDUSE_MINORS, "vduse");
	if (err)
		goto err_class;
	err = vduse_cdevs_add();
	if (err)
		goto err_region;
	vduse_control_dev = device_create(&vduse_class, NULL, vduse_devt,
					  NULL, "control");
	if (IS_ERR(vduse_control_dev)) {
		err = PTR_ERR(vduse_control_dev);
		goto err_cdevs;
	}
	err = vduse_mgmt_init();
	if (err)
		goto err_control;
	return 0;

err_control:
	device_destroy(&vduse_class, vduse_devt);
err_cdevs:
	vduse_cdevs_del();
err_region:
	unregister_chrdev_region(vduse_devt, VDUSE_MINORS);
err_class:
	class_unregister(&vduse_class);
	return err;
}

/*
 * Unloading is possible only while no device file is open (open files,
 * the domain's file included, pin the module); any vDPA device left is
 * removed with the management device, whose exit waits until every one
 * was released (someone may still hold a reference after the removal),
 * then every VDUSE device is destroyed.
 */
static void __exit vduse_exit(void)
{
	vduse_mgmt_exit();
	device_destroy(&vduse_class, vduse_devt);
	vduse_destroy_all();
	vduse_cdevs_del();
	unregister_chrdev_region(vduse_devt, VDUSE_MINORS);
	class_unregister(&vduse_class);
	idr_destroy(&vduse_idr);
}

module_init(vduse_init);
module_exit(vduse_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vDPA Device in Userspace (VDUSE)");
MODULE_VERSION(VDPA_OOT_VERSION);
