// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for the SF glue (vdpa_sf.ko): the state machine of a
 * sub-function, driven the way devlink and the vDPA core drive it.
 *
 * A fake PF (&struct tsf_pf) owns a KUnit device, a devlink instance on it
 * (never registered: nothing reaches it from user space) and an SF table
 * whose &vdpa_sf_ops record every call, in order, with what the SF looked
 * like at that moment (auxiliary device there and bound, devlink port
 * registered); activate and dev_add can be told to fail. Its dev_add
 * creates a real minimal vDPA device on the bus and charges its
 * virtqueues with vdpa_sf_charge_vqs().
 *
 * The suite calls what devlink and the core would call, with their locks:
 * vdpa_sf_port_new() and the port's &devlink_port_ops with the devlink
 * instance lock held, the management device's dev_add and dev_del with
 * vdpa_mgmt_lock held for writing. The management device itself is
 * private to the glue (the core's list of them is not exported), so the
 * suite reaches it from the auxiliary device through drivers/sf/sf.h; it
 * also takes from there the auxiliary device id, to look the device up by
 * its name. Everything else goes through <linux/vdpa_sf.h>.
 *
 * vdpa_sf: table creation, port_new refusals and what they leave, SF port
 *          attributes, activation (published auxiliary device, bound
 *          driver, management device) and its failures, teardown order
 *          (state inactive, port del, table destroy), the port function's
 *          MAC (hw_addr set, the mac attribute of dev_add), virtqueue
 *          charging, one device per SF, unbinding the glue's driver, and
 *          vdpa_sf_table_active().
 *
 * The suite expects no vDPA bus driver to be loaded while it runs.
 */

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/completion.h>
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/rwsem.h>
#include <linux/string.h>
#include <linux/vdpa.h>
#include <linux/vdpa_sf.h>
#include <linux/workqueue.h>
#include <net/devlink.h>
#include <uapi/linux/vdpa.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>

#include "../../core/vdpa_core.h"
#include "../../drivers/sf/sf.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define TSF_PARENT		"vdpa-sf-kunit"
#define TSF_PFNUM		2
#define TSF_CONTROLLER		0
#define TSF_MAX_SFS		2
#define TSF_FIRST_PORT		16
#define TSF_SFNUM		7	/* the SFs a test adds first: 7, 8... */
#define TSF_SFNUM_NEW		20	/* sfnums no test adds beforehand */
#define TSF_SF_VQS		4	/* &vdpa_sf_caps.max_vqs */
#define TSF_DEV_VQS		2	/* virtqueues of a device by default */
#define TSF_VQ_NUM_MAX		256
#define TSF_VENDOR_ID		0x53465453
#define TSF_CONFIG_SIZE		8
#define TSF_FEATURES		BIT_ULL(VIRTIO_F_VERSION_1)
#define TSF_MAC_ATTR		BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR)
#define TSF_MAX_EVENTS		16
#define TSF_NAME_LEN		32
#define TSF_PF_MSG		"tsf: the PF was told to fail"

static const u8 tsf_mac_a[ETH_ALEN] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const u8 tsf_mac_b[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

static struct virtio_device_id tsf_id_table[] = {
	{ VIRTIO_ID_NET, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

static const struct vdpa_sf_caps tsf_default_caps = {
	.id_table = tsf_id_table,
	.supported_features = TSF_FEATURES,
	.config_attr_mask = TSF_MAC_ATTR,
	.max_vqs = TSF_SF_VQS,
};

/* What port_new must not write on a refusal. */
static struct devlink_port tsf_untouched;

/* The calls of the fake PF's &vdpa_sf_ops. */
enum tsf_call {
	TSF_ACTIVATE,
	TSF_DEV_ADD,
	TSF_DEV_DEL,
	TSF_DEACTIVATE,
	TSF_NR_CALLS
};

static const char * const tsf_call_names[TSF_NR_CALLS] = {
	[TSF_ACTIVATE] = "activate",
	[TSF_DEV_ADD] = "dev_add",
	[TSF_DEV_DEL] = "dev_del",
	[TSF_DEACTIVATE] = "deactivate",
};

/**
 * struct tsf_event - one call of the fake PF's &vdpa_sf_ops
 * @call: which
 * @sfnum: the SF's number
 * @aux: whether the SF's auxiliary device was there: for dev_add and
 *       dev_del, registered and bound to the glue's driver; for activate
 *       and deactivate, a child of the PF's device
 * @port: whether the SF's devlink port was registered
 */
struct tsf_event {
	enum tsf_call call;
	u32 sfnum;
	bool aux;
	bool port;
};

/**
 * struct tsf_pf - a fake PF and the record of the glue's calls
 * @test: the test
 * @parent: the PF's device, parent of the SFs' auxiliary devices
 * @devlink: its devlink instance, on @parent, not registered
 * @table: its SF table
 * @activate_err: what activate returns (with %TSF_PF_MSG unless 0)
 * @caps: what activate offers
 * @dev_nvqs: virtqueues of a device dev_add creates, and charges
 * @dev_add_err: what dev_add fails with after charging (0: it does not)
 * @racer: if set, what dev_add runs on another thread before creating the
 *         device
 * @events: the calls, in order
 * @nr_events: how many
 * @sf: the SF of the last activate call
 * @vdev: the device of the last successful dev_add, until its dev_del
 * @mdev: the management device of the last dev_add call
 * @config: a copy of the config of the last dev_add call
 * @freed: vDPA devices of this PF released
 *
 * Allocated with kunit_kzalloc() before everything else of the test, so
 * it outlives the SFs and their devices.
 */
struct tsf_pf {
	struct kunit *test;
	struct device *parent;
	struct devlink *devlink;
	struct vdpa_sf_table *table;
	int activate_err;
	struct vdpa_sf_caps caps;
	u32 dev_nvqs;
	int dev_add_err;
	struct tsf_racer *racer;
	struct tsf_event events[TSF_MAX_EVENTS];
	unsigned int nr_events;
	struct vdpa_sf *sf;
	struct vdpa_device *vdev;
	struct vdpa_mgmt_dev *mdev;
	struct vdpa_dev_set_config config;
	unsigned int freed;
};

static struct tsf_pf *tsf_pf_of(struct vdpa_sf *sf)
{
	return vdpa_sf_table_priv(vdpa_sf_table(sf));
}

static void tsf_aux_name(struct vdpa_sf *sf, char *name)
{
	snprintf(name, TSF_NAME_LEN, "vdpa_sf.sf.%u", sf->id);
}

/* Whether the PF's device has a child called @name. */
static bool tsf_aux_present(struct tsf_pf *pf, const char *name)
{
	struct device *dev = device_find_child_by_name(pf->parent, name);

	put_device(dev);
	return !!dev;
}

static bool tsf_aux_child(struct tsf_pf *pf, struct vdpa_sf *sf)
{
	char name[TSF_NAME_LEN];

	tsf_aux_name(sf, name);
	return tsf_aux_present(pf, name);
}

/* Still true while the device is being deleted and its driver removed. */
static bool tsf_aux_bound(struct device *adev)
{
	return device_is_registered(adev) && adev->driver;
}

static void tsf_note(struct vdpa_sf *sf, enum tsf_call call, bool aux)
{
	struct tsf_pf *pf = tsf_pf_of(sf);
	struct tsf_event *ev;

	if (pf->nr_events == TSF_MAX_EVENTS) {
		KUNIT_FAIL(pf->test, "more than %d calls", TSF_MAX_EVENTS);
		return;
	}
	ev = &pf->events[pf->nr_events++];
	ev->call = call;
	ev->sfnum = vdpa_sf_num(sf);
	ev->aux = aux;
	ev->port = sf->port.registered;
}

/* The calls so far, e.g. "activate dev_add". */
static const char *tsf_calls(struct kunit *test, struct tsf_pf *pf)
{
	const size_t size = TSF_MAX_EVENTS * 12;
	char *buf = kunit_kzalloc(test, size, GFP_KERNEL);
	size_t len = 0;
	unsigned int i;

	if (!buf)
		return "(no memory)";
	for (i = 0; i < pf->nr_events; i++)
		len += scnprintf(buf + len, size - len, "%s%s", i ? " " : "",
				 tsf_call_names[pf->events[i].call]);
	return buf;
}

static void tsf_clear(struct tsf_pf *pf)
{
	pf->nr_events = 0;
}

/**
 * struct tsf_racer - a devlink request arriving while dev_add runs
 * @work: runs it, as devlink would: on another thread, with the devlink
 *        instance lock
 * @done: completed when it has run
 * @port: the port whose function MAC it sets (to tsf_mac_b)
 * @err: what port_fn_hw_addr_set returned
 * @extack: its message
 *
 * dev_add waits for @done, not for @work: it holds the management lock,
 * which the devlink lock is taken before, and a flush would tell lockdep
 * that it waits for a devlink lock holder.
 */
struct tsf_racer {
	struct work_struct work;
	struct completion done;
	struct devlink_port *port;
	int err;
	struct netlink_ext_ack extack;
};

/*
 * The vDPA device of the fake PF: trivial config ops, every mandatory one.
 */

/**
 * struct tsf_vdev - a vDPA device of the fake PF
 * @vdpa: the device; first member, as vdpa_alloc_device() requires
 * @pf: the PF, whose @freed the release counts
 * @features: the driver features
 * @status: the status byte
 */
struct tsf_vdev {
	struct vdpa_device vdpa;
	struct tsf_pf *pf;
	u64 features;
	u8 status;
};

static struct tsf_vdev *to_tsf_vdev(struct vdpa_device *vdev)
{
	return container_of(vdev, struct tsf_vdev, vdpa);
}

static int tsf_set_vq_address(struct vdpa_device *vdev, u16 idx, u64 desc,
			      u64 driver, u64 device)
{
	return 0;
}

static void tsf_set_vq_num(struct vdpa_device *vdev, u16 idx, u32 num)
{
}

static void tsf_kick_vq(struct vdpa_device *vdev, u16 idx)
{
}

static void tsf_set_vq_cb(struct vdpa_device *vdev, u16 idx,
			  struct vdpa_callback *cb)
{
}

static void tsf_set_vq_ready(struct vdpa_device *vdev, u16 idx, bool ready)
{
}

static bool tsf_get_vq_ready(struct vdpa_device *vdev, u16 idx)
{
	return false;
}

static int tsf_set_vq_state(struct vdpa_device *vdev, u16 idx,
			    const struct vdpa_vq_state *state)
{
	return 0;
}

static int tsf_get_vq_state(struct vdpa_device *vdev, u16 idx,
			    struct vdpa_vq_state *state)
{
	memset(state, 0, sizeof(*state));
	return 0;
}

static u32 tsf_get_vq_align(struct vdpa_device *vdev)
{
	return PAGE_SIZE;
}

static u64 tsf_get_device_features(struct vdpa_device *vdev)
{
	return TSF_FEATURES;
}

static int tsf_set_driver_features(struct vdpa_device *vdev, u64 features)
{
	to_tsf_vdev(vdev)->features = features;
	return 0;
}

static u64 tsf_get_driver_features(struct vdpa_device *vdev)
{
	return to_tsf_vdev(vdev)->features;
}

static void tsf_set_config_cb(struct vdpa_device *vdev,
			      struct vdpa_callback *cb)
{
}

static u16 tsf_get_vq_num_max(struct vdpa_device *vdev)
{
	return TSF_VQ_NUM_MAX;
}

static u32 tsf_get_device_id(struct vdpa_device *vdev)
{
	return VIRTIO_ID_NET;
}

static u32 tsf_get_vendor_id(struct vdpa_device *vdev)
{
	return TSF_VENDOR_ID;
}

static u8 tsf_get_status(struct vdpa_device *vdev)
{
	return to_tsf_vdev(vdev)->status;
}

static void tsf_set_status(struct vdpa_device *vdev, u8 status)
{
	to_tsf_vdev(vdev)->status = status;
}

static int tsf_reset(struct vdpa_device *vdev)
{
	to_tsf_vdev(vdev)->status = 0;
	return 0;
}

static size_t tsf_get_config_size(struct vdpa_device *vdev)
{
	return TSF_CONFIG_SIZE;
}

static void tsf_get_config(struct vdpa_device *vdev, unsigned int offset,
			   void *buf, unsigned int len)
{
	memset(buf, 0, len);
}

static void tsf_set_config(struct vdpa_device *vdev, unsigned int offset,
			   const void *buf, unsigned int len)
{
}

static void tsf_free(struct vdpa_device *vdev)
{
	to_tsf_vdev(vdev)->pf->freed++;
}

static const struct vdpa_config_ops tsf_vdpa_ops = {
	.set_vq_address = tsf_set_vq_address,
	.set_vq_num = tsf_set_vq_num,
	.kick_vq = tsf_kick_vq,
	.set_vq_cb = tsf_set_vq_cb,
	.set_vq_ready = tsf_set_vq_ready,
	.get_vq_ready = tsf_get_vq_ready,
	.set_vq_state = tsf_set_vq_state,
	.get_vq_state = tsf_get_vq_state,
	.get_vq_align = tsf_get_vq_align,
	.get_device_features = tsf_get_device_features,
	.set_driver_features = tsf_set_driver_features,
	.get_driver_features = tsf_get_driver_features,
	.set_config_cb = tsf_set_config_cb,
	.get_vq_num_max = tsf_get_vq_num_max,
	.get_device_id = tsf_get_device_id,
	.get_vendor_id = tsf_get_vendor_id,
	.get_status = tsf_get_status,
	.set_status = tsf_set_status,
	.reset = tsf_reset,
	.get_config_size = tsf_get_config_size,
	.get_config = tsf_get_config,
	.set_config = tsf_set_config,
	.free = tsf_free,
};

/*
 * The fake PF's &vdpa_sf_ops.
 */

static int tsf_hw_addr_set(struct devlink_port *port, const u8 *addr,
			   int len, struct netlink_ext_ack *extack);

static void tsf_racer_fn(struct work_struct *work)
{
	struct tsf_racer *r = container_of(work, struct tsf_racer, work);

	r->err = tsf_hw_addr_set(r->port, tsf_mac_b, ETH_ALEN, &r->extack);
	complete(&r->done);
}

static int tsf_activate(struct vdpa_sf *sf, struct vdpa_sf_caps *caps,
			struct netlink_ext_ack *extack)
{
	struct tsf_pf *pf = tsf_pf_of(sf);

	tsf_note(sf, TSF_ACTIVATE, tsf_aux_child(pf, sf));
	pf->sf = sf;
	if (pf->activate_err) {
		NL_SET_ERR_MSG(extack, TSF_PF_MSG);
		return pf->activate_err;
	}
	*caps = pf->caps;
	return 0;
}

static void tsf_deactivate(struct vdpa_sf *sf)
{
	tsf_note(sf, TSF_DEACTIVATE, tsf_aux_child(tsf_pf_of(sf), sf));
}

static struct vdpa_device *tsf_dev_add(struct vdpa_sf *sf,
				       struct vdpa_mgmt_dev *mdev,
				       const char *name,
				       const struct vdpa_dev_set_config *config)
{
	struct tsf_pf *pf = tsf_pf_of(sf);
	struct tsf_vdev *tv;
	int err;

	tsf_note(sf, TSF_DEV_ADD, tsf_aux_bound(mdev->device));
	pf->mdev = mdev;
	pf->config = *config;
	if (pf->racer) {
		queue_work(system_unbound_wq, &pf->racer->work);
		wait_for_completion(&pf->racer->done);
	}
	tv = vdpa_alloc_device(struct tsf_vdev, vdpa, mdev->device,
			       &tsf_vdpa_ops, 1, 1, name, false);
	if (IS_ERR(tv))
		return ERR_CAST(tv);
	tv->pf = pf;
	tv->vdpa.mdev = mdev;
	err = vdpa_sf_charge_vqs(sf, pf->dev_nvqs, config->extack);
	if (!err)
		err = pf->dev_add_err;
	if (!err)
		err = _vdpa_register_device(&tv->vdpa, pf->dev_nvqs);
	if (err) {
		put_device(&tv->vdpa.dev);
		return ERR_PTR(err);
	}
	pf->vdev = &tv->vdpa;
	return &tv->vdpa;
}

static void tsf_dev_del(struct vdpa_sf *sf, struct vdpa_device *dev)
{
	struct tsf_pf *pf = tsf_pf_of(sf);

	tsf_note(sf, TSF_DEV_DEL, tsf_aux_bound(dev->mdev->device));
	if (pf->vdev == dev)
		pf->vdev = NULL;
	_vdpa_unregister_device(dev);
}

static const struct vdpa_sf_ops tsf_sf_ops = {
	.activate = tsf_activate,
	.deactivate = tsf_deactivate,
	.dev_add = tsf_dev_add,
	.dev_del = tsf_dev_del,
};

/* devlink never calls them: the instance is not registered. */
static const struct devlink_ops tsf_devlink_ops = {};

KUNIT_DEFINE_ACTION_WRAPPER(tsf_devlink_free, devlink_free, struct devlink *);
KUNIT_DEFINE_ACTION_WRAPPER(tsf_put_device, put_device, struct device *);

/* What the PF driver's remove does. */
static void tsf_table_destroy(void *data)
{
	struct tsf_pf *pf = data;

	devl_lock(pf->devlink);
	vdpa_sf_table_destroy(pf->table);
	devl_unlock(pf->devlink);
}

/* The PF's device and devlink instance, without a table. */
static struct tsf_pf *tsf_pf_alloc(struct kunit *test)
{
	struct tsf_pf *pf = kunit_kzalloc(test, sizeof(*pf), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pf);
	pf->test = test;
	pf->caps = tsf_default_caps;
	pf->dev_nvqs = TSF_DEV_VQS;
	pf->parent = kunit_device_register(test, TSF_PARENT);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pf->parent);
	pf->devlink = devlink_alloc(&tsf_devlink_ops, 0, pf->parent);
	KUNIT_ASSERT_NOT_NULL(test, pf->devlink);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, tsf_devlink_free,
							pf->devlink), 0);
	return pf;
}

static void tsf_cfg_init(struct vdpa_sf_table_cfg *cfg, struct tsf_pf *pf,
			 u32 max_sfs, u32 max_vqs)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ops = &tsf_sf_ops;
	cfg->priv = pf;
	cfg->controller = TSF_CONTROLLER;
	cfg->pfnum = TSF_PFNUM;
	cfg->max_sfs = max_sfs;
	cfg->max_vqs = max_vqs;
	cfg->first_port_index = TSF_FIRST_PORT;
}

