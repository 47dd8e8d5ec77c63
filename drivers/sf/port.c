// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_sf: the devlink port operations of an SF (delete, port function
 * MAC and state). devlink calls each with the instance lock held.
 */
#include <uapi/linux/vdpa.h>

#include "sf.h"

static struct vdpa_sf *port_to_sf(struct devlink_port *port)
{
	return container_of(port, struct vdpa_sf, port);
}

static int vdpa_sf_port_del(struct devlink *devlink, struct devlink_port *port,
			    struct netlink_ext_ack *extack)
{
	vdpa_sf_delete(port_to_sf(port));
	return 0;
}

static int vdpa_sf_hw_addr_get(struct devlink_port *port, u8 *hw_addr,
			       int *hw_addr_len, struct netlink_ext_ack *extack)
{
	struct vdpa_sf *sf = port_to_sf(port);

	mutex_lock(&sf->table->lock);
	ether_addr_copy(hw_addr, sf->hw_addr);
	mutex_unlock(&sf->table->lock);
	*hw_addr_len = ETH_ALEN;
	return 0;
}

/*
 * The MAC is the one the SF's next network device gets. It cannot change
 * under a device that has it: the device would keep the old one.
 */
static int vdpa_sf_hw_addr_set(struct devlink_port *port, const u8 *hw_addr,
			       int hw_addr_len, struct netlink_ext_ack *extack)
{
	struct vdpa_sf *sf = port_to_sf(port);
	int err = 0;

	if (hw_addr_len != ETH_ALEN) {
		NL_SET_ERR_MSG_MOD(extack, "a MAC address has 6 bytes");
		return -EINVAL;
	}
	if (!is_zero_ether_addr(hw_addr) && !is_valid_ether_addr(hw_addr)) {
		NL_SET_ERR_MSG_MOD(extack, "not a unicast MAC address");
		return -EINVAL;
	}
	mutex_lock(&sf->table->lock);
	if ((sf->vdev || sf->adding) &&
	    (sf->caps.config_attr_mask & BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR))) {
		NL_SET_ERR_MSG_MOD(extack, "delete the SF's vDPA device first: it uses the MAC");
		err = -EBUSY;
	} else {
		ether_addr_copy(sf->hw_addr, hw_addr);
	}
	mutex_unlock(&sf->table->lock);
	return err;
}

static int vdpa_sf_state_get(struct devlink_port *port,
			     enum devlink_port_fn_state *state,
			     enum devlink_port_fn_opstate *opstate,
			     struct netlink_ext_ack *extack)
{
	struct vdpa_sf *sf = port_to_sf(port);

	mutex_lock(&sf->table->lock);
	*state = sf->aux ? DEVLINK_PORT_FN_STATE_ACTIVE :
			   DEVLINK_PORT_FN_STATE_INACTIVE;
	*opstate = sf->attached ? DEVLINK_PORT_FN_OPSTATE_ATTACHED :
				  DEVLINK_PORT_FN_OPSTATE_DETACHED;
	mutex_unlock(&sf->table->lock);
	return 0;
}

static int vdpa_sf_state_set(struct devlink_port *port,
			     enum devlink_port_fn_state state,
			     struct netlink_ext_ack *extack)
{
	struct vdpa_sf *sf = port_to_sf(port);
	bool active;

	devl_assert_locked(sf->table->devlink);
	/* Only devlink's port operations change sf->aux, under its lock. */
	active = !!sf->aux;
	if (state == DEVLINK_PORT_FN_STATE_ACTIVE)
		return active ? 0 : vdpa_sf_publish(sf, extack);
	vdpa_sf_unpublish(sf);
	return 0;
}

const struct devlink_port_ops vdpa_sf_port_ops = {
	.port_del = vdpa_sf_port_del,
	.port_fn_hw_addr_get = vdpa_sf_hw_addr_get,
	.port_fn_hw_addr_set = vdpa_sf_hw_addr_set,
	.port_fn_state_get = vdpa_sf_state_get,
	.port_fn_state_set = vdpa_sf_state_set,
};
