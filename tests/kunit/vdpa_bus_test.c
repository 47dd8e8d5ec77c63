// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suites for the vDPA bus core (vdpa.ko).
 *
 * Every suite works on fake parents: a KUnit device stands in for the
 * parent device, and a &struct vt_parent embedding the &struct vdpa_device
 * provides a complete set of trivial config ops that record their calls in
 * a &struct vt_log owned by the test (it outlives the device, so the call
 * to &vdpa_config_ops.free can be counted too).
 *
 * vdpa_ops:      __vdpa_alloc_device() and vdpa_check_ops(): a table of
 *                invalid and valid ops sets and group/address space
 *                counts, invalid names and sizes, the state of a fresh
 *                device, and that a refused allocation leaves nothing
 *                behind (no free call, no index used).
 * vdpa_register: vdpa_register_device() and _vdpa_register_device():
 *                binding on registration, names, -EEXIST/-EINVAL/-EBUSY,
 *                the management variant, dma_dev defaulting, indices.
 * vdpa_release:  &vdpa_config_ops.free runs exactly once, when the last
 *                reference goes, registered or not.
 * vdpa_driver:   driver registration, binding to existing devices,
 *                driver_override, and the queue size check of the bus
 *                probe.
 * vdpa_mgmt:     vdpa_mgmtdev_register() and vdpa_mgmtdev_unregister():
 *                invalid and duplicate management devices, deletion of
 *                exactly the devices of the unregistered one.
 * vdpa_config:   the locked helpers: legacy features on early config
 *                reads, features, reset and compat_reset, status, and
 *                out-of-range config accesses.
 * vdpa_locking:  the "Locking" rules of <linux/vdpa.h> as seen from the
 *                config ops: cf_lock held by the helpers, the management
 *                lock never held by the core around them.
 *
 * The suites expect no other vDPA bus driver to be loaded while they run.
 */

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/rwsem.h>
#include <linux/string.h>
#include <linux/vdpa.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>

#include "../../core/vdpa_core.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define VT_CONFIG_SIZE		16
#define VT_NVQS			2
#define VT_VQ_NUM_MAX		256
#define VT_VENDOR_ID		0x4b554e54
#define VT_DEVICE_FEATURES	(BIT_ULL(VIRTIO_F_VERSION_1) | \
				 BIT_ULL(VIRTIO_F_ACCESS_PLATFORM))

#define VT_PARENT		"vdpa-kunit-parent"
#define VT_DRV_A		"vdpa_kunit_a"
#define VT_DRV_B		"vdpa_kunit_b"

/* The config ops whose calls are counted. */
enum vt_op {
	VT_GET_DEVICE_FEATURES,
	VT_SET_DRIVER_FEATURES,
	VT_GET_DRIVER_FEATURES,
	VT_GET_VQ_NUM_MAX,
	VT_GET_VQ_NUM_MIN,
	VT_GET_DEVICE_ID,
	VT_GET_VENDOR_ID,
	VT_GET_STATUS,
	VT_SET_STATUS,
	VT_RESET,
	VT_COMPAT_RESET,
	VT_GET_CONFIG_SIZE,
	VT_GET_CONFIG,
	VT_SET_CONFIG,
	VT_FREE,
	VT_NR_OPS
};

static const char * const vt_op_names[VT_NR_OPS] = {
	[VT_GET_DEVICE_FEATURES] = "get_device_features",
	[VT_SET_DRIVER_FEATURES] = "set_driver_features",
	[VT_GET_DRIVER_FEATURES] = "get_driver_features",
	[VT_GET_VQ_NUM_MAX] = "get_vq_num_max",
	[VT_GET_VQ_NUM_MIN] = "get_vq_num_min",
	[VT_GET_DEVICE_ID] = "get_device_id",
	[VT_GET_VENDOR_ID] = "get_vendor_id",
	[VT_GET_STATUS] = "get_status",
	[VT_SET_STATUS] = "set_status",
	[VT_RESET] = "reset",
	[VT_COMPAT_RESET] = "compat_reset",
	[VT_GET_CONFIG_SIZE] = "get_config_size",
	[VT_GET_CONFIG] = "get_config",
	[VT_SET_CONFIG] = "set_config",
	[VT_FREE] = "free",
};

/**
 * struct vt_log - what the config ops of a fake parent saw
 * @calls: number of calls of each &enum vt_op
 * @features: the last argument of set_driver_features
 * @status: the last argument of set_status
 * @compat_flags: the last argument of compat_reset
 * @outside_cf_lock: calls of cf_lock protected ops without cf_lock held
 * @under_mgmt_lock: calls (other than free) with the management lock held
 * @under_mgmt_lock_ops: which ops they were, as a bit mask of &enum vt_op
 * @bad_range: get_config/set_config calls outside the config space
 * @reset_ret: what reset and compat_reset return
 * @features_ret: what set_driver_features returns
 *
 * Allocated with kunit_kzalloc() before the device, so it is still there
 * when the device's release calls &vdpa_config_ops.free.
 */
struct vt_log {
	unsigned int calls[VT_NR_OPS];
	u64 features;
	u8 status;
	u32 compat_flags;
	unsigned int outside_cf_lock;
	unsigned int under_mgmt_lock;
	unsigned long under_mgmt_lock_ops;
	unsigned int bad_range;
	int reset_ret;
	int features_ret;
};

/**
 * struct vt_parent - a fake parent's device
 * @vdpa: the vDPA device; first member, as vdpa_alloc_device() requires
 * @log: where the config ops record their calls
 * @config: the config space
 * @driver_features: the features set through set_driver_features
 * @status: the status byte
 * @vq_num_min: what get_vq_num_min returns
 * @vq_num_max: what get_vq_num_max returns
 */
struct vt_parent {
	struct vdpa_device vdpa;
	struct vt_log *log;
	u8 config[VT_CONFIG_SIZE];
	u64 driver_features;
	u8 status;
	u16 vq_num_min;
	u16 vq_num_max;
};

static struct vt_parent *to_vt(struct vdpa_device *vdev)
{
	return container_of(vdev, struct vt_parent, vdpa);
}

/* Counts a call of @op and checks the management lock is not held. */
static struct vt_log *vt_note(struct vdpa_device *vdev, enum vt_op op)
{
	struct vt_log *log = to_vt(vdev)->log;

	log->calls[op]++;
	if (op != VT_FREE && rwsem_is_locked(&vdpa_mgmt_lock)) {
		log->under_mgmt_lock++;
		log->under_mgmt_lock_ops |= BIT(op);
	}
	return log;
}

/* Like vt_note() for the ops that must run under cf_lock. */
static struct vt_log *vt_note_locked(struct vdpa_device *vdev, enum vt_op op)
{
	struct vt_log *log = vt_note(vdev, op);

	if (!rwsem_is_locked(&vdev->cf_lock))
		log->outside_cf_lock++;
	return log;
}

static bool vt_range_ok(unsigned int offset, unsigned int len)
{
	return offset <= VT_CONFIG_SIZE && len <= VT_CONFIG_SIZE - offset;
}

/* Virtqueue ops: the core never calls them, they only need to exist. */

static int vt_set_vq_address(struct vdpa_device *vdev, u16 idx, u64 desc,
			     u64 driver, u64 device)
{
	return 0;
}

static void vt_set_vq_num(struct vdpa_device *vdev, u16 idx, u32 num)
{
}

static void vt_kick_vq(struct vdpa_device *vdev, u16 idx)
{
}

static void vt_set_vq_cb(struct vdpa_device *vdev, u16 idx,
			 struct vdpa_callback *cb)
{
}

static void vt_set_vq_ready(struct vdpa_device *vdev, u16 idx, bool ready)
{
}

static bool vt_get_vq_ready(struct vdpa_device *vdev, u16 idx)
{
	return false;
}

static int vt_set_vq_state(struct vdpa_device *vdev, u16 idx,
			   const struct vdpa_vq_state *state)
{
	return 0;
}

static int vt_get_vq_state(struct vdpa_device *vdev, u16 idx,
			   struct vdpa_vq_state *state)
{
	memset(state, 0, sizeof(*state));
	return 0;
}

static u32 vt_get_vq_align(struct vdpa_device *vdev)
{
	return PAGE_SIZE;
}

static void vt_set_config_cb(struct vdpa_device *vdev,
			     struct vdpa_callback *cb)
{
}

/* Device ops: counted. */

static u64 vt_get_device_features(struct vdpa_device *vdev)
{
	vt_note(vdev, VT_GET_DEVICE_FEATURES);
	return VT_DEVICE_FEATURES;
}

static int vt_set_driver_features(struct vdpa_device *vdev, u64 features)
{
	struct vt_log *log = vt_note_locked(vdev, VT_SET_DRIVER_FEATURES);

	log->features = features;
	to_vt(vdev)->driver_features = features;
	return log->features_ret;
}

static u64 vt_get_driver_features(struct vdpa_device *vdev)
{
	vt_note(vdev, VT_GET_DRIVER_FEATURES);
	return to_vt(vdev)->driver_features;
}

static u16 vt_get_vq_num_max(struct vdpa_device *vdev)
{
	vt_note(vdev, VT_GET_VQ_NUM_MAX);
	return to_vt(vdev)->vq_num_max;
}

static u16 vt_get_vq_num_min(struct vdpa_device *vdev)
{
	vt_note(vdev, VT_GET_VQ_NUM_MIN);
	return to_vt(vdev)->vq_num_min;
}

static u32 vt_get_device_id(struct vdpa_device *vdev)
{
	vt_note(vdev, VT_GET_DEVICE_ID);
	return VIRTIO_ID_NET;
}

static u32 vt_get_vendor_id(struct vdpa_device *vdev)
{
	vt_note(vdev, VT_GET_VENDOR_ID);
	return VT_VENDOR_ID;
}

static u8 vt_get_status(struct vdpa_device *vdev)
{
	vt_note(vdev, VT_GET_STATUS);
	return to_vt(vdev)->status;
}

static void vt_set_status(struct vdpa_device *vdev, u8 status)
{
	vt_note_locked(vdev, VT_SET_STATUS)->status = status;
	to_vt(vdev)->status = status;
}