/* A PF with a table of @max_sfs SFs and @max_vqs virtqueues. */
static struct tsf_pf *tsf_pf_new(struct kunit *test, u32 max_sfs, u32 max_vqs)
{
	struct tsf_pf *pf = tsf_pf_alloc(test);
	struct vdpa_sf_table_cfg cfg;

	tsf_cfg_init(&cfg, pf, max_sfs, max_vqs);
	pf->table = vdpa_sf_table_create(pf->devlink, &cfg);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pf->table);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, tsf_table_destroy,
							pf), 0);
	return pf;
}

static const char *tsf_msg(const struct netlink_ext_ack *extack)
{
	return extack->_msg ?: "";
}

static void tsf_expect_msg(struct kunit *test,
			   const struct netlink_ext_ack *extack,
			   const char *part)
{
	const char *msg = tsf_msg(extack);

	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(msg, part),
				  "message \"%s\" lacks \"%s\"", msg, part);
}

/*
 * What devlink calls, with the instance lock held.
 */

static void tsf_sf_attrs(struct devlink_port_new_attrs *attrs, u32 sfnum)
{
	memset(attrs, 0, sizeof(*attrs));
	attrs->flavour = DEVLINK_PORT_FLAVOUR_PCI_SF;
	attrs->pfnum = TSF_PFNUM;
	attrs->sfnum = sfnum;
	attrs->sfnum_valid = 1;
}

