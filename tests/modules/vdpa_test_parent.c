// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_test_parent: the smallest useful vDPA parent, for end-to-end tests
 * of the bus. Its devices are virtio-net shaped (config space, features,
 * two virtqueues) but have no datapath: queue state is only stored.
 *
 * Devices have 2 * max_vqp + 1 queues (default max_vqp 1), take mac, mtu,
 * max_vqp and device_features from "vdpa dev add", report each queue's
 * kicks and readiness as vendor statistics, and accept a MAC change
 * through "vdpa dev set" (VDPA_CMD_DEV_ATTR_SET).
 *
 * Each queue has a doorbell page (get_vq_notification) that vhost_vdpa
 * lets userspace map; /sys/kernel/debug/vdpa_test_parent/<dev>/doorbells
 * shows the first 32-bit word written to each. With the dma_dev
 * parameter naming a PCI device, new devices use it as their DMA device:
 * having neither dma_map nor set_map, they make vhost_vdpa map through a
 * platform IOMMU domain on it; <dev>/iova (write an IOVA, read it back)
 * then shows the first 16 bytes that IOVA translates to in that domain.
 *
 * Devices come from two places:
 *  - the management device "vdpa_test" ("vdpa dev add ... mgmtdev
 *    vdpa_test"), which registers them with _vdpa_register_device();
 *  - debugfs, /sys/kernel/debug/vdpa_test_parent/{add,del}: write a
 *    device name to create or delete a device registered with
 *    vdpa_register_device() and no management device.
 */

#include <linux/debugfs.h>
#include <linux/etherdevice.h>
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/vdpa.h>
#include <linux/virtio_byteorder.h>
#include <uapi/linux/vdpa.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/virtio_net.h>

#define VTP_MAX_VQP	4
#define VTP_MAX_VQS	(2 * VTP_MAX_VQP + 1)	/* pairs + control queue */
#define VTP_VQ_MAX	256
#define VTP_FEATURES	(BIT_ULL(VIRTIO_F_VERSION_1) | \
			 BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) | \
			 BIT_ULL(VIRTIO_NET_F_MAC) | \
			 BIT_ULL(VIRTIO_NET_F_MTU) | \
			 BIT_ULL(VIRTIO_NET_F_STATUS) | \
			 BIT_ULL(VIRTIO_NET_F_CTRL_VQ) | \
			 BIT_ULL(VIRTIO_NET_F_MQ))

struct vtp_vq {
	u64 desc, driver, device;
	u32 num;
	bool ready;
	atomic64_t kicks;	/* kick_vq may run in atomic context */
	struct vdpa_vq_state state;
};

/**
 * struct vtp_dev - a test device
 * @vdpa: the vDPA device; first member, as vdpa_alloc_device() requires
 * @lock: protects every field below (callbacks may race with each other)
 * @status: the device status byte
 * @device_features: the features offered (provisioned or the default)
 * @features: the driver features
 * @generation: bumped on every config write
 * @config: the virtio-net config space
 * @vqs: the stored virtqueue state
 * @doorbells: each queue's doorbell page, allocated when first asked for
 * @peek_iova: the IOVA that <dev>/iova shows
 * @dma_dev: the borrowed PCI device (dma_dev parameter), or NULL
 * @ddir: the device's debugfs directory
 * @debugfs_entry: entry in vtp_debugfs_devs; empty for devices of the
 *                 management device
 */
struct vtp_dev {
	struct vdpa_device vdpa;
	struct mutex lock; /* protects the fields below */
	u8 status;
	u64 device_features;
	u64 features;
	u32 generation;
	struct virtio_net_config config;
	struct vtp_vq vqs[VTP_MAX_VQS];
	struct page *doorbells[VTP_MAX_VQS];
	u64 peek_iova;
	struct device *dma_dev;
	struct dentry *ddir;
	struct list_head debugfs_entry;
};

static char *vtp_dma_dev_name;
module_param_named(dma_dev, vtp_dma_dev_name, charp, 0644);
MODULE_PARM_DESC(dma_dev,
		 "PCI device (e.g. 0000:00:04.0) that new devices use for DMA");

static struct device *vtp_root;
static struct dentry *vtp_debugfs;
/* The add and del files, removed before the devices at module exit. */
static struct dentry *vtp_debugfs_add_file, *vtp_debugfs_del_file;
/* Protects vtp_debugfs_devs, the devices created through debugfs. */
static DEFINE_MUTEX(vtp_debugfs_lock);
static LIST_HEAD(vtp_debugfs_devs);

