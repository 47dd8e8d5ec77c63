// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vdpa bus: device allocation, registration and driver binding.
 *
 * See <linux/vdpa.h> for the lifetime and locking rules this file
 * implements.
 */

#include <linux/dma-mapping.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vdpa.h>
#include <uapi/linux/vdpa.h>

#include "vdpa_core.h"

/* Hands out &vdpa_device.index; has its own internal locking. */
static DEFINE_IDA(vdpa_index_ida);

DEFINE_XARRAY(vdpa_devices);

static int vdpa_bus_match(struct device *dev, const struct device_driver *drv)
{
	int ret = device_match_driver_override(dev, drv);

	/* An override names the only driver allowed to bind ... */
	if (ret >= 0)
		return ret;
	/* ... otherwise every vDPA bus driver can drive every device. */
	return 1;
}

static int vdpa_bus_probe(struct device *dev)
{
	struct vdpa_device *vdev = dev_to_vdpa(dev);
	struct vdpa_driver *drv = drv_to_vdpa(dev->driver);
	const struct vdpa_config_ops *ops = vdev->config;
	u16 max = ops->get_vq_num_max(vdev);
	u16 min = ops->get_vq_num_min ? ops->get_vq_num_min(vdev) : 1;

	if (!max || max < min) {
		dev_err(dev, "parent reports invalid queue sizes (min %u, max %u)\n",
			min, max);
		return -EINVAL;
	}
	return drv->probe ? drv->probe(vdev) : 0;
}

static void vdpa_bus_remove(struct device *dev)
{
	struct vdpa_driver *drv = drv_to_vdpa(dev->driver);

	if (drv->remove)
		drv->remove(dev_to_vdpa(dev));
}

static int vdpa_bus_uevent(const struct device *dev, struct kobj_uevent_env *env)
{
	/* The parent's getters take a non-const device but do not modify it. */
	struct vdpa_device *vdev = dev_to_vdpa((struct device *)dev);
	const struct vdpa_config_ops *ops = vdev->config;
	int ret;

	ret = add_uevent_var(env, "VDPA_DEVICE_ID=%u", ops->get_device_id(vdev));
	if (ret)
		return ret;
	ret = add_uevent_var(env, "VDPA_VENDOR_ID=0x%08x", ops->get_vendor_id(vdev));
	if (ret)
		return ret;
	if (vdev->mdev)
		ret = add_uevent_var(env, "VDPA_MGMTDEV=%s/%s",
				     vdev->mdev->device->bus ?
				     vdev->mdev->device->bus->name : "",
				     dev_name(vdev->mdev->device));
	return ret;
}

const struct bus_type vdpa_bus = {
	.name = "vdpa",
	.driver_override = true,
	.match = vdpa_bus_match,
	.probe = vdpa_bus_probe,
	.remove = vdpa_bus_remove,
	.uevent = vdpa_bus_uevent,
};

static void vdpa_release_dev(struct device *dev)
{
	struct vdpa_device *vdev = dev_to_vdpa(dev);

	if (vdev->config->free)
		vdev->config->free(vdev);
	ida_free(&vdpa_index_ida, vdev->index);
	kfree(vdev);
}

#define VDPA_OP(op) { offsetof(struct vdpa_config_ops, op), #op }

/* The operations the core and the bus drivers call unconditionally. */
static const struct {
	size_t offset;
	const char *name;
} vdpa_mandatory_ops[] = {
	VDPA_OP(set_vq_address),
	VDPA_OP(set_vq_num),
	VDPA_OP(kick_vq),
	VDPA_OP(set_vq_cb),
	VDPA_OP(set_vq_ready),
	VDPA_OP(get_vq_ready),
	VDPA_OP(set_vq_state),
	VDPA_OP(get_vq_state),
	VDPA_OP(get_vq_align),
	VDPA_OP(get_device_features),
	VDPA_OP(set_driver_features),
	VDPA_OP(get_driver_features),
	VDPA_OP(set_config_cb),
	VDPA_OP(get_vq_num_max),
	VDPA_OP(get_device_id),
	VDPA_OP(get_vendor_id),
	VDPA_OP(get_status),
	VDPA_OP(set_status),
	VDPA_OP(reset),
	VDPA_OP(get_config_size),
	VDPA_OP(get_config),
	VDPA_OP(set_config),
};

static bool vdpa_op_present(const struct vdpa_config_ops *ops, size_t offset)
{
	const void * const *slot = (const void *)((const u8 *)ops + offset);

	return *slot;
}

/**
 * vdpa_check_ops() - check an ops table and its group/AS counts
 * @ops: the ops table
 * @ngroups: number of virtqueue groups
 * @nas: number of address spaces
 * @use_va: whether the parent translates virtual addresses
 *
 * Return: NULL when the combination is valid, else a message naming the
 * first problem found.
 */
