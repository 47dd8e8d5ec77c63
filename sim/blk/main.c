// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_sim_blk: a RAM-backed virtio-blk device on the vDPA simulator
 * core, created and deleted through the management device "vdpasim_blk".
 *
 * Per-device choices. iproute2's "vdpa dev add" has no block attributes,
 * so what a new device looks like is read from these writable module
 * parameters (/sys/module/vdpa_sim_blk/parameters/) when it is added;
 * changing them affects the devices added afterwards only:
 *
 * - capacity_mib (1..65536, default 128): capacity in MiB. Memory is only
 *   used for what is written (see "Simulated block device").
 * - num_queues (0..8, default 0): request queues; always announced in the
 *   config space with VIRTIO_BLK_F_MQ. 0: one per online CPU, at most 8,
 *   as QEMU's virtio-blk-pci offers by default: virtio_blk then gives
 *   every CPU its own queue, which an inline kick (below) serves on that
 *   CPU without contending for another's queue lock, and blk-mq puts no
 *   I/O scheduler on a multi-queue disk.
 * - read_only (default N): offer VIRTIO_BLK_F_RO; the device then fails
 *   OUT, DISCARD, WRITE_ZEROES and SECURE_ERASE with IOERR.
 *
 * "device_features" provisioning is accepted (VIRTIO_BLK_F_RO among them
 * makes the device read-only too).
 *
 * - inline_kick (default Y; read at every kick, for every device): serve
 *   a kick of an idle queue in the kicker's context, the driver's
 *   callback included, instead of waking the queue's worker
 *   (vdpasim_vq_kick_inline()); N: every kick queues the work.
 */

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/virtio_byteorder.h>
#include <uapi/linux/vdpa.h>
#include <uapi/linux/virtio_ids.h>
#include "blk.h"

#define VDPASIM_BLK_MAX_CAPACITY_MIB	65536

static unsigned int capacity_mib = 128;
static unsigned int num_queues;
static bool read_only;
static bool inline_kick = true;

static int vdpasim_blk_set_capacity(const char *val,
				    const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, VDPASIM_BLK_MAX_CAPACITY_MIB);
}

static int vdpasim_blk_set_queues(const char *val,
				  const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, VDPASIM_BLK_MAX_QUEUES);
}

static const struct kernel_param_ops vdpasim_blk_capacity_ops = {
	.set = vdpasim_blk_set_capacity,
	.get = param_get_uint,
};

static const struct kernel_param_ops vdpasim_blk_queues_ops = {
	.set = vdpasim_blk_set_queues,
	.get = param_get_uint,
};

module_param_cb(capacity_mib, &vdpasim_blk_capacity_ops, &capacity_mib, 0644);
MODULE_PARM_DESC(capacity_mib,
		 "Capacity in MiB of the devices added from now on (1-65536, default 128; RAM is used only for what is written)");
module_param_cb(num_queues, &vdpasim_blk_queues_ops, &num_queues, 0644);
MODULE_PARM_DESC(num_queues,
		 "Request queues of the devices added from now on (1-8; default 0: one per online CPU, at most 8)");
module_param(read_only, bool, 0644);
MODULE_PARM_DESC(read_only,
		 "Devices added from now on are read-only: VIRTIO_BLK_F_RO, writes fail (default N)");
module_param(inline_kick, bool, 0644);
MODULE_PARM_DESC(inline_kick,
		 "Serve a kick of an idle queue in the kicker's context instead of waking a worker (default Y)");

/* What the class implements, VIRTIO_BLK_F_RO aside (a per-device choice). */
#define VDPASIM_BLK_FEATURES	(BIT_ULL(VIRTIO_BLK_F_SIZE_MAX) | \
				 BIT_ULL(VIRTIO_BLK_F_SEG_MAX) | \
				 BIT_ULL(VIRTIO_BLK_F_BLK_SIZE) | \
				 BIT_ULL(VIRTIO_BLK_F_TOPOLOGY) | \
				 BIT_ULL(VIRTIO_BLK_F_FLUSH) | \
				 BIT_ULL(VIRTIO_BLK_F_MQ) | \
				 BIT_ULL(VIRTIO_BLK_F_DISCARD) | \
				 BIT_ULL(VIRTIO_BLK_F_WRITE_ZEROES) | \
				 BIT_ULL(VIRTIO_BLK_F_SECURE_ERASE))

