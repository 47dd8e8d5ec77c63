// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_sf: an active SF. Activation publishes an auxiliary device; the
 * glue's auxiliary driver binds it and registers the SF's management
 * device, whose dev_add and dev_del call the PF driver.
 */
#include <linux/slab.h>

#include <uapi/linux/vdpa.h>

#include "sf.h"

static struct vdpa_sf *mdev_to_sf(struct vdpa_mgmt_dev *mdev)
{
	return container_of(mdev, struct vdpa_sf_aux, mdev)->sf;
}

/* The port function's MAC is the network device's; called with the lock. */
static int vdpa_sf_mac_config(struct vdpa_sf *sf, struct vdpa_dev_set_config *cfg)
{
	u64 bit = BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR);

	lockdep_assert_held(&sf->table->lock);
	if (is_zero_ether_addr(sf->hw_addr) ||
	    !(sf->caps.config_attr_mask & bit))
		return 0;
	if (!(cfg->mask & bit)) {
		ether_addr_copy(cfg->net.mac, sf->hw_addr);
		cfg->mask |= bit;
		return 0;
	}
	if (ether_addr_equal(cfg->net.mac, sf->hw_addr))
		return 0;
	NL_SET_ERR_MSG_FMT_MOD(cfg->extack, "mac %pM is not the port function's %pM",
			       cfg->net.mac, sf->hw_addr);
	return -EINVAL;
}

static void vdpa_sf_uncharge(struct vdpa_sf *sf)
{
	lockdep_assert_held(&sf->table->lock);
	sf->table->vqs_used -= sf->charged;
	sf->charged = 0;
}

static int vdpa_sf_dev_add(struct vdpa_mgmt_dev *mdev, const char *name,
			   const struct vdpa_dev_set_config *config)
{
	struct vdpa_sf *sf = mdev_to_sf(mdev);
	struct vdpa_sf_table *table = sf->table;
	struct vdpa_dev_set_config cfg = *config;
	struct vdpa_device *vdev;
	int err = 0;

	mutex_lock(&table->lock);
	if (sf->vdev || sf->adding) {
		NL_SET_ERR_MSG_FMT_MOD(cfg.extack, "sub-function %u has a vDPA device already",
				       sf->sfnum);
		err = -EEXIST;
	} else {
		err = vdpa_sf_mac_config(sf, &cfg);
		sf->adding = !err;
	}
	mutex_unlock(&table->lock);
	if (err)
		return err;

	vdev = table->cfg.ops->dev_add(sf, mdev, name, &cfg);
	/* Deleting the management device must find it: it must be ours. */
	if (!IS_ERR(vdev) && WARN_ON_ONCE(vdev->mdev != mdev)) {
		table->cfg.ops->dev_del(sf, vdev);
		vdev = ERR_PTR(-EINVAL);
	}
	mutex_lock(&table->lock);
	sf->adding = false;
	if (IS_ERR(vdev))
		vdpa_sf_uncharge(sf);
	else
		sf->vdev = vdev;
	mutex_unlock(&table->lock);
	return PTR_ERR_OR_ZERO(vdev);
}

static void vdpa_sf_dev_del(struct vdpa_mgmt_dev *mdev, struct vdpa_device *dev)
{
	struct vdpa_sf *sf = mdev_to_sf(mdev);

	sf->table->cfg.ops->dev_del(sf, dev);
	mutex_lock(&sf->table->lock);
	if (sf->vdev == dev) {
		sf->vdev = NULL;
		vdpa_sf_uncharge(sf);
	}
	mutex_unlock(&sf->table->lock);
}

static const struct vdpa_mgmtdev_ops vdpa_sf_mgmt_ops = {
	.dev_add = vdpa_sf_dev_add,
	.dev_del = vdpa_sf_dev_del,
};

/**
 * vdpa_sf_charge_vqs() - charge a new device's virtqueues to the PF
 * @sf: the SF whose &vdpa_sf_ops.dev_add is running
 * @nvqs: the device's virtqueues
 * @extack: where to explain a refusal
 *
 * Call from &vdpa_sf_ops.dev_add before registering the device. The charge
 * is returned when the device is deleted, or when dev_add fails.
 *
 * Return: 0, -ENOSPC if the device has more virtqueues than the SF offers
 * (&vdpa_sf_caps.max_vqs) or than the PF has left (&vdpa_sf_table_cfg.max_vqs),
 * -EINVAL if no dev_add of @sf is running.
 */
int vdpa_sf_charge_vqs(struct vdpa_sf *sf, u32 nvqs,
		       struct netlink_ext_ack *extack)
{
	struct vdpa_sf_table *table = sf->table;
	u32 max = table->cfg.max_vqs;
	int err = 0;

	mutex_lock(&table->lock);
	if (WARN_ON_ONCE(!sf->adding)) {
		err = -EINVAL;
	} else if (nvqs > sf->caps.max_vqs - sf->charged) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "the device needs %u virtqueues, the SF has %u",
				       nvqs, sf->caps.max_vqs);
		err = -ENOSPC;
	} else if (max && nvqs > max - table->vqs_used) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "%u of the PF's %u virtqueues left, the device needs %u",
				       max - table->vqs_used, max, nvqs);
		err = -ENOSPC;
	} else {
		table->vqs_used += nvqs;
		sf->charged += nvqs;
	}
	mutex_unlock(&table->lock);
	return err;
}
EXPORT_SYMBOL_GPL(vdpa_sf_charge_vqs);

/* The SF's number, so that an operator finds the auxiliary device of a port. */
static ssize_t sfnum_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct vdpa_sf_aux *aux = container_of(dev, struct vdpa_sf_aux, adev.dev);

	return sysfs_emit(buf, "%u\n", aux->sf->sfnum);
}
static DEVICE_ATTR_RO(sfnum);

