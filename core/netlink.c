// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "vdpa" generic netlink family: what iproute2's vdpa tool talks to.
 *
 * Handlers only dispatch. The common prologue (refuse attributes the
 * command does not take, take vdpa_mgmt_lock, find the management device
 * or device the request names) lives once, in vdpa_nl_pre_doit(), selected
 * per operation by its internal flags; vdpa_nl_post_doit() undoes it.
 * Dumps take no attributes, which vdpa_nl_dump_start() checks. Message
 * building is in nl_msg.c and attribute validation in nl_parse.c.
 *
 * Locks: vdpa_mgmt_lock (shared for reads, exclusive for changes) around
 * every handler and dump round; describing a device then takes its device
 * lock (nl_msg.c), one device at a time, so the order is always
 * vdpa_mgmt_lock, then a device lock.
 */

#include <linux/capability.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <uapi/linux/vdpa.h>

#include "vdpa_core.h"

/* Longest names accepted: a sysfs file name for devices and mgmtdevs. */
#define VDPA_NL_NAME_MAX	NAME_MAX
#define VDPA_NL_BUS_NAME_MAX	64

/* Internal flags of an operation: what pre_doit prepares for it. */
#define VDPA_NL_NEED_MGMTDEV	BIT(0)	/* user_ptr[0]: the named mgmtdev */
#define VDPA_NL_NEED_DEV	BIT(1)	/* user_ptr[0]: the named device */
#define VDPA_NL_WRITE		BIT(2)	/* vdpa_mgmt_lock taken for writing */

/*
 * One policy for the whole family, and which attributes each command takes
 * as a mask per command (vdpa_nl_check_attrs(), checked in pre_doit and at
 * the start of dumps) rather than a policy per operation: each attribute's
 * type and limits are then written once, not copied into the policy of
 * every command taking it; the refusal says what is wrong in the family's
 * own words ("vdpa: attribute not valid for this command") where the core
 * would report "Unsupported attribute" as for an attribute the family
 * does not know at all; and a doit and the dump of the same command can
 * differ, as a genl_ops policy cannot. The price: policy introspection
 * (CTRL_CMD_GETPOLICY) shows the family-wide policy for every command.
 */
static const struct nla_policy vdpa_nl_policy[VDPA_ATTR_MAX] = {
	[VDPA_ATTR_MGMTDEV_BUS_NAME] = { .type = NLA_NUL_STRING,
					 .len = VDPA_NL_BUS_NAME_MAX },
	[VDPA_ATTR_MGMTDEV_DEV_NAME] = { .type = NLA_NUL_STRING,
					 .len = VDPA_NL_NAME_MAX },
	[VDPA_ATTR_DEV_NAME] = { .type = NLA_NUL_STRING,
				 .len = VDPA_NL_NAME_MAX },
	[VDPA_ATTR_DEV_NET_CFG_MACADDR] = NLA_POLICY_ETH_ADDR,
	[VDPA_ATTR_DEV_NET_CFG_MAX_VQP] = NLA_POLICY_MIN(NLA_U16, 1),
	[VDPA_ATTR_DEV_NET_CFG_MTU] = NLA_POLICY_MIN(NLA_U16, ETH_MIN_MTU),
	[VDPA_ATTR_DEV_QUEUE_INDEX] = { .type = NLA_U32 },
	[VDPA_ATTR_DEV_FEATURES] = { .type = NLA_U64 },
};

/* How the refusal of a request lacking a required attribute names it. */
static const char * const vdpa_nl_required_names[VDPA_ATTR_MAX] = {
	[VDPA_ATTR_MGMTDEV_DEV_NAME] = "management device name",
	[VDPA_ATTR_DEV_NAME] = "device name",
	[VDPA_ATTR_DEV_QUEUE_INDEX] = "queue index",
};

/*
 * Refuses a request lacking attribute @type with -EINVAL: the extack
 * reports @type as missing and says which attribute it is.
 */