static int vt_reset(struct vdpa_device *vdev)
{
	struct vt_log *log = vt_note_locked(vdev, VT_RESET);

	to_vt(vdev)->status = 0;
	return log->reset_ret;
}

static int vt_compat_reset(struct vdpa_device *vdev, u32 flags)
{
	struct vt_log *log = vt_note_locked(vdev, VT_COMPAT_RESET);

	log->compat_flags = flags;
	to_vt(vdev)->status = 0;
	return log->reset_ret;
}

static size_t vt_get_config_size(struct vdpa_device *vdev)
{
	vt_note(vdev, VT_GET_CONFIG_SIZE);
	return VT_CONFIG_SIZE;
}

static void vt_get_config(struct vdpa_device *vdev, unsigned int offset,
			  void *buf, unsigned int len)
{
	struct vt_log *log = vt_note_locked(vdev, VT_GET_CONFIG);

	if (!vt_range_ok(offset, len)) {
		log->bad_range++;
		return;
	}
	memcpy(buf, to_vt(vdev)->config + offset, len);
}

static void vt_set_config(struct vdpa_device *vdev, unsigned int offset,
			  const void *buf, unsigned int len)
{
	struct vt_log *log = vt_note_locked(vdev, VT_SET_CONFIG);

	if (!vt_range_ok(offset, len)) {
		log->bad_range++;
		return;
	}
	memcpy(to_vt(vdev)->config + offset, buf, len);
}

static void vt_free(struct vdpa_device *vdev)
{
	vt_note(vdev, VT_FREE);
}

/* Optional ops that only the ops validation table adds. */

static int vt_set_map(struct vdpa_device *vdev, unsigned int asid,
		      struct vhost_iotlb *iotlb)
{
	return 0;
}

static int vt_dma_map(struct vdpa_device *vdev, unsigned int asid, u64 iova,
		      u64 size, u64 pa, u32 perm, void *opaque)
{
	return 0;
}

static int vt_dma_unmap(struct vdpa_device *vdev, unsigned int asid,
			u64 iova, u64 size)
{
	return 0;
}

static u32 vt_get_vq_group(struct vdpa_device *vdev, u16 idx)
{
	return 0;
}

static int vt_set_group_asid(struct vdpa_device *vdev, unsigned int group,
			     unsigned int asid)
{
	return 0;
}

/* Every mandatory op, plus get_vq_num_min, compat_reset and free. */
static const struct vdpa_config_ops vt_ops = {
	.set_vq_address = vt_set_vq_address,
	.set_vq_num = vt_set_vq_num,
	.kick_vq = vt_kick_vq,
	.set_vq_cb = vt_set_vq_cb,
	.set_vq_ready = vt_set_vq_ready,
	.get_vq_ready = vt_get_vq_ready,
	.set_vq_state = vt_set_vq_state,
	.get_vq_state = vt_get_vq_state,
	.get_vq_align = vt_get_vq_align,
	.get_device_features = vt_get_device_features,
	.set_driver_features = vt_set_driver_features,
	.get_driver_features = vt_get_driver_features,
	.set_config_cb = vt_set_config_cb,
	.get_vq_num_max = vt_get_vq_num_max,
	.get_vq_num_min = vt_get_vq_num_min,
	.get_device_id = vt_get_device_id,
	.get_vendor_id = vt_get_vendor_id,
	.get_status = vt_get_status,
	.set_status = vt_set_status,
	.reset = vt_reset,
	.compat_reset = vt_compat_reset,
	.get_config_size = vt_get_config_size,
	.get_config = vt_get_config,
	.set_config = vt_set_config,
	.free = vt_free,
};

/* Whether @vdev is one of ours (drivers must not count foreign devices). */
static bool vt_is_ours(struct vdpa_device *vdev)
{
	return vdev->config && vdev->config->get_vendor_id == vt_get_vendor_id;
}

KUNIT_DEFINE_ACTION_WRAPPER(vt_put_action, put_device, struct device *);
KUNIT_DEFINE_ACTION_WRAPPER(vt_unregister_action, vdpa_unregister_device,
			    struct vdpa_device *);
KUNIT_DEFINE_ACTION_WRAPPER(vt_driver_unregister_action,
			    vdpa_unregister_driver, struct vdpa_driver *);
KUNIT_DEFINE_ACTION_WRAPPER(vt_mgmt_unregister_action,
			    vdpa_mgmtdev_unregister, struct vdpa_mgmt_dev *);

static struct vt_log *vt_log_new(struct kunit *test)
{
	struct vt_log *log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, log);
	return log;
}

static struct device *vt_parent_new(struct kunit *test, const char *name)
{
	struct device *parent = kunit_device_register(test, name);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, parent);
	return parent;
}

/* A writable copy of vt_ops, freed after every device of the test. */
static struct vdpa_config_ops *vt_ops_copy(struct kunit *test)
{
	struct vdpa_config_ops *ops;

	ops = kunit_kmalloc(test, sizeof(*ops), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ops);
	*ops = vt_ops;
	return ops;
}

/* Fills in a freshly allocated device and arranges its final put. */
static void vt_adopt(struct kunit *test, struct vt_parent *vt,
		     struct vt_log *log)
{
	int i;

	vt->log = log;
	vt->vq_num_min = 1;
	vt->vq_num_max = VT_VQ_NUM_MAX;
	for (i = 0; i < VT_CONFIG_SIZE; i++)
		vt->config[i] = 0x10 + i;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vt_put_action,
							&vt->vdpa.dev), 0);
}

/**
 * vt_alloc_ops() - allocate a fake parent device with given ops
 * @test: the test
 * @log: where its ops record their calls
 * @parent: the parent device
 * @ops: the ops
 * @name: the device name, or NULL
 *
 * The device is put when the test ends unless it gets registered with
 * vt_register() (then it is unregistered instead).
 *
 * Return: the device; the test is aborted on failure.
 */
static struct vt_parent *vt_alloc_ops(struct kunit *test, struct vt_log *log,
				      struct device *parent,
				      const struct vdpa_config_ops *ops,
				      const char *name)
{
	struct vt_parent *vt;

	vt = vdpa_alloc_device(struct vt_parent, vdpa, parent, ops, 1, 1,
			       name, false);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vt);
	vt_adopt(test, vt, log);
	return vt;
}

static struct vt_parent *vt_alloc(struct kunit *test, struct vt_log *log,
				  struct device *parent, const char *name)
{
	return vt_alloc_ops(test, log, parent, &vt_ops, name);
}

/*
 * vdpa_alloc_device() that may fail: a device it returns all the same is
 * adopted (put when the test ends), so nothing leaks when the core
 * accepts what it should have refused.
 */
static struct vt_parent *vt_try_alloc(struct kunit *test, struct vt_log *log,
				      struct device *parent,
				      const struct vdpa_config_ops *ops,
				      unsigned int ngroups, unsigned int nas,
				      const char *name, bool use_va)
{
	struct vt_parent *vt;

	vt = vdpa_alloc_device(struct vt_parent, vdpa, parent, ops, ngroups,
			       nas, name, use_va);
	if (!IS_ERR_OR_NULL(vt))
		vt_adopt(test, vt, log);
	return vt;
}

/* After a successful registration, unregister instead of put at the end. */
static void vt_registered(struct kunit *test, struct vt_parent *vt)
{
	kunit_remove_action(test, vt_put_action, &vt->vdpa.dev);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							vt_unregister_action,
							&vt->vdpa), 0);
}

/* vdpa_register_device() with the cleanup of vt_registered(). */
static int vt_register(struct kunit *test, struct vt_parent *vt, u32 nvqs)
{
	int ret = vdpa_register_device(&vt->vdpa, nvqs);

	if (!ret)
		vt_registered(test, vt);
	return ret;
}

/* _vdpa_register_device() the way dev_add calls it, under the lock. */
static int vt_register_locked(struct kunit *test, struct vt_parent *vt,
			      u32 nvqs)
{
	int ret;

	down_write(&vdpa_mgmt_lock);
	ret = _vdpa_register_device(&vt->vdpa, nvqs);
	up_write(&vdpa_mgmt_lock);
	if (!ret)
		vt_registered(test, vt);
	return ret;
}

/* Unregisters now a device registered with vt_register(). */
static void vt_unregister(struct kunit *test, struct vt_parent *vt)
{
	kunit_release_action(test, vt_unregister_action, &vt->vdpa);
}

/* Puts now a device that vt_alloc() returned and that is not registered. */
static void vt_put(struct kunit *test, struct vt_parent *vt)
{
	kunit_release_action(test, vt_put_action, &vt->vdpa.dev);
}

/* Whether a device called @name is on @bus. */
static bool vt_on_bus(const struct bus_type *bus, const char *name)
{
	struct device *dev = bus_find_device_by_name(bus, NULL, name);

	put_device(dev);
	return !!dev;
}

/**
 * struct vt_driver - a test vDPA bus driver
 * @vdrv: the driver
 * @probe_ret: what probe returns for our devices
 * @probed: number of probe calls for our devices
 * @removed: number of remove calls
 */
struct vt_driver {
	struct vdpa_driver vdrv;
	int probe_ret;
	unsigned int probed;
	unsigned int removed;
};

static struct vt_driver *to_vt_driver(struct vdpa_device *vdev)
{
	return container_of(drv_to_vdpa(vdev->dev.driver), struct vt_driver,
			    vdrv);
}

static int vt_drv_probe(struct vdpa_device *vdev)
{
	struct vt_driver *drv = to_vt_driver(vdev);

	if (!vt_is_ours(vdev))
		return -ENODEV;
	drv->probed++;
	return drv->probe_ret;
}

static void vt_drv_remove(struct vdpa_device *vdev)
{
	to_vt_driver(vdev)->removed++;
}

/* Registers a test driver, unregistered when the test ends. */
static struct vt_driver *vt_driver_new(struct kunit *test, const char *name)
{
	struct vt_driver *drv = kunit_kzalloc(test, sizeof(*drv), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, drv);
	drv->vdrv.driver.name = name;
	drv->vdrv.driver.probe_type = PROBE_FORCE_SYNCHRONOUS;
	drv->vdrv.probe = vt_drv_probe;
	drv->vdrv.remove = vt_drv_remove;
	KUNIT_ASSERT_EQ(test, vdpa_register_driver(&drv->vdrv), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							vt_driver_unregister_action,
							&drv->vdrv), 0);
	return drv;
}

