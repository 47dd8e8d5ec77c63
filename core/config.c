// SPDX-License-Identifier: GPL-2.0-only
/*
 * Locked access to a vDPA device's configuration space, features, status
 * and reset. Every helper here serialises on &vdpa_device.cf_lock.
 */

#include <linux/module.h>
#include <linux/string.h>
#include <linux/vdpa.h>

#include "vdpa_core.h"

/* Whether [@offset, @offset + @len) lies inside the config space. */
static bool vdpa_config_range_ok(struct vdpa_device *vdev,
				 unsigned int offset, unsigned int len)
{
	size_t size = vdev->config->get_config_size(vdev);

	return offset <= size && len <= size - offset;
}

/**
 * vdpa_get_config() - read fields of the configuration space
 * @vdev: the device
 * @offset: byte offset of the first field
 * @buf: where to store the bytes
 * @len: number of bytes
 *
 * A read before the driver set its features is a legacy driver's: the
 * features are then set to 0 first, as the legacy interface implies. A
 * read past the end of the config space fills @buf with zeroes and warns
 * once.
 *
 * Context: process context; takes &vdpa_device.cf_lock.
 */
void vdpa_get_config(struct vdpa_device *vdev, unsigned int offset,
		     void *buf, unsigned int len)
{
	if (!vdpa_config_range_ok(vdev, offset, len)) {
		dev_warn_once(&vdev->dev, "config read of %u bytes at %u is out of range\n",
			      len, offset);
		memset(buf, 0, len);
		return;
	}

	down_read(&vdev->cf_lock);
	if (likely(vdev->features_valid)) {
		vdev->config->get_config(vdev, offset, buf, len);
		up_read(&vdev->cf_lock);
		return;
	}
	up_read(&vdev->cf_lock);

	/* Setting the features changes state: that needs the lock exclusive. */
	down_write(&vdev->cf_lock);
	if (!vdev->features_valid)
		vdpa_set_features_unlocked(vdev, 0);
	vdev->config->get_config(vdev, offset, buf, len);
	up_write(&vdev->cf_lock);
}
EXPORT_SYMBOL_GPL(vdpa_get_config);

/**
 * vdpa_set_config() - write fields of the configuration space
 * @vdev: the device
 * @offset: byte offset of the first field
 * @buf: the bytes to write
 * @length: number of bytes
 *
 * A write past the end of the config space is dropped with a warning
 * printed once.
 *
 * Context: process context; takes &vdpa_device.cf_lock.
 */
void vdpa_set_config(struct vdpa_device *vdev, unsigned int offset,
		     const void *buf, unsigned int length)
{
	if (!vdpa_config_range_ok(vdev, offset, length)) {
		dev_warn_once(&vdev->dev, "config write of %u bytes at %u is out of range\n",
			      length, offset);
		return;
	}

	down_write(&vdev->cf_lock);
	vdev->config->set_config(vdev, offset, buf, length);
	up_write(&vdev->cf_lock);
}
EXPORT_SYMBOL_GPL(vdpa_set_config);

/**
 * vdpa_set_status() - set the device status byte
 * @vdev: the device
 * @status: the new status
 *
 * Context: process context; takes &vdpa_device.cf_lock.
 */
void vdpa_set_status(struct vdpa_device *vdev, u8 status)
{
	down_write(&vdev->cf_lock);
	vdev->config->set_status(vdev, status);
	up_write(&vdev->cf_lock);
}
EXPORT_SYMBOL(vdpa_set_status);

/**
 * vdpa_set_features_unlocked() - set the driver features, lock already held
 * @vdev: the device
 * @features: the features the driver accepted
 *
 * Context: &vdpa_device.cf_lock held for writing.
 * Return: the parent's &vdpa_config_ops.set_driver_features result.
 */
int vdpa_set_features_unlocked(struct vdpa_device *vdev, u64 features)
{
	lockdep_assert_held_write(&vdev->cf_lock);
	vdev->features_valid = true;
	return vdev->config->set_driver_features(vdev, features);
}
EXPORT_SYMBOL_GPL(vdpa_set_features_unlocked);

/**
 * vdpa_set_features() - set the driver features
 * @vdev: the device
 * @features: the features the driver accepted
 *
 * Context: process context; takes &vdpa_device.cf_lock.
 * Return: the parent's &vdpa_config_ops.set_driver_features result.
 */
int vdpa_set_features(struct vdpa_device *vdev, u64 features)
{
	int ret;

	down_write(&vdev->cf_lock);
	ret = vdpa_set_features_unlocked(vdev, features);
	up_write(&vdev->cf_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vdpa_set_features);

/**
 * vdpa_reset() - reset a device
 * @vdev: the device
 * @flags: ``VDPA_RESET_F_*`` flags; non-zero flags select
 *         &vdpa_config_ops.compat_reset when the parent has it
 *
 * Forgets the negotiated features, so the next config read before
 * features are set is treated as a legacy one again.
 *
 * Context: process context; takes &vdpa_device.cf_lock.
 * Return: the parent's reset result.
 */
int vdpa_reset(struct vdpa_device *vdev, u32 flags)
{
	const struct vdpa_config_ops *ops = vdev->config;
	int ret;

	down_write(&vdev->cf_lock);
	vdev->features_valid = false;
	if (flags && ops->compat_reset)
		ret = ops->compat_reset(vdev, flags);
	else
		ret = ops->reset(vdev);
	up_write(&vdev->cf_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vdpa_reset);
