// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_sim_net.ko: the simulated virtio-net device class. Management
 * device "vdpasim_net", device creation and attributes, config space,
 * vendor statistics and the class's debugfs knobs, which sit next to the
 * core's in vdpa_sim/vdpasim_net/<dev>/:
 *
 *   link_up    Y or N: the link state (VIRTIO_NET_S_LINK_UP); a change
 *              raises a config interrupt; while down, frames are dropped
 *   announce   write 1: ask the driver to announce itself
 *              (VIRTIO_NET_S_ANNOUNCE, needs GUEST_ANNOUNCE negotiated)
 *   rx_filter  what the control queue programmed (read only)
 *
 * Vendor statistics: rx_/tx_ packets, bytes, drops, errors for each data
 * queue, cvq_commands and cvq_errors for the control queue.
 *
 * Module parameter (writable, read at every kick, for every device):
 *
 * - inline_kick (default N): serve the kick of an idle transmit queue in
 *   the kicker's context (virtio_net's transmit path, bottom halves
 *   disabled), delivering to the receive queue and calling the driver's
 *   callbacks from there (vdpasim_vq_kick_inline_bh()); N: every kick
 *   queues the work.
 */

#include <linux/debugfs.h>
#include <linux/etherdevice.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/virtio_byteorder.h>
#include <uapi/linux/vdpa.h>
#include <uapi/linux/virtio_ids.h>
#include "net.h"

#define VDPASIM_NET_FEATURES \
	(BIT_ULL(VIRTIO_NET_F_CSUM) | BIT_ULL(VIRTIO_NET_F_GUEST_CSUM) | \
	 BIT_ULL(VIRTIO_NET_F_MTU) | BIT_ULL(VIRTIO_NET_F_MAC) | \
	 BIT_ULL(VIRTIO_NET_F_MRG_RXBUF) | BIT_ULL(VIRTIO_NET_F_STATUS) | \
	 BIT_ULL(VIRTIO_NET_F_CTRL_VQ) | BIT_ULL(VIRTIO_NET_F_CTRL_RX) | \
	 BIT_ULL(VIRTIO_NET_F_CTRL_VLAN) | \
	 BIT_ULL(VIRTIO_NET_F_CTRL_RX_EXTRA) | \
	 BIT_ULL(VIRTIO_NET_F_GUEST_ANNOUNCE) | BIT_ULL(VIRTIO_NET_F_MQ) | \
	 BIT_ULL(VIRTIO_NET_F_CTRL_MAC_ADDR))

/* Features that only make sense with a control queue. */
#define VDPASIM_NET_CTRL_FEATURES \
	(BIT_ULL(VIRTIO_NET_F_CTRL_RX) | BIT_ULL(VIRTIO_NET_F_CTRL_VLAN) | \
	 BIT_ULL(VIRTIO_NET_F_CTRL_RX_EXTRA) | \
	 BIT_ULL(VIRTIO_NET_F_GUEST_ANNOUNCE) | BIT_ULL(VIRTIO_NET_F_MQ) | \
	 BIT_ULL(VIRTIO_NET_F_CTRL_MAC_ADDR))

/* Virtqueue groups: the data queues, the control queue. */
#define VDPASIM_NET_GROUP_DATA	0
#define VDPASIM_NET_GROUP_CVQ	1
#define VDPASIM_NET_NGROUPS	2
#define VDPASIM_NET_NAS		2

static struct vdpasim_mgmt vdpasim_net_mgmt;

static bool inline_kick;
module_param(inline_kick, bool, 0644);
MODULE_PARM_DESC(inline_kick,
		 "Serve a transmit kick of an idle queue in the kicker's context instead of waking a worker (default N)");

/**
 * vdpasim_net_cvq_index() - where the control queue is
 * @net: the device
 *
 * After the data queues the driver can use: 2 * max_vqp when it
 * negotiated MQ (or RSS), else 2, whatever max_vqp is (the virtio spec;
 * QEMU's virtio-net defaults to mq=off). Until features are set, 2.
 *
 * Return: the control queue's index.
 */