static bool vt_bound_to(struct vt_parent *vt, struct vt_driver *drv)
{
	return vt->vdpa.dev.driver == &drv->vdrv.driver;
}

/*
 * vdpa_ops
 */

/* Optional ops a row of the ops table adds to (or removes from) vt_ops. */
#define VT_X_NULL	BIT(0)	/* no ops table at all */
#define VT_X_BARE	BIT(1)	/* the mandatory ops only */
#define VT_X_DMA_MAP	BIT(2)
#define VT_X_DMA_UNMAP	BIT(3)
#define VT_X_SET_MAP	BIT(4)
#define VT_X_VQ_GROUP	BIT(5)
#define VT_X_GROUP_ASID	BIT(6)

/**
 * struct vt_ops_case - one row of the ops validation table
 * @desc: the row's name in the test output
 * @drop: offset in &struct vdpa_config_ops of an op to remove
 * @dropped: whether @drop is used
 * @extra: ``VT_X_*`` changes to vt_ops
 * @ngroups: number of virtqueue groups
 * @nas: number of address spaces
 * @use_va: whether the device translates virtual addresses
 * @why: a word vdpa_check_ops() must mention; NULL when the row is valid
 */
struct vt_ops_case {
	const char *desc;
	size_t drop;
	bool dropped;
	unsigned int extra;
	unsigned int ngroups;
	unsigned int nas;
	bool use_va;
	const char *why;
};

#define VT_MISSING(op) {						\
	.desc = "without " #op,						\
	.drop = offsetof(struct vdpa_config_ops, op),			\
	.dropped = true, .ngroups = 1, .nas = 1, .why = #op,		\
}

static const struct vt_ops_case vt_ops_cases[] = {
	VT_MISSING(set_vq_address),
	VT_MISSING(set_vq_num),
	VT_MISSING(kick_vq),
	VT_MISSING(set_vq_cb),
	VT_MISSING(set_vq_ready),
	VT_MISSING(get_vq_ready),
	VT_MISSING(set_vq_state),
	VT_MISSING(get_vq_state),
	VT_MISSING(get_vq_align),
	VT_MISSING(get_device_features),
	VT_MISSING(set_driver_features),
	VT_MISSING(get_driver_features),
	VT_MISSING(set_config_cb),
	VT_MISSING(get_vq_num_max),
	VT_MISSING(get_device_id),
	VT_MISSING(get_vendor_id),
	VT_MISSING(get_status),
	VT_MISSING(set_status),
	VT_MISSING(reset),
	VT_MISSING(get_config_size),
	VT_MISSING(get_config),
	VT_MISSING(set_config),
	{ .desc = "no ops table", .extra = VT_X_NULL,
	  .ngroups = 1, .nas = 1, .why = "ops" },
	{ .desc = "dma_map without dma_unmap", .extra = VT_X_DMA_MAP,
	  .ngroups = 1, .nas = 1, .why = "dma_unmap" },
	{ .desc = "dma_unmap without dma_map", .extra = VT_X_DMA_UNMAP,
	  .ngroups = 1, .nas = 1, .why = "dma_map" },
	{ .desc = "use_va without dma_map or set_map", .use_va = true,
	  .ngroups = 1, .nas = 1, .why = "use_va" },
	{ .desc = "ngroups 0", .ngroups = 0, .nas = 1, .why = "ngroups" },
	{ .desc = "nas 0", .ngroups = 1, .nas = 0, .why = "nas" },
	{ .desc = "2 groups without get_vq_group", .ngroups = 2, .nas = 1,
	  .why = "get_vq_group" },
	{ .desc = "2 address spaces without set_group_asid", .ngroups = 1,
	  .nas = 2, .why = "set_group_asid" },
	{ .desc = "valid: mandatory ops only", .extra = VT_X_BARE,
	  .ngroups = 1, .nas = 1 },
	{ .desc = "valid: mandatory and optional ops", .ngroups = 1, .nas = 1 },
	{ .desc = "valid: dma_map with dma_unmap",
	  .extra = VT_X_DMA_MAP | VT_X_DMA_UNMAP, .ngroups = 1, .nas = 1 },
	{ .desc = "valid: use_va with dma_map and dma_unmap",
	  .extra = VT_X_DMA_MAP | VT_X_DMA_UNMAP, .use_va = true,
	  .ngroups = 1, .nas = 1 },
	{ .desc = "valid: use_va with set_map", .extra = VT_X_SET_MAP,
	  .use_va = true, .ngroups = 1, .nas = 1 },
	{ .desc = "valid: 2 groups with get_vq_group", .extra = VT_X_VQ_GROUP,
	  .ngroups = 2, .nas = 1 },
	{ .desc = "valid: 2 address spaces with set_group_asid",
	  .extra = VT_X_GROUP_ASID, .ngroups = 1, .nas = 2 },
	{ .desc = "valid: 4 groups and 3 address spaces",
	  .extra = VT_X_VQ_GROUP | VT_X_GROUP_ASID, .ngroups = 4, .nas = 3 },
};

static void vt_ops_case_desc(const struct vt_ops_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vt_ops_cases, vt_ops_cases, vt_ops_case_desc);

/* Builds the ops table a row describes. */
static const struct vdpa_config_ops *vt_case_ops(struct kunit *test,
						 const struct vt_ops_case *c)
{
	struct vdpa_config_ops *ops;

	if (c->extra & VT_X_NULL)
		return NULL;
	ops = vt_ops_copy(test);
	if (c->extra & VT_X_BARE) {
		ops->get_vq_num_min = NULL;
		ops->compat_reset = NULL;
		ops->free = NULL;
	}
	if (c->extra & VT_X_DMA_MAP)
		ops->dma_map = vt_dma_map;
	if (c->extra & VT_X_DMA_UNMAP)
		ops->dma_unmap = vt_dma_unmap;
	if (c->extra & VT_X_SET_MAP)
		ops->set_map = vt_set_map;
	if (c->extra & VT_X_VQ_GROUP)
		ops->get_vq_group = vt_get_vq_group;
	if (c->extra & VT_X_GROUP_ASID)
		ops->set_group_asid = vt_set_group_asid;
	if (c->dropped)
		memset((u8 *)ops + c->drop, 0, sizeof(ops->reset));
	return ops;
}

static void vdpa_ops_refused(struct kunit *test, const struct vt_ops_case *c,
			     const struct vdpa_config_ops *ops,
			     struct vt_parent *vt, struct vt_log *log)
{
	const char *why = vdpa_check_ops(ops, c->ngroups, c->nas, c->use_va);

	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(vt), -EINVAL);
	KUNIT_ASSERT_NOT_NULL_MSG(test, why, "vdpa_check_ops() accepted it");
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(why, c->why),
				  "\"%s\" does not mention %s", why, c->why);
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 0);
}

static void vdpa_ops_accepted(struct kunit *test, const struct vt_ops_case *c,
			      const struct vdpa_config_ops *ops,
			      struct vt_parent *vt, struct vt_log *log)
{
	const char *why = vdpa_check_ops(ops, c->ngroups, c->nas, c->use_va);

	KUNIT_EXPECT_NULL_MSG(test, why, "refused: %s", why);
	KUNIT_ASSERT_EQ(test, PTR_ERR_OR_ZERO(vt), 0);
	KUNIT_EXPECT_PTR_EQ(test, vt->vdpa.config, ops);
	KUNIT_EXPECT_EQ(test, vt->vdpa.ngroups, c->ngroups);
	KUNIT_EXPECT_EQ(test, vt->vdpa.nas, c->nas);
	KUNIT_EXPECT_EQ(test, vt->vdpa.use_va, c->use_va);
	vt_put(test, vt);
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], ops->free ? 1 : 0);
}

/* Each row: vdpa_check_ops() and vdpa_alloc_device() agree with it. */
static void vdpa_ops_table_test(struct kunit *test)
{
	const struct vt_ops_case *c = test->param_value;
	const struct vdpa_config_ops *ops = vt_case_ops(test, c);
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *vt;

	vt = vt_try_alloc(test, log, parent, ops, c->ngroups, c->nas, NULL,
			  c->use_va);
	if (c->why)
		vdpa_ops_refused(test, c, ops, vt, log);
	else
		vdpa_ops_accepted(test, c, ops, vt, log);
}

/* Empty names and names with a '/' are refused, other names kept. */
static void vdpa_ops_names_test(struct kunit *test)
{
	static const char * const bad[] = { "", "a/b", "/", "vdpa0/" };
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *vt;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		vt = vt_try_alloc(test, log, parent, &vt_ops, 1, 1, bad[i],
				  false);
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR_OR_ZERO(vt), -EINVAL,
				    "name \"%s\"", bad[i]);
	}
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 0);

	vt = vt_alloc(test, log, parent, "vdpa-kunit.0_x");
	KUNIT_EXPECT_STREQ(test, dev_name(&vt->vdpa.dev), "vdpa-kunit.0_x");
}

/* A size below struct vdpa_device is refused. */
static void vdpa_ops_size_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vdpa_config_ops *ops = vt_ops_copy(test);
	struct vdpa_device *vdev;

	/* free would look at a struct vt_parent that is not there. */
	ops->free = NULL;
	vdev = __vdpa_alloc_device(parent, ops, 1, 1,
				   sizeof(struct vdpa_device) - 1, NULL,
				   false);
	if (!IS_ERR_OR_NULL(vdev))
		kunit_add_action_or_reset(test, vt_put_action, &vdev->dev);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(vdev), -EINVAL);
}

