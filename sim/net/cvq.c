// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated network device's control queue: the command handlers,
 * pure functions of a &struct vdpasim_net_state so that KUnit can drive
 * them without rings, the receive filter they program, and the control
 * queue's worker.
 */

#include <asm/byteorder.h>
#include <linux/etherdevice.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <kunit/visibility.h>
#include <uapi/linux/virtio_config.h>
#include "net.h"

static bool vsnet_has(const struct vdpasim_net_state *st, unsigned int feature)
{
	return st->features & BIT_ULL(feature);
}

/**
 * vdpasim_net_state_reset() - the state of a device after reset
 * @st: the state
 * @mac: the device's MAC address
 * @max_vqp: the device's queue pairs
 * @link_up: whether the link is up
 *
 * The virtio specification wants empty MAC filter tables after reset and
 * leaves the receive modes to the device. This device then accepts what
 * a driver without %VIRTIO_NET_F_CTRL_RX needs: frames to its own MAC
 * address, broadcast and every multicast frame. The VLAN table is empty:
 * with %VIRTIO_NET_F_CTRL_VLAN no tagged frame passes until the driver
 * adds its VLAN. No feature is negotiated yet, so every command fails
 * until the driver's features are stored in @st.
 */
void vdpasim_net_state_reset(struct vdpasim_net_state *st, const u8 *mac,
			     u16 max_vqp, bool link_up)
{
	memset(st, 0, sizeof(*st));
	st->max_vqp = max_vqp;
	st->curr_vqp = 1;
	st->status = link_up ? VIRTIO_NET_S_LINK_UP : 0;
	ether_addr_copy(st->mac, mac);
	st->allmulti = true;
}
EXPORT_SYMBOL_IF_KUNIT(vdpasim_net_state_reset);

static virtio_net_ctrl_ack vsnet_ctrl_rx(struct vdpasim_net_state *st, u8 cmd,
					 const u8 *data, size_t len)
{
	bool *mode;

	if (len != 1)
		return VIRTIO_NET_ERR;
	switch (cmd) {
	case VIRTIO_NET_CTRL_RX_PROMISC:
		mode = &st->promisc;
		break;
	case VIRTIO_NET_CTRL_RX_ALLMULTI:
		mode = &st->allmulti;
		break;
	case VIRTIO_NET_CTRL_RX_ALLUNI:
		mode = &st->alluni;
		break;
	case VIRTIO_NET_CTRL_RX_NOMULTI:
		mode = &st->nomulti;
		break;
	case VIRTIO_NET_CTRL_RX_NOUNI:
		mode = &st->nouni;
		break;
	case VIRTIO_NET_CTRL_RX_NOBCAST:
		mode = &st->nobcast;
		break;
	default:
		return VIRTIO_NET_ERR;
	}
	/* The first two are CTRL_RX's, the others CTRL_RX_EXTRA's. */
	if (cmd > VIRTIO_NET_CTRL_RX_ALLMULTI &&
	    !vsnet_has(st, VIRTIO_NET_F_CTRL_RX_EXTRA))
		return VIRTIO_NET_ERR;
	*mode = data[0];
	return VIRTIO_NET_OK;
}

/*
 * One table of a TABLE_SET: a little-endian entry count, then the entries.
 * Returns the bytes it takes, or 0 if it does not fit in @len or holds
 * more than the device's table.
 */
static size_t vsnet_mac_table_size(const u8 *data, size_t len, u32 *count)
{
	__le32 n;

	if (len < sizeof(n))
		return 0;
	memcpy(&n, data, sizeof(n));
	*count = le32_to_cpu(n);
	if (*count > VDPASIM_NET_MAC_TABLE_MAX ||
	    len - sizeof(n) < (size_t)*count * ETH_ALEN)
		return 0;
	return sizeof(n) + (size_t)*count * ETH_ALEN;
}