static u16 vdpasim_net_cvq_index(const struct vdpasim_net *net)
{
	u64 f = READ_ONCE(net->vs.features);

	if (f & (BIT_ULL(VIRTIO_NET_F_MQ) | BIT_ULL(VIRTIO_NET_F_RSS)))
		return 2 * net->max_vqp;
	return 2;
}

static bool vsnet_is_cvq(const struct vdpasim_net *net, u16 idx)
{
	return idx == vdpasim_net_cvq_index(net);
}

/* A data queue of an existing pair: not the control queue, nor past it. */
static bool vsnet_is_data(const struct vdpasim_net *net, u16 idx)
{
	return idx < 2 * net->max_vqp && !vsnet_is_cvq(net, idx);
}

static int vsnet_process(struct vdpasim_vq *vq, unsigned int budget)
{
	struct vdpasim_net *net = sim_to_net(vq->vs);

	if (vsnet_is_cvq(net, vq->idx))
		return vdpasim_net_cvq_process(vq, budget);
	if (!vsnet_is_data(net, vq->idx))
		return -ENXIO;	/* no such queue under these features */
	return vdpasim_net_data_process(vq, budget);
}

/*
 * A receive queue's kick runs its transmit queue, which delivers. See
 * inline_kick at the top for a transmit queue's.
 */
static void vsnet_kick(struct vdpasim_vq *vq)
{
	struct vdpasim_net *net = sim_to_net(vq->vs);

	if (!vsnet_is_data(net, vq->idx)) {
		vdpasim_schedule(vq);
		return;
	}
	if (!(vq->idx & 1)) {
		vdpasim_schedule(&vq->vs->vqs[vq->idx + 1]);
		return;
	}
	if (READ_ONCE(inline_kick))
		vdpasim_vq_kick_inline_bh(vq);
	else
		vdpasim_schedule(vq);
}

/*
 * The control queue carries one command at a time: a ring of 64 (the
 * size QEMU's virtio-net gives it) spares the driver the rings and
 * per-descriptor state of 192 more entries it would never use.
 */
#define VDPASIM_NET_CVQ_NUM	64

static u16 vsnet_get_vq_size(struct vdpasim *vs, u16 idx)
{
	return vsnet_is_cvq(sim_to_net(vs), idx) ? VDPASIM_NET_CVQ_NUM :
						   VDPASIM_NET_VQ_NUM_MAX;
}

static u32 net_get_vq_group(struct vdpasim *vs, u16 idx)
{
	return vsnet_is_cvq(sim_to_net(vs), idx) ? VDPASIM_NET_GROUP_CVQ :
					     VDPASIM_NET_GROUP_DATA;
}

/* The fields the control queue and the knobs change live in the state. */
static void vsnet_get_config(struct vdpasim *vs)
{
	struct vdpasim_net *net = sim_to_net(vs);
	struct virtio_net_config *cfg = vs->config;

	spin_lock_bh(&net->state_lock);
	ether_addr_copy(cfg->mac, net->state.mac);
	cfg->status = __cpu_to_virtio16(true, net->state.status);
	spin_unlock_bh(&net->state_lock);
}

static void vsnet_set_features(struct vdpasim *vs)
{
	struct vdpasim_net *net = sim_to_net(vs);

	spin_lock_bh(&net->state_lock);
	net->state.features = vs->features;
	spin_unlock_bh(&net->state_lock);
}

/* Counters are the device's: they survive a reset. */
static void vsnet_reset(struct vdpasim *vs)
{
	struct vdpasim_net *net = sim_to_net(vs);

	spin_lock_bh(&net->state_lock);
	vdpasim_net_state_reset(&net->state, net->mac, net->max_vqp,
				net->link_up);
	spin_unlock_bh(&net->state_lock);
}

static int vsnet_put_cvq_stats(struct vdpasim_net *net, struct sk_buff *msg)
{
	u64 commands, errors;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&net->cvq_syncp);
		commands = u64_stats_read(&net->cvq_commands);
		errors = u64_stats_read(&net->cvq_errors);
	} while (u64_stats_fetch_retry(&net->cvq_syncp, start));

	return vdpasim_put_stat(msg, "cvq_commands", commands) ?:
	       vdpasim_put_stat(msg, "cvq_errors", errors);
}

