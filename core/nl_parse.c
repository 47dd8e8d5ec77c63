// SPDX-License-Identifier: GPL-2.0-only
/*
 * Request validation beyond the family's policy: which attributes each
 * command takes, and the attributes of VDPA_CMD_DEV_NEW and
 * VDPA_CMD_DEV_ATTR_SET against what a management device supports. Pure
 * functions of their inputs, so the KUnit suites can drive them with
 * tables.
 */

#include <linux/etherdevice.h>
#include <linux/netlink.h>
#include <linux/vdpa.h>
#include <uapi/linux/vdpa.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_net.h>

#include "vdpa_core.h"

#define VDPA_NL_ATTR(a)		BIT_ULL(VDPA_ATTR_##a)
#define VDPA_NL_MGMTDEV_HANDLE	(VDPA_NL_ATTR(MGMTDEV_BUS_NAME) | \
				 VDPA_NL_ATTR(MGMTDEV_DEV_NAME))
/* What vdpa_nl_parse_dev_config() reads. */
#define VDPA_NL_DEV_CONFIG	(VDPA_NL_ATTR(DEV_NET_CFG_MACADDR) | \
				 VDPA_NL_ATTR(DEV_NET_CFG_MTU) | \
				 VDPA_NL_ATTR(DEV_NET_CFG_MAX_VQP) | \
				 VDPA_NL_ATTR(DEV_FEATURES))

static_assert(VDPA_ATTR_MAX <= 64, "attribute masks are u64");

/*
 * The attributes the doit of each command takes, required or optional;
 * dumps take none. Commands without an entry take nothing.
 */
static const u64 vdpa_nl_cmd_attrs[] = {
	[VDPA_CMD_MGMTDEV_GET] = VDPA_NL_MGMTDEV_HANDLE,
	[VDPA_CMD_DEV_NEW] = VDPA_NL_ATTR(DEV_NAME) | VDPA_NL_MGMTDEV_HANDLE |
			     VDPA_NL_DEV_CONFIG,
	[VDPA_CMD_DEV_DEL] = VDPA_NL_ATTR(DEV_NAME),
	[VDPA_CMD_DEV_GET] = VDPA_NL_ATTR(DEV_NAME),
	[VDPA_CMD_DEV_CONFIG_GET] = VDPA_NL_ATTR(DEV_NAME),
	[VDPA_CMD_DEV_VSTATS_GET] = VDPA_NL_ATTR(DEV_NAME) |
				    VDPA_NL_ATTR(DEV_QUEUE_INDEX),
	[VDPA_CMD_DEV_ATTR_SET] = VDPA_NL_ATTR(DEV_NAME) | VDPA_NL_DEV_CONFIG,
};

/**
 * vdpa_nl_check_attrs() - refuse attributes a command does not take
 * @cmd: the request's command
 * @dump: whether the request is a dump
 * @attrs: the request's attributes, VDPA_ATTR_MAX entries indexed by type,
 *         already checked against the family's policy
 * @extack: where to report the attribute refused
 *
 * The family has one policy for all its commands, which only says what
 * each attribute looks like; this says which of them a command takes.
 *
 * Return: 0, or -EINVAL with @extack pointing at the lowest-numbered
 * attribute present that @cmd (or, for a dump, any dump) does not take.
 */
int vdpa_nl_check_attrs(u8 cmd, bool dump, struct nlattr **attrs,
			struct netlink_ext_ack *extack)
{
	u64 allowed = 0;
	int type;

	if (!dump && cmd < ARRAY_SIZE(vdpa_nl_cmd_attrs))
		allowed = vdpa_nl_cmd_attrs[cmd];
	for (type = 0; type < VDPA_ATTR_MAX; type++) {
		if (!attrs[type] || (allowed & BIT_ULL(type)))
			continue;
		if (dump)
			NL_SET_ERR_MSG_ATTR(extack, attrs[type],
					    "vdpa: dumps take no attributes");
		else
			NL_SET_ERR_MSG_ATTR(extack, attrs[type],
					    "vdpa: attribute not valid for this command");
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vdpa_nl_check_attrs);

/* Net attributes, and the feature bit each needs when features are given. */
static const struct {
	int attr;
	int feature;
	const char *msg;
} vdpa_nl_net_attrs[] = {
	{ VDPA_ATTR_DEV_NET_CFG_MACADDR, VIRTIO_NET_F_MAC,
	  "vdpa: mac needs feature VIRTIO_NET_F_MAC in device_features" },
	{ VDPA_ATTR_DEV_NET_CFG_MTU, VIRTIO_NET_F_MTU,
	  "vdpa: mtu needs feature VIRTIO_NET_F_MTU in device_features" },
	{ VDPA_ATTR_DEV_NET_CFG_MAX_VQP, VIRTIO_NET_F_MQ,
	  "vdpa: max_vqp above 1 needs feature VIRTIO_NET_F_MQ in device_features" },
};

static int vdpa_nl_parse_features(struct nlattr **attrs,
				  const struct vdpa_mgmt_dev *mdev,
				  struct vdpa_dev_set_config *cfg,
				  struct netlink_ext_ack *extack)
{
	struct nlattr *attr = attrs[VDPA_ATTR_DEV_FEATURES];
	u64 features = nla_get_u64(attr);