static int vdpa_nl_require(struct genl_info *info, int type)
{
	const char *what = vdpa_nl_required_names[type];

	if (info->attrs[type])
		return 0;
	NL_SET_ERR_ATTR_MISS(info->extack, NULL, type);
	NL_SET_ERR_MSG_FMT(info->extack, "vdpa: missing %s",
			   what ?: "a required attribute");
	return -EINVAL;
}

static bool vdpa_mgmtdev_matches(const struct vdpa_mgmt_dev *mdev,
				 const char *bus, const char *name)
{
	const struct device *dev = mdev->device;

	/* Without a bus name only bus-less management devices match. */
	if (!bus != !dev->bus)
		return false;
	if (bus && strcmp(dev->bus->name, bus))
		return false;
	return !strcmp(dev_name(dev), name);
}

static struct vdpa_mgmt_dev *vdpa_nl_find_mgmtdev(struct genl_info *info)
{
	struct nlattr *bus_attr = info->attrs[VDPA_ATTR_MGMTDEV_BUS_NAME];
	const char *bus = bus_attr ? nla_data(bus_attr) : NULL;
	struct vdpa_mgmt_dev *mdev;
	const char *name;
	int err;

	err = vdpa_nl_require(info, VDPA_ATTR_MGMTDEV_DEV_NAME);
	if (err)
		return ERR_PTR(err);
	name = nla_data(info->attrs[VDPA_ATTR_MGMTDEV_DEV_NAME]);

	list_for_each_entry(mdev, &vdpa_mgmt_list, list)
		if (vdpa_mgmtdev_matches(mdev, bus, name))
			return mdev;
	NL_SET_ERR_MSG_ATTR(info->extack,
			    info->attrs[VDPA_ATTR_MGMTDEV_DEV_NAME],
			    "vdpa: no such management device");
	return ERR_PTR(-ENODEV);
}

/* The named device, with a reference; only managed devices are visible. */
static struct vdpa_device *vdpa_nl_find_dev(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[VDPA_ATTR_DEV_NAME];
	struct device *dev;
	int err;

	err = vdpa_nl_require(info, VDPA_ATTR_DEV_NAME);
	if (err)
		return ERR_PTR(err);
	dev = bus_find_device_by_name(&vdpa_bus, NULL, nla_data(attr));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "vdpa: no such device");
		return ERR_PTR(-ENODEV);
	}
	if (!dev_to_vdpa(dev)->mdev) {
		put_device(dev);
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "vdpa: device was not created by a management device");
		return ERR_PTR(-ENODEV);
	}
	return dev_to_vdpa(dev);
}

static void vdpa_nl_unlock(const struct genl_split_ops *ops)
{
	if (ops->internal_flags & VDPA_NL_WRITE)
		up_write(&vdpa_mgmt_lock);
	else
		up_read(&vdpa_mgmt_lock);
}

static int vdpa_nl_pre_doit(const struct genl_split_ops *ops,
			    struct sk_buff *skb, struct genl_info *info)
{
	void *obj = NULL;
	int err;

	err = vdpa_nl_check_attrs(ops->cmd, false, info->attrs, info->extack);
	if (err)
		return err;

	if (ops->internal_flags & VDPA_NL_WRITE)
		down_write(&vdpa_mgmt_lock);
	else
		down_read(&vdpa_mgmt_lock);

	if (ops->internal_flags & VDPA_NL_NEED_MGMTDEV)
		obj = vdpa_nl_find_mgmtdev(info);
	else if (ops->internal_flags & VDPA_NL_NEED_DEV)
		obj = vdpa_nl_find_dev(info);
	if (IS_ERR(obj)) {
		vdpa_nl_unlock(ops);
		return PTR_ERR(obj);
	}
	info->user_ptr[0] = obj;
	return 0;
}

static void vdpa_nl_post_doit(const struct genl_split_ops *ops,
			      struct sk_buff *skb, struct genl_info *info)
{
	struct vdpa_device *vdev = info->user_ptr[0];

	if (ops->internal_flags & VDPA_NL_NEED_DEV)
		put_device(&vdev->dev);
	vdpa_nl_unlock(ops);
}