static const char * const vdpasim_blk_stat_names[VDPASIM_BLK_NR_STATS] = {
	[VDPASIM_BLK_STAT_READS] = "reads",
	[VDPASIM_BLK_STAT_WRITES] = "writes",
	[VDPASIM_BLK_STAT_FLUSHES] = "flushes",
	[VDPASIM_BLK_STAT_DISCARDS] = "discards",
	[VDPASIM_BLK_STAT_WRITE_ZEROES] = "write_zeroes",
	[VDPASIM_BLK_STAT_SECURE_ERASES] = "secure_erases",
	[VDPASIM_BLK_STAT_BYTES_READ] = "bytes_read",
	[VDPASIM_BLK_STAT_BYTES_WRITTEN] = "bytes_written",
	[VDPASIM_BLK_STAT_ERRORS] = "errors",
	[VDPASIM_BLK_STAT_UNSUPPORTED] = "unsupported",
	[VDPASIM_BLK_STAT_DROPPED] = "dropped",
};

static struct vdpasim_mgmt vdpasim_blk_mgmt;

/*
 * Vendor statistics of request queue @idx. The counters are written by
 * the queue's worker under the queue's lock; taking that lock here (the
 * core holds &vdpasim.lock, which comes first in the lock order) gives
 * one consistent snapshot of all of them.
 */
static int vdpasim_blk_get_stats(struct vdpasim *vs, u16 idx,
				 struct sk_buff *msg,
				 struct netlink_ext_ack *extack)
{
	struct vdpasim_blk *blk = sim_to_blk(vs);
	struct vdpasim_blk_stats snap;
	unsigned int i;
	int err;

	if (idx >= vs->attr.nvqs) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "queue index %u out of range (%u queues)",
				       idx, vs->attr.nvqs);
		return -EINVAL;
	}
	mutex_lock(&vs->vqs[idx].lock);
	snap = blk->stats[idx];
	mutex_unlock(&vs->vqs[idx].lock);

	for (i = 0; i < VDPASIM_BLK_NR_STATS; i++) {
		err = vdpasim_put_stat(msg, vdpasim_blk_stat_names[i],
				       snap.v[i]);
		if (err)
			return err;
	}
	return 0;
}

static void vdpasim_blk_debugfs_init(struct vdpasim *vs, struct dentry *dir)
{
	debugfs_create_atomic_t("chunks", 0444, dir,
				&sim_to_blk(vs)->store.nr_chunks);
}

static void vdpasim_blk_free(struct vdpasim *vs)
{
	vdpasim_blk_store_destroy(&sim_to_blk(vs)->store);
}

/* See inline_kick at the top. */
static void vdpasim_blk_kick(struct vdpasim_vq *vq)
{
	if (READ_ONCE(inline_kick))
		vdpasim_vq_kick_inline(vq);
	else
		vdpasim_schedule(vq);
}

static const struct vdpasim_class_ops vdpasim_blk_class_ops = {
	.process = vdpasim_blk_process,
	.kick = vdpasim_blk_kick,
	.get_stats = vdpasim_blk_get_stats,
	.debugfs_init = vdpasim_blk_debugfs_init,
	.free = vdpasim_blk_free,
};

