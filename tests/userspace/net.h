/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdpa_user: the virtio-net driver, shared by net.c, net_loop.c and pin.c.
 */
#ifndef VDPA_USER_NET_H
#define VDPA_USER_NET_H

#include <linux/virtio_net.h>

#include "vdpa_user.h"

#define NET_HDR_LEN sizeof(struct virtio_net_hdr_v1)
#define NET_RXQ 0
#define NET_TXQ 1
#define NET_CVQ 2	/* one queue pair, no VIRTIO_NET_F_MQ */

/**
 * struct net - a virtio-net device driven through vhost-vdpa
 * @d: the device
 * @o: the command line
 * @mem: rings and buffers of the data queues, AS 0
 * @cmem: control vq ring and command buffer
 * @rx: receive queue
 * @tx: transmit queue
 * @cvq: control queue (when @has_cvq)
 * @has_cvq: VIRTIO_NET_F_CTRL_VQ negotiated and the cvq set up
 * @mac: destination of our frames: the device's MAC
 * @run_id: tags this run's frames
 * @rx_len: bytes per receive buffer (header + frame)
 * @tx_len: bytes per transmit slot (header + frame, rounded up)
 * @rxbuf: @rx.num receive buffers
 * @txbuf: @tx.num / 2 transmit slots (two descriptors each)
 * @ntx: number of transmit slots
 * @tx_free: stack of free transmit slot numbers
 * @tx_nfree: entries on @tx_free
 * @held: receive buffers checked but not yet given back to the device
 * @nheld: entries in @held
 * @seen: per frame sequence number: how often it arrived
 * @sent: frames made available on @tx
 * @received: frames taken from @rx
 * @rx_posted: receive buffers made available on @rx
 * @bad: frames that arrived wrong (each reported)
 */
struct net {
	struct vdev d;
	const struct options *o;
	struct region mem;
	struct region cmem;
	struct vq rx;
	struct vq tx;
	struct vq cvq;
	bool has_cvq;
	__u8 mac[6];
	__u32 run_id;
	__u32 rx_len;
	__u32 tx_len;
	__u8 *rxbuf;
	__u8 *txbuf;
	unsigned int ntx;
	__u16 *tx_free;
	unsigned int tx_nfree;
	__u8 **held;
	unsigned int nheld;
	__u8 *seen;
	unsigned int sent;
	unsigned int received;
	unsigned int rx_posted;
	unsigned int bad;
};

int net_alloc_open(struct net **np, const struct options *o);
int net_open(struct net **np, const struct options *o);
void net_close(struct net *n);
int net_cvq_setup(struct net *n);
int net_cvq_command(struct net *n);
int net_post_rx(struct net *n, __u8 *buf);
int net_send(struct net *n, unsigned int max);
int net_drain(struct net *n, bool *progress);
int net_refill(struct net *n);

#endif
