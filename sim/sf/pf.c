// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_sim_sf: the PF of an adapter, a devlink instance ``vdpasim/adapterN``
 * with SF ports (through vdpa_sf.ko) whose vDPA devices are simulator
 * devices. Two runtime devlink parameters choose what an SF activated
 * next offers:
 *
 *   sf_class    "net" (default) or "block"
 *   sf_max_vqs  virtqueues of its device (default 5: two queue pairs and a
 *               control queue for net)
 *
 * The SF's network device takes the port function's MAC; every device's
 * virtqueues are charged to the adapter's MAX_VQS.
 */
#include <linux/debugfs.h>
#include <uapi/linux/virtio_ids.h>
#include <vdpa_sim/sim.h>

#include "sf.h"

#define VSF_DEFAULT_SF_VQS	5

enum {
	VSF_PARAM_SF_CLASS = DEVLINK_PARAM_GENERIC_ID_MAX + 1,
	VSF_PARAM_SF_MAX_VQS,
};

static const struct vdpa_mgmt_dev *vsf_class_mgmtdev(u32 class)
{
	return class == VIRTIO_ID_BLOCK ? vdpasim_blk_mgmtdev() :
					  vdpasim_net_mgmtdev();
}

static int vsf_activate(struct vdpa_sf *sf, struct vdpa_sf_caps *caps,
			struct netlink_ext_ack *extack)
{
	struct vsf_pf *pf = vdpa_sf_table_priv(vdpa_sf_table(sf));
	const struct vdpa_mgmt_dev *m = vsf_class_mgmtdev(pf->sf_class);

	caps->id_table = m->id_table;
	caps->supported_features = m->supported_features;
	caps->config_attr_mask = m->config_attr_mask;
	caps->max_vqs = min(pf->sf_max_vqs, m->max_supported_vqs);
	return 0;
}

static struct vdpa_device *vsf_dev_add(struct vdpa_sf *sf,
				       struct vdpa_mgmt_dev *mdev,
				       const char *name,
				       const struct vdpa_dev_set_config *config)
{
	struct vsf_pf *pf = vdpa_sf_table_priv(vdpa_sf_table(sf));
	struct vdpasim *vs;
	int err;

	if (mdev->id_table[0].device == VIRTIO_ID_BLOCK)
		vs = vdpasim_blk_create(mdev, name, config, pf->debugfs);
	else
		vs = vdpasim_net_create(mdev, name, config, pf->debugfs);
	if (IS_ERR(vs))
		return ERR_CAST(vs);
	err = vdpa_sf_charge_vqs(sf, vs->attr.nvqs, config->extack);
	if (err) {
		put_device(&vs->vdpa.dev);
		return ERR_PTR(err);
	}
	err = vdpasim_register(vs);
	return err ? ERR_PTR(err) : &vs->vdpa;
}

static void vsf_dev_del(struct vdpa_sf *sf, struct vdpa_device *dev)
{
	vdpasim_unregister(vdpa_to_sim(dev));
}

static const struct vdpa_sf_ops vsf_sf_ops = {
	.activate = vsf_activate,
	.dev_add = vsf_dev_add,
	.dev_del = vsf_dev_del,
};

static int vsf_port_new(struct devlink *devlink,
			const struct devlink_port_new_attrs *attrs,
			struct netlink_ext_ack *extack,
			struct devlink_port **port)
{
	struct vsf_pf *pf = devlink_priv(devlink);

	return vdpa_sf_port_new(pf->table, attrs, extack, port);
}

static const struct devlink_ops vsf_devlink_ops = {
	.port_new = vsf_port_new,
};

/* --- devlink parameters (called with the devlink lock held) --- */

static int vsf_param_get(struct devlink *devlink, u32 id,
			 struct devlink_param_gset_ctx *ctx)
{
	struct vsf_pf *pf = devlink_priv(devlink);

	if (id == VSF_PARAM_SF_MAX_VQS)
		ctx->val.vu32 = pf->sf_max_vqs;
	else
		strscpy(ctx->val.vstr, pf->sf_class == VIRTIO_ID_BLOCK ?
			"block" : "net");
	return 0;
}

static int vsf_param_set(struct devlink *devlink, u32 id,
			 struct devlink_param_gset_ctx *ctx,
			 struct netlink_ext_ack *extack)
{
	struct vsf_pf *pf = devlink_priv(devlink);

	if (id == VSF_PARAM_SF_MAX_VQS)
		pf->sf_max_vqs = ctx->val.vu32;
	else
		pf->sf_class = strcmp(ctx->val.vstr, "block") ?
			       VIRTIO_ID_NET : VIRTIO_ID_BLOCK;
	return 0;
}

static int vsf_class_validate(struct devlink *devlink, u32 id,
			      union devlink_param_value val,
			      struct netlink_ext_ack *extack)
{
	if (!strcmp(val.vstr, "net") || !strcmp(val.vstr, "block"))
		return 0;
	NL_SET_ERR_MSG_MOD(extack, "sf_class is \"net\" or \"block\"");
	return -EINVAL;
}