static int tsf_port_new(struct tsf_pf *pf,
			const struct devlink_port_new_attrs *attrs,
			struct netlink_ext_ack *extack,
			struct devlink_port **port)
{
	int err;

	devl_lock(pf->devlink);
	err = vdpa_sf_port_new(pf->table, attrs, extack, port);
	devl_unlock(pf->devlink);
	return err;
}

/* "devlink port add ... flavour pcisf pfnum 2 sfnum @sfnum", which works. */
static struct devlink_port *tsf_add(struct kunit *test, struct tsf_pf *pf,
				    u32 sfnum)
{
	struct netlink_ext_ack extack = {};
	struct devlink_port_new_attrs attrs;
	struct devlink_port *port = NULL;

	tsf_sf_attrs(&attrs, sfnum);
	KUNIT_ASSERT_EQ_MSG(test, tsf_port_new(pf, &attrs, &extack, &port), 0,
			    "%s", tsf_msg(&extack));
	KUNIT_ASSERT_NOT_NULL(test, port);
	return port;
}

static int tsf_port_del(struct devlink_port *port,
			struct netlink_ext_ack *extack)
{
	struct devlink *devlink = port->devlink;
	int err;

	devl_lock(devlink);
	err = port->ops->port_del(devlink, port, extack);
	devl_unlock(devlink);
	return err;
}

static int tsf_state_set(struct devlink_port *port,
			 enum devlink_port_fn_state state,
			 struct netlink_ext_ack *extack)
{
	int err;

	devl_lock(port->devlink);
	err = port->ops->port_fn_state_set(port, state, extack);
	devl_unlock(port->devlink);
	return err;
}

static void tsf_expect_state(struct kunit *test, struct devlink_port *port,
			     enum devlink_port_fn_state state,
			     enum devlink_port_fn_opstate opstate)
{
	struct netlink_ext_ack extack = {};
	enum devlink_port_fn_opstate os = -1;
	enum devlink_port_fn_state s = -1;

	devl_lock(port->devlink);
	KUNIT_EXPECT_EQ(test, port->ops->port_fn_state_get(port, &s, &os,
							   &extack), 0);
	devl_unlock(port->devlink);
	KUNIT_EXPECT_EQ_MSG(test, s, state, "function state");
	KUNIT_EXPECT_EQ_MSG(test, os, opstate, "operational state");
}

/* "state active", which works; returns the SF. */
static struct vdpa_sf *tsf_activate_ok(struct kunit *test, struct tsf_pf *pf,
				       struct devlink_port *port)
{
	struct netlink_ext_ack extack = {};

	pf->sf = NULL;
	KUNIT_ASSERT_EQ_MSG(test, tsf_state_set(port,
						DEVLINK_PORT_FN_STATE_ACTIVE,
						&extack), 0,
			    "%s", tsf_msg(&extack));
	KUNIT_ASSERT_NOT_NULL(test, pf->sf);
	return pf->sf;
}

static int tsf_hw_addr_set(struct devlink_port *port, const u8 *addr,
			   int len, struct netlink_ext_ack *extack)
{
	int err;

	devl_lock(port->devlink);
	err = port->ops->port_fn_hw_addr_set(port, addr, len, extack);
	devl_unlock(port->devlink);
	return err;
}

static void tsf_expect_hw_addr(struct kunit *test, struct devlink_port *port,
			       const u8 *addr)
{
	struct netlink_ext_ack extack = {};
	u8 got[MAX_ADDR_LEN] = {};
	int len = 0;

	devl_lock(port->devlink);
	KUNIT_EXPECT_EQ(test, port->ops->port_fn_hw_addr_get(port, got, &len,
							     &extack), 0);
	devl_unlock(port->devlink);
	KUNIT_EXPECT_EQ(test, len, ETH_ALEN);
	KUNIT_EXPECT_MEMEQ(test, got, addr, ETH_ALEN);
}

/*
 * The SF's auxiliary device and management device.
 */

/* The SF's auxiliary device, put when the test ends; NULL if none. */
static struct device *tsf_aux_get(struct kunit *test, struct tsf_pf *pf,
				  struct vdpa_sf *sf)
{
	char name[TSF_NAME_LEN];
	struct device *adev;

	tsf_aux_name(sf, name);
	adev = device_find_child_by_name(pf->parent, name);
	if (adev)
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
								tsf_put_device,
								adev), 0);
	return adev;
}

/* The glue's management device of an auxiliary device (sf.h). */
static struct vdpa_mgmt_dev *tsf_mdev(struct device *adev)
{
	return &container_of(adev, struct vdpa_sf_aux, adev.dev)->mdev;
}

static int tsf_probe_dev_add(struct vdpa_mgmt_dev *mdev, const char *name,
			     const struct vdpa_dev_set_config *config)
{
	return -EOPNOTSUPP;
}

static void tsf_probe_dev_del(struct vdpa_mgmt_dev *mdev,
			      struct vdpa_device *dev)
{
}

static const struct vdpa_mgmtdev_ops tsf_probe_mgmt_ops = {
	.dev_add = tsf_probe_dev_add,
	.dev_del = tsf_probe_dev_del,
};

/*
 * Whether a management device is registered for @dev: the core refuses a
 * second one for the same device with -EEXIST (one it accepts instead is
 * unregistered at once).
 */
static bool tsf_mgmt_registered(struct device *dev)
{
	struct vdpa_mgmt_dev probe = {
		.device = dev,
		.ops = &tsf_probe_mgmt_ops,
	};
	int err = vdpa_mgmtdev_register(&probe);

	if (!err)
		vdpa_mgmtdev_unregister(&probe);
	return err == -EEXIST;
}

