// SPDX-License-Identifier: GPL-2.0-only
/*
 * Builders for the messages of the "vdpa" generic netlink family: the
 * management device and device descriptions, decoded configuration space
 * (net and block), and vendor queue statistics.
 *
 * Attribute types are exactly those iproute2's vdpa tool parses, plus our
 * extensions of <linux/vdpa_ext.h> (the bound driver and its character
 * devices), which the tool skips as unknown.
 */

#include <linux/slab.h>
#include <net/genetlink.h>
#include <linux/virtio_byteorder.h>
#include <uapi/linux/vdpa.h>
#include <uapi/linux/vdpa_ext.h>
#include <uapi/linux/virtio_blk.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/virtio_net.h>

#include "vdpa_core.h"

/* An upstream attribute must never take the number of an extension. */
static_assert(VDPA_ATTR_MAX < VDPA_EXT_ATTR_BASE);

static int vdpa_nl_put_mgmtdev_handle(struct sk_buff *msg,
				      const struct vdpa_mgmt_dev *mdev)
{
	const struct device *dev = mdev->device;

	if (dev->bus &&
	    nla_put_string(msg, VDPA_ATTR_MGMTDEV_BUS_NAME, dev->bus->name))
		return -EMSGSIZE;
	return nla_put_string(msg, VDPA_ATTR_MGMTDEV_DEV_NAME, dev_name(dev));
}

static u64 vdpa_mgmtdev_classes(const struct vdpa_mgmt_dev *mdev)
{
	const struct virtio_device_id *id;
	u64 classes = 0;

	for (id = mdev->id_table; id && id->device; id++)
		if (id->device < 64)
			classes |= BIT_ULL(id->device);
	return classes;
}

/**
 * vdpa_nl_fill_mgmtdev() - describe a management device
 * @msg: the message
 * @mdev: the management device
 * @portid: netlink port of the requester
 * @seq: sequence number of the request
 * @flags: netlink flags (NLM_F_MULTI in dumps)
 *
 * Context: vdpa_mgmt_lock held.
 * Return: 0 or -EMSGSIZE (with nothing added to @msg).
 */
int vdpa_nl_fill_mgmtdev(struct sk_buff *msg, const struct vdpa_mgmt_dev *mdev,
			 u32 portid, u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &vdpa_nl_family, flags,
			  VDPA_CMD_MGMTDEV_NEW);
	if (!hdr)
		return -EMSGSIZE;
	if (vdpa_nl_put_mgmtdev_handle(msg, mdev) ||
	    nla_put_u64_64bit(msg, VDPA_ATTR_MGMTDEV_SUPPORTED_CLASSES,
			      vdpa_mgmtdev_classes(mdev), VDPA_ATTR_PAD) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_MGMTDEV_MAX_VQS,
			mdev->max_supported_vqs) ||
	    nla_put_u64_64bit(msg, VDPA_ATTR_DEV_SUPPORTED_FEATURES,
			      mdev->supported_features, VDPA_ATTR_PAD)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

/*
 * device_for_each_child() callback: one VDPA_EXT_ATTR_DEV_CHARDEV for a
 * child with a dev_t that is not a block device (a bus driver's character
 * device, e.g. vhost_vdpa's "vhost-vdpa-N"); other children are skipped.
 */
static int vdpa_nl_put_chardev(struct device *child, void *data)
{
	struct sk_buff *msg = data;
	struct nlattr *nest;

	if (!child->devt ||
	    (child->class && !strcmp(child->class->name, "block")))
		return 0;
	nest = nla_nest_start(msg, VDPA_EXT_ATTR_DEV_CHARDEV);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(msg, VDPA_EXT_CHARDEV_ATTR_NAME, dev_name(child)) ||
	    nla_put_u32(msg, VDPA_EXT_CHARDEV_ATTR_MAJOR, MAJOR(child->devt)) ||
	    nla_put_u32(msg, VDPA_EXT_CHARDEV_ATTR_MINOR, MINOR(child->devt))) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/**
 * vdpa_nl_put_driver() - describe the driver bound to a device
 * @msg: the message
 * @dev: the device (a vDPA device's &vdpa_device.dev)
 *
 * Adds VDPA_EXT_ATTR_DEV_DRIVER, the bound driver's name, and one
 * VDPA_EXT_ATTR_DEV_CHARDEV per character device among the children of
 * @dev; nothing while no driver is bound. The device lock keeps the driver
 * bound, and so the children it created in probe present, while they are
 * read; it also waits for a probe or remove under way to finish.
 *
 * Context: may sleep; takes the device lock of @dev, so the caller must
 * not hold it. The lock order is vdpa_mgmt_lock, then the device lock.
 * Return: 0 or -EMSGSIZE (then attributes may have been added: the caller
 * cancels the whole message).
 */
