/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated virtio-net device class (vdpa_sim_net.ko): what its files
 * share. Private to the module and its KUnit suite.
 */
#ifndef _VDPA_SIM_NET_H
#define _VDPA_SIM_NET_H

#include <linux/bitmap.h>
#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>
#include <uapi/linux/virtio_net.h>
#include <vdpa_sim/sim.h>

/**
 * DOC: Simulated network device
 *
 * Every frame a transmit queue carries is looped back to the receive
 * queue of the same pair, if it passes the receive filter that the control
 * queue programs (MAC address, receive modes, MAC and VLAN filter tables).
 * Queues are rx0, tx0, rx1, tx1, ..., then the control queue: at index
 * 2 * max_vqp when the driver negotiated MQ (or RSS), at index 2 when it
 * did not (the virtio spec's layout; queues past it are unused and a
 * driver that runs them gets NEEDS_RESET). The data queues form
 * virtqueue group 0, the control queue group 1, so that the control queue
 * can live in an address space of its own (two address spaces); the group
 * of an index follows the features the driver set.
 *
 * Locking: &vdpasim_net.state_lock (a spinlock, taken in the workers and
 * in config ops) protects &vdpasim_net.state, which the control queue's
 * worker writes and the transmit workers read for every frame. It nests
 * inside every simulator lock, and is taken with bottom halves disabled:
 * a transmit kick served inline (inline_kick) takes it under
 * virtio_net's transmit queue lock, which softirqs take too. The
 * counters of a queue pair are written only by the pair's transmit worker
 * (with its queue lock held) and read through &vdpasim_net_pair.syncp;
 * those of the control queue only by its worker, read through
 * &vdpasim_net.cvq_syncp.
 */

/*
 * Most queue pairs a device can have: 8 pairs (17 virtqueues) is plenty
 * for multiqueue tests and keeps a device's footprint small.
 */
#define VDPASIM_NET_MAX_VQP		8
/* Largest queue size a driver may set. */
#define VDPASIM_NET_VQ_NUM_MAX		256
/* Entries of each MAC filter table (unicast, multicast). */
#define VDPASIM_NET_MAC_TABLE_MAX	64
/* Largest command data: a MAC TABLE_SET with both tables full. */
#define VDPASIM_NET_CTRL_DATA_MAX \
	(2 * (sizeof(__le32) + VDPASIM_NET_MAC_TABLE_MAX * ETH_ALEN))
/* Smallest and largest MTU a device can be created with. */
#define VDPASIM_NET_MIN_MTU		ETH_MIN_MTU
#define VDPASIM_NET_MAX_MTU		65535
#define VDPASIM_NET_DEFAULT_MTU		ETH_DATA_LEN

/**
 * struct vdpasim_net_state - what the control queue programs
 * @features: the features the driver accepted (0 before FEATURES_OK):
 *            a command whose feature was not negotiated is refused
 * @max_vqp: queue pairs the device has
 * @curr_vqp: queue pairs the driver said it uses (VQ_PAIRS_SET)
 * @status: the config space status (``VIRTIO_NET_S_*``)
 * @mac: the device's MAC address as the driver sees it (config space)
 * @promisc: accept every frame
 * @allmulti: accept every multicast frame
 * @alluni: accept every unicast frame
 * @nomulti: refuse every multicast frame
 * @nouni: refuse every unicast frame
 * @nobcast: refuse broadcast frames
 * @uni_count: entries in @uni
 * @multi_count: entries in @multi
 * @uni: unicast MAC filter table
 * @multi: multicast MAC filter table
 * @vlans: VLAN IDs whose tagged frames are accepted (with CTRL_VLAN)
 */
struct vdpasim_net_state {
	u64 features;
	u16 max_vqp;
	u16 curr_vqp;
	u16 status;
	u8 mac[ETH_ALEN];
	bool promisc;
	bool allmulti;
	bool alluni;
	bool nomulti;
	bool nouni;
	bool nobcast;
	unsigned int uni_count;
	unsigned int multi_count;
	u8 uni[VDPASIM_NET_MAC_TABLE_MAX][ETH_ALEN];
	u8 multi[VDPASIM_NET_MAC_TABLE_MAX][ETH_ALEN];
	DECLARE_BITMAP(vlans, VLAN_N_VID);
};