static virtio_net_ctrl_ack vsnet_ctrl_mac_table(struct vdpasim_net_state *st,
						const u8 *data, size_t len)
{
	size_t uni_size, multi_size;
	u32 uni, multi;

	uni_size = vsnet_mac_table_size(data, len, &uni);
	if (!uni_size)
		return VIRTIO_NET_ERR;
	multi_size = vsnet_mac_table_size(data + uni_size, len - uni_size, &multi);
	if (!multi_size || uni_size + multi_size != len)
		return VIRTIO_NET_ERR;
	/* No stale entries beyond the counts (debugfs shows the tables). */
	memset(st->uni, 0, sizeof(st->uni));
	memset(st->multi, 0, sizeof(st->multi));
	memcpy(st->uni, data + sizeof(__le32), uni * ETH_ALEN);
	st->uni_count = uni;
	memcpy(st->multi, data + uni_size + sizeof(__le32), multi * ETH_ALEN);
	st->multi_count = multi;
	return VIRTIO_NET_OK;
}

static virtio_net_ctrl_ack vsnet_ctrl_mac(struct vdpasim_net_state *st, u8 cmd,
					  const u8 *data, size_t len)
{
	switch (cmd) {
	case VIRTIO_NET_CTRL_MAC_TABLE_SET:
		if (!vsnet_has(st, VIRTIO_NET_F_CTRL_RX))
			return VIRTIO_NET_ERR;
		return vsnet_ctrl_mac_table(st, data, len);
	case VIRTIO_NET_CTRL_MAC_ADDR_SET:
		if (!vsnet_has(st, VIRTIO_NET_F_CTRL_MAC_ADDR) || len != ETH_ALEN ||
		    !is_valid_ether_addr(data))
			return VIRTIO_NET_ERR;
		ether_addr_copy(st->mac, data);
		return VIRTIO_NET_OK;
	default:
		return VIRTIO_NET_ERR;
	}
}

static virtio_net_ctrl_ack vsnet_ctrl_vlan(struct vdpasim_net_state *st, u8 cmd,
					   const u8 *data, size_t len)
{
	__le16 v;
	u16 vid;

	if (!vsnet_has(st, VIRTIO_NET_F_CTRL_VLAN) || len != sizeof(v))
		return VIRTIO_NET_ERR;
	memcpy(&v, data, sizeof(v));
	vid = le16_to_cpu(v);
	if (vid >= VLAN_N_VID)
		return VIRTIO_NET_ERR;
	switch (cmd) {
	case VIRTIO_NET_CTRL_VLAN_ADD:
		set_bit(vid, st->vlans);
		return VIRTIO_NET_OK;
	case VIRTIO_NET_CTRL_VLAN_DEL:
		clear_bit(vid, st->vlans);
		return VIRTIO_NET_OK;
	default:
		return VIRTIO_NET_ERR;
	}
}

static virtio_net_ctrl_ack vsnet_ctrl_mq(struct vdpasim_net_state *st, u8 cmd,
					 const u8 *data, size_t len)
{
	__le16 v;
	u16 pairs;

	if (!vsnet_has(st, VIRTIO_NET_F_MQ) ||
	    cmd != VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET || len != sizeof(v))
		return VIRTIO_NET_ERR;
	memcpy(&v, data, sizeof(v));
	pairs = le16_to_cpu(v);
	if (pairs < VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN || pairs > st->max_vqp)
		return VIRTIO_NET_ERR;
	/* Frames still go back on the pair they came from. */
	st->curr_vqp = pairs;
	return VIRTIO_NET_OK;
}

static virtio_net_ctrl_ack vsnet_ctrl_announce(struct vdpasim_net_state *st,
					       u8 cmd, size_t len)
{
	if (!vsnet_has(st, VIRTIO_NET_F_GUEST_ANNOUNCE) ||
	    cmd != VIRTIO_NET_CTRL_ANNOUNCE_ACK || len)
		return VIRTIO_NET_ERR;
	st->status &= ~VIRTIO_NET_S_ANNOUNCE;
	return VIRTIO_NET_OK;
}