VISIBLE_IF_KUNIT int vdpa_nl_put_driver(struct sk_buff *msg, struct device *dev)
{
	int err = 0;

	device_lock(dev);
	if (dev->driver) {
		err = nla_put_string(msg, VDPA_EXT_ATTR_DEV_DRIVER,
				     dev->driver->name);
		if (!err)
			err = device_for_each_child(dev, msg,
						    vdpa_nl_put_chardev);
	}
	device_unlock(dev);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vdpa_nl_put_driver);

/**
 * vdpa_nl_fill_dev() - describe a device
 * @msg: the message
 * @vdev: the device, which has a management device
 * @cmd: VDPA_CMD_DEV_NEW for replies and creation events, VDPA_CMD_DEV_DEL
 *       for deletion events
 * @portid: netlink port of the requester
 * @seq: sequence number of the request
 * @flags: netlink flags (NLM_F_MULTI in dumps)
 *
 * The attributes iproute2 shows, then those of vdpa_nl_put_driver().
 *
 * Context: vdpa_mgmt_lock held; takes the device lock of @vdev.
 * Return: 0 or -EMSGSIZE (with nothing added to @msg).
 */
int vdpa_nl_fill_dev(struct sk_buff *msg, struct vdpa_device *vdev, u8 cmd,
		     u32 portid, u32 seq, int flags)
{
	const struct vdpa_config_ops *ops = vdev->config;
	u16 min_size = ops->get_vq_num_min ? ops->get_vq_num_min(vdev) : 1;
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &vdpa_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (vdpa_nl_put_mgmtdev_handle(msg, vdev->mdev) ||
	    nla_put_string(msg, VDPA_ATTR_DEV_NAME, dev_name(&vdev->dev)) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_ID, ops->get_device_id(vdev)) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_VENDOR_ID, ops->get_vendor_id(vdev)) ||
	    nla_put_u32(msg, VDPA_ATTR_DEV_MAX_VQS, vdev->nvqs) ||
	    nla_put_u16(msg, VDPA_ATTR_DEV_MAX_VQ_SIZE,
			ops->get_vq_num_max(vdev)) ||
	    nla_put_u16(msg, VDPA_ATTR_DEV_MIN_VQ_SIZE, min_size) ||
	    vdpa_nl_put_driver(msg, &vdev->dev)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

/*
 * A configuration space field reported as an attribute: present when
 * @feature (or always when negative) is among the features, @width bytes
 * at @offset, in virtio byte order, put with the attribute type of the
 * same width (6 bytes: binary, for the MAC).
 */
struct vdpa_cfg_field {
	u16 attr;
	s8 feature;
	u8 width;
	u16 offset;
};

#define NET_OFF(m)	offsetof(struct virtio_net_config, m)
#define NET_LEN(m)	sizeof_field(struct virtio_net_config, m)
#define BLK_OFF(m)	offsetof(struct virtio_blk_config, m)
#define BLK_LEN(m)	sizeof_field(struct virtio_blk_config, m)

static const struct vdpa_cfg_field vdpa_net_fields[] = {
	{ VDPA_ATTR_DEV_NET_CFG_MACADDR, VIRTIO_NET_F_MAC,
	  NET_LEN(mac), NET_OFF(mac) },
	{ VDPA_ATTR_DEV_NET_STATUS, VIRTIO_NET_F_STATUS,
	  NET_LEN(status), NET_OFF(status) },
	{ VDPA_ATTR_DEV_NET_CFG_MAX_VQP, VIRTIO_NET_F_MQ,
	  NET_LEN(max_virtqueue_pairs), NET_OFF(max_virtqueue_pairs) },
	{ VDPA_ATTR_DEV_NET_CFG_MTU, VIRTIO_NET_F_MTU,
	  NET_LEN(mtu), NET_OFF(mtu) },
};