/* The config space, in the driver's (little-endian) byte order. */
static void vdpasim_blk_init_config(struct vdpasim_blk *blk, u16 nqueues)
{
	struct virtio_blk_config *cfg = blk->vs.config;
	const u32 range_sect = VDPASIM_BLK_MAX_RANGE_SECTORS;
	const u32 range_segs = VDPASIM_BLK_MAX_RANGE_SEGS;
	const u32 align = VDPASIM_BLK_ALIGN_SECTORS;

	cfg->capacity = __cpu_to_virtio64(true, blk->store.sectors);
	cfg->size_max = __cpu_to_virtio32(true, VDPASIM_BLK_SIZE_MAX);
	cfg->seg_max = __cpu_to_virtio32(true, VDPASIM_BLK_SEG_MAX);
	cfg->blk_size = __cpu_to_virtio32(true, VDPASIM_BLK_SECTOR_SIZE);
	cfg->physical_block_exp = VDPASIM_BLK_PHYS_BLOCK_EXP;
	cfg->alignment_offset = 0;
	cfg->min_io_size = __cpu_to_virtio16(true, align);
	cfg->opt_io_size = __cpu_to_virtio32(true, VDPASIM_BLK_OPT_IO_SECTORS);
	cfg->num_queues = __cpu_to_virtio16(true, nqueues);
	cfg->max_discard_sectors = __cpu_to_virtio32(true, range_sect);
	cfg->max_discard_seg = __cpu_to_virtio32(true, range_segs);
	cfg->discard_sector_alignment = __cpu_to_virtio32(true, align);
	cfg->max_write_zeroes_sectors = __cpu_to_virtio32(true, range_sect);
	cfg->max_write_zeroes_seg = __cpu_to_virtio32(true, range_segs);
	cfg->write_zeroes_may_unmap = 1;
	cfg->max_secure_erase_sectors = __cpu_to_virtio32(true, range_sect);
	cfg->max_secure_erase_seg = __cpu_to_virtio32(true, range_segs);
	cfg->secure_erase_sector_alignment = __cpu_to_virtio32(true, align);
}

/* GET_ID answers "vdpasim_blk:<name>", cut at 20 bytes, NUL padded. */
static void vdpasim_blk_init_id(struct vdpasim_blk *blk, const char *name)
{
	static const char prefix[] = VDPASIM_BLK_MGMT_NAME ":";
	size_t plen = sizeof(prefix) - 1;

	BUILD_BUG_ON(sizeof(prefix) - 1 > sizeof(blk->id));
	memset(blk->id, 0, sizeof(blk->id));
	memcpy(blk->id, prefix, plen);
	memcpy(blk->id + plen, name,
	       min(strlen(name), sizeof(blk->id) - plen));
}

/*
 * The device's attributes from the module parameters, read once, and the
 * provisioned features (VIRTIO_BLK_F_RO is added when read_only is set).
 * Returns whether the device is read-only.
 */
static bool vdpasim_blk_fill_attr(struct vdpasim_dev_attr *attr,
				  struct vdpa_mgmt_dev *mdev, const char *name,
				  const struct vdpa_dev_set_config *config)
{
	u64 ro = READ_ONCE(read_only) ? BIT_ULL(VIRTIO_BLK_F_RO) : 0;
	u64 provisioned = 0;

	if (config->mask & BIT_ULL(VDPA_ATTR_DEV_FEATURES))
		provisioned = config->device_features;
	if (provisioned)
		ro |= provisioned & BIT_ULL(VIRTIO_BLK_F_RO);

	attr->mgmt_dev = mdev;
	attr->name = name;
	attr->id = VIRTIO_ID_BLOCK;
	attr->supported_features = VDPASIM_BLK_FEATURES | ro;
	attr->provisioned = provisioned ? provisioned | ro : 0;
	attr->config_size = offsetof(struct virtio_blk_config, zoned);
	attr->alloc_size = sizeof(struct vdpasim_blk);
	attr->nvqs = READ_ONCE(num_queues) ?:
		     min(num_online_cpus(), VDPASIM_BLK_MAX_QUEUES);
	attr->ngroups = 1;
	attr->nas = 1;
	attr->vq_num_max = VDPASIM_BLK_VQ_NUM_MAX;
	attr->ops = &vdpasim_blk_class_ops;
	return ro;
}