/* A new device: zeroed, named after its index, not registered, 64-bit DMA. */
static void vdpa_ops_fresh_device_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_parent *vt;
	char name[32];

	vt = vdpa_alloc_device(struct vt_parent, vdpa, parent, &vt_ops, 1, 1,
			       NULL, false);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vt);
	KUNIT_EXPECT_NULL(test, memchr_inv(vt->config, 0, sizeof(vt->config)));
	KUNIT_EXPECT_EQ(test, vt->driver_features, 0);
	vt_adopt(test, vt, vt_log_new(test));

	snprintf(name, sizeof(name), "vdpa%u", vt->vdpa.index);
	KUNIT_EXPECT_STREQ(test, dev_name(&vt->vdpa.dev), name);
	KUNIT_EXPECT_PTR_EQ(test, vt->vdpa.dev.parent, parent);
	KUNIT_EXPECT_FALSE(test, device_is_registered(&vt->vdpa.dev));
	KUNIT_EXPECT_FALSE(test, vt->vdpa.features_valid);
	KUNIT_EXPECT_NULL(test, vt->vdpa.mdev);
	KUNIT_EXPECT_NULL(test, vt->vdpa.dma_dev);
	KUNIT_EXPECT_EQ(test, vt->vdpa.nvqs, 0);
	KUNIT_ASSERT_NOT_NULL(test, vt->vdpa.dev.dma_mask);
	KUNIT_EXPECT_EQ(test, *vt->vdpa.dev.dma_mask, DMA_BIT_MASK(64));
	KUNIT_EXPECT_EQ(test, vt->vdpa.dev.coherent_dma_mask, DMA_BIT_MASK(64));
}

/* A refused allocation calls no free and uses up no index. */
static void vdpa_ops_refusal_leaves_nothing_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vdpa_config_ops *ops = vt_ops_copy(test);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *vt, *bad;
	unsigned int index;

	vt = vt_alloc(test, log, parent, NULL);
	index = vt->vdpa.index;
	vt_put(test, vt);
	KUNIT_ASSERT_EQ(test, log->calls[VT_FREE], 1);

	ops->reset = NULL;
	bad = vt_try_alloc(test, log, parent, ops, 1, 1, NULL, false);
	KUNIT_ASSERT_EQ(test, PTR_ERR_OR_ZERO(bad), -EINVAL);
	bad = vt_try_alloc(test, log, parent, &vt_ops, 1, 1, "x/y", false);
	KUNIT_ASSERT_EQ(test, PTR_ERR_OR_ZERO(bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 1);

	/* The index freed above is still the lowest one available. */
	vt = vt_alloc(test, log, parent, NULL);
	KUNIT_EXPECT_EQ(test, vt->vdpa.index, index);
}

static struct kunit_case vdpa_ops_cases[] = {
	KUNIT_CASE_PARAM(vdpa_ops_table_test, vt_ops_cases_gen_params),
	KUNIT_CASE(vdpa_ops_names_test),
	KUNIT_CASE(vdpa_ops_size_test),
	KUNIT_CASE(vdpa_ops_fresh_device_test),
	KUNIT_CASE(vdpa_ops_refusal_leaves_nothing_test),
	{}
};

static struct kunit_suite vdpa_ops_suite = {
	.name = "vdpa_ops",
	.test_cases = vdpa_ops_cases,
};

/*
 * vdpa_register
 */

/* With a driver loaded: probe once on register, remove once on unregister. */
static void vdpa_register_bound_test(struct kunit *test)
{
	struct vt_driver *drv = vt_driver_new(test, VT_DRV_A);
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *vt = vt_alloc(test, log, parent, NULL);

	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	KUNIT_EXPECT_TRUE(test, device_is_registered(&vt->vdpa.dev));
	KUNIT_EXPECT_EQ(test, drv->probed, 1);
	KUNIT_EXPECT_EQ(test, drv->removed, 0);
	KUNIT_EXPECT_TRUE(test, vt_bound_to(vt, drv));
	KUNIT_EXPECT_EQ(test, vt->vdpa.nvqs, VT_NVQS);

	vt_unregister(test, vt);
	KUNIT_EXPECT_EQ(test, drv->probed, 1);
	KUNIT_EXPECT_EQ(test, drv->removed, 1);
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 1);
}

/* Without a driver: registered, unbound, and freed by unregister. */
static void vdpa_register_unbound_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *vt = vt_alloc(test, log, parent, NULL);
	const struct bus_type *bus = vt->vdpa.dev.bus;
	char name[32];

	strscpy(name, dev_name(&vt->vdpa.dev), sizeof(name));
	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	KUNIT_EXPECT_TRUE(test, device_is_registered(&vt->vdpa.dev));
	KUNIT_EXPECT_NULL(test, vt->vdpa.dev.driver);
	KUNIT_EXPECT_TRUE(test, vt_on_bus(bus, name));

	vt_unregister(test, vt);
	KUNIT_EXPECT_FALSE(test, vt_on_bus(bus, name));
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 1);
}

/* Registration keeps the "vdpa<index>" default and given names. */
static void vdpa_register_names_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *dflt = vt_alloc(test, log, parent, NULL);
	struct vt_parent *named = vt_alloc(test, log, parent, "vdpa-kunit-n");
	const struct bus_type *bus = named->vdpa.dev.bus;
	char name[32];

	snprintf(name, sizeof(name), "vdpa%u", dflt->vdpa.index);
	KUNIT_ASSERT_EQ(test, vt_register(test, dflt, VT_NVQS), 0);
	KUNIT_ASSERT_EQ(test, vt_register(test, named, VT_NVQS), 0);
	KUNIT_EXPECT_STREQ(test, dev_name(&dflt->vdpa.dev), name);
	KUNIT_EXPECT_STREQ(test, dev_name(&named->vdpa.dev), "vdpa-kunit-n");
	KUNIT_EXPECT_TRUE(test, vt_on_bus(bus, name));
	KUNIT_EXPECT_TRUE(test, vt_on_bus(bus, "vdpa-kunit-n"));
}

/* A second device with a taken name gets -EEXIST and is put cleanly. */
static void vdpa_register_duplicate_name_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_log *wlog = vt_log_new(test), *llog = vt_log_new(test);
	struct vt_parent *winner = vt_alloc(test, wlog, parent, "vdpa-kunit-d");
	struct vt_parent *loser = vt_alloc(test, llog, parent, "vdpa-kunit-d");

	KUNIT_ASSERT_EQ(test, vt_register(test, winner, VT_NVQS), 0);
	KUNIT_EXPECT_EQ(test, vt_register(test, loser, VT_NVQS), -EEXIST);
	KUNIT_EXPECT_FALSE(test, device_is_registered(&loser->vdpa.dev));

	vt_put(test, loser);
	KUNIT_EXPECT_EQ(test, llog->calls[VT_FREE], 1);
	KUNIT_EXPECT_EQ(test, wlog->calls[VT_FREE], 0);
	KUNIT_EXPECT_TRUE(test, device_is_registered(&winner->vdpa.dev));
	KUNIT_EXPECT_TRUE(test, vt_on_bus(winner->vdpa.dev.bus,
					  "vdpa-kunit-d"));
}

/* Zero virtqueues: -EINVAL, nothing published, put works. */
static void vdpa_register_no_vqs_test(struct kunit *test)
{
	struct vt_driver *drv = vt_driver_new(test, VT_DRV_A);
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *vt = vt_alloc(test, log, parent, "vdpa-kunit-0");

	KUNIT_EXPECT_EQ(test, vt_register(test, vt, 0), -EINVAL);
	KUNIT_EXPECT_FALSE(test, device_is_registered(&vt->vdpa.dev));
	KUNIT_EXPECT_FALSE(test, vt_on_bus(vt->vdpa.dev.bus, "vdpa-kunit-0"));
	KUNIT_EXPECT_EQ(test, drv->probed, 0);
	vt_put(test, vt);
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 1);
}

/* Registering a registered device: -EBUSY, and it stays registered once. */
static void vdpa_register_twice_test(struct kunit *test)
{
	struct vt_driver *drv = vt_driver_new(test, VT_DRV_A);
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *vt = vt_alloc(test, log, parent, NULL);

	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	KUNIT_EXPECT_EQ(test, vdpa_register_device(&vt->vdpa, VT_NVQS), -EBUSY);
	KUNIT_EXPECT_TRUE(test, device_is_registered(&vt->vdpa.dev));
	KUNIT_EXPECT_EQ(test, drv->probed, 1);

	vt_unregister(test, vt);
	KUNIT_EXPECT_EQ(test, drv->removed, 1);
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 1);
}

/* _vdpa_register_device() needs a management device. */
static void vdpa_register_locked_without_mdev_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *vt = vt_alloc(test, log, parent, "vdpa-kunit-m");

	KUNIT_EXPECT_EQ(test, vt_register_locked(test, vt, VT_NVQS), -EINVAL);
	KUNIT_EXPECT_FALSE(test, device_is_registered(&vt->vdpa.dev));
	KUNIT_EXPECT_FALSE(test, vt_on_bus(vt->vdpa.dev.bus, "vdpa-kunit-m"));
	vt_put(test, vt);
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 1);
}

/* With a management device, the locked variants register and unregister. */
static void vdpa_register_locked_with_mdev_test(struct kunit *test)
{
	static const struct vdpa_mgmtdev_ops no_ops = {};
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *vt = vt_alloc(test, log, parent, "vdpa-kunit-m");
	const struct bus_type *bus = vt->vdpa.dev.bus;
	struct vdpa_mgmt_dev *mdev;

	mdev = kunit_kzalloc(test, sizeof(*mdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	mdev->device = parent;
	mdev->ops = &no_ops;
	vt->vdpa.mdev = mdev;

	KUNIT_ASSERT_EQ(test, vt_register_locked(test, vt, VT_NVQS), 0);
	KUNIT_EXPECT_TRUE(test, vt_on_bus(bus, "vdpa-kunit-m"));
	KUNIT_EXPECT_EQ(test, vt->vdpa.nvqs, VT_NVQS);

	kunit_remove_action(test, vt_unregister_action, &vt->vdpa);
	down_write(&vdpa_mgmt_lock);
	_vdpa_unregister_device(&vt->vdpa);
	up_write(&vdpa_mgmt_lock);
	KUNIT_EXPECT_FALSE(test, vt_on_bus(bus, "vdpa-kunit-m"));
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 1);
}

/* dma_dev defaults to the parent. */
static void vdpa_register_dma_dev_default_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_parent *vt = vt_alloc(test, vt_log_new(test), parent, NULL);

	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	KUNIT_EXPECT_PTR_EQ(test, vdpa_get_dma_dev(&vt->vdpa), parent);
}