static const struct vdpa_cfg_field vdpa_blk_fields[] = {
	{ VDPA_ATTR_DEV_BLK_CFG_CAPACITY, -1,
	  BLK_LEN(capacity), BLK_OFF(capacity) },
	{ VDPA_ATTR_DEV_BLK_CFG_SIZE_MAX, VIRTIO_BLK_F_SIZE_MAX,
	  BLK_LEN(size_max), BLK_OFF(size_max) },
	{ VDPA_ATTR_DEV_BLK_CFG_SEG_MAX, VIRTIO_BLK_F_SEG_MAX,
	  BLK_LEN(seg_max), BLK_OFF(seg_max) },
	{ VDPA_ATTR_DEV_BLK_CFG_BLK_SIZE, VIRTIO_BLK_F_BLK_SIZE,
	  BLK_LEN(blk_size), BLK_OFF(blk_size) },
	{ VDPA_ATTR_DEV_BLK_CFG_NUM_QUEUES, VIRTIO_BLK_F_MQ,
	  BLK_LEN(num_queues), BLK_OFF(num_queues) },
	{ VDPA_ATTR_DEV_BLK_CFG_PHY_BLK_EXP, VIRTIO_BLK_F_TOPOLOGY,
	  BLK_LEN(physical_block_exp), BLK_OFF(physical_block_exp) },
	{ VDPA_ATTR_DEV_BLK_CFG_ALIGN_OFFSET, VIRTIO_BLK_F_TOPOLOGY,
	  BLK_LEN(alignment_offset), BLK_OFF(alignment_offset) },
	{ VDPA_ATTR_DEV_BLK_CFG_MIN_IO_SIZE, VIRTIO_BLK_F_TOPOLOGY,
	  BLK_LEN(min_io_size), BLK_OFF(min_io_size) },
	{ VDPA_ATTR_DEV_BLK_CFG_OPT_IO_SIZE, VIRTIO_BLK_F_TOPOLOGY,
	  BLK_LEN(opt_io_size), BLK_OFF(opt_io_size) },
	{ VDPA_ATTR_DEV_BLK_CFG_MAX_DISCARD_SEC, VIRTIO_BLK_F_DISCARD,
	  BLK_LEN(max_discard_sectors), BLK_OFF(max_discard_sectors) },
	{ VDPA_ATTR_DEV_BLK_CFG_MAX_DISCARD_SEG, VIRTIO_BLK_F_DISCARD,
	  BLK_LEN(max_discard_seg), BLK_OFF(max_discard_seg) },
	{ VDPA_ATTR_DEV_BLK_CFG_DISCARD_SEC_ALIGN, VIRTIO_BLK_F_DISCARD,
	  BLK_LEN(discard_sector_alignment),
	  BLK_OFF(discard_sector_alignment) },
	{ VDPA_ATTR_DEV_BLK_CFG_MAX_WRITE_ZEROES_SEC, VIRTIO_BLK_F_WRITE_ZEROES,
	  BLK_LEN(max_write_zeroes_sectors),
	  BLK_OFF(max_write_zeroes_sectors) },
	{ VDPA_ATTR_DEV_BLK_CFG_MAX_WRITE_ZEROES_SEG, VIRTIO_BLK_F_WRITE_ZEROES,
	  BLK_LEN(max_write_zeroes_seg), BLK_OFF(max_write_zeroes_seg) },
};

/* Block feature bits reported as u8 flags set to 1 when present. */
static const struct {
	u16 attr;
	u8 feature;
} vdpa_blk_flags[] = {
	{ VDPA_ATTR_DEV_BLK_READ_ONLY, VIRTIO_BLK_F_RO },
	{ VDPA_ATTR_DEV_BLK_FLUSH, VIRTIO_BLK_F_FLUSH },
};

static int vdpa_nl_put_field(struct sk_buff *msg,
			     const struct vdpa_cfg_view *view,
			     const struct vdpa_cfg_field *f)
{
	const u8 *p = (const u8 *)&view->buf + f->offset;
	bool le = view->little_endian;
	__virtio16 v16;
	__virtio32 v32;
	__virtio64 v64;

	switch (f->width) {
	case 1:
		return nla_put_u8(msg, f->attr, *p);
	case 2:
		memcpy(&v16, p, sizeof(v16));
		return nla_put_u16(msg, f->attr, __virtio16_to_cpu(le, v16));
	case 4:
		memcpy(&v32, p, sizeof(v32));
		return nla_put_u32(msg, f->attr, __virtio32_to_cpu(le, v32));
	case 8:
		memcpy(&v64, p, sizeof(v64));
		return nla_put_u64_64bit(msg, f->attr,
					 __virtio64_to_cpu(le, v64),
					 VDPA_ATTR_PAD);
	default:
		return nla_put(msg, f->attr, f->width, p);
	}
}

