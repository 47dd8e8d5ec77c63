/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdpa_sim_sf: a simulated adapter with devlink sub-functions. Private
 * definitions shared by its files.
 */
#ifndef _VDPA_SIM_SF_H
#define _VDPA_SIM_SF_H

#include <linux/device.h>
#include <linux/list.h>
#include <linux/vdpa_sf.h>
#include <net/devlink.h>

/* Defaults of "new_device ID [MAX_SFS [MAX_VQS]]". */
#define VSF_DEFAULT_SFS		4
#define VSF_DEFAULT_VQS		32
#define VSF_MAX_SFS		256
#define VSF_MAX_VQS		4096

/**
 * struct vsf_adapter - a simulated adapter (a device on the ``vdpasim`` bus)
 * @dev: the device, ``adapterN``; the devlink instance is
 *       ``vdpasim/adapterN`` while the adapter driver is bound
 * @node: in the list of adapters (under vsf_lock, see main.c)
 * @id: N
 * @max_sfs: SFs it can have at once
 * @max_vqs: virtqueues its SFs' devices may use together
 */
struct vsf_adapter {
	struct device dev;
	struct list_head node;
	u32 id;
	u32 max_sfs;
	u32 max_vqs;
};

/**
 * struct vsf_pf - the PF of a bound adapter (the devlink instance's priv)
 * @adapter: the adapter
 * @table: its SFs
 * @debugfs: ``vdpa_sim/adapterN/``, where its devices' knobs go
 * @sf_class: devlink param ``sf_class``: the class of the SFs activated
 *            next, %VIRTIO_ID_NET or %VIRTIO_ID_BLOCK (devlink lock)
 * @sf_max_vqs: devlink param ``sf_max_vqs``: the virtqueues of one device
 *              of an SF activated next (devlink lock)
 */
struct vsf_pf {
	struct vsf_adapter *adapter;
	struct vdpa_sf_table *table;
	struct dentry *debugfs;
	u32 sf_class;
	u32 sf_max_vqs;
};

int vsf_pf_probe(struct vsf_adapter *adapter);
void vsf_pf_remove(struct vsf_adapter *adapter);
unsigned int vsf_pf_active_sfs(struct vsf_adapter *adapter);

#endif /* _VDPA_SIM_SF_H */