static const char *const vsnet_stat_names[2][4] = {
	{ "rx_packets", "rx_bytes", "rx_drops", "rx_errors" },
	{ "tx_packets", "tx_bytes", "tx_drops", "tx_errors" },
};

/*
 * Statistics of queue @idx: its pair's counters for a data queue, the
 * command counters for the control queue. The writers do not take the
 * device lock the caller holds; u64_stats gives untorn values.
 */
static int vsnet_get_stats(struct vdpasim *vs, u16 idx, struct sk_buff *msg,
			   struct netlink_ext_ack *extack)
{
	struct vdpasim_net *net = sim_to_net(vs);
	const char *const *names = vsnet_stat_names[idx & 1];
	const struct vdpasim_net_qstats *q;
	struct vdpasim_net_pair *pair;
	unsigned int start, i;
	u64 v[4];
	int err = 0;

	if (vsnet_is_cvq(net, idx))
		return vsnet_put_cvq_stats(net, msg);
	if (idx >= 2 * net->max_vqp)
		return 0;	/* not a queue under these features */
	pair = &net->pairs[idx / 2];
	q = idx & 1 ? &pair->tx : &pair->rx;
	do {
		start = u64_stats_fetch_begin(&pair->syncp);
		v[0] = u64_stats_read(&q->packets);
		v[1] = u64_stats_read(&q->bytes);
		v[2] = u64_stats_read(&q->drops);
		v[3] = u64_stats_read(&q->errors);
	} while (u64_stats_fetch_retry(&pair->syncp, start));

	for (i = 0; !err && i < ARRAY_SIZE(v); i++)
		err = vdpasim_put_stat(msg, names[i], v[i]);
	return err;
}

/* --- debugfs: link_up, announce, rx_filter --- */

static ssize_t vsnet_link_up_read(struct file *file, char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	struct vdpasim_net *net = file->private_data;
	char buf[3] = "N\n";

	if (READ_ONCE(net->link_up))
		buf[0] = 'Y';
	return simple_read_from_buffer(ubuf, len, ppos, buf, 2);
}

/* Link flap: change LINK_UP and tell the driver with a config interrupt. */
static ssize_t vsnet_link_up_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	struct vdpasim_net *net = file->private_data;
	bool up, changed;
	int err;

	err = kstrtobool_from_user(ubuf, len, &up);
	if (err)
		return err;
	spin_lock_bh(&net->state_lock);
	changed = net->link_up != up;
	WRITE_ONCE(net->link_up, up);
	if (up)
		net->state.status |= VIRTIO_NET_S_LINK_UP;
	else
		net->state.status &= ~VIRTIO_NET_S_LINK_UP;
	spin_unlock_bh(&net->state_lock);
	if (changed) {
		dev_info(&net->vs.vdpa.dev, "link %s (debugfs link_up)\n",
			 up ? "up" : "down");
		vdpasim_config_changed(&net->vs);
	}
	return len;
}

static const struct file_operations vsnet_link_up_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = vsnet_link_up_read,
	.write = vsnet_link_up_write,
	.llseek = default_llseek,
};

/* Ask the driver to announce itself (needs GUEST_ANNOUNCE negotiated). */
static ssize_t vsnet_announce_write(struct file *file, const char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	struct vdpasim_net *net = file->private_data;
	bool on, ok;
	int err;

	err = kstrtobool_from_user(ubuf, len, &on);
	if (err)
		return err;
	if (!on)
		return len;
	spin_lock_bh(&net->state_lock);
	ok = net->state.features & BIT_ULL(VIRTIO_NET_F_GUEST_ANNOUNCE);
	if (ok)
		net->state.status |= VIRTIO_NET_S_ANNOUNCE;
	spin_unlock_bh(&net->state_lock);
	if (!ok)
		return -EOPNOTSUPP;
	vdpasim_config_changed(&net->vs);
	return len;
}

static const struct file_operations vsnet_announce_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = vsnet_announce_write,
	.llseek = noop_llseek,
};