/* A dma_dev set by the parent is kept. */
static void vdpa_register_dma_dev_kept_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct device *dma = vt_parent_new(test, "vdpa-kunit-dma");
	struct vt_parent *vt = vt_alloc(test, vt_log_new(test), parent, NULL);

	vt->vdpa.dma_dev = dma;
	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	KUNIT_EXPECT_PTR_EQ(test, vdpa_get_dma_dev(&vt->vdpa), dma);
}

/* Live devices have distinct indices and so distinct default names. */
static void vdpa_register_index_unique_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *vt[4];
	int i, j;

	for (i = 0; i < ARRAY_SIZE(vt); i++) {
		vt[i] = vt_alloc(test, log, parent, NULL);
		KUNIT_ASSERT_EQ(test, vt_register(test, vt[i], VT_NVQS), 0);
	}
	for (i = 0; i < ARRAY_SIZE(vt); i++)
		for (j = i + 1; j < ARRAY_SIZE(vt); j++) {
			KUNIT_EXPECT_NE(test, vt[i]->vdpa.index,
					vt[j]->vdpa.index);
			KUNIT_EXPECT_STRNEQ(test, dev_name(&vt[i]->vdpa.dev),
					    dev_name(&vt[j]->vdpa.dev));
		}
}

static struct kunit_case vdpa_register_cases[] = {
	KUNIT_CASE(vdpa_register_bound_test),
	KUNIT_CASE(vdpa_register_unbound_test),
	KUNIT_CASE(vdpa_register_names_test),
	KUNIT_CASE(vdpa_register_duplicate_name_test),
	KUNIT_CASE(vdpa_register_no_vqs_test),
	KUNIT_CASE(vdpa_register_twice_test),
	KUNIT_CASE(vdpa_register_locked_without_mdev_test),
	KUNIT_CASE(vdpa_register_locked_with_mdev_test),
	KUNIT_CASE(vdpa_register_dma_dev_default_test),
	KUNIT_CASE(vdpa_register_dma_dev_kept_test),
	KUNIT_CASE(vdpa_register_index_unique_test),
	{}
};

static struct kunit_suite vdpa_register_suite = {
	.name = "vdpa_register",
	.test_cases = vdpa_register_cases,
};

/*
 * vdpa_release
 */

/* Unregistering the only reference frees the device at once. */
static void vdpa_release_on_unregister_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *vt = vt_alloc(test, log, parent, NULL);

	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 0);
	vt_unregister(test, vt);
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 1);
}

/* An extra reference delays free until it is dropped, then free runs once. */
static void vdpa_release_on_last_put_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *vt = vt_alloc(test, log, parent, NULL);
	struct device *dev = &vt->vdpa.dev;

	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	get_device(dev);
	get_device(dev);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vt_put_action,
							dev), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vt_put_action,
							dev), 0);

	vt_unregister(test, vt);
	KUNIT_EXPECT_FALSE(test, device_is_registered(dev));
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 0);
	kunit_release_action(test, vt_put_action, dev);
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 0);
	kunit_release_action(test, vt_put_action, dev);
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 1);
}

/* A device that was never registered is freed by put_device(). */
static void vdpa_release_unregistered_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *vt = vt_alloc(test, log, parent, NULL);

	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 0);
	vt_put(test, vt);
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 1);
}

/* Without a free op the release still gives the index back. */
static void vdpa_release_without_free_op_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vdpa_config_ops *ops = vt_ops_copy(test);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *vt;
	unsigned int index;

	ops->free = NULL;
	vt = vt_alloc_ops(test, log, parent, ops, NULL);
	index = vt->vdpa.index;
	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	vt_unregister(test, vt);

	vt = vt_alloc_ops(test, log, parent, ops, NULL);
	KUNIT_EXPECT_EQ(test, vt->vdpa.index, index);
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 0);
}

static struct kunit_case vdpa_release_cases[] = {
	KUNIT_CASE(vdpa_release_on_unregister_test),
	KUNIT_CASE(vdpa_release_on_last_put_test),
	KUNIT_CASE(vdpa_release_unregistered_test),
	KUNIT_CASE(vdpa_release_without_free_op_test),
	{}
};

static struct kunit_suite vdpa_release_suite = {
	.name = "vdpa_release",
	.test_cases = vdpa_release_cases,
};

/*
 * vdpa_driver
 */

/* A driver needs a name. */
static void vdpa_driver_no_name_test(struct kunit *test)
{
	struct vdpa_driver *drv = kunit_kzalloc(test, sizeof(*drv), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, drv);
	drv->probe = vt_drv_probe;
	ret = vdpa_register_driver(drv);
	if (!ret)
		kunit_add_action_or_reset(test, vt_driver_unregister_action,
					  drv);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
}

/* A driver registered after the device binds to it; unregistering unbinds. */
static void vdpa_driver_binds_existing_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *vt = vt_alloc(test, log, parent, NULL);
	struct vt_driver *drv;

	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	KUNIT_ASSERT_NULL(test, vt->vdpa.dev.driver);

	drv = vt_driver_new(test, VT_DRV_A);
	KUNIT_EXPECT_EQ(test, drv->probed, 1);
	KUNIT_EXPECT_TRUE(test, vt_bound_to(vt, drv));

	kunit_release_action(test, vt_driver_unregister_action, &drv->vdrv);
	KUNIT_EXPECT_EQ(test, drv->removed, 1);
	KUNIT_EXPECT_NULL(test, vt->vdpa.dev.driver);
	KUNIT_EXPECT_TRUE(test, device_is_registered(&vt->vdpa.dev));
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 0);
}

/* A failing driver probe leaves the device unbound and not removed. */
static void vdpa_driver_probe_error_test(struct kunit *test)
{
	struct vt_driver *drv = vt_driver_new(test, VT_DRV_A);
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_parent *vt = vt_alloc(test, vt_log_new(test), parent, NULL);

	drv->probe_ret = -ENOMEM;
	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	KUNIT_EXPECT_EQ(test, drv->probed, 1);
	KUNIT_EXPECT_NULL(test, vt->vdpa.dev.driver);
	vt_unregister(test, vt);
	KUNIT_EXPECT_EQ(test, drv->removed, 0);
}

/* Registers drivers A then B and a device with @override (or none). */
static struct vt_parent *vt_override_setup(struct kunit *test,
					   struct vt_driver **a,
					   struct vt_driver **b,
					   const char *override)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_parent *vt = vt_alloc(test, vt_log_new(test), parent, NULL);

	*a = vt_driver_new(test, VT_DRV_A);
	*b = vt_driver_new(test, VT_DRV_B);
	if (override)
		KUNIT_ASSERT_EQ(test, device_set_driver_override(&vt->vdpa.dev,
								 override), 0);
	return vt;
}

/* With both drivers loaded, the override makes only B bind. */
static void vdpa_driver_override_test(struct kunit *test)
{
	struct vt_driver *a, *b;
	struct vt_parent *vt = vt_override_setup(test, &a, &b, VT_DRV_B);

	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	KUNIT_EXPECT_TRUE(test, vt_bound_to(vt, b));
	KUNIT_EXPECT_EQ(test, a->probed, 0);
	KUNIT_EXPECT_EQ(test, b->probed, 1);

	vt_unregister(test, vt);
	KUNIT_EXPECT_EQ(test, a->removed, 0);
	KUNIT_EXPECT_EQ(test, b->removed, 1);
}

/* Without an override the first driver binds, the second is not tried. */
static void vdpa_driver_no_override_test(struct kunit *test)
{
	struct vt_driver *a, *b;
	struct vt_parent *vt = vt_override_setup(test, &a, &b, NULL);

	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	KUNIT_EXPECT_TRUE(test, vt_bound_to(vt, a));
	KUNIT_EXPECT_EQ(test, a->probed, 1);
	KUNIT_EXPECT_EQ(test, b->probed, 0);
}

/* An override set then cleared is no override: the first driver binds. */
static void vdpa_driver_override_cleared_test(struct kunit *test)
{
	struct vt_driver *a, *b;
	struct vt_parent *vt = vt_override_setup(test, &a, &b, VT_DRV_B);

	KUNIT_ASSERT_EQ(test, device_set_driver_override(&vt->vdpa.dev, ""), 0);
	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	KUNIT_EXPECT_TRUE(test, vt_bound_to(vt, a));
	KUNIT_EXPECT_EQ(test, a->probed, 1);
	KUNIT_EXPECT_EQ(test, b->probed, 0);
}

/* An override naming no driver leaves the device unbound until cleared. */
static void vdpa_driver_override_nobody_test(struct kunit *test)
{
	struct vt_driver *a, *b;
	struct vt_parent *vt = vt_override_setup(test, &a, &b,
						 "vdpa_kunit_nobody");

	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	KUNIT_EXPECT_NULL(test, vt->vdpa.dev.driver);
	KUNIT_EXPECT_EQ(test, a->probed, 0);
	KUNIT_EXPECT_EQ(test, b->probed, 0);

	KUNIT_ASSERT_EQ(test, device_set_driver_override(&vt->vdpa.dev, ""), 0);
	KUNIT_EXPECT_EQ(test, device_attach(&vt->vdpa.dev), 1);
	KUNIT_EXPECT_TRUE(test, vt_bound_to(vt, a));
	KUNIT_EXPECT_EQ(test, b->probed, 0);
}

/**
 * struct vt_vq_sizes_case - queue sizes the bus probe must refuse
 * @desc: the row's name
 * @min: what get_vq_num_min returns
 * @max: what get_vq_num_max returns
 */
struct vt_vq_sizes_case {
	const char *desc;
	u16 min;
	u16 max;
};

static const struct vt_vq_sizes_case vt_vq_sizes_cases[] = {
	{ .desc = "max below min", .min = 64, .max = 32 },
	{ .desc = "max 0", .min = 1, .max = 0 },
	{ .desc = "max 1 below min 2", .min = 2, .max = 1 },
};

static void vt_vq_sizes_desc(const struct vt_vq_sizes_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vt_vq_sizes, vt_vq_sizes_cases, vt_vq_sizes_desc);