VISIBLE_IF_KUNIT const char *vdpa_check_ops(const struct vdpa_config_ops *ops,
					    unsigned int ngroups,
					    unsigned int nas, bool use_va)
{
	unsigned int i;

	if (!ops)
		return "no config ops";
	for (i = 0; i < ARRAY_SIZE(vdpa_mandatory_ops); i++)
		if (!vdpa_op_present(ops, vdpa_mandatory_ops[i].offset))
			return vdpa_mandatory_ops[i].name;
	if (!ops->dma_map != !ops->dma_unmap)
		return "dma_map and dma_unmap must come together";
	if (use_va && !ops->dma_map && !ops->set_map)
		return "use_va needs dma_map or set_map";
	if (!ngroups || !nas)
		return "ngroups and nas must be at least 1";
	if (ngroups > 1 && !ops->get_vq_group)
		return "more than one group needs get_vq_group";
	if (nas > 1 && !ops->set_group_asid)
		return "more than one address space needs set_group_asid";
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vdpa_check_ops);

/**
 * vdpa_name_valid() - whether a name is acceptable for a vDPA device
 * @name: the proposed name, or NULL for the default "vdpa<index>"
 *
 * The one rule for device names, applied both to parents allocating a
 * device and to VDPA_CMD_DEV_NEW: the name is the device's entry under
 * /sys/bus/vdpa/devices, so it must not be empty or contain '/'.
 *
 * Return: true when @name is NULL or a non-empty string without '/'.
 */
bool vdpa_name_valid(const char *name)
{
	return !name || (*name && !strchr(name, '/'));
}

/**
 * __vdpa_alloc_device() - allocate a vDPA device embedded in a parent structure
 * @parent: the parent device, or NULL
 * @config: the parent's operations
 * @ngroups: number of virtqueue groups (at least 1)
 * @nas: number of address spaces (at least 1)
 * @size: size of the parent structure, whose first member is the device
 * @name: the device name, or NULL for "vdpa<index>"
 * @use_va: whether the parent translates virtual addresses
 *
 * Parents use vdpa_alloc_device(), which computes @size and checks the
 * layout at build time. The device comes back initialised (one reference,
 * a 64-bit DMA mask, not yet visible anywhere); see "Device lifetime" in
 * <linux/vdpa.h> for how to undo it.
 *
 * Return: the device, or ERR_PTR(-EINVAL) when @config lacks a mandatory
 * operation, has inconsistent operations, or @ngroups, @nas, @size or
 * @name are invalid (the reason is logged); ERR_PTR(-ENOMEM) when out of
 * memory or indices. Nothing is allocated on failure.
 */