static struct vtp_dev *to_vtp(struct vdpa_device *vdpa)
{
	return container_of(vdpa, struct vtp_dev, vdpa);
}

static int vtp_set_vq_address(struct vdpa_device *vdpa, u16 idx, u64 desc,
			      u64 driver, u64 device)
{
	struct vtp_dev *vtp = to_vtp(vdpa);

	guard(mutex)(&vtp->lock);
	vtp->vqs[idx].desc = desc;
	vtp->vqs[idx].driver = driver;
	vtp->vqs[idx].device = device;
	return 0;
}

static void vtp_set_vq_num(struct vdpa_device *vdpa, u16 idx, u32 num)
{
	struct vtp_dev *vtp = to_vtp(vdpa);

	guard(mutex)(&vtp->lock);
	vtp->vqs[idx].num = num;
}

static void vtp_kick_vq(struct vdpa_device *vdpa, u16 idx)
{
	atomic64_inc(&to_vtp(vdpa)->vqs[idx].kicks);
}

static void vtp_set_vq_cb(struct vdpa_device *vdpa, u16 idx,
			  struct vdpa_callback *cb)
{
}

static void vtp_set_vq_ready(struct vdpa_device *vdpa, u16 idx, bool ready)
{
	struct vtp_dev *vtp = to_vtp(vdpa);

	guard(mutex)(&vtp->lock);
	vtp->vqs[idx].ready = ready;
}

static bool vtp_get_vq_ready(struct vdpa_device *vdpa, u16 idx)
{
	struct vtp_dev *vtp = to_vtp(vdpa);

	guard(mutex)(&vtp->lock);
	return vtp->vqs[idx].ready;
}

static int vtp_set_vq_state(struct vdpa_device *vdpa, u16 idx,
			    const struct vdpa_vq_state *state)
{
	struct vtp_dev *vtp = to_vtp(vdpa);

	guard(mutex)(&vtp->lock);
	vtp->vqs[idx].state = *state;
	return 0;
}

static int vtp_get_vq_state(struct vdpa_device *vdpa, u16 idx,
			    struct vdpa_vq_state *state)
{
	struct vtp_dev *vtp = to_vtp(vdpa);

	guard(mutex)(&vtp->lock);
	*state = vtp->vqs[idx].state;
	return 0;
}

static u32 vtp_get_vq_align(struct vdpa_device *vdpa)
{
	return PAGE_SIZE;
}

static u64 vtp_get_device_features(struct vdpa_device *vdpa)
{
	return to_vtp(vdpa)->device_features;
}

static int vtp_set_driver_features(struct vdpa_device *vdpa, u64 features)
{
	struct vtp_dev *vtp = to_vtp(vdpa);

	guard(mutex)(&vtp->lock);
	vtp->features = features & vtp->device_features;
	return 0;
}

static u64 vtp_get_driver_features(struct vdpa_device *vdpa)
{
	struct vtp_dev *vtp = to_vtp(vdpa);

	guard(mutex)(&vtp->lock);
	return vtp->features;
}

static void vtp_set_config_cb(struct vdpa_device *vdpa,
			      struct vdpa_callback *cb)
{
}

static u16 vtp_get_vq_num_max(struct vdpa_device *vdpa)
{
	return VTP_VQ_MAX;
}

static u32 vtp_get_device_id(struct vdpa_device *vdpa)
{
	return VIRTIO_ID_NET;
}

static u32 vtp_get_vendor_id(struct vdpa_device *vdpa)
{
	return 0;
}

static u8 vtp_get_status(struct vdpa_device *vdpa)
{
	struct vtp_dev *vtp = to_vtp(vdpa);

	guard(mutex)(&vtp->lock);
	return vtp->status;
}

static void vtp_set_status(struct vdpa_device *vdpa, u8 status)
{
	struct vtp_dev *vtp = to_vtp(vdpa);

	guard(mutex)(&vtp->lock);
	vtp->status = status;
}

static int vtp_reset(struct vdpa_device *vdpa)
{
	struct vtp_dev *vtp = to_vtp(vdpa);

	guard(mutex)(&vtp->lock);
	vtp->status = 0;
	vtp->features = 0;
	memset(vtp->vqs, 0, sizeof(vtp->vqs));
	return 0;
}

static size_t vtp_get_config_size(struct vdpa_device *vdpa)
{
	return sizeof(struct virtio_net_config);
}

