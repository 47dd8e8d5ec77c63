/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private interfaces between the files of vdpa.ko. Nothing here is
 * exported to other modules, except what KUnit suites reach through
 * EXPORT_SYMBOL_IF_KUNIT().
 */
#ifndef _VDPA_CORE_H
#define _VDPA_CORE_H

#include <linux/rwsem.h>
#include <linux/vdpa.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <uapi/linux/virtio_blk.h>
#include <uapi/linux/virtio_net.h>
#include <kunit/visibility.h>

extern const struct bus_type vdpa_bus;

/* bus.c: the device name rule, shared with netlink.c */
bool vdpa_name_valid(const char *name);

/*
 * vdpa_devices - the published devices, indexed by &vdpa_device.index, so
 * that netlink dumps walk them in a stable order. Written under
 * vdpa_mgmt_lock held for writing; readers hold it for reading.
 */
extern struct xarray vdpa_devices;

/*
 * vdpa_mgmt_lock - the management lock of <linux/vdpa.h> ("Locking").
 * Protects: vdpa_mgmt_list and every &vdpa_mgmt_dev.list entry; the set
 * of registered vDPA devices, so that the name check and device_add() of
 * a registration are atomic; and the lifetime of a management device for
 * whoever holds it (unregistration takes it for writing). Taken before
 * a vDPA device's device lock (nl_msg.c reads the bound driver under it;
 * device_add() and device_del() bind and unbind under it), never after.
 */
extern struct rw_semaphore vdpa_mgmt_lock;
extern struct list_head vdpa_mgmt_list;

/* netlink.c: the "vdpa" generic netlink family */
extern struct genl_family vdpa_nl_family;

/* The family's multicast groups; "dev" announces device creation/deletion. */
enum vdpa_nl_mcgrp {
	VDPA_NL_MCGRP_DEV,
};

#define VDPA_NL_MCGRP_DEV_NAME "dev"

int vdpa_nl_init(void);
void vdpa_nl_exit(void);
void vdpa_nl_notify(struct vdpa_device *vdev, u8 cmd);

/* nl_msg.c: message builders */
int vdpa_nl_fill_mgmtdev(struct sk_buff *msg, const struct vdpa_mgmt_dev *mdev,
			 u32 portid, u32 seq, int flags);
int vdpa_nl_fill_dev(struct sk_buff *msg, struct vdpa_device *vdev, u8 cmd,
		     u32 portid, u32 seq, int flags);
int vdpa_nl_fill_config(struct sk_buff *msg, struct vdpa_device *vdev,
			u32 portid, u32 seq, int flags);
int vdpa_nl_fill_vstats(struct sk_buff *msg, struct vdpa_device *vdev,
			u32 index, struct genl_info *info);

/**
 * struct vdpa_cfg_view - a snapshot of a config space and how to decode it
 * @buf: the config space; bytes past the device's config size are zero
 * @buf.net: as a network device's
 * @buf.blk: as a block device's
 * @features: the features that decide which fields exist
 * @little_endian: whether multi-byte fields are little endian
 */
struct vdpa_cfg_view {
	union {
		struct virtio_net_config net;
		struct virtio_blk_config blk;
	} buf;
	u64 features;
	bool little_endian;
};

/* Only visible to the KUnit suites. */
#if IS_ENABLED(CONFIG_KUNIT)
int vdpa_nl_put_config_fields(struct sk_buff *msg, u32 device_id,
			      const struct vdpa_cfg_view *view);
int vdpa_nl_put_driver(struct sk_buff *msg, struct device *dev);
const char *vdpa_check_ops(const struct vdpa_config_ops *ops,
			   unsigned int ngroups, unsigned int nas,
			   bool use_va);
#endif

/* nl_parse.c: request validation */
int vdpa_nl_check_attrs(u8 cmd, bool dump, struct nlattr **attrs,
			struct netlink_ext_ack *extack);
int vdpa_nl_parse_dev_config(struct nlattr **attrs,
			     const struct vdpa_mgmt_dev *mdev,
			     struct vdpa_dev_set_config *cfg,
			     struct netlink_ext_ack *extack);

#endif /* _VDPA_CORE_H */