/* "vdpa dev add name @name mgmtdev auxiliary/vdpa_sf.sf.<id>" */
static int tsf_dev_new(struct kunit *test, struct tsf_pf *pf,
		       struct vdpa_sf *sf, const char *name,
		       const struct vdpa_dev_set_config *config)
{
	struct device *adev = tsf_aux_get(test, pf, sf);
	struct vdpa_mgmt_dev *mdev;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, adev);
	mdev = tsf_mdev(adev);
	down_write(&vdpa_mgmt_lock);
	err = mdev->ops->dev_add(mdev, name, config);
	up_write(&vdpa_mgmt_lock);
	return err;
}

/* The same, without attributes, and it works. */
static struct vdpa_device *tsf_dev_add_ok(struct kunit *test,
					  struct tsf_pf *pf,
					  struct vdpa_sf *sf, const char *name)
{
	struct netlink_ext_ack extack = {};
	struct vdpa_dev_set_config config = { .extack = &extack };

	KUNIT_ASSERT_EQ_MSG(test, tsf_dev_new(test, pf, sf, name, &config), 0,
			    "%s", tsf_msg(&extack));
	KUNIT_ASSERT_NOT_NULL(test, pf->vdev);
	KUNIT_EXPECT_STREQ(test, dev_name(&pf->vdev->dev), name);
	return pf->vdev;
}

/* "vdpa dev del": the core holds a reference on the device meanwhile. */
static void tsf_dev_del_now(struct vdpa_device *vdev)
{
	struct vdpa_mgmt_dev *mdev = vdev->mdev;

	get_device(&vdev->dev);
	down_write(&vdpa_mgmt_lock);
	mdev->ops->dev_del(mdev, vdev);
	up_write(&vdpa_mgmt_lock);
	put_device(&vdev->dev);
}

/*
 * Table creation
 */

/**
 * struct tsf_create_case - a table configuration
 * @desc: the row's name
 * @ops: the PF's ops
 * @max_sfs: &vdpa_sf_table_cfg.max_sfs
 * @err: what vdpa_sf_table_create() returns
 */
struct tsf_create_case {
	const char *desc;
	const struct vdpa_sf_ops *ops;
	u32 max_sfs;
	int err;
};

static const struct vdpa_sf_ops tsf_ops_no_activate = {
	.dev_add = tsf_dev_add, .dev_del = tsf_dev_del,
};

static const struct vdpa_sf_ops tsf_ops_no_dev_add = {
	.activate = tsf_activate, .dev_del = tsf_dev_del,
};

static const struct vdpa_sf_ops tsf_ops_no_dev_del = {
	.activate = tsf_activate, .dev_add = tsf_dev_add,
};

static const struct vdpa_sf_ops tsf_ops_no_deactivate = {
	.activate = tsf_activate, .dev_add = tsf_dev_add,
	.dev_del = tsf_dev_del,
};

static const struct tsf_create_case tsf_create_cases[] = {
	{ "no ops", NULL, 1, -EINVAL },
	{ "no activate", &tsf_ops_no_activate, 1, -EINVAL },
	{ "no dev_add", &tsf_ops_no_dev_add, 1, -EINVAL },
	{ "no dev_del", &tsf_ops_no_dev_del, 1, -EINVAL },
	{ "no SF", &tsf_sf_ops, 0, -EINVAL },
	{ "no deactivate (optional)", &tsf_ops_no_deactivate, 1, 0 },
	{ "every op", &tsf_sf_ops, 1, 0 },
};

static void tsf_create_desc(const struct tsf_create_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tsf_create, tsf_create_cases, tsf_create_desc);

static void vdpa_sf_table_create_test(struct kunit *test)
{
	const struct tsf_create_case *c = test->param_value;
	struct tsf_pf *pf = tsf_pf_alloc(test);
	struct vdpa_sf_table_cfg cfg;

	tsf_cfg_init(&cfg, pf, c->max_sfs, 0);
	cfg.ops = c->ops;
	pf->table = vdpa_sf_table_create(pf->devlink, &cfg);
	KUNIT_ASSERT_NOT_NULL(test, pf->table);
	if (!IS_ERR(pf->table))
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
								tsf_table_destroy,
								pf), 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(pf->table), c->err);
	if (IS_ERR(pf->table))
		return;
	KUNIT_EXPECT_PTR_EQ(test, vdpa_sf_table_priv(pf->table), (void *)pf);
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 0);
}

/*
 * devlink port add
 */

/**
 * struct tsf_new_case - a refused ``devlink port add``
 * @desc: the row's name
 * @attrs: what the user asks for
 * @before: SFs added first (sfnums from %TSF_SFNUM)
 * @err: the refusal
 * @msg: a part of its extack message
 */
struct tsf_new_case {
	const char *desc;
	struct devlink_port_new_attrs attrs;
	unsigned int before;
	int err;
	const char *msg;
};

static const struct tsf_new_case tsf_new_cases[] = {
	{ "a VF port", { .flavour = DEVLINK_PORT_FLAVOUR_PCI_VF,
			 .pfnum = TSF_PFNUM, .sfnum = TSF_SFNUM_NEW,
			 .sfnum_valid = 1 },
	  0, -EOPNOTSUPP, "only pcisf" },
	{ "a physical port", { .flavour = DEVLINK_PORT_FLAVOUR_PHYSICAL,
			       .pfnum = TSF_PFNUM, .sfnum = TSF_SFNUM_NEW,
			       .sfnum_valid = 1 },
	  0, -EOPNOTSUPP, "only pcisf" },
	{ "another PF", { .flavour = DEVLINK_PORT_FLAVOUR_PCI_SF,
			  .pfnum = TSF_PFNUM + 1, .sfnum = TSF_SFNUM_NEW,
			  .sfnum_valid = 1 },
	  0, -EINVAL, "PF 3" },
	{ "another controller", { .flavour = DEVLINK_PORT_FLAVOUR_PCI_SF,
				  .pfnum = TSF_PFNUM, .controller = 1,
				  .controller_valid = 1,
				  .sfnum = TSF_SFNUM_NEW, .sfnum_valid = 1 },
	  0, -EINVAL, "controller 1" },
	{ "a port index", { .flavour = DEVLINK_PORT_FLAVOUR_PCI_SF,
			    .pfnum = TSF_PFNUM, .port_index = 99,
			    .port_index_valid = 1, .sfnum = TSF_SFNUM_NEW,
			    .sfnum_valid = 1 },
	  0, -EOPNOTSUPP, "port index" },
	{ "no sfnum", { .flavour = DEVLINK_PORT_FLAVOUR_PCI_SF,
			.pfnum = TSF_PFNUM },
	  0, -EINVAL, "sfnum" },
	{ "an sfnum in use", { .flavour = DEVLINK_PORT_FLAVOUR_PCI_SF,
			       .pfnum = TSF_PFNUM, .sfnum = TSF_SFNUM,
			       .sfnum_valid = 1 },
	  1, -EEXIST, "sfnum 7" },
	{ "no SF left", { .flavour = DEVLINK_PORT_FLAVOUR_PCI_SF,
			  .pfnum = TSF_PFNUM, .sfnum = TSF_SFNUM_NEW,
			  .sfnum_valid = 1 },
	  TSF_MAX_SFS, -ENOSPC, "2 sub-functions" },
};

static void tsf_new_desc(const struct tsf_new_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tsf_new, tsf_new_cases, tsf_new_desc);

/*
 * Each row is refused with its errno and message, and leaves nothing
 * behind: the PF was not called, the table still takes exactly the SFs it
 * had room for (the refused sfnum among them) on the next port indices.
 */
static void vdpa_sf_port_new_refused_test(struct kunit *test)
{
	const struct tsf_new_case *c = test->param_value;
	struct tsf_pf *pf = tsf_pf_new(test, TSF_MAX_SFS, 0);
	struct devlink_port *port = &tsf_untouched;
	struct netlink_ext_ack extack = {};
	struct devlink_port_new_attrs attrs;
	unsigned int i;

	for (i = 0; i < c->before; i++)
		tsf_add(test, pf, TSF_SFNUM + i);
	KUNIT_EXPECT_EQ(test, tsf_port_new(pf, &c->attrs, &extack, &port),
			c->err);
	KUNIT_EXPECT_PTR_EQ(test, port, &tsf_untouched);
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(tsf_msg(&extack), "vdpa_sf: "),
			      "message \"%s\"", tsf_msg(&extack));
	tsf_expect_msg(test, &extack, c->msg);
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "");
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 0);

	for (i = c->before; i < TSF_MAX_SFS; i++) {
		port = tsf_add(test, pf, TSF_SFNUM_NEW + i - c->before);
		KUNIT_EXPECT_EQ(test, port->index, TSF_FIRST_PORT + i);
	}
	tsf_sf_attrs(&attrs, TSF_SFNUM_NEW + TSF_MAX_SFS);
	KUNIT_EXPECT_EQ(test, tsf_port_new(pf, &attrs, &extack, &port),
			-ENOSPC);
}