/* Sends the reply @fill builds, or returns its error. */
static int vdpa_nl_reply(struct genl_info *info,
			 int (*fill)(struct sk_buff *msg, struct genl_info *info))
{
	struct sk_buff *msg;
	int err;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = fill(msg, info);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int vdpa_nl_mgmtdev_reply(struct sk_buff *msg, struct genl_info *info)
{
	return vdpa_nl_fill_mgmtdev(msg, info->user_ptr[0], info->snd_portid,
				    info->snd_seq, 0);
}

static int vdpa_nl_dev_reply(struct sk_buff *msg, struct genl_info *info)
{
	return vdpa_nl_fill_dev(msg, info->user_ptr[0], VDPA_CMD_DEV_NEW,
				info->snd_portid, info->snd_seq, 0);
}

static int vdpa_nl_config_reply(struct sk_buff *msg, struct genl_info *info)
{
	return vdpa_nl_fill_config(msg, info->user_ptr[0], info->snd_portid,
				   info->snd_seq, 0);
}

static int vdpa_nl_vstats_reply(struct sk_buff *msg, struct genl_info *info)
{
	struct vdpa_device *vdev = info->user_ptr[0];
	struct nlattr *attr = info->attrs[VDPA_ATTR_DEV_QUEUE_INDEX];
	u32 index;
	int err;

	err = vdpa_nl_require(info, VDPA_ATTR_DEV_QUEUE_INDEX);
	if (err)
		return err;
	index = nla_get_u32(attr);
	if (index >= vdev->nvqs) {
		NL_SET_ERR_MSG_ATTR_FMT(info->extack, attr,
					"vdpa: queue index %u out of range (%u queues)",
					index, vdev->nvqs);
		return -ERANGE;
	}
	if (!vdev->config->get_vendor_vq_stats) {
		NL_SET_ERR_MSG(info->extack, "vdpa: the parent has no vendor statistics");
		return -EOPNOTSUPP;
	}
	return vdpa_nl_fill_vstats(msg, vdev, index, info);
}

static int vdpa_nl_mgmtdev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vdpa_nl_reply(info, vdpa_nl_mgmtdev_reply);
}

static int vdpa_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vdpa_nl_reply(info, vdpa_nl_dev_reply);
}

static int vdpa_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vdpa_nl_reply(info, vdpa_nl_config_reply);
}

static int vdpa_nl_vstats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vdpa_nl_reply(info, vdpa_nl_vstats_reply);
}

static int vdpa_nl_dev_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vdpa_mgmt_dev *mdev = info->user_ptr[0];
	struct nlattr *name_attr = info->attrs[VDPA_ATTR_DEV_NAME];
	struct vdpa_dev_set_config cfg;
	struct device *dup;
	int err;

	err = vdpa_nl_require(info, VDPA_ATTR_DEV_NAME);
	if (err)
		return err;
	if (!vdpa_name_valid(nla_data(name_attr))) {
		NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
				    "vdpa: device name must not be empty or contain '/'");
		return -EINVAL;
	}
	err = vdpa_nl_parse_dev_config(info->attrs, mdev, &cfg, info->extack);
	if (err)
		return err;
	dup = bus_find_device_by_name(&vdpa_bus, NULL, nla_data(name_attr));
	if (dup) {
		put_device(dup);
		NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
				    "vdpa: a device with this name already exists");
		return -EEXIST;
	}
	cfg.extack = info->extack;
	err = mdev->ops->dev_add(mdev, nla_data(name_attr), &cfg);
	if (err && !info->extack->_msg)
		NL_SET_ERR_MSG_FMT(info->extack,
				   "vdpa: the management device failed to create the device (%d)",
				   err);
	return err;
}

static int vdpa_nl_dev_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vdpa_device *vdev = info->user_ptr[0];

	vdev->mdev->ops->dev_del(vdev->mdev, vdev);
	return 0;
}