	if (features & ~mdev->supported_features) {
		NL_SET_ERR_MSG_ATTR_FMT(extack, attr,
					"vdpa: device_features bits 0x%llx not supported by the mgmtdev",
					features & ~mdev->supported_features);
		return -EOPNOTSUPP;
	}
	cfg->device_features = features;
	cfg->mask |= BIT_ULL(VDPA_ATTR_DEV_FEATURES);
	return 0;
}

static int vdpa_nl_parse_net(struct nlattr **attrs,
			     const struct vdpa_mgmt_dev *mdev,
			     struct vdpa_dev_set_config *cfg,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *attr;

	attr = attrs[VDPA_ATTR_DEV_NET_CFG_MACADDR];
	if (attr) {
		if (!is_valid_ether_addr(nla_data(attr))) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "vdpa: mac must be a unicast, non-zero address");
			return -EINVAL;
		}
		memcpy(cfg->net.mac, nla_data(attr), ETH_ALEN);
	}
	attr = attrs[VDPA_ATTR_DEV_NET_CFG_MTU];
	if (attr)
		cfg->net.mtu = nla_get_u16(attr);
	attr = attrs[VDPA_ATTR_DEV_NET_CFG_MAX_VQP];
	if (attr) {
		cfg->net.max_vq_pairs = nla_get_u16(attr);
		if (mdev->max_supported_vqs &&
		    cfg->net.max_vq_pairs > mdev->max_supported_vqs / 2) {
			NL_SET_ERR_MSG_ATTR_FMT(extack, attr,
						"vdpa: max_vqp %u above the mgmtdev's limit of %u",
						cfg->net.max_vq_pairs,
						mdev->max_supported_vqs / 2);
			return -ERANGE;
		}
	}
	return 0;
}

/*
 * Each requested net attribute needs its feature when features are given;
 * a single queue pair needs no multiqueue.
 */
static int vdpa_nl_check_net_features(struct nlattr **attrs,
				      const struct vdpa_dev_set_config *cfg,
				      struct netlink_ext_ack *extack)
{
	unsigned int i;

	if (!(cfg->mask & BIT_ULL(VDPA_ATTR_DEV_FEATURES)))
		return 0;
	for (i = 0; i < ARRAY_SIZE(vdpa_nl_net_attrs); i++) {
		struct nlattr *attr = attrs[vdpa_nl_net_attrs[i].attr];

		if (vdpa_nl_net_attrs[i].attr == VDPA_ATTR_DEV_NET_CFG_MAX_VQP &&
		    cfg->net.max_vq_pairs == 1)
			continue;
		if (attr && !(cfg->device_features &
			      BIT_ULL(vdpa_nl_net_attrs[i].feature))) {
			NL_SET_ERR_MSG_ATTR_FMT(extack, attr, "%s",
						vdpa_nl_net_attrs[i].msg);
			return -EINVAL;
		}
	}
	return 0;
}

/* Records which attributes are present, refusing those @mdev does not take. */
static int vdpa_nl_collect_mask(struct nlattr **attrs,
				const struct vdpa_mgmt_dev *mdev,
				struct vdpa_dev_set_config *cfg,
				struct netlink_ext_ack *extack)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vdpa_nl_net_attrs); i++) {
		int type = vdpa_nl_net_attrs[i].attr;

		if (!attrs[type])
			continue;
		if (!(mdev->config_attr_mask & BIT_ULL(type))) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[type],
					    "vdpa: attribute not supported by the management device");
			return -EOPNOTSUPP;
		}
		cfg->mask |= BIT_ULL(type);
	}
	if (attrs[VDPA_ATTR_DEV_FEATURES] &&
	    !(mdev->config_attr_mask & BIT_ULL(VDPA_ATTR_DEV_FEATURES))) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[VDPA_ATTR_DEV_FEATURES],
				    "vdpa: device_features not supported by the management device");
		return -EOPNOTSUPP;
	}
	return 0;
}

/**
 * vdpa_nl_parse_dev_config() - turn netlink attributes into a device config
 * @attrs: the request's attributes, already checked against the policy
 * @mdev: the management device that will receive @cfg
 * @cfg: filled with the requested attributes and their mask
 * @extack: where to report the first problem found
 *
 * Refuses attributes @mdev does not accept (-EOPNOTSUPP), features it
 * does not support (-EOPNOTSUPP), a multicast or zero MAC (-EINVAL),
 * max_vqp above its limit (-ERANGE), and, when device_features are given,
 * a net attribute whose feature bit is not among them (-EINVAL; max_vqp 1
 * needs no VIRTIO_NET_F_MQ). The
 * policy has already refused an MTU below 68 and a max_vqp of 0.
 *
 * Return: 0 or a negative errno, with @extack set.
 */
int vdpa_nl_parse_dev_config(struct nlattr **attrs,
			     const struct vdpa_mgmt_dev *mdev,
			     struct vdpa_dev_set_config *cfg,
			     struct netlink_ext_ack *extack)
{
	int err;

	memset(cfg, 0, sizeof(*cfg));
	err = vdpa_nl_collect_mask(attrs, mdev, cfg, extack);
	if (err)
		return err;
	if (attrs[VDPA_ATTR_DEV_FEATURES]) {
		err = vdpa_nl_parse_features(attrs, mdev, cfg, extack);
		if (err)
			return err;
	}
	err = vdpa_nl_parse_net(attrs, mdev, cfg, extack);
	if (err)
		return err;
	return vdpa_nl_check_net_features(attrs, cfg, extack);
}
EXPORT_SYMBOL_IF_KUNIT(vdpa_nl_parse_dev_config);