static int vdpa_nl_put_fields(struct sk_buff *msg,
			      const struct vdpa_cfg_view *view,
			      const struct vdpa_cfg_field *fields,
			      unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct vdpa_cfg_field *f = &fields[i];

		if (f->feature >= 0 && !(view->features & BIT_ULL(f->feature)))
			continue;
		if (vdpa_nl_put_field(msg, view, f))
			return -EMSGSIZE;
	}
	return 0;
}

static int vdpa_nl_put_blk_flags(struct sk_buff *msg, u64 features)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vdpa_blk_flags); i++)
		if ((features & BIT_ULL(vdpa_blk_flags[i].feature)) &&
		    nla_put_u8(msg, vdpa_blk_flags[i].attr, 1))
			return -EMSGSIZE;
	return 0;
}

/**
 * vdpa_nl_put_config_fields() - decode a config space into attributes
 * @msg: the message
 * @device_id: the virtio device ID; net and block are decoded
 * @view: the config space snapshot
 *
 * Return: 0 (also for classes without a decoder) or -EMSGSIZE.
 */
VISIBLE_IF_KUNIT int vdpa_nl_put_config_fields(struct sk_buff *msg,
					       u32 device_id,
					       const struct vdpa_cfg_view *view)
{
	switch (device_id) {
	case VIRTIO_ID_NET:
		return vdpa_nl_put_fields(msg, view, vdpa_net_fields,
					  ARRAY_SIZE(vdpa_net_fields));
	case VIRTIO_ID_BLOCK:
		if (vdpa_nl_put_fields(msg, view, vdpa_blk_fields,
				       ARRAY_SIZE(vdpa_blk_fields)))
			return -EMSGSIZE;
		return vdpa_nl_put_blk_flags(msg, view->features);
	default:
		return 0;
	}
}
EXPORT_SYMBOL_IF_KUNIT(vdpa_nl_put_config_fields);

/*
 * Snapshot the config space without side effects: vdpa_get_config() would
 * set features on a device whose driver has not (the legacy rule), so the
 * parent is read directly. The byte order follows the negotiated features
 * (the device's own before FEATURES_OK). Which fields exist follows the
 * device's features when @offered (config show: a driver that did not take
 * VIRTIO_NET_F_MAC still has a MAC address to show), else the negotiated
 * ones (vstats: queue numbering depends on what the driver took). Returns
 * whether negotiation has completed.
 */
static bool vdpa_cfg_snapshot(struct vdpa_device *vdev,
			      struct vdpa_cfg_view *view, bool offered)
{
	const struct vdpa_config_ops *ops = vdev->config;
	size_t len = min(ops->get_config_size(vdev), sizeof(view->buf));
	u64 device = ops->get_device_features(vdev);
	bool negotiated;
	u64 driver;

	lockdep_assert_held(&vdev->cf_lock);
	memset(view, 0, sizeof(*view));
	negotiated = ops->get_status(vdev) & VIRTIO_CONFIG_S_FEATURES_OK;
	driver = negotiated ? ops->get_driver_features(vdev) : device;
	view->features = offered ? device : driver;
	view->little_endian = IS_ENABLED(CONFIG_CPU_LITTLE_ENDIAN) ||
			      (driver & BIT_ULL(VIRTIO_F_VERSION_1));
	ops->get_config(vdev, 0, &view->buf, len);
	return negotiated;
}

static int vdpa_nl_put_config(struct sk_buff *msg, struct vdpa_device *vdev)
{
	const struct vdpa_config_ops *ops = vdev->config;
	u32 device_id = ops->get_device_id(vdev);
	struct vdpa_cfg_view *view;
	bool negotiated;
	int err = -EMSGSIZE;

	view = kmalloc(sizeof(*view), GFP_KERNEL);
	if (!view)
		return -ENOMEM;

	down_read(&vdev->cf_lock);
	negotiated = vdpa_cfg_snapshot(vdev, view, true);
	if (nla_put_u32(msg, VDPA_ATTR_DEV_ID, device_id) ||
	    vdpa_nl_put_config_fields(msg, device_id, view) ||
	    (negotiated &&
	     nla_put_u64_64bit(msg, VDPA_ATTR_DEV_NEGOTIATED_FEATURES,
			       ops->get_driver_features(vdev),
			       VDPA_ATTR_PAD)) ||
	    nla_put_u64_64bit(msg, VDPA_ATTR_DEV_FEATURES,
			      ops->get_device_features(vdev), VDPA_ATTR_PAD))
		goto out;
	err = 0;
out:
	up_read(&vdev->cf_lock);
	kfree(view);
	return err;
}