/**
 * vdpasim_blk_create() - create a block device, not yet registered
 * @mdev: the management device creating it
 * @name: the device name
 * @config: the ``vdpa dev add`` attributes
 * @debugfs: the directory for its knobs, or NULL for the class's (then
 *           @mdev must be the class's)
 *
 * The capacity, queue count and read-only mode are the module's
 * parameters at the time of the call.
 *
 * Return: the device, to register with vdpasim_register() (or drop with
 * put_device()), or an ERR_PTR().
 */
struct vdpasim *vdpasim_blk_create(struct vdpa_mgmt_dev *mdev,
				   const char *name,
				   const struct vdpa_dev_set_config *config,
				   struct dentry *debugfs)
{
	u64 sectors = (u64)READ_ONCE(capacity_mib) <<
		      (20 - VDPASIM_BLK_SECTOR_SHIFT);
	struct vdpasim_dev_attr attr = { .debugfs = debugfs };
	struct vdpasim_blk *blk;
	struct vdpasim *vs;
	bool ro;

	ro = vdpasim_blk_fill_attr(&attr, mdev, name, config);
	vs = vdpasim_create(&attr);
	if (IS_ERR(vs))
		return vs;

	blk = sim_to_blk(vs);
	vdpasim_blk_store_init(&blk->store, sectors);
	blk->read_only = ro;
	vdpasim_blk_init_id(blk, name);
	vdpasim_blk_init_config(blk, attr.nvqs);
	return vs;
}
EXPORT_SYMBOL_GPL(vdpasim_blk_create);

static int vdpasim_blk_dev_add(struct vdpa_mgmt_dev *mdev, const char *name,
			       const struct vdpa_dev_set_config *config)
{
	struct vdpasim *vs;

	/* The core logs the injected failure. */
	if (vdpasim_mgmt_fail_dev_add(&vdpasim_blk_mgmt))
		return -EIO;
	vs = vdpasim_blk_create(mdev, name, config, NULL);
	return IS_ERR(vs) ? PTR_ERR(vs) : vdpasim_register(vs);
}

static void vdpasim_blk_dev_del(struct vdpa_mgmt_dev *mdev,
				struct vdpa_device *dev)
{
	vdpasim_unregister(vdpa_to_sim(dev));
}

static const struct vdpa_mgmtdev_ops vdpasim_blk_mgmtdev_ops = {
	.dev_add = vdpasim_blk_dev_add,
	.dev_del = vdpasim_blk_dev_del,
};

static struct virtio_device_id vdpasim_blk_id_table[] = {
	{ VIRTIO_ID_BLOCK, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

/**
 * vdpasim_blk_mgmtdev() - the class's management device
 *
 * Return: the ``vdpasim_blk`` management device: what the class offers
 * (classes, features, attributes, queues), for other parents to copy.
 */
const struct vdpa_mgmt_dev *vdpasim_blk_mgmtdev(void)
{
	return &vdpasim_blk_mgmt.mdev;
}
EXPORT_SYMBOL_GPL(vdpasim_blk_mgmtdev);

static int __init vdpasim_blk_init(void)
{
	struct vdpa_mgmt_dev *mdev = &vdpasim_blk_mgmt.mdev;

	mdev->ops = &vdpasim_blk_mgmtdev_ops;
	mdev->id_table = vdpasim_blk_id_table;
	mdev->config_attr_mask = BIT_ULL(VDPA_ATTR_DEV_FEATURES);
	mdev->supported_features = VDPASIM_BLK_FEATURES |
				   BIT_ULL(VIRTIO_BLK_F_RO) |
				   vdpasim_core_features();
	mdev->max_supported_vqs = VDPASIM_BLK_MAX_QUEUES;
	return vdpasim_mgmt_register(&vdpasim_blk_mgmt, VDPASIM_BLK_MGMT_NAME);
}

static void __exit vdpasim_blk_exit(void)
{
	vdpasim_mgmt_unregister(&vdpasim_blk_mgmt);
}

module_init(vdpasim_blk_init);
module_exit(vdpasim_blk_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(VDPA_OOT_VERSION);
MODULE_DESCRIPTION("vDPA simulator: RAM-backed virtio-blk device");