/**
 * vdpasim_net_ctrl() - carry out one control command
 * @st: the state the command changes
 * @class: the command class (``VIRTIO_NET_CTRL_*``)
 * @cmd: the command within @class
 * @data: the command's data (what follows the class and command bytes)
 * @len: bytes of @data
 *
 * A command is refused, leaving @st as it was, if the feature it belongs
 * to was not negotiated, if its data vsnet_has the wrong size or a value out of
 * range (VLAN ID 4096 and above, queue pairs outside 1..max_vqp, a table
 * with more entries than the device holds or than @data carries, a
 * multicast or zero MAC address), or if the device does not know it.
 *
 * Context: the caller serialises access to @st.
 * Return: %VIRTIO_NET_OK or %VIRTIO_NET_ERR, the ack for the driver.
 */
virtio_net_ctrl_ack vdpasim_net_ctrl(struct vdpasim_net_state *st, u8 class,
				     u8 cmd, const void *data, size_t len)
{
	if (!vsnet_has(st, VIRTIO_NET_F_CTRL_VQ))
		return VIRTIO_NET_ERR;
	switch (class) {
	case VIRTIO_NET_CTRL_RX:
		if (!vsnet_has(st, VIRTIO_NET_F_CTRL_RX))
			return VIRTIO_NET_ERR;
		return vsnet_ctrl_rx(st, cmd, data, len);
	case VIRTIO_NET_CTRL_MAC:
		return vsnet_ctrl_mac(st, cmd, data, len);
	case VIRTIO_NET_CTRL_VLAN:
		return vsnet_ctrl_vlan(st, cmd, data, len);
	case VIRTIO_NET_CTRL_MQ:
		return vsnet_ctrl_mq(st, cmd, data, len);
	case VIRTIO_NET_CTRL_ANNOUNCE:
		return vsnet_ctrl_announce(st, cmd, len);
	default:
		return VIRTIO_NET_ERR;
	}
}
EXPORT_SYMBOL_IF_KUNIT(vdpasim_net_ctrl);

static bool mac_in(const u8 (*table)[ETH_ALEN], unsigned int count,
		   const u8 *addr)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		if (ether_addr_equal(table[i], addr))
			return true;
	return false;
}

/* A tagged frame passes if its VLAN is in the table (with CTRL_VLAN). */
static bool vsnet_vlan_accept(const struct vdpasim_net_state *st, const u8 *frame,
			      size_t len)
{
	const struct vlan_ethhdr *veth = (const struct vlan_ethhdr *)frame;

	if (!vsnet_has(st, VIRTIO_NET_F_CTRL_VLAN) ||
	    veth->h_vlan_proto != htons(ETH_P_8021Q))
		return true;
	if (len < VLAN_ETH_HLEN)
		return false;
	return test_bit(ntohs(veth->h_vlan_TCI) & VLAN_VID_MASK, st->vlans);
}

/**
 * vdpasim_net_rx_accept() - the receive filter
 * @st: the state that programs it
 * @frame: the start of an Ethernet frame
 * @len: bytes at @frame, the whole frame or at least its first
 *       %VLAN_ETH_HLEN bytes
 *
 * Promiscuous mode accepts everything. Otherwise a VLAN-tagged frame needs
 * its VLAN ID in the VLAN table (when %VIRTIO_NET_F_CTRL_VLAN was
 * negotiated); then broadcast passes unless NOBCAST, multicast with
 * ALLMULTI or a multicast table entry unless NOMULTI, unicast to the
 * device's MAC, with ALLUNI or a unicast table entry unless NOUNI.
 *
 * Context: the caller keeps @st stable.
 * Return: true if the frame is to be received.
 */