static void vsnet_show_table(struct seq_file *s, const char *name,
			     const u8 (*table)[ETH_ALEN], unsigned int count)
{
	unsigned int i;

	seq_printf(s, "%s %u", name, count);
	for (i = 0; i < count; i++)
		seq_printf(s, " %pM", table[i]);
	seq_putc(s, '\n');
}

/* What the control queue programmed, for tests and debugging. */
static int vsnet_rx_filter_show(struct seq_file *s, void *unused)
{
	struct vdpasim_net *net = s->private;
	const struct vdpasim_net_state *st = &net->state;

	spin_lock_bh(&net->state_lock);
	seq_printf(s, "mac %pM\nstatus %u\ncurr_vqp %u\n", st->mac,
		   st->status, st->curr_vqp);
	seq_printf(s, "promisc %d\nallmulti %d\nalluni %d\n", st->promisc,
		   st->allmulti, st->alluni);
	seq_printf(s, "nomulti %d\nnouni %d\nnobcast %d\n", st->nomulti,
		   st->nouni, st->nobcast);
	vsnet_show_table(s, "uni", st->uni, st->uni_count);
	vsnet_show_table(s, "multi", st->multi, st->multi_count);
	seq_printf(s, "vlans %*pbl\n", VLAN_N_VID, st->vlans);
	spin_unlock_bh(&net->state_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vsnet_rx_filter);

static void vsnet_debugfs_init(struct vdpasim *vs, struct dentry *dir)
{
	struct vdpasim_net *net = sim_to_net(vs);

	debugfs_create_file("link_up", 0600, dir, net, &vsnet_link_up_fops);
	debugfs_create_file("announce", 0200, dir, net, &vsnet_announce_fops);
	debugfs_create_file("rx_filter", 0400, dir, net, &vsnet_rx_filter_fops);
}

static void vsnet_free(struct vdpasim *vs)
{
	struct vdpasim_net *net = sim_to_net(vs);
	u16 i;

	for (i = 0; net->pairs && i < net->max_vqp; i++)
		vdpasim_net_pair_free(&net->pairs[i]);
	kfree(net->pairs);
}

static const struct vdpasim_class_ops vdpasim_net_ops = {
	.process = vsnet_process,
	.kick = vsnet_kick,
	.get_vq_group = net_get_vq_group,
	.get_vq_size = vsnet_get_vq_size,
	.get_config = vsnet_get_config,
	.set_features = vsnet_set_features,
	.reset = vsnet_reset,
	.get_stats = vsnet_get_stats,
	.debugfs_init = vsnet_debugfs_init,
	.free = vsnet_free,
};

/* --- management device --- */

/* What dev_add is asked for, checked; dev_add vsnet_has no extack. */
struct net_params {
	u8 mac[ETH_ALEN];
	u16 mtu;
	u16 max_vqp;
	u64 features;
};

static int vsnet_params_check_features(struct device *dev, u64 f)
{
	if (!f)
		return 0;
	if (!(f & BIT_ULL(VIRTIO_F_VERSION_1))) {
		dev_err_ratelimited(dev, "device_features must include VERSION_1\n");
		return -EINVAL;
	}
	if ((f & VDPASIM_NET_CTRL_FEATURES) &&
	    !(f & BIT_ULL(VIRTIO_NET_F_CTRL_VQ))) {
		dev_err_ratelimited(dev, "device_features 0x%llx need CTRL_VQ\n",
				    f & VDPASIM_NET_CTRL_FEATURES);
		return -EINVAL;
	}
	if ((f & BIT_ULL(VIRTIO_NET_F_CTRL_RX_EXTRA)) &&
	    !(f & BIT_ULL(VIRTIO_NET_F_CTRL_RX))) {
		dev_err_ratelimited(dev, "device_features: CTRL_RX_EXTRA needs CTRL_RX\n");
		return -EINVAL;
	}
	return 0;
}

static int vsnet_params_get(struct device *dev, const char *name,
			    const struct vdpa_dev_set_config *cfg,
			  struct net_params *p)
{
	u64 mask = cfg->mask;

	p->mtu = VDPASIM_NET_DEFAULT_MTU;
	p->max_vqp = 1;
	p->features = 0;
	if (mask & BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR))
		ether_addr_copy(p->mac, cfg->net.mac);
	else
		eth_random_addr(p->mac);
	if (mask & BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MTU))
		p->mtu = cfg->net.mtu;
	if (mask & BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MAX_VQP))
		p->max_vqp = cfg->net.max_vq_pairs;
	if (mask & BIT_ULL(VDPA_ATTR_DEV_FEATURES))
		p->features = cfg->device_features;

	if (p->mtu < VDPASIM_NET_MIN_MTU) {
		dev_err_ratelimited(dev, "cannot create %s: mtu %u below %u\n", name,
				    p->mtu, VDPASIM_NET_MIN_MTU);
		return -EINVAL;
	}
	if (p->max_vqp < 1 || p->max_vqp > VDPASIM_NET_MAX_VQP) {
		dev_err_ratelimited(dev, "cannot create %s: max_vqp %u not in 1..%u\n",
				    name, p->max_vqp, VDPASIM_NET_MAX_VQP);
		return -EINVAL;
	}
	if (p->max_vqp > 1 && p->features &&
	    !(p->features & BIT_ULL(VIRTIO_NET_F_MQ))) {
		dev_err_ratelimited(dev, "cannot create %s: max_vqp %u needs MQ\n", name,
				    p->max_vqp);
		return -EINVAL;
	}
	return vsnet_params_check_features(dev, p->features);
}

