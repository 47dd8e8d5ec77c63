// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_sf: vDPA devices on devlink sub-functions, the generic glue (see
 * include/linux/vdpa_sf.h). This file: the module, the SF tables and
 * ``devlink port add``.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "sf.h"

/* Auxiliary device ids: the name "vdpa_sf.sf.<id>" is unique system-wide. */
static DEFINE_IDA(vdpa_sf_ids);

/**
 * vdpa_sf_table_create() - create the SF table of a PF
 * @devlink: the PF's devlink instance
 * @cfg: the table's parameters (copied)
 *
 * The PF driver's &devlink_ops.port_new calls vdpa_sf_port_new() on the
 * table from then on.
 *
 * Return: the table, or an ERR_PTR(): -EINVAL for a @cfg without ops,
 * without activate, dev_add or dev_del, or with no SF; -ENOMEM.
 */
struct vdpa_sf_table *vdpa_sf_table_create(struct devlink *devlink,
					   const struct vdpa_sf_table_cfg *cfg)
{
	struct vdpa_sf_table *table;

	if (!cfg->ops || !cfg->ops->activate || !cfg->ops->dev_add ||
	    !cfg->ops->dev_del || !cfg->max_sfs)
		return ERR_PTR(-EINVAL);
	table = kzalloc(sizeof(*table), GFP_KERNEL);
	if (!table)
		return ERR_PTR(-ENOMEM);
	table->devlink = devlink;
	table->cfg = *cfg;
	mutex_init(&table->lock);
	INIT_LIST_HEAD(&table->sfs);
	ida_init(&table->port_ids);
	return table;
}
EXPORT_SYMBOL_GPL(vdpa_sf_table_create);

/**
 * vdpa_sf_table_destroy() - delete every SF of a table, then the table
 * @table: the table
 *
 * Active SFs are torn down as by ``devlink port del``: their vDPA devices
 * go even if in use (a bus driver is unbound, an open vhost-vdpa file
 * loses its device). Call with the devlink instance lock held.
 */
void vdpa_sf_table_destroy(struct vdpa_sf_table *table)
{
	struct vdpa_sf *sf;

	devl_assert_locked(table->devlink);
	for (;;) {
		mutex_lock(&table->lock);
		sf = list_first_entry_or_null(&table->sfs, struct vdpa_sf, node);
		mutex_unlock(&table->lock);
		if (!sf)
			break;
		vdpa_sf_delete(sf);
	}
	ida_destroy(&table->port_ids);
	mutex_destroy(&table->lock);
	kfree(table);
}
EXPORT_SYMBOL_GPL(vdpa_sf_table_destroy);

static int vdpa_sf_new_check(struct vdpa_sf_table *table,
			     const struct devlink_port_new_attrs *attrs,
			     struct netlink_ext_ack *extack)
{
	if (attrs->flavour != DEVLINK_PORT_FLAVOUR_PCI_SF) {
		NL_SET_ERR_MSG_MOD(extack, "only pcisf ports can be added");
		return -EOPNOTSUPP;
	}
	if (attrs->pfnum != table->cfg.pfnum) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "no PF %u here: the PF number is %u",
				       attrs->pfnum, table->cfg.pfnum);
		return -EINVAL;
	}
	if (attrs->controller_valid &&
	    attrs->controller != table->cfg.controller) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "no controller %u here: the controller is %u",
				       attrs->controller, table->cfg.controller);
		return -EINVAL;
	}
	if (attrs->port_index_valid) {
		NL_SET_ERR_MSG_MOD(extack, "the port index is chosen by the driver");
		return -EOPNOTSUPP;
	}
	if (!attrs->sfnum_valid) {
		NL_SET_ERR_MSG_MOD(extack, "an sfnum is required");
		return -EINVAL;
	}
	return 0;
}

/* Reserve the sfnum and a place in the table; called with its lock. */
static int vdpa_sf_reserve(struct vdpa_sf_table *table, struct vdpa_sf *sf,
			   struct netlink_ext_ack *extack)
{
	struct vdpa_sf *other;

	lockdep_assert_held(&table->lock);
	list_for_each_entry(other, &table->sfs, node) {
		if (other->sfnum == sf->sfnum) {
			NL_SET_ERR_MSG_FMT_MOD(extack, "sfnum %u is in use by port %u",
					       sf->sfnum, other->port.index);
			return -EEXIST;
		}
	}
	if (table->nr_sfs >= table->cfg.max_sfs) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "all %u sub-functions of this PF are in use",
				       table->cfg.max_sfs);
		return -ENOSPC;
	}
	table->nr_sfs++;
	list_add_tail(&sf->node, &table->sfs);
	return 0;
}

static void vdpa_sf_unreserve(struct vdpa_sf *sf)
{
	struct vdpa_sf_table *table = sf->table;

	mutex_lock(&table->lock);
	list_del(&sf->node);
	table->nr_sfs--;
	mutex_unlock(&table->lock);
}

static struct vdpa_sf *vdpa_sf_alloc(struct vdpa_sf_table *table, u32 sfnum)
{
	struct vdpa_sf *sf;
	int id;

	sf = kzalloc(sizeof(*sf), GFP_KERNEL);
	if (!sf)
		return ERR_PTR(-ENOMEM);
	id = ida_alloc(&vdpa_sf_ids, GFP_KERNEL);
	if (id < 0) {
		kfree(sf);
		return ERR_PTR(id);
	}
	sf->id = id;
	sf->table = table;
	sf->sfnum = sfnum;
	return sf;
}