static struct attribute *vdpa_sf_aux_attrs[] = {
	&dev_attr_sfnum.attr,
	NULL
};
ATTRIBUTE_GROUPS(vdpa_sf_aux);

static void vdpa_sf_aux_release(struct device *dev)
{
	kfree(container_of(dev, struct vdpa_sf_aux, adev.dev));
}

static struct vdpa_sf_aux *vdpa_sf_aux_alloc(struct vdpa_sf *sf)
{
	struct vdpa_sf_aux *aux = kzalloc(sizeof(*aux), GFP_KERNEL);

	if (!aux)
		return NULL;
	aux->sf = sf;
	aux->adev.name = VDPA_SF_AUX_NAME;
	aux->adev.id = sf->id;
	aux->adev.dev.parent = devlink_to_dev(sf->table->devlink);
	aux->adev.dev.release = vdpa_sf_aux_release;
	aux->adev.dev.groups = vdpa_sf_aux_groups;
	aux->mdev.device = &aux->adev.dev;
	aux->mdev.ops = &vdpa_sf_mgmt_ops;
	aux->mdev.id_table = sf->caps.id_table;
	aux->mdev.config_attr_mask = sf->caps.config_attr_mask;
	aux->mdev.supported_features = sf->caps.supported_features;
	aux->mdev.max_supported_vqs = sf->caps.max_vqs;
	return aux;
}

/* Publish the auxiliary device, the last step of activation. */
static int vdpa_sf_aux_add(struct vdpa_sf *sf)
{
	struct vdpa_sf_aux *aux = vdpa_sf_aux_alloc(sf);
	int err;

	if (!aux)
		return -ENOMEM;
	err = auxiliary_device_init(&aux->adev);
	if (err) {
		kfree(aux);
		return err;
	}
	mutex_lock(&sf->table->lock);
	sf->aux = aux;
	mutex_unlock(&sf->table->lock);
	err = auxiliary_device_add(&aux->adev);
	if (err) {
		mutex_lock(&sf->table->lock);
		sf->aux = NULL;
		mutex_unlock(&sf->table->lock);
		auxiliary_device_uninit(&aux->adev);
	}
	return err;
}

/**
 * vdpa_sf_publish() - activate an SF: ask the PF, then publish it
 * @sf: an inactive SF
 * @extack: where to explain a refusal
 *
 * Called with the devlink instance lock held.
 *
 * Return: 0, the PF driver's error, -EINVAL if it offered no class, or
 * the auxiliary bus's error.
 */
int vdpa_sf_publish(struct vdpa_sf *sf, struct netlink_ext_ack *extack)
{
	const struct vdpa_sf_ops *ops = sf->table->cfg.ops;
	struct vdpa_sf_caps caps = {};
	int err;

	devl_assert_locked(sf->table->devlink);
	err = ops->activate(sf, &caps, extack);
	if (err)
		return err;
	if (!caps.id_table || !caps.max_vqs) {
		NL_SET_ERR_MSG_MOD(extack, "the PF driver offered no device class");
		err = -EINVAL;
		goto err_deactivate;
	}
	sf->caps = caps;
	err = vdpa_sf_aux_add(sf);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "could not add the auxiliary device");
		goto err_deactivate;
	}
	return 0;

err_deactivate:
	if (ops->deactivate)
		ops->deactivate(sf);
	return err;
}

/**
 * vdpa_sf_unpublish() - deactivate an SF (nothing if it is inactive)
 * @sf: the SF
 *
 * Unpublishes the auxiliary device first: the glue's driver unbinds and
 * unregisters the management device, which deletes the SF's vDPA device
 * (its bus driver first). Then the PF releases the SF. Called with the
 * devlink instance lock held.
 */
void vdpa_sf_unpublish(struct vdpa_sf *sf)
{
	const struct vdpa_sf_ops *ops = sf->table->cfg.ops;
	struct vdpa_sf_aux *aux;

	devl_assert_locked(sf->table->devlink);
	mutex_lock(&sf->table->lock);
	aux = sf->aux;
	sf->aux = NULL;
	mutex_unlock(&sf->table->lock);
	if (!aux)
		return;
	auxiliary_device_delete(&aux->adev);
	auxiliary_device_uninit(&aux->adev);
	if (ops->deactivate)
		ops->deactivate(sf);
}

static int vdpa_sf_aux_probe(struct auxiliary_device *adev,
			     const struct auxiliary_device_id *id)
{
	struct vdpa_sf_aux *aux = container_of(adev, struct vdpa_sf_aux, adev);
	int err;

	err = vdpa_mgmtdev_register(&aux->mdev);
	if (err)
		return err;
	mutex_lock(&aux->sf->table->lock);
	aux->sf->attached = true;
	mutex_unlock(&aux->sf->table->lock);
	return 0;
}

static void vdpa_sf_aux_remove(struct auxiliary_device *adev)
{
	struct vdpa_sf_aux *aux = container_of(adev, struct vdpa_sf_aux, adev);

	mutex_lock(&aux->sf->table->lock);
	aux->sf->attached = false;
	mutex_unlock(&aux->sf->table->lock);
	vdpa_mgmtdev_unregister(&aux->mdev);
}

static const struct auxiliary_device_id vdpa_sf_aux_ids[] = {
	{ .name = KBUILD_MODNAME "." VDPA_SF_AUX_NAME },
	{ }
};
MODULE_DEVICE_TABLE(auxiliary, vdpa_sf_aux_ids);

struct auxiliary_driver vdpa_sf_aux_driver = {
	.name = VDPA_SF_AUX_NAME,
	.probe = vdpa_sf_aux_probe,
	.remove = vdpa_sf_aux_remove,
	.id_table = vdpa_sf_aux_ids,
};