static void vsnet_config_init(struct vdpasim_net *net)
{
	struct virtio_net_config *cfg = net->vs.config;

	ether_addr_copy(cfg->mac, net->mac);
	cfg->status = __cpu_to_virtio16(true, VIRTIO_NET_S_LINK_UP);
	cfg->max_virtqueue_pairs = __cpu_to_virtio16(true, net->max_vqp);
	cfg->mtu = __cpu_to_virtio16(true, net->mtu);
}

/* The class part of a new device; put_device() undoes it (vsnet_free). */
static int vsnet_init(struct vdpasim_net *net, const struct net_params *p)
{
	u16 i;
	int err;

	net->max_vqp = p->max_vqp;
	net->mtu = p->mtu;
	ether_addr_copy(net->mac, p->mac);
	net->link_up = true;
	spin_lock_init(&net->state_lock);
	vdpasim_net_state_reset(&net->state, net->mac, net->max_vqp, true);
	u64_stats_init(&net->cvq_syncp);
	vsnet_config_init(net);

	net->pairs = kcalloc(net->max_vqp, sizeof(*net->pairs), GFP_KERNEL);
	if (!net->pairs)
		return -ENOMEM;
	for (i = 0; i < net->max_vqp; i++) {
		err = vdpasim_net_pair_init(&net->pairs[i]);
		if (err)
			return err;
	}
	return 0;
}

/**
 * vdpasim_net_create() - create a network device, not yet registered
 * @mdev: the management device creating it
 * @name: the device name
 * @config: the ``vdpa dev add`` attributes
 * @debugfs: the directory for its knobs, or NULL for the class's (then
 *           @mdev must be the class's)
 *
 * Return: the device, to register with vdpasim_register() (or drop with
 * put_device()), or an ERR_PTR(): -EINVAL for attributes out of range.
 */
struct vdpasim *vdpasim_net_create(struct vdpa_mgmt_dev *mdev,
				   const char *name,
				   const struct vdpa_dev_set_config *config,
				   struct dentry *debugfs)
{
	struct vdpasim_dev_attr attr = {
		.mgmt_dev = mdev,
		.name = name,
		.debugfs = debugfs,
		.id = VIRTIO_ID_NET,
		.supported_features = VDPASIM_NET_FEATURES,
		.config_size = sizeof(struct virtio_net_config),
		.alloc_size = sizeof(struct vdpasim_net),
		.ngroups = VDPASIM_NET_NGROUPS,
		.nas = VDPASIM_NET_NAS,
		.vq_num_max = VDPASIM_NET_VQ_NUM_MAX,
		.ops = &vdpasim_net_ops,
	};
	struct net_params p;
	struct vdpasim *vs;
	int err;