/**
 * vdpa_nl_fill_config() - describe a device's configuration space
 * @msg: the message
 * @vdev: the device
 * @portid: netlink port of the requester
 * @seq: sequence number of the request
 * @flags: netlink flags (NLM_F_MULTI in dumps)
 *
 * Net and block config spaces are decoded field by field: the fields the
 * device's features define, in the byte order the negotiated features
 * imply. Before feature negotiation completes the negotiated features are
 * left out; the device is never changed.
 *
 * Context: vdpa_mgmt_lock held; takes &vdpa_device.cf_lock.
 * Return: 0, -EMSGSIZE or -ENOMEM (with nothing added to @msg).
 */
int vdpa_nl_fill_config(struct sk_buff *msg, struct vdpa_device *vdev,
			u32 portid, u32 seq, int flags)
{
	void *hdr;
	int err;

	hdr = genlmsg_put(msg, portid, seq, &vdpa_nl_family, flags,
			  VDPA_CMD_DEV_CONFIG_GET);
	if (!hdr)
		return -EMSGSIZE;
	err = nla_put_string(msg, VDPA_ATTR_DEV_NAME, dev_name(&vdev->dev));
	if (!err)
		err = vdpa_nl_put_config(msg, vdev);
	if (err) {
		genlmsg_cancel(msg, hdr);
		return err;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

/*
 * The queue-pair count a net device's queue indices are read against:
 * iproute2 labels queue 2 * max_vqp as the control queue, so it must be
 * sent even without multiqueue (then it is 1).
 */
static u16 vdpa_net_max_vqp(const struct vdpa_cfg_view *view)
{
	__virtio16 v = view->buf.net.max_virtqueue_pairs;

	if (!(view->features & BIT_ULL(VIRTIO_NET_F_MQ)))
		return 1;
	return __virtio16_to_cpu(view->little_endian, v);
}

static int vdpa_nl_put_vstats(struct sk_buff *msg, struct vdpa_device *vdev,
			      u32 index, struct netlink_ext_ack *extack)
{
	struct vdpa_cfg_view *view;
	int err = -EMSGSIZE;

	view = kmalloc(sizeof(*view), GFP_KERNEL);
	if (!view)
		return -ENOMEM;

	down_read(&vdev->cf_lock);
	if (!vdpa_cfg_snapshot(vdev, view, false)) {
		NL_SET_ERR_MSG(extack,
			       "vdpa: feature negotiation has not completed");
		err = -EAGAIN;
		goto out;
	}
	if (nla_put_u64_64bit(msg, VDPA_ATTR_DEV_NEGOTIATED_FEATURES,
			      view->features, VDPA_ATTR_PAD))
		goto out;
	if (vdev->config->get_device_id(vdev) == VIRTIO_ID_NET &&
	    nla_put_u16(msg, VDPA_ATTR_DEV_NET_CFG_MAX_VQP,
			vdpa_net_max_vqp(view)))
		goto out;
	if (nla_put_u32(msg, VDPA_ATTR_DEV_QUEUE_INDEX, index))
		goto out;
	err = vdev->config->get_vendor_vq_stats(vdev, index, msg, extack);
out:
	up_read(&vdev->cf_lock);
	kfree(view);
	return err;
}

/**
 * vdpa_nl_fill_vstats() - report a queue's vendor statistics
 * @msg: the message
 * @vdev: the device; its parent has &vdpa_config_ops.get_vendor_vq_stats
 * @index: the queue index, below &vdpa_device.nvqs
 * @info: the request
 *
 * Context: vdpa_mgmt_lock held; takes &vdpa_device.cf_lock.
 * Return: 0, -EAGAIN before feature negotiation, or the error of the
 * parent or of building the message (with nothing added to @msg).
 */
int vdpa_nl_fill_vstats(struct sk_buff *msg, struct vdpa_device *vdev,
			u32 index, struct genl_info *info)
{
	void *hdr;
	int err;

	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq, &vdpa_nl_family,
			  0, VDPA_CMD_DEV_VSTATS_GET);
	if (!hdr)
		return -EMSGSIZE;
	err = -EMSGSIZE;
	if (!nla_put_string(msg, VDPA_ATTR_DEV_NAME, dev_name(&vdev->dev)) &&
	    !nla_put_u32(msg, VDPA_ATTR_DEV_ID,
			 vdev->config->get_device_id(vdev)))
		err = vdpa_nl_put_vstats(msg, vdev, index, info->extack);
	if (err) {
		genlmsg_cancel(msg, hdr);
		return err;
	}
	genlmsg_end(msg, hdr);
	return 0;
}