bool vdpasim_net_rx_accept(const struct vdpasim_net_state *st,
			   const u8 *frame, size_t len)
{
	const u8 *dest = frame;

	if (len < ETH_HLEN)
		return false;
	if (st->promisc)
		return true;
	if (!vsnet_vlan_accept(st, frame, len))
		return false;
	if (is_broadcast_ether_addr(dest))
		return !st->nobcast;
	if (is_multicast_ether_addr(dest)) {
		if (st->nomulti)
			return false;
		return st->allmulti || mac_in(st->multi, st->multi_count, dest);
	}
	if (st->nouni)
		return false;
	return st->alluni || ether_addr_equal(dest, st->mac) ||
	       mac_in(st->uni, st->uni_count, dest);
}
EXPORT_SYMBOL_IF_KUNIT(vdpasim_net_rx_accept);

/*
 * One command: the class and command bytes, then the data, all readable;
 * the ack goes in the last writable byte. Returns the ack, or
 * VIRTIO_NET_ERR without touching the state for a malformed buffer.
 */
static virtio_net_ctrl_ack vsnet_cvq_handle(struct vdpasim_net *net,
					    struct vdring_iov *iov)
{
	struct virtio_net_ctrl_hdr hdr;
	virtio_net_ctrl_ack ack;
	struct iov_iter iter;
	size_t len;

	if (iov->out_len < sizeof(hdr) ||
	    iov->out_len - sizeof(hdr) > sizeof(net->cvq_buf))
		return VIRTIO_NET_ERR;
	len = iov->out_len - sizeof(hdr);
	vdring_iov_iter_out(iov, &iter);
	if (copy_from_iter(&hdr, sizeof(hdr), &iter) != sizeof(hdr) ||
	    copy_from_iter(net->cvq_buf, len, &iter) != len)
		return VIRTIO_NET_ERR;

	spin_lock_bh(&net->state_lock);
	ack = vdpasim_net_ctrl(&net->state, hdr.class, hdr.cmd, net->cvq_buf,
			       len);
	spin_unlock_bh(&net->state_lock);
	return ack;
}

static int vsnet_cvq_complete(struct vdpasim_vq *vq, struct vdring_elem *elem,
			      virtio_net_ctrl_ack ack)
{
	struct iov_iter iter;
	u32 written = 0;

	if (vq->iov.in_len) {
		vdring_iov_iter_in(&vq->iov, &iter);
		iov_iter_advance(&iter, vq->iov.in_len - sizeof(ack));
		if (copy_to_iter(&ack, sizeof(ack), &iter) == sizeof(ack))
			written = sizeof(ack);
		vdring_log_in(&vq->ring, &vq->iov, vq->iov.in_len - sizeof(ack),
			      written);
	}
	return vdring_push(&vq->ring, elem, written);
}

/**
 * vdpasim_net_cvq_process() - the control queue's worker
 * @vq: the control queue
 * @budget: most commands to handle
 *
 * Carries out each command and acks it. A buffer without a writable byte
 * for the ack is completed without one and counted as an error.
 *
 * Context: &vdpasim_class_ops.process of the control queue.
 * Return: commands handled, or a negative errno if the ring is broken.
 */
int vdpasim_net_cvq_process(struct vdpasim_vq *vq, unsigned int budget)
{
	struct vdpasim_net *net = sim_to_net(vq->vs);
	unsigned int done, errors = 0;
	struct vdring_elem elem;
	virtio_net_ctrl_ack ack;
	int ret = 0;

	for (done = 0; done < budget; done++) {
		ret = vdring_pop(&vq->ring, &vq->iov, &elem);
		if (ret <= 0)
			break;
		ack = vq->iov.in_len ? vsnet_cvq_handle(net, &vq->iov) :
				       VIRTIO_NET_ERR;
		if (ack != VIRTIO_NET_OK)
			errors++;
		ret = vsnet_cvq_complete(vq, &elem, ack);
		if (ret < 0)
			break;
	}

	u64_stats_update_begin(&net->cvq_syncp);
	u64_stats_add(&net->cvq_commands, done);
	u64_stats_add(&net->cvq_errors, errors);
	u64_stats_update_end(&net->cvq_syncp);

	vdpasim_vq_notify(vq);
	return ret < 0 ? ret : done;
}