static int vsf_vqs_validate(struct devlink *devlink, u32 id,
			    union devlink_param_value val,
			    struct netlink_ext_ack *extack)
{
	if (val.vu32 >= 1 && val.vu32 <= VSF_MAX_VQS)
		return 0;
	NL_SET_ERR_MSG_FMT_MOD(extack, "sf_max_vqs is 1..%u", VSF_MAX_VQS);
	return -EINVAL;
}

static const struct devlink_param vsf_params[] = {
	DEVLINK_PARAM_DRIVER(VSF_PARAM_SF_CLASS, "sf_class",
			     DEVLINK_PARAM_TYPE_STRING,
			     BIT(DEVLINK_PARAM_CMODE_RUNTIME), vsf_param_get,
			     vsf_param_set, vsf_class_validate),
	DEVLINK_PARAM_DRIVER(VSF_PARAM_SF_MAX_VQS, "sf_max_vqs",
			     DEVLINK_PARAM_TYPE_U32,
			     BIT(DEVLINK_PARAM_CMODE_RUNTIME), vsf_param_get,
			     vsf_param_set, vsf_vqs_validate),
};

/* --- the adapter driver --- */

static int vsf_pf_init(struct vsf_pf *pf, struct devlink *devlink)
{
	struct vdpa_sf_table_cfg cfg = {
		.ops = &vsf_sf_ops,
		.priv = pf,
		.max_sfs = pf->adapter->max_sfs,
		.max_vqs = pf->adapter->max_vqs,
		.first_port_index = 1,
	};
	int err;

	pf->sf_class = VIRTIO_ID_NET;
	pf->sf_max_vqs = VSF_DEFAULT_SF_VQS;
	err = devl_params_register(devlink, vsf_params, ARRAY_SIZE(vsf_params));
	if (err)
		return err;
	pf->table = vdpa_sf_table_create(devlink, &cfg);
	if (IS_ERR(pf->table)) {
		devl_params_unregister(devlink, vsf_params, ARRAY_SIZE(vsf_params));
		return PTR_ERR(pf->table);
	}
	return 0;
}

/* Undo vsf_pf_init(): every SF goes, active or not. */
static void vsf_pf_fini(struct vsf_pf *pf, struct devlink *devlink)
{
	vdpa_sf_table_destroy(pf->table);
	devl_params_unregister(devlink, vsf_params, ARRAY_SIZE(vsf_params));
}

/**
 * vsf_pf_probe() - bind an adapter: its devlink instance, published last
 * @adapter: the adapter
 *
 * Return: 0 or a negative errno.
 */
int vsf_pf_probe(struct vsf_adapter *adapter)
{
	struct devlink *devlink;
	struct vsf_pf *pf;
	int err;

	devlink = devlink_alloc(&vsf_devlink_ops, sizeof(*pf), &adapter->dev);
	if (!devlink)
		return -ENOMEM;
	pf = devlink_priv(devlink);
	pf->adapter = adapter;
	pf->debugfs = vdpasim_debugfs_dir(dev_name(&adapter->dev));
	devl_lock(devlink);
	err = vsf_pf_init(pf, devlink);
	if (err)
		goto err_unlock;
	err = devl_register(devlink);
	if (err) {
		vsf_pf_fini(pf, devlink);
		goto err_unlock;
	}
	dev_set_drvdata(&adapter->dev, devlink);
	devl_unlock(devlink);
	return 0;

err_unlock:
	devl_unlock(devlink);
	debugfs_remove(pf->debugfs);
	devlink_free(devlink);
	return err;
}

/**
 * vsf_pf_remove() - unbind an adapter: every SF goes, active or not
 * @adapter: the adapter
 */
void vsf_pf_remove(struct vsf_adapter *adapter)
{
	struct devlink *devlink = dev_get_drvdata(&adapter->dev);
	struct vsf_pf *pf = devlink_priv(devlink);

	devl_lock(devlink);
	vsf_pf_fini(pf, devlink);
	devl_unregister(devlink);
	dev_set_drvdata(&adapter->dev, NULL);
	devl_unlock(devlink);
	debugfs_remove(pf->debugfs);
	devlink_free(devlink);
}

/**
 * vsf_pf_active_sfs() - the active SFs of an adapter
 * @adapter: the adapter
 *
 * Return: how many of its SFs are active (0 if its driver is unbound).
 */
unsigned int vsf_pf_active_sfs(struct vsf_adapter *adapter)
{
	struct devlink *devlink;
	unsigned int n = 0;

	device_lock(&adapter->dev);
	devlink = dev_get_drvdata(&adapter->dev);
	if (devlink)
		n = vdpa_sf_table_active(((struct vsf_pf *)devlink_priv(devlink))->table);
	device_unlock(&adapter->dev);
	return n;
}