	err = vsnet_params_get(mdev->device, name, config, &p);
	if (err)
		return ERR_PTR(err);
	attr.provisioned = p.features;
	attr.nvqs = 2 * p.max_vqp + 1;

	vs = vdpasim_create(&attr);
	if (IS_ERR(vs))
		return vs;
	err = vsnet_init(sim_to_net(vs), &p);
	if (err) {
		put_device(&vs->vdpa.dev);
		return ERR_PTR(err);
	}
	return vs;
}
EXPORT_SYMBOL_GPL(vdpasim_net_create);

static int vsnet_dev_add(struct vdpa_mgmt_dev *mdev, const char *name,
			 const struct vdpa_dev_set_config *config)
{
	struct vdpasim *vs;

	if (vdpasim_mgmt_fail_dev_add(&vdpasim_net_mgmt))
		return -EIO;
	vs = vdpasim_net_create(mdev, name, config, NULL);
	return IS_ERR(vs) ? PTR_ERR(vs) : vdpasim_register(vs);
}

static void vsnet_dev_del(struct vdpa_mgmt_dev *mdev, struct vdpa_device *dev)
{
	vdpasim_unregister(vdpa_to_sim(dev));
}

/* ``vdpa dev set ... mac``: the driver learns it from a config interrupt. */
static int vsnet_dev_set_attr(struct vdpa_mgmt_dev *mdev,
			      struct vdpa_device *dev,
			    const struct vdpa_dev_set_config *config)
{
	struct vdpasim_net *net = sim_to_net(vdpa_to_sim(dev));

	if (config->mask != BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR)) {
		dev_err_ratelimited(&dev->dev, "only the mac address can be changed\n");
		return -EOPNOTSUPP;
	}
	spin_lock_bh(&net->state_lock);
	ether_addr_copy(net->mac, config->net.mac);
	ether_addr_copy(net->state.mac, config->net.mac);
	spin_unlock_bh(&net->state_lock);
	vdpasim_config_changed(&net->vs);
	return 0;
}

static const struct vdpa_mgmtdev_ops vdpasim_net_mgmt_ops = {
	.dev_add = vsnet_dev_add,
	.dev_del = vsnet_dev_del,
	.dev_set_attr = vsnet_dev_set_attr,
};

static struct virtio_device_id vdpasim_net_id_table[] = {
	{ VIRTIO_ID_NET, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

static struct vdpasim_mgmt vdpasim_net_mgmt = {
	.mdev = {
		.ops = &vdpasim_net_mgmt_ops,
		.id_table = vdpasim_net_id_table,
		.config_attr_mask = BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR) |
				    BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MTU) |
				    BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MAX_VQP) |
				    BIT_ULL(VDPA_ATTR_DEV_FEATURES),
		.max_supported_vqs = 2 * VDPASIM_NET_MAX_VQP + 1,
	},
};

/**
 * vdpasim_net_mgmtdev() - the class's management device
 *
 * Return: the ``vdpasim_net`` management device: what the class offers
 * (classes, features, attributes, queues), for other parents to copy.
 */
const struct vdpa_mgmt_dev *vdpasim_net_mgmtdev(void)
{
	return &vdpasim_net_mgmt.mdev;
}
EXPORT_SYMBOL_GPL(vdpasim_net_mgmtdev);

static int __init vdpasim_net_init(void)
{
	vdpasim_net_mgmt.mdev.supported_features = VDPASIM_NET_FEATURES |
						   vdpasim_core_features();
	return vdpasim_mgmt_register(&vdpasim_net_mgmt, "vdpasim_net");
}

static void __exit vdpasim_net_exit(void)
{
	vdpasim_mgmt_unregister(&vdpasim_net_mgmt);
}

module_init(vdpasim_net_init);
module_exit(vdpasim_net_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(VDPA_OOT_VERSION);
MODULE_DESCRIPTION("vDPA simulator: virtio-net device with TX to RX loopback");