/* Bad queue sizes: registration works, the device stays unbound. */
static void vdpa_driver_bad_vq_sizes_test(struct kunit *test)
{
	const struct vt_vq_sizes_case *c = test->param_value;
	struct vt_driver *drv = vt_driver_new(test, VT_DRV_A);
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_parent *vt = vt_alloc(test, vt_log_new(test), parent, NULL);

	vt->vq_num_min = c->min;
	vt->vq_num_max = c->max;
	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	KUNIT_EXPECT_TRUE(test, device_is_registered(&vt->vdpa.dev));
	KUNIT_EXPECT_NULL(test, vt->vdpa.dev.driver);
	KUNIT_EXPECT_EQ(test, drv->probed, 0);
	KUNIT_EXPECT_GE(test, vt->log->calls[VT_GET_VQ_NUM_MAX], 1);
}

/* Equal minimum and maximum queue sizes are fine. */
static void vdpa_driver_equal_vq_sizes_test(struct kunit *test)
{
	struct vt_driver *drv = vt_driver_new(test, VT_DRV_A);
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_parent *vt = vt_alloc(test, vt_log_new(test), parent, NULL);

	vt->vq_num_min = 64;
	vt->vq_num_max = 64;
	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	KUNIT_EXPECT_TRUE(test, vt_bound_to(vt, drv));
	KUNIT_EXPECT_EQ(test, drv->probed, 1);
}

static struct kunit_case vdpa_driver_cases[] = {
	KUNIT_CASE(vdpa_driver_no_name_test),
	KUNIT_CASE(vdpa_driver_binds_existing_test),
	KUNIT_CASE(vdpa_driver_probe_error_test),
	KUNIT_CASE(vdpa_driver_override_test),
	KUNIT_CASE(vdpa_driver_no_override_test),
	KUNIT_CASE(vdpa_driver_override_cleared_test),
	KUNIT_CASE(vdpa_driver_override_nobody_test),
	KUNIT_CASE_PARAM(vdpa_driver_bad_vq_sizes_test,
			 vt_vq_sizes_gen_params),
	KUNIT_CASE(vdpa_driver_equal_vq_sizes_test),
	{}
};

static struct kunit_suite vdpa_driver_suite = {
	.name = "vdpa_driver",
	.test_cases = vdpa_driver_cases,
};

/*
 * vdpa_mgmt
 */

/**
 * struct vt_mgmt - a test management device
 * @mdev: the management device
 * @test: the test, to cancel the cleanup of the devices dev_del deletes
 * @deleted: number of dev_del calls
 * @foreign: dev_del calls for devices of another management device
 */
struct vt_mgmt {
	struct vdpa_mgmt_dev mdev;
	struct kunit *test;
	unsigned int deleted;
	unsigned int foreign;
};

static int vt_mgmt_dev_add(struct vdpa_mgmt_dev *mdev, const char *name,
			   const struct vdpa_dev_set_config *config)
{
	return -EOPNOTSUPP;
}

static void vt_mgmt_dev_del(struct vdpa_mgmt_dev *mdev,
			    struct vdpa_device *vdev)
{
	struct vt_mgmt *m = container_of(mdev, struct vt_mgmt, mdev);

	m->deleted++;
	if (vdev->mdev != mdev)
		m->foreign++;
	kunit_remove_action(m->test, vt_unregister_action, vdev);
	_vdpa_unregister_device(vdev);
}

static const struct vdpa_mgmtdev_ops vt_mgmt_ops = {
	.dev_add = vt_mgmt_dev_add,
	.dev_del = vt_mgmt_dev_del,
};

static const struct vdpa_mgmtdev_ops vt_mgmt_ops_no_add = {
	.dev_del = vt_mgmt_dev_del,
};

static const struct vdpa_mgmtdev_ops vt_mgmt_ops_no_del = {
	.dev_add = vt_mgmt_dev_add,
};

/* A management device for @parent, not registered yet. */
static struct vt_mgmt *vt_mgmt_new(struct kunit *test, struct device *parent)
{
	struct vt_mgmt *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->test = test;
	m->mdev.device = parent;
	m->mdev.ops = &vt_mgmt_ops;
	return m;
}

/* vdpa_mgmtdev_register(), with vdpa_mgmtdev_unregister() at the end. */
static int vt_mgmt_register(struct kunit *test, struct vt_mgmt *m)
{
	int ret = vdpa_mgmtdev_register(&m->mdev);

	if (ret)
		return ret;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							vt_mgmt_unregister_action,
							&m->mdev), 0);
	return 0;
}

/* A registered device of @m, through the unlocked or the locked variant. */
static struct vt_parent *vt_mgmt_add(struct kunit *test, struct vt_mgmt *m,
				     struct vt_log *log, const char *name,
				     bool locked)
{
	struct vt_parent *vt = vt_alloc(test, log, m->mdev.device, name);

	vt->vdpa.mdev = &m->mdev;
	if (locked)
		KUNIT_ASSERT_EQ(test, vt_register_locked(test, vt, VT_NVQS), 0);
	else
		KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	return vt;
}

struct vt_count {
	const struct vdpa_mgmt_dev *mdev;
	unsigned int count;
};

static int vt_count_of(struct device *dev, void *data)
{
	struct vt_count *ctx = data;

	if (dev_to_vdpa(dev)->mdev == ctx->mdev)
		ctx->count++;
	return 0;
}

/* Number of devices of @mdev on @bus. */
static unsigned int vt_devices_of(const struct bus_type *bus,
				  const struct vdpa_mgmt_dev *mdev)
{
	struct vt_count ctx = { .mdev = mdev };

	bus_for_each_dev(bus, NULL, &ctx, vt_count_of);
	return ctx.count;
}

/* Two management devices, for two new parents. */
static void vt_mgmt_pair(struct kunit *test, struct vt_mgmt **m1,
			 struct vt_mgmt **m2)
{
	*m1 = vt_mgmt_new(test, vt_parent_new(test, "vdpa-kunit-p1"));
	*m2 = vt_mgmt_new(test, vt_parent_new(test, "vdpa-kunit-p2"));
}

/**
 * struct vt_mgmt_case - a management device vdpa_mgmtdev_register() refuses
 * @desc: the row's name
 * @no_device: whether &vdpa_mgmt_dev.device is left NULL
 * @ops: the ops
 */
struct vt_mgmt_case {
	const char *desc;
	bool no_device;
	const struct vdpa_mgmtdev_ops *ops;
};

static const struct vt_mgmt_case vt_mgmt_cases[] = {
	{ .desc = "no device", .no_device = true, .ops = &vt_mgmt_ops },
	{ .desc = "no ops", .ops = NULL },
	{ .desc = "no dev_add", .ops = &vt_mgmt_ops_no_add },
	{ .desc = "no dev_del", .ops = &vt_mgmt_ops_no_del },
};

static void vt_mgmt_case_desc(const struct vt_mgmt_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vt_mgmt_cases, vt_mgmt_cases, vt_mgmt_case_desc);

/* Incomplete management devices get -EINVAL and are not listed. */
static void vdpa_mgmt_register_invalid_test(struct kunit *test)
{
	const struct vt_mgmt_case *c = test->param_value;
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_mgmt *bad = vt_mgmt_new(test, c->no_device ? NULL : parent);
	struct vt_mgmt *good = vt_mgmt_new(test, parent);

	bad->mdev.ops = c->ops;
	KUNIT_EXPECT_EQ(test, vt_mgmt_register(test, bad), -EINVAL);
	/* Had it been listed for this device, the device would be taken. */
	KUNIT_EXPECT_EQ(test, vt_mgmt_register(test, good), 0);
}

/* Registering a management device twice: -EEXIST. */
static void vdpa_mgmt_register_twice_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_mgmt *m = vt_mgmt_new(test, parent);

	KUNIT_ASSERT_EQ(test, vt_mgmt_register(test, m), 0);
	KUNIT_EXPECT_EQ(test, vdpa_mgmtdev_register(&m->mdev), -EEXIST);
}

/* A second management device for the same device: -EEXIST. */
static void vdpa_mgmt_register_same_device_test(struct kunit *test)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_mgmt *m1 = vt_mgmt_new(test, parent);
	struct vt_mgmt *m2 = vt_mgmt_new(test, parent);
	struct vt_mgmt *m3 = vt_mgmt_new(test, parent);

	KUNIT_ASSERT_EQ(test, vt_mgmt_register(test, m1), 0);
	KUNIT_EXPECT_EQ(test, vt_mgmt_register(test, m2), -EEXIST);
	/* Unregistering the refused one must not unlist the first. */
	vdpa_mgmtdev_unregister(&m2->mdev);
	KUNIT_EXPECT_EQ(test, vt_mgmt_register(test, m3), -EEXIST);
}

/* Unregistering deletes exactly the devices of that management device. */
static void vdpa_mgmt_unregister_deletes_own_test(struct kunit *test)
{
	struct vt_driver *drv = vt_driver_new(test, VT_DRV_A);
	struct vt_log *log1 = vt_log_new(test), *log2 = vt_log_new(test);
	const struct bus_type *bus;
	struct vt_mgmt *m1, *m2;
	struct vt_parent *b1;

	vt_mgmt_pair(test, &m1, &m2);
	KUNIT_ASSERT_EQ(test, vt_mgmt_register(test, m1), 0);
	KUNIT_ASSERT_EQ(test, vt_mgmt_register(test, m2), 0);
	vt_mgmt_add(test, m1, log1, "vdpa-kunit-a1", false);
	vt_mgmt_add(test, m1, log1, "vdpa-kunit-a2", true);
	b1 = vt_mgmt_add(test, m2, log2, "vdpa-kunit-b1", false);
	bus = b1->vdpa.dev.bus;
	KUNIT_ASSERT_EQ(test, vt_devices_of(bus, &m1->mdev), 2);
	KUNIT_ASSERT_EQ(test, drv->probed, 3);

	kunit_release_action(test, vt_mgmt_unregister_action, &m1->mdev);
	KUNIT_EXPECT_EQ(test, m1->deleted, 2);
	KUNIT_EXPECT_EQ(test, m1->foreign, 0);
	KUNIT_EXPECT_EQ(test, m2->deleted, 0);
	KUNIT_EXPECT_EQ(test, vt_devices_of(bus, &m1->mdev), 0);
	KUNIT_EXPECT_FALSE(test, vt_on_bus(bus, "vdpa-kunit-a1"));
	KUNIT_EXPECT_FALSE(test, vt_on_bus(bus, "vdpa-kunit-a2"));
	KUNIT_EXPECT_EQ(test, log1->calls[VT_FREE], 2);
	KUNIT_EXPECT_EQ(test, drv->removed, 2);

	KUNIT_EXPECT_EQ(test, vt_devices_of(bus, &m2->mdev), 1);
	KUNIT_EXPECT_TRUE(test, vt_on_bus(bus, "vdpa-kunit-b1"));
	KUNIT_EXPECT_TRUE(test, vt_bound_to(b1, drv));
	KUNIT_EXPECT_EQ(test, log2->calls[VT_FREE], 0);
}

