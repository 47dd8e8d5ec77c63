// SPDX-License-Identifier: GPL-2.0-only
/*
 * The registry of management devices: the parents that create vDPA
 * devices on request ("vdpa dev add") rather than on their own.
 */

#include <linux/list.h>
#include <linux/module.h>
#include <linux/vdpa.h>

#include "vdpa_core.h"

struct rw_semaphore vdpa_mgmt_lock = __RWSEM_INITIALIZER(vdpa_mgmt_lock);
EXPORT_SYMBOL_IF_KUNIT(vdpa_mgmt_lock);
LIST_HEAD(vdpa_mgmt_list);

/* Whether @mdev, or with @same_device another one for its device, is listed. */
static bool vdpa_mgmtdev_listed(const struct vdpa_mgmt_dev *mdev,
				bool same_device)
{
	const struct vdpa_mgmt_dev *pos;

	lockdep_assert_held(&vdpa_mgmt_lock);
	list_for_each_entry(pos, &vdpa_mgmt_list, list)
		if (pos == mdev || (same_device && pos->device == mdev->device))
			return true;
	return false;
}

/**
 * vdpa_mgmtdev_register() - register a management device
 * @mdev: the management device, with &vdpa_mgmt_dev.device and the
 *        &vdpa_mgmtdev_ops.dev_add and &vdpa_mgmtdev_ops.dev_del
 *        operations set
 *
 * Return: 0; -EINVAL when a required field is missing; -EEXIST when
 * @mdev, or another management device for the same device, is already
 * registered.
 */
int vdpa_mgmtdev_register(struct vdpa_mgmt_dev *mdev)
{
	int ret = 0;

	if (!mdev->device || !mdev->ops || !mdev->ops->dev_add ||
	    !mdev->ops->dev_del) {
		pr_err("vdpa: refusing a management device without device, dev_add or dev_del\n");
		return -EINVAL;
	}

	down_write(&vdpa_mgmt_lock);
	if (vdpa_mgmtdev_listed(mdev, true))
		ret = -EEXIST;
	else
		list_add_tail(&mdev->list, &vdpa_mgmt_list);
	up_write(&vdpa_mgmt_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vdpa_mgmtdev_register);

static int vdpa_mgmtdev_del_child(struct device *dev, void *data)
{
	struct vdpa_device *vdev = dev_to_vdpa(dev);
	struct vdpa_mgmt_dev *mdev = data;

	if (vdev->mdev == mdev)
		mdev->ops->dev_del(mdev, vdev);
	return 0;
}

/**
 * vdpa_mgmtdev_unregister() - unregister a management device
 * @mdev: a registered management device
 *
 * Unpublishes @mdev first, so no new device can be created through it,
 * then deletes every device it created through &vdpa_mgmtdev_ops.dev_del.
 * On return no device of @mdev is left on the bus. A management device
 * that is not registered is reported and left alone.
 */
void vdpa_mgmtdev_unregister(struct vdpa_mgmt_dev *mdev)
{
	down_write(&vdpa_mgmt_lock);
	if (!vdpa_mgmtdev_listed(mdev, false)) {
		up_write(&vdpa_mgmt_lock);
		pr_err("vdpa: unregistering a management device that is not registered\n");
		return;
	}
	list_del_init(&mdev->list);
	/* The bus iterator holds a reference on the device it visits. */
	bus_for_each_dev(&vdpa_bus, NULL, mdev, vdpa_mgmtdev_del_child);
	up_write(&vdpa_mgmt_lock);
}
EXPORT_SYMBOL_GPL(vdpa_mgmtdev_unregister);