static int vdpa_nl_attr_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vdpa_device *vdev = info->user_ptr[0];
	struct vdpa_mgmt_dev *mdev = vdev->mdev;
	struct vdpa_dev_set_config cfg;
	int err;

	if (!mdev->ops->dev_set_attr) {
		NL_SET_ERR_MSG(info->extack,
			       "vdpa: the management device cannot change device attributes");
		return -EOPNOTSUPP;
	}
	err = vdpa_nl_parse_dev_config(info->attrs, mdev, &cfg, info->extack);
	if (err)
		return err;
	if (!cfg.mask) {
		NL_SET_ERR_MSG(info->extack, "vdpa: no attribute to change");
		return -EINVAL;
	}
	cfg.extack = info->extack;
	err = mdev->ops->dev_set_attr(mdev, vdev, &cfg);
	if (err && !info->extack->_msg)
		NL_SET_ERR_MSG_FMT(info->extack,
				   "vdpa: the management device refused the change (%d)",
				   err);
	return err;
}

/* Dumps take no attributes: refuse any before the first reply. */
static int vdpa_nl_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *dump = genl_dumpit_info(cb);

	return vdpa_nl_check_attrs(dump->op.cmd, true, dump->info.attrs,
				   dump->info.extack);
}

static int vdpa_nl_mgmtdev_get_dumpit(struct sk_buff *msg,
				      struct netlink_callback *cb)
{
	const struct vdpa_mgmt_dev *mdev;
	unsigned long idx = 0;
	int err = 0;

	down_read(&vdpa_mgmt_lock);
	list_for_each_entry(mdev, &vdpa_mgmt_list, list) {
		if (idx++ < cb->args[0])
			continue;
		err = vdpa_nl_fill_mgmtdev(msg, mdev,
					   NETLINK_CB(cb->skb).portid,
					   cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err)
			break;
		cb->args[0] = idx;
	}
	up_read(&vdpa_mgmt_lock);
	/* A full skb ends this round; the next one resumes at args[0]. */
	return err == -EMSGSIZE && msg->len ? msg->len : err;
}

/* Fills one dump entry for @vdev; the dumps only differ in this. */
typedef int (*vdpa_nl_dev_filler)(struct sk_buff *msg, struct vdpa_device *vdev,
				  struct netlink_callback *cb);

static int vdpa_nl_dev_dump_one(struct sk_buff *msg, struct vdpa_device *vdev,
				struct netlink_callback *cb)
{
	return vdpa_nl_fill_dev(msg, vdev, VDPA_CMD_DEV_NEW,
				NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				NLM_F_MULTI);
}

static int vdpa_nl_config_dump_one(struct sk_buff *msg,
				   struct vdpa_device *vdev,
				   struct netlink_callback *cb)
{
	return vdpa_nl_fill_config(msg, vdev, NETLINK_CB(cb->skb).portid,
				   cb->nlh->nlmsg_seq, NLM_F_MULTI);
}

/*
 * Dumps walk the published devices in index order and resume after the
 * last index that fit, so devices added or removed between two rounds
 * never make a round repeat or skip another device.
 */
static int vdpa_nl_dump_devices(struct sk_buff *msg,
				struct netlink_callback *cb,
				vdpa_nl_dev_filler fill)
{
	struct vdpa_device *vdev;
	unsigned long index;
	int err = 0;

	down_read(&vdpa_mgmt_lock);
	xa_for_each_start(&vdpa_devices, index, vdev, cb->args[0]) {
		if (!vdev->mdev)
			continue;
		err = fill(msg, vdev, cb);
		if (err)
			break;
		cb->args[0] = index + 1;
	}
	up_read(&vdpa_mgmt_lock);
	return err == -EMSGSIZE && msg->len ? msg->len : err;
}

static int vdpa_nl_dev_get_dumpit(struct sk_buff *msg,
				  struct netlink_callback *cb)
{
	return vdpa_nl_dump_devices(msg, cb, vdpa_nl_dev_dump_one);
}

static int vdpa_nl_config_get_dumpit(struct sk_buff *msg,
				     struct netlink_callback *cb)
{
	return vdpa_nl_dump_devices(msg, cb, vdpa_nl_config_dump_one);
}