/* A new SF: its port's attributes, inactive, detached, no MAC, no call. */
static void vdpa_sf_port_new_test(struct kunit *test)
{
	struct tsf_pf *pf = tsf_pf_new(test, TSF_MAX_SFS, 0);
	static const u8 zero[ETH_ALEN];
	struct devlink_port_new_attrs attrs;
	struct netlink_ext_ack extack = {};
	struct devlink_port *port = NULL;

	tsf_sf_attrs(&attrs, TSF_SFNUM);
	attrs.controller = TSF_CONTROLLER;
	attrs.controller_valid = 1;
	KUNIT_ASSERT_EQ_MSG(test, tsf_port_new(pf, &attrs, &extack, &port), 0,
			    "%s", tsf_msg(&extack));
	KUNIT_ASSERT_NOT_NULL(test, port);
	KUNIT_EXPECT_PTR_EQ(test, port->devlink, pf->devlink);
	KUNIT_EXPECT_TRUE(test, port->registered);
	KUNIT_EXPECT_EQ(test, port->index, TSF_FIRST_PORT);
	KUNIT_EXPECT_EQ(test, port->attrs.flavour, DEVLINK_PORT_FLAVOUR_PCI_SF);
	KUNIT_EXPECT_EQ(test, port->attrs.pci_sf.controller, TSF_CONTROLLER);
	KUNIT_EXPECT_EQ(test, port->attrs.pci_sf.pf, TSF_PFNUM);
	KUNIT_EXPECT_EQ(test, port->attrs.pci_sf.sf, TSF_SFNUM);
	KUNIT_EXPECT_FALSE(test, port->attrs.pci_sf.external);
	tsf_expect_state(test, port, DEVLINK_PORT_FN_STATE_INACTIVE,
			 DEVLINK_PORT_FN_OPSTATE_DETACHED);
	tsf_expect_hw_addr(test, port, zero);
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "");
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 0);

	port = tsf_add(test, pf, TSF_SFNUM + 1);
	KUNIT_EXPECT_EQ(test, port->index, TSF_FIRST_PORT + 1);
	KUNIT_EXPECT_EQ(test, port->attrs.pci_sf.sf, TSF_SFNUM + 1);
}

/*
 * Activation
 */

/*
 * "state active" publishes vdpa_sf.sf.<id>, bound to the glue's driver,
 * which registers the SF's management device with the PF's caps.
 */
static void vdpa_sf_activate_test(struct kunit *test)
{
	struct tsf_pf *pf = tsf_pf_new(test, TSF_MAX_SFS, 0);
	struct devlink_port *port = tsf_add(test, pf, TSF_SFNUM);
	struct netlink_ext_ack extack = {};
	struct vdpa_mgmt_dev *mdev;
	struct device *adev;
	struct vdpa_sf *sf;

	sf = tsf_activate_ok(test, pf, port);
	KUNIT_EXPECT_EQ(test, vdpa_sf_num(sf), TSF_SFNUM);
	KUNIT_EXPECT_PTR_EQ(test, vdpa_sf_table(sf), pf->table);
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "activate");
	KUNIT_EXPECT_FALSE_MSG(test, pf->events[0].aux, "published before activate");
	tsf_expect_state(test, port, DEVLINK_PORT_FN_STATE_ACTIVE,
			 DEVLINK_PORT_FN_OPSTATE_ATTACHED);
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 1);

	adev = tsf_aux_get(test, pf, sf);
	KUNIT_ASSERT_NOT_NULL_MSG(test, adev, "no vdpa_sf.sf.%u", sf->id);
	KUNIT_ASSERT_NOT_NULL_MSG(test, adev->driver, "nothing bound");
	KUNIT_ASSERT_NOT_NULL(test, adev->driver->owner);
	KUNIT_EXPECT_STREQ(test, module_name(adev->driver->owner), "vdpa_sf");
	mdev = tsf_mdev(adev);
	KUNIT_EXPECT_TRUE(test, tsf_mgmt_registered(adev));
	KUNIT_EXPECT_PTR_EQ(test, mdev->device, adev);
	KUNIT_EXPECT_PTR_EQ(test, mdev->id_table, &tsf_id_table[0]);
	KUNIT_EXPECT_EQ(test, mdev->supported_features, TSF_FEATURES);
	KUNIT_EXPECT_EQ(test, mdev->config_attr_mask, TSF_MAC_ATTR);
	KUNIT_EXPECT_EQ(test, mdev->max_supported_vqs, TSF_SF_VQS);

	/* Active already: nothing happens. */
	KUNIT_EXPECT_EQ(test, tsf_state_set(port, DEVLINK_PORT_FN_STATE_ACTIVE,
					    &extack), 0);
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "activate");
	KUNIT_EXPECT_TRUE(test, tsf_aux_child(pf, sf));
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 1);
}

/* An activate failure leaves the SF inactive with the PF's message. */
static void vdpa_sf_activate_fails_test(struct kunit *test)
{
	struct tsf_pf *pf = tsf_pf_new(test, TSF_MAX_SFS, 0);
	struct devlink_port *port = tsf_add(test, pf, TSF_SFNUM);
	struct netlink_ext_ack extack = {};

	pf->activate_err = -EIO;
	KUNIT_EXPECT_EQ(test, tsf_state_set(port, DEVLINK_PORT_FN_STATE_ACTIVE,
					    &extack), -EIO);
	KUNIT_EXPECT_STREQ(test, tsf_msg(&extack), TSF_PF_MSG);
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "activate");
	KUNIT_ASSERT_NOT_NULL(test, pf->sf);
	KUNIT_EXPECT_FALSE(test, tsf_aux_child(pf, pf->sf));
	tsf_expect_state(test, port, DEVLINK_PORT_FN_STATE_INACTIVE,
			 DEVLINK_PORT_FN_OPSTATE_DETACHED);
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 0);

	/* Nothing is left half done: the next attempt works. */
	pf->activate_err = 0;
	tsf_activate_ok(test, pf, port);
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "activate activate");
	tsf_expect_state(test, port, DEVLINK_PORT_FN_STATE_ACTIVE,
			 DEVLINK_PORT_FN_OPSTATE_ATTACHED);
}

/**
 * struct tsf_caps_case - caps a PF's activate offers, that the glue refuses
 * @desc: the row's name
 * @id_table: &vdpa_sf_caps.id_table
 * @max_vqs: &vdpa_sf_caps.max_vqs
 */
struct tsf_caps_case {
	const char *desc;
	struct virtio_device_id *id_table;
	u32 max_vqs;
};

static const struct tsf_caps_case tsf_caps_cases[] = {
	{ "no id_table", NULL, TSF_SF_VQS },
	{ "no virtqueues", tsf_id_table, 0 },
};

static void tsf_caps_desc(const struct tsf_caps_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tsf_caps, tsf_caps_cases, tsf_caps_desc);

/* Refused caps: -EINVAL, the PF releases the SF, nothing published. */
static void vdpa_sf_activate_no_class_test(struct kunit *test)
{
	const struct tsf_caps_case *c = test->param_value;
	struct tsf_pf *pf = tsf_pf_new(test, TSF_MAX_SFS, 0);
	struct devlink_port *port = tsf_add(test, pf, TSF_SFNUM);
	struct netlink_ext_ack extack = {};

	pf->caps.id_table = c->id_table;
	pf->caps.max_vqs = c->max_vqs;
	KUNIT_EXPECT_EQ(test, tsf_state_set(port, DEVLINK_PORT_FN_STATE_ACTIVE,
					    &extack), -EINVAL);
	tsf_expect_msg(test, &extack, "no device class");
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "activate deactivate");
	KUNIT_ASSERT_NOT_NULL(test, pf->sf);
	KUNIT_EXPECT_FALSE(test, tsf_aux_child(pf, pf->sf));
	tsf_expect_state(test, port, DEVLINK_PORT_FN_STATE_INACTIVE,
			 DEVLINK_PORT_FN_OPSTATE_DETACHED);
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 0);
}

/*
 * Teardown
 */

/* Checks a teardown's calls for an SF with a device: dev_del, deactivate. */
static void tsf_expect_teardown(struct kunit *test, struct tsf_pf *pf,
				unsigned int first, u32 sfnum)
{
	const struct tsf_event *ev = &pf->events[first];

	KUNIT_ASSERT_LE(test, first + 2, pf->nr_events);
	KUNIT_EXPECT_EQ(test, ev[0].call, TSF_DEV_DEL);
	KUNIT_EXPECT_EQ(test, ev[0].sfnum, sfnum);
	KUNIT_EXPECT_TRUE_MSG(test, ev[0].aux,
			      "dev_del after the auxiliary device went");
	KUNIT_EXPECT_EQ(test, ev[1].call, TSF_DEACTIVATE);
	KUNIT_EXPECT_EQ(test, ev[1].sfnum, sfnum);
	KUNIT_EXPECT_FALSE_MSG(test, ev[1].aux,
			       "deactivate before the auxiliary device went");
	KUNIT_EXPECT_TRUE_MSG(test, ev[0].port && ev[1].port,
			      "the devlink port went first");
}