static void vdpa_sf_free(struct vdpa_sf *sf)
{
	ida_free(&vdpa_sf_ids, sf->id);
	kfree(sf);
}

/* Register @sf's devlink port: the last step of adding an SF. */
static int vdpa_sf_port_register(struct vdpa_sf *sf)
{
	struct vdpa_sf_table *table = sf->table;
	int index;
	int err;

	index = ida_alloc_min(&table->port_ids, table->cfg.first_port_index,
			      GFP_KERNEL);
	if (index < 0)
		return index;
	devlink_port_attrs_pci_sf_set(&sf->port, table->cfg.controller,
				      table->cfg.pfnum, sf->sfnum, false);
	err = devl_port_register_with_ops(table->devlink, &sf->port, index,
					  &vdpa_sf_port_ops);
	if (err)
		ida_free(&table->port_ids, index);
	return err;
}

/**
 * vdpa_sf_port_new() - ``devlink port add`` of an SF
 * @table: the PF's table
 * @attrs: what the user asked for
 * @extack: where to explain a refusal
 * @port: the new port, on success
 *
 * What the PF driver's &devlink_ops.port_new calls. The SF starts
 * inactive, with no MAC. Called with the devlink instance lock held (as
 * devlink calls port_new).
 *
 * Return: 0, or -EOPNOTSUPP (not a pcisf port, or a port index given),
 * -EINVAL (another PF or controller, no sfnum), -EEXIST (sfnum in use),
 * -ENOSPC (no SF left, or no id or port index left), -EBUSY (devlink has a
 * port at the index), -ENOMEM.
 */
int vdpa_sf_port_new(struct vdpa_sf_table *table,
		     const struct devlink_port_new_attrs *attrs,
		     struct netlink_ext_ack *extack,
		     struct devlink_port **port)
{
	struct vdpa_sf *sf;
	int err;

	devl_assert_locked(table->devlink);
	err = vdpa_sf_new_check(table, attrs, extack);
	if (err)
		return err;
	sf = vdpa_sf_alloc(table, attrs->sfnum);
	if (IS_ERR(sf))
		return PTR_ERR(sf);
	mutex_lock(&table->lock);
	err = vdpa_sf_reserve(table, sf, extack);
	mutex_unlock(&table->lock);
	if (err)
		goto err_free;
	err = vdpa_sf_port_register(sf);
	if (err)
		goto err_unreserve;
	*port = &sf->port;
	return 0;

err_unreserve:
	vdpa_sf_unreserve(sf);
err_free:
	vdpa_sf_free(sf);
	return err;
}
EXPORT_SYMBOL_GPL(vdpa_sf_port_new);

/**
 * vdpa_sf_delete() - delete an SF: deactivate it, then its devlink port
 * @sf: the SF
 *
 * Called with the devlink instance lock held.
 */
void vdpa_sf_delete(struct vdpa_sf *sf)
{
	struct vdpa_sf_table *table = sf->table;
	unsigned int index = sf->port.index;

	devl_assert_locked(table->devlink);
	vdpa_sf_unpublish(sf);
	devl_port_unregister(&sf->port);
	ida_free(&table->port_ids, index);
	vdpa_sf_unreserve(sf);
	vdpa_sf_free(sf);
}

/**
 * vdpa_sf_table_active() - how many SFs of a table are active
 * @table: the table
 *
 * Return: the number of SFs whose function state is active.
 */
unsigned int vdpa_sf_table_active(struct vdpa_sf_table *table)
{
	unsigned int n = 0;
	struct vdpa_sf *sf;

	mutex_lock(&table->lock);
	list_for_each_entry(sf, &table->sfs, node)
		n += !!sf->aux;
	mutex_unlock(&table->lock);
	return n;
}
EXPORT_SYMBOL_GPL(vdpa_sf_table_active);

/**
 * vdpa_sf_table_priv() - the PF driver's data of a table
 * @table: the table
 *
 * Return: &vdpa_sf_table_cfg.priv.
 */
void *vdpa_sf_table_priv(struct vdpa_sf_table *table)
{
	return table->cfg.priv;
}
EXPORT_SYMBOL_GPL(vdpa_sf_table_priv);

/**
 * vdpa_sf_table() - the table of an SF
 * @sf: the SF
 *
 * Return: the table @sf belongs to.
 */
struct vdpa_sf_table *vdpa_sf_table(const struct vdpa_sf *sf)
{
	return sf->table;
}
EXPORT_SYMBOL_GPL(vdpa_sf_table);

/**
 * vdpa_sf_num() - the sfnum of an SF
 * @sf: the SF
 *
 * Return: the SF number the user gave to ``devlink port add``.
 */
u32 vdpa_sf_num(const struct vdpa_sf *sf)
{
	return sf->sfnum;
}
EXPORT_SYMBOL_GPL(vdpa_sf_num);

static int __init vdpa_sf_init(void)
{
	return auxiliary_driver_register(&vdpa_sf_aux_driver);
}

static void __exit vdpa_sf_exit(void)
{
	auxiliary_driver_unregister(&vdpa_sf_aux_driver);
	ida_destroy(&vdpa_sf_ids);
}

module_init(vdpa_sf_init);
module_exit(vdpa_sf_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(VDPA_OOT_VERSION);
MODULE_DESCRIPTION("vDPA devices on devlink sub-functions");