static void vtp_get_config(struct vdpa_device *vdpa, unsigned int offset,
			   void *buf, unsigned int len)
{
	struct vtp_dev *vtp = to_vtp(vdpa);

	guard(mutex)(&vtp->lock);
	memcpy(buf, (u8 *)&vtp->config + offset, len);
}

static void vtp_set_config(struct vdpa_device *vdpa, unsigned int offset,
			   const void *buf, unsigned int len)
{
	struct vtp_dev *vtp = to_vtp(vdpa);

	guard(mutex)(&vtp->lock);
	memcpy((u8 *)&vtp->config + offset, buf, len);
	vtp->generation++;
}

static u32 vtp_get_generation(struct vdpa_device *vdpa)
{
	struct vtp_dev *vtp = to_vtp(vdpa);

	guard(mutex)(&vtp->lock);
	return vtp->generation;
}

static struct vdpa_notification_area
vtp_get_vq_notification(struct vdpa_device *vdpa, u16 idx)
{
	struct vtp_dev *vtp = to_vtp(vdpa);
	struct vdpa_notification_area area = {};

	guard(mutex)(&vtp->lock);
	if (!vtp->doorbells[idx])
		vtp->doorbells[idx] = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (vtp->doorbells[idx]) {
		area.addr = page_to_phys(vtp->doorbells[idx]);
		area.size = PAGE_SIZE;
	}
	return area;
}

/* Reports each queue's kick count and readiness as vendor statistics. */
static int vtp_get_vendor_vq_stats(struct vdpa_device *vdpa, u16 idx,
				   struct sk_buff *msg,
				   struct netlink_ext_ack *extack)
{
	struct vtp_dev *vtp = to_vtp(vdpa);

	guard(mutex)(&vtp->lock);
	if (nla_put_string(msg, VDPA_ATTR_DEV_VENDOR_ATTR_NAME, "kicks") ||
	    nla_put_u64_64bit(msg, VDPA_ATTR_DEV_VENDOR_ATTR_VALUE,
			      atomic64_read(&vtp->vqs[idx].kicks),
			      VDPA_ATTR_PAD) ||
	    nla_put_string(msg, VDPA_ATTR_DEV_VENDOR_ATTR_NAME, "ready") ||
	    nla_put_u64_64bit(msg, VDPA_ATTR_DEV_VENDOR_ATTR_VALUE,
			      vtp->vqs[idx].ready, VDPA_ATTR_PAD))
		return -EMSGSIZE;
	return 0;
}

static void vtp_free(struct vdpa_device *vdpa)
{
	struct vtp_dev *vtp = to_vtp(vdpa);
	int i;

	for (i = 0; i < VTP_MAX_VQS; i++)
		if (vtp->doorbells[i])
			__free_page(vtp->doorbells[i]);
	put_device(vtp->dma_dev);
	mutex_destroy(&vtp->lock);
}

static const struct vdpa_config_ops vtp_ops = {
	.set_vq_address		= vtp_set_vq_address,
	.set_vq_num		= vtp_set_vq_num,
	.kick_vq		= vtp_kick_vq,
	.set_vq_cb		= vtp_set_vq_cb,
	.set_vq_ready		= vtp_set_vq_ready,
	.get_vq_ready		= vtp_get_vq_ready,
	.set_vq_state		= vtp_set_vq_state,
	.get_vq_state		= vtp_get_vq_state,
	.get_vq_align		= vtp_get_vq_align,
	.get_device_features	= vtp_get_device_features,
	.set_driver_features	= vtp_set_driver_features,
	.get_driver_features	= vtp_get_driver_features,
	.set_config_cb		= vtp_set_config_cb,
	.get_vq_num_max		= vtp_get_vq_num_max,
	.get_device_id		= vtp_get_device_id,
	.get_vendor_id		= vtp_get_vendor_id,
	.get_status		= vtp_get_status,
	.set_status		= vtp_set_status,
	.reset			= vtp_reset,
	.get_config_size	= vtp_get_config_size,
	.get_config		= vtp_get_config,
	.set_config		= vtp_set_config,
	.get_generation		= vtp_get_generation,
	.get_vq_notification	= vtp_get_vq_notification,
	.get_vendor_vq_stats	= vtp_get_vendor_vq_stats,
	.free			= vtp_free,
};

/* Config space fields are little endian: the devices are VERSION_1 only. */
static __virtio16 vtp_cpu16(u16 val)
{
	return __cpu_to_virtio16(true, val);
}