/* "state inactive": dev_del, the auxiliary device goes, deactivate. */
static void vdpa_sf_deactivate_test(struct kunit *test)
{
	struct tsf_pf *pf = tsf_pf_new(test, TSF_MAX_SFS, 0);
	struct devlink_port *p0 = tsf_add(test, pf, TSF_SFNUM);
	struct devlink_port *p1 = tsf_add(test, pf, TSF_SFNUM + 1);
	struct netlink_ext_ack extack = {};
	struct vdpa_sf *sf0, *sf1;

	sf0 = tsf_activate_ok(test, pf, p0);
	tsf_dev_add_ok(test, pf, sf0, "tsf0");
	sf1 = tsf_activate_ok(test, pf, p1);
	tsf_clear(pf);

	KUNIT_EXPECT_EQ(test, tsf_state_set(p0, DEVLINK_PORT_FN_STATE_INACTIVE,
					    &extack), 0);
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "dev_del deactivate");
	tsf_expect_teardown(test, pf, 0, TSF_SFNUM);
	KUNIT_EXPECT_EQ(test, pf->freed, 1);
	KUNIT_EXPECT_FALSE(test, tsf_aux_child(pf, sf0));
	tsf_expect_state(test, p0, DEVLINK_PORT_FN_STATE_INACTIVE,
			 DEVLINK_PORT_FN_OPSTATE_DETACHED);
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 1);

	/* Inactive already: nothing happens. */
	tsf_clear(pf);
	KUNIT_EXPECT_EQ(test, tsf_state_set(p0, DEVLINK_PORT_FN_STATE_INACTIVE,
					    &extack), 0);
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "");

	/* Without a device: deactivate only. */
	KUNIT_EXPECT_EQ(test, tsf_state_set(p1, DEVLINK_PORT_FN_STATE_INACTIVE,
					    &extack), 0);
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "deactivate");
	KUNIT_EXPECT_FALSE(test, tsf_aux_child(pf, sf1));
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 0);
}

/* "devlink port del" of an active SF with a device, then of an inactive one. */
static void vdpa_sf_port_del_test(struct kunit *test)
{
	struct tsf_pf *pf = tsf_pf_new(test, TSF_MAX_SFS, 0);
	struct devlink_port *p0 = tsf_add(test, pf, TSF_SFNUM);
	struct devlink_port *p1 = tsf_add(test, pf, TSF_SFNUM + 1);
	struct netlink_ext_ack extack = {};
	char name[TSF_NAME_LEN];
	struct vdpa_sf *sf;

	sf = tsf_activate_ok(test, pf, p0);
	tsf_dev_add_ok(test, pf, sf, "tsf0");
	tsf_aux_name(sf, name);
	tsf_clear(pf);

	KUNIT_EXPECT_EQ(test, tsf_port_del(p0, &extack), 0);
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "dev_del deactivate");
	tsf_expect_teardown(test, pf, 0, TSF_SFNUM);
	KUNIT_EXPECT_EQ(test, pf->freed, 1);
	KUNIT_EXPECT_FALSE(test, tsf_aux_present(pf, name));
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 0);

	tsf_clear(pf);
	KUNIT_EXPECT_EQ(test, tsf_port_del(p1, &extack), 0);
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "");

	/* Both SFs, their sfnums and port indices are free again. */
	p0 = tsf_add(test, pf, TSF_SFNUM);
	KUNIT_EXPECT_EQ(test, p0->index, TSF_FIRST_PORT);
	p1 = tsf_add(test, pf, TSF_SFNUM + 1);
	KUNIT_EXPECT_EQ(test, p1->index, TSF_FIRST_PORT + 1);
}

/* vdpa_sf_table_destroy() tears every SF down, in creation order. */
static void vdpa_sf_table_destroy_test(struct kunit *test)
{
	struct tsf_pf *pf = tsf_pf_new(test, 3, 0);
	struct devlink_port *p0 = tsf_add(test, pf, TSF_SFNUM);
	struct devlink_port *p1 = tsf_add(test, pf, TSF_SFNUM + 1);
	char name0[TSF_NAME_LEN], name1[TSF_NAME_LEN];
	struct vdpa_sf *sf;

	tsf_add(test, pf, TSF_SFNUM + 2);
	sf = tsf_activate_ok(test, pf, p0);
	tsf_dev_add_ok(test, pf, sf, "tsf0");
	tsf_aux_name(sf, name0);
	sf = tsf_activate_ok(test, pf, p1);
	tsf_aux_name(sf, name1);
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 2);
	tsf_clear(pf);

	kunit_release_action(test, tsf_table_destroy, pf);
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf),
			   "dev_del deactivate deactivate");
	tsf_expect_teardown(test, pf, 0, TSF_SFNUM);
	KUNIT_EXPECT_EQ(test, pf->events[2].sfnum, TSF_SFNUM + 1);
	KUNIT_EXPECT_FALSE(test, pf->events[2].aux);
	KUNIT_EXPECT_TRUE(test, pf->events[2].port);
	KUNIT_EXPECT_EQ(test, pf->freed, 1);
	KUNIT_EXPECT_FALSE(test, tsf_aux_present(pf, name0));
	KUNIT_EXPECT_FALSE(test, tsf_aux_present(pf, name1));
	/* devlink_free() warns if a port is left. */
	kunit_release_action(test, tsf_devlink_free, pf->devlink);
}

/*
 * The port function's MAC
 */

/**
 * struct tsf_hw_addr_case - a ``devlink port function set hw_addr``
 * @desc: the row's name
 * @addr: the address
 * @len: its length
 * @err: the result
 * @msg: for a refusal, a part of its message
 */
struct tsf_hw_addr_case {
	const char *desc;
	u8 addr[ETH_ALEN + 1];
	int len;
	int err;
	const char *msg;
};

static const struct tsf_hw_addr_case tsf_hw_addr_cases[] = {
	{ "a unicast MAC", { 0x02, 0, 0, 0, 0, 1 }, ETH_ALEN, 0, NULL },
	{ "zero: no MAC", { 0 }, ETH_ALEN, 0, NULL },
	{ "a multicast MAC", { 0x01, 0x00, 0x5e, 0, 0, 1 }, ETH_ALEN, -EINVAL,
	  "unicast" },
	{ "the broadcast MAC", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	  ETH_ALEN, -EINVAL, "unicast" },
	{ "5 bytes", { 0x02, 0, 0, 0, 1 }, ETH_ALEN - 1, -EINVAL,
	  "6 bytes" },
	{ "7 bytes", { 0x02, 0, 0, 0, 0, 1, 2 }, ETH_ALEN + 1, -EINVAL,
	  "6 bytes" },
};

static void tsf_hw_addr_desc(const struct tsf_hw_addr_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tsf_hw_addr, tsf_hw_addr_cases, tsf_hw_addr_desc);

/* Over a MAC set before: the row's MAC, or a refusal that keeps it. */
static void vdpa_sf_hw_addr_test(struct kunit *test)
{
	const struct tsf_hw_addr_case *c = test->param_value;
	struct tsf_pf *pf = tsf_pf_new(test, TSF_MAX_SFS, 0);
	struct devlink_port *port = tsf_add(test, pf, TSF_SFNUM);
	struct netlink_ext_ack extack = {};

	KUNIT_ASSERT_EQ(test, tsf_hw_addr_set(port, tsf_mac_a, ETH_ALEN,
					      &extack), 0);
	KUNIT_EXPECT_EQ(test, tsf_hw_addr_set(port, c->addr, c->len, &extack),
			c->err);
	if (c->err) {
		tsf_expect_msg(test, &extack, c->msg);
		tsf_expect_hw_addr(test, port, tsf_mac_a);
	} else {
		tsf_expect_hw_addr(test, port, c->addr);
	}
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "");
}

