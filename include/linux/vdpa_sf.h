/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vDPA devices on devlink sub-functions: the contract between a PF driver
 * and the generic glue (vdpa_sf.ko).
 */
#ifndef _LINUX_VDPA_SF_H
#define _LINUX_VDPA_SF_H

#include <linux/types.h>
#include <linux/vdpa.h>
#include <net/devlink.h>

/**
 * DOC: vDPA on sub-functions
 *
 * A PF driver that can carve sub-functions (SFs) out of its device offers
 * vDPA on them through this glue. It creates one &struct vdpa_sf_table per
 * devlink instance, points its &devlink_ops.port_new at a one-line wrapper
 * around vdpa_sf_port_new(), and supplies a &struct vdpa_sf_ops. The glue
 * does the rest, the same way for every PF driver:
 *
 * - ``devlink port add ... flavour pcisf pfnum P sfnum N`` registers a
 *   devlink port (flavour pcisf, function state inactive, operational state
 *   detached) after checking the PF number, that the sfnum is free and that
 *   the table has an SF left;
 * - ``devlink port function set ... hw_addr M`` stores the MAC the SF's
 *   network device will have;
 * - ``state active`` asks the PF driver to activate the SF
 *   (&vdpa_sf_ops.activate, which says what the SF can offer), then
 *   publishes an auxiliary device ``vdpa_sf.sf.<id>``. The glue's auxiliary
 *   driver binds it and registers the SF's vDPA management device
 *   ``auxiliary/vdpa_sf.sf.<id>``; the operational state is ``attached``
 *   while that driver is bound;
 * - ``vdpa dev add ... mgmtdev auxiliary/vdpa_sf.sf.<id>`` creates the SF's
 *   one vDPA device through &vdpa_sf_ops.dev_add, with the port function's
 *   MAC (a different ``mac`` attribute is refused);
 * - ``state inactive``, ``devlink port del`` and vdpa_sf_table_destroy()
 *   tear down in one order: the management device is unlisted (no new
 *   device), the vDPA device is deleted (its bus driver first), the
 *   auxiliary device goes, then &vdpa_sf_ops.deactivate runs and, for a
 *   deletion, the devlink port goes.
 *
 * Locking, outermost first: the devlink instance lock (held by devlink
 * around every port operation, and by the PF driver around the table
 * calls), the auxiliary device's lock (its driver's probe and remove), the
 * vDPA core's management lock, a vDPA device's lock, rtnl (a bus driver
 * going away), and innermost &vdpa_sf_table's own mutex, which protects
 * the SF list and every SF's state and is never held while calling out.
 * &vdpa_sf_ops.activate and &vdpa_sf_ops.deactivate run under the devlink
 * lock; &vdpa_sf_ops.dev_add and &vdpa_sf_ops.dev_del under the management
 * lock only (from vdpa netlink, or from an unbind of the glue's driver),
 * so they may run while another SF of the table is activated. A callback
 * must not take the devlink lock nor call the table's devlink-side
 * functions (vdpa_sf_port_new(), vdpa_sf_table_destroy()); it may call
 * vdpa_sf_charge_vqs() (dev_add only), vdpa_sf_table(), vdpa_sf_num(),
 * vdpa_sf_table_priv() and vdpa_sf_table_active().
 */

struct vdpa_sf;
struct vdpa_sf_table;

/**
 * struct vdpa_sf_caps - what an active SF offers, filled by activate
 * @id_table: the device classes (&vdpa_mgmt_dev.id_table); must live as
 *            long as the table
 * @supported_features: the features a device of the SF may offer
 * @config_attr_mask: the ``vdpa dev add`` attributes the SF takes
 *                    (&vdpa_mgmt_dev.config_attr_mask)
 * @max_vqs: virtqueues of one device of the SF
 */
struct vdpa_sf_caps {
	struct virtio_device_id *id_table;
	u64 supported_features;
	u64 config_attr_mask;
	u32 max_vqs;
};

/**
 * struct vdpa_sf_ops - what the PF driver supplies
 * @activate: reserve the SF's resources and fill @caps; called for
 *            ``state active`` with the devlink lock held, before the SF is
 *            published. An error (with an @extack message) leaves the SF
 *            inactive
 * @deactivate: optional; release what @activate reserved, after the SF's
 *              vDPA device, management device and auxiliary device are gone
 * @dev_add: create and register the SF's vDPA device @name on management
 *           device @mdev (set its &vdpa_device.mdev to @mdev), after
 *           charging its virtqueues with vdpa_sf_charge_vqs(); @config
 *           carries the port function's MAC when it has one and the SF
 *           takes a MAC attribute (&vdpa_sf_caps.config_attr_mask), and
 *           its &vdpa_dev_set_config.extack. Return the registered device
 *           or an ERR_PTR(). Called under the vDPA management lock
 * @dev_del: unregister a device @dev_add created; the same lock held
 */
struct vdpa_sf_ops {
	int (*activate)(struct vdpa_sf *sf, struct vdpa_sf_caps *caps,
			struct netlink_ext_ack *extack);
	void (*deactivate)(struct vdpa_sf *sf);
	struct vdpa_device *(*dev_add)(struct vdpa_sf *sf,
				       struct vdpa_mgmt_dev *mdev,
				       const char *name,
				       const struct vdpa_dev_set_config *config);
	void (*dev_del)(struct vdpa_sf *sf, struct vdpa_device *dev);
};

/**
 * struct vdpa_sf_table_cfg - a PF's SF table
 * @ops: the PF driver's callbacks
 * @priv: the PF driver's data, returned by vdpa_sf_table_priv()
 * @controller: the controller number of the PF's ports
 * @pfnum: the PF number ``devlink port add`` must name
 * @max_sfs: SFs the PF can have at once (``devlink port add`` beyond them
 *           is refused with ENOSPC)
 * @max_vqs: virtqueues all the SFs' devices may use together (0: no limit
 *           beyond &vdpa_sf_caps.max_vqs each, which vdpa_sf_charge_vqs()
 *           enforces too)
 * @first_port_index: devlink port index of the first SF; SF ports take
 *                    indices from here on
 */
struct vdpa_sf_table_cfg {
	const struct vdpa_sf_ops *ops;
	void *priv;
	u32 controller;
	u16 pfnum;
	u32 max_sfs;
	u32 max_vqs;
	u32 first_port_index;
};

struct vdpa_sf_table *vdpa_sf_table_create(struct devlink *devlink,
					   const struct vdpa_sf_table_cfg *cfg);
void vdpa_sf_table_destroy(struct vdpa_sf_table *table);
int vdpa_sf_port_new(struct vdpa_sf_table *table,
		     const struct devlink_port_new_attrs *attrs,
		     struct netlink_ext_ack *extack,
		     struct devlink_port **port);
unsigned int vdpa_sf_table_active(struct vdpa_sf_table *table);
void *vdpa_sf_table_priv(struct vdpa_sf_table *table);

u32 vdpa_sf_num(const struct vdpa_sf *sf);
struct vdpa_sf_table *vdpa_sf_table(const struct vdpa_sf *sf);
int vdpa_sf_charge_vqs(struct vdpa_sf *sf, u32 nvqs,
		       struct netlink_ext_ack *extack);

#endif /* _LINUX_VDPA_SF_H */
