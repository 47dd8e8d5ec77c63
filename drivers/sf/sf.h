/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdpa_sf: private definitions shared by the files of vdpa_sf.ko.
 */
#ifndef _VDPA_SF_PRIV_H
#define _VDPA_SF_PRIV_H

#include <linux/auxiliary_bus.h>
#include <linux/etherdevice.h>
#include <linux/idr.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/vdpa_sf.h>

/* The auxiliary device name of an SF: "vdpa_sf.sf.<id>". */
#define VDPA_SF_AUX_NAME "sf"

/**
 * struct vdpa_sf_table - the SFs of one PF
 * @devlink: the PF's devlink instance
 * @cfg: what the PF driver asked for (a copy)
 * @lock: protects @sfs, @nr_sfs, @vqs_used and the fields of every SF
 *        that say so; innermost (see "vDPA on sub-functions")
 * @sfs: the SFs, in creation order
 * @nr_sfs: how many
 * @vqs_used: virtqueues charged by the SFs' devices
 * @port_ids: devlink port indices in use
 */
struct vdpa_sf_table {
	struct devlink *devlink;
	struct vdpa_sf_table_cfg cfg;
	struct mutex lock;	/* protects sfs, counts, SF state */
	struct list_head sfs;
	u32 nr_sfs;
	u32 vqs_used;
	struct ida port_ids;
};

/**
 * struct vdpa_sf_aux - one activation of an SF: its auxiliary device and
 *                      the management device the glue's driver registers
 * @adev: the auxiliary device; its release frees this structure
 * @mdev: the SF's management device (registered while the glue's driver
 *        is bound to @adev)
 * @sf: the SF; outlives @adev's registration
 */
struct vdpa_sf_aux {
	struct auxiliary_device adev;
	struct vdpa_mgmt_dev mdev;
	struct vdpa_sf *sf;
};

/**
 * struct vdpa_sf - one sub-function
 * @port: its devlink port (flavour pcisf)
 * @table: the PF's table
 * @node: in &vdpa_sf_table.sfs (under &vdpa_sf_table.lock)
 * @sfnum: the user's SF number
 * @id: the auxiliary device id, unique among all tables
 * @caps: what the PF's activate offered
 * @hw_addr: the port function's MAC, zero if none (under the lock)
 * @aux: the published auxiliary device while active (under the lock)
 * @attached: the glue's driver is bound to @aux (under the lock)
 * @vdev: the SF's vDPA device (under the lock)
 * @adding: the PF driver is creating @vdev (under the lock)
 * @charged: virtqueues charged for @vdev (under the lock)
 */
struct vdpa_sf {
	struct devlink_port port;
	struct vdpa_sf_table *table;
	struct list_head node;
	u32 sfnum;
	u32 id;
	struct vdpa_sf_caps caps;
	u8 hw_addr[ETH_ALEN];
	struct vdpa_sf_aux *aux;
	bool attached;
	struct vdpa_device *vdev;
	bool adding;
	u32 charged;
};

extern const struct devlink_port_ops vdpa_sf_port_ops;
extern struct auxiliary_driver vdpa_sf_aux_driver;

int vdpa_sf_publish(struct vdpa_sf *sf, struct netlink_ext_ack *extack);
void vdpa_sf_unpublish(struct vdpa_sf *sf);
void vdpa_sf_delete(struct vdpa_sf *sf);

#endif /* _VDPA_SF_PRIV_H */