/* Unregistering a management device that is not registered is harmless. */
static void vdpa_mgmt_unregister_unlisted_test(struct kunit *test)
{
	struct vt_log *log = vt_log_new(test);
	struct vt_mgmt *m1, *m2;
	struct vt_parent *a1;

	vt_mgmt_pair(test, &m1, &m2);
	KUNIT_ASSERT_EQ(test, vt_mgmt_register(test, m1), 0);
	a1 = vt_mgmt_add(test, m1, log, "vdpa-kunit-a1", false);

	vdpa_mgmtdev_unregister(&m2->mdev);
	KUNIT_EXPECT_EQ(test, m1->deleted, 0);
	KUNIT_EXPECT_EQ(test, m2->deleted, 0);
	KUNIT_EXPECT_TRUE(test, device_is_registered(&a1->vdpa.dev));

	kunit_release_action(test, vt_mgmt_unregister_action, &m1->mdev);
	KUNIT_EXPECT_EQ(test, m1->deleted, 1);
	KUNIT_EXPECT_EQ(test, log->calls[VT_FREE], 1);

	/* Again, now that it is gone: nothing happens, and it can come back. */
	vdpa_mgmtdev_unregister(&m1->mdev);
	KUNIT_EXPECT_EQ(test, m1->deleted, 1);
	KUNIT_EXPECT_EQ(test, vt_mgmt_register(test, m1), 0);
}

static struct kunit_case vdpa_mgmt_cases[] = {
	KUNIT_CASE_PARAM(vdpa_mgmt_register_invalid_test,
			 vt_mgmt_cases_gen_params),
	KUNIT_CASE(vdpa_mgmt_register_twice_test),
	KUNIT_CASE(vdpa_mgmt_register_same_device_test),
	KUNIT_CASE(vdpa_mgmt_unregister_deletes_own_test),
	KUNIT_CASE(vdpa_mgmt_unregister_unlisted_test),
	{}
};

static struct kunit_suite vdpa_mgmt_suite = {
	.name = "vdpa_mgmt",
	.test_cases = vdpa_mgmt_cases,
};

/*
 * vdpa_config
 */

/* An unregistered device (the helpers must work before registration). */
static struct vt_parent *vt_config_dev(struct kunit *test,
				       const struct vdpa_config_ops *ops)
{
	struct device *parent = vt_parent_new(test, VT_PARENT);

	return vt_alloc_ops(test, vt_log_new(test), parent, ops, NULL);
}

/* A read before the features are set sets them to 0, once. */
static void vdpa_config_legacy_read_test(struct kunit *test)
{
	struct vt_parent *vt = vt_config_dev(test, &vt_ops);
	struct vt_log *log = vt->log;
	u8 buf[4];

	KUNIT_ASSERT_FALSE(test, vt->vdpa.features_valid);
	vdpa_get_config(&vt->vdpa, 4, buf, sizeof(buf));
	KUNIT_EXPECT_EQ(test, log->calls[VT_SET_DRIVER_FEATURES], 1);
	KUNIT_EXPECT_EQ(test, log->features, 0);
	KUNIT_EXPECT_TRUE(test, vt->vdpa.features_valid);
	KUNIT_EXPECT_EQ(test, log->calls[VT_GET_CONFIG], 1);
	KUNIT_EXPECT_MEMEQ(test, buf, vt->config + 4, sizeof(buf));

	vdpa_get_config(&vt->vdpa, 0, buf, sizeof(buf));
	KUNIT_EXPECT_EQ(test, log->calls[VT_SET_DRIVER_FEATURES], 1);
	KUNIT_EXPECT_EQ(test, log->calls[VT_GET_CONFIG], 2);
	KUNIT_EXPECT_MEMEQ(test, buf, vt->config, sizeof(buf));
}

/* After vdpa_set_features() reads leave the features alone. */
static void vdpa_config_read_after_features_test(struct kunit *test)
{
	const u64 features = VT_DEVICE_FEATURES;
	struct vt_parent *vt = vt_config_dev(test, &vt_ops);
	struct vt_log *log = vt->log;
	u8 buf[VT_CONFIG_SIZE];

	KUNIT_ASSERT_EQ(test, vdpa_set_features(&vt->vdpa, features), 0);
	KUNIT_EXPECT_EQ(test, log->calls[VT_SET_DRIVER_FEATURES], 1);
	KUNIT_EXPECT_TRUE(test, vt->vdpa.features_valid);

	vdpa_get_config(&vt->vdpa, 0, buf, sizeof(buf));
	vdpa_get_config(&vt->vdpa, 8, buf, 8);
	KUNIT_EXPECT_EQ(test, log->calls[VT_SET_DRIVER_FEATURES], 1);
	KUNIT_EXPECT_EQ(test, log->calls[VT_GET_CONFIG], 2);
	KUNIT_EXPECT_EQ(test, vt->vdpa.config->get_driver_features(&vt->vdpa),
			features);
}

/* vdpa_set_features() returns what the parent returns. */
static void vdpa_config_features_error_test(struct kunit *test)
{
	struct vt_parent *vt = vt_config_dev(test, &vt_ops);

	vt->log->features_ret = -EIO;
	KUNIT_EXPECT_EQ(test, vdpa_set_features(&vt->vdpa, 1), -EIO);
	KUNIT_EXPECT_EQ(test, vt->log->features, 1);
}

/* vdpa_reset(0) resets, and the next early read is a legacy one again. */
static void vdpa_config_reset_test(struct kunit *test)
{
	struct vt_parent *vt = vt_config_dev(test, &vt_ops);
	struct vt_log *log = vt->log;
	u8 buf[2];

	KUNIT_ASSERT_EQ(test, vdpa_set_features(&vt->vdpa, VT_DEVICE_FEATURES),
			0);
	KUNIT_EXPECT_EQ(test, vdpa_reset(&vt->vdpa, 0), 0);
	KUNIT_EXPECT_EQ(test, log->calls[VT_RESET], 1);
	KUNIT_EXPECT_EQ(test, log->calls[VT_COMPAT_RESET], 0);
	KUNIT_EXPECT_FALSE(test, vt->vdpa.features_valid);

	vdpa_get_config(&vt->vdpa, 0, buf, sizeof(buf));
	KUNIT_EXPECT_EQ(test, log->calls[VT_SET_DRIVER_FEATURES], 2);
	KUNIT_EXPECT_EQ(test, log->features, 0);
	KUNIT_EXPECT_TRUE(test, vt->vdpa.features_valid);
}

/* vdpa_reset() returns what the parent's reset returns. */
static void vdpa_config_reset_error_test(struct kunit *test)
{
	struct vt_parent *vt = vt_config_dev(test, &vt_ops);

	vt->log->reset_ret = -ETIMEDOUT;
	KUNIT_EXPECT_EQ(test, vdpa_reset(&vt->vdpa, 0), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, vdpa_reset(&vt->vdpa, VDPA_RESET_F_CLEAN_MAP),
			-ETIMEDOUT);
}

/* VDPA_RESET_F_CLEAN_MAP goes to compat_reset when the parent has it. */
static void vdpa_config_compat_reset_test(struct kunit *test)
{
	struct vt_parent *vt = vt_config_dev(test, &vt_ops);
	struct vt_log *log = vt->log;

	KUNIT_ASSERT_EQ(test, vdpa_set_features(&vt->vdpa, 0), 0);
	KUNIT_EXPECT_EQ(test, vdpa_reset(&vt->vdpa, VDPA_RESET_F_CLEAN_MAP), 0);
	KUNIT_EXPECT_EQ(test, log->calls[VT_COMPAT_RESET], 1);
	KUNIT_EXPECT_EQ(test, log->compat_flags, VDPA_RESET_F_CLEAN_MAP);
	KUNIT_EXPECT_EQ(test, log->calls[VT_RESET], 0);
	KUNIT_EXPECT_FALSE(test, vt->vdpa.features_valid);
}

/* ... and to reset when it does not. */
static void vdpa_config_no_compat_reset_test(struct kunit *test)
{
	struct vdpa_config_ops *ops = vt_ops_copy(test);
	struct vt_parent *vt;

	ops->compat_reset = NULL;
	vt = vt_config_dev(test, ops);
	KUNIT_ASSERT_EQ(test, vdpa_set_features(&vt->vdpa, 0), 0);
	KUNIT_EXPECT_EQ(test, vdpa_reset(&vt->vdpa, VDPA_RESET_F_CLEAN_MAP), 0);
	KUNIT_EXPECT_EQ(test, vt->log->calls[VT_RESET], 1);
	KUNIT_EXPECT_EQ(test, vt->log->calls[VT_COMPAT_RESET], 0);
	KUNIT_EXPECT_FALSE(test, vt->vdpa.features_valid);
}

/* vdpa_set_status() reaches set_status with the status byte. */
static void vdpa_config_set_status_test(struct kunit *test)
{
	const u8 status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	struct vt_parent *vt = vt_config_dev(test, &vt_ops);

	vdpa_set_status(&vt->vdpa, status);
	KUNIT_EXPECT_EQ(test, vt->log->calls[VT_SET_STATUS], 1);
	KUNIT_EXPECT_EQ(test, vt->log->status, status);
	KUNIT_EXPECT_EQ(test, vt->vdpa.config->get_status(&vt->vdpa), status);
}