/**
 * struct vdpasim_net_qstats - counters of one data queue
 * @packets: frames carried
 * @bytes: bytes of those frames (without the virtio-net header)
 * @drops: frames dropped (receive filter, link down, injected faults,
 *         receive queue not enabled)
 * @errors: frames refused as malformed (too short, above the MTU, too
 *          large for the receive buffers)
 */
struct vdpasim_net_qstats {
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t drops;
	u64_stats_t errors;
};

/**
 * struct vdpasim_net_pair - a receive and transmit queue pair
 * @syncp: guards @rx and @tx for readers; the pair's transmit worker is
 *         the only writer
 * @rx: receive queue counters
 * @tx: transmit queue counters
 * @rx_first: segments of the first receive buffer of the frame being
 *            delivered (its header gets num_buffers last)
 * @rx_more: segments of the following receive buffers
 * @rx_elems: receive buffers taken for the frame being delivered
 * @rx_lens: bytes written to each of them
 *
 * Everything but the counters' readers is used only by the pair's
 * transmit worker, with its queue lock held.
 */
struct vdpasim_net_pair {
	struct u64_stats_sync syncp;
	struct vdpasim_net_qstats rx;
	struct vdpasim_net_qstats tx;
	struct vdring_iov rx_first;
	struct vdring_iov rx_more;
	struct vdring_elem *rx_elems;
	u32 *rx_lens;
};

/**
 * struct vdpasim_net - a simulated network device
 * @vs: the simulator device (first member, see &vdpasim_dev_attr)
 * @max_vqp: queue pairs
 * @mtu: MTU from ``vdpa dev add`` (or the default)
 * @mac: the MAC address from ``vdpa dev add`` or ``vdpa dev set`` (or a
 *       random one): what a reset restores (under @state_lock)
 * @link_up: debugfs knob: link state a reset restores; written under
 *           @state_lock, read without it (READ_ONCE()) by the debugfs
 *           read side
 * @state_lock: protects @state and @mac, and serialises writers of
 *              @link_up
 * @state: receive filter, config status and the driver's settings
 * @pairs: the queue pairs
 * @cvq_syncp: guards @cvq_commands and @cvq_errors for readers; the
 *             control queue's worker is the only writer
 * @cvq_commands: control commands handled
 * @cvq_errors: control commands answered with %VIRTIO_NET_ERR
 * @cvq_buf: command data of the command being handled (control worker)
 */
struct vdpasim_net {
	struct vdpasim vs;
	u16 max_vqp;
	u16 mtu;
	u8 mac[ETH_ALEN];
	bool link_up;
	spinlock_t state_lock;		/* protects state, mac; link_up writers */
	struct vdpasim_net_state state;
	struct vdpasim_net_pair *pairs;
	struct u64_stats_sync cvq_syncp;
	u64_stats_t cvq_commands;
	u64_stats_t cvq_errors;
	u8 cvq_buf[VDPASIM_NET_CTRL_DATA_MAX];
};

static inline struct vdpasim_net *sim_to_net(struct vdpasim *vs)
{
	return container_of(vs, struct vdpasim_net, vs);
}

/* cvq.c: pure functions on a state, for the workers and KUnit */
void vdpasim_net_state_reset(struct vdpasim_net_state *st, const u8 *mac,
			     u16 max_vqp, bool link_up);
virtio_net_ctrl_ack vdpasim_net_ctrl(struct vdpasim_net_state *st, u8 class,
				     u8 cmd, const void *data, size_t len);
bool vdpasim_net_rx_accept(const struct vdpasim_net_state *st,
			   const u8 *frame, size_t len);

/* cvq.c: the control queue */
int vdpasim_net_cvq_process(struct vdpasim_vq *vq, unsigned int budget);

/* datapath.c */
int vdpasim_net_data_process(struct vdpasim_vq *vq, unsigned int budget);
int vdpasim_net_pair_init(struct vdpasim_net_pair *pair);
void vdpasim_net_pair_free(struct vdpasim_net_pair *pair);

#endif /* _VDPA_SIM_NET_H */
