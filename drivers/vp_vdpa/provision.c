// SPDX-License-Identifier: GPL-2.0-only
/*
 * vp_vdpa's answers to the attributes of "vdpa dev add": what a virtio-pci
 * net function can honour, and SR-IOV on a physical function.
 */

#include <linux/etherdevice.h>
#include <linux/pci.h>
#include <linux/virtio_byteorder.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <kunit/visibility.h>
#include <uapi/linux/vdpa.h>

#include "vp_vdpa.h"

/**
 * DOC: provisioning
 *
 * A modern virtio-pci function has no way to take a MAC address or an MTU
 * from its driver: both configuration fields are read-only in virtio 1.x
 * (only a legacy driver writes the MAC), and a MAC set through the control
 * queue is forgotten at the next reset, which every new driver does. So
 * vp_vdpa accepts ``mac`` and ``mtu`` only when they are what the function
 * already has (an orchestrator that always passes them keeps working), and
 * refuses any other value with -EOPNOTSUPP and a message naming the
 * function's own value. ``max_vqp`` is accepted when it equals the
 * function's queue pairs (``max_virtqueue_pairs`` with %VIRTIO_NET_F_MQ,
 * else 1): a smaller count would have to move the control queue to
 * another index, which vp_vdpa does not do; a larger one is refused by the
 * vdpa core against the management device's queue count.
 */

/* The net configuration fields the attributes are checked against. */
static void vp_vdpa_net_caps_read(struct vp_vdpa_fn *fn,
				  struct vp_vdpa_net_caps *caps)
{
	struct virtio_net_config cfg;

	memset(caps, 0, sizeof(*caps));
	caps->features = vp_modern_get_features(&fn->mdev);
	caps->pairs = 1;
	if (fn->mdev.device_len < sizeof(cfg))
		return;
	vp_vdpa_config_read(&fn->mdev, 0, &cfg, sizeof(cfg));
	memcpy(caps->mac, cfg.mac, ETH_ALEN);
	caps->mtu = __virtio16_to_cpu(true, cfg.mtu);
	if (caps->features & BIT_ULL(VIRTIO_NET_F_MQ))
		caps->pairs = __virtio16_to_cpu(true, cfg.max_virtqueue_pairs);
}

static int vp_vdpa_check_mac(const struct vp_vdpa_net_caps *caps,
			     const struct vdpa_dev_set_config *cfg)
{
	if (!(caps->features & BIT_ULL(VIRTIO_NET_F_MAC))) {
		NL_SET_ERR_MSG_MOD(cfg->extack,
				   "the function has no MAC (no VIRTIO_NET_F_MAC)");
		return -EOPNOTSUPP;
	}
	if (!ether_addr_equal(cfg->net.mac, caps->mac)) {
		NL_SET_ERR_MSG_FMT_MOD(cfg->extack,
				       "the function's MAC is %pM and cannot be changed",
				       caps->mac);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int vp_vdpa_check_mtu(const struct vp_vdpa_net_caps *caps,
			     const struct vdpa_dev_set_config *cfg)
{
	if (!(caps->features & BIT_ULL(VIRTIO_NET_F_MTU))) {
		NL_SET_ERR_MSG_MOD(cfg->extack,
				   "the function reports no MTU (no VIRTIO_NET_F_MTU)");
		return -EOPNOTSUPP;
	}
	if (cfg->net.mtu != caps->mtu) {
		NL_SET_ERR_MSG_FMT_MOD(cfg->extack,
				       "the function's MTU is %u and cannot be changed",
				       caps->mtu);
		return -EOPNOTSUPP;
	}
	return 0;
}

/**
 * vp_vdpa_net_check() - whether a net function honours the requested
 *                       attributes
 * @caps: the function's configuration
 * @cfg: the attributes of "vdpa dev add"; its extack receives the reason
 *
 * Return: 0, or -EOPNOTSUPP with a message in @cfg->extack.
 */
VISIBLE_IF_KUNIT int vp_vdpa_net_check(const struct vp_vdpa_net_caps *caps,
				       const struct vdpa_dev_set_config *cfg)
{
	int err = 0;

	if (cfg->mask & BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR))
		err = vp_vdpa_check_mac(caps, cfg);
	if (!err && (cfg->mask & BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MTU)))
		err = vp_vdpa_check_mtu(caps, cfg);
	if (!err && (cfg->mask & BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MAX_VQP)) &&
	    cfg->net.max_vq_pairs != caps->pairs) {
		NL_SET_ERR_MSG_FMT_MOD(cfg->extack,
				       "the function has %u queue pairs; max_vqp must be %u",
				       caps->pairs, caps->pairs);
		err = -EOPNOTSUPP;
	}
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vp_vdpa_net_check);