/* An in-range write reaches set_config. */
static void vdpa_config_write_test(struct kunit *test)
{
	static const u8 data[] = { 0xde, 0xad, 0xbe, 0xef };
	struct vt_parent *vt = vt_config_dev(test, &vt_ops);

	vdpa_set_config(&vt->vdpa, VT_CONFIG_SIZE - sizeof(data), data,
			sizeof(data));
	KUNIT_EXPECT_EQ(test, vt->log->calls[VT_SET_CONFIG], 1);
	KUNIT_EXPECT_MEMEQ(test, vt->config + VT_CONFIG_SIZE - sizeof(data),
			   data, sizeof(data));
}

/* The longest access of the range table; buffers have a byte more. */
#define VT_RANGE_MAX	(VT_CONFIG_SIZE + 1)

/**
 * struct vt_range_case - a config space access
 * @desc: the row's name
 * @offset: the offset
 * @len: the length; at most %VT_RANGE_MAX
 * @ok: whether the access lies inside the config space
 */
struct vt_range_case {
	const char *desc;
	unsigned int offset;
	unsigned int len;
	bool ok;
};

static const struct vt_range_case vt_range_cases[] = {
	{ "whole space", 0, VT_CONFIG_SIZE, true },
	{ "last byte", VT_CONFIG_SIZE - 1, 1, true },
	{ "empty at the end", VT_CONFIG_SIZE, 0, true },
	{ "offset at the end", VT_CONFIG_SIZE, 1, false },
	{ "offset past the end", VT_CONFIG_SIZE + 1, 1, false },
	{ "offset far past the end", 4096, 4, false },
	{ "end past the end", VT_CONFIG_SIZE - 4, 8, false },
	{ "one byte too many", 0, VT_CONFIG_SIZE + 1, false },
	{ "length past the end", 1, VT_CONFIG_SIZE, false },
	{ "offset + len overflows", UINT_MAX - 1, 4, false },
	{ "offset + len wraps to 0", UINT_MAX - 3, 4, false },
};

static void vt_range_desc(const struct vt_range_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vt_range, vt_range_cases, vt_range_desc);

/* Out-of-range reads give zeroes without calling get_config. */
static void vdpa_config_read_range_test(struct kunit *test)
{
	const struct vt_range_case *c = test->param_value;
	struct vt_parent *vt = vt_config_dev(test, &vt_ops);
	u8 buf[VT_RANGE_MAX + 1];

	KUNIT_ASSERT_LE(test, c->len, VT_RANGE_MAX);
	memset(buf, 0xa5, sizeof(buf));
	vdpa_get_config(&vt->vdpa, c->offset, buf, c->len);

	KUNIT_EXPECT_EQ(test, vt->log->calls[VT_GET_CONFIG], c->ok ? 1 : 0);
	KUNIT_EXPECT_EQ(test, vt->log->bad_range, 0);
	if (c->ok)
		KUNIT_EXPECT_MEMEQ(test, buf, vt->config + c->offset, c->len);
	else
		KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, c->len));
	/* Not a byte more than asked for. */
	KUNIT_EXPECT_EQ(test, buf[c->len], 0xa5);
}

/* Out-of-range writes do not reach set_config. */
static void vdpa_config_write_range_test(struct kunit *test)
{
	const struct vt_range_case *c = test->param_value;
	struct vt_parent *vt = vt_config_dev(test, &vt_ops);
	u8 before[VT_CONFIG_SIZE], buf[VT_RANGE_MAX];

	KUNIT_ASSERT_LE(test, c->len, VT_RANGE_MAX);
	memcpy(before, vt->config, sizeof(before));
	memset(buf, 0x5a, sizeof(buf));
	vdpa_set_config(&vt->vdpa, c->offset, buf, c->len);

	KUNIT_EXPECT_EQ(test, vt->log->calls[VT_SET_CONFIG], c->ok ? 1 : 0);
	KUNIT_EXPECT_EQ(test, vt->log->bad_range, 0);
	if (!c->ok)
		KUNIT_EXPECT_MEMEQ(test, vt->config, before, sizeof(before));
}

static struct kunit_case vdpa_config_cases[] = {
	KUNIT_CASE(vdpa_config_legacy_read_test),
	KUNIT_CASE(vdpa_config_read_after_features_test),
	KUNIT_CASE(vdpa_config_features_error_test),
	KUNIT_CASE(vdpa_config_reset_test),
	KUNIT_CASE(vdpa_config_reset_error_test),
	KUNIT_CASE(vdpa_config_compat_reset_test),
	KUNIT_CASE(vdpa_config_no_compat_reset_test),
	KUNIT_CASE(vdpa_config_set_status_test),
	KUNIT_CASE(vdpa_config_write_test),
	KUNIT_CASE_PARAM(vdpa_config_read_range_test, vt_range_gen_params),
	KUNIT_CASE_PARAM(vdpa_config_write_range_test, vt_range_gen_params),
	{}
};

static struct kunit_suite vdpa_config_suite = {
	.name = "vdpa_config",
	.test_cases = vdpa_config_cases,
};

/*
 * vdpa_locking
 */

/* The helpers call the parent with cf_lock held. */
static void vdpa_locking_cf_lock_test(struct kunit *test)
{
	struct vt_parent *vt = vt_config_dev(test, &vt_ops);
	struct vdpa_device *vdev = &vt->vdpa;
	u8 buf[4] = {};

	vdpa_get_config(vdev, 0, buf, sizeof(buf));	/* legacy path */
	vdpa_get_config(vdev, 0, buf, sizeof(buf));	/* fast path */
	vdpa_set_config(vdev, 0, buf, sizeof(buf));
	vdpa_set_status(vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	KUNIT_EXPECT_EQ(test, vdpa_set_features(vdev, VT_DEVICE_FEATURES), 0);
	KUNIT_EXPECT_EQ(test, vdpa_reset(vdev, 0), 0);
	KUNIT_EXPECT_EQ(test, vdpa_reset(vdev, VDPA_RESET_F_CLEAN_MAP), 0);

	KUNIT_EXPECT_EQ(test, vt->log->calls[VT_GET_CONFIG], 2);
	KUNIT_EXPECT_EQ(test, vt->log->calls[VT_SET_DRIVER_FEATURES], 2);
	KUNIT_EXPECT_EQ(test, vt->log->calls[VT_COMPAT_RESET], 1);
	KUNIT_EXPECT_EQ(test, vt->log->outside_cf_lock, 0);
}

/* The names of the ops in @mask, for a failure message. */
static const char *vt_op_list(struct kunit *test, unsigned long mask)
{
	const size_t size = 256;
	char *buf = kunit_kzalloc(test, size, GFP_KERNEL);
	size_t len = 0;
	int op;

	if (!buf)
		return "(no memory)";
	for_each_set_bit(op, &mask, VT_NR_OPS)
		len += scnprintf(buf + len, size - len, "%s ", vt_op_names[op]);
	return buf;
}

/* The getters "Locking" in <linux/vdpa.h> allows under the management lock. */
#define VT_MGMT_LOCK_OPS (BIT(VT_GET_VQ_NUM_MAX) | BIT(VT_GET_VQ_NUM_MIN) | \
			  BIT(VT_GET_DEVICE_ID) | BIT(VT_GET_VENDOR_ID))

/*
 * "Locking" in <linux/vdpa.h>: registration and unregistration (probe,
 * uevent, netlink announcements) call only the listed getters with the
 * management lock held.
 */
static void vdpa_locking_registration_test(struct kunit *test)
{
	struct vt_driver *drv = vt_driver_new(test, VT_DRV_A);
	struct device *parent = vt_parent_new(test, VT_PARENT);
	struct vt_log *log = vt_log_new(test);
	struct vt_parent *vt = vt_alloc(test, log, parent, NULL);

	KUNIT_ASSERT_EQ(test, vt_register(test, vt, VT_NVQS), 0);
	KUNIT_EXPECT_EQ(test, drv->probed, 1);
	vt_unregister(test, vt);
	KUNIT_EXPECT_EQ(test, drv->removed, 1);
	KUNIT_EXPECT_GT(test, log->under_mgmt_lock, 0);
	KUNIT_EXPECT_EQ_MSG(test, log->under_mgmt_lock_ops & ~VT_MGMT_LOCK_OPS,
			    0UL, "unexpected ops under the management lock: %s",
			    vt_op_list(test, log->under_mgmt_lock_ops &
					     ~VT_MGMT_LOCK_OPS));
}

/* The config helpers never take the management lock. */
static void vdpa_locking_helpers_test(struct kunit *test)
{
	struct vt_parent *vt = vt_config_dev(test, &vt_ops);
	struct vdpa_device *vdev = &vt->vdpa;
	u8 buf[4] = {};

	vt->log->under_mgmt_lock = 0;
	vdpa_get_config(vdev, 0, buf, sizeof(buf));
	vdpa_set_config(vdev, 0, buf, sizeof(buf));
	vdpa_set_status(vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	KUNIT_EXPECT_EQ(test, vdpa_set_features(vdev, VT_DEVICE_FEATURES), 0);
	KUNIT_EXPECT_EQ(test, vdpa_reset(vdev, 0), 0);
	KUNIT_EXPECT_EQ(test, vt->log->calls[VT_GET_CONFIG], 1);
	KUNIT_EXPECT_EQ(test, vt->log->under_mgmt_lock, 0);
}

static struct kunit_case vdpa_locking_cases[] = {
	KUNIT_CASE(vdpa_locking_cf_lock_test),
	KUNIT_CASE(vdpa_locking_registration_test),
	KUNIT_CASE(vdpa_locking_helpers_test),
	{}
};

static struct kunit_suite vdpa_locking_suite = {
	.name = "vdpa_locking",
	.test_cases = vdpa_locking_cases,
};

kunit_test_suites(&vdpa_ops_suite, &vdpa_register_suite, &vdpa_release_suite,
		  &vdpa_driver_suite, &vdpa_mgmt_suite, &vdpa_config_suite,
		  &vdpa_locking_suite);

MODULE_DESCRIPTION("KUnit suites for the vDPA bus core");
MODULE_LICENSE("GPL");