struct vdpa_device *__vdpa_alloc_device(struct device *parent,
					const struct vdpa_config_ops *config,
					unsigned int ngroups, unsigned int nas,
					size_t size, const char *name,
					bool use_va)
{
	const char *why = vdpa_check_ops(config, ngroups, nas, use_va);
	struct vdpa_device *vdev;
	int err;

	if (!why && size < sizeof(*vdev))
		why = "size smaller than struct vdpa_device";
	if (!why && !vdpa_name_valid(name))
		why = "name empty or containing '/'";
	if (why) {
		pr_err("vdpa: refusing device of %s: %s\n",
		       parent ? dev_name(parent) : "(no parent)", why);
		return ERR_PTR(-EINVAL);
	}

	vdev = kzalloc(size, GFP_KERNEL);
	if (!vdev)
		return ERR_PTR(-ENOMEM);

	err = ida_alloc(&vdpa_index_ida, GFP_KERNEL);
	if (err < 0)
		goto err_free;
	vdev->index = err;

	if (name)
		err = dev_set_name(&vdev->dev, "%s", name);
	else
		err = dev_set_name(&vdev->dev, "vdpa%u", vdev->index);
	if (err)
		goto err_ida;

	vdev->config = config;
	vdev->use_va = use_va;
	vdev->ngroups = ngroups;
	vdev->nas = nas;
	init_rwsem(&vdev->cf_lock);
	vdev->dev.bus = &vdpa_bus;
	vdev->dev.parent = parent;
	vdev->dev.release = vdpa_release_dev;
	vdev->dev.coherent_dma_mask = DMA_BIT_MASK(64);
	vdev->dev.dma_mask = &vdev->dev.coherent_dma_mask;
	/* From here on the release function owns every allocation above. */
	device_initialize(&vdev->dev);
	return vdev;

err_ida:
	ida_free(&vdpa_index_ida, vdev->index);
err_free:
	kfree(vdev);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(__vdpa_alloc_device);

static int vdpa_publish(struct vdpa_device *vdev, u32 nvqs)
{
	struct device *dup;
	int err;

	lockdep_assert_held_write(&vdpa_mgmt_lock);

	if (device_is_registered(&vdev->dev)) {
		dev_err(&vdev->dev, "registered twice\n");
		return -EBUSY;
	}
	if (!nvqs) {
		dev_err(&vdev->dev, "cannot register a device without virtqueues\n");
		return -EINVAL;
	}
	dup = bus_find_device_by_name(&vdpa_bus, NULL, dev_name(&vdev->dev));
	if (dup) {
		put_device(dup);
		return -EEXIST;
	}

	vdev->nvqs = nvqs;
	if (!vdev->dma_dev)
		vdev->dma_dev = vdev->dev.parent;
	err = xa_insert(&vdpa_devices, vdev->index, vdev, GFP_KERNEL);
	if (err)
		return err;
	/* Publish last: device_add() makes the device visible and bindable. */
	err = device_add(&vdev->dev);
	if (err) {
		xa_erase(&vdpa_devices, vdev->index);
		return err;
	}
	vdpa_nl_notify(vdev, VDPA_CMD_DEV_NEW);
	return 0;
}

/* Unpublish first: announce and hide the device, then tear it down. */
static void vdpa_unpublish(struct vdpa_device *vdev)
{
	lockdep_assert_held_write(&vdpa_mgmt_lock);
	vdpa_nl_notify(vdev, VDPA_CMD_DEV_DEL);
	xa_erase(&vdpa_devices, vdev->index);
	device_unregister(&vdev->dev);
}

/**
 * _vdpa_register_device() - register a device from a management device
 * @vdev: the device, allocated by vdpa_alloc_device(), with &vdpa_device.mdev
 *        set
 * @nvqs: number of virtqueues (at least 1)
 *
 * For &vdpa_mgmtdev_ops.dev_add, which runs with the management lock held.
 * On failure the caller still owns its reference (see "Device lifetime").
 *
 * Return: 0; -EINVAL without &vdpa_device.mdev or virtqueues; -EEXIST when
 * the name is taken; -EBUSY when already registered; or device_add()'s
 * error.
 */
int _vdpa_register_device(struct vdpa_device *vdev, u32 nvqs)
{
	if (!vdev->mdev) {
		dev_err(&vdev->dev, "%s() without a management device\n", __func__);
		return -EINVAL;
	}
	return vdpa_publish(vdev, nvqs);
}
EXPORT_SYMBOL_GPL(_vdpa_register_device);

/**
 * vdpa_register_device() - register a device
 * @vdev: the device, allocated by vdpa_alloc_device()
 * @nvqs: number of virtqueues (at least 1)
 *
 * Takes the management lock; must not be called from
 * &vdpa_mgmtdev_ops.dev_add (use _vdpa_register_device() there). On
 * failure the caller still owns its reference (see "Device lifetime").
 *
 * Return: 0; -EINVAL without virtqueues; -EEXIST when the name is taken;
 * -EBUSY when already registered; or device_add()'s error.
 */
int vdpa_register_device(struct vdpa_device *vdev, u32 nvqs)
{
	int ret;

	down_write(&vdpa_mgmt_lock);
	ret = vdpa_publish(vdev, nvqs);
	up_write(&vdpa_mgmt_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vdpa_register_device);

/**
 * _vdpa_unregister_device() - unregister a device from a management device
 * @vdev: the device
 *
 * For &vdpa_mgmtdev_ops.dev_del, which runs with the management lock held.
 * Unbinds the driver, unpublishes the device and drops the registration
 * reference.
 */
void _vdpa_unregister_device(struct vdpa_device *vdev)
{
	lockdep_assert_held_write(&vdpa_mgmt_lock);
	if (!vdev->mdev)
		dev_err(&vdev->dev, "%s() without a management device\n",
			__func__);
	vdpa_unpublish(vdev);
}
EXPORT_SYMBOL_GPL(_vdpa_unregister_device);

/**
 * vdpa_unregister_device() - unregister a device
 * @vdev: the device
 *
 * Takes the management lock; must not be called from
 * &vdpa_mgmtdev_ops.dev_del (use _vdpa_unregister_device() there).
 * Unbinds the driver, unpublishes the device and drops the registration
 * reference.
 */
void vdpa_unregister_device(struct vdpa_device *vdev)
{
	down_write(&vdpa_mgmt_lock);
	vdpa_unpublish(vdev);
	up_write(&vdpa_mgmt_lock);
}
EXPORT_SYMBOL_GPL(vdpa_unregister_device);

/**
 * __vdpa_register_driver() - register a vDPA bus driver
 * @drv: the driver, with &vdpa_driver.driver.name set
 * @owner: the module that owns @drv
 *
 * Drivers use vdpa_register_driver(), which passes THIS_MODULE.
 *
 * Return: 0; -EINVAL without a name; or driver_register()'s error.
 */
int __vdpa_register_driver(struct vdpa_driver *drv, struct module *owner)
{
	if (!drv->driver.name) {
		pr_err("vdpa: refusing a driver without a name\n");
		return -EINVAL;
	}
	drv->driver.bus = &vdpa_bus;
	drv->driver.owner = owner;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL_GPL(__vdpa_register_driver);

/**
 * vdpa_unregister_driver() - unregister a vDPA bus driver
 * @drv: the driver; it is unbound from every device first
 */
void vdpa_unregister_driver(struct vdpa_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL_GPL(vdpa_unregister_driver);