/* Applies the net attributes of @cfg that its mask selects. */
static void vtp_apply_net(struct vtp_dev *vtp,
			  const struct vdpa_dev_set_config *cfg)
{
	if (cfg->mask & BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR))
		ether_addr_copy(vtp->config.mac, cfg->net.mac);
	if (cfg->mask & BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MTU))
		vtp->config.mtu = vtp_cpu16(cfg->net.mtu);
	if (cfg->mask & BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MAX_VQP))
		vtp->config.max_virtqueue_pairs =
			vtp_cpu16(cfg->net.max_vq_pairs);
}

/*
 * The PCI device the dma_dev parameter names, with a reference: NULL when
 * the parameter is empty, ERR_PTR(-ENODEV) when there is no such device.
 */
static struct device *vtp_find_dma_dev(void)
{
	char name[32] = "";
	struct device *dev;
	char *p;

	kernel_param_lock(THIS_MODULE);
	if (vtp_dma_dev_name)
		strscpy(name, vtp_dma_dev_name, sizeof(name));
	kernel_param_unlock(THIS_MODULE);
	p = strim(name);
	if (!*p)
		return NULL;
	dev = bus_find_device_by_name(&pci_bus_type, NULL, p);
	return dev ?: ERR_PTR(-ENODEV);
}

static struct vtp_dev *vtp_alloc(const char *name,
				 const struct vdpa_dev_set_config *cfg)
{
	struct device *dma_dev = vtp_find_dma_dev();
	struct vtp_dev *vtp;

	if (IS_ERR(dma_dev))
		return ERR_CAST(dma_dev);
	vtp = vdpa_alloc_device(struct vtp_dev, vdpa, vtp_root, &vtp_ops,
				1, 1, name, false);
	if (IS_ERR(vtp)) {
		put_device(dma_dev);
		return vtp;
	}

	mutex_init(&vtp->lock);
	INIT_LIST_HEAD(&vtp->debugfs_entry);
	vtp->dma_dev = dma_dev;
	vtp->vdpa.dma_dev = dma_dev ? dma_dev : &vtp->vdpa.dev;
	vtp->device_features = VTP_FEATURES;
	if (cfg && (cfg->mask & BIT_ULL(VDPA_ATTR_DEV_FEATURES)))
		vtp->device_features = cfg->device_features;
	eth_random_addr(vtp->config.mac);
	vtp->config.mtu = vtp_cpu16(ETH_DATA_LEN);
	vtp->config.max_virtqueue_pairs = vtp_cpu16(1);
	vtp->config.status = vtp_cpu16(VIRTIO_NET_S_LINK_UP);
	if (cfg)
		vtp_apply_net(vtp, cfg);
	return vtp;
}

/* Queue pairs plus the control queue. */
static u32 vtp_nvqs(const struct vtp_dev *vtp)
{
	return 2 * __virtio16_to_cpu(true, vtp->config.max_virtqueue_pairs) + 1;
}

/* ---- debugfs: a directory per device ---- */