/* The MAC cannot change under the device that has it. */
static void vdpa_sf_hw_addr_busy_test(struct kunit *test)
{
	struct tsf_pf *pf = tsf_pf_new(test, TSF_MAX_SFS, 0);
	struct devlink_port *port = tsf_add(test, pf, TSF_SFNUM);
	struct netlink_ext_ack extack = {};
	struct vdpa_device *vdev;
	struct vdpa_sf *sf;

	KUNIT_ASSERT_EQ(test, tsf_hw_addr_set(port, tsf_mac_a, ETH_ALEN,
					      &extack), 0);
	sf = tsf_activate_ok(test, pf, port);
	vdev = tsf_dev_add_ok(test, pf, sf, "tsf0");
	KUNIT_EXPECT_EQ(test, tsf_hw_addr_set(port, tsf_mac_b, ETH_ALEN,
					      &extack), -EBUSY);
	tsf_expect_msg(test, &extack, "vDPA device");
	tsf_expect_hw_addr(test, port, tsf_mac_a);

	/* Active without a device: it can. */
	tsf_dev_del_now(vdev);
	KUNIT_EXPECT_EQ(test, tsf_hw_addr_set(port, tsf_mac_b, ETH_ALEN,
					      &extack), 0);
	tsf_expect_hw_addr(test, port, tsf_mac_b);
}

/* ... nor while dev_add is creating it. */
static void vdpa_sf_hw_addr_adding_test(struct kunit *test)
{
	struct tsf_pf *pf = tsf_pf_new(test, TSF_MAX_SFS, 0);
	struct devlink_port *port = tsf_add(test, pf, TSF_SFNUM);
	struct netlink_ext_ack extack = {};
	struct tsf_racer *r;
	struct vdpa_sf *sf;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	INIT_WORK(&r->work, tsf_racer_fn);
	init_completion(&r->done);
	r->port = port;
	KUNIT_ASSERT_EQ(test, tsf_hw_addr_set(port, tsf_mac_a, ETH_ALEN,
					      &extack), 0);
	sf = tsf_activate_ok(test, pf, port);
	pf->racer = r;
	tsf_dev_add_ok(test, pf, sf, "tsf0");
	KUNIT_EXPECT_EQ(test, r->err, -EBUSY);
	tsf_expect_msg(test, &r->extack, "vDPA device");
	tsf_expect_hw_addr(test, port, tsf_mac_a);
	KUNIT_EXPECT_MEMEQ(test, pf->config.net.mac, tsf_mac_a, ETH_ALEN);
}

/* The mac attribute of "vdpa dev add" a row gives. */
enum tsf_attr { TSF_NO_ATTR, TSF_ATTR_SAME, TSF_ATTR_OTHER };

/**
 * struct tsf_mac_case - ``vdpa dev add`` on an SF, with or without MACs
 * @desc: the row's name
 * @port_mac: whether the port function has a MAC (tsf_mac_a)
 * @attr: the mac attribute: none, tsf_mac_a or tsf_mac_b
 * @attr_mask: the SF's &vdpa_sf_caps.config_attr_mask
 * @err: the result
 * @mac: the MAC the PF's dev_add gets (NULL: none)
 */
struct tsf_mac_case {
	const char *desc;
	bool port_mac;
	enum tsf_attr attr;
	u64 attr_mask;
	int err;
	const u8 *mac;
};

static const struct tsf_mac_case tsf_mac_cases[] = {
	{ "no MAC at all", false, TSF_NO_ATTR, TSF_MAC_ATTR, 0, NULL },
	{ "a mac attribute, no port MAC", false, TSF_ATTR_OTHER, TSF_MAC_ATTR,
	  0, tsf_mac_b },
	{ "the port MAC filled in", true, TSF_NO_ATTR, TSF_MAC_ATTR, 0,
	  tsf_mac_a },
	{ "the port MAC as mac attribute", true, TSF_ATTR_SAME, TSF_MAC_ATTR,
	  0, tsf_mac_a },
	{ "another mac attribute", true, TSF_ATTR_OTHER, TSF_MAC_ATTR,
	  -EINVAL, NULL },
	{ "a class without mac attribute", true, TSF_NO_ATTR, 0, 0, NULL },
};

static void tsf_mac_desc(const struct tsf_mac_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tsf_mac, tsf_mac_cases, tsf_mac_desc);

static void tsf_expect_conflict(struct kunit *test, struct tsf_pf *pf,
				const struct netlink_ext_ack *extack)
{
	char mac[18];

	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "");
	KUNIT_EXPECT_NULL(test, pf->vdev);
	/* The message names both MACs. */
	snprintf(mac, sizeof(mac), "%pM", tsf_mac_b);
	tsf_expect_msg(test, extack, mac);
	snprintf(mac, sizeof(mac), "%pM", tsf_mac_a);
	tsf_expect_msg(test, extack, mac);
}

/* dev_add gets the port function's MAC; a different mac is refused. */
static void vdpa_sf_dev_mac_test(struct kunit *test)
{
	const struct tsf_mac_case *c = test->param_value;
	struct tsf_pf *pf = tsf_pf_new(test, TSF_MAX_SFS, 0);
	struct devlink_port *port = tsf_add(test, pf, TSF_SFNUM);
	struct netlink_ext_ack extack = {};
	struct vdpa_dev_set_config config = { .extack = &extack };
	struct vdpa_sf *sf;

	if (c->port_mac)
		KUNIT_ASSERT_EQ(test, tsf_hw_addr_set(port, tsf_mac_a, ETH_ALEN,
						      &extack), 0);
	pf->caps.config_attr_mask = c->attr_mask;
	sf = tsf_activate_ok(test, pf, port);
	if (c->attr != TSF_NO_ATTR) {
		config.mask = TSF_MAC_ATTR;
		ether_addr_copy(config.net.mac, c->attr == TSF_ATTR_SAME ?
				tsf_mac_a : tsf_mac_b);
	}
	tsf_clear(pf);
	KUNIT_EXPECT_EQ(test, tsf_dev_new(test, pf, sf, "tsf0", &config),
			c->err);
	if (c->err) {
		tsf_expect_conflict(test, pf, &extack);
		return;
	}
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "dev_add");
	KUNIT_EXPECT_TRUE(test, pf->events[0].aux);
	KUNIT_EXPECT_NOT_NULL(test, pf->vdev);
	KUNIT_EXPECT_PTR_EQ(test, pf->config.extack, &extack);
	KUNIT_EXPECT_EQ(test, pf->config.mask & TSF_MAC_ATTR,
			c->mac ? TSF_MAC_ATTR : 0);
	if (c->mac)
		KUNIT_EXPECT_MEMEQ(test, pf->config.net.mac, c->mac, ETH_ALEN);
}

/*
 * Devices and virtqueues
 */

/* Virtqueues are charged against max_vqs, and returned on dev_del. */
static void vdpa_sf_charge_vqs_test(struct kunit *test)
{
	struct tsf_pf *pf = tsf_pf_new(test, 3, 6);
	struct netlink_ext_ack extack = {};
	struct vdpa_dev_set_config config = { .extack = &extack };
	struct vdpa_sf *sf0, *sf1, *sf2;
	struct vdpa_device *vdev0;

	sf0 = tsf_activate_ok(test, pf, tsf_add(test, pf, TSF_SFNUM));
	sf1 = tsf_activate_ok(test, pf, tsf_add(test, pf, TSF_SFNUM + 1));
	sf2 = tsf_activate_ok(test, pf, tsf_add(test, pf, TSF_SFNUM + 2));
	pf->dev_nvqs = 4;
	vdev0 = tsf_dev_add_ok(test, pf, sf0, "tsf0");

	KUNIT_EXPECT_EQ(test, tsf_dev_new(test, pf, sf1, "tsf1", &config),
			-ENOSPC);
	tsf_expect_msg(test, &extack, "2 of");
	tsf_expect_msg(test, &extack, "6 virtqueues");
	tsf_expect_msg(test, &extack, "needs 4");
	KUNIT_EXPECT_EQ(test, pf->freed, 1);
	KUNIT_EXPECT_PTR_EQ(test, pf->vdev, vdev0);

	/* The refusal charged nothing: exactly 2 are left. */
	pf->dev_nvqs = 2;
	tsf_dev_add_ok(test, pf, sf1, "tsf1");
	pf->dev_nvqs = 1;
	KUNIT_EXPECT_EQ(test, tsf_dev_new(test, pf, sf2, "tsf2", &config),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, pf->freed, 2);

	/* Deleting tsf0 returns its 4. */
	tsf_dev_del_now(vdev0);
	KUNIT_EXPECT_EQ(test, pf->freed, 3);
	pf->dev_nvqs = 4;
	tsf_dev_add_ok(test, pf, sf2, "tsf2");
	pf->dev_nvqs = 1;
	KUNIT_EXPECT_EQ(test, tsf_dev_new(test, pf, sf0, "tsf0", &config),
			-ENOSPC);
}