/**
 * vp_vdpa_net_queues() - how many virtqueues a net function has at most
 * @caps: its configuration
 * @num_queues: what its common configuration reports now
 *
 * The specification makes num_queues the most queues the device supports,
 * but QEMU's virtio-net (7.2) reports the queues that exist at the moment:
 * after a reset, until a driver accepts %VIRTIO_NET_F_MQ, one pair and the
 * control queue, whatever max_virtqueue_pairs says. A function with
 * %VIRTIO_NET_F_MQ therefore has at least two queues per pair, plus the
 * control queue with %VIRTIO_NET_F_CTRL_VQ.
 *
 * Return: the larger of the two counts, at most U16_MAX.
 */
VISIBLE_IF_KUNIT u16 vp_vdpa_net_queues(const struct vp_vdpa_net_caps *caps,
					u16 num_queues)
{
	u32 n = 2 * (u32)caps->pairs;

	if (!(caps->features & BIT_ULL(VIRTIO_NET_F_MQ)))
		return num_queues;
	if (caps->features & BIT_ULL(VIRTIO_NET_F_CTRL_VQ))
		n++;
	return min_t(u32, max_t(u32, n, num_queues), U16_MAX);
}
EXPORT_SYMBOL_IF_KUNIT(vp_vdpa_net_queues);

/**
 * vp_vdpa_num_queues() - the function's virtqueues, for the management
 *                        device's limit and each vDPA device
 * @fn: the function
 *
 * Return: num_queues of its common configuration, or for a net function
 * what vp_vdpa_net_queues() makes of it.
 */
u16 vp_vdpa_num_queues(struct vp_vdpa_fn *fn)
{
	u16 n = vp_modern_get_num_queues(&fn->mdev);
	struct vp_vdpa_net_caps caps;

	if (fn->mdev.id.device != VIRTIO_ID_NET)
		return n;
	vp_vdpa_net_caps_read(fn, &caps);
	return vp_vdpa_net_queues(&caps, n);
}

/**
 * vp_vdpa_provision() - check the attributes of "vdpa dev add" against
 *                       the function
 * @fn: the function
 * @cfg: the requested attributes
 *
 * Return: 0, or a negative errno with a message in @cfg->extack.
 */
int vp_vdpa_provision(struct vp_vdpa_fn *fn,
		      const struct vdpa_dev_set_config *cfg)
{
	struct vp_vdpa_net_caps caps;

	if (fn->mdev.id.device != VIRTIO_ID_NET)
		return 0;
	vp_vdpa_net_caps_read(fn, &caps);
	return vp_vdpa_net_check(&caps, cfg);
}

/**
 * vp_vdpa_sriov_check() - whether VFs may be enabled or disabled
 * @features: the physical function's device features
 * @num_vfs: the count written to sriov_numvfs (0: disable)
 * @assigned: whether a VF is assigned to a guest
 *
 * The PCI core only asks to go from 0 VFs to some or from some to 0.
 *
 * Return: 0 if allowed; -EOPNOTSUPP if the function does not offer
 * %VIRTIO_F_SR_IOV; -EPERM to disable VFs that are assigned.
 */
VISIBLE_IF_KUNIT int vp_vdpa_sriov_check(u64 features, int num_vfs,
					 bool assigned)
{
	if (!num_vfs)
		return assigned ? -EPERM : 0;
	if (!(features & BIT_ULL(VIRTIO_F_SR_IOV)))
		return -EOPNOTSUPP;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vp_vdpa_sriov_check);

/**
 * vp_vdpa_sriov_configure() - &pci_driver.sriov_configure of vp_vdpa
 * @pdev: a physical function bound to vp_vdpa
 * @num_vfs: the VFs wanted (0: none)
 *
 * Return: @num_vfs, or a negative errno (the write to sriov_numvfs fails
 * with it, and the reason is in the kernel log).
 */
int vp_vdpa_sriov_configure(struct pci_dev *pdev, int num_vfs)
{
	struct vp_vdpa_fn *fn = pci_get_drvdata(pdev);
	bool assigned = pci_vfs_assigned(pdev);
	int err;

	err = vp_vdpa_sriov_check(vp_modern_get_features(&fn->mdev), num_vfs,
				  assigned);
	if (err == -EOPNOTSUPP)
		pci_warn(pdev, "no VFs: the function does not offer VIRTIO_F_SR_IOV\n");
	else if (err == -EPERM)
		pci_warn(pdev, "VFs are assigned to guests: not disabling them\n");
	if (err)
		return err;
	if (!num_vfs) {
		pci_disable_sriov(pdev);
		return 0;
	}
	err = pci_enable_sriov(pdev, num_vfs);
	return err ? err : num_vfs;
}