/* <dev>/doorbells: the first 32-bit word of each queue's doorbell page. */
static int vtp_doorbells_show(struct seq_file *m, void *unused)
{
	struct vtp_dev *vtp = m->private;
	u32 i, nvqs = vtp_nvqs(vtp);

	__le32 *word;

	guard(mutex)(&vtp->lock);
	for (i = 0; i < nvqs; i++) {
		if (!vtp->doorbells[i]) {
			seq_printf(m, "vq %u: none\n", i);
			continue;
		}
		word = page_address(vtp->doorbells[i]);
		seq_printf(m, "vq %u: %#010x\n", i, le32_to_cpu(READ_ONCE(*word)));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vtp_doorbells);

/*
 * The first bytes @iova translates to in the IOMMU domain vhost_vdpa
 * attached to the borrowed DMA device; -ENOENT when nothing is mapped
 * there (or no such domain is attached).
 */
static int vtp_peek(struct vtp_dev *vtp, u64 iova, u8 *buf, size_t len)
{
	struct iommu_domain *domain;
	phys_addr_t pa;

	if (!vtp->dma_dev)
		return -ENODEV;
	domain = iommu_get_domain_for_dev(vtp->dma_dev);
	if (!domain || domain->type != IOMMU_DOMAIN_UNMANAGED)
		return -ENOENT;
	pa = iommu_iova_to_phys(domain, iova);
	if (!pa)
		return -ENOENT;
	if (!pfn_valid(PHYS_PFN(pa)))
		return -EFAULT;
	memcpy_from_page(buf, pfn_to_page(PHYS_PFN(pa)), offset_in_page(pa),
			 min_t(size_t, len, PAGE_SIZE - offset_in_page(pa)));
	return 0;
}

/* <dev>/iova: "IOVA BYTES" (16 bytes in hex) or "IOVA unmapped". */
static int vtp_iova_show(struct seq_file *m, void *unused)
{
	struct vtp_dev *vtp = m->private;
	u8 buf[16] = {};
	u64 iova;
	int err;

	scoped_guard(mutex, &vtp->lock)
		iova = vtp->peek_iova;
	err = vtp_peek(vtp, iova, buf, sizeof(buf));
	if (err == -ENOENT)
		seq_printf(m, "%#llx unmapped\n", iova);
	else if (!err)
		seq_printf(m, "%#llx %16phN\n", iova, buf);
	return err == -ENOENT ? 0 : err;
}

static int vtp_iova_open(struct inode *inode, struct file *file)
{
	return single_open(file, vtp_iova_show, inode->i_private);
}

static ssize_t vtp_iova_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct vtp_dev *vtp = file_inode(file)->i_private;
	u64 iova;
	int err;

	err = kstrtou64_from_user(ubuf, count, 0, &iova);
	if (err)
		return err;
	guard(mutex)(&vtp->lock);
	vtp->peek_iova = iova;
	return count;
}

static const struct file_operations vtp_iova_fops = {
	.owner = THIS_MODULE,
	.open = vtp_iova_open,
	.read = seq_read,
	.write = vtp_iova_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static void vtp_debugfs_dev_init(struct vtp_dev *vtp)
{
	vtp->ddir = debugfs_create_dir(dev_name(&vtp->vdpa.dev), vtp_debugfs);
	debugfs_create_file("doorbells", 0400, vtp->ddir, vtp,
			    &vtp_doorbells_fops);
	debugfs_create_file("iova", 0600, vtp->ddir, vtp, &vtp_iova_fops);
}

static void vtp_debugfs_dev_exit(struct vtp_dev *vtp)
{
	debugfs_remove_recursive(vtp->ddir);
	vtp->ddir = NULL;
}

/* ---- Management device ---- */

static int vtp_mgmt_dev_add(struct vdpa_mgmt_dev *mdev, const char *name,
			    const struct vdpa_dev_set_config *cfg)
{
	struct vtp_dev *vtp = vtp_alloc(name, cfg);
	int ret;

	if (IS_ERR(vtp))
		return PTR_ERR(vtp);
	vtp->vdpa.mdev = mdev;
	ret = _vdpa_register_device(&vtp->vdpa, vtp_nvqs(vtp));
	if (ret) {
		put_device(&vtp->vdpa.dev);
		return ret;
	}
	vtp_debugfs_dev_init(vtp);
	return 0;
}

static void vtp_mgmt_dev_del(struct vdpa_mgmt_dev *mdev,
			     struct vdpa_device *vdpa)
{
	vtp_debugfs_dev_exit(to_vtp(vdpa));
	_vdpa_unregister_device(vdpa);
}

/* Only the MAC can change on a live device. */
static int vtp_mgmt_dev_set_attr(struct vdpa_mgmt_dev *mdev,
				 struct vdpa_device *vdpa,
				 const struct vdpa_dev_set_config *cfg)
{
	struct vtp_dev *vtp = to_vtp(vdpa);

	if (cfg->mask & ~BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR))
		return -EOPNOTSUPP;
	guard(mutex)(&vtp->lock);
	vtp_apply_net(vtp, cfg);
	return 0;
}

static const struct vdpa_mgmtdev_ops vtp_mgmt_ops = {
	.dev_add = vtp_mgmt_dev_add,
	.dev_del = vtp_mgmt_dev_del,
	.dev_set_attr = vtp_mgmt_dev_set_attr,
};

static struct virtio_device_id vtp_id_table[] = {
	{ VIRTIO_ID_NET, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

static struct vdpa_mgmt_dev vtp_mgmt = {
	.ops = &vtp_mgmt_ops,
	.id_table = vtp_id_table,
	.config_attr_mask = BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR) |
			    BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MTU) |
			    BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MAX_VQP) |
			    BIT_ULL(VDPA_ATTR_DEV_FEATURES),
	.supported_features = VTP_FEATURES,
	.max_supported_vqs = VTP_MAX_VQS,
};