/* A device with more virtqueues than its SF offers is refused, uncharged. */
static void vdpa_sf_charge_sf_limit_test(struct kunit *test)
{
	struct tsf_pf *pf = tsf_pf_new(test, 1, 0);
	struct netlink_ext_ack extack = {};
	struct vdpa_dev_set_config config = { .extack = &extack };
	struct vdpa_sf *sf;

	sf = tsf_activate_ok(test, pf, tsf_add(test, pf, TSF_SFNUM));
	pf->dev_nvqs = TSF_SF_VQS + 1;
	KUNIT_EXPECT_EQ(test, tsf_dev_new(test, pf, sf, "tsf0", &config),
			-ENOSPC);
	tsf_expect_msg(test, &extack, "needs 5 virtqueues, the SF has 4");
	KUNIT_EXPECT_EQ(test, pf->freed, 1);
	pf->dev_nvqs = TSF_SF_VQS;
	tsf_dev_add_ok(test, pf, sf, "tsf0");
}

/* A dev_add that fails after charging gets the charge back. */
static void vdpa_sf_charge_undone_test(struct kunit *test)
{
	struct tsf_pf *pf = tsf_pf_new(test, TSF_MAX_SFS, TSF_SF_VQS);
	struct netlink_ext_ack extack = {};
	struct vdpa_dev_set_config config = { .extack = &extack };
	struct vdpa_sf *sf;

	sf = tsf_activate_ok(test, pf, tsf_add(test, pf, TSF_SFNUM));
	pf->dev_nvqs = TSF_SF_VQS;
	pf->dev_add_err = -EIO;
	KUNIT_EXPECT_EQ(test, tsf_dev_new(test, pf, sf, "tsf0", &config),
			-EIO);
	KUNIT_EXPECT_EQ(test, pf->freed, 1);
	KUNIT_EXPECT_NULL(test, pf->vdev);

	/* Every virtqueue is there again, and the SF has no device. */
	pf->dev_add_err = 0;
	tsf_dev_add_ok(test, pf, sf, "tsf0");
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "activate dev_add dev_add");
}

/* One device per SF: a second dev_add is refused before reaching the PF. */
static void vdpa_sf_second_dev_test(struct kunit *test)
{
	struct tsf_pf *pf = tsf_pf_new(test, TSF_MAX_SFS, 0);
	struct netlink_ext_ack extack = {};
	struct vdpa_dev_set_config config = { .extack = &extack };
	struct vdpa_device *vdev;
	struct vdpa_sf *sf;

	sf = tsf_activate_ok(test, pf, tsf_add(test, pf, TSF_SFNUM));
	vdev = tsf_dev_add_ok(test, pf, sf, "tsf0");
	tsf_clear(pf);
	KUNIT_EXPECT_EQ(test, tsf_dev_new(test, pf, sf, "tsf1", &config),
			-EEXIST);
	tsf_expect_msg(test, &extack, "has a vDPA device already");
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "");
	KUNIT_EXPECT_PTR_EQ(test, pf->vdev, vdev);
	KUNIT_EXPECT_EQ(test, pf->freed, 0);

	/* After dev_del the SF takes a device again. */
	tsf_dev_del_now(vdev);
	tsf_dev_add_ok(test, pf, sf, "tsf1");
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "dev_del dev_add");
}

/*
 * Unbinding the glue's driver detaches the SF and deletes its device; the
 * SF stays active until "state inactive".
 */
static void vdpa_sf_unbind_test(struct kunit *test)
{
	struct tsf_pf *pf = tsf_pf_new(test, TSF_MAX_SFS, 0);
	struct devlink_port *port = tsf_add(test, pf, TSF_SFNUM);
	struct netlink_ext_ack extack = {};
	struct device *adev;
	struct vdpa_sf *sf;

	sf = tsf_activate_ok(test, pf, port);
	tsf_dev_add_ok(test, pf, sf, "tsf0");
	adev = tsf_aux_get(test, pf, sf);
	KUNIT_ASSERT_NOT_NULL(test, adev);
	tsf_clear(pf);

	device_release_driver(adev);
	KUNIT_EXPECT_NULL(test, adev->driver);
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "dev_del");
	KUNIT_EXPECT_EQ(test, pf->freed, 1);
	KUNIT_EXPECT_NULL(test, pf->vdev);
	KUNIT_EXPECT_FALSE(test, tsf_mgmt_registered(adev));
	tsf_expect_state(test, port, DEVLINK_PORT_FN_STATE_ACTIVE,
			 DEVLINK_PORT_FN_OPSTATE_DETACHED);
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 1);

	tsf_clear(pf);
	KUNIT_EXPECT_EQ(test, tsf_state_set(port, DEVLINK_PORT_FN_STATE_INACTIVE,
					    &extack), 0);
	KUNIT_EXPECT_STREQ(test, tsf_calls(test, pf), "deactivate");
	KUNIT_EXPECT_FALSE(test, pf->events[0].aux);
	KUNIT_EXPECT_FALSE(test, device_is_registered(adev));
	tsf_expect_state(test, port, DEVLINK_PORT_FN_STATE_INACTIVE,
			 DEVLINK_PORT_FN_OPSTATE_DETACHED);
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 0);
}

/* vdpa_sf_table_active() counts the SFs whose function state is active. */
static void vdpa_sf_table_active_test(struct kunit *test)
{
	struct tsf_pf *pf = tsf_pf_new(test, 3, 0);
	struct devlink_port *p0 = tsf_add(test, pf, TSF_SFNUM);
	struct devlink_port *p1 = tsf_add(test, pf, TSF_SFNUM + 1);
	struct devlink_port *p2 = tsf_add(test, pf, TSF_SFNUM + 2);
	struct netlink_ext_ack extack = {};
	struct device *adev;

	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 0);
	adev = tsf_aux_get(test, pf, tsf_activate_ok(test, pf, p0));
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 1);
	pf->activate_err = -EIO;
	KUNIT_EXPECT_EQ(test, tsf_state_set(p1, DEVLINK_PORT_FN_STATE_ACTIVE,
					    &extack), -EIO);
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 1);
	pf->activate_err = 0;
	tsf_activate_ok(test, pf, p1);
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 2);
	pf->caps.id_table = NULL;
	KUNIT_EXPECT_EQ(test, tsf_state_set(p2, DEVLINK_PORT_FN_STATE_ACTIVE,
					    &extack), -EINVAL);
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 2);

	KUNIT_ASSERT_NOT_NULL(test, adev);
	device_release_driver(adev);
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 2);
	KUNIT_EXPECT_EQ(test, tsf_state_set(p0, DEVLINK_PORT_FN_STATE_INACTIVE,
					    &extack), 0);
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 1);
	KUNIT_EXPECT_EQ(test, tsf_port_del(p1, &extack), 0);
	KUNIT_EXPECT_EQ(test, vdpa_sf_table_active(pf->table), 0);
}

static struct kunit_case vdpa_sf_cases[] = {
	KUNIT_CASE_PARAM(vdpa_sf_table_create_test, tsf_create_gen_params),
	KUNIT_CASE_PARAM(vdpa_sf_port_new_refused_test, tsf_new_gen_params),
	KUNIT_CASE(vdpa_sf_port_new_test),
	KUNIT_CASE(vdpa_sf_activate_test),
	KUNIT_CASE(vdpa_sf_activate_fails_test),
	KUNIT_CASE_PARAM(vdpa_sf_activate_no_class_test, tsf_caps_gen_params),
	KUNIT_CASE(vdpa_sf_deactivate_test),
	KUNIT_CASE(vdpa_sf_port_del_test),
	KUNIT_CASE(vdpa_sf_table_destroy_test),
	KUNIT_CASE_PARAM(vdpa_sf_hw_addr_test, tsf_hw_addr_gen_params),
	KUNIT_CASE(vdpa_sf_hw_addr_busy_test),
	KUNIT_CASE(vdpa_sf_hw_addr_adding_test),
	KUNIT_CASE_PARAM(vdpa_sf_dev_mac_test, tsf_mac_gen_params),
	KUNIT_CASE(vdpa_sf_charge_vqs_test),
	KUNIT_CASE(vdpa_sf_charge_sf_limit_test),
	KUNIT_CASE(vdpa_sf_charge_undone_test),
	KUNIT_CASE(vdpa_sf_second_dev_test),
	KUNIT_CASE(vdpa_sf_unbind_test),
	KUNIT_CASE(vdpa_sf_table_active_test),
	{}
};

static struct kunit_suite vdpa_sf_suite = {
	.name = "vdpa_sf",
	.test_cases = vdpa_sf_cases,
};

kunit_test_suites(&vdpa_sf_suite);

MODULE_DESCRIPTION("KUnit suite for the vDPA SF glue");
MODULE_LICENSE("GPL");