static const struct genl_ops vdpa_nl_ops[] = {
	{
		.cmd = VDPA_CMD_MGMTDEV_GET,
		.doit = vdpa_nl_mgmtdev_get_doit,
		.start = vdpa_nl_dump_start,
		.dumpit = vdpa_nl_mgmtdev_get_dumpit,
		.internal_flags = VDPA_NL_NEED_MGMTDEV,
	},
	{
		.cmd = VDPA_CMD_DEV_NEW,
		.doit = vdpa_nl_dev_new_doit,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = VDPA_NL_NEED_MGMTDEV | VDPA_NL_WRITE,
	},
	{
		.cmd = VDPA_CMD_DEV_DEL,
		.doit = vdpa_nl_dev_del_doit,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = VDPA_NL_NEED_DEV | VDPA_NL_WRITE,
	},
	{
		.cmd = VDPA_CMD_DEV_GET,
		.doit = vdpa_nl_dev_get_doit,
		.start = vdpa_nl_dump_start,
		.dumpit = vdpa_nl_dev_get_dumpit,
		.internal_flags = VDPA_NL_NEED_DEV,
	},
	{
		.cmd = VDPA_CMD_DEV_CONFIG_GET,
		.doit = vdpa_nl_config_get_doit,
		.start = vdpa_nl_dump_start,
		.dumpit = vdpa_nl_config_get_dumpit,
		.internal_flags = VDPA_NL_NEED_DEV,
	},
	{
		.cmd = VDPA_CMD_DEV_VSTATS_GET,
		.doit = vdpa_nl_vstats_get_doit,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = VDPA_NL_NEED_DEV,
	},
	{
		.cmd = VDPA_CMD_DEV_ATTR_SET,
		.doit = vdpa_nl_attr_set_doit,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = VDPA_NL_NEED_DEV | VDPA_NL_WRITE,
	},
};

/* Listeners of VDPA_NL_MCGRP_DEV hear about every managed device. */
static const struct genl_multicast_group vdpa_nl_mcgrps[] = {
	[VDPA_NL_MCGRP_DEV] = { .name = VDPA_NL_MCGRP_DEV_NAME },
};

struct genl_family vdpa_nl_family __ro_after_init = {
	.name = VDPA_GENL_NAME,
	.version = VDPA_GENL_VERSION,
	.maxattr = VDPA_ATTR_MAX - 1,
	.policy = vdpa_nl_policy,
	.netnsok = false,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = vdpa_nl_ops,
	.n_ops = ARRAY_SIZE(vdpa_nl_ops),
	.mcgrps = vdpa_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(vdpa_nl_mcgrps),
	.pre_doit = vdpa_nl_pre_doit,
	.post_doit = vdpa_nl_post_doit,
};

/**
 * vdpa_nl_notify() - announce a device's creation or deletion
 * @vdev: the device; only devices of a management device are announced
 * @cmd: VDPA_CMD_DEV_NEW after it is published, VDPA_CMD_DEV_DEL before it
 *       is unpublished
 *
 * Sends the device's description, laid out as a VDPA_CMD_DEV_GET reply,
 * to the "dev" multicast group: with the driver bound at that moment (one
 * that bound during registration, one still bound before deletion).
 *
 * Context: vdpa_mgmt_lock held for writing; takes the device lock of
 * @vdev.
 */
void vdpa_nl_notify(struct vdpa_device *vdev, u8 cmd)
{
	struct sk_buff *msg;

	if (!vdev->mdev ||
	    !genl_has_listeners(&vdpa_nl_family, &init_net, VDPA_NL_MCGRP_DEV))
		return;
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (vdpa_nl_fill_dev(msg, vdev, cmd, 0, 0, 0)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast(&vdpa_nl_family, msg, 0, VDPA_NL_MCGRP_DEV,
			  GFP_KERNEL);
}

int vdpa_nl_init(void)
{
	return genl_register_family(&vdpa_nl_family);
}

void vdpa_nl_exit(void)
{
	genl_unregister_family(&vdpa_nl_family);
}