/* ---- debugfs: add/del devices without a management device ---- */

static int vtp_debugfs_add(const char *name)
{
	struct vtp_dev *vtp = vtp_alloc(name, NULL);
	int ret;

	if (IS_ERR(vtp))
		return PTR_ERR(vtp);
	ret = vdpa_register_device(&vtp->vdpa, vtp_nvqs(vtp));
	if (ret) {
		put_device(&vtp->vdpa.dev);
		return ret;
	}
	list_add_tail(&vtp->debugfs_entry, &vtp_debugfs_devs);
	vtp_debugfs_dev_init(vtp);
	return 0;
}

static int vtp_debugfs_del(const char *name)
{
	struct vtp_dev *vtp;

	list_for_each_entry(vtp, &vtp_debugfs_devs, debugfs_entry) {
		if (!strcmp(dev_name(&vtp->vdpa.dev), name)) {
			list_del(&vtp->debugfs_entry);
			vtp_debugfs_dev_exit(vtp);
			vdpa_unregister_device(&vtp->vdpa);
			return 0;
		}
	}
	return -ENODEV;
}

/* Runs @op on the device name written to a debugfs file. */
static ssize_t vtp_debugfs_apply(const char __user *ubuf, size_t count,
				 int (*op)(const char *name))
{
	char name[64];
	int ret;

	if (count >= sizeof(name))
		return -ENAMETOOLONG;
	if (copy_from_user(name, ubuf, count))
		return -EFAULT;
	name[count] = '\0';

	mutex_lock(&vtp_debugfs_lock);
	ret = op(strim(name));
	mutex_unlock(&vtp_debugfs_lock);
	return ret ? ret : count;
}

static ssize_t vtp_debugfs_add_write(struct file *file,
				     const char __user *ubuf, size_t count,
				     loff_t *ppos)
{
	return vtp_debugfs_apply(ubuf, count, vtp_debugfs_add);
}

static ssize_t vtp_debugfs_del_write(struct file *file,
				     const char __user *ubuf, size_t count,
				     loff_t *ppos)
{
	return vtp_debugfs_apply(ubuf, count, vtp_debugfs_del);
}

static const struct file_operations vtp_add_fops = {
	.owner = THIS_MODULE,
	.write = vtp_debugfs_add_write,
	.llseek = noop_llseek,
};

static const struct file_operations vtp_del_fops = {
	.owner = THIS_MODULE,
	.write = vtp_debugfs_del_write,
	.llseek = noop_llseek,
};

static void vtp_debugfs_del_all(void)
{
	struct vtp_dev *vtp, *tmp;

	mutex_lock(&vtp_debugfs_lock);
	list_for_each_entry_safe(vtp, tmp, &vtp_debugfs_devs, debugfs_entry) {
		list_del(&vtp->debugfs_entry);
		vtp_debugfs_dev_exit(vtp);
		vdpa_unregister_device(&vtp->vdpa);
	}
	mutex_unlock(&vtp_debugfs_lock);
}

static int __init vtp_init(void)
{
	int ret;

	vtp_root = root_device_register("vdpa_test");
	if (IS_ERR(vtp_root))
		return PTR_ERR(vtp_root);

	vtp_mgmt.device = vtp_root;
	ret = vdpa_mgmtdev_register(&vtp_mgmt);
	if (ret)
		goto err_root;

	vtp_debugfs = debugfs_create_dir("vdpa_test_parent", NULL);
	vtp_debugfs_add_file = debugfs_create_file("add", 0200, vtp_debugfs,
						   NULL, &vtp_add_fops);
	vtp_debugfs_del_file = debugfs_create_file("del", 0200, vtp_debugfs,
						   NULL, &vtp_del_fops);
	return 0;

err_root:
	root_device_unregister(vtp_root);
	return ret;
}

static void __exit vtp_exit(void)
{
	/* Unpublish first: no new device can be asked for from here on. */
	debugfs_remove(vtp_debugfs_add_file);
	debugfs_remove(vtp_debugfs_del_file);
	vtp_debugfs_del_all();
	vdpa_mgmtdev_unregister(&vtp_mgmt);
	debugfs_remove_recursive(vtp_debugfs);
	root_device_unregister(vtp_root);
}

module_init(vtp_init);
module_exit(vtp_exit);

MODULE_DESCRIPTION("vDPA test parent: minimal devices for bus tests");
MODULE_LICENSE("GPL");
